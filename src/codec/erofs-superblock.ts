/**
 * The erofs superblock (Linux fs/erofs/erofs_fs.h), decode and encode side by side. It sits
 * at byte 1024 of the filesystem, 128 bytes:
 *
 *   0x00 magic u32 = 0xE0F5E1E2     0x04 checksum u32 (crc32c, feature sb_csum)
 *   0x08 feature_compat u32         0x0c blkszbits u8         0x0e root_nid u16
 *   0x10 inos u64                   0x18 build_time u64       0x20 build_time_nsec u32
 *   0x24 blocks u32                 0x28 meta_blkaddr u32     0x2c xattr_blkaddr u32
 *   0x30 uuid[16]                   0x40 volume_name[16]      0x50 feature_incompat u32
 *   0x54 available_compr_algs / lz4_max_distance u16           0x56 extra_devices u16
 *   0x5a dirblkbits u8 (erofs-utils 1.6+; 0 before)
 *
 * The checksum (feature_compat bit 0) is the kernel's crc32c(~0, ...) without the final
 * inversion over the superblock's block from byte 1024 on (the whole 4 KiB block minus its
 * first 1024 bytes), with the checksum field zero.
 */
import { bitNames, cstr } from './bytes.ts';
import { crc32c } from './crc32c.ts';
import { uuidString } from '../uuid.ts';

export const EROFS_MAGIC = 0xe0f5e1e2;
export const EROFS_SUPER_OFFSET = 1024;
export const EROFS_LABEL_BYTES = 16;
const SB = { magic: 0, checksum: 4, compat: 8, blkszbits: 12, rootNid: 14, inos: 16, buildTime: 24, buildNsec: 32, blocks: 36, metaBlkaddr: 40, xattrBlkaddr: 44, uuid: 48, volumeName: 64, incompat: 80, extraDevices: 86, dirblkbits: 90 } as const;

const COMPAT = ['sb_csum', 'mtime', 'xattr_filter'];
const INCOMPAT = ['0padding', 'big_pcluster', 'chunked_file', 'device_table', 'ztailpacking', 'fragments/dedupe', 'xattr_prefixes', '48bit'];
export const EROFS_COMPAT_SB_CHKSUM = 1;
/** Incompat bits: 0x2 compression configs/big pclusters, 0x4 chunked files, 0x8 a device table. */
export const EROFS_INCOMPAT = { compression: 0x2, chunked: 0x4, devices: 0x8 } as const;

export interface ErofsSuperblock {
  checksum: number;
  /** The checksum is present (sb_csum) and matches. */
  checksumOk: boolean;
  featureCompat: number;
  featureIncompat: number;
  blockSize: number;
  rootNid: number;
  inodes: bigint;
  buildTime: number;
  blocks: number;
  metaBlkaddr: number;
  xattrBlkaddr: number;
  uuid: string;
  label: string;
  extraDevices: number;
  dirBlockSize: number;
  /** Feature names (unknown bits as "compat:0x..", "incompat:0x.."). */
  features: string[];
}

/** The superblock checksum of `block` (the filesystem's first 4 KiB; the field itself is read as 0). */
export function erofsChecksum(block: Buffer): number {
  const sb = Buffer.from(block.subarray(EROFS_SUPER_OFFSET, 4096));
  sb.writeUInt32LE(0, SB.checksum);
  return ~crc32c(sb) >>> 0;
}

/** Whether the partition's first bytes hold an erofs superblock (the magic at 1024). */
export function isErofs(head: Buffer): boolean {
  return head.length >= EROFS_SUPER_OFFSET + 4 && head.readUInt32LE(EROFS_SUPER_OFFSET) === EROFS_MAGIC;
}

/** Decodes the superblock from the filesystem's first 4 KiB; an error message when it is not one imgsmith can read. */
export function decodeErofsSuperblock(block: Buffer): ErofsSuperblock | string {
  if (block.length < 4096) return 'the partition is shorter than the erofs superblock block (4 KiB)';
  if (!isErofs(block)) return 'no erofs magic (0xE0F5E1E2) at byte 1024';
  const sb = block.subarray(EROFS_SUPER_OFFSET, EROFS_SUPER_OFFSET + 128);
  const blkszbits = sb[SB.blkszbits]!;
  if (blkszbits < 9 || blkszbits > 16) return `block size 2^${blkszbits} is out of range (512 B to 64 KiB)`;
  const featureCompat = sb.readUInt32LE(SB.compat);
  const featureIncompat = sb.readUInt32LE(SB.incompat);
  const checksum = sb.readUInt32LE(SB.checksum);
  const dirbits = sb[SB.dirblkbits]!;
  return {
    checksum,
    checksumOk: (featureCompat & EROFS_COMPAT_SB_CHKSUM) === 0 || erofsChecksum(block) === checksum,
    featureCompat,
    featureIncompat,
    blockSize: 2 ** blkszbits,
    rootNid: sb.readUInt16LE(SB.rootNid),
    inodes: sb.readBigUInt64LE(SB.inos),
    buildTime: Number(sb.readBigUInt64LE(SB.buildTime)),
    blocks: sb.readUInt32LE(SB.blocks),
    metaBlkaddr: sb.readUInt32LE(SB.metaBlkaddr),
    xattrBlkaddr: sb.readUInt32LE(SB.xattrBlkaddr),
    uuid: uuidString(sb.subarray(SB.uuid, SB.uuid + 16)),
    label: cstr(sb.subarray(SB.volumeName, SB.volumeName + EROFS_LABEL_BYTES)),
    extraDevices: sb.readUInt16LE(SB.extraDevices),
    dirBlockSize: 2 ** (blkszbits + (dirbits > 4 ? 0 : dirbits)),
    features: [...bitNames(featureCompat, COMPAT), ...bitNames(featureIncompat, INCOMPAT)],
  };
}

/** Writes the volume label into the superblock of `block` (the filesystem's first 4 KiB, changed
 *  in place) and sets its checksum again when it has one. */
export function encodeErofsLabel(block: Buffer, label: string): void {
  const name = Buffer.from(label, 'utf8');
  if (name.length > EROFS_LABEL_BYTES) throw new RangeError(`erofs label of ${name.length} bytes`);
  const at = EROFS_SUPER_OFFSET + SB.volumeName;
  block.fill(0, at, at + EROFS_LABEL_BYTES);
  name.copy(block, at);
  if ((block.readUInt32LE(EROFS_SUPER_OFFSET + SB.compat) & EROFS_COMPAT_SB_CHKSUM) !== 0) {
    block.writeUInt32LE(erofsChecksum(block), EROFS_SUPER_OFFSET + SB.checksum);
  }
}
