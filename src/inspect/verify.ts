/**
 * `imgsmith verify`: is this image sound, and is it the image its manifest
 * describes? Every check is run by an independent tool or from first
 * principles, and each one reports where it looked:
 *  - the partition table as sfdisk (DOS: `sfdisk --verify`) or sgdisk (GPT:
 *    `sgdisk -v`) sees it, plus the table reader's own warnings;
 *  - every FAT, ext4 and btrfs filesystem's entry names (./verify-names.ts);
 *  - every filesystem found: `fsck.fat -n`, `e2fsck -fn`, `btrfs check
 *    --readonly` (vfat and btrfs partitions are copied sparsely into a
 *    temporary file first; e2fsck reads at an offset); swap by its signature;
 *  - with a manifest: the image's size and SHA-256, the compressed file's
 *    SHA-256, the bmap file's own checksum and SHA-256, and every bmap range's
 *    checksum against the image's bytes. The raw image's SHA-256 is in the
 *    manifest only when the raw .img was published (hashing it reads every byte,
 *    holes too); without it the image is vouched for by the .img.zst's SHA-256
 *    and the content checksum of each zstd frame, checked while decompressing.
 * A check that cannot run (a missing tool) fails; nothing is skipped silently.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { buildError, ImgsmithError } from '../errors.ts';
import { parseBmap } from '../outputs/bmap.ts';
import { hashRange, sha256File } from '../outputs/checksum.ts';
import { copyPartition, openImage } from './image.ts';
import { detectFs } from './probe.ts';
import { readPartitionTable } from './table.ts';
import { checkNames } from './verify-names.ts';
import type { OpenedImage, Partition } from './types.ts';

export interface CheckResult {
  /** table, fs, image-sha256 (image-size when the manifest has no raw SHA-256), compressed-sha256, bmap-file, bmap-ranges, decompress, manifest */
  check: string;
  /** What was checked: the image, "partition 2 (ext4)", a file. */
  where: string;
  ok: boolean;
  /** One line: what was found (the failing tool's first relevant line on failure). */
  detail: string;
}

export interface VerifyResult {
  image: string;
  ok: boolean;
  checks: CheckResult[];
}

export interface VerifyOptions {
  /** manifest.json written by `imgsmith build` (default: the one beside the image, if it names it). */
  manifest?: string;
  onCheck?: (c: CheckResult) => void;
}

interface ManifestImage {
  file: string;
  size: number;
  /** Only when the raw image was published. */
  sha256?: string;
  compressed?: { file: string; size: number; sha256: string };
  bmap?: { file: string; sha256: string };
}

const TAIL = 6;

/** The most telling lines of a tool's output (its errors, not its banner). */
function gist(out: string): string {
  const lines = out.split('\n').map((l) => l.trim()).filter(Boolean);
  const bad = lines.filter((l) => /error|invalid|corrupt|bad|wrong|problem|mismatch|fail|differ|not|overlap|unable|\*\*\*/i.test(l));
  return (bad.length ? bad : lines).slice(0, TAIL).join('; ');
}

async function readManifest(file: string): Promise<ManifestImage> {
  let doc: unknown;
  try {
    doc = JSON.parse(await fsp.readFile(file, 'utf8'));
  } catch (err) {
    throw buildError(`cannot read the manifest ${file}: ${(err as Error).message}`, err);
  }
  const image = (doc as { image?: ManifestImage }).image;
  if (!image || typeof image.file !== 'string' || !(typeof image.sha256 === 'string' || (image.sha256 === undefined && typeof image.compressed?.sha256 === 'string'))) {
    throw buildError(`${file} is not an imgsmith manifest: it has no image.file and image.sha256 (or image.compressed.sha256)`);
  }
  return image;
}

