/**
 * The filesystem drivers. Adding a filesystem is one new file in src/fs/ (a FilesystemDriver,
 * see types.ts) plus one line here: the spec's `filesystem.type` values, their keys and
 * checks, the published JSON Schema, the tools checked before a build and recorded in the
 * manifest all come from this registry.
 */
import type { FileTree } from '../content/tree.ts';
import type { FilesystemDriver, FsContext, PreparedFs, SpecOf } from './types.ts';
import { vfatDriver } from './vfat.ts';
import { ext4Driver } from './ext4.ts';
import { btrfsDriver } from './btrfs.ts';
import { swapDriver } from './swap.ts';
import { rawDriver } from './raw.ts';

export const drivers = {
  vfat: vfatDriver,
  ext4: ext4Driver,
  btrfs: btrfsDriver,
  swap: swapDriver,
  raw: rawDriver,
} as const;

/** The `filesystem` of a partition: one of the drivers' specs. */
export type FilesystemSpec = { [K in keyof typeof drivers]: SpecOf<(typeof drivers)[K]> }[keyof typeof drivers];
export type FilesystemType = keyof typeof drivers;
export const FS_TYPES = Object.keys(drivers) as FilesystemType[];

/** The driver for a filesystem spec. */
export function driverFor<S extends FilesystemSpec>(spec: S): FilesystemDriver<S> {
  return drivers[spec.type] as unknown as FilesystemDriver<S>;
}

/** Prepares a partition's filesystem: `prepare` for drivers that build first, else measures the tree. */
export async function prepareFs<S extends FilesystemSpec>(spec: S, tree: FileTree, ctx: FsContext, where: string): Promise<PreparedFs> {
  const d = driverFor(spec);
  if (d.prepare) return d.prepare(spec, tree, ctx, where);
  const minimumSize = await d.minimumSize(spec, tree, ctx);
  return { minimumSize, write: (target, wctx) => d.write(spec, tree, target, wctx) };
}
