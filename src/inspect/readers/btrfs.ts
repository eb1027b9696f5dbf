/**
 * btrfs reader through btrfs-progs, rootless: the partition is copied sparsely into a
 * temporary file (btrfs-progs cannot read at an offset), its metadata is read once from
 * `btrfs inspect-internal dump-tree -t fs` (inodes: mode, owner, size, mtime; DIR_INDEX
 * items: names), and file bytes and symlink targets come from `btrfs restore -S
 * --path-regex` into a temporary directory. Only the top-level subvolume (FS_TREE) is read.
 * Memory: one small record per inode and per directory entry.
 */
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import { runTool, spawnFailure, spawnTool } from '../../tools/run.ts';
import { EventEmitter } from 'node:events';
import { buildError, inputError, usageError } from '../../errors.ts';
import { removeTree } from '../../rmtree.ts';
import { copyPartition } from '../image.ts';
import { BTRFS_SUPER_OFFSETS, BTRFS_SUPER_SIZE, btrfsInfoOf } from '../../codec/btrfs-superblock.ts';
import { readAt } from '../image.ts';
import type { ReaderOpener } from '../../fs/types.ts';
import type { FsEntry, FsInfo, FsReader } from '../types.ts';
import { hostPath, isUtf8, show } from '../../content/tree.ts';
import { entryTypeOf } from '../types.ts';

const ROOT_INO = 256;
/** Most entries in one directory, and deepest directory walked. */
const MAX_DIR_ENTRIES = 1_000_000;
const MAX_DEPTH = 4096;

interface Inode {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
}

interface Dirent {
  name: string;
  ino: number;
}


const reEscape = (s: string) => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
/** A name (byte string) in a --path-regex: argv is UTF-8, so a name that is not valid UTF-8
 *  has its non-ASCII bytes matched by "." (btrfs restore runs with LC_ALL=C: one byte). */
const reEscapeName = (name: string) =>
  isUtf8(name) ? reEscape(Buffer.from(name, 'latin1').toString('utf8')) : reEscape(name).replace(/[\x80-\xff]/g, '.');
const join = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/** A --path-regex matching `paths` and their parents (btrfs restore needs the parents to match). */
function pathRegex(paths: string[]): string {
  interface Node { kids: Map<string, Node> }
  const root: Node = { kids: new Map() };
  for (const p of paths) {
    let n = root;
    for (const part of p.split('/').filter(Boolean)) {
      let k = n.kids.get(part);
      if (!k) n.kids.set(part, (k = { kids: new Map() }));
      n = k;
    }
  }
  const alt = (n: Node): string =>
    [...n.kids].map(([name, k]) => `${name === '*' ? '[^/]*' : reEscapeName(name)}${k.kids.size ? `(|/(${alt(k)}))` : ''}`).join('|');
  return `^/(|${root.kids.size ? `(${alt(root)})` : ''})$`;
}

/** Opens the btrfs reader (the btrfs driver's `reader`): on a sparse copy of the partition. */
export const open: ReaderOpener = async (t) => BtrfsReader.open(t.file, t.offset, t.size, await t.workDir(), t.display);

export class BtrfsReader implements FsReader {
  readonly type = 'btrfs' as const;
  private inodes = new Map<number, Inode>();
  private dirs = new Map<number, Dirent[]>();
  private restoreCount = 0;

  private constructor(private readonly file: string, private readonly work: string, private readonly display: string) {}

  /** Copies the partition [offset, offset+size) of `image` into `work` and reads its metadata. */
  static async open(image: string, offset: number, size: number, work: string, display: string): Promise<BtrfsReader> {
    await fsp.mkdir(work, { recursive: true });
    const file = path.join(work, 'btrfs.part');
    await copyPartition(image, offset, size, file);
    const r = new BtrfsReader(file, work, display);
    await r.load();
    return r;
  }

  async close(): Promise<void> {
    await removeTree(this.work).catch(() => undefined);
  }

