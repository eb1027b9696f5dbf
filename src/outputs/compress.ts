/**
 * Image compression, like nixpkgs' sd-image.nix (`zstd -T$NIX_BUILD_CORES --rm $img`,
 * i.e. level 3 by default), but as one zstd frame per 16 MiB of the image
 * (chunked.ts): any zstd decoder reads the frames as one stream, the bytes do not
 * depend on the thread count, and the chunks mke2fs is done with are compressed while
 * it still writes the rest. This file holds the levels and the zstd output.
 */
import path from 'node:path';
import { internalError, usageError } from '../errors.ts';
import { describe, oneOf } from '../spec-check.ts';
import type { ManifestFile } from './manifest-format.ts';
import { settingsOf, type Output } from './types.ts';

/** nixpkgs' sd-image.nix runs `zstd` without a level, i.e. level 3. */
export const DEFAULT_ZSTD_LEVEL = 3;
/** zstd levels 1..19, and 20..22 with --ultra. */
export const MAX_ZSTD_LEVEL = 22;

/** output.compress and output.zstdLevel, parsed. */
export interface ZstdSpec {
  compress: 'zstd' | 'none';
  zstdLevel: number;
}

/** The manifest's image.compressed. */
export interface ManifestCompressed extends ManifestFile {
  compressor: string;
  level: number;
}

/** Whether the image (and the tarballs) are compressed, and at which level. */
export interface ZstdSettings {
  compress: boolean;
  level: number;
}

export type ZstdTypes = {
  spec: ZstdSpec;
  options: { compress?: boolean };
  settings: ZstdSettings;
  manifest: { image: { compressed?: ManifestCompressed } };
  paths: { compressedPath?: string };
};

/** The zstd output (`<name>.img.zst`, from the single pass over the image; the Hydra product). */
export const zstdOutput: Output<ZstdTypes> = {
  name: 'zstd',
  spec: {
    properties: { compress: { enum: ['zstd', 'none'] }, zstdLevel: { type: 'integer', minimum: 1, maximum: 19 } },
    parse(o, where) {
      let zstdLevel = DEFAULT_ZSTD_LEVEL;
      if (o.zstdLevel !== undefined) {
        if (typeof o.zstdLevel !== 'number' || !Number.isInteger(o.zstdLevel) || o.zstdLevel < 1 || o.zstdLevel > 19) {
          throw usageError(`${where}.zstdLevel: expected a whole number from 1 to 19, got ${describe(o.zstdLevel)}`);
        }
        zstdLevel = o.zstdLevel;
      }
      return { compress: o.compress === undefined ? 'zstd' : oneOf(o.compress, `${where}.compress`, ['zstd', 'none'] as const), zstdLevel };
    },
  },
  flags: {
    compress: {
      name: 'compress',
      type: 'boolean',
      describe: "Compress the image with zstd (default: the spec's output.compress). --no-compress writes a raw .img.",
      action: { description: 'Write the image zstd-compressed (.img.zst); false writes the raw .img.', default: 'true' },
    },
  },
  settings: (spec, options) => ({ compress: options.compress ?? spec.compress !== 'none', level: spec.zstdLevel }),
  manifestKeys: ['compressor', 'level', 'compressed'],
  enabled: (plan) => settingsOf(plan, zstdOutput).compress,
  tools: () => ['zstd'],
  pass: (plan, tmp) => ({ zstd: { out: path.join(tmp, `${plan.base}.img.zst`), level: settingsOf(plan, zstdOutput).level } }),
  async make(input) {
    const { pass, rel, base, outDir, tmp } = input;
    if (!pass.compressed) throw internalError('the zstd output without a compressed image');
    const file = rel(`${base}.img.zst`);
    const tmpPath = path.join(tmp, `${base}.img.zst`);
    return {
      output: 'zstd',
      files: [[tmpPath, file]],
      checksums: [[tmpPath, file, pass.compressed.sha256]],
      manifest: { image: { compressed: { file, ...pass.compressed, compressor: 'zstd', level: settingsOf(input, zstdOutput).level } } },
      hydra: [['sd-image', file]],
      listed: [path.join(outDir, file)],
      paths: { compressedPath: path.join(outDir, file) },
    };
  },
};
