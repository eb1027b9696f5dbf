/**
 * The shipped recipes (images/*.json) built once from the test closure and shared by every
 * test file that only READS built images (inspect, ls, cat, verify, flash, diff's reference side,
 * bmap ranges ...), like the boot fixture's download cache (./boot-fixture.ts).
 *
 *   import { cachedRecipe, recipeFixture } from './helpers/recipe-cache.ts';
 *   const pi = await cachedRecipe('rpi-aarch64.json');                 // pi.img, pi.zst, pi.bmap, pi.manifest ...
 *   const ssd = await cachedRecipe('rpi4-usb-ssd.json', { diskSize: 2 * GiB });
 *   const { fx, firmware } = await recipeFixture();                     // what they were built from
 *
 * A build is buildImage() with compress, keepRaw and bmap all on (so .img, .img.zst, .bmap and
 * manifest.json are all there), from makeClosure(dir, {}) and makeFirmware(dir) plus an
 * EFI/BOOT/BOOTX64.EFI ("MZ" and 300 KiB of pseudo-random bytes, for uefi-x86_64's ESP).
 *
 * Rules: the files are shared between test files and runs: never write to them (copy first:
 * `cp --sparse=always`). Tests of the build itself (determinism, two builds byte-identical,
 * as root and as nobody, build errors) keep calling buildImage().
 *
 * Where: $IMGSMITH_CACHE or <repo>/.cache (as the boot fixture), in recipes/<key>/. The key is a
 * SHA-256 of everything that can change the bytes: every file under src/ and native/, images/,
 * the fixture helpers and this file, package-lock.json, the native binaries in build/Release,
 * the Node.js version, the path, size and mtime of each build tool, and the SOURCE_DATE_EPOCH
 * and IMGSMITH_* environment. Any change gives a new key, so a stale build is never used;
 * other keys' directories untouched for a day are removed. `rm -rf .cache/recipes` forces
 * fresh builds.
 *
 * Concurrency (test files run in parallel processes): an entry is made in a temporary
 * directory, stamped `.complete` and renamed into place; a lock directory (mkdir, holding the
 * owner's pid) makes the other processes wait for it instead of building the same thing; a
 * lock whose owner is gone is taken over. Within a process each entry is one promise.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildImage } from '../../src/build.ts';
import { findOnPath } from '../../src/toolchain.ts';
import type { Manifest } from '../../src/outputs/manifest.ts';
import { makeClosure, removeTree, type ClosureFixture } from './closure-fixture.ts';
import { makeFirmware, pseudoRandom } from './firmware-fixture.ts';
import { defaultCacheDir } from './boot-fixture.ts';
import { tryLock, unlock } from './cache-lock.ts';
import { REPO } from './cli.ts';

export interface CachedRecipe {
  /** The entry's directory (everything the build published). */
  dir: string;
  img: string;
  zst: string;
  bmap: string;
  manifestPath: string;
  manifest: Manifest;
}

export interface RecipeFixture {
  fx: ClosureFixture;
  firmware: string;
}

/** Tools whose binaries (path, size, mtime) are part of the key. */
const TOOLS = ['mke2fs', 'e2fsck', 'debugfs', 'dumpe2fs', 'resize2fs', 'mkfs.btrfs', 'btrfs', 'mkswap', 'zstd', 'fallocate', 'sfdisk'];
/** Files and trees (relative to the repo) whose contents are part of the key. */
const INPUTS = ['src', 'native', 'images', 'package-lock.json', 'build/Release', 'test/helpers/closure-fixture.ts', 'test/helpers/firmware-fixture.ts', 'test/helpers/recipe-cache.ts'];

async function hashInto(h: ReturnType<typeof createHash>, abs: string, rel: string): Promise<void> {
  const st = await fsp.lstat(abs).catch(() => undefined);
  if (!st) return void h.update(`missing ${rel}\0`);
  if (st.isDirectory()) {
    for (const name of (await fsp.readdir(abs)).sort()) {
      if (name !== 'obj.target' && name !== '.deps') await hashInto(h, path.join(abs, name), `${rel}/${name}`);
    }
  } else if (st.isFile()) {
    h.update(`file ${rel} ${st.size}\0`).update(await fsp.readFile(abs));
  }
}

let keyPromise: Promise<string> | undefined;

/** The inputs key (computed once per process). */
export function recipeCacheKey(): Promise<string> {
  keyPromise ??= (async () => {
    const h = createHash('sha256').update(`node ${process.version}\0`);
    for (const rel of INPUTS) await hashInto(h, path.join(REPO, rel), rel);
    for (const tool of TOOLS) {
      const where = await findOnPath(tool);
      const st = where ? await fsp.stat(where) : undefined;
      h.update(`tool ${tool} ${where} ${st?.size} ${st?.mtimeMs}\0`);
    }
    const env = Object.entries(process.env).filter(([k]) => (k.startsWith('IMGSMITH_') && k !== 'IMGSMITH_CACHE') || k === 'SOURCE_DATE_EPOCH');
    h.update(JSON.stringify(env.sort()));
    return h.digest('hex').slice(0, 24);
  })();
  return keyPromise;
}

