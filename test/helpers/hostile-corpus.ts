/**
 * A corpus of hostile disk images for the image tools (test/hostile-images.test.ts).
 * Four small valid images are made with the real tools (sfdisk, sgdisk, mkfs.fat, mtools,
 * mke2fs -d, mkfs.btrfs --rootdir, mkfs.erofs, mksquashfs) and every case is a sparse copy of one of them with a
 * few bytes patched; where a case needs a structure that looks valid (a GPT header with a
 * bad entry array), the CRCs are recomputed. Offsets are found by parsing the good images
 * here (BPB, GPT, superblocks), independently of the readers under test.
 *
 * Each case says which commands MUST fail and with what message; the others may succeed
 * or fail cleanly.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { execa } from 'execa';
import { crc32c } from '../../src/codec/crc32c.ts';

export type Command = 'inspect' | 'ls' | 'cat' | 'extract' | 'diff' | 'verify';

export interface HostileCase {
  name: string;
  image: string;
  /** A good image to diff against. */
  good: string;
  /** The partition ls/cat/extract read, and the file cat reads. */
  part: number;
  catPath: string;
  /** Commands that must fail, with the message naming the bad structure. */
  mustFail: Partial<Record<Command, RegExp>>;
  /** Commands that must succeed (the image is fine for them), with a check of stdout. */
  mustPass?: Partial<Record<Command, RegExp>>;
}

const S = 512;
const MiB = 1024 * 1024;
/** The part of the GPT/DOS images: FAT32 at 1 MiB (34 MiB), ext4 after it (8 MiB). */
const FAT_START = 2048;
const FAT_SECTORS = 34 * 2048;
const EXT_START = FAT_START + FAT_SECTORS;
const EXT_SECTORS = 8 * 2048;
const DISK_SECTORS = EXT_START + EXT_SECTORS + 2048;
const BTRFS_SECTORS = 110 * 2048;
/** The erofs image: one partition of 1 MiB at 1 MiB (DOS). */
const EROFS_SECTORS = 2048;

async function sh(cmd: string, args: string[], input?: string): Promise<string> {
  const r = await execa(cmd, args, { input, env: { LC_ALL: 'C' }, stripFinalNewline: false });
  return r.stdout;
}

/** The content of every filesystem: a multi-cluster file, nested directories, a small file. */
async function makeTree(dir: string): Promise<void> {
  await fsp.mkdir(path.join(dir, 'dir/sub'), { recursive: true });
  const big = Buffer.alloc(3000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + 3) & 0xff;
  await fsp.writeFile(path.join(dir, 'hello.bin'), big);
  await fsp.writeFile(path.join(dir, 'dir/a.txt'), 'a\n');
  await fsp.writeFile(path.join(dir, 'Long name.txt'), 'long\n');
  await fsp.writeFile(path.join(dir, 'dir/sub/f.txt'), 'f\n');
}

async function place(part: string, disk: string, startLba: number): Promise<void> {
  await sh('dd', [`if=${part}`, `of=${disk}`, 'bs=1M', `seek=${startLba * S}`, 'oflag=seek_bytes', 'conv=notrunc,sparse', 'status=none']);
}

/** A GPT image holding one squashfs of the tree at 1 MiB (1 MiB partition); its metadata is
 *  stored uncompressed (-noI -noF -noX) so that cases can find and patch directory entries. */
async function makeSquashfsBase(dir: string, tree: string): Promise<string> {
  const part = path.join(dir, 'squashfs.part');
  await sh('mksquashfs', [tree, part, '-noappend', '-quiet', '-no-progress', '-all-root', '-noI', '-noF', '-noX', '-all-time', '0', '-mkfs-time', '0']);
  const img = path.join(dir, 'good-squashfs.img');
  await fsp.writeFile(img, '');
  await fsp.truncate(img, 3 * MiB);
  await sh('sfdisk', ['-q', '--no-reread', '--no-tell-kernel', img], 'label: gpt\nlabel-id: 01234567-89AB-4DEF-8123-456789ABCDEF\nstart=2048, size=2048, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n');
  await place(part, img, 2048);
  await fsp.rm(part);
  return img;
}

