/**
 * Benchmark: imgsmith vs its peers, side by side in one run, per closure size.
 *
 *   npm run bench -- [--size large,300k,1m] [--runs N] [--big9g] [--keep] [--no-write]
 *
 * btrfs (--no-btrfs to skip): imgsmith on images/rpi4-usb-ssd.json (the Pi 4 USB-SSD
 * recipe, btrfs root) against the btrfs limit: the same `cp -al` staging +
 * `mkfs.btrfs --rootdir <stage> --shrink` with imgsmith's options (profiles, node and
 * sector size, features) + `zstd -T0 -3`. Reported in the same section, beside the ext4
 * figures, with CPU time (user + sys of the command and its children, /usr/bin/time)
 * as well as wall time: on a shared machine the CPU ratio is the one to trust.
 *
 * erofs (--no-erofs to skip): imgsmith on the same recipe with an erofs root (written to the
 * work dir from images/rpi4-usb-ssd.json, the spec's default compression) against the erofs
 * limit: the same `cp -al` staging + `mkfs.erofs` with imgsmith's options (src/fs/erofs.ts) +
 * `zstd -T0 -3`.
 *
 * squashfs (--no-squashfs to skip): the same recipe with a squashfs root (the spec's defaults: zstd,
 * 128 KiB blocks) against the squashfs limit: the same staging + `mksquashfs` with imgsmith's
 * arguments (src/fs/squashfs.ts mksquashfsArgs) + `zstd -T0 -3`.
 * btrfs, erofs and squashfs are the root variants (VARIANTS): one loop runs each variant's imgsmith
 * pipeline and its limit, and each has its own target on large (imgsmith <= 1.15x its limit).
 *
 * Sizes: `small` / `large`: real Debian arm64 packages laid out as a Nix store
 * (bench/closure.ts; large = ~2 GB, ~75k entries); `300k` / `1m` / `2m`: synthetic
 * closures of that many small entries (bench/synthetic.ts); `tiny`: a 3k-entry
 * synthetic closure to smoke-test the benchmark itself (a few seconds; never written
 * to RESULTS.md). Several sizes: `--size large,300k,1m` (the default).
 *
 * Pipelines, alternating within each run (imgsmith, imgsmith-list, NixOS, limit, genimage):
 *  - imgsmith: `imgsmith build images/rpi-aarch64.json --closure <closureInfo>
 *    --store-root <root>`, with the CLI's default heap (IMGSMITH_MAX_HEAP_MB and
 *    NODE_OPTIONS are not passed: the issue wants no tuning up to 2M entries); a failure
 *    (V8 heap OOM, killed, exit != 0) is recorded and reported, not fatal;
 *  - imgsmith-list: the same with `--closure <store-paths file>`, so imgsmith computes
 *    the registration (NAR hashes + reference scan) itself (--no-paths-list to skip);
 *  - NixOS: bench/nixos-sd-image.sh (Debian sizes only);
 *  - limit: `cp -al` staging of the root content (store paths, registration, /boot) +
 *    `mke2fs -t ext4 -d` into a file of imgsmith's root partition size, with imgsmith's
 *    block size and inode count (-b, -N: read from its superblock; mke2fs's default
 *    ratio of one inode per 16 KiB cannot hold a small-file closure in that size) +
 *    `zstd -T0 -3`;
 *  - genimage: the same `cp -al` staging + genimage (bench/genimage.ts: FAT + ext4 via
 *    mke2fs -d + MBR hdimage, same layout) + `zstd -T0 -3` of the image.
 * /boot for the staged trees (extlinux.conf, kernel, initrd, dtbs) is prepared once,
 * untimed. Every command runs under /usr/bin/time while /proc is sampled.
 *
 * What is measured:
 *  - wall: elapsed seconds until the .img.zst exists (staging included for limit/genimage);
 *  - phases: imgsmith's --json phase-end durations (whatever phases it reports), the
 *    script's PHASE lines, the limit's and genimage's commands;
 *  - peak RSS (tree): the largest sum of VmRSS over the measured command and all its
 *    descendants (not /usr/bin/time itself), sampled every 100 ms from /proc
 *    (short-lived processes can be missed; detached daemons such as fakeroot's faked
 *    are not in the tree); RSS per entry = that peak / entries of the closure;
 *  - peak RSS (largest process): /usr/bin/time's %M (ru_maxrss of the largest process);
 *  - .img size: the uncompressed size in the .zst frame header; .img.zst: file size.
 * Numbers are medians over the runs that succeeded; ratios are of the medians, with the
 * per-run ratios (each run's pipelines back to back) listed too. `sync` runs (untimed)
 * before each pipeline.
 *
 * --big9g: imgsmith alone builds a 9 GiB image: the large closure plus a payload
 * store path (2 GiB of incompressible pseudo-random data and a 4 GiB sparse file
 * with 8 MiB of data), with the recipe's root partition fixed at 9 GiB.
 *
 * Results are printed as markdown and written to bench/RESULTS.md (one section per
 * size), unless --no-write or size tiny.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { cacheRoot, ensureClosure, narHash, removeTree, repoRoot, type BenchClosure } from './closure.ts';
import { nixBase32 } from '../src/content/nix-store.ts';
import { genimageArgs, genimageConfig } from './genimage.ts';
import { ensureSyntheticClosure, isSyntheticSize } from './synthetic.ts';
import { mksquashfsArgs, SQUASHFS_DEFAULT_BLOCK } from '../src/fs/squashfs.ts';

const TIME = '/usr/bin/time';
const SPEC = path.join(repoRoot, 'images', 'rpi-aarch64.json');
const BTRFS_SPEC = path.join(repoRoot, 'images', 'rpi4-usb-ssd.json');
const NIXOS_SCRIPT = path.join(repoRoot, 'bench', 'nixos-sd-image.sh');
const RESULTS = path.join(repoRoot, 'bench', 'RESULTS.md');
const MB = 1e6;
const MiB = 2 ** 20;
const SIZES = ['tiny', 'small', 'large', '300k', '1m', '2m'] as const;
type Size = (typeof SIZES)[number];
const EXT4_UUID = '44444444-4444-4444-8888-888888888888';
const LABEL_ID = '0x2178694e';

/** The root variants beside ext4: each has an imgsmith pipeline and a limit of its own. */
const VARIANTS = ['btrfs', 'erofs', 'squashfs'] as const;
type Variant = (typeof VARIANTS)[number];
type Tool = 'imgsmith' | 'imgsmith-list' | 'nixos' | 'limit' | 'genimage' | `imgsmith-${Variant}` | `limit-${Variant}`;
const TOOLS: readonly Tool[] = ['imgsmith', 'imgsmith-list', 'nixos', 'limit', 'genimage', ...VARIANTS.flatMap((v) => [`imgsmith-${v}`, `limit-${v}`] as const)];
const TOOL_NAMES: Record<Tool, string> = {
  imgsmith: 'imgsmith',
  'imgsmith-list': 'imgsmith, store-path list (computes the registration)',
  nixos: 'NixOS (nixos-sd-image.sh)',
  limit: 'limit (cp -al + mke2fs -d + zstd -T0)',
  genimage: 'genimage (cp -al + genimage + zstd -T0)',
  'imgsmith-btrfs': 'imgsmith, Pi 4 USB-SSD recipe (btrfs root)',
  'limit-btrfs': 'btrfs limit (cp -al + mkfs.btrfs --rootdir --shrink + zstd -T0)',
  'imgsmith-erofs': 'imgsmith, Pi 4 USB-SSD recipe with an erofs root',
  'limit-erofs': 'erofs limit (cp -al + mkfs.erofs + zstd -T0)',
  'imgsmith-squashfs': 'imgsmith, Pi 4 USB-SSD recipe with a squashfs root',
  'limit-squashfs': 'squashfs limit (cp -al + mksquashfs + zstd -T0)',
};
/** The variant of a pipeline, undefined for the ext4 ones. */
const variantOf = (t: Tool): Variant | undefined => VARIANTS.find((v) => t.endsWith(`-${v}`));
/** A variant's pipelines are compared with that variant's limit, the others with the ext4 one. */
const limitOf = (t: Tool): Tool => {
  const v = variantOf(t);
  return v ? `limit-${v}` : 'limit';
};
/** The erofs root's UUID and the epoch in the bench's erofs spec (the limit uses the same). */
const EROFS_UUID = '5a5a5a5a-0000-4000-8000-000000000003';
/** The root filesystem each variant puts into images/rpi4-usb-ssd.json (btrfs: the recipe as it is). */
const VARIANT_ROOT: Record<Variant, Record<string, unknown> | undefined> = {
  btrfs: undefined,
  erofs: { type: 'erofs', label: 'root', uuid: EROFS_UUID },
  squashfs: { type: 'squashfs' },
};

/** The spec of a variant: images/rpi4-usb-ssd.json, with the variant's root written into `work` when it is not btrfs. */
async function variantSpec(v: Variant, work: string): Promise<string> {
  const root = VARIANT_ROOT[v];
  if (!root) return BTRFS_SPEC;
  const spec = JSON.parse(await fsp.readFile(BTRFS_SPEC, 'utf8')) as { name: string; partitions: { name: string; filesystem: unknown }[] };
  delete (spec as Record<string, unknown>).$schema;
  spec.name = `rpi4-usb-ssd-${v}`;
  for (const p of spec.partitions) if (p.name === 'root') p.filesystem = root;
  const file = path.join(work, `rpi4-usb-ssd-${v}.json`);
  await fsp.writeFile(file, JSON.stringify(spec, null, 2));
  return file;
}

