/**
 * Reading a partition table back from a disk image (our own parser; the writer is
 * src/ptable/): DOS/MBR primary partitions and the logical ones (the EBR chain), GPT (primary header + entries, CRCs, the
 * backup header where the primary says it is), protective and hybrid MBRs. Returns the
 * partitions with byte offsets, and warnings for things that will bite.
 */
import { promises as fsp } from 'node:fs';
import { inputError, usageError } from '../errors.ts';
import {
  decodeGptEntry, decodeGptHeader, formatGptAttributes, GPT_ENTRY_SIZE, GPT_LEGACY_BIOS_BOOTABLE, gptEntriesCrc,
} from '../ptable/gpt.ts';
import {
  decodeMbrDiskSignature, decodeMbrEntries, hasMbrSignature, isMbrBootable, MBR_GPT_PROTECTIVE, SECTOR,
  validMbrBootIndicator, type DecodedMbrEntry,
} from '../ptable/mbr.ts';
import { FIRST_LOGICAL } from '../ptable/numbering.ts';
import { dosTypeName, formatDosType, gptTypeName, isDosExtended } from '../ptable/parttypes.ts';
import { readAt } from './image.ts';
import type { GptHeaderInfo, Partition, PartitionTable } from './types.ts';

export { dosTypeName, gptTypeName } from '../ptable/parttypes.ts';

type MbrSlot = DecodedMbrEntry;

/** The four primary entries in use (type and size non-zero); a typed entry of 0 sectors is a warning. */
function mbrSlots(mbr: Buffer, warnings: string[]): MbrSlot[] {
  return decodeMbrEntries(mbr).filter((e) => {
    if (e.type !== 0 && e.sizeLba === 0) warnings.push(`partition ${e.slot} has type ${formatDosType(e.type)} but 0 sectors: ignored`);
    return e.type !== 0 && e.sizeLba !== 0;
  });
}

/** Largest GPT entry and entry array read (UEFI: 128 x 2^n bytes; disks use 128 x 128 = 16 KiB). */
const MAX_ENTRY_SIZE = 4096;
const MAX_ARRAY_BYTES = 4 * 1024 * 1024;
const MAX_LBA = BigInt(Number.MAX_SAFE_INTEGER);

/** A header's fields as the reader reports them, and the ones it checks against. */
interface ParsedHeader {
  info: GptHeaderInfo;
  entriesCrc: number;
  diskGuid: string;
}

/** The header at `lba`, undefined when there is none (no signature, header size out of range);
 *  a header whose fields cannot describe a disk (LBAs of 2^53 and more, entry size not 128 x 2^n,
 *  an entry array over 4 MiB, last usable LBA before the first) is an error naming the field. */
function parseHeader(h: Buffer, lba: number, what: string): ParsedHeader | undefined {
  const d = decodeGptHeader(h, lba);
  if (!d) return undefined;
  const field = (name: string, v: bigint): number => {
    if (v > MAX_LBA) throw inputError(`${what}: its GPT ${name} ${v} is out of range`);
    return Number(v);
  };
  const { entryCount, entrySize } = d;
  if (entrySize < GPT_ENTRY_SIZE || entrySize > MAX_ENTRY_SIZE || (entrySize & (entrySize - 1)) !== 0) {
    throw inputError(`${what}: GPT entry size ${entrySize} is invalid (128, 256, ... ${MAX_ENTRY_SIZE} bytes)`);
  }
  if (entryCount * entrySize > MAX_ARRAY_BYTES) {
    throw inputError(`${what}: GPT entry array of ${entryCount} entries x ${entrySize} bytes is too large (at most ${MAX_ARRAY_BYTES / 1024 / 1024} MiB)`);
  }
  const info: GptHeaderInfo = {
    myLba: field('own LBA', d.myLba),
    alternateLba: field('alternate header LBA', d.alternateLba),
    firstUsableLba: field('first usable LBA', d.firstUsableLba),
    lastUsableLba: field('last usable LBA', d.lastUsableLba),
    entriesLba: field('entry array LBA', d.entriesLba),
    entryCount,
    entrySize,
    headerCrcOk: d.headerCrcOk,
    entriesCrcOk: false,
  };
  if (info.lastUsableLba < info.firstUsableLba) {
    throw inputError(`${what}: its last usable LBA ${info.lastUsableLba} is before its first usable LBA ${info.firstUsableLba}`);
  }
  return { info, entriesCrc: d.entriesCrc, diskGuid: d.diskGuid };
}

