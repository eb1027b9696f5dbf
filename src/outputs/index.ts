/**
 * The outputs of a build, in the order they are made (an output sees what the ones before it
 * made: the checksums, the Hydra products and the manifest come after the files they name).
 * Adding an output is one file (an `Output`, see types.ts) plus one line here.
 */
import type { Output } from './types.ts';
import { zstdOutput } from './compress.ts';
import { imageOutput } from './image.ts';
import { bmapOutput } from './bmap.ts';
import { tarOutput } from './tar-product.ts';
import { checksumsOutput } from './checksums.ts';
import { hydraOutput } from './hydra.ts';
import { manifestOutput } from './manifest.ts';

export const outputs: readonly Output[] = [zstdOutput, imageOutput, bmapOutput, tarOutput, checksumsOutput, hydraOutput, manifestOutput];
