/**
 * The pipeline: spec -> contents -> plan -> write -> package.
 * Everything is written under a temporary directory inside the output
 * directory and renamed to its final name only when the whole build succeeded,
 * so a failed or interrupted build leaves nothing under a final name.
 */
import { promises as fsp, constants as fsc } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { buildError, resourceError, usageError } from './errors.ts';
import { makeTempDir, removeStaleTempDirs, removeTempDir, testHook, TMP_PREFIX } from './lifetime.ts';
import { publishOutputs } from './publish.ts';
import { readRegularText } from './input-file.ts';
import { loadSpec } from './spec.ts';
import type { FilesystemSpec, ImageSpec, SourceRoot } from './spec-types.ts';
import { resolveContents, type ContentInputs } from './content/resolve.ts';
import { FileTree, fromUtf8 } from './content/tree.ts';
import { readClosureInfo, storeHostPath, type ClosureInfo } from './closure.ts';
import { driverFor } from './fs/index.ts';
import { RAW_BLOB_PATH } from './fs/raw.ts';
import type { FsContext, FsReport } from './fs/types.ts';
import { planLayout } from './layout.ts';
import type { DiskPlan } from './plan-types.ts';
import { buildPartitionTable, validateTable, writePartitionTable, type TableInfo } from './ptable/index.ts';
import { silentProgress, type Progress } from './progress.ts';
import { writeSha256File } from './outputs/checksum.ts';
import { packageImage } from './outputs/package.ts';
import { ChunkedZstd } from './outputs/chunked.ts';
import { writeHydraProducts } from './outputs/hydra.ts';
import { writeTarProduct, type TarProduct } from './outputs/tar-product.ts';
import { toolVersions, writeManifest, type Manifest, type ManifestBmap } from './outputs/manifest.ts';
import { outputBaseName, safeName } from './outputs/naming.ts';
import { treeHasPath } from './content/extlinux.ts';
import { minimumFatSize, vfatLayout } from './fs/vfat.ts';
import { formatSize } from './units.ts';

export interface BuildOptions {
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
  /** Overrides spec.output.compress. */
  compress?: boolean;
  /** Keep the raw .img next to the compressed one. */
  keepRaw?: boolean;
  /** Value of {label} in the output name (default: toplevel's nixos-version, else the spec name). */
  label?: string;
  /** Overrides spec.size, the target disk size in bytes. */
  diskSize?: number;
  progress?: Progress;
}

export interface BuildResult {
  /** The raw image (absent when compressed and not kept). */
  imagePath?: string;
  compressedPath?: string;
  bmapPath?: string;
  /** output.tar: the tarball. */
  tarPath?: string;
  manifestPath: string;
  manifest: Manifest;
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
      if (c.kind === 'generate' && c.generator === 'extlinux') roots.add('toplevel');
    }
    if (p.filesystem.type === 'raw' && p.filesystem.source) roots.add(p.filesystem.source.from);
  }
  return roots;
}

const usesClosure = (spec: ImageSpec) =>
  spec.partitions.some((p) => p.contents.some((c) => c.kind === 'generate' && c.generator === 'closure')) ||
  spec.output.tar?.type === 'nix-binary-tarball';

async function hashFile(p: string): Promise<string> {
  return createHash('sha256').update(await fsp.readFile(p)).digest('hex');
}

export async function buildImage(opts: BuildOptions): Promise<BuildResult> {
  const progress = opts.progress ?? silentProgress;
  const epoch = buildEpoch();
  const spec = await loadSpec(opts.specPath);
  if (opts.diskSize !== undefined) spec.diskSize = opts.diskSize;

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
  if (usesClosure(spec) && !closureDir) throw usageError(`${opts.specPath} includes a Nix closure: give --closure DIR (a closureInfo directory)`);

  // The {label}: checked now rather than after the whole build.
  const fromVersion = opts.label === undefined ? await readLabel(toplevel) : undefined;
  const label = opts.label ?? fromVersion ?? spec.name;
  checkLabel(spec, label, opts.label !== undefined ? '--label' : fromVersion !== undefined ? `the label read from ${toplevel}/nixos-version` : 'the spec name');
  // Output names: {label} and the whole name made safe ([A-Za-z0-9._+-]) and checked before anything is written.
  const base = outputBaseName(spec.output.name, { name: spec.name, label, system: spec.system }, opts.label !== undefined ? 'spec.output.name with --label' : 'spec.output.name');

  const outDir = await prepareOutDir(opts.outDir, progress);
  const tmp = await makeBuildTmp(outDir, opts.outDir);
  try {
    await testHook('build', (name, data) => progress.event(name, data));
    return await buildInto(spec, { ...opts, label }, { firmware, toplevel, closureDir, ...(storeRoot ? { storeRoot } : {}), outDir, tmp, epoch, progress, base });
  } finally {
    await removeTempDir(tmp);
  }
}

