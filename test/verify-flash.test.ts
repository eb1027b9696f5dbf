/**
 * `imgsmith verify` and `imgsmith flash` through the real CLI, on the Pi recipe
 * and the GPT/btrfs recipe built from the test closure. Damage is done with
 * plain byte writes at offsets found by independent tools (debugfs for a file's
 * block, the FAT boot sector for the FAT), and the results are checked with
 * sha256 over the image length and losetup where it works.
 * One run of each kind (verify's human output, flash to a loop device and its refusal without a
 * terminal) uses the real CLI (bin/imgsmith.js); the others run through the CLI's main() in one
 * process serving them one at a time (helpers/cli-batch.ts startBatchServer), whose TMPDIR is
 * this file's own.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs, { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { runCli, listFiles, type CliResult } from './helpers/cli.ts';
import { startBatchServer, type BatchServer } from './helpers/cli-batch.ts';
import { servedCli } from './helpers/cli-runs.ts';
import { probeLosetup, withLoops } from './helpers/loop.ts';
import { cachedRecipe } from './helpers/recipe-cache.ts';
import { renderBmap, parseBmap } from '../src/outputs/bmap.ts';
import { GiB } from '../src/units.ts';

let tmp: string;
let pi: { img: string; zst: string; bmap: string; manifest: string; rootStart: number; fatStart: number; sha256: string; size: number };
let gpt: { img: string; manifest: string };
let server: BatchServer;

/** `imgsmith ARGS`: through bin/imgsmith.js when `real`, else the serving process. */
async function cli(args: string[], opts: { real?: boolean } = {}): Promise<CliResult> {
  return opts.real ? runCli(args) : servedCli(server, args);
}

const sha256Prefix = async (file: string, len: number): Promise<string> => {
  const h = createHash('sha256');
  for await (const c of fs.createReadStream(file, { start: 0, end: len - 1, highWaterMark: 4 << 20 })) h.update(c as Buffer);
  return h.digest('hex');
};

/** A copy of the build's directory (image, .zst, .bmap, manifest) to damage. */
async function copyOut(name: string): Promise<{ dir: string; img: string; zst: string; bmap: string; manifest: string }> {
  const dir = path.join(tmp, name);
  await fsp.mkdir(dir);
  for (const f of [pi.img, pi.zst, pi.bmap, pi.manifest]) await execa('cp', ['--sparse=always', f, path.join(dir, path.basename(f))]);
  const j = (f: string) => path.join(dir, path.basename(f));
  return { dir, img: j(pi.img), zst: j(pi.zst), bmap: j(pi.bmap), manifest: j(pi.manifest) };
}

async function flipByte(file: string, offset: number): Promise<void> {
  const fh = await fsp.open(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, offset);
    b[0] = b[0]! ^ 0xff;
    await fh.write(b, 0, 1, offset);
  } finally {
    await fh.close();
  }
}

interface Check { check: string; where: string; ok: boolean; detail: string }
async function verifyJson(args: string[]): Promise<{ exitCode: number; ok: boolean; checks: Check[]; stderr: string }> {
  const r = await cli(['verify', ...args, '--json']);
  const doc = r.stdout.trim() ? (JSON.parse(r.stdout) as { ok: boolean; checks: Check[] }) : { ok: false, checks: [] };
  return { exitCode: r.exitCode, ...doc, stderr: r.stderr };
}

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-verify-'));
  await fsp.mkdir(path.join(tmp, 'server-tmp'));
  server = startBatchServer({ tmpdir: path.join(tmp, 'server-tmp'), rssFile: path.join(tmp, 'server-rss'), hangMs: 300_000 });
  // The shared builds (helpers/recipe-cache.ts): read only; the damage is done to copies (copyOut).
  const r = await cachedRecipe('rpi-aarch64.json');
  const parts = r.manifest.partitions as { start: number; filesystem?: { type: string } }[];
  pi = {
    img: r.img,
    zst: r.zst,
    bmap: r.bmap,
    manifest: r.manifestPath,
    fatStart: parts.find((p) => p.filesystem?.type === 'vfat')!.start,
    rootStart: parts.find((p) => p.filesystem?.type === 'ext4')!.start,
    sha256: r.manifest.image.sha256!, // keepRaw: the raw image is published, so it is hashed
    size: r.manifest.image.size,
  };
  const g = await cachedRecipe('rpi4-usb-ssd.json', { diskSize: 2 * GiB });
  gpt = { img: g.img, manifest: g.manifestPath };
});

