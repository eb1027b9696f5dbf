/** Loop devices in tests: whether they can be used here (root, a free loop device), and attaching them safely. */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

let probed: Promise<boolean> | undefined;

/** True when this process is root and `losetup` can attach a file (probed once per process, detached
 *  at once). One probe for the process: the test files of a group import this module together, and
 *  their top-level probes run at the same time. */
export function probeLosetup(): Promise<boolean> {
  probed ??= probe();
  return probed;
}

async function probe(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-loopprobe-'));
  const f = path.join(dir, 'probe.img');
  await fsp.writeFile(f, Buffer.alloc(1 << 20));
  try {
    // Test files running at the same time take loop devices too: all of them can be in use for a
    // while (a container's /dev has a fixed few), or the free one found taken before it is set up.
    try {
      await execa('losetup', ['-d', await attach(['-f', '--show', f], 20_000)], { reject: false });
      return true;
    } catch (err) {
      console.error(`loop devices cannot be used here: ${(err as Error).message}`);
      return false;
    }
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** `losetup ARGS` (with -f --show): the device. A failure is tried again for up to `patienceMs`: other
 *  test files set up and detach loop devices at the same time (the free one found can be taken, or
 *  be on its way out, before it is set up). */
async function attach(args: string[], patienceMs = 60_000): Promise<string> {
  for (let waited = 0; ; waited += 250) {
    const r = await execa('losetup', args, { reject: false });
    if (r.exitCode === 0) return r.stdout.trim();
    if (waited >= patienceMs) throw new Error(`losetup ${args.join(' ')}: ${r.stderr.trim()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Attaches one loop device over each file, runs fn with their paths, always detaches them. */
export async function withLoops<T>(files: string[], fn: (devs: string[]) => Promise<T>): Promise<T> {
  const devs: string[] = [];
  try {
    for (const f of files) devs.push(await attach(['-f', '--show', f]));
    return await fn(devs);
  } finally {
    for (const d of devs) await execa('losetup', ['-d', d], { reject: false });
  }
}

/** Attaches one read-only loop device over `size` bytes at `offset` of `file` (a partition of an
 *  image, checked in place instead of copied out), runs fn with its path, always detaches it. */
export async function withPartitionLoop<T>(file: string, offset: number, size: number, fn: (dev: string) => Promise<T>): Promise<T> {
  const dev = await attach(['-f', '--show', '-r', '-o', String(offset), '--sizelimit', String(size), file]);
  try {
    return await fn(dev);
  } finally {
    await execa('losetup', ['-d', dev], { reject: false });
  }
}
