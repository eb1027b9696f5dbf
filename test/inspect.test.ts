/**
 * inspect, ls, cat, extract on the shipped recipes built from the test closure, checked
 * against independent tools: sfdisk -J / sgdisk -p (tables), blkid -p (labels, UUIDs),
 * debugfs rdump / cat (ext4), mtools mcopy / mtype (vfat), btrfs restore (btrfs).
 * The commands that read the shared builds run once, in one process (helpers/cli-runs.ts),
 * before the tests; the error, environment and process behaviour stays real CLI runs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { countingWrappers, runCli, type CliResult } from './helpers/cli.ts';
import { cliRuns } from './helpers/cli-runs.ts';
import { extractPartition, firstDifference } from './helpers/sparse-bytes.ts';
import { cachedRecipe } from './helpers/recipe-cache.ts';
import { GiB } from '../src/units.ts';
import { decompressSparse } from '../src/inspect/zstd.ts';
import { nativeAvailable } from '../src/sparse.ts';

let tmp: string;
const images: Record<string, { img: string; zst: string }> = {};

const RECIPES: [string, number | undefined][] = [
  ['rpi-aarch64.json', undefined],
  ['rpi-direct-aarch64.json', undefined],
  ['embedded-fhs.json', undefined],
  ['uefi-x86_64.json', undefined],
  ['rpi4-usb-ssd.json', 2 * GiB],
  ['arm-drive.json', 6 * GiB],
];

/** The partition names the vfat test reads, by recipe, and the file it cats. */
const VFAT = [['rpi-aarch64.json', 'FIRMWARE', 'config.txt'], ['uefi-x86_64.json', 'ESP', 'EFI/BOOT/BOOTX64.EFI']] as const;

/** What the tests below read from the shared builds (extracts into tmp included), in test order. */
function readRuns(): string[][] {
  const rpi = images['rpi-aarch64.json']!.img;
  const ssd = images['rpi4-usb-ssd.json']!;
  return [
    ...RECIPES.flatMap(([recipe]) => [['inspect', images[recipe]!.img, '--json'], ['inspect', images[recipe]!.img]]),
    ['extract', `${rpi}:NIXOS_SD`, '/', path.join(tmp, 'ext4-ours'), '--json'],
    ['ls', `${rpi}:2`, '/boot/extlinux', '-l', '--json'],
    ['cat', `${rpi}:NIXOS_SD`, '/boot/extlinux/extlinux.conf'],
    ['ls', `${rpi}:2`, '/', '-lR'],
    ...VFAT.flatMap(([recipe, spec, file]) => {
      const { img } = images[recipe]!;
      return [['extract', `${img}:${spec}`, '/', path.join(tmp, `vfat-ours-${recipe}`), '--json'], ['cat', `${img}:1`, file], ['cat', `${img}:1`, file.toUpperCase()]];
    }),
    ['extract', `${ssd.zst}:root`, '/', path.join(tmp, 'btrfs-ours'), '--json'],
    ['ls', `${ssd.zst}:3`, '/', '-l', '--json'],
  ];
}
const ran = new Map<string, CliResult>();

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-inspect-test-'));
  // The shared builds (helpers/recipe-cache.ts): read only, never written.
  for (const [recipe, diskSize] of RECIPES) {
    const r = await cachedRecipe(recipe, diskSize ? { diskSize } : {});
    images[recipe] = { img: r.img, zst: r.zst };
  }
  const runs = readRuns();
  for (const [i, r] of (await cliRuns(tmp, runs)).entries()) ran.set(JSON.stringify(runs[i]), r);
});

after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

interface HostNode { type: string; mode: number; size: number; sha?: string; target?: string; mtime: number }

