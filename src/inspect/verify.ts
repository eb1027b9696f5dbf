/**
 * `imgsmith verify`: is this image sound, and is it the image its manifest
 * describes? The source is a .img, a .img.zst, or a disk (or a file) the image
 * was flashed to, which may be larger than the image: then only the image's
 * length of it is compared. Every check is run by an independent tool or from
 * first principles, and each one reports where it looked:
 *  - the partition table as sfdisk (DOS: `sfdisk --verify`) or sgdisk (GPT:
 *    `sgdisk -v`) sees it, plus the table reader's own warnings;
 *  - every FAT, ext4 and btrfs filesystem's entry names (./verify-names.ts);
 *  - every filesystem found: `fsck.fat -n`, `e2fsck -fn`, `btrfs check
 *    --readonly` (vfat and btrfs partitions are copied sparsely into a
 *    temporary file first; e2fsck reads at an offset); swap by its signature;
 *  - every dm-verity hash partition: its data partition's hash tree recomputed
 *    and compared, the root hash against the manifest's (./verify-verity.ts);
 *  - with a manifest: the image's size and SHA-256 (over the first `image.size`
 *    bytes of a disk), the compressed file's SHA-256, the bmap file's own
 *    checksum and SHA-256, each bootloader region's SHA-256 at its offset; with a bmap (the manifest's, or one beside the image):
 *    every bmap range's checksum against the bytes, through the same code as
 *    flash's read-back (../flash/readback.ts). The raw image's SHA-256 is in the
 *    manifest only when the raw .img was published; without it the image is
 *    vouched for by the .img.zst's SHA-256 and the content checksum of each zstd
 *    frame, checked while decompressing. The manifest's `.simg` and per-partition
 *    artifacts: each partition's range against the SHA-256 of its raw bytes, and
 *    each artifact file's SHA-256 (SKIPPED when it is not beside the manifest).
 * Every check ends `ok`, `FAIL` or `SKIPPED` with the reason (a tool not
 * installed, no manifest, no bmap): nothing is left out silently. Only a FAIL
 * makes the verdict fail.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { runTool } from '../tools/run.ts';
import { buildError, ImgsmithError, ToolMissingError } from '../errors.ts';
import { parseBmap } from '../outputs/bmap.ts';
import { hashRange, sha256File } from '../outputs/checksum.ts';
import { bmapBeside, bmapRanges, blockSpan, compareRanges, dropCache, sha256Prefix } from '../flash/readback.ts';
import { copyPartition, openImage } from './image.ts';
import { detectFs } from './probe.ts';
import { drivers } from '../fs/index.ts';
import type { FsCheck } from '../fs/types.ts';

type ToolCheck = Extract<FsCheck, { tool: string }>;
import { readPartitionTable } from './table.ts';
import { checkNames } from './verify-names.ts';
import { manifestBeside, readArtifacts, readManifest, readManifestRegions, type ManifestArtifact, type ManifestImage } from './manifest.ts';
import { hashAt } from './regions.ts';
import { showRange } from '../regions.ts';
import { checkVerityPartitions } from './verify-verity.ts';
import type { OpenedImage, Partition } from './types.ts';

import type { CheckResult, CheckStatus } from './types.ts';
export type { CheckResult, CheckStatus } from './types.ts';

export interface VerifyResult {
  image: string;
  /** No check failed. */
  ok: boolean;
  passed: number;
  failed: number;
  skipped: number;
  checks: CheckResult[];
}

export interface VerifyOptions {
  /** manifest.json written by `imgsmith build` (default: the one beside the image, if it names it). */
  manifest?: string;
  onCheck?: (c: CheckResult) => void;
}

/** What every check sees: the opened source, and the manifest when there is one. */
interface VerifyContext {
  img: OpenedImage;
  /** The manifest file, when one was given or found beside the image. */
  manifestFile?: string;
  manifest?: ManifestImage;
  /** The manifest's per-partition artifacts (none: []). */
  artifacts?: ManifestArtifact[];
  /** Why there is no manifest (a SKIPPED reason). */
  noManifest?: string;
}

type Checker = (ctx: VerifyContext) => Promise<CheckResult[]>;

