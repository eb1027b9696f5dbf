import type { FileTree } from '../content/tree.ts';
import type { Progress } from '../progress.ts';
import type { ContentSource, SourceRoot } from '../spec-types.ts';
import type { JsonSchema, Obj } from '../spec-check.ts';
import type { LabelRule } from '../labels.ts';
import type { FsInfo, FsReader } from '../inspect/types.ts';

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
  /** The partition's name. */
  name?: string;
  /** The tree's data entries were rewritten after it was measured (placeholders such as
   *  {rootHash:NAME} filled in, src/content/placeholders.ts): anything a driver wrote out of
   *  the tree while measuring (ext4's list and its data files) is stale and must not be reused. */
  treeFilledLate?: boolean;
  /** Where another partition is in the image, by name (for writers that read one: verity's data). */
  partitionNamed?: (name: string) => FsTarget | undefined;
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
  /** Values other partitions' files embed as `{KEY:NAME}` (verity: rootHash, verityUuid), by key. */
  values?: Record<string, string>;
  /** GPT partition GUIDs this filesystem decides, by partition name, for partitions whose spec sets
   *  none (verity: the data and hash partitions' UUIDs from the root hash, as systemd-repart does). */
  partitionGuids?: Record<string, string>;
  /** Keys added to the partition's manifest entry (verity: `verity: { rootHash, ... }`). */
  manifest?: Record<string, unknown>;
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
  parse(o: Obj, where: string, partition?: PartitionOf): S;
}

/** The whole disk a filesystem spec is in, for the checks and defaults that need it (`resolve`). */
export interface DiskOf {
  table: import('../spec-types.ts').TableSpec;
  partitions: readonly import('../spec-types.ts').PartitionSpec[];
  /** The partition's index in `partitions`. */
  index: number;
  /** The registry's fsCan and typesThatCan (a driver does not import the registry: no cycle). */
  can(type: string, what: keyof FsCapabilities): boolean;
  typesThatCan(what: keyof FsCapabilities): string[];
}

/** A size one partition needs once the others' planned sizes are known (see `planNeeds`). */
export interface PlanNeed {
  /** The partition's name. */
  partition: string;
  size: number;
  /** Why, for the error when a fixed size is smaller ("the hash tree of partition "root" needs ..."). */
  reason: string;
}

