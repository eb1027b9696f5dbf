/**
 * dm-verity hash partitions (src/fs/verity.ts), checked with cryptsetup's veritysetup, sfdisk
 * and mtools rather than with imgsmith's own reader: `veritysetup verify` passes on the data
 * and hash partitions copied out of the image, `veritysetup format` of the same data with the
 * same salt and UUID gives the same bytes and root hash as the manifest's, the GPT partition
 * UUIDs are the root hash's halves (computed here from veritysetup's root hash), the root hash
 * reaches the boot partition's files, two builds are identical, `imgsmith verify` fails on a
 * changed data byte, and every bad spec is one error with nothing published.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { runBatch, type BatchResult } from './helpers/cli-batch.ts';
import { listFiles } from './helpers/cli.ts';
import { pseudoRandom } from './helpers/firmware-fixture.ts';
import { hashDeviceSize, treeLayout } from '../src/fs/verity-tree.ts';
import { planWithNeeds } from '../src/layout.ts';
import { preparePlaceholders } from '../src/content/placeholders.ts';
import { FileTree } from '../src/content/tree.ts';
import type { ImageSpec } from '../src/spec-types.ts';

let dir: string;
const HANG_MS = 120_000;

interface Part {
  index: number;
  name: string;
  start: number;
  size: number;
  guid?: string;
  partuuid: string;
  verity?: { rootHash: string; salt: string; uuid: string; dataBlocks: number; hashAlgorithm: string; dataBlockSize: number; hashBlockSize: number; data: string };
}

async function batch(runs: string[][]): Promise<BatchResult[]> {
  const b = await runBatch(runs, { tmpdir: dir, rssFile: path.join(dir, `rss-${Math.random().toString(36).slice(2)}`), hangMs: HANG_MS });
  assert.equal(b.results.length, runs.length, `every run finished (${b.failure ?? ''})`);
  return b.results;
}

const spec = (table: object, types: [string, string, string], verity: object, bootText: string) => ({
  name: 'verity',
  table,
  partitions: [
    { name: 'boot', type: types[0], size: '8MiB', filesystem: { type: 'vfat' }, contents: [{ text: bootText, target: '/cmdline.txt' }] },
    { name: 'root', type: types[1], size: 'auto', filesystem: { type: 'raw', source: { from: 'spec', path: 'root.bin' } } } as Record<string, unknown>,
    { name: 'root-verity', type: types[2], size: 'auto', filesystem: { type: 'verity', data: 'root', ...verity } } as Record<string, unknown>,
  ],
});

const GPT_SPEC = spec(
  { type: 'gpt', seed: 'verity-test' },
  ['esp', 'root-arm64', 'root-arm64-verity'],
  {},
  'root=/dev/mapper/root roothash={rootHash:root-verity} systemd.verity_root_data=PARTUUID={partuuid:root} systemd.verity_root_hash=PARTUUID={partuuid:root-verity} uuid={verityUuid:root-verity} boot={partuuid:boot}\n',
);
// A DOS table: other algorithm and block sizes, an explicit salt and UUID.
const DOS_SPEC = spec(
  { type: 'dos', labelId: '0x1234abcd' },
  ['0x0e', 'linux', 'linux'],
  { hashAlgorithm: 'sha512', dataBlockSize: 1024, hashBlockSize: 1024, salt: 'c0ffee', uuid: '01234567-89ab-cdef-0123-456789abcdef' },
  'roothash={rootHash:root-verity} data=PARTUUID={partuuid:root}\n',
);

// An erofs root (every file read-only, a symlink, a directory) behind verity, in a GPT.
const EROFS_SPEC = spec({ type: 'gpt', seed: 'verity-erofs' }, ['esp', 'root-x86-64', 'root-x86-64-verity'], {}, 'roothash={rootHash:root-verity}\n');
Object.assign(EROFS_SPEC.partitions[1]!, {
  filesystem: { type: 'erofs', label: 'root' },
  contents: [
    { text: 'hello from erofs\n', target: '/etc/motd' },
    { text: '#!/bin/sh\n', target: '/sbin/init', mode: '0755' },
    { symlink: '/etc/motd', target: '/motd' },
  ],
});

async function writeSpec(name: string, s: object): Promise<string> {
  const d = path.join(dir, name);
  await fsp.mkdir(d, { recursive: true });
  await fsp.writeFile(path.join(d, 'root.bin'), pseudoRandom(name, 3 * 1024 * 1024 + 1000));
  await fsp.writeFile(path.join(d, 'spec.json'), JSON.stringify(s, null, 2));
  return path.join(d, 'spec.json');
}

const manifestOf = async (out: string) => JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8')) as { partitions: Part[]; image: { file: string } };

/** Copies a partition out of the image (dd-free: the bytes at its offset). */
async function copyOut(img: string, p: Part, file: string): Promise<string> {
  const fh = await fsp.open(img, 'r');
  try {
    const b = Buffer.alloc(p.size);
    await fh.read(b, 0, p.size, p.start);
    await fsp.writeFile(file, b);
  } finally {
    await fh.close();
  }
  return file;
}

