/**
 * FAT12/16/32 reader (read-only, our own parser): boot sector, the first FAT, directory
 * entries with VFAT long names, cluster chains. Reads the image in place at the
 * partition's offset. Names match case-insensitively (as FAT does); times are FAT local
 * times read as UTC (2 s resolution). FAT has no owners or permissions: entries are
 * 0:0, directories 0755, files 0644 (0444 when read-only), as Linux's vfat shows them.
 */
import { promises as fsp } from 'node:fs';
import fs from 'node:fs';
import { inputError, usageError } from '../../errors.ts';
import { readAt } from '../image.ts';
import { decodeFatBootSector, FAT_NO_LABEL, fatVolumeIdString } from '../../codec/fat-boot-sector.ts';
import { badName } from '../names.ts';
import type { FsEntry, FsInfo, FsReader } from '../types.ts';
import type { ReaderOpener } from '../../fs/types.ts';
import type { Range } from '../../sparse.ts';
import { fromUtf8, show } from '../../content/tree.ts';

interface Bpb {
  bps: number;
  spc: number;
  reserved: number;
  nfats: number;
  rootEntries: number;
  totalSectors: number;
  fatSectors: number;
  rootCluster: number;
  fatBits: 12 | 16 | 32;
  clusters: number;
  firstDataSector: number;
  rootDirSector: number;
  rootDirSectors: number;
  volumeId: number;
  bpbLabel: string;
  oem: string;
  media: number;
  hidden: number;
}

interface RawEntry extends FsEntry {
  cluster: number;
  attr: number;
  shortName: string;
}

const bad = (display: string, what: string) => inputError(`${display}: not a valid FAT filesystem: ${what}`);

/** The boot sector's geometry, every field checked against the spec and the partition (`partSize` bytes). */
function parseBpb(b: Buffer, display: string, partSize: number): Bpb {
  const bs = decodeFatBootSector(b);
  if (typeof bs === 'string') throw bad(display, bs);
  const { bytesPerSector: bps, sectorsPerCluster: spc, reservedSectors: reserved, fats: nfats, rootEntries, totalSectors, fatSectors16: fat16, fatSectors } = bs;
  if (![512, 1024, 2048, 4096].includes(bps)) throw bad(display, `bytes per sector ${bps} (512, 1024, 2048 or 4096)`);
  if (spc === 0 || (spc & (spc - 1)) !== 0) throw bad(display, `sectors per cluster ${spc} (a power of 2, 1 to 128)`);
  if (reserved === 0) throw bad(display, 'reserved sectors 0');
  if (nfats === 0) throw bad(display, 'number of FATs 0');
  if (fatSectors === 0) throw bad(display, 'FAT size 0');
  if (totalSectors === 0) throw bad(display, 'total sectors 0');
  const partSectors = Math.floor(partSize / bps);
  const fatEnd = reserved + nfats * fatSectors;
  if (fatEnd > partSectors) throw bad(display, `the FATs (sectors ${reserved}-${fatEnd - 1}) end past the end of the partition (${partSectors} sectors)`);
  if (totalSectors > partSectors) throw bad(display, `its ${totalSectors} sectors go past the end of its partition (${partSectors} sectors)`);
  const rootDirSectors = Math.ceil((rootEntries * 32) / bps);
  const firstDataSector = fatEnd + rootDirSectors;
  if (firstDataSector >= totalSectors) throw bad(display, `no data region (it would start at sector ${firstDataSector} of ${totalSectors})`);
  const clusters = Math.floor((totalSectors - firstDataSector) / spc);
  // As Linux reads it: FAT32 when the 16-bit FAT size is 0, else FAT12/16 by the cluster count.
  const fatBits = fat16 === 0 ? 32 : clusters < 4085 ? 12 : 16;
  if (clusters < 1 || clusters > (fatBits === 32 ? 0x0ffffff5 : fatBits === 16 ? 0xfff5 : 0xff5)) throw bad(display, `${clusters} clusters for FAT${fatBits}`);
  if (Math.ceil(((clusters + 2) * fatBits) / 8) > fatSectors * bps) throw bad(display, `a FAT of ${fatSectors} sectors cannot hold ${clusters} clusters`);
  if (fatBits === 32 && rootEntries !== 0) throw bad(display, `FAT32 with ${rootEntries} fixed root entries`);
  const { rootCluster } = bs;
  if (fatBits === 32 && (rootCluster < 2 || rootCluster > clusters + 1)) throw bad(display, `root directory cluster ${rootCluster} is out of range (2-${clusters + 1})`);
  return {
    bps, spc, reserved, nfats, rootEntries, totalSectors, fatSectors, rootCluster,
    fatBits, clusters, firstDataSector,
    rootDirSector: fatEnd,
    rootDirSectors,
    volumeId: bs.volumeId ?? 0,
    bpbLabel: bs.label ?? '',
    oem: bs.oem,
    media: bs.media,
    hidden: bs.hiddenSectors,
  };
}

