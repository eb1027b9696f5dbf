/**
 * The ext2/3/4 superblock (struct ext2_super_block, 1024 bytes at byte 1024 of the
 * filesystem): the one place for its field offsets and feature bit names, and a parser
 * for the facts the ext4 writer reports and `imgsmith inspect` shows. Our own reader: no
 * dumpe2fs (whose device-name parsing changed in e2fsprogs 1.47.2: `image?offset=N` is
 * taken for a NAME=value tag there).
 */
import { promises as fsp } from 'node:fs';
import { cstr } from '../codec/bytes.ts';
import { jsonTime } from '../json-output.ts';
import { uuidString } from '../uuid.ts';
import { dataError } from '../errors.ts';
import type { FsInfo } from '../inspect/types.ts';

export const SB_OFFSET = 1024;
export const SB_SIZE = 1024;
export const SB = {
  INODES_COUNT: 0x00,
  BLOCKS_LO: 0x04,
  R_BLOCKS_LO: 0x08,
  FREE_BLOCKS_LO: 0x0c,
  FREE_INODES: 0x10,
  FIRST_DATA_BLOCK: 0x14,
  LOG_BLOCK_SIZE: 0x18,
  BLOCKS_PER_GROUP: 0x20,
  INODES_PER_GROUP: 0x28,
  MTIME: 0x2c,
  WTIME: 0x30,
  MNT_COUNT: 0x34,
  MAGIC: 0x38,
  STATE: 0x3a,
  LASTCHECK: 0x40,
  CREATOR_OS: 0x48,
  INODE_SIZE: 0x58,
  BLOCK_GROUP_NR: 0x5a,
  FEATURE_COMPAT: 0x5c,
  FEATURE_INCOMPAT: 0x60,
  FEATURE_RO_COMPAT: 0x64,
  UUID: 0x68,
  VOLUME_NAME: 0x78,
  JOURNAL_UUID: 0xd0,
  JOURNAL_INUM: 0xe0,
  HASH_SEED: 0xec,
  DESC_SIZE: 0xfe,
  /** s_jnl_blocks[17]: the journal inode's i_block[15], i_size_high, i_size. */
  JNL_BLOCKS: 0x10c,
  JNL_SIZE_HIGH: 0x148,
  JNL_SIZE: 0x14c,
  MKFS_TIME: 0x108,
  BLOCKS_HI: 0x150,
  R_BLOCKS_HI: 0x154,
  FREE_BLOCKS_HI: 0x158,
  FLAGS: 0x160,
  KBYTES_WRITTEN: 0x178,
  WTIME_HI: 0x274,
  CHECKSUM_SEED: 0x270,
  JNL_BACKUP_TYPE: 0xfd,
  CHECKSUM: 0x3fc,
} as const;
export const EXT4_MAGIC = 0xef53;
export const FLAG_SIGNED_HASH = 0x1;
export const FLAG_UNSIGNED_HASH = 0x2;
export const COMPAT_HAS_JOURNAL = 0x4;
export const COMPAT_SPARSE_SUPER2 = 0x200;
export const INCOMPAT_META_BG = 0x10;
export const INCOMPAT_EXTENTS = 0x40;
export const INCOMPAT_64BIT = 0x80;
export const INCOMPAT_FLEX_BG = 0x200;
export const RO_COMPAT_SPARSE_SUPER = 0x1;
export const RO_COMPAT_METADATA_CSUM = 0x400;
/** s_jnl_backup_type: s_jnl_blocks holds a copy of the journal inode's blocks. */
const JNL_BACKUP_BLOCKS = 1;

/** Feature names by bit, as e2fsprogs' lib/e2p/feature.c spells them (dumpe2fs's). */
export const EXT4_COMPAT = ['dir_prealloc', 'imagic_inodes', 'has_journal', 'ext_attr', 'resize_inode', 'dir_index', 'lazy_bg', 'snapshot_bitmap', 'exclude_bitmap', 'sparse_super2', 'fast_commit', 'stable_inodes', 'orphan_file'];
export const EXT4_INCOMPAT = ['compression', 'filetype', 'needs_recovery', 'journal_dev', 'meta_bg', 'FEATURE_I5', 'extent', '64bit', 'mmp', 'flex_bg', 'ea_inode', 'FEATURE_I11', 'dirdata', 'metadata_csum_seed', 'large_dir', 'inline_data', 'encrypt', 'casefold'];
export const EXT4_RO = ['sparse_super', 'large_file', 'FEATURE_R2', 'huge_file', 'uninit_bg', 'dir_nlink', 'extra_isize', 'snapshot', 'quota', 'bigalloc', 'metadata_csum', 'replica', 'read-only', 'project', 'shared_blocks', 'verity', 'orphan_present'];

