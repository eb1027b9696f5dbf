/**
 * The reproducibility matrix: the same inputs built by the real CLI under different
 * conditions must give byte-identical .img and .img.zst, for an ext4 root and a btrfs
 * root (test/helpers/repro-fixture.ts: the test closure with --store-root, a profile,
 * a directory of symlinks into /nix/store, hard links, an empty file, a 255-byte name,
 * a non-UTF-8 name and symlink target, dangling and /dev/null symlinks, setuid/setgid/
 * sticky modes):
 *   (a) -o on the inputs' filesystem (the reference);
 *   (b) -o on a tmpfs mounted by the test; inputs on another filesystem than -o (a tmpfs
 *       remounted read-only) created in the opposite order; the closure on one filesystem
 *       and the spec's files on another (staging switches from linking to copying midway);
 *       read-only inputs (chmod -R a-w, except the modes the image holds); -o named with a
 *       space and UTF-8, given relative to the cwd;
 *   (c) the CLI run as `nobody` (no hard links to root's files, no chown);
 *   (d) other TZ, umask (077 and 000) and locale (tr_TR is not installed everywhere: glibc
 *       then falls back to C, which still checks that nothing reads these variables badly).
 * The ext4 root uses closureInfo (registration copied), the btrfs root a plain store path
 * list with an extra non-UTF-8 store path (registration computed). The reference images
 * are then checked with independent tools: the awkward names and targets byte for byte
 * (debugfs rdump / btrfs restore + Buffer readdir/readlink), modes and hard links
 * (debugfs ls -p / stat), and the registration's NAR hashes against `nix-store --dump`
 * of both the host store paths and the store paths extracted from the image, and btrfs
 * hard links (one inode for every name) with dump-tree.
 * Builds run two at a time. Variants that need root skip visibly without it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fsp, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { CLI } from './helpers/cli.ts';
import { nodeForNobody } from './helpers/node-toolchains.ts';
import { extractPartition } from './helpers/partition.ts';
import { removeTree } from './helpers/closure-fixture.ts';
import { LONG_NAME, ODD_NAME, ODD_TARGET, limited, makeReproInputs, type ReproInputs } from './helpers/repro-fixture.ts';
import { dumpNar, nixBase32, parseRegistration } from '../src/content/nix-store.ts';

type Fs = 'ext4' | 'btrfs';
const FILESYSTEMS: Fs[] = ['ext4', 'btrfs'];
const isRoot = process.getuid?.() === 0;

let base: string;
/** Our tmpfs mounts (root only): one for outputs, one for inputs (remounted read-only). */
const mounts: string[] = [];
let tmpfsOut: string | undefined;
let tmpfsSkip: string | undefined;
let otherFsSkip: string | undefined;
/** Inputs on the reference filesystem (base). */
let disk: ReproInputs;
/** The same inputs on base, made read-only with chmod -R a-w. */
let chmodded: ReproInputs;
/** The same inputs created in the opposite order on another filesystem (read-only when root). */
let other: ReproInputs | undefined;
let otherOnShm: string | undefined;

interface BuildSpec {
  /** Whose spec (and spec files) to build. */
  spec: ReproInputs;
  /** Whose closure / store root / toplevel to use. */
  store: ReproInputs;
  out: string;
  env?: Record<string, string>;
  umask?: string;
  nobody?: boolean;
  /** ext4: closureInfo, btrfs: the plain list (unless given). */
  closure?: 'info' | 'list';
}

interface Built {
  exitCode: number;
  stderr: string;
  img: string;
  zst: string;
}

