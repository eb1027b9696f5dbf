/**
 * Generates a realistic Nix closure for the benchmark, from real Debian arm64
 * packages (bookworm), without installing them:
 *
 *   <cache>/apt/                  apt lists + downloaded .debs (cached)
 *   <cache>/closure-<size>/
 *     root/nix/store/<hash>-<name>  one store path per package, plus NixOS-shaped
 *                                   kernel / initrd / system-path / etc / toplevel paths
 *     closure-info/                 store-paths, registration, total-nar-size
 *                                   (as nixpkgs' closureInfo writes them)
 *     firmware/                     Raspberry Pi firmware files (as sd-image-aarch64.nix
 *                                   copies them to the FAT partition, without config.txt)
 *     PLACEHOLDERS.txt              firmware files that are placeholders, and why
 *     meta.json                     paths and statistics (see BenchClosure)
 *
 * <cache> is $IMGSMITH_BENCH_CACHE or <repo>/.cache/bench (git-ignored).
 *
 * Store paths are laid out exactly like a Nix store: contents at
 * root/nix/store/<hash>-<name>, symlinks between store paths are absolute
 * ("/nix/store/..."), files are 0444 (0555 when executable), directories 0555,
 * every mtime (and the tree's symlinks' mtimes) is 1, no hard links, no special files.
 *
 * Hashes: store path hashes are derived (sha256 folded to 160 bits, printed in
 * Nix base32, like Nix does) from the path name and the input .deb's sha256, so they
 * are plausible and deterministic but are not what Nix would compute for a
 * derivation. NAR hashes and NAR sizes in `registration` are the real ones
 * (computed by serialising each path as a NAR). References are the Debian
 * dependencies that are part of the closure (not a scan of the contents).
 * The deriver line is empty, as nixpkgs' closureInfo writes it.
 *
 * The same .debs give a byte-identical tree (the generation is a pure function of
 * them and of GENERATOR_VERSION); the result is cached and reused when the inputs
 * have not changed.
 *
 * CLI: node --import tsx bench/closure.ts --size small|large [--refresh] [--force]
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { execa } from 'execa';
import { byBytes, narInfo } from '../src/content/nix-store.ts';
import { cpioNewc, storePathHash, type CpioEntry } from '../test/helpers/nix-fixture.ts';
import { aptShow, aptUpdate, depNames, hasLists, privateApt, sha256File, type PrivateApt } from '../test/helpers/debian.ts';

const byteSort = (names: string[]): string[] => names.sort(byBytes);

export type BenchSize = 'small' | 'large';

export interface BenchClosure {
  /** A BenchSize (Debian packages) or a synthetic size (bench/synthetic.ts). */
  size: string;
  /** The closure directory (<cache>/closure-<size>). */
  dir: string;
  /** Host directory that holds nix/store (store paths live at <storeRoot>/nix/store/...). */
  storeRoot: string;
  /** The closureInfo directory (store-paths, registration, total-nar-size), with
   *  /nix/store paths exactly as nixpkgs' closureInfo writes them. */
  closureInfo: string;
  /** The same closureInfo with every /nix/store path replaced by its host path under
   *  <storeRoot> (a chroot-store closure, as imgsmith --closure reads one outside /nix/store). */
  closureInfoHost: string;
  /** The toplevel's store path, e.g. /nix/store/<hash>-nixos-system-nixos-24.11... */
  toplevelStorePath: string;
  /** The toplevel's host path (<storeRoot> + toplevelStorePath). */
  toplevel: string;
  /** Firmware directory for the FAT partition. */
  firmware: string;
  /** Number of store paths. */
  paths: number;
  /** Regular files, directories, symlinks in the store (all paths). */
  files: number;
  dirs: number;
  symlinks: number;
  /** Bytes of regular file contents. */
  bytes: number;
  /** Sum of the NAR sizes. */
  narSize: number;
  /** Cache key of the inputs. */
  key: string;
  /** Synthetic closures (bench/synthetic.ts): hard links among `files`, and how long the
   *  generation took (writing the files; NAR hashing from memory). */
  synthetic?: boolean;
  hardLinks?: number;
  generation?: { writeSeconds: number; narSeconds: number; totalSeconds: number };
}

