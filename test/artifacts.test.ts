/**
 * Per-partition artifacts (output.partitions, src/outputs/partition-artifacts.ts) and the
 * Android sparse image output (output.simg / --simg, src/outputs/simg.ts), built for real and
 * checked with other tools: the partition ranges from sfdisk, `zstd -d`, `bmaptool copy`,
 * `simg2img`, `sha256sum -c`, e2fsck and fsck.fat on the artifacts; bad specs fail before
 * anything is published.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { buildImage, type BuildOptions } from '../src/build.ts';
import { runCli } from './helpers/cli.ts';
import { cliRuns } from './helpers/cli-runs.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'imgsmith-artifacts-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spec = (output: Record<string, unknown>, rootSize = '24MiB') => ({
  name: 'art',
  table: { type: 'gpt' },
  partitions: [
    { name: 'boot', type: 'esp', size: '40MiB', filesystem: { type: 'vfat', label: 'BOOT' }, contents: [{ text: 'hello\n', target: '/hello.txt' }] },
    { name: 'root', type: 'linux', size: rootSize, filesystem: { type: 'ext4', label: 'root' }, contents: [{ text: 'root file\n', target: '/etc/x' }] },
  ],
  output,
});

async function writeSpec(name: string, s: object): Promise<{ specPath: string; out: string }> {
  const d = path.join(dir, name);
  await mkdir(d);
  const specPath = path.join(d, 'spec.json');
  await writeFile(specPath, `${JSON.stringify(s, null, 2)}\n`);
  return { specPath, out: path.join(d, 'out') };
}

async function build(name: string, output: Record<string, unknown>, opts: Partial<BuildOptions> = {}) {
  const { specPath, out } = await writeSpec(name, spec(output));
  await buildImage({ specPath, outDir: out, ...opts });
  const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8'));
  return { out, manifest, files: (await readdir(out)).sort() };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The partitions' byte ranges as sfdisk reads them from the image. */
async function sfdiskRanges(img: string): Promise<{ name: string; start: number; size: number }[]> {
  const t = JSON.parse((await execa('sfdisk', ['--json', img])).stdout).partitiontable;
  return t.partitions.map((p: { name: string; start: number; size: number }) => ({ name: p.name, start: p.start * t.sectorsize, size: p.size * t.sectorsize }));
}

let a: Awaited<ReturnType<typeof build>>;

