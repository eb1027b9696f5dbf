/**
 * The type check (incremental) of everything (src/, test/, bench/, scripts/: tsconfig.json), run by `npm test` as a
 * test file so that it runs alongside the other files instead of before them.
 *
 * It runs TypeScript 7 (the devDependency `typescript-native`, the compiler `npm run build` and
 * `npm run typecheck` use too): the native compiler checks the tree in about a third of the CPU time of
 * TypeScript 5.9, which stays a devDependency (`typescript`) only for its JavaScript API (test/structure.test.ts
 * parses src/ with it; TypeScript 7 has no stable one yet). Both are called by path: both packages declare a
 * `tsc` command, and which one npm links as node_modules/.bin/tsc is not defined.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execa } from 'execa';
import path from 'node:path';
import { REPO } from './helpers/cli.ts';
import { defaultCacheDir } from './helpers/boot-fixture.ts';

test('tsc -p . --noEmit (TypeScript 7): no type errors', { timeout: 600_000 }, async () => {
  const pkg = createRequire(import.meta.url).resolve('typescript-native/package.json');
  const { version } = JSON.parse(readFileSync(pkg, 'utf8')) as { version: string };
  assert.match(version, /^7\./, `typescript-native is not TypeScript 7: ${version}`);
  const tsc = path.join(path.dirname(pkg), 'bin', 'tsc');
  // Incremental: what tsc learnt last time is kept in the tests' cache (<repo>/.cache or $IMGSMITH_CACHE),
  // so an unchanged tree is checked in under a second (tsc re-checks whatever changed, and what depends on it).
  // TypeScript 5.9 kept its state in tsconfig.tsbuildinfo there; this is another file for another format.
  const info = path.join(defaultCacheDir(), 'tsc', 'tsc7.tsbuildinfo');
  const r = await execa(process.execPath, [tsc, '-p', '.', '--noEmit', '--incremental', '--tsBuildInfoFile', info], { cwd: REPO, reject: false, all: true });
  assert.equal(r.exitCode, 0, `tsc reported:\n${String(r.all)}`);
});
