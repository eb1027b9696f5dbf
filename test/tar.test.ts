/**
 * output.tar: the rootfs tarball and the Nix binary tarball, built by the real
 * CLI and checked with independent tools: GNU tar (listing and extraction as
 * root), debugfs (the image's ext4 tree and its inode numbers), zstd, sha256sum
 * and nix-store (Debian nix-bin: scripts/test-tools.sh) on a scratch store under
 * a temporary directory (`--store local?root=DIR`), never /nix.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { makeClosure, makeTmpDir, removeTree, type ClosureFixture } from './helpers/closure-fixture.ts';
import { runCli, listFiles } from './helpers/cli.ts';
import { batched } from './helpers/batched.ts';
import { diffSnapshots, ext4Listing, fileInodes, linkGroups, showBytes, snapshot } from './helpers/tar-compare.ts';
import { narInfo, nixBase32 } from '../src/content/nix-store.ts';
import { planHeader, writeTar, type TarSourceEntry } from '../src/outputs/tar.ts';

const EPOCH = 1700000000; // 2023-11-14 22:13:20 UTC
const EPOCH_TEXT = '2023-11-14 22:13:20';
const B = (s: string) => Buffer.from(s, 'latin1');
const LONG = 'n'.repeat(255);
const DEEP = `share/${'d'.repeat(200)}/${'e'.repeat(200)}`;
const NON_UTF8 = 'caf\xe9'; // latin1 "café": not valid UTF-8

let tmp: string;

interface Closures {
  fx: ClosureFixture;
  /** closureInfo: the fixture + the "special" path (setuid, long names, hard links...). */
  rootfs: string;
  /** closureInfo: rootfs + the "bytes" path (names that are not UTF-8). */
  nix: string;
  special: string;
  bytes: string;
}
let A: Closures; // created in forward order
let R: Closures; // the same closure created in reverse order elsewhere

function storeBase(name: string): string {
  return `${nixBase32(createHash('sha256').update(`tar-test:${name}`).digest().subarray(0, 20))}-${name}`;
}

/** A store path with the awkward cases (UTF-8 names only: today's FileTree reads names as UTF-8). */
async function makeSpecial(storeDir: string, reverse: boolean): Promise<string> {
  const p = path.join(storeDir, storeBase('special-1.0'));
  for (const d of ['bin', 'share', 'share/tmp', path.dirname(DEEP)]) await fsp.mkdir(path.join(p, d), { recursive: true });
  const files: [string, string, number][] = [
    ['bin/setuid-tool', '#!/bin/sh\necho su\n', 0o4755],
    ['bin/setgid-tool', '#!/bin/sh\necho sg\n', 0o2755],
    [`share/${LONG}`, 'a 255-byte name\n', 0o444],
    ['share/empty-file', '', 0o444],
    ['share/hard-a', 'hard-linked\n', 0o444],
    [DEEP, 'a deep path\n', 0o444],
  ];
  for (const [rel, data, mode] of reverse ? [...files].reverse() : files) {
    await fsp.writeFile(path.join(p, rel), data);
    await fsp.chmod(path.join(p, rel), mode);
  }
  await fsp.link(path.join(p, 'share/hard-a'), path.join(p, 'share/hard-b'));
  await fsp.symlink('hard-a', path.join(p, 'share/rel-link'));
  await fsp.symlink(`../share/${LONG}`, path.join(p, 'share/long-target-link'));
  await fsp.chmod(path.join(p, 'share/tmp'), 0o1777);
  for (const d of [path.dirname(DEEP), 'bin', 'share', '']) await fsp.chmod(path.join(p, d), 0o555); // children first
  return p;
}

/** A store path whose names and symlink target are not UTF-8. */
async function makeBytes(storeDir: string): Promise<string> {
  const p = path.join(storeDir, storeBase('bytes-1.0'));
  const host = (rel: string) => Buffer.concat([B(p), B('/'), B(rel)]);
  await fsp.mkdir(host(`dir-${NON_UTF8}`), { recursive: true });
  await fsp.writeFile(host(NON_UTF8), 'latin1 name\n');
  await fsp.writeFile(host(`dir-${NON_UTF8}/inner`), 'inside\n');
  await fsp.symlink(B(NON_UTF8), host('link-\xff'));
  await fsp.chmod(host(`dir-${NON_UTF8}`), 0o555);
  await fsp.chmod(p, 0o555);
  return p;
}

