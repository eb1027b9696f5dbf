import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { FileTree } from '../src/content/tree.ts';
import { DoesNotFitError, UsageError } from '../src/errors.ts';
import { swapDriver, defaultSwapUuid, swapHeader } from '../src/fs/swap.ts';
import type { FsContext } from '../src/fs/types.ts';
import { silentProgress } from '../src/progress.ts';
import { dataRanges } from '../src/sparse.ts';
import type { SwapSpec } from '../src/spec-types.ts';
import { blkid, extractPartition, markedImage } from './helpers/partition.ts';

const MiB = 1024 * 1024;
let dir: string;
let ctx: FsContext;
before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-swap-'));
  ctx = { tmpDir: dir, progress: silentProgress, epoch: 1700000000 };
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

const makeImage = (name: string, diskSize: number, offset: number, size: number) => markedImage(path.join(dir, name), diskSize, offset, size);
const extract = (img: string, offset: number, size: number, name: string) => extractPartition(img, offset, size, path.join(dir, name));

async function byteAt(file: string, pos: number): Promise<number> {
  const fh = await fsp.open(file, 'r');
  const b = Buffer.alloc(1);
  await fh.read(b, 0, 1, pos);
  await fh.close();
  return b[0]!;
}

const cases: { name: string; size: number; spec: SwapSpec }[] = [
  { name: 'label and uuid', size: 8 * MiB, spec: { type: 'swap', label: 'myswap', uuid: '0f3e1c1a-2b4d-4e5f-8a9b-0c1d2e3f4a5b' } },
  // The longest label mkswap keeps (15 bytes) and a size that is not a multiple of the page size.
  { name: '15-byte label, odd size', size: 5 * MiB + 1536, spec: { type: 'swap', label: 'fifteen-bytes-l', uuid: 'a1b2c3d4-0000-4000-8000-123456789abc' } },
];

for (const c of cases) {
  test(`swap header matches mkswap: ${c.name}`, async () => {
    const offset = 3 * MiB;
    const img = await makeImage(`img-${c.size}`, 16 * MiB, offset, c.size);
    const tree = new FileTree();
    swapDriver.validate(c.spec, tree, 'partition 2 ("swap")');
    assert.ok((await swapDriver.minimumSize(c.spec, tree, ctx)) <= c.size, 'minimum size fits');
    const report = await swapDriver.write(c.spec, tree, { imagePath: img, offset, size: c.size }, ctx);
    assert.equal(report.type, 'swap');
    assert.equal(report.uuid, c.spec.uuid);
    assert.equal(report.label, c.spec.label);

    // Only the first page of the partition is written; the markers around it are intact.
    assert.deepEqual(await dataRanges(img, { start: offset, end: offset + c.size, native: false }), [
      { start: offset, end: offset + 4096 },
    ]);
    assert.equal(await byteAt(img, offset - 1), 0xaa);
    assert.equal(await byteAt(img, offset + c.size), 0xbb);

    const part = await extract(img, offset, c.size, `part-${c.size}`);
    const id = await blkid(part);
    assert.equal(id.TYPE, 'swap');
    assert.equal(id.VERSION, '1');
    assert.equal(id.LABEL, c.spec.label);
    assert.equal(id.UUID, c.spec.uuid);
    const sl = await execa('swaplabel', [part]);
    assert.match(sl.stdout, new RegExp(`^LABEL: ${c.spec.label}$`, 'm'));
    assert.match(sl.stdout, new RegExp(`^UUID:\\s+${c.spec.uuid}$`, 'm'));

    // mkswap on an equal-size file gives the same bytes (it too writes only the first page).
    const ref = path.join(dir, `ref-${c.size}`);
    const fh = await fsp.open(ref, 'w');
    await fh.truncate(c.size);
    await fh.close();
    await execa('mkswap', ['-p', '4096', '-U', c.spec.uuid!, '-L', c.spec.label!, ref]);
    const a = await fsp.readFile(part);
    const b = await fsp.readFile(ref);
    assert.equal(a.length, b.length);
    assert.ok(a.subarray(0, 4096).equals(b.subarray(0, 4096)), 'first page differs from mkswap');
    assert.ok(a.equals(b), 'partition differs from mkswap output');
  });
}

test('16 KiB page header matches mkswap -p 16384', async () => {
  const size = 4 * MiB;
  const uuid = '0f3e1c1a-2b4d-4e5f-8a9b-0c1d2e3f4a5b';
  const page = swapHeader(size, uuid, 'pi5swap', 16384);
  assert.equal(page.length, 16384);
  const ref = path.join(dir, 'ref16k');
  const fh = await fsp.open(ref, 'w');
  await fh.truncate(size);
  await fh.close();
  await execa('mkswap', ['-p', '16384', '-U', uuid, '-L', 'pi5swap', ref]);
  const b = await fsp.readFile(ref);
  assert.ok(b.subarray(0, 16384).equals(page), 'first 16 KiB page differs from mkswap');
  assert.ok(b.subarray(16384).equals(Buffer.alloc(size - 16384)), 'mkswap wrote past the first page');
});

test('without label or uuid: deterministic derived uuid, no LABEL', async () => {
  const offset = MiB;
  const size = 2 * MiB;
  const img = await makeImage('img-nolabel', 4 * MiB, offset, size);
  const report = await swapDriver.write({ type: 'swap' }, new FileTree(), { imagePath: img, offset, size }, ctx);
  assert.equal(report.uuid, defaultSwapUuid(offset));
  assert.equal(report.label, undefined);
  assert.match(report.uuid!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(defaultSwapUuid(offset), defaultSwapUuid(offset + MiB));
  const id = await blkid(await extract(img, offset, size, 'part-nolabel'));
  assert.equal(id.TYPE, 'swap');
  assert.equal(id.UUID, report.uuid);
  assert.equal(id.LABEL, undefined);
});

test('bad input is rejected with clear errors', async () => {
  const tree = new FileTree();
  assert.throws(
    () => swapDriver.validate({ type: 'swap', label: 'sixteen-bytes-lb' }, tree, 'partition 3 ("swap")'),
    (e: unknown) => e instanceof UsageError && /partition 3.*16 bytes.*at most 15/.test(e.message),
  );
  assert.throws(
    () => swapDriver.validate({ type: 'swap', uuid: 'nope' }, tree, 'partition 3 ("swap")'),
    (e: unknown) => e instanceof UsageError && /"nope" is not a UUID/.test(e.message),
  );
  const withFile = new FileTree();
  withFile.add('/etc/x', { kind: 'data', mode: 0o644, data: Buffer.from('x') });
  assert.throws(
    () => swapDriver.validate({ type: 'swap' }, withFile, 'partition 3 ("swap")'),
    (e: unknown) => e instanceof UsageError && /no contents/.test(e.message),
  );
  const img = await makeImage('img-small', 1 * MiB, 4096, 36 * 1024);
  await assert.rejects(
    swapDriver.write({ type: 'swap' }, tree, { imagePath: img, offset: 4096, size: 36 * 1024 }, ctx),
    (e: unknown) => e instanceof DoesNotFitError && /too small.*10 pages/.test(e.message),
  );
  // Nothing was written.
  assert.deepEqual(await dataRanges(img, { start: 4096, end: 40 * 1024, native: false }), []);
});
