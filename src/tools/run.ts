/**
 * The one way imgsmith runs an external program (after mkosi's run.py): every subprocess of
 * src/ and action/ goes through here, with
 *
 *  - one environment policy (toolEnv): the user's environment without the variables that
 *    change what the tools write or print (locale, TZ, e2fsprogs', btrfs-progs', mtools',
 *    zstd's and faketime's own variables, imgsmith's shim variables), plus LC_ALL=C, TZ=UTC
 *    and what the call adds explicitly (the shim's LD_PRELOAD, MKE2FS_CONFIG, ...);
 *  - one failure report (toolFailure): a tool that is not installed is a ToolMissingError
 *    naming its Debian package and Nix attribute (src/tools/table.ts); one ended by
 *    SIGINT/SIGTERM/SIGHUP an InterruptedError (the build is being interrupted); any other
 *    signal, a timeout or a non-zero exit a ToolFailedError with the tail of its stderr;
 *  - one presence check (findTool).
 *
 * runTool awaits a tool and returns its output; startTool returns execa's subprocess (for
 * pipes and extra fds); spawnTool returns node's ChildProcess (for stream-driven callers);
 * runToolSync is spawnSync (the GitHub Action's apt and cc).
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions, type SpawnSyncOptions, type SpawnSyncReturns } from 'node:child_process';
import { accessSync, constants as fsc } from 'node:fs';
import path from 'node:path';
import { execa, type Options, type Result, type ResultPromise } from 'execa';
import { ToolFailedError, ToolMissingError, toolFailed, type InterruptedError } from '../errors.ts';
import { setting } from '../settings.ts';
import { toolInfo } from './table.ts';

/** User variables kept from every tool: they change what the tools write, print or parse. */
const STRIPPED =
  /^(LC_[A-Z_]+|LANG|LANGUAGE|TZ|POSIXLY_CORRECT|E2FSPROGS_[A-Z_]*|MKE2FS_[A-Z_]*|E2FSCK_[A-Z_]*|DEBUGFS_[A-Z_]*|EXT2FS_[A-Z_]*|BLKID_[A-Z_]*|LIBBLKID_[A-Z_]*|LIBFDISK_[A-Z_]*|SFDISK_[A-Z_]*|BTRFS_[A-Z_]*|MTOOLS_[A-Z_]*|MTOOLSRC|ZSTD_[A-Z_]*|XZ_[A-Z_]*|XZ_OPT|LZ4_[A-Z_]*|BZIP2?|FAKETIME[A-Z_]*|FAKEROOT[A-Z_]*|IMGSMITH_[A-Z0-9_]*)$/;

/** Extra variables for one call; undefined removes one. */
export type ToolEnv = Record<string, string | undefined>;

/** The environment every tool runs with: see the file's comment. */
export function toolEnv(extra: ToolEnv = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (STRIPPED.test(k) && !setting(k)?.toTools) continue;
    env[k] = v;
  }
  Object.assign(env, { LC_ALL: 'C', TZ: 'UTC' });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Where `name` is on `envPath` (absolute), or undefined; a name with a slash is checked as is.
 *  The one presence check of imgsmith (toolchain probe, fallbacks, the GitHub Action). */
