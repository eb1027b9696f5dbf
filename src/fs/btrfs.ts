/**
 * btrfs root filesystem, built rootlessly with `mkfs.btrfs --rootdir` (btrfs-progs 6.2 or
 * newer; 5.x is not supported: the shim's small inode numbers fall in its reserved range).
 *
 * How:
 *  1. The tree is staged with hard links (stageTree) and mkfs.btrfs builds the smallest
 *     filesystem that holds it (`--rootdir <stage> --shrink`) in a temporary file. This
 *     happens once per build: minimumSize() does it (its size is the minimum) and write()
 *     reuses the result (or builds it if minimumSize was not called).
 *  2. write() copies the shrunk filesystem sparsely into the partition and then grows it
 *     to the partition size in place, the inverse of what `--shrink` does (mkfs/rootdir.c
 *     set_device_size): it sets super.total_bytes, super.dev_item.total_bytes and the
 *     DEV_ITEM in the chunk tree (every copy), recomputes the crc32c checksums, and writes
 *     the superblock mirrors that fit. Unallocated space needs no other metadata.
 *
 * Reproducibility: mkfs.btrfs leaks host state into the image - inode numbers are the
 * host's st_ino + 256 (6.2-6.9) or the host's walk order (6.10+, which walks the tree with
 * glibc's nftw), directory order is the host's readdir order, owners/times/xattrs
 * come from the host files (hard links share the source inodes, so we cannot change
 * them), the root directory times are time(NULL), and the device, chunk-tree and
 * subvolume UUIDs are random. So mkfs.btrfs runs with an LD_PRELOAD shim
 * (native/mkfs_shim.c, built with the addon into build/Release/imgsmith_mkfs_shim.so)
 * (src/fs/shim.ts) that fakes lstat (owner 0:0, every time = ctx.epoch, mode from the
 * tree, inode number = the entry's index in tree order, except that entries sharing a host
 * inode share the number of the group's first entry and get st_nlink = the group's size,
 * so they stay one inode with several links), sorts scandir, serves nftw itself (6.10+: glibc's
 * nftw stats inside libc, out of LD_PRELOAD's reach; the shim's walk uses the faked stat and
 * byte order), hides xattrs, and makes time() and
 * uuid_generate()/jrand48() deterministic (seeded from the filesystem UUID). With the
 * shim the image depends only on the tree, the spec and the epoch (measured: identical
 * bytes from different staging directories, host inodes, host times and wall clocks, as
 * root or as another user, with btrfs-progs 6.2 and 6.14). The shim reports how many of the
 * tree's entries it served a stat for; fewer than all means mkfs.btrfs read some past it
 * (host owners, times, inode numbers) and the build fails: never a silently wrong image.
 * Without the shim (addon not built) mkfs.btrfs runs under fakeroot and faketime: owners
 * are 0:0 and the mkfs time is the epoch, but inode numbers, directory order, file times
 * and the secondary UUIDs vary; stats.deterministic says which happened. fakeroot cannot
 * reach 6.10+'s nftw either, so that fallback is refused unless imgsmith runs as root.
 *
 * Profiles and features are pinned (metadata DUP, data single, 16 KiB nodes, 4 KiB
 * sectors, crc32c, extref + skinny-metadata + no-holes, free-space-tree) so that the
 * btrfs-progs version's defaults do not matter. The label is at most 255 bytes. Without
 * spec.uuid the UUID is derived from the label and the tree's shape (paths, kinds, modes,
 * sizes, link targets), because minimumSize() runs before the partition's place is known.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { walkTree, type FileTree } from '../content/tree.ts';
import { doesNotFit, toolFailed, usageError, internalError } from '../errors.ts';
import { parseVersion, probeTool } from '../toolchain.ts';
import { checkResult, findTool, runTool, toolFailure } from '../tools/run.ts';
import { formatSize, MiB, parseSize } from '../units.ts';
import { label, schemaOf, uuid } from '../spec-check.ts';
import { copySparse } from '../sparse.ts';
import { SHIM_PATH, shimAvailable, shimPath, shimEnv, shimLoaded, shimServedReport, writeShimList } from './shim.ts';
import { removeStaged, stageTree } from './stage.ts';
import { SourceLog } from './sources.ts';
import { testHook } from '../lifetime.ts';
import { removeTree } from '../rmtree.ts';
import type { FsContext, FsReport, FsTarget, PreparingDriver } from './types.ts';
import { UUID_RE, uuidFromHash } from '../uuid.ts';
import { crc32c } from '../codec/crc32c.ts';
import { BTRFS_SB as SB, BTRFS_SUPER_OFFSETS, BTRFS_SUPER_SIZE, decodeBtrfsSuperblock, encodeBtrfsSuperblock, isBtrfs } from '../codec/btrfs-superblock.ts';
import type { LabelRule } from '../labels.ts';

export { SHIM_PATH };
/** Moved to src/codec/crc32c.ts; re-exported for callers elsewhere. */
export { crc32c };

