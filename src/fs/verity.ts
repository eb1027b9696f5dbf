/**
 * dm-verity: a partition whose content is the hash tree of another partition (its `data`,
 * a read-only filesystem: `fsCan(type, 'readOnly')`), in `veritysetup format`'s layout
 * (superblock, then the tree: ./verity-tree.ts), computed in-process from the image once the
 * data partition's bytes are final (the build writes it after them: `after`). Reproducible:
 * the salt and the superblock UUID default to values derived from the table's seed (a DOS
 * table's label id) and the two partitions' names.
 *
 * The build gets from it the root hash (`{rootHash:NAME}` and `{verityUuid:NAME}` in files of
 * other partitions, the manifest's `verity` entry) and, in a GPT, the partition UUIDs the
 * Discoverable Partitions Specification asks for, as systemd-repart sets them: the data
 * partition's is the root hash's first 128 bits, the hash partition's its last 128 bits
 * (unless the spec gives a `guid`).
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { doesNotFit, inputError, internalError, usageError } from '../errors.ts';
import { describe, oneOf, schemaOf, str, uuid as uuidValue } from '../spec-check.ts';
import { alignUp, formatSize } from '../units.ts';
import { uuidFromHash, uuidString } from '../uuid.ts';
import { decodeVeritySuperblock, encodeVeritySuperblock, isVeritySuperblock, VERITY_MAX_SALT, VERITY_SB_SIZE, type VeritySuperblock } from '../codec/verity-superblock.ts';
import { readAt } from '../inspect/image.ts';
import type { FsInfo } from '../inspect/types.ts';
import type { TableSpec } from '../spec-types.ts';
import { specIndexOf } from '../ptable/numbering.ts';
import { computeTree, DIGEST_SIZE, hashDeviceSize, VERITY_ALGORITHMS, type VerityAlgorithm } from './verity-tree.ts';
import type { MeasuringDriver } from './types.ts';

export const VERITY_BLOCK_SIZES = [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536] as const;

export interface VeritySpec {
  type: 'verity';
  /** The name of the partition whose hash tree this is. */
  data: string;
  hashAlgorithm: VerityAlgorithm;
  dataBlockSize: number;
  hashBlockSize: number;
  /** Hex (may be empty); the default is derived from the seed and the names (`resolve`). */
  salt?: string;
  /** The superblock's UUID (lower case); the default is derived like the salt. */
  uuid?: string;
}

/** Adds this filesystem's spec to the image spec (spec-types.ts sits below the drivers). */
type ThisSpec = VeritySpec;
declare module '../spec-types.ts' {
  interface FilesystemSpecs {
    verity: ThisSpec;
  }
  interface ProbedFilesystems {
    verity: true;
  }
}

/** What the build's manifest says of a verity partition (`partitions[i].verity`). */
export interface VerityManifest {
  rootHash: string;
  salt: string;
  uuid: string;
  hashAlgorithm: VerityAlgorithm;
  dataBlockSize: number;
  hashBlockSize: number;
  dataBlocks: number;
  /** Hash blocks after the superblock's (as `veritysetup dump` counts them). */
  hashBlocks: number;
  /** The data partition's name. */
  data: string;
}

/** The seed the defaults derive from: a GPT's seed, a DOS table's label id. */
const seedOf = (t: TableSpec) => (t.type === 'gpt' ? t.seed : `dos:${t.labelId.toString(16).padStart(8, '0')}`);

/** SHA-256 over a purpose and the parts, NUL-separated: the derived salt and UUID. Changing it changes images: don't. */
function derive(purpose: string, parts: string[]): Buffer {
  const h = createHash('sha256').update(`imgsmith:verity:${purpose}:v1`);
  for (const p of parts) h.update(Buffer.from([0])).update(p, 'utf8');
  return h.digest();
}

/** The data partition's and the hash partition's GPT UUIDs from the root hash (DPS, as systemd-repart and systemd's dissection expect). */
export function dpsUuids(rootHash: Buffer): { data: string; hash: string } {
  return { data: uuidString(rootHash.subarray(0, 16)), hash: uuidString(rootHash.subarray(rootHash.length - 16)) };
}

/** The superblock's facts (`imgsmith inspect`): verity has no files. */
export async function verityInfo(file: string, offset: number, size: number): Promise<FsInfo> {
  const sb = decodeVeritySuperblock(await readAt(file, offset, Math.min(size, VERITY_SB_SIZE)));
  if (typeof sb === 'string') throw inputError(`not a dm-verity hash partition: ${sb}`);
  return {
    type: 'verity',
    variant: `dm-verity (hash type ${sb.hashType})`,
    label: '',
    uuid: sb.uuid,
    size,
    blockSize: sb.hashBlockSize,
    features: [],
    extra: { hashAlgorithm: sb.algorithm, dataBlocks: String(sb.dataBlocks), dataBlockSize: String(sb.dataBlockSize), hashBlockSize: String(sb.hashBlockSize), salt: sb.salt },
  };
}

