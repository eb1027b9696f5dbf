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
  image: string;
  fixture: BootFixture;
  manifest: Manifest;
}
const built = new Map<string, Promise<Built>>();

/** Builds (once) `recipeName` with a fresh fixture of `arch`. `rootByLabel: false` leaves
 *  root=LABEL= out of the fixture's kernel-params (the image's own command line names the root). */
export function buildRecipe(recipeName: string, arch: FixtureArch, diskSize?: number, rootByLabel = true, firstBoot = false): Promise<Built> {
  const key = `${recipeName}/${arch}${firstBoot ? '/first-boot' : ''}`;
  let p = built.get(key);
  if (!p) {
    p = (async () => {
      const specPath = recipe(recipeName);
      const dir = path.join(await tmp(), path.basename(recipeName).replace(/\.json$/, '') + (firstBoot ? '-first-boot' : ''));
      const needs = await fixtureNeeds(specPath);
      const label = rootByLabel ? needs.rootLabel : undefined;
      const fixture = await makeBootFixture({ arch, workDir: path.join(dir, 'fixture'), firstBoot, verity: needs.verity, rootOnly: needs.rootOnly, ...(label ? { rootLabel: label } : {}) });
      const r = await buildWithFixture(specPath, fixture, { outDir: path.join(dir, 'out'), ...(diskSize ? { diskSize } : {}) });
      assert.ok(r.imagePath, `buildImage gave no raw image for ${recipeName}`);
      return { image: r.imagePath, fixture, manifest: r.manifest };
    })();
    built.set(key, p);
  }
  return p;
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