/** A host tree as path -> node (paths relative, "/"-rooted). */
async function hostTree(root: string, opts: { lower?: boolean } = {}): Promise<Map<string, HostNode>> {
  const out = new Map<string, HostNode>();
  const walk = async (dir: string, rel: string) => {
    for (const name of (await fsp.readdir(dir)).sort()) {
      const p = path.join(dir, name);
      const r = `${rel}/${opts.lower ? name.toLowerCase() : name}`;
      const st = await fsp.lstat(p);
      const node: HostNode = { type: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file', mode: st.mode & 0o7777, size: st.isFile() ? st.size : 0, mtime: Math.floor(st.mtimeMs / 1000) };
      if (st.isFile()) node.sha = createHash('sha256').update(await fsp.readFile(p)).digest('hex');
      if (st.isSymbolicLink()) node.target = await fsp.readlink(p);
      out.set(r, node);
      if (st.isDirectory()) await walk(p, r);
    }
  };
  await walk(root, '');
  return out;
}

function compareTrees(ours: Map<string, HostNode>, theirs: Map<string, HostNode>, what: string, fields: (keyof HostNode)[], linkTimes = true): void {
  assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort(), `${what}: the same paths`);
  for (const [p, n] of ours) {
    const t = theirs.get(p)!;
    for (const f of fields) if (linkTimes || f !== 'mtime' || n.type !== 'symlink') assert.equal(n[f], t[f], `${what}: ${p} ${f}`);
  }
}

interface SfPart { node: string; start: number; size: number; type: string; uuid?: string; name?: string; bootable?: boolean; attrs?: string }

async function sfdisk(img: string) {
  return JSON.parse((await execa('sfdisk', ['-J', img])).stdout).partitiontable as { label: string; id: string; partitions: SfPart[] };
}

