/**
 * The filesystem drivers. Adding a filesystem is one new file in src/fs/ (a FilesystemDriver,
 * see types.ts) plus one line here: the spec's `filesystem.type` values, their keys and
 * checks, the published JSON Schema, the tools checked before a build and recorded in the
 * manifest all come from this registry.
 */
import type { FileTree } from '../content/tree.ts';
import type { FilesystemDriver, FsCapabilities, FsContext, PreparedFs, SpecOf } from './types.ts';
import { vfatDriver } from './vfat.ts';
import { ext4Driver } from './ext4.ts';
import { btrfsDriver } from './btrfs.ts';
import { swapDriver } from './swap.ts';
import { rawDriver } from './raw.ts';
import { erofsDriver } from './erofs.ts';
import { verityDriver } from './verity.ts';
import { squashfsDriver } from './squashfs.ts';

export const drivers = {
  vfat: registered(vfatDriver),
  ext4: registered(ext4Driver),
  btrfs: registered(btrfsDriver),
  swap: registered(swapDriver),
  raw: registered(rawDriver),
  erofs: registered(erofsDriver),
  verity: registered(verityDriver),
  squashfs: registered(squashfsDriver),
} as const;

/** Sets the flags older callers read (`holdsFiles`, `rootCandidate`, `noSymlinks`) from the
 *  driver's capabilities, so a driver declares each fact once. */
function registered<D extends { capabilities: FsCapabilities }>(d: D): D {
  const c = d.capabilities;
  return Object.assign(d, { holdsFiles: c.files, rootCandidate: c.root, noSymlinks: !c.symlinks });
}

/** Whether the filesystem `type` can do `what` (see FsCapabilities). */
export function fsCan(type: FilesystemType, what: keyof FsCapabilities): boolean {
  return drivers[type].capabilities[what] === true;
}

/** The filesystem types that can do `what`, in registry order. */
export function typesThatCan(what: keyof FsCapabilities): FilesystemType[] {
  return FS_TYPES.filter((t) => drivers[t].capabilities[what] === true);
}

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
