/**
 * Flashing onto a card that holds garbage: what the bmap (and `flash` without one) maps must
 * be every block the image's content needs, zeros included (src/inspect/content-map.ts), or
 * the card's old bytes show through (free FAT entries, ext4's resize inode and inode tables,
 * GPT's unused entry slots). Shipped recipes (the shared builds of helpers/recipe-cache.ts) are
 * flashed onto a loop device over a file of random bytes (or 0xFF; a swap partition's body past
 * its header is left out), and the card checked on the host with sfdisk, sgdisk, and in place
 * (read-only loop devices over its partitions) with fsck.fat, e2fsck, btrfs check, blkid, and
 * `imgsmith ls -R` against the image (each image's listing made once). The listings and all but
 * the first flash run through the CLI's main() in one serving process for the whole file
 * (helpers/cli-batch.ts startBatchServer); the first flash is the real CLI (bin/imgsmith.js).
 * Unit checks compare each filesystem's required ranges with what independent tools say is
 * in use (debugfs testb, fsck.fat -v + the FAT bytes, btrfs dump-tree -t chunk).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { pseudoRandom } from './helpers/firmware-fixture.ts';
import { runCli, type CliResult } from './helpers/cli.ts';
import { startBatchServer, type BatchServer } from './helpers/cli-batch.ts';
import { servedCli } from './helpers/cli-runs.ts';
import { blkid } from './helpers/partition.ts';
import { extractPartition, union } from './helpers/sparse-bytes.ts';
import { probeLosetup, withLoops, withPartitionLoop } from './helpers/loop.ts';
import { cachedRecipe } from './helpers/recipe-cache.ts';
import { contentRanges } from '../src/inspect/content-map.ts';
import { GiB, MiB } from '../src/units.ts';
import type { Range } from '../src/sparse.ts';

const losetupWorks = await probeLosetup();
const needLoop = { skip: !losetupWorks && 'needs root and loop devices (losetup failed)', timeout: 1_200_000 };

let tmp: string;
let server: BatchServer;
let realFlashes = 0;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-garbage-'));
  await fsp.mkdir(path.join(tmp, 'server-tmp'));
  server = startBatchServer({ tmpdir: path.join(tmp, 'server-tmp'), rssFile: path.join(tmp, 'server-rss'), hangMs: 600_000 });
});

after(async () => {
  await server?.close();
  await fsp.rm(tmp, { recursive: true, force: true });
});

/** `imgsmith ARGS` in the serving process (runCli's results). */
const served = (args: string[]): Promise<CliResult> => servedCli(server, args);

/** `imgsmith ls -R -l IMG:N /` of a shared (read-only) build, listed once per image and partition. */
const imageListings = new Map<string, Promise<CliResult>>();
function imageListing(img: string, n: number): Promise<CliResult> {
  const key = `${img}:${n}`;
  if (!imageListings.has(key)) imageListings.set(key, served(['ls', '-R', '-l', key, '/']));
  return imageListings.get(key)!;
}

/** The recipe's shared build (helpers/recipe-cache.ts: raw image + bmap beside it; read only).
 *  uefi-x86_64's ESP holds the fixture firmware and a 300 KiB pseudo-random BOOTX64.EFI. */
async function build(recipe: string, diskSize?: number): Promise<{ img: string; bmap: string }> {
  const r = await cachedRecipe(recipe, diskSize ? { diskSize } : {});
  return { img: r.img, bmap: r.bmap };
}

interface SfPart { start: number; size: number }

async function partitions(img: string): Promise<SfPart[]> {
  return (JSON.parse((await execa('sfdisk', ['-J', img])).stdout).partitiontable as { partitions: SfPart[] }).partitions;
}

/** What blkid -p reads at partition `p` of `file`. */
const probe = (file: string, p: SfPart) => blkid(file, { offset: p.start * 512 });

/**
 * Where the card needs no garbage (found once per image), because no check reads it and no filesystem uses it: the
 * body of each swap partition after its first MiB (only the swap header is content, checked
 * with blkid), the blocks ext4 marks free (dumpe2fs: its block bitmaps), the FAT's free
 * clusters (their FAT entries are 0, as fsck.fat -v lays the FAT out) and the device space
 * no btrfs chunk holds (btrfs dump-tree -t chunk; the first MiB and the superblock mirror at
 * 64 MiB stay garbage). Every block a filesystem uses keeps its garbage, zeros included (inode
 * tables, the resize inode, the FATs and the root directory region). Free space is most of the
 * big recipes' disks (arm-drive: 4 GiB of swap and a root filling the disk; the 256 and 500 MiB
 * ESPs), so the card is written several times faster.
 */
