/**
 * Packaging a finished image: its SHA-256, its bmap (ranges and per-range
 * SHA-256) and its zstd compression, with each byte's work done once.
 *
 * One pass (scan.ts) reads the image's data extents once, in order; holes are
 * hashed from a shared zero buffer, not read. The bytes feed the image hash
 * and the bmap ranges. zstd reads the same file at the same time (the pages
 * are in the page cache, just written), because only from a file does it write
 * the frame `zstd img` writes (see compress.ts); its stdout is hashed as it is
 * written. Nothing reads the image in a second pass, or the .img.zst at all.
 * Memory stays flat: two read buffers, a zero buffer and zstd's output buffer.
 */
import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { buildError, ImgsmithError } from '../errors.ts';
import { BmapRanges, writeBmap, type BmapInfo } from './bmap.ts';
import { startZstd, type ZstdRun } from './compress.ts';
import { scanImage } from './scan.ts';
import { HashWorker } from './hash-worker.ts';
import type { ChunkedZstd } from './chunked.ts';

export interface PackageOptions {
  /** Write the image's bmap (bmaptool format) to this path. */
  bmap?: string;
  /** Compress the image with zstd into `out` (replaced if it exists): one frame. */
  zstd?: { out: string; level: number };
  /** Or: finish a chunked compression (one frame per chunk, see chunked.ts) into `out`. */
  chunked?: { zstd: ChunkedZstd; out: string };
  /** Progress in bytes of the image: the slower of the hashing pass and zstd. */
  onProgress?: (done: number, total: number) => void;
  /** false: the JavaScript scan (reads everything, maps non-zero blocks) even with the addon. */
  native?: boolean;
}

export interface PackageResult {
  /** The image's size and SHA-256 (hex). */
  size: number;
  sha256: string;
  /** The bmap's details and the SHA-256 of the bmap file. */
  bmap?: BmapInfo & { sha256: string };
  /** Size and SHA-256 of the .zst. */
  compressed?: { size: number; sha256: string };
}

/** Hash in slices of this size, letting zstd's output flow in between. */
const SLICE = 256 * 1024;
const PROGRESS_POLL_MS = 200;

/** A chunked compression seen as a ZstdRun. */
function chunkedRun(z: ChunkedZstd, out: string): ZstdRun {
  let done = 0;
  const result = z.finish(out, (d) => (done = d)).then((r) => {
    if (process.env.IMGSMITH_DEBUG_CHUNKS) process.stderr.write(`chunks: early ${r.early}, redone ${r.redone}\n`);
    return { size: r.size, sha256: r.sha256 };
  });
  result.catch(() => undefined);
  return {
    result,
    position: () => Promise.resolve(done),
    abort: () => void z.abort(),
  };
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function packageImage(img: string, opts: PackageOptions = {}): Promise<PackageResult> {
  let fh;
  try {
    fh = await open(img, 'r');
  } catch (err) {
    throw buildError(`cannot read ${img} to package it: ${(err as Error).message}`, err);
  }
  let zstd: ZstdRun | undefined;
  let timer: NodeJS.Timeout | undefined;
  let hasher: HashWorker | undefined;
  try {
    const size = (await fh.stat()).size;
    zstd = opts.zstd ? startZstd(img, opts.zstd.out, opts.zstd.level) : opts.chunked ? chunkedRun(opts.chunked.zstd, opts.chunked.out) : undefined;
    let zstdFailed = false;
    zstd?.result.catch(() => (zstdFailed = true));

    let scanned = 0;
    let zstdRead: number | undefined;
    const onProgress = opts.onProgress;
    if (onProgress) {
      let polling = false;
      timer = setInterval(() => {
        if (polling) return;
        polling = true;
        void (zstd?.position() ?? Promise.resolve(undefined)).then((pos) => {
          polling = false;
          if (pos !== undefined) zstdRead = pos;
          if (timer !== undefined) onProgress(Math.min(scanned, zstdRead ?? scanned), size);
        });
      }, PROGRESS_POLL_MS);
    }

    // The image's SHA-256 on a second thread, the bmap ranges' here: the same bytes, read once.
    hasher = new HashWorker();
    const imageHash = hasher;
    const bmap = opts.bmap !== undefined ? new BmapRanges() : undefined;
    await scanImage(
      fh.fd,
      size,
      async (seg) => {
        if (zstdFailed) await zstd!.result; // throws zstd's error: stop early
        const hashed = imageHash.update(seg.bytes, seg.zero === true);
        for (let off = 0; off < seg.bytes.length; off += SLICE) {
          const part = seg.bytes.subarray(off, off + SLICE);
          bmap?.add(seg.pos + off, part, seg.mapped);
          if (zstd) await yieldToLoop();
        }
        await hashed;
        scanned = seg.pos + seg.bytes.length;
      },
      { ...(opts.native === undefined ? {} : { native: opts.native }) },
    );
    const imageSha = await imageHash.digest();
    const compressed = zstd ? await zstd.result : undefined;
    const bmapInfo = opts.bmap !== undefined ? await writeBmap(opts.bmap, size, bmap!.finish()) : undefined;
    clearInterval(timer);
    timer = undefined;
    onProgress?.(size, size);
    return {
      size,
      sha256: imageSha,
      ...(bmapInfo ? { bmap: bmapInfo } : {}),
      ...(compressed ? { compressed } : {}),
    };
  } catch (err) {
    if (zstd) {
      zstd.abort();
      await zstd.result.catch(() => undefined);
      await rm((opts.zstd ?? opts.chunked)!.out, { force: true });
    }
    if (opts.bmap !== undefined) await rm(opts.bmap, { force: true });
    throw err instanceof ImgsmithError ? err : buildError(`cannot package ${img}: ${(err as Error).message}`, err);
  } finally {
    clearInterval(timer);
    timer = undefined;
    await hasher?.close();
    await fh.close();
  }
}
