/**
 * Where the output directory may be: never inside what the build reads. A build writes its
 * temporary files (.imgsmith-tmp-*, with an owner file naming the pid, boot id and host)
 * into -o; an -o inside a copied directory, a store path or the firmware directory would
 * put them (and earlier outputs) into the image, which then changes with every build and
 * is not what the registration describes. The reverse, an input inside a temporary
 * directory of -o, would be removed by the build (stale temporary directories are cleaned).
 * Paths are compared as real paths (symlinks of both followed), before anything is written.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { usageError } from './errors.ts';
import { TMP_PREFIX } from './lifetime.ts';
import type { ImageSpec, SourceRoot } from './spec-types.ts';
import { specIndexOf } from './ptable/numbering.ts';
import { generators, isGlob, type ContentGenerator } from './content/resolve.ts';
import { driverFor } from './fs/index.ts';
import { storeHostPath } from './content/closure.ts';

/** A directory or file the build reads, and how messages name it. */
export interface InputRoot {
  what: string;
  path: string;
}

/** The host path a copy of `rel` under `root` reads: a glob's directory, else the path itself. */
const copySource = (root: string, rel: string) => (isGlob(path.posix.basename(rel)) ? path.join(root, path.posix.dirname(rel)) : path.join(root, rel));

/**
 * Every input the spec and the command line name: each copy's source (spec directory,
 * firmware, toplevel), the toplevel read by generators, files drivers read (a raw blob),
 * the closureInfo directory and the store directory holding the closure's store paths.
 */
export async function inputRoots(
  spec: ImageSpec,
  roots: Partial<Record<SourceRoot, string>>,
  closure: { dir?: string; storeRoot?: string; used: boolean },
): Promise<InputRoot[]> {
  const out: InputRoot[] = [];
  for (const [i, p] of spec.partitions.entries()) {
    for (const [j, c] of p.contents.entries()) {
      const root = c.kind === 'copy' ? roots[c.from] : undefined;
      if (c.kind === 'copy' && root !== undefined) out.push({ what: `the source of spec.partitions[${specIndexOf(spec.table, i)}].contents[${j}]`, path: copySource(root, c.path) });
      if (c.kind !== 'generate') continue;
      for (const r of (generators[c.generator] as ContentGenerator).reads ?? []) {
        if (roots[r] !== undefined) out.push({ what: r === 'toplevel' ? '--toplevel' : `the ${r} directory`, path: roots[r] });
      }
    }
    for (const s of driverFor(p.filesystem).sources?.(p.filesystem) ?? []) {
      if (roots[s.from] !== undefined) out.push({ what: `the source of spec.partitions[${specIndexOf(spec.table, i)}]`, path: copySource(roots[s.from]!, s.path) });
    }
  }
  for (const [i, r] of spec.regions.entries()) {
    if (roots[r.from] !== undefined) out.push({ what: `the file of spec.regions[${i}]`, path: path.join(roots[r.from]!, r.file) });
  }
  if (closure.used && closure.dir !== undefined) {
    out.push({ what: 'the closure', path: closure.dir });
    const storeDir = await closureStoreDir(closure.dir);
    if (storeDir !== undefined) out.push({ what: 'the store directory of the closure', path: storeHostPath(closure.storeRoot)(storeDir) });
  }
  return out;
}

/** The store directory of the closure's first store path (/nix/store), undefined when unreadable (reported later). */
async function closureStoreDir(dir: string): Promise<string | undefined> {
  let text: string;
  try {
    const st = await fsp.stat(dir);
    const file = st.isDirectory() ? path.join(dir, 'store-paths') : dir;
    if (!(await fsp.stat(file)).isFile()) return undefined;
    const fh = await fsp.open(file, 'r');
    try {
      const buf = Buffer.alloc(4096);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      text = buf.toString('utf8', 0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
  const first = text.split('\n').map((l) => l.trim()).find((l) => l.startsWith('/'));
  return first ? path.posix.dirname(first) : undefined;
}

/** The real path of `p`, also when its last components do not exist yet (those are appended as given). */
async function realPathOf(p: string): Promise<string | undefined> {
  const abs = path.resolve(p);
  const rest: string[] = [];
  for (let cur = abs; ; cur = path.dirname(cur)) {
    try {
      return path.join(await fsp.realpath(cur), ...rest.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || cur === path.dirname(cur)) return undefined;
      rest.push(path.basename(cur));
    }
  }
}

const inside = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith('/') ? parent : `${parent}/`);

/** Refuses (exit 2) an output directory inside an input, and an input inside a temporary directory of the output directory. */
export async function checkOutputPlacement(outDir: string, inputs: InputRoot[]): Promise<void> {
  const out = await realPathOf(outDir);
  if (out === undefined) return;
  for (const input of inputs) {
    const real = await realPathOf(input.path);
    if (real === undefined) continue;
    const shown = real === input.path ? input.path : `${input.path} (${real})`;
    if (inside(out, real)) {
      throw usageError(
        `the output directory ${outDir} is inside ${input.what}, ${shown}: the image would contain imgsmith's own temporary files and outputs; use an output directory outside the build's inputs`,
      );
    }
    if (inside(real, out) && path.relative(out, real).split(path.sep)[0]!.startsWith(TMP_PREFIX)) {
      throw usageError(`${input.what}, ${shown}, is inside a temporary directory of the output directory ${outDir}, which the build removes; move the input out of it`);
    }
  }
}
