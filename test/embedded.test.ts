/**
 * The non-NixOS embedded recipe (images/embedded-fhs.json): an FHS profile laid into / with
 * `generate: profile`, the closure in /nix/store, busybox init at /sbin/init (a symlink item)
 * and /etc/inittab (a text item), kernel + initrd + extlinux.conf on a bootable FAT partition.
 *
 * Built with the real CLI from the boot fixture's embedded system (real Debian bookworm arm64
 * kernel and busybox laid out as a Nix store, test/helpers/boot-fixture.ts), checked with
 * independent tools (sfdisk, fsck.fat, mtools, e2fsck, debugfs), then booted on QEMU virt
 * (U-Boot distro boot -> extlinux.conf on FAT -> kernel + initrd -> busybox init -> rcS
 * through the profile's links -> IMGSMITH-BOOT-OK <marker>). IMGSMITH_SKIP_BOOT_TESTS=1
 * skips the boot. Needs network access the first time (the Debian packages are cached).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { listFiles, runCli, REPO, type CliResult } from './helpers/cli.ts';
import { cliRuns } from './helpers/cli-runs.ts';
import { firstDifference } from './helpers/sparse-bytes.ts';
import { fileStamp } from './helpers/boot-build.ts';
import { blkid, extractPartition } from './helpers/partition.ts';
import { BOOT_OK, makeBootFixture, MARKER_FILE, type BootFixture, type EmbeddedSystem } from './helpers/boot-fixture.ts';
import { sha256Tool } from './helpers/hash-tool.ts';

const SKIP_BOOT = process.env.IMGSMITH_SKIP_BOOT_TESTS === '1' ? 'IMGSMITH_SKIP_BOOT_TESTS=1' : false;
const RECIPE = path.join(REPO, 'images', 'embedded-fhs.json');

let tmp: string;
let fx: BootFixture;
let emb: EmbeddedSystem;
let image: string;
let bootPart: string;
let rootPart: string;
/** The root filesystem dumped with debugfs rdump (symlinks, modes and data as debugfs reads them). */
let rootDump: string;

interface SfdiskPart {
  node: string;
  start: number;
  size: number;
  type: string;
  bootable?: boolean;
}

const buildArgs = (spec: string, out: string) => [
  'build', spec,
  '--closure', emb.closureInfoDir,
  '--store-root', fx.storeRoot,
  '--toplevel', emb.toplevel,
  '-o', out,
  '--no-compress',
  '--json',
];

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-embedded-'));
  fx = await makeBootFixture({ arch: 'aarch64', workDir: path.join(tmp, 'fixture'), embedded: true });
  emb = fx.embedded!;
  const out = path.join(tmp, 'out');
  const r = await runCli(buildArgs(RECIPE, out));
  assert.equal(r.exitCode, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; files?: string[] });
  const result = events.find((e) => e.event === 'result');
  image = result!.files!.find((f) => f.endsWith('.img'))!;
  assert.ok(image, r.stdout);

  const table = JSON.parse((await execa('sfdisk', ['-J', image])).stdout).partitiontable as { partitions: SfdiskPart[] };
  const [b, root] = table.partitions;
  bootPart = path.join(tmp, 'boot.part');
  rootPart = path.join(tmp, 'root.part');
  await extractPartition(image, b!.start * 512, b!.size * 512, bootPart);
  await extractPartition(image, root!.start * 512, root!.size * 512, rootPart);
  rootDump = path.join(tmp, 'rootdump');
  await fsp.mkdir(rootDump);
  // rdump of "/" writes the root's entries into the directory, symlinks as symlinks.
  for (const name of ['bin', 'etc', 'lib', 'nix', 'nix-path-registration', 'sbin', 'share']) {
    await execa('debugfs', ['-R', `rdump /${name} ${rootDump}`, rootPart]);
  }
});

