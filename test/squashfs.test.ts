/**
 * The squashfs driver and reader (src/fs/squashfs.ts, src/inspect/readers/squashfs.ts),
 * checked with squashfs-tools itself: `unsquashfs -lln` (names, modes with setuid bits,
 * owners, sizes, symlink targets), `unsquashfs -d` (bytes, hard links, times), `unsquashfs
 * -s` (superblock), blkid; determinism across staging order, host users and mksquashfs
 * threads; the CLI's build, inspect, ls, cat, extract and verify; and the newest
 * squashfs-tools (toolchain squashfs-tools-trixie) for the same checks.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { FileTree } from '../src/content/tree.ts';
import { compressorsIn, mksquashfsArgs, squashfsDriver, type SquashfsSpec } from '../src/fs/squashfs.ts';
import { stageTree } from '../src/fs/stage.ts';
import type { FsContext } from '../src/fs/types.ts';
import { silentProgress } from '../src/progress.ts';
import { validateSpec } from '../src/spec.ts';
import { open as openReader } from '../src/inspect/readers/squashfs.ts';
import { blkid, extractPartition, markedImage } from './helpers/partition.ts';
import { CLI, type CliResult } from './helpers/cli.ts';
import { batched } from './helpers/batched.ts';
import { makeReproInputs, ODD_NAME } from './helpers/repro-fixture.ts';
import { findToolchain, inCI, toolchainEnv, type Toolchain } from './helpers/toolchains.ts';
import { KiB, MiB } from '../src/units.ts';

const EPOCH = 1700000000;
const NL_NAME = 'new\nline -> x';

let dir: string;
let src: string;
const data: Record<string, Buffer> = {};

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-squashfs-'));
  await fsp.chmod(dir, 0o755);
  src = path.join(dir, 'src');
  await fsp.mkdir(src);
  Object.assign(data, { big: randomBytes(300 * KiB + 7), small: Buffer.from('#!/bin/sh\necho hi\n'), empty: Buffer.alloc(0), suid: Buffer.from('setuid\n'), plain: Buffer.from('plain\n') });
  for (const [name, bytes] of Object.entries(data)) await fsp.writeFile(path.join(src, name), bytes, { mode: 0o600 });
  await fsp.chmod(path.join(src, 'suid'), 0o4755);
  await fsp.chmod(path.join(src, 'big'), 0o644);
  await fsp.chmod(path.join(src, 'small'), 0o755);
  await fsp.link(path.join(src, 'small'), path.join(src, 'small-link'));
});

after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

/** The tree: host files (one hard-linked on the host, one setuid, one whose spec mode differs
 *  from its host file's), generated data, symlinks, awkward names; `reverse` adds them in the
 *  opposite order. */
function makeTree(reverse = false): FileTree {
  const t = new FileTree();
  const items: [string, Parameters<FileTree['add']>[1]][] = [
    ['/', { kind: 'dir', mode: 0o755 }],
    ['/bin/big', { kind: 'file', mode: 0o644, size: data.big!.length, source: path.join(src, 'big') }],
    ['/bin/script', { kind: 'file', mode: 0o755, size: data.small!.length, source: path.join(src, 'small') }],
    ['/bin/script-link', { kind: 'file', mode: 0o755, size: data.small!.length, source: path.join(src, 'small-link') }],
    ['/bin/suid', { kind: 'file', mode: 0o4755, size: data.suid!.length, source: path.join(src, 'suid') }],
    ['/etc/empty', { kind: 'file', mode: 0o600, size: 0, source: path.join(src, 'empty') }],
    ['/etc/hostname', { kind: 'data', mode: 0o644, data: Buffer.from('sq\n') }],
    ['/etc/dangling', { kind: 'symlink', target: '/nonexistent -> x' }],
    ['/etc/to-big', { kind: 'symlink', target: '../bin/big' }],
    ['/root', { kind: 'dir', mode: 0o700 }],
    ['/tmp', { kind: 'dir', mode: 0o1777 }],
    [`/${ODD_NAME.toString('latin1')}`, { kind: 'data', mode: 0o640, data: Buffer.from('odd\n') }],
    [`/${NL_NAME}`, { kind: 'data', mode: 0o644, data: Buffer.from('newline\n') }],
  ];
  for (let i = 0; i < 40; i++) items.push([`/many/e-${i}`, { kind: 'data', mode: 0o644, data: Buffer.from(`${i}\n`) }]);
  for (const [p, e] of reverse ? [...items.slice(1)].reverse() : items) t.add(p, e);
  if (reverse) t.add('/', { kind: 'dir', mode: 0o755 });
  // The tree's mode of the host file differs from the host's (0600): the stage must show the tree's.
  t.add('/bin/small-exec', { kind: 'file', mode: 0o555, size: data.plain!.length, source: path.join(src, 'plain') });
  return t;
}

