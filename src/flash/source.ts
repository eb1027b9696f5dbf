/**
 * What `imgsmith flash` reads: the image, decompressed when it is compressed.
 *
 * The format is recognised by its magic bytes, never by its name: a gzip file named
 * `.img` is decompressed, and a file named `.gz` (`.xz`, `.bz2`, `.zst`, `.lz4`) that
 * is not that format is an error. The data is decompressed in a stream (gzip through
 * node:zlib; xz, bzip2 and lz4 through their CLIs with the file piped in; zstd through
 * ../inspect/zstd.ts) into a sparse temporary file under $TMPDIR: its all-zero blocks
 * stay holes, so only the data takes space and is written to the target. A truncated
 * or corrupt stream is an error before a byte reaches the target.
 *
 * The decompressed source must look like a disk image: an MBR signature (0x55AA at
 * byte 510), a GPT header ("EFI PART" at byte 512) or a known filesystem at byte 0
 * (ext4, btrfs, FAT, swap); anything else is refused unless `force`.
 */
import fs, { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { outcomeOf, startTool, toolFailure } from '../tools/run.ts';
import { inputError, usageError } from '../errors.ts';
import { makeTempDir, removeTempDir } from '../lifetime.ts';
import { writeNonZero } from '../sparse.ts';
import { readAt } from '../inspect/image.ts';
import { decompressSparse, zstdFrames } from '../inspect/zstd.ts';
import { detectFs } from '../inspect/probe.ts';
import { expandSparse } from '../codec/android-sparse.ts';

export type SourceFormat = 'raw' | 'gzip' | 'xz' | 'bzip2' | 'zstd' | 'lz4' | 'simg';

const MAGIC: [Exclude<SourceFormat, 'raw'>, Buffer, string][] = [
  ['gzip', Buffer.from([0x1f, 0x8b, 0x08]), '.gz'], // ID1 ID2 and CM = deflate, the only method gzip defines
  ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), '.xz'],
  ['bzip2', Buffer.from('BZh', 'latin1'), '.bz2'],
  ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), '.zst'],
  ['lz4', Buffer.from([0x04, 0x22, 0x4d, 0x18]), '.lz4'],
  ['simg', Buffer.from([0x3a, 0xff, 0x26, 0xed]), '.simg'], // Android sparse image (../codec/android-sparse.ts)
];

/** The CLI that decompresses each format to stdout (gzip and zstd are decoded without one). */
const CLI: Partial<Record<SourceFormat, readonly [string, ...string[]]>> = {
  xz: ['xz', '-dc'],
  bzip2: ['bzip2', '-dc'],
  lz4: ['lz4', '-dc'],
};

/** The compression format of a file from its first bytes. */
export function sniffFormat(head: Buffer): SourceFormat {
  // bzip2's "BZh" is followed by the block size digit 1-9.
  for (const [fmt, magic] of MAGIC) {
    if (head.length >= magic.length && head.subarray(0, magic.length).equals(magic) && (fmt !== 'bzip2' || (head[3]! >= 0x31 && head[3]! <= 0x39))) return fmt;
  }
  return 'raw';
}

export interface FlashSource {
  /** The raw image to write (the file itself, or the decompressed temporary file). */
  path: string;
  size: number;
  format: SourceFormat;
  /** Compressed bytes read (the file's size) when it was decompressed. */
  bytesIn?: number;
  close(): Promise<void>;
}

export interface SourceOptions {
  /** Accept a source that does not look like a disk image. */
  force?: boolean;
  /** Decompression progress: `done` of `total` (compressed bytes read; for zstd, the image's bytes
   *  written of its size, `total` 0 when the frames do not say), raw bytes produced. */
  onProgress?: (done: number, total: number, bytesOut: number) => void;
}

/** A Writable putting the stream's bytes in `fh` from offset 0, all-zero blocks left as holes. */
function sparseSink(fh: fsp.FileHandle, counter: { out: number }): Writable {
  return new Writable({
    highWaterMark: 4 * 1024 * 1024,
    write(chunk: Buffer, _enc, cb) {
      const at = counter.out;
      counter.out += chunk.length;
      writeNonZero(fh, chunk, at).then(() => cb(), cb);
    },
  });
}

