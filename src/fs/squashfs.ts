/**
 * squashfs, a compressed read-only filesystem (a read-only root, an A/B slot, a verity data
 * partition), built rootlessly with mksquashfs (squashfs-tools 4.5 to 4.6).
 *
 * How: the tree is staged with hard links (src/fs/stage.ts; a file whose spec mode differs
 * from its host file's is copied so the stage has the tree's mode), mksquashfs builds the
 * filesystem from the staged directory into a temporary file in `prepare` (its size, padded
 * to 4 KiB, is the partition's minimum), and `write` copies it into the partition. The rest
 * of a larger partition stays zero (squashfs does not grow).
 *
 * Reproducibility: mksquashfs sorts every directory's entries itself (byte order) and numbers
 * inodes in its walk, so neither the order the stage was created in nor the host's inode
 * numbers matter; `-all-root` makes every owner 0:0, `-all-time`/`-mkfs-time` set every time
 * to the build's epoch (SOURCE_DATE_EPOCH is removed from its environment: the options say
 * it), `-no-xattrs` leaves out the host's xattrs (the tree carries none), `-reproducible`
 * orders fragments independently of its threads. Modes, setuid bits included, are the
 * stage's, i.e. the tree's. Hard links stay hard links: mksquashfs counts the links it finds
 * in the stage, not the host's link count. `-exit-on-error` makes an unreadable source an
 * error instead of an empty file. Byte-identical output as root or another user, for stages
 * made in any order, with any number of mksquashfs threads (test/squashfs.test.ts); the bytes
 * may differ between squashfs-tools versions (each is deterministic).
 *
 * squashfs has no label and no UUID: the spec takes neither.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { FileTree, WalkEntry } from '../content/tree.ts';
import { doesNotFit, toolFailed, usageError } from '../errors.ts';
import { probeTool } from '../toolchain.ts';
import { runTool, toolFailure } from '../tools/run.ts';
import { formatSize, KiB, MiB, parseSize } from '../units.ts';
import { oneOf, schemaOf, type Obj } from '../spec-check.ts';
import { copySparse } from '../sparse.ts';
import { removeStaged, stageTree } from './stage.ts';
import { SourceLog } from './sources.ts';
import { removeTree } from '../rmtree.ts';
import { readAt } from '../inspect/image.ts';
import { decodeSquashfsSuperblock, isSquashfs, SQUASHFS_SUPER_SIZE } from '../codec/squashfs-superblock.ts';
import type { FsContext, FsReport, FsTarget, PreparingDriver } from './types.ts';

export const SQUASHFS_COMPRESSIONS = ['zstd', 'xz', 'gzip', 'lz4', 'lzo'] as const;
export type SquashfsCompression = (typeof SQUASHFS_COMPRESSIONS)[number];
export const SQUASHFS_DEFAULT_BLOCK = 128 * KiB;
/** mksquashfs pads the filesystem to a multiple of this (`-nopad` is not used). */
const PAD = 4096;

export interface SquashfsSpec {
  type: 'squashfs';
  /** The compressor (default zstd: squashfs-tools 4.5 and Linux 6.1 have it). */
  compression: SquashfsCompression;
  /** The data block size: a power of two from 4 KiB to 1 MiB (default 128 KiB). */
  blockSize: number;
}

/** Adds this filesystem's spec to the image spec (spec-types.ts sits below the drivers). */
type ThisSpec = SquashfsSpec;
declare module '../spec-types.ts' {
  interface FilesystemSpecs {
    squashfs: ThisSpec;
  }
  interface ProbedFilesystems {
    squashfs: true;
  }
}

function parseSpec(o: Obj, where: string): SquashfsSpec {
  const compression = o.compression === undefined ? 'zstd' : oneOf(o.compression, `${where}.compression`, SQUASHFS_COMPRESSIONS);
  const blockSize = o.blockSize === undefined ? SQUASHFS_DEFAULT_BLOCK : parseSize(o.blockSize, `${where}.blockSize`);
  if (blockSize < 4 * KiB || blockSize > MiB || (blockSize & (blockSize - 1)) !== 0) {
    throw usageError(`${where}.blockSize: ${formatSize(blockSize)} is not a power of two from 4KiB to 1MiB`);
  }
  return { type: 'squashfs', compression, blockSize };
}

