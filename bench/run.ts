/**
 * Benchmark: imgsmith vs a faithful re-implementation of NixOS's SD image build
 * (bench/nixos-sd-image.sh), on a generated closure of real Debian arm64 binaries
 * (bench/closure.ts).
 *
 *   npm run bench -- --size small|large [--runs N] [--big9g] [--keep] [--no-write]
 *
 * For each run, imgsmith and NixOS alternate (a b a b ...), each into a fresh output
 * directory; then the "limit" runs: mke2fs -d alone into a file of imgsmith's root
 * partition size, from a staged tree of hard links to the same content, plus
 * `zstd -T0` of the result. Every command runs under /usr/bin/time, while /proc
 * is sampled for the whole process tree.
 *
 * What is measured:
 *  - wall: elapsed seconds of the command, until the .img.zst exists;
 *  - phases: imgsmith's --json phase-end durations, the script's PHASE lines;
 *  - peak RSS (largest process): /usr/bin/time's %M, i.e. ru_maxrss of wait4(),
 *    which on Linux is the peak RSS of the largest single process in the tree
 *    (not the sum);
 *  - peak RSS (tree sum): the largest sum of VmRSS over all processes of the tree,
 *    sampled every 50 ms from /proc (short-lived processes can be missed; daemons
 *    that detach, like fakeroot's faked, are not in the tree);
 *  - .img size: the uncompressed image size recorded in the .zst frame header
 *    (the apparent size of the .img); .img.zst size: the file's size.
 * Reported numbers are medians over the runs; ratios are of the medians. `sync` runs
 * (untimed) before each pipeline, so no pipeline pays for the previous one's writeback.
 *
 * --big9g: imgsmith alone builds a 9 GiB image: the large closure plus a payload
 * store path (2 GiB of incompressible pseudo-random data and a 4 GiB sparse file
 * with 8 MiB of data), with the recipe's root partition fixed at 9 GiB (a copy of
 * images/rpi-aarch64.json). It checks that memory does not grow with the image.
 *
 * Results are printed as markdown and written to bench/RESULTS.md (one section per
 * size, with a description of the machine), unless --no-write.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { existsSync, openSync, readFileSync, readdirSync, closeSync, writeSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { cacheRoot, ensureClosure, narHash, nixBase32, removeTree, repoRoot, type BenchClosure, type BenchSize } from './closure.ts';

const TIME = '/usr/bin/time';
const SPEC = path.join(repoRoot, 'images', 'rpi-aarch64.json');
const NIXOS_SCRIPT = path.join(repoRoot, 'bench', 'nixos-sd-image.sh');
const RESULTS = path.join(repoRoot, 'bench', 'RESULTS.md');
const MB = 1e6;
const MiB = 2 ** 20;

interface RunResult {
  tool: string;
  wall: number;
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

/** Samples the RSS sum of `root`'s descendants (not root itself) until stopped; also
 *  the peak sampled RSS of each command name. */
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
  const timer = setInterval(tick, 50);
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
  maxRss: number;
  treeRss: number;
  byComm: Map<string, number>;
  stdout: string;
  stderr: string;
}

