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
import { mksquashfsArgs, squashfsDriver, type SquashfsSpec } from '../src/fs/squashfs.ts';
import { stageTree } from '../src/fs/stage.ts';
import type { FsContext } from '../src/fs/types.ts';
import { silentProgress } from '../src/progress.ts';
import { validateSpec } from '../src/spec.ts';
import { blkid, extractPartition, markedImage } from './helpers/partition.ts';
import { CLI } from './helpers/cli.ts';
import { makeReproInputs, ODD_NAME } from './helpers/repro-fixture.ts';
import { findToolchain, inCI, toolchainEnv, type Toolchain } from './helpers/toolchains.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
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

test('every compression builds, and unsquashfs reads it back', async () => {
  const tree = makeTree();
  for (const compression of ['gzip', 'xz', 'lz4', 'lzo'] as const) {
    const { part } = await buildInto(`comp-${compression}`, tree, { ...SPEC, compression, blockSize: 64 * KiB });
    assert.match((await execa('unsquashfs', ['-s', part])).stdout, new RegExp(`Compression ${compression}\\b[\\s\\S]*Block size 65536`));
    const got = await execa('unsquashfs', ['-cat', part, 'bin/big'], { encoding: 'buffer' });
    assert.ok(Buffer.from(got.stdout).equals(data.big!), compression);
  }
});
