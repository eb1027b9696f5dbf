/**
 * Android sparse images (`.simg`, AOSP system/core/libsparse/sparse_format.h), written and
 * read here only. Little-endian throughout:
 *
 *   file header (28 bytes)  magic u32 0xed26ff3a, major u16 1, minor u16 0, file_hdr_sz u16 28,
 *                           chunk_hdr_sz u16 12, blk_sz u32, total_blks u32, total_chunks u32,
 *                           image_checksum u32 (0: none)
 *   chunk header (12 bytes) chunk_type u16, reserved u16, chunk_sz u32 (blocks of the output),
 *                           total_sz u32 (bytes in the file, header included), then its data:
 *     RAW       0xCAC1  chunk_sz * blk_sz bytes
 *     FILL      0xCAC2  a 4-byte value repeated over chunk_sz blocks
 *     DONT_CARE 0xCAC3  nothing (the blocks are not written)
 *     CRC32     0xCAC4  4 bytes, chunk_sz 0 (read and skipped; the writer writes none)
 *
 * The writer takes the image in order as holes (DONT_CARE) and data; a data block whose
 * 32-bit words are all equal is a FILL, any other a RAW; equal neighbours merge into one
 * chunk and a RAW chunk holds at most MAX_RAW_BLOCKS blocks (16 MiB), so the chunks depend
 * only on the bytes and the holes. A last partial block is padded with zeros (the format
 * has whole blocks only). The reader checks every header against the file before it
 * trusts it and streams RAW data through a fixed buffer (memory stays flat).
 */
import type { FileHandle } from 'node:fs/promises';
import { buildError, dataError, internalError } from '../errors.ts';

export const SPARSE_MAGIC = 0xed26ff3a;
export const SPARSE_HEADER_SIZE = 28;
export const CHUNK_HEADER_SIZE = 12;
export const SPARSE_BLOCK_SIZE = 4096;
export const CHUNK_RAW = 0xcac1;
export const CHUNK_FILL = 0xcac2;
export const CHUNK_DONT_CARE = 0xcac3;
export const CHUNK_CRC32 = 0xcac4;
/** The largest RAW chunk written: 16 MiB of 4 KiB blocks (see README "Android sparse images"). */
export const MAX_RAW_BLOCKS = 4096;
/** total_blks is a u32. */
const MAX_BLOCKS = 0xffffffff;

export interface SparseHeader {
  blockSize: number;
  totalBlocks: number;
  totalChunks: number;
  checksum: number;
  /** As the file says (a reader skips header bytes beyond the 28 and 12 it knows). */
  fileHeaderSize: number;
  chunkHeaderSize: number;
}

export function encodeSparseHeader(h: Pick<SparseHeader, 'blockSize' | 'totalBlocks' | 'totalChunks'>): Buffer {
  const b = Buffer.alloc(SPARSE_HEADER_SIZE);
  b.writeUInt32LE(SPARSE_MAGIC, 0);
  b.writeUInt16LE(1, 4);
  b.writeUInt16LE(0, 6);
  b.writeUInt16LE(SPARSE_HEADER_SIZE, 8);
  b.writeUInt16LE(CHUNK_HEADER_SIZE, 10);
  b.writeUInt32LE(h.blockSize, 12);
  b.writeUInt32LE(h.totalBlocks, 16);
  b.writeUInt32LE(h.totalChunks, 20);
  b.writeUInt32LE(0, 24);
  return b;
}

/** The file header, or a message saying why `head` is not one. */
export function decodeSparseHeader(head: Buffer): SparseHeader | string {
  if (head.length < SPARSE_HEADER_SIZE) return `it is shorter (${head.length} bytes) than the ${SPARSE_HEADER_SIZE}-byte sparse header`;
  if (head.readUInt32LE(0) !== SPARSE_MAGIC) return `no Android sparse magic 0x${SPARSE_MAGIC.toString(16)} at byte 0`;
  const major = head.readUInt16LE(4);
  if (major !== 1) return `sparse format version ${major}.${head.readUInt16LE(6)} is not 1.x`;
  const h: SparseHeader = {
    fileHeaderSize: head.readUInt16LE(8),
    chunkHeaderSize: head.readUInt16LE(10),
    blockSize: head.readUInt32LE(12),
    totalBlocks: head.readUInt32LE(16),
    totalChunks: head.readUInt32LE(20),
    checksum: head.readUInt32LE(24),
  };
  if (h.fileHeaderSize < SPARSE_HEADER_SIZE) return `its file header size ${h.fileHeaderSize} is less than ${SPARSE_HEADER_SIZE}`;
  if (h.chunkHeaderSize < CHUNK_HEADER_SIZE) return `its chunk header size ${h.chunkHeaderSize} is less than ${CHUNK_HEADER_SIZE}`;
  if (h.blockSize === 0 || h.blockSize % 4 !== 0) return `its block size ${h.blockSize} is not a positive multiple of 4`;
  return h;
}

