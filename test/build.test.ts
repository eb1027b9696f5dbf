/**
 * End to end: the Raspberry Pi aarch64 recipe built by the real CLI from a
 * generated closure, checked with independent tools (sfdisk, fsck.fat, mtools,
 * e2fsck, debugfs, zstd, openssl dgst -sha256 and sha256sum -c), and built twice for byte-identical output.
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
import { runCli, listFiles, REPO } from './helpers/cli.ts';
import { blkid, extractPartition } from './helpers/partition.ts';
import { rpiConfigTxt } from '../src/content/rpi.ts';
import { sha256Tool } from './helpers/hash-tool.ts';

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

/** Mode, owner and link count of every file under `dir` (the build must not change its inputs). */
async function inputState(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of (await fsp.readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      const st = await fsp.lstat(p);
      out.push(`${path.relative(dir, p)} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.nlink} ${st.mtimeMs}`);
      if (e.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return out;
}
let inputsBefore: string[];

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-build-'));
  fx = await makeClosure(path.join(tmp, 'a'), { order: 'forward' });
  firmware = await makeFirmware(path.join(tmp, 'a/firmware'));
  inputsBefore = await inputState(path.join(tmp, 'a'));
  out = path.join(tmp, 'out1');
  const r = await runCli(
    ['build', RECIPE, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', firmware, '-o', out, '--keep-raw', '--json'],
    { env: { TZ: 'UTC' } },
  );
  assert.equal(r.exitCode, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; phase?: string });
  assert.ok(events.some((e) => e.event === 'phase-end' && e.phase === 'compress'), 'a phase-end event for compress');
  assert.equal(events.at(-2)!.event, 'result');
  assert.equal(events.at(-1)!.event, 'done', 'the closing event (src/cli/build.ts)');
  const version = (await fsp.readFile(path.join(fx.toplevel, 'nixos-version'), 'utf8')).trim();
  imgName = `nixos-sd-image-${version}-aarch64-linux.img`;
});

after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

