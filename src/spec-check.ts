/**
 * Checking parsed JSON against what the spec expects, with messages that name the JSON
 * path and what was expected (`spec.partitions[0].filesystem: unknown key "lable" (did you
 * mean "label"?)`). Used by spec.ts and by the filesystem drivers for their own keys.
 */
import path from 'node:path';
import { usageError } from './errors.ts';
import { labelProblem, type LabelRule } from './labels.ts';
import { parseSectorSize, SIZE_PATTERN } from './units.ts';
import type { SizeSpec, SourceRoot } from './spec-types.ts';
import { UUID_RE } from './uuid.ts';

export type Json = unknown;
export type Obj = Record<string, Json>;

/** Edit distance, for "did you mean" hints on unknown keys and values. */
export function distance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

export function hint(word: string, choices: readonly string[]): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of choices) {
    const dd = distance(word.toLowerCase(), c.toLowerCase());
    if (dd < bestD) {
      bestD = dd;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

export function describe(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

export function obj(v: Json, where: string, allowed: readonly string[], required: readonly string[] = []): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw usageError(`${where}: expected an object, got ${describe(v)}`);
  }
  const o = v as Obj;
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      throw usageError(`${where}: unknown key "${k}"${hint(k, allowed)}; expected one of: ${allowed.join(', ')}`);
    }
  }
  for (const k of required) {
    if (o[k] === undefined) throw usageError(`${where}: missing required key "${k}"`);
  }
  return o;
}

export function str(v: Json, where: string, opts: { pattern?: RegExp; what?: string; nonEmpty?: boolean } = {}): string {
  if (typeof v !== 'string') throw usageError(`${where}: expected a string, got ${describe(v)}`);
  if ((opts.nonEmpty ?? true) && v.length === 0) throw usageError(`${where}: must not be empty`);
  if (opts.pattern && !opts.pattern.test(v)) {
    throw usageError(`${where}: "${v}" is not ${opts.what ?? `a match for ${opts.pattern}`}`);
  }
  return v;
}

export function bool(v: Json, where: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw usageError(`${where}: expected true or false, got ${describe(v)}`);
  return v;
}

export function oneOf<T extends string | number>(v: Json, where: string, choices: readonly T[]): T {
  if (!choices.includes(v as T)) {
    const h = typeof v === 'string' ? hint(v, choices.map(String)) : '';
    throw usageError(`${where}: expected one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${describe(v)}${h}`);
  }
  return v as T;
}

export function arr(v: Json, where: string): Json[] {
  if (!Array.isArray(v)) throw usageError(`${where}: expected an array, got ${describe(v)}`);
  return v;
}

/** A 32-bit id given as a number or a hex string ("0x2178694e"). */
export function u32(v: Json, where: string): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^0x[0-9a-fA-F]{1,8}$/.test(v)) n = parseInt(v.slice(2), 16);
  else if (typeof v === 'string' && /^[0-9a-fA-F]{8}$/.test(v)) n = parseInt(v, 16);
  else throw usageError(`${where}: expected a 32-bit id such as "0x2178694e", got ${describe(v)}`);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw usageError(`${where}: ${v} does not fit in 32 bits`);
  }
  return n;
}

export { UUID_RE };

export function uuid(v: Json, where: string): string | undefined {
  if (v === undefined) return undefined;
  return str(v, where, { pattern: UUID_RE, what: 'a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)' }).toLowerCase();
}

export function sizeSpec(v: Json, where: string): SizeSpec {
  if (v === 'auto' || v === 'fill') return v;
  const n = parseSectorSize(v, where);
  if (n === 0) throw usageError(`${where}: a partition size must be greater than 0`);
  return n;
}

/** A filesystem label: checked against what the filesystem can store (never truncated or case-changed). */
export function label(v: Json, where: string, rule: LabelRule): string | undefined {
  if (v === undefined) return undefined;
  const l = str(v, where, { nonEmpty: false });
  const problem = labelProblem(rule, l);
  if (problem) throw usageError(`${where}: ${problem}`);
  return l;
}

export const SOURCE_ROOTS = ['firmware', 'spec', 'toplevel'] as const;

export function sourceRoot(v: Json, where: string): SourceRoot {
  return oneOf(v, where, SOURCE_ROOTS);
}

export function relPath(v: Json, where: string, allowEscape = false): string {
  const p = str(v, where);
  if (p.startsWith('/') || (!allowEscape && path.posix.normalize(p).split('/').includes('..'))) {
    throw usageError(
      `${where}: "${p}" must be a relative path inside its source (no leading "/", and no ".." that leaves it` +
        `${allowEscape ? '' : '; set "allowEscape": true on the item to read outside on purpose'})`,
    );
  }
  return p;
}


/** A JSON Schema (draft 2020-12) fragment, for the published spec schema (src/spec-schema.ts). */
export type JsonSchema = { [key: string]: unknown };

/** Schema fragments for values that several parts of the spec share. */
export const schemaOf = {
  /** A size: bytes, or a string with a binary unit ("30MiB", "1.5GiB", "8M"): the grammar of units.ts's parseSize. */
  size: {
    anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: SIZE_PATTERN }],
    description: 'bytes (a bare number), or a number with a binary unit: "30MiB" or "30M" (powers of 1024), "2048s" (sectors); decimal KB/MB/GB are refused',
  },
  uuid: { type: 'string', pattern: UUID_RE.source },
  /** A 32-bit id: a number or hex ("0x2178694e"). */
  id32: { anyOf: [{ type: 'integer', minimum: 0, maximum: 0xffffffff }, { type: 'string', pattern: '^(0x[0-9a-fA-F]{1,8}|[0-9a-fA-F]{8})$' }] },
  label: (what: string): JsonSchema => ({ type: 'string', description: what }),
  source: {
    type: 'object',
    properties: { from: { enum: [...SOURCE_ROOTS] }, path: { type: 'string', minLength: 1 } },
    required: ['from', 'path'],
    additionalProperties: false,
  },
} satisfies Record<string, JsonSchema | ((what: string) => JsonSchema)>;
