/**
 * The `output.tar` product: a tarball of the root partition's tree ("rootfs") or
 * of the closure in Nix's binary-tarball layout ("nix-binary-tarball"), written
 * as <name>.tar or <name>.tar.zst (following output.compress / --no-compress),
 * with a <file>.sha256 beside it (the checksums output).
 */
import path from 'node:path';
import type { ClosureInfo } from '../content/closure.ts';
import type { FileTree } from '../content/tree.ts';
import type { PartitionSpec, TarOutputSpec } from '../spec-types.ts';
import { internalError, usageError } from '../errors.ts';
import { drivers, driverFor, FS_TYPES } from '../fs/index.ts';
import { hint, obj, oneOf, str, type Json } from '../spec-check.ts';
import { writeTar, type TarSourceEntry } from './tar.ts';
import { fileTreeTarEntries } from './tar-sources.ts';
import { nixTarballEntries, nixTarballTopDir } from './nix-tarball.ts';
import type { ManifestFile } from './manifest-format.ts';
import { zstdOutput } from './compress.ts';
import { safeName } from './naming.ts';
import { settingsOf, type Output } from './types.ts';

/** output.tar: the tarball written beside the image (the manifest's "tar"). */
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

export interface TarProductInput {
  /** The partitions' trees, in spec order (rootfs uses spec.partition's). */
  trees: FileTree[];
  /** Index of each partition name in `trees`. */
  partitionIndex: (name: string) => number;
  /** The closure (nix-binary-tarball). */
  closure?: () => Promise<ClosureInfo>;
  /** Directory to write into (the build's temporary directory). */
  dir: string;
  /** Output base name (without extension). */
  base: string;
  /** The build label ({label}): the binary tarball's version. */
  label: string;
  system: string;
  epoch: number;
  /** zstd level, or undefined for a plain .tar. */
  zstdLevel?: number;
  onProgress?: (bytes: number) => void;
}

export interface TarProduct {
  /** The tarball in `dir` (its final name is manifest.file). */
  path: string;
  manifest: ManifestTar;
  /** The Hydra product subtype to publish the file as, if any. */
  hydraSubtype?: string;
}

export async function writeTarProduct(spec: TarOutputSpec, input: TarProductInput): Promise<TarProduct> {
  const file = `${input.base}.tar${input.zstdLevel !== undefined ? '.zst' : ''}`;
  const out = path.join(input.dir, file);
  let entries: AsyncIterable<TarSourceEntry>;
  let root: './' | '';
  let extra: Partial<ManifestTar>;
  if (spec.type === 'rootfs') {
    entries = fileTreeTarEntries(input.trees[input.partitionIndex(spec.partition)]!);
    root = './';
    extra = { partition: spec.partition };
  } else {
    if (!input.closure) throw internalError('nix-binary-tarball without a closure');
    const topDir = nixTarballTopDir(input.label, input.system);
    entries = nixTarballEntries(await input.closure(), topDir);
    root = '';
    extra = { topDir };
  }
  const r = await writeTar(entries, { path: out, ...(input.zstdLevel !== undefined ? { compress: { level: input.zstdLevel } } : {}) }, input.epoch, {
    root,
    ...(input.onProgress ? { onProgress: input.onProgress } : {}),
  });
  return {
    path: out,
    manifest: {
      type: spec.type,
      file,
      size: r.size,
      sha256: r.sha256,
      entries: r.entries,
      ...(input.zstdLevel !== undefined ? { compressor: 'zstd', level: input.zstdLevel } : {}),
      ...extra,
    },
    ...(spec.type === 'nix-binary-tarball' ? { hydraSubtype: 'binary-dist' } : {}),
  };
}

