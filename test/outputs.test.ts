import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm, stat, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { DEFAULT_ZSTD_LEVEL } from '../src/outputs/compress.ts';
import { BmapRanges, humanSize, renderBmap, toBlockRanges } from '../src/outputs/bmap.ts';
import { writeSha256File } from '../src/outputs/checksum.ts';
import { packageImage } from '../src/outputs/package.ts';
import { ZSTD_CHUNK } from '../src/outputs/chunked.ts';
import { zstdReference } from './helpers/zstd-reference.ts';
import { nativeAvailable } from '../src/sparse.ts';
import { manifestJson, stableJson, toolVersions, writeManifest, type Manifest, type ManifestBmap } from '../src/outputs/manifest.ts';
import { hydraProductLine, writeHydraProducts } from '../src/outputs/hydra.ts';
import { outputBaseName, safeName } from '../src/outputs/naming.ts';
import { jsonProgress, ttyProgress } from '../src/progress-reporters.ts';
import { BuildError, ToolFailedError, UsageError } from '../src/errors.ts';
import { recipeFixture } from './helpers/recipe-cache.ts';
import { REPO, runCli } from './helpers/cli.ts';
import { sha256Tool } from './helpers/hash-tool.ts';

const MiB = 1024 * 1024;

/** Deterministic pseudo-random but somewhat compressible bytes. */
function pseudoData(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let off = 0; off < size; off += 64) {
    block = createHash('sha256').update(block).digest();
    // 32 random bytes then 32 bytes of text: compressible, never an all-zero 4 KiB block.
    block.copy(out, off, 0, Math.min(32, size - off));
    if (off + 32 < size) out.write('imgsmith test data, line ' + String(off).padStart(6, '0'), off + 32, Math.min(32, size - off - 32), 'latin1');
  }
  return out;
}

/** A sparse file of `size` bytes with data written at the given offsets. */
async function makeSparse(path: string, size: number, regions: [number, number][]): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.truncate(size);
    for (const [off, len] of regions) await fh.write(pseudoData(`${off}`, len), 0, len, off);
  } finally {
    await fh.close();
  }
}


let dir: string;
let img: string;
const IMG_SIZE = 64 * MiB;
const REGIONS: [number, number][] = [
  [0, 4096 + 512], // "partition table" spilling into block 1
  [1 * MiB, 700 * 1024],
  [20 * MiB + 123, 10000], // unaligned
  [40 * MiB, 3 * MiB],
  [IMG_SIZE - 100, 100], // the last bytes
];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imgsmith-outputs-'));
  img = join(dir, 'test.img');
  await makeSparse(img, IMG_SIZE, REGIONS);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** packageImage with a bmap and level-3 zstd into `dir`, recording progress. */
async function pack(file: string, name: string, opts: { native?: boolean; level?: number } = {}) {
  const bmap = join(dir, `${name}.bmap`);
  const zst = join(dir, `${name}.img.zst`);
  const calls: [number, number][] = [];
  const r = await packageImage(file, {
    bmap,
    zstd: { out: zst, level: opts.level ?? 3 },
    onProgress: (d, t) => calls.push([d, t]),
    ...(opts.native === undefined ? {} : { native: opts.native }),
  });
  return { r, bmap, zst, calls };
}

/** Runs fn with IMGSMITH_NO_NATIVE=1 (the JavaScript fallback everywhere in sparse.ts). */
async function withoutNative<T>(fn: () => Promise<T>): Promise<T> {
  const old = process.env.IMGSMITH_NO_NATIVE;
  process.env.IMGSMITH_NO_NATIVE = '1';
  try {
    assert.ok(!nativeAvailable());
    return await fn();
  } finally {
    if (old === undefined) delete process.env.IMGSMITH_NO_NATIVE;
    else process.env.IMGSMITH_NO_NATIVE = old;
  }
}

