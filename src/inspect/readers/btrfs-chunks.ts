/**
 * The parts of a btrfs device that hold its content: every range covered by an allocated
 * chunk's stripe on this device (what the device extent tree lists), read in TypeScript from
 * the superblock's sys_chunk_array and the chunk tree (no tool, no copy of the partition),
 * plus the superblock and its mirrors. Free space after a grow (no chunk there) is not in it.
 * An untrusted parser: every offset is bounds-checked, the tree walk is bounded in depth and
 * node count and never visits a node twice.
 */
import { promises as fsp } from 'node:fs';
import { readAt } from '../image.ts';
import type { Range } from '../../sparse.ts';

const SB_OFFSET = 0x10000;
const SB_MIRRORS = [0x10000, 64 * 1024 * 1024, 256 * 1024 ** 3];
const SB_SIZE = 4096;
const HEADER = 101;
const KEY = 17;
const CHUNK_ITEM_KEY = 228;
const CHUNK_ITEM = 48;
const STRIPE = 32;
/** Chunk profiles whose stripes are not each the chunk's length (RAID0/10/5/6). */
const STRIPED = (1n << 3n) | (1n << 6n) | (1n << 7n) | (1n << 8n);
const MAX_NODES = 4096;
const MAX_LEVEL = 7;

class Bad extends Error {}
const check = (ok: boolean, what: string) => {
  if (!ok) throw new Bad(what);
};

interface Chunk {
  logical: number;
  length: number;
  stripes: { devid: number; offset: number }[];
  type: bigint;
}

/** A chunk item at `at` of `b` (its key's offset: `logical`); stripes bounded by `end`. */
function parseChunk(b: Buffer, at: number, end: number, logical: number): { chunk: Chunk; next: number } {
  check(at + CHUNK_ITEM <= end, 'chunk item past its end');
  const length = Number(b.readBigUInt64LE(at));
  const type = b.readBigUInt64LE(at + 24);
  const n = b.readUInt16LE(at + 44);
  check(n >= 1 && at + CHUNK_ITEM + n * STRIPE <= end, `chunk with ${n} stripes`);
  const stripes = [];
  for (let i = 0; i < n; i++) {
    const s = at + CHUNK_ITEM + i * STRIPE;
    stripes.push({ devid: Number(b.readBigUInt64LE(s)), offset: Number(b.readBigUInt64LE(s + 8)) });
  }
  return { chunk: { logical, length, stripes, type }, next: at + CHUNK_ITEM + n * STRIPE };
}

/** Physical offset of `logical` through the chunks known so far (the system chunks). */
function toPhysical(chunks: Chunk[], logical: number, len: number): number {
  const c = chunks.find((x) => logical >= x.logical && logical + len <= x.logical + x.length);
  check(c !== undefined && (c.type & STRIPED) === 0n, `tree block ${logical} is in no system chunk`);
  return c!.stripes[0]!.offset + (logical - c!.logical);
}

/** The chunk tree's chunk items, walked from `root` (a logical address). */
async function walkChunkTree(fh: fsp.FileHandle, offset: number, size: number, sys: Chunk[], root: number, nodesize: number, level: number): Promise<Chunk[]> {
  const out: Chunk[] = [];
  const seen = new Set<number>();
  const visit = async (logical: number, want: number): Promise<void> => {
    check(!seen.has(logical), `chunk tree node ${logical} visited twice`);
    check(seen.size < MAX_NODES, `more than ${MAX_NODES} chunk tree nodes`);
    seen.add(logical);
    const phys = toPhysical(sys, logical, nodesize);
    check(phys + nodesize <= size, `chunk tree node ${logical} is past the end of the partition`);
    const b = await readAt(fh, offset + phys, nodesize);
    check(Number(b.readBigUInt64LE(0x30)) === logical && b[0x64] === want, `chunk tree node ${logical} does not say so`);
    const n = b.readUInt32LE(0x60);
    if (want > 0) {
      check(HEADER + n * (KEY + 16) <= nodesize, `chunk tree node with ${n} pointers`);
      for (let i = 0; i < n; i++) await visit(Number(b.readBigUInt64LE(HEADER + i * 33 + KEY)), want - 1);
      return;
    }
    check(HEADER + n * (KEY + 8) <= nodesize, `chunk tree leaf with ${n} items`);
    for (let i = 0; i < n; i++) {
      const k = HEADER + i * (KEY + 8);
      if (b[k + 8] !== CHUNK_ITEM_KEY) continue;
      const at = HEADER + b.readUInt32LE(k + KEY);
      const end = at + b.readUInt32LE(k + KEY + 4);
      check(end <= nodesize, 'chunk item past the end of its leaf');
      out.push(parseChunk(b, at, end, Number(b.readBigUInt64LE(k + 9))).chunk);
    }
  };
  await visit(root, level);
  return out;
}

/**
 * The byte ranges (relative to the partition) of the btrfs filesystem at `offset` of `file`
 * that hold its content (see the module comment); undefined when it cannot be read (a bad
 * superblock or chunk tree, striped profiles, several devices): the caller maps the whole partition (content-map.ts).
 */
export async function btrfsRequiredRanges(file: string, offset: number, size: number): Promise<Range[] | undefined> {
  const fh = await fsp.open(file, 'r');
  try {
    const sb = await readAt(fh, offset + SB_OFFSET, SB_SIZE);
    check(sb.toString('latin1', 0x40, 0x48) === '_BHRfS_M', 'no btrfs superblock');
    check(sb.readBigUInt64LE(0x88) === 1n, 'several devices');
    const nodesize = sb.readUInt32LE(0x94);
    check(nodesize >= 4096 && nodesize <= 65536 && (nodesize & (nodesize - 1)) === 0, `node size ${nodesize}`);
    const arraySize = sb.readUInt32LE(0xa0);
    check(arraySize <= 2048, `sys_chunk_array of ${arraySize} bytes`);
    const sys: Chunk[] = [];
    for (let at = 0x32b; at < 0x32b + arraySize; ) {
      check(at + KEY <= 0x32b + arraySize && sb[at + 8] === CHUNK_ITEM_KEY, 'sys_chunk_array item');
      const { chunk, next } = parseChunk(sb, at + KEY, 0x32b + arraySize, Number(sb.readBigUInt64LE(at + 9)));
      sys.push(chunk);
      at = next;
    }
    const level = sb[0xc7]!;
    check(level <= MAX_LEVEL, `chunk root level ${level}`);
    const chunks = await walkChunkTree(fh, offset, size, sys, Number(sb.readBigUInt64LE(0x58)), nodesize, level);
    const out: Range[] = SB_MIRRORS.filter((m) => m + SB_SIZE <= size).map((m) => ({ start: m, end: m + SB_SIZE }));
    for (const c of chunks) {
      check((c.type & STRIPED) === 0n, 'a striped chunk profile');
      for (const s of c.stripes) out.push({ start: s.offset, end: Math.min(size, s.offset + c.length) });
    }
    return out.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  } catch (e) {
    if (e instanceof Bad || e instanceof RangeError) return undefined;
    throw e;
  } finally {
    await fh.close();
  }
}
