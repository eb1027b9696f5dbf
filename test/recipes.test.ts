/**
 * The GPT recipes built from a small generated closure (the shared builds of
 * helpers/recipe-cache.ts) and checked with independent tools: sgdisk -v, sfdisk -d,
 * blkid -p, btrfs check, e2fsck.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { REPO } from './helpers/cli.ts';
import { blkid, extractPartition } from './helpers/partition.ts';
import { cachedRecipe, recipeFixture, type RecipeFixture } from './helpers/recipe-cache.ts';
import { buildImage } from '../src/build.ts';
import { GiB, MiB } from '../src/units.ts';

let tmp: string;
let fx: RecipeFixture['fx'];
let firmware: string;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-recipes-'));
  ({ fx, firmware } = await recipeFixture());
});

after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

interface SfdiskPart {
  node: string;
  start: number;
  size: number;
  type: string;
  name?: string;
  uuid: string;
  attrs?: string;
}

/** The recipe at `diskSize` (shared build: ./helpers/recipe-cache.ts), its table checked by sgdisk and sfdisk. */
async function build(recipe: string, diskSize: number) {
  const r = await cachedRecipe(recipe, { diskSize });
  const img = r.img;
  const verify = await execa('sgdisk', ['-v', img]);
  assert.match(verify.stdout, /No problems found/);
  const table = JSON.parse((await execa('sfdisk', ['-J', img])).stdout).partitiontable as { label: string; partitions: SfdiskPart[] };
  assert.equal(table.label, 'gpt');
  assert.equal((await fsp.stat(img)).size, diskSize);
  return { img, parts: table.partitions, manifest: r.manifest };
}

async function part(img: string, p: SfdiskPart, name: string): Promise<string> {
  return extractPartition(img, p.start * 512, p.size * 512, path.join(tmp, name));
}

test('rpi4-usb-ssd: ESP FAT32 "boot" (as the NixOS guide\'s mkfs.fat -n boot), swap, btrfs root filling the disk', async () => {
  const { img, parts } = await build('rpi4-usb-ssd.json', 2 * GiB);
  assert.deepEqual(parts.map((p) => p.name), ['boot', 'swap', 'root']);
  assert.equal(parts[0]!.type, 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B');
  assert.equal(parts[0]!.size * 512, 500 * MiB);
  assert.match(parts[0]!.attrs ?? '', /LegacyBIOSBootable/);
  assert.equal(parts[1]!.type, '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F');
  assert.equal(parts[1]!.size * 512, GiB);
  assert.equal(parts[2]!.type, 'B921B045-1DF0-41C3-AF44-4C6F280D3FAE');
  const rootEnd = (parts[2]!.start + parts[2]!.size) * 512;
  assert.ok(2 * GiB - 33 * 512 - rootEnd < 4096, 'root fills the disk');

  const esp = await part(img, parts[0]!, 'rpi4-esp');
  await execa('fsck.fat', ['-n', esp]);
  const espId = await blkid(esp);
  assert.equal(espId.LABEL, 'boot');
  assert.equal(espId.VERSION, 'FAT32');
  const conf = (await execa('mtype', ['-i', esp, '::/extlinux/extlinux.conf'])).stdout;
  assert.match(conf, /LINUX \.\.\/nixos\/\S+/);
  await execa('mdir', ['-i', esp, '::/start4.elf']);

  const swap = await blkid(await part(img, parts[1]!, 'rpi4-swap'));
  assert.equal(swap.TYPE, 'swap');
  assert.equal(swap.LABEL, 'swap');
  assert.equal(swap.UUID, '5a5a5a5a-0000-4000-8000-000000000001');

  const root = await part(img, parts[2]!, 'rpi4-root');
  await execa('btrfs', ['check', '--readonly', root]);
  const rootId = await blkid(root);
  assert.equal(rootId.TYPE, 'btrfs');
  assert.equal(rootId.LABEL, 'root');
  assert.equal(rootId.UUID, '5a5a5a5a-0000-4000-8000-000000000002');
});

test('arm-drive: ext4 /boot with extlinux, swap, ext4 root filling the disk', async () => {
  const { img, parts } = await build('arm-drive.json', 6 * GiB);
  assert.deepEqual(parts.map((p) => p.name), ['boot', 'swap', 'root']);
  assert.equal(parts[0]!.size * 512, GiB);
  assert.equal(parts[1]!.size * 512, 4 * GiB);
  const boot = await part(img, parts[0]!, 'arm-boot');
  await execa('e2fsck', ['-fn', boot]);
  assert.equal((await blkid(boot)).LABEL, 'boot');
  const conf = (await execa('debugfs', ['-R', 'cat /extlinux/extlinux.conf', boot])).stdout;
  assert.match(conf, /FDTDIR \.\.\/nixos\/\S+-dtbs/);
  const root = await part(img, parts[2]!, 'arm-root');
  await execa('e2fsck', ['-fn', root]);
  assert.equal((await blkid(root)).LABEL, 'NIXOS_ROOT');
  const ls = (await execa('debugfs', ['-R', 'ls /nix/store', root])).stdout;
  for (const p of fx.storePaths) assert.ok(ls.includes(path.basename(p)), path.basename(p));
});

test('a plan that does not fit the target size fails with the numbers', async () => {
  await assert.rejects(
    buildImage({
      specPath: path.join(REPO, 'images', 'arm-drive.json'),
      closure: fx.closureInfoDir,
      storeRoot: fx.storeRoot,
      toplevel: fx.toplevel,
      firmware,
      outDir: path.join(tmp, 'too-small'),
      compress: false,
      diskSize: 4 * GiB,
    }),
    (e: Error) => /nothing left to fill|need a disk of/.test(e.message) && /4 GiB/.test(e.message),
  );
});
