/**
 * Per-partition artifacts for updaters (RAUC, Mender, SWUpdate, systemd-sysupdate):
 * `output.partitions` names partitions whose bytes are published on their own, as
 * `<name>.<partition>.img.zst` (`.img` when the image is not compressed), with a `.bmap`
 * when the image has one, a `.simg` with output.simg, a `.sha256` beside each image file,
 * and an `artifacts` entry in the manifest (the SHA-256 of the partition's raw bytes too).
 *
 * Each partition's range of the finished image is copied into the build's temporary
 * directory (sparse: holes stay holes, copy_file_range shares blocks where the filesystem
 * can) and packaged by the same single pass as the image (package.ts: hash, bmap, zstd
 * frames, sparse image), so there is one bmap, zstd and simg writer.
 */
import { rm, truncate } from 'node:fs/promises';
import path from 'node:path';
import { buildError, usageError } from '../errors.ts';
import { arr, hint, str, type Json } from '../spec-check.ts';
import { copySparse, type Range } from '../sparse.ts';
import { SPARSE_BLOCK_SIZE } from '../codec/android-sparse.ts';
import { formatSize } from '../units.ts';
import { BMAP_BLOCK_SIZE, bmapOutput, toBlockRanges, type ManifestBmap } from './bmap.ts';
import { contentRanges } from '../inspect/content-map.ts';
import { zstdOutput, type ManifestCompressed } from './compress.ts';
import { packageImage } from './package.ts';
import { manifestSimg, simgOutput, type ManifestSimg } from './simg.ts';
import { settingsOf, type Made, type Output, type OutputInput, type OutputSpecContext } from './types.ts';

/** A partition name that can be part of a file name (and of a Hydra product's name). */
const FILE_PART = /^[A-Za-z0-9_+-][A-Za-z0-9._+-]*$/;

/** One partition's entry in the manifest's `artifacts`. */
export interface ManifestArtifact {
  /** The partition's name. */
  name: string;
  /** The partition's place in the image and the SHA-256 of its raw bytes. */
  start: number;
  size: number;
  sha256: string;
  /** The raw partition image (when the image is not compressed). */
  file?: string;
  compressed?: ManifestCompressed;
  bmap?: ManifestBmap;
  simg?: ManifestSimg;
}

export type PartitionArtifactTypes = {
  spec: { partitions: string[] };
  settings: { partitions: string[] };
  manifest: { artifacts?: ManifestArtifact[] };
  paths: { artifactPaths?: string[] };
};

/** output.partitions: partition names, each once, usable in a file name. */
function parsePartitions(v: Json, where: string, ctx: OutputSpecContext, simg: boolean): string[] {
  if (v === undefined) return [];
  const names = ctx.partitions.map((p) => p.name);
  const seen = new Set<string>();
  return arr(v, where).map((x, i) => {
    const w = `${where}[${i}]`;
    const name = str(x, w);
    const p = ctx.partitions.find((q) => q.name === name);
    if (!p) throw usageError(`${w}: no partition is named "${name}"${hint(name, names)}; the partitions are ${names.map((n) => `"${n}"`).join(', ')}`);
    if (seen.has(name)) throw usageError(`${w}: partition "${name}" is listed twice`);
    seen.add(name);
    if (!FILE_PART.test(name)) {
      throw usageError(`${w}: partition "${name}" cannot be part of a file name: its artifacts need a name of letters, digits and . _ + - (not starting with ".")`);
    }
    if (simg && typeof p.size === 'number' && p.size % SPARSE_BLOCK_SIZE !== 0) throw simgSizeError(w, name, p.size);
    return name;
  });
}

function simgSizeError(where: string, name: string, size: number) {
  return usageError(
    `${where}: partition "${name}" is ${size} bytes (${formatSize(size)}), not a whole number of the Android sparse format's ${SPARSE_BLOCK_SIZE}-byte blocks: its .simg would write past its end; give it a size that is a multiple of 4KiB, or drop output.simg`,
  );
}

/** What one partition's artifacts made. */
type ArtifactMade = Required<Pick<Made, 'files' | 'checksums' | 'hydra' | 'listed'>> & { entry: ManifestArtifact };

/**
 * The image's required ranges (content-map.ts) inside [start, start + size), relative to
 * `start`, in whole 4 KiB blocks of the partition: what the partition's content needs as the
 * image maps it (a raw blob's zeros too, which a bare copy could not tell from free space).
 */
function requiredIn(whole: readonly Range[], start: number, size: number): Range[] {
  const inside = whole.filter((r) => r.end > start && r.start < start + size).map((r) => ({ start: Math.max(r.start, start) - start, end: Math.min(r.end, start + size) - start }));
  return toBlockRanges(inside, size, BMAP_BLOCK_SIZE).map((b) => ({ start: b.first * BMAP_BLOCK_SIZE, end: Math.min(size, (b.last + 1) * BMAP_BLOCK_SIZE) }));
}

