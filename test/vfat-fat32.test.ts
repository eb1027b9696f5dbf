/**
 * Issue 23: a FAT32 request gives FAT32, and the FAT volume id comes from the build's
 * inputs like ext4's and swap's UUIDs. Checked with fsck.fat -n, minfo (mtools) and blkid,
 * and through the CLI for the spec errors.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { FileTree } from '../src/content/tree.ts';
import { defaultVfatVolumeId, vfatDriver } from '../src/fs/vfat.ts';
import type { FsContext, PartitionOf } from '../src/fs/types.ts';
import { silentProgress } from '../src/progress.ts';
import type { VfatSpec } from '../src/spec-types.ts';
import { MiB } from '../src/units.ts';
import { blkid, extractPartition } from './helpers/partition.ts';
import { runCli } from './helpers/cli.ts';

let tmp: string;
const ctx = (): FsContext => ({ tmpDir: tmp, progress: silentProgress, epoch: 1 });
before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-fat32-'));
});
after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

const parse = (fs: Record<string, unknown>, partition?: PartitionOf): VfatSpec => vfatDriver.spec.parse({ type: 'vfat', ...fs }, 'spec.partitions[0].filesystem', partition);

function tree(): FileTree {
  const t = new FileTree();
  t.add('/EFI/BOOT/BOOTX64.EFI', { kind: 'data', mode: 0o644, data: Buffer.from('efi\n') });
  return t;
}

/** Writes the FAT at 1 MiB of a fresh image; returns the image and the partition's own copy. */
async function build(name: string, spec: VfatSpec, size: number, offset = MiB): Promise<{ img: string; part: string; fatType: unknown; uuid?: string }> {
  const img = path.join(tmp, `${name}.img`);
  await fsp.writeFile(img, '');
  await fsp.truncate(img, offset + size + MiB);
  const report = await vfatDriver.write(spec, tree(), { imagePath: img, offset, size }, ctx());
  const part = await extractPartition(img, offset, size, path.join(tmp, `${name}.part`));
  return { img, part, fatType: report.stats.fatType, ...(report.uuid ? { uuid: report.uuid } : {}) };
}

/** The FAT type as fsck.fat -n -v and minfo see it (they must agree), with fsck clean. */
async function fatTypeSeen(part: string): Promise<{ fsck: string; minfo: string }> {
  const f = await execa('fsck.fat', ['-n', '-v', part], { reject: false });
  assert.equal(f.exitCode, 0, f.stdout + f.stderr);
  assert.doesNotMatch(f.stdout, /differ|wrong|bad|fix/i, f.stdout);
  const fsck = `FAT${/FATs, (\d+) bit entries/.exec(f.stdout)?.[1] ?? '?'}`;
  const m = await execa('minfo', ['-i', part, '::'], { env: { MTOOLS_SKIP_CHECK: '1' } });
  const minfo = /disk type="(FAT\d+)/.exec(m.stdout)?.[1] ?? '?';
  return { fsck, minfo };
}

test('the partition type "fat32" means FAT32: a 64 MiB partition gets FAT32 (was FAT16), fsck.fat and minfo agree', async () => {
  const spec = parse({ label: 'ESP' }, { type: 'fat32', table: 'dos' });
  assert.equal(spec.fatType, 32);
  const { part, fatType } = await build('alias', spec, 64 * MiB);
  assert.equal(fatType, 32);
  assert.deepEqual(await fatTypeSeen(part), { fsck: 'FAT32', minfo: 'FAT32' });
  assert.equal((await blkid(part)).VERSION, 'FAT32');
});

test('0x0c and an ESP get FAT32 when the partition holds one, and mkfs.vfat\'s choice when it does not', async () => {
  for (const [name, partition] of [['lba', { type: '0x0c', table: 'dos' }], ['esp', { type: 'esp', table: 'gpt' }], ['efi', { type: 'efi', table: 'dos' }]] as const) {
    const spec = parse({}, partition);
    assert.equal(spec.fatType, 'auto', name);
    const big = await build(`${name}-64`, spec, 64 * MiB);
    assert.equal(big.fatType, 32, `${name} at 64 MiB`);
    assert.deepEqual(await fatTypeSeen(big.part), { fsck: 'FAT32', minfo: 'FAT32' });
    const small = await build(`${name}-30`, spec, 30 * MiB);
    assert.equal(small.fatType, 16, `${name} at 30 MiB: too small for FAT32, FAT16 as mkfs.vfat`);
    assert.deepEqual(await fatTypeSeen(small.part), { fsck: 'FAT16', minfo: 'FAT16' });
  }
  // A Linux-typed partition keeps mkfs.vfat's choice.
  const linux = await build('linux-64', parse({}, { type: 'linux', table: 'gpt' }), 64 * MiB);
  assert.equal(linux.fatType, 16);
});

test('"fat32" with "fatType": 16 is a spec error naming both', () => {
  assert.throws(() => parse({ fatType: 16 }, { type: 'fat32', table: 'dos' }), /fatType: 16 does not go in a partition of type "fat32" \(FAT32\)/);
});

test('the volume id: derived from the offset and label (not 1234-5678), blkid shows it, a given volumeId wins', async () => {
  const spec = parse({ label: 'BOOT' }, { type: '0x0b', table: 'dos' });
  assert.equal(spec.volumeId, undefined);
  const a = await build('id-a', spec, 16 * MiB);
  const again = await build('id-again', spec, 16 * MiB);
  const moved = await build('id-moved', spec, 16 * MiB, 2 * MiB);
  const id = defaultVfatVolumeId(MiB, 'BOOT');
  const hex = id.toString(16).toUpperCase().padStart(8, '0');
  assert.equal(a.uuid, `${hex.slice(0, 4)}-${hex.slice(4)}`);
  assert.notEqual(a.uuid, '1234-5678');
  assert.equal((await blkid(a.part)).UUID, a.uuid);
  assert.equal(again.uuid, a.uuid, 'the same inputs give the same id');
  assert.notEqual(moved.uuid, a.uuid, 'another partition gets another id');
  assert.equal((await blkid(moved.part)).UUID, moved.uuid);
  const given = await build('id-given', parse({ volumeId: '0x2178694e' }), 16 * MiB);
  assert.equal((await blkid(given.part)).UUID, '2178-694E');
});

test('CLI: a "fat32" partition too small for FAT32 is one error naming the minimum size, nothing written', async () => {
  const dir = path.join(tmp, 'cli');
  await fsp.mkdir(dir);
  const spec = {
    name: 'small',
    table: { type: 'dos' },
    partitions: [{ name: 'boot', type: 'fat32', size: '16MiB', filesystem: { type: 'vfat' }, contents: [{ text: 'x\n', target: '/x.txt' }] }],
    output: { compress: 'none', bmap: false },
  };
  await fsp.writeFile(path.join(dir, 'spec.json'), JSON.stringify(spec));
  const out = path.join(dir, 'out');
  const r = await runCli(['build', path.join(dir, 'spec.json'), '-o', out]);
  assert.equal(r.exitCode, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^imgsmith: error: .*16 MiB .*FAT32 needs at least 65525 clusters, i\.e\. at least 33 MiB/);
  assert.deepEqual(await fsp.readdir(out).catch(() => []), []);
});