const SECTOR_SIZE = 4096;
const NODE_SIZE = 16384;
const LABEL_MAX = 255;
const SUPER_OFFSETS = BTRFS_SUPER_OFFSETS;
const SUPER_SIZE = BTRFS_SUPER_SIZE;

// ---------------------------------------------------------------------------
// Tree block checksums: crc32c (src/codec/crc32c.ts).

/** Recomputes a btrfs block checksum (crc32c of everything after the 32-byte csum field). */
function setCsum(block: Buffer): void {
  block.fill(0, 0, 32);
  block.writeUInt32LE(crc32c(block, 32), 0);
}

function csumOk(block: Buffer): boolean {
  return block.readUInt32LE(0) === crc32c(block, 32);
}

// ---------------------------------------------------------------------------
// Growing a shrunk filesystem in place.

interface SysChunk {
  logical: bigint;
  length: bigint;
  stripes: bigint[]; // physical offsets
}

const DEV_ITEM_TOTAL_BYTES = 8;
const HEADER_SIZE = 101;
const KEY_SIZE = 17;
const DEV_ITEM_KEY = 216;

/** The filesystem mkfs.btrfs made is not what growBtrfs expects. */
const unexpectedBtrfs = (message: string) => toolFailed('mkfs.btrfs', `the btrfs mkfs.btrfs made cannot be grown: ${message}`);

function parseSysChunks(sb: Buffer): SysChunk[] {
  const size = sb.readUInt32LE(SB.sysChunkArraySize);
  const out: SysChunk[] = [];
  let p = SB.sysChunkArray;
  const end = SB.sysChunkArray + size;
  while (p < end) {
    const logical = sb.readBigUInt64LE(p + 9); // key.offset
    p += KEY_SIZE;
    const length = sb.readBigUInt64LE(p);
    const type = sb.readBigUInt64LE(p + 24);
    const numStripes = sb.readUInt16LE(p + 44);
    // Only SINGLE and DUP (what we create): every stripe holds a full copy.
    if ((type & ~((1n << 5n) | 0x7n)) !== 0n) throw unexpectedBtrfs(`unsupported system chunk profile 0x${type.toString(16)}`);
    const stripes: bigint[] = [];
    for (let s = 0; s < numStripes; s++) stripes.push(sb.readBigUInt64LE(p + 48 + s * 32 + 8));
    out.push({ logical, length, stripes });
    p += 48 + numStripes * 32;
  }
  return out;
}

function mapLogical(chunks: SysChunk[], logical: bigint): number[] {
  for (const c of chunks) {
    if (logical >= c.logical && logical < c.logical + c.length) {
      return c.stripes.map((s) => Number(s + (logical - c.logical)));
    }
  }
  throw unexpectedBtrfs(`chunk tree block ${logical} is not in a system chunk`);
}

function compareKey(buf: Buffer, at: number, objectid: bigint, type: number, offset: bigint): number {
  const o = buf.readBigUInt64LE(at);
  if (o !== objectid) return o < objectid ? -1 : 1;
  const t = buf[at + 8]!;
  if (t !== type) return t < type ? -1 : 1;
  const f = buf.readBigUInt64LE(at + 9);
  return f === offset ? 0 : f < offset ? -1 : 1;
}

/**
 * Grows the (shrunk) btrfs at byte `base` of `file` to `newSize` bytes: the three size
 * fields mkfs.btrfs --shrink sets, with checksums, on every copy. Returns the old size.
 */