const result = (check: string, where: string, status: CheckStatus | boolean, detail: string): CheckResult => {
  const st: CheckStatus = status === true ? 'ok' : status === false ? 'FAIL' : status;
  return { check, where, status: st, ok: st === 'ok', detail };
};

const TAIL = 6;

/** The most telling lines of a tool's output (its errors, not its banner). */
function gist(out: string): string {
  const lines = out.split('\n').map((l) => l.trim()).filter(Boolean);
  const bad = lines.filter((l) => /error|invalid|corrupt|bad|wrong|problem|mismatch|fail|differ|not|overlap|unable|\*\*\*/i.test(l));
  return (bad.length ? bad : lines).slice(0, TAIL).join('; ');
}

/**
 * The tools `imgsmith verify` runs (only these: `tool` takes no other name): the table
 * checkers, the filesystem checkers, and zstd for a .img.zst (src/inspect/zstd.ts; libzstd, Node's zstd or zstd-codec
 * in-process without it), blockdev --flushbufs before reading a disk back (../flash/readback.ts).
 * nix/package.nix puts them on imgsmith's PATH (test/runtime-tools.test.ts).
 */
export const VERIFY_TOOLS = ['sfdisk', 'sgdisk', 'e2fsck', 'fsck.fat', 'btrfs', 'fsck.erofs', 'zstd', 'blockdev', 'unsquashfs'] as const;
type VerifyTool = (typeof VERIFY_TOOLS)[number];

async function tool(cmd: VerifyTool, args: string[]): Promise<{ ok: boolean; out: string; missing?: boolean }> {
  const r = await runTool(cmd, args, { all: true, check: false }).catch((err: unknown) => {
    if (err instanceof ToolMissingError) return undefined;
    throw err;
  });
  if (!r) return { ok: false, out: `${cmd} not installed`, missing: true };
  return { ok: r.exitCode === 0, out: r.all ?? '' };
}

/** A tool's verdict as a check: SKIPPED when it is not installed. */
function toolResult(check: string, where: string, r: { ok: boolean; out: string; missing?: boolean }, ok: boolean, detail: string): CheckResult {
  return r.missing ? result(check, where, 'SKIPPED', r.out) : result(check, where, ok, detail);
}

/** sgdisk -v's one complaint about a GPT image on a larger disk: the backup header is at the image's end. */
const onlyBackupNotAtEnd = (out: string) => /Identified 1 problems?/.test(out) && /secondary header's self-pointer indicates that it doesn't reside/.test(out);

const checkTable: Checker = async (ctx) => {
  const { img } = ctx;
  // On a disk larger than the image, the table is read over the image's length.
  const len = ctx.manifest && ctx.manifest.size < img.size ? ctx.manifest.size : img.size;
  const out: CheckResult[] = [];
  let table;
  try {
    table = await readPartitionTable(img.path, len, img.source);
  } catch (err) {
    return [result('table', img.source, false, (err as Error).message)];
  }
  if (table.type === 'gpt') {
    const r = await tool('sgdisk', ['-v', img.path]);
    const larger = len < img.size && !r.missing && onlyBackupNotAtEnd(r.out);
    const clean = (r.ok && /No problems found/.test(r.out)) || larger;
    const detail = larger ? `the backup GPT header is at the image's end, not the disk's (the disk is larger: \`sgdisk -e\` moves it); ${table.partitions.length} partitions` : `no problems found; ${table.partitions.length} partitions`;
    out.push(toolResult('table', `${img.source} (GPT, sgdisk -v)`, r, clean, clean ? detail : gist(r.out)));
  } else {
    const r = await tool('sfdisk', ['--verify', img.path]);
    const clean = r.ok && /No errors detected/.test(r.out);
    out.push(toolResult('table', `${img.source} (DOS, sfdisk --verify)`, r, clean, clean ? `no errors detected; ${table.partitions.length} partitions` : gist(r.out)));
  }
  for (const w of table.warnings) out.push(result('table', img.source, false, w));
  for (const p of table.partitions) out.push(await checkFs(img, p));
  return out;
};

async function extract(img: OpenedImage, p: Partition): Promise<string> {
  const file = path.join(await img.tmpDir(), `verify-part-${p.index}.raw`);
  await fsp.rm(file, { force: true });
  await copyPartition(img.path, p.start, p.size, file);
  return file;
}

