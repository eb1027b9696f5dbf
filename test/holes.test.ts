/**
 * Holes (issue 19): packaging cost follows the data, not the disk size.
 *  - chunks that are holes or zeros get the zero frame: the same bytes as dd + the zstd
 *    CLI per chunk (the reference the normal path is held to), with the addon and without;
 *  - a 1 TiB sparse image packages (bmap + zstd, no raw hash) with outputs checked by
 *    independent tools: its frames against per-chunk references, `zstd -l`, and bmaptool's
 *    own bmap parser;
 *  - a 1 TiB spec (a raw partition filling the disk) builds, and its .img.zst holds the
 *    partition table `sfdisk -d` expects and the blob at its partition;
 *  - decompressing for verify/inspect (src/inspect/zstd.ts) leaves repeated zero frames
 *    holes without decoding them and gives the image's bytes (cmp), sparse.
 * No timing assertions here: the speed targets live in `npm run bench -- --holes`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ChunkedZstd, ZSTD_CHUNK } from '../src/outputs/chunked.ts';
import { packageImage } from '../src/outputs/package.ts';
import { nativeAvailable } from '../src/sparse.ts';
import { decompressSparse } from '../src/inspect/zstd.ts';
import { zstdReference } from './helpers/zstd-reference.ts';
import { pseudoRandom } from './helpers/firmware-fixture.ts';
import { runCli } from './helpers/cli.ts';

const MiB = 1024 * 1024;
const TiB = 1024 ** 4;

let tmp: string;
before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-holes-'));
});
after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

/** Compressible, non-zero bytes (the same for the same seed). */
function data(len: number, seed: number): Buffer {
  const b = Buffer.alloc(len);
  const noise = pseudoRandom(`noise-${seed}`, 512);
  for (let off = 0; off < len; off += 4096) {
    noise.copy(b, off + ((off / 4096 + seed) % 7) * 512, 0, Math.min(512, len - off));
    if (off + 4 <= len) b.writeUInt32LE(off / 4096 + seed, off);
  }
  return b;
}

/** The frame `zstd -<level>` writes for `len` zero bytes on stdin (independent of imgsmith). */
async function zeroFrameCli(len: number, level = 3): Promise<Buffer> {
  const r = await execa('sh', ['-c', `head -c ${len} /dev/zero | zstd -${level} --single-thread -q -c --stream-size=${len}`], { encoding: 'buffer', stripFinalNewline: false });
  return Buffer.from(r.stdout);
}

/** The frame of chunk k of `file` as dd + zstd write it. */
async function chunkFrameCli(file: string, k: number, len: number, level = 3): Promise<Buffer> {
  const r = await execa('sh', ['-c', `dd if="$1" bs=${ZSTD_CHUNK} skip=${k} count=1 iflag=fullblock status=none | zstd -${level} --single-thread -q -c --stream-size=${len}`, 'sh', file], {
    encoding: 'buffer',
    stripFinalNewline: false,
  });
  return Buffer.from(r.stdout);
}

/**
 * 8 chunks and a partial one: data; a hole; written zeros; 4 KiB of data in a hole; fallocated
 * (unwritten) zeros; a hole; zeros with one byte set at the very end; data; a 5000-byte hole.
 */
async function mixedImage(name: string): Promise<{ img: string; size: number; zeroChunks: number }> {
  const img = path.join(tmp, `${name}.img`);
  const size = 8 * ZSTD_CHUNK + 5000;
  const fh = await fsp.open(img, 'w+');
  try {
    await fh.truncate(size);
    await fh.write(data(ZSTD_CHUNK, 1), 0, ZSTD_CHUNK, 0);
    await fh.write(Buffer.alloc(ZSTD_CHUNK), 0, ZSTD_CHUNK, 2 * ZSTD_CHUNK);
    await fh.write(data(4096, 3), 0, 4096, 3 * ZSTD_CHUNK + 5 * MiB);
    await fh.write(Buffer.alloc(ZSTD_CHUNK), 0, ZSTD_CHUNK, 6 * ZSTD_CHUNK);
    await fh.write(Buffer.from([7]), 0, 1, 7 * ZSTD_CHUNK - 1);
    await fh.write(data(ZSTD_CHUNK, 7), 0, ZSTD_CHUNK, 7 * ZSTD_CHUNK);
  } finally {
    await fh.close();
  }
  await execa('fallocate', ['--offset', String(4 * ZSTD_CHUNK), '--length', String(ZSTD_CHUNK), img]);
  return { img, size, zeroChunks: 5 }; // chunks 1, 2, 4, 5 and the partial one
}

