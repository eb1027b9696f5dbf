/**
 * The tool runner (src/tools/run.ts), the tool table (src/tools/table.ts) and the settings
 * table (src/settings.ts): the environment every tool gets (read back with the real `env`),
 * a missing tool (a PATH without it, also through the CLI), a tool killed by a signal, the
 * stderr tail of a failure; setup.sh and nix/package.nix against the table; every IMGSMITH_
 * variable declared, none read around the settings module, the README's table generated.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InterruptedError, ToolFailedError, ToolMissingError } from '../src/errors.ts';
import { findTool, runTool, spawnTool, toolEnv } from '../src/tools/run.ts';
import { TOOLS, toolsFor } from '../src/tools/table.ts';
import { setting, SETTINGS, settingsMarkdown } from '../src/settings.ts';
import { REQUIRED_TOOLS } from '../action/tools.ts';
import { withSettingsTable } from '../scripts/settings-docs.ts';
import { listFiles, REPO, runCli } from './helpers/cli.ts';

const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-tools-'));
after(() => fsp.rm(tmp, { recursive: true, force: true }));

/** Sets variables in this process for the duration of `fn`. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(old)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const parseEnv = (text: string) => new Map(text.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

const LEAKY = {
  MKE2FS_CONFIG: '/nonexistent/mke2fs.conf',
  E2FSPROGS_FAKE_TIME: '12345',
  BTRFS_PROGS_DEBUG: '1',
  MTOOLSRC: '/nonexistent/mtoolsrc',
  ZSTD_CLEVEL: '19',
  FAKETIME: '+1d',
  LC_ALL: 'tr_TR.UTF-8',
  LANG: 'tr_TR.UTF-8',
  LC_CTYPE: 'tr_TR.UTF-8',
  TZ: 'Pacific/Kiritimati',
  IMGSMITH_SHIM_IMAGE: '/nonexistent/image',
  IMGSMITH_SHIM_CACHE: '0',
  IMGSMITH_TEST_PASSES: 'no',
};

test("environment policy: the user's tool and locale variables do not reach a tool; LC_ALL=C, TZ=UTC, the call's own additions do", async () => {
  const r = await withEnv(LEAKY, () => runTool('env', [], { env: { MKE2FS_CONFIG: '/etc/mine.conf', LD_PRELOAD: '/x.so' } }));
  const env = parseEnv(String(r.stdout));
  for (const k of ['E2FSPROGS_FAKE_TIME', 'BTRFS_PROGS_DEBUG', 'MTOOLSRC', 'ZSTD_CLEVEL', 'FAKETIME', 'LANG', 'LC_CTYPE', 'IMGSMITH_SHIM_IMAGE', 'IMGSMITH_TEST_PASSES']) {
    assert.equal(env.get(k), undefined, `${k} leaked into the tool's environment`);
  }
  assert.equal(env.get('LC_ALL'), 'C');
  assert.equal(env.get('TZ'), 'UTC');
  assert.equal(env.get('MKE2FS_CONFIG'), '/etc/mine.conf', 'the call sets its own MKE2FS_CONFIG');
  assert.equal(env.get('LD_PRELOAD'), '/x.so');
  assert.equal(env.get('IMGSMITH_SHIM_CACHE'), '0', 'a shim knob declared toTools passes');
  assert.equal(env.get('PATH'), process.env.PATH);
});

test('environment policy: the spawn variant too, and a real e2fsprogs tool ignores the parent MKE2FS_CONFIG', async () => {
  const child = await withEnv(LEAKY, async () => spawnTool('env', [], { stdio: ['ignore', 'pipe', 'inherit'] }));
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  await new Promise((resolve) => child.on('close', resolve));
  const env = parseEnv(out);
  assert.equal(env.get('MKE2FS_CONFIG'), undefined);
  assert.equal(env.get('LC_ALL'), 'C');
  // mke2fs with a config file that does not exist says so; under the runner it never sees it.
  const img = path.join(tmp, 'e.img');
  await fsp.writeFile(img, Buffer.alloc(0));
  await fsp.truncate(img, 8 << 20);
  const mk = await withEnv({ MKE2FS_CONFIG: path.join(tmp, 'no-such.conf'), E2FSPROGS_FAKE_TIME: '1' }, () => runTool('mke2fs', ['-F', '-q', '-t', 'ext4', img], { all: true }));
  assert.doesNotMatch(String(mk.all), /no-such\.conf|Couldn't init profile/);
  const dump = await runTool('dumpe2fs', ['-h', img], { all: true });
  assert.doesNotMatch(String(dump.all), /Filesystem created:\s+Thu Jan  1 00:00:01 1970/, 'E2FSPROGS_FAKE_TIME did not reach mke2fs');
  assert.match(String(dump.all), /Filesystem created:/);
});

test('a missing tool: one ToolMissingError naming the tool, its Debian package and its Nix attribute', async () => {
  const empty = path.join(tmp, 'empty-bin');
  await fsp.mkdir(empty, { recursive: true });
  await assert.rejects(runTool('mkfs.btrfs', ['--version'], { env: { PATH: empty } }), (err: unknown) => {
    assert.ok(err instanceof ToolMissingError, String(err));
    assert.equal(err.tool, 'mkfs.btrfs');
    assert.match(err.message, /^mkfs\.btrfs is not installed \(not found on PATH\): install the Debian package btrfs-progs \(Nix: btrfs-progs\)$/);
    return true;
  });
  await assert.rejects(runTool('sgdisk', ['-V'], { env: { PATH: empty }, what: 'partition 2', check: false }), (err: unknown) => err instanceof ToolMissingError && /^partition 2: sgdisk is not installed .*Debian package gdisk \(Nix: gptfdisk\)$/.test(err.message));
  assert.equal(findTool('mkfs.btrfs', empty), undefined);
  assert.ok(findTool('sh'));
});

test('a tool killed by SIGTERM is an interruption; by SIGKILL a failure saying so, with the stderr tail', async () => {
  await assert.rejects(runTool('sh', ['-c', 'echo stopping >&2; kill -TERM $$']), (err: unknown) => err instanceof InterruptedError && err.signal === 'SIGTERM');
  await assert.rejects(runTool('sh', ['-c', 'echo "out of luck" >&2; kill -KILL $$'], { what: 'partition 1' }), (err: unknown) => {
    assert.ok(err instanceof ToolFailedError, String(err));
    assert.equal(err.message, 'partition 1: sh was killed by SIGKILL: out of luck');
    return true;
  });
  // check: false returns such a result, but an interruption still throws.
  const r = await runTool('sh', ['-c', 'kill -KILL $$'], { check: false });
  assert.equal(r.signal, 'SIGKILL');
  await assert.rejects(runTool('sh', ['-c', 'kill -INT $$'], { check: false }), InterruptedError);
});

test("a failure carries the tail of the tool's stderr (its last 8 lines), okCodes are not failures", async () => {
  const script = 'for i in $(seq 1 20); do echo "line $i" >&2; done; exit 3';
  await assert.rejects(runTool('sh', ['-c', script]), (err: unknown) => {
    assert.ok(err instanceof ToolFailedError);
    assert.match(err.message, /^sh failed \(exit 3\): line 13\nline 14\n.*\nline 20$/s);
    assert.doesNotMatch(err.message, /line 12\b/);
    return true;
  });
  assert.equal((await runTool('sh', ['-c', 'exit 3'], { okCodes: [3] })).exitCode, 3);
  // stdin is closed unless the call says otherwise, also with an stdio array (an extra fd: the shim's write log).
  const fd3 = await runTool('sh', ['-c', 'cat; echo log >&3'], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  assert.equal(String(fd3.stdio[3]).trim(), 'log');
  assert.equal(String((await runTool('cat', [])).stdout), '');
  assert.equal(String((await runTool('cat', [], { input: 'fed' })).stdout), 'fed');
});

test('through the CLI: a btrfs build with a PATH lacking mkfs.btrfs is one error naming btrfs-progs, nothing written', async () => {
  const bin = path.join(tmp, 'path-no-btrfs');
  await fsp.mkdir(bin);
  const seen = new Set<string>();
  for (const d of (process.env.PATH ?? '').split(':')) {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (seen.has(n) || n === 'mkfs.btrfs') continue;
      seen.add(n);
      await fsp.symlink(path.join(d, n), path.join(bin, n));
    }
  }
  const spec = path.join(tmp, 'btrfs.json');
  await fsp.writeFile(spec, JSON.stringify({
    name: 'nobtrfs',
    table: { type: 'dos', labelId: '0x2178694e' },
    partitions: [{ name: 'root', type: 'linux', size: 'auto', filesystem: { type: 'btrfs', label: 'root' }, contents: [{ text: 'x\n', target: '/x' }] }],
    output: { compress: 'none', bmap: false },
  }));
  const out = path.join(tmp, 'out-nobtrfs');
  const r = await runCli(['build', spec, '-o', out], { env: { PATH: bin } });
  assert.equal(r.exitCode, 1, r.stderr);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^imgsmith: error: mkfs\.btrfs is not installed \(not found on PATH\): install the Debian package btrfs-progs \(Nix: btrfs-progs\)/);
  assert.deepEqual(await listFiles(out).catch(() => []), []);
});

/** scripts/setup.sh's PACKAGES. */
/** A package list of scripts/setup.sh: PACKAGES (what building needs), BOOT_TEST_PACKAGES, BENCH_PACKAGES, TESTS_PACKAGES. */
function setupPackages(group = 'PACKAGES'): string[] {
  const m = new RegExp(`^${group}="([^"]*)"`, 'm').exec(readFileSync(path.join(REPO, 'scripts/setup.sh'), 'utf8'));
  assert.ok(m, `scripts/setup.sh has ${group}="..."`);
  return m[1]!.split(/\s+/).filter(Boolean);
}

