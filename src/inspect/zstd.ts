/**
 * Decompressing a `.img.zst` into a sparse file (never a dense copy): runs of zeros
 * become holes.
 *
 *  - With the zstd CLI on PATH: `zstd -d --sparse` (zstd writes zero runs as holes when
 *    the output is a file).
 *  - Without it (or IMGSMITH_ZSTD=js): in-process with fzstd, a streaming decoder; each
 *    decoded block (<= 128 KiB) has its non-zero 4 KiB blocks written, zero blocks are
 *    skipped, and the file is sized at the end. fzstd does not check the frame checksum:
 *    a corrupted (not truncated) file may decode to wrong bytes; `imgsmith verify` checks
 *    sha256 sums.
 *
 * IMGSMITH_ZSTD=cli forces the CLI (an error when it is missing).
 */
import { execa } from 'execa';
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
