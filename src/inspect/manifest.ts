/**
 * Reading a build's manifest.json on the read side (verify, inspect, diff): the image entry
 * verify checks against, the bootloader regions, and the manifest beside an image that
 * describes it.
 */
import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import { buildError } from '../errors.ts';
import type { ManifestRegion } from '../outputs/manifest-format.ts';

/** The manifest's image entry, as verify reads it. */
export interface ManifestImage {
  file: string;
  size: number;
  /** Only when the raw image was published. */
  sha256?: string;
  compressed?: { file: string; size: number; sha256: string };
  bmap?: { file: string; sha256: string };
  simg?: { file: string; sha256: string };
}

async function readDoc(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw buildError(`cannot read the manifest ${file}: ${(err as Error).message}`, err);
  }
}

export async function readManifest(file: string): Promise<ManifestImage> {
  const doc = await readDoc(file);
  const image = (doc as { image?: ManifestImage }).image;
  if (!image || typeof image.file !== 'string' || !(typeof image.sha256 === 'string' || (image.sha256 === undefined && typeof image.compressed?.sha256 === 'string'))) {
    throw buildError(`${file} is not an imgsmith manifest: it has no image.file and image.sha256 (or image.compressed.sha256)`);
  }
  return image;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The manifest's bootloader regions (none when it has no `regions`); a malformed entry is an error naming it. */
export async function readManifestRegions(file: string): Promise<ManifestRegion[]> {
  const regions = (await readDoc(file)).regions;
  if (regions === undefined) return [];
  if (!Array.isArray(regions)) throw buildError(`${file}: "regions" is not a list`);
  return regions.map((r: Partial<ManifestRegion>, i) => {
    if (typeof r?.name !== 'string' || !isCount(r.offset) || !isCount(r.size) || typeof r.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.sha256)) {
      throw buildError(`${file}: regions[${i}] is not a region (name, offset, size, sha256)`);
    }
    return r as ManifestRegion;
  });
}

/** The manifest beside the image, when it describes this image (by file name). */
export async function manifestBeside(source: string): Promise<string | undefined> {
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

/** A file the manifest names with its SHA-256. */
export interface ManifestFileRef {
  file: string;
  sha256: string;
}

/** A per-partition artifact as the manifest lists it (../outputs/partition-artifacts.ts). */
export interface ManifestArtifact {
  name: string;
  start: number;
  size: number;
  sha256: string;
  file?: string;
  compressed?: ManifestFileRef;
  bmap?: ManifestFileRef;
  simg?: ManifestFileRef;
}

const isRef = (v: unknown): v is ManifestFileRef => {
  const r = v as ManifestFileRef | undefined;
  return typeof r?.file === 'string' && !path.isAbsolute(r.file) && !r.file.split('/').includes('..') && typeof r.sha256 === 'string' && /^[0-9a-f]{64}$/.test(r.sha256);
};

/** The manifest's `artifacts` (each checked before a path or range is taken from it). */
export async function readArtifacts(file: string): Promise<ManifestArtifact[]> {
  const list = (JSON.parse(await fsp.readFile(file, 'utf8')) as { artifacts?: unknown }).artifacts;
  if (list === undefined) return [];
  const ok = (a: ManifestArtifact) =>
    typeof a.name === 'string' &&
    [a.start, a.size].every((n) => Number.isSafeInteger(n) && n >= 0) &&
    isRef({ file: a.file ?? 'x', sha256: a.sha256 }) &&
    [a.compressed, a.bmap, a.simg].every((r) => r === undefined || isRef(r));
  if (!Array.isArray(list) || !list.every((a: ManifestArtifact) => a !== null && typeof a === 'object' && ok(a))) {
    throw buildError(`${file}: its "artifacts" are not a list of { name, start, size, sha256, file | compressed, bmap, simg }`);
  }
  return list as ManifestArtifact[];
}