async function cliJson(args: string[], env: Record<string, string> = {}) {
  const r = await runCli([...args, '--json'], { env });
  assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The result of `args`, one of readRuns() (run before the tests). */
function batched(args: string[]): CliResult {
  const r = ran.get(JSON.stringify(args));
  assert.ok(r, `not among the batched runs: ${args.join(' ')}`);
  return r;
}
/** The JSON output of `args` --json, one of readRuns(). */
function batchedJson(args: string[]) {
  const r = batched([...args, '--json']);
  assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

for (const [recipe] of RECIPES) {
  test(`inspect ${recipe}: table as sfdisk/sgdisk read it, filesystems as blkid reads them`, async () => {
    const { img } = images[recipe]!;
    const r = batchedJson(['inspect', img]);
    const sf = await sfdisk(img);
    assert.equal(r.table.type, sf.label);
    assert.equal(r.table.diskId.toLowerCase(), sf.id.toLowerCase());
    assert.equal(r.partitions.length, sf.partitions.length);
    // The ESP's GPT name and FAT label are both "boot" (no case warning).
    assert.deepEqual(r.warnings, []);
    for (const [i, s] of r.partitions.entries()) {
      const p = s.partition;
      const q = sf.partitions[i]!;
      assert.equal(p.start, q.start * 512);
      assert.equal(p.size, q.size * 512);
      assert.equal(p.typeCode.toLowerCase(), sf.label === 'dos' ? `0x${q.type.padStart(2, '0')}` : q.type.toLowerCase());
      assert.equal(p.bootable, q.bootable === true || /LegacyBIOSBootable/.test(q.attrs ?? ''));
      if (sf.label === 'gpt') {
        assert.equal(p.name, q.name);
        assert.equal(p.guid, q.uuid);
        assert.equal(p.attributes, q.attrs);
      }
      const blk = (await execa('blkid', ['-p', '-O', String(p.start), '-S', String(p.size), '-o', 'export', img])).stdout;
      const tag = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(blk)?.[1];
      assert.equal(s.fsType, tag('TYPE') === 'ext4' ? 'ext4' : tag('TYPE'));
      assert.equal(s.fs.label, tag('LABEL') ?? '');
      assert.equal(s.fs.uuid.toLowerCase(), tag('UUID')!.toLowerCase());
    }
    if (sf.label === 'gpt') {
      const sg = (await execa('sgdisk', ['-p', img])).stdout;
      for (const s of r.partitions) assert.match(sg, new RegExp(`^\\s+${s.partition.index}\\s+${s.partition.startLba}\\s+${s.partition.startLba + s.partition.sizeLba - 1}\\s`, 'm'));
    }
    const text = batched(['inspect', img]);
    assert.equal(text.exitCode, 0);
    assert.match(text.stdout, /table: (DOS|GPT)/);
  });
}

test('ext4 (rpi-aarch64:NIXOS_SD): extract / equals debugfs rdump; ls -l and cat agree with debugfs', async () => {
  const { img } = images['rpi-aarch64.json']!;
  const r = batchedJson(['inspect', img]);
  const part = r.partitions[1].partition;
  const ours = path.join(tmp, 'ext4-ours');
  const res = batchedJson(['extract', `${img}:NIXOS_SD`, '/', ours]);
  assert.ok(res.files > 10 && res.symlinks > 0);
  const theirs = path.join(tmp, 'ext4-rdump');
  await fsp.mkdir(theirs);
  await execa('debugfs', ['-R', `rdump / ${theirs}`, `${img}?offset=${part.start}`]);
  compareTrees(await hostTree(ours), await hostTree(theirs), 'ext4', ['type', 'mode', 'size', 'sha', 'target', 'mtime'], false); // rdump sets no symlink times
  // ls -l: owner, mode, mtime of one directory, from debugfs stat.
  const ls = batchedJson(['ls', `${img}:2`, '/boot/extlinux', '-l']);
  assert.equal(ls.entries.length, 1);
  const e = ls.entries[0];
  const st = (await execa('debugfs', ['-R', 'stat /boot/extlinux/extlinux.conf', `${img}?offset=${part.start}`])).stdout;
  assert.match(st, new RegExp(`Mode:\\s+0?${e.mode}\\b`));
  assert.match(st, new RegExp(`User:\\s+${e.uid}\\s+Group:\\s+${e.gid}\\b`));
  assert.match(st, new RegExp(` mtime: 0x${(Date.parse(e.mtime) / 1000).toString(16).padStart(8, '0')}`));
  const cat = batched(['cat', `${img}:NIXOS_SD`, '/boot/extlinux/extlinux.conf']);
  const ref = (await execa('debugfs', ['-R', 'cat /boot/extlinux/extlinux.conf', `${img}?offset=${part.start}`])).stdout;
  assert.equal(cat.stdout.trimEnd(), ref.trimEnd());
  const human = batched(['ls', `${img}:2`, '/', '-lR']);
  assert.equal(human.exitCode, 0);
  assert.match(human.stdout, /^\/nix\/store:$/m);
  assert.match(human.stdout, /^lrwxrwxrwx +0 +0 .* -> /m);
});

test('ext4: extract reads the files in batches (one debugfs run per 256 files, not runs per file and path component)', async () => {
  const { img } = images['rpi-aarch64.json']!;
  const bin = path.join(tmp, 'counting-bin');
  const counted = await countingWrappers(bin, ['debugfs'], path.join(tmp, 'debugfs-runs.log'));
  const dest = path.join(tmp, 'ext4-counted');
  const r = await runCli(['extract', `${img}:NIXOS_SD`, '/', dest, '--json'], { env: { PATH: `${bin}:${process.env.PATH}` } });
  assert.equal(r.exitCode, 0, r.stderr);
  const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as { files: number; symlinks: number };
  const runs = await counted.runs();
  // Two runs per directory level of the walk (ls, stat), slow symlinks and each batch of files one more.
  assert.ok(res.files >= 40, `only ${res.files} files`);
  assert.ok(runs > 0, 'debugfs ran through the counting wrapper');
  assert.ok(runs <= 30, `${runs} debugfs runs to extract ${res.files} files`);
});

test('vfat (FAT16 and FAT32): extract / equals mtools mcopy; cat equals mtype', async () => {
  for (const [recipe, spec, file] of VFAT) {
    const { img } = images[recipe]!;
    const r = batchedJson(['inspect', img]);
    const part = r.partitions[0].partition;
    const ours = path.join(tmp, `vfat-ours-${recipe}`);
    batchedJson(['extract', `${img}:${spec}`, '/', ours]);
    const theirs = path.join(tmp, `vfat-mcopy-${recipe}`);
    await fsp.mkdir(theirs);
    await execa('mcopy', ['-s', '-n', '-m', '-i', `${img}@@${part.start}`, '::/*', theirs], { env: { MTOOLS_SKIP_CHECK: '1', TZ: 'UTC' } });
    compareTrees(await hostTree(ours), await hostTree(theirs), `vfat ${recipe}`, ['type', 'size', 'sha', 'mtime']);
    const cat = batched(['cat', `${img}:1`, file]);
    const ref = await execa('mtype', ['-i', `${img}@@${part.start}`, `::${file}`], { env: { MTOOLS_SKIP_CHECK: '1' } });
    assert.ok(ref.stdout.length > 0);
    assert.equal(cat.stdout, ref.stdout);
    // FAT names match case-insensitively, as on FAT.
    const up = batched(['cat', `${img}:1`, file.toUpperCase()]);
    assert.equal(up.stdout, ref.stdout);
  }
});

test('btrfs (rpi4-usb-ssd:root, read from the .img.zst): extract / equals btrfs restore', async () => {
  const { img, zst } = images['rpi4-usb-ssd.json']!;
  const r = batchedJson(['inspect', img]);
  const part = r.partitions[2].partition;
  const ours = path.join(tmp, 'btrfs-ours');
  const res = batchedJson(['extract', `${zst}:root`, '/', ours]);
  assert.ok(res.files > 10 && res.symlinks > 0);
  const file = path.join(tmp, 'btrfs.part');
  await extractPartition(img, part.start, part.size, file);
  const theirs = path.join(tmp, 'btrfs-restore');
  await fsp.mkdir(theirs);
  await execa('btrfs', ['restore', '-S', '-m', file, theirs]);
  compareTrees(await hostTree(ours), await hostTree(theirs), 'btrfs', ['type', 'mode', 'size', 'sha', 'target', 'mtime']);
  const ls = batchedJson(['ls', `${zst}:3`, '/', '-l']);
  assert.deepEqual(ls.entries.map((e: { name: string }) => e.name), ['nix', 'nix-path-registration']);
  assert.ok(ls.entries.every((e: { uid: number; mtime: string }) => e.uid === 0 && e.mtime === '1970-01-01T00:00:01Z'));
});

test('ls IMAGE lists the partitions; unknown partitions and paths are one clear error', async () => {
  const { img } = images['rpi4-usb-ssd.json']!;
  const ls = await runCli(['ls', img]);
  assert.equal(ls.exitCode, 0);
  assert.match(ls.stdout, /^1\tboot\tvfat\tboot\t/m);
  assert.match(ls.stdout, /^2\tswap\tswap\tswap\t/m);
  const bad = await runCli(['ls', `${img}:nope`]);
  assert.equal(bad.exitCode, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /has no partition "nope"; its partitions: 1 \(name "boot", label "boot", vfat\), 2 \(name "swap", label "swap", swap\), 3 \(name "root", label "root", btrfs\)/);
  const swap = await runCli(['ls', `${img}:swap`]);
  assert.equal(swap.exitCode, 2);
  assert.match(swap.stderr, /swap partition: it holds no files/);
  const missing = await runCli(['cat', `${img}:boot`, '/no/such']);
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, /no such file or directory: \/no\/such/);
  const dir = await runCli(['cat', `${img}:root`, '/nix']);
  assert.equal(dir.exitCode, 2);
  assert.match(dir.stderr, /\/nix is a directory/);
  const noPart = await runCli(['cat', img, '/x']);
  assert.equal(noPart.exitCode, 2);
  assert.match(noPart.stderr, /name a partition/);
  // extract refuses to overwrite, and leaves nothing behind on failure.
  const dest = path.join(tmp, 'exists');
  await fsp.mkdir(dest);
  await fsp.writeFile(path.join(dest, 'config.txt'), 'mine');
  const clash = await runCli(['extract', `${img}:boot`, '/config.txt', dest]);
  assert.equal(clash.exitCode, 2);
  assert.equal(await fsp.readFile(path.join(dest, 'config.txt'), 'utf8'), 'mine');
  assert.deepEqual(await fsp.readdir(dest), ['config.txt']);
});

test('.img.zst without the zstd CLI: the in-process decoder gives the same bytes, sparse', async () => {
  const { img, zst } = images['rpi4-usb-ssd.json']!;
  const out = path.join(tmp, 'js.img');
  const saved = process.env.IMGSMITH_ZSTD;
  process.env.IMGSMITH_ZSTD = 'js';
  try {
    assert.equal(await decompressSparse(zst, out), nativeAvailable() ? 'libzstd' : 'zstd-codec');
  } finally {
    if (saved === undefined) delete process.env.IMGSMITH_ZSTD;
    else process.env.IMGSMITH_ZSTD = saved;
  }
  assert.equal(await firstDifference(img, out), null, 'the same bytes as the raw image');
  const st = await fsp.stat(out);
  assert.equal(st.size, 2 * GiB);
  assert.ok(st.blocks * 512 < st.size / 20, `sparse: ${st.blocks * 512} bytes allocated of ${st.size}`);
  await fsp.rm(out);
  const viaJs = await cliJson(['inspect', zst], { IMGSMITH_ZSTD: 'js' });
  assert.equal(viaJs.image.decompressor, nativeAvailable() ? 'libzstd' : 'zstd-codec');
  const viaCli = await cliJson(['inspect', zst], { IMGSMITH_ZSTD: 'cli' });
  assert.equal(viaCli.image.decompressor, 'zstd-cli');
  assert.deepEqual(viaJs.partitions, viaCli.partitions);
  // A truncated .img.zst is one clear error with both decoders.
  const cut = path.join(tmp, 'cut.img.zst');
  const data = await fsp.readFile(zst);
  await fsp.writeFile(cut, data.subarray(0, Math.floor(data.length / 2)));
  for (const env of [{ IMGSMITH_ZSTD: 'js' }, { IMGSMITH_ZSTD: 'cli' }] as Record<string, string>[]) {
    const r = await runCli(['inspect', cut], { env });
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stderr, /cut\.img\.zst: cannot decompress: .*(truncated|unexpected end|premature end|corrupt)/i);
  }
});