/** Reads and checks a header's entry array (bounded by parseHeader); an array not inside the image is an error. */
async function readEntries(fh: fsp.FileHandle, parsed: ParsedHeader, diskSize: number, what: string): Promise<Buffer> {
  const h = parsed.info;
  const bytes = h.entryCount * h.entrySize;
  if (h.entriesLba < 2 || h.entriesLba * SECTOR + bytes > diskSize) {
    throw inputError(`${what}: the GPT entry array (LBA ${h.entriesLba}, ${h.entryCount} x ${h.entrySize} bytes) is not inside the image (${diskSize} bytes)`);
  }
  const arr = await readAt(fh, h.entriesLba * SECTOR, bytes);
  h.entriesCrcOk = gptEntriesCrc(arr) === parsed.entriesCrc;
  return arr;
}

/** Reads the partition table of the raw image (or device) at `file`, `diskSize` bytes long. */
export async function readPartitionTable(file: string, diskSize: number, display = file): Promise<PartitionTable> {
  const fh = await fsp.open(file, 'r');
  try {
    if (diskSize < SECTOR) throw usageError(`${display}: no partition table (the image is ${diskSize} bytes)`);
    const mbr = await readAt(fh, 0, SECTOR);
    if (!hasMbrSignature(mbr)) {
      throw usageError(`${display}: no partition table (no MBR signature 55 AA at byte 510)`);
    }
    const warnings: string[] = [];
    const slots = mbrSlots(mbr, warnings);
    const totalLba = Math.floor(diskSize / SECTOR);
    if (slots.some((s) => s.type === MBR_GPT_PROTECTIVE)) return await readGpt(fh, slots, diskSize, totalLba, display, warnings);
    return await readDos(fh, mbr, slots, diskSize, totalLba, display, warnings);
  } finally {
    await fh.close();
  }
}

/** A DOS partition as the reader reports it; `startLba` absolute. */
function dosPartition(index: number, e: Pick<MbrSlot, 'startLba' | 'sizeLba' | 'type'>, bootable: boolean): Partition {
  return {
    index,
    start: e.startLba * SECTOR,
    size: e.sizeLba * SECTOR,
    startLba: e.startLba,
    sizeLba: e.sizeLba,
    typeCode: formatDosType(e.type),
    typeName: dosTypeName(e.type),
    bootable,
    ...(isDosExtended(e.type) ? { extended: true } : {}),
  };
}

/** The most logical partitions read from an EBR chain (as imgsmith writes at most; Linux stops at a few hundred links). */
const MAX_LOGICAL = 128;

/**
 * The logical partitions of the extended partition `ext`, following its EBR chain (untrusted: an EBR
 * outside the extended partition, a link back to an EBR already read, or more than 128 logical
 * partitions are errors; a logical partition outside the extended partition too). Numbered from 5
 * in chain order, as Linux does. Returns them and the EBRs' LBAs.
 */
async function readLogicals(fh: fsp.FileHandle, ext: MbrSlot, totalLba: number, display: string, warnings: string[]): Promise<{ logical: Partition[]; ebrs: number[] }> {
  const extEnd = ext.startLba + ext.sizeLba;
  const logical: Partition[] = [];
  const ebrs: number[] = [];
  const bad = (msg: string) => inputError(`${display}: extended partition ${ext.slot} (LBA ${ext.startLba}-${extEnd - 1}): ${msg}`);
  for (let ebr: number | undefined = ext.startLba; ebr !== undefined;) {
    if (ebr < ext.startLba || ebr >= extEnd || ebr >= totalLba) throw bad(`an EBR link points to LBA ${ebr}, outside the extended partition`);
    if (ebrs.includes(ebr)) throw bad(`the EBR chain loops back to LBA ${ebr}`);
    if (logical.length >= MAX_LOGICAL) throw bad(`more than ${MAX_LOGICAL} logical partitions in the EBR chain`);
    ebrs.push(ebr);
    const sector = await readAt(fh, ebr * SECTOR, SECTOR);
    if (!hasMbrSignature(sector)) {
      if (ebr !== ext.startLba) throw bad(`no EBR signature 55 AA at LBA ${ebr}`);
      warnings.push(`extended partition ${ext.slot} has no EBR at its start (LBA ${ebr}): no logical partitions`);
      break;
    }
    const entries = decodeMbrEntries(sector).filter((e) => e.type !== 0 && e.sizeLba !== 0);
    const data = entries.find((e) => !isDosExtended(e.type));
    const link = entries.find((e) => isDosExtended(e.type));
    if (data) {
      const start = ebr + data.startLba;
      const index = FIRST_LOGICAL + logical.length;
      if (start + data.sizeLba > extEnd) throw bad(`logical partition ${index} (LBA ${start}-${start + data.sizeLba - 1}) is not inside it`);
      if (!validMbrBootIndicator(data)) warnings.push(`partition ${index}: invalid boot indicator 0x${data.boot.toString(16)}`);
      logical.push(dosPartition(index, { ...data, startLba: start }, isMbrBootable(data)));
    }
    ebr = link ? ext.startLba + link.startLba : undefined;
  }
  return { logical, ebrs };
}

