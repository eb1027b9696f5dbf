/**
 * Android sparse images (src/codec/android-sparse.ts, written by the packaging pass): what
 * simg2img (AOSP libsparse, Debian android-sdk-libsparse-utils) makes of ours is the image
 * byte for byte; our reader reads img2simg's; chunks are checked by decoding the headers here,
 * independently of the codec; hostile files get one clear error each.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { packageImage } from '../src/outputs/package.ts';
import { nativeAvailable } from '../src/sparse.ts';
import { DataError } from '../src/errors.ts';
import { expandSparse, MAX_RAW_BLOCKS } from '../src/codec/android-sparse.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'imgsmith-simg-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const MiB = 1024 * 1024;
const B = 4096;

/** An image without a partition table (so every non-zero block is mapped): random data over
 *  more than one RAW chunk, a block of one repeated word, a 5-block run of another, zero blocks
 *  that were written, a hole, a partial last block. */
async function makeImage(name: string): Promise<{ file: string; bytes: Buffer }> {
  const size = 40 * MiB + 1000;
  const bytes = Buffer.alloc(size);
  // Not recognised as any filesystem: the first bytes are random.
  randomBytes(20 * MiB + 3 * B).copy(bytes, 0);
  bytes.fill(0, 510, 512); // no MBR signature: the image has no partition table
  bytes.fill(Buffer.from([0xef, 0xbe, 0xad, 0xde]), 21 * MiB, 21 * MiB + B);
  bytes.fill(Buffer.from([1, 2, 3, 4]), 22 * MiB, 22 * MiB + 5 * B);
  randomBytes(3 * B).copy(bytes, 30 * MiB);
  randomBytes(1000).copy(bytes, 40 * MiB);
  const file = path.join(dir, name);
  const fh = await open(file, 'w');
  try {
    // Written piecewise: [20 MiB + 3 blocks, 21 MiB) is written zeros, [23 MiB, 30 MiB) a hole.
    await fh.write(bytes, 0, 21 * MiB, 0);
    await fh.write(bytes, 21 * MiB, 2 * MiB, 21 * MiB);
    await fh.write(bytes, 30 * MiB, size - 30 * MiB, 30 * MiB);
  } finally {
    await fh.close();
  }
  return { file, bytes };
}

interface Chunk {
  type: number;
  blocks: number;
  totalSize: number;
  fill?: number;
}