async function makeBases(dir: string): Promise<{ gpt: string; dos: string; btrfs: string; erofs: string; squashfs: string }> {
  const tree = path.join(dir, 'tree');
  await makeTree(tree);
  const fat = path.join(dir, 'fat.part');
  await sh('mkfs.fat', ['-F', '32', '-s', '1', '-n', 'BOOT', '-i', '12345678', '-C', fat, String(FAT_SECTORS / 2)]);
  const m = ['-i', fat];
  await sh('mmd', [...m, '::/dir', '::/dir/sub']);
  await sh('mcopy', [...m, path.join(tree, 'hello.bin'), '::/hello.bin']);
  await sh('mcopy', [...m, path.join(tree, 'Long name.txt'), '::/Long name.txt']);
  await sh('mcopy', [...m, path.join(tree, 'dir/a.txt'), '::/dir/a.txt']);
  await sh('mcopy', [...m, path.join(tree, 'dir/sub/f.txt'), '::/dir/sub/f.txt']);
  const ext = path.join(dir, 'ext4.part');
  await fsp.writeFile(ext, '');
  await fsp.truncate(ext, EXT_SECTORS * S);
  await sh('mke2fs', ['-q', '-F', '-t', 'ext4', '-L', 'root', '-U', '12345678-1234-4234-8234-123456789abc', '-E', 'hash_seed=12345678-1234-4234-8234-123456789abc', '-d', tree, ext]);
  const layout = (label: string) =>
    `label: ${label}\n${label === 'dos' ? 'label-id: 0x2178694e\n' : 'label-id: 01234567-89AB-4DEF-8123-456789ABCDEF\n'}` +
    `start=${FAT_START}, size=${FAT_SECTORS}, type=${label === 'dos' ? 'c' : 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7'}\n` +
    `start=${EXT_START}, size=${EXT_SECTORS}, type=${label === 'dos' ? '83' : '0FC63DAF-8483-4772-8E79-3D69D8477DE4'}\n`;
  const out: Record<string, string> = {};
  for (const label of ['gpt', 'dos']) {
    const img = path.join(dir, `good-${label}.img`);
    await fsp.writeFile(img, '');
    await fsp.truncate(img, DISK_SECTORS * S);
    await sh('sfdisk', ['-q', '--no-reread', '--no-tell-kernel', img], layout(label));
    await place(fat, img, FAT_START);
    await place(ext, img, EXT_START);
    out[label] = img;
  }
  const bpart = path.join(dir, 'btrfs.part');
  await fsp.writeFile(bpart, '');
  await fsp.truncate(bpart, BTRFS_SECTORS * S);
  await sh('mkfs.btrfs', ['-q', '-f', '-L', 'data', '--rootdir', tree, bpart]);
  const bimg = path.join(dir, 'good-btrfs.img');
  await fsp.writeFile(bimg, '');
  await fsp.truncate(bimg, (2048 + BTRFS_SECTORS + 2048) * S);
  await sh('sfdisk', ['-q', '--no-reread', '--no-tell-kernel', bimg], `label: dos\nlabel-id: 0x1234abcd\nstart=2048, size=${BTRFS_SECTORS}, type=83\n`);
  await place(bpart, bimg, 2048);
  const epart = path.join(dir, 'erofs.part');
  await sh('mkfs.erofs', ['--quiet', '-zlz4hc', '-T', '1700000000', '-U', '12345678-1234-4234-8234-123456789abc', '--all-root', epart, tree]);
  const eimg = path.join(dir, 'good-erofs.img');
  await fsp.writeFile(eimg, '');
  await fsp.truncate(eimg, (2048 + EROFS_SECTORS + 2048) * S);
  await sh('sfdisk', ['-q', '--no-reread', '--no-tell-kernel', eimg], `label: dos\nlabel-id: 0x1234abce\nstart=2048, size=${EROFS_SECTORS}, type=83\n`);
  await place(epart, eimg, 2048);
  await Promise.all([fat, ext, bpart, epart].map((f) => fsp.rm(f)));
  return { gpt: out.gpt!, dos: out.dos!, btrfs: bimg, erofs: eimg, squashfs: await makeSquashfsBase(dir, tree) };
}

// ---------------------------------------------------------------------------------------
// Patching

class Img {
  constructor(readonly file: string) {}
  async read(off: number, len: number): Promise<Buffer> {
    const fh = await fsp.open(this.file, 'r');
    try {
      const b = Buffer.alloc(len);
      await fh.read(b, 0, len, off);
      return b;
    } finally {
      await fh.close();
    }
  }
  async write(off: number, data: Buffer): Promise<void> {
    const fh = await fsp.open(this.file, 'r+');
    try {
      await fh.write(data, 0, data.length, off);
    } finally {
      await fh.close();
    }
  }
  async u32(off: number, v: number): Promise<void> {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    await this.write(off, b);
  }
  async u16(off: number, v: number): Promise<void> {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    await this.write(off, b);
  }
  async u8(off: number, v: number): Promise<void> {
    await this.write(off, Buffer.from([v]));
  }
  async u64(off: number, v: bigint): Promise<void> {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    await this.write(off, b);
  }
}