/** The NAR hash and size of a path with nix-hash / nix-store --dump (they keep byte names). */
async function nixNarInfo(p: string): Promise<{ narHash: string; narSize: number }> {
  const hash = (await execa('nix-hash', ['--type', 'sha256', '--base32', p])).stdout.trim();
  const dump = await execa('nix-store', ['--dump', p], { encoding: 'buffer' });
  return { narHash: `sha256:${hash}`, narSize: (dump.stdout as Uint8Array).length };
}

/** A closureInfo directory: the fixture's plus `extra` paths (no references). */
async function extendClosure(fx: ClosureFixture, dir: string, extra: { path: string; narHash: string; narSize: number }[]): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  // Store paths as /nix/store/...: builds read them under --store-root (the fixture dir).
  const L = (h: string) => `/nix/store/${path.basename(h)}`;
  const paths = [...fx.storePaths, ...extra.map((e) => e.path)].map(L).sort();
  const reg = await fsp.readFile(path.join(fx.closureInfoDir, 'registration'), 'utf8');
  const more = extra.map((e) => `${L(e.path)}\n${e.narHash}\n${e.narSize}\n\n0\n`).join('');
  await fsp.writeFile(path.join(dir, 'store-paths'), paths.join('\n') + '\n');
  await fsp.writeFile(path.join(dir, 'registration'), reg + more);
  return dir;
}

let nixAvailable: string | undefined;

async function makeClosures(dir: string, order: 'forward' | 'reverse'): Promise<Closures> {
  const fx = await makeClosure(dir, { paths: 2, order });
  const special = await makeSpecial(fx.storeDir, order === 'reverse');
  const bytes = await makeBytes(fx.storeDir);
  const sp = { path: special, ...(await narInfo(special)) };
  const rootfs = await extendClosure(fx, path.join(dir, 'closure-rootfs'), [sp]);
  // The "bytes" path needs Nix's own tools for its NAR hash (src/content/nix-store.ts reads names as UTF-8).
  const nix = nixAvailable === undefined ? await extendClosure(fx, path.join(dir, 'closure-nix'), [sp, { path: bytes, ...(await nixNarInfo(bytes)) }]) : '';
  return { fx, rootfs, nix, special, bytes };
}

/** The spec; `closureInImage: false` leaves the closure out of the image (its byte names cannot go through today's FileTree). */
function specJson(tar: unknown, closureInImage = true): object {
  return {
    name: 'tartest',
    system: 'aarch64-linux',
    table: { type: 'dos', labelId: '0x7a7a7a7a' },
    partitions: [
      { name: 'boot', type: '0x0b', size: '8MiB', filesystem: { type: 'vfat', label: 'BOOT' }, contents: [{ text: 'boot\n', target: '/boot.txt' }] },
      {
        name: 'root',
        type: 'linux',
        size: 'auto',
        filesystem: { type: 'ext4', label: 'root' },
        contents: [...(closureInImage ? [{ generate: 'closure' }] : []), { text: 'secret\n', target: '/etc/shadow-ish', mode: '0640' }],
      },
    ],
    output: { name: '{name}-{label}', tar },
  };
}

async function writeSpec(name: string, tar: unknown, closureInImage = true): Promise<string> {
  const p = path.join(tmp, `${name}.json`);
  await fsp.writeFile(p, JSON.stringify(specJson(tar, closureInImage), null, 2));
  return p;
}

async function build(spec: string, closure: string, out: string, extra: string[] = []): Promise<void> {
  // Closure dirs are <fixture dir>/closure-*: the fixture dir is the store root.
  const r = await runCli(['build', spec, '--closure', closure, '--store-root', path.dirname(closure), '--label', 'L', '-o', out, ...extra], { env: { SOURCE_DATE_EPOCH: String(EPOCH), TZ: 'UTC' } });
  assert.equal(r.exitCode, 0, r.stderr);
}

const sha256 = async (p: string) => createHash('sha256').update(await fsp.readFile(p)).digest('hex');

async function extract(tarFile: string, dest: string): Promise<void> {
  await fsp.mkdir(dest, { recursive: true });
  await execa('tar', ['-xpf', tarFile, '-C', dest, '--numeric-owner']);
}

let rootSpec: string;
let outA: string; // rootfs, zstd, raw image kept
let outAPlain: string; // rootfs, --no-compress