const SPEC: SquashfsSpec = { type: 'squashfs', compression: 'zstd', blockSize: 128 * KiB };

async function ctxIn(sub: string): Promise<FsContext> {
  const tmpDir = path.join(dir, sub);
  await fsp.mkdir(tmpDir, { recursive: true });
  return { tmpDir, progress: silentProgress, epoch: EPOCH };
}

/** Builds `tree` into a marked image at 1 MiB (partition `partSize`); returns the partition's bytes as a file and the minimum size. */
async function buildInto(name: string, tree: FileTree, spec = SPEC, partSize = 4 * MiB): Promise<{ part: string; min: number; img: string }> {
  const ctx = await ctxIn(name);
  const prepared = await squashfsDriver.prepare(spec, tree, ctx, `test ${name}`);
  const img = await markedImage(path.join(dir, `${name}.img`), 8 * MiB, MiB, partSize);
  await prepared.write({ imagePath: img, offset: MiB, size: partSize }, ctx);
  const part = await extractPartition(img, MiB, prepared.minimumSize, path.join(dir, `${name}.sqfs`));
  return { part, min: prepared.minimumSize, img };
}

const sha = async (f: string) => createHash('sha256').update(await fsp.readFile(f)).digest('hex');

/** `unsquashfs -lln` as { path: "mode uid/gid size[ -> target]" } (names with a newline are joined back). */
async function listing(part: string, env?: Record<string, string>): Promise<Map<string, string>> {
  const { stdout } = await execa('unsquashfs', ['-lln', '-d', 'R', part], { encoding: 'latin1', ...(env ? { env } : {}) });
  const out = new Map<string, string>();
  let last: string | undefined;
  for (const line of stdout.split('\n')) {
    const m = /^(\S{10}) (\d+\/\d+) +(\d+) \S+ \S+ R(.*)$/.exec(line);
    if (!m) {
      assert.ok(last, `a line before any entry: ${line}`);
      const v = out.get(last)!;
      out.delete(last);
      last = `${last}\n${line}`;
      out.set(last, v);
      continue;
    }
    last = m[4] || '/';
    out.set(last, `${m[1]} ${m[2]} ${m[3]}`);
  }
  return out;
}

test('spec: defaults; compression and block size are checked; label and uuid are refused', () => {
  const spec = (fs: Record<string, unknown>) => ({ name: 't', table: { type: 'gpt' }, partitions: [{ name: 'root', type: 'linux', size: 'auto', filesystem: { type: 'squashfs', ...fs }, contents: [] }] });
  const ok = validateSpec(spec({}), dir);
  assert.deepEqual(ok.partitions[0]!.filesystem, { type: 'squashfs', compression: 'zstd', blockSize: 128 * KiB });
  assert.deepEqual(validateSpec(spec({ compression: 'xz', blockSize: '1MiB' }), dir).partitions[0]!.filesystem, { type: 'squashfs', compression: 'xz', blockSize: MiB });
  assert.throws(() => validateSpec(spec({ compression: 'brotli' }), dir), /compression.*(zstd|one of)/);
  assert.throws(() => validateSpec(spec({ blockSize: '96KiB' }), dir), /blockSize: 96 KiB \(98304 bytes\) is not a power of two from 4KiB to 1MiB/);
  assert.throws(() => validateSpec(spec({ blockSize: '2MiB' }), dir), /blockSize: .* not a power of two/);
  assert.throws(() => validateSpec(spec({ label: 'root' }), dir), /unknown key "label"/);
  assert.throws(() => validateSpec(spec({ uuid: '44444444-5555-4666-8777-888888888888' }), dir), /unknown key "uuid"/);
});

