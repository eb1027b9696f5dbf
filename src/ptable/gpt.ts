/**
 * The GPT codec: the one definition of the GPT header, the partition entry and the attribute
 * bits, with the encoder (the writer, ptable/index.ts) and the decoder (the reader,
 * inspect/table.ts) side by side. Decoding returns the fields as stored (LBAs as BigInt):
 * bounds are the reader's to check. buildGptWrites places the primary and backup copies.
 */
import { crc32 } from 'node:zlib';
import { bytesToGuid, guidToBytes } from './guid.ts';
import { SECTOR } from './mbr.ts';
import type { TableWrite } from './types.ts';

/** The default number of entries (16 KiB of entries, the UEFI minimum). */
export const GPT_ENTRIES = 128;
export const GPT_ENTRY_SIZE = 128;
/** Sectors taken by the default entry array (128 * 128 bytes = 32 sectors). */
export const GPT_ENTRY_SECTORS = (GPT_ENTRIES * GPT_ENTRY_SIZE) / SECTOR;
/** The default entry array's LBA: right after the primary header. */
export const GPT_ENTRIES_LBA = 2;
/** First usable LBA by default: MBR + header + entries. */
export const GPT_FIRST_USABLE = GPT_ENTRIES_LBA + GPT_ENTRY_SECTORS; // 34

/** Where the primary entry array is, how many entries it has and the first usable LBA
 *  (sgdisk -j / --resize-table; genimage's gpt-location). */
export interface GptPlacement {
  entriesLba: number;
  entryCount: number;
  firstUsableLba: number;
}

/** The default placement: 128 entries at LBA 2, first usable LBA 34. */
export const GPT_DEFAULT_PLACEMENT: Readonly<GptPlacement> = {
  entriesLba: GPT_ENTRIES_LBA, entryCount: GPT_ENTRIES, firstUsableLba: GPT_FIRST_USABLE,
};

/** Sectors an array of `count` entries takes (count is a multiple of 4: whole sectors). */
export function gptEntrySectors(count: number): number {
  return Math.ceil((count * GPT_ENTRY_SIZE) / SECTOR);
}
export const GPT_NAME_UNITS = 36;

const SIGNATURE = 'EFI PART';
const REVISION = 0x00010000; // 1.0
/** The header's size as written (the rest of its sector is zeros). */
export const GPT_HEADER_SIZE = 92;

/** Byte offsets of the header fields. */
const HEADER = {
  signature: 0, revision: 8, headerSize: 12, headerCrc: 16, myLba: 24, alternateLba: 32,
  firstUsableLba: 40, lastUsableLba: 48, diskGuid: 56, entriesLba: 72, entryCount: 80, entrySize: 84, entriesCrc: 88,
} as const;

/** Byte offsets of the entry fields (an entry is at least 128 bytes; the name is 36 UTF-16LE units). */
const ENTRY = { typeGuid: 0, uniqueGuid: 16, firstLba: 32, lastLba: 40, attributes: 48, name: 56 } as const;

/** The header fields the writer chooses (LBAs as numbers). */
export interface GptHeaderFields {
  myLba: number;
  alternateLba: number;
  firstUsableLba: number;
  lastUsableLba: number;
  diskGuid: string;
  entriesLba: number;
  entryCount: number;
  entrySize: number;
  entriesCrc: number;
}

/** A header as read: LBAs as stored (64-bit), whether its CRC matches. */
export interface DecodedGptHeader {
  headerSize: number;
  myLba: bigint;
  alternateLba: bigint;
  firstUsableLba: bigint;
  lastUsableLba: bigint;
  diskGuid: string;
  entriesLba: bigint;
  entryCount: number;
  entrySize: number;
  entriesCrc: number;
  headerCrcOk: boolean;
}

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

/** An entry as read: LBAs as stored (64-bit), the name up to its first NUL. */
export interface DecodedGptEntry extends Omit<GptEntry, 'index' | 'firstLba' | 'lastLba'> {
  firstLba: bigint;
  lastLba: bigint;
}

/** Last usable LBA for a disk of `totalLba` sectors: the backup entries and header take the
 *  last sectors (33 with 128 entries). */
export function gptLastUsable(totalLba: number, entryCount = GPT_ENTRIES): number {
  return totalLba - 1 - gptEntrySectors(entryCount) - 1;
}

