/**
 * Decompressing a `.img.zst` into a sparse file (never a dense copy): runs of zeros
 * become holes. Every decoder checks each frame's XXH64 content checksum (when the frame
 * has one; imgsmith's frames do) and stops at the first corrupt frame with one error naming
 * the file and the frame's byte offset; nothing decoded is kept (the caller's temp dir goes).
 *
 * The file is first walked frame by frame from the frame and block headers only (zstdFrames,
 * bounded: content sizes, block sizes, skippable frames, the number of frames). When every
 * frame declares its content size, a frame whose bytes are those of a frame already found to
 * hold only zeros is left a hole without decoding it: imgsmith's .img.zst repeats one zero
 * frame per 16 MiB of hole, so a 1 TiB image with little data costs its data, not 1 TiB of
 * decoding. The other frames are decoded in order and their non-zero 4 KiB blocks written
 * where each frame's content belongs.
 *
 * Decoders, fastest first (IMGSMITH_ZSTD=cli or js forces one; `inspect --json` says which):
 *  - `libzstd`, in-process through the native addon, when it is built;
 *  - `zstd-cli` when `zstd` is on PATH: the frames to decode go through one
 *    `zstd -dc`; when a frame lacks its content size, `zstd -d --sparse` on the whole file.
 *    On failure, the failing frame is found by `zstd -t` on the frames where output stopped.
 *  - after the CLI, in-process: Node's own zstd (Node >= 22.15), else zstd-codec (WebAssembly).
 *    In-process decoders (./zstd-engines.ts) are fed slices small enough that one decodes to at
 *    most ~16 MiB whatever the ratio, and the event loop gets a turn every ~20 ms, so a signal
 *    or the loss of the parent process stops a zero bomb within a fraction of a second.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { checkResult, findTool, runTool, spawnFailure, spawnTool, startTool } from '../tools/run.ts';
import { envValue } from '../settings.ts';
import fs from 'node:fs';
import { DataError, ImgsmithError, inputError, usageError } from '../errors.ts';
import { isAllZero } from '../sparse.ts';
import { frameEngine, frameEngineName, type EngineName, type FrameEngine } from './zstd-engines.ts';

const BLOCK = 4096;
const READ_CHUNK = 1024 * 1024;

/** Which decoder read a .img.zst: the zstd CLI or an in-process one. */
export type Decompressor = 'zstd-cli' | EngineName;

let cliPresent: boolean | undefined;

/** True when a working `zstd` is on PATH (cached). */
export async function zstdCliAvailable(): Promise<boolean> {
  if (cliPresent === undefined) {
    const r = findTool('zstd') ? await runTool('zstd', ['--version'], { check: false }).catch(() => undefined) : undefined;
    cliPresent = r?.exitCode === 0;
  }
  return cliPresent;
}

/**
 * Which decoder decompressSparse will use, fastest first (bench/zstd-decoders.ts): libzstd
 * through the addon, the zstd CLI, Node's zstd, zstd-codec. IMGSMITH_ZSTD=js: in-process
 * only; =cli: the CLI only.
 */
export async function zstdDecoder(): Promise<Decompressor> {
  const pref = envValue('IMGSMITH_ZSTD');
  const inProcess = frameEngineName();
  if (pref === 'js' || (pref !== 'cli' && inProcess === 'libzstd')) return inProcess;
  const cli = await zstdCliAvailable();
  if (pref === 'cli' && !cli) throw usageError('IMGSMITH_ZSTD=cli but no zstd command is installed');
  return cli ? 'zstd-cli' : inProcess;
}

/** Decompresses `src` (.zst) to the new file `dst` as a sparse file. Returns the decoder used. */
export async function decompressSparse(src: string, dst: string, display = src): Promise<Decompressor> {
  const decoder = await zstdDecoder();
  const frames = await listFrames(src, display);
  const dec: FrameDecoder = decoder === 'zstd-cli' ? cliDecoder : await inProcessDecoder();
  try {
    if (frames.every((f) => f.contentSize !== undefined)) await decodeSkippingZeroFrames(src, dst, frames, dec, display);
    else await dec.decodeAll(src, dst, frames, display);
  } finally {
    dec.free();
  }
  return decoder;
}

