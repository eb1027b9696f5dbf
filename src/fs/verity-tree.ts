/**
 * The dm-verity hash tree, computed in-process exactly as `veritysetup format` (cryptsetup
 * 2.6, format version 1) lays it out, so `veritysetup verify` and the kernel accept it:
 *
 *  - the hash device starts with the 512-byte superblock, alone in the first hash block;
 *  - then the levels, the top one (a single block) first and level 0 (the hashes of the data
 *    blocks) last; level i has ceil(dataBlocks / perBlock^(i+1)) blocks, where perBlock is
 *    hashBlockSize / digestSize rounded down to a power of two;
 *  - each hash is H(salt || block), stored in a slot of digestSize rounded up to a power of
 *    two, the rest of each hash block zeros;
 *  - the root hash is H(salt || the top level's block) (with a single data block and no
 *    level: H(salt || that block)).
 *
 * Used by the writer (src/fs/verity.ts) and by `imgsmith verify` (it recomputes the tree and
 * compares it with the one in the image).
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { dataError } from '../errors.ts';

export const VERITY_ALGORITHMS = ['sha256', 'sha512', 'sha1'] as const;
export type VerityAlgorithm = (typeof VERITY_ALGORITHMS)[number];
export const DIGEST_SIZE: Readonly<Record<VerityAlgorithm, number>> = { sha256: 32, sha512: 64, sha1: 20 };

export interface TreeParams {
  algorithm: VerityAlgorithm;
  dataBlockSize: number;
  hashBlockSize: number;
  salt: Buffer;
}

export interface TreeLayout {
  /** Hashes per hash block. */
  perBlock: number;
  /** Bytes each hash takes in a hash block. */
  slot: number;
  /** Per level (0 = the data blocks' hashes): its first hash block (in the hash device) and its block count. */
  levels: { start: number; blocks: number }[];
  /** Hash blocks in all, the superblock's included. */
  totalBlocks: number;
}

/** Where every level goes for `dataBlocks` blocks of data (cryptsetup's VERITY_create_or_verify_hash). */
export function treeLayout(dataBlocks: number, hashBlockSize: number, algorithm: VerityAlgorithm): TreeLayout {
  const digest = DIGEST_SIZE[algorithm];
  const perBlock = 2 ** Math.floor(Math.log2(hashBlockSize / digest));
  const slot = 2 ** Math.ceil(Math.log2(digest));
  let levels = 0;
  while (dataBlocks > 1 && perBlock ** levels < dataBlocks) levels++;
  const counts = Array.from({ length: levels }, (_, i) => Math.ceil(dataBlocks / perBlock ** (i + 1)));
  const out: { start: number; blocks: number }[] = new Array(levels);
  let next = 1; // block 0 holds the superblock
  for (let i = levels - 1; i >= 0; i--) {
    out[i] = { start: next, blocks: counts[i]! };
    next += counts[i]!;
  }
  return { perBlock, slot, levels: out, totalBlocks: next };
}

/** The bytes of the hash device (superblock and tree) for `dataBlocks` blocks of data. */
export function hashDeviceSize(dataBlocks: number, hashBlockSize: number, algorithm: VerityAlgorithm): number {
  return treeLayout(dataBlocks, hashBlockSize, algorithm).totalBlocks * hashBlockSize;
}

const hashOf = (p: TreeParams, block: Buffer): Buffer => createHash(p.algorithm).update(p.salt).update(block).digest();

/** Bytes read from the data at a time. */
const CHUNK = 4 * 1024 * 1024;

/** The hashes of the data blocks of `file` at [offset, offset + dataBlocks * dataBlockSize), into `out` at `at` (level 0's slots). */
async function hashData(file: string, offset: number, dataBlocks: number, p: TreeParams, lay: TreeLayout, out: Buffer, at: number): Promise<void> {
  const zero = Buffer.alloc(p.dataBlockSize);
  const zeroHash = hashOf(p, zero);
  const fh = await fsp.open(file, 'r');
  try {
    const perChunk = Math.max(1, Math.floor(CHUNK / p.dataBlockSize));
    const buf = Buffer.alloc(perChunk * p.dataBlockSize);
    const hashesPerBlock = lay.perBlock;
    for (let b = 0; b < dataBlocks; b += perChunk) {
      const n = Math.min(perChunk, dataBlocks - b);
      const len = n * p.dataBlockSize;
      let got = 0;
      while (got < len) {
        const { bytesRead } = await fh.read(buf, got, len - got, offset + b * p.dataBlockSize + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      buf.fill(0, got, len); // past the end of the file: zeros (a sparse image's tail)
      for (let k = 0; k < n; k++) {
        const block = buf.subarray(k * p.dataBlockSize, (k + 1) * p.dataBlockSize);
        const i = b + k;
        const pos = at + Math.floor(i / hashesPerBlock) * p.hashBlockSize + (i % hashesPerBlock) * lay.slot;
        (block.equals(zero) ? zeroHash : hashOf(p, block)).copy(out, pos);
      }
    }
  } finally {
    await fh.close();
  }
}

export interface Tree {
  layout: TreeLayout;
  /** The hash blocks after the superblock block (the device's bytes from hashBlockSize on). */
  hashes: Buffer;
  rootHash: Buffer;
}

/** The largest tree computed (it is held in memory): 1 GiB, the tree of 128 GiB of data in 4 KiB blocks with SHA-256. */
export const MAX_TREE_BYTES = 1024 * 1024 * 1024;

/** The hash tree of `dataBlocks` blocks of `file` starting at byte `offset`. */
export async function computeTree(file: string, offset: number, dataBlocks: number, p: TreeParams): Promise<Tree> {
  const lay = treeLayout(dataBlocks, p.hashBlockSize, p.algorithm);
  const bytes = (lay.totalBlocks - 1) * p.hashBlockSize;
  if (bytes > MAX_TREE_BYTES) throw dataError(`a dm-verity hash tree of ${bytes} bytes (${dataBlocks} data blocks) is larger than imgsmith computes (${MAX_TREE_BYTES} bytes); use larger data blocks`);
  const hashes = Buffer.alloc((lay.totalBlocks - 1) * p.hashBlockSize);
  const blockAt = (n: number) => hashes.subarray((n - 1) * p.hashBlockSize, n * p.hashBlockSize);
  if (lay.levels.length === 0) {
    const one = Buffer.alloc(p.dataBlockSize);
    const fh = await fsp.open(file, 'r');
    await fh.read(one, 0, p.dataBlockSize, offset).finally(() => fh.close());
    return { layout: lay, hashes, rootHash: hashOf(p, one) };
  }
  await hashData(file, offset, dataBlocks, p, lay, hashes, (lay.levels[0]!.start - 1) * p.hashBlockSize);
  for (let i = 1; i < lay.levels.length; i++) {
    const below = lay.levels[i - 1]!;
    const here = lay.levels[i]!;
    for (let j = 0; j < below.blocks; j++) {
      const pos = (here.start - 1 + Math.floor(j / lay.perBlock)) * p.hashBlockSize + (j % lay.perBlock) * lay.slot;
      hashOf(p, blockAt(below.start + j)).copy(hashes, pos);
    }
  }
  const top = lay.levels[lay.levels.length - 1]!;
  return { layout: lay, hashes, rootHash: hashOf(p, blockAt(top.start)) };
}
