/**
 * `imgsmith diff A B`: why two images differ, smallest explanation first:
 *  1. identical bytes (raw images compared chunk by chunk) -> "identical", done;
 *  2. partition table fields (type, disk id, per partition start/size/type/name/GUID/
 *     attributes/boot flag);
 *  3. per partition present in both: if the partition bytes are equal, nothing; else the
 *     filesystem metadata fields that differ (UUID, label, hash seed, timestamps, counts),
 *     then the files added, removed and changed (type, mode, owner, size, content sha256,
 *     symlink target, mtime). Content is hashed only where sizes match;
 *  4. bootloader regions whose bytes differ: the regions of the manifests beside the images,
 *     else the unpartitioned data either image holds (./regions.ts).
 * Memory: one entry per file of each filesystem.
 */
import fs, { promises as fsp } from 'node:fs';
import { sha256File } from '../outputs/checksum.ts';
import path from 'node:path';
import { walkFs } from './commands.ts';
import { summarize, type PartitionSummary } from './address.ts';
import { openImage, readAt } from './image.ts';
import { openFs } from './readers/index.ts';
import { readPartitionTable } from './table.ts';
import type { FsEntry, FsReader, OpenedImage, Partition, PartitionTable } from './types.ts';
import { show as showBytes } from '../content/tree.ts';
import { printable } from '../text.ts';
import { jsonTime } from '../json-output.ts';
import { manifestBeside } from './manifest.ts';
import { hashAt, imageRegions, UNPARTITIONED, type FoundRegion } from './regions.ts';
import { showRange } from '../regions.ts';

export interface FieldDiff {
  field: string;
  a: unknown;
  b: unknown;
}

export interface PartitionDiff {
  index: number;
  fsType?: string;
  label?: string;
  filesystem: FieldDiff[];
  added: string[];
  removed: string[];
  changed: { path: string; fields: FieldDiff[] }[];
  /** Set when the partition is only in one image or its filesystems cannot be compared. */
  note?: string;
}

/** A region whose bytes differ: their SHA-256 in each image (null: the image ends before the region does). */
export interface RegionDiff {
  name: string;
  offset: number;
  size: number;
  a: string | null;
  b: string | null;
}

export interface DiffResult {
  a: string;
  b: string;
  identical: boolean;
  size?: FieldDiff;
  table: FieldDiff[];
  partitions: PartitionDiff[];
  /** Bootloader regions (or unpartitioned data) whose bytes differ; absent when none do. */
  regions?: RegionDiff[];
}

const CHUNK = 4 * 1024 * 1024;

/** True when [offA, offA+len) of A equals [offB, offB+len) of B. */
async function sameBytes(a: string, offA: number, b: string, offB: number, len: number): Promise<boolean> {
  const fa = await fsp.open(a, 'r');
  const fb = await fsp.open(b, 'r');
  try {
    for (let done = 0; done < len; done += CHUNK) {
      const n = Math.min(CHUNK, len - done);
      const [x, y] = await Promise.all([readAt(fa, offA + done, n), readAt(fb, offB + done, n)]);
      if (!x.equals(y)) return false;
    }
    return true;
  } finally {
    await fa.close();
    await fb.close();
  }
}

function fields(out: FieldDiff[], prefix: string, a: Record<string, unknown>, b: Record<string, unknown>, keys: string[]): void {
  for (const k of keys) {
    const x = a[k];
    const y = b[k];
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push({ field: prefix + k, a: x ?? null, b: y ?? null });
  }
}

async function hashFile(img: OpenedImage, r: FsReader, p: string): Promise<string> {
  const tmp = path.join(await img.tmpDir(), 'diff.hash');
  const fd = fs.openSync(tmp, 'w');
  try {
    await r.readFileTo(p, fd);
  } finally {
    fs.closeSync(fd);
  }
  const sha = await sha256File(tmp);
  await fsp.rm(tmp, { force: true });
  return sha;
}

async function collect(r: FsReader): Promise<Map<string, FsEntry>> {
  const m = new Map<string, FsEntry>();
  m.set('/', await r.stat('/'));
  for await (const e of walkFs(r, '/')) m.set(e.path, e);
  return m;
}