/** Writes the non-zero 4 KiB blocks (aligned to file offsets) of `chunk` at `pos`. */
function writeSparseSync(fd: number, chunk: Uint8Array, pos: number): void {
  const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let runStart = -1;
  let off = 0;
  while (off < b.length) {
    const len = Math.min(b.length - off, BLOCK - ((pos + off) % BLOCK));
    const zero = isAllZero(b.subarray(off, off + len));
    if (!zero && runStart < 0) runStart = off;
    if (zero && runStart >= 0) {
      writeAll(fd, b.subarray(runStart, off), pos + runStart);
      runStart = -1;
    }
    off += len;
  }
  if (runStart >= 0) writeAll(fd, b.subarray(runStart), pos + runStart);
}

function writeAll(fd: number, b: Buffer, at: number): void {
  for (let done = 0; done < b.length; ) done += fs.writeSync(fd, b, done, b.length - done, at + done);
}

// ---------------------------------------------------------------------------
// The frames of a file (see the module comment).

const FRAME_MAGIC = 0xfd2fb528;
/** Frames larger than this are never taken for zero frames (a 16 MiB zero frame is ~540 bytes). */
const ZERO_FRAME_MAX = 64 * 1024;
/** Nor are frames whose content is larger than this (decoded by zstdIsZeroFrame). */
const ZERO_CONTENT_MAX = 64 * 1024 * 1024;
/** The largest block (RFC 8878: Block_Maximum_Size, 128 KiB, also for RLE blocks). */
const BLOCK_MAX = 128 * 1024;
/** At most this many frames (imgsmith writes one per 16 MiB: 8 TiB). */
export const MAX_FRAMES = 512 * 1024;
/** At most this many decompressed bytes in all (a sparse file; 2^53 - 1 is what a JS number counts). */
const MAX_CONTENT = Number.MAX_SAFE_INTEGER;

/** A zstd frame in the file: where it is, its length and its content size (undefined: unknown; skippable frames: 0). */
export interface FrameInfo {
  offset: number;
  length: number;
  contentSize: number | undefined;
  skippable: boolean;
}

/** Reads a file through a window, for header parsing. */
class Window {
  private buf = Buffer.alloc(0);
  private at = 0;
  constructor(private readonly fh: fs.promises.FileHandle, readonly size: number) {}
  /** Bytes [pos, pos+n) when the window holds them (no await: a frame has many blocks). */
  peek(pos: number, n: number): Buffer | undefined {
    return pos >= this.at && pos + n <= this.at + this.buf.length ? this.buf.subarray(pos - this.at, pos - this.at + n) : undefined;
  }
  /** Bytes [pos, pos+n) (n <= 1 MiB); fewer only at the end of the file. */
  async get(pos: number, n: number): Promise<Buffer> {
    if (pos < this.at || pos + n > this.at + this.buf.length) {
      const want = Math.max(n, READ_CHUNK);
      const b = Buffer.allocUnsafe(Math.min(want, Math.max(0, this.size - pos)));
      const { bytesRead } = await this.fh.read(b, 0, b.length, pos);
      this.buf = b.subarray(0, bytesRead);
      this.at = pos;
    }
    return this.buf.subarray(pos - this.at, pos - this.at + n);
  }
}

const invalid = (display: string, why: string) => inputError(`${display}: cannot decompress: invalid zstd data (${why})`);

/** The frame header at `pos` (after the magic): [content size, offset of the first block header, checksum flag]. */
async function frameHeader(pos: number, need: (p: number, n: number) => Promise<Buffer>, display: string): Promise<[number | undefined, number, boolean]> {
  const d = (await need(pos + 4, 1))[0]!;
  if (d & 0x08) throw invalid(display, `reserved bit set in the frame header at byte ${pos}`);
  const fcsFlag = d >> 6;
  const single = (d >> 5) & 1;
  const dictLen = [0, 1, 2, 4][d & 3]!;
  const fcsLen = fcsFlag === 0 ? single : [0, 2, 4, 8][fcsFlag]!;
  const p = pos + 5 + (single ? 0 : 1) + dictLen;
  let contentSize: number | undefined;
  if (fcsLen > 0) {
    const f = await need(p, fcsLen);
    const big = fcsLen === 1 ? BigInt(f[0]!) : fcsLen === 2 ? BigInt(f.readUInt16LE(0) + 256) : fcsLen === 4 ? BigInt(f.readUInt32LE(0)) : f.readBigUInt64LE(0);
    if (big > BigInt(MAX_CONTENT)) throw invalid(display, `the frame at byte ${pos} claims ${big} bytes of content, more than ${MAX_CONTENT}`);
    contentSize = Number(big);
  }
  return [contentSize, p + fcsLen, ((d >> 2) & 1) === 1];
}

