/**
 * The CLI's single-file bundle (lib/cli.bundle.js, scripts/bundle-cli.ts, written by `npm run
 * build`): bin/imgsmith.js loads it when present, else lib/cli.js, with the same results; it is
 * what a checkout with a fresh lib/ runs, and it is built from the current src/; Node 22.1+
 * keeps its code cache under the user's cache directory, never in the package.
 *
 * Which modules a run loads is read from a module `load` hook (node:module register, through
 * NODE_OPTIONS=--import, so both processes have it) that appends every URL to a log file.
 * The package is copied as npm installs it (bin/, lib/, package.json; no src/, so lib/ is always
 * the one) to remove the bundle without touching the checkout's lib/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fsp, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { REPO, listFiles } from './helpers/cli.ts';
import { makeTmpDir, removeTree } from './helpers/closure-fixture.ts';
import { findNode } from './helpers/node-toolchains.ts';
import { bundleCli } from '../scripts/bundle-cli.ts';

let tmp: string;
let pkg: string; // the installed-like copy
let image: string;
const HELLO = 'hello from the bundle test\n';

before(async () => {
  tmp = await makeTmpDir('cli-bundle-');
  pkg = path.join(tmp, 'pkg');
  await fsp.mkdir(pkg);
  for (const d of ['bin', 'lib']) await fsp.cp(path.join(REPO, d), path.join(pkg, d), { recursive: true });
  await fsp.copyFile(path.join(REPO, 'package.json'), path.join(pkg, 'package.json'));
  for (const d of ['node_modules', 'build']) await fsp.symlink(path.join(REPO, d), path.join(pkg, d));
  await fsp.writeFile(path.join(tmp, 'hooks.mjs'), [
    "import { appendFileSync } from 'node:fs';",
    'export async function load(url, context, next) { appendFileSync(process.env.LOAD_LOG, `${url}\\n`); return next(url, context); }',
  ].join('\n'));
  await fsp.writeFile(path.join(tmp, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(tmp, 'hooks.mjs')).href)});\n`);
  // A DOS image with one FAT32 partition holding hello.txt, made with sfdisk, mkfs.fat and mcopy.
  image = path.join(tmp, 'small.img');
  await fsp.writeFile(path.join(tmp, 'hello.txt'), HELLO);
  await execa('truncate', ['-s', '40M', image]);
  await execa('sfdisk', ['-q', image], { input: 'label: dos\nstart=2048, size=70000, type=c\n' });
  await execa('mkfs.fat', ['-F', '32', '--offset', '2048', image, '35000']);
  await execa('mcopy', ['-i', `${image}@@1M`, path.join(tmp, 'hello.txt'), '::/hello.txt']);
});

after(async () => {
  if (tmp) await removeTree(tmp);
});

interface Run { exitCode: number; stdout: string; stderr: string; loaded: string[] }

/** Runs `bin/imgsmith.js` of `root` (with `node`); with `logLoads`, logging the modules every process loads. */
async function run(root: string, args: string[], env: Record<string, string> = {}, { node = process.execPath, logLoads = false } = {}): Promise<Run> {
  const log = path.join(tmp, `loads-${process.hrtime.bigint()}.log`);
  const hook = logLoads ? { NODE_OPTIONS: `--import=${pathToFileURL(path.join(tmp, 'register.mjs')).href}`, LOAD_LOG: log } : {};
  const r = await execa(node, [path.join(root, 'bin/imgsmith.js'), ...args], {
    cwd: tmp,
    env: { ...hook, ...env },
    reject: false,
    timeout: 120_000,
  });
  const loaded = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), loaded };
}

