/** The MBR (DOS) sector: partition entries, CHS encoding, disk signature. */

export const SECTOR = 512;

/** One of the four primary entries. LBA values in 512-byte sectors. */
export interface MbrEntry {
  bootable: boolean;
  type: number;
  startLba: number;
  /** Number of sectors. */
  sizeLba: number;
  /**
   * The single 0xEE entry of a GPT protective MBR: an end address past cylinder
   * 1023 is written as ff ff ff (the UEFI spec's value, and what sgdisk writes)
   * instead of fe ff ff. (sgdisk writes fe ff ff in hybrid MBRs, 0xEE entry included.)
   */
  protective?: boolean;
}

const HEADS = 255;
const SECTORS_PER_TRACK = 63;
const MAX_CYLINDERS = 1024;
/** First LBA that CHS cannot address (cylinder 1024). */
const CHS_LIMIT = HEADS * SECTORS_PER_TRACK * MAX_CYLINDERS;

/**
 * CHS bytes (head, sector | cylinder bits 8-9 << 6, cylinder bits 0-7) for an LBA,
 * with the 255-head/63-sector geometry both sfdisk (libfdisk, for image files)
 * and sgdisk use. Addresses past cylinder 1023 are written as 1023/254/63
 * (bytes fe ff ff), as both tools do.
 */
export function lbaToChs(lba: number): [number, number, number] {
  const spc = HEADS * SECTORS_PER_TRACK;
  if (lba >= CHS_LIMIT) return [0xfe, 0xff, 0xff];
  const c = Math.floor(lba / spc);
  const rem = lba % spc;
  const h = Math.floor(rem / SECTORS_PER_TRACK);
  const s = (rem % SECTORS_PER_TRACK) + 1;
  return [h, s | ((c >> 2) & 0xc0), c & 0xff];
}

function writeEntry(buf: Buffer, slot: number, e: MbrEntry): void {
  const o = 446 + slot * 16;
  buf[o] = e.bootable ? 0x80 : 0x00;
  const [h1, s1, c1] = lbaToChs(e.startLba);
  buf[o + 1] = h1; buf[o + 2] = s1; buf[o + 3] = c1;
  buf[o + 4] = e.type;
  const endLba = e.startLba + e.sizeLba - 1;
  const [h2, s2, c2] = e.protective && endLba >= CHS_LIMIT ? [0xff, 0xff, 0xff] : lbaToChs(endLba);
  buf[o + 5] = h2; buf[o + 6] = s2; buf[o + 7] = c2;
  buf.writeUInt32LE(e.startLba, o + 8);
  buf.writeUInt32LE(e.sizeLba, o + 12);
}

/**
 * A whole 512-byte MBR sector: zeroed boot code, the 32-bit disk signature at
 * 440, 0x0000 at 444, entries at 446 (slot i = partition i+1; undefined = unused),
 * 0x55 0xAA at 510.
 */
export function buildMbrSector(diskSignature: number, slots: (MbrEntry | undefined)[]): Buffer {
  const buf = Buffer.alloc(SECTOR);
  buf.writeUInt32LE(diskSignature >>> 0, 440);
  slots.forEach((e, i) => {
    if (e) writeEntry(buf, i, e);
  });
  buf[510] = 0x55;
  buf[511] = 0xaa;
  return buf;
}
