/**
 * Sparse-file I/O. Uses the native addon (native/sparse.c, built by node-gyp into
 * build/Release/imgsmith_native.node: SEEK_DATA/SEEK_HOLE, copy_file_range, fallocate)
 * when it is built, and a JavaScript fallback otherwise. The environment variable
 * IMGSMITH_NO_NATIVE=1 forces the fallback; so does the per-call option `native: false`.
 *
 * Exported interface:
 *   nativeAvailable(): boolean
 *       true when the addon loads (and IMGSMITH_NO_NATIVE is not set). The load is cached.
 *   dataRanges(file: string | number | FileHandle, opts?): Promise<Range[]>
 *       The file's data ranges, sorted, merged, clipped to [opts.start, opts.end) and to
 *       the file size. They cover every non-zero byte. Native: a SEEK_DATA/SEEK_HOLE walk
 *       (may include allocated blocks that hold zeros). Fallback: reads the file in 1 MiB
 *       chunks and reports the non-zero 4 KiB blocks (aligned to file offsets).
 *   copySparse(src, dst, dstOffset, opts?): Promise<{ bytesCopied: number }>
 *       Copies bytes [srcOffset, srcOffset + length) of the file `src` to byte `dstOffset`
 *       of the file `dst` (created if missing, never truncated), writing only the data
 *       ranges of src: holes stay holes in dst (the destination window is assumed to read
 *       as zeros already, as in a freshly sized image; use `punchHoles: true` otherwise).
 *       Native: copy_file_range per data range (with `skipZeros: true`: pread/pwrite of the
 *       non-zero 4 KiB blocks of each data range). Fallback: pread/pwrite of non-zero 4 KiB
 *       blocks. Never a dense copy. dst is not extended past the last written byte.
 *   extentRanges(fd, start, end, opts?): Promise<Range[] | null>
 *       The file's extents as bmaptool maps them (FIEMAP, else SEEK_DATA/SEEK_HOLE), never
 *       reading the file; null without the addon.
 *   writeNonZero(fh | fd, buf, position): Promise<number>
 *       pwrites only the non-zero 4 KiB blocks of `buf` (blocks aligned to file offsets),
 *       returns the number of bytes written. For FATs, partition tables and other mostly
 *       empty buffers written into a sparse image.
 *   punchHole(fh | fd, offset, length): Promise<boolean>
 *       Deallocates a byte range (it then reads as zeros). Native only; returns false when
 *       the addon is unavailable or the filesystem cannot punch holes (nothing is done).
 */
import fs, { promises as fsp } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { envFlag } from './settings.ts';

/** A half-open byte range [start, end). */
export interface Range {
  start: number;
  end: number;
}

/** The functions exported by build/Release/imgsmith_native.node (see native/sparse.c). */
export interface NativeSparse {
  /** Next data offset >= offset, or -1 when there is no data after offset (ENXIO). */
  seekData(fd: number, offset: number): number;
  /** Next hole offset >= offset (the end of the file counts as a hole), or -1 (ENXIO). */
  seekHole(fd: number, offset: number): number;
  /** Copies len bytes (copy_file_range, pread/pwrite fallback); returns bytes copied
   *  (less than len only at the end of fdIn). */
  copyFileRange(fdIn: number, offIn: number, fdOut: number, offOut: number, len: number): number;
  /** fallocate(PUNCH_HOLE | KEEP_SIZE); throws (code EOPNOTSUPP, ...) on failure. */
  punchHole(fd: number, offset: number, len: number): void;
  /** FIEMAP extents overlapping [offset, offset + len) as [start0, end0, start1, end1, ...]
   *  (written, unwritten and delayed ones); throws (EOPNOTSUPP, ENOTTY ...) where unsupported.
   *  Absent from addons built before it existed. */
  extents?(fd: number, offset: number, len: number): number[];
  /** One zstd frame of [offset, offset + length) of srcFd written to dstFd, on a worker
   *  thread, byte-identical to `zstd -<level> --single-thread --stream-size=<length>`;
   *  cb(err, frameBytes), err.code "ENOZSTD" when libzstd.so.1 cannot be loaded. */
  zstdChunk?(srcFd: number, offset: number, length: number, dstFd: number, level: number, cb: (err: NodeJS.ErrnoException | null, written: number) => void): void;
  /** One directory's entries, sorted by bytes, with 6 numbers each in `meta` (st_mode, size,
   *  dev, ino, nlink, 0; -errno in the first when fstatat failed, in the last when readlinkat
   *  did) and the symlinks' targets; `{ errno }` when the directory cannot be read
   *  (native/scandir.c). Absent from addons built before it existed. */
  scanDir?(path: Buffer, follow: boolean): { errno: number } | { names: Buffer; meta: Float64Array; targets: Buffer };
}

