/**
 * dm-verity boot proofs: images/appliance-verity.json (an erofs root, its hash tree in its own
 * partition, the root hash on the kernel command line) built with the boot fixture's `verity`
 * option (test/helpers/verity-initrd.ts: veritysetup in the initrd) and booted under QEMU virt.
 * It boots to the marker with the root read-only from /dev/mapper/root; the same image with one
 * byte of a file in the erofs root changed (located with dump.erofs) fails at boot with an I/O
 * error from the file dm-verity refuses, and `imgsmith verify` fails too.
 * Runs next to test/boot.test.ts (package.json starts the boot files first).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { bootTest } from '../src/boottest.ts';
import { runCli } from './helpers/cli.ts';
import { extractPartition } from './helpers/partition.ts';
import { SKIP, buildRecipe, explain, fileStamp, tmp } from './helpers/boot-build.ts';

const RECIPE = 'appliance-verity.json';

interface Part {
  start: number;
  size: number;
  name: string;
  uuid: string;
}
async function gptParts(img: string): Promise<Part[]> {
  return (JSON.parse((await execa('sfdisk', ['-J', img])).stdout).partitiontable as { partitions: Part[] }).partitions;
}

/** The root hash the manifest records for the verity partition. */
function rootHashOf(manifest: { partitions: object[] }): string {
  const entry = manifest.partitions.find((p) => (p as { name: string }).name === 'root-verity') as { verity?: { rootHash?: string } } | undefined;
  const h = entry?.verity?.rootHash;
  assert.match(h ?? '', /^[0-9a-f]{64}$/, 'the manifest has the root hash');
  return h!;
}

test('boot: appliance-verity on QEMU virt: the erofs root opened through dm-verity from roothash=, mounted read-only from /dev/mapper/root', { skip: SKIP, timeout: 900_000 }, async () => {
  const { image, fixture, manifest } = await buildRecipe(RECIPE, 'aarch64');
  const hash = rootHashOf(manifest);
  const parts = await gptParts(image);
  const [, root, verity] = parts as [Part, Part, Part];
  const uuid = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  assert.equal(root.uuid.toLowerCase(), uuid(hash.slice(0, 32)), "the root's PARTUUID is the root hash's first half");
  assert.equal(verity.uuid.toLowerCase(), uuid(hash.slice(32)), "the verity partition's PARTUUID is the root hash's second half");
  const before = await fileStamp(image);
  const lines: string[] = [];
  const r = await bootTest(image, { machine: 'virt', timeoutSec: 240, marker: fixture.marker, log: (l) => lines.push(l) });
  assert.ok(r.ok, explain(r));
  const has = (re: RegExp, what: string) => assert.ok(lines.some((l) => re.test(l)), `${what}:\n${lines.join('\n')}`);
  has(new RegExp(`roothash=${hash}`), 'the command line carries the root hash');
  has(new RegExp(`stage 1: dm-verity: data /dev/vda2 \\(PARTUUID=${uuid(hash.slice(0, 32))}\\), hash /dev/vda3 \\(PARTUUID=${uuid(hash.slice(32))}\\), root hash ${hash}`), 'stage 1 found both partitions by the derived PARTUUIDs');
  has(/^\/dev\/mapper\/root \/mnt-root erofs ro[, ]/, 'the root is erofs, read-only, on /dev/mapper/root');
  has(/stage 1: read all \d+ files of the verified root/, 'stage 1 read every file');
  has(/stage 2: \/ is \/dev\/mapper\/root$/, 'stage 2 runs on the verified root');
  has(/stage 2: partition \/dev\/vda4 \(ext4\)/, 'the data partition mounts');
  assert.equal(await fileStamp(image), before, 'the image under test was modified');
});

test('boot: appliance-verity with one byte of a file in the erofs root changed fails to boot (I/O error) and fails imgsmith verify', { skip: SKIP, timeout: 900_000 }, async () => {
  const { image, fixture } = await buildRecipe(RECIPE, 'aarch64');
  const dir = await tmp();
  const copy = path.join(dir, 'appliance-verity-tampered.img');
  await execa('cp', ['--sparse=always', image, copy]);
  const root = (await gptParts(copy))[1]!;
  // The kernel image in the root's store (stage 1 reads it; nothing boots from it): its first extent.
  // (<hash>-linux-<v>, not <hash>-initrd-linux-<v>, which sorts before it when its hash does)
  const kernel = fixture.storePaths.find((p) => /^\/nix\/store\/[0-9a-z]+-linux-[^/]*$/.test(p))!;
  assert.ok(kernel, fixture.storePaths.join('\n'));
  const erofs = await extractPartition(copy, root.start * 512, root.size * 512, path.join(dir, 'appliance-root.erofs'));
  const dump = (await execa('dump.erofs', [`--path=${kernel}/Image`, '-e', erofs])).stdout;
  await fsp.rm(erofs);
  const ext = /^\s*0:\s*\d+\.\.\s*\d+ \|\s*(\d+) :\s*(\d+)\.\.\s*(\d+)/m.exec(dump);
  assert.ok(ext, dump);
  const at = Number(ext[2]) + Math.floor((Number(ext[3]) - Number(ext[2])) / 2);
  const off = root.start * 512 + at;
  const fh = await fsp.open(copy, 'r+');
  const b = Buffer.alloc(1);
  await fh.read(b, 0, 1, off);
  b[0] = b[0]! ^ 0x01;
  await fh.write(b, 0, 1, off);
  await fh.close();
  const diff = await execa('cmp', ['-l', image, copy], { reject: false });
  assert.equal(diff.stdout.trim().split('\n').length, 1, `exactly one byte differs: ${diff.stdout}`);

  const r = await bootTest(copy, { machine: 'virt', timeoutSec: 240, marker: fixture.marker });
  assert.equal(r.ok, false, 'a tampered root booted');
  assert.match(r.reason, new RegExp(`IMGSMITH-BOOT-FAIL stage 1: cannot read ${kernel}/Image from the verified root: .*(I/O|Input/output) error`), explain(r));
  const block = Math.floor(at / 4096);
  assert.ok(r.serialTail.some((l) => new RegExp(`device-mapper: verity: [\\d:]+: data block ${block} is corrupted`).test(l)), `dm-verity names block ${block}:\n${r.serialTail.join('\n')}`);

  const good = await runCli(['verify', image]);
  assert.equal(good.exitCode, 0, `the untouched image verifies: ${good.stdout}${good.stderr}`);
  const bad = await runCli(['verify', copy]);
  assert.equal(bad.exitCode, 1, `${bad.stdout}${bad.stderr}`);
  assert.match(bad.stdout + bad.stderr, /verity/i);
  await fsp.rm(copy);
});
