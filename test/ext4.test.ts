/**
 * The ext4 writer, checked with e2fsprogs' own tools (e2fsck -fn, debugfs)
 * and blkid on images where the filesystem sits at an offset between other bytes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { addClosureToTree, readClosureInfo, storeHostPath } from '../src/content/closure.ts';
import { addExtlinuxToTree } from '../src/content/extlinux.ts';
import { FileTree, fromUtf8 } from '../src/content/tree.ts';
import { DoesNotFitError, InputError, UsageError } from '../src/errors.ts';
import { assertFits, ext4Driver, patchSuperblocks } from '../src/fs/ext4.ts';
import type { FsContext, FsReport } from '../src/fs/types.ts';
import { silentProgress, type Progress } from '../src/progress.ts';
import type { Ext4Spec } from '../src/spec-types.ts';
import { MiB } from '../src/units.ts';
import { makeClosure, makeTmpDir, removeTree, type ClosureFixture } from './helpers/closure-fixture.ts';
import { blkid } from './helpers/partition.ts';
import { readAt } from '../src/inspect/image.ts';
import { compiledIsFresh } from './helpers/cli-batch.ts';
import { sha256Tool } from './helpers/hash-tool.ts';

const EPOCH = 1700000000; // 2023-11-14 22:13:20 UTC
const HEX_EPOCH = `0x${EPOCH.toString(16)}`;
const OFFSET = 8 * MiB;
const TAIL = 1 * MiB;
const spec: Ext4Spec = { type: 'ext4', label: 'NIXOS_SD', uuid: '44444444-4444-4444-8888-888888888888' };
const toolEnv = { LC_ALL: 'C', TZ: 'UTC' };

let tmp: string;
let fx: ClosureFixture;
let tree: FileTree;
let size: number;
let img: string;
let report: FsReport;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const ctxFor = async (name: string, epoch = EPOCH): Promise<FsContext> => {
  const dir = path.join(tmp, `ctx-${name}`);
  await fsp.mkdir(dir, { recursive: true });
  return { tmpDir: dir, progress: silentProgress, epoch };
};
const dev = (image: string, offset = OFFSET) => `${image}?offset=${offset}`;

async function debugfs(image: string, cmd: string, offset = OFFSET): Promise<string> {
  return (await execa('debugfs', ['-R', cmd, dev(image, offset)], { env: toolEnv })).stdout;
}
async function debugfsBuffer(image: string, cmd: string, offset = OFFSET): Promise<Buffer> {
  return Buffer.from((await execa('debugfs', ['-R', cmd, dev(image, offset)], { env: toolEnv, encoding: 'buffer', stripFinalNewline: false })).stdout);
}
/** The superblock as e2fsprogs prints it (`debugfs -c -R stats`: the same lines as dumpe2fs
 *  -h, and unlike dumpe2fs 1.47.2+ it still takes `image?offset=N`); `backup`: the copy at
 *  that block (4 KiB blocks). */
async function dumpe2fsHeader(image: string, offset = OFFSET, backup?: number): Promise<Map<string, string>> {
  const args = ['-c', ...(backup ? ['-s', String(backup), '-b', '4096'] : []), '-R', 'stats', dev(image, offset)];
  const out = (await execa('debugfs', args, { env: toolEnv })).stdout.split(/^Directories:/m)[0]!;
  const m = new Map<string, string>();
  for (const l of out.split('\n')) {
    const x = /^([^:]+):\s*(.*)$/.exec(l);
    if (x) m.set(x[1]!.trim(), x[2]!.trim());
  }
  return m;
}
async function fsck(image: string, offset = OFFSET): Promise<void> {
  const r = await execa('e2fsck', ['-fn', dev(image, offset)], { env: toolEnv, reject: false });
  assert.equal(r.exitCode, 0, `e2fsck -fn failed:\n${r.stdout}\n${r.stderr}`);
}

/** An image of `head` bytes of 0xAA, `part` bytes of garbage (0x5A) and TAIL bytes of 0x55. */
async function patternImage(file: string, part: number, head = OFFSET): Promise<void> {
  const fh = await fsp.open(file, 'w');
  await fh.write(Buffer.alloc(head, 0xaa), 0, head, 0);
  const chunk = Buffer.alloc(MiB, 0x5a);
  for (let pos = 0; pos < part; pos += MiB) await fh.write(chunk, 0, Math.min(MiB, part - pos), head + pos);
  await fh.write(Buffer.alloc(TAIL, 0x55), 0, TAIL, head + part);
  await fh.close();
}
/** The bytes around the partition are patternImage's (only they are read, not the partition). */
async function assertOutsideUntouched(file: string, part: number, head = OFFSET): Promise<void> {
  assert.equal((await fsp.stat(file)).size, head + part + TAIL, 'the image file changed size');
  assert.ok((await readAt(file, 0, head)).equals(Buffer.alloc(head, 0xaa)), 'bytes before the partition changed');
  assert.ok((await readAt(file, head + part, TAIL)).equals(Buffer.alloc(TAIL, 0x55)), 'bytes after the partition changed');
}

interface Stat {
  ino: number;
  mode: string;
  uid: number;
  gid: number;
  links: number;
  times: string[];
  text: string;
}
async function stat(image: string, p: string, offset = OFFSET): Promise<Stat> {
  return parseStat(p, await debugfs(image, `stat "${p}"`, offset));
}
/** `stat` of every path in one debugfs run (`-f -`: it echoes each command before its output). */
async function stats(image: string, paths: string[], offset = OFFSET): Promise<Stat[]> {
  const input = paths.map((p) => `stat "${p}"\n`).join('');
  const out = (await execa('debugfs', ['-f', '-', dev(image, offset)], { env: toolEnv, input })).stdout;
  const texts = out.split(/^debugfs: stat .*\n?/m).slice(1);
  assert.equal(texts.length, paths.length, `debugfs ran one stat per path:\n${out.slice(0, 2000)}`);
  return paths.map((p, i) => parseStat(p, texts[i]!));
}
function parseStat(p: string, text: string): Stat {
  const ino = /Inode: (\d+)/.exec(text);
  assert.ok(ino, `debugfs stat ${p}: ${text}`);
  return {
    ino: Number(ino[1]),
    mode: /Mode:\s+(\d+)/.exec(text)![1]!,
    uid: Number(/User:\s+(\d+)/.exec(text)![1]),
    gid: Number(/Group:\s+(\d+)/.exec(text)![1]),
    links: Number(/Links: (\d+)/.exec(text)![1]),
    times: [...text.matchAll(/^\s*(?:a|m|c|cr)time: (0x[0-9a-f]+)/gm)].map((m) => m[1]!),
    text,
  };
}

/** The tree of a root partition: the closure, /boot (extlinux) and a file with odd owner and times. */
async function rootTree(f: ClosureFixture, oddFile?: string): Promise<FileTree> {
  const t = new FileTree();
  t.ensureDir('/');
  await addClosureToTree(t, await readClosureInfo(f.closureInfoDir, { storeRoot: f.storeRoot }));
  await addExtlinuxToTree(t, f.toplevel, { target: '/boot', storeHost: storeHostPath(f.storeRoot) });
  if (oddFile) {
    const st = await fsp.stat(oddFile);
    t.add('/etc/odd', { kind: 'file', mode: 0o640, size: st.size, source: oddFile });
  }
  t.add('/etc/hostname', { kind: 'data', mode: 0o644, data: Buffer.from('nixos\n') });
  return t;
}

before(async () => {
  tmp = await makeTmpDir();
  fx = await makeClosure(path.join(tmp, 'a'), { order: 'forward' });
  const odd = path.join(tmp, 'a', 'odd');
  await fsp.writeFile(odd, 'odd owner and times\n');
  if (process.getuid?.() === 0) await fsp.chown(odd, 4242, 70000); // 70000: needs the high 16 bits
  await fsp.utimes(odd, new Date('2001-02-03T04:05:06Z'), new Date('2039-01-01T00:00:00Z'));
  tree = await rootTree(fx, odd);
  // minimumSize and write with one context, as a build does: mke2fs reads the shim's virtual tree.
  const ctx = await ctxFor('write');
  size = await ext4Driver.minimumSize(spec, tree, ctx);
  img = path.join(tmp, 'root.img');
  await patternImage(img, size);
  report = await ext4Driver.write(spec, tree, { imagePath: img, offset: OFFSET, size }, ctx);
  assert.equal(report.type, 'ext4');
  assert.equal(report.uuid, spec.uuid);
  assert.equal(report.label, 'NIXOS_SD');
});
after(async () => {
  await removeTree(tmp);
});

