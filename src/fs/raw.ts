import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { inputError, usageError } from '../errors.ts';
import { obj, relPath, schemaOf, sourceRoot } from '../spec-check.ts';
import type { ContentSource } from '../spec-types.ts';
import { copySparse } from '../sparse.ts';
import type { MeasuringDriver, FsContext } from './types.ts';

export interface RawSpec {
  type: 'raw';
  /** A blob written at the start of the partition; null leaves the partition empty (zeros). */
  source: ContentSource | null;
}

/** Adds this filesystem's spec to the image spec (spec-types.ts sits below the drivers). */
type ThisSpec = RawSpec;
declare module '../spec-types.ts' {
  interface FilesystemSpecs {
    raw: ThisSpec;
  }
}

/** The blob on the build machine (the source under its root), or undefined without one. */
function blobPath(spec: RawSpec, ctx: FsContext): string | undefined {
  if (!spec.source) return undefined;
  const root = ctx.roots?.[spec.source.from];
  if (!root) throw usageError(`${ctx.partition ?? 'a raw partition'}.filesystem.source: the spec reads from "${spec.source.from}", which was not given`);
  return path.join(root, spec.source.path);
}

/** A partition holding a blob as is (a bootloader, a prebuilt filesystem), or nothing. */
export const rawDriver: MeasuringDriver<RawSpec> = {
  type: 'raw',
  capabilities: { root: false, files: false, symlinks: false, writable: false, readOnly: true, growsAtFirstBoot: false, firmwareReadable: false },
  probe: null,
  reader: null,
  check: null,
  label: null,
  spec: {
    properties: { source: { anyOf: [schemaOf.source, { type: 'null' }], description: 'the blob written at the start of the partition; none: zeros' } },
    parse(o, where) {
      if (o.source === undefined || o.source === null) return { type: 'raw', source: null };
      const s = obj(o.source, `${where}.source`, ['from', 'path'], ['from', 'path']);
      return { type: 'raw', source: { from: sourceRoot(s.from, `${where}.source.from`), path: relPath(s.path, `${where}.source.path`) } };
    },
  },
  tools: () => [],
  sources: (spec) => (spec.source ? [spec.source] : []),
  validate(_spec, tree, where) {
    if (tree.entries().some(([p]) => p !== '/')) throw usageError(`${where}: a raw partition has no contents; use filesystem.source for its blob`);
  },
  async minimumSize(spec, _tree, ctx) {
    const src = blobPath(spec, ctx);
    if (src === undefined) return 0;
    const st = await fsp.stat(src).catch(() => undefined);
    if (!st?.isFile()) throw inputError(`${ctx.partition ?? 'a raw partition'}.filesystem.source: ${src} is not a file`);
    return st.size;
  },
  async write(spec, _tree, target, ctx) {
    const src = blobPath(spec, ctx);
    let bytes = 0;
    if (src !== undefined) {
      const st = await fsp.stat(src);
      if (st.size > target.size) throw usageError(`raw blob ${src} is larger than its partition`);
      bytes = (await copySparse(src, target.imagePath, target.offset)).bytesCopied;
    }
    return { type: 'raw', stats: { bytes, source: spec.source ? `${spec.source.from}:${spec.source.path}` : 'none' } };
  },
};
