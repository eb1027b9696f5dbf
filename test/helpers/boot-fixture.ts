/**
 * A bootable, NixOS-shaped closure built from real Debian bookworm parts, for the
 * QEMU boot tests (test/boot.test.ts) and `npm run boot-image`.
 *
 * Downloads (cached under $IMGSMITH_CACHE or <repo>/.cache, in boot-fixture/):
 *   aarch64: linux-image-6.1.0-*-arm64, busybox-static, u-boot-rpi, raspi-firmware
 *   x86_64:  linux-image-6.1.0-*-amd64, busybox-static, systemd-boot-efi
 *   armhf:   linux-image-6.1.0-*-armmp, busybox-static, u-boot-sunxi
 *   with `firstBoot`: fdisk, util-linux, e2fsprogs, btrfs-progs and the libraries they link
 *            (FIRST_BOOT_PACKAGES in ./first-boot-tools.ts)
 *   with `verity`: cryptsetup-bin (veritysetup) and the libraries it links (VERITY_PACKAGES in
 *            ./verity-initrd.ts)
 * fetched with apt-get from deb.debian.org (override: $IMGSMITH_DEBIAN_MIRROR) using a
 * private apt state directory (never the host's). apt verifies each .deb against the
 * signed Release/Packages index; we check the SHA256 from the index again and record it,
 * and a cached .deb is re-hashed before every use.
 *
 * The closure is written under `workDir/nix/store` (host paths), and looks like NixOS:
 *   <h>-busybox-<v>            bin/busybox (static) + applet symlinks
 *   <h>-linux-<v>              Image (aarch64, uncompressed), bzImage (x86_64) or zImage (armhf),
 *                              dtbs/broadcom/*.dtb (aarch64), dtbs/sun8i-h3-*.dtb (armhf),
 *                              lib/modules/<kver>/ (the modules the initrd loads)
 *   <h>-initrd-linux-<v>       initrd: gzip'd newc cpio with a static busybox and /init
 *   <h>-nixos-system-bootfixture
 *                              init (stage 2, `#!/nix/store/<h>-busybox-<v>/bin/sh`), kernel,
 *                              initrd, dtbs, sw (absolute /nix/store symlinks, as in NixOS),
 *                              kernel-params, nixos-version, system, imgsmith-boot-marker
 * plus a closureInfo directory (store-paths, registration with real NAR hashes and
 * sizes, total-nar-size) like nixpkgs' closureInfo, listing the host paths
 * (<workDir>/nix/store/...; imgsmith maps that store directory to /nix/store).
 * Store path hashes are derived from the name and NAR hash (not Nix's derivation
 * hashing); kernel, initrd and busybox paths are therefore the same in every fixture,
 * the toplevel differs with the marker.
 *
 * Firmware directory (--firmware):
 *   aarch64: bootcode.bin, start*.elf, fixup*.dat (raspi-firmware), u-boot-rpi3.bin and
 *            u-boot-rpi4.bin (u-boot-rpi rpi_3 / rpi_4), bcm2711-*.dtb (Debian kernel),
 *            and text PLACEHOLDERS for what Debian lacks (PI_PLACEHOLDERS).
 *   x86_64:  a complete ESP tree: EFI/BOOT/BOOTX64.EFI (systemd-boot), loader/loader.conf,
 *            loader/entries/nixos-bootfixture.conf, EFI/nixos/<kernel,initrd>.efi and
 *            imgsmith-boot-marker. A recipe copies it whole: {"from":"firmware","path":"*"}.
 *   armhf:   u-boot-sunxi-with-spl.bin (u-boot-sunxi orangepi_plus: SPL + U-Boot for an Allwinner
 *            H3, which QEMU's orangepi-pc boot ROM runs from 8 KiB of the SD card).
 *
 * Boot flow (kernel at loglevel=4, crypto self-tests off, one core, arm64 without KASLR and mitigations; the initrd's modules unsigned, as
 * NixOS builds them): stage 1 (initrd /init) loads the storage drivers of the machine
 * (STORAGE: by /proc/device-tree/compatible; x86 has no device tree) and, as partitions appear, the
 * modules of the filesystems on them (FS_MODULES, by superblock magic; a module that fails to load fails
 * the boot), finds the root partition
 * (root=LABEL=... / UUID=... / PARTUUID=<dos id>-<nn> / /dev/... from the command line if given, else the partition
 * holding the init= path), mounts it read-write (like NixOS; QEMU runs on an overlay),
 * creates /dev /proc /sys on it if missing, moves its mounts there and switch_roots into
 * init=<toplevel>/init. With `verity` and roothash= on the command line, stage 1 first opens the root
 * through dm-verity (./verity-initrd.ts: systemd's roothash=/systemd.verity_root_data=/_hash=
 * convention), mounts /dev/mapper/root read-only and reads every file of it. Stage 2 checks it can read the root filesystem (/nix/store holds
 * the toplevel, /nix-path-registration names it) and every other partition it can mount
 * (the FAT firmware partition / ESP, an ext4 /boot; swap is skipped), lists them, runs the
 * toplevel's imgsmith-first-boot.sh when the fixture has one (`firstBoot`: nix/first-boot.sh
 * itself, with the tools of ./first-boot-tools.ts on PATH; it grows the root to the end of the
 * disk and prints `imgsmith-grown: ...`), then prints `IMGSMITH-BOOT-OK <marker>` (to
 * /dev/console and /dev/kmsg at KERN_ERR, i.e. every console) and powers off. On any failed check it prints `IMGSMITH-BOOT-FAIL <reason>` and powers
 * off. The marker is never on the kernel command line (the kernel echoes that).
 */
import { execa } from 'execa';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { buildImage } from '../../src/build.ts';
import { narInfo } from '../../src/content/nix-store.ts';
import { cpioNewc, storePathHash, type CpioEntry } from './nix-fixture.ts';
import { aptShow, aptUpdate, privateApt, sha256File, type PrivateApt } from './debian.ts';
import { withLock } from './cache-lock.ts';
import { FIRST_BOOT_PACKAGES, makeFirstBootTools } from './first-boot-tools.ts';
import { VERITY_KERNEL_PATTERNS, VERITY_MODULES, VERITY_PACKAGES, stage1VerityFunctions, verityInitrdEntries } from './verity-initrd.ts';

export { cpioNewc } from './nix-fixture.ts';

export type FixtureArch = 'aarch64' | 'x86_64' | 'armhf';

export interface BootFixtureOptions {
  arch: FixtureArch;
  /** Download cache; default $IMGSMITH_CACHE or <repo>/.cache. */
  cacheDir?: string;
  /** Where the store and closureInfo are written (must be empty or missing). */
  workDir: string;
  /** The token the booted system prints; default a fresh random one. [A-Za-z0-9_-]+ */
  marker?: string;
  /** Adds root=LABEL=<label> to kernel-params (otherwise stage 1 searches for the
   *  partition that holds init=). */
  rootLabel?: string;
  /** More kernel parameters. */
  extraKernelParams?: string[];
  /** Progress messages (downloads). */
  log?: (msg: string) => void;
  /** Also make a non-NixOS embedded system (see EmbeddedSystem) with its own closureInfo. */
  embedded?: boolean;
  /** The image has only the root partition (images/allwinner-h3*.json): stage 2 then does not
   *  require another mountable partition. */
  rootOnly?: boolean;
  /** Put nix/first-boot.sh (as imgsmith-first-boot.sh) and the tools it runs
   *  (test/helpers/first-boot-tools.ts, as imgsmith-first-boot-tools) into the toplevel:
   *  stage 2 runs it before it prints the marker. */
  firstBoot?: boolean;
  /** Stage 1 opens the root through dm-verity when the command line has roothash= (aarch64; see
   *  ./verity-initrd.ts: veritysetup and the dm-verity and erofs modules in the initrd), mounts it
   *  read-only and reads every file of it before switching to it. */
  verity?: boolean;
}

export interface DebInfo {
  package: string;
  version: string;
  architecture: string;
  /** SHA256 from the apt Packages index (checked). */
  sha256: string;
  size: number;
  /** The cached .deb. */
  file: string;
}

export interface BootFixture {
  arch: FixtureArch;
  marker: string;
  workDir: string;
  /** Host directory standing for /nix/store: <workDir>/nix/store. */
  storeDir: string;
  /** The store root (--store-root): <workDir>. */
  storeRoot: string;
  /** closureInfo directory: store-paths, registration, total-nar-size. */
  closureInfoDir: string;
  /** Host path of the toplevel (<storeDir>/<hash>-nixos-system-bootfixture). */
  toplevel: string;
  /** The toplevel as a /nix/store path. */
  toplevelStorePath: string;
  /** All store paths of the closure (/nix/store/...), sorted. */
  storePaths: string[];
  /** Firmware directory for --firmware. aarch64: Raspberry Pi boot files; x86_64: an ESP tree. */
  firmwareDir: string;
  /** e.g. 6.1.0-50-arm64 */
  kernelVersion: string;
  /** The content of toplevel/kernel-params. */
  kernelParams: string;
  /** The initrd's modules, each after its dependencies (stage 1 loads those the machine's storage
   *  and the filesystems on its disks need). */
  modules: string[];
  packages: DebInfo[];
  /** With `embedded: true`. */
  embedded?: EmbeddedSystem;
}

