/**
 * What the rest of imgsmith gets from the output registry (index.ts), without naming an
 * output: the spec's `output` object (its JSON Schema and its parser, spec-schema.ts and
 * spec.ts), the build command's flags and their values (cli.ts, action/main.ts), and each
 * output's settings for a build (build.ts).
 */
import type { Options } from 'yargs';
import { usageError } from '../errors.ts';
import { hint, obj, str, type Json, type JsonSchema } from '../spec-check.ts';
import { TEMPLATE_KEYS, unknownPlaceholders } from './naming.ts';
import { outputs, type OutputOptions, type OutputSpec } from './index.ts';
import type { OutputSpec as OutputSpecOfImage } from '../spec-types.ts';
import type { OutputFlag, OutputSpecCommon, OutputSpecContext } from './types.ts';

/** The keys of `output` that are no output's: the file names and where the image files go. */
const COMMON_KEYS: Record<string, JsonSchema> = {
  name: { type: 'string', minLength: 1, pattern: '^[^/\\u0000]+$', description: `file name template; placeholders ${TEMPLATE_KEYS.map((k) => `{${k}}`).join(', ')}` },
  directory: { type: 'string', minLength: 1 },
};

/** The `output` object's JSON Schema properties: the common keys, then every output's. */
export function outputSpecProperties(): Record<string, JsonSchema> {
  return Object.assign({}, COMMON_KEYS, ...outputs.map((o) => o.spec?.properties ?? {}));
}

function parseCommon(o: Record<string, Json>, where: string, specName: string): OutputSpecCommon {
  const fileName = o.name === undefined ? specName : str(o.name, `${where}.name`, { pattern: /^[^/\0]+$/, what: 'a file name without "/"' });
  const unknown = unknownPlaceholders(fileName);
  if (unknown.length > 0) {
    throw usageError(`${where}.name: unknown placeholder "{${unknown[0]}}"${hint(unknown[0]!, TEMPLATE_KEYS)}; the placeholders are ${TEMPLATE_KEYS.map((k) => `{${k}}`).join(', ')}`);
  }
  if (o.directory === undefined) return { name: fileName };
  const directory = str(o.directory, `${where}.directory`);
  for (const c of directory.split('/')) {
    if (!/^[A-Za-z0-9_+-][A-Za-z0-9._+-]*$/.test(c)) {
      throw usageError(
        `${where}.directory: "${directory}" must be a relative directory such as "sd-image" made of letters, digits and . _ + - (no leading "/" or ".", no empty, "." or ".." components)`,
      );
    }
  }
  if (directory.split('/')[0] === 'nix-support') throw usageError(`${where}.directory: "nix-support" is where the Hydra products go; choose another directory`);
  return { name: fileName, directory };
}

/** The spec's `output` object (absent: every default): the common keys, then each output parses its own. */
export function parseOutputSpec(v: Json, where: string, ctx: OutputSpecContext): OutputSpecOfImage {
  const o = v === undefined ? {} : obj(v, where, Object.keys(outputSpecProperties()));
  const common = parseCommon(o, where, ctx.name);
  return Object.assign(common, ...outputs.map((x) => x.spec?.parse(o, where, ctx) ?? {})) as OutputSpecOfImage;
}

/** Every output's flags: [option name (camelCase), flag], in registry order. */
export function outputFlagList(): [string, OutputFlag][] {
  return outputs.flatMap((o) => Object.entries<OutputFlag>(o.flags ?? {}));
}

/**
 * The outputs' flags of `imgsmith build`, as yargs options (`.options(outputFlags())`). Typed
 * with no known keys: an index signature would make yargs type every other argument unknown;
 * their values are read back with outputOptions.
 */
export function outputFlags(): Record<never, Options> {
  return Object.fromEntries(
    outputFlagList().map(([, f]) => [f.name, { type: f.type, describe: f.describe, ...(f.default !== undefined ? { default: f.default } : {}) }]),
  );
}

/** The outputs' options from parsed flags (keyed by flag name, as yargs gives them); flags not given are left out. */
export function outputOptions(args: Readonly<Record<string, unknown>>): OutputOptions {
  return Object.fromEntries(outputFlagList().flatMap(([key, f]) => (args[f.name] === undefined ? [] : [[key, args[f.name]]])));
}

/** Every output's settings for a build, by output name: its spec keys with its options (flags) applied. */
export function outputSettings(output: OutputSpecOfImage, options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const spec = output as OutputSpec; // parsed by parseOutputSpec: every output's keys are there
  const settings: Record<string, unknown> = {};
  for (const o of outputs) {
    const own = Object.fromEntries(Object.keys(o.flags ?? {}).flatMap((k) => (options[k] === undefined ? [] : [[k, options[k]]])));
    settings[o.name] = o.settings?.(spec, own);
  }
  return settings;
}
