/**
 * The checksums output: a `sha256sum -c` compatible `<file>.sha256` beside every image file
 * and tarball the outputs before it made (their hashes come from the pass that wrote them).
 */
import { writeSha256File } from './checksum.ts';
import type { Output } from './types.ts';

export const checksumsOutput: Output = {
  name: 'checksums',
  enabled: () => true,
  async make({ made }) {
    const files: [string, string][] = [];
    for (const m of made) {
      for (const [tmpPath, name, sha256] of m.checksums ?? []) files.push([await writeSha256File(tmpPath, sha256), `${name}.sha256`]);
    }
    return { output: 'checksums', files };
  },
};
