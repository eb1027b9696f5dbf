/**
 * Images and partitions for tests: an image with marker bytes around a partition, one
 * partition's bytes copied out (sparse) for fsck-style tools, and what blkid reads.
 */
import { promises as fsp } from 'node:fs';
import { execa } from 'execa';

/** A sparse image of `diskSize` bytes with the marker bytes 0xaa just before and 0xbb just after [offset, offset+size). */
export async function markedImage(file: string, diskSize: number, offset: number, size: number): Promise<string> {
  const fh = await fsp.open(file, 'w');
  try {
    await fh.truncate(diskSize);
    await fh.write(Buffer.from([0xaa]), 0, 1, offset - 1);
    await fh.write(Buffer.from([0xbb]), 0, 1, offset + size);
  } finally {
    await fh.close();
  }
  return file;
}

/** Copies `size` bytes at `offset` of `src` into a new file `dst` (zero blocks stay holes), reading only its data ranges. */
export { extractPartition } from './sparse-bytes.ts';

/** What `blkid -p` (low-level probe) reads from a file, or from the filesystem at byte `offset` of it: TYPE, LABEL, UUID, VERSION ... */
export async function blkid(file: string, opts: { offset?: number; env?: Record<string, string> } = {}): Promise<Record<string, string>> {
  const args = ['-p', ...(opts.offset !== undefined ? ['-O', String(opts.offset)] : []), '-o', 'export', file];
  const { stdout } = await execa('blkid', args, opts.env ? { env: opts.env } : {});
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}
