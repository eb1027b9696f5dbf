import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs, { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import {
  BLOCK,
  copySparse,
  dataRanges,
  loadNative,
  nativeAvailable,
  writeNonZero,
  type Range,
} from '../src/sparse.ts';
import { KiB, MiB } from '../src/units.ts';

const GiB = 1024 * MiB;

let dir: string;
before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-sparse-'));
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

/** Random bytes with no zero byte, so every touched block is non-zero. */
function nonZeroBytes(n: number): Buffer {
  const b = randomBytes(n);
  for (let i = 0; i < n; i++) if (b[i] === 0) b[i] = 1;
  return b;
}

interface Write {
  at: number;
  data: Buffer;
}

/** Creates a sparse file of `size` bytes holding `writes`. */
async function makeSparse(name: string, size: number, writes: Write[]): Promise<string> {
  const p = path.join(dir, name);
  const fh = await fsp.open(p, 'w');
  await fh.truncate(size);
  for (const w of writes) await fh.write(w.data, 0, w.data.length, w.at);
  await fh.close();
  return p;
}

/** The 4 KiB blocks (by file offset) touched by `writes`, merged. */
function touchedBlocks(writes: Write[], shift = 0): Range[] {
  const blocks = writes
    .map((w) => ({
      start: Math.floor((w.at + shift) / BLOCK) * BLOCK,
      end: Math.ceil((w.at + shift + w.data.length) / BLOCK) * BLOCK,
    }))
    .sort((a, b) => a.start - b.start);
  const out: Range[] = [];
  for (const b of blocks) {
    const last = out[out.length - 1];
    if (last && last.end >= b.start) last.end = Math.max(last.end, b.end);
    else out.push({ ...b });
  }
  return out;
}

function clip(ranges: Range[], size: number): Range[] {
  return ranges.map((r) => ({ start: r.start, end: Math.min(r.end, size) })).filter((r) => r.end > r.start);
}

function covered(ranges: Range[], start: number, end: number): boolean {
  return ranges.some((r) => r.start <= start && end <= r.end);
}

function total(ranges: Range[]): number {
  return ranges.reduce((a, r) => a + r.end - r.start, 0);
}

/** Union of range lists, sorted and merged. */
function union(...lists: Range[][]): Range[] {
  const all = lists.flat().sort((a, b) => a.start - b.start);
  const out: Range[] = [];
  for (const r of all) {
    const last = out[out.length - 1];
    if (last && last.end >= r.start) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** sha256 of the bytes of `file` in `ranges` (each shifted by `shift`), read in pieces. */
async function hashRanges(file: string, ranges: Range[], shift: number): Promise<string> {
  const h = createHash('sha256');
  const fh = await fsp.open(file, 'r');
  const buf = Buffer.alloc(MiB);
  try {
    for (const r of ranges) {
      for (let off = r.start; off < r.end; ) {
        const n = Math.min(MiB, r.end - off);
        const { bytesRead } = await fh.read(buf, 0, n, off + shift);
        // Past the end of the file reads as zeros (the file's logical content).
        buf.fill(0, bytesRead, n);
        h.update(buf.subarray(0, n));
        off += n;
      }
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

/** Allocated bytes according to `stat -c %b` (512-byte units), an independent tool. */
async function allocated(file: string): Promise<number> {
  const { stdout } = await execa('stat', ['-c', '%b %B', file]);
  const [b, unit] = stdout.trim().split(' ').map(Number);
  return b! * unit!;
}

/**
 * Checks that dst[dstOffset, dstOffset + len) equals src[srcOffset, srcOffset + len) by hashing
 * the union of both files' data ranges in the window (everything else is a hole in both).
 */
async function assertWindowEqual(src: string, srcOffset: number, dst: string, dstOffset: number, len: number) {
  const sr = (await dataRanges(src, { start: srcOffset, end: srcOffset + len })).map((r) => ({
    start: r.start - srcOffset,
    end: r.end - srcOffset,
  }));
  const dr = (await dataRanges(dst, { start: dstOffset, end: dstOffset + len })).map((r) => ({
    start: r.start - dstOffset,
    end: r.end - dstOffset,
  }));
  const u = union(sr, dr);
  assert.ok(u.length > 0, 'no data in the window at all');
  assert.equal(await hashRanges(dst, u, dstOffset), await hashRanges(src, u, srcOffset));
}

for (const mode of ['native', 'fallback'] as const) {
  const native = mode === 'native';
  describe(`sparse I/O (${mode})`, () => {
    const writes: Write[] = [
      { at: 0, data: nonZeroBytes(1) },
      { at: 4095, data: nonZeroBytes(2) }, // straddles a block boundary
      { at: 12345, data: nonZeroBytes(5000) },
      { at: 3 * MiB + 17, data: nonZeroBytes(MiB + 3) }, // crosses a 1 MiB chunk boundary
      { at: 100 * MiB - 3, data: nonZeroBytes(3) }, // the last bytes, file size not block-aligned
    ];
    const size = 100 * MiB;

    test('dataRanges covers every written byte and little else', async () => {
      if (native && !nativeAvailable()) assert.fail('native addon not available (run npm run build:native)');
      const src = await makeSparse(`odd-${mode}`, size, writes);
      const r = await dataRanges(src, { native });
      for (const w of writes) assert.ok(covered(r, w.at, w.at + w.data.length), `data at ${w.at} not covered`);
      const expected = clip(touchedBlocks(writes), size);
      if (!native) {
        assert.deepEqual(r, expected); // exact: 4 KiB blocks holding non-zero bytes
      } else {
        // The kernel may allocate a little more than the touched blocks, never much.
        assert.ok(total(r) <= total(expected) + 16 * BLOCK, `ranges ${JSON.stringify(r)} too large`);
      }
      // Sorted, merged, inside the file.
      for (let i = 0; i < r.length; i++) {
        assert.ok(r[i]!.start < r[i]!.end && r[i]!.end <= size, `bad range ${JSON.stringify(r[i])}`);
        if (i > 0) assert.ok(r[i - 1]!.end < r[i]!.start, `unmerged/unsorted ranges ${JSON.stringify(r)}`);
      }
      // Same through an fd and a FileHandle, and limited to a window.
      const fh = await fsp.open(src, 'r');
      try {
        assert.deepEqual(await dataRanges(fh.fd, { native }), r);
        assert.deepEqual(await dataRanges(fh, { native }), r);
        const win = await dataRanges(fh, { native, start: 12346, end: 3 * MiB + 20 });
        assert.equal(win[0]!.start, 12346);
        assert.equal(win[win.length - 1]!.end, 3 * MiB + 20);
        assert.ok(covered(win, 12346, 12345 + 5000), `window ranges ${JSON.stringify(win)}`);
      } finally {
        await fh.close();
      }
      // A file without data and an empty file.
      assert.deepEqual(await dataRanges(await makeSparse(`empty-${mode}`, 50 * MiB, []), { native }), []);
      assert.deepEqual(await dataRanges(await makeSparse(`zero-${mode}`, 0, []), { native }), []);
    });

    test('copySparse into an offset of a larger sparse file keeps holes', async () => {
      const src = await makeSparse(`csrc-${mode}`, size, writes);
      const dstSize = 1 * GiB;
      const dstOffset = 300 * MiB + 512; // not block-aligned
      const before = nonZeroBytes(10);
      const afterMark = nonZeroBytes(10);
      const dst = await makeSparse(`cdst-${mode}`, dstSize, [
        { at: dstOffset - 10, data: before },
        { at: dstOffset + size, data: afterMark },
      ]);
      let last: [number, number] = [0, 0];
      const { bytesCopied } = await copySparse(src, dst, dstOffset, {
        native,
        onProgress: (d, t) => (last = [d, t]),
      });
      const dataBytes = writes.reduce((a, w) => a + w.data.length, 0);
      assert.ok(bytesCopied >= dataBytes && bytesCopied <= dataBytes + 32 * BLOCK, `copied ${bytesCopied}`);
      assert.equal(last[0], last[1], 'progress reaches the total');
      assert.equal((await fsp.stat(dst)).size, dstSize, 'dst size unchanged');
      await assertWindowEqual(src, 0, dst, dstOffset, size);
      // Bytes outside the window are untouched and there is no other data.
      const fh = await fsp.open(dst, 'r');
      const b = Buffer.alloc(10);
      await fh.read(b, 0, 10, dstOffset - 10);
      assert.deepEqual(b, before);
      await fh.read(b, 0, 10, dstOffset + size);
      assert.deepEqual(b, afterMark);
      await fh.close();
      // (The markers' own blocks are allocated; look outside them.)
      const outside = [
        ...(await dataRanges(dst, { end: dstOffset - 10 - ((dstOffset - 10) % BLOCK) })),
        ...(await dataRanges(dst, { start: dstOffset + size + 10 + BLOCK - ((dstOffset + size + 10) % BLOCK) })),
      ];
      assert.deepEqual(outside, []);
      // Still sparse: allocation ~ data size, not 100 MiB.
      assert.ok((await allocated(dst)) <= dataBytes + 64 * KiB, `dst allocates ${await allocated(dst)} bytes`);
    });

    test('copySparse with srcOffset/length copies a window only', async () => {
      const src = await makeSparse(`wsrc-${mode}`, size, writes);
      const dst = path.join(dir, `wdst-${mode}`);
      await fsp.rm(dst, { force: true });
      const srcOffset = 12345 + 100;
      const length = 3 * MiB + 17 + 10 - srcOffset; // ends 10 bytes into the 4th write
      await copySparse(src, dst, 5, { native, srcOffset, length });
      // dst was created; it ends at the last written byte.
      assert.equal((await fsp.stat(dst)).size, 5 + length);
      await assertWindowEqual(src, srcOffset, dst, 5, length);
      assert.ok((await allocated(dst)) <= 64 * KiB, `dst allocates ${await allocated(dst)} bytes`);
    });

    test('punchHoles clears stale data in the destination window', async () => {
      const src = await makeSparse(`psrc-${mode}`, 8 * MiB, [{ at: 2 * MiB + 1, data: nonZeroBytes(1000) }]);
      const dst = await makeSparse(`pdst-${mode}`, 16 * MiB, [
        { at: 4 * MiB, data: nonZeroBytes(2 * MiB) }, // stale data where src has holes
        { at: 4 * MiB - 1, data: Buffer.from([7]) }, // just outside the window
      ]);
      await copySparse(src, dst, 4 * MiB, { native, punchHoles: true });
      await assertWindowEqual(src, 0, dst, 4 * MiB, 8 * MiB);
      const fh = await fsp.open(dst, 'r');
      const b = Buffer.alloc(1);
      await fh.read(b, 0, 1, 4 * MiB - 1);
      await fh.close();
      assert.equal(b[0], 7);
      // The stale 2 MiB are gone (zeros, and no longer allocated with the addon).
      const r = await dataRanges(dst, { native: false, start: 4 * MiB, end: 12 * MiB });
      assert.deepEqual(r, [{ start: 6 * MiB, end: 6 * MiB + BLOCK }]);
      if (native) assert.ok((await allocated(dst)) <= 64 * KiB, `dst allocates ${await allocated(dst)} bytes`);
    });

    test('writeNonZero writes only non-zero blocks', async () => {
      const p = await makeSparse(`wnz-${mode}`, 4 * MiB, []);
      const buf = Buffer.alloc(2 * MiB + 100);
      buf[10] = 1;
      buf[MiB + 5000] = 2;
      buf[buf.length - 1] = 3;
      const pos = 1000; // blocks are aligned to file offsets, not to the buffer
      const fh = await fsp.open(p, 'r+');
      const n = await writeNonZero(fh, buf, pos);
      await fh.close();
      const data = await fsp.readFile(p);
      assert.deepEqual(data.subarray(pos, pos + buf.length), buf);
      const r = await dataRanges(p, { native: false });
      assert.deepEqual(r, touchedBlocks([
        { at: pos + 10, data: Buffer.alloc(1) },
        { at: pos + MiB + 5000, data: Buffer.alloc(1) },
        { at: pos + buf.length - 1, data: Buffer.alloc(1) },
      ]));
      // Blocks are cut at file offsets: [1000, 4096), a whole block, and the tail of the
      // buffer from the last block boundary.
      assert.equal(n, BLOCK - pos + BLOCK + ((pos + buf.length) % BLOCK));
      assert.ok((await allocated(p)) <= 4 * BLOCK, `allocates ${await allocated(p)} bytes`);
    });
  });
}

test('skipZeros leaves explicitly written zero blocks out', async () => {
  const src = await makeSparse('zsrc', 8 * MiB, [
    { at: MiB, data: Buffer.alloc(256 * KiB) }, // allocated zeros
    { at: MiB + 256 * KiB, data: nonZeroBytes(10) },
    { at: 5 * MiB + 3, data: nonZeroBytes(5000) },
  ]);
  const plain = await makeSparse('zdst1', 8 * MiB, []);
  const skip = await makeSparse('zdst2', 8 * MiB, []);
  const a = await copySparse(src, plain, 0);
  const b = await copySparse(src, skip, 0, { skipZeros: true });
  await assertWindowEqual(src, 0, skip, 0, 8 * MiB);
  assert.equal(b.bytesCopied, BLOCK + 2 * BLOCK, 'only the non-zero blocks are written');
  assert.ok(a.bytesCopied >= b.bytesCopied);
});

test('skipZeros with the native addon: the plain copy copies zero data, skipZeros leaves holes (native)', { skip: !nativeAvailable() && 'the native addon is not built (npm run build:native)' }, async () => {
  const src = await makeSparse('zsrc-n', 8 * MiB, [
    { at: MiB, data: Buffer.alloc(256 * KiB) }, // allocated zeros
    { at: MiB + 256 * KiB, data: nonZeroBytes(10) },
  ]);
  const plain = await makeSparse('zdst1-n', 8 * MiB, []);
  const skip = await makeSparse('zdst2-n', 8 * MiB, []);
  const a = await copySparse(src, plain, 0, { native: true });
  await copySparse(src, skip, 0, { native: true, skipZeros: true });
  assert.ok(a.bytesCopied >= 256 * KiB, `plain native copy copies the zero data too (${a.bytesCopied})`);
  assert.ok((await allocated(skip)) <= 16 * KiB, `skipZeros allocates ${await allocated(skip)} bytes`);
});

describe('sparse I/O at large offsets', () => {
  const apparent = 64 * GiB;
  const writes: Write[] = [
    { at: 1, data: nonZeroBytes(100) },
    { at: 5 * GiB - 7, data: nonZeroBytes(2 * MiB) }, // crosses 4 GiB+ and 2^32-ish boundaries
    { at: 33 * GiB + 12345, data: nonZeroBytes(1 * MiB + 1) },
    { at: apparent - 4096 - 1, data: nonZeroBytes(4097) }, // up to the last byte
  ];
  const dataBytes = writes.reduce((a, w) => a + w.data.length, 0);

  test('a 64 GiB sparse file copied into a larger one (native)', async () => {
    assert.ok(nativeAvailable(), 'native addon not available (run npm run build:native)');
    const src = await makeSparse('big-src', apparent, writes);
    const dstOffset = 7 * GiB + 3 * BLOCK + 512;
    const dst = await makeSparse('big-dst', 80 * GiB, []);
    const r = await dataRanges(src);
    for (const w of writes) assert.ok(covered(r, w.at, w.at + w.data.length), `data at ${w.at} not covered`);
    assert.ok(total(r) <= dataBytes + 32 * BLOCK, `ranges ${JSON.stringify(r)} too large`);
    const { bytesCopied } = await copySparse(src, dst, dstOffset);
    assert.ok(bytesCopied >= dataBytes && bytesCopied <= dataBytes + 32 * BLOCK, `copied ${bytesCopied}`);
    await assertWindowEqual(src, 0, dst, dstOffset, apparent);
    const dr = await dataRanges(dst);
    assert.ok(
      dr[0]!.start >= dstOffset - (dstOffset % BLOCK) && dr[dr.length - 1]!.end <= dstOffset + apparent + BLOCK,
      `data outside the window: ${JSON.stringify(dr)}`,
    );
    assert.equal((await fsp.stat(dst)).size, 80 * GiB);
    const alloc = await allocated(dst);
    assert.ok(alloc <= dataBytes + 256 * KiB, `dst allocates ${alloc} bytes`);
    const { stdout } = await execa('du', ['-k', dst]);
    assert.ok(Number(stdout.split('\t')[0]) * KiB <= dataBytes + 256 * KiB, `du: ${stdout}`);
  });

  test('fallback handles offsets beyond 4 GiB (windowed)', async () => {
    const src = await makeSparse('big-src2', apparent, writes);
    const srcOffset = 5 * GiB - 64 * MiB;
    const length = 128 * MiB;
    const r = await dataRanges(src, { native: false, start: srcOffset, end: srcOffset + length });
    assert.deepEqual(r, touchedBlocks([writes[1]!]));
    const dst = await makeSparse('big-dst2', 40 * GiB, []);
    const dstOffset = 35 * GiB + 1;
    await copySparse(src, dst, dstOffset, { native: false, srcOffset, length });
    await assertWindowEqual(src, srcOffset, dst, dstOffset, length);
    assert.ok((await allocated(dst)) <= 2 * MiB + 64 * KiB, `dst allocates ${await allocated(dst)} bytes`);
  });
});

describe('native addon', () => {
  test('seekData/seekHole/copyFileRange/punchHole', async (t) => {
    const n = loadNative();
    assert.ok(n, 'native addon not available (run npm run build:native)');
    const p = await makeSparse('nat', 10 * MiB, [{ at: 2 * MiB, data: nonZeroBytes(10) }]);
    const fh = await fsp.open(p, 'r+');
    try {
      assert.equal(n.seekData(fh.fd, 0), 2 * MiB);
      assert.equal(n.seekHole(fh.fd, 2 * MiB), 2 * MiB + BLOCK);
      assert.equal(n.seekData(fh.fd, 2 * MiB + BLOCK), -1); // ENXIO: no data after
      assert.equal(n.seekHole(fh.fd, 20 * MiB), -1); // ENXIO: past EOF
      n.punchHole(fh.fd, 2 * MiB, BLOCK);
      assert.equal(n.seekData(fh.fd, 0), -1);
      assert.throws(() => n.seekData(987654, 0), { code: 'EBADF' });
      assert.throws(() => n.seekData(fh.fd, -1), RangeError);
      assert.throws(() => (n.seekData as (...a: unknown[]) => number)(fh.fd, '0'), TypeError);
    } finally {
      await fh.close();
    }
    // Across filesystems (tmpfs -> here) copy_file_range fails with EXDEV and the C code
    // falls back to pread/pwrite.
    if (!fs.existsSync('/dev/shm')) return t.skip('no /dev/shm');
    const shm = await fsp.mkdtemp('/dev/shm/imgsmith-');
    try {
      const data = nonZeroBytes(3 * MiB + 5);
      await fsp.writeFile(path.join(shm, 'a'), data);
      const a = await fsp.open(path.join(shm, 'a'), 'r');
      const b = await fsp.open(path.join(dir, 'xdev'), 'w+');
      assert.equal(n.copyFileRange(a.fd, 5, b.fd, 4 * GiB + 3, 3 * MiB + 10), 3 * MiB); // stops at EOF
      await a.close();
      const back = Buffer.alloc(3 * MiB);
      await b.read(back, 0, back.length, 4 * GiB + 3);
      await b.close();
      assert.deepEqual(back, data.subarray(5));
    } finally {
      await fsp.rm(shm, { recursive: true, force: true });
    }
  });

  test('IMGSMITH_NO_NATIVE=1 forces the fallback', async () => {
    const p = await makeSparse('env', 8 * MiB, [{ at: MiB, data: Buffer.alloc(64 * KiB) }, { at: 3 * MiB, data: Buffer.from([1]) }]);
    const script = `
      import { nativeAvailable, dataRanges } from ${JSON.stringify(path.resolve('src/sparse.ts'))};
      console.log(JSON.stringify({ native: nativeAvailable(), ranges: await dataRanges(${JSON.stringify(p)}) }));`;
    const run = async (env: Record<string, string>) => {
      const { stdout } = await execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env,
        cwd: path.resolve('.'),
      });
      return JSON.parse(stdout) as { native: boolean; ranges: Range[] };
    };
    const off = await run({ IMGSMITH_NO_NATIVE: '1' });
    assert.equal(off.native, false);
    // The fallback reports the non-zero block only; the written zero block is skipped.
    assert.deepEqual(off.ranges, [{ start: 3 * MiB, end: 3 * MiB + BLOCK }]);
    const on = await run({});
    assert.equal(on.native, true);
    // SEEK_DATA reports the allocated (zero-filled) 64 KiB too.
    assert.ok(
      covered(on.ranges, MiB, MiB + 64 * KiB) && covered(on.ranges, 3 * MiB, 3 * MiB + 1),
      `native ranges ${JSON.stringify(on.ranges)}`,
    );
  });
});