/** The primary GPT: patch the header (and entries), then recompute both CRCs (unless told not to). */
async function patchGpt(img: Img, fn: (hdr: Buffer, entries: Buffer) => void, opts: { arrayCrc?: boolean } = {}): Promise<void> {
  const hdr = await img.read(S, S);
  const entries = await img.read(2 * S, 128 * 128);
  const origCount = hdr.readUInt32LE(80);
  const origSize = hdr.readUInt32LE(84);
  fn(hdr, entries);
  if (opts.arrayCrc !== false) hdr.writeUInt32LE(crc32(entries.subarray(0, origCount * origSize)), 88);
  hdr.writeUInt32LE(0, 16);
  hdr.writeUInt32LE(crc32(hdr.subarray(0, hdr.readUInt32LE(12))), 16);
  await img.write(S, hdr);
  await img.write(2 * S, entries);
}

/** FAT32 geometry of the FAT partition of the GPT/DOS images (parsed here, from the BPB). */
interface Fat {
  base: number;
  fat: number;
  data: number;
  clusterSize: number;
  root: number;
}

async function fatGeometry(img: Img): Promise<Fat> {
  const base = FAT_START * S;
  const b = await img.read(base, S);
  const bps = b.readUInt16LE(11);
  const spc = b[13]!;
  const reserved = b.readUInt16LE(14);
  const fatSz = b.readUInt32LE(36);
  return { base, fat: base + reserved * bps, data: base + (reserved + b[16]! * fatSz) * bps, clusterSize: bps * spc, root: b.readUInt32LE(44) };
}

const clusterAt = (f: Fat, c: number) => f.data + (c - 2) * f.clusterSize;

/** The byte offset of the 8.3 entry `name83` (11 chars) in the directory at `cluster` (first cluster only). */
async function dirEntry(img: Img, f: Fat, cluster: number, name83: string): Promise<{ off: number; cluster: number }> {
  const buf = await img.read(clusterAt(f, cluster), f.clusterSize);
  for (let o = 0; o < buf.length; o += 32) {
    if (buf.toString('latin1', o, o + 11) === name83) {
      return { off: clusterAt(f, cluster) + o, cluster: (buf.readUInt16LE(o + 20) << 16) | buf.readUInt16LE(o + 26) };
    }
  }
  throw new Error(`corpus: no entry ${name83} in cluster ${cluster}`);
}

/** Image offsets of every copy (stripe) of the btrfs chunk root, from the superblock's sys_chunk_array. */
async function btrfsChunkRoot(img: Img): Promise<{ offs: number[]; nodeSize: number }> {
  const sb = await img.read(2048 * S + 0x10000, 4096);
  const chunkRoot = sb.readBigUInt64LE(0x58);
  const nodeSize = sb.readUInt32LE(0x94);
  const arr = sb.subarray(0x32b, 0x32b + sb.readUInt32LE(0xa0));
  for (let o = 0; o < arr.length; ) {
    const logical = arr.readBigUInt64LE(o + 9);
    const c = o + 17;
    const length = arr.readBigUInt64LE(c);
    const stripes = arr.readUInt16LE(c + 44);
    if (chunkRoot >= logical && chunkRoot < logical + length) {
      const offs = [];
      for (let k = 0; k < stripes; k++) offs.push(2048 * S + Number(arr.readBigUInt64LE(c + 48 + k * 32 + 8) + chunkRoot - logical));
      return { offs, nodeSize };
    }
    o = c + 48 + stripes * 32;
  }
  throw new Error('corpus: chunk root not in the sys_chunk_array');
}

// ---------------------------------------------------------------------------------------
// The cases

type Maker = (img: Img) => Promise<void>;
interface Def {
  name: string;
  base: 'gpt' | 'dos' | 'btrfs' | 'erofs' | 'squashfs';
  part?: number;
  cat?: string;
  make: Maker;
  mustFail?: Partial<Record<Command, RegExp>>;
  mustPass?: Partial<Record<Command, RegExp>>;
}

/** Every command reading the table must fail with `re`. */
const table = (re: RegExp): Partial<Record<Command, RegExp>> => ({ inspect: re, ls: re, cat: re, extract: re, diff: re, verify: /./ });
/** The filesystem is no longer recognised: reading files is an error; diff says the type changed; verify
 *  may call the partition raw data. */
const unrecognised = (fs: string): Partial<Def> => ({
  mustFail: { ls: /no filesystem imgsmith can read/, cat: /no filesystem imgsmith can read/, extract: /no filesystem imgsmith can read/ },
  mustPass: { diff: new RegExp(`filesystem type: null -> ${fs}`) },
});
/** Every command reading the files of the partition must fail with `re`. */
const files = (re: RegExp, cat: RegExp | undefined = re): Partial<Record<Command, RegExp>> => ({ ls: re, extract: re, diff: re, ...(cat ? { cat } : {}), verify: /./ });

