/**
 * Bootloader regions (spec.regions, src/regions.ts): blobs at fixed byte offsets outside the
 * partitions. Built with the CLI and the library, checked with independent tools: dd for the
 * bytes, openssl dgst -sha256, sfdisk --verify / sgdisk -v, fsck.fat / e2fsck, bmaptool copy (a region is
 * in the bmap when a bmap copy holds it); every overlap is one error naming both sides.
 * The Rockchip recipe (images/rock64.json) is built with Debian's u-boot-rockchip files
 * (downloaded once into .cache like the boot fixture's packages); it has no QEMU machine, so
 * it is checked structurally.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { execa } from 'execa';
import { REPO, listFiles, runCli, type CliResult } from './helpers/cli.ts';
import { batched } from './helpers/batched.ts';
import { pseudoRandom } from './helpers/firmware-fixture.ts';
import { recipeFixture } from './helpers/recipe-cache.ts';
import { defaultCacheDir, extractDeb, fetchDeb } from './helpers/boot-fixture.ts';
import { buildImage } from '../src/build.ts';
import { validateSpec } from '../src/spec.ts';
import { planLayout } from '../src/layout.ts';
import { placeRegions, readRegions, type RegionFile } from '../src/regions.ts';
import { DoesNotFitError, ImgsmithError, InputError, UsageError } from '../src/errors.ts';
import { KiB, MiB } from '../src/units.ts';
import { OUTPUT_SCHEMAS } from '../src/json-output.ts';
import { sha256Tool } from './helpers/hash-tool.ts';

const Ajv = createRequire(import.meta.url)('ajv') as typeof import('ajv').default;

/** The --json document of `cmd`'s run `r`, valid against its published schema (schema/). */
async function jsonOf(cmd: 'inspect' | 'diff' | 'verify', r: CliResult): Promise<Record<string, unknown>> {
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  const schema = JSON.parse(await fsp.readFile(path.join(REPO, OUTPUT_SCHEMAS[cmd]), 'utf8')) as object;
  const valid = new Ajv({ allowUnionTypes: true, strict: true }).compile(schema);
  assert.ok(valid(doc), `${cmd}: ${JSON.stringify(valid.errors)}`);
  return doc;
}

let tmp: string;
const SPL = 512 * KiB;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-regions-'));
  await fsp.writeFile(path.join(tmp, 'spl.bin'), pseudoRandom('spl', SPL));
  await fsp.writeFile(path.join(tmp, 'odd.bin'), pseudoRandom('odd', 300_000));
});

after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

/** A spec file in tmp: one 8 MiB FAT partition at 1 MiB, the given table and regions (files from the spec dir). */
async function specFile(name: string, table: object, regions: object[]): Promise<string> {
  const file = path.join(tmp, `${name}.json`);
  await fsp.writeFile(file, JSON.stringify({
    name,
    table,
    regions,
    partitions: [{ name: 'boot', type: table && (table as { type: string }).type === 'gpt' ? 'esp' : '0x0c', size: '8MiB', filesystem: { type: 'vfat', label: 'BOOT' }, contents: [{ text: 'hi\n', target: '/hi.txt' }] }],
    output: { name, compress: 'zstd', bmap: true },
  }, null, 2));
  return file;
}

/** Bytes [offset, offset + size) of `file`, read by dd. */
const bytesAt = async (file: string, offset: number, size: number) =>
  Buffer.from((await execa('dd', [`if=${file}`, 'bs=512', `skip=${offset}`, `count=${size}`, 'iflag=skip_bytes,count_bytes', 'status=none'], { encoding: 'buffer' })).stdout);

const DOS_REGIONS = [
  { name: 'spl', offset: '8KiB', file: 'spl.bin', from: 'spec', maxSize: '1016KiB' },
  { name: 'odd', offset: 540_001, file: 'odd.bin', from: 'spec' },
];

let dosOut: string;

