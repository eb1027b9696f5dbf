/**
 * Checks a DiskPlan's table and partitions and turns them into sector-level
 * data for the writers (mbr.ts, gpt.ts). Every problem is a usageError naming
 * the partition and the problem.
 */
import { usageError } from '../errors.ts';
import { partitionPath } from '../spec-location.ts';
import type { DiskPlan, PlannedPartition } from '../disk-plan.ts';
import type { GptTableSpec as GptSpec } from '../spec-types.ts';
import { formatSize } from '../units.ts';
import { canonicalGuid, deriveGuid, isGuid } from './guid.ts';
import {
  GPT_ATTRIBUTES, GPT_ENTRIES, GPT_ENTRIES_LBA, GPT_LEGACY_BIOS_BOOTABLE, GPT_NAME_UNITS, gptEntrySectors, gptLastUsable,
  type GptPlacement,
} from './gpt.ts';
import { SECTOR } from './mbr.ts';
import { FIRST_LOGICAL } from './numbering.ts';
import { hasDosOverride, hybridDosType, parseDosType, parseGptType } from './parttypes.ts';

export const DOS_MAX_PARTITIONS = 4;
/** The most logical partitions imgsmith writes (and reads: inspect/table.ts). */
export const MAX_LOGICAL = 128;
/** The most GPT entries: an entry array of 4 MiB, the most inspect/table.ts reads. */
export const GPT_MAX_ENTRIES = 32768;
/** Sectors sfdisk keeps before a logical partition (its EBR in the first), whatever the alignment:
 *  libfdisk's first LBA, 1 MiB on a 512-byte-sector disk. */
export const EBR_GAP_LBA = 2048;
export const HYBRID_MAX = 3;
/** MBR fields are 32-bit sector numbers: partitions must end within 2 TiB. */
export const MBR_LIMIT_LBA = 2 ** 32;

export interface PreparedPartition {
  index: number;
  name: string;
  startLba: number;
  sizeLba: number;
  bootable: boolean;
}

export interface PreparedDosPartition extends PreparedPartition {
  type: number;
  /** Logical partitions: the LBA of the EBR that describes it. */
  ebrLba?: number;
}

/** The extended partition and its chain: one EBR per logical partition (an empty one when there is none). */
export interface PreparedExtended {
  index: number;
  name: string;
  type: number;
  startLba: number;
  sizeLba: number;
}

export interface PreparedGptPartition extends PreparedPartition {
  typeGuid: string;
  uniqueGuid: string;
  attributes: bigint;
  /** DOS type when mirrored into the hybrid MBR. */
  hybridType?: number;
}

export type PreparedTable =
  | { type: 'dos'; totalLba: number; labelId: number; partitions: PreparedDosPartition[]; extended?: PreparedExtended }
  | {
    type: 'gpt'; totalLba: number; diskGuid: string; partitions: PreparedGptPartition[]; placement: GptPlacement;
    /** Hybrid MBR members in MBR order (empty: protective MBR). */
    hybrid: PreparedGptPartition[];
  };

/** The spec's attribute keywords -> bit numbers (gpt.ts's table). */
const ATTRIBUTE_BITS: ReadonlyMap<string, number> = new Map(
  GPT_ATTRIBUTES.flatMap((a) => (a.name ? [[a.name, a.bit] as const] : [])),
);
const ATTRIBUTE_HINT = `use ${[...ATTRIBUTE_BITS.keys()].join(', ')} or a bit number 48-63`;

function who(p: Pick<PlannedPartition, 'index' | 'specIndex'>): string {
  return partitionPath(p.specIndex ?? p.index - 1);
}

const T = 'spec.table';

/**
 * The GPT placement the table asks for, checked on its own: the array after the primary header
 * (LBA 2 or later), 4 to 32768 entries in whole sectors (a multiple of 4), the first usable LBA
 * not before the end of the array. Defaults: LBA 2, 128 entries, first usable LBA 34.
 */
