/**
 * The FAT driver: builds a FAT12/16/32 filesystem in-process with js-fatfs (ChaN's
 * FatFs R0.15 compiled to WebAssembly), writing straight into the image file at the
 * partition's offset. No mkfs.vfat/mtools at build time, no root, no loop devices.
 *
 * Geometry: the FAT type for "auto" and the cluster size are what mkfs.vfat 4.2 picks
 * for an image file of that size (mkfsFatChoice: FAT12 up to 8 MiB, FAT16 up to 511 MiB,
 * FAT32 from 512 MiB; but FAT32 whenever it fits in a partition whose type says FAT32 or ESP,
 * and always for the partition type "fat32": see parseFatType), two FATs, 512 root entries (FAT12/16), data area aligned to the
 * cluster size. The boot sector is FatFs's (OEM "MSDOS5.0", no boot code, hidden sectors
 * 0 like mkfs.vfat on an image file) with the serial, label and "FAT12/FAT16" type string
 * patched in. FAT32 needs at least 33 MiB here (FatFs refuses fewer than 65526
 * clusters; mkfs.vfat -F 32 would warn and make a non-conforming one).
 *
 * How it stays deterministic and small:
 *  - FatFs reads the clock (time() + localtime() via JavaScript's Date) for every
 *    timestamp and for the volume serial. Every FatFs call runs inside `pinnedClock`,
 *    which swaps the global Date for one that returns a fixed instant and answers the
 *    local-time getters in UTC, so no host clock or time zone leaks in. The serial is
 *    then overwritten with `volumeId` (default: a hash of the partition offset and label).
 *  - Entries are created in `tree.entries()` order (sorted by path bytes), so the
 *    clusters, short names (~N tails) and directory slots are the same on any host.
 *  - The block device writes through to the image file; a sector that is all zeros and
 *    was never written non-zero is skipped, so holes stay holes (the image file must be
 *    a fresh sparse file whose partition range reads as zeros). File data is streamed
 *    in 1 MiB chunks; memory use does not depend on the partition or file sizes.
 *
 * Timestamps: every file, directory and the label entry get `ctx.epoch` as UTC wall-clock
 * time (FAT stores local time without a zone; UTC is the only host-independent choice),
 * at FAT's 2-second resolution. FAT cannot represent dates before 1980-01-01 00:00:00,
 * so an epoch before that (Nix's SOURCE_DATE_EPOCH is often 1 or 0) becomes exactly
 * 1980-01-01 00:00:00; dates after 2107 are clamped to 2107-12-31 23:59:58.
 *
 * js-fatfs 0.2.1 is built with FF_USE_LABEL=0, FF_USE_CHMOD=0 and FF_USE_EXPAND=0, so
 * the volume label (boot sector field + attribute-0x08 root entry) is patched in here,
 * and file attributes are always just ARCHIVE (Unix modes cannot be expressed anyway).
 */
import { createHash } from 'node:crypto';
import { promises as fsp, readSync, writeSync, openSync, closeSync, fstatSync } from 'node:fs';
import * as FatFs from 'js-fatfs';
import { hostPath, isUtf8, show, type FileTree, type TreeEntry } from '../content/tree.ts';

/** The tree's entries with their paths as text (FAT stores names as UTF-16): tree paths
 *  are byte strings, decoded here as UTF-8; names that are not UTF-8 cannot be stored. */
function fatEntries(tree: FileTree): ReturnType<FileTree['entries']> {
  return tree.entries().map(([p, e]) => {
    if (!isUtf8(p)) throw inputError(`${show(p)}: the name is not valid UTF-8, which FAT cannot store (it keeps names as UTF-16)`);
    return [Buffer.from(p, 'latin1').toString('utf8'), e];
  });
}
import { buildError, doesNotFit, inputError, usageError } from '../errors.ts';
import { label, oneOf, schemaOf, u32 } from '../spec-check.ts';
import { MiB, alignUp, formatSize } from '../units.ts';
import type { FsContext, FsReport, FsTarget, MeasuringDriver, PartitionOf } from './types.ts';
import { labelProblem, type LabelRule } from '../labels.ts';
import type { Obj } from '../spec-check.ts';
import { parseDosType, parseGptType, GPT_ALIASES } from '../ptable/parttypes.ts';
import { decodeFatBootSector, encodeFatVolumeFields, fatVolumeIdString, looksLikeFat } from '../codec/fat-boot-sector.ts';

const SS = 512; // sector size
const N_FATS = 2;
const ROOT_ENTRIES = 512; // FAT12/16 fixed root directory slots (mkfs.fat's default)
const DIRENT = 32;
const CHUNK = 1 << 20; // file copy chunk

/** Cluster-count limits every reader agrees on. FatFs calls 4085 clusters FAT12 and
 *  65525 FAT16, Linux and fsck.fat call them FAT16 and "too many for FAT16": never
 *  produce those counts. */
const FAT12_MAX = 4084;
const FAT16_MIN = 4087; // Windows (fastfat) treats fewer as FAT12; dosfstools 4.2 agrees
const FAT16_MAX = 65524;
const FAT32_MIN = 65526;

/** 1980-01-01T00:00:00Z: FAT timestamps cannot go earlier. */
const FAT_EPOCH_MIN = 315532800;
/** 2107-12-31T23:59:58Z: nor later. */
const FAT_EPOCH_MAX = 4354819198;

export type FatBits = 12 | 16 | 32;

// ---------------------------------------------------------------------------
// Geometry: what mkfs.vfat would choose, and what FatFs will produce.
// ---------------------------------------------------------------------------

/**
 * The FAT type and cluster size `mkfs.fat` (dosfstools 4.2) picks for an image file of
 * `sectors` 512-byte sectors, a port of its establish_params()/setup_tables():
 *  - without -F, 512 MiB and more is FAT32 ("Auto-selecting FAT32 for large filesystem");
 *  - FAT32 clusters follow Microsoft's table: <= 260 MiB 512 B, <= 8 GiB 4 KiB,
 *    <= 16 GiB 8 KiB, <= 32 GiB 16 KiB, else 32 KiB;
 *  - otherwise it starts at 4 sectors (2 KiB) per cluster and doubles the cluster size
 *    until FAT12 (<= 4084 clusters) or FAT16 (4087..65524 clusters) fits, and takes
 *    FAT16 if that gives more clusters. So: FAT12 up to 8 MiB, FAT16 from ~8.1 MiB to
 *    511 MiB (2 KiB clusters to ~128 MiB, 4 KiB to ~256 MiB, then 8 KiB).
 * Checked against mkfs.vfat 4.2 on image files: 8 MiB -> FAT12/2 KiB, 30 MiB ->
 * FAT16/2 KiB, 511 MiB -> FAT16/8 KiB, 512 MiB -> FAT32/4 KiB, -F 32 at 260 MiB -> 512 B.
 * Returns null when mkfs.fat finds no valid layout.
 */