interface RunResult {
  tool: Tool;
  /** Set when the run failed (OOM, killed, exit != 0): what happened. */
  failed?: string;
  wall: number;
  /** CPU seconds (user + sys, the command and its children: /usr/bin/time %U + %S). */
  cpu?: number;
  /** ru_maxrss of the largest process, bytes. */
  maxRss: number;
  /** Peak of the sampled tree-wide RSS sum, bytes. */
  treeRss: number;
  /** Peak sampled RSS per command name. */
  byComm: Map<string, number>;
  phases: Map<string, number>;
  /** Output .img.zst, if any. */
  output?: string;
  imgSize?: number;
  zstSize?: number;
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

// ---------------------------------------------------------------------------
// Process tree RSS sampling

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ')) if (c.trim()) out.push(Number(c));
    } catch {
      // the task ended
    }
  }
  return out;
}

function rssOf(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ');
    return Number(f[1]) * 4096;
  } catch {
    return 0;
  }
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

const SAMPLE_MS = 100;

/** Samples the RSS sum of `root`'s descendants (the measured command and its children;
 *  root is /usr/bin/time) every 100 ms until stopped; also the peak per command name. */
function sampleTree(root: number): { stop: () => { peak: number; byComm: Map<string, number> } } {
  let peak = 0;
  const byComm = new Map<string, number>();
  const tick = () => {
    let sum = 0;
    const stack = childrenOf(root);
    const seen = new Set<number>();
    while (stack.length) {
      const p = stack.pop()!;
      if (seen.has(p)) continue;
      seen.add(p);
      const rss = rssOf(p);
      sum += rss;
      const comm = commOf(p);
      if (rss > (byComm.get(comm) ?? 0)) byComm.set(comm, rss);
      stack.push(...childrenOf(p));
    }
    if (sum > peak) peak = sum;
  };
  const timer = setInterval(tick, SAMPLE_MS);
  return {
    stop: () => {
      clearInterval(timer);
      return { peak, byComm };
    },
  };
}

// ---------------------------------------------------------------------------
// Running a measured command

interface Measured {
  wall: number;
  /** user + sys seconds of the command and its children. */
  cpu: number;
  maxRss: number;
  treeRss: number;
  byComm: Map<string, number>;
  stdout: string;
  stderr: string;
  /** Set when the command failed: "exit N" or "killed by SIGx" (from /usr/bin/time). */
  failure?: string;
}

const PATH_ENV = (): Record<string, string> => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', ...(process.env.HOME ? { HOME: process.env.HOME } : {}) });

async function measure(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; sync?: boolean; allowFailure?: boolean } = {}): Promise<Measured> {
  // Start from a clean page cache state: no dirty pages left by the previous command
  // (their writeback would otherwise be charged to this one). Not timed.
  if (opts.sync !== false) await execa('sync');
  const timeFile = path.join(os.tmpdir(), `imgsmith-bench-time-${process.pid}-${Date.now()}`);
  const t0 = performance.now();
  const child = execa(TIME, ['-f', '%e %M %U %S', '-o', timeFile, cmd, ...args], {
    cwd: opts.cwd ?? repoRoot,
    env: opts.env ?? PATH_ENV(),
    extendEnv: false,
    reject: false,
    all: false,
    maxBuffer: 256 * MiB,
  });
  const sampler = sampleTree(child.pid!);
  const r = await child;
  const wall = (performance.now() - t0) / 1000;
  const { peak: treeRss, byComm } = sampler.stop();
  const timeLines = existsSync(timeFile) ? readFileSync(timeFile, 'utf8').trim().split('\n') : [];
  await fsp.rm(timeFile, { force: true });
  const [, maxKb, user, sys] = (timeLines[timeLines.length - 1] ?? '').split(' ');
  let failure: string | undefined;
  if (r.exitCode !== 0) {
    const sig = timeLines.map((l) => /Command terminated by signal (\d+)/.exec(l)).find(Boolean);
    failure = sig ? `killed by signal ${sig[1]}${sig[1] === '9' ? ' (SIGKILL: the kernel OOM killer?)' : sig[1] === '6' ? ' (SIGABRT)' : ''}` : `exit ${r.exitCode}`;
    if (!opts.allowFailure) {
      throw new Error(`${cmd} ${args.join(' ')} failed (${failure}):\n${String(r.stderr).slice(-4000)}\n${String(r.stdout).slice(-2000)}`);
    }
  }
  return { wall, cpu: Number(user) + Number(sys), maxRss: Number(maxKb) * 1024, treeRss, byComm, stdout: String(r.stdout), stderr: String(r.stderr), ...(failure ? { failure } : {}) };
}

async function zstdSizes(file: string): Promise<{ imgSize: number; zstSize: number }> {
  const r = await execa('zstd', ['-lv', file]);
  const m = /Decompressed Size:.*\((\d+) B\)/.exec(r.stdout + r.stderr);
  if (!m) throw new Error(`zstd -lv ${file}: no decompressed size in the frame header`);
  return { imgSize: Number(m[1]), zstSize: (await fsp.stat(file)).size };
}

async function findFile(dir: string, suffix: string): Promise<string | undefined> {
  if (!existsSync(dir)) return undefined;
  for (const e of await fsp.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(suffix)) return path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
  }
  return undefined;
}

/** Removes a tree whose directories may be read-only (store layout), fast: only
 *  directories are made writable (never chmod the files: they are hard links to the closure). */
async function removeStage(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  await execa('sh', ['-c', 'find "$1" -type d ! -perm -u+w -exec chmod u+w {} + && rm -rf -- "$1"', 'sh', dir]);
}

// ---------------------------------------------------------------------------
// Inputs

interface Inputs {
  closure: BenchClosure;
  spec: string;
  /** closureInfo directory (/nix/store paths) and the store root it is read from. */
  closureInfo: string;
  storeRoot: string;
  /** Entries of the closure (files incl. hard links + dirs + symlinks), for RSS per entry. */
  entries: number;
}

/** Host paths of the store paths, one per line (for xargs cp -al). */
async function hostListFile(inp: Inputs, work: string): Promise<string> {
  const paths = (await fsp.readFile(path.join(inp.closureInfo, 'store-paths'), 'utf8')).split('\n').filter(Boolean);
  const f = path.join(work, 'store-paths.host');
  await fsp.writeFile(f, paths.map((p) => `${inp.storeRoot}${p}\n`).join(''));
  return f;
}

/** The store path a symlink inside the store points to, resolved on the host. */
async function storeTarget(inp: Inputs, storeLink: string): Promise<string> {
  let p = storeLink;
  for (let i = 0; i < 40; i++) {
    const host = inp.storeRoot + p;
    const st = await fsp.lstat(host);
    if (!st.isSymbolicLink()) return p;
    const t = await fsp.readlink(host);
    p = t.startsWith('/') ? t : path.posix.join(path.posix.dirname(p), t);
  }
  throw new Error(`too many symlinks: ${storeLink}`);
}

/** /boot as NixOS's extlinux builder lays it out (kernel, initrd, dtbs, extlinux.conf), staged once, untimed;
 *  the kernel, initrd and dtbs are hard links to the store's files (imgsmith shares their inodes too). */