describe('zstd compression', () => {
  test('defaults to level 3 like sd-image.nix', () => {
    assert.equal(DEFAULT_ZSTD_LEVEL, 3);
  });

  test('round-trips through zstd -d, deterministically, identical to dd + zstd per 16 MiB chunk, with or without the addon', async () => {
    const a = await pack(img, 'z-a');
    const b = await pack(img, 'z-b');
    assert.deepEqual(a.calls.at(-1), [IMG_SIZE, IMG_SIZE]);
    for (const [d, t] of a.calls) assert.ok(d <= t && t === IMG_SIZE);
    // Independent decompression.
    const dec = join(dir, 'dec.img');
    await execa('zstd', ['-d', '-q', '-f', a.zst, '-o', dec]);
    const want = await sha256Tool(img);
    assert.equal(await sha256Tool(dec), want);
    assert.equal(a.r.sha256, want);
    // Same input -> identical bytes.
    assert.ok((await readFile(a.zst)).equals(await readFile(b.zst)));
    // The same bytes as dd + the zstd CLI, chunk by chunk; one frame per 16 MiB (zstd -l counts them).
    assert.ok((await readFile(a.zst)).equals(await zstdReference(img)));
    const listed = await execa('zstd', ['-l', a.zst]);
    assert.match(listed.stdout, new RegExp(`^\\s*${IMG_SIZE / ZSTD_CHUNK}\\s+0\\s`, 'm'), listed.stdout);
    // Without the addon's libzstd the frames come from the zstd CLI: the same bytes.
    const cli = await withoutNative(() => pack(img, 'z-cli'));
    assert.ok((await readFile(cli.zst)).equals(await readFile(a.zst)));
    // The hash and size of the .zst were taken from zstd's output as it was written.
    assert.equal(a.r.compressed!.sha256, await sha256Tool(a.zst));
    assert.equal(a.r.compressed!.size, (await stat(a.zst)).size);
    // A different level gives different bytes (the level is really passed), equal to zstd's own.
    const c = await pack(img, 'z-c', { level: 9 });
    assert.ok(!(await readFile(a.zst)).equals(await readFile(c.zst)));
    assert.ok((await readFile(c.zst)).equals(await zstdReference(img, 9)));
  });

  test('a size that is not a multiple of the chunk size, and one smaller than a chunk', async () => {
    for (const size of [ZSTD_CHUNK + 12345, 4096 * 3 + 7]) {
      const file = join(dir, `odd-${size}.img`);
      await makeSparse(file, size, [[0, 4096], [size - 100, 100]]);
      const p = await pack(file, `odd-${size}`);
      assert.ok((await readFile(p.zst)).equals(await zstdReference(file)));
      const dec = await execa('zstd', ['-dc', p.zst], { encoding: 'buffer', stripFinalNewline: false });
      assert.ok(Buffer.from(dec.stdout).equals(await readFile(file)));
    }
  });

  test('rejects invalid levels and reports missing inputs and outputs, leaving nothing behind', async () => {
    for (const level of [0, 23, 2.5]) {
      const out = join(dir, `bad-level-${level}.zst`);
      await assert.rejects(packageImage(img, { zstd: { out, level } }), (e: unknown) => e instanceof UsageError && /zstd level/.test(e.message));
      await assert.rejects(stat(out), { code: 'ENOENT' });
    }
    await assert.rejects(packageImage(join(dir, 'missing.img'), { zstd: { out: join(dir, 'x.zst'), level: 3 } }), (e: unknown) => e instanceof BuildError && /missing\.img/.test(e.message));
    await assert.rejects(stat(join(dir, 'x.zst')), { code: 'ENOENT' });
    const bmapOut = join(dir, 'no-out.bmap');
    await assert.rejects(
      packageImage(img, { bmap: bmapOut, zstd: { out: join(dir, 'no-such-dir', 'x.zst'), level: 3 } }),
      (e: unknown) => e instanceof ToolFailedError && /zstd failed to compress .*cannot write .*no-such-dir/.test(e.message),
    );
    await assert.rejects(stat(bmapOut), { code: 'ENOENT' });
    // zstd not installed (and no addon with libzstd to do without it).
    const path = process.env.PATH;
    process.env.PATH = join(dir, 'no-such-bin');
    try {
      await withoutNative(() => assert.rejects(packageImage(img, { zstd: { out: join(dir, 'nozstd.zst'), level: 3 } }), /zstd is not installed \(not found on PATH\): install the Debian package zstd/));
    } finally {
      process.env.PATH = path;
    }
    await assert.rejects(stat(join(dir, 'nozstd.zst')), { code: 'ENOENT' });
  });
});