export function mkfsFatChoice(sectors: number, forced: 0 | 16 | 32): { fatBits: FatBits; clusterSectors: number } | null {
  const MAX_CLUST_12 = 4084, MIN_CLUST_16 = 4087, MAX_CLUST_16 = 65524, MIN_CLUST_32 = 65525, MAX_CLUST_32 = 268435446;
  let sizeFat: 0 | 16 | 32 = forced;
  if (!sizeFat && sectors * SS >= 512 * MiB) sizeFat = 32;
  let cluster = 4;
  if (sizeFat === 32) {
    const G = 1024 * 1024 * 2; // sectors per GiB
    cluster = sectors > 32 * G ? 64 : sectors > 16 * G ? 32 : sectors > 8 * G ? 16 : sectors > 260 * 1024 * 2 ? 8 : 1;
  }
  const reserved = sizeFat === 32 ? 32 : 1;
  const rootDirSectors = sizeFat === 32 ? 0 : Math.ceil((ROOT_ENTRIES * DIRENT) / SS);
  // mkfs.fat trims the size to whole "tracks" of its made-up CHS geometry.
  const spt = sectors <= 4096 ? 16 : sectors <= 524288 ? 32 : 63;
  const num = Math.min(Math.floor(sectors / spt) * spt, 0xffffffff);
  const align = num > 8192;
  const alignObj = (n: number, c: number): number => (align ? Math.ceil(n / c) * c : n);
  const cdiv = (a: number, b: number): number => Math.ceil(a / b);
  for (; cluster <= 128; cluster *= 2) {
    const fatdata32 = num - alignObj(reserved, cluster);
    const fatdata1216 = fatdata32 - alignObj(rootDirSectors, cluster);

    let clust12 = Math.floor((2 * (fatdata1216 * SS + N_FATS * 3)) / (2 * cluster * SS + N_FATS * 3));
    const fatlength12 = alignObj(cdiv(((clust12 + 2) * 3 + 1) >> 1, SS), cluster);
    clust12 = Math.floor((fatdata1216 - N_FATS * fatlength12) / cluster);
    if (clust12 > Math.min(Math.floor((fatlength12 * 2 * SS) / 3), MAX_CLUST_12)) clust12 = 0;

    let clust16 = Math.floor((fatdata1216 * SS + N_FATS * 4) / (cluster * SS + N_FATS * 2));
    const fatlength16 = alignObj(cdiv((clust16 + 2) * 2, SS), cluster);
    clust16 = Math.floor((fatdata1216 - N_FATS * fatlength16) / cluster);
    if (clust16 > Math.min(Math.floor((fatlength16 * SS) / 2), MAX_CLUST_16)) clust16 = 0;
    if (clust16 && clust16 < MIN_CLUST_16) clust16 = 0;

    let clust32 = Math.floor((fatdata32 * SS + N_FATS * 8) / (cluster * SS + N_FATS * 4));
    const fatlength32 = alignObj(cdiv((clust32 + 2) * 4, SS), cluster);
    clust32 = Math.floor((fatdata32 - N_FATS * fatlength32) / cluster);
    if (clust32 > Math.min(Math.floor((fatlength32 * SS) / 4), MAX_CLUST_32)) clust32 = 0;
    if (clust32 && clust32 < MIN_CLUST_32 && forced !== 32) clust32 = 0;

    if ((clust12 && sizeFat === 0) || (clust16 && (sizeFat === 0 || sizeFat === 16)) || (clust32 && sizeFat === 32)) {
      const fatBits: FatBits = sizeFat === 0 ? (clust16 > clust12 ? 16 : 12) : sizeFat;
      return { fatBits, clusterSectors: cluster };
    }
  }
  return null;
}

/** The on-disk layout of a FAT volume as FatFs's f_mkfs lays it out. */
export interface FatLayout {
  fatBits: FatBits;
  sectors: number;
  clusterSectors: number;
  reservedSectors: number;
  fatSectors: number;
  rootDirSectors: number;
  /** First sector of the data area (cluster 2). */
  dataStart: number;
  clusters: number;
  /** The f_mkfs parameters that produce this layout. */
  mkfs: { fmt: number; au: number; align: number };
}

/**
 * A port of the FAT/FAT32 branch of FatFs R0.15 f_mkfs() for fixed parameters (two FATs,
 * 512 root entries, given cluster size and data-area alignment). Returns null where
 * f_mkfs would return FR_MKFS_ABORTED. write() checks the real boot sector against it.
 */
export function fatfsLayout(sectors: number, fat32: boolean, au: number, blk: number): FatLayout | null {
  const MAX_FAT12 = 0xff5, MAX_FAT16 = 0xfff5, MAX_FAT32 = 0x0ffffff5;
  if (sectors < 128 || sectors > 0xffffffff) return null;
  let fsty: FatBits = fat32 ? 32 : 16;
  let nClst = Math.floor(sectors / au);
  let szFat: number, szRsv: number, szDir: number;
  if (fsty === 32) {
    szFat = Math.ceil((nClst * 4 + 8) / SS);
    szRsv = 32;
    szDir = 0;
    if (nClst <= MAX_FAT16 || nClst > MAX_FAT32) return null;
  } else {
    let n: number;
    if (nClst > MAX_FAT12) n = nClst * 2 + 4;
    else {
      fsty = 12;
      n = Math.floor((nClst * 3 + 1) / 2) + 3;
    }
    szFat = Math.ceil(n / SS);
    szRsv = 1;
    szDir = (ROOT_ENTRIES * DIRENT) / SS;
  }
  const bData = szRsv + szFat * N_FATS + szDir;
  let n = alignUp(bData, blk) - bData;
  if (fsty === 32) szRsv += n;
  else {
    if (n % N_FATS) {
      n--;
      szRsv++;
    }
    szFat += Math.floor(n / N_FATS);
  }
  if (sectors < bData + au * 16) return null;
  nClst = Math.floor((sectors - szRsv - szFat * N_FATS - szDir) / au);
  if (fsty === 32 && nClst <= MAX_FAT16) return null;
  if (fsty === 16 && (nClst > MAX_FAT16 || nClst <= MAX_FAT12)) return null;
  if (fsty === 12 && nClst > MAX_FAT12) return null;
  return {
    fatBits: fsty,
    sectors,
    clusterSectors: au,
    reservedSectors: szRsv,
    fatSectors: szFat,
    rootDirSectors: szDir,
    dataStart: szRsv + szFat * N_FATS + szDir,
    clusters: nClst,
    mkfs: { fmt: (fat32 ? FatFs.FM_FAT32 : FatFs.FM_FAT) | FatFs.FM_SFD, au: au * SS, align: blk },
  };
}

