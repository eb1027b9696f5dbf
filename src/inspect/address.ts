/**
 * `IMAGE[:PARTITION]` arguments and finding a partition by index, GPT name or
 * filesystem label.
 *
 *  - An argument that names an existing file is the image, whatever it contains (so
 *    "a:b.img" works); otherwise it is split at its last ":".
 *  - `--partition P` (targetWith) gives PARTITION apart, so IMAGE can come from a shell glob;
 *    IMAGE:Q with a different Q as well is an error.
 *  - PARTITION is matched, in this order, as a partition number ("2"), a GPT partition
 *    name, a filesystem label, then a name or label ignoring case when that is unique.
 */
import fs from 'node:fs';
import { usageError } from '../errors.ts';
import { printable } from '../text.ts';
import { fsInfo, partitionFs } from './readers/index.ts';
import type { FsInfo, FsType, OpenedImage, Partition, PartitionTable } from './types.ts';

export interface Target {
  image: string;
  partition?: string;
}

/** An `IMAGE[:PARTITION]` argument, or one already split (targetWith). */
export type TargetArg = string | Target;

export function parseTarget(arg: TargetArg): Target {
  if (typeof arg !== 'string') return arg;
  if (fs.existsSync(arg)) return { image: arg };
  const i = arg.lastIndexOf(':');
  if (i > 0 && i < arg.length - 1) return { image: arg.slice(0, i), partition: arg.slice(i + 1) };
  if (i > 0 && i === arg.length - 1) return { image: arg.slice(0, i) };
  return { image: arg };
}

/** The target of `arg` (IMAGE or IMAGE:PARTITION) and `--partition` (undefined when not given). */
export function targetWith(arg: string, partition: unknown): TargetArg {
  if (partition === undefined) return arg;
  if (Array.isArray(partition)) throw usageError(`--partition: given ${partition.length} times; give one partition`);
  const p = String(partition);
  if (p === '') throw usageError('--partition: expected a partition number, GPT name or filesystem label, got ""');
  const t = parseTarget(arg);
  if (t.partition !== undefined && t.partition !== p) {
    throw usageError(`${printable(arg)} names partition "${printable(t.partition)}" but --partition says "${printable(p)}"; give only one of them`);
  }
  return { image: t.image, partition: p };
}

/**
 * An IMAGE that is a shell pattern no file matched (`out/*.img.zst:2`: the shell looked for a
 * file named like the whole word): a usage error saying to give the partition with --partition.
 */
export function checkNotGlob(t: Target): void {
  if (!/[*?[]/.test(t.image) || fs.existsSync(t.image)) return;
  const part = t.partition !== undefined ? ` --partition ${printable(t.partition)}` : ' --partition PARTITION';
  throw usageError(`${printable(t.image)}: no such image file (a shell glob followed by :PARTITION matches no file; give the partition apart: ${printable(t.image)}${part})`);
}

/** A partition with what is in it. */
export interface PartitionSummary {
  partition: Partition;
  fsType?: FsType;
  fs?: FsInfo;
}

/** Probes every partition's filesystem (label, UUID ...). */
export async function summarize(img: OpenedImage, table: PartitionTable): Promise<PartitionSummary[]> {
  const out: PartitionSummary[] = [];
  for (const p of table.partitions) {
    const fsType = await partitionFs(img, p);
    let info: FsInfo | undefined;
    try {
      info = fsType ? await fsInfo(img, p, fsType) : undefined;
    } catch {
      info = undefined;
    }
    out.push({ partition: p, ...(fsType ? { fsType } : {}), ...(info ? { fs: info } : {}) });
  }
  return out;
}

export function describeSummary(s: PartitionSummary): string {
  const bits = [s.partition.name ? `name "${printable(s.partition.name)}"` : '', s.fs?.label ? `label "${printable(s.fs.label)}"` : '', s.fsType ?? 'no filesystem'].filter(Boolean);
  return `${s.partition.index} (${bits.join(', ')})`;
}

/** Finds the partition `spec` names; a usage error listing the partitions when none matches. */
export async function findPartition(img: OpenedImage, table: PartitionTable, spec: string): Promise<PartitionSummary> {
  const all = await summarize(img, table);
  const pick = (f: (s: PartitionSummary) => boolean) => all.filter(f);
  const tries = [
    pick((s) => /^\d+$/.test(spec) && s.partition.index === Number(spec)),
    pick((s) => s.partition.name === spec),
    pick((s) => s.fs?.label === spec),
    pick((s) => s.partition.name?.toLowerCase() === spec.toLowerCase() || s.fs?.label.toLowerCase() === spec.toLowerCase()),
  ];
  for (const t of tries) {
    if (t.length === 1) return t[0]!;
    if (t.length > 1) throw usageError(`partition "${printable(spec)}" in ${img.source} is ambiguous: it matches ${t.map(describeSummary).join(', ')}; use its number`);
  }
  const list = all.length ? all.map(describeSummary).join(', ') : 'none';
  throw usageError(`${img.source} has no partition "${printable(spec)}"; its partitions: ${list}`);
}
