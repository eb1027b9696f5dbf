/**
 * The manifest output (manifest.json, published last): the build's facts (the manifest's
 * core, manifest-format.ts) plus every output's fragment, merged, in the key order the
 * outputs declare.
 */
import path from 'node:path';
import { manifestKeyOrder, writeManifest, type ManifestCore } from './manifest-format.ts';
import type { Output } from './types.ts';

/** Merges manifest fragments: objects key by key, anything else replaced. */
function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const old = out[k];
    out[k] =
      v !== null && typeof v === 'object' && !Array.isArray(v) && old !== null && typeof old === 'object' && !Array.isArray(old)
        ? merge(old as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** The manifest output (manifest.json, published last): the build's facts plus every output's fragment. */
export const manifestOutput: Output<{ manifest: ManifestCore; paths: { manifestPath?: string } }> = {
  name: 'manifest',
  enabled: () => true,
  async make({ made, manifestBase, image, pass, rel, tmp, outDir, registry }) {
    let m: Record<string, unknown> = merge((await manifestBase()) as unknown as Record<string, unknown>, { image: { file: rel(image.name), size: image.size, ...(pass.sha256 !== undefined ? { sha256: pass.sha256 } : {}) } });
    for (const x of made) if (x.manifest) m = merge(m, x.manifest as Record<string, unknown>);
    const manifest = m as unknown as ManifestCore;
    const file = path.join(tmp, 'manifest.json');
    await writeManifest(file, manifest, manifestKeyOrder(registry.flatMap((o) => o.manifestKeys ?? [])));
    const manifestPath = path.join(outDir, 'manifest.json');
    return { output: 'manifest', files: [[file, 'manifest.json']], manifest, paths: { manifestPath }, listed: [manifestPath] };
  },
};
