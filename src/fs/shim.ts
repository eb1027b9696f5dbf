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
import { closeSync, openSync, promises as fsp, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { walkTree, type FileTree, type WalkEntry } from '../content/tree.ts';

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

/** The shim's view of `tree`, in tree order, streamed: a first walk finds the hard-link
 *  groups (entries with the same linkKey, i.e. host inode), a second yields the records.
 *  Memory grows only with the number of hard-linked entries. */
export type LinkGroups = Map<string, { first: number; size: number; mode: number }>;

/** Collects the hard-link groups from a walk's entries (feed every entry, in order). */
export function linkGroupCollector(): { add: (e: WalkEntry) => void; groups: LinkGroups } {
  const groups: LinkGroups = new Map();
  let i = 0;
  return {
    groups,
    add(e) {
      if (e.kind === 'end') return;
      if (e.kind === 'file' && e.linkKey !== undefined) {
        const g = groups.get(e.linkKey);
        if (g) g.size++;
        else groups.set(e.linkKey, { first: i, size: 1, mode: e.mode & 0o7777 });
      }
      i++;
    },
  };
}

export function* shimRecords(tree: FileTree, known?: LinkGroups): Generator<ShimRecord> {
  let groups = known;
  if (!groups) {
    const c = linkGroupCollector();
    for (const e of walkTree(tree)) c.add(e);
    groups = c.groups;
  }
  let i = 0;
  for (const e of walkTree(tree)) {
    if (e.kind === 'end') continue;
    const g = e.kind === 'file' && e.linkKey !== undefined ? groups.get(e.linkKey) : undefined;
    const mode = e.kind === 'symlink' ? 0o777 : g ? g.mode : e.mode & 0o7777;
    yield { path: e.path, kind: e.kind, mode, ino: g ? g.first : i, nlink: g ? g.size : 1 };
    i++;
  }
}

/** Writes the shim's IMGSMITH_SHIM_LIST file for `tree` (paths as bytes), streamed;
 *  returns the counts of entries by kind. */
export function writeShimList(tree: FileTree, file: string, groups?: LinkGroups): { dirs: number; files: number; symlinks: number } {
  const counts = { dirs: 0, files: 0, symlinks: 0 };
  const fd = openSync(file, 'w');
  try {
    let chunk: Buffer[] = [];
    let bytes = 0;
    for (const r of shimRecords(tree, groups)) {
      const rel = r.path === '/' ? '' : r.path.slice(1);
      const rec = Buffer.from(`${r.mode.toString(8)} ${r.ino} ${r.nlink} ${rel}\0`, 'latin1');
      chunk.push(rec);
      bytes += rec.length;
      if (bytes > 1 << 20) {
        writeSync(fd, Buffer.concat(chunk));
        chunk = [];
        bytes = 0;
      }
      if (r.kind === 'dir') counts.dirs++;
      else if (r.kind === 'symlink') counts.symlinks++;
      else counts.files++;
    }
    writeSync(fd, Buffer.concat(chunk));
  } finally {
    closeSync(fd);
  }
  return counts;
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