export async function growBtrfs(file: string, base: number, newSize: number, onWrite?: (offset: number, length: number) => void): Promise<number> {
  const fh = await fsp.open(file, 'r+');
  try {
    const read = async (pos: number, len: number): Promise<Buffer> => {
      const b = Buffer.alloc(len);
      const { bytesRead } = await fh.read(b, 0, len, base + pos);
      if (bytesRead !== len) throw unexpectedBtrfs(`short read at ${pos}`);
      return b;
    };
    const sb = await read(SUPER_OFFSETS[0]!, SUPER_SIZE);
    const d = decodeBtrfsSuperblock(sb);
    if (typeof d === 'string') throw unexpectedBtrfs(`no btrfs superblock: ${d}`);
    if (d.csumType !== 0) throw unexpectedBtrfs('only crc32c checksums are supported');
    if (!d.csumOk) throw unexpectedBtrfs('superblock checksum mismatch');
    const { totalBytes: oldSize, nodesize, sectorsize } = d;
    if (newSize % sectorsize !== 0) throw internalError(`size ${newSize} is not a multiple of ${sectorsize}`);
    if (newSize < oldSize) throw internalError(`cannot shrink from ${oldSize} to ${newSize}`);
    const chunks = parseSysChunks(sb);

    // Walk the chunk tree to the leaf holding DEV_ITEM (1, 216, 1).
    let logical = d.chunkRoot;
    let level = d.chunkRootLevel;
    for (;;) {
      const copies = mapLogical(chunks, logical);
      const node = await read(copies[0]!, nodesize);
      if (!csumOk(node)) throw unexpectedBtrfs(`chunk tree block ${logical} checksum mismatch`);
      const nritems = node.readUInt32LE(0x60);
      if (node[0x64] !== level) throw unexpectedBtrfs(`chunk tree block ${logical} has level ${node[0x64]}, expected ${level}`);
      if (level > 0) {
        let child: bigint | undefined;
        for (let i = 0; i < nritems; i++) {
          const at = HEADER_SIZE + i * 33;
          if (compareKey(node, at, 1n, DEV_ITEM_KEY, 1n) > 0) break;
          child = node.readBigUInt64LE(at + KEY_SIZE);
        }
        if (child === undefined) throw unexpectedBtrfs('DEV_ITEM not found in the chunk tree');
        logical = child;
        level--;
        continue;
      }
      let found = -1;
      for (let i = 0; i < nritems; i++) {
        const at = HEADER_SIZE + i * 25;
        if (compareKey(node, at, 1n, DEV_ITEM_KEY, 1n) === 0) {
          found = HEADER_SIZE + node.readUInt32LE(at + KEY_SIZE);
          break;
        }
      }
      if (found < 0) throw unexpectedBtrfs('DEV_ITEM not found in the chunk tree');
      node.writeBigUInt64LE(BigInt(newSize), found + DEV_ITEM_TOTAL_BYTES);
      setCsum(node);
      for (const phys of copies) {
        await fh.write(node, 0, nodesize, base + phys);
        onWrite?.(base + phys, nodesize);
      }
      break;
    }

    for (const off of SUPER_OFFSETS) {
      if (off + SUPER_SIZE > newSize) break;
      encodeBtrfsSuperblock(sb, { totalBytes: newSize, bytenr: off });
      await fh.write(sb, 0, SUPER_SIZE, base + off);
      onWrite?.(base + off, SUPER_SIZE);
    }
    return oldSize;
  } finally {
    await fh.close();
  }
}

// ---------------------------------------------------------------------------
// Building the shrunk filesystem.

/** The UUID used when the spec gives none: a v4-shaped hash of the label and the tree's shape. */
export function defaultBtrfsUuid(tree: FileTree, label = ''): string {
  const h = createHash('sha256').update(`imgsmith btrfs\0${label}\0`);
  for (const e of walkTree(tree)) {
    let detail: string;
    switch (e.kind) {
      case 'dir':
        detail = e.mode.toString(8);
        break;
      case 'file':
        detail = `${e.mode.toString(8)} ${e.size}`;
        break;
      case 'data':
        detail = `${e.mode.toString(8)} ${createHash('sha256').update(e.data).digest('hex')}`;
        break;
      case 'symlink':
        detail = e.target;
        break;
      default:
        continue;
    }
    h.update(Buffer.from(`${e.path}\0${e.kind}\0${detail}\n`, 'latin1'));
  }
  return uuidFromHash(h.digest());
}

