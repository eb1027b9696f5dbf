/**
 * What README's "Adding a filesystem" promises, checked over the registry (registers
 * nothing): every driver declares its probe, reader, verify rule, label rule and
 * capabilities (or says it has none), and they agree with each other. Plus the superblock
 * codecs (encode then decode gives the fields back; short or hostile input is an error
 * message, never an exception) and the layering (no import cycle through spec-types,
 * the drivers, the codecs or the content generators).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { drivers, FS_TYPES, fsCan, typesThatCan } from '../src/fs/index.ts';
import { VERIFY_TOOLS } from '../src/inspect/verify.ts';
import { decodeFatBootSector, encodeFatVolumeFields, looksLikeFat } from '../src/codec/fat-boot-sector.ts';
import { decodeSwapHeader, encodeSwapHeader } from '../src/codec/swap-header.ts';
import { decodeVeritySuperblock, encodeVeritySuperblock } from '../src/codec/verity-superblock.ts';
import { BTRFS_SUPER_OFFSETS, BTRFS_SUPER_SIZE, BTRFS_MAGIC, BTRFS_SB, decodeBtrfsSuperblock, encodeBtrfsSuperblock, isBtrfs } from '../src/codec/btrfs-superblock.ts';
import { crc32c } from '../src/codec/crc32c.ts';
import { isExt4, parseExt4Superblock, SB, SB_OFFSET, SB_SIZE } from '../src/fs/ext4-superblock.ts';

const SRC = path.resolve(import.meta.dirname, '../src');

test('every driver declares probe, reader, check, label and capabilities (null: none)', () => {
  for (const t of FS_TYPES) {
    const d = drivers[t] as unknown as Record<string, unknown>;
    for (const k of ['probe', 'reader', 'check', 'label', 'capabilities']) assert.ok(k in d && d[k] !== undefined, `${t}: ${k} is declared`);
  }
});

test('the declarations agree: files need a reader, a reader needs a probe, a probe needs a check, labels match the schema', async () => {
  for (const t of FS_TYPES) {
    const d = drivers[t];
    if (d.capabilities.files) assert.ok(d.reader, `${t} holds files: it has a reader`);
    if (d.reader) assert.ok(d.probe, `${t} has a reader: it has a probe to find it`);
    if (d.probe) assert.ok(d.check, `${t} can be found: verify has a check for it`);
    if (d.capabilities.root) assert.ok(d.capabilities.files && d.capabilities.symlinks, `${t} can be a root: it holds files and symlinks`);
    assert.equal(d.label !== null, 'label' in d.spec.properties, `${t}: a label rule exactly when the spec takes a label`);
    if (d.check?.tool !== undefined) assert.ok((VERIFY_TOOLS as readonly string[]).includes(d.check.tool), `${t}: ${d.check.tool} is one of VERIFY_TOOLS`);
    if (d.reader) assert.equal(typeof (await d.reader()), 'function', `${t}: its reader module exports open`);
    // The flags older callers read come from the capabilities.
    assert.equal(d.holdsFiles, d.capabilities.files, `${t}.holdsFiles`);
    assert.equal(d.rootCandidate, d.capabilities.root, `${t}.rootCandidate`);
    assert.equal(d.noSymlinks, !d.capabilities.symlinks, `${t}.noSymlinks`);
  }
  assert.deepEqual(typesThatCan('root'), ['ext4', 'btrfs', 'erofs', 'squashfs']);
  assert.equal(fsCan('squashfs', 'writable'), false, 'squashfs is read-only');
  assert.equal(fsCan('vfat', 'firmwareReadable'), true);
  // What dm-verity can protect: read-only by design, never a writable filesystem (or verity itself).
  for (const t of ['raw', 'erofs'] as const) assert.equal(fsCan(t, 'readOnly'), true, `${t} is readOnly`);
  for (const t of typesThatCan('readOnly')) assert.equal(drivers[t].capabilities.writable, false, `${t}: readOnly and not writable`);
  assert.equal(fsCan('verity', 'readOnly'), false);
  assert.equal(drivers.raw.probe, null, 'raw has no signature');
  assert.equal(drivers.raw.reader, null, 'raw has no reader');
  assert.equal(drivers.swap.reader, null, 'swap holds no files');
});

test('probes: each recognises its own superblock and none of the others', () => {
  const head = (fill: (b: Buffer) => void) => {
    const b = Buffer.alloc(BTRFS_SUPER_OFFSETS[0] + BTRFS_SUPER_SIZE);
    fill(b);
    return b;
  };
  const samples: Record<string, Buffer> = {
    btrfs: head((b) => BTRFS_MAGIC.copy(b, BTRFS_SUPER_OFFSETS[0] + BTRFS_SB.magic)),
    ext4: head((b) => b.writeUInt16LE(0xef53, SB_OFFSET + SB.MAGIC)),
    squashfs: head((b) => b.write('hsqs', 0, 'latin1')),
    swap: head((b) => encodeSwapHeader({ pageSize: 4096, lastPage: 9, badPages: 0, uuid: '01234567-89ab-cdef-0123-456789abcdef', label: 'sw' }).copy(b)),
    verity: head((b) => encodeVeritySuperblock(VERITY_SB).copy(b)),
    vfat: head((b) => {
      b.writeUInt16LE(512, 11);
      b[13] = 4;
      b[16] = 2;
      b.write('FAT16   ', 54, 'latin1');
      b[510] = 0x55;
      b[511] = 0xaa;
    }),
  };
  for (const [type, bytes] of Object.entries(samples)) {
    for (const t of FS_TYPES) {
      const p = drivers[t].probe;
      if (p) assert.equal(p.matches(bytes.subarray(0, p.span)), t === type, `${t}'s probe on a ${type} head`);
    }
  }
  assert.equal(isBtrfs(Buffer.alloc(100)), false, 'a short head is no btrfs');
  assert.equal(isExt4(Buffer.alloc(100)), false, 'a short head is no ext4');
});

test('FAT boot sector: the volume fields encode and decode side by side (FAT16 and FAT32 places)', () => {
  for (const fat32 of [false, true]) {
    const b = Buffer.alloc(512);
    b.writeUInt16LE(512, 11);
    b[13] = 1;
    b.writeUInt16LE(fat32 ? 0 : 16, 22);
    if (fat32) b.writeUInt32LE(1009, 36);
    b[510] = 0x55;
    b[511] = 0xaa;
    encodeFatVolumeFields(b, { volumeId: 0xdeadbeef, label: 'BOOT', fsType: fat32 ? 'FAT32' : 'FAT16' });
    const d = decodeFatBootSector(b);
    assert.ok(typeof d !== 'string');
    assert.equal(d.volumeId, 0xdeadbeef);
    assert.equal(d.label, 'BOOT');
    assert.equal(d.fsType, fat32 ? 'FAT32' : 'FAT16');
    assert.equal(d.fatSectors, fat32 ? 1009 : 16);
    assert.equal(b.readUInt32LE(fat32 ? 0x43 : 0x27), 0xdeadbeef, 'BS_VolID where the FAT spec puts it');
    assert.ok(looksLikeFat(b));
  }
  assert.match(String(decodeFatBootSector(Buffer.alloc(100))), /512 bytes, got 100/);
  const noLabel = encodeFatVolumeFields(Buffer.alloc(512), { volumeId: 1, label: '', fsType: 'FAT12' });
  assert.equal((decodeFatBootSector(noLabel) as { label: string }).label, 'NO NAME');
});

const VERITY_SB = { hashType: 1, uuid: '01234567-89ab-cdef-0123-456789abcdef', algorithm: 'sha256', dataBlockSize: 4096, hashBlockSize: 4096, dataBlocks: 2 ** 40, salt: 'c0ffee' };

test('verity superblock: encode then decode; no signature, a short head or an oversized salt is a message', () => {
  const sb = encodeVeritySuperblock(VERITY_SB);
  assert.equal(sb.length, 512);
  assert.deepEqual(decodeVeritySuperblock(sb), VERITY_SB);
  assert.match(String(decodeVeritySuperblock(Buffer.alloc(512))), /no dm-verity superblock/);
  assert.match(String(decodeVeritySuperblock(sb.subarray(0, 100))), /no dm-verity superblock/);
  const big = Buffer.from(sb);
  big.writeUInt16LE(257, 80);
  assert.match(String(decodeVeritySuperblock(big)), /salt size 257 is larger than 256/);
});

test('swap header: encode then decode; no signature is a message', () => {
  for (const pageSize of [4096, 16384, 65536]) {
    const page = encodeSwapHeader({ pageSize, lastPage: 99, badPages: 0, uuid: '01234567-89ab-cdef-0123-456789abcdef', label: 'fifteen-bytes-l' });
    assert.equal(page.length, pageSize);
    assert.deepEqual(decodeSwapHeader(page), { pageSize, version: 1, lastPage: 99, badPages: 0, uuid: '01234567-89ab-cdef-0123-456789abcdef', label: 'fifteen-bytes-l' });
  }
  assert.match(String(decodeSwapHeader(Buffer.alloc(8192))), /no SWAPSPACE2 signature/);
  assert.match(String(decodeSwapHeader(Buffer.alloc(10))), /no SWAPSPACE2 signature/);
});

test('btrfs superblock: encode sets the size (also in dev_item) and bytenr with a valid crc32c; bounds checked', () => {
  const sb = Buffer.alloc(BTRFS_SUPER_SIZE);
  BTRFS_MAGIC.copy(sb, BTRFS_SB.magic);
  sb.write('label', BTRFS_SB.label, 'utf8');
  encodeBtrfsSuperblock(sb, { totalBytes: 256 << 20, bytenr: BTRFS_SUPER_OFFSETS[0] });
  const d = decodeBtrfsSuperblock(sb);
  assert.ok(typeof d !== 'string');
  assert.equal(d.totalBytes, 256 << 20);
  assert.equal(d.bytenr, BigInt(BTRFS_SUPER_OFFSETS[0]));
  assert.equal(d.label, 'label');
  assert.equal(d.csumOk, true);
  assert.equal(sb.readUInt32LE(0), crc32c(sb, 32));
  assert.match(String(decodeBtrfsSuperblock(sb.subarray(0, 100))), /4096 bytes, got 100/);
  sb.writeUInt32LE(5000, BTRFS_SB.sysChunkArraySize);
  assert.match(String(decodeBtrfsSuperblock(sb)), /sys_chunk_array_size 5000 runs past/);
});

test('ext4 superblock: a hostile block size is an error, not a shift overflow', () => {
  const sb = Buffer.alloc(SB_SIZE);
  sb.writeUInt16LE(0xef53, SB.MAGIC);
  sb.writeUInt32LE(40, SB.LOG_BLOCK_SIZE);
  assert.throws(() => parseExt4Superblock(sb), /block size/);
});

/** The relative imports of a source file (import, import type, export from, import()). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    out.push(path.resolve(path.dirname(file), (m[1] ?? m[2])!));
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('layers: spec-types.ts imports nothing; no import cycle runs through spec-types, spec-check, labels, fs/, codec/ or content/', () => {
  assert.deepEqual(importsOf(path.join(SRC, 'spec-types.ts')), []);
  const graph = new Map(sourceFiles(SRC).map((f) => [f, importsOf(f)]));
  const watched = (f: string) => /\/(spec-types|spec-check|labels)\.ts$|\/(fs|codec|content)\//.test(f);
  // Tarjan's strongly connected components: a component of 2+ files is a cycle.
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(path.relative(SRC, w));
      } while (w !== v);
      if (comp.length > 1) cycles.push(comp);
    }
  };
  for (const f of graph.keys()) if (!idx.has(f)) visit(f);
  assert.deepEqual(cycles.filter((c) => c.some((f) => watched(path.join(SRC, f)))), []);
});
