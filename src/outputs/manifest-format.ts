/**
 * The build manifest's format (NAME.manifest.json): what was built from what, with which
 * tools. It is deterministic: no timestamps or durations (those go only to the --json
 * progress events), a canonical key order, 2-space indentation and a trailing newline.
 * Paths in it should be stable too (file names relative to the output directory, store
 * paths, the spec path as given). The types here name no output: each output declares
 * its fragment (src/outputs/index.ts composes the whole `Manifest`), the manifest output
 * (manifest-output.ts) merges them.
 */
import { writeFile } from 'node:fs/promises';
import { buildError } from '../errors.ts';

export interface ManifestFile {
  /** File name, relative to the output directory. */
  file: string;
  size: number;
  sha256: string;
}

/** The partition table, as described by the table writer (structurally its TableInfo). */
export interface ManifestTable {
  type: 'dos' | 'gpt';
  /** DOS disk signature, e.g. "0x2178694e". */
  labelId?: string;
  /** GPT disk GUID. */
  diskGuid?: string;
  /** GPT: partitions mirrored into a hybrid MBR. */
  hybridMbr?: string[];
  /** Per-partition details from the table writer. */
  partitions?: readonly object[];
}

/** A bootloader region written outside the partitions (src/regions.ts). */
export interface ManifestRegion {
  name: string;
  /** Byte offset on the disk and the file's size. */
  offset: number;
  size: number;
  /** SHA-256 of the file, i.e. of the image's bytes [offset, offset + size). */
  sha256: string;
  /** Where the file was read from ("firmware", "spec", "toplevel") and its path there. */
  from: string;
  file: string;
}

export interface ManifestFilesystem {
  type: string;
  label?: string;
  uuid?: string;
  /** Driver-specific numbers (block counts, free space, files ...). */
  stats?: Record<string, number | string | boolean>;
}

export interface ManifestPartition {
  index: number;
  name: string;
  /** Byte offset and size. */
  start: number;
  size: number;
  type: string;
  bootable: boolean;
  /** GPT partition GUID. */
  guid?: string;
  /** PARTUUID as blkid reports it: DOS "<label-id>-<2-digit number>" (e.g. 2178694e-02), GPT the partition GUID. */
  partuuid?: string;
  filesystem: ManifestFilesystem;
}

/** The manifest's image entry as every build has it; outputs add their keys (compressed, bmap ...). */
export interface ManifestImage extends Omit<ManifestFile, 'sha256'> {
  /** The raw image's SHA-256: only when the raw .img is published (--no-compress, --keep-raw).
   *  Hashing every byte of it, holes included, costs time in proportion to the disk size;
   *  the .img.zst has its own sha256 and every frame a content checksum (see README). */
  sha256?: string;
}

/**
 * The manifest without the outputs' fragments: what every build records. The whole
 * `Manifest` type is this plus every output's fragment (composed in src/outputs/index.ts).
 */
export interface ManifestCore {
  imgsmith: { version: string };
  spec: { name: string; path: string; sha256: string };
  image: ManifestImage;
  table: ManifestTable;
  partitions: ManifestPartition[];
  /** The bootloader regions (spec.regions), when the spec has any. */
  regions?: ManifestRegion[];
  inputs: {
    closure?: { dir: string; storePaths: number; registrationSha256: string };
    toplevel?: string;
    /** The toplevel with every symlink resolved (realpath), e.g. the store path behind ./result. */
    toplevelStorePath?: string;
    /** SOURCE_DATE_EPOCH: the timestamp of every file and filesystem. */
    sourceDateEpoch?: number;
    firmware?: { dir: string; files: { path: string; sha256: string }[] };
  };
  /** Tool name -> version, e.g. { "mke2fs": "1.47.0", "zstd": "1.5.4" }. */
  tools: Record<string, string>;
}

/** The manifest without what the outputs add (the image entry comes from the manifest output). */
export type ManifestBase = Omit<ManifestCore, 'image'>;

/**
 * Keys listed here come first, in this order (the outputs' keys, `Output.manifestKeys` in
 * registry order, between the head and the tail); other keys follow in code-point order.
 * Gives a readable, insertion-order-independent layout.
 */
const KEY_HEAD = ['imgsmith', 'spec', 'image', 'table', 'partitions', 'regions', 'inputs', 'tools', 'index', 'name', 'version', 'type', 'offset', 'file', 'path', 'dir', 'start', 'size', 'sha256'];
const KEY_TAIL = ['bootable', 'guid', 'partuuid', 'label', 'uuid', 'filesystem', 'stats'];

/** The manifest's key order with the outputs' keys (in registry order; a key named twice keeps its first place). */
export function manifestKeyOrder(outputKeys: readonly string[]): readonly string[] {
  return [...new Set([...KEY_HEAD, ...outputKeys, ...KEY_TAIL])];
}

type KeyRank = ReadonlyMap<string, number>;

function compareKeys(rank: KeyRank, a: string, b: string): number {
  const ra = rank.get(a);
  const rb = rank.get(b);
  if (ra !== undefined && rb !== undefined) return ra - rb;
  if (ra !== undefined) return -1;
  if (rb !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function canonical(value: unknown, where: string, rank: KeyRank): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw buildError(`manifest value ${where} is not a finite number`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => canonical(v, `${where}[${i}]`, rank));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort((a, b) => compareKeys(rank, a, b))) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) continue;
      out[key] = canonical(v, `${where}.${key}`, rank);
    }
    return out;
  }
  throw buildError(`manifest value ${where} has unsupported type ${typeof value}`);
}

/** Deterministic JSON text: canonical key order (`order` first, see manifestKeyOrder), 2-space indent, trailing newline. */
export function stableJson(value: unknown, order: readonly string[] = manifestKeyOrder([])): string {
  const rank: KeyRank = new Map(order.map((k, i) => [k, i]));
  return `${JSON.stringify(canonical(value, '$', rank), null, 2)}\n`;
}

/** The manifest's JSON text (firmware files sorted by path). */
export function manifestJson(manifest: ManifestCore, order: readonly string[]): string {
  const m: ManifestCore = manifest.inputs.firmware
    ? {
        ...manifest,
        inputs: {
          ...manifest.inputs,
          firmware: {
            ...manifest.inputs.firmware,
            files: [...manifest.inputs.firmware.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
          },
        },
      }
    : manifest;
  return stableJson(m, order);
}

export async function writeManifest(path: string, manifest: ManifestCore, order: readonly string[]): Promise<void> {
  const text = manifestJson(manifest, order);
  try {
    await writeFile(path, text);
  } catch (err) {
    throw buildError(`cannot write the manifest ${path}: ${(err as Error).message}`, err);
  }
}

// Tool versions come from the one toolchain probe (src/toolchain.ts); re-exported for callers here.
export { toolVersions } from '../toolchain.ts';
