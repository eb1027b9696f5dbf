/**
 * Implementations of the Progress interface (src/progress.ts):
 *  - ttyProgress: a bar redrawn in place on a terminal, one line per phase;
 *  - jsonProgress: newline-delimited JSON events for --json;
 *  - warningsOnlyProgress: only the warnings, one line each (stderr that is not a terminal);
 *  - doneLine: the build's closing line (total time, the published files);
 *  - silentProgress is in progress.ts.
 */
import path from 'node:path';
import type { PhaseHandle, Progress } from './progress.ts';
import { JSON_VERSION } from './json-output.ts';

/** A writable stream (process.stderr, a file stream ...). */
export interface TextSink {
  write(chunk: string): unknown;
  /** Terminal width, when the sink is a TTY. */
  columns?: number;
}

export interface ProgressOptions {
  /** Milliseconds from an arbitrary origin (default performance.now); injectable for tests. */
  now?: () => number;
}

const MiB = 1024 * 1024;

/** "512 B", "3.0 KiB", "12.3 MiB", "1.50 GiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < MiB) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * MiB) return `${(n / MiB).toFixed(1)} MiB`;
  return `${(n / (1024 * MiB)).toFixed(2)} GiB`;
}

/** "0.4 s", "12.3 s", "2m05s". */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.floor(s - m * 60)).padStart(2, '0')}s`;
}

/** "1 file", "2 files", "0 files" (`many` for irregular plurals: "directories"). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A path as the user would type it: relative to the working directory when it is under it. */
function shownPath(p: string, cwd: string): string {
  const rel = path.relative(cwd, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/** The build's closing line: its total time and every published file. */
export function doneLine(files: readonly string[], ms: number, cwd = process.cwd()): string {
  return `imgsmith: built in ${formatDuration(ms)}: ${plural(files.length, 'file')}: ${files.map((f) => shownPath(f, cwd)).join(', ')}`;
}

const BAR_WIDTH = 24;
const TTY_REDRAW_MS = 100;

/** "12.3 MiB/s" ('' for items, or before any time passed). */
function rateOf(unit: 'bytes' | 'items', done: number, elapsedMs: number): string {
  if (unit !== 'bytes' || elapsedMs <= 0) return '';
  return `${(done / MiB / (elapsedMs / 1000)).toFixed(1)} MiB/s`;
}

/** A phase's line while it runs: name, bar, percent, done / total, rate and ETA. */
function renderPhase(name: string, unit: 'bytes' | 'items', done: number, tot: number | undefined, elapsed: number): string {
  const amount = (n: number): string => (unit === 'bytes' ? formatBytes(n) : String(n));
  const parts = [name];
  if (tot !== undefined && tot > 0) {
    const frac = Math.min(1, Math.max(0, done / tot));
    const filled = Math.round(frac * BAR_WIDTH);
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`);
    parts.push(`${Math.floor(frac * 100)}%`.padStart(4));
    parts.push(`${amount(done)} / ${amount(tot)}${unit === 'items' ? ' items' : ''}`);
  } else if (done > 0) {
    parts.push(`${amount(done)}${unit === 'items' ? ' items' : ''}`);
  }
  const r = rateOf(unit, done, elapsed);
  if (r !== '' && done > 0) parts.push(r);
  if (r !== '' && done > 0 && tot !== undefined && tot > done && elapsed > 1000) {
    parts.push(`ETA ${formatDuration(((tot - done) * elapsed) / done)}`);
  }
  return parts.join('  ');
}

/**
 * Progress on a terminal: the current phase's line is redrawn in place (at most
 * 10 times a second) with a bar, percent, done/total and rate; when the phase
 * ends the line is replaced by its summary with the duration.
 */
