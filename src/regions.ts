/**
 * Bootloader regions (spec.regions): files written at fixed byte offsets of the disk, outside
 * the partitions (Allwinner's SPL at 8 KiB, Rockchip's idbloader.img at sector 64 and
 * u-boot.itb at sector 16384). `readRegions` finds each file (size, maxSize, SHA-256),
 * `placeRegions` checks it against the table's structures (as the table writer writes them:
 * ptable's tableStructureRanges), every partition and the other regions (pure), and
 * `writeRegions` writes them into the image, sparsely, then reads back what it wrote.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { doesNotFit, inputError, usageError } from './errors.ts';
import type { DiskPlan } from './disk-plan.ts';
import { tableStructureRanges, type TableRange } from './ptable/index.ts';
import { copySparse } from './sparse.ts';
import { hashRange, sha256File } from './outputs/checksum.ts';
import type { ManifestRegion } from './outputs/manifest-format.ts';
import type { Progress } from './progress.ts';
import type { RegionSpec, SourceRoot } from './spec-types.ts';
import { formatSize, KiB, MiB } from './units.ts';

/** A region's file, found: where it is on the build machine, its size and SHA-256. */
export interface RegionFile {
  spec: RegionSpec;
  /** Its index in spec.regions. */
  index: number;
  path: string;
  size: number;
  sha256: string;
}

const where = (i: number) => `spec.regions[${i}]`;

/** An offset for messages: "0", "8 KiB", "8 MiB", "8193 bytes". */
export function showOffset(n: number): string {
  if (n === 0) return '0';
  if (n !== 0 && n % MiB === 0) return `${n / MiB} MiB`;
  if (n !== 0 && n % KiB === 0) return `${n / KiB} KiB`;
  return `${n} bytes`;
}

/** A byte range [start, end) for messages: "8 KiB-520 KiB", or "bytes 8192-308191" (inclusive) when an end is not a whole KiB. */
export const showRange = (start: number, end: number) =>
  start % KiB === 0 && end % KiB === 0 ? `${showOffset(start)}-${showOffset(end)}` : `bytes ${start}-${end - 1}`;

/** Each region's file under its root: a regular, non-empty file within its maxSize. */
export async function readRegions(regions: RegionSpec[], roots: Partial<Record<SourceRoot, string>>): Promise<RegionFile[]> {
  const out: RegionFile[] = [];
  for (const [index, r] of regions.entries()) {
    const w = `${where(index)}.file`;
    const root = roots[r.from];
    if (!root) throw usageError(`${where(index)}.from: region "${r.name}" reads from "${r.from}", which was not given`);
    const file = path.join(root, r.file);
    const st = await fsp.stat(file).catch(() => undefined);
    if (!st) throw inputError(`${w}: region "${r.name}": ${file} does not exist`);
    if (!st.isFile()) throw inputError(`${w}: region "${r.name}": ${file} is not a regular file`);
    if (st.size === 0) throw inputError(`${w}: region "${r.name}": ${file} is empty`);
    if (r.maxSize !== undefined && st.size > r.maxSize) {
      throw doesNotFit(`${w}: region "${r.name}": ${file} is ${formatSize(st.size)}, larger than its maxSize of ${formatSize(r.maxSize)}`);
    }
    out.push({ spec: r, index, path: file, size: st.size, sha256: await sha256File(file) });
  }
  return out;
}

/**
 * Checks that every region lies within the disk and overlaps nothing: not the table's
 * structures (MBR, GPT headers and entry arrays), no partition, no other region. Pure.
 */
export function placeRegions(plan: DiskPlan, files: RegionFile[]): void {
  if (files.length === 0) return;
  const taken: TableRange[] = [
    ...tableStructureRanges(plan).map((t) => ({ ...t, what: `the ${t.what}` })),
    ...plan.partitions.map((p) => ({ what: `partition "${p.name}"`, start: p.start, end: p.start + p.size })),
  ];
  for (const f of files) {
    const start = f.spec.offset;
    const end = start + f.size;
    const me = `${where(f.index)}: region "${f.spec.name}" (${showRange(start, end)})`;
    if (end > plan.diskSize) throw doesNotFit(`${me} ends past the end of the disk (${showOffset(plan.diskSize)}); move it, or give a larger disk (spec.size)`);
    const hit = taken.find((t) => start < t.end && t.start < end);
    if (hit) throw doesNotFit(`${me} overlaps ${hit.what} (${showRange(hit.start, hit.end)})`);
    taken.push({ what: `region "${f.spec.name}"`, start, end });
  }
}

/** Writes every region's file at its offset (holes stay holes) and checks the bytes written are the file read. */
export async function writeRegions(imagePath: string, files: RegionFile[], progress: Progress): Promise<void> {
  if (files.length === 0) return;
  const ph = progress.phase('write-regions', files.length, 'items');
  const fh = await fsp.open(imagePath, 'r');
  try {
    const buf = Buffer.alloc(1024 * 1024);
    for (const [i, f] of files.entries()) {
      await copySparse(f.path, imagePath, f.spec.offset);
      const sha = await hashRange(fh, f.spec.offset, f.spec.offset + f.size, 'sha256', buf, imagePath);
      if (sha !== f.sha256) throw inputError(`${where(f.index)}.file: region "${f.spec.name}": ${f.path} changed while it was being read; run the build again when the inputs do not change`);
      ph.update(i + 1, files.length);
    }
  } finally {
    await fh.close();
  }
  ph.end();
}

/** The manifest's `regions`: each region's place, size and SHA-256. */
export function manifestRegions(files: RegionFile[]): ManifestRegion[] {
  return files.map((f) => ({ name: f.spec.name, offset: f.spec.offset, size: f.size, sha256: f.sha256, from: f.spec.from, file: f.spec.file }));
}
