/**
 * DOS extended and logical partitions (issue 24, part 3). The MBR and the EBR chain src/ptable
 * writes are compared byte for byte with what sfdisk 2.38 writes for the same script on a sparse
 * file of the same size (whole images compared), and `sfdisk -d` must agree; the planner's default
 * starts must be sfdisk's own for a script without starts; a real image built through the CLI
 * with logical partitions is checked with fsck.ext4 / fsck.fat on offset copies, sfdisk and the
 * image tools (ls/cat/inspect/verify/diff with IMAGE:5 and up). Bad specs: one error each.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { UsageError } from '../src/errors.ts';
import type { DiskPlan, PlannedExtended, PlannedPartition } from '../src/disk-plan.ts';
import { planLayout } from '../src/layout.ts';
import { buildPartitionTable, tableStructureRanges, writePartitionTable } from '../src/ptable/index.ts';
import { validateSpec } from '../src/spec.ts';
import { MiB } from '../src/units.ts';
import { runCli } from './helpers/cli.ts';
import { cliRuns } from './helpers/cli-runs.ts';
import { extractPartition } from './helpers/partition.ts';
import { blankImage } from './helpers/table-images.ts';

const S = 512;
let dir = '';
before(async () => {
  dir = await fsp.mkdtemp(path.join(tmpdir(), 'imgsmith-extended-'));
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

async function sfdisk(file: string, script: string): Promise<void> {
  await execa('sfdisk', ['--no-reread', '--no-tell-kernel', file], { input: script });
}

/** `sfdisk -d` without the device name (the file names differ). */
async function dump(file: string): Promise<string> {
  const { stdout } = await execa('sfdisk', ['-d', file]);
  return stdout.split(file).join('IMG');
}

async function assertSameFiles(a: string, b: string): Promise<void> {
  const [x, y] = await Promise.all([fsp.readFile(a), fsp.readFile(b)]);
  assert.equal(x.length, y.length);
  if (!x.equals(y)) {
    const i = x.findIndex((v, k) => v !== y[k]);
    assert.fail(`images differ at byte ${i} (LBA ${Math.floor(i / S)}, offset ${i % S}): ours ${x[i]}, sfdisk ${y[i]}`);
  }
}

const part = (index: number, start: number, size: number, type: string, bootable = false): PlannedPartition =>
  ({ index, name: `p${index}`, start: start * S, size: size * S, type, bootable, attributes: [] });
const ext = (index: number, start: number, size: number, dosType = 0x05): PlannedExtended =>
  ({ index, name: 'ext', start: start * S, size: size * S, dosType, specIndex: index - 1 });

/** The sfdisk script for a plan: every partition with start, size and type, in number order. */
function script(plan: DiskPlan, labelId: string): string {
  const lines = [...plan.partitions.map((p) => ({ i: p.index, s: p.start, z: p.size, t: p.type, b: p.bootable })),
    ...(plan.extended ? [{ i: plan.extended.index, s: plan.extended.start, z: plan.extended.size, t: plan.extended.dosType.toString(16), b: false }] : [])]
    .sort((a, b) => a.i - b.i)
    .map((p) => `start=${p.s / S}, size=${p.z / S}, type=${p.t}${p.b ? ', bootable' : ''}`);
  return `label: dos\nlabel-id: ${labelId}\n${lines.join('\n')}\n`;
}

describe('the EBR chain is byte-equal to sfdisk', { concurrency: true }, () => {
  const cases: { title: string; diskSize: number; labelId: number; parts: PlannedPartition[]; extended: PlannedExtended }[] = [
    {
      title: '3 primaries, the extended partition to the end, 3 logicals (one bootable), 1 MiB gaps', diskSize: 64 * MiB, labelId: 0x2178694e,
      parts: [part(1, 2048, 8192, 'c', true), part(2, 10240, 8192, '83'), part(3, 18432, 8192, '83'),
        part(5, 28672, 8192, '83'), part(6, 38912, 4000, '82', true), part(7, 45056, 8192, '83')],
      extended: ext(4, 26624, 131072 - 26624),
    },
    {
      title: 'a 0x0f extended partition first, 4 KiB-aligned logicals with larger gaps, odd disk size', diskSize: 200 * MiB + 3 * S, labelId: 0xdeadbeef,
      parts: [part(2, 200 * 2048 - 4096, 2048, '83'), part(5, 4096, 2048, '83'), part(6, 8200, 3000, '7'), part(7, 150 * 2048, 20480, '83'), part(8, 150 * 2048 + 40000, 2048, 'b')],
      extended: ext(1, 2048, 150 * 2048 + 50000, 0x0f),
    },
    {
      title: 'an extended partition without logical partitions: one empty EBR', diskSize: 16 * MiB, labelId: 1,
      parts: [part(1, 2048, 2048, '83')], extended: ext(2, 4096, 8192),
    },
  ];
  for (const c of cases) {
    test(c.title, async () => {
      const plan: DiskPlan = { diskSize: c.diskSize, table: { type: 'dos', labelId: c.labelId }, partitions: c.parts, extended: c.extended };
      const mine = await blankImage(dir, c.diskSize, 'ours');
      await writePartitionTable(mine, buildPartitionTable(plan));
      const ref = await blankImage(dir, c.diskSize, 'sfdisk');
      await sfdisk(ref, script(plan, `0x${c.labelId.toString(16).padStart(8, '0')}`));
      assert.equal(await dump(mine), await dump(ref));
      await assertSameFiles(mine, ref);
      const v = await execa('sfdisk', ['--verify', mine], { reject: false });
      assert.equal(v.exitCode, 0, v.stdout + v.stderr);
      // The table's own sectors as tableStructureRanges names them: exactly the non-zero sectors of sfdisk's image.
      const ranges = tableStructureRanges(plan);
      const img = await fsp.readFile(ref);
      const used: number[] = [];
      const zeros = Buffer.alloc(S);
      for (let lba = 0; lba < img.length / S; lba++) if (!img.subarray(lba * S, (lba + 1) * S).equals(zeros)) used.push(lba);
      assert.deepEqual(ranges.map((r) => r.start / S), used);
    });
  }
});