async function diffFiles(ia: OpenedImage, ib: OpenedImage, ra: FsReader, rb: FsReader, out: PartitionDiff): Promise<void> {
  const [ma, mb] = [await collect(ra), await collect(rb)];
  // Paths and targets are byte strings inside; the result shows them (UTF-8, else \xNN).
  for (const p of [...ma.keys()].sort()) if (!mb.has(p)) out.removed.push(showBytes(p));
  for (const p of [...mb.keys()].sort()) if (!ma.has(p)) out.added.push(showBytes(p));
  // Same-size regular files are compared by content: in one batch where the reader can
  // (ext4: one debugfs run per image, both at once), else file by file.
  const same = [...ma.keys()].filter((p) => {
    const x = ma.get(p)!;
    const y = mb.get(p);
    return y !== undefined && x.type === 'file' && y.type === 'file' && x.size === y.size;
  });
  const batch = async (r: FsReader, m: Map<string, FsEntry>) => (r.hashFiles ? r.hashFiles(same.map((p) => m.get(p)!)) : undefined);
  const [hashesA, hashesB] = await Promise.all([batch(ra, ma), batch(rb, mb)]);
  for (const p of [...ma.keys()].sort()) {
    const x = ma.get(p)!;
    const y = mb.get(p);
    if (!y) continue;
    const f: FieldDiff[] = [];
    const view = (e: FsEntry) => ({ type: e.type, mode: e.mode.toString(8).padStart(4, '0'), uid: e.uid, gid: e.gid, size: e.size, target: e.target === undefined ? undefined : showBytes(e.target), mtime: jsonTime(e.mtime) });
    fields(f, '', view(x), view(y), ['type', 'mode', 'uid', 'gid', 'size', 'target']);
    if (x.type === 'file' && y.type === 'file' && x.size === y.size) {
      const ha = hashesA?.get(p) ?? (await hashFile(ia, ra, p));
      const hb = hashesB?.get(p) ?? (await hashFile(ib, rb, p));
      if (ha !== hb) f.push({ field: 'sha256', a: ha, b: hb });
    }
    fields(f, '', view(x), view(y), ['mtime']);
    if (f.length) out.changed.push({ path: showBytes(p), fields: f });
  }
}

const partKeys = ['start', 'size', 'typeCode', 'name', 'guid', 'attributesHex', 'bootable'];

export async function diffImages(a: string, b: string): Promise<DiffResult> {
  const ia = await openImage(a);
  try {
    const ib = await openImage(b);
    try {
      const res: DiffResult = { a, b, identical: false, table: [], partitions: [] };
      if (ia.size === ib.size && (await sameBytes(ia.path, 0, ib.path, 0, ia.size))) {
        res.identical = true;
        return res;
      }
      if (ia.size !== ib.size) res.size = { field: 'size', a: ia.size, b: ib.size };
      const [ta, tb] = [await readPartitionTable(ia.path, ia.size, a), await readPartitionTable(ib.path, ib.size, b)];
      fields(res.table, '', { type: ta.type, diskId: ta.diskId, partitions: ta.partitions.length }, { type: tb.type, diskId: tb.diskId, partitions: tb.partitions.length }, ['type', 'diskId', 'partitions']);
      const byIndex = (ps: Partition[]) => new Map(ps.map((p) => [p.index, p]));
      const [pa, pb] = [byIndex(ta.partitions), byIndex(tb.partitions)];
      for (const [i, x] of pa) {
        const y = pb.get(i);
        if (y) fields(res.table, `partition ${i} `, x as unknown as Record<string, unknown>, y as unknown as Record<string, unknown>, partKeys);
      }
      const [sa, sb] = [await summarize(ia, ta), await summarize(ib, tb)];
      const indices = [...new Set([...pa.keys(), ...pb.keys()])].sort((x, y) => x - y);
      for (const i of indices) {
        const x = sa.find((s) => s.partition.index === i);
        const y = sb.find((s) => s.partition.index === i);
        const d: PartitionDiff = { index: i, filesystem: [], added: [], removed: [], changed: [] };
        const any = (x ?? y)!;
        if (any.fsType) d.fsType = any.fsType;
        if (any.fs?.label) d.label = any.fs.label;
        if (!x || !y) {
          d.note = `only in ${x ? a : b}`;
          res.partitions.push(d);
          continue;
        }
        if (x.partition.size === y.partition.size && (await sameBytes(ia.path, x.partition.start, ib.path, y.partition.start, x.partition.size))) continue;
        await diffPartition(ia, ib, x, y, d);
        res.partitions.push(d);
      }
      const regions = await diffRegions(ia, ta, ib, tb);
      if (regions.length) res.regions = regions;
      return res;
    } finally {
      await ib.close();
    }
  } finally {
    await ia.close();
  }
}

const regionsIn = async (img: OpenedImage, t: PartitionTable) =>
  imageRegions(img.path, img.size, t, img.kind === 'block-device' ? undefined : await manifestBeside(img.source));

const hashIn = async (img: OpenedImage, r: Pick<FoundRegion, 'offset' | 'size'>) => (r.offset + r.size <= img.size ? hashAt(img.path, r.offset, r.size) : null);

/** Unions of overlapping or touching ranges, as unpartitioned-data regions. */
function mergeScanned(rs: FoundRegion[]): FoundRegion[] {
  const out: FoundRegion[] = [];
  for (const r of [...rs].sort((x, y) => x.offset - y.offset)) {
    const last = out[out.length - 1];
    if (last && r.offset <= last.offset + last.size) last.size = Math.max(last.size, r.offset + r.size - last.offset);
    else out.push({ name: UNPARTITIONED, offset: r.offset, size: r.size });
  }
  return out;
}