/** Walks the frames of a zstd file from their headers (RFC 8878), reading no block contents. */
export async function* zstdFrames(file: string, display = file): AsyncGenerator<FrameInfo> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const w = new Window(fh, size);
    const truncated = () => inputError(`${display}: cannot decompress: the file is truncated (unexpected end of the zstd data)`);
    const need = async (pos: number, n: number) => {
      const b = await w.get(pos, n);
      if (b.length < n) throw truncated();
      return b;
    };
    for (let pos = 0; pos < size; ) {
      const magic = (await need(pos, 4)).readUInt32LE(0);
      if ((magic & 0xfffffff0) === 0x184d2a50) {
        const len = 8 + (await need(pos + 4, 4)).readUInt32LE(0);
        if (pos + len > size) throw inputError(`${display}: cannot decompress: the skippable frame at byte ${pos} claims ${len - 8} bytes, past the end of the file (${size} bytes): truncated or corrupt`);
        yield { offset: pos, length: len, contentSize: 0, skippable: true };
        pos += len;
        continue;
      }
      if (magic !== FRAME_MAGIC) throw invalid(display, `no frame magic at byte ${pos}`);
      const [contentSize, first, checksum] = await frameHeader(pos, need, display);
      let p = first;
      for (;;) {
        const h = w.peek(p, 3) ?? (await need(p, 3));
        const v = h[0]! | (h[1]! << 8) | (h[2]! << 16);
        const type = (v >> 1) & 3;
        if (type === 3) throw invalid(display, `reserved block type at byte ${p}`);
        if (v >>> 3 > BLOCK_MAX) throw invalid(display, `a block at byte ${p} claims ${v >>> 3} bytes, more than the ${BLOCK_MAX} a block may hold`);
        p += 3 + (type === 1 ? 1 : v >>> 3);
        if (p > size) throw truncated();
        if (v & 1) break;
      }
      p += checksum ? 4 : 0;
      if (p > size) throw truncated();
      yield { offset: pos, length: p - pos, contentSize, skippable: false };
      pos = p;
    }
  } finally {
    await fh.close();
  }
}

/** All the frames of `src`, bounded in number and total content size; at least one frame with data. */
async function listFrames(src: string, display: string): Promise<FrameInfo[]> {
  const frames: FrameInfo[] = [];
  let total = 0;
  for await (const f of zstdFrames(src, display)) {
    if (frames.length >= MAX_FRAMES) throw inputError(`${display}: cannot decompress: more than ${MAX_FRAMES} zstd frames`);
    total += f.contentSize ?? 0;
    if (total > MAX_CONTENT) throw invalid(display, `the frames claim more than ${MAX_CONTENT} bytes of content`);
    frames.push(f);
  }
  if (!frames.some((f) => !f.skippable)) throw inputError(`${display}: cannot decompress: the file is empty`);
  return frames;
}

const corruptFrame = (display: string, f: FrameInfo, why: string) =>
  inputError(`${display}: cannot decompress: the zstd frame at byte ${f.offset} is corrupt: ${why}`);
const sizeMismatch = (display: string, f: FrameInfo, got: number) =>
  corruptFrame(display, f, `it holds ${got} bytes, its header says ${f.contentSize}`);

/** A frame and where its content goes in the output. */
interface Placed {
  f: FrameInfo;
  at: number;
}

/** What decodeSkippingZeroFrames needs from a decoder. */
interface FrameDecoder {
  /** Whether the frame `f` (content size known, <= ZERO_CONTENT_MAX, bytes `b`) holds only zeros. */
  isZeroFrame(fh: fs.promises.FileHandle, f: FrameInfo, b: Buffer, display: string): Promise<boolean>;
  /** Decodes the frames in order, writing the non-zero blocks of each where it belongs. */
  decodeFrames(fh: fs.promises.FileHandle, todo: Placed[], out: number, display: string): Promise<void>;
  /** Decodes the whole file (some frame does not declare its content size) into the new file dst. */
  decodeAll(src: string, dst: string, frames: FrameInfo[], display: string): Promise<void>;
  free(): void;
}

