/**
 * The btrfs reader takes names from `btrfs inspect-internal dump-tree`, which prints them raw
 * (btrfs-progs 6.2) or escaped (`\351`, `\n`, `\ `, `\\`: btrfs-progs 6.14). Whatever the
 * version, `imgsmith extract` of a btrfs partition must give back exactly the names that
 * went in (checked byte for byte with readdir on the host), and `verify` must pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { runCli } from './helpers/cli.ts';
import { findToolchain, toolchainEnv, type Toolchain } from './helpers/toolchains.ts';

const NAMES: Buffer[] = [
  'a\\351b', // a backslash and digits, literally
  'nl\nx',
  'cr\rx',
  'tab\tx',
  'sp ace',
  'q"x',
  'back\\\\slash',
  'é-utf8',
  'x'.repeat(255),
].map((s) => Buffer.from(s, 'utf8'));
NAMES.push(Buffer.from([0x72, 0x61, 0x77, 0x2d, 0xe9])); // "raw-" + a lone 0xE9 (not UTF-8)

async function makeImage(dir: string): Promise<string> {
  const root = Buffer.from(path.join(dir, 'root'));
  await fsp.mkdir(root);
  for (const n of NAMES) await fsp.writeFile(Buffer.concat([root, Buffer.from('/'), n]), n);
  await fsp.mkdir(Buffer.concat([root, Buffer.from('/sub dir\\n')]));
  const fsImg = path.join(dir, 'fs.img');
  await execa('mkfs.btrfs', ['-q', '-r', path.join(dir, 'root'), '-b', '128M', fsImg]);
  const disk = path.join(dir, 'disk.img');
  await execa('truncate', ['-s', '130M', disk]);
  await execa('sfdisk', ['-q', disk], { input: 'start=2048, type=83\n' });
  await execa('dd', [`if=${fsImg}`, `of=${disk}`, 'bs=1M', 'seek=1', 'conv=notrunc', 'status=none']);
  return disk;
}

async function namesIn(dir: string): Promise<string[]> {
  const out = await fsp.readdir(dir, { encoding: 'buffer' });
  return out.map((b) => b.toString('hex')).sort();
}

const btrfsTrixie = findToolchain('btrfs-progs-trixie');
const variants: { name: string; tc?: Toolchain; skip?: string }[] = [
  { name: 'the system btrfs-progs' },
  'missing' in btrfsTrixie ? { name: 'btrfs-progs 6.14', skip: btrfsTrixie.missing } : { name: 'btrfs-progs 6.14', tc: btrfsTrixie },
];

for (const v of variants) {
  test(`btrfs reader with ${v.name}: extract gives back every name byte for byte, verify passes`, { skip: v.skip ?? false, timeout: 300_000 }, async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-btrfs-names-'));
    try {
      const disk = await makeImage(dir);
      const env = toolchainEnv(v.tc, { PATH: process.env.PATH ?? '' });
      const dest = path.join(dir, 'out');
      const x = await runCli(['extract', `${disk}:1`, '/', dest], { env });
      assert.equal(x.exitCode, 0, x.stderr);
      assert.deepEqual(await namesIn(dest), await namesIn(path.join(dir, 'root')));
      for (const n of NAMES) {
        const got = await fsp.readFile(Buffer.concat([Buffer.from(dest + '/'), n]));
        assert.ok(got.equals(n), `content of ${n.toString('hex')}`);
      }
      const r = await runCli(['verify', disk], { env });
      assert.match(r.stdout, /ok\s+names\s+partition 1 \(btrfs\): 11 names checked/, r.stdout + r.stderr);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
}
