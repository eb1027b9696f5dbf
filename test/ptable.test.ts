/**
 * Partition tables (src/ptable): byte comparisons against sfdisk 2.38 / sgdisk 1.0.9
 * on zeroed sparse files, checks with `sgdisk -v`, `sfdisk -d` and `fdisk -l -t dos`,
 * and the validation errors.
 *
 * Note: every sgdisk write calls sync() and sleeps 1 s, so the GPT tests run concurrently.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { BuildError, UsageError } from '../src/errors.ts';
import type { DiskPlan, PlannedPartition } from '../src/disk-plan.ts';
import {
  buildPartitionTable, deriveGuid, resolveDosType, resolveGptType, validateTable, writePartitionTable,
} from '../src/ptable/index.ts';
import {
  decodeGptEntry, decodeGptHeader, encodeGptEntries, encodeGptHeader, formatGptAttributes, GPT_LEGACY_BIOS_BOOTABLE, gptEntriesCrc,
  type DecodedGptHeader,
} from '../src/ptable/gpt.ts';
import { buildMbrSector, decodeMbrDiskSignature, decodeMbrEntries, protectiveEntry } from '../src/ptable/mbr.ts';
import { dosTypeName, gptTypeName } from '../src/ptable/parttypes.ts';
import { GiB, MiB, TiB } from '../src/units.ts';
import { blankImage, ourTableImage, readAt, sgdiskVerify } from './helpers/table-images.ts';

const S = 512;
/** deriveGuid golden values for seed "example": disk, partition "ESP", partition "root". */
const GOLDEN = ['582EF850-9A87-4501-8A8F-E248C664EEDD', '0223E977-57D0-49D5-8B06-EF8E89134C52', '726A6822-1EA2-4369-BE44-E4FE3D7959EB'];
let dir = '';

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'imgsmith-ptable-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function part(index: number, name: string, startSector: number, sizeSectors: number, type: string,
  extra: Partial<PlannedPartition> = {}): PlannedPartition {
  return { index, name, start: startSector * S, size: sizeSectors * S, type, bootable: false, attributes: [], ...extra };
}

async function sfdiskWrite(file: string, script: string): Promise<void> {
  await execa('sfdisk', ['--no-reread', '--no-tell-kernel', file], { input: script });
}

interface DumpPart { node: string; start: number; size: number; type: string; uuid?: string; name?: string; attrs?: string; bootable: boolean }

/** Parses `sfdisk -d` output (header "key: value" lines, then "node : k=v, k=v, ..." lines). */
async function sfdiskDump(file: string): Promise<{ header: Record<string, string>; parts: DumpPart[] }> {
  const { stdout } = await execa('sfdisk', ['-d', file]);
  const header: Record<string, string> = {};
  const parts: DumpPart[] = [];
  for (const line of stdout.split('\n')) {
    const pm = /^(\S+)\s+:\s+(.*)$/.exec(line);
    if (pm) {
      const fields: Record<string, string> = {};
      const re = /([a-z-]+)(?:=\s*("(?:[^"\\]|\\.)*"|[^,]*))?(?:,\s*|$)/g;
      let m: RegExpExecArray | null;
      while ((m = re.exec(pm[2]!)) !== null && m[0] !== '') {
        let v = (m[2] ?? '').trim();
        if (v.startsWith('"')) {
          // sfdisk escapes non-printable/non-ASCII bytes as \xNN (UTF-8 bytes).
          const bytes: number[] = [];
          const body = v.slice(1, -1);
          for (let i = 0; i < body.length; i++) {
            if (body[i] === '\\' && body[i + 1] === 'x') { bytes.push(parseInt(body.slice(i + 2, i + 4), 16)); i += 3; }
            else bytes.push(...Buffer.from(body[i]!, 'utf8'));
          }
          v = Buffer.from(bytes).toString('utf8');
        }
        fields[m[1]!] = v;
      }
      parts.push({
        node: pm[1]!, start: Number(fields.start), size: Number(fields.size), type: fields.type!,
        bootable: 'bootable' in fields,
        ...(fields.uuid !== undefined ? { uuid: fields.uuid } : {}),
        ...(fields.name !== undefined ? { name: fields.name } : {}),
        ...(fields.attrs !== undefined ? { attrs: fields.attrs } : {}),
      });
      continue;
    }
    const hm = /^([a-z-]+):\s*(.*)$/.exec(line);
    if (hm) header[hm[1]!] = hm[2]!;
  }
  return { header, parts };
}

/** sgdisk arguments that recreate `plan`'s GPT with the GUIDs our module chose. */
function sgdiskArgs(plan: DiskPlan): string[] {
  const info = buildPartitionTable(plan).info;
  const args = ['--clear', '--set-alignment=1', `--disk-guid=${info.diskGuid}`];
  for (const p of plan.partitions) {
    const i = p.index;
    const pi = info.partitions.find((q) => q.index === i)!;
    args.push(`--new=${i}:${p.start / S}:${(p.start + p.size) / S - 1}`, `--typecode=${i}:${pi.typeCode}`,
      `--partition-guid=${i}:${pi.guid}`);
    if (p.name) args.push(`--change-name=${i}:${p.name}`);
    const bits = new Set<number>(p.bootable ? [2] : []);
    for (const a of p.attributes) {
      bits.add(typeof a === 'number' ? a : ({ 'required': 0, 'no-block-io': 1, 'legacy-bios-bootable': 2 } as Record<string, number>)[a]!);
    }
    for (const b of bits) args.push(`--attributes=${i}:set:${b}`);
  }
  return args;
}