function bits(v: number, names: string[], prefix: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < 32; i++) if (v & (1 << i)) out.push(names[i] ?? `FEATURE_${prefix}${i}`);
  return out;
}

/** The feature names of a superblock, compat, incompat then ro_compat, each by bit. */
export function ext4FeatureNames(sb: Buffer): string[] {
  return [
    ...bits(sb.readUInt32LE(SB.FEATURE_COMPAT), EXT4_COMPAT, 'C'),
    ...bits(sb.readUInt32LE(SB.FEATURE_INCOMPAT), EXT4_INCOMPAT, 'I'),
    ...bits(sb.readUInt32LE(SB.FEATURE_RO_COMPAT), EXT4_RO, 'R'),
  ];
}

/** What the ext4 writer reports of a filesystem. */
export interface Ext4Facts {
  inodes: number;
  freeInodes: number;
  blocks: number;
  freeBlocks: number;
  blockSize: number;
  /** Blocks of the internal journal (its inode's size), 0 without one. */
  journalBlocks: number;
  /** Feature names separated by spaces (dumpe2fs's "Filesystem features"). */
  features: string;
}

/** The facts of a superblock (the 1024 bytes at filesystem byte 1024). */
export function parseExt4Superblock(sb: Buffer): Ext4Facts {
  if (sb.length < SB_SIZE || sb.readUInt16LE(SB.MAGIC) !== EXT4_MAGIC) throw dataError('not an ext2/3/4 superblock');
  // Untrusted input: ext4 blocks are 1 KiB to 64 KiB (log 0..6).
  if (sb.readUInt32LE(SB.LOG_BLOCK_SIZE) > 6) throw dataError(`not an ext2/3/4 superblock: block size 2^(10+${sb.readUInt32LE(SB.LOG_BLOCK_SIZE)})`);
  const is64 = (sb.readUInt32LE(SB.FEATURE_INCOMPAT) & INCOMPAT_64BIT) !== 0;
  const hi = (o: number) => (is64 ? sb.readUInt32LE(o) * 2 ** 32 : 0);
  const blockSize = 1024 << sb.readUInt32LE(SB.LOG_BLOCK_SIZE);
  const hasJournal = (sb.readUInt32LE(SB.FEATURE_COMPAT) & COMPAT_HAS_JOURNAL) !== 0 && sb.readUInt32LE(SB.JOURNAL_INUM) !== 0;
  let journalBlocks = 0;
  if (hasJournal && sb[SB.JNL_BACKUP_TYPE] === JNL_BACKUP_BLOCKS) {
    journalBlocks = Math.floor((sb.readUInt32LE(SB.JNL_SIZE_HIGH) * 2 ** 32 + sb.readUInt32LE(SB.JNL_SIZE)) / blockSize);
  }
  return {
    inodes: sb.readUInt32LE(SB.INODES_COUNT),
    freeInodes: sb.readUInt32LE(SB.FREE_INODES),
    blocks: sb.readUInt32LE(SB.BLOCKS_LO) + hi(SB.BLOCKS_HI),
    freeBlocks: sb.readUInt32LE(SB.FREE_BLOCKS_LO) + hi(SB.FREE_BLOCKS_HI),
    blockSize,
    journalBlocks,
    features: ext4FeatureNames(sb).join(' '),
  };
}

/** Whether the partition's first bytes hold an ext2/3/4 superblock's magic. */
export function isExt4(head: Buffer): boolean {
  return head.length >= SB_OFFSET + SB.MAGIC + 2 && head.readUInt16LE(SB_OFFSET + SB.MAGIC) === EXT4_MAGIC;
}

/** The fields the writer stamps on every superblock copy after mke2fs (see src/fs/ext4.ts). */
export interface Ext4Stamp {
  /** s_flags: the signed directory hash (as on x86 and arm64 hosts), not unsigned. */
  signedHash: true;
  kbytesWritten: bigint;
  /** s_wtime (with its high byte). */
  writeTime: number;
}