const exists = (p: string) => fsp.access(p).then(() => true, () => false);

/**
 * Makes directory `final` once across processes: `make(tmp)` fills a temporary directory,
 * which is stamped `.complete` and renamed to `final`; other processes wait for it.
 */
async function makeOnce(final: string, make: (tmp: string) => Promise<void>): Promise<void> {
  const complete = path.join(final, '.complete');
  const lock = `${final}.lock`;
  while (!(await exists(complete))) {
    if (!(await tryLock(lock))) {
      await sleep(300);
      continue;
    }
    try {
      if (await exists(complete)) break;
      if (await exists(final)) await removeTree(final); // an incomplete leftover (renames are atomic: not expected)
      const tmp = `${final}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      await fsp.mkdir(tmp, { recursive: true });
      try {
        await make(tmp);
        await fsp.writeFile(path.join(tmp, '.complete'), '');
        await fsp.rename(tmp, final);
      } catch (err) {
        await removeTree(tmp);
        throw err;
      }
    } finally {
      await unlock(lock);
    }
  }
}

/** JSON written in `tmp` with its paths, read back with them under `final`. */
async function saveJson(tmp: string, name: string, value: unknown): Promise<void> {
  await fsp.writeFile(path.join(tmp, name), JSON.stringify(value));
}
async function loadJson<T>(final: string, name: string): Promise<T> {
  const text = await fsp.readFile(path.join(final, name), 'utf8');
  const tmpPrefix = JSON.parse(text).tmp as string;
  return JSON.parse(text.replaceAll(JSON.stringify(tmpPrefix).slice(1, -1), JSON.stringify(final).slice(1, -1))) as T;
}

/** Removes other keys' directories untouched for a day (once per process). */
let pruned = false;
async function prune(root: string, key: string): Promise<void> {
  if (pruned) return;
  pruned = true;
  const now = new Date();
  await fsp.utimes(path.join(root, key), now, now);
  for (const name of await fsp.readdir(root)) {
    const st = await fsp.stat(path.join(root, name)).catch(() => undefined);
    if (name !== key && st && Date.now() - st.mtimeMs > 86_400_000) await removeTree(path.join(root, name)).catch(() => {});
  }
}

async function keyDir(): Promise<string> {
  const key = await recipeCacheKey();
  const root = path.join(defaultCacheDir(), 'recipes');
  await fsp.mkdir(path.join(root, key), { recursive: true });
  await prune(root, key);
  return path.join(root, key);
}

let fixturePromise: Promise<RecipeFixture> | undefined;

/** The closure and firmware the cached recipes are built from (made once, shared). */
export function recipeFixture(): Promise<RecipeFixture> {
  fixturePromise ??= (async () => {
    const final = path.join(await keyDir(), 'fixture');
    await makeOnce(final, async (tmp) => {
      const fx = await makeClosure(path.join(tmp, 'fx'), {});
      const firmware = await makeFirmware(path.join(tmp, 'firmware'));
      await fsp.mkdir(path.join(firmware, 'EFI/BOOT'), { recursive: true });
      await fsp.writeFile(path.join(firmware, 'EFI/BOOT/BOOTX64.EFI'), Buffer.concat([Buffer.from('MZ'), pseudoRandom('bootx64', 300 * 1024)]));
      await saveJson(tmp, 'fixture.json', { tmp, fx, firmware });
    });
    return loadJson<RecipeFixture>(final, 'fixture.json');
  })();
  fixturePromise.catch(() => (fixturePromise = undefined));
  return fixturePromise;
}

const entries = new Map<string, Promise<CachedRecipe>>();

/** `recipe` (a file name in images/) built from recipeFixture(), at `diskSize` (default: the recipe's size). */
export function cachedRecipe(recipe: string, opts: { diskSize?: number } = {}): Promise<CachedRecipe> {
  const name = `${recipe.replace(/\.json$/, '')}-${opts.diskSize ?? 'default'}`;
  let p = entries.get(name);
  if (!p) {
    p = (async () => {
      const { fx, firmware } = await recipeFixture();
      const final = path.join(await keyDir(), name);
      await makeOnce(final, async (tmp) => {
        const r = await buildImage({
          specPath: path.join(REPO, 'images', recipe),
          closure: fx.closureInfoDir,
          storeRoot: fx.storeRoot,
          toplevel: fx.toplevel,
          firmware,
          outDir: tmp,
          compress: true,
          keepRaw: true,
          bmap: true,
          ...(opts.diskSize ? { diskSize: opts.diskSize } : {}),
        });
        const entry = { img: r.imagePath!, zst: r.compressedPath!, bmap: r.bmapPath!, manifestPath: r.manifestPath, manifest: r.manifest };
        await saveJson(tmp, 'entry.json', { tmp, dir: tmp, ...entry });
      });
      const { tmp: _, ...entry } = await loadJson<CachedRecipe & { tmp: string }>(final, 'entry.json');
      return entry;
    })();
    p.catch(() => entries.delete(name));
    entries.set(name, p);
  }
  return p;
}
