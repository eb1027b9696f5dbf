/**
 * The type check (incremental) of everything (src/, test/, bench/, scripts/: tsconfig.json), run by `npm test` as a
 * test file so that it runs alongside the other files instead of before them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { execa } from 'execa';
import path from 'node:path';
import { REPO } from './helpers/cli.ts';
import { defaultCacheDir } from './helpers/boot-fixture.ts';

test('tsc -p . --noEmit: no type errors', { timeout: 600_000 }, async () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // Incremental: what tsc learnt last time is kept in the tests' cache (<repo>/.cache or $IMGSMITH_CACHE),
  // so an unchanged tree is checked in a few seconds (tsc re-checks whatever changed, and what depends on it).
  const info = path.join(defaultCacheDir(), 'tsc', 'tsconfig.tsbuildinfo');
  const r = await execa(process.execPath, [tsc, '-p', '.', '--noEmit', '--incremental', '--tsBuildInfoFile', info], { cwd: REPO, reject: false, all: true });
  assert.equal(r.exitCode, 0, `tsc reported:\n${String(r.all)}`);
});
