import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planLayout } from '../src/layout.ts';
import { validateSpec } from '../src/spec.ts';
import { DoesNotFitError, ImgsmithError, UsageError } from '../src/errors.ts';
import { MiB, GiB } from '../src/units.ts';

function spec(json: Record<string, unknown>) {
  return validateSpec({ name: 't', ...json }, '/tmp');
}
const vfat = { type: 'vfat' };
const ext4 = { type: 'ext4' };

function fails(fn: () => unknown, kind: typeof UsageError | typeof DoesNotFitError, re: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ImgsmithError, `not an ImgsmithError: ${e}`);
    assert.ok(e instanceof kind, `expected a ${kind.name}, got a ${e.name}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

test('the NixOS SD layout: 30 MiB FAT at 8 MiB, root right after, sized to content', () => {
  const s = spec({
    table: { type: 'dos', labelId: '0x2178694e' },
    partitions: [
      { name: 'firmware', type: '0x0b', start: '8MiB', size: '30MiB', filesystem: vfat },
      { name: 'root', type: '83', size: 'auto', bootable: true, filesystem: ext4 },
    ],
  });
  const plan = planLayout({ spec: s, minSizes: [MiB, 100 * MiB + 4096] });
  assert.equal(plan.partitions[0]!.start, 8 * MiB);
  assert.equal(plan.partitions[0]!.size, 30 * MiB);
  assert.equal(plan.partitions[1]!.start, 38 * MiB);
  assert.equal(plan.partitions[1]!.size, 100 * MiB + 4096);
  assert.equal(plan.partitions[1]!.bootable, true);
  assert.equal(plan.diskSize, 138 * MiB + 4096);
});

test('GPT reserves the backup area and fill grows to the target size, 4 KiB aligned', () => {
  const s = spec({
    table: { type: 'gpt' },
    size: '32GiB',
    partitions: [
      { name: 'esp', type: 'esp', size: '500MiB', filesystem: vfat },
      { name: 'swap', type: 'swap', size: '1GiB', filesystem: { type: 'swap' } },
      { name: 'root', type: 'linux', size: 'fill', filesystem: { type: 'btrfs' } },
    ],
  });
  const plan = planLayout({ spec: s, minSizes: [MiB, 4096, 200 * MiB] });
  assert.deepEqual(plan.partitions.map((p) => p.start), [MiB, 501 * MiB, 1525 * MiB]);
  const root = plan.partitions[2]!;
  assert.equal(plan.diskSize, 32 * GiB);
  assert.ok(root.start + root.size <= 32 * GiB - 33 * 512);
  assert.equal((root.start + root.size) % 4096, 0);
  assert.ok(32 * GiB - 33 * 512 - (root.start + root.size) < 4096);
});

test('alignment applies to implicit starts; explicit starts must be aligned', () => {
  const s = spec({
    table: { type: 'dos' },
    alignment: '4MiB',
    partitions: [
      { name: 'a', type: 'b', size: 1000 * 512, filesystem: vfat },
      { name: 'b', type: '83', size: '1MiB', filesystem: ext4 },
    ],
  });
  const plan = planLayout({ spec: s, minSizes: [0, 0] });
  assert.deepEqual(plan.partitions.map((p) => p.start), [4 * MiB, 8 * MiB]);
  const bad = spec({
    table: { type: 'dos' },
    partitions: [{ name: 'a', type: 'b', start: 1536 * 1024, size: '1MiB', filesystem: vfat }],
  });
  fails(() => planLayout({ spec: bad, minSizes: [0] }), UsageError, /spec\.partitions\[0\]\.start: .* not aligned to 1 MiB/);
});

test('overlapping explicit partitions are rejected naming both', () => {
  const s = spec({
    table: { type: 'dos' },
    partitions: [
      { name: 'one', type: 'b', start: '8MiB', size: '30MiB', filesystem: vfat },
      { name: 'two', type: '83', start: '20MiB', size: '10MiB', filesystem: ext4 },
    ],
  });
  fails(() => planLayout({ spec: s, minSizes: [0, 0] }), UsageError, /"one" .* and "two" .* overlap/);
});

test('content larger than a fixed size fails with both sizes', () => {
  const s = spec({
    table: { type: 'dos' },
    partitions: [{ name: 'root', type: '83', size: '64MiB', filesystem: ext4 }],
  });
  fails(() => planLayout({ spec: s, minSizes: [65 * MiB] }), DoesNotFitError, /needs 65 MiB .* partition is 64 MiB/);
});

test('a plan that does not fit the target size fails with the numbers', () => {
  const s = spec({
    table: { type: 'gpt' },
    size: '1GiB',
    partitions: [
      { name: 'boot', type: 'linux', size: '1GiB', filesystem: ext4 },
      { name: 'root', type: 'linux', size: 'fill', filesystem: ext4 },
    ],
  });
  fails(() => planLayout({ spec: s, minSizes: [0, 0] }), DoesNotFitError, /nothing left to fill.*target size 1 GiB/);
  const s2 = spec({
    table: { type: 'dos' },
    size: '100MiB',
    partitions: [{ name: 'root', type: '83', size: 'auto', filesystem: ext4 }],
  });
  fails(() => planLayout({ spec: s2, minSizes: [200 * MiB] }), DoesNotFitError, /need a disk of .*target size is 100 MiB/);
});

test('spec errors name the JSON path', () => {
  fails(() => spec({ table: { type: 'dos' }, partitions: [{ name: 'a', type: 'b', size: '1MiB', filesystem: { type: 'vfat', lable: 'X' } }] }),
    UsageError, /spec\.partitions\[0\]\.filesystem: unknown key "lable" \(did you mean "label"\?\)/);
  fails(() => spec({ table: { type: 'dos' }, partitions: [{ name: 'a', type: 'b', size: '1MiB', filesystem: { type: 'xfs' } }] }),
    UsageError, /spec\.partitions\[0\]\.filesystem\.type: expected one of .*"ext4".*got string "xfs"/);
  fails(() => spec({ table: { type: 'dos' }, partitions: [{ name: 'a', type: 'b', size: '30 furlongs', filesystem: vfat }] }),
    UsageError, /spec\.partitions\[0\]\.size: "30 furlongs" is not a size/);
  fails(() => spec({ table: { type: 'dos' }, partitions: [
    { name: 'a', type: 'b', size: 'fill', filesystem: vfat }, { name: 'b', type: 'b', size: '1MiB', filesystem: vfat }] }),
    UsageError, /spec\.partitions\[0\]\.size: only the last partition can be "fill"/);
  fails(() => spec({ table: { type: 'dos' }, partitions: [{ name: 'a', type: 'b', size: 'fill', filesystem: vfat }] }),
    UsageError, /"fill" needs a target disk size/);
  fails(() => spec({ table: { type: 'dos' }, partitions: [
    { name: 'a', type: 'b', size: '1MiB', filesystem: vfat }, { name: 'a', type: 'b', size: '1MiB', filesystem: vfat }] }),
    UsageError, /spec\.partitions\[1\]\.name: "a" is already the name of spec\.partitions\[0\]/);
});

test('disk size limits: DOS 2 TiB (2^32 sectors), GPT 16 TiB; sizes that are not sizes', () => {
  const dos = (size: string) => spec({ table: { type: 'dos' }, size, partitions: [{ name: 'a', type: 'linux', size: 'fill', filesystem: ext4 }] });
  const gpt = (size: string) => spec({ table: { type: 'gpt' }, size, partitions: [{ name: 'a', type: 'linux', size: 'fill', filesystem: ext4 }] });
  fails(() => planLayout({ spec: dos('3TiB'), minSizes: [MiB] }), UsageError, /3 TiB .* more than a DOS \(MBR\) table can address \(at most 2 TiB.*"gpt"/);
  fails(() => planLayout({ spec: gpt('20TiB'), minSizes: [MiB] }), UsageError, /target disk size .* is 20 TiB .*at most 16 TiB/);
  assert.equal(planLayout({ spec: gpt('16TiB'), minSizes: [MiB] }).diskSize, 16 * 1024 * GiB);
  const bigPart = spec({ table: { type: 'dos' }, partitions: [{ name: 'a', type: 'linux', size: '3TiB', filesystem: ext4 }] });
  fails(() => planLayout({ spec: bigPart, minSizes: [MiB] }), UsageError, /disk the partitions need is 3.00 TiB/);
  fails(() => spec({ table: { type: 'dos' }, size: '1EiB', partitions: [{ name: 'a', type: 'linux', size: 'fill', filesystem: ext4 }] }), UsageError, /spec.size: "1EiB" is too large/);
  fails(() => spec({ table: { type: 'dos' }, partitions: [{ name: 'a', type: 'linux', size: '-1MiB', filesystem: ext4 }] }), UsageError, /size: a size cannot be negative/);
  fails(() => spec({ table: { type: 'dos' }, partitions: [{ name: 'a', type: 'linux', size: 1.5, filesystem: ext4 }] }), UsageError, /whole number of bytes/);
  fails(() => spec({ table: { type: 'dos' }, partitions: [{ name: 'a', type: 'linux', size: 0, filesystem: ext4 }] }), UsageError, /greater than 0/);
});

test('a forced FAT type that needs more than the partition: the message says why, not "content needs"', () => {
  const s = spec({ table: { type: 'dos' }, partitions: [{ name: 'boot', type: 'fat32', size: '32MiB', filesystem: { type: 'vfat', fatType: 32 } }] });
  const why = 'FAT32 needs at least 65525 clusters, i.e. at least 33 MiB (34603008 bytes) with 512-byte clusters';
  fails(() => planLayout({ spec: s, minSizes: [33 * MiB], minReasons: [why] }), UsageError, /partition is 32 MiB .* but FAT32 needs at least 65525 clusters/);
  fails(() => planLayout({ spec: s, minSizes: [33 * MiB] }), DoesNotFitError, /content needs 33 MiB/);
});

test('partition counts and labels are checked in the spec', () => {
  const parts = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `p${i}`, type: 'linux', size: '1MiB', filesystem: { type: 'swap' } }));
  fails(() => spec({ table: { type: 'dos' }, partitions: parts(5) }), UsageError, /5 partitions do not fit in a DOS.*at most 4 primary/);
  fails(() => spec({ table: { type: 'gpt' }, partitions: parts(129) }), UsageError, /129 partitions do not fit in a GPT, which holds at most 128/);
  assert.equal(spec({ table: { type: 'gpt' }, partitions: parts(128) }).partitions.length, 128);
  const fs = (filesystem: Record<string, unknown>) => spec({ table: { type: 'dos' }, partitions: [{ name: 'a', type: 'linux', size: '1MiB', filesystem }] });
  fails(() => fs({ type: 'vfat', label: 'FIRMWARE-TOO' }), UsageError, /filesystem.label: the FAT label "FIRMWARE-TOO" is 12 bytes long; FAT labels hold at most 11/);
  fails(() => fs({ type: 'vfat', label: 'a.b' }), UsageError, /contains "\."/);
  fails(() => fs({ type: 'ext4', label: 'x'.repeat(17) }), UsageError, /ext4 label .* 17 bytes long; .*at most 16/);
  fails(() => fs({ type: 'btrfs', label: 'x'.repeat(256) }), UsageError, /256 bytes long; .*at most 255/);
  fails(() => fs({ type: 'swap', label: 'x'.repeat(16) }), UsageError, /swap label .* 16 bytes long; .*at most 15/);
  fails(() => fs({ type: 'ext4', label: 'a\nb' }), UsageError, /control character/);
  assert.equal(fs({ type: 'vfat', label: 'boot' }).partitions[0]!.filesystem.type, 'vfat');
  assert.equal((fs({ type: 'vfat', label: 'boot' }).partitions[0]!.filesystem as { label?: string }).label, 'boot', 'kept as given');
});
