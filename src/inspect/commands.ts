/**
 * `imgsmith inspect`, `ls`, `cat`, `extract`: the logic (returning plain data for
 * --json) and the human renderings. The CLI wiring is in ./cli.ts.
 */
import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { buildError, inputError, usageError } from '../errors.ts';
import { checkNotGlob, describeSummary, findPartition, parseTarget, summarize, type PartitionSummary, type TargetArg } from './address.ts';
import { withImage } from './image.ts';
import { openFs } from './readers/index.ts';
import { readPartitionTable } from './table.ts';
import type { FsEntry, FsReader, OpenedImage, PartitionTable } from './types.ts';
import { fromUtf8, show } from '../content/tree.ts';
import { printable } from '../text.ts';
import { jsonText, jsonTime } from '../json-output.ts';
import { badName } from './names.ts';
import { manifestBeside } from './manifest.ts';
import { imageRegions, type ImageRegions } from './regions.ts';
import { showRange } from '../regions.ts';

/**
 * The tools `inspect`, `ls`, `cat`, `extract` and `diff` (./diff.ts) run: the ext4 and btrfs
 * readers' (./readers/ext4.ts debugfs, ./readers/btrfs.ts btrfs) and zstd for a .img.zst
 * (./zstd.ts; libzstd or zstd-codec in-process without it). FAT and the partition tables are read in-process.
 * nix/package.nix puts them on imgsmith's PATH (test/runtime-tools.test.ts).
 */
export const INSPECT_TOOLS = ['debugfs', 'btrfs', 'zstd'] as const;

// ---------------------------------------------------------------------------------------
// Formatting helpers

