/**
 * erofs reader. The metadata (superblock, inodes, directories, symlink targets) and the
 * bytes of uncompressed files (flat layouts) are read in-process: erofs's on-disk format is
 * simple there, and every read is bounded (offsets inside the filesystem, names 1-255 bytes
 * without "/" or NUL, directory entries in strictly increasing byte order: no duplicates,
 * directories met twice are a loop). Compressed and chunked files are decoded by
 * `fsck.erofs --extract` on a copy of the partition, once per reader, into a private
 * directory, after the whole tree passed the checks above (so no name the tool writes can
 * leave that directory); the extracted file's size must be the inode's.
 */
import { createReadStream, promises as fsp, writeSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { inputError, usageError } from '../../errors.ts';
import { show } from '../../content/tree.ts';
import { decodeErofsSuperblock, type ErofsSuperblock } from '../../codec/erofs-superblock.ts';
import type { ReaderOpener, ReaderTarget } from '../../fs/types.ts';
import { copyPartition, readAt } from '../image.ts';
import { removeTree } from '../../rmtree.ts';
import { runTool } from '../../tools/run.ts';
import { entryTypeOf, type FsEntry, type FsInfo, type FsReader } from '../types.ts';
import type { Range } from '../../sparse.ts';

const MAX_DIR_ENTRIES = 1_000_000;
const MAX_DEPTH = 4096;
/** Largest directory and symlink read (bytes). */
const MAX_DIR_BYTES = 256 * 1024 * 1024;
const MAX_LINK_BYTES = 4096;
const LAYOUT = { plain: 0, compressedFull: 1, inline: 2, compressedCompact: 3, chunked: 4 } as const;
const LAYOUT_NAMES = ['flat', 'compressed (full indexes)', 'flat with an inline tail', 'compressed (compact indexes)', 'chunked'];

interface Inode {
  nid: number;
  mode: number;
  nlink: number;
  size: number;
  uid: number;
  gid: number;
  mtime: number;
  layout: number;
  rawBlkaddr: number;
  /** Byte offset (in the filesystem) right after the inode and its inline xattrs: an inline tail. */
  tailAt: number;
}

const join = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/** Opens the erofs reader (the erofs driver's `reader`). */
export const open: ReaderOpener = async (t) => {
  const sb = decodeErofsSuperblock(await readAt(t.file, t.offset, 4096));
  if (typeof sb === 'string') throw inputError(`${t.display}: not a readable erofs filesystem: ${sb}`);
  if (!sb.checksumOk) throw inputError(`${t.display}: the erofs superblock checksum does not match: the filesystem is corrupt`);
  const end = sb.blocks * sb.blockSize;
  if (end > t.size) throw inputError(`${t.display}: the erofs filesystem says it has ${sb.blocks} blocks of ${sb.blockSize} bytes (${end} bytes), more than its partition's ${t.size}`);
  return new ErofsReader(t, sb, await fsp.open(t.file, 'r'));
};

export class ErofsReader implements FsReader {
  readonly type = 'erofs' as const;
  private readonly end: number;
  private extractedDir: Promise<string> | undefined;
  /** Every path of each file inode (nid), from the walk before the extraction: fsck.erofs 1.5
   *  writes some names of a hard-linked file only. */
  private readonly names = new Map<number, string[]>();

  constructor(private readonly t: ReaderTarget, private readonly sb: ErofsSuperblock, private readonly fh: fsp.FileHandle) {
    this.end = sb.blocks * sb.blockSize;
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    if (this.extractedDir) await removeTree(await this.t.workDir()).catch(() => undefined);
  }

  async info(): Promise<FsInfo> {
    const sb = this.sb;
    return {
      type: 'erofs',
      variant: 'erofs',
      label: sb.label,
      uuid: sb.uuid,
      size: this.end,
      blockSize: sb.blockSize,
      used: this.end,
      free: 0,
      inodes: Number(sb.inodes),
      features: sb.features,
      extra: { buildTime: new Date(sb.buildTime * 1000).toISOString(), rootNid: String(sb.rootNid), metaBlkaddr: String(sb.metaBlkaddr) },
    };
  }

  private corrupt(what: string): Error {
    return inputError(`${this.t.display}: the erofs filesystem is corrupt: ${what}`);
  }

  /** `length` bytes at byte `at` of the filesystem, which must lie inside it. */
  private async bytes(at: number, length: number, what: string): Promise<Buffer> {
    if (at < 0 || length < 0 || at + length > this.end) throw this.corrupt(`${what} at byte ${at} (+${length}) is outside the filesystem (${this.end} bytes)`);
    return readAt(this.fh, this.t.offset + at, length);
  }

  private async inode(nid: number): Promise<Inode> {
    const at = this.sb.metaBlkaddr * this.sb.blockSize + nid * 32;
    const head = await this.bytes(at, 32, `inode ${nid}`);
    const format = head.readUInt16LE(0);
    const extended = (format & 1) === 1;
    const b = extended ? await this.bytes(at, 64, `inode ${nid}`) : head;
    const icount = b.readUInt16LE(2);
    const xattrBytes = icount === 0 ? 0 : 12 + (icount - 1) * 4;
    const size = extended ? b.readBigUInt64LE(8) : BigInt(b.readUInt32LE(8));
    if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw this.corrupt(`inode ${nid} has a size of ${size} bytes`);
    return {
      nid,
      mode: b.readUInt16LE(4),
      nlink: extended ? b.readUInt32LE(44) : b.readUInt16LE(6),
      size: Number(size),
      uid: extended ? b.readUInt32LE(24) : b.readUInt16LE(24),
      gid: extended ? b.readUInt32LE(28) : b.readUInt16LE(26),
      mtime: extended ? Number(b.readBigUInt64LE(32)) : this.sb.buildTime,
      layout: (format >> 1) & 7,
      rawBlkaddr: b.readUInt32LE(16),
      tailAt: at + (extended ? 64 : 32) + xattrBytes,
    };
  }

  private flat(ino: Inode): boolean {
    return ino.layout === LAYOUT.plain || ino.layout === LAYOUT.inline;
  }

  /** The byte ranges (in the filesystem) holding an uncompressed inode's data, in order. */
  private dataRanges(ino: Inode): Range[] {
    const bs = this.sb.blockSize;
    if (!this.flat(ino)) throw this.corrupt(`inode ${ino.nid} is ${LAYOUT_NAMES[ino.layout] ?? `of layout ${ino.layout}`}, read here only for files`);
    const tail = ino.layout === LAYOUT.inline ? ino.size % bs : 0;
    const full = ino.size - tail;
    const out: Range[] = [];
    if (full > 0) out.push({ start: ino.rawBlkaddr * bs, end: ino.rawBlkaddr * bs + full });
    if (tail > 0) {
      if ((ino.tailAt % bs) + tail > bs) throw this.corrupt(`inode ${ino.nid}'s inline data crosses a block boundary`);
      out.push({ start: ino.tailAt, end: ino.tailAt + tail });
    }
    for (const r of out) if (r.end > this.end) throw this.corrupt(`inode ${ino.nid}'s data ends past the filesystem`);
    return out;
  }

  private async readAll(ino: Inode, max: number, what: string): Promise<Buffer> {
    if (ino.size > max) throw this.corrupt(`${what} (inode ${ino.nid}) is ${ino.size} bytes long, more than ${max}`);
    const parts: Buffer[] = [];
    for (const r of this.dataRanges(ino)) parts.push(await this.bytes(r.start, r.end - r.start, what));
    return Buffer.concat(parts);
  }

  /** A directory's entries (names checked, in strictly increasing byte order; no "." and ".."). */
  private async dirents(dir: Inode, dirPath: string): Promise<{ name: string; nid: number }[]> {
    const data = await this.readAll(dir, MAX_DIR_BYTES, `directory ${show(dirPath)}`);
    const out: { name: string; nid: number }[] = [];
    const bs = this.sb.dirBlockSize;
    let prev: string | undefined;
    for (let off = 0; off < data.length; off += bs) {
      const blk = data.subarray(off, Math.min(off + bs, data.length));
      for (const d of this.parseDirBlock(blk, dirPath)) {
        if (d.name === '.' || d.name === '..') continue;
        if (prev !== undefined && !(prev < d.name)) throw this.corrupt(`${show(dirPath)}: entry ${show(d.name)} is out of order or repeated`);
        if (out.length >= MAX_DIR_ENTRIES) throw inputError(`${this.t.display}: ${show(dirPath)}: more than ${MAX_DIR_ENTRIES} entries in one directory`);
        prev = d.name;
        out.push(d);
      }
    }
    return out;
  }

  private parseDirBlock(blk: Buffer, dirPath: string): { name: string; nid: number }[] {
    if (blk.length < 12) throw this.corrupt(`${show(dirPath)}: a directory block of ${blk.length} bytes`);
    const first = blk.readUInt16LE(8);
    if (first < 12 || first >= blk.length || first % 12 !== 0) throw this.corrupt(`${show(dirPath)}: bad first name offset ${first}`);
    const n = first / 12;
    const out: { name: string; nid: number }[] = [];
    for (let i = 0; i < n; i++) {
      const start = blk.readUInt16LE(i * 12 + 8);
      let end = i + 1 < n ? blk.readUInt16LE((i + 1) * 12 + 8) : blk.length;
      if (i + 1 === n) {
        const nul = blk.indexOf(0, start);
        if (nul >= 0 && nul < end) end = nul;
      }
      if (start < first || end <= start || end > blk.length || end - start > 255) throw this.corrupt(`${show(dirPath)}: bad name bounds ${start}-${end}`);
      const name = blk.toString('latin1', start, end);
      if (name.includes('/') || name.includes('\0')) throw this.corrupt(`${show(dirPath)}: the name ${show(name)} contains "/" or NUL`);
      const nid = blk.readBigUInt64LE(i * 12);
      if (nid > BigInt(Number.MAX_SAFE_INTEGER)) throw this.corrupt(`${show(dirPath)}: ${show(name)} names inode ${nid}`);
      out.push({ name, nid: Number(nid) });
    }
    return out;
  }

  private async entryOf(name: string, p: string, ino: Inode): Promise<FsEntry> {
    const type = entryTypeOf(ino.mode);
    const e: FsEntry = { name, path: p, type, mode: ino.mode & 0o7777, uid: ino.uid, gid: ino.gid, size: type === 'dir' ? 0 : ino.size, mtime: ino.mtime, ino: ino.nid };
    if (type === 'symlink') e.target = (await this.readAll(ino, MAX_LINK_BYTES, `symlink ${show(p)}`)).toString('latin1');
    return e;
  }

  private async rootEntry(): Promise<FsEntry> {
    const ino = await this.inode(this.sb.rootNid);
    if (entryTypeOf(ino.mode) !== 'dir') throw this.corrupt(`the root inode (${this.sb.rootNid}) is not a directory`);
    return this.entryOf('', '/', ino);
  }

  async stat(p: string): Promise<FsEntry> {
    let cur = await this.rootEntry();
    const parts = p.split('/').filter(Boolean);
    if (parts.length > MAX_DEPTH) throw usageError(`${this.t.display}: ${show(p)}: more than ${MAX_DEPTH} levels deep`);
    for (const part of parts) {
      if (cur.type !== 'dir') throw usageError(`${this.t.display}: ${show(cur.path)} is not a directory`);
      const found = (await this.dirents(await this.inode(cur.ino!), cur.path)).find((d) => d.name === part);
      if (!found) throw usageError(`${this.t.display}: no such file or directory: ${show(p)}`);
      cur = await this.entryOf(part, join(cur.path, part), await this.inode(found.nid));
    }
    return cur;
  }

  async list(p: string): Promise<FsEntry[]> {
    const d = await this.stat(p);
    if (d.type !== 'dir') throw usageError(`${this.t.display}: ${show(d.path)} is not a directory`);
    const out: FsEntry[] = [];
    for (const x of await this.dirents(await this.inode(d.ino!), d.path)) out.push(await this.entryOf(x.name, join(d.path, x.name), await this.inode(x.nid)));
    return out;
  }

  /** Every entry below `p`, parents before children; a directory met twice is a loop. */
  async *walk(p: string): AsyncGenerator<FsEntry> {
    const top = await this.stat(p);
    if (top.type !== 'dir') return;
    const seen = new Map<number, string>([[top.ino!, top.path]]);
    const stack: { e: FsEntry; depth: number }[] = [{ e: top, depth: 0 }];
    while (stack.length) {
      const { e, depth } = stack.pop()!;
      const kids = await this.list(e.path);
      for (const k of kids) {
        yield k;
        if (k.type !== 'dir') continue;
        const first = seen.get(k.ino!);
        if (first !== undefined) throw this.corrupt(`directory loop: ${show(k.path)} is ${show(first)} again (nid ${k.ino})`);
        if (depth + 1 > MAX_DEPTH) throw inputError(`${this.t.display}: ${show(k.path)}: directories nested more than ${MAX_DEPTH} deep`);
        seen.set(k.ino!, k.path);
      }
      for (let i = kids.length - 1; i >= 0; i--) if (kids[i]!.type === 'dir') stack.push({ e: kids[i]!, depth: depth + 1 });
    }
  }

  async readFileTo(p: string, out: number): Promise<void> {
    const f = await this.stat(p);
    if (f.type !== 'file') throw usageError(`${this.t.display}: ${show(f.path)} is not a regular file`);
    const ino = await this.inode(f.ino!);
    if (!this.flat(ino)) return this.copyExtracted(f, out);
    for (const r of this.dataRanges(ino)) {
      for (let at = r.start; at < r.end; at += 1024 * 1024) {
        const b = await this.bytes(at, Math.min(1024 * 1024, r.end - at), show(p));
        for (let w = 0; w < b.length; ) w += writeSync(out, b, w);
      }
    }
  }

  /** A compressed or chunked file's bytes, from fsck.erofs's extraction of the whole filesystem. */
  private async copyExtracted(f: FsEntry, out: number): Promise<void> {
    const dir = await (this.extractedDir ??= this.extract());
    let host: Buffer | undefined;
    for (const name of this.names.get(f.ino!) ?? [f.path]) {
      const h = Buffer.concat([Buffer.from(dir), Buffer.from(name, 'latin1')]);
      const st = await fsp.lstat(h).catch(() => undefined);
      if (st?.isFile() && st.size === f.size) host = h;
      if (host) break;
    }
    if (!host) throw this.corrupt(`fsck.erofs did not extract ${show(f.path)} as a file of ${f.size} bytes`);
    await pipeline(createReadStream(host), new Writable({ write: (c: Buffer, _e, cb) => { try { for (let w = 0; w < c.length; ) w += writeSync(out, c, w); cb(); } catch (e) { cb(e as Error); } } }));
  }

  private async extract(): Promise<string> {
    // Every name the tool will write was checked first (no "/", no repeats, no loops).
    for await (const e of this.walk('/')) {
      if (e.type !== 'file') continue;
      const list = this.names.get(e.ino!);
      if (list) list.push(e.path);
      else this.names.set(e.ino!, [e.path]);
    }
    const work = await this.t.workDir();
    await fsp.mkdir(work, { recursive: true });
    const copy = path.join(work, 'erofs.part');
    await copyPartition(this.t.file, this.t.offset, this.end, copy);
    const dir = path.join(work, 'root');
    await fsp.mkdir(dir);
    const r = await runTool('fsck.erofs', [`--extract=${dir}`, '--no-preserve', copy], { all: true, check: false, what: this.t.display });
    if (r.exitCode !== 0) throw this.corrupt(`fsck.erofs --extract failed: ${(r.all ?? '').toString().trim().split('\n').slice(-2).join('; ') || `exit ${r.exitCode}`}`);
    return dir;
  }
}

/** The byte ranges of an erofs filesystem that a bmap must write: all of it (its blocks are contiguous). */
export async function erofsRequiredRanges(file: string, offset: number, size: number): Promise<Range[] | undefined> {
  const sb = decodeErofsSuperblock(await readAt(file, offset, 4096));
  if (typeof sb === 'string') return undefined;
  return [{ start: 0, end: Math.min(size, sb.blocks * sb.blockSize) }];
}
