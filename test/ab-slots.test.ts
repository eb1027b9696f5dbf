/**
 * A/B slots (src/slots.ts, images/ab-slots.json): a partition `"slot": { "of": NAME, "contents":
 * "copy" | "empty" }` has its origin's size and its bytes or zeros. Checked with independent
 * tools: sgdisk -v, sfdisk -J, e2fsck, fsck.fat, mtools, and byte comparisons that read only the
 * data ranges (helpers/sparse-bytes.ts: the slots are GiBs of holes); bad slot specs fail with one
 * located error and publish nothing (those builds run in one process: helpers/cli-runs.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { listFiles, REPO, runCli } from './helpers/cli.ts';
import { cliRuns } from './helpers/cli-runs.ts';
import { extractPartition, firstDifference, firstNonZero } from './helpers/sparse-bytes.ts';
import { cachedRecipe, recipeFixture, type RecipeFixture } from './helpers/recipe-cache.ts';
import { GiB } from '../src/units.ts';

const RECIPE = path.join(REPO, 'images', 'ab-slots.json');
let tmp: string;
let fx: RecipeFixture['fx'];
let firmware: string;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-ab-slots-'));
  ({ fx, firmware } = await recipeFixture());
});
after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

interface Part {
  node: string;
  start: number;
  size: number;
  type: string;
  name: string;
  uuid: string;
}
async function gptParts(img: string): Promise<Part[]> {
  assert.match((await execa('sgdisk', ['-v', img])).stdout, /No problems found/);
  const t = JSON.parse((await execa('sfdisk', ['-J', img])).stdout).partitiontable as { label: string; partitions: Part[] };
  assert.equal(t.label, 'gpt');
  return t.partitions;
}
const part = (img: string, p: Part, name: string) => extractPartition(img, p.start * 512, p.size * 512, path.join(tmp, name));
const mtools = { env: { MTOOLS_SKIP_CHECK: '1' } };
const fatCat = async (img: string, p: Part, file: string) => (await execa('mtype', ['-i', `${img}@@${p.start * 512}`, `::${file}`], mtools)).stdout;

type Edit = (spec: { partitions: Record<string, unknown>[] }) => void;

/** The recipe with `edit` applied, written next to the others in tmp; the build's command line. */
async function editedBuild(name: string, edit: Edit) {
  const spec = JSON.parse(await fsp.readFile(RECIPE, 'utf8'));
  delete spec.$schema;
  edit(spec);
  const specPath = path.join(tmp, `${name}.json`);
  await fsp.writeFile(specPath, JSON.stringify(spec, null, 2));
  const out = path.join(tmp, `out-${name}`);
  const args = ['build', specPath, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', firmware, '-o', out, '--no-compress'];
  return { args, out, specPath };
}

/** The edited recipe built by the real CLI. */
async function buildEdited(name: string, edit: Edit) {
  const b = await editedBuild(name, edit);
  return { ...(await runCli(b.args)), ...b };
}

test('ab-slots: 6 GPT partitions, system-b a byte copy of system-a, every filesystem clean, each boot slot names its system by PARTUUID', async () => {
  const r = await cachedRecipe('ab-slots.json');
  const parts = await gptParts(r.img);
  assert.deepEqual(parts.map((p) => p.name), ['autoboot', 'boot-a', 'boot-b', 'system-a', 'system-b', 'data']);
  const [autoboot, bootA, bootB, sysA, sysB, data] = parts as [Part, Part, Part, Part, Part, Part];
  assert.equal(sysA.size * 512, GiB);
  assert.equal(sysB.size, sysA.size, 'the slots have the same size');
  assert.notEqual(sysB.uuid, sysA.uuid, 'each slot has its own PARTUUID');
  const a = await part(r.img, sysA, 'system-a.img');
  const b = await part(r.img, sysB, 'system-b.img');
  assert.equal(await firstDifference(a, b), null, 'system-b is a byte copy of system-a');
  for (const f of [a, b, await part(r.img, data, 'data.img')]) await execa('e2fsck', ['-fn', f]);
  for (const [p, n] of [[autoboot, 'autoboot'], [bootA, 'boot-a'], [bootB, 'boot-b']] as const) await execa('fsck.fat', ['-n', await part(r.img, p, `${n}.img`)]);
  assert.equal(await fatCat(r.img, autoboot, 'autoboot.txt'), '[all]\ntryboot_a_b=1\nboot_partition=2\n[tryboot]\nboot_partition=3');
  assert.match(await fatCat(r.img, bootA, 'cmdline.txt'), new RegExp(` root=PARTUUID=${sysA.uuid} `, 'i'));
  assert.match(await fatCat(r.img, bootB, 'cmdline.txt'), new RegExp(` root=PARTUUID=${sysB.uuid} `, 'i'));
  const m = r.manifest.partitions;
  assert.deepEqual(m[4]!.slot, { of: 'system-a', contents: 'copy' });
  assert.deepEqual(m[4]!.filesystem, m[3]!.filesystem, "a copy reports its origin's filesystem");
  assert.equal(m[3]!.slot, undefined);
});

test('ab-slots: "empty" slots are zeros of their origin\'s size (and may repeat that size)', async () => {
  const r = await buildEdited('empty', (s) => {
    s.partitions[2] = { name: 'boot-b', type: 'basic-data', slot: { of: 'boot-a', contents: 'empty' } };
    s.partitions[4] = { name: 'system-b', type: 'root-arm64', size: '1GiB', slot: { of: 'system-a', contents: 'empty' } };
  });
  assert.equal(r.exitCode, 0, r.stderr);
  const img = path.join(r.out, 'ab-slots-aarch64-linux.img');
  const parts = await gptParts(img);
  assert.equal(parts[4]!.size, parts[3]!.size);
  assert.equal(parts[2]!.size, parts[1]!.size);
  assert.equal(await firstNonZero(await part(img, parts[4]!, 'empty-b.img'), GiB), null);
  assert.equal(await firstNonZero(await part(img, parts[2]!, 'empty-boot-b.img'), parts[2]!.size * 512), null);
  await execa('e2fsck', ['-fn', await part(img, parts[3]!, 'empty-a.img')]);
  const m = JSON.parse(await fsp.readFile(path.join(r.out, 'manifest.json'), 'utf8'));
  assert.deepEqual(m.partitions[4].slot, { of: 'system-a', contents: 'empty' });
  assert.equal(m.partitions[4].filesystem.type, 'raw');
});

test('ab-slots: bad slots are one located error each, and nothing is published', async () => {
  const slotB = (extra: Record<string, unknown>) => (s: { partitions: Record<string, unknown>[] }) => {
    s.partitions[4] = { name: 'system-b', type: 'root-arm64', ...extra };
  };
  const cases: [string, Edit, RegExp][] = [
    ['sizes', slotB({ size: '512MiB', slot: { of: 'system-a', contents: 'copy' } }), /spec\.partitions\[4\]\.size: slot "system-b" is 512 MiB \(536870912 bytes\) but "system-a", the partition it is a slot of, is 1 GiB \(1073741824 bytes\): slots have the same size/],
    ['missing', slotB({ slot: { of: 'system-c', contents: 'copy' } }), /spec\.partitions\[4\]\.slot\.of: no partition is named "system-c" \(did you mean "system-a"\?\)/],
    ['self', slotB({ slot: { of: 'system-b', contents: 'copy' } }), /spec\.partitions\[4\]\.slot\.of: partition "system-b" cannot be a slot of itself/],
    [
      'cycle',
      (s) => {
        s.partitions[3] = { name: 'system-a', type: 'root-arm64', slot: { of: 'system-b', contents: 'copy' } };
        s.partitions[4] = { name: 'system-b', type: 'root-arm64', slot: { of: 'system-a', contents: 'empty' } };
      },
      /spec\.partitions\[3\]\.slot\.of: the slots form a cycle: system-a -> system-b -> system-a/,
    ],
    ['order', (s) => void s.partitions.splice(3, 2, s.partitions[4]!, s.partitions[3]!), /spec\.partitions\[3\]\.slot\.of: "system-a" \(spec\.partitions\[4\]\) must come before its slot "system-b"/],
    ['filesystem', slotB({ slot: { of: 'system-a', contents: 'copy' }, filesystem: { type: 'ext4' } }), /spec\.partitions\[4\]\.filesystem: a slot has no filesystem of its own/],
    ['contents', slotB({ slot: { of: 'system-a', contents: 'mirror' } }), /spec\.partitions\[4\]\.slot\.contents: /],
    [
      'auto-origin',
      (s) => {
        s.partitions[3]!.size = 'auto';
        s.partitions[4] = { name: 'system-b', type: 'root-arm64', size: '1GiB', slot: { of: 'system-a', contents: 'copy' } };
      },
      /spec\.partitions\[4\]\.size: slot "system-b" is 1 GiB \(1073741824 bytes\) but "system-a", the partition it is a slot of, is [\d.]+ MiB \(\d+ bytes\)/,
    ],
  ];
  const builds = await Promise.all(cases.map(([name, edit]) => editedBuild(`bad-${name}`, edit)));
  const results = await cliRuns(tmp, builds.map((b) => b.args));
  for (const [i, [name, , want]] of cases.entries()) {
    const r = { ...results[i]!, ...builds[i]! };
    assert.equal(r.exitCode, 2, `${name}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('imgsmith: warning: '));
    assert.equal(lines.length, 1, `${name}: one error line: ${r.stderr}`);
    assert.match(lines[0]!, new RegExp(`^imgsmith: error: ${r.specPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: `), name);
    assert.match(lines[0]!, want, name);
    assert.deepEqual(await listFiles(r.out), [], `${name}: nothing published`);
  }
});