/** The environment of every build: the test's, minus whatever the variants set. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(LC_|LANG$|LANGUAGE$|TZ$|SOURCE_DATE_EPOCH$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, TZ: 'UTC', LANG: 'C.UTF-8' };
}

async function runBuild(fs: Fs, b: BuildSpec): Promise<Built> {
  const list = (b.closure ?? (fs === 'ext4' ? 'info' : 'list')) === 'list';
  const args = [
    CLI, 'build', b.spec.specs[fs],
    '--closure', list ? b.store.storePathList : b.store.fx.closureInfoDir,
    '--store-root', b.store.fx.storeRoot,
    '--toplevel', b.store.toplevelLogical,
    '-o', b.out,
    '--keep-raw',
  ];
  let cmd = process.execPath;
  let argv = args;
  if (b.umask !== undefined) {
    argv = ['-c', `umask ${b.umask} && exec "$@"`, 'sh', cmd, ...argv];
    cmd = 'sh';
  }
  const env = { ...baseEnv(), ...b.env };
  if (b.nobody) {
    argv = ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--inh-caps=-all', cmd === process.execPath ? nodeForNobody(base) : cmd, ...argv];
    cmd = 'setpriv';
    env.HOME = b.out;
  }
  const r = await execa(cmd, argv, { cwd: os.tmpdir(), env, extendEnv: false, reject: false, timeout: 240_000 });
  const out = path.resolve(os.tmpdir(), b.out);
  return { exitCode: r.exitCode ?? -1, stderr: String(r.stderr), img: path.join(out, `repro-${fs}.img`), zst: path.join(out, `repro-${fs}.img.zst`) };
}

async function sha256(p: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of (await fsp.open(p)).createReadStream()) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Where two files first differ (for the failure message). */
async function firstDifference(a: string, b: string): Promise<string> {
  const r = await execa('cmp', [a, b], { reject: false });
  return (r.stdout || r.stderr).trim();
}

const devOf = (p: string) => statSync(p).dev;

/**
 * chmod -R a-w of the inputs, except the contents of spec/root: their modes are what the
 * image holds (a copy keeps modes exactly), so changing them changes the image.
 */
async function readOnly(inputs: ReproInputs): Promise<void> {
  const keep = path.join(inputs.specDir, 'root');
  await execa('find', [inputs.dir, '-path', keep, '-prune', '-o', '!', '-type', 'l', '-exec', 'chmod', 'a-w', '{}', '+']);
}

async function mountTmpfs(dir: string): Promise<string | undefined> {
  await fsp.mkdir(dir);
  const r = await execa('mount', ['-t', 'tmpfs', '-o', 'size=512m,mode=0755', 'tmpfs', dir], { reject: false });
  if (r.exitCode !== 0) return `mount -t tmpfs failed: ${(r.stderr || r.stdout).trim()}`;
  mounts.push(dir);
  return undefined;
}

// ---------------------------------------------------------------------------
// Setup: inputs, the tmpfs, and every build (started at once, two at a time).

const builds = new Map<string, Promise<Built>>();
const variantSkips = new Map<string, string>();

interface Variant {
  name: string;
  skip?: () => string | undefined;
  make: (fs: Fs) => Promise<BuildSpec>;
}

const VARIANTS: Variant[] = [
  {
    name: '-o on a tmpfs (inputs on disk)',
    skip: () => tmpfsSkip,
    make: async (fs) => ({ spec: disk, store: disk, out: path.join(tmpfsOut!, `out-${fs}`) }),
  },
  {
    name: 'inputs on another filesystem than -o (a read-only tmpfs), created in the opposite order',
    skip: () => otherFsSkip,
    make: async (fs) => ({ spec: other!, store: other!, out: path.join(base, `out-other-${fs}`) }),
  },
  {
    name: 'the closure on another filesystem than the spec files and -o',
    skip: () => otherFsSkip,
    make: async (fs) => ({ spec: disk, store: other!, out: path.join(base, `out-split-${fs}`) }),
  },
  {
    name: 'read-only inputs (chmod -R a-w) on the filesystem of -o',
    make: async (fs) => ({ spec: chmodded, store: chmodded, out: path.join(base, `out-ro-${fs}`) }),
  },
  {
    name: '-o named with a space and UTF-8 (a relative path)',
    make: async (fs) => ({ spec: disk, store: disk, out: path.relative(os.tmpdir(), path.join(base, `out dir \u00fc-${fs}`)) }),
  },
  {
    name: 'run as nobody (setpriv), output directory owned by nobody',
    skip: () => (isRoot ? undefined : 'not root: cannot run the CLI as another user'),
    make: async (fs) => {
      const out = path.join(base, `out-nobody-${fs}`);
      await fsp.mkdir(out);
      const uid = Number((await execa('id', ['-u', 'nobody'])).stdout);
      const gid = Number((await execa('getent', ['group', 'nogroup'])).stdout.split(':')[2]);
      await fsp.chown(out, uid, gid);
      return { spec: disk, store: disk, out, nobody: true };
    },
  },
  {
    name: 'TZ=Pacific/Kiritimati, umask 077, LC_ALL=tr_TR.UTF-8',
    make: async (fs) => ({
      spec: disk,
      store: disk,
      out: path.join(base, `out-env1-${fs}`),
      umask: '077',
      env: { TZ: 'Pacific/Kiritimati', LC_ALL: 'tr_TR.UTF-8', LANG: 'tr_TR.UTF-8', LANGUAGE: 'tr' },
    }),
  },
  {
    name: 'TZ=America/St_Johns, umask 000, LANG=POSIX LC_COLLATE=C.UTF-8',
    make: async (fs) => ({
      spec: disk,
      store: disk,
      out: path.join(base, `out-env2-${fs}`),
      umask: '000',
      env: { TZ: 'America/St_Johns', LANG: 'POSIX', LC_COLLATE: 'C.UTF-8', LC_CTYPE: 'C.UTF-8' },
    }),
  },
];