async function prepareBoot(inp: Inputs, work: string): Promise<string> {
  const dir = path.join(work, 'boot-src');
  await removeStage(dir);
  const boot = path.join(dir, 'boot');
  await fsp.mkdir(path.join(boot, 'nixos'), { recursive: true });
  await fsp.mkdir(path.join(boot, 'extlinux'), { recursive: true });
  const top = inp.closure.toplevelStorePath;
  const clean = (p: string) => p.replace(/^\/nix\/store\//, '').replaceAll('/', '-');
  const names: Record<string, string> = {};
  for (const what of ['kernel', 'initrd', 'dtbs']) {
    const target = await storeTarget(inp, `${top}/${what}`);
    if (!existsSync(inp.storeRoot + target)) continue;
    names[what] = clean(target);
    // Hard links to the store's files, as imgsmith stores them (one inode for /boot/nixos/X and the store path's file).
    await execa('cp', ['-al', inp.storeRoot + target, path.join(boot, 'nixos', clean(target))]);
  }
  const params = (await fsp.readFile(`${inp.storeRoot}${top}/kernel-params`, 'utf8').catch(() => '')).trim();
  const conf = [
    '# Generated file, all changes will be lost on nixos-rebuild!', '', '# Change this to e.g. nixos-42 to temporarily boot to an older configuration.',
    'DEFAULT nixos-default', '', 'TIMEOUT 50', 'MENU TITLE ------------------------------------------------------------', '',
    'LABEL nixos-default', '  MENU LABEL NixOS - Default', `  LINUX ../nixos/${names.kernel}`, `  INITRD ../nixos/${names.initrd}`,
    `  APPEND init=${top}/init ${params}`, ...(names.dtbs ? [`  FDTDIR ../nixos/${names.dtbs}`] : []), '',
  ].join('\n');
  await fsp.writeFile(path.join(boot, 'extlinux', 'extlinux.conf'), conf);
  return boot;
}

/** The shell command that stages the root content as hard links (timed as a phase of limit and genimage). */
function stageCommand(stage: string, hostList: string, boot: string, registration: string): [string, string[]] {
  return ['sh', ['-c',
    'set -e; mkdir -p "$1/nix/store"; xargs -d "\\n" -a "$2" cp -al -t "$1/nix/store" --; cp -al "$3" "$1/boot"; cp "$4" "$1/nix-path-registration"',
    'sh', stage, hostList, boot, registration]];
}

/** When no imgsmith run gave the root's geometry: NixOS's size estimate for the staged root
 *  (make-ext4-fs.nix), rounded up to 1 MiB, 4 KiB blocks and the entries + 10% as inodes. */
async function estimateRoot(stage: string, root: RootGeometry): Promise<void> {
  const r = await execa('sh', ['-c', 'i=$(find "$1" | wc -l); b=$(du -s -c -B 4096 --apparent-size "$1" | tail -1 | awk \'{ print int($1 * 1.20) }\'); echo $i $((2 * 4096 * i + 4096 * b))', 'sh', stage]);
  const [inodes, size] = r.stdout.trim().split(' ').map(Number) as [number, number];
  root.size = Math.ceil(size / MiB) * MiB;
  root.inodes = Math.ceil(inodes * 1.1) + 64;
  root.blockSize = 4096;
}

// ---------------------------------------------------------------------------
// The pipelines

function parseImgsmithEvents(stdout: string): { phases: Map<string, number>; error?: string } {
  const phases = new Map<string, number>();
  // A phase id can run more than once (write-partition per partition): name each by its label
  // ("write:root"), which the phase-start with the same seq carries.
  const labels = new Map<unknown, string>();
  let error: string | undefined;
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    let ev: Record<string, unknown>;
    try {
      ev = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (ev.event === 'phase-start' && ev.seq !== undefined) labels.set(ev.seq, String(ev.label ?? ev.phase));
    if (ev.event === 'phase-end' && typeof ev.durationMs === 'number') {
      const name = labels.get(ev.seq) ?? String(ev.phase);
      phases.set(name, (phases.get(name) ?? 0) + ev.durationMs / 1000);
    }
    if (ev.event === 'error') error = String(ev.message ?? JSON.stringify(ev));
  }
  return { phases, ...(error !== undefined ? { error } : {}) };
}

const OOM_RE = /heap out of memory|Reached heap limit|Allocation failed|FatalProcessOutOfMemory|ERR_WORKER_OUT_OF_MEMORY|invalid (?:table|array) size/i;

async function runImgsmith(inp: Inputs, out: string, tool: 'imgsmith' | 'imgsmith-list' | `imgsmith-${Variant}`, heapMb?: number): Promise<RunResult> {
  const closureArg = tool === 'imgsmith-list' ? path.join(inp.closureInfo, 'store-paths') : inp.closureInfo;
  const v = variantOf(tool);
  const spec = v ? await variantSpec(v, path.dirname(out)) : inp.spec;
  // Only PATH and HOME: no IMGSMITH_MAX_HEAP_MB (unless --heap-mb), no NODE_OPTIONS: the CLI's default heap.
  const m = await measure(process.execPath, [
    path.join(repoRoot, 'bin', 'imgsmith.js'), 'build', spec,
    '--closure', closureArg,
    '--store-root', inp.storeRoot,
    '--toplevel', inp.closure.toplevelStorePath,
    '--firmware', inp.closure.firmware,
    '-o', out, '--json',
  ], { env: { ...PATH_ENV(), ...(heapMb !== undefined ? { IMGSMITH_MAX_HEAP_MB: String(heapMb) } : {}) }, allowFailure: true });
  const { phases, error } = parseImgsmithEvents(m.stdout);
  const base = { tool, wall: m.wall, cpu: m.cpu, maxRss: m.maxRss, treeRss: m.treeRss, byComm: m.byComm, phases };
  if (m.failure) {
    const oom = OOM_RE.test(m.stderr);
    const lines = m.stderr.split('\n').map((x) => x.trim()).filter(Boolean);
    const last = error ?? lines.find((x) => x.startsWith('imgsmith: error:')) ?? lines.find((x) => /error/i.test(x)) ?? lines[lines.length - 1] ?? '';
    const failed = oom ? `OOM: V8 heap limit reached with ${heapMb !== undefined ? `IMGSMITH_MAX_HEAP_MB=${heapMb}` : "the CLI's default heap"} (${m.failure})` : `${m.failure}: ${last.slice(0, 300)}`;
    log(`  imgsmith FAILED: ${failed}`);
    if (!oom) log(`  stderr tail:\n${m.stderr.slice(-2000)}`);
    return { ...base, failed };
  }
  const output = await findFile(out, '.img.zst');
  if (!output) return { ...base, failed: `no .img.zst in ${out}` };
  return { ...base, output, ...(await zstdSizes(output)) };
}

async function runNixos(inp: Inputs, out: string): Promise<RunResult> {
  const m = await measure('bash', [
    NIXOS_SCRIPT,
    '--store-root', inp.storeRoot,
    '--closure-info', inp.closureInfo,
    '--toplevel', inp.closure.toplevelStorePath,
    '--firmware', inp.closure.firmware,
    '--out', out,
    '--cores', String(os.availableParallelism()),
  ]);
  const phases = new Map<string, number>();
  let output: string | undefined;
  for (const line of m.stdout.split('\n')) {
    const p = /^PHASE (\S+) ([\d.]+)$/.exec(line);
    if (p && p[1] !== 'total') phases.set(p[1]!, (phases.get(p[1]!) ?? 0) + Number(p[2]));
    const o = /^OUTPUT (.+)$/.exec(line);
    if (o) output = o[1];
  }
  if (!output) throw new Error(`nixos-sd-image.sh printed no OUTPUT line:\n${m.stdout}`);
  return { tool: 'nixos', wall: m.wall, maxRss: m.maxRss, treeRss: m.treeRss, byComm: m.byComm, phases, output, ...(await zstdSizes(output)) };
}

/** Reads the start and size (bytes) of MBR partition `n` (1-based) from a .img.zst. */
async function mbrPartition(zst: string, n: number): Promise<{ start: number; size: number }> {
  const r = await execa('sh', ['-c', 'zstd -dc -- "$1" | head -c 512', 'sh', zst], { encoding: 'buffer' });
  const mbr = Buffer.from(r.stdout as Uint8Array);
  if (mbr.length < 512 || mbr[510] !== 0x55 || mbr[511] !== 0xaa) throw new Error(`${zst}: no MBR`);
  const e = 446 + (n - 1) * 16;
  return { start: mbr.readUInt32LE(e + 8) * 512, size: mbr.readUInt32LE(e + 12) * 512 };
}

/** imgsmith's ext4 geometry (inode count, block size) from the superblock at `start` in a .img.zst:
 *  the limit and genimage make the same filesystem (with mke2fs's default inode ratio a
 *  small-file closure would not fit in imgsmith's root size). */
async function ext4Geometry(zst: string, start: number): Promise<{ inodes: number; blockSize: number }> {
  const r = await execa('sh', ['-c', 'zstd -dc -- "$1" | head -c "$2" | tail -c 1024', 'sh', zst, String(start + 2048)], { encoding: 'buffer' });
  const sb = Buffer.from(r.stdout as Uint8Array);
  if (sb.length !== 1024 || sb.readUInt16LE(56) !== 0xef53) throw new Error(`${zst}: no ext4 superblock at ${start}`);
  return { inodes: sb.readUInt32LE(0), blockSize: 1024 << sb.readUInt32LE(24) };
}

/** The root filesystem the limit and genimage make: imgsmith's partition and geometry when known. */
interface RootGeometry {
  start: number;
  size?: number;
  inodes?: number;
  blockSize?: number;
}

/** mke2fs options for `root` (block size, inode count), when known. */
function geometryArgs(root: RootGeometry): string[] {
  return [...(root.blockSize ? ['-b', String(root.blockSize)] : []), ...(root.inodes ? ['-N', String(root.inodes)] : [])];
}

interface Staging {
  hostList: string;
  boot: string;
  registration: string;
}

/** Combines measured steps into one result (sums of walls, max of RSS). */
function combine(tool: Tool, steps: [string, Measured][], sizes?: { imgSize: number; zstSize: number }): RunResult {
  const byComm = new Map<string, number>();
  for (const [, m] of steps) for (const [k, v] of m.byComm) if (v > (byComm.get(k) ?? 0)) byComm.set(k, v);
  return {
    tool,
    wall: steps.reduce((s, [, m]) => s + m.wall, 0),
    cpu: steps.reduce((s, [, m]) => s + m.cpu, 0),
    maxRss: Math.max(...steps.map(([, m]) => m.maxRss)),
    treeRss: Math.max(...steps.map(([, m]) => m.treeRss)),
    byComm,
    phases: new Map(steps.map(([n, m]) => [n, m.wall])),
    ...(sizes ?? {}),
  };
}

/** Runs `fn` with a staging directory and an image file (and its .zst) under `work`,
 *  removed before and after. */
async function withScratch<T>(work: string, name: string, fn: (stage: string, img: string) => Promise<T>): Promise<T> {
  const stage = path.join(work, `${name}-stage`);
  const img = path.join(work, `${name}-root.img`);
  const clean = async () => {
    await fsp.rm(img, { force: true });
    await fsp.rm(`${img}.zst`, { force: true });
    await removeStage(stage);
  };
  await clean();
  try {
    return await fn(stage, img);
  } finally {
    await clean();
  }
}

async function runLimit(stg: Staging, root: RootGeometry, work: string): Promise<RunResult> {
  return withScratch(work, 'limit', (stage, img) => limitSteps(stg, root, stage, img));
}

async function limitSteps(stg: Staging, root: RootGeometry, stage: string, img: string): Promise<RunResult> {
  const [sc, sa] = stageCommand(stage, stg.hostList, stg.boot, stg.registration);
  const st = await measure(sc, sa);
  if (root.size === undefined) await estimateRoot(stage, root);
  await execa('truncate', ['-s', String(root.size), img]);
  // No sync between the steps: a pipeline writes, then compresses right away, like imgsmith.
  const mk = await measure('mke2fs', ['-q', '-F', '-t', 'ext4', ...geometryArgs(root), '-L', 'NIXOS_SD', '-U', EXT4_UUID, '-d', stage, img], { sync: false });
  const z = await measure('zstd', ['-T0', '-3', '-q', '-f', img, '-o', `${img}.zst`], { sync: false });
  return combine('limit', [['cp -al staging', st], ['mke2fs -d', mk], ['zstd -T0', z]], await zstdSizes(`${img}.zst`));
}

/** The btrfs limit: the same staging, mkfs.btrfs with imgsmith's options (src/fs/btrfs.ts)
 *  shrinking to the content (as imgsmith's does), zstd -T0 -3 of that file. */
async function runLimitBtrfs(stg: Staging, work: string): Promise<RunResult> {
  return withScratch(work, 'limit-btrfs', async (stage, img) => {
    const [sc, sa] = stageCommand(stage, stg.hostList, stg.boot, stg.registration);
    const st = await measure(sc, sa);
    await fsp.writeFile(img, '');
    const mk = await measure('mkfs.btrfs', [
      '-q', '-f', '-L', 'root', '-m', 'dup', '-d', 'single', '-n', '16384', '-s', '4096', '--csum', 'crc32c',
      '-O', 'extref,skinny-metadata,no-holes', '-R', 'free-space-tree', '--rootdir', stage, '--shrink', img,
    ], { sync: false });
    const z = await measure('zstd', ['-T0', '-3', '-q', '-f', img, '-o', `${img}.zst`], { sync: false });
    return combine('limit-btrfs', [['cp -al staging', st], ['mkfs.btrfs --rootdir --shrink', mk], ['zstd -T0', z]], await zstdSizes(`${img}.zst`));
  });
}

/** The erofs limit: the same staging, mkfs.erofs with imgsmith's options (src/fs/erofs.ts: no host
 *  xattrs, owners 0:0, the epoch, the UUID, lz4hc), zstd -T0 -3 of that file. */
async function runLimitErofs(stg: Staging, work: string): Promise<RunResult> {
  return withScratch(work, 'limit-erofs', async (stage, img) => {
    const [sc, sa] = stageCommand(stage, stg.hostList, stg.boot, stg.registration);
    const st = await measure(sc, sa);
    const mk = await measure('mkfs.erofs', ['--quiet', '-x', '-1', '--all-root', '-T', '1', '-U', EROFS_UUID, '-zlz4hc', img, stage], { sync: false });
    const z = await measure('zstd', ['-T0', '-3', '-q', '-f', img, '-o', `${img}.zst`], { sync: false });
    return combine('limit-erofs', [['cp -al staging', st], ['mkfs.erofs', mk], ['zstd -T0', z]], await zstdSizes(`${img}.zst`));
  });
}

/** The squashfs limit: the same staging, mksquashfs with imgsmith's arguments (src/fs/squashfs.ts:
 *  the spec's defaults, epoch 1), zstd -T0 -3 of the filesystem. */
async function runLimitSquashfs(stg: Staging, work: string): Promise<RunResult> {
  return withScratch(work, 'limit-squashfs', async (stage, img) => {
    const [sc, sa] = stageCommand(stage, stg.hostList, stg.boot, stg.registration);
    const st = await measure(sc, sa);
    const args = mksquashfsArgs({ type: 'squashfs', compression: 'zstd', blockSize: SQUASHFS_DEFAULT_BLOCK }, stage, img, 1);
    const mk = await measure('mksquashfs', args, { sync: false });
    const z = await measure('zstd', ['-T0', '-3', '-q', '-f', img, '-o', `${img}.zst`], { sync: false });
    return combine('limit-squashfs', [['cp -al staging', st], ['mksquashfs', mk], ['zstd -T0', z]], await zstdSizes(`${img}.zst`));
  });
}

/** Each variant's limit. */
const VARIANT_LIMIT: Record<Variant, (stg: Staging, work: string) => Promise<RunResult>> = {
  btrfs: runLimitBtrfs,
  erofs: runLimitErofs,
  squashfs: runLimitSquashfs,
};

/** The firmware files + config.txt (the text NixOS writes, from nixos-sd-image.sh) for genimage's inputpath: once, untimed. */
async function prepareGenimageInput(inp: Inputs, work: string): Promise<{ dir: string; files: string[] }> {
  const dir = path.join(work, 'genimage-input');
  await fsp.rm(dir, { recursive: true, force: true });
  await fsp.mkdir(dir, { recursive: true });
  const files = (await fsp.readdir(inp.closure.firmware)).sort();
  for (const f of files) await fsp.copyFile(path.join(inp.closure.firmware, f), path.join(dir, f));
  const script = await fsp.readFile(NIXOS_SCRIPT, 'utf8');
  const m = /cat > firmware\/config\.txt <<'EOF'\n([\s\S]*?)\nEOF\n/.exec(script);
  if (!m) throw new Error(`${NIXOS_SCRIPT}: no config.txt heredoc`);
  await fsp.writeFile(path.join(dir, 'config.txt'), `${m[1]}\n`);
  return { dir, files: [...files, 'config.txt'].sort() };
}

async function runGenimage(stg: Staging, input: { dir: string; files: string[] }, root: RootGeometry, work: string): Promise<RunResult> {
  const base = path.join(work, 'genimage');
  await removeStage(base);
  try {
    return await genimageSteps(stg, input, root, base);
  } finally {
    await removeStage(base);
  }
}

async function genimageSteps(stg: Staging, input: { dir: string; files: string[] }, root: RootGeometry, base: string): Promise<RunResult> {
  const stage = path.join(base, 'root-stage');
  const dirs = { rootpath: path.join(base, 'empty-rootpath'), tmppath: path.join(base, 'tmp'), outputpath: path.join(base, 'images'), inputpath: input.dir, config: path.join(base, 'genimage.cfg') };
  for (const d of [dirs.rootpath, dirs.tmppath, dirs.outputpath]) await fsp.mkdir(d, { recursive: true });
  const [sc, sa] = stageCommand(stage, stg.hostList, stg.boot, stg.registration);
  const st = await measure(sc, sa);
  if (root.size === undefined) await estimateRoot(stage, root);
  const imageName = 'rpi-aarch64.img';
  await fsp.writeFile(dirs.config, genimageConfig({
    imageName,
    firmwareFiles: input.files,
    firmwareStart: 8 * MiB,
    firmwareSize: 30 * MiB,
    rootStart: root.start,
    rootSize: root.size!,
    rootSrc: stage,
    mke2fsArgs: geometryArgs(root),
    labelId: LABEL_ID,
    fatLabel: 'FIRMWARE',
    fatVolumeId: LABEL_ID,
    ext4Label: 'NIXOS_SD',
    ext4Uuid: EXT4_UUID,
  }));
  const g = await measure('genimage', genimageArgs(dirs), { sync: false });
  const img = path.join(dirs.outputpath, imageName);
  const z = await measure('zstd', ['-T0', '-3', '-q', '-f', img, '-o', `${img}.zst`], { sync: false });
  return combine('genimage', [['cp -al staging', st], ['genimage', g], ['zstd -T0', z]], await zstdSizes(`${img}.zst`));
}

// ---------------------------------------------------------------------------
// --big9g inputs

function prngFill(buf: Buffer, seed: string, counter: bigint): void {
  const key = createHash('sha256').update(seed).digest();
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(counter, 8);
  const c = createCipheriv('aes-256-ctr', key, iv);
  const z = c.update(Buffer.alloc(buf.length));
  z.copy(buf);
}

async function big9gInputs(inp: Inputs, work: string): Promise<Inputs> {
  const closure = inp.closure;
  const dir = path.join(work, 'big9g');
  const storeRoot = path.join(dir, 'root');
  const storeDir = path.join(storeRoot, 'nix', 'store');
  const payloadName = 'bench-payload-9g';
  const payloadPath = `/nix/store/${nixBase32(createHash('sha256').update(`bench:${payloadName}:${closure.key}`).digest().subarray(0, 20))}-${payloadName}`;
  const ci = path.join(dir, 'closure-info');
  const stamp = path.join(dir, 'stamp');
  const stampText = `2:${closure.key}`;
  if (!existsSync(stamp) || (await fsp.readFile(stamp, 'utf8')) !== stampText) {
    log('preparing the --big9g closure (hard links to the large closure + a 6 GiB payload)');
    await removeTree(dir);
    await fsp.mkdir(storeDir, { recursive: true });
    const srcPaths = (await fsp.readFile(path.join(inp.closureInfo, 'store-paths'), 'utf8')).split('\n').filter(Boolean);
    const hostSrc = srcPaths.map((p) => inp.storeRoot + p);
    for (let i = 0; i < hostSrc.length; i += 500) await execa('cp', ['-al', ...hostSrc.slice(i, i + 500), storeDir]);
    const pdir = storeRoot + payloadPath;
    await fsp.mkdir(pdir);
    // 2 GiB incompressible, deterministic (AES-256-CTR keystream).
    const chunk = Buffer.alloc(4 * MiB);
    let fd = openSync(path.join(pdir, 'random.bin'), 'w');
    for (let i = 0; i < 512; i++) {
      prngFill(chunk, 'bench-payload', BigInt(i) * BigInt(chunk.length / 16));
      writeSync(fd, chunk);
    }
    closeSync(fd);
    // 4 GiB sparse: 1 MiB of data every 512 MiB.
    fd = openSync(path.join(pdir, 'sparse.bin'), 'w');
    const mib = Buffer.alloc(MiB);
    for (let i = 0; i < 8; i++) {
      prngFill(mib, 'bench-sparse', BigInt(i) * BigInt(MiB / 16));
      writeSync(fd, mib, 0, mib.length, i * 512 * MiB);
    }
    closeSync(fd);
    await fsp.truncate(path.join(pdir, 'sparse.bin'), 4 * 1024 * MiB);
    for (const f of ['random.bin', 'sparse.bin']) {
      await fsp.chmod(path.join(pdir, f), 0o444);
      await fsp.utimes(path.join(pdir, f), 1, 1);
    }
    await fsp.chmod(pdir, 0o555);
    await fsp.utimes(pdir, 1, 1);
    // Registration: the large closure's, plus the payload (real NAR hash and size); /nix/store paths.
    log('hashing the payload (NAR)');
    const nar = await narHash(pdir);
    const reg = await fsp.readFile(path.join(inp.closureInfo, 'registration'), 'utf8');
    await fsp.mkdir(ci, { recursive: true });
    await fsp.writeFile(path.join(ci, 'store-paths'), [...srcPaths, payloadPath].sort().map((p) => `${p}\n`).join(''));
    await fsp.writeFile(path.join(ci, 'registration'), `${reg}${payloadPath}\n${nar.hash}\n${nar.size}\n\n0\n`);
    await fsp.writeFile(stamp, stampText);
  }
  // The recipe with a fixed 9 GiB root partition.
  const spec = JSON.parse(await fsp.readFile(SPEC, 'utf8')) as { name: string; partitions: { name: string; size: string }[] };
  const root = spec.partitions.find((p) => p.name === 'root');
  if (!root) throw new Error(`${SPEC} has no partition named root`);
  root.size = '9GiB';
  spec.name = `${spec.name}-big9g`;
  const specFile = path.join(dir, 'rpi-aarch64-big9g.json');
  await fsp.writeFile(specFile, JSON.stringify(spec, null, 2) + '\n');
  return { ...inp, closure: { ...closure, storeRoot, toplevel: storeRoot + closure.toplevelStorePath }, spec: specFile, closureInfo: ci, storeRoot };
}

// ---------------------------------------------------------------------------
// Reporting

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};
const sec = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const mb = (x: number) => (Number.isFinite(x) && x > 0 ? (x / MB).toFixed(1) : '–');
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(2) : '–');
const bytes = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : `${x.toLocaleString('en-US')} (${(x / MiB).toFixed(1)} MiB)`);
const int = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');

