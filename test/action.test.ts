/**
 * The GitHub Action (action.yml + the committed bundle dist/), run the way the runner
 * runs it: `node dist/index.mjs` from a checkout of the action that holds only action.yml,
 * dist/ and package.json (no node_modules, no build/Release: the native addon cannot be
 * bundled, so the JavaScript fallbacks run), with the inputs as INPUT_<NAME> variables
 * (INPUT_OUTPUT-DIR keeps its dash) and a GITHUB_OUTPUT file. The image must be byte
 * for byte the CLI's (built with the native addon and the mkfs shim). Missing tools are
 * detected with a PATH that lacks one tool and installed through a stand-in for apt-get
 * (IMGSMITH_ACTION_APT); apt itself is never run here. The bundle runs on the Node
 * action.yml's runs.using names (node24), from test/helpers/node-toolchains.ts, as the
 * runner would; without it (cannot be obtained), on this Node, and the test that checks
 * the version skips saying why.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { REPO, runCli, listFiles } from './helpers/cli.ts';
import { makeClosure, makeTmpDir, removeTree, type ClosureFixture } from './helpers/closure-fixture.ts';
import { makeFirmware } from './helpers/firmware-fixture.ts';
import { bundleAction, DIST_FILES } from '../scripts/bundle-action.ts';
import { installPlan, isDebianLike, REQUIRED_TOOLS, which } from '../action/tools.ts';
import { findNode } from './helpers/node-toolchains.ts';

const RECIPE = path.join(REPO, 'images/rpi-aarch64.json');
const isRoot = process.getuid?.() === 0;

/** The Node major action.yml's runs.using names (node24 -> 24). */
const USING_MAJOR = Number(/^runs:\n {2}using: node(\d+)$/m.exec(readFileSync(path.join(REPO, 'action.yml'), 'utf8'))?.[1]);
/** The node binary that runs the bundle: that major's, else (see actionNodeMissing) this one. */
let actionNode = process.execPath;
/** Why the bundle runs on this Node rather than action.yml's. */
let actionNodeMissing: string | undefined;

let tmp: string;
let fx: ClosureFixture;
let firmware: string;
/** A checkout of the action: action.yml, dist/, package.json only. */
let checkout: string;
/** The CLI's build of the same inputs (--keep-raw). */
let ref: { zst: string; img: string };

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

