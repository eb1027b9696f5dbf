/**
 * erofs: a read-only, optionally compressed filesystem (Linux 5.4+; lz4 needs
 * CONFIG_EROFS_FS_ZIP, on in Debian's kernels), built with `mkfs.erofs` from a staged tree
 * (erofs-utils 1.5, Debian 12, to 1.8, Debian 13; 1.5 has no tar input).
 *
 * How: the tree is staged with hard links (src/fs/stage.ts), `mkfs.erofs` builds the
 * filesystem into a temporary file in prepare() (its size is the minimum: the filesystem is
 * content-sized), write() copies it into the partition; the rest of the partition is left
 * as it is (zeros in a new image). The label goes into the superblock here (mkfs.erofs 1.5
 * has no -L), its checksum set again (src/codec/erofs-superblock.ts).
 *
 * Reproducibility. mkfs.erofs sorts every directory's entries itself and numbers the inodes
 * in that (depth-first, byte) order, so the host's readdir order does not matter; host inode
 * numbers only tell it which entries are hard links of one file, which is what the tree says
 * (stageTree links the entries of one host inode to one staged inode). The rest is pinned
 * by options: `--all-root` (owners 0:0), `-T epoch` (every inode's mtime and the build
 * time; 1.8's default --all-time), `-U uuid`, `-x -1` (no host xattrs), the environment's
 * SOURCE_DATE_EPOCH removed (1.8 would then clamp times and force extended inodes). Modes
 * are the staged files', i.e. the tree's: an entry whose mode differs from its host file's
 * (hostMode) is staged as a copy with the tree's mode (with the other names of its inode).
 * Measured: identical bytes from trees staged in different orders, as root and as another
 * user (test/erofs.test.ts); erofs-utils 1.5 and 1.8 write different bytes (each deterministic).
 *
 * Without spec.uuid the UUID is a hash of the partition's place in the spec, the label and
 * the tree's shape (paths, kinds, modes, sizes, data hashes, link targets), computed while
 * staging: prepare() runs before the layout knows the partition's offset.
 */
