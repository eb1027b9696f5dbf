/**
 * Bad input through the real CLI: each case gives one clear error line naming
 * the problem, exit code 2 (usage/spec) or 1 (build), and leaves nothing in
 * the output directory.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeClosure } from './helpers/closure-fixture.ts';
import { makeFirmware } from './helpers/firmware-fixture.ts';
import { runCli, listFiles, REPO } from './helpers/cli.ts';

const RECIPE = path.join(REPO, 'images/rpi-aarch64.json');
let tmp: string;
let fx: Awaited<ReturnType<typeof makeClosure>>;
let firmware: string;
let recipe: Record<string, unknown>;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-cli-'));
  fx = await makeClosure(path.join(tmp, 'fx'), {});
  firmware = await makeFirmware(path.join(tmp, 'firmware'));
  recipe = JSON.parse(await fsp.readFile(RECIPE, 'utf8'));
});

after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

let n = 0;
/** Writes a variant of the recipe; `edit` changes a deep copy. */
async function variant(edit: (s: any) => void): Promise<string> {
  const s = structuredClone(recipe);
  edit(s);
  const p = path.join(tmp, `spec-${n++}.json`);
  await fsp.writeFile(p, JSON.stringify(s));
  return p;
}

interface Case {
  args: string[];
  exitCode: 1 | 2;
  message: RegExp;
}

async function expectFailure(c: Case): Promise<void> {
  const out = path.join(tmp, `out-${n++}`);
  const args = c.args.map((a) => (a === 'OUT' ? out : a));
  const r = await runCli(args);
  assert.equal(r.exitCode, c.exitCode, `exit code for ${args.join(' ')}\n${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one error line, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^imgsmith: error: /);
  assert.match(lines[0]!, c.message);
  assert.deepEqual(await listFiles(out), [], 'nothing left in the output directory');
}

const build = (spec: string, extra: string[] = []) => [
  'build', spec, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', firmware, '-o', 'OUT', ...extra,
];

test('missing closure directory', async () => {
  await expectFailure({
    args: ['build', RECIPE, '--closure', path.join(tmp, 'nope'), '--toplevel', fx.toplevel, '--firmware', firmware, '-o', 'OUT'],
    exitCode: 1,
    message: /nope/,
  });
});

test('a store path listed in the closure is missing on disk', async () => {
  const fx2 = await makeClosure(path.join(tmp, 'fx-missing'), {});
  const victim = fx2.storePaths.find((p) => p !== fx2.toplevel && !fx2.toplevel.startsWith(p))!;
  await fsp.rm(victim, { recursive: true, force: true });
  await expectFailure({
    args: ['build', RECIPE, '--closure', fx2.closureInfoDir, '--store-root', fx2.storeRoot, '--toplevel', fx2.toplevel, '--firmware', firmware, '-o', 'OUT'],
    exitCode: 1,
    message: new RegExp(path.basename(victim)),
  });
});

test('a malformed registration names the line', async () => {
  const fx3 = await makeClosure(path.join(tmp, 'fx-badreg'), {});
  const reg = path.join(fx3.closureInfoDir, 'registration');
  const lines = (await fsp.readFile(reg, 'utf8')).split('\n');
  lines[2] = 'not-a-number';
  await fsp.writeFile(reg, lines.join('\n'));
  await expectFailure({
    args: ['build', RECIPE, '--closure', fx3.closureInfoDir, '--store-root', fx3.storeRoot, '--toplevel', fx3.toplevel, '--firmware', firmware, '-o', 'OUT'],
    exitCode: 1,
    message: /registration.*line 3/,
  });
});

test('unknown spec key', async () => {
  const spec = await variant((s) => (s.partitions[0].sizee = '30MiB'));
  await expectFailure({ args: build(spec), exitCode: 2, message: /spec\.partitions\[0\]: unknown key "sizee" \(did you mean "size"\?\)/ });
});

test('overlapping partitions', async () => {
  const spec = await variant((s) => {
    s.partitions[1].start = '16MiB';
  });
  await expectFailure({ args: build(spec), exitCode: 2, message: /"firmware" .* and "root" .* overlap/ });
});

test('FAT label too long', async () => {
  const spec = await variant((s) => (s.partitions[0].filesystem.label = 'FIRMWARE-TOO-LONG'));
  await expectFailure({ args: build(spec), exitCode: 2, message: /label/i });
});

test('a fixed root size too small for the closure', async () => {
  const spec = await variant((s) => (s.partitions[1].size = '2MiB'));
  await expectFailure({ args: build(spec), exitCode: 1, message: /needs .*MiB.*partition is 2 MiB/ });
});

test('unknown filesystem', async () => {
  const spec = await variant((s) => (s.partitions[1].filesystem = { type: 'xfs' }));
  await expectFailure({ args: build(spec), exitCode: 2, message: /filesystem\.type: expected one of .*got string "xfs"/ });
});

test('firmware directory missing', async () => {
  await expectFailure({
    args: ['build', RECIPE, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', path.join(tmp, 'no-firmware'), '-o', 'OUT'],
    exitCode: 2,
    message: /--firmware .*no-firmware: no such file or directory/,
  });
});

test('a firmware file missing from the firmware directory', async () => {
  const fw = await makeFirmware(path.join(tmp, 'fw-partial'));
  await fsp.rm(path.join(fw, 'bootcode.bin'));
  await expectFailure({
    args: ['build', RECIPE, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', fw, '-o', 'OUT'],
    exitCode: 1,
    message: /bootcode\.bin does not exist/,
  });
});

test('output directory not writable', async () => {
  const file = path.join(tmp, 'a-file');
  await fsp.writeFile(file, '');
  const r = await runCli(['build', RECIPE, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', firmware, '-o', path.join(file, 'out')]);
  assert.equal(r.exitCode, 1, r.stderr);
  assert.match(r.stderr.trim(), /^imgsmith: error: cannot write to output directory .*a-file\/out: (ENOTDIR|EEXIST)$/);
});

test('unknown command-line option and missing spec file', async () => {
  await expectFailure({ args: [...build(RECIPE), '--compresss'], exitCode: 2, message: /unknown option --compresss \(did you mean --compress\?\); see imgsmith build --help$/ });
  await expectFailure({ args: build(path.join(tmp, 'missing.json')), exitCode: 2, message: /cannot read spec .*missing\.json: no such file/ });
});

test('spec needs --closure but none given', async () => {
  await expectFailure({
    args: ['build', RECIPE, '--toplevel', fx.toplevel, '--firmware', firmware, '-o', 'OUT'],
    exitCode: 2,
    message: /give --closure/,
  });
});

test('--help explains every option', async () => {
  const r = await runCli(['build', '--help']);
  assert.equal(r.exitCode, 0);
  for (const opt of ['--closure', '--toplevel', '--firmware', '--out', '--compress', '--keep-raw', '--label', '--json']) {
    assert.match(r.stdout, new RegExp(`${opt}\\s+\\S`), opt);
  }
});