/** dd + zstd per chunk of the mixed image: its bytes are the same every time (data() is seeded), so it is made once. */
let mixedReference: Promise<Buffer> | undefined;

for (const native of [true, false]) {
  test(`zero and hole chunks get the frames dd + zstd give them, among data (${native ? 'addon' : 'no addon: zstd CLI, reads for the zero check'})`, { skip: native && !nativeAvailable() && 'the native addon is not built' }, async () => {
    const { img, size, zeroChunks } = await mixedImage(`mixed-${native}`);
    const work = await fsp.mkdtemp(path.join(tmp, 'frames-'));
    const z = new ChunkedZstd(img, size, { level: 3, workDir: work, native });
    const out = `${img}.zst`;
    const r = await z.finish(out);
    assert.equal(r.frames, 9);
    assert.equal(r.zero, zeroChunks);
    mixedReference ??= zstdReference(img);
    assert.ok((await fsp.readFile(out)).equals(await mixedReference), 'the .img.zst equals dd + zstd per chunk');
    const cmp = await execa('sh', ['-c', 'zstd -dc "$1" | cmp - "$2"', 'sh', out, img], { reject: false });
    assert.equal(cmp.exitCode, 0, cmp.stdout + cmp.stderr);
    assert.deepEqual(await fsp.readdir(work), [], 'no frame files left behind');
    if (native) {
      // The inspect/verify decoder: zero frames skipped, the rest through libzstd (the addon), sparse.
      const back = `${img}.back`;
      assert.equal(await decompressSparse(out, back), 'libzstd');
      await execa('cmp', [img, back]);
      const zst = await fsp.readFile(out);
      await fsp.writeFile(`${out}.cut`, zst.subarray(0, zst.length - 10));
      await assert.rejects(decompressSparse(`${out}.cut`, `${back}.cut`), /truncated/);
      const bad = Buffer.from(zst);
      bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff; // the last frame's content checksum
      await fsp.writeFile(`${out}.bad`, bad);
      await assert.rejects(decompressSparse(`${out}.bad`, `${back}.bad`), /cannot decompress/);
    }
  });
}

test('the zero frame at other levels and lengths is the zstd CLI\'s', async () => {
  const img = path.join(tmp, 'holes-only.img');
  const size = 2 * ZSTD_CHUNK + 123_457;
  await fsp.writeFile(img, '');
  await fsp.truncate(img, size);
  for (const level of [1, 19]) {
    const work = await fsp.mkdtemp(path.join(tmp, 'frames-'));
    const out = path.join(tmp, `holes-only-${level}.img.zst`);
    const r = await new ChunkedZstd(img, size, { level, workDir: work }).finish(out);
    assert.equal(r.zero, 3);
    const want = Buffer.concat([await zeroFrameCli(ZSTD_CHUNK, level), await zeroFrameCli(ZSTD_CHUNK, level), await zeroFrameCli(123_457, level)]);
    assert.ok((await fsp.readFile(out)).equals(want), `level ${level}`);
  }
});

/** bmaptool's own parser (bmaptools.BmapCopy) on `bmap`: [first, last, sha256] per range. */
async function bmaptoolRanges(bmap: string): Promise<{ imageSize: number; mapped: number; ranges: [number, number, string][] }> {
  const py = [
    'import json, sys',
    'sys.path.insert(0, "/usr/lib/python3/dist-packages")',
    'from bmaptools.BmapCopy import BmapCopy',
    'c = BmapCopy(open("/dev/null", "rb"), open("/dev/null", "wb"), open(sys.argv[1], "rb"))',
    'print(json.dumps({"imageSize": c.image_size, "mapped": c.mapped_cnt, "ranges": [[f, l, s] for (f, l, s) in c._get_block_ranges()]}))',
  ].join('\n');
  const r = await execa('/usr/bin/python3', ['-c', py, bmap]);
  return JSON.parse(r.stdout) as { imageSize: number; mapped: number; ranges: [number, number, string][] };
}