test('zstd, bmap and simg: every artifact is the partition\'s range of the image (zstd -d, bmaptool copy, simg2img), fsck passes, sha256sum -c passes', async () => {
  a = await build('a', { partitions: ['root', 'boot'], simg: true }, { keepRaw: true });
  const want = ['img', 'img.zst', 'bmap', 'simg'].flatMap((e) => [`art.${e}`, `art.root.${e}`, `art.boot.${e}`]).filter((f) => !/\.(root|boot)\.img$/.test(f));
  const withSums = want.filter((f) => !f.endsWith('.bmap')).map((f) => `${f}.sha256`);
  assert.deepEqual(a.files, [...want, ...withSums, 'manifest.json', 'nix-support'].sort());
  const img = await readFile(path.join(a.out, 'art.img'));
  const ranges = await sfdiskRanges(path.join(a.out, 'art.img'));
  assert.deepEqual(a.manifest.artifacts.map((x: { name: string }) => x.name), ['root', 'boot'], 'in the order output.partitions lists them');
  for (const art of a.manifest.artifacts) {
    const r = ranges.find((p) => p.name === art.name)!;
    assert.deepEqual([art.start, art.size], [r.start, r.size]);
    const part = img.subarray(r.start, r.start + r.size);
    assert.equal(art.sha256, sha(part));
    const stem = path.join(a.out, `art.${art.name}`);
    assert.ok(Buffer.from((await execa('zstd', ['-dc', `${stem}.img.zst`], { encoding: 'buffer' })).stdout).equals(part), 'zstd -d');
    const copied = path.join(dir, `${art.name}.bmaptool`);
    await execa('bmaptool', ['copy', '--bmap', `${stem}.bmap`, `${stem}.img.zst`, copied]);
    assert.ok((await readFile(copied)).equals(part), 'bmaptool copy');
    const expanded = path.join(dir, `${art.name}.simg2img`);
    await execa('simg2img', [`${stem}.simg`, expanded]);
    assert.ok((await readFile(expanded)).equals(part), 'simg2img');
    assert.deepEqual(art.compressed.file, `art.${art.name}.img.zst`);
    assert.equal(art.simg.blocks, r.size / 4096);
    assert.equal(art.bmap.blocksCount, r.size / 4096);
  }
  await execa('e2fsck', ['-fn', path.join(dir, 'root.simg2img')]);
  await execa('fsck.fat', ['-n', path.join(dir, 'boot.simg2img')]);
  // The whole disk: its size is not a multiple of 4 KiB (GPT's backup is 33 sectors): padded.
  const whole = path.join(dir, 'whole.raw');
  await execa('simg2img', [path.join(a.out, 'art.simg'), whole]);
  const w = await readFile(whole);
  assert.notEqual(img.length % 4096, 0);
  assert.equal(w.length, Math.ceil(img.length / 4096) * 4096);
  assert.ok(w.subarray(0, img.length).equals(img) && w.subarray(img.length).every((x) => x === 0));
  assert.equal(a.manifest.image.simg.file, 'art.simg');
  assert.equal(a.manifest.image.simg.sha256, sha(await readFile(path.join(a.out, 'art.simg'))));
  const check = await execa('sha256sum', ['-c', ...a.files.filter((f) => f.endsWith('.sha256'))], { cwd: a.out });
  assert.equal(check.stdout.split('\n').filter((l) => l.endsWith(': OK')).length, withSums.length);
});

test('Hydra products: the .simg files and the partition images are binary-dist; the bmaps are not products', async () => {
  const lines = (await readFile(path.join(a.out, 'nix-support/hydra-build-products'), 'utf8')).trim().split('\n');
  const p = (f: string) => path.join(a.out, f);
  assert.deepEqual(lines, [
    `file sd-image ${p('art.img.zst')}`,
    `file binary-dist ${p('art.simg')}`,
    `file binary-dist ${p('art.root.img.zst')}`,
    `file binary-dist ${p('art.root.simg')}`,
    `file binary-dist ${p('art.boot.img.zst')}`,
    `file binary-dist ${p('art.boot.simg')}`,
  ]);
});

test('a rebuild gives the same artifacts, byte for byte', async () => {
  const b = await build('a2', { partitions: ['root', 'boot'], simg: true }, { keepRaw: true });
  assert.deepEqual(b.files, a.files);
  for (const f of a.files.filter((x) => /\.(root|boot)\.|\.simg$/.test(x))) {
    assert.equal(sha(await readFile(path.join(b.out, f))), sha(await readFile(path.join(a.out, f))), f);
  }
});

test('without compression: the raw partition image (cmp with the range), its .sha256; no bmap or simg unless asked', async () => {
  const c = await build('c', { partitions: ['boot'], compress: 'none', bmap: false });
  assert.deepEqual(c.files, ['art.boot.img', 'art.boot.img.sha256', 'art.img', 'art.img.sha256', 'manifest.json', 'nix-support']);
  const img = await readFile(path.join(c.out, 'art.img'));
  const [art] = c.manifest.artifacts;
  assert.deepEqual(Object.keys(art).sort(), ['file', 'name', 'sha256', 'size', 'start']);
  assert.equal(art.file, 'art.boot.img');
  assert.ok((await readFile(path.join(c.out, 'art.boot.img'))).equals(img.subarray(art.start, art.start + art.size)));
  await execa('sha256sum', ['-c', 'art.boot.img.sha256'], { cwd: c.out });
  assert.match(await readFile(path.join(c.out, 'nix-support/hydra-build-products'), 'utf8'), /^file binary-dist .*\/art\.boot\.img$/m);
});

