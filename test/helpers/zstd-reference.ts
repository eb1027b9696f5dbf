/** The .img.zst made independently of imgsmith's code, with dd and the zstd CLI. */
import { promises as fsp } from 'node:fs';
import { execa } from 'execa';
import { ZSTD_CHUNK } from '../../src/outputs/chunked.ts';

/**
 * Each ZSTD_CHUNK bytes of `file` as `zstd -<level> --single-thread --stream-size=<n>` writes
 * that slice read from stdin, the frames concatenated (see src/outputs/chunked.ts).
 */
export async function zstdReference(file: string, level = 3): Promise<Buffer> {
  const size = (await fsp.stat(file)).size;
  const parts: Buffer[] = [];
  for (let k = 0; k * ZSTD_CHUNK < size; k++) {
    const n = Math.min(ZSTD_CHUNK, size - k * ZSTD_CHUNK);
    const r = await execa('sh', ['-c', `dd if="$1" bs=${ZSTD_CHUNK} skip=${k} count=1 iflag=fullblock status=none | zstd -${level} --single-thread -q -c --stream-size=${n}`, 'sh', file], {
      encoding: 'buffer',
      stripFinalNewline: false,
    });
    parts.push(Buffer.from(r.stdout));
  }
  return Buffer.concat(parts);
}