test('driver: unsquashfs -lln agrees with the tree; unsquashfs -d gives its bytes, hard links and times', async () => {
  const { part, min, img } = await buildInto('tree', makeTree());
  assert.equal(min % 4096, 0, 'padded to 4 KiB');
  const l = await listing(part);
  const expect: Record<string, string> = {
    '/': 'drwxr-xr-x 0/0', '/bin/big': `-rw-r--r-- 0/0 ${data.big!.length}`, '/bin/script': `-rwxr-xr-x 0/0 ${data.small!.length}`,
    '/bin/script-link': `-rwxr-xr-x 0/0 ${data.small!.length}`, '/bin/small-exec': `-r-xr-xr-x 0/0 ${data.plain!.length}`,
    '/bin/suid': `-rwsr-xr-x 0/0 ${data.suid!.length}`, '/etc/empty': '-rw------- 0/0 0', '/etc/hostname': '-rw-r--r-- 0/0 3',
    '/etc/dangling': 'lrwxrwxrwx 0/0 17', '/etc/to-big': 'lrwxrwxrwx 0/0 10', '/root': 'drwx------ 0/0', '/tmp': 'drwxrwxrwt 0/0',
    [`/${ODD_NAME.toString('latin1')}`]: '-rw-r----- 0/0 4', [`/${NL_NAME}`]: '-rw-r--r-- 0/0 8',
  };
  for (const [p, want] of Object.entries(expect)) {
    const got = l.get(p) ?? l.get(`${p} -> ${p.endsWith('dangling') ? '/nonexistent -> x' : '../bin/big'}`);
    assert.ok(got, `${JSON.stringify(p)} is listed`);
    assert.ok(got.startsWith(want), `${JSON.stringify(p)}: ${got}, expected ${want}`);
  }
  assert.equal(l.size, 1 + 6 + 5 + 2 + 2 + 41, [...l.keys()].join(' | '));
  // The bytes, hard links (one inode for the host-linked pair), modes and times, as unsquashfs extracts them.
  const out = path.join(dir, 'tree-x');
  await execa('unsquashfs', ['-q', '-n', '-d', out, part]);
  for (const [p, bytes] of [['bin/big', data.big], ['bin/script', data.small], ['bin/suid', data.suid], ['etc/empty', data.empty]] as const) {
    assert.ok((await fsp.readFile(path.join(out, p))).equals(bytes!), p);
  }
  const [a, b, c] = await Promise.all(['bin/script', 'bin/script-link', 'bin/small-exec'].map((p) => fsp.lstat(path.join(out, p))));
  assert.equal(a!.ino, b!.ino, 'the host hard link is one inode');
  assert.equal(a!.nlink, 2, 'with two links (the host link count of the staged file is not used)');
  assert.equal(c!.mode & 0o7777, 0o555, 'the tree mode, not the host file\'s 0600');
  assert.equal((await fsp.stat(path.join(out, 'bin/big'))).mtimeMs / 1000, EPOCH);
  assert.equal(await fsp.readlink(path.join(out, 'etc/dangling')), '/nonexistent -> x');
  const s = (await execa('unsquashfs', ['-s', part])).stdout;
  assert.match(s, /Compression zstd/);
  assert.match(s, /Block size 131072/);
  assert.match(s, /Xattrs are not stored/);
  assert.equal((await execa('unsquashfs', ['-mkfs-time', part])).stdout.trim(), String(EPOCH));
  assert.equal((await blkid(img, { offset: MiB })).TYPE, 'squashfs');
  // Nothing outside the partition was touched (the markers around it are intact).
  const fh = await fsp.open(img, 'r');
  const m = Buffer.alloc(1);
  await fh.read(m, 0, 1, MiB - 1);
  assert.equal(m[0], 0xaa);
  await fh.read(m, 0, 1, MiB + 4 * MiB);
  assert.equal(m[0], 0xbb);
  await fh.close();
});

