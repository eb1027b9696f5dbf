/**
 * The Allwinner boot0 ("eGON.BT0") header, decoded: what the boot ROM of sunxi SoCs (H3 and
 * others) checks before it runs the SPL it reads from 8 KiB of an SD card (U-Boot's
 * u-boot-sunxi-with-spl.bin starts with it; U-Boot's tools/sunxi_egon.c writes it):
 *
 *   0x00  jump instruction   u32 (an ARM branch past the header)
 *   0x04  magic              "eGON.BT0"
 *   0x0c  check_sum          u32 LE
 *   0x10  length             u32 LE, the bytes the ROM loads and sums (a multiple of 4)
 *
 * The checksum is the u32 LE sum (mod 2^32) of the `length` bytes with check_sum read as the
 * stamp 0x5F0A6C39. imgsmith only reads it (the boot test's preflight); it never writes one.
 */

export const EGON_MAGIC = 'eGON.BT0';
/** What check_sum counts as while the sum is taken. */
export const EGON_STAMP = 0x5f0a6c39;
/** The most the H3's boot ROM loads: its 32 KiB SRAM A1. */
export const EGON_MAX_LENGTH = 32 * 1024;
const H = { magic: 0x04, checksum: 0x0c, length: 0x10 } as const;

export interface EgonHeader {
  /** Bytes the ROM loads. */
  length: number;
  /** check_sum as stored. */
  checksum: number;
  /** The sum of the loaded bytes, as the ROM computes it. */
  computed: number;
}

/** The sum the boot ROM computes over `data` (the first `length` bytes of the SPL). */
export function egonChecksum(data: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 4 <= data.length; i += 4) {
    sum = (sum + (i === H.checksum ? EGON_STAMP : data.readUInt32LE(i))) >>> 0;
  }
  return sum;
}

/**
 * Decodes the header of the SPL starting at `spl[0]` (at least EGON_MAX_LENGTH bytes, or all
 * there are); a message saying what is wrong when the boot ROM would not run it.
 */
export function decodeEgonHeader(spl: Buffer): EgonHeader | string {
  if (spl.length < 0x20 || spl.toString('latin1', H.magic, H.magic + EGON_MAGIC.length) !== EGON_MAGIC) {
    return `no ${EGON_MAGIC} header`;
  }
  const length = spl.readUInt32LE(H.length);
  const checksum = spl.readUInt32LE(H.checksum);
  if (length < 0x20 || length % 4 !== 0 || length > EGON_MAX_LENGTH || length > spl.length) {
    return `its ${EGON_MAGIC} header gives a length of ${length} bytes (expected a multiple of 4 up to ${EGON_MAX_LENGTH})`;
  }
  return { length, checksum, computed: egonChecksum(spl.subarray(0, length)) };
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** decodeEgonHeader, with a wrong checksum a message too. */
export function checkEgon(spl: Buffer): EgonHeader | string {
  const h = decodeEgonHeader(spl);
  if (typeof h === 'string' || h.computed === h.checksum) return h;
  return `its ${EGON_MAGIC} checksum is ${hex(h.checksum)} but its ${h.length} bytes sum to ${hex(h.computed)}`;
}
