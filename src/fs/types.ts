import type { FileTree } from '../content/tree.ts';
import type { Progress } from '../progress.ts';
import type { ContentSource, SourceRoot } from '../spec-types.ts';
import type { JsonSchema, Obj } from '../spec-check.ts';

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
  /** The directories `from` roots name (for drivers that read files of their own: raw). */
  roots?: Partial<Record<SourceRoot, string>>;
  /** The partition in the spec, for messages ("spec.partitions[1]"). */
  partition?: string;
  /** For writers whose tool runs under the mkfs shim: asks to be told about every write
   *  the tool makes to the image in [start, end) (see ChunkedZstd.track). Gives the extra
   *  environment for the shim, and `attach` takes the tool's fd 3 (the log pipe). */
  watchWrites?: (start: number, end: number) => WriteWatch | undefined;
}

export interface WriteWatch {
  env: Record<string, string>;
  attach(log: import('node:stream').Readable): void;
  /** Nothing the log said about the range holds any more (the tool's result is discarded
   *  and the range is written again, e.g. by a fallback that runs the tool again). */
  invalidate(): void;
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

/** A filesystem's part of the image spec: its keys (besides "type") and how to read them. */
export interface FsSpecSchema<S> {
  /** The keys of `filesystem` besides "type", as JSON Schema properties: the allowed keys and
   *  this filesystem's part of the published schema (schema/imgsmith-spec.schema.json). */
  properties: Record<string, JsonSchema>;
  /** Keys that must be given. */
  required?: readonly string[];
  /** Checks the values of the object (only known keys reach here) and returns the spec with
   *  its defaults; errors name `where` (e.g. "spec.partitions[1].filesystem") and the key. */
  parse(o: Obj, where: string): S;
}

/** A filesystem ready to be written: its smallest size is known. */
export interface PreparedFs {
  readonly minimumSize: number;
  /** Writes it into the image at target.offset, covering target.size bytes. */
  write(target: FsTarget, ctx: FsContext): Promise<FsReport>;
}

/**
 * A filesystem: one file in src/fs/ and one line in the registry (src/fs/index.ts). It owns
 * its part of the spec (schema, validation, defaults), names the tools it needs (checked
 * before any work starts, and recorded in the manifest), measures, writes and reports.
 * A driver either measures its tree and writes later (`minimumSize` + `write`), or must
 * build the filesystem before it knows its size (btrfs) and says so with `prepare`.
 */
export type FilesystemDriver<S extends { type: string } = { type: string }> = MeasuringDriver<S> | PreparingDriver<S>;

interface DriverBase<S extends { type: string }> {
  readonly type: S['type'];
  /** Its part of the image spec. */
  readonly spec: FsSpecSchema<S>;
  /** The external tools it runs (e.g. ["mke2fs", "debugfs"]): checked before anything is built,
   *  their versions go into the manifest. */
  tools(spec: S): string[];
  /** The writer does its work in this process (it blocks the event loop while it runs). */
  readonly inProcess?: boolean;
  /** It cannot store symlinks (FAT): copies follow them unless an item says otherwise. */
  readonly noSymlinks?: boolean;
  /** It holds a file tree (a "rootfs" tarball can be made of it); `rootCandidate`: it can be a
   *  root filesystem (the default "rootfs" partition is the last such one). */
  readonly holdsFiles?: boolean;
  readonly rootCandidate?: boolean;
  /** Paths the filesystem reserves for a directory it makes itself (ext4: /lost+found). */
  readonly reservedDirs?: readonly string[];
  /** Files the spec reads for this filesystem besides its contents (raw: its blob). */
  sources?(spec: S): ContentSource[];
  /** Why the minimum size is what it is, when the filesystem rather than its content sets it. */
  minimumReason?(spec: S, min: number): string | undefined;
  /** Checks the spec and the tree before anything is written (labels, UUIDs, unsupported entries). */
  validate(spec: S, tree: FileTree, where: string): void;
}

export interface MeasuringDriver<S extends { type: string }> extends DriverBase<S> {
  prepare?: undefined;
  /** The smallest partition size in bytes that holds `tree` (used for size "auto" and to
   *  reject a fixed size that is too small before any writing). */
  minimumSize(spec: S, tree: FileTree, ctx: FsContext): Promise<number>;
  /** Writes the filesystem into the image at target.offset, covering target.size bytes. */
  write(spec: S, tree: FileTree, target: FsTarget, ctx: FsContext): Promise<FsReport>;
}

export interface PreparingDriver<S extends { type: string }> extends DriverBase<S> {
  /** Builds the filesystem for `tree` (in ctx.tmpDir) before the layout is planned: the
   *  handle knows its minimum size and copies it into the partition. `where` names the
   *  partition for messages. */
  prepare(spec: S, tree: FileTree, ctx: FsContext, where: string): Promise<PreparedFs>;
}

/** The spec type a driver reads. */
export type SpecOf<D> = D extends FilesystemDriver<infer S> ? S : never;
