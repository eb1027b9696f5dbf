/**
 * imgsmith diff on the Pi recipe built from the test closure: two reproducible builds are
 * "identical" (exit 0); one changed closure file is exactly one changed path; a changed
 * ext4 UUID shows the UUID and hash-seed lines and no file change (exit 1).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeClosure, type ClosureFixture } from './helpers/closure-fixture.ts';
import { makeFirmware } from './helpers/firmware-fixture.ts';
import { REPO, runCli, type CliResult } from './helpers/cli.ts';
import { batched } from './helpers/batched.ts';
import { cachedRecipe, recipeFixture } from './helpers/recipe-cache.ts';
import { buildImage } from '../src/build.ts';

let tmp: string;
let firmware: string;

async function build(fx: ClosureFixture, name: string, spec = path.join(REPO, 'images/rpi-aarch64.json'), fw = firmware): Promise<string> {
  const r = await buildImage({
    specPath: spec, closure: fx.closureInfoDir, storeRoot: fx.storeRoot, toplevel: fx.toplevel, firmware: fw,
    outDir: path.join(tmp, name), compress: false,
  });
  return r.imagePath!;
}

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-diff-test-'));
  firmware = await makeFirmware(path.join(tmp, 'firmware'));
});

after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

test('diff: identical builds, one changed closure file, a changed UUID', async () => {
  // a: the shared build (helpers/recipe-cache.ts) from the forward closure; b: built here from a
  // closure made in the reverse order, elsewhere.
  const fxA = await recipeFixture();
  const fxB = await makeClosure(path.join(tmp, 'fxB'), { order: 'reverse' });
  const a = (await cachedRecipe('rpi-aarch64.json')).img;
  const b = await build(fxB, 'b');

  // One file of one store path changes (same size; the registration is the closure's, unchanged).
  const pkg = fxB.byName['pkg-0']!;
  const file = path.join(pkg, 'data/file-0.txt');
  await fsp.chmod(path.dirname(file), 0o755);
  await fsp.chmod(file, 0o644);
  const old = await fsp.readFile(file);
  const changed = Buffer.from(old);
  changed[0] = changed[0]! ^ 0x20;
  await fsp.writeFile(file, changed);
  await fsp.chmod(file, 0o444);
  await fsp.chmod(path.dirname(file), 0o555);
  const c = await build(fxB, 'c');

  // Only the ext4 UUID (and with it the hash seed) differs.
  const spec = JSON.parse(await fsp.readFile(path.join(REPO, 'images/rpi-aarch64.json'), 'utf8'));
  spec.partitions[1].filesystem.uuid = '55555555-5555-4555-8555-555555555555';
  const specFile = path.join(tmp, 'uuid.json');
  await fsp.writeFile(specFile, JSON.stringify(spec));
  const u = await build(fxA.fx, 'u', specFile, fxA.firmware);

  // The first diff through the real CLI, the others through main() in one batch process.
  const same = await runCli(['diff', a, b]);
  const [sameJson, d, human, ud, uh, missing] = (await batched(tmp, [
    ['diff', a, b, '--json'], ['diff', a, c, '--json'], ['diff', a, c], ['diff', a, u, '--json'], ['diff', a, u], ['diff', a, path.join(tmp, 'nope.img')],
  ])) as [CliResult, CliResult, CliResult, CliResult, CliResult, CliResult];
  assert.equal(same.exitCode, 0, same.stderr);
  assert.match(same.stdout, /^identical: /);
  assert.deepEqual(JSON.parse(sameJson.stdout).identical, true);

  assert.equal(d.exitCode, 1, d.stderr);
  const r = JSON.parse(d.stdout);
  assert.equal(r.identical, false);
  assert.deepEqual(r.table, []);
  assert.equal(r.partitions.length, 1);
  const p = r.partitions[0];
  assert.equal(p.index, 2);
  assert.deepEqual(p.added, []);
  assert.deepEqual(p.removed, []);
  const storePath = `/nix/store/${path.basename(pkg)}/data/file-0.txt`;
  assert.deepEqual(p.changed.map((x: { path: string }) => x.path), [storePath]);
  assert.deepEqual(p.changed[0].fields.map((f: { field: string }) => f.field), ['sha256']);
  assert.equal(human.exitCode, 1);
  assert.match(human.stdout, new RegExp(`^  changed ${storePath.replace(/[.]/g, '\\.')}: sha256 [0-9a-f]{64} -> [0-9a-f]{64}$`, 'm'));

  assert.equal(ud.exitCode, 1, ud.stderr);
  const ur = JSON.parse(ud.stdout);
  assert.equal(ur.partitions.length, 1);
  const fsFields = ur.partitions[0].filesystem.map((f: { field: string }) => f.field);
  assert.equal(fsFields[0], 'uuid');
  assert.ok(fsFields.includes('hashSeed'), fsFields.join(','));
  assert.deepEqual(ur.partitions[0].changed, []);
  assert.match(uh.stdout, /^  filesystem uuid: 44444444-4444-4444-8888-888888888888 -> 55555555-5555-4555-8555-555555555555$/m);
  assert.match(uh.stdout, /^  filesystem hashSeed: /m);

  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, /nope\.img: no such image file/);
});

test('ext4: the batched hashFiles (one debugfs run) gives what debugfs dump gives file by file, for every file', async () => {
  const img = (await cachedRecipe('rpi-aarch64.json')).img;
  const { openImage } = await import('../src/inspect/image.ts');
  const { readPartitionTable } = await import('../src/inspect/table.ts');
  const { openFs } = await import('../src/inspect/readers/index.ts');
  const { walkFs } = await import('../src/inspect/commands.ts');
  const { execa } = await import('execa');
  const { createHash } = await import('node:crypto');
  const opened = await openImage(img);
  try {
    const table = await readPartitionTable(opened.path, opened.size);
    const part = table.partitions.find((p) => p.typeCode === '0x83')!;
    const r = await openFs(opened, part);
    const files = [];
    for await (const e of walkFs(r, '/')) if (e.type === 'file') files.push(e);
    assert.ok(files.length > 20, `${files.length} files`);
    assert.ok(files.some((f) => f.size === 0), 'an empty file is among them');
    const hashes = await r.hashFiles!(files);
    assert.equal(hashes.size, files.length);
    // debugfs dumps each file by inode number (one run, one `dump` request per file).
    const dumps = await fsp.mkdtemp(path.join(tmp, 'dumps-'));
    const requests = path.join(tmp, 'dump-requests');
    await fsp.writeFile(requests, files.map((f) => `dump <${f.ino}> ${path.join(dumps, String(f.ino))}\n`).join(''));
    await execa('debugfs', ['-f', requests, `${img}?offset=${part.start}`]);
    for (const f of files) {
      const bytes = await fsp.readFile(path.join(dumps, String(f.ino)));
      assert.equal(hashes.get(f.path), createHash('sha256').update(bytes).digest('hex'), f.path);
    }
    await r.close();
  } finally {
    await opened.close();
  }
});