test('the inputs are untouched: modes, owners, link counts and times of every input file', async () => {
  assert.deepEqual(await inputState(path.join(tmp, 'a')), inputsBefore);
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
  await extractPartition(img, 8 * 1024 * 1024, 30 * 1024 * 1024, part);
  await execa('fsck.fat', ['-n', part]);
  const id = await blkid(part);
  assert.equal(id.LABEL, 'FIRMWARE');
  assert.equal(id.UUID, '2178-694E');
  assert.equal(id.VERSION, 'FAT16');
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
  await extractPartition(img, 77824 * 512, size - 77824 * 512, part);
  await execa('e2fsck', ['-fn', part]);
  const id = await blkid(part);
  assert.equal(id.LABEL, 'NIXOS_SD');
  assert.equal(id.UUID, '44444444-4444-4444-8888-888888888888');
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

test('sd-image/ directory, safe names from an unsafe label, manifest PARTUUIDs/epoch/toplevel, extra kernel params', async () => {
  const spec = JSON.parse(await fsp.readFile(RECIPE, 'utf8'));
  spec.output.directory = 'sd-image';
  spec.output.bmap = false;
  const root = spec.partitions[1];
  root.contents = root.contents.map((c: { generate?: string }) =>
    c.generate === 'extlinux' ? { ...c, options: { extraKernelParams: ['console=ttyS0,115200', 'quiet'] } } : c,
  );
  const specPath = path.join(tmp, 'names.json');
  await fsp.writeFile(specPath, JSON.stringify(spec));
  const result = path.join(tmp, 'result');
  await fsp.symlink(fx.toplevel, result);
  const o = path.join(tmp, 'out-names');
  const r = await runCli(
    ['build', specPath, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', result, '--firmware', firmware, '-o', o, '--keep-raw', '--label', '25.05.19700101.dirty (Warbler)'],
    { env: { SOURCE_DATE_EPOCH: '1700000000' } },
  );
  assert.equal(r.exitCode, 0, r.stderr);
  const name = 'nixos-sd-image-25.05.19700101.dirty__Warbler_-aarch64-linux.img';
  assert.deepEqual(await listFiles(o), [
    'manifest.json',
    'nix-support/hydra-build-products',
    'nix-support/system',
    `sd-image/${name}`,
    `sd-image/${name}.sha256`,
    `sd-image/${name}.zst`,
    `sd-image/${name}.zst.sha256`,
  ]);
  assert.equal(await fsp.readFile(path.join(o, 'nix-support/hydra-build-products'), 'utf8'), `file sd-image ${path.join(o, 'sd-image', name)}.zst\n`);
  await execa('sha256sum', ['-c', `${name}.sha256`, `${name}.zst.sha256`], { cwd: path.join(o, 'sd-image') });

  const img = path.join(o, 'sd-image', name);
  const m = JSON.parse(await fsp.readFile(path.join(o, 'manifest.json'), 'utf8'));
  assert.equal(m.image.file, `sd-image/${name}`);
  assert.equal(m.image.compressed.file, `sd-image/${name}.zst`);
  assert.equal(m.inputs.sourceDateEpoch, 1700000000);
  assert.equal(m.inputs.toplevelStorePath, await fsp.realpath(fx.toplevel));
  // DOS PARTUUID = <label-id>-<2-digit number>, with the label-id sfdisk reads from the image.
  const sf = JSON.parse((await execa('sfdisk', ['-J', img])).stdout).partitiontable as { id: string };
  const id = sf.id.replace(/^0x/, '');
  assert.deepEqual(m.partitions.map((p: { partuuid: string }) => p.partuuid), [`${id}-01`, `${id}-02`]);
  assert.equal(id, '2178694e');

  const part = path.join(tmp, 'names-root.part');
  const root2 = m.partitions[1];
  await extractPartition(img, root2.start, root2.size, part);
  const conf = (await execa('debugfs', ['-R', 'cat /boot/extlinux/extlinux.conf', part])).stdout;
  const params = (await fsp.readFile(path.join(fx.toplevel, 'kernel-params'), 'utf8')).trim();
  assert.match(conf, new RegExp(`^  APPEND init=/nix/store/${path.basename(fx.toplevel)}/init ${params.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} console=ttyS0,115200 quiet$`, 'm'));
});

test('GPT: manifest PARTUUIDs are the partition GUIDs sfdisk reads', async () => {
  const specPath = path.join(tmp, 'gpt-names.json');
  await fsp.writeFile(specPath, JSON.stringify({
    name: 'gptnames',
    table: { type: 'gpt', seed: 'names' },
    partitions: [
      { name: 'esp', type: 'esp', size: '8MiB', filesystem: { type: 'vfat', label: 'esp' }, contents: [{ text: 'x', target: '/x' }] },
      { name: 'swap', type: 'swap', size: '1MiB', filesystem: { type: 'swap' } },
    ],
    output: { compress: 'none', bmap: false },
  }));
  const o = path.join(tmp, 'out-gpt-names');
  const r = await runCli(['build', specPath, '-o', o]);
  assert.equal(r.exitCode, 0, r.stderr);
  const m = JSON.parse(await fsp.readFile(path.join(o, 'manifest.json'), 'utf8'));
  for (const n of [1, 2]) {
    const got = (await execa('sfdisk', ['--part-uuid', path.join(o, 'gptnames.img'), String(n)])).stdout.trim().toLowerCase();
    assert.equal(m.partitions[n - 1].partuuid, got);
    assert.equal(m.partitions[n - 1].guid, got);
  }
  assert.equal((await blkid(path.join(o, 'gptnames.img'), { offset: m.partitions[0].start })).LABEL, 'esp');
});

test('raw partitions: the blob at the partition start (cmp), its hash in the manifest (openssl dgst -sha256), a missing blob refused', async () => {
  const blob = path.join(firmware, 'u-boot-rpi4.bin');
  const spec = (p: string) => ({
    name: 'rawblob',
    table: { type: 'gpt', seed: 'raw' },
    partitions: [
      { name: 'uboot', type: 'linux', start: '1MiB', size: '2MiB', filesystem: { type: 'raw', source: { from: 'firmware', path: p } } },
      { name: 'empty', type: 'linux', size: '1MiB', filesystem: { type: 'raw' } },
    ],
    output: { compress: 'none', bmap: false },
  });
  const specPath = path.join(tmp, 'raw.json');
  await fsp.writeFile(specPath, JSON.stringify(spec('u-boot-rpi4.bin')));
  const o = path.join(tmp, 'out-raw');
  const r = await runCli(['build', specPath, '--firmware', firmware, '-o', o]);
  assert.equal(r.exitCode, 0, r.stderr);
  const img = path.join(o, 'rawblob.img');
  const size = (await fsp.stat(blob)).size;
  await execa('cmp', ['-n', String(size), blob, img, '0', String(1024 * 1024)]);
  const m = JSON.parse(await fsp.readFile(path.join(o, 'manifest.json'), 'utf8'));
  const want = await sha256Tool(blob);
  assert.deepEqual(m.inputs.firmware.files, [{ path: 'u-boot-rpi4.bin', sha256: want }]);
  assert.equal(m.partitions[0].filesystem.stats.bytes, size);
  assert.equal(m.partitions[1].filesystem.stats.source, 'none');

  await fsp.writeFile(specPath, JSON.stringify(spec('no-such.bin')));
  const bad = await runCli(['build', specPath, '--firmware', firmware, '-o', path.join(tmp, 'out-raw-bad')]);
  assert.equal(bad.exitCode, 1);
  assert.match(bad.stderr, /^imgsmith: error: \S+raw\.json:1:\d+: spec\.partitions\[0\]\.filesystem\.source: .*no-such\.bin is not a file$/);
  assert.deepEqual(await listFiles(path.join(tmp, 'out-raw-bad')), []);
});