interface Shrunk {
  /** The shrunk filesystem image. */
  file: string;
  /** Its size (= total_bytes), a multiple of 4096. */
  size: number;
  dir: string;
  uuid: string;
  deterministic: boolean;
  counts: { dirs: number; files: number; symlinks: number };
}

/** mkfs.btrfs's btrfs-progs version as [major, minor]: the build's one toolchain probe
 *  (src/toolchain.ts, which also refuses versions below the supported range). */
async function mkfsBtrfsVersion(): Promise<[number, number] | null> {
  const v = parseVersion((await probeTool('mkfs.btrfs')).version);
  return [v[0] ?? 0, v[1] ?? 0];
}

function utcDate(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}

async function buildShrunk(spec: BtrfsSpec, tree: FileTree, uuid: string, ctx: FsContext, where: string, allowShim = true): Promise<Shrunk> {
  const dir = await fsp.mkdtemp(path.join(ctx.tmpDir, 'btrfs-'));
  // The staged tree has a directory of its own: it is removed in the background once
  // mkfs.btrfs is done (tens of thousands of unlinks), while `dir` lives on until write().
  const stageDir = await fsp.mkdtemp(path.join(ctx.tmpDir, 'btrfs-stage-'));
  const stage = path.join(stageDir, 'root');
  let stageRemoved = false;
  const removeStage = async (): Promise<void> => {
    if (stageRemoved) return;
    stageRemoved = true;
    await removeStaged(stage).catch(() => undefined);
    await removeTree(stageDir).catch(() => undefined);
  };
  const file = path.join(dir, 'fs.img');
  const phase = ctx.progress.phase('btrfs', 3, 'items');
  const deterministic = allowShim && (await shimAvailable());
  try {
    // Without the shim, mkfs.btrfs 6.2 would see the host link count of hard-linked files
    // (source + stage) and write a wrong nlink ("link count wrong"): stage copies instead.
    const log = new SourceLog();
    const st = await stageTree(tree, stage, { copy: !deterministic, onEntry: log.add });
    phase.update(1, 3);
    const stageReal = await fsp.realpath(stage);

    // The shim's list: every entry's mode, inode number (tree index; hard-link groups
    // share their first entry's) and link count, in tree order (streamed).
    const list = path.join(dir, 'list');
    const report = path.join(dir, 'shim-report');
    const counts = writeShimList(tree, list);
    await fsp.writeFile(file, '');

    const args = mkfsBtrfsArgs(spec, uuid, stageReal, file);
    const env: Record<string, string> = {};
    let cmd = 'mkfs.btrfs';
    let cmdArgs = args;
    if (deterministic) {
      // image: mkfs.btrfs 6.2 writes file data one 4 KiB pwrite64 at a time (562k calls
      // for a 2.5 GB root); the shim combines consecutive ones (same bytes, fewer calls).
      Object.assign(env, shimEnv({ root: stageReal, list, epoch: ctx.epoch, seed: `imgsmith btrfs ${uuid}`, report, image: file }));
    } else {
      ({ cmd, args: cmdArgs } = await unshimmedCommand(args, ctx, where));
    }
    await testHook('read-sources', (name, data) => ctx.progress.event(name, data));
    const r = await runTool(cmd, cmdArgs, { env, all: true, check: false, what: where });
    // A source that changed after the walk (mkfs.btrfs read the staged links of it) is the error.
    await log.check({ readable: r.exitCode !== 0 });
    checkMkfsExit(r, cmd, where);
    const out = (r.all ?? '').toString();
    if (deterministic && (/cannot be preloaded/.test(out) || (await shimLoaded(report)) === null)) {
      // The loader did not preload the shim: mkfs.btrfs saw the staged hard links' host
      // link counts and inode numbers. Build again the fallback way (copies, fakeroot).
      throw new ShimNotLoaded();
    }
    checkMkfsFailure(r, where);
    if (deterministic) await checkShimServed(counts, report, where, r);
    phase.update(2, 3);
    const size = await shrunkSize(file, where);
    phase.update(3, 3); // read back and checked: done = total
    phase.end({ size, staged: st });
    return { file, size, dir, uuid, deterministic, counts };
  } catch (err) {
    phase.end(err instanceof ShimNotLoaded ? { shimNotLoaded: true } : { error: true });
    await removeStage();
    await removeTree(dir).catch(() => undefined);
    if (!(err instanceof ShimNotLoaded)) throw err;
  } finally {
    const removal = removeStage();
    if (ctx.background) ctx.background(removal);
    else await removal;
  }
  ctx.progress.event('warning', { message: `${where}: the mkfs.btrfs shim (${shimPath()}) did not load; building without it` });
  return buildShrunk(spec, tree, uuid, ctx, where, false);
}

