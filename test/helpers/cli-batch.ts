/**
 * Runs several imgsmith command lines in ONE process, through the CLI's own main() (src/cli.ts),
 * for tests about what the commands make of their input (parsers, messages, exit codes) rather
 * than about the process (signals, the supervisor, one process per run): each run costs a few
 * milliseconds instead of starting Node twice (~0.6 s of CPU).
 *
 *   const results = await runBatch([['inspect', img], ['ls', '-R', `${img}:1`, '/']], { tmpdir, rssFile });
 *
 * The child runs under /usr/bin/time (its maximum RSS, for all the runs together, in `rssFile`)
 * with the worker's heap flags (bin/imgsmith.js), in its own process group (killed after
 * `hangMs`), with TMPDIR set. Each result has the exit code main() returned and what it wrote to
 * stdout and stderr (latin1). A run that never finished (a hang, or a crash that ended the
 * process) has no result: the caller sees fewer results than runs, and `failure` says why.
 *
 * startBatchServer keeps one such child for a whole test file and runs one command line at a
 * time on request (`await server.run(args)`), so the test can check each run's effects (files
 * written, TMPDIR) before the next, as it would between real CLI runs.
 */
import { existsSync, promises as fsp, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Duplex } from 'node:stream';
import { execa } from 'execa';
import { REPO } from './cli.ts';

export interface BatchResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface Batch {
  results: BatchResult[];
  /** Maximum RSS of the batch process (kB, /usr/bin/time). */
  rssKb: number;
  timedOut: boolean;
  /** Set when the process did not end normally: its exit code or signal, and its stderr. */
  failure?: string;
}

const CHILD = fileURLToPath(new URL('./cli-batch-child.mjs', import.meta.url));

/** Newest mtime under `p`. */
function newest(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(p).map((n) => newest(path.join(p, n))));
}

/** Whether lib/ (npm run build) is newer than every file in src/, as bin/imgsmith.js decides: then the
 *  child loads lib/cli.js (~1 s of CPU less than compiling src/ with tsx). */
export function compiledIsFresh(): boolean {
  try {
    return process.env.IMGSMITH_NO_COMPILED !== '1' && newest(path.join(REPO, 'src')) <= statSync(path.join(REPO, 'lib', '.stamp')).mtimeMs;
  } catch {
    return false;
  }
}

/** The batch child and the CLI it runs, as node arguments: when lib/ is fresh, lib/cli.bundle.js (what
 *  bin/imgsmith.js runs; one module to load instead of ~300), else lib/cli.js; else src/cli.ts through tsx. */
export function childEntry(): string[] {
  if (!compiledIsFresh()) return ['--import', 'tsx', CHILD, 'src/cli.ts'];
  return [CHILD, existsSync(path.join(REPO, 'lib', 'cli.bundle.js')) ? 'lib/cli.bundle.js' : 'lib/cli.js'];
}

/** The child's command line under /usr/bin/time (its maximum RSS in `rssFile`), with the worker's heap flags. */
function childArgs(rssFile: string, rest: string[]): string[] {
  return ['-f', '%M', '-o', rssFile, process.execPath, '--max-old-space-size=128', '--max-semi-space-size=4', ...childEntry(), ...rest];
}

const readRss = async (rssFile: string) => Number((await fsp.readFile(rssFile, 'utf8').catch(() => '')).trim().split('\n').pop());
const failureOf = (r: { exitCode?: number | undefined; signal?: string | undefined; all?: unknown }) =>
  r.exitCode === 0 ? undefined : `batch process: exit ${r.exitCode ?? r.signal}:\n${String(r.all).slice(0, 2000)}`;

/** Runs `runs` (argument lists, without "imgsmith") one after another in one child process. */
export async function runBatch(runs: string[][], opts: { tmpdir: string; rssFile: string; hangMs: number }): Promise<Batch> {
  const out = `${opts.rssFile}.results`;
  await fsp.writeFile(out, '');
  const sub = execa('/usr/bin/time', childArgs(opts.rssFile, [out, JSON.stringify(runs)]), {
    cwd: REPO, env: { TMPDIR: opts.tmpdir }, extendEnv: true, reject: false, detached: true, all: true,
  });
  const { r, timedOut } = await killGroupAfter(sub, opts.hangMs);
  const results = (await fsp.readFile(out, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as BatchResult);
  const failure = failureOf(r);
  return { results, rssKb: await readRss(opts.rssFile), timedOut, ...(failure ? { failure } : {}) };
}

export interface ServedResult extends BatchResult {
  /** Peak RSS of the serving process so far (kB, its own getrusage). */
  maxRssKb: number;
}

/** A child process running command lines through main() as they are asked for (startBatchServer). */
export interface BatchServer {
  /** Runs one argument list (with `env` set in the process for this run only); undefined when the
   *  process hung on it (killed after `hangMs`) or had died. */
  run(args: string[], env?: Record<string, string>): Promise<ServedResult | undefined>;
  /** Ends the process: its maximum RSS (/usr/bin/time, tools it ran included), whether a run hung, and why it failed. */
  close(): Promise<{ rssKb: number; timedOut: boolean; failure?: string }>;
}

/**
 * Starts one child (as runBatch's, TMPDIR set, own process group) that serves runs one at a time
 * over a socket on its fd 3, so a test file can check each run's effects (files, TMPDIR) between
 * runs while paying for one Node start. A run taking longer than `hangMs` kills the process group.
 * `env`: more environment variables for the process (as a real CLI run's env).
 */
export function startBatchServer(opts: { tmpdir: string; rssFile: string; hangMs: number; env?: Record<string, string> }): BatchServer {
  const sub = execa('/usr/bin/time', childArgs(opts.rssFile, ['--serve']), {
    cwd: REPO, env: { ...opts.env, TMPDIR: opts.tmpdir }, extendEnv: true, reject: false, detached: true, all: true,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const sock = sub.stdio[3] as unknown as Duplex;
  sock.on('error', () => {}); // the process died: its runs resolve undefined, close() says why
  const lines = createInterface({ input: sock })[Symbol.asyncIterator]();
  let timedOut = false;
  let queue: Promise<unknown> = Promise.resolve();
  const ended = sub.then((r) => r);
  const runOne = async (args: string[], env?: Record<string, string>): Promise<ServedResult | undefined> => {
    if (sub.exitCode !== null || timedOut) return undefined;
    sock.write(`${JSON.stringify(env ? { args, env } : args)}\n`);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(sub.pid);
    }, opts.hangMs);
    // A killed or crashed process closes the socket (the end, or ECONNRESET): no result.
    const next = await lines.next().catch(() => ({ done: true as const, value: undefined })).finally(() => clearTimeout(timer));
    return next.done ? undefined : (JSON.parse(next.value) as ServedResult);
  };
  return {
    run: (args, env) => {
      const p = queue.then(() => runOne(args, env));
      queue = p.catch(() => undefined);
      return p;
    },
    close: async () => {
      await queue;
      sock.end();
      const r = await ended;
      const failure = failureOf(r);
      return { rssKb: await readRss(opts.rssFile), timedOut, ...(failure ? { failure } : {}) };
    },
  };
}

function killGroup(pid: number | undefined): void {
  try {
    process.kill(-pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Awaits `sub` (started with `detached: true`, so it leads its own process group); after
 *  `ms` the whole group is killed (a hang) and `timedOut` says so. */
export async function killGroupAfter<R>(sub: Promise<R> & { pid?: number | undefined }, ms: number): Promise<{ r: R; timedOut: boolean }> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(sub.pid);
  }, ms);
  const r = await sub.finally(() => clearTimeout(timer));
  return { r, timedOut };
}
