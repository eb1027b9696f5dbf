/**
 * test/helpers/sparse-bytes.ts, the hole-skipping stand-ins for `cmp` and `cmp -n N FILE
 * /dev/zero` the image tests use: they must find a differing byte anywhere (in data the
 * other file lacks, past a hole, at the end), and the partition copy must keep every byte.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { extractPartition, firstDifference, firstNonZero } from './helpers/sparse-bytes.ts';
import { MiB } from '../src/units.ts';

let tmp: string;
before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-sparse-bytes-'));
});
after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

/** A sparse file of `size` bytes with the given bytes written. */
async function file(name: string, size: number, bytes: [number, number][]): Promise<string> {
  const f = path.join(tmp, name);
  const fh = await fsp.open(f, 'w');
  await fh.truncate(size);
  for (const [at, v] of bytes) await fh.write(Buffer.from([v]), 0, 1, at);
  await fh.close();
  return f;
}

test('firstDifference: null exactly when cmp finds the files equal, else the byte cmp names', async () => {
  const a = await file('a', 64 * MiB, [[5, 1], [40 * MiB, 7]]);
  const same = await file('same', 64 * MiB, [[5, 1], [40 * MiB, 7]]);
  const more = await file('more', 64 * MiB, [[5, 1], [40 * MiB, 7], [50 * MiB + 3, 3]]);
  const short = await file('short', 64 * MiB - 1, [[5, 1], [40 * MiB, 7]]);
  assert.equal(await firstDifference(a, same), null);
  for (const [x, y] of [[a, more], [more, a], [a, short]] as const) {
    const cmp = await execa('cmp', [x, y], { reject: false });
    assert.equal(cmp.exitCode, 1);
    const ours = await firstDifference(x, y);
    assert.ok(ours, `${x} ${y}`);
    const at = /byte (\d+)/.exec(cmp.stdout || cmp.stderr)?.[1];
    assert.ok(at && ours.includes(`byte ${at}`), `cmp: ${cmp.stdout}${cmp.stderr}; ours: ${ours}`);
  }
});

test('firstNonZero: a byte anywhere in the first n is found; past n, or in a hole, is not', async () => {
  const f = await file('nz', 64 * MiB, [[30 * MiB + 9, 2]]);
  assert.equal(await firstNonZero(f, 30 * MiB + 9), null);
  assert.match((await firstNonZero(f, 30 * MiB + 10))!, new RegExp(`byte ${30 * MiB + 10} is 2`));
  assert.match((await firstNonZero(f, 65 * MiB))!, /EOF/);
});

test('extractPartition: the range\'s bytes (cmp against dd), holes kept', async () => {
  const src = await file('src', 64 * MiB, [[MiB - 1, 9], [MiB, 1], [20 * MiB, 2], [33 * MiB - 1, 3], [33 * MiB, 4]]);
  const out = await extractPartition(src, MiB, 32 * MiB, path.join(tmp, 'part'));
  const ref = path.join(tmp, 'ref');
  await execa('dd', [`if=${src}`, `of=${ref}`, 'bs=1M', 'skip=1', 'count=32', 'status=none']);
  await execa('cmp', [out, ref]);
  const st = await fsp.stat(out);
  assert.equal(st.size, 32 * MiB);
  assert.ok(st.blocks * 512 <= 8 * MiB + 64 * 1024, `${st.blocks * 512} bytes allocated`);
});