interface Summary {
  tool: Tool;
  runs: number;
  /** Failure descriptions of the runs that failed. */
  failures: string[];
  wall: number;
  /** Median CPU seconds (NaN when not measured). */
  cpu: number;
  /** Per run (NaN for a failed run), in run order. */
  cpus: number[];
  maxRss: number;
  treeRss: number;
  imgSize: number;
  zstSize: number;
  phases: Map<string, number>;
  /** Per run (NaN for a failed run), in run order. */
  walls: number[];
  zstSizes: number[];
  /** Max over runs of the peak sampled RSS per command name. */
  byComm: Map<string, number>;
}

function summarize(tool: Tool, all: RunResult[]): Summary {
  const rs = all.filter((r) => !r.failed);
  const phaseNames: string[] = [];
  for (const r of rs) for (const k of r.phases.keys()) if (!phaseNames.includes(k)) phaseNames.push(k);
  return {
    tool,
    runs: rs.length,
    failures: all.filter((r) => r.failed).map((r) => r.failed!),
    wall: median(rs.map((r) => r.wall)),
    cpu: median(rs.map((r) => r.cpu ?? NaN)),
    cpus: all.map((r) => (r.failed ? NaN : (r.cpu ?? NaN))),
    maxRss: median(rs.map((r) => r.maxRss)),
    treeRss: median(rs.map((r) => r.treeRss)),
    // Sizes: the first successful run's (a pipeline that is not byte-reproducible can differ by a few bytes).
    imgSize: rs[0]?.imgSize ?? NaN,
    zstSize: rs[0]?.zstSize ?? NaN,
    phases: new Map(phaseNames.map((n) => [n, median(rs.map((r) => r.phases.get(n) ?? 0))])),
    walls: all.map((r) => (r.failed ? NaN : r.wall)),
    zstSizes: rs.map((r) => r.zstSize ?? NaN),
    byComm: all.reduce((m, r) => {
      for (const [k, v] of r.byComm) if (v > (m.get(k) ?? 0)) m.set(k, v);
      return m;
    }, new Map<string, number>()),
  };
}