interface Env {
  firmware?: string;
  toplevel?: string;
  closureDir?: string;
  storeRoot?: string;
  outDir: string;
  tmp: string;
  epoch: number;
  progress: Progress;
  /** The output base name (outputs/naming.ts). */
  base: string;
}

async function buildInto(spec: ImageSpec, opts: BuildOptions, env: Env): Promise<BuildResult> {
  const { progress, tmp } = env;
  const background: Promise<unknown>[] = [];
  const ctx: FsContext = { tmpDir: tmp, progress, epoch: env.epoch, background: (w) => background.push(w) };

  // 1. Contents.
  let closure: Promise<ClosureInfo> | undefined;
  const inputs: ContentInputs = {
    roots: { spec: spec.specDir, ...(env.firmware ? { firmware: env.firmware } : {}), ...(env.toplevel ? { toplevel: env.toplevel } : {}) },
    ...(env.closureDir ? { closure: () => (closure ??= readClosureInfo(env.closureDir!, env.storeRoot ? { storeRoot: env.storeRoot } : {})) } : {}),
    storeHost: storeHostPath(env.storeRoot),
  };
  const ph = progress.phase('contents');
  const trees: FileTree[] = [];
  for (const [i, p] of spec.partitions.entries()) {
    const where = `spec.partitions[${i}]`;
    const tree = await resolveContents(p.contents, inputs, where, { noSymlinks: p.filesystem.type === 'vfat' });
    if (p.filesystem.type === 'raw' && p.filesystem.source) {
      const root = inputs.roots[p.filesystem.source.from]!;
      const src = path.join(root, p.filesystem.source.path);
      const st = await fsp.stat(src).catch(() => undefined);
      if (!st?.isFile()) throw buildError(`${where}.filesystem.source: ${src} is not a file`);
      tree.add(RAW_BLOB_PATH, { kind: 'file', mode: 0o644, size: st.size, source: fromUtf8(src) });
    }
    if (p.filesystem.type === 'ext4' && tree.get('/lost+found') && tree.get('/lost+found')!.kind !== 'dir') {
      throw usageError(`${where}.contents: the contents put a file at /lost+found, which ext4 reserves for a directory; move it elsewhere`);
    }
    driverFor(p.filesystem).validate(p.filesystem, tree, `partition ${i + 1} ("${p.name}")`);
    trees.push(tree);
  }
  ph.end({ entries: trees.reduce((n, t) => n + t.size, 0) });
  const closureInfo = closure ? await closure : undefined;
  checkBootable(spec, trees, closureInfo);

  // 2. Plan.
  const pm = progress.phase('measure');
  const minSizes = await Promise.all(spec.partitions.map((p, i) => driverFor(p.filesystem).minimumSize(p.filesystem, trees[i]!, ctx)));
  pm.end({ minSizes });
  const plan: DiskPlan = planLayout({ spec, minSizes, minReasons: minSizes.map((m, i) => minimumReason(spec.partitions[i]!.filesystem, m)) });
  validateTable(plan);
  const table = buildPartitionTable(plan);
  progress.event('plan', {
    diskSize: plan.diskSize,
    partitions: plan.partitions.map((p) => ({ name: p.name, start: p.start, size: p.size })),
  });

  // 3. Write: a sparse file of the final size, the table, then every filesystem (concurrently).
  const base = env.base;
  // Image files go to output.directory (nixpkgs' "sd-image/") when given; manifest and nix-support stay at the top.
  const sub = spec.output.directory;
  const rel = (name: string) => (sub ? `${sub}/${name}` : name);
  const imgName = `${base}.img`;
  const img = path.join(tmp, imgName);
  const fh = await fsp.open(img, 'wx');
  try {
    await fh.truncate(plan.diskSize);
  } catch (err) {
    throw resourceError(err, { file: path.join(env.outDir, imgName), bytes: plan.diskSize, outDir: opts.outDir }) ?? err;
  } finally {
    await fh.close();
  }
  await writePartitionTable(img, table);
  // The .img.zst is made of one zstd frame per chunk of the image (outputs/chunked.ts); the
  // chunks mke2fs is done with are compressed while it still writes the rest.
  const compress = opts.compress ?? spec.output.compress !== 'none';
  let chunked: ChunkedZstd | undefined;
  const tracks: Promise<unknown>[] = [];
  if (compress) {
    const workDir = path.join(tmp, 'zstd-frames');
    await fsp.mkdir(workDir);
    const z = new ChunkedZstd(img, plan.diskSize, { level: spec.output.zstdLevel, workDir });
    chunked = z;
    ctx.watchWrites = (start, end) => ({
      env: { IMGSMITH_SHIM_WRITELOG: '3', IMGSMITH_SHIM_WRITELOG_FILE: img },
      attach: (log) => {
        const t = z.track(log, start, end);
        t.catch(() => undefined);
        tracks.push(t);
      },
    });
  }
  // Writers that run an external tool (mke2fs) start first; in-process ones (FAT, which
  // blocks the event loop while it runs) wait until those tools run, so they overlap.
  const external = spec.partitions.filter((p) => !driverFor(p.filesystem).inProcess).length;
  let waiting = external;
  let toolsRunning!: () => void;
  const allToolsRunning = new Promise<void>((r) => (toolsRunning = r));
  const oneStarted = () => {
    if (--waiting <= 0) toolsRunning();
  };
  if (waiting <= 0) toolsRunning();
  const writing = Promise.all(
    spec.partitions.map(async (p, i) => {
      const pp = plan.partitions[i]!;
      const driver = driverFor(p.filesystem);
      let started = false;
      const started1 = () => {
        if (!started) {
          started = true;
          oneStarted();
        }
      };
      if (driver.inProcess) await allToolsRunning;
      const w = progress.phase(`write:${p.name}`);
      try {
        const r = await driver.write(p.filesystem, trees[i]!, { imagePath: img, offset: pp.start, size: pp.size }, { ...ctx, toolStarted: started1 });
        w.end({ type: r.type });
        return r;
      } finally {
        if (!driver.inProcess) started1();
      }
    }),
  );

  let reports: FsReport[];
  try {
    reports = await writing;
    await Promise.all(tracks);
  } catch (err) {
    await Promise.allSettled(tracks);
    await chunked?.abort();
    throw err;
  }

  // 4. Package: one pass over the image for its hash, the bmap and zstd.
  const finals: [string, string][] = []; // [tmp path, final name]
  const zname = `${imgName}.zst`;
  const zpath = path.join(tmp, zname);
  const bmapName = `${base}.bmap`;
  const bmapPath = spec.output.bmap ? path.join(tmp, bmapName) : undefined;
  const pk = progress.phase(compress ? 'compress' : 'checksum', plan.diskSize, 'bytes');
  const packaged = await packageImage(img, {
    ...(bmapPath ? { bmap: bmapPath } : {}),
    ...(chunked ? { chunked: { zstd: chunked, out: zpath } } : {}),
    onProgress: (d, t) => pk.update(d, t),
  });
  pk.end();
  const imgSha = packaged.sha256;
  let bmap: ManifestBmap | undefined;
  if (bmapPath && packaged.bmap) {
    const { sha256, blockSize, blocksCount, mappedBlocksCount } = packaged.bmap;
    bmap = { file: rel(bmapName), sha256, blockSize, blocksCount, mappedBlocksCount };
    finals.push([bmapPath, rel(bmapName)]);
  }
  let compressed: { file: string; size: number; sha256: string } | undefined;
  if (packaged.compressed) {
    compressed = { file: rel(zname), ...packaged.compressed };
    finals.push([zpath, rel(zname)], [await writeSha256File(zpath, packaged.compressed.sha256), rel(`${zname}.sha256`)]);
  }
  const keepRaw = !compressed || opts.keepRaw === true;
  if (keepRaw) finals.push([img, rel(imgName)], [await writeSha256File(img, imgSha), rel(`${imgName}.sha256`)]);
  let tar: TarProduct | undefined;
  if (spec.output.tar) {
    const tp = progress.phase('tar');
    tar = await writeTarProduct(spec.output.tar, {
      trees,
      partitionIndex: (name) => spec.partitions.findIndex((p) => p.name === name),
      ...(env.closureDir ? { closure: () => (closure ??= readClosureInfo(env.closureDir!, env.storeRoot ? { storeRoot: env.storeRoot } : {})) } : {}),
      dir: tmp,
      base,
      label: safeName(opts.label ?? spec.name),
      system: spec.system,
      epoch: env.epoch,
      ...(compress ? { zstdLevel: spec.output.zstdLevel } : {}),
    });
    finals.push(...tar.finals.map(([from, name]): [string, string] => [from, rel(name)]));
    tp.end({ size: tar.manifest.size });
  }
  const product = compressed ? compressed.file : rel(imgName);
  const nixSupport = path.join(tmp, 'nix-support');
  await writeHydraProducts(tmp, {
    imagePath: path.join(env.outDir, product),
    system: spec.system,
    ...(tar?.hydraSubtype ? { extra: [{ subtype: tar.hydraSubtype, path: path.join(env.outDir, tar.manifest.file) }] } : {}),
  });
  finals.push([nixSupport, 'nix-support']);

  const closure2 = closure ? await closure : undefined;
  const tools = await toolVersions(toolNames(spec, compress));
  const manifest: Manifest = {
    imgsmith: { version: await imgsmithVersion() },
    spec: { name: spec.name, path: path.resolve(opts.specPath), sha256: await hashFile(opts.specPath) },
    image: {
      file: rel(imgName),
      size: plan.diskSize,
      sha256: imgSha,
      ...(compressed ? { compressed: { ...compressed, compressor: 'zstd', level: spec.output.zstdLevel } } : {}),
      ...(bmap ? { bmap } : {}),
    },
    table: { ...table.info },
    partitions: plan.partitions.map((pp, i) => ({
      index: pp.index,
      name: pp.name,
      start: pp.start,
      size: pp.size,
      type: pp.type,
      bootable: pp.bootable,
      ...partitionIds(table.info, pp.index),
      filesystem: reports[i]!,
    })),
    ...(tar ? { tar: tar.manifest } : {}),
    inputs: {
      ...(closure2 && env.closureDir
        ? {
            closure: {
              dir: env.closureDir,
              storePaths: closure2.storePaths.length,
              registrationSha256: createHash('sha256').update(closure2.registration).digest('hex'),
            },
          }
        : {}),
      ...(env.toplevel ? { toplevel: env.toplevel, toplevelStorePath: await fsp.realpath(env.toplevel) } : {}),
      sourceDateEpoch: env.epoch,
      ...(env.firmware ? { firmware: { dir: env.firmware, files: await firmwareHashes(trees, env.firmware) } } : {}),
    },
    tools,
  };
  const manifestTmp = path.join(tmp, 'manifest.json');
  await writeManifest(manifestTmp, manifest);

  await Promise.all(background);

  // 5. Publish: rename everything to its final name, the manifest last (see src/publish.ts).
  await testHook('publish', (name, data) => progress.event(name, data));
  await publishOutputs([...finals, [manifestTmp, 'manifest.json']], env.outDir, tmp);
  const manifestPath = path.join(env.outDir, 'manifest.json');
  return {
    ...(keepRaw ? { imagePath: path.join(env.outDir, rel(imgName)) } : {}),
    ...(compressed ? { compressedPath: path.join(env.outDir, compressed.file) } : {}),
    ...(bmapPath ? { bmapPath: path.join(env.outDir, rel(`${base}.bmap`)) } : {}),
    ...(tar ? { tarPath: path.join(env.outDir, rel(tar.manifest.file)) } : {}),
    manifestPath,
    manifest,
  };
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

/** Why a partition's minimum size is what it is, when the filesystem rather than its content sets it. */
function minimumReason(fs: FilesystemSpec, min: number): string | undefined {
  if (fs.type !== 'vfat' || fs.fatType === 'auto' || min !== minimumFatSize(fs.fatType)) return undefined;
  const l = vfatLayout(min, fs.fatType);
  const clusters = fs.fatType === 32 ? 65525 : 4085;
  const clusterSize = l ? l.clusterSectors * 512 : 512;
  return `FAT${fs.fatType} needs at least ${clusters} clusters, i.e. at least ${formatSize(min)} with ${clusterSize}-byte clusters; make the partition larger or use "fatType": "auto"`;
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
        throw buildError(`spec.partitions[${i}].contents[${j}].options.init: ${init} does not exist in this filesystem (partition "${p.name}"); give a path inside the closure`);
      }
    }
  }
}

function toolNames(spec: ImageSpec, compress: boolean): string[] {
  const names = new Set<string>();
  for (const p of spec.partitions) {
    if (p.filesystem.type === 'ext4') names.add('mke2fs').add('debugfs');
    if (p.filesystem.type === 'btrfs') names.add('mkfs.btrfs');
  }
  if (compress) names.add('zstd');
  return [...names].sort();
}

async function firmwareHashes(trees: FileTree[], firmwareDir: string): Promise<{ path: string; sha256: string }[]> {
  const out = new Map<string, string>();
  const dir = fromUtf8(firmwareDir) + '/';
  for (const t of trees) {
    for (const [, e] of t.explicitEntries()) {
      if (e.kind === 'file' && e.source.startsWith(dir) && !out.has(e.source)) {
        out.set(e.source, createHash('sha256').update(await fsp.readFile(Buffer.from(e.source, 'latin1'))).digest('hex'));
      }
    }
  }
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

