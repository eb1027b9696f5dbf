/**
 * GPT placement (issue 24, part 2): the entry array's offset (sgdisk -j), its number of entries
 * (sgdisk --resize-table) and the first usable LBA. Each table is built by src/ptable and by
 * sgdisk 1.0.9 on sparse files of the same size; the first and the last MiB must be equal
 * byte for byte, and `sgdisk -v` must find no problem in ours. The readers read the array from
 * the header's PartitionEntryLBA (checked with `imgsmith inspect --json`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { UsageError } from '../src/errors.ts';
import type { DiskPlan, PlannedPartition } from '../src/disk-plan.ts';
import { tableStructureRanges, validateTable } from '../src/ptable/index.ts';
import { decodeGptHeader } from '../src/ptable/gpt.ts';
import { planLayout } from '../src/layout.ts';
import { validateSpec } from '../src/spec.ts';
import type { GptTableSpec } from '../src/spec-types.ts';
import { MiB } from '../src/units.ts';
import { runCli } from './helpers/cli.ts';
import { blankImage, ourTableImage, readAt, sgdiskVerify } from './helpers/table-images.ts';

const S = 512;
let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'imgsmith-placement-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const GUIDS = ['6A1B2C3D-0001-4E5F-8A9B-000000000001', '6A1B2C3D-0002-4E5F-8A9B-000000000002'];

function part(index: number, startLba: number, sizeLba: number, type: string): PlannedPartition {
  return { index, name: `p${index}`, start: startLba * S, size: sizeLba * S, type, bootable: false, attributes: [], guid: GUIDS[index - 1]! };
}

function gptPlan(diskSize: number, table: Partial<GptTableSpec>, partitions: PlannedPartition[]): DiskPlan {
  return { diskSize, table: { type: 'gpt', seed: 'placement', diskGuid: '11111111-2222-3333-4444-555555555555', ...table }, partitions };
}

/** The same table made by sgdisk: -j LBA, --resize-table, then the partitions with our GUIDs. */
async function sgdiskImage(plan: DiskPlan): Promise<string> {
  const f = await blankImage(dir, plan.diskSize, 'sgdisk');
  const t = plan.table as GptTableSpec;
  const args = ['--clear', '--set-alignment=1', '--disk-guid=11111111-2222-3333-4444-555555555555'];
  if (t.entries !== undefined) args.push(`--resize-table=${t.entries}`);
  if (t.entryArrayOffset !== undefined) args.push(`--move-main-table=${t.entryArrayOffset / S}`);
  for (const p of plan.partitions) {
    args.push(`--new=${p.index}:${p.start / S}:${(p.start + p.size) / S - 1}`, `--typecode=${p.index}:${p.type}`,
      `--partition-guid=${p.index}:${p.guid}`, `--change-name=${p.index}:${p.name}`);
  }
  await execa('sgdisk', [...args, f]);
  return f;
}

/** The first and the last MiB (or the whole of a smaller image) must be equal. */
async function assertSameEnds(a: string, b: string, size: number): Promise<void> {
  const len = Math.min(MiB, size);
  for (const off of [0, size - len]) {
    const [x, y] = await Promise.all([readAt(a, off, len), readAt(b, off, len)]);
    if (!x.equals(y)) {
      const i = x.findIndex((v, k) => v !== y[k]);
      assert.fail(`images differ at byte ${off + i} (LBA ${Math.floor((off + i) / S)}): ours ${x[i]}, sgdisk ${y[i]}`);
    }
  }
}