describe('the planner places logical partitions where sfdisk would', () => {
  for (const [grain, alignment] of [['1M', '1MiB'], ['4M', '4MiB'], ['4K', '4KiB']] as const) {
    test(`alignment ${alignment} (sfdisk grain ${grain})`, async () => {
      const sizes = [8192, 8192, 8192, 8192, 4000, 8192];
      const json = {
        name: 'x', table: { type: 'dos' }, alignment, size: '100MiB',
        partitions: [
          // sfdisk starts the first partition at 1 MiB whatever its grain; imgsmith at the first aligned byte.
          ...sizes.slice(0, 3).map((z, i) => ({ name: `p${i}`, type: '83', size: z * S, filesystem: { type: 'raw' }, ...(i === 0 && grain === '4K' ? { start: '1MiB' } : {}) })),
          { name: 'ext', type: 'extended', size: 'fill' },
          ...sizes.slice(3).map((z, i) => ({ name: `l${i}`, type: '83', size: z * S, filesystem: { type: 'raw' } })),
        ],
      };
      const spec = validateSpec(json, dir);
      const plan = planLayout({ spec, minSizes: sizes.map(() => 0) });
      assert.deepEqual(plan.partitions.map((p) => p.index), [1, 2, 3, 5, 6, 7]);
      const mine = await blankImage(dir, plan.diskSize, 'ours');
      await writePartitionTable(mine, buildPartitionTable(plan));
      const ref = await blankImage(dir, plan.diskSize, 'sfdisk');
      const lines = [...sizes.slice(0, 3).map((z, i) => `${i === 0 && grain === '4K' ? 'start=2048, ' : ''}size=${z}, type=83`), 'type=5', ...sizes.slice(3).map((z) => `size=${z}, type=83`)];
      await sfdisk(ref, `label: dos\nlabel-id: 0x00000000\ngrain: ${grain}\n${lines.join('\n')}\n`);
      assert.equal(await dump(mine), await dump(ref));
      await assertSameFiles(mine, ref);
    });
  }
});

