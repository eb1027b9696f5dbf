/**
 * Checks a DiskPlan's table and partitions and turns them into sector-level
 * data for the writers (mbr.ts, gpt.ts). Every problem is a usageError naming
 * the partition and the problem.
 */
import { usageError } from '../errors.ts';
import { partitionPath } from '../spec-location.ts';
import type { DiskPlan, PlannedPartition } from '../disk-plan.ts';
import { formatSize } from '../units.ts';
import { canonicalGuid, deriveGuid, isGuid } from './guid.ts';
import { GPT_ATTRIBUTES, GPT_ENTRIES, GPT_FIRST_USABLE, GPT_LEGACY_BIOS_BOOTABLE, GPT_NAME_UNITS, gptLastUsable } from './gpt.ts';
import { SECTOR } from './mbr.ts';
import { hasDosOverride, hybridDosType, parseDosType, parseGptType } from './parttypes.ts';

export const DOS_MAX_PARTITIONS = 4;
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
}

export interface PreparedGptPartition extends PreparedPartition {
  typeGuid: string;
  uniqueGuid: string;
  attributes: bigint;
  /** DOS type when mirrored into the hybrid MBR. */
  hybridType?: number;
}

export type PreparedTable =
  | { type: 'dos'; totalLba: number; labelId: number; partitions: PreparedDosPartition[] }
  | {
    type: 'gpt'; totalLba: number; diskGuid: string; partitions: PreparedGptPartition[];
    /** Hybrid MBR members in MBR order (empty: protective MBR). */
    hybrid: PreparedGptPartition[];
  };

/** The spec's attribute keywords -> bit numbers (gpt.ts's table). */
const ATTRIBUTE_BITS: ReadonlyMap<string, number> = new Map(
  GPT_ATTRIBUTES.flatMap((a) => (a.name ? [[a.name, a.bit] as const] : [])),
);
const ATTRIBUTE_HINT = `use ${[...ATTRIBUTE_BITS.keys()].join(', ')} or a bit number 48-63`;

function who(p: PlannedPartition): string {
  return partitionPath(p.index - 1);
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

function checkPlacement(plan: DiskPlan): { totalLba: number } {
  const { diskSize } = plan;
  if (!Number.isSafeInteger(diskSize) || diskSize <= 0) {
    throw usageError(`disk size ${diskSize} is not a positive whole number of bytes`);
  }
  if (diskSize % SECTOR !== 0) {
    throw usageError(`disk size ${formatSize(diskSize)} is not a multiple of ${SECTOR} bytes (the sector size)`);
  }
  const totalLba = diskSize / SECTOR;
  const gpt = plan.table.type === 'gpt';
  const max = gpt ? GPT_ENTRIES : DOS_MAX_PARTITIONS;
  if (plan.partitions.length > max) {
    throw usageError(gpt
      ? `${plan.partitions.length} partitions do not fit in a GPT (at most ${GPT_ENTRIES})`
      : `${plan.partitions.length} partitions do not fit in a DOS (MBR) table (at most ${DOS_MAX_PARTITIONS} primary partitions; use a "gpt" table)`);
  }
  if (gpt && totalLba < GPT_FIRST_USABLE + 34) {
    throw usageError(`disk size ${formatSize(diskSize)} is too small for a GPT (at least ${(GPT_FIRST_USABLE + 34) * SECTOR} bytes)`);
  }
  const firstUsable = gpt ? GPT_FIRST_USABLE : 1;
  const lastUsable = gpt ? gptLastUsable(totalLba) : totalLba - 1;
  const seen = new Map<number, PlannedPartition>();
  for (const p of plan.partitions) {
    if (!Number.isInteger(p.index) || p.index < 1 || p.index > max) {
      throw usageError(`${who(p)}: partition number ${p.index} is out of range (1-${max})`);
    }
    const other = seen.get(p.index);
    if (other) throw usageError(`${who(p)}: partition number ${p.index} is also used by partition "${other.name}"`);
    seen.set(p.index, p);
    for (const [what, v] of [['start', p.start], ['size', p.size]] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw usageError(`${who(p)}: ${what} ${v} is not a whole number of bytes`);
      if (v % SECTOR !== 0) throw usageError(`${who(p)}: ${what} ${formatSize(v)} is not a multiple of ${SECTOR} bytes`);
    }
    if (p.size === 0) throw usageError(`${who(p)}: size is 0`);
    const startLba = p.start / SECTOR;
    const endLba = startLba + p.size / SECTOR - 1;
    if (startLba < firstUsable || endLba > lastUsable) {
      throw usageError(
        `${who(p)}: sectors ${startLba}-${endLba} are outside the usable area of the disk ` +
        `(sectors ${firstUsable}-${lastUsable} of a ${formatSize(diskSize)} disk with a ${gpt ? 'GPT' : 'DOS table'})`,
      );
    }
    if (!gpt && endLba + 1 > MBR_LIMIT_LBA) {
      throw usageError(`${who(p)}: ends at ${formatSize(p.start + p.size)}, beyond the 2 TiB limit of a DOS (MBR) table; use a "gpt" table`);
    }
  }
  const sorted = [...plan.partitions].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (b.start < a.start + a.size) {
      throw usageError(`${who(b)} (starting at byte ${b.start}) overlaps ${who(a)} (bytes ${a.start}-${a.start + a.size - 1})`);
    }
  }
  return { totalLba };
}

type GptTableSpec = Extract<DiskPlan['table'], { type: 'gpt' }>;
type DosTableSpec = Extract<DiskPlan['table'], { type: 'dos' }>;

/** The DOS table: the label-id and each partition's type byte; no GPT-only settings. */
function prepareDos(table: DosTableSpec, byIndex: PlannedPartition[], totalLba: number): PreparedTable {
  if (!Number.isInteger(table.labelId) || table.labelId < 0 || table.labelId > 0xffffffff) {
    throw usageError(`DOS label-id ${table.labelId} is not a 32-bit number`);
  }
  const partitions = byIndex.map((p): PreparedDosPartition => {
    const t = parseDosType(p.type);
    if (typeof t === 'string') throw usageError(`${who(p)}: ${t}`);
    if (p.attributes.length > 0) {
      throw usageError(`${who(p)}: attributes (${p.attributes.join(', ')}) exist only in a GPT, not in a DOS table`);
    }
    if (p.guid !== undefined) throw usageError(`${who(p)}: a partition GUID exists only in a GPT, not in a DOS table`);
    return { index: p.index, name: p.name, startLba: p.start / SECTOR, sizeLba: p.size / SECTOR, bootable: p.bootable, type: t };
  });
  return { type: 'dos', totalLba, labelId: table.labelId, partitions };
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
  const { totalLba } = checkPlacement(plan);
  const byIndex = [...plan.partitions].sort((a, b) => a.index - b.index);
  const table = plan.table;
  if (table.type === 'dos') return prepareDos(table, byIndex, totalLba);
  if (typeof table.seed !== 'string') throw usageError('GPT table: seed must be a string');
  const diskGuid = diskGuidOf(table);
  const partitions = gptPartitions(byIndex, table.seed, diskGuid);
  const hybrid = hybridMembers(table, byIndex, partitions);
  return { type: 'gpt', totalLba, diskGuid, partitions, hybrid };
}