/** Compares the GPT areas (LBA 0-33 and the last 33 sectors) of two images; `wholeFile` compares everything. */
async function assertSameGpt(a: string, b: string, diskSize: number, wholeFile: boolean): Promise<void> {
  if (wholeFile) {
    const [x, y] = await Promise.all([readFile(a), readFile(b)]);
    assert.equal(x.length, y.length);
    if (!x.equals(y)) {
      const i = x.findIndex((v, k) => v !== y[k]);
      assert.fail(`images differ first at byte ${i} (sector ${Math.floor(i / S)}, offset ${i % S}): ${x[i]} vs ${y[i]}`);
    }
    return;
  }
  for (const [off, len] of [[0, 34 * S], [diskSize - 33 * S, 33 * S]] as const) {
    const [x, y] = await Promise.all([readAt(a, off, len), readAt(b, off, len)]);
    assert.ok(x.equals(y), `GPT bytes differ in [${off}, ${off + len})`);
  }
}

function assertUsage(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, `expected a UsageError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    assert.match(e.message, re);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
describe('DOS (MBR) tables are byte-identical to sfdisk', () => {
  test('NixOS Raspberry Pi layout: FAT32 at 8 MiB (30 MiB), Linux from 38 MiB to the end, bootable', async () => {
    const diskSize = 1 * GiB + 3 * MiB + 7 * S;
    const total = diskSize / S;
    const plan: DiskPlan = {
      diskSize,
      table: { type: 'dos', labelId: 0x2178694e },
      partitions: [
        part(1, 'FIRMWARE', 16384, 61440, '0x0b'),
        part(2, 'NIXOS_SD', 77824, total - 77824, 'linux', { bootable: true }),
      ],
    };
    const ref = await blankImage(dir, diskSize, 'sfdisk');
    await sfdiskWrite(ref, 'label: dos\nlabel-id: 0x2178694e\nstart=16384, size=61440, type=b\nstart=77824, type=83, bootable\n');
    const image = buildPartitionTable(plan);
    assert.equal(image.writes.length, 1);
    assert.equal(image.writes[0]!.offset, 0);
    assert.equal(image.writes[0]!.data.length, 512);
    const mine = await ourTableImage(dir, plan);
    assert.deepEqual(await readAt(mine, 0, 512), await readAt(ref, 0, 512));
    assert.deepEqual(image.info, {
      type: 'dos', labelId: '0x2178694e',
      partitions: [
        { index: 1, name: 'FIRMWARE', typeCode: '0x0b', bootable: false },
        { index: 2, name: 'NIXOS_SD', typeCode: '0x83', bootable: true },
      ],
    });
    const d = await sfdiskDump(mine);
    assert.equal(d.header.label, 'dos');
    assert.equal(d.header['label-id'], '0x2178694e');
    assert.deepEqual(d.parts.map((p) => [p.start, p.size, p.type, p.bootable]),
      [[16384, 61440, 'b', false], [77824, total - 77824, '83', true]]);
  });

  test('four partitions on a 20 GiB disk (CHS clamped past cylinder 1023), type spellings, high label-id', async () => {
    const diskSize = 20 * GiB;
    const plan: DiskPlan = {
      diskSize,
      table: { type: 'dos', labelId: 0xdeadbeef },
      partitions: [
        part(1, 'a', 2048, 16775168, 'fat32-lba'),
        part(2, 'b', 16777216, 8388608, '0x83'),
        part(3, 'c', 25165824, 100000, 'swap', { bootable: true }),
        part(4, 'd', 30000000, diskSize / S - 30000000, 'EF'),
      ],
    };
    const ref = await blankImage(dir, diskSize, 'sfdisk');
    await sfdiskWrite(ref, [
      'label: dos', 'label-id: 0xdeadbeef',
      'start=2048, size=16775168, type=c',
      'start=16777216, size=8388608, type=83',
      'start=25165824, size=100000, type=82, bootable',
      'start=30000000, type=ef', '',
    ].join('\n'));
    const mine = await ourTableImage(dir, plan);
    const mbr = await readAt(mine, 0, 512);
    assert.deepEqual(mbr, await readAt(ref, 0, 512));
    // Partition 2 starts past cylinder 1023: both CHS triples are 1023/254/63.
    assert.deepEqual([...mbr.subarray(446 + 16 + 1, 446 + 16 + 4)], [0xfe, 0xff, 0xff]);
    const d = await sfdiskDump(mine);
    assert.equal(d.header['label-id'], '0xdeadbeef');
    assert.deepEqual(d.parts.map((p) => [p.start, p.size, p.type, p.bootable]), [
      [2048, 16775168, 'c', false], [16777216, 8388608, '83', false],
      [25165824, 100000, '82', true], [30000000, diskSize / S - 30000000, 'ef', false],
    ]);
  });

  test('small odd-sized disk, old-style start at sector 63, unused slot 2, all type spellings', async () => {
    const diskSize = 3 * MiB + 5 * S;
    const plan: DiskPlan = {
      diskSize,
      table: { type: 'dos', labelId: 1 },
      partitions: [
        part(1, 'one', 63, 1000, 'b', { bootable: true }),
        part(3, 'three', 1063, 2000, '0b'),
        part(4, 'four', 3063, diskSize / S - 3063, 'fat16'),
      ],
    };
    const ref = await blankImage(dir, diskSize, 'sfdisk');
    const node = path.basename(ref);
    await sfdiskWrite(ref, `label: dos\nlabel-id: 0x00000001\n${node}1 : start=63, size=1000, type=b, bootable\n` +
      `${node}3 : start=1063, size=2000, type=b\n${node}4 : start=3063, type=6\n`);
    const mine = await ourTableImage(dir, plan);
    assert.deepEqual(await readAt(mine, 0, 512), await readAt(ref, 0, 512));
    const d = await sfdiskDump(mine);
    assert.deepEqual(d.parts.map((p) => [p.node.slice(-1), p.start, p.type, p.bootable]),
      [['1', 63, 'b', true], ['3', 1063, 'b', false], ['4', 3063, '6', false]]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('GPT tables are byte-identical to sgdisk', { concurrency: true }, () => {
  test('ESP + root with explicit GUIDs, names, attributes (whole image compared)', async () => {
    const diskSize = 64 * MiB;
    const plan: DiskPlan = {
      diskSize,
      table: { type: 'gpt', seed: 'unused', diskGuid: '11111111-2222-3333-4444-555555555555' },
      partitions: [
        part(1, 'ESP', 2048, 40960, 'ef00', { guid: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', attributes: ['required'] }),
        part(2, 'root', 43008, diskSize / S - 34 - 43008 + 1, 'root-arm64', { guid: '01234567-89AB-CDEF-0123-456789ABCDEF' }),
      ],
    };
    const ref = await blankImage(dir, diskSize, 'sgdisk');
    // The GPT as the brief writes it with sgdisk (typecodes as gdisk codes).
    await execa('sgdisk', ['--clear', '--disk-guid=11111111-2222-3333-4444-555555555555',
      '--new=1:2048:+40960', '--typecode=1:ef00', '--change-name=1:ESP',
      '--partition-guid=1:AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE', '--attributes=1:set:0',
      '--new=2:43008:0', '--typecode=2:8305', '--change-name=2:root',
      '--partition-guid=2:01234567-89ab-cdef-0123-456789abcdef', ref]);
    const mine = await ourTableImage(dir, plan);
    await assertSameGpt(mine, ref, diskSize, true);
    await sgdiskVerify(mine);
    const d = await sfdiskDump(mine);
    assert.equal(d.header.label, 'gpt');
    assert.equal(d.header['label-id'], '11111111-2222-3333-4444-555555555555');
    assert.equal(d.header['first-lba'], '34');
    assert.equal(d.header['last-lba'], String(diskSize / S - 34));
    assert.deepEqual(d.parts.map((p) => ({ ...p, node: undefined })), [
      { node: undefined, start: 2048, size: 40960, type: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
        uuid: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE', name: 'ESP', attrs: 'RequiredPartition', bootable: false },
      { node: undefined, start: 43008, size: diskSize / S - 34 - 43008 + 1, type: 'B921B045-1DF0-41C3-AF44-4C6F280D3FAE',
        uuid: '01234567-89AB-CDEF-0123-456789ABCDEF', name: 'root', bootable: false },
    ]);
    const info = buildPartitionTable(plan).info;
    assert.deepEqual(info.partitions[0], {
      index: 1, name: 'ESP', typeCode: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
      guid: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE', bootable: false, attributes: 'RequiredPartition',
    });
  });

  test('odd disk size, derived GUIDs, unicode and 36-unit names, index gaps, attribute bits', async () => {
    const diskSize = 50 * MiB + 7 * S; // not a multiple of 1 MiB
    const last = diskSize / S - 34;
    const long = 'x'.repeat(36);
    const plan: DiskPlan = {
      diskSize,
      table: { type: 'gpt', seed: 'odd-disk' },
      partitions: [
        part(1, 'bios', 34, 2014, 'bios'),
        part(2, 'ESP', 2048, 20480, 'esp', { bootable: true }),
        part(5, 'héllo wörld 日本語 🙂', 22528, 1000, 'C12A7328-f81f-11d2-BA4B-00A0C93EC93B', { attributes: ['no-block-io', 48, 63] }),
        part(7, long, 23528, 20000, '8300', { attributes: ['legacy-bios-bootable', 'required'] }),
        part(128, 'swap', 43528, last - 43528 + 1, 'swap', { attributes: [60] }),
      ],
    };
    const ref = await blankImage(dir, diskSize, 'sgdisk');
    await execa('sgdisk', [...sgdiskArgs(plan), ref]);
    const mine = await ourTableImage(dir, plan);
    await assertSameGpt(mine, ref, diskSize, true);
    await sgdiskVerify(mine);
    const info = buildPartitionTable(plan).info;
    assert.equal(info.diskGuid, deriveGuid('disk-guid', ['odd-disk']));
    const d = await sfdiskDump(mine);
    assert.equal(d.header['label-id'], info.diskGuid);
    assert.equal(d.header['last-lba'], String(last));
    assert.deepEqual(d.parts.map((p) => [p.node.replace(/^.*\.img/, ''), p.start, p.size, p.type.toUpperCase(), p.uuid, p.name, p.attrs]),
      info.partitions.map((p) => {
        const pp = plan.partitions.find((q) => q.index === p.index)!;
        return [String(p.index), pp.start / S, pp.size / S, p.typeCode, p.guid, p.name, p.attributes];
      }));
    assert.deepEqual(info.partitions.map((p) => [p.index, p.bootable, p.attributes]), [
      [1, false, undefined], [2, true, 'LegacyBIOSBootable'],
      [5, false, 'NoBlockIOProtocol GUID:48,63'], [7, true, 'RequiredPartition LegacyBIOSBootable'],
      [128, false, 'GUID:60'],
    ]);
  });

  test('3 TiB disk: protective MBR size capped at 0xFFFFFFFF', async () => {
    const diskSize = 3 * TiB;
    const plan: DiskPlan = {
      diskSize,
      table: { type: 'gpt', seed: 'big' },
      partitions: [
        part(1, 'ESP', 2048, 1048576, 'esp'),
        part(2, 'data', 1050624, diskSize / S - 34 - 1050624 + 1, 'linux'),
      ],
    };
    const ref = await blankImage(dir, diskSize, 'sgdisk');
    await execa('sgdisk', [...sgdiskArgs(plan), ref]);
    const mine = await ourTableImage(dir, plan);
    await assertSameGpt(mine, ref, diskSize, false);
    const mbr = await readAt(mine, 0, 512);
    assert.deepEqual([...mbr.subarray(446, 462)],
      [0, 0, 2, 0, 0xee, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    await sgdiskVerify(mine);
    const d = await sfdiskDump(mine);
    assert.equal(d.parts[1]!.size, diskSize / S - 34 - 1050624 + 1);
  });

  test('the protective MBR end CHS: computed below cylinder 1024, ff ff ff from there (as sgdisk)', async () => {
    // 16450560 sectors = 1024 cylinders of 255 * 63: the last LBA is the first one CHS cannot address.
    const sizes = [16450560 * S, 16450561 * S];
    await Promise.all(sizes.map(async (diskSize) => {
      const plan: DiskPlan = { diskSize, table: { type: 'gpt', seed: 's' }, partitions: [part(1, 'p', 2048, 2048, 'linux')] };
      const ref = await blankImage(dir, diskSize, 'sgdisk');
      await execa('sgdisk', [...sgdiskArgs(plan), ref]);
      const mine = await ourTableImage(dir, plan);
      await assertSameGpt(mine, ref, diskSize, false);
    }));
    const mbrOf = (diskSize: number) => buildPartitionTable({ diskSize, table: { type: 'gpt', seed: 's' }, partitions: [] }).writes[0]!.data;
    assert.deepEqual([...mbrOf(sizes[0]!).subarray(451, 454)], [0xfe, 0xff, 0xff]); // 1023/254/63, computed
    assert.deepEqual([...mbrOf(sizes[1]!).subarray(451, 454)], [0xff, 0xff, 0xff]);
  });

  test('hybrid MBR: same bytes as `sgdisk -h` (types given to match gdisk: esp:0xef)', async () => {
    const diskSize = 100 * MiB;
    const plan: DiskPlan = {
      diskSize,
      table: { type: 'gpt', seed: 'hybrid', hybridMbr: ['root', 'FIRMWARE'] },
      partitions: [
        part(1, 'FIRMWARE', 16384, 61440, 'esp:0xef'),
        part(2, 'root', 77824, diskSize / S - 34 - 77824 + 1, 'root-arm64'),
      ],
    };
    const ref = await blankImage(dir, diskSize, 'sgdisk');
    await execa('sgdisk', [...sgdiskArgs(plan), ref]);
    await execa('sgdisk', ['-h', '2:1', ref]);
    const mine = await ourTableImage(dir, plan);
    await assertSameGpt(mine, ref, diskSize, true);
    const mbr = await readAt(mine, 0, 512);
    // 0xEE first, covering LBA 1 up to the lowest mirrored partition; then the list order.
    assert.deepEqual([mbr[446 + 4], mbr.readUInt32LE(446 + 8), mbr.readUInt32LE(446 + 12)], [0xee, 1, 16383]);
    assert.deepEqual([mbr[462 + 4], mbr.readUInt32LE(462 + 8)], [0x83, 77824]);
    assert.deepEqual([mbr[478 + 4], mbr.readUInt32LE(478 + 8)], [0xef, 16384]);
    await sgdiskVerify(mine);
  });

  test('hybrid MBR for a Raspberry Pi 3: FAT as 0x0c, bootable flag, checked with fdisk -l -t dos', async () => {
    const diskSize = 64 * MiB + 3 * S;
    const plan: DiskPlan = {
      diskSize,
      table: { type: 'gpt', seed: 'rpi3', hybridMbr: ['FIRMWARE', 'NIXOS_SD'] },
      partitions: [
        part(1, 'FIRMWARE', 16384, 61440, 'basic-data'),
        part(2, 'NIXOS_SD', 77824, diskSize / S - 34 - 77824 + 1, 'linux', { bootable: true }),
      ],
    };
    const mine = await ourTableImage(dir, plan);
    await sgdiskVerify(mine);
    const { stdout } = await execa('fdisk', ['-l', '-t', 'dos', mine]);
    const rows = stdout.split('\n').filter((l) => l.startsWith(mine))
      .map((l) => l.slice(mine.length).trim().split(/\s+/));
    // Device suffix, [Boot], Start, End, Sectors, Size, Id, Type...
    const parsed = rows.map((r) => {
      const boot = r[1] === '*';
      const c = boot ? r.slice(2) : r.slice(1);
      return { dev: r[0], boot, start: Number(c[0]), end: Number(c[1]), id: c[4] };
    });
    assert.deepEqual(parsed, [
      { dev: '1', boot: false, start: 1, end: 16383, id: 'ee' },
      { dev: '2', boot: false, start: 16384, end: 16384 + 61440 - 1, id: 'c' },
      { dev: '3', boot: true, start: 77824, end: diskSize / S - 34, id: '83' },
    ]);
    const info = buildPartitionTable(plan).info;
    assert.deepEqual(info.hybridMbr, ['FIRMWARE', 'NIXOS_SD']);
    assert.deepEqual(info.partitions.map((p) => p.hybridMbrType), ['0x0c', '0x83']);
    // The GPT is still what sfdisk sees by default.
    const d = await sfdiskDump(mine);
    assert.equal(d.header.label, 'gpt');
    assert.deepEqual(d.parts.map((p) => p.name), ['FIRMWARE', 'NIXOS_SD']);
  });
});

// ---------------------------------------------------------------------------------------------
describe('type names', () => {
  test('resolveDosType accepts hex ids and aliases', () => {
    for (const [t, v] of [['0x0b', 0x0b], ['b', 0x0b], ['0b', 0x0b], ['B', 0x0b], ['83', 0x83], ['0x83', 0x83],
      ['fat32', 0x0b], ['fat32-lba', 0x0c], ['fat16', 0x06], ['linux', 0x83], ['swap', 0x82], ['efi', 0xef],
      ['lvm', 0x8e]] as const) {
      assert.equal(resolveDosType(t), v, t);
    }
    assertUsage(() => resolveDosType('extended'), /an extended partition .*has no filesystem/);
    assertUsage(() => resolveDosType('0x05'), /extended/);
    assertUsage(() => resolveDosType('fat64'), /unknown DOS partition type "fat64"/);
    assertUsage(() => resolveDosType('0x123'), /unknown DOS partition type/);
    assertUsage(() => resolveDosType('0'), /unused/);
    assertUsage(() => resolveDosType('ee'), /GPT protective/);
  });

  test('resolveGptType accepts aliases, gdisk codes and GUIDs in any case', () => {
    const cases: [string, string][] = [
      ['esp', 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B'], ['ESP', 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B'],
      ['linux', '0FC63DAF-8483-4772-8E79-3D69D8477DE4'], ['swap', '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F'],
      ['xbootldr', 'BC13C2FF-59E6-4262-A352-B275FD6F7172'], ['root-arm64', 'B921B045-1DF0-41C3-AF44-4C6F280D3FAE'],
      ['root-x86-64', '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709'], ['home', '933AC7E1-2EB4-4F13-B844-0E14E2AEF915'],
      ['bios', '21686148-6449-6E6F-744E-656564454649'], ['msdata', 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7'],
      ['basic-data', 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7'],
      ['ef00', 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B'], ['EF00', 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B'],
      ['8200', '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F'], ['8300', '0FC63DAF-8483-4772-8E79-3D69D8477DE4'],
      ['ef02', '21686148-6449-6E6F-744E-656564454649'], ['0700', 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7'],
      ['8302', '933AC7E1-2EB4-4F13-B844-0E14E2AEF915'], ['8304', '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709'],
      ['8305', 'B921B045-1DF0-41C3-AF44-4C6F280D3FAE'], ['ea00', 'BC13C2FF-59E6-4262-A352-B275FD6F7172'],
      ['0fc63daf-8483-4772-8e79-3d69d8477de4', '0FC63DAF-8483-4772-8E79-3D69D8477DE4'],
      ['12345678-9abc-def0-1234-56789abcdef0', '12345678-9ABC-DEF0-1234-56789ABCDEF0'],
      ['esp:0x0b', 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B'],
    ];
    for (const [t, g] of cases) assert.equal(resolveGptType(t), g, t);
    assertUsage(() => resolveGptType('rootfs'), /unknown GPT partition type "rootfs"/);
    assertUsage(() => resolveGptType('9999'), /unknown gdisk type code "9999"/);
    assertUsage(() => resolveGptType('0FC63DAF-8483-4772-8E79-3D69D8477DE'), /not a well-formed GUID/);
    assertUsage(() => resolveGptType('{0FC63DAF-8483-4772-8E79-3D69D8477DE4}'), /not a well-formed GUID/);
    assertUsage(() => resolveGptType('esp:0x05'), /hybrid-MBR type after ":" is invalid/);
  });

  test('derived GUIDs are stable, version 4 / RFC 4122 variant, and depend on seed and name', () => {
    // Golden values: changing the derivation changes every image built without explicit GUIDs.
    assert.equal(deriveGuid('disk-guid', ['example']), deriveGuid('disk-guid', ['example']));
    const plan: DiskPlan = {
      diskSize: 16 * MiB,
      table: { type: 'gpt', seed: 'example' },
      partitions: [part(1, 'ESP', 2048, 4096, 'esp'), part(2, 'root', 6144, 8192, 'linux')],
    };
    const info = buildPartitionTable(plan).info;
    assert.equal(info.diskGuid, deriveGuid('disk-guid', ['example']));
    assert.equal(info.partitions[0]!.guid, deriveGuid('partition-guid', ['example', 'ESP']));
    assert.deepEqual([info.diskGuid, info.partitions[0]!.guid, info.partitions[1]!.guid], GOLDEN);
    const all = [info.diskGuid!, ...info.partitions.map((p) => p.guid!),
      deriveGuid('partition-guid', ['example2', 'ESP']), deriveGuid('disk-guid', ['example2'])];
    assert.equal(new Set(all).size, all.length);
    for (const g of all) assert.match(g, /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    // Same plan, same bytes.
    const a = buildPartitionTable(plan).writes;
    const b = buildPartitionTable(structuredClone(plan)).writes;
    assert.deepEqual(a, b);
  });
});

// ---------------------------------------------------------------------------------------------
describe('validation errors name the partition and the problem', () => {
  const dos = (partitions: PlannedPartition[], diskSize = 64 * MiB): DiskPlan =>
    ({ diskSize, table: { type: 'dos', labelId: 0x1234 }, partitions });
  const gpt = (partitions: PlannedPartition[], diskSize = 64 * MiB, hybridMbr?: string[]): DiskPlan =>
    ({ diskSize, table: { type: 'gpt', seed: 'x', ...(hybridMbr ? { hybridMbr } : {}) }, partitions });

  test('valid plans pass', () => {
    validateTable(dos([part(1, 'a', 2048, 2048, 'b')]));
    validateTable(gpt([part(1, 'a', 34, 2048, 'esp')]));
    validateTable(gpt([], 34 * 2 * S));
  });

  test('too many partitions', () => {
    const five = [1, 2, 3, 4, 5].map((i) => part(i, `p${i}`, i * 2048, 2048, '83'));
    assertUsage(() => validateTable(dos(five)), /spec\.partitions\[4\]: partition number 5 is a logical partition, which needs an extended partition/);
    const many = Array.from({ length: 129 }, (_, i) => part(i + 1, `p${i}`, 2048 + i * 8, 8, 'linux'));
    assertUsage(() => validateTable(gpt(many)), /129 partitions do not fit in a GPT of 128 entries/);
    validateTable(gpt(many.slice(0, 128)));
  });

  test('unknown types', () => {
    assertUsage(() => validateTable(dos([part(1, 'boot', 2048, 2048, 'fat33')])), /spec\.partitions\[0\]: unknown DOS partition type "fat33"/);
    assertUsage(() => validateTable(dos([part(1, 'ext', 2048, 2048, 'extended')])), /spec\.partitions\[0\]: an extended partition/);
    assertUsage(() => validateTable(gpt([part(1, 'root', 2048, 2048, 'rootfs')])), /spec\.partitions\[0\]: unknown GPT partition type "rootfs"/);
    assertUsage(() => validateTable(gpt([part(1, 'root', 2048, 2048, '83')])), /spec\.partitions\[0\]: unknown GPT partition type "83"/);
  });

  test('malformed GUIDs', () => {
    assertUsage(() => validateTable(gpt([part(1, 'root', 2048, 2048, 'linux', { guid: 'not-a-guid' })])),
      /spec\.partitions\[0\]: partition GUID "not-a-guid" is malformed/);
    assertUsage(() => validateTable({ ...gpt([]), table: { type: 'gpt', seed: 'x', diskGuid: '1234' } }),
      /GPT disk GUID "1234" is malformed/);
    assertUsage(() => validateTable(gpt([part(1, 'root', 2048, 2048, '0FC63DAF-8483-4772-8E79-3D69D8477DEZ')])),
      /spec\.partitions\[0\]: .*not a well-formed GUID|unknown GPT partition type/);
    const g = '01234567-89ab-cdef-0123-456789abcdef';
    assertUsage(() => validateTable(gpt([part(1, 'a', 2048, 2048, 'linux', { guid: g }), part(2, 'b', 4096, 2048, 'linux', { guid: g.toUpperCase() })])),
      /spec\.partitions\[1\]: partition GUID 01234567-89AB-CDEF-0123-456789ABCDEF is the same as spec\.partitions\[0\]/);
  });

  test('GPT names longer than 36 UTF-16 code units', () => {
    assertUsage(() => validateTable(gpt([part(1, 'x'.repeat(37), 2048, 2048, 'linux')])),
      /is 37 UTF-16 code units long \(at most 36\)/);
    // 18 emoji = 18 code points but 36 code units: fits; 19 do not.
    validateTable(gpt([part(1, '🙂'.repeat(18), 2048, 2048, 'linux')]));
    assertUsage(() => validateTable(gpt([part(1, '🙂'.repeat(19), 2048, 2048, 'linux')])), /38 UTF-16 code units/);
  });

  test('hybrid MBR problems', () => {
    const ps = [part(1, 'fw', 2048, 2048, 'esp'), part(2, 'root', 4096, 2048, 'linux'),
      part(3, 'c', 6144, 2048, 'linux'), part(4, 'd', 8192, 2048, 'linux')];
    assertUsage(() => validateTable(gpt(ps, 64 * MiB, ['fw', 'nope'])), /hybrid MBR names partition "nope", which does not exist/);
    assertUsage(() => validateTable(gpt(ps, 64 * MiB, ['fw', 'root', 'c', 'd'])), /hybrid MBR lists 4 partitions .*at most 3/);
    assertUsage(() => validateTable(gpt(ps, 64 * MiB, ['fw', 'fw'])), /hybrid MBR names partition "fw" twice/);
    assertUsage(() => validateTable(gpt([part(1, 'x', 2048, 2048, '12345678-9abc-def0-1234-56789abcdef0')], 64 * MiB, ['x'])),
      /spec\.partitions\[0\]: no default hybrid-MBR type for GPT type 12345678-9ABC-DEF0-1234-56789ABCDEF0; give one after a colon/);
    validateTable(gpt([part(1, 'x', 2048, 2048, '12345678-9abc-def0-1234-56789abcdef0:0xda')], 64 * MiB, ['x']));
    assertUsage(() => validateTable(gpt([part(1, 'fw', 2048, 2048, 'esp:0x0b')])), /spec\.partitions\[0\]: .*not listed in table.hybridMbr/);
    const big = gpt([part(1, 'far', 2 ** 32 + 2048, 2048, 'linux')], 3 * TiB, ['far']);
    assertUsage(() => validateTable(big), /spec\.partitions\[0\]: cannot be mirrored into the hybrid MBR: it ends beyond 2 TiB/);
  });

  test('partitions outside the usable area', () => {
    assertUsage(() => validateTable(gpt([part(1, 'early', 33, 100, 'linux')])),
      /spec\.partitions\[0\]: sectors 33-132 overlap the GPT entry array \(sectors 2-33, spec\.table\.entryArrayOffset\)/);
    const total = (64 * MiB) / S;
    validateTable(gpt([part(1, 'full', 34, total - 67, 'linux')]));
    assertUsage(() => validateTable(gpt([part(1, 'late', 34, total - 66, 'linux')])),
      /spec\.partitions\[0\]: sectors 34-131039 are outside the usable area/);
    assertUsage(() => validateTable(dos([part(1, 'mbr', 0, 100, '83')])), /spec\.partitions\[0\]: sectors 0-99 are outside/);
    assertUsage(() => validateTable(dos([part(2, 'past', 2048, total, '83')])), /spec\.partitions\[1\]: .*outside the usable area/);
    assertUsage(() => validateTable(dos([part(1, 'a', 2048, 4096, '83'), part(2, 'b', 4096, 4096, '83')])),
      /spec\.partitions\[1\] \(starting at byte 2097152\) overlaps spec\.partitions\[0\]/);
    assertUsage(() => validateTable(dos([part(1, 'a', 2048, 0, '83')])), /spec\.partitions\[0\]: size is 0/);
    assertUsage(() => validateTable(dos([part(5, 'a', 2048, 8, '83')])), /spec\.partitions\[4\]: partition number 5 is a logical partition, which needs an extended partition/);
    assertUsage(() => validateTable(dos([part(1, 'a', 2048, 8, '83'), part(1, 'b', 4096, 8, '83')])), /partition number 1 is also used by partition "a"/);
  });

  test('DOS partitions beyond 2 TiB', () => {
    assertUsage(() => validateTable(dos([part(1, 'huge', 2048, 2 ** 32, '83')], 3 * TiB)),
      /spec\.partitions\[0\]: ends at .* beyond the 2 TiB limit of a DOS \(MBR\) table/);
    validateTable(dos([part(1, 'ok', 2048, 2 ** 32 - 2048, '83')], 3 * TiB));
  });

  test('sizes that are not multiples of 512', () => {
    assertUsage(() => validateTable(dos([], 64 * MiB + 100)), /disk size .* is not a multiple of 512 bytes/);
    assertUsage(() => validateTable(dos([{ ...part(1, 'a', 2048, 8, '83'), start: 2048 * S + 1 }])), /spec\.partitions\[0\]: start .* is not a multiple of 512/);
    assertUsage(() => validateTable(gpt([{ ...part(1, 'a', 2048, 8, 'linux'), size: 1000 }])), /spec\.partitions\[0\]: size .* is not a multiple of 512/);
    assertUsage(() => validateTable(gpt([], 60 * S)), /too small for a GPT/);
  });

  test('attributes', () => {
    assertUsage(() => validateTable(gpt([part(1, 'a', 2048, 8, 'linux', { attributes: ['hidden'] })])), /spec\.partitions\[0\]: unknown GPT attribute "hidden"/);
    assertUsage(() => validateTable(gpt([part(1, 'a', 2048, 8, 'linux', { attributes: [10] })])), /spec\.partitions\[0\]: GPT attribute 10 is not allowed/);
    assertUsage(() => validateTable(gpt([part(1, 'a', 2048, 8, 'linux', { attributes: [64] })])), /GPT attribute 64 is not allowed/);
    assertUsage(() => validateTable(dos([part(1, 'a', 2048, 8, '83', { attributes: ['required'] })])), /spec\.partitions\[0\]: attributes .* only in a GPT/);
  });

  test('buildPartitionTable validates too', () => {
    assertUsage(() => buildPartitionTable(dos([part(1, 'a', 2048, 8, 'nope')])), /unknown DOS partition type/);
  });
});

describe('writePartitionTable', () => {
  test('refuses an image smaller than the table, or a GPT image of another size', async () => {
    const plan: DiskPlan = { diskSize: 8 * MiB, table: { type: 'gpt', seed: 'w' }, partitions: [] };
    const small = await blankImage(dir, 4 * MiB);
    await assert.rejects(writePartitionTable(small, buildPartitionTable(plan)), (e: unknown) =>
      e instanceof BuildError && /too small for its partition table/.test(e.message));
    const larger = await blankImage(dir, 9 * MiB);
    await assert.rejects(writePartitionTable(larger, buildPartitionTable(plan)), /GPT was built for a 8388608-byte disk/);
    await assert.rejects(writePartitionTable(path.join(dir, 'missing.img'), buildPartitionTable(plan)), /cannot open image/);
  });
});

describe('the codecs (ptable/gpt.ts, mbr.ts) decode what sgdisk and sfdisk write, and encode it back byte for byte', () => {
  test('GPT: headers and entries from sgdisk, fields as `sfdisk -d` reads them, attribute words', async () => {
    const diskSize = 40 * MiB;
    const last = diskSize / S - 1;
    const img = await blankImage(dir, diskSize, 'codec-gpt');
    await execa('sgdisk', ['--clear', '--set-alignment=1', '--new=1:2048:4095', '--typecode=1:ef00', '--change-name=1:ESP',
      '--attributes=1:set:0', '--attributes=1:set:2', '--new=3:4096:10000', '--typecode=3:8304', '--change-name=3:rööt 🙂',
      ...[48, 59, 60, 62, 63].map((b) => `--attributes=3:set:${b}`), img]);
    const primary = decodeGptHeader(await readAt(img, S, S), 1)!;
    const backup = decodeGptHeader(await readAt(img, last * S, S), last)!;
    const d = await sfdiskDump(img);
    assert.equal(primary.headerCrcOk && backup.headerCrcOk, true);
    assert.deepEqual([primary.myLba, primary.alternateLba, primary.entriesLba, backup.myLba, backup.alternateLba, backup.entriesLba],
      [1n, BigInt(last), 2n, BigInt(last), 1n, BigInt(last - 32)]);
    assert.deepEqual([primary.diskGuid, String(primary.firstUsableLba), String(primary.lastUsableLba), primary.entryCount, primary.entrySize],
      [d.header['label-id'], d.header['first-lba'], d.header['last-lba'], 128, 128]);
    const array = await readAt(img, 2 * S, 128 * 128);
    assert.equal(gptEntriesCrc(array), primary.entriesCrc);
    const entries = [...Array(128).keys()].flatMap((i) => {
      const e = decodeGptEntry(array.subarray(i * 128, (i + 1) * 128));
      return e ? [{ index: i + 1, ...e, firstLba: Number(e.firstLba), lastLba: Number(e.lastLba) }] : [];
    });
    assert.deepEqual(entries.map((e) => [String(e.index), e.firstLba, e.lastLba - e.firstLba + 1, e.typeGuid, e.uniqueGuid, e.name,
      formatGptAttributes(e.attributes)]),
    d.parts.map((p) => [p.node.replace(/^.*\.img/, ''), p.start, p.size, p.type.toUpperCase(), p.uuid, p.name, p.attrs]));
    assert.deepEqual(entries.map((e) => formatGptAttributes(e.attributes, true)),
      ['RequiredPartition LegacyBIOSBootable', 'GUID:48,59,60,62,63 GrowFileSystem ReadOnly Hidden NoAuto']);
    assert.deepEqual(entries.map((e) => [gptTypeName(e.typeGuid), (e.attributes & GPT_LEGACY_BIOS_BOOTABLE) !== 0n]),
      [['EFI System', true], ['Linux root (x86-64)', false]]);
    // Encoding the decoded structures gives sgdisk's bytes back.
    const fields = (h: DecodedGptHeader) => ({ ...h, myLba: Number(h.myLba), alternateLba: Number(h.alternateLba),
      firstUsableLba: Number(h.firstUsableLba), lastUsableLba: Number(h.lastUsableLba), entriesLba: Number(h.entriesLba) });
    assert.ok(encodeGptEntries(entries).equals(array), 'entry array');
    assert.ok(encodeGptHeader(fields(primary)).equals(await readAt(img, S, S)), 'primary header');
    assert.ok(encodeGptHeader(fields(backup)).equals(await readAt(img, last * S, S)), 'backup header');
    // The protective MBR sgdisk wrote is the codec's protective entry.
    const mbr = await readAt(img, 0, S);
    assert.deepEqual(decodeMbrEntries(mbr).filter((e) => e.type !== 0), [{ slot: 1, boot: 0, type: 0xee, startLba: 1, sizeLba: last }]);
    assert.ok(buildMbrSector(0, [protectiveEntry(last + 1)]).equals(mbr), 'protective MBR');
  });

  test('GPT header decoding: no header, header sizes out of range, a wrong CRC or a header read at another LBA', () => {
    const fields = { myLba: 1, alternateLba: 99, firstUsableLba: 34, lastUsableLba: 66, diskGuid: GOLDEN[0]!, entriesLba: 2,
      entryCount: 128, entrySize: 128, entriesCrc: 7 };
    const h = encodeGptHeader(fields);
    assert.equal(decodeGptHeader(h, 1)?.headerCrcOk, true);
    assert.equal(decodeGptHeader(h, 99)?.headerCrcOk, false);
    assert.equal(decodeGptHeader(Buffer.alloc(S), 1), undefined);
    for (const size of [91, 513]) {
      const bad = Buffer.from(h);
      bad.writeUInt32LE(size, 12);
      assert.equal(decodeGptHeader(bad, 1), undefined, `header size ${size}`);
    }
    const flipped = Buffer.from(h);
    flipped[60]! ^= 1;
    assert.equal(decodeGptHeader(flipped, 1)?.headerCrcOk, false);
  });

  test('MBR: the entries sfdisk writes (bootable, CHS past cylinder 1023), and back to its sector', async () => {
    const img = await blankImage(dir, 20 * GiB, 'codec-dos');
    await sfdiskWrite(img, 'label: dos\nlabel-id: 0xdeadbeef\n2048,100000,c,*\n,2000000,83\n,30000000,82\n,,8e\n');
    const mbr = await readAt(img, 0, S);
    const entries = decodeMbrEntries(mbr);
    const d = await sfdiskDump(img);
    assert.equal(`0x${decodeMbrDiskSignature(mbr).toString(16)}`, d.header['label-id']);
    assert.deepEqual(entries.map((e) => [e.startLba, e.sizeLba, e.type.toString(16), e.boot === 0x80]),
      d.parts.map((p) => [p.start, p.size, p.type, p.bootable]));
    const again = buildMbrSector(decodeMbrDiskSignature(mbr),
      entries.map((e) => ({ bootable: e.boot === 0x80, type: e.type, startLba: e.startLba, sizeLba: e.sizeLba })));
    assert.ok(again.equals(mbr), 'the re-encoded MBR differs from what sfdisk wrote');
    assert.deepEqual(entries.map((e) => dosTypeName(e.type)), ['W95 FAT32 (LBA)', 'Linux', 'Linux swap / Solaris', 'Linux LVM']);
  });
});