/** The compressors a `mksquashfs -help` text lists under "Compressors available" (4.5 and 4.6), or
 *  undefined when it has no such list. */
export function compressorsIn(help: string): string[] | undefined {
  const lines = help.split('\n');
  const at = lines.findIndex((l) => /Compressors available/.test(l));
  if (at < 0) return undefined;
  const out: string[] = [];
  for (const l of lines.slice(at + 1)) {
    const m = /^\s+([a-z0-9]+)(?: \(default\))?\s*$/.exec(l);
    if (!m) break;
    out.push(m[1]!);
  }
  return out;
}

/** The compressors of the mksquashfs on PATH, once per process. */
let compressors: Promise<string[] | undefined> | undefined;
function installedCompressors(): Promise<string[] | undefined> {
  compressors ??= runTool('mksquashfs', ['-help'], { all: true, check: false }).then((r) => compressorsIn(r.all ?? ''));
  return compressors;
}

/** A compression the installed mksquashfs lacks is one error naming it and the version. */
async function checkCompression(spec: SquashfsSpec, where: string): Promise<void> {
  const have = await installedCompressors();
  if (!have || have.includes(spec.compression)) return;
  const t = await probeTool('mksquashfs');
  throw usageError(
    `${where}.filesystem.compression: the installed mksquashfs (squashfs-tools ${t.version}, ${t.path}) has no ${spec.compression} compressor (it has ${have.join(', ')})`,
  );
}

/** mksquashfs's arguments for `stage` -> `out` (the test runs them with `-processors N`). */
export function mksquashfsArgs(spec: SquashfsSpec, stage: string, out: string, epoch: number): string[] {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > 0xffffffff) {
    throw usageError(`squashfs stores times as unsigned 32-bit seconds: the epoch ${epoch} is out of range (SOURCE_DATE_EPOCH)`);
  }
  return [
    stage, out, '-noappend', '-quiet', '-no-progress', '-exit-on-error',
    '-comp', spec.compression, '-b', String(spec.blockSize),
    '-reproducible', '-all-root', '-no-xattrs',
    '-all-time', String(epoch), '-mkfs-time', String(epoch),
  ];
}

/** mksquashfs's environment: SOURCE_DATE_EPOCH would conflict with -all-time/-mkfs-time. */
export const MKSQUASHFS_ENV = { SOURCE_DATE_EPOCH: undefined };

interface Built {
  file: string;
  dir: string;
  /** The file's size: bytes_used padded to 4 KiB. */
  size: number;
  bytesUsed: number;
  counts: { dirs: number; files: number; symlinks: number };
}

