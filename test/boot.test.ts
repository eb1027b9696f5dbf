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
import { test, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { buildImage } from '../src/build.ts';
import { InputError, UsageError } from '../src/errors.ts';
import { rpiConfigTxt } from '../src/content/rpi.ts';
import { bootTest, parseBootMachine, raspi3Kernel, type BootMachine, type BootTestResult } from '../src/boottest.ts';
import { FIRST_BOOT_SCRIPT, makeBootFixture, repoRoot, type BootFixture, type FixtureArch } from './helpers/boot-fixture.ts';
import { extractPartition } from './helpers/partition.ts';
import type { Manifest } from '../src/outputs/manifest.ts';

const SKIP = process.env.IMGSMITH_SKIP_BOOT_TESTS === '1' ? 'IMGSMITH_SKIP_BOOT_TESTS=1' : false;
const REPO = repoRoot();
/** A recipe in images/, or a spec file given by its absolute path. */
const recipe = (name: string) => (path.isAbsolute(name) ? name : path.join(REPO, 'images', name));

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
  manifest: Manifest;
}
const built = new Map<string, Promise<Built>>();

/** Builds (once) `recipeName` with a fresh fixture of `arch`. `rootByLabel: false` leaves
 *  root=LABEL= out of the fixture's kernel-params (the image's own command line names the root). */
