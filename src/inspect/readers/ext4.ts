/**
 * ext2/3/4 reader through debugfs (e2fsprogs) on `image?offset=N`: no root, no mount,
 * no copy of the partition. Paths are resolved by us, one component at a time, with
 * `ls -p <ino>`, so names never go through debugfs's argument parser; metadata comes
 * from batched `stat <ino>` (mtime, fast symlink targets) and batched `cat <ino>` (file bytes,
 * slow symlink targets). A whole level of a tree walk is one debugfs run, so walking a
 * filesystem costs about two runs per directory depth, not per directory.
 * Superblock fields (label, UUID, counts, features, hash seed) come from probe.ts.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { runTool, spawnFailure, spawnTool } from '../../tools/run.ts';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { usageError, buildError, inputError } from '../../errors.ts';
import { ext4InfoOf, readExt4Superblock } from '../../fs/ext4-superblock.ts';
import type { ReaderOpener } from '../../fs/types.ts';
import { copyPartition } from '../image.ts';
import { makeTempDir, removeTempDir } from '../../lifetime.ts';
import type { FsEntry, FsInfo, FsReader } from '../types.ts';
import type { Range } from '../../sparse.ts';
import { entryTypeOf } from '../types.ts';
import { show } from '../../content/tree.ts';

const ROOT_INO = 2;
/** Most entries read from one directory, and deepest directory walked. */
const MAX_DIR_ENTRIES = 1_000_000;
const MAX_DEPTH = 4096;
/** Longest symlink target read (Linux's PATH_MAX; ext4 keeps a target in one block). */
const MAX_LINK_TARGET = 4096;
const LS_RE = /^\/(\d+)\/([0-7]+)\/(\d+)\/(\d+)\/([\s\S]*)\/(\d*)\/$/;
const ENV = { DEBUGFS_PAGER: '__none__', PAGER: '__none__' };


/** Writes all of `b` to `fd` (writeSync may write less). */
function writeAll(fd: number, b: Buffer): void {
  for (let p = 0; p < b.length; ) p += fs.writeSync(fd, b, p, b.length - p);
}

const join = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);

interface Section {
  cmd: string;
  lines: string[];
}

/** Opens the ext2/3/4 reader (the ext4 driver's `reader`): debugfs at the partition's offset. */
export const open: ReaderOpener = async (t) => new Ext4Reader(t.file, t.offset, t.display);

export class Ext4Reader implements FsReader {
  readonly type = 'ext4' as const;
  private readonly target: string;

  constructor(private readonly file: string, private readonly offset: number, private readonly display: string) {
    this.target = `${file}?offset=${offset}`;
  }

  async close(): Promise<void> {}

  async info(): Promise<FsInfo> {
    return ext4InfoOf(await readExt4Superblock(this.file, this.offset));
  }