const gptCases: Def[] = [
  { name: 'gpt-array-1gib', base: 'gpt', make: (i) => patchGpt(i, (h) => h.writeUInt32LE(8 * MiB, 80)), mustFail: table(/GPT entry array/) },
  { name: 'gpt-array-4gib', base: 'gpt', make: (i) => patchGpt(i, (h) => h.writeUInt32LE(32 * MiB, 80)), mustFail: table(/GPT entry array/) },
  { name: 'gpt-2^32-entries', base: 'gpt', make: (i) => patchGpt(i, (h) => h.writeUInt32LE(0xffffffff, 80)), mustFail: table(/GPT entry array/) },
  { name: 'gpt-entry-size-0', base: 'gpt', make: (i) => patchGpt(i, (h) => h.writeUInt32LE(0, 84)), mustFail: table(/GPT entry size 0/) },
  { name: 'gpt-entry-size-odd', base: 'gpt', make: (i) => patchGpt(i, (h) => h.writeUInt32LE(129, 84)), mustFail: table(/GPT entry size 129/) },
  { name: 'gpt-entry-size-huge', base: 'gpt', make: (i) => patchGpt(i, (h) => h.writeUInt32LE(0x80000000, 84)), mustFail: table(/GPT entry size 2147483648/) },
  { name: 'gpt-last-before-first', base: 'gpt', make: (i) => patchGpt(i, (h) => h.writeBigUInt64LE(h.readBigUInt64LE(40) - 1n, 48)), mustFail: table(/last usable LBA .* before .*first usable/) },
  { name: 'gpt-entries-lba-huge', base: 'gpt', make: (i) => patchGpt(i, (h) => h.writeBigUInt64LE(1n << 60n, 72)), mustFail: table(/GPT entry array/) },
  { name: 'gpt-partition-past-end', base: 'gpt', make: (i) => patchGpt(i, (_h, e) => e.writeBigUInt64LE(BigInt(DISK_SECTORS + 100), 128 + 40)), mustFail: table(/partition 2 .*past the end of the disk/) },
  { name: 'gpt-overlap', base: 'gpt', make: (i) => patchGpt(i, (_h, e) => e.writeBigUInt64LE(BigInt(EXT_START - 100), 128 + 32)), mustFail: table(/partitions 1 and 2 overlap/) },
  { name: 'gpt-start-after-end', base: 'gpt', make: (i) => patchGpt(i, (_h, e) => e.writeBigUInt64LE(BigInt(FAT_START - 1), 40)), mustFail: table(/partition 1: last LBA \d+ before first LBA/) },
  { name: 'gpt-lba-2^63', base: 'gpt', make: (i) => patchGpt(i, (_h, e) => { e.writeBigUInt64LE(1n << 63n, 32); e.writeBigUInt64LE((1n << 63n) + 10n, 40); }), mustFail: table(/partition 1 .*past the end of the disk/) },
  { name: 'gpt-lba-max', base: 'gpt', make: (i) => patchGpt(i, (_h, e) => { e.writeBigUInt64LE(2048n, 32); e.writeBigUInt64LE(0xffffffffffffffffn, 40); }), mustFail: table(/partition 1 .*past the end of the disk/) },
  {
    // Header CRC right, entry array CRC wrong: a warning, as before (the entries are still bounds-checked).
    name: 'gpt-array-crc-wrong', base: 'gpt', make: (i) => patchGpt(i, (_h, e) => e.write('X', 56, 'utf16le'), { arrayCrc: false }),
    mustFail: { verify: /./ }, mustPass: { inspect: /primary GPT partition entries CRC is wrong/, ls: /^\/:\n/ },
  },
  { name: 'gpt-backup-only', base: 'gpt', make: (i) => i.write(S, Buffer.alloc(S)), mustFail: table(/no GPT header at LBA 1/) },
  { name: 'gpt-header-size-huge', base: 'gpt', make: (i) => patchGpt(i, (h) => h.writeUInt32LE(0xffffffff, 12)), mustFail: table(/GPT header/) },
];

