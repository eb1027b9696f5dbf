/**
 * The layout planner: pure functions from the spec and the measured content
 * sizes to byte offsets. No I/O; unit-tested in test/layout.test.ts.
 */
import { doesNotFit, usageError } from './errors.ts';
import { partitionPath } from './spec-location.ts';
import type { DiskPlan, PlannedExtended, PlannedPartition } from './disk-plan.ts';
import { gptEntrySectors } from './ptable/gpt.ts';
import { isLogical, partitionNumber, specIndexOf } from './ptable/numbering.ts';
import { EBR_GAP_LBA, gptPlacement } from './ptable/validate.ts';
import type { ExtendedPartitionSpec, ImageSpec, TableSpec } from './spec-types.ts';
import { alignDown, alignUp, formatSize, SECTOR, TiB } from './units.ts';

/**
 * The largest disk imgsmith plans. DOS (MBR): 2 TiB, all 2^32 sectors an MBR entry can
 * address (a larger DOS disk image would only carry unusable space). GPT: 16 TiB, the
 * largest image file ext4 (4 KiB blocks) can hold, far beyond any flash medium image.
 */
export const MAX_DISK_SIZE: Readonly<Record<'dos' | 'gpt', number>> = { dos: 2 * TiB, gpt: 16 * TiB };

/** Bytes the partition table needs before the first and after the last partition (a bare type:
 *  the default GPT placement). */
export function tableReserve(table: TableSpec | 'dos' | 'gpt'): { head: number; tail: number } {
  const t: TableSpec = typeof table === 'string' ? (table === 'gpt' ? { type: 'gpt', seed: '' } : { type: 'dos', labelId: 0 }) : table;
  if (t.type === 'dos') return { head: SECTOR, tail: 0 };
  // GPT: protective MBR + header + the entry array (128 entries of 128 bytes: LBA 0-33 by
  // default) up to the first usable LBA; backup: the entry array and the header.
  const p = gptPlacement(t);
  return { head: p.firstUsableLba * SECTOR, tail: (gptEntrySectors(p.entryCount) + 1) * SECTOR };
}

/** Bytes sfdisk keeps before each logical partition (its EBR is in the first sector). */
const EBR_GAP = EBR_GAP_LBA * SECTOR;

export interface PlanInput {
  spec: Pick<ImageSpec, 'table' | 'alignment' | 'diskSize' | 'partitions'>;
  /** The smallest size in bytes each partition's content needs, in spec order. */
  minSizes: number[];
  /** Why a partition's minimum is what it is, when the filesystem (not the content) sets it,
   *  e.g. "FAT32 needs at least 65525 clusters: 33 MiB with 512-byte clusters". */
  minReasons?: (string | undefined)[];
}

function checkDiskLimit(type: 'dos' | 'gpt', size: number, what: string): void {
  const max = MAX_DISK_SIZE[type];
  if (size > max) {
    throw usageError(
      type === 'dos'
        ? `${what} is ${formatSize(size)}, more than a DOS (MBR) table can address (at most ${formatSize(max)}, 2^32 sectors); use a smaller size or a "gpt" table`
        : `${what} is ${formatSize(size)}, more than imgsmith builds (at most ${formatSize(max)} with a GPT); use a smaller size`,
    );
  }
}

const where = (i: number) => partitionPath(i);
const range = (s: number, e: number) => `${formatSize(s)}..${formatSize(e)}`;

type PartitionSpec = Pick<PlanInput['spec']['partitions'][number], 'start' | 'size'>;

/** Where partition `i` starts: its explicit `start` (aligned, after the table) or the next
 *  aligned offset from `cursor`. */
function placeStart(p: PartitionSpec, w: string, cursor: number, head: number, align: number): number {
  if (p.start === undefined) return alignUp(cursor, align);
  if (p.start % align !== 0) {
    throw usageError(`${w}.start: ${formatSize(p.start)} is not aligned to ${formatSize(align)}`);
  }
  if (p.start < head) {
    throw usageError(`${w}.start: ${formatSize(p.start)} overlaps the partition table (first usable byte is ${head})`);
  }
  return p.start;
}

/** Where logical partition `w` starts: 1 MiB (its EBR's room) after `cursor` (the extended
 *  partition's start or the previous logical partition's end), aligned, as sfdisk's default. */