test('a 1 TiB sparse image: frames per chunk (dd + zstd for data, the CLI\'s zero frame for the rest), zstd -l, bmaptool\'s parse, no raw hash', { skip: !nativeAvailable() && 'needs SEEK_DATA from the addon (the fallback reads every byte)' }, async () => {
  const img = path.join(tmp, 'tera.img');
  await fsp.writeFile(img, '');
  await fsp.truncate(img, TiB);
  // Data at the start, in the middle (across a chunk boundary) and at the very end.
  const pieces: [number, Buffer][] = [
    [0, data(3 * MiB, 11)],
    [512 * 1024 ** 3 - MiB, data(2 * MiB, 12)],
    [TiB - 64 * 1024, data(64 * 1024, 13)],
  ];
  const fh = await fsp.open(img, 'r+');
  for (const [at, b] of pieces) await fh.write(b, 0, b.length, at);
  await fh.close();
  const bmap = path.join(tmp, 'tera.bmap');
  const zst = path.join(tmp, 'tera.img.zst');
  const r = await packageImage(img, { bmap, zstd: { out: zst, level: 3 }, sha256: false });
  assert.equal(r.size, TiB);
  assert.equal(r.sha256, undefined, 'the raw image hash is not computed unless asked for');
  const chunks = TiB / ZSTD_CHUNK;
  assert.deepEqual(r.zstdFrames && { frames: r.zstdFrames.frames, zero: r.zstdFrames.zero }, { frames: chunks, zero: chunks - 4 });

  // The whole .img.zst, rebuilt from independent per-chunk references.
  const zero = await zeroFrameCli(ZSTD_CHUNK);
  const dataChunks = [0, 512 * 64 - 1, 512 * 64, chunks - 1];
  const refs = new Map<number, Buffer>();
  for (const k of dataChunks) refs.set(k, await chunkFrameCli(img, k, ZSTD_CHUNK));
  const got = await fsp.readFile(zst);
  assert.equal(got.length, (chunks - 4) * zero.length + [...refs.values()].reduce((n, b) => n + b.length, 0));
  let pos = 0;
  for (let k = 0; k < chunks; k++) {
    const want = refs.get(k) ?? zero;
    if (got.compare(want, 0, want.length, pos, pos + want.length) !== 0) assert.fail(`frame ${k} differs from dd + zstd`);
    pos += want.length;
  }
  assert.equal(r.compressed!.sha256, createHash('sha256').update(got).digest('hex'));

  const l = await execa('zstd', ['-lv', zst]);
  assert.match(l.stdout, new RegExp(`# Zstandard Frames: ${chunks}\\b`));
  assert.match(l.stdout, new RegExp(`Decompressed Size:.*\\(${TiB} B\\)`));

  const b = await bmaptoolRanges(bmap);
  assert.equal(b.imageSize, TiB);
  const sha = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');
  assert.deepEqual(b.ranges, pieces.map(([at, buf]) => [at / 4096, (at + buf.length) / 4096 - 1, sha(buf)]));
  assert.equal(b.mapped, pieces.reduce((n, [, buf]) => n + buf.length / 4096, 0));

  // Decompressed for verify/inspect: 1 TiB, sparse, the data where it was.
  const back = path.join(tmp, 'tera.back.img');
  await decompressSparse(zst, back);
  const st = await fsp.stat(back);
  assert.equal(st.size, TiB);
  assert.ok(st.blocks * 512 < 64 * MiB, `${st.blocks} blocks allocated`);
  const bh = await fsp.open(back, 'r');
  try {
    for (const [at, buf] of pieces) {
      const got = Buffer.alloc(buf.length);
      await bh.read(got, 0, buf.length, at);
      assert.ok(got.equals(buf), `the data at ${at}`);
    }
  } finally {
    await bh.close();
  }
});