/** Copies partition `name` ([start, start + size) of the image) out and packages it. */
async function makeArtifact(input: OutputInput, name: string, start: number, size: number, whole?: readonly Range[]): Promise<ArtifactMade> {
  const { tmp, rel, outDir } = input;
  const zstd = settingsOf(input, zstdOutput);
  const withBmap = settingsOf(input, bmapOutput).bmap;
  const withSimg = settingsOf(input, simgOutput).simg;
  const stem = `${input.base}.${name}`;
  const at = (ext: string) => path.join(tmp, `${stem}${ext}`);
  const phase = input.progress.phase('artifact', size, 'bytes', { partition: name });
  await copySparse(input.image.path, at('.img'), 0, { srcOffset: start, length: size });
  await truncate(at('.img'), size);
  const pass = await packageImage(at('.img'), {
    sha256: true,
    ...(whole ? { required: requiredIn(whole, start, size) } : {}),
    ...(withBmap ? { bmap: at('.bmap') } : {}),
    ...(zstd.compress ? { zstd: { out: at('.img.zst'), level: zstd.level } } : {}),
    ...(withSimg ? { simg: at('.simg') } : {}),
    onProgress: (d, t) => phase.update(d, t),
  });
  phase.end();
  const out: ArtifactMade = { files: [], checksums: [], hydra: [], listed: [], entry: { name, start, size, sha256: pass.sha256! } };
  const publish = (ext: string, sha256?: string, hydra = false) => {
    const file = rel(`${stem}${ext}`);
    out.files.push([at(ext), file]);
    if (sha256 !== undefined) out.checksums.push([at(ext), file, sha256]);
    if (hydra) out.hydra.push(['binary-dist', file]);
    out.listed.push(path.join(outDir, file));
    return file;
  };
  if (pass.compressed) {
    await rm(at('.img'), { force: true });
    out.entry.compressed = { file: publish('.img.zst', pass.compressed.sha256, true), ...pass.compressed, compressor: 'zstd', level: zstd.level };
  } else out.entry.file = publish('.img', pass.sha256, true);
  if (pass.bmap) {
    const { sha256, blockSize, blocksCount, mappedBlocksCount } = pass.bmap;
    out.entry.bmap = { file: publish('.bmap'), sha256, blockSize, blocksCount, mappedBlocksCount };
  }
  if (pass.simg) out.entry.simg = manifestSimg(publish('.simg', pass.simg.sha256, true), pass.simg);
  return out;
}

export const partitionArtifactsOutput: Output<PartitionArtifactTypes> = {
  name: 'partition-artifacts',
  spec: {
    properties: { partitions: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, description: 'partitions published on their own: <name>.<partition>.img.zst (or .img), .bmap, .simg, .sha256' } },
    parse: (o, where, ctx) => ({ partitions: parsePartitions(o.partitions, `${where}.partitions`, ctx, o.simg === true) }),
  },
  settings: (spec) => ({ partitions: spec.partitions }),
  manifestKeys: ['artifacts'],
  enabled: (plan) => settingsOf(plan, partitionArtifactsOutput).partitions.length > 0,
  tools: (plan) => (settingsOf(plan, zstdOutput).compress ? ['zstd'] : []),
  async make(input) {
    const names = settingsOf(input, partitionArtifactsOutput).partitions;
    const { partitions } = await input.manifestBase();
    const places = names.map((name) => {
      const p = partitions.find((q) => q.name === name);
      if (!p) throw buildError(`spec.output.partitions: partition "${name}" is not in the image`);
      return p;
    });
    for (const [i, name] of names.entries()) {
      const longest = `${input.base}.${name}.img.zst.sha256`;
      if (Buffer.byteLength(longest) > 255) {
        throw usageError(`spec.output.partitions[${i}]: the artifact name ${longest} is ${Buffer.byteLength(longest)} bytes, more than a file name holds (255): use a shorter output.name or partition name`);
      }
    }
    if (settingsOf(input, simgOutput).simg) {
      const i = places.findIndex((p) => p.size % SPARSE_BLOCK_SIZE !== 0);
      if (i >= 0) throw simgSizeError(`spec.output.partitions[${i}]`, places[i]!.name, places[i]!.size);
    }
    // What the image's content needs, zeros included (the bmap's and the sparse image's mapping).
    const mapped = settingsOf(input, bmapOutput).bmap || settingsOf(input, simgOutput).simg;
    const whole = mapped ? await contentRanges(input.image.path, input.image.size) : undefined;
    const made: ArtifactMade[] = [];
    for (const p of places) made.push(await makeArtifact(input, p.name, p.start, p.size, whole));
    return {
      output: 'partition-artifacts',
      files: made.flatMap((m) => m.files),
      checksums: made.flatMap((m) => m.checksums),
      hydra: made.flatMap((m) => m.hydra),
      listed: made.flatMap((m) => m.listed),
      manifest: { artifacts: made.map((m) => m.entry) },
      paths: { artifactPaths: made.flatMap((m) => m.listed) },
    };
  },
};
