/**
 * The image spec, after validation and normalisation (see spec.ts for the
 * JSON format and the validator). Sizes are bytes; ids are numbers.
 */

export type SizeSpec = number | 'auto' | 'fill';

export interface DosTableSpec {
  type: 'dos';
  /** 32-bit disk signature ("label-id" in sfdisk), e.g. 0x2178694e. */
  labelId: number;
  /** The extended partition (a spec entry with "type": "extended"), which is not in `partitions`:
   *  the partitions from `partitions[at]` on are logical partitions inside it. */
  extended?: ExtendedPartitionSpec;
}

/** A DOS extended partition: no filesystem, holds the logical partitions (numbered 5, 6, ...). */
export interface ExtendedPartitionSpec {
  name: string;
  /** DOS type byte: 0x05 ("extended") or 0x0f. */
  dosType: number;
  /** Byte offset; otherwise the next aligned offset. */
  start?: number;
  /** Bytes, or "fill" (to the end of the disk). */
  size: number | 'fill';
  /** Its place in the spec's partition list: the JSON `spec.partitions[at]`; the logical
   *  partitions are `partitions[at]`, `partitions[at + 1]` ... of the parsed spec. */
  at: number;
}

export interface GptTableSpec {
  type: 'gpt';
  /** Explicit disk GUID; otherwise derived from `seed`. */
  diskGuid?: string;
  /** Seed for deterministic disk/partition GUIDs (like systemd-repart --seed). */
  seed: string;
  /** Names of up to 3 partitions to mirror into a hybrid MBR (Raspberry Pi 3). */
  hybridMbr?: string[];
  /** Byte offset of the primary partition entry array (default 1024: LBA 2), as `sgdisk -j`. */
  entryArrayOffset?: number;
  /** Number of partition entries (default 128), as `sgdisk --resize-table`. */
  entries?: number;
  /** Byte offset of the first usable LBA (default: the end of the primary entry array). */
  firstUsable?: number;
}

export type TableSpec = DosTableSpec | GptTableSpec;

/**
 * The filesystems' specs are defined by their drivers (src/fs/*.ts; registry src/fs/index.ts),
 * which sit above this module: each driver adds its spec here by augmenting `FilesystemSpecs`
 * (`declare module '../spec-types.ts' { interface FilesystemSpecs { vfat: VfatSpec } }`),
 * so this module imports none of them.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface FilesystemSpecs {}
/** The `filesystem` of a partition: one of the drivers' specs. */
export type FilesystemSpec = FilesystemSpecs[keyof FilesystemSpecs];
export type FilesystemType = keyof FilesystemSpecs;
/** The filesystems that can be recognised in an image (their driver has a `probe`): each
 *  such driver adds itself here too (src/inspect/types.ts's FsType). */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ProbedFilesystems {}
export type ProbedFilesystemType = keyof ProbedFilesystems & FilesystemType;
export type VfatSpec = FilesystemSpecs['vfat'];
export type Ext4Spec = FilesystemSpecs['ext4'];
export type BtrfsSpec = FilesystemSpecs['btrfs'];
export type SwapSpec = FilesystemSpecs['swap'];
export type RawSpec = FilesystemSpecs['raw'];

/** The content generators' names: src/content/resolve.ts adds each of its generators here. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ContentGenerators {}
export type GeneratorName = keyof ContentGenerators & string;

/** Where a content path is resolved from. */
export type SourceRoot = 'firmware' | 'spec' | 'toplevel';

export interface ContentSource {
  from: SourceRoot;
  /** Relative to the root named by `from`. The last component may be a glob (* ?). */
  path: string;
}

/** Copy a file, a directory (recursively) or every match of a glob. */
export interface CopyItem extends ContentSource {
  kind: 'copy';
  /** Absolute path in the filesystem. For a glob or a directory: the directory to put
   *  the matches/contents into. For a file: the file's path, or a directory ending in "/". */
  target: string;
  optional: boolean;
  /** Follow symlinks (like `cp -rL`). Default: false (symlinks are copied as symlinks),
   *  except on filesystems that cannot store symlinks (FAT), where copies follow them. */
  dereference?: boolean;
}

