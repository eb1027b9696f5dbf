/**
 * squashfs reader through unsquashfs (squashfs-tools 4.5+), rootless, in place: unsquashfs
 * reads the image at the partition's offset (`-o`), after the superblock was checked here
 * (src/codec/squashfs-superblock.ts: bytes_used and every table inside the partition).
 *
 * Metadata comes from one `unsquashfs -lln -UTC -d NONCE` listing (4.6+: `-full-precision`,
 * whole seconds; 4.5 prints minutes), read as untrusted bytes: NONCE is random per run, so
 * a line is a new entry only when it has the entry shape followed by NONCE, and any other
 * line continues the previous name (a name holding a newline). A symlink's target is the
 * last `size` bytes of its line, so " -> " in a name or target is not ambiguous. The listing
 * is bounded (entries, depth: a directory loop ends at the depth bound), a path met twice
 * is an error. File bytes: `unsquashfs -cat -no-wildcards` for UTF-8 names without a
 * newline; other names (argv is UTF-8) are extracted alone into a private directory with an
 * `-ef` list of anchored, escaped regular expressions (`-regex`), and read from there.
 */
import type { ChildProcessByStdio } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inputError, usageError } from '../../errors.ts';
import { hostPath, isUtf8, show } from '../../content/tree.ts';
import { decodeSquashfsSuperblock, squashfsInfoOf, SQUASHFS_SUPER_SIZE } from '../../codec/squashfs-superblock.ts';
import type { ReaderOpener, ReaderTarget } from '../../fs/types.ts';
import { compareVersions, parseVersion, probeTool } from '../../toolchain.ts';
import { spawnFailure, spawnTool } from '../../tools/run.ts';
import { removeTree } from '../../rmtree.ts';
import { readAt } from '../image.ts';
import type { EntryType, FsEntry, FsInfo, FsReader } from '../types.ts';

/** Most entries read, and deepest path. */
const MAX_ENTRIES = 5_000_000;
const MAX_DEPTH = 4096;
const HEAD = /^([-dlpcbs])([-rwxsStT]{9}) (\d+)\/(\d+) +(?:(\d+)|(\d+), *(\d+)) (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d)(?::(\d\d))? /;
const TYPES: Record<string, EntryType> = { '-': 'file', d: 'dir', l: 'symlink' };

/** The permission bits of an `ls -l` mode string ("rwsr-xr-t"). */
export function modeBits(s: string): number {
  let m = 0;
  const bit = (i: number, v: number) => (s[i] !== '-' ? v : 0);
  m |= bit(0, 0o400) | bit(1, 0o200) | bit(3, 0o40) | bit(4, 0o20) | bit(6, 0o4) | bit(7, 0o2);
  const x = (c: string, exec: number, special: number) => (c === 'x' ? exec : c === 's' || c === 't' ? exec | special : c === 'S' || c === 'T' ? special : 0);
  return m | x(s[2]!, 0o100, 0o4000) | x(s[5]!, 0o10, 0o2000) | x(s[8]!, 0o1, 0o1000);
}

/** unsquashfs's message lines, for one-line errors: without its "FATAL ERROR:" prefix and the listing's nonce. */
function reason(stderr: string, nonce?: string): string | undefined {
  const lines = stderr.split('\n').map((l) => l.replace(/^\s*FATAL ERROR:\s*/i, '').trim()).filter(Boolean);
  const text = [...new Set(lines)].slice(0, 3).join('; ');
  return text ? show(nonce ? text.split(nonce).join('') : text) : undefined;
}

