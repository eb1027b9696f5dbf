/**
 * Bootloader regions on the read side (inspect, verify, diff). With a manifest: its regions
 * (spec.regions as built), each hashed at its offset in the image. Without one: the non-zero
 * bytes outside the partitions and the table's structures, "unpartitioned data", scanned
 * before the first partition and in the gaps between partitions only, at most SCAN_LIMIT
 * bytes and MAX_RANGES ranges (the rest is named in a note, never read).
 */
import { promises as fsp } from 'node:fs';
import { hashRange } from '../outputs/checksum.ts';
import { gptHeaderRanges, type TableRange } from '../ptable/index.ts';
import { KiB, MiB, SECTOR } from '../units.ts';
import { readAt } from './image.ts';
import { readManifestRegions } from './manifest.ts';
import type { PartitionTable } from './types.ts';

/** The most bytes outside the partitions a scan reads. */
export const SCAN_LIMIT = 64 * MiB;
/** The most ranges a scan reports. */
export const MAX_RANGES = 32;
/** Zero runs shorter than this between non-zero sectors do not split a range (a blob's own padding). */
const JOIN_GAP = 64 * KiB;
const CHUNK = MiB;
/** The name of a scanned range. */
export const UNPARTITIONED = 'unpartitioned data';

interface Range {
  start: number;
  end: number;
}

/** A region found in an image. */
export interface FoundRegion {
  /** The manifest's name, or "unpartitioned data". */
  name: string;
  offset: number;
  size: number;
  /** SHA-256 of the image's bytes there; absent when the image ends before the region does. */
  sha256?: string;
  /** The SHA-256 the manifest records, and whether the image's bytes are those. */
  recorded?: string;
  matches?: boolean;
}

export interface ImageRegions {
  /** Where the list comes from: the image's manifest, or a scan of the bytes outside the partitions. */
  source: 'manifest' | 'scan';
  manifest?: string;
  regions: FoundRegion[];
  /** What the scan left out (its caps). */
  note?: string;
}

/** The table's own structures as read: the MBR sector, and both GPT headers with their entry arrays. */
export function tableRanges(table: PartitionTable): TableRange[] {
  const out: TableRange[] = [{ what: 'MBR', start: 0, end: SECTOR }];
  if (table.gpt) out.push(...gptHeaderRanges(table.gpt.primary, 'primary'));
  if (table.gpt?.backup) out.push(...gptHeaderRanges(table.gpt.backup, 'backup'));
  return out;
}

/** Before the first partition and between partitions, within the disk (the whole disk without partitions). */
function gaps(table: PartitionTable, size: number): Range[] {
  const parts = [...table.partitions].sort((a, b) => a.start - b.start);
  if (parts.length === 0) return [{ start: 0, end: size }];
  const out: Range[] = [];
  let cursor = 0;
  for (const p of parts) {
    const start = Math.min(p.start, size);
    if (start > cursor) out.push({ start: cursor, end: start });
    cursor = Math.max(cursor, Math.min(size, p.start + p.size));
  }
  return out;
}

/** The non-zero sectors outside the partitions and the table's structures, as ranges (see the module comment). */
export async function scanUnpartitioned(file: string, size: number, table: PartitionTable): Promise<{ ranges: Range[]; note?: string }> {
  const skip = tableRanges(table);
  const zero = Buffer.alloc(SECTOR);
  const ranges: Range[] = [];
  let budget = SCAN_LIMIT;
  let note: string | undefined;
  const fh = await fsp.open(file, 'r');
  try {
    for (const g of gaps(table, size)) {
      let last: Range | undefined;
      for (let pos = g.start; pos < g.end && budget > 0; pos += CHUNK) {
        const n = Math.min(CHUNK, g.end - pos, budget);
        budget -= n;
        const buf = await readAt(fh, pos, n);
        for (let o = 0; o < n; o += SECTOR) {
          const s = buf.subarray(o, Math.min(o + SECTOR, n));
          const at = pos + o;
          if (s.equals(zero.subarray(0, s.length)) || skip.some((t) => at < t.end && t.start < at + s.length)) continue;
          if (last && at - last.end < JOIN_GAP) last.end = at + s.length;
          else ranges.push((last = { start: at, end: at + s.length }));
        }
      }
      if (budget <= 0 && g.end > g.start) note = `scanned only the first ${SCAN_LIMIT / MiB} MiB outside the partitions`;
    }
  } finally {
    await fh.close();
  }
  if (ranges.length > MAX_RANGES) note = `${ranges.length} ranges of unpartitioned data; only the first ${MAX_RANGES} are shown`;
  return { ranges: ranges.slice(0, MAX_RANGES), ...(note ? { note } : {}) };
}

/** SHA-256 of bytes [offset, offset + size) of the image (a file or a disk; the caller checks they are in it). */
export async function hashAt(file: string, offset: number, size: number): Promise<string> {
  const fh = await fsp.open(file, 'r');
  try {
    return await hashRange(fh, offset, offset + size, 'sha256', Buffer.alloc(Math.min(size, 4 * MiB) || 1), file);
  } finally {
    await fh.close();
  }
}

/** The image's regions: its manifest's (each hashed at its offset), else the scanned unpartitioned data. */
export async function imageRegions(file: string, size: number, table: PartitionTable, manifest?: string): Promise<ImageRegions> {
  const recorded = manifest ? await readManifestRegions(manifest) : [];
  if (manifest && recorded.length) {
    const regions: FoundRegion[] = [];
    for (const r of recorded) {
      const sha256 = r.offset + r.size <= size ? await hashAt(file, r.offset, r.size) : undefined;
      regions.push({ name: r.name, offset: r.offset, size: r.size, ...(sha256 ? { sha256 } : {}), recorded: r.sha256, matches: sha256 === r.sha256 });
    }
    return { source: 'manifest', manifest, regions };
  }
  const scan = await scanUnpartitioned(file, size, table);
  const regions: FoundRegion[] = [];
  for (const r of scan.ranges) regions.push({ name: UNPARTITIONED, offset: r.start, size: r.end - r.start, sha256: await hashAt(file, r.start, r.end - r.start) });
  return { source: 'scan', regions, ...(scan.note ? { note: scan.note } : {}) };
}
