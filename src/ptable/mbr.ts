/**
 * The MBR codec: the one definition of the DOS MBR sector (disk signature, four primary
 * entries with CHS, type, boot flag, LBA and sectors, the 55 AA signature) and of the GPT's
 * protective entry, with the encoder (the writer, ptable/index.ts) and the decoder (the
 * reader, inspect/table.ts) side by side.
 */

export const SECTOR = 512;

/** Byte offsets in the MBR sector. */
const MBR = { diskSignature: 440, entries: 446, bootSignature: 510 } as const;
/** Byte offsets in a 16-byte entry. */
const ENTRY = { boot: 0, startChs: 1, type: 4, endChs: 5, startLba: 8, sizeLba: 12 } as const;
const ENTRY_SIZE = 16;
export const MBR_SLOTS = 4;
const BOOTABLE = 0x80;
/** The type of the GPT's protective (and hybrid MBR's first) entry. */
export const MBR_GPT_PROTECTIVE = 0xee;
const MAX_U32 = 0xffffffff;

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
  /** EBR entries: the LBA `startLba` counts from (CHS addresses are of the absolute sectors, as sfdisk writes them). */
  base?: number;
}

/** An entry as read: its 1-based slot and the boot indicator byte as stored. */
export interface DecodedMbrEntry {
  slot: number;
  boot: number;
  type: number;
  startLba: number;
  sizeLba: number;
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

function encodeEntry(buf: Buffer, slot: number, e: MbrEntry): void {
  const o = MBR.entries + slot * ENTRY_SIZE;
  buf[o + ENTRY.boot] = e.bootable ? BOOTABLE : 0x00;
  const base = e.base ?? 0;
  Buffer.from(lbaToChs(base + e.startLba)).copy(buf, o + ENTRY.startChs);
  buf[o + ENTRY.type] = e.type;
  const endLba = base + e.startLba + e.sizeLba - 1;
  const endChs = e.protective && endLba >= CHS_LIMIT ? [0xff, 0xff, 0xff] : lbaToChs(endLba);
  Buffer.from(endChs).copy(buf, o + ENTRY.endChs);
  buf.writeUInt32LE(e.startLba, o + ENTRY.startLba);
  buf.writeUInt32LE(e.sizeLba, o + ENTRY.sizeLba);
}

/**
 * A whole 512-byte MBR sector: zeroed boot code, the 32-bit disk signature at
 * 440, 0x0000 at 444, entries at 446 (slot i = partition i+1; undefined = unused),
 * 0x55 0xAA at 510.
 */
export function buildMbrSector(diskSignature: number, slots: (MbrEntry | undefined)[]): Buffer {
  const buf = Buffer.alloc(SECTOR);
  buf.writeUInt32LE(diskSignature >>> 0, MBR.diskSignature);
  slots.forEach((e, i) => {
    if (e) encodeEntry(buf, i, e);
  });
  buf[MBR.bootSignature] = 0x55;
  buf[MBR.bootSignature + 1] = 0xaa;
  return buf;
}

/** The protective MBR's one entry: 0xEE from LBA 1 over the whole disk (capped at 2^32-1 sectors). */
export function protectiveEntry(totalLba: number): MbrEntry {
  return { bootable: false, type: MBR_GPT_PROTECTIVE, startLba: 1, sizeLba: Math.min(totalLba - 1, MAX_U32), protective: true };
}

/** Whether the sector ends with the MBR signature 55 AA. */
export function hasMbrSignature(mbr: Buffer): boolean {
  return mbr[MBR.bootSignature] === 0x55 && mbr[MBR.bootSignature + 1] === 0xaa;
}

/** The 32-bit disk signature ("label-id"). */
export function decodeMbrDiskSignature(mbr: Buffer): number {
  return mbr.readUInt32LE(MBR.diskSignature);
}

/** The four primary entries as stored, in slot order (unused ones included). */
export function decodeMbrEntries(mbr: Buffer): DecodedMbrEntry[] {
  const out: DecodedMbrEntry[] = [];
  for (let i = 0; i < MBR_SLOTS; i++) {
    const o = MBR.entries + i * ENTRY_SIZE;
    out.push({
      slot: i + 1,
      boot: mbr[o + ENTRY.boot]!,
      type: mbr[o + ENTRY.type]!,
      startLba: mbr.readUInt32LE(o + ENTRY.startLba),
      sizeLba: mbr.readUInt32LE(o + ENTRY.sizeLba),
    });
  }
  return out;
}

/** Whether a decoded entry's boot indicator is the bootable flag (0x80). */
export function isMbrBootable(e: DecodedMbrEntry): boolean {
  return e.boot === BOOTABLE;
}

/** Whether a boot indicator is one of the two valid values (0x00, 0x80). */
export function validMbrBootIndicator(e: DecodedMbrEntry): boolean {
  return e.boot === 0 || e.boot === BOOTABLE;
}