export function encodeChunkHeader(type: number, blocks: number, totalSize: number): Buffer {
  const b = Buffer.alloc(CHUNK_HEADER_SIZE);
  b.writeUInt16LE(type, 0);
  b.writeUInt32LE(blocks, 4);
  b.writeUInt32LE(totalSize, 8);
  return b;
}

/** The 32-bit little-endian word a block repeats, or undefined when its words differ. */
export function fillValue(block: Buffer): number | undefined {
  // Periodic with period 4 <=> every word equals the first.
  return block.compare(block, 4, block.length, 0, block.length - 4) === 0 ? block.readUInt32LE(0) : undefined;
}

/** A chunk being gathered (RAW: its header's place is reserved, its data already written). */
interface OpenChunk {
  type: number;
  blocks: number;
  fill?: number;
  headerPos?: number;
}

/** What the writer made. */
export interface SparseWritten {
  /** Bytes of the .simg. */
  size: number;
  blocks: number;
  chunks: number;
}

/** Writes an Android sparse image of `imageSize` bytes into `fh`, fed in order (see the module comment). */
export class AndroidSparseWriter {
  private cur: OpenChunk | undefined;
  private pos = SPARSE_HEADER_SIZE;
  private chunks = 0;
  /** Bytes of the image taken so far. */
  private done = 0;
  private readonly totalBlocks: number;

  constructor(
    private readonly fh: FileHandle,
    private readonly imageSize: number,
    private readonly what: string,
    private readonly blockSize = SPARSE_BLOCK_SIZE,
    private readonly maxRawBlocks = MAX_RAW_BLOCKS,
  ) {
    this.totalBlocks = Math.ceil(imageSize / blockSize);
    if (this.totalBlocks > MAX_BLOCKS) {
      throw buildError(`${what}: ${imageSize} bytes are more than an Android sparse image holds (2^32-1 blocks of ${blockSize} bytes)`);
    }
  }

  /** `len` bytes that need not be written (a hole, or zeros nothing needs). */
  async skip(len: number): Promise<void> {
    this.advance(len);
    await this.extend(CHUNK_DONT_CARE, Math.ceil(len / this.blockSize));
  }

  /** Data bytes, next in the image: FILL and RAW chunks. */
  async data(bytes: Buffer): Promise<void> {
    this.advance(bytes.length);
    const B = this.blockSize;
    const n = Math.ceil(bytes.length / B);
    let rawFrom = -1;
    for (let b = 0; b <= n; b++) {
      const block = b < n ? this.blockAt(bytes, b) : undefined;
      const fill = block ? fillValue(block) : undefined;
      if (block && fill === undefined) {
        if (rawFrom < 0) rawFrom = b;
        continue;
      }
      if (rawFrom >= 0) await this.raw(b === n && bytes.length % B !== 0 ? this.padded(bytes.subarray(rawFrom * B)) : bytes.subarray(rawFrom * B, b * B));
      rawFrom = -1;
      if (fill !== undefined) await this.extend(CHUNK_FILL, 1, fill);
    }
  }

  /** Closes the last chunk and writes the file header. */
  async finish(): Promise<SparseWritten> {
    if (this.done !== this.imageSize) throw internalError(`${this.what}: got ${this.done} of ${this.imageSize} bytes`);
    await this.close();
    await this.write(encodeSparseHeader({ blockSize: this.blockSize, totalBlocks: this.totalBlocks, totalChunks: this.chunks }), 0);
    return { size: this.pos, blocks: this.totalBlocks, chunks: this.chunks };
  }

  private advance(len: number): void {
    if (this.done % this.blockSize !== 0) throw internalError(`${this.what}: bytes after a partial block at ${this.done}`);
    this.done += len;
    if (this.done > this.imageSize) throw internalError(`${this.what}: more than ${this.imageSize} bytes`);
  }

