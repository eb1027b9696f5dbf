/**
 * Reading a partition table back from a disk image (our own parser; the writer is
 * src/ptable/): DOS/MBR primary partitions, GPT (primary header + entries, CRCs, the
 * backup header where the primary says it is), protective and hybrid MBRs. Returns the
 * partitions with byte offsets, and warnings for things that will bite.
 */
import { crc32 } from 'node:zlib';
import { promises as fsp } from 'node:fs';
import { inputError, usageError } from '../errors.ts';
import { bytesToGuid } from '../ptable/guid.ts';
import { readAt } from './image.ts';
import type { GptHeaderInfo, Partition, PartitionTable } from './types.ts';

const SECTOR = 512;

/** DOS type names (as fdisk/sfdisk call them), the common ones. */
const DOS_NAMES: Record<number, string> = {
  0x01: 'FAT12', 0x04: 'FAT16 <32M', 0x05: 'Extended', 0x06: 'FAT16', 0x07: 'HPFS/NTFS/exFAT',
  0x0b: 'W95 FAT32', 0x0c: 'W95 FAT32 (LBA)', 0x0e: 'W95 FAT16 (LBA)', 0x0f: "W95 Ext'd (LBA)",
  0x82: 'Linux swap / Solaris', 0x83: 'Linux', 0x85: 'Linux extended', 0x8e: 'Linux LVM',
  0xda: 'Non-FS data', 0xea: 'Linux extended boot', 0xee: 'GPT', 0xef: 'EFI (FAT-12/16/32)', 0xfd: 'Linux raid autodetect',
};

/** GPT type names (as sfdisk/sgdisk call them). */
const GPT_NAMES: Record<string, string> = {
  'C12A7328-F81F-11D2-BA4B-00A0C93EC93B': 'EFI System',
  'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7': 'Microsoft basic data',
  'E3C9E316-0B5C-4DB8-817D-F92DF00215AE': 'Microsoft reserved',
  '0FC63DAF-8483-4772-8E79-3D69D8477DE4': 'Linux filesystem',
  '8DA63339-0007-60C0-C436-083AC8230908': 'Linux reserved',
  '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F': 'Linux swap',
  '933AC7E1-2EB4-4F13-B844-0E14E2AEF915': 'Linux home',
  '44479540-F297-41B2-9AF7-D131D5F0458A': 'Linux root (x86)',
  '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709': 'Linux root (x86-64)',
  'B921B045-1DF0-41C3-AF44-4C6F280D3FAE': 'Linux root (ARM-64)',
  '69DAD710-2CE4-4E3C-B16C-21A1D49ABED3': 'Linux root (ARM)',
  '3B8F8425-20E0-4F3B-907F-1A25A76F98E8': 'Linux server data',
  '7FFEC5C9-2D00-49B7-8941-3EA10A5586B7': 'Linux plain dm-crypt',
  'CA7D7CCB-63ED-4C53-861C-1742536059CC': 'Linux LUKS',
  '4D21B016-B534-45C2-A9FB-5C16E091FD2D': 'Linux variable data',
  '7EC6F557-3BC5-4ACA-B293-16EF5DF639D1': 'Linux temporary data',
  '773F91EF-66D4-49B5-BD83-D683BF40AD16': 'Linux user\'s home',
  '75250D76-8CC6-458E-BD66-BD47CC81A812': 'Linux /usr (x86)',
  '8484680C-9521-48C6-9C11-B0720656F69E': 'Linux /usr (x86-64)',
  '7D0359A3-02B3-4F0A-865C-654403E70625': 'Linux /usr (ARM)',
  'B0E01050-EE5F-4390-949A-9101B17104E9': 'Linux /usr (ARM-64)',
  'E6D6D379-F507-44C2-A23C-238F2A3DF928': 'Linux LVM',
  'A19D880F-05FC-4D3B-A006-743F0F84911E': 'Linux RAID',
  'BC13C2FF-59E6-4262-A352-B275FD6F7172': 'Linux extended boot',
  '024DEE41-33E7-11D3-9D69-0008C781F39F': 'MBR partition scheme',
  '21686148-6449-6E6F-744E-656564454649': 'BIOS boot',
  '3DE21764-95BD-54BD-A5C3-4ABE786F38A8': 'U-Boot environment',
};

export function dosTypeName(type: number): string {
  return DOS_NAMES[type] ?? 'unknown';
}

