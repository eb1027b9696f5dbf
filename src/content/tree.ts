/**
 * An in-memory description of a filesystem's contents, and the walk that expands it.
 *
 * Names, paths and symlink targets are BYTES. They are held as "byte strings": every
 * char code is one byte (0-255), i.e. the raw bytes decoded as latin1, so non-UTF-8
 * names survive untouched, string comparison is byte order, and `hostPath()` turns
 * one back into the Buffer the fs calls take. Text from the spec (UTF-8) enters with
 * `fromUtf8()`; messages show paths with `show()`.
 *
 * The tree holds only what the spec names explicitly: generated files, text, single
 * files, symlinks, directories, and *host directories* (a `dir` entry with a `source`):
 * a directory whose contents are the host directory's, copied as data (symlinks stay
 * symlinks, whatever their target, hard links stay hard links, modes exact). Host
 * directories (the closure's store paths, copied directories) are never loaded into
 * memory: `walkTree` reads them while it walks, so memory does not grow with the
 * number of files in them.
 */
import { constants as fsc, lstatSync, readdirSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import os from 'node:os';
import { inputError, dataError } from '../errors.ts';
import { loadNative } from '../sparse.ts';
import { printableBytes } from '../text.ts';

export type TreeEntry =
  /** A directory. With `source`, the host directory's contents are merged in (see above);
   *  `follow` makes that copy follow symlinks (like `cp -rL`). `implicit` marks parents
   *  created for other entries: a host directory at the same path keeps its own mode. */
  | { kind: 'dir'; mode: number; source?: string; follow?: boolean; implicit?: boolean }
  /** A regular file copied from the host (contents read at write time). */
  | { kind: 'file'; mode: number; size: number; source: string; linkKey?: string; hostMode?: number }
  /** A generated regular file. */
  | { kind: 'data'; mode: number; data: Buffer }
  /** A symlink; `target` is a byte string, copied verbatim (it need not exist). */
  | { kind: 'symlink'; target: string };

/** One entry of the expanded tree, as `walkTree` yields it. */
export type WalkEntry =
  /** `source`: the host directory whose contents the walk reads here, if any. */
  | { path: string; kind: 'dir'; mode: number; source?: string }
  /** `linkKey` ("dev:ino") is set for host files with more than one link: entries with
   *  the same key are one inode (hard links) in the image. */
  | { path: string; kind: 'file'; mode: number; size: number; source: string; linkKey?: string; hostMode?: number }
  | { path: string; kind: 'data'; mode: number; data: Buffer }
  | { path: string; kind: 'symlink'; target: string }
  /** Only with `dirEnds`: after the last entry inside the directory `path`. */
  | { path: string; kind: 'end'; mode: number };

// ---------------------------------------------------------------------------
// Byte strings

/** UTF-8 text (spec, argv) as a byte string. */
export function fromUtf8(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

/** A byte string as the Buffer fs calls take. */
export function hostPath(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** A byte string for messages and output: UTF-8 where valid, other bytes and controls as
 *  \xNN, a backslash as \\ (printableBytes in src/text.ts, the one escaping of names). */
export function show(s: string): string {
  return printableBytes(s);
}

/** True when the byte string is valid UTF-8. */
export function isUtf8(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return true;
  const b = Buffer.from(s, 'latin1');
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}

/** The byte string of a host name/target read as a Buffer. */
const bstr = (b: Buffer): string => b.toString('latin1');

// ---------------------------------------------------------------------------
// The tree

export class FileTree {
  private readonly map = new Map<string, TreeEntry>();
  private childIndex: Map<string, string[]> | undefined;

  /** Adds an entry; creates missing parent directories (mode 0755). Replaces a previous
   *  non-directory entry at the same path; adding a directory over a directory keeps the
   *  old one unless the old one is implicit (then the new one wins). */
  add(path: string, entry: TreeEntry): void {
    const p = normalizeTreePath(path);
    this.childIndex = undefined;
    if (p === '/') {
      if (entry.kind !== 'dir') throw dataError('the root of a tree must be a directory');
      this.map.set('/', entry);
      return;
    }
    this.ensureDir(parentOf(p));
    const old = this.map.get(p);
    if (old && old.kind === 'dir' && entry.kind === 'dir') {
      if (old.implicit || entry.source !== undefined) this.map.set(p, entry);
      return;
    }
    if (old && old.kind === 'dir') {
      throw dataError(`${show(p)} is a directory and cannot be replaced by a ${entry.kind === 'data' ? 'file' : entry.kind}`);
    }
    if (old && entry.kind === 'dir') {
      throw dataError(`${show(p)} is a ${old.kind === 'data' ? 'file' : old.kind} and cannot be replaced by a directory`);
    }
    if (entry.kind === 'file' && entry.linkKey === undefined) {
      // Entries naming the same host file are one inode (hard links) in the image; a mode
      // other than the host file's is remembered for writers that link to host files.
      try {
        const st = statSync(hostPath(entry.source));
        entry = { ...entry, linkKey: `${st.dev}:${st.ino}`, ...((st.mode & 0o7777) !== entry.mode ? { hostMode: st.mode & 0o7777 } : {}) };
      } catch {
        // Missing sources are reported when they are read.
      }
    }
    this.map.set(p, entry);
  }

  /**
   * Adds the host directory `source` at `path` (its contents copied as data, see above).
   * A directory that already has a host source is expanded one level so both merge: the
   * later copy wins for files, and a directory meeting a non-directory is an error.
   */
  addHostDir(path: string, source: string, mode: number, follow = false): void {
    const p = normalizeTreePath(path);
    const old = this.map.get(p);
    if (old && old.kind !== 'dir') {
      throw dataError(`${show(p)} is a ${old.kind === 'data' ? 'file' : old.kind} and cannot be replaced by a directory`);
    }
    if (!old || old.source === undefined) {
      if (p !== '/') this.ensureDir(parentOf(p));
      this.childIndex = undefined;
      this.map.set(p, { kind: 'dir', mode, source, ...(follow ? { follow } : {}) });
      return;
    }
    // Two host directories at one path: make the first one's children explicit, then
    // add the second one's children over them.
    this.map.set(p, { kind: 'dir', mode });
    this.childIndex = undefined;
    this.expandHostChildren(p, old.source, old.follow === true);
    this.expandHostChildren(p, source, follow);
  }

  /** Adds the host path `host` (a file, directory or symlink; with `follow`, symlinks
   *  followed) at `path` as what it is: a directory becomes a host directory. */
  addHost(path: string, host: string, follow = false): void {
    const w = hostEntry(path, host, follow);
    if (w.kind === 'dir') this.addHostDir(path, host, w.mode, follow);
    else {
      const { path: _p, ...e } = w;
      this.add(path, e as TreeEntry);
    }
  }

  private expandHostChildren(p: string, source: string, follow: boolean): void {
    for (const name of readHostDir(source)) this.addHost(joinPath(p, name), joinHost(source, name), follow);
  }

  /** Makes sure `path` is a directory (an implicit one, mode `mode`, when missing). */
  ensureDir(path: string, mode = 0o755): void {
    const p = normalizeTreePath(path);
    const e = this.map.get(p);
    if (e) {
      if (e.kind !== 'dir') throw dataError(`${show(p)} is a ${e.kind === 'data' ? 'file' : e.kind}, not a directory`);
      return;
    }
    this.childIndex = undefined;
    if (p !== '/') this.ensureDir(parentOf(p));
    this.map.set(p, { kind: 'dir', mode, implicit: true });
  }

  get(path: string): TreeEntry | undefined {
    return this.map.get(normalizeTreePath(path));
  }

  /** The entry at `path` (no symlink followed), looking inside host directories too. */
  lookup(path: string): TreeEntry | undefined {
    const p = normalizeTreePath(path);
    const own = this.map.get(p);
    if (own) return own;
    // The nearest explicit ancestor with a host source, and the rest of the path below it.
    let dir = p;
    const rest: string[] = [];
    while (dir !== '/') {
      rest.unshift(dir.slice(dir.lastIndexOf('/') + 1));
      dir = parentOf(dir);
      const e = this.map.get(dir);
      if (!e) continue;
      if (e.kind !== 'dir') return undefined;
      // A spec directory inside a host directory merges with the host's: look further up.
      if (e.source === undefined) continue;
      let host = e.source;
      for (const [k, name] of rest.entries()) {
        host = joinHost(host, name);
        let st: Stats | undefined;
        try {
          st = statHost(host, e.follow === true);
        } catch {
          return undefined; // unreadable: not found, as for a missing path
        }
        if (!st) return undefined;
        if (k < rest.length - 1 && !st.isDirectory()) return undefined;
        if (k === rest.length - 1) {
          if (st.isDirectory()) return { kind: 'dir', mode: st.mode & 0o7777, source: host };
          if (st.isSymbolicLink()) return { kind: 'symlink', target: readHostLink(host) };
          return { kind: 'file', mode: st.mode & 0o7777, size: st.size, source: host };
        }
      }
    }
    return undefined;
  }

  has(path: string): boolean {
    return this.map.has(normalizeTreePath(path));
  }

  /** Number of explicit entries (host directories count as one). */
  get size(): number {
    return this.map.size;
  }

  /** The explicit entries (host directories not expanded), sorted, root included. */
  explicitEntries(): [string, TreeEntry][] {
    if (!this.map.has('/')) this.map.set('/', { kind: 'dir', mode: 0o755, implicit: true });
    // Each path's sort key is made once (not in every comparison: deep trees have long paths).
    return [...this.map.entries()]
      .map((e) => ({ key: pathSortKey(e[0]), e }))
      .sort((a, b) => cmp(a.key, b.key))
      .map((x) => x.e);
  }

  /** The whole expanded tree as [path, entry] pairs, sorted. Loads everything: for small
   *  trees (FAT, swap, raw); big ones use walkTree. */
  entries(): [string, Exclude<TreeEntry, { kind: 'dir' }> | { kind: 'dir'; mode: number }][] {
    const out: [string, Exclude<TreeEntry, { kind: 'dir' }> | { kind: 'dir'; mode: number }][] = [];
    for (const w of walkTree(this)) {
      switch (w.kind) {
        case 'dir':
          out.push([w.path, { kind: 'dir', mode: w.mode }]);
          break;
        case 'file':
          out.push([w.path, { kind: 'file', mode: w.mode, size: w.size, source: w.source }]);
          break;
        case 'data':
          out.push([w.path, { kind: 'data', mode: w.mode, data: w.data }]);
          break;
        case 'symlink':
          out.push([w.path, { kind: 'symlink', target: w.target }]);
          break;
      }
    }
    return out;
  }

  /** Host directory sources that contain, or are inside, another source (real paths compared). */
  overlappingSources(): Set<string> {
    const srcs: [string, string][] = [];
    for (const e of this.map.values()) {
      if (e.kind !== 'dir' || e.source === undefined) continue;
      let real = e.source;
      try {
        real = realpathSync(hostPath(e.source), { encoding: 'buffer' }).toString('latin1');
      } catch {
        // reported by the walk
      }
      srcs.push([e.source, real.endsWith('/') ? real : real + '/']);
    }
    const out = new Set<string>();
    const sorted = [...srcs].sort((a, b) => cmp(a[1], b[1]));
    // Sorted by real path, a directory comes right before what is inside it.
    const stack: [string, string][] = [];
    for (const cur of sorted) {
      while (stack.length && !cur[1].startsWith(stack[stack.length - 1]![1])) stack.pop();
      if (stack.length) {
        out.add(cur[0]);
        for (const a of stack) out.add(a[0]);
      }
      stack.push(cur);
    }
    return out;
  }

  /** The inodes ("dev:ino") of the explicit host files. */
  explicitLinkKeys(): Set<string> {
    const keys = new Set<string>();
    for (const e of this.map.values()) if (e.kind === 'file' && e.linkKey !== undefined) keys.add(e.linkKey);
    return keys;
  }

  /** Explicit children names of every explicit directory, sorted by bytes. */
  children(dir: string): string[] {
    if (!this.childIndex) {
      const idx = new Map<string, string[]>();
      for (const p of this.map.keys()) {
        if (p === '/') continue;
        const parent = parentOf(p);
        let l = idx.get(parent);
        if (!l) idx.set(parent, (l = []));
        l.push(p.slice(p.lastIndexOf('/') + 1));
      }
      for (const l of idx.values()) l.sort(cmp);
      this.childIndex = idx;
    }
    return this.childIndex.get(dir) ?? [];
  }

  /** Total bytes of regular file contents (walks host directories). */
  contentBytes(): number {
    let n = 0;
    for (const e of walkTree(this)) {
      if (e.kind === 'file') n += e.size;
      else if (e.kind === 'data') n += e.data.length;
    }
    return n;
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A path's sort key: compared with `cmp`, paths sort component-wise by byte order, so a directory sorts right before its children. */
const pathSortKey = (p: string) => p.split('/').join('\0'); // a flat string: replaceAll's result, kept for a sort, ran a 5000-deep tree out of heap

export function normalizeTreePath(path: string): string {
  if (!path.startsWith('/')) throw dataError(`tree path must be absolute: ${show(path)}`);
  if (!path.includes('//') && !path.includes('/.') && !(path.length > 1 && path.endsWith('/'))) return path;
  const parts: string[] = [];
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') throw dataError(`tree path must not contain "..": ${show(path)}`);
    parts.push(c);
  }
  return '/' + parts.join('/');
}

export function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

const joinPath = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);
/** A name under a host directory (byte strings). */
export const joinHost = (dir: string, name: string) => (dir.endsWith('/') ? dir + name : `${dir}/${name}`);

// ---------------------------------------------------------------------------
// The walk

function hostError(host: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return inputError(`${show(host)} disappeared while it was being read`);
  if (code === 'ELOOP') return inputError(`${show(host)}: too many levels of symbolic links (a symlink loop?)`);
  if (code === 'EACCES' || code === 'EPERM') return inputError(`cannot read ${show(host)}: permission denied`);
  if (code === 'ENAMETOOLONG') {
    return inputError(`cannot read ${show(host)}: the host path is ${host.length} bytes, more than Linux allows (4095); move the input to a shorter path or make it shallower`);
  }
  return inputError(`cannot read ${show(host)}: ${(err as Error).message}`);
}

/** The error for a failed lstat (or, with `follow`, stat) of a host path. */
function statError(host: string, follow: boolean, err: unknown): Error {
  if (follow && (err as NodeJS.ErrnoException).code === 'ENOENT') {
    return inputError(`${show(host)} is a dangling symlink (the copy follows symlinks: "dereference": true)`);
  }
  return hostError(host, err);
}

function lstatHost(host: string, follow: boolean): Stats {
  try {
    return follow ? statSync(hostPath(host)) : lstatSync(hostPath(host));
  } catch (err) {
    throw statError(host, follow, err);
  }
}

function readHostDir(host: string): string[] {
  try {
    return readdirSync(hostPath(host), { encoding: 'buffer' }).map(bstr).sort(cmp);
  } catch (err) {
    throw hostError(host, err);
  }
}

/** What the walk needs of a stat result (a Node Stats, or one from the addon's scanDir). */
type StatLike = Pick<Stats, 'mode' | 'size' | 'dev' | 'ino' | 'nlink' | 'isDirectory' | 'isFile' | 'isSymbolicLink' | 'isFIFO' | 'isSocket' | 'isBlockDevice' | 'isCharacterDevice'>;

/** One entry of a scanned directory: its stat fields (or the error), and a symlink's target. */
class ScannedStat implements StatLike {
  constructor(
    readonly mode: number,
    readonly size: number,
    readonly dev: number,
    readonly ino: number,
    readonly nlink: number,
    readonly err?: NodeJS.ErrnoException,
    readonly target?: string,
    readonly targetErr?: NodeJS.ErrnoException,
  ) {}
  private is(type: number): boolean {
    return (this.mode & fsc.S_IFMT) === type;
  }
  isDirectory() { return this.is(fsc.S_IFDIR); }
  isFile() { return this.is(fsc.S_IFREG); }
  isSymbolicLink() { return this.is(fsc.S_IFLNK); }
  isFIFO() { return this.is(fsc.S_IFIFO); }
  isSocket() { return this.is(fsc.S_IFSOCK); }
  isBlockDevice() { return this.is(fsc.S_IFBLK); }
  isCharacterDevice() { return this.is(fsc.S_IFCHR); }
}

const ERRNO_CODES = new Map(Object.entries(os.constants.errno).map(([k, v]) => [v, k]));
function errnoError(errno: number, syscall: string, p: string): NodeJS.ErrnoException {
  const code = ERRNO_CODES.get(errno) ?? 'EIO';
  return Object.assign(new Error(`${code}: ${syscall} '${show(p)}'`), { code, errno: -errno, syscall });
}

/**
 * A host directory's sorted names and their stat results in one addon call (fstatat
 * relative to the directory, no Stats object per entry): about twice as fast as
 * readdir + lstat per entry on a million-entry closure. undefined without the addon.
 */
function scanHostDir(host: string, follow: boolean): { names: string[]; stats: ScannedStat[] } | undefined {
  const scan = loadNative()?.scanDir;
  if (!scan) return undefined;
  const r = scan(hostPath(host), follow);
  if ('errno' in r) throw hostError(host, errnoError(r.errno, 'scandir', host));
  const names: string[] = [];
  const stats: ScannedStat[] = [];
  let t = 0;
  for (let a = 0, i = 0; a < r.names.length; i++) {
    const z = r.names.indexOf(0, a);
    const name = r.names.toString('latin1', a, z);
    a = z + 1;
    names.push(name);
    const m = r.meta.subarray(i * 6, i * 6 + 6);
    const child = joinHost(host, name);
    if (m[0]! < 0) {
      stats.push(new ScannedStat(0, 0, 0, 0, 0, errnoError(-m[0]!, follow ? 'stat' : 'lstat', child)));
      continue;
    }
    let target: string | undefined;
    let targetErr: NodeJS.ErrnoException | undefined;
    if ((m[0]! & fsc.S_IFMT) === fsc.S_IFLNK) {
      const z2 = r.targets.indexOf(0, t);
      if (m[5]! < 0) targetErr = errnoError(-m[5]!, 'readlink', child);
      else target = r.targets.toString('latin1', t, z2);
      t = z2 + 1;
    }
    stats.push(new ScannedStat(m[0]!, m[1]!, m[2]!, m[3]!, m[4]!, undefined, target, targetErr));
  }
  return { names, stats };
}

/** The stat of a host entry: the scanned one when there is one (its error thrown as
 *  lstatHost would), else lstat/stat now. */
function statOf(host: string, follow: boolean, pre: ScannedStat | undefined): StatLike {
  if (!pre) return lstatHost(host, follow);
  if (pre.err) throw statError(host, follow, pre.err);
  return pre;
}

function specialKind(st: StatLike): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isCharacterDevice()) return 'a character device';
  return 'not a regular file, directory or symlink';
}

/** A host entry as a walk entry (directories are returned as 'dir' for the caller to enter).
 *  `known` holds the inodes of the tree's explicit files: a host file with one link that is
 *  also an explicit entry elsewhere gets its linkKey too. */
function hostEntry(p: string, host: string, follow: boolean, known?: Set<string>, keyAll = false, pre?: ScannedStat): WalkEntry {
  const st = statOf(host, follow, pre);
  if (st.isDirectory()) return { path: p, kind: 'dir', mode: st.mode & 0o7777 };
  if (st.isFile()) {
    let linkKey: string | undefined;
    if (st.nlink > 1 || keyAll) linkKey = `${st.dev}:${st.ino}`;
    else if (known?.size) {
      const k = `${st.dev}:${st.ino}`;
      if (known.has(k)) linkKey = k;
    }
    return { path: p, kind: 'file', mode: st.mode & 0o7777, size: st.size, source: host, ...(linkKey ? { linkKey } : {}) };
  }
  if (st.isSymbolicLink()) {
    if (pre?.targetErr) throw hostError(host, pre.targetErr);
    return { path: p, kind: 'symlink', target: pre?.target ?? readHostLink(host) };
  }
  throw inputError(`${show(host)} is ${specialKind(st)}: imgsmith copies regular files, directories and symlinks only`);
}

/**
 * Every entry of the tree, depth first, each directory's children in byte order (the
 * order of `pathSortKey`), host directories read as the walk reaches them. Explicit
 * entries win over host entries at the same path; a directory over a non-directory (or
 * the reverse) between an explicit entry and a host directory is an error.
 * With `dirEnds`, an `end` entry follows each directory's last child.
 */
export function* walkTree(tree: FileTree, opts: { dirEnds?: boolean } = {}): Generator<WalkEntry> {
  const root = tree.get('/') ?? { kind: 'dir' as const, mode: 0o755 };
  if (root.kind !== 'dir') throw dataError('the root of a tree must be a directory');
  const dirEnds = opts.dirEnds === true;
  const known = tree.explicitLinkKeys();
  // Directories in host copies that follow symlinks: guard against loops by (dev, ino).
  // Host directories inside one another (a store path and its dtbs copied to /boot) can
  // reach one host file twice: every file there gets its inode as linkKey.
  const overlapping = tree.overlappingSources();
  // An explicit stack of open directories, not recursion: any depth walks in constant stack.
  const stack: WalkFrame[] = [];
  const open = (p: string, mode: number, source: string | undefined, follow: boolean, ancestors: Set<string> | undefined, keyAll: boolean): WalkEntry => {
    const scan = source !== undefined ? scanHostDir(source, follow) : undefined;
    const host = scan ? scan.names : source !== undefined ? readHostDir(source) : [];
    stack.push({ p, mode, source, follow, ancestors, keyAll, explicit: tree.children(p), host, scan, i: 0, j: 0 });
    return source !== undefined ? { path: p, kind: 'dir', mode, source } : { path: p, kind: 'dir', mode };
  };
  yield open('/', root.mode, root.source, root.follow === true, root.follow ? new Set() : undefined, root.follow === true || (root.source !== undefined && overlapping.has(root.source)));
  while (stack.length) {
    const f = stack[stack.length - 1]!;
    const next = nextChild(f);
    if (!next) {
      stack.pop();
      if (dirEnds) yield { path: f.p, kind: 'end', mode: f.mode };
      continue;
    }
    const { name, fromExplicit, pre } = next;
    const cp = joinPath(f.p, name);
    const hostChild = next.fromHost ? joinHost(f.source!, name) : undefined;
    if (fromExplicit) {
      const e = tree.get(cp)!;
      if (e.kind === 'dir') {
        let childSource = e.source;
        let childFollow = e.follow === true;
        let childMode = e.mode;
        if (childSource === undefined && hostChild !== undefined) {
          const hst = statOf(hostChild, f.follow, pre);
          if (!hst.isDirectory()) {
            throw inputError(`${show(cp)}: a directory of the spec would replace ${show(hostChild)}, which is not a directory`);
          }
          childSource = hostChild;
          childFollow = f.follow;
          if (e.implicit) childMode = hst.mode & 0o7777;
        }
        const childKeyAll = e.source !== undefined ? e.follow === true || overlapping.has(e.source) : f.keyAll;
        yield open(cp, childMode, childSource, childFollow, childFollow ? f.ancestors ?? new Set() : undefined, childKeyAll);
      } else {
        if (hostChild !== undefined && statOf(hostChild, f.follow, pre).isDirectory()) {
          throw inputError(`${show(cp)}: a ${e.kind === 'data' ? 'file' : e.kind} of the spec would replace the directory ${show(hostChild)}`);
        }
        yield { path: cp, ...e } as WalkEntry;
      }
      continue;
    }
    const w = hostEntry(cp, hostChild!, f.follow, known, f.keyAll, pre);
    if (w.kind !== 'dir') {
      yield w;
      continue;
    }
    let anc = f.ancestors;
    if (f.follow) {
      // With follow, the scanned stat already followed the symlinks.
      const st = pre ?? statSync(hostPath(hostChild!));
      const key = `${st.dev}:${st.ino}`;
      if (anc?.has(key)) throw inputError(`${show(hostChild!)}: a symlink loop (the copy follows symlinks)`);
      anc = new Set(anc ?? []);
      anc.add(key);
    }
    yield open(cp, w.mode, hostChild, f.follow, anc, f.keyAll);
  }
}

/** A directory the walk is in: its explicit and host children, and how far it got in each. */
interface WalkFrame {
  p: string;
  mode: number;
  source: string | undefined;
  follow: boolean;
  ancestors: Set<string> | undefined;
  keyAll: boolean;
  explicit: string[];
  host: string[];
  scan: { names: string[]; stats: ScannedStat[] } | undefined;
  i: number;
  j: number;
}

/** The frame's next child in byte order (explicit and host names merged), undefined at its end. */
function nextChild(f: WalkFrame): { name: string; fromExplicit: boolean; fromHost: boolean; pre: ScannedStat | undefined } | undefined {
  const en = f.explicit[f.i];
  const hn = f.host[f.j];
  if (en === undefined && hn === undefined) return undefined;
  const pre = f.scan?.stats[f.j];
  if (hn === undefined || (en !== undefined && en < hn)) {
    f.i++;
    return { name: en!, fromExplicit: true, fromHost: false, pre };
  }
  if (en === undefined || hn < en) {
    f.j++;
    return { name: hn, fromExplicit: false, fromHost: true, pre };
  }
  f.i++;
  f.j++;
  return { name: en, fromExplicit: true, fromHost: true, pre };
}

/** lstat (or, with `follow`, stat) of a host path, undefined when it does not exist; other
 *  failures are one clear error. */
export function statHost(host: string, follow = false): Stats | undefined {
  try {
    return follow ? statSync(hostPath(host)) : lstatSync(hostPath(host));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw hostError(host, err);
  }
}

/** The target of a host symlink, as a byte string. */
export function readHostLink(host: string): string {
  try {
    return readlinkSync(hostPath(host), { encoding: 'buffer' }).toString('latin1');
  } catch (err) {
    throw hostError(host, err);
  }
}

/**
 * Resolves the symlinks of the absolute path `p` component by component, like
 * `readlink -m`. `link(q)` tells what `q` is: its target when it is a symlink (an absolute
 * target restarts from "/"), `undefined` when it is something else, `null` when it does
 * not exist. Returns the resolved path, or `null` when a component is missing and
 * `mustExist` is set. More than 40 links is a loop: `null` with `mustExist`, else an error.
 */
export function resolveLinks(p: string, link: (q: string) => string | undefined | null, opts: { mustExist?: boolean } = {}): string | null {
  let todo = p.split('/').filter(Boolean);
  let done = '';
  let hops = 0;
  while (todo.length) {
    const c = todo.shift()!;
    if (c === '.') continue;
    if (c === '..') {
      done = done.slice(0, Math.max(0, done.lastIndexOf('/')));
      continue;
    }
    const next = `${done}/${c}`;
    const t = link(next);
    if (t === null && opts.mustExist) return null;
    if (typeof t !== 'string') {
      done = next;
      continue;
    }
    if (++hops > 40) {
      if (opts.mustExist) return null;
      throw inputError(`${show(p)}: too many levels of symbolic links (a symlink loop?)`);
    }
    if (t.startsWith('/')) done = '';
    todo = [...t.split('/').filter(Boolean), ...todo];
  }
  return done || '/';
}
