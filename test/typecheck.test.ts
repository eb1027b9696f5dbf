/**
 * The type check of everything (src/, test/, bench/, scripts/: tsconfig.json), run by `npm test` as a
 * test file so that it runs alongside the other files instead of before them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { execa } from 'execa';
import { REPO } from './helpers/cli.ts';

test('tsc -p . --noEmit: no type errors', { timeout: 600_000 }, async () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = await execa(process.execPath, [tsc, '-p', '.', '--noEmit'], { cwd: REPO, reject: false, all: true });
  assert.equal(r.exitCode, 0, `tsc reported:\n${String(r.all)}`);
});
