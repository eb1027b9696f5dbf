/**
 * Inputs for the reproducibility matrix (test/repro.test.ts): a small closure, an extra
 * store path with non-UTF-8 names, a spec directory whose `root/` holds the awkward
 * cases (hard links, an empty file, a 255-byte name, a non-UTF-8 name, a dangling
 * symlink, a symlink to /dev/null, setuid/setgid/sticky modes, a directory of symlinks
 * into /nix/store) and one spec per root filesystem type (ext4, btrfs).
 *
 * Everything is derived from fixed data: two calls in different directories (on
 * different filesystems, in a different creation order) describe the same image.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { makeClosure, type ClosureFixture } from './closure-fixture.ts';

/** The non-UTF-8 name ('caf' + 0xe9, latin1 "café"). */
export const ODD_NAME = Buffer.from('caf\xe9', 'latin1');
/** A non-UTF-8 symlink target. */
export const ODD_TARGET = Buffer.from('../\xff\xfe/caf\xe9', 'latin1');
/** A 255-byte name (ext4's and btrfs's limit). */
export const LONG_NAME = 'L'.repeat(251) + '.txt';

export interface ReproInputs {
  dir: string;
  fx: ClosureFixture;
  /** The extra store path holding non-UTF-8 names (host path). */
  oddStorePath: string;
  /** The same, as a /nix/store path. */
  oddStorePathLogical: string;
  /** Plain list of every store path (closure + odd one), /nix/store paths. */
  storePathList: string;
  /** The logical toplevel (/nix/store/...), given with --store-root. */
  toplevelLogical: string;
  specDir: string;
  specs: { ext4: string; btrfs: string };
}

const ODD_HASH = 'a0b1c2d3f4g5h6i7j8k9l0m1n2p3q4r5'; // nix-base32 characters only