/** Why imgsmith cannot recompute the tree a superblock describes (an algorithm or block size it does not make), or undefined. */
export function unusable(sb: VeritySuperblock): string | undefined {
  if (!(VERITY_ALGORITHMS as readonly string[]).includes(sb.algorithm)) return `hash algorithm "${sb.algorithm}" is not one of ${VERITY_ALGORITHMS.join(', ')}`;
  const sizes = VERITY_BLOCK_SIZES as readonly number[];
  if (!sizes.includes(sb.dataBlockSize) || !sizes.includes(sb.hashBlockSize)) return `block sizes ${sb.dataBlockSize}/${sb.hashBlockSize} are not powers of two from 512 to 65536`;
  if (sb.hashType !== 1) return `hash type ${sb.hashType} (only 1, salt first, is made and checked)`;
  return undefined;
}

/** The bytes of a hash partition the content needs (superblock and tree, zeros included): for bmap and flash. */
export async function verityRequiredRanges(file: string, offset: number, size: number): Promise<{ start: number; end: number }[] | undefined> {
  const sb = decodeVeritySuperblock(await readAt(file, offset, Math.min(size, VERITY_SB_SIZE)));
  if (typeof sb === 'string' || unusable(sb)) return undefined;
  return [{ start: 0, end: Math.min(size, hashDeviceSize(sb.dataBlocks, sb.hashBlockSize, sb.algorithm as VerityAlgorithm)) }];
}

function parseSalt(v: unknown, where: string): string | undefined {
  if (v === undefined) return undefined;
  const s = str(v as string, where, { nonEmpty: false });
  if (!/^([0-9a-fA-F]{2})*$/.test(s) || s.length / 2 > VERITY_MAX_SALT) {
    throw usageError(`${where}: expected the salt as hex digits (an even number, at most ${VERITY_MAX_SALT} bytes; "" for none), got ${describe(v as string)}`);
  }
  return s.toLowerCase();
}