async function measure(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; sync?: boolean } = {}): Promise<Measured> {
  // Start from a clean page cache state: no dirty pages left by the previous command
  // (their writeback would otherwise be charged to this one). Not timed.
  if (opts.sync !== false) await execa('sync');
  const timeFile = path.join(os.tmpdir(), `imgsmith-bench-time-${process.pid}-${Date.now()}`);
  const t0 = performance.now();
  const child = execa(TIME, ['-f', '%e %M', '-o', timeFile, cmd, ...args], {
    cwd: opts.cwd ?? repoRoot,
    env: opts.env ?? {},
    reject: false,
    all: false,
    maxBuffer: 256 * MiB,
  });
  const sampler = sampleTree(child.pid!);
  const r = await child;
  const wall = (performance.now() - t0) / 1000;
  const { peak: treeRss, byComm } = sampler.stop();
  const timeOut = existsSync(timeFile) ? readFileSync(timeFile, 'utf8').trim().split('\n').pop()! : '';
  await fsp.rm(timeFile, { force: true });
  if (r.exitCode !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.exitCode}):\n${String(r.stderr).slice(-4000)}\n${String(r.stdout).slice(-2000)}`);
  }
  const [, maxKb] = timeOut.split(' ');
  return { wall, maxRss: Number(maxKb) * 1024, treeRss, byComm, stdout: String(r.stdout), stderr: String(r.stderr) };
}

async function zstdSizes(file: string): Promise<{ imgSize: number; zstSize: number }> {
  const r = await execa('zstd', ['-lv', file]);
  const m = /Decompressed Size:.*\((\d+) B\)/.exec(r.stdout + r.stderr);
  if (!m) throw new Error(`zstd -lv ${file}: no decompressed size in the frame header`);
  return { imgSize: Number(m[1]), zstSize: (await fsp.stat(file)).size };
}

async function findFile(dir: string, suffix: string): Promise<string | undefined> {
  for (const e of await fsp.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(suffix)) return path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// The three pipelines

interface Inputs {
  closure: BenchClosure;
  spec: string;
  /** closureInfo (host paths) for imgsmith. */
  closureInfoHost: string;
}

async function runImgsmith(inp: Inputs, out: string): Promise<RunResult> {
  const m = await measure(process.execPath, [
    path.join(repoRoot, 'bin', 'imgsmith.js'), 'build', inp.spec,
    '--closure', inp.closureInfoHost,
    '--toplevel', inp.closure.toplevel,
    '--firmware', inp.closure.firmware,
    '-o', out, '--json',
  ], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}) } });
  const phases = new Map<string, number>();
  for (const line of m.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    let ev: Record<string, unknown>;
    try {
      ev = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (ev.event === 'phase-end' && typeof ev.durationMs === 'number') {
      const name = String(ev.phase);
      phases.set(name, (phases.get(name) ?? 0) + ev.durationMs / 1000);
    }
  }
  const output = await findFile(out, '.img.zst');
  if (!output) throw new Error(`imgsmith produced no .img.zst in ${out}`);
  return { tool: 'imgsmith', wall: m.wall, maxRss: m.maxRss, treeRss: m.treeRss, byComm: m.byComm, phases, output, ...(await zstdSizes(output)) };
}

async function runNixos(inp: Inputs, out: string): Promise<RunResult> {
  const m = await measure('bash', [
    NIXOS_SCRIPT,
    '--store-root', inp.closure.storeRoot,
    '--closure-info', inp.closure.closureInfo,
    '--toplevel', inp.closure.toplevelStorePath,
    '--firmware', inp.closure.firmware,
    '--out', out,
    '--cores', String(os.availableParallelism()),
  ], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
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

/** Stages the root filesystem's content as hard links (store paths, registration, /boot). */
async function stageRoot(inp: Inputs, nixosBuildDir: string, stage: string): Promise<void> {
  await removeTree(stage);
  await fsp.mkdir(path.join(stage, 'nix', 'store'), { recursive: true });
  const paths = (await fsp.readFile(path.join(inp.closureInfoHost, 'store-paths'), 'utf8')).split('\n').filter(Boolean);
  // cp -al takes many paths at once; chunk to stay under the argument limit.
  for (let i = 0; i < paths.length; i += 500) {
    await execa('cp', ['-al', ...paths.slice(i, i + 500), path.join(stage, 'nix', 'store')]);
  }
  await fsp.copyFile(path.join(inp.closureInfoHost, '..', 'closure-info', 'registration'), path.join(stage, 'nix-path-registration'));
  await execa('cp', ['-al', path.join(nixosBuildDir, 'files', 'boot'), stage]);
}

async function runLimit(stage: string, fsSize: number, work: string): Promise<RunResult> {
  const img = path.join(work, 'limit-root.img');
  await fsp.rm(img, { force: true });
  await fsp.rm(`${img}.zst`, { force: true });
  await execa('truncate', ['-s', String(fsSize), img]);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const mk = await measure('mke2fs', ['-q', '-F', '-t', 'ext4', '-L', 'NIXOS_SD', '-U', '44444444-4444-4444-8888-888888888888', '-d', stage, img], { env });
  // No sync in between: a pipeline compresses right after writing, like imgsmith and NixOS.
  const z = await measure('zstd', ['-T0', '-3', '-q', '-f', img, '-o', `${img}.zst`], { env, sync: false });
  const phases = new Map([['mke2fs -d', mk.wall], ['zstd -T0', z.wall]]);
  const res: RunResult = {
    tool: 'limit',
    wall: mk.wall + z.wall,
    maxRss: Math.max(mk.maxRss, z.maxRss),
    treeRss: Math.max(mk.treeRss, z.treeRss),
    byComm: new Map([...mk.byComm, ...z.byComm]),
    phases,
    ...(await zstdSizes(`${img}.zst`)),
  };
  await fsp.rm(img, { force: true });
  await fsp.rm(`${img}.zst`, { force: true });
  return res;
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

async function big9gInputs(closure: BenchClosure, work: string): Promise<Inputs> {
  const dir = path.join(work, 'big9g');
  const storeDir = path.join(dir, 'root', 'nix', 'store');
  const payloadName = 'bench-payload-9g';
  const payloadPath = `/nix/store/${nixBase32(createHash('sha256').update(`bench:${payloadName}:${closure.key}`).digest().subarray(0, 20))}-${payloadName}`;
  const ci = path.join(dir, 'closure-info-host');
  const stamp = path.join(dir, 'stamp');
  if (!existsSync(stamp) || (await fsp.readFile(stamp, 'utf8')) !== closure.key) {
    log('preparing the --big9g closure (hard links to the large closure + a 6 GiB payload)');
    await removeTree(dir);
    await fsp.mkdir(storeDir, { recursive: true });
    const srcPaths = (await fsp.readFile(path.join(closure.closureInfoHost, 'store-paths'), 'utf8')).split('\n').filter(Boolean);
    for (let i = 0; i < srcPaths.length; i += 500) await execa('cp', ['-al', ...srcPaths.slice(i, i + 500), storeDir]);
    const pdir = path.join(dir, 'root', payloadPath);
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
    // Registration: the large closure's, plus the payload (real NAR hash and size).
    const hostPayload = path.join(storeDir, path.basename(payloadPath));
    log('hashing the payload (NAR)');
    const nar = await narHash(pdir);
    const hostOf = (p: string) => path.join(storeDir, path.basename(p));
    const reg = (await fsp.readFile(path.join(closure.closureInfoHost, 'registration'), 'utf8')).replace(
      new RegExp(`^${closure.storeRoot.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/nix/store/`, 'gm'),
      `${storeDir}/`,
    );
    await fsp.mkdir(ci, { recursive: true });
    const all = [...srcPaths.map(hostOf), hostPayload].sort();
    await fsp.writeFile(path.join(ci, 'store-paths'), all.map((p) => `${p}\n`).join(''));
    await fsp.writeFile(path.join(ci, 'registration'), `${reg}${hostPayload}\n${nar.hash}\n${nar.size}\n\n0\n`);
    await fsp.writeFile(stamp, closure.key);
  }
  // The recipe with a fixed 9 GiB root partition.
  const spec = JSON.parse(await fsp.readFile(SPEC, 'utf8')) as { name: string; partitions: { name: string; size: string }[] };
  const root = spec.partitions.find((p) => p.name === 'root');
  if (!root) throw new Error(`${SPEC} has no partition named root`);
  root.size = '9GiB';
  spec.name = `${spec.name}-big9g`;
  const specFile = path.join(dir, 'rpi-aarch64-big9g.json');
  await fsp.writeFile(specFile, JSON.stringify(spec, null, 2) + '\n');
  const topHost = path.join(storeDir, path.basename(closure.toplevelStorePath));
  return { closure: { ...closure, toplevel: topHost, storeRoot: path.join(dir, 'root') }, spec: specFile, closureInfoHost: ci };
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

interface Summary {
  runs: number;
  wall: number;
  maxRss: number;
  treeRss: number;
  imgSize: number;
  zstSize: number;
  phases: Map<string, number>;
  walls: number[];
  zstSizes: number[];
  /** Max over runs of the peak sampled RSS per command name. */
  byComm: Map<string, number>;
}

function summarize(rs: RunResult[]): Summary {
  const phaseNames: string[] = [];
  for (const r of rs) for (const k of r.phases.keys()) if (!phaseNames.includes(k)) phaseNames.push(k);
  return {
    runs: rs.length,
    wall: median(rs.map((r) => r.wall)),
    maxRss: median(rs.map((r) => r.maxRss)),
    treeRss: median(rs.map((r) => r.treeRss)),
    // Sizes: the first run's (a pipeline that is not byte-reproducible can differ by a few bytes).
    imgSize: rs[0]?.imgSize ?? NaN,
    zstSize: rs[0]?.zstSize ?? NaN,
    phases: new Map(phaseNames.map((n) => [n, median(rs.map((r) => r.phases.get(n) ?? 0))])),
    walls: rs.map((r) => r.wall),
    zstSizes: rs.map((r) => r.zstSize ?? NaN),
    byComm: rs.reduce((m, r) => {
      for (const [k, v] of r.byComm) if (v > (m.get(k) ?? 0)) m.set(k, v);
      return m;
    }, new Map<string, number>()),
  };
}

function phaseTable(title: string, s: Summary): string {
  let t = `| ${title} phase | seconds (median of ${s.runs}) |\n| --- | ---: |\n`;
  for (const [n, v] of s.phases) t += `| ${n} | ${sec(v)} |\n`;
  t += `| **wall** | **${sec(s.wall)}** |\n`;
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

async function machine(work: string, revAtStart: string): Promise<string> {
  const cpu = os.cpus()[0]?.model ?? '?';
  const fs = (await execa('findmnt', ['-no', 'FSTYPE,SOURCE', '-T', work], { reject: false })).stdout.trim();
  const revNow = await imgsmithRev();
  const rev = revNow === revAtStart ? revNow : `${revAtStart} at the start, ${revNow} at the end (the code changed during the runs)`;
  const lines = [
    `- date: ${new Date().toISOString()}`,
    `- CPU: ${cpu}, ${os.availableParallelism()} cores; RAM: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- disk: ${fs} (work dir ${work})`,
    `- kernel: ${os.release()}; ${(await toolVersion('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"']))}`,
    `- node ${process.versions.node}; imgsmith ${rev}`,
    `- e2fsprogs ${await toolVersion('mke2fs', ['-V'], /mke2fs ([\d.]+)/)}, zstd ${await toolVersion('zstd', ['-V'], /v([\d.]+)/)}, ` +
      `util-linux ${await toolVersion('sfdisk', ['--version'], /util-linux ([\d.]+)/)}, dosfstools ${await toolVersion('mkfs.vfat', ['--help'], /mkfs\.fat ([\d.]+)/)}, ` +
      `mtools ${await toolVersion('mtools', ['--version'], /([\d.]+)/)}, fakeroot ${await toolVersion('fakeroot', ['-v'], /version ([\d.]+)/)}, ` +
      `faketime ${await toolVersion('faketime', ['--version'], /([\d.]+)/)}`,
  ];
  return lines.join('\n');
}

function report(size: string, closure: BenchClosure, a: Summary, b: Summary | undefined, l: Summary | undefined, mach: string, big9g: boolean): string {
  const pass = (ok: boolean) => (ok ? 'met' : '**not met**');
  let md = `## ${big9g ? 'big9g (9 GiB image, imgsmith only)' : `${size} closure`}\n\n`;
  md += `Closure: ${closure.paths} store paths, ${closure.files.toLocaleString('en-US')} files, ${closure.dirs.toLocaleString('en-US')} directories, ` +
    `${closure.symlinks.toLocaleString('en-US')} symlinks, ${(closure.bytes / MiB).toFixed(0)} MiB of file contents (Debian bookworm arm64 packages, see bench/closure.ts).` +
    (big9g ? ' Plus a payload of 2 GiB random data and a 4 GiB sparse file; root partition fixed at 9 GiB.' : '') + '\n\n';
  md += `Machine:\n${mach}\n\n`;
  const cols = ['metric', 'imgsmith', ...(b ? ['NixOS (nixos-sd-image.sh)', 'NixOS / imgsmith'] : []), ...(l ? ['limit (mke2fs -d + zstd -T0)', 'imgsmith / limit'] : [])];
  md += `| ${cols.join(' | ')} |\n| --- |${' ---: |'.repeat(cols.length - 1)}\n`;
  const row = (name: string, f: (s: Summary) => string, num: (s: Summary) => number, withLimit: boolean) => {
    const cells = [name, f(a)];
    if (b) cells.push(f(b), ratio(num(b), num(a)));
    if (l) cells.push(...(withLimit ? [f(l), ratio(num(a), num(l))] : ['', '']));
    md += `| ${cells.join(' | ')} |\n`;
  };
  row('wall to .img.zst (s, median)', (s) => sec(s.wall), (s) => s.wall, true);
  row('peak RSS, largest process (MB)', (s) => mb(s.maxRss), (s) => s.maxRss, true);
  row('peak RSS, process tree sum (MB)', (s) => mb(s.treeRss), (s) => s.treeRss, true);
  row('.img apparent size (bytes, run 1)', (s) => bytes(s.imgSize), (s) => s.imgSize, false);
  row('.img.zst size (bytes, run 1)', (s) => bytes(s.zstSize), (s) => s.zstSize, false);
  if (b && b.walls.length === a.walls.length) {
    md += `\nPer-run NixOS/imgsmith wall ratios (each pair run back to back): ${b.walls.map((w, i) => ratio(w, a.walls[i]!)).join(', ')}.`;
  }
  if (l && l.walls.length === a.walls.length) {
    md += `\nPer-run imgsmith/limit wall ratios: ${a.walls.map((w, i) => ratio(w, l.walls[i]!)).join(', ')}.`;
  }
  md += `\nAll walls (s): imgsmith ${a.walls.map(sec).join(', ')}${b ? `; NixOS ${b.walls.map(sec).join(', ')}` : ''}${l ? `; limit ${l.walls.map(sec).join(', ')}` : ''}.\n`;
  const sizes = (s: Summary) => [...new Set(s.zstSizes)].map((x) => x.toLocaleString('en-US')).join(', ');
  const comms = (s: Summary) =>
    [...s.byComm].filter(([, v]) => v >= 4 * MB).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${mb(v)}`).join(', ');
  md += `Peak sampled RSS by command (MB, max over runs, >= 4 MB): imgsmith: ${comms(a)}${b ? `; NixOS: ${comms(b)}` : ''}${l ? `; limit: ${comms(l)}` : ''}.\n`;
  md += `Distinct .img.zst sizes over the runs: imgsmith ${sizes(a)}${b ? `; NixOS ${sizes(b)}` : ''}.\n\n`;
  md += `Targets${size === 'large' || big9g ? '' : ' (defined for the large closure; shown for information)'}:\n\n`;
  if (b) md += `- imgsmith wall <= 1/3 of NixOS's: NixOS/imgsmith = ${ratio(b.wall, a.wall)} -> ${pass(b.wall / a.wall >= 3)}\n`;
  md += `- imgsmith peak RSS <= 256 MB: largest process ${mb(a.maxRss)} MB -> ${pass(a.maxRss <= 256 * MB)}; tree sum ${mb(a.treeRss)} MB -> ${pass(a.treeRss <= 256 * MB)}\n`;
  if (b) {
    md += `- .img size <= NixOS's: ${bytes(a.imgSize)} vs ${bytes(b.imgSize)} -> ${pass(a.imgSize <= b.imgSize)}\n`;
    md += `- .img.zst <= NixOS's + 1%: ${bytes(a.zstSize)} vs ${bytes(b.zstSize)} (${((a.zstSize / b.zstSize - 1) * 100).toFixed(2)}%) -> ${pass(a.zstSize <= b.zstSize * 1.01)}\n`;
  }
  if (l) md += `- imgsmith within 1.3x of the limit: imgsmith/limit = ${ratio(a.wall, l.wall)} -> ${pass(a.wall <= 1.3 * l.wall)}\n`;
  md += '\n' + phaseTable('imgsmith', a);
  if (b) md += '\n' + phaseTable('NixOS', b);
  if (l) md += '\n' + phaseTable('limit', l);
  return md;
}