const GENERATOR_VERSION = 4; // 4: the initrd cpio from test/helpers/nix-fixture.ts (mtime 0)
const NIXOS_VERSION = '24.11.20250101.0000000';
const SYSTEM = 'aarch64-linux';
const KERNEL_PARAMS = 'console=ttyS0,115200n8 console=ttyAMA0,115200n8 console=tty0 loglevel=7';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..');

export function cacheRoot(): string {
  return process.env.IMGSMITH_BENCH_CACHE ? path.resolve(process.env.IMGSMITH_BENCH_CACHE) : path.join(repoRoot, '.cache', 'bench');
}

// ---------------------------------------------------------------------------
// Package sets. "@kernel" is the kernel image package linux-image-arm64 depends on,
// "@headers-common"/"@headers" the matching headers. Packages only used for the
// firmware directory are in FIRMWARE_PKGS and are not part of the closure.

const COMMON_PKGS = [
  'libc6', 'libc-bin', 'libgcc-s1', 'libstdc++6', 'zlib1g', 'libzstd1', 'liblzma5', 'libbz2-1.0',
  'libssl3', 'openssl', 'libcrypt1', 'libselinux1', 'libpcre2-8-0', 'libcap2', 'libacl1', 'libattr1',
  'bash', 'coreutils', 'busybox', 'util-linux', 'libblkid1', 'libmount1', 'libuuid1', 'libsmartcols1',
  'systemd', 'libsystemd-shared', 'libsystemd0', 'udev', 'libudev1', 'libkmod2', 'kmod', 'dbus',
  'e2fsprogs', 'libext2fs2', 'libcom-err2', 'libss2', 'openssh-server', 'openssh-client', 'openssh-sftp-server',
  'iproute2', 'iputils-ping', 'procps', 'libproc2-0', 'ncurses-base', 'libtinfo6', 'libncursesw6',
  'libexpat1', 'libffi8', 'libsqlite3-0', 'libreadline8', 'readline-common', 'tzdata', 'zstd', 'xz-utils',
];

const LARGE_EXTRA = [
  '@headers-common', '@headers',
  'firmware-misc-nonfree', 'firmware-linux-free', 'firmware-brcm80211', 'firmware-realtek', 'firmware-atheros',
  'firmware-iwlwifi', 'firmware-amd-graphics',
  'libllvm15', 'llvm-15', 'clang-15', 'libclang-cpp15', 'libclang1-15', 'libclang-common-15-dev',
  'gcc-12', 'cpp-12', 'g++-12', 'libgcc-12-dev', 'libstdc++-12-dev', 'binutils-aarch64-linux-gnu', 'libbinutils',
  'libc6-dev', 'linux-libc-dev', 'libisl23', 'libmpc3', 'libmpfr6', 'libgmp10',
  'python3.11-minimal', 'libpython3.11-minimal', 'libpython3.11-stdlib',
  'python3.11', 'libpython3.11', 'python3-numpy', 'python3-scipy',
  'perl-base', 'perl', 'perl-modules-5.36', 'libperl5.36',
  'libqt5core5a', 'libqt5gui5', 'libqt5widgets5', 'libqt5network5', 'libqt5dbus5',
  'libgtk-3-0', 'libgtk-3-common', 'libgtk-4-1', 'libgtk-4-common', 'libglib2.0-0', 'libicu72',
  'libcairo2', 'libpango-1.0-0', 'libharfbuzz0b', 'libfreetype6', 'fonts-dejavu-core',
  'git', 'git-man', 'vim', 'vim-runtime', 'nodejs', 'libnode108', 'curl', 'libcurl4',
  'libboost1.81-dev', 'golang-1.19-src', 'locales',
];

const PKG_SETS: Record<BenchSize, string[]> = {
  small: ['@kernel', ...COMMON_PKGS],
  large: ['@kernel', ...COMMON_PKGS, ...LARGE_EXTRA],
};

/** The small closure's kernel keeps only these modules (path prefixes under
 *  lib/modules/<abi>/kernel/) and these device trees (under dtbs/). */
const SMALL_MODULE_DIRS = ['fs/ext4/', 'fs/jbd2/', 'fs/fat/', 'fs/vfat/', 'fs/nls/', 'fs/fuse/', 'fs/overlayfs/', 'fs/squashfs/', 'drivers/mmc/', 'crypto/'];
const SMALL_DTB_DIRS = ['broadcom'];