let gptOut: string;
let gptOut2: string;
let dosOut: string;
let erofsOut: string;
/** Reads of the untouched builds, run in before()'s batch after them: verify (erofs, gpt), inspect --json (gpt). */
let reads: { erofsVerify: BatchResult; gptVerify: BatchResult; gptInspect: BatchResult };
/** The image every spec here names (name "verity", no compression): what before()'s reads open. */
const IMAGE = 'verity.img';

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-verity-'));
  const gpt = await writeSpec('gpt', GPT_SPEC);
  const dos = await writeSpec('dos', DOS_SPEC);
  const erofs = await writeSpec('erofs', EROFS_SPEC);
  erofsOut = path.join(dir, 'out-erofs');
  gptOut = path.join(dir, 'out-gpt');
  gptOut2 = path.join(dir, 'out-gpt2');
  dosOut = path.join(dir, 'out-dos');
  const r = await batch([
    ['build', gpt, '-o', gptOut, '--no-compress'],
    ['build', gpt, '-o', gptOut2, '--no-compress'],
    ['build', dos, '-o', dosOut, '--no-compress'],
    ['build', erofs, '-o', erofsOut, '--no-compress'],
    ['verify', path.join(erofsOut, IMAGE)],
    ['verify', path.join(gptOut, IMAGE)],
    ['inspect', '--json', path.join(gptOut, IMAGE)],
  ]);
  for (const x of r.slice(0, 4)) assert.equal(x.exitCode, 0, x.stderr);
  reads = { erofsVerify: r[4]!, gptVerify: r[5]!, gptInspect: r[6]! };
});

after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

/** veritysetup verify on copies of the two partitions, and veritysetup format of the data with the same parameters. */
async function checkWithVeritysetup(out: string): Promise<{ root: string; parts: Part[] }> {
  const m = await manifestOf(out);
  const img = path.join(out, m.image.file);
  const data = m.partitions.find((p) => p.name === 'root')!;
  const hash = m.partitions.find((p) => p.name === 'root-verity')!;
  const v = hash.verity!;
  assert.equal(v.data, 'root');
  assert.match(v.rootHash, /^[0-9a-f]+$/);
  const d = await copyOut(img, data, path.join(out, 'data.raw'));
  const h = await copyOut(img, hash, path.join(out, 'hash.raw'));
  const ok = await execa('veritysetup', ['verify', d, h, v.rootHash], { reject: false, all: true });
  assert.equal(ok.exitCode, 0, `veritysetup verify passes: ${ok.all}`);
  // veritysetup's own tree of the same data: the same bytes and root hash.
  const ref = path.join(out, 'ref.raw');
  const args = ['format', d, ref, '--hash', v.hashAlgorithm, '--data-block-size', String(v.dataBlockSize), '--hash-block-size', String(v.hashBlockSize), '--salt', v.salt, '--uuid', v.uuid];
  const fmt = await execa('veritysetup', [...args, '--root-hash-file', path.join(out, 'root.hash')]);
  assert.equal(fmt.exitCode, 0);
  const root = (await fsp.readFile(path.join(out, 'root.hash'), 'utf8')).trim();
  assert.equal(v.rootHash, root, "the manifest's root hash is veritysetup's");
  const refBytes = await fsp.readFile(ref);
  assert.ok((await fsp.readFile(h)).subarray(0, refBytes.length).equals(refBytes), 'the hash partition holds the bytes veritysetup format writes');
  const dump = (await execa('veritysetup', ['dump', h])).stdout;
  assert.match(dump, new RegExp(`UUID:\\s+${v.uuid}`));
  assert.match(dump, new RegExp(`Data blocks:\\s+${v.dataBlocks}\\b`));
  return { root, parts: m.partitions };
}

