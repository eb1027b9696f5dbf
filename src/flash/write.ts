/**
 * Writing an image to a disk or file: only the mapped blocks, each range's
 * checksum checked while it is written, then (unless told not to) read back
 * from the target and checked again.
 *
 * The mapped ranges and their checksums come from the image's bmap when there
 * is one (the source bytes must match it: a mismatch stops before the range is
 * written), else from the image's data extents (SEEK_DATA/FIEMAP, or the
 * non-zero blocks without the native addon) and the ranges its partition table and
 * filesystems need as they are, zeros included (../inspect/content-map.ts), hashed as
 * they are written.
 * A regular-file target is written under a temporary name, sized to the image
 * (unwritten blocks are holes, i.e. zeros) and renamed at the end, so a failed
 * flash leaves nothing; a block device is written in place and synced.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { buildError, resourceError } from '../errors.ts';
import { extentRanges, dataRanges, readFull } from '../sparse.ts';
import { BMAP_BLOCK_SIZE, toBlockRanges, type ParsedBmap } from '../outputs/bmap.ts';
import { contentRanges } from '../inspect/content-map.ts';
import { bmapRanges, compareRanges, dropCache, type CheckedRange } from './readback.ts';
import type { FlashTarget } from './target.ts';
import type { SourceFormat } from './source.ts';

const CHUNK = 4 * 1024 * 1024;

export interface FlashOptions {
  bmap?: ParsedBmap;
  /** The bmap file, for messages. */
  bmapPath?: string;
  /** Read the written ranges back and check them (default true). */
  verify?: boolean;
  onProgress?: (phase: 'write' | 'verify', done: number, total: number) => void;
}

export interface FlashRange {
  start: number;
  end: number;
  sha256: string;
}

export interface FlashResult {
  target: string;
  imageSize: number;
  /** Bytes written (the mapped ranges). */
  written: number;
  ranges: number;
  /** Where the map came from. */
  map: 'bmap' | 'extents';
  verified: boolean;
  seconds: number;
  /** How the image file was compressed ('raw': not at all). */
  format?: SourceFormat;
}

interface PlannedRange {
  start: number;
  end: number;
  /** From the bmap; undefined when computed while writing. */
  expect?: string;
  algo: 'sha256' | 'sha1';
}

async function plan(img: string, size: number, bmap: ParsedBmap | undefined, bmapWhere: string): Promise<PlannedRange[]> {
  if (bmap) return bmapRanges(bmap, size, bmapWhere);
  const fh = await fsp.open(img, 'r');
  try {
    const data = (await extentRanges(fh.fd, 0, size)) ?? (await dataRanges(fh));
    // Plus what the content needs as it is, zeros included (the target's old bytes stay elsewhere).
    const required = await contentRanges(img, size);
    return toBlockRanges([...data, ...required], size).map((b) => ({
      start: b.first * BMAP_BLOCK_SIZE,
      end: Math.min(size, (b.last + 1) * BMAP_BLOCK_SIZE),
      algo: 'sha256' as const,
    }));
  } finally {
    await fh.close();
  }
}

interface Written {
  /** The digest of each planned range, in order (the bmap's, or computed while writing). */
  hashes: string[];
  total: number;
}

async function openTarget(outPath: string, target: FlashTarget): Promise<fsp.FileHandle> {
  try {
    return await fsp.open(outPath, target.kind === 'file' ? 'w' : fs.constants.O_WRONLY | fs.constants.O_EXCL);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === 'EACCES' || code === 'EPERM' ? ' (writing a disk needs write permission on it: run as root or join the disk group)' : code === 'EBUSY' ? ' (the device is in use)' : '';
    throw buildError(`cannot open ${target.path} for writing: ${(err as Error).message}${hint}`, err);
  }
}

/** Writes the ranges of `img` to `dst`, checking each against its bmap checksum before its last chunk goes out. */
async function writeRanges(img: string, dst: fsp.FileHandle, ranges: readonly PlannedRange[], opts: FlashOptions): Promise<Written> {
  const total = ranges.reduce((n, r) => n + (r.end - r.start), 0);
  const src = await fsp.open(img, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  const hashes: string[] = [];
  try {
    let done = 0;
    for (const r of ranges) {
      const h = createHash(r.algo);
      for (let pos = r.start; pos < r.end; pos += CHUNK) {
        const len = Math.min(CHUNK, r.end - pos);
        if ((await readFull(src.fd, buf, len, pos)) < len) throw buildError(`${img} ends before byte ${pos + len}`);
        h.update(buf.subarray(0, len));
        // With a bmap, a bad image never completes a range on the target.
        if (r.expect !== undefined && pos + len === r.end) {
          const got = h.copy().digest('hex');
          if (got !== r.expect) throw buildError(`the image does not match its bmap: bytes ${r.start}-${r.end - 1} have ${r.algo} ${got}, the bmap says ${r.expect}`);
        }
        await dst.write(buf, 0, len, pos);
        done += len;
        opts.onProgress?.('write', done, total);
      }
      hashes.push(r.expect ?? h.digest('hex'));
    }
  } finally {
    await src.close();
  }
  return { hashes, total };
}

/** Copies the mapped ranges of `img` to the target, then (unless told not to) reads them back. */
export async function flashImage(img: string, target: FlashTarget, opts: FlashOptions = {}): Promise<FlashResult> {
  const t0 = Date.now();
  const size = (await fsp.stat(img)).size;
  const ranges = await plan(img, size, opts.bmap, opts.bmapPath ?? 'the bmap');
  const verify = opts.verify ?? true;
  const outPath = target.kind === 'file' ? path.join(path.dirname(target.path), `.${path.basename(target.path)}.imgsmith-flash-${process.pid}`) : target.path;
  let dst: fsp.FileHandle | undefined;
  let written: Written;
  try {
    dst = await openTarget(outPath, target);
    written = await writeRanges(img, dst, ranges, opts);
    if (target.kind === 'file') await dst.truncate(size);
    await dst.datasync();
    await dst.close();
    dst = undefined;
    if (target.kind === 'file') await fsp.rename(outPath, target.path);
  } catch (err) {
    await dst?.close().catch(() => undefined);
    if (target.kind === 'file') await fsp.rm(outPath, { force: true });
    const where = target.kind === 'file' ? { file: target.path, remedy: 'free some space there or flash to another place' } : { file: target.path };
    const res = resourceError(err, where);
    if (target.kind === 'block') throw buildError(`${(res ?? (err as Error)).message}; ${target.path} is incomplete: flash it again before use`, err);
    throw res ?? err;
  }
  if (verify) await readBack(target.path, ranges.map((r, i) => ({ ...r, expect: written.hashes[i]! })), written.total, opts);
  return { target: target.path, imageSize: size, written: written.total, ranges: ranges.length, map: opts.bmap ? 'bmap' : 'extents', verified: verify, seconds: (Date.now() - t0) / 1000 };
}

/** The read-back: the same comparison `imgsmith verify` makes (./readback.ts). */
async function readBack(file: string, ranges: CheckedRange[], total: number, opts: FlashOptions): Promise<void> {
  await dropCache(file);
  let done = 0;
  const bad = await compareRanges(file, ranges, file, (n) => {
    done += n;
    opts.onProgress?.('verify', done, total);
  });
  if (bad) {
    const r = bad.range;
    throw buildError(`verification failed: ${file} bytes ${r.start}-${r.end - 1} read back with ${r.algo} ${bad.got}, expected ${r.expect} (the write did not stick: a failing card or reader?)`);
  }
}
