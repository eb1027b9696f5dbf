/**
 * Opening a filesystem reader for a partition (FsReader, see ../types.ts): each driver
 * (src/fs/<type>.ts) names its reader module in `reader` (vfat in-process, ext2/3/4 with
 * debugfs, btrfs with btrfs-progs); a filesystem without one (swap: no files) may still
 * tell its metadata through its probe's `info`.
 */
import path from 'node:path';
import { usageError } from '../../errors.ts';
import { drivers, FS_TYPES } from '../../fs/index.ts';
import { detectFs } from '../probe.ts';
import type { FsInfo, FsReader, FsType, OpenedImage, Partition } from '../types.ts';

/** "x.img:2" style name of a partition, for messages. */
export function partitionLabel(img: OpenedImage, part: Partition): string {
  return `${img.source}:${part.index}`;
}

/** The filesystem type of a partition (undefined: none recognised). */
export function partitionFs(img: OpenedImage, part: Partition): Promise<FsType | undefined> {
  return detectFs(img.path, part.start, part.size);
}

/** The filesystems imgsmith can read files from (for messages). */
const readable = () => FS_TYPES.filter((t) => drivers[t].reader).join(', ');

/** A reader for the filesystem in `part`; throws a usage error when there is none it can read. */
export async function openFs(img: OpenedImage, part: Partition, fsType?: FsType): Promise<FsReader> {
  const display = partitionLabel(img, part);
  const type = fsType ?? (await partitionFs(img, part));
  if (!type) throw usageError(`${display}: no filesystem imgsmith can read (${readable()}) in partition ${part.index}`);
  const driver = drivers[type];
  if (!driver.reader) {
    const why = driver.capabilities.files ? 'imgsmith cannot read its files' : 'it holds no files';
    throw usageError(`${display} is a ${type} partition: ${why}`);
  }
  const open = await driver.reader();
  return open({ file: img.path, offset: part.start, size: part.size, display, workDir: async () => path.join(await img.tmpDir(), `${type}-${part.index}`) });
}

/** The filesystem's own metadata (label, UUID, sizes, features), or undefined when none is recognised. */
export async function fsInfo(img: OpenedImage, part: Partition, fsType?: FsType): Promise<FsInfo | undefined> {
  const type = fsType ?? (await partitionFs(img, part));
  if (!type) return undefined;
  const info = drivers[type].probe?.info;
  if (info && !drivers[type].reader) return info(img.path, part.start, part.size);
  const r = await openFs(img, part, type);
  try {
    return await r.info();
  } finally {
    await r.close();
  }
}
