/**
 * The erofs driver and reader, checked with erofs-utils' own tools (dump.erofs for every
 * inode's metadata, fsck.erofs --extract for the bytes), blkid, and the kernel where this
 * host lets root mount a loop device; erofs-utils 1.8 through the toolchain erofs-utils-trixie.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { FileTree } from '../src/content/tree.ts';
import { ToolVersionError } from '../src/errors.ts';
import { checkCompression, compressorsIn, erofsDriver, type ErofsSpec } from '../src/fs/erofs.ts';
import type { FsContext } from '../src/fs/types.ts';
import { silentProgress } from '../src/progress.ts';
import { blkid, extractPartition } from './helpers/partition.ts';
import { CLI, runCli } from './helpers/cli.ts';
import { batched } from './helpers/batched.ts';
import { findToolchain, inCI, reachableCopy, toolchainEnv, type Toolchain } from './helpers/toolchains.ts';

const EPOCH = 1700000000;
const UUID = '44444444-5555-4666-8777-888888888888';
const isRoot = process.getuid?.() === 0;
let dir: string;

/** The source tree: compressible and random files, empty, setuid/setgid, hard links, symlinks, a read-only dir. */
const FILES: [string, () => Buffer, number][] = [
  ['big.txt', () => Buffer.from('erofs compresses this line well\n'.repeat(20000)), 0o644],
  ['bin/random', () => randomBytes(0), 0o755],
  ['bin/setuid', () => Buffer.from('#!/bin/sh\n'), 0o4755],
  ['bin/setgid', () => Buffer.from('#!/bin/sh\necho g\n'), 0o2755],
  ['empty', () => Buffer.alloc(0), 0o644],
  ['ro/deep/file', () => Buffer.from('deep\n'), 0o444],
  ['name-\u00e9-utf8', () => Buffer.from('x'), 0o644],
];
const RANDOM = randomBytes(150_000);

/** Makes the source tree under `root`, creating entries in `order` (so host inodes and readdir order differ). */
async function makeSource(root: string, order: 'forward' | 'reverse'): Promise<void> {
  const files = order === 'forward' ? FILES : [...FILES].reverse();
  for (const [rel, data, mode] of files) {
    const p = path.join(root, rel);
    await fsp.mkdir(path.dirname(p), { recursive: true });
    await fsp.writeFile(p, rel === 'bin/random' ? RANDOM : data());
    await fsp.chmod(p, mode);
  }
  await fsp.link(path.join(root, 'big.txt'), path.join(root, 'bin/big-link'));
  await fsp.link(path.join(root, 'big.txt'), path.join(root, 'ro/big-link2'));
  await fsp.symlink('../big.txt', path.join(root, 'bin/sym'));
  await fsp.symlink('/nonexistent/target', path.join(root, 'dangling'));
  await fsp.chmod(path.join(root, 'ro/deep'), 0o555);
  await fsp.chmod(path.join(root, 'ro'), 0o555);
}

const ctxOf = (sub: string): FsContext => ({ tmpDir: path.join(dir, sub), progress: silentProgress, epoch: EPOCH, partition: 'spec.partitions[0]' });

/** Builds `tree` with the driver into a file of the filesystem's size; returns the file and the report. */
async function build(tree: FileTree, spec: Partial<ErofsSpec>, name: string) {
  const ctx = ctxOf(`tmp-${name}`);
  await fsp.mkdir(ctx.tmpDir, { recursive: true });
  const full: ErofsSpec = { type: 'erofs', compression: 'lz4hc', ...spec };
  const prepared = await erofsDriver.prepare(full, tree, ctx, 'spec.partitions[0]');
  const file = path.join(dir, `${name}.img`);
  await fsp.writeFile(file, Buffer.alloc(0));
  await fsp.truncate(file, prepared.minimumSize + 8192);
  const report = await prepared.write({ imagePath: file, offset: 4096, size: prepared.minimumSize + 4096 }, ctx);
  const part = await extractPartition(file, 4096, prepared.minimumSize, path.join(dir, `${name}.part`));
  assert.deepEqual(await fsp.readdir(ctx.tmpDir), [], 'nothing left behind');
  return { part, report, size: prepared.minimumSize };
}