const unusedOnce = new Map<string, Promise<Range[]>>();
/** Copies of a shared build (withoutBmap): the build they copy, whose unused space is theirs. */
const copyOf = new Map<string, string>();
function unusedSpace(img: string): Promise<Range[]> {
  const key = copyOf.get(img) ?? img;
  if (!unusedOnce.has(key)) unusedOnce.set(key, findUnusedSpace(key));
  return unusedOnce.get(key)!;
}

async function findUnusedSpace(img: string): Promise<Range[]> {
  const out: Range[] = [];
  for (const [i, { p, type }] of (await imageFacts(img)).parts.entries()) {
    const [start, end] = [p.start * 512, (p.start + p.size) * 512];
    if (type === 'swap') out.push({ start: start + MiB, end });
    if (type !== 'ext4' && type !== 'btrfs' && type !== 'vfat') continue;
    const file = await extractPartition(img, start, end - start, path.join(tmp, `unused-${path.basename(img)}-${i}`));
    try {
      const free = type === 'ext4' ? await ext4Free(file) : type === 'vfat' ? await fatFree(file) : await btrfsUnallocated(file, end - start);
      out.push(...free.map((r) => ({ start: start + r.start, end: start + r.end })));
    } finally {
      await fsp.rm(file, { force: true });
    }
  }
  return union(out);
}

/** The byte ranges of the blocks ext4 marks free, from dumpe2fs's "Free blocks:" lines. */
async function ext4Free(file: string): Promise<Range[]> {
  const dump = (await execa('dumpe2fs', [file])).stdout;
  const bs = Number(/^Block size:\s+(\d+)/m.exec(dump)![1]);
  const ranges = [...dump.matchAll(/^\s+Free blocks: (.*)$/gm)].flatMap((m) => m[1]!.split(', ').filter(Boolean));
  return ranges.map((r) => r.split('-').map(Number)).map(([a, b]) => ({ start: a! * bs, end: ((b ?? a)! + 1) * bs }));
}

/** A FAT as fsck.fat -v lays it out, with the entry of each cluster read from the first FAT's bytes. */
async function fatLayout(file: string): Promise<{ dataStart: number; clusterSize: number; clusters: number; entry: (c: number) => number }> {
  const v = (await execa('fsck.fat', ['-nv', file])).stdout;
  const fatStart = Number(/First FAT starts at byte (\d+)/.exec(v)![1]);
  const bits = Number(/(\d+) bit entries/.exec(v)![1]);
  const dataStart = Number(/Data area starts at byte (\d+)/.exec(v)![1]);
  const clusterSize = Number(/(\d+) bytes per cluster/.exec(v)![1]);
  const clusters = Number(/(\d+) data clusters/.exec(v)![1]);
  // The file up to the end of the first FAT's last entry (not the whole partition).
  const fatBytes = Buffer.alloc(fatStart + Math.ceil(((clusters + 2) * bits) / 8) + 2);
  const fh = await fsp.open(file, 'r');
  try {
    await fh.read(fatBytes, 0, fatBytes.length, 0);
  } finally {
    await fh.close();
  }
  const entry = (c: number) => {
    const at = fatStart + Math.floor((c * bits) / 8);
    return bits === 32 ? fatBytes.readUInt32LE(at) & 0x0fffffff : bits === 16 ? fatBytes.readUInt16LE(at) : (c & 1 ? fatBytes.readUInt16LE(at) >> 4 : fatBytes.readUInt16LE(at) & 0xfff);
  };
  return { dataStart, clusterSize, clusters, entry };
}

/** The byte ranges of the FAT's free clusters (entry 0). */
async function fatFree(file: string): Promise<Range[]> {
  const { dataStart, clusterSize, clusters, entry } = await fatLayout(file);
  const out: Range[] = [];
  for (let c = 2; c < clusters + 2; c++) {
    if (entry(c) === 0) out.push({ start: dataStart + (c - 2) * clusterSize, end: dataStart + (c - 1) * clusterSize });
  }
  return union(out);
}