async function writeResults(section: string, md: string): Promise<void> {
  const begin = `<!-- bench:${section} -->`;
  const end = `<!-- /bench:${section} -->`;
  let text = existsSync(RESULTS) ? await fsp.readFile(RESULTS, 'utf8') : '';
  if (!text.trim()) {
    text =
      '# Benchmark results\n\n' +
      'Written by `npm run bench` (bench/run.ts): imgsmith vs bench/nixos-sd-image.sh, a faithful shell ' +
      're-implementation of nixpkgs\' make-ext4-fs.nix + sd-image.nix, on a closure of real Debian arm64 packages ' +
      '(bench/closure.ts). Runs alternate (imgsmith, NixOS, limit, imgsmith, ...); numbers are medians; ratios are ' +
      'measured side by side on the same machine in the same session. See bench/run.ts for what each metric measures.\n\n';
  }
  const block = `${begin}\n${md}${end}\n`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length + 1) : `${text.trimEnd()}\n\n${block}`;
  await fsp.writeFile(RESULTS, text);
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('npm run bench --')
    .option('size', { choices: ['small', 'large'] as const, default: 'small' as const, describe: 'Closure size' })
    .option('runs', { type: 'number', default: 3, describe: 'Runs of each pipeline' })
    .option('big9g', { type: 'boolean', default: false, describe: 'imgsmith alone on a 9 GiB image (large closure + payload)' })
    .option('imgsmith', { type: 'boolean', default: true, describe: 'Run imgsmith (--no-imgsmith to test the baseline alone)' })
    .option('nixos', { type: 'boolean', default: true, describe: 'Run the NixOS baseline (--no-nixos to skip)' })
    .option('limit', { type: 'boolean', default: true, describe: 'Run the mke2fs+zstd limit (--no-limit to skip)' })
    .option('keep', { type: 'boolean', default: false, describe: 'Keep the last outputs of each pipeline' })
    .option('write', { type: 'boolean', default: true, describe: 'Write bench/RESULTS.md (--no-write to skip)' })
    .strict()
    .help()
    .parse();
  if (!existsSync(TIME)) throw new Error(`${TIME} is missing: apt-get install -y time`);
  const size: BenchSize = argv.big9g ? 'large' : argv.size;
  const closure = await ensureClosure(size);
  const work = path.join(cacheRoot(), 'work');
  await fsp.mkdir(work, { recursive: true });
  log(`work dir ${work}; ${(await execa('df', ['-h', work])).stdout.split('\n')[1]}`);
  let inp: Inputs = { closure, spec: SPEC, closureInfoHost: closure.closureInfoHost };
  if (argv.big9g) inp = await big9gInputs(closure, work);
  const runNix = argv.nixos && !argv.big9g;
  const runLim = argv.limit && !argv.big9g;

  const revAtStart = await imgsmithRev();
  const results: Record<'imgsmith' | 'nixos' | 'limit', RunResult[]> = { imgsmith: [], nixos: [], limit: [] };
  const stage = path.join(work, 'limit-stage');
  let staged = false;
  let rootSize: number | undefined;
  for (let i = 1; i <= argv.runs; i++) {
    if (argv.imgsmith) {
      const outA = path.join(work, `imgsmith-${i}`);
      await removeTree(outA);
      log(`run ${i}/${argv.runs}: imgsmith`);
      const a = await runImgsmith(inp, outA);
      results.imgsmith.push(a);
      log(`  wall ${sec(a.wall)} s, max RSS ${mb(a.maxRss)} MB, tree RSS ${mb(a.treeRss)} MB, img ${a.imgSize}, zst ${a.zstSize}`);
      rootSize ??= (await mbrPartition(a.output!, 2)).size;
      if (!argv.keep || i < argv.runs) await removeTree(outA);
    }

    if (runNix) {
      const outB = path.join(work, `nixos-${i}`);
      await removeTree(outB);
      log(`run ${i}/${argv.runs}: NixOS`);
      const b = await runNixos(inp, outB);
      results.nixos.push(b);
      log(`  wall ${sec(b.wall)} s, max RSS ${mb(b.maxRss)} MB, tree RSS ${mb(b.treeRss)} MB, img ${b.imgSize}, zst ${b.zstSize}`);
      // Without imgsmith (--no-imgsmith), the limit uses the NixOS root partition's size.
      if (!argv.imgsmith) rootSize ??= (await mbrPartition(b.output!, 2)).size;
      if (runLim && !staged) {
        await stageRoot(inp, path.join(outB, 'build'), stage);
        staged = true;
      }
      await removeTree(path.join(outB, 'build'));
      if (!argv.keep || i < argv.runs) await removeTree(outB);
    }

    if (runLim && staged && rootSize) {
      log(`run ${i}/${argv.runs}: limit (mke2fs -d into ${rootSize} bytes + zstd -T0)`);
      const l = await runLimit(stage, rootSize, work);
      results.limit.push(l);
      log(`  wall ${sec(l.wall)} s`);
    }
  }
  if (staged) await removeTree(stage);

  const b = results.nixos.length ? summarize(results.nixos) : undefined;
  const l = results.limit.length ? summarize(results.limit) : undefined;
  if (!results.imgsmith.length) {
    // Baseline only: print the raw summaries, write nothing.
    for (const [n, s] of [['NixOS', b], ['limit', l]] as const) if (s) process.stdout.write(`${phaseTable(n, s)}\npeak RSS ${mb(s.maxRss)} / ${mb(s.treeRss)} MB, img ${s.imgSize}, zst ${s.zstSize}\n\n`);
    return;
  }
  const a = summarize(results.imgsmith);
  const md = report(size, closure, a, b, l, await machine(work, revAtStart), argv.big9g);
  process.stdout.write(`${md}\n`);
  if (argv.write) {
    await writeResults(argv.big9g ? 'big9g' : size, md);
    log(`wrote ${path.relative(process.cwd(), RESULTS)}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