type Refusal = [name: string, s: object, message: RegExp, args?: string[]];

/** Runs `imgsmith build` on specs that must fail (in one process: helpers/cli-runs.ts): one error
 *  line each, exit 2, nothing published. */
async function refused(cases: Refusal[]): Promise<void> {
  const specs = await Promise.all(cases.map(([name, s]) => writeSpec(name, s)));
  const results = await cliRuns(dir, specs.map(({ specPath, out }, i) => ['build', specPath, '-o', out, ...(cases[i]![3] ?? [])]));
  for (const [i, r] of results.entries()) {
    const { specPath, out } = specs[i]!;
    assert.equal(r.exitCode, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, cases[i]![2]);
    assert.ok(lines[0]!.startsWith(`imgsmith: error: ${specPath}:`), lines[0]);
    const left = await readdir(out).catch(() => []);
    assert.deepEqual(left, [], 'nothing published');
  }
}

test('bad output.partitions: an unknown name (with a hint), a name twice, a name unfit for a file name', async () => {
  const spaced = spec({ partitions: ['my root'] });
  spaced.partitions[1]!.name = 'my root';
  await refused([
    ['unknown', spec({ partitions: ['rot'] }), /:\d+:\d+: spec\.output\.partitions\[0\]: no partition is named "rot" \(did you mean "root"\?\)/],
    ['twice', spec({ partitions: ['root', 'boot', 'root'] }), /spec\.output\.partitions\[2\]: partition "root" is listed twice/],
    ['spaced', spaced, /spec\.output\.partitions\[0\]: partition "my root" cannot be part of a file name/],
  ]);
});

test('simg of a partition whose size is not whole 4 KiB blocks: refused (spec time with output.simg; after the build with --simg)', async () => {
  const odd = (o: Record<string, unknown>) => spec(o, '24578KiB');
  await refused([
    ['odd-spec', odd({ partitions: ['root'], simg: true }), /spec\.output\.partitions\[0\]: partition "root" is 25167872 bytes .*not a whole number of the Android sparse format's 4096-byte blocks/],
    ['odd-flag', odd({ partitions: ['boot', 'root'] }), /spec\.output\.partitions\[1\]: partition "root" is 25167872 bytes/, ['--simg']],
  ]);
});

interface VerifyDoc {
  ok: boolean;
  checks: { check: string; where: string; status: string; detail: string }[];
}

async function verify(args: string[]): Promise<{ exitCode: number; doc: VerifyDoc }> {
  const r = await runCli(['verify', ...args, '--json']);
  return { exitCode: r.exitCode, doc: JSON.parse(r.stdout) as VerifyDoc };
}

test('imgsmith verify with the manifest checks the .simg, every partition range and every artifact file; a changed byte in a range fails that range only', async () => {
  const good = await verify([path.join(a.out, 'art.img.zst')]);
  assert.equal(good.exitCode, 0, JSON.stringify(good.doc.checks, null, 1));
  const of = (d: VerifyDoc, check: string) => d.checks.filter((c) => c.check === check);
  assert.deepEqual(of(good.doc, 'simg-sha256').map((c) => c.status), ['ok']);
  assert.deepEqual(of(good.doc, 'artifact-range').map((c) => [c.where.match(/partition "(\w+)"/)![1], c.status]), [['root', 'ok'], ['boot', 'ok']]);
  assert.deepEqual(of(good.doc, 'artifact-file').map((c) => path.basename(c.where)), ['art.root.img.zst', 'art.root.bmap', 'art.root.simg', 'art.boot.img.zst', 'art.boot.bmap', 'art.boot.simg']);
  assert.ok(of(good.doc, 'artifact-file').every((c) => c.status === 'ok'));
  // One byte of the root partition's data changed (in the ext4 superblock's s_volume_name area).
  const img = await readFile(path.join(a.out, 'art.img'));
  const root = a.manifest.artifacts.find((x: { name: string }) => x.name === 'root');
  img[root.start + 1024 + 0x78 + 5]! ^= 0xff;
  const changed = path.join(dir, 'changed.img');
  await writeFile(changed, img);
  const bad = await verify([changed, '--manifest', path.join(a.out, 'manifest.json')]);
  assert.equal(bad.exitCode, 1);
  assert.deepEqual(of(bad.doc, 'artifact-range').map((c) => c.status), ['FAIL', 'ok']);
  assert.match(of(bad.doc, 'artifact-range')[0]!.detail, new RegExp(`the manifest says ${root.sha256}`));
});

test('imgsmith flash writes a .simg (the image, its last block padded); a truncated .simg is refused before the target is touched', async () => {
  const img = await readFile(path.join(a.out, 'art.img'));
  const target = path.join(dir, 'flashed.img');
  const r = await runCli(['flash', path.join(a.out, 'art.simg'), target, '--json']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).format, 'simg');
  const t = await readFile(target);
  assert.equal(t.length, Math.ceil(img.length / 4096) * 4096);
  assert.ok(t.subarray(0, img.length).equals(img), 'the target holds the image');
  const simg = await readFile(path.join(a.out, 'art.root.simg'));
  const cut = path.join(dir, 'cut.simg');
  await writeFile(cut, simg.subarray(0, simg.length - 100));
  const target2 = path.join(dir, 'flashed2.img');
  const bad = await runCli(['flash', cut, target2, '--json']);
  assert.equal(bad.exitCode, 1, bad.stderr);
  assert.match(bad.stdout + bad.stderr, /cut\.simg: (chunk \d+ of \d+: truncated|\d+ bytes after)/);
  await assert.rejects(readFile(target2), /ENOENT/);
});

