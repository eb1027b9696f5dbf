/**
 * Recognising the filesystem in a partition and reading its superblock (our own parser,
 * no tool): ext2/3/4, btrfs, swap, FAT (the FAT boot sector is parsed by readers/vfat.ts).
 */
import { promises as fsp } from 'node:fs';
import { jsonTime } from '../json-output.ts';
import { readAt } from './image.ts';
import { COMPAT_HAS_JOURNAL, ext4FeatureNames, INCOMPAT_64BIT, INCOMPAT_EXTENTS, INCOMPAT_FLEX_BG, parseExt4Superblock, SB, SB_OFFSET, SB_SIZE } from '../fs/ext4-superblock.ts';
import type { FsInfo, FsType } from './types.ts';

/** The filesystem type in [offset, offset+size) of `file`, or undefined. */
export async function detectFs(file: string, offset: number, size: number): Promise<FsType | undefined> {
  const fh = await fsp.open(file, 'r');
  try {
    const head = await readAt(fh, offset, Math.min(size, 0x10000 + 4096));
    if (head.length >= 0x10048 && head.toString('latin1', 0x10040, 0x10048) === '_BHRfS_M') return 'btrfs';
    if (head.length >= SB_OFFSET + SB.MAGIC + 2 && head.readUInt16LE(SB_OFFSET + SB.MAGIC) === 0xef53) return 'ext4';
    for (const page of [4096, 8192, 16384, 65536]) {
      const sig = page <= head.length ? head.toString('latin1', page - 10, page) : '';
      if (sig === 'SWAPSPACE2' || sig === 'SWAP-SPACE') return 'swap';
    }
    if (head.length >= 512 && head[510] === 0x55 && head[511] === 0xaa) {
      const bps = head.readUInt16LE(11);
      const fat16 = head.toString('latin1', 54, 62);
      const fat32 = head.toString('latin1', 82, 90);
      if ([512, 1024, 2048, 4096].includes(bps) && head[13]! > 0 && (fat16.startsWith('FAT') || fat32.startsWith('FAT32') || head[16]! > 0)) return 'vfat';
    }
    return undefined;
  } finally {
    await fh.close();
  }
}

const hex = (b: Buffer) => b.toString('hex');
export function uuidString(b: Buffer): string {
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
const cstr = (b: Buffer) => {
  const nul = b.indexOf(0);
  return (nul >= 0 ? b.subarray(0, nul) : b).toString('utf8');
};
/** Superblock times as every JSON output writes times (0, never, is 1970-01-01T00:00:00Z). */
const isoTime = jsonTime;

function bits(v: number, names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < 32; i++) if (v & (1 << i)) out.push(names[i] ?? `FEATURE_${i}`);
  return out;
}

/** ext2/3/4 superblock (at partition offset + 1024). */
export async function ext4Info(file: string, offset: number): Promise<FsInfo> {
  const sb = await readAt(file, offset + SB_OFFSET, SB_SIZE);
  const facts = parseExt4Superblock(sb);
  const compat = sb.readUInt32LE(SB.FEATURE_COMPAT);
  const incompat = sb.readUInt32LE(SB.FEATURE_INCOMPAT);
  const is64 = (incompat & INCOMPAT_64BIT) !== 0;
  const hi = (o: number) => (is64 ? sb.readUInt32LE(o) * 2 ** 32 : 0);
  const { blockSize, blocks, freeBlocks } = facts;
  const variant = incompat & INCOMPAT_EXTENTS || incompat & INCOMPAT_64BIT || incompat & INCOMPAT_FLEX_BG ? 'ext4' : compat & COMPAT_HAS_JOURNAL ? 'ext3' : 'ext2';
  const state = sb.readUInt16LE(SB.STATE);
  return {
    type: 'ext4',
    variant,
    label: cstr(sb.subarray(SB.VOLUME_NAME, SB.VOLUME_NAME + 16)),
    uuid: uuidString(sb.subarray(SB.UUID, SB.UUID + 16)),
    size: blocks * blockSize,
    blockSize,
    used: (blocks - freeBlocks) * blockSize,
    free: freeBlocks * blockSize,
    inodes: facts.inodes,
    inodesFree: facts.freeInodes,
    features: ext4FeatureNames(sb),
    extra: {
      hashSeed: uuidString(sb.subarray(SB.HASH_SEED, SB.HASH_SEED + 16)),
      state: state & 1 ? (state & 2 ? 'clean with errors' : 'clean') : 'not clean',
      inodeSize: String(sb.readUInt16LE(SB.INODE_SIZE)),
      blocksPerGroup: String(sb.readUInt32LE(SB.BLOCKS_PER_GROUP)),
      inodesPerGroup: String(sb.readUInt32LE(SB.INODES_PER_GROUP)),
      reservedBlocks: String(sb.readUInt32LE(SB.R_BLOCKS_LO) + hi(SB.R_BLOCKS_HI)),
      mkfsTime: isoTime(sb.readUInt32LE(SB.MKFS_TIME)),
      writeTime: isoTime(sb.readUInt32LE(SB.WTIME)),
      mountTime: isoTime(sb.readUInt32LE(SB.MTIME)),
      lastCheck: isoTime(sb.readUInt32LE(SB.LASTCHECK)),
      mountCount: String(sb.readUInt16LE(SB.MNT_COUNT)),
      journalUuid: uuidString(sb.subarray(SB.JOURNAL_UUID, SB.JOURNAL_UUID + 16)),
      checksumSeed: String(sb.readUInt32LE(SB.CHECKSUM_SEED)),
      creatorOs: String(sb.readUInt32LE(SB.CREATOR_OS)),
    },
  };
}