export function gptPlacement(table: Pick<GptSpec, 'entryArrayOffset' | 'entries' | 'firstUsable'>): GptPlacement {
  const offset = table.entryArrayOffset ?? GPT_ENTRIES_LBA * SECTOR;
  if (!Number.isSafeInteger(offset) || offset % SECTOR !== 0) throw usageError(`${T}.entryArrayOffset: ${offset} is not a multiple of ${SECTOR} bytes`);
  if (offset < GPT_ENTRIES_LBA * SECTOR) {
    throw usageError(`${T}.entryArrayOffset: ${offset} overlaps the ${offset < SECTOR ? 'MBR (bytes 0-511)' : 'primary GPT header (bytes 512-1023)'}; the entry array starts at 1024 (LBA 2) or later`);
  }
  const entryCount = table.entries ?? GPT_ENTRIES;
  if (!Number.isSafeInteger(entryCount) || entryCount < 4 || entryCount > GPT_MAX_ENTRIES || entryCount % 4 !== 0) {
    throw usageError(`${T}.entries: ${entryCount} partition entries: give a multiple of 4 (the array fills whole 512-byte sectors) from 4 to ${GPT_MAX_ENTRIES}; 128 or more for UEFI`);
  }
  const entriesLba = offset / SECTOR;
  const arrayEnd = entriesLba + gptEntrySectors(entryCount);
  const firstUsable = table.firstUsable ?? arrayEnd * SECTOR;
  if (!Number.isSafeInteger(firstUsable) || firstUsable % SECTOR !== 0) throw usageError(`${T}.firstUsable: ${firstUsable} is not a multiple of ${SECTOR} bytes`);
  if (firstUsable < arrayEnd * SECTOR) {
    throw usageError(`${T}.firstUsable: ${firstUsable} is before the end of the primary entry array (bytes ${offset}-${arrayEnd * SECTOR - 1}: ${entryCount} entries at ${offset}); give ${arrayEnd * SECTOR} or more`);
  }
  return { entriesLba, entryCount, firstUsableLba: firstUsable / SECTOR };
}

function parseAttributes(p: PlannedPartition): bigint {
  let bits = 0n;
  for (const a of p.attributes) {
    let bit: number | undefined;
    if (typeof a === 'number') {
      bit = a;
    } else if (typeof a === 'string') {
      bit = ATTRIBUTE_BITS.get(a.trim().toLowerCase());
      if (bit === undefined && /^\d+$/.test(a.trim())) bit = Number(a.trim());
      if (bit === undefined) {
        throw usageError(`${who(p)}: unknown GPT attribute "${a}" (${ATTRIBUTE_HINT})`);
      }
    }
    if (bit === undefined || !Number.isInteger(bit) || (bit > 2 && bit < 48) || bit < 0 || bit > 63) {
      throw usageError(`${who(p)}: GPT attribute ${JSON.stringify(a)} is not allowed (${ATTRIBUTE_HINT})`);
    }
    bits |= 1n << BigInt(bit);
  }
  if (p.bootable) bits |= GPT_LEGACY_BIOS_BOOTABLE;
  return bits;
}

/** The disk's size in sectors; a size that is not whole sectors is an error. */
function diskSectors(diskSize: number): number {
  if (!Number.isSafeInteger(diskSize) || diskSize <= 0) {
    throw usageError(`disk size ${diskSize} is not a positive whole number of bytes`);
  }
  if (diskSize % SECTOR !== 0) {
    throw usageError(`disk size ${formatSize(diskSize)} is not a multiple of ${SECTOR} bytes (the sector size)`);
  }
  return diskSize / SECTOR;
}

/** The usable sectors: a GPT's from its placement (which must leave room on the disk), a DOS table's all but the MBR. */
function usableArea(plan: DiskPlan, totalLba: number): { first: number; last: number; placement?: GptPlacement } {
  if (plan.table.type === 'dos') return { first: 1, last: totalLba - 1 };
  const placement = gptPlacement(plan.table);
  const last = gptLastUsable(totalLba, placement.entryCount);
  if (last < placement.firstUsableLba) {
    const needed = (placement.firstUsableLba + 1 + gptEntrySectors(placement.entryCount) + 1) * SECTOR;
    throw usageError(`disk size ${formatSize(plan.diskSize)} is too small for a GPT (at least ${needed} bytes with this table placement)`);
  }
  if (plan.partitions.length > placement.entryCount) {
    throw usageError(`${plan.partitions.length} partitions do not fit in a GPT of ${placement.entryCount} entries (${T}.entries)`);
  }
  return { first: placement.firstUsableLba, last, placement };
}