const join = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);
const byName = (a: FsEntry, b: FsEntry) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Opens the squashfs reader (the squashfs driver's `reader`). */
export const open: ReaderOpener = async (t) => {
  const head = await readAt(t.file, t.offset, Math.min(t.size, SQUASHFS_SUPER_SIZE));
  const sb = decodeSquashfsSuperblock(head, t.size);
  if (typeof sb === 'string') throw inputError(`${t.display}: the squashfs filesystem is corrupt: ${sb}`);
  const version = parseVersion((await probeTool('unsquashfs')).version);
  const r = new SquashfsReader(t, head, compareVersions(version, [4, 6], 2) >= 0);
  await r.load();
  return r;
};

export class SquashfsReader implements FsReader {
  readonly type = 'squashfs' as const;
  private readonly entries = new Map<string, FsEntry>();
  private readonly kids = new Map<string, FsEntry[]>();
  private extractions = 0;

  constructor(private readonly t: ReaderTarget, private readonly head: Buffer, private readonly fullPrecision: boolean) {}

  private base(): string[] {
    return ['-no-progress', '-o', String(this.t.offset)];
  }

  async info(): Promise<FsInfo> {
    return squashfsInfoOf(this.head, this.t.size);
  }

  async close(): Promise<void> {
    if (this.extractions > 0) await removeTree(await this.t.workDir()).catch(() => undefined);
  }

  /** Reads the whole listing (see the module doc). */
  load(): Promise<void> {
    const nonce = `imgsmith-${randomBytes(12).toString('hex')}`;
    const args = [...this.base(), '-lln', '-UTC', ...(this.fullPrecision ? ['-full-precision'] : []), '-d', nonce, this.t.file];
    return new Promise((resolve, reject) => {
      const child = spawnTool('unsquashfs', args, { stdio: ['ignore', 'pipe', 'pipe'] }) as ChildProcessByStdio<null, Readable, Readable>;
      let stderr = '';
      child.stderr.setEncoding('latin1').on('data', (d: string) => { if (stderr.length < 4096) stderr += d; });
      let pending: { m: RegExpExecArray; rest: string } | undefined;
      let failed: Error | undefined;
      const fail = (e: Error) => { failed ??= e; child.kill('SIGKILL'); };
      const flush = () => {
        if (!pending || failed) return;
        try { this.add(pending.m, pending.rest, nonce); } catch (e) { fail(e as Error); }
        pending = undefined;
      };
      const rl = createInterface({ input: child.stdout.setEncoding('latin1'), crlfDelay: Infinity });
      rl.on('line', (line) => {
        const m = HEAD.exec(line);
        const rest = m ? line.slice(m[0].length) : '';
        if (m && (rest === nonce || rest.startsWith(`${nonce}/`))) {
          flush();
          pending = { m, rest: rest.slice(nonce.length) };
        } else if (pending) {
          pending.rest += `\n${line}`;
          if (pending.rest.length > 1 << 20) fail(inputError(`${this.t.display}: the squashfs listing has a name longer than 1 MiB`));
        }
      });
      child.on('error', (e) => reject(spawnFailure('unsquashfs', e)));
      let closed = 0;
      const finish = (code?: number | null) => {
        if (++closed < 2) return;
        flush();
        if (failed) return reject(failed);
        if (code !== 0 || !this.entries.has('/')) reject(inputError(`${this.t.display}: unsquashfs cannot read the squashfs filesystem: ${reason(stderr, nonce) ?? `exit ${code}`}`));
        else resolve();
      };
      let exit: number | null = null;
      rl.on('close', () => finish(exit));
      child.on('close', (code) => { exit = code; finish(code); });
    });
  }

  /** One listed entry: `rest` is its path (with a symlink's " -> target"), after the nonce. */
  private add(m: RegExpExecArray, rest: string, nonce: string): void {
    const type = TYPES[m[1]!] ?? 'other';
    const size = m[5] !== undefined ? Number(m[5]) : 0;
    let p = rest || '/';
    let target: string | undefined;
    if (type === 'symlink') {
      const arrow = p.length - size - 4;
      if (arrow < 1 || p.slice(arrow, arrow + 4) !== ' -> ') throw inputError(`${this.t.display}: unsquashfs listed a symlink ${show(p)} without its ${size}-byte target`);
      target = p.slice(arrow + 4);
      p = p.slice(0, arrow);
    }
    const parts = p.split('/').filter(Boolean);
    if (parts.length > MAX_DEPTH) throw inputError(`${this.t.display}: ${show(p.slice(0, 200))}...: directories nested more than ${MAX_DEPTH} deep (a directory loop?)`);
    if (this.entries.size >= MAX_ENTRIES) throw inputError(`${this.t.display}: more than ${MAX_ENTRIES} entries`);
    if (this.entries.has(p)) throw inputError(`${this.t.display}: ${show(p)} is listed twice: the squashfs filesystem is corrupt`);
    if (p.includes(nonce)) throw inputError(`${this.t.display}: ${show(p)}: the listing is out of step`);
    const [yy, mo, dd, hh, mi, ss] = [8, 9, 10, 11, 12, 13].map((i) => Number(m[i] ?? 0));
    const e: FsEntry = {
      name: parts.at(-1) ?? '', path: p, type, mode: modeBits(m[2]!), uid: Number(m[3]), gid: Number(m[4]),
      size: type === 'dir' ? 0 : size, mtime: Date.UTC(yy!, mo! - 1, dd!, hh!, mi!, ss!) / 1000, ...(target !== undefined ? { target } : {}),
    };
    if (p !== '/') {
      const parent = p.slice(0, p.length - e.name.length - 1) || '/';
      const siblings = this.kids.get(parent);
      if (!siblings) throw inputError(`${this.t.display}: ${show(p)} is listed before its directory: the squashfs filesystem is corrupt`);
      siblings.push(e);
    }
    if (type === 'dir') this.kids.set(p, []);
    this.entries.set(p, e);
  }

  async stat(p: string): Promise<FsEntry> {
    const norm = `/${p.split('/').filter(Boolean).join('/')}`;
    const e = this.entries.get(norm);
    if (e) return { ...e };
    // A missing path below a non-directory says so.
    const parts = norm.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const up = this.entries.get(`/${parts.slice(0, i).join('/')}`);
      if (up && up.type !== 'dir') throw usageError(`${this.t.display}: ${show(up.path)} is not a directory`);
    }
    throw usageError(`${this.t.display}: no such file or directory: ${show(p)}`);
  }

  async list(p: string): Promise<FsEntry[]> {
    const d = await this.stat(p);
    if (d.type !== 'dir') throw usageError(`${this.t.display}: ${show(d.path)} is not a directory`);
    return [...(this.kids.get(d.path) ?? [])].sort(byName).map((e) => ({ ...e }));
  }

  /** Every entry below `p`, parents before children, each directory's entries by name. */
  async *walk(p: string): AsyncGenerator<FsEntry> {
    const top = await this.stat(p);
    if (top.type !== 'dir') return;
    const stack: FsEntry[][] = [[...(this.kids.get(top.path) ?? [])].sort(byName).reverse()];
    while (stack.length) {
      const e = stack[stack.length - 1]!.pop();
      if (!e) { stack.pop(); continue; }
      yield { ...e };
      if (e.type === 'dir') stack.push([...(this.kids.get(e.path) ?? [])].sort(byName).reverse());
    }
  }

  async readFileTo(p: string, out: number): Promise<void> {
    const f = await this.stat(p);
    if (f.type !== 'file') throw usageError(`${this.t.display}: ${show(f.path)} is not a regular file`);
    if (isUtf8(f.path) && !f.path.includes('\n')) {
      const name = Buffer.from(f.path, 'latin1').toString('utf8');
      return this.unsquashfs(['-cat', '-no-wildcards', this.t.file, name], out, f.path);
    }
    await this.readExtracted(f, out);
  }

  /**
   * SHA-256 of many files: `unsquashfs -cat` writes the files named on its command line one
   * after the other, in that order, so batches of names are read back by their listed sizes.
   * Names argv cannot carry go through readFileTo (a private extraction each).
   */
  async hashFiles(files: readonly FsEntry[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const todo = files.filter((f) => f.type === 'file');
    const simple = todo.filter((f) => isUtf8(f.path) && !f.path.includes('\n'));
    for (let i = 0; i < simple.length; ) {
      const batch: FsEntry[] = [];
      for (let bytes = 0; i < simple.length && batch.length < 512 && bytes < 64 * 1024; i++) {
        batch.push(simple[i]!);
        bytes += simple[i]!.path.length + 1;
      }
      await this.hashBatch(batch, out);
    }
    for (const f of todo.filter((x) => !out.has(x.path))) {
      const tmp = path.join(await this.t.workDir(), `hash-${this.extractions++}`);
      await fsp.mkdir(path.dirname(tmp), { recursive: true, mode: 0o700 });
      const fh = await fsp.open(tmp, 'w', 0o600);
      try {
        await this.readFileTo(f.path, fh.fd);
      } finally {
        await fh.close();
      }
      out.set(f.path, createHash('sha256').update(await fsp.readFile(tmp)).digest('hex'));
      await fsp.rm(tmp, { force: true });
    }
    return out;
  }

  private async hashBatch(batch: FsEntry[], out: Map<string, string>): Promise<void> {
    const names = batch.map((f) => Buffer.from(f.path, 'latin1').toString('utf8'));
    const child = spawnTool('unsquashfs', [...this.base(), '-cat', '-no-wildcards', this.t.file, ...names], { stdio: ['ignore', 'pipe', 'pipe'] }) as ChildProcessByStdio<null, Readable, Readable>;
    let stderr = '';
    child.stderr.setEncoding('latin1').on('data', (d: string) => { if (stderr.length < 4096) stderr += d; });
    const exited = new Promise<number | null>((resolve, reject) => {
      child.on('error', (e) => reject(spawnFailure('unsquashfs', e)));
      child.on('close', resolve);
    });
    let i = 0;
    let left = batch[0]!.size;
    let hash = createHash('sha256');
    const next = () => {
      out.set(batch[i]!.path, hash.digest('hex'));
      hash = createHash('sha256');
      left = batch[++i]?.size ?? 0;
    };
    while (i < batch.length && left === 0) next();
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      for (let p = 0; p < chunk.length; ) {
        if (i >= batch.length) throw inputError(`${this.t.display}: unsquashfs wrote more than the listed sizes of the files it was asked for`);
        const n = Math.min(left, chunk.length - p);
        hash.update(chunk.subarray(p, p + n));
        left -= n;
        p += n;
        while (i < batch.length && left === 0) next();
      }
    }
    const code = await exited;
    if (code !== 0 || i < batch.length) {
      throw inputError(`${this.t.display}: unsquashfs could not read ${show(batch[Math.min(i, batch.length - 1)]!.path)}: ${reason(stderr) ?? `exit ${code}, ${i} of ${batch.length} files`}`);
    }
  }

  /** Runs unsquashfs with stdout to `out`; a failure names the path and unsquashfs's reason. */
  private unsquashfs(args: string[], out: number | 'ignore', p: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawnTool('unsquashfs', [...this.base(), ...args], { stdio: ['ignore', out, 'pipe'] });
      let stderr = '';
      child.stderr!.setEncoding('latin1').on('data', (d: string) => { if (stderr.length < 4096) stderr += d; });
      child.on('error', (e) => reject(spawnFailure('unsquashfs', e)));
      child.on('close', (code) => {
        if (code === 0) resolve();
        else reject(inputError(`${this.t.display}: unsquashfs could not read ${show(p)}: ${reason(stderr) ?? `exit ${code}`}`));
      });
    });
  }

  /** A file whose name argv cannot carry: extracted alone (`-ef`, anchored regular expressions) into a private directory. */
  private async readExtracted(f: FsEntry, out: number): Promise<void> {
    const work = await this.t.workDir();
    await fsp.mkdir(work, { recursive: true, mode: 0o700 });
    const dir = path.join(work, `x${this.extractions++}`);
    const list = `${dir}.list`;
    const re = (name: string) => `^${name.replace(/[.[\]{}()\\*+?^$|]/g, '\\$&').replace(/\n/g, '.')}$`;
    await fsp.writeFile(list, Buffer.concat([hostPath(f.path.split('/').filter(Boolean).map(re).join('/')), Buffer.from('\n')]));
    try {
      await this.unsquashfs(['-q', '-no-xattrs', '-regex', '-ef', list, '-d', dir, this.t.file], 'ignore', f.path);
      const parentRel = hostPath(f.path.slice(0, f.path.lastIndexOf('/')));
      const host = Buffer.concat([Buffer.from(dir), hostPath(f.path)]);
      const st = await fsp.lstat(host).catch(() => undefined);
      // The file's directory must be the one built for it (no symlink on the way).
      const real = await fsp.realpath(Buffer.concat([Buffer.from(dir), parentRel]), { encoding: 'buffer' }).catch(() => undefined);
      const expected = Buffer.concat([Buffer.from(await fsp.realpath(dir)), parentRel]);
      if (!st?.isFile() || !real?.equals(expected)) throw inputError(`${this.t.display}: unsquashfs did not extract ${show(f.path)} as a regular file`);
      await pipeline(fs.createReadStream(host), fs.createWriteStream('', { fd: out, autoClose: false }));
    } finally {
      await removeTree(dir).catch(() => undefined);
      await fsp.rm(list, { force: true });
    }
  }
}

/** The byte ranges (relative to the partition) a squashfs needs as they are (src/inspect/content-map.ts):
 *  everything up to bytes_used, padded to 4 KiB; undefined when the superblock is not valid. */
export async function squashfsRequiredRanges(file: string, offset: number, size: number): Promise<{ start: number; end: number }[] | undefined> {
  const sb = decodeSquashfsSuperblock(await readAt(file, offset, Math.min(size, SQUASHFS_SUPER_SIZE)), size);
  if (typeof sb === 'string') return undefined;
  return [{ start: 0, end: Math.min(size, Math.ceil(sb.bytesUsed / 4096) * 4096) }];
}
