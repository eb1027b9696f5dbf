/**
 * SHA-256 of output files, and `<file>.sha256` files in `sha256sum` format so
 * that `sha256sum -c NAME.sha256` works from the output directory.
 */
import { createHash } from 'node:crypto';
import { open, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { buildError } from '../errors.ts';

/** Read size for hashing: large reads keep the syscall overhead negligible. */
const CHUNK = 4 * 1024 * 1024;

/**
 * The SHA-256 (hex) of bytes [start, end) of an open file, fed to `update`.
 * Shared by sha256File and the bmap writer.
 */
export async function hashRange(
  fh: import('node:fs/promises').FileHandle,
  start: number,
  end: number,
  buffer: Buffer,
  onBytes?: (n: number) => void,
): Promise<string> {
  const hash = createHash('sha256');
  let pos = start;
  while (pos < end) {
    const want = Math.min(buffer.length, end - pos);
    const { bytesRead } = await fh.read(buffer, 0, want, pos);
    if (bytesRead === 0) break; // end of file
    hash.update(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
    pos += bytesRead;
    onBytes?.(bytesRead);
  }
  return hash.digest('hex');
}

/**
 * SHA-256 (lowercase hex) of a whole file, streamed. Holes of sparse files read
 * as zeros. `onProgress(done, total)` is called after every chunk.
 */
export async function sha256File(path: string, onProgress?: (done: number, total: number) => void): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw buildError(`cannot read ${path} to checksum it: ${(err as Error).message}`, err);
  }
  try {
    const total = (await fh.stat()).size;
    let done = 0;
    return await hashRange(fh, 0, total, Buffer.allocUnsafe(CHUNK), (n) => {
      done += n;
      onProgress?.(done, total);
    });
  } finally {
    await fh.close();
  }
}

/**
 * One line of `sha256sum` output for `name`. Like GNU coreutils, a name with a
 * backslash or newline is escaped and the line starts with a backslash.
 */
export function sha256sumLine(hex: string, name: string): string {
  if (/[\\\n\r]/.test(name)) {
    const escaped = name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
    return `\\${hex}  ${escaped}\n`;
  }
  return `${hex}  ${name}\n`;
}

/**
 * Writes `<file>.sha256` (or `checksumPath`) next to `file` in sha256sum format,
 * naming the file by its base name. Computes the hash unless `sha256` is given.
 * Returns the checksum file's path and the hash.
 */
export async function writeSha256File(
  file: string,
  opts: { sha256?: string; checksumPath?: string; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ path: string; sha256: string }> {
  const sha256 = opts.sha256 ?? (await sha256File(file, opts.onProgress));
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw buildError(`invalid SHA-256 for ${file}: ${sha256}`);
  const path = opts.checksumPath ?? `${file}.sha256`;
  try {
    await writeFile(path, sha256sumLine(sha256, basename(file)));
  } catch (err) {
    throw buildError(`cannot write ${path}: ${(err as Error).message}`, err);
  }
  return { path, sha256 };
}