/** `order: 'reverse'` creates files and links in the opposite order (other host inodes). */
export async function makeReproInputs(dir: string, opts: { order?: 'forward' | 'reverse' } = {}): Promise<ReproInputs> {
  const reverse = opts.order === 'reverse';
  const fx = await makeClosure(dir, { paths: 2, filesPerPath: 2, order: opts.order ?? 'forward', kernelSize: 8192 });
  const logical = (host: string) => '/nix/store/' + path.basename(host);

  // An extra store path with a non-UTF-8 file name and symlink target (listed only in
  // the plain store path list: its registration is computed by imgsmith).
  const oddBase = `${ODD_HASH}-odd-names-1.0`;
  const oddStorePath = path.join(fx.storeDir, oddBase);
  await fsp.chmod(fx.storeDir, 0o755).catch(() => undefined);
  await fsp.mkdir(oddStorePath);
  const oddItems: [() => Promise<void>][] = [
    [() => fsp.writeFile(Buffer.from(`${oddStorePath}/${ODD_NAME.toString('latin1')}`, 'latin1'), 'non-UTF-8 name\n')],
    [() => fsp.symlink(ODD_TARGET, Buffer.from(`${oddStorePath}/link-\xe9`, 'latin1'))],
    [() => fsp.writeFile(path.join(oddStorePath, 'run'), `#!${logical(fx.byName.bash!)}/bin/sh\n`, { mode: 0o555 })],
  ];
  for (const [f] of reverse ? [...oddItems].reverse() : oddItems) await f();
  await fsp.chmod(path.join(oddStorePath, 'run'), 0o555);
  await fsp.chmod(Buffer.from(`${oddStorePath}/${ODD_NAME.toString('latin1')}`, 'latin1'), 0o444);
  await fsp.chmod(oddStorePath, 0o555);
  const storePathList = path.join(dir, 'store-paths-odd.txt');
  const all = [...fx.storePaths.map(logical), logical(oddStorePath)].sort();
  await fsp.writeFile(storePathList, all.join('\n') + '\n');

  // The spec directory and its root/ tree.
  const specDir = path.join(dir, 'spec');
  const root = path.join(specDir, 'root');
  const P = (rel: string) => Buffer.from(path.join(root, rel), 'latin1');
  const dirs = ['etc', 'usr', 'usr/bin', 'usr/share', 'profile', 'profile/bin', 'tmp', 'shared', `dir-\xfe`];
  for (const d of dirs) await fsp.mkdir(P(d), { recursive: true });
  const pkg0 = logical(fx.byName['pkg-0']!);
  const pkg1 = logical(fx.byName['pkg-1']!);
  const steps: (() => Promise<void>)[] = [
    () => fsp.writeFile(P('etc/hostname'), 'repro\n'),
    () => fsp.writeFile(P('etc/empty'), ''),
    () => fsp.writeFile(P(`etc/${LONG_NAME}`), 'a 255-byte name\n'),
    () => fsp.writeFile(P(ODD_NAME.toString('latin1')), 'caf\xe9 (latin1)\n', 'latin1'),
    () => fsp.writeFile(P(`dir-\xfe/inner`), 'inside a non-UTF-8 directory\n'),
    () => fsp.symlink('/nonexistent/dangling-target', P('etc/dangling')),
    () => fsp.symlink('/dev/null', P('etc/devnull')),
    () => fsp.symlink(ODD_TARGET, P('etc/odd-target')),
    () => fsp.writeFile(P('usr/bin/setuid-helper'), '#!/bin/sh\necho setuid\n'),
    () => fsp.writeFile(P('usr/bin/setgid-helper'), '#!/bin/sh\necho setgid\n'),
    () => fsp.writeFile(P('shared/original'), 'one inode, three names\n'),
    () => fsp.symlink(`${pkg0}/bin/pkg-0`, P('profile/bin/pkg-0')),
    () => fsp.symlink(`${pkg1}/bin/pkg-1`, P('profile/bin/pkg-1')),
    () => fsp.symlink(`${pkg1}/lib`, P('profile/lib')),
    () => fsp.symlink(`${pkg1}/share`, P('profile/share')),
  ];
  for (const s of reverse ? [...steps].reverse() : steps) await s();
  const links: [string, string][] = [
    ['shared/original', 'shared/second'],
    ['shared/original', 'etc/third'],
    ['shared/original', 'usr/share/fourth'],
  ];
  for (const [a, b] of reverse ? [...links].reverse() : links) await fsp.link(P(a), P(b));
  // Every mode is set explicitly (the test's umask must not matter) and everything is
  // world-readable, so an unprivileged user can build from the same inputs.
  for (const f of ['etc/hostname', `etc/${LONG_NAME}`, ODD_NAME.toString('latin1'), `dir-\xfe/inner`]) await fsp.chmod(P(f), 0o644);
  for (const d of ['', ...dirs]) await fsp.chmod(P(d), 0o755);
  await fsp.chmod(P('usr/bin/setuid-helper'), 0o4755);
  await fsp.chmod(P('usr/bin/setgid-helper'), 0o2755);
  await fsp.chmod(P('tmp'), 0o1777);
  await fsp.chmod(P('etc/empty'), 0o604);
  await fsp.chmod(P('shared/original'), 0o664);

  const contents = [
    { generate: 'closure' },
    { from: 'spec', path: 'root', target: '/' },
    { from: 'toplevel', path: '*', target: '/run/current-system' },
    { generate: 'profile', target: '/run/sw', options: { path: 'sw' } },
    { symlink: '/run/current-system/init', target: '/sbin/init' },
    { text: 'Welcome, caf\u00e9\n', target: '/etc/motd', mode: '0644' },
  ];
  const spec = (fs: 'ext4' | 'btrfs') => ({
    name: `repro-${fs}`,
    system: 'aarch64-linux',
    table: { type: 'dos', labelId: '0x12345678' },
    partitions: [
      {
        name: 'root',
        type: 'linux',
        size: 'auto',
        filesystem:
          fs === 'ext4'
            ? { type: 'ext4', label: 'REPRO', uuid: '44444444-4444-4444-8888-000000000001' }
            : { type: 'btrfs', label: 'repro', uuid: '44444444-4444-4444-8888-000000000002' },
        contents,
      },
    ],
    output: { name: `repro-${fs}`, compress: 'zstd', bmap: true },
  });
  const specs = { ext4: path.join(specDir, 'ext4.json'), btrfs: path.join(specDir, 'btrfs.json') };
  await fsp.writeFile(specs.ext4, JSON.stringify(spec('ext4'), null, 2) + '\n');
  await fsp.writeFile(specs.btrfs, JSON.stringify(spec('btrfs'), null, 2) + '\n');

  for (const d of [dir, path.join(dir, 'nix'), fx.storeDir, fx.closureInfoDir, specDir]) await fsp.chmod(d, 0o755);
  return {
    dir,
    fx,
    oddStorePath,
    oddStorePathLogical: logical(oddStorePath),
    storePathList,
    toplevelLogical: logical(fx.toplevel),
    specDir,
    specs,
  };
}

/** Runs at most two builds at a time in this test process (CI has 2 cores). */
const pending: (() => void)[] = [];
let running = 0;
export async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((r) => pending.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    pending.shift()?.();
  }
}
