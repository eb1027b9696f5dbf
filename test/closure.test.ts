/**
 * Closures (closureInfo, plain store path lists, NAR hashing, registration parsing)
 * and the extlinux generator. NAR hashes and sizes below were produced by Nix 2.8
 * (`nix-hash --type sha256 --base32`, `nix-store --dump | wc -c`) on the same trees.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { addClosureToTree, closureFromStorePaths, readClosureInfo, storeHostPath } from '../src/content/closure.ts';
import { narInfo, nixBase32 } from '../src/content/nix-store.ts';
import { addExtlinuxToTree, treeHasPath } from '../src/content/extlinux.ts';
import { FileTree, walkTree } from '../src/content/tree.ts';
import { loadNative } from '../src/sparse.ts';
import { execa } from 'execa';
import { ImgsmithError, InputError } from '../src/errors.ts';
import { makeClosure, makeTmpDir, removeTree, type ClosureFixture } from './helpers/closure-fixture.ts';

let tmp: string;
let fx: ClosureFixture;

before(async () => {
  tmp = await makeTmpDir();
  fx = await makeClosure(path.join(tmp, 'a'));
});
after(async () => {
  await removeTree(tmp);
});

/** Asserts that `p` rejects with an ImgsmithError of `kind` whose message matches `re`. */
async function rejects(p: Promise<unknown>, kind: new (...args: never[]) => ImgsmithError, re: RegExp): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ImgsmithError, `expected an ImgsmithError, got ${String(err)}`);
    assert.ok(err instanceof kind, `expected a ${kind.name}, got a ${err.name}: ${err.message}`);
    assert.match(err.message, re);
    return err.message;
  }
  assert.fail(`expected an error matching ${re}`);
}

/** A copy of the fixture's closureInfo dir with a different registration. */
async function withRegistration(name: string, text: string): Promise<string> {
  const dir = path.join(tmp, `ci-${name}`);
  await fsp.mkdir(dir, { recursive: true });
  await fsp.copyFile(path.join(fx.closureInfoDir, 'store-paths'), path.join(dir, 'store-paths'));
  await fsp.writeFile(path.join(dir, 'registration'), text);
  return dir;
}

/** A copy of `l` with line `i` replaced. */
const set = (l: string[], i: number, v: string): string[] => l.map((x, k) => (k === i ? v : x));

const regText = async () => fsp.readFile(path.join(fx.closureInfoDir, 'registration'), 'utf8');

