/**
 * Decompressing a `.img.zst` into a sparse file (never a dense copy): runs of zeros
 * become holes.
 *
 *  - With the zstd CLI on PATH: the file is walked frame by frame (frame and block headers
 *    only, see zstdFrames). A frame whose bytes are those of a frame already found to hold
 *    only zeros (the first such frame is decompressed by `zstd -dc` and checked) is left a
 *    hole without decompressing it: imgsmith's .img.zst repeats one zero frame per 16 MiB
 *    of hole, so a 1 TiB image with little data costs its data, not 1 TiB of decoding. The
 *    other frames go, in order, through one `zstd -dc`, and their non-zero 4 KiB blocks are
 *    written where each frame's content belongs (every frame has its content size). Files
 *    whose frames do not all declare their content size: `zstd -d --sparse` (zstd writes
 *    zero runs as holes when the output is a file).
 *  - Without it (or IMGSMITH_ZSTD=js): in-process with fzstd, a streaming decoder; each
 *    decoded block (<= 128 KiB) has its non-zero 4 KiB blocks written, zero blocks are
 *    skipped, and the file is sized at the end. fzstd does not check the frame checksum:
 *    a corrupted (not truncated) file may decode to wrong bytes; `imgsmith verify` checks
 *    sha256 sums.
 *
 * IMGSMITH_ZSTD=cli forces the CLI (an error when it is missing).
 */
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Decompress } from 'fzstd';
import { buildError, usageError } from '../errors.ts';
import { isAllZero } from '../sparse.ts';

const BLOCK = 4096;
const READ_CHUNK = 1024 * 1024;

let cliPresent: boolean | undefined;

/** True when a working `zstd` is on PATH (cached). */
export async function zstdCliAvailable(): Promise<boolean> {
  if (cliPresent === undefined) {
    const r = await execa('zstd', ['--version'], { reject: false }).catch(() => undefined);
    cliPresent = r?.exitCode === 0;
  }
  return cliPresent;
}

/** Which decoder decompressSparse will use. */
export async function zstdDecoder(): Promise<'zstd-cli' | 'fzstd'> {
  const pref = process.env.IMGSMITH_ZSTD;
  if (pref === 'js') return 'fzstd';
  const cli = await zstdCliAvailable();
  if (pref === 'cli' && !cli) throw usageError('IMGSMITH_ZSTD=cli but no zstd command is installed');
  return cli ? 'zstd-cli' : 'fzstd';
}

/** Decompresses `src` (.zst) to the new file `dst` as a sparse file. Returns the decoder used. */
export async function decompressSparse(src: string, dst: string, display = src): Promise<'zstd-cli' | 'fzstd'> {
  const decoder = await zstdDecoder();
  if (decoder === 'zstd-cli') {
    if (await decodeSkippingZeroFrames(src, dst, display)) return decoder;
    const r = await execa('zstd', ['-d', '-q', '--sparse', '-f', '-o', dst, '--', src], { reject: false, stdin: 'ignore' });
    if (r.exitCode !== 0) {
      throw buildError(`${display}: cannot decompress: ${String(r.stderr || r.message || "").trim().replace(/^zstd: /, "")}`);
    }
    return decoder;
  }
  await decodeInProcess(src, dst, display);
  return decoder;
}

