/**
 * The mkfs LD_PRELOAD shim (native/mkfs_shim.c, built with the addon into
 * build/Release/imgsmith_mkfs_shim.so): what both mkfs tools (mke2fs -d, mkfs.btrfs
 * --rootdir) see of the staged tree when they run under it. See the C file for what it
 * fakes; this module writes its list and environment and tells whether it was loaded.
 *
 * Hard links: tree entries of kind "file" whose host sources are the same inode
 * (dev + ino) are one hard-link group. Every member is reported with the same st_ino
 * (the tree index of the group's first entry), st_nlink = the group's size and the
 * group's first entry's mode (one inode has one mode, whichever name a tool reaches
 * first). Every other entry has its own tree index as st_ino and st_nlink 1.
 */
import { promises as fsp } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FileTree } from '../content/tree.ts';
import { buildError } from '../errors.ts';

export const SHIM_PATH = fileURLToPath(new URL('../../build/Release/imgsmith_mkfs_shim.so', import.meta.url));

/** The library to preload: SHIM_PATH, or IMGSMITH_SHIM_PATH (for tests: a library the
 *  loader refuses must make the drivers fall back). */
export function shimPath(): string {
  return process.env.IMGSMITH_SHIM_PATH || SHIM_PATH;
}

/** Whether the shim may be used: built, and not disabled by IMGSMITH_NO_SHIM=1 or IMGSMITH_NO_NATIVE=1. */
export async function shimAvailable(): Promise<boolean> {
  if (process.env.IMGSMITH_NO_SHIM === '1' || process.env.IMGSMITH_NO_NATIVE === '1') return false;
  return fsp.access(shimPath()).then(
    () => true,
    () => false,
  );
}

/** One tree entry as the shim reports it. */
export interface ShimRecord {
  /** The tree path ("/" for the root). */
  path: string;
  kind: 'dir' | 'file' | 'data' | 'symlink';
  /** Permission bits (07777) the tools see; symlinks 0777. */
  mode: number;
  /** The fake inode number: the tree index of the first entry of its hard-link group. */
  ino: number;
  /** Names of the inode (the group's size); 1 for all but hard-linked files. */
  nlink: number;
}

/** The shim's view of `tree`, in tree order (stats the host sources to find shared inodes). */
export async function shimRecords(tree: FileTree): Promise<ShimRecord[]> {
  const entries = tree.entries();
  const hostKey: (string | undefined)[] = new Array(entries.length);
  const files = entries.flatMap(([, e], i) => (e.kind === 'file' ? [{ i, source: e.source }] : []));
  for (let k = 0; k < files.length; k += 128) {
    const batch = files.slice(k, k + 128);
    const sts = await Promise.all(batch.map((f) => fsp.stat(f.source, { bigint: true }).catch((err: Error) => err)));
    batch.forEach((f, j) => {
      const st = sts[j]!;
      if (st instanceof Error) throw buildError(`cannot read ${f.source}: ${st.message}`);
      hostKey[f.i] = `${st.dev}:${st.ino}`;
    });
  }
  const groups = new Map<string, { first: number; size: number }>();
  for (let i = 0; i < entries.length; i++) {
    const key = hostKey[i];
    if (key === undefined) continue;
    const g = groups.get(key);
    if (g) g.size++;
    else groups.set(key, { first: i, size: 1 });
  }
  return entries.map(([p, e], i) => {
    const key = hostKey[i];
    const g = key === undefined ? undefined : groups.get(key)!;
    const owner = g ? entries[g.first]![1] : e;
    const mode = owner.kind === 'symlink' ? 0o777 : owner.mode & 0o7777;
    return { path: p, kind: e.kind, mode, ino: g ? g.first : i, nlink: g ? g.size : 1 };
  });
}

/** Writes the shim's IMGSMITH_SHIM_LIST file for these records. */
export async function writeShimList(records: ShimRecord[], file: string): Promise<void> {
  const parts: Buffer[] = [];
  for (const r of records) {
    const rel = r.path === '/' ? '' : r.path.slice(1);
    parts.push(Buffer.from(`${r.mode.toString(8)} ${r.ino} ${r.nlink} ${rel}\0`));
  }
  await fsp.writeFile(file, Buffer.concat(parts));
}

export interface ShimOptions {
  /** The staged root (canonical: fsp.realpath). */
  root: string;
  list: string;
  epoch: number;
  /** Seeds the UUIDs and random numbers the tool generates. */
  seed: string;
  /** A file the shim writes at exit (see shimLoaded). */
  report?: string;
}

/** Environment variables that run a tool under the shim. */
export function shimEnv(o: ShimOptions): Record<string, string> {
  return {
    LD_PRELOAD: [shimPath(), process.env.LD_PRELOAD].filter(Boolean).join(' '),
    IMGSMITH_SHIM_ROOT: o.root,
    IMGSMITH_SHIM_LIST: o.list,
    IMGSMITH_SHIM_EPOCH: String(o.epoch),
    IMGSMITH_SHIM_SEED: o.seed,
    ...(o.report ? { IMGSMITH_SHIM_REPORT: o.report } : {}),
  };
}

/** How many stat results the shim changed, from its report; null when it did not run
 *  (not preloaded: e.g. a static or setuid tool, or the loader refused the library). */
export async function shimLoaded(report: string): Promise<number | null> {
  const text = await fsp.readFile(report, 'utf8').catch(() => '');
  const m = /^faked (\d+)\n$/.exec(text);
  return m ? Number(m[1]) : null;
}