/** Streams `file` through the decoder for `format` into the new sparse file `out`; returns the raw size. */
async function decompressTo(file: string, format: 'gzip' | 'xz' | 'bzip2' | 'lz4', out: string, opts: SourceOptions): Promise<number> {
  const total = (await fsp.stat(file)).size;
  const counter = { out: 0 };
  let bytesIn = 0;
  const fh = await fsp.open(out, 'w');
  // The stream is made, counted and piped with no await in between: a 'data' listener makes it flow,
  // and chunks read before the pipeline was attached would be lost (a small .xz then lost its header).
  const input = fs.createReadStream(file, { highWaterMark: 1024 * 1024 });
  input.on('data', (c) => {
    bytesIn += c.length;
    opts.onProgress?.(bytesIn, total, counter.out);
  });
  try {
    const cli = CLI[format];
    if (!cli) {
      await pipeline(input, createGunzip(), sparseSink(fh, counter)).catch((err: Error) => {
        throw inputError(`${file}: the gzip data is truncated or corrupt (${err.message}); nothing was written to the target`, err);
      });
    } else {
      const [cmd, ...args] = cli;
      const child = startTool(cmd, args, { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', buffer: { stdout: false, stderr: true } });
      // The tool may stop reading early (corrupt data): its exit status says why, not the EPIPE.
      const feed = pipeline(input, child.stdin).catch(() => undefined);
      const [r] = await Promise.all([child, pipeline(child.stdout, sparseSink(fh, counter)), feed]);
      if (r.code || r.signal) throw toolFailure(cmd, outcomeOf(r), `${file} is ${format} data`);
      if (r.exitCode !== 0) {
        const why = String(r.stderr ?? '').trim().split('\n')[0]?.replace(new RegExp(`^${cmd}: (\\(stdin\\): )?`), '').replace(/[;:\s]+$/, '') || `${cmd} exited with ${r.exitCode ?? r.signal}`;
        throw inputError(`${file}: the ${format} data is truncated or corrupt (${why}); nothing was written to the target`);
      }
    }
    await fh.truncate(counter.out);
    opts.onProgress?.(total, total, counter.out);
    return counter.out;
  } finally {
    input.destroy();
    await fh.close();
  }
}

/** The size of the image in a .zst: the frames' content sizes added up (undefined when a frame does not say). */
async function zstdContentSize(file: string): Promise<number | undefined> {
  let total = 0;
  for await (const f of zstdFrames(file)) {
    if (f.skippable) continue;
    if (f.contentSize === undefined) return undefined;
    total += f.contentSize;
  }
  return total;
}

/**
 * Decompresses zstd data into a sparse temporary file (../inspect/zstd.ts, the decoder the
 * read-side commands use); its progress is the output file's size, looked at 5 times a second.
 */
async function decompressZstd(file: string, opts: SourceOptions): Promise<FlashSource> {
  const total = await zstdContentSize(file);
  const dir = await makeTempDir(os.tmpdir(), 'imgsmith-flash-');
  const raw = path.join(dir, 'image.img');
  const look = () => fs.stat(raw, (err, st) => err || opts.onProgress?.(st.size, total ?? 0, st.size));
  const timer = opts.onProgress ? setInterval(look, 200).unref() : undefined;
  try {
    await decompressSparse(file, raw, file);
    const size = (await fsp.stat(raw)).size;
    opts.onProgress?.(size, size, size);
    return { path: raw, size, format: 'zstd', bytesIn: (await fsp.stat(file)).size, close: () => removeTempDir(dir) };
  } catch (err) {
    await removeTempDir(dir);
    throw err;
  } finally {
    clearInterval(timer);
  }
}

/** Expands an Android sparse image into a sparse temporary file (DONT_CARE blocks and zero FILLs stay holes). */
async function expandSimg(file: string, opts: SourceOptions): Promise<FlashSource> {
  const dir = await makeTempDir(os.tmpdir(), 'imgsmith-flash-');
  try {
    const raw = path.join(dir, 'image.img');
    const src = await fsp.open(file, 'r');
    const dst = await fsp.open(raw, 'w');
    try {
      await expandSparse(src, dst, file, { fresh: true });
    } finally {
      await src.close();
      await dst.close();
    }
    const size = (await fsp.stat(raw)).size;
    const bytesIn = (await fsp.stat(file)).size;
    opts.onProgress?.(bytesIn, bytesIn, size);
    return { path: raw, size, format: 'simg', bytesIn, close: () => removeTempDir(dir) };
  } catch (err) {
    await removeTempDir(dir);
    throw err;
  }
}

/** Why the raw source is not a disk image, or undefined when it looks like one. */
async function notAnImage(file: string, size: number): Promise<string | undefined> {
  if (size === 0) return 'it is empty';
  const head = await readAt(file, 0, 1024);
  if (head[510] === 0x55 && head[511] === 0xaa) return undefined;
  if (head.toString('latin1', 512, 520) === 'EFI PART') return undefined;
  if (await detectFs(file, 0, size)) return undefined;
  return 'it has no partition table (no MBR signature, no GPT header) and no known filesystem at its start';
}

/** Opens `file` for flashing (see the module comment); close() removes any temporary file. */
export async function openFlashSource(file: string, opts: SourceOptions = {}): Promise<FlashSource> {
  const head = await readAt(file, 0, 8).catch((err: Error) => {
    throw usageError(`${file}: cannot read: ${err.message}`);
  });
  const format = sniffFormat(head);
  const named = MAGIC.find(([, , ext]) => file.toLowerCase().endsWith(ext));
  if (named && named[0] !== format) throw inputError(`${file} is named like ${named[0]} data, but it is not (no ${named[0]} magic number at its start)`);
  let src: FlashSource;
  if (format === 'raw') {
    src = { path: file, size: (await fsp.stat(file)).size, format, close: async () => undefined };
  } else if (format === 'zstd') {
    src = await decompressZstd(file, opts);
  } else if (format === 'simg') {
    src = await expandSimg(file, opts);
  } else {
    const dir = await makeTempDir(os.tmpdir(), 'imgsmith-flash-');
    try {
      const raw = path.join(dir, 'image.img');
      const size = await decompressTo(file, format, raw, opts);
      src = { path: raw, size, format, bytesIn: (await fsp.stat(file)).size, close: () => removeTempDir(dir) };
    } catch (err) {
      await removeTempDir(dir);
      throw err;
    }
  }
  if (!opts.force) {
    const why = await notAnImage(src.path, src.size);
    if (why) {
      await src.close();
      throw inputError(`${file} does not look like a disk image${format === 'raw' ? '' : ` (after ${format} decompression)`}: ${why}; pass --force to write it anyway`);
    }
  }
  return src;
}
