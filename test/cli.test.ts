/**
 * Bad input to the CLI: each case gives one clear error line naming the problem,
 * exit code 2 (usage/spec) or 1 (build), and leaves nothing in the output directory.
 * A few cases run the real binary (bin/imgsmith.js); the others run through main()
 * in one batch process (see CASES).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeClosure, type ClosureFixture } from './helpers/closure-fixture.ts';
import { makeFirmware } from './helpers/firmware-fixture.ts';
import { runCli, listFiles, REPO, type CliResult } from './helpers/cli.ts';
import { batched } from './helpers/batched.ts';
import { recipeFixture } from './helpers/recipe-cache.ts';

const RECIPE = path.join(REPO, 'images/rpi-aarch64.json');
let tmp: string;
let fx: ClosureFixture;
let firmware: string;
let recipe: Record<string, unknown>;

let n = 0;
/** Writes a variant of the recipe; `edit` changes a deep copy. */
async function variant(edit: (s: any) => void): Promise<string> {
  const s = structuredClone(recipe);
  edit(s);
  const p = path.join(tmp, `spec-${n++}.json`);
  await fsp.writeFile(p, JSON.stringify(s));
  return p;
}

const build = (spec: string, extra: string[] = []) => [
  'build', spec, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', firmware, '-o', 'OUT', ...extra,
];

interface Case {
  test: string;
  /** The command line ('OUT': a fresh output directory), made in before() (after any inputs it breaks). */
  args: () => Promise<string[]>;
  exitCode: 1 | 2;
  message: () => RegExp;
  /** Through bin/imgsmith.js rather than main() in the batch process. */
  real?: true;
}

/** What a case's setup found out (the victim store path's name). */
let victim = '';

/**
 * The cases. Those marked `real` run the real CLI (one exit-1 build error, one exit-2 spec error,
 * one unknown option); the others run one after another through main() in one batch process
 * (test/helpers/cli-batch.ts): the error line and exit code are main()'s either way.
 */