function phaseTable(s: Summary): string {
  let t = `| ${TOOL_NAMES[s.tool]} phase | seconds (median of ${s.runs}) |\n| --- | ---: |\n`;
  for (const [n, v] of s.phases) t += `| ${n} | ${sec(v)} |\n`;
  t += `| **wall** | **${sec(s.wall)}** |\n`;
  if (Number.isFinite(s.cpu)) t += `| CPU (user + sys) | ${sec(s.cpu)} |\n`;
  return t;
}

async function toolVersion(cmd: string, args: string[], re?: RegExp): Promise<string> {
  try {
    const r = await execa(cmd, args, { reject: false, all: true });
    const text = String(r.all ?? '');
    if (re) return re.exec(text)?.[1] ?? '?';
    return text.split('\n').find((l) => l.trim())?.trim() ?? '?';
  } catch {
    return 'not installed';
  }
}

/** The imgsmith revision: HEAD, and whether src/ or bin/ have uncommitted changes. */
async function imgsmithRev(): Promise<string> {
  const rev = (await execa('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, reject: false })).stdout.trim();
  const dirty = (await execa('git', ['status', '--porcelain', '--', 'src', 'bin'], { cwd: repoRoot, reject: false })).stdout.trim();
  return dirty ? `${rev} + uncommitted changes` : rev;
}

async function machine(work: string, revAtStart: string, heapMb: number | undefined): Promise<string> {
  const cpu = os.cpus()[0]?.model ?? '?';
  const fs = (await execa('findmnt', ['-no', 'FSTYPE,SOURCE', '-T', work], { reject: false })).stdout.trim();
  const revNow = await imgsmithRev();
  const rev = revNow === revAtStart ? revNow : `${revAtStart} at the start, ${revNow} at the end (the code changed during the runs)`;
  const lines = [
    `- date: ${new Date().toISOString()}`,
    `- CPU: ${cpu}, ${os.availableParallelism()} cores; RAM: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`,
    `- disk: ${fs} (work dir ${work})`,
    `- kernel: ${os.release()}; ${(await toolVersion('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"']))}`,
    `- node ${process.versions.node}; imgsmith ${rev}, run with ${heapMb !== undefined ? `**IMGSMITH_MAX_HEAP_MB=${heapMb}** (--heap-mb)` : "the CLI's default heap (IMGSMITH_MAX_HEAP_MB and NODE_OPTIONS unset)"}`,
    `- e2fsprogs ${await toolVersion('mke2fs', ['-V'], /mke2fs ([\d.]+)/)}, zstd ${await toolVersion('zstd', ['-V'], /v([\d.]+)/)}, ` +
      `util-linux ${await toolVersion('sfdisk', ['--version'], /util-linux ([\d.]+)/)}, dosfstools ${await toolVersion('mkfs.vfat', ['--help'], /mkfs\.fat ([\d.]+)/)}, ` +
      `mtools ${await toolVersion('mtools', ['--version'], /([\d.]+)/)}, fakeroot ${await toolVersion('fakeroot', ['-v'], /version ([\d.]+)/)}, ` +
      `faketime ${await toolVersion('faketime', ['--version'], /([\d.]+)/)}, genimage ${await toolVersion('genimage', ['--version'], /(\d+)/)}, ` +
      `btrfs-progs ${await toolVersion('mkfs.btrfs', ['--version'], /v([\d.]+)/)}, erofs-utils ${await toolVersion('mkfs.erofs', ['-V'], /(?:erofs|\)) ([\d.]+)/)}, ` +
      `squashfs-tools ${await toolVersion('mksquashfs', ['-version'], /version ([\d.]+)/)}`,
  ];
  return lines.join('\n');
}

interface Targets {
  /** NixOS wall / imgsmith wall >= this. */
  nixosSpeedup?: number;
  /** imgsmith wall / limit wall <= this. */
  limitRatio?: number;
  /** Per root variant: imgsmith wall on the Pi 4 USB-SSD recipe with that root / that variant's limit's wall <= this
   *  (btrfs; erofs: issue 25; squashfs). */
  variantLimitRatio?: Partial<Record<Variant, number>>;
  /** Peak RSS (process tree) <= this many MB. */
  rssMb?: number;
  /** Must complete with the CLI's default heap. */
  noOom?: boolean;
}

/** The issues' targets per size (none for small and tiny: shown for information): issue 19's
 *  (NixOS >= 8x slower than imgsmith on large; imgsmith <= 0.6x the limit on large, 300k and 1m). */
function targetsFor(size: Size, big9g: boolean): Targets {
  // (--heap-mb runs are reported against the same targets but never written to RESULTS.md.)
  if (big9g) return { rssMb: 256 };
  switch (size) {
    case 'large':
      return { nixosSpeedup: 8, limitRatio: 0.6, variantLimitRatio: { btrfs: 1.15, erofs: 1.15, squashfs: 1.15 }, rssMb: 256, noOom: true };
    case '300k':
      return { limitRatio: 0.6, noOom: true };
    case '1m':
      return { limitRatio: 0.6, rssMb: 512, noOom: true };
    case '2m':
      return { noOom: true };
    default:
      return {};
  }
}

function describeClosure(c: BenchClosure, entries: number): string {
  const n = (x: number | undefined) => (x ?? 0).toLocaleString('en-US');
  let s = `${c.paths.toLocaleString('en-US')} store paths, ${n(entries)} entries: ${n(c.files)} files${c.hardLinks ? ` (${n(c.hardLinks)} of them hard links)` : ''}, ` +
    `${n(c.dirs)} directories, ${n(c.symlinks)} symlinks; ${(c.bytes / MiB).toFixed(0)} MiB of file contents`;
  s += c.synthetic
    ? ' (synthetic small files, see bench/synthetic.ts).'
    : ' (Debian bookworm arm64 packages, see bench/closure.ts).';
  if (c.generation) {
    s += ` Generated in ${c.generation.totalSeconds.toFixed(1)} s (writing ${c.generation.writeSeconds.toFixed(1)} s, NAR hashing from memory ${c.generation.narSeconds.toFixed(1)} s).`;
  }
  return s;
}

/** The line comparing imgsmith-FS with the FS limit (wall and CPU, per run), or nothing. */
function ownLimitLine(sums: Partial<Record<Tool, Summary>>, fs: Variant): string {
  const a = sums[`imgsmith-${fs}`];
  const l = sums[`limit-${fs}`];
  if (!a || !l) return '';
  const per = (x: number[], y: number[]) => x.map((v, i) => ratio(v, y[i] ?? NaN)).join(', ');
  return `- ${fs} (Pi 4 USB-SSD recipe, ${fs} root) imgsmith / ${fs} limit: wall ${ratio(a.wall, l.wall)} (per run: ${per(a.walls, l.walls)}), CPU ${ratio(a.cpu, l.cpu)} (per run: ${per(a.cpus, l.cpus)})\n`;
}

/** The target row for imgsmith-FS within `max` times the FS limit. */
function ownLimitRow(sums: Partial<Record<Tool, Summary>>, fs: Variant, max: number): string {
  const a = sums[`imgsmith-${fs}`];
  const l = sums[`limit-${fs}`]!;
  const ok = !!a && a.runs > 0 && a.wall <= max * l.wall;
  return `| ${fs}: imgsmith <= ${max}x the ${fs} limit | wall ${ratio(a?.wall ?? NaN, l.wall)}, CPU ${ratio(a?.cpu ?? NaN, l.cpu)} | ${ok ? 'met' : '**not met**'} (wall) |`;
}

function report(size: Size, inp: Inputs, sums: Partial<Record<Tool, Summary>>, mach: string, big9g: boolean): string {
  const pass = (ok: boolean) => (ok ? 'met' : '**not met**');
  const a = sums.imgsmith;
  const l = sums.limit;
  const n = sums.nixos;
  const g = sums.genimage;
  const list = sums['imgsmith-list'];
  const t = targetsFor(size, big9g);
  let md = `## ${big9g ? 'big9g (9 GiB image, imgsmith only)' : `${size} closure`}\n\n`;
  md += `Closure: ${describeClosure(inp.closure, inp.entries)}` + (big9g ? ' Plus a payload of 2 GiB random data and a 4 GiB sparse file; root partition fixed at 9 GiB.' : '') + '\n\n';
  md += `Machine:\n${mach}\n\n`;

  // One row per pipeline.
  md += '| pipeline | runs ok | wall (s, median) | wall / limit | CPU (s, user + sys) | CPU / limit | peak RSS, tree (MB) | peak RSS, largest process (MB) | RSS per entry (bytes) | .img size (bytes) | .img.zst size (bytes) |\n';
  md += '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n';
  for (const s of Object.values(sums)) {
    const runsOk = `${s.runs}/${s.runs + s.failures.length}`;
    const lim = sums[limitOf(s.tool)];
    md += `| ${TOOL_NAMES[s.tool]} | ${runsOk} | ${sec(s.wall)} | ${lim ? ratio(s.wall, lim.wall) : '–'} | ${sec(s.cpu)} | ${lim ? ratio(s.cpu, lim.cpu) : '–'} | ${mb(s.treeRss)} | ${mb(s.maxRss)} | ` +
      `${s.tool.startsWith('imgsmith') ? int(s.treeRss / inp.entries) : '–'} | ${bytes(s.imgSize)} | ${bytes(s.zstSize)} |\n`;
  }
  md += '\n';
  const perRun = (x: Summary, y: Summary) => x.walls.map((w, i) => ratio(w, y.walls[i] ?? NaN)).join(', ');
  if (a && l) md += `- imgsmith / limit: ${ratio(a.wall, l.wall)} (per run: ${perRun(a, l)})\n`;
  for (const v of VARIANTS) md += ownLimitLine(sums, v);
  if (a && n) md += `- NixOS / imgsmith: ${ratio(n.wall, a.wall)} (per run: ${perRun(n, a)})\n`;
  if (a && g) md += `- genimage / imgsmith: ${ratio(g.wall, a.wall)} (per run: ${perRun(g, a)}); genimage / limit: ${l ? ratio(g.wall, l.wall) : '–'}\n`;
  if (a && list) md += `- store-path list / closureInfo (the cost of computing the registration in imgsmith): ${ratio(list.wall, a.wall)} (per run: ${perRun(list, a)}); ${list.wall >= a.wall ? '+' : ''}${sec(list.wall - a.wall)} s\n`;
  for (const s of Object.values(sums)) {
    if (s.failures.length) md += `- **${TOOL_NAMES[s.tool]} failed in ${s.failures.length} run(s)**: ${[...new Set(s.failures)].join('; ')}\n`;
  }
  md += `- all walls (s): ${Object.values(sums).map((s) => `${s.tool} ${s.walls.map(sec).join(', ')}`).join('; ')}\n`;
  const comms = (s: Summary) => [...s.byComm].filter(([, v]) => v >= 4 * MB).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${mb(v)}`).join(', ');
  md += `- peak sampled RSS by command (MB, max over runs, >= 4 MB): ${Object.values(sums).map((s) => `${s.tool}: ${comms(s) || '–'}`).join('; ')}\n`;
  md += `- distinct .img.zst sizes over the runs: ${Object.values(sums).map((s) => `${s.tool} ${[...new Set(s.zstSizes)].map((x) => x.toLocaleString('en-US')).join(', ')}`).join('; ')}\n\n`;

  // Targets.
  const rows: string[] = [];
  const ok = a && a.runs > 0;
  if (t.nixosSpeedup !== undefined && n) {
    rows.push(`| imgsmith >= ${t.nixosSpeedup}x faster than NixOS | NixOS / imgsmith = ${ratio(n.wall, a?.wall ?? NaN)} | ${pass(!!ok && n.wall / a!.wall >= t.nixosSpeedup)} |`);
  }
  if (t.limitRatio !== undefined && l) {
    rows.push(`| imgsmith <= ${t.limitRatio}x the limit | imgsmith / limit = ${ratio(a?.wall ?? NaN, l.wall)} | ${pass(!!ok && a!.wall <= t.limitRatio * l.wall)} |`);
  }
  for (const v of VARIANTS) {
    const max = t.variantLimitRatio?.[v];
    if (max !== undefined && sums[`limit-${v}`]) rows.push(ownLimitRow(sums, v, max));
  }
  if (t.rssMb !== undefined) {
    rows.push(`| imgsmith peak RSS (process tree) <= ${t.rssMb} MB | ${mb(a?.treeRss ?? NaN)} MB (largest process ${mb(a?.maxRss ?? NaN)} MB) | ${pass(!!ok && a!.treeRss <= t.rssMb * MB)} |`);
  }
  if (t.noOom) {
    const fails = a?.failures ?? [];
    rows.push(`| imgsmith completes without IMGSMITH_MAX_HEAP_MB | ${fails.length ? fails.join('; ') : `${a?.runs ?? 0} of ${a?.runs ?? 0} runs completed`} | ${pass(!!ok && fails.length === 0)} |`);
  }
  if (n && a && size === 'large') {
    rows.push(`| .img size <= NixOS's | ${bytes(a.imgSize)} vs ${bytes(n.imgSize)} | ${pass(a.imgSize <= n.imgSize)} |`);
    rows.push(`| .img.zst <= NixOS's + 1% | ${((a.zstSize / n.zstSize - 1) * 100).toFixed(2)}% | ${pass(a.zstSize <= n.zstSize * 1.01)} |`);
  }
  if (rows.length) md += `| target | measured | |\n| --- | --- | --- |\n${rows.join('\n')}\n\n`;
  else md += `Targets: none for the ${size} size (defined for large, 300k, 1m, 2m).\n\n`;

  for (const s of Object.values(sums)) md += `${phaseTable(s)}\n`;
  return md;
}

async function writeResults(section: string, md: string): Promise<void> {
  const begin = `<!-- bench:${section} -->`;
  const end = `<!-- /bench:${section} -->`;
  let text = existsSync(RESULTS) ? await fsp.readFile(RESULTS, 'utf8') : '';
  if (!text.trim()) {
    text =
      '# Benchmark results\n\n' +
      'Written by `npm run bench` (bench/run.ts): imgsmith vs bench/nixos-sd-image.sh, genimage and the ' +
      'cp -al + mke2fs -d + zstd limit. See bench/run.ts for what each metric measures.\n\n';
  }
  const block = `${begin}\n${md}${end}\n`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length + 1) : `${text.trimEnd()}\n\n${block}`;
  await fsp.writeFile(RESULTS, text);
}