test('reader: walk, stat, hashFiles (batched -cat and single extractions) and readFileTo agree with the tree', async () => {
  const { img } = await buildInto('reader', makeTree());
  const work = path.join(dir, 'reader-work');
  const r = await openReader({ file: img, offset: MiB, size: 4 * MiB, display: 'reader.img:1', workDir: async () => work });
  try {
    const all: import('../src/inspect/types.ts').FsEntry[] = [];
    for await (const e of r.walk!('/')) all.push(e);
    assert.equal(all.length, 56, 'every entry below /');
    const paths = all.map((e) => e.path);
    assert.deepEqual(paths.slice(0, 3), ['/bin', '/bin/big', '/bin/script'], 'parents first, names in byte order');
    const st = await r.stat('/bin/suid');
    assert.deepEqual([st.type, st.mode, st.uid, st.gid, st.size], ['file', 0o4755, 0, 0, data.suid!.length]);
    // squashfs-tools 4.5 lists minutes, 4.6 seconds.
    assert.ok([EPOCH, Math.floor(EPOCH / 60) * 60].includes(st.mtime), `mtime ${st.mtime}`);
    assert.equal((await r.stat('/etc/dangling')).target, '/nonexistent -> x');
    await assert.rejects(r.stat('/bin/big/x'), /\/bin\/big is not a directory/);
    await assert.rejects(r.stat('/nope'), /no such file or directory: \/nope/);
    const hashes = await r.hashFiles!(all);
    const h = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    assert.equal(hashes.get('/bin/big'), h(data.big!));
    assert.equal(hashes.get('/etc/empty'), h(Buffer.alloc(0)));
    assert.equal(hashes.get(`/${NL_NAME}`), h(Buffer.from('newline\n')), 'a name with a newline: extracted alone');
    assert.equal(hashes.get(`/${ODD_NAME.toString('latin1')}`), h(Buffer.from('odd\n')), 'a non-UTF-8 name: extracted alone');
    assert.equal(hashes.size, all.filter((e) => e.type === 'file').length);
    assert.equal((await r.info()).extra.compression, 'zstd');
  } finally {
    await r.close();
  }
  assert.deepEqual(await fsp.readdir(work).catch(() => []), [], 'the private extractions are removed');
});

test('reader: names that look like listing lines or symlink arrows stay one entry each', async () => {
  const host = path.join(dir, 'fake-src');
  await fsp.mkdir(host);
  // A name cannot hold "/" (so never "0/0"); a symlink target can: it forges a whole entry line.
  const fake = 'x\n-rw-r--r-- 0:0 1 1970-01-01 00:00 evil -> y';
  const forged = 't -> u\n-rw-r--r-- 0/0                       1 1970-01-01 00:00 squashfs-root/evil2\nlrwxrwxrwx 0/0 1 1970-01-01 00:00 R/e -> f';
  await fsp.writeFile(path.join(host, fake), 'not evil\n');
  await fsp.symlink(forged, path.join(host, 'l -> m'));
  const img = path.join(dir, 'fake.sqfs');
  await execa('mksquashfs', [host, img, '-noappend', '-quiet', '-no-progress', '-all-root']);
  const r = await openReader({ file: img, offset: 0, size: (await fsp.stat(img)).size, display: 'fake.sqfs', workDir: async () => path.join(dir, 'fake-work') });
  try {
    const l = await r.list('/');
    assert.deepEqual(l.map((e) => [e.name, e.type, e.target]), [['l -> m', 'symlink', forged], [fake, 'file', undefined]]);
    const fd = await fsp.open(path.join(dir, 'fake-out'), 'w');
    await r.readFileTo(`/${fake}`, fd.fd);
    await fd.close();
    assert.equal(await fsp.readFile(path.join(dir, 'fake-out'), 'utf8'), 'not evil\n');
  } finally {
    await r.close();
  }
});

test('deterministic: trees added in either order, host files linked or copied, 1 or 2 mksquashfs threads: the same bytes', async () => {
  const a = await buildInto('order-a', makeTree(false));
  const b = await buildInto('order-b', makeTree(true));
  assert.equal(await sha(b.part), await sha(a.part), 'the reversed tree gives the same filesystem');
  // The same arguments on a stage made of copies (other host inodes, other times), with 1 and 2 threads.
  const stage = path.join(dir, 'copies', 'root');
  await stageTree(makeTree(true), stage, { copy: true, treeModes: true });
  for (const n of ['1', '2']) {
    const out = path.join(dir, `threads-${n}.sqfs`);
    const env = { ...process.env, SOURCE_DATE_EPOCH: '' } as Record<string, string>;
    delete env.SOURCE_DATE_EPOCH;
    await execa('mksquashfs', [...mksquashfsArgs(SPEC, stage, out, EPOCH), '-processors', n], { env, extendEnv: false });
    assert.equal(await sha(out), await sha(a.part), `-processors ${n} on copies gives the driver's bytes`);
  }
});