function treeOf(root: string): FileTree {
  const t = new FileTree();
  t.add('/', { kind: 'dir', mode: 0o755 });
  t.addHostDir('/', root, 0o755);
  t.add('/etc/motd', { kind: 'data', mode: 0o600, data: Buffer.from('hi\n') });
  t.add('/etc/link', { kind: 'symlink', target: '../big.txt' });
  return t;
}

interface DumpEntry { nid: number; type: string; perm: number; uid: number; gid: number; size: number; links: number; mtime: string }

/** Every path of the filesystem with dump.erofs's view of its inode (names from --ls, metadata from --path). */
async function dumpTree(part: string): Promise<Map<string, DumpEntry>> {
  const out = new Map<string, DumpEntry>();
  const visit = async (p: string): Promise<void> => {
    // Names are latin1 byte strings; the argument goes out as UTF-8 (the test's names are UTF-8).
    const r = await execa('dump.erofs', [`--path=${Buffer.from(p, 'latin1').toString('utf8')}`, ...(p === '/' || out.get(p)?.type === 'directory' ? ['--ls'] : []), part], { encoding: 'latin1' });
    const m = /Size: (\d+) .*? (\w+)(?: file)?\nNID: (\d+)\s+Links: (\d+)[\s\S]*?Uid: (\d+)\s+Gid: (\d+)\s+Access: (\d+)\/[\s\S]*?Timestamp: (.*)/.exec(r.stdout);
    assert.ok(m, `dump.erofs --path=${p}: ${r.stdout}`);
    out.set(p, { size: Number(m[1]), type: m[2]!, nid: Number(m[3]), links: Number(m[4]), uid: Number(m[5]), gid: Number(m[6]), perm: parseInt(m[7]!, 8), mtime: m[8]!.trim() });
    if (m[2] !== 'directory') return;
    for (const line of r.stdout.split('\n')) {
      const e = /^\s+(\d+)\s+(\d+)\s{2}(.*)$/.exec(line);
      if (!e || e[3] === '.' || e[3] === '..') continue;
      const child = p === '/' ? `/${e[3]}` : `${p}/${e[3]}`;
      out.set(child, { type: e[2] === '2' ? 'directory' : 'other' } as DumpEntry);
      await visit(child);
    }
  };
  await visit('/');
  return out;
}

/** The source tree as the filesystem must hold it: path -> [type, mode & 0o777, size, target or sha256]. */
async function expected(root: string): Promise<Map<string, string>> {
  const m = new Map<string, string>([['/', 'dir 755'], ['/etc', 'dir 755'], ['/etc/motd', 'file 600 3'], ['/etc/link', 'symlink ../big.txt']]);
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const n of await fsp.readdir(Buffer.from(d, 'latin1'), { encoding: 'buffer' })) {
      const name = n.toString('latin1');
      const p = path.join(d, name);
      const st = await fsp.lstat(Buffer.from(p, 'latin1'));
      const r = `${rel}/${name}`;
      if (st.isDirectory()) { m.set(r, `dir ${(st.mode & 0o777).toString(8)}`); await walk(p, r); }
      else if (st.isSymbolicLink()) m.set(r, `symlink ${(await fsp.readlink(Buffer.from(p, 'latin1'), { encoding: 'buffer' })).toString('latin1')}`);
      else m.set(r, `file ${(st.mode & 0o777).toString(8)} ${st.size}`);
    }
  };
  await walk(root, '');
  return m;
}

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-erofs-'));
  await fsp.chmod(dir, 0o755);
  await makeSource(path.join(dir, 'src-a'), 'forward');
  await makeSource(path.join(dir, 'src-b'), 'reverse');
});

