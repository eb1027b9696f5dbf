/**
 * The FAT driver (src/fs/vfat.ts) and the Raspberry Pi boot files (src/content/rpi.ts),
 * checked with independent tools: fsck.fat -n, mtools (mcopy/mdir/minfo with
 * image@@offset), blkid -p, and mkfs.vfat 4.2 for the FAT type choice.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { FileTree, fromUtf8 } from '../src/content/tree.ts';
import { RPI_AARCH64_FIRMWARE_GLOBS, rpiConfigTxt } from '../src/content/rpi.ts';
import { vfatDriver, vfatLayout, minimumFatSize } from '../src/fs/vfat.ts';
import type { FsContext, FsReport } from '../src/fs/types.ts';
import { UsageError } from '../src/errors.ts';
import { silentProgress } from '../src/progress.ts';
import type { VfatSpec } from '../src/spec-types.ts';
import { MiB } from '../src/units.ts';
import { pseudoRandom } from './helpers/firmware-fixture.ts';
import { blkid, extractPartition } from './helpers/partition.ts';
import { sha256Tool } from './helpers/hash-tool.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const CHILD = path.join(ROOT, 'test/helpers/vfat-child.ts');
/** tsx's loader by absolute URL, so the child resolves it from any cwd. */
const TSX = import.meta.resolve('tsx');
const FIRMWARE: VfatSpec = { type: 'vfat', label: 'FIRMWARE', volumeId: 0x2178694e, fatType: 'auto' };
const OFFSET = MiB;
const CONFIG = 'arm_64bit=1\nenable_uart=1\n';

let tmp: string;
const ctx = (): FsContext => ({ tmpDir: tmp, progress: silentProgress, epoch: 1 });

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-vfat-'));
});
after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

/** The test firmware: [path in the FAT, size]. Sorted differently from tree order on purpose. */
const FILES: [string, number][] = [
  ['/bootcode.bin', 52_480],
  ['/start4.elf', 3 * MiB + 123], // a 3 MiB file
  ['/fixup4.dat', 5_446],
  ['/u-boot-rpi4.bin', 603_208],
  ['/bcm2711-rpi-4-b.dtb', 52_476],
  ['/overlays/vc4-kms-v3d.dtbo', 3_800],
  ['/overlays/disable-bt.dtbo', 1_200],
  ['/overlays/README', 32_000],
  ['/overlays/hifiberry-dacplus-standard.dtbo', 2_100],
  ['/overlays/i2c-rtc.dtbo', 0],
  ['/A Long Name With Spaces and MixedCase.txt', 1_000],
  ['/Image', 4_097],
  ['/Grüße.txt', 10],
  ['/deep/er/still/deeper.bin', 70_000],
];

/** Creates the host files (in `order`) under `dir` and returns a tree holding them plus config.txt. */
async function makeTree(dir: string, order: 'forward' | 'reverse' = 'forward'): Promise<FileTree> {
  await fsp.mkdir(dir, { recursive: true });
  const files = order === 'forward' ? FILES : [...FILES].reverse();
  const tree = new FileTree();
  for (const [p, size] of files) {
    const host = path.join(dir, p.slice(1).replaceAll('/', '__'));
    await fsp.writeFile(host, pseudoRandom(p, size));
    if (order === 'reverse') await fsp.utimes(host, 1e9, 1e9); // different host metadata
    tree.add(fromUtf8(p), { kind: 'file', mode: order === 'forward' ? 0o644 : 0o444, size, source: fromUtf8(host) });
  }
  tree.add('/config.txt', { kind: 'data', mode: 0o644, data: Buffer.from(CONFIG) });
  tree.ensureDir('/empty-dir');
  return tree;
}

/** A sparse image with 0xAA marker bytes right before and after the partition. */
async function makeImage(name: string, size: number): Promise<string> {
  const img = path.join(tmp, name);
  const fh = await fsp.open(img, 'w');
  await fh.truncate(OFFSET + size + MiB);
  await fh.write(Buffer.alloc(4096, 0xaa), 0, 4096, OFFSET - 4096);
  await fh.write(Buffer.alloc(4096, 0xaa), 0, 4096, OFFSET + size);
  await fh.close();
  return img;
}

/** Copies the partition's byte range out of the image (sparse, without holding it in memory). */
function extract(img: string, size: number, name: string): Promise<string> {
  return extractPartition(img, OFFSET, size, path.join(tmp, name));
}

