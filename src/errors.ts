/**
 * Errors imgsmith reports to users. The class says what went wrong and decides the exit code;
 * callers check them with `instanceof`, never by name or a `kind` string:
 *
 *  - UsageError: the command line or the image spec is wrong (exit 2);
 *  - BuildError (exit 1): the inputs are valid but the build failed, and its subclasses
 *    - InputError: an input (closure, firmware, toplevel, a copied file, the image to boot)
 *      is missing, malformed or changed while it was read;
 *      - DataError: a structure read or built is malformed (a tree conflict, a corrupt zstd
 *        frame, a superblock): the caller that knows where adds it (a spec item, a frame);
 *    - ToolMissingError: an external tool is not installed;
 *    - ToolFailedError: an external tool failed (non-zero exit, killed, unexpected output);
 *      - ToolVersionError: a tool's version is outside the supported range, or cannot be parsed;
 *    - DoesNotFitError: the content does not fit the partition or the disk;
 *  - InterruptedError: a tool was ended by SIGINT/SIGTERM/SIGHUP (exit 128 + signal number).
 *
 * Tools are run by src/tools/run.ts, whose failures come from toolFailed(); internalError()
 * is for broken invariants (a bug of imgsmith).
 */
import { readFileSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import os from 'node:os';

type ErrorOptions = { cause?: unknown };
const opts = (cause: unknown): ErrorOptions | undefined => (cause === undefined ? undefined : { cause });

export abstract class ImgsmithError extends Error {
  /** The process exit code for this error. */
  abstract get exitCode(): number;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The command line or the image spec is wrong (exit 2). */
export class UsageError extends ImgsmithError {
  get exitCode(): number {
    return 2;
  }
}

/** The inputs are valid but the build failed (exit 1). */
export class BuildError extends ImgsmithError {
  get exitCode(): number {
    return 1;
  }
}

/** An input file or directory is missing, malformed or changed while it was read (exit 1). */
export class InputError extends BuildError {}

/** A malformed structure (see the file's comment): callers add where it was (exit 1). */
export class DataError extends InputError {}

/** An external tool is not installed (exit 1). */
export class ToolMissingError extends BuildError {
  constructor(readonly tool: string, message: string) {
    super(message);
  }
}

/** An external tool failed or produced something unexpected (exit 1). */
export class ToolFailedError extends BuildError {
  constructor(readonly tool: string, message: string, cause?: unknown) {
    super(message, opts(cause));
  }
}

/** A tool's version is outside the supported range (src/toolchain.ts) or cannot be parsed (exit 1). */
export class ToolVersionError extends ToolFailedError {}

/** The content does not fit its partition or the disk (exit 1). */
export class DoesNotFitError extends BuildError {}

/** A tool was ended by SIGINT/SIGTERM/SIGHUP: the build was interrupted (exit 128 + signal number). */
export class InterruptedError extends ImgsmithError {
  constructor(readonly signal: string, message: string, cause?: unknown) {
    super(message, opts(cause));
  }
  get exitCode(): number {
    return signalExitCode(this.signal);
  }
}

/** A spec or command-line problem (exit code 2). */
export function usageError(message: string): UsageError {
  return new UsageError(message);
}

/** A build problem with valid inputs that is none of the more specific kinds (exit code 1). */
export function buildError(message: string, cause?: unknown): BuildError {
  return new BuildError(message, opts(cause));
}

/**
 * A tool's failure (`cause` the execa error or result): an InterruptedError when the tool was
 * ended by SIGINT, SIGTERM or SIGHUP (the build is being interrupted), else a ToolFailedError.
 */
export function toolFailed(tool: string, message: string, cause?: unknown): ToolFailedError | InterruptedError {
  const killed = killedTool(cause);
  if (killed && INTERRUPTING.includes(killed.signal)) return new InterruptedError(killed.signal, message, cause);
  return new ToolFailedError(tool, message, cause);
}

/** Signals that interrupt a build (a tool ended by one of them means the build was interrupted). */
const INTERRUPTING = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** A missing, malformed or changing input (exit code 1). */
export function inputError(message: string, cause?: unknown): InputError {
  return new InputError(message, opts(cause));
}

/** A malformed structure (a tree conflict, a corrupt frame, a superblock); callers add where (exit code 1). */
export function dataError(message: string): DataError {
  return new DataError(message);
}

/** A broken invariant of imgsmith itself (exit code 1): "internal error: ... (please report)". */
export function internalError(message: string): BuildError {
  return new BuildError(`internal error: ${message} (please report)`);
}

/** Content that does not fit (exit code 1). */
export function doesNotFit(message: string): DoesNotFitError {
  return new DoesNotFitError(message);
}

// ---------------------------------------------------------------------------------------
// Turning any error into the one line the CLI prints

/** Exit code for a process ended by `sig`: 128 + its number (SIGINT 130, SIGTERM 143, SIGHUP 129). */
export function signalExitCode(sig: string): number {
  return 128 + ((os.constants.signals as Record<string, number>)[sig] ?? 0);
}

const MiB = 1024 * 1024;
const fmtBytes = (n: number) =>
  n >= 1024 * 1024 * MiB ? `${(n / (1024 * 1024 * MiB)).toFixed(1)} TiB` : n >= 1024 * MiB ? `${(n / (1024 * MiB)).toFixed(1)} GiB` : `${(n / MiB).toFixed(1)} MiB`;

export interface DescribeContext {
  /** The output directory (-o), for "use another -o" advice and free space. */
  outDir?: string;
  /** The file being written and its intended size, when the caller knows them. */
  file?: string;
  bytes?: number;
  /** What to do about a full disk (default: "use another -o" with an output directory, else point TMPDIR elsewhere). */
  remedy?: string;
  /** Added to "imgsmith: interrupted by SIGxxx" when a tool was ended by SIGINT/SIGTERM/SIGHUP (e.g. "; nothing was published"). */
  interruptedNote?: string;
}

export interface Described {
  /** The text after "imgsmith: error: " (one line), or the whole line when `interrupted`. */
  message: string;
  exitCode: number;
  /** Set when a child tool was ended by SIGINT/SIGTERM/SIGHUP: the build was interrupted. */
  interrupted?: string;
}

interface Errnoish {
  code?: unknown;
  path?: unknown;
  syscall?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** err, err.cause, err.cause.cause ... */
function chain(err: unknown): Errnoish[] {
  const out: Errnoish[] = [];
  for (let e = err, i = 0; e !== null && typeof e === 'object' && i < 8; e = (e as Errnoish).cause, i++) out.push(e as Errnoish);
  return out;
}

/** A child tool ended by a signal (an execa error or result). */
interface Killed {
  tool: string;
  signal: string;
}

function killedTool(err: unknown): Killed | undefined {
  for (const e of chain(err)) {
    const x = e as { signal?: unknown; isTerminated?: unknown; command?: unknown };
    if (typeof x.signal === 'string' && x.isTerminated === true && typeof x.command === 'string') {
      const first = x.command.split(' ')[0] ?? x.command;
      return { tool: first.slice(first.lastIndexOf('/') + 1), signal: x.signal };
    }
  }
  return undefined;
}

/** The soft limit named in /proc/self/limits ("Max file size", "Max open files"), undefined when unlimited. */
function limit(name: string): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'latin1').split('\n').find((l) => l.startsWith(name));
    const v = line?.slice(name.length).trim().split(/\s+/)[0];
    return v && /^\d+$/.test(v) ? Number(v) : undefined;
  } catch {
    return undefined;
  }
}