test("the compressors mksquashfs lists (4.5's and 4.6's -help) are read: what a missing one is checked against", async () => {
  const tc = findToolchain('squashfs-tools-trixie');
  const envs = [undefined, ...('missing' in tc ? [] : [toolchainEnv(tc, { PATH: process.env.PATH ?? '' })])];
  for (const env of envs) {
    const help = await execa('mksquashfs', ['-help'], { all: true, reject: false, ...(env ? { env } : {}) });
    const list = compressorsIn(help.all ?? '');
    assert.ok(list, 'a compressor list');
    for (const c of ['gzip', 'xz', 'lz4', 'lzo', 'zstd']) assert.ok(list.includes(c), `${c} in ${list.join(', ')}`);
    assert.ok(list.every((c) => /^[a-z0-9]+$/.test(c)), list.join(', '));
  }
  assert.equal(compressorsIn('no list here'), undefined);
  assert.deepEqual(compressorsIn('Compressors available:\n\tgzip (default)\n\txz\n-noI\tfoo\n'), ['gzip', 'xz']);
});

test('every compression builds, and unsquashfs reads it back', async () => {
  const tree = makeTree();
  for (const compression of ['gzip', 'xz', 'lz4', 'lzo'] as const) {
    const { part } = await buildInto(`comp-${compression}`, tree, { ...SPEC, compression, blockSize: 64 * KiB });
    assert.match((await execa('unsquashfs', ['-s', part])).stdout, new RegExp(`Compression ${compression}\\b[\\s\\S]*Block size 65536`));
    const got = await execa('unsquashfs', ['-cat', part, 'bin/big'], { encoding: 'buffer' });
    assert.ok(Buffer.from(got.stdout).equals(data.big!), compression);
  }
});

/** The repro fixture's btrfs spec with a squashfs root instead (size: "auto" or as given). */
async function squashfsSpec(specs: { btrfs: string }, size: string | number = 'auto', name = 'squashfs.json'): Promise<string> {
  const spec = JSON.parse(await fsp.readFile(specs.btrfs, 'utf8'));
  spec.name = 'repro-squashfs';
  spec.output.name = 'repro-squashfs';
  spec.partitions[0].filesystem = { type: 'squashfs' };
  spec.partitions[0].size = size;
  const file = path.join(path.dirname(specs.btrfs), name);
  await fsp.writeFile(file, JSON.stringify(spec, null, 2) + '\n');
  await fsp.chmod(file, 0o644);
  return file;
}

/** An environment without the caller's locale, TZ or SOURCE_DATE_EPOCH, plus `extra`. */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(LC_|LANG$|TZ$|SOURCE_DATE_EPOCH$)/.test(k)) e[k] = v;
  return { ...e, SOURCE_DATE_EPOCH: String(EPOCH), ...extra };
}

type Inputs = Awaited<ReturnType<typeof makeReproInputs>>;

/** The repro inputs made in `order`, made once for the file's CLI tests (they only read them). */
const reproInputs = new Map<'forward' | 'reverse', Promise<Inputs>>();
function inputsIn(order: 'forward' | 'reverse'): Promise<Inputs> {
  if (!reproInputs.has(order)) reproInputs.set(order, makeReproInputs(path.join(dir, `repro-${order}`), { order }));
  return reproInputs.get(order)!;
}

/** `imgsmith build` of the squashfs spec into `out` (as user 65534 with `nobody`); the raw image. */
async function cliBuild(inputs: Inputs, spec: string, out: string, how: { nobody?: boolean; tc?: Toolchain } = {}): Promise<{ img: string; zst: string; stderr: string; exitCode: number }> {
  await fsp.mkdir(out, { recursive: true });
  const args = [CLI, 'build', spec, '--closure', inputs.storePathList, '--store-root', inputs.fx.storeRoot, '--toplevel', inputs.toplevelLogical, '-o', out, '--keep-raw'];
  let cmd = process.execPath;
  let argv = args;
  const env = toolchainEnv(how.tc, cleanEnv({ TZ: how.nobody ? 'Pacific/Chatham' : 'UTC' }));
  if (how.nobody) {
    await execa('chown', ['65534:65534', out]);
    argv = ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...args];
    cmd = 'setpriv';
    env.HOME = out;
  }
  const r = await execa(cmd, argv, { env, extendEnv: false, reject: false, timeout: 300_000, cwd: how.nobody ? '/' : dir });
  return { img: path.join(out, 'repro-squashfs.img'), zst: path.join(out, 'repro-squashfs.img.zst'), stderr: r.stderr, exitCode: r.exitCode ?? -1 };
}

