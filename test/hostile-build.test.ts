/**
 * Hostile input on the build side: every case runs `imgsmith build` and checks the result with independent tools (debugfs, e2fsck, btrfs check, cmp) or the
 * clean-failure contract (exit 1/2, one `imgsmith: error:` line, no stack, nothing left in
 * the output directory, nothing created in the inputs):
 *  - an output directory inside an input (copy source, spec directory, store path, store
 *    directory; through a symlink) or an input inside -o's temporary directory: exit 2;
 *  - sources removed, grown or shrunk after the walk, before the tool reads them (held there
 *    with IMGSMITH_TEST_HOOK=hold:read-sources): the populate helper, the mke2fs -d fallback
 *    and mkfs.btrfs give one line naming the file;
 *  - 2000/5000 nested directories and long paths: built (ext4 with the helper: debugfs finds
 *    the deepest file, e2fsck passes; btrfs: btrfs check passes) or one short limit error;
 *  - the .bmap (and the image) are the same with and without the native addon;
 *  - the GitHub Action with an unwritable GITHUB_OUTPUT fails before building.
 * The runs about the process or with their own environment (the hold hook, IMGSMITH_NO_NATIVE,
 * another user, the mke2fs -d fallback's changing sources) use the real CLI (bin/imgsmith.js), the
 * others the CLI's main() in one process serving them one at a time (helpers/cli-batch.ts
 * startBatchServer; the fallback's path limit and the stale helper with their variable set for that run).
 * Images are tiny (a few MiB).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { makeClosure, type ClosureFixture } from './helpers/closure-fixture.ts';
import { CLI, REPO, listFiles, type CliResult } from './helpers/cli.ts';
import { startBatchServer, type BatchServer } from './helpers/cli-batch.ts';
import { nodeForNobody } from './helpers/node-toolchains.ts';
import { describeError, resourceError } from '../src/errors.ts';
import { contentRanges } from '../src/inspect/content-map.ts';

let tmp: string;
let fx: ClosureFixture;
let n = 0;
let server: BatchServer;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-hb-'));
  fx = await makeClosure(path.join(tmp, 'cl'), { paths: 1, filesPerPath: 1 });
  await fsp.mkdir(path.join(tmp, 'server-tmp'));
  server = startBatchServer({ tmpdir: path.join(tmp, 'server-tmp'), rssFile: path.join(tmp, 'server-rss'), hangMs: 300_000 });
});

after(async () => {
  await server?.close();
  // GNU rm removes trees deeper than PATH_MAX (fs.rm does not).
  await execa('rm', ['-rf', tmp]);
});

type Json = Record<string, unknown>;

const rootPart = (fs: 'ext4' | 'btrfs', contents: Json[]): Json => ({ name: 'root', type: 'linux', size: 'auto', filesystem: { type: fs, label: 'root' }, contents });
const specOf = (partitions: Json[], over: Json = {}): Json => ({
  name: 'hb',
  table: { type: 'dos', labelId: '0x2178694e' },
  partitions,
  output: { compress: 'none', bmap: false },
  ...over,
});
const fatPart = (contents: Json[] = [{ text: 'hello\n', target: '/hello.txt' }]): Json => ({
  name: 'boot',
  type: '0x0b',
  size: '8MiB',
  filesystem: { type: 'vfat', label: 'BOOT' },
  contents,
});

/** A fresh case directory with the spec and a `tree/` holding `files` (relative path -> contents). */
async function writeCase(spec: Json, files: Record<string, string | Buffer> = { 'a.txt': 'a\n' }): Promise<{ dir: string; spec: string; out: string; tree: string }> {
  const dir = path.join(tmp, `case-${++n}`);
  const tree = path.join(dir, 'tree');
  await fsp.mkdir(tree, { recursive: true });
  for (const [rel, data] of Object.entries(files)) {
    await fsp.mkdir(path.dirname(path.join(tree, rel)), { recursive: true });
    await fsp.writeFile(path.join(tree, rel), data);
  }
  const file = path.join(dir, 'spec.json');
  await fsp.writeFile(file, JSON.stringify(spec, null, 2));
  return { dir, spec: file, out: path.join(dir, 'out'), tree };
}

const copyTree = (target = '/'): Json => ({ from: 'spec', path: 'tree', target });

