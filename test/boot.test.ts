/**
 * Boot tests: the shipped recipes built with buildImage() from a bootable NixOS-shaped
 * closure made of real Debian bookworm parts (test/helpers/boot-fixture.ts), booted under
 * QEMU (TCG) by src/boottest.ts. A test passes only when the booted system prints
 * `IMGSMITH-BOOT-OK <marker>` (after reading the root filesystem and the other
 * partitions) on a serial console. Failures show the last serial lines.
 *
 * Needs network access the first time (Debian packages, cached in $IMGSMITH_CACHE or
 * <repo>/.cache); without it the tests fail. IMGSMITH_SKIP_BOOT_TESTS=1 skips the boots.
 * The tests in this file run one after another (about 2-3 minutes on 2 cores).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { buildImage } from '../src/build.ts';
import { UsageError } from '../src/errors.ts';
import { rpiConfigTxt } from '../src/content/rpi.ts';
import { bootTest, parseBootMachine, raspi3Kernel, type BootMachine, type BootTestResult } from '../src/boottest.ts';
import { makeBootFixture, repoRoot, type BootFixture, type FixtureArch } from './helpers/boot-fixture.ts';

const SKIP = process.env.IMGSMITH_SKIP_BOOT_TESTS === '1' ? 'IMGSMITH_SKIP_BOOT_TESTS=1' : false;
const REPO = repoRoot();
const recipe = (name: string) => path.join(REPO, 'images', name);

let tmpDir: string | undefined;
async function tmp(): Promise<string> {
  tmpDir ??= await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-boottest-'));
  return tmpDir;
}
after(async () => {
  if (tmpDir) await fsp.rm(tmpDir, { recursive: true, force: true });
});

/** The filesystem label of the partition that receives the closure (for root=LABEL=). */
async function rootLabelOf(specPath: string): Promise<string | undefined> {
  const spec = JSON.parse(await fsp.readFile(specPath, 'utf8')) as {
    partitions?: { filesystem?: { label?: string }; contents?: { generate?: string }[] }[];
  };
  const root = spec.partitions?.find((p) => p.contents?.some((c) => c.generate === 'closure'));
  return root?.filesystem?.label;
}

interface Built {
  image: string;
  fixture: BootFixture;
}
const built = new Map<string, Promise<Built>>();