test('DOS: regions at 8 KiB and at an odd byte offset are written byte for byte, in the bmap, in the manifest', async () => {
  const spec = await specFile('dos', { type: 'dos', labelId: '0x0badcafe' }, DOS_REGIONS);
  dosOut = path.join(tmp, 'out-dos');
  const r = await runCli(['build', spec, '-o', dosOut, '--keep-raw']);
  assert.equal(r.exitCode, 0, r.stderr);
  const img = path.join(dosOut, 'dos.img');
  assert.ok((await bytesAt(img, 8 * KiB, SPL)).equals(await fsp.readFile(path.join(tmp, 'spl.bin'))));
  assert.ok((await bytesAt(img, 540_001, 300_000)).equals(await fsp.readFile(path.join(tmp, 'odd.bin'))));
  assert.match((await execa('sfdisk', ['--verify', img])).stdout, /No errors detected/);
  // The partition's filesystem is intact beside the regions.
  const part = path.join(tmp, 'dos-boot.raw');
  await execa('dd', [`if=${img}`, `of=${part}`, 'bs=1M', 'skip=1', 'count=8', 'status=none']);
  await execa('fsck.fat', ['-n', part]);
  // The bmap maps the regions' blocks: a bmaptool copy of the .img.zst holds them.
  const copy = path.join(tmp, 'dos-copy.img');
  await execa('bmaptool', ['copy', '--bmap', path.join(dosOut, 'dos.bmap'), path.join(dosOut, 'dos.img.zst'), copy]);
  assert.ok((await bytesAt(copy, 8 * KiB, SPL)).equals(await fsp.readFile(path.join(tmp, 'spl.bin'))));
  assert.ok((await bytesAt(copy, 540_001, 300_000)).equals(await fsp.readFile(path.join(tmp, 'odd.bin'))));
  const manifest = JSON.parse(await fsp.readFile(path.join(dosOut, 'manifest.json'), 'utf8')) as { regions: object[] };
  assert.deepEqual(manifest.regions, [
    { name: 'spl', offset: 8192, file: 'spl.bin', size: SPL, sha256: await sha256Tool(path.join(tmp, 'spl.bin')), from: 'spec' },
    { name: 'odd', offset: 540_001, file: 'odd.bin', size: 300_000, sha256: await sha256Tool(path.join(tmp, 'odd.bin')), from: 'spec' },
  ]);
});

test('GPT with the entry array at LBA 2-33: an SPL at 8 KiB is one error naming both ranges, exit 1, nothing published', async () => {
  const spec = await specFile('gpt8k', { type: 'gpt' }, [DOS_REGIONS[0]!]);
  const out = path.join(tmp, 'out-gpt8k');
  const r = await runCli(['build', spec, '-o', out]);
  assert.equal(r.exitCode, 1);
  const at = (await fsp.readFile(spec, 'utf8')).split('\n').findIndex((l) => l.includes('"name": "spl"'));
  assert.equal(r.stderr, `imgsmith: error: ${spec}:${at}:5: spec.regions[0]: region "spl" (8 KiB-520 KiB) overlaps the GPT entry array (1 KiB-17 KiB)`);
  assert.deepEqual(await listFiles(out), []);
});

test('GPT: a region at 32 KiB (after the entry array) is written and sgdisk -v is clean', async () => {
  const spec = await specFile('gpt32k', { type: 'gpt', seed: 'regions' }, [{ name: 'idbloader', offset: '64s', file: 'spl.bin', from: 'spec' }]);
  const out = path.join(tmp, 'out-gpt32k');
  await buildImage({ specPath: spec, outDir: out, compress: false });
  const img = path.join(out, 'gpt32k.img');
  assert.ok((await bytesAt(img, 32 * KiB, SPL)).equals(await fsp.readFile(path.join(tmp, 'spl.bin'))));
  assert.match((await execa('sgdisk', ['-v', img])).stdout, /No problems found/);
});

test('GPT with the entry array moved past the loader (sgdisk -j): an SPL at 8 KiB fits, sgdisk -v is clean; moved onto it, one error', async () => {
  const spec = await specFile('gptmoved', { type: 'gpt', seed: 'regions', entryArrayOffset: '1MiB' }, [DOS_REGIONS[0]!]);
  const out = path.join(tmp, 'out-gptmoved');
  await buildImage({ specPath: spec, outDir: out, compress: false });
  const img = path.join(out, 'gptmoved.img');
  assert.ok((await bytesAt(img, 8 * KiB, SPL)).equals(await fsp.readFile(path.join(tmp, 'spl.bin'))));
  assert.match((await execa('sgdisk', ['-v', img])).stdout, /No problems found/);
  // sgdisk reads the array where the header says: 1 MiB, after the SPL.
  assert.match((await execa('sgdisk', ['-p', img])).stdout, /Main partition table begins at sector 2048 and ends at sector 2079/);
  overlaps(() => place({ type: 'gpt', entryArrayOffset: '256KiB' }, [{ offset: '8KiB', size: SPL }]), 'spec.regions[0]: region "r0" (8 KiB-520 KiB) overlaps the GPT entry array (256 KiB-272 KiB)');
});

