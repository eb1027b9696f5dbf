/**
 * The btrfs superblock (struct btrfs_super_block, 4096 bytes at 64 KiB, mirrors at 64 MiB
 * and 256 GiB): field offsets, decode and encode side by side, the probe's magic test.
 * Used by the writer (src/fs/btrfs.ts grows a shrunk filesystem), the probe and the reader
 * (src/inspect/). Decoding is bounds-checked: the superblock may come from any image.
 */
import { crc32c } from './crc32c.ts';
import { bitNames, cstr } from './bytes.ts';
import { uuidString } from '../uuid.ts';
import type { FsInfo } from '../inspect/types.ts';
import { dataError } from '../errors.ts';

export const BTRFS_SUPER_OFFSETS = [0x10000, 0x4000000, 0x4000000000] as const; // 64 KiB, 64 MiB, 256 GiB
export const BTRFS_SUPER_SIZE = 4096;
export const BTRFS_MAGIC = Buffer.from('_BHRfS_M', 'latin1');

export const BTRFS_SB = {
  csum: 0x00,
  fsid: 0x20,
  bytenr: 0x30,
  magic: 0x40,
  generation: 0x48,
  chunkRoot: 0x58,
  totalBytes: 0x70,
  bytesUsed: 0x78,
  numDevices: 0x88,
  sectorsize: 0x90,
  nodesize: 0x94,
  sysChunkArraySize: 0xa0,
  chunkRootGeneration: 0xa4,
  compatRoFlags: 0xb4,
  incompatFlags: 0xbc,
  csumType: 0xc4,
  chunkRootLevel: 0xc7,
  devItem: 0xc9,
  label: 0x12b,
  metadataUuid: 0x23b,
  sysChunkArray: 0x32b,
} as const;
/** Within the superblock's dev_item: total_bytes, and the device UUID. */
export const BTRFS_DEV_ITEM_TOTAL_BYTES = 8;
const DEV_ITEM_UUID = 66;
const LABEL_SIZE = 256;

export const BTRFS_INCOMPAT = ['mixed_backref', 'default_subvol', 'mixed_groups', 'compress_lzo', 'compress_zstd', 'big_metadata', 'extended_iref', 'raid56', 'skinny_metadata', 'no_holes', 'metadata_uuid', 'raid1c34', 'zoned', 'extent_tree_v2'];
export const BTRFS_RO = ['free_space_tree', 'free_space_tree_valid', 'verity', 'block_group_tree'];

export interface BtrfsSuperblock {
  fsid: string;
  bytenr: bigint;
  generation: bigint;
  chunkRoot: bigint;
  chunkRootLevel: number;
  chunkRootGeneration: bigint;
  totalBytes: number;
  bytesUsed: number;
  numDevices: bigint;
  sectorsize: number;
  nodesize: number;
  sysChunkArraySize: number;
  compatRo: number;
  incompat: number;
  csumType: number;
  label: string;
  deviceUuid: string;
  metadataUuid: string;
  /** The stored checksum matches (crc32c over bytes 32..4096; only crc32c is known). */
  csumOk: boolean;
}

/** Whether the partition's first bytes hold a btrfs superblock's magic at 64 KiB. */
export function isBtrfs(head: Buffer): boolean {
  const at = BTRFS_SUPER_OFFSETS[0] + BTRFS_SB.magic;
  return head.length >= at + 8 && head.subarray(at, at + 8).equals(BTRFS_MAGIC);
}

