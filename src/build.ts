/**
 * The pipeline: spec -> contents -> measure -> plan -> write -> package -> publish, one
 * method of `Stage` each, passing typed results along.
 * Everything is written under a temporary directory inside the output
 * directory and renamed to its final name only when the whole build succeeded,
 * so a failed or interrupted build leaves nothing under a final name.
 */
import { promises as fsp, constants as fsc } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { buildError, inputError, resourceError, usageError } from './errors.ts';
import { makeTempDir, removeStaleTempDirs, removeTempDir, testHook, TMP_PREFIX } from './lifetime.ts';
import { publishOutputs } from './publish.ts';
import { readRegularText } from './input-file.ts';
import { loadSpec } from './spec.ts';
import { locateError, locateWarnings, partitionPath, specSource } from './spec-location.ts';
import type { ImageSpec, SourceRoot } from './spec-types.ts';
import { generators, resolveContents, type ContentGenerator, type ContentInputs } from './content/resolve.ts';
import { FileTree, fromUtf8 } from './content/tree.ts';
import { readClosureInfo, storeHostPath, type ClosureInfo } from './content/closure.ts';
import { driverFor, prepareFs } from './fs/index.ts';
import type { FsContext, FsReport, PreparedFs } from './fs/types.ts';
import { planWithNeeds, type SizeNeed } from './layout.ts';
import { fillPlaceholders, preparePlaceholders, type LateValues } from './content/placeholders.ts';
import { copySparse } from './sparse.ts';
import type { DiskPlan } from './disk-plan.ts';
import { buildPartitionTable, validateTable, writePartitionTable, type TableInfo } from './ptable/index.ts';
import { specIndexOf } from './ptable/numbering.ts';
import { silentProgress, type Progress } from './progress.ts';
import { packageImage } from './outputs/package.ts';
import { sha256File } from './outputs/checksum.ts';
import { ChunkedZstd } from './outputs/chunked.ts';
import { probeToolchain } from './toolchain.ts';
import { outputBaseName } from './outputs/naming.ts';
import { outputs, type Manifest, type OutputOptions, type OutputPaths } from './outputs/index.ts';
import { outputSettings } from './outputs/registry.ts';
import type { PassNeeds } from './outputs/pass.ts';
import type { AnyOutput, Made, ManifestBase, OutputPlan } from './outputs/types.ts';
import { treeHasPath } from './content/extlinux.ts';
import { checkOutputPlacement, inputRoots } from './input-roots.ts';
import { manifestRegions, placeRegions, readRegions, writeRegions, type RegionFile } from './regions.ts';

/** What to build from what; the outputs' options (their flags: compress, keepRaw, bmap ...) come from the registry. */
export interface BuildOptions extends OutputOptions {
  specPath: string;
  /** A closureInfo directory (store-paths + registration). */
  closure?: string;
  /** Where the store paths are on the build machine: store path P is read from DIR + P
   *  (like Nix's `--store local?root=DIR`). Default: where the store paths say. */
  storeRoot?: string;
  /** The NixOS system toplevel store path (for extlinux and from: "toplevel"). */
  toplevel?: string;
  /** The firmware directory (for from: "firmware"). */
  firmware?: string;
  outDir: string;
  /** Value of {label} in the output name (default: toplevel's nixos-version, else the spec name). */
  label?: string;
  /** Overrides spec.size, the target disk size in bytes. */
  diskSize?: number;
  /** Content warnings (a targeted Raspberry Pi board the image cannot boot) are errors. */
  strict?: boolean;
  progress?: Progress;
}

export interface BuildResult extends OutputPaths {
  manifestPath: string;
  manifest: Manifest;
  /** The files `imgsmith build` lists (compressed image, raw image, bmap, manifest), absolute. */
  files: string[];
}

/**
 * The latest SOURCE_DATE_EPOCH accepted: 2^32-1, 2106-02-07 06:28:15 UTC. Every filesystem
 * imgsmith writes stores it exactly (FAT dates go up to 2107-12-31, ext4 with 256-byte inodes
 * to 2446-05-10, btrfs further); a larger value would be clamped or wrap around silently.
 */
export const MAX_EPOCH = 0xffffffff;