test('names and symlink targets that are not UTF-8: ls shows \\xNN, cat takes it, extract and diff keep the bytes (ext4, btrfs)', async () => {
  const dir = path.join(tmp, 'bytes');
  const src = path.join(dir, 'src');
  await fsp.mkdir(src, { recursive: true });
  const b = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
  const srcB = Buffer.from(src);
  await fsp.writeFile(b(srcB.toString(), '/n', [0xff], 'o'), 'latin-1 name\n');
  await fsp.writeFile(b(srcB.toString(), '/caf\u00e9'), 'utf-8 name\n');
  await fsp.symlink(b('t', [0xfe], '/x'), b(srcB.toString(), '/link'));
  const spec = {
    name: 'bytes',
    table: { type: 'gpt' },
    partitions: ['ext4', 'btrfs'].map((fs) => ({ name: fs, type: 'linux', size: 'auto', filesystem: { type: fs, label: fs }, contents: [{ from: 'spec', path: 'src', target: '/d' }] })),
    output: { compress: 'none', bmap: false },
  };
  await fsp.writeFile(path.join(dir, 'spec.json'), JSON.stringify(spec));
  const built = await runCli(['build', path.join(dir, 'spec.json'), '-o', path.join(dir, 'out')]);
  assert.equal(built.exitCode, 0, built.stderr);
  const img = path.join(dir, 'out', 'bytes.img');
  const dests = [1, 2].map((part) => path.join(dir, `x${part}`));
  const runs = await cliRuns(tmp, [1, 2].flatMap((part) => [['ls', '-l', `${img}:${part}`, '/d'], ['cat', `${img}:${part}`, '/d/n\\xffo'], ['extract', `${img}:${part}`, '/d', dests[part - 1]!]]));
  for (const part of [1, 2]) {
    const [ls, cat, ex] = runs.slice((part - 1) * 3, part * 3) as [CliResult, CliResult, CliResult];
    assert.equal(ls.exitCode, 0, ls.stderr);
    assert.match(ls.stdout, /^l.* link -> t\\xfe\/x$/m);
    assert.match(ls.stdout, /^-.* n\\xffo$/m);
    assert.match(ls.stdout, /^-.* café$/m);
    assert.equal(cat.stdout, 'latin-1 name', cat.stderr);
    const dest = dests[part - 1]!;
    assert.equal(ex.exitCode, 0, ex.stderr);
    const names = (await fsp.readdir(dest, { encoding: 'buffer' })).map((n) => n.toString('hex')).sort();
    assert.deepEqual(names, [Buffer.from('caf\u00e9'), Buffer.from('link'), b('n', [0xff], 'o')].map((n) => n.toString('hex')).sort(), `partition ${part}`);
    assert.equal((await fsp.readFile(b(dest, '/n', [0xff], 'o'), 'utf8')), 'latin-1 name\n');
    assert.deepEqual(await fsp.readlink(path.join(dest, 'link'), { encoding: 'buffer' }), b('t', [0xfe], '/x'));
  }
  // diff names the changed non-UTF-8 file the way ls shows it.
  await fsp.writeFile(b(srcB.toString(), '/n', [0xff], 'o'), 'changed name\n');
  const again = await runCli(['build', path.join(dir, 'spec.json'), '-o', path.join(dir, 'out2')]);
  assert.equal(again.exitCode, 0, again.stderr);
  const d = await runCli(['diff', img, path.join(dir, 'out2', 'bytes.img')]);
  assert.equal(d.exitCode, 1, d.stderr);
  assert.match(d.stdout, /changed \/d\/n\\xffo: .*sha256/);
});
