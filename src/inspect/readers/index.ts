/**
 * Opening a filesystem reader for a partition (FsReader, see ../types.ts):
 * vfat in-process (vfat.ts), ext2/3/4 with debugfs (ext4.ts), btrfs with btrfs-progs
 * (btrfs.ts). `fsInfo` also knows swap (no reader: it holds no files).
 */
import path from 'node:path';
import { usageError } from '../../errors.ts';
import { detectFs, swapInfo } from '../probe.ts';
import type { FsInfo, FsReader, FsType, OpenedImage, Partition } from '../types.ts';
import { BtrfsReader } from './btrfs.ts';
import { Ext4Reader } from './ext4.ts';
import { VfatReader } from './vfat.ts';

/** "x.img:2" style name of a partition, for messages. */
export function partitionLabel(img: OpenedImage, part: Partition): string {
  return `${img.source}:${part.index}`;
}

/** The filesystem type of a partition (undefined: none recognised). */
export function partitionFs(img: OpenedImage, part: Partition): Promise<FsType | undefined> {
  return detectFs(img.path, part.start, part.size);
}

/** A reader for the filesystem in `part`; throws a usage error when there is none it can read. */
export async function openFs(img: OpenedImage, part: Partition, fsType?: FsType): Promise<FsReader> {
  const display = partitionLabel(img, part);
  const type = fsType ?? (await partitionFs(img, part));
  switch (type) {
    case 'vfat':
      return VfatReader.open(img.path, part.start, part.size, display);
    case 'ext4':
      return new Ext4Reader(img.path, part.start, display);
    case 'btrfs':
      return BtrfsReader.open(img.path, part.start, part.size, path.join(await img.tmpDir(), `btrfs-${part.index}`), display);
    case 'swap':
      throw usageError(`${display} is a swap partition: it holds no files`);
    default:
      throw usageError(`${display}: no filesystem imgsmith can read (vfat, ext4, btrfs) in partition ${part.index}`);
  }
}

/** The filesystem's own metadata (label, UUID, sizes, features), or undefined when none is recognised. */
export async function fsInfo(img: OpenedImage, part: Partition, fsType?: FsType): Promise<FsInfo | undefined> {
  const type = fsType ?? (await partitionFs(img, part));
  if (!type) return undefined;
  if (type === 'swap') return swapInfo(img.path, part.start, part.size);
  const r = await openFs(img, part, type);
  try {
    return await r.info();
  } finally {
    await r.close();
  }
}