/** FAT date/time (local time, read as UTC) to epoch seconds. */
function fatTime(date: number, time: number): number {
  if (date === 0) return 0;
  const y = 1980 + (date >> 9);
  const mo = ((date >> 5) & 15) - 1;
  const d = date & 31;
  return Date.UTC(y, mo, d, time >> 11, (time >> 5) & 63, (time & 31) * 2) / 1000;
}

function shortName(e: Buffer): string {
  const lowerBase = (e[12]! & 0x08) !== 0;
  const lowerExt = (e[12]! & 0x10) !== 0;
  const raw = Buffer.from(e.subarray(0, 11));
  if (raw[0] === 0x05) raw[0] = 0xe5;
  let base = raw.toString('latin1', 0, 8).replace(/ +$/, '');
  let ext = raw.toString('latin1', 8, 11).replace(/ +$/, '');
  if (lowerBase) base = base.toLowerCase();
  if (lowerExt) ext = ext.toLowerCase();
  return ext ? `${base}.${ext}` : base;
}

function lfnChecksum(e: Buffer): number {
  let s = 0;
  for (let i = 0; i < 11; i++) s = (((s & 1) << 7) + (s >> 1) + e[i]!) & 0xff;
  return s;
}

/** FAT's own limit: a directory holds at most 65536 entries of 32 bytes. */
const MAX_DIR_BYTES = 65536 * 32;
/** Deepest directory walked or looked up (the walk is iterative; a deeper tree is an error). */
export const MAX_DEPTH = 4096;

/** Opens the FAT reader (the vfat driver's `reader`). */
export const open: ReaderOpener = (t) => VfatReader.open(t.file, t.offset, t.size, t.display);

export class VfatReader implements FsReader {
  readonly type = 'vfat' as const;
  private fh!: fsp.FileHandle;
  private bpb!: Bpb;
  private fat!: Buffer;
  private volumeLabel: string | undefined;

  private constructor(private readonly file: string, private readonly offset: number, private readonly display: string) {}

  static async open(file: string, offset: number, size: number, display: string): Promise<VfatReader> {
    const r = new VfatReader(file, offset, display);
    r.fh = await fsp.open(file, 'r');
    try {
      const bpb = (r.bpb = parseBpb(await readAt(r.fh, offset, 512), display, size));
      // Only the entries of the clusters there are (bounded by the partition: parseBpb checked it).
      r.fat = await readAt(r.fh, offset + bpb.reserved * bpb.bps, Math.ceil(((bpb.clusters + 2) * bpb.fatBits) / 8) + 1);
      if ((r.next(0) & 0xff) !== bpb.media) {
        throw bad(display, `FAT entry 0 (0x${r.next(0).toString(16)}) does not match the media byte 0x${bpb.media.toString(16)}`);
      }
    } catch (e) {
      await r.fh.close();
      throw e;
    }
    return r;
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }

  private next(cluster: number): number {
    const { fatBits } = this.bpb;
    if (fatBits === 32) return this.fat.readUInt32LE(cluster * 4) & 0x0fffffff;
    if (fatBits === 16) return this.fat.readUInt16LE(cluster * 2);
    const v = this.fat.readUInt16LE(Math.floor(cluster * 1.5));
    return cluster & 1 ? v >> 4 : v & 0xfff;
  }