before(async () => {
  process.umask(0o022);
  base = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-repro-'));
  await fsp.chmod(base, 0o755); // nobody must reach the inputs
  disk = await makeReproInputs(path.join(base, 'in'));
  chmodded = await makeReproInputs(path.join(base, 'in-ro'));
  await readOnly(chmodded);

  // Our own tmpfs mounts (root only): outputs, and inputs remounted read-only once made.
  let otherDir: string | undefined;
  if (!isRoot) tmpfsSkip = 'not root: cannot mount a tmpfs';
  else {
    tmpfsSkip = await mountTmpfs(path.join(base, 'tmpfs-out'));
    if (!tmpfsSkip) tmpfsOut = path.join(base, 'tmpfs-out');
    if (!(await mountTmpfs(path.join(base, 'tmpfs-in')))) otherDir = path.join(base, 'tmpfs-in', 'in');
  }
  // Not root: inputs on /dev/shm when it is another filesystem (writable, then).
  if (!otherDir) {
    try {
      if (devOf('/dev/shm') !== devOf(base)) otherDir = path.join((otherOnShm = await fsp.mkdtemp('/dev/shm/imgsmith-repro-')), 'in');
    } catch {
      // no /dev/shm
    }
  }
  if (otherDir) {
    other = await makeReproInputs(otherDir, { order: 'reverse' });
    assert.notEqual(devOf(other.dir), devOf(base), 'the other inputs are on another filesystem');
    if (!otherOnShm) await execa('mount', ['-o', 'remount,ro', path.dirname(otherDir)]);
  } else otherFsSkip = 'no second filesystem (not root, and /dev/shm is missing or on the same filesystem)';

  for (const fs of FILESYSTEMS) {
    builds.set(`${fs}:reference`, limited(async () => runBuild(fs, { spec: disk, store: disk, out: path.join(base, `out-ref-${fs}`) })));
    for (const v of VARIANTS) {
      const why = v.skip?.();
      if (why) {
        variantSkips.set(v.name, why);
        continue;
      }
      builds.set(`${fs}:${v.name}`, limited(async () => runBuild(fs, await v.make(fs))));
    }
  }
  // For the byte checks: the ext4 root built from the plain list too (with the odd store path).
  builds.set('ext4:list', limited(async () => runBuild('ext4', { spec: disk, store: disk, out: path.join(base, 'out-list-ext4'), closure: 'list' })));
  // Let failures surface in the tests, not as unhandled rejections.
  for (const p of builds.values()) p.catch(() => undefined);
});

after(async () => {
  await Promise.allSettled([...builds.values()]);
  for (const m of mounts.reverse()) {
    const r = await execa('umount', [m], { reject: false });
    if (r.exitCode !== 0) await execa('umount', ['-l', m], { reject: false });
  }
  if (otherOnShm) await removeTree(otherOnShm);
  if (base) await removeTree(base);
});