export function human(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${u[i]}`;
}

export function modeString(e: Pick<FsEntry, 'type' | 'mode'>): string {
  const t = e.type === 'dir' ? 'd' : e.type === 'symlink' ? 'l' : e.type === 'file' ? '-' : '?';
  const m = e.mode;
  const rwx = (shift: number, special: number, ch: string) => {
    const r = m & (4 << shift) ? 'r' : '-';
    const w = m & (2 << shift) ? 'w' : '-';
    const x = m & (1 << shift);
    const xs = m & special ? (x ? ch : ch.toUpperCase()) : x ? 'x' : '-';
    return r + w + xs;
  };
  return t + rwx(6, 0o4000, 's') + rwx(3, 0o2000, 's') + rwx(0, 0o1000, 't');
}

export function timeString(t: number): string {
  const d = new Date(Math.floor(t) * 1000);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString().replace('T', ' ').replace('.000Z', '');
}

/** Entries in JSON: mode as an octal string, mtime as an ISO 8601 UTC time (src/json-output.ts). */
export function entryJson(e: FsEntry): Record<string, unknown> {
  return {
    path: show(e.path), name: show(e.name), type: e.type, mode: e.mode.toString(8).padStart(4, '0'), uid: e.uid, gid: e.gid,
    size: e.size, mtime: jsonTime(e.mtime), ...(e.target !== undefined ? { target: show(e.target) } : {}), ...(e.ino !== undefined ? { ino: e.ino } : {}),
  };
}

const MAX_WALK_DEPTH = 4096;

/** Walks everything below `p` (parents before children). */
export async function* walkFs(r: FsReader, p: string): AsyncGenerator<FsEntry> {
  if (r.walk) {
    yield* r.walk(p);
    return;
  }
  // Iterative, and bounded in depth: a reader without walk() has no loop check of its own.
  const stack: [string, number][] = [[p, 0]];
  while (stack.length) {
    const [d, depth] = stack.pop()!;
    const kids = await r.list(d);
    for (const k of kids) yield k;
    // A directory whose name no filesystem may hold ("..", "a/b") is listed, not entered:
    // its path would name another directory.
    for (const k of kids.reverse()) {
      if (k.type !== 'dir' || badName(k.name)) continue;
      if (depth + 1 > MAX_WALK_DEPTH) throw inputError(`${show(k.path)}: directories nested more than ${MAX_WALK_DEPTH} deep (a directory loop?)`);
      stack.push([k.path, depth + 1]);
    }
  }
}

/** A path the user gave (UTF-8 text) as the readers' byte string ("/" + components). Bytes
 *  may be written \xNN and a backslash \\, as the commands show them (argv cannot carry
 *  every byte; see printableBytes in src/text.ts). */
export const normPath = (p: string | undefined) =>
  '/' + fromUtf8(p ?? '').replace(/\\(\\|x[0-9a-fA-F]{2})/g, (_, e: string) => (e === '\\' ? e : String.fromCharCode(parseInt(e.slice(1), 16)))).split('/').filter((x) => x && x !== '.').join('/');

// ---------------------------------------------------------------------------------------
// inspect

export interface InspectResult {
  image: { source: string; size: number; kind: OpenedImage['kind']; decompressor?: string };
  table: PartitionTable;
  partitions: PartitionSummary[];
  /** Bootloader regions: the manifest's, else the unpartitioned data found (absent when there is none). */
  regions?: ImageRegions;
  warnings: string[];
}

/** The image's regions (./regions.ts), and a warning for each one whose bytes are not what its manifest records. */
async function regionsOf(img: OpenedImage, table: PartitionTable, warnings: string[]): Promise<ImageRegions | undefined> {
  const manifest = img.kind === 'block-device' ? undefined : await manifestBeside(img.source);
  const found = await imageRegions(img.path, img.size, table, manifest);
  for (const r of found.regions) {
    if (r.matches !== false) continue;
    const got = r.sha256 === undefined ? 'the image ends before it does' : `sha256 ${r.sha256}`;
    warnings.push(`region "${r.name}" (${showRange(r.offset, r.offset + r.size)}) is not what ${manifest} records: ${got}, the manifest says ${r.recorded}`);
  }
  return found.regions.length || found.note ? found : undefined;
}

export async function inspectImage(source: string): Promise<InspectResult> {
  return withImage(source, async (img) => {
    const table = await readPartitionTable(img.path, img.size, source);
    const parts = await summarize(img, table);
    const warnings = [...table.warnings];
    const seenUuid = new Map<string, number>();
    for (const s of parts) {
      const p = s.partition;
      const f = s.fs;
      if (!f) continue;
      if (f.size > p.size) warnings.push(`partition ${p.index}: the ${f.variant} filesystem (${f.size} bytes) is larger than its partition (${p.size} bytes)`);
      if (p.name !== undefined && f.label && p.name !== f.label && p.name.toLowerCase() === f.label.toLowerCase()) {
        const [n, l] = [printable(p.name), printable(f.label)];
        warnings.push(`partition ${p.index}: GPT name "${n}" and ${f.variant} label "${l}" differ only in case (/dev/disk/by-partlabel/${n} vs /dev/disk/by-label/${l})`);
      }
      if (f.type === 'ext4' && f.extra.state !== 'clean') warnings.push(`partition ${p.index}: the ext4 filesystem is ${f.extra.state}`);
      if (f.uuid) {
        const other = seenUuid.get(f.uuid);
        if (other !== undefined) warnings.push(`partitions ${other} and ${p.index} have the same filesystem UUID ${f.uuid}`);
        else seenUuid.set(f.uuid, p.index);
      }
      if (table.type === 'dos' && f.type === 'vfat' && !['0x01', '0x04', '0x06', '0x0b', '0x0c', '0x0e', '0xef'].includes(p.typeCode)) {
        warnings.push(`partition ${p.index}: FAT filesystem in a partition of type ${p.typeCode} (${p.typeName}); firmware looking for FAT may skip it`);
      }
    }
    for (const s of parts) if (!s.fsType && !s.partition.extended) warnings.push(`partition ${s.partition.index}: no filesystem recognised`);
    const regions = await regionsOf(img, table, warnings);
    return {
      image: { source, size: img.size, kind: img.kind, ...(img.decompressor ? { decompressor: img.decompressor } : {}) },
      table,
      partitions: parts,
      ...(regions ? { regions } : {}),
      warnings,
    };
  });
}

export function renderInspect(r: InspectResult): string {
  const t = r.table;
  const out: string[] = [];
  out.push(`${r.image.source}: ${human(r.image.size)} (${r.image.size} bytes)${r.image.kind === 'zstd' ? `, zstd (read with ${r.image.decompressor === 'zstd-cli' ? 'the zstd CLI' : `in-process ${r.image.decompressor}`})` : r.image.kind === 'block-device' ? ', block device' : ''}`);
  out.push(`table: ${t.type === 'dos' ? 'DOS (MBR)' : `GPT${t.gpt?.hybridMbr ? ' with a hybrid MBR' : ''}`}, disk id ${t.diskId}`);
  for (const s of r.partitions) {
    const p = s.partition;
    const head = [`${p.index}:`, `start ${p.start} (${human(p.start)})`, `size ${p.size} (${human(p.size)})`, `type ${p.typeCode} ${p.typeName}`];
    if (p.bootable) head.push('bootable');
    out.push(head.join('  '));
    if (p.name !== undefined) out.push(`     name "${printable(p.name)}"  guid ${p.guid}  attributes ${p.attributesHex}${p.attributes ? ` (${p.attributes})` : ''}`);
    const f = s.fs;
    if (!f) { out.push(`     ${s.fsType ?? (p.extended ? 'extended partition (holds the logical partitions)' : 'no filesystem recognised')}`); continue; }
    const use = f.used !== undefined ? `, ${human(f.used)} used, ${human(f.free ?? 0)} free` : '';
    const ino = f.inodes !== undefined ? `, inodes ${f.inodes - (f.inodesFree ?? 0)}/${f.inodes}` : '';
    out.push(`     ${f.variant}  label "${printable(f.label)}"  uuid ${f.uuid}  size ${human(f.size)}${use}${ino}`);
    if (f.features?.length) out.push(`     features: ${f.features.join(' ')}`);
    const extra = Object.entries(f.extra).map(([k, v]) => `${k} ${printable(v)}`).join(', ');
    if (extra) out.push(`     ${extra}`);
  }
  if (!r.partitions.length) out.push('no partitions');
  if (r.regions) out.push(...renderRegions(r.regions));
  if (r.warnings.length) {
    out.push('warnings:');
    for (const w of r.warnings) out.push(`  - ${w}`);
  }
  return out.join('\n') + '\n';
}

function renderRegions(g: ImageRegions): string[] {
  const out = [g.source === 'manifest' ? `regions (from ${g.manifest}):` : 'unpartitioned data (non-zero bytes outside the partitions and the table):'];
  for (const r of g.regions) {
    const state = r.matches === undefined ? '' : r.matches ? '  matches the manifest' : '  DIFFERS from the manifest';
    const name = g.source === 'manifest' ? `"${printable(r.name)}"  ` : '';
    out.push(`  ${name}offset ${r.offset} (${human(r.offset)})  size ${r.size} (${human(r.size)})  sha256 ${r.sha256 ?? '-'}${state}`);
  }
  if (g.note) out.push(`  (${g.note})`);
  return out;
}

// ---------------------------------------------------------------------------------------
// Opening IMAGE:PARTITION

export async function withPartitionFs<T>(
  target: TargetArg, need: boolean,
  fn: (ctx: { img: OpenedImage; table: PartitionTable; part?: PartitionSummary; fs?: FsReader }) => Promise<T>,
): Promise<T> {
  const t = parseTarget(target);
  checkNotGlob(t);
  return withImage(t.image, async (img) => {
    const table = await readPartitionTable(img.path, img.size, t.image);
    if (t.partition === undefined) {
      if (need) {
        const all = await summarize(img, table);
        throw usageError(`name a partition: ${t.image}:PARTITION or --partition PARTITION (a number, GPT name or label); its partitions: ${all.map(describeSummary).join(', ') || 'none'}`);
      }
      return fn({ img, table });
    }
    const part = await findPartition(img, table, t.partition);
    const reader = await openFs(img, part.partition, part.fsType);
    try {
      return await fn({ img, table, part, fs: reader });
    } finally {
      await reader.close();
    }
  });
}

// ---------------------------------------------------------------------------------------
// ls

export interface LsResult {
  image: string;
  partition?: number;
  path?: string;
  partitions?: PartitionSummary[];
  entries?: FsEntry[];
}

export async function lsImage(target: TargetArg, p: string | undefined, opts: { recursive: boolean }): Promise<LsResult> {
  return withPartitionFs(target, false, async ({ img, table, part, fs: r }) => {
    if (!part || !r) {
      if (p !== undefined) throw usageError(`name a partition to list ${p}: ${img.source}:PARTITION or --partition PARTITION`);
      return { image: img.source, partitions: await summarize(img, table) };
    }
    const where = normPath(p);
    const top = await r.stat(where);
    let entries: FsEntry[];
    if (top.type !== 'dir') entries = [top];
    else if (!opts.recursive) entries = await r.list(where);
    else {
      entries = [];
      for await (const e of walkFs(r, where)) entries.push(e);
      entries.sort((a, b) => cmpPath(a.path, b.path));
    }
    return { image: img.source, partition: part.partition.index, path: where, entries };
  });
}

/** Paths sorted so that a directory's entries follow it, by component. */
function cmpPath(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return x.length - y.length;
}

export function renderLs(r: LsResult, opts: { long: boolean; recursive: boolean }): string {
  if (r.partitions) {
    const rows = r.partitions.map((s) => {
      const p = s.partition;
      return [String(p.index), p.name !== undefined ? printable(p.name) : '-', s.fsType ?? '-', s.fs?.label ? printable(s.fs.label) : '-', human(p.size)].join('\t');
    });
    return ['PART\tNAME\tFSTYPE\tLABEL\tSIZE', ...rows].join('\n') + '\n';
  }
  const line = (e: FsEntry, name: string) => {
    if (!opts.long) return name;
    const tgt = e.type === 'symlink' && e.target !== undefined ? ` -> ${show(e.target)}` : '';
    return `${modeString(e)} ${String(e.uid).padStart(5)} ${String(e.gid).padStart(5)} ${String(e.size).padStart(10)} ${timeString(e.mtime)} ${show(name)}${tgt}`;
  };
  const entries = r.entries ?? [];
  if (!opts.recursive) return entries.map((e) => (opts.long ? line(e, e.name) : show(e.name))).join('\n') + (entries.length ? '\n' : '');
  const out: string[] = [];
  const byDir = new Map<string, FsEntry[]>();
  for (const e of entries) {
    // The parent by the entry's own name: a hostile name ("../x", "a/b") holds slashes.
    const d = e.path.endsWith(e.name) ? e.path.slice(0, e.path.length - e.name.length - 1) || '/' : e.path.slice(0, e.path.lastIndexOf('/')) || '/';
    let l = byDir.get(d);
    if (!l) byDir.set(d, (l = []));
    l.push(e);
  }
  const dirs = [r.path ?? '/', ...entries.filter((e) => e.type === 'dir').map((e) => e.path)];
  for (const d of dirs) {
    out.push(`${show(d)}:`);
    for (const e of byDir.get(d) ?? []) out.push(opts.long ? line(e, e.name) : show(e.name));
    out.push('');
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------
// cat

/** Reads one file into a temporary file, then hands it to `use`. */
async function withFileCopy<T>(img: OpenedImage, r: FsReader, p: string, use: (file: string, e: FsEntry) => Promise<T>): Promise<T> {
  const e = await r.stat(p);
  if (e.type === 'dir') throw usageError(`${img.source}: ${show(p)} is a directory (use ls, or extract to copy it)`);
  if (e.type !== 'file') throw usageError(`${img.source}: ${show(p)} is a ${e.type}${e.target !== undefined ? ` (-> ${show(e.target)})` : ''}, not a regular file`);
  const tmp = path.join(await img.tmpDir(), 'cat.out');
  const fd = fs.openSync(tmp, 'w');
  try {
    await r.readFileTo(p, fd);
  } finally {
    fs.closeSync(fd);
  }
  const st = await fsp.stat(tmp);
  if (st.size !== e.size) throw buildError(`${img.source}: ${show(p)}: read ${st.size} bytes but the file is ${e.size} bytes`);
  try {
    return await use(tmp, e);
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

export async function catFile(target: TargetArg, p: string, out: NodeJS.WritableStream, json: boolean): Promise<void> {
  await withPartitionFs(target, true, async ({ img, part, fs: r }) => {
    await withFileCopy(img, r!, normPath(p), async (file, e) => {
      if (!json) {
        await pipeline(fs.createReadStream(file), out, { end: false });
        return;
      }
      const data = await fsp.readFile(file);
      out.write(jsonText({
        image: img.source, partition: part!.partition.index, path: show(e.path), size: e.size,
        sha256: createHash('sha256').update(data).digest('hex'), base64: data.toString('base64'),
      }));
    });
  });
}
