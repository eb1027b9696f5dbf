/**
 * Recognising the filesystem in a partition: each driver (src/fs/<type>.ts) owns its probe
 * (magic bytes and offsets, through its superblock codec in src/codec/ or src/fs/); this asks
 * the registry. Strong signatures (btrfs, ext4, swap) are tried before weak ones (FAT's boot
 * sector), each in registry order.
 */
import { promises as fsp } from 'node:fs';
import { readAt } from './image.ts';
import { drivers, FS_TYPES } from '../fs/index.ts';
import type { FsType } from './types.ts';


/** The drivers that can be recognised, strong signatures first. */
function probes() {
  const withProbe = FS_TYPES.flatMap((type) => {
    const probe = drivers[type].probe;
    // A driver with a probe adds its type to ProbedFilesystems (test/fs-drivers.test.ts checks both agree).
    return probe ? [{ type: type as FsType, probe }] : [];
  });
  return [...withProbe.filter((p) => !p.probe.weak), ...withProbe.filter((p) => p.probe.weak)];
}

/** The filesystem type in [offset, offset+size) of `file`, or undefined. */
export async function detectFs(file: string, offset: number, size: number): Promise<FsType | undefined> {
  const list = probes();
  const span = Math.max(...list.map((p) => p.probe.span));
  const fh = await fsp.open(file, 'r');
  try {
    const head = await readAt(fh, offset, Math.min(size, span));
    return list.find((p) => p.probe.matches(head))?.type;
  } finally {
    await fh.close();
  }
}
