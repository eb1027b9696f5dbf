/**
 * A/B slots: a partition `"slot": { "of": "root-a", "contents": "copy" | "empty" }` is another
 * slot of the partition it names (its origin): the same size (its own `size` may be left out; if
 * given it must be the origin's), and either the origin's bytes (`copy`: the same filesystem,
 * UUID and label included, written after the origin) or zeros (`empty`). It has no `filesystem`
 * or `contents` of its own. The origin comes earlier in the spec; a slot of a slot copies what
 * that slot holds. Checked here: the origin exists, is not the slot itself, no cycle, comes
 * first, and both sizes agree (fixed sizes here, "auto" origins when the layout is planned).
 */
import { usageError } from './errors.ts';
import { hint, obj, oneOf, str, type Json } from './spec-check.ts';
import { partitionPath } from './spec-location.ts';
import type { PartitionSpec, SlotSpec } from './spec-types.ts';
import { formatSize } from './units.ts';

export const SLOT_CONTENTS = ['copy', 'empty'] as const;

/** The `slot` key of a partition. */
export function parseSlot(v: Json, where: string): SlotSpec {
  const o = obj(v, where, ['of', 'contents'], ['of', 'contents']);
  return { of: str(o.of, `${where}.of`), contents: oneOf(o.contents, `${where}.contents`, SLOT_CONTENTS) };
}

/** Keys a slot partition cannot have (it has its origin's filesystem, or none). */
export function checkSlotKeys(o: Record<string, Json>, where: string): void {
  for (const k of ['filesystem', 'contents'] as const) {
    if (o[k] !== undefined) {
      throw usageError(`${where}.${k}: a slot has no ${k} of its own (it holds a copy of the partition named by slot.of, or zeros); remove "${k}"`);
    }
  }
}

/** The index of the partition a slot is of. */
function originIndex(parts: readonly Pick<PartitionSpec, 'name'>[], at: number, of: string): number {
  const j = parts.findIndex((p) => p.name === of);
  if (j < 0) {
    throw usageError(`${partitionPath(at, '.slot.of')}: no partition is named "${of}"${hint(of, parts.map((p) => p.name))}`);
  }
  return j;
}

/** Checks every slot against the other partitions (names, cycles, order, fixed sizes). `at` maps an
 *  index of `parts` to the partition's index in the spec (they differ after a DOS extended partition). */
export function checkSlots(parts: readonly PartitionSpec[], at: (i: number) => number = (i) => i): void {
  parts.forEach((p, i) => {
    if (!p.slot) return;
    const w = partitionPath(at(i), '.slot.of');
    if (p.slot.of === p.name) throw usageError(`${w}: partition "${p.name}" cannot be a slot of itself`);
    const chain = [p.name];
    for (let k = i, seen = new Set([i]); parts[k]!.slot; ) {
      k = originIndex(parts, at(k), parts[k]!.slot!.of);
      chain.push(parts[k]!.name);
      if (seen.has(k)) throw usageError(`${w}: the slots form a cycle: ${chain.join(' -> ')}`);
      seen.add(k);
    }
    const j = originIndex(parts, at(i), p.slot.of);
    if (j > i) throw usageError(`${w}: "${p.slot.of}" (${partitionPath(at(j))}) must come before its slot "${p.name}" in spec.partitions`);
    const size = p.size;
    const originSize = parts[j]!.size;
    if (typeof size === 'number' && typeof originSize === 'number') checkSlotSize(at(i), p.name, size, p.slot.of, originSize);
  });
}

/** Slots have their origin's size. */
export function checkSlotSize(i: number, name: string, size: number, of: string, originSize: number): void {
  if (size !== originSize) {
    throw usageError(
      `${partitionPath(i, '.size')}: slot "${name}" is ${formatSize(size)} but "${of}", the partition it is a slot of, is ${formatSize(originSize)}: slots have the same size (leave "size" out to take it)`,
    );
  }
}

/** The partition whose filesystem partition `i` holds: for a `copy` slot its origin (through slots
 *  of slots), else the partition itself (an `empty` slot is a raw partition). */
export function slotContents<P extends Pick<PartitionSpec, 'name' | 'slot'>>(parts: readonly P[], i: number): P {
  let p = parts[i]!;
  for (let n = 0; p.slot?.contents === 'copy' && n < parts.length; n++) {
    const origin = parts.find((q) => q.name === p.slot!.of);
    if (!origin) break;
    p = origin;
  }
  return p;
}