describe('one pass: image hash, bmap and zstd equal openssl dgst -sha256, bmaptool create and zstd -c', () => {
  /** name -> [size, data regions]. */
  const FIXTURES: Record<string, [number, [number, number][]]> = {
    'holes, data at start/end/unaligned': [IMG_SIZE, REGIONS],
    'all holes': [8 * MiB, []],
    'odd size with data in the last partial block': [3 * MiB + 1000, [[5000, 5], [3 * MiB + 990, 10]]],
    'odd size ending in a hole': [2 * MiB + 123, [[0, 70000]]],
    'small dense file': [10000, [[0, 10000]]],
    'data spanning read chunks': [9 * MiB, [[1 * MiB - 4096, 5 * MiB + 8192]]],
  };
  for (const native of [true, false]) {
    for (const [name, [size, regions]] of Object.entries(FIXTURES)) {
      test(`${name} (${native ? 'native SEEK_DATA' : 'IMGSMITH_NO_NATIVE=1'})`, async () => {
        const file = join(dir, `fx-${name.replace(/\W+/g, '-')}.img`);
        await makeSparse(file, size, regions);
        const tag = `fx-${native ? 'n' : 'js'}-${name.replace(/\W+/g, '-')}`;
        if (native) assert.ok(nativeAvailable(), 'native addon not available (run npm run build:native)');
        const { r, bmap, zst, calls } = native ? await pack(file, tag) : await withoutNative(() => pack(file, tag));
        assert.equal(r.size, size);
        assert.equal(r.sha256, await sha256Tool(file));
        const ref = join(dir, `${tag}-ref.bmap`);
        await execa('bmaptool', ['create', '-o', ref, file]);
        assert.equal(await readFile(bmap, 'utf8'), await readFile(ref, 'utf8'));
        assert.equal(r.bmap!.sha256, await sha256Tool(bmap));
        assert.equal(r.bmap!.blocksCount, Math.ceil(size / 4096));
        assert.ok((await readFile(zst)).equals(await zstdReference(file)), 'the .zst equals dd + zstd per chunk');
        assert.equal(r.compressed!.sha256, await sha256Tool(zst));
        assert.equal(r.compressed!.size, (await stat(zst)).size);
        assert.deepEqual(calls.at(-1), [size, size]);
        for (const [d, t] of calls) assert.ok(d >= 0 && d <= t && t === size);
      });
    }
  }

  test('fallocated (unwritten) extents: both modes map only the non-zero blocks, whatever the page cache; bmaptool copy verifies', async () => {
    // mke2fs leaves such extents (e.g. the zeroed end of an ext4 partition). FIEMAP lists them
    // and SEEK_DATA reports them as holes unless their pages are cached: neither decides
    // what is mapped; the blocks' bytes do (zeros are not mapped).
    const file = join(dir, 'unwritten.img');
    await makeSparse(file, 16 * MiB, [[0, 8192]]);
    await execa('fallocate', ['-o', String(8 * MiB), '-l', String(MiB), file]);
    await execa('fallocate', ['-o', String(16 * MiB - 64 * 1024), '-l', String(64 * 1024), file]);
    assert.ok(nativeAvailable(), 'native addon not available (run npm run build:native)');
    const n = await pack(file, 'uw-n');
    const js = await withoutNative(() => pack(file, 'uw-js'));
    assert.equal(n.r.bmap!.mappedBlocksCount, 2);
    assert.equal(await readFile(n.bmap, 'utf8'), await readFile(js.bmap, 'utf8'));
    assert.ok((await readFile(n.zst)).equals(await zstdReference(file)));
    assert.equal(n.r.sha256, await sha256Tool(file));
    const dest = join(dir, 'uw-dest.img');
    await execa('bmaptool', ['copy', '--bmap', n.bmap, n.zst, dest]);
    assert.equal(await sha256Tool(dest), await sha256Tool(file));
  });

  test('blocks written with zeros: neither mode maps them (the same bmap bytes); both verify', async () => {
    const file = join(dir, 'zero-written.img');
    await makeSparse(file, 16 * MiB, [[0, 8192], [12 * MiB, 4096]]);
    const fh = await open(file, 'r+');
    await fh.write(Buffer.alloc(2 * MiB), 0, 2 * MiB, 4 * MiB); // allocated, but zeros
    await fh.close();
    const n = await pack(file, 'zw-n');
    const js = await withoutNative(() => pack(file, 'zw-js'));
    assert.equal(n.r.bmap!.mappedBlocksCount, 2 + 1);
    assert.equal(js.r.bmap!.mappedBlocksCount, 2 + 1);
    assert.equal(await readFile(n.bmap, 'utf8'), await readFile(js.bmap, 'utf8'));
    assert.equal(n.r.sha256, js.r.sha256);
    assert.equal(n.r.compressed!.sha256, js.r.compressed!.sha256);
    const want = await sha256Tool(file);
    for (const b of [n.bmap, js.bmap]) {
      const dest = join(dir, 'zw-dest.img');
      await rm(dest, { force: true });
      await execa('bmaptool', ['copy', '--bmap', b, n.zst, dest]);
      assert.equal(await sha256Tool(dest), want);
    }
  });
});