/** The timestamp given to every file and filesystem: SOURCE_DATE_EPOCH, else 1 (as NixOS's faketime). */
function buildEpoch(): number {
  const s = process.env.SOURCE_DATE_EPOCH;
  if (s === undefined || s === '') return 1;
  if (!/^\d+$/.test(s)) throw usageError(`SOURCE_DATE_EPOCH must be a whole number of seconds, got "${s}"`);
  if (Number(s) > MAX_EPOCH) {
    throw usageError(
      `SOURCE_DATE_EPOCH=${s} is too large: the latest time every supported filesystem stores exactly is ${MAX_EPOCH} (2106-02-07 06:28:15 UTC); use a smaller value`,
    );
  }
  return Number(s);
}

/** The longest suffix added to the output name: "<base>.img.zst.sha256". */
const LONGEST_SUFFIX = '.img.zst.sha256';
/** Linux's limit for one file name, in bytes. */
const NAME_MAX = 255;

/**
 * Checks the {label} before anything is built: no control characters, and the output file
 * names it gives fit in NAME_MAX bytes. (Other characters are made safe where the name is
 * built.) `from` says where the label came from, for the message.
 */
function checkLabel(spec: ImageSpec, label: string, from: string): void {
  // eslint-disable-next-line no-control-regex
  const bad = /[\x00-\x1f\x7f-\x9f]/.exec(label);
  if (bad) {
    throw usageError(`${from} contains a control character (${JSON.stringify(bad[0])} at position ${bad.index}): use a label without control characters or newlines`);
  }
  const base = spec.output.name.replaceAll('{name}', spec.name).replaceAll('{label}', label).replaceAll('{system}', spec.system);
  const bytes = Buffer.byteLength(base + LONGEST_SUFFIX);
  if (bytes > NAME_MAX) {
    throw usageError(
      `${from} is too long: the output file name "${base.slice(0, 40)}...${LONGEST_SUFFIX}" would be ${bytes} bytes, the limit is ${NAME_MAX}; use a label at most ${Math.max(0, NAME_MAX - (bytes - Buffer.byteLength(label)))} bytes long`,
    );
  }
}

async function checkInputDir(opt: string, p: string | undefined): Promise<string | undefined> {
  if (p === undefined) return undefined;
  const abs = path.resolve(p);
  let st;
  try {
    st = await fsp.stat(abs);
  } catch {
    throw usageError(`${opt} ${p}: no such file or directory`);
  }
  if (!st.isDirectory()) throw usageError(`${opt} ${p}: not a directory`);
  return abs;
}