/** A partition's start and size: whole sectors, not empty. */
function checkExtent(p: Pick<PlannedPartition, 'start' | 'size' | 'index' | 'specIndex'>): void {
  for (const [what, v] of [['start', p.start], ['size', p.size]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw usageError(`${who(p)}: ${what} ${v} is not a whole number of bytes`);
    if (v % SECTOR !== 0) throw usageError(`${who(p)}: ${what} ${formatSize(v)} is not a multiple of ${SECTOR} bytes`);
  }
  if (p.size === 0) throw usageError(`${who(p)}: size is 0`);
}

/** The partition numbers: 1-4 for DOS primaries (5 on: logical, checked by checkLogicals), 1-entries for a GPT; no number twice. */
function checkNumbers(plan: DiskPlan, max: number): void {
  const seen = new Map<number, string>();
  if (plan.extended) seen.set(plan.extended.index, plan.extended.name);
  for (const p of plan.partitions) {
    const logical = plan.table.type === 'dos' && Number.isInteger(p.index) && p.index >= FIRST_LOGICAL;
    if (!logical && (!Number.isInteger(p.index) || p.index < 1 || p.index > max)) {
      throw usageError(`${who(p)}: partition number ${p.index} is out of range (1-${max})`);
    }
    const other = seen.get(p.index);
    if (other !== undefined) throw usageError(`${who(p)}: partition number ${p.index} is also used by partition "${other}"`);
    seen.set(p.index, p.name);
  }
}

function checkPlacement(plan: DiskPlan): { totalLba: number; placement?: GptPlacement } {
  const totalLba = diskSectors(plan.diskSize);
  const gpt = plan.table.type === 'gpt';
  const { first: firstUsable, last: lastUsable, placement } = usableArea(plan, totalLba);
  checkNumbers(plan, placement ? placement.entryCount : DOS_MAX_PARTITIONS);
  const parts = plan.extended ? [...plan.partitions, plan.extended] : plan.partitions;
  for (const p of parts) {
    checkExtent(p);
    const startLba = p.start / SECTOR;
    const endLba = startLba + p.size / SECTOR - 1;
    if (placement && startLba < firstUsable && endLba >= placement.entriesLba && startLba < placement.entriesLba + gptEntrySectors(placement.entryCount)) {
      throw usageError(
        `${who(p)}: sectors ${startLba}-${endLba} overlap the GPT entry array (sectors ${placement.entriesLba}-${placement.entriesLba + gptEntrySectors(placement.entryCount) - 1}, ${T}.entryArrayOffset); ` +
        'move the array before the first partition or the partition after it',
      );
    }
    if (startLba < firstUsable || endLba > lastUsable) {
      throw usageError(
        `${who(p)}: sectors ${startLba}-${endLba} are outside the usable area of the disk ` +
        `(sectors ${firstUsable}-${lastUsable} of a ${formatSize(plan.diskSize)} disk with a ${gpt ? 'GPT' : 'DOS table'})`,
      );
    }
    if (!gpt && endLba + 1 > MBR_LIMIT_LBA) {
      throw usageError(`${who(p)}: ends at ${formatSize(p.start + p.size)}, beyond the 2 TiB limit of a DOS (MBR) table; use a "gpt" table`);
    }
  }
  // The logical partitions lie inside the extended one: each set is checked on its own.
  const primaries = parts.filter((p) => p.index < FIRST_LOGICAL || plan.table.type === 'gpt');
  checkOverlaps(primaries);
  checkOverlaps(plan.partitions.filter((p) => !primaries.includes(p)));
  return { totalLba, ...(placement ? { placement } : {}) };
}

function checkOverlaps(parts: Pick<PlannedPartition, 'start' | 'size' | 'index' | 'specIndex'>[]): void {
  const sorted = [...parts].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (b.start < a.start + a.size) {
      throw usageError(`${who(b)} (starting at byte ${b.start}) overlaps ${who(a)} (bytes ${a.start}-${a.start + a.size - 1})`);
    }
  }
}

/**
 * The logical partitions (numbers 5, 6, ... in disk order, at most 128) inside the extended
 * partition, and where their EBRs go, as sfdisk places them: the first at the extended
 * partition's start, each other one 1 MiB (EBR_GAP_LBA) before its logical partition, which
 * must leave that much after the previous one.
 */