after(async () => {
  await server?.close();
  await fsp.rm(tmp, { recursive: true, force: true });
});

test('verify passes on a fresh .img.zst with its manifest: table, both filesystems, sha256s, bmap', async () => {
  const r = await verifyJson([pi.zst]);
  assert.equal(r.exitCode, 0, JSON.stringify(r.checks, null, 1) + r.stderr);
  assert.equal(r.ok, true);
  const kinds = r.checks.map((c) => c.check);
  for (const k of ['table', 'fs', 'image-sha256', 'compressed-sha256', 'bmap-file', 'bmap-ranges']) assert.ok(kinds.includes(k), `missing ${k}: ${kinds}`);
  assert.ok(r.checks.some((c) => c.check === 'fs' && /vfat.*fsck\.fat/.test(c.where)));
  assert.ok(r.checks.some((c) => c.check === 'fs' && /ext4.*e2fsck/.test(c.where)));
  assert.equal(r.checks.find((c) => c.check === 'image-sha256')!.detail, pi.sha256);
  // Human output: one line per check and the verdict.
  const h = await cli(['verify', pi.img, '--manifest', pi.manifest], { real: true });
  assert.equal(h.exitCode, 0, h.stderr);
  assert.match(h.stdout, /^ok +table/m);
  assert.match(h.stdout, /verified: \d+ checks passed/);
});

test('verify passes on the GPT recipe with btrfs (sgdisk -v, btrfs check)', async () => {
  const r = await verifyJson([gpt.img]);
  assert.equal(r.exitCode, 0, JSON.stringify(r.checks, null, 1) + r.stderr);
  assert.ok(r.checks.some((c) => c.check === 'table' && /GPT, sgdisk -v/.test(c.where)));
  assert.ok(r.checks.some((c) => c.check === 'fs' && /btrfs check/.test(c.where) && c.ok));
});

test('verify fails on one flipped byte inside a file, naming the bmap blocks and the sha256', async () => {
  const c = await copyOut('flip-file');
  // The first data block of /nix-path-registration, as debugfs maps it (not our own reader).
  const bm = await execa('debugfs', ['-R', 'bmap /nix-path-registration 0', `${c.img}?offset=${pi.rootStart}`]);
  const block = Number(bm.stdout.trim());
  assert.ok(block > 0, bm.stdout + bm.stderr);
  await flipByte(c.img, pi.rootStart + block * 4096 + 10);
  const r = await verifyJson([c.img]);
  assert.equal(r.exitCode, 1);
  assert.equal(r.ok, false);
  const failed = r.checks.filter((x) => !x.ok).map((x) => x.check).sort();
  assert.deepEqual(failed, ['bmap-ranges', 'image-sha256'], JSON.stringify(r.checks, null, 1));
  const ranges = r.checks.find((x) => x.check === 'bmap-ranges')!;
  const byte = pi.rootStart + block * 4096 + 10;
  const m = /bytes (\d+)-(\d+)/.exec(ranges.detail)!;
  assert.ok(Number(m[1]) <= byte && byte <= Number(m[2]), ranges.detail);
  // The filesystem itself is still clean: only content changed.
  assert.ok(r.checks.filter((x) => x.check === 'fs').every((x) => x.ok));
});

test('verify fails on a flipped byte in FAT metadata, naming the partition and fsck.fat', async () => {
  const c = await copyOut('flip-fat');
  const boot = Buffer.alloc(512);
  const fh = await fsp.open(c.img, 'r');
  await fh.read(boot, 0, 512, pi.fatStart);
  await fh.close();
  const bytesPerSector = boot.readUInt16LE(11);
  const reserved = boot.readUInt16LE(14);
  // An entry of the first FAT (cluster 3's entry, allocated: the firmware files start at cluster 2).
  await flipByte(c.img, pi.fatStart + reserved * bytesPerSector + 6);
  const r = await verifyJson([c.img, '--manifest', c.manifest]);
  assert.equal(r.exitCode, 1);
  const fat = r.checks.find((x) => x.check === 'fs' && /vfat/.test(x.where))!;
  assert.equal(fat.ok, false, JSON.stringify(fat));
  assert.match(fat.where, /partition 1/);
});