// ---------------------------------------------------------------------------

interface Flags {
  runs: number;
  heapMb?: number;
  big9g: boolean;
  imgsmith: boolean;
  pathsList: boolean;
  /** undefined: on the Debian sizes only. */
  nixos: boolean | undefined;
  limit: boolean;
  genimage: boolean;
  /** Per root variant: run its pipelines (imgsmith on the Pi 4 USB-SSD recipe with that root, the variant's limit). */
  variants: Record<Variant, boolean>;
  keep: boolean;
  write: boolean;
}

async function loadInputs(size: Size): Promise<Inputs> {
  const closure = isSyntheticSize(size) ? await ensureSyntheticClosure(size) : await ensureClosure(size as 'small' | 'large');
  const entries = closure.files + closure.dirs + closure.symlinks;
  return { closure, spec: SPEC, closureInfo: closure.closureInfo, storeRoot: closure.storeRoot, entries };
}

/** Runs a peer; a failure (e.g. the content does not fit) is recorded, not fatal. */
async function orFailed(tool: Tool, f: () => Promise<RunResult>): Promise<RunResult> {
  try {
    return await f();
  } catch (err) {
    const msg = (err instanceof Error ? err.message : String(err)).split('\n').filter(Boolean);
    const failed = [msg[0], ...msg.slice(1).filter((l) => /error|could not|no space|fail/i.test(l)).slice(0, 2)].join(' / ').slice(0, 400);
    log(`  ${tool} FAILED: ${failed}`);
    return { tool, failed, wall: NaN, maxRss: NaN, treeRss: NaN, byComm: new Map(), phases: new Map() };
  }
}