describe('bmap', () => {
  test('human sizes match bmaptool (Python rounding)', () => {
    assert.equal(humanSize(1), '1 byte');
    assert.equal(humanSize(511), '511 bytes');
    assert.equal(humanSize(1280), '1.2 KiB'); // tie: Python rounds half to even
    assert.equal(humanSize(1792), '1.8 KiB');
    assert.equal(humanSize(64 * MiB), '64.0 MiB');
  });

  test('block ranges are merged and rounded out', () => {
    assert.deepEqual(
      toBlockRanges([{ start: 0, end: 10 }, { start: 4000, end: 4100 }, { start: 9000, end: 9001 }, { start: 12288, end: 12300 }], 20000),
      [{ first: 0, last: 3 }],
    );
    assert.deepEqual(toBlockRanges([{ start: 8192, end: 8193 }, { start: 0, end: 1 }], 9000), [{ first: 0, last: 0 }, { first: 2, last: 2 }]);
  });

  test('is byte-identical to `bmaptool create` and bmaptool copy verifies it', async () => {
    const { r, bmap, zst } = await pack(img, 'test');
    assert.equal(r.bmap!.blocksCount, IMG_SIZE / 4096);
    // Data regions cover 2 + 175 + 3 + 768 + 1 blocks.
    assert.equal(r.bmap!.mappedBlocksCount, 2 + 175 + 3 + 768 + 1);
    const ref = join(dir, 'ref.bmap');
    await execa('bmaptool', ['create', '-o', ref, img]);
    assert.equal(await readFile(bmap, 'utf8'), await readFile(ref, 'utf8'));

    const want = await sha256Tool(img);
    const dest = join(dir, 'dest.img');
    await execa('bmaptool', ['copy', '--bmap', bmap, zst, dest]);
    assert.equal(await sha256Tool(dest), want);
    const dest2 = join(dir, 'dest2.img');
    await execa('bmaptool', ['copy', '--bmap', bmap, img, dest2]);
    assert.equal(await sha256Tool(dest2), want);
  });

  test('bmaptool rejects a corrupted bmap or a wrong range checksum', async () => {
    const bmap = join(dir, 'c.bmap');
    await packageImage(img, { bmap });
    const text = await readFile(bmap, 'utf8');
    // 1. Corrupt the file checksum.
    const m = /<BmapFileChecksum> ([0-9a-f]{64}) /.exec(text)!;
    const flipped = (m[1]![0] === '0' ? '1' : '0') + m[1]!.slice(1);
    const bad1 = join(dir, 'bad1.bmap');
    await writeFile(bad1, text.replace(m[1]!, flipped));
    await assert.rejects(execa('bmaptool', ['copy', '--bmap', bad1, img, join(dir, 'bad1.img')]), /checksum mismatch for bmap file/);
    // 2. A wrong range checksum with a valid file checksum (rendered by renderBmap).
    const ranges = [...text.matchAll(/<Range chksum="([0-9a-f]{64})"> (\d+)(?:-(\d+))? <\/Range>/g)].map((r) => ({
      sha256: r[1]!,
      first: Number(r[2]),
      last: Number(r[3] ?? r[2]),
    }));
    assert.equal(renderBmap(IMG_SIZE, ranges).xml, text);
    ranges[1]!.sha256 = 'f'.repeat(64);
    const bad2 = join(dir, 'bad2.bmap');
    await writeFile(bad2, renderBmap(IMG_SIZE, ranges).xml);
    await assert.rejects(execa('bmaptool', ['copy', '--bmap', bad2, img, join(dir, 'bad2.img')]), /checksum mismatch for blocks range/);
  });

  test('handles a size that is not a multiple of the block size', async () => {
    const odd = join(dir, 'odd.img');
    const size = 3 * MiB + 1000;
    await makeSparse(odd, size, [[5000, 5], [size - 10, 10]]);
    const bmap = join(dir, 'odd.bmap');
    const { bmap: info } = await packageImage(odd, { bmap });
    assert.equal(info!.blocksCount, Math.ceil(size / 4096));
    const ref = join(dir, 'odd-ref.bmap');
    await execa('bmaptool', ['create', '-o', ref, odd]);
    assert.equal(await readFile(bmap, 'utf8'), await readFile(ref, 'utf8'));
    const dest = join(dir, 'odd-dest.img');
    await execa('bmaptool', ['copy', '--bmap', bmap, odd, dest]);
    assert.equal(await sha256Tool(dest), await sha256Tool(odd));
  });

  test('the range hasher rejects a mapped range that starts inside a block', () => {
    const b = new BmapRanges();
    b.add(0, Buffer.alloc(4096, 1), true);
    b.add(4096, Buffer.alloc(100), false);
    assert.throws(() => b.add(4196, Buffer.alloc(10, 1), true), /inside a block/);
  });
});

