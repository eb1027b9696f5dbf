/**
 * End to end: the Raspberry Pi aarch64 recipe built by the real CLI from a
 * generated closure, checked with independent tools (sfdisk, fsck.fat, mtools,
 * e2fsck, debugfs, zstd, sha256sum), and built twice for byte-identical output.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { makeClosure } from './helpers/closure-fixture.ts';
import { makeFirmware } from './helpers/firmware-fixture.ts';
import { runCli, listFiles, extractRange, REPO } from './helpers/cli.ts';
import { rpiConfigTxt } from '../src/content/rpi.ts';

const RECIPE = path.join(REPO, 'images/rpi-aarch64.json');
let tmp: string;
let fx: Awaited<ReturnType<typeof makeClosure>>;
let firmware: string;
let out: string;
let imgName: string;

async function sha256(p: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of (await fsp.open(p)).createReadStream()) h.update(chunk as Buffer);
  return h.digest('hex');
}

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-build-'));
  fx = await makeClosure(path.join(tmp, 'a'), { order: 'forward' });
  firmware = await makeFirmware(path.join(tmp, 'a/firmware'));
  out = path.join(tmp, 'out1');
  const r = await runCli(
    ['build', RECIPE, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', firmware, '-o', out, '--keep-raw', '--json'],
    { env: { TZ: 'UTC' } },
  );
  assert.equal(r.exitCode, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; phase?: string });
  assert.ok(events.some((e) => e.event === 'phase-end' && e.phase === 'compress'), 'a phase-end event for compress');
  assert.equal(events.at(-1)!.event, 'result');
  const version = (await fsp.readFile(path.join(fx.toplevel, 'nixos-version'), 'utf8')).trim();
  imgName = `nixos-sd-image-${version}-aarch64-linux.img`;
});

after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

test('outputs: image, zstd, checksums, bmap, manifest and Hydra products, nothing else', async () => {
  const files = await listFiles(out);
  assert.deepEqual(files, [
    'manifest.json',
    'nix-support/hydra-build-products',
    'nix-support/system',
    imgName.replace(/\.img$/, '.bmap'),
    imgName,
    `${imgName}.sha256`,
    `${imgName}.zst`,
    `${imgName}.zst.sha256`,
  ].sort());
  assert.equal(await fsp.readFile(path.join(out, 'nix-support/hydra-build-products'), 'utf8'), `file sd-image ${path.join(out, imgName)}.zst\n`);
  assert.equal(await fsp.readFile(path.join(out, 'nix-support/system'), 'utf8'), 'aarch64-linux\n');
  await execa('sha256sum', ['-c', `${imgName}.sha256`, `${imgName}.zst.sha256`], { cwd: out });
  const unzst = await execa('sh', ['-c', `zstd -dc '${imgName}.zst' | sha256sum`], { cwd: out });
  assert.equal(unzst.stdout.split(' ')[0], await sha256(path.join(out, imgName)));
  const manifest = JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.image.sha256, await sha256(path.join(out, imgName)));
  assert.equal(manifest.partitions.length, 2);
  assert.equal(manifest.partitions[1].filesystem.label, 'NIXOS_SD');
  assert.equal(manifest.inputs.closure.storePaths, fx.storePaths.length);
  assert.ok(manifest.tools.mke2fs, 'tool versions recorded');
});

test('the partition table is the NixOS SD layout (sfdisk -d)', async () => {
  const img = path.join(out, imgName);
  const { stdout } = await execa('sfdisk', ['-d', img]);
  const size = (await fsp.stat(img)).size;
  const rootSectors = size / 512 - 77824;
  assert.match(stdout, /^label: dos$/m);
  assert.match(stdout, /^label-id: 0x2178694e$/m);
  assert.match(stdout, new RegExp(`^${img}1 : start=\\s*16384, size=\\s*61440, type=b$`, 'm'));
  assert.match(stdout, new RegExp(`^${img}2 : start=\\s*77824, size=\\s*${rootSectors}, type=83, bootable$`, 'm'));
});

test('the FIRMWARE partition: fsck.fat clean, FAT16, label, serial, files and config.txt', async () => {
  const img = path.join(out, imgName);
  const part = path.join(tmp, 'fw.part');
  await extractRange(img, 8 * 1024 * 1024, 30 * 1024 * 1024, part);
  await execa('fsck.fat', ['-n', part]);
  const blkid = (await execa('blkid', ['-p', '-o', 'export', part])).stdout;
  assert.match(blkid, /^LABEL=FIRMWARE$/m);
  assert.match(blkid, /^UUID=2178-694E$/m);
  assert.match(blkid, /^VERSION=FAT16$/m);
  for (const name of ['bootcode.bin', 'start4.elf', 'u-boot-rpi3.bin', 'bcm2711-rpi-4-b.dtb']) {
    const { stdout } = await execa('sh', ['-c', `mcopy -n -i '${part}' '::/${name}' - | sha256sum`]);
    assert.equal(stdout.split(' ')[0], await sha256(path.join(firmware, name)), name);
  }
  const config = (await execa('mtype', ['-i', part, '::/config.txt'], { stripFinalNewline: false })).stdout;
  assert.equal(config.replace(/\r\n/g, '\n'), rpiConfigTxt({}));
});

test('the NIXOS_SD root: e2fsck clean, closure, registration and extlinux.conf', async () => {
  const img = path.join(out, imgName);
  const size = (await fsp.stat(img)).size;
  const part = path.join(tmp, 'root.part');
  await extractRange(img, 77824 * 512, size - 77824 * 512, part);
  await execa('e2fsck', ['-fn', part]);
  const blkid = (await execa('blkid', ['-p', '-o', 'export', part])).stdout;
  assert.match(blkid, /^LABEL=NIXOS_SD$/m);
  assert.match(blkid, /^UUID=44444444-4444-4444-8888-888888888888$/m);
  const ls = (await execa('debugfs', ['-R', 'ls /nix/store', part])).stdout;
  for (const p of fx.storePaths) assert.ok(ls.includes(path.basename(p)), `${path.basename(p)} in /nix/store`);
  const reg = (await execa('debugfs', ['-R', 'cat /nix-path-registration', part], { stripFinalNewline: false, encoding: 'buffer' })).stdout;
  // The registration as Nix would load it: the fixture's host store dir becomes /nix/store.
  const expected = (await fsp.readFile(path.join(fx.closureInfoDir, 'registration'), 'utf8')).replaceAll(fx.storeDir, '/nix/store');
  assert.equal(Buffer.from(reg).toString('utf8'), expected);
  const conf = (await execa('debugfs', ['-R', 'cat /boot/extlinux/extlinux.conf', part])).stdout;
  assert.match(conf, new RegExp(`APPEND init=${fx.toplevel.replace(/.*\/nix\/store/, '/nix/store')}/init`));
  assert.match(conf, /^\s*FDTDIR \.\.\/nixos\/\S+-dtbs$/m);
  const stat = (await execa('debugfs', ['-R', 'stat /nix-path-registration', part])).stdout;
  assert.match(stat, /User:\s+0\s+Group:\s+0/);
});

test('two builds from other directories, inputs created in another order and another TZ: byte-identical', async () => {
  const fx2 = await makeClosure(path.join(tmp, 'b'), { order: 'reverse' });
  const fw2 = await makeFirmware(path.join(tmp, 'b/firmware'), { reverse: true });
  const out2 = path.join(tmp, 'out2');
  const cwd = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-cwd-'));
  try {
    const spec2 = path.join(cwd, 'spec.json');
    await fsp.copyFile(RECIPE, spec2);
    const r = await runCli(
      ['build', 'spec.json', '--closure', fx2.closureInfoDir, '--store-root', fx2.storeRoot, '--toplevel', fx2.toplevel, '--firmware', fw2, '-o', out2, '--keep-raw'],
      { cwd, env: { TZ: 'Pacific/Kiritimati' } },
    );
    assert.equal(r.exitCode, 0, r.stderr);
    for (const f of [imgName, `${imgName}.zst`]) {
      assert.equal(await sha256(path.join(out2, f)), await sha256(path.join(out, f)), `${f} differs between builds`);
    }
  } finally {
    await fsp.rm(cwd, { recursive: true, force: true });
  }
});