/** Decodes a superblock (4096 bytes); an error message when it is none. */
export function decodeBtrfsSuperblock(sb: Buffer): BtrfsSuperblock | string {
  if (sb.length < BTRFS_SUPER_SIZE) return `a btrfs superblock is ${BTRFS_SUPER_SIZE} bytes, got ${sb.length}`;
  if (!sb.subarray(BTRFS_SB.magic, BTRFS_SB.magic + 8).equals(BTRFS_MAGIC)) return 'no btrfs magic (_BHRfS_M)';
  const u64 = (o: number) => sb.readBigUInt64LE(o);
  const sysChunkArraySize = sb.readUInt32LE(BTRFS_SB.sysChunkArraySize);
  if (sysChunkArraySize > BTRFS_SUPER_SIZE - BTRFS_SB.sysChunkArray) return `sys_chunk_array_size ${sysChunkArraySize} runs past the superblock`;
  return {
    fsid: uuidString(sb.subarray(BTRFS_SB.fsid, BTRFS_SB.fsid + 16)),
    bytenr: u64(BTRFS_SB.bytenr),
    generation: u64(BTRFS_SB.generation),
    chunkRoot: u64(BTRFS_SB.chunkRoot),
    chunkRootLevel: sb[BTRFS_SB.chunkRootLevel]!,
    chunkRootGeneration: u64(BTRFS_SB.chunkRootGeneration),
    totalBytes: Number(u64(BTRFS_SB.totalBytes)),
    bytesUsed: Number(u64(BTRFS_SB.bytesUsed)),
    numDevices: u64(BTRFS_SB.numDevices),
    sectorsize: sb.readUInt32LE(BTRFS_SB.sectorsize),
    nodesize: sb.readUInt32LE(BTRFS_SB.nodesize),
    sysChunkArraySize,
    compatRo: Number(u64(BTRFS_SB.compatRoFlags) & 0xffffffffn),
    incompat: Number(u64(BTRFS_SB.incompatFlags) & 0xffffffffn),
    csumType: sb.readUInt16LE(BTRFS_SB.csumType),
    label: cstr(sb.subarray(BTRFS_SB.label, BTRFS_SB.label + LABEL_SIZE)),
    deviceUuid: uuidString(sb.subarray(BTRFS_SB.devItem + DEV_ITEM_UUID, BTRFS_SB.devItem + DEV_ITEM_UUID + 16)),
    metadataUuid: uuidString(sb.subarray(BTRFS_SB.metadataUuid, BTRFS_SB.metadataUuid + 16)),
    csumOk: sb.readUInt32LE(0) === crc32c(sb, 32, BTRFS_SUPER_SIZE),
  };
}

/** The fields the writer changes (growing a filesystem; placing a mirror). */
export interface BtrfsSuperblockPatch {
  totalBytes?: number;
  bytenr?: number;
}

/** Encodes `patch` into `sb` (total_bytes in the superblock and its dev_item, bytenr) and
 *  recomputes the checksum: the inverse of decodeBtrfsSuperblock for these fields. */
export function encodeBtrfsSuperblock(sb: Buffer, patch: BtrfsSuperblockPatch): Buffer {
  if (patch.totalBytes !== undefined) {
    sb.writeBigUInt64LE(BigInt(patch.totalBytes), BTRFS_SB.totalBytes);
    sb.writeBigUInt64LE(BigInt(patch.totalBytes), BTRFS_SB.devItem + BTRFS_DEV_ITEM_TOTAL_BYTES);
  }
  if (patch.bytenr !== undefined) sb.writeBigUInt64LE(BigInt(patch.bytenr), BTRFS_SB.bytenr);
  sb.fill(0, 0, 32);
  sb.writeUInt32LE(crc32c(sb, 32, BTRFS_SUPER_SIZE), 0);
  return sb;
}

/** What `imgsmith inspect` shows of a btrfs superblock. */
export function btrfsInfoOf(sb: Buffer): FsInfo {
  const d = decodeBtrfsSuperblock(sb);
  if (typeof d === 'string') throw dataError(`not a btrfs superblock: ${d}`);
  return {
    type: 'btrfs',
    variant: 'btrfs',
    label: d.label,
    uuid: d.fsid,
    size: d.totalBytes,
    blockSize: d.sectorsize,
    used: d.bytesUsed,
    free: d.totalBytes - d.bytesUsed,
    features: [...bitNames(d.incompat, BTRFS_INCOMPAT), ...bitNames(d.compatRo, BTRFS_RO)],
    extra: {
      generation: String(d.generation),
      nodeSize: String(d.nodesize),
      devices: String(d.numDevices),
      deviceUuid: d.deviceUuid,
      metadataUuid: d.metadataUuid,
      csumType: String(d.csumType),
      chunkRootGeneration: String(d.chunkRootGeneration),
    },
  };
}