const mbr = (slot: number) => 446 + (slot - 1) * 16;
const mbrCases: Def[] = [
  { name: 'mbr-past-end', base: 'dos', make: (i) => i.u32(mbr(2) + 12, 0xfffffff0), mustFail: table(/partition 2 .*past the end of the disk/) },
  { name: 'mbr-overlap', base: 'dos', make: (i) => i.u32(mbr(2) + 8, EXT_START - 8), mustFail: table(/partitions 1 and 2 overlap/) },
  {
    // A 0-sector entry is no partition (as Linux reads it): partition 1 is gone, said as a warning.
    name: 'mbr-zero-length', base: 'dos', part: 1, make: (i) => i.u32(mbr(1) + 12, 0),
    mustFail: { ls: /no partition "1"/, cat: /no partition "1"/, extract: /no partition "1"/ }, mustPass: { inspect: /partition 1 .*0 sectors/ },
  },
  // Extended partitions (LBA DISK_SECTORS-1024, 1024 sectors) with a hostile EBR chain: one clear error each.
  { name: 'mbr-extended-loop', base: 'dos', part: 1, make: (i) => ebrChain(i, [[1, 10, 0]]), mustFail: table(/EBR chain loops back to LBA \d+/) },
  { name: 'mbr-ebr-outside', base: 'dos', part: 1, make: (i) => ebrChain(i, [[1, 10, 5000]]), mustFail: table(/an EBR link points to LBA \d+, outside the extended partition/) },
  { name: 'mbr-logical-outside', base: 'dos', part: 1, make: (i) => ebrChain(i, [[1, 2000, undefined]]), mustFail: table(/logical partition 5 \(LBA \d+-\d+\) is not inside it/) },
  {
    name: 'mbr-logical-too-many', base: 'dos', part: 1, make: (i) => ebrChain(i, Array.from({ length: 130 }, (_, k) => [1, 1, k < 129 ? 2 * (k + 1) : undefined])),
    mustFail: table(/more than 128 logical partitions in the EBR chain/),
  },
  {
    // A well-formed chain of two logical partitions: read (numbered 5 and 6), the image stays usable.
    name: 'mbr-logical-ok', base: 'dos', part: 1, make: (i) => ebrChain(i, [[1, 1, 2], [1, 1, undefined]]),
    mustPass: { inspect: /^3: +start .*type 0x05 Extended\n +extended partition[^\n]*\n5: +start \d+ .*type 0x83 Linux\n[\s\S]*^6: +start /m, ls: /^\/:\n/ },
  },
];

/**
 * Makes MBR slot 3 an extended partition over the last 1024 sectors of the disk and writes an EBR
 * chain in it: for each link [data start relative to its EBR, data size, next EBR relative to the
 * extended partition's start (undefined: the end of the chain)]; the k-th EBR is at 2k.
 */
