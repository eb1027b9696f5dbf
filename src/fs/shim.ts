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
import { closeSync, openSync, promises as fsp, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromUtf8, joinHost, walkTree, type FileTree, type WalkEntry } from '../content/tree.ts';
import { envFlag, envValue } from '../settings.ts';

export const SHIM_PATH = fileURLToPath(new URL('../../build/Release/imgsmith_mkfs_shim.so', import.meta.url));

/** The library to preload: SHIM_PATH, or IMGSMITH_SHIM_PATH (for tests: a library the
 *  loader refuses must make the drivers fall back). */
export function shimPath(): string {
  return envValue('IMGSMITH_SHIM_PATH') ?? SHIM_PATH;
}

/** Whether the shim may be used: built, and not disabled by IMGSMITH_NO_SHIM=1 or IMGSMITH_NO_NATIVE=1. */
export async function shimAvailable(): Promise<boolean> {
  if (envFlag('IMGSMITH_NO_SHIM') || envFlag('IMGSMITH_NO_NATIVE')) return false;
  return fsp.access(shimPath()).then(
    () => true,
    () => false,
  );
}

/** Whether mke2fs may read the tree from the shim's list instead of a staged copy (the
 *  shim is available and IMGSMITH_NO_VIRTUAL_TREE=1 does not turn it off). */
export async function virtualTreeAvailable(): Promise<boolean> {
  return !envFlag('IMGSMITH_NO_VIRTUAL_TREE') && (await shimAvailable());
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
  /** `list` is a VirtualListWriter's and `root` an empty directory (mke2fs only). */
  virtual?: boolean;
  /** The image file the tool writes: its writes are combined and its reads cached. */
  image?: string;
}

/** Environment variables that run a tool under the shim. */
export function shimEnv(o: ShimOptions): Record<string, string> {
  return {
    IMGSMITH_SHIM_VIRTUAL: o.virtual ? '1' : '0',
    LD_PRELOAD: [shimPath(), process.env.LD_PRELOAD].filter(Boolean).join(' '),
    IMGSMITH_SHIM_ROOT: o.root,
    IMGSMITH_SHIM_LIST: o.list,
    IMGSMITH_SHIM_EPOCH: String(o.epoch),
    IMGSMITH_SHIM_SEED: o.seed,
    ...(o.report ? { IMGSMITH_SHIM_REPORT: o.report } : {}),
    ...(o.image ? { IMGSMITH_SHIM_IMAGE: o.image } : {}),
  };
}

/** How many stat results the shim changed, from its report; null when it did not run
 *  (not preloaded: e.g. a static or setuid tool, or the loader refused the library). */
export async function shimLoaded(report: string): Promise<number | null> {
  const text = await fsp.readFile(report, 'utf8').catch(() => '');
  const m = /^faked (\d+)\n(?:virtual \d+ of \d+\n|served \d+ of \d+\n)?$/.exec(text);
  return m ? Number(m[1]) : null;
}

/** What the shim's report says of a run with a list (not virtual): how many distinct
 *  entries of the list it faked a stat result for (`served`), of the list's `total`. */
export interface ServedReport {
  served: number;
  total: number;
}

/** The "served" line of the shim's report (null when there is none: the shim did not run). */
export async function shimServedReport(report: string): Promise<ServedReport | null> {
  const text = await fsp.readFile(report, 'utf8').catch(() => '');
  const m = /^faked \d+\nserved (\d+) of (\d+)\n$/.exec(text);
  return m ? { served: Number(m[1]), total: Number(m[2]) } : null;
}

/** What the shim's report says of a virtual-tree run: entries mke2fs looked at, of all. */
export interface VirtualReport {
  seen: number;
  total: number;
}

/** The virtual-tree line of the shim's report (null when there is none). */
export async function shimVirtualReport(report: string): Promise<VirtualReport | null> {
  const text = await fsp.readFile(report, 'utf8').catch(() => '');
  const m = /^virtual (\d+) of (\d+)$/m.exec(text);
  return m ? { seen: Number(m[1]), total: Number(m[2]) } : null;
}

/** A host path (a byte string) made absolute against the cwd. */
const absoluteHost = (host: string): string => (host.startsWith('/') ? host : joinHost(fromUtf8(process.cwd()), host));

/**
 * Writes the shim's list in its second format (IMGSMITH_SHIM_VIRTUAL=1, see "The virtual
 * tree" in native/mkfs_shim.c) from the entries of one tree walk (with dirEnds), fed in
 * order: mke2fs then reads the tree from the list and the host sources, and nothing is
 * staged. Generated files are written to `dataDir`. Streamed: memory grows only with the
 * number of hard-linked inodes and the directory depth.
 */
export class VirtualListWriter {
  private readonly fd: number;
  private chunk: Buffer[] = [];
  private bytes = 0;
  private index = 0;
  /** The open directories: their index and host directory. */
  private readonly dirs: { index: number; source: string | undefined }[] = [];
  /** Hard-link groups, found as the walk goes (a group's first entry comes first). */
  private readonly links = linkGroupCollector();
  private data = 0;

  constructor(
    readonly file: string,
    private readonly dataDir: string,
  ) {
    this.fd = openSync(file, 'w');
  }

  /** The number of records written (tree entries, the root included). */
  get entries(): number {
    return this.index;
  }

  add(e: WalkEntry): void {
    if (e.kind === 'end') {
      this.dirs.pop();
      return;
    }
    const i = this.index++;
    this.links.add(e);
    const parent = this.dirs.length ? this.dirs[this.dirs.length - 1]! : undefined;
    const name = e.path === '/' ? '' : e.path.slice(e.path.lastIndexOf('/') + 1);
    // A host path that is the parent's host directory + "/" + name is not repeated.
    // Host paths are absolute in the list: mke2fs runs with its cwd inside the tree.
    const src = (host: string | undefined): [string, string] =>
      host === undefined ? ['n', ''] : parent?.source !== undefined && host === joinHost(parent.source, name) ? ['i', ''] : ['e', absoluteHost(host)];
    let kind: string, s: [string, string], mode: number;
    let ino = i;
    switch (e.kind) {
      case 'dir':
        kind = 'd';
        s = src(e.source);
        mode = e.mode & 0o7777;
        break;
      case 'file': {
        kind = 'f';
        s = src(e.source);
        // One inode, one mode: the group's first entry's (as shimRecords reports it).
        const g = e.linkKey !== undefined ? this.links.groups.get(e.linkKey) : undefined;
        ino = g ? g.first : i;
        mode = g ? g.mode : e.mode & 0o7777;
        break;
      }
      case 'data': {
        kind = 'f';
        const f = path.join(this.dataDir, String(this.data++));
        writeFileSync(f, e.data);
        s = ['e', fromUtf8(path.resolve(f))];
        mode = e.mode & 0o7777;
        break;
      }
      case 'symlink':
        kind = 'l';
        s = ['n', e.target];
        mode = 0o777;
        break;
    }
    const rec = Buffer.from(`${kind}${s[0]}${mode.toString(8)} ${ino} ${parent ? parent.index : -1}\0${name}\0${s[1]}\0`, 'latin1');
    this.chunk.push(rec);
    this.bytes += rec.length;
    if (this.bytes > 1 << 20) this.flush();
    if (e.kind === 'dir') this.dirs.push({ index: i, source: e.source });
  }

  private flush(): void {
    if (this.bytes) writeSync(this.fd, Buffer.concat(this.chunk));
    this.chunk = [];
    this.bytes = 0;
  }

  close(): void {
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }
}