test('verify fails on a truncated .img.zst with a decompress check, and leaves no temp files', async () => {
  const c = await copyOut('trunc');
  const st = await fsp.stat(c.zst);
  await fsp.truncate(c.zst, Math.floor(st.size / 2));
  // A private TMPDIR: the serving process's own (runs one at a time; other test files make their temp dirs elsewhere).
  const privateTmp = path.join(tmp, 'server-tmp');
  const r = await verifyJson([c.zst]);
  assert.equal(r.exitCode, 1, r.stderr);
  const d = r.checks.find((x) => x.check === 'decompress');
  assert.ok(d && !d.ok, JSON.stringify(r.checks));
  // (tsx, when it runs the sources instead of lib/, keeps its cache there too: not ours)
  assert.deepEqual((await fsp.readdir(privateTmp)).filter((n) => !n.startsWith('tsx-')), []);
});

test('verify fails on a bmap checksum mismatch (range checksum edited, file checksum redone) and on a bmap edited in place', async () => {
  const c = await copyOut('bmap');
  const parsed = parseBmap(await fsp.readFile(c.bmap, 'utf8'), c.bmap);
  const ranges = parsed.ranges.map((r, i) => (i === 1 ? { ...r, sha256: createHash('sha256').update('x').digest('hex') } : r));
  await fsp.writeFile(c.bmap, renderBmap(parsed.imageSize, ranges).xml);
  const r = await verifyJson([c.zst]);
  assert.equal(r.exitCode, 1);
  const rr = r.checks.find((x) => x.check === 'bmap-ranges')!;
  assert.equal(rr.ok, false);
  assert.match(rr.detail, new RegExp(`blocks? ${parsed.ranges[1]!.first}`));
  assert.equal(r.checks.find((x) => x.check === 'bmap-file')!.ok, false); // its sha256 is not the manifest's
  // Edited without redoing the file checksum: the bmap's own checksum catches it.
  const xml = await fsp.readFile(pi.bmap, 'utf8');
  await fsp.writeFile(c.bmap, xml.replace(parsed.ranges[0]!.sha256, parsed.ranges[0]!.sha256.replace(/^./, (ch) => (ch === '0' ? '1' : '0'))));
  const r2 = await verifyJson([c.zst]);
  assert.equal(r2.exitCode, 1);
  assert.ok(r2.checks.some((x) => x.check === 'bmap-file' && !x.ok && /BmapFileChecksum .* does not match its contents/.test(x.detail)), JSON.stringify(r2.checks, null, 1));
});