/** One header sector, its CRC computed. */
export function encodeGptHeader(f: GptHeaderFields): Buffer {
  const h = Buffer.alloc(SECTOR);
  h.write(SIGNATURE, HEADER.signature, 'latin1');
  h.writeUInt32LE(REVISION, HEADER.revision);
  h.writeUInt32LE(GPT_HEADER_SIZE, HEADER.headerSize);
  // headerCrc is computed below; 20: reserved (0)
  for (const k of ['myLba', 'alternateLba', 'firstUsableLba', 'lastUsableLba', 'entriesLba'] as const) {
    h.writeBigUInt64LE(BigInt(f[k]), HEADER[k]);
  }
  guidToBytes(f.diskGuid).copy(h, HEADER.diskGuid);
  h.writeUInt32LE(f.entryCount, HEADER.entryCount);
  h.writeUInt32LE(f.entrySize, HEADER.entrySize);
  h.writeUInt32LE(f.entriesCrc, HEADER.entriesCrc);
  h.writeUInt32LE(crc32(h.subarray(0, GPT_HEADER_SIZE)), HEADER.headerCrc);
  return h;
}

/** The header in sector `h` read at `lba`; undefined when there is none (no signature, header
 *  size outside 92..512). Its CRC is good when it matches and the header says it is at `lba`. */
export function decodeGptHeader(h: Buffer, lba: number): DecodedGptHeader | undefined {
  if (h.toString('latin1', HEADER.signature, HEADER.signature + 8) !== SIGNATURE) return undefined;
  const headerSize = h.readUInt32LE(HEADER.headerSize);
  if (headerSize < GPT_HEADER_SIZE || headerSize > SECTOR) return undefined;
  const copy = Buffer.from(h.subarray(0, headerSize));
  copy.writeUInt32LE(0, HEADER.headerCrc);
  const myLba = h.readBigUInt64LE(HEADER.myLba);
  return {
    headerSize,
    myLba,
    alternateLba: h.readBigUInt64LE(HEADER.alternateLba),
    firstUsableLba: h.readBigUInt64LE(HEADER.firstUsableLba),
    lastUsableLba: h.readBigUInt64LE(HEADER.lastUsableLba),
    diskGuid: bytesToGuid(h.subarray(HEADER.diskGuid, HEADER.diskGuid + 16)),
    entriesLba: h.readBigUInt64LE(HEADER.entriesLba),
    entryCount: h.readUInt32LE(HEADER.entryCount),
    entrySize: h.readUInt32LE(HEADER.entrySize),
    entriesCrc: h.readUInt32LE(HEADER.entriesCrc),
    headerCrcOk: crc32(copy) === h.readUInt32LE(HEADER.headerCrc) && myLba === BigInt(lba),
  };
}

/** Writes entry `e` at the start of `buf` (an entry-sized slice). */
function encodeGptEntry(buf: Buffer, e: GptEntry): void {
  guidToBytes(e.typeGuid).copy(buf, ENTRY.typeGuid);
  guidToBytes(e.uniqueGuid).copy(buf, ENTRY.uniqueGuid);
  buf.writeBigUInt64LE(BigInt(e.firstLba), ENTRY.firstLba);
  buf.writeBigUInt64LE(BigInt(e.lastLba), ENTRY.lastLba);
  buf.writeBigUInt64LE(e.attributes, ENTRY.attributes);
  buf.write(e.name, ENTRY.name, GPT_NAME_UNITS * 2, 'utf16le');
}

/** The entry array of `count` x GPT_ENTRY_SIZE bytes, each entry in its slot. */
export function encodeGptEntries(entries: GptEntry[], count = GPT_ENTRIES): Buffer {
  const buf = Buffer.alloc(count * GPT_ENTRY_SIZE);
  for (const e of entries) encodeGptEntry(buf.subarray((e.index - 1) * GPT_ENTRY_SIZE), e);
  return buf;
}

/** The entry at the start of `e` (an entry-sized slice); undefined when unused (zero type GUID). */
export function decodeGptEntry(e: Buffer): DecodedGptEntry | undefined {
  if (e.subarray(ENTRY.typeGuid, ENTRY.typeGuid + 16).every((b) => b === 0)) return undefined;
  let name = e.toString('utf16le', ENTRY.name, ENTRY.name + GPT_NAME_UNITS * 2);
  const nul = name.indexOf('\0');
  if (nul >= 0) name = name.slice(0, nul);
  return {
    typeGuid: bytesToGuid(e.subarray(ENTRY.typeGuid, ENTRY.typeGuid + 16)),
    uniqueGuid: bytesToGuid(e.subarray(ENTRY.uniqueGuid, ENTRY.uniqueGuid + 16)),
    firstLba: e.readBigUInt64LE(ENTRY.firstLba),
    lastLba: e.readBigUInt64LE(ENTRY.lastLba),
    attributes: e.readBigUInt64LE(ENTRY.attributes),
    name,
  };
}