  /** Runs debugfs with `cmds` on stdin; calls onSection for each command's output lines (latin1). */
  private run(cmds: string[], onSection: (s: Section, i: number) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawnTool('debugfs', ['-f', '-', this.target], { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] }) as ChildProcessWithoutNullStreams;
      let stderr = '';
      child.stderr.setEncoding('latin1').on('data', (d: string) => { if (stderr.length < 4096) stderr += d; });
      let cur: Section | undefined;
      let i = -1;
      let failed: unknown;
      // An error from onSection (a bound exceeded) ends the run: debugfs is killed, the error returned.
      const section = (c: Section, n: number) => {
        if (failed !== undefined) return;
        try {
          onSection(c, n);
        } catch (e) {
          failed = e;
          child.kill('SIGKILL');
        }
      };
      const rl = createInterface({ input: child.stdout.setEncoding('latin1'), crlfDelay: Infinity });
      rl.on('line', (line) => {
        if (line.startsWith('debugfs: ')) {
          if (cur) section(cur, i);
          cur = { cmd: line.slice(9), lines: [] };
          i++;
        } else cur?.lines.push(line);
      });
      child.on('error', (e) => reject(spawnFailure('debugfs', e)));
      child.stdin.on('error', () => undefined);
      child.stdin.end(cmds.join('\n') + '\n');
      let rlClosed = false;
      let exit: number | null | undefined;
      const finish = () => {
        if (!rlClosed || exit === undefined) return;
        if (cur) section(cur, i);
        if (failed !== undefined) return reject(failed);
        // debugfs exits 0 when it cannot open the filesystem or read an inode, and says so on
        // stderr: anything there but its version line is an error.
        const why = stderr.split('\n').filter((l) => l.trim() && !/^debugfs \d/.test(l)).slice(0, 3).join('; ');
        if (exit !== 0 || why) {
          reject(inputError(`${this.display}: debugfs cannot read the ext4 filesystem: ${why || `exit ${exit}`}`));
        } else resolve();
      };
      rl.on('close', () => { rlClosed = true; finish(); });
      child.on('close', (code) => { exit = code; finish(); });
    });
  }

  /** The entries of several directories (by inode), with full metadata. */
  private async listMany(dirs: { ino: number; path: string }[]): Promise<FsEntry[][]> {
    const out: FsEntry[][] = dirs.map(() => []);
    await this.run(dirs.map((d) => `ls -p <${d.ino}>`), (s, i) => {
      const d = dirs[i];
      if (!d) return;
      let pending = '';
      for (const line of s.lines) {
        const text = pending ? `${pending}\n${line}` : line;
        const m = LS_RE.exec(text);
        if (!m) { if (text) pending = text; continue; }
        pending = '';
        const name = m[5]!;
        if (name === '.' || name === '..' || m[1] === '0' || name === '') continue;
        if (out[i]!.length >= MAX_DIR_ENTRIES) throw inputError(`${this.display}: ${show(d.path)}: more than ${MAX_DIR_ENTRIES} entries in one directory`);
        const mode = parseInt(m[2]!, 8);
        // Names stay bytes (latin1 byte strings, as in src/content/tree.ts).
        out[i]!.push({
          name, path: join(d.path, name), type: entryTypeOf(mode), mode: mode & 0o7777,
          uid: Number(m[3]), gid: Number(m[4]), size: m[6] ? Number(m[6]) : 0, mtime: 0, ino: Number(m[1]),
        });
      }
    });
    const flat = out.flat();
    await this.fillDetails(flat);
    for (const l of out) l.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  }

  /** mtime, directory sizes and symlink targets (batched stat + cat). */
  private async fillDetails(entries: FsEntry[]): Promise<void> {
    if (!entries.length) return;
    const slow: FsEntry[] = [];
    await this.run(entries.map((e) => `stat <${e.ino}>`), (s, i) => {
      const e = entries[i];
      if (!e) return;
      let fast: string | undefined;
      for (const line of s.lines) {
        const mt = /^ ?mtime: 0x([0-9a-f]+)(?::([0-9a-f]+))? --/.exec(line);
        if (mt) {
          const extra = mt[2] ? parseInt(mt[2], 16) : 0;
          e.mtime = (parseInt(mt[1]!, 16) | 0) + (extra & 3) * 2 ** 32 + Math.floor(extra / 4) / 1e9;
        }
        const sz = /Size: (\d+)$/.exec(line);
        if (sz && line.startsWith('User:')) e.size = Number(sz[1]);
        if (line.startsWith('Fast link dest: "')) fast = line.slice(17, line.lastIndexOf('"'));
      }
      if (e.type === 'symlink') {
        if (fast !== undefined) e.target = fast;
        else slow.push(e);
      }
    });
    if (!slow.length) return;
    // Targets too long for the inode (a store path is) are read from their blocks, all in one debugfs run.
    for (const e of slow) {
      if (e.size > MAX_LINK_TARGET) throw inputError(`${this.display}: ${show(e.path)}: a symlink target of ${e.size} bytes (at most ${MAX_LINK_TARGET})`);
    }
    const bufs = slow.map(() => [] as Buffer[]);
    await this.catMany(slow, (i, b) => bufs[i]!.push(Buffer.from(b)), (i) => void (slow[i]!.target = Buffer.concat(bufs[i]!).toString('latin1')));
  }

  private rootEntry(): FsEntry {
    return { name: '', path: '/', type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0, ino: ROOT_INO };
  }

  async stat(p: string): Promise<FsEntry> {
    let cur = this.rootEntry();
    const parts = p.split('/').filter(Boolean);
    if (!parts.length) {
      // The root's own metadata; a root inode that is no directory is a broken filesystem.
      const [self] = await this.statInodes([cur]);
      if (!self || self.type !== 'dir') throw inputError(`${this.display}: the root directory (inode ${ROOT_INO}) is not a directory: the ext4 filesystem is corrupt`);
      return self;
    }
    if (parts.length > MAX_DEPTH) throw usageError(`${this.display}: ${show(p)}: more than ${MAX_DEPTH} levels deep`);
    for (const part of parts) {
      if (cur.type !== 'dir') throw usageError(`${this.display}: ${show(cur.path)} is not a directory`);
      const [kids] = await this.listMany([{ ino: cur.ino!, path: cur.path }]);
      const found = kids!.find((e) => e.name === part);
      if (!found) throw usageError(`${this.display}: no such file or directory: ${show(p)}`);
      cur = found;
    }
    return cur;
  }

  private async statInodes(entries: FsEntry[]): Promise<FsEntry[]> {
    const copy = entries.map((e) => ({ ...e }));
    await this.run(copy.map((e) => `stat <${e.ino}>`), (s, i) => {
      const e = copy[i]!;
      for (const line of s.lines) {
        const m = /^Inode: \d+\s+Type: (.*?)\s+Mode:\s+([0-7]+)/.exec(line);
        if (m) {
          e.mode = parseInt(m[2]!, 8);
          if (m[1] !== 'directory' && e.type === 'dir') e.type = 'other';
        }
        const u = /^User:\s+(\d+)\s+Group:\s+(\d+)/.exec(line);
        if (u) { e.uid = Number(u[1]); e.gid = Number(u[2]); }
        const sz = /Size: (\d+)$/.exec(line);
        if (sz && line.startsWith('User:')) e.size = Number(sz[1]);
        const mt = /^ ?mtime: 0x([0-9a-f]+)(?::([0-9a-f]+))? --/.exec(line);
        if (mt) e.mtime = (parseInt(mt[1]!, 16) | 0) + ((mt[2] ? parseInt(mt[2], 16) : 0) & 3) * 2 ** 32;
      }
    });
    return copy;
  }

  async list(p: string): Promise<FsEntry[]> {
    const d = await this.stat(p);
    if (d.type !== 'dir') throw usageError(`${this.display}: ${show(d.path)} is not a directory`);
    return (await this.listMany([{ ino: d.ino!, path: d.path }]))[0]!;
  }

  /** Every entry below `p` (not `p` itself), one directory level per batch; parents before children. */
  async *walk(p: string): AsyncGenerator<FsEntry> {
    const top = await this.stat(p);
    if (top.type !== 'dir') return;
    let level = [{ ino: top.ino!, path: top.path }];
    // ext4 has no hard links to directories: a directory inode met twice is a loop.
    const seen = new Map<number, string>([[top.ino!, top.path]]);
    for (let depth = 1; level.length; depth++) {
      const next: { ino: number; path: string }[] = [];
      for (const kids of await this.listMany(level)) {
        for (const e of kids) {
          yield e;
          if (e.type !== 'dir') continue;
          const first = seen.get(e.ino!);
          if (first !== undefined) throw inputError(`${this.display}: directory loop: ${show(e.path)} is ${show(first)} again (inode ${e.ino})`);
          if (depth > MAX_DEPTH) throw inputError(`${this.display}: ${show(e.path)}: directories nested more than ${MAX_DEPTH} deep`);
          seen.set(e.ino!, e.path);
          next.push({ ino: e.ino!, path: e.path });
        }
      }
      level = next;
    }
  }

  /** SHA-256 of many regular files, all read in one debugfs run (catMany). */
  async hashFiles(files: readonly FsEntry[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const todo = files.filter((f) => f.type === 'file' && f.ino !== undefined);
    let hash = createHash('sha256');
    await this.catMany(todo, (_i, b) => hash.update(b), (i) => {
      out.set(todo[i]!.path, hash.digest('hex'));
      hash = createHash('sha256');
    });
    return out;
  }

  /** Many regular files' bytes, each written to its fd, all read in one debugfs run (catMany). */
  async readFilesTo(files: readonly FsEntry[], fds: readonly number[]): Promise<void> {
    for (const f of files) if (f.type !== 'file' || f.ino === undefined) throw usageError(`${this.display}: ${show(f.path)} is not a regular file`);
    await this.catMany(files, (i, b) => writeAll(fds[i]!, b), () => undefined);
  }

  /**
   * The bytes of many inodes in one debugfs run: `cat <ino>` for each, read back from its stdout
   * as the echoed command line followed by exactly the inode's size (`size`, from stat) in bytes.
   * onData gets each piece of entry i's bytes (a view of the pipe's buffer: copy what you keep),
   * onEnd(i) follows its last. An output that is out of step (debugfs could not read an inode)
   * or short is an error.
   */
  private async catMany(todo: readonly FsEntry[], onData: (i: number, b: Buffer) => void, onEnd: (i: number) => void): Promise<void> {
    if (todo.length === 0) return;
    const child = spawnTool('debugfs', ['-f', '-', this.target], { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] }) as ChildProcessWithoutNullStreams;
    let stderr = '';
    child.stderr.setEncoding('latin1').on('data', (d: string) => { if (stderr.length < 4096) stderr += d; });
    const exited = new Promise<number | null>((resolve, reject) => {
      child.on('error', (e) => reject(spawnFailure('debugfs', e)));
      child.on('close', resolve);
    });
    child.stdin.on('error', () => undefined); // reported through the exit status
    child.stdin.end(todo.map((f) => `cat <${f.ino}>\n`).join(''));
    let i = 0;
    const echoOf = (k: number) => Buffer.from(`debugfs: cat <${todo[k]!.ino}>\n`, 'latin1');
    let echo = echoOf(0);
    let echoAt = 0;
    let left = -1; // bytes of the current inode still to come; -1: reading its echo line
    const finish = () => {
      onEnd(i);
      i++;
      if (i < todo.length) {
        echo = echoOf(i);
        echoAt = 0;
        left = -1;
      }
    };
    try {
      for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
        let p = 0;
        while (p < chunk.length) {
          if (i >= todo.length) throw buildError(`${this.display}: debugfs wrote more than the files it was asked for`);
          if (left < 0) {
            const n = Math.min(echo.length - echoAt, chunk.length - p);
            if (!chunk.subarray(p, p + n).equals(echo.subarray(echoAt, echoAt + n))) {
              throw buildError(`${this.display}: debugfs could not read ${show(todo[i]!.path)} (${stderr.trim().split('\n').pop() ?? 'out of step'})`);
            }
            echoAt += n;
            p += n;
            if (echoAt === echo.length) {
              left = todo[i]!.size;
              if (left === 0) finish();
            }
          } else {
            const n = Math.min(left, chunk.length - p);
            onData(i, chunk.subarray(p, p + n));
            left -= n;
            p += n;
            if (left === 0) finish();
          }
        }
      }
    } finally {
      if (i < todo.length) child.kill();
    }
    const code = await exited;
    if (code !== 0 || i !== todo.length) throw buildError(`${this.display}: debugfs stopped after ${i} of ${todo.length} files (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`);
  }

  async readFileTo(p: string, out: number): Promise<void> {
    const f = await this.stat(p);
    if (f.type !== 'file') throw usageError(`${this.display}: ${show(f.path)} is not a regular file`);
    await new Promise<void>((resolve, reject) => {
      const child = spawnTool('debugfs', ['-R', `cat <${f.ino}>`, this.target], { env: ENV, stdio: ['ignore', out, 'pipe'] });
      let stderr = '';
      child.stderr!.setEncoding('latin1').on('data', (d: string) => { if (stderr.length < 4096) stderr += d; });
      child.on('error', (e) => reject(spawnFailure('debugfs', e)));
      child.on('close', (code) => {
        // debugfs exits 0 when it cannot read the inode's blocks; it says so on stderr.
        const why = stderr.split('\n').filter((l) => l.trim() && !/^debugfs \d/.test(l))[0];
        if (code === 0 && !why) resolve();
        else reject(inputError(`${this.display}: debugfs could not read ${show(p)}: ${why ?? `exit ${code}`}`));
      });
    });
  }
}