describe('ext4 at an offset', () => {
  test('e2fsck is clean and the bytes around the partition are untouched', async () => {
    await fsck(img);
    await assertOutsideUntouched(img, size);
  });

  test('superblock: label, UUID, size, features, fixed times; blkid agrees', async () => {
    const h = await dumpe2fsHeader(img);
    assert.equal(h.get('Filesystem volume name'), 'NIXOS_SD');
    assert.equal(h.get('Filesystem UUID'), spec.uuid);
    assert.equal(h.get('Directory Hash Seed'), spec.uuid);
    assert.equal(Number(h.get('Block count')) * 4096, size);
    assert.equal(h.get('Block size'), '4096');
    assert.equal(h.get('Inode size'), '256');
    assert.equal(
      h.get('Filesystem features'),
      'has_journal ext_attr resize_inode dir_index filetype extent 64bit flex_bg sparse_super large_file huge_file dir_nlink extra_isize metadata_csum',
    );
    assert.equal(h.get('Filesystem flags'), 'signed_directory_hash');
    for (const k of ['Filesystem created', 'Last write time', 'Last checked']) assert.equal(h.get(k), 'Tue Nov 14 22:13:20 2023', k);
    // The report's facts (our superblock parser) are what e2fsprogs reads.
    assert.equal(report.stats.features, h.get('Filesystem features'));
    for (const [k, v] of [['Block count', report.stats.blocks], ['Free blocks', report.stats.freeBlocks], ['Inode count', report.stats.inodes]] as const) assert.equal(String(v), h.get(k), k);
    const journal = /Size: (\d+)/.exec(await debugfs(img, 'stat <8>'))!;
    assert.equal(report.stats.journalBlocks, Number(journal[1]) / 4096);
    assert.ok(Number(report.stats.journalBlocks) > 0);
    const b = await blkid(img, { offset: OFFSET, env: toolEnv });
    assert.equal(b.TYPE, 'ext4');
    assert.equal(b.LABEL, 'NIXOS_SD');
    assert.equal(b.UUID, spec.uuid);
  });

  test('every store path is in /nix/store, with the registration and /boot', async () => {
    const ls = await debugfs(img, 'ls -p /nix/store');
    const names = ls.split('\n').map((l) => l.split('/')[5]).filter((n): n is string => !!n && n !== '.' && n !== '..');
    assert.deepEqual(names.sort(), fx.storePaths.map((p) => path.basename(p)).sort());
    const root = (await debugfs(img, 'ls -p /')).split('\n').map((l) => l.split('/')[5]).filter(Boolean);
    assert.deepEqual(root, ['.', '..', 'lost+found', 'boot', 'etc', 'nix', 'nix-path-registration']);
  });

  test('owners are 0:0 and every time is the epoch, whatever the host files had', async () => {
    const linux = path.basename(fx.byName.linux!);
    const samples = [
      '/', '/lost+found', '/nix', '/nix/store', `/nix/store/${linux}`, `/nix/store/${linux}/Image`,
      `/boot/nixos/${linux}-Image`, '/nix-path-registration', '/boot/extlinux/extlinux.conf', '/etc/odd', '/etc/hostname',
      `/nix/store/${path.basename(fx.toplevel)}/kernel`, `/nix/store/${path.basename(fx.byName['pkg-1']!)}/share/long-link`,
      `/nix/store/${path.basename(fx.byName['pkg-0']!)}/share/emptydir`,
    ];
    const sampled = await stats(img, samples);
    for (const [i, p] of samples.entries()) {
      const s = sampled[i]!;
      assert.equal(s.uid, 0, `${p} uid`);
      assert.equal(s.gid, 0, `${p} gid`);
      assert.deepEqual(s.times, [HEX_EPOCH, HEX_EPOCH, HEX_EPOCH, HEX_EPOCH], `${p} times:\n${s.text}`);
    }
    assert.equal((await stat(img, '/etc/odd')).mode, '0640');
    assert.equal((await stat(img, `/nix/store/${linux}`)).mode, '0555');
    assert.equal((await stat(img, `/nix/store/${linux}/Image`)).mode, '0444');
    assert.equal((await stat(img, `/nix/store/${path.basename(fx.toplevel)}/init`)).mode, '0555');
  });

  test('hard links: the /boot kernel, store-internal and cross-store-path links share inodes', async () => {
    const linux = path.basename(fx.byName.linux!);
    const a = await stat(img, `/nix/store/${linux}/Image`);
    const b = await stat(img, `/boot/nixos/${linux}-Image`);
    assert.equal(a.ino, b.ino);
    assert.equal(a.links, 2);
    const lic = await Promise.all(['pkg-0', 'pkg-1', 'pkg-2'].map((k) => stat(img, `/nix/store/${path.basename(fx.byName[k]!)}/share/doc/LICENSE`)));
    assert.ok(lic.every((s) => s.ino === lic[0]!.ino && s.links === 3));
    const p1 = path.basename(fx.byName['pkg-1']!);
    const l1 = await stat(img, `/nix/store/${p1}/lib/libpkg.so.1`);
    const l2 = await stat(img, `/nix/store/${p1}/lib/libpkg-compat.so.1`);
    assert.equal(l1.ino, l2.ino);
    assert.equal(l1.links, 2);
    const other = await stat(img, `/nix/store/${path.basename(fx.byName['pkg-2']!)}/lib/libpkg.so.1`);
    assert.notEqual(other.ino, l1.ino);
  });

  test('file contents and symlink targets equal the sources', async () => {
    const files: [string, string][] = [
      [`/nix/store/${path.basename(fx.byName.linux!)}/Image`, path.join(fx.byName.linux!, 'Image')],
      [`/boot/nixos/${path.basename(fx.byName.initrd!)}-initrd`, path.join(fx.byName.initrd!, 'initrd')],
      [`/boot/nixos/${path.basename(fx.byName.linux!)}-dtbs/broadcom/bcm2837-rpi-3-b.dtb`, path.join(fx.byName.linux!, 'dtbs/broadcom/bcm2837-rpi-3-b.dtb')],
      [`/nix/store/${path.basename(fx.byName.bash!)}/bin/sh`, path.join(fx.byName.bash!, 'bin/sh')],
      [`/nix/store/${path.basename(fx.byName['pkg-2']!)}/data/deep/er/file-3.txt`, path.join(fx.byName['pkg-2']!, 'data/deep/er/file-3.txt')],
    ];
    for (const [inImage, host] of files) {
      assert.equal(sha(await debugfsBuffer(img, `cat "${inImage}"`)), sha(await fsp.readFile(host)), inImage);
    }
    const reg = await debugfsBuffer(img, 'cat /nix-path-registration');
    const expected = (await fsp.readFile(path.join(fx.closureInfoDir, 'registration'), 'utf8')).replaceAll(`${fx.storeDir}/`, '/nix/store/');
    assert.equal(reg.toString(), expected);
    const conf = (await debugfsBuffer(img, 'cat /boot/extlinux/extlinux.conf')).toString();
    assert.match(conf, /^# Generated file, all changes will be lost on nixos-rebuild!\n/);
    assert.ok(conf.includes(`  LINUX ../nixos/${path.basename(fx.byName.linux!)}-Image\n`));
    assert.ok(conf.includes(`  APPEND init=/nix/store/${path.basename(fx.toplevel)}/init console=ttyS0,115200n8`));
    const kernelLink = await debugfsBuffer(img, `cat "/nix/store/${path.basename(fx.toplevel)}/kernel"`);
    assert.equal(kernelLink.toString(), `/nix/store/${path.basename(fx.byName.linux!)}/Image`);
    const fast = await stat(img, `/nix/store/${path.basename(fx.byName['pkg-0']!)}/lib/libpkg.so`);
    assert.match(fast.text, /Fast link dest: "libpkg.so.1"/);
    const longTarget = await fsp.readlink(path.join(fx.byName['pkg-1']!, 'share/long-link'));
    assert.ok(longTarget.length > 60);
    assert.equal((await debugfsBuffer(img, `cat "/nix/store/${path.basename(fx.byName['pkg-1']!)}/share/long-link"`)).toString(), longTarget);
  });
});

describe('ext4 determinism', () => {
  test('same bytes from another fixture directory, creation order, cwd, TZ, time and staging by copy', async (t) => {
    const fb = await makeClosure(path.join(tmp, 'b-elsewhere', 'deeper'), { order: 'reverse' });
    const odd = path.join(tmp, 'b-elsewhere', 'odd');
    await fsp.writeFile(odd, 'odd owner and times\n');
    await fsp.utimes(odd, new Date('1999-01-01T00:00:00Z'), new Date('2011-01-01T00:00:00Z'));
    const tb = await rootTree(fb, odd);
    assert.equal(await ext4Driver.minimumSize(spec, tb, await ctxFor('min-b')), size);
    const imgB = path.join(tmp, 'root-b.img');
    await patternImage(imgB, size);
    const cwd = process.cwd();
    const tz = process.env.TZ;
    process.chdir(path.join(tmp, 'b-elsewhere'));
    process.env.TZ = 'Pacific/Kiritimati';
    try {
      await ext4Driver.write(spec, tb, { imagePath: imgB, offset: OFFSET, size }, await ctxFor('write-b'));
    } finally {
      process.chdir(cwd);
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
    const [a, b] = await Promise.all([fsp.readFile(img), fsp.readFile(imgB)]);
    assert.equal(sha(b), sha(a));

    // Staging on another filesystem (copies instead of hard links) gives the same bytes.
    const other = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-ext4-copy-'));
    try {
      if ((await fsp.stat(other)).dev !== (await fsp.stat(tmp)).dev) {
        const imgD = path.join(tmp, 'root-d.img');
        await patternImage(imgD, size);
        await ext4Driver.write(spec, tb, { imagePath: imgD, offset: OFFSET, size }, { tmpDir: other, progress: silentProgress, epoch: EPOCH });
        assert.equal(sha(await fsp.readFile(imgD)), sha(a), 'staging by copy changed the image');
      } else {
        t.diagnostic('no second filesystem for a copy-staging comparison');
      }
    } finally {
      await removeTree(other);
    }

    // The epoch does matter (so the comparison above can fail).
    const imgC = path.join(tmp, 'root-c.img');
    await patternImage(imgC, size);
    await ext4Driver.write(spec, tb, { imagePath: imgC, offset: OFFSET, size }, await ctxFor('write-c', EPOCH + 1));
    assert.notEqual(sha(await fsp.readFile(imgC)), sha(a));
    await fsck(imgC);
  });
});

describe('ext4 sizing', () => {
  const host = async (name: string, bytes: number, fill: number) => {
    const p = path.join(tmp, 'sizing-src', name);
    await fsp.mkdir(path.dirname(p), { recursive: true });
    await fsp.writeFile(p, Buffer.alloc(bytes, fill));
    return p;
  };
  const trees: Record<string, () => Promise<FileTree>> = {
    empty: async () => new FileTree(),
    'many tiny files': async () => {
      const t = new FileTree();
      for (let i = 0; i < 2000; i++) t.add(`/d${i % 20}/f-${i}`, { kind: 'data', mode: 0o644, data: Buffer.alloc(i % 300, 1) });
      return t;
    },
    'a few large files': async () => {
      const t = new FileTree();
      for (const [i, n] of [12e6, 5e6 + 1, 20e6].entries()) {
        const p = await host(`large-${i}`, n, 0x11 + i);
        t.add(`/large/${i}`, { kind: 'file', mode: 0o644, size: n, source: p });
      }
      const shared = await host('shared', 3e6, 0x33);
      for (let i = 0; i < 4; i++) t.add(`/shared/${i}`, { kind: 'file', mode: 0o644, size: 3e6, source: shared }); // one inode
      return t;
    },
    'deep directories': async () => {
      const t = new FileTree();
      let d = '';
      for (let i = 0; i < 120; i++) {
        d += `/level-${i}`;
        t.add(`${d}/file`, { kind: 'data', mode: 0o644, data: Buffer.alloc(5000, 2) });
        t.add(`${d}/link`, { kind: 'symlink', target: 't'.repeat((i % 100) + 1) });
      }
      return t;
    },
    'mixed: a sparse file with 6 data runs (holes as mke2fs -d leaves them: an extent tree), hard links, long symlinks, a wide directory, small files': async () => {
      const t = new FileTree();
      // 60 MB with 1 MiB of data at six places and zeros (host holes) between: the zero
      // blocks stay holes in the image (as mke2fs -d leaves them), six extents, so the
      // helper builds an extent tree. The sizing model counts every block of the file: the
      // holes are slack the check below allows for.
      const big = path.join(tmp, 'sizing-src', 'big-sparse');
      await fsp.mkdir(path.dirname(big), { recursive: true });
      const fh = await fsp.open(big, 'w');
      for (const at of [0, 10e6, 20e6, 30e6, 40e6, 59e6]) await fh.write(Buffer.alloc(MiB, 0x77), 0, MiB, at);
      await fh.truncate(60e6);
      await fh.close();
      t.add('/big/sparse', { kind: 'file', mode: 0o644, size: 60e6, source: big });
      const shared = await host('shared-mixed', 70_000, 0x44);
      for (let i = 0; i < 3; i++) t.add(`/links/l${i}`, { kind: 'file', mode: 0o755, size: 70_000, source: shared });
      for (let i = 0; i < 300; i++) t.add(`/sym/s${i}`, { kind: 'symlink', target: `/nix/store/${'x'.repeat(40 + (i % 200))}` });
      for (let i = 0; i < 3000; i++) t.add(`/wide/a-rather-long-file-name-to-fill-directory-blocks-${i}`, { kind: 'data', mode: 0o600, data: Buffer.alloc(i % 7 ? 0 : 4097, 5) });
      return t;
    },
    'one directory with 5000 entries': async () => {
      const t = new FileTree();
      for (let i = 0; i < 5000; i++) t.add(`/wide/entry-with-a-longer-name-${i}`, { kind: 'data', mode: 0o644, data: Buffer.alloc(i % 5 ? 0 : 10, 3) });
      return t;
    },
  };

  for (const [name, make] of Object.entries(trees)) {
    test(`minimumSize fits exactly and leaves little free: ${name}`, async (t) => {
      const tr = await make();
      const s: Ext4Spec = { type: 'ext4' };
      const min = await ext4Driver.minimumSize(s, tr, await ctxFor(`min-${name}`));
      assert.equal(min % MiB, 0);
      const file = path.join(tmp, `sizing-${name.replaceAll(' ', '-')}.img`);
      const off = 1 * MiB;
      await patternImage(file, min, off);
      const r = await ext4Driver.write(s, tr, { imagePath: file, offset: off, size: min }, await ctxFor(`w-${name}`));
      await fsck(file, off);
      await assertOutsideUntouched(file, min, off);
      const blocks = Number(r.stats.blocks);
      const free = Number(r.stats.freeBlocks);
      const holes = name.startsWith('mixed') ? Math.ceil(60e6 / 4096) - (6 * MiB) / 4096 : 0;
      const allowed = Math.floor(blocks * 0.02) + (4 * MiB) / 4096 + holes;
      t.diagnostic(`${name}: ${min / MiB} MiB, ${blocks} blocks, ${free} free (${((100 * free) / blocks).toFixed(2)}%, allowed ${allowed}), inodes ${r.stats.inodesUsed}/${r.stats.inodes}`);
      assert.ok(free <= allowed, `${free} free blocks of ${blocks} is too much slack`);
      assert.ok(free >= 0);
      // One MiB less must be refused up front (unless that is below the journal's minimum).
      if (min > 8 * MiB) await assert.rejects(assertFits(s, tr, min - MiB, 'p'), /does not fit/);
      if (name.startsWith('mixed')) {
        const big = await debugfs(file, 'stat /big/sparse', off);
        assert.match(big, /\(ETB0\):\d+/, 'an extent tree (more than 4 extents)');
        const dumped = path.join(tmp, 'big-sparse.dump');
        await execa('debugfs', ['-R', `dump /big/sparse ${dumped}`, dev(file, off)], { env: toolEnv });
        assert.equal(await sha256Tool(dumped), await sha256Tool(path.join(tmp, 'sizing-src', 'big-sparse')));
        await fsp.rm(dumped);
        assert.equal((await stat(file, '/links/l2', off)).links, 3);
      }
    });
  }

  test('extraSpace is left free', async () => {
    const t = new FileTree();
    for (let i = 0; i < 50; i++) t.add(`/f${i}`, { kind: 'data', mode: 0o644, data: Buffer.alloc(10000, 1) });
    const s: Ext4Spec = { type: 'ext4', extraSpace: 16 * MiB };
    const min = await ext4Driver.minimumSize(s, t, await ctxFor('extra'));
    const base = await ext4Driver.minimumSize({ type: 'ext4' }, t, await ctxFor('extra0'));
    assert.ok(min > base, `${min} vs ${base}`);
    const file = path.join(tmp, 'extra.img');
    await patternImage(file, min, MiB);
    const r = await ext4Driver.write(s, t, { imagePath: file, offset: MiB, size: min }, await ctxFor('extra-w'));
    assert.ok(Number(r.stats.freeBlocks) * 4096 >= 16 * MiB);
  });

  test('a fixed size that is too small fails before anything is written', async () => {
    const small = 6 * MiB;
    const msg = /the content does not fit in 6 MiB \(6291456 bytes\) of ext4: it needs at least \d+(\.\d+)? MiB .*\d+ files, \d+ directories, \d+ symlinks, \d+ inodes/;
    await assert.rejects(assertFits(spec, tree, small, 'partition 2 ("root")'), (err: unknown) => {
      assert.ok(err instanceof DoesNotFitError);
      assert.match(err.message, /^partition 2 \("root"\): /);
      assert.match(err.message, msg);
      return true;
    });
    const file = path.join(tmp, 'small.img');
    await patternImage(file, small);
    await assert.rejects(ext4Driver.write(spec, tree, { imagePath: file, offset: OFFSET, size: small }, await ctxFor('small')), msg);
    const b = await fsp.readFile(file);
    assert.ok(b.subarray(OFFSET, OFFSET + small).every((x) => x === 0x5a), 'the partition was touched');
    await assertFits(spec, tree, size, 'root'); // the computed minimum is fine
  });
});

describe('ext4 spec checks', () => {
  const where = 'partition 2 ("root")';
  const usage = (fn: () => void, re: RegExp) =>
    assert.throws(fn, (err: unknown) => err instanceof UsageError && re.test(err.message));

  test('labels of at most 16 bytes, RFC 4122 UUIDs, known features', () => {
    const t = new FileTree();
    ext4Driver.validate({ type: 'ext4', label: 'x'.repeat(16), uuid: '44444444-4444-4444-8888-88888888888A' }, t, where);
    usage(() => ext4Driver.validate({ type: 'ext4', label: 'x'.repeat(17) }, t, where), /^partition 2 \("root"\): the ext4 label "x{17}" is 17 bytes long; at most 16/);
    usage(() => ext4Driver.validate({ type: 'ext4', label: 'é'.repeat(9) }, t, where), /is 18 bytes long/);
    usage(() => ext4Driver.validate({ type: 'ext4', uuid: '1234' }, t, where), /"1234" is not a UUID/);
    usage(() => ext4Driver.validate({ type: 'ext4', uuid: '44444444-4444-4444-8888-88888888888g' }, t, where), /is not a UUID/);
    usage(() => ext4Driver.validate({ type: 'ext4', features: ['bigalloc'] }, t, where), /"bigalloc" is not supported/);
    usage(() => ext4Driver.validate({ type: 'ext4', features: ['frobnicate'] }, t, where), /"frobnicate" is not an ext4 feature/);
    usage(() => ext4Driver.validate({ type: 'ext4', features: ['^extent'] }, t, where), /needs "\^64bit"/);
  });

  test('names longer than 255 bytes are refused', () => {
    const t = new FileTree();
    t.add(`/${'n'.repeat(256)}`, { kind: 'data', mode: 0o644, data: Buffer.alloc(0) });
    assert.throws(() => ext4Driver.validate({ type: 'ext4' }, t, where), /longer than 255 bytes/);
  });

  test('features are applied (^metadata_csum, ^has_journal) and the default UUID is stable', async () => {
    const s: Ext4Spec = { type: 'ext4', features: ['^metadata_csum', '^has_journal'] };
    const t = new FileTree();
    for (let i = 0; i < 300; i++) t.add(`/d/f${i}`, { kind: 'data', mode: 0o600, data: Buffer.alloc(i * 10, 1) });
    const min = await ext4Driver.minimumSize(s, t, await ctxFor('feat'));
    const file = path.join(tmp, 'feat.img');
    await patternImage(file, min, MiB);
    const r = await ext4Driver.write(s, t, { imagePath: file, offset: MiB, size: min }, await ctxFor('feat-w'));
    await fsck(file, MiB);
    const h = await dumpe2fsHeader(file, MiB);
    const feats = h.get('Filesystem features')!.split(' ');
    assert.ok(!feats.includes('metadata_csum') && !feats.includes('has_journal') && feats.includes('extent'), feats.join(' '));
    assert.equal(r.stats.journalBlocks, 0);
    // The report's facts (our superblock parser) are what e2fsprogs reads.
    assert.equal(r.stats.features, h.get('Filesystem features'));
    for (const [k, v] of [['Block count', r.stats.blocks], ['Free blocks', r.stats.freeBlocks], ['Inode count', r.stats.inodes], ['Block size', r.stats.blockSize]] as const) assert.equal(String(v), h.get(k), k);
    assert.equal(Number(h.get('Inode count')) - Number(h.get('Free inodes')), r.stats.inodesUsed);
    assert.match(String(r.uuid), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(h.get('Filesystem UUID'), r.uuid);
    assert.equal(h.get('Filesystem volume name'), '<none>');
    const again = await ext4Driver.write(s, t, { imagePath: file, offset: MiB, size: min }, await ctxFor('feat-w2'));
    assert.equal(again.uuid, r.uuid);
  });
});

describe('ext4: the libext2fs helper, and mke2fs -d under the LD_PRELOAD shim or with the debugfs pass', () => {
  const PART = 200 * MiB; // two block groups: a backup superblock in group 1
  let src: string;
  let shimTree: FileTree;
  const images: Record<string, string> = {};
  const warnings: string[] = [];
  /** How mke2fs read each build's tree: "virtual" (the shim's list) or "staged". */
  const trees: Record<string, string> = {};
  /** Which path wrote each build's tree: "libext2fs" (the helper) or "mke2fs -d". */
  const paths: Record<string, string> = {};
  /** Whether this mke2fs reads past the shim (see before()). */
  let bypassed = false;
  /** The images of the primary path and of the fallback. */
  const both = () => [images.helper!, images.shim!];

  /** Host files with odd owners, times and modes; some share an inode. */
  before(async () => {
    src = path.join(tmp, 'shim-src');
    await fsp.mkdir(src, { recursive: true });
    const file = async (name: string, data: Buffer | string, mode: number) => {
      const p = path.join(src, name);
      await fsp.writeFile(p, data);
      await fsp.chmod(p, mode);
      await fsp.utimes(p, new Date('2001-02-03T04:05:06Z'), new Date('2039-01-01T00:00:00Z'));
      if (process.getuid?.() === 0) await fsp.chown(p, 4242, 70000);
      return p;
    };
    const tool = await file('tool', '#!/bin/sh\necho tool\n', 0o644); // the tree wants 4755
    const lib = await file('lib', Buffer.alloc(70_000, 0x4c), 0o444);
    await fsp.link(lib, path.join(src, 'lib-host-link')); // a host hard link outside the tree
    const big = await file('big', Buffer.alloc(300_000, 0x42), 0o600);
    const empty = await file('empty', '', 0o600);
    const mixed = await file('mixed', 'one inode, two tree modes\n', 0o600);
    const t = new FileTree();
    t.add('/', { kind: 'dir', mode: 0o755 });
    t.add('/bin/tool', { kind: 'file', mode: 0o4755, size: 20, source: tool });
    t.add('/usr/bin/tool-again', { kind: 'file', mode: 0o4755, size: 20, source: tool });
    t.add('/lib/libx.so.1', { kind: 'file', mode: 0o444, size: 70_000, source: lib });
    t.add('/lib/libx-compat.so.1', { kind: 'file', mode: 0o444, size: 70_000, source: lib });
    t.add('/lib/libx.so', { kind: 'symlink', target: 'libx.so.1' });
    t.add('/lib/mixed-a', { kind: 'file', mode: 0o755, size: 26, source: mixed });
    t.add('/lib/mixed-b', { kind: 'file', mode: 0o640, size: 26, source: mixed });
    t.add('/big', { kind: 'file', mode: 0o444, size: 300_000, source: big });
    t.add('/etc/empty', { kind: 'file', mode: 0o640, size: 0, source: empty });
    t.add('/etc/empty-data', { kind: 'data', mode: 0o600, data: Buffer.alloc(0) });
    t.add('/etc/setgid', { kind: 'data', mode: 0o2711, data: Buffer.from('g\n') });
    t.add(fromUtf8('/etc/name with spaces, é and ünïcode'), { kind: 'data', mode: 0o644, data: Buffer.from('u\n') });
    t.add('/tmp', { kind: 'dir', mode: 0o1777 });
    t.add('/ro', { kind: 'dir', mode: 0o555 });
    t.add('/ro/inner/file', { kind: 'data', mode: 0o444, data: Buffer.from('inside a read-only directory\n') });
    t.add('/ro/short', { kind: 'symlink', target: '../big' });
    t.add('/ro/long', { kind: 'symlink', target: `/nix/store/${'l'.repeat(70)}-long/target` });
    t.add('/ro/dangling', { kind: 'symlink', target: 'does not exist (but has spaces)' });
    // A host directory (as store paths are): nested, with a hard link, a symlink, a file the
    // spec replaces and one it adds; and a copy that follows symlinks.
    const hd = path.join(src, 'hostdir');
    await fsp.mkdir(path.join(hd, 'sub', 'deeper'), { recursive: true });
    const ha = path.join(hd, 'sub', 'a');
    await fsp.writeFile(ha, 'host a\n');
    await fsp.chmod(ha, 0o640);
    await fsp.link(ha, path.join(hd, 'sub', 'deeper', 'a-link'));
    await fsp.symlink('../a', path.join(hd, 'sub', 'deeper', 'rel'));
    await fsp.writeFile(path.join(hd, 'replaced'), 'host version\n');
    await fsp.chmod(path.join(hd, 'sub', 'deeper'), 0o750);
    t.addHostDir('/opt/host', hd, 0o755);
    t.add('/opt/host/replaced', { kind: 'data', mode: 0o600, data: Buffer.from('spec wins\n') });
    t.add('/opt/host/sub/extra', { kind: 'data', mode: 0o644, data: Buffer.from('added by the spec\n') });
    const fd = path.join(src, 'followed');
    await fsp.mkdir(fd);
    await file('followed-target', 'reached through a symlink\n', 0o640);
    await fsp.symlink('../followed-target', path.join(fd, 'link'));
    t.addHostDir('/opt/followed', fd, 0o755, true);
    shimTree = t;

    const build = async (name: string, env: Record<string, string>, virtual = false) => {
      const saved: Record<string, string | undefined> = {};
      for (const k of Object.keys(env)) {
        saved[k] = process.env[k];
        process.env[k] = env[k];
      }
      try {
        const image = path.join(tmp, `shim-${name}.img`);
        await patternImage(image, PART);
        // The ext4 phase's end event says whether the shim was used.
        let shim: unknown;
        const progress: Progress = {
          phase: (phase) => ({ update() {}, end: (info) => void (phase === 'ext4' && ((shim = info?.shim), (paths[name] = String(info?.path)), info?.tree && (trees[name] = String(info.tree)))) }),
          event: (kind, data) => void (kind === 'warning' && warnings.push(`${name}: ${String(data?.message)}`)),
        };
        const ctx = { ...(await ctxFor(`shim-${name}`)), progress };
        // minimumSize first (as a build does) writes the virtual tree's list for write().
        if (virtual) await ext4Driver.minimumSize(spec, shimTree, ctx);
        await ext4Driver.write(spec, shimTree, { imagePath: image, offset: OFFSET, size: PART }, ctx);
        images[name] = image;
        return shim;
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    };
    const refused = path.join(tmp, 'not-a-library.so');
    await fsp.writeFile(refused, 'this is not an ELF file\n');
    // The primary path: mke2fs makes the empty filesystem, the libext2fs helper writes the tree.
    await build('helper', {}, true);
    // The mke2fs -d fallback (IMGSMITH_NO_POPULATE=1: as without libext2fs-dev).
    const fb = { IMGSMITH_NO_POPULATE: '1' };
    const shimmed = await build('shim', fb);
    // A mke2fs whose stat calls the shim cannot see (Debian bullseye's 1.46.2, linked against
    // glibc 2.31, calls __lxstat64): the image check notices and the debugfs pass runs.
    bypassed = !shimmed && warnings.some((w) => /past the shim/.test(w));
    if (!bypassed) assert.equal(shimmed, true, 'the shim was used (npm run build:native)');
    // The virtual tree: nothing staged, mke2fs reads the list and the host sources.
    assert.equal(await build('virtual', fb, true), !bypassed);
    // Without the shim's image cache and write combining (IMGSMITH_SHIM_CACHE=0): same bytes.
    assert.equal(await build('virtual-nocache', { ...fb, IMGSMITH_SHIM_CACHE: '0' }, true), !bypassed);
    if (!bypassed) assert.deepEqual(warnings, []);
    // A refused preload with the virtual tree: the empty root is detected, the tree staged.
    assert.equal(await build('virtual-refused', { ...fb, IMGSMITH_SHIM_PATH: refused }, true), false);
    assert.match(warnings.join('\n'), /virtual-refused: .*did not load; staging the tree/);
    assert.equal(await build('fallback', { ...fb, IMGSMITH_NO_SHIM: '1' }), false);
    // LD_PRELOAD not honoured (the loader refuses the library): detected, debugfs pass.
    assert.equal(await build('refused', { ...fb, IMGSMITH_SHIM_PATH: refused }), false);
    // IMGSMITH_NO_NATIVE=1: no helper, no shim: staged, debugfs pass.
    assert.equal(await build('no-native', { IMGSMITH_NO_NATIVE: '1' }, true), false);
    const v = bypassed ? 'staged' : 'virtual';
    assert.deepEqual(trees, { shim: 'staged', virtual: v, 'virtual-nocache': v, 'virtual-refused': 'staged', fallback: 'staged', refused: 'staged', 'no-native': 'staged' });
    assert.equal(paths.helper, 'libext2fs');
    for (const [n, p] of Object.entries(paths)) if (n !== 'helper') assert.equal(p, 'mke2fs -d', n);
  });

  test('the shim (staged and virtual tree), the IMGSMITH_NO_SHIM=1 fallback and a refused preload give identical bytes', async () => {
    for (const other of ['fallback', 'refused', 'virtual', 'virtual-nocache', 'virtual-refused', 'no-native']) {
      const r = await execa('cmp', [images.shim!, images[other]!], { reject: false });
      assert.equal(r.exitCode, 0, `shim vs ${other}: ${r.stdout}${r.stderr}`);
    }
    await assertOutsideUntouched(images.shim!, PART);
    await assertOutsideUntouched(images.helper!, PART);
  });

  test('e2fsck is clean; the backup superblock agrees with the primary (helper and fallback)', async () => {
    for (const image of both()) {
      await fsck(image);
      const primary = await dumpe2fsHeader(image);
      const backup = await dumpe2fsHeader(image, OFFSET, 32768);
      assert.equal(backup.get('Block count'), primary.get('Block count'), 'the backup was read');
      for (const k of ['Filesystem flags', 'Lifetime writes', 'Filesystem UUID', 'Last write time', 'Free blocks', 'Free inodes']) assert.equal(backup.get(k), primary.get(k), `${image}: ${k}`);
      assert.equal(backup.get('Filesystem flags'), 'signed_directory_hash');
      assert.equal(primary.get('Last write time'), 'Tue Nov 14 22:13:20 2023');
    }
  });

  test('the helper and the fallback give the same metadata (debugfs stat) and contents (debugfs rdump)', async () => {
    const meta = (st: Stat) => {
      const size = /Size: (\d+)/.exec(st.text)![1];
      const type = /Type: (\w+)/.exec(st.text)![1];
      const flags = /Flags: (0x[0-9a-f]+)/.exec(st.text)![1];
      return { mode: st.mode, uid: st.uid, gid: st.gid, links: st.links, times: st.times, size, type, flags };
    };
    const paths = ['/', '/lost+found', ...[...shimTree.entries()].map(([bp]) => Buffer.from(bp, 'latin1').toString('utf8'))];
    const [fromHelper, fromShim] = [await stats(images.helper!, paths), await stats(images.shim!, paths)];
    for (const [i, p] of paths.entries()) assert.deepEqual(meta(fromHelper[i]!), meta(fromShim[i]!), p);
    const listing = async (image: string) => {
      const out = path.join(tmp, `rdump-${path.basename(image)}`);
      await fsp.mkdir(out, { recursive: true });
      await execa('debugfs', ['-R', `rdump / ${out}`, dev(image)], { env: toolEnv });
      // Names, types, sizes, contents and link targets (rdump keeps neither setuid bits nor hard links).
      const r = await execa('sh', ['-c', 'cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r f; do stat -c "%n %F %s" "$f"; if [ -L "$f" ]; then readlink "$f" | od -An -c; elif [ -f "$f" ]; then sha256sum < "$f"; fi; done', 'sh', out], { env: toolEnv });
      return r.stdout;
    };
    const a = await listing(images.helper!);
    assert.ok(a.includes('./big regular file 300000\n'), a);
    assert.ok(a.includes('./ro/long symbolic link 93\n'), a);
    assert.equal(a, await listing(images.shim!));
  });

  test('every inode: owner 0:0, all four times the epoch, the tree mode (helper and fallback)', async () => {
    for (const image of both()) await everyInode(image);
  });
  const everyInode = async (image: string) => {
    const entries = [...shimTree.entries()];
    const paths = entries.map(([bp]) => Buffer.from(bp, 'latin1').toString('utf8')); // tree paths are byte strings
    const all = await stats(image, paths);
    for (const [i, [, e]] of entries.entries()) {
      const p = paths[i]!;
      const s = all[i]!;
      assert.equal(s.uid, 0, `${p} uid`);
      assert.equal(s.gid, 0, `${p} gid`);
      assert.deepEqual(s.times, [HEX_EPOCH, HEX_EPOCH, HEX_EPOCH, HEX_EPOCH], `${p} times:\n${s.text}`);
      assert.match(s.text, new RegExp(`Type: ${{ dir: 'directory', file: 'regular', data: 'regular', symlink: 'symlink' }[e.kind]}`), p);
      const want = p === '/lib/mixed-b' ? 0o755 : e.kind === 'symlink' ? 0o777 : e.mode; // a shared inode takes its first name's mode
      assert.equal(parseInt(s.mode, 8), want, `${p} mode ${s.mode}`);
    }
    for (const p of ['/', '/lost+found']) {
      const s = await stat(image, p);
      assert.equal(s.uid, 0, p);
      assert.equal(s.gid, 0, p);
      assert.deepEqual(s.times, [HEX_EPOCH, HEX_EPOCH, HEX_EPOCH, HEX_EPOCH], `${p} times:\n${s.text}`);
      assert.match(s.text, /Flags: 0x80000\n/, `${p}: no flags but extents`);
    }
  };

  test('hard links: entries sharing a host inode are one inode with one link per name (helper and fallback)', async () => {
    for (const image of both()) await hardLinks(image);
  });
  const hardLinks = async (image: string) => {
    const pairs = [
      ['/bin/tool', '/usr/bin/tool-again'],
      ['/lib/libx.so.1', '/lib/libx-compat.so.1'],
      ['/lib/mixed-a', '/lib/mixed-b'],
    ];
    for (const [a, b] of pairs) {
      const sa = await stat(image, a!);
      const sb = await stat(image, b!);
      assert.equal(sa.ino, sb.ino, `${a} and ${b}`);
      assert.equal(sa.links, 2, `${a} links (the host link outside the tree does not count)`);
    }
    assert.notEqual((await stat(image, '/etc/empty')).ino, (await stat(image, '/etc/empty-data')).ino);
    assert.equal((await stat(image, '/big')).links, 1);
    assert.match((await stat(image, '/etc/empty')).text, /Size: 0\b/);
  };

  test('contents, names and symlink targets are unchanged (helper and fallback)', async () => {
    for (const image of both()) await contents(image);
  });
  const contents = async (image: string) => {
    assert.equal(sha(await debugfsBuffer(image, 'cat /big')), sha(Buffer.alloc(300_000, 0x42)));
    assert.equal(sha(await debugfsBuffer(image, 'cat /usr/bin/tool-again')), sha(Buffer.from('#!/bin/sh\necho tool\n')));
    assert.equal((await debugfsBuffer(image, 'cat /ro/inner/file')).toString(), 'inside a read-only directory\n');
    assert.equal((await debugfsBuffer(image, 'cat "/etc/name with spaces, é and ünïcode"')).toString(), 'u\n');
    const etc = (await debugfs(image, 'ls -p /etc')).split('\n').map((l) => l.split('/')[5]).filter(Boolean);
    assert.deepEqual(etc, ['.', '..', 'empty', 'empty-data', 'name with spaces, é and ünïcode', 'setgid']);
    assert.equal((await debugfsBuffer(image, 'cat /opt/host/replaced')).toString(), 'spec wins\n');
    assert.equal((await debugfsBuffer(image, 'cat /opt/host/sub/extra')).toString(), 'added by the spec\n');
    assert.equal((await debugfsBuffer(image, 'cat /opt/host/sub/deeper/a-link')).toString(), 'host a\n');
    assert.equal((await stat(image, '/opt/host/sub/a')).ino, (await stat(image, '/opt/host/sub/deeper/a-link')).ino);
    assert.match((await stat(image, '/opt/followed/link')).text, /Type: regular/);
    assert.equal((await debugfsBuffer(image, 'cat /opt/followed/link')).toString(), 'reached through a symlink\n');
    for (const p of ['/ro/short', '/ro/long', '/ro/dangling', '/lib/libx.so', '/opt/host/sub/deeper/rel']) {
      const e = shimTree.lookup(p);
      assert.ok(e && e.kind === 'symlink', p);
      const s = await stat(image, p);
      assert.match(s.text, new RegExp(`Size: ${Buffer.byteLength(e.target)}\\b`), p);
      if (Buffer.byteLength(e.target) < 60) {
        assert.ok(s.text.includes(`Fast link dest: "${e.target}"`), `${p}:\n${s.text}`);
      } else {
        assert.doesNotMatch(s.text, /Fast link dest/);
        assert.equal((await debugfsBuffer(image, `cat "${p}"`)).toString(), e.target, p);
      }
    }
  };

  const vanishing = async (name: string) => {
    const dir = path.join(tmp, `vanishing-${name}`);
    await fsp.mkdir(dir, { recursive: true });
    const gone = path.join(dir, 'gone');
    await fsp.writeFile(gone, 'here while measuring\n');
    const t = new FileTree();
    t.add('/', { kind: 'dir', mode: 0o755 });
    t.addHostDir('/d', dir, 0o755);
    const warned: string[] = [];
    const ctx = { ...(await ctxFor(`vanishing-${name}`)), progress: { ...silentProgress, event: (kind: string, data?: Record<string, unknown>) => void (kind === 'warning' && warned.push(String(data?.message))) } };
    await ext4Driver.minimumSize(spec, t, ctx);
    await fsp.rm(gone);
    const image = path.join(tmp, `vanishing-${name}.img`);
    await patternImage(image, PART);
    await fsp.writeFile(path.join(dir, 'new'), 'created after measuring\n');
    return { t, ctx, image, warned, write: () => ext4Driver.write(spec, t, { imagePath: image, offset: OFFSET, size: PART }, ctx) };
  };

  test('a source that disappears after measuring: the helper fails naming it (an input error)', async () => {
    const v = await vanishing('helper');
    await assert.rejects(v.write(), (err: unknown) => err instanceof InputError && /vanishing-helper\/gone disappeared while it was being read/.test(err.message));
  });

  test('a source that disappears after measuring: mke2fs -d fails naming it (an input error; no staging retry, no image without it)', async () => {
    process.env.IMGSMITH_NO_POPULATE = '1';
    try {
      const v = await vanishing('fallback');
      await assert.rejects(v.write(), (err: unknown) => err instanceof InputError && /vanishing-fallback\/gone disappeared while it was being read/.test(err.message));
      assert.doesNotMatch(v.warned.join('\n'), /staging the tree/);
    } finally {
      delete process.env.IMGSMITH_NO_POPULATE;
    }
  });

  test('superblock patching: the signed-hash flag and write counter in every copy', async () => {
    const copy = path.join(tmp, 'shim-patched.img');
    await fsp.copyFile(images.shim!, copy);
    // What mke2fs does on an unsigned-char CPU, and what a debugfs pass may add to the counter.
    await execa('debugfs', ['-w', '-R', 'ssv flags 2', dev(copy)], { env: { ...toolEnv, E2FSPROGS_FAKE_TIME: String(EPOCH) } });
    await execa('debugfs', ['-w', '-R', 'ssv kbytes_written 99999', dev(copy)], { env: { ...toolEnv, E2FSPROGS_FAKE_TIME: String(EPOCH) } });
    const changed = await execa('cmp', [images.shim!, copy], { reject: false });
    assert.notEqual(changed.exitCode, 0, 'debugfs changed nothing');
    const fh = await fsp.open(images.shim!, 'r');
    const sb = Buffer.alloc(1024);
    await fh.read(sb, 0, 1024, OFFSET + 1024);
    await fh.close();
    const written = sb.readBigUInt64LE(0x178);
    assert.ok(written > 0n && written < 99999n);
    await patchSuperblocks(copy, OFFSET, (s) => {
      s.writeUInt32LE((s.readUInt32LE(0x160) & ~2) | 1, 0x160);
      s.writeBigUInt64LE(written, 0x178);
    });
    const r = await execa('cmp', [images.shim!, copy], { reject: false });
    assert.equal(r.exitCode, 0, `patched copy differs: ${r.stdout}`);
  });
});

describe('ext4: host flags, owners and the user who builds', () => {
  const HELPER = fileURLToPath(new URL('./helpers/ext4-build.mjs', import.meta.url));
  /** The compiled lib/ when it is up to date (no TypeScript compiled in each build's process), else src/ through tsx. */
  const fromLib = compiledIsFresh();
  const REPO = fileURLToPath(new URL('..', import.meta.url));
  /** scripts/toolchains.sh's cache (other e2fsprogs versions), when it is there. */
  const toolchains = process.env.IMGSMITH_TOOLCHAIN_CACHE ?? path.join(os.homedir(), '.cache/imgsmith/toolchains');
  let base: string;
  let src: string;
  let flagged = false;
  const nonUtf8 = Buffer.from([0x74, 0xff, 0xfe, 0x2f, 0xc3, 0x28]); // "t\xff\xfe/\xc3("

  before(async () => {
    base = await makeTmpDir('imgsmith-ext4-users-');
    await fsp.chmod(base, 0o755);
    src = path.join(base, 'src');
    await fsp.mkdir(path.join(src, 'sub'), { recursive: true });
    await fsp.writeFile(path.join(src, 'suid'), '#!/bin/sh\n');
    await fsp.writeFile(path.join(src, 'data'), Buffer.alloc(200_000, 0x61));
    await fsp.link(path.join(src, 'data'), path.join(src, 'sub', 'data-link'));
    await fsp.writeFile(path.join(src, 'empty'), '');
    await fsp.symlink(nonUtf8, path.join(src, 'raw-link'));
    await fsp.symlink('x'.repeat(300), path.join(src, 'sub', 'long-link'));
    await fsp.writeFile(path.join(src, 'flagged'), 'nodump\n');
    // chattr +d (nodump): mke2fs -d 1.47.3+ would copy it into the image. tmpfs and ext4 take it.
    flagged = (await execa('chattr', ['+d', path.join(src, 'flagged')], { reject: false })).exitCode === 0;
    if (flagged) assert.match((await execa('lsattr', ['-d', path.join(src, 'flagged')])).stdout, /^-*d/);
    if (process.getuid?.() === 0) {
      for (const p of ['suid', 'data', 'empty', 'flagged', 'sub', '.']) await fsp.chown(path.join(src, p), 4242, 70000);
      for (const p of ['raw-link', 'sub/long-link']) await fsp.lchown(path.join(src, p), 4242, 70000);
    }
    await fsp.chmod(path.join(src, 'suid'), 0o4755); // after chown, which clears setuid
    for (const p of ['suid', 'data', 'empty', 'flagged']) await fsp.utimes(path.join(src, p), new Date('2001-02-03T04:05:06.789Z'), new Date('2039-01-01T00:00:00.5Z'));
  });
  after(async () => {
    await execa('chattr', ['-d', path.join(src, 'flagged')], { reject: false });
    await removeTree(base);
  });

  /** Builds SRC in a child process; `as` runs it as another user through setpriv. */
  const build = async (name: string, opts: { env?: Record<string, string>; as?: number; umask?: string; cwd?: string; tz?: string } = {}) => {
    const dir = path.join(base, name);
    await fsp.mkdir(dir, { recursive: true });
    await fsp.chmod(dir, 0o777);
    const image = path.join(dir, 'ext4.img');
    const tsx = fromLib ? '' : `--import "${pathToFileURL(path.join(REPO, 'node_modules/tsx/dist/loader.mjs')).href}"`;
    const cmd = `umask ${opts.umask ?? '022'}; exec node ${tsx} "$@"`;
    const argv = ['sh', '-c', cmd, 'sh', HELPER, fromLib ? 'lib' : 'src', src, image, dir, String(EPOCH)];
    const full = opts.as !== undefined ? ['setpriv', `--reuid=${opts.as}`, `--regid=${opts.as}`, '--clear-groups', ...argv] : argv;
    const env: Record<string, string> = { PATH: process.env.PATH!, TMPDIR: dir, HOME: dir, TZ: opts.tz ?? 'UTC', NODE_PATH: path.join(REPO, 'node_modules'), ...(process.env.LD_LIBRARY_PATH ? { LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH } : {}), ...opts.env };
    for (const k of ['IMGSMITH_NO_NATIVE', 'IMGSMITH_NO_SHIM', 'IMGSMITH_NO_POPULATE']) if (process.env[k] && !(k in env)) env[k] = process.env[k]!;
    const r = await execa(full[0]!, full.slice(1), { cwd: opts.cwd ?? REPO, env, extendEnv: false, reject: false });
    assert.equal(r.exitCode, 0, `${name}: ${r.stdout}\n${r.stderr}`);
    return { image, ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as { size: number; path: string }) };
  };
  const flagsOf = async (image: string, p: string) => /Flags: (0x[0-9a-f]+)/.exec(await debugfs(image, `stat "${p}"`, 0))![1];

  test('the helper and the mke2fs -d fallback: fsck, 0:0 at the epoch, setuid, links, raw symlink bytes, no host flags', async (t) => {
    const helper = await build('helper-root');
    const fallback = await build('fallback-root', { env: { IMGSMITH_NO_POPULATE: '1' } });
    assert.equal(helper.path, 'libext2fs');
    assert.equal(fallback.path, 'mke2fs -d');
    for (const image of [helper.image, fallback.image]) {
      await fsck(image, 0);
      const paths = ['/', '/in', '/in/suid', '/in/data', '/in/empty', '/in/flagged', '/in/sub', '/in/sub/data-link', '/in/raw-link', '/in/sub/long-link', '/etc/generated', '/lost+found'];
      const all = await stats(image, paths, 0);
      for (const [i, p] of paths.entries()) {
        const s = all[i]!;
        assert.equal(s.uid, 0, `${p} uid`);
        assert.equal(s.gid, 0, `${p} gid`);
        assert.deepEqual(s.times, [HEX_EPOCH, HEX_EPOCH, HEX_EPOCH, HEX_EPOCH], `${p} times:\n${s.text}`);
        assert.match(s.text, /^ ctime: 0x[0-9a-f]+:00000000/m, `${p}: 0 ns`);
      }
      assert.equal((await stat(image, '/in/suid', 0)).mode, '04755');
      assert.equal((await stat(image, '/etc/generated', 0)).mode, '04750');
      assert.equal((await stat(image, '/in/data', 0)).links, 2);
      assert.equal((await stat(image, '/in/data', 0)).ino, (await stat(image, '/in/sub/data-link', 0)).ino);
      assert.match((await stat(image, '/in/empty', 0)).text, /Size: 0\b/);
      assert.equal(sha(await debugfsBuffer(image, 'cat /in/data', 0)), sha(Buffer.alloc(200_000, 0x61)));
      const out = path.join(base, `rdump-${path.basename(path.dirname(image))}`);
      await fsp.mkdir(out);
      await execa('debugfs', ['-R', `rdump /in ${out}`, dev(image, 0)], { env: toolEnv });
      assert.deepEqual(await fsp.readlink(path.join(out, 'in', 'raw-link'), { encoding: 'buffer' }), nonUtf8);
      assert.equal(await fsp.readlink(path.join(out, 'in', 'sub', 'long-link')), 'x'.repeat(300));
      for (const p of ['/in/flagged', '/in/data', '/in/sub']) assert.equal(await flagsOf(image, p), '0x80000', `${p}: extents only`);
    }
    if (!flagged) t.diagnostic('chattr +d is refused here: the flag part checks nothing');
    // Other e2fsprogs versions, when scripts/toolchains.sh has them cached: 1.46.2 (no
    // assume_storage_prezeroed, no no_copy_xattrs) and the newest (1.47.3+ copies host flags:
    // the shim answers FS_IOC_GETFLAGS, the debugfs pass clears them). The helper must give
    // the same bytes as with the system's 1.47.0.
    for (const name of ['e2fsprogs-bullseye', 'e2fsprogs-sid']) {
      const dir = path.join(toolchains, name);
      if (!existsSync(path.join(dir, '.stamp'))) {
        t.diagnostic(`no ${dir}: not checked with ${name}`);
        continue;
      }
      const env = { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, LD_LIBRARY_PATH: path.join(dir, 'lib') };
      for (const [n, extra] of [['shim', {}], ['debugfs', { IMGSMITH_NO_SHIM: '1' }]] as const) {
        const r = await build(`${name}-${n}`, { env: { IMGSMITH_NO_POPULATE: '1', ...env, ...extra } });
        assert.equal(r.path, 'mke2fs -d');
        await fsck(r.image, 0);
        if (flagged) assert.equal(await flagsOf(r.image, '/in/flagged'), '0x80000', `${name} ${n}: chattr +d leaked`);
        assert.equal((await stat(r.image, '/in/suid', 0)).mode, '04755');
        assert.equal((await stat(r.image, '/in/flagged', 0)).uid, 0);
      }
      const h = await build(`${name}-helper`, { env });
      assert.equal(h.path, 'libext2fs');
      const cmp = await execa('cmp', [h.image, helper.image], { reject: false });
      assert.equal(cmp.exitCode, 0, `the helper with ${name} gives other bytes: ${cmp.stdout}`);
    }
  });

  test('as root and as an unprivileged user (other TZ, umask, cwd), inputs owned by another uid: the same bytes', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to switch users with setpriv');
    // The mke2fs each user runs (a toolchain under /root is not theirs to run: uid 65534 would
    // fall through to the system's, whose mke2fs -d bytes differ by version).
    const mke2fs = async (pre: string[]) => (await execa(pre[0] ?? 'sh', [...pre.slice(1), ...(pre.length ? ['sh'] : []), '-c', 'mke2fs -V 2>&1 | head -1'], { reject: false, env: { PATH: process.env.PATH!, ...(process.env.LD_LIBRARY_PATH ? { LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH } : {}) } })).stdout;
    const same = (await mke2fs([])) === (await mke2fs(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']));
    if (!same) t.diagnostic('uid 65534 runs another mke2fs than root: only the helper path (the same bytes on every version) is compared');
    const runs: [string, Record<string, string>][] = [['helper', {}]];
    if (same) runs.push(['fallback', { IMGSMITH_NO_POPULATE: '1' }]);
    for (const [name, env] of runs) {
      const a = await build(`${name}-a`, { env });
      const b = await build(`${name}-b`, { env, as: 65534, umask: '077', cwd: '/', tz: 'Pacific/Chatham' });
      assert.equal(b.path, a.path);
      const r = await execa('cmp', [a.image, b.image], { reject: false });
      assert.equal(r.exitCode, 0, `${name}: root and uid 65534 built different images: ${r.stdout}`);
    }
  });
});

test('the helper: a source that grew after measuring is an input error naming it (before it could fill the filesystem)', async () => {
  const dir = path.join(tmp, 'growing');
  await fsp.mkdir(dir, { recursive: true });
  const f = path.join(dir, 'grows');
  await fsp.writeFile(f, Buffer.alloc(MiB, 1));
  const t = new FileTree();
  t.add('/', { kind: 'dir', mode: 0o755 });
  t.addHostDir('/d', dir, 0o755);
  const ctx = await ctxFor('growing');
  await ext4Driver.minimumSize(spec, t, ctx);
  await fsp.writeFile(f, Buffer.alloc(40 * MiB, 1));
  const image = path.join(tmp, 'growing.img');
  await patternImage(image, 16 * MiB);
  await assert.rejects(ext4Driver.write(spec, t, { imagePath: image, offset: OFFSET, size: 16 * MiB }, ctx), (err: unknown) => {
    assert.ok(err instanceof InputError, String(err));
    assert.match(err.message, /growing\/grows changed while it was being read \(1048576 bytes when the tree was read, 41943040 now\)/);
    return true;
  });
});

test('the helper reports its writes on the early compression\'s log: the whole filesystem first, then each data write, then the end record', async () => {
  const dir = path.join(tmp, 'logged');
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(path.join(dir, 'data'), Buffer.alloc(5 * MiB, 0x42));
  const t = new FileTree();
  t.add('/', { kind: 'dir', mode: 0o755 });
  t.addHostDir('/d', dir, 0o755);
  const records: [number, number][] = [];
  let attached = 0;
  const done: Promise<void>[] = [];
  const ctx: FsContext = {
    ...(await ctxFor('logged')),
    watchWrites: () => ({
      env: { IMGSMITH_SHIM_WRITELOG: '3' },
      attach(log) {
        attached++;
        const chunks: Buffer[] = [];
        log.on('data', (b: Buffer) => chunks.push(b));
        done.push(new Promise((res) => log.on('end', () => {
          const all = Buffer.concat(chunks);
          for (let p = 0; p + 16 <= all.length; p += 16) records.push([Number(all.readBigUInt64LE(p)), Number(all.readBigUInt64LE(p + 8))]);
          res();
        })));
      },
      invalidate() {},
    }),
  };
  await ext4Driver.minimumSize(spec, t, ctx);
  const image = path.join(tmp, 'logged.img');
  await patternImage(image, 64 * MiB);
  const r = await ext4Driver.write(spec, t, { imagePath: image, offset: OFFSET, size: 64 * MiB }, ctx);
  await Promise.all(done);
  assert.equal(attached, 1);
  const END = 2 ** 64 - 1;
  assert.deepEqual(records[0], [OFFSET, Number(r.stats.blocks) * 4096], 'the whole filesystem first');
  assert.deepEqual(records.at(-1), [END, END], 'the end record last');
  // The file's blocks (debugfs) are inside logged writes after the first record.
  const ext = /\(0-1279\):(\d+)-(\d+)/.exec(await debugfs(image, 'stat /d/data'));
  assert.ok(ext, 'one extent of 1280 blocks');
  const [a, b] = [OFFSET + Number(ext[1]) * 4096, OFFSET + (Number(ext[2]) + 1) * 4096];
  const later = records.slice(1, -1);
  let covered = 0;
  for (const [o, l] of later) covered += Math.max(0, Math.min(b, o + l) - Math.max(a, o));
  assert.equal(covered, b - a, `the data write was logged: ${JSON.stringify(later)}`);
  for (const [o, l] of later) assert.ok(o >= OFFSET && o + l <= OFFSET + 64 * MiB, `a write outside the partition: ${o}+${l}`);
});