/** A DOS table: its primary partitions, and the logical ones of its extended partition (at most one is read). */
async function readDos(
  fh: fsp.FileHandle, mbr: Buffer, slots: MbrSlot[], diskSize: number, totalLba: number, display: string, warnings: string[],
): Promise<PartitionTable> {
  const partitions: Partition[] = slots.map((s) => dosPartition(s.slot, s, isMbrBootable(s)));
  for (const s of slots) {
    if (!validMbrBootIndicator(s)) warnings.push(`partition ${s.slot}: invalid boot indicator 0x${s.boot.toString(16)}`);
  }
  const exts = slots.filter((s) => isDosExtended(s.type));
  if (exts.length > 1) warnings.push(`partitions ${exts.map((s) => s.slot).join(' and ')} are extended partitions; the logical partitions of the first are read`);
  checkBounds(partitions, 1, totalLba - 1, totalLba, display, warnings);
  let ebrs: number[] | undefined;
  if (exts[0]) {
    const got = await readLogicals(fh, exts[0], totalLba, display, warnings);
    checkBounds(got.logical, 1, totalLba - 1, totalLba, display, warnings);
    partitions.push(...got.logical);
    ebrs = got.ebrs;
  }
  return {
    type: 'dos',
    diskId: `0x${decodeMbrDiskSignature(mbr).toString(16).padStart(8, '0')}`,
    sectorSize: SECTOR,
    diskSize,
    partitions,
    ...(ebrs ? { ebrs } : {}),
    warnings,
  };
}

async function readGpt(
  fh: fsp.FileHandle, slots: MbrSlot[], diskSize: number, totalLba: number, display: string, warnings: string[],
): Promise<PartitionTable> {
  const hdr1 = await readAt(fh, SECTOR, SECTOR);
  const parsed = parseHeader(hdr1, 1, `${display}: the primary GPT header`);
  if (!parsed) throw usageError(`${display}: protective MBR but no GPT header at LBA 1`);
  const primary = parsed.info;
  if (!primary.headerCrcOk) warnings.push('primary GPT header CRC is wrong');
  const arr = await readEntries(fh, parsed, diskSize, `${display}: the primary GPT header`);
  if (!primary.entriesCrcOk) warnings.push('primary GPT partition entries CRC is wrong');
  const lastLba = totalLba - 1;
  const backup = await readBackup(fh, primary, arr, diskSize, lastLba, warnings);
  const partitions = gptPartitions(primary, arr, totalLba, display);
  checkBounds(partitions, primary.firstUsableLba, Math.min(primary.lastUsableLba, lastLba), totalLba, display, warnings);
  const hybrid = checkHybrid(slots, partitions, warnings);
  return {
    type: 'gpt',
    diskId: parsed.diskGuid,
    sectorSize: SECTOR,
    diskSize,
    partitions,
    gpt: { primary, ...(backup ? { backup } : {}), hybridMbr: hybrid },
    warnings,
  };
}

/** Whether the MBR is hybrid (entries besides the 0xEE one); warns for a protective entry not at
 *  LBA 1 and for hybrid entries that match no GPT partition. */
function checkHybrid(slots: MbrSlot[], partitions: Partition[], warnings: string[]): boolean {
  const others = slots.filter((s) => s.type !== MBR_GPT_PROTECTIVE);
  const ee = slots.find((s) => s.type === MBR_GPT_PROTECTIVE)!;
  if (others.length === 0 && ee.startLba !== 1) warnings.push(`the protective MBR entry starts at LBA ${ee.startLba}, not 1`);
  for (const s of others) {
    if (!partitions.some((p) => p.startLba === s.startLba && p.sizeLba === s.sizeLba)) {
      warnings.push(`hybrid MBR entry ${s.slot} (LBA ${s.startLba}+${s.sizeLba}) matches no GPT partition`);
    }
  }
  return others.length > 0;
}

/** The backup header where the primary says it is; its problems are warnings (the primary is what is read). */
async function readBackup(
  fh: fsp.FileHandle, primary: GptHeaderInfo, arr: Buffer, diskSize: number, lastLba: number, warnings: string[],
): Promise<GptHeaderInfo | undefined> {
  if (primary.alternateLba !== lastLba) {
    warnings.push(
      primary.alternateLba > lastLba
        ? `the backup GPT header should be at LBA ${primary.alternateLba}, past the end of the disk (last LBA ${lastLba}): the image is truncated`
        : `the backup GPT header is at LBA ${primary.alternateLba}, not at the end of the disk (last LBA ${lastLba}): the image was written to a larger disk; fix with \`sgdisk -e\``,
    );
  }
  if (primary.alternateLba > lastLba || primary.alternateLba < 2) return undefined;
  const hdr2 = await readAt(fh, primary.alternateLba * SECTOR, SECTOR);
  let backup: ParsedHeader | undefined;
  let arr2: Buffer | undefined;
  try {
    backup = parseHeader(hdr2, primary.alternateLba, 'the backup GPT header');
    if (backup) arr2 = await readEntries(fh, backup, diskSize, 'the backup GPT header');
  } catch (e) {
    warnings.push((e as Error).message);
    return undefined;
  }
  if (!backup) warnings.push(`no backup GPT header at LBA ${primary.alternateLba}`);
  else {
    if (!backup.info.headerCrcOk) warnings.push('backup GPT header CRC is wrong');
    if (!arr2 || !backup.info.entriesCrcOk) warnings.push('backup GPT partition entries CRC is wrong');
    else if (!arr2.equals(arr)) warnings.push('backup GPT partition entries differ from the primary ones');
  }
  return backup?.info;
}