const CASES: Case[] = [
  { test: 'missing closure directory', real: true, exitCode: 1, message: () => /nope/,
    args: async () => ['build', RECIPE, '--closure', path.join(tmp, 'nope'), '--toplevel', fx.toplevel, '--firmware', firmware, '-o', 'OUT'] },
  { test: 'a store path listed in the closure is missing on disk', exitCode: 1, message: () => new RegExp(victim),
    args: async () => {
      const fx2 = await makeClosure(path.join(tmp, 'fx-missing'), {});
      const p = fx2.storePaths.find((q) => q !== fx2.toplevel && !fx2.toplevel.startsWith(q))!;
      victim = path.basename(p);
      await fsp.rm(p, { recursive: true, force: true });
      return ['build', RECIPE, '--closure', fx2.closureInfoDir, '--store-root', fx2.storeRoot, '--toplevel', fx2.toplevel, '--firmware', firmware, '-o', 'OUT'];
    } },
  { test: 'a malformed registration names the line', exitCode: 1, message: () => /registration.*line 3/,
    args: async () => {
      const fx3 = await makeClosure(path.join(tmp, 'fx-badreg'), {});
      const reg = path.join(fx3.closureInfoDir, 'registration');
      const lines = (await fsp.readFile(reg, 'utf8')).split('\n');
      lines[2] = 'not-a-number';
      await fsp.writeFile(reg, lines.join('\n'));
      return ['build', RECIPE, '--closure', fx3.closureInfoDir, '--store-root', fx3.storeRoot, '--toplevel', fx3.toplevel, '--firmware', firmware, '-o', 'OUT'];
    } },
  { test: 'unknown spec key', real: true, exitCode: 2, message: () => /spec\.partitions\[0\]: unknown key "sizee" \(did you mean "size"\?\)/,
    args: async () => build(await variant((s) => (s.partitions[0].sizee = '30MiB'))) },
  { test: 'overlapping partitions', exitCode: 2, message: () => /"firmware" .* and "root" .* overlap/,
    args: async () => build(await variant((s) => (s.partitions[1].start = '16MiB'))) },
  { test: 'FAT label too long', exitCode: 2, message: () => /label/i,
    args: async () => build(await variant((s) => (s.partitions[0].filesystem.label = 'FIRMWARE-TOO-LONG'))) },
  { test: 'a fixed root size too small for the closure', exitCode: 1, message: () => /needs .*MiB.*partition is 2 MiB/,
    args: async () => build(await variant((s) => (s.partitions[1].size = '2MiB'))) },
  { test: 'unknown filesystem', exitCode: 2, message: () => /filesystem\.type: expected one of .*got string "xfs"/,
    args: async () => build(await variant((s) => (s.partitions[1].filesystem = { type: 'xfs' }))) },
  { test: 'firmware directory missing', exitCode: 2, message: () => /--firmware .*no-firmware: no such file or directory/,
    args: async () => ['build', RECIPE, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', path.join(tmp, 'no-firmware'), '-o', 'OUT'] },
  { test: 'a firmware file missing from the firmware directory', exitCode: 1, message: () => /bootcode\.bin does not exist/,
    args: async () => {
      const fw = await makeFirmware(path.join(tmp, 'fw-partial'));
      await fsp.rm(path.join(fw, 'bootcode.bin'));
      return ['build', RECIPE, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', fw, '-o', 'OUT'];
    } },
  { test: 'unknown command-line option and missing spec file', real: true, exitCode: 2, message: () => /unknown option --compresss \(did you mean --compress\?\); see imgsmith build --help$/,
    args: async () => [...build(RECIPE), '--compresss'] },
  { test: 'unknown command-line option and missing spec file', exitCode: 2, message: () => /cannot read spec .*missing\.json: no such file/,
    args: async () => build(path.join(tmp, 'missing.json')) },
  { test: 'spec needs --closure but none given', exitCode: 2, message: () => /give --closure/,
    args: async () => ['build', RECIPE, '--toplevel', fx.toplevel, '--firmware', firmware, '-o', 'OUT'] },
];

/** Each case's command line (OUT replaced), output directory and result. */
const ran = new Map<Case, { args: string[]; out: string; r: CliResult }>();

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-cli-'));
  ({ fx, firmware } = await recipeFixture()); // read only; the cases that break an input make their own
  recipe = JSON.parse(await fsp.readFile(RECIPE, 'utf8'));
  const made = [];
  for (const c of CASES) {
    const out = path.join(tmp, `out-${n++}`);
    made.push({ c, out, args: (await c.args()).map((a) => (a === 'OUT' ? out : a)) });
  }
  const inBatch = made.filter((m) => !m.c.real);
  const results = await batched(tmp, inBatch.map((m) => m.args));
  inBatch.forEach((m, i) => ran.set(m.c, { ...m, r: results[i]! }));
  for (const m of made.filter((x) => x.c.real)) ran.set(m.c, { ...m, r: await runCli(m.args) });
});

after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

async function expectFailure(c: Case): Promise<void> {
  const { args, out, r } = ran.get(c)!;
  assert.equal(r.exitCode, c.exitCode, `exit code for ${args.join(' ')}\n${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one error line, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^imgsmith: error: /);
  assert.match(lines[0]!, c.message());
  assert.deepEqual(await listFiles(out), [], 'nothing left in the output directory');
}

for (const name of [...new Set(CASES.map((c) => c.test))]) {
  test(name, async () => {
    for (const c of CASES.filter((x) => x.test === name)) await expectFailure(c);
  });
}

test('output directory not writable', async () => {
  const file = path.join(tmp, 'a-file');
  await fsp.writeFile(file, '');
  const r = await runCli(['build', RECIPE, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', firmware, '-o', path.join(file, 'out')]);
  assert.equal(r.exitCode, 1, r.stderr);
  assert.match(r.stderr.trim(), /^imgsmith: error: cannot write to output directory .*a-file\/out: (ENOTDIR|EEXIST)$/);
});

test('--help explains every option', async () => {
  const r = await runCli(['build', '--help']);
  assert.equal(r.exitCode, 0);
  for (const opt of ['--closure', '--toplevel', '--firmware', '--out', '--compress', '--keep-raw', '--label', '--json']) {
    assert.match(r.stdout, new RegExp(`${opt}\\s+\\S`), opt);
  }
});