describe('checksums', () => {
  test('writes a file that `sha256sum -c` accepts, and that fails after a change', async () => {
    const file = join(dir, 'my image.img');
    await copyFile(img, file);
    const { sha256 } = await packageImage(file);
    const path = await writeSha256File(file, sha256!);
    assert.equal(path, `${file}.sha256`);
    assert.equal(await readFile(path, 'utf8'), `${sha256}  my image.img\n`);
    await execa('sha256sum', ['-c', '--strict', 'my image.img.sha256'], { cwd: dir });
    const fh = await open(file, 'r+');
    await fh.write(Buffer.from([1]), 0, 1, 30 * MiB);
    await fh.close();
    await assert.rejects(execa('sha256sum', ['-c', 'my image.img.sha256'], { cwd: dir }));
    await assert.rejects(writeSha256File(file, 'x'.repeat(64)), /invalid SHA-256/);
  });

  test('progress covers the whole file, without zstd too', async () => {
    let last = [0, 0];
    const { sha256 } = await packageImage(img, { onProgress: (d, t) => (last = [d, t]) });
    assert.deepEqual(last, [IMG_SIZE, IMG_SIZE]);
    assert.equal(sha256, await sha256Tool(img));
  });
});

function sampleManifest(): Manifest {
  return {
    imgsmith: { version: '0.1.0' },
    spec: { name: 'rpi', path: 'examples/rpi.json', sha256: 'a'.repeat(64) },
    image: {
      file: 'rpi.img',
      size: IMG_SIZE,
      sha256: 'b'.repeat(64),
      compressed: { file: 'rpi.img.zst', size: 1234, sha256: 'c'.repeat(64), compressor: 'zstd', level: 3 },
      bmap: { file: 'rpi.img.bmap', sha256: 'd'.repeat(64), blockSize: 4096, blocksCount: 16384, mappedBlocksCount: 950 },
    },
    table: { type: 'dos', labelId: '0x2178694e' },
    partitions: [
      { index: 1, name: 'firmware', start: MiB, size: 30 * MiB, type: '0x0b', bootable: true, filesystem: { type: 'vfat', label: 'FIRMWARE', uuid: '2178-694E' } },
      { index: 2, name: 'root', start: 31 * MiB, size: 33 * MiB, type: '83', bootable: false, filesystem: { type: 'ext4', label: 'NIXOS_SD', stats: { blocks: 8448 } } },
    ],
    inputs: { firmware: { dir: 'fw', files: [{ path: 'start4.elf', sha256: 'e'.repeat(64) }, { path: 'bootcode.bin', sha256: 'f'.repeat(64) }] } },
    tools: { zstd: '1.5.4', mke2fs: '1.47.0' },
  };
}

/** The same object with keys inserted in reverse order, recursively. */
function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)]));
  return v;
}