export const verityDriver: MeasuringDriver<VeritySpec> = {
  type: 'verity',
  capabilities: { root: false, files: false, symlinks: false, writable: false, growsAtFirstBoot: false, firmwareReadable: false },
  probe: { span: VERITY_SB_SIZE, matches: isVeritySuperblock, info: verityInfo },
  reader: null,
  check: { signature: 'dm-verity superblock present (the "verity" check recomputes its hash tree)' },
  label: null,
  spec: {
    properties: {
      data: { type: 'string', minLength: 1, description: 'the partition (by name) whose hash tree this is: a read-only filesystem (raw, erofs, squashfs)' },
      hashAlgorithm: { enum: [...VERITY_ALGORITHMS], description: 'default sha256' },
      dataBlockSize: { enum: [...VERITY_BLOCK_SIZES], description: 'bytes (default 4096)' },
      hashBlockSize: { enum: [...VERITY_BLOCK_SIZES], description: 'bytes (default 4096)' },
      salt: { type: 'string', pattern: '^([0-9a-fA-F]{2})*$', description: 'hex; default derived from the table seed and the partition names' },
      uuid: { ...schemaOf.uuid, description: "the superblock's UUID; default derived from the table seed and the partition names" },
    },
    required: ['data'],
    parse(o, where) {
      const salt = parseSalt(o.salt, `${where}.salt`);
      const uuid = uuidValue(o.uuid, `${where}.uuid`);
      return {
        type: 'verity',
        data: str(o.data, `${where}.data`),
        hashAlgorithm: o.hashAlgorithm === undefined ? 'sha256' : oneOf(o.hashAlgorithm, `${where}.hashAlgorithm`, VERITY_ALGORITHMS),
        dataBlockSize: o.dataBlockSize === undefined ? 4096 : oneOf(o.dataBlockSize, `${where}.dataBlockSize`, VERITY_BLOCK_SIZES),
        hashBlockSize: o.hashBlockSize === undefined ? 4096 : oneOf(o.hashBlockSize, `${where}.hashBlockSize`, VERITY_BLOCK_SIZES),
        ...(salt !== undefined ? { salt } : {}),
        ...(uuid !== undefined ? { uuid } : {}),
      };
    },
  },
  resolve(spec, disk, where) {
    const self = disk.partitions[disk.index]!;
    const j = disk.partitions.findIndex((p) => p.name === spec.data);
    if (j < 0) throw usageError(`${where}.data: no partition is named "${spec.data}" (partitions: ${disk.partitions.map((p) => p.name).join(', ')})`);
    if (j === disk.index) throw usageError(`${where}.data: "${spec.data}" is this partition itself; name the partition that holds the read-only filesystem`);
    const type = disk.partitions[j]!.filesystem.type;
    if (!disk.can(type, 'readOnly')) {
      throw usageError(`${where}.data: verity needs a read-only filesystem (${disk.typesThatCan('readOnly').join(', ')}); partition "${spec.data}" is ${type}`);
    }
    const k = disk.partitions.findIndex((p, i) => i !== disk.index && p.filesystem.type === 'verity' && (p.filesystem as VeritySpec).data === spec.data);
    if (k >= 0 && k < disk.index) {
      throw usageError(`${where}.data: partition "${spec.data}" already has its hash tree in spec.partitions[${specIndexOf(disk.table, k)}] ("${disk.partitions[k]!.name}"); one verity partition per data partition`);
    }
    const parts = [seedOf(disk.table), spec.data, self.name];
    return { ...spec, salt: spec.salt ?? derive('salt', parts).toString('hex'), uuid: spec.uuid ?? uuidFromHash(derive('uuid', parts)) };
  },
  after: (spec) => [spec.data],
  provides: (spec) => ({ rootHash: DIGEST_SIZE[spec.hashAlgorithm] * 2, verityUuid: 36 }),
  guidsFor: (spec, self) => [spec.data, self],
  planNeeds(spec, self, sizeOf) {
    const dataSize = sizeOf(spec.data);
    const blocks = Math.ceil(dataSize / spec.dataBlockSize);
    const hash = hashDeviceSize(blocks, spec.hashBlockSize, spec.hashAlgorithm);
    return [
      {
        partition: spec.data,
        size: alignUp(dataSize, spec.dataBlockSize),
        reason: `dm-verity (partition "${self}") hashes whole ${spec.dataBlockSize}-byte blocks: its size must be a multiple of ${formatSize(spec.dataBlockSize)}`,
      },
      { partition: self, size: hash, reason: `the dm-verity hash tree of partition "${spec.data}" (${dataSize} bytes: ${blocks} blocks of ${spec.dataBlockSize}) needs ${formatSize(hash)}` },
    ];
  },
  tools: () => [],
  validate(_spec, tree, where) {
    if (tree.entries().some(([p]) => p !== '/')) throw usageError(`${where}: a verity partition holds the hash tree of "data"; it has no contents`);
  },
  async minimumSize(spec) {
    return spec.hashBlockSize; // the superblock; the tree's size comes with the data partition's (planNeeds)
  },
  async write(spec, _tree, target, ctx) {
    const data = ctx.partitionNamed?.(spec.data);
    if (!data || spec.salt === undefined || spec.uuid === undefined || ctx.name === undefined) throw internalError('verity: written without its data partition, salt, UUID or name');
    const dataBlocks = Math.floor(data.size / spec.dataBlockSize);
    const salt = Buffer.from(spec.salt, 'hex');
    const tree = await computeTree(target.imagePath, data.offset, dataBlocks, { algorithm: spec.hashAlgorithm, dataBlockSize: spec.dataBlockSize, hashBlockSize: spec.hashBlockSize, salt });
    const bytes = tree.layout.totalBlocks * spec.hashBlockSize;
    if (bytes > target.size) throw doesNotFit(`${ctx.partition ?? ctx.name}.size: the dm-verity hash tree of partition "${spec.data}" needs ${formatSize(bytes)}, the partition is ${formatSize(target.size)}`);
    const sb = Buffer.alloc(spec.hashBlockSize);
    encodeVeritySuperblock({ hashType: 1, uuid: spec.uuid, algorithm: spec.hashAlgorithm, dataBlockSize: spec.dataBlockSize, hashBlockSize: spec.hashBlockSize, dataBlocks, salt: spec.salt }).copy(sb);
    const fh = await fsp.open(target.imagePath, 'r+');
    try {
      await fh.write(Buffer.concat([sb, tree.hashes]), 0, bytes, target.offset);
    } finally {
      await fh.close();
    }
    const rootHash = tree.rootHash.toString('hex');
    const ids = dpsUuids(tree.rootHash);
    const verity: VerityManifest = { rootHash, salt: spec.salt, uuid: spec.uuid, hashAlgorithm: spec.hashAlgorithm, dataBlockSize: spec.dataBlockSize, hashBlockSize: spec.hashBlockSize, dataBlocks, hashBlocks: tree.layout.totalBlocks - 1, data: spec.data };
    return {
      type: 'verity',
      uuid: spec.uuid,
      stats: { dataBlocks, hashBlocks: tree.layout.totalBlocks - 1, levels: tree.layout.levels.length, bytes },
      values: { rootHash, verityUuid: spec.uuid },
      partitionGuids: { [spec.data]: ids.data, [ctx.name]: ids.hash },
      manifest: { verity },
    };
  },
};