export function gptTypeName(guid: string): string {
  return GPT_NAMES[guid.toUpperCase()] ?? 'unknown';
}

/** `sfdisk -d` style attribute words. */
function attributeWords(bits: bigint): string | undefined {
  const w: string[] = [];
  if (bits & 1n) w.push('RequiredPartition');
  if (bits & 2n) w.push('NoBlockIOProtocol');
  if (bits & 4n) w.push('LegacyBIOSBootable');
  const high: number[] = [];
  for (let b = 48; b < 64; b++) if (bits & (1n << BigInt(b))) high.push(b);
  if (high.length) w.push(`GUID:${high.join(',')}`);
  // systemd's name for bit 59 (systemd-growfs / systemd-repart grow the filesystem).
  if (bits & (1n << 59n)) w.push('GrowFileSystem');
  return w.length ? w.join(' ') : undefined;
}

interface MbrSlot {
  slot: number;
  boot: number;
  type: number;
  startLba: number;
  sizeLba: number;
}

/** The four primary entries in use (type and size non-zero); a typed entry of 0 sectors is a warning. */
function mbrSlots(mbr: Buffer, warnings: string[]): MbrSlot[] {
  const out: MbrSlot[] = [];
  for (let i = 0; i < 4; i++) {
    const o = 446 + i * 16;
    const type = mbr[o + 4]!;
    const sizeLba = mbr.readUInt32LE(o + 12);
    if (type !== 0 && sizeLba === 0) warnings.push(`partition ${i + 1} has type 0x${type.toString(16).padStart(2, '0')} but 0 sectors: ignored`);
    if (type === 0 || sizeLba === 0) continue;
    out.push({ slot: i + 1, boot: mbr[o]!, type, startLba: mbr.readUInt32LE(o + 8), sizeLba });
  }
  return out;
}

/** Largest GPT entry and entry array read (UEFI: 128 x 2^n bytes; disks use 128 x 128 = 16 KiB). */
const MAX_ENTRY_SIZE = 4096;
const MAX_ARRAY_BYTES = 4 * 1024 * 1024;
const MAX_LBA = BigInt(Number.MAX_SAFE_INTEGER);

/** The header at `lba`, undefined when there is none (no signature, header size out of range);
 *  a header whose fields cannot describe a disk (LBAs of 2^53 and more, entry size not 128 x 2^n,
 *  an entry array over 4 MiB, last usable LBA before the first) is an error naming the field. */
function parseHeader(h: Buffer, lba: number, what: string): GptHeaderInfo | undefined {
  if (h.toString('latin1', 0, 8) !== 'EFI PART') return undefined;
  const size = h.readUInt32LE(12);
  if (size < 92 || size > SECTOR) return undefined;
  const copy = Buffer.from(h.subarray(0, size));
  const stored = copy.readUInt32LE(16);
  copy.writeUInt32LE(0, 16);
  const field = (name: string, off: number): number => {
    const v = h.readBigUInt64LE(off);
    if (v > MAX_LBA) throw inputError(`${what}: its GPT ${name} ${v} is out of range`);
    return Number(v);
  };
  const entryCount = h.readUInt32LE(80);
  const entrySize = h.readUInt32LE(84);
  if (entrySize < 128 || entrySize > MAX_ENTRY_SIZE || (entrySize & (entrySize - 1)) !== 0) {
    throw inputError(`${what}: GPT entry size ${entrySize} is invalid (128, 256, ... ${MAX_ENTRY_SIZE} bytes)`);
  }
  if (entryCount * entrySize > MAX_ARRAY_BYTES) {
    throw inputError(`${what}: GPT entry array of ${entryCount} entries x ${entrySize} bytes is too large (at most ${MAX_ARRAY_BYTES / 1024 / 1024} MiB)`);
  }
  const info: GptHeaderInfo = {
    myLba: field('own LBA', 24),
    alternateLba: field('alternate header LBA', 32),
    firstUsableLba: field('first usable LBA', 40),
    lastUsableLba: field('last usable LBA', 48),
    entriesLba: field('entry array LBA', 72),
    entryCount,
    entrySize,
    headerCrcOk: crc32(copy) === stored && Number(h.readBigUInt64LE(24)) === lba,
    entriesCrcOk: false,
  };
  if (info.lastUsableLba < info.firstUsableLba) {
    throw inputError(`${what}: its last usable LBA ${info.lastUsableLba} is before its first usable LBA ${info.firstUsableLba}`);
  }
  return info;
}