describe('bad specs: one clear error each', () => {
  const raw = (name: string, extra: object = {}) => ({ name, type: '83', size: '1MiB', filesystem: { type: 'raw' }, ...extra });
  const spec = (partitions: object[], table: object = { type: 'dos' }, extra: object = {}) => ({ name: 'x', table, partitions, ...extra });
  const cases: [string, object, RegExp][] = [
    ['five primaries', spec([1, 2, 3, 4, 5].map((i) => raw(`p${i}`))),
      /spec\.partitions: 5 partitions do not fit in a DOS \(MBR\) table, .*add a partition with "type": "extended"/],
    ['an extended partition on a GPT', spec([{ name: 'e', type: 'extended', size: '8MiB' }, raw('a')], { type: 'gpt' }),
      /spec\.partitions\[0\]\.type: an extended partition exists only in a DOS table/],
    ['two extended partitions', spec([{ name: 'e', type: 'extended', size: '8MiB' }, raw('a'), { name: 'f', type: '0x0f', size: '8MiB' }, raw('b')]),
      /spec\.partitions\[2\]\.type: a second extended partition \(spec\.partitions\[0\] is one\)/],
    ['a filesystem on the extended partition', spec([{ name: 'e', type: 'extended', size: '8MiB', filesystem: { type: 'raw' } }, raw('a')]),
      /spec\.partitions\[0\]\.filesystem: an extended partition holds the logical partitions .*remove "filesystem"/],
    ['contents on the extended partition', spec([{ name: 'e', type: '5', size: '8MiB', contents: [] }, raw('a')]),
      /spec\.partitions\[0\]\.contents: an extended partition/],
    ['the extended partition fifth', spec([raw('a'), raw('b'), raw('c'), raw('d'), { name: 'e', type: 'extended', size: '8MiB' }, raw('f')]),
      /spec\.partitions\[4\]\.type: the extended partition must be one of the first four/],
    ['no logical partition', spec([raw('a'), { name: 'e', type: 'extended', size: '8MiB' }]), /spec\.partitions\[1\]: the extended partition holds no logical partition/],
    ['0x85', spec([{ name: 'e', type: '0x85', size: '8MiB' }, raw('a')]), /spec\.partitions\[0\]\.type: .*0x85, Linux extended.*use "extended"/],
    ['"auto" extended size', spec([{ name: 'e', type: 'extended', size: 'auto' }, raw('a')]), /spec\.partitions\[0\]\.size: an extended partition needs an explicit size or "fill"/],
    ['fill without a disk size', spec([{ name: 'e', type: 'extended', size: 'fill' }, raw('a')]), /spec\.partitions\[0\]\.size: "fill" needs a target disk size/],
    ['a duplicate name', spec([{ name: 'a', type: 'extended', size: '8MiB' }, raw('a')]), /spec\.partitions\[1\]\.name: "a" is already the name of spec\.partitions\[0\]/],
  ];
  for (const [title, json, re] of cases) {
    test(title, () => {
      assert.throws(() => validateSpec(json as never, dir), (e: unknown) => e instanceof UsageError && re.test(e.message));
    });
  }

  test('layout: a logical partition too close to the previous one, past the extended end; errors name the JSON place', () => {
    const parse = (partitions: object[]) => validateSpec(spec(partitions, { type: 'dos' }, { size: '64MiB' }), dir);
    const close = parse([{ name: 'e', type: 'extended', size: '32MiB' }, raw('a'), raw('b', { start: '3MiB' })]);
    assert.throws(() => planLayout({ spec: close, minSizes: [0, 0] }),
      /spec\.partitions\[2\]\.start: 3 MiB .*leaves less than 1 MiB after byte 3145728 .* for its EBR/);
    const big = parse([{ name: 'e', type: 'extended', size: '8MiB' }, raw('a'), raw('b', { size: '8MiB' })]);
    assert.throws(() => planLayout({ spec: big, minSizes: [0, 0] }), /spec\.partitions\[2\]: ends at .*past the end of the extended partition spec\.partitions\[0\]/);
    const fill = parse([raw('a'), { name: 'e', type: 'extended', size: '16MiB' }, raw('b', { size: 'fill' })]);
    const plan = planLayout({ spec: fill, minSizes: [0, 0] });
    assert.deepEqual(plan.partitions.map((p) => [p.index, p.start / S, p.size / S, p.specIndex]), [[1, 2048, 2048, undefined], [5, 6144, 30720, 2]]);
    assert.equal(plan.diskSize, 64 * MiB);
  });
});

test('bad input through the CLI: one located error line, exit 2, nothing published', async () => {
  const raw = (name: string, extra: object = {}) => ({ name, type: '83', size: '1MiB', filesystem: { type: 'raw' }, ...extra });
  const cases: [object, RegExp][] = [
    [{ name: 'x', table: { type: 'dos' }, partitions: [1, 2, 3, 4, 5].map((i) => raw(`p${i}`)) },
      /^imgsmith: error: \S+spec-bad-0\.json:\d+:\d+: spec\.partitions: 5 partitions do not fit .*"type": "extended"/],
    [{ name: 'x', table: { type: 'dos' }, size: '64MiB', partitions: [{ name: 'e', type: 'extended', size: '32MiB' }, raw('a'), raw('b', { start: '3MiB' })] },
      /^imgsmith: error: \S+spec-bad-1\.json:\d+:\d+: spec\.partitions\[2\]\.start: .*for its EBR/],
    [{ name: 'x', table: { type: 'gpt', entryArrayOffset: '1MiB' }, partitions: [raw('a', { start: '1MiB' })] },
      /^imgsmith: error: \S+spec-bad-2\.json:\d+:\d+: spec\.partitions\[0\]\.start: 1 MiB .*overlaps the partition table \(first usable byte is 1064960\)/],
  ];
  // The builds in one process (helpers/cli-runs.ts): what main() says of each spec.
  const runs: string[][] = [];
  for (const [k, [json]] of cases.entries()) {
    const file = path.join(dir, `spec-bad-${k}.json`);
    await fsp.writeFile(file, JSON.stringify(json, null, 2));
    runs.push(['build', file, '-o', path.join(dir, `out-bad-${k}`)]);
  }
  const results = await cliRuns(dir, runs);
  for (const [k, [, re]] of cases.entries()) {
    const out = path.join(dir, `out-bad-${k}`);
    const r = results[k]!;
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.deepEqual(await fsp.readdir(out).catch(() => []), []);
  }
});