/** The files under `root`'s lib/ and src/ that a run loaded, relative to root. */
const ours = (r: Run, root: string) =>
  r.loaded.filter((u) => u.startsWith('file:')).map((u) => path.relative(root, new URL(u).pathname)).filter((p) => /^(lib|src)\//.test(p));

/** What the commands print, and their exit codes. */
const COMMANDS: { args: string[]; env?: Record<string, string> }[] = [
  { args: ['--version'] },
  { args: ['--help'] },
  { args: ['ls', '--help'] },
  { args: ['inspect', 'IMG'] },
  { args: ['ls', 'IMG:1', '/'] },
  { args: ['cat', 'IMG:1', '/hello.txt'] },
  { args: ['cat', 'nosuch.img:1', '/x'] },
  { args: ['ls', '--json', 'IMG:1', '/nosuch'] },
  // yargs' own messages, translated from the locale files of the installed yargs.
  { args: ['ls'], env: { LC_ALL: 'fr_FR.UTF-8' } },
];

async function runAll(root: string): Promise<Run[]> {
  const out: Run[] = [];
  for (const [i, c] of COMMANDS.entries()) out.push(await run(root, c.args.map((a) => a.replace('IMG', image)), c.env, { logLoads: i === 0 }));
  return out;
}

test('bin/imgsmith.js runs lib/cli.bundle.js when present, else lib/cli.js, with the same output and exit codes', async () => {
  const bundled = await runAll(pkg);
  assert.deepEqual(ours(bundled[0]!, pkg), ['lib/cli.bundle.js']);
  await fsp.rename(path.join(pkg, 'lib/cli.bundle.js'), path.join(tmp, 'cli.bundle.js'));
  try {
    const plain = await runAll(pkg);
    const loaded = ours(plain[0]!, pkg);
    assert.ok(loaded.includes('lib/cli.js') && !loaded.includes('lib/cli.bundle.js'), loaded.join(' '));
    for (const [i, r] of plain.entries()) {
      const { loaded: _a, ...want } = r;
      const { loaded: _b, ...got } = bundled[i]!;
      assert.deepEqual(got, want, `imgsmith ${COMMANDS[i]!.args.join(' ')}`);
    }
  } finally {
    await fsp.rename(path.join(tmp, 'cli.bundle.js'), path.join(pkg, 'lib/cli.bundle.js'));
  }
  // The runs did something: the file, the listing, the exit codes, and yargs in French.
  const [version, , , inspect, ls, cat, missing, json, french] = bundled;
  assert.equal(version!.stdout, JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version);
  assert.match(inspect!.stdout, /FAT32/);
  assert.equal(ls!.stdout, 'hello.txt');
  assert.equal(cat!.stdout, HELLO.trimEnd());
  assert.equal(missing!.exitCode, 2);
  assert.match(missing!.stderr, /^imgsmith: error: nosuch\.img: /);
  assert.equal(json!.exitCode, 2);
  assert.deepEqual(JSON.parse(json!.stdout.split('\n').at(-1)!), { version: 1, event: 'error', exitCode: 2, message: `${image}:1: no such file or directory: /nosuch` });
  assert.equal(french!.exitCode, 2);
  assert.match(french!.stderr, /^imgsmith: error: Pas assez d'arguments/);
});

/** lib/ was compiled after every file in src/ last changed (bin/imgsmith.js's compiledIsFresh). */
function libIsFresh(): boolean {
  const stamp = path.join(REPO, 'lib/.stamp');
  if (!existsSync(stamp)) return false;
  const newest = (d: string): number =>
    Math.max(statSync(d).mtimeMs, ...readdirSync(d, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(d, e.name)) : statSync(path.join(d, e.name)).mtimeMs)));
  return newest(path.join(REPO, 'src')) <= statSync(stamp).mtimeMs;
}

test('the checkout runs lib/cli.bundle.js, built from the current src/ (else, with src/ newer than lib/, src/ through tsx)', async () => {
  const fresh = libIsFresh();
  const r = await run(REPO, ['--version'], {}, { logLoads: true });
  assert.equal(r.exitCode, 0, r.stderr);
  if (!fresh) {
    assert.ok(ours(r, REPO).includes('src/cli.ts') && !ours(r, REPO).includes('lib/cli.bundle.js'), ours(r, REPO).join(' '));
    return;
  }
  assert.deepEqual(ours(r, REPO), ['lib/cli.bundle.js']);
  const rebuilt = path.join(tmp, 'fresh/cli.bundle.js');
  await bundleCli(rebuilt);
  assert.ok(readFileSync(rebuilt).equals(readFileSync(path.join(REPO, 'lib/cli.bundle.js'))), 'lib/cli.bundle.js is stale: run npm run build');
});

test("Node 22.1+: V8's code cache goes under $XDG_CACHE_HOME/imgsmith/compile-cache, never into the package; an unusable cache directory changes nothing", async (t) => {
  // Node 20 has no module.enableCompileCache: nothing is written.
  if (process.version.startsWith('v20.')) {
    const xdg20 = path.join(tmp, 'xdg20');
    assert.equal((await run(pkg, ['--version'], { XDG_CACHE_HOME: xdg20 })).exitCode, 0);
    assert.equal(existsSync(xdg20), false);
  }
  const found = findNode(22);
  if (!found.node) return void t.skip(found.reason);
  const node = found.node.path;
  const before = await listFiles(pkg);
  const xdg = path.join(tmp, 'xdg');
  const runs = [];
  for (const dir of [xdg, xdg, path.join(image, 'not-a-dir')]) runs.push(await run(pkg, ['ls', `${image}:1`, '/'], { XDG_CACHE_HOME: dir }, { node }));
  for (const r of runs) assert.deepEqual([r.exitCode, r.stdout, r.stderr], [0, 'hello.txt', '']);
  const cached = (await listFiles(path.join(xdg, 'imgsmith/compile-cache'))).filter((f) => f.startsWith(`${found.node.version}-`));
  assert.ok(cached.length > 0, `no code cache for ${found.node.version} in ${xdg}`);
  assert.deepEqual(await listFiles(pkg), before);
});