/** The byte ranges of a btrfs device no chunk stripe holds (nor the first MiB, nor the 64 MiB superblock mirror). */
async function btrfsUnallocated(file: string, size: number): Promise<Range[]> {
  const dump = (await execa('btrfs', ['inspect-internal', 'dump-tree', '-t', 'chunk', file])).stdout;
  const used: Range[] = [{ start: 0, end: MiB }, { start: 64 * MiB, end: 64 * MiB + 4096 }];
  // Each chunk item: its length, then every stripe (DUP metadata has two on the one device).
  for (const item of dump.split(/CHUNK_ITEM \d+\) itemoff/).slice(1)) {
    const length = Number(/^\s+length (\d+)/m.exec(item)![1]);
    for (const m of item.matchAll(/stripe \d+ devid \d+ offset (\d+)/g)) used.push({ start: Number(m[1]), end: Number(m[1]) + length });
  }
  const out: Range[] = [];
  let at = 0;
  for (const u of union(used)) {
    if (u.start > at) out.push({ start: at, end: u.start });
    at = Math.max(at, u.end);
  }
  if (at < size) out.push({ start: at, end: size });
  return out;
}

/** A card of `size` bytes full of garbage (random bytes: a fresh 4 MiB pattern, shifted per chunk; or
 *  0xFF) except in `holes` (zeros). */
async function garbageCard(name: string, size: number, fill: 'random' | 'ff', holes: Range[]): Promise<string> {
  const file = path.join(tmp, name);
  const pattern = fill === 'ff' ? Buffer.alloc(4 * MiB, 0xff) : randomBytes(4 * MiB);
  const fh = await fsp.open(file, 'w');
  try {
    await fh.truncate(size);
    for (let pos = 0, i = 0; pos < size; pos += pattern.length, i++) {
      const end = Math.min(pos + pattern.length, size);
      if (holes.some((h) => h.start <= pos && end <= h.end)) continue;
      const len = end - pos;
      if (fill === 'ff' || len < pattern.length) {
        const buf = fill === 'ff' ? pattern : Buffer.concat([pattern.subarray(i % 4096), pattern.subarray(0, i % 4096)]);
        await fh.write(buf, 0, len, pos);
      } else await fh.writev([pattern.subarray(i % 4096), pattern.subarray(0, i % 4096)], pos); // the same bytes, no copy
    }
  } finally {
    await fh.close();
  }
  return file;
}

const sfdiskDump = async (file: string) =>
  (await execa('sfdisk', ['-d', file])).stdout.split('\n').filter((l) => !l.startsWith('device:')).map((l) => l.replace(/^\S+? :/, ':')).join('\n');

const run = (cmd: string, args: string[]) => execa(cmd, args, { reject: false, all: true });

/** The filesystem's own check of the partition read in place on the card (a read-only loop device). */
async function fsckInPlace(card: string, p: SfPart, type: string | undefined, where: string): Promise<void> {
  await withPartitionLoop(card, p.start * 512, p.size * 512, async (dev) => {
    if (type === 'vfat') {
      const r = await run('fsck.fat', ['-n', dev]);
      assert.equal(r.exitCode, 0, `${where}: fsck.fat -n:\n${r.all}`);
    } else if (type === 'ext4') {
      const r = await run('e2fsck', ['-fn', dev]);
      assert.equal(r.exitCode, 0, `${where}: e2fsck -fn:\n${r.all}`);
    } else if (type === 'btrfs') {
      const r = await run('btrfs', ['check', '--readonly', dev]);
      assert.equal(r.exitCode, 0, `${where}: btrfs check --readonly:\n${r.all}`);
    } else {
      assert.equal((await blkid(dev)).TYPE, type, `${where}: blkid`);
    }
  });
}

/** What sfdisk and blkid say of an image (its table dump and label, each partition and its type), asked once per image file. */
const factsOnce = new Map<string, Promise<{ dump: string; label: string; parts: { p: SfPart; type: string | undefined }[] }>>();
function imageFacts(img: string) {
  if (!factsOnce.has(img)) {
    factsOnce.set(img, (async () => {
      const label = (JSON.parse((await execa('sfdisk', ['-J', img])).stdout).partitiontable as { label: string }).label;
      const parts = await Promise.all((await partitions(img)).map(async (p) => ({ p, type: (await probe(img, p)).TYPE })));
      return { dump: await sfdiskDump(img), label, parts };
    })());
  }
  return factsOnce.get(img)!;
}

