/**
 * One sequential pass over a finished (sparse) image: every byte from 0 to the
 * end, in order, as segments, reading only the data extents.
 *
 * What is mapped (what the bmap lists) is one definition whatever the host: the 4 KiB
 * blocks that are not all zeros, and the `required` ranges (the blocks the image's content
 * needs as they are, zeros included: ../inspect/content-map.ts), which are always read.
 * With the native addon only the file's extents are read
 * (FIEMAP/SEEK_DATA, see sparse.ts extentRanges, rounded out to 4 KiB blocks), each hole
 * is one segment without bytes (a 1 TiB hole costs one call, not 2^19), and the zero
 * blocks inside extents (allocated but zero, which depends on the host filesystem and
 * the writer) are not mapped. Without it (or IMGSMITH_NO_NATIVE=1) the whole file is
 * read. Either way the bytes are the file's bytes and the mapped blocks the same.
 *
 * Two buffers of CHUNK bytes: the next chunk is read while the consumer works
 * on the current one, and memory stays flat whatever the image size.
 */
import { buildError } from '../errors.ts';
import { extentRanges, readFull, type Range } from '../sparse.ts';
import { BMAP_BLOCK_SIZE, toBlockRanges } from './bmap.ts';
import { sharedBuffer } from './hash-worker.ts';

/** The bmap block size, and the granularity of `mapped`. */
export const SCAN_BLOCK = BMAP_BLOCK_SIZE;
/** Read size (a multiple of SCAN_BLOCK). */
export const SCAN_CHUNK = 2 * 1024 * 1024;

const ZEROS = Buffer.alloc(SCAN_CHUNK);

export interface Segment {
  /** File offset of the segment. */
  pos: number;
  /** Its length in bytes. */
  len: number;
  /** The bytes (absent for a hole); valid only until the consumer's promise for this
   *  segment settles. */
  bytes?: Buffer;
  /** Part of a bmap-mapped block range. Mapped segments start on a block boundary and end
   *  on one or at the end of the file; consecutive mapped segments belong to one range. */
  mapped: boolean;
  /** A hole: zeros, not read, no `bytes`. Otherwise `bytes` is a view of a
   *  SharedArrayBuffer (see hash-worker.ts). */
  zero?: boolean;
}

export interface ScanOptions {
  /** false forces the JavaScript fallback (read everything, map the non-zero blocks). */
  native?: boolean;
  /** Ranges mapped whatever their bytes: sorted, disjoint, starting on SCAN_BLOCK boundaries
   *  and ending on one or at the end of the file (content-map.ts contentRanges). */
  required?: readonly Range[];
}

/** Whether [pos, end) meets a required range; positions asked for only grow. */
class RequiredCursor {
  private i = 0;
  constructor(private readonly ranges: readonly Range[]) {}
  meets(pos: number, end: number): boolean {
    while (this.i < this.ranges.length && this.ranges[this.i]!.end <= pos) this.i++;
    const r = this.ranges[this.i];
    return r !== undefined && r.start < end;
  }
}