describe('NAR hashing', () => {
  test('nix base32 of known digests', () => {
    assert.equal(nixBase32(Buffer.alloc(32)), '0'.repeat(52));
    // sha256("") in nix base32, as `nix-hash --type sha256 --to-base32 e3b0c442...b855` prints it.
    const empty = Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex');
    assert.equal(nixBase32(empty), '0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73');
  });

  test('matches nix-hash / nix-store --dump on files, symlinks, executables and directories', async () => {
    const t = path.join(tmp, 'nartree');
    await fsp.mkdir(path.join(t, 'sub', 'empty-dir'), { recursive: true });
    await fsp.writeFile(path.join(t, 'hello'), 'hello\n', { mode: 0o755 });
    await fsp.chmod(path.join(t, 'hello'), 0o755);
    await fsp.writeFile(path.join(t, 'empty'), '');
    await fsp.symlink('../hello', path.join(t, 'sub', 'link'));
    await fsp.writeFile(path.join(t, 'sub', 'z'), 'z'.repeat(100));
    assert.deepEqual(await narInfo(t), { narHash: 'sha256:03k9g9spafpi42w18id3c8n4bjy68k9rnpscjghhj7ak9d68dl0n', narSize: 1328, references: new Set() });
    const hello = await narInfo(path.join(t, 'hello'));
    assert.equal(hello.narHash, 'sha256:1yhh619m3cy1mird7f0l7zsmiv9rayqn075zinda2g7rscwn0hv5');
    assert.equal(hello.narSize, 152);
    const link = await narInfo(path.join(t, 'sub', 'link'));
    assert.equal(link.narHash, 'sha256:0wvag3nl6412rbhznk5jdx5bnsbpxqq9glrflwxza7i2qask3406');
    assert.equal(link.narSize, 120);
    await fsp.chmod(path.join(t, 'hello'), 0o644); // not executable: another NAR
    assert.equal((await narInfo(t)).narHash, 'sha256:15nwc51md9k5rrgq1f61za3gcq78j6rjwaygr879a89ba67930kl');
  });

  test('the fixture store paths hash as Nix hashes them', () => {
    const expected: Record<string, [string, number]> = {
      'qf97ra4zdxc2q2q3pia5xa7ch05azwi3-bash-5.2-p15': ['0dwqswdb7cy5c56qy910g6xkhqs6mwzlylp76zjxjfyr09spflwl', 8232],
      '3203khb0zj21gqnl3hifah6dwy24hz5r-linux-6.1.21': ['02bp64vx28ggjlwxgpnbz82yzn4n5w7xf0c1c69sarsair1blfq7', 59232],
      'nmx8pyq9c6djbn8grk79zyq8fwgjixgx-initrd-linux-6.1.21': ['0yb4c82hfq366lyfy9kj8afsyilymsiqa5d3y7ryqg1cdayq8j69', 20280],
      'i1ia2jl0c9mfwcj5spxn5b5f5qpy0fcx-nixos-system-nixos-23.11.20240101.abcdef': ['0m5lq89raa03dki70afn5mv5d01ir7w2j4pc22zci8jx3kxnmbv8', 2120],
      'wbq4vv2xxaxni73xl5mkb9w59il9p132-pkg-0-1.0': ['1p3a6yddssf7xa9m4qawry52zhy27x4zhm3201x0g0sb5bvf5ypv', 21680],
      '0i5ls0jhfrcssmh9dvwfjxlgcfknszg0-pkg-1-1.0': ['062h4a619nbsy53xbw82fpxdh1ym01zfq2ajb5x5zannr05ybxr7', 25080],
      'k2s0wvabyvhjdwnh0anz0vfggyls5xy1-pkg-2-1.0': ['0jdwvwac3250c8ib0akqzk4987s68krvz729rcml1hp7fa0bsbyx', 28328],
    };
    assert.equal(fx.registration.length, 7);
    for (const e of fx.registration) {
      const want = expected[path.basename(e.path)];
      assert.ok(want, `unexpected store path ${e.path}`);
      assert.equal(e.narHash, `sha256:${want[0]}`, e.path);
      assert.equal(e.narSize, want[1], e.path);
    }
  });
});

const L = (h: string) => '/nix/store' + h.slice(fx.storeDir.length);
const Lf = (h: string, f: { storeDir: string }) => '/nix/store' + h.slice(f.storeDir.length);
const readCI = (d: string) => readClosureInfo(d, { storeRoot: fx.storeRoot });