/** Reads and checks a header's entry array (bounded by parseHeader); an array not inside the image is an error. */
async function readEntries(fh: fsp.FileHandle, h: GptHeaderInfo, header: Buffer, diskSize: number, what: string): Promise<Buffer> {
  const bytes = h.entryCount * h.entrySize;
  if (h.entriesLba < 2 || h.entriesLba * SECTOR + bytes > diskSize) {
    throw inputError(`${what}: the GPT entry array (LBA ${h.entriesLba}, ${h.entryCount} x ${h.entrySize} bytes) is not inside the image (${diskSize} bytes)`);
  }
  const arr = await readAt(fh, h.entriesLba * SECTOR, bytes);
  h.entriesCrcOk = crc32(arr) === header.readUInt32LE(88);
  return arr;
}

/** Reads the partition table of the raw image (or device) at `file`, `diskSize` bytes long. */
export async function readPartitionTable(file: string, diskSize: number, display = file): Promise<PartitionTable> {
  const fh = await fsp.open(file, 'r');
  try {
    if (diskSize < SECTOR) throw usageError(`${display}: no partition table (the image is ${diskSize} bytes)`);
    const mbr = await readAt(fh, 0, SECTOR);
    if (mbr[510] !== 0x55 || mbr[511] !== 0xaa) {
      throw usageError(`${display}: no partition table (no MBR signature 55 AA at byte 510)`);
    }
    const warnings: string[] = [];
    const slots = mbrSlots(mbr, warnings);
    const totalLba = Math.floor(diskSize / SECTOR);
    if (slots.some((s) => s.type === 0xee)) return await readGpt(fh, mbr, slots, diskSize, totalLba, display, warnings);

    const partitions: Partition[] = slots.map((s) => ({
      index: s.slot,
      start: s.startLba * SECTOR,
      size: s.sizeLba * SECTOR,
      startLba: s.startLba,
      sizeLba: s.sizeLba,
      typeCode: `0x${s.type.toString(16).padStart(2, '0')}`,
      typeName: dosTypeName(s.type),
      bootable: s.boot === 0x80,
    }));
    for (const s of slots) {
      if (s.boot !== 0 && s.boot !== 0x80) warnings.push(`partition ${s.slot}: invalid boot indicator 0x${s.boot.toString(16)}`);
      if ([0x05, 0x0f, 0x85].includes(s.type)) warnings.push(`partition ${s.slot} is an extended partition; logical partitions are not read`);
    }
    checkBounds(partitions, 1, totalLba - 1, totalLba, display, warnings);
    return {
      type: 'dos',
      diskId: `0x${mbr.readUInt32LE(440).toString(16).padStart(8, '0')}`,
      sectorSize: SECTOR,
      diskSize,
      partitions,
      warnings,
    };
  } finally {
    await fh.close();
  }
}

async function readGpt(
  fh: fsp.FileHandle, mbr: Buffer, slots: MbrSlot[], diskSize: number, totalLba: number, display: string, warnings: string[],
): Promise<PartitionTable> {
  const hdr1 = await readAt(fh, SECTOR, SECTOR);
  const primary = parseHeader(hdr1, 1, `${display}: the primary GPT header`);
  if (!primary) throw usageError(`${display}: protective MBR but no GPT header at LBA 1`);
  if (!primary.headerCrcOk) warnings.push('primary GPT header CRC is wrong');
  const arr = await readEntries(fh, primary, hdr1, diskSize, `${display}: the primary GPT header`);
  if (!primary.entriesCrcOk) warnings.push('primary GPT partition entries CRC is wrong');
  const lastLba = totalLba - 1;
  const backup = await readBackup(fh, primary, arr, diskSize, lastLba, warnings);
  const partitions = gptPartitions(primary, arr, totalLba, display);
  checkBounds(partitions, primary.firstUsableLba, Math.min(primary.lastUsableLba, lastLba), totalLba, display, warnings);
  const hybrid = slots.some((s) => s.type !== 0xee);
  const ee = slots.find((s) => s.type === 0xee)!;
  if (!hybrid && ee.startLba !== 1) warnings.push(`the protective MBR entry starts at LBA ${ee.startLba}, not 1`);
  if (hybrid) {
    for (const s of slots.filter((x) => x.type !== 0xee)) {
      if (!partitions.some((p) => p.startLba === s.startLba && p.sizeLba === s.sizeLba)) {
        warnings.push(`hybrid MBR entry ${s.slot} (LBA ${s.startLba}+${s.sizeLba}) matches no GPT partition`);
      }
    }
  }
  void mbr;
  return {
    type: 'gpt',
    diskId: (await diskGuid(fh)),
    sectorSize: SECTOR,
    diskSize,
    partitions,
    gpt: { primary, ...(backup ? { backup } : {}), hybridMbr: hybrid },
    warnings,
  };
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
  let backup: GptHeaderInfo | undefined;
  let arr2: Buffer | undefined;
  try {
    backup = parseHeader(hdr2, primary.alternateLba, 'the backup GPT header');
    if (backup) arr2 = await readEntries(fh, backup, hdr2, diskSize, 'the backup GPT header');
  } catch (e) {
    warnings.push((e as Error).message);
    return undefined;
  }
  if (!backup) warnings.push(`no backup GPT header at LBA ${primary.alternateLba}`);
  else {
    if (!backup.headerCrcOk) warnings.push('backup GPT header CRC is wrong');
    if (!arr2 || !backup.entriesCrcOk) warnings.push('backup GPT partition entries CRC is wrong');
    else if (!arr2.equals(arr)) warnings.push('backup GPT partition entries differ from the primary ones');
  }
  return backup;
}

