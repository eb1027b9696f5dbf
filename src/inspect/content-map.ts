/**
 * The ranges of a disk image that its content needs as they are, zeros included: what a
 * bmap must map and `flash` must write, on top of the non-zero blocks. A card's old bytes
 * are left where nothing is written, so a zero the filesystem relies on (a free FAT entry,
 * an empty directory cluster, ext4's inode tables and resize inode, GPT's unused entry
 * slots) must be written too.
 *
 * Computed from the image's bytes only (never from how the host allocated the file):
 *  - the partition table (table.ts tableRanges): MBR; GPT headers and both entry arrays;
 *  - per partition, by its filesystem: vfat (readers/vfat.ts), ext2/3/4 (readers/ext4.ts,
 *    from dumpe2fs), btrfs (readers/btrfs-chunks.ts), erofs (all its blocks), swap (its first page), squashfs (up to
 *    bytes_used, readers/squashfs.ts), verity (superblock and hash tree: its padding zeros are part of the hashed blocks);
 *  - a filesystem recognised by its magic whose structures cannot be read: the whole partition;
 *  - a partition whose filesystem is not recognised (a raw blob, a bootloader, nothing): from
 *    its start to the end of its last non-zero block (a blob's zeros inside it are written;
 *    the zeros after it are not: they cannot be told from the unused rest of the partition);
 *  - an image without a partition table: the filesystem at byte 0 by the same rules, nothing
 *    beyond the non-zero blocks when none is recognised; a partition table that cannot be
 *    read: the whole image.
 * Returned sorted, merged and rounded out to 4 KiB blocks (clipped to the image's size).
 */
import { promises as fsp } from 'node:fs';
import { ImgsmithError, UsageError } from '../errors.ts';
import { BMAP_BLOCK_SIZE, toBlockRanges } from '../outputs/bmap.ts';
import { dataRanges, isAllZero, readFull, type Range } from '../sparse.ts';
import { detectFs } from './probe.ts';
import { btrfsRequiredRanges } from './readers/btrfs-chunks.ts';
import { ext4RequiredRanges } from './readers/ext4.ts';
import { erofsRequiredRanges } from './readers/erofs.ts';
import { vfatRequiredRanges } from './readers/vfat.ts';
import { verityRequiredRanges } from '../fs/verity.ts';
import { squashfsRequiredRanges } from './readers/squashfs.ts';
import { readPartitionTable, tableRanges } from './table.ts';
import type { FsType } from './types.ts';

type RequiredRanges = (file: string, offset: number, size: number) => Promise<Range[] | undefined>;

/** Each filesystem's rule: byte ranges relative to its start; undefined when it cannot be read. */
const RULES: Record<FsType, RequiredRanges> = {
  vfat: vfatRequiredRanges,
  ext4: ext4RequiredRanges,
  btrfs: btrfsRequiredRanges,
  erofs: erofsRequiredRanges,
  swap: async (_file, _offset, size) => [{ start: 0, end: Math.min(size, 4096) }],
  verity: verityRequiredRanges,
  squashfs: squashfsRequiredRanges,
};

const SCAN = 1024 * 1024;

/** The end of the last non-zero 4 KiB block (relative to `offset`) of [offset, offset + size) of `file`; 0 when all zeros. */
async function lastDataEnd(file: string, offset: number, size: number): Promise<number> {
  const fh = await fsp.open(file, 'r');
  try {
    // The data extents (or the non-zero runs without the addon), then backwards through the
    // last ones to their last non-zero block: the same answer however the file is allocated.
    const data = await dataRanges(fh.fd, { start: offset, end: offset + size });
    const buf = Buffer.allocUnsafe(SCAN);
    for (let i = data.length - 1; i >= 0; i--) {
      const r = data[i]!;
      const lo = Math.floor((r.start - offset) / BMAP_BLOCK_SIZE) * BMAP_BLOCK_SIZE + offset;
      for (let end = r.end; end > lo; ) {
        const start = Math.max(lo, end - SCAN);
        const got = await readFull(fh.fd, buf, end - start, start);
        for (let b = Math.ceil((start + got - offset) / BMAP_BLOCK_SIZE) * BMAP_BLOCK_SIZE + offset; b > start; b -= BMAP_BLOCK_SIZE) {
          const s = Math.max(start, b - BMAP_BLOCK_SIZE);
          if (!isAllZero(buf.subarray(s - start, Math.min(got, b - start)))) return Math.min(size, b - offset);
        }
        end = start;
      }
    }
    return 0;
  } finally {
    await fh.close();
  }
}

/** What the content of [offset, offset + size) of `file` needs, relative to `offset` (see the module comment). */
async function partitionRanges(file: string, offset: number, size: number, bare: boolean): Promise<Range[]> {
  const type = await detectFs(file, offset, size);
  const got = type ? await RULES[type](file, offset, size) : undefined;
  if (got) return got.map((r) => ({ start: Math.max(0, r.start), end: Math.min(size, r.end) }));
  // A filesystem recognised by its magic but not readable: all of it, never too little.
  if (type) return [{ start: 0, end: size }];
  return bare ? [] : [{ start: 0, end: await lastDataEnd(file, offset, size) }];
}

/** The ranges of the image `file` (`size` bytes) its content needs, zeros included (see the module comment). */
export async function contentRanges(file: string, size: number): Promise<Range[]> {
  let table;
  try {
    table = await readPartitionTable(file, size);
  } catch (err) {
    if (err instanceof UsageError) return blocks(await partitionRanges(file, 0, size, true), size);
    if (err instanceof ImgsmithError) return blocks([{ start: 0, end: size }], size);
    throw err;
  }
  const out: Range[] = tableRanges(table);
  for (const p of table.partitions) {
    if (p.extended) continue; // its EBRs are table ranges; its logical partitions are listed on their own
    for (const r of await partitionRanges(file, p.start, p.size, false)) out.push({ start: p.start + r.start, end: p.start + r.end });
  }
  return blocks(out, size);
}

function blocks(ranges: Range[], size: number): Range[] {
  return toBlockRanges(ranges, size, BMAP_BLOCK_SIZE).map((b) => ({
    start: b.first * BMAP_BLOCK_SIZE,
    end: Math.min(size, (b.last + 1) * BMAP_BLOCK_SIZE),
  }));
}