/** The regions of either image (its manifest's, else its unpartitioned data) whose bytes differ between them. */
async function diffRegions(ia: OpenedImage, ta: PartitionTable, ib: OpenedImage, tb: PartitionTable): Promise<RegionDiff[]> {
  const named = new Map<string, FoundRegion>();
  const scanned: FoundRegion[] = [];
  for (const g of [await regionsIn(ia, ta), await regionsIn(ib, tb)]) {
    for (const r of g.regions) {
      if (g.source === 'manifest') named.set(`${r.name}\0${r.offset}\0${r.size}`, r);
      else scanned.push(r);
    }
  }
  const out: RegionDiff[] = [];
  // Unpartitioned data one image's scan found where the other's manifest names a region is that region.
  const overlapsNamed = (r: FoundRegion) => [...named.values()].some((n) => r.offset < n.offset + n.size && n.offset < r.offset + r.size);
  for (const r of [...named.values(), ...mergeScanned(scanned).filter((r) => !overlapsNamed(r))]) {
    const [x, y] = [await hashIn(ia, r), await hashIn(ib, r)];
    if (x !== y) out.push({ name: r.name, offset: r.offset, size: r.size, a: x, b: y });
  }
  return out;
}

async function diffPartition(ia: OpenedImage, ib: OpenedImage, x: PartitionSummary, y: PartitionSummary, d: PartitionDiff): Promise<void> {
  if (x.fsType !== y.fsType) {
    d.filesystem.push({ field: 'type', a: x.fsType ?? null, b: y.fsType ?? null });
    return;
  }
  if (!x.fsType) {
    d.note = 'no filesystem recognised; the bytes differ';
    return;
  }
  if (x.fs && y.fs) {
    const flat = (f: NonNullable<PartitionSummary['fs']>) => ({ ...f, features: f.features?.join(' '), ...Object.fromEntries(Object.entries(f.extra)) }) as Record<string, unknown>;
    const keys = ['uuid', 'label', 'variant', 'size', 'blockSize', ...Object.keys(x.fs.extra).sort(), 'features', 'used', 'free', 'inodes', 'inodesFree'];
    fields(d.filesystem, '', flat(x.fs), flat(y.fs), [...new Set(keys)]);
  }
  if (x.fsType === 'swap') return;
  const ra = await openFs(ia, x.partition, x.fsType);
  try {
    const rb = await openFs(ib, y.partition, y.fsType);
    try {
      await diffFiles(ia, ib, ra, rb, d);
    } finally {
      await rb.close();
    }
  } finally {
    await ra.close();
  }
  if (!d.filesystem.length && !d.added.length && !d.removed.length && !d.changed.length) {
    d.note = 'the partitions differ in bytes but not in any field or file imgsmith reads (block placement, unused space or checksums)';
  }
}

/** A field's value as text: strings from the image (names, labels) escaped; symlink
 *  targets and paths are escaped already (showBytes). */
const show = (v: unknown, field = '') => (typeof v !== 'string' ? JSON.stringify(v) : field === 'target' ? v : printable(v));

export function renderDiff(r: DiffResult): string {
  if (r.identical) return `identical: ${r.a} and ${r.b} have the same bytes\n`;
  const out: string[] = [];
  if (r.size) out.push(`image size: ${show(r.size.a)} -> ${show(r.size.b)}`);
  if (r.table.length) {
    out.push('partition table:');
    for (const f of r.table) out.push(`  ${f.field}: ${show(f.a)} -> ${show(f.b)}`);
  }
  for (const p of r.partitions) {
    out.push(`partition ${p.index}${p.fsType ? ` (${p.fsType}${p.label ? ` "${printable(p.label)}"` : ''})` : ''}:`);
    if (p.note) out.push(`  ${p.note}`);
    for (const f of p.filesystem) out.push(`  filesystem ${f.field}: ${show(f.a)} -> ${show(f.b)}`);
    for (const c of p.changed) out.push(`  changed ${c.path}: ${c.fields.map((f) => `${f.field} ${show(f.a, f.field)} -> ${show(f.b, f.field)}`).join(', ')}`);
    for (const x of p.added) out.push(`  added ${x}`);
    for (const x of p.removed) out.push(`  removed ${x}`);
  }
  for (const g of r.regions ?? []) {
    const what = g.name === UNPARTITIONED ? UNPARTITIONED : `region "${printable(g.name)}"`;
    out.push(`${what} (${showRange(g.offset, g.offset + g.size)}): sha256 ${g.a ?? '(beyond the image)'} -> ${g.b ?? '(beyond the image)'}`);
  }
  if (!out.length) out.push('the images differ outside every partition (table gaps or unused space)');
  return out.join('\n') + '\n';
}
