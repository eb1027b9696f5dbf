/**
 * Partition tables written by imgsmith itself (no sfdisk/sgdisk at build time):
 *  - DOS (MBR): byte-identical to what sfdisk 2.38 writes on a zeroed image for
 *    the same script (label-id, start, size, type, bootable), an extended partition's
 *    EBR chain included.
 *  - GPT: protective MBR, primary header at LBA 1, the entry array (128 entries at LBA
 *    2-33 unless the table moves or resizes it), backup entries + header in the last
 *    sectors; byte-identical to sgdisk 1.0.9 (-j, --resize-table) on a zeroed image for
 *    the same table.
 *  - Hybrid MBR (GPT + up to 3 partitions mirrored into the MBR): the layout of
 *    `sgdisk -h a:b:c` (0xEE entry first, covering LBA 1 up to the first mirrored
 *    partition), with the DOS types from parttypes.ts and the boot flag set for
 *    `bootable` partitions.
 */
import { open } from 'node:fs/promises';
import { buildError, ImgsmithError, internalError } from '../errors.ts';
import type { DiskPlan } from '../disk-plan.ts';
import { buildGptWrites, decodeGptHeader, formatGptAttributes, GPT_LEGACY_BIOS_BOOTABLE } from './gpt.ts';
import { buildMbrSector, MBR_GPT_PROTECTIVE, protectiveEntry, SECTOR, type MbrEntry } from './mbr.ts';
import { DOS_EXTENDED_TYPE, formatDosType } from './parttypes.ts';
import type { PartitionInfo, TableImage, TableInfo, TableWrite } from './types.ts';
import { prepareTable, type PreparedTable } from './validate.ts';

export type { PartitionInfo, TableImage, TableInfo, TableWrite } from './types.ts';
export { resolveDosType, resolveGptType } from './parttypes.ts';
export { deriveGuid } from './guid.ts';

/** Throws usageError (naming the partition and the problem) if the table cannot be built. */
export function validateTable(plan: DiskPlan): void {
  prepareTable(plan);
}

/** The MBR, and with an extended partition its EBR chain (as sfdisk writes it: one EBR per logical
 *  partition, its first entry the partition relative to the EBR, its second the next EBR relative
 *  to the extended partition; an empty EBR when there is no logical partition). */
function dosTable(t: Extract<PreparedTable, { type: 'dos' }>): TableImage {
  const slots: (MbrEntry | undefined)[] = [];
  const logical = t.partitions.filter((p) => p.ebrLba !== undefined);
  for (const p of t.partitions) {
    if (p.ebrLba === undefined) slots[p.index - 1] = { bootable: p.bootable, type: p.type, startLba: p.startLba, sizeLba: p.sizeLba };
  }
  const x = t.extended;
  if (x) slots[x.index - 1] = { bootable: false, type: x.type, startLba: x.startLba, sizeLba: x.sizeLba };
  const writes: TableWrite[] = [{ offset: 0, data: buildMbrSector(t.labelId, slots) }];
  if (x && logical.length === 0) writes.push({ offset: x.startLba * SECTOR, data: buildMbrSector(0, []) });
  logical.forEach((p, k) => {
    const ebr = p.ebrLba!;
    const next = logical[k + 1];
    const entries: MbrEntry[] = [{ bootable: p.bootable, type: p.type, startLba: p.startLba - ebr, sizeLba: p.sizeLba, base: ebr }];
    if (next) {
      const link = next.ebrLba!;
      entries.push({ bootable: false, type: DOS_EXTENDED_TYPE, startLba: link - x!.startLba, sizeLba: next.startLba + next.sizeLba - link, base: x!.startLba });
    }
    writes.push({ offset: ebr * SECTOR, data: buildMbrSector(0, entries) });
  });
  const listed = [
    ...t.partitions.map((p) => ({ index: p.index, name: p.name, typeCode: formatDosType(p.type), bootable: p.bootable })),
    ...(x ? [{ index: x.index, name: x.name, typeCode: formatDosType(x.type), bootable: false }] : []),
  ].sort((a, b) => a.index - b.index);
  const info: TableInfo = { type: 'dos', labelId: `0x${t.labelId.toString(16).padStart(8, '0')}`, partitions: listed };
  return { writes, info };
}

