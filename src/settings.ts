/**
 * Every environment variable imgsmith reads or sets, in one table: its type, default, what it
 * does and who it is for. Code in src/ and action/ reads them only through the accessors here
 * (envFlag, envValue); bin/imgsmith.js (plain JavaScript, runs before TypeScript loads) reads
 * its few directly, and test/tools.test.ts checks that they are declared here. The README's
 * "Environment variables" table is generated from this one (`npm run docs:settings`).
 *
 * Audiences: `user` (documented knobs), `tool` (set by imgsmith for the tools it runs, never by
 * users), `internal` (set by imgsmith for itself), `test` (the test suite, scripts and the
 * benchmark).
 */

export type SettingType = 'flag' | 'set' | 'path' | 'megabytes' | 'choice' | 'text';
export type Audience = 'user' | 'tool' | 'internal' | 'test';

export interface Setting {
  name: string;
  /** flag: "1" turns it on; set: any non-empty value turns it on; the others: a value. */
  type: SettingType;
  audience: Audience;
  /** What happens when it is unset. */
  default?: string;
  /** For `choice`: the values. */
  choices?: readonly string[];
  doc: string;
  /** Read by the tools imgsmith runs (the mkfs shim): the runner passes it on from the user's
   *  environment; every other IMGSMITH_ variable is kept from the tools. */
  toTools?: true;
}

const s = <const T extends Setting>(x: T): T => x;

export const SETTINGS = [
  s({ name: 'IMGSMITH_MAX_HEAP_MB', type: 'megabytes', audience: 'user', default: '128', doc: "the JavaScript heap limit of the CLI's worker process, 64 to 1048576 (read by bin/imgsmith.js)" }),
  s({ name: 'IMGSMITH_DEBUG', type: 'set', audience: 'user', doc: 'print the stack trace after an error line, and let bin/imgsmith.js show Node\'s own errors' }),
  s({ name: 'IMGSMITH_NO_NATIVE', type: 'flag', audience: 'user', doc: 'do not use the native addon, the ext4 populate helper or the mkfs shim (plain JavaScript, mke2fs -d, a staged tree)' }),
  s({ name: 'IMGSMITH_NO_POPULATE', type: 'flag', audience: 'user', doc: 'write ext4 roots with mke2fs -d instead of the populate helper' }),
  s({ name: 'IMGSMITH_NO_SHIM', type: 'flag', audience: 'user', doc: 'run mke2fs/mkfs.btrfs without the LD_PRELOAD shim (a staged tree; btrfs roots are then not reproducible)' }),
  s({ name: 'IMGSMITH_NO_VIRTUAL_TREE', type: 'flag', audience: 'user', doc: "mke2fs -d reads a staged copy of the tree instead of the shim's list" }),
  s({ name: 'IMGSMITH_SHIM_PATH', type: 'path', audience: 'user', default: 'build/Release/imgsmith_mkfs_shim.so', doc: 'the mkfs shim library to preload' }),
  s({ name: 'IMGSMITH_EXT4_POPULATE', type: 'path', audience: 'user', default: 'build/Release/imgsmith-ext4-populate', doc: 'the ext4 populate helper to run (the GitHub Action sets it to the one it compiles)' }),
  s({ name: 'IMGSMITH_NO_COMPILED', type: 'flag', audience: 'user', doc: 'run src/ through tsx even when lib/ is compiled and fresh (read by bin/imgsmith.js)' }),
  s({ name: 'IMGSMITH_ZSTD', type: 'choice', audience: 'user', choices: ['cli', 'js'], default: 'the fastest available', doc: 'the zstd decoder of inspect, verify and flash: `cli` the zstd command, `js` in-process only' }),
  s({ name: 'IMGSMITH_WORKER', type: 'flag', audience: 'internal', doc: "set by bin/imgsmith.js for the worker it starts (messages on fd 3, temp dirs on fd 4)" }),
  s({ name: 'IMGSMITH_SHIM_ROOT', type: 'path', audience: 'tool', doc: "the staged root directory (native/mkfs_shim.c)" }),
  s({ name: 'IMGSMITH_SHIM_LIST', type: 'path', audience: 'tool', doc: "the shim's list of tree entries" }),
  s({ name: 'IMGSMITH_SHIM_EPOCH', type: 'text', audience: 'tool', doc: 'the time of every inode (SOURCE_DATE_EPOCH)' }),
  s({ name: 'IMGSMITH_SHIM_SEED', type: 'text', audience: 'tool', doc: 'the seed of the UUIDs and random numbers mkfs makes' }),
  s({ name: 'IMGSMITH_SHIM_REPORT', type: 'path', audience: 'tool', doc: 'where the shim reports how many entries it served' }),
  s({ name: 'IMGSMITH_SHIM_IMAGE', type: 'path', audience: 'tool', doc: "the image file whose writes the shim combines and logs" }),
  s({ name: 'IMGSMITH_SHIM_WRITELOG', type: 'text', audience: 'tool', doc: 'the file descriptor of the write log (early compression)' }),
  s({ name: 'IMGSMITH_SHIM_VIRTUAL', type: 'flag', audience: 'tool', doc: "the tree exists only in the shim's list (mke2fs -d)" }),
  s({ name: 'IMGSMITH_SHIM_CACHE', type: 'text', audience: 'test', toTools: true, default: 'on', doc: "`0` turns off the shim's image write combining and read cache" }),
  s({ name: 'IMGSMITH_SHIM_NFTW', type: 'text', audience: 'test', toTools: true, default: 'on', doc: '`0` leaves nftw() walks to glibc (tests that unserved entries are caught)' }),
  s({ name: 'IMGSMITH_TEST_HOOK', type: 'text', audience: 'test', doc: '`hold:<point>[:<secs>]` or `oom:<point>`: holds or exhausts a build at a point (src/lifetime.ts)' }),
  s({ name: 'IMGSMITH_ACTION_APT', type: 'path', audience: 'test', doc: 'the GitHub Action runs this instead of apt-get (no sudo)' }),
  s({ name: 'IMGSMITH_ACTION_OS_RELEASE', type: 'path', audience: 'test', default: '/etc/os-release', doc: "the GitHub Action's os-release file" }),
  s({ name: 'IMGSMITH_SKIP_BOOT_TESTS', type: 'flag', audience: 'test', doc: 'skip the QEMU boot tests (CI always runs them)' }),
  s({ name: 'IMGSMITH_CACHE', type: 'path', audience: 'test', default: '.cache', doc: 'download cache of the boot fixtures and `npm run boot-image`' }),
  s({ name: 'IMGSMITH_COMPAT_ONLY', type: 'text', audience: 'test', doc: 'comma-separated toolchains test/compat.test.ts runs with' }),
  s({ name: 'IMGSMITH_TOOLCHAIN_CACHE', type: 'path', audience: 'test', default: '~/.cache/imgsmith/toolchains', doc: 'where scripts/toolchains.sh keeps the toolchains' }),
  s({ name: 'IMGSMITH_TOOLCHAIN_JOBS', type: 'text', audience: 'test', default: '2', doc: 'parallel make jobs of scripts/toolchains.sh' }),
  s({ name: 'IMGSMITH_DEBIAN_MIRROR', type: 'text', audience: 'test', doc: 'the Debian mirror of the test fixtures and scripts/toolchains.sh' }),
  s({ name: 'IMGSMITH_DEBIAN_KEYRING', type: 'path', audience: 'test', default: '/usr/share/keyrings/debian-archive-keyring.gpg', doc: "scripts/toolchains.sh's apt keyring" }),
  s({ name: 'IMGSMITH_NODE_22', type: 'path', audience: 'test', doc: 'a Node 22 binary for test/node-versions.test.ts and the compatibility suite' }),
  s({ name: 'IMGSMITH_NODE_24', type: 'path', audience: 'test', doc: 'a Node 24 binary for test/node-versions.test.ts and the compatibility suite' }),
  s({ name: 'IMGSMITH_NO_FETCH', type: 'flag', audience: 'test', doc: 'do not fetch Node binaries for the tests' }),
  s({ name: 'IMGSMITH_NIXPKGS_LIB', type: 'path', audience: 'test', default: '../shared/nixpkgs-lib', doc: "a copy of nixpkgs' lib/ for test/nix-module.test.ts" }),
  s({ name: 'IMGSMITH_TEST_BTRFS_PROGS', type: 'path', audience: 'test', doc: 'run test/btrfs.test.ts against the btrfs-progs in this directory' }),
  s({ name: 'IMGSMITH_FIRST_BOOT_ROOT', type: 'path', audience: 'test', doc: 'nix/first-boot.sh: a directory standing for / (tests)' }),
  s({ name: 'IMGSMITH_SYSTEM', type: 'path', audience: 'test', default: '/run/current-system', doc: 'nix/first-boot.sh: the system to set the profile to (tests)' }),
  s({ name: 'IMGSMITH_OUT', type: 'path', audience: 'test', doc: 'output directory of `npm run example` and `npm run boot-image`' }),
  s({ name: 'IMGSMITH_RECIPE', type: 'text', audience: 'test', default: 'rpi-aarch64', doc: 'the spec `npm run boot-image` builds' }),
  s({ name: 'IMGSMITH_FIRST_BOOT', type: 'flag', audience: 'test', doc: '`npm run boot-image` puts nix/first-boot.sh into the system' }),
  s({ name: 'IMGSMITH_BENCH_CACHE', type: 'path', audience: 'test', default: '.cache/bench', doc: "the benchmark's cache" }),
] as const;