import { createHash, type Hash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { show, type FileTree, type WalkEntry } from '../content/tree.ts';
import { doesNotFit, inputError, toolFailed, ToolVersionError } from '../errors.ts';
import { checkRange, compareVersions, parseVersion, probeTool, type ToolRange } from '../toolchain.ts';
import { runTool } from '../tools/run.ts';
import { formatSize } from '../units.ts';
import { label, oneOf, schemaOf, uuid } from '../spec-check.ts';
import { copySparse } from '../sparse.ts';
import { removeStaged, stageTree } from './stage.ts';
import { SourceLog } from './sources.ts';
import { removeTree } from '../rmtree.ts';
import { uuidFromHash } from '../uuid.ts';
import { decodeErofsSuperblock, encodeErofsLabel, EROFS_LABEL_BYTES, EROFS_SUPER_OFFSET, isErofs } from '../codec/erofs-superblock.ts';
import type { FsContext, FsReport, FsTarget, PreparingDriver } from './types.ts';
import type { LabelRule } from '../labels.ts';

/** erofs-utils versions imgsmith is tested with: 1.5 (Debian 12) to 1.8 (Debian 13). */
export const EROFS_UTILS: ToolRange = { family: 'erofs-utils', min: [1, 5], tested: [1, 8] };
export const EROFS_COMPRESSIONS = ['lz4hc', 'lz4', 'none'] as const;
export type ErofsCompression = (typeof EROFS_COMPRESSIONS)[number];
/** lz4hc: the smallest images the kernel decompresses at lz4's speed (Debian's kernels: lz4 only, no lzma). */
export const EROFS_DEFAULT_COMPRESSION: ErofsCompression = 'lz4hc';
/** The volume name field has 16 bytes; mkfs.erofs 1.8's -L keeps at most 15 (NUL-terminated). */
export const EROFS_LABEL_MAX = EROFS_LABEL_BYTES - 1;
const BLOCK = 4096;

export interface ErofsSpec {
  type: 'erofs';
  label?: string;
  uuid?: string;
  /** How regular files are compressed (directories and symlinks never are). */
  compression: ErofsCompression;
}

/** Adds this filesystem's spec to the image spec (spec-types.ts sits below the drivers). */
type ThisSpec = ErofsSpec;
declare module '../spec-types.ts' {
  interface FilesystemSpecs {
    erofs: ThisSpec;
  }
  interface ProbedFilesystems {
    erofs: true;
  }
}

const EROFS_LABEL: LabelRule = { name: 'erofs', maxBytes: EROFS_LABEL_MAX };

/** The erofs-utils mkfs.erofs is from: its version (checked against EROFS_UTILS) and the compressors it was built with. */
export interface MkfsErofs {
  path: string;
  version: string;
  compressors: string[];
}

async function mkfsErofs(ctx: FsContext, where: string): Promise<MkfsErofs> {
  const probed = await probeTool('mkfs.erofs');
  const warning = checkRange(EROFS_UTILS, 'mkfs.erofs', probed.path, probed.version);
  if (warning) ctx.progress.event('warning', { message: `${where}: ${warning}` });
  const help = await runTool(probed.path, ['--help'], { all: true, check: false, what: where });
  return { path: probed.path, version: probed.version, compressors: compressorsIn((help.all ?? '').toString()) };
}

/** The compressors `mkfs.erofs --help` lists (1.5: "Available compressors are: lz4hc, lz4"; 1.8: one a line after "supported compressors"). */
export function compressorsIn(help: string): string[] {
  const at = help.search(/compressors/i);
  return at < 0 ? [] : [...new Set(help.slice(at).match(/\b(lz4hc|lz4|lzma|libdeflate|deflate|zstd)\b/g) ?? [])];
}

/** A compression the installed erofs-utils lacks: one error naming it and the version. */
export function checkCompression(spec: ErofsSpec, mkfs: MkfsErofs, where: string): void {
  if (spec.compression === 'none' || mkfs.compressors.includes(spec.compression)) return;
  throw new ToolVersionError(
    'mkfs.erofs',
    `${where}.filesystem.compression: "${spec.compression}" needs an erofs-utils built with it, but mkfs.erofs ${mkfs.version} (${mkfs.path}) offers ${mkfs.compressors.length ? mkfs.compressors.join(', ') : 'no compressor'}; use ${[...mkfs.compressors.filter((c) => (EROFS_COMPRESSIONS as readonly string[]).includes(c)), 'none'].map((c) => `"${c}"`).join(' or ')}`,
  );
}

/** What the staging walk learns: the default UUID's hash, and the entries that need their mode fixed. */
class StageWatch {
  readonly shape: Hash;
  /** Staged paths of every host inode with several names (linkKey), for mode fixups. */
  private readonly names = new Map<string, string[]>();
  readonly fixups: { path: string; source: string; mode: number; linkKey?: string }[] = [];

  constructor(seed: string, private readonly oldLostFound: string | undefined) {
    this.shape = createHash('sha256').update(seed);
  }

  readonly add = (e: WalkEntry): void => {
    if (e.kind === 'end') return;
    const detail =
      e.kind === 'symlink' ? e.target : e.kind === 'data' ? `${e.mode} ${createHash('sha256').update(e.data).digest('hex')}` : e.kind === 'file' ? `${e.mode} ${e.size}` : `${e.mode}`;
    this.shape.update(Buffer.from(`${e.kind}\0${e.path}\0${detail}\n`, 'latin1'));
    if (this.oldLostFound && path.posix.basename(e.path).startsWith('lost+found')) {
      throw inputError(`${show(e.path)}: ${this.oldLostFound} leaves out every entry whose name starts with "lost+found"; rename it or use erofs-utils 1.8`);
    }
    if (e.kind !== 'file') return;
    if (e.linkKey !== undefined) {
      const list = this.names.get(e.linkKey);
      if (list) list.push(e.path);
      else this.names.set(e.linkKey, [e.path]);
    }
    if (e.hostMode !== undefined) this.fixups.push({ path: e.path, source: e.source, mode: e.mode, ...(e.linkKey !== undefined ? { linkKey: e.linkKey } : {}) });
  };

  /** Every staged name of the inode the fixup is about. */
  namesOf(f: { path: string; linkKey?: string }): string[] {
    return (f.linkKey !== undefined ? this.names.get(f.linkKey) : undefined) ?? [f.path];
  }
}

/** Stages copies with the tree's mode where a name's mode is not its host file's (a hard link
 *  would keep the host's); the other names of its inode are linked to the copy. */
async function fixModes(stage: string, watch: StageWatch): Promise<void> {
  const host = (p: string) => Buffer.concat([Buffer.from(stage), Buffer.from(p, 'latin1')]);
  for (const [i, f] of watch.fixups.entries()) {
    const copy = path.join(path.dirname(stage), `mode-${i}`);
    await fsp.copyFile(host(f.path), copy);
    await fsp.chmod(copy, f.mode);
    const st = await fsp.lstat(copy);
    if ((st.mode & 0o7777) !== f.mode) {
      throw inputError(`${show(f.path)}: the staged copy cannot have mode ${f.mode.toString(8)} (the system gave it ${(st.mode & 0o7777).toString(8)}); build as root`);
    }
    for (const name of watch.namesOf(f)) await relink(host(name), copy);
    await fsp.unlink(copy);
  }
}

/** Replaces the staged name `name` with a link to `copy`, in a directory that may be read-only (its mode is kept). */
async function relink(name: Buffer, copy: string): Promise<void> {
  const parent = Buffer.from(path.dirname(name.toString('latin1')), 'latin1');
  const mode = (await fsp.lstat(parent)).mode & 0o7777;
  if ((mode & 0o300) !== 0o300) await fsp.chmod(parent, mode | 0o300);
  try {
    await fsp.unlink(name);
    await fsp.link(copy, name);
  } finally {
    if ((mode & 0o300) !== 0o300) await fsp.chmod(parent, mode);
  }
}

/** mkfs.erofs's arguments (see the module doc). */
function mkfsArgs(spec: ErofsSpec, uuid: string, epoch: number, file: string, root: string): string[] {
  return [
    '--quiet', '-x', '-1', '--all-root', '-T', String(epoch), '-U', uuid,
    ...(spec.compression === 'none' ? [] : [`-z${spec.compression}`]),
    file, root,
  ];
}

interface Built {
  file: string;
  dir: string;
  size: number;
  uuid: string;
  version: string;
}

/** Stages the tree and runs mkfs.erofs on it: the filesystem in a temporary file. */
async function buildErofs(spec: ErofsSpec, tree: FileTree, ctx: FsContext, where: string): Promise<Built> {
  const mkfs = await mkfsErofs(ctx, where);
  checkCompression(spec, mkfs, where);
  const dir = await fsp.mkdtemp(path.join(ctx.tmpDir, 'erofs-'));
  const stage = path.join(dir, 'root');
  const file = path.join(dir, 'fs.img');
  const phase = ctx.progress.phase('erofs', 3, 'items');
  try {
    const old = compareVersions(parseVersion(mkfs.version), [1, 8]) < 0 ? `mkfs.erofs ${mkfs.version}` : undefined;
    const watch = new StageWatch(`imgsmith erofs\0${ctx.partition ?? where}\0${spec.label ?? ''}\0`, old);
    const log = new SourceLog();
    const staged = await stageTree(tree, stage, { onEntry: (e) => { log.add(e); watch.add(e); } });
    await fixModes(stage, watch);
    const uuid = spec.uuid ?? uuidFromHash(watch.shape.digest());
    phase.update(1, 3);
    const r = await runTool(mkfs.path, mkfsArgs(spec, uuid, ctx.epoch, file, await fsp.realpath(stage)), {
      all: true, check: false, what: where, env: { SOURCE_DATE_EPOCH: undefined },
    });
    await log.check({ readable: r.exitCode !== 0 });
    if (r.exitCode !== 0 || r.signal) throw toolFailed('mkfs.erofs', `${where}: mkfs.erofs ${mkfs.version} failed: ${(r.all ?? '').toString().trim().split('\n').slice(-3).join('; ') || `exit ${r.exitCode}`}`, r);
    phase.update(2, 3);
    const size = await finishImage(file, spec.label, where);
    phase.update(3, 3);
    phase.end({ size, staged });
    return { file, dir, size, uuid, version: mkfs.version };
  } catch (err) {
    phase.end({ error: true });
    await removeTree(dir).catch(() => undefined);
    throw err;
  } finally {
    const removal = removeStaged(stage).catch(() => undefined);
    if (ctx.background) ctx.background(removal);
    else await removal;
  }
}

/** Writes the label into the superblock and checks what mkfs.erofs made: its size, a multiple of 4 KiB. */
async function finishImage(file: string, label: string | undefined, where: string): Promise<number> {
  const fh = await fsp.open(file, 'r+');
  try {
    const size = (await fh.stat()).size;
    const block = Buffer.alloc(BLOCK);
    await fh.read(block, 0, BLOCK, 0);
    const sb = decodeErofsSuperblock(block);
    if (typeof sb === 'string' || sb.blocks * sb.blockSize !== size || size % BLOCK !== 0) {
      throw toolFailed('mkfs.erofs', `${where}: mkfs.erofs produced an unexpected filesystem (${typeof sb === 'string' ? sb : `${sb.blocks} blocks of ${sb.blockSize} bytes in ${size} bytes`})`);
    }
    if (label !== undefined) {
      encodeErofsLabel(block, label);
      await fh.write(block, EROFS_SUPER_OFFSET, BLOCK - EROFS_SUPER_OFFSET, EROFS_SUPER_OFFSET);
    }
    return size;
  } finally {
    await fh.close();
  }
}

/** Copies the built filesystem into the partition. */
async function writeBuilt(spec: ErofsSpec, tree: FileTree, b: Built, target: FsTarget, ctx: FsContext, where: string): Promise<FsReport> {
  try {
    if (b.size > target.size) {
      throw doesNotFit(`${where}: the erofs filesystem needs ${formatSize(b.size)} but the partition is ${formatSize(target.size)}`);
    }
    const phase = ctx.progress.phase('erofs-copy', b.size, 'bytes');
    const r = await copySparse(b.file, target.imagePath, target.offset, { length: b.size, onProgress: (d) => phase.update(d, b.size) });
    phase.update(b.size, b.size);
    phase.end({ bytesCopied: r.bytesCopied });
    return {
      type: 'erofs',
      ...(spec.label !== undefined ? { label: spec.label } : {}),
      uuid: b.uuid,
      stats: { sizeBytes: b.size, partitionBytes: target.size, contentBytes: tree.contentBytes(), compression: spec.compression, erofsUtils: b.version },
    };
  } finally {
    await removeTree(b.dir).catch(() => undefined);
  }
}

export const erofsDriver: PreparingDriver<ErofsSpec> = {
  type: 'erofs',
  capabilities: { root: true, files: true, symlinks: true, writable: false, readOnly: true, growsAtFirstBoot: false, firmwareReadable: false },
  probe: { span: EROFS_SUPER_OFFSET + 4, matches: isErofs },
  reader: async () => (await import('../inspect/readers/erofs.ts')).open,
  check: {
    tool: 'fsck.erofs',
    title: 'fsck.erofs --extract',
    input: 'copy',
    // --extract without a directory decodes every file (plain fsck.erofs checks the superblock only).
    args: (file) => ['--extract', file],
    verdict: (r) => ({ ok: r.ok, summary: 'every file decodes' }),
  },
  label: EROFS_LABEL,
  spec: {
    properties: {
      label: schemaOf.label(`at most ${EROFS_LABEL_MAX} bytes`),
      uuid: schemaOf.uuid,
      compression: { enum: [...EROFS_COMPRESSIONS], description: `how files are compressed (default "${EROFS_DEFAULT_COMPRESSION}")` },
    },
    parse(o, where) {
      return {
        type: 'erofs',
        label: label(o.label, `${where}.label`, EROFS_LABEL),
        uuid: uuid(o.uuid, `${where}.uuid`),
        compression: o.compression === undefined ? EROFS_DEFAULT_COMPRESSION : oneOf(o.compression, `${where}.compression`, EROFS_COMPRESSIONS),
      };
    },
  },
  tools: () => ['mkfs.erofs'],
  validate() {},

  /** Builds the filesystem now (its size is the minimum); the handle copies it into the partition. */
  async prepare(spec, tree, ctx, where) {
    const b = await buildErofs(spec, tree, ctx, where);
    return { minimumSize: b.size, write: (target, wctx) => writeBuilt(spec, tree, b, target, wctx, where) };
  },
};