/** Builds (once) `recipeName` with a fresh fixture of `arch`. */
function buildRecipe(recipeName: string, arch: FixtureArch, diskSize?: number): Promise<Built> {
  const key = `${recipeName}/${arch}`;
  let p = built.get(key);
  if (!p) {
    p = (async () => {
      const specPath = recipe(recipeName);
      const dir = path.join(await tmp(), recipeName.replace(/\.json$/, ''));
      const label = await rootLabelOf(specPath);
      const fixture = await makeBootFixture({ arch, workDir: path.join(dir, 'fixture'), ...(label ? { rootLabel: label } : {}) });
      const r = await buildImage({
        specPath,
        closure: fixture.closureInfoDir,
        storeRoot: fixture.storeRoot,
        toplevel: fixture.toplevel,
        firmware: fixture.firmwareDir,
        outDir: path.join(dir, 'out'),
        compress: false,
        ...(diskSize ? { diskSize } : {}),
      });
      assert.ok(r.imagePath, `buildImage gave no raw image for ${recipeName}`);
      return { image: r.imagePath, fixture };
    })();
    built.set(key, p);
  }
  return p;
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function explain(r: BootTestResult): string {
  return `boot test on ${r.machine} failed after ${r.seconds} s: ${r.reason}\nlast ${r.serialTail.length} serial lines:\n${r.serialTail.join('\n')}`;
}

async function boot(image: string, machine: BootMachine, timeoutSec: number, marker?: string): Promise<BootTestResult> {
  return bootTest(image, { machine, timeoutSec, ...(marker ? { marker } : {}) });
}

// ---------------------------------------------------------------------------------------
// Fast checks of the runner (no QEMU)

test('boot-test: unknown machines are usage errors (exit 2)', () => {
  for (const bad of ['raspi4b', 'x86_64', '', undefined]) {
    assert.throws(
      () => parseBootMachine(bad),
      (e: unknown) => e instanceof UsageError && /unknown machine/.test(e.message),
    );
  }
  assert.equal(parseBootMachine('raspi3b'), 'raspi3b');
});

test('boot-test: a Pi 3 boots the kernel= of [pi3] or [all] sections', () => {
  assert.equal(raspi3Kernel(rpiConfigTxt()), 'u-boot-rpi3.bin');
  assert.equal(raspi3Kernel('[pi4]\nkernel=u-boot-rpi4.bin\n[all]\narm_64bit=1\n'), 'kernel8.img');
  assert.equal(raspi3Kernel('kernel=a.bin\n[pi3]\nkernel=b.bin\n[pi4]\nkernel=c.bin\n'), 'b.bin');
  assert.equal(raspi3Kernel('[pi02]\nkernel=x.bin\n'), 'kernel7.img');
});

// ---------------------------------------------------------------------------------------
// Boots

test('boot: rpi-aarch64 on QEMU raspi3b (config.txt [pi3] kernel= -> U-Boot -> extlinux -> kernel + initrd)', { skip: SKIP, timeout: 900_000 }, async () => {
  const { image, fixture } = await buildRecipe('rpi-aarch64.json', 'aarch64');
  const before = await sha256(image);
  const r = await boot(image, 'raspi3b', 480);
  assert.ok(r.ok, explain(r));
  assert.equal(r.marker, fixture.marker, 'the marker read from the image is the fixture\'s');
  assert.equal(await sha256(image), before, 'the image under test was modified');
});

test('boot: rpi-aarch64 on QEMU virt (U-Boot qemu_arm64, MBR)', { skip: SKIP, timeout: 600_000 }, async () => {
  const { image, fixture } = await buildRecipe('rpi-aarch64.json', 'aarch64');
  const r = await boot(image, 'virt', 300);
  assert.ok(r.ok, explain(r));
  assert.equal(r.marker, fixture.marker);
});

test('boot: a wrong --marker fails the boot test (the check is not vacuous)', { skip: SKIP, timeout: 600_000 }, async () => {
  const { image, fixture } = await buildRecipe('rpi-aarch64.json', 'aarch64');
  const wrong = `not-${fixture.marker}`;
  const r = await boot(image, 'virt', 300, wrong);
  assert.equal(r.ok, false, 'a boot test expecting another marker passed');
  assert.match(r.reason, new RegExp(`printed marker ${fixture.marker}, expected ${wrong}`), explain(r));
});

test('boot: QEMU is killed at the timeout and the boot test fails', { skip: SKIP, timeout: 300_000 }, async () => {
  const { image, fixture } = await buildRecipe('rpi-aarch64.json', 'aarch64');
  const r = await boot(image, 'virt', 3, fixture.marker);
  assert.equal(r.ok, false, 'a 3 s boot passed?');
  assert.match(r.reason, /timed out after 3 s/, explain(r));
  const drive = r.command.find((a) => a.includes('overlay.qcow2'));
  assert.ok(drive, r.command.join(' '));
  const overlay = /file=([^,]+)/.exec(drive)![1]!;
  const p = await execa('pgrep', ['-f', overlay], { reject: false });
  assert.equal(p.stdout.trim(), '', `QEMU (${overlay}) still runs`);
});

test('boot: without a bootable partition U-Boot finds no extlinux.conf, and the test fails at its prompt', { skip: SKIP, timeout: 300_000 }, async () => {
  const { image, fixture } = await buildRecipe('rpi-aarch64.json', 'aarch64');
  const copy = path.join(await tmp(), 'flags-cleared.img');
  await execa('cp', ['--sparse=always', image, copy]);
  await execa('sfdisk', ['-q', '--activate', copy, '-']);
  const dump = (await execa('sfdisk', ['-d', copy])).stdout;
  assert.doesNotMatch(dump, /, bootable/);
  const r = await boot(copy, 'virt', 240, fixture.marker);
  assert.equal(r.ok, false, 'booted without a bootable partition?');
  assert.match(r.reason, /U-Boot gave up/, explain(r));
  await fsp.rm(copy);
});

test('boot: arm-drive (GPT, ext4 /boot with extlinux, swap, ext4 root) on QEMU virt', { skip: SKIP, timeout: 600_000 }, async () => {
  // 1 GiB /boot + 4 GiB swap + a 1 GiB root instead of the recipe's 16 GiB disk.
  const { image, fixture } = await buildRecipe('arm-drive.json', 'aarch64', 6 * 1024 ** 3);
  const r = await boot(image, 'virt', 300);
  assert.ok(r.ok, explain(r));
  assert.equal(r.marker, fixture.marker);
});

test('boot: rpi4-usb-ssd (GPT, FAT32 ESP with extlinux, swap, btrfs root) on QEMU virt', { skip: SKIP, timeout: 600_000 }, async () => {
  const { image, fixture } = await buildRecipe('rpi4-usb-ssd.json', 'aarch64', 3 * 1024 ** 3);
  // The marker is only in the btrfs root, which boot-test does not read: pass it.
  const r = await boot(image, 'virt', 300, fixture.marker);
  assert.ok(r.ok, explain(r));
  assert.equal(r.marker, fixture.marker);
});

test('boot: uefi-x86_64 on QEMU q35 with OVMF (EFI/BOOT/BOOTX64.EFI = systemd-boot -> kernel + initrd)', { skip: SKIP, timeout: 600_000 }, async () => {
  const { image, fixture } = await buildRecipe('uefi-x86_64.json', 'x86_64');
  const before = await sha256(image);
  const r = await boot(image, 'x86_64-efi', 300);
  assert.ok(r.ok, explain(r));
  assert.equal(r.marker, fixture.marker);
  assert.equal(await sha256(image), before, 'the image under test was modified');
});
