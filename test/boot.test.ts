/**
 * Boot tests: the shipped recipes built with buildImage() from a bootable NixOS-shaped
 * closure made of real Debian bookworm parts (test/helpers/boot-fixture.ts), booted under
 * QEMU (TCG) by src/boottest.ts. A test passes only when the booted system prints
 * `IMGSMITH-BOOT-OK <marker>` (after reading the root filesystem and the other
 * partitions) on a serial console. Failures show the last serial lines.
 *
 * Needs network access the first time (Debian packages, cached in $IMGSMITH_CACHE or
 * <repo>/.cache); without it the tests fail. IMGSMITH_SKIP_BOOT_TESTS=1 skips the boots.
 * The tests in this file run one after another; the first-boot boots are in
 * test/boot-grow.test.ts (the runner boots both files in parallel), the shared build and
 * boot helpers in test/helpers/boot-build.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { InputError, UsageError } from '../src/errors.ts';
import { rpiConfigTxt } from '../src/content/rpi.ts';
import { bootTest, parseBootMachine, raspi3Kernel } from '../src/boottest.ts';
import { SKIP, boot, buildRecipe, explain, fileStamp, tmp } from './helpers/boot-build.ts';

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
  const before = await fileStamp(image);
  const r = await boot(image, 'raspi3b', 480);
  assert.ok(r.ok, explain(r));
  assert.equal(r.marker, fixture.marker, 'the marker read from the image is the fixture\'s');
  assert.equal(await fileStamp(image), before, 'the image under test was modified');
});

test('boot: rpi-direct-aarch64 on QEMU raspi3b (firmware direct boot: config.txt [pi3]/[all] kernel8.img + initramfs8 + bcm2837-rpi-3-b.dtb + cmdline.txt root=PARTUUID=)', { skip: SKIP, timeout: 900_000 }, async () => {
  // The fixture's kernel-params name no root: stage 1 finds it through cmdline.txt's root=PARTUUID=.
  const { image, fixture } = await buildRecipe('rpi-direct-aarch64.json', 'aarch64', { rootByLabel: false });
  assert.doesNotMatch(fixture.kernelParams, /root=/);
  const before = await fileStamp(image);
  const lines: string[] = [];
  const r = await bootTest(image, { machine: 'raspi3b', timeoutSec: 420, log: (l) => lines.push(l) });
  assert.ok(r.ok, explain(r));
  assert.equal(r.marker, fixture.marker);
  assert.ok(r.command.includes('-dtb') && r.command.includes('-initrd') && r.command.includes('-append'), r.command.join(' '));
  const append = r.command[r.command.indexOf('-append') + 1]!;
  assert.match(append, /^init=\/nix\/store\/\S+-nixos-system-bootfixture\/init root=PARTUUID=5049444e-02 rootfstype=ext4 rootwait /);
  assert.ok(lines.some((l) => /raspi3b: direct boot \(no U-Boot\): kernel kernel8\.img, initramfs initramfs8, device tree bcm2837-rpi-3-b\.dtb/.test(l)), lines.slice(0, 5).join('\n'));
  assert.ok(lines.some((l) => /stage 1: root is \/dev\/mmcblk0p2/.test(l)), 'stage 1 found the root by PARTUUID');
  assert.ok(!lines.some((l) => /U-Boot \d{4}\./.test(l)), 'no U-Boot ran');
  assert.equal(await fileStamp(image), before, 'the image under test was modified');
});

test('boot: the direct-boot emulation refuses a card whose config.txt names a missing initramfs (before QEMU starts)', { skip: SKIP, timeout: 600_000 }, async () => {
  const { image, fixture } = await buildRecipe('rpi-direct-aarch64.json', 'aarch64', { rootByLabel: false });
  const copy = path.join(await tmp(), 'direct-no-initramfs.img');
  await execa('cp', ['--sparse=always', image, copy]);
  const start = JSON.parse((await execa('sfdisk', ['-J', copy])).stdout).partitiontable.partitions[0].start * 512;
  await execa('mdel', ['-i', `${copy}@@${start}`, '::initramfs8'], { env: { MTOOLS_SKIP_CHECK: '1' } });
  await assert.rejects(
    bootTest(copy, { machine: 'raspi3b', timeoutSec: 60, marker: fixture.marker }),
    (e: unknown) => e instanceof InputError && /config\.txt's \[pi3\]\/\[all\] settings name files that are not on the partition: initramfs8 \(initramfs\)/.test((e as Error).message),
  );
  await fsp.rm(copy);
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
  // 1 s: QEMU is running by then, and the guest is still in U-Boot or the kernel (the marker comes ~3 s
  // after the start here, ~2 s on a host twice as fast). A 3 s timeout raced the boot itself.
  const r = await boot(image, 'virt', 1, fixture.marker);
  assert.equal(r.ok, false, 'a 1 s boot passed?');
  assert.match(r.reason, /timed out after 1 s/, explain(r));
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
  // 1 GiB /boot + 4 GiB swap + a 1 GiB root instead of the recipe's 16 GiB disk; the .img.zst, as users flash it.
  const { image, fixture } = await buildRecipe('arm-drive.json', 'aarch64', { diskSize: 6 * 1024 ** 3, ownOutputs: true });
  assert.match(image, /\.img\.zst$/);
  const r = await boot(image, 'virt', 300);
  assert.ok(r.ok, explain(r));
  assert.equal(r.marker, fixture.marker);
});

test('boot: rpi4-usb-ssd (GPT, FAT32 ESP with extlinux, swap, btrfs root) on QEMU virt', { skip: SKIP, timeout: 600_000 }, async () => {
  const { image, fixture } = await buildRecipe('rpi4-usb-ssd.json', 'aarch64', { diskSize: 3 * 1024 ** 3, ownOutputs: true });
  assert.match(image, /\.img\.zst$/);
  // The marker is only in the btrfs root, which boot-test does not read: pass it.
  const r = await boot(image, 'virt', 300, fixture.marker);
  assert.ok(r.ok, explain(r));
  assert.equal(r.marker, fixture.marker);
});

test('boot: uefi-x86_64 on QEMU q35 with OVMF (EFI/BOOT/BOOTX64.EFI = systemd-boot -> kernel + initrd)', { skip: SKIP, timeout: 600_000 }, async () => {
  const { image, fixture } = await buildRecipe('uefi-x86_64.json', 'x86_64');
  const before = await fileStamp(image);
  const r = await boot(image, 'x86_64-efi', 300);
  assert.ok(r.ok, explain(r));
  assert.equal(r.marker, fixture.marker);
  assert.equal(await fileStamp(image), before, 'the image under test was modified');
});