/**
 * A non-NixOS embedded system in the same store, shaped like what a Nix user builds for an
 * FHS root with busybox init (images/embedded-fhs.json):
 *   <h>-imgsmith-embedded-rc      etc/init.d/rcS (the boot check, `#!/bin/sh`),
 *                                 share/imgsmith/imgsmith-boot-marker
 *   <h>-embedded-env              the profile, as nixpkgs' buildEnv lays it out: bin/ (a real
 *                                 directory of absolute links into the busybox path),
 *                                 etc/ (real: init.d -> the rc path's etc/init.d, a symlinked
 *                                 directory, and systemd/system/foo.service -> /dev/null, a
 *                                 masked unit), lib -> the kernel's lib (modules), share -> the rc
 *                                 path's share (symlinked directories)
 *   <h>-embedded-system           the toplevel (--toplevel): sw -> env, kernel -> linux/Image,
 *                                 initrd -> initrd/initrd
 * and a closureInfo of those plus busybox, kernel and initrd (not the NixOS toplevel).
 * Booted with the fixture's initrd (stage 1 mounts root=... and switch_roots into init=),
 * busybox init (/sbin/init -> /bin/busybox, a symlink item of the recipe) runs /etc/inittab's
 * ::sysinit:/etc/init.d/rcS, which checks the layout it runs on (PID 1 is the store's busybox,
 * executed as init with init=/sbin/init, /bin/sh and /lib are the profile's links, the masked unit, the
 * registration), then prints `IMGSMITH-BOOT-OK <marker>` (the marker read through /share) and
 * powers off; a failed check prints `IMGSMITH-BOOT-FAIL rcS: <reason>`.
 */
export interface EmbeddedSystem {
  /** closureInfo directory of the embedded system. */
  closureInfoDir: string;
  /** Host path of the toplevel (for --toplevel). */
  toplevel: string;
  /** Store paths (/nix/store/...). */
  toplevelStorePath: string;
  profileStorePath: string;
  rcStorePath: string;
  busyboxStorePath: string;
  kernelStorePath: string;
  initrdStorePath: string;
  /** All store paths of the embedded closure, sorted. */
  storePaths: string[];
  /** The profile's bin/ entries (names). */
  binNames: string[];
}

export const BOOT_OK = 'IMGSMITH-BOOT-OK';
export const BOOT_FAIL = 'IMGSMITH-BOOT-FAIL';
/** File name of nix/first-boot.sh in the toplevel (with `firstBoot`). */
export const FIRST_BOOT_SCRIPT = 'imgsmith-first-boot.sh';
/** File name of the marker in the toplevel (and on the x86_64 ESP). */
export const MARKER_FILE = 'imgsmith-boot-marker';

/** Files the aarch64 recipe copies that Debian does not have: written as marked text placeholders. */
export const PI_PLACEHOLDERS = ['armstub8-gic.bin', 'bcm2711-rpi-cm4.dtb', 'bcm2711-rpi-cm4s.dtb'];

const DEB_ARCH: Record<FixtureArch, string> = { aarch64: 'arm64', x86_64: 'amd64', armhf: 'armhf' };
/** The metapackage naming the current kernel of a Debian architecture ("linux-image" in fetchDeb). */
const KERNEL_META: Record<string, string> = { arm64: 'linux-image-arm64', amd64: 'linux-image-amd64', armhf: 'linux-image-armmp' };
/** The Nix system of each fixture (toplevel/system). */
const NIX_SYSTEM: Record<FixtureArch, string> = { aarch64: 'aarch64-linux', x86_64: 'x86_64-linux', armhf: 'armv7l-linux' };
/** The kernel file in the kernel's store path, as nixpkgs names it (stdenv.hostPlatform.linux-kernel.target). */
const KERNEL_FILE: Record<FixtureArch, string> = { aarch64: 'Image', x86_64: 'bzImage', armhf: 'zImage' };
/** The Debian packages of each fixture: the kernel and busybox first, then the firmware's. */
const BOOT_PACKAGES: Record<FixtureArch, string[]> = {
  aarch64: ['linux-image', 'busybox-static', 'u-boot-rpi', 'raspi-firmware'],
  x86_64: ['linux-image', 'busybox-static', 'systemd-boot-efi'],
  armhf: ['linux-image', 'busybox-static', 'u-boot-sunxi'],
};
/** The serial consoles on the kernel command line. armhf: the H3's UART0 (8250, ttyS0). */
const CONSOLE_PARAMS: Record<FixtureArch, string[]> = {
  aarch64: ['console=ttyS1,115200n8', 'console=ttyAMA0,115200n8'],
  x86_64: ['console=ttyS0,115200n8'],
  armhf: ['console=ttyS0,115200n8'],
};
/** raspi3b has four cores on one TCG thread: the kernel keeps the three secondaries parked in the
 *  firmware's WFE loop instead of bringing them up (13 instead of 17 QEMU CPU-s per U-Boot boot).
 *  orangepi-pc has four cores on four threads: bringing up the three idle ones costs ~5 QEMU CPU-s of
 *  ~30 per boot. virt and q35 have one core. */
const SMP_PARAMS: Record<FixtureArch, string[]> = { aarch64: ['maxcpus=1'], x86_64: [], armhf: ['maxcpus=1'] };
/** What the fixture's kernels skip at boot, as a NixOS configuration may (boot.kernelParams): the
 *  crypto API's self-tests of every algorithm it registers (~0.5 s of a virt boot under TCG); on arm64
 *  also KASLR and the CPU-vulnerability mitigations (the kernel then keeps itself mapped at EL0
 *  instead of switching page tables on every kernel entry: ~0.3 of ~3.4 QEMU CPU-s per virt boot;
 *  no measurable change for armhf and x86_64, so not there). */
const QUIET_PARAMS: Record<FixtureArch, string[]> = {
  aarch64: ['cryptomgr.notests', 'nokaslr', 'mitigations=off'],
  x86_64: ['cryptomgr.notests'],
  armhf: ['cryptomgr.notests'],
};
/** The device trees copied from the kernel package (usr/lib/linux-image-<kver>/<from>) into the
 *  kernel's store path (<to>), as nixpkgs lays out dtbs/ (arm64 per vendor, arm flat). */
const DTBS: Partial<Record<FixtureArch, { from: string; to: string; match: RegExp }>> = {
  aarch64: { from: 'broadcom', to: 'dtbs/broadcom', match: /\.dtb$/ },
  armhf: { from: '.', to: 'dtbs', match: /^sun8i-h3-.*\.dtb$/ },
};

export function repoRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export function defaultCacheDir(): string {
  return process.env.IMGSMITH_CACHE || path.join(repoRoot(), '.cache');
}

// ---------------------------------------------------------------------------------------
// Debian packages

/** One private apt per cache and architecture, updated once per process. */
const apts = new Map<string, Promise<PrivateApt>>();

function aptFor(cache: string, debArch: string, log?: (m: string) => void): Promise<PrivateApt> {
  const key = `${cache}\0${debArch}`;
  let p = apts.get(key);
  if (!p) {
    p = (async () => {
      const apt = await privateApt(path.join(cache, 'boot-fixture', `apt-${debArch}`), debArch);
      await aptUpdate(apt, log);
      return apt;
    })();
    apts.set(key, p);
    p.catch(() => apts.delete(key));
  }
  return p;
}

/** The stanza of one package (an error naming it when Debian has none). */
async function aptShowOne(apt: PrivateApt, pkg: string): Promise<Record<string, string>> {
  return (await aptShow(apt, [pkg])).get(pkg)!;
}

async function readJson<T>(p: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await fsp.readFile(p, 'utf8')) as T;
  } catch {
    return fallback;
  }
}

