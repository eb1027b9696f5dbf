/**
 * runBatch (./cli-batch.ts) for tests that only need each run's result: the command lines run
 * one after another through main() in one child process (TMPDIR: a fresh directory under
 * `dir`); it asserts that the process ended normally and that every run finished, and returns
 * one result per run (stdout and stderr latin1, unstripped, as the process wrote them; ./cli-runs.ts
 * gives them as runCli does).
 *
 *   const [ls, cat] = await batched(tmp, [['ls', img], ['cat', `${img}:1`, '/x']]);
 */
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { CliResult } from './cli.ts';
import { runBatch } from './cli-batch.ts';

export async function batched(dir: string, runs: string[][], hangMs = 120_000): Promise<CliResult[]> {
  const work = await fsp.mkdtemp(path.join(dir, 'batch-'));
  await fsp.mkdir(path.join(work, 'tmp'));
  const b = await runBatch(runs, { tmpdir: path.join(work, 'tmp'), rssFile: path.join(work, 'rss'), hangMs });
  const next = runs[b.results.length]?.join(' ');
  assert.equal(b.results.length, runs.length, `every batched run finished (${b.results.length} of ${runs.length}${next ? `; next: ${next}` : ''}): ${b.failure ?? (b.timedOut ? 'timed out' : '')}`);
  assert.equal(b.failure, undefined, 'the batch process ended normally');
  return b.results;
}
