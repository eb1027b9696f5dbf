/**
 * Scratch images for the partition-table tests (ptable, ptable-placement, mbr-extended):
 * blank sparse files, reads at an offset, our table written into a fresh image, sgdisk -v.
 */
import assert from 'node:assert/strict';
import { open, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { DiskPlan } from '../../src/disk-plan.ts';
import { buildPartitionTable, writePartitionTable } from '../../src/ptable/index.ts';

let counter = 0;

/** A new zeroed sparse file of `size` bytes in `dir`. */
export async function blankImage(dir: string, size: number, label = 'img'): Promise<string> {
  const f = path.join(dir, `${label}-${counter++}.img`);
  await writeFile(f, '');
  await truncate(f, size);
  return f;
}

/** `length` bytes of `file` at `offset` (a short read fails the test). */
export async function readAt(file: string, offset: number, length: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(length);
    const { bytesRead } = await fh.read(b, 0, length, offset);
    assert.equal(bytesRead, length, `short read from ${file}`);
    return b;
  } finally {
    await fh.close();
  }
}

/** The plan's table written by our module into a fresh image in `dir`; returns the path. */
export async function ourTableImage(dir: string, plan: DiskPlan): Promise<string> {
  const f = await blankImage(dir, plan.diskSize, 'ours');
  await writePartitionTable(f, buildPartitionTable(plan));
  return f;
}

/** `sgdisk -v` finds no problem; returns its output. */
export async function sgdiskVerify(file: string): Promise<string> {
  const r = await execa('sgdisk', ['-v', file], { reject: false });
  assert.equal(r.exitCode, 0, `sgdisk -v failed: ${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /No problems found/, r.stdout);
  return r.stdout;
}