describe('a moved or resized GPT entry array is byte-equal to sgdisk', { concurrency: true }, () => {
  const cases: { title: string; diskSize: number; table: Partial<GptTableSpec>; parts: [number, number, string][]; array: [number, number]; first: number }[] = [
    { title: 'array at 1 MiB (LBA 2048, the Allwinner layout), 128 entries', diskSize: 20 * MiB,
      table: { entryArrayOffset: MiB }, parts: [[4096, 8192, '8300'], [12288, 20480, '0700']], array: [2048, 128], first: 2080 },
    { title: '56 entries at LBA 2, disk size not a multiple of 1 MiB', diskSize: 20 * MiB + 7 * S,
      table: { entries: 56 }, parts: [[2048, 4096, 'ef00']], array: [2, 56], first: 16 },
    { title: '4 entries at 16 KiB (LBA 32), odd disk size', diskSize: 9 * MiB + 3 * S,
      table: { entryArrayOffset: 16384, entries: 4 }, parts: [[2048, 2048, '8300'], [6144, 1024, '8200']], array: [32, 4], first: 33 },
    { title: '256 entries at 32 KiB', diskSize: 12 * MiB,
      table: { entryArrayOffset: 32768, entries: 256 }, parts: [[2048, 2048, '8300']], array: [64, 256], first: 128 },
  ];
  for (const c of cases) {
    test(c.title, async () => {
      const plan = gptPlan(c.diskSize, c.table, c.parts.map(([s, z, t], i) => part(i + 1, s, z, t)));
      const [mine, ref] = await Promise.all([ourTableImage(dir, plan), sgdiskImage(plan)]);
      await assertSameEnds(mine, ref, c.diskSize);
      const v = await sgdiskVerify(mine);
      if ((c.table.entries ?? 128) < 128) assert.match(v, /less than the minimum\s+required by the GPT specification/);
      const h = decodeGptHeader(await readAt(mine, S, S), 1)!;
      assert.deepEqual([Number(h.entriesLba), h.entryCount, Number(h.firstUsableLba)], [...c.array, c.first]);
      const p = await execa('sgdisk', ['-p', mine]);
      assert.match(p.stdout, new RegExp(`Main partition table begins at sector ${c.array[0]} and ends at sector ${c.array[0] + c.array[1] / 4 - 1}`));
      assert.match(p.stdout, new RegExp(`First usable sector is ${c.first},`));
    });
  }

  test('a first usable LBA past the array end (no sgdisk option): the header says it, sgdisk -v is clean, the readers follow', async () => {
    const plan = gptPlan(16 * MiB, { entryArrayOffset: 8 * 1024 * 2, entries: 128, firstUsable: 512 * 1024 }, [part(1, 2048, 4096, '8300')]);
    const mine = await ourTableImage(dir, plan);
    await sgdiskVerify(mine);
    const p = await execa('sgdisk', ['-p', mine]);
    assert.match(p.stdout, /Main partition table begins at sector 32 and ends at sector 63/);
    assert.match(p.stdout, /First usable sector is 1024,/);
    // The sectors between the header and the moved array stay as they were (zeros here): an SPL can go there.
    assert.ok((await readAt(mine, 2 * S, 30 * S)).every((b) => b === 0));
    const r = await runCli(['inspect', '--json', mine]);
    assert.equal(r.exitCode, 0, r.stderr);
    const t = JSON.parse(r.stdout).table;
    assert.deepEqual([t.gpt.primary.entriesLba, t.gpt.primary.firstUsableLba, t.gpt.primary.entriesCrcOk, t.gpt.backup.entriesCrcOk], [32, 1024, true, true]);
    assert.deepEqual(t.partitions.map((q: { startLba: number }) => q.startLba), [2048]);
    assert.deepEqual(t.warnings, []);
  });
});