describe('manifest', () => {
  test('JSON is stable: key order independent of insertion order, 2-space indent, newline', async () => {
    const m = sampleManifest();
    const text = manifestJson(m);
    assert.equal(manifestJson(reverseKeys(m) as Manifest), text);
    assert.ok(text.endsWith('}\n'));
    assert.ok(text.startsWith('{\n  "imgsmith": {\n    "version": "0.1.0"\n  },\n  "spec": {'));
    const parsed = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ['imgsmith', 'spec', 'image', 'table', 'partitions', 'inputs', 'tools']);
    // Firmware files sorted by path; tools sorted by name.
    assert.deepEqual((parsed as unknown as Manifest).inputs.firmware!.files.map((f) => f.path), ['bootcode.bin', 'start4.elf']);
    assert.deepEqual(Object.keys((parsed as unknown as Manifest).tools), ['mke2fs', 'zstd']);
    assert.doesNotMatch(text, /timing|duration/i);
    const path = join(dir, 'rpi.manifest.json');
    await writeManifest(path, m);
    assert.equal(await readFile(path, 'utf8'), text);
  });

  test('rejects values JSON cannot represent faithfully', () => {
    assert.throws(() => stableJson({ a: Number.NaN }), /\$\.a is not a finite number/);
    assert.throws(() => stableJson({ a: 1n }), /unsupported type bigint/);
  });

  test('tool versions agree with the installed Debian packages', async () => {
    const v = await toolVersions(['zstd', 'mke2fs', 'sfdisk']);
    assert.deepEqual(Object.keys(v), ['mke2fs', 'sfdisk', 'zstd']);
    const pkg = async (name: string) => (await execa('dpkg-query', ['-W', '-f', '${Version}', name])).stdout.replace(/^\d+:/, '');
    assert.ok((await pkg('e2fsprogs')).startsWith(`${v.mke2fs}-`), `mke2fs ${v.mke2fs}`);
    assert.ok((await pkg('fdisk')).startsWith(`${v.sfdisk}-`), `sfdisk ${v.sfdisk}`);
    assert.ok((await pkg('zstd')).startsWith(`${v.zstd}+`) || (await pkg('zstd')).startsWith(`${v.zstd}-`), `zstd ${v.zstd}`);
    await assert.rejects(toolVersions(['imgsmith-no-such-tool']), /imgsmith-no-such-tool is not installed \(not found on PATH\)/);
  });
});