/** Writes `data` to a temporary name beside `p`, then renames it to `p` (readers never see a part). */
async function writeAtomic(p: string, data: string | Buffer): Promise<void> {
  const tmp = `${p}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fsp.writeFile(tmp, data);
  await fsp.rename(tmp, p);
}

async function writeJsonAtomic(p: string, value: unknown): Promise<void> {
  await writeAtomic(p, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Returns a verified cached .deb of `pkg` (a package name, or "linux-image" for the
 * kernel the linux-image-<arch> metapackage currently points to), downloading it if needed.
 */
export async function fetchDeb(cache: string, debArch: string, pkg: string, log?: (m: string) => void): Promise<DebInfo> {
  const dir = path.join(cache, 'boot-fixture', 'debs');
  await fsp.mkdir(dir, { recursive: true });
  const cached = await cachedDeb(dir, `${debArch}/${pkg}`, log);
  if (cached) return cached;
  // One process at a time per cache and architecture: the test files run in parallel processes,
  // and a second `apt-get update` rewriting the lists under another's `apt-cache show` loses packages.
  return withLock(path.join(cache, 'boot-fixture', `apt-${debArch}.lock`), async () => {
    return (await cachedDeb(dir, `${debArch}/${pkg}`)) ?? downloadDeb(cache, dir, debArch, pkg, log);
  });
}

/** The verified cached .deb recorded under `key` in the index, if any. */
async function cachedDeb(dir: string, key: string, log?: (m: string) => void): Promise<DebInfo | undefined> {
  const index = await readJson<Record<string, DebInfo>>(path.join(dir, 'index.json'), {});
  const known = index[key];
  if (!known) return undefined;
  const file = path.join(dir, path.basename(known.file));
  try {
    if ((await sha256File(file)) === known.sha256) return { ...known, file };
    log?.(`cached ${path.basename(file)} does not match its recorded SHA256; downloading again`);
  } catch {
    /* missing: download */
  }
  return undefined;
}

async function downloadDeb(cache: string, dir: string, debArch: string, pkg: string, log?: (m: string) => void): Promise<DebInfo> {
  const indexFile = path.join(dir, 'index.json');
  const key = `${debArch}/${pkg}`;
  const ctx = await aptFor(cache, debArch, log);
  let name = pkg;
  if (pkg === 'linux-image') {
    const metaName = KERNEL_META[debArch] ?? `linux-image-${debArch}`;
    const meta = await aptShowOne(ctx, metaName);
    const m = /(linux-image-\d[^\s,()]*)/.exec(meta.Depends ?? '');
    if (!m) throw new Error(`boot fixture: cannot tell which kernel ${metaName} depends on`);
    name = m[1]!;
  }
  const info = await aptShowOne(ctx, name);
  const sha256 = info.SHA256;
  const filename = info.Filename;
  if (!sha256 || !filename || !info.Version) throw new Error(`boot fixture: no SHA256/Filename for ${name} in the index`);
  log?.(`downloading ${name} ${info.Version} (${info.Architecture})`);
  const tmp = await fsp.mkdtemp(path.join(dir, '.dl-'));
  try {
    const r = await execa('apt-get', [...ctx.args, '-q', 'download', `${name}=${info.Version}`], {
      cwd: tmp,
      reject: false,
      all: true,
    });
    const got = (await fsp.readdir(tmp)).filter((f) => f.endsWith('.deb'));
    if (r.exitCode !== 0 || got.length !== 1) {
      throw new Error(`boot fixture: apt-get download ${name} failed:\n${r.all}`);
    }
    const dl = path.join(tmp, got[0]!);
    const actual = await sha256File(dl);
    if (actual !== sha256) {
      throw new Error(`boot fixture: ${got[0]} has SHA256 ${actual}, the Packages index says ${sha256}`);
    }
    const final = path.join(dir, path.basename(filename));
    await fsp.rename(dl, final);
    const deb: DebInfo = {
      package: name,
      version: info.Version,
      architecture: info.Architecture ?? debArch,
      sha256,
      size: Number(info.Size ?? 0),
      file: final,
    };
    const fresh = await readJson<Record<string, DebInfo>>(indexFile, {});
    fresh[key] = deb;
    await writeJsonAtomic(indexFile, fresh);
    return deb;
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}

/** Extracts (once, cached by SHA256) the members of a .deb matching `patterns` (tar wildcards). */
export async function extractDeb(cache: string, deb: DebInfo, patterns?: string[]): Promise<string> {
  const tag = patterns ? createHash('sha256').update(patterns.join('\0')).digest('hex').slice(0, 8) : 'all';
  const dir = path.join(cache, 'boot-fixture', 'extract', `${deb.package}_${deb.sha256.slice(0, 16)}_${tag}`);
  // Another process may be extracting the same package (and would replace `dir` under this one).
  return withLock(`${dir}.lock`, () => extractDebLocked(deb, dir, patterns));
}

async function extractDebLocked(deb: DebInfo, dir: string, patterns?: string[]): Promise<string> {
  try {
    await fsp.access(path.join(dir, '.complete'));
    return dir;
  } catch {
    /* extract */
  }
  await fsp.mkdir(path.dirname(dir), { recursive: true });
  const tmp = await fsp.mkdtemp(`${dir}.tmp-`);
  try {
    if (!patterns) {
      await execa('dpkg-deb', ['-x', deb.file, tmp]);
    } else {
      await execa('sh', [
        '-c',
        'out="$1"; shift; dpkg-deb --fsys-tarfile "$0" | tar -x -C "$out" --wildcards "$@"',
        deb.file,
        tmp,
        ...patterns,
      ]);
    }
    await fsp.writeFile(path.join(tmp, '.complete'), '');
    await fsp.rm(dir, { recursive: true, force: true });
    await fsp.rename(tmp, dir);
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

// ---------------------------------------------------------------------------------------
// Kernel modules

interface ModInfo {
  name: string;
  file: string;
  depends: string[];
}

const SIG_MARKER = Buffer.from('~Module signature appended~\n');
/** A Debian module without its appended signature (struct module_signature and the marker): the
 *  initrd's modules are unsigned, as NixOS builds them, so the kernel skips a SHA-512 over each
 *  module and an RSA check under TCG (Debian's kernels load unsigned modules: no sig_enforce). */
function unsigned(ko: Buffer): Buffer {
  if (ko.length < SIG_MARKER.length + 12 || !ko.subarray(ko.length - SIG_MARKER.length).equals(SIG_MARKER)) return ko;
  const info = ko.length - SIG_MARKER.length - 12;
  const len = ko[info + 3]! + ko[info + 4]! + ko.readUInt32BE(info + 8);
  return ko.subarray(0, info - len);
}
const modName = (s: string) => s.replace(/\.ko$/, '').replace(/-/g, '_');

async function walk(dir: string, out: string[] = []): Promise<string[]> {
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else out.push(p);
  }
  return out;
}

async function readModInfo(file: string): Promise<ModInfo> {
  const buf = await fsp.readFile(file);
  let depends: string[] = [];
  let i = buf.indexOf('depends=');
  while (i >= 0) {
    if (i === 0 || buf[i - 1] === 0) {
      const end = buf.indexOf(0, i);
      const v = buf.subarray(i + 8, end < 0 ? undefined : end).toString();
      depends = v.split(',').filter(Boolean).map(modName);
      break;
    }
    i = buf.indexOf('depends=', i + 1);
  }
  return { name: modName(path.basename(file)), file, depends };
}

/** Modules' `softdep=pre:` that stage 1 must load first: they name a crypto algorithm (crc32c), which
 *  modules.alias would map to its module; libcrc32c's init fails without one (insmod: unknown symbol). */
const SOFTDEP_PRE: Record<string, string[]> = { libcrc32c: ['crc32c_generic'], ext4: ['crc32c_generic'] };

/** A resolver over the kernel's modules: it orders `wanted` and their dependencies so that each
 *  module comes after its dependencies (built-in ones left out). */
async function moduleResolver(modDir: string): Promise<(wanted: string[]) => Promise<ModInfo[]>> {
  const files = (await walk(path.join(modDir, 'kernel'))).filter((f) => f.endsWith('.ko'));
  const byName = new Map(files.map((f) => [modName(path.basename(f)), f]));
  const builtin = new Set(
    (await fsp.readFile(path.join(modDir, 'modules.builtin'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => modName(path.basename(l))),
  );
  return async (wanted) => {
    const order: ModInfo[] = [];
    const done = new Set<string>();
    const visiting = new Set<string>();
    const visit = async (n: string, from: string) => {
      if (done.has(n) || builtin.has(n)) return;
      if (visiting.has(n)) throw new Error(`module dependency cycle at ${n}`);
      const f = byName.get(n);
      if (!f) throw new Error(`boot fixture: kernel module ${n} (needed by ${from}) is neither built in nor extracted`);
      visiting.add(n);
      const info = await readModInfo(f);
      for (const d of [...(SOFTDEP_PRE[n] ?? []), ...info.depends]) await visit(d, n);
      visiting.delete(n);
      done.add(n);
      order.push(info);
    };
    for (const w of wanted) await visit(modName(w), 'the boot fixture');
    return order;
  };
}

/** What stage 1 loads, each list in load order (dependencies first): the storage drivers of the
 *  machine it runs on, the modules of each filesystem type on the disks, dm-verity's. */
interface Stage1Modules {
  storage: StorageDrivers[];
  fs: Record<string, string[]>;
  verity: string[];
}

/** The modules of `arch` (with `verity`: dm-verity's too) grouped as stage 1 loads them, and all of
 *  them once (the initrd's and the kernel store path's), each after its dependencies. */
async function planModules(modDir: string, arch: FixtureArch, verity: boolean): Promise<{ stage1: Stage1Modules; all: ModInfo[] }> {
  const resolve = await moduleResolver(modDir);
  const all = new Map<string, ModInfo>();
  const names = async (wanted: string[]) => {
    const mods = await resolve(wanted);
    for (const m of mods) all.set(m.name, m);
    return mods.map((m) => m.name);
  };
  const storage: StorageDrivers[] = [];
  for (const s of STORAGE[arch]) storage.push({ ...s, modules: await names(s.modules) });
  const fs: Record<string, string[]> = {};
  for (const [type, wanted] of Object.entries(FS_MODULES[arch])) fs[type] = await names(wanted);
  const verityMods = verity ? await names(VERITY_MODULES) : [];
  return { stage1: { storage, fs, verity: verityMods }, all: [...all.values()] };
}

// ---------------------------------------------------------------------------------------
// Scripts

const BUSYBOX_APPLETS = [
  'sh', 'cat', 'echo', 'ls', 'mount', 'umount', 'mkdir', 'sleep', 'insmod', 'findfs', 'switch_root',
  'poweroff', 'grep', 'head', 'tail', 'wc', 'test', '[', 'basename', 'dirname', 'readlink', 'blkid',
  'dmesg', 'uname', 'sync', 'tr', 'cut', 'seq', 'df', 'sed', 'printf', 'true', 'false', 'hexdump', 'dd',
  'touch', 'rm',
];

/** Shell functions of stage 1 (after fail()): load (insmod what is not loaded yet; a module that
 *  does not load fails the boot), storage_drivers (the machine's, by its device tree's compatible
 *  list), fs_type and fs_modules (those of each filesystem type on the partitions). */
function stage1ModuleFunctions(kver: string, mods: Stage1Modules): string {
  const list = (names: string[]) => names.join(' ');
  const storage = mods.storage
    .map((s) => {
      const pattern = s.compatible.length ? s.compatible.map((c) => `*" ${c} "*`).join(' | ') : '" "';
      return `    ${pattern}) what="${s.what}"; load "storage of $what" ${list(s.modules)} ;;`;
    })
    .join('\n');
  const fs = Object.entries(mods.fs)
    .map(([type, names]) => `      ${type}) load "${type} filesystem" ${list(names)} ;;`)
    .join('\n');
  return `load() {
  # $1: why; the rest: modules, each after its dependencies
  why=$1 new=
  shift
  for m in "$@"; do
    [ -d /sys/module/$m ] && continue
    insmod /lib/modules/${kver}/$m.ko || fail "insmod $m ($why) failed"
    new="$new $m"
  done
  [ -z "$new" ] || echo "imgsmith-fixture stage 1: loaded$new ($why)"
}
storage_drivers() {
  # The device tree's compatible list as " a b c " (" " without a device tree: x86).
  compat=" $(tr '\\0' ' ' 2>/dev/null < /proc/device-tree/compatible)"
  case "$compat" in
${storage}
    *) fail "no storage drivers for this machine (device tree compatible:$compat)" ;;
  esac
}
fs_type() {
  # The filesystem on block device $1, by its superblock's magic (Debian's busybox has no blkid).
  at() { dd if="$1" bs=1 skip=$2 count=$3 2>/dev/null; }
  if [ "$(at "$1" 1080 2 | hexdump -e '1/2 "%04x"')" = ef53 ]; then echo ext4
  elif [ "$(at "$1" 65600 8)" = _BHRfS_M ]; then echo btrfs
  elif [ "$(at "$1" 82 5)" = FAT32 ] || [ "$(at "$1" 54 3)" = FAT ]; then echo vfat
  fi
}
fs_modules() {
  for p in /sys/class/block/*; do
    [ -e "$p/partition" ] || continue
    case "$(fs_type /dev/\${p##*/})" in
