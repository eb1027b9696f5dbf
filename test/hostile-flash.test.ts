/**
 * `imgsmith flash` and `imgsmith verify` against hostile or careless input: compressed
 * sources (checked by `cmp` of the written target against the raw image), content
 * detection, sources that are not disk images, truncated streams, bad bmaps, targets that
 * share storage with something mounted (real loop devices and mounts when root, fake
 * sysfs trees otherwise), and verify on a flashed loop device.
 *
 * The fixture is a small DOS image made with sfdisk, mkfs.fat + mcopy and mkfs.ext4 -d;
 * its manifest's SHA-256 comes from openssl dgst (helpers/hash-tool.ts); each compressed source is made once per format.
 * One flash of each kind (a compressed source, a truncated one with its own TMPDIR, a loop
 * device) uses the real CLI (bin/imgsmith.js); the others run through the CLI's main() in one
 * process serving them one at a time (helpers/cli-batch.ts startBatchServer), and the runs
 * needing a PATH without fsck.fat in a second such process started with that PATH.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs, { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { linkCommands, runCli, listFiles, type CliResult } from './helpers/cli.ts';
import { startBatchServer, type BatchServer } from './helpers/cli-batch.ts';
import { probeLosetup, withLoops } from './helpers/loop.ts';
import { renderBmap, type BmapRange } from '../src/outputs/bmap.ts';
import { checkTarget, type SystemFiles } from '../src/flash/target.ts';
import { describeError } from '../src/errors.ts';
import { sha256Tool } from './helpers/hash-tool.ts';

const MiB = 1024 * 1024;
const SIZE = 24 * MiB;
let tmp: string;
let fx: { dir: string; img: string; bmap: string; manifest: string; sha256: string; ranges: BmapRange[] };
let server: BatchServer;

/** `imgsmith ARGS`: through bin/imgsmith.js when `real` or given an environment, else the serving process (`via`, or the file's). */
async function cli(args: string[], opts: { env?: Record<string, string>; real?: boolean; via?: BatchServer } = {}): Promise<CliResult> {
  if (opts.real || opts.env) return runCli(args, opts.env ? { env: opts.env } : {});
  const r = await (opts.via ?? server).run(args);
  assert.ok(r, `${args.join(' ')} did not finish (it hung: killed after 120 s, or the serving process died)`);
  return r;
}


/** The image's non-zero 4 KiB blocks as bmap ranges, each hashed. */
async function bmapOf(file: string, size: number): Promise<BmapRange[]> {
  const data = await fsp.readFile(file);
  const ranges: BmapRange[] = [];
  const zero = Buffer.alloc(4096);
  let cur: { first: number; last: number } | undefined;
  const close = () => {
    if (!cur) return;
    const bytes = data.subarray(cur.first * 4096, Math.min(size, (cur.last + 1) * 4096));
    ranges.push({ ...cur, sha256: createHash('sha256').update(bytes).digest('hex') });
    cur = undefined;
  };
  for (let b = 0; b * 4096 < size; b++) {
    const block = data.subarray(b * 4096, Math.min(size, (b + 1) * 4096));
    if (block.equals(zero.subarray(0, block.length))) close();
    else if (cur) cur.last = b;
    else cur = { first: b, last: b };
  }
  close();
  return ranges;
}

async function makeFixture(dir: string): Promise<typeof fx> {
  await fsp.mkdir(path.join(dir, 'root', 'etc'), { recursive: true });
  await fsp.writeFile(path.join(dir, 'root', 'etc', 'motd'), 'hello\n');
  await fsp.writeFile(path.join(dir, 'root', 'blob'), createHash('sha512').update('seed').digest().toString('hex').repeat(3000));
  const img = path.join(dir, 'disk.img');
  await fsp.writeFile(img, '');
  await fsp.truncate(img, SIZE);
  await execa('sfdisk', ['-q', img], { input: 'label: dos\n2048,16384,c\n18432,,L\n' });
  const fat = path.join(dir, 'p1.raw');
  await execa('mkfs.fat', ['-C', fat, '8192']);
  await fsp.writeFile(path.join(dir, 'cfg.txt'), 'config\n');
  await execa('mcopy', ['-i', fat, path.join(dir, 'cfg.txt'), '::cfg.txt']);
  await execa('dd', [`if=${fat}`, `of=${img}`, 'bs=512', 'seek=2048', 'conv=notrunc,sparse', 'status=none']);
  await fsp.rm(fat);
  await execa('mkfs.ext4', ['-q', '-d', path.join(dir, 'root'), '-E', `offset=${18432 * 512}`, img, `${(SIZE - 18432 * 512) / 1024}k`]);
  const ranges = await bmapOf(img, SIZE);
  const bmap = path.join(dir, 'disk.bmap');
  await fsp.writeFile(bmap, renderBmap(SIZE, ranges).xml);
  const sha256 = await sha256Tool(img);
  const manifest = path.join(dir, 'manifest.json');
  await fsp.writeFile(manifest, JSON.stringify({ image: { file: 'disk.img', size: SIZE, sha256, bmap: { file: 'disk.bmap', sha256: await sha256Tool(bmap) } } }));
  return { dir, img, bmap, manifest, sha256, ranges };
}

