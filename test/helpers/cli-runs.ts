/**
 * Several imgsmith command lines run in one process (./batched.ts: the CLI's own main(), ~0.5 s
 * of CPU less per run than ./cli.ts runCli), with runCli's results (stdout and stderr as UTF-8,
 * one final newline stripped as execa does), for tests about what a command makes of its input
 * rather than about the process (those keep runCli). Fails when a run did not finish.
 *
 *   const [a, b] = await cliRuns(tmp, [['inspect', img, '--json'], ['ls', `${img}:1`, '/']]);
 */
import { batched } from './batched.ts';
import type { CliResult } from './cli.ts';

/** Runs `runs` (argument lists without "imgsmith") one after another in one process; `tmp` is an
 *  existing directory for its TMPDIR and bookkeeping. */
export async function cliRuns(tmp: string, runs: string[][], hangMs = 600_000): Promise<CliResult[]> {
  const utf8 = (s: string) => Buffer.from(s, 'latin1').toString('utf8').replace(/\r?\n$/, '');
  return (await batched(tmp, runs, hangMs)).map((r) => ({ exitCode: r.exitCode, stdout: utf8(r.stdout), stderr: utf8(r.stderr) }));
}