/** The union of two sorted lists of ranges, merged. */
function unionRanges(a: readonly Range[], b: readonly Range[]): Range[] {
  const all = [...a, ...b].sort((x, y) => x.start - y.start);
  const out: Range[] = [];
  for (const r of all) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

interface Piece {
  pos: number;
  len: number;
  /** 'hole': zeros, not read; 'scan': read, mapped where non-zero. */
  kind: 'hole' | 'scan';
}

/** Pieces covering [0, size): data of at most SCAN_CHUNK bytes, aligned to SCAN_CHUNK file
 *  offsets; each hole whole. */
function* pieces(size: number, data: Range[] | null): Generator<Piece> {
  const split = function* (start: number, end: number, kind: Piece['kind']): Generator<Piece> {
    for (let pos = start; pos < end; ) {
      const len = Math.min(end - pos, SCAN_CHUNK - (pos % SCAN_CHUNK));
      yield { pos, len, kind };
      pos += len;
    }
  };
  if (data === null) {
    yield* split(0, size, 'scan');
    return;
  }
  let prev = 0;
  for (const r of data) {
    if (r.start > prev) yield { pos: prev, len: r.start - prev, kind: 'hole' };
    yield* split(r.start, r.end, 'scan');
    prev = r.end;
  }
  if (size > prev) yield { pos: prev, len: size - prev, kind: 'hole' };
}


/** Splits a scanned chunk into runs of mapped (non-zero or required) and unmapped blocks. */
function* scanRuns(buf: Buffer, pos: number, len: number, required: RequiredCursor): Generator<Segment> {
  if (!required.meets(pos, pos + len) && buf.compare(ZEROS, 0, len, 0, len) === 0) {
    yield { pos, len, bytes: buf.subarray(0, len), mapped: false };
    return;
  }
  let runStart = 0;
  let runMapped: boolean | undefined;
  for (let i = 0; i < len; i += SCAN_BLOCK) {
    const end = Math.min(len, i + SCAN_BLOCK);
    const mapped = required.meets(pos + i, pos + end) || buf.compare(ZEROS, 0, end - i, i, end) !== 0;
    if (runMapped !== undefined && mapped !== runMapped) {
      yield { pos: pos + runStart, len: i - runStart, bytes: buf.subarray(runStart, i), mapped: runMapped };
      runStart = i;
    }
    runMapped = mapped;
  }
  yield { pos: pos + runStart, len: len - runStart, bytes: buf.subarray(runStart, len), mapped: runMapped! };
}

/**
 * Walks the whole open file `fd` of `size` bytes in order and awaits
 * `onSegment` for each segment before its buffer is reused. Returns whether
 * the native extent map was used.
 */
export async function scanImage(
  fd: number,
  size: number,
  onSegment: (seg: Segment) => void | Promise<void>,
  opts: ScanOptions = {},
): Promise<{ native: boolean }> {
  const seek = await extentRanges(fd, 0, size, opts);
  const required = opts.required ?? [];
  // The required ranges are read too (a hole in them is mapped zeros: the bmap hashes them).
  const data =
    seek === null
      ? null
      : unionRanges(toBlockRanges(seek, size, SCAN_BLOCK).map((b) => ({ start: b.first * SCAN_BLOCK, end: Math.min(size, (b.last + 1) * SCAN_BLOCK) })), required);
  const cursor = new RequiredCursor(required);
  const buffers = [sharedBuffer(SCAN_CHUNK), sharedBuffer(SCAN_CHUNK)];
  let turn = 0;
  const load = async (p: Piece): Promise<{ p: Piece; buf?: Buffer }> => {
    if (p.kind === 'hole') return { p };
    const buf = buffers[turn]!;
    turn ^= 1;
    if ((await readFull(fd, buf, p.len, p.pos)) < p.len) {
      throw buildError(`the image changed while it was being read: it ends before byte ${p.pos + p.len}`);
    }
    return { p, buf };
  };
  const it = pieces(size, data);
  const loadNext = () => {
    const step = it.next();
    if (step.done) return undefined;
    const pr = load(step.value);
    pr.catch(() => undefined); // awaited below; do not let an early failure go unhandled
    return pr;
  };
  let next = loadNext();
  try {
    while (next) {
      const { p, buf } = await next;
      // Read ahead into the other buffer while this chunk is consumed.
      next = loadNext();
      if (p.kind === 'hole') await onSegment({ pos: p.pos, len: p.len, mapped: false, zero: true });
      else for (const seg of scanRuns(buf!, p.pos, p.len, cursor)) await onSegment(seg);
    }
  } finally {
    // After a failure, no read may still be running when the caller closes the file.
    await next?.catch(() => undefined);
  }
  return { native: data !== null };
}