test('a 1 TiB spec with a raw partition filling the disk builds: no raw hash in the manifest, sfdisk -d, the blob, zstd -l, the bmap', { skip: !nativeAvailable() && 'needs SEEK_DATA from the addon' }, async () => {
  const fw = path.join(tmp, 'fw');
  await fsp.mkdir(fw);
  const blob = data(3 * MiB + 100, 21);
  await fsp.writeFile(path.join(fw, 'blob.bin'), blob);
  const spec = {
    name: 'tera',
    table: { type: 'gpt', seed: 'tera' },
    size: '1TiB',
    partitions: [
      { name: 'loader', type: 'linux', size: '8MiB', filesystem: { type: 'raw', source: { from: 'firmware', path: 'blob.bin' } } },
      { name: 'swap', type: 'swap', size: '64MiB', filesystem: { type: 'swap', label: 'swap', uuid: 'a11ce000-0000-4000-8000-000000000002' } },
      { name: 'data', type: 'linux', size: 'fill', filesystem: { type: 'raw' } },
    ],
    output: { compress: 'zstd', bmap: true },
  };
  const specPath = path.join(tmp, 'tera.json');
  await fsp.writeFile(specPath, JSON.stringify(spec));
  const o = path.join(tmp, 'out-tera');
  const r = await runCli(['build', specPath, '--firmware', fw, '-o', o]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.deepEqual((await fsp.readdir(o)).sort(), ['manifest.json', 'nix-support', 'tera.bmap', 'tera.img.zst', 'tera.img.zst.sha256']);
  const m = JSON.parse(await fsp.readFile(path.join(o, 'manifest.json'), 'utf8'));
  assert.equal(m.image.size, TiB);
  assert.equal(m.image.sha256, undefined, 'no raw image SHA-256 when only the .img.zst is published');
  await execa('sha256sum', ['-c', '--strict', 'tera.img.zst.sha256'], { cwd: o });
  assert.equal(m.partitions[2].start + m.partitions[2].size <= TiB, true);
  assert.ok(m.partitions[2].size > TiB - 100 * MiB);

  const zst = path.join(o, 'tera.img.zst');
  const l = await execa('zstd', ['-lv', zst]);
  assert.match(l.stdout, new RegExp(`# Zstandard Frames: ${TiB / ZSTD_CHUNK}\\b`));
  assert.match(l.stdout, new RegExp(`Decompressed Size:.*\\(${TiB} B\\)`));

  // The first 128 MiB decompressed (zstd stops at the closed pipe) into a 1 TiB sparse file,
  // with the last chunk (the backup GPT) from the last frame: enough for sfdisk and cmp.
  const head = path.join(tmp, 'tera-head.img');
  await execa('sh', ['-c', 'zstd -dc "$1" 2>/dev/null | head -c 134217728 > "$2"; true', 'sh', zst, head]);
  assert.equal((await fsp.stat(head)).size, 128 * MiB);
  await fsp.truncate(head, TiB);
  const want = (await execa('sfdisk', ['-d', head], { reject: false })).stdout;
  assert.match(want, /^label: gpt$/m);
  const starts = [...want.matchAll(/start=\s*(\d+), size=\s*(\d+)/g)].map((x) => [Number(x[1]) * 512, Number(x[2]) * 512]);
  assert.deepEqual(starts, m.partitions.map((p: { start: number; size: number }) => [p.start, p.size]));
  await execa('cmp', ['-n', String(blob.length), path.join(fw, 'blob.bin'), head, '0', String(m.partitions[0].start)]);

  const b = await bmaptoolRanges(path.join(o, 'tera.bmap'));
  assert.equal(b.imageSize, TiB);
  const last = b.ranges[b.ranges.length - 1]!;
  assert.equal(last[1], TiB / 4096 - 1, 'the backup GPT at the end is mapped');
  assert.ok(b.mapped * 4096 < 16 * MiB, `mapped ${b.mapped} blocks`);
});