/** Encodes `stamp` into a superblock copy (the checksum is the caller's: it knows the seed). */
export function encodeExt4Stamp(sb: Buffer, stamp: Ext4Stamp): void {
  const flags = sb.readUInt32LE(SB.FLAGS);
  sb.writeUInt32LE(((flags & ~FLAG_UNSIGNED_HASH) | FLAG_SIGNED_HASH) >>> 0, SB.FLAGS);
  sb.writeBigUInt64LE(stamp.kbytesWritten, SB.KBYTES_WRITTEN);
  sb.writeUInt32LE(stamp.writeTime % 2 ** 32, SB.WTIME);
  sb[SB.WTIME_HI] = Math.floor(stamp.writeTime / 2 ** 32) & 0xff;
}

/** What `imgsmith inspect` shows of an ext2/3/4 superblock (the 1024 bytes at byte 1024). */
export function ext4InfoOf(sb: Buffer): FsInfo {
  const facts = parseExt4Superblock(sb);
  const compat = sb.readUInt32LE(SB.FEATURE_COMPAT);
  const incompat = sb.readUInt32LE(SB.FEATURE_INCOMPAT);
  const hi = (o: number) => ((incompat & INCOMPAT_64BIT) !== 0 ? sb.readUInt32LE(o) * 2 ** 32 : 0);
  const { blockSize, blocks, freeBlocks } = facts;
  const variant = incompat & INCOMPAT_EXTENTS || incompat & INCOMPAT_64BIT || incompat & INCOMPAT_FLEX_BG ? 'ext4' : compat & COMPAT_HAS_JOURNAL ? 'ext3' : 'ext2';
  const state = sb.readUInt16LE(SB.STATE);
  const uuidAt = (o: number) => uuidString(sb.subarray(o, o + 16));
  return {
    type: 'ext4',
    variant,
    label: cstr(sb.subarray(SB.VOLUME_NAME, SB.VOLUME_NAME + 16)),
    uuid: uuidAt(SB.UUID),
    size: blocks * blockSize,
    blockSize,
    used: (blocks - freeBlocks) * blockSize,
    free: freeBlocks * blockSize,
    inodes: facts.inodes,
    inodesFree: facts.freeInodes,
    features: ext4FeatureNames(sb),
    extra: {
      hashSeed: uuidAt(SB.HASH_SEED),
      state: state & 1 ? (state & 2 ? 'clean with errors' : 'clean') : 'not clean',
      inodeSize: String(sb.readUInt16LE(SB.INODE_SIZE)),
      blocksPerGroup: String(sb.readUInt32LE(SB.BLOCKS_PER_GROUP)),
      inodesPerGroup: String(sb.readUInt32LE(SB.INODES_PER_GROUP)),
      reservedBlocks: String(sb.readUInt32LE(SB.R_BLOCKS_LO) + hi(SB.R_BLOCKS_HI)),
      mkfsTime: jsonTime(sb.readUInt32LE(SB.MKFS_TIME)),
      writeTime: jsonTime(sb.readUInt32LE(SB.WTIME)),
      mountTime: jsonTime(sb.readUInt32LE(SB.MTIME)),
      lastCheck: jsonTime(sb.readUInt32LE(SB.LASTCHECK)),
      mountCount: String(sb.readUInt16LE(SB.MNT_COUNT)),
      journalUuid: uuidAt(SB.JOURNAL_UUID),
      checksumSeed: String(sb.readUInt32LE(SB.CHECKSUM_SEED)),
      creatorOs: String(sb.readUInt32LE(SB.CREATOR_OS)),
    },
  };
}

/** Reads the primary superblock of the filesystem at byte `offset` of `image`. */
export async function readExt4Superblock(image: string, offset: number): Promise<Buffer> {
  const fh = await fsp.open(image, 'r');
  try {
    const sb = Buffer.alloc(SB_SIZE);
    const { bytesRead } = await fh.read(sb, 0, SB_SIZE, offset + SB_OFFSET);
    if (bytesRead !== SB_SIZE || sb.readUInt16LE(SB.MAGIC) !== EXT4_MAGIC) throw dataError(`no ext2/3/4 superblock at byte ${offset + SB_OFFSET}`);
    return sb;
  } finally {
    await fh.close();
  }
}

