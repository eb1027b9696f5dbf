/**
 * The build manifest (NAME.manifest.json) for callers outside the outputs: its format
 * (manifest-format.ts), the whole `Manifest` type composed from every output's fragment
 * (index.ts) and the JSON text in the key order the registry's outputs declare. No output
 * imports this file (it imports the registry).
 */
import { outputs, type Manifest } from './index.ts';
import * as format from './manifest-format.ts';

export type { ManifestBase, ManifestCore, ManifestFile, ManifestFilesystem, ManifestImage, ManifestPartition, ManifestRegion, ManifestTable } from './manifest-format.ts';
export type { Manifest } from './index.ts';
export type { ManifestCompressed } from './compress.ts';
export type { ManifestBmap } from './bmap.ts';
export type { ManifestTar } from './tar-product.ts';
export { manifestOutput } from './manifest-output.ts';
export { toolVersions } from './manifest-format.ts';

/** The manifest's key order: the common keys with every registered output's (see Output.manifestKeys). */
export function keyOrder(): readonly string[] {
  return format.manifestKeyOrder(outputs.flatMap((o) => o.manifestKeys ?? []));
}

/** Deterministic JSON text in the manifest's key order, 2-space indent, trailing newline. */
export const stableJson = (value: unknown): string => format.stableJson(value, keyOrder());

/** The manifest's JSON text (firmware files sorted by path). */
export const manifestJson = (manifest: Manifest): string => format.manifestJson(manifest, keyOrder());

export const writeManifest = (path: string, manifest: Manifest): Promise<void> => format.writeManifest(path, manifest, keyOrder());
