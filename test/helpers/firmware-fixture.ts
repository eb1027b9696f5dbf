/**
 * Placeholder Raspberry Pi firmware for tests and the example: every file the
 * aarch64 recipe copies, with deterministic pseudo-random contents. These are
 * not bootable (the boot tests use real firmware: test/helpers/boot-fixture.ts).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';

export const RPI_FIRMWARE_FILES: [string, number][] = [
  ['bootcode.bin', 52_480],
  ['start.elf', 2_977_024],
  ['start_cd.elf', 811_332],
  ['start4.elf', 2_252_800],
  ['fixup.dat', 7_314],
  ['fixup_cd.dat', 3_170],
  ['fixup4.dat', 5_446],
  ['u-boot-rpi3.bin', 569_232],
  ['u-boot-rpi4.bin', 603_208],
  ['armstub8-gic.bin', 6_144],
  ['bcm2711-rpi-4-b.dtb', 52_476],
  ['bcm2711-rpi-400.dtb', 52_445],
  ['bcm2711-rpi-cm4.dtb', 52_946],
  ['bcm2711-rpi-cm4s.dtb', 50_152],
];

/** `size` bytes that look random, the same for the same seed: the AES-256-CTR keystream under the
 *  seed's SHA-256 (a few ms per MiB, where a SHA-256 chain of 32-byte blocks took ~100). */
export function pseudoRandom(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

/** Writes the placeholder firmware into `dir`; `reverse` creates the files in the opposite order. */
export async function makeFirmware(dir: string, opts: { reverse?: boolean } = {}): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  const files = opts.reverse ? [...RPI_FIRMWARE_FILES].reverse() : RPI_FIRMWARE_FILES;
  for (const [name, size] of files) {
    await fsp.writeFile(path.join(dir, name), pseudoRandom(`imgsmith-firmware-${name}`, size));
  }
  return dir;
}