describe('placement: the plan, the structures and bad input', () => {
  test('the layout starts the first partition after the first usable LBA and keeps the backup array at the end', () => {
    const spec = validateSpec({
      name: 'x', table: { type: 'gpt', entryArrayOffset: '1MiB', entries: 64 }, alignment: '4KiB',
      partitions: [{ name: 'a', type: 'linux', size: '1MiB', filesystem: { type: 'raw' } }],
    }, dir);
    const plan = planLayout({ spec, minSizes: [0] });
    // array: LBA 2048-2063 (64 entries = 16 sectors); first usable 2064 -> 4 KiB aligned: LBA 2064.
    assert.equal(plan.partitions[0]!.start, 2064 * S);
    // disk: partition end + backup array (16 sectors) + header.
    assert.equal(plan.diskSize, (2064 + 2048 + 17) * S);
    assert.deepEqual(tableStructureRanges(plan).map((r) => [r.what, r.start / S, r.end / S]), [
      ['protective MBR', 0, 1], ['GPT header', 1, 2], ['GPT entry array', 2048, 2064],
      ['backup GPT entry array', 4112, 4128], ['backup GPT header', 4128, 4129],
    ]);
  });

  const bad: [string, Partial<GptTableSpec>, PlannedPartition[], RegExp][] = [
    ['array over the header', { entryArrayOffset: 512 }, [part(1, 2048, 2048, '8300')], /spec\.table\.entryArrayOffset: 512 overlaps the primary GPT header/],
    ['array over the MBR', { entryArrayOffset: 0 }, [part(1, 2048, 2048, '8300')], /spec\.table\.entryArrayOffset: 0 overlaps the MBR/],
    ['entries not a multiple of 4', { entries: 126 }, [part(1, 2048, 2048, '8300')], /spec\.table\.entries: 126 .*multiple of 4/],
    ['too many entries', { entries: 65536 }, [part(1, 2048, 2048, '8300')], /spec\.table\.entries: 65536 .*from 4 to 32768/],
    ['first usable before the array end', { entryArrayOffset: MiB, firstUsable: MiB + 8192 }, [part(1, 4096, 2048, '8300')],
      /spec\.table\.firstUsable: 1056768 is before the end of the primary entry array \(bytes 1048576-1064959/],
    ['array past the first partition', { entryArrayOffset: 2 * MiB }, [part(1, 2048, 4096, '8300')],
      /spec\.partitions\[0\]: sectors 2048-6143 overlap the GPT entry array \(sectors 4096-4127/],
    ['partition before the first usable LBA', { firstUsable: 2 * MiB }, [part(1, 2048, 2048, '8300')], /spec\.partitions\[0\]: sectors 2048-4095 are outside the usable area of the disk \(sectors 4096-/],
    ['more partitions than entries', { entries: 4 }, [1, 2, 3, 4, 5].map((i) => ({ ...part(1, 2048 * i, 2048, '8300'), index: i, name: `p${i}`, guid: undefined as unknown as string })),
      /5 partitions do not fit in a GPT of 4 entries/],
  ];
  for (const [title, table, parts, re] of bad) {
    test(title, () => {
      assert.throws(() => validateTable(gptPlan(64 * MiB, table, parts)), (e: unknown) => e instanceof UsageError && re.test(e.message));
    });
  }

  test('the spec: units, types, an extended partition on a GPT', () => {
    const base = { name: 'x', partitions: [{ name: 'a', type: 'linux', size: '1MiB', filesystem: { type: 'raw' } }] };
    const t = validateSpec({ ...base, table: { type: 'gpt', entryArrayOffset: '8KiB', entries: 32, firstUsable: '1MiB' } }, dir).table;
    assert.deepEqual(t, { type: 'gpt', seed: 'x', entryArrayOffset: 8192, entries: 32, firstUsable: MiB });
    assert.throws(() => validateSpec({ ...base, table: { type: 'gpt', entryArrayOffset: 1000 } }, dir), /spec\.table\.entryArrayOffset: .*not a multiple of 512/);
    assert.throws(() => validateSpec({ ...base, table: { type: 'gpt', entries: '128' } }, dir), /spec\.table\.entries: expected a whole number/);
    assert.throws(() => validateSpec({ ...base, table: { type: 'gpt', entries: 126 } }, dir), /spec\.table\.entries: 126 partition entries: give a multiple of 4/);
    assert.throws(() => validateSpec({ ...base, table: { type: 'gpt', entryArrayOffset: '1MiB', firstUsable: '8KiB' } }, dir), /spec\.table\.firstUsable: 8192 is before the end/);
    assert.throws(() => validateSpec({ ...base, table: { type: 'dos', entries: 4 } }, dir), /spec\.table: unknown key "entries"/);
    assert.throws(() => validateSpec({
      name: 'x', table: { type: 'gpt' },
      partitions: [{ name: 'e', type: 'extended', size: '8MiB' }, ...base.partitions],
    }, dir), /spec\.partitions\[0\]\.type: an extended partition exists only in a DOS table/);
  });
});