async function build(name: string, spec: VfatSpec, tree: FileTree, size: number): Promise<{ img: string; part: string; report: FsReport }> {
  const img = await makeImage(`${name}.img`, size);
  const report = await vfatDriver.write(spec, tree, { imagePath: img, offset: OFFSET, size }, ctx());
  const part = await extract(img, size, `${name}.part`);
  return { img, part, report };
}

/** fsck.fat -n must exit 0 and print nothing but its banner and the summary line; returns used clusters. */
async function fsckClean(part: string): Promise<{ used: number; total: number }> {
  const r = await execa('fsck.fat', ['-n', part], { reject: false });
  assert.equal(r.exitCode, 0, `fsck.fat failed:\n${r.stdout}\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2, `fsck.fat reported problems:\n${r.stdout}`);
  assert.doesNotMatch(r.stdout + r.stderr, /dirty|differ|wrong|fix|warning/i);
  const m = /(\d+) files, (\d+)\/(\d+) clusters/.exec(lines[1]!);
  assert.ok(m, lines[1]);
  return { used: Number(m[2]), total: Number(m[3]) };
}

async function mcopyOut(img: string, p: string): Promise<Buffer> {
  const { stdout } = await execa('mcopy', ['-n', '-i', `${img}@@${OFFSET}`, `::${p}`, '-'], { encoding: 'buffer', stripFinalNewline: false });
  return Buffer.from(stdout);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function expectUsage(p: Promise<unknown> | (() => unknown), re: RegExp): Promise<void> {
  await assert.rejects(
    async () => (typeof p === 'function' ? p() : p),
    (err: unknown) => {
      assert.ok(err instanceof UsageError, `not a UsageError: ${String(err)}`);
      assert.match(err.message, re);
      return true;
    },
  );
}

test('FAT16 at 30 MiB (auto): fsck clean, every file reads back, label, serial, holes and neighbours intact', async () => {
  const tree = await makeTree(path.join(tmp, 'src30'));
  const size = 30 * MiB;
  const { img, part, report } = await build('fat16', FIRMWARE, tree, size);

  assert.equal(report.type, 'vfat');
  assert.equal(report.label, 'FIRMWARE');
  assert.equal(report.uuid, '2178-694E');
  assert.equal(report.stats.fatType, 16);
  assert.equal(report.stats.files, FILES.length + 1);
  assert.equal(report.stats.dirs, 5); // overlays, deep, deep/er, deep/er/still, empty-dir

  const { used, total } = await fsckClean(part);
  assert.equal(total, report.stats.clusters);
  assert.equal(used, report.stats.clustersUsed, 'the size model counts exactly the clusters FatFs used');

  const id = await blkid(part);
  assert.equal(id.TYPE, 'vfat');
  assert.equal(id.LABEL, 'FIRMWARE');
  assert.equal(id.LABEL_FATBOOT, 'FIRMWARE');
  assert.equal(id.UUID, '2178-694E');
  assert.equal(id.VERSION, 'FAT16');

  const { stdout: info } = await execa('minfo', ['-i', `${img}@@${OFFSET}`, '::']);
  assert.match(info, /serial number: 2178694E/);
  assert.match(info, /disk label="FIRMWARE   "/);
  assert.match(info, /disk type="FAT16   "/);
  assert.match(info, /cluster size: 4 sectors/); // the same 2 KiB clusters mkfs.vfat uses at 30 MiB

  for (const [p, n] of FILES) assert.equal(sha(await mcopyOut(img, p)), sha(pseudoRandom(p, n)), p);
  assert.equal((await mcopyOut(img, '/config.txt')).toString(), CONFIG);

  // Exactly the tree, with long names and case preserved.
  const { stdout: listing } = await execa('mdir', ['-/', '-b', '-i', `${img}@@${OFFSET}`, '::']);
  const want = [
    ...FILES.map(([p]) => `::${p}`),
    '::/config.txt',
    '::/overlays/', '::/deep/', '::/deep/er/', '::/deep/er/still/', '::/empty-dir/',
  ].sort();
  assert.deepEqual(listing.trim().split('\n').sort(), want);
  const { stdout: overlays } = await execa('mdir', ['-i', `${img}@@${OFFSET}`, '::/overlays']);
  assert.match(overlays, /hifiberry-dacplus-standard\.dtbo/);
  assert.match(overlays, /1980-01-01 +0:00/, 'epoch 1 is stored as 1980-01-01 00:00:00');

  // Holes stay holes: little more than the file data is allocated; the bytes around the partition are intact.
  const st = await fsp.stat(img);
  const content = FILES.reduce((n, [, s]) => n + s, 0);
  assert.ok(st.blocks * 512 < content + 1.5 * MiB, `${st.blocks * 512} bytes allocated for ${content} bytes of files`);
  const fh = await fsp.open(img, 'r');
  const edge = Buffer.alloc(4096);
  await fh.read(edge, 0, 4096, OFFSET - 4096);
  assert.ok(edge.every((b) => b === 0xaa));
  await fh.read(edge, 0, 4096, OFFSET + size);
  assert.ok(edge.every((b) => b === 0xaa));
  await fh.close();
});

test('the FAT type for "auto" is what mkfs.vfat 4.2 picks for each size', async () => {
  for (const mib of [4, 8, 9, 30, 300, 511, 512, 600]) {
    const img = path.join(tmp, `mkfs-${mib}.img`);
    await fsp.rm(img, { force: true });
    await execa('truncate', ['-s', `${mib}M`, img]);
    await execa('mkfs.vfat', ['--invariant', '-i', '2178694e', '-n', 'FIRMWARE', img]);
    const version = (await blkid(img)).VERSION;
    const l = vfatLayout(mib * MiB, 'auto');
    assert.ok(l, `no layout at ${mib} MiB`);
    assert.equal(`FAT${l.fatBits}`, version, `${mib} MiB`);
    await fsp.rm(img);
  }
  assert.equal(vfatLayout(30 * MiB, 'auto')?.fatBits, 16);
  assert.equal(vfatLayout(600 * MiB, 'auto')?.fatBits, 32);
  assert.equal(vfatLayout(64 * MiB, 32)?.fatBits, 32);
  assert.equal(vfatLayout(64 * MiB, 16)?.fatBits, 16);
});

test('FAT32 forced at 64 MiB: fsck clean, blkid FAT32, backup boot sector patched too', async () => {
  const tree = await makeTree(path.join(tmp, 'src64'));
  const size = 64 * MiB;
  const spec: VfatSpec = { type: 'vfat', label: 'boot', volumeId: 0xdeadbeef, fatType: 32 };
  const { img, part, report } = await build('fat32', spec, tree, size);
  assert.equal(report.stats.fatType, 32);
  assert.equal(report.label, 'boot', 'the label keeps its case (as mkfs.vfat -n boot)');
  const { used } = await fsckClean(part);
  assert.equal(used, report.stats.clustersUsed);
  const id = await blkid(part);
  assert.equal(id.VERSION, 'FAT32');
  assert.equal(id.LABEL, 'boot');
  assert.equal(id.UUID, 'DEAD-BEEF');
  const bytes = await fsp.readFile(part);
  assert.deepEqual(bytes.subarray(0, 512), bytes.subarray(6 * 512, 7 * 512), 'backup boot sector = boot sector');
  assert.equal(bytes.readUInt32LE(0x43), 0xdeadbeef);
  for (const [p, n] of FILES.slice(0, 3)) assert.equal(sha(await mcopyOut(img, p)), sha(pseudoRandom(p, n)), p);
});

test('a 500 MiB FAT32 ESP with 96 MiB of data is built in bounded memory, holes preserved', async () => {
  const dir = path.join(tmp, 'src500');
  await fsp.mkdir(dir);
  const big = path.join(dir, 'big.bin');
  const pattern = randomBytes(MiB);
  const fh = await fsp.open(big, 'w');
  for (let i = 0; i < 96; i++) {
    pattern[0] = i; // every MiB differs
    await fh.write(pattern);
  }
  await fh.close();
  const tree = new FileTree();
  tree.add('/EFI/BOOT/BOOTAA64.EFI', { kind: 'file', mode: 0o644, size: 96 * MiB, source: big });
  tree.add('/loader/loader.conf', { kind: 'data', mode: 0o644, data: Buffer.from('timeout 3\n') });
  const size = 500 * MiB;
  const spec: VfatSpec = { type: 'vfat', label: 'ESP', volumeId: 0x12345678, fatType: 32 };
  const img = await makeImage('esp.img', size);

  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
  const report = await vfatDriver.write(spec, tree, { imagePath: img, offset: OFFSET, size }, ctx());
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  assert.ok(peak - base < 48 * MiB, `RSS grew by ${((peak - base) / MiB).toFixed(1)} MiB while writing 96 MiB`);
  if (process.env.VFAT_TEST_VERBOSE) console.log(`RSS growth ${((peak - base) / MiB).toFixed(1)} MiB`);

  assert.equal(report.stats.fatType, 32);
  assert.equal(report.stats.clusterSize, 4096);
  const st = await fsp.stat(img);
  assert.ok(st.blocks * 512 < 98 * MiB, `${st.blocks * 512} bytes allocated`);
  const part = await extract(img, size, 'esp.part');
  const { used } = await fsckClean(part);
  assert.equal(used, report.stats.clustersUsed);
  assert.equal((await blkid(part)).VERSION, 'FAT32');
  const { stdout } = await execa('bash', ['-c', `mcopy -n -i '${img}@@${OFFSET}' ::/EFI/BOOT/BOOTAA64.EFI - | sha256sum`]);
  assert.equal(stdout.split(' ')[0], await sha256Tool(big));
  await fsp.rm(part);
  await fsp.rm(img);
  await fsp.rm(big);
});

test('byte-identical in any time zone, cwd and host file order; differs with the volume id', async () => {
  const size = 30 * MiB;
  const treeA = await makeTree(path.join(tmp, 'detA'), 'forward');
  const treeB = await makeTree(path.join(tmp, 'detB'), 'reverse');
  const run = async (name: string, tree: FileTree, spec: VfatSpec, tz: string, cwd: string): Promise<Buffer> => {
    const img = await makeImage(`${name}.img`, size);
    const job = path.join(tmp, `${name}.json`);
    const entries = tree.entries().map(([p, e]) => [p, e.kind === 'data' ? { kind: 'data', mode: e.mode, text: e.data.toString() } : e]);
    await fsp.writeFile(job, JSON.stringify({ spec, entries, image: img, offset: OFFSET, size, epoch: 1_700_000_000 }));
    await fsp.mkdir(cwd, { recursive: true });
    const t0 = Date.now();
    await execa(process.execPath, ['--import', TSX, CHILD, job], { cwd, env: { TZ: tz } });
    if (process.env.VFAT_TEST_VERBOSE) console.log(`child ${name}: ${Date.now() - t0} ms`);
    const bytes = await fsp.readFile(img);
    await fsp.rm(img);
    return bytes.subarray(OFFSET, OFFSET + size);
  };
  const cwdA = path.join(tmp, 'cwd-a');
  const cwdB = path.join(tmp, 'cwd-b', 'nested');

  const [a, b, c] = await Promise.all([
    run('det-a', treeA, FIRMWARE, 'UTC', cwdA),
    run('det-b', treeB, FIRMWARE, 'Pacific/Kiritimati', cwdB),
    (async () => {
      const img = await makeImage('det-c.img', size);
      await vfatDriver.write({ ...FIRMWARE, volumeId: 0x2178694f }, treeA, { imagePath: img, offset: OFFSET, size }, { ...ctx(), epoch: 1_700_000_000 });
      return (await fsp.readFile(img)).subarray(OFFSET, OFFSET + size);
    })(),
  ]);
  assert.equal(sha(a), sha(b), 'same inputs, different TZ/cwd/host order: identical partitions');
  const diff: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== c[i]) diff.push(i);
  assert.deepEqual(diff, [0x27], 'only the serial (its low byte) differs with the volume id');

  // The timestamp is epoch 1700000000 = 2023-11-14 22:13:20 UTC, in every TZ.
  const part = path.join(tmp, 'det.part');
  await fsp.writeFile(part, a);
  const { stdout } = await execa('mdir', ['-i', part, '::/overlays'], { env: { TZ: 'Pacific/Kiritimati' } });
  assert.match(stdout, /README +32000 2023-11-14 +22:13/);
  await fsp.rm(part);
});

test('minimumSize is enough (and close): the contents fit at that size, fsck clean', async () => {
  const tree = await makeTree(path.join(tmp, 'srcmin'));
  const min = await vfatDriver.minimumSize(FIRMWARE, tree, ctx());
  assert.equal(min % MiB, 0);
  const content = tree.contentBytes();
  assert.ok(min >= content && min <= content + 2 * MiB, `minimum ${min} for ${content} bytes`);
  const { part, report } = await build('min', FIRMWARE, tree, min);
  await fsckClean(part);
  assert.ok((report.stats.clustersUsed as number) <= (report.stats.clusters as number));
  await expectUsage(build('min-small', FIRMWARE, tree, min - 2 * MiB), /too small/);

  const min32 = await vfatDriver.minimumSize({ ...FIRMWARE, fatType: 32 }, tree, ctx());
  assert.equal(min32, minimumFatSize(32));
  assert.equal(min32, 33 * MiB);
});

test('bad input: labels, sizes, FAT32 minimum, symlinks, names that differ only in case', async () => {
  const tree = await makeTree(path.join(tmp, 'srcbad'));
  const where = 'partition 1 ("firmware")';
  const v = (spec: Partial<VfatSpec>, t: FileTree = tree) => () => vfatDriver.validate({ ...FIRMWARE, ...spec }, t, where);

  await expectUsage(v({ label: 'FIRMWARE-TOO-LONG' }), /partition 1 \("firmware"\).*is 17 bytes long; FAT labels hold at most 11 bytes/);
  await expectUsage(v({ label: 'FIRM:WARE' }), /partition 1.*contains ":"/);
  await expectUsage(v({ label: 'FIRMWÄRE' }), /non-ASCII/);
  await expectUsage(v({ label: ' FIRMWARE' }), /starts with a space/);
  assert.doesNotThrow(v({ label: 'firmware' }));
  assert.doesNotThrow(v({ label: 'NIXOS_BOOT' }));

  // A fixed size that is too small: the message has both sizes.
  await expectUsage(build('small', FIRMWARE, tree, 2 * MiB), /2 MiB \(2097152 bytes\) is too small.*needs at least \d+ MiB \(\d+ bytes\)/);
  // FAT32 below its minimum.
  await expectUsage(build('small32', { ...FIRMWARE, fatType: 32 }, tree, 32 * MiB), /32 MiB.*too small for FAT32.*33 MiB/);

  const withLink = await makeTree(path.join(tmp, 'srclink'));
  withLink.add('/overlays/link.dtbo', { kind: 'symlink', target: 'vc4-kms-v3d.dtbo' });
  await expectUsage(v({}, withLink), /partition 1.*\/overlays\/link\.dtbo is a symbolic link.*cannot hold symbolic links/);

  const withCase = await makeTree(path.join(tmp, 'srccase'));
  withCase.add('/overlays/VC4-KMS-V3D.dtbo', { kind: 'data', mode: 0o644, data: Buffer.from('x') });
  await expectUsage(v({}, withCase), /\/overlays\/VC4-KMS-V3D\.dtbo and \/overlays\/vc4-kms-v3d\.dtbo differ only in letter case/);

  const withBadName = new FileTree();
  withBadName.add('/what?.txt', { kind: 'data', mode: 0o644, data: Buffer.from('x') });
  await expectUsage(v({}, withBadName), /what\?\.txt.*contains "\?"/);

  // The FAT16 root directory has 512 slots; long names take several each.
  const crowded = new FileTree();
  for (let i = 0; i < 200; i++) crowded.add(`/a-rather-long-file-name-number-${i}.txt`, { kind: 'data', mode: 0o644, data: Buffer.from('x') });
  await expectUsage(vfatDriver.minimumSize(FIRMWARE, crowded, ctx()), /root directory needs \d+ directory entries.*holds 512.*"fatType": 32/);
  assert.ok((await vfatDriver.minimumSize({ ...FIRMWARE, fatType: 32 }, crowded, ctx())) >= 33 * MiB);
});

test('rpiConfigTxt is NixOS sd-image-aarch64.nix config.txt; extraConfig is appended', () => {
  const base = rpiConfigTxt({});
  assert.ok(base.startsWith('[pi3]\nkernel=u-boot-rpi3.bin\n\n[pi02]\nkernel=u-boot-rpi3.bin\n\n[pi4]\nkernel=u-boot-rpi4.bin\nenable_gic=1\narmstub=armstub8-gic.bin\n'));
  for (const line of ['disable_overscan=1', 'arm_boost=1', '[cm4]', 'otg_mode=1', '[all]', 'arm_64bit=1', 'enable_uart=1']) {
    assert.ok(base.split('\n').includes(line), line);
  }
  assert.match(base, /# Otherwise the resolution will be weird in most cases, compared to\n# what the pi3 firmware does by default\.\ndisable_overscan=1\n/);
  assert.ok(base.endsWith('# when attempting to show low-voltage or overtemperature warnings.\navoid_warnings=1\n'));
  assert.ok(base.indexOf('[cm4]') < base.indexOf('[all]') && base.indexOf('[pi4]') < base.indexOf('[cm4]'));
  assert.equal(rpiConfigTxt({ extraConfig: '' }), base);
  assert.equal(rpiConfigTxt({ extraConfig: 'dtoverlay=vc4-kms-v3d' }), `${base}\ndtoverlay=vc4-kms-v3d\n`);
  assert.equal(rpiConfigTxt({ extraConfig: 'a=1\nb=2\n' }), `${base}\na=1\nb=2\n`);
  assert.deepEqual(RPI_AARCH64_FIRMWARE_GLOBS.slice(0, 3), ['bootcode.bin', 'fixup*.dat', 'start*.elf']);
  assert.ok(RPI_AARCH64_FIRMWARE_GLOBS.includes('bcm2711-rpi-cm4s.dtb'));
  assert.ok(!RPI_AARCH64_FIRMWARE_GLOBS.includes('config.txt'), 'config.txt is generated, not copied');
});

/** The volume label entry (attribute 0x08) in the root directory of a FAT12/16 partition file. */
function rootLabelEntry(bytes: Buffer): Buffer | undefined {
  const bps = bytes.readUInt16LE(11);
  const reserved = bytes.readUInt16LE(14);
  const nFats = bytes[16]!;
  const rootEntries = bytes.readUInt16LE(17);
  const fatSectors = bytes.readUInt16LE(22);
  const root = (reserved + nFats * fatSectors) * bps;
  for (let off = root; off < root + rootEntries * 32; off += 32) {
    if (bytes[off] === 0) break;
    if (bytes[off + 11] === 0x08) return bytes.subarray(off, off + 32);
  }
  return undefined;
}

test('labels keep their case: "boot" is written as mkfs.vfat -n boot writes it (boot sector and root entry), with a warning', async () => {
  const tree = new FileTree();
  tree.add('/config.txt', { kind: 'data', mode: 0o644, data: Buffer.from('x\n') });
  const size = 30 * MiB;
  const events: Record<string, unknown>[] = [];
  const progress = { ...silentProgress, event: (type: string, data: Record<string, unknown>) => events.push({ type, ...data }) };
  const img = await makeImage('lower.img', size);
  const report = await vfatDriver.write({ type: 'vfat', label: 'boot', volumeId: 0x2178694e, fatType: 'auto' }, tree, { imagePath: img, offset: OFFSET, size }, { ...ctx(), progress });
  const ours = await extract(img, size, 'lower.part');
  assert.equal(report.label, 'boot');
  assert.ok(events.some((e) => e.type === 'warning' && /lowercase/.test(String(e.message))), 'a warning event');

  const theirs = path.join(tmp, 'mkfs-lower.part');
  await fsp.rm(theirs, { force: true });
  await execa('truncate', ['-s', String(size), theirs]);
  await execa('mkfs.vfat', ['-n', 'boot', '-i', '2178694e', theirs]);

  for (const p of [ours, theirs]) {
    await fsckClean(p);
    assert.equal((await blkid(p)).LABEL, 'boot', p);
  }
  const a = await fsp.readFile(ours);
  const b = await fsp.readFile(theirs);
  assert.equal(a.subarray(0x26, 0x36).toString('latin1'), b.subarray(0x26, 0x36).toString('latin1'), 'boot signature, serial and BS_VolLab "boot       "');
  assert.equal(a.subarray(0x2b, 0x36).toString('latin1'), 'boot       ');
  const ea = rootLabelEntry(a);
  const eb = rootLabelEntry(b);
  assert.ok(ea && eb, 'both have a root-directory volume label entry');
  assert.equal(ea.subarray(0, 12).toString('latin1'), eb.subarray(0, 12).toString('latin1'), 'label entry name and attribute');
  assert.equal(ea.subarray(0, 11).toString('latin1'), 'boot       ');
});
