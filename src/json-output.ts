/**
 * Machine-readable output as a contract: every `--json` document and event carries
 * `"version": JSON_VERSION` and is described by a JSON Schema under schema/ (OUTPUT_SCHEMAS;
 * test/json-output.test.ts validates real output against them). Times are ISO 8601 UTC
 * strings ("2024-01-01T00:00:00Z"); durations are integer milliseconds.
 * A change that removes or retypes a field bumps JSON_VERSION; adding a field does not.
 */
import { safeJson } from './text.ts';

export const JSON_VERSION = 1;

/** The schema of each command's --json output (paths relative to the repository). */
export const OUTPUT_SCHEMAS = {
  build: 'schema/build-events.schema.json',
  inspect: 'schema/inspect.schema.json',
  ls: 'schema/ls.schema.json',
  cat: 'schema/cat.schema.json',
  extract: 'schema/extract.schema.json',
  diff: 'schema/diff.schema.json',
  verify: 'schema/verify.schema.json',
  flash: 'schema/flash.schema.json',
  'boot-test': 'schema/boot-test.schema.json',
} as const;

/** `{ "version": 1, ...v }`: the version first. */
export function versioned<T extends object>(v: T): { version: number } & T {
  return { version: JSON_VERSION, ...v };
}

/** One JSON document or event line (with its version), escaped as safeJson does. */
export function jsonText(v: object, indent?: number): string {
  return safeJson(versioned(v), indent) + '\n';
}

/** A time in seconds since the epoch as JSON output writes times: ISO 8601 UTC ("1970-01-01T00:00:01Z", ms when fractional). */
export function jsonTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString().replace('.000Z', 'Z');
}