/** CRC32 of an entry array, as stored in the header. */
export function gptEntriesCrc(array: Buffer): number {
  return crc32(array);
}

/**
 * The named GPT partition attribute bits. `name` is the spec's keyword (where the spec takes
 * one); `word` how tools print the bit: bits 0-2 as `sfdisk -d` (UEFI), 48-63 as systemd
 * (the Discoverable Partitions Specification) names them for its partition types.
 */
export const GPT_ATTRIBUTES: readonly { bit: number; name?: string; word: string }[] = [
  { bit: 0, name: 'required', word: 'RequiredPartition' },
  { bit: 1, name: 'no-block-io', word: 'NoBlockIOProtocol' },
  { bit: 2, name: 'legacy-bios-bootable', word: 'LegacyBIOSBootable' },
  // systemd-growfs / systemd-repart grow the filesystem to the partition.
  { bit: 59, name: 'grow-file-system', word: 'GrowFileSystem' },
  { bit: 60, word: 'ReadOnly' },
  { bit: 62, word: 'Hidden' },
  { bit: 63, word: 'NoAuto' },
];

/** The LegacyBIOSBootable bit: a GPT partition's "bootable" flag. */
export const GPT_LEGACY_BIOS_BOOTABLE = 1n << 2n;

/** The first attribute bit of the type-specific range (48-63). */
const TYPE_BITS = 48;

/**
 * The attribute bits as `sfdisk -d` prints them ("RequiredPartition LegacyBIOSBootable
 * GUID:48,59"), followed, with `systemdWords`, by systemd's names of the bits 48-63 set
 * ("GrowFileSystem"); undefined when no bit is set.
 */
export function formatGptAttributes(bits: bigint, systemdWords = false): string | undefined {
  const isSet = (b: number) => (bits & (1n << BigInt(b))) !== 0n;
  const words = GPT_ATTRIBUTES.filter((a) => a.bit < TYPE_BITS && isSet(a.bit)).map((a) => a.word);
  const high: number[] = [];
  for (let b = TYPE_BITS; b < 64; b++) if (isSet(b)) high.push(b);
  if (high.length) words.push(`GUID:${high.join(',')}`);
  if (systemdWords) words.push(...GPT_ATTRIBUTES.filter((a) => a.bit >= TYPE_BITS && isSet(a.bit)).map((a) => a.word));
  return words.length ? words.join(' ') : undefined;
}

/**
 * The GPT writes: `mbrSector` at LBA 0, the primary header at LBA 1, the primary entry array
 * where `placement` puts it (LBA 2-33 by default), and the backup entry array followed by the
 * backup header at the last LBA (as sgdisk: the backup array always ends right before it).
 * The sectors between the header and a moved array are not written.
 */
export function buildGptWrites(
  totalLba: number, diskGuid: string, entries: GptEntry[], mbrSector: Buffer, placement: GptPlacement = GPT_DEFAULT_PLACEMENT,
): TableWrite[] {
  const last = totalLba - 1;
  const { entriesLba, entryCount, firstUsableLba } = placement;
  const array = encodeGptEntries(entries, entryCount);
  const common = {
    firstUsableLba, lastUsableLba: gptLastUsable(totalLba, entryCount), diskGuid,
    entryCount, entrySize: GPT_ENTRY_SIZE, entriesCrc: gptEntriesCrc(array),
  };
  const primary = encodeGptHeader({ ...common, myLba: 1, alternateLba: last, entriesLba });
  const backupEntriesLba = last - gptEntrySectors(entryCount);
  const backup = encodeGptHeader({ ...common, myLba: last, alternateLba: 1, entriesLba: backupEntriesLba });
  const head: TableWrite[] = entriesLba === GPT_ENTRIES_LBA
    ? [{ offset: SECTOR, data: Buffer.concat([primary, array]) }]
    : [{ offset: SECTOR, data: primary }, { offset: entriesLba * SECTOR, data: array }];
  return [
    { offset: 0, data: mbrSector },
    ...head,
    { offset: backupEntriesLba * SECTOR, data: Buffer.concat([array, backup]) },
  ];
}