after(async () => {
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

test('embedded-fhs: MBR with a bootable FAT partition and an ext4 root (sfdisk -d)', async () => {
  const dump = (await execa('sfdisk', ['-d', image])).stdout;
  assert.match(dump, /^label: dos$/m);
  assert.match(dump, /^label-id: 0x454d4244$/m);
  const lines = dump.split('\n').filter((l) => /\.img\d+ :/.test(l));
  assert.equal(lines.length, 2, dump);
  assert.match(lines[0]!, /start=\s*2048, size=\s*131072, type=e, bootable$/);
  assert.match(lines[1]!, /type=83$/);
  assert.doesNotMatch(lines[1]!, /bootable/);
});

test('embedded-fhs: the FAT partition holds the kernel, the initrd and extlinux.conf (fsck.fat, mtools)', async () => {
  await execa('fsck.fat', ['-n', bootPart]);
  const dir = (await execa('mdir', ['-b', '-i', bootPart, '::/'])).stdout.split('\n').sort();
  assert.deepEqual(dir, ['::/Image', '::/extlinux/', '::/initrd']);
  const same = async (fatName: string, host: string) => {
    const a = (await execa('sh', ['-c', `mcopy -n -i '${bootPart}' '::/${fatName}' - | sha256sum`])).stdout.split(' ')[0];
    const b = await sha256Tool(host);
    assert.equal(a, b, `${fatName} is not a copy of ${host}`);
  };
  // The toplevel's kernel/initrd links point into /nix/store: read under --store-root.
  await same('Image', path.join(fx.storeRoot, emb.kernelStorePath, 'Image'));
  await same('initrd', path.join(fx.storeRoot, emb.initrdStorePath, 'initrd'));
  const conf = (await execa('mtype', ['-i', bootPart, '::/extlinux/extlinux.conf'], { stripFinalNewline: false })).stdout;
  assert.match(conf, /^ {2}LINUX \.\.\/Image$/m);
  assert.match(conf, /^ {2}INITRD \.\.\/initrd$/m);
  assert.match(conf, /^ {2}APPEND root=LABEL=EMBEDDED_ROOT rootwait init=\/sbin\/init /m);
});

test('embedded-fhs: the root is clean ext4 labelled EMBEDDED_ROOT (e2fsck -fn, blkid)', async () => {
  await execa('e2fsck', ['-fn', rootPart]);
  assert.equal((await blkid(rootPart)).LABEL, 'EMBEDDED_ROOT');
});

/** lstat + readlink of a path in the debugfs dump. */
async function link(p: string): Promise<string | undefined> {
  const st = await fsp.lstat(path.join(rootDump, p));
  return st.isSymbolicLink() ? fsp.readlink(path.join(rootDump, p)) : undefined;
}

test('embedded-fhs: /sbin/init is the symlink item, exactly', async () => {
  assert.equal(await link('sbin/init'), '/bin/busybox');
  assert.deepEqual(await fsp.readdir(path.join(rootDump, 'sbin')), ['init']);
  // debugfs agrees on the inode type and the (fast symlink) target.
  const st = (await execa('debugfs', ['-R', 'stat /sbin/init', rootPart])).stdout;
  assert.match(st, /Type: symlink/);
  assert.match(st, /Fast link dest: "\/bin\/busybox"/);
});

test('embedded-fhs: the profile is laid into / as it is: /bin entries are links into /nix/store', async () => {
  const bin = (await fsp.readdir(path.join(rootDump, 'bin'))).sort();
  assert.deepEqual(bin, [...emb.binNames].sort());
  assert.ok((await fsp.lstat(path.join(rootDump, 'bin'))).isDirectory(), '/bin is a real directory (as in the profile)');
  for (const n of bin) assert.equal(await link(`bin/${n}`), `${emb.busyboxStorePath}/bin/${n}`, `/bin/${n}`);
  assert.equal(await link('bin/sh'), `${emb.busyboxStorePath}/bin/sh`);
  // The link resolves inside the image: the store path is there, with busybox's own relative link.
  assert.equal(await link(`nix/store/${path.basename(emb.busyboxStorePath)}/bin/sh`), 'busybox');
  assert.ok((await fsp.lstat(path.join(rootDump, 'nix/store', path.basename(emb.busyboxStorePath), 'bin/busybox'))).isFile());
});

test('embedded-fhs: symlinked directories of the profile stay symlinks (/lib, /share, /etc/init.d)', async () => {
  assert.equal(await link('lib'), `${emb.kernelStorePath}/lib`);
  assert.equal(await link('share'), `${emb.rcStorePath}/share`);
  assert.ok((await fsp.lstat(path.join(rootDump, 'etc'))).isDirectory(), '/etc is a real directory (the profile\'s, plus inittab)');
  assert.equal(await link('etc/init.d'), `${emb.rcStorePath}/etc/init.d`);
  // What they point to is in the image.
  const rc = path.join(rootDump, 'nix/store', path.basename(emb.rcStorePath));
  assert.ok((await fsp.lstat(path.join(rc, 'etc/init.d/rcS'))).isFile());
  assert.equal((await fsp.readFile(path.join(rc, 'share/imgsmith', MARKER_FILE), 'utf8')).trim(), fx.marker);
});

test('embedded-fhs: a masked unit (a symlink to /dev/null) stays a symlink', async () => {
  assert.equal(await link('etc/systemd/system/foo.service'), '/dev/null');
  const st = (await execa('debugfs', ['-R', 'stat /etc/systemd/system/foo.service', rootPart])).stdout;
  assert.match(st, /Type: symlink/);
  assert.match(st, /Fast link dest: "\/dev\/null"/);
});

test('embedded-fhs: /etc/inittab is the text item; /nix/store and /nix-path-registration are the closure', async () => {
  const spec = JSON.parse(await fsp.readFile(RECIPE, 'utf8')) as { partitions: { contents?: { text?: string; target?: string }[] }[] };
  const item = spec.partitions[1]!.contents!.find((c) => c.target === '/etc/inittab')!;
  assert.equal(await fsp.readFile(path.join(rootDump, 'etc/inittab'), 'utf8'), item.text);
  assert.match(item.text!, /^::sysinit:\/etc\/init\.d\/rcS$/m);
  const store = (await fsp.readdir(path.join(rootDump, 'nix/store'))).sort();
  assert.deepEqual(store, emb.storePaths.map((p) => path.basename(p)).sort());
  assert.deepEqual(
    await fsp.readFile(path.join(rootDump, 'nix-path-registration')),
    await fsp.readFile(path.join(emb.closureInfoDir, 'registration')),
  );
  // Only what the spec and the profile put there, at the top.
  assert.deepEqual((await fsp.readdir(rootDump)).sort(), ['bin', 'etc', 'lib', 'nix', 'nix-path-registration', 'sbin', 'share']);
  const top = (await execa('debugfs', ['-R', 'ls /', rootPart])).stdout;
  for (const n of ['bin', 'etc', 'lib', 'nix', 'sbin', 'share', 'lost+found']) assert.match(top, new RegExp(`\\b${n.replace('+', '\\+')}\\b`));
});

test('embedded-fhs: the same inputs under another --store-root give a byte-identical image', async () => {
  // A copy of the whole store (symlinks as they are) somewhere else, built from another directory.
  const moved = path.join(tmp, 'elsewhere', 'root');
  await fsp.mkdir(path.dirname(moved), { recursive: true });
  await execa('cp', ['-a', fx.storeRoot, moved]);
  const out = path.join(tmp, 'out-moved');
  const r = await runCli([
    'build', RECIPE,
    '--closure', path.join(moved, path.relative(fx.storeRoot, emb.closureInfoDir)),
    '--store-root', moved,
    '--toplevel', emb.toplevelStorePath,
    '-o', out,
    '--no-compress',
  ], { cwd: tmp });
  assert.equal(r.exitCode, 0, r.stderr);
  const again = path.join(out, path.basename(image));
  assert.equal(await firstDifference(image, again), null);
});

// ---------------------------------------------------------------------------------------
// Bad input for the new items: one clear line, the right exit code, nothing left behind

type Edit = (spec: { partitions: { contents: unknown[] }[] }) => void;

/** The bad specs of the tests below, by name. */
const BAD: Record<string, Edit> = {
  'profile-file': (s) => {
    s.partitions[1]!.contents[1] = { generate: 'profile', target: '/', options: { path: 'kernel' } };
  },
  'symlink-empty': (s) => {
    s.partitions[1]!.contents[2] = { symlink: '', target: '/sbin/init' };
  },
  'symlink-no-path': (s) => {
    s.partitions[1]!.contents[2] = { symlink: '/bin/busybox', target: '' };
  },
  // A text file where the profile has its etc/ directory.
  'file-over-dir': (s) => {
    s.partitions[1]!.contents.push({ text: 'x\n', target: '/etc' });
  },
  // A file where a later item needs a directory (/sbin for /sbin/init).
  'dir-over-file': (s) => {
    s.partitions[1]!.contents.splice(2, 0, { text: 'x\n', target: '/sbin' });
  },
  // A file inside a directory the profile links into the store (/lib -> /nix/store/...-linux/lib).
  'file-in-linked-dir': (s) => {
    s.partitions[1]!.contents.push({ text: 'x\n', target: '/lib/firmware/x.bin' });
  },
};
/** The builds of BAD, all run once in one process (helpers/cli-runs.ts: the messages and exit codes
 *  of main(); the real CLI's one-line errors are the other tests'). */
let badBuilds: Promise<Map<string, CliResult>> | undefined;

async function badSpec(name: string) {
  const out = path.join(tmp, `out-${name}`);
  badBuilds ??= (async () => {
    const runs: string[][] = [];
    for (const [n, edit] of Object.entries(BAD)) {
      const spec = JSON.parse(await fsp.readFile(RECIPE, 'utf8')) as { partitions: { contents: unknown[] }[] };
      edit(spec);
      const file = path.join(tmp, `${n}.json`);
      await fsp.writeFile(file, JSON.stringify(spec));
      runs.push(buildArgs(file, path.join(tmp, `out-${n}`)).filter((a) => a !== '--json'));
    }
    const results = await cliRuns(tmp, runs);
    return new Map(Object.keys(BAD).map((n, i) => [n, results[i]!]));
  })();
  return { r: (await badBuilds).get(name)!, out };
}

async function expectOneError(name: string, r: { exitCode: number; stderr: string; stdout: string }, out: string, code: number, re: RegExp) {
  assert.equal(r.exitCode, code, `${name}: exit ${r.exitCode}\n${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `${name}: one line expected:\n${r.stderr}`);
  assert.match(lines[0]!, /^imgsmith: error: /);
  assert.match(lines[0]!, re);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(await listFiles(out), [], `${name}: left files in the output directory`);
}

test('embedded-fhs: a profile that is not a directory is one clear error (exit 1)', async () => {
  const { r, out } = await badSpec('profile-file');
  await expectOneError('profile-file', r, out, 1, /spec\.partitions\[1\]\.contents\[1\]: the profile .*\/kernel \(-> .*\/Image\) is not a directory/);
});

test('embedded-fhs: a symlink item with an empty link target or an empty target path is a spec error (exit 2)', async () => {
  {
    const { r, out } = await badSpec('symlink-empty');
    await expectOneError('symlink-empty', r, out, 2, /spec\.partitions\[1\]\.contents\[2\]\.symlink: the link target must not be empty/);
  }
  {
    const { r, out } = await badSpec('symlink-no-path');
    await expectOneError('symlink-no-path', r, out, 2, /spec\.partitions\[1\]\.contents\[2\]\.target: must not be empty/);
  }
});

test('embedded-fhs: two items writing one path as a file and as a directory is one clear error (exit 1 or 2)', async () => {
  {
    const { r, out } = await badSpec('file-over-dir');
    // The spec check sees /etc/inittab (contents[3]) under the text file /etc: a usage error.
    await expectOneError('file-over-dir', r, out, 2, /spec\.partitions\[1\]\.contents\[4\]\.target: "\/etc" is a file here, but spec\.partitions\[1\]\.contents\[3\] needs it to be a directory/);
  }
  {
    const { r, out } = await badSpec('dir-over-file');
    await expectOneError('dir-over-file', r, out, 1, /spec\.partitions\[1\]\.contents\[3\]: \/sbin is a file, not a directory/);
  }
  {
    const { r, out } = await badSpec('file-in-linked-dir');
    await expectOneError('file-in-linked-dir', r, out, 1, /spec\.partitions\[1\]\.contents\[4\]: \/lib is a symlink, not a directory/);
  }
});

// ---------------------------------------------------------------------------------------
// The boot

test('embedded-fhs: boots on QEMU virt (U-Boot -> extlinux on FAT -> busybox /sbin/init -> rcS via the profile)', { skip: SKIP_BOOT, timeout: 900_000 }, async () => {
  const before = await fileStamp(image);
  const r = await execa(process.execPath, [path.join(REPO, 'bin/imgsmith.js'), 'boot-test', image, '--machine', 'virt', '--marker', fx.marker, '--timeout', '480'], {
    reject: false,
    all: true,
  });
  assert.equal(r.exitCode, 0, `boot test failed:\n${r.all}`);
  assert.equal(r.stdout.split('\n')[0]!.split(' ').slice(0, 2).join(' '), `${BOOT_OK} ${fx.marker}`, r.all);
  assert.equal(await fileStamp(image), before, 'the image under test was modified');
});
