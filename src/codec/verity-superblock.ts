/**
 * The dm-verity superblock (format version 1, as `veritysetup format` writes it at the start
 * of the hash device), decode and encode side by side. 512 bytes, little-endian:
 *
 *   0    signature        "verity\0\0"
 *   8    version          u32 = 1
 *   12   hash_type        u32 = 1 (salt before the block: the kernel's "version 1")
 *   16   uuid             16 bytes (string order)
 *   32   algorithm        32 bytes, NUL-padded ("sha256")
 *   64   data_block_size  u32
 *   68   hash_block_size  u32
 *   72   data_blocks      u64
 *   80   salt_size        u16
 *   88   salt             256 bytes
 */
import { cstr } from './bytes.ts';
import { uuidString } from '../uuid.ts';

export const VERITY_MAGIC = Buffer.from('verity\0\0', 'latin1');
export const VERITY_SB_SIZE = 512;
export const VERITY_MAX_SALT = 256;
const O = { version: 8, hashType: 12, uuid: 16, algorithm: 32, dataBlockSize: 64, hashBlockSize: 68, dataBlocks: 72, saltSize: 80, salt: 88 } as const;

export interface VeritySuperblock {
  hashType: number;
  uuid: string;
  algorithm: string;
  dataBlockSize: number;
  hashBlockSize: number;
  dataBlocks: number;
  /** Hex. */
  salt: string;
}

/** Whether `head` (a partition's first bytes) starts with a version-1 verity superblock. */
export function isVeritySuperblock(head: Buffer): boolean {
  return head.length >= VERITY_SB_SIZE && head.subarray(0, 8).equals(VERITY_MAGIC) && head.readUInt32LE(O.version) === 1;
}

/** Decodes the superblock; an error message when there is none or it is not one imgsmith reads. */
export function decodeVeritySuperblock(head: Buffer): VeritySuperblock | string {
  if (!isVeritySuperblock(head)) return 'no dm-verity superblock ("verity\\0\\0", version 1) at the start';
  const saltSize = head.readUInt16LE(O.saltSize);
  if (saltSize > VERITY_MAX_SALT) return `the verity superblock's salt size ${saltSize} is larger than ${VERITY_MAX_SALT}`;
  const dataBlocks = head.readBigUInt64LE(O.dataBlocks);
  if (dataBlocks > BigInt(Number.MAX_SAFE_INTEGER)) return `the verity superblock's data block count ${dataBlocks} is implausible`;
  return {
    hashType: head.readUInt32LE(O.hashType),
    uuid: uuidString(head.subarray(O.uuid, O.uuid + 16)),
    algorithm: cstr(head.subarray(O.algorithm, O.algorithm + 32)),
    dataBlockSize: head.readUInt32LE(O.dataBlockSize),
    hashBlockSize: head.readUInt32LE(O.hashBlockSize),
    dataBlocks: Number(dataBlocks),
    salt: head.subarray(O.salt, O.salt + saltSize).toString('hex'),
  };
}

/** Encodes the 512-byte superblock (the caller checked the values: src/fs/verity.ts). */
export function encodeVeritySuperblock(sb: VeritySuperblock): Buffer {
  const b = Buffer.alloc(VERITY_SB_SIZE);
  VERITY_MAGIC.copy(b, 0);
  b.writeUInt32LE(1, O.version);
  b.writeUInt32LE(sb.hashType, O.hashType);
  Buffer.from(sb.uuid.replaceAll('-', ''), 'hex').copy(b, O.uuid);
  b.write(sb.algorithm, O.algorithm, 32, 'latin1');
  b.writeUInt32LE(sb.dataBlockSize, O.dataBlockSize);
  b.writeUInt32LE(sb.hashBlockSize, O.hashBlockSize);
  b.writeBigUInt64LE(BigInt(sb.dataBlocks), O.dataBlocks);
  const salt = Buffer.from(sb.salt, 'hex');
  b.writeUInt16LE(salt.length, O.saltSize);
  salt.copy(b, O.salt);
  return b;
}