export function findTool(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  const executable = (p: string) => {
    try {
      accessSync(p, fsc.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return executable(name) ? path.resolve(name) : undefined;
  for (const dir of envPath.split(':')) {
    const p = path.resolve(dir || '.', name);
    if (executable(p)) return p;
  }
  return undefined;
}

/** How a tool ended (from execa's result, node's 'error'/'close' events or spawnSync). */
export interface ToolOutcome {
  /** The errno of starting it (ENOENT: not installed, when `syscall` is spawn's or unset). */
  code?: string | undefined;
  /** The call that failed with `code` ("spawn zstd"; "open" for a file given as its stdout). */
  syscall?: string | undefined;
  exitCode?: number | null | undefined;
  signal?: string | null | undefined;
  timedOut?: boolean | undefined;
  stderr?: unknown;
  /** The text when the tool printed nothing (execa's shortMessage, an error message). */
  detail?: string | undefined;
}

/** The last lines of what a tool printed (at most 8 lines, 1000 characters). */
export function stderrTail(text: unknown): string {
  const s = Buffer.isBuffer(text) ? text.toString('utf8') : typeof text === 'string' ? text : '';
  const tail = s.trim().split('\n').slice(-8).join('\n');
  return tail.length > 1000 ? `...${tail.slice(-1000)}` : tail;
}

/**
 * The error for a tool that failed: ToolMissingError (not installed, naming its package),
 * InterruptedError (SIGINT/SIGTERM/SIGHUP), else ToolFailedError with the stderr tail.
 * `what` prefixes the message (the partition or file it worked on).
 */
export function toolFailure(tool: string, o: ToolOutcome, what?: string): ToolMissingError | ToolFailedError | InterruptedError {
  const name = path.basename(tool);
  const pre = what ? `${what}: ` : '';
  if (o.code === 'ENOENT' && (o.syscall === undefined || o.syscall.startsWith('spawn'))) {
    const info = toolInfo(name);
    const how = info ? `: install the Debian package ${info.debian}${info.nix ? ` (Nix: ${info.nix})` : ''}` : '';
    return new ToolMissingError(name, `${pre}${name} is not installed (not found${tool.includes('/') ? ` at ${tool}` : ' on PATH'})${how}`);
  }
  const tail = stderrTail(o.stderr) || o.detail || '';
  const says = tail ? `: ${tail}` : '';
  if (o.signal) return toolFailed(name, `${pre}${name} was killed by ${o.signal}${says}`, { signal: o.signal, isTerminated: true, command: name });
  if (o.timedOut) return toolFailed(name, `${pre}${name} did not finish in time${says}`);
  if (o.code || o.exitCode === undefined || o.exitCode === null) return toolFailed(name, `${pre}cannot run ${name}${o.detail ? `: ${o.detail}` : says}`);
  return toolFailed(name, `${pre}${name} failed (exit ${o.exitCode})${says}`);
}

/** The failure of a tool whose spawn emitted `err` (node's 'error' event). */
export function spawnFailure(tool: string, err: NodeJS.ErrnoException, what?: string): ToolMissingError | ToolFailedError | InterruptedError {
  return toolFailure(tool, { code: err.code ?? 'EIO', syscall: err.syscall, detail: err.message }, what);
}

/** Options of runTool/startTool: execa's, with `env` the call's additions to toolEnv(). */
export type RunOptions = Omit<Options, 'env' | 'extendEnv' | 'reject'> & {
  env?: ToolEnv;
  /** Prefix of the error messages (what the tool worked on). */
  what?: string;
  /** Exit codes that are not failures (besides 0). With `check: false` no exit code is. */
  okCodes?: readonly number[];
  /** false: return the result of a non-zero exit (or a signal other than SIGINT/SIGTERM/SIGHUP)
   *  instead of throwing; a missing tool and an interrupt still throw. Default true. */
  check?: boolean;
};

function execaOptions(opts: RunOptions): Options {
  const { env, what: _what, okCodes: _ok, check: _check, ...rest } = opts;
  // stdin 'ignore' unless the call gives stdin, stdio or an input (execa refuses them together).
  const given = rest.stdio !== undefined || rest.stdin !== undefined || rest.input !== undefined || rest.inputFile !== undefined;
  const stdin = given ? {} : { stdin: 'ignore' as const };
  return { ...stdin, ...rest, env: toolEnv(env), extendEnv: false, reject: false } as Options;
}

/** What checkResult reads of execa's result. */
export interface FinishedTool {
  failed: boolean;
  code?: string;
  cause?: unknown;
  exitCode?: number | undefined;
  signal?: string | undefined;
  timedOut: boolean;
  stderr?: unknown;
  shortMessage?: string | undefined;
}

/** How a tool that execa ran ended. */
export function outcomeOf(r: FinishedTool): ToolOutcome {
  const cause = r.cause as { syscall?: string; message?: string } | undefined;
  const detail = r.code && cause?.message ? cause.message : r.shortMessage;
  return { code: r.code, syscall: cause?.syscall, exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, stderr: r.stderr, detail };
}

/** Throws the failure of a finished tool per `opts` (see RunOptions.check). */
export function checkResult(tool: string, r: FinishedTool, opts: RunOptions = {}): void {
  if (!r.failed) return;
  const o = outcomeOf(r);
  if (r.exitCode !== undefined && opts.okCodes?.includes(r.exitCode)) return;
  const err = toolFailure(tool, o, opts.what);
  if (opts.check === false && err instanceof ToolFailedError) return;
  throw err;
}

/** Runs `tool` to the end under the environment policy; throws its failure (see RunOptions). */
export async function runTool<O extends RunOptions>(tool: string, args: readonly string[], opts: O = {} as O): Promise<Result<O>> {
  const r = await execa(tool, args, execaOptions(opts));
  checkResult(tool, r as FinishedTool, opts);
  return r as unknown as Result<O>;
}

/** Starts `tool` under the environment policy and returns execa's subprocess (never rejects:
 *  pass its result to checkResult). */
export function startTool<O extends RunOptions>(tool: string, args: readonly string[], opts: O = {} as O): ResultPromise<O> {
  return execa(tool, args, execaOptions(opts)) as unknown as ResultPromise<O>;
}

/** node's spawn under the environment policy (`env`: the call's additions). Report its
 *  'error' and 'close' outcomes with toolFailure. */
export function spawnTool(tool: string, args: readonly string[], opts: Omit<SpawnOptions, 'env'> & { env?: ToolEnv } = {}): ChildProcess {
  return spawn(tool, args, { ...opts, env: toolEnv(opts.env) });
}

/** node's spawnSync under the environment policy (the GitHub Action's apt-get and cc). */
export function runToolSync(tool: string, args: readonly string[], opts: Omit<SpawnSyncOptions, 'env'> & { env?: ToolEnv } = {}): SpawnSyncReturns<string | Buffer> {
  return spawnSync(tool, args, { ...opts, env: toolEnv(opts.env) });
}
