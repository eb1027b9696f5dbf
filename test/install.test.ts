/**
 * Installing imgsmith as a user does (README, "Installing"): `npm pack`, then `npm install -g`
 * of the tarball into a private prefix. The installed CLI runs from another directory on the
 * compiled lib/ (no tsx, esbuild or TypeScript among its dependencies) with the native addon
 * and the ext4 helper its install script built, and builds an image, checked with sfdisk,
 * debugfs and mtools. `npm ci` prints no warning. The README's package lists are
 * scripts/setup.sh's.
 *
 * The dependencies come from the npm cache when it has them (--prefer-offline); when the
 * registry cannot be reached the tarball is installed with them from the cache alone, through
 * a lock file made from package-lock.json (`npm ci --offline` into a project directory).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fsp, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { REPO } from './helpers/cli.ts';
import { extractPartition } from './helpers/partition.ts';
import { npmEnv } from './helpers/npm-env.ts';

const PKG = JSON.parse(await fsp.readFile(path.join(REPO, 'package.json'), 'utf8')) as {
  version: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};
const MiB = 1024 * 1024;
let tmp: string;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-install-'));
});
after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

async function npm(args: string[], cwd: string) {
  const r = await execa('npm', args, { cwd, env: npmEnv(), extendEnv: false, reject: false, all: true, timeout: 300_000 });
  return { exitCode: r.exitCode ?? -1, output: String(r.all) };
}

/** This npm has the install-scripts policy (allowScripts, --allow-scripts): it knows its allow-scripts-pin setting. */
const scriptPolicy = async () => (await npm(['config', 'get', 'allow-scripts-pin'], os.tmpdir())).output.trim() === 'true';

/** lib/ was compiled after every file in src/ last changed (as bin/imgsmith.js decides). */
function libIsFresh(): boolean {
  const stamp = path.join(REPO, 'lib', '.stamp');
  if (!existsSync(stamp)) return false;
  const newest = (dir: string): number =>
    Math.max(statSync(dir).mtimeMs, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs)));
  return newest(path.join(REPO, 'src')) <= statSync(stamp).mtimeMs;
}

/** `npm pack` into `dir`; `prepare` (tsc into lib/) is skipped only while lib/ is up to date. */
async function pack(dir: string): Promise<string> {
  assert.equal(PKG.scripts.prepare, 'npm run build', 'npm pack (and a git install) compiles lib/ through `prepare`');
  const r = await npm(['pack', '--pack-destination', dir, ...(libIsFresh() ? ['--ignore-scripts'] : [])], REPO);
  assert.equal(r.exitCode, 0, r.output);
  return path.join(dir, `imgsmith-${PKG.version}.tgz`);
}

const NETWORK = /ENOTCACHED|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH/;

/** `npm install -g` of the tarball into `prefix`, as the README says; from the cache alone when the registry is out of reach. */
async function installGlobal(tgz: string, prefix: string): Promise<{ bin: string; pkgDir: string; output: string }> {
  const allow = (await scriptPolicy()) ? [`--allow-scripts=${tgz}`] : []; // as the README says
  const r = await npm(['install', '-g', '--prefix', prefix, tgz, ...allow, '--prefer-offline', '--no-audit', '--no-fund'], path.dirname(tgz));
  if (r.exitCode === 0 || !NETWORK.test(r.output)) {
    assert.equal(r.exitCode, 0, r.output);
    return { bin: path.join(prefix, 'bin', 'imgsmith'), pkgDir: path.join(prefix, 'lib', 'node_modules', 'imgsmith'), output: r.output };
  }
  return installFromCache(tgz, path.join(prefix, 'project'));
}

