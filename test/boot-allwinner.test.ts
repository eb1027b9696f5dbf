/**
 * Allwinner H3: `imgsmith boot-test --machine orangepi-pc` and the recipes images/allwinner-h3.json
 * (MBR) and images/allwinner-h3-gpt.json (GPT with its entry array moved past the loader), built
 * with the armhf boot fixture (test/helpers/boot-fixture.ts: Debian armmp kernel, sun8i-h3 dtbs,
 * busybox initrd, u-boot-sunxi's orangepi_plus u-boot-sunxi-with-spl.bin as the firmware) and
 * booted under QEMU's orangepi-pc: its boot ROM emulation runs the SPL at 8 KiB, U-Boot's distro
 * boot finds extlinux.conf, the kernel and initrd print the marker.
 *
 * The preflight checks read the real SPL from Debian (its eGON.BT0 header and checksum were written
 * by U-Boot's mkimage, not by us). Needs network access the first time (cached);
 * IMGSMITH_SKIP_BOOT_TESTS=1 skips everything that needs the fixture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { bootTest, parseBootMachine } from '../src/boottest.ts';
import { MACHINES } from '../src/boot/machines.ts';
import { checkEgon, decodeEgonHeader } from '../src/codec/egon.ts';
import { makeBootFixture, SUNXI_SPL_FILE, type BootFixture } from './helpers/boot-fixture.ts';
import { SKIP, boot, buildRecipe, explain, fileStamp, sha256, tmp } from './helpers/boot-build.ts';
import { extractPartition } from './helpers/partition.ts';
import { runCli } from './helpers/cli.ts';
import { KiB, MiB } from '../src/units.ts';


let fixtureP: Promise<BootFixture> | undefined;
/** One armhf fixture for the preflight checks (the boots build their own with buildRecipe). */
const fixture = () => (fixtureP ??= (async () => makeBootFixture({ arch: 'armhf', workDir: path.join(await tmp(), 'preflight-fixture') }))());
const splFile = async () => fsp.readFile(path.join((await fixture()).firmwareDir, SUNXI_SPL_FILE));

/** A blank `size`-byte card with `spl` (if any) at 8 KiB. */
async function card(name: string, size: number, spl?: Buffer): Promise<string> {
  const file = path.join(await tmp(), name);
  const fh = await fsp.open(file, 'w');
  try {
    await fh.truncate(size);
    if (spl) await fh.write(spl, 0, spl.length, 8 * KiB);
  } finally {
    await fh.close();
  }
  return file;
}

test('orangepi-pc is a boot-test machine; its SD card overlay is sized to a power of two', () => {
  assert.equal(parseBootMachine('orangepi-pc'), 'orangepi-pc');
  const m = MACHINES['orangepi-pc'];
  assert.equal(m.overlaySize(20 * MiB), 32 * MiB);
  assert.equal(m.overlaySize(64 * MiB), 64 * MiB);
  assert.equal(m.overlaySize(64 * MiB + 512), 128 * MiB);
});

test('eGON.BT0: the header of Debian u-boot-sunxi\'s SPL decodes and its checksum (written by mkimage) is what the boot ROM computes', { skip: SKIP, timeout: 300_000 }, async () => {
  const spl = await splFile();
  const h = decodeEgonHeader(spl);
  assert.ok(typeof h !== 'string', String(h));
  assert.ok(h.length >= 8 * KiB && h.length <= 32 * KiB && h.length % 512 === 0, `SPL length ${h.length}`);
  assert.equal(h.computed, h.checksum);
  assert.deepEqual(checkEgon(spl), h);
  // One flipped bit inside the loaded bytes: the ROM would refuse it; after them: it would not notice.
  const inside = Buffer.from(spl);
  inside[h.length - 1]! ^= 0x01;
  assert.match(String(checkEgon(inside)), new RegExp(`^its eGON\\.BT0 checksum is 0x${h.checksum.toString(16).padStart(8, '0')} but its ${h.length} bytes sum to 0x[0-9a-f]{8}$`));
  const after = Buffer.from(spl);
  after[h.length]! ^= 0x01;
  assert.equal(typeof checkEgon(after), 'object');
  assert.equal(checkEgon(Buffer.alloc(32 * KiB)), 'no eGON.BT0 header');
  const long = Buffer.from(spl);
  long.writeUInt32LE(64 * KiB, 0x10);
  assert.match(String(checkEgon(long)), /header gives a length of 65536 bytes \(expected a multiple of 4 up to 32768\)/);
});