${fs}
    esac
  done
}
`;
}

function stage1Init(kver: string, mods: Stage1Modules, verity?: string): string {
  return `#!/bin/sh
# imgsmith boot fixture, stage 1 (initrd)
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "imgsmith-fixture stage 1: kernel $(uname -r) $(uname -m)"
echo "imgsmith-fixture stage 1: command line: $(cat /proc/cmdline)"
fail() {
  echo "${BOOT_FAIL} stage 1: $*"
  echo "<3>${BOOT_FAIL} stage 1: $*" > /dev/kmsg
  sleep 1
  poweroff -f
  sleep 60
}
${stage1ModuleFunctions(kver, mods)}${verity ? stage1VerityFunctions(verity, mods.verity) : ''}storage_drivers
root=
init=
for x in $(cat /proc/cmdline); do
  case "$x" in
    root=*) root="\${x#root=}" ;;
    init=*) init="\${x#init=}" ;;
  esac
done
[ -n "$init" ] || fail "no init= on the kernel command line"
${verity ? 'open_verity\n' : ''}mkdir -p /mnt-root
dev=
i=0
while [ $i -lt 240 ]; do
  fs_modules
  case "$root" in
    LABEL=*) dev=$(findfs "$root" 2>/dev/null) ;;
    UUID=*) dev=$(findfs "$root" 2>/dev/null) ;;
    /dev/disk/by-label/*) dev=$(findfs "LABEL=\${root#/dev/disk/by-label/}" 2>/dev/null) ;;
    PARTUUID=*)
      # A DOS PARTUUID, <disk signature>-<partition number> (both hex), as the kernel and
      # blkid compute it: the signature is the little-endian u32 at byte 440 of the disk.
      want=$(echo "\${root#PARTUUID=}" | tr A-F a-f)
      for p in /sys/class/block/*; do
        [ -e "$p/partition" ] || continue
        disk=$(basename "$(dirname "$(readlink -f "$p")")")
        sig=$(dd if=/dev/$disk bs=1 skip=440 count=4 2>/dev/null | hexdump -e '1/4 "%08x"')
        [ "$sig-$(printf %02x "$(cat "$p/partition")")" = "$want" ] && dev=/dev/\${p##*/}
      done ;;
    /dev/*) [ -b "$root" ] && dev="$root" ;;
    "")
      for p in /sys/class/block/*; do
        [ -e "$p/partition" ] || continue
        d=/dev/\${p##*/}
        if mount -o ro "$d" /mnt-root 2>/dev/null; then
          if [ -e "/mnt-root$init" ] || [ -L "/mnt-root$init" ]; then dev=$d; fi
          umount /mnt-root
          [ -n "$dev" ] && break
        fi
      done ;;
    *) fail "cannot handle root=$root" ;;
  esac
  [ -n "$dev" ] && break
  i=$((i + 1))
  sleep 0.5
done
[ -n "$dev" ] || fail "root device \${root:-holding $init} not found; block devices: $(ls /sys/class/block | tr '\\n' ' ')"
echo "imgsmith-fixture stage 1: root is $dev"
fs_modules
mount -o rw "$dev" /mnt-root || mount -o ro "$dev" /mnt-root || fail "cannot mount $dev"
grep " /mnt-root " /proc/mounts
${verity ? 'verity_read_root\n' : ''}[ -e "/mnt-root$init" ] || fail "$init is not on $dev"
for d in dev proc sys; do
  mkdir -p /mnt-root/$d || fail "cannot create /$d on the root filesystem"
  mount --move /$d /mnt-root/$d || fail "cannot move /$d"
done
echo "imgsmith-fixture stage 1: switching to $init"
exec switch_root /mnt-root "$init"
`;
}

/** The shell lines both init scripts start with: fail() (reports IMGSMITH-BOOT-FAIL and powers off) and /proc, /sys, /dev. */
function failAndMounts(who: string): string {
  return `fail() {
  echo "${BOOT_FAIL} ${who}: $*"
  echo "<3>${BOOT_FAIL} ${who}: $*" > /dev/kmsg
  sync
  poweroff -f
  sleep 60
}
[ -e /proc/mounts ] || mount -t proc proc /proc
[ -e /sys/class ] || mount -t sysfs sysfs /sys
[ -e /dev/null ] || mount -t devtmpfs devtmpfs /dev`;
}

/** `rootOnly`: the image has no partition besides the root, so none other need mount. */
function stage2Init(busybox: string, rootOnly = false): string {
  const othersCheck = rootOnly
    ? 'echo "imgsmith-fixture stage 2: $others other partitions mounted (a root-only image)"'
    : '[ "$others" -gt 0 ] || fail "no partition besides the root filesystem could be mounted"';
  return `#!${busybox}/bin/sh
# imgsmith boot fixture, stage 2: proves the root filesystem and the other partitions are readable.
export PATH=${busybox}/bin
top=\${0%/init}
${failAndMounts('stage 2')}
echo "imgsmith-fixture stage 2: running $0"
marker=$(cat "$top/${MARKER_FILE}") || fail "cannot read $top/${MARKER_FILE}"
[ -n "$marker" ] || fail "empty marker"
rootdev=$(grep " / " /proc/mounts | tail -n 1 | cut -d " " -f 1)
echo "imgsmith-fixture stage 2: / is $rootdev"
n=$(ls /nix/store | wc -l)
echo "imgsmith-fixture stage 2: /nix/store holds $n paths:"
ls /nix/store
ls /nix/store | grep -qx "\${top##*/}" || fail "the toplevel $top is not in /nix/store"
[ -e /nix-path-registration ] || fail "no /nix-path-registration"
grep -qx "$top" /nix-path-registration || fail "/nix-path-registration does not register $top"
echo "imgsmith-fixture stage 2: /nix-path-registration registers $(grep -c '^/nix/store/' /nix-path-registration) lines with store paths, including $top"
mkdir -p /dev/imgsmith-part || fail "cannot create a mount point"
others=0
for p in /sys/class/block/*; do
  [ -e "$p/partition" ] || continue
  d=/dev/\${p##*/}
  [ "$d" = "$rootdev" ] && continue
  if mount -o ro "$d" /dev/imgsmith-part 2>/dev/null; then
    fs=$(grep " /dev/imgsmith-part " /proc/mounts | cut -d " " -f 3)
    cnt=$(ls -A /dev/imgsmith-part | wc -l)
    echo "imgsmith-fixture stage 2: partition $d ($fs) holds $cnt entries:"
    ls -A /dev/imgsmith-part
    umount /dev/imgsmith-part
    [ "$cnt" -gt 0 ] || fail "partition $d ($fs) is empty"
    others=$((others + 1))
  else
    echo "imgsmith-fixture stage 2: partition $d is not mountable (swap?)"
  fi