/** The manifest beside the image, when it describes this image (by file name). */
async function manifestBeside(source: string): Promise<string | undefined> {
  const candidate = path.join(path.dirname(source), 'manifest.json');
  if (!fs.existsSync(candidate)) return undefined;
  try {
    const m = await readManifest(candidate);
    const base = path.basename(source);
    return m.file === base || m.compressed?.file === base ? candidate : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The tools `imgsmith verify` runs (only these: `tool` takes no other name): the table
 * checkers, the filesystem checkers, and zstd for a .img.zst (src/inspect/zstd.ts; fzstd
 * in-process without it). nix/package.nix puts them on imgsmith's PATH (test/runtime-tools.test.ts).
 */
export const VERIFY_TOOLS = ['sfdisk', 'sgdisk', 'e2fsck', 'fsck.fat', 'btrfs', 'zstd'] as const;
type VerifyTool = (typeof VERIFY_TOOLS)[number];

async function tool(cmd: VerifyTool, args: string[]): Promise<{ ok: boolean; out: string; missing?: boolean }> {
  const r = await execa(cmd, args, { reject: false, all: true, env: { LC_ALL: 'C' } });
  if ((r as { code?: string }).code === 'ENOENT') return { ok: false, out: `${cmd} was not found: install it (see the README's setup)`, missing: true };
  return { ok: r.exitCode === 0, out: r.all ?? '' };
}

async function checkTable(img: OpenedImage): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  let table;
  try {
    table = await readPartitionTable(img.path, img.size, img.source);
  } catch (err) {
    return [{ check: 'table', where: img.source, ok: false, detail: (err as Error).message }];
  }
  if (table.type === 'gpt') {
    const r = await tool('sgdisk', ['-v', img.path]);
    const clean = r.ok && /No problems found/.test(r.out);
    out.push({ check: 'table', where: `${img.source} (GPT, sgdisk -v)`, ok: clean, detail: clean ? `no problems found; ${table.partitions.length} partitions` : gist(r.out) });
  } else {
    const r = await tool('sfdisk', ['--verify', img.path]);
    const clean = r.ok && /No errors detected/.test(r.out);
    out.push({ check: 'table', where: `${img.source} (DOS, sfdisk --verify)`, ok: clean, detail: clean ? `no errors detected; ${table.partitions.length} partitions` : gist(r.out) });
  }
  for (const w of table.warnings) out.push({ check: 'table', where: img.source, ok: false, detail: w });
  for (const p of table.partitions) out.push(await checkFs(img, p));
  return out;
}

async function extract(img: OpenedImage, p: Partition): Promise<string> {
  const file = path.join(await img.tmpDir(), `verify-part-${p.index}.raw`);
  await fsp.rm(file, { force: true });
  await copyPartition(img.path, p.start, p.size, file);
  return file;
}

async function checkFs(img: OpenedImage, p: Partition): Promise<CheckResult> {
  const type = await detectFs(img.path, p.start, p.size);
  const where = `partition ${p.index}${p.name ? ` "${p.name}"` : ''} (${type ?? 'no filesystem'})`;
  switch (type) {
    case 'ext4': {
      const r = await tool('e2fsck', ['-fn', `${img.path}?offset=${p.start}`]);
      const summary = r.out.split('\n').find((l) => /files? \(.*\), .*blocks/.test(l))?.trim();
      return { check: 'fs', where: `${where}, e2fsck -fn`, ok: r.ok, detail: r.ok ? (summary ?? 'clean') : gist(r.out) };
    }
    case 'vfat': {
      const file = await extract(img, p);
      try {
        const r = await tool('fsck.fat', ['-n', file]);
        // fsck.fat -n exits 0 even after listing some problems; any "differ"/"bad" line is one.
        const lines = r.out.split('\n').filter((l) => l.trim() && !/^fsck\.fat \d|^Checking we can access|^\S+: \d+ files, \d+\/\d+ clusters/.test(l));
        const ok = r.ok && lines.length === 0;
        const summary = r.out.split('\n').find((l) => /files, .*clusters/.test(l))?.replace(/^\S+: /, '').trim();
        return { check: 'fs', where: `${where}, fsck.fat -n`, ok, detail: ok ? (summary ?? 'clean') : gist(lines.join('\n') || r.out) };
      } finally {
        await fsp.rm(file, { force: true });
      }
    }
    case 'btrfs': {
      const file = await extract(img, p);
      try {
        const r = await tool('btrfs', ['check', '--readonly', file]);
        return { check: 'fs', where: `${where}, btrfs check --readonly`, ok: r.ok, detail: r.ok ? 'no error found' : gist(r.out) };
      } finally {
        await fsp.rm(file, { force: true });
      }
    }
    case 'swap':
      return { check: 'fs', where, ok: true, detail: 'swap signature present' };
    default:
      return { check: 'fs', where, ok: true, detail: 'no filesystem to check (raw data)' };
  }
}

/** Every bmap range's checksum against the image bytes; the first mismatch names its blocks. */
async function checkBmapRanges(img: OpenedImage, bmapFile: string): Promise<CheckResult> {
  const where = path.basename(bmapFile);
  let bmap;
  try {
    bmap = parseBmap(await fsp.readFile(bmapFile, 'utf8'), bmapFile);
  } catch (err) {
    return { check: 'bmap-file', where, ok: false, detail: (err as Error).message };
  }
  if (bmap.imageSize !== img.size) return { check: 'bmap-ranges', where, ok: false, detail: `the bmap is for ${bmap.imageSize} bytes, the image has ${img.size}` };
  const fh = await fsp.open(img.path, 'r');
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  try {
    for (const r of bmap.ranges) {
      const start = r.first * bmap.blockSize;
      const end = Math.min(img.size, (r.last + 1) * bmap.blockSize);
      const got = await hashRange(fh, start, end, bmap.checksumType, buf, img.source);
      if (got !== r.sha256) {
        const span = r.first === r.last ? `block ${r.first}` : `blocks ${r.first}-${r.last}`;
        return { check: 'bmap-ranges', where, ok: false, detail: `${span} (bytes ${start}-${end - 1}) have ${bmap.checksumType} ${got}, the bmap says ${r.sha256}` };
      }
    }
  } finally {
    await fh.close();
  }
  return { check: 'bmap-ranges', where, ok: true, detail: `${bmap.ranges.length} ranges, ${bmap.mappedBlocksCount} blocks match` };
}

async function checkManifest(img: OpenedImage, manifestFile: string): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  let m: ManifestImage;
  try {
    m = await readManifest(manifestFile);
  } catch (err) {
    return [{ check: 'manifest', where: manifestFile, ok: false, detail: (err as Error).message }];
  }
  const dir = path.dirname(manifestFile);
  const sizeOk = m.size === img.size;
  const where = `${img.source}${img.kind === 'zstd' ? ' (decompressed)' : ''}`;
  if (m.sha256 === undefined) {
    // Only the .img.zst was published: its SHA-256 (below) and the frames' content
    // checksums (checked by the decompression) vouch for the image's bytes.
    out.push({
      check: 'image-size',
      where,
      ok: sizeOk,
      detail: sizeOk ? `${img.size} bytes (the manifest has no raw image SHA-256: only the .img.zst was published)` : `${img.size} bytes, the manifest says ${m.size}`,
    });
  } else {
    const sha = await sha256File(img.path);
    out.push({
      check: 'image-sha256',
      where,
      ok: sizeOk && sha === m.sha256,
      detail: !sizeOk ? `${img.size} bytes, the manifest says ${m.size}` : sha === m.sha256 ? sha : `sha256 ${sha}, the manifest says ${m.sha256}`,
    });
  }
  if (m.compressed) {
    const zst = img.kind === 'zstd' ? img.source : path.join(dir, m.compressed.file);
    if (fs.existsSync(zst)) {
      const zsha = await sha256File(zst);
      out.push({ check: 'compressed-sha256', where: path.basename(zst), ok: zsha === m.compressed.sha256, detail: zsha === m.compressed.sha256 ? zsha : `sha256 ${zsha}, the manifest says ${m.compressed.sha256}` });
    }
  }
  if (m.bmap) {
    const bmapFile = path.join(dir, m.bmap.file);
    if (!fs.existsSync(bmapFile)) {
      out.push({ check: 'bmap-file', where: m.bmap.file, ok: false, detail: `the manifest names ${m.bmap.file}, but it is not in ${dir}` });
    } else {
      const bsha = await sha256File(bmapFile);
      out.push({ check: 'bmap-file', where: m.bmap.file, ok: bsha === m.bmap.sha256, detail: bsha === m.bmap.sha256 ? bsha : `sha256 ${bsha}, the manifest says ${m.bmap.sha256}` });
      out.push(await checkBmapRanges(img, bmapFile));
    }
  }
  return out;
}

/** Runs every check on `source` (.img, .img.zst or a block device). */
export async function verifyImage(source: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const checks: CheckResult[] = [];
  const add = (c: CheckResult) => {
    checks.push(c);
    opts.onCheck?.(c);
  };
  const manifest = opts.manifest ?? (await manifestBeside(source));
  if (opts.manifest !== undefined && !fs.existsSync(opts.manifest)) throw buildError(`the manifest ${opts.manifest} does not exist`);
  let img: OpenedImage;
  try {
    img = await openImage(source);
  } catch (err) {
    // A truncated or corrupt .img.zst is a failed check, not a usage error.
    if (err instanceof ImgsmithError && /\.zst|zstd|decompress/i.test(err.message) && fs.existsSync(source)) {
      add({ check: 'decompress', where: source, ok: false, detail: err.message });
      return { image: source, ok: false, checks };
    }
    throw err;
  }
  try {
    for (const c of await checkTable(img)) add(c);
    for (const c of await checkNames(img)) add(c);
    if (manifest) for (const c of await checkManifest(img, manifest)) add(c);
  } finally {
    await img.close();
  }
  return { image: source, ok: checks.every((c) => c.ok), checks };
}