/** Decodes the frames into dst, frames identical to a known zero frame left as holes (see the module comment). */
async function decodeSkippingZeroFrames(src: string, dst: string, all: FrameInfo[], dec: FrameDecoder, display: string): Promise<void> {
  const frames = all.filter((f) => !f.skippable);
  const fh = await fs.promises.open(src, 'r');
  const out = fs.openSync(dst, 'w');
  try {
    const w = new Window(fh, (await fh.stat()).size);
    /** Frames known to decode to zeros (a few: one per length); frames (latin1) known not to. */
    const zero: Buffer[] = [];
    const notZero = new Set<string>();
    /** Frames that need decoding: their output positions, in order. */
    const todo: Placed[] = [];
    let at = 0;
    for (const f of frames) {
      let isZero = false;
      if (f.length <= ZERO_FRAME_MAX && f.contentSize! > 0 && f.contentSize! <= ZERO_CONTENT_MAX) {
        const b = w.peek(f.offset, f.length) ?? (await w.get(f.offset, f.length));
        if (zero.some((z) => z.equals(b))) isZero = true;
        else if (f.contentSize! >= f.length * 64 && !notZero.has(b.toString('latin1'))) {
          // A small frame for a lot of content: decode it once and remember what it holds.
          isZero = await dec.isZeroFrame(fh, f, b, display);
          if (isZero) zero.push(Buffer.from(b));
          else notZero.add(b.toString('latin1'));
        }
      }
      if (!isZero) todo.push({ f, at });
      at += f.contentSize!;
    }
    if (todo.length > 0) await dec.decodeFrames(fh, todo, out, display);
    fs.ftruncateSync(out, at);
  } finally {
    fs.closeSync(out);
    await fh.close();
  }
}

// ---------------------------------------------------------------------------
// The zstd CLI

/** Runs `zstd -dc` on one small frame's bytes and reads its output as it comes, keeping none of it:
 *  whether every byte is zero. zstd is stopped past the frame's content size; a content size other
 *  than the header's, like corrupt data, is one error naming the frame (as decodeFrame's). A corrupt
 *  frame's output is never buffered: not to hold it, nor to format it into an error. */
async function zstdIsZeroFrame(input: Buffer, display: string, f: FrameInfo): Promise<boolean> {
  const sub = startTool('zstd', ['-dc', '-q'], { input, encoding: 'buffer', buffer: { stdout: false }, stripFinalNewline: false });
  let size = 0;
  let zero = true;
  sub.stdout!.on('data', (c: Buffer) => {
    size += c.length;
    zero &&= isAllZero(c);
    if (size > f.contentSize!) sub.kill();
  });
  const r = await sub;
  if (size > f.contentSize!) throw sizeMismatch(display, f, size);
  checkResult('zstd', r, { check: false });
  if (r.exitCode !== 0) throw corruptFrame(display, f, zstdWhy(Buffer.from(r.stderr as Uint8Array).toString(), r.exitCode));
  if (size !== f.contentSize) throw sizeMismatch(display, f, size);
  return zero;
}

/** The first line of zstd's stderr, without its prefixes. */
function zstdWhy(stderr: string, code: number | null | undefined): string {
  const line = stderr.trim().split('\n')[0]?.replace(/^zstd: /, '').replace(/^\/\*stdin\*\\ ?: ?/, '').replace(/^Decoding error \(\d+\) : /, '').trim();
  return line || `zstd exited with status ${code}`;
}

/** Runs `zstd <args>` fed the bytes of `frames` on stdin (its stdout a pipe, stderr kept: 2 KiB). */
function zstdFed(args: string[], fh: fs.promises.FileHandle, frames: FrameInfo[], display: string) {
  const child = spawnTool('zstd', args, { stdio: ['pipe', 'pipe', 'pipe'] }) as ChildProcessWithoutNullStreams;
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    if (stderr.length < 2048) stderr += s;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) => reject(spawnFailure('zstd', e)));
    child.once('close', (code) => resolve(code));
  });
  child.stdin.on('error', () => undefined); // EPIPE when zstd stops early: its exit status says why
  const feed = feedFrames(fh, frames, child.stdin, display);
  feed.catch(() => child.kill());
  return { child, exited, feed, stderr: () => stderr };
}

