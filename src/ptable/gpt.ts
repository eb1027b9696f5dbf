/** GPT structures: header, partition entry array, primary and backup copies. */
import { crc32 } from 'node:zlib';
import { guidToBytes } from './guid.ts';
import { SECTOR } from './mbr.ts';
import type { TableWrite } from './types.ts';

export const GPT_ENTRIES = 128;
export const GPT_ENTRY_SIZE = 128;
/** Sectors taken by the entry array (128 * 128 bytes = 32 sectors). */
export const GPT_ENTRY_SECTORS = (GPT_ENTRIES * GPT_ENTRY_SIZE) / SECTOR;
/** First usable LBA: MBR + header + entries. */
export const GPT_FIRST_USABLE = 2 + GPT_ENTRY_SECTORS; // 34
export const GPT_NAME_UNITS = 36;

export interface GptEntry {
  /** 1-based slot. */
  index: number;
  typeGuid: string;
  uniqueGuid: string;
  firstLba: number;
  /** Inclusive. */
  lastLba: number;
  attributes: bigint;
  name: string;
}

/** Last usable LBA for a disk of `totalLba` sectors: backup entries + header take the last 33. */
export function gptLastUsable(totalLba: number): number {
  return totalLba - 1 - GPT_ENTRY_SECTORS - 1;
}

function buildEntries(entries: GptEntry[]): Buffer {
  const buf = Buffer.alloc(GPT_ENTRIES * GPT_ENTRY_SIZE);
  for (const e of entries) {
    const o = (e.index - 1) * GPT_ENTRY_SIZE;
    guidToBytes(e.typeGuid).copy(buf, o);
    guidToBytes(e.uniqueGuid).copy(buf, o + 16);
    buf.writeBigUInt64LE(BigInt(e.firstLba), o + 32);
    buf.writeBigUInt64LE(BigInt(e.lastLba), o + 40);
    buf.writeBigUInt64LE(e.attributes, o + 48);
    buf.write(e.name, o + 56, GPT_NAME_UNITS * 2, 'utf16le');
  }
  return buf;
}

function buildHeader(opts: {
  myLba: number; alternateLba: number; firstUsable: number; lastUsable: number;
  diskGuid: string; entriesLba: number; entriesCrc: number;
}): Buffer {
  const h = Buffer.alloc(SECTOR);
  h.write('EFI PART', 0, 'latin1');
  h.writeUInt32LE(0x00010000, 8); // revision 1.0
  h.writeUInt32LE(92, 12); // header size
  // 16: header CRC32, 20: reserved (0)
  h.writeBigUInt64LE(BigInt(opts.myLba), 24);
  h.writeBigUInt64LE(BigInt(opts.alternateLba), 32);
  h.writeBigUInt64LE(BigInt(opts.firstUsable), 40);
  h.writeBigUInt64LE(BigInt(opts.lastUsable), 48);
  guidToBytes(opts.diskGuid).copy(h, 56);
  h.writeBigUInt64LE(BigInt(opts.entriesLba), 72);
  h.writeUInt32LE(GPT_ENTRIES, 80);
  h.writeUInt32LE(GPT_ENTRY_SIZE, 84);
  h.writeUInt32LE(opts.entriesCrc, 88);
  h.writeUInt32LE(crc32(h.subarray(0, 92)), 16);
  return h;
}

/**
 * The GPT writes: `mbrSector` at LBA 0, primary header at LBA 1 followed by the
 * entry array (LBA 2-33), and the backup entry array (last-32 .. last-1)
 * followed by the backup header at the last LBA.
 */
export function buildGptWrites(totalLba: number, diskGuid: string, entries: GptEntry[], mbrSector: Buffer): TableWrite[] {
  const last = totalLba - 1;
  const array = buildEntries(entries);
  const entriesCrc = crc32(array);
  const common = {
    firstUsable: GPT_FIRST_USABLE, lastUsable: gptLastUsable(totalLba), diskGuid, entriesCrc,
  };
  const primary = buildHeader({ ...common, myLba: 1, alternateLba: last, entriesLba: 2 });
  const backupEntriesLba = last - GPT_ENTRY_SECTORS;
  const backup = buildHeader({ ...common, myLba: last, alternateLba: 1, entriesLba: backupEntriesLba });
  return [
    { offset: 0, data: mbrSector },
    { offset: SECTOR, data: Buffer.concat([primary, array]) },
    { offset: backupEntriesLba * SECTOR, data: Buffer.concat([array, backup]) },
  ];
}
