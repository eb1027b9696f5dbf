/**
 * The external tools imgsmith and its tests run, in one table: each tool's Debian package,
 * its nixpkgs attribute, what needs it and how to ask it for its version.
 *
 * Everything else derives from it: the runner's "not installed" error (src/tools/run.ts),
 * the version probe (src/toolchain.ts), the GitHub Action's tool -> package map
 * (action/tools.ts). test/tools.test.ts checks scripts/setup.sh's package list and
 * nix/package.nix's runtimeTools against it; test/runtime-tools.test.ts checks that every
 * tool a command runs is here.
 */

/** What needs a tool: a command (build, inspect, verify, flash: nix/package.nix puts their tools on
 *  imgsmith's PATH), build-if-present (the btrfs fallback uses it when installed), boot-test (QEMU
 *  and mtools, the user's to install), the test suite, the benchmark or the GitHub Action. */
export type ToolNeed = 'build' | 'build-if-present' | 'inspect' | 'verify' | 'flash' | 'boot-test' | 'tests' | 'bench' | 'action';

/** How to ask a tool for its version: `pattern` captures it. */
export interface VersionProbe {
  args: string[];
  pattern: RegExp;
  /** Exit codes other than 0 that still print the version. */
  okCodes?: number[];
  /** The supported range its version must be in (src/toolchain.ts); tools without one are only recorded. */
  range?: 'e2fsprogs' | 'btrfs-progs' | 'squashfs-tools';
}

export interface ToolInfo {
  /** The Debian package that has it. */
  debian: string;
  /** The nixpkgs attribute that has it (undefined: not packaged for Nix here). */
  nix?: string;
  needs: readonly ToolNeed[];
  /** Its version probe (without one, the generic `--version` probe). */
  version?: VersionProbe;
  /** On every Linux system (coreutils, findutils): the Action does not install it. */
  base?: true;
}

const V = String.raw`(\d+\.\d+(?:\.\d+)*)`;
const e2 = (name: string, extra: Partial<VersionProbe> = {}): VersionProbe => ({
  args: ['-V'],
  pattern: new RegExp(String.raw`${name.replace('.', '\\.')} ${V}`),
  range: 'e2fsprogs',
  ...extra,
});
const btrfsV: VersionProbe = { args: ['--version'], pattern: new RegExp(String.raw`btrfs-progs v${V}`), range: 'btrfs-progs' };
const squashfsV = (tool: string): VersionProbe => ({ args: ['-version'], pattern: new RegExp(String.raw`${tool} version ${V}`), okCodes: [1], range: 'squashfs-tools' });
const utilLinux: VersionProbe = { args: ['--version'], pattern: new RegExp(String.raw`util-linux ${V}`) };
const fatV: VersionProbe = { args: ['--help'], pattern: new RegExp(String.raw`mkfs\.fat ${V}`) };
/** erofs-utils: `-V` (1.6+; 1.5 prints its version after the usage, exit 1). */
const erofs = (needs: readonly ToolNeed[]): ToolInfo => ({ debian: 'erofs-utils', nix: 'erofs-utils', needs, version: { args: ['-V'], okCodes: [1], pattern: new RegExp(String.raw`(?:erofs|\)) ${V}`) } });
const mtoolsV: VersionProbe = { args: ['-V'], pattern: new RegExp(String.raw`mtools\) ${V}`) };

const e2fs = (version: VersionProbe, needs: readonly ToolNeed[]): ToolInfo => ({ debian: 'e2fsprogs', nix: 'e2fsprogs', needs, version });
const ul = (needs: readonly ToolNeed[], version?: VersionProbe): ToolInfo => ({ debian: 'util-linux', nix: 'util-linux', needs, ...(version ? { version } : {}) });
const core = (needs: readonly ToolNeed[]): ToolInfo => ({ debian: 'coreutils', nix: 'coreutils', needs, base: true });
const mtools = (needs: readonly ToolNeed[]): ToolInfo => ({ debian: 'mtools', nix: 'mtools', needs, version: mtoolsV });
const dos = (needs: readonly ToolNeed[], version?: VersionProbe): ToolInfo => ({ debian: 'dosfstools', nix: 'dosfstools', needs, ...(version ? { version } : {}) });

