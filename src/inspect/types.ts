/**
 * Types shared by the read side of imgsmith (inspect, ls, cat, extract, diff, and the
 * verify/flash commands): an opened image, its partition table as read back from the
 * disk, and a read-only filesystem reader.
 */

/** An image opened for reading (see image.ts). */
export interface OpenedImage {
  /** What the user named (for messages). */
  source: string;
  /** A raw image file or block device to read: the source itself, or for `.img.zst` a
   *  sparse temporary file holding the decompressed image. */
  path: string;
  /** Bytes in the raw image. */
  size: number;
  kind: 'file' | 'block-device' | 'zstd';
  /** How a `.img.zst` was decompressed: the zstd CLI, or in-process (libzstd through the addon, Node's zstd, or zstd-codec). */
  decompressor?: 'zstd-cli' | 'libzstd' | 'node-zlib' | 'zstd-codec';
  /** A private temporary directory (created on first use, removed by close()). */
  tmpDir(): Promise<string>;
  /** Removes the temporary files; idempotent. */
  close(): Promise<void>;
}

export type TableType = 'dos' | 'gpt';

/** One partition as read from the table. Offsets and sizes in bytes. */
export interface Partition {
  /** 1-based number (DOS slot, 5 on for logical partitions / GPT entry), as Linux numbers them (sdX1 ...). */
  index: number;
  start: number;
  size: number;
  startLba: number;
  sizeLba: number;
  /** DOS: "0x0b". GPT: the type GUID, upper case. */
  typeCode: string;
  /** A human name for the type ("W95 FAT32", "EFI System", ...) or "unknown". */
  typeName: string;
  /** DOS: boot flag 0x80; GPT: the LegacyBIOSBootable attribute. */
  bootable: boolean;
  /** DOS only: an extended partition (its logical partitions, numbered from 5, are listed after the primary ones). */
  extended?: boolean;
  /** GPT only. */
  name?: string;
  guid?: string;
  /** GPT only: the 64-bit attribute field as hex ("0x0000000000000004"). */
  attributesHex?: string;
  /** GPT only, when any bit is set: as `sfdisk -d` prints it ("RequiredPartition LegacyBIOSBootable GUID:48"). */
  attributes?: string;
}

export interface GptHeaderInfo {
  /** LBA of the header that was read (1 for the primary). */
  myLba: number;
  alternateLba: number;
  firstUsableLba: number;
  lastUsableLba: number;
  entriesLba: number;
  entryCount: number;
  entrySize: number;
  headerCrcOk: boolean;
  entriesCrcOk: boolean;
}

export interface PartitionTable {
  type: TableType;
  /** DOS: "0x2178694e"; GPT: the disk GUID, upper case. */
  diskId: string;
  sectorSize: 512;
  /** Bytes of the disk the table was read from. */
  diskSize: number;
  partitions: Partition[];
  /** DOS with an extended partition: the LBAs of the EBRs read, in chain order. */
  ebrs?: number[];
  /** GPT only: the primary header, and the backup header when one was found where the primary says. */
  gpt?: { primary: GptHeaderInfo; backup?: GptHeaderInfo; hybridMbr: boolean };
  /** Things that will bite (backup GPT not at the end, overlaps, ...), one line each. */
  warnings: string[];
}

/** A filesystem type that can be recognised in an image: from the registry (src/fs/index.ts;
 *  each driver with a probe adds its type to spec-types.ts's ProbedFilesystems). */
export type FsType = import('../spec-types.ts').ProbedFilesystemType;

/** Filesystem metadata read from the filesystem itself. Sizes in bytes. */
export interface FsInfo {
  type: FsType;
  /** e.g. "FAT16", "ext4", "btrfs", "swap". */
  variant: string;
  label: string;
  /** ext4/btrfs/swap: the UUID; vfat: the volume id as "2178-694E". */
  uuid: string;
  size: number;
  blockSize?: number;
  used?: number;
  free?: number;
  inodes?: number;
  inodesFree?: number;
  features?: string[];
  /** Further fields worth comparing (hash seed, timestamps, generation, OEM name...), flat strings. */
  extra: Record<string, string>;
}

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

/** The entry type of a POSIX st_mode. */
export function entryTypeOf(mode: number): EntryType {
  switch (mode & 0o170000) {
    case 0o100000: return 'file';
    case 0o040000: return 'dir';
    case 0o120000: return 'symlink';
    default: return 'other';
  }
}

/** One directory entry with its metadata. */
export interface FsEntry {
  /** The name within its directory. Names, paths and targets are BYTES, held as latin1 byte
   *  strings as in src/content/tree.ts (`show()` for messages, `hostPath()` for fs calls). */
  name: string;
  /** Absolute path inside the filesystem ("/", "/boot/extlinux"). */
  path: string;
  type: EntryType;
  /** Permission bits incl. setuid/setgid/sticky (0o7777). FAT: 0o755 dirs, 0o644 files (0o444 read-only). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch (FAT: local time read as UTC, 2 s resolution). */
  mtime: number;
  /** Symlinks: the target. */
  target?: string;
  /** Inode number where the filesystem has one. */
  ino?: number;
}

/** A read-only view of one filesystem. Paths are absolute ("/", "/boot/x"). */
export interface FsReader {
  readonly type: FsType;
  info(): Promise<FsInfo>;
  /** Metadata of one path (not following a final symlink); throws a usage error naming the path when absent. */
  stat(path: string): Promise<FsEntry>;
  /** The entries of a directory (without . and ..), sorted by name. */
  list(path: string): Promise<FsEntry[]>;
  /** Every entry below a directory (not the directory itself), parents before children;
   *  optional: without it callers walk with list(). */
  walk?(path: string): AsyncIterable<FsEntry>;
  /** Writes a regular file's bytes to `out` (a writable fd). */
  readFileTo(path: string, out: number): Promise<void>;
  /** Optional: writes the bytes of many regular files, each to its fd (files[i] to fds[i]), where the
   *  filesystem has a faster way than one readFileTo per file (ext4: one debugfs run). */
  readFilesTo?(files: readonly FsEntry[], fds: readonly number[]): Promise<void>;
  /** Optional: the SHA-256 (hex) of many regular files at once, keyed by path, where the
   *  filesystem has a faster way than one readFileTo per file (ext4: one debugfs run). */
  hashFiles?(files: readonly FsEntry[]): Promise<Map<string, string>>;
  /** Releases what the reader holds (child processes, temp files). */
  close(): Promise<void>;
}

/** One check of `imgsmith verify` (src/inspect/verify.ts, verify-names.ts). */
export type CheckStatus = 'ok' | 'FAIL' | 'SKIPPED';

export interface CheckResult {
  /** table, fs, verity, image-sha256 (image-size when the manifest has no raw SHA-256), compressed-sha256, bmap-file, simg-sha256, bmap-ranges, artifact-range, artifact-file, decompress, manifest, region (a bootloader region the manifest records) */
  check: string;
  /** What was checked: the image, "partition 2 (ext4)", a file (by its full path or as given). */
  where: string;
  status: CheckStatus;
  /** status === 'ok' (a skipped check is not ok, and not a failure). */
  ok: boolean;
  /** One line: what was found (the failing tool's first relevant line on failure; the reason when skipped). */
  detail: string;
}
