/**
 * The pipeline: spec -> contents -> plan -> write -> package.
 * Everything is written under a temporary directory inside the output
 * directory and renamed to its final name only when the whole build succeeded,
 * so a failed or interrupted build leaves nothing under a final name.
 */
import { promises as fsp, rmSync, constants as fsc } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { buildError, usageError } from './errors.ts';
import { loadSpec } from './spec.ts';
import type { ImageSpec, SourceRoot } from './spec-types.ts';
import { resolveContents, type ContentInputs } from './content/resolve.ts';
import { FileTree } from './content/tree.ts';
import { readClosureInfo, type ClosureInfo } from './closure.ts';
import { driverFor } from './fs/index.ts';
import { RAW_BLOB_PATH } from './fs/raw.ts';
import type { FsContext, FsReport } from './fs/types.ts';
import { planLayout } from './layout.ts';
import type { DiskPlan } from './plan-types.ts';
import { buildPartitionTable, validateTable, writePartitionTable } from './ptable/index.ts';
import { silentProgress, type Progress } from './progress.ts';
import { compressorFor } from './outputs/compress.ts';
import { sha256File, writeSha256File } from './outputs/checksum.ts';
import { writeBmap } from './outputs/bmap.ts';
import { writeHydraProducts } from './outputs/hydra.ts';
import { writeTarProduct, type TarProduct } from './outputs/tar-product.ts';
import { toolVersions, writeManifest, type Manifest, type ManifestBmap } from './outputs/manifest.ts';

