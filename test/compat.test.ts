/**
 * The compatibility suite: the real CLI with each supported toolchain (issue 19), the
 * toolchains made beforehand by scripts/toolchains.sh (.ci/run does it; a missing one fails
 * in CI and skips elsewhere with the command that makes it):
 *
 *   bookworm              the system's tools (Debian 12: e2fsprogs 1.47.0, btrfs-progs 6.2)
 *   e2fsprogs-bullseye    e2fsprogs 1.46.2 (Debian 11's binary packages)       ext4 root
 *   btrfs-progs-bullseye  btrfs-progs 5.10 (Debian 11's binary package)        refused
 *   e2fsprogs-sid         the newest e2fsprogs (Debian sid's source package)   ext4 root
 *   btrfs-progs-trixie    btrfs-progs 6.14 (Debian 13's source package)        btrfs root
 *   node-22, node-24      Node from the npm registry (the addon built under the system's
 *                         Node 20 must load; the images must be the bytes Node 20 makes)  both roots
 *
 * Inputs (test/helpers/repro-fixture.ts: a closure, hard links, a setuid file, symlinks, an
 * empty file, a non-UTF-8 name) are owned by another uid (12345:12345), and one source file
 * has a host `chattr` flag (+d, else +A). Each image is built twice: as root (TZ=UTC, umask
 * 022) and as nobody (setpriv 65534:65534, TZ=Pacific/Kiritimati, umask 077, another cwd).
 * Checked: both builds succeed and are byte-identical (.img and .img.zst); every inode of
 * the root filesystem is 0:0 with every time at SOURCE_DATE_EPOCH and no host flags (ext4:
 * debugfs ls -p / stat; btrfs: dump-tree); setuid/setgid/sticky modes, the four hard links
 * one inode, the non-UTF-8 name; e2fsck -fn / btrfs check clean (the system's
 * tools: an independent check); `imgsmith verify` passes (with the toolchain). btrfs-progs
 * 5.10 must be refused before any work: exit 1, one clear line, nothing published.
 *
 * Needs root (chown to another uid, setpriv); skips visibly without it.
 * IMGSMITH_COMPAT_ONLY=name,name runs only those toolchains (e.g. while working on one).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { CLI, listFiles } from './helpers/cli.ts';
import { removeTree } from './helpers/closure-fixture.ts';
import { EXT4_LAYOUT_FLAGS, btrfsInodes, ext4Inodes, inodeProblems, type InodeFacts } from './helpers/inodes.ts';
import { extractPartition } from './helpers/partition.ts';
import { ODD_NAME, limited, makeReproInputs, type ReproInputs } from './helpers/repro-fixture.ts';
import { findToolchain, inCI, reachableCopy, toolchainEnv, type Toolchain, type ToolchainName } from './helpers/toolchains.ts';

type Fs = 'ext4' | 'btrfs';
const isRoot = process.getuid?.() === 0;
const EPOCH = 1700000000;
const OWNER = 12345;
const NOBODY = 65534;

interface Case {
  /** 'bookworm' is the system's own tools. */
  name: 'bookworm' | ToolchainName;
  fs: Fs[];
  /** The build must be refused with this error (nothing built). */
  refused?: { fs: Fs; message: RegExp };
}

const CASES: Case[] = [
  { name: 'bookworm', fs: ['ext4', 'btrfs'] },
  { name: 'e2fsprogs-bullseye', fs: ['ext4'] },
  {
    name: 'btrfs-progs-bullseye',
    fs: [],
    refused: { fs: 'btrfs', message: /^imgsmith: error: btrfs-progs 5\.10(\.\d+)? is not supported \(mkfs\.btrfs at \/\S+\/btrfs-progs-bullseye\/bin\/mkfs\.btrfs\): imgsmith needs btrfs-progs 6\.2 or later/m },
  },
  { name: 'e2fsprogs-sid', fs: ['ext4'] },
  { name: 'btrfs-progs-trixie', fs: ['btrfs'] },
  { name: 'node-22', fs: ['ext4', 'btrfs'] },
  { name: 'node-24', fs: ['ext4', 'btrfs'] },
];
const only = process.env.IMGSMITH_COMPAT_ONLY?.split(',').filter(Boolean);
const cases = only ? CASES.filter((c) => only.includes(c.name)) : CASES;

