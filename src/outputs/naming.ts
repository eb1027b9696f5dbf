/**
 * Output file names. The spec's `output.name` template ({name}, {label},
 * {system}) is expanded and then made safe: every character outside
 * [A-Za-z0-9._+-] (each of its UTF-8 bytes) becomes "_", so a nixos-version
 * such as "25.05.19700101.dirty (Warbler)" gives
 * "nixos-sd-image-25.05.19700101.dirty__Warbler_-aarch64-linux". Such names
 * are valid file names everywhere and valid Hydra product names.
 */
import { usageError } from '../errors.ts';

/** The longest suffix imgsmith appends to the base name. */
export const LONGEST_SUFFIX = '.img.zst.sha256';
/** File names are at most 255 bytes on Linux filesystems. */
export const NAME_MAX = 255;

export const TEMPLATE_KEYS = ['name', 'label', 'system'] as const;

/** Replaces every byte that is not [A-Za-z0-9._+-] with "_" (a 2-byte UTF-8 character gives "__"). */
export function safeName(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9._+-]/.test(c) ? c : '_';
  }
  return out;
}

/** The unknown {placeholders} in a template (for spec validation). */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!).filter((k) => !(TEMPLATE_KEYS as readonly string[]).includes(k));
}

/**
 * The base name (without extension) of every output file: the template with
 * its placeholders replaced, made safe, and checked (not empty, not starting
 * with ".", at most 255 bytes with the longest suffix). `what` names where the
 * template came from for the error message.
 */
export function outputBaseName(template: string, values: { name: string; label: string; system: string }, what = 'spec.output.name'): string {
  const expanded = template.replaceAll('{name}', values.name).replaceAll('{label}', values.label).replaceAll('{system}', values.system);
  const base = safeName(expanded);
  if (base === '') throw usageError(`${what}: the output file name is empty; give a non-empty "output.name" or --label`);
  if (base.startsWith('.')) {
    throw usageError(`${what}: the output file name "${base}" starts with "." (a hidden file); change "output.name" or --label`);
  }
  const max = NAME_MAX - LONGEST_SUFFIX.length;
  if (base.length > max) {
    throw usageError(
      `${what}: the output file name "${base.slice(0, 40)}..." is ${base.length} bytes; with "${LONGEST_SUFFIX}" it must fit in ${NAME_MAX} bytes, ` +
        `so at most ${max}: shorten "output.name" or the label (--label)`,
    );
  }
  return base;
}
