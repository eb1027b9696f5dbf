import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { FileTree } from '../src/content/tree.ts';
import { DoesNotFitError, ToolFailedError, UsageError } from '../src/errors.ts';
import { btrfsDriver, defaultBtrfsUuid, crc32c } from '../src/fs/btrfs.ts';
import type { FsContext, FsTarget } from '../src/fs/types.ts';
import { silentProgress } from '../src/progress.ts';
import { dataRanges, type Range } from '../src/sparse.ts';
import type { BtrfsSpec } from '../src/spec-types.ts';
import { blkid, extractPartition, markedImage } from './helpers/partition.ts';
import { CLI } from './helpers/cli.ts';
import { makeReproInputs } from './helpers/repro-fixture.ts';
import { KiB, MiB } from '../src/units.ts';

/**
 * IMGSMITH_TEST_BTRFS_PROGS=/dir runs every test of this file against another btrfs-progs:
 * /dir/bin (mkfs.btrfs, btrfs) goes first on PATH and /dir/lib on LD_LIBRARY_PATH, for
 * imgsmith and for the checks (btrfs check, dump-tree, restore) alike. Unset: the system's.
 */
const OTHER_PROGS = process.env.IMGSMITH_TEST_BTRFS_PROGS;
if (OTHER_PROGS) {
  process.env.PATH = `${path.join(OTHER_PROGS, 'bin')}:${process.env.PATH ?? ''}`;
  process.env.LD_LIBRARY_PATH = [path.join(OTHER_PROGS, 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
}

/** The mkfs.btrfs under test, as [major, minor]. */
async function progsVersion(): Promise<[number, number]> {
  const { stdout } = await execa('mkfs.btrfs', ['--version']);
  const m = /v(\d+)\.(\d+)/.exec(stdout);
  assert.ok(m, stdout);
  return [Number(m[1]), Number(m[2])];
}
/** btrfs-progs 6.10+ fills --rootdir with nftw() (served by the shim). */
const walksWithNftw = ([a, b]: [number, number]) => a > 6 || (a === 6 && b >= 10);

const EPOCH = 1700000000;
const UUID = '44444444-5555-4666-8777-888888888888';

let dir: string;
let srcDir: string;
const sources: Record<string, Buffer> = {};

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-btrfs-'));
  srcDir = path.join(dir, 'src');
  await fsp.mkdir(srcDir);
  // Host files as a Nix store would have them: read-only, odd times, an extra hard link.
  const files: Record<string, Buffer> = {
    big: randomBytes(3 * MiB + 123), // several 1 MiB extents
    small: Buffer.from('#!/bin/sh\necho hello\n'),
    empty: Buffer.alloc(0),
    page: randomBytes(4096),
  };
  for (const [name, data] of Object.entries(files)) {
    const p = path.join(srcDir, name);
    await fsp.writeFile(p, data, { mode: 0o600 });
    sources[name] = data;
  }
  await fsp.link(path.join(srcDir, 'small'), path.join(srcDir, 'small-link')); // st_nlink 2 on the host
  await fsp.utimes(path.join(srcDir, 'big'), 12345, 67890);
  // A host xattr that must not end up in the image; a host that cannot set one skips the check visibly (below).
  const x = await execa('python3', ['-c', `import os; os.setxattr(${JSON.stringify(path.join(srcDir, 'small'))}, 'user.host', b'leak')`], {
    reject: false,
  });
  if (x.exitCode !== 0) noHostXattr = String(x.stderr || x.shortMessage).trim().split('\n').at(-1);
});
/** Why the source could not get a host xattr (then "no host xattrs" proves nothing), if it could not. */
let noHostXattr: string | undefined;

after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

function makeTree(): FileTree {
  const t = new FileTree();
  t.add('/', { kind: 'dir', mode: 0o755 });
  t.add('/bin/big', { kind: 'file', mode: 0o555, size: sources.big!.length, source: path.join(srcDir, 'big') });
  t.add('/bin/sh-script', { kind: 'file', mode: 0o755, size: sources.small!.length, source: path.join(srcDir, 'small') });
  t.add('/etc/empty', { kind: 'file', mode: 0o644, size: 0, source: path.join(srcDir, 'empty') });
  t.add('/etc/page', { kind: 'file', mode: 0o644, size: 4096, source: path.join(srcDir, 'page') });
  t.add('/etc/hostname', { kind: 'data', mode: 0o644, data: Buffer.from('pi\n') });
  t.add('/etc/link', { kind: 'symlink', target: '../bin/big' });
  t.add('/root', { kind: 'dir', mode: 0o700 });
  // A directory larger than one host directory block: host readdir order = hash order.
  for (let i = 0; i < 300; i++) t.add(`/many/entry-${i}`, { kind: 'data', mode: 0o600, data: Buffer.from(`${i}\n`) });
  return t;
}

function ctxIn(sub: string, epoch = EPOCH): FsContext {
  return { tmpDir: path.join(dir, sub), progress: silentProgress, epoch };
}

const makeImage = (name: string, size: number, offset: number, partSize: number) => markedImage(path.join(dir, name), size, offset, partSize);
const extract = (img: string, offset: number, size: number, name: string) => extractPartition(img, offset, size, path.join(dir, name));