const BTRFS_INCOMPAT = ['mixed_backref', 'default_subvol', 'mixed_groups', 'compress_lzo', 'compress_zstd', 'big_metadata', 'extended_iref', 'raid56', 'skinny_metadata', 'no_holes', 'metadata_uuid', 'raid1c34', 'zoned', 'extent_tree_v2'];
const BTRFS_RO = ['free_space_tree', 'free_space_tree_valid', 'verity', 'block_group_tree'];

/** btrfs superblock (partition offset + 64 KiB). */
export async function btrfsInfo(file: string, offset: number): Promise<FsInfo> {
  const sb = await readAt(file, offset + 0x10000, 4096);
  const total = Number(sb.readBigUInt64LE(0x70));
  const used = Number(sb.readBigUInt64LE(0x78));
  const incompat = Number(sb.readBigUInt64LE(0xbc) & 0xffffffffn);
  const ro = Number(sb.readBigUInt64LE(0xb4) & 0xffffffffn);
  return {
    type: 'btrfs',
    variant: 'btrfs',
    label: cstr(sb.subarray(0x12b, 0x12b + 256)),
    uuid: uuidString(sb.subarray(0x20, 0x30)),
    size: total,
    blockSize: sb.readUInt32LE(0x90),
    used,
    free: total - used,
    features: [...bits(incompat, BTRFS_INCOMPAT), ...bits(ro, BTRFS_RO)],
    extra: {
      generation: String(sb.readBigUInt64LE(0x48)),
      nodeSize: String(sb.readUInt32LE(0x94)),
      devices: String(sb.readBigUInt64LE(0x88)),
      deviceUuid: uuidString(sb.subarray(0xc9 + 66, 0xc9 + 82)),
      metadataUuid: uuidString(sb.subarray(0x23b, 0x24b)),
      csumType: String(sb.readUInt16LE(0xc4)),
      chunkRootGeneration: String(sb.readBigUInt64LE(0xa4)),
    },
  };
}

/** Linux swap header (version 1). */
export async function swapInfo(file: string, offset: number, size: number): Promise<FsInfo> {
  const h = await readAt(file, offset, Math.min(size, 65536));
  let page = 4096;
  for (const p of [4096, 8192, 16384, 65536]) if (h.toString('latin1', p - 10, p) === 'SWAPSPACE2') page = p;
  const lastPage = h.readUInt32LE(1024 + 4);
  return {
    type: 'swap',
    variant: 'swap',
    label: cstr(h.subarray(1024 + 28, 1024 + 44)),
    uuid: uuidString(h.subarray(1024 + 12, 1024 + 28)),
    size: (lastPage + 1) * page,
    blockSize: page,
    features: [],
    extra: { version: String(h.readUInt32LE(1024)), badPages: String(h.readUInt32LE(1024 + 8)) },
  };
}