/** Stages the tree and runs mksquashfs on it, in a directory of its own under ctx.tmpDir. */
async function build(spec: SquashfsSpec, tree: FileTree, ctx: FsContext, where: string): Promise<Built> {
  await checkCompression(spec, where);
  const dir = await fsp.mkdtemp(path.join(ctx.tmpDir, 'squashfs-'));
  const stage = path.join(dir, 'root');
  const file = path.join(dir, 'fs.sqfs');
  const phase = ctx.progress.phase('squashfs', 3, 'items');
  const counts = { dirs: 0, files: 0, symlinks: 0 };
  const log = new SourceLog();
  const onEntry = (e: WalkEntry): void => {
    log.add(e);
    if (e.kind === 'dir') counts.dirs++;
    else if (e.kind === 'symlink') counts.symlinks++;
    else if (e.kind !== 'end') counts.files++;
  };
  let ok = false;
  try {
    const staged = await stageTree(tree, stage, { onEntry, treeModes: true });
    phase.update(1, 3);
    const r = await runTool('mksquashfs', mksquashfsArgs(spec, stage, file, ctx.epoch), { env: MKSQUASHFS_ENV, all: true, check: false, what: where });
    await log.check({ readable: r.exitCode !== 0 });
    if (r.exitCode !== 0) throw toolFailure('mksquashfs', { exitCode: r.exitCode, signal: r.signal, stderr: r.all }, where);
    phase.update(2, 3);
    const size = (await fsp.stat(file)).size;
    const sb = decodeSquashfsSuperblock(await readAt(file, 0, SQUASHFS_SUPER_SIZE), size);
    if (typeof sb === 'string' || size % PAD !== 0) {
      throw toolFailed('mksquashfs', `${where}: mksquashfs produced an unexpected filesystem (${typeof sb === 'string' ? sb : `size ${size} not padded to 4 KiB`})`);
    }
    phase.update(3, 3);
    phase.end({ size, staged });
    ok = true;
    return { file, dir, size, bytesUsed: sb.bytesUsed, counts };
  } finally {
    if (!ok) phase.end({ error: true });
    const removal = ok ? removeStaged(stage).catch(() => undefined) : removeTree(dir).catch(() => undefined);
    if (ctx.background) ctx.background(removal);
    else await removal;
  }
}

/** Copies the built filesystem into the partition. */
async function writeBuilt(spec: SquashfsSpec, b: Built, target: FsTarget, where: string): Promise<FsReport> {
  try {
    if (b.size > target.size) {
      throw doesNotFit(`${where}: the squashfs filesystem needs at least ${formatSize(b.size)} but the partition is ${formatSize(target.size)}`);
    }
    const { bytesCopied } = await copySparse(b.file, target.imagePath, target.offset);
    return {
      type: 'squashfs',
      stats: {
        sizeBytes: b.size, bytesUsed: b.bytesUsed, bytesWritten: bytesCopied, compression: spec.compression, blockSize: spec.blockSize,
        dirs: b.counts.dirs, files: b.counts.files, symlinks: b.counts.symlinks,
      },
    };
  } finally {
    await removeTree(b.dir).catch(() => undefined);
  }
}

export const squashfsDriver: PreparingDriver<SquashfsSpec> = {
  type: 'squashfs',
  capabilities: { root: true, files: true, symlinks: true, writable: false, growsAtFirstBoot: false, firmwareReadable: false },
  probe: { span: SQUASHFS_SUPER_SIZE, matches: isSquashfs },
  reader: async () => (await import('../inspect/readers/squashfs.ts')).open,
  check: {
    tool: 'unsquashfs',
    title: 'unsquashfs -lls',
    input: 'copy',
    args: (file) => ['-no-progress', '-lln', '-d', '', file],
    verdict: (r) => {
      const entry = /^[-dlpcbs][-rwxsStT]{9} \d+\/\d+ /;
      const lines = r.out.split('\n');
      const entries = lines.filter((l) => entry.test(l)).length;
      const problems = lines.filter((l) => l.trim() && !entry.test(l) && /FATAL|fail|corrupt|can't|cannot|error/i.test(l)).map((l) => l.replace(/^\s*FATAL ERROR:\s*/i, ''));
      const ok = r.ok && entries > 0 && problems.length === 0;
      return ok ? { ok, summary: `${entries} entries listed` } : { ok, problems: problems.slice(0, 3).join('; ') || 'no entries listed' };
    },
  },
  label: null,
  spec: {
    properties: {
      compression: { enum: [...SQUASHFS_COMPRESSIONS], description: 'the compressor (default zstd)' },
      blockSize: { ...schemaOf.size, description: 'the data block size: a power of two from 4KiB to 1MiB (default 128KiB)' },
    },
    parse: parseSpec,
  },
  tools: () => ['mksquashfs'],
  validate() {},

  /** Builds the filesystem now (its padded size is the minimum); the handle copies it into the partition. */
  async prepare(spec, tree, ctx, where) {
    const b = await build(spec, tree, ctx, where);
    return { minimumSize: b.size, write: (target) => writeBuilt(spec, b, target, where) };
  },
};