done
${othersCheck}
if [ -e "$top/${FIRST_BOOT_SCRIPT}" ]; then
  echo "imgsmith-fixture stage 2: running ${FIRST_BOOT_SCRIPT} (nix/first-boot.sh)"
  PATH="$top/imgsmith-first-boot-tools/bin:$PATH" sh "$top/${FIRST_BOOT_SCRIPT}" || fail "${FIRST_BOOT_SCRIPT} failed"
  sync
fi
echo "${BOOT_OK} $marker"
echo "<3>${BOOT_OK} $marker" > /dev/kmsg
sync
poweroff -f
sleep 60
`;
}

// ---------------------------------------------------------------------------------------
// Store paths

async function addStorePath(storeDir: string, name: string, build: (dir: string) => Promise<void>): Promise<{ host: string; store: string }> {
  const tmp = path.join(storeDir, `.build-${name}`);
  await fsp.rm(tmp, { recursive: true, force: true });
  await fsp.mkdir(tmp, { recursive: true });
  await build(tmp);
  await fixModes(tmp);
  const { narHash } = await narInfo(tmp);
  const base = `${storePathHash(`imgsmith-boot-fixture:${name}:${narHash}`)}-${name}`;
  const host = path.join(storeDir, base);
  await fsp.rm(host, { recursive: true, force: true });
  await fsp.rename(tmp, host);
  return { host, store: `/nix/store/${base}` };
}

/** Store-like modes: files 0444 or 0555, directories 0755 (so the work dir stays removable). */
async function fixModes(dir: string): Promise<void> {
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      await fsp.chmod(p, 0o755);
      await fixModes(p);
    } else if (e.isFile()) {
      const st = await fsp.stat(p);
      await fsp.chmod(p, st.mode & 0o111 ? 0o555 : 0o444);
    }
  }
  await fsp.chmod(dir, 0o755);
}

async function copyFile(src: string, dst: string, mode?: number): Promise<void> {
  await fsp.mkdir(path.dirname(dst), { recursive: true });
  await fsp.copyFile(src, dst);
  if (mode !== undefined) await fsp.chmod(dst, mode);
}

// ---------------------------------------------------------------------------------------

/** The storage drivers stage 1 loads on a machine whose device tree's compatible list has one of
 *  `compatible` (none: a machine without a device tree, i.e. x86), named `what` in its messages. */
interface StorageDrivers { what: string; compatible: string[]; modules: string[] }

const STORAGE: Record<FixtureArch, StorageDrivers[]> = {
  aarch64: [
    { what: 'QEMU virt', compatible: ['linux,dummy-virt'], modules: ['virtio_mmio', 'virtio_pci', 'virtio_blk'] },
    // Arasan sdhci and sdhost
    { what: 'Raspberry Pi', compatible: ['brcm,bcm2835', 'brcm,bcm2836', 'brcm,bcm2837', 'brcm,bcm2711'], modules: ['sdhci_iproc', 'bcm2835'] },
  ],
  x86_64: [{ what: 'PC', compatible: [], modules: ['virtio_pci', 'virtio_blk'] }],
  // armmp builds the H3's clocks, pinctrl, UART and the MMC core in; the SD controller is a module.
  armhf: [{ what: 'Allwinner H3', compatible: ['allwinner,sun8i-h3'], modules: ['sunxi_mmc'] }],
};

const FAT_MODULES = ['vfat', 'nls_cp437', 'nls_iso8859_1', 'nls_ascii', 'nls_utf8'];
const EXT_MODULES = ['ext4'];
/** The filesystem modules stage 1 loads for each filesystem type it finds on the partitions (by the
 *  superblock's magic; ext4 mounts ext2 and ext3 too): btrfs only where there is one (it and
 *  raid6_pq/xor benchmark their algorithms as they load). */
const FS_MODULES: Record<FixtureArch, Partial<Record<'ext4' | 'vfat' | 'btrfs', string[]>>> = {
  aarch64: { ext4: EXT_MODULES, vfat: FAT_MODULES, btrfs: ['btrfs'] },
  x86_64: { ext4: EXT_MODULES, vfat: FAT_MODULES, btrfs: ['btrfs'] },
  armhf: { ext4: EXT_MODULES, vfat: FAT_MODULES },
};

/** The kernel package's members every arch needs (first: the patterns' order is part of the extraction's cache key). */
const KERNEL_COMMON = [
    './boot/vmlinuz-*',
    './lib/modules/*/modules.builtin',
    './lib/modules/*/kernel/fs/*',
    './lib/modules/*/kernel/lib/*',
    './lib/modules/*/kernel/crypto/*',
    './lib/modules/*/kernel/arch/*',
];

const KERNEL_PATTERNS: Record<FixtureArch, string[]> = {
  aarch64: [
    ...KERNEL_COMMON,
    './lib/modules/*/kernel/drivers/virtio/*',
    './lib/modules/*/kernel/drivers/block/*',
    './lib/modules/*/kernel/drivers/mmc/*',
    './usr/lib/linux-image-*/broadcom/*',
  ],
  x86_64: [
    ...KERNEL_COMMON,
    './lib/modules/*/kernel/drivers/virtio/*',
    './lib/modules/*/kernel/drivers/block/*',
  ],
  armhf: [
    ...KERNEL_COMMON,
    './lib/modules/*/kernel/drivers/mmc/*',
    './usr/lib/linux-image-*/sun8i-h3-*.dtb',
  ],
};

type StorePath = { host: string; store: string };

/** Writes a closureInfo directory (store-paths, registration with NAR hashes and sizes,
 *  total-nar-size) for `paths`; returns the store paths, sorted. */
async function writeClosureInfo(dir: string, paths: { p: StorePath; refs: StorePath[] }[]): Promise<string[]> {
  await fsp.mkdir(dir, { recursive: true });
  const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  const sorted = [...paths].sort((a, b) => byBytes(a.p.host, b.p.host));
  let registration = '';
  let total = 0;
  for (const { p, refs } of sorted) {
    const nar = await narInfo(p.host);
    total += nar.narSize;
    const r = refs.map((x) => x.store).sort(byBytes);
    registration += [p.store, nar.narHash, String(nar.narSize), '', String(r.length), ...r].join('\n') + '\n';
  }
  await fsp.writeFile(path.join(dir, 'store-paths'), sorted.map((x) => x.p.store).join('\n') + '\n');
  await fsp.writeFile(path.join(dir, 'registration'), registration);
  await fsp.writeFile(path.join(dir, 'total-nar-size'), `${total}\n`);
  return sorted.map((x) => x.p.store);
}

/** The embedded system's /etc/init.d/rcS (see EmbeddedSystem). */
function embeddedRcS(e: { busybox: string; kver: string }): string {
  return `#!/bin/sh