function unambiguous(l: FatLayout): boolean {
  if (l.fatBits === 12) return l.clusters <= FAT12_MAX;
  if (l.fatBits === 16) return l.clusters >= FAT16_MIN && l.clusters <= FAT16_MAX;
  return l.clusters >= FAT32_MIN;
}

/**
 * The layout for a partition of `size` bytes: the FAT type mkfs.vfat would pick ('auto')
 * or the forced one, with mkfs.vfat's cluster size when FatFs can build that (else the
 * next larger cluster size that gives the same FAT type). Structures are aligned to the
 * cluster size like mkfs.fat does (except below 4 MiB). Null if no valid layout exists.
 */
export function vfatLayout(size: number, fatType: VfatSpec['fatType']): FatLayout | null {
  const sectors = Math.floor(size / SS);
  if (sectors < 128) return null;
  const forced = fatType === 'auto' ? 0 : fatType;
  const choice = mkfsFatChoice(sectors, forced);
  // A forced type mkfs.fat cannot lay out: still try FatFs from the usual start cluster.
  const want: FatBits = choice?.fatBits ?? (forced || (size >= 512 * MiB ? 32 : 16));
  const start = choice?.clusterSectors ?? (want === 32 ? 1 : 4);
  for (let au = start; au <= 128; au *= 2) {
    const l = fatfsLayout(sectors, want === 32, au, sectors > 8192 ? au : 1);
    if (l && l.fatBits === want && unambiguous(l)) return l;
  }
  return null;
}

const minimumSizes = new Map<16 | 32, number>();

/** The smallest size (whole MiB) at which a forced FAT16/FAT32 layout exists
 *  (measured: 9 MiB for FAT16, 33 MiB for FAT32 with 512-byte clusters). */
export function minimumFatSize(fatType: 16 | 32): number {
  let min = minimumSizes.get(fatType);
  if (min === undefined) {
    for (let mib = 1; min === undefined; mib++) if (vfatLayout(mib * MiB, fatType)) min = mib * MiB;
    minimumSizes.set(fatType, min);
  }
  return min;
}

/** FAT16 with 64 KiB clusters cannot address more than this. */
const FAT16_LIMIT = 4 * 1024 * MiB;
/** FatFs uses 32-bit sector numbers. */
const FAT_LIMIT = 2 * 1024 * 1024 * MiB - MiB;

// ---------------------------------------------------------------------------
// Labels, names and validation.
// ---------------------------------------------------------------------------

/** Characters mkfs.fat 4.2 refuses in a label (besides control characters). */
export const FAT_LABEL_FORBIDDEN = '*?.,;:/\\|+=<>[]"';

/** What a FAT label holds: BS_VolLab's 11 bytes of ASCII, none of FAT_LABEL_FORBIDDEN,
 *  no leading space (with the checks every label gets, src/labels.ts). */
export const FAT_LABEL: LabelRule = {
  name: 'FAT',
  maxBytes: 11,
  problem(label) {
    for (const ch of label) {
      if (ch.codePointAt(0)! > 0x7e) return `the FAT label "${label}" contains the non-ASCII character "${ch}"; FAT labels are ASCII`;
      if (FAT_LABEL_FORBIDDEN.includes(ch)) {
        return `the FAT label "${label}" contains "${ch}"; FAT labels cannot contain any of ${FAT_LABEL_FORBIDDEN} or control characters`;
      }
    }
    return label.startsWith(' ') ? `the FAT label "${label}" starts with a space` : null;
  },
};

/** The label as written to disk: the spec's label unchanged (case kept, as `mkfs.vfat -n`
 *  does), or the reason it cannot be stored (FAT_LABEL). */
export function normalizeVfatLabel(label: string): { ok: true; label: string } | { ok: false; reason: string } {
  const problem = labelProblem(FAT_LABEL, label);
  return problem === null ? { ok: true, label } : { ok: false, reason: problem };
}

const NAME_FORBIDDEN = '"*:<>?\\|';
const SFN_CHARS = /^[A-Za-z0-9!#$%&'()@^_`{}~-]+$/;

/** Why a file name cannot be stored on FAT (FatFs would reject or silently alter it), or null. */
function badFatName(name: string): string | null {
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c === 0x7f) return 'contains a control character';
    if (NAME_FORBIDDEN.includes(ch)) return `contains "${ch}"; FAT names cannot contain any of ${NAME_FORBIDDEN}`;
  }
  if (/[. ]$/.test(name)) return 'ends with a dot or a space, which FAT drops';
  if (name.length > 255) return 'is longer than 255 UTF-16 characters';
  return null;
}

/** Directory slots FatFs uses for a name: 1 short entry, plus long-name entries unless
 *  the name is a plain 8.3 name in one case per part (FatFs then sets the NT case bits). */
function dirSlots(name: string): number {
  const dot = name.lastIndexOf('.');
  const body = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot + 1) : '';
  const oneCase = (s: string): boolean => s === s.toUpperCase() || s === s.toLowerCase();
  const sfnOk =
    body.length >= 1 && body.length <= 8 && SFN_CHARS.test(body) && oneCase(body) &&
    (ext === '' || (ext.length <= 3 && SFN_CHARS.test(ext) && oneCase(ext))) && !(dot > 0 && ext === '');
  return sfnOk ? 1 : 1 + Math.ceil(name.length / 13);
}