function freeSpace(dir: string | undefined): string {
  if (!dir) return '';
  try {
    const s = statfsSync(dir);
    return ` (${fmtBytes(s.bavail * s.bsize)} free there)`;
  } catch {
    return '';
  }
}

/** The longest word (a path, usually) an error line shows whole; longer ones keep their first and last SHOWN_END characters. */
const LONG_WORD = 240;
const SHOWN_END = 100;

/** Very long words (a 5000-byte path) shortened to their first and last 100 characters around "...". */
export function shortenLong(s: string): string {
  return s.replace(new RegExp(`[^\\s]{${LONG_WORD + 1},}`, 'g'), (w) => `${w.slice(0, SHOWN_END)}...${w.slice(-SHOWN_END)}`);
}

/** Temporary build paths (out/.imgsmith-tmp-123-abc/x.img) shown as their final name (out/x.img). */
const hideTmp = (s: string) => s.replace(/\/\.imgsmith-tmp-[^/\s'"]+/g, '');

const STRERROR: [RegExp, string][] = [
  [/No space left on device/i, 'ENOSPC'],
  [/Disk quota exceeded/i, 'EDQUOT'],
  [/File too large/i, 'EFBIG'],
  [/Too many open files in system/i, 'ENFILE'],
  [/Too many open files/i, 'EMFILE'],
];

/** The errno of a resource problem in the error chain (or in a tool's message), if any. */
function resourceCode(err: unknown): { code: string; path?: string } | undefined {
  for (const e of chain(err)) {
    if (typeof e.code === 'string' && ['ENOSPC', 'EDQUOT', 'EFBIG', 'EMFILE', 'ENFILE', 'ENOMEM'].includes(e.code)) {
      return { code: e.code, ...(typeof e.path === 'string' ? { path: e.path } : {}) };
    }
  }
  const text = err instanceof Error ? err.message : String(err);
  for (const [re, code] of STRERROR) if (re.test(text)) return { code };
  return undefined;
}

function resourceAdvice(code: string, file: string | undefined, ctx: DescribeContext): string {
  const where = file ? ` while writing ${hideTmp(file)}` : ctx.outDir ? ` while writing in ${ctx.outDir}` : '';
  const dir = ctx.outDir ?? (file ? dirname(file) : undefined);
  const size = ctx.bytes !== undefined ? ` (${fmtBytes(ctx.bytes)})` : '';
  // Commands without -o (inspect, verify, flash) write only temporary files, under $TMPDIR.
  const remedy = ctx.remedy ?? (ctx.outDir !== undefined ? 'use another -o' : 'set TMPDIR to a directory with more space');
  switch (code) {
    case 'ENOSPC':
      return `no space left on device${where}${freeSpace(dir)}: free some space or ${remedy}`;
    case 'EDQUOT':
      return `disk quota exceeded${where}: free some space in your quota or ${remedy}`;
    case 'EFBIG': {
      const fsize = limit('Max file size');
      return fsize !== undefined
        ? `file size limit exceeded${where}${size}: \`ulimit -f\` allows ${fmtBytes(fsize)}; raise it (\`ulimit -f unlimited\`) and run again`
        : `file too large${where}${size}: the file system there cannot hold a file that large; ${ctx.outDir !== undefined ? 'use a smaller --size or another -o' : remedy}`;
    }
    case 'EMFILE':
      return `too many open files${where}: raise \`ulimit -n\` (now ${limit('Max open files') ?? '?'}) and run again`;
    case 'ENFILE':
      return `the system-wide limit of open files is reached${where}: close other programs or raise fs.file-max, and run again`;
    default:
      return `out of memory${where}: free memory (or raise the memory limit) and run again`;
  }
}

const SIGNAL_HINT: Record<string, string> = {
  SIGKILL: ' (out of memory? see `dmesg`)',
  SIGXFSZ: ': the file size limit is exceeded; raise `ulimit -f` (`ulimit -f unlimited`) and run again',
  SIGSEGV: ' (it crashed)',
  SIGBUS: ' (it crashed; a file it mapped shrank or the disk is full?)',
  SIGABRT: ' (it aborted)',
};

/**
 * The single line imgsmith prints for an error, and the exit code. ImgsmithErrors keep
 * their message (flattened to one line); resource exhaustion (ENOSPC, EDQUOT, EFBIG,
 * EMFILE, ENFILE, ENOMEM) and tools killed by a signal become a message saying what to
 * change; any other error is its message (exit 1).
 */
export function describeError(err: unknown, ctx: DescribeContext = {}): Described {
  const oneLine = (s: string) => shortenLong(hideTmp(s).replace(/\s*\n\s*/g, ' / ').trim());
  const base = err instanceof ImgsmithError ? err.exitCode : 1;
  if (err instanceof InterruptedError) return { message: `imgsmith: interrupted by ${err.signal}${ctx.interruptedNote ?? ''}`, exitCode: base, interrupted: err.signal };
  if (err instanceof ImgsmithError && explained.has(err)) return { message: oneLine(err.message), exitCode: base };
  const killed = killedTool(err);
  if (killed && INTERRUPTING.includes(killed.signal)) {
    return { message: `imgsmith: interrupted by ${killed.signal}${ctx.interruptedNote ?? ''}`, exitCode: signalExitCode(killed.signal), interrupted: killed.signal };
  }
  if (killed) return { message: `${killed.tool} was killed by ${killed.signal}${SIGNAL_HINT[killed.signal] ?? ''}`, exitCode: 1 };
  const res = resourceCode(err);
  if (res) {
    const advice = resourceAdvice(res.code, ctx.file ?? res.path, ctx);
    // An ImgsmithError already names what failed (e.g. "mke2fs failed: ... No space left"): keep that, add the advice.
    if (err instanceof ImgsmithError && !ctx.file) return { message: oneLine(`${advice} (${err.message})`), exitCode: 1 };
    return { message: oneLine(advice), exitCode: 1 };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { message: oneLine(message), exitCode: base };
}

/** For a write that failed (ftruncate, write ...) with a resource errno: the ImgsmithError saying what to do; else undefined. */
export function resourceError(err: unknown, ctx: DescribeContext): BuildError | undefined {
  if (!resourceCode(err)) return undefined;
  const e = buildError(describeError(err, ctx).message, err);
  explained.add(e);
  return e;
}

/** Errors made by resourceError: their message is final. */
const explained = new WeakSet<ImgsmithError>();
