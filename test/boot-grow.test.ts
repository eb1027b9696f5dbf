/**
 * First boot under QEMU (nix/first-boot.sh, the script the NixOS module runs, in the boot
 * fixture's toplevel): the image written to a disk GROW bytes larger grows its root partition
 * and filesystem; a second boot changes nothing; a root that is not the last partition is left
 * alone. Split from test/boot.test.ts so that the runner boots both files in parallel; the
 * shared build and boot helpers are in test/helpers/boot-build.ts.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { bootTest } from '../src/boottest.ts';
import { FIRST_BOOT_SCRIPT } from './helpers/boot-fixture.ts';
import { extractPartition } from './helpers/partition.ts';
import { REPO, SKIP, buildRecipe, explain, rawDisk, recipe, tmp, type BuildOptions } from './helpers/boot-build.ts';

const MIB = 1024 ** 2;
/** How much larger the disk is than the image: 1 GiB, as issue 21's proof asks (`truncate` after the build). */
const GROW = 1024 * MIB;
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

async function firstBootGrows(t: TestContext, recipeName: string, build: BuildOptions, fstype: 'ext4' | 'btrfs'): Promise<void> {
  const { image, fixture, manifest } = await buildRecipe(recipeName, 'aarch64', { ...build, firstBoot: true });
  assert.equal(await fsp.readFile(path.join(fixture.toplevel, FIRST_BOOT_SCRIPT), 'utf8'), await fsp.readFile(path.join(REPO, 'nix/first-boot.sh'), 'utf8'), 'the fixture runs the shipped script');
  const root = manifest.partitions.at(-1)!;
  assert.equal(root.filesystem.type, fstype, 'the root is the last partition');
  const disk = path.join(await tmp(), `${recipeName.replace(/\.json$/, '')}-grow.img`);
  await rawDisk(image, disk);
  await execa('truncate', ['-s', `+${GROW}`, disk]);
  const before = await sfdiskJson(disk);
  const rootFile = async () => extractPartition(disk, root.start, (await sfdiskJson(disk)).partitions.at(-1)!.size * 512, path.join(await tmp(), 'root.part'));
  const builtFs = await fsBytes(await rootFile(), fstype);

  const [first, ...log1] = await bootAndGrow(disk, fixture.marker);
  const m = /^(\d+) (\d+)$/.exec(first!);
  assert.ok(m, `first boot: imgsmith-grown: ${first}\n${log1.join('\n')}`);
  const [partBytes, fsBytesBooted] = [Number(m[1]), Number(m[2])];
  t.diagnostic(`built: partition ${root.size}, ${fstype} ${builtFs} bytes; first boot: imgsmith-grown: ${first}`);
  for (const l of log1) t.diagnostic(l);
  assert.ok(partBytes >= root.size + GROW - 2 * MIB, `partition grew from ${root.size} to ${partBytes} bytes only`);
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
  await firstBootGrows(t, 'arm-drive.json', { diskSize: 6 * 1024 ** 3, ownOutputs: true }, 'ext4');
});

test('boot: first boot grows the btrfs root of rpi4-usb-ssd (GPT, root last) on a disk 1 GiB larger; a second boot leaves it unchanged', { skip: SKIP, timeout: 900_000 }, async (t) => {
  await firstBootGrows(t, 'rpi4-usb-ssd.json', { diskSize: 3 * 1024 ** 3, ownOutputs: true }, 'btrfs');
});

test('boot: first boot grows the ext4 root of rpi-aarch64 (MBR, root last) on a disk 1 GiB larger; a second boot leaves it unchanged', { skip: SKIP, timeout: 900_000 }, async (t) => {
  await firstBootGrows(t, 'rpi-aarch64.json', {}, 'ext4');
});

test('boot: first boot leaves a root that is not the last partition alone (arm-drive variant: boot, root, swap) on a disk 1 GiB larger', { skip: SKIP, timeout: 900_000 }, async (t) => {
  const spec = JSON.parse(await fsp.readFile(recipe('arm-drive.json'), 'utf8'));
  const [boot, swap, root] = spec.partitions;
  const variant = path.join(await tmp(), 'arm-drive-root-not-last.json');
  await fsp.writeFile(variant, JSON.stringify({ ...spec, name: 'arm-drive-root-not-last', partitions: [boot, { ...root, size: '1GiB' }, { ...swap, size: 'fill' }] }));
  const { image, fixture } = await buildRecipe(variant, 'aarch64', { diskSize: 6 * 1024 ** 3, firstBoot: true, ownOutputs: true });
  const disk = path.join(await tmp(), 'root-not-last.img');
  await rawDisk(image, disk);
  await execa('truncate', ['-s', `+${GROW}`, disk]);
  const before = await sfdiskJson(disk);
  const [grown, ...log] = await bootAndGrow(disk, fixture.marker);
  for (const l of log) t.diagnostic(l);
  assert.equal(grown, 'unchanged');
  assert.ok(log.some((l) => /\/dev\/vda2 \(partition 2 of \/dev\/vda\) is not the last partition/.test(l)), log.join('\n'));
  assert.deepEqual(await sfdiskJson(disk), before, 'the partition table was changed');
});
