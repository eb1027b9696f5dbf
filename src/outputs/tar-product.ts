/**
 * The `output.tar` product: a tarball of the root partition's tree ("rootfs") or
 * of the closure in Nix's binary-tarball layout ("nix-binary-tarball"), written
 * as <name>.tar or <name>.tar.zst (following output.compress / --no-compress),
 * with a <file>.sha256 beside it (the checksums output).
 */
import path from 'node:path';
import type { ClosureInfo } from '../content/closure.ts';
import type { FileTree } from '../content/tree.ts';
import type { TarOutputSpec } from '../spec-types.ts';
import { writeTar, type TarSourceEntry } from './tar.ts';
import { fileTreeTarEntries } from './tar-sources.ts';
import { nixTarballEntries, nixTarballTopDir } from './nix-tarball.ts';
import type { ManifestTar } from './manifest.ts';
import { safeName } from './naming.ts';
import type { Output } from './types.ts';
import { internalError } from '../errors.ts';

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

/** The tarball output (output.tar). */
export const tarOutput: Output = {
  name: 'tar',
  enabled: (plan) => plan.spec.output.tar !== undefined,
  tools: (plan) => (plan.compress ? ['zstd'] : []),
  async make(input) {
    const { spec, tmp, base, rel, compress, progress } = input;
    const tp = progress.phase('tar');
    const tar = await writeTarProduct(spec.output.tar!, {
      trees: input.trees,
      partitionIndex: (name) => spec.partitions.findIndex((p) => p.name === name),
      ...(input.closure ? { closure: input.closure } : {}),
      dir: tmp,
      base,
      label: safeName(input.label),
      system: spec.system,
      epoch: input.epoch,
      ...(compress ? { zstdLevel: spec.output.zstdLevel } : {}),
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