/** The tarball and its runtime dependencies (package-lock.json's entries that are not dev), from the npm cache only. */
async function installFromCache(tgz: string, dir: string): Promise<{ bin: string; pkgDir: string; output: string }> {
  const lock = JSON.parse(await fsp.readFile(path.join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
  const spec = `file:${tgz}`;
  const packages: Record<string, unknown> = {
    '': { dependencies: { imgsmith: spec } },
    'node_modules/imgsmith': { ...lock.packages['']!, version: PKG.version, resolved: spec, devDependencies: undefined },
  };
  for (const [p, e] of Object.entries(lock.packages)) if (p !== '' && !e.dev) packages[p.replace(/^node_modules\//, 'node_modules/imgsmith/node_modules/')] = e;
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(path.join(dir, 'package.json'), JSON.stringify({ private: true, dependencies: { imgsmith: spec }, allowScripts: { [spec]: true } }));
  await fsp.writeFile(path.join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, requires: true, packages }));
  const r = await npm(['ci', '--offline', '--no-audit', '--no-fund'], dir);
  assert.equal(r.exitCode, 0, r.output);
  return { bin: path.join(dir, 'node_modules', '.bin', 'imgsmith'), pkgDir: path.join(dir, 'node_modules', 'imgsmith'), output: r.output };
}

/** A FAT partition and an ext4 root, each with one file; no other inputs. */
const SPEC = {
  name: 'installed',
  table: { type: 'dos', labelId: '0x1a2b3c4d' },
  partitions: [
    { name: 'boot', type: '0x0c', size: '16MiB', filesystem: { type: 'vfat', label: 'BOOT' }, contents: [{ text: 'from the FAT\n', target: '/hello.txt' }] },
    { name: 'root', type: '83', size: '8MiB', filesystem: { type: 'ext4' }, contents: [{ text: 'from ext4\n', target: '/hello' }] },
  ],
  output: { compress: 'none', bmap: false },
};

/** Builds SPEC with the installed CLI from `cwd` and reads both files back with debugfs and mtools. */
async function buildWith(bin: string, cwd: string) {
  await fsp.writeFile(path.join(cwd, 'spec.json'), JSON.stringify(SPEC));
  const r = await execa(bin, ['build', 'spec.json', '-o', 'out'], { cwd, reject: false, timeout: 300_000 });
  assert.equal(r.exitCode, 0, r.stderr);
  const img = path.join(cwd, 'out', 'installed.img');
  const table = JSON.parse((await execa('sfdisk', ['-J', img])).stdout) as { partitiontable: { id: string; sectorsize?: number; partitions: { start: number; size: number; type: string }[] } };
  const parts = table.partitiontable.partitions;
  assert.deepEqual(parts.map((p) => p.type), ['c', '83']);
  assert.equal(table.partitiontable.id, '0x1a2b3c4d');
  const fat = await execa('mtype', ['-i', `${img}@@${parts[0]!.start * 512}`, '::/hello.txt'], { env: { MTOOLS_SKIP_CHECK: '1' } });
  assert.equal(fat.stdout, 'from the FAT');
  const root = await extractPartition(img, parts[1]!.start * 512, parts[1]!.size * 512, path.join(cwd, 'root.ext4'));
  assert.equal(parts[1]!.size * 512, 8 * MiB);
  assert.equal((await execa('debugfs', ['-R', 'cat /hello', root])).stdout, 'from ext4');
  await execa('e2fsck', ['-fn', root]);
}

test('npm pack + npm install -g: the installed imgsmith runs lib/ from another directory, without tsx, and builds an image', async () => {
  const tgz = await pack(tmp);
  const listing = (await execa('tar', ['-tzf', tgz])).stdout.split('\n');
  for (const f of ['package/bin/imgsmith.js', 'package/lib/cli.js', 'package/lib/cli.bundle.js', 'package/binding.gyp', 'package/native/sparse.c', 'package/native/build-ext4-helper.sh']) {
    assert.ok(listing.includes(f), `the tarball has ${f}`);
  }
  assert.deepEqual(listing.filter((f) => /^package\/(src|test|bench|dist|build|node_modules|action)\//.test(f)), [], 'no sources, tests or build products in the tarball');

  const { bin, pkgDir, output } = await installGlobal(tgz, path.join(tmp, 'prefix'));
  assert.doesNotMatch(output, /npm warn/i);
  assert.ok(!existsSync(path.join(pkgDir, 'src')), 'the installed package has no src/');
  const deps = readdirSync(path.join(pkgDir, 'node_modules'));
  for (const dev of ['tsx', 'esbuild', '@esbuild', 'typescript', 'typescript-native', '@typescript', 'node-gyp']) assert.ok(!deps.includes(dev), `${dev} is not installed with imgsmith`);
  for (const dep of Object.keys(PKG.dependencies)) assert.ok(deps.includes(dep.split('/')[0]!), `${dep} is installed`);
  // The install script built the native addon, the mkfs shim and the ext4 helper (setup.sh installs their compilers).
  for (const f of ['imgsmith_native.node', 'imgsmith_mkfs_shim.so', 'imgsmith-ext4-populate']) assert.ok(existsSync(path.join(pkgDir, 'build', 'Release', f)), `build/Release/${f}`);

  const elsewhere = await fsp.mkdtemp(path.join(tmp, 'cwd-'));
  const help = await execa(bin, ['--help'], { cwd: elsewhere, reject: false });
  assert.equal(help.exitCode, 0, help.stderr);
  assert.match(help.stdout, /imgsmith <command>/);
  const version = await execa(bin, ['--version'], { cwd: elsewhere, reject: false });
  assert.equal(version.exitCode, 0, version.stderr);
  assert.equal(version.stdout.trim(), PKG.version);
  await buildWith(bin, elsewhere);
});

/** `npm ci --dry-run` on a copy of package.json (without its own scripts: the root runs them unasked) and the lock file. */
async function ciDryRun(dir: string, edit: (p: Record<string, unknown>) => void) {
  const p = JSON.parse(await fsp.readFile(path.join(REPO, 'package.json'), 'utf8')) as Record<string, unknown>;
  delete p.scripts;
  edit(p);
  await fsp.mkdir(dir);
  await fsp.writeFile(path.join(dir, 'package.json'), JSON.stringify(p));
  await fsp.copyFile(path.join(REPO, 'package-lock.json'), path.join(dir, 'package-lock.json'));
  return npm(['ci', '--dry-run', '--no-audit', '--no-fund'], dir);
}

test('npm ci prints no npm warning (esbuild\'s install script is in allowScripts)', async () => {
  const r = await ciDryRun(path.join(tmp, 'ci'), () => {});
  assert.equal(r.exitCode, 0, r.output);
  assert.doesNotMatch(r.output, /npm warn/i);
  // Control: an npm with the install-scripts policy warns about esbuild without the entry.
  const control = await ciDryRun(path.join(tmp, 'ci-control'), (p) => delete p.allowScripts);
  if (await scriptPolicy()) assert.match(control.output, /npm warn install-scripts.*\n.*esbuild/i);
});

/** README "Two commands": each bullet's label (`always` or the option) and its backticked package list. */
function readmeLists(readme: string): Map<string, string[]> {
  const start = readme.indexOf('## Two commands');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const lists = new Map<string, string[]>();
  for (const bullet of section.split(/\n- /).slice(1).map((b) => b.split('\n\n')[0]!)) {
    const label = /^(always|`(--with-[a-z-]+)`)/.exec(bullet);
    const spans = [...bullet.matchAll(/`([^`]+)`/g)];
    if (label) lists.set(label[2] ?? 'always', spans.at(-1)![1]!.trim().split(/\s+/));
  }
  return lists;
}

const setupList = async (...opts: string[]) => (await execa('sh', [path.join(REPO, 'scripts/setup.sh'), '--list', ...opts])).stdout.split('\n').filter(Boolean);
const sorted = (a: Iterable<string>) => [...new Set(a)].sort();

test("the README lists exactly setup.sh's packages, per option; CI and the README's test command set up for the tests", async () => {
  const readme = await fsp.readFile(path.join(REPO, 'README.md'), 'utf8');
  const setup = await fsp.readFile(path.join(REPO, 'scripts/setup.sh'), 'utf8');
  const lists = readmeLists(readme);
  assert.deepEqual([...lists.keys()], ['always', '--with-boot-test', '--with-bench', '--with-tests']);
  // setup.sh's plain lists, one variable per group: PACKAGES, BOOT_TEST_PACKAGES, ...
  const vars = new Map([...setup.matchAll(/^([A-Z_]*PACKAGES)="([^"]*)"/gm)].map((m) => [m[1]!, m[2]!.trim().split(/\s+/)]));
  const varOf = (label: string) => (label === 'always' ? 'PACKAGES' : `${label.slice('--with-'.length).toUpperCase().replace(/-/g, '_')}_PACKAGES`);
  assert.deepEqual(sorted([...lists.keys()].map(varOf)), sorted(vars.keys()));
  for (const [label, pkgs] of lists) {
    assert.deepEqual(pkgs, vars.get(varOf(label)), `README's ${label} list is setup.sh's ${varOf(label)}, in its order`);
    assert.equal(new Set(pkgs).size, pkgs.length, `${label}: no package twice`);
  }
  // What the options install (setup.sh --list): the groups the README says.
  const always = lists.get('always')!;
  assert.deepEqual(await setupList(), sorted(always));
  assert.deepEqual(await setupList('--with-boot-test'), sorted([...always, ...lists.get('--with-boot-test')!]));
  assert.deepEqual(await setupList('--with-bench'), sorted([...always, ...lists.get('--with-bench')!]));
  assert.deepEqual(await setupList('--with-tests'), sorted([...always, ...lists.get('--with-boot-test')!, ...lists.get('--with-tests')!]));
  for (const heavy of ['qemu-system-arm', 'ovmf', 'u-boot-qemu', 'genimage']) assert.ok(!always.includes(heavy), `${heavy} is installed only when asked`);
  const bad = await execa('sh', [path.join(REPO, 'scripts/setup.sh'), '--with-qemu'], { reject: false });
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /^setup\.sh: error: unknown option --with-qemu\n/);

  assert.match(readme, /\n\.\/scripts\/setup\.sh --with-tests && npm test /);
  assert.match(await fsp.readFile(path.join(REPO, '.ci/run'), 'utf8'), /^\.\/scripts\/setup\.sh --with-tests$/m);
});