before(async () => {
  tmp = await makeTmpDir('imgsmith-tar-');
  nixAvailable = (await execa('nix-store', ['--version'], { reject: false })).exitCode === 0 ? undefined : 'nix-store was not found: install Debian nix-bin (scripts/test-tools.sh)';
  A = await makeClosures(path.join(tmp, 'a'), 'forward');
  R = await makeClosures(path.join(tmp, 'r'), 'reverse');
  rootSpec = await writeSpec('rootfs', 'rootfs');
  outA = path.join(tmp, 'out-a');
  outAPlain = path.join(tmp, 'out-a-plain');
  await build(rootSpec, A.rootfs, outA, ['--keep-raw']);
  await build(rootSpec, A.rootfs, outAPlain, ['--no-compress']);
});

after(async () => {
  if (tmp) await removeTree(tmp);
});

test('rootfs: outputs, checksum, manifest; no Hydra product for it', async () => {
  const files = await listFiles(outA);
  for (const f of ['tartest-L.tar.zst', 'tartest-L.tar.zst.sha256']) assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
  assert.ok(!files.some((f) => f.startsWith('.imgsmith-tmp')), 'nothing temporary left');
  await execa('sha256sum', ['-c', 'tartest-L.tar.zst.sha256'], { cwd: outA });
  const m = JSON.parse(await fsp.readFile(path.join(outA, 'manifest.json'), 'utf8'));
  assert.equal(m.tar.type, 'rootfs');
  assert.equal(m.tar.partition, 'root');
  assert.equal(m.tar.file, 'tartest-L.tar.zst');
  assert.equal(m.tar.compressor, 'zstd');
  assert.equal(m.tar.sha256, await sha256(path.join(outA, 'tartest-L.tar.zst')));
  assert.equal(m.tar.size, (await fsp.stat(path.join(outA, 'tartest-L.tar.zst'))).size);
  const products = await fsp.readFile(path.join(outA, 'nix-support/hydra-build-products'), 'utf8');
  assert.equal(products, `file sd-image ${path.join(outA, 'tartest-L.img.zst')}\n`);
  // --no-compress: a plain .tar, the same archive as the .tar.zst holds.
  const plain = await listFiles(outAPlain);
  assert.ok(plain.includes('tartest-L.tar') && !plain.includes('tartest-L.tar.zst'), plain.join(', '));
  const unz = await execa('zstd', ['-dc', path.join(outA, 'tartest-L.tar.zst')], { encoding: 'buffer' });
  assert.ok(Buffer.from(unz.stdout as Uint8Array).equals(await fsp.readFile(path.join(outAPlain, 'tartest-L.tar'))), '.tar.zst decompresses to the .tar');
});

test('rootfs: GNU tar lists owner 0/0 without names, the epoch, exact modes, links', async () => {
  // Without --numeric-owner, GNU tar prints the user/group names when the headers have them.
  const r = await execa('tar', ['-tvf', path.join(outAPlain, 'tartest-L.tar'), '--full-time'], { encoding: 'latin1', env: { TZ: 'UTC', LC_ALL: 'C' } });
  const lines = String(r.stdout).trim().split('\n');
  assert.ok(lines.length > 50, `${lines.length} entries`);
  for (const l of lines) {
    assert.match(l, /^[-dlh][-rwxsStT]{9} 0\/0 +\d+ /, l);
    assert.ok(l.includes(` ${EPOCH_TEXT} `), `epoch mtime: ${l}`);
  }
  // The member name: after mode, owner, size, date and time; before " -> target" / " link to target".
  const names = lines.map((l) => l.replace(/^(\S+\s+){5}/, '').replace(/ (->|link to) .*$/, '').replace(/\/$/, ''));
  const entry = (suffix: string) => {
    const i = names.findIndex((n) => n.endsWith(suffix));
    assert.ok(i >= 0, `an entry ending in ${suffix}`);
    return lines[i]!;
  };
  assert.equal(lines[0]!.split(' ').at(-1), './');
  assert.match(entry('/bin/setuid-tool'), /^-rwsr-xr-x /);
  assert.match(entry('/bin/setgid-tool'), /^-rwxr-sr-x /);
  assert.match(entry('/share/tmp'), /^drwxrwxrwt /);
  assert.match(entry('/etc/shadow-ish'), /^-rw-r----- 0\/0 +7 /);
  assert.match(entry('/share/empty-file'), /^-r--r--r-- 0\/0 +0 /);
  assert.match(entry(`/share/${LONG}`), /^-r--r--r-- 0\/0 +16 /);
  assert.match(entry('/share/rel-link'), / -> hard-a$/);
  assert.match(entry('/share/long-target-link'), new RegExp(` -> \\.\\./share/${LONG}$`));
  assert.match(entry('/share/hard-b'), /^h.* link to \.\/nix\/store\/[a-z0-9]{32}-special-1\.0\/share\/hard-a$/);
  assert.ok(entry(DEEP.slice(-50)).includes(DEEP), 'the deep path (PAX)');
  // Sorted by path bytes, parents before children.
  const key = (n: string) => B(n.replaceAll('/', '\0'));
  for (let i = 1; i < names.length; i++) assert.ok(Buffer.compare(key(names[i - 1]!), key(names[i]!)) < 0, `${names[i - 1]} before ${names[i]}`);
});