/** `imgsmith ARGS`: the real CLI when given an environment (unless `served`: then the serving process with
 *  that environment for this run), else the serving process. */
async function run(args: string[], env?: Record<string, string>, opts: { served?: boolean } = {}): Promise<CliResult> {
  if (!env || opts.served) {
    const s = await server.run(args, env);
    assert.ok(s, `${args.join(' ')} did not finish (it hung, or the serving process died)`);
    return s;
  }
  const r = await execa(process.execPath, [CLI, ...args], { cwd: REPO, env, reject: false, timeout: 300_000 });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** The clean-failure contract of test/hostile.test.ts; the error line also stays short. */
async function assertCleanFailure(r: CliResult, out: string, re: RegExp, code?: 1 | 2): Promise<string> {
  const ctx = `exit ${r.exitCode}\nstderr:\n${r.stderr.slice(0, 3000)}`;
  assert.ok(r.exitCode === 1 || r.exitCode === 2, `exit 1 or 2, got ${ctx}`);
  if (code !== undefined) assert.equal(r.exitCode, code, ctx);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  const errors = lines.filter((l) => l.startsWith('imgsmith: error: '));
  assert.equal(errors.length, 1, `exactly one error line: ${ctx}`);
  assert.equal(lines.filter((l) => !l.startsWith('imgsmith: warning')).length, 1, `nothing else on stderr: ${ctx}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `no stack frames: ${ctx}`);
  assert.ok(errors[0]!.length < 800, `a short line (${errors[0]!.length} chars): ${ctx}`);
  assert.match(errors[0]!, re, ctx);
  assert.deepEqual(await listFiles(out), [], `nothing left in ${out}`);
  return errors[0]!;
}

/** The byte offset of partition `i` (0-based) of an image, read by sfdisk. */
async function partOffset(img: string, i = 0): Promise<number> {
  const j = JSON.parse((await execa('sfdisk', ['-J', img])).stdout) as { partitiontable: { partitions: { start: number }[] } };
  return j.partitiontable.partitions[i]!.start * 512;
}

/** The partition `i` copied out of the image (for e2fsck / btrfs check). */
async function extractPart(img: string, i = 0): Promise<string> {
  const j = JSON.parse((await execa('sfdisk', ['-J', img])).stdout) as { partitiontable: { partitions: { start: number; size: number }[] } };
  const p = j.partitiontable.partitions[i]!;
  const file = `${img}.p${i}`;
  await execa('dd', [`if=${img}`, `of=${file}`, 'bs=1M', `skip=${p.start * 512}`, `count=${p.size * 512}`, 'iflag=skip_bytes,count_bytes', 'conv=sparse', 'status=none']);
  return file;
}

// ---------------------------------------------------------------------------
// -o inside an input.

/** Builds with -o `out` and expects exit 2 naming the output directory and `input`, nothing created in `tree`. */
async function expectPlacementRefused(c: { spec: string; tree: string }, out: string, input: RegExp, extra: string[] = []): Promise<void> {
  const before = await listFiles(c.tree);
  const r = await run(['build', c.spec, '-o', out, ...extra]);
  await assertCleanFailure(r, out, new RegExp(`the output directory .*${path.basename(out)} is inside ${input.source}.*use an output directory outside`), 2);
  assert.ok(!existsSync(out), `${out} was created`);
  assert.deepEqual(await listFiles(c.tree), before, 'nothing created in the input');
}

test('placement: -o inside a copied directory is refused (exit 2) before any work', async () => {
  const c = await writeCase(specOf([fatPart([copyTree('/files')])]));
  await expectPlacementRefused(c, path.join(c.tree, 'sub', 'out'), /the source of spec\.partitions\[0\]\.contents\[0\]/);
});

test('placement: -o inside the spec directory when the spec copies it whole', async () => {
  const c = await writeCase(specOf([fatPart([{ from: 'spec', path: '.', target: '/all' }])]));
  await expectPlacementRefused({ spec: c.spec, tree: c.dir }, path.join(c.dir, 'out'), /the source of spec\.partitions\[0\]\.contents\[0\]/);
});

test('placement: -o reaching a copied directory through a symlink (real paths compared)', async () => {
  const c = await writeCase(specOf([fatPart([copyTree('/files')])]));
  const link = path.join(tmp, `link-${n}`);
  await fsp.symlink(c.tree, link);
  await expectPlacementRefused(c, path.join(link, 'out'), /the source of spec\.partitions\[0\]\.contents\[0\]/);
});

test('placement: -o inside a store path of the closure', async () => {
  const c = await writeCase(specOf([rootPart('ext4', [{ generate: 'closure' }])]));
  const store = fx.byName['pkg-0'] ?? fx.storePaths[0]!;
  await expectPlacementRefused({ spec: c.spec, tree: fx.storeRoot }, path.join(store, 'out'), /the store directory of the closure/, ['--closure', fx.closureInfoDir, '--store-root', fx.storeRoot]);
});

test('placement: -o inside the store directory under --store-root', async () => {
  const c = await writeCase(specOf([rootPart('ext4', [{ generate: 'closure' }])]));
  await expectPlacementRefused({ spec: c.spec, tree: fx.storeRoot }, path.join(fx.storeDir, 'out'), /the store directory of the closure/, ['--closure', fx.closureInfoDir, '--store-root', fx.storeRoot]);
});

test('placement: an input inside a temporary directory of -o is refused; -o beside the copied directory builds', async () => {
  const c = await writeCase(specOf([fatPart([{ from: 'spec', path: 'out/.imgsmith-tmp-1-x/files', target: '/f' }])]));
  const files = path.join(c.out, '.imgsmith-tmp-1-x', 'files');
  await fsp.mkdir(files, { recursive: true });
  await fsp.writeFile(path.join(files, 'x'), 'x');
  const r = await run(['build', c.spec, '-o', c.out]);
  assert.equal(r.exitCode, 2, r.stderr);
  assert.match(r.stderr, /^imgsmith: error: the source of spec\.partitions\[0\]\.contents\[0\], .* is inside a temporary directory of the output directory .*, which the build removes/m);
  assert.ok(existsSync(path.join(files, 'x')), 'the input was not removed');
  // The usual layout: spec.json, tree/ and out/ side by side.
  const ok = await writeCase(specOf([fatPart([copyTree('/files')])]));
  const r2 = await run(['build', ok.spec, '-o', ok.out]);
  assert.equal(r2.exitCode, 0, r2.stderr);
  assert.ok(existsSync(path.join(ok.out, 'hb.img')));
});

// ---------------------------------------------------------------------------
// Sources that change while they are read.

/** Runs a build held before the tool reads the sources, runs `change`, lets it go on. */
async function buildChanging(args: string[], env: Record<string, string>, change: () => Promise<void>): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args, '--json'], { cwd: REPO, env: { PATH: process.env.PATH!, ...env, IMGSMITH_TEST_HOOK: 'hold:read-sources' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let held = false;
  const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    const m = /"event":"test-hold"[^\n]*"pid":(\d+)/.exec(out);
    if (m && !held) {
      held = true;
      const release = () => {
        try {
          process.kill(Number(m[1]), 'SIGKILL');
        } catch {
          // the hold already ended
        }
      };
      void change().then(release, (e: unknown) => {
        err += `change failed: ${String(e)}\n`;
        release();
      });
    }
  });
  const exitCode = await done;
  clearTimeout(timer);
  assert.ok(held, `the build reached the hook: ${err}`);
  return { exitCode, stdout: out, stderr: err };
}

const CHANGES: { name: string; change: (f: string) => Promise<void>; re: (f: string) => RegExp }[] = [
  { name: 'removed', change: (f) => fsp.rm(f), re: (f) => new RegExp(`${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} disappeared while it was being read`) },
  { name: 'grown', change: (f) => fsp.appendFile(f, Buffer.alloc(300_000, 7)), re: (f) => new RegExp(`${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} changed while it was being read`) },
  { name: 'shrunk', change: (f) => fsp.truncate(f, 10), re: (f) => new RegExp(`${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} changed while it was being read`) },
];
const WRITERS: { name: string; fs: 'ext4' | 'btrfs'; env: Record<string, string> }[] = [
  { name: 'ext4 populate helper', fs: 'ext4', env: {} },
  { name: 'ext4 mke2fs -d fallback', fs: 'ext4', env: { IMGSMITH_NO_POPULATE: '1' } },
  { name: 'btrfs', fs: 'btrfs', env: {} },
];

for (const w of WRITERS) {
  for (const ch of CHANGES) {
    test(`changing source: a file ${ch.name} before ${w.name} reads it is one error naming it`, async () => {
      const c = await writeCase(specOf([rootPart(w.fs, [copyTree()])]), { 'a.txt': 'a\n', 'm/big.bin': Buffer.alloc(40_000, 1), 'z.txt': 'z\n' });
      const victim = path.join(c.tree, 'm', 'big.bin');
      const r = await buildChanging(['build', c.spec, '-o', c.out], w.env, () => ch.change(victim));
      await assertCleanFailure(r, c.out, ch.re(victim), 1);
    });
  }
}

for (const w of WRITERS) {
  test(`unreadable source: a file this user may not read is one error naming it (${w.name}, as nobody)`, { skip: process.getuid?.() !== 0 && 'needs root to run as nobody' }, async () => {
    await fsp.chmod(tmp, 0o755);
    const c = await writeCase(specOf([rootPart(w.fs, [copyTree()])]), { 'a.txt': 'a\n', 'secret.txt': 'secret\n' });
    await execa('chmod', ['-R', 'a+rX', c.dir]);
    await fsp.chmod(c.dir, 0o777);
    const secret = path.join(c.tree, 'secret.txt');
    await fsp.chmod(secret, 0o000);
    const node = nodeForNobody(tmp);
    const r = await execa('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', node, CLI, 'build', c.spec, '-o', c.out], { cwd: REPO, env: { PATH: process.env.PATH!, ...w.env }, extendEnv: false, reject: false, timeout: 300_000 });
    await assertCleanFailure({ exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) }, c.out, new RegExp(`cannot read ${secret.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: permission denied$`), 1);
    assert.doesNotMatch(String(r.stderr), /warning/, 'no fallback notice before the error');
  });
}

// ---------------------------------------------------------------------------
// Deep trees and long paths.

/** `depth` nested directories "d" under `root` (made by a child process that chdirs, so no path exceeds PATH_MAX) with deep.txt at the bottom. */
async function nest(root: string, depth: number): Promise<void> {
  await fsp.mkdir(root, { recursive: true });
  const script = `const fs=require('fs');process.chdir(${JSON.stringify(root)});for(let i=0;i<${depth};i++){fs.mkdirSync('d');process.chdir('d');}fs.writeFileSync('deep.txt','deep\\n');`;
  await execa(process.execPath, ['-e', script]);
}

const deepPath = (depth: number) => `/${'d/'.repeat(depth)}deep.txt`;

async function debugfsCat(img: string, offset: number, p: string): Promise<string> {
  return (await execa('debugfs', ['-R', `cat ${p}`, `${img}?offset=${offset}`], { stripFinalNewline: false })).stdout;
}

test('deep: 2000 nested host directories build with the ext4 helper; debugfs finds the deepest file, e2fsck passes', async () => {
  const c = await writeCase(specOf([rootPart('ext4', [copyTree()])]));
  await nest(c.tree, 2000);
  const r = await run(['build', c.spec, '-o', c.out]);
  assert.equal(r.exitCode, 0, r.stderr.slice(0, 2000));
  const img = path.join(c.out, 'hb.img');
  assert.equal(await debugfsCat(img, await partOffset(img), deepPath(2000)), 'deep\n');
  await execa('e2fsck', ['-fn', await extractPart(img)]);
});

test('deep: 5000 nested directories (a 10 KB path inside the tree) build with the ext4 helper', async () => {
  const c = await writeCase(specOf([rootPart('ext4', [{ text: 'deep\n', target: deepPath(5000) }])]));
  const r = await run(['build', c.spec, '-o', c.out]);
  assert.equal(r.exitCode, 0, r.stderr.slice(0, 2000));
  const img = path.join(c.out, 'hb.img');
  assert.equal(await debugfsCat(img, await partOffset(img), deepPath(5000)), 'deep\n');
  await execa('e2fsck', ['-fn', await extractPart(img)]);
});

test('deep: a path of 5000 bytes (20 names of 249 bytes) builds with the ext4 helper', async () => {
  const long = `/${Array.from({ length: 20 }, (_, i) => String(i).padStart(249, 'n')).join('/')}/f`;
  assert.ok(long.length > 5000);
  const c = await writeCase(specOf([rootPart('ext4', [{ text: 'long\n', target: long }])]));
  const r = await run(['build', c.spec, '-o', c.out]);
  assert.equal(r.exitCode, 0, r.stderr.slice(0, 2000));
  const img = path.join(c.out, 'hb.img');
  assert.equal(await debugfsCat(img, await partOffset(img), long), 'long\n');
});

test('deep: 2000 nested host directories build as btrfs; btrfs check passes', async () => {
  const c = await writeCase(specOf([rootPart('btrfs', [copyTree()])]));
  await nest(c.tree, 2000);
  const r = await run(['build', c.spec, '-o', c.out]);
  assert.equal(r.exitCode, 0, r.stderr.slice(0, 2000));
  await execa('btrfs', ['check', '--readonly', await extractPart(path.join(c.out, 'hb.img'))]);
});

test('deep: 5000 nested directories in btrfs (staged on the host) are one short limit error', async () => {
  const c = await writeCase(specOf([rootPart('btrfs', [{ text: 'deep\n', target: deepPath(5000) }])]));
  const r = await run(['build', c.spec, '-o', c.out]);
  await assertCleanFailure(r, c.out, /would be staged as a host path of \d+ bytes, more than Linux allows \(4095\)/, 1);
});

test('deep: the mke2fs -d fallback refuses paths over 1024 bytes with one clear error (e2fsprogs overflows)', async () => {
  const c = await writeCase(specOf([rootPart('ext4', [copyTree()])]));
  await nest(c.tree, 600);
  const r = await run(['build', c.spec, '-o', c.out], { IMGSMITH_NO_POPULATE: '1' }, { served: true });
  await assertCleanFailure(r, c.out, /the tree has a path of \d+ bytes; the mke2fs -d fallback writes paths of at most 1024 bytes/, 1);
});

test('deep: an input path over 4096 bytes is one short error line', async () => {
  const c = await writeCase(specOf([rootPart('ext4', [{ from: 'spec', path: `tree/${'d/'.repeat(2100)}deep.txt`, target: '/x' }])]));
  await nest(c.tree, 2100);
  const r = await run(['build', c.spec, '-o', c.out]);
  const line = await assertCleanFailure(r, c.out, /cannot read .*\.\.\..*: the host path is \d+ bytes, more than Linux allows \(4095\)/, 1);
  assert.ok(line.length < 400, line);
});

// ---------------------------------------------------------------------------
// The bmap with and without the native addon.

test('bmap: the same .img and byte-identical .bmap with and without the native addon', async () => {
  const files = { 'a.txt': 'a\n', 'r.bin': Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 251)), 'zeros.bin': Buffer.alloc(64 * 1024) };
  const spec = specOf([fatPart([copyTree('/files')]), { name: 'swap', type: 'swap', size: '1MiB', filesystem: { type: 'swap' } }], { output: { compress: 'none', bmap: true } });
  const c = await writeCase(spec, files);
  const outJs = path.join(c.dir, 'out-js');
  const a = await run(['build', c.spec, '-o', c.out]);
  const b = await run(['build', c.spec, '-o', outJs], { IMGSMITH_NO_NATIVE: '1' });
  assert.equal(a.exitCode, 0, a.stderr);
  assert.equal(b.exitCode, 0, b.stderr);
  await execa('cmp', [path.join(c.out, 'hb.img'), path.join(outJs, 'hb.img')]);
  await execa('cmp', [path.join(c.out, 'hb.bmap'), path.join(outJs, 'hb.bmap')]);
  // Mapped: the non-zero blocks and the ones the content needs as they are (the table, the
  // FATs, ...); every unmapped block is zeros (checked on the image itself).
  const img = await fsp.readFile(path.join(c.out, 'hb.img'));
  const required = await contentRanges(path.join(c.out, 'hb.img'), img.length);
  const needed = (blk: number) => required.some((r) => r.start <= blk * 4096 && blk * 4096 < r.end);
  const bmap = await fsp.readFile(path.join(c.out, 'hb.bmap'), 'utf8');
  const mapped = new Set<number>();
  for (const m of bmap.matchAll(/<Range chksum="[0-9a-f]{64}"> (\d+)(?:-(\d+))? <\/Range>/g)) for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) mapped.add(i);
  assert.ok(mapped.size > 0);
  for (let blk = 0; blk * 4096 < img.length; blk++) {
    const zero = img.subarray(blk * 4096, (blk + 1) * 4096).every((x) => x === 0);
    assert.equal(mapped.has(blk), !zero || needed(blk), `block ${blk}`);
  }
  assert.ok([...mapped].some((blk) => img.subarray(blk * 4096, (blk + 1) * 4096).every((x) => x === 0)), 'zero blocks the FAT needs are mapped');
  const dest = path.join(c.dir, 'flashed.img');
  await execa('bmaptool', ['copy', '--bmap', path.join(outJs, 'hb.bmap'), path.join(c.out, 'hb.img'), dest]);
  await execa('cmp', [dest, path.join(c.out, 'hb.img')]);
});

// ---------------------------------------------------------------------------
// The GitHub Action and resource advice.

test('action: an unwritable GITHUB_OUTPUT fails before building (one ::error::, nothing built)', async () => {
  const c = await writeCase(specOf([fatPart()]));
  const outputDir = path.join(c.dir, 'github-output-is-a-dir');
  await fsp.mkdir(outputDir);
  for (const file of [outputDir, path.join(c.dir, 'missing', 'github-output')]) {
    const r = await execa(process.execPath, ['--import', 'tsx', path.join(REPO, 'action/main.ts')], {
      cwd: REPO,
      env: { PATH: process.env.PATH!, GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: file, RUNNER_TEMP: c.dir, INPUT_SPEC: c.spec, 'INPUT_OUTPUT-DIR': c.out },
      extendEnv: false,
      reject: false,
      timeout: 120_000,
    });
    const errors = String(r.stdout).split('\n').filter((l) => l.startsWith('::error::'));
    assert.equal(r.exitCode, 1, String(r.stdout) + String(r.stderr));
    assert.equal(errors.length, 1, String(r.stdout));
    assert.match(errors[0]!, /^::error::GITHUB_OUTPUT .* is not writable \((EISDIR|ENOENT)\): the step could not set its outputs; nothing was built$/);
    assert.doesNotMatch(String(r.stdout), /::group::/, 'failed before doing anything');
    assert.ok(!existsSync(c.out), 'nothing built');
  }
});

test('resource advice comes from the context: -o for build, TMPDIR without -o, or the caller\'s remedy', () => {
  const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  assert.match(describeError(enospc, { outDir: '/x/out' }).message, /free some space or use another -o$/);
  assert.match(describeError(enospc).message, /^no space left on device.*: free some space or set TMPDIR to a directory with more space$/);
  assert.match(resourceError(enospc, { remedy: 'flash another device' })!.message, /free some space or flash another device$/);
  const edquot = Object.assign(new Error('EDQUOT'), { code: 'EDQUOT' });
  assert.match(describeError(edquot).message, /free some space in your quota or set TMPDIR/);
  assert.doesNotMatch(describeError(edquot).message, /-o/);
  // Error lines keep long paths short: first and last 100 characters.
  const long = `/${'x/'.repeat(3000)}f`;
  const line = describeError(new Error(`cannot read ${long}: gone`)).message;
  assert.ok(line.length < 260, line);
  const word = `${long}:`;
  assert.equal(line, `cannot read ${word.slice(0, 100)}...${word.slice(-100)} gone`);
});

test('stale helper: a populate helper from another imgsmith version (no --protocol) is not run; the build warns and uses mke2fs -d', async () => {
  const c = await writeCase(specOf([rootPart('ext4', [copyTree()])]), { 'a.txt': 'a\n', 'd/b.txt': 'bb\n' });
  const old = path.join(c.dir, 'old-helper');
  await fsp.writeFile(old, '#!/bin/sh\necho "usage: $0 IMAGE OFFSET LIST EPOCH" >&2\nexit 2\n', { mode: 0o755 });
  const r = await run(['build', c.spec, '-o', c.out], { IMGSMITH_EXT4_POPULATE: old }, { served: true });
  assert.equal(r.exitCode, 0, r.stderr.slice(0, 2000));
  assert.match(r.stderr, /imgsmith: warning: .*populate helper .*old-helper is from another imgsmith version \(no protocol, this one needs \d+\): rebuild it with npm run build:native/);
  const img = path.join(c.out, 'hb.img');
  assert.equal(await debugfsCat(img, await partOffset(img), '/d/b.txt'), 'bb\n');
  await execa('e2fsck', ['-fn', await extractPart(img)]);
});
