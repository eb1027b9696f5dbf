/**
 * A file's SHA-256 from an independent tool, for checking the hashes imgsmith publishes (manifest,
 * .sha256 files, bmap): `openssl dgst -sha256`, a separate process reading the file by itself.
 * OpenSSL's SHA-256 (SHA-NI where the CPU has it) hashes ~1.5 GB/s here, coreutils' sha256sum
 * (gnulib's portable C) ~260 MB/s: sha256sum over the suite's images was ~10 CPU-s of a run.
 * sha256sum stays where its own format is what is tested (`sha256sum -c` of a published .sha256).
 */
import { execa } from 'execa';

export async function sha256Tool(file: string): Promise<string> {
  const r = await execa('openssl', ['dgst', '-sha256', '-r', file]);
  const m = /^([0-9a-f]{64}) \*/.exec(r.stdout);
  if (!m) throw new Error(`openssl dgst -sha256 -r ${file}: unexpected output ${JSON.stringify(r.stdout.slice(0, 200))}`);
  return m[1]!;
}