/** A symlink: `target` is where it goes in the filesystem, `linkTarget` its text. */
export interface SymlinkItem {
  kind: 'symlink';
  linkTarget: string;
  target: string;
}

/** A generated file or tree. */
export interface GenerateItem {
  kind: 'generate';
  /** One of the generators of src/content/resolve.ts. */
  generator: GeneratorName;
  /** Absolute target path: the file for rpi-config.txt (default /config.txt), the boot
   *  directory for extlinux (default /boot). Unused for closure and rpi-direct. */
  target: string;
  /** Generator options, e.g. { "extraConfig": "..." } or { "timeout": 50 }. */
  options: Record<string, unknown>;
}

/** A literal text file. */
export interface TextItem {
  kind: 'text';
  text: string;
  target: string;
  mode: number;
}

export type ContentItem = CopyItem | GenerateItem | TextItem | SymlinkItem;

export interface PartitionSpec {
  /** Unique name; the GPT partition name (at most 36 UTF-16 units). */
  name: string;
  /** Type: DOS id ("0x0b", "83", alias "fat32", "linux", "swap", "efi") or GPT alias/code/GUID. */
  type: string;
  /** Byte offset of the partition start; otherwise the next aligned offset. */
  start?: number;
  size: SizeSpec;
  /** DOS: boot indicator 0x80. GPT: legacy-BIOS-bootable attribute (bit 2). */
  bootable: boolean;
  /** GPT attribute flags: "required", "no-block-io", "legacy-bios-bootable", "grow-file-system" (bit 59, systemd's GrowFileSystem), or bit numbers 48-63. */
  attributes: (string | number)[];
  /** GPT unique partition GUID; otherwise derived from the table seed and `name`. */
  guid?: string;
  filesystem: FilesystemSpec;
  contents: ContentItem[];
}

/** A tarball written beside the image (<name>.tar or <name>.tar.zst). */
export type TarOutputSpec =
  /** The tree of one partition (resolved: the named one, else the one with the closure, else the last ext4/btrfs). */
  | { type: 'rootfs'; partition: string }
  /** The closure in Nix's binary-tarball layout (nix-<label>-<system>/{.reginfo,install,store/}). */
  | { type: 'nix-binary-tarball' };

/**
 * The spec's `output` object, parsed: the common keys, and every output's own keys (each output
 * declares, parses and reads its keys itself: src/outputs/, `Output.spec`; outputs/index.ts types them).
 */
export interface OutputSpec {
  /** File name template without extension; {name}, {label} and {system} are replaced. */
  name: string;
  /** A subdirectory of the output directory for the image files (nixpkgs' sd-image.nix: "sd-image"); default none. */
  directory?: string;
  readonly [key: string]: unknown;
}

/**
 * A bootloader region: a file written at a fixed byte offset of the disk, outside any
 * partition (Allwinner's SPL at 8 KiB, Rockchip's idbloader at sector 64). src/regions.ts
 * checks that it overlaps nothing and writes it.
 */
export interface RegionSpec {
  /** Unique; names the region in messages and the manifest. */
  name: string;
  /** Byte offset on the disk (any byte, not only sector boundaries). */
  offset: number;
  /** Where `file` is read from (default "firmware"), as a copy item's `from`. */
  from: SourceRoot;
  /** The file, relative to the root named by `from`. */
  file: string;
  /** Largest size the file may have, in bytes. */
  maxSize?: number;
}

export interface ImageSpec {
  name: string;
  /** Nix system of the image, e.g. aarch64-linux (for the file name and nix-support/system). */
  system: string;
  table: TableSpec;
  /** Partition alignment in bytes (default 1 MiB). */
  alignment: number;
  /** Target disk size in bytes; required when a partition has size "fill". */
  diskSize?: number;
  partitions: PartitionSpec[];
  /** Bootloader regions outside the partition table (empty: none). */
  regions: RegionSpec[];
  output: OutputSpec;
  /** Absolute directory of the spec file (for from: "spec" contents). */
  specDir: string;
}
