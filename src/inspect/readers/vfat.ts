/**
 * FAT12/16/32 reader (read-only, our own parser): boot sector, the first FAT, directory
 * entries with VFAT long names, cluster chains. Reads the image in place at the
 * partition's offset. Names match case-insensitively (as FAT does); times are FAT local
 * times read as UTC (2 s resolution). FAT has no owners or permissions: entries are
 * 0:0, directories 0755, files 0644 (0444 when read-only), as Linux's vfat shows them.
 */
import { promises as fsp } from 'node:fs';
import fs from 'node:fs';
import { usageError } from '../../errors.ts';
import { readAt } from '../image.ts';
import type { FsEntry, FsInfo, FsReader } from '../types.ts';
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

function parseBpb(b: Buffer, display: string): Bpb {
  const bps = b.readUInt16LE(11);
  const spc = b[13]!;
  const reserved = b.readUInt16LE(14);
  const nfats = b[16]!;
  const rootEntries = b.readUInt16LE(17);
  const totalSectors = b.readUInt16LE(19) || b.readUInt32LE(32);
  const fat16 = b.readUInt16LE(22);
  const fatSectors = fat16 || b.readUInt32LE(36);
  if (![512, 1024, 2048, 4096].includes(bps) || spc === 0 || (spc & (spc - 1)) !== 0 || nfats === 0 || fatSectors === 0 || totalSectors === 0) {
    throw usageError(`${display}: not a valid FAT boot sector`);
  }
  const rootDirSectors = Math.ceil((rootEntries * 32) / bps);
  const firstDataSector = reserved + nfats * fatSectors + rootDirSectors;
  const clusters = Math.floor((totalSectors - firstDataSector) / spc);
  const fatBits = clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32;
  const ext = fatBits === 32 ? 64 : 36; // offset of BS_DrvNum
  return {
    bps, spc, reserved, nfats, rootEntries, totalSectors, fatSectors,
    rootCluster: fatBits === 32 ? b.readUInt32LE(44) : 0,
    fatBits, clusters, firstDataSector,
    rootDirSector: reserved + nfats * fatSectors,
    rootDirSectors,
    volumeId: b[ext + 2] === 0x29 ? b.readUInt32LE(ext + 3) : 0,
    bpbLabel: b[ext + 2] === 0x29 ? b.toString('latin1', ext + 7, ext + 18).replace(/ +$/, '') : '',
    oem: b.toString('latin1', 3, 11),
    media: b[21]!,
    hidden: b.readUInt32LE(28),
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

export class VfatReader implements FsReader {
  readonly type = 'vfat' as const;
  private fh!: fsp.FileHandle;
  private bpb!: Bpb;
  private fat!: Buffer;
  private volumeLabel: string | undefined;

  private constructor(private readonly file: string, private readonly offset: number, private readonly display: string) {}

  static async open(file: string, offset: number, display: string): Promise<VfatReader> {
    const r = new VfatReader(file, offset, display);
    r.fh = await fsp.open(file, 'r');
    try {
      r.bpb = parseBpb(await readAt(r.fh, offset, 512), display);
      r.fat = await readAt(r.fh, offset + r.bpb.reserved * r.bpb.bps, r.bpb.fatSectors * r.bpb.bps);
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

  private isEnd(c: number): boolean {
    const { fatBits } = this.bpb;
    return c < 2 || c >= (fatBits === 32 ? 0x0ffffff8 : fatBits === 16 ? 0xfff8 : 0xff8) || c > this.bpb.clusters + 1;
  }

  /** Clusters of a chain (stops at the end mark, a bad value or a loop). */
  private chain(first: number): number[] {
    const out: number[] = [];
    const max = this.bpb.clusters;
    for (let c = first; !this.isEnd(c) && out.length <= max; c = this.next(c)) out.push(c);
    return out;
  }

  private clusterOffset(c: number): number {
    const { firstDataSector, spc, bps } = this.bpb;
    return this.offset + (firstDataSector + (c - 2) * spc) * bps;
  }

  private async readDirBytes(cluster: number): Promise<Buffer> {
    const { bps, spc } = this.bpb;
    if (cluster === 0 && this.bpb.fatBits !== 32) {
      return readAt(this.fh, this.offset + this.bpb.rootDirSector * bps, this.bpb.rootDirSectors * bps);
    }
    const chain = this.chain(cluster === 0 ? this.bpb.rootCluster : cluster);
    return Buffer.concat(await Promise.all(chain.map((c) => readAt(this.fh, this.clusterOffset(c), spc * bps))));
  }

  private async readDir(cluster: number, dirPath: string): Promise<RawEntry[]> {
    const buf = await this.readDirBytes(cluster);
    const out: RawEntry[] = [];
    let lfn: string[] = [];
    let lfnSum = -1;
    for (let o = 0; o + 32 <= buf.length; o += 32) {
      const e = buf.subarray(o, o + 32);
      if (e[0] === 0) break;
      if (e[0] === 0xe5) { lfn = []; continue; }
      const attr = e[11]!;
      if ((attr & 0x3f) === 0x0f) {
        const seq = e[0]!;
        if (seq & 0x40) { lfn = []; lfnSum = e[13]!; }
        const chars = Buffer.concat([e.subarray(1, 11), e.subarray(14, 26), e.subarray(28, 32)]).toString('utf16le');
        const end = chars.indexOf('\0');
        lfn[(seq & 0x1f) - 1] = end >= 0 ? chars.slice(0, end) : chars;
        continue;
      }
      if (attr & 0x08) {
        if (cluster === 0 && !(attr & 0x10)) this.volumeLabel = e.toString('latin1', 0, 11).replace(/ +$/, '');
        lfn = [];
        continue;
      }
      const sn = shortName(e);
      const long = lfn.length && lfnSum === lfnChecksum(e) && !lfn.some((x) => x === undefined) ? lfn.join('') : undefined;
      lfn = [];
      if (sn === '.' || sn === '..') continue;
      const name = long ?? sn;
      const dir = (attr & 0x10) !== 0;
      out.push({
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
      });
    }
    return out;
  }

  private rootEntry(): RawEntry {
    return { name: '', path: '/', type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0, cluster: 0, attr: 0x10, shortName: '' };
  }

  /** `p` is a byte string (UTF-8 bytes, as every reader's paths); FAT names are Unicode here. */
  private async lookup(p: string): Promise<RawEntry> {
    let cur = this.rootEntry();
    for (const part of Buffer.from(p, 'latin1').toString('utf8').split('/').filter(Boolean)) {
      if (cur.type !== 'dir') throw usageError(`${this.display}: ${cur.path} is not a directory`);
      const want = part.toLowerCase();
      const found = (await this.readDir(cur.cluster, cur.path)).find((e) => e.name.toLowerCase() === want || e.shortName.toLowerCase() === want);
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
    return (await this.readDir(d.cluster, d.path)).map(VfatReader.plain).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async readFileTo(p: string, out: number): Promise<void> {
    const f = await this.lookup(p);
    if (f.type !== 'file') throw usageError(`${this.display}: ${f.path} is not a regular file`);
    const cs = this.bpb.spc * this.bpb.bps;
    let left = f.size;
    for (const c of f.size ? this.chain(f.cluster) : []) {
      if (left <= 0) break;
      const b = await readAt(this.fh, this.clusterOffset(c), Math.min(cs, left));
      for (let done = 0; done < b.length; ) done += fs.writeSync(out, b, done, b.length - done);
      left -= b.length;
    }
    if (left > 0) throw usageError(`${this.display}: ${f.path}: its cluster chain is shorter than its size (${f.size} bytes)`);
  }

  async info(): Promise<FsInfo> {
    await this.readDir(0, '/'); // finds the volume label entry
    const { bpb } = this;
    let free = 0;
    for (let c = 2; c < bpb.clusters + 2; c++) if (this.next(c) === 0) free++;
    const cs = bpb.spc * bpb.bps;
    const id = bpb.volumeId.toString(16).toUpperCase().padStart(8, '0');
    return {
      type: 'vfat',
      variant: `FAT${bpb.fatBits}`,
      label: this.volumeLabel ?? (bpb.bpbLabel === 'NO NAME' ? '' : bpb.bpbLabel),
      uuid: `${id.slice(0, 4)}-${id.slice(4)}`,
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
