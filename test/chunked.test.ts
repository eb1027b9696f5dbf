/**
 * The chunked .img.zst (src/outputs/chunked.ts) and the shim's write log
 * (native/mkfs_shim.c, IMGSMITH_SHIM_WRITELOG): chunks compressed while a writer
 * still runs must give the same bytes as compressing everything at the end, also
 * when the writer comes back to a chunk already compressed, or when the log is
 * cut short. References are made with dd and the zstd CLI, chunk by chunk.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs, { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { execa } from 'execa';
import { ChunkedZstd, ZSTD_CHUNK } from '../src/outputs/chunked.ts';
import { shimAvailable, shimPath } from '../src/fs/shim.ts';
import { zstdReference } from './helpers/zstd-reference.ts';

let tmp: string;
before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-chunked-'));
});
after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

const record = (off: number, len: number): Buffer => {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(BigInt(off), 0);
  b.writeBigUInt64LE(BigInt(len), 8);
  return b;
};
const END = Buffer.alloc(16, 0xff);
const tick = () => new Promise<void>((r) => setImmediate(r));

/**
 * Writes `chunks` chunks of compressible pseudo-random data in 4 KiB blocks, in order, as a
 * mkfs would, logging each block; then `after` (more writes, logged or not) and the end.
 */
async function simulate(name: string, chunks: number, after: (fh: fsp.FileHandle, log: PassThrough, z: ChunkedZstd) => Promise<void>, end = true) {
  const img = path.join(tmp, `${name}.img`);
  const size = chunks * ZSTD_CHUNK + 5000; // a partial last chunk too
  const fh = await fsp.open(img, 'w+');
  await fh.truncate(size);
  const work = path.join(tmp, `${name}-frames`);
  await fsp.mkdir(work);
  const z = new ChunkedZstd(img, size, { level: 3, workDir: work });
  const log = new PassThrough();
  const tracked = z.track(log, 0, size);
  const block = Buffer.alloc(4096);
  const noise = randomBytes(512);
  for (let off = 0; off < chunks * ZSTD_CHUNK; off += 4096) {
    noise.copy(block, (off / 4096) % 7 * 512, 0, 512); // some structure, some noise
    block.writeUInt32LE(off / 4096, 0);
    await fh.write(block, 0, 4096, off);
    log.write(record(off, 4096));
    if ((off / 4096) % 256 === 0) await tick();
  }
  await after(fh, log, z);
  if (end) log.write(END);
  log.end();
  const t = await tracked;
  await fh.close();
  const out = path.join(tmp, `${name}.img.zst`);
  const r = await z.finish(out);
  return { img, out, r, t };
}

test('chunks compressed while the writer runs: the same bytes as dd + zstd per chunk', async () => {
  const { img, out, r, t } = await simulate('plain', 6, async (_fh, _log, z) => {
    // Give the early compressor time to catch up (it runs one chunk at a time).
    for (let i = 0; i < 200 && z.stats.early < 2; i++) await new Promise((res) => setTimeout(res, 10));
  });
  assert.equal(t.complete, true);
  assert.ok(r.early >= 2, `chunks compressed early: ${r.early}`);
  assert.ok((await fsp.readFile(out)).equals(await zstdReference(img)));
});

test('a chunk written again after its early compression is compressed again', async () => {
  const { img, out, r } = await simulate('rewrite', 6, async (fh, log, z) => {
    for (let i = 0; i < 300 && z.stats.early < 2; i++) await new Promise((res) => setTimeout(res, 10));
    assert.ok(z.stats.early >= 1, 'chunk 0 was compressed early');
    // mkfs comes back to chunk 0 (say, an inode table block) after it was compressed.
    await fh.write(Buffer.alloc(4096, 0xab), 0, 4096, 8192);
    log.write(record(8192, 4096));
  });
  assert.ok(r.early >= 1);
  const want = await zstdReference(img);
  assert.ok((await fsp.readFile(out)).equals(want));
  const cmp = await execa('sh', ['-c', 'zstd -dc "$1" | cmp - "$2"', 'sh', out, img], { reject: false });
  assert.equal(cmp.exitCode, 0, cmp.stdout + cmp.stderr);
});

test('a log without its end record vouches for nothing: every tracked chunk is compressed again', async () => {
  const { img, out, t } = await simulate(
    'cut',
    4,
    async (fh, _log, z) => {
      for (let i = 0; i < 300 && z.stats.early < 1; i++) await new Promise((res) => setTimeout(res, 10));
      // A write that never reached the log (the tool died before flushing its records).
      await fh.write(Buffer.alloc(4096, 0xcd), 0, 4096, 4096);
    },
    false,
  );
  assert.equal(t.complete, false);
  assert.ok((await fsp.readFile(out)).equals(await zstdReference(img)));
});

test('the mkfs shim logs every write mke2fs makes to the image, then an end record', { skip: !(await shimAvailable()) && 'the native shim is not built' }, async () => {
  const img = path.join(tmp, 'mke2fs.img');
  const offset = 1 << 20;
  const size = 64 << 20;
  await fsp.writeFile(img, '');
  await fsp.truncate(img, offset + size);
  const tree = path.join(tmp, 'tree');
  await fsp.mkdir(path.join(tree, 'd'), { recursive: true });
  for (let i = 0; i < 50; i++) await fsp.writeFile(path.join(tree, 'd', `f${i}`), randomBytes(5000 + i * 300));
  const logFile = path.join(tmp, 'mke2fs.log');
  const logFd = fs.openSync(logFile, 'w');
  try {
    const r = spawnSync('mke2fs', ['-q', '-F', '-t', 'ext4', '-E', `offset=${offset},nodiscard`, '-d', tree, img, `${size >> 10}k`], {
      env: { ...process.env, LD_PRELOAD: shimPath(), IMGSMITH_SHIM_WRITELOG: '3', IMGSMITH_SHIM_IMAGE: img },
      stdio: ['ignore', 'pipe', 'pipe', logFd],
    });
    assert.equal(r.status, 0, String(r.stderr));
  } finally {
    fs.closeSync(logFd);
  }
  const log = await fsp.readFile(logFile);
  assert.equal(log.length % 16, 0);
  const recs: [bigint, bigint][] = [];
  for (let p = 0; p < log.length; p += 16) recs.push([log.readBigUInt64LE(p), log.readBigUInt64LE(p + 8)]);
  assert.deepEqual(recs.at(-1), [0xffffffffffffffffn, 0xffffffffffffffffn]);
  // Every non-zero 4 KiB block of the image lies in a logged write.
  const covered = new Set<number>();
  for (const [o, l] of recs.slice(0, -1)) for (let b = Number(o) >> 12; b < Number(o + l + 4095n) >> 12; b++) covered.add(b);
  const data = await fsp.readFile(img);
  let nonZero = 0;
  for (let b = 0; b < data.length >> 12; b++) {
    if (data.subarray(b << 12, (b + 1) << 12).some((x) => x !== 0)) {
      nonZero++;
      assert.ok(covered.has(b), `block ${b} has data but no logged write`);
    }
  }
  assert.ok(nonZero > 50, `${nonZero} data blocks`);
  // Nothing outside the filesystem's range was written.
  for (const [o, l] of recs.slice(0, -1)) assert.ok(o >= BigInt(offset) && o + l <= BigInt(offset + size), `${o}+${l}`);
});
