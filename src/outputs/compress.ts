/**
 * Image compression, like nixpkgs' sd-image.nix (`zstd -T$NIX_BUILD_CORES --rm $img`,
 * i.e. level 3 by default), but as one zstd frame per 16 MiB of the image
 * (chunked.ts): any zstd decoder reads the frames as one stream, the bytes do not
 * depend on the thread count, and the chunks mke2fs is done with are compressed while
 * it still writes the rest. This file holds the levels and the zstd output.
 */
import path from 'node:path';
import type { Output } from './types.ts';
import { internalError } from '../errors.ts';

/** nixpkgs' sd-image.nix runs `zstd` without a level, i.e. level 3. */
export const DEFAULT_ZSTD_LEVEL = 3;
/** zstd levels 1..19, and 20..22 with --ultra. */
export const MAX_ZSTD_LEVEL = 22;

/** The zstd output (`<name>.img.zst`, from the single pass over the image; the Hydra product). */
export const zstdOutput: Output = {
  name: 'zstd',
  enabled: (plan) => plan.compress,
  tools: () => ['zstd'],
  pass: (plan, tmp) => ({ zstd: { out: path.join(tmp, `${plan.base}.img.zst`), level: plan.spec.output.zstdLevel } }),
  async make({ pass, rel, base, outDir, spec, tmp }) {
    if (!pass.compressed) throw internalError('the zstd output without a compressed image');
    const file = rel(`${base}.img.zst`);
    const tmpPath = path.join(tmp, `${base}.img.zst`);
    return {
      output: 'zstd',
      files: [[tmpPath, file]],
      checksums: [[tmpPath, file, pass.compressed.sha256]],
      manifest: { image: { compressed: { file, ...pass.compressed, compressor: 'zstd', level: spec.output.zstdLevel } } },
      hydra: [['sd-image', file]],
      listed: [path.join(outDir, file)],
      paths: { compressedPath: path.join(outDir, file) },
    };
  },
};