test('rootfs: the extracted tarball is the image root partition (debugfs rdump), hard links included', async () => {
  const m = JSON.parse(await fsp.readFile(path.join(outA, 'manifest.json'), 'utf8'));
  const offset: number = m.partitions[1].start;
  const image = path.join(outA, 'tartest-L.img');
  const fromImage = path.join(tmp, 'rdump');
  await fsp.mkdir(fromImage);
  await execa('debugfs', ['-R', `rdump / ${fromImage}`, `${image}?offset=${offset}`]);
  const fromTar = path.join(tmp, 'x-rootfs');
  await extract(path.join(outAPlain, 'tartest-L.tar'), fromTar);
  const img = await snapshot(fromImage, { skip: ['lost+found'] });
  // rdump drops setuid/setgid/sticky and hard links: take modes and inodes from debugfs ls -p.
  const dirs = [...img].filter(([, n]) => n.type === 'dir').map(([p]) => p);
  const listing = await ext4Listing(image, offset, dirs, tmp);
  for (const [p, n] of img) {
    const l = listing.get(p);
    assert.ok(l, `debugfs lists ${showBytes(p)}`);
    if (n.type !== 'symlink') n.mode = l.mode & 0o7777;
    n.ino = l.ino;
  }
  const tar = await snapshot(fromTar);
  assert.ok(tar.size > 60, `${tar.size} entries`);
  assert.deepEqual(diffSnapshots(img, tar, { nameA: 'the image', nameB: 'the tarball' }), []);

  // The awkward cases are really there.
  const sp = `nix/store/${path.basename(A.special)}`;
  assert.equal(tar.get(`${sp}/bin/setuid-tool`)?.mode, 0o4755);
  assert.equal(tar.get(`${sp}/share/tmp`)?.mode, 0o1777);
  assert.equal(tar.get(`${sp}/share/empty-file`)?.size, 0);
  assert.equal(tar.get(`${sp}/share/${LONG}`)?.type, 'file');
  assert.equal(tar.get(`${sp}/${DEEP}`)?.type, 'file');
  assert.equal(tar.get(`${sp}/share/long-target-link`)?.target, `../share/${LONG}`);
  assert.equal(tar.get('')?.mtime, EPOCH);

  // Hard links: the same groups of paths share an inode in the image and after extraction.
  const imgGroups = linkGroups(fileInodes(img));
  const tarGroups = linkGroups(fileInodes(tar));
  assert.ok(tarGroups.some((g) => g.includes(`${sp}/share/hard-a`) && g.includes(`${sp}/share/hard-b`)), JSON.stringify(tarGroups));
  assert.ok(tarGroups.some((g) => g.length >= 2 && g.every((p) => p.endsWith('/share/doc/LICENSE'))), 'LICENSE shared across store paths');
  assert.deepEqual(tarGroups, imgGroups);
});

test('rootfs: deterministic (closure created in reverse order elsewhere)', async () => {
  const outR = path.join(tmp, 'out-r');
  const outRPlain = path.join(tmp, 'out-r-plain');
  await build(rootSpec, R.rootfs, outR);
  await build(rootSpec, R.rootfs, outRPlain, ['--no-compress']);
  assert.equal(await sha256(path.join(outR, 'tartest-L.tar.zst')), await sha256(path.join(outA, 'tartest-L.tar.zst')));
  assert.equal(await sha256(path.join(outRPlain, 'tartest-L.tar')), await sha256(path.join(outAPlain, 'tartest-L.tar')));
});