test('GPT: veritysetup verifies the partitions; UUIDs are the root hash halves (DPS); the root hash reaches the boot files', async () => {
  const { root, parts } = await checkWithVeritysetup(gptOut);
  const uuid = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  const dataUuid = uuid(root.slice(0, 32));
  const hashUuid = uuid(root.slice(-32));
  const m = await manifestOf(gptOut);
  const img = path.join(gptOut, m.image.file);
  const dump = (await execa('sfdisk', ['-d', img])).stdout.toLowerCase();
  assert.match(dump, new RegExp(`uuid=${dataUuid}, name="root"`), 'the data partition UUID is the first 128 bits');
  assert.match(dump, new RegExp(`uuid=${hashUuid}, name="root-verity"`), 'the hash partition UUID is the last 128 bits');
  assert.match(dump, /type=df3300ce-d69f-4c92-978c-9bfb0f38d820, uuid=[^,]*, name="root-verity"/, 'root-arm64-verity type');
  const boot = parts.find((p) => p.name === 'boot')!;
  const v = parts.find((p) => p.name === 'root-verity')!.verity!;
  const cmdline = (await execa('mtype', ['-i', `${img}@@${boot.start}`, '::/cmdline.txt'])).stdout;
  assert.equal(
    cmdline,
    `root=/dev/mapper/root roothash=${root} systemd.verity_root_data=PARTUUID=${dataUuid} systemd.verity_root_hash=PARTUUID=${hashUuid} uuid=${v.uuid} boot=${boot.partuuid}`,
  );
  assert.equal(parts.find((p) => p.name === 'root')!.partuuid, dataUuid, "the manifest's PARTUUID is the table's");
  assert.equal((await execa('sgdisk', ['-v', img])).stdout.includes('No problems found'), true, 'the rewritten GPT is sound');
});

test('DOS, sha512, 1 KiB blocks, explicit salt and UUID: veritysetup verifies them', async () => {
  const { root, parts } = await checkWithVeritysetup(dosOut);
  const v = parts.find((p) => p.name === 'root-verity')!.verity!;
  assert.equal(v.salt, 'c0ffee');
  assert.equal(v.uuid, '01234567-89ab-cdef-0123-456789abcdef');
  assert.equal(root.length, 128);
  const m = await manifestOf(dosOut);
  const img = path.join(dosOut, m.image.file);
  const boot = parts.find((p) => p.name === 'boot')!;
  assert.equal((await execa('mtype', ['-i', `${img}@@${boot.start}`, '::/cmdline.txt'])).stdout, `roothash=${root} data=PARTUUID=1234abcd-02`);
});

test('erofs: veritysetup verifies the root, fsck.erofs reads the data partition, imgsmith verify passes both checks', async () => {
  const { root, parts } = await checkWithVeritysetup(erofsOut);
  const data = path.join(erofsOut, 'data.raw'); // copied out by checkWithVeritysetup
  const fsck = await execa('fsck.erofs', ['--extract', data], { reject: false, all: true });
  assert.equal(fsck.exitCode, 0, fsck.all);
  const m = await manifestOf(erofsOut);
  const img = path.join(erofsOut, m.image.file);
  const boot = parts.find((p) => p.name === 'boot')!;
  assert.equal((await execa('mtype', ['-i', `${img}@@${boot.start}`, '::/cmdline.txt'])).stdout, `roothash=${root}`);
  assert.equal(m.image.file, IMAGE, 'the image before() verified');
  const r = reads.erofsVerify;
  assert.equal(r!.exitCode, 0, r!.stdout + r!.stderr);
  assert.match(r!.stdout, /ok\s+fs\s+partition 2 "root" \(erofs\)/);
  assert.match(r!.stdout, new RegExp(`ok\\s+verity\\s+partition 3 "root-verity" \\(hash tree of partition 2 "root", named by the manifest\\): \\d+ blocks .* root hash ${root} equals the manifest's`));
});