  async info(): Promise<FsInfo> {
    return btrfsInfoOf(await readAt(this.file, BTRFS_SUPER_OFFSETS[0], BTRFS_SUPER_SIZE));
  }

  private load(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawnTool('btrfs', ['inspect-internal', 'dump-tree', '-t', 'fs', this.file], { stdio: ['ignore', 'pipe', 'pipe'] }) as ChildProcessByStdio<null, Readable, Readable>;
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < 4096) stderr += d; });
      const lines = lineSplitter(child.stdout);
      let key: { ino: number; kind: string } | undefined;
      let inode: Inode | undefined;
      let dirChild: number | undefined;
      let bad: string | undefined;
      let name: NameReader | undefined;
      let nameLen: number | undefined;
      const addName = (n: string | Error) => {
        if (!key || dirChild === undefined) return;
        if (n instanceof Error) { bad ??= `${n.message} in directory inode ${key.ino}`; return; }
        let l = this.dirs.get(key.ino);
        if (!l) this.dirs.set(key.ino, (l = []));
        if (n.length > 255) bad ??= `a name of ${n.length} bytes in directory inode ${key.ino} (at most 255)`;
        else if (l.length >= MAX_DIR_ENTRIES) bad ??= `more than ${MAX_DIR_ENTRIES} entries in directory inode ${key.ino}`;
        else l.push({ name: n, ino: dirChild });
        dirChild = undefined;
        nameLen = undefined;
      };
      lines.on('line', (line: string) => {
        if (name) {
          // A raw name holding a newline continues on the next line (older btrfs-progs).
          const done = name.more(line);
          if (done === undefined) return;
          name = undefined;
          addName(done);
          return;
        }
        const k = /^\titem \d+ key \((\d+) (\w+) (\d+)\)/.exec(line);
        if (k) {
          key = { ino: Number(k[1]), kind: k[2]! };
          inode = undefined;
          dirChild = undefined;
          if (key.kind === 'INODE_ITEM') {
            inode = { mode: 0, uid: 0, gid: 0, size: 0, mtime: 0 };
            this.inodes.set(key.ino, inode);
          }
          return;
        }
        if (!key) return;
        if (inode) {
          const sz = /^\t\tgeneration \d+ transid \d+ size (\d+)/.exec(line);
          if (sz) inode.size = Number(sz[1]);
          const m = /^\t\tblock group \d+ mode ([0-7]+) links \d+ uid (\d+) gid (\d+)/.exec(line);
          if (m) { inode.mode = parseInt(m[1]!, 8); inode.uid = Number(m[2]); inode.gid = Number(m[3]); }
          const t = /^\t\tmtime (-?\d+)\.(\d+)/.exec(line);
          if (t) inode.mtime = Number(t[1]) + Number(t[2]) / 1e9;
        } else if (key.kind === 'DIR_INDEX') {
          const loc = /^\t\tlocation key \((\d+) INODE_ITEM 0\)/.exec(line);
          if (loc) dirChild = Number(loc[1]);
          const nl = /^\t\ttransid \d+ data_len \d+ name_len (\d+)/.exec(line);
          if (nl) nameLen = Number(nl[1]);
          if (line.startsWith('\t\tname: ') && dirChild !== undefined && nameLen !== undefined) {
            name = new NameReader(nameLen);
            const done = name.more(line.slice(8));
            if (done === undefined) return;
            name = undefined;
            addName(done);
          }
        }
      });
      child.on('error', (e) => reject(spawnFailure('btrfs', e)));
      let rlClosed = false;
      let exit: number | null | undefined;
      const finish = () => {
        if (!rlClosed || exit === undefined) return;
        if (bad) reject(inputError(`${this.display}: the btrfs filesystem is corrupt: ${bad}`));
        else if (exit !== 0 || !this.inodes.has(ROOT_INO)) {
          reject(buildError(`${this.display}: btrfs cannot read the filesystem: ${stderr.trim().split('\n').slice(0, 3).join('; ') || `exit ${exit}`}`));
        } else resolve();
      };
      lines.on('close', () => { rlClosed = true; finish(); });
      child.on('close', (code) => { exit = code; finish(); });
    });
  }

  private entry(ino: number, name: string, p: string): FsEntry {
    const i = this.inodes.get(ino);
    if (!i) throw buildError(`${this.display}: ${show(p)}: inode ${ino} is missing from the filesystem tree`);
    return { name, path: p, type: entryTypeOf(i.mode), mode: i.mode & 0o7777, uid: i.uid, gid: i.gid, size: entryTypeOf(i.mode) === 'dir' ? 0 : i.size, mtime: i.mtime, ino };
  }

  private children(d: FsEntry): FsEntry[] {
    return (this.dirs.get(d.ino!) ?? [])
      .map((c) => this.entry(c.ino, c.name, join(d.path, c.name)))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private lookup(p: string): FsEntry {
    let cur = this.entry(ROOT_INO, '', '/');
    if (cur.type !== 'dir') throw inputError(`${this.display}: the root directory (inode ${ROOT_INO}) is not a directory: the btrfs filesystem is corrupt`);
    const parts = p.split('/').filter(Boolean);
    if (parts.length > MAX_DEPTH) throw usageError(`${this.display}: ${show(p)}: more than ${MAX_DEPTH} levels deep`);
    for (const part of parts) {
      if (cur.type !== 'dir') throw usageError(`${this.display}: ${show(cur.path)} is not a directory`);
      const c = (this.dirs.get(cur.ino!) ?? []).find((x) => x.name === part);
      if (!c) throw usageError(`${this.display}: no such file or directory: ${show(p)}`);
      cur = this.entry(c.ino, part, join(cur.path, part));
    }
    return cur;
  }

  /** Restores `paths` (and their parents) into a fresh directory; returns it. */
  private async restore(paths: string[] | undefined): Promise<string> {
    const dest = path.join(this.work, `restore-${this.restoreCount++}`);
    await fsp.mkdir(dest);
    const args = ['restore', '-S', ...(paths ? ['--path-regex', pathRegex(paths)] : []), this.file, dest];
    const r = await runTool('btrfs', args, { check: false });
    if (r.exitCode !== 0) throw buildError(`${this.display}: btrfs restore failed: ${r.stderr.trim().split('\n').slice(0, 3).join('; ')}`);
    return dest;
  }

  /** Symlink targets: a restore of just those links (of the whole tree for `all`; a large
   *  alternation in --path-regex is not reliable, so few paths or one directory at a time). */
  private async fillTargets(entries: FsEntry[], all = false): Promise<void> {
    const links = entries.filter((e) => e.type === 'symlink');
    if (!links.length) return;
    const dirs = new Set(links.map((l) => l.path.slice(0, l.path.lastIndexOf('/')) || '/'));
    let regex: string[] | undefined;
    if (all) regex = undefined;
    else if (links.length <= 16) regex = links.map((l) => l.path);
    else if (dirs.size === 1) regex = [`${[...dirs][0]}/*`];
    else regex = undefined;
    const dest = await this.restore(regex);
    try {
      for (const l of links) l.target = (await fsp.readlink(under(dest, l.path), { encoding: 'buffer' })).toString('latin1');
    } finally {
      await removeTree(dest);
    }
  }

  async stat(p: string): Promise<FsEntry> {
    const e = this.lookup(p);
    await this.fillTargets([e]);
    return e;
  }

  async list(p: string): Promise<FsEntry[]> {
    const d = this.lookup(p);
    if (d.type !== 'dir') throw usageError(`${this.display}: ${show(d.path)} is not a directory`);
    const kids = this.children(d);
    await this.fillTargets(kids);
    return kids;
  }

  /** Every entry below `p`, parents before children; symlink targets from one restore of the whole tree. */
  async *walk(p: string): AsyncGenerator<FsEntry> {
    const top = this.lookup(p);
    if (top.type !== 'dir') return;
    const all: FsEntry[] = [];
    const stack: [FsEntry, number][] = [[top, 0]];
    // A directory inode met twice (btrfs has no hard links to directories) is a loop.
    const seen = new Map<number, string>([[top.ino!, top.path]]);
    while (stack.length) {
      const [d, depth] = stack.pop()!;
      for (const k of this.children(d)) {
        all.push(k);
        if (k.type !== 'dir') continue;
        const first = seen.get(k.ino!);
        if (first !== undefined) throw inputError(`${this.display}: directory loop: ${show(k.path)} is ${show(first)} again (inode ${k.ino})`);
        if (depth + 1 > MAX_DEPTH) throw inputError(`${this.display}: ${show(k.path)}: directories nested more than ${MAX_DEPTH} deep`);
        seen.set(k.ino!, k.path);
        stack.push([k, depth + 1]);
      }
    }
    await this.fillTargets(all, true);
    yield* all;
  }

  async readFileTo(p: string, out: number): Promise<void> {
    const f = this.lookup(p);
    if (f.type !== 'file') throw usageError(`${this.display}: ${show(f.path)} is not a regular file`);
    const dest = await this.restore([f.path]);
    try {
      await pipeFile(under(dest, f.path), out);
    } finally {
      await removeTree(dest);
    }
  }
}