/** The plan of a spec with one partition (1 MiB at 1 MiB) and the regions, placed as `sizes` say. */
function place(table: object, regions: { offset: number | string; size: number; maxSize?: string }[], diskSize = '4MiB'): void {
  const spec = validateSpec({
    name: 't', table, size: diskSize,
    partitions: [{ name: 'root', type: table && (table as { type: string }).type === 'gpt' ? 'linux' : '83', size: '1MiB', filesystem: { type: 'raw' } }],
    regions: regions.map((r, i) => ({ name: `r${i}`, offset: r.offset, file: `r${i}.bin` })),
  }, '/tmp');
  const plan = planLayout({ spec, minSizes: [0] });
  const files: RegionFile[] = spec.regions.map((r, index) => ({ spec: r, index, path: r.file, size: regions[index]!.size, sha256: '' }));
  placeRegions(plan, files);
}

function overlaps(fn: () => void, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DoesNotFitError, `expected a DoesNotFitError (exit 1), got ${String(e)}`);
    assert.equal(e.exitCode, 1);
    assert.equal(e.message, message);
    return true;
  });
}

const DOS = { type: 'dos' };
const GPT = { type: 'gpt' };

test('overlap errors name both sides and their byte ranges', () => {
  overlaps(() => place(DOS, [{ offset: 0, size: 446 }]), 'spec.regions[0]: region "r0" (bytes 0-445) overlaps the MBR (bytes 0-511)');
  overlaps(() => place(GPT, [{ offset: 0, size: 4 * KiB }]), 'spec.regions[0]: region "r0" (0-4 KiB) overlaps the protective MBR (bytes 0-511)');
  overlaps(() => place(GPT, [{ offset: 512, size: 512 }]), 'spec.regions[0]: region "r0" (bytes 512-1023) overlaps the GPT header (bytes 512-1023)');
  overlaps(() => place(GPT, [{ offset: '16KiB', size: 8 * KiB }]), 'spec.regions[0]: region "r0" (16 KiB-24 KiB) overlaps the GPT entry array (1 KiB-17 KiB)');
  // A 4 MiB GPT disk: backup entries at 4 MiB - 16.5 KiB, backup header in the last sector.
  overlaps(() => place(GPT, [{ offset: 4 * MiB - 20 * KiB, size: 4 * KiB }]), 'spec.regions[0]: region "r0" (4076 KiB-4080 KiB) overlaps the backup GPT entry array (bytes 4177408-4193791)');
  overlaps(() => place(GPT, [{ offset: 4 * MiB - 512, size: 512 }]), 'spec.regions[0]: region "r0" (bytes 4193792-4194303) overlaps the backup GPT header (bytes 4193792-4194303)');
  overlaps(() => place(DOS, [{ offset: '1020KiB', size: 8 * KiB }]), 'spec.regions[0]: region "r0" (1020 KiB-1028 KiB) overlaps partition "root" (1 MiB-2 MiB)');
  overlaps(() => place(DOS, [{ offset: '8KiB', size: 64 * KiB }, { offset: '64KiB', size: 4 * KiB }]), 'spec.regions[1]: region "r1" (64 KiB-68 KiB) overlaps region "r0" (8 KiB-72 KiB)');
  overlaps(() => place(DOS, [{ offset: '3MiB', size: 2 * MiB }]), 'spec.regions[0]: region "r0" (3 MiB-5 MiB) ends past the end of the disk (4 MiB); move it, or give a larger disk (spec.size)');
  // Between partitions, after the last one, before the first: fine when nothing overlaps.
  place(DOS, [{ offset: '8KiB', size: 1000 * KiB }, { offset: '2MiB', size: MiB }]);
  place(GPT, [{ offset: '17KiB', size: 1007 * KiB }, { offset: '2MiB', size: MiB }]);
});