const FIRMWARE_PKGS = ['raspi-firmware', 'u-boot-rpi'];

// ---------------------------------------------------------------------------
// Nix hashes (nix-base32 and the NAR hash are imgsmith's, store path hashes and cpio shared with the test fixtures)

/** Characters Nix allows in store path names. */
function nixName(s: string): string {
  return s.replace(/^[0-9]+:/, '').replace(/[^A-Za-z0-9+\-._?=]/g, '_');
}

// ---------------------------------------------------------------------------
// NAR hash and size (the product's narInfo) and tree statistics

export interface NarResult {
  hash: string; // sha256:<nix32>
  size: number;
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
}

/** The NAR hash and size of a store path (imgsmith's own NAR code) and what it holds. */
export async function narHash(p: string): Promise<NarResult> {
  const { narHash: hash, narSize: size } = await narInfo(p);
  const res = { files: 0, dirs: 0, symlinks: 0, bytes: 0 };
  const walk = async (q: string): Promise<void> => {
    const st = await fsp.lstat(q);
    if (st.isSymbolicLink()) res.symlinks++;
    else if (st.isFile()) {
      res.files++;
      res.bytes += st.size;
    } else if (st.isDirectory()) {
      res.dirs++;
      for (const name of await fsp.readdir(q)) await walk(path.join(q, name));
    }
  };
  await walk(p);
  return { hash, size, ...res };
}

/**
 * Makes an extracted tree look like a Nix store path: no hard links, no special
 * files, modes 0444/0555 (dirs 0555), mtimes 1 (post-order so directory mtimes stick).
 */
async function normalizeTree(p: string): Promise<void> {
  const st = await fsp.lstat(p);
  if (st.isSymbolicLink()) {
    await fsp.lutimes(p, 1, 1);
  } else if (st.isFile()) {
    if (st.nlink > 1) {
      // Break the hard link: rewrite the file as an independent copy.
      const tmp = `${p}.bench-unlink`;
      await fsp.copyFile(p, tmp);
      await fsp.rename(tmp, p);
    }
    await fsp.chmod(p, st.mode & 0o111 ? 0o555 : 0o444);
    await fsp.utimes(p, 1, 1);
  } else if (st.isDirectory()) {
    await fsp.chmod(p, 0o755);
    for (const name of byteSort(await fsp.readdir(p))) await normalizeTree(path.join(p, name));
    await fsp.chmod(p, 0o555);
    await fsp.utimes(p, 1, 1);
  } else {
    await fsp.rm(p);
  }
}

async function makeWritable(p: string): Promise<void> {
  let st;
  try {
    st = await fsp.lstat(p);
  } catch {
    return;
  }
  if (!st.isDirectory()) return;
  await fsp.chmod(p, 0o755);
  for (const e of await fsp.readdir(p, { withFileTypes: true })) if (e.isDirectory()) await makeWritable(path.join(p, e.name));
}