# imgsmith embedded fixture: /etc/init.d/rcS, run by busybox init (/sbin/init) for ::sysinit: in
# /etc/inittab. "#!/bin/sh" and every command below resolve only through the FHS profile laid
# into / (/bin/sh -> ${e.busybox}/bin/sh).
PATH=/bin
export PATH
${failAndMounts('rcS')}
echo "imgsmith-embedded rcS: running $0 with $(readlink /bin/sh)"
exe=$(readlink /proc/1/exe)
[ "$exe" = "${e.busybox}/bin/busybox" ] || fail "PID 1 runs $exe, not ${e.busybox}/bin/busybox"
# busybox init rewrites its argv; the kernel named the task after the file it executed.
[ "$(cat /proc/1/comm)" = init ] || fail "PID 1 was executed as $(cat /proc/1/comm), not as .../init"
grep -q " init=/sbin/init" /proc/cmdline || fail "no init=/sbin/init on the kernel command line"
[ -L /sbin/init ] && [ "$(readlink /sbin/init)" = /bin/busybox ] || fail "/sbin/init is not a symlink to /bin/busybox"
[ -L /bin/busybox ] && [ "$(readlink /bin/busybox)" = "${e.busybox}/bin/busybox" ] || fail "/bin/busybox is not the profile's link"
[ -L /bin/sh ] && [ "$(readlink /bin/sh)" = "${e.busybox}/bin/sh" ] || fail "/bin/sh is not the profile's link"
[ -d /bin ] && ! [ -L /bin ] || fail "/bin is not a directory"
[ -L /lib ] && [ -e /lib/modules/${e.kver}/modules.builtin ] || fail "/lib is not the profile's link to the kernel's lib"
[ -L /etc/init.d ] || fail "/etc/init.d is not a symlink"
[ -L /etc/systemd/system/foo.service ] && [ "$(readlink /etc/systemd/system/foo.service)" = /dev/null ] || fail "the masked unit is not a symlink to /dev/null"
grep -qx "::sysinit:/etc/init.d/rcS" /etc/inittab || fail "/etc/inittab does not run /etc/init.d/rcS"
for p in /nix/store/*; do
  grep -qx "$p" /nix-path-registration || fail "/nix-path-registration does not register $p"
done
echo "imgsmith-embedded rcS: / is $(grep " / " /proc/mounts | tail -n 1 | cut -d " " -f 1,3); /nix/store holds $(ls /nix/store | wc -l) paths"
marker=$(cat /share/imgsmith/${MARKER_FILE}) || fail "cannot read /share/imgsmith/${MARKER_FILE}"
[ -n "$marker" ] || fail "empty marker"
echo "${BOOT_OK} $marker"
echo "<3>${BOOT_OK} $marker" > /dev/kmsg
sync
poweroff -f
sleep 60
`;
}

async function makeEmbeddedSystem(e: {
  workDir: string;
  storeDir: string;
  marker: string;
  kver: string;
  busybox: StorePath;
  kernel: StorePath;
  initrd: StorePath;
  kernelFile: string;
}): Promise<EmbeddedSystem> {
  const { storeDir, busybox, kernel, initrd } = e;
  const rc = await addStorePath(storeDir, 'imgsmith-embedded-rc', async (d) => {
    await fsp.mkdir(path.join(d, 'etc', 'init.d'), { recursive: true });
    await fsp.writeFile(path.join(d, 'etc', 'init.d', 'rcS'), embeddedRcS({ busybox: busybox.store, kver: e.kver }), { mode: 0o555 });
    await fsp.mkdir(path.join(d, 'share', 'imgsmith'), { recursive: true });
    await fsp.writeFile(path.join(d, 'share', 'imgsmith', MARKER_FILE), e.marker + '\n');
  });
  // The profile, as buildEnv makes it: a directory only where several packages meet (bin/
  // is made of per-file links here as buildEnv does for a package's bin/), else a link to
  // the one package's directory.
  const binNames = (await fsp.readdir(path.join(busybox.host, 'bin'))).sort();
  const env = await addStorePath(storeDir, 'embedded-env', async (d) => {
    await fsp.mkdir(path.join(d, 'bin'));
    for (const n of binNames) await fsp.symlink(`${busybox.store}/bin/${n}`, path.join(d, 'bin', n));
    await fsp.mkdir(path.join(d, 'etc', 'systemd', 'system'), { recursive: true });
    await fsp.symlink(`${rc.store}/etc/init.d`, path.join(d, 'etc', 'init.d'));
    await fsp.symlink('/dev/null', path.join(d, 'etc', 'systemd', 'system', 'foo.service'));
    await fsp.symlink(`${kernel.store}/lib`, path.join(d, 'lib'));
    await fsp.symlink(`${rc.store}/share`, path.join(d, 'share'));
  });
  const toplevel = await addStorePath(storeDir, 'embedded-system', async (d) => {
    await fsp.symlink(env.store, path.join(d, 'sw'));
    await fsp.symlink(`${kernel.store}/${e.kernelFile}`, path.join(d, 'kernel'));
    await fsp.symlink(`${initrd.store}/initrd`, path.join(d, 'initrd'));
  });
  const closureInfoDir = path.join(e.workDir, 'embedded-closure-info');
  const storePaths = await writeClosureInfo(closureInfoDir, [
    { p: busybox, refs: [] },
    { p: kernel, refs: [] },
    { p: initrd, refs: [] },
    { p: rc, refs: [busybox] },
    { p: env, refs: [busybox, kernel, rc] },
    { p: toplevel, refs: [env, kernel, initrd] },
  ]);
  return {
    closureInfoDir,
    toplevel: toplevel.host,
    toplevelStorePath: toplevel.store,
    profileStorePath: env.store,
    rcStorePath: rc.store,
    busyboxStorePath: busybox.store,
    kernelStorePath: kernel.store,
    initrdStorePath: initrd.store,
    storePaths,
    binNames,
  };
}

/** Adds veritysetup and its libraries to the initrd (option `verity`); returns the multiarch directory. */
async function addVerityTools(cache: string, arch: FixtureArch, entries: CpioEntry[], log?: (m: string) => void): Promise<string> {
  if (arch !== 'aarch64') throw new Error(`boot fixture: the verity option is made for aarch64 only, not ${arch}`);
  const trees: string[] = [];
  for (const p of VERITY_PACKAGES) trees.push(await extractDeb(cache, await fetchDeb(cache, DEB_ARCH[arch], p, log)));
  const multiarch = `${arch}-linux-gnu`;
  entries.push(...(await verityInitrdEntries(trees, multiarch)));
  return multiarch;
}

/** Downloads the Debian packages of `arch` into the cache (no-op when cached). */
export async function fetchBootPackages(arch: FixtureArch, cacheDir = defaultCacheDir(), log?: (m: string) => void): Promise<DebInfo[]> {
  const debArch = DEB_ARCH[arch];
  const out: DebInfo[] = [];
  for (const p of BOOT_PACKAGES[arch]) out.push(await fetchDeb(cacheDir, debArch, p, log));
  return out;
}

/** The spec's parts the fixture cares about. */
interface FixtureSpecShape {
  system?: string;
  partitions?: { filesystem?: { type?: string; label?: string }; contents?: { generate?: string }[] }[];
}

/** What a spec asks of its boot fixture, from one read of it: a dm-verity initrd (a verity
 *  partition), a stage 2 with the root only (one partition), the Pi firmware booting the kernel
 *  itself (rpi-direct: cmdline.txt names the root), and the label of the partition with the
 *  closure for the fixture's root=LABEL= (none with verity: the command line's roothash= names it). */
export async function fixtureNeeds(specPath: string): Promise<{ system?: string; verity: boolean; rootOnly: boolean; direct: boolean; rootLabel?: string }> {
  const spec = JSON.parse(await fsp.readFile(specPath, 'utf8')) as FixtureSpecShape;
  const parts = spec.partitions ?? [];
  const verity = parts.some((p) => p.filesystem?.type === 'verity');
  const rootLabel = verity ? undefined : parts.find((p) => p.contents?.some((c) => c.generate === 'closure'))?.filesystem?.label;
  return {
    ...(spec.system !== undefined ? { system: spec.system } : {}),
    verity,
    rootOnly: parts.length === 1,
    direct: parts.some((p) => p.contents?.some((c) => c.generate === 'rpi-direct')),
    ...(rootLabel !== undefined ? { rootLabel } : {}),
  };
}

/** Builds `specPath` with the fixture as its closure, store, toplevel and firmware: a raw .img, or
 *  with `ownOutputs` what the recipe's output asks for (its compression and bmap). */
export function buildWithFixture(
  specPath: string,
  fixture: BootFixture,
  opts: Omit<Parameters<typeof buildImage>[0], 'specPath' | 'closure' | 'storeRoot' | 'toplevel' | 'firmware' | 'compress'>,
  ownOutputs = false,
): ReturnType<typeof buildImage> {
  return buildImage({
    specPath,
    closure: fixture.closureInfoDir,
    storeRoot: fixture.storeRoot,
    toplevel: fixture.toplevel,
    firmware: fixture.firmwareDir,
    ...(ownOutputs ? {} : { compress: false }),
    ...opts,
  });
}

/** The initrd store path: a gzip'd newc cpio with busybox, the modules and stage 1 (with
 *  `verity`: veritysetup and its libraries too). */
async function makeInitrd(o: {
  storeDir: string; cache: string; arch: FixtureArch; kver: string; busyboxBin: string; mods: ModInfo[];
  stage1Modules: Stage1Modules; upstreamVersion: string; verity: boolean; log?: (m: string) => void;
}): Promise<StorePath> {
  const { kver } = o;
  const initrdEntries: CpioEntry[] = [];
  for (const dir of ['bin', 'dev', 'etc', 'lib', 'lib/modules', `lib/modules/${kver}`, 'mnt-root', 'proc', 'sys', 'tmp']) {
    initrdEntries.push({ kind: 'dir', path: dir, mode: 0o755 });
  }
  initrdEntries.push({ kind: 'chardev', path: 'dev/console', mode: 0o600, major: 5, minor: 1 });
  initrdEntries.push({ kind: 'chardev', path: 'dev/null', mode: 0o666, major: 1, minor: 3 });
  initrdEntries.push({ kind: 'file', path: 'bin/busybox', mode: 0o755, data: await fsp.readFile(o.busyboxBin) });
  for (const a of BUSYBOX_APPLETS) initrdEntries.push({ kind: 'symlink', path: `bin/${a}`, target: 'busybox' });
  for (const m of o.mods) {
    initrdEntries.push({ kind: 'file', path: `lib/modules/${kver}/${m.name}.ko`, mode: 0o644, data: unsigned(await fsp.readFile(m.file)) });
  }
  const multiarch = o.verity ? await addVerityTools(o.cache, o.arch, initrdEntries, o.log) : undefined;
  initrdEntries.push({ kind: 'file', path: 'init', mode: 0o755, data: Buffer.from(stage1Init(kver, o.stage1Modules, multiarch)) });
  const initrdData = await gzipCached(o.cache, cpioNewc(initrdEntries));
  return addStorePath(o.storeDir, `initrd-linux-${o.upstreamVersion}`, async (d) => {
    await fsp.writeFile(path.join(d, 'initrd'), initrdData, { mode: 0o444 });
  });
}

