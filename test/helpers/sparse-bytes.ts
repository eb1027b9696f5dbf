/**
 * Byte checks over big, mostly empty files without reading their holes (a GiB of zeros costs
 * seconds of system time through read(2); SEEK_DATA skips it): a partition copied out with
 * only its data ranges read, "a equals b" (cmp) and "the first n bytes are zeros" (cmp against
 * /dev/zero). The data ranges come from SEEK_DATA/SEEK_HOLE (src/sparse.ts dataRanges, which
 * reads the file instead where that is not available): everything outside them reads as
 * zeros, and every byte inside them is read and compared.
 */
import { promises as fsp } from 'node:fs';
import { dataRanges, type Range } from '../../src/sparse.ts';

const CHUNK = 4 * 1024 * 1024;

/** Data ranges of `file` within [start, end) (sorted, disjoint). */
const rangesIn = (file: string, start: number, end: number): Promise<Range[]> => dataRanges(file, { start, end });

/** Calls `fn(pos, n)` for each chunk (at most CHUNK bytes) of each range. */
async function eachChunk(ranges: Range[], fn: (pos: number, n: number) => Promise<void>): Promise<void> {
  for (const r of ranges) for (let pos = r.start; pos < r.end; pos += CHUNK) await fn(pos, Math.min(CHUNK, r.end - pos));
}

/** Reads exactly `n` bytes at `pos` (zeros past the end of the file, as a hole reads). */
async function readChunk(fh: fsp.FileHandle, buf: Buffer, pos: number, n: number): Promise<Buffer> {
  const out = buf.subarray(0, n).fill(0);
  for (let done = 0; done < n; ) {
    const { bytesRead } = await fh.read(out, done, n - done, pos + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return out;
}

/**
 * Copies `size` bytes at `offset` of `src` into a new file `dst` (zero chunks stay holes), reading
 * only `src`'s data ranges; returns `dst` (also exported by helpers/partition.ts).
 */
export async function extractPartition(src: string, offset: number, size: number, dst: string): Promise<string> {
  const ranges = await rangesIn(src, offset, offset + size);
  const inp = await fsp.open(src, 'r');
  const out = await fsp.open(dst, 'w');
  try {
    await out.truncate(size);
    const buf = Buffer.alloc(CHUNK);
    const zeros = Buffer.alloc(CHUNK);
    await eachChunk(ranges, async (pos, n) => {
      const b = await readChunk(inp, buf, pos, n);
      if (!b.equals(zeros.subarray(0, n))) await out.write(b, 0, n, pos - offset);
    });
  } finally {
    await inp.close();
    await out.close();
  }
  return dst;
}

/** Merges range lists into sorted, disjoint ranges (touching ranges become one). */
export function union(...lists: Range[][]): Range[] {
  const all = lists.flat().sort((x, y) => x.start - y.start);
  const out: Range[] = [];
  for (const r of all) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** Where files `a` and `b` first differ, as cmp says it ("differ: byte N" 1-based, or "EOF on"), or
 *  null when they hold the same bytes (sizes included). */
export async function firstDifference(a: string, b: string): Promise<string | null> {
  const [sa, sb] = [(await fsp.stat(a)).size, (await fsp.stat(b)).size];
  const end = Math.min(sa, sb);
  const ranges = union(await rangesIn(a, 0, end), await rangesIn(b, 0, end));
  const [fa, fb] = [await fsp.open(a, 'r'), await fsp.open(b, 'r')];
  let diff: string | null = null;
  try {
    const [ba, bb] = [Buffer.alloc(CHUNK), Buffer.alloc(CHUNK)];
    await eachChunk(ranges, async (pos, n) => {
      if (diff) return;
      const [x, y] = [await readChunk(fa, ba, pos, n), await readChunk(fb, bb, pos, n)];
      if (!x.equals(y)) diff = `${a} ${b} differ: byte ${pos + [...x].findIndex((v, i) => v !== y[i]) + 1}`;
    });
  } finally {
    await fa.close();
    await fb.close();
  }
  return diff ?? (sa === sb ? null : `EOF on ${sa < sb ? a : b} after byte ${end}`);
}

/** Null when the first `n` bytes of `file` are all zeros (and it has n bytes), else where not. */
export async function firstNonZero(file: string, n: number): Promise<string | null> {
  const size = (await fsp.stat(file)).size;
  if (size < n) return `EOF on ${file} after byte ${size}`;
  const fh = await fsp.open(file, 'r');
  let found: string | null = null;
  try {
    const [buf, zeros] = [Buffer.alloc(CHUNK), Buffer.alloc(CHUNK)];
    await eachChunk(await rangesIn(file, 0, n), async (pos, len) => {
      const b = found ? null : await readChunk(fh, buf, pos, len);
      if (!b || b.equals(zeros.subarray(0, len))) return;
      const i = b.findIndex((v) => v !== 0);
      found = `${file}: byte ${pos + i + 1} is ${b[i]}, not 0`;
    });
  } finally {
    await fh.close();
  }
  return found;
}