/** Builds the table sectors for the plan (pure). Throws usageError for invalid plans. */
export function buildPartitionTable(plan: DiskPlan): TableImage {
  const t = prepareTable(plan);
  if (t.type === 'dos') return dosTable(t);

  let mbrSlots: MbrEntry[];
  if (t.hybrid.length === 0) {
    mbrSlots = [protectiveEntry(t.totalLba)];
  } else {
    // Hybrid MBR as `sgdisk -h`: 0xEE first, covering LBA 1 up to the lowest mirrored partition.
    const firstStart = Math.min(...t.hybrid.map((p) => p.startLba));
    mbrSlots = [
      { bootable: false, type: MBR_GPT_PROTECTIVE, startLba: 1, sizeLba: firstStart - 1 },
      ...t.hybrid.map((p) => ({ bootable: p.bootable, type: p.hybridType!, startLba: p.startLba, sizeLba: p.sizeLba })),
    ];
  }
  const mbr = buildMbrSector(0, mbrSlots);
  const writes = buildGptWrites(t.totalLba, t.diskGuid, t.partitions.map((p) => ({
    index: p.index,
    typeGuid: p.typeGuid,
    uniqueGuid: p.uniqueGuid,
    firstLba: p.startLba,
    lastLba: p.startLba + p.sizeLba - 1,
    attributes: p.attributes,
    name: p.name,
  })), mbr, t.placement);
  const info: TableInfo = {
    type: 'gpt',
    diskGuid: t.diskGuid,
    ...(t.hybrid.length ? { hybridMbr: t.hybrid.map((p) => p.name) } : {}),
    partitions: t.partitions.map((p): PartitionInfo => {
      const attributes = formatGptAttributes(p.attributes);
      return {
        index: p.index,
        name: p.name,
        typeCode: p.typeGuid,
        guid: p.uniqueGuid,
        bootable: (p.attributes & GPT_LEGACY_BIOS_BOOTABLE) !== 0n,
        ...(attributes ? { attributes } : {}),
        ...(p.hybridType !== undefined ? { hybridMbrType: formatDosType(p.hybridType) } : {}),
      };
    }),
  };
  return { writes, info };
}

/**
 * Writes the table's byte ranges into an existing image file (already at full size).
 * Fails with a build error if the file is smaller than the ranges need.
 */
export async function writePartitionTable(imagePath: string, table: TableImage): Promise<void> {
  let fh;
  try {
    fh = await open(imagePath, 'r+');
  } catch (e) {
    throw buildError(`cannot open image ${imagePath} to write the partition table: ${(e as Error).message}`, e);
  }
  try {
    const { size } = await fh.stat();
    const end = Math.max(0, ...table.writes.map((w) => w.offset + w.data.length));
    if (size < end) {
      throw buildError(`image ${imagePath} is ${size} bytes, too small for its partition table (needs ${end} bytes)`);
    }
    if (table.info.type === 'gpt' && size !== end) {
      // The backup GPT header must be in the image's last sector.
      throw buildError(`image ${imagePath} is ${size} bytes but its GPT was built for a ${end}-byte disk`);
    }
    for (const w of table.writes) {
      let done = 0;
      while (done < w.data.length) {
        const { bytesWritten } = await fh.write(w.data, done, w.data.length - done, w.offset + done);
        if (bytesWritten <= 0) throw buildError(`short write to ${imagePath} at byte ${w.offset + done}`);
        done += bytesWritten;
      }
    }
  } catch (e) {
    if (e instanceof ImgsmithError) throw e;
    throw buildError(`cannot write the partition table to ${imagePath}: ${(e as Error).message}`, e);
  } finally {
    await fh.close();
  }
}

/** A byte range a partition table structure occupies on the disk (`end` exclusive). */
export interface TableRange {
  /** What is there, for messages: "MBR", "GPT header", "backup GPT entry array" ... */
  what: string;
  start: number;
  end: number;
}

/** What one GPT header describes: its own sector and its entry array (LBAs as read or written). */
export function gptHeaderRanges(
  h: { myLba: number | bigint; entriesLba: number | bigint; entryCount: number; entrySize: number }, which: 'primary' | 'backup',
): TableRange[] {
  const pre = which === 'backup' ? 'backup ' : '';
  const header = Number(h.myLba) * SECTOR;
  const entries = Number(h.entriesLba) * SECTOR;
  const arrayBytes = Math.ceil((h.entryCount * h.entrySize) / SECTOR) * SECTOR;
  return [
    { what: `${pre}GPT header`, start: header, end: header + SECTOR },
    { what: `${pre}GPT entry array`, start: entries, end: entries + arrayBytes },
  ];
}

/** The GPT header the writes put at `lba`. */
function writtenHeader(writes: TableWrite[], lba: number) {
  const at = lba * SECTOR;
  const w = writes.find((x) => x.offset <= at && at + SECTOR <= x.offset + x.data.length);
  const h = w && decodeGptHeader(w.data.subarray(at - w.offset, at - w.offset + SECTOR), lba);
  if (!h) throw internalError(`the GPT writer wrote no header at LBA ${lba}`);
  return h;
}

/**
 * Every byte range the table writer writes for `plan`, named: the MBR (and any other sector
 * a DOS table writes), or the protective/hybrid MBR, both GPT headers and both entry arrays,
 * read back from the headers the writer encodes (so they follow its placement), in disk order. Pure.
 */
export function tableStructureRanges(plan: DiskPlan): TableRange[] {
  const { writes, info } = buildPartitionTable(plan);
  if (info.type === 'dos') {
    return writes.map((w) => ({ what: w.offset === 0 ? 'MBR' : 'extended boot record', start: w.offset, end: w.offset + w.data.length }));
  }
  const primary = writtenHeader(writes, 1);
  const backup = writtenHeader(writes, Number(primary.alternateLba));
  return [
    { what: info.hybridMbr ? 'hybrid MBR' : 'protective MBR', start: 0, end: SECTOR },
    ...gptHeaderRanges(primary, 'primary'),
    ...gptHeaderRanges(backup, 'backup'),
  ].sort((a, b) => a.start - b.start);
}