/** sha256 of a file's logical content, reading only its data ranges (holes are zeros). */
async function hashSparse(file: string, ranges: Range[]): Promise<string> {
  const h = createHash('sha256');
  const fh = await fsp.open(file, 'r');
  try {
    for (const r of ranges) {
      const b = Buffer.alloc(r.end - r.start);
      await fh.read(b, 0, b.length, r.start);
      h.update(`${r.start}:`).update(b);
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

interface Inode {
  ino: number;
  mode: number;
  links: number;
  uid: number;
  gid: number;
  times: number[];
}

/** Inode items and xattr items of the fs tree, from `btrfs inspect-internal dump-tree`. */
async function fsTree(part: string): Promise<{ inodes: Inode[]; xattrs: number; text: string }> {
  const { stdout } = await execa('btrfs', ['inspect-internal', 'dump-tree', '-t', 'fs', part]);
  const inodes: Inode[] = [];
  const re =
    /key \((\d+) INODE_ITEM 0\)[^\n]*\n[^\n]*\n\s*block group \d+ mode (\d+) links (\d+) uid (\d+) gid (\d+)[^\n]*\n[^\n]*\n\s*atime (\d+)\.\d+[^\n]*\n\s*ctime (\d+)\.\d+[^\n]*\n\s*mtime (\d+)\.\d+/g;
  for (const m of stdout.matchAll(re)) {
    inodes.push({
      ino: Number(m[1]),
      mode: parseInt(m[2]!, 8),
      links: Number(m[3]),
      uid: Number(m[4]),
      gid: Number(m[5]),
      times: [Number(m[6]), Number(m[7]), Number(m[8])],
    });
  }
  return { inodes, xattrs: (stdout.match(/XATTR_ITEM/g) ?? []).length, text: stdout };
}

/** Path -> inode number, from the DIR_INDEX items of a dump-tree text (the root is 256). */
function inodesByPath(text: string): Map<string, number> {
  const children = new Map<number, [string, number][]>();
  for (const m of text.matchAll(/key \((\d+) DIR_INDEX \d+\)[^\n]*\n\s*location key \((\d+) INODE_ITEM 0\)[^\n]*\n[^\n]*\n\s*name: ([^\n]+)\n/g)) {
    const d = Number(m[1]);
    if (!children.has(d)) children.set(d, []);
    children.get(d)!.push([m[3]!, Number(m[2])]);
  }
  const out = new Map<string, number>([['/', 256]]);
  const visit = (ino: number, prefix: string) => {
    for (const [name, child] of children.get(ino) ?? []) {
      const p = `${prefix}/${name}`;
      out.set(p, child);
      if (children.has(child)) visit(child, p);
    }
  };
  visit(256, '');
  return out;
}

async function superField(part: string, field: string, mirror = 0): Promise<string> {
  const { stdout } = await execa('btrfs', ['inspect-internal', 'dump-super', '-s', String(mirror), part]);
  const m = new RegExp(`^${field}(?:[ \\t]+(.*))?$`, 'm').exec(stdout);
  assert.ok(m, `dump-super has no ${field}:\n${stdout}`);
  return (m[1] ?? "").trim();
}


/** Prepares (builds) and writes the filesystem, as the build pipeline does. */
async function writeBtrfs(spec: BtrfsSpec, tree: FileTree, target: FsTarget, ctx: FsContext, where = 'partition 2 ("root")') {
  return (await btrfsDriver.prepare(spec, tree, ctx, where)).write(target, ctx);
}

test('crc32c matches the Castagnoli check value', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
});

test('btrfs root: btrfs check, superblock, contents, owners, times, modes', async () => {
  const tree = makeTree();
  const spec: BtrfsSpec = { type: 'btrfs', label: 'nixos', uuid: UUID };
  const ctx = ctxIn('t1');
  await fsp.mkdir(ctx.tmpDir);
  btrfsDriver.validate(spec, tree, 'partition 2 ("root")');
  const prepared = await btrfsDriver.prepare(spec, tree, ctx, 'partition 2 ("root")');
  const min = prepared.minimumSize;
  assert.ok(min % 4096 === 0 && min >= 64 * MiB && min <= 160 * MiB, `minimum ${min}`);

  const offset = 3 * MiB;
  const partSize = 200 * MiB + 512; // not a multiple of 4 KiB: the fs rounds down
  const img = await makeImage('img1', 256 * MiB, offset, partSize);
  const report = await prepared.write({ imagePath: img, offset, size: partSize }, ctx);
  assert.equal(report.type, 'btrfs');
  assert.equal(report.label, 'nixos');
  assert.equal(report.uuid, UUID);
  assert.equal(report.stats.deterministic, 'yes', 'the mkfs shim was used (npm run build:native)');
  assert.equal(report.stats.sizeBytes, 200 * MiB);
  // The temporary files are gone.
  assert.deepEqual(await fsp.readdir(ctx.tmpDir), []);

  // Nothing outside the partition was written.
  const outside = [
    ...(await dataRanges(img, { end: offset - 4096 })),
    ...(await dataRanges(img, { start: offset + partSize + 4096 })),
  ];
  assert.deepEqual(outside, []);
  const fh = await fsp.open(img, 'r');
  const b = Buffer.alloc(1);
  await fh.read(b, 0, 1, offset - 1);
  assert.equal(b[0], 0xaa);
  await fh.read(b, 0, 1, offset + partSize);
  assert.equal(b[0], 0xbb);
  await fh.close();
  // Sparse: far less than the partition is allocated.
  const used = (await dataRanges(img, { start: offset, end: offset + partSize })).reduce((a, r) => a + r.end - r.start, 0);
  assert.ok(used < 16 * MiB, `partition has ${used} bytes of data ranges`);

  const part = await extract(img, offset, partSize, 'part1');
  const check = await execa('btrfs', ['check', '--readonly', part], { reject: false, all: true });
  assert.equal(check.exitCode, 0, check.all);
  assert.match(check.all ?? '', /no error found/);

  assert.equal(await superField(part, 'label'), 'nixos');
  assert.equal(await superField(part, 'fsid'), UUID);
  assert.equal(await superField(part, 'total_bytes'), String(200 * MiB));
  assert.equal(await superField(part, 'dev_item.total_bytes'), String(200 * MiB));
  assert.match(await superField(part, 'csum'), /\[match\]/);
  // The 64 MiB mirror got the new size too, with a valid checksum.
  assert.equal(await superField(part, 'total_bytes', 1), String(200 * MiB));
  assert.match(await superField(part, 'csum', 1), /\[match\]/);
  assert.equal(await superField(part, 'bytenr', 1), String(64 * MiB));

  const blk = await blkid(part);
  assert.equal(blk.TYPE, 'btrfs');
  assert.equal(blk.LABEL, 'nixos');
  assert.equal(blk.UUID, UUID);

  // Contents, read without mounting.
  const out = path.join(dir, 'restore1');
  await fsp.mkdir(out);
  await execa('btrfs', ['restore', '-S', part, out]);
  assert.deepEqual(await fsp.readFile(path.join(out, 'bin/big')), sources.big);
  assert.deepEqual(await fsp.readFile(path.join(out, 'bin/sh-script')), sources.small);
  assert.deepEqual(await fsp.readFile(path.join(out, 'etc/page')), sources.page);
  assert.equal((await fsp.readFile(path.join(out, 'etc/empty'))).length, 0);
  assert.equal(await fsp.readFile(path.join(out, 'etc/hostname'), 'utf8'), 'pi\n');
  assert.equal(await fsp.readlink(path.join(out, 'etc/link')), '../bin/big');
  assert.equal((await fsp.readdir(path.join(out, 'many'))).length, 300);
  assert.equal(await fsp.readFile(path.join(out, 'many/entry-299'), 'utf8'), '299\n');

  // Metadata: every inode 0:0 with the epoch as its times, modes from the tree, nlink 1
  // for files (the host hard link does not count), inode numbers 256.. in tree order.
  const { inodes, xattrs, text } = await fsTree(part);
  assert.equal(inodes.length, tree.size, 'one inode per tree entry');
  for (const i of inodes) {
    assert.equal(i.uid, 0, `inode ${i.ino} uid`);
    assert.equal(i.gid, 0, `inode ${i.ino} gid`);
    assert.deepEqual(i.times, [EPOCH, EPOCH, EPOCH], `inode ${i.ino} times`);
    if ((i.mode & 0o170000) !== 0o040000) assert.equal(i.links, 1, `inode ${i.ino} links`);
  }
  const entries = tree.entries();
  const byIno = new Map(inodes.map((i) => [i.ino, i]));
  entries.forEach(([p, e], idx) => {
    const ino = byIno.get(256 + idx);
    assert.ok(ino, `no inode ${256 + idx} for ${p}`);
    const type = { dir: 0o040000, file: 0o100000, data: 0o100000, symlink: 0o120000 }[e.kind];
    const perm = e.kind === 'symlink' ? 0o777 : e.mode;
    if (p !== '/') assert.equal(ino.mode, type | perm, `${p} mode ${ino.mode.toString(8)}`);
  });
  // Directory order is byte order (not the host's readdir order): DIR_INDEX of /many.
  const manyIno = 256 + entries.findIndex(([p]) => p === '/many');
  const idx = [...text.matchAll(new RegExp(`key \\(${manyIno} DIR_INDEX (\\d+)\\)[^\\n]*\\n[^\\n]*\\n[^\\n]*\\n\\s*name: (\\S+)`, 'g'))]
    .map((m) => [Number(m[1]), m[2]!] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, name]) => name);
  assert.equal(idx.length, 300);
  assert.deepEqual(idx, [...idx].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  assert.equal(xattrs, 0, 'no host xattrs');
  assert.doesNotMatch(text, /user\.host/);
});

test('the source file carries the host xattr that must stay out of the image', async (t) => {
  if (noHostXattr) {
    t.skip(`cannot set a user xattr in ${srcDir}: ${noHostXattr}; the "no host xattrs" check above proves nothing here`);
    return;
  }
  const r = await execa('python3', ['-c', `import os, sys; sys.stdout.write(os.getxattr(${JSON.stringify(path.join(srcDir, 'small'))}, 'user.host').decode())`]);
  assert.equal(r.stdout, 'leak');
});

test('reproducible: same bytes from different staging dirs, host times and wall clocks', async () => {
  const spec: BtrfsSpec = { type: 'btrfs', label: 'nixos' };
  const offset = MiB;
  const partSize = 128 * MiB;
  const hashes: string[] = [];
  const uuids: string[] = [];
  for (const run of ['ra', 'rb-with-a-longer-name']) {
    const ctx = ctxIn(run);
    await fsp.mkdir(ctx.tmpDir);
    // The host's view changes between runs (times of the sources).
    await fsp.utimes(path.join(srcDir, 'page'), run.length * 1000, run.length * 2000);
    const tree = makeTree();
    btrfsDriver.validate(spec, tree, 'partition 2 ("root")');
    const img = await makeImage(`img-${run}`, 160 * MiB, offset, partSize);
    const r = await writeBtrfs(spec, tree, { imagePath: img, offset, size: partSize }, ctx);
    uuids.push(r.uuid!);
    const ranges = await dataRanges(img, { start: offset, end: offset + partSize });
    hashes.push(await hashSparse(img, ranges));
    await new Promise((res) => setTimeout(res, 1100)); // a different second for mkfs' clock
  }
  assert.equal(uuids[0], uuids[1]);
  assert.equal(uuids[0], defaultBtrfsUuid(makeTree(), 'nixos'));
  assert.notEqual(defaultBtrfsUuid(makeTree(), 'nixos'), defaultBtrfsUuid(makeTree(), 'other'));
  assert.equal(hashes[0], hashes[1], 'the two partitions differ');
});

test('size "auto": the minimum works; a smaller fixed size is refused with both sizes', async () => {
  const tree = new FileTree();
  tree.add('/etc/hostname', { kind: 'data', mode: 0o644, data: Buffer.from('pi\n') });
  const spec: BtrfsSpec = { type: 'btrfs', uuid: UUID };
  const ctx = ctxIn('t3');
  await fsp.mkdir(ctx.tmpDir);
  btrfsDriver.validate(spec, tree, 'partition 3 ("data")');
  const prepared = await btrfsDriver.prepare(spec, tree, ctx, 'partition 3 ("data")');
  const min = prepared.minimumSize;
  assert.equal((await btrfsDriver.prepare({ ...spec, extraSpace: 10 * MiB + 1 }, tree, ctx, 'partition 3 ("data")')).minimumSize, min + 10 * MiB + 4096);

  const img = await makeImage('img3', min + 2 * MiB, MiB, min);
  const r = await prepared.write({ imagePath: img, offset: MiB, size: min }, ctx);
  assert.equal(r.stats.sizeBytes, min);
  assert.equal(r.stats.minimumBytes, min);
  const part = await extract(img, MiB, min, 'part3');
  const check = await execa('btrfs', ['check', '--readonly', part], { reject: false, all: true });
  assert.equal(check.exitCode, 0, check.all);
  assert.equal(await superField(part, 'total_bytes'), String(min));
  assert.equal(await superField(part, 'label'), '');

  const small = min - 4 * MiB;
  const img2 = await makeImage('img3b', 200 * MiB, MiB, small);
  await assert.rejects(
    writeBtrfs(spec, tree, { imagePath: img2, offset: MiB, size: small }, ctx, 'partition 3 ("data")'),
    (e: unknown) =>
      e instanceof DoesNotFitError &&
      e.message.includes('partition 3 ("data")') &&
      e.message.includes(`(${min} bytes)`) &&
      e.message.includes(`(${small} bytes)`),
  );
  // Nothing was written into the partition.
  assert.deepEqual(await dataRanges(img2, { start: MiB, end: MiB + small }), []);
});

test('without the shim: fakeroot/faketime fallback still gives a valid filesystem', async () => {
  const tree = makeTree();
  const spec: BtrfsSpec = { type: 'btrfs', label: 'fallback', uuid: UUID };
  const ctx = ctxIn('t4');
  await fsp.mkdir(ctx.tmpDir);
  const img = await makeImage('img4', 140 * MiB, MiB, 128 * MiB);
  const saved = process.env.IMGSMITH_NO_NATIVE;
  process.env.IMGSMITH_NO_NATIVE = '1';
  let r;
  try {
    r = await writeBtrfs(spec, tree, { imagePath: img, offset: MiB, size: 128 * MiB }, ctx);
  } finally {
    if (saved === undefined) delete process.env.IMGSMITH_NO_NATIVE;
    else process.env.IMGSMITH_NO_NATIVE = saved;
  }
  assert.equal(r.stats.deterministic, 'no');
  const part = await extract(img, MiB, 128 * MiB, 'part4');
  const check = await execa('btrfs', ['check', '--readonly', part], { reject: false, all: true });
  assert.equal(check.exitCode, 0, check.all);
  const { inodes } = await fsTree(part);
  for (const i of inodes) assert.equal(i.uid, 0, `inode ${i.ino} uid`);
});

test('a shim the loader refuses is detected: built again without it, still a valid filesystem', async () => {
  const tree = makeTree();
  const spec: BtrfsSpec = { type: 'btrfs', label: 'refused', uuid: UUID };
  const ctx = ctxIn('t5');
  await fsp.mkdir(ctx.tmpDir);
  const refused = path.join(dir, 'not-a-library.so');
  await fsp.writeFile(refused, 'this is not an ELF file\n');
  const img = await makeImage('img5', 140 * MiB, MiB, 128 * MiB);
  const saved = process.env.IMGSMITH_SHIM_PATH;
  process.env.IMGSMITH_SHIM_PATH = refused;
  let r;
  try {
    r = await writeBtrfs(spec, tree, { imagePath: img, offset: MiB, size: 128 * MiB }, ctx);
  } finally {
    if (saved === undefined) delete process.env.IMGSMITH_SHIM_PATH;
    else process.env.IMGSMITH_SHIM_PATH = saved;
  }
  assert.equal(r.stats.deterministic, 'no');
  assert.deepEqual(await fsp.readdir(ctx.tmpDir), []);
  const part = await extract(img, MiB, 128 * MiB, 'part5');
  // /bin/sh-script's source has a second host name: staged as a hard link and read
  // without the shim, its inode would get the host's link count.
  const check = await execa('btrfs', ['check', '--readonly', part], { reject: false, all: true });
  assert.equal(check.exitCode, 0, check.all);
  const { inodes } = await fsTree(part);
  for (const i of inodes) if ((i.mode & 0o170000) !== 0o040000) assert.equal(i.links, 1, `inode ${i.ino} links`);
});

test('bad specs are rejected', () => {
  const tree = new FileTree();
  const where = 'partition 2 ("root")';
  assert.throws(
    () => btrfsDriver.validate({ type: 'btrfs', label: 'x'.repeat(256) }, tree, where),
    (e: unknown) => e instanceof UsageError && /partition 2.*256 bytes.*255/.test(e.message),
  );
  assert.throws(
    () => btrfsDriver.validate({ type: 'btrfs', uuid: '1234' }, tree, where),
    (e: unknown) => e instanceof UsageError && /"1234" is not a UUID/.test(e.message),
  );
});

test('hard links: entries sharing a host inode stay one inode with one link per name; still reproducible', async () => {
  const shared = path.join(srcDir, 'shared');
  await fsp.writeFile(shared, 'one inode, three names\n', { mode: 0o600 });
  await fsp.link(shared, path.join(srcDir, 'shared-host-only')); // a host link outside the tree
  const makeLinked = () => {
    const t = new FileTree();
    t.add('/', { kind: 'dir', mode: 0o755 });
    // Tree order: /a/b/c/deep (index 4) comes before /z/top, though a breadth-first walk
    // (mkfs.btrfs) reaches /z/top first: every name must report the first entry's mode.
    t.add('/a/b/c/deep', { kind: 'file', mode: 0o555, size: 23, source: shared });
    t.add('/z/top', { kind: 'file', mode: 0o644, size: 23, source: shared });
    t.add('/z/again', { kind: 'file', mode: 0o555, size: 23, source: shared });
    t.add('/z/big', { kind: 'file', mode: 0o444, size: sources.big!.length, source: path.join(srcDir, 'big') });
    t.add('/z/big-link', { kind: 'file', mode: 0o444, size: sources.big!.length, source: path.join(srcDir, 'big') });
    t.add('/z/lonely', { kind: 'file', mode: 0o644, size: 4096, source: path.join(srcDir, 'page') });
    return t;
  };
  const spec: BtrfsSpec = { type: 'btrfs', label: 'links', uuid: UUID };
  const partSize = 128 * MiB;
  const hashes: string[] = [];
  let part = '';
  for (const run of ['l1', 'l2-other-dir']) {
    const ctx = ctxIn(run);
    await fsp.mkdir(ctx.tmpDir);
    const tree = makeLinked();
    const img = await makeImage(`img-${run}`, 140 * MiB, MiB, partSize);
    const r = await writeBtrfs(spec, tree, { imagePath: img, offset: MiB, size: partSize }, ctx);
    assert.equal(r.stats.deterministic, 'yes');
    hashes.push(await hashSparse(img, await dataRanges(img, { start: MiB, end: MiB + partSize })));
    part = await extract(img, MiB, partSize, `part-${run}`);
  }
  assert.equal(hashes[0], hashes[1], 'the two builds differ');

  const check = await execa('btrfs', ['check', '--readonly', part], { reject: false, all: true });
  assert.equal(check.exitCode, 0, check.all);
  assert.match(check.all ?? '', /no error found/);

  const entries = makeLinked().entries();
  const { inodes, text } = await fsTree(part);
  const byIno = new Map(inodes.map((i) => [i.ino, i]));
  // Inode numbers: btrfs-progs 6.2 uses the shim's st_ino + 256 (tree index + 256, a group
  // takes its first entry's), 6.10+ numbers inodes in its (sorted, depth-first) walk order.
  const ino = inodesByPath(text);
  const at = (p: string) => {
    const i = ino.get(p);
    assert.ok(i !== undefined, `no directory entry for ${p}`);
    return i;
  };
  const sharedIno = at('/a/b/c/deep');
  const bigIno = at('/z/big');
  assert.equal(byIno.get(sharedIno)?.links, 3, `inode ${sharedIno}:\n${text}`);
  assert.equal(byIno.get(sharedIno)?.mode, 0o100555);
  assert.equal(byIno.get(bigIno)?.links, 2);
  assert.equal(byIno.get(at('/z/lonely'))?.links, 1);
  // One inode per group: every name's directory entry points at the group's inode.
  assert.equal(inodes.length, entries.length - 3);
  assert.equal(at('/z/top'), sharedIno);
  assert.equal(at('/z/again'), sharedIno);
  assert.equal(at('/z/big-link'), bigIno);
  const z = at('/z');
  // INODE_REF items (one per parent directory, holding all the names in it).
  const refs = [...text.matchAll(new RegExp(`key \\(${sharedIno} INODE_REF (\\d+)\\)[^\\n]*\\n((?:\\s*index [^\\n]*\\n)+)`, 'g'))].flatMap((m) =>
    [...m[2]!.matchAll(/name: (\S+)/g)].map((n) => `${m[1]}:${n[1]}`),
  );
  assert.deepEqual(refs.sort(), [`${at('/a/b/c')}:deep`, `${z}:again`, `${z}:top`].sort());

  const out = path.join(dir, 'restore-links');
  await fsp.mkdir(out);
  await execa('btrfs', ['restore', '-S', part, out]);
  for (const p of ['a/b/c/deep', 'z/top', 'z/again']) assert.equal(await fsp.readFile(path.join(out, p), 'utf8'), 'one inode, three names\n', p);
  assert.deepEqual(await fsp.readFile(path.join(out, 'z/big-link')), sources.big);
});

test('the btrfs-progs under test', async (t) => {
  const v = await progsVersion();
  t.diagnostic(`mkfs.btrfs ${v.join('.')} (${OTHER_PROGS ? `IMGSMITH_TEST_BTRFS_PROGS=${OTHER_PROGS}` : 'the system\'s'}); --rootdir walk: ${walksWithNftw(v) ? 'nftw (served by the shim)' : 'readdir/lstat'}`);
  assert.ok(v[0] > 6 || (v[0] === 6 && v[1] >= 2), 'btrfs-progs 6.2 or newer');
});

test('entries mkfs.btrfs reads past the shim are never published: a clear error (nftw left to glibc)', async (t) => {
  const v = await progsVersion();
  const tree = makeTree();
  const spec: BtrfsSpec = { type: 'btrfs', label: 'unserved', uuid: UUID };
  const ctx = ctxIn('t-unserved');
  await fsp.mkdir(ctx.tmpDir);
  const saved = process.env.IMGSMITH_SHIM_NFTW;
  process.env.IMGSMITH_SHIM_NFTW = '0';
  try {
    const run = btrfsDriver.prepare(spec, tree, ctx, 'partition 2 ("root")');
    if (walksWithNftw(v)) {
      await assert.rejects(run, (e: unknown) => {
        assert.ok(e instanceof ToolFailedError, String(e));
        t.diagnostic(e.message);
        assert.match(e.message, /^partition 2 \("root"\): mkfs\.btrfs read \d+ of the \d+ entries of the tree through the imgsmith shim/);
        return true;
      });
    } else {
      t.diagnostic(`mkfs.btrfs ${v.join('.')} does not walk with nftw: the knob changes nothing, the build is served fully`);
      const p = await run;
      const img = await makeImage('img-unserved', 140 * MiB, MiB, 128 * MiB);
      const r = await p.write({ imagePath: img, offset: MiB, size: 128 * MiB }, ctx);
      assert.equal(r.stats.deterministic, 'yes');
    }
  } finally {
    if (saved === undefined) delete process.env.IMGSMITH_SHIM_NFTW;
    else process.env.IMGSMITH_SHIM_NFTW = saved;
  }
  assert.deepEqual(await fsp.readdir(ctx.tmpDir), [], 'nothing left behind');
});

const isRoot = process.getuid?.() === 0;

test('CLI: built as root and as nobody (other TZ, umask, cwd) from inputs owned by another uid: byte-identical, verified, 0:0 at the epoch', async (t) => {
  const v = await progsVersion();
  const base = path.join(dir, 'cli');
  await fsp.mkdir(base);
  await fsp.chmod(dir, 0o755);
  await fsp.chmod(base, 0o755);
  const inputs = await makeReproInputs(path.join(base, 'in'));
  // Inputs owned by a uid that is neither root nor nobody (root only can chown).
  if (isRoot) {
    await execa('chown', ['-R', '-h', '4321:4321', inputs.dir]);
    // chown clears the setuid/setgid bits: set them again.
    const root = path.join(inputs.specDir, 'root');
    await fsp.chmod(path.join(root, 'usr/bin/setuid-helper'), 0o4755);
    await fsp.chmod(path.join(root, 'usr/bin/setgid-helper'), 0o2755);
  }
  const epoch = 1700000000;
  const env = (extra: Record<string, string>): Record<string, string> => {
    const e: Record<string, string> = {};
    for (const [k, val] of Object.entries(process.env)) if (val !== undefined && !/^(LC_|LANG$|TZ$|SOURCE_DATE_EPOCH$)/.test(k)) e[k] = val;
    return { ...e, SOURCE_DATE_EPOCH: String(epoch), ...extra };
  };
  const build = async (name: string, how: { nobody?: boolean; tz: string; umask: string; cwd: string }) => {
    const out = path.join(base, name);
    await fsp.mkdir(out);
    const args = [CLI, 'build', inputs.specs.btrfs, '--closure', inputs.storePathList, '--store-root', inputs.fx.storeRoot, '--toplevel', inputs.toplevelLogical, '-o', out, '--keep-raw'];
    let argv = ['-c', `umask ${how.umask} && exec "$@"`, 'sh', process.execPath, ...args];
    let cmd = 'sh';
    const e = env({ TZ: how.tz, LANG: 'C.UTF-8' });
    if (how.nobody) {
      await execa('chown', ['65534:65534', out]);
      argv = ['--reuid=65534', '--regid=65534', '--clear-groups', cmd, ...argv];
      cmd = 'setpriv';
      e.HOME = out;
    }
    const r = await execa(cmd, argv, { cwd: how.cwd, env: e, extendEnv: false, reject: false, timeout: 300_000 });
    assert.equal(r.exitCode, 0, `${name}: ${r.stderr}`);
    return { img: path.join(out, 'repro-btrfs.img'), zst: path.join(out, 'repro-btrfs.img.zst') };
  };
  const a = await build('as-root', { tz: 'UTC', umask: '022', cwd: base });
  const b = isRoot
    ? await build('as-nobody', { nobody: true, tz: 'Pacific/Chatham', umask: '077', cwd: '/' })
    : await build('again', { tz: 'Pacific/Chatham', umask: '077', cwd: '/' });
  if (!isRoot) t.diagnostic('not root: the second build runs as the same user (cannot setpriv, cannot chown the inputs)');
  const sha = async (f: string) => createHash('sha256').update(await fsp.readFile(f)).digest('hex');
  const [ha, hb, za, zb] = await Promise.all([sha(a.img), sha(b.img), sha(a.zst), sha(b.zst)]);
  t.diagnostic(`mkfs.btrfs ${v.join('.')}: .img sha256 ${ha}, .img.zst sha256 ${za}`);
  assert.equal(hb, ha, 'the two .img differ');
  assert.equal(zb, za, 'the two .img.zst differ');

  // imgsmith's own verify (partition table, btrfs check, manifest hashes).
  const ver = await execa(process.execPath, [CLI, 'verify', b.zst], { reject: false, all: true });
  assert.equal(ver.exitCode, 0, ver.all);

  const table = JSON.parse((await execa('sfdisk', ['-J', a.img])).stdout).partitiontable as { partitions: { start: number; size: number }[] };
  const p0 = table.partitions[0]!;
  const part = await extract(a.img, p0.start * 512, p0.size * 512, 'part-cli');
  const check = await execa('btrfs', ['check', '--readonly', part], { reject: false, all: true });
  assert.equal(check.exitCode, 0, check.all);
  assert.match(check.all ?? '', /no error found/);

  // Every inode 0:0 at the epoch (read with btrfs inspect-internal dump-tree).
  const { inodes, text } = await fsTree(part);
  assert.ok(inodes.length > 50, `${inodes.length} inodes`);
  for (const i of inodes) {
    assert.equal(i.uid, 0, `inode ${i.ino} uid`);
    assert.equal(i.gid, 0, `inode ${i.ino} gid`);
    assert.deepEqual(i.times, [epoch, epoch, epoch], `inode ${i.ino} times`);
    assert.ok(i.ino >= 256, `inode ${i.ino} is in btrfs's reserved range`);
  }
  const byIno = new Map(inodes.map((i) => [i.ino, i]));
  const ino = inodesByPath(text);
  const inode = (p: string) => {
    const n = ino.get(p);
    assert.ok(n !== undefined, `no directory entry for ${p}`);
    const i = byIno.get(n);
    assert.ok(i, `no inode ${n} for ${p}`);
    return i;
  };
  assert.equal(inode('/usr/bin/setuid-helper').mode, 0o104755);
  assert.equal(inode('/usr/bin/setgid-helper').mode, 0o102755);
  assert.equal(inode('/tmp').mode, 0o041777);
  assert.equal(inode('/etc/empty').mode, 0o100604);
  // Hard links: one inode, four names, nlink 4.
  const shared = inode('/shared/original');
  assert.equal(shared.links, 4);
  assert.equal(shared.mode, 0o100664);
  for (const p of ['/shared/second', '/etc/third', '/usr/share/fourth']) assert.equal(inode(p).ino, shared.ino, p);

  // Symlink targets (btrfs restore -S).
  const out = path.join(base, 'restore');
  await fsp.mkdir(out);
  await execa('btrfs', ['restore', '-S', part, out]);
  assert.equal(await fsp.readlink(path.join(out, 'etc/dangling')), '/nonexistent/dangling-target');
  assert.equal(await fsp.readlink(path.join(out, 'etc/devnull')), '/dev/null');
  assert.equal(await fsp.readlink(path.join(out, 'sbin/init')), '/run/current-system/init');
  assert.equal(await fsp.readFile(path.join(out, 'shared/second'), 'utf8'), 'one inode, three names\n');
});

test('without the shim, btrfs-progs 6.10+ as a non-root user is refused (fakeroot cannot reach nftw): exit 1, nothing published', async (t) => {
  const v = await progsVersion();
  if (!walksWithNftw(v)) {
    t.skip(`mkfs.btrfs ${v.join('.')} does not walk with nftw: fakeroot still works for it`);
    return;
  }
  if (!isRoot) {
    // In-process, as this (non-root) user.
    const ctx = ctxIn('t-noshim-user');
    await fsp.mkdir(ctx.tmpDir);
    const saved = process.env.IMGSMITH_NO_SHIM;
    process.env.IMGSMITH_NO_SHIM = '1';
    try {
      await assert.rejects(btrfsDriver.prepare({ type: 'btrfs', uuid: UUID }, makeTree(), ctx, 'partition 2 ("root")'), (e: unknown) => e instanceof ToolFailedError && /without the imgsmith mkfs shim/.test(e.message));
    } finally {
      if (saved === undefined) delete process.env.IMGSMITH_NO_SHIM;
      else process.env.IMGSMITH_NO_SHIM = saved;
    }
    assert.deepEqual(await fsp.readdir(ctx.tmpDir), []);
    return;
  }
  // As root: the CLI as nobody.
  const base = path.join(dir, 'noshim');
  await fsp.mkdir(base, { recursive: true });
  await fsp.chmod(dir, 0o755);
  await fsp.chmod(base, 0o755);
  const inputs = await makeReproInputs(path.join(base, 'in'));
  const out = path.join(base, 'out');
  await fsp.mkdir(out);
  await execa('chown', ['65534:65534', out]);
  const env: Record<string, string> = {};
  for (const [k, val] of Object.entries(process.env)) if (val !== undefined) env[k] = val;
  Object.assign(env, { IMGSMITH_NO_SHIM: '1', HOME: out, SOURCE_DATE_EPOCH: '1700000000' });
  const r = await execa(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'build', inputs.specs.btrfs, '--closure', inputs.storePathList, '--store-root', inputs.fx.storeRoot, '--toplevel', inputs.toplevelLogical, '-o', out],
    { cwd: '/', env, extendEnv: false, reject: false, timeout: 300_000 },
  );
  assert.equal(r.exitCode, 1, r.stderr);
  assert.match(r.stderr, /^imgsmith: error: .*without the imgsmith mkfs shim .*mkfs\.btrfs \d+\.\d+ would give every file of the btrfs root your user's owner/m);
  assert.deepEqual((await fsp.readdir(out)).filter((f) => !f.startsWith('.')), [], 'nothing published');
});

test('the shim serves nftw as glibc does (types, levels, bases, FTW_PHYS/DEPTH/CHDIR/ACTIONRETVAL, return values), in byte order', async (t) => {
  const cc = await execa('cc', ['--version'], { reject: false }).catch(() => null);
  if (!cc || cc.exitCode !== 0) {
    t.skip('no C compiler (cc) to build the nftw probe');
    return;
  }
  const base = path.join(dir, 'nftw');
  const probe = path.join(base, 'nftw-probe');
  await fsp.mkdir(base);
  await execa('cc', ['-O1', '-o', probe, path.join(import.meta.dirname, 'helpers', 'nftw-probe.c')]);
  const root = path.join(base, 't');
  for (const d of ['a/b', 'skipme/x', 'c', 'z']) await fsp.mkdir(path.join(root, d), { recursive: true });
  for (const f of ['a/f1', 'a/b/f2', 'skipme/x/y', 'c/sib', 'c/after', 'z/stop', 'zz', 'Z-upper']) await fsp.writeFile(path.join(root, f), '');
  await fsp.symlink('a/f1', path.join(root, 'l1'));
  await fsp.symlink('nowhere', path.join(root, 'dangle'));
  const { SHIM_PATH } = await import('../src/fs/btrfs.ts');
  const run = async (shim: boolean, start: string, flags: number, rm: number) => {
    const env: Record<string, string> = shim ? { LD_PRELOAD: SHIM_PATH, IMGSMITH_SHIM_ROOT: root } : {};
    const r = await execa(probe, [start, String(flags), String(rm)], { cwd: base, env, extendEnv: true });
    return r.stdout.split('\n');
  };
  /** Every walk of `walks`, each still its own probe process (with the shim preloaded or not), started by one shell. */
  const runAll = async (shim: boolean, walks: [string, number, number][]): Promise<string[][]> => {
    const script = 'while [ $# -gt 0 ]; do if [ -n "$SHIM" ]; then LD_PRELOAD="$SHIM" IMGSMITH_SHIM_ROOT="$SHIM_ROOT" "$PROBE" "$1" "$2" "$3"; else "$PROBE" "$1" "$2" "$3"; fi; echo "@@end $?"; shift 3; done';
    const env = { PROBE: probe, SHIM: shim ? SHIM_PATH : '', SHIM_ROOT: root };
    const r = await execa('sh', ['-c', script, 'sh', ...walks.flat().map(String)], { cwd: base, env, extendEnv: true });
    const outs = `${r.stdout}\n`.split(/^@@end (\d+)\n/m);
    assert.equal(outs.length, 2 * walks.length + 1, 'one output per walk');
    return walks.map((_, i) => {
      assert.equal(outs[2 * i + 1], '0', `walk ${i}: the probe's exit status`);
      return outs[2 * i]!.replace(/\n$/, '').split('\n');
    });
  };
  const PHYS = 1, MOUNT = 2, CHDIR = 4, DEPTH = 8, ACTIONRETVAL = 16;
  const walks: [string, number, number][] = [];
  for (const start of [root, 't', 't/']) {
    for (const flags of [0, PHYS, PHYS | MOUNT, PHYS | CHDIR, DEPTH, PHYS | DEPTH, PHYS | DEPTH | CHDIR, ACTIONRETVAL, ACTIONRETVAL | PHYS, ACTIONRETVAL | PHYS | DEPTH | CHDIR]) {
      for (const rm of [0, 1, 2, 3, 4, 6]) if (flags & ACTIONRETVAL || !(rm & 2)) walks.push([start, flags, rm]);
    }
  }
  const [glibc, shimmed] = await Promise.all([runAll(false, walks), runAll(true, walks)]);
  let compared = 0;
  for (const [i, [start, flags, rm]] of walks.entries()) {
    const [g, s] = [glibc[i]!, shimmed[i]!];
    const what = `start ${start}, flags ${flags}, retmode ${rm}`;
    // Which entries a stop or a skip of the remaining siblings leaves out depends on the
    // order (glibc: the host's readdir order): compare the return value only then.
    assert.equal(s.at(-1), g.at(-1), `${what}: return value`);
    if (rm & 4) continue;
    const norm = (lines: string[]) => lines.filter((l) => !(rm & 2 && /\/c\/(after|sib)/.test(l))).sort();
    assert.deepEqual(norm(s), norm(g), what);
    compared++;
  }
  // Byte order, depth first (what makes 6.10+'s inode numbers and directory indexes reproducible).
  const order = (await run(true, root, PHYS, 0)).slice(0, -1).map((l) => l.split(' ')[4]!.slice(root.length));
  assert.deepEqual(order, ['', '/Z-upper', '/a', '/a/b', '/a/b/f2', '/a/f1', '/c', '/c/after', '/c/sib', '/dangle', '/l1', '/skipme', '/skipme/x', '/skipme/x/y', '/z', '/z/stop', '/zz']);
  t.diagnostic(`${compared} walks identical to glibc's (sorted), return values of ${compared} + the stopping walks equal`);
});