test('boot-test --machine orangepi-pc refuses a card the H3 boot ROM would not start, before QEMU (exit 1, one line)', { skip: SKIP, timeout: 300_000 }, async () => {
  const spl = await splFile();
  const h = decodeEgonHeader(spl) as { length: number };
  const bad = Buffer.from(spl);
  bad[100]! ^= 0xff;
  const cases: [string, Buffer | undefined, RegExp][] = [
    ['blank.img', undefined, /\(no eGON\.BT0 header\)/],
    ['bad-checksum.img', bad, new RegExp(`\\(its eGON\\.BT0 checksum is 0x[0-9a-f]{8} but its ${h.length} bytes sum to 0x[0-9a-f]{8}\\)`)],
    // The SPL one sector late (at 8.5 KiB): nothing at 8 KiB.
    ['late.img', Buffer.concat([Buffer.alloc(512), spl]), /\(no eGON\.BT0 header\)/],
  ];
  for (const [name, data, why] of cases) {
    const img = await card(name, 5 * MiB, data);
    const r = await runCli(['boot-test', img, '--machine', 'orangepi-pc', '--marker', 'm1', '--timeout', '60']);
    assert.equal(r.exitCode, 1, `${name}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, new RegExp(`^imgsmith: error: ${img.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: no bootable Allwinner SPL at 8 KiB `));
    assert.match(lines[0]!, why);
    assert.match(lines[0]!, /the H3 boot ROM would run nothing; write u-boot-sunxi-with-spl\.bin there/);
  }
});

// ---------------------------------------------------------------------------------------
// The recipes, built with the armhf fixture, checked with independent tools, then booted

/** The one partition of the image as sfdisk reads it (bytes). */
async function rootPartition(image: string): Promise<{ label: string; start: number; size: number; bootable: boolean; attrs?: string }> {
  const pt = JSON.parse((await execa('sfdisk', ['-J', image])).stdout).partitiontable;
  assert.equal(pt.partitions.length, 1, JSON.stringify(pt));
  const p = pt.partitions[0];
  return { label: pt.label, start: p.start * 512, size: p.size * 512, bootable: p.bootable === true, attrs: p.attrs };
}

/** The SPL bytes at 8 KiB equal the firmware file (cmp), the manifest records them, the root is fsck-clean. */
async function checkLayout(image: string, fixture: BootFixture, manifest: { regions?: { name: string; offset: number; size: number; sha256: string }[] }, root: { start: number; size: number }): Promise<void> {
  const spl = path.join(fixture.firmwareDir, SUNXI_SPL_FILE);
  const size = (await fsp.stat(spl)).size;
  const cmp = await execa('cmp', ['-n', String(size), '-i', `${8 * KiB}:0`, image, spl], { reject: false });
  assert.equal(cmp.exitCode, 0, `the bytes at 8 KiB are not ${SUNXI_SPL_FILE}: ${cmp.stdout}${cmp.stderr}`);
  assert.ok(8 * KiB + size <= root.start, 'the SPL ends before the root partition');
  assert.deepEqual(
    manifest.regions?.map((r) => ({ name: r.name, offset: r.offset, size: r.size, sha256: r.sha256 })),
    [{ name: 'spl', offset: 8 * KiB, size, sha256: await sha256(spl) }],
  );
  const part = await extractPartition(image, root.start, root.size, `${image}.root`);
  const fsck = await execa('fsck.ext4', ['-fn', part], { reject: false });
  assert.equal(fsck.exitCode, 0, fsck.stdout + fsck.stderr);
  await fsp.rm(part);
}

test('boot: allwinner-h3 (MBR, SPL region at 8 KiB) on QEMU orangepi-pc (boot ROM -> U-Boot SPL -> U-Boot -> extlinux -> zImage + initrd)', { skip: SKIP, timeout: 900_000 }, async () => {
  const { image, fixture, manifest } = await buildRecipe('allwinner-h3.json', 'armhf');
  const root = await rootPartition(image);
  assert.deepEqual([root.label, root.start, root.bootable], ['dos', 1 * MiB, true]);
  await checkLayout(image, fixture, manifest as never, root);
  const before = await fileStamp(image);
  const lines: string[] = [];
  const r = await bootTest(image, { machine: 'orangepi-pc', timeoutSec: 300, log: (l) => lines.push(l) });
  assert.ok(r.ok, explain(r));
  assert.equal(r.marker, fixture.marker);
  assert.ok(lines.some((l) => /^U-Boot SPL 20\d\d\./.test(l)), 'the SPL ran');
  assert.ok(lines.some((l) => /Retrieving file: \/boot\/extlinux\/extlinux\.conf/.test(l)), 'U-Boot read extlinux.conf');
  assert.ok(lines.some((l) => /stage 1: root is \/dev\/mmcblk\d+p1/.test(l)), 'the root is the SD card');
  assert.equal(await fileStamp(image), before, 'the image under test was modified');
});

test('boot: allwinner-h3-gpt (GPT entry array at 1 MiB, past the SPL) on QEMU orangepi-pc; sgdisk -v clean', { skip: SKIP, timeout: 900_000 }, async () => {
  const { image, fixture, manifest } = await buildRecipe('allwinner-h3-gpt.json', 'armhf');
  const root = await rootPartition(image);
  assert.deepEqual([root.label, root.start], ['gpt', 2 * MiB]);
  assert.match(root.attrs ?? '', /LegacyBIOSBootable/, 'U-Boot\'s distro boot scans the bootable partition');
  const v = await execa('sgdisk', ['-v', image], { reject: false });
  assert.equal(v.exitCode, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /No problems found/);
  // The primary header (LBA 1): PartitionEntryLBA (offset 72), entries (80), FirstUsableLBA (40), read with od.
  const u64 = async (off: number) => BigInt((await execa('od', ['-An', '-t', 'u8', '-j', String(512 + off), '-N', '8', image])).stdout.trim());
  assert.equal(await u64(72), 2048n, 'the entry array starts at 1 MiB');
  assert.equal((await u64(80)) & 0xffffffffn, 128n);
  assert.equal(await u64(40), 2048n + 32n, 'the first usable LBA follows the entry array (as sgdisk -j 2048)');
  await checkLayout(image, fixture, manifest as never, root);
  const r = await boot(image, 'orangepi-pc', 300);
  assert.ok(r.ok, explain(r));
  assert.equal(r.marker, fixture.marker);
});