/** The partition a filesystem spec is in (its "type" as written, and the table's type). */
export interface PartitionOf {
  type: string;
  table: 'dos' | 'gpt';
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

/**
 * What a filesystem can do, asked by name wherever a type name used to be compared
 * (`capabilities.root` rather than `type === 'ext4' || type === 'btrfs'`).
 */
export interface FsCapabilities {
  /** It can be a Linux root filesystem (rpi-direct's root, the default "rootfs" partition). */
  readonly root: boolean;
  /** It holds a file tree (a "rootfs" tarball can be made of it). */
  readonly files: boolean;
  /** It can store symbolic links (without them copies follow links). */
  readonly symlinks: boolean;
  /** Linux mounts it read-write. */
  readonly writable: boolean;
  /** Read-only by design (erofs, squashfs) or plain data (raw): what dm-verity can protect
   *  (src/fs/verity.ts). Absent: false. */
  readonly readOnly?: boolean;
  /** It can grow to its partition at first boot (systemd-growfs, the GPT grow-file-system attribute). */
  readonly growsAtFirstBoot: boolean;
  /** Boot firmware reads files from it (the Raspberry Pi firmware, UEFI). */
  readonly firmwareReadable: boolean;
}

/** Recognising the filesystem from the first bytes of a partition (src/inspect/probe.ts). */
export interface FsProbe {
  /** Bytes from the partition start `matches` looks at (it may be given fewer). */
  readonly span: number;
  /** Whether `head` (the partition's first bytes) holds this filesystem. */
  matches(head: Buffer): boolean;
  /** A weak signature (FAT's boot sector): tried after every strong one. */
  readonly weak?: boolean;
  /** Its metadata from the superblock, for a filesystem without a reader (swap). */
  info?(file: string, offset: number, size: number): Promise<FsInfo>;
}

/** Where a reader opens: one partition of an image. */
export interface ReaderTarget {
  file: string;
  offset: number;
  size: number;
  /** "x.img:2", for messages. */
  display: string;
  /** A private directory for this partition's temporary files. */
  workDir: () => Promise<string>;
}

/** Opens a read-only reader (src/inspect/readers/<type>.ts). */
export type ReaderOpener = (t: ReaderTarget) => Promise<FsReader>;

/** What `imgsmith verify` runs on the filesystem, and how it reads the result. */
export type FsCheck =
  | {
      /** The checker (one of VERIFY_TOOLS in src/inspect/verify.ts). */
      readonly tool: string;
      /** How messages name the check ("e2fsck -fn"). */
      readonly title: string;
      /** 'offset': the tool reads `image?offset=N`; 'copy': a sparse copy of the partition. */
      readonly input: 'offset' | 'copy';
      /** Its arguments, for the file (or `image?offset=N`) to check. */
      args(file: string): string[];
      /** Reads the tool's exit status and output: ok, a one-line summary, or the problem lines. */
      verdict(r: { ok: boolean; out: string }): { ok: boolean; summary?: string; problems?: string };
    }
  /** No tool: the probe's signature is the check (swap). */
  | { readonly tool?: undefined; readonly signature: string };

interface DriverBase<S extends { type: string }> {
  readonly type: S['type'];
  /** Its part of the image spec. */
  readonly spec: FsSpecSchema<S>;
  /** What it can do (see FsCapabilities). */
  readonly capabilities: FsCapabilities;
  /** How to recognise it in a partition; null: it has no signature (raw). */
  readonly probe: FsProbe | null;
  /** Its reader module, loaded on first use; null: none (it holds no files, or imgsmith cannot read it). */
  readonly reader: (() => Promise<ReaderOpener>) | null;
  /** What `imgsmith verify` runs on it; null: nothing to check (raw data). */
  readonly check: FsCheck | null;
  /** What its label can hold (src/labels.ts); null: it has no label. */
  readonly label: LabelRule | null;
  /** The external tools it runs (e.g. ["mke2fs", "debugfs"]): checked before anything is built,
   *  their versions go into the manifest. */
  tools(spec: S): string[];
  /** The writer does its work in this process (it blocks the event loop while it runs). */
  readonly inProcess?: boolean;
  /** Set by the registry from `capabilities` (for callers that read them): `!symlinks`,
   *  `files`, `root`. New code asks `capabilities`. */
  readonly noSymlinks?: boolean;
  readonly holdsFiles?: boolean;
  readonly rootCandidate?: boolean;
  /** Paths the filesystem reserves for a directory it makes itself (ext4: /lost+found). */
  readonly reservedDirs?: readonly string[];
  /** Files the spec reads for this filesystem besides its contents (raw: its blob). */
  sources?(spec: S): ContentSource[];
  /** Why the minimum size is what it is, when the filesystem rather than its content sets it. */
  minimumReason?(spec: S, min: number): string | undefined;
  /** Checks that need the whole disk (other partitions, the table) and the defaults that depend on
   *  it, once every partition is parsed (src/spec.ts); errors name `where`. */
  resolve?(spec: S, disk: DiskOf, where: string): S;
  /** The values its report gives other partitions' files (`{KEY:NAME}`, see FsReport.values) and their
   *  lengths, known before it is written (verity: rootHash, verityUuid). */
  provides?(spec: S): Record<string, number>;
  /** The partitions (by name, `self` is its own) whose GPT GUID it decides when written (FsReport.partitionGuids). */
  guidsFor?(spec: S, self: string): string[];
  /** Partitions (by name) whose bytes must be final before this one is written (verity: its data). */
  after?(spec: S): string[];
  /** Sizes that depend on other partitions' planned sizes (`sizeOf(name)`), its own included:
   *  the planner lays out again until every need is met (src/layout.ts planWithNeeds). */
  planNeeds?(spec: S, self: string, sizeOf: (name: string) => number): PlanNeed[];
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
