/**
 * The build manifest (NAME.manifest.json): what was built from what, with which
 * tools. It is deterministic: no timestamps or durations (those go only to the
 * --json progress events), a canonical key order, 2-space indentation and a
 * trailing newline. Paths in it should be stable too (file names relative to
 * the output directory, store paths, the spec path as given).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildError } from '../errors.ts';
import type { Output } from './types.ts';

export interface ManifestFile {
  /** File name, relative to the output directory. */
  file: string;
  size: number;
  sha256: string;
}

export interface ManifestCompressed extends ManifestFile {
  compressor: string;
  level: number;
}

export interface ManifestBmap {
  file: string;
  sha256: string;
  blockSize: number;
  blocksCount: number;
  mappedBlocksCount: number;
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

/** output.tar: the tarball written beside the image. */
export interface ManifestTar extends ManifestFile {
  type: 'rootfs' | 'nix-binary-tarball';
  /** Number of archive entries. */
  entries: number;
  compressor?: string;
  level?: number;
  /** rootfs: the partition whose tree it holds. */
  partition?: string;
  /** nix-binary-tarball: the top directory, nix-<label>-<system>. */
  topDir?: string;
}

export interface Manifest {
  imgsmith: { version: string };
  spec: { name: string; path: string; sha256: string };
  image: Omit<ManifestFile, 'sha256'> & {
    /** The raw image's SHA-256: only when the raw .img is published (--no-compress, --keep-raw).
     *  Hashing every byte of it, holes included, costs time in proportion to the disk size;
     *  the .img.zst has its own sha256 and every frame a content checksum (see README). */
    sha256?: string;
    compressed?: ManifestCompressed;
    /** The bmap: its file name, or the file name with its details (see writeBmap's BmapInfo). */
    bmap?: ManifestBmap | string;
  };
  table: ManifestTable;
  partitions: ManifestPartition[];
  /** output.tar, when the spec asks for one. */
  tar?: ManifestTar;
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

/**
 * Keys listed here come first, in this order; other keys follow in code-point
 * order. Gives a readable, insertion-order-independent layout.
 */
const KEY_ORDER = [
  'imgsmith', 'spec', 'image', 'table', 'partitions', 'inputs', 'tools',
  'index', 'name', 'version', 'type', 'file', 'path', 'dir', 'start', 'size', 'sha256',
  'compressor', 'level', 'compressed', 'bmap', 'blockSize', 'blocksCount', 'mappedBlocksCount',
  'bootable', 'guid', 'partuuid', 'label', 'uuid', 'filesystem', 'stats',
];
const KEY_RANK = new Map(KEY_ORDER.map((k, i) => [k, i]));

function compareKeys(a: string, b: string): number {
  const ra = KEY_RANK.get(a);
  const rb = KEY_RANK.get(b);
  if (ra !== undefined && rb !== undefined) return ra - rb;
  if (ra !== undefined) return -1;
  if (rb !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function canonical(value: unknown, where: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw buildError(`manifest value ${where} is not a finite number`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => canonical(v, `${where}[${i}]`));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort(compareKeys)) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) continue;
      out[key] = canonical(v, `${where}.${key}`);
    }
    return out;
  }
  throw buildError(`manifest value ${where} has unsupported type ${typeof value}`);
}

/** Deterministic JSON text: canonical key order, 2-space indent, trailing newline. */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(canonical(value, '$'), null, 2)}\n`;
}

/** The manifest's JSON text (firmware files sorted by path). */
export function manifestJson(manifest: Manifest): string {
  const m: Manifest = manifest.inputs.firmware
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
  return stableJson(m);
}

export async function writeManifest(path: string, manifest: Manifest): Promise<void> {
  const text = manifestJson(manifest);
  try {
    await writeFile(path, text);
  } catch (err) {
    throw buildError(`cannot write the manifest ${path}: ${(err as Error).message}`, err);
  }
}

// Tool versions come from the one toolchain probe (src/toolchain.ts); re-exported for callers here.
export { toolVersions } from '../toolchain.ts';

/** Merges manifest fragments: objects key by key, anything else replaced. */
function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const old = out[k];
    out[k] =
      v !== null && typeof v === 'object' && !Array.isArray(v) && old !== null && typeof old === 'object' && !Array.isArray(old)
        ? merge(old as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** The manifest output (manifest.json, published last): the build's facts plus every output's fragment. */
export const manifestOutput: Output = {
  name: 'manifest',
  enabled: () => true,
  async make({ made, manifestBase, image, pass, rel, tmp, outDir }) {
    let m: Record<string, unknown> = merge((await manifestBase()) as unknown as Record<string, unknown>, { image: { file: rel(image.name), size: image.size, ...(pass.sha256 !== undefined ? { sha256: pass.sha256 } : {}) } });
    for (const x of made) if (x.manifest) m = merge(m, x.manifest as Record<string, unknown>);
    const manifest = m as unknown as Manifest;
    const file = path.join(tmp, 'manifest.json');
    await writeManifest(file, manifest);
    const manifestPath = path.join(outDir, 'manifest.json');
    return { output: 'manifest', files: [[file, 'manifest.json']], manifest, paths: { manifestPath }, listed: [manifestPath] };
  },
};
