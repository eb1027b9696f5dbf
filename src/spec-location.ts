/**
 * The one way a problem in a spec is located: `FILE:LINE:COLUMN: JSON.PATH: message`
 * (`images/x.json:14:17: spec.partitions[1].size: ...`), or `JSON.PATH: message` when no file
 * is known (a spec given as a value). Code that finds a problem words it with the JSON path
 * (partitionPath below); the file, line and column are added where the spec was loaded
 * (src/spec.ts) or built (src/build.ts), from the positions the JSONC parser recorded.
 */
import { ImgsmithError } from './errors.ts';
import { childPath, type Position } from './jsonc.ts';
import type { Progress } from './progress.ts';

/** Where a loaded spec came from: its file and where each of its values starts. */
export interface SpecSource {
  file: string;
  positions: Map<string, Position>;
}

/** The JSON path of partition `i` (0-based, as in the spec), optionally with a sub-path: `spec.partitions[1].size`. */
export function partitionPath(i: number, sub = ''): string {
  return `spec.partitions[${i}]${sub}`;
}

/** The position of `path` in the file, or of its nearest enclosing value that has one. */
function positionOf(path: string, source: SpecSource): Position | undefined {
  for (let p = path, up = ''; p !== ''; p = up) {
    const at = source.positions.get(p);
    if (at) return at;
    up = p.replace(/(\.[^.[\]]+|\[[^\]]*\])$/, '');
    if (up === p) return undefined;
  }
  return undefined;
}

/** `FILE:LINE:COLUMN: path` (or `FILE: path`, or just `path` when there is no source); `at` is a more precise path to point at. */
export function formatLocation(path: string, source?: SpecSource, at_ = path): string {
  if (!source) return path;
  const at = positionOf(at_, source);
  return at ? `${source.file}:${at.line}:${at.column}: ${path}` : `${source.file}: ${path}`;
}

/** A message that starts with a JSON path ("spec.partitions[0].size: ...", "spec: ..."): its path. */
const LEADING_PATH = /^spec(?:\.[A-Za-z_$][\w$-]*|\[(?:\d+|"(?:[^"\\]|\\.)*")\])*(?=: |\s)/;

/** The message with FILE:LINE:COLUMN put before its leading JSON path; `prefixFile` puts "FILE: " before one without. */
export function locateMessage(message: string, source: SpecSource | undefined, prefixFile = false): string {
  if (!source) return message;
  const m = LEADING_PATH.exec(message);
  if (!m || (m[0] === 'spec' && !message.startsWith('spec: '))) return prefixFile ? `${source.file}: ${message}` : message;
  const rest = message.slice(m[0].length);
  // "spec.x: unknown key "lable"": the key's value, on the key's line, rather than the object.
  const key = /^: unknown key "([^"]*)"/.exec(rest)?.[1];
  return formatLocation(m[0], source, key !== undefined ? childPath(m[0], key) : m[0]) + rest;
}

/** Puts the location into an imgsmith error's message (other errors are returned as they are). */
export function locateError<E>(err: E, source: SpecSource | undefined, prefixFile = false): E {
  if (err instanceof ImgsmithError) err.message = locateMessage(err.message, source, prefixFile);
  return err;
}

/** `progress` with the spec's location put into warnings about the spec ("warning: spec.partitions[0]: ..."). */
export function locateWarnings(progress: Progress, source: SpecSource | undefined): Progress {
  if (!source) return progress;
  return {
    phase: (...args) => progress.phase(...args),
    event(type, data) {
      if (type !== 'warning' || typeof data.message !== 'string') return progress.event(type, data);
      const m = /^(warning: )?([\s\S]*)$/.exec(data.message)!;
      progress.event(type, { ...data, message: (m[1] ?? '') + locateMessage(m[2]!, source) });
    },
  };
}

const sources = new WeakMap<object, SpecSource>();

/** Records where a loaded spec came from (src/spec.ts). */
export function setSpecSource(spec: object, source: SpecSource): void {
  sources.set(spec, source);
}

/** Where a spec came from, when it was loaded from a file. */
export function specSource(spec: object): SpecSource | undefined {
  return sources.get(spec);
}