/** The card (a file) holds the image's table and sound filesystems with the same files. */
async function checkCard(img: string, card: string, what: string): Promise<void> {
  const facts = await imageFacts(img);
  assert.equal(await sfdiskDump(card), facts.dump, `${what}: sfdisk -d`);
  if (facts.label === 'gpt') assert.match((await execa('sgdisk', ['-v', card])).stdout, /No problems found/, `${what}: sgdisk -v`);
  const listed: [number, string][] = [];
  for (const [i, { p, type }] of facts.parts.entries()) {
    const n = i + 1;
    const where = `${what}: partition ${n} (${type})`;
    await fsckInPlace(card, p, type, where);
    if (type !== 'swap') listed.push([n, where]);
  }
  // imgsmith ls -R of each partition of the image (listed once per image) and of the card.
  for (const [n, where] of listed) {
    const [a, b] = [await imageListing(img, n), await served(['ls', '-R', '-l', `${card}:${n}`, '/'])];
    assert.equal(a.exitCode, 0, a.stderr);
    assert.equal(b.exitCode, 0, `${where}: imgsmith ls -R of the card: ${b.stderr}`);
    assert.equal(b.stdout, a.stdout, `${where}: imgsmith ls -R`);
  }
}

/** Flashes `img` onto a loop device over a garbage card, then checks the card. */
async function flashOverGarbage(img: string, how: { fill: 'random' | 'ff'; via: 'imgsmith' | 'bmaptool'; bmap?: string }, what: string, prepare?: (card: string) => Promise<void>): Promise<void> {
  const size = (await fsp.stat(img)).size;
  const card = await garbageCard(`card-${path.basename(img)}-${how.fill}`, size, how.fill, await unusedSpace(img));
  try {
    await prepare?.(card);
    await withLoops([card], async ([dev]) => {
      if (how.via === 'bmaptool') {
        const r = await run('bmaptool', ['copy', '--bmap', how.bmap!, img, dev!]);
        assert.equal(r.exitCode, 0, r.all);
      } else {
        const args = ['flash', img, dev!, '--yes', ...(how.bmap ? ['--bmap', how.bmap] : [])];
        const r = realFlashes++ === 0 ? await runCli(args) : await served(args);
        assert.equal(r.exitCode, 0, r.stderr);
      }
    });
    await checkCard(img, card, what);
  } finally {
    await fsp.rm(card, { force: true });
  }
}

/** A copy of the image with no bmap beside it (flash then maps the image itself). */
async function withoutBmap(img: string): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(tmp, 'nobmap-'));
  const copy = path.join(dir, 'disk.img');
  await execa('cp', ['--sparse=always', img, copy]);
  copyOf.set(copy, img);
  return copy;
}

test('rpi-aarch64 (MBR, FAT + ext4): imgsmith flash with the bmap over random bytes and over 0xFF, bmaptool copy, flash without a bmap', needLoop, async () => {
  const { img, bmap } = await build('rpi-aarch64.json');
  await flashOverGarbage(img, { fill: 'random', via: 'imgsmith' }, 'imgsmith flash, random');
  await flashOverGarbage(img, { fill: 'ff', via: 'imgsmith' }, 'imgsmith flash, 0xFF');
  await flashOverGarbage(img, { fill: 'random', via: 'bmaptool', bmap }, 'bmaptool copy, random');
  await flashOverGarbage(await withoutBmap(img), { fill: 'random', via: 'imgsmith' }, 'imgsmith flash without a bmap, random');
});

test('rpi4-usb-ssd (GPT, FAT32 + swap + btrfs): imgsmith flash with the bmap over random bytes', needLoop, async () => {
  const { img } = await build('rpi4-usb-ssd.json', 2 * GiB);
  await flashOverGarbage(img, { fill: 'random', via: 'imgsmith' }, 'rpi4-usb-ssd');
});

test('arm-drive (GPT, ext4 + swap + ext4 root filling the disk): imgsmith flash with the bmap over random bytes', needLoop, async () => {
  const { img } = await build('arm-drive.json', 6 * GiB);
  await flashOverGarbage(img, { fill: 'random', via: 'imgsmith' }, 'arm-drive');
});