/** Which pipelines run for this size and these flags (--big9g: imgsmith alone). */
function pipelinesToRun(f: Flags, synthetic: boolean): Record<Tool, boolean> {
  const peers = !f.big9g;
  const run: Partial<Record<Tool, boolean>> = {
    imgsmith: f.imgsmith,
    'imgsmith-list': f.imgsmith && f.pathsList && peers,
    nixos: (f.nixos ?? !synthetic) && peers,
    limit: f.limit && peers,
    genimage: f.genimage && peers,
  };
  for (const v of VARIANTS) {
    run[`imgsmith-${v}`] = f.variants[v] && f.imgsmith && peers;
    run[`limit-${v}`] = f.variants[v] && f.limit && peers;
  }
  return run as Record<Tool, boolean>;
}

/** What one size's pipelines share. */
interface SizeRun {
  size: Size;
  f: Flags;
  inp: Inputs;
  work: string;
  run: Record<Tool, boolean>;
  results: Record<Tool, RunResult[]>;
  stg: Staging | undefined;
}

function note(r: RunResult): void {
  log(r.failed ? `  FAILED: ${r.failed}` : `  wall ${sec(r.wall)} s, CPU ${sec(r.cpu ?? NaN)} s, tree RSS ${mb(r.treeRss)} MB, max RSS ${mb(r.maxRss)} MB, img ${r.imgSize}, zst ${r.zstSize}`);
}

/** Run i of an imgsmith pipeline, recorded; `after` sees the result before the output is removed
 *  (kept after the last run with --keep). */
async function imgsmithOnce(c: SizeRun, tool: 'imgsmith' | 'imgsmith-list' | `imgsmith-${Variant}`, i: number, after?: (r: RunResult) => Promise<void>): Promise<void> {
  const out = path.join(c.work, `${tool}-${i}`);
  await removeTree(out);
  log(`${c.size} run ${i}/${c.f.runs}: ${TOOL_NAMES[tool]}`);
  const r = await runImgsmith(c.inp, out, tool, c.f.heapMb);
  c.results[tool].push(r);
  note(r);
  await after?.(r);
  if (!c.f.keep || i < c.f.runs) await removeTree(out);
}

/** Run i of a peer (a failure is recorded, not fatal). */
async function peerOnce(c: SizeRun, tool: Tool, i: number, what: string, f: () => Promise<RunResult>): Promise<void> {
  log(`${c.size} run ${i}/${c.f.runs}: ${what}`);
  const r = await orFailed(tool, f);
  c.results[tool].push(r);
  note(r);
}

/** Run i of the root variants: each variant's imgsmith pipeline, then its limit. */
async function runVariants(c: SizeRun, i: number): Promise<void> {
  for (const v of VARIANTS) {
    if (c.run[`imgsmith-${v}`]) await imgsmithOnce(c, `imgsmith-${v}`, i);
    if (c.run[`limit-${v}`]) await peerOnce(c, `limit-${v}`, i, TOOL_NAMES[`limit-${v}`], () => VARIANT_LIMIT[v](c.stg!, c.work));
  }
}

/** The one-line summary of a size (logged at the end). */
function summaryLine(label: string, sums: Partial<Record<Tool, Summary>>): string {
  const a = sums.imgsmith;
  return `${label}: imgsmith ${a ? `${sec(a.wall)} s, ${mb(a.treeRss)} MB${a.failures.length ? `, ${a.failures.length} failed` : ''}` : '–'}` +
    (sums.limit ? `; limit ${sec(sums.limit.wall)} s (imgsmith/limit ${ratio(a?.wall ?? NaN, sums.limit.wall)})` : '') +
    (sums.nixos ? `; NixOS ${sec(sums.nixos.wall)} s (NixOS/imgsmith ${ratio(sums.nixos.wall, a?.wall ?? NaN)})` : '') +
    (sums.genimage ? `; genimage ${sec(sums.genimage.wall)} s` : '') +
    VARIANTS.map((v) => {
      const av = sums[`imgsmith-${v}`];
      const lv = sums[`limit-${v}`];
      return av && lv ? `; ${v}: imgsmith ${sec(av.wall)} s / ${sec(av.cpu)} s CPU, limit ${sec(lv.wall)} s / ${sec(lv.cpu)} s CPU (CPU ratio ${ratio(av.cpu, lv.cpu)})` : '';
    }).join('');
}

async function benchSize(size: Size, f: Flags): Promise<{ md?: string; summary: string }> {
  let inp = await loadInputs(size);
  const work = path.join(cacheRoot(), 'work');
  await fsp.mkdir(work, { recursive: true });
  log(`${size}: ${describeClosure(inp.closure, inp.entries)}`);
  log(`work dir ${work}; ${(await execa('df', ['-h', work])).stdout.split('\n')[1]}`);
  if (f.big9g) inp = await big9gInputs(inp, work);
  const run = pipelinesToRun(f, isSyntheticSize(size));
  const staged = run.limit || run.genimage || VARIANTS.some((v) => run[`limit-${v}`]);
  const stg: Staging | undefined = staged
    ? { hostList: await hostListFile(inp, work), boot: await prepareBoot(inp, work), registration: path.join(inp.closureInfo, 'registration') }
    : undefined;
  const gInput = run.genimage ? await prepareGenimageInput(inp, work) : undefined;

  const revAtStart = await imgsmithRev();
  const results = Object.fromEntries(TOOLS.map((t) => [t, []])) as unknown as Record<Tool, RunResult[]>;
  const c: SizeRun = { size, f, inp, work, run, results, stg };
  // The limit and genimage use imgsmith's root partition (start, size); without a
  // successful imgsmith run: NixOS's, else 38 MiB and NixOS's size estimate.
  const root: RootGeometry = { start: 38 * MiB };
  let rootFromImgsmith = false;
  const takeRoot = async (zst: string, fromImgsmith: boolean) => {
    if (rootFromImgsmith || (root.size !== undefined && !fromImgsmith)) return;
    const p = await mbrPartition(zst, 2);
    root.start = p.start;
    root.size = p.size;
    Object.assign(root, await ext4Geometry(zst, p.start));
    rootFromImgsmith = fromImgsmith;
  };
  for (let i = 1; i <= f.runs; i++) {
    for (const tool of ['imgsmith', 'imgsmith-list'] as const) {
      if (run[tool]) await imgsmithOnce(c, tool, i, async (r) => (r.output ? takeRoot(r.output, true) : undefined));
    }
    if (run.nixos) {
      const out = path.join(work, `nixos-${i}`);
      await removeTree(out);
      log(`${size} run ${i}/${f.runs}: NixOS`);
      const r = await runNixos(inp, out);
      results.nixos.push(r);
      note(r);
      await takeRoot(r.output!, false);
      await removeTree(path.join(out, 'build'));
      if (!f.keep || i < f.runs) await removeTree(out);
    }
    if (run.limit) {
      const into = root.size !== undefined ? `${root.size} bytes, ${root.inodes} inodes` : 'an estimated size';
      await peerOnce(c, 'limit', i, `limit (cp -al + mke2fs -d into ${into} + zstd -T0)`, () => runLimit(stg!, root, work));
    }
    if (run.genimage) await peerOnce(c, 'genimage', i, 'genimage', () => runGenimage(stg!, gInput!, root, work));
    await runVariants(c, i);
  }
  await removeStage(path.join(work, 'boot-src'));
  await removeStage(path.join(work, 'genimage-input'));
  await fsp.rm(path.join(work, 'store-paths.host'), { force: true });

  const sums: Partial<Record<Tool, Summary>> = {};
  for (const tool of TOOLS) if (results[tool].length) sums[tool] = summarize(tool, results[tool]);
  const md = report(size, inp, sums, await machine(work, revAtStart, f.heapMb), f.big9g);
  return { md, summary: summaryLine(f.big9g ? 'big9g' : size, sums) };
}