  /**
   * The clusters of the chain starting at `first` (of `what`, for messages), up to its end mark.
   * A chain reaching a free, reserved, bad or out-of-range cluster, or a cluster it already
   * went through (a loop), or longer than `maxBytes`, is an error naming it.
   */
  private chain(first: number, what: string, maxBytes = Infinity): number[] {
    const { fatBits, clusters } = this.bpb;
    const eoc = fatBits === 32 ? 0x0ffffff8 : fatBits === 16 ? 0xfff8 : 0xff8;
    const badMark = eoc - 1;
    const cs = this.bpb.spc * this.bpb.bps;
    const out: number[] = [];
    const seen = new Set<number>();
    const fail = (why: string) => inputError(`${this.display}: ${what}: its cluster chain ${why}`);
    for (let c = first; c < eoc; c = this.next(c)) {
      if (c === 0) throw fail(out.length ? `reaches a free cluster after cluster ${out[out.length - 1]}` : 'starts at cluster 0');
      if (c === 1) throw fail('reaches cluster 1 (reserved)');
      if (c === badMark) throw fail(`reaches a bad cluster (0x${c.toString(16)})`);
      if (c > clusters + 1) throw fail(`reaches cluster ${c}, past the last cluster (${clusters + 1})`);
      if (seen.has(c)) throw fail(`loops (cluster ${c} comes twice)`);
      seen.add(c);
      out.push(c);
      if (out.length * cs > maxBytes) throw inputError(`${this.display}: ${what}: the directory is too large (more than ${maxBytes / 32} entries)`);
    }
    return out;
  }

  private clusterOffset(c: number): number {
    const { firstDataSector, spc, bps } = this.bpb;
    return this.offset + (firstDataSector + (c - 2) * spc) * bps;
  }

  /** The bytes of a directory: the fixed FAT12/16 root area, or its cluster chain. */
  private async readDirBytes(d: RawEntry): Promise<Buffer> {
    const { bps, spc } = this.bpb;
    const isRoot = d.path === '/';
    if (isRoot && this.bpb.fatBits !== 32) {
      return readAt(this.fh, this.offset + this.bpb.rootDirSector * bps, this.bpb.rootDirSectors * bps);
    }
    const first = isRoot ? this.bpb.rootCluster : d.cluster;
    if (first < 2) throw inputError(`${this.display}: ${show(fromUtf8(d.path))}: directory at cluster ${first} (not a data cluster)`);
    const chain = this.chain(first, isRoot ? 'the root directory' : show(fromUtf8(d.path)), MAX_DIR_BYTES);
    return Buffer.concat(await Promise.all(chain.map((c) => readAt(this.fh, this.clusterOffset(c), spc * bps))));
  }

  /**
   * The entries of directory `d`. Long names (VFAT) are used when their entries form a whole
   * sequence as the spec has it (N|0x40, N-1 ... 1, one checksum, that of the short entry that
   * follows, at most 20 entries); any other run of long-name entries is ignored and the short
   * name is used, as Windows and Linux do.
   */
  private async readDir(d: RawEntry): Promise<RawEntry[]> {
    const buf = await this.readDirBytes(d);
    const out: RawEntry[] = [];
    let lfn: string[] = [];
    let lfnSum = -1;
    let expect = 0; // the next sequence number; 0: no sequence going on
    for (let o = 0; o + 32 <= buf.length; o += 32) {
      const e = buf.subarray(o, o + 32);
      if (e[0] === 0) break;
      if (e[0] === 0xe5) { expect = 0; continue; }
      const attr = e[11]!;
      if ((attr & 0x3f) === 0x0f) {
        const seq = e[0]!;
        const n = seq & 0x1f;
        if (seq & 0x40) { lfn = []; lfnSum = e[13]!; expect = n >= 1 && n <= 20 ? n : 0; }
        if (expect === 0 || n !== expect || e[13] !== lfnSum) { expect = 0; continue; }
        const chars = Buffer.concat([e.subarray(1, 11), e.subarray(14, 26), e.subarray(28, 32)]).toString('utf16le');
        const end = chars.indexOf('\0');
        lfn[n - 1] = end >= 0 ? chars.slice(0, end) : chars;
        expect = n - 1 || -1; // -1: complete, the short entry is next
        continue;
      }
      const complete = expect === -1;
      expect = 0;
      if (attr & 0x08) {
        if (d.path === '/' && !(attr & 0x10)) this.volumeLabel = e.toString('latin1', 0, 11).replace(/ +$/, '');
        continue;
      }
      const sn = shortName(e);
      const long = complete && lfnSum === lfnChecksum(e) ? lfn.join('') : undefined;
      if (sn === '.' || sn === '..') continue;
      out.push(this.entry(e, long ?? sn, d.path, sn));
    }
    return out;
  }

