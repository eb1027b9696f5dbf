/**
 * src/toolchain.ts: the version probe's parse and refusal paths, with fake `mke2fs` and
 * `mkfs.btrfs` scripts first on PATH printing a version outside the range or garbage (the real
 * supported versions are exercised by test/compat.test.ts), and the CLI's refusal: exit 1,
 * one error line naming the tool, its version, where it is and the range; nothing written.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ToolMissingError, ToolVersionError } from '../src/errors.ts';
import { checkNode, compareVersions, parseVersion, probeTool, probeToolchain } from '../src/toolchain.ts';
import { runCli } from './helpers/cli.ts';

let dir: string;

/** A directory with fake tools printing `text` (exit `code`), first on PATH. */
async function fakeTools(name: string, tools: Record<string, { text: string; code?: number }>): Promise<string> {
  const bin = path.join(dir, name);
  await fsp.mkdir(bin);
  for (const [tool, { text, code }] of Object.entries(tools)) {
    await fsp.writeFile(path.join(bin, tool), `#!/bin/sh\nprintf '%s\\n' '${text.replace(/'/g, "'\\''")}'\nexit ${code ?? 0}\n`, { mode: 0o755 });
  }
  return `${bin}:${process.env.PATH}`;
}

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-toolchain-'));
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

test('versions compare numerically, missing parts as 0', () => {
  assert.ok(compareVersions(parseVersion('1.46.2'), parseVersion('1.46.10')) < 0);
  assert.ok(compareVersions(parseVersion('6.2'), parseVersion('6.2.0')) === 0);
  assert.ok(compareVersions(parseVersion('6.14'), parseVersion('6.2')) > 0);
  assert.ok(compareVersions(parseVersion('1.47.4'), [1, 47], 2) === 0);
});

test('btrfs-progs 5.10 is refused: one error naming the tool, its version, where it is and the range', async () => {
  const PATH = await fakeTools('btrfs510', { 'mkfs.btrfs': { text: 'mkfs.btrfs, part of btrfs-progs v5.10.1 ' } });
  await assert.rejects(probeTool('mkfs.btrfs', PATH), (err: unknown) => {
    assert.ok(err instanceof ToolVersionError, String(err));
    assert.match(err.message, /^btrfs-progs 5\.10\.1 is not supported \(mkfs\.btrfs at \/\S+\/btrfs510\/mkfs\.btrfs\): imgsmith needs btrfs-progs 6\.2 or later/);
    assert.equal(err.exitCode, 1);
    return true;
  });
});

test('e2fsprogs 1.45.5 is refused; 1.46.2 and 1.47.4 are accepted; 1.48.0 warns', async () => {
  const old = await fakeTools('e2fs145', { mke2fs: { text: 'mke2fs 1.45.5 (07-Jan-2020)\n\tUsing EXT2FS Library version 1.45.5' } });
  await assert.rejects(probeTool('mke2fs', old), /^ToolVersionError: e2fsprogs 1\.45\.5 is not supported \(mke2fs at \S+\): imgsmith needs e2fsprogs 1\.46\.2 or later$/);
  for (const v of ['1.46.2', '1.47.4']) {
    const p = await fakeTools(`e2fs${v}`, { mke2fs: { text: `mke2fs ${v} (6-Mar-2025)` } });
    const r = await probeTool('mke2fs', p);
    assert.equal(r.version, v);
    assert.equal(r.warning, undefined);
  }
  const newer = await fakeTools('e2fs148', { mke2fs: { text: 'mke2fs 1.48.0 (1-Jan-2027)' } });
  const r = await probeTool('mke2fs', newer);
  assert.equal(r.version, '1.48.0');
  assert.match(r.warning ?? '', /^e2fsprogs 1\.48\.0 \(mke2fs at \S+\) is newer than the newest tested \(1\.47\.x\)/);
});

test('btrfs-progs 6.2 and 6.14 are accepted, 6.15 warns', async () => {
  for (const [v, warns] of [['6.2', false], ['6.14', false], ['6.15', true]] as const) {
    const p = await fakeTools(`btrfs${v}`, { 'mkfs.btrfs': { text: `mkfs.btrfs, part of btrfs-progs v${v}\n-EXPERIMENTAL -INJECT -STATIC +LZO +ZSTD` } });
    const r = await probeTool('mkfs.btrfs', p);
    assert.equal(r.version, v);
    assert.equal(r.warning !== undefined, warns, `${v}: ${r.warning}`);
  }
});