export const TOOLS: Readonly<Record<string, ToolInfo>> = {
  mke2fs: e2fs(e2('mke2fs'), ['build']),
  'mkfs.ext4': e2fs(e2('mke2fs'), ['tests']),
  debugfs: e2fs(e2('debugfs'), ['build', 'inspect', 'boot-test']),
  dumpe2fs: e2fs(e2('dumpe2fs'), ['build', 'inspect']),
  e2fsck: e2fs(e2('e2fsck'), ['verify', 'tests']),
  'fsck.ext4': e2fs(e2('e2fsck'), ['tests']),
  tune2fs: e2fs(e2('tune2fs', { args: [], okCodes: [1] }), ['tests']),
  'mkfs.btrfs': { debian: 'btrfs-progs', nix: 'btrfs-progs', needs: ['build'], version: btrfsV },
  btrfs: { debian: 'btrfs-progs', nix: 'btrfs-progs', needs: ['inspect', 'verify', 'tests'], version: btrfsV },
  'mkfs.erofs': erofs(['build']),
  'fsck.erofs': erofs(['inspect', 'verify', 'tests']),
  'dump.erofs': erofs(['tests']),
  mksquashfs: { debian: 'squashfs-tools', nix: 'squashfsTools', needs: ['build'], version: squashfsV('mksquashfs') },
  unsquashfs: { debian: 'squashfs-tools', nix: 'squashfsTools', needs: ['inspect', 'verify', 'tests'], version: squashfsV('unsquashfs') },
  zstd: { debian: 'zstd', nix: 'zstd', needs: ['build', 'inspect', 'verify', 'flash'], version: { args: ['--version'], pattern: /v(\d+\.\d+\.\d+)/ } },
  xz: { debian: 'xz-utils', nix: 'xz', needs: ['flash'] },
  bzip2: { debian: 'bzip2', nix: 'bzip2', needs: ['flash'] },
  lz4: { debian: 'lz4', nix: 'lz4', needs: ['flash'] },
  fallocate: ul(['build']),
  blockdev: ul(['verify', 'flash']),
  blkid: ul(['boot-test', 'tests'], utilLinux),
  mkswap: ul(['tests'], utilLinux),
  sfdisk: { debian: 'fdisk', nix: 'util-linux', needs: ['verify', 'boot-test', 'tests'], version: utilLinux },
  sgdisk: { debian: 'gdisk', nix: 'gptfdisk', needs: ['verify', 'tests'], version: { args: ['--version'], pattern: new RegExp(String.raw`version ${V}`) } },
  'fsck.fat': dos(['verify', 'tests']),
  'mkfs.fat': dos(['tests'], fatV),
  'mkfs.vfat': dos(['tests'], fatV),
  find: { debian: 'findutils', nix: 'findutils', needs: ['build'], base: true },
  chmod: core(['build']),
  rm: core(['build']),
  mv: core(['action']),
  sleep: core(['tests']),
  env: core(['action']),
  mtype: mtools(['boot-test']),
  mdir: mtools(['boot-test']),
  mcopy: mtools(['tests']),
  mmd: mtools(['tests']),
  'qemu-img': { debian: 'qemu-utils', nix: 'qemu', needs: ['boot-test'] },
  'qemu-system-aarch64': { debian: 'qemu-system-arm', nix: 'qemu', needs: ['boot-test'] },
  'qemu-system-arm': { debian: 'qemu-system-arm', nix: 'qemu', needs: ['boot-test'] },
  'qemu-system-x86_64': { debian: 'qemu-system-x86', nix: 'qemu', needs: ['boot-test'] },
  fakeroot: { debian: 'fakeroot', nix: 'fakeroot', needs: ['build-if-present', 'tests'], version: { args: ['-v'], pattern: new RegExp(String.raw`version ${V}`) } },
  faketime: { debian: 'faketime', nix: 'libfaketime', needs: ['build-if-present', 'tests'] },
  openssl: { debian: 'openssl', nix: 'openssl', needs: ['tests'] },
  bmaptool: { debian: 'bmap-tools', nix: 'bmaptool', needs: ['tests'], version: { args: ['--version'], pattern: new RegExp(String.raw`bmaptool ${V}`) } },
  'nix-store': { debian: 'nix-bin', nix: 'nix', needs: ['tests'] },
  simg2img: { debian: 'android-sdk-libsparse-utils', nix: 'android-tools', needs: ['tests'] },
  img2simg: { debian: 'android-sdk-libsparse-utils', nix: 'android-tools', needs: ['tests'] },
  genimage: { debian: 'genimage', needs: ['bench'] },
  cc: { debian: 'gcc', nix: 'gcc', needs: ['action'] },
  'apt-get': { debian: 'apt', needs: ['action'] },
  sudo: { debian: 'sudo', nix: 'sudo', needs: ['action'] },
};

/** The table's entry for `tool` (a name or a path: its last component), or undefined. */
export function toolInfo(tool: string): ToolInfo | undefined {
  const name = tool.slice(tool.lastIndexOf('/') + 1);
  return Object.hasOwn(TOOLS, name) ? TOOLS[name] : undefined;
}

/** Tools needed for `need`, sorted. */
export function toolsFor(need: ToolNeed): string[] {
  return Object.keys(TOOLS)
    .filter((t) => TOOLS[t]!.needs.includes(need))
    .sort();
}