/** mkfs.btrfs's arguments: profiles and features pinned (see the module doc). */
function mkfsBtrfsArgs(spec: BtrfsSpec, uuid: string, root: string, file: string): string[] {
  return [
    '-q', '-f',
    '-U', uuid,
    ...(spec.label !== undefined && spec.label !== '' ? ['-L', spec.label] : []),
    '-m', 'dup', '-d', 'single',
    '-n', String(NODE_SIZE), '-s', String(SECTOR_SIZE),
    '--csum', 'crc32c',
    '-O', 'extref,skinny-metadata,no-holes',
    '-R', 'free-space-tree',
    '--rootdir', root,
    '--shrink',
    file,
  ];
}

/** mkfs.btrfs without the shim: under fakeroot and faketime where installed (with a warning). */
async function unshimmedCommand(args: string[], ctx: FsContext, where: string): Promise<{ cmd: string; args: string[] }> {
  // btrfs-progs 6.10+ reads the tree with glibc's nftw, whose stat calls fakeroot
  // cannot reach either: the inodes would get the staged copies' owner, i.e. the
  // user running imgsmith. Only root (whose copies are 0:0) may build that way.
  const v = await mkfsBtrfsVersion();
  if (v && (v[0] > 6 || (v[0] === 6 && v[1] >= 10)) && process.getuid?.() !== 0) {
    throw toolFailed(
      'mkfs.btrfs',
      `${where}: without the imgsmith mkfs shim (${shimPath()}), mkfs.btrfs ${v.join('.')} would give every file of the btrfs root your user's owner; ` +
        `build the native addon (npm run build:native) or build as root`,
    );
  }
  // Best effort: owners 0:0 (fakeroot) and the mkfs time (faketime, frozen clock).
  const prefix: string[] = [];
  // Optional tools: findTool is the one PATH lookup (src/tools/run.ts).
  if (findTool('fakeroot')) prefix.push('fakeroot', '--');
  if (findTool('faketime')) prefix.push('faketime', '-f', utcDate(ctx.epoch));
  ctx.progress.event('warning', {
    message: `${where}: the mkfs.btrfs shim (${shimPath()}) is not built; the btrfs image will not be reproducible`,
  });
  return prefix.length > 0 ? { cmd: prefix[0]!, args: [...prefix.slice(1), 'mkfs.btrfs', ...args] } : { cmd: 'mkfs.btrfs', args };
}

type MkfsResult = Awaited<ReturnType<typeof runTool<{ all: true; check: false }>>>;

/** mkfs.btrfs could not run, or was killed (the runner's missing-tool and signal errors). */
function checkMkfsExit(r: MkfsResult, cmd: string, where: string): void {
  if (r.signal || r.exitCode === undefined) checkResult(cmd, r, { what: where });
}

/** mkfs.btrfs failed: its error lines. */
function checkMkfsFailure(r: MkfsResult, where: string): void {
  if (r.exitCode === 0) return;
  const out = (r.all ?? '').toString();
  const msg = out
    .split('\n')
    .filter((l) => /error|fail|cannot|invalid|too/i.test(l))
    .join('; ');
  throw toolFailure('mkfs.btrfs', { exitCode: r.exitCode, stderr: msg || out }, where);
}

/** The shim must have served every entry of the tree: an entry it did not see was read by
 *  mkfs.btrfs some way the shim does not reach (a walk inside libc, as glibc's nftw in
 *  btrfs-progs 6.10+ before the shim served it), so it would carry the host's owner, times
 *  and inode number. Never publish such an image. */