async function ebrChain(img: Img, links: [number, number, number | undefined][]): Promise<void> {
  const at = DISK_SECTORS - 1024;
  await img.write(mbr(3), Buffer.from([0, 0, 0, 0, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  await img.u32(mbr(3) + 8, at);
  await img.u32(mbr(3) + 12, 1024);
  for (const [k, [start, size, next]] of links.entries()) {
    const ebr = Buffer.alloc(S);
    ebr.writeUInt16LE(0xaa55, 510);
    ebr[446 + 4] = 0x83;
    ebr.writeUInt32LE(start, 446 + 8);
    ebr.writeUInt32LE(size, 446 + 12);
    if (next !== undefined) {
      ebr[462 + 4] = 0x05;
      ebr.writeUInt32LE(next, 462 + 8);
      ebr.writeUInt32LE(2, 462 + 12);
    }
    await img.write((at + 2 * k) * S, ebr);
  }
}

/** A FAT case on the GPT image's partition 1. */
const fat = (name: string, make: (i: Img, f: Fat) => Promise<void>, mustFail: Def['mustFail'], extra: Partial<Def> = {}): Def => ({
  name: `fat-${name}`, base: 'gpt', part: 1, make: async (i) => make(i, await fatGeometry(i)), mustFail, ...extra,
});
const HELLO = 'HELLO   BIN';
const LONG83 = 'LONGNA~1TXT';
const fatCases: Def[] = [
  fat('chain-loop', async (i, f) => {
    const e = await dirEntry(i, f, f.root, HELLO);
    await i.u32(f.fat + (e.cluster + 3) * 4, e.cluster + 1);
  }, { cat: /cluster chain .*loop/, diff: /cluster chain .*loop/, extract: /cluster chain .*loop/, verify: /./ }),
  fat('chain-reserved', async (i, f) => {
    const e = await dirEntry(i, f, f.root, HELLO);
    await i.u32(f.fat + (e.cluster + 1) * 4, 1);
  }, { cat: /cluster chain .*cluster 1/, extract: /cluster chain/, diff: /cluster chain/, verify: /./ }),
  fat('chain-free', async (i, f) => {
    const e = await dirEntry(i, f, f.root, HELLO);
    await i.u32(f.fat + (e.cluster + 1) * 4, 0);
  }, { cat: /cluster chain .*free/, extract: /cluster chain/, diff: /cluster chain/, verify: /./ }),
  fat('chain-bad', async (i, f) => {
    const e = await dirEntry(i, f, f.root, HELLO);
    await i.u32(f.fat + (e.cluster + 1) * 4, 0x0ffffff7);
  }, { cat: /cluster chain .*bad/, extract: /cluster chain/, diff: /cluster chain/, verify: /./ }),
  fat('chain-past-end', async (i, f) => {
    const e = await dirEntry(i, f, f.root, HELLO);
    await i.u32(f.fat + (e.cluster + 1) * 4, 0x0ffffff0);
  }, { cat: /cluster chain/, extract: /cluster chain/, diff: /cluster chain/, verify: /./ }),
  ...[0, 1, 0x0ffffff0, 0x00ffffff].map((c) =>
    fat(`root-cluster-${c.toString(16)}`, (i) => i.u32(FAT_START * S + 44, c), files(/root directory cluster/, /root directory cluster/))),
  fat('dir-to-parent', async (i, f) => {
    const d = await dirEntry(i, f, f.root, 'DIR        ');
    const s = await dirEntry(i, f, d.cluster, 'SUB        ');
    await i.u16(s.off + 26, d.cluster & 0xffff);
    await i.u16(s.off + 20, d.cluster >>> 16);
  }, { ls: /directory loop/, extract: /directory loop/, diff: /directory loop/, verify: /./ }, { cat: '/hello.bin' }),
  fat('dir-to-root', async (i, f) => {
    const d = await dirEntry(i, f, f.root, 'DIR        ');
    const s = await dirEntry(i, f, d.cluster, 'SUB        ');
    await i.u16(s.off + 26, f.root & 0xffff);
    await i.u16(s.off + 20, f.root >>> 16);
  }, { ls: /directory loop/, extract: /directory loop/, diff: /directory loop/, verify: /./ }, { cat: '/hello.bin' }),
  fat('dir-to-itself', async (i, f) => {
    const d = await dirEntry(i, f, f.root, 'DIR        ');
    const a = await dirEntry(i, f, d.cluster, 'A       TXT');
    await i.u8(a.off + 11, 0x10);
    await i.u16(a.off + 26, d.cluster & 0xffff);
    await i.u16(a.off + 20, d.cluster >>> 16);
  }, { ls: /directory loop/, extract: /directory loop/, diff: /directory loop/, verify: /./ }, { cat: '/hello.bin' }),
  fat('size-past-chain', async (i, f) => {
    const e = await dirEntry(i, f, f.root, HELLO);
    await i.u32(e.off + 28, 10 * MiB);
  }, { cat: /cluster chain .*shorter/, extract: /cluster chain .*shorter/, verify: /./ }),
  fat('huge-dir', async (i, f) => {
    // /dir's chain runs on through 66000 clusters: 2 million entries claimed.
    const d = await dirEntry(i, f, f.root, 'DIR        ');
    const start = 1000;
    const fatBuf = Buffer.alloc(66000 * 4);
    for (let k = 0; k < 66000; k++) fatBuf.writeUInt32LE(k === 65999 ? 0x0fffffff : start + k + 1, k * 4);
    await i.write(f.fat + start * 4, fatBuf);
    await i.u32(f.fat + d.cluster * 4, start);
  }, { ls: /directory .*too large|more than/, extract: /directory .*too large|more than/, diff: /directory .*too large|more than/, verify: /./ }),
  fat('bpb-zeros', (i) => i.write(FAT_START * S + 11, Buffer.alloc(25)), {}, unrecognised('vfat')),
  fat('bytes-per-sector-513', (i) => i.u16(FAT_START * S + 11, 513), {}, unrecognised('vfat')),
  fat('sectors-per-cluster-3', (i) => i.u8(FAT_START * S + 13, 3), files(/sectors per cluster 3/)),
  fat('sectors-per-cluster-0', (i) => i.u8(FAT_START * S + 13, 0), {}, unrecognised('vfat')),
  fat('fat-size-0', (i) => i.u32(FAT_START * S + 36, 0), files(/FAT size|no filesystem/)),
  fat('fat-past-end', (i) => i.u32(FAT_START * S + 36, 0x00ffffff), files(/FAT.*past the end/)),
  fat('total-sectors-past-end', (i) => i.u32(FAT_START * S + 32, 0x7fffffff), files(/past the end of (its|the) partition/)),
  fat('reserved-past-end', (i) => i.u16(FAT_START * S + 14, 0xffff), files(/past the end|FAT/)),
  fat('lfn-broken', async (i, f) => {
    // The checksum in the last long-name entry of "Long name.txt" no longer matches its short entry:
    // the short name is shown.
    const e = await dirEntry(i, f, f.root, LONG83);
    const b = await i.read(e.off - 32, 32);
    await i.u8(e.off - 32 + 13, (b[13]! + 1) & 0xff);
  }, {}, { cat: '/LONGNA~1.TXT', mustPass: { ls: /^\/:\nLONGNA~1\.TXT\ndir\n/, cat: /^long\n$/ } }),
  fat('lfn-out-of-order', async (i, f) => {
    // The long-name entry's sequence number says 2 of 2 (0x42) but no entry 1 follows: short name.
    const e = await dirEntry(i, f, f.root, LONG83);
    await i.u8(e.off - 32, 0x42);
  }, {}, { cat: '/LONGNA~1.TXT', mustPass: { ls: /^\/:\nLONGNA~1\.TXT\ndir\n/, cat: /^long\n$/ } }),
  fat('lfn-orphans', async (i, f) => {
    // The short entry after the long-name entries is deleted: they are skipped, nothing is listed for them.
    const e = await dirEntry(i, f, f.root, LONG83);
    await i.u8(e.off, 0xe5);
  }, { verify: /./ }, { cat: '/hello.bin', mustPass: { ls: /^\/:\ndir\nhello\.bin\n\n/, cat: /./ } }),
];

const ext4 = (name: string, make: Maker, mustFail: Def['mustFail'], extra: Partial<Def> = {}): Def => ({ name: `ext4-${name}`, base: 'gpt', part: 2, make, mustFail, ...extra });
const extSb = EXT_START * S + 1024;
const ext4Cases: Def[] = [
  ext4('bad-magic', (i) => i.u16(extSb + 0x38, 0x1234), {}, unrecognised('ext4')),
  ext4('zeroed-superblock', (i) => i.write(extSb, Buffer.alloc(1024)), {}, unrecognised('ext4')),
  ext4('inodes-count-0', (i) => i.u32(extSb, 0), files(/ext4|superblock/)),
  ext4('block-size-shift-huge', (i) => i.u32(extSb + 0x18, 40), files(/ext4|superblock|block size/)),
  ext4('root-inode-corrupt', async (i) => {
    const out = await sh('debugfs', ['-R', 'imap <2>', `${i.file}?offset=${EXT_START * S}`]);
    const m = /located at block (\d+), offset 0x([0-9a-f]+)/.exec(out)!;
    const bs = 1024 << (await i.read(extSb + 0x18, 4)).readUInt32LE(0);
    // Root becomes a FIFO with no blocks.
    await i.write(EXT_START * S + Number(m[1]) * bs + parseInt(m[2]!, 16), Buffer.alloc(160));
  }, files(/root directory|inode 2|ext4/)),
  ext4('dir-loop', async (i) => {
    await sh('debugfs', ['-w', '-R', 'link /dir /dir/sub/loop', `${i.file}?offset=${EXT_START * S}`]);
  }, { ls: /directory loop/, extract: /directory loop/, diff: /directory loop/, verify: /./ }, { cat: '/dir/sub/f.txt', mustPass: { cat: /^f\n$/ } }),
];

const btrfs = (name: string, make: Maker, mustFail: Def['mustFail'], extra: Partial<Def> = {}): Def => ({ name: `btrfs-${name}`, base: 'btrfs', part: 1, make, mustFail, ...extra });
const bSb = 2048 * S + 0x10000;
const btrfsCases: Def[] = [
  btrfs('bad-magic', (i) => i.write(bSb + 0x40, Buffer.from('_BHRfS_X')), {}, unrecognised('btrfs')),
  btrfs('bad-csum', (i) => i.write(bSb + 0x12b, Buffer.from('evil')), files(/btrfs/)),
  btrfs('zeroed-chunk-root', async (i) => {
    const c = await btrfsChunkRoot(i);
    for (const off of c.offs) await i.write(off, Buffer.alloc(c.nodeSize));
  }, files(/btrfs/)),
];

const erofs = (name: string, make: Maker, mustFail: Def['mustFail'], extra: Partial<Def> = {}): Def => ({ name: `erofs-${name}`, base: 'erofs', part: 1, make, mustFail, ...extra });
const eSb = 2048 * S + 1024;
/** The image offset of the first directory entry name `name` in the erofs partition (found in its bytes). */
async function erofsName(i: Img, name: string): Promise<number> {
  const b = await i.read(2048 * S, EROFS_SECTORS * S);
  const at = b.indexOf(Buffer.from(name));
  if (at < 0) throw new Error(`no ${name} in the erofs image`);
  return 2048 * S + at;
}
/** Patches the erofs partition, then sets its superblock checksum again (crc32c of bytes 1024-4095,
 *  the field zero, not inverted at the end): the block also holds the root directory's entries. */
const erofsPatched = (make: Maker): Maker => async (i) => {
  await make(i);
  const blk = await i.read(eSb, 4096 - 1024);
  blk.writeUInt32LE(0, 4);
  await i.u32(eSb + 4, ~crc32c(blk) >>> 0);
};
const erofsCases: Def[] = [
  erofs('bad-magic', (i) => i.u32(eSb, 0xe0f5e1e3), {}, unrecognised('erofs')),
  // The superblock's root nid changed, its checksum not: the kernel refuses to mount it.
  erofs('bad-csum', async (i) => i.u16(eSb + 14, (await i.read(eSb + 14, 2)).readUInt16LE(0) + 1), files(/erofs superblock checksum/)),
  // A directory entry whose name holds a "/" (extract would write outside its directory).
  erofs('name-slash', erofsPatched(async (i) => i.write(await erofsName(i, 'hello.bin'), Buffer.from('h/llo.bin'))), files(/contains "\/"/)),
  // Two entries with one name (the second would replace what the first extracted).
  erofs('name-repeated', erofsPatched(async (i) => i.write(await erofsName(i, 'hello.bin'), Buffer.from('dir\0\0\0\0\0\0'))), files(/out of order or repeated/)),
];

const squashfs = (name: string, make: Maker, mustFail: Def['mustFail'], extra: Partial<Def> = {}): Def => ({ name: `squashfs-${name}`, base: 'squashfs', part: 1, make, mustFail, ...extra });
const sqSb = 2048 * S;
/** The squashfs superblock's table offsets (relative to the partition). */
async function sqTables(i: Img): Promise<{ root: number; inode: number; dir: number; bytesUsed: number }> {
  const sb = await i.read(sqSb, 96);
  return { root: Number(sb.readBigUInt64LE(32)), bytesUsed: Number(sb.readBigUInt64LE(40)), inode: Number(sb.readBigUInt64LE(64)), dir: Number(sb.readBigUInt64LE(72)) };
}
const squashfsCases: Def[] = [
  squashfs('bad-magic', (i) => i.write(sqSb, Buffer.from('hsqX')), {}, unrecognised('squashfs')),
  squashfs('bytes-used-beyond-partition', (i) => i.u64(sqSb + 40, 1n << 40n), files(/squashfs/)),
  squashfs('block-log-wrong', (i) => i.u16(sqSb + 22, 3), files(/squashfs/)),
  squashfs('zeroed-inode-table', async (i) => {
    const t = await sqTables(i);
    await i.write(sqSb + t.inode, Buffer.alloc(t.dir - t.inode));
  }, files(/squashfs/)),
  squashfs('dir-loop', async (i) => {
    // The entry "sub" in /dir points at the root directory's inode (same metadata block).
    const t = await sqTables(i);
    const table = await i.read(sqSb + t.dir, t.bytesUsed - t.dir);
    const name = table.indexOf('sub');
    if (name < 8) throw new Error('corpus: no directory entry "sub" in the squashfs');
    await i.u16(sqSb + t.dir + name - 8, t.root & 0xffff);
  }, { ls: /directory loop/, cat: /directory loop/, extract: /directory loop/, diff: /directory loop/, verify: /./ }),
];

/** Cut the image in the middle of a structure. */
const cut = (name: string, base: Def['base'], at: number, re: RegExp, part = 1): Def => ({
  name: `truncated-${name}`, base, part, make: (i) => fsp.truncate(i.file, at), mustFail: table(re),
});
const truncCases: Def[] = [
  cut('mbr', 'dos', 300, /no partition table/),
  cut('gpt-header', 'gpt', S + 40, /GPT/),
  cut('gpt-array', 'gpt', 4 * S + 100, /GPT entry array/),
  cut('fat-bpb', 'gpt', FAT_START * S + 30, /past the end of the disk/),
  cut('fat-table', 'gpt', FAT_START * S + 64 * 1024, /past the end of the disk/),
  cut('fat-data', 'gpt', FAT_START * S + 2 * MiB, /past the end of the disk/),
  cut('ext4-inodes', 'dos', EXT_START * S + 600 * 1024, /past the end of the disk/, 2),
  cut('btrfs', 'btrfs', 2048 * S + 20 * MiB, /past the end of the disk/),
  cut('erofs', 'erofs', 2048 * S + 2048, /past the end of the disk/),
  cut('squashfs', 'squashfs', 2048 * S + 600, /past the end of the disk/),
];

const ALL: Def[] = [...gptCases, ...mbrCases, ...fatCases, ...ext4Cases, ...btrfsCases, ...erofsCases, ...squashfsCases, ...truncCases];
export const CASE_COUNT = ALL.length;
/** The cases' names (known without building the corpus: one test per image). */
export const CASE_NAMES: readonly string[] = ALL.map((d) => d.name);
/** The good image each case patches ('gpt', 'dos', 'btrfs', 'erofs', 'squashfs'), by case name. */
export const CASE_BASES: Readonly<Record<string, string>> = Object.fromEntries(ALL.map((d) => [d.name, d.base]));

/** Builds the corpus in `dir` (a fresh directory); returns the cases. */
export async function makeCorpus(dir: string): Promise<HostileCase[]> {
  const bases = await makeBases(dir);
  const out: HostileCase[] = [];
  for (const d of ALL) {
    const image = path.join(dir, `${d.name}.img`);
    await sh('cp', ['--sparse=always', bases[d.base], image]);
    await d.make(new Img(image));
    out.push({
      name: d.name, image, good: bases[d.base], part: d.part ?? 1, catPath: d.cat ?? (d.base === 'btrfs' || d.base === 'erofs' || d.base === 'squashfs' || d.part === 2 ? '/dir/sub/f.txt' : '/hello.bin'),
      mustFail: d.mustFail ?? {}, ...(d.mustPass ? { mustPass: d.mustPass } : {}),
    });
  }
  return out;
}