test('spec errors for output.tar', async () => {
  const cases: [unknown, RegExp][] = [
    ['rootfss', /spec\.output\.tar: expected one of .*rootfs.*got string "rootfss"/],
    [{ type: 'rootfs', partition: 'nope' }, /spec\.output\.tar\.partition: no partition is named "nope"/],
    [{ type: 'nix-binary-tarball', partition: 'root' }, /spec\.output\.tar\.partition: only a "rootfs" tarball takes a partition/],
    [{ type: 'rootfs', partiton: 'root' }, /spec\.output\.tar: unknown key "partiton" \(did you mean "partition"\?\)/],
  ];
  const runs = [];
  for (const [i, [tar]] of cases.entries()) {
    runs.push(['build', await writeSpec(`bad-${i}`, tar), '--closure', A.rootfs, '--store-root', path.dirname(A.rootfs), '-o', path.join(tmp, `out-bad-${i}`)]);
  }
  // The first through the real CLI, the others through main() in one batch process.
  const results = [await runCli(runs[0]!), ...(await batched(tmp, runs.slice(1)))];
  for (const [i, [, re]] of cases.entries()) {
    const out = path.join(tmp, `out-bad-${i}`);
    const r = results[i]!;
    assert.equal(r.exitCode, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^imgsmith: error: /);
    assert.match(r.stderr, re);
    assert.deepEqual(await listFiles(out), []);
  }
});

test('writeTar: names and symlink targets that are not UTF-8 keep their bytes (GNU tar)', async () => {
  const src = path.join(tmp, 'src-file');
  await fsp.writeFile(src, 'from disk\n');
  const entries: TarSourceEntry[] = [
    { path: '/', kind: 'dir', mode: 0o755 },
    { path: `/${NON_UTF8}`, kind: 'file', mode: 0o4711, size: 10, source: src },
    { path: `/d-${NON_UTF8}`, kind: 'dir', mode: 0o2750 },
    { path: `/d-${NON_UTF8}/${'\xff'.repeat(200)}`, kind: 'file', mode: 0o600, data: Buffer.from('x') },
    { path: '/link', kind: 'symlink', mode: 0o777, target: `d-${NON_UTF8}/\xfe` },
  ];
  async function* gen() {
    yield* entries;
  }
  const out = path.join(tmp, 'bytes.tar');
  const r = await writeTar(gen(), { path: out }, 5);
  assert.equal(r.sha256, await sha256(out));
  const dest = path.join(tmp, 'x-bytes');
  await extract(out, dest);
  const s = await snapshot(dest);
  assert.deepEqual([...s.keys()].map(showBytes), ['', 'caf\\xe9', 'd-caf\\xe9', `d-caf\\xe9/${'\\xff'.repeat(200)}`, 'link']);
  assert.equal(s.get(NON_UTF8)?.mode, 0o4711);
  assert.equal(s.get(NON_UTF8)?.mtime, 5);
  assert.equal(s.get(`d-${NON_UTF8}`)?.mode, 0o2750);
  assert.equal(s.get('link')?.target, `d-${NON_UTF8}/\xfe`);
  // PAX only where ustar cannot hold the entry: a size of 8 GiB or more gets a "size" record.
  assert.equal(planHeader('f', false, undefined, 0o77777777777, 1).pax, undefined);
  const big = planHeader('f', false, undefined, 2 ** 33, 1).pax!;
  assert.ok(big.includes(Buffer.from('19 size=8589934592\n')), 'a PAX size record');
  assert.equal(planHeader('a/'.repeat(120) + 'b', false, undefined, 0, 1).pax, undefined, 'a 241-byte name fits ustar prefix + name');
  assert.ok(planHeader('x'.repeat(101), false, undefined, 0, 1).pax, 'a 101-byte component does not');
  // Out of order entries are refused (determinism depends on the order).
  async function* unsorted() {
    yield { path: '/b', kind: 'dir', mode: 0o755 } as TarSourceEntry;
    yield { path: '/a', kind: 'dir', mode: 0o755 } as TarSourceEntry;
  }
  await assert.rejects(writeTar(unsorted(), { path: path.join(tmp, 'bad.tar') }, 1), /out of order/);
  await assert.rejects(fsp.access(path.join(tmp, 'bad.tar')), 'a failed tarball is removed');
});

