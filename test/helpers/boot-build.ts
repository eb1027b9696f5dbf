/**
 * What the QEMU boot tests share (test/boot.test.ts: the shipped recipes booted; test/boot-grow.test.ts:
 * first boot growing the root): each recipe built once per process with a fresh boot fixture
 * (./boot-fixture.ts), the per-process temporary directory, and the boot-test call.
 * The two files are separate so that the test runner runs their boots in parallel.
 */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, promises as fsp } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { bootTest, type BootMachine, type BootTestResult } from '../../src/boottest.ts';
import { buildWithFixture, fixtureNeeds, makeBootFixture, repoRoot, type BootFixture, type FixtureArch } from './boot-fixture.ts';
import type { Manifest } from '../../src/outputs/manifest.ts';
import { openImage } from '../../src/inspect/image.ts';
import { execa } from 'execa';

export const SKIP = process.env.IMGSMITH_SKIP_BOOT_TESTS === '1' ? 'IMGSMITH_SKIP_BOOT_TESTS=1' : false;
export const REPO = repoRoot();
/** A recipe in images/, or a spec file given by its absolute path. */
export const recipe = (name: string) => (path.isAbsolute(name) ? name : path.join(REPO, 'images', name));

let tmpDir: string | undefined;
export async function tmp(): Promise<string> {
  tmpDir ??= await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-boottest-'));
  return tmpDir;
}
after(async () => {
  if (tmpDir) await fsp.rm(tmpDir, { recursive: true, force: true });
});

export interface Built {
  /** The image to boot: the raw .img, or with `ownOutputs` the .img.zst (boot-test decompresses it). */
  image: string;
  fixture: BootFixture;
  manifest: Manifest;
}

export interface BuildOptions {
  /** The disk size (--disk-size) instead of the recipe's. */
  diskSize?: number;
  /** false leaves root=LABEL= out of the fixture's kernel-params (the image's own command line names the root). */
  rootByLabel?: boolean;
  /** The fixture runs nix/first-boot.sh (see makeBootFixture). */
  firstBoot?: boolean;
  /** Build with the recipe's own outputs (.img.zst and .bmap, what users flash) instead of a raw
   *  .img: for the images of several GiB, whose published .img would be hashed byte by byte, holes
   *  and all, for its .sha256. */
  ownOutputs?: boolean;
}

const built = new Map<string, Promise<Built>>();

/** Builds `recipeName` with a fresh fixture of `arch`, once per process for each recipe, arch and `firstBoot` (the first call's options count). */
export function buildRecipe(recipeName: string, arch: FixtureArch, opts: BuildOptions = {}): Promise<Built> {
  const { diskSize, rootByLabel = true, firstBoot = false, ownOutputs = false } = opts;
  const key = `${recipeName}/${arch}${firstBoot ? '/first-boot' : ''}`;
  let p = built.get(key);
  if (!p) {
    p = (async () => {
      const specPath = recipe(recipeName);
      const dir = path.join(await tmp(), path.basename(recipeName).replace(/\.json$/, '') + (firstBoot ? '-first-boot' : ''));
      const needs = await fixtureNeeds(specPath);
      const label = rootByLabel ? needs.rootLabel : undefined;
      const fixture = await makeBootFixture({ arch, workDir: path.join(dir, 'fixture'), firstBoot, verity: needs.verity, rootOnly: needs.rootOnly, ...(label ? { rootLabel: label } : {}) });
      const r = await buildWithFixture(specPath, fixture, { outDir: path.join(dir, 'out'), ...(diskSize ? { diskSize } : {}) }, ownOutputs);
      const image = ownOutputs ? r.compressedPath : r.imagePath;
      assert.ok(image, `buildImage gave no ${ownOutputs ? '.img.zst' : 'raw image'} for ${recipeName}`);
      return { image, fixture, manifest: r.manifest };
    })();
    built.set(key, p);
  }
  return p;
}

/** Writes the raw disk image of `image` (an .img, or an .img.zst decompressed as boot-test does) to `dest`, sparse. */
export async function rawDisk(image: string, dest: string): Promise<void> {
  const im = await openImage(image);
  try {
    await execa('cp', ['--sparse=always', im.path, dest]);
  } finally {
    await im.close();
  }
}

/**
 * What any write to a file changes: its size, mtime and ctime (ns), with its device and inode. A
 * boot test must leave the image it boots as it was (QEMU writes a qcow2 overlay): comparing this
 * before and after says so without reading the whole image twice for a hash.
 */
export async function fileStamp(file: string): Promise<string> {
  const st = await fsp.stat(file, { bigint: true });
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

export async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export function explain(r: BootTestResult): string {
  return `boot test on ${r.machine} failed after ${r.seconds} s: ${r.reason}\nlast ${r.serialTail.length} serial lines:\n${r.serialTail.join('\n')}`;
}

export async function boot(image: string, machine: BootMachine, timeoutSec: number, marker?: string): Promise<BootTestResult> {
  return bootTest(image, { machine, timeoutSec, ...(marker ? { marker } : {}) });
}