/** FAT's case-insensitive key (character-wise, without expansions such as ß -> SS). */
function foldCase(name: string): string {
  let out = '';
  for (const ch of name) {
    const u = ch.toUpperCase();
    out += u.length === ch.length ? u : ch;
  }
  return out;
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function parentPath(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

interface Needs {
  /** Sizes of all regular files. */
  fileSizes: number[];
  /** Directory slots used in each subdirectory (without "." and ".."). */
  dirSlots: number[];
  rootSlots: number;
  files: number;
  dirs: number;
  bytes: number;
}

function entrySize(e: TreeEntry): number {
  return e.kind === 'file' ? e.size : e.kind === 'data' ? e.data.length : 0;
}

function analyse(tree: FileTree): Needs {
  const slots = new Map<string, number>();
  const needs: Needs = { fileSizes: [], dirSlots: [], rootSlots: 0, files: 0, dirs: 0, bytes: 0 };
  for (const [p, e] of fatEntries(tree)) {
    if (p === '/') continue;
    const parent = parentPath(p);
    slots.set(parent, (slots.get(parent) ?? 0) + dirSlots(baseName(p)));
    if (e.kind === 'dir') {
      needs.dirs++;
      if (!slots.has(p)) slots.set(p, 0);
    } else {
      needs.files++;
      needs.bytes += entrySize(e);
      needs.fileSizes.push(entrySize(e));
    }
  }
  for (const [p, n] of slots) {
    if (p === '/') needs.rootSlots = n;
    else needs.dirSlots.push(n);
  }
  return needs;
}

interface Fit {
  ok: boolean;
  clustersNeeded: number;
  /** Set when the root directory of FAT12/16 overflows (size cannot fix that). */
  rootOverflow?: number;
}

function fits(l: FatLayout, needs: Needs, hasLabel: boolean): Fit {
  const cb = l.clusterSectors * SS;
  let clusters = 0;
  for (const s of needs.fileSizes) clusters += Math.ceil(s / cb);
  for (const n of needs.dirSlots) clusters += Math.ceil(((2 + n) * DIRENT) / cb);
  const rootSlots = needs.rootSlots + (hasLabel ? 1 : 0);
  if (l.fatBits === 32) clusters += Math.max(1, Math.ceil((rootSlots * DIRENT) / cb));
  else if (rootSlots > ROOT_ENTRIES) return { ok: false, clustersNeeded: clusters, rootOverflow: rootSlots };
  return { ok: clusters <= l.clusters, clustersNeeded: clusters };
}

function describe(spec: VfatSpec): string {
  return spec.label ? `FAT filesystem "${spec.label}"` : 'FAT filesystem';
}

function rootOverflowError(spec: VfatSpec, slots: number): Error {
  return usageError(
    `${describe(spec)}: the root directory needs ${slots} directory entries (long names take several), ` +
      `but a FAT12/FAT16 root directory holds ${ROOT_ENTRIES}; use "fatType": 32 or move files into subdirectories`,
  );
}

/** Smallest partition size (whole MiB) whose layout holds `needs` (a usage error if none). */
function smallestFit(spec: VfatSpec, needs: Needs): number {
  const hasLabel = !!spec.label;
  let size = spec.fatType === 'auto' ? MiB : minimumFatSize(spec.fatType);
  // Start near the content size; the loop below only grows.
  size = Math.max(size, alignUp(needs.bytes, MiB));
  const limit = spec.fatType === 16 ? FAT16_LIMIT : FAT_LIMIT;
  while (size <= limit) {
    const l = vfatLayout(size, spec.fatType);
    if (!l) {
      size += MiB;
      continue;
    }
    const f = fits(l, needs, hasLabel);
    if (f.rootOverflow !== undefined) throw rootOverflowError(spec, f.rootOverflow);
    if (f.ok) return size;
    const deficit = (f.clustersNeeded - l.clusters) * l.clusterSectors * SS;
    size += alignUp(Math.max(deficit, 1), MiB);
  }
  throw usageError(
    `${describe(spec)}: the contents (${formatSize(needs.bytes)}) do not fit in any ` +
      `${spec.fatType === 'auto' ? 'FAT' : `FAT${spec.fatType}`} filesystem`,
  );
}

// ---------------------------------------------------------------------------
// The pinned clock.
// ---------------------------------------------------------------------------

/** Seconds since the epoch -> the instant used for every FAT timestamp (see module doc). */
export function fatTimestamp(epoch: number): number {
  return Math.min(Math.max(Math.floor(epoch), FAT_EPOCH_MIN), FAT_EPOCH_MAX);
}

/** Runs `fn` (synchronous FatFs calls) with Date pinned to `epoch` and local time = UTC. */
function pinnedClock<T>(epoch: number, fn: () => T): T {
  const RealDate = globalThis.Date;
  const ms = epoch * 1000;
  class PinnedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(ms);
      else super(...(args as [number]));
    }
    static override now(): number {
      return ms;
    }
    override getSeconds(): number { return this.getUTCSeconds(); }
    override getMinutes(): number { return this.getUTCMinutes(); }
    override getHours(): number { return this.getUTCHours(); }
    override getDate(): number { return this.getUTCDate(); }
    override getDay(): number { return this.getUTCDay(); }
    override getMonth(): number { return this.getUTCMonth(); }
    override getFullYear(): number { return this.getUTCFullYear(); }
    override getTimezoneOffset(): number { return 0; }
  }
  globalThis.Date = PinnedDate as DateConstructor;
  try {
    return fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

/** The FAT date/time words for an epoch (UTC fields). */
function fatDateTime(epoch: number): { date: number; time: number } {
  const d = new Date(epoch * 1000);
  return {
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
  };
}

// ---------------------------------------------------------------------------
// The block device: the partition's byte range of the image file.
// ---------------------------------------------------------------------------

const ZERO_SECTOR = new Uint8Array(SS);
const MARK_CHUNK_BITS = 19; // 2^19 sectors (256 MiB) per bitmap chunk

class ImageDevice implements FatFs.DiskIO {
  /** Sectors that hold non-zero data in the file (lazily allocated bitmap chunks). */
  private readonly marks = new Map<number, Uint8Array>();
  error: unknown;
  bytesWritten = 0;

  constructor(
    private readonly fd: number,
    private readonly base: number,
    readonly sectors: number,
  ) {}

  private marked(s: number): boolean {
    const chunk = this.marks.get(s >>> MARK_CHUNK_BITS);
    if (!chunk) return false;
    const i = s & ((1 << MARK_CHUNK_BITS) - 1);
    return (chunk[i >>> 3]! & (1 << (i & 7))) !== 0;
  }

  private setMark(s: number, on: boolean): void {
    let chunk = this.marks.get(s >>> MARK_CHUNK_BITS);
    if (!chunk) {
      if (!on) return;
      chunk = new Uint8Array(1 << (MARK_CHUNK_BITS - 3));
      this.marks.set(s >>> MARK_CHUNK_BITS, chunk);
    }
    const i = s & ((1 << MARK_CHUNK_BITS) - 1);
    if (on) chunk[i >>> 3]! |= 1 << (i & 7);
    else chunk[i >>> 3]! &= ~(1 << (i & 7));
  }

  initialize(): number {
    return 0;
  }

  status(): number {
    return 0;
  }

  /** Reads sectors from the image (bypassing FatFs), for patching. */
  readSectors(sector: number, count: number): Buffer {
    const out = Buffer.alloc(count * SS);
    for (let i = 0; i < count; i++) {
      if (this.marked(sector + i)) readFully(this.fd, out.subarray(i * SS, (i + 1) * SS), this.base + (sector + i) * SS);
    }
    return out;
  }

  /** Writes sectors to the image (bypassing FatFs), for patching. */
  writeSectors(sector: number, data: Uint8Array): void {
    this.store(data, sector, data.length / SS);
  }

  read(ff: FatFs.FatFs, _pdrv: number, buff: number, sector: number, count: number): number {
    try {
      if (sector + count > this.sectors) return FatFs.RES_PARERR;
      const heap = ff.HEAPU8;
      let i = 0;
      while (i < count) {
        const m = this.marked(sector + i);
        let j = i + 1;
        while (j < count && this.marked(sector + j) === m) j++;
        const dst = heap.subarray(buff + i * SS, buff + j * SS);
        if (m) readFully(this.fd, dst, this.base + (sector + i) * SS);
        else dst.fill(0);
        i = j;
      }
      return FatFs.RES_OK;
    } catch (err) {
      this.error ??= err;
      return FatFs.RES_ERROR;
    }
  }

  write(ff: FatFs.FatFs, _pdrv: number, buff: number, sector: number, count: number): number {
    try {
      if (sector + count > this.sectors) return FatFs.RES_PARERR;
      this.store(ff.HEAPU8.subarray(buff, buff + count * SS), sector, count);
      return FatFs.RES_OK;
    } catch (err) {
      this.error ??= err;
      return FatFs.RES_ERROR;
    }
  }

  private store(src: Uint8Array, sector: number, count: number): void {
    // Runs of sectors that must reach the file: non-zero ones, and zero ones over old data.
    let i = 0;
    while (i < count) {
      const zero = Buffer.compare(src.subarray(i * SS, (i + 1) * SS), ZERO_SECTOR) === 0;
      if (zero && !this.marked(sector + i)) {
        i++;
        continue;
      }
      let j = i;
      while (j < count) {
        const z = Buffer.compare(src.subarray(j * SS, (j + 1) * SS), ZERO_SECTOR) === 0;
        if (z && !this.marked(sector + j)) break;
        this.setMark(sector + j, !z);
        j++;
      }
      writeFully(this.fd, src.subarray(i * SS, j * SS), this.base + (sector + i) * SS);
      this.bytesWritten += (j - i) * SS;
      i = j;
    }
  }

  ioctl(ff: FatFs.FatFs, _pdrv: number, cmd: number, buff: number): number {
    switch (cmd) {
      case FatFs.CTRL_SYNC:
        return FatFs.RES_OK;
      case FatFs.GET_SECTOR_COUNT:
        ff.setValue(buff, this.sectors, 'i32');
        return FatFs.RES_OK;
      case FatFs.GET_SECTOR_SIZE:
        ff.setValue(buff, SS, 'i16');
        return FatFs.RES_OK;
      case FatFs.GET_BLOCK_SIZE:
        ff.setValue(buff, 1, 'i32');
        return FatFs.RES_OK;
      default:
        return FatFs.RES_PARERR;
    }
  }
}

function readFully(fd: number, dst: Uint8Array, pos: number): void {
  let done = 0;
  while (done < dst.length) {
    const n = readSync(fd, dst, done, dst.length - done, pos + done);
    if (n === 0) {
      dst.fill(0, done);
      return;
    }
    done += n;
  }
}

function writeFully(fd: number, src: Uint8Array, pos: number): void {
  let done = 0;
  while (done < src.length) done += writeSync(fd, src, done, src.length - done, pos + done);
}

// ---------------------------------------------------------------------------
// FatFs helpers.
// ---------------------------------------------------------------------------

const FR_NAMES: Record<number, string> = {
  1: 'FR_DISK_ERR', 2: 'FR_INT_ERR', 3: 'FR_NOT_READY', 4: 'FR_NO_FILE', 5: 'FR_NO_PATH', 6: 'FR_INVALID_NAME',
  7: 'FR_DENIED (directory or volume full)', 8: 'FR_EXIST', 9: 'FR_INVALID_OBJECT', 10: 'FR_WRITE_PROTECTED',
  11: 'FR_INVALID_DRIVE', 12: 'FR_NOT_ENABLED', 13: 'FR_NO_FILESYSTEM', 14: 'FR_MKFS_ABORTED', 15: 'FR_TIMEOUT',
  16: 'FR_LOCKED', 17: 'FR_NOT_ENOUGH_CORE', 18: 'FR_TOO_MANY_OPEN_FILES', 19: 'FR_INVALID_PARAMETER',
};

// ---------------------------------------------------------------------------
// The driver.
// ---------------------------------------------------------------------------


function validateSpec(spec: VfatSpec, where: string): void {
  if (spec.label !== undefined && spec.label !== '') {
    const r = normalizeVfatLabel(spec.label);
    if (!r.ok) throw usageError(`${where}: invalid FAT volume label: ${r.reason}`);
  }
  if (spec.volumeId !== undefined && (!Number.isInteger(spec.volumeId) || spec.volumeId < 0 || spec.volumeId > 0xffffffff)) {
    throw usageError(`${where}: volumeId must be a 32-bit number, got ${spec.volumeId}`);
  }
  if (spec.fatType !== 'auto' && spec.fatType !== 16 && spec.fatType !== 32) {
    throw usageError(`${where}: fatType must be "auto", 16 or 32, got ${JSON.stringify(spec.fatType)}`);
  }
}

/** A FAT directory is at most 2 MiB: 65536 entries, "." and ".." included. */
const MAX_DIR_SLOTS = 65536;

/** Why one tree entry cannot be stored on FAT, or null. */
function badEntry(p: string, e: TreeEntry): string | null {
  if (e.kind === 'symlink') return `${p} is a symbolic link (to ${e.target}); FAT filesystems cannot hold symbolic links`;
  const bad = badFatName(baseName(p));
  if (bad) return `the name of ${p} ${bad}`;
  if (e.kind === 'file' && e.size > 0xffffffff) return `${p} is ${formatSize(e.size)}; a file on FAT must be smaller than 4 GiB`;
  return null;
}

function validateTree(tree: FileTree, where: string): void {
  const seen = new Map<string, string>();
  const slots = new Map<string, number>();
  for (const [p, e] of fatEntries(tree)) {
    if (p === '/') continue;
    const dir = parentPath(p);
    const used = (slots.get(dir) ?? 2) + dirSlots(baseName(p));
    if (used > MAX_DIR_SLOTS) {
      throw usageError(`${where}: directory ${dir} has too many entries for FAT (at most ${MAX_DIR_SLOTS} directory slots; long names take several)`);
    }
    slots.set(dir, used);
    const bad = badEntry(p, e);
    if (bad) throw usageError(`${where}: ${bad}`);
    const key = `${dir}\0${foldCase(baseName(p))}`;
    const other = seen.get(key);
    if (other !== undefined) {
      throw usageError(`${where}: ${other} and ${p} differ only in letter case; FAT file names are case-insensitive`);
    }
    seen.set(key, p);
  }
}

export interface VfatSpec {
  type: 'vfat';
  label?: string;
  /** 32-bit volume serial number; default: derived from the partition offset and label. */
  volumeId?: number;
  fatType: 'auto' | 16 | 32;
  /** The partition's type says FAT32 (DOS 0x0b/0x0c, an EFI system partition): "auto" then
   *  gives FAT32 when the partition can hold one (at least minimumFatSize(32)). */
  fat32Partition?: boolean;
}

/** Adds this filesystem's spec to the image spec (spec-types.ts sits below the drivers). */
type ThisSpec = VfatSpec;
declare module '../spec-types.ts' {
  interface FilesystemSpecs {
    vfat: ThisSpec;
  }
  interface ProbedFilesystems {
    vfat: true;
  }
}

/** The volume id when the spec gives none: derived from the partition offset and label, like
 *  ext4's and swap's default UUIDs, so every image gets its own and builds stay reproducible. */
export function defaultVfatVolumeId(offset: number, label = ''): number {
  return createHash('sha256').update(`imgsmith vfat ${offset} ${label}`).digest().readUInt32BE(0);
}

/** The FAT type to lay out a partition of `size` bytes with (see VfatSpec.fat32Partition). */
export function effectiveFatType(spec: VfatSpec, size: number): VfatSpec['fatType'] {
  return spec.fatType === 'auto' && spec.fat32Partition && size >= minimumFatSize(32) ? 32 : spec.fatType;
}

const DOS_FAT32_TYPES = [0x0b, 0x0c];
const DOS_ESP = 0xef;

/** What the partition's type asks of the FAT: 'required' (the alias "fat32"/"fat32-lba"
 *  names FAT32), 'preferred' (DOS 0x0b/0x0c, an ESP), or nothing. */
function fat32Request(partition: PartitionOf | undefined): 'required' | 'preferred' | undefined {
  if (!partition) return undefined;
  const t = partition.type.trim().toLowerCase();
  if (partition.table === 'dos') {
    if (t === 'fat32' || t === 'fat32-lba') return 'required';
    const id = parseDosType(t);
    return typeof id === 'number' && (DOS_FAT32_TYPES.includes(id) || id === DOS_ESP) ? 'preferred' : undefined;
  }
  const g = parseGptType(partition.type);
  return typeof g !== 'string' && g.guid === GPT_ALIASES.esp ? 'preferred' : undefined;
}

function parseFatType(o: Obj, where: string, partition: PartitionOf | undefined): Pick<VfatSpec, 'fatType' | 'fat32Partition'> {
  const fatType = o.fatType === undefined ? 'auto' : oneOf(o.fatType, `${where}.fatType`, ['auto', 16, 32] as const);
  const request = fat32Request(partition);
  if (request === 'required') {
    if (fatType === 16) throw usageError(`${where}.fatType: 16 does not go in a partition of type "${partition!.type}" (FAT32); use "fatType": 32 or a FAT16 type (0x06, 0x0e)`);
    return { fatType: 32 };
  }
  return request === 'preferred' && fatType === 'auto' ? { fatType, fat32Partition: true } : { fatType };
}

/** What `imgsmith verify` makes of `fsck.fat -n` (it exits 0 even after listing some problems). */
function fsckFatVerdict(r: { ok: boolean; out: string }): { ok: boolean; summary?: string; problems?: string } {
  const lines = r.out.split('\n').filter((l) => l.trim() && !/^fsck\.fat \d|^Checking we can access|^\S+: \d+ files, \d+\/\d+ clusters/.test(l));
  const summary = r.out.split('\n').find((l) => /files, .*clusters/.test(l))?.replace(/^\S+: /, '').trim();
  return { ok: r.ok && lines.length === 0, ...(summary ? { summary } : {}), problems: lines.join('\n') };
}

// ---------------------------------------------------------------------------
// Writing: the steps of vfatDriver.write.
// ---------------------------------------------------------------------------

/** Everything write() decided before touching the image. */
interface WritePlan {
  what: string;
  label: string;
  volumeId: number;
  needs: Needs;
  layout: FatLayout;
  fit: Fit;
  epoch: number;
}

function noLayoutError(what: string, fatType: VfatSpec['fatType'], size: number): Error {
  if (fatType === 32 || fatType === 16) {
    const min = minimumFatSize(fatType);
    if (size < min) return usageError(`${what}: ${formatSize(size)} is too small for FAT${fatType}; the minimum is ${formatSize(min)}`);
    return usageError(`${what}: ${formatSize(size)} is too large for FAT${fatType}`);
  }
  return usageError(`${what}: cannot make a FAT filesystem of ${formatSize(size)}`);
}

/** Step 1: checks the spec, the tree and the partition; picks the layout. */
function planWrite(spec: VfatSpec, tree: FileTree, target: FsTarget, ctx: FsContext): WritePlan {
  const what = describe(spec);
  validateSpec(spec, what);
  validateTree(tree, what);
  const label = spec.label ?? '';
  if (label !== label.toUpperCase()) {
    // mkfs.fat keeps lowercase labels too, with this warning; blkid and udev report them as given.
    ctx.progress.event('warning', { message: `warning: ${ctx.partition ? `${ctx.partition}.filesystem.label` : what}: lowercase labels might not work properly on some systems (kept as given)` });
  }
  const needs = analyse(tree);
  if (target.offset % SS !== 0) throw buildError(`${what}: partition offset ${target.offset} is not a multiple of ${SS}`);
  const fatType = effectiveFatType(spec, target.size);
  const layout = vfatLayout(target.size, fatType);
  if (!layout) throw noLayoutError(what, fatType, target.size);
  const fit = fits(layout, needs, !!label);
  if (fit.rootOverflow !== undefined) throw rootOverflowError(spec, fit.rootOverflow);
  if (!fit.ok) {
    const min = smallestFit(spec, needs);
    const hint = min > target.size ? `it needs at least ${formatSize(min)}` : `${formatSize(min)} would do (smaller clusters)`;
    throw usageError(
      `${what}: the partition size ${formatSize(target.size)} is too small for its contents ` +
        `(${formatSize(needs.bytes)} in ${needs.files} files, ${needs.dirs} directories); ${hint}`,
    );
  }
  const volumeId = spec.volumeId ?? defaultVfatVolumeId(target.offset, label);
  return { what, label, volumeId, needs, layout, fit, epoch: fatTimestamp(ctx.epoch) };
}

/** FatFs bound to the partition, and the check of its result codes. */
interface Volume {
  ff: FatFs.FatFs;
  dev: ImageDevice;
  check(r: number, op: string): void;
}

async function openVolume(fd: number, target: FsTarget, plan: WritePlan): Promise<Volume> {
  const st = fstatSync(fd);
  if (st.size < target.offset + target.size) {
    throw buildError(`${plan.what}: the image ${target.imagePath} (${st.size} bytes) ends before the partition end (${target.offset + target.size})`);
  }
  const dev = new ImageDevice(fd, target.offset, plan.layout.sectors);
  const ff = await FatFs.create({ diskio: dev, codepage: 437 });
  const check = (r: number, op: string): void => {
    if (r === FatFs.FR_OK) return;
    if (dev.error) throw buildError(`${plan.what}: writing ${target.imagePath} failed during ${op}: ${(dev.error as Error).message}`, dev.error);
    throw buildError(`${plan.what}: FatFs ${op} failed: ${FR_NAMES[r] ?? r}`);
  };
  return { ff, dev, check };
}

/** Step 2: formats the volume with f_mkfs. */
function format({ ff, check }: Volume, { layout, epoch }: WritePlan): void {
  const WORK = 64 * 1024;
  const work = ff.malloc(WORK);
  check(
    pinnedClock(epoch, () => ff.f_mkfs('', { fmt: layout.mkfs.fmt, n_fat: N_FATS, align: layout.mkfs.align, n_root: ROOT_ENTRIES, au_size: layout.mkfs.au }, work, WORK)),
    'f_mkfs',
  );
  ff.free(work);
}

/** Step 3: checks FatFs's boot sector against the model, and sets the volume id, label and
 *  type string through the boot sector codec (FAT32: the backup boot sector too). */
function patchBootSector({ dev }: Volume, { what, layout, label, volumeId }: WritePlan): void {
  const bs = dev.readSectors(0, 1);
  const d = decodeFatBootSector(bs);
  if (typeof d === 'string') throw buildError(`${what}: internal error: ${d}`);
  const got = { clusterSectors: d.sectorsPerCluster, reservedSectors: d.reservedSectors, fatSectors: d.fatSectors, rootDirSectors: (d.rootEntries * DIRENT) / SS };
  for (const k of Object.keys(got) as (keyof typeof got)[]) {
    if (got[k] !== layout[k]) {
      throw buildError(`${what}: internal error: FatFs made ${k}=${got[k]}, expected ${layout[k]} (FAT${layout.fatBits}, ${layout.sectors} sectors)`);
    }
  }
  // FatFs writes "FAT     " for FAT12/16 and the clock's serial: both replaced.
  encodeFatVolumeFields(bs, { volumeId, label, fsType: `FAT${layout.fatBits}` });
  dev.writeSectors(0, bs);
  if (layout.fatBits === 32) dev.writeSectors(d.backupBootSector || 6, bs);
}

/** Step 4: the label's root directory entry (attribute 0x08), as mkfs.fat writes it. */
function writeLabelEntry({ dev }: Volume, { layout, label, epoch }: WritePlan): void {
  if (!label) return;
  const at = layout.dataStart - layout.rootDirSectors;
  const root = dev.readSectors(at, 1);
  const ent = Buffer.alloc(DIRENT);
  ent.write(label.padEnd(11, ' '), 0, 11, 'latin1');
  ent[11] = 0x08; // ATTR_VOLUME_ID
  const { date, time } = fatDateTime(epoch);
  ent.writeUInt16LE(time, 14); // creation time/date, like mkfs.fat
  ent.writeUInt16LE(date, 16);
  ent.writeUInt16LE(date, 18); // last access date
  ent.writeUInt16LE(time, 22);
  ent.writeUInt16LE(date, 24);
  ent.copy(root, 0);
  dev.writeSectors(at, root);
}

/** Step 5: mounts the volume and copies the tree in sorted path order. */
async function fill(vol: Volume, plan: WritePlan, tree: FileTree, ctx: FsContext): Promise<void> {
  const { ff, check } = vol;
  const { epoch, needs, what } = plan;
  const fatfs = ff.malloc(FatFs.sizeof_FATFS);
  check(pinnedClock(epoch, () => ff.f_mount(fatfs, '', 1)), 'f_mount');
  const fil = ff.malloc(FatFs.sizeof_FIL);
  const bw = ff.malloc(4);
  const buf = ff.malloc(CHUNK);
  const phase = ctx.progress.phase('vfat-copy', needs.bytes, 'bytes', { label: `vfat ${plan.label || 'FAT'}: copy` });
  let done = 0;
  const writeChunk = (data: Uint8Array, p: string): void => {
    ff.HEAPU8.set(data, buf);
    check(pinnedClock(epoch, () => ff.f_write(fil, buf, data.length, bw)), `f_write ${p}`);
    if (ff.getValue(bw, 'i32') !== data.length) throw doesNotFit(`${what}: the filesystem is full while writing ${p}`);
    done += data.length;
    phase.update(done, needs.bytes);
  };
  for (const [p, e] of fatEntries(tree)) {
    if (p === '/' || e.kind === 'symlink') continue; // symlinks: rejected by validateTree
    if (e.kind === 'dir') {
      check(pinnedClock(epoch, () => ff.f_mkdir(p)), `f_mkdir ${p}`);
      continue;
    }
    check(pinnedClock(epoch, () => ff.f_open(fil, p, FatFs.FA_WRITE | FatFs.FA_CREATE_NEW)), `f_open ${p}`);
    if (e.kind === 'data') {
      for (let off = 0; off < e.data.length; off += CHUNK) writeChunk(e.data.subarray(off, off + CHUNK), p);
    } else {
      await copyHostFile(e.source, e.size, (chunk) => writeChunk(chunk, p), `${what}: ${e.source} (for ${p})`);
    }
    check(pinnedClock(epoch, () => ff.f_close(fil)), `f_close ${p}`);
  }
  check(pinnedClock(epoch, () => ff.f_unmount('')), 'f_unmount');
  phase.end({ files: needs.files, dirs: needs.dirs });
  for (const ptr of [buf, bw, fil, fatfs]) ff.free(ptr);
}

/** Streams `size` bytes of a host file to `write` in CHUNK pieces. */
async function copyHostFile(source: string, size: number, write: (chunk: Uint8Array) => void, what: string): Promise<void> {
  const fh = await fsp.open(hostPath(source), 'r').catch((err: NodeJS.ErrnoException) => {
    throw inputError(`${what}: cannot read it: ${err.message}`, err);
  });
  try {
    const host = Buffer.alloc(Math.min(CHUNK, Math.max(size, 1)));
    let off = 0;
    while (off < size) {
      const { bytesRead } = await fh.read(host, 0, Math.min(host.length, size - off), off);
      if (bytesRead === 0) throw inputError(`${what}: it shrank while being copied: expected ${size} bytes, got ${off}`);
      write(host.subarray(0, bytesRead));
      off += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

/** Step 6: what the manifest records. */
function reportOf({ label, volumeId, layout, fit, needs }: WritePlan): FsReport {
  return {
    type: 'vfat',
    ...(label ? { label } : {}),
    uuid: fatVolumeIdString(volumeId),
    stats: {
      fatType: layout.fatBits,
      clusterSize: layout.clusterSectors * SS,
      clusters: layout.clusters,
      clustersUsed: fit.clustersNeeded,
      files: needs.files,
      dirs: needs.dirs,
      bytes: needs.bytes,
    },
  };
}

export const vfatDriver: MeasuringDriver<VfatSpec> = {
  type: 'vfat',
  inProcess: true,
  capabilities: { root: false, files: true, symlinks: false, writable: true, growsAtFirstBoot: false, firmwareReadable: true },
  probe: { span: 512, matches: looksLikeFat, weak: true },
  reader: async () => (await import('../inspect/readers/vfat.ts')).open,
  check: { tool: 'fsck.fat', title: 'fsck.fat -n', input: 'copy', args: (file) => ['-n', file], verdict: fsckFatVerdict },
  label: FAT_LABEL,
  spec: {
    properties: {
      label: schemaOf.label('at most 11 bytes of ASCII, no *?.,;:/\\|+=<>[]" or control characters'),
      volumeId: { ...schemaOf.id32, description: 'the volume serial number (default: derived from the partition offset and label)' },
      fatType: {
        enum: ['auto', 16, 32],
        description: 'default "auto": what mkfs.vfat picks for the size, but FAT32 when the partition type says so (0x0b, 0x0c, an ESP) and the partition holds one; the partition type "fat32" means 32',
      },
    },
    parse(o, where, partition) {
      return {
        type: 'vfat',
        label: label(o.label, `${where}.label`, FAT_LABEL),
        ...(o.volumeId === undefined ? {} : { volumeId: u32(o.volumeId, `${where}.volumeId`) }),
        ...parseFatType(o, where, partition),
      };
    },
  },
  tools: () => [],
  minimumReason(spec, min) {
    if (spec.fatType === 'auto' || min !== minimumFatSize(spec.fatType)) return undefined;
    const l = vfatLayout(min, spec.fatType);
    const clusters = spec.fatType === 32 ? 65525 : 4085;
    const clusterSize = l ? l.clusterSectors * 512 : 512;
    return `FAT${spec.fatType} needs at least ${clusters} clusters, i.e. at least ${formatSize(min)} with ${clusterSize}-byte clusters; make the partition larger, or let the size pick the FAT type ("fatType": "auto" and a partition type other than "fat32", e.g. 0x0b)`;
  },

  validate(spec, tree, where) {
    validateSpec(spec, where);
    validateTree(tree, where);
  },

  async minimumSize(spec, tree) {
    return smallestFit(spec, analyse(tree));
  },

  async write(spec, tree, target, ctx) {
    const plan = planWrite(spec, tree, target, ctx);
    const fd = openSync(target.imagePath, 'r+');
    try {
      const vol = await openVolume(fd, target, plan);
      format(vol, plan);
      patchBootSector(vol, plan);
      writeLabelEntry(vol, plan);
      await fill(vol, plan, tree, ctx);
      return reportOf(plan);
    } finally {
      closeSync(fd);
    }
  },
};
