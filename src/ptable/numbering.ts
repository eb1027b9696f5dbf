/**
 * Partition numbers and spec places of a parsed spec's partitions. The extended partition of a
 * DOS table is not in the parsed `partitions` list (spec-types.ts's ExtendedPartitionSpec): the
 * partitions before it are primary (1, 2, ...), it takes the next number, and the partitions
 * after it are logical, numbered from 5 as Linux and sfdisk do.
 */
import type { TableSpec } from '../spec-types.ts';

/** The number of the first logical partition. */
export const FIRST_LOGICAL = 5;

function extendedAt(table: TableSpec): number | undefined {
  return table.type === 'dos' ? table.extended?.at : undefined;
}

/** The partition number (as in the table, /dev/sdXN and IMAGE:N) of the parsed spec's `i`-th partition. */
export function partitionNumber(table: TableSpec, i: number): number {
  const at = extendedAt(table);
  return at === undefined || i < at ? i + 1 : FIRST_LOGICAL + (i - at);
}

/** The JSON index (`spec.partitions[N]`) of the parsed spec's `i`-th partition. */
export function specIndexOf(table: TableSpec, i: number): number {
  const at = extendedAt(table);
  return at === undefined || i < at ? i : i + 1;
}

/** Whether the parsed spec's `i`-th partition is a logical partition. */
export function isLogical(table: TableSpec, i: number): boolean {
  const at = extendedAt(table);
  return at !== undefined && i >= at;
}
