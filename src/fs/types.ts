import type { FileTree } from '../content/tree.ts';
import type { Progress } from '../progress.ts';
import type { FilesystemSpec } from '../spec-types.ts';

export interface FsContext {
  /** A private temporary directory for this build (removed afterwards). */
  tmpDir: string;
  progress: Progress;
  /** Timestamp (seconds since the epoch) given to every file and to the filesystem itself. */
  epoch: number;
  /** Clean-up work (e.g. removing a staged tree) that may go on while the build continues;
   *  the build waits for it before it publishes. Without it, writers wait themselves. */
  background?: (work: Promise<unknown>) => void;
  /** Called by a writer right before it hands the rest of its work to an external tool
   *  (mke2fs): JavaScript-heavy writers (FAT) wait for it so they do not hold up staging. */
  toolStarted?: () => void;
  /** For writers whose tool runs under the mkfs shim: asks to be told about every write
   *  the tool makes to the image in [start, end) (see ChunkedZstd.track). Gives the extra
   *  environment for the shim, and `attach` takes the tool's fd 3 (the log pipe). */
  watchWrites?: (start: number, end: number) => WriteWatch | undefined;
}

export interface WriteWatch {
  env: Record<string, string>;
  attach(log: import('node:stream').Readable): void;
}

/** Where a filesystem goes: `size` bytes at byte `offset` of the (already sized) image file. */
export interface FsTarget {
  imagePath: string;
  offset: number;
  size: number;
}

/** What a writer reports for the manifest. */
export interface FsReport {
  type: string;
  label?: string;
  uuid?: string;
  /** Anything useful: counts of files/dirs/inodes, blocks used, FAT type, ... */
  stats: Record<string, number | string>;
}

export interface FilesystemDriver<S extends FilesystemSpec = FilesystemSpec> {
  readonly type: S['type'];
  /** The writer does its work in this process (it blocks the event loop while it runs). */
  readonly inProcess?: boolean;
  /** Checks the spec and the tree before anything is written (labels, UUIDs, unsupported entries). */
  validate(spec: S, tree: FileTree, where: string): void;
  /** The smallest partition size in bytes that holds `tree` (used for size "auto" and to
   *  reject a fixed size that is too small before any writing). */
  minimumSize(spec: S, tree: FileTree, ctx: FsContext): Promise<number>;
  /** Writes the filesystem into the image at target.offset, covering target.size bytes. */
  write(spec: S, tree: FileTree, target: FsTarget, ctx: FsContext): Promise<FsReport>;
}
