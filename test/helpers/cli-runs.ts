/**
 * Several imgsmith command lines run in one process (./batched.ts: the CLI's own main(), ~0.5 s
 * of CPU less per run than ./cli.ts runCli), with runCli's results (stdout and stderr as UTF-8,
 * one final newline stripped as execa does), for tests about what a command makes of its input
 * rather than about the process (those keep runCli). Fails when a run did not finish.
 *
 *   const [a, b] = await cliRuns(tmp, [['inspect', img, '--json'], ['ls', `${img}:1`, '/']]);
 */
import assert from 'node:assert/strict';
import { batched } from './batched.ts';
import type { BatchServer } from './cli-batch.ts';
import type { CliResult } from './cli.ts';

/** A run's result as runCli gives it: stdout and stderr as UTF-8, one final newline stripped. */
function asRunCli(r: CliResult): CliResult {
  const utf8 = (s: string) => Buffer.from(s, 'latin1').toString('utf8').replace(/\r?\n$/, '');
  return { exitCode: r.exitCode, stdout: utf8(r.stdout), stderr: utf8(r.stderr) };
}

/** Runs `runs` (argument lists without "imgsmith") one after another in one process; `tmp` is an
 *  existing directory for its TMPDIR and bookkeeping. */
export async function cliRuns(tmp: string, runs: string[][], hangMs = 600_000): Promise<CliResult[]> {
  return (await batched(tmp, runs, hangMs)).map(asRunCli);
}

/** `imgsmith ARGS` in a serving process (./cli-batch.ts startBatchServer), with runCli's results;
 *  fails when the run did not finish (it hung, or the process died). */
export async function servedCli(server: BatchServer, args: string[]): Promise<CliResult> {
  const r = await server.run(args);
  assert.ok(r, `${args.join(' ')} did not finish (it hung, or the serving process died)`);
  return asRunCli(r);
}