function placeLogical(p: PartitionSpec, w: string, cursor: number, align: number): number {
  if (p.start === undefined) return alignUp(cursor + EBR_GAP, align);
  if (p.start % align !== 0) throw usageError(`${w}.start: ${formatSize(p.start)} is not aligned to ${formatSize(align)}`);
  if (p.start < cursor + EBR_GAP) {
    throw usageError(`${w}.start: ${formatSize(p.start)} leaves less than 1 MiB after byte ${cursor} (the extended partition's start or the previous logical partition's end) for its EBR; start at ${cursor + EBR_GAP} or later`);
  }
  return p.start;
}

/** The extended partition, placed like a primary one ("fill": to the end of the disk). */
function placeExtended(x: ExtendedPartitionSpec, spec: PlanInput['spec'], cursor: number, head: number): PlannedExtended {
  const w = where(x.at);
  const start = placeStart(x, w, cursor, head, spec.alignment);
  const size = partitionSize(x, w, start, EBR_GAP + SECTOR, spec.diskSize, 0, 'an extended partition needs at least 1 MiB for its first EBR and a sector');
  return { index: x.at + 1, name: x.name, start, size, dosType: x.dosType, specIndex: x.at };
}

/** The size of a partition starting at `start` that needs `min` bytes ("auto", "fill" or fixed). */
function partitionSize(
  p: PartitionSpec, w: string, start: number, min: number, diskSize: number | undefined, tail: number, why: string | undefined,
): number {
  if (p.size === 'auto') return alignUp(Math.max(min, SECTOR), SECTOR);
  if (p.size === 'fill') {
    if (diskSize === undefined) throw usageError(`${w}.size: "fill" needs a target disk size (spec.size)`);
    const end = alignDown(diskSize - tail, 4096);
    const size = end - start;
    if (size <= 0) {
      throw doesNotFit(
        `${w}: nothing left to fill: it would start at ${formatSize(start)} but the usable disk ends at ${formatSize(end)} (target size ${formatSize(diskSize)})`,
      );
    }
    if (size < min) {
      throw doesNotFit(
        `${w}: the content needs ${formatSize(min)} but filling the target disk of ${formatSize(diskSize)} leaves only ${formatSize(size)}`,
      );
    }
    return size;
  }
  if (p.size % SECTOR !== 0) throw usageError(`${w}.size: ${p.size} (bytes) is not a multiple of ${SECTOR} (the sector size)`);
  if (p.size < min) {
    if (why) throw usageError(`${w}.size: the partition is ${formatSize(p.size)} but ${why}`);
    throw doesNotFit(`${w}.size: the content needs ${formatSize(min)} but the partition is ${formatSize(p.size)}`);
  }
  return p.size;
}

/** Overlapping partitions are an error; returns them in disk order. */
function checkOverlaps(out: PlannedPartition[]): PlannedPartition[] {
  const byStart = [...out].sort((a, b) => a.start - b.start);
  for (let k = 1; k < byStart.length; k++) {
    const a = byStart[k - 1]!;
    const b = byStart[k]!;
    if (b.start < a.start + a.size) {
      throw usageError(
        `partitions "${a.name}" (${range(a.start, a.start + a.size)}) and "${b.name}" (${range(b.start, b.start + b.size)}) overlap`,
      );
    }
  }
  return byStart;
}

/** The disk size: the target size, or right after the last partition plus the table's tail. */
function finalDiskSize(spec: PlanInput['spec'], last: PlannedPartition, tail: number): number {
  const needed = alignUp(last.start + last.size + tail, SECTOR);
  checkDiskLimit(spec.table.type, needed, 'the disk the partitions need');
  if (spec.diskSize === undefined) return needed;
  if (spec.diskSize % SECTOR !== 0) throw usageError(`spec.size: ${spec.diskSize} is not a multiple of ${SECTOR} bytes`);
  if (spec.diskSize < needed) {
    throw doesNotFit(
      `the partitions need a disk of ${formatSize(needed)} but the target size is ${formatSize(spec.diskSize)} (${formatSize(needed - spec.diskSize)} short)`,
    );
  }
  return spec.diskSize;
}