/** output.tar: "rootfs", "nix-binary-tarball" or { "type": "rootfs", "partition": NAME }. */
function parseTar(v: Json, where: string, partitions: PartitionSpec[]): TarOutputSpec {
  const TYPES = ['rootfs', 'nix-binary-tarball'] as const;
  const o = typeof v === 'string' ? { type: v } : obj(v, where, ['type', 'partition'], ['type']);
  const type = oneOf(o.type, typeof v === 'string' ? where : `${where}.type`, TYPES);
  if (type === 'nix-binary-tarball') {
    if (o.partition !== undefined) throw usageError(`${where}.partition: only a "rootfs" tarball takes a partition`);
    return { type };
  }
  const withFiles = (p: PartitionSpec) => driverFor(p.filesystem).holdsFiles === true;
  const withFilesTypes = FS_TYPES.filter((t) => drivers[t].holdsFiles);
  const filesList = `${withFilesTypes.slice(0, -1).join(', ')} or ${withFilesTypes.at(-1)}`;
  const rootList = FS_TYPES.filter((t) => drivers[t].rootCandidate).join('/');
  if (o.partition !== undefined) {
    const name = str(o.partition, `${where}.partition`);
    const p = partitions.find((q) => q.name === name);
    if (!p) throw usageError(`${where}.partition: no partition is named "${name}"${hint(name, partitions.map((q) => q.name))}`);
    if (!withFiles(p)) throw usageError(`${where}.partition: "${name}" is a ${p.filesystem.type} partition without files: name a ${filesList} partition`);
    return { type, partition: name };
  }
  const withClosure = partitions.find((p) => p.contents.some((c) => c.kind === 'generate' && c.generator === 'closure'));
  const lastLinux = [...partitions].reverse().find((p) => driverFor(p.filesystem).rootCandidate === true);
  const root = withClosure ?? lastLinux;
  if (!root || !withFiles(root)) {
    throw usageError(`${where}: "rootfs" found no root partition (one with { "generate": "closure" } or an ${rootList} one): name one with { "type": "rootfs", "partition": "..." }`);
  }
  return { type, partition: root.name };
}

export type TarTypes = {
  spec: { tar?: TarOutputSpec };
  settings: { tar?: TarOutputSpec };
  manifest: { tar?: ManifestTar };
  paths: { tarPath?: string };
};

const TAR_TYPES = ['rootfs', 'nix-binary-tarball'];

/** The tarball output (output.tar). */
export const tarOutput: Output<TarTypes> = {
  name: 'tar',
  spec: {
    properties: {
      tar: { anyOf: [{ enum: TAR_TYPES }, { type: 'object', properties: { type: { enum: TAR_TYPES }, partition: { type: 'string', minLength: 1 } }, required: ['type'], additionalProperties: false }] },
    },
    parse: (o, where, ctx) => (o.tar !== undefined ? { tar: parseTar(o.tar, `${where}.tar`, ctx.partitions) } : {}),
  },
  settings: (spec) => (spec.tar ? { tar: spec.tar } : {}),
  manifestKeys: ['compressor', 'level'],
  enabled: (plan) => settingsOf(plan, tarOutput).tar !== undefined,
  readsClosure: (plan) => settingsOf(plan, tarOutput).tar?.type === 'nix-binary-tarball',
  tools: (plan) => (settingsOf(plan, zstdOutput).compress ? ['zstd'] : []),
  async make(input) {
    const { spec, tmp, base, rel, progress } = input;
    const zstd = settingsOf(input, zstdOutput);
    const tp = progress.phase('tar');
    const tar = await writeTarProduct(settingsOf(input, tarOutput).tar!, {
      trees: input.trees,
      partitionIndex: (name) => spec.partitions.findIndex((p) => p.name === name),
      ...(input.closure ? { closure: input.closure } : {}),
      dir: tmp,
      base,
      label: safeName(input.label),
      system: spec.system,
      epoch: input.epoch,
      ...(zstd.compress ? { zstdLevel: zstd.level } : {}),
    });
    tp.end({ size: tar.manifest.size });
    const file = rel(tar.manifest.file);
    return {
      output: 'tar',
      files: [[tar.path, file]],
      checksums: [[tar.path, file, tar.manifest.sha256]],
      // The manifest and the Hydra product name the tarball without output.directory (as they always did).
      manifest: { tar: tar.manifest },
      ...(tar.hydraSubtype ? { hydra: [[tar.hydraSubtype, tar.manifest.file]] } : {}),
      paths: { tarPath: path.join(input.outDir, file) },
    };
  },
};