async function checkShimServed(counts: ReturnType<typeof writeShimList>, report: string, where: string, r: MkfsResult): Promise<void> {
  const entries = counts.dirs + counts.files + counts.symlinks;
  const served = await shimServedReport(report);
  if (!served || served.total !== entries || served.served < entries) {
    throw toolFailed(
      'mkfs.btrfs',
      `${where}: mkfs.btrfs read ${served ? served.served : 'an unknown number'} of the ${entries} entries of the tree through the imgsmith shim; ` +
        `the others would carry host owners, times and inode numbers (is this btrfs-progs version supported? \`mkfs.btrfs --version\`)`,
      r,
    );
  }
}

/** The shrunk filesystem's size, checked against its superblock. */
async function shrunkSize(file: string, where: string): Promise<number> {
  const size = (await fsp.stat(file)).size;
  const sb = Buffer.alloc(SUPER_SIZE);
  const fh = await fsp.open(file, 'r');
  try {
    await fh.read(sb, 0, SUPER_SIZE, SUPER_OFFSETS[0]!);
  } finally {
    await fh.close();
  }
  const d = decodeBtrfsSuperblock(sb);
  const total = typeof d === 'string' ? 0 : d.totalBytes;
  if (typeof d === 'string' || total !== size || size % SECTOR_SIZE !== 0) {
    throw toolFailed('mkfs.btrfs', `${where}: mkfs.btrfs produced an unexpected filesystem (size ${size}, total_bytes ${total})`);
  }
  return size;
}

/** mkfs.btrfs ran, but the loader did not preload the shim (see buildShrunk). */
class ShimNotLoaded extends Error {}

// ---------------------------------------------------------------------------

export interface BtrfsSpec {
  type: 'btrfs';
  label?: string;
  uuid?: string;
  /** Extra free space to leave for "auto" sizing, in bytes (default 0). */
  extraSpace?: number;
}

/** Adds this filesystem's spec to the image spec (spec-types.ts sits below the drivers). */
type ThisSpec = BtrfsSpec;
declare module '../spec-types.ts' {
  interface FilesystemSpecs {
    btrfs: ThisSpec;
  }
  interface ProbedFilesystems {
    btrfs: true;
  }
}

const BTRFS_LABEL: LabelRule = { name: 'btrfs', maxBytes: LABEL_MAX };

export const btrfsDriver: PreparingDriver<BtrfsSpec> = {
  type: 'btrfs',
  capabilities: { root: true, files: true, symlinks: true, writable: true, growsAtFirstBoot: true, firmwareReadable: false },
  probe: { span: BTRFS_SUPER_OFFSETS[0] + BTRFS_SUPER_SIZE, matches: isBtrfs },
  reader: async () => (await import('../inspect/readers/btrfs.ts')).open,
  check: {
    tool: 'btrfs',
    title: 'btrfs check --readonly',
    input: 'copy',
    args: (file) => ['check', '--readonly', file],
    verdict: (r) => ({ ok: r.ok, summary: 'no error found' }),
  },
  label: BTRFS_LABEL,
  spec: {
    properties: {
      label: schemaOf.label('at most 255 bytes'),
      uuid: schemaOf.uuid,
      extraSpace: { ...schemaOf.size, description: 'free space to leave for size "auto"' },
    },
    parse(o, where) {
      return {
        type: 'btrfs',
        label: label(o.label, `${where}.label`, BTRFS_LABEL),
        uuid: uuid(o.uuid, `${where}.uuid`),
        ...(o.extraSpace !== undefined ? { extraSpace: parseSize(o.extraSpace, `${where}.extraSpace`) } : {}),
      };
    },
  },
  tools: () => ['mkfs.btrfs'],

  validate(spec, _tree, where) {
    if (spec.label !== undefined) {
      const n = Buffer.byteLength(spec.label, 'utf8');
      if (n > LABEL_MAX) throw usageError(`${where}: btrfs label is ${n} bytes long; at most ${LABEL_MAX} are allowed`);
      if (/[\0\n]/.test(spec.label)) throw usageError(`${where}: btrfs label must not contain NUL or newline characters`);
    }
    if (spec.uuid !== undefined && !UUID_RE.test(spec.uuid)) {
      throw usageError(`${where}: "${spec.uuid}" is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`);
    }
    if (spec.extraSpace !== undefined && (!Number.isSafeInteger(spec.extraSpace) || spec.extraSpace < 0)) {
      throw usageError(`${where}: extraSpace must be a size >= 0`);
    }
  },

  /** Builds the shrunk filesystem now (its size plus extraSpace is the minimum); the handle
   *  copies it into the partition and grows it there, then removes it. */
  async prepare(spec, tree, ctx, where) {
    const s = await buildShrunk(spec, tree, (spec.uuid ?? defaultBtrfsUuid(tree, spec.label)).toLowerCase(), ctx, where);
    return {
      minimumSize: s.size + Math.ceil((spec.extraSpace ?? 0) / SECTOR_SIZE) * SECTOR_SIZE,
      write: (target, wctx) => writeShrunk(spec, tree, s, target, wctx, where),
    };
  },
};