test('uefi-x86_64 (GPT, FAT32 ESP + ext4): with the bmap over 0xFF, without a bmap over random bytes; over a card with a larger GPT: no phantom partitions', needLoop, async () => {
  const { img } = await build('uefi-x86_64.json');
  await flashOverGarbage(img, { fill: 'ff', via: 'imgsmith' }, 'uefi-x86_64 with the bmap');
  await flashOverGarbage(await withoutBmap(img), { fill: 'random', via: 'imgsmith' }, 'uefi-x86_64 without a bmap');
  // The card held another GPT with more partitions (and its backup at the same end).
  await flashOverGarbage(img, { fill: 'random', via: 'imgsmith' }, 'uefi-x86_64 over another GPT', async (card) => {
    const n = ['-o', ...[1, 2, 3, 4, 5, 6].flatMap((i) => [`-n${i}:0:+4M`, `-t${i}:8300`])];
    await execa('sgdisk', [...n, card]);
    assert.equal((await execa('sfdisk', ['-J', card])).stdout.match(/"node"/g)?.length, 6);
  });
});

/** Whether every byte of [start, end) is inside the sorted ranges. */
function covered(ranges: readonly Range[], start: number, end: number): boolean {
  return ranges.some((r) => r.start <= start && end <= r.end);
}

test('ext4 and FAT required ranges hold every block debugfs testb and the FAT (as fsck.fat -v lays it out) say is in use', async () => {
  const { img } = await build('rpi-aarch64.json');
  const map = await contentRanges(img, (await fsp.stat(img)).size);
  const [fat, root] = await partitions(img);
  // ext4: every block in use per debugfs.
  const ext = await extractPartition(img, root!.start * 512, root!.size * 512, path.join(tmp, 'unit-ext4'));
  const bs = Number(/Block size:\s+(\d+)/.exec((await execa('dumpe2fs', ['-h', ext])).stdout)![1]);
  const count = Number(/Block count:\s+(\d+)/.exec((await execa('dumpe2fs', ['-h', ext])).stdout)![1]);
  const testb = (await execa('debugfs', ['-R', `testb 1 ${count - 1}`, ext])).stdout;
  const used = [...testb.matchAll(/^Block (\d+) marked in use$/gm)].map((m) => Number(m[1]));
  assert.ok(used.length > 100, `${used.length} blocks in use`);
  for (const b of used) assert.ok(covered(map, root!.start * 512 + b * bs, root!.start * 512 + (b + 1) * bs), `ext4 block ${b} in use but not mapped`);
  // The resize inode's double-indirect block (zeros, in use) is among them.
  const dind = /\(DIND\):(\d+)/.exec((await execa('debugfs', ['-R', 'stat <7>', ext])).stdout);
  if (dind) assert.ok(covered(map, root!.start * 512 + Number(dind[1]) * bs, root!.start * 512 + (Number(dind[1]) + 1) * bs));
  // FAT: the region before the data area, and every cluster whose FAT entry is not 0.
  const vfat = await extractPartition(img, fat!.start * 512, fat!.size * 512, path.join(tmp, 'unit-vfat'));
  const { dataStart, clusterSize, clusters, entry } = await fatLayout(vfat);
  const base = fat!.start * 512;
  assert.ok(covered(map, base, base + dataStart), 'boot sector, FATs and root directory region mapped');
  let inUse = 0;
  for (let c = 2; c < clusters + 2; c++) {
    if (entry(c) === 0) continue;
    inUse++;
    const s = base + dataStart + (c - 2) * clusterSize;
    assert.ok(covered(map, s, s + clusterSize), `FAT cluster ${c} in use but not mapped`);
  }
  assert.ok(inUse > 10);
  // And the map is not the whole partitions: free space stays unmapped.
  const mappedIn = (p: SfPart) => map.reduce((n, r) => n + Math.max(0, Math.min(r.end, (p.start + p.size) * 512) - Math.max(r.start, p.start * 512)), 0);
  assert.ok(mappedIn(fat!) < fat!.size * 512, 'FAT free clusters unmapped');
  await fsp.rm(ext, { force: true });
  await fsp.rm(vfat, { force: true });
});

test('btrfs required ranges hold every chunk stripe btrfs dump-tree -t chunk lists, and not the free tail', async () => {
  const { img } = await build('rpi4-usb-ssd.json', 2 * GiB);
  const map = await contentRanges(img, (await fsp.stat(img)).size);
  const root = (await partitions(img))[2]!;
  const file = await extractPartition(img, root.start * 512, root.size * 512, path.join(tmp, 'unit-btrfs'));
  try {
    const dump = (await execa('btrfs', ['inspect-internal', 'dump-tree', '-t', 'chunk', file])).stdout;
    const chunks = [...dump.matchAll(/CHUNK_ITEM \d+\) itemoff \d+ itemsize \d+\n\s+length (\d+)[\s\S]*?stripe 0 devid \d+ offset (\d+)/g)];
    assert.ok(chunks.length >= 3, `${chunks.length} chunks`);
    let total = 0;
    for (const m of chunks) {
      const s = root.start * 512 + Number(m[2]);
      total += Number(m[1]);
      assert.ok(covered(map, s, s + Number(m[1])), `btrfs chunk at device offset ${m[2]} (${m[1]} bytes) not mapped`);
    }
    const mappedIn = map.reduce((n, r) => n + Math.max(0, Math.min(r.end, (root.start + root.size) * 512) - Math.max(r.start, root.start * 512)), 0);
    assert.ok(mappedIn < root.size * 512 / 2, `btrfs: ${mappedIn} bytes mapped of ${root.size * 512} (chunks: ${total})`);
  } finally {
    await fsp.rm(file, { force: true });
  }
});