function prepareLogicals(plan: DiskPlan): Map<number, number> {
  const ebrs = new Map<number, number>();
  const logical = plan.partitions.filter((p) => p.index >= FIRST_LOGICAL).sort((a, b) => a.index - b.index);
  const ext = plan.extended;
  if (!ext) {
    if (logical.length) throw usageError(`${who(logical[0]!)}: partition number ${logical[0]!.index} is a logical partition, which needs an extended partition`);
    return ebrs;
  }
  if (!Number.isInteger(ext.index) || ext.index < 1 || ext.index > DOS_MAX_PARTITIONS) {
    throw usageError(`${who(ext)}: the extended partition's number ${ext.index} is out of range (1-${DOS_MAX_PARTITIONS})`);
  }
  if (logical.length > MAX_LOGICAL) throw usageError(`${who(logical[MAX_LOGICAL]!)}: more than ${MAX_LOGICAL} logical partitions`);
  const extStart = ext.start / SECTOR;
  const extEnd = extStart + ext.size / SECTOR;
  let prevEnd = extStart;
  logical.forEach((p, k) => {
    const start = p.start / SECTOR;
    const end = start + p.size / SECTOR;
    if (p.index !== FIRST_LOGICAL + k) throw usageError(`${who(p)}: logical partitions are numbered ${FIRST_LOGICAL}, ${FIRST_LOGICAL + 1}, ... in order; got ${p.index}`);
    if (start < extStart || end > extEnd) {
      throw usageError(`${who(p)}: sectors ${start}-${end - 1} are not inside the extended partition ${who(ext)} (sectors ${extStart}-${extEnd - 1})`);
    }
    if (start - prevEnd < EBR_GAP_LBA) {
      throw usageError(
        `${who(p)}: starts at sector ${start}, less than 1 MiB after ${k === 0 ? 'the start of the extended partition' : 'the end of the previous logical partition'} (sector ${prevEnd}): ` +
        'a logical partition needs that room for its EBR (as sfdisk places it)',
      );
    }
    ebrs.set(p.index, k === 0 ? extStart : start - EBR_GAP_LBA);
    prevEnd = end;
  });
  return ebrs;
}

type GptTableSpec = Extract<DiskPlan['table'], { type: 'gpt' }>;
type DosTableSpec = Extract<DiskPlan['table'], { type: 'dos' }>;

/** The DOS table: the label-id and each partition's type byte; no GPT-only settings. */
function prepareDos(plan: DiskPlan, table: DosTableSpec, byIndex: PlannedPartition[], totalLba: number): PreparedTable {
  if (!Number.isInteger(table.labelId) || table.labelId < 0 || table.labelId > 0xffffffff) {
    throw usageError(`DOS label-id ${table.labelId} is not a 32-bit number`);
  }
  const ebrs = prepareLogicals(plan);
  const partitions = byIndex.map((p): PreparedDosPartition => {
    const t = parseDosType(p.type);
    if (typeof t === 'string') throw usageError(`${who(p)}: ${t}`);
    if (p.attributes.length > 0) {
      throw usageError(`${who(p)}: attributes (${p.attributes.join(', ')}) exist only in a GPT, not in a DOS table`);
    }
    if (p.guid !== undefined) throw usageError(`${who(p)}: a partition GUID exists only in a GPT, not in a DOS table`);
    const ebrLba = ebrs.get(p.index);
    return {
      index: p.index, name: p.name, startLba: p.start / SECTOR, sizeLba: p.size / SECTOR, bootable: p.bootable, type: t,
      ...(ebrLba !== undefined ? { ebrLba } : {}),
    };
  });
  const x = plan.extended;
  if (!x) return { type: 'dos', totalLba, labelId: table.labelId, partitions };
  if (x.dosType !== 0x05 && x.dosType !== 0x0f) throw usageError(`${who(x)}: extended partition type ${x.dosType} is not 0x05 or 0x0f`);
  const extended = { index: x.index, name: x.name, type: x.dosType, startLba: x.start / SECTOR, sizeLba: x.size / SECTOR };
  return { type: 'dos', totalLba, labelId: table.labelId, partitions, extended };
}

/** The disk GUID: the spec's, or derived from the seed. */
function diskGuidOf(table: GptTableSpec): string {
  if (table.diskGuid === undefined) return deriveGuid('disk-guid', [table.seed]);
  if (!isGuid(table.diskGuid)) {
    throw usageError(`GPT disk GUID "${table.diskGuid}" is malformed (expected 8-4-4-4-12 hex digits)`);
  }
  return canonicalGuid(table.diskGuid);
}

/** A partition's unique GUID: the spec's, or derived from the seed and its name. */
function uniqueGuidOf(p: PlannedPartition, seed: string): string {
  if (p.guid === undefined) return deriveGuid('partition-guid', [seed, p.name]);
  if (!isGuid(p.guid)) throw usageError(`${who(p)}: partition GUID "${p.guid}" is malformed (expected 8-4-4-4-12 hex digits)`);
  const guid = canonicalGuid(p.guid);
  if (/^[0-]+$/.test(guid)) throw usageError(`${who(p)}: the partition GUID must not be all zeros`);
  return guid;
}

