/**
 * The .img.zst as a sequence of zstd frames, one per CHUNK bytes of the image,
 * each the output of `zstd -<level> --single-thread --stream-size=<n>` on that
 * chunk, concatenated in order. Any zstd decoder reads concatenated frames as
 * one stream (`zstd -d`, `zstdcat`, bmaptool, imgsmith's in-process decoders), and the bytes depend only
 * on the image and the level: not on the thread count, the timing, or which
 * chunks were compressed early.
 *
 * Why frames: most of the image is written by mke2fs, one core busy for
 * seconds while the other idles. The mkfs shim reports every write mke2fs makes
 * to the image (IMGSMITH_SHIM_WRITELOG, native/mkfs_shim.c), after it
 * completed. `track()` follows that log and compresses chunks mke2fs has moved
 * past (no write touched them in the last QUIET bytes written, and it writes LAG chunks
 * further on),
 * one at a time, on the idle core. Every record that touches a chunk bumps its
 * generation; a chunk whose generation changed after its compression started,
 * or that no complete log vouches for, is compressed again at the end. So a
 * guess that was wrong costs time, never bytes.
 *
 * Holes: the cost follows the data, not the disk size. A chunk that is all zeros gets
 * the frame of an all-zero chunk of its length, compressed once per (level, length) by
 * the same compressor from /dev/zero (so the bytes are the ones compressing the chunk
 * would give) and written out as often as needed. In finish() a chunk without data
 * (SEEK_DATA/SEEK_HOLE, nothing read) is known to be zeros at once; any other chunk is
 * read up to its first non-zero byte (its holes skipped) before it is compressed, which
 * costs a few KiB for real data and catches allocated zeros (fallocated or written).
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawnFailure, spawnTool, toolFailure } from '../tools/run.ts';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buildError, toolFailed, usageError, internalError } from '../errors.ts';
import { loadNative, seekRanges, type NativeSparse, type Range } from '../sparse.ts';
import { MAX_ZSTD_LEVEL } from './compress.ts';

/** Image bytes per zstd frame. */
export const ZSTD_CHUNK = 16 * 1024 * 1024;
/** A chunk is compressed early only when none of the last QUIET bytes the tool wrote
 *  touched it (bytes, not records: the shim combines consecutive writes into one)... */
const QUIET = 16 * 1024 * 1024;
/** ...and the tool writes at least LAG chunks further on. */
const LAG = 2;
/** Early compressions of one chunk at most (then it waits for the end). */
const ATTEMPTS = 2;
/** Bytes written between looks for a chunk to compress early. */
const LOOK_EVERY = 2 * 1024 * 1024;
/** A record longer than this is a bulk zeroing (discard, zero range), not data being written. */
const BULK = 1024 * 1024;
const READ = 1024 * 1024;
/** The first read of a chunk's zero check (real data is non-zero early). */
const ZERO_PROBE = 64 * 1024;
const ZEROS = Buffer.alloc(READ);
/** Zero frames are written out in batches of about this many bytes. */
const ZERO_BATCH = 4 * 1024 * 1024;
/** The frame of an all-zero chunk, per level and length: compressed once per process. */
const zeroFrames = new Map<string, Promise<Buffer>>();
const STDERR_KEEP = 2048;
/** The end record is (2^64-1, 2^64-1): four such 32-bit words. */
const MAX32 = 0xffffffff;


/** The zstd command line for one chunk of `len` bytes on stdin. */
export function chunkZstdArgs(level: number, len: number): string[] {
  if (!Number.isInteger(level) || level < 1 || level > MAX_ZSTD_LEVEL) {
    throw usageError(`zstd level ${level} is invalid: use an integer from 1 to ${MAX_ZSTD_LEVEL}`);
  }
  return [...(level > 19 ? ['--ultra'] : []), `-${level}`, '--single-thread', '-q', '--no-progress', '-c', `--stream-size=${len}`];
}

interface Chunk {
  start: number;
  len: number;
  /** Bumped by every write record touching the chunk. */
  gen: number;
  /** Written by data (not only bulk zeroing) during tracking. */
  written: boolean;
  /** Inside a tracked region (only such chunks are compressed early). */
  tracked: boolean;
  /** The generation the frame on disk was made from; -1: none. */
  frameGen: number;
  busy: boolean;
  /** The tool's bytes written so far when a record last touched the chunk. */
  lastWritten: number;
  /** Early compressions started (a chunk mkfs keeps coming back to is left for the end). */
  attempts: number;
  /** The chunk was all zeros at frameGen: its frame is the shared zero frame, not a file. */
  zero: boolean;
}