after(async () => {
  await execa('chmod', ['-R', 'u+w', dir]);
  await fsp.rm(dir, { recursive: true, force: true });
});

test('driver: dump.erofs and fsck.erofs --extract see the tree: names, kinds, modes, sizes, symlinks, bytes, one inode per hard link, 0:0 at the epoch; blkid reads the label and UUID', async () => {
  const src = path.join(dir, 'src-a');
  const { part, report } = await build(treeOf(src), { label: 'root-ro', uuid: UUID }, 'tree');
  assert.equal(report.uuid, UUID);
  const dump = await dumpTree(part);
  const want = await expected(src);
  assert.deepEqual([...dump.keys()].sort(), [...want.keys()].sort());
  const extractDir = path.join(dir, 'extract-tree');
  const fsck = await execa('fsck.erofs', [`--extract=${extractDir}`, part], { reject: false, all: true });
  assert.equal(fsck.exitCode, 0, fsck.all);
  for (const [p, w] of want) {
    const d = dump.get(p)!;
    assert.equal(d.uid, 0, `${p} uid`);
    assert.equal(d.gid, 0, `${p} gid`);
    assert.equal(d.mtime, '2023-11-14 22:13:20.000000000', `${p} mtime`);
    const [kind, a, b] = w.split(' ');
    if (kind === 'symlink') {
      assert.equal(d.type, 'symlink', p);
      assert.equal((await fsp.readlink(Buffer.from(extractDir + p, 'latin1'), { encoding: 'buffer' })).toString('latin1'), a, `${p} target`);
      continue;
    }
    assert.equal(d.type, kind === 'dir' ? 'directory' : 'regular', p);
    assert.equal(d.perm.toString(8), a, `${p} mode`);
    if (kind === 'file') {
      assert.equal(d.size, Number(b), `${p} size`);
      const source = p.startsWith('/etc/') ? Buffer.from('hi\n') : await fsp.readFile(Buffer.from(src + p, 'latin1'));
      // fsck.erofs 1.5 writes one name of a hard-linked file only: compare the bytes where it wrote them.
      const got = await fsp.readFile(Buffer.from(extractDir + p, 'latin1')).catch(() => undefined);
      if (got || d.links === 1) assert.ok(got?.equals(source), `${p} bytes`);
    }
  }
  const links = ['/big.txt', '/bin/big-link', '/ro/big-link2'].map((p) => dump.get(p)!);
  assert.equal(new Set(links.map((l) => l.nid)).size, 1, 'hard links are one inode');
  assert.equal(links[0]!.links, 3);
  assert.ok(dump.get('/big.txt')!.size > 600_000);
  const id = await blkid(part);
  assert.equal(id.TYPE, 'erofs');
  assert.equal(id.LABEL, 'root-ro');
  assert.equal(id.UUID, UUID);
});

test('driver: byte-identical from trees created in different orders; the default UUID follows the tree, the label and the partition', async () => {
  const a = await build(treeOf(path.join(dir, 'src-a')), {}, 'order-a');
  const b = await build(treeOf(path.join(dir, 'src-b')), {}, 'order-b');
  const sha = async (f: string) => createHash('sha256').update(await fsp.readFile(f)).digest('hex');
  assert.equal(await sha(b.part), await sha(a.part));
  assert.equal(b.report.uuid, a.report.uuid);
  const labelled = await build(treeOf(path.join(dir, 'src-a')), { label: 'x' }, 'order-label');
  assert.notEqual(labelled.report.uuid, a.report.uuid);
  const none = await build(treeOf(path.join(dir, 'src-a')), { compression: 'none' }, 'order-none');
  assert.ok(none.size > a.size, `uncompressed ${none.size} > lz4hc ${a.size}`);
});