  private entry(e: Buffer, name: string, dirPath: string, sn: string): RawEntry {
    const attr = e[11]!;
    const dir = (attr & 0x10) !== 0;
    return {
      name,
      path: dirPath === '/' ? `/${name}` : `${dirPath}/${name}`,
      type: dir ? 'dir' : 'file',
      mode: dir ? 0o755 : attr & 0x01 ? 0o444 : 0o644,
      uid: 0,
      gid: 0,
      size: dir ? 0 : e.readUInt32LE(28),
      mtime: fatTime(e.readUInt16LE(24), e.readUInt16LE(22)),
      cluster: (this.bpb.fatBits === 32 ? e.readUInt16LE(20) << 16 : 0) | e.readUInt16LE(26),
      attr,
      shortName: sn,
    };
  }

  private rootEntry(): RawEntry {
    return { name: '', path: '/', type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0, cluster: 0, attr: 0x10, shortName: '' };
  }

  /** `p` is a byte string (UTF-8 bytes, as every reader's paths); FAT names are Unicode here. */
  private async lookup(p: string): Promise<RawEntry> {
    let cur = this.rootEntry();
    const parts = Buffer.from(p, 'latin1').toString('utf8').split('/').filter(Boolean);
    if (parts.length > MAX_DEPTH) throw usageError(`${this.display}: ${show(p)}: more than ${MAX_DEPTH} levels deep`);
    for (const part of parts) {
      if (cur.type !== 'dir') throw usageError(`${this.display}: ${cur.path} is not a directory`);
      const want = part.toLowerCase();
      const found = (await this.readDir(cur)).find((e) => e.name.toLowerCase() === want || e.shortName.toLowerCase() === want);
      if (!found) throw usageError(`${this.display}: no such file or directory: ${show(p)}`);
      cur = found;
    }
    return cur;
  }

  /** The public entry: names and paths as UTF-8 byte strings, like the other readers'. */
  private static plain(e: RawEntry): FsEntry {
    const { cluster: _c, attr: _a, shortName: _s, ...rest } = e;
    return { ...rest, name: fromUtf8(rest.name), path: fromUtf8(rest.path) };
  }

  async stat(p: string): Promise<FsEntry> {
    return VfatReader.plain(await this.lookup(p));
  }

  async list(p: string): Promise<FsEntry[]> {
    const d = await this.lookup(p);
    if (d.type !== 'dir') throw usageError(`${this.display}: ${d.path} is not a directory`);
    return VfatReader.sorted(await this.readDir(d));
  }