test('a version that cannot be parsed: one error naming the tool and what it printed', async () => {
  const PATH = await fakeTools('garbage', { mke2fs: { text: 'mke2fs: something else entirely' }, 'mkfs.btrfs': { text: 'btrfs-progs vNEXT' } });
  await assert.rejects(probeTool('mke2fs', PATH), /cannot parse the version of mke2fs \(\S+\/garbage\/mke2fs -V\) from what it printed: "mke2fs: something else entirely"/);
  await assert.rejects(probeTool('mkfs.btrfs', PATH), /cannot parse the version of mkfs\.btrfs \(\S+ --version\) from what it printed: "btrfs-progs vNEXT"/);
});

test('a tool that is not on PATH is a ToolMissingError; the probe of several reports the first by name', async () => {
  await assert.rejects(probeTool('imgsmith-no-such-tool', '/nonexistent'), (err: unknown) => err instanceof ToolMissingError && /imgsmith-no-such-tool is not installed \(not found on PATH\)/.test(err.message));
  const PATH = await fakeTools('mixed', { mke2fs: { text: 'mke2fs 1.47.0 (5-Feb-2023)' }, 'mkfs.btrfs': { text: 'mkfs.btrfs, part of btrfs-progs v5.16.2' } });
  await assert.rejects(probeToolchain(['mke2fs', 'mkfs.btrfs'], PATH), /btrfs-progs 5\.16\.2 is not supported/);
  const ok = await probeToolchain(['mke2fs'], PATH);
  assert.deepEqual(Object.keys(ok.versions), ['mke2fs', 'node']);
  assert.equal(ok.versions.node, process.versions.node);
});

test('Node.js: below 20 refused, 20/22/24 accepted, others warn', () => {
  assert.throws(() => checkNode('18.20.4', '/usr/bin/node'), /Node\.js 18\.20\.4 is not supported \(node at \/usr\/bin\/node\): imgsmith needs Node\.js 20 or later/);
  for (const v of ['20.15.0', '22.23.5', '24.22.3']) assert.equal(checkNode(v, '/x/node'), undefined);
  assert.match(checkNode('26.0.0', '/x/node') ?? '', /newer than the newest tested/);
  assert.match(checkNode('23.1.0', '/x/node') ?? '', /not a tested release line/);
  assert.throws(() => checkNode('nightly', '/x/node'), /cannot parse the version of Node\.js/);
});

test('imgsmith build with btrfs-progs 5.10 on PATH: exit 1, one error line, nothing written', async () => {
  const PATH = await fakeTools('cli510', { 'mkfs.btrfs': { text: 'mkfs.btrfs, part of btrfs-progs v5.10.1 ' } });
  const spec = path.join(dir, 'spec.json');
  await fsp.writeFile(
    spec,
    JSON.stringify({
      name: 't',
      system: 'aarch64-linux',
      table: { type: 'dos' },
      partitions: [{ name: 'root', type: 'linux', size: '64MiB', filesystem: { type: 'btrfs', label: 'x' }, contents: [{ text: 'hi\n', target: '/etc/x', mode: '0644' }] }],
      output: { name: 't' },
    }),
  );
  const out = path.join(dir, 'out');
  const r = await runCli(['build', spec, '-o', out], { env: { PATH } });
  assert.equal(r.exitCode, 1, r.stderr);
  assert.match(r.stderr, /^imgsmith: error: btrfs-progs 5\.10\.1 is not supported \(mkfs\.btrfs at \S+\/cli510\/mkfs\.btrfs\): imgsmith needs btrfs-progs 6\.2 or later/m);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.equal(await fsp.stat(out).then(() => true, () => false), false, 'the output directory was not even created');

  // The same spec with a garbage version: the same kind of error.
  const G = await fakeTools('cligarbage', { 'mkfs.btrfs': { text: 'hello' } });
  const g = await runCli(['build', spec, '-o', out, '--json'], { env: { PATH: G } });
  assert.equal(g.exitCode, 1, g.stderr);
  assert.match(g.stdout + g.stderr, /cannot parse the version of mkfs\.btrfs/);
});