test('driver: a name whose mode is not its host file\'s gets the tree\'s mode, with its hard links; the host file keeps its own', async () => {
  const src = path.join(dir, 'src-a');
  const t = treeOf(src);
  const big = path.join(src, 'big.txt');
  t.add('/opt/private', { kind: 'file', mode: 0o700, size: (await fsp.stat(big)).size, source: big });
  const { part } = await build(t, {}, 'hostmode');
  const dump = await dumpTree(part);
  assert.equal(dump.get('/opt/private')!.perm, 0o700);
  assert.equal(dump.get('/opt/private')!.nid, dump.get('/big.txt')!.nid, 'still one inode with its other names');
  assert.equal(dump.get('/big.txt')!.perm, 0o700);
  assert.equal((await fsp.stat(big)).mode & 0o7777, 0o644, 'the host file is untouched');
});

test('kernel: a loop mount shows the modes (setuid, setgid), hard links and symlinks (skips where mount is not allowed)', async (t) => {
  const { part } = await build(treeOf(path.join(dir, 'src-a')), {}, 'mount');
  const mnt = path.join(dir, 'mnt');
  await fsp.mkdir(mnt);
  const m = isRoot ? await execa('mount', ['-o', 'loop,ro', '-t', 'erofs', part, mnt], { reject: false, all: true }) : undefined;
  if (!m || m.exitCode !== 0) return t.skip(`cannot mount here: ${m ? m.all : 'not root'}`);
  try {
    const st = async (p: string) => fsp.lstat(path.join(mnt, p));
    assert.equal((await st('bin/setuid')).mode & 0o7777, 0o4755);
    assert.equal((await st('bin/setgid')).mode & 0o7777, 0o2755);
    assert.equal((await st('ro')).mode & 0o7777, 0o555);
    assert.equal((await st('big.txt')).ino, (await st('bin/big-link')).ino);
    assert.equal((await st('big.txt')).nlink, 3);
    assert.equal(await fsp.readlink(path.join(mnt, 'dangling')), '/nonexistent/target');
    assert.ok((await fsp.readFile(path.join(mnt, 'bin/random'))).equals(RANDOM));
  } finally {
    await execa('umount', [mnt], { reject: false });
  }
});

/** A spec of one erofs partition holding `src`. */
async function specFile(name: string, src: string, fs: Record<string, unknown>, size: string = 'auto'): Promise<string> {
  const f = path.join(dir, `${name}.json`);
  await fsp.writeFile(f, JSON.stringify({
    name, table: { type: 'gpt', seed: name },
    partitions: [{ name: 'root', type: 'linux', size, filesystem: { type: 'erofs', ...fs }, contents: [{ from: 'spec', path: src, target: '/' }] }],
    output: { compress: 'zstd' },
  }));
  return f;
}