/** The chunk headers, decoded here (little-endian, AOSP sparse_format.h). */
function decodeChunks(simg: Buffer): { blockSize: number; totalBlocks: number; totalChunks: number; chunks: Chunk[] } {
  assert.equal(simg.readUInt32LE(0), 0xed26ff3a);
  assert.equal(simg.readUInt16LE(8), 28);
  assert.equal(simg.readUInt16LE(10), 12);
  const head = { blockSize: simg.readUInt32LE(12), totalBlocks: simg.readUInt32LE(16), totalChunks: simg.readUInt32LE(20) };
  const chunks: Chunk[] = [];
  for (let pos = 28; pos < simg.length; ) {
    const c: Chunk = { type: simg.readUInt16LE(pos), blocks: simg.readUInt32LE(pos + 4), totalSize: simg.readUInt32LE(pos + 8) };
    if (c.type === 0xcac2) c.fill = simg.readUInt32LE(pos + 12);
    chunks.push(c);
    pos += c.totalSize;
  }
  return { ...head, chunks };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('simg2img turns our .simg into the image (the last partial block padded with zeros); chunks: RAW <= 16 MiB, FILL, DONT_CARE', async () => {
  const { file, bytes } = await makeImage('a.img');
  const simg = path.join(dir, 'a.simg');
  const r = await packageImage(file, { simg, sha256: false });
  const raw = path.join(dir, 'a.raw');
  await execa('simg2img', [simg, raw]);
  const out = await readFile(raw);
  const blocks = Math.ceil(bytes.length / B);
  assert.equal(out.length, blocks * B);
  assert.ok(out.subarray(0, bytes.length).equals(bytes), 'simg2img gives the image back');
  assert.ok(out.subarray(bytes.length).every((x) => x === 0), 'padding is zeros');
  const file_ = await readFile(simg);
  assert.deepEqual(r.simg, { size: file_.length, sha256: sha(file_), blocks, chunks: decodeChunks(file_).totalChunks });
  const d = decodeChunks(file_);
  assert.equal(d.blockSize, B);
  assert.equal(d.totalBlocks, blocks);
  assert.equal(d.chunks.length, d.totalChunks);
  assert.equal(d.chunks.reduce((a, c) => a + c.blocks, 0), blocks);
  for (const c of d.chunks) if (c.type === 0xcac1) assert.ok(c.blocks <= MAX_RAW_BLOCKS && c.totalSize === 12 + c.blocks * B);
  // The first 20 MiB + 3 blocks of data: one full 16 MiB RAW chunk, then the rest.
  assert.deepEqual(d.chunks.slice(0, 2).map((c) => [c.type, c.blocks]), [[0xcac1, MAX_RAW_BLOCKS], [0xcac1, (4 * MiB) / B + 3]]);
  // The written zeros and the hole are DONT_CARE (nothing needs them); the pattern runs FILL.
  const fills = d.chunks.filter((c) => c.type === 0xcac2).map((c) => [c.fill, c.blocks]);
  assert.deepEqual(fills, [[0xdeadbeef, 1], [0x04030201, 5]]);
  assert.ok(d.chunks.some((c) => c.type === 0xcac3 && c.blocks >= (7 * MiB) / B));
  assert.equal(d.chunks.at(-1)!.type, 0xcac1, 'the partial last block is RAW, padded');
  assert.ok(file_.length < 30 * MiB, 'holes and zeros take no space');
});

test('deterministic: the same bytes twice, and with the JavaScript scan as with the native extent map', async () => {
  const { file } = await makeImage('b.img');
  const one = await packageImage(file, { simg: path.join(dir, 'b1.simg'), sha256: false });
  const two = await packageImage(file, { simg: path.join(dir, 'b2.simg'), sha256: false, native: false });
  assert.equal(one.simg!.sha256, two.simg!.sha256);
  if (nativeAvailable()) assert.ok((await readFile(path.join(dir, 'b1.simg'))).equals(await readFile(path.join(dir, 'b2.simg'))));
});

/** Expands `simg` with our reader into a new file; returns its bytes. */
async function ourExpand(simg: string, name: string): Promise<Buffer> {
  const out = path.join(dir, name);
  const src = await open(simg, 'r');
  const dst = await open(out, 'w');
  try {
    await expandSparse(src, dst, simg);
  } finally {
    await src.close();
    await dst.close();
  }
  return readFile(out);
}

test("our reader reads img2simg's output (its own chunking) and ours back to the image", async () => {
  const { file, bytes } = await makeImage('c.img');
  // img2simg wants whole blocks.
  const fh = await open(file, 'r+');
  await fh.truncate(40 * MiB);
  await fh.close();
  const theirs = path.join(dir, 'c-theirs.simg');
  await execa('img2simg', [file, theirs]);
  assert.ok((await ourExpand(theirs, 'c1.raw')).equals(bytes.subarray(0, 40 * MiB)));
  const ours = path.join(dir, 'c-ours.simg');
  await packageImage(file, { simg: ours, sha256: false });
  assert.ok((await ourExpand(ours, 'c2.raw')).equals(bytes.subarray(0, 40 * MiB)));
});

/** A small valid .simg: header + RAW(1 block) + FILL(2) + DONT_CARE(1); 4 blocks. */
function sample(): Buffer {
  const h = Buffer.alloc(28);
  h.writeUInt32LE(0xed26ff3a, 0);
  h.writeUInt16LE(1, 4);
  h.writeUInt16LE(28, 8);
  h.writeUInt16LE(12, 10);
  h.writeUInt32LE(B, 12);
  h.writeUInt32LE(4, 16);
  h.writeUInt32LE(3, 20);
  const chunk = (type: number, blocks: number, payload: Buffer) => {
    const c = Buffer.alloc(12);
    c.writeUInt16LE(type, 0);
    c.writeUInt32LE(blocks, 4);
    c.writeUInt32LE(12 + payload.length, 8);
    return Buffer.concat([c, payload]);
  };
  return Buffer.concat([h, chunk(0xcac1, 1, Buffer.alloc(B, 7)), chunk(0xcac2, 2, Buffer.from([9, 0, 0, 0])), chunk(0xcac3, 1, Buffer.alloc(0))]);
}

test('the sample .simg is valid: simg2img and our reader agree', async () => {
  const f = path.join(dir, 'sample.simg');
  await writeFile(f, sample());
  await execa('simg2img', [f, path.join(dir, 'sample.raw')]);
  const theirs = await readFile(path.join(dir, 'sample.raw'));
  assert.ok((await ourExpand(f, 'sample2.raw')).equals(theirs));
  assert.equal(theirs.length, 4 * B);
});

const HOSTILE: [string, (b: Buffer) => Buffer, RegExp][] = [
  ['not sparse', (b) => Buffer.concat([Buffer.alloc(4), b.subarray(4)]), /is not an Android sparse image: no Android sparse magic/],
  ['shorter than its header', (b) => b.subarray(0, 20), /is not an Android sparse image: it is shorter \(20 bytes\)/],
  ['version 2', (b) => (b.writeUInt16LE(2, 4), b), /sparse format version 2\.0 is not 1\.x/],
  ['block size 0', (b) => (b.writeUInt32LE(0, 12), b), /block size 0 is not a positive multiple of 4/],
  ['truncated RAW data', (b) => b.subarray(0, 28 + 12 + 100), /chunk 0 of 3: truncated: its data would end at byte 4136, the file has 140/],
  ['truncated chunk header', (b) => b.subarray(0, 28 + 12 + B + 5), /chunk 1 of 3: truncated: its header would end/],
  ['RAW chunk size overflowing', (b) => (b.writeUInt32LE(0xffffffff, 28 + 4), b), /chunk 0 of 3: its size 4108 does not match 4294967295 blocks/],
  ['FILL size wrong', (b) => (b.writeUInt32LE(20, 28 + 12 + B + 8), b), /chunk 1 of 3: its size 20 does not match 2 blocks of type 0xcac2 \(16 bytes\)/],
  ['blocks past total_blks', (b) => (b.writeUInt32LE(3, 16), b), /chunk 2 of 3: its blocks 3\.\.3 run past the image's 3 blocks/],
  ['total blocks mismatch', (b) => (b.writeUInt32LE(5, 16), b), /its chunks cover 4 blocks, its header says 5/],
  ['more chunks announced', (b) => (b.writeUInt32LE(4, 20), b), /chunk 3 of 4: truncated: its header would end/],
  ['trailing bytes', (b) => Buffer.concat([b, Buffer.alloc(7)]), /7 bytes after its last chunk/],
  ['unknown chunk type', (b) => (b.writeUInt16LE(0xcac9, 28), b), /chunk 0 of 3: unknown chunk type 0xcac9/],
  ['an image too large to address', (b) => (b.writeUInt32LE(0xffffffff, 16), b.writeUInt32LE(0xfffffffc, 12), b), /blocks of 4294967292 bytes are more than imgsmith reads/],
];

for (const [name, mutate, message] of HOSTILE) {
  test(`hostile .simg (${name}): one DataError`, async () => {
    const f = path.join(dir, `h-${name.replace(/\W+/g, '-')}.simg`);
    await writeFile(f, mutate(sample()));
    await assert.rejects(ourExpand(f, `h-${name.replace(/\W+/g, '-')}.raw`), (err: Error) => {
      assert.ok(err instanceof DataError, `${err.constructor.name}: ${err.message}`);
      assert.match(err.message, message);
      assert.ok(err.message.startsWith(f), err.message);
      return true;
    });
  });
}
