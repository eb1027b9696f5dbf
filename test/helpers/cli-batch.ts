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
 */
import { promises as fsp, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** Runs `runs` (argument lists, without "imgsmith") one after another in one child process. */
export async function runBatch(runs: string[][], opts: { tmpdir: string; rssFile: string; hangMs: number }): Promise<Batch> {
  const out = `${opts.rssFile}.results`;
  await fsp.writeFile(out, '');
  const sub = execa(
    '/usr/bin/time',
    ['-f', '%M', '-o', opts.rssFile, process.execPath, '--max-old-space-size=128', '--max-semi-space-size=4',
      ...(compiledIsFresh() ? [CHILD, 'lib/cli.js'] : ['--import', 'tsx', CHILD, 'src/cli.ts']), out, JSON.stringify(runs)],
    { cwd: REPO, env: { TMPDIR: opts.tmpdir }, extendEnv: true, reject: false, detached: true, all: true },
  );
  const { r, timedOut } = await killGroupAfter(sub, opts.hangMs);
  const results = (await fsp.readFile(out, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as BatchResult);
  const rssKb = Number((await fsp.readFile(opts.rssFile, 'utf8').catch(() => '')).trim().split('\n').pop());
  const failure = r.exitCode === 0 ? undefined : `batch process: exit ${r.exitCode ?? r.signal}:\n${String(r.all).slice(0, 2000)}`;
  return { results, rssKb, timedOut, ...(failure ? { failure } : {}) };
}

/** Awaits `sub` (started with `detached: true`, so it leads its own process group); after
 *  `ms` the whole group is killed (a hang) and `timedOut` says so. */
export async function killGroupAfter<R>(sub: Promise<R> & { pid?: number | undefined }, ms: number): Promise<{ r: R; timedOut: boolean }> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-sub.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, ms);
  const r = await sub.finally(() => clearTimeout(timer));
  return { r, timedOut };
}
