/**
 * The raw image output (`<name>.img`): published when the image is not compressed or
 * with --keep-raw; the Hydra product when it is not compressed. It is the one output
 * that asks the packaging pass for the raw image's SHA-256 (for its `.sha256` file and
 * the manifest's image.sha256): hashing every byte, holes too, is the one cost that
 * follows the disk size rather than the data, so a build that publishes only the .img.zst
 * does not pay it (see package.ts).
 */
import path from 'node:path';
import { zstdOutput } from './compress.ts';
import { settingsOf, type Output } from './types.ts';
import { internalError } from '../errors.ts';

export type ImageTypes = {
  options: { keepRaw?: boolean };
  settings: { keepRaw: boolean };
  paths: { imagePath?: string };
};

export const imageOutput: Output<ImageTypes> = {
  name: 'image',
  flags: { keepRaw: { name: 'keep-raw', type: 'boolean', default: false, describe: 'With compression, also keep the raw .img.' } },
  settings: (_spec, options) => ({ keepRaw: options.keepRaw === true }),
  enabled: (plan) => !settingsOf(plan, zstdOutput).compress || settingsOf(plan, imageOutput).keepRaw,
  pass: () => ({ sha256: true }),
  async make(input) {
    const { image, pass, rel, outDir } = input;
    const name = rel(image.name);
    if (pass.sha256 === undefined) throw internalError('the image output without the image hash');
    return {
      output: 'image',
      files: [[image.path, name]],
      checksums: [[image.path, name, pass.sha256]],
      ...(settingsOf(input, zstdOutput).compress ? {} : { hydra: [['sd-image', name]] }),
      listed: [path.join(outDir, name)],
      paths: { imagePath: path.join(outDir, name) },
    };
  },
};