/** Longest dumpe2fs output read for the block map (a 16 TiB filesystem's is ~20 MiB). */
const MAX_DUMPE2FS_BYTES = 256 * 1024 * 1024;

/** dumpe2fs's report of `target`, undefined when it cannot read it. */
function dumpe2fs(target: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    runTool('dumpe2fs', [target], { env: ENV, encoding: 'latin1', maxBuffer: MAX_DUMPE2FS_BYTES, check: false }).then(
      (r) => resolve(r.exitCode !== 0 || !/^Block size:/m.test(r.stdout) ? undefined : r.stdout),
      () => resolve(undefined),
    );
  });
}

/**
 * dumpe2fs on the partition: in place (`file?offset=N`), or, where dumpe2fs cannot take that
 * name (e2fsprogs 1.47.1 and later resolve it as a blkid `TAG=value` and fail; a file name with
 * "="), on a sparse copy of the partition in a temporary directory.
 */
async function dumpPartition(file: string, offset: number, size: number): Promise<string | undefined> {
  const direct = offset > 0 ? `${file}?offset=${offset}` : file;
  if (!direct.includes('=')) return dumpe2fs(direct);
  const first = await dumpe2fs(direct);
  if (first !== undefined) return first;
  const dir = await makeTempDir(os.tmpdir(), 'imgsmith-map-');
  try {
    const copy = path.join(dir, 'ext4.img');
    await copyPartition(file, offset, size, copy);
    return await dumpe2fs(copy);
  } finally {
    await removeTempDir(dir);
  }
}