describe('readClosureInfo', () => {
  test('reads a closureInfo directory; the registration is kept byte for byte', async () => {
    const ci = await readCI(fx.closureInfoDir);
    assert.equal(ci.storeDir, '/nix/store');
    assert.deepEqual(ci.storePaths, fx.storePaths.map(L));
    assert.equal(ci.registrationEntries.length, 7);
    const top = ci.registrationEntries.find((e) => e.path === L(fx.toplevel))!;
    assert.deepEqual(top.references, [fx.byName.linux!, fx.byName['pkg-2']!, fx.byName.initrd!, fx.byName.bash!].map(L).sort());
    assert.equal(top.deriver, '');
    assert.equal(ci.registration.toString(), await regText());
    assert.equal(ci.hostPath(L(fx.toplevel)), fx.toplevel);
  });

  test('a plain list of store paths gets the same registration, references found by scanning', async () => {
    const fromList = await readCI(fx.storePathsFile);
    const fromInfo = await readCI(fx.closureInfoDir);
    assert.equal(fromList.registration.toString(), fromInfo.registration.toString());
    const direct = await closureFromStorePaths([...fx.storePaths].map(L).reverse(), { storeRoot: fx.storeRoot });
    assert.equal(direct.registration.toString(), fromInfo.registration.toString());
  });

  test('a missing closure, store-paths or registration is named', async () => {
    await rejects(readCI(path.join(tmp, 'nope')), InputError, /nope does not exist/);
    const dir = path.join(tmp, 'ci-empty');
    await fsp.mkdir(dir);
    await rejects(readCI(dir), InputError, /ci-empty\/store-paths does not exist/);
    await fsp.copyFile(path.join(fx.closureInfoDir, 'store-paths'), path.join(dir, 'store-paths'));
    await rejects(readCI(dir), InputError, /ci-empty\/registration does not exist/);
  });

  test('malformed registrations are rejected with the line number and what was expected', async () => {
    const lines = (await regText()).split('\n');
    const cases: [string, (l: string[]) => string[], RegExp][] = [
      ['size', (l) => set(l, 2, 'abc'), /registration line 3: expected a NAR size \(a number\), got 'abc'/],
      ['hash', (l) => set(l, 1, 'md5:abc'), /registration line 2: expected a NAR hash \(sha256:<52 nix-base32 characters>\), got 'md5:abc'/],
      ['short-hash', (l) => set(l, 1, 'sha256:0lbwa4x6'), /registration line 2: expected a NAR hash/],
      ['path', (l) => set(l, 0, 'relative/path'), /registration line 1: expected a store path in .*nix\/store, got 'relative\/path'/],
      ['count', (l) => set(l, 4, 'two'), /registration line 5: expected the number of references \(a number\), got 'two'/],
      ['deriver', (l) => set(l, 3, 'not-a-path'), /registration line 4: expected a deriver/],
      ['ref', (l) => set(l, 5, '/elsewhere/store/qf97ra4zdxc2q2q3pia5xa7ch05azwi3-bash-5.2-p15'), /registration line 6: expected a reference \(a store path in .*\), got '\/elsewhere/],
    ];
    for (const [name, edit, re] of cases) {
      const dir = await withRegistration(name, edit([...lines]).join('\n'));
      const msg = await rejects(readCI(dir), InputError, re);
      assert.ok(msg.includes(path.join(dir, 'registration')), msg);
    }
    // Truncated in the middle of an entry (the last line is a reference count of 2 with one reference).
    const body = lines.slice(0, -1); // without the final ""
    const firstEnd = 5 + Number(body[4]); // lines of the first entry
    const truncated = [...body.slice(0, firstEnd - 1), ''];
    const dir = await withRegistration('truncated', truncated.join('\n'));
    await rejects(readCI(dir), InputError, new RegExp(`registration line ${firstEnd}: unexpected end of file: expected a reference`));
    await rejects(readCI(await withRegistration('nonl', body.join('\n'))), InputError, /registration: the last line does not end with a newline/);
  });

  test('registration and store-paths must agree, and the closure must be closed', async () => {
    const text = await regText();
    const lines = text.split('\n');
    // Drop the first entry: a listed path without registration.
    const n = 5 + Number(lines[4]);
    const first = lines[0]!;
    await rejects(readCI(await withRegistration('unregistered', lines.slice(n).join('\n'))), InputError, new RegExp(`${first} \\(listed in .*store-paths\\) has no registration`));
    // Twice the same entry.
    await rejects(readCI(await withRegistration('twice', lines.slice(0, n).join('\n') + '\n' + text)), InputError, /is registered twice/);
    // A store-paths file without the toplevel: its registration is unlisted and others reference nothing missing.
    const dir = await withRegistration('unlisted', text);
    await fsp.writeFile(path.join(dir, 'store-paths'), fx.storePaths.filter((p) => p !== fx.byName.bash).map(L).join('\n') + '\n');
    await rejects(readCI(dir), InputError, /bash-5.2-p15 is registered but not listed/);
  });

  test('store-paths lines are checked', async () => {
    const mk = async (name: string, body: string) => {
      const dir = await withRegistration(name, '');
      await fsp.writeFile(path.join(dir, 'store-paths'), body);
      return readCI(dir);
    };
    await rejects(mk('sp-rel', `${L(fx.storePaths[0]!)}\nnix/store/abc\n`), InputError, /store-paths line 2: expected an absolute store path, got 'nix\/store\/abc'/);
    await rejects(mk('sp-name', `${L(fx.storePaths[0]!)}\n/nix/store/not-a-hash-name\n`), InputError, /store-paths line 2: .* is not a store path/);
    await rejects(mk('sp-dir', `${L(fx.storePaths[0]!)}\n/other/store/qf97ra4zdxc2q2q3pia5xa7ch05azwi3-bash-5.2-p15\n`), InputError, /store-paths line 2: .* is not in the same store directory/);
    await rejects(mk('sp-dup', `${L(fx.storePaths[0]!)}\n${L(fx.storePaths[0]!)}\n`), InputError, /store-paths line 2: .* is listed twice/);
  });

  test('missing store paths: the first one and how many', async () => {
    const f2 = await makeClosure(path.join(tmp, 'missing'), { paths: 2 });
    const gone = [f2.byName['pkg-0']!, f2.byName.initrd!].sort();
    for (const p of gone) await fsp.rename(p, `${p}.away`);
    await rejects(readClosureInfo(f2.closureInfoDir, { storeRoot: f2.storeRoot }), InputError, new RegExp(`2 of the 6 store paths listed in .*store-paths do not exist, the first is ${Lf(gone[0]!, f2)}`));
    await rejects(readClosureInfo(f2.storePathsFile, { storeRoot: f2.storeRoot }), InputError, /2 of the 6 store paths listed in .*store-paths.txt do not exist/);
  });
});

describe('addClosureToTree', () => {
  test('adds every store path at its store path with modes, links and the registration', async () => {
    const ci = await readCI(fx.closureInfoDir);
    const tree = new FileTree();
    const stats = addClosureToTree(tree, ci);
    assert.equal(stats.paths, 7);
    const all = new Map(tree.entries());
    const base = (k: string) => `/nix/store/${path.basename(fx.byName[k]!)}`;
    assert.deepEqual(all.get(base('toplevel')), { kind: 'dir', mode: 0o555 });
    assert.deepEqual(all.get(`${base('toplevel')}/kernel`), { kind: 'symlink', target: `/nix/store/${path.basename(fx.byName.linux!)}/Image` });
    const init = all.get(`${base('toplevel')}/init`);
    assert.ok(init && init.kind === 'file' && init.mode === 0o555 && init.source === path.join(fx.toplevel, 'init'));
    const lib = all.get(`${base('pkg-1')}/lib/libpkg.so.1`);
    assert.ok(lib && lib.kind === 'file' && lib.mode === 0o444);
    const long = all.get(`${base('pkg-1')}/share/long-link`);
    assert.ok(long && long.kind === 'symlink' && long.target.length > 60);
    assert.deepEqual(all.get(`${base('pkg-0')}/share/emptydir`), { kind: 'dir', mode: 0o555 });
    const reg = all.get('/nix-path-registration');
    assert.ok(reg && reg.kind === 'data' && reg.mode === 0o644 && reg.data.equals(ci.registration));
    for (const [p] of all) {
      assert.ok(p === '/' || p === '/nix' || p.startsWith('/nix/store') || p === '/nix-path-registration', p);
    }
  });
});

describe('extlinux', () => {
  const expectedConf = (h: { linux: string; initrd: string; top: string }) =>
    '# Generated file, all changes will be lost on nixos-rebuild!\n' +
    '\n' +
    '# Change this to e.g. nixos-42 to temporarily boot to an older configuration.\n' +
    'DEFAULT nixos-default\n' +
    '\n' +
    'MENU TITLE ------------------------------------------------------------\n' +
    'TIMEOUT 50\n' +
    '\n' +
    'LABEL nixos-default\n' +
    '  MENU LABEL NixOS - Default\n' +
    `  LINUX ../nixos/${h.linux}-Image\n` +
    `  INITRD ../nixos/${h.initrd}-initrd\n` +
    `  APPEND init=/nix/store/${h.top}/init console=ttyS0,115200n8 console=ttyAMA0,115200n8 console=tty0 loglevel=4\n` +
    `  FDTDIR ../nixos/${h.linux}-dtbs\n`;

  test('kernel, initrd, dtbs and extlinux.conf as the NixOS builder makes them', async () => {
    const tree = new FileTree();
    await addExtlinuxToTree(tree, fx.toplevel, { target: '/boot', storeHost: storeHostPath(fx.storeRoot) });
    const h = { linux: path.basename(fx.byName.linux!), initrd: path.basename(fx.byName.initrd!), top: path.basename(fx.toplevel) };
    const conf = tree.get('/boot/extlinux/extlinux.conf');
    assert.ok(conf && conf.kind === 'data' && conf.mode === 0o644);
    assert.equal(conf.data.toString(), expectedConf(h));
    const kernel = tree.get(`/boot/nixos/${h.linux}-Image`);
    assert.ok(kernel && kernel.kind === 'file');
    assert.equal(kernel.source, path.join(fx.byName.linux!, 'Image'));
    assert.equal(kernel.size, 48 * 1024);
    const initrd = tree.get(`/boot/nixos/${h.initrd}-initrd`);
    assert.ok(initrd && initrd.kind === 'file' && initrd.source === path.join(fx.byName.initrd!, 'initrd'));
    const dtb = new Map(tree.entries()).get(`/boot/nixos/${h.linux}-dtbs/broadcom/bcm2837-rpi-3-b.dtb`);
    assert.ok(dtb && dtb.kind === 'file' && dtb.source === path.join(fx.byName.linux!, 'dtbs/broadcom/bcm2837-rpi-3-b.dtb'));
    assert.ok(new Map(tree.entries()).has(`/boot/nixos/${h.linux}-dtbs/overlays/README`));
    const names = tree.entries().map(([p]) => p).filter((p) => p.startsWith('/boot/nixos/') && p.split('/').length === 4);
    assert.deepEqual(names.sort(), [`/boot/nixos/${h.initrd}-initrd`, `/boot/nixos/${h.linux}-Image`, `/boot/nixos/${h.linux}-dtbs`].sort());
  });

  test('through a result symlink, another target and timeout; no dtbs means no FDTDIR', async () => {
    const f = await makeClosure(path.join(tmp, 'nodtb'), { paths: 1 });
    const link = path.join(tmp, 'nodtb', 'result');
    await fsp.symlink(f.toplevel, link);
    await fsp.chmod(f.toplevel, 0o755);
    await fsp.rm(path.join(f.toplevel, 'dtbs'));
    await fsp.writeFile(path.join(f.toplevel, 'kernel-params'), 'quiet\n\n');
    const tree = new FileTree();
    await addExtlinuxToTree(tree, link, { target: '/', timeout: 10, storeHost: storeHostPath(f.storeRoot) });
    const conf = tree.get('/extlinux/extlinux.conf');
    assert.ok(conf && conf.kind === 'data');
    const text = conf.data.toString();
    assert.match(text, /\nTIMEOUT 10\n/);
    assert.match(text, new RegExp(`\n  APPEND init=/nix/store/${path.basename(f.toplevel)}/init quiet\n$`));
    assert.doesNotMatch(text, /FDTDIR/);
    assert.ok(tree.has(`/nixos/${path.basename(f.byName.linux!)}-Image`));
  });

  test('extraKernelParams are appended after kernel-params; init can be given; tree paths resolve through symlinks', async () => {
    const h = { linux: path.basename(fx.byName.linux!), initrd: path.basename(fx.byName.initrd!), top: path.basename(fx.toplevel) };
    const tree = new FileTree();
    await addExtlinuxToTree(tree, fx.toplevel, { target: '/boot', storeHost: storeHostPath(fx.storeRoot), extraKernelParams: ['quiet', 'x="a b"'], init: '/sbin/init' });
    const conf = tree.get('/boot/extlinux/extlinux.conf');
    assert.ok(conf && conf.kind === 'data');
    assert.equal(
      conf.data.toString(),
      expectedConf(h).replace(`init=/nix/store/${h.top}/init console=ttyS0,115200n8 console=ttyAMA0,115200n8 console=tty0 loglevel=4\n`, 'init=/sbin/init console=ttyS0,115200n8 console=ttyAMA0,115200n8 console=tty0 loglevel=4 quiet x="a b"\n'),
    );
    // No new options (or empty ones): byte-identical to the builder's text.
    const plain = new FileTree();
    await addExtlinuxToTree(plain, fx.toplevel, { target: '/boot', storeHost: storeHostPath(fx.storeRoot), extraKernelParams: [] });
    assert.equal((plain.get('/boot/extlinux/extlinux.conf') as { data: Buffer }).data.toString(), expectedConf(h));

    const t = new FileTree();
    t.add('/nix/store/abc-sys/init', { kind: 'data', mode: 0o755, data: Buffer.from('#!/bin/sh\n') });
    t.add('/nix/store/abc-sys/link', { kind: 'symlink', target: '../abc-sys' });
    t.add('/sbin/init', { kind: 'symlink', target: '/nix/store/abc-sys/link/init' });
    t.add('/loop', { kind: 'symlink', target: '/loop' });
    assert.equal(treeHasPath(t, '/sbin/init'), true);
    assert.equal(treeHasPath(t, '/nix/store/abc-sys/init'), true);
    assert.equal(treeHasPath(t, '/nix/store/abc-sys/nope'), false);
    assert.equal(treeHasPath(t, '/loop'), false, 'a loop is not a path');
  });

  test('fdt: FDT <dtbs>/<name> instead of FDTDIR (the builder\'s -n); a dtb or dtbs that is not there is named', async () => {
    const h = { linux: path.basename(fx.byName.linux!), initrd: path.basename(fx.byName.initrd!), top: path.basename(fx.toplevel) };
    const tree = new FileTree();
    await addExtlinuxToTree(tree, fx.toplevel, { target: '/boot', storeHost: storeHostPath(fx.storeRoot), fdt: 'broadcom/bcm2837-rpi-3-b.dtb' });
    const conf = (tree.get('/boot/extlinux/extlinux.conf') as { data: Buffer }).data.toString();
    assert.equal(conf, expectedConf(h).replace(/ {2}FDTDIR (\S+)\n$/, '  FDT $1/broadcom/bcm2837-rpi-3-b.dtb\n'));
    assert.match(conf, new RegExp(`\n  FDT \\.\\./nixos/${h.linux}-dtbs/broadcom/bcm2837-rpi-3-b\\.dtb\n$`));
    assert.ok(new Map(tree.entries()).has(`/boot/nixos/${h.linux}-dtbs/broadcom/bcm2837-rpi-3-b.dtb`), 'the dtbs are copied as with FDTDIR');
    await rejects(
      addExtlinuxToTree(new FileTree(), fx.toplevel, { storeHost: storeHostPath(fx.storeRoot), fdt: 'broadcom/nope.dtb' }),
      InputError,
      /the extlinux option fdt names broadcom\/nope\.dtb, which is not a file in \/nix\/store\/\S+-linux-6\.1\.21\/dtbs/,
    );
    await rejects(
      addExtlinuxToTree(new FileTree(), fx.toplevel, { storeHost: storeHostPath(fx.storeRoot), fdt: 'broadcom' }),
      InputError,
      /fdt names broadcom, which is not a file/,
    );
    const f = await makeClosure(path.join(tmp, 'fdt-nodtbs'), { paths: 0 });
    await fsp.chmod(f.toplevel, 0o755);
    await fsp.rm(path.join(f.toplevel, 'dtbs'));
    await rejects(addExtlinuxToTree(new FileTree(), f.toplevel, { storeHost: storeHostPath(f.storeRoot), fdt: 'x.dtb' }), InputError, /fdt names x\.dtb, but the NixOS system .* has no dtbs directory/);
  });

  test('a missing toplevel, kernel, initrd or init is named', async () => {
    await rejects(addExtlinuxToTree(new FileTree(), path.join(tmp, 'no-system'), {}), InputError, /no-system does not exist/);
    for (const name of ['kernel', 'initrd', 'init']) {
      const f = await makeClosure(path.join(tmp, `no-${name}`), { paths: 0 });
      await fsp.chmod(f.toplevel, 0o755);
      await fsp.rm(path.join(f.toplevel, name));
      await rejects(addExtlinuxToTree(new FileTree(), f.toplevel, { storeHost: storeHostPath(f.storeRoot) }), InputError, new RegExp(`has no ${name}: ${f.toplevel}/${name} `));
    }
    // A kernel symlink pointing to a missing store path.
    const f = await makeClosure(path.join(tmp, 'dangling'), { paths: 0 });
    await fsp.chmod(f.byName.linux!, 0o755);
    await fsp.rm(path.join(f.byName.linux!, 'Image'));
    await rejects(addExtlinuxToTree(new FileTree(), f.toplevel, {}), InputError, /has no kernel: .*kernel \(-> .*linux-6.1.21\/Image\) is not a file/);
  });
});

describe('the tree walk with and without the addon', () => {
  const walkAll = (t: FileTree, noNative: boolean): { entries: string[]; error?: string } => {
    const saved = process.env.IMGSMITH_NO_NATIVE;
    if (noNative) process.env.IMGSMITH_NO_NATIVE = '1';
    else delete process.env.IMGSMITH_NO_NATIVE;
    const entries: string[] = [];
    try {
      for (const e of walkTree(t, { dirEnds: true })) entries.push(JSON.stringify(e, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v)));
      return { entries };
    } catch (err) {
      return { entries, error: String((err as Error).message) };
    } finally {
      if (saved === undefined) delete process.env.IMGSMITH_NO_NATIVE;
      else process.env.IMGSMITH_NO_NATIVE = saved;
    }
  };

  test('the same entries, links, targets and errors (scanDir vs readdir + lstat)', async (t) => {
    if (!loadNative()?.scanDir) return t.skip('the native addon is not built (npm run build:native)');
    const dir = path.join(tmp, 'walk');
    const b = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
    await fsp.mkdir(path.join(dir, 'host', 'sub', 'deep'), { recursive: true });
    await fsp.writeFile(path.join(dir, 'host', 'sub', 'a'), 'a\n');
    await fsp.chmod(path.join(dir, 'host', 'sub', 'a'), 0o4755);
    await fsp.link(path.join(dir, 'host', 'sub', 'a'), path.join(dir, 'host', 'sub', 'deep', 'a-link'));
    await fsp.writeFile(path.join(dir, 'host', 'empty'), '');
    await fsp.writeFile(b(dir, '/host/n', [0xff], 'o'), 'bytes\n');
    await fsp.symlink(b('t', [0xfe]), b(dir, '/host/odd-link'));
    await fsp.symlink('sub/a', path.join(dir, 'host', 'rel'));
    await fsp.symlink('/nonexistent/target', path.join(dir, 'host', 'dangling'));
    await fsp.symlink('sub', path.join(dir, 'host', 'dirlink'));
    const tree = new FileTree();
    tree.add('/', { kind: 'dir', mode: 0o755 });
    tree.addHostDir('/copy', path.join(dir, 'host'), 0o755);
    tree.add('/copy/sub/extra', { kind: 'data', mode: 0o600, data: Buffer.from('x') });
    const js = walkAll(tree, true);
    const native = walkAll(tree, false);
    assert.equal(js.error, undefined);
    assert.ok(js.entries.length >= 12, `${js.entries.length} entries`);
    assert.deepEqual(native, js);
    // Following symlinks: a dangling one is the same error either way.
    const followed = new FileTree();
    followed.addHostDir('/f', path.join(dir, 'host'), 0o755, true);
    const fj = walkAll(followed, true);
    const fn = walkAll(followed, false);
    assert.match(fj.error ?? '', /dangling symlink/);
    assert.deepEqual(fn, fj);
    // Without the dangling link, the followed copy walks the same (dirlink becomes a directory).
    await fsp.rm(path.join(dir, 'host', 'dangling'));
    await fsp.rm(b(dir, '/host/odd-link'));
    const gj = walkAll(followed, true);
    assert.equal(gj.error, undefined);
    assert.deepEqual(walkAll(followed, false), gj);
    // A FIFO is the same clear error.
    await execa('mkfifo', [path.join(dir, 'host', 'fifo')]);
    const pj = walkAll(tree, true);
    assert.match(pj.error ?? '', /is a FIFO/);
    assert.deepEqual(walkAll(tree, false), pj);
  });
});
