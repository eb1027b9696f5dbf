/** Loop devices in tests: whether they can be used here (root, a free loop device), and attaching them safely. */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/** True when this process is root and `losetup` can attach a file (probed once, detached at once). */
export async function probeLosetup(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  const f = path.join(os.tmpdir(), `imgsmith-loopprobe-${process.pid}`);
  await fsp.writeFile(f, Buffer.alloc(1 << 20));
  const r = await execa('losetup', ['-f', '--show', f], { reject: false });
  if (r.exitCode === 0) await execa('losetup', ['-d', r.stdout.trim()], { reject: false });
  await fsp.rm(f, { force: true });
  return r.exitCode === 0;
}

/** Attaches one loop device over each file, runs fn with their paths, always detaches them. */
export async function withLoops<T>(files: string[], fn: (devs: string[]) => Promise<T>): Promise<T> {
  const devs: string[] = [];
  try {
    for (const f of files) devs.push((await execa('losetup', ['-f', '--show', f])).stdout.trim());
    return await fn(devs);
  } finally {
    for (const d of devs) await execa('losetup', ['-d', d], { reject: false });
  }
}

/** Attaches one read-only loop device over `size` bytes at `offset` of `file` (a partition of an
 *  image, checked in place instead of copied out), runs fn with its path, always detaches it. */
export async function withPartitionLoop<T>(file: string, offset: number, size: number, fn: (dev: string) => Promise<T>): Promise<T> {
  const dev = (await execa('losetup', ['-f', '--show', '-r', '-o', String(offset), '--sizelimit', String(size), file])).stdout.trim();
  try {
    return await fn(dev);
  } finally {
    await execa('losetup', ['-d', dev], { reject: false });
  }
}