test('CLI: built as root and as nobody (other umask, TZ, cwd): byte-identical; verify passes; ls, cat and extract read the tree', async (t) => {
  const spec = await specFile('cli', 'src-a', { label: 'cli' });
  const run = async (out: string, nobody: boolean) => {
    await fsp.mkdir(out);
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH ?? '', HOME: out, TZ: nobody ? 'Pacific/Chatham' : 'UTC', SOURCE_DATE_EPOCH: '12345' };
    let cmd = 'sh';
    let argv = ['-c', `umask ${nobody ? '077' : '022'} && exec "$@"`, 'sh', process.execPath, CLI, 'build', spec, '-o', out, '--keep-raw'];
    if (nobody) {
      await execa('chown', ['65534:65534', out]);
      argv = ['--reuid=65534', '--regid=65534', '--clear-groups', cmd, ...argv];
      cmd = 'setpriv';
    }
    const r = await execa(cmd, argv, { cwd: nobody ? '/' : dir, env, extendEnv: false, reject: false, timeout: 300_000 });
    assert.equal(r.exitCode, 0, r.stderr);
    return path.join(out, 'cli.img');
  };
  const a = await run(path.join(dir, 'cli-root'), false);
  const b = await run(path.join(dir, 'cli-nobody'), isRoot);
  if (!isRoot) t.diagnostic('not root: the second build runs as the same user');
  assert.ok((await fsp.readFile(a)).equals(await fsp.readFile(b)), 'the two images differ');
  // The reads (the builds above are the real CLI): one batch process through main().
  const ex = path.join(dir, 'cli-extract');
  const cats = ['/big.txt', '/bin/random', '/ro/big-link2'];
  const [ver, ls, r, ...catRuns] = await batched(dir, [['verify', `${b}.zst`], ['ls', '-l', `${a}:1`, '/bin'], ['extract', `${a}:1`, '/', ex], ...cats.map((p) => ['cat', `${a}:1`, p])]);
  assert.equal(ver!.exitCode, 0, ver!.stdout + ver!.stderr);
  assert.match(ver!.stdout, /ok\s+fs\s+.*erofs.*fsck\.erofs/);
  assert.equal(ls!.exitCode, 0, ls!.stderr);
  assert.match(ls!.stdout, /-rwsr-xr-x\s+0\s+0\s+10 .* setuid/);
  assert.match(ls!.stdout, /sym -> \.\.\/big\.txt/);
  for (const [i, p] of cats.entries()) {
    const src = await fsp.readFile(path.join(dir, 'src-a', p));
    assert.equal(catRuns[i]!.exitCode, 0, catRuns[i]!.stderr);
    assert.ok(Buffer.from(catRuns[i]!.stdout, 'latin1').equals(src), `cat ${p}`);
  }
  assert.equal(r!.exitCode, 0, r!.stderr);
  assert.ok((await fsp.readFile(path.join(ex, 'ro/deep/file'))).equals(Buffer.from('deep\n')));
  assert.ok((await fsp.readFile(path.join(ex, 'big.txt'))).equals(await fsp.readFile(path.join(dir, 'src-a/big.txt'))));
});

test('bad input: one error each, nothing published', async () => {
  const cases: [string, Record<string, unknown>, RegExp, string?][] = [
    ['label', { label: 'a-label-of-16byte' }, /label "a-label-of-16byte" is 17 bytes long; erofs labels hold at most 15 bytes/],
    ['compression', { compression: 'zstd' }, /compression: expected one of "lz4hc", "lz4", "none", got string "zstd"/],
    ['too-small', {}, /needs .* but the partition is|content needs/, '64KiB'],
  ];
  // The first through the real CLI, the others through main() in one batch process.
  const runs = [];
  for (const [name, fs, , size] of cases) runs.push(['build', await specFile(`bad-${name}`, 'src-a', fs, size), '-o', path.join(dir, `bad-${name}`)]);
  const results = [await runCli(runs[0]!), ...(await batched(dir, runs.slice(1)))];
  for (const [i, [name, , re]] of cases.entries()) {
    const out = path.join(dir, `bad-${name}`);
    const r = results[i]!;
    assert.notEqual(r.exitCode, 0, name);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('imgsmith: error:'));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, re);
    assert.deepEqual(await fsp.readdir(out).catch(() => []), [], `${name}: nothing published`);
  }
});