/**
 * Places every partition. Rules:
 *  - a partition starts at its explicit `start` (which must be aligned) or at the
 *    next aligned offset after the previous partition;
 *  - size "auto" is the content's minimum size, rounded up to a whole sector;
 *    a fixed size must hold the content (else a build error with both sizes);
 *  - "fill" (last partition only) runs to the end of the target disk size,
 *    minus what the table needs there, rounded down to 4 KiB;
 *  - a DOS extended partition is placed like the others; the logical partitions after it
 *    lie inside it, each 1 MiB (its EBR) after the previous one's end, aligned; a logical
 *    "fill" runs to the extended partition's end (rounded down to 4 KiB);
 *  - the disk is the target size, or ends right after the last partition
 *    (plus the GPT backup area).
 */
export function planLayout({ spec, minSizes, minReasons }: PlanInput): DiskPlan {
  const { head, tail } = tableReserve(spec.table);
  if (spec.diskSize !== undefined) checkDiskLimit(spec.table.type, spec.diskSize, 'the target disk size (spec.size or --size)');
  const x = spec.table.type === 'dos' ? spec.table.extended : undefined;
  const out: PlannedPartition[] = [];
  let extended: PlannedExtended | undefined;
  let cursor = head;
  spec.partitions.forEach((p, i) => {
    const specIndex = specIndexOf(spec.table, i);
    const w = where(specIndex);
    if (x && i === x.at) {
      extended = placeExtended(x, spec, cursor, head);
      cursor = extended.start;
    }
    const logical = isLogical(spec.table, i);
    const start = logical ? placeLogical(p, w, cursor, spec.alignment) : placeStart(p, w, cursor, head, spec.alignment);
    const limit = extended ? extended.start + extended.size : spec.diskSize;
    const size = partitionSize(p, w, start, minSizes[i] ?? 0, limit, logical ? 0 : tail, minReasons?.[i]);
    if (extended && start + size > extended.start + extended.size) {
      throw doesNotFit(`${w}: ends at ${formatSize(start + size)}, past the end of the extended partition ${where(extended.specIndex)} (${formatSize(extended.start + extended.size)})`);
    }
    const index = partitionNumber(spec.table, i);
    out.push({
      index,
      name: p.name,
      start,
      size,
      type: p.type,
      bootable: p.bootable,
      attributes: p.attributes,
      ...(p.guid !== undefined ? { guid: p.guid } : {}),
      ...(specIndex !== index - 1 ? { specIndex } : {}),
    });
    cursor = Math.max(cursor, start + size);
  });
  const byStart = checkOverlaps(extended ? [...out.filter((p) => p.index < 5), { ...extended, type: '', bootable: false, attributes: [] }] : out);
  const last = byStart.reduce((a, b) => (b.start + b.size > a.start + a.size ? b : a));
  const diskSize = finalDiskSize(spec, last, tail);
  return { diskSize, table: spec.table, partitions: out, ...(extended ? { extended } : {}) };
}

/** A size a partition needs once the others are placed (src/fs/types.ts PlanNeed), by index. */
export interface SizeNeed {
  index: number;
  size: number;
  reason: string;
}

/**
 * planLayout, again until every size that depends on other partitions' planned sizes is met
 * (a dm-verity hash partition's tree grows with its data partition; the data partition is
 * rounded up to whole data blocks). `needs(plan)` gives them for a plan. A need beyond a
 * fixed size is planLayout's error with the need's reason. Sizes only grow, and a "fill"
 * partition (the only one whose size depends on others) only shrinks, so this ends.
 */
export function planWithNeeds(input: PlanInput, needs: (plan: DiskPlan) => SizeNeed[]): DiskPlan {
  const minSizes = [...input.minSizes];
  const minReasons = [...(input.minReasons ?? minSizes.map(() => undefined))];
  for (let round = 0; round < 16; round++) {
    const plan = planLayout({ spec: input.spec, minSizes, minReasons });
    const unmet = needs(plan).filter((n) => n.size > plan.partitions[n.index]!.size);
    if (unmet.length === 0) return plan;
    for (const n of unmet) {
      minSizes[n.index] = Math.max(minSizes[n.index] ?? 0, n.size);
      minReasons[n.index] = n.reason;
    }
  }
  throw usageError('the partition sizes that depend on each other (dm-verity) do not settle; give the hash partition a fixed size');
}