export async function removeTree(p: string): Promise<void> {
  await makeWritable(p);
  await fsp.rm(p, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------
// apt (download only)

interface DebInfo {
  name: string;
  version: string;
  sha256: string;
  depends: string[];
  file: string;
}

/** The benchmark's private apt (arm64), its package lists fetched once (again with `refresh`). */
async function benchApt(cache: string, refresh: boolean): Promise<PrivateApt> {
  const apt = await privateApt(path.join(cache, 'apt'), 'arm64');
  await fsp.mkdir(path.join(apt.dir, 'debs'), { recursive: true });
  if (refresh || !(await hasLists(apt))) await aptUpdate(apt, log);
  return apt;
}

async function resolveNames(apt: PrivateApt, names: string[]): Promise<string[]> {
  const kernelMeta = (await aptShow(apt, ['linux-image-arm64'])).get('linux-image-arm64')!;
  const kernel = depNames(kernelMeta.Depends).find((d) => d.startsWith('linux-image-6'));
  if (!kernel) throw new Error('cannot find the kernel package linux-image-arm64 depends on');
  const abi = kernel.replace(/^linux-image-/, '').replace(/-arm64$/, '');
  return names.map((n) =>
    n === '@kernel' ? kernel : n === '@headers' ? `linux-headers-${abi}-arm64` : n === '@headers-common' ? `linux-headers-${abi}-common` : n,
  );
}

async function fetchDebs(apt: PrivateApt, names: string[]): Promise<DebInfo[]> {
  const debDir = path.join(apt.dir, 'debs');
  const infos: DebInfo[] = [];
  const missing: { name: string; info: DebInfo }[] = [];
  const shown = await aptShow(apt, names);
  for (const name of names) {
    const c = shown.get(name)!;
    const version = c.Version!;
    const sha256 = c.SHA256!;
    const file = path.join(debDir, `${name}_${version.replace(/:/g, '%3a')}_${c.Architecture}.deb`);
    const info: DebInfo = { name, version, sha256, depends: [...depNames(c['Pre-Depends']), ...depNames(c.Depends)], file };
    infos.push(info);
    if (!(existsSync(file) && (await sha256File(file)) === sha256)) missing.push({ name, info });
  }
  if (missing.length) {
    log(`downloading ${missing.length} .deb files into ${debDir}`);
    await execa('apt-get', [...apt.args, 'download', ...missing.map((m) => `${m.name}=${m.info.version}`)], { cwd: debDir, stdout: 'ignore' });
    for (const m of missing) {
      if (!existsSync(m.info.file)) throw new Error(`apt-get download did not produce ${m.info.file}`);
      if ((await sha256File(m.info.file)) !== m.info.sha256) throw new Error(`${m.info.file}: sha256 mismatch`);
    }
  }
  return infos;
}

// ---------------------------------------------------------------------------
// Generation

function log(msg: string): void {
  process.stderr.write(`[closure] ${msg}\n`);
}

async function walkFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  const ents = await fsp.readdir(path.join(root, rel), { withFileTypes: true });
  for (const e of ents.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walkFiles(root, r)));
    else out.push(r);
  }
  return out;
}

async function dpkgExtract(deb: string, dest: string): Promise<void> {
  await fsp.mkdir(dest, { recursive: true });
  await execa('dpkg-deb', ['-x', deb, dest]);
}

interface StorePathRec {
  name: string;
  storePath: string; // /nix/store/<hash>-<name>
  refs: Set<string>; // store paths
}

export interface EnsureOptions {
  refresh?: boolean;
  force?: boolean;
}

export async function ensureClosure(size: BenchSize, opts: EnsureOptions = {}): Promise<BenchClosure> {
  const cache = cacheRoot();
  const apt = await benchApt(cache, !!opts.refresh);
  const names = await resolveNames(apt, PKG_SETS[size]);
  const debs = await fetchDebs(apt, [...names, ...FIRMWARE_PKGS]);
  const key = createHash('sha256')
    .update(JSON.stringify({ v: GENERATOR_VERSION, size, debs: debs.map((d) => [d.name, d.version, d.sha256]) }))
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(cache, `closure-${size}`);
  const metaFile = path.join(dir, 'meta.json');
  if (!opts.force && existsSync(metaFile)) {
    const meta = JSON.parse(await fsp.readFile(metaFile, 'utf8')) as BenchClosure;
    if (meta.key === key) return withHostClosureInfo(meta);
    log(`inputs changed (${meta.key} -> ${key}); regenerating`);
  }
  const tmp = `${dir}.tmp`;
  await removeTree(tmp);
  await generate(size, debs.filter((d) => !FIRMWARE_PKGS.includes(d.name)), debs.filter((d) => FIRMWARE_PKGS.includes(d.name)), tmp, key);
  await removeTree(dir);
  await fsp.rename(tmp, dir);
  // Paths inside meta.json point into the final dir.
  const meta = JSON.parse((await fsp.readFile(metaFile, 'utf8')).replaceAll(tmp, dir)) as BenchClosure;
  await fsp.writeFile(metaFile, JSON.stringify(meta, null, 2) + '\n');
  return withHostClosureInfo(meta);
}

