/**
 * The external tools imgsmith's commands run, and nix/package.nix's PATH. The lists come
 * from the code: the filesystem drivers' and outputs' tools(), and the tool list exported
 * next to each command (BUILD_TOOLS, INSPECT_TOOLS, VERIFY_TOOLS, FLASH_TOOLS,
 * BOOT_TEST_TOOLS). One table maps each tool to the nixpkgs package that has it; the
 * package.nix text (no evaluation) must put the package of every runtime tool in
 * runtimeTools, which its wrapper adds to imgsmith's PATH. A scan of the sources catches a
 * tool run without being listed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './helpers/cli.ts';
import { drivers } from '../src/fs/index.ts';
import { outputs } from '../src/outputs/index.ts';
import { BUILD_TOOLS } from '../src/build.ts';
import { INSPECT_TOOLS } from '../src/inspect/commands.ts';
import { VERIFY_TOOLS } from '../src/inspect/verify.ts';
import { FLASH_TOOLS } from '../src/flash/command.ts';
import { BOOT_TEST_TOOLS } from '../src/boottest.ts';
import { REQUIRED_TOOLS } from '../action/tools.ts';
import { TOOLS } from '../src/tools/table.ts';

/** tool -> the nixpkgs attribute that provides it: src/tools/table.ts. */
const NIXPKGS: Record<string, string> = Object.fromEntries(Object.entries(TOOLS).flatMap(([t, info]) => (info.nix ? [[t, info.nix]] : [])));

/** Tools deliberately not on package.nix's PATH, and why. */
const OPTIONAL: Record<string, string> = {
  ...Object.fromEntries(
    BOOT_TEST_TOOLS.filter((t) => !['sfdisk', 'blkid', 'debugfs'].includes(t)).map((t) => [t, 'boot-test only: QEMU and mtools (and the U-Boot/OVMF firmware) are the user\'s to install']),
  ),
  fakeroot: 'used by mkfs.btrfs only without the mkfs shim, when present',
  faketime: 'used by mkfs.btrfs only without the mkfs shim, when present',
  sleep: 'IMGSMITH_TEST_HOOK only (and coreutils is on the PATH anyway)',
};

const fsTools = Object.values(drivers).flatMap((d) => (d.tools as (s: never) => string[])({} as never));
// Every output at its most demanding: each one's settings say compress, bmap, a tarball.
const everything = { compress: true, bmap: true, keepRaw: true, tar: { type: 'nix-binary-tarball' } };
const maximalPlan = { settings: new Proxy({}, { has: () => true, get: () => everything }) };
const outputTools = outputs.flatMap((o) => o.tools?.(maximalPlan as never) ?? []);
const COMMANDS: Record<string, readonly string[]> = {
  build: [...fsTools, ...outputTools, ...BUILD_TOOLS],
  'inspect, ls, cat, extract, diff': INSPECT_TOOLS,
  verify: VERIFY_TOOLS,
  flash: FLASH_TOOLS,
  'boot-test': BOOT_TEST_TOOLS,
};
const ALL = new Set(Object.values(COMMANDS).flat());

