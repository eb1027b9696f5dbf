/**
 * The outputs of a build, in the order they are made (an output sees what the ones before it
 * made: the checksums, the Hydra products and the manifest come after the files they name).
 * Adding an output is one file (an `Output`, see types.ts) plus one line in `builtIn`: its
 * spec keys, flags, Action inputs, settings, manifest fragment and result paths come from
 * here (registry.ts turns them into the spec's schema and parser, the CLI flags and options).
 */
import type { ManifestCore } from './manifest-format.ts';
import type { AnyOutput, FragmentOf, OptionsOf, Output, OutputSpecCommon, OutputTypes, PathsOf, SpecPart } from './types.ts';
import { zstdOutput } from './compress.ts';
import { imageOutput } from './image.ts';
import { bmapOutput } from './bmap.ts';
import { simgOutput } from './simg.ts';
import { partitionArtifactsOutput } from './partition-artifacts.ts';
import { tarOutput } from './tar-product.ts';
import { checksumsOutput } from './checksums.ts';
import { hydraOutput } from './hydra.ts';
import { manifestOutput } from './manifest-output.ts';
import { internalError } from '../errors.ts';

const builtIn = [zstdOutput, imageOutput, bmapOutput, simgOutput, partitionArtifactsOutput, tarOutput, checksumsOutput, hydraOutput, manifestOutput] as const;

/** The registry, in the order the outputs are made (registerOutput adds to it). */
export const outputs: AnyOutput[] = [...builtIn];

/**
 * Adds an output to the registry (before the output named `before`, default "checksums", so
 * that its files get their .sha256, are Hydra products and are in the manifest). Call it
 * before the first spec is loaded: the spec's schema is compiled once.
 */
export function registerOutput(o: AnyOutput, before = 'checksums'): void {
  if (outputs.some((x) => x.name === o.name)) throw internalError(`an output named "${o.name}" is already registered`);
  const i = outputs.findIndex((x) => x.name === before);
  outputs.splice(i < 0 ? outputs.length : i, 0, o);
}

type U2I<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type Types = (typeof builtIn)[number] extends infer O ? (O extends Output<infer T> ? T : never) : never;
type Each<R, K extends 'spec' | 'options' | 'manifest' | 'paths'> = R extends OutputTypes
  ? K extends 'spec' ? SpecPart<R> : K extends 'options' ? OptionsOf<R> : K extends 'manifest' ? FragmentOf<R> : PathsOf<R>
  : never;

/** The spec's `output` object, parsed: the common keys and every output's. */
export type OutputSpec = OutputSpecCommon & U2I<Each<Types, 'spec'>>;
/** The flags' values as BuildOptions takes them (each output's options, by camelCase flag name). */
export type OutputOptions = Partial<U2I<Each<Types, 'options'>>>;
/** manifest.json: its core plus every output's fragment. */
export type Manifest = ManifestCore & U2I<Each<Types, 'manifest'>>;
/** Where the outputs are (absolute final paths), as buildImage returns them. */
export type OutputPaths = Partial<U2I<Each<Types, 'paths'>>>;