/** The used entries of the array; an entry ending before it starts or past the end of the disk is an error
 *  (LBAs are 64-bit: compared as BigInt before they become numbers). */
function gptPartitions(primary: GptHeaderInfo, arr: Buffer, totalLba: number, display: string): Partition[] {
  const partitions: Partition[] = [];
  for (let i = 0; i < primary.entryCount; i++) {
    const e = arr.subarray(i * primary.entrySize, (i + 1) * primary.entrySize);
    if (e.subarray(0, 16).every((b) => b === 0)) continue;
    const firstBig = e.readBigUInt64LE(32);
    const lastBig = e.readBigUInt64LE(40);
    if (lastBig < firstBig) throw inputError(`${display}: GPT partition ${i + 1}: last LBA ${lastBig} before first LBA ${firstBig}`);
    if (lastBig >= BigInt(totalLba)) {
      throw inputError(`${display}: GPT partition ${i + 1} (LBA ${firstBig}-${lastBig}) ends past the end of the disk (last LBA ${totalLba - 1})`);
    }
    const first = Number(firstBig);
    const last = Number(lastBig);
    const attrs = e.readBigUInt64LE(48);
    let name = e.toString('utf16le', 56, 128);
    const nul = name.indexOf('\0');
    if (nul >= 0) name = name.slice(0, nul);
    const typeCode = bytesToGuid(e.subarray(0, 16));
    const words = attributeWords(attrs);
    partitions.push({
      index: i + 1,
      start: first * SECTOR,
      size: (last - first + 1) * SECTOR,
      startLba: first,
      sizeLba: last - first + 1,
      typeCode,
      typeName: gptTypeName(typeCode),
      bootable: (attrs & 4n) !== 0n,
      name,
      guid: bytesToGuid(e.subarray(16, 32)),
      attributesHex: `0x${attrs.toString(16).padStart(16, '0')}`,
      ...(words ? { attributes: words } : {}),
    });
  }
  return partitions;
}

async function diskGuid(fh: fsp.FileHandle): Promise<string> {
  return bytesToGuid(await readAt(fh, SECTOR + 56, 16));
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
 *  and the backup entry array and header where they were found. */
export function tableRanges(t: PartitionTable): { start: number; end: number }[] {
  const out = [{ start: 0, end: SECTOR }];
  const g = t.gpt;
  if (!g) return out;
  const arr = (h: GptHeaderInfo) => ({ start: h.entriesLba * SECTOR, end: h.entriesLba * SECTOR + h.entryCount * h.entrySize });
  out.push({ start: SECTOR, end: 2 * SECTOR }, arr(g.primary));
  if (g.backup) out.push(arr(g.backup), { start: g.backup.myLba * SECTOR, end: (g.backup.myLba + 1) * SECTOR });
  else if (g.primary.alternateLba * SECTOR < t.diskSize) out.push({ start: g.primary.alternateLba * SECTOR, end: (g.primary.alternateLba + 1) * SECTOR });
  return out;
}