/** The used entries of the array; an entry ending before it starts or past the end of the disk is an error
 *  (LBAs are 64-bit: compared as BigInt before they become numbers). */
function gptPartitions(primary: GptHeaderInfo, arr: Buffer, totalLba: number, display: string): Partition[] {
  const partitions: Partition[] = [];
  for (let i = 0; i < primary.entryCount; i++) {
    const e = decodeGptEntry(arr.subarray(i * primary.entrySize, (i + 1) * primary.entrySize));
    if (!e) continue;
    if (e.lastLba < e.firstLba) throw inputError(`${display}: GPT partition ${i + 1}: last LBA ${e.lastLba} before first LBA ${e.firstLba}`);
    if (e.lastLba >= BigInt(totalLba)) {
      throw inputError(`${display}: GPT partition ${i + 1} (LBA ${e.firstLba}-${e.lastLba}) ends past the end of the disk (last LBA ${totalLba - 1})`);
    }
    const first = Number(e.firstLba);
    const sizeLba = Number(e.lastLba) - first + 1;
    const words = formatGptAttributes(e.attributes, true);
    partitions.push({
      index: i + 1,
      start: first * SECTOR,
      size: sizeLba * SECTOR,
      startLba: first,
      sizeLba,
      typeCode: e.typeGuid,
      typeName: gptTypeName(e.typeGuid),
      bootable: (e.attributes & GPT_LEGACY_BIOS_BOOTABLE) !== 0n,
      name: e.name,
      guid: e.uniqueGuid,
      attributesHex: `0x${e.attributes.toString(16).padStart(16, '0')}`,
      ...(words ? { attributes: words } : {}),
    });
  }
  return partitions;
}

/** Partitions past the end of the disk or overlapping are errors; outside the usable area, a warning. */
function checkBounds(parts: Partition[], firstUsable: number, lastUsable: number, totalLba: number, display: string, warnings: string[]): void {
  for (const p of parts) {
    const end = p.startLba + p.sizeLba - 1;
    if (end >= totalLba) throw inputError(`${display}: partition ${p.index} (LBA ${p.startLba}-${end}) ends past the end of the disk (last LBA ${totalLba - 1})`);
    if (p.startLba < firstUsable || end > lastUsable) warnings.push(`partition ${p.index} (LBA ${p.startLba}-${end}) is outside the usable area (LBA ${firstUsable}-${lastUsable})`);
  }
  const sorted = [...parts].sort((a, b) => a.startLba - b.startLba);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (b.startLba < a.startLba + a.sizeLba) {
      const [x, y] = a.index < b.index ? [a, b] : [b, a];
      throw inputError(`${display}: partitions ${x.index} and ${y.index} overlap (LBA ${b.startLba} is in both)`);
    }
  }
}

/** The byte ranges of the disk the partition table itself occupies: the MBR; with a GPT, also
 *  the primary header and its whole entry array (unused slots too: they must read as zeros),
 *  and the backup entry array and header where they were found; with a DOS extended partition, its EBRs. */
export function tableRanges(t: PartitionTable): { start: number; end: number }[] {
  const out = [{ start: 0, end: SECTOR }];
  for (const lba of t.ebrs ?? []) out.push({ start: lba * SECTOR, end: (lba + 1) * SECTOR });
  const g = t.gpt;
  if (!g) return out;
  const arr = (h: GptHeaderInfo) => ({ start: h.entriesLba * SECTOR, end: h.entriesLba * SECTOR + h.entryCount * h.entrySize });
  out.push({ start: SECTOR, end: 2 * SECTOR }, arr(g.primary));
  if (g.backup) out.push(arr(g.backup), { start: g.backup.myLba * SECTOR, end: (g.backup.myLba + 1) * SECTOR });
  else if (g.primary.alternateLba * SECTOR < t.diskSize) out.push({ start: g.primary.alternateLba * SECTOR, end: (g.primary.alternateLba + 1) * SECTOR });
  return out;
}