test('a real image with logical partitions: sfdisk, fsck, ls/cat/inspect/verify/diff on IMAGE:5 and up', async () => {
  const src = path.join(dir, 'spec');
  const text = (t: string, target: string) => ({ text: t, target });
  const json = {
    name: 'logical', table: { type: 'dos', labelId: '0x0badcafe' }, size: '96MiB',
    partitions: [
      { name: 'boot', type: 'fat16', size: '8MiB', bootable: true, filesystem: { type: 'vfat', label: 'BOOT' }, contents: [text('boot\n', '/boot.txt')] },
      { name: 'root', type: 'linux', size: '16MiB', filesystem: { type: 'ext4', label: 'root' }, contents: [text('root\n', '/etc/hostname')] },
      { name: 'ext', type: 'extended', size: 'fill' },
      { name: 'data', type: 'linux', size: '12MiB', filesystem: { type: 'ext4', label: 'data' }, contents: [text('five\n', '/five.txt')] },
      { name: 'fat', type: '0x0e', size: '8MiB', filesystem: { type: 'vfat', label: 'SIX' }, contents: [text('six\n', '/six/six.txt')] },
      { name: 'last', type: 'linux', size: 'fill', filesystem: { type: 'ext4', label: 'last' }, contents: [text('seven\n', '/seven.txt')] },
    ],
    output: { compress: 'none', bmap: false },
  };
  await fsp.mkdir(src, { recursive: true });
  await fsp.writeFile(path.join(src, 'spec.json'), JSON.stringify(json));
  const out = path.join(dir, 'out');
  const built = await runCli(['build', path.join(src, 'spec.json'), '-o', out]);
  assert.equal(built.exitCode, 0, built.stderr);
  const img = path.join(out, 'logical.img');
  const d = await dump(img);
  assert.match(d, /IMG3 : start=\s*51200, size=\s*145408, type=5\n/);
  const starts = [...d.matchAll(/IMG(\d) : start=\s*(\d+), size=\s*(\d+), type=(\w+)/g)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3]), m[4]]);
  assert.deepEqual(starts.map((s) => s[0]), [1, 2, 3, 5, 6, 7]);
  const manifest = JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.partitions.map((p: { index: number; partuuid: string }) => [p.index, p.partuuid]),
    [[1, '0badcafe-01'], [2, '0badcafe-02'], [5, '0badcafe-05'], [6, '0badcafe-06'], [7, '0badcafe-07']]);
  for (const [i, start, size, type] of starts) {
    if (type === '5') continue;
    const copy = await extractPartition(img, (start as number) * S, (size as number) * S, path.join(dir, `part${i}`));
    const fsck = type === '83' ? await execa('fsck.ext4', ['-fn', copy], { reject: false }) : await execa('fsck.fat', ['-n', copy], { reject: false });
    assert.equal(fsck.exitCode, 0, `partition ${i}: ${fsck.stdout}${fsck.stderr}`);
  }
  // The reads in one process (helpers/cli-runs.ts); the build above and the verify below are the real CLI.
  const cats = [[5, '/five.txt', 'five'], [7, '/seven.txt', 'seven'], [1, '/boot.txt', 'boot']] as const;
  const [ls, inspect, same, ...catRuns] = await cliRuns(dir, [['ls', `${img}:6`, '/six'], ['inspect', '--json', img], ['diff', img, img], ...cats.map(([p, f]) => ['cat', `${img}:${p}`, f])]);
  assert.equal(ls!.exitCode, 0, ls!.stderr);
  assert.match(ls!.stdout, /six\.txt/);
  for (const [i, [, , want]] of cats.entries()) assert.equal(catRuns[i]!.stdout, want, catRuns[i]!.stderr);
  assert.equal(inspect!.exitCode, 0, inspect!.stderr);
  const t = JSON.parse(inspect!.stdout).table;
  assert.deepEqual(t.partitions.map((p: { index: number; typeCode: string }) => [p.index, p.typeCode]), [[1, '0x06'], [2, '0x83'], [3, '0x05'], [5, '0x83'], [6, '0x0e'], [7, '0x83']]);
  assert.deepEqual(t.ebrs, [51200, 77824, 96256]);
  assert.deepEqual(t.warnings, []);
  assert.deepEqual(JSON.parse(inspect!.stdout).warnings, []);
  const verify = await runCli(['verify', img]);
  assert.equal(verify.exitCode, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /partition 3 \(extended\)/);
  assert.match(verify.stdout, /partition 6 .*fsck\.fat|partition 6 .*vfat/);
  assert.equal(same!.exitCode, 0, same!.stdout + same!.stderr);
});
