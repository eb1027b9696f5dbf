/**
 * The squashfs 4.0 superblock (96 bytes at offset 0, little endian), decoded and checked in
 * one place: the probe (magic "hsqs"), `inspect`'s facts, `imgsmith verify`'s sanity check
 * and the driver's check of what mksquashfs made all read it here.
 *
 *   0  magic "hsqs"           4  inode_count         8  modification_time (mkfs time)
 *  12  block_size            16  fragment_entry_count
 *  20  compression_id u16    22  block_log u16      24  flags u16     26  id_count u16
 *  28  version_major u16     30  version_minor u16  32  root_inode_ref u64
 *  40  bytes_used u64        48  id_table_start     56  xattr_id_table_start
 *  64  inode_table_start     72  directory_table_start
 *  80  fragment_table_start  88  export_table_start (u64; all ones: absent)
 */
import { bitNames } from './bytes.ts';
import { dataError } from '../errors.ts';
import type { FsInfo } from '../inspect/types.ts';

export const SQUASHFS_MAGIC = Buffer.from('hsqs', 'latin1');
export const SQUASHFS_SUPER_SIZE = 96;
/** compression_id -> the name mksquashfs's -comp takes. */
export const SQUASHFS_COMPRESSORS: Readonly<Record<number, string>> = { 1: 'gzip', 2: 'lzma', 3: 'lzo', 4: 'xz', 5: 'lz4', 6: 'zstd' };
const FLAGS = [
  'uncompressed-inodes', 'uncompressed-data', 'check', 'uncompressed-fragments', 'no-fragments', 'always-fragments',
  'duplicates', 'exportable', 'uncompressed-xattrs', 'no-xattrs', 'compressor-options', 'uncompressed-ids',
];
const ABSENT = 0xffffffffffffffffn;

export interface SquashfsSuperblock {
  inodeCount: number;
  mkfsTime: number;
  blockSize: number;
  fragmentCount: number;
  compression: string;
  flags: number;
  idCount: number;
  version: string;
  rootInode: bigint;
  bytesUsed: number;
  tables: { id: number; xattr?: number; inode: number; directory: number; fragment?: number; export?: number };
}

/** Whether `head` starts with the squashfs magic. */
export function isSquashfs(head: Buffer): boolean {
  return head.length >= SQUASHFS_SUPER_SIZE && head.subarray(0, 4).equals(SQUASHFS_MAGIC);
}

const table = (b: Buffer, at: number): number | undefined => {
  const v = b.readBigUInt64LE(at);
  return v === ABSENT ? undefined : Number(v);
};

/**
 * Decodes and checks the superblock in `head` (the partition's first bytes) for a partition of
 * `size` bytes: every field a reader relies on in range (version 4.0, a power-of-two block size
 * between 4 KiB and 1 MiB matching block_log, a known compressor, bytes_used within the
 * partition, the tables in order inside bytes_used). A problem is a message, never an exception.
 */
export function decodeSquashfsSuperblock(head: Buffer, size = Number.MAX_SAFE_INTEGER): SquashfsSuperblock | string {
  if (head.length < SQUASHFS_SUPER_SIZE) return `the superblock needs ${SQUASHFS_SUPER_SIZE} bytes, got ${head.length}`;
  if (!head.subarray(0, 4).equals(SQUASHFS_MAGIC)) return 'no "hsqs" magic';
  const version = `${head.readUInt16LE(28)}.${head.readUInt16LE(30)}`;
  if (version !== '4.0') return `version ${version} (only squashfs 4.0 is read)`;
  const blockSize = head.readUInt32LE(12);
  const blockLog = head.readUInt16LE(22);
  if (blockSize < 4096 || blockSize > 1 << 20 || (blockSize & (blockSize - 1)) !== 0 || 1 << blockLog !== blockSize) {
    return `block size ${blockSize} (block_log ${blockLog}) is not a power of two from 4 KiB to 1 MiB`;
  }
  const compression = SQUASHFS_COMPRESSORS[head.readUInt16LE(20)];
  if (!compression) return `unknown compression id ${head.readUInt16LE(20)}`;
  const used = head.readBigUInt64LE(40);
  if (used < BigInt(SQUASHFS_SUPER_SIZE) || used > BigInt(size)) return `bytes_used ${used} is outside the partition of ${size} bytes`;
  const bytesUsed = Number(used);
  const tables = {
    id: table(head, 48), xattr: table(head, 56), inode: table(head, 64), directory: table(head, 72),
    fragment: table(head, 80), export: table(head, 88),
  };
  for (const [name, at] of Object.entries(tables)) {
    if (at !== undefined && (at < SQUASHFS_SUPER_SIZE || at >= bytesUsed)) return `the ${name} table starts at ${at}, outside the ${bytesUsed} bytes used`;
  }
  if (tables.id === undefined || tables.inode === undefined || tables.directory === undefined) return 'the id, inode or directory table is missing';
  if (tables.inode >= tables.directory) return `the inode table (${tables.inode}) does not come before the directory table (${tables.directory})`;
  const inodeCount = head.readUInt32LE(4);
  const idCount = head.readUInt16LE(26);
  if (inodeCount === 0 || idCount === 0) return `${inodeCount} inodes and ${idCount} ids (at least one of each)`;
  return {
    inodeCount, mkfsTime: head.readUInt32LE(8), blockSize, fragmentCount: head.readUInt32LE(16), compression,
    flags: head.readUInt16LE(24), idCount, version, rootInode: head.readBigUInt64LE(32), bytesUsed,
    tables: { ...tables, id: tables.id, inode: tables.inode, directory: tables.directory },
  };
}

/** `inspect`'s facts from a superblock (squashfs has no label or UUID). */
export function squashfsInfoOf(head: Buffer, size?: number): FsInfo {
  const d = decodeSquashfsSuperblock(head, size);
  if (typeof d === 'string') throw dataError(`not a valid squashfs superblock: ${d}`);
  return {
    type: 'squashfs',
    variant: `squashfs ${d.version}`,
    label: '',
    uuid: '',
    size: d.bytesUsed,
    blockSize: d.blockSize,
    used: d.bytesUsed,
    inodes: d.inodeCount,
    features: bitNames(d.flags, FLAGS),
    extra: { compression: d.compression, mkfsTime: String(d.mkfsTime), fragments: String(d.fragmentCount), ids: String(d.idCount) },
  };
}