test('a region file that is missing, not a file, empty or over its maxSize is one error naming it', async () => {
  const region = (file: string, maxSize?: number) => [{ name: 'spl', offset: 8 * KiB, from: 'spec' as const, file, ...(maxSize ? { maxSize } : {}) }];
  const fails = async (file: string, kind: new (...a: never[]) => ImgsmithError, message: string, maxSize?: number) =>
    assert.rejects(readRegions(region(file, maxSize), { spec: tmp }), (e: Error) => e instanceof kind && e.message === message.replaceAll('TMP', tmp));
  await fails('nope.bin', InputError, 'spec.regions[0].file: region "spl": TMP/nope.bin does not exist');
  await fails('.', InputError, 'spec.regions[0].file: region "spl": TMP is not a regular file');
  await fsp.writeFile(path.join(tmp, 'empty.bin'), '');
  await fails('empty.bin', InputError, 'spec.regions[0].file: region "spl": TMP/empty.bin is empty');
  await fails('spl.bin', DoesNotFitError, 'spec.regions[0].file: region "spl": TMP/spl.bin is 512 KiB (524288 bytes), larger than its maxSize of 508 KiB (520192 bytes)', 508 * KiB);
  await assert.rejects(readRegions(region('spl.bin'), {}), (e: Error) => e instanceof UsageError && /reads from "spec", which was not given/.test(e.message));
});

test('spec checks: unique names, one exact file, binary sizes, known keys', () => {
  const v = (regions: unknown) => () => validateSpec({ name: 't', table: DOS, partitions: [{ name: 'p', type: '83', size: '1MiB', filesystem: { type: 'raw' } }], regions }, '/tmp');
  assert.throws(v([{ name: 'a', offset: 0, file: 'x' }, { name: 'a', offset: 9, file: 'y' }]), { message: 'spec.regions[1].name: "a" is already the name of spec.regions[0]' });
  assert.throws(v([{ name: 'a', offset: 0, file: 'u-boot*.bin' }]), { message: 'spec.regions[0].file: "u-boot*.bin" is a glob; a region is one file, name it exactly' });
  assert.throws(v([{ name: 'a', offset: '8KB', file: 'x' }]), /spec\.regions\[0\]\.offset: "8KB": decimal units are ambiguous/);
  assert.throws(v([{ name: 'a', offset: 0, file: '/abs' }]), /spec\.regions\[0\]\.file: "\/abs" must be a relative path/);
  assert.equal(v([{ name: 'a', offset: '64s', file: 'x' }])().regions[0]!.from, 'firmware');
});

test('verify checks each region at its offset, diff reports one whose bytes differ, inspect lists them', async () => {
  const img = path.join(dosOut, 'dos.img');
  // One flipped byte in the SPL, the manifest beside it still describing the original.
  const bad = path.join(tmp, 'flipped');
  await fsp.mkdir(bad);
  const flipped = path.join(bad, 'dos.img');
  await fsp.copyFile(img, flipped);
  for (const f of ['manifest.json', 'dos.bmap']) await fsp.copyFile(path.join(dosOut, f), path.join(bad, f));
  const fh = await fsp.open(flipped, 'r+');
  const [b] = await bytesAt(flipped, 9000, 1);
  await fh.write(Buffer.from([b! ^ 0xff]), 0, 1, 9000);
  await fh.close();
  // Without a manifest: the non-zero bytes outside the partitions, as unpartitioned data.
  const alone = path.join(tmp, 'alone.img');
  await fsp.copyFile(img, alone);
  // The commands read these images only: one batch process through main() (test/helpers/cli-batch.ts);
  // the rock64 test below runs verify through the real CLI.
  const runs = [['verify', img], ['inspect', '--json', img], ['verify', flipped], ['diff', img, flipped], ['diff', '--json', img, flipped],
    ['verify', '--json', flipped], ['inspect', flipped], ['inspect', '--json', alone]];
  const [ok, inspOk, v, d, dJson, vJson, i, scanJson] = (await batched(tmp, runs)) as [CliResult, CliResult, CliResult, CliResult, CliResult, CliResult, CliResult, CliResult];

  assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /ok +region +region "spl" \(8 KiB-520 KiB\) of .*dos\.img: 524288 bytes/);
  const insp = (await jsonOf('inspect', inspOk)) as unknown as { regions: { source: string; regions: { name: string; offset: number; matches: boolean }[] } };
  assert.equal(insp.regions.source, 'manifest');
  assert.deepEqual(insp.regions.regions.map((r) => [r.name, r.offset, r.matches]), [['spl', 8192, true], ['odd', 540_001, true]]);
  assert.equal(v.exitCode, 1);
  assert.match(v.stdout, /FAIL +region +region "spl" \(8 KiB-520 KiB\) of .*: sha256 [0-9a-f]{64}, the manifest says /);
  assert.doesNotMatch(v.stdout, /FAIL +region +region "odd"/);
  assert.match(d.stdout, /^region "spl" \(8 KiB-520 KiB\): sha256 [0-9a-f]{64} -> [0-9a-f]{64}$/m);
  assert.doesNotMatch(d.stdout, /region "odd"/);
  const dj = (await jsonOf('diff', dJson)) as { regions?: { name: string; a: string; b: string }[] };
  assert.deepEqual(dj.regions?.map((r) => [r.name, r.a === r.b]), [['spl', false]]);
  // The region fails by name; the whole image's SHA-256 and the bmap range holding the byte fail too.
  const vj = (await jsonOf('verify', vJson)) as { checks: { check: string; where: string; status: string }[] };
  assert.deepEqual(vj.checks.filter((c) => c.status === 'FAIL').map((c) => c.check).sort(), ['bmap-ranges', 'image-sha256', 'region']);
  assert.match(vj.checks.find((c) => c.check === 'region' && c.status === 'FAIL')!.where, /^region "spl"/);
  assert.match(i.stdout, /"spl" +offset 8192 .* DIFFERS from the manifest/);
  assert.match(i.stdout, /region "spl" \(8 KiB-520 KiB\) is not what .* records/);
  const scan = (await jsonOf('inspect', scanJson)) as unknown as { regions: { source: string; regions: { name: string; offset: number; size: number }[] } };
  assert.equal(scan.regions.source, 'scan');
  assert.deepEqual(scan.regions.regions.map((r) => [r.name, r.offset]), [['unpartitioned data', 8192]]);
  assert.ok(scan.regions.regions[0]!.size >= 540_001 + 300_000 - 8192);
});

