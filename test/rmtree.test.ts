/**
 * src/rmtree.ts: removing temporary trees. Small ones in-process (no find or rm started), large
 * ones with find + rm; read-only directories, names that are not UTF-8, symlinks never followed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeTree } from '../src/rmtree.ts';
import { countingWrappers } from './helpers/cli.ts';

let tmp: string;
before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-rmtree-'));
});
after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

/** A tree with `n` files in one directory, a read-only directory, a name that is not UTF-8 and a symlink to `outside`. */
async function makeTree(root: string, n: number, outside: string): Promise<void> {
  await fsp.mkdir(path.join(root, 'many'), { recursive: true });
  for (let i = 0; i < n; i++) await fsp.writeFile(path.join(root, 'many', `f${i}`), '');
  await fsp.mkdir(path.join(root, 'ro'));
  await fsp.writeFile(Buffer.from(`${root}/ro/caf\xe9`, 'latin1'), 'x');
  await fsp.chmod(path.join(root, 'ro'), 0o555);
  await fsp.symlink(outside, path.join(root, 'link'));
}

test('removeTree: a small tree in-process and a large one with find and rm; read-only directories, non-UTF-8 names, symlinks not followed', async () => {
  const outside = path.join(tmp, 'outside');
  await fsp.mkdir(outside);
  await fsp.writeFile(path.join(outside, 'keep'), 'k');
  const bin = path.join(tmp, 'bin');
  const log = path.join(tmp, 'runs.log');
  const counted = await countingWrappers(bin, ['find', 'rm'], log);
  const savedPath = process.env.PATH;
  process.env.PATH = `${bin}:${savedPath}`;
  try {
    for (const [n, spawns] of [[20, 0], [5000, 2]] as const) {
      const root = path.join(tmp, `tree-${n}`);
      await makeTree(root, n, outside);
      await fsp.rm(log, { force: true });
      await removeTree(root);
      assert.equal(existsSync(root), false, `${n}: the tree is gone`);
      const runs = await counted.runs();
      assert.equal(runs, spawns, `${n} files: ${runs} find/rm processes`);
    }
  } finally {
    process.env.PATH = savedPath;
  }
  assert.equal(await fsp.readFile(path.join(outside, 'keep'), 'utf8'), 'k', 'the symlink was not followed');
  await removeTree(path.join(tmp, 'missing'));
  const file = path.join(tmp, 'a-file');
  await fsp.writeFile(file, '');
  await removeTree(file);
  assert.equal(existsSync(file), false);
});