/** Runs `cmd` on a sparse copy of the partition (for tools that cannot read at an offset). */
async function onCopy<T>(img: OpenedImage, p: Partition, fn: (file: string) => Promise<T>): Promise<T> {
  const file = await extract(img, p);
  try {
    return await fn(file);
  } finally {
    await fsp.rm(file, { force: true });
  }
}

/** Runs a driver's checker on the partition: at an offset of the image, or on a sparse copy. */
async function runCheck(img: OpenedImage, p: Partition, rule: ToolCheck): Promise<{ ok: boolean; out: string; missing?: boolean }> {
  const cmd = rule.tool as VerifyTool;
  if (!(VERIFY_TOOLS as readonly string[]).includes(cmd)) throw buildError(`verify: the ${rule.tool} check is not one of VERIFY_TOOLS`);
  if (rule.input === 'offset') return tool(cmd, rule.args(`${img.path}?offset=${p.start}`));
  return onCopy(img, p, (file) => tool(cmd, rule.args(file)));
}

/** The filesystem's own check: what to run and how to read it are the driver's (`check`). */
async function checkFs(img: OpenedImage, p: Partition): Promise<CheckResult> {
  if (p.extended) return result('fs', `partition ${p.index} (extended)`, true, 'an extended partition: its logical partitions are checked on their own');
  const type = await detectFs(img.path, p.start, p.size);
  const where = `partition ${p.index}${p.name ? ` "${p.name}"` : ''} (${type ?? 'no filesystem'})`;
  const rule = type ? drivers[type].check : null;
  if (!rule) return result('fs', where, true, 'no filesystem to check (raw data)');
  if (rule.tool === undefined) return result('fs', where, true, rule.signature);
  const r = await runCheck(img, p, rule);
  const v = rule.verdict(r);
  return toolResult('fs', `${where}, ${rule.title}`, r, v.ok, v.ok ? (v.summary ?? 'clean') : gist(v.problems || r.out));
}

/** The image's length in the source: the manifest's size, else the bmap's for a disk, else the file's. */
function imageLength(ctx: VerifyContext, bmapSize?: number): number {
  if (ctx.manifest) return ctx.manifest.size;
  return ctx.img.kind === 'block-device' && bmapSize !== undefined ? bmapSize : ctx.img.size;
}

/** Every bmap range's checksum against the source's bytes (flash's read-back); the first mismatch names its blocks. */
async function checkBmapRanges(ctx: VerifyContext, bmapFile: string): Promise<CheckResult> {
  const { img } = ctx;
  let bmap;
  try {
    bmap = parseBmap(await fsp.readFile(bmapFile, 'utf8'), bmapFile);
  } catch (err) {
    return result('bmap-file', bmapFile, false, (err as Error).message);
  }
  const len = imageLength(ctx, bmap.imageSize);
  if (img.size < len) return result('bmap-ranges', bmapFile, false, `${img.source} holds ${img.size} bytes, the image has ${len}`);
  let ranges;
  try {
    ranges = bmapRanges(bmap, len, bmapFile);
  } catch (err) {
    return result('bmap-ranges', bmapFile, false, (err as Error).message);
  }
  await dropCache(img.path);
  const bad = await compareRanges(img.path, ranges, img.source);
  if (bad) {
    const r = bad.range;
    return result('bmap-ranges', bmapFile, false, `${blockSpan(r, bmap.blockSize)} (bytes ${r.start}-${r.end - 1}) of ${img.source} have ${r.algo} ${bad.got}, the bmap says ${r.expect}`);
  }
  return result('bmap-ranges', bmapFile, true, `${bmap.ranges.length} ranges, ${bmap.mappedBlocksCount} blocks match`);
}