// ---------------------------------------------------------------------------
// --holes (issue 19): packaging cost must follow the data, not the disk size.

/** The arm-drive recipe with a 2 GiB root and a last partition without a filesystem filling 1 TiB. */
function holesSpec1T(): Record<string, unknown> {
  const spec = JSON.parse(readFileSync(path.join(repoRoot, 'images', 'arm-drive.json'), 'utf8')) as { name: string; size: string; partitions: Record<string, unknown>[] };
  spec.name = 'arm-drive-1t';
  spec.size = '1TiB';
  spec.partitions[2]!.size = '2GiB';
  spec.partitions.push({ name: 'data', type: 'linux', size: 'fill', filesystem: { type: 'raw' } });
  return spec;
}

/**
 * `npm run bench -- --holes`: builds images/arm-drive.json (16 GiB disk) and a 1 TiB spec
 * (the same with a 1 TiB raw fill partition) with the tiny synthetic closure, once each,
 * and prints wall, CPU (user + sys of the whole tree) and imgsmith's phase times.
 * Nothing is written to RESULTS.md.
 */
async function benchHoles(): Promise<void> {
  const inp = await loadInputs('tiny');
  const work = await fsp.mkdtemp(path.join(cacheRoot(), 'holes-'));
  try {
    const spec1t = path.join(work, 'arm-drive-1t.json');
    await fsp.writeFile(spec1t, JSON.stringify(holesSpec1T(), null, 2));
    const lines: string[] = ['| spec | disk | wall s | CPU s (user+sys) | phases (s) | .img.zst bytes | .img.zst sha256 |', '|---|---|---:|---:|---|---:|---|'];
    for (const [name, spec, disk] of [['arm-drive', path.join(repoRoot, 'images', 'arm-drive.json'), '16 GiB'], ['1 TiB fill', spec1t, '1 TiB']] as const) {
      const out = path.join(work, name.replace(/\W+/g, '-'));
      const timeFile = path.join(work, 'time');
      const t0 = performance.now();
      const r = await execa(TIME, ['-f', '%e %U %S', '-o', timeFile, process.execPath, path.join(repoRoot, 'bin', 'imgsmith.js'), 'build', spec,
        '--closure', inp.closureInfo, '--store-root', inp.storeRoot, '--toplevel', inp.closure.toplevelStorePath, '--firmware', inp.closure.firmware,
        '-o', out, '--json'], { env: PATH_ENV(), extendEnv: false, reject: false, cwd: repoRoot });
      const wall = (performance.now() - t0) / 1000;
      if (r.exitCode !== 0) throw new Error(`imgsmith build ${spec} failed:\n${String(r.stderr).slice(-2000)}`);
      const [, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      const { phases } = parseImgsmithEvents(String(r.stdout));
      const zst = await findFile(out, '.img.zst');
      const phaseText = [...phases].map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
      const zsha = zst ? (await execa('sha256sum', [zst])).stdout.split(' ')[0]!.slice(0, 16) : '-';
      lines.push(`| ${name} | ${disk} | ${wall.toFixed(2)} | ${(user! + sys!).toFixed(2)} | ${phaseText} | ${zst ? (await fsp.stat(zst)).size : '-'} | ${zsha} |`);
      log(lines[lines.length - 1]!);
      await removeTree(out);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await removeTree(work);
  }
}

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('npm run bench --')
    .option('size', { type: 'string', default: 'large,300k,1m', describe: `Closure size(s), comma-separated: ${SIZES.join(', ')}` })
    .option('runs', { type: 'number', default: 3, describe: 'Runs of each pipeline' })
    .option('big9g', { type: 'boolean', default: false, describe: 'imgsmith alone on a 9 GiB image (large closure + payload)' })
    .option('imgsmith', { type: 'boolean', default: true, describe: 'Run imgsmith (--no-imgsmith to test the peers alone)' })
    .option('paths-list', { type: 'boolean', default: true, describe: 'Also run imgsmith on the plain store-path list (it computes the registration; --no-paths-list to skip)' })
    .option('nixos', { type: 'boolean', describe: 'Run the NixOS baseline (default: on the Debian sizes small/large only; --nixos on every size, --no-nixos never)' })
    .option('limit', { type: 'boolean', default: true, describe: 'Run the cp -al + mke2fs + zstd limit (--no-limit to skip)' })
    .option('genimage', { type: 'boolean', default: true, describe: 'Run genimage (--no-genimage to skip)' })
    .option('btrfs', { type: 'boolean', default: true, describe: 'Run imgsmith on the Pi 4 USB-SSD recipe (btrfs root) and the btrfs limit (--no-btrfs to skip)' })
    .option('erofs', { type: 'boolean', default: true, describe: 'Run imgsmith on the Pi 4 USB-SSD recipe with an erofs root and the erofs limit (--no-erofs to skip)' })
    .option('squashfs', { type: 'boolean', default: true, describe: 'Run imgsmith on the Pi 4 USB-SSD recipe with a squashfs root and the squashfs limit (--no-squashfs to skip)' })
    .option('heap-mb', { type: 'number', describe: 'Run imgsmith with IMGSMITH_MAX_HEAP_MB=N (default: unset, the CLI default heap, as the targets require)' })
    .option('keep', { type: 'boolean', default: false, describe: 'Keep the last outputs of imgsmith and NixOS' })
    .option('write', { type: 'boolean', default: true, describe: 'Write bench/RESULTS.md (--no-write to skip; never for tiny)' })
    .option('holes', { type: 'boolean', default: false, describe: 'Only the holes case: packaging time of arm-drive (16 GiB) and a 1 TiB fill spec (tiny closure)' })
    .strict()
    .help()
    .parse();
  if (!existsSync(TIME)) throw new Error(`${TIME} is missing: apt-get install -y time`);
  if (argv.holes) {
    await benchHoles();
    return;
  }
  const sizes = (argv.big9g ? ['large'] : argv.size.split(',').map((s) => s.trim()).filter(Boolean)) as Size[];
  for (const s of sizes) if (!SIZES.includes(s)) throw new Error(`unknown size "${s}" (expected ${SIZES.join(', ')})`);
  if (argv.genimage && !argv.big9g && !(await execa('genimage', ['--version'], { reject: false })).stdout) {
    throw new Error('genimage is not installed: apt-get install -y genimage (or --no-genimage)');
  }
  if (process.env.IMGSMITH_MAX_HEAP_MB || /max-old-space-size/.test(process.env.NODE_OPTIONS ?? '')) {
    log('note: IMGSMITH_MAX_HEAP_MB / NODE_OPTIONS are set here but not passed to imgsmith (it runs with the CLI default heap)');
  }
  const flags: Flags = {
    runs: argv.runs, ...(argv['heap-mb'] !== undefined ? { heapMb: argv['heap-mb'] } : {}), big9g: argv.big9g, imgsmith: argv.imgsmith, pathsList: argv['paths-list'], nixos: argv.nixos,
    limit: argv.limit, genimage: argv.genimage, variants: { btrfs: argv.btrfs, erofs: argv.erofs, squashfs: argv.squashfs }, keep: argv.keep, write: argv.write,
  };
  const summaries: string[] = [];
  for (const size of sizes) {
    const { md, summary } = await benchSize(size, flags);
    summaries.push(summary);
    if (md) process.stdout.write(`${md}\n`);
    if (md && argv.write && size !== 'tiny' && argv.imgsmith && argv['heap-mb'] === undefined) {
      await writeResults(argv.big9g ? 'big9g' : size, md);
      log(`wrote ${path.relative(process.cwd(), RESULTS)} (section ${argv.big9g ? 'big9g' : size})`);
    }
  }
  log(`done:\n${summaries.map((s) => `  ${s}`).join('\n')}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