before(async () => {
  if (Number(process.versions.node.split('.')[0]) !== USING_MAJOR) {
    const found = findNode(USING_MAJOR);
    if (found.node) actionNode = found.node.path;
    else actionNodeMissing = found.reason;
  }
  tmp = await makeTmpDir('imgsmith-action-');
  await fsp.chmod(tmp, 0o755); // the unwritable-output-dir case runs the action as nobody
  fx = await makeClosure(path.join(tmp, 'fx'));
  firmware = await makeFirmware(path.join(tmp, 'firmware'));
  checkout = path.join(tmp, 'checkout');
  await fsp.mkdir(path.join(checkout, 'dist'), { recursive: true });
  for (const f of DIST_FILES) await fsp.copyFile(path.join(REPO, 'dist', f), path.join(checkout, 'dist', f));
  for (const f of ['action.yml', 'package.json']) await fsp.copyFile(path.join(REPO, f), path.join(checkout, f));
  // A checkout of the action has native/ (no build/): the action compiles the ext4 helper from it.
  await fsp.mkdir(path.join(checkout, 'native'));
  await fsp.copyFile(path.join(REPO, 'native', 'ext4_populate.c'), path.join(checkout, 'native', 'ext4_populate.c'));
  const out = path.join(tmp, 'ref');
  const r = await runCli(['build', RECIPE, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', firmware, '-o', out, '--keep-raw']);
  assert.equal(r.exitCode, 0, r.stderr);
  const files = await fsp.readdir(out);
  ref = { zst: path.join(out, files.find((f) => f.endsWith('.img.zst'))!), img: path.join(out, files.find((f) => f.endsWith('.img'))!) };
});

after(async () => {
  if (tmp) await removeTree(tmp);
});

interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  errors: string[];
}

/** Parses a GITHUB_OUTPUT file (name<<DELIM ... DELIM blocks, or name=value lines). */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const m = /^([^=<]+)<<(.+)$/.exec(l);
    if (m) {
      const end = lines.indexOf(m[2]!, i + 1);
      assert.ok(end > i, `unterminated output ${m[1]}`);
      out[m[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (l.includes('=')) {
      out[l.slice(0, l.indexOf('='))] = l.slice(l.indexOf('=') + 1);
    }
  }
  return out;
}

/** Runs dist/index.mjs of the checkout as the runner does: inputs as INPUT_* variables. */
async function runAction(name: string, inputs: Record<string, string>, opts: { env?: Record<string, string>; asNobody?: boolean } = {}): Promise<ActionRun> {
  const work = path.join(tmp, `ws-${name}`);
  await fsp.mkdir(work, { recursive: true });
  await fsp.chmod(work, 0o777);
  const outputFile = path.join(work, 'github-output');
  await fsp.writeFile(outputFile, '');
  await fsp.chmod(outputFile, 0o666);
  const env: Record<string, string> = {
    PATH: process.env.PATH!,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: work,
    GITHUB_OUTPUT: outputFile,
    RUNNER_TEMP: work,
    ...opts.env,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const argv = [path.join(checkout, 'dist/index.mjs')];
  const r = opts.asNobody
    ? await execa('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', actionNode, ...argv], { cwd: work, env, extendEnv: false, reject: false, timeout: 120_000 })
    : await execa(actionNode, argv, { cwd: work, env, extendEnv: false, reject: false, timeout: 120_000 });
  const stdout = String(r.stdout);
  return {
    exitCode: r.exitCode ?? -1,
    stdout,
    stderr: String(r.stderr),
    outputs: parseOutputs(await fsp.readFile(outputFile, 'utf8')),
    errors: stdout.split('\n').filter((l) => l.startsWith('::error::')),
  };
}

const fullInputs = (out: string): Record<string, string> => ({
  spec: RECIPE,
  closure: fx.closureInfoDir,
  'store-root': fx.storeRoot,
  toplevel: fx.toplevel,
  firmware,
  'output-dir': out,
});

test('dist/ is the bundle of the current sources (npm run build:action after changing src/ or action/)', async () => {
  const fresh = path.join(tmp, 'fresh-dist');
  await bundleAction(fresh);
  for (const f of DIST_FILES) {
    const committed = path.join(REPO, 'dist', f);
    assert.ok(existsSync(committed), `dist/${f} is missing: run npm run build:action and commit dist/`);
    assert.ok(readFileSync(committed).equals(readFileSync(path.join(fresh, f))), `dist/${f} is stale: run npm run build:action and commit dist/`);
  }
  const yml = readFileSync(path.join(REPO, 'action.yml'), 'utf8');
  assert.match(yml, /^runs:\n {2}using: node24\n {2}main: dist\/index\.mjs$/m);
  for (const i of ['spec', 'closure', 'toplevel', 'firmware', 'output-dir', 'compress', 'bmap']) assert.match(yml, new RegExp(`^  ${i}:$`, 'm'), `input ${i}`);
  for (const o of ['image', 'sha256', 'manifest']) assert.match(yml, new RegExp(`^outputs:[\\s\\S]*^  ${o}:$`, 'm'), `output ${o}`);
});

test("the bundle runs on the Node action.yml's runs.using names", async (t) => {
  if (actionNodeMissing) return void t.skip(actionNodeMissing);
  const r = await execa(actionNode, ['-p', 'process.versions.node'], { reject: false });
  assert.equal(Number(String(r.stdout).split('.')[0]), USING_MAJOR, `${actionNode}: ${String(r.stdout)} ${String(r.stderr)}`);
  t.diagnostic(`the bundle runs on ${actionNode} (Node ${String(r.stdout).trim()})`);
});

test('the action builds the Pi recipe from a bare checkout (no node_modules, no native addon), byte-identical to the CLI', async () => {
  assert.ok(!existsSync(path.join(checkout, 'node_modules')) && !existsSync(path.join(checkout, 'build')));
  const out = path.join(tmp, 'out-action');
  const r = await runAction('full', { ...fullInputs(out), compress: 'true', bmap: 'true' });
  assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  assert.deepEqual(r.errors, []);
  assert.match(r.stdout, /^build tools: all present$/m);
  assert.doesNotMatch(r.stdout, /apt-get|installing/);
  // Grouped phases: balanced, never nested, and the build's phases are there.
  const groups = r.stdout.split('\n').filter((l) => l.startsWith('::group::') || l === '::endgroup::');
  for (let i = 0; i < groups.length; i += 2) {
    assert.match(groups[i]!, /^::group::/);
    assert.equal(groups[i + 1], '::endgroup::');
  }
  const names = groups.filter((g) => g !== '::endgroup::').map((g) => g.slice('::group::'.length));
  for (const n of ['build tools', 'contents', 'measure', 'compress']) assert.ok(names.includes(n), `group ${n} in ${names.join(', ')}`);
  // The partitions are written in parallel: one group holds both.
  const lines = r.stdout.split('\n');
  const open = lines.findIndex((l) => /^::group::write:/.test(l));
  const close = lines.indexOf('::endgroup::', open);
  for (const p of ['firmware', 'root']) assert.ok(lines.slice(open, close).some((l) => l.startsWith(`write:${p}: done in `)), `write:${p} in ${lines.slice(open, close + 1).join('|')}`);

  assert.deepEqual(Object.keys(r.outputs).sort(), ['bmap', 'image', 'manifest', 'sha256']);
  const { image, manifest, bmap } = r.outputs as Record<string, string>;
  assert.ok(image!.endsWith('.img.zst') && path.dirname(image!) === out, image);
  assert.equal(r.outputs.sha256, sha256(image!));
  assert.equal(readFileSync(`${image}.sha256`, 'utf8').split(' ')[0], r.outputs.sha256);
  assert.equal(sha256(image!), sha256(ref.zst), 'the action image differs from the CLI image');
  const m = JSON.parse(readFileSync(manifest!, 'utf8'));
  assert.equal(m.image.compressed.sha256, r.outputs.sha256);
  assert.ok(bmap!.endsWith('.bmap') && existsSync(bmap!));
  // Independent checks: zstd decompresses it to the CLI's raw image, sfdisk reads the NixOS layout.
  const raw = path.join(tmp, 'action.img');
  await execa('zstd', ['-q', '-d', '-f', image!, '-o', raw]);
  assert.equal(sha256(raw), sha256(ref.img));
  const sf = JSON.parse((await execa('sfdisk', ['--json', raw])).stdout);
  assert.equal(sf.partitiontable.label, 'dos');
  assert.equal(sf.partitiontable.partitions.length, 2);
  assert.equal(sf.partitiontable.partitions[0].start, 16384);
  await fsp.rm(raw);
});

/** A PATH directory that has everything the test's PATH has, except `omit`. */
async function pathWithout(omit: string, dir: string): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  const seen = new Set<string>();
  for (const d of process.env.PATH!.split(':')) {
    let names: string[];
    try {
      names = await fsp.readdir(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (n === omit || seen.has(n)) continue;
      seen.add(n);
      await fsp.symlink(path.join(d, n), path.join(dir, n));
    }
  }
  return dir;
}

test('a missing tool is installed with apt (stand-in) before the build; raw image without bmap', async () => {
  const real = which('mkfs.btrfs', process.env.PATH!);
  assert.ok(real, 'mkfs.btrfs must be installed (scripts/setup.sh)');
  const bin = await pathWithout('mkfs.btrfs', path.join(tmp, 'bin-no-btrfs'));
  const aptLog = path.join(tmp, 'apt.log');
  const fakeApt = path.join(tmp, 'fake-apt-get');
  // Records its arguments; "install" makes the tool appear, as apt-get install would.
  await fsp.writeFile(fakeApt, `#!/bin/sh\necho "$DEBIAN_FRONTEND $*" >> '${aptLog}'\nif [ "$1" = install ]; then ln -s '${real}' '${bin}/mkfs.btrfs'; fi\n`, { mode: 0o755 });
  const osRelease = path.join(tmp, 'os-release-ubuntu');
  await fsp.writeFile(osRelease, 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n');
  // No output-dir input: the default, out/ in the workspace (the step's working directory).
  const out = path.join(tmp, 'ws-missing', 'out');
  const { 'output-dir': _, ...inputs } = fullInputs(out);
  const r = await runAction('missing', { ...inputs, compress: 'false', bmap: 'false' }, {
    env: { PATH: bin, IMGSMITH_ACTION_APT: fakeApt, IMGSMITH_ACTION_OS_RELEASE: osRelease },
  });
  assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  assert.deepEqual(r.errors, []);
  assert.match(r.stdout, /^installing btrfs-progs \(missing: mkfs\.btrfs\)$/m);
  assert.deepEqual(readFileSync(aptLog, 'utf8').split('\n').filter(Boolean), [' update -q', 'noninteractive install -y -q --no-install-recommends btrfs-progs']);
  assert.deepEqual(Object.keys(r.outputs).sort(), ['image', 'manifest', 'sha256']);
  assert.ok(r.outputs.image!.endsWith('.img') && path.dirname(r.outputs.image!) === out, r.outputs.image);
  assert.equal(r.outputs.sha256, sha256(r.outputs.image!));
  assert.equal(sha256(r.outputs.image!), sha256(ref.img));
  assert.ok(!(await listFiles(out)).some((f) => f.endsWith('.bmap') || f.endsWith('.zst')));
});

test('a missing tool on a runner that is not Debian/Ubuntu: one error naming it, apt not run', async () => {
  const bin = path.join(tmp, 'bin-no-btrfs-2');
  await pathWithout('mkfs.btrfs', bin);
  const aptLog = path.join(tmp, 'apt-fedora.log');
  const fakeApt = path.join(tmp, 'fake-apt-get-2');
  await fsp.writeFile(fakeApt, `#!/bin/sh\necho "$*" >> '${aptLog}'\n`, { mode: 0o755 });
  const osRelease = path.join(tmp, 'os-release-fedora');
  await fsp.writeFile(osRelease, 'NAME="Fedora Linux"\nID=fedora\n');
  const out = path.join(tmp, 'out-fedora');
  const r = await runAction('fedora', fullInputs(out), { env: { PATH: bin, IMGSMITH_ACTION_APT: fakeApt, IMGSMITH_ACTION_OS_RELEASE: osRelease } });
  assert.equal(r.exitCode, 1);
  assert.equal(r.errors.length, 1, r.stdout);
  assert.match(r.errors[0]!, /^::error::missing build tools mkfs\.btrfs \(Debian packages: btrfs-progs\); this runner is not Debian or Ubuntu/);
  assert.ok(!existsSync(aptLog));
  assert.deepEqual(r.outputs, {});
  assert.deepEqual(await listFiles(out), []);
});

test('install plan: apt-get update + install without recommends, sudo -n when not root, refused without sudo', () => {
  assert.deepEqual(installPlan(['zstd'], { root: true }), {
    commands: [['apt-get', 'update', '-q'], ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', '--no-install-recommends', 'zstd']],
  });
  const viaSudo = installPlan(['zstd', 'btrfs-progs'], { root: false, sudo: '/usr/bin/sudo' });
  assert.ok('commands' in viaSudo && viaSudo.commands.every((c) => c[0] === '/usr/bin/sudo' && c[1] === '-n'));
  assert.deepEqual(installPlan(['zstd'], { root: false }), { error: 'not running as root and sudo is not available' });
  assert.ok(isDebianLike('ID=debian\n') && isDebianLike('ID=linuxmint\nID_LIKE="ubuntu debian"\n') && isDebianLike('ID=ubuntu'));
  assert.ok(!isDebianLike('ID=fedora\nID_LIKE="rhel centos"\n') && !isDebianLike(''));
  // The packages are the build-time part of scripts/setup.sh's list.
  const setup = readFileSync(path.join(REPO, 'scripts/setup.sh'), 'utf8');
  const listed = /PACKAGES="([^"]*)"/.exec(setup)![1]!.split(/\s+/);
  for (const [, pkg] of REQUIRED_TOOLS) assert.ok(listed.includes(pkg), `${pkg} is in scripts/setup.sh`);
});

test('bad input: one ::error:: line naming the input, exit 1, nothing written', async (t) => {
  const cases: { name: string; inputs: Record<string, string>; error: RegExp; asNobody?: boolean }[] = [
    { name: 'no-spec', inputs: { 'output-dir': path.join(tmp, 'bad-1') }, error: /^::error::input "spec" is required/ },
    { name: 'spec-missing', inputs: { spec: path.join(tmp, 'nope.json'), 'output-dir': path.join(tmp, 'bad-2') }, error: /^::error::input "spec": .*nope\.json: no such file or directory$/ },
    { name: 'closure-missing', inputs: { ...fullInputs(path.join(tmp, 'bad-3')), closure: path.join(tmp, 'no-closure') }, error: /^::error::input "closure": .*no-closure: no such file or directory$/ },
    { name: 'toplevel-missing', inputs: { ...fullInputs(path.join(tmp, 'bad-4')), toplevel: '/nix/store/00000000000000000000000000000000-none' }, error: /^::error::input "toplevel": .*-none: no such file or directory$/ },
    { name: 'store-root-missing', inputs: { ...fullInputs(path.join(tmp, 'bad-8')), 'store-root': path.join(tmp, 'no-root') }, error: /^::error::input "store-root": .*no-root: no such file or directory$/ },
    { name: 'firmware-missing', inputs: { ...fullInputs(path.join(tmp, 'bad-5')), firmware: path.join(tmp, 'no-fw') }, error: /^::error::input "firmware": .*no-fw: no such file or directory$/ },
    { name: 'firmware-file', inputs: { ...fullInputs(path.join(tmp, 'bad-6')), firmware: RECIPE }, error: /^::error::input "firmware": .*: not a directory/ },
    { name: 'compress-bad', inputs: { ...fullInputs(path.join(tmp, 'bad-7')), compress: 'yes please' }, error: /^::error::input "compress": expected true or false, got "yes please"$/ },
    { name: 'out-under-file', inputs: { ...fullInputs(''), 'output-dir': path.join(RECIPE, 'out') }, error: /^::error::input "output-dir": cannot write to .*rpi-aarch64\.json\/out: ENOTDIR$/ },
  ];
  // Unwritable: a directory its user may not write (root may write anything: run as nobody).
  const ro = path.join(tmp, 'read-only');
  await fsp.mkdir(ro);
  await fsp.chmod(ro, 0o555);
  cases.push({ name: 'out-unwritable', inputs: { spec: RECIPE, 'output-dir': path.join(ro, 'out') }, error: /^::error::input "output-dir": cannot write to .*read-only\/out: EACCES$/, asNobody: isRoot });
  for (const c of cases) {
    await t.test(c.name, async () => {
      const r = await runAction(c.name, c.inputs, { asNobody: c.asNobody ?? false });
      assert.equal(r.exitCode, 1, r.stdout + r.stderr);
      assert.equal(r.errors.length, 1, r.stdout);
      assert.match(r.errors[0]!, c.error);
      assert.deepEqual(r.outputs, {});
      assert.doesNotMatch(r.stdout, /::group::/, 'failed before doing anything');
      const o = c.inputs['output-dir'];
      if (o && c.name !== 'out-under-file' && c.name !== 'out-unwritable') assert.ok(!existsSync(o), `${o} was created`);
    });
  }
});

test('a build error (spec needs firmware, none given): one ::error:: line from imgsmith, nothing published', async () => {
  const out = path.join(tmp, 'out-nofw');
  const { firmware: _, ...inputs } = fullInputs(out);
  const r = await runAction('nofw', inputs);
  assert.equal(r.exitCode, 1, r.stdout + r.stderr);
  assert.equal(r.errors.length, 1, r.stdout);
  assert.match(r.errors[0]!, /^::error::imgsmith: .*copies firmware files: give input "firmware"$/);
  assert.deepEqual(r.outputs, {});
  assert.deepEqual(await listFiles(out), []);
});
