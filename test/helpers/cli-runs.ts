/**
 * Several imgsmith command lines run in one process (./cli-batch.ts runBatch: the CLI's own
 * main(), ~0.5 s of CPU less per run than ./cli.ts runCli), with runCli's results (stdout and
 * stderr as UTF-8, one final newline stripped as execa does), for tests about what a command
 * makes of its input rather than about the process (those keep runCli). Fails when a run did
 * not finish.
 *
 *   const [a, b] = await cliRuns(tmp, [['inspect', img, '--json'], ['ls', `${img}:1`, '/']]);
 */
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { runBatch } from './cli-batch.ts';
import type { CliResult } from './cli.ts';

let n = 0;

/** Runs per process (main() once installed a listener per run; src/lifetime.ts now installs it once and
 *  the batch child lifts Node's listener limit): all of them. */
const PER_PROCESS = Infinity;

/** Runs `runs` (argument lists without "imgsmith") one after another, PER_PROCESS to a process;
 *  `tmp` is an existing directory for the processes' TMPDIR and bookkeeping. */
export async function cliRuns(tmp: string, runs: string[][], hangMs = 600_000): Promise<CliResult[]> {
  const out: CliResult[] = [];
  for (let i = 0; i < runs.length; i += PER_PROCESS) out.push(...(await oneProcess(tmp, runs.slice(i, i + PER_PROCESS), hangMs)));
  return out;
}

async function oneProcess(tmp: string, runs: string[][], hangMs: number): Promise<CliResult[]> {
  const dir = path.join(tmp, `cli-runs-${process.pid}-${n++}`);
  await fsp.mkdir(dir, { recursive: true });
  const batch = await runBatch(runs, { tmpdir: dir, rssFile: path.join(dir, 'rss'), hangMs });
  assert.equal(batch.results.length, runs.length, `${batch.results.length} of ${runs.length} runs finished (next: ${runs[batch.results.length]?.join(' ')}): ${batch.failure ?? (batch.timedOut ? 'timed out' : '')}`);
  const utf8 = (s: string) => Buffer.from(s, 'latin1').toString('utf8').replace(/\r?\n$/, '');
  return batch.results.map((r) => ({ exitCode: r.exitCode, stdout: utf8(r.stdout), stderr: utf8(r.stderr) }));
}