test('two builds give the same image; imgsmith verify passes, and fails on one changed data byte naming the partition', async () => {
  const m1 = await manifestOf(gptOut);
  const m2 = await manifestOf(gptOut2);
  const a = await fsp.readFile(path.join(gptOut, m1.image.file));
  const b = await fsp.readFile(path.join(gptOut2, m2.image.file));
  assert.ok(a.equals(b), 'byte-identical images');
  const data = m1.partitions.find((p) => p.name === 'root')!;
  const bad = path.join(dir, 'tampered.img');
  const flipAt = data.start + 5 * 4096 + 123;
  a[flipAt] = a[flipAt]! ^ 0x01;
  await fsp.writeFile(bad, a);
  assert.equal(m1.image.file, IMAGE, 'the image before() verified');
  const good = reads.gptVerify;
  const [tampered, noManifest] = await batch([
    ['verify', '--manifest', path.join(gptOut, 'manifest.json'), bad],
    ['verify', bad],
  ]);
  assert.equal(good!.exitCode, 0, good!.stdout + good!.stderr);
  assert.match(good!.stdout, /ok\s+verity\s+partition 3 "root-verity" \(hash tree of partition 2 "root", named by the manifest\): \d+ blocks of 4096 bytes match \(sha256\); root hash [0-9a-f]{64} equals the manifest's/);
  for (const r of [tampered!, noManifest!]) {
    assert.equal(r.exitCode, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /FAIL\s+verity\s+.*partition 2 "root": data block 5 \(bytes 20480-24575 of the partition\) does not match its hash in partition 3 "root-verity"/);
  }
  assert.match(noManifest!.stdout, /its UUID is the root hash's first 128 bits/, 'without a manifest the DPS UUID finds the data partition');
});

test('a hostile verity superblock is a failed check, not a crash', async () => {
  const m = await manifestOf(gptOut);
  const img = await fsp.readFile(path.join(gptOut, m.image.file));
  const hash = m.partitions.find((p) => p.name === 'root-verity')!;
  const variants: [string, (b: Buffer) => void, RegExp][] = [
    ['huge', (b) => b.writeBigUInt64LE(2n ** 40n, hash.start + 72), /its tree needs \d+ bytes, the partition has \d+$/],
    ['algorithm', (b) => b.write('md5\0\0\0', hash.start + 32, 'latin1'), /imgsmith cannot check it: hash algorithm "md5" is not one of sha256, sha512, sha1/],
    ['block size', (b) => b.writeUInt32LE(3000, hash.start + 64), /imgsmith cannot check it: block sizes 3000\/4096 are not powers of two/],
  ];
  const files: string[] = [];
  for (const [name, change] of variants) {
    const b = Buffer.from(img);
    change(b);
    const f = path.join(dir, `hostile-${name.replace(' ', '-')}.img`);
    await fsp.writeFile(f, b);
    files.push(f);
  }
  const results = await batch(files.flatMap((f) => [['verify', f], ['inspect', f]]));
  variants.forEach(([name, , re], i) => {
    const [verify, inspect] = [results[2 * i]!, results[2 * i + 1]!];
    assert.equal(verify.exitCode, 1, `${name}: verify fails: ${verify.stderr}`);
    assert.match(verify.stdout, new RegExp(`FAIL\\s+verity\\s+partition 3 "root-verity": ${re.source}`, 'm'), name);
    assert.equal(verify.stderr, '', `${name}: no error beyond the failed check`);
    assert.equal(inspect.exitCode, 0, `${name}: inspect reads it: ${inspect.stderr}`);
  });
});

test('inspect shows the verity superblock', async () => {
  const m = await manifestOf(gptOut);
  const v = m.partitions.find((p) => p.name === 'root-verity')!.verity!;
  assert.equal(m.image.file, IMAGE, 'the image before() inspected');
  const r = reads.gptInspect;
  assert.equal(r!.exitCode, 0, r!.stderr);
  const doc = JSON.parse(r!.stdout) as { partitions: { partition: { index: number }; fs?: { type: string; uuid: string; extra: Record<string, string> } }[] };
  const fs = doc.partitions.find((p) => p.partition.index === 3)!.fs!;
  assert.equal(fs.type, 'verity');
  assert.equal(fs.uuid, v.uuid);
  assert.equal(fs.extra.hashAlgorithm, 'sha256');
  assert.equal(fs.extra.dataBlocks, String(v.dataBlocks));
});

test('sizes: "auto" is the tree veritysetup makes; the planner grows the data partition to whole blocks', () => {
  // 1 data block: no level (veritysetup: hash device = the superblock's block).
  assert.equal(hashDeviceSize(1, 4096, 'sha256'), 4096);
  // 128 blocks fill one hash block; 129 need two levels.
  assert.deepEqual(treeLayout(128, 4096, 'sha256').levels, [{ start: 1, blocks: 1 }]);
  assert.deepEqual(treeLayout(129, 4096, 'sha256').levels, [{ start: 2, blocks: 2 }, { start: 1, blocks: 1 }]);
  const parts = [
    { name: 'root', type: 'linux', size: 'auto' as const, bootable: false, attributes: [] },
    { name: 'v', type: 'linux', size: 'auto' as const, bootable: false, attributes: [] },
  ];
  const plan = planWithNeeds({ spec: { table: { type: 'gpt', seed: 's' }, alignment: 4096, partitions: parts as never }, minSizes: [5000, 4096] }, (p) => [
    { index: 0, size: Math.ceil(p.partitions[0]!.size / 4096) * 4096, reason: 'blocks' },
    { index: 1, size: hashDeviceSize(Math.ceil(p.partitions[0]!.size / 4096), 4096, 'sha256'), reason: 'tree' },
  ]);
  assert.deepEqual(plan.partitions.map((p) => p.size), [8192, 8192]);
});

test('bad specs: one error each, naming the problem, nothing published', async () => {
  const cases: [string, (s: ReturnType<typeof spec>) => void, RegExp][] = [
    ['ext4', (s) => Object.assign(s.partitions[1]!, { filesystem: { type: 'ext4' }, size: '8MiB' }), /spec\.partitions\[2\]\.filesystem\.data: verity needs a read-only filesystem \(raw[^)]*\); partition "root" is ext4$/],
    ['missing', (s) => ((s.partitions[2]!.filesystem as Record<string, unknown>).data = 'rot'), /spec\.partitions\[2\]\.filesystem\.data: no partition is named "rot" \(partitions: boot, root, root-verity\)$/],
    ['itself', (s) => ((s.partitions[2]!.filesystem as Record<string, unknown>).data = 'root-verity'), /spec\.partitions\[2\]\.filesystem\.data: "root-verity" is this partition itself/],
    ['twice', (s) => s.partitions.push({ ...s.partitions[2]!, name: 'again' }), /spec\.partitions\[3\]\.filesystem\.data: partition "root" already has its hash tree in spec\.partitions\[2\] \("root-verity"\); one verity partition per data partition$/],
    ['small', (s) => Object.assign(s.partitions[2]!, { size: '8KiB' }), /spec\.partitions\[2\]\.size: the partition is 8 KiB \(8192 bytes\) but the dm-verity hash tree of partition "root" \(3146752 bytes: 769 blocks of 4096\) needs 36 KiB \(36864 bytes\)$/],
    ['name', (s) => (((s.partitions[0] as { contents: { text: string }[] }).contents[0]!).text = 'roothash={rootHash:root}'), /spec\.partitions\[0\]: \/cmdline\.txt uses \{rootHash:root\}, but no partition named "root" has a rootHash \(partitions that do: "root-verity"\)$/],
    [
      'own-hash',
      (s) => Object.assign(s.partitions[1]!, { filesystem: { type: 'erofs' }, contents: [{ text: 'my own hash: {rootHash:root-verity}', target: '/hash' }] }),
      /spec\.partitions\[1\]: erofs is built before the layout, so its files cannot hold \{rootHash:\.\.\.\}-style values known only after other partitions are written \(nor a root hash of itself\); put them in another partition$/,
    ],
    ['salt', (s) => ((s.partitions[2]!.filesystem as Record<string, unknown>).salt = 'xyz'), /spec\.partitions\[2\]\.filesystem\.salt: /],
  ];
  const runs: string[][] = [];
  for (const [name, change] of cases) {
    const s = structuredClone(GPT_SPEC);
    change(s);
    const file = await writeSpec(`bad-${name}`, s);
    runs.push(['build', file, '-o', path.join(dir, `bad-${name}`, 'out')]);
  }
  const results = await batch(runs);
  results.forEach((r, i) => {
    const [name, , re] = cases[i]!;
    assert.notEqual(r.exitCode, 0, `${name}: fails`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${name}: one line: ${r.stderr}`);
    assert.match(lines[0]!, /^imgsmith: error: \S+spec\.json:\d+:\d+: /, `${name}: located in the spec file`);
    assert.match(lines[0]!, re, name);
  });
  for (const [name] of cases) assert.deepEqual(await listFiles(path.join(dir, `bad-${name}`, 'out')), [], `${name}: nothing published`);
});

test('placeholders: fillers of the value\'s length, the write order, and a partition waiting for itself', () => {
  const part = (name: string, filesystem: object) => ({ name, type: 'linux', size: 'auto', bootable: false, attributes: [], filesystem, contents: [] });
  const verity = { type: 'verity', data: 'd', hashAlgorithm: 'sha512', dataBlockSize: 4096, hashBlockSize: 4096, salt: '', uuid: '01234567-89ab-cdef-0123-456789abcdef' };
  const spec = { table: { type: 'gpt', seed: 's' }, partitions: [part('boot', { type: 'vfat' }), part('d', { type: 'raw', source: null }), part('v', verity)] } as unknown as ImageSpec;
  const boot = new FileTree();
  boot.add('/', { kind: 'dir', mode: 0o755 });
  boot.add('/cmdline', { kind: 'data', mode: 0o644, data: Buffer.from('a={rootHash:v} b={partuuid:d} c={partuuid:boot}') });
  const trees = [boot, new FileTree(), new FileTree()];
  const late = preparePlaceholders(spec, trees);
  const text = (boot.get('/cmdline') as { data: Buffer }).data.toString();
  assert.match(text, /^a=0{128} b=0{36} c=[0-9a-f-]{36}$/, 'sha512: 128 hex digits; the derived PARTUUID of "boot" is known at once');
  assert.deepEqual([...late.waitsFor[0]!].sort(), ['v'], 'boot waits for the verity partition (its root hash and the data partition\'s UUID)');
  assert.deepEqual([...late.waitsFor[2]!], ['d'], 'verity waits for its data');
  // A data partition that embeds its own root hash waits for itself.
  const cyclic = { ...spec, partitions: [part('d', { type: 'vfat' }), part('v', verity)] } as unknown as ImageSpec;
  const d = new FileTree();
  d.add('/', { kind: 'dir', mode: 0o755 });
  d.add('/x', { kind: 'data', mode: 0o644, data: Buffer.from('{rootHash:v}') });
  assert.throws(() => preparePlaceholders(cyclic, [d, new FileTree()]), /spec\.partitions\[0\]: partitions wait for each other: "d" needs "v" needs "d"/);
});

test('an ext4 partition holding {rootHash:...} gets the real root hash (its measured tree list is not reused)', async () => {
  // ext4 writes its tree list (with the data entries' bytes) while it is measured, before the
  // root hash is known: the value must still reach the filesystem, not the filler.
  const s = spec({ type: 'gpt', seed: 'verity-ext4-boot' }, ['linux', 'root-arm64', 'root-arm64-verity'], {}, 'roothash={rootHash:root-verity}\n');
  Object.assign(s.partitions[0]!, { size: '16MiB', filesystem: { type: 'ext4', label: 'boot' } });
  const specFile = await writeSpec('ext4-boot', s);
  const out = path.join(dir, 'out-ext4-boot');
  const [r] = await batch([['build', specFile, '-o', out, '--no-compress']]);
  assert.equal(r!.exitCode, 0, r!.stderr);
  const m = await manifestOf(out);
  const rootHash = m.partitions.find((p) => p.verity)!.verity!.rootHash;
  assert.match(rootHash, /^[0-9a-f]{64}$/);
  const boot = await copyOut(path.join(out, m.image.file), m.partitions[0]!, path.join(dir, 'ext4-boot.part'));
  const cat = await execa('debugfs', ['-R', 'cat /cmdline.txt', boot]);
  assert.equal(cat.stdout, `roothash=${rootHash}`);
  const fsck = await execa('e2fsck', ['-fn', boot], { reject: false });
  assert.equal(fsck.exitCode, 0, fsck.stdout);
});