function buildRecipe(recipeName: string, arch: FixtureArch, diskSize?: number, rootByLabel = true, firstBoot = false): Promise<Built> {
  const key = `${recipeName}/${arch}${firstBoot ? '/first-boot' : ''}`;
  let p = built.get(key);
  if (!p) {
    p = (async () => {
      const specPath = recipe(recipeName);
      const dir = path.join(await tmp(), path.basename(recipeName).replace(/\.json$/, '') + (firstBoot ? '-first-boot' : ''));
      const label = rootByLabel ? await rootLabelOf(specPath) : undefined;
      const fixture = await makeBootFixture({ arch, workDir: path.join(dir, 'fixture'), firstBoot, ...(label ? { rootLabel: label } : {}) });
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
      return { image: r.imagePath, fixture, manifest: r.manifest };
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

test('boot: rpi-direct-aarch64 on QEMU raspi3b (firmware direct boot: config.txt [pi3]/[all] kernel8.img + initramfs8 + bcm2837-rpi-3-b.dtb + cmdline.txt root=PARTUUID=)', { skip: SKIP, timeout: 900_000 }, async () => {
  // The fixture's kernel-params name no root: stage 1 finds it through cmdline.txt's root=PARTUUID=.
  const { image, fixture } = await buildRecipe('rpi-direct-aarch64.json', 'aarch64', undefined, false);
  assert.doesNotMatch(fixture.kernelParams, /root=/);
  const before = await sha256(image);
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
  assert.equal(await sha256(image), before, 'the image under test was modified');
});

test('boot: the direct-boot emulation refuses a card whose config.txt names a missing initramfs (before QEMU starts)', { skip: SKIP, timeout: 600_000 }, async () => {
  const { image, fixture } = await buildRecipe('rpi-direct-aarch64.json', 'aarch64', undefined, false);
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

// ---------------------------------------------------------------------------------------
// First boot (nix/first-boot.sh, the script the NixOS module runs): the image written to a
// disk 1 GiB larger grows its root partition and filesystem; a second boot changes nothing.

const MIB = 1024 ** 2;
interface SfdiskTable { label: string; lastlba?: number; partitions: { node: string; start: number; size: number; type: string; uuid?: string; name?: string; attrs?: string }[] }

async function sfdiskJson(image: string): Promise<SfdiskTable> {
  return (JSON.parse((await execa('sfdisk', ['-J', image])).stdout) as { partitiontable: SfdiskTable }).partitiontable;
}

/** The size of the filesystem in `file`, read by its own tools. */
async function fsBytes(file: string, fstype: 'ext4' | 'btrfs'): Promise<number> {
  if (fstype === 'ext4') {
    const h = (await execa('dumpe2fs', ['-h', file])).stdout;
    return Number(/^Block count:\s+(\d+)$/m.exec(h)![1]) * Number(/^Block size:\s+(\d+)$/m.exec(h)![1]);
  }
  return Number(/^total_bytes\s+(\d+)$/m.exec((await execa('btrfs', ['inspect-internal', 'dump-super', file])).stdout)![1]);
}

async function fsck(file: string, fstype: 'ext4' | 'btrfs'): Promise<void> {
  const r = fstype === 'ext4' ? await execa('e2fsck', ['-fn', file], { reject: false }) : await execa('btrfs', ['check', '--readonly', file], { reject: false });
  assert.equal(r.exitCode, 0, `fsck of the grown ${fstype} root:\n${r.stdout}\n${r.stderr}`);
}

async function bootAndGrow(disk: string, marker: string): Promise<string[]> {
  const lines: string[] = [];
  const r = await bootTest(disk, { machine: 'virt', timeoutSec: 360, marker, writeBack: true, log: (l) => lines.push(l) });
  assert.ok(r.ok, explain(r));
  const grown = [...new Set(lines.map((l) => /imgsmith-grown: (.*\S)/.exec(l)?.[1]).filter((x): x is string => x !== undefined))];
  assert.equal(grown.length, 1, `one imgsmith-grown line expected:\n${lines.filter((l) => /imgsmith-(grown|first-boot)/.test(l)).join('\n')}`);
  return [grown[0]!, ...lines.filter((l) => /imgsmith-first-boot:/.test(l))];
}

async function firstBootGrows(t: TestContext, recipeName: string, diskSize: number | undefined, fstype: 'ext4' | 'btrfs'): Promise<void> {
  const { image, fixture, manifest } = await buildRecipe(recipeName, 'aarch64', diskSize, true, true);
  assert.equal(await fsp.readFile(path.join(fixture.toplevel, FIRST_BOOT_SCRIPT), 'utf8'), await fsp.readFile(path.join(REPO, 'nix/first-boot.sh'), 'utf8'), 'the fixture runs the shipped script');
  const root = manifest.partitions.at(-1)!;
  assert.equal(root.filesystem.type, fstype, 'the root is the last partition');
  const disk = path.join(await tmp(), `${recipeName.replace(/\.json$/, '')}-grow.img`);
  await execa('cp', ['--sparse=always', image, disk]);
  await execa('truncate', ['-s', '+1G', disk]);
  const before = await sfdiskJson(disk);
  const rootFile = async () => extractPartition(disk, root.start, (await sfdiskJson(disk)).partitions.at(-1)!.size * 512, path.join(await tmp(), 'root.part'));
  const builtFs = await fsBytes(await rootFile(), fstype);

  const [first, ...log1] = await bootAndGrow(disk, fixture.marker);
  const m = /^(\d+) (\d+)$/.exec(first!);
  assert.ok(m, `first boot: imgsmith-grown: ${first}\n${log1.join('\n')}`);
  const [partBytes, fsBytesBooted] = [Number(m[1]), Number(m[2])];
  t.diagnostic(`built: partition ${root.size}, ${fstype} ${builtFs} bytes; first boot: imgsmith-grown: ${first}`);
  for (const l of log1) t.diagnostic(l);
  assert.ok(partBytes >= root.size + 1024 * MIB - 2 * MIB, `partition grew from ${root.size} to ${partBytes} bytes only`);
  assert.ok(fsBytesBooted > builtFs && fsBytesBooted > root.size, `filesystem grew from ${builtFs} to ${fsBytesBooted} bytes only`);

  // On the host: the table (sfdisk, sgdisk), the partition and the filesystem as they are now.
  const after = await sfdiskJson(disk);
  const totalLba = (await fsp.stat(disk)).size / 512;
  const gpt = after.label === 'gpt';
  if (gpt) assert.equal(after.lastlba, totalLba - 34, 'the backup GPT header is at the new end of the disk');
  const lastUsable = gpt ? totalLba - 34 : totalLba - 1;
  const [ra, rb] = [after.partitions.at(-1)!, before.partitions.at(-1)!];
  assert.equal(ra.size * 512, partBytes, 'the partition table has the size the booted system printed');
  assert.deepEqual({ ...ra, size: 0 }, { ...rb, size: 0 }, 'start, type, GUID, name and attributes kept');
  assert.deepEqual(after.partitions.slice(0, -1), before.partitions.slice(0, -1), 'the other partitions are untouched');
  assert.ok(ra.start + ra.size - 1 <= lastUsable && ra.start + ra.size - 1 > lastUsable - 2048, `the root ends at LBA ${ra.start + ra.size - 1}, the disk's last usable LBA is ${lastUsable}`);
  const v = gpt ? await execa('sgdisk', ['-v', disk], { reject: false }) : await execa('sfdisk', ['--verify', disk], { reject: false });
  assert.match(v.stdout, gpt ? /No problems found/ : /No errors detected/, v.stdout);
  const part = await rootFile();
  assert.equal(await fsBytes(part, fstype), fsBytesBooted, 'the filesystem has the size the booted system printed');
  assert.ok(fsBytesBooted <= partBytes);
  await fsck(part, fstype);

  // Second boot of the same disk: nothing to do.
  const [second, ...log2] = await bootAndGrow(disk, fixture.marker);
  assert.equal(second, 'unchanged', log2.join('\n'));
  t.diagnostic(`second boot: imgsmith-grown: ${second}`);
  assert.deepEqual(await sfdiskJson(disk), after);
  assert.equal(await fsBytes(await rootFile(), fstype), fsBytesBooted);
}

test('boot: first boot grows the ext4 root of arm-drive (GPT, root last) on a disk 1 GiB larger; a second boot leaves it unchanged', { skip: SKIP, timeout: 900_000 }, async (t) => {
  await firstBootGrows(t, 'arm-drive.json', 6 * 1024 ** 3, 'ext4');
});

test('boot: first boot grows the btrfs root of rpi4-usb-ssd (GPT, root last) on a disk 1 GiB larger; a second boot leaves it unchanged', { skip: SKIP, timeout: 900_000 }, async (t) => {
  await firstBootGrows(t, 'rpi4-usb-ssd.json', 3 * 1024 ** 3, 'btrfs');
});

test('boot: first boot grows the ext4 root of rpi-aarch64 (MBR, root last) on a disk 1 GiB larger; a second boot leaves it unchanged', { skip: SKIP, timeout: 900_000 }, async (t) => {
  await firstBootGrows(t, 'rpi-aarch64.json', undefined, 'ext4');
});

test('boot: first boot leaves a root that is not the last partition alone (arm-drive variant: boot, root, swap) on a disk 1 GiB larger', { skip: SKIP, timeout: 900_000 }, async (t) => {
  const spec = JSON.parse(await fsp.readFile(recipe('arm-drive.json'), 'utf8'));
  const [boot, swap, root] = spec.partitions;
  const variant = path.join(await tmp(), 'arm-drive-root-not-last.json');
  await fsp.writeFile(variant, JSON.stringify({ ...spec, name: 'arm-drive-root-not-last', partitions: [boot, { ...root, size: '1GiB' }, { ...swap, size: 'fill' }] }));
  const { image, fixture } = await buildRecipe(variant, 'aarch64', 6 * 1024 ** 3, true, true);
  const disk = path.join(await tmp(), 'root-not-last.img');
  await execa('cp', ['--sparse=always', image, disk]);
  await execa('truncate', ['-s', '+1G', disk]);
  const before = await sfdiskJson(disk);
  const [grown, ...log] = await bootAndGrow(disk, fixture.marker);
  for (const l of log) t.diagnostic(l);
  assert.equal(grown, 'unchanged');
  assert.ok(log.some((l) => /\/dev\/vda2 \(partition 2 of \/dev\/vda\) is not the last partition/.test(l)), log.join('\n'));
  assert.deepEqual(await sfdiskJson(disk), before, 'the partition table was changed');
});