/** A fresh directory with a copy of the raw image only (no bmap, no manifest beside it). */
async function bare(name: string): Promise<{ dir: string; img: string }> {
  const dir = path.join(tmp, name);
  await fsp.mkdir(dir);
  const img = path.join(dir, 'disk.img');
  await execa('cp', ['--sparse=always', fx.img, img]);
  return { dir, img };
}

/** cmp of the first SIZE bytes of `target` with the raw image: exit 0 when equal. */
async function sameAsImage(target: string): Promise<boolean> {
  return (await execa('cmp', ['-n', String(SIZE), fx.img, target], { reject: false })).exitCode === 0;
}

function assertFailed(r: CliResult, re: RegExp): void {
  assert.equal(r.exitCode, 1, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('imgsmith: error:'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, re);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.doesNotMatch(r.stdout, /verified/);
}

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-hflash-'));
  fx = await makeFixture(path.join(tmp, 'fx'));
  await fsp.mkdir(path.join(tmp, 'server-tmp'));
  server = startBatchServer({ tmpdir: path.join(tmp, 'server-tmp'), rssFile: path.join(tmp, 'server-rss'), hangMs: 120_000 });
});

after(async () => {
  await server?.close();
  await fsp.rm(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------
// Compressed sources

const COMPRESSORS: [string, string, string[]][] = [
  ['gzip', '.gz', ['gzip', '-c', '-n']],
  ['xz', '.xz', ['xz', '-c', '-T1']],
  ['bzip2', '.bz2', ['bzip2', '-c']],
  ['zstd', '.zst', ['zstd', '-c', '-q']],
  ['lz4', '.lz4', ['lz4', '-c', '-q']],
];

/** `cmd src > dst`: the shell writes dst itself, so it is complete when the command has exited
 *  (execa's `stdout: { file }` may still be flushing it when the promise resolves). */
async function compress(cmd: string[], src: string, dst: string): Promise<void> {
  await execa('sh', ['-c', '"$@" > "$0"', dst, ...cmd, src]);
}

/** The fixture image compressed with `cmd` (once per format for the whole file, read only), hard-linked as `dst`. */
const compressedOnce = new Map<string, Promise<string>>();
async function compressedImage(cmd: string[], ext: string, dst: string): Promise<void> {
  if (!compressedOnce.has(ext)) {
    const file = path.join(tmp, 'compressed', `disk.img${ext}`);
    compressedOnce.set(ext, fsp.mkdir(path.dirname(file), { recursive: true }).then(() => compress(cmd, fx.img, file)).then(() => file));
  }
  await fsp.link(await compressedOnce.get(ext)!, dst);
}

for (const [format, ext, cmd] of COMPRESSORS) {
  test(`flash a ${ext} source: decompressed in a stream, the target is byte for byte the raw image`, async () => {
    const { dir, img } = await bare(`c-${format}`);
    const src = `${img}${ext}`;
    await compressedImage(cmd, ext, src);
    await fsp.rm(img);
    const out = path.join(dir, 'card.img');
    const r = await cli(['flash', src, out, '--json'], { real: format === 'gzip' });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stderr, '', '--json is quiet');
    const doc = JSON.parse(r.stdout) as { format: string; verified: boolean };
    assert.equal(doc.format, format);
    assert.equal(doc.verified, true);
    assert.equal((await fsp.stat(out)).size, SIZE);
    assert.ok(await sameAsImage(out), 'cmp: the target differs from the image');
  });
}

test('the format is judged by content: a gzip file named .img is decompressed; a .gz that is not gzip is refused', async () => {
  const { dir, img } = await bare('sniff');
  const disguised = path.join(dir, 'really-gzip.img');
  await compress(['gzip', '-c'], img, disguised);
  const out = path.join(dir, 'card.img');
  const r = await cli(['flash', disguised, out, '--json']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { format: string }).format, 'gzip');
  assert.ok(await sameAsImage(out));
  const fake = path.join(dir, 'raw.img.gz');
  await fsp.copyFile(img, fake);
  const out2 = path.join(dir, 'card2.img');
  assertFailed(await cli(['flash', fake, out2]), /raw\.img\.gz is named like gzip data, but it is not/);
  assert.equal(fs.existsSync(out2), false);
});

test('a source that is not a disk image is refused without --force (nothing written) and written with it', async () => {
  const dir = path.join(tmp, 'garbage');
  await fsp.mkdir(dir);
  const src = path.join(dir, 'notes.img');
  await fsp.writeFile(src, Buffer.alloc(2 * MiB, 'not a disk image\n'));
  const out = path.join(dir, 'card.img');
  assertFailed(await cli(['flash', src, out]), /notes\.img does not look like a disk image: it has no partition table .* pass --force/);
  assert.deepEqual(await listFiles(dir), ['notes.img']);
  // Compressed garbage is judged after decompression.
  await compress(['xz', '-c'], src, `${src}.xz`);
  assertFailed(await cli(['flash', `${src}.xz`, out]), /does not look like a disk image \(after xz decompression\)/);
  const ok = await cli(['flash', src, out, '--force', '--json']);
  assert.equal(ok.exitCode, 0, ok.stderr);
  assert.equal((await execa('cmp', [src, out], { reject: false })).exitCode, 0);
});

for (const [format, ext, cmd] of COMPRESSORS.filter(([f]) => f !== 'zstd')) {
  test(`a truncated ${ext} fails before "verified", leaves no target file and no temp files`, async () => {
    const { dir, img } = await bare(`trunc-${format}`);
    const whole = `${img}${ext}`;
    await compressedImage(cmd, ext, whole);
    const src = path.join(dir, `cut${ext}`);
    const data = await fsp.readFile(whole);
    await fsp.writeFile(src, data.subarray(0, Math.floor(data.length * 0.6)));
    // The real CLI with a private TMPDIR for gzip; the others in the serving process, whose TMPDIR
    // is this file's own (runs one at a time): either way no one else's temp files are there.
    const real = format === 'gzip';
    const privateTmp = real ? path.join(dir, 'tmp') : path.join(tmp, 'server-tmp');
    if (real) await fsp.mkdir(privateTmp);
    const out = path.join(dir, 'card.img');
    const r = await cli(['flash', src, out], real ? { env: { TMPDIR: privateTmp } } : {});
    assertFailed(r, new RegExp(`cut\\${ext}: the ${format} data is truncated or corrupt .*nothing was written to the target`));
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual((await fsp.readdir(dir)).filter((n) => n.includes('card')), []);
    assert.deepEqual((await fsp.readdir(privateTmp)).filter((n) => !n.startsWith('tsx-')), []);
  });
}

// ---------------------------------------------------------------------------------------
// bmaps

/** Flashes the fixture image with `xml` as its bmap; returns the result and whether a target appeared. */
async function flashWithBmap(name: string, xml: string): Promise<{ r: CliResult; wrote: boolean }> {
  const { dir, img } = await bare(name);
  const bmap = path.join(dir, 'disk.bmap');
  await fsp.writeFile(bmap, xml);
  const out = path.join(dir, 'card.img');
  const r = await cli(['flash', img, out, '--bmap', bmap]);
  return { r, wrote: fs.existsSync(out) };
}

/** The fixture's bmap without its BmapFileChecksum (so edits are judged on their own). */
const editableBmap = (): string => renderBmap(SIZE, fx.ranges).xml.replace(/<BmapFileChecksum>[^<]*<\/BmapFileChecksum>/, '');

test('bmap: a range without a chksum attribute is refused, nothing written', async () => {
  const xml = editableBmap().replace(/<Range chksum="[0-9a-f]+">/, '<Range>');
  const { r, wrote } = await flashWithBmap('bmap-nosum', xml);
  assertFailed(r, /disk\.bmap is not a valid bmap file: range \d+(-\d+)? has no chksum attribute/);
  assert.equal(wrote, false);
});

test('bmap: a range past the image end (with or without checksum) is refused', async () => {
  const last = Math.ceil(SIZE / 4096) - 1;
  const past = editableBmap().replace('</BlockMap>', `    <Range chksum="${'a'.repeat(64)}"> ${last + 5}-${last + 9} </Range>\n    </BlockMap>`);
  const a = await flashWithBmap('bmap-past', past);
  assertFailed(a.r, /outside the image's \d+ blocks \(past its end\)/);
  assert.equal(a.wrote, false);
  const bare2 = editableBmap().replace('</BlockMap>', `    <Range> ${last + 5} </Range>\n    </BlockMap>`);
  const b = await flashWithBmap('bmap-past2', bare2);
  assertFailed(b.r, /not a valid bmap file/);
  assert.equal(b.wrote, false);
});

test('bmap: malformed numbers and an unknown checksum type are errors', async () => {
  const cases: [string, string, RegExp][] = [
    ['size-x', editableBmap().replace(/<ImageSize> \d+ <\/ImageSize>/, '<ImageSize> 25165824x </ImageSize>'), /<ImageSize> holds "25165824x", not a whole number/],
    ['huge', editableBmap().replace(/<BlocksCount> \d+ <\/BlocksCount>/, '<BlocksCount> 99999999999999999999 </BlocksCount>'), /<BlocksCount> holds "99999999999999999999", not a whole number/],
    ['range-x', editableBmap().replace(/(<Range chksum="[0-9a-f]+">) (\d+)/, '$1 0x$2'), /a <Range> holds "0x\d+/],
    ['md5', editableBmap().replace(/<ChecksumType> sha256 <\/ChecksumType>/, '<ChecksumType> md5 </ChecksumType>'), /unsupported ChecksumType "md5"/],
  ];
  for (const [name, xml, re] of cases) {
    const { r, wrote } = await flashWithBmap(`bmap-${name}`, xml);
    assertFailed(r, re);
    assert.equal(wrote, false, name);
  }
});

test('bmap: a range whose checksum does not match the image stops the flash before "verified", no target left', async () => {
  const bad = fx.ranges.map((r, i) => (i === 2 ? { ...r, sha256: createHash('sha256').update('other').digest('hex') } : r));
  const { r, wrote } = await flashWithBmap('bmap-mismatch', renderBmap(SIZE, bad).xml);
  assertFailed(r, /the image does not match its bmap: bytes \d+-\d+ have sha256/);
  assert.equal(wrote, false);
});

// ---------------------------------------------------------------------------------------
// Targets sharing storage: fake sysfs trees (no root needed)

async function fakeSys(name: string, backing: string, extra: { mounted?: boolean; swapFile?: string; holder?: boolean } = {}): Promise<SystemFiles> {
  const root = path.join(tmp, name);
  const loop = path.join(root, 'block', 'loop9');
  await fsp.mkdir(path.join(loop, 'loop'), { recursive: true });
  await fsp.mkdir(path.join(root, 'dev-block'), { recursive: true });
  await fsp.writeFile(path.join(loop, 'dev'), '7:99\n');
  await fsp.writeFile(path.join(loop, 'loop', 'backing_file'), `${backing}\n`);
  if (extra.holder) {
    const dm = path.join(root, 'block', 'dm-0');
    await fsp.mkdir(dm, { recursive: true });
    await fsp.writeFile(path.join(dm, 'dev'), '253:0\n');
    await fsp.mkdir(path.join(loop, 'holders'));
    await fsp.symlink(dm, path.join(loop, 'holders', 'dm-0'));
  }
  const mountinfo = path.join(root, 'mountinfo');
  await fsp.writeFile(mountinfo, extra.mounted ? '36 25 7:99 / /mnt/fake\\040card rw,relatime - ext4 /dev/loop9 rw\n' : '');
  const swaps = path.join(root, 'swaps');
  await fsp.writeFile(swaps, `Filename\tType\tSize\tUsed\tPriority\n${extra.swapFile ? `${extra.swapFile}\tfile\t1024\t0\t-2\n` : ''}`);
  return { mountinfo, swaps, sysBlock: path.join(root, 'dev-block'), sysBlockList: path.join(root, 'block') };
}

test('target (fake sysfs): a regular file behind a mounted loop device, a swap file, a file under a dm device are refused', async () => {
  const file = path.join(tmp, 'backing.raw');
  await fsp.writeFile(file, Buffer.alloc(4096));
  const mounted = await fakeSys('sys-mounted', file, { mounted: true });
  assert.throws(() => checkTarget(file, { imageSize: SIZE }, mounted), /refusing to flash .*backing\.raw: \/dev\/loop9 \(a loop device over the same storage .*backing\.raw\)\) is mounted at \/mnt\/fake card/);
  const swap = await fakeSys('sys-swap', path.join(tmp, 'elsewhere'), { swapFile: file });
  assert.throws(() => checkTarget(file, { imageSize: SIZE }, swap), /it is an active swap file/);
  const held = await fakeSys('sys-held', file, { holder: true });
  assert.throws(() => checkTarget(file, { imageSize: SIZE }, held), /\/dev\/dm-0 is built on it \(device-mapper\/md\)/);
  // The same file behind an unmounted, unheld loop device, and a file no loop uses, are fine.
  assert.equal(checkTarget(file, { imageSize: SIZE }, await fakeSys('sys-idle', file)).kind, 'file');
  assert.equal(checkTarget(path.join(tmp, 'new.img'), { imageSize: SIZE }, mounted).kind, 'file');
});

test('flash refuses the image onto itself: the same path, a hard link to it', async () => {
  const { dir, img } = await bare('self');
  const link = path.join(dir, 'link.img');
  await fsp.link(img, link);
  const before = await sha256Tool(img);
  assert.equal((await cli(['flash', img, img])).exitCode, 2);
  assertFailed(await cli(['flash', img, link]), /refusing to flash .*link\.img: it is the image .*disk\.img itself/);
  assert.equal(await sha256Tool(img), before);
});

test('out of space in TMPDIR: the advice for commands without -o is about TMPDIR, not -o', () => {
  let enospc: unknown;
  try {
    fs.writeFileSync('/dev/full', 'x');
  } catch (e) {
    enospc = e;
  }
  const m = describeError(enospc).message;
  assert.match(m, /no space left on device.*set TMPDIR to a directory with more space/);
  assert.doesNotMatch(m, /-o\b/);
});

// ---------------------------------------------------------------------------------------
// Real loop devices (root)

const losetupWorks = await probeLosetup();
const needLoop = { skip: !losetupWorks && 'needs root and loop devices' };

/** An ext4 file system in a file, mounted through a loop device; fn gets the file, device and mount point. */
async function withMountedExt4<T>(name: string, fn: (file: string, dev: string, mnt: string) => Promise<T>): Promise<T | undefined> {
  const file = path.join(tmp, `${name}.ext4`);
  await fsp.writeFile(file, '');
  await fsp.truncate(file, SIZE + MiB);
  await execa('mkfs.ext4', ['-q', file]);
  const mnt = await fsp.mkdtemp(path.join(tmp, 'mnt-'));
  return withLoops([file], async ([dev]) => {
    const m = await execa('mount', [dev!, mnt], { reject: false });
    assert.equal(m.exitCode, 0, `mount: ${m.stderr}`);
    try {
      return await fn(file, dev!, mnt);
    } finally {
      await execa('umount', [mnt], { reject: false });
    }
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const hasMbr = async (file: string) => (await execa('sh', ['-c', `dd if="$0" bs=1 skip=510 count=2 status=none | od -An -tx1`, file])).stdout.trim() === '55 aa';

test('a second loop device over the file of a mounted one is refused, nothing written', needLoop, async () => {
  await withMountedExt4('alias', async (file, dev, mnt) => {
    await withLoops([file], async ([alias]) => {
      const r = await cli(['flash', fx.img, alias!, '--yes'], { real: true });
      assertFailed(r, new RegExp(`refusing to flash ${escape(alias!)}: ${escape(dev)} \\(a loop device over the same storage .*\\) is mounted at ${escape(mnt)}`));
      assert.equal(await hasMbr(file), false, 'the image reached the mounted file system');
    });
  });
});

test('a regular file backing a mounted loop device is refused as a target', needLoop, async () => {
  await withMountedExt4('backing', async (file, dev, mnt) => {
    const r = await cli(['flash', fx.img, file]);
    assertFailed(r, new RegExp(`refusing to flash ${escape(file)}: ${escape(dev)} .* is mounted at ${escape(mnt)}`));
    assert.equal(await hasMbr(file), false);
    assert.equal((await fsp.readdir(path.dirname(file))).some((n) => n.includes('imgsmith-flash')), false);
  });
});

test('flashing an image to a loop device over that same image is refused', needLoop, async () => {
  const { img } = await bare('self-loop');
  const before = await sha256Tool(img);
  await withLoops([img], async ([dev]) => {
    assertFailed(await cli(['flash', img, dev!, '--yes']), new RegExp(`refusing to flash ${escape(dev!)}: it is the image .*disk\\.img itself`));
  });
  assert.equal(await sha256Tool(img), before);
});

interface Check { check: string; where: string; status: string; ok: boolean; detail: string }
async function verifyJson(args: string[], via?: BatchServer): Promise<{ exitCode: number; doc: { ok: boolean; passed: number; failed: number; skipped: number; checks: Check[] }; stderr: string }> {
  const r = await cli(['verify', ...args, '--json'], via ? { via } : {});
  return { exitCode: r.exitCode, doc: JSON.parse(r.stdout || '{"checks":[]}'), stderr: r.stderr };
}

test('verify a loop device after flash (larger than the image): passes; one byte changed in a mapped range fails naming the range', needLoop, async () => {
  const card = path.join(tmp, 'card.raw');
  await fsp.writeFile(card, '');
  await fsp.truncate(card, SIZE + 4 * MiB);
  await withLoops([card], async ([dev]) => {
    const f = await cli(['flash', fx.img, dev!, '--yes', '--json']);
    assert.equal(f.exitCode, 0, f.stderr);
    const good = await verifyJson([dev!, '--manifest', fx.manifest]);
    assert.equal(good.exitCode, 0, JSON.stringify(good.doc.checks, null, 1) + good.stderr);
    const sha = good.doc.checks.find((c) => c.check === 'image-sha256')!;
    assert.equal(sha.status, 'ok');
    assert.match(sha.where, new RegExp(`${escape(dev!)} \\(its first ${SIZE} bytes\\)`));
    assert.equal(good.doc.checks.find((c) => c.check === 'bmap-ranges')!.status, 'ok');
    assert.ok(good.doc.checks.filter((c) => c.check === 'fs').length === 2 && good.doc.checks.every((c) => c.status === 'ok'));
    // One byte inside the last mapped range (the ext4 data), written through the device.
    const r = fx.ranges[fx.ranges.length - 1]!;
    const at = r.first * 4096 + 100;
    await execa('sh', ['-c', `printf '\\377' | dd of="$0" bs=1 seek=${at} conv=notrunc status=none`, dev!]);
    const bad = await verifyJson([dev!, '--manifest', fx.manifest]);
    assert.equal(bad.exitCode, 1);
    const ranges = bad.doc.checks.find((c) => c.check === 'bmap-ranges')!;
    assert.equal(ranges.status, 'FAIL');
    assert.equal(ranges.where, fx.bmap);
    const m = /bytes (\d+)-(\d+)\) of /.exec(ranges.detail)!;
    assert.ok(Number(m[1]) <= at && at <= Number(m[2]), ranges.detail);
    assert.equal(bad.doc.checks.find((c) => c.check === 'image-sha256')!.status, 'FAIL');
  });
});

// ---------------------------------------------------------------------------------------
// verify's listing

/** A PATH with every tool of the system's bin directories but `names` (fsck.fat and its aliases). */
const pathWithout = (names: string[]) =>
  linkCommands(path.join(tmp, 'bin-without'), ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'], (n) => !names.includes(n));

test('verify lists a check it cannot run as SKIPPED (fsck.fat not installed) and still passes', async () => {
  const PATH = await pathWithout(['fsck.fat', 'fsck.vfat', 'fsck.msdos', 'dosfsck']);
  // Both runs in one process of their own with that PATH (the JSON and the text listing).
  await fsp.mkdir(path.join(tmp, 'nofat-tmp'));
  const nofat = startBatchServer({ tmpdir: path.join(tmp, 'nofat-tmp'), rssFile: path.join(tmp, 'nofat-rss'), hangMs: 120_000, env: { PATH } });
  let r: Awaited<ReturnType<typeof verifyJson>>;
  let text: CliResult;
  try {
    r = await verifyJson([fx.img], nofat);
    text = await cli(['verify', fx.img], { via: nofat });
  } finally {
    await nofat.close();
  }
  assert.equal(r.exitCode, 0, JSON.stringify(r.doc.checks, null, 1) + r.stderr);
  const fat = r.doc.checks.find((c) => c.check === 'fs' && /vfat/.test(c.where))!;
  assert.equal(fat.status, 'SKIPPED');
  assert.equal(fat.ok, false);
  assert.match(fat.detail, /fsck\.fat not installed/);
  assert.equal(r.doc.skipped, 1);
  assert.equal(r.doc.failed, 0);
  assert.match(text.stdout, /^SKIPPED +fs +partition 1 \(vfat\), fsck\.fat -n \(fsck\.fat not installed\)$/m);
  assert.match(text.stdout, /verified: \d+ checks passed \(\d+ passed, 0 failed, 1 skipped\)/);
});

test('verify without a manifest says what it skipped; with one it names the files by full path', async () => {
  const { img } = await bare('nomanifest');
  const r = await verifyJson([img]);
  assert.equal(r.exitCode, 0, r.stderr);
  const skipped = r.doc.checks.filter((c) => c.status === 'SKIPPED');
  assert.deepEqual(skipped.map((c) => c.check).sort(), ['bmap-ranges', 'image-sha256']);
  assert.match(skipped.find((c) => c.check === 'image-sha256')!.detail, new RegExp(`no manifest found beside ${escape(img)}`));
  assert.match(skipped.find((c) => c.check === 'bmap-ranges')!.detail, /no \.bmap beside/);
  const text = await cli(['verify', img]);
  assert.match(text.stdout, /\(\d+ passed, 0 failed, 2 skipped\)/);
  // With the fixture's manifest: the bmap is named by its path.
  const withM = await verifyJson([img, '--manifest', fx.manifest]);
  assert.equal(withM.exitCode, 0, JSON.stringify(withM.doc.checks, null, 1));
  assert.equal(withM.doc.checks.find((c) => c.check === 'bmap-file')!.where, fx.bmap);
  assert.equal(withM.doc.checks.find((c) => c.check === 'bmap-ranges')!.where, fx.bmap);
  assert.equal(withM.doc.skipped, 0);
  // A file longer than the image (a card image): checked over the image's length.
  await fsp.truncate(img, SIZE + MiB);
  const longer = await verifyJson([img, '--manifest', fx.manifest]);
  assert.equal(longer.exitCode, 0, JSON.stringify(longer.doc.checks, null, 1));
  assert.match(longer.doc.checks.find((c) => c.check === 'image-sha256')!.where, /its first \d+ bytes/);
});

test('verify a GPT image written to a larger disk (a longer file): the table is read over the image, the backup header at its end is fine', async () => {
  const dir = path.join(tmp, 'gpt-larger');
  await fsp.mkdir(dir);
  const img = path.join(dir, 'g.img');
  await fsp.writeFile(img, '');
  await fsp.truncate(img, 8 * MiB);
  await execa('sgdisk', ['-o', '-n', '1:2048:+4M', img]);
  const manifest = path.join(dir, 'm.json');
  await fsp.writeFile(manifest, JSON.stringify({ image: { file: 'g.img', size: 8 * MiB, sha256: await sha256Tool(img) } }));
  await fsp.truncate(img, 12 * MiB);
  // Without the manifest the image's length is unknown: sgdisk's complaint stands.
  const alone = await verifyJson([img]);
  assert.equal(alone.exitCode, 1);
  const r = await verifyJson([img, '--manifest', manifest]);
  assert.equal(r.exitCode, 0, JSON.stringify(r.doc.checks, null, 1));
  assert.match(r.doc.checks.find((c) => c.check === 'table')!.detail, /backup GPT header is at the image's end/);
  assert.equal(r.doc.checks.find((c) => c.check === 'bmap-ranges')!.status, 'SKIPPED');
});
