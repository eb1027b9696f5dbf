import { promises as fsp } from 'node:fs';
import { usageError } from '../errors.ts';
import type { RawSpec } from '../spec-types.ts';
import { copySparse } from '../sparse.ts';
import type { FilesystemDriver } from './types.ts';

/** Where the pipeline puts a raw partition's blob in its (otherwise empty) tree. */
export const RAW_BLOB_PATH = '/blob';

/** A partition holding a blob as is (a bootloader, a prebuilt filesystem), or nothing. */
export const rawDriver: FilesystemDriver<RawSpec> = {
  type: 'raw',
  validate(_spec, tree, where) {
    const extra = tree.entries().filter(([p]) => p !== '/' && p !== RAW_BLOB_PATH);
    if (extra.length > 0) throw usageError(`${where}: a raw partition has no contents; use filesystem.source for its blob`);
  },
  async minimumSize(_spec, tree) {
    const e = tree.get(RAW_BLOB_PATH);
    return e?.kind === 'file' ? e.size : 0;
  },
  async write(spec, tree, target) {
    const e = tree.get(RAW_BLOB_PATH);
    let bytes = 0;
    if (e?.kind === 'file') {
      const st = await fsp.stat(e.source);
      if (st.size > target.size) throw usageError(`raw blob ${e.source} is larger than its partition`);
      bytes = (await copySparse(e.source, target.imagePath, target.offset)).bytesCopied;
    }
    return { type: 'raw', stats: { bytes, source: spec.source ? `${spec.source.from}:${spec.source.path}` : 'none' } };
  },
};