export function ttyProgress(stream: TextSink, opts: ProgressOptions = {}): Progress {
  const now = opts.now ?? (() => performance.now());
  /** Whether a partial (not newline-terminated) line is on screen. */
  let lineOpen = false;
  let active: object | undefined;

  const fit = (line: string): string => {
    const cols = stream.columns;
    return cols !== undefined && cols > 1 && line.length > cols - 1 ? line.slice(0, cols - 1) : line;
  };
  const draw = (line: string, final: boolean): void => {
    stream.write(`\r${fit(line)}\x1b[K${final ? '\n' : ''}`);
    lineOpen = !final;
  };

  return {
    phase(id, total, unit = 'bytes', o = {}) {
      const name = o.label ?? id; // what a person reads; the id is for --json
      const start = now();
      const self = {};
      active = self;
      let done = 0;
      let tot = total;
      let lastDraw = -Infinity;
      let ended = false;
      const rate = (elapsedMs: number): string => rateOf(unit, done, elapsedMs);
      const render = (): string => renderPhase(name, unit, done, tot, now() - start);
      if (lineOpen) stream.write('\n');
      draw(render(), false);
      lastDraw = now();
      const handle: PhaseHandle = {
        update(d, t) {
          if (ended) return;
          done = d;
          if (t !== undefined) tot = t;
          const n = now();
          if (n - lastDraw < TTY_REDRAW_MS || active !== self) return;
          lastDraw = n;
          draw(render(), false);
        },
        end() {
          if (ended) return;
          ended = true;
          const elapsed = now() - start;
          const parts = [`${name}: done in ${formatDuration(elapsed)}`];
          if (unit === 'bytes' && done > 0) parts.push(`(${formatBytes(done)}, ${rate(elapsed) || '-'})`);
          else if (unit === 'items' && done > 0) parts.push(`(${plural(done, 'item')})`);
          if (active !== self && lineOpen) stream.write('\n');
          draw(parts.join(' '), true);
          if (active === self) active = undefined;
        },
      };
      return handle;
    },
    event(type, data) {
      // Informational events are shown only when they carry a message.
      const message = data.message;
      if (typeof message !== 'string') return;
      if (lineOpen) stream.write('\n');
      lineOpen = false;
      stream.write(`${fit(type === 'warning' ? warningLine(message) : message)}\n`);
    },
  };
}

const JSON_PROGRESS_MS = 500;

/**
 * Newline-delimited JSON events, one object per line, each with "version" (src/json-output.ts)
 * and described by schema/build-events.schema.json:
 *   {"version":1,"event":"phase-start","phase":ID,"seq":N,"label":TEXT,"t":MS,"total":N,"unit":"bytes","partition":NAME}
 *   {"version":1,"event":"progress","phase":ID,"seq":N,"t":MS,"done":N,"total":N}   (at most every 500 ms per phase)
 *   {"version":1,"event":"phase-end","phase":ID,"seq":N,"t":MS,"durationMs":MS,"done":N,"total":N,...info}
 *   {"version":1,"event":TYPE,"t":MS,...data}                                        (event())
 * `phase` is a stable id (PHASES), `seq` numbers the phases of a run from 1 (phases of one id can
 * run at once: seq matches start, progress and end), `t` is milliseconds since the reporter was
 * created (integer). The reserved keys win over same-named info/data keys.
 */
export function jsonProgress(stream: TextSink, opts: ProgressOptions = {}): Progress {
  const now = opts.now ?? (() => performance.now());
  const origin = now();
  let seqs = 0;
  const t = (): number => Math.round(now() - origin);
  const emit = (obj: Record<string, unknown>, extra?: Record<string, unknown>): void => {
    const out: Record<string, unknown> = { version: JSON_VERSION, ...obj };
    for (const [k, v] of Object.entries(extra ?? {})) if (!(k in out)) out[k] = v;
    stream.write(`${JSON.stringify(out)}\n`);
  };
  return {
    phase(phase, total, unit = 'bytes', o = {}) {
      const start = now();
      const seq = ++seqs;
      let lastEmit = start;
      let done = 0;
      let tot = total;
      let ended = false;
      const totalField = () => (tot !== undefined ? { total: tot } : {});
      emit({ event: 'phase-start', phase, seq, label: o.label ?? phase, t: t(), ...totalField(), unit, ...(o.partition !== undefined ? { partition: o.partition } : {}) });
      return {
        update(d, newTotal) {
          if (ended) return;
          done = d;
          if (newTotal !== undefined) tot = newTotal;
          const n = now();
          if (n - lastEmit < JSON_PROGRESS_MS) return;
          lastEmit = n;
          emit({ event: 'progress', phase, seq, t: t(), done, ...totalField() });
        },
        end(info) {
          if (ended) return;
          ended = true;
          emit({ event: 'phase-end', phase, seq, t: t(), durationMs: Math.round(now() - start), done, ...totalField() }, info);
        },
      };
    },
    event(type, data) {
      emit({ event: type, t: t() }, data);
    },
  };
}

/** A warning as printed: "imgsmith: warning: ..." (messages that start with "warning: " keep theirs). */
export function warningLine(message: string): string {
  return message.startsWith('warning: ') ? `imgsmith: ${message}` : `imgsmith: warning: ${message}`;
}

/**
 * No progress, but warnings (events of type "warning" with a message) are written, one
 * line each: what the CLI uses when stderr is not a terminal and --json is not given.
 */
export function warningsOnlyProgress(stream: TextSink): Progress {
  return {
    phase: () => ({ update() {}, end() {} }),
    event(type, data) {
      if (type === 'warning' && typeof data.message === 'string') stream.write(`${warningLine(data.message)}\n`);
    },
  };
}