test("tool table: every build tool's Debian package is installed by scripts/setup.sh and its Nix package is on nix/package.nix's PATH", () => {
  const packages = setupPackages();
  const nix = readFileSync(path.join(REPO, 'nix/package.nix'), 'utf8');
  const runtime = /^\s*runtimeTools\s*=\s*\[([^\]]*)\];/m.exec(nix)?.[1]?.trim().split(/\s+/) ?? [];
  assert.ok(runtime.length > 3, 'package.nix has runtimeTools');
  const build = toolsFor('build');
  for (const t of ['mke2fs', 'debugfs', 'mkfs.btrfs', 'zstd', 'fallocate']) assert.ok(build.includes(t), `the table says build runs ${t}`);
  for (const t of build) {
    const info = TOOLS[t]!;
    if (!info.base) assert.ok(packages.includes(info.debian), `${t}: Debian package ${info.debian} is not in scripts/setup.sh's PACKAGES`);
    assert.ok(info.nix && runtime.includes(info.nix), `${t}: Nix package ${info.nix} is not in nix/package.nix's runtimeTools (${runtime.join(' ')})`);
  }
  for (const need of ['inspect', 'verify', 'flash'] as const) {
    for (const t of toolsFor(need)) assert.ok(runtime.includes(TOOLS[t]!.nix!), `${t} (${need}): ${TOOLS[t]!.nix} not on nix/package.nix's PATH`);
  }
  // What only the boot test, the bench or the tests need: in the group setup.sh installs for them.
  const groups = { 'boot-test': ['BOOT_TEST_PACKAGES'], bench: ['BENCH_PACKAGES'], tests: ['TESTS_PACKAGES', 'BOOT_TEST_PACKAGES'] } as const;
  for (const [need, names] of Object.entries(groups)) {
    const lists = [...packages, ...names.flatMap((g) => setupPackages(g))];
    for (const t of toolsFor(need as keyof typeof groups)) {
      if (t === 'nix-store') continue; // scripts/test-tools.sh installs nix-bin
      assert.ok(lists.includes(TOOLS[t]!.debian) || TOOLS[t]!.base, `${t} (${need}): ${TOOLS[t]!.debian} is not in scripts/setup.sh's ${names.join(' or ')}`);
    }
  }
});