/** The image's size and SHA-256 against the manifest (over the image's length of a larger disk or file). */
async function checkImageSha(ctx: VerifyContext, m: ManifestImage): Promise<CheckResult> {
  const { img } = ctx;
  const where = `${img.source}${img.kind === 'zstd' ? ' (decompressed)' : img.size > m.size ? ` (its first ${m.size} bytes)` : ''}`;
  // A disk or file the image was written to may be larger; never smaller.
  const sizeOk = img.kind === 'zstd' ? img.size === m.size : img.size >= m.size;
  const sizeDetail = img.size === m.size ? `${img.size} bytes` : `${img.size} bytes, the manifest says ${m.size}`;
  if (m.sha256 === undefined) {
    // Only the .img.zst was published: its SHA-256 and the frames' content checksums vouch for the image's bytes.
    return result('image-size', where, sizeOk, sizeOk ? `${sizeDetail} (the manifest has no raw image SHA-256: only the .img.zst was published)` : sizeDetail);
  }
  if (!sizeOk) return result('image-sha256', where, false, sizeDetail);
  await dropCache(img.path);
  const sha = await sha256Prefix(img.path, m.size, img.source);
  return result('image-sha256', where, sha === m.sha256, sha === m.sha256 ? sha : `sha256 ${sha}, the manifest says ${m.sha256}`);
}

/** The file's SHA-256 against the manifest's, SKIPPED when the file is not there. */
async function checkFileSha(check: string, file: string, expect: string, missing: string): Promise<CheckResult> {
  if (!fs.existsSync(file)) return result(check, file, 'SKIPPED', missing);
  const sha = await sha256File(file);
  return result(check, file, sha === expect, sha === expect ? sha : `sha256 ${sha}, the manifest says ${expect}`);
}

const checkManifest: Checker = async (ctx) => {
  const { img, manifest: m, manifestFile } = ctx;
  if (!m || !manifestFile) return [result('image-sha256', img.source, 'SKIPPED', ctx.noManifest ?? 'no manifest')];
  const dir = path.dirname(manifestFile);
  const out = [await checkImageSha(ctx, m)];
  if (m.compressed) {
    const zst = img.kind === 'zstd' ? img.source : path.join(dir, m.compressed.file);
    out.push(await checkFileSha('compressed-sha256', zst, m.compressed.sha256, `not found beside ${manifestFile}`));
  }
  if (m.bmap) {
    const bmapFile = path.join(dir, m.bmap.file);
    if (!fs.existsSync(bmapFile)) out.push(result('bmap-file', bmapFile, false, `${manifestFile} names ${m.bmap.file}, but it is not in ${dir}`));
    else out.push(await checkFileSha('bmap-file', bmapFile, m.bmap.sha256, ''));
  }
  if (m.simg) out.push(await checkFileSha('simg-sha256', path.join(dir, m.simg.file), m.simg.sha256, `not found beside ${manifestFile}`));
  return out;
};

/** The manifest's per-partition artifacts: each partition's range of the image against its SHA-256, and each artifact file's SHA-256. */
const checkArtifacts: Checker = async (ctx) => {
  const { img, artifacts = [], manifestFile } = ctx;
  if (!manifestFile) return [];
  const out: CheckResult[] = [];
  const fh = await fsp.open(img.path, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
    for (const a of artifacts) {
      const where = `${img.source} partition "${a.name}" (bytes ${a.start}-${a.start + a.size - 1})`;
      if (a.start + a.size > img.size) {
        out.push(result('artifact-range', where, false, `${img.source} holds ${img.size} bytes`));
        continue;
      }
      const sha = await hashRange(fh, a.start, a.start + a.size, 'sha256', buf, img.source);
      out.push(result('artifact-range', where, sha === a.sha256, sha === a.sha256 ? sha : `sha256 ${sha}, the manifest says ${a.sha256}`));
      const files = [a.file !== undefined ? { file: a.file, sha256: a.sha256 } : undefined, a.compressed, a.bmap, a.simg].filter((r) => r !== undefined);
      for (const r of files) out.push(await checkFileSha('artifact-file', path.join(path.dirname(manifestFile), r.file), r.sha256, `not found beside ${manifestFile}`));
    }
  } finally {
    await fh.close();
  }
  return out;
};

/** The bmap's ranges: the manifest's bmap, else one beside the image. */
const checkBmap: Checker = async (ctx) => {
  const { img, manifest: m, manifestFile } = ctx;
  const bmapFile = m?.bmap && manifestFile ? path.join(path.dirname(manifestFile), m.bmap.file) : img.kind !== 'block-device' ? bmapBeside(img.source) : undefined;
  if (bmapFile === undefined) {
    const why = m ? `${manifestFile} names no .bmap` : img.kind === 'block-device' ? 'no .bmap for a disk without --manifest' : `no .bmap beside ${img.source}`;
    return [result('bmap-ranges', img.source, 'SKIPPED', why)];
  }
  if (!fs.existsSync(bmapFile)) return [result('bmap-ranges', bmapFile, 'SKIPPED', 'the bmap file is missing')];
  return [await checkBmapRanges(ctx, bmapFile)];
};