/** gzip -6 of `data`, kept in CACHE/initrd-gz by the data's SHA-256: every boot test makes the same
 *  few initrds, and compressing one costs ~1.5 CPU-s. Files untouched for a day are removed. */
async function gzipCached(cache: string, data: Buffer): Promise<Buffer> {
  const dir = path.join(cache, 'initrd-gz');
  const file = path.join(dir, `${createHash('sha256').update(data).digest('hex')}.gz`);
  const hit = await fsp.readFile(file).catch(() => undefined);
  if (hit && zlib.gunzipSync(hit).equals(data)) {
    const now = new Date();
    await fsp.utimes(file, now, now);
    return hit;
  }
  const gz = zlib.gzipSync(data, { level: 6 });
  await fsp.mkdir(dir, { recursive: true });
  await writeAtomic(file, gz);
  for (const name of await fsp.readdir(dir)) {
    const st = await fsp.stat(path.join(dir, name)).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > 86_400_000) await fsp.rm(path.join(dir, name), { force: true });
  }
  return gz;
}

/** The marker (given or a fresh random one), once the options are checked. */
function fixtureMarker(opts: BootFixtureOptions): string {
  const marker = opts.marker ?? `m${randomBytes(12).toString('hex')}`;
  if (!/^[A-Za-z0-9_-]+$/.test(marker)) throw new Error(`boot fixture: marker must match [A-Za-z0-9_-]+, got ${JSON.stringify(marker)}`);
  if (opts.rootLabel !== undefined && !/^[A-Za-z0-9_.-]+$/.test(opts.rootLabel)) {
    throw new Error(`boot fixture: unsupported root label ${JSON.stringify(opts.rootLabel)}`);
  }
  return marker;
}

/** The store path of first-boot.sh's tools (option `firstBoot`, ./first-boot-tools.ts). */
async function firstBootToolsPath(cache: string, arch: FixtureArch, storeDir: string, busybox: StorePath, log?: (m: string) => void): Promise<StorePath> {
  const trees: string[] = [];
  for (const p of FIRST_BOOT_PACKAGES) trees.push(await extractDeb(cache, await fetchDeb(cache, DEB_ARCH[arch], p, log)));
  return makeFirstBootTools({ trees, busyboxStore: busybox.store, addStorePath: (name, build) => addStorePath(storeDir, name, build) });
}

export async function makeBootFixture(opts: BootFixtureOptions): Promise<BootFixture> {
  const { arch } = opts;
  const cache = opts.cacheDir ?? defaultCacheDir();
  const marker = fixtureMarker(opts);
  const packages = await fetchBootPackages(arch, cache, opts.log);
  const [kernelDeb, busyboxDeb, ...rest] = packages as [DebInfo, DebInfo, ...DebInfo[]];
  const kx = await extractDeb(cache, kernelDeb, [...KERNEL_PATTERNS[arch], ...(opts.verity ? VERITY_KERNEL_PATTERNS : [])]);
  const bx = await extractDeb(cache, busyboxDeb);

  const kver = (await fsp.readdir(path.join(kx, 'lib', 'modules')))[0];
  if (!kver) throw new Error('boot fixture: no lib/modules in the kernel package');
  const modDir = path.join(kx, 'lib', 'modules', kver);
  const { stage1: stage1Modules, all: mods } = await planModules(modDir, arch, opts.verity === true);
  const upstreamVersion = kernelDeb.version.replace(/-[^-]*$/, ''); // 6.1.176-1 -> 6.1.176
  const busyboxVersion = busyboxDeb.version.replace(/^\d+:/, '').replace(/-.*$/, '');

  const workDir = path.resolve(opts.workDir);
  const storeDir = path.join(workDir, 'nix', 'store');
  await fsp.mkdir(storeDir, { recursive: true });
  const busyboxBin = path.join(bx, 'bin', 'busybox');

  // busybox
  const busybox = await addStorePath(storeDir, `busybox-${busyboxVersion}`, async (d) => {
    await copyFile(busyboxBin, path.join(d, 'bin', 'busybox'), 0o555);
    for (const a of BUSYBOX_APPLETS) await fsp.symlink('busybox', path.join(d, 'bin', a));
  });

  const kernelFile = KERNEL_FILE[arch];
  const kernel = await makeKernel({ storeDir, arch, kx, kver, mods, upstreamVersion });

  const initrd = await makeInitrd({ storeDir, cache, arch, kver, busyboxBin, mods, stage1Modules, upstreamVersion, verity: opts.verity === true, ...(opts.log ? { log: opts.log } : {}) });

  const firstBootTools = opts.firstBoot ? await firstBootToolsPath(cache, arch, storeDir, busybox, opts.log) : undefined;

  const kernelParams = [
    ...(opts.rootLabel ? [`root=LABEL=${opts.rootLabel}`] : []),
    ...CONSOLE_PARAMS[arch],
    'panic=1',
    'loglevel=4',
    ...SMP_PARAMS[arch],
    ...QUIET_PARAMS[arch],
    ...(opts.extraKernelParams ?? []),
  ].join(' ');
  const toplevel = await makeToplevel({ storeDir, arch, busybox, kernel, initrd, kernelFile, kernelParams, marker, rootOnly: opts.rootOnly === true, ...(firstBootTools ? { firstBootTools } : {}) });

  // closureInfo, with /nix/store paths (built with --store-root workDir)
  const closureInfoDir = path.join(workDir, 'closure-info');
  const storePaths = await writeClosureInfo(closureInfoDir, [
    { p: busybox, refs: [] },
    { p: kernel, refs: [] },
    { p: initrd, refs: [] },
    ...(firstBootTools ? [{ p: firstBootTools, refs: [busybox] }] : []),
    { p: toplevel, refs: [busybox, kernel, initrd, ...(firstBootTools ? [firstBootTools] : [])] },
  ]);

  const embedded = opts.embedded
    ? await makeEmbeddedSystem({ workDir, storeDir, marker, kver, busybox, kernel, initrd, kernelFile })
    : undefined;

  const firmwareDir = path.join(workDir, 'firmware');
  await writeFirmware({ cache, arch, debs: rest, kernel, initrd, toplevel, kernelFile, kernelParams, marker, firmwareDir });

  return {
    arch,
    marker,
    workDir,
    storeDir,
    storeRoot: workDir,
    closureInfoDir,
    toplevel: toplevel.host,
    toplevelStorePath: toplevel.store,
    storePaths,
    firmwareDir,
    kernelVersion: kver,
    kernelParams,
    modules: mods.map((m) => m.name),
    packages,
    ...(embedded ? { embedded } : {}),
  };
}

/** The kernel store path: the kernel, the modules stage 1 may load, modules.builtin, dtbs/. */
async function makeKernel(o: { storeDir: string; arch: FixtureArch; kx: string; kver: string; mods: ModInfo[]; upstreamVersion: string }): Promise<StorePath> {
  const { arch, kx, kver } = o;
  const modDir = path.join(kx, 'lib', 'modules', kver);
  return addStorePath(o.storeDir, `linux-${o.upstreamVersion}`, async (d) => {
    await copyFile(path.join(kx, 'boot', `vmlinuz-${kver}`), path.join(d, KERNEL_FILE[arch]), 0o444);
    for (const m of o.mods) {
      await copyFile(m.file, path.join(d, 'lib', 'modules', kver, path.relative(modDir, m.file)), 0o444);
    }
    await copyFile(path.join(modDir, 'modules.builtin'), path.join(d, 'lib', 'modules', kver, 'modules.builtin'), 0o444);
    const dtbs = DTBS[arch];
    if (dtbs) {
      const src = path.join(kx, 'usr', 'lib', `linux-image-${kver}`, dtbs.from);
      for (const f of (await fsp.readdir(src)).sort()) {
        if (dtbs.match.test(f)) await copyFile(path.join(src, f), path.join(d, dtbs.to, f), 0o444);
      }
    }
  });
}