/** The allocation/zero-detection granularity of the fallback and of writeNonZero. */
export const BLOCK = 4096;
/** Read size of the fallback scanner. */
const CHUNK = 1024 * 1024;
/** Largest copy_file_range call between progress reports. */
const NATIVE_STEP = 64 * 1024 * 1024;

const ZERO_CHUNK = Buffer.alloc(CHUNK);

export const NATIVE_PATH = fileURLToPath(new URL('../build/Release/imgsmith_native.node', import.meta.url));

let nativeModule: NativeSparse | null | undefined;

/** The loaded addon, or null (not built, failed to load, or IMGSMITH_NO_NATIVE=1). */
export function loadNative(): NativeSparse | null {
  if (envFlag('IMGSMITH_NO_NATIVE')) return null;
  if (nativeModule === undefined) {
    try {
      const require = createRequire(import.meta.url);
      const m = require(NATIVE_PATH) as NativeSparse;
      nativeModule =
        typeof m.seekData === 'function' && typeof m.copyFileRange === 'function' ? m : null;
    } catch {
      nativeModule = null;
    }
  }
  return nativeModule;
}

/** Whether the native addon is usable (built, loadable, not disabled by IMGSMITH_NO_NATIVE=1). */
export function nativeAvailable(): boolean {
  return loadNative() !== null;
}

export interface SparseOptions {
  /** false forces the JavaScript fallback even when the addon is available. */
  native?: boolean;
}

type FileLike = string | number | fsp.FileHandle;