/** nix/package.nix's runtimeTools list and the function's arguments. */
function packageNix(): { runtime: string[]; args: string[]; text: string } {
  const text = readFileSync(path.join(REPO, 'nix/package.nix'), 'utf8');
  const list = /^\s*runtimeTools\s*=\s*\[([^\]]*)\];/m.exec(text);
  assert.ok(list, 'nix/package.nix has runtimeTools = [ ... ];');
  const head = /^\{([\s\S]*?)\}:/m.exec(text.replace(/#.*$/gm, ''));
  assert.ok(head, "nix/package.nix's argument set");
  return {
    runtime: list[1]!.replace(/#.*$/gm, '').trim().split(/\s+/).filter(Boolean),
    args: head[1]!.split(',').map((a) => a.replace(/\?.*$/s, '').trim()).filter(Boolean),
    text,
  };
}

test('every tool a command runs has a nixpkgs package in the table, and the table has no others', () => {
  for (const [cmd, tools] of Object.entries(COMMANDS)) {
    assert.ok(tools.length > 0 || cmd === 'none', `${cmd} lists its tools`);
    for (const t of tools) assert.ok(NIXPKGS[t], `${t} (run by ${cmd}) has no nixpkgs package in test/runtime-tools.test.ts's table`);
  }
  // The table also has tools only the tests, the benchmark, the Action or probes use.
  for (const t of Object.keys(NIXPKGS)) {
    const other = TOOLS[t]!.needs.every((n) => ['tests', 'bench', 'action', 'build-if-present'].includes(n));
    assert.ok(ALL.has(t) || t in OPTIONAL || other, `${t} is in the table but no command lists it`);
  }
  for (const t of ['mke2fs', 'debugfs', 'mkfs.btrfs', 'zstd']) assert.ok(COMMANDS.build!.includes(t), `build runs ${t}`);
});

test("nix/package.nix puts every runtime tool's package on imgsmith's PATH", () => {
  const { runtime, args, text } = packageNix();
  for (const [cmd, tools] of Object.entries(COMMANDS)) {
    for (const t of tools) {
      if (t in OPTIONAL) continue;
      const pkg = NIXPKGS[t]!;
      assert.ok(runtime.includes(pkg), `${t} (run by ${cmd}): ${pkg} is not in nix/package.nix's runtimeTools (${runtime.join(' ')})`);
    }
  }
  for (const p of runtime) assert.ok(args.includes(p), `${p} is an argument of nix/package.nix (callPackage passes it)`);
  assert.match(text, /wrapProgram \$out\/bin\/imgsmith --prefix PATH : \$\{lib\.makeBinPath runtimeTools\}/);
  // Optional tools stay off the PATH (a large closure: QEMU) unless a command needs them.
  for (const t of Object.keys(OPTIONAL)) {
    const needed = [...ALL].some((u) => !(u in OPTIONAL) && NIXPKGS[u] === NIXPKGS[t]);
    if (!needed) assert.ok(!runtime.includes(NIXPKGS[t]!), `${NIXPKGS[t]} (only for ${t}: ${OPTIONAL[t]}) is not on the PATH`);
  }
});

test("the GitHub Action checks (and installs) every tool build runs, but coreutils' and findutils'", () => {
  const action = new Set(REQUIRED_TOOLS.map(([c]) => c));
  for (const t of COMMANDS.build!) {
    if (['coreutils', 'findutils'].includes(NIXPKGS[t]!)) continue; // on every runner
    assert.ok(action.has(t), `build runs ${t}, which action/tools.ts's REQUIRED_TOOLS does not name`);
  }
});

test('nix/ and flake.nix use a Node nixpkgs keeps (22 or later) and package.json engines covers it', () => {
  const nixFiles = ['flake.nix', ...readdirSync(path.join(REPO, 'nix'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.nix')).map((f) => path.join('nix', f))];
  for (const f of nixFiles) {
    assert.doesNotMatch(readFileSync(path.join(REPO, f), 'utf8'), /\bnodejs(_|-)(1\d|20)\b/, `${f} names a Node older than 22`);
  }
  const { args, text } = packageNix();
  const m = /^\s*nodejs = nodejs_(\d+);/m.exec(text);
  assert.ok(m, 'package.nix sets nodejs = nodejs_<major>');
  const major = Number(m[1]);
  assert.ok(major >= 22, `nodejs_${major}`);
  assert.ok(args.includes(`nodejs_${major}`));
  const engines = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).engines.node as string;
  assert.match(engines, new RegExp(`\\^${major}\\.`), `package.json engines (${engines}) names Node ${major}`);
});

test('every tool the sources run by name is in some command list', () => {
  const files: string[] = [path.join(REPO, 'bin/imgsmith.js')];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) files.push(p);
    }
  };
  walk(path.join(REPO, 'src'));
  const found = new Map<string, string>();
  const calls = /\b(?:execa|execaSync|spawn|spawnSync|execFile|execFileSync|run|tool|toolMissing|toolVersion|runTool|startTool|spawnTool|runToolSync)\(\s*['"`]([A-Za-z0-9._+-]+)['"`]/g;
  const named = /['"`](qemu-system-[a-z0-9_]+|mkfs\.[a-z0-9]+|fsck\.[a-z0-9]+)['"`]/g;
  const exec = /'-exec', '([a-z0-9._-]+)'/g;
  for (const f of files) {
    if (f === path.join(REPO, 'src/tools/table.ts')) continue; // names tools and packages, runs none
    const text = readFileSync(f, 'utf8');
    for (const re of [calls, named, exec]) for (const m of text.matchAll(re)) found.set(m[1]!, path.relative(REPO, f));
  }
  assert.ok(found.size >= 10, `found ${[...found.keys()].join(' ')}`);
  const known = new Set([...ALL, ...Object.keys(OPTIONAL)]);
  // mkfs.ext4/mkfs.vfat/mkfs.fat/fsck.ext4 appear as version probes (manifest, src/toolchain.ts) for other tools' names.
  const probesOnly = new Set(['mkfs.ext4', 'mkfs.vfat', 'mkfs.fat', 'fsck.ext4']);
  for (const [t, where] of found) {
    if (probesOnly.has(t)) continue;
    assert.ok(known.has(t), `${where} runs ${t}, which no command's tool list names (add it to the list next to the command and to this table)`);
  }
});