  private static sorted(l: RawEntry[]): FsEntry[] {
    return l.map(VfatReader.plain).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Every entry below `p`, parents before children, each directory read once: a directory
   * whose first cluster was already walked (one pointing at itself, its parent or the root)
   * is a loop, and an error.
   */
  async *walk(p: string): AsyncGenerator<FsEntry> {
    const top = await this.lookup(p);
    if (top.type !== 'dir') return;
    const key = (d: RawEntry) => (d.path === '/' ? (this.bpb.fatBits === 32 ? this.bpb.rootCluster : 0) : d.cluster);
    const seen = new Map<number, string>([[key(top), top.path]]);
    const stack: [RawEntry, number][] = [[top, 0]];
    while (stack.length) {
      const [d, depth] = stack.pop()!;
      const kids = await this.readDir(d);
      for (const k of VfatReader.sorted(kids)) yield k;
      // As walkFs: a directory whose name no filesystem may hold ("..", "a/b") is listed, not entered.
      const dirs = kids.filter((k) => k.type === 'dir' && !badName(fromUtf8(k.name))).sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
      for (const k of dirs) {
        const first = seen.get(key(k));
        if (first !== undefined) throw inputError(`${this.display}: directory loop: ${show(fromUtf8(k.path))} is ${show(fromUtf8(first))} again (cluster ${key(k)})`);
        if (depth + 1 > MAX_DEPTH) throw inputError(`${this.display}: ${show(fromUtf8(k.path))}: directories nested more than ${MAX_DEPTH} deep`);
        seen.set(key(k), k.path);
        stack.push([k, depth + 1]);
      }
    }
  }

  async readFileTo(p: string, out: number): Promise<void> {
    const f = await this.lookup(p);
    if (f.type !== 'file') throw usageError(`${this.display}: ${f.path} is not a regular file`);
    const cs = this.bpb.spc * this.bpb.bps;
    const what = show(fromUtf8(f.path));
    // The chain must be as long as the size says (a loop, or a chain to a free cluster, is an error).
    const chain = f.size ? this.chain(f.cluster, what) : [];
    const need = Math.ceil(f.size / cs);
    if (chain.length < need) throw inputError(`${this.display}: ${what}: its cluster chain (${chain.length} clusters) is shorter than its size (${f.size} bytes)`);
    if (chain.length > need) throw inputError(`${this.display}: ${what}: its cluster chain (${chain.length} clusters) is longer than its size (${f.size} bytes) needs`);
    let left = f.size;
    for (const c of chain) {
      const b = await readAt(this.fh, this.clusterOffset(c), Math.min(cs, left));
      for (let done = 0; done < b.length; ) done += fs.writeSync(out, b, done, b.length - done);
      left -= b.length;
    }
  }

  async info(): Promise<FsInfo> {
    await this.readDir(this.rootEntry()); // finds the volume label entry
    const { bpb } = this;
    let free = 0;
    for (let c = 2; c < bpb.clusters + 2; c++) if (this.next(c) === 0) free++;
    const cs = bpb.spc * bpb.bps;
    return {
      type: 'vfat',
      variant: `FAT${bpb.fatBits}`,
      label: this.volumeLabel ?? (bpb.bpbLabel === FAT_NO_LABEL ? '' : bpb.bpbLabel),
      uuid: fatVolumeIdString(bpb.volumeId),
      size: bpb.totalSectors * bpb.bps,
      blockSize: cs,
      used: (bpb.clusters - free) * cs,
      free: free * cs,
      features: [],
      extra: {
        oemName: bpb.oem,
        bootSectorLabel: bpb.bpbLabel,
        clusters: String(bpb.clusters),
        sectorsPerCluster: String(bpb.spc),
        reservedSectors: String(bpb.reserved),
        fats: String(bpb.nfats),
        fatSectors: String(bpb.fatSectors),
        rootEntries: String(bpb.rootEntries),
        media: `0x${bpb.media.toString(16)}`,
        hiddenSectors: String(bpb.hidden),
      },
    };
  }
}

/** FAT entries read at a time by vfatRequiredRanges (FAT32: 1 MiB of the FAT). */
const FAT_SCAN_ENTRIES = 256 * 1024;

/**
 * The byte ranges (relative to the partition) a FAT filesystem at `offset` of `file` needs
 * as they are: the reserved sectors (boot sector, FSInfo, backup boot sector), every FAT
 * copy, the FAT12/16 root directory region, and every cluster whose FAT entry is not 0
 * (files, directories, end and bad marks). The FAT is read in pieces: memory stays flat
 * whatever its size. undefined when the boot sector is not a valid FAT's (the caller maps
 * the whole partition).
 */
export async function vfatRequiredRanges(file: string, offset: number, size: number): Promise<Range[] | undefined> {
  const fh = await fsp.open(file, 'r');
  try {
    let bpb: Bpb;
    try {
      bpb = parseBpb(await readAt(fh, offset, 512), file, size);
    } catch {
      return undefined;
    }
    const { bps, spc, fatBits, clusters, firstDataSector } = bpb;
    const out: Range[] = [{ start: 0, end: firstDataSector * bps }];
    const clusterBytes = spc * bps;
    const fatStart = offset + bpb.reserved * bps;
    const last = clusters + 1;
    for (let c0 = 2; c0 <= last; c0 += FAT_SCAN_ENTRIES) {
      const c1 = Math.min(last + 1, c0 + FAT_SCAN_ENTRIES);
      // FAT12 entries are 1.5 bytes: read from the byte holding c0's entry, one byte more at the end.
      const from = Math.floor((c0 * fatBits) / 8);
      const buf = await readAt(fh, fatStart + from, Math.ceil((c1 * fatBits) / 8) - from + 1);
      for (let c = c0; c < c1; c++) {
        const at = Math.floor((c * fatBits) / 8) - from;
        const v = fatBits === 32 ? buf.readUInt32LE(at) & 0x0fffffff : fatBits === 16 ? buf.readUInt16LE(at) : c & 1 ? buf.readUInt16LE(at) >> 4 : buf.readUInt16LE(at) & 0xfff;
        if (v === 0) continue;
        const start = (firstDataSector + (c - 2) * spc) * bps;
        const prev = out[out.length - 1]!;
        if (prev.end === start) prev.end = start + clusterBytes;
        else out.push({ start, end: start + clusterBytes });
      }
    }
    return out;
  } finally {
    await fh.close();
  }
}
