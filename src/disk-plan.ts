import type { TableSpec } from './spec-types.ts';

/** A partition with its final place on the disk (all values in bytes). */
export interface PlannedPartition {
  /** 1-based partition number as it appears in the table. */
  index: number;
  name: string;
  start: number;
  size: number;
  /** The type as written in the spec (DOS id / GPT alias, code or GUID). */
  type: string;
  bootable: boolean;
  attributes: (string | number)[];
  /** Explicit GPT partition GUID (otherwise derived from the table seed and name). */
  guid?: string;
  /** Its place in the spec (`spec.partitions[specIndex]`), when not `index - 1` (logical partitions). */
  specIndex?: number;
}

/** A DOS extended partition: the logical partitions (index 5, 6, ...) lie inside it, each after its EBR. */
export interface PlannedExtended {
  /** 1-4. */
  index: number;
  name: string;
  start: number;
  size: number;
  /** 0x05 or 0x0f. */
  dosType: number;
  specIndex: number;
}

/** The disk layout: pure data computed by the planner (layout.ts), consumed by the writers. */
export interface DiskPlan {
  diskSize: number;
  table: TableSpec;
  partitions: PlannedPartition[];
  /** DOS only: the extended partition holding the logical partitions. */
  extended?: PlannedExtended;
}
