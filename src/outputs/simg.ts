/**
 * The Android sparse image output (`<name>.simg`, for fastboot, U-Boot's `mmc swrite` and
 * NXP uuu): written by the single pass over the image (package.ts) with the codec in
 * ../codec/android-sparse.ts. The blocks the bmap would not map (zeros nothing needs) are
 * DONT_CARE, blocks of one repeated 32-bit word FILL, the rest RAW. `output.simg` (or
 * --simg) also makes one per partition named in `output.partitions` (partition-artifacts.ts).
 */
import path from 'node:path';
import { internalError } from '../errors.ts';
import { bool } from '../spec-check.ts';
import { SPARSE_BLOCK_SIZE } from '../codec/android-sparse.ts';
import type { PassResult } from './pass.ts';
import { settingsOf, type Output } from './types.ts';

/** The manifest's description of a .simg (the image's, or a partition artifact's). */
export interface ManifestSimg {
  file: string;
  size: number;
  sha256: string;
  blockSize: number;
  /** total_blks: the blocks of the raw image, the last partial one padded with zeros. */
  blocks: number;
  chunks: number;
}

/** The manifest entry of the .simg `file` the pass made. */
export function manifestSimg(file: string, simg: NonNullable<PassResult['simg']>): ManifestSimg {
  return { file, size: simg.size, sha256: simg.sha256, blockSize: SPARSE_BLOCK_SIZE, blocks: simg.blocks, chunks: simg.chunks };
}

export type SimgTypes = {
  spec: { simg: boolean };
  options: { simg?: boolean };
  settings: { simg: boolean };
  manifest: { image: { simg?: ManifestSimg } };
  paths: { simgPath?: string };
};

export const simgOutput: Output<SimgTypes> = {
  name: 'simg',
  spec: { properties: { simg: { type: 'boolean', description: 'also write <name>.simg (Android sparse image) and one per output.partitions artifact' } }, parse: (o, where) => ({ simg: bool(o.simg, `${where}.simg`, false) }) },
  flags: {
    simg: {
      name: 'simg',
      type: 'boolean',
      describe: "Also write an Android sparse image (.simg) of the disk and of each output.partitions artifact (default: the spec's output.simg).",
    },
  },
  settings: (spec, options) => ({ simg: options.simg ?? spec.simg }),
  manifestKeys: ['simg'],
  enabled: (plan) => settingsOf(plan, simgOutput).simg,
  pass: (plan, tmp) => ({ simg: path.join(tmp, `${plan.base}.simg`) }),
  async make({ pass, rel, base, outDir, tmp }) {
    if (!pass.simg) throw internalError('the simg output without a sparse image');
    const file = rel(`${base}.simg`);
    const tmpPath = path.join(tmp, `${base}.simg`);
    return {
      output: 'simg',
      files: [[tmpPath, file]],
      checksums: [[tmpPath, file, pass.simg.sha256]],
      manifest: { image: { simg: manifestSimg(file, pass.simg) } },
      hydra: [['binary-dist', file]],
      listed: [path.join(outDir, file)],
      paths: { simgPath: path.join(outDir, file) },
    };
  },
};