export interface ChunkedOptions {
  level: number;
  /** A directory for the frames (removed by the caller). */
  workDir: string;
  /** Compressions at a time in finish() (default: the CPU count). */
  parallel?: number;
  /** false: the zstd CLI even when the addon has libzstd (tests compare the two). */
  native?: boolean;
}

export interface TrackResult {
  /** The log ended with the shim's end record: every write was reported. */
  complete: boolean;
  records: number;
}

/** The compressor for one image; see the module comment. */
export class ChunkedZstd {
  private readonly chunks: Chunk[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private tracking = 0;
  private failed: Error | undefined;
  private aborted = false;
  /** libzstd.so.1 could not be loaded by the addon: use the CLI. */
  private noLib = false;
  /** Chunks compressed early that stayed valid / had to be redone (for the report). */
  stats = { early: 0, redone: 0, zero: 0 };
  /** The image opened for zero checks (closed by finish() and abort()). */
  private imgFh: Promise<fsp.FileHandle> | undefined;

  constructor(
    private readonly img: string,
    private readonly size: number,
    private readonly opts: ChunkedOptions,
  ) {
    chunkZstdArgs(opts.level, 1); // validates the level up front
    for (let start = 0; start < size; start += ZSTD_CHUNK) {
      this.chunks.push({ start, len: Math.min(ZSTD_CHUNK, size - start), gen: 0, written: false, tracked: false, frameGen: -1, busy: false, lastWritten: -1, attempts: 0, zero: false });
    }
  }

  private frame(i: number): string {
    return path.join(this.opts.workDir, `frame-${String(i).padStart(6, '0')}.zst`);
  }

  /**
   * Follows a shim write log (pairs of little-endian uint64 offset, length) while a tool
   * writes [start, end) of the image, compressing chunks it is done with, one at a time.
   * Resolves when the log closes. Chunks not wholly inside [start, end) are left alone.
   */
  async track(log: Readable, start: number, end: number): Promise<TrackResult> {
    const first = Math.ceil(start / ZSTD_CHUNK);
    const last = Math.floor(end / ZSTD_CHUNK) - 1; // inclusive; a partial last chunk is not tracked
    const lastFull = end >= this.size ? this.chunks.length - 1 : last;
    for (let i = first; i <= lastFull; i++) this.chunks[i]!.tracked = true;
    this.tracking++;
    let records = 0;
    // Bytes of data the tool has written so far, and where the next look is due.
    let written = 0;
    let nextLook = LOOK_EVERY;
    let complete = false;
    let pending: Buffer = Buffer.alloc(0);
    const onRecord = (buf: Buffer, p: number): void => {
      records++;
      // Two little-endian uint64 read as numbers (exact below 2^53, which covers any image).
      const oLo = buf.readUInt32LE(p), oHi = buf.readUInt32LE(p + 4), lLo = buf.readUInt32LE(p + 8), lHi = buf.readUInt32LE(p + 12);
      if (oLo === MAX32 && oHi === MAX32 && lLo === MAX32 && lHi === MAX32) {
        complete = true;
        return;
      }
      const o = oHi * 2 ** 32 + oLo;
      const e = Math.min(Number.MAX_SAFE_INTEGER, o + lHi * 2 ** 32 + lLo);
      const a = Math.floor(o / ZSTD_CHUNK);
      const b = Math.min(this.chunks.length - 1, Math.floor(Math.max(o, e - 1) / ZSTD_CHUNK));
      const data = e - o <= BULK;
      for (let i = a; i <= b; i++) {
        const c = this.chunks[i]!;
        c.gen++;
        c.lastWritten = written;
        if (data) c.written = true;
      }
      if (data) written += e - o;
      if (data && written >= nextLook) {
        nextLook = written + LOOK_EVERY;
        this.speculate(first, a - LAG, written - QUIET);
      }
    };
    try {
      for await (const data of log as AsyncIterable<Buffer>) {
        const buf = pending.length ? Buffer.concat([pending, data]) : data;
        const whole = buf.length - (buf.length % 16);
        for (let p = 0; p < whole; p += 16) onRecord(buf, p);
        pending = buf.subarray(whole);
      }
    } finally {
      this.tracking--;
    }
    if (!complete) {
      // Writes may be missing from the log: nothing compressed early in it can be trusted.
      for (let i = first; i <= lastFull; i++) this.chunks[i]!.gen++;
    }
    return { complete, records };
  }

  /** Forgets every frame of a chunk that overlaps [start, end): they are compressed again. */
  invalidate(start: number, end: number): void {
    const a = Math.floor(start / ZSTD_CHUNK);
    const b = Math.min(this.chunks.length - 1, Math.floor((end - 1) / ZSTD_CHUNK));
    for (let i = a; i <= b; i++) this.chunks[i]!.gen++;
  }

  /** Starts compressing the lowest chunk below `upTo` that the tool wrote and then left
   *  alone (nothing written to it since `quietSince` bytes), when nothing is running. */
  private speculate(from: number, upTo: number, quietSince: number): void {
    if (this.inflight.size > 0 || this.failed || this.aborted) return;
    for (let i = from; i < upTo && i < this.chunks.length; i++) {
      const c = this.chunks[i]!;
      if (!c.tracked || !c.written || c.busy || c.frameGen === c.gen || c.attempts >= ATTEMPTS || c.lastWritten > quietSince) continue;
      c.attempts++;
      this.start(i, true);
      return;
    }
  }

  private start(i: number, early: boolean): Promise<void> {
    const c = this.chunks[i]!;
    c.busy = true;
    const gen = c.gen;
    const p = this.compress(i).then(
      (zero) => {
        c.busy = false;
        if (c.gen === gen) {
          c.frameGen = gen;
          c.zero = zero;
          if (early) this.stats.early++;
        } else if (early) {
          this.stats.redone++;
        }
      },
      (err: Error) => {
        c.busy = false;
        this.failed ??= err;
      },
    );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    return p;
  }

  /** Makes chunk i's frame: true when the chunk is all zeros (its frame is the zero frame,
   *  see zeroFrame), else its frame file is written (replacing an older one). */
  private async compress(i: number): Promise<boolean> {
    const c = this.chunks[i]!;
    if (await this.allZero(c.start, c.len)) {
      await this.zeroFrame(c.len);
      return true;
    }
    await this.compressRange(this.img, c.start, c.len, this.frame(i));
    return false;
  }

  /** Whether bytes [start, start+len) of the image are zeros: reads only its data ranges,
   *  each up to its first non-zero byte. */
  private async allZero(start: number, len: number): Promise<boolean> {
    const fh = await (this.imgFh ??= fsp.open(this.img, 'r'));
    const ranges: Range[] = (await seekRanges(fh.fd, start, start + len, this.opts.native === false ? { native: false } : {})) ?? [{ start, end: start + len }];
    const buf = Buffer.allocUnsafe(READ);
    let want = ZERO_PROBE;
    for (const r of ranges) {
      for (let pos = r.start; pos < r.end && !this.aborted; ) {
        const n = Math.min(want, r.end - pos);
        const { bytesRead } = await fh.read(buf, 0, n, pos);
        if (bytesRead === 0) throw buildError(`the image ${this.img} ends before byte ${pos}`);
        if (buf.compare(ZEROS, 0, bytesRead, 0, bytesRead) !== 0) return false;
        pos += bytesRead;
        want = READ;
      }
    }
    return true;
  }

  /** The frame of `len` zero bytes at this level: the compressor run once on /dev/zero. */
  private zeroFrame(len: number): Promise<Buffer> {
    const key = `${this.opts.level}:${len}`;
    let p = zeroFrames.get(key);
    if (!p) {
      const out = path.join(this.opts.workDir, `zero-${len}.zst`);
      p = (async () => {
        await this.compressRange('/dev/zero', 0, len, out);
        try {
          return await fsp.readFile(out);
        } finally {
          await fsp.rm(out, { force: true });
        }
      })();
      p.catch(() => zeroFrames.delete(key));
      zeroFrames.set(key, p);
    }
    return p;
  }

  /** Compresses bytes [start, start+len) of `src` into one frame in `out`: libzstd in the
   *  addon (no copies, no process), else the zstd CLI fed through a pipe. Same bytes. */
  private async compressRange(src: string, start: number, len: number, out: string): Promise<void> {
    const native = this.opts.native === false ? null : loadNative();
    if (native?.zstdChunk && !this.noLib) {
      try {
        await this.compressNative(src, start, len, out, native.zstdChunk.bind(native));
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOZSTD') throw err;
        this.noLib = true;
      }
    }
    await this.compressCli(src, start, len, out);
  }

  private async compressNative(img: string, start: number, len: number, out: string, zstdChunk: NonNullable<NativeSparse['zstdChunk']>): Promise<void> {
    const c = { start, len };
    const src = await fsp.open(img, 'r');
    try {
      const dst = await fsp.open(out, 'w');
      try {
        await new Promise<number>((resolve, reject) =>
          zstdChunk(src.fd, c.start, c.len, dst.fd, this.opts.level, (err, n) => (err ? reject(err) : resolve(n))),
        );
      } finally {
        await dst.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOZSTD') throw err;
      throw buildError(`zstd failed to compress ${img} (bytes ${c.start}-${c.start + c.len - 1}): ${(err as Error).message}`, err);
    } finally {
      await src.close();
    }
  }

  private async compressCli(img: string, start: number, len: number, out: string): Promise<void> {
    const c = { start, len };
    const child = spawnTool('zstd', chunkZstdArgs(this.opts.level, c.len), { stdio: ['pipe', 'pipe', 'pipe'] }) as ChildProcessWithoutNullStreams;
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      if (stderr.length < STDERR_KEEP) stderr += s;
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>((resolve) => {
      child.once('error', (error: NodeJS.ErrnoException) => resolve({ code: null, signal: null, error }));
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
    const sink = fs.createWriteStream(out);
    const written = new Promise<void>((resolve, reject) => {
      sink.once('error', reject);
      sink.once('finish', resolve);
    });
    child.stdout.pipe(sink);
    const feed = (async () => {
      const fh = await fsp.open(img, 'r');
      const aborted = () => this.aborted;
      try {
        // A generator of the chunk's bytes, piped into zstd's stdin with backpressure.
        async function* bytes(): AsyncGenerator<Buffer> {
          for (let pos = 0; pos < c.len && !aborted(); ) {
            const buf = Buffer.allocUnsafe(Math.min(READ, c.len - pos));
            const { bytesRead } = await fh.read(buf, 0, buf.length, c.start + pos);
            if (bytesRead === 0) throw buildError(`the image ${img} ends before byte ${c.start + pos}`);
            pos += bytesRead;
            yield buf.subarray(0, bytesRead);
          }
        }
        await pipeline(bytes, child.stdin);
      } finally {
        await fh.close();
      }
    })();
    const [fed, exit] = await Promise.all([feed.then(() => undefined, (e: Error) => e), exited]);
    const wrote = await written.then(() => undefined, (e: Error) => e);
    const what = `compressing ${img} (bytes ${c.start}-${c.start + c.len - 1})`;
    const { error } = exit;
    if (error) throw spawnFailure('zstd', error, what);
    if (exit.signal && !this.aborted) throw toolFailure('zstd', { signal: exit.signal, stderr }, what);
    let problem: string | undefined;
    if (this.aborted) problem = 'zstd was stopped';
    else if (fed) problem = fed.message;
    else if (wrote) problem = `cannot write ${out}: ${wrote.message}`;
    else if (exit.code !== 0) throw toolFailure('zstd', { exitCode: exit.code, stderr }, what);
    if (problem !== undefined) throw toolFailed('zstd', `zstd failed to compress ${img} (bytes ${c.start}-${c.start + c.len - 1}): ${problem}`, fed ?? wrote);
  }

  /**
   * Once every writer of the image is done (and every track() returned): compresses the
   * chunks without a valid frame, `parallel` at a time, and writes the frames in order
   * to `out` as they become final. Returns its size and SHA-256.
   */
  async finish(out: string, onProgress?: (done: number, total: number) => void): Promise<{ size: number; sha256: string; frames: number; early: number; redone: number; zero: number }> {
    if (this.tracking > 0) throw internalError('ChunkedZstd.finish() while a log is still tracked');
    await Promise.all([...this.inflight]);
    if (this.failed) throw this.failed;
    const parallel = Math.max(1, this.opts.parallel ?? os.availableParallelism());
    try {
      await this.markHoles();
    } catch (err) {
      await this.closeImage();
      throw err;
    }
    const { ready, all } = this.compressPending(parallel);

    const hash = createHash('sha256');
    let size = 0;
    const fh = await fsp.open(out, 'w');
    // Consecutive zero frames, written in one go.
    const batch: Buffer[] = [];
    let batched = 0;
    const flush = async () => {
      if (batched === 0) return;
      await fh.write(batch.length === 1 ? batch[0]! : Buffer.concat(batch, batched));
      batch.length = 0;
      batched = 0;
    };
    try {
      const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
      for (let i = 0; i < this.chunks.length; i++) {
        await ready[i];
        if (this.failed) throw this.failed;
        const c = this.chunks[i]!;
        if (c.zero) {
          const frame = await this.zeroFrame(c.len);
          hash.update(frame);
          batch.push(frame);
          batched += frame.length;
          size += frame.length;
          if (batched >= ZERO_BATCH) await flush();
          onProgress?.(c.start + c.len, this.size);
          continue;
        }
        await flush();
        size += await this.appendFrame(i, fh, hash, buf);
        onProgress?.(c.start + c.len, this.size);
      }
      await flush();
      await all;
    } catch (err) {
      this.aborted = true;
      await Promise.allSettled([all, ...this.inflight]);
      await fh.close().catch(() => undefined);
      await fsp.rm(out, { force: true });
      await this.closeImage();
      throw err;
    }
    await fh.close();
    await this.closeImage();
    this.stats.zero = this.chunks.filter((c) => c.zero).length;
    return { size, sha256: hash.digest('hex'), frames: this.chunks.length, ...this.stats };
  }

  /** Compresses the chunks without a valid frame, `parallel` at a time: `ready[i]` settles
   *  when chunk i's frame is final (at once for chunks with one), `all` when the workers end. */
  private compressPending(parallel: number): { ready: Promise<void>[]; all: Promise<void> } {
    const todo = this.chunks.map((c, i) => (c.frameGen === c.gen ? -1 : i)).filter((i) => i >= 0);
    const ready: Promise<void>[] = this.chunks.map(() => Promise.resolve());
    const resolvers = new Map<number, () => void>();
    for (const i of todo) ready[i] = new Promise<void>((r) => resolvers.set(i, r));
    let next = 0;
    const workers = Array.from({ length: Math.min(parallel, todo.length) }, async () => {
      while (next < todo.length && !this.failed && !this.aborted) {
        const i = todo[next++]!;
        await this.start(i, false);
        resolvers.get(i)!();
      }
    });
    const all = Promise.all(workers).then(() => undefined).finally(() => {
      for (const r of resolvers.values()) r(); // after a failure: let the writer see it
    });
    return { ready, all };
  }

  /** Appends chunk i's frame file to `fh` (hashing it) and removes it; returns its size. */
  private async appendFrame(i: number, fh: fsp.FileHandle, hash: ReturnType<typeof createHash>, buf: Buffer): Promise<number> {
    let size = 0;
    const src = await fsp.open(this.frame(i), 'r');
    try {
      for (;;) {
        const { bytesRead } = await src.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        hash.update(buf.subarray(0, bytesRead));
        await fh.write(buf, 0, bytesRead);
        size += bytesRead;
      }
    } finally {
      await src.close();
    }
    await fsp.rm(this.frame(i), { force: true });
    return size;
  }

  /** Every chunk without a valid frame and without data (SEEK_DATA/SEEK_HOLE over the whole
   *  image, nothing read) gets the zero frame now; the writers are done. */
  private async markHoles(): Promise<void> {
    if (!this.chunks.some((c) => c.frameGen !== c.gen)) return;
    const fh = await (this.imgFh ??= fsp.open(this.img, 'r'));
    const data = await seekRanges(fh.fd, 0, this.size, this.opts.native === false ? { native: false } : {});
    if (data === null) return; // no addon: compress() reads each chunk for its zero check
    let r = 0;
    for (const c of this.chunks) {
      while (r < data.length && data[r]!.end <= c.start) r++;
      const hasData = r < data.length && data[r]!.start < c.start + c.len;
      if (hasData || c.frameGen === c.gen) continue;
      await this.zeroFrame(c.len);
      c.frameGen = c.gen;
      c.zero = true;
    }
  }

  private async closeImage(): Promise<void> {
    const p = this.imgFh;
    this.imgFh = undefined;
    await (await p?.catch(() => undefined))?.close().catch(() => undefined);
  }

  /** Stops everything (the build failed); frames are left for the caller's temp dir removal. */
  async abort(): Promise<void> {
    this.aborted = true;
    await Promise.allSettled([...this.inflight]);
    await this.closeImage();
  }
}