/** The GPT entries: names (at most 36 UTF-16 units, no NUL, unique), types, unique GUIDs
 *  (distinct from each other and from the disk GUID), attributes. */
function gptPartitions(byIndex: PlannedPartition[], seed: string, diskGuid: string): PreparedGptPartition[] {
  const names = new Map<string, PlannedPartition>();
  const guids = new Map<string, string>([[diskGuid, 'the disk GUID']]);
  return byIndex.map((p): PreparedGptPartition => {
    if (p.name.includes('\0')) throw usageError(`${who(p)}: the GPT name contains a NUL character`);
    if (p.name.length > GPT_NAME_UNITS) {
      throw usageError(`${who(p)}: the GPT partition name is ${p.name.length} UTF-16 code units long (at most ${GPT_NAME_UNITS})`);
    }
    const dup = names.get(p.name);
    if (dup) throw usageError(`${who(p)}: the name "${p.name}" is also used by partition #${dup.index}`);
    names.set(p.name, p);
    const t = parseGptType(p.type);
    if (typeof t === 'string') throw usageError(`${who(p)}: ${t}`);
    const uniqueGuid = uniqueGuidOf(p, seed);
    const clash = guids.get(uniqueGuid);
    if (clash) throw usageError(`${who(p)}: partition GUID ${uniqueGuid} is the same as ${clash}`);
    guids.set(uniqueGuid, who(p));
    return {
      index: p.index, name: p.name, startLba: p.start / SECTOR, sizeLba: p.size / SECTOR,
      bootable: p.bootable, typeGuid: t.guid, uniqueGuid, attributes: parseAttributes(p),
    };
  });
}

/** The hybrid MBR members in MBR order, each with its DOS type set; a ":DOSTYPE" on a
 *  partition that is not a member is an error. */
function hybridMembers(table: GptTableSpec, byIndex: PlannedPartition[], partitions: PreparedGptPartition[]): PreparedGptPartition[] {
  const hybridNames = table.hybridMbr ?? [];
  if (hybridNames.length > HYBRID_MAX) {
    throw usageError(`hybrid MBR lists ${hybridNames.length} partitions (${hybridNames.join(', ')}); at most ${HYBRID_MAX} fit next to the 0xEE entry`);
  }
  const hybrid: PreparedGptPartition[] = [];
  for (const n of hybridNames) {
    const pp = partitions.find((q) => q.name === n);
    if (!pp) {
      throw usageError(`hybrid MBR names partition "${n}", which does not exist (partitions: ${partitions.map((q) => q.name).join(', ') || 'none'})`);
    }
    if (hybrid.includes(pp)) throw usageError(`hybrid MBR names partition "${n}" twice`);
    const p = byIndex.find((q) => q.name === n)!;
    if (pp.startLba + pp.sizeLba > MBR_LIMIT_LBA) {
      throw usageError(`${who(p)}: cannot be mirrored into the hybrid MBR: it ends beyond 2 TiB, the limit of an MBR entry`);
    }
    const d = hybridDosType(p.type);
    if (typeof d === 'string') throw usageError(`${who(p)}: ${d}`);
    pp.hybridType = d;
    hybrid.push(pp);
  }
  for (const p of byIndex) {
    if (hasDosOverride(p.type) && !hybridNames.includes(p.name)) {
      throw usageError(`${who(p)}: type "${p.type}" gives a hybrid-MBR type after ":", but the partition is not listed in table.hybridMbr`);
    }
  }
  return hybrid;
}

/** Validates the plan and computes the table contents. Throws usageError on any problem. */
export function prepareTable(plan: DiskPlan): PreparedTable {
  const { totalLba, placement } = checkPlacement(plan);
  const byIndex = [...plan.partitions].sort((a, b) => a.index - b.index);
  const table = plan.table;
  if (table.type === 'dos') return prepareDos(plan, table, byIndex, totalLba);
  if (plan.extended) throw usageError(`${who(plan.extended)}: an extended partition exists only in a DOS table`);
  if (typeof table.seed !== 'string') throw usageError('GPT table: seed must be a string');
  const diskGuid = diskGuidOf(table);
  const partitions = gptPartitions(byIndex, table.seed, diskGuid);
  const hybrid = hybridMembers(table, byIndex, partitions);
  return { type: 'gpt', totalLba, diskGuid, partitions, hybrid, placement: placement! };
}