test('nix-binary-tarball: layout, Hydra binary-dist, nix-store --load-db + --verify --check-contents in a scratch store', async () => {
  assert.equal(nixAvailable, undefined, nixAvailable);
  const spec = await writeSpec('nix', 'nix-binary-tarball', false);
  const out = path.join(tmp, 'out-nix');
  await build(spec, A.nix, out, ['--no-compress']);
  const tarFile = path.join(out, 'tartest-L.tar');
  const products = await fsp.readFile(path.join(out, 'nix-support/hydra-build-products'), 'utf8');
  assert.equal(products, `file sd-image ${path.join(out, 'tartest-L.img')}\nfile binary-dist ${tarFile}\n`);
  const m = JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8'));
  assert.equal(m.tar.type, 'nix-binary-tarball');
  assert.equal(m.tar.topDir, 'nix-L-aarch64-linux');
  await execa('sha256sum', ['-c', 'tartest-L.tar.sha256'], { cwd: out });

  const x = path.join(tmp, 'x-nix');
  await extract(tarFile, x);
  const top = path.join(x, 'nix-L-aarch64-linux');
  assert.deepEqual((await fsp.readdir(x)).sort(), ['nix-L-aarch64-linux']);
  assert.deepEqual((await fsp.readdir(top)).sort(), ['.reginfo', 'install', 'store']);
  assert.equal(await fsp.readFile(path.join(top, '.reginfo'), 'utf8'), (await fsp.readFile(path.join(A.nix, 'registration'), 'utf8')).replaceAll(A.fx.storeDir, '/nix/store'));
  // Every store path is there as on the host, byte names included.
  const storePaths = (await fsp.readFile(path.join(A.nix, 'store-paths'), 'utf8')).trim().split('\n');
  assert.deepEqual((await fsp.readdir(path.join(top, 'store'))).sort(), storePaths.map((p) => path.basename(p)).sort());
  for (const p of storePaths) {
    const d = diffSnapshots(await snapshot(path.join(A.fx.storeRoot, p)), await snapshot(path.join(top, 'store', path.basename(p))), { mtime: false, nameA: 'the host', nameB: 'the tarball' });
    assert.deepEqual(d, [], path.basename(p));
  }
  const bytes = await snapshot(path.join(top, 'store', path.basename(A.bytes)));
  assert.equal(bytes.get(NON_UTF8)?.type, 'file');
  assert.equal(bytes.get('link-\xff')?.target, NON_UTF8);

  // install into a scratch root with the packaged script, then let Nix check everything.
  const root = path.join(tmp, 'scratch-root');
  const nixEnv = { NIX_CONF_DIR: path.join(tmp, 'nix-conf'), NIX_USER_CONF_FILES: '', NIX_REMOTE: '', HOME: tmp, XDG_CACHE_HOME: path.join(tmp, 'cache') };
  await fsp.mkdir(nixEnv.NIX_CONF_DIR, { recursive: true });
  await fsp.writeFile(path.join(nixEnv.NIX_CONF_DIR, 'nix.conf'), 'sandbox = false\n');
  const store = `local?root=${root}`;
  const inst = await execa(path.join(top, 'install'), [root], { env: nixEnv, reject: false });
  assert.equal(inst.exitCode, 0, `${inst.stdout}\n${inst.stderr}`);
  const verify = await execa('nix-store', ['--store', store, '--verify', '--check-contents'], { env: nixEnv, reject: false, all: true });
  assert.equal(verify.exitCode, 0, verify.all);
  assert.doesNotMatch(String(verify.all), /modified|error/i);
  const valid = (await execa('nix-store', ['--store', store, '--query', '--requisites', ...storePaths.map((p) => `/nix/store/${path.basename(p)}`)], { env: nixEnv })).stdout;
  assert.deepEqual(valid.trim().split('\n').sort(), storePaths.map((p) => `/nix/store/${path.basename(p)}`).sort());
  // The check can fail: a modified file in a store path is reported.
  const victim = path.join(root, 'nix/store', path.basename(A.special), 'share/empty-file');
  await fsp.chmod(path.dirname(victim), 0o755);
  await fsp.chmod(victim, 0o644);
  await fsp.writeFile(victim, 'changed\n');
  const bad = await execa('nix-store', ['--store', store, '--verify', '--check-contents'], { env: nixEnv, reject: false, all: true });
  assert.notEqual(bad.exitCode, 0);
  assert.match(String(bad.all), /special-1\.0' was modified/);
});

test('nix-binary-tarball: deterministic (.tar.zst from a closure created in reverse order)', async () => {
  assert.equal(nixAvailable, undefined, nixAvailable);
  const spec = await writeSpec('nix', 'nix-binary-tarball', false);
  const o1 = path.join(tmp, 'out-nix-a');
  const o2 = path.join(tmp, 'out-nix-r');
  await build(spec, A.nix, o1);
  await build(spec, R.nix, o2);
  assert.equal(await sha256(path.join(o1, 'tartest-L.tar.zst')), await sha256(path.join(o2, 'tartest-L.tar.zst')));
});
