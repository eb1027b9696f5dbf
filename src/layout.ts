/**
 * The layout planner: pure functions from the spec and the measured content
 * sizes to byte offsets. No I/O; unit-tested in test/layout.test.ts.
 */
import { doesNotFit, usageError } from './errors.ts';
import { partitionPath } from './spec-location.ts';
import type { DiskPlan, PlannedPartition } from './disk-plan.ts';
import { GPT_ENTRY_SECTORS, GPT_FIRST_USABLE } from './ptable/gpt.ts';
import type { ImageSpec } from './spec-types.ts';
import { alignDown, alignUp, formatSize, SECTOR, TiB } from './units.ts';

/**
 * The largest disk imgsmith plans. DOS (MBR): 2 TiB, all 2^32 sectors an MBR entry can
 * address (a larger DOS disk image would only carry unusable space). GPT: 16 TiB, the
 * largest image file ext4 (4 KiB blocks) can hold, far beyond any flash medium image.
 */
export const MAX_DISK_SIZE: Readonly<Record<'dos' | 'gpt', number>> = { dos: 2 * TiB, gpt: 16 * TiB };

/** Bytes the partition table needs before the first and after the last partition. */
export function tableReserve(type: 'dos' | 'gpt'): { head: number; tail: number } {
  // GPT: protective MBR + header + 128 entries of 128 bytes (LBA 0-33); backup: 32 + 1 sectors.
  return type === 'gpt' ? { head: GPT_FIRST_USABLE * SECTOR, tail: (GPT_ENTRY_SECTORS + 1) * SECTOR } : { head: SECTOR, tail: 0 };
}

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

type PartitionSpec = PlanInput['spec']['partitions'][number];

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
 *  - the disk is the target size, or ends right after the last partition
 *    (plus the GPT backup area).
 */
export function planLayout({ spec, minSizes, minReasons }: PlanInput): DiskPlan {
  const { head, tail } = tableReserve(spec.table.type);
  if (spec.diskSize !== undefined) checkDiskLimit(spec.table.type, spec.diskSize, 'the target disk size (spec.size or --size)');
  const out: PlannedPartition[] = [];
  let cursor = head;
  spec.partitions.forEach((p, i) => {
    const w = where(i);
    const start = placeStart(p, w, cursor, head, spec.alignment);
    const size = partitionSize(p, w, start, minSizes[i] ?? 0, spec.diskSize, tail, minReasons?.[i]);
    out.push({
      index: i + 1,
      name: p.name,
      start,
      size,
      type: p.type,
      bootable: p.bootable,
      attributes: p.attributes,
      ...(p.guid !== undefined ? { guid: p.guid } : {}),
    });
    cursor = Math.max(cursor, start + size);
  });
  const byStart = checkOverlaps(out);
  const diskSize = finalDiskSize(spec, byStart[byStart.length - 1]!, tail);
  return { diskSize, table: spec.table, partitions: out };
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