test("the GitHub Action's tool -> package map is the table's build tools (no second map)", () => {
  const expected = toolsFor('build').filter((t) => !TOOLS[t]!.base);
  assert.deepEqual(REQUIRED_TOOLS.map(([c]) => c).sort(), expected);
  for (const [c, pkg] of REQUIRED_TOOLS) assert.equal(pkg, TOOLS[c]!.debian);
  assert.deepEqual(Object.keys(toolEnv()).filter((k) => k.startsWith('IMGSMITH_') && !setting(k)?.toTools), []);
});

/** Files under `dirs` (relative to the repo) ending in one of `exts`. */
function sources(dirs: string[], exts: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(path.join(REPO, d), { withFileTypes: true })) {
      const rel = path.join(d, e.name);
      if (e.isDirectory()) walk(rel);
      else if (exts.some((x) => e.name.endsWith(x))) out.push(rel);
    }
  };
  for (const d of dirs) walk(d);
  return out;
}
const read = (rel: string) => readFileSync(path.join(REPO, rel), 'utf8');

test('no plain `throw new Error(` in src/, no `new ToolFailedError(` outside src/errors.ts', () => {
  const files = sources(['src'], ['.ts']);
  assert.ok(files.length > 50);
  for (const f of files) {
    assert.doesNotMatch(read(f), /throw new Error\(/, `${f} throws a plain Error: use a class from src/errors.ts (internalError() for invariants)`);
    if (f !== 'src/errors.ts') assert.doesNotMatch(read(f), /new ToolFailedError\(/, `${f}: use the runner's failure path (toolFailure/toolFailed)`);
  }
});

test('every subprocess of src/ and action/ goes through src/tools/run.ts', () => {
  for (const f of [...sources(['src', 'action'], ['.ts'])]) {
    if (f === 'src/tools/run.ts') continue;
    const text = read(f);
    assert.doesNotMatch(text, /^import (?!type )[^;]*from '(execa|node:child_process|child_process)';/m, `${f} imports a process API: use src/tools/run.ts`);
    assert.doesNotMatch(text, /\b(execa|execaSync|execFile|execFileSync|execSync|spawnSync)\(/, `${f} starts a process itself`);
  }
  // One presence check (findTool): no other executable test in src/ or action/.
  for (const f of sources(['src', 'action'], ['.ts'])) if (f !== 'src/tools/run.ts') assert.doesNotMatch(read(f), /\bX_OK\b/, `${f} checks for a tool itself: use findTool`);
  // bin/imgsmith.js re-executes node and cleans up before TypeScript loads: it says so.
  assert.match(read('bin/imgsmith.js'), /only ones not run through src\/tools\/run\.ts/);
});

/** IMGSMITH_ names in a text (not a prefix followed by a template: IMGSMITH_NODE_${major}). */
const names = (text: string) => [...text.matchAll(/\bIMGSMITH_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_]*(\$\{|<))/g)].map((m) => m[0]);

test('settings: every IMGSMITH_ variable in src/, bin/, action/, native/, nix/, scripts/, test/ and bench/ is declared, none is dead', () => {
  const declared = new Set<string>(SETTINGS.map((s) => s.name));
  const used = new Set<string>();
  const files = sources(['src', 'bin', 'action', 'native', 'nix', 'scripts', 'test', 'bench'], ['.ts', '.js', '.c', '.sh', '.nix']);
  for (const f of files) {
    if (f === 'src/settings.ts' || f === 'test/tools.test.ts') continue;
    for (const n of names(read(f))) {
      assert.ok(declared.has(n), `${f} names ${n}, which src/settings.ts does not declare`);
      used.add(n);
    }
  }
  // The README's prose (not its generated table) documents the test-only ones too.
  const readme = read('README.md');
  for (const n of names(readme.replace(/<!-- settings:begin[\s\S]*?<!-- settings:end -->/, ''))) used.add(n);
  for (const n of declared) assert.ok(used.has(n), `${n} is declared in src/settings.ts but nothing reads or sets it`);
  assert.ok(!declared.has('IMGSMITH_SHIM_WRITELOG_FILE'));
  for (const n of names(read('bin/imgsmith.js'))) assert.ok(declared.has(n), `bin/imgsmith.js: ${n}`);
  for (const s of SETTINGS) if (s.audience === 'user') assert.ok(s.doc.length > 10, `${s.name} is documented`);
});

test('settings: src/ and action/ read IMGSMITH_ variables only through src/settings.ts', () => {
  for (const f of sources(['src', 'action'], ['.ts'])) {
    if (f === 'src/settings.ts') continue;
    assert.doesNotMatch(read(f), /process\.env(\.IMGSMITH_|\[\s*['"`]IMGSMITH_)/, `${f} reads process.env.IMGSMITH_* itself`);
  }
});

test("the README's environment variables table is the one src/settings.ts generates", () => {
  const readme = read('README.md');
  assert.equal(readme, withSettingsTable(readme), 'README.md is stale: run npm run docs:settings');
  for (const s of SETTINGS) assert.ok(readme.includes(`| \`${s.name}\` |`), `${s.name} in the README`);
  assert.ok(settingsMarkdown().split('\n').length === SETTINGS.length + 2);
});