async function built(key: string): Promise<Built> {
  const b = await builds.get(key)!;
  assert.equal(b.exitCode, 0, `${key}: the build failed: ${b.stderr}`);
  return b;
}

// ---------------------------------------------------------------------------
// The matrix

for (const fs of FILESYSTEMS) {
  test(`${fs}: the reference build (-o on the inputs' filesystem) succeeds`, async () => {
    const ref = await built(`${fs}:reference`);
    assert.ok((await fsp.stat(ref.img)).size > 0);
    assert.ok((await fsp.stat(ref.zst)).size > 0);
  });

  for (const v of VARIANTS) {
    test(`${fs}: ${v.name}: byte-identical .img and .img.zst`, async (t) => {
      const why = variantSkips.get(v.name);
      if (why) {
        t.skip(why);
        return;
      }
      if (otherOnShm && v.name.startsWith('inputs on another')) t.diagnostic('not root: the inputs are on /dev/shm, writable');
      const ref = await built(`${fs}:reference`);
      const b = await built(`${fs}:${v.name}`);
      assert.equal(await sha256(b.img), await sha256(ref.img), `.img differs from the reference: ${await firstDifference(ref.img, b.img)}`);
      assert.equal(await sha256(b.zst), await sha256(ref.zst), `.img.zst differs from the reference: ${await firstDifference(ref.zst, b.zst)}`);
    });
  }
}

// ---------------------------------------------------------------------------
// What is in the reference images

/** The first partition of an image as a file (the specs have one partition). */
async function rootPartition(img: string, name: string): Promise<string> {
  const table = JSON.parse((await execa('sfdisk', ['-J', img])).stdout).partitiontable as { partitions: { start: number; size: number }[] };
  const p = table.partitions[0]!;
  const file = path.join(base, name);
  await extractPartition(img, p.start * 512, p.size * 512, file);
  return file;
}

/** Extracts an image's root filesystem with its own tools: debugfs rdump (ext4), btrfs restore
 *  (-m for modes; it needs root, as it also restores owners). */
async function extract(fs: Fs, part: string, dir: string): Promise<void> {
  await fsp.mkdir(dir);
  if (fs === 'ext4') {
    const r = await execa('debugfs', ['-R', `rdump / ${dir}`, part]);
    // Not root: rdump cannot give the files owner 0, which does not matter here.
    const problems = r.stderr.split('\n').filter((l) => l.trim() !== '' && !/^debugfs \d/.test(l) && !(!isRoot && /changing ownership/.test(l)));
    assert.deepEqual(problems, [], `debugfs rdump: ${r.stderr}`);
  } else {
    await execa('btrfs', ['restore', '-S', '-m', part, dir]);
  }
}

const BTRFS_RESTORE_SKIP = 'not root: btrfs restore -m fails when it cannot chown, and without -m it loses the modes';

const names = async (dir: string): Promise<Buffer[]> => fsp.readdir(Buffer.from(dir), { encoding: 'buffer' });
const hasName = (list: Buffer[], n: Buffer) => list.some((x) => x.equals(n));
const link = async (p: string | Buffer): Promise<Buffer> => fsp.readlink(typeof p === 'string' ? Buffer.from(p) : p, { encoding: 'buffer' });

/** `debugfs ls -p DIR` as name (bytes, latin1) -> [inode, mode]. */
async function lsP(part: string, dir: string): Promise<Map<string, [number, string]>> {
  const r = await execa('debugfs', ['-R', `ls -p ${dir}`, part], { encoding: 'buffer' });
  const out = new Map<string, [number, string]>();
  for (const line of Buffer.from(r.stdout).toString('latin1').split('\n')) {
    const m = /^\/(\d+)\/(\d+)\/\d+\/\d+\/(.*)\/\d*\/$/.exec(line);
    if (m) out.set(m[3]!, [Number(m[1]), m[2]!]);
  }
  return out;
}