  private blockAt(bytes: Buffer, b: number): Buffer {
    const block = bytes.subarray(b * this.blockSize, (b + 1) * this.blockSize);
    return block.length === this.blockSize ? block : this.padded(block);
  }

  private padded(bytes: Buffer): Buffer {
    const out = Buffer.alloc(Math.ceil(bytes.length / this.blockSize) * this.blockSize);
    bytes.copy(out);
    return out;
  }

  /** Adds blocks to the open FILL or DONT_CARE chunk of that kind, or opens one. */
  private async extend(type: number, blocks: number, fill?: number): Promise<void> {
    if (blocks === 0) return;
    if (this.cur?.type !== type || this.cur.fill !== fill) {
      await this.close();
      this.cur = { type, blocks: 0, ...(fill !== undefined ? { fill } : {}) };
    }
    this.cur.blocks += blocks;
  }

  /** RAW blocks (a whole number of them): written at once, chunks split at maxRawBlocks. */
  private async raw(bytes: Buffer): Promise<void> {
    const B = this.blockSize;
    for (let off = 0; off < bytes.length; ) {
      if (this.cur?.type !== CHUNK_RAW || this.cur.blocks >= this.maxRawBlocks) {
        await this.close();
        this.cur = { type: CHUNK_RAW, blocks: 0, headerPos: this.pos };
        this.pos += CHUNK_HEADER_SIZE;
      }
      const len = Math.min(bytes.length - off, (this.maxRawBlocks - this.cur.blocks) * B);
      await this.write(bytes.subarray(off, off + len), this.pos);
      this.pos += len;
      this.cur.blocks += len / B;
      off += len;
    }
  }

  private async close(): Promise<void> {
    const c = this.cur;
    this.cur = undefined;
    if (!c) return;
    this.chunks++;
    if (c.type === CHUNK_RAW) {
      await this.write(encodeChunkHeader(CHUNK_RAW, c.blocks, CHUNK_HEADER_SIZE + c.blocks * this.blockSize), c.headerPos!);
      return;
    }
    const fill = c.type === CHUNK_FILL ? Buffer.alloc(4) : Buffer.alloc(0);
    if (c.fill !== undefined) fill.writeUInt32LE(c.fill, 0);
    await this.write(Buffer.concat([encodeChunkHeader(c.type, c.blocks, CHUNK_HEADER_SIZE + fill.length), fill]), this.pos);
    this.pos += CHUNK_HEADER_SIZE + fill.length;
  }

  private async write(b: Buffer, pos: number): Promise<void> {
    for (let off = 0; off < b.length; ) {
      const { bytesWritten } = await this.fh.write(b, off, b.length - off, pos + off);
      off += bytesWritten;
    }
  }
}

/** One chunk as read: where its blocks go, and its data's place in the file (RAW) or its value (FILL). */
export interface SparseChunk {
  index: number;
  type: typeof CHUNK_RAW | typeof CHUNK_FILL | typeof CHUNK_DONT_CARE;
  firstBlock: number;
  blocks: number;
  /** RAW: the data's offset in the file. */
  dataOffset?: number;
  /** FILL: the 32-bit value. */
  fill?: number;
}