/** `zstd -t` on one frame's bytes: undefined when it is sound, else why not. */
async function testFrameCli(fh: fs.promises.FileHandle, f: FrameInfo): Promise<string | undefined> {
  const z = zstdFed(['-t', '-q'], fh, [f], '');
  z.child.stdout.resume();
  const code = await z.exited;
  await z.feed.catch(() => undefined);
  return code === 0 ? undefined : zstdWhy(z.stderr(), code);
}

/** Writes the bytes of `frames` in order to `sink` (a child's stdin), then ends it. */
async function feedFrames(fh: fs.promises.FileHandle, frames: FrameInfo[], sink: NodeJS.WritableStream & { destroyed: boolean }, display: string): Promise<void> {
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  try {
    for (const f of frames) {
      for (let p = f.offset; p < f.offset + f.length; ) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, f.offset + f.length - p), p);
        if (bytesRead === 0) throw inputError(`${display}: cannot decompress: the file is truncated`);
        p += bytesRead;
        // A fresh copy: the pipe may hold on to it.
        if (!sink.write(Buffer.from(buf.subarray(0, bytesRead)))) {
          await new Promise<void>((r) => {
            const done = () => {
              sink.off('drain', done);
              sink.off('close', done);
              r();
            };
            sink.on('drain', done);
            sink.on('close', done);
          });
        }
        if (sink.destroyed) return;
      }
    }
  } finally {
    sink.end();
  }
}

/**
 * Why `zstd` failed on the frames `list` (in order), naming the failing frame: the first one
 * (from where the output stopped, `produced` bytes into the list's content) that `zstd -t`
 * rejects. A few frames are tested at most; `fallback` when none of them fails.
 */
async function cliFailure(fh: fs.promises.FileHandle, list: FrameInfo[], produced: number, fallback: string, display: string): Promise<Error> {
  let i = 0;
  for (let end = 0; i < list.length; i++) {
    end += list[i]!.contentSize ?? Infinity;
    if (end >= produced) break;
  }
  for (const f of list.slice(i, i + 3)) {
    const why = await testFrameCli(fh, f);
    if (why !== undefined) return corruptFrame(display, f, why);
  }
  return inputError(`${display}: cannot decompress: ${fallback}`);
}

const cliDecoder: FrameDecoder = {
  isZeroFrame: (_fh, f, b, display) => zstdIsZeroFrame(b, display, f),
  decodeFrames: decodeFramesCli,
  async decodeAll(src, dst, frames, display) {
    const r = await runTool('zstd', ['-d', '-q', '--sparse', '-f', '-o', dst, '--', src], { check: false });
    if (r.exitCode === 0) return;
    const fh = await fs.promises.open(src, 'r');
    try {
      // No content sizes to tell where the output stopped: test the frames from the start.
      const list = frames.filter((f) => !f.skippable);
      for (const f of list) {
        const why = await testFrameCli(fh, f);
        if (why !== undefined) throw corruptFrame(display, f, why);
      }
    } finally {
      await fh.close();
    }
    throw inputError(`${display}: cannot decompress: ${zstdWhy(String(r.stderr || r.message || ''), r.exitCode)}`);
  },
  free: () => undefined,
};

/** Feeds the frames in order to one `zstd -dc` and writes their contents sparsely where they belong. */
async function decodeFramesCli(fh: fs.promises.FileHandle, todo: Placed[], out: number, display: string): Promise<void> {
  const { child, exited, feed, stderr } = zstdFed(['-dc', '-q'], fh, todo.map((t) => t.f), display);
  let i = 0;
  let within = 0; // bytes of todo[i]'s content written so far
  let produced = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let off = 0;
      while (off < chunk.length) {
        while (todo[i] && todo[i]!.f.contentSize === within) {
          i++;
          within = 0;
        }
        const t = todo[i];
        if (!t) throw inputError(`${display}: cannot decompress: the frames hold more bytes than their headers say`);
        const n = Math.min(chunk.length - off, t.f.contentSize! - within);
        writeSparseSync(out, chunk.subarray(off, off + n), t.at + within);
        off += n;
        within += n;
        produced += n;
      }
    }
  } catch (err) {
    child.kill();
    await Promise.allSettled([exited, feed]);
    throw err;
  }
  const code = await exited;
  await feed;
  const list = todo.map((t) => t.f);
  if (code !== 0) throw await cliFailure(fh, list, produced, zstdWhy(stderr(), code), display);
  const want = todo.reduce((n, t) => n + t.f.contentSize!, 0);
  if (produced !== want) throw await cliFailure(fh, list, produced, `the frames hold ${produced} bytes, their headers say ${want}`, display);
}