/** Group descriptor fields (struct ext4_group_desc; the _hi halves with 64bit). */
export const GD = { INODE_BITMAP_LO: 0x04, INODE_TABLE_LO: 0x08, FLAGS: 0x12, INODE_BITMAP_HI: 0x24, INODE_TABLE_HI: 0x28 } as const;
/** Fields of struct ext2_inode. */
export const INODE_FLAGS = 0x20;
const INODE = { UID: 0x02, ATIME: 0x08, CTIME: 0x0c, MTIME: 0x10, GID: 0x18, UID_HIGH: 0x78, GID_HIGH: 0x7a } as const;
/** The i_flags a filesystem's own structure sets (everything else came from a host's chattr). */
export const STRUCTURAL_INODE_FLAGS = 0x1000 /* INDEX */ | 0x40000 /* HUGE_FILE */ | 0x80000 /* EXTENTS */ | 0x10000000; /* INLINE_DATA */
export const BG_INODE_UNINIT = 0x1;

/** Inode numbers in use, from the group descriptors and inode bitmaps. */
export async function usedInodes(image: string, offset: number): Promise<number[]> {
  return (await usedInodeFlags(image, offset)).map(([ino]) => ino);
}

/** An inode in use: number, i_flags, owner and the low 32 bits of its times. */
export interface UsedInode {
  ino: number;
  flags: number;
  uid: number;
  gid: number;
  /** atime, ctime, mtime (seconds, low 32 bits). */
  times: number[];
}

/** [inode number, i_flags] of every inode in use (from the bitmaps and inode tables). */
export async function usedInodeFlags(image: string, offset: number): Promise<[number, number][]> {
  return (await usedInodeInfo(image, offset)).map((i) => [i.ino, i.flags]);
}

/** Every inode in use (from the group descriptors, inode bitmaps and inode tables). */
export async function usedInodeInfo(image: string, offset: number): Promise<UsedInode[]> {
  const sb = await readExt4Superblock(image, offset);
  const incompat = sb.readUInt32LE(SB.FEATURE_INCOMPAT);
  if (incompat & INCOMPAT_META_BG) throw dataError('meta_bg group descriptors are not supported');
  const blockSize = 1024 << sb.readUInt32LE(SB.LOG_BLOCK_SIZE);
  const is64 = (incompat & INCOMPAT_64BIT) !== 0;
  const descSize = is64 ? sb.readUInt16LE(SB.DESC_SIZE) || 64 : 32;
  const ipg = sb.readUInt32LE(SB.INODES_PER_GROUP);
  const groups = Math.ceil(sb.readUInt32LE(SB.INODES_COUNT) / ipg);
  const fh = await fsp.open(image, 'r');
  try {
    const gdStart = offset + (sb.readUInt32LE(SB.FIRST_DATA_BLOCK) + 1) * blockSize;
    const gd = Buffer.alloc(groups * descSize);
    await fh.read(gd, 0, gd.length, gdStart);
    const used: UsedInode[] = [];
    const bitmap = Buffer.alloc(Math.ceil(ipg / 8));
    const inodeSize = sb.readUInt16LE(SB.INODE_SIZE);
    const table = Buffer.alloc(ipg * inodeSize);
    for (let g = 0; g < groups; g++) {
      const d = g * descSize;
      if (gd.readUInt16LE(d + GD.FLAGS) & BG_INODE_UNINIT) continue;
      const blk = gd.readUInt32LE(d + GD.INODE_BITMAP_LO) + (is64 && descSize >= 64 ? gd.readUInt32LE(d + GD.INODE_BITMAP_HI) * 2 ** 32 : 0);
      await fh.read(bitmap, 0, bitmap.length, offset + blk * blockSize);
      const hi = (o: number) => (is64 && descSize >= 64 ? gd.readUInt32LE(d + o) * 2 ** 32 : 0);
      await fh.read(table, 0, table.length, offset + (gd.readUInt32LE(d + GD.INODE_TABLE_LO) + hi(GD.INODE_TABLE_HI)) * blockSize);
      for (let i = 0; i < ipg; i++) {
        if (!(bitmap[i >> 3]! & (1 << (i & 7)))) continue;
        const o = i * inodeSize;
        used.push({
          ino: g * ipg + i + 1,
          flags: table.readUInt32LE(o + INODE_FLAGS),
          uid: table.readUInt16LE(o + INODE.UID) + table.readUInt16LE(o + INODE.UID_HIGH) * 0x10000,
          gid: table.readUInt16LE(o + INODE.GID) + table.readUInt16LE(o + INODE.GID_HIGH) * 0x10000,
          times: [table.readUInt32LE(o + INODE.ATIME), table.readUInt32LE(o + INODE.CTIME), table.readUInt32LE(o + INODE.MTIME)],
        });
      }
    }
    return used;
  } finally {
    await fh.close();
  }
}