/** Each bootloader region the manifest records: the image's bytes at its offset against the region's SHA-256. */
const checkRegions: Checker = async (ctx) => {
  const { img, manifest: m, manifestFile } = ctx;
  if (!m || !manifestFile) return [];
  let regions;
  try {
    regions = await readManifestRegions(manifestFile);
  } catch (err) {
    return [result('region', manifestFile, false, (err as Error).message)];
  }
  const out: CheckResult[] = [];
  for (const r of regions) {
    const where = `region "${r.name}" (${showRange(r.offset, r.offset + r.size)}) of ${img.source}`;
    if (r.offset + r.size > Math.min(img.size, m.size)) {
      out.push(result('region', where, false, `the image ends before the region does (${Math.min(img.size, m.size)} bytes)`));
      continue;
    }
    const sha = await hashAt(img.path, r.offset, r.size);
    out.push(result('region', where, sha === r.sha256, sha === r.sha256 ? `${r.size} bytes, sha256 ${sha}` : `sha256 ${sha}, the manifest says ${r.sha256}`));
  }
  return out;
};


/** Every dm-verity hash partition's tree against its data partition (./verify-verity.ts). */
const checkVerity: Checker = async (ctx) => {
  const { img } = ctx;
  const len = ctx.manifest && ctx.manifest.size < img.size ? ctx.manifest.size : img.size;
  const table = await readPartitionTable(img.path, len, img.source).catch(() => undefined);
  if (!table) return []; // the table check said why
  return checkVerityPartitions(img, table.partitions, async (p) => (await detectFs(img.path, p.start, p.size)) === 'verity', ctx.manifestFile);
};

/** The checks, in order; each returns its results (ok, FAIL or SKIPPED with the reason). */
const CHECKS: Checker[] = [checkTable, checkVerity, (ctx) => checkNames(ctx.img), checkManifest, checkRegions, checkBmap, checkArtifacts];

async function findManifest(source: string, given: string | undefined): Promise<Pick<VerifyContext, 'manifestFile' | 'manifest' | 'artifacts' | 'noManifest'> | CheckResult> {
  if (given !== undefined) {
    if (!fs.existsSync(given)) throw buildError(`the manifest ${given} does not exist`);
    try {
      return { manifestFile: given, manifest: await readManifest(given), artifacts: await readArtifacts(given) };
    } catch (err) {
      return result('manifest', given, false, (err as Error).message);
    }
  }
  const beside = await manifestBeside(source);
  if (beside) return { manifestFile: beside, manifest: await readManifest(beside), artifacts: await readArtifacts(beside) };
  return { noManifest: `no manifest found beside ${source} (pass --manifest)` };
}

/** Runs every check on `source` (.img, .img.zst, a block device, or a file an image was flashed to). */
export async function verifyImage(source: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const checks: CheckResult[] = [];
  const add = (c: CheckResult) => {
    checks.push(c);
    opts.onCheck?.(c);
  };
  const found = await findManifest(source, opts.manifest);
  if ('check' in found) add(found);
  let img: OpenedImage | undefined;
  try {
    img = await openImage(source);
  } catch (err) {
    // A truncated or corrupt .img.zst is a failed check, not a usage error.
    if (!(err instanceof ImgsmithError && /\.zst|zstd|decompress/i.test(err.message) && fs.existsSync(source))) throw err;
    add(result('decompress', source, false, err.message));
  }
  if (img) {
    try {
      const ctx: VerifyContext = { img, ...('check' in found ? { noManifest: 'the manifest cannot be read' } : found) };
      for (const check of CHECKS) for (const c of await check(ctx)) add(c);
    } finally {
      await img.close();
    }
  }
  const count = (st: CheckStatus) => checks.filter((c) => c.status === st).length;
  return { image: source, ok: count('FAIL') === 0, passed: count('ok'), failed: count('FAIL'), skipped: count('SKIPPED'), checks };
}
