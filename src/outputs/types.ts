/**
 * The outputs of a build (the image, its zstd, bmap, tarballs, Hydra products, the
 * manifest): one `Output` each, listed in the registry src/outputs/index.ts. The pipeline
 * (src/build.ts) asks each what it needs from the single pass over the image, lets each
 * make its files in the build's temporary directory, and publishes what they made.
 */
import type { ClosureInfo } from '../content/closure.ts';
import type { FileTree } from '../content/tree.ts';
import type { Progress } from '../progress.ts';
import type { ImageSpec } from '../spec-types.ts';
import type { Manifest } from './manifest.ts';
import type { PackageOptions, PackageResult } from './package.ts';

/** What is known about the outputs before any heavy work. */
export interface OutputPlan {
  spec: ImageSpec;
  /** The output base name (outputs/naming.ts), checked. */
  base: string;
  /** The {label}, as given or found. */
  label: string;
  /** Whether the image (and tarballs) are compressed (output.compress, --compress). */
  compress: boolean;
  /** --keep-raw. */
  keepRaw: boolean;
  /** Whether a bmap is written (output.bmap, --bmap / --no-bmap). */
  bmap: boolean;
  /** A file's path relative to the output directory (image files go to output.directory). */
  rel(name: string): string;
}

/** Everything an output may use to make its files. */
export interface OutputInput extends OutputPlan {
  /** The build's temporary directory (files are made here, then published). */
  tmp: string;
  /** The output directory (absolute). */
  outDir: string;
  epoch: number;
  progress: Progress;
  /** The raw image in `tmp`, its final file name (`rel` not applied) and its size. */
  image: { path: string; name: string; size: number };
  /** The result of the single pass over the image (its SHA-256; bmap and zstd when asked for). */
  pass: PackageResult;
  /** The partitions' trees, in spec order. */
  trees: FileTree[];
  closure?: () => Promise<ClosureInfo>;
  /** What the outputs before this one made (the Hydra products and the manifest use them). */
  made: Made[];
  /** The manifest's parts that do not come from outputs (spec, table, partitions, inputs, tools). */
  manifestBase: () => Promise<ManifestBase>;
}

/** The manifest without what the outputs add (image, tar). */
export type ManifestBase = Omit<Manifest, 'image' | 'tar'>;

/** What an output made. */
export interface Made {
  output: string;
  /** [path in tmp, final name relative to the output directory] to publish. */
  files: [string, string][];
  /** Its part of manifest.json (merged into the others'). */
  manifest?: DeepPartial<Manifest>;
  /** Files with their SHA-256 (hex) for the checksums output: [path in tmp, final name, sha256]. */
  checksums?: [string, string, string][];
  /** Files to publish as Hydra build products: [subtype, name relative to the output directory]. */
  hydra?: [string, string][];
  /** Its paths in the build's result. */
  paths?: OutputPaths;
  /** The files `imgsmith build` prints (absolute final paths), in the order it prints them. */
  listed?: string[];
}

/** Where the outputs are (absolute final paths), as buildImage returns them. */
export interface OutputPaths {
  /** The raw image (absent when compressed and not kept). */
  imagePath?: string;
  compressedPath?: string;
  bmapPath?: string;
  /** output.tar: the tarball. */
  tarPath?: string;
  manifestPath?: string;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export interface Output {
  readonly name: string;
  /** Whether this build makes it. */
  enabled(plan: OutputPlan): boolean;
  /** External tools it runs (checked before any work; versions in the manifest). */
  tools?(plan: OutputPlan): string[];
  /** What it needs from the single pass over the image (package.ts): a bmap or zstd file in `tmp`. */
  pass?(plan: OutputPlan, tmp: string): Partial<PackageOptions>;
  /** Makes its files (in input.tmp) and says what to publish. */
  make(input: OutputInput): Promise<Made>;
}
