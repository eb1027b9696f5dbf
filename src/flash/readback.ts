/**
 * Checking a written copy (a disk, a file, or the image itself) against what it must
 * hold: the one code path `flash`'s read-back and `verify` share. The copy may be
 * longer than the image (a card larger than the image): only the image's length of it
 * is looked at.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { runTool } from '../tools/run.ts';
import { buildError } from '../errors.ts';
import type { ParsedBmap } from '../outputs/bmap.ts';
import { hashRange } from '../outputs/checksum.ts';

/** Bytes [start, end) of the image and their expected digest. */
export interface CheckedRange {
  start: number;
  end: number;
  algo: 'sha256' | 'sha1';
  expect: string;
}

export interface RangeMismatch {
  range: CheckedRange;
  got: string;
}

const BUF = 4 * 1024 * 1024;

/** The byte ranges a bmap maps, for an image of `size` bytes; a range past the end is an error. */
export function bmapRanges(bmap: ParsedBmap, size: number, where: string): CheckedRange[] {
  if (bmap.imageSize !== size) throw buildError(`${where} is for an image of ${bmap.imageSize} bytes, but the image has ${size}: they do not belong together`);
  return bmap.ranges.map((r) => {
    const start = r.first * bmap.blockSize;
    const end = Math.min(size, (r.last + 1) * bmap.blockSize);
    if (start >= size) throw buildError(`${where}: range ${r.first}-${r.last} starts past the image's end (${size} bytes)`);
    return { start, end, algo: bmap.checksumType, expect: r.sha256 };
  });
}

/** "block 7" / "blocks 7-9" for a byte range in bmap blocks of `blockSize`. */
export function blockSpan(r: { start: number; end: number }, blockSize: number): string {
  const first = Math.floor(r.start / blockSize);
  const last = Math.floor((r.end - 1) / blockSize);
  return first === last ? `block ${first}` : `blocks ${first}-${last}`;
}

/** NAME.bmap or NAME.img.bmap beside NAME.img[.zst|.gz|.xz|.bz2|.lz4], as imgsmith and bmaptool name them. */
export function bmapBeside(image: string): string | undefined {
  const base = image.replace(/\.(zst|gz|xz|bz2|lz4)$/, '');
  const candidates = [base.replace(/\.img$/, '') + '.bmap', `${base}.bmap`];
  return candidates.find((c) => c !== image && fs.existsSync(c));
}

/** Drops the kernel's cached pages of a block device, so what is read comes from the device. */
export async function dropCache(file: string): Promise<void> {
  if ((await fsp.stat(file)).isBlockDevice()) await runTool('blockdev', ['--flushbufs', file], { check: false });
}

/**
 * Reads each range of `file` and compares its digest; returns the first mismatch (or
 * undefined when all match). `what` names the file in errors (a copy shorter than the image).
 */
export async function compareRanges(
  file: string,
  ranges: readonly CheckedRange[],
  what: string,
  onBytes?: (n: number) => void,
): Promise<RangeMismatch | undefined> {
  const fh = await fsp.open(file, fs.constants.O_RDONLY);
  const buf = Buffer.allocUnsafe(BUF);
  try {
    for (const r of ranges) {
      const got = await hashRange(fh, r.start, r.end, r.algo, buf, what, onBytes);
      if (got !== r.expect) return { range: r, got };
    }
    return undefined;
  } finally {
    await fh.close();
  }
}

/** The SHA-256 of the first `length` bytes of `file` (a device or a file at least that long). */
export async function sha256Prefix(file: string, length: number, what = file): Promise<string> {
  const fh = await fsp.open(file, fs.constants.O_RDONLY);
  try {
    return await hashRange(fh, 0, length, 'sha256', Buffer.allocUnsafe(BUF), what);
  } finally {
    await fh.close();
  }
}
