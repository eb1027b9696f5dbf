/**
 * The raw image output (`<name>.img`): published when the image is not compressed or
 * with --keep-raw; the Hydra product when it is not compressed.
 */
import path from 'node:path';
import type { Output } from './types.ts';

export const imageOutput: Output = {
  name: 'image',
  enabled: (plan) => !plan.compress || plan.keepRaw,
  async make({ image, pass, rel, outDir, compress }) {
    const name = rel(image.name);
    return {
      output: 'image',
      files: [[image.path, name]],
      checksums: [[image.path, name, pass.sha256]],
      ...(compress ? {} : { hydra: [['sd-image', name]] }),
      listed: [path.join(outDir, name)],
      paths: { imagePath: path.join(outDir, name) },
    };
  },
};
