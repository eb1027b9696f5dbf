/**
 * Publishing a build: renaming its outputs from the temporary directory to their final
 * names in the output directory. It never deletes what imgsmith did not make: before
 * anything is renamed, every final name must be absent, a regular file (replaced
 * atomically by rename), or, for `nix-support`, a directory imgsmith made (holding
 * nothing but regular files named hydra-build-products and system). Anything else (a
 * directory at `x.img`, a symlink, a FIFO, a `nix-support/` with other files) fails the
 * build with nothing published.
 */
import { promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { buildError } from './errors.ts';
import { fileKind } from './input-file.ts';
import { whilePublishing } from './lifetime.ts';

/** The files an imgsmith-made nix-support/ directory may hold. */
export const NIX_SUPPORT_FILES = new Set(['hydra-build-products', 'system']);

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await fsp.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Whether `dir` is a nix-support directory imgsmith made (only hydra-build-products and system files). */
async function isOurNixSupport(dir: string): Promise<boolean> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return false;
  }
  for (const n of names) {
    if (!NIX_SUPPORT_FILES.has(n)) return false;
    if (!(await lstatOrUndefined(path.join(dir, n)))?.isFile()) return false;
  }
  return true;
}

/** Throws unless `to` may be replaced by the output `from` (see the module doc). */
async function checkReplaceable(from: string, to: string, fromDir: boolean): Promise<void> {
  const st = await lstatOrUndefined(to);
  if (!st) return;
  if (!fromDir && st.isFile()) return;
  if (fromDir && st.isDirectory() && (await isOurNixSupport(to))) return;
  const what = st.isSymbolicLink() ? 'a symbolic link' : st.isDirectory() ? (fromDir ? 'a directory with files imgsmith did not write' : 'a directory') : fileKind(st);
  throw buildError(
    `${to} exists and is ${what}; imgsmith replaces only ${fromDir ? 'a nix-support directory holding nothing but hydra-build-products and system' : 'regular files'} and never deletes anything else: move it away or use another -o (nothing was published)`,
  );
}

/** Renames the directory `from` to `to`, moving an imgsmith-made `to` aside into `trash` first. */
async function renameDir(from: string, to: string, trash: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fsp.rename(from, to);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt >= 5) throw err;
    }
    // A concurrent build may have put its own there meanwhile: check again, then move it aside.
    await checkReplaceable(from, to, true);
    await fsp.rename(to, path.join(trash, `old-${path.basename(to)}-${attempt}`)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}

/**
 * Publishes `[tmp path, final name]` pairs into `outDir`, in order (put the manifest last).
 * `trash` is a directory removed afterwards (the build's temporary directory).
 */
export async function publishOutputs(outputs: [string, string][], outDir: string, trash: string): Promise<void> {
  const items = await Promise.all(
    outputs.map(async ([from, name]) => ({ from, to: path.join(outDir, name), dir: (await fsp.lstat(from)).isDirectory() })),
  );
  for (const it of items) await checkReplaceable(it.from, it.to, it.dir);
  await whilePublishing(async () => {
    for (const it of items) {
      // Outputs may go to a subdirectory (spec output.directory, e.g. sd-image/).
      if (path.dirname(it.to) !== outDir) await fsp.mkdir(path.dirname(it.to), { recursive: true });
      if (it.dir) await renameDir(it.from, it.to, trash);
      else await fsp.rename(it.from, it.to);
    }
  });
}