/**
 * The byte ranges (relative to the partition) of the blocks an ext2/3/4 filesystem at
 * `offset` of `file` uses: every block that `dumpe2fs` does not list as free (the superblock
 * and its backups, group descriptors, reserved GDT blocks, bitmaps, inode tables, the journal,
 * files, directories, and BLOCK_UNINIT groups' metadata, as libext2fs computes them).
 * undefined when dumpe2fs cannot read it (the caller maps the whole partition, content-map.ts).
 */
export async function ext4RequiredRanges(file: string, offset: number, size: number): Promise<Range[] | undefined> {
  const out = await dumpPartition(file, offset, size);
  if (out === undefined) return undefined;
  const num = (re: RegExp) => { const m = re.exec(out); return m ? Number(m[1]) : undefined; };
  const blockSize = num(/^Block size:\s+(\d+)$/m);
  const count = num(/^Block count:\s+(\d+)$/m);
  if (!blockSize || !count || (blockSize & (blockSize - 1)) !== 0) return undefined;
  const free: Range[] = [];
  for (const m of out.matchAll(/^ {2}Free blocks: (.*)$/gm)) {
    for (const item of m[1]!.split(', ')) {
      const r = /^(\d+)(?:-(\d+))?$/.exec(item.trim());
      if (r) free.push({ start: Number(r[1]), end: Number(r[2] ?? r[1]) + 1 });
    }
  }
  free.sort((a, b) => a.start - b.start);
  const used: Range[] = [];
  let prev = 0;
  for (const f of free) {
    if (f.start > prev) used.push({ start: prev * blockSize, end: Math.min(size, f.start * blockSize) });
    prev = Math.max(prev, f.end);
  }
  if (count > prev) used.push({ start: prev * blockSize, end: Math.min(size, count * blockSize) });
  return used.filter((r) => r.end > r.start);
}
