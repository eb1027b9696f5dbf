/**
 * The outputs of a build (the image, its zstd, bmap, tarballs, Hydra products, the
 * manifest): one `Output` each, listed in the registry src/outputs/index.ts. An output owns
 * its keys of the spec's `output` object (schema, parse, defaults), its command-line flags
 * (and the Action inputs of the same names), its settings (its spec keys with the flags
 * applied), its pass needs, its files and its manifest fragment. The pipeline (src/build.ts)
 * asks each what it needs from the single pass over the image, lets each make its files in
 * the build's temporary directory, and publishes what they made. Nothing here names an output.
 */
import type { ClosureInfo } from '../content/closure.ts';
import type { FileTree } from '../content/tree.ts';
import type { Progress } from '../progress.ts';
import type { ImageSpec, OutputSpec, PartitionSpec } from '../spec-types.ts';
import type { JsonSchema, Obj } from '../spec-check.ts';
import type { ManifestBase } from './manifest-format.ts';
import type { PassNeeds, PassResult } from './pass.ts';
import { internalError } from '../errors.ts';

export type { ManifestBase } from './manifest-format.ts';

/**
 * The types one output declares (each optional): `spec` its part of the spec's `output`
 * object after parsing, `options` the values of its flags (BuildOptions, keyed by the flag's
 * camelCase name), `settings` what it makes of both, `manifest` its fragment of manifest.json,
 * `paths` its files' paths in the build result.
 */
export interface OutputTypes {
  spec?: object;
  options?: object;
  settings?: unknown;
  manifest?: object;
  paths?: object;
}

/** The keys of the spec's `output` object every build has (registry.ts parses them). */
export type OutputSpecCommon = Pick<OutputSpec, 'name' | 'directory'>;

/** What an output's spec parser may look at besides its own keys. */
export interface OutputSpecContext {
  /** The spec's name. */
  name: string;
  partitions: PartitionSpec[];
}

/** An output's keys of the spec's `output` object. */
export interface OutputSpecKeys<P> {
  /** Its keys, as JSON Schema properties: the allowed keys and its part of the published schema. */
  properties: Record<string, JsonSchema>;
  /** Checks the values (only known keys reach here), fills in defaults; errors name `where` and the key. */
  parse(o: Obj, where: string, ctx: OutputSpecContext): P;
}

/**
 * A command-line flag of `imgsmith build` (a boolean one also takes --no-NAME). Its value
 * reaches the output's `settings` as the option of the same name in camelCase.
 */
export interface OutputFlag {
  /** The flag without "--", e.g. "keep-raw". */
  name: string;
  type: 'boolean' | 'string' | 'number';
  /** The --help text (say which spec key it overrides, if any). */
  describe: string;
  /** Its value when not given (none: the spec key decides). */
  default?: boolean | string | number;
  /** The GitHub Action input of the same name (action.yml declares it the same way; test/action.test.ts checks). */
  action?: { description: string; default?: string };
}

type Of<T extends OutputTypes, K extends keyof OutputTypes, D> = K extends keyof T ? NonNullable<T[K]> : D;
export type SpecPart<T extends OutputTypes> = Of<T, 'spec', object>;
export type OptionsOf<T extends OutputTypes> = Of<T, 'options', object>;
export type SettingsOf<T extends OutputTypes> = 'settings' extends keyof T ? T['settings'] : undefined;
export type FragmentOf<T extends OutputTypes> = Of<T, 'manifest', object>;
export type PathsOf<T extends OutputTypes> = Of<T, 'paths', object>;

/** What is known about the outputs before any heavy work. */
export interface OutputPlan {
  spec: ImageSpec;
  /** The output base name (outputs/naming.ts), checked. */
  base: string;
  /** The {label}, as given or found. */
  label: string;
  /** Every output's settings, by output name (read them with `settingsOf`). */
  settings: Readonly<Record<string, unknown>>;
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
  pass: PassResult;
  /** The partitions' trees, in spec order. */
  trees: FileTree[];
  closure?: () => Promise<ClosureInfo>;
  /** What the outputs before this one made (the Hydra products and the manifest use them). */
  made: Made[];
  /** The manifest's parts that do not come from outputs (spec, table, partitions, inputs, tools). */
  manifestBase: () => Promise<ManifestBase>;
  /** The whole registry (the manifest output takes every output's key order from it). */
  registry: readonly AnyOutput[];
}

/** What an output made. */
export interface Made<T extends OutputTypes = OutputTypes> {
  output: string;
  /** [path in tmp, final name relative to the output directory] to publish. */
  files: [string, string][];
  /** Its part of manifest.json (merged into the others'). */
  manifest?: FragmentOf<T>;
  /** Files with their SHA-256 (hex) for the checksums output: [path in tmp, final name, sha256]. */
  checksums?: [string, string, string][];
  /** Files to publish as Hydra build products: [subtype, name relative to the output directory]. */
  hydra?: [string, string][];
  /** Its paths in the build's result (absolute final paths). */
  paths?: PathsOf<T>;
  /** The files `imgsmith build` prints (absolute final paths), in the order it prints them. */
  listed?: string[];
}

export interface Output<T extends OutputTypes = OutputTypes> {
  readonly name: string;
  /** Its keys of the spec's `output` object (none: it takes no keys). */
  readonly spec?: OutputSpecKeys<SpecPart<T>>;
  /** Its flags of `imgsmith build`, keyed by option name (the flag's name in camelCase). */
  readonly flags?: { readonly [K in keyof Required<OptionsOf<T>>]: OutputFlag };
  /** Its settings: its spec keys with its flags applied (`settingsOf` reads them back). */
  settings?(spec: SpecPart<T> & OutputSpecCommon, options: Partial<OptionsOf<T>>): SettingsOf<T>;
  /** Keys of its manifest fragment, in the order manifest.json lists them (registry order). */
  readonly manifestKeys?: readonly string[];
  /** Whether this build makes it. */
  enabled(plan: OutputPlan): boolean;
  /** Whether it reads the Nix closure (a missing --closure is then an error before any work). */
  readsClosure?(plan: Pick<OutputPlan, 'spec' | 'settings'>): boolean;
  /** External tools it runs (checked before any work; versions in the manifest). */
  tools?(plan: OutputPlan): string[];
  /** What it needs from the single pass over the image (package.ts): its hash, a bmap or zstd file in `tmp`. */
  pass?(plan: OutputPlan, tmp: string): PassNeeds;
  /** Makes its files (in input.tmp) and says what to publish. */
  make(input: OutputInput): Promise<Made<T>>;
}

/** An output of any types (the registry's element type). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOutput = Output<any>;

/** The settings of output `o` in this build (computed by its `settings` from the spec and the flags). */
export function settingsOf<T extends OutputTypes>(plan: Pick<OutputPlan, 'settings'>, o: Output<T>): SettingsOf<T> {
  if (!(o.name in plan.settings)) throw internalError(`no settings for the ${o.name} output`);
  return plan.settings[o.name] as SettingsOf<T>;
}
