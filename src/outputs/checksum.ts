/**
 * `<file>.sha256` files in `sha256sum` format, so that `sha256sum -c NAME.sha256`
 * works from the output directory. The image's hashes are computed while it is
 * packaged (package.ts), never by reading it back; `sha256File` and `hashRange` are
 * for files that are not (a spec, a tarball zstd wrote, what verify and flash check).
 */
import { createHash } from 'node:crypto';
import { open, writeFile, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { buildError } from '../errors.ts';

/** The SHA-256 (hex) of a whole file, read through one 1 MiB buffer (a stream's fresh buffer per
 *  chunk costs a page fault per 4 KiB read: a third of the CPU of hashing an image). */
export async function sha256File(file: string | Buffer): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    return await hashRange(fh, 0, size, 'sha256', Buffer.allocUnsafe(1024 * 1024), String(file));
  } finally {
    await fh.close();
  }
}

/**
 * The `algo` digest (hex) of bytes [start, end) of an open file, read through `buf`;
 * `onBytes` sees each piece's length. A file that ends before `end` is an error naming `what`.
 */
export async function hashRange(
  fh: FileHandle,
  start: number,
  end: number,
  algo: string,
  buf: Buffer,
  what: string,
  onBytes?: (n: number) => void,
): Promise<string> {
  const h = createHash(algo);
  for (let pos = start; pos < end; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos), pos);
    if (bytesRead === 0) throw buildError(`${what} ends before byte ${end}`);
    h.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
    onBytes?.(bytesRead);
  }
  return h.digest('hex');
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
 * naming the file by its base name. Returns the checksum file's path.
 */
export async function writeSha256File(file: string, sha256: string, checksumPath = `${file}.sha256`): Promise<string> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw buildError(`invalid SHA-256 for ${file}: ${sha256}`);
  try {
    await writeFile(checksumPath, sha256sumLine(sha256, basename(file)));
  } catch (err) {
    throw buildError(`cannot write ${checksumPath}: ${(err as Error).message}`, err);
  }
  return checksumPath;
}