/** The toplevel store path (see the file's comment). */
async function makeToplevel(o: {
  storeDir: string; arch: FixtureArch; busybox: StorePath; kernel: StorePath; initrd: StorePath; kernelFile: string;
  kernelParams: string; marker: string; rootOnly: boolean; firstBootTools?: StorePath;
}): Promise<StorePath> {
  const { arch, busybox, kernel, initrd, kernelFile, firstBootTools } = o;
  // Absolute /nix/store symlinks, as in a real NixOS toplevel (imgsmith resolves them in
  // the host store directory; in the image they resolve as they are).
  const abs = (p: { store: string }, file?: string) => path.posix.join(p.store, ...(file ? [file] : []));
  return addStorePath(o.storeDir, 'nixos-system-bootfixture', async (d) => {
    await fsp.writeFile(path.join(d, 'init'), stage2Init(busybox.store, o.rootOnly), { mode: 0o555 });
    await fsp.symlink(abs(kernel, kernelFile), path.join(d, 'kernel'));
    await fsp.symlink(abs(initrd, 'initrd'), path.join(d, 'initrd'));
    if (DTBS[arch]) await fsp.symlink(abs(kernel, 'dtbs'), path.join(d, 'dtbs'));
    await fsp.symlink(abs(busybox), path.join(d, 'sw'));
    await fsp.writeFile(path.join(d, 'kernel-params'), o.kernelParams);
    await fsp.writeFile(path.join(d, 'nixos-version'), '23.11.imgsmith-bootfixture');
    await fsp.writeFile(path.join(d, 'system'), NIX_SYSTEM[arch]);
    await fsp.writeFile(path.join(d, MARKER_FILE), o.marker + '\n');
    if (firstBootTools) {
      await copyFile(path.join(repoRoot(), 'nix', 'first-boot.sh'), path.join(d, FIRST_BOOT_SCRIPT), 0o444);
      await fsp.symlink(abs(firstBootTools), path.join(d, 'imgsmith-first-boot-tools'));
    }
  });
}

/** The firmware directory of `arch` from its firmware packages `debs` (see the file's comment). */
async function writeFirmware(o: {
  cache: string; arch: FixtureArch; debs: DebInfo[]; kernel: StorePath; initrd: StorePath; toplevel: StorePath;
  kernelFile: string; kernelParams: string; marker: string; firmwareDir: string;
}): Promise<void> {
  const { cache, debs, firmwareDir } = o;
  await fsp.mkdir(firmwareDir, { recursive: true });
  if (o.arch === 'armhf') await sunxiFirmware(cache, debs[0]!, firmwareDir);
  else if (o.arch === 'aarch64') await piFirmware(cache, debs as [DebInfo, DebInfo], o.kernel, firmwareDir);
  else await espFirmware({ ...o, sdbootDeb: debs[0]! });
}

/** aarch64: the Raspberry Pi firmware directory (see the file's comment). */
async function piFirmware(cache: string, [ubootDeb, fwDeb]: [DebInfo, DebInfo], kernel: StorePath, firmwareDir: string): Promise<void> {
  const ux = await extractDeb(cache, ubootDeb);
  const fx = await extractDeb(cache, fwDeb);
  const fwSrc = path.join(fx, 'usr', 'lib', 'raspi-firmware');
  for (const f of (await fsp.readdir(fwSrc)).sort()) {
    if (f === 'bootcode.bin' || /^start.*\.elf$/.test(f) || /^fixup.*\.dat$/.test(f)) {
      await copyFile(path.join(fwSrc, f), path.join(firmwareDir, f), 0o644);
    }
  }
  await copyFile(path.join(ux, 'usr', 'lib', 'u-boot', 'rpi_3', 'u-boot.bin'), path.join(firmwareDir, 'u-boot-rpi3.bin'), 0o644);
  await copyFile(path.join(ux, 'usr', 'lib', 'u-boot', 'rpi_4', 'u-boot.bin'), path.join(firmwareDir, 'u-boot-rpi4.bin'), 0o644);
  const dtbSrc = path.join(kernel.host, 'dtbs', 'broadcom');
  for (const f of (await fsp.readdir(dtbSrc)).sort()) {
    if (f.startsWith('bcm2711-')) await copyFile(path.join(dtbSrc, f), path.join(firmwareDir, f), 0o644);
  }
  // Not in Debian: armstub8-gic.bin (NixOS builds it from raspberrypi/tools) and the
  // downstream CM4/CM4S device trees (mainline 6.1 only has bcm2711-rpi-cm4-io.dtb).
  // QEMU's raspi3b never reads them; a real Pi 4/CM4 would. Clearly marked placeholders:
  const placeholder = (name: string) =>
    `IMGSMITH TEST FIXTURE PLACEHOLDER: not a real ${name} (Debian bookworm does not ship one). ` +
    `Do not boot a Raspberry Pi 4 / CM4 with this.\n`;
  for (const name of PI_PLACEHOLDERS) await fsp.writeFile(path.join(firmwareDir, name), placeholder(name));
  await fsp.writeFile(
    path.join(firmwareDir, 'README.imgsmith-fixture.txt'),
    'imgsmith boot-test fixture firmware, from Debian bookworm: raspi-firmware (bootcode.bin, start*.elf,\n' +
      'fixup*.dat), u-boot-rpi (rpi_3 -> u-boot-rpi3.bin, rpi_4 -> u-boot-rpi4.bin) and the mainline\n' +
      'bcm2711-*.dtb of the Debian kernel.\n' +
      `PLACEHOLDERS (text files, not firmware): ${PI_PLACEHOLDERS.join(', ')}.\n` +
      'Only the Raspberry Pi 3 path (tested under QEMU raspi3b) is real.\n',
  );
}

/** x86_64: an ESP tree: systemd-boot as the removable-media loader, a loader entry, kernel and initrd. */
async function espFirmware(o: {
  cache: string; sdbootDeb: DebInfo; kernel: StorePath; initrd: StorePath; toplevel: StorePath;
  kernelFile: string; kernelParams: string; marker: string; firmwareDir: string;
}): Promise<void> {
  const { cache, sdbootDeb, kernel, initrd, toplevel, kernelFile, kernelParams, marker, firmwareDir } = o;
  const sx = await extractDeb(cache, sdbootDeb);
  await copyFile(path.join(sx, 'usr', 'lib', 'systemd', 'boot', 'efi', 'systemd-bootx64.efi'), path.join(firmwareDir, 'EFI', 'BOOT', 'BOOTX64.EFI'), 0o644);
  await copyFile(path.join(kernel.host, kernelFile), path.join(firmwareDir, 'EFI', 'nixos', `${path.basename(kernel.host)}-${kernelFile}.efi`), 0o644);
  await copyFile(path.join(initrd.host, 'initrd'), path.join(firmwareDir, 'EFI', 'nixos', `${path.basename(initrd.host)}-initrd.efi`), 0o644);
  await fsp.mkdir(path.join(firmwareDir, 'loader', 'entries'), { recursive: true });
  await fsp.writeFile(path.join(firmwareDir, 'loader', 'loader.conf'), 'timeout 0\ndefault nixos-bootfixture.conf\neditor no\n');
  await fsp.writeFile(
    path.join(firmwareDir, 'loader', 'entries', 'nixos-bootfixture.conf'),
    `title imgsmith boot fixture\n` +
      `linux /EFI/nixos/${path.basename(kernel.host)}-${kernelFile}.efi\n` +
      `initrd /EFI/nixos/${path.basename(initrd.host)}-initrd.efi\n` +
      `options init=${toplevel.store}/init ${kernelParams}\n`,
  );
  await fsp.writeFile(path.join(firmwareDir, MARKER_FILE), marker + '\n');
}

/** The U-Boot build the armhf fixture's firmware directory holds (Debian's u-boot-sunxi has no
 *  orangepi_pc build; the Plus has the same H3, and QEMU's orangepi-pc runs it from 8 KiB). */
export const SUNXI_UBOOT_BOARD = 'orangepi_plus';
/** The loader file of the armhf firmware directory, as U-Boot's build names it. */
export const SUNXI_SPL_FILE = 'u-boot-sunxi-with-spl.bin';

/** armhf: the firmware directory is U-Boot for Allwinner H3 boards, SPL and all, from u-boot-sunxi. */
async function sunxiFirmware(cache: string, ubootDeb: DebInfo, firmwareDir: string): Promise<void> {
  const ux = await extractDeb(cache, ubootDeb, [`./usr/lib/u-boot/${SUNXI_UBOOT_BOARD}/${SUNXI_SPL_FILE}`]);
  await copyFile(path.join(ux, 'usr', 'lib', 'u-boot', SUNXI_UBOOT_BOARD, SUNXI_SPL_FILE), path.join(firmwareDir, SUNXI_SPL_FILE), 0o644);
  await fsp.writeFile(
    path.join(firmwareDir, 'README.imgsmith-fixture.txt'),
    `imgsmith boot-test fixture firmware, from Debian bookworm: u-boot-sunxi ${ubootDeb.version} (armhf),\n` +
      `${SUNXI_UBOOT_BOARD}/${SUNXI_SPL_FILE} (SPL + U-Boot for the Orange Pi Plus, an Allwinner H3 like the\n` +
      'Orange Pi PC that QEMU emulates as orangepi-pc). A real board needs its own build.\n',
  );
}