export interface BuildOptions {
  specPath: string;
  /** A closureInfo directory (store-paths + registration). */
  closure?: string;
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

/** Temporary directories of builds in progress, removed on SIGINT/SIGTERM by the CLI. */
export const liveTempDirs = new Set<string>();

export function cleanupTempDirsSync(): void {
  for (const d of liveTempDirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
  liveTempDirs.clear();
}

/** The timestamp given to every file and filesystem: SOURCE_DATE_EPOCH, else 1 (as NixOS's faketime). */
function buildEpoch(): number {
  const s = process.env.SOURCE_DATE_EPOCH;
  if (s === undefined || s === '') return 1;
  if (!/^\d+$/.test(s)) throw usageError(`SOURCE_DATE_EPOCH must be a whole number of seconds, got "${s}"`);
  return Number(s);
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

async function prepareOutDir(outDir: string): Promise<string> {
  const abs = path.resolve(outDir);
  try {
    await fsp.mkdir(abs, { recursive: true });
    await fsp.access(abs, fsc.W_OK);
    const probe = path.join(abs, `.imgsmith-probe-${process.pid}`);
    await fsp.writeFile(probe, '');
    await fsp.rm(probe);
  } catch (err) {
    throw buildError(`cannot write to output directory ${outDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return abs;
}

async function readLabel(toplevel: string | undefined): Promise<string | undefined> {
  if (!toplevel) return undefined;
  try {
    return (await fsp.readFile(path.join(toplevel, 'nixos-version'), 'utf8')).trim() || undefined;
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
  const toplevel = await checkInputDir('--toplevel', opts.toplevel);
  const closureDir = opts.closure === undefined ? undefined : path.resolve(opts.closure);
  const roots = usedRoots(spec);
  if (roots.has('firmware') && !firmware) throw usageError(`${opts.specPath} copies firmware files: give --firmware DIR`);
  if (roots.has('toplevel') && !toplevel) throw usageError(`${opts.specPath} needs the NixOS system: give --toplevel PATH`);
  if (usesClosure(spec) && !closureDir) throw usageError(`${opts.specPath} includes a Nix closure: give --closure DIR (a closureInfo directory)`);

  const outDir = await prepareOutDir(opts.outDir);
  const tmp = await fsp.mkdtemp(path.join(outDir, `.imgsmith-tmp-`));
  liveTempDirs.add(tmp);
  try {
    return await buildInto(spec, opts, { firmware, toplevel, closureDir, outDir, tmp, epoch, progress });
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    liveTempDirs.delete(tmp);
  }
}

interface Env {
  firmware?: string;
  toplevel?: string;
  closureDir?: string;
  outDir: string;
  tmp: string;
  epoch: number;
  progress: Progress;
}

async function buildInto(spec: ImageSpec, opts: BuildOptions, env: Env): Promise<BuildResult> {
  const { progress, tmp } = env;
  const ctx: FsContext = { tmpDir: tmp, progress, epoch: env.epoch };

  // 1. Contents.
  let closure: Promise<ClosureInfo> | undefined;
  const inputs: ContentInputs = {
    roots: { spec: spec.specDir, ...(env.firmware ? { firmware: env.firmware } : {}), ...(env.toplevel ? { toplevel: env.toplevel } : {}) },
    ...(env.closureDir ? { closure: () => (closure ??= readClosureInfo(env.closureDir!)) } : {}),
  };
  const ph = progress.phase('contents');
  const trees: FileTree[] = [];
  for (const [i, p] of spec.partitions.entries()) {
    const where = `spec.partitions[${i}]`;
    const tree = await resolveContents(p.contents, inputs, where);
    if (p.filesystem.type === 'raw' && p.filesystem.source) {
      const root = inputs.roots[p.filesystem.source.from]!;
      const src = path.join(root, p.filesystem.source.path);
      const st = await fsp.stat(src).catch(() => undefined);
      if (!st?.isFile()) throw buildError(`${where}.filesystem.source: ${src} is not a file`);
      tree.add(RAW_BLOB_PATH, { kind: 'file', mode: 0o644, size: st.size, source: src });
    }
    driverFor(p.filesystem).validate(p.filesystem, tree, `partition ${i + 1} ("${p.name}")`);
    trees.push(tree);
  }
  ph.end({ entries: trees.reduce((n, t) => n + t.size, 0) });

  // 2. Plan.
  const pm = progress.phase('measure');
  const minSizes = await Promise.all(spec.partitions.map((p, i) => driverFor(p.filesystem).minimumSize(p.filesystem, trees[i]!, ctx)));
  pm.end({ minSizes });
  const plan: DiskPlan = planLayout({ spec, minSizes });
  validateTable(plan);
  const table = buildPartitionTable(plan);
  progress.event('plan', {
    diskSize: plan.diskSize,
    partitions: plan.partitions.map((p) => ({ name: p.name, start: p.start, size: p.size })),
  });

  // 3. Write: a sparse file of the final size, the table, then every filesystem (concurrently).
  const label = opts.label ?? (await readLabel(env.toplevel)) ?? spec.name;
  const base = spec.output.name.replaceAll('{name}', spec.name).replaceAll('{label}', label).replaceAll('{system}', spec.system);
  if (base.includes('/') || base === '' || base.startsWith('.')) throw usageError(`output name "${base}" is not a valid file name`);
  const imgName = `${base}.img`;
  const img = path.join(tmp, imgName);
  const fh = await fsp.open(img, 'wx');
  await fh.truncate(plan.diskSize);
  await fh.close();
  await writePartitionTable(img, table);
  const reports: FsReport[] = await Promise.all(
    spec.partitions.map(async (p, i) => {
      const pp = plan.partitions[i]!;
      const w = progress.phase(`write:${p.name}`);
      const r = await driverFor(p.filesystem).write(p.filesystem, trees[i]!, { imagePath: img, offset: pp.start, size: pp.size }, ctx);
      w.end({ type: r.type });
      return r;
    }),
  );

  // 4. Package.
  const finals: [string, string][] = []; // [tmp path, final name]
  const compress = opts.compress ?? spec.output.compress !== 'none';
  const compressor = compress ? compressorFor('zstd') : undefined;
  const hs = progress.phase('checksum');
  const imgSha = await sha256File(img);
  hs.end();
  let bmapPath: string | undefined;
  let bmap: ManifestBmap | undefined;
  if (spec.output.bmap) {
    const bp = progress.phase('bmap');
    bmapPath = path.join(tmp, `${base}.bmap`);
    const info = await writeBmap(img, bmapPath);
    bmap = {
      file: `${base}.bmap`,
      sha256: await hashFile(bmapPath),
      blockSize: info.blockSize,
      blocksCount: info.blocksCount,
      mappedBlocksCount: info.mappedBlocksCount,
    };
    finals.push([bmapPath, `${base}.bmap`]);
    bp.end();
  }
  let compressed: { file: string; size: number; sha256: string } | undefined;
  if (compressor) {
    const zname = `${imgName}${compressor.extension}`;
    const zpath = path.join(tmp, zname);
    const cp = progress.phase('compress', plan.diskSize, 'bytes');
    await compressor.compress(img, zpath, { level: spec.output.zstdLevel, onProgress: (d, t) => cp.update(d, t) });
    cp.end();
    const z = await writeSha256File(zpath);
    compressed = { file: zname, size: (await fsp.stat(zpath)).size, sha256: z.sha256 };
    finals.push([zpath, zname], [z.path, `${zname}.sha256`]);
  }
  const keepRaw = !compressor || opts.keepRaw === true;
  if (keepRaw) {
    const s = await writeSha256File(img, { sha256: imgSha });
    finals.push([img, imgName], [s.path, `${imgName}.sha256`]);
  }
  let tar: TarProduct | undefined;
  if (spec.output.tar) {
    const tp = progress.phase('tar');
    tar = await writeTarProduct(spec.output.tar, {
      trees,
      partitionIndex: (name) => spec.partitions.findIndex((p) => p.name === name),
      ...(env.closureDir ? { closure: () => (closure ??= readClosureInfo(env.closureDir!)) } : {}),
      dir: tmp,
      base,
      label,
      system: spec.system,
      epoch: env.epoch,
      ...(compressor ? { zstdLevel: spec.output.zstdLevel } : {}),
    });
    finals.push(...tar.finals);
    tp.end({ size: tar.manifest.size });
  }
  const product = compressed ? compressed.file : imgName;
  const nixSupport = path.join(tmp, 'nix-support');
  await writeHydraProducts(tmp, {
    imagePath: path.join(env.outDir, product),
    system: spec.system,
    ...(tar?.hydraSubtype ? { extra: [{ subtype: tar.hydraSubtype, path: path.join(env.outDir, tar.manifest.file) }] } : {}),
  });
  finals.push([nixSupport, 'nix-support']);

  const closure2 = closure ? await closure : undefined;
  const tools = await toolVersions(toolNames(spec, !!compressor));
  const manifest: Manifest = {
    imgsmith: { version: await imgsmithVersion() },
    spec: { name: spec.name, path: path.resolve(opts.specPath), sha256: await hashFile(opts.specPath) },
    image: {
      file: imgName,
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
      ...(env.toplevel ? { toplevel: env.toplevel } : {}),
      ...(env.firmware ? { firmware: { dir: env.firmware, files: await firmwareHashes(trees, env.firmware) } } : {}),
    },
    tools,
  };
  const manifestTmp = path.join(tmp, 'manifest.json');
  await writeManifest(manifestTmp, manifest);

  // 5. Publish: rename everything to its final name, the manifest last.
  for (const [from, name] of finals) {
    const to = path.join(env.outDir, name);
    await fsp.rm(to, { recursive: true, force: true });
    await fsp.rename(from, to);
  }
  const manifestPath = path.join(env.outDir, 'manifest.json');
  await fsp.rename(manifestTmp, manifestPath);
  return {
    ...(keepRaw ? { imagePath: path.join(env.outDir, imgName) } : {}),
    ...(compressed ? { compressedPath: path.join(env.outDir, compressed.file) } : {}),
    ...(bmapPath ? { bmapPath: path.join(env.outDir, `${base}.bmap`) } : {}),
    ...(tar ? { tarPath: path.join(env.outDir, tar.manifest.file) } : {}),
    manifestPath,
    manifest,
  };
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
  for (const t of trees) {
    for (const [, e] of t.entries()) {
      if (e.kind === 'file' && e.source.startsWith(firmwareDir + path.sep) && !out.has(e.source)) {
        out.set(e.source, await hashFile(e.source));
      }
    }
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, sha256]) => ({ path: path.relative(firmwareDir, p), sha256 }));
}

let versionCache: string | undefined;
export async function imgsmithVersion(): Promise<string> {
  if (!versionCache) {
    const pkg = JSON.parse(await fsp.readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    versionCache = pkg.version;
  }
  return versionCache;
}

