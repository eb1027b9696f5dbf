/**
 * nix/first-boot.sh on the host (its grow step is proven by QEMU boots in test/boot-grow.test.ts):
 * the register step with Debian's real nix-store/nix-env on a private root (a directory
 * standing for /, with the test closure in its nix/store and the closure's registration as
 * /nix-path-registration), checked with nix-store --verify and queries; the script parses
 * under dash (POSIX); and the GPT "grow-file-system" attribute (bit 59, systemd's
 * GrowFileSystem) as sgdisk, sfdisk and imgsmith inspect read it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { REPO, runCli } from './helpers/cli.ts';
import { makeClosure, makeTmpDir, removeTree } from './helpers/closure-fixture.ts';
import { privateNix, type PrivateNix } from './helpers/nix-eval.ts';
import { which } from '../action/tools.ts';

const SCRIPT = path.join(REPO, 'nix/first-boot.sh');
const noNix = which('nix-store', process.env.PATH!) && which('nix-env', process.env.PATH!) ? false : 'nix-store/nix-env not installed (scripts/test-tools.sh installs Debian nix-bin)';

let tmp: string;
let nix: PrivateNix;
before(async () => {
  tmp = await makeTmpDir('imgsmith-first-boot-');
  nix = await privateNix(path.join(tmp, 'nix'));
});
after(async () => {
  if (tmp) await removeTree(tmp);
});

test('first-boot.sh is POSIX sh (dash -n) and rejects an unknown step', async () => {
  const n = await execa('dash', ['-n', SCRIPT], { reject: false });
  assert.equal(n.exitCode, 0, n.stderr);
  const bad = await execa('dash', [SCRIPT, 'shrink'], { reject: false });
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stdout, /imgsmith-first-boot: unknown step shrink \(use grow, register\)/);
});

test('register: loads /nix-path-registration into the Nix database, marks NixOS, sets the system profile, removes the file; a second run does nothing', { skip: noNix, timeout: 120_000 }, async () => {
  const fx = await makeClosure(path.join(tmp, 'closure'));
  const root = path.join(tmp, 'root');
  await fsp.mkdir(path.join(root, 'nix'), { recursive: true });
  await execa('cp', ['-a', fx.storeDir, path.join(root, 'nix', 'store')]);
  await fsp.copyFile(path.join(fx.closureInfoDir, 'registration'), path.join(root, 'nix-path-registration'));
  const system = `/nix/store/${path.basename(fx.toplevel)}`;
  // The store as the booted system sees it: /nix/store is <root>/nix/store, the database in <root>/nix/var/nix.
  const env = { ...nix.env, NIX_REMOTE: `local?root=${root}`, IMGSMITH_FIRST_BOOT_ROOT: root, IMGSMITH_SYSTEM: system };
  const run = (args: string[], extraPath = '') =>
    execa('/bin/sh', [SCRIPT, ...args], { env: { ...env, PATH: extraPath || nix.env.PATH! }, extendEnv: false, reject: false });

  // Without nix-store on PATH: said, and the file stays for a later boot.
  const noStore = await run(['register'], '/nonexistent');
  assert.equal(noStore.exitCode, 0, noStore.stderr);
  assert.match(noStore.stdout, /nix-store is not on PATH: .*nix-path-registration left for a later boot/);
  assert.ok(existsSync(path.join(root, 'nix-path-registration')));

  const r = await run(['register']);
  assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, new RegExp(`registered the store paths of .*nix-path-registration, set the system profile to ${system}`));
  assert.ok(!existsSync(path.join(root, 'nix-path-registration')), 'the registration file is removed');
  assert.ok(existsSync(path.join(root, 'etc/NIXOS')), '/etc/NIXOS');
  // Independent checks with nix-store: every path valid with its NAR hash, the references as registered.
  const q = (args: string[]) => execa('nix-store', ['--store', `local?root=${root}`, ...args], { env: nix.env, extendEnv: false });
  const valid = (await q(['--query', '--requisites', system])).stdout.split('\n').sort();
  assert.deepEqual(valid, fx.registration.map((e) => e.path).sort());
  for (const e of fx.registration) {
    assert.deepEqual((await q(['--query', '--references', e.path])).stdout.split('\n').filter(Boolean).sort(), [...e.references].sort(), e.path);
  }
  const verify = await execa('nix-store', ['--store', `local?root=${root}`, '--verify', '--check-contents'], { env: nix.env, extendEnv: false, reject: false });
  assert.equal(verify.exitCode, 0, verify.stderr);
  assert.doesNotMatch(verify.stderr, /invalid|modified|error/i, verify.stderr);
  const profile = path.join(root, 'nix/var/nix/profiles/system');
  assert.equal(await fsp.readlink(profile), 'system-1-link');
  assert.equal(await fsp.readlink(`${profile}-1-link`), system);

  const again = await run(['register']);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.match(again.stdout, /no .*nix-path-registration: the store is registered already/);
  assert.deepEqual((await fsp.readdir(path.join(root, 'nix/var/nix/profiles'))).filter((f) => f.startsWith('system')).sort(), ['system', 'system-1-link']);
});

const specWith = (table: object, attributes: unknown[]) => ({
  name: 'growattr',
  system: 'aarch64-linux',
  table,
  partitions: [
    { name: 'data', type: table && (table as { type: string }).type === 'gpt' ? 'linux' : '0x0c', size: '8MiB', filesystem: { type: 'vfat', label: 'DATA' } },
    { name: 'root', type: (table as { type: string }).type === 'gpt' ? 'root-arm64' : '0x83', size: '16MiB', attributes, filesystem: { type: 'ext4', label: 'ROOT' }, contents: [{ text: 'x\n', target: '/x' }] },
  ],
  output: { compress: 'none' },
});

test('GPT attribute "grow-file-system": bit 59 as sgdisk, sfdisk and inspect read it; refused on DOS', async () => {
  const dir = path.join(tmp, 'attr');
  await fsp.mkdir(dir, { recursive: true });
  const spec = path.join(dir, 'spec.json');
  await fsp.writeFile(spec, JSON.stringify(specWith({ type: 'gpt', seed: 'growattr' }, ['grow-file-system'])));
  const b = await runCli(['build', spec, '-o', path.join(dir, 'out')]);
  assert.equal(b.exitCode, 0, b.stderr);
  const img = path.join(dir, 'out', 'growattr.img');
  assert.match((await execa('sgdisk', ['-i', '2', img])).stdout, /^Attribute flags: 0800000000000000$/m);
  assert.match((await execa('sgdisk', ['-i', '1', img])).stdout, /^Attribute flags: 0000000000000000$/m);
  assert.match((await execa('sfdisk', ['-d', img])).stdout, /name="root", attrs="GUID:59"$/m);
  const i = await runCli(['inspect', img]);
  assert.equal(i.exitCode, 0, i.stderr);
  assert.match(i.stdout, /name "root" .* attributes 0x0800000000000000 \(GUID:59 GrowFileSystem\)/);

  await fsp.writeFile(spec, JSON.stringify(specWith({ type: 'dos' }, ['grow-file-system'])));
  const dos = await runCli(['build', spec, '-o', path.join(dir, 'dos')]);
  assert.equal(dos.exitCode, 2);
  assert.match(dos.stderr, /^imgsmith: error: .*partitions\[1\]\.attributes: only GPT partitions have attributes$/m);
  assert.ok(!existsSync(path.join(dir, 'dos', 'growattr.img')));
});
