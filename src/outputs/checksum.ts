/**
 * `<file>.sha256` files in `sha256sum` format, so that `sha256sum -c NAME.sha256`
 * works from the output directory. The hashes themselves are computed while the
 * files are packaged (package.ts), never by reading a file back.
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { buildError } from '../errors.ts';

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