export type SettingName = (typeof SETTINGS)[number]['name'];

const byName = new Map<string, Setting>(SETTINGS.map((x) => [x.name, x]));

/** The declaration of `name`, or undefined. */
export function setting(name: string): Setting | undefined {
  return byName.get(name);
}

/** The variable's value, undefined when unset or empty. */
export function envValue(name: SettingName): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** Whether a `flag` is "1" (or a `set` variable is non-empty). */
export function envFlag(name: SettingName): boolean {
  const v = envValue(name);
  return byName.get(name)!.type === 'set' ? v !== undefined : v === '1';
}

/** Sets (or, with undefined, removes) a variable in this process's environment. */
export function setEnv(name: SettingName, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

const AUDIENCE: Record<Audience, string> = {
  user: 'users',
  tool: 'set by imgsmith for its tools',
  internal: 'set by imgsmith for itself',
  test: 'tests and scripts',
};

/** The README's "Environment variables" table (markdown). */
export function settingsMarkdown(): string {
  const rows = SETTINGS.map((x: Setting) => {
    const value = x.type === 'flag' ? '`1`' : x.type === 'set' ? 'any' : x.type === 'choice' ? x.choices!.map((c) => `\`${c}\``).join(', ') : x.type;
    const cell = (t: string) => t.replace(/\|/g, '\\|');
    return `| \`${x.name}\` | ${value} | ${cell(x.default ?? '')} | ${AUDIENCE[x.audience]} | ${cell(x.doc)} |`;
  });
  return ['| variable | value | default | for | what it does |', '|---|---|---|---|---|', ...rows].join('\n');
}