test('bad input: a compression the installed erofs-utils lacks names it and the version; mkfs.erofs 1.5 refuses lost+found names', async () => {
  const help = (await execa('mkfs.erofs', ['--help'], { reject: false, all: true })).all ?? '';
  const v = /mkfs\.erofs (?:\(erofs-utils\) )?(\d+\.\d+)/.exec((await execa('mkfs.erofs', ['-V'], { reject: false, all: true })).all ?? '')?.[1];
  assert.ok(v, 'the version of mkfs.erofs');
  // What this mkfs.erofs says it was built with (Debian's: lz4 and lz4hc), read from its own help.
  const offered = compressorsIn(help);
  assert.ok(offered.includes('lz4') && offered.includes('lz4hc'), `mkfs.erofs ${v} offers ${offered.join(', ')}`);
  const spec: ErofsSpec = { type: 'erofs', compression: 'lz4hc' };
  const without = { path: '/usr/bin/mkfs.erofs', version: v, compressors: offered.filter((c) => c !== 'lz4hc') };
  assert.throws(() => checkCompression(spec, without, 'spec.partitions[0]'), (e: Error) =>
    e instanceof ToolVersionError && /^spec\.partitions\[0\]\.filesystem\.compression: "lz4hc" needs an erofs-utils built with it, but mkfs\.erofs [\d.]+ \(\/usr\/bin\/mkfs\.erofs\) offers lz4; use "lz4" or "none"$/.test(e.message));
  assert.doesNotThrow(() => checkCompression({ ...spec, compression: 'none' }, { ...without, compressors: [] }, 'spec.partitions[0]'));
  const t = new FileTree();
  t.add('/lost+found.d/x', { kind: 'data', mode: 0o644, data: Buffer.from('x') });
  if (Number(v.split('.')[1]) < 8 && v.startsWith('1.')) {
    await assert.rejects(build(t, {}, 'lostfound'), /lost\+found.*mkfs\.erofs 1\.\d/);
  } else {
    const { part } = await build(t, {}, 'lostfound');
    assert.ok((await dumpTree(part)).has('/lost+found.d/x'));
  }
});

test('erofs-utils 1.8 (toolchain erofs-utils-trixie): byte-identical across runs, fsck.erofs clean, the same tree as erofs-utils 1.5 reads', async (t) => {
  const found = findToolchain('erofs-utils-trixie');
  if ('missing' in found) {
    if (inCI()) assert.fail(found.missing);
    return t.skip(found.missing);
  }
  const tc: Toolchain = isRoot ? found : await reachableCopy(found, path.join(dir, 'tc'));
  const spec = await specFile('tc18', 'src-a', { label: 'tc' });
  const env = toolchainEnv(tc, { PATH: process.env.PATH ?? '' });
  const imgs: Buffer[] = [];
  for (const n of ['1', '2']) {
    const out = path.join(dir, `tc18-${n}`);
    const r = await runCli(['build', spec, '-o', out, '--keep-raw'], { env });
    assert.equal(r.exitCode, 0, r.stderr);
    imgs.push(await fsp.readFile(path.join(out, 'tc18.img')));
  }
  assert.ok(imgs[0]!.equals(imgs[1]!), 'two builds with erofs-utils 1.8 differ');
  const manifest = JSON.parse(await fsp.readFile(path.join(dir, 'tc18-1/manifest.json'), 'utf8')) as { tools: Record<string, string> };
  assert.match(manifest.tools['mkfs.erofs'] ?? '', /^1\.8\./);
  const table = JSON.parse((await execa('sfdisk', ['-J', path.join(dir, 'tc18-1/tc18.img')])).stdout).partitiontable as { partitions: { start: number; size: number }[] };
  const p0 = table.partitions[0]!;
  const part = await extractPartition(path.join(dir, 'tc18-1/tc18.img'), p0.start * 512, p0.size * 512, path.join(dir, 'tc18.part'));
  const help = await execa(path.join(tc.bin, 'mkfs.erofs'), ['--help'], { env: toolchainEnv(tc, {}), reject: false, all: true });
  assert.deepEqual(compressorsIn(help.all ?? '').sort(), ['deflate', 'lz4', 'lz4hc', 'lzma', 'zstd'], 'the compressors mkfs.erofs 1.8 lists');
  const fsck = await execa(path.join(tc.bin, 'fsck.erofs'), ['--extract', part], { env: toolchainEnv(tc, {}), reject: false, all: true });
  assert.equal(fsck.exitCode, 0, fsck.all);
  const want = await expected(path.join(dir, 'src-a'));
  want.delete('/etc'); want.delete('/etc/motd'); want.delete('/etc/link');
  assert.deepEqual([...(await dumpTree(part)).keys()].sort(), [...want.keys()].sort());
});