/** The btrfs copy's slice: what is reported to the early compression at a time. */
const COPY_SLICE = 64 * 1024 * 1024;

/** Copies the shrunk filesystem `s` into the partition and grows it to the partition's size. */
async function writeShrunk(spec: BtrfsSpec, tree: FileTree, s: Shrunk, target: FsTarget, ctx: FsContext, where: string): Promise<FsReport> {
    const fsSize = Math.floor(target.size / SECTOR_SIZE) * SECTOR_SIZE;
    try {
      if (s.size > fsSize) {
        throw doesNotFit(
          `${where}: the btrfs filesystem needs at least ${formatSize(s.size)} but the partition is ${formatSize(target.size)}`,
        );
      }
      const phase = ctx.progress.phase('btrfs-copy', s.size, 'bytes');
      // The shrunk file's data ranges, copied in the kernel (copy_file_range). The zeros
      // mkfs.btrfs writes explicitly (about 1% of a large root: its first MiB, zeroed
      // chunk ends, zero pages of files) are copied as data: skipping them meant reading
      // every byte through JavaScript, 4x the CPU of the copy (2.4 GB: 3.5 s vs 0.8 s).
      // The copy goes in slices, each reported (after it reached the file) to the build's
      // early compression in the shim's write-log format, as mke2fs's writes are: the
      // chunks behind the copy are compressed on the other core while it goes on. The
      // log only decides what is compressed early, never the bytes (src/outputs/chunked.ts).
      const watch = ctx.watchWrites?.(target.offset, target.offset + target.size);
      const log = watch ? new PassThrough() : undefined;
      if (watch && log) watch.attach(log);
      // Records of at most 1 MiB: the log's reader takes longer ones for bulk zeroing.
      const record = (offset: number, length: number): void => {
        if (!log) return;
        const n = Math.ceil(length / MiB);
        const r = Buffer.alloc(16 * n);
        for (let i = 0; i < n; i++) {
          r.writeBigUInt64LE(BigInt(offset + i * MiB), 16 * i);
          r.writeBigUInt64LE(BigInt(Math.min(MiB, length - i * MiB)), 16 * i + 8);
        }
        log.write(r);
      };
      let bytesCopied = 0;
      try {
        for (let at = 0; at < s.size; at += COPY_SLICE) {
          const length = Math.min(COPY_SLICE, s.size - at);
          const r = await copySparse(s.file, target.imagePath, target.offset + at, {
            srcOffset: at,
            length,
            onProgress: (d) => phase.update(at + d, s.size),
          });
          bytesCopied += r.bytesCopied;
          phase.update(at + length, s.size); // progress is the part of the file covered (holes too): done = total at the end
          if (r.bytesCopied > 0) record(target.offset + at, length);
        }
        phase.end({ bytesCopied });
        await growBtrfs(target.imagePath, target.offset, fsSize, record);
        // The log is complete: every write was reported.
        if (log) log.write(Buffer.alloc(16, 0xff));
      } finally {
        log?.end();
      }
      return {
        type: 'btrfs',
        ...(spec.label !== undefined ? { label: spec.label } : {}),
        uuid: s.uuid,
        stats: {
          sizeBytes: fsSize,
          minimumBytes: s.size,
          bytesWritten: bytesCopied,
          dirs: s.counts.dirs,
          files: s.counts.files,
          symlinks: s.counts.symlinks,
          contentBytes: tree.contentBytes(),
          nodesize: NODE_SIZE,
          sectorsize: SECTOR_SIZE,
          deterministic: s.deterministic ? 'yes' : 'no',
        },
      };
    } finally {
      // The shrunk image is used once.
      await removeTree(s.dir).catch(() => undefined);
    }
}