/** Writes <dir>/closure-info-host (store paths as host paths) if missing. */
async function withHostClosureInfo(meta: BenchClosure): Promise<BenchClosure> {
  const out = path.join(meta.dir, 'closure-info-host');
  if (!existsSync(path.join(out, 'registration'))) {
    const tmp = `${out}.tmp`;
    await fsp.rm(tmp, { recursive: true, force: true });
    await fsp.mkdir(tmp, { recursive: true });
    const hostDir = path.join(meta.storeRoot, 'nix', 'store');
    const rewrite = (text: string) => text.replace(/^\/nix\/store\//gm, `${hostDir}/`);
    for (const f of ['store-paths', 'registration', 'total-nar-size']) {
      const text = await fsp.readFile(path.join(meta.closureInfo, f), 'utf8');
      await fsp.writeFile(path.join(tmp, f), f === 'total-nar-size' ? text : rewrite(text));
    }
    await fsp.rm(out, { recursive: true, force: true });
    await fsp.rename(tmp, out);
  }
  return { ...meta, closureInfoHost: out };
}

async function generate(size: BenchSize, pkgs: DebInfo[], fwPkgs: DebInfo[], dir: string, key: string): Promise<void> {
  const storeRoot = path.join(dir, 'root');
  const storeDir = path.join(storeRoot, 'nix', 'store');
  await fsp.mkdir(storeDir, { recursive: true });
  const host = (sp: string) => path.join(storeRoot, sp);
  const recs: StorePathRec[] = [];
  const byPkg = new Map<string, StorePathRec>();
  const extractDir = path.join(dir, 'extract');

  // 1. One store path per package (the kernel package becomes a NixOS-style kernel path).
  const kernelDeb = pkgs.find((d) => d.name.startsWith('linux-image-'))!;
  const abi = kernelDeb.name.replace(/^linux-image-/, '');
  const kver = kernelDeb.version.replace(/-.*$/, '');
  let kernelRec: StorePathRec | undefined;
  for (const d of pkgs) {
    const isKernel = d === kernelDeb;
    const name = isKernel ? `linux-${kver}` : `${nixName(d.name)}-${nixName(d.version)}`;
    const storePath = `/nix/store/${storePathHash(`bench:${name}:${d.sha256}`)}-${name}`;
    const rec: StorePathRec = { name, storePath, refs: new Set() };
    recs.push(rec);
    byPkg.set(d.name, rec);
    log(`${d.name} ${d.version} -> ${storePath}`);
    if (!isKernel) {
      await dpkgExtract(d.file, host(storePath));
      continue;
    }
    kernelRec = rec;
    const x = path.join(extractDir, 'kernel');
    await dpkgExtract(d.file, x);
    const out = host(storePath);
    await fsp.mkdir(out, { recursive: true });
    // NixOS' aarch64 kernel path holds an uncompressed Image, System.map, config, dtbs/ and lib/modules.
    const vmlinuz = await fsp.readFile(path.join(x, 'boot', `vmlinuz-${abi}`));
    const image = vmlinuz[0] === 0x1f && vmlinuz[1] === 0x8b ? zlib.gunzipSync(vmlinuz) : vmlinuz;
    await fsp.writeFile(path.join(out, 'Image'), image);
    await fsp.copyFile(path.join(x, 'boot', `System.map-${abi}`), path.join(out, 'System.map'));
    await fsp.copyFile(path.join(x, 'boot', `config-${abi}`), path.join(out, 'config'));
    await fsp.rename(path.join(x, 'usr', 'lib', `linux-image-${abi}`), path.join(out, 'dtbs'));
    if (size === 'small') {
      for (const vendor of await fsp.readdir(path.join(out, 'dtbs'))) {
        if (!SMALL_DTB_DIRS.includes(vendor)) await fsp.rm(path.join(out, 'dtbs', vendor), { recursive: true });
      }
    }
    await fsp.mkdir(path.join(out, 'lib', 'modules'), { recursive: true });
    const modSrc = path.join(x, 'lib', 'modules', abi);
    const modDst = path.join(out, 'lib', 'modules', abi);
    if (size === 'large') {
      await fsp.rename(modSrc, modDst);
    } else {
      for (const rel of await walkFiles(modSrc)) {
        const keep = !rel.startsWith('kernel/') || SMALL_MODULE_DIRS.some((p) => rel.startsWith(`kernel/${p}`));
        if (!keep) continue;
        await fsp.mkdir(path.dirname(path.join(modDst, rel)), { recursive: true });
        await fsp.rename(path.join(modSrc, rel), path.join(modDst, rel));
      }
    }
  }
  if (!kernelRec) throw new Error('no kernel package in the set');

  // References: Debian dependencies that are in the closure.
  for (const d of pkgs) {
    const rec = byPkg.get(d.name)!;
    for (const dep of d.depends) {
      const r = byPkg.get(dep);
      if (r && r !== rec) rec.refs.add(r.storePath);
    }
  }

  // 2. initrd: a gzip'd newc cpio with busybox and the kernel's fs/mmc modules.
  const busyboxRec = byPkg.get('busybox')!;
  const cpioEntries: CpioEntry[] = [
    { kind: 'dir', path: '.', mode: 0o755 },
    { kind: 'dir', path: 'bin', mode: 0o755 },
    { kind: 'file', path: 'bin/busybox', mode: 0o755, data: await fsp.readFile(path.join(host(busyboxRec.storePath), 'bin', 'busybox')) },
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
    { kind: 'file', path: 'init', mode: 0o755, data: Buffer.from('#!/bin/sh\n# stage-1 init (benchmark stand-in)\nexec /bin/sh\n') },
    { kind: 'dir', path: 'lib', mode: 0o755 },
    { kind: 'dir', path: 'lib/modules', mode: 0o755 },
  ];
  const kmods = path.join(host(kernelRec.storePath), 'lib', 'modules', abi);
  const modDirsSeen = new Set<string>();
  for (const rel of await walkFiles(kmods)) {
    if (!/^kernel\/(fs\/(ext4|jbd2|fat|vfat|nls)|drivers\/mmc)\//.test(rel) && !rel.startsWith('modules.')) continue;
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = `lib/modules/${parts.slice(0, i).join('/')}`;
      if (!modDirsSeen.has(d)) {
        modDirsSeen.add(d);
        cpioEntries.push({ kind: 'dir', path: d, mode: 0o755 });
      }
    }
    cpioEntries.push({ kind: 'file', path: `lib/modules/${rel}`, mode: 0o644, data: await fsp.readFile(path.join(kmods, rel)) });
  }
  const initrdName = `initrd-linux-${kver}`;
  const initrdPath = `/nix/store/${storePathHash(`bench:${initrdName}:${key}`)}-${initrdName}`;
  await fsp.mkdir(host(initrdPath));
  await fsp.writeFile(path.join(host(initrdPath), 'initrd'), zlib.gzipSync(cpioNewc(cpioEntries), { level: 9 }));
  recs.push({ name: initrdName, storePath: initrdPath, refs: new Set() });

  // 3. system-path: a buildEnv of symlinks to every package's executables.
  const swPath = `/nix/store/${storePathHash(`bench:system-path:${key}`)}-system-path`;
  const swRec: StorePathRec = { name: 'system-path', storePath: swPath, refs: new Set() };
  for (const sub of ['bin', 'sbin']) await fsp.mkdir(path.join(host(swPath), sub), { recursive: true });
  for (const rec of [...byPkg.values()].sort((a, b) => (a.storePath < b.storePath ? -1 : 1))) {
    if (rec === kernelRec) continue;
    swRec.refs.add(rec.storePath);
    for (const sub of ['bin', 'sbin', 'usr/bin', 'usr/sbin']) {
      const src = path.join(host(rec.storePath), sub);
      let ents: string[];
      try {
        ents = byteSort(await fsp.readdir(src));
      } catch {
        continue;
      }
      const dst = path.join(host(swPath), sub.endsWith('sbin') ? 'sbin' : 'bin');
      for (const e of ents) {
        try {
          await fsp.symlink(`${rec.storePath}/${sub}/${e}`, path.join(dst, e));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
      }
    }
  }
  recs.push(swRec);

  // 4. etc: a few generated files.
  const etcPath = `/nix/store/${storePathHash(`bench:etc:${key}`)}-etc`;
  await fsp.mkdir(path.join(host(etcPath), 'etc'), { recursive: true });
  const etcFiles: Record<string, string> = {
    hostname: 'nixos\n',
    'os-release': `NAME=NixOS\nID=nixos\nVERSION_ID="24.11"\nBUILD_ID="${NIXOS_VERSION}"\nPRETTY_NAME="NixOS 24.11 (Vicuna)"\n`,
    fstab: '/dev/disk/by-label/NIXOS_SD / ext4 defaults 0 1\n/dev/disk/by-label/FIRMWARE /boot/firmware vfat nofail,noauto 0 2\n',
    hosts: '127.0.0.1 localhost\n::1 localhost\n',
  };
  for (const [f, text] of Object.entries(etcFiles)) await fsp.writeFile(path.join(host(etcPath), 'etc', f), text);
  recs.push({ name: 'etc', storePath: etcPath, refs: new Set([swPath]) });

  // 5. toplevel, shaped like config.system.build.toplevel.
  const topName = `nixos-system-nixos-${NIXOS_VERSION}`;
  const topPath = `/nix/store/${storePathHash(`bench:${topName}:${key}`)}-${topName}`;
  const top = host(topPath);
  await fsp.mkdir(path.join(top, 'bin'), { recursive: true });
  const systemdRec = byPkg.get('systemd')!;
  const bashRec = byPkg.get('bash')!;
  await fsp.writeFile(path.join(top, 'init'), `#!${bashRec.storePath}/bin/bash\n# stage-2 init (benchmark stand-in)\nexec ${systemdRec.storePath}/lib/systemd/systemd "$@"\n`, { mode: 0o755 });
  await fsp.writeFile(path.join(top, 'activate'), `#!${bashRec.storePath}/bin/bash\n# activation script (benchmark stand-in)\n`, { mode: 0o755 });
  await fsp.writeFile(path.join(top, 'bin', 'switch-to-configuration'), `#!${bashRec.storePath}/bin/bash\nexit 0\n`, { mode: 0o755 });
  await fsp.writeFile(path.join(top, 'kernel-params'), KERNEL_PARAMS);
  await fsp.writeFile(path.join(top, 'nixos-version'), NIXOS_VERSION);
  await fsp.writeFile(path.join(top, 'system'), SYSTEM);
  await fsp.writeFile(path.join(top, 'init-interface-version'), 'systemd');
  await fsp.symlink(`${kernelRec.storePath}/Image`, path.join(top, 'kernel'));
  await fsp.symlink(`${kernelRec.storePath}/lib/modules`, path.join(top, 'kernel-modules'));
  await fsp.symlink(`${kernelRec.storePath}/dtbs`, path.join(top, 'dtbs'));
  await fsp.symlink(`${initrdPath}/initrd`, path.join(top, 'initrd'));
  await fsp.symlink(`${etcPath}/etc`, path.join(top, 'etc'));
  await fsp.symlink(swPath, path.join(top, 'sw'));
  await fsp.symlink(systemdRec.storePath, path.join(top, 'systemd'));
  recs.push({ name: topName, storePath: topPath, refs: new Set([kernelRec.storePath, initrdPath, etcPath, swPath, systemdRec.storePath, bashRec.storePath]) });

  // 6. Normalise every store path, then hash.
  log('normalising the store (modes, mtimes, hard links)');
  for (const r of recs) await normalizeTree(host(r.storePath));
  await fsp.chmod(storeDir, 0o775);
  for (const d of [storeDir, path.dirname(storeDir), storeRoot]) await fsp.utimes(d, 1, 1);
  log('computing NAR hashes');
  const sorted = [...recs].sort((a, b) => (a.storePath < b.storePath ? -1 : a.storePath > b.storePath ? 1 : 0));
  let reg = '';
  let narTotal = 0;
  const stats = { files: 0, dirs: 0, symlinks: 0, bytes: 0 };
  for (const r of sorted) {
    const nar = await narHash(host(r.storePath));
    narTotal += nar.size;
    stats.files += nar.files;
    stats.dirs += nar.dirs;
    stats.symlinks += nar.symlinks;
    stats.bytes += nar.bytes;
    const refs = [...r.refs].sort();
    reg += [r.storePath, nar.hash, String(nar.size), '', String(refs.length), ...refs].map((l) => `${l}\n`).join('');
  }
  const ci = path.join(dir, 'closure-info');
  await fsp.mkdir(ci);
  await fsp.writeFile(path.join(ci, 'store-paths'), sorted.map((r) => `${r.storePath}\n`).join(''));
  await fsp.writeFile(path.join(ci, 'registration'), reg);
  await fsp.writeFile(path.join(ci, 'total-nar-size'), `${narTotal}\n`);

  // 7. Firmware directory, as sd-image-aarch64.nix's populateFirmwareCommands fills it
  // (config.txt excluded: both pipelines generate it).
  const fw = path.join(dir, 'firmware');
  await fsp.mkdir(fw);
  const placeholders: string[] = [];
  const rfDeb = fwPkgs.find((d) => d.name === 'raspi-firmware')!;
  const rfx = path.join(extractDir, 'raspi-firmware');
  await dpkgExtract(rfDeb.file, rfx);
  const rfDir = path.join(rfx, 'usr', 'lib', 'raspi-firmware');
  for (const f of byteSort(await fsp.readdir(rfDir))) {
    if (f === 'bootcode.bin' || /^fixup.*\.dat$/.test(f) || /^start.*\.elf$/.test(f)) await fsp.copyFile(path.join(rfDir, f), path.join(fw, f));
  }
  const ubDeb = fwPkgs.find((d) => d.name === 'u-boot-rpi')!;
  const ubx = path.join(extractDir, 'u-boot-rpi');
  await dpkgExtract(ubDeb.file, ubx);
  await fsp.copyFile(path.join(ubx, 'usr', 'lib', 'u-boot', 'rpi_3', 'u-boot.bin'), path.join(fw, 'u-boot-rpi3.bin'));
  await fsp.copyFile(path.join(ubx, 'usr', 'lib', 'u-boot', 'rpi_4', 'u-boot.bin'), path.join(fw, 'u-boot-rpi4.bin'));
  // raspberrypi-armstubs is not packaged by Debian: a deterministic stand-in of about the real size.
  const stub = Buffer.alloc(6144);
  for (let i = 0, h = createHash('sha256').update('armstub8-gic.bin placeholder').digest(); i < stub.length; i += 32) {
    h.copy(stub, i);
    h = createHash('sha256').update(h).digest();
  }
  await fsp.writeFile(path.join(fw, 'armstub8-gic.bin'), stub);
  placeholders.push('armstub8-gic.bin: 6144 pseudo-random bytes (raspberrypi-armstubs is not in Debian)');
  // Device trees: nixpkgs copies them from raspberrypifw (downstream names); Debian's
  // mainline kernel has bcm2711-rpi-4-b, -400 and -cm4-io.
  const brcm = path.join(host(kernelRec.storePath), 'dtbs', 'broadcom');
  const dtbMap: [string, string][] = [
    ['bcm2711-rpi-4-b.dtb', 'bcm2711-rpi-4-b.dtb'],
    ['bcm2711-rpi-400.dtb', 'bcm2711-rpi-400.dtb'],
    ['bcm2711-rpi-cm4.dtb', 'bcm2711-rpi-cm4-io.dtb'],
    ['bcm2711-rpi-cm4s.dtb', 'bcm2711-rpi-cm4-io.dtb'],
  ];
  for (const [dst, src] of dtbMap) {
    await fsp.copyFile(path.join(brcm, src), path.join(fw, dst));
    if (dst !== src) placeholders.push(`${dst}: a copy of mainline ${src} (the downstream file is not in Debian)`);
  }
  for (const f of await fsp.readdir(fw)) {
    await fsp.chmod(path.join(fw, f), 0o444);
    await fsp.utimes(path.join(fw, f), 1, 1);
  }
  await fsp.writeFile(path.join(dir, 'PLACEHOLDERS.txt'), placeholders.map((l) => `${l}\n`).join(''));
  await removeTree(extractDir);

  const meta: BenchClosure = {
    size,
    dir,
    storeRoot,
    closureInfo: ci,
    closureInfoHost: path.join(dir, 'closure-info-host'),
    toplevelStorePath: topPath,
    toplevel: host(topPath),
    firmware: fw,
    paths: recs.length,
    ...stats,
    narSize: narTotal,
    key,
  };
  await fsp.writeFile(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  log(`generated ${recs.length} store paths, ${stats.files} files, ${stats.dirs} dirs, ${stats.symlinks} symlinks, ${(stats.bytes / 2 ** 20).toFixed(0)} MiB`);
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const i = args.indexOf('--size');
  const size = (i >= 0 ? args[i + 1] : 'small') as BenchSize;
  if (size !== 'small' && size !== 'large') {
    process.stderr.write('usage: closure.ts --size small|large [--refresh] [--force]\n');
    process.exit(2);
  }
  const meta = await ensureClosure(size, { refresh: args.includes('--refresh'), force: args.includes('--force') });
  process.stdout.write(JSON.stringify(meta, null, 2) + '\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`closure: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