async function readAt(fh: FileHandle, len: number, pos: number): Promise<Buffer> {
  const b = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(b, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return b.subarray(0, got);
}

/** The payload a chunk of `type` and `blocks` must have (bytes after its header), or a message. */
function payloadSize(h: SparseHeader, type: number, blocks: number): number | string {
  switch (type) {
    case CHUNK_RAW:
      return blocks * h.blockSize;
    case CHUNK_FILL:
      return 4;
    case CHUNK_DONT_CARE:
      return 0;
    case CHUNK_CRC32:
      return blocks === 0 ? 4 : `a CRC32 chunk covering ${blocks} blocks (it covers none)`;
    default:
      return `unknown chunk type 0x${type.toString(16)}`;
  }
}

/** Reads and checks the header of an open .simg of `fileSize` bytes. */
export async function readSparseHeader(fh: FileHandle, fileSize: number, what: string): Promise<SparseHeader> {
  const h = decodeSparseHeader(await readAt(fh, SPARSE_HEADER_SIZE, 0));
  if (typeof h === 'string') throw dataError(`${what} is not an Android sparse image: ${h}`);
  if (h.totalBlocks * h.blockSize > Number.MAX_SAFE_INTEGER) throw dataError(`${what}: its ${h.totalBlocks} blocks of ${h.blockSize} bytes are more than imgsmith reads`);
  if (h.fileHeaderSize > fileSize) throw dataError(`${what}: truncated: its header says ${h.fileHeaderSize} bytes, the file has ${fileSize}`);
  return h;
}

/**
 * Every chunk of an open .simg, in order, each checked against the header and the file
 * before it is yielded: truncated chunks, sizes that do not match their type, blocks past
 * total_blks, a block count or chunk count that differs from the header, trailing bytes.
 */
export async function* sparseChunks(fh: FileHandle, fileSize: number, h: SparseHeader, what: string): AsyncGenerator<SparseChunk> {
  const bad = (i: number, m: string) => dataError(`${what}: chunk ${i} of ${h.totalChunks}: ${m}`);
  let pos = h.fileHeaderSize;
  let block = 0;
  for (let i = 0; i < h.totalChunks; i++) {
    if (pos + h.chunkHeaderSize > fileSize) throw bad(i, `truncated: its header would end at byte ${pos + h.chunkHeaderSize}, the file has ${fileSize}`);
    const c = await readAt(fh, CHUNK_HEADER_SIZE, pos);
    const type = c.readUInt16LE(0);
    const blocks = c.readUInt32LE(4);
    const totalSize = c.readUInt32LE(8);
    const payload = payloadSize(h, type, blocks);
    if (typeof payload === 'string') throw bad(i, payload);
    if (totalSize !== h.chunkHeaderSize + payload) throw bad(i, `its size ${totalSize} does not match ${blocks} blocks of type 0x${type.toString(16)} (${h.chunkHeaderSize + payload} bytes)`);
    if (block + blocks > h.totalBlocks) throw bad(i, `its blocks ${block}..${block + blocks - 1} run past the image's ${h.totalBlocks} blocks`);
    const dataOffset = pos + h.chunkHeaderSize;
    if (dataOffset + payload > fileSize) throw bad(i, `truncated: its data would end at byte ${dataOffset + payload}, the file has ${fileSize}`);
    if (type === CHUNK_RAW) yield { index: i, type, firstBlock: block, blocks, dataOffset };
    else if (type === CHUNK_FILL) yield { index: i, type, firstBlock: block, blocks, fill: (await readAt(fh, 4, dataOffset)).readUInt32LE(0) };
    else if (type === CHUNK_DONT_CARE) yield { index: i, type, firstBlock: block, blocks };
    block += blocks;
    pos = dataOffset + payload;
  }
  if (block !== h.totalBlocks) throw dataError(`${what}: its chunks cover ${block} blocks, its header says ${h.totalBlocks}`);
  if (pos !== fileSize) throw dataError(`${what}: ${fileSize - pos} bytes after its last chunk (the header says ${h.totalChunks} chunks)`);
}

/** Bytes per read and write when expanding. */
const COPY = 1024 * 1024;

/**
 * Writes the raw image of the .simg `src` into `dst` (an open file, from byte 0):
 * RAW and FILL chunks are written, DONT_CARE blocks skipped (they stay as `dst` has them),
 * the file is truncated to total_blks * blk_sz. `fresh`: `dst` is a new empty file, so
 * FILL chunks of zeros are skipped too (they stay holes). Memory: one COPY buffer.
 */
export async function expandSparse(src: FileHandle, dst: FileHandle, what: string, opts: { fresh?: boolean } = {}): Promise<SparseHeader> {
  const fileSize = (await src.stat()).size;
  const h = await readSparseHeader(src, fileSize, what);
  const buf = Buffer.alloc(COPY);
  for await (const c of sparseChunks(src, fileSize, h, what)) {
    const out = c.firstBlock * h.blockSize;
    const len = c.blocks * h.blockSize;
    if (c.type === CHUNK_DONT_CARE || (opts.fresh && c.fill === 0)) continue;
    if (c.type === CHUNK_FILL) {
      for (let i = 0; i < buf.length; i += 4) buf.writeUInt32LE(c.fill!, i);
    }
    for (let off = 0; off < len; ) {
      const n = Math.min(buf.length, len - off);
      if (c.type === CHUNK_RAW) {
        const { bytesRead } = await src.read(buf, 0, n, c.dataOffset! + off);
        if (bytesRead < n) throw dataError(`${what}: chunk ${c.index}: the file changed while it was read`);
      }
      await dst.write(buf, 0, n, out + off);
      off += n;
    }
  }
  await dst.truncate(h.totalBlocks * h.blockSize);
  return h;
}