const readFd = (fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<number> =>
  new Promise((resolve, reject) =>
    fs.read(fd, buffer, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
const writeFd = (fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<number> =>
  new Promise((resolve, reject) =>
    fs.write(fd, buffer, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
const fstatFd = promisify(fs.fstat);

function pickNative(opts?: SparseOptions): NativeSparse | null {
  return opts?.native === false ? null : loadNative();
}

async function withFd<T>(file: FileLike, flags: string | number, fn: (fd: number) => Promise<T>): Promise<T> {
  if (typeof file === 'number') return fn(file);
  if (typeof file !== 'string') return fn(file.fd);
  const fh = await fsp.open(file, flags);
  try {
    return await fn(fh.fd);
  } finally {
    await fh.close();
  }
}

/** Reads exactly `len` bytes at `pos` unless the file ends first; returns the count read. */
export async function readFull(fd: number, buf: Buffer, len: number, pos: number): Promise<number> {
  let got = 0;
  while (got < len) {
    const n = await readFd(fd, buf, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

async function writeFull(fd: number, buf: Buffer, off: number, len: number, pos: number): Promise<void> {
  let done = 0;
  while (done < len) {
    done += await writeFd(fd, buf, off + done, len - done, pos + done);
  }
}

function pushRange(out: Range[], start: number, end: number): void {
  if (end <= start) return;
  const last = out[out.length - 1];
  if (last && last.end >= start) last.end = Math.max(last.end, end);
  else out.push({ start, end });
}

/** Calls fn(start, end) for each maximal run of non-zero BLOCK-aligned blocks (by file offset)
 *  in buf[0, len), where buf holds the file bytes starting at file offset `pos`. Offsets passed
 *  to fn are relative to buf. */
function forEachNonZeroRun(buf: Buffer, len: number, pos: number, fn: (start: number, end: number) => void): void {
  if (len <= CHUNK && buf.compare(ZERO_CHUNK, 0, len, 0, len) === 0) return;
  let runStart = -1;
  // First block boundary at or after pos, relative to buf.
  let i = 0;
  while (i < len) {
    const next = Math.min(len, i + BLOCK - ((pos + i) % BLOCK));
    const zero = isZeroRange(buf, i, next);
    if (!zero && runStart < 0) runStart = i;
    if (zero && runStart >= 0) {
      fn(runStart, i);
      runStart = -1;
    }
    i = next;
  }
  if (runStart >= 0) fn(runStart, len);
}

function isZeroRange(buf: Buffer, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const n = Math.min(end - i, CHUNK);
    if (buf.compare(ZERO_CHUNK, 0, n, i, i + n) !== 0) return false;
    i += n;
  }
  return true;
}

/** True when every byte of buf is zero. */
export function isAllZero(buf: Uint8Array): boolean {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return isZeroRange(b, 0, b.length);
}

async function nativeRanges(n: NativeSparse, fd: number, start: number, end: number): Promise<Range[] | null> {
  const out: Range[] = [];
  let off = start;
  try {
    while (off < end) {
      const d = n.seekData(fd, off);
      if (d < 0 || d >= end) break;
      let h = n.seekHole(fd, d);
      if (h < 0 || h > end) h = end;
      pushRange(out, d, h);
      off = h;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Filesystems or files without SEEK_DATA support: let the caller fall back.
    if (code === 'EINVAL' || code === 'EOPNOTSUPP' || code === 'ENOSYS') return null;
    throw err;
  }
  return out;
}

async function scanRanges(fd: number, start: number, end: number): Promise<Range[]> {
  const out: Range[] = [];
  const buf = Buffer.allocUnsafe(CHUNK);
  for (let pos = start; pos < end; ) {
    // Keep chunks aligned to CHUNK file offsets after the first one.
    const want = Math.min(end - pos, CHUNK - (pos % CHUNK));
    const got = await readFull(fd, buf, want, pos);
    forEachNonZeroRun(buf, got, pos, (s, e) => pushRange(out, pos + s, pos + e));
    if (got < want) break;
    pos += got;
  }
  return out;
}

async function rangesOfFd(fd: number, opts: DataRangeOptions | undefined): Promise<Range[]> {
  const st = await fstatFd(fd);
  const start = Math.max(0, opts?.start ?? 0);
  const end = Math.min(st.size, opts?.end ?? st.size);
  if (end <= start) return [];
  // Nothing allocated at all: no data anywhere. (Inline data - ext4 inline_data, btrfs
  // inline extents - can report 0 blocks but is always far smaller than 1 MiB.)
  if (st.blocks === 0 && st.isFile() && st.size > CHUNK) return [];
  const n = pickNative(opts);
  if (n) {
    const r = await nativeRanges(n, fd, start, end);
    if (r) return r;
  }
  return scanRanges(fd, start, end);
}

/**
 * The extents of an open file within [start, end) as `bmaptool create` maps them, without
 * reading it: FIEMAP (written, unwritten and delayed-allocation extents), or the SEEK_DATA/
 * SEEK_HOLE walk where FIEMAP is not supported; null without the addon. (SEEK_DATA alone is
 * not enough: it reports an unwritten extent, e.g. zeros mke2fs wrote with fallocate, as a
 * hole unless its pages happen to be in the page cache.)
 */
export async function extentRanges(fd: number, start: number, end: number, opts?: SparseOptions): Promise<Range[] | null> {
  const n = pickNative(opts);
  if (!n) return null;
  if (typeof n.extents === 'function' && end > start) {
    try {
      const flat = n.extents(fd, start, end - start);
      const out: Range[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) pushRange(out, Math.max(start, flat[i]!), Math.min(end, flat[i + 1]!));
      return out;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EOPNOTSUPP' && code !== 'ENOTTY' && code !== 'EINVAL' && code !== 'ENOSYS') throw err;
    }
  }
  return nativeRanges(n, fd, start, end);
}

/**
 * The data ranges of an open file within [start, end) by SEEK_DATA/SEEK_HOLE alone, without
 * reading it: everything outside them reads as zeros (an unwritten extent counts as a hole
 * unless the page cache holds its pages, and then as data). null without the addon or where
 * the filesystem does not support SEEK_DATA.
 */
export async function seekRanges(fd: number, start: number, end: number, opts?: SparseOptions): Promise<Range[] | null> {
  const n = pickNative(opts);
  if (!n || end <= start) return n ? [] : null;
  return nativeRanges(n, fd, start, end);
}

export interface DataRangeOptions extends SparseOptions {
  /** Only report data at or after this offset (default 0). */
  start?: number;
  /** Only report data before this offset (default: the file size). */
  end?: number;
}

/** The data ranges of a file (see the module comment). */
export async function dataRanges(file: FileLike, opts?: DataRangeOptions): Promise<Range[]> {
  return withFd(file, 'r', (fd) => rangesOfFd(fd, opts));
}

export interface CopySparseOptions extends SparseOptions {
  /** First byte of src to copy (default 0). */
  srcOffset?: number;
  /** Bytes to copy (default: from srcOffset to the end of src). */
  length?: number;
  /** Also deallocate the destination where src has holes (needs the addon; otherwise the
   *  fallback overwrites non-zero destination blocks with zeros, keeping zero blocks holes). */
  punchHoles?: boolean;
  /** Native path: also skip all-zero 4 KiB blocks inside the data ranges (reads them
   *  through JS instead of copy_file_range). For sources that write explicit zeros, such as
   *  mkfs tools zeroing their first megabytes. The fallback always skips them. */
  skipZeros?: boolean;
  /** Called with bytes processed so far and the total (native: data bytes; fallback: bytes scanned). */
  onProgress?: (done: number, total: number) => void;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Copies src's data into dst at dstOffset, keeping holes (see the module comment). */
export async function copySparse(
  src: string,
  dst: string,
  dstOffset: number,
  opts?: CopySparseOptions,
): Promise<{ bytesCopied: number }> {
  if (!Number.isSafeInteger(dstOffset) || dstOffset < 0) {
    throw new RangeError(`copySparse: bad destination offset ${dstOffset}`);
  }
  const sfh = await fsp.open(src, 'r');
  try {
    const size = (await sfh.stat()).size;
    const srcStart = opts?.srcOffset ?? 0;
    const srcEnd = opts?.length === undefined ? size : Math.min(size, srcStart + opts.length);
    if (!Number.isSafeInteger(srcStart) || srcStart < 0 || srcStart > size) {
      throw new RangeError(`copySparse: source offset ${srcStart} is outside ${src} (${size} bytes)`);
    }
    const dfh = await fsp.open(dst, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    try {
      const delta = dstOffset - srcStart;
      const n = pickNative(opts);
      const ranges = n ? await nativeRanges(n, sfh.fd, srcStart, srcEnd) : null;
      if (n && ranges) {
        const job: RangeCopy = { n, sfd: sfh.fd, dfd: dfh.fd, ranges, srcStart, srcEnd, delta, opts };
        return { bytesCopied: await (opts?.skipZeros ? rangesScanCopy(job) : nativeCopy(job)) };
      }
      return { bytesCopied: await scanCopy(sfh.fd, dfh.fd, srcStart, srcEnd, delta, opts) };
    } finally {
      await dfh.close();
    }
  } finally {
    await sfh.close();
  }
}

/** A copy of the source's data ranges [srcStart, srcEnd) to the destination, shifted by `delta`. */
interface RangeCopy {
  n: NativeSparse;
  sfd: number;
  dfd: number;
  ranges: Range[];
  srcStart: number;
  srcEnd: number;
  delta: number;
  opts: CopySparseOptions | undefined;
}

async function nativeCopy({ n, sfd, dfd, ranges, srcStart, srcEnd, delta, opts }: RangeCopy): Promise<number> {
  const total = ranges.reduce((a, r) => a + r.end - r.start, 0);
  let done = 0;
  opts?.onProgress?.(0, total);
  if (opts?.punchHoles) await punchGaps(n, dfd, ranges, srcStart, srcEnd, delta);
  for (const r of ranges) {
    for (let off = r.start; off < r.end; ) {
      const len = Math.min(NATIVE_STEP, r.end - off);
      const c = n.copyFileRange(sfd, off, dfd, off + delta, len);
      done += c;
      opts?.onProgress?.(done, total);
      if (c < len) return done; // src shrank under us
      off += c;
      await tick();
    }
  }
  return done;
}

/** punchHoles: the destination's bytes between the source's data ranges become holes (or zeros). */
async function punchGaps(n: NativeSparse, dfd: number, ranges: Range[], srcStart: number, srcEnd: number, delta: number): Promise<void> {
  let prev = srcStart;
  for (const r of [...ranges, { start: srcEnd, end: srcEnd }]) {
    if (r.start > prev) await punchOrZero(dfd, prev + delta, r.start - prev, n);
    prev = r.end;
  }
}

/** Native ranges, but copied through JS so that zero blocks inside them are skipped too. */
async function rangesScanCopy({ n, sfd, dfd, ranges, srcStart, srcEnd, delta, opts }: RangeCopy): Promise<number> {
  const total = ranges.reduce((a, r) => a + r.end - r.start, 0);
  let done = 0;
  let written = 0;
  opts?.onProgress?.(0, total);
  if (opts?.punchHoles) await punchGaps(n, dfd, ranges, srcStart, srcEnd, delta);
  for (const r of ranges) {
    const inner = { ...opts, onProgress: (d: number) => opts?.onProgress?.(done + d, total) };
    written += await scanCopy(sfd, dfd, r.start, r.end, delta, inner);
    done += r.end - r.start;
  }
  opts?.onProgress?.(done, total);
  return written;
}

async function scanCopy(
  sfd: number,
  dfd: number,
  srcStart: number,
  srcEnd: number,
  delta: number,
  opts: CopySparseOptions | undefined,
): Promise<number> {
  const total = srcEnd - srcStart;
  const buf = Buffer.allocUnsafe(CHUNK);
  const dbuf = opts?.punchHoles ? Buffer.allocUnsafe(CHUNK) : null;
  let written = 0;
  opts?.onProgress?.(0, total);
  for (let pos = srcStart; pos < srcEnd; ) {
    const want = Math.min(srcEnd - pos, CHUNK - (pos % CHUNK));
    const got = await readFull(sfd, buf, want, pos);
    const runs: [number, number][] = [];
    forEachNonZeroRun(buf, got, pos, (s, e) => runs.push([s, e]));
    for (const [s, e] of runs) {
      await writeFull(dfd, buf, s, e - s, pos + s + delta);
      written += e - s;
    }
    if (dbuf) {
      // Zero the destination where src is zero but dst is not (zero dst blocks stay as they are).
      let prev = 0;
      for (const [s, e] of [...runs, [got, got] as [number, number]]) {
        if (s > prev) await zeroNonZero(dfd, dbuf, pos + prev + delta, s - prev);
        prev = e;
      }
    }
    opts?.onProgress?.(pos + got - srcStart, total);
    if (got < want) break;
    pos += got;
  }
  return written;
}

/** Overwrites the non-zero blocks of dst[pos, pos+len) with zeros. */
async function zeroNonZero(fd: number, dbuf: Buffer, pos: number, len: number): Promise<void> {
  const got = await readFull(fd, dbuf, len, pos);
  const runs: [number, number][] = [];
  forEachNonZeroRun(dbuf, got, pos, (s, e) => runs.push([s, e]));
  for (const [s, e] of runs) await writeFull(fd, ZERO_CHUNK, 0, e - s, pos + s);
}

async function punchOrZero(fd: number, pos: number, len: number, n: NativeSparse | null): Promise<void> {
  if (len <= 0) return;
  if (n) {
    try {
      n.punchHole(fd, pos, len);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EINVAL') throw err;
    }
  }
  const dbuf = Buffer.allocUnsafe(CHUNK);
  for (let off = 0; off < len; ) {
    const want = Math.min(len - off, CHUNK - ((pos + off) % CHUNK));
    await zeroNonZero(fd, dbuf, pos + off, want);
    off += want;
  }
}

/**
 * Writes only the non-zero BLOCK-aligned (by file offset) blocks of `buf` at `position`.
 * Returns the number of bytes written. Zero blocks are skipped, so they stay holes in a
 * sparse file (the destination must already read as zeros there).
 */
export async function writeNonZero(
  fh: fsp.FileHandle | number,
  buf: Uint8Array,
  position: number,
): Promise<number> {
  const fd = typeof fh === 'number' ? fh : fh.fd;
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let written = 0;
  for (let off = 0; off < b.length; ) {
    // Process in CHUNK pieces (aligned to file offsets, so no block straddles two pieces)
    // so the zero fast path applies to large buffers too.
    const len = Math.min(b.length - off, CHUNK - ((position + off) % CHUNK));
    const piece = b.subarray(off, off + len);
    const runs: [number, number][] = [];
    forEachNonZeroRun(piece, len, position + off, (s, e) => runs.push([s, e]));
    for (const [s, e] of runs) {
      await writeFull(fd, piece, s, e - s, position + off + s);
      written += e - s;
    }
    off += len;
  }
  return written;
}

/** Deallocates [offset, offset+length) of a file with the addon; false if that is not possible. */
export async function punchHole(fh: fsp.FileHandle | number, offset: number, length: number): Promise<boolean> {
  const n = loadNative();
  if (!n) return false;
  try {
    n.punchHole(typeof fh === 'number' ? fh : fh.fd, offset, length);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EOPNOTSUPP' || code === 'ENOSYS' || code === 'EINVAL') return false;
    throw err;
  }
}
