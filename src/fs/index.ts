import type { FilesystemSpec } from '../spec-types.ts';
import type { FilesystemDriver } from './types.ts';
import { vfatDriver } from './vfat.ts';
import { ext4Driver } from './ext4.ts';
import { btrfsDriver } from './btrfs.ts';
import { swapDriver } from './swap.ts';
import { rawDriver } from './raw.ts';

const drivers = {
  vfat: vfatDriver,
  ext4: ext4Driver,
  btrfs: btrfsDriver,
  swap: swapDriver,
  raw: rawDriver,
} satisfies { [K in FilesystemSpec['type']]: FilesystemDriver<Extract<FilesystemSpec, { type: K }>> };

/** The driver for a filesystem spec. Adding a filesystem = one new file + one line here. */
export function driverFor<S extends FilesystemSpec>(spec: S): FilesystemDriver<S> {
  return drivers[spec.type] as unknown as FilesystemDriver<S>;
}