async function decodeInProcess(src: string, dst: string, display: string): Promise<void> {
  const out = fs.openSync(dst, 'w');
  let pos = 0;
  try {
    const dec = new Decompress((chunk) => {
      writeSparseSync(out, chunk, pos);
      pos += chunk.length;
    });
    const inp = await fs.promises.open(src, 'r');
    try {
      let any = false;
      for (;;) {
        // A fresh buffer each time: fzstd keeps references to the tail of a chunk it could not decode yet.
        const buf = Buffer.allocUnsafe(READ_CHUNK);
        const { bytesRead } = await inp.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        any = true;
        dec.push(buf.subarray(0, bytesRead));
      }
      if (!any) throw buildError(`${display}: cannot decompress: the file is empty`);
      dec.push(new Uint8Array(0), true);
    } catch (err) {
      if (err instanceof Error && 'code' in err && typeof (err as { code: unknown }).code === 'number') {
        const why = (err as { code: number }).code === 5 ? 'the file is truncated (unexpected end of the zstd data)' : `invalid zstd data (${err.message})`;
        throw buildError(`${display}: cannot decompress: ${why}`, err);
      }
      throw err;
    } finally {
      await inp.close();
    }
    fs.ftruncateSync(out, pos);
  } finally {
    fs.closeSync(out);
  }
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
// Frame by frame, zero frames skipped (see the module comment).

const FRAME_MAGIC = 0xfd2fb528;
/** Frames larger than this are never taken for zero frames (a 16 MiB zero frame is ~540 bytes). */
const ZERO_FRAME_MAX = 64 * 1024;

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

/** Walks the frames of a zstd file from their headers (RFC 8878), reading no block contents. */
export async function* zstdFrames(file: string, display = file): AsyncGenerator<FrameInfo> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const w = new Window(fh, size);
    const truncated = () => buildError(`${display}: cannot decompress: the file is truncated (unexpected end of the zstd data)`);
    const need = async (pos: number, n: number) => {
      const b = await w.get(pos, n);
      if (b.length < n) throw truncated();
      return b;
    };
    for (let pos = 0; pos < size; ) {
      const magic = (await need(pos, 4)).readUInt32LE(0);
      if ((magic & 0xfffffff0) === 0x184d2a50) {
        const len = 8 + (await need(pos + 4, 4)).readUInt32LE(0);
        if (pos + len > size) throw truncated();
        yield { offset: pos, length: len, contentSize: 0, skippable: true };
        pos += len;
        continue;
      }
      if (magic !== FRAME_MAGIC) throw buildError(`${display}: cannot decompress: invalid zstd data (no frame magic at byte ${pos})`);
      const d = (await need(pos + 4, 1))[0]!;
      const fcsFlag = d >> 6;
      const single = (d >> 5) & 1;
      const checksum = (d >> 2) & 1;
      const dictLen = [0, 1, 2, 4][d & 3]!;
      const fcsLen = fcsFlag === 0 ? single : [0, 2, 4, 8][fcsFlag]!;
      let p = pos + 5 + (single ? 0 : 1) + dictLen;
      let contentSize: number | undefined;
      if (fcsLen > 0) {
        const f = await need(p, fcsLen);
        contentSize = fcsLen === 1 ? f[0]! : fcsLen === 2 ? f.readUInt16LE(0) + 256 : fcsLen === 4 ? f.readUInt32LE(0) : Number(f.readBigUInt64LE(0));
      }
      p += fcsLen;
      for (;;) {
        const h = w.peek(p, 3) ?? (await need(p, 3));
        const v = h[0]! | (h[1]! << 8) | (h[2]! << 16);
        const type = (v >> 1) & 3;
        if (type === 3) throw buildError(`${display}: cannot decompress: invalid zstd data (reserved block type at byte ${p})`);
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

/** Runs `zstd -dc` on `input`; resolves with its output (small frames only). */
async function zstdDecodeSmall(input: Buffer, display: string): Promise<Buffer> {
  const r = await execa('zstd', ['-dc', '-q'], { input, encoding: 'buffer', reject: false, stripFinalNewline: false });
  if (r.exitCode !== 0) throw buildError(`${display}: cannot decompress: ${Buffer.from(r.stderr as Uint8Array).toString().trim().replace(/^zstd: /, '')}`);
  return Buffer.from(r.stdout as Uint8Array);
}

/**
 * The frame-by-frame decoder (see the module comment). false when a frame does not declare
 * its content size (nothing written: the caller decompresses the whole file instead).
 */
async function decodeSkippingZeroFrames(src: string, dst: string, display: string): Promise<boolean> {
  const frames: FrameInfo[] = [];
  for await (const f of zstdFrames(src, display)) {
    if (f.contentSize === undefined) return false;
    if (!f.skippable) frames.push(f);
  }
  if (frames.length === 0) throw buildError(`${display}: cannot decompress: the file is empty`);
  const fh = await fs.promises.open(src, 'r');
  const out = fs.openSync(dst, 'w');
  try {
    const w = new Window(fh, (await fh.stat()).size);
    /** Frames known to decode to zeros (a few: one per length); frames (latin1) known not to. */
    const zero: Buffer[] = [];
    const notZero = new Set<string>();
    /** Frames that need decoding: their output positions, in order. */
    const todo: { f: FrameInfo; at: number }[] = [];
    let at = 0;
    for (const f of frames) {
      let isZero = false;
      if (f.length <= ZERO_FRAME_MAX && f.contentSize! > 0) {
        const b = w.peek(f.offset, f.length) ?? (await w.get(f.offset, f.length));
        if (zero.some((z) => z.equals(b))) isZero = true;
        else if (f.contentSize! >= f.length * 64 && !notZero.has(b.toString('latin1'))) {
          // A small frame for a lot of content: decode it once and remember what it holds.
          const content = await zstdDecodeSmall(b, display);
          if (content.length !== f.contentSize) throw buildError(`${display}: cannot decompress: a frame at byte ${f.offset} holds ${content.length} bytes, its header says ${f.contentSize}`);
          isZero = isAllZero(content);
          if (isZero) zero.push(Buffer.from(b));
          else notZero.add(b.toString('latin1'));
        }
      }
      if (!isZero) todo.push({ f, at });
      at += f.contentSize!;
    }
    if (todo.length > 0) await decodeFrames(fh, todo, out, display);
    fs.ftruncateSync(out, at);
  } finally {
    fs.closeSync(out);
    await fh.close();
  }
  return true;
}

/** Feeds the frames in order to one `zstd -dc` and writes their contents sparsely where they belong. */
async function decodeFrames(fh: fs.promises.FileHandle, todo: { f: FrameInfo; at: number }[], out: number, display: string): Promise<void> {
  const child = spawn('zstd', ['-dc', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    if (stderr.length < 2048) stderr += s;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  child.stdin.on('error', () => undefined); // EPIPE when zstd stops early: its exit status says why
  const feed = (async () => {
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    try {
      for (const { f } of todo) {
        for (let p = f.offset; p < f.offset + f.length; ) {
          const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, f.offset + f.length - p), p);
          if (bytesRead === 0) throw buildError(`${display}: cannot decompress: the file is truncated`);
          p += bytesRead;
          // A fresh copy: the pipe may hold on to it.
          if (!child.stdin.write(Buffer.from(buf.subarray(0, bytesRead)))) {
            await new Promise<void>((r) => {
              child.stdin.once('drain', r);
              child.stdin.once('close', r);
            });
          }
          if (child.stdin.destroyed) return;
        }
      }
    } finally {
      child.stdin.end();
    }
  })();
  feed.catch(() => child.kill());
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
        if (!t) throw buildError(`${display}: cannot decompress: the frames hold more bytes than their headers say`);
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
  if (code !== 0) throw buildError(`${display}: cannot decompress: ${stderr.trim().split('\n')[0]?.replace(/^zstd: /, '') || `zstd exited with status ${code}`}`);
  const want = todo.reduce((n, t) => n + t.f.contentSize!, 0);
  if (produced !== want) throw buildError(`${display}: cannot decompress: the frames hold ${produced} bytes, their headers say ${want}`);
}