/** The first partition of `img` (sfdisk -J), copied out. */
async function firstPartition(img: string, name: string): Promise<string> {
  const table = JSON.parse((await execa('sfdisk', ['-J', img])).stdout).partitiontable as { partitions: { start: number; size: number }[] };
  const p0 = table.partitions[0]!;
  return extractPartition(img, p0.start * 512, p0.size * 512, path.join(dir, name));
}

/** What the fixture promises, checked with unsquashfs: owners 0/0, modes with setuid/setgid/sticky, hard links, odd names. */
async function checkFixtureImage(part: string, env?: Record<string, string>): Promise<void> {
  const l = await listing(part, env);
  for (const [p, v] of l) assert.match(v, / 0\/0 /, `${JSON.stringify(p)} owned by 0:0`);
  assert.match(l.get('/usr/bin/setuid-helper') ?? '', /^-rwsr-xr-x /);
  assert.match(l.get('/usr/bin/setgid-helper') ?? '', /^-rwxr-sr-x /);
  assert.match(l.get('/tmp') ?? '', /^drwxrwxrwt /);
  assert.match(l.get('/etc/empty') ?? '', /^-rw----r-- 0\/0 +0$/);
  assert.ok(l.has(`/${ODD_NAME.toString('latin1')}`), 'the non-UTF-8 name');
  assert.ok(l.has('/etc/odd-target -> ../\xff\xfe/caf\xe9'), 'the non-UTF-8 symlink target');
  const out = path.join(dir, `${path.basename(part)}-x`);
  await execa('unsquashfs', ['-q', '-n', '-d', out, part], env ? { env } : {});
  const inos = await Promise.all(['shared/original', 'shared/second', 'etc/third', 'usr/share/fourth'].map(async (p) => (await fsp.lstat(path.join(out, p))).ino));
  assert.equal(new Set(inos).size, 1, 'four names, one inode');
  assert.equal((await fsp.readFile(path.join(out, 'shared/second'), 'utf8')), 'one inode, three names\n');
  assert.equal((await fsp.lstat(path.join(out, 'etc/hostname'))).mtimeMs / 1000, EPOCH);
}