let base: string;
let inputs: ReproInputs;
/** Why the chattr part proves nothing here (no flag could be set on the host fs), if so. */
let noChattr: string | undefined;
let chattrFlag = '';
const CHATTR_FILE = 'etc/hostname';

/** The toolchain of a case: undefined for bookworm, the reason when missing. */
const toolchains = new Map<string, Toolchain | undefined>();
const missing = new Map<string, string>();

interface Built {
  exitCode: number;
  stderr: string;
  out: string;
  img: string;
  zst: string;
}
const builds = new Map<string, Promise<Built>>();

/** The environment of every build: the test's, minus locale/TZ/epoch, plus the toolchain. */
function buildEnv(tc: Toolchain | undefined, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(LC_|LANG$|LANGUAGE$|TZ$|SOURCE_DATE_EPOCH$|LD_LIBRARY_PATH$)/.test(k)) continue;
    env[k] = v;
  }
  return toolchainEnv(tc, { ...env, LANG: 'C.UTF-8', SOURCE_DATE_EPOCH: String(EPOCH), ...extra });
}

const nodeOf = (tc: Toolchain | undefined) => tc?.node ?? process.execPath;

/** Runs one build: as root (TZ=UTC, umask 022, cwd tmpdir) or as nobody (other TZ, umask 077 and cwd). */
async function runBuild(tc: Toolchain | undefined, fs: Fs, who: 'root' | 'nobody', out: string): Promise<Built> {
  const args = [
    CLI, 'build', inputs.specs[fs],
    '--closure', fs === 'ext4' ? inputs.fx.closureInfoDir : inputs.storePathList,
    '--store-root', inputs.fx.storeRoot,
    '--toplevel', inputs.toplevelLogical,
    '-o', out,
    '--keep-raw',
  ];
  const umask = who === 'root' ? '022' : '077';
  let cmd = 'sh';
  let argv = ['-c', `umask ${umask} && exec "$@"`, 'sh', nodeOf(tc), ...args];
  const env = buildEnv(tc, { TZ: who === 'root' ? 'UTC' : 'Pacific/Kiritimati' });
  let cwd = os.tmpdir();
  if (who === 'nobody') {
    await fsp.mkdir(out);
    await fsp.chown(out, NOBODY, NOBODY);
    argv = [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--inh-caps=-all', cmd, ...argv];
    cmd = 'setpriv';
    env.HOME = out;
    cwd = inputs.specDir;
  }
  const r = await execa(cmd, argv, { cwd, env, extendEnv: false, reject: false, timeout: 600_000 });
  return { exitCode: r.exitCode ?? -1, stderr: String(r.stderr), out, img: path.join(out, `repro-${fs}.img`), zst: path.join(out, `repro-${fs}.img.zst`) };
}

/** Owner OWNER:OWNER for every input (chown clears setuid/setgid: the modes are put back). */
async function chownInputs(dir: string): Promise<void> {
  const modes: [Buffer, number][] = [];
  const walk = async (d: Buffer): Promise<void> => {
    for (const e of await fsp.readdir(d, { withFileTypes: true, encoding: 'buffer' })) {
      const p = Buffer.concat([d, Buffer.from('/'), e.name]);
      const st = await fsp.lstat(p);
      if (!st.isSymbolicLink()) modes.push([p, st.mode & 0o7777]);
      if (st.isDirectory()) await walk(p);
    }
  };
  // Read-only store directories: chown needs no write permission, so walk as is.
  await walk(Buffer.from(dir));
  await execa('chown', ['-R', '-h', `${OWNER}:${OWNER}`, dir]);
  for (const [p, mode] of modes) if (mode & 0o6000) await fsp.chmod(p, mode);
}

/** A host inode flag on one source file: chattr +d (nodump), else +A (noatime). */
async function setHostFlag(file: string): Promise<string | undefined> {
  const tried: string[] = [];
  for (const flag of ['d', 'A']) {
    const r = await execa('chattr', [`+${flag}`, file], { reject: false });
    const l = await execa('lsattr', ['-d', file], { reject: false });
    const attrs = l.stdout.split(/\s+/)[0] ?? '';
    if (r.exitCode === 0 && attrs.includes(flag)) {
      chattrFlag = flag;
      return undefined;
    }
    tried.push(`chattr +${flag}: ${(r.stderr || l.stderr || `lsattr shows ${attrs}`).trim()}`);
  }
  return `no chattr flag could be set on ${file} (${tried.join('; ')}): the "no host flags" check cannot prove the flags are dropped`;
}

before(async () => {
  if (!isRoot) return;
  process.umask(0o022);
  base = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-compat-'));
  await fsp.chmod(base, 0o755); // nobody must reach the inputs
  inputs = await makeReproInputs(path.join(base, 'in'));
  await chownInputs(inputs.dir);
  await fsp.mkdir(path.join(base, 'toolchains'));
  noChattr = await setHostFlag(path.join(inputs.specDir, 'root', CHATTR_FILE));

  for (const c of cases) {
    let tc: Toolchain | undefined;
    if (c.name !== 'bookworm') {
      const found = findToolchain(c.name);
      if ('missing' in found) {
        missing.set(c.name, found.missing);
        continue;
      }
      // Where nobody can run it too (the cache is under root's home).
      tc = await reachableCopy(found, path.join(base, 'toolchains', c.name));
    }
    toolchains.set(c.name, tc);
    for (const fs of c.fs) {
      for (const who of ['root', 'nobody'] as const) {
        builds.set(`${c.name}:${fs}:${who}`, limited(() => runBuild(tc, fs, who, path.join(base, `out-${c.name}-${fs}-${who}`))));
      }
    }
    if (c.refused) builds.set(`${c.name}:${c.refused.fs}:refused`, limited(() => runBuild(tc, c.refused!.fs, 'root', path.join(base, `out-${c.name}-refused`))));
  }
  for (const p of builds.values()) p.catch(() => undefined);
});

after(async () => {
  await Promise.allSettled([...builds.values()]);
  if (base) await removeTree(base);
});

async function sha256(p: string): Promise<string> {
  return createHash('sha256').update(await fsp.readFile(p)).digest('hex');
}

async function built(key: string): Promise<Built> {
  const b = await builds.get(key)!;
  assert.equal(b.exitCode, 0, `${key}: the build failed (exit ${b.exitCode}): ${b.stderr.trim().split('\n').slice(-5).join('\n')}`);
  return b;
}

/** The toolchain of a case, or a skip (a failure in CI) when it is missing or not root. */
function usable(t: { skip: (why: string) => void }, c: Case): boolean {
  if (!isRoot) {
    t.skip('not root: the suite chowns its inputs to another uid and builds as nobody with setpriv');
    return false;
  }
  const why = missing.get(c.name);
  if (why) {
    if (inCI()) assert.fail(`${why} (.ci/run makes every toolchain before npm test)`);
    t.skip(why);
    return false;
  }
  return true;
}

/**
 * The first partition of a build's image as a file, copied out once per image contents: builds
 * with the same .img.zst have the same .img (root and nobody, node-22/24 and the system's Node:
 * the byte-identity tests check they do), so the same partition file and the same tool runs on
 * it (inode dumps, fsck) serve them all. The tests only read it.
 */
const partitions = new Map<string, Promise<string>>();
async function rootPartition(b: Built, name: string): Promise<string> {
  const key = await sha256(b.zst);
  if (!partitions.has(key)) {
    partitions.set(key, (async () => {
      const table = JSON.parse((await execa('sfdisk', ['-J', b.img])).stdout).partitiontable as { partitions: { start: number; size: number }[] };
      const p = table.partitions[0]!;
      return extractPartition(b.img, p.start * 512, p.size * 512, path.join(base, name));
    })());
  }
  return partitions.get(key)!;
}

/** The system's fsck of a root partition (run once per partition file). */
const fscks = new Map<string, Promise<{ exitCode?: number | undefined; stdout: string; stderr: string }>>();
function fsckOf(fs: Fs, part: string) {
  if (!fscks.has(part)) fscks.set(part, fs === 'ext4' ? execa('e2fsck', ['-fn', part], { reject: false }) : execa('btrfs', ['check', '--readonly', part], { reject: false }));
  return fscks.get(part)!;
}

/** Every inode of a root partition (dumped once per partition file). */
const dumps = new Map<string, Promise<InodeFacts[]>>();
function inodesOf(fs: Fs, part: string): Promise<InodeFacts[]> {
  if (!dumps.has(part)) dumps.set(part, fs === 'ext4' ? ext4Inodes(part) : btrfsInodes(part));
  return dumps.get(part)!;
}

test('the inputs are owned by another uid and carry a host chattr flag', async (t) => {
  if (!isRoot) {
    t.skip('not root');
    return;
  }
  const st = await fsp.lstat(path.join(inputs.specDir, 'root/usr/bin/setuid-helper'));
  assert.equal(st.uid, OWNER);
  assert.equal(st.mode & 0o7777, 0o4755, 'setuid kept after chown');
  assert.equal((await fsp.lstat(path.join(inputs.fx.storeRoot, inputs.toplevelLogical))).uid, OWNER);
  if (noChattr) t.diagnostic(noChattr);
  else t.diagnostic(`chattr +${chattrFlag} on root/${CHATTR_FILE}`);
});

for (const c of cases) {
  if (c.name.startsWith('node-')) {
    test(`${c.name}: runs imgsmith, and the native addon built under Node 20 loads`, async (t) => {
      if (!usable(t, c)) return;
      const tc = toolchains.get(c.name)!;
      const v = await execa(tc.node!, ['--version']);
      t.diagnostic(`${tc.stamp}`);
      assert.match(v.stdout, new RegExp(`^v${c.name.slice(5)}\\.`));
      const probe = await execa(tc.node!, ['--import', 'tsx', '-e', "import('./src/sparse.ts').then((m) => console.log(m.nativeAvailable(), m.NATIVE_PATH))"], {
        cwd: path.dirname(path.dirname(CLI)),
        reject: false,
      });
      assert.equal(probe.exitCode, 0, probe.stderr);
      assert.match(probe.stdout, /^true /, `the addon did not load under ${v.stdout}: ${probe.stdout} ${probe.stderr}`);
      const help = await execa(tc.node!, [CLI, '--help'], { reject: false });
      assert.equal(help.exitCode, 0, help.stderr);
    });
  }

  if (c.refused) {
    const r = c.refused;
    test(`${c.name}: a ${r.fs} build is refused before any work (exit 1, one clear error, nothing published)`, async (t) => {
      if (!usable(t, c)) return;
      const tc = toolchains.get(c.name)!;
      t.diagnostic(tc.stamp);
      const b = await builds.get(`${c.name}:${r.fs}:refused`)!;
      assert.equal(b.exitCode, 1, `exit code: ${b.stderr}`);
      assert.match(b.stderr, r.message);
      assert.equal(b.stderr.trim().split('\n').filter((l) => l.startsWith('imgsmith: error:')).length, 1, `one error line: ${b.stderr}`);
      // Refused before the output directory (and the temporary directory in it) was made.
      assert.equal(await fsp.stat(b.out).then(() => true, () => false), false, `${b.out} was created: ${(await listFiles(b.out)).join(' ')}`);
    });
  }

  for (const fs of c.fs) {
    const label = `${c.name}: ${fs} root`;

    test(`${label}: built as root and as nobody (other TZ, umask, cwd): byte-identical .img and .img.zst`, async (t) => {
      if (!usable(t, c)) return;
      const tc = toolchains.get(c.name);
      if (tc) t.diagnostic(tc.stamp);
      const a = await built(`${c.name}:${fs}:root`);
      const b = await built(`${c.name}:${fs}:nobody`);
      assert.equal(await sha256(b.img), await sha256(a.img), `.img differs: ${(await execa('cmp', [a.img, b.img], { reject: false })).stdout}`);
      assert.equal(await sha256(b.zst), await sha256(a.zst), '.img.zst differs');
    });

    if (c.name.startsWith('node-')) {
      test(`${label}: the same .img and .img.zst as with the system's Node ${process.versions.node}`, async (t) => {
        if (!usable(t, c)) return;
        if (!builds.has(`bookworm:${fs}:root`)) {
          t.skip('the bookworm case is not run (IMGSMITH_COMPAT_ONLY)');
          return;
        }
        const ref = await built(`bookworm:${fs}:root`);
        const b = await built(`${c.name}:${fs}:root`);
        assert.equal(await sha256(b.img), await sha256(ref.img), '.img differs from the Node 20 build');
        assert.equal(await sha256(b.zst), await sha256(ref.zst), '.img.zst differs from the Node 20 build');
      });
    }

    test(`${label}: every inode 0:0, every time the epoch, no host flags`, async (t) => {
      if (!usable(t, c)) return;
      if (noChattr) t.diagnostic(noChattr);
      for (const who of ['root', 'nobody'] as const) {
        const b = await built(`${c.name}:${fs}:${who}`);
        const inodes = await inodesOf(fs, await rootPartition(b, `part-${c.name}-${fs}-${who}`));
        assert.ok(inodes.length > 50, `${who}: only ${inodes.length} inodes found`);
        const flagged = inodes.find((i) => i.name.endsWith(fs === 'ext4' ? `/${CHATTR_FILE}` : 'hostname'));
        assert.ok(flagged, `${who}: the chattr'd file is in the image`);
        const problems =
          fs === 'ext4'
            ? inodeProblems(inodes, EPOCH, { allowedFlags: EXT4_LAYOUT_FLAGS, times: ['atime', 'ctime', 'mtime', 'crtime'] })
            : // otime: btrfs-progs gives the files it copies none (0) and the top directory the mkfs time.
              inodeProblems(inodes, EPOCH, { times: ['atime', 'ctime', 'mtime'], optionalTimes: { otime: [0] } });
        assert.deepEqual(problems.slice(0, 20), [], `${who}: ${problems.length} problems of ${inodes.length} inodes`);
      }
    });

    test(`${label}: modes, hard links and the non-UTF-8 name are kept`, async (t) => {
      if (!usable(t, c)) return;
      const b = await built(`${c.name}:${fs}:root`);
      const inodes = await inodesOf(fs, await rootPartition(b, `modes-${c.name}-${fs}`));
      const byName = (n: string) => inodes.filter((i) => i.names.includes(n));
      // (The closure has other files of some of these names: one of them has the mode.)
      const hasMode = (n: string, mode: number) =>
        assert.ok(byName(n).some((i) => i.mode === mode), `${n}: mode ${mode.toString(8)} not among ${byName(n).map((i) => i.mode.toString(8)).join(' ')}`);
      hasMode('setuid-helper', 0o104755);
      hasMode('setgid-helper', 0o102755);
      hasMode('tmp', 0o041777);
      hasMode('empty', 0o100604);
      const originals = byName('original');
      assert.equal(originals.length, 1, `one inode named original: ${originals.map((i) => i.ino).join(' ')}`);
      const original = originals[0]!;
      assert.deepEqual(['original', 'second', 'third', 'fourth'].filter((n) => !original.names.includes(n)), [], `the four hard links are one inode: ${original.names.join(' ')}`);
      assert.ok(inodes.some((i) => i.names.includes(ODD_NAME.toString('latin1'))), 'the non-UTF-8 name');
    });

    test(`${label}: the filesystem checks clean (${fs === 'ext4' ? 'e2fsck -fn' : 'btrfs check --readonly'}, the system's)`, async (t) => {
      if (!usable(t, c)) return;
      const b = await built(`${c.name}:${fs}:root`);
      const r = await fsckOf(fs, await rootPartition(b, `fsck-${c.name}-${fs}`));
      assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    });

    test(`${label}: imgsmith verify passes (with the toolchain)`, async (t) => {
      if (!usable(t, c)) return;
      const tc = toolchains.get(c.name);
      const b = await built(`${c.name}:${fs}:root`);
      const r = await execa(nodeOf(tc), [CLI, 'verify', b.zst], { env: buildEnv(tc, { TZ: 'UTC' }), extendEnv: false, reject: false, timeout: 300_000 });
      assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    });
  }
}