// ---------------------------------------------------------------------------
// In-process (./zstd-engines.ts), in bounded slices

/** The smallest and largest slice of compressed bytes fed at once. */
const MIN_STEP = 512;
const MAX_STEP = 256 * 1024;
/** Aim for at most this much output per slice (a 4-byte RLE block is 128 KiB: 512 bytes <= 16 MiB). */
const SLICE_OUT = 8 * 1024 * 1024;
/** Let the event loop run (signals, the parent watch) at least this often (ms). */
const YIELD_MS = 20;

let lastYield = 0;
async function breathe(): Promise<void> {
  const now = Date.now();
  if (now - lastYield < YIELD_MS) return;
  await new Promise<void>((r) => setImmediate(r));
  lastYield = Date.now();
}

/**
 * Decodes the frame `f` of `fh` with `eng`, calling onOut(bytes, offset in the frame's
 * content) for each piece. Returns the content size. Corrupt data, a checksum mismatch or a
 * content size other than the header's: one error naming the frame.
 */
async function decodeFrame(fh: fs.promises.FileHandle, eng: FrameEngine, f: FrameInfo, display: string, onOut: (b: Buffer, at: number) => void): Promise<number> {
  eng.begin();
  let produced = 0;
  let step = MIN_STEP;
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  const sink = (b: Buffer) => {
    if (f.contentSize !== undefined && produced + b.length > f.contentSize) throw sizeMismatch(display, f, produced + b.length);
    onOut(b, produced);
    produced += b.length;
  };
  for (let p = f.offset; p < f.offset + f.length; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, f.offset + f.length - p), p);
    if (bytesRead === 0) throw inputError(`${display}: cannot decompress: the file is truncated (unexpected end of the zstd data)`);
    for (let i = 0; i < bytesRead; ) {
      const n = Math.min(step, bytesRead - i);
      const before = produced;
      try {
        await eng.push(buf.subarray(i, i + n), sink);
      } catch (err) {
        throw err instanceof DataError || (err instanceof Error && !(err instanceof ImgsmithError)) ? corruptFrame(display, f, err.message) : err;
      }
      i += n;
      // Very compressible data (zeros): smaller slices, so that none decodes for long.
      step = Math.max(MIN_STEP, Math.min(MAX_STEP, Math.floor(SLICE_OUT / Math.max(1, (produced - before) / n))));
      await breathe();
    }
    p += bytesRead;
  }
  if (eng.complete() === false) throw corruptFrame(display, f, 'it ends before its last block');
  if (f.contentSize !== undefined && produced !== f.contentSize) throw sizeMismatch(display, f, produced);
  return produced;
}

async function inProcessDecoder(): Promise<FrameDecoder> {
  const eng = await frameEngine();
  return {
    async isZeroFrame(fh, f, _b, display) {
      let zero = true;
      await decodeFrame(fh, eng, f, display, (b) => {
        zero &&= isAllZero(b);
      });
      return zero;
    },
    async decodeFrames(fh, todo, out, display) {
      for (const t of todo) await decodeFrame(fh, eng, t.f, display, (b, at) => writeSparseSync(out, b, t.at + at));
    },
    async decodeAll(src, dst, frames, display) {
      const fh = await fs.promises.open(src, 'r');
      const out = fs.openSync(dst, 'w');
      try {
        let pos = 0;
        for (const f of frames) {
          if (!f.skippable) pos += await decodeFrame(fh, eng, f, display, (b, at) => writeSparseSync(out, b, pos + at));
        }
        fs.ftruncateSync(out, pos);
      } finally {
        fs.closeSync(out);
        await fh.close();
      }
    },
    free: () => eng.free(),
  };
}