test('flash .img.zst with its bmap to a regular file: the sha256 over the image length is the image\'s', async () => {
  const out = path.join(tmp, 'flash-file', 'card.img');
  await fsp.mkdir(path.dirname(out));
  const r = await cli(['flash', pi.zst, out, '--json']);
  assert.equal(r.exitCode, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { map: string; verified: boolean; written: number };
  assert.equal(doc.map, 'bmap');
  assert.equal(doc.verified, true);
  assert.equal(await sha256Prefix(out, pi.size), pi.sha256);
  // Only the mapped blocks were written: the result is sparse like the image.
  const blocks = (await fsp.stat(out)).blocks * 512;
  assert.ok(blocks < pi.size / 2, `${blocks} bytes allocated`);
  assert.deepEqual((await listFiles(path.dirname(out))).sort(), ['card.img']);
});

test('flash a raw .img without a bmap (extents) over an existing file; --no-verify skips the read-back', async () => {
  const dir = path.join(tmp, 'flash-raw');
  await fsp.mkdir(dir);
  const img = path.join(dir, 'x.img');
  await execa('cp', ['--sparse=always', pi.img, img]);
  const out = path.join(dir, 'target.img');
  await fsp.writeFile(out, Buffer.alloc(1 << 20, 0xaa));
  const r = await cli(['flash', img, out, '--json', '--no-verify']);
  assert.equal(r.exitCode, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { map: string; verified: boolean };
  assert.equal(doc.map, 'extents');
  assert.equal(doc.verified, false);
  assert.equal(await sha256Prefix(out, pi.size), pi.sha256);
});

const losetupWorks = await probeLosetup();

async function withLoop<T>(size: number, fn: (dev: string, backing: string) => Promise<T>): Promise<T> {
  const backing = path.join(tmp, `loop-${Date.now()}-${size}.raw`);
  await fsp.writeFile(backing, '');
  await fsp.truncate(backing, size);
  return withLoops([backing], ([dev]) => fn(dev!, backing));
}

test('flash to a loop device (root): the device holds the image; refused without --yes when there is no terminal', { skip: !losetupWorks && 'needs root and losetup' }, async () => {
  await withLoop(pi.size + (1 << 20), async (dev, backing) => {
    const no = await cli(['flash', pi.zst, dev], { real: true });
    assert.equal(no.exitCode, 2, no.stderr);
    assert.match(no.stderr, /without confirmation: pass --yes/);
    assert.equal((await fsp.stat(backing)).blocks, 0, 'nothing was written');
    const r = await cli(['flash', pi.zst, dev, '--yes', '--json'], { real: true });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(await sha256Prefix(dev, pi.size), pi.sha256);
  });
});

test('flash refuses a device too small, a mounted one and the running system\'s disk, writing nothing', { skip: !losetupWorks && 'needs root and losetup' }, async () => {
  const small = pi.size - (1 << 20);
  await withLoop(small, async (dev, backing) => {
    const r = await cli(['flash', pi.zst, dev, '--yes']);
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`refusing to flash ${dev}: it holds ${small} bytes, the image needs ${pi.size}`));
    assert.equal((await fsp.stat(backing)).blocks, 0);
  });
  await withLoop(pi.size + (1 << 20), async (dev) => {
    await execa('mkfs.ext4', ['-q', dev]);
    const mnt = await fsp.mkdtemp(path.join(tmp, 'mnt-'));
    const m = await execa('mount', [dev, mnt], { reject: false });
    if (m.exitCode !== 0) return; // mounting is not allowed here; the other refusals are still checked
    try {
      const r = await cli(['flash', pi.zst, dev, '--yes']);
      assert.equal(r.exitCode, 1);
      assert.match(r.stderr, new RegExp(`is mounted at ${mnt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      // Nothing of the image reached the device (the mounted ext4 may change its own blocks meanwhile,
      // e.g. lazy inode-table init, so compare with the image, not with an earlier read).
      const head = Buffer.alloc(512);
      const fh = await fsp.open(dev, 'r');
      await fh.read(head, 0, 512, 0);
      await fh.close();
      const imgHead = Buffer.alloc(512);
      const ih = await fsp.open(pi.img, 'r');
      await ih.read(imgHead, 0, 512, 0);
      await ih.close();
      assert.notDeepEqual(head, imgHead);
    } finally {
      await execa('umount', [mnt], { reject: false });
    }
  });
  // The disk holding / (never written: the check refuses first, and without --yes nothing would be).
  const rootDev = (await fsp.readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((l) => l.split(' ')).find((f) => f[4] === '/')?.[2];
  const node = rootDev && (await execa('sh', ['-c', `for d in /dev/*; do [ -b "$d" ] && [ "$(stat -c '%t:%T' "$d")" = "$(printf '%x:%x' ${rootDev.replace(':', ' ')})" ] && echo "$d" && break; done`], { reject: false })).stdout.trim();
  if (node) {
    const r = await cli(['flash', pi.zst, node]);
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stderr, /holds the running system \(root, \/ is mounted from it\)/);
  }
});

test('flash: a missing image or bmap is a usage error; a non-device non-file target is refused', async () => {
  const r = await cli(['flash', path.join(tmp, 'nope.img.zst'), path.join(tmp, 'x.img')]);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /nope\.img\.zst does not exist/);
  const b = await cli(['flash', pi.zst, path.join(tmp, 'y.img'), '--bmap', path.join(tmp, 'nope.bmap')]);
  assert.equal(b.exitCode, 2);
  assert.match(b.stderr, /nope\.bmap does not exist/);
  const typo = await cli(['flash', pi.zst, '/dev/imgsmith-no-such-disk', '--yes']);
  assert.equal(typo.exitCode, 1);
  assert.match(typo.stderr, /no such device/);
  assert.equal(fs.existsSync('/dev/imgsmith-no-such-disk'), false);
  const d = await cli(['flash', pi.zst, '/dev/null', '--yes']);
  assert.equal(d.exitCode, 1);
  assert.match(d.stderr, /neither a block device nor a regular file/);
  assert.equal(fs.existsSync(path.join(tmp, 'x.img')), false);
});