/** A path of the filesystem (a byte string) under a host directory, as the Buffer fs calls take. */
const under = (dir: string, p: string): Buffer => Buffer.concat([Buffer.from(dir), hostPath(p)]);

async function pipeFile(src: Buffer, out: number): Promise<void> {
  const fh = await fsp.open(src, 'r');
  try {
    const buf = Buffer.alloc(1024 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (!bytesRead) break;
      for (let done = 0; done < bytesRead; ) done += fs.writeSync(out, buf, done, bytesRead - done);
    }
  } finally {
    await fh.close();
  }
}

/**
 * A directory entry's name as `dump-tree` prints it, decoded by its `name_len`: btrfs-progs
 * up to 6.x print the raw bytes (a newline in a name continues on the next line); newer ones
 * (6.14 here) escape them (`\\`, `\n`, `\t`, `\ `, octal `\351`). Escaping always lengthens
 * a name, so a line as long as name_len is raw, a longer one is escaped, a shorter one
 * continues. Returns the name as a latin1 byte string, an Error when it cannot be decoded, or
 * undefined while more lines are needed.
 */
class NameReader {
  private acc: string | undefined;
  constructor(private readonly len: number) {}

  more(line: string): string | Error | undefined {
    const s = this.acc === undefined ? line : `${this.acc}\n${line}`;
    if (s.length === this.len) return s;
    if (s.length < this.len) {
      this.acc = s;
      return undefined;
    }
    if (this.acc !== undefined) return new Error(`a name longer than its name_len ${this.len}`);
    const u = unescapeDumpName(s);
    return u !== undefined && u.length === this.len ? u : new Error(`a name that does not match its name_len ${this.len}`);
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', v: '\v', f: '\f', a: '\x07', b: '\b', e: '\x1b', ' ': ' ', '\\': '\\', '"': '"', "'": "'" };

function unescapeDumpName(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') { out += c; continue; }
    const oct = /^[0-7]{3}/.exec(s.slice(i + 1, i + 4));
    if (oct) { out += String.fromCharCode(parseInt(oct[0], 8) & 0xff); i += 3; continue; }
    const e = ESCAPES[s[i + 1] ?? ''];
    if (e === undefined) return undefined;
    out += e;
    i++;
  }
  return out;
}

/** Lines of a latin1 stream split at "\n" only (a name may hold "\r"). */
function lineSplitter(input: NodeJS.ReadableStream): EventEmitter {
  const ev = new EventEmitter();
  let rest = '';
  input.setEncoding('latin1');
  input.on('data', (d: string) => {
    const parts = (rest + d).split('\n');
    rest = parts.pop()!;
    for (const p of parts) ev.emit('line', p);
  });
  input.on('end', () => {
    if (rest) ev.emit('line', rest);
    ev.emit('close');
  });
  input.on('error', () => ev.emit('close'));
  return ev;
}