/** sha256 and size of `nix-store --dump p` (Nix's own NAR serialiser), else of our dumpNar. */
async function narOf(p: string): Promise<{ hash: string; size: number }> {
  let nar: Buffer;
  if (hasNix) {
    nar = Buffer.from((await execa('nix-store', ['--dump', p], { encoding: 'buffer', maxBuffer: 256 << 20 })).stdout);
  } else {
    const chunks: Buffer[] = [];
    await dumpNar(p, (c) => chunks.push(Buffer.from(c)));
    nar = Buffer.concat(chunks);
  }
  return { hash: `sha256:${nixBase32(createHash('sha256').update(nar).digest())}`, size: nar.length };
}
let hasNix = false;

for (const fs of FILESYSTEMS) {
  test(`${fs}: names, symlink targets, modes and links survive byte for byte (checked in the image)`, async (t) => {
    if (fs === 'btrfs' && !isRoot) {
      t.skip(BTRFS_RESTORE_SKIP);
      return;
    }
    const ref = await built(fs === 'ext4' ? 'ext4:list' : `${fs}:reference`);
    const part = await rootPartition(ref.img, `part-${fs}`);
    if (fs === 'ext4') await execa('e2fsck', ['-fn', part]);
    else await execa('btrfs', ['check', '--readonly', part]);
    const x = path.join(base, `x-${fs}`);
    await extract(fs, part, x);

    const top = await names(x);
    assert.ok(hasName(top, ODD_NAME), 'the non-UTF-8 name caf\\xe9 at /');
    assert.ok(hasName(top, Buffer.from('dir-\xfe', 'latin1')), 'the non-UTF-8 directory dir-\\xfe at /');
    assert.equal(await fsp.readFile(Buffer.from(`${x}/dir-\xfe/inner`, 'latin1'), 'utf8'), 'inside a non-UTF-8 directory\n');
    const etc = await names(path.join(x, 'etc'));
    assert.ok(hasName(etc, Buffer.from(LONG_NAME)), 'the 255-byte name');
    assert.equal(Buffer.byteLength(LONG_NAME), 255);
    assert.deepEqual(await link(path.join(x, 'etc/odd-target')), ODD_TARGET, 'non-UTF-8 symlink target');
    assert.equal((await link(path.join(x, 'etc/dangling'))).toString(), '/nonexistent/dangling-target');
    assert.equal((await link(path.join(x, 'etc/devnull'))).toString(), '/dev/null');
    assert.equal((await fsp.stat(path.join(x, 'etc/empty'))).size, 0);
    assert.equal((await link(path.join(x, 'sbin/init'))).toString(), '/run/current-system/init');
    // The profile: a directory of symlinks into /nix/store, and generate: profile.
    const pkg0 = '/nix/store/' + path.basename(disk.fx.byName['pkg-0']!);
    const pkg1 = '/nix/store/' + path.basename(disk.fx.byName['pkg-1']!);
    assert.equal((await link(path.join(x, 'profile/bin/pkg-0'))).toString(), `${pkg0}/bin/pkg-0`);
    assert.equal((await link(path.join(x, 'run/current-system/sw'))).toString(), pkg1);
    assert.equal((await link(path.join(x, 'run/current-system/kernel'))).toString(), '/nix/store/' + path.basename(disk.fx.byName.linux!) + '/Image');
    assert.equal((await link(path.join(x, 'run/sw/lib/libpkg.so'))).toString(), 'libpkg.so.1');
    // The non-UTF-8 store path (only in the plain-list closures).
    const odd = path.join(x, disk.oddStorePathLogical);
    assert.ok(hasName(await names(odd), ODD_NAME), 'the non-UTF-8 name in the store path');
    assert.deepEqual(await link(Buffer.from(`${odd}/link-\xe9`, 'latin1')), ODD_TARGET, 'non-UTF-8 name and target in the store path');

    if (fs === 'ext4') {
      // Modes and inodes from the filesystem itself (rdump drops setuid/sticky).
      const bin = await lsP(part, '/usr/bin');
      assert.equal(bin.get('setuid-helper')?.[1], '104755');
      assert.equal(bin.get('setgid-helper')?.[1], '102755');
      const root = await lsP(part, '/');
      assert.equal(root.get('tmp')?.[1], '041777');
      const etcLs = await lsP(part, '/etc');
      assert.equal(etcLs.get('empty')?.[1], '100604');
      const inodes = [
        (await lsP(part, '/shared')).get('original')?.[0],
        (await lsP(part, '/shared')).get('second')?.[0],
        etcLs.get('third')?.[0],
        (await lsP(part, '/usr/share')).get('fourth')?.[0],
      ];
      assert.ok(inodes[0] !== undefined && inodes.every((i) => i === inodes[0]), `hard links are one inode: ${inodes.join(' ')}`);
      const st = (await execa('debugfs', ['-R', 'stat /shared/original', part])).stdout;
      assert.match(st, /Links:\s+4\b/);
    } else {
      assert.equal((await fsp.lstat(path.join(x, 'usr/bin/setuid-helper'))).mode & 0o7777, 0o4755);
      assert.equal((await fsp.lstat(path.join(x, 'usr/bin/setgid-helper'))).mode & 0o7777, 0o2755);
      assert.equal((await fsp.lstat(path.join(x, 'tmp'))).mode & 0o7777, 0o1777);
      assert.equal((await fsp.lstat(path.join(x, 'etc/empty'))).mode & 0o7777, 0o604);
    }
  });

  if (fs === 'btrfs') {
    test(
      'btrfs: hard links are one inode in the image (btrfs inspect-internal dump-tree)',
      async () => {
        const ref = await built('btrfs:reference');
        const part = await rootPartition(ref.img, 'part-btrfs-links');
        const dump = (await execa('btrfs', ['inspect-internal', 'dump-tree', '-t', 'fs', part], { encoding: 'buffer' })).stdout;
        // "item N key (INO INODE_REF PARENT) ..." then "index I namelen L name: NAME".
        const ino = new Map<string, string>();
        let cur: string | undefined;
        for (const line of Buffer.from(dump).toString('latin1').split('\n')) {
          const k = /key \((\d+) INODE_REF \d+\)/.exec(line);
          if (k) cur = k[1];
          const n = /^\s+index \d+ namelen \d+ name: (.*)$/.exec(line);
          if (n && cur) ino.set(n[1]!, cur);
        }
        const inodes = ['original', 'second', 'third', 'fourth'].map((n) => ino.get(n));
        assert.ok(inodes[0] !== undefined && inodes.every((i) => i === inodes[0]), `one inode for the four names: ${inodes.join(' ')}`);
      },
    );
  }

  test(`${fs}: the computed registration matches nix-store --dump of the host paths and of the image's store paths`, async (t) => {
    if (fs === 'btrfs' && !isRoot) {
      t.skip(BTRFS_RESTORE_SKIP);
      return;
    }
    hasNix = (await execa('sh', ['-c', 'command -v nix-store'], { reject: false })).exitCode === 0;
    if (!hasNix) t.diagnostic('nix-store is not installed: the store paths extracted from the image are hashed with src/content/nix-store.ts dumpNar');
    const ref = await built(fs === 'ext4' ? 'ext4:list' : `${fs}:reference`);
    const x = path.join(base, `x-${fs}`);
    if (!(await fsp.stat(x).catch(() => undefined))) await extract(fs, await rootPartition(ref.img, `part2-${fs}`), x);
    const reg = await fsp.readFile(path.join(x, 'nix-path-registration'), 'utf8');
    const entries = parseRegistration(reg, 'the image\'s /nix-path-registration', '/nix/store');
    assert.equal(entries.length, disk.fx.storePaths.length + 1, 'every store path of the list is registered');
    assert.ok(entries.some((e) => e.path === disk.oddStorePathLogical), 'the non-UTF-8 store path is registered');
    for (const e of entries) {
      const inImage = await narOf(path.join(x, e.path));
      assert.equal(inImage.hash, e.narHash, `${e.path}: the image's copy does not match its registration`);
      assert.equal(inImage.size, e.narSize, `${e.path}: NAR size`);
      if (hasNix) {
        const host = await narOf(disk.fx.storeRoot + e.path);
        assert.equal(host.hash, e.narHash, `${e.path}: nix-store --dump of the host path`);
      }
    }
  });
}