test('hostile or unknown content: a bad FAT boot sector or btrfs chunk root maps the whole partition; a raw blob up to its last non-zero block; both whole GPT entry arrays', async () => {
  const img = path.join(tmp, 'hostile.img');
  await fsp.rm(img, { force: true });
  await execa('truncate', ['-s', `${200 * MiB}`, img]);
  await execa('sgdisk', ['-n1:2048:+16M', '-n2:0:+130M', '-n3:0:+8M', img]);
  const [p1, p2, p3] = await partitions(img);
  const fat = path.join(tmp, 'h-fat.img');
  const btr = path.join(tmp, 'h-btrfs.img');
  await execa('truncate', ['-s', `${p1!.size * 512}`, fat]);
  await execa('mkfs.fat', ['-F', '16', fat]);
  await execa('truncate', ['-s', `${p2!.size * 512}`, btr]);
  await execa('mkfs.btrfs', ['-q', '-f', btr]);
  await execa('dd', [`if=${fat}`, `of=${img}`, 'bs=512', `seek=${p1!.start}`, 'conv=notrunc,sparse', 'status=none']);
  await execa('dd', [`if=${btr}`, `of=${img}`, 'bs=512', `seek=${p2!.start}`, 'conv=notrunc,sparse', 'status=none']);
  // A raw blob: 100 KiB of data, zeros, 1 byte at 1 MiB + 5, then zeros to the end.
  const fh = await fsp.open(img, 'r+');
  const p = (x: SfPart) => ({ start: x.start * 512, end: (x.start + x.size) * 512 });
  try {
    await fh.write(pseudoRandom('blob', 100 * 1024), 0, 100 * 1024, p(p3!).start);
    await fh.write(Buffer.from([7]), 0, 1, p(p3!).start + MiB + 5);
  } finally {
    await fh.close();
  }
  const size = (await fsp.stat(img)).size;
  const inside = (map: Range[], r: { start: number; end: number }) => map.reduce((n, m) => n + Math.max(0, Math.min(m.end, r.end) - Math.max(m.start, r.start)), 0);
  const good = await contentRanges(img, size);
  assert.ok(inside(good, p(p1!)) < p1!.size * 512 / 2, 'a sound FAT: its free clusters unmapped');
  assert.ok(inside(good, p(p2!)) < p2!.size * 512, 'a sound btrfs: not all of it');
  assert.equal(inside(good, p(p3!)), MiB + 4096, 'the raw blob: up to its last non-zero block');
  assert.ok(covered(good, 0, 2 * 512 + 128 * 128), 'the MBR, GPT header and the whole entry array');
  assert.ok(covered(good, size - 33 * 512, size), 'the backup entry array and header');
  // Break them: FAT sectors per cluster 3 (still probed as FAT); btrfs chunk root at a logical address in no chunk.
  const w = await fsp.open(img, 'r+');
  try {
    await w.write(Buffer.from([3]), 0, 1, p(p1!).start + 13);
    const root = Buffer.alloc(8);
    root.writeBigUInt64LE(1n << 50n);
    await w.write(root, 0, 8, p(p2!).start + 0x10000 + 0x58);
  } finally {
    await w.close();
  }
  const bad = await contentRanges(img, size);
  assert.equal(inside(bad, p(p2!)), p2!.size * 512, 'an unreadable btrfs: all of it');
  assert.equal(inside(bad, p(p1!)), p1!.size * 512, 'an unreadable FAT: all of it');
  assert.equal(inside(bad, p(p3!)), MiB + 4096);
  await fsp.rm(img, { force: true });
  await fsp.rm(fat, { force: true });
  await fsp.rm(btr, { force: true });
});
