/**
 * Recognising the filesystem in a partition and reading its superblock (our own parser,
 * no tool): ext2/3/4, btrfs, swap, FAT (the FAT boot sector is parsed by readers/vfat.ts).
 */
import { promises as fsp } from 'node:fs';
import { readAt } from './image.ts';
import type { FsInfo, FsType } from './types.ts';

/** The filesystem type in [offset, offset+size) of `file`, or undefined. */
export async function detectFs(file: string, offset: number, size: number): Promise<FsType | undefined> {
  const fh = await fsp.open(file, 'r');
  try {
    const head = await readAt(fh, offset, Math.min(size, 0x10000 + 4096));
    if (head.length >= 0x10048 && head.toString('latin1', 0x10040, 0x10048) === '_BHRfS_M') return 'btrfs';
    if (head.length >= 1024 + 58 && head.readUInt16LE(1024 + 56) === 0xef53) return 'ext4';
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
const isoTime = (t: number) => (t === 0 ? '0' : new Date(t * 1000).toISOString().replace('.000Z', 'Z'));

const EXT4_COMPAT = ['dir_prealloc', 'imagic_inodes', 'has_journal', 'ext_attr', 'resize_inode', 'dir_index', 'lazy_bg', 'snapshot_bitmap', 'exclude_bitmap', 'sparse_super2', 'fast_commit', 'stable_inodes', 'orphan_file'];
const EXT4_INCOMPAT = ['compression', 'filetype', 'needs_recovery', 'journal_dev', 'meta_bg', 'FEATURE_I5', 'extent', '64bit', 'mmp', 'flex_bg', 'ea_inode', 'FEATURE_I11', 'dirdata', 'metadata_csum_seed', 'large_dir', 'inline_data', 'encrypt', 'casefold'];
const EXT4_RO = ['sparse_super', 'large_file', 'FEATURE_R2', 'huge_file', 'uninit_bg', 'dir_nlink', 'extra_isize', 'snapshot', 'quota', 'bigalloc', 'metadata_csum', 'replica', 'read-only', 'project', 'shared_blocks', 'verity', 'orphan_present'];

function bits(v: number, names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < 32; i++) if (v & (1 << i)) out.push(names[i] ?? `FEATURE_${i}`);
  return out;
}

/** ext2/3/4 superblock (at partition offset + 1024). */
export async function ext4Info(file: string, offset: number): Promise<FsInfo> {
  const sb = await readAt(file, offset + 1024, 1024);
  const logBs = sb.readUInt32LE(24);
  const blockSize = 1024 << logBs;
  const compat = sb.readUInt32LE(92);
  const incompat = sb.readUInt32LE(96);
  const ro = sb.readUInt32LE(100);
  const is64 = (incompat & 0x80) !== 0;
  const hi = (o: number) => (is64 ? sb.readUInt32LE(o) * 2 ** 32 : 0);
  const blocks = sb.readUInt32LE(4) + hi(336);
  const freeBlocks = sb.readUInt32LE(12) + hi(344);
  const features = [...bits(compat, EXT4_COMPAT), ...bits(incompat, EXT4_INCOMPAT), ...bits(ro, EXT4_RO)];
  const variant = incompat & 0x40 || incompat & 0x80 || incompat & 0x200 ? 'ext4' : compat & 0x4 ? 'ext3' : 'ext2';
  const state = sb.readUInt16LE(58);
  return {
    type: 'ext4',
    variant,
    label: cstr(sb.subarray(120, 136)),
    uuid: uuidString(sb.subarray(104, 120)),
    size: blocks * blockSize,
    blockSize,
    used: (blocks - freeBlocks) * blockSize,
    free: freeBlocks * blockSize,
    inodes: sb.readUInt32LE(0),
    inodesFree: sb.readUInt32LE(16),
    features,
    extra: {
      hashSeed: uuidString(sb.subarray(236, 252)),
      state: state & 1 ? (state & 2 ? 'clean with errors' : 'clean') : 'not clean',
      inodeSize: String(sb.readUInt16LE(88)),
      blocksPerGroup: String(sb.readUInt32LE(32)),
      inodesPerGroup: String(sb.readUInt32LE(40)),
      reservedBlocks: String(sb.readUInt32LE(8) + hi(340)),
      mkfsTime: isoTime(sb.readUInt32LE(264)),
      writeTime: isoTime(sb.readUInt32LE(48)),
      mountTime: isoTime(sb.readUInt32LE(44)),
      lastCheck: isoTime(sb.readUInt32LE(64)),
      mountCount: String(sb.readUInt16LE(52)),
      journalUuid: uuidString(sb.subarray(208, 224)),
      checksumSeed: String(sb.readUInt32LE(0x270)),
      creatorOs: String(sb.readUInt32LE(72)),
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