describe('hydra products', () => {
  test('writes the same files as sd-image.nix, once', async () => {
    const out = join(dir, 'out');
    const image = join(out, 'sd-image', 'nixos.img.zst');
    await writeHydraProducts(out, { imagePath: image, system: 'aarch64-linux' });
    await writeHydraProducts(out, { imagePath: image, system: 'aarch64-linux' });
    assert.equal(await readFile(join(out, 'nix-support', 'system'), 'utf8'), 'aarch64-linux\n');
    assert.equal(await readFile(join(out, 'nix-support', 'hydra-build-products'), 'utf8'), `file sd-image ${image}\n`);
    // A second product is appended; a relative path is made absolute.
    const rel = join('relative dir', 'x.img');
    await writeHydraProducts(out, { imagePath: rel, system: 'aarch64-linux', subtype: 'raw' });
    assert.equal(
      await readFile(join(out, 'nix-support', 'hydra-build-products'), 'utf8'),
      `file sd-image ${image}\nfile raw "${join(process.cwd(), rel)}"\n`,
    );
  });

  // Hydra's product line pattern (NixOS/hydra src/hydra-queue-runner/build-result.cc), a POSIX
  // extended regex: checked here with grep -E, an independent implementation of the same syntax.
  const HYDRA_ERE = '([a-zA-Z0-9_-]+)[[:space:]]+([a-zA-Z0-9_-]+)[[:space:]]+("[^"]+"|[^[:space:]<>"]+)([[:space:]]+([^[:space:]<>]+))?';
  const HYDRA_NAME_ERE = '[a-zA-Z0-9.@:_+ -]*';
  const grepx = async (re: string, line: string) => (await execa('grep', ['-Ex', '--', re], { input: line, reject: false, env: { LC_ALL: 'C' } })).exitCode === 0;

  test('product lines match Hydra\'s parser, with the product name Hydra shows', async () => {
    const paths = [
      '/nix/store/abc-nixos-sd-image/sd-image/nixos-sd-image-25.05.19700101.dirty__Warbler_-aarch64-linux.img.zst',
      '/tmp/out dir/with space/x.img.zst',
      '/tmp/a<b>/x.img',
    ];
    for (const p of paths) {
      const line = hydraProductLine('sd-image', p).replace(/\n$/, '');
      assert.ok(await grepx(HYDRA_ERE, line), `Hydra parses: ${line}`);
      const m = /^file sd-image ("?)(.*)\1$/.exec(line)!;
      assert.equal(m[2], p, 'the path Hydra extracts');
      assert.ok(await grepx(HYDRA_NAME_ERE, p.slice(p.lastIndexOf('/') + 1)), 'the name passes Hydra\'s name pattern');
    }
    // The line an unsafe label used to give: Hydra would blank the product's name.
    const bad = '/out/nixos-sd-image-25.05.19700101.dirty (Warbler)-aarch64-linux.img.zst';
    assert.equal(await grepx(HYDRA_NAME_ERE, bad.slice(5)), false, 'grep agrees Hydra rejects the name');
    assert.throws(() => hydraProductLine('sd-image', bad), (e: unknown) => e instanceof BuildError && /Hydra accepts only file names/.test(e.message));
    assert.throws(() => hydraProductLine('sd-image', 'relative/x.img'), /must be absolute/);
  });
});

describe('output names', () => {
  const v = { name: 'rpi', label: '25.05.19700101.dirty (Warbler)', system: 'aarch64-linux' };
  test('{label} and the whole name keep only [A-Za-z0-9._+-]; each other byte becomes "_"', () => {
    assert.equal(outputBaseName('nixos-sd-image-{label}-{system}', v), 'nixos-sd-image-25.05.19700101.dirty__Warbler_-aarch64-linux');
    assert.equal(safeName('é/x y'), '___x_y', 'é is 2 bytes in UTF-8');
    assert.equal(outputBaseName('{name}+{label}', { ...v, label: 'a.b_c-d+e' }), 'rpi+a.b_c-d+e');
  });
  test('empty, hidden and too long names are clear usage errors', () => {
    const usage = (re: RegExp) => (e: unknown) => e instanceof UsageError && re.test(e.message);
    assert.throws(() => outputBaseName('{label}', { ...v, label: '' }), usage(/empty/));
    assert.throws(() => outputBaseName('{label}', { ...v, label: '.hidden' }), usage(/starts with "\."/));
    assert.equal(outputBaseName('{label}', { ...v, label: 'x'.repeat(240) }).length, 240, '240 + ".img.zst.sha256" = 255 bytes');
    assert.throws(() => outputBaseName('{label}', { ...v, label: 'x'.repeat(241) }), usage(/241 bytes.*at most 240/));
    assert.throws(() => outputBaseName('{label}', { ...v, label: 'é'.repeat(121) }), usage(/242 bytes/), 'counted in bytes after replacement');
  });
});

describe('progress', () => {
  function clock() {
    let now = 1000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  }
  function sink() {
    const chunks: string[] = [];
    return { chunks, write: (s: string) => chunks.push(s), text: () => chunks.join('') };
  }

  test('jsonProgress emits parseable, throttled events', () => {
    const c = clock();
    const s = sink();
    const p = jsonProgress(s, { now: c.now });
    c.advance(5);
    const ph = p.phase('compress', 1000, 'bytes');
    for (let i = 1; i <= 20; i++) {
      c.advance(100);
      ph.update(i * 50);
    }
    ph.end({ output: 'x.zst', t: 'ignored' });
    ph.end();
    p.event('warning', { message: 'hello', event: 'ignored' });
    const text = s.text();
    assert.ok(text.endsWith('\n'));
    const events = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(events[0], { version: 1, event: 'phase-start', phase: 'compress', seq: 1, label: 'compress', t: 5, total: 1000, unit: 'bytes' });
    const progress = events.filter((e) => e.event === 'progress');
    assert.deepEqual(progress.map((e) => e.done), [250, 500, 750, 1000]);
    assert.deepEqual(progress.map((e) => e.t), [505, 1005, 1505, 2005]);
    const end = events.find((e) => e.event === 'phase-end');
    assert.deepEqual(end, { version: 1, event: 'phase-end', phase: 'compress', seq: 1, t: 2005, durationMs: 2000, done: 1000, total: 1000, output: 'x.zst' });
    assert.equal(events.filter((e) => e.event === 'phase-end').length, 1);
    assert.deepEqual(events.at(-1), { version: 1, event: 'warning', t: 2005, message: 'hello' });
  });

  test('ttyProgress redraws at most 10 times a second and ends with the duration', () => {
    const c = clock();
    const s = sink();
    const p = ttyProgress(Object.assign(s, { columns: 100 }), { now: c.now });
    const ph = p.phase('checksum', 100 * MiB, 'bytes', { label: 'hash' });
    for (let i = 1; i <= 100; i++) {
      c.advance(10);
      ph.update(i * MiB);
    }
    ph.end();
    const redraws = s.chunks.filter((x) => x.startsWith('\r') && !x.endsWith('\n'));
    assert.ok(redraws.length <= 1 + 10, `${redraws.length} redraws`);
    assert.match(redraws.at(-1)!, /hash {2}\[#+\.*\] +\d+% {2}\d+\.\d MiB \/ 100\.0 MiB {2}\d+\.\d MiB\/s/);
    assert.equal(s.chunks.at(-1), '\rhash: done in 1.0 s (100.0 MiB, 100.0 MiB/s)\x1b[K\n');
    for (const x of s.chunks) assert.ok(x.replace(/^\r|\x1b\[K|\n$/g, '').length <= 99);
  });
});

test('test image is sparse (sanity of the fixture)', async () => {
  const st = await stat(img);
  assert.equal(st.size, IMG_SIZE);
  assert.ok(st.blocks * 512 < 8 * MiB);
});

describe('build: the published outputs are what the previous three-pass pipeline made', () => {
  test('.img.zst, .bmap, .sha256 files and manifest hashes equal openssl dgst -sha256, the non-zero blocks and dd + zstd on the .img', async () => {
    const work = join(dir, 'build');
    // The closure and firmware the shared recipe builds are made from (read only).
    const { fx, firmware } = await recipeFixture();
    const out = join(work, 'out');
    const r = await runCli(
      ['build', join(REPO, 'images/rpi-aarch64.json'), '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', firmware, '-o', out, '--keep-raw', '--json'],
      { env: { TZ: 'UTC' } },
    );
    assert.equal(r.exitCode, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; phase?: string; done?: number; total?: number });
    const size = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')).image.size as number;
    // One packaging phase, ending with every byte done.
    assert.deepEqual(events.filter((e) => e.event === 'phase-end' && ['checksum', 'bmap', 'compress'].includes(e.phase!)).map((e) => [e.phase, e.done]), [['compress', size]]);

    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
    const imgPath = join(out, manifest.image.file);
    const zst = join(out, manifest.image.compressed!.file);
    const bmapInfo = manifest.image.bmap as ManifestBmap;
    const bmap = join(out, bmapInfo.file);
    // The previous pipeline: sha256 of the .img, bmaptool-identical bmap, `zstd -T0 -<level> -f img -o zst`.
    assert.equal(manifest.image.sha256, await sha256Tool(imgPath));
    // (the .img.zst: dd + zstd per 16 MiB chunk; most chunks were compressed while mke2fs ran)
    assert.ok((await readFile(zst)).equals(await zstdReference(imgPath, manifest.image.compressed!.level)), '.img.zst equals dd + zstd per chunk of the .img');
    // The bmap maps the non-zero blocks (bmaptool create would also map allocated zero
    // blocks, which depend on the host filesystem): what the JavaScript scan of the .img maps.
    const refBmap = join(work, 'ref.bmap');
    await withoutNative(() => packageImage(imgPath, { bmap: refBmap }));
    assert.equal(await readFile(bmap, 'utf8'), await readFile(refBmap, 'utf8'));
    assert.equal(bmapInfo.sha256, await sha256Tool(bmap));
    assert.equal(manifest.image.compressed!.sha256, await sha256Tool(zst));
    assert.equal(manifest.image.compressed!.size, (await stat(zst)).size);
    await execa('sha256sum', ['-c', '--strict', `${manifest.image.file}.sha256`, `${manifest.image.compressed!.file}.sha256`], { cwd: out });
    const dest = join(work, 'flashed.img');
    await execa('bmaptool', ['copy', '--bmap', bmap, zst, dest]);
    assert.equal(await sha256Tool(dest), manifest.image.sha256);
    await rm(work, { recursive: true, force: true });
  });
});