/** Debian's ROCK64 U-Boot (u-boot-rockchip, arm64): idbloader.img and u-boot.itb. */
async function rock64Firmware(): Promise<string> {
  const deb = await fetchDeb(defaultCacheDir(), 'arm64', 'u-boot-rockchip');
  const dir = await extractDeb(defaultCacheDir(), deb, ['./usr/lib/u-boot/rock64-rk3328/*']);
  return path.join(dir, 'usr/lib/u-boot/rock64-rk3328');
}

test('rock64 recipe: Debian\'s idbloader.img at sector 64 and u-boot.itb at sector 16384, GPT clean, ext4 root from 16 MiB', async () => {
  const firmware = await rock64Firmware();
  const { fx } = await recipeFixture();
  const out = path.join(tmp, 'out-rock64');
  const r = await buildImage({ specPath: path.join(REPO, 'images/rock64.json'), closure: fx.closureInfoDir, storeRoot: fx.storeRoot, toplevel: fx.toplevel, firmware, outDir: out, compress: false });
  const img = path.join(out, r.manifest.image.file);
  for (const [name, offset] of [['idbloader.img', 64 * 512], ['u-boot.itb', 16384 * 512]] as const) {
    const blob = await fsp.readFile(path.join(firmware, name));
    assert.ok((await bytesAt(img, offset, blob.length)).equals(blob), `${name} at ${offset}`);
  }
  assert.match((await execa('sgdisk', ['-v', img])).stdout, /No problems found/);
  const table = JSON.parse((await execa('sfdisk', ['-J', img])).stdout).partitiontable as { partitions: { start: number; size: number }[] };
  assert.equal(table.partitions[0]!.start, 32768);
  await execa('e2fsck', ['-fn', `${img}?offset=${16 * MiB}`]);
  const regions = (r.manifest as unknown as { regions: { name: string; offset: number; size: number; sha256: string }[] }).regions;
  assert.deepEqual(regions.map((x) => [x.name, x.offset]), [['idbloader', 32768], ['u-boot', 8 * MiB]]);
  assert.equal(regions[0]!.sha256, await sha256Tool(path.join(firmware, 'idbloader.img')));
  assert.equal(regions[1]!.sha256, await sha256Tool(path.join(firmware, 'u-boot.itb')));
  const v = await runCli(['verify', img]);
  assert.equal(v.exitCode, 0, v.stdout);
  assert.equal((v.stdout.match(/ok +region /g) ?? []).length, 2);
});