/** Creates the output directory and removes temporary directories of killed builds in it. */
async function prepareOutDir(outDir: string, progress: Progress): Promise<string> {
  const abs = path.resolve(outDir);
  try {
    await fsp.mkdir(abs, { recursive: true });
    await fsp.access(abs, fsc.W_OK);
  } catch (err) {
    throw resourceError(err, { outDir }) ?? buildError(`cannot write to output directory ${outDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  for (const d of await removeStaleTempDirs(abs)) {
    progress.event('warning', { message: `removed ${d}, left by a build that was killed` });
  }
  return abs;
}

/** The build's temporary directory inside the output directory (with its owner file). */
async function makeBuildTmp(outDir: string, shown: string): Promise<string> {
  try {
    return await makeTempDir(outDir, TMP_PREFIX);
  } catch (err) {
    throw resourceError(err, { outDir: shown }) ?? buildError(`cannot write to output directory ${shown}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function readLabel(toplevel: string | undefined): Promise<string | undefined> {
  if (!toplevel) return undefined;
  try {
    return (await readRegularText(path.join(toplevel, 'nixos-version'))).trim() || undefined;
  } catch {
    return undefined;
  }
}

function usedRoots(spec: ImageSpec): Set<SourceRoot> {
  const roots = new Set<SourceRoot>();
  for (const p of spec.partitions) {
    for (const c of p.contents) {
      if (c.kind === 'copy') roots.add(c.from);
      if (c.kind === 'generate') for (const r of (generators[c.generator] as ContentGenerator).reads ?? []) roots.add(r);
    }
    for (const s of driverFor(p.filesystem).sources?.(p.filesystem) ?? []) roots.add(s.from);
  }
  for (const r of spec.regions) roots.add(r.from);
  return roots;
}

const usesClosure = (spec: ImageSpec, settings: OutputPlan['settings']) =>
  spec.partitions.some((p) => p.contents.some((c) => c.kind === 'generate' && c.generator === 'closure')) ||
  outputs.some((o) => o.readsClosure?.({ spec, settings }) === true);

export async function buildImage(opts: BuildOptions): Promise<BuildResult> {
  const spec = await loadSpec(opts.specPath);
  try {
    return await buildSpec(spec, opts);
  } catch (err) {
    throw locateError(err, specSource(spec)); // spec problems found while building: FILE:LINE:COLUMN too
  }
}

async function buildSpec(spec: ImageSpec, opts: BuildOptions): Promise<BuildResult> {
  const progress = locateWarnings(opts.progress ?? silentProgress, specSource(spec));
  const epoch = buildEpoch();
  if (opts.diskSize !== undefined) spec.diskSize = opts.diskSize;
  // Every output's settings: its spec keys with its flags applied.
  const settings = outputSettings(spec.output, { ...opts });
  const closureNeeded = usesClosure(spec, settings);

  // Inputs: every option the spec needs must be given and exist.
  const firmware = await checkInputDir('--firmware', opts.firmware);
  const closureDir = opts.closure === undefined ? undefined : path.resolve(opts.closure);
  const storeRoot = await checkInputDir('--store-root', opts.storeRoot);
  // With --store-root, --toplevel may name the store path itself: read it under the root.
  let topArg = opts.toplevel;
  if (topArg !== undefined && storeRoot && path.isAbsolute(topArg) && !(await fsp.lstat(topArg).then(() => true, () => false))) {
    topArg = storeRoot + path.resolve(topArg);
  }
  const toplevel = await checkInputDir('--toplevel', topArg);
  const roots = usedRoots(spec);
  if (roots.has('firmware') && !firmware) throw usageError(`${opts.specPath} copies firmware files: give --firmware DIR`);
  if (roots.has('toplevel') && !toplevel) throw usageError(`${opts.specPath} needs the NixOS system: give --toplevel PATH`);
  if (closureNeeded && !closureDir) throw usageError(`${opts.specPath} includes a Nix closure: give --closure DIR (a closureInfo directory)`);

  // -o inside an input (or an input inside -o's temporary directories): refused before any work.
  const inputDirs = { spec: spec.specDir, ...(firmware ? { firmware } : {}), ...(toplevel ? { toplevel } : {}) };
  await checkOutputPlacement(opts.outDir, await inputRoots(spec, inputDirs, { ...(closureDir ? { dir: closureDir } : {}), ...(storeRoot ? { storeRoot } : {}), used: closureNeeded }));

  // The {label}: checked now rather than after the whole build.
  const fromVersion = opts.label === undefined ? await readLabel(toplevel) : undefined;
  const label = opts.label ?? fromVersion ?? spec.name;
  checkLabel(spec, label, opts.label !== undefined ? '--label' : fromVersion !== undefined ? `the label read from ${toplevel}/nixos-version` : 'the spec name');
  // Output names: {label} and the whole name made safe ([A-Za-z0-9._+-]) and checked before anything is written.
  const base = outputBaseName(spec.output.name, { name: spec.name, label, system: spec.system }, opts.label !== undefined ? 'spec.output.name with --label' : 'spec.output.name');
  const sub = spec.output.directory;
  const plan: OutputPlan = {
    spec,
    base,
    label,
    settings,
    // Image files go to output.directory (nixpkgs' "sd-image/") when given; manifest and nix-support stay at the top.
    rel: (name) => (sub ? `${sub}/${name}` : name),
  };
  const active = outputs.filter((o) => o.enabled(plan));
  // What the active outputs need from the single pass over the image, merged (their files go to `tmp`).
  const passNeeds = (tmp: string): PassNeeds => Object.assign({}, ...active.map((o) => o.pass?.(plan, tmp) ?? {}));
  // The tools the drivers and outputs run: probed once before any work (src/toolchain.ts): all
  // there and in the supported range; their versions (and Node's) go into the manifest.
  const toolchain = await probeToolchain(toolNames(spec, plan, active));
  const tools = toolchain.versions;
  progress.event('toolchain', { tools: Object.fromEntries(toolchain.tools.map((t) => [t.name, { version: t.version, path: t.path }])), node: { version: process.versions.node, path: process.execPath } });
  for (const message of toolchain.warnings) progress.event('warning', { message });

  const outDir = await prepareOutDir(opts.outDir, progress);
  const tmp = await makeBuildTmp(outDir, opts.outDir);
  try {
    await testHook('build', (name, data) => progress.event(name, data));
    const env: Env = { firmware, toplevel, closureDir, ...(storeRoot ? { storeRoot } : {}), outDir, tmp, epoch, progress, plan, outputs: active, needs: passNeeds(tmp), tools, specPath: opts.specPath, strict: opts.strict === true };
    return await buildInto(spec, env);
  } finally {
    await removeTempDir(tmp);
  }
}

interface Env {
  firmware?: string;
  toplevel?: string;
  closureDir?: string;
  storeRoot?: string;
  /** The output directory (absolute). */
  outDir: string;
  tmp: string;
  epoch: number;
  progress: Progress;
  /** The outputs' names and options, known before the build. */
  plan: OutputPlan;
  /** The outputs this build makes, in registry order. */
  outputs: AnyOutput[];
  /** What they need from the single pass over the image (merged). */
  needs: PassNeeds;
  /** Versions of the tools the build runs. */
  tools: Record<string, string>;
  specPath: string;
  /** --strict: content warnings are errors. */
  strict: boolean;
}

/** The pipeline: contents -> measure -> plan -> write -> package -> publish. */
async function buildInto(spec: ImageSpec, env: Env): Promise<BuildResult> {
  const stage = new Stage(spec, env);
  const contents = await stage.contents(spec);
  const measured = await stage.measure(spec, contents);
  const planned = stage.plan(spec, measured, contents);
  const written = await stage.write(spec, measured, planned, contents.late);
  const made = await stage.package(spec, contents, { ...planned, table: written.table }, written);
  return stage.publish(made);
}

/** The partitions' file trees, and the closure when the spec uses one. */
interface Contents {
  trees: FileTree[];
  /** Reads the closure (once). */
  closure?: () => Promise<ClosureInfo>;
  /** The closure if something read it (the manifest records it then). */
  closureIfRead: () => Promise<ClosureInfo> | undefined;
  /** The bootloader regions' files (spec.regions), found and hashed. */
  regions: RegionFile[];
  /** The {rootHash:NAME}-style values filled in once their partitions are written, and the write order. */
  late: LateValues;
}

/** Every partition's filesystem prepared: its minimum size known. */
interface Measured {
  prepared: PreparedFs[];
}

/** Where everything goes on the disk. */
interface Planned {
  plan: DiskPlan;
  table: ReturnType<typeof buildPartitionTable>;
  /** The bootloader regions, checked against the table, the partitions and each other. */
  regions: RegionFile[];
}

/** The image written. */
interface Written {
  image: { path: string; name: string; size: number };
  reports: FsReport[];
  /** The partition table as written last (with the GUIDs filesystems decided: dm-verity's). */
  table: Planned['table'];
  /** The zstd compressor that followed the writers (frames of the chunks they were done with). */
  early?: ChunkedZstd;
}

/** One short method per stage; each takes the typed results of the ones before it. */
class Stage {
  private readonly background: Promise<unknown>[] = [];
  private readonly ctx: FsContext;
  private readonly roots: ContentInputs['roots'];

  constructor(spec: ImageSpec, private readonly env: Env) {
    this.roots = { spec: spec.specDir, ...(env.firmware ? { firmware: env.firmware } : {}), ...(env.toplevel ? { toplevel: env.toplevel } : {}) };
    this.ctx = { tmpDir: env.tmp, progress: env.progress, epoch: env.epoch, background: (w) => this.background.push(w), roots: this.roots };
  }

  /** 1. The file tree of every partition (read, never loaded: host directories stay where they are). */
  async contents(spec: ImageSpec): Promise<Contents> {
    const { env } = this;
    let closure: Promise<ClosureInfo> | undefined;
    const readClosure = env.closureDir ? () => (closure ??= readClosureInfo(env.closureDir!, env.storeRoot ? { storeRoot: env.storeRoot } : {})) : undefined;
    const inputs: ContentInputs = {
      roots: this.roots,
      ...(readClosure ? { closure: readClosure } : {}),
      storeHost: storeHostPath(env.storeRoot),
      disk: { table: spec.table, partitions: spec.partitions },
      warn: (message) => env.progress.event('warning', { message }),
      strict: env.strict,
    };
    const ph = env.progress.phase('contents');
    const trees: FileTree[] = [];
    for (const [i, p] of spec.partitions.entries()) {
      const where = partitionName(spec, i);
      const driver = driverFor(p.filesystem);
      const tree = await resolveContents(p.contents, inputs, where, { noSymlinks: driver.noSymlinks === true, partition: i });
      for (const d of driver.reservedDirs ?? []) {
        if (tree.get(d) && tree.get(d)!.kind !== 'dir') {
          throw usageError(`${where}.contents: the contents put a file at ${d}, which ${p.filesystem.type} reserves for a directory; move it elsewhere`);
        }
      }
      driver.validate(p.filesystem, tree, partitionName(spec, i));
      trees.push(tree);
    }
    ph.end({ entries: trees.reduce((n, t) => n + t.size, 0) });
    checkBootable(spec, trees, closure ? await closure : undefined);
    const regions = await readRegions(spec.regions, this.roots);
    const late = preparePlaceholders(spec, trees);
    return { trees, ...(readClosure ? { closure: readClosure } : {}), closureIfRead: () => closure, regions, late };
  }

  /** 2. Every filesystem's smallest size (btrfs builds itself here). */
  async measure(spec: ImageSpec, { trees }: Contents): Promise<Measured> {
    const pm = this.env.progress.phase('measure');
    const prepared = await Promise.all(
      spec.partitions.map((p, i) => prepareFs(p.filesystem, trees[i]!, { ...this.ctx, partition: partitionName(spec, i) }, partitionName(spec, i))),
    );
    pm.end({ minSizes: prepared.map((p) => p.minimumSize) });
    return { prepared };
  }

  /** 3. The layout (pure), the partition table and the regions' places. */
  plan(spec: ImageSpec, { prepared }: Measured, { regions }: Contents): Planned {
    const minSizes = prepared.map((p) => p.minimumSize);
    const minReasons = minSizes.map((m, i) => driverFor(spec.partitions[i]!.filesystem).minimumReason?.(spec.partitions[i]!.filesystem, m));
    const plan: DiskPlan = planWithNeeds({ spec, minSizes, minReasons }, (pl) => sizeNeeds(spec, pl));
    validateTable(plan);
    const table = buildPartitionTable(plan);
    placeRegions(plan, regions);
    this.env.progress.event('plan', {
      diskSize: plan.diskSize,
      partitions: plan.partitions.map((p) => ({ name: p.name, start: p.start, size: p.size })),
    });
    return { plan, table, regions };
  }

  /** 4. A sparse file of the final size, the table, then every filesystem (concurrently). */
  async write(spec: ImageSpec, { prepared }: Measured, { plan, table, regions }: Planned, late: LateValues): Promise<Written> {
    const { env } = this;
    const name = `${env.plan.base}.img`;
    const img = path.join(env.tmp, name);
    const fh = await fsp.open(img, 'wx');
    try {
      await fh.truncate(plan.diskSize);
    } catch (err) {
      throw resourceError(err, { file: path.join(env.outDir, name), bytes: plan.diskSize, outDir: env.outDir }) ?? err;
    } finally {
      await fh.close();
    }
    await writePartitionTable(img, table);
    await writeRegions(img, regions, env.progress);
    // The .img.zst is one zstd frame per chunk of the image (outputs/chunked.ts): the chunks
    // mke2fs is done with are compressed while it still writes the rest.
    const tracks: Promise<unknown>[] = [];
    let early: ChunkedZstd | undefined;
    if (env.needs.zstd) {
      const workDir = path.join(env.tmp, 'zstd-frames');
      await fsp.mkdir(workDir);
      const z = (early = new ChunkedZstd(img, plan.diskSize, { level: env.needs.zstd.level, workDir }));
      this.ctx.watchWrites = (start, end) => ({
        env: { IMGSMITH_SHIM_WRITELOG: '3', IMGSMITH_SHIM_IMAGE: img },
        attach: (log) => {
          const t = z.track(log, start, end);
          t.catch(() => undefined);
          tracks.push(t);
        },
        invalidate: () => z.invalidate(start, end),
      });
    }
    const writing = this.writePartitions(spec, prepared, plan, img, late);
    let reports: FsReport[];
    try {
      reports = await writing;
      await Promise.all(tracks);
    } catch (err) {
      await Promise.allSettled(tracks);
      await early?.abort();
      throw err;
    } finally {
      delete this.ctx.watchWrites;
    }
    const final = await rewriteTableWithGuids(img, plan, table, reports);
    return { image: { path: img, name, size: plan.diskSize }, reports, table: final, ...(early ? { early } : {}) };
  }

  /**
   * Every filesystem, concurrently, each after the partitions it waits for (a verity hash
   * partition after its data, a partition embedding a root hash after the verity partition:
   * `late.waitsFor`; an A/B slot after its origin). Writers that run an external tool (mke2fs) start first; in-process ones
   * (FAT, which blocks the event loop while it runs) wait until those tools run, so they overlap.
   */
  private writePartitions(spec: ImageSpec, prepared: PreparedFs[], plan: DiskPlan, img: string, late: LateValues): Promise<FsReport[]> {
    const { env } = this;
    const waits = late.waitsFor.map((w, i) => w.size > 0 || spec.partitions[i]!.slot !== undefined);
    let waiting = spec.partitions.filter((p, i) => !driverFor(p.filesystem).inProcess && !waits[i]).length;
    let toolsRunning!: () => void;
    const allToolsRunning = new Promise<void>((r) => (toolsRunning = r));
    const oneStarted = () => {
      if (--waiting <= 0) toolsRunning();
    };
    if (waiting <= 0) toolsRunning();
    const byName = new Map<string, { report: Promise<FsReport>; done: (r: FsReport) => void }>();
    for (const p of spec.partitions) {
      let done!: (r: FsReport) => void;
      byName.set(p.name, { report: new Promise<FsReport>((r) => (done = r)), done });
    }
    const target = (i: number) => ({ imagePath: img, offset: plan.partitions[i]!.start, size: plan.partitions[i]!.size });
    const partitionNamed = (n: string) => {
      const i = spec.partitions.findIndex((p) => p.name === n);
      return i < 0 ? undefined : target(i);
    };
    return Promise.all(
      spec.partitions.map(async (p, i) => {
        if (p.slot) {
          const r = await this.writeSlot(spec, img, plan, i, byName.get(p.slot.of)!.report);
          byName.get(p.name)!.done(r);
          return r;
        }
        const inProcess = driverFor(p.filesystem).inProcess === true;
        let started = waits[i]!; // a writer that waits does not hold up the in-process ones
        const started1 = () => {
          if (!started) {
            started = true;
            oneStarted();
          }
        };
        const before = new Map<string, FsReport>();
        for (const n of late.waitsFor[i]!) before.set(n, await byName.get(n)!.report);
        fillPlaceholders(late, i, before);
        if (inProcess) await allToolsRunning;
        const w = env.progress.phase('write-partition', undefined, undefined, { label: `write:${p.name}`, partition: p.name });
        try {
          const r = await prepared[i]!.write(target(i), { ...this.ctx, partition: partitionName(spec, i), name: p.name, partitionNamed, toolStarted: started1, treeFilledLate: late.patches[i]!.length > 0 });
          w.end({ type: r.type });
          byName.get(p.name)!.done(r);
          return r;
        } finally {
          if (!inProcess) started1();
        }
      }),
    );
  }

  /** A slot (src/slots.ts), once its origin is written: zeros (`empty`: nothing to write) or the origin's bytes (`copy`). */
  private async writeSlot(spec: ImageSpec, img: string, plan: DiskPlan, i: number, origin: Promise<FsReport>): Promise<FsReport> {
    const pp = plan.partitions[i]!;
    const slot = spec.partitions[i]!.slot!;
    // A copy has the origin's filesystem (not what the origin decided for the table or others: GUIDs, values).
    const { values: _v, partitionGuids: _g, manifest: _m, ...report } = await origin;
    if (slot.contents === 'empty') return { type: 'raw', stats: { bytes: 0, source: 'none' } };
    const from = plan.partitions.find((q) => q.name === slot.of)!;
    const w = this.env.progress.phase('write-partition', undefined, undefined, { label: `write:${pp.name}`, partition: pp.name });
    await copySparse(img, img, pp.start, { srcOffset: from.start, length: from.size });
    this.ctx.watchWrites?.(pp.start, pp.start + pp.size)?.invalidate();
    w.end({ type: report.type });
    return report;
  }

  /** 5. One pass over the image (its hash, and the bmap and zstd when asked for), then every output's files. */
  async package(spec: ImageSpec, contents: Contents, { plan, table }: Planned, { image, reports, early }: Written): Promise<Made[]> {
    const { env } = this;
    const pk = env.progress.phase(env.needs.zstd ? 'compress' : 'checksum', plan.diskSize, 'bytes');
    const asked = env.needs;
    const pass = await packageImage(image.path, {
      ...asked,
      // The raw image's SHA-256 only when an output asks for it (the published .img).
      sha256: asked.sha256 === true,
      ...(asked.zstd && early ? { zstd: { ...asked.zstd, early } } : {}),
      onProgress: (d, t) => pk.update(d, t),
    });
    pk.end();
    if (pass.zstdFrames) env.progress.event('zstd-frames', { ...pass.zstdFrames });
    const manifestBase = () => this.manifestBase(spec, contents, plan, table, reports);
    const made: Made[] = [];
    const input = { ...env.plan, tmp: env.tmp, outDir: env.outDir, epoch: env.epoch, progress: env.progress, image, pass, trees: contents.trees, ...(contents.closure ? { closure: contents.closure } : {}), made, manifestBase, registry: outputs };
    for (const o of env.outputs) made.push(await o.make(input));
    await Promise.all(this.background);
    return made;
  }

  /** 6. Rename everything to its final name, the manifest last (see src/publish.ts). */
  async publish(made: Made[]): Promise<BuildResult> {
    const { env } = this;
    await testHook('publish', (name, data) => env.progress.event(name, data));
    const files = made.flatMap((m) => m.files);
    const i = files.findIndex(([, name]) => name === 'manifest.json');
    await publishOutputs([...files.slice(0, i), ...files.slice(i + 1), files[i]!], env.outDir, env.tmp);
    const manifest = made.find((m) => m.output === 'manifest')!.manifest as Manifest;
    return { ...Object.assign({}, ...made.map((m) => m.paths ?? {})), manifestPath: path.join(env.outDir, 'manifest.json'), manifest, files: made.flatMap((m) => m.listed ?? []) };
  }

  /** The manifest's facts that no output owns: imgsmith, the spec, the table, partitions, inputs, tools. */
  private async manifestBase(spec: ImageSpec, contents: Contents, plan: DiskPlan, table: Planned['table'], reports: FsReport[]): Promise<ManifestBase> {
    const { env } = this;
    const closure = await contents.closureIfRead();
    return {
      imgsmith: { version: await imgsmithVersion() },
      spec: { name: spec.name, path: path.resolve(env.specPath), sha256: await sha256File(env.specPath) },
      table: { ...table.info },
      partitions: plan.partitions.map((pp, i) => ({
        index: pp.index,
        name: pp.name,
        start: pp.start,
        size: pp.size,
        type: pp.type,
        bootable: pp.bootable,
        ...partitionIds(table.info, pp.index),
        ...manifestOf(reports[i]!),
        ...(spec.partitions[i]!.slot ? { slot: spec.partitions[i]!.slot } : {}),
      })),
      ...(contents.regions.length ? { regions: manifestRegions(contents.regions) } : {}),
      inputs: {
        ...(closure && env.closureDir
          ? { closure: { dir: env.closureDir, storePaths: closure.storePaths.length, registrationSha256: createHash('sha256').update(closure.registration).digest('hex') } }
          : {}),
        ...(env.toplevel ? { toplevel: env.toplevel, toplevelStorePath: await fsp.realpath(env.toplevel) } : {}),
        sourceDateEpoch: env.epoch,
        ...(env.firmware ? { firmware: { dir: env.firmware, files: await firmwareHashes(spec, contents.trees, env.firmware) } } : {}),
      },
      tools: env.tools,
    };
  }
}

/** How messages name the spec's `i`-th partition: its JSON path (src/spec-location.ts; a DOS
 *  extended partition is not in the parsed list, src/ptable/numbering.ts). */
const partitionName = (spec: Pick<ImageSpec, 'table'>, i: number) => partitionPath(specIndexOf(spec.table, i));

/** A report's part of its partition's manifest entry: `filesystem` (type, label, uuid, stats) and the keys it adds (verity). */
function manifestOf(r: FsReport): { filesystem: FsReport } & Record<string, unknown> {
  const { values: _v, partitionGuids: _g, manifest, ...filesystem } = r;
  return { ...(manifest ?? {}), filesystem };
}

/** The sizes partitions need given the others' planned sizes (drivers' planNeeds: verity), by index. */
function sizeNeeds(spec: ImageSpec, plan: DiskPlan): SizeNeed[] {
  const index = new Map(spec.partitions.map((p, i) => [p.name, i]));
  const sizeOf = (n: string) => plan.partitions[index.get(n)!]!.size;
  return spec.partitions.flatMap((p) =>
    (driverFor(p.filesystem).planNeeds?.(p.filesystem as never, p.name, sizeOf) ?? []).map((n) => ({ index: index.get(n.partition)!, size: n.size, reason: n.reason })),
  );
}

/**
 * In a GPT, the partition GUIDs filesystems decided when written (dm-verity: the data and hash
 * partitions' from the root hash) for partitions whose spec gives none: the table is built
 * and written again with them (the plan's offsets and sizes stay). Returns the table as written.
 */
async function rewriteTableWithGuids(img: string, plan: DiskPlan, table: Planned['table'], reports: FsReport[]): Promise<Planned['table']> {
  if (plan.table.type !== 'gpt') return table;
  const guids = new Map<string, string>();
  for (const r of reports) for (const [n, g] of Object.entries(r.partitionGuids ?? {})) guids.set(n, g.toUpperCase());
  const set = plan.partitions.map((pp) => (pp.guid === undefined && guids.has(pp.name) ? { ...pp, guid: guids.get(pp.name)! } : pp));
  if (set.every((pp, i) => pp === plan.partitions[i])) return table;
  const final = buildPartitionTable({ ...plan, partitions: set });
  await writePartitionTable(img, final);
  return final;
}


/** The partition's PARTUUID as blkid reports it: DOS "<label-id>-<2-digit hex number>" (e.g. 2178694e-02), GPT the partition GUID. */
function partitionIds(info: TableInfo, index: number): { guid?: string; partuuid: string } {
  if (info.type === 'dos') {
    const id = (info.labelId ?? '0x0').replace(/^0x/, '').toLowerCase().padStart(8, '0');
    return { partuuid: `${id}-${index.toString(16).padStart(2, '0')}` };
  }
  const guid = info.partitions.find((p) => p.index === index)?.guid?.toLowerCase();
  return guid ? { guid, partuuid: guid } : { partuuid: '' };
}

/**
 * Boot sanity: in a filesystem with both the closure and an extlinux entry, an explicit
 * options.init must exist. (That the toplevel is one of the closure's store paths is
 * checked where extlinux.conf is generated, src/content/extlinux.ts.)
 */
function checkBootable(spec: ImageSpec, trees: FileTree[], closure: ClosureInfo | undefined): void {
  if (!closure) return;
  for (const [i, p] of spec.partitions.entries()) {
    if (!p.contents.some((c) => c.kind === 'generate' && c.generator === 'closure')) continue;
    for (const [j, c] of p.contents.entries()) {
      if (c.kind !== 'generate' || c.generator !== 'extlinux') continue;
      const init = c.options.init;
      if (typeof init === 'string' && !treeHasPath(trees[i]!, init)) {
        throw inputError(`${partitionName(spec, i)}.contents[${j}].options.init: ${init} does not exist in this filesystem (partition "${p.name}"); give a path inside the closure`);
      }
    }
  }
}

/**
 * The tools `imgsmith build` can run besides its filesystems' and outputs' tools() (which
 * toolNames checks and records): ext4's dumpe2fs and fallocate (e2fsprogs and util-linux,
 * like its mke2fs), zstd (the .img.zst when the addon has no libzstd, the tar outputs), and
 * find/chmod/rm removing the temporary tree (src/rmtree.ts, bin/imgsmith.js). nix/package.nix puts every one of them on
 * imgsmith's PATH (test/runtime-tools.test.ts).
 */
export const BUILD_TOOLS = ['dumpe2fs', 'fallocate', 'zstd', 'find', 'chmod', 'rm'] as const;

/** The tools the build runs: its filesystems' and its outputs', sorted. */
function toolNames(spec: ImageSpec, plan: OutputPlan, active: AnyOutput[]): string[] {
  const names = new Set<string>();
  for (const p of spec.partitions) for (const t of driverFor(p.filesystem).tools(p.filesystem)) names.add(t);
  for (const o of active) for (const t of o.tools?.(plan) ?? []) names.add(t);
  return [...names].sort();
}

/** The firmware files the image holds (copied into a filesystem, read by a driver: raw's blob, or a region) and their hashes. */
async function firmwareHashes(spec: ImageSpec, trees: FileTree[], firmwareDir: string): Promise<{ path: string; sha256: string }[]> {
  const out = new Map<string, string>();
  const dir = fromUtf8(firmwareDir) + '/';
  const add = async (source: string) => {
    if (source.startsWith(dir) && !out.has(source)) out.set(source, await sha256File(Buffer.from(source, 'latin1')));
  };
  for (const t of trees) {
    for (const [, e] of t.explicitEntries()) if (e.kind === 'file') await add(e.source);
  }
  for (const p of spec.partitions) {
    for (const s of driverFor(p.filesystem).sources?.(p.filesystem) ?? []) if (s.from === 'firmware') await add(fromUtf8(path.join(firmwareDir, s.path)));
  }
  for (const r of spec.regions) if (r.from === 'firmware') await add(fromUtf8(path.join(firmwareDir, r.file)));
  return [...out.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([p, sha256]) => ({ path: Buffer.from(p.slice(dir.length), 'latin1').toString('utf8'), sha256 }));
}

let versionCache: string | undefined;
export async function imgsmithVersion(): Promise<string> {
  if (!versionCache) {
    const pkg = JSON.parse(await fsp.readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    versionCache = pkg.version;
  }
  return versionCache;
}