test('CLI: byte-identical images as root and as an unprivileged user from inputs made in the opposite order', { timeout: 600_000 }, async (t) => {
  const isRoot = process.getuid?.() === 0;
  const fwd = await inputsIn('forward');
  const rev = await inputsIn('reverse');
  const a = await cliBuild(fwd, await squashfsSpec(fwd.specs), path.join(dir, 'cli-root'));
  assert.equal(a.exitCode, 0, a.stderr);
  const b = await cliBuild(rev, await squashfsSpec(rev.specs), path.join(dir, 'cli-nobody'), { nobody: isRoot });
  assert.equal(b.exitCode, 0, b.stderr);
  if (!isRoot) t.diagnostic('not root: the second build runs as the same user');
  assert.equal(await sha(b.img), await sha(a.img), 'the two .img differ');
  assert.equal(await sha(b.zst), await sha(a.zst), 'the two .img.zst differ');
  await checkFixtureImage(await firstPartition(a.img, 'cli-root.sqfs'));
  const manifest = JSON.parse(await fsp.readFile(path.join(dir, 'cli-root', 'manifest.json'), 'utf8'));
  assert.match(JSON.stringify(manifest), /"mksquashfs":"4\.\d/);

  // The reader: inspect, ls, cat (a newline-free UTF-8 name and a non-UTF-8 one through extract), extract, verify;
  // the builds above are the real CLI, these reads run through main() in one batch process.
  const x = path.join(dir, 'cli-extract');
  const [ins, ls, cat, ex, ver] = (await batched(dir, [
    ['inspect', a.zst], ['ls', '-l', `${a.zst}:1`, '/usr/bin'], ['cat', `${a.zst}:1`, '/shared/second'], ['extract', `${a.zst}:1`, '/', x], ['verify', a.zst],
  ])) as [CliResult, CliResult, CliResult, CliResult, CliResult];
  assert.equal(ins.exitCode, 0, ins.stderr);
  assert.match(ins.stdout, /squashfs 4\.0/);
  assert.match(ins.stdout, /zstd/);
  assert.equal(ls.exitCode, 0, ls.stderr);
  assert.match(ls.stdout, /-rwsr-xr-x +0 +0 +\d+ \S+ \S+ setuid-helper/);
  assert.equal(cat.stdout, 'one inode, three names\n', cat.stderr);
  assert.equal(ex.exitCode, 0, ex.stderr);
  assert.equal(await fsp.readFile(Buffer.from(`${x}/${ODD_NAME.toString('latin1')}`, 'latin1'), 'latin1'), 'caf\xe9 (latin1)\n');
  assert.equal((await fsp.lstat(path.join(x, 'usr/bin/setuid-helper'))).mode & 0o7777, 0o4755);
  assert.equal(await fsp.readlink(path.join(x, 'etc/dangling')), '/nonexistent/dangling-target');
  assert.equal(ver.exitCode, 0, ver.stdout + ver.stderr);
  assert.match(ver.stdout, /ok +fs .*squashfs.*unsquashfs -lls: \d+ entries listed/);
});

test('CLI: a fixed size too small for the squashfs says the size needed; nothing is published', async () => {
  const inputs = await inputsIn('forward');
  const out = path.join(dir, 'cli-small');
  const r = await cliBuild(inputs, await squashfsSpec(inputs.specs, '8KiB', 'small.json'), out);
  assert.equal(r.exitCode, 1, r.stderr);
  assert.match(r.stderr, /^imgsmith: error: \S+small\.json:\d+:\d+: spec\.partitions\[0\]\.size: the content needs \d+ KiB \(\d+ bytes\) but the partition is 8 KiB \(8192 bytes\)$/);
  assert.deepEqual((await fsp.readdir(out)).filter((f) => !f.startsWith('.')), []);
});

test('toolchain squashfs-tools-trixie (4.6): deterministic builds that its unsquashfs reads as the tree', { timeout: 600_000 }, async (t) => {
  const tc = findToolchain('squashfs-tools-trixie');
  if ('missing' in tc) {
    if (inCI()) assert.fail(tc.missing);
    t.skip(tc.missing);
    return;
  }
  const env = toolchainEnv(tc, cleanEnv({}));
  assert.match((await execa('mksquashfs', ['-version'], { env, extendEnv: false })).stdout, /mksquashfs version 4\.6/);
  const fwd = await inputsIn('forward');
  const rev = await inputsIn('reverse');
  const a = await cliBuild(fwd, await squashfsSpec(fwd.specs), path.join(dir, 'tc-a'), { tc });
  assert.equal(a.exitCode, 0, a.stderr);
  const b = await cliBuild(rev, await squashfsSpec(rev.specs), path.join(dir, 'tc-b'), { tc });
  assert.equal(b.exitCode, 0, b.stderr);
  assert.equal(await sha(b.img), await sha(a.img), 'two builds with squashfs-tools 4.6 differ');
  const manifest = JSON.parse(await fsp.readFile(path.join(dir, 'tc-a', 'manifest.json'), 'utf8'));
  assert.match(JSON.stringify(manifest), /"mksquashfs":"4\.6/);
  await checkFixtureImage(await firstPartition(a.img, 'tc-a.sqfs'), env);
  // The reader with the 4.6 unsquashfs (whole-second times).
  const ls = await execa(process.execPath, [CLI, 'ls', '-l', `${a.img}:1`, '/etc'], { env, extendEnv: false, reject: false });
  assert.equal(ls.exitCode, 0, ls.stderr);
  assert.match(ls.stdout, new RegExp(`${new Date(EPOCH * 1000).toISOString().slice(0, 10)} ${new Date(EPOCH * 1000).toISOString().slice(11, 19)} hostname`));
});
