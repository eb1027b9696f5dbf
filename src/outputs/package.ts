/**
 * Packaging a finished image: its SHA-256 (when asked for), its bmap (ranges and
 * per-range SHA-256) and its zstd compression, with each byte's work done once.
 *
 * One pass (scan.ts) reads the image's data extents once, in order; holes are
 * not read. The bytes feed the image hash (on a worker thread, hash-worker.ts)
 * and the bmap ranges (here) at the same time.
 *
 * The image's SHA-256 is the one cost here that follows the disk size, not the
 * data: SHA-256 has no shortcut for zeros (~1.2 GiB/s of one core: a 1 TiB hole is
 * ~14 minutes of hashing).
 * So it is computed only when asked for (`sha256`; the build asks when the raw .img
 * is published, for its .sha256 file and the manifest). Without it, holes cost
 * nothing: the bmap hashes data ranges only and zstd writes a cached zero frame.
 * The .img.zst is one zstd frame per chunk of the image (chunked.ts): most were
 * compressed while mke2fs still wrote (the `early` compressor of the build), the
 * rest are compressed now on the other cores, and the frames are written out in
 * order and hashed as they are. Memory stays flat: two read buffers, a zero
 * buffer and the frames' copy buffer.
 */
import fsp, { open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { buildError, ImgsmithError, toolFailed } from '../errors.ts';
import { BmapRanges, writeBmap } from './bmap.ts';
import type { PassNeeds, PassResult } from './pass.ts';
import { scanImage } from './scan.ts';
import { contentRanges } from '../inspect/content-map.ts';
import type { Range } from '../sparse.ts';
import { HashWorker } from './hash-worker.ts';
import { ChunkedZstd, chunkZstdArgs } from './chunked.ts';
import { AndroidSparseWriter } from '../codec/android-sparse.ts';
import { sha256File } from './checksum.ts';

/** What the pass makes (PassNeeds: the image hash, a bmap, a zstd file), and how it runs. */
export interface PackageOptions extends Omit<PassNeeds, 'zstd' | 'sha256'> {
  /** Compress the image with zstd into `out` (replaced if it exists), one frame per chunk
   *  (chunked.ts). `early`: the compressor that already followed the filesystem writers
   *  (the build's write stage); without it, every chunk is compressed now. */
  zstd?: { out: string; level: number; early?: ChunkedZstd };
  /** Progress in bytes of the image: the slower of the hashing pass and zstd. */
  onProgress?: (done: number, total: number) => void;
  /** false: the JavaScript scan (reads everything, maps non-zero blocks) even with the addon. */
  native?: boolean;
  /** Compute the raw image's SHA-256 (default true); it is hashed over every byte, holes too. */
  sha256?: boolean;
  /** The ranges the content needs as they are (the bmap and the sparse image map them), when the
   *  file is part of a larger image (a partition artifact: the image's, clipped); default: the
   *  file's own (content-map.ts contentRanges). */
  required?: Range[];
}

export type PackageResult = PassResult;

/** Hash in slices of this size, letting zstd's output flow in between. */
const SLICE = 256 * 1024;
/** Zeros hashed per message to the hashing thread (so that progress moves through a hole). */
const ZERO_SLICE = 256 * 1024 * 1024;
const PROGRESS_POLL_MS = 200;

const EMPTY = Buffer.alloc(0);
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

type ZstdResult = { size: number; sha256: string; frames: number; early: number; redone: number; zero: number };

/** The zstd side of a pass: the compressor, its result to come, how far it got, whether it failed. */
interface ZstdRun {
  zstd?: ChunkedZstd;
  result?: Promise<ZstdResult>;
  /** The frames directory this pass made (no `early` compressor), removed at the end. */
  framesDir?: string;
  done: number;
  failed: boolean;
}

/** Starts writing the .zst (opts.zstd): the early compressor's frames, the other chunks compressed now. */
async function startZstd(img: string, size: number, want: NonNullable<PackageOptions['zstd']>, run: ZstdRun): Promise<void> {
  run.zstd = want.early;
  chunkZstdArgs(want.level, 1); // a bad level is a usage error before any file is made
  try {
    await (await open(want.out, 'w')).close();
  } catch (err) {
    throw toolFailed('zstd', `zstd failed to compress ${img}: cannot write ${want.out}: ${(err as Error).message}`, err);
  }
  if (!run.zstd) {
    run.framesDir = await fsp.mkdtemp(path.join(path.dirname(want.out), '.zstd-frames-'));
    run.zstd = new ChunkedZstd(img, size, { level: want.level, workDir: run.framesDir });
  }
  run.result = run.zstd.finish(want.out, (d) => (run.done = d));
  run.result.catch(() => (run.failed = true));
}

/** Opens (replacing) a file the pass writes. */
async function openOut(file: string, what: string): Promise<FileHandle> {
  try {
    return await open(file, 'w');
  } catch (err) {
    throw buildError(`cannot write ${what} ${file}: ${(err as Error).message}`, err);
  }
}

/**
 * The scan (scan.ts): every data extent read once, in order, feeding the image hash (when
 * asked for) and the bmap ranges; holes only the hash. Stops early when zstd failed.
 * `onScanned` sees how far it got.
 */
async function scanPass(img: string, fd: number, size: number, opts: PackageOptions, run: ZstdRun, imageHash: HashWorker | undefined, onScanned: (pos: number) => void, simg?: AndroidSparseWriter): Promise<BmapRanges | undefined> {
  const bmap = opts.bmap !== undefined ? new BmapRanges() : undefined;
  // The bmap (and the sparse image) map what the content needs (zeros included) on top of the non-zero blocks.
  const required = bmap || simg ? (opts.required ?? (await contentRanges(img, size))) : undefined;
  const stopIfZstdFailed = async () => {
    if (run.failed) await run.result; // throws zstd's error: stop early
  };
  await scanImage(
    fd,
    size,
    async (seg) => {
      await stopIfZstdFailed();
      if (!seg.bytes) {
        // A hole: it ends a bmap range; only the image hash has to see its zeros.
        bmap?.add(seg.pos, EMPTY, false);
        await simg?.skip(seg.len);
        for (let off = 0; imageHash && off < seg.len; off += ZERO_SLICE) {
          await imageHash.zeros(Math.min(ZERO_SLICE, seg.len - off));
          onScanned(seg.pos + off);
          await stopIfZstdFailed();
        }
        onScanned(seg.pos + seg.len);
        return;
      }
      const hashed = imageHash?.update(seg.bytes);
      // What the bmap does not map the sparse image does not write either.
      if (simg) await (seg.mapped ? simg.data(seg.bytes) : simg.skip(seg.len));
      for (let off = 0; off < seg.bytes.length; off += SLICE) {
        const part = seg.bytes.subarray(off, off + SLICE);
        bmap?.add(seg.pos + off, part, seg.mapped);
        if (run.zstd) await yieldToLoop();
      }
      await hashed;
      onScanned(seg.pos + seg.len);
    },
    { ...(opts.native === undefined ? {} : { native: opts.native }), ...(required ? { required } : {}) },
  );
  return bmap;
}

export async function packageImage(img: string, opts: PackageOptions = {}): Promise<PackageResult> {
  let fh;
  try {
    fh = await open(img, 'r');
  } catch (err) {
    throw buildError(`cannot read ${img} to package it: ${(err as Error).message}`, err);
  }
  const run: ZstdRun = { done: 0, failed: false };
  let timer: NodeJS.Timeout | undefined;
  let hasher: HashWorker | undefined;
  let simgFh: FileHandle | undefined;
  try {
    const size = (await fh.stat()).size;
    if (opts.zstd) await startZstd(img, size, opts.zstd, run);
    let scanned = 0;
    const onProgress = opts.onProgress;
    // The slower of the scan and the frames written out in order.
    if (onProgress) timer = setInterval(() => onProgress(Math.min(scanned, run.zstd ? run.done : scanned), size), PROGRESS_POLL_MS);
    // The image's SHA-256 on a second thread, the bmap ranges' here: the same bytes, read once.
    const imageHash = opts.sha256 === false ? undefined : (hasher = new HashWorker());
    if (opts.simg !== undefined) simgFh = await openOut(opts.simg, 'the sparse image');
    const simg = simgFh ? new AndroidSparseWriter(simgFh, size, opts.simg!) : undefined;
    const bmap = await scanPass(img, fh.fd, size, opts, run, imageHash, (pos) => (scanned = pos), simg);
    const imageSha = await imageHash?.digest();
    const simgInfo = simg ? await simg.finish() : undefined;
    await simgFh?.close();
    simgFh = undefined;
    const simgSha = simgInfo ? await sha256File(opts.simg!) : undefined;
    const compressed = run.result ? await run.result : undefined;
    const bmapInfo = opts.bmap !== undefined ? await writeBmap(opts.bmap, size, bmap!.finish()) : undefined;
    clearInterval(timer);
    timer = undefined;
    onProgress?.(size, size);
    return {
      size,
      ...(imageSha !== undefined ? { sha256: imageSha } : {}),
      ...(bmapInfo ? { bmap: bmapInfo } : {}),
      ...(simgInfo ? { simg: { ...simgInfo, sha256: simgSha! } } : {}),
      ...(compressed ? { compressed: { size: compressed.size, sha256: compressed.sha256 }, zstdFrames: { frames: compressed.frames, early: compressed.early, redone: compressed.redone, zero: compressed.zero } } : {}),
    };
  } catch (err) {
    await run.zstd?.abort();
    await run.result?.catch(() => undefined);
    if (opts.zstd) await rm(opts.zstd.out, { force: true });
    if (opts.bmap !== undefined) await rm(opts.bmap, { force: true });
    await simgFh?.close();
    simgFh = undefined;
    if (opts.simg !== undefined) await rm(opts.simg, { force: true });
    throw err instanceof ImgsmithError ? err : buildError(`cannot package ${img}: ${(err as Error).message}`, err);
  } finally {
    clearInterval(timer);
    timer = undefined;
    await hasher?.close();
    if (run.framesDir) await rm(run.framesDir, { recursive: true, force: true });
    await fh.close();
  }
}