test("a raw blob's zeros are mapped in its artifact as in the image (bmap range 0-3, FILL not DONT_CARE): a bare copy could not tell them from free space", async () => {
  const fw = path.join(dir, 'fw');
  await mkdir(fw);
  const data = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7 + 1) & 0xff));
  const blob = Buffer.concat([data, Buffer.alloc(8192), data]);
  await writeFile(path.join(fw, 'blob.bin'), blob);
  const s = spec({ partitions: ['loader'], simg: true, compress: 'none' });
  s.partitions = [{ name: 'loader', type: 'linux', size: '1MiB', filesystem: { type: 'raw', source: { from: 'firmware', path: 'blob.bin' } } } as never];
  const { specPath, out } = await writeSpec('blob', s);
  await buildImage({ specPath, outDir: out, firmware: fw });
  const bmap = await readFile(path.join(out, 'art.loader.bmap'), 'utf8');
  assert.match(bmap, /<MappedBlocksCount>\s*4\s*<\/MappedBlocksCount>/);
  assert.deepEqual([...bmap.matchAll(/>\s*(\d+(?:-\d+)?)\s*<\/Range>/g)].map((m) => m[1]), ['0-3']);
  const simg = await readFile(path.join(out, 'art.loader.simg'));
  // RAW(1 block), then the zeros: a FILL of 0 over 2 blocks (written), not DONT_CARE.
  const second = 28 + 12 + 4096;
  assert.deepEqual([simg.readUInt16LE(second), simg.readUInt32LE(second + 4), simg.readUInt32LE(second + 12)], [0xcac2, 2, 0]);
  const expanded = path.join(dir, 'loader.raw');
  await execa('simg2img', [path.join(out, 'art.loader.simg'), expanded]);
  assert.ok((await readFile(expanded)).equals(await readFile(path.join(out, 'art.loader.img'))));
  assert.ok((await readFile(expanded)).subarray(0, blob.length).equals(blob));
});

test('an artifact name longer than a file name holds is refused, nothing published', async () => {
  await refused([['long', spec({ name: 'x'.repeat(236), partitions: ['root'] }), /spec\.output\.partitions\[0\]: the artifact name x+(\.\.\.x+)?\.root\.img\.zst\.sha256 is 256 bytes, more than a file name holds \(255\)/]]);
});
