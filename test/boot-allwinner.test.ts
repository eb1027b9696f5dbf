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
import { parseBootMachine } from '../src/boottest.ts';
import { MACHINES } from '../src/boot/machines.ts';
import { checkEgon, decodeEgonHeader } from '../src/codec/egon.ts';
import { makeBootFixture, SUNXI_SPL_FILE, type BootFixture } from './helpers/boot-fixture.ts';
import { SKIP, tmp } from './helpers/boot-build.ts';
import { runCli } from './helpers/cli.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

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
