/**
 * ext4 writer. No root, no fakeroot, no loop device, no resize2fs.
 *
 * Primary path: mke2fs makes the empty filesystem straight into the image at the
 * partition's offset, then the populate helper (native/ext4_populate.c, linked against
 * libext2fs; POPULATE_PATH) writes the tree into it from the list the measuring walk
 * wrote (VirtualListWriter's format): exactly owner 0:0, the epoch for every time, the
 * tree's modes and hard-link groups, no host flags or xattrs. Its bytes are the same with
 * e2fsprogs 1.46.2, 1.47.0 and 1.47.4 (the tests check that when scripts/toolchains.sh has
 * them cached).
 *
 * Fallback (the helper not built, IMGSMITH_NO_POPULATE=1 or IMGSMITH_NO_NATIVE=1, or a
 * feature it does not write: POPULATE_REFUSES, no extents): `mke2fs -d`, under the
 * LD_PRELOAD shim (src/fs/shim.ts) so that it reads owner 0:0, the build epoch as every
 * time, the tree's modes and no inode flags; without the shim (not built,
 * IMGSMITH_NO_SHIM=1, the loader did not preload it, or a mke2fs whose stat calls it
 * does not see, checked in the image) a debugfs pass rewrites every inode afterwards.
 * Deterministic per e2fsprogs version (1.46.2's bytes differ from 1.47's).
 *
 * Determinism: the result depends only on the tree (names, contents, modes, symlink
 * targets, which files share a host inode), the spec and the epoch, never on host
 * owners, times, xattrs, inode flags, creation order, locale, time zone, cwd,
 * /etc/mke2fs.conf, /sys (lazy_itable_init) or the CPU's char signedness:
 *  - MKE2FS_CONFIG points at a fixed copy of Debian's mke2fs.conf (no orphan_file),
 *    `-T default` keeps the usage type (mke2fs would pick "small", with 1 KiB blocks,
 *    below 512 MiB), and every layout parameter is explicit (-b -I -N -m);
 *  - E2FSPROGS_FAKE_TIME fixes the filesystem's own times (mkfs, write, check, the
 *    root and lost+found directories, crtime);
 *  - the partition is punched to zeros first; lazy_itable_init=1 and lazy_journal_init=1
 *    (every version) stop mke2fs from writing zeroed inode tables and journal, so the image
 *    stays sparse; the helper then marks the inode tables zeroed (what 1.47's
 *    assume_storage_prezeroed=1 does, which mke2fs -d gets on >= 1.47) and sets
 *    s_kbytes_written to 0;
 *  - the helper and mke2fs -d write directory entries in the tree's (byte) order;
 *  - mke2fs -d copies uid/gid/mode/times from what lstat says of the staged files and
 *    finds hard links by st_ino/st_nlink: the shim reports 0:0, the epoch, the tree mode
 *    and the tree's hard-link groups (the debugfs pass rewrites every used inode, 2, 11
 *    and 12+, and clears host inode flags); no_copy_xattrs (>= 1.47) drops host xattrs;
 *  - s_flags' signed/unsigned directory hash bit (which follows the build CPU's
 *    `char`) is set to "signed", as on x86 (no directory is hash-indexed), s_wtime to the
 *    epoch, and s_kbytes_written is kept as the writer left it, in every superblock copy.
 * The facts reported come from our superblock parser (ext4-superblock.ts), not dumpe2fs.
 *
 * Sizing (`minimumSize`) is computed from the tree, mirroring ext2fs_initialize and
 * mke2fs -d: inode tables, bitmaps, group descriptors, reserved GDT blocks and
 * superblock backups per group, the journal (ext2fs_default_journal_size), file data
 * blocks, extent tree blocks, directory blocks (entries packed as ext2fs_link does,
 * and as the helper packs them) and slow symlinks; see ext4Counter(). The helper
 * allocates no more than that (the sizing tests build content-sized partitions).
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { buildError, doesNotFit, inputError, toolFailed, usageError } from '../errors.ts';
import { show, walkTree, type FileTree, type WalkEntry } from '../content/tree.ts';
import { arr, label, schemaOf, str, uuid } from '../spec-check.ts';
import { formatSize, MiB, parseSize } from '../units.ts';
import { crc32c } from '../codec/crc32c.ts';
import type { LabelRule } from '../labels.ts';
import { COMPAT_SPARSE_SUPER2, encodeExt4Stamp, INCOMPAT_64BIT, isExt4, INCOMPAT_META_BG, parseExt4Superblock, readExt4Superblock, RO_COMPAT_METADATA_CSUM, RO_COMPAT_SPARSE_SUPER, SB, SB_OFFSET, SB_SIZE, STRUCTURAL_INODE_FLAGS, usedInodeFlags, usedInodeInfo } from './ext4-superblock.ts';
import { linkGroupCollector, type LinkGroups, shimAvailable, shimPath, shimEnv, shimLoaded, shimRecords, shimVirtualReport, virtualTreeAvailable, VirtualListWriter, writeShimList, type ShimRecord } from './shim.ts';
import { removeTree } from '../rmtree.ts';
import { removeStaged, stageTree } from './stage.ts';
import { SourceLog } from './sources.ts';
import { testHook } from '../lifetime.ts';
import type { MeasuringDriver, FsContext, FsReport, FsTarget, WriteWatch } from './types.ts';
import { UUID_RE, uuidFromHash } from '../uuid.ts';
import { parseVersion, probeTool } from '../toolchain.ts';
import { checkResult, findTool, runTool, startTool } from '../tools/run.ts';
import { envFlag, envValue } from '../settings.ts';

export const EXT4_BLOCK_SIZE = 4096;
const INODE_SIZE = 256;
const BLOCKS_PER_GROUP = EXT4_BLOCK_SIZE * 8;
/** mke2fs.conf's default inode_ratio: one inode per 16 KiB. */
export const EXT4_INODE_RATIO = 16384;
/** Percentage of blocks reserved for root (mke2fs's default). */
const RESERVED_PERCENT = 5;
/** Labels are at most 16 bytes (s_volume_name). */
const MAX_LABEL_BYTES = 16;

/** Debian 12's /etc/mke2fs.conf (e2fsprogs 1.47.0), used instead of the host's. */
export const MKE2FS_CONF = `[defaults]
	base_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
	default_mntopts = acl,user_xattr
	enable_periodic_fsck = 0
	blocksize = 4096
	inode_size = 256
	inode_ratio = 16384

[fs_types]
	ext3 = {
		features = has_journal
	}
	ext4 = {
		features = has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize
	}
	small = {
		blocksize = 1024
		inode_ratio = 4096
	}
	floppy = {
		blocksize = 1024
		inode_ratio = 8192
	}
	big = {
		inode_ratio = 32768
	}
	huge = {
		inode_ratio = 65536
	}
	news = {
		inode_ratio = 4096
	}
	largefile = {
		inode_ratio = 1048576
		blocksize = -1
	}
	largefile4 = {
		inode_ratio = 4194304
		blocksize = -1
	}
	hurd = {
	     blocksize = 4096
	     inode_size = 128
	     warn_y2038_dates = 0
	}
`;

/** The features mke2fs -t ext4 enables with the configuration above. */
export const DEFAULT_EXT4_FEATURES = [
  'sparse_super', 'large_file', 'filetype', 'resize_inode', 'dir_index', 'ext_attr',
  'has_journal', 'extent', 'huge_file', 'flex_bg', 'metadata_csum', '64bit', 'dir_nlink', 'extra_isize',
];

/** Features that may be added or removed with `features` (others are refused). */
const SUPPORTED_FEATURES = new Set([
  ...DEFAULT_EXT4_FEATURES, 'extents', 'uninit_bg', 'metadata_csum_seed', 'quota', 'project',
  'encrypt', 'casefold', 'large_dir', 'inline_data', 'stable_inodes', 'verity', 'mmp', 'fast_commit', 'orphan_file',
]);
/** Features the sizing cannot model (they change the allocation unit or layout). */
const REFUSED_FEATURES: Record<string, string> = {
  bigalloc: 'it allocates in clusters',
  meta_bg: 'it changes where group descriptors go',
  sparse_super2: 'it changes where superblock backups go',
  journal_dev: 'it makes an external journal device, not a filesystem',
  ea_inode: 'it stores xattrs in inodes',
};

// ---------------------------------------------------------------------------
// Validation


/** The final feature set: Debian's ext4 defaults, then the spec's additions/removals. */
export function ext4Features(spec: Pick<Ext4Spec, 'features'>, where = 'ext4'): Set<string> {
  const set = new Set(DEFAULT_EXT4_FEATURES);
  for (const [i, f] of (spec.features ?? []).entries()) {
    const off = f.startsWith('^');
    let name = off ? f.slice(1) : f;
    if (name === 'extents') name = 'extent';
    if (REFUSED_FEATURES[name]) throw usageError(`${where}: features[${i}]: "${name}" is not supported (${REFUSED_FEATURES[name]})`);
    if (!SUPPORTED_FEATURES.has(name)) {
      throw usageError(`${where}: features[${i}]: "${f}" is not an ext4 feature imgsmith knows (e.g. "^has_journal", "^metadata_csum", "quota")`);
    }
    if (off) set.delete(name);
    else set.add(name);
  }
  if (set.has('metadata_csum')) set.delete('uninit_bg');
  if (set.has('64bit') && !set.has('extent')) throw usageError(`${where}: features: "^extent" needs "^64bit" too (mke2fs refuses a 64-bit filesystem without extents)`);
  if (set.has('resize_inode') && !set.has('sparse_super')) throw usageError(`${where}: features: "^sparse_super" needs "^resize_inode" too (mke2fs refuses reserved GDT blocks without sparse_super)`);
  return set;
}

function validateSpec(spec: Ext4Spec, where: string): void {
  if (spec.label !== undefined) {
    const n = Buffer.byteLength(spec.label);
    if (n > MAX_LABEL_BYTES) throw usageError(`${where}: the ext4 label "${spec.label}" is ${n} bytes long; at most ${MAX_LABEL_BYTES} are allowed`);
    if (/[\0-\x1f]/.test(spec.label)) throw usageError(`${where}: the ext4 label "${spec.label}" contains a control character`);
  }
  if (spec.uuid !== undefined && !UUID_RE.test(spec.uuid)) {
    throw usageError(`${where}: "${spec.uuid}" is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`);
  }
  if (spec.extraSpace !== undefined && (!Number.isSafeInteger(spec.extraSpace) || spec.extraSpace < 0)) {
    throw usageError(`${where}: extraSpace must be a whole number of bytes >= 0`);
  }
  ext4Features(spec, where);
}

function validateTree(tree: FileTree, where: string): void {
  // Host directories are checked while they are measured (ext4Content).
  for (const [p, e] of tree.explicitEntries()) {
    for (const c of p.split('/')) {
      if (c.length > 255) throw inputError(`${where}: the name "${show(c.slice(0, 40))}..." in ${show(p)} is longer than 255 bytes (ext4's limit)`);
    }
    if (e.kind === 'symlink') {
      const n = e.target.length;
      if (n === 0) throw inputError(`${where}: the symlink ${show(p)} has an empty target`);
      if (n >= EXT4_BLOCK_SIZE) throw inputError(`${where}: the target of the symlink ${show(p)} is ${n} bytes; ext4 allows at most ${EXT4_BLOCK_SIZE - 1}`);
    }
  }
}

/** The UUID used when the spec has none: derived from the partition offset and label. */
export function defaultExt4Uuid(offset: number, label = ''): string {
  return uuidFromHash(createHash('sha256').update(`imgsmith ext4 ${offset} ${label}`).digest());
}

// ---------------------------------------------------------------------------
// Sizing

/** What the content needs, independent of the filesystem size. */
export interface Ext4Content {
  /** Inodes the content uses, including the 11 reserved ones (1-10, lost+found). */
  inodesUsed: number;
  /** Blocks for file data, slow symlinks, directories and their extent trees. */
  blocks: number;
  files: number;
  dirs: number;
  symlinks: number;
  /** Regular files that are further names of an already counted inode. */
  hardlinks: number;
  /** Host-backed files whose host mode differs from the tree's (staging hard-links them,
   *  so mke2fs sees the host mode): [path, mode] to set afterwards. */
  modeFixups: [string, number][];
  /** The longest path in the tree, in bytes (the mke2fs -d fallback has a limit). */
  longestPath?: number;
}

/** The geometry mke2fs gives a filesystem of `blocks` blocks with `inodes` inodes
 *  (mirrors ext2fs_initialize, ext2fs_reserve_super_and_bgd and mke2fs). */
export interface Ext4Geometry {
  /** Block count after mke2fs drops a too-small last group. */
  blocks: number;
  groups: number;
  inodesPerGroup: number;
  inodes: number;
  inodeTableBlocks: number;
  descBlocks: number;
  reservedGdtBlocks: number;
  journalBlocks: number;
  /** Blocks used right after mkfs, before any content (metadata, journal, root dir, lost+found). */
  overhead: number;
  /** overhead / blocks free for content. */
  free: number;
}

const divCeil = (a: number, b: number) => Math.ceil(a / b);

function isPowerOf(n: number, b: number): boolean {
  if (n < 1) return false;
  while (n % b === 0) n /= b;
  return n === 1;
}

function groupHasSuper(g: number, sparse: boolean): boolean {
  if (g === 0 || !sparse) return true;
  if (g % 2 === 0) return false;
  return g === 1 || isPowerOf(g, 3) || isPowerOf(g, 5) || isPowerOf(g, 7);
}

/** ext2fs_default_journal_size(), in blocks (-1: too small for a journal). */
export function defaultJournalBlocks(blocks: number): number {
  if (blocks < 2048) return -1;
  if (blocks < 32768) return 1024;
  if (blocks < 256 * 1024) return 4096;
  if (blocks < 512 * 1024) return 8192;
  if (blocks < 4096 * 1024) return 16384;
  if (blocks < 8192 * 1024) return 32768;
  if (blocks < 16384 * 1024) return 65536;
  if (blocks < 32768 * 1024) return 131072;
  return 262144;
}

/** The inode count imgsmith asks for: the content's plus a margin, and at least
 *  mke2fs's default ratio (one per 16 KiB), so a grown root keeps a normal density. */
export function ext4InodeCount(content: Pick<Ext4Content, 'inodesUsed'>, blocks: number): number {
  const needed = content.inodesUsed + 64 + Math.ceil((content.inodesUsed - 11) * 0.01);
  return Math.max(needed, Math.floor((blocks * EXT4_BLOCK_SIZE) / EXT4_INODE_RATIO));
}

export function ext4Geometry(requestedBlocks: number, requestedInodes: number, features: Set<string>): Ext4Geometry {
  const descSize = features.has('64bit') ? 64 : 32;
  const descPerBlock = EXT4_BLOCK_SIZE / descSize;
  const sparse = features.has('sparse_super');
  let blocks = requestedBlocks;
  for (;;) {
    const groups = divCeil(blocks, BLOCKS_PER_GROUP);
    const descBlocks = divCeil(groups, descPerBlock);
    let ipg = divCeil(Math.max(requestedInodes, 12), groups);
    if (ipg > BLOCKS_PER_GROUP) ipg = BLOCKS_PER_GROUP; // mke2fs would shrink the groups instead; see minimumSize
    const inodeTableBlocks = divCeil(ipg * INODE_SIZE, EXT4_BLOCK_SIZE);
    ipg = ((inodeTableBlocks * EXT4_BLOCK_SIZE) / INODE_SIZE) & ~7;
    let reservedGdtBlocks = 0;
    if (features.has('resize_inode')) {
      const maxBlocks = Math.min(blocks * 1024, 0xffffffff);
      const rsvGroups = divCeil(maxBlocks, BLOCKS_PER_GROUP);
      reservedGdtBlocks = Math.min(divCeil(rsvGroups, descPerBlock) - descBlocks, EXT4_BLOCK_SIZE / 4);
    }
    // A last group too small for its metadata (+50 blocks) is dropped.
    let lastOverhead = 2 + inodeTableBlocks;
    if (groupHasSuper(groups - 1, sparse)) lastOverhead += 1 + descBlocks + reservedGdtBlocks;
    const rem = blocks % BLOCKS_PER_GROUP;
    if (groups > 1 && rem && rem < lastOverhead + 50) {
      blocks -= rem;
      continue;
    }
    let overhead = 0;
    for (let g = 0; g < groups; g++) {
      overhead += 2 + inodeTableBlocks;
      if (groupHasSuper(g, sparse)) overhead += 1 + descBlocks + reservedGdtBlocks;
    }
    const journal = features.has('has_journal') ? Math.max(0, defaultJournalBlocks(blocks)) : 0;
    const fastCommit = features.has('fast_commit') ? Math.floor(journal / 64) : 0;
    overhead += journal + fastCommit;
    if (!features.has('extent')) overhead += extentTreeBlocks(journal + fastCommit, false); // indirect blocks
    overhead += 1; // root directory
    overhead += 4; // lost+found: 16 KiB
    if (features.has('resize_inode')) overhead += 1; // its double-indirect block
    if (features.has('quota')) overhead += 2 * 2 + (features.has('project') ? 2 : 0); // quota files
    if (features.has('mmp')) overhead += 1;
    if (features.has('orphan_file')) overhead += Math.min(512, Math.max(1, divCeil(blocks, 4096)));
    return {
      blocks,
      groups,
      inodesPerGroup: ipg,
      inodes: ipg * groups,
      inodeTableBlocks,
      descBlocks,
      reservedGdtBlocks,
      journalBlocks: journal,
      overhead,
      free: blocks - overhead,
    };
  }
}

/** Blocks of one directory holding entries with these name lengths (in bytes), packed
 *  in order like ext2fs_link/ext2fs_expand_dir do (an upper bound of their first fit). */
export function dirBlocks(nameLengths: number[], csum: boolean): number {
  const cap = EXT4_BLOCK_SIZE - (csum ? 12 : 0);
  let blocks = 1;
  let used = 24; // "." and ".."
  for (const n of nameLengths) {
    const rec = (8 + n + 3) & ~3;
    if (used + rec > cap) {
      blocks++;
      used = 0;
    }
    used += rec;
  }
  return blocks;
}

/** Extent tree blocks for an inode with `blocks` data blocks (upper bound: a break at
 *  every 32768-block extent limit and at every group boundary it may cross). */
function extentTreeBlocks(blocks: number, extents: boolean): number {
  if (!extents) {
    // ext2/3 indirect blocks.
    const per = EXT4_BLOCK_SIZE / 4;
    let b = blocks - 12;
    if (b <= 0) return 0;
    let n = 1; // single indirect
    b -= per;
    if (b <= 0) return n;
    n += 1 + divCeil(Math.min(b, per * per), per);
    b -= per * per;
    if (b <= 0) return n;
    return n + 1 + divCeil(b, per * per) + divCeil(b, per);
  }
  const exts = divCeil(blocks, 32768) + divCeil(blocks, BLOCKS_PER_GROUP) + 1;
  if (exts <= 4) return 0;
  const leaves = divCeil(exts, 340);
  return leaves + (leaves > 4 ? divCeil(leaves, 340) : 0);
}

/**
 * Counts what the tree needs, in one streaming walk (host directories are read as the
 * walk reaches them; memory grows only with the number of hard-linked inodes). Also
 * checks what ext4 cannot store (names over 255 bytes, symlink targets of 4096 bytes
 * or more), naming `where`.
 */
export async function ext4Content(tree: FileTree, features: Set<string>, where = 'ext4'): Promise<Ext4Content> {
  const counter = ext4Counter(features, where);
  let n = 0;
  for (const e of walkTree(tree, { dirEnds: true })) {
    counter.add(e);
    if (++n % 8192 === 0) await new Promise((r) => setImmediate(r));
  }
  return counter.content;
}

/** ext4Content's counting, fed one walk entry at a time (dirEnds needed), so another walk
 *  (staging) can measure in the same pass. */
export function ext4Counter(features: Set<string>, where = 'ext4'): { add: (e: WalkEntry) => void; content: Ext4Content } {
  const csum = features.has('metadata_csum');
  const extents = features.has('extent');
  const seen = new Set<string>();
  const c: Ext4Content = { inodesUsed: 11, blocks: 0, files: 0, dirs: 0, symlinks: 0, hardlinks: 0, modeFixups: [] };
  const fileBlocks = (size: number) => {
    const b = divCeil(size, EXT4_BLOCK_SIZE);
    return b + extentTreeBlocks(b, extents);
  };
  // Name lengths of the children of every directory on the current path.
  const stack: number[][] = [];
  const add = (e: WalkEntry): void => {
    if (e.kind === 'end') {
      const names = stack.pop()!;
      const isRoot = e.path === '/';
      if (isRoot) names.unshift(10); // lost+found
      const b = dirBlocks(names, csum);
      // A directory grows a block at a time between file data: assume one extent per block.
      const idx = extents ? (b > 4 ? divCeil(b, 340) : 0) : extentTreeBlocks(b, false);
      // The root's own block and lost+found are in the geometry's overhead.
      c.blocks += (isRoot ? b - 1 : b) + idx;
      return;
    }
    if (e.path.length > (c.longestPath ?? 0)) c.longestPath = e.path.length;
    if (e.path !== '/') {
      const name = e.path.slice(e.path.lastIndexOf('/') + 1);
      if (name.length > 255) throw inputError(`${where}: the name "${show(name.slice(0, 40))}..." in ${show(e.path)} is longer than 255 bytes (ext4's limit)`);
      if (stack.length === 1 && name === 'lost+found' && e.kind === 'dir') {
        // mke2fs reuses its own lost+found: count what is inside, not the directory.
        stack.push([]);
        return;
      }
      stack[stack.length - 1]!.push(name.length);
    }
    switch (e.kind) {
      case 'dir':
        stack.push([]);
        if (e.path !== '/') {
          c.dirs++;
          c.inodesUsed++;
        }
        break;
      case 'file': {
        if (e.hostMode !== undefined) c.modeFixups.push([e.path, e.mode]);
        // Entries with the same host inode become one inode with several links.
        if (e.linkKey !== undefined) {
          if (seen.has(e.linkKey)) {
            c.hardlinks++;
            break;
          }
          seen.add(e.linkKey);
        }
        c.files++;
        c.inodesUsed++;
        c.blocks += fileBlocks(e.size);
        break;
      }
      case 'data':
        c.files++;
        c.inodesUsed++;
        c.blocks += fileBlocks(e.data.length);
        break;
      case 'symlink': {
        const len = e.target.length;
        if (len === 0) throw inputError(`${where}: the symlink ${show(e.path)} has an empty target`);
        if (len >= EXT4_BLOCK_SIZE) throw inputError(`${where}: the target of the symlink ${show(e.path)} is ${len} bytes; ext4 allows at most ${EXT4_BLOCK_SIZE - 1}`);
        c.symlinks++;
        c.inodesUsed++;
        if (len >= 60) c.blocks += 1;
        break;
      }
    }
  };
  return { add, content: c };
}

export interface Ext4Fit {
  /** Blocks needed by the content, plus the safety margin. */
  contentBlocks: number;
  geometry: Ext4Geometry;
  inodesRequested: number;
  fits: boolean;
}

/** A small safety margin on top of the computed need (blocks). */
function marginBlocks(content: Ext4Content, groups: number): number {
  return 16 + 2 * groups + Math.ceil(content.blocks * 0.002);
}

/** Whether the content (plus `freeBlocks` to spare) fits in `blocks` blocks. */
export function ext4Fit(content: Ext4Content, blocks: number, features: Set<string>, freeBlocks = 0): Ext4Fit {
  const inodesRequested = ext4InodeCount(content, blocks);
  const geometry = ext4Geometry(blocks, inodesRequested, features);
  const contentBlocks = content.blocks + marginBlocks(content, geometry.groups);
  const fits =
    geometry.inodes >= content.inodesUsed &&
    geometry.inodesPerGroup <= BLOCKS_PER_GROUP &&
    divCeil(inodesRequested, geometry.groups) <= BLOCKS_PER_GROUP &&
    (!features.has('has_journal') || defaultJournalBlocks(geometry.blocks) > 0) &&
    geometry.free >= contentBlocks + freeBlocks;
  return { contentBlocks, geometry, inodesRequested, fits };
}

/** The smallest size in bytes (a multiple of 1 MiB) that holds the content plus `extraBytes` free. */
export function ext4MinimumBytes(content: Ext4Content, features: Set<string>, extraBytes = 0): number {
  const extra = divCeil(extraBytes, EXT4_BLOCK_SIZE);
  const step = MiB / EXT4_BLOCK_SIZE;
  // Start from a lower bound and walk up in 1 MiB steps; jump ahead while far off.
  let blocks = Math.max(step, Math.ceil((content.blocks + extra) / step) * step);
  for (let guard = 0; guard < 1_000_000; guard++) {
    const f = ext4Fit(content, blocks, features, extra);
    if (f.fits) return blocks * EXT4_BLOCK_SIZE;
    const short = f.contentBlocks + extra - f.geometry.free;
    const jump = short > 4 * step ? Math.floor(short / step) * step : step;
    blocks += Math.max(step, jump);
  }
  throw buildError('ext4: could not compute a size for the content');
}

/** The shim's virtual-tree list, written while measuring (the same walk), for write()
 *  to hand to mke2fs instead of a staged copy of the tree. */
interface VirtualTree {
  dir: string;
  list: string;
  /** Records in the list (tree entries, the root included). */
  entries: number;
  /** Every record's size when walked (the helper's SIZES: one little-endian uint64 each). */
  sizes: string;
  /** The walk's host files, to check after mke2fs -d read them (the fallback only). */
  log?: SourceLog;
}

/** minimumSize and write measure the same tree: remember the last result per tree. */
const measured = new WeakMap<FileTree, { key: string; size: number; listed: boolean; result: Promise<{ content: Ext4Content; virtual?: VirtualTree }> }>();

/**
 * Counts what the tree needs. With `listIn` (a directory) and the shim, the same walk
 * writes the shim's virtual-tree list there for mke2fs (contents, measure and what
 * mke2fs reads in one pass over the inputs; nothing is staged).
 */
async function measure(spec: Ext4Spec, tree: FileTree, listIn?: string): Promise<{ content: Ext4Content; features: Set<string>; virtual?: VirtualTree }> {
  const features = ext4Features(spec);
  const key = [...features].sort().join(',');
  const hit = measured.get(tree);
  // A result without the list does not do for a caller that asks for one.
  if (hit && hit.key === key && hit.size === tree.size && (listIn === undefined || hit.listed)) return { ...(await hit.result), features };
  const run = async (): Promise<{ content: Ext4Content; virtual?: VirtualTree }> => {
    if (listIn === undefined || !((await populateAvailable(features)) || (await virtualTreeAvailable()))) return { content: await ext4Content(tree, features) };
    const counter = ext4Counter(features);
    const virtual = await writeTreeList(tree, listIn, counter.add, { log: !(await populateAvailable(features)) });
    return { content: counter.content, virtual };
  };
  const result = run();
  measured.set(tree, { key, size: tree.size, listed: listIn !== undefined, result });
  return { ...(await result), features };
}

/** Writes the tree's list (VirtualListWriter's format: what the populate helper and the
 *  shim's virtual tree read) in a new directory under `parent`, in one walk that also feeds
 *  `onEntry` (the measuring). */
async function writeTreeList(tree: FileTree, parent: string, onEntry?: (e: WalkEntry) => void, opts: { log?: boolean } = {}): Promise<VirtualTree> {
  const dir = await fsp.mkdtemp(path.join(parent, 'ext4-tree-'));
  await fsp.mkdir(path.join(dir, 'data'));
  const list = new VirtualListWriter(path.join(dir, 'list'), path.join(dir, 'data'));
  const log = opts.log ? new SourceLog() : undefined;
  let sizes = Buffer.alloc(8 * 1024);
  try {
    let n = 0;
    for (const e of walkTree(tree, { dirEnds: true })) {
      onEntry?.(e);
      log?.add(e);
      if (e.kind !== 'end') {
        const i = list.entries;
        if ((i + 1) * 8 > sizes.length) sizes = Buffer.concat([sizes, Buffer.alloc(sizes.length)]);
        sizes.writeBigUInt64LE(BigInt(e.kind === 'file' ? e.size : e.kind === 'data' ? e.data.length : 0), i * 8);
      }
      list.add(e);
      if (++n % 8192 === 0) await new Promise((r) => setImmediate(r));
    }
    await fsp.writeFile(path.join(dir, 'sizes'), sizes.subarray(0, list.entries * 8));
  } catch (err) {
    list.close();
    void removeTree(dir).catch(() => undefined);
    throw err;
  }
  list.close();
  return { dir, list: list.file, entries: list.entries, sizes: path.join(dir, 'sizes'), ...(log ? { log } : {}) };
}

/**
 * Throws a build error when `tree` does not fit in `size` bytes of ext4 (both sizes
 * and the counts in the message). `where` names the partition.
 */
export async function assertFits(spec: Ext4Spec, tree: FileTree, size: number, where: string): Promise<void> {
  const { content, features } = await measure(spec, tree);
  const blocks = Math.floor(size / EXT4_BLOCK_SIZE);
  const f = ext4Fit(content, blocks, features);
  if (!f.fits) {
    const min = ext4MinimumBytes(content, features);
    throw doesNotFit(
      `${where}: the content does not fit in ${formatSize(size)} of ext4: it needs at least ${formatSize(min)} ` +
        `(${content.files} files, ${content.dirs} directories, ${content.symlinks} symlinks, ${content.inodesUsed} inodes, ` +
        `${content.blocks} blocks of ${EXT4_BLOCK_SIZE} bytes for data and directories; ` +
        `${f.geometry.overhead} blocks of filesystem metadata and journal at this size)`,
    );
  }
}

// ---------------------------------------------------------------------------
// Tools

/** What e2fsprogs runs with, besides the runner's environment policy (src/tools/run.ts). */
function e2fsEnv(epoch: number, confPath: string): Record<string, string> {
  return { E2FSPROGS_FAKE_TIME: String(epoch), MKE2FS_CONFIG: confPath };
}

async function run(cmd: string, args: string[], env: Record<string, string>, what: string, watch?: WriteWatch): Promise<{ stdout: string; stderr: string }> {
  // fd 3: the shim's write log (IMGSMITH_SHIM_WRITELOG=3), read as it comes, not buffered.
  const opts = watch
    ? ({ env, what, stdio: ['ignore', 'pipe', 'pipe', 'pipe'], buffer: { stdout: true, stderr: true, fd3: false }, maxBuffer: 512 * MiB } as const)
    : ({ env, what, maxBuffer: 512 * MiB } as const);
  const sub = startTool(cmd, args, opts);
  if (watch) watch.attach(sub.stdio[3] as import('node:stream').Readable);
  const r = await sub;
  checkResult(cmd, r, opts);
  return { stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** The first used inode (2, 11 and up) whose owner is not 0:0 or whose atime, ctime or
 *  mtime is not the epoch (what the shim makes mke2fs read), or undefined. */
async function unfakedInode(image: string, offset: number, epoch: number): Promise<number | undefined> {
  const lo = epoch % 2 ** 32;
  for (const i of await usedInodeInfo(image, offset)) {
    if (i.ino !== 2 && i.ino < 11) continue;
    if (i.uid !== 0 || i.gid !== 0 || i.times.some((t) => t !== lo)) return i.ino;
  }
  return undefined;
}

/** The e2fsprogs version of the mke2fs `env` runs, e.g. [1, 47, 0]: the build's one toolchain
 *  probe (src/toolchain.ts, which also refuses versions below the supported range). */
export async function mke2fsVersion(env: Record<string, string>): Promise<number[]> {
  const v = parseVersion((await probeTool('mke2fs', env.PATH)).version);
  return [v[0] ?? 0, v[1] ?? 0, v[2] ?? 0];
}

export function versionAtLeast(v: number[], want: number[]): boolean {
  for (let i = 0; i < want.length; i++) {
    if ((v[i] ?? 0) !== want[i]) return (v[i] ?? 0) > want[i]!;
  }
  return true;
}

/** The populate helper (native/ext4_populate.c, built by native/build-ext4-helper.sh). */
export const POPULATE_PATH = fileURLToPath(new URL('../../build/Release/imgsmith-ext4-populate', import.meta.url));

/** The populate helper to run: IMGSMITH_EXT4_POPULATE (the GitHub Action builds one of its
 *  own, since it runs from a checkout without build/) or the addon build's POPULATE_PATH. */
export function populatePath(): string {
  return envValue('IMGSMITH_EXT4_POPULATE') ?? POPULATE_PATH;
}
/** Features the helper does not write (their files need more than inodes, extents and
 *  linear directories): such filesystems take the mke2fs -d path. */
const POPULATE_REFUSES = ['inline_data', 'encrypt', 'casefold', 'verity', 'quota', 'project', 'mmp'];

/** Whether the populate helper writes this filesystem: built, not turned off
 *  (IMGSMITH_NO_NATIVE=1, or IMGSMITH_NO_POPULATE=1 for the mke2fs -d fallback), extents. */
export async function populateAvailable(features: Set<string>): Promise<boolean> {
  if (envFlag('IMGSMITH_NO_NATIVE') || envFlag('IMGSMITH_NO_POPULATE')) return false;
  if (!features.has('extent') || POPULATE_REFUSES.some((f) => features.has(f))) return false;
  const exe = populatePath();
  return findTool(exe) !== undefined && helperSpeaksProtocol(exe);
}

/** The helper's command-line contract (POPULATE_PROTOCOL in native/ext4_populate.c). */
const POPULATE_PROTOCOL = 2;
const protocolChecked = new Map<string, Promise<boolean>>();
/** Why the helper was not used (a stale build), for the build's warning. */
let staleHelper: string | undefined;

/** Whether the helper at `exe` is of this version's protocol. A helper left from an older
 *  build (it answers with a usage error) is not run: the build takes the mke2fs -d path
 *  with a warning saying how to rebuild it. Checked once per helper and process. */
function helperSpeaksProtocol(exe: string): Promise<boolean> {
  let p = protocolChecked.get(exe);
  if (!p) {
    p = runTool(exe, ['--protocol'], { timeout: 10_000, check: false }).then((r) => {
      const m = /^imgsmith-ext4-populate protocol (\d+)$/.exec(String(r.stdout).trim());
      if (r.exitCode === 0 && m && Number(m[1]) === POPULATE_PROTOCOL) return true;
      staleHelper = `the ext4 populate helper ${exe} is from another imgsmith version (${m ? `protocol ${m[1]}` : 'no protocol'}, this one needs ${POPULATE_PROTOCOL}): rebuild it with npm run build:native; using mke2fs -d meanwhile`;
      return false;
    });
    protocolChecked.set(exe, p);
  }
  return p;
}

/**
 * The longest tree path `mke2fs -d` (the fallback) writes safely. Its path buffer overflows
 * (heap corruption, an abort or a wrong tree) once a path reaches about 2040 bytes
 * (e2fsprogs 1.46-1.47, create_inode.c); the populate helper has no limit.
 */
export const MKE2FS_D_MAX_PATH = 1024;

/** One clear error, before mke2fs runs, when the tree has a path the fallback cannot write. */
function checkFallbackPaths(content: Ext4Content, where: string): void {
  const longest = content.longestPath ?? 0;
  if (longest <= MKE2FS_D_MAX_PATH) return;
  throw inputError(
    `${where}: the tree has a path of ${longest} bytes; the mke2fs -d fallback writes paths of at most ${MKE2FS_D_MAX_PATH} bytes (e2fsprogs corrupts its memory on longer ones): build the populate helper (npm run build:native) and unset IMGSMITH_NO_POPULATE/IMGSMITH_NO_NATIVE, or make the tree shallower`,
  );
}

/** Runs the helper on the empty filesystem mke2fs made; its writes go to the early
 *  compression's log. Exit 3: the filesystem is full; 2: an input could not be read. */
async function populate(target: FsTarget, list: VirtualTree, ctx: FsContext, env: Record<string, string>, where: string): Promise<{ entries: number; inodes: number }> {
  const watch = ctx.watchWrites?.(target.offset, target.offset + target.size);
  const args = [target.imagePath, String(target.offset), list.list, String(ctx.epoch), list.sizes];
  const { IMGSMITH_SHIM_WRITELOG: _inherited, ...base } = env; // a log only with a watch
  const sub = startTool(populatePath(), args, {
    env: { ...base, ...watch?.env },
    check: false,
    stdio: ['ignore', 'pipe', 'pipe', ...(watch ? (['pipe'] as const) : [])],
    buffer: { stdout: true, stderr: true, fd3: false },
  });
  if (watch) watch.attach(sub.stdio[3] as import('node:stream').Readable);
  const r = await sub;
  checkResult(populatePath(), r, { what: where, okCodes: [2, 3] });
  const msg = String(r.stderr).trim().split('\n').slice(-4).join('\n');
  if (r.exitCode === 3) throw doesNotFit(`${where}: the content does not fit: ${msg}`);
  if (r.exitCode === 2) throw inputError(`${where}: ${msg}`);
  const m = /^entries (\d+) inodes (\d+)$/m.exec(String(r.stdout));
  if (!m) throw toolFailed('imgsmith-ext4-populate', `${where}: the ext4 populate helper printed no counts: ${String(r.stdout).slice(0, 200)}`, r);
  return { entries: Number(m[1]), inodes: Number(m[2]) };
}

/** Zeros [offset, offset+size) of the image: punches a hole, or writes zeros where needed. */
async function zeroRange(image: string, offset: number, size: number): Promise<void> {
  try {
    await runTool('fallocate', ['--punch-hole', '--keep-size', '--offset', String(offset), '--length', String(size), image]);
    return;
  } catch {
    // No fallocate or no hole punching here: zero whatever is not zero yet.
  }
  const fh = await fsp.open(image, 'r+');
  try {
    const chunk = 4 * MiB;
    const buf = Buffer.alloc(chunk);
    const zero = Buffer.alloc(chunk);
    for (let pos = 0; pos < size; pos += chunk) {
      const n = Math.min(chunk, size - pos);
      const { bytesRead } = await fh.read(buf, 0, n, offset + pos);
      if (buf.subarray(0, bytesRead).some((b) => b !== 0)) await fh.write(zero, 0, n, offset + pos);
    }
  } finally {
    await fh.close();
  }
}

/**
 * The fallback when mke2fs ran without the shim: every used inode (2, 11 and 12+, from
 * the inode bitmaps) gets owner 0:0 and the epoch as atime/mtime/ctime/crtime, and every
 * hard-link group the mode the shim would have reported (its first entry's), where the
 * staged file (a host hard link) had another. One debugfs run, ~6 commands per inode.
 */
async function normaliseWithDebugfs(
  image: string,
  offset: number,
  stage: string,
  tree: FileTree,
  groups: LinkGroups,
  epoch: number,
  env: Record<string, string>,
  work: string,
  where: string,
): Promise<void> {
  const dev = `${image}?offset=${offset}`;
  const usedFlags = await usedInodeFlags(image, offset);
  const e = String(epoch);
  const cmds: string[] = [];
  // One per inode: the group's first entry (staged files of host sources have the host mode).
  let i = 0;
  let batch: ShimRecord[] = [];
  const flush = async () => {
    const sts = await Promise.all(batch.map((r) => fsp.lstat(Buffer.concat([Buffer.from(stage), Buffer.from(r.path, 'latin1')]))));
    batch.forEach((r, j) => {
      if ((sts[j]!.mode & 0o7777) === r.mode) return;
      if (/["\n\\]/.test(r.path)) {
        throw buildError(`${where}: cannot set the mode of ${JSON.stringify(r.path)} (a name with a quote, backslash or newline) without the mke2fs shim; build it with npm run build:native`);
      }
      cmds.push(`sif "${r.path}" mode 0${(0o100000 | r.mode).toString(8)}`);
    });
    batch = [];
  };
  for (const r of shimRecords(tree, groups)) {
    if (r.kind === 'file' && r.ino === i) batch.push(r);
    if (batch.length >= 128) await flush();
    i++;
  }
  await flush();
  for (const [ino, flags] of usedFlags) {
    if (ino !== 2 && ino < 11) continue;
    // mke2fs 1.47.3+ copies the sources' host inode flags (chattr): only the structural ones stay.
    if (flags & ~STRUCTURAL_INODE_FLAGS) cmds.push(`sif <${ino}> flags 0x${(flags & STRUCTURAL_INODE_FLAGS).toString(16)}`);
    cmds.push(`sif <${ino}> uid 0`, `sif <${ino}> gid 0`, `sif <${ino}> atime ${e}`, `sif <${ino}> mtime ${e}`, `sif <${ino}> ctime ${e}`, `sif <${ino}> crtime ${e}`);
  }
  const cmdFile = path.join(work, 'normalise.debugfs');
  await fsp.writeFile(cmdFile, Buffer.from(cmds.join('\n') + '\n', 'latin1'));
  const r = await run('debugfs', ['-w', '-f', cmdFile, dev], env, where);
  const problems = r.stderr.split('\n').filter((l) => l.trim() !== '' && !/^debugfs \d/.test(l));
  if (problems.length) throw toolFailed('debugfs', `${where}: debugfs could not normalise inodes: ${problems.slice(0, 5).join('; ')}`);
}

async function readSuperblock(image: string, offset: number): Promise<Buffer> {
  return readExt4Superblock(image, offset).catch(() => {
    throw toolFailed('mke2fs', `ext4 at ${offset}: mke2fs left no superblock`);
  });
}

/** ext2fs_superblock_csum: crc32c_le(~0, sb[0..0x3fc]) without the final inversion. */
const superblockCsum = (sb: Buffer): number => (crc32c(sb, 0, SB.CHECKSUM) ^ 0xffffffff) >>> 0;

/**
 * Applies `edit` to the primary superblock and every backup (sparse_super groups), as
 * ext2fs_flush writes them, and recomputes their metadata_csum checksums.
 */
export async function patchSuperblocks(image: string, offset: number, edit: (sb: Buffer) => void): Promise<void> {
  const fh = await fsp.open(image, 'r+');
  try {
    const primary = Buffer.alloc(SB_SIZE);
    await fh.read(primary, 0, SB_SIZE, offset + SB_OFFSET);
    if (primary.readUInt16LE(SB.MAGIC) !== 0xef53) throw buildError(`ext4 at ${offset}: no superblock to patch`);
    const compat = primary.readUInt32LE(SB.FEATURE_COMPAT);
    const incompat = primary.readUInt32LE(SB.FEATURE_INCOMPAT);
    const roCompat = primary.readUInt32LE(SB.FEATURE_RO_COMPAT);
    if (compat & COMPAT_SPARSE_SUPER2 || incompat & INCOMPAT_META_BG) throw buildError(`ext4 at ${offset}: cannot patch superblocks with sparse_super2 or meta_bg`);
    const csum = (roCompat & RO_COMPAT_METADATA_CSUM) !== 0;
    if (csum && primary.readUInt32LE(SB.CHECKSUM) !== superblockCsum(primary)) throw buildError(`ext4 at ${offset}: the superblock checksum does not match`);
    const blockSize = 1024 << primary.readUInt32LE(SB.LOG_BLOCK_SIZE);
    const blocks = primary.readUInt32LE(SB.BLOCKS_LO) + (incompat & INCOMPAT_64BIT ? primary.readUInt32LE(SB.BLOCKS_HI) * 2 ** 32 : 0);
    const firstData = primary.readUInt32LE(SB.FIRST_DATA_BLOCK);
    const bpg = primary.readUInt32LE(SB.BLOCKS_PER_GROUP);
    const groups = Math.ceil((blocks - firstData) / bpg);
    const sparse = (roCompat & RO_COMPAT_SPARSE_SUPER) !== 0;
    for (let g = 0; g < groups; g++) {
      if (!groupHasSuper(g, sparse)) continue;
      const pos = g === 0 ? offset + SB_OFFSET : offset + (firstData + g * bpg) * blockSize;
      const sb = Buffer.alloc(SB_SIZE);
      const { bytesRead } = await fh.read(sb, 0, SB_SIZE, pos);
      if (bytesRead !== SB_SIZE || sb.readUInt16LE(SB.MAGIC) !== 0xef53 || sb.readUInt16LE(SB.BLOCK_GROUP_NR) !== (g & 0xffff)) {
        throw buildError(`ext4 at ${offset}: no backup superblock in group ${g}`);
      }
      edit(sb);
      if (csum) sb.writeUInt32LE(superblockCsum(sb), SB.CHECKSUM);
      await fh.write(sb, 0, SB_SIZE, pos);
    }
  } finally {
    await fh.close();
  }
}

// ---------------------------------------------------------------------------
// The driver

export interface Ext4Spec {
  type: 'ext4';
  label?: string;
  uuid?: string;
  /** mke2fs -O feature list, e.g. ["^has_journal"]; appended to the defaults. */
  features?: string[];
  /** Extra free space to leave for "auto" sizing, in bytes (default 0). */
  extraSpace?: number;
}

/** Adds this filesystem's spec to the image spec (spec-types.ts sits below the drivers). */
type ThisSpec = Ext4Spec;
declare module '../spec-types.ts' {
  interface FilesystemSpecs {
    ext4: ThisSpec;
  }
  interface ProbedFilesystems {
    ext4: true;
  }
}

// ---------------------------------------------------------------------------
// Writing: the steps of ext4Driver.write.

/** What write() decided before running mke2fs, and what its steps share. */
interface Ext4Job {
  spec: Ext4Spec;
  tree: FileTree;
  target: FsTarget;
  ctx: FsContext;
  where: string;
  content: Awaited<ReturnType<typeof measure>>['content'];
  features: Awaited<ReturnType<typeof measure>>['features'];
  /** The virtual-tree list written while measuring, when it is in this build's temporary directory. */
  listed: Awaited<ReturnType<typeof measure>>['virtual'] | undefined;
  blocks: number;
  uuid: string;
  work: string;
  stage: string;
  /** The tree was staged under `stage` (removed with removeStaged). */
  staged: boolean;
  env: ReturnType<typeof e2fsEnv>;
  progress: ReturnType<FsContext['progress']['phase']>;
  version: number[];
  /** mke2fs's arguments for `extra` -E options; `args`: the full mke2fs -d command line. */
  mkfsArgs(extra: string[]): string[];
  args: string[];
  seed: string;
  shimReport: string;
}

/** Step 1: checks the size, picks the UUID, writes mke2fs.conf, builds mke2fs's arguments. */
async function planExt4(spec: Ext4Spec, tree: FileTree, target: FsTarget, ctx: FsContext): Promise<Ext4Job> {
  validateSpec(spec, `ext4 at ${target.offset}`);
  const where = `the ext4 filesystem at offset ${target.offset}`;
  const { content, features, virtual } = await measure(spec, tree);
  const blocks = Math.floor(target.size / EXT4_BLOCK_SIZE);
  const fit = ext4Fit(content, blocks, features);
  if (!fit.fits) await assertFits(spec, tree, target.size, where);
  // The list written while measuring holds the data entries as they were then: not reused when they changed since.
  const fresh = virtual && !ctx.treeFilledLate && virtual.dir.startsWith(ctx.tmpDir + path.sep);
  const listed = fresh && (await fsp.stat(virtual.list).then(() => true, () => false)) ? virtual : undefined;
  if (virtual && !listed) await removeTree(virtual.dir).catch(() => undefined);
  if (virtual) measured.delete(tree);
  const uuid = (spec.uuid ?? defaultExt4Uuid(target.offset, spec.label)).toLowerCase();
  const work = path.join(ctx.tmpDir, `ext4-${target.offset}`);
  await fsp.mkdir(work, { recursive: true });
  const conf = path.join(work, 'mke2fs.conf');
  await fsp.writeFile(conf, MKE2FS_CONF);
  const env = e2fsEnv(ctx.epoch, conf);
  const progress = ctx.progress.phase('ext4', 4, 'items');
  const version = await mke2fsVersion(env);
  const v147 = versionAtLeast(version, [1, 47, 0]);
  // Options every mke2fs from 1.46.2 on takes, giving the same bytes: the lazy-init pair
  // stops it from zeroing inode tables and journal (the partition is zeros already).
  const ext = [`offset=${target.offset}`, `hash_seed=${uuid}`, 'nodiscard', 'root_owner=0:0', 'lazy_itable_init=1', 'lazy_journal_init=1'];
  const mkfsArgs = (extra: string[]): string[] => {
    const a = ['-t', 'ext4', '-T', 'default', '-b', String(EXT4_BLOCK_SIZE), '-I', String(INODE_SIZE)];
    a.push('-N', String(fit.inodesRequested), '-m', String(RESERVED_PERCENT), '-U', uuid, '-E', [...ext, ...extra].join(','));
    if (spec.label !== undefined) a.push('-L', spec.label);
    if (spec.features?.length) a.push('-O', spec.features.join(','));
    return a;
  };
  // mke2fs -d (the fallback): 1.47's assume_storage_prezeroed (the inode tables' "zeroed"
  // flag, which the helper sets itself) and no_copy_xattrs (host xattrs; the shim hides them too).
  const stage = path.join(work, 'root');
  const args = mkfsArgs(v147 ? ['assume_storage_prezeroed=1', 'no_copy_xattrs'] : []);
  args.push('-d', stage, '-F', '-q', target.imagePath, `${blocks * (EXT4_BLOCK_SIZE / 1024)}k`);
  return {
    spec, tree, target, ctx, where, content, features, listed, blocks, uuid, work, stage, staged: false, env, progress, version, mkfsArgs, args,
    seed: `imgsmith ext4 ${uuid}`,
    shimReport: path.join(work, 'shim-report'),
  };
}

/** The last step: the same superblock whichever path wrote it (and on any CPU), then the report. */
async function finishExt4(job: Ext4Job, how: string, info: Record<string, unknown>): Promise<FsReport> {
  const { target, spec, content, progress, ctx } = job;
  const kbytesWritten = (await readSuperblock(target.imagePath, target.offset)).readBigUInt64LE(SB.KBYTES_WRITTEN);
  // The "signed" directory hash flag, the lifetime write counter as mke2fs (or the helper)
  // left it (debugfs would add its writes), the epoch as the last write time.
  await patchSuperblocks(target.imagePath, target.offset, (sb) => encodeExt4Stamp(sb, { signedHash: true, kbytesWritten, writeTime: ctx.epoch }));
  progress.update(3, 4);
  const f = parseExt4Superblock(await readSuperblock(target.imagePath, target.offset));
  const report: FsReport = {
    type: 'ext4',
    ...(spec.label !== undefined ? { label: spec.label } : {}),
    uuid: job.uuid,
    stats: {
      inodes: f.inodes,
      inodesUsed: f.inodes - f.freeInodes,
      blocks: f.blocks,
      freeBlocks: f.freeBlocks,
      blockSize: f.blockSize,
      files: content.files,
      hardlinks: content.hardlinks,
      dirs: content.dirs,
      symlinks: content.symlinks,
      journalBlocks: f.journalBlocks,
      features: f.features,
    },
  };
  // Which path wrote the tree goes to the progress events only: the manifest is the same.
  progress.update(4, 4); // the 4th step (reading the result back) is done: the phase ends with done = total
  progress.end({ inodesUsed: report.stats.inodesUsed, freeBlocks: report.stats.freeBlocks, path: how, ...info });
  return report;
}

/** The primary path: mke2fs makes the empty filesystem, our libext2fs helper writes the tree. */
async function writeWithHelper(job: Ext4Job): Promise<FsReport> {
  const { target, ctx, env, where, progress } = job;
  const list = job.listed ?? (await writeTreeList(job.tree, job.work));
  progress.update(1, 4);
  await zeroRange(target.imagePath, target.offset, target.size);
  const mk = run('mke2fs', [...job.mkfsArgs([]), '-F', '-q', target.imagePath, `${job.blocks * (EXT4_BLOCK_SIZE / 1024)}k`], env, where);
  ctx.toolStarted?.();
  await mk;
  await testHook('read-sources', (name, data) => ctx.progress.event(name, data));
  const counts = await populate(target, list, ctx, env, where);
  if (counts.entries !== list.entries) {
    throw buildError(`${where}: the ext4 populate helper wrote ${counts.entries} of the tree's ${list.entries} entries`);
  }
  const removal = removeTree(list.dir).catch(() => undefined);
  if (ctx.background) ctx.background(removal);
  else await removal;
  progress.update(2, 4);
  return finishExt4(job, 'libext2fs', { entries: counts.entries });
}

/** mke2fs under the shim, with `list` (a virtual tree's, or the staged tree's), reporting
 *  its writes to the build's early compression. -d gets the canonical root: the shim
 *  recognises the tree by it. */
async function mke2fsShimmed(job: Ext4Job, list: string, virtual: boolean): Promise<{ mk: Promise<unknown>; watch?: WriteWatch }> {
  const { target, ctx, args } = job;
  const root = await fsp.realpath(job.stage);
  const watch = ctx.watchWrites?.(target.offset, target.offset + target.size);
  const a = args.map((x, k) => (k > 0 && args[k - 1] === '-d' ? root : x));
  const env = { ...job.env, ...shimEnv({ root, list, epoch: ctx.epoch, seed: job.seed, report: job.shimReport, virtual, image: target.imagePath }), ...watch?.env };
  const mk = run('mke2fs', a, env, job.where, watch);
  ctx.toolStarted?.();
  return { mk, ...(watch ? { watch } : {}) };
}

/** The warning when the virtual-tree run did not give a faithful image (the tree is staged next). */
function virtualTreeWarning(job: Ext4Job, failure: unknown, v: { seen: number } | null, entries: number): string {
  const { where } = job;
  if (failure !== undefined) return `${where}: mke2fs failed reading the shim's virtual tree (${String((failure as Error).message).split('\n').filter(Boolean).slice(-2).join(' / ')}); staging the tree instead (slower)`;
  if (v) return `${where}: mke2fs read ${v.seen} of the ${entries - 1} entries of the shim's virtual tree; staging the tree instead (slower)`;
  return `${where}: the mke2fs shim (${shimPath()}) did not load; staging the tree and normalising owners and times with debugfs (slower)`;
}

/** The fallback's first try: mke2fs reads the tree through the shim from the list; nothing is staged. */
async function mke2fsVirtual(job: Ext4Job, listed: NonNullable<Ext4Job['listed']>): Promise<{ shimmed: boolean; virtualLoaded: boolean }> {
  const { target, ctx, where } = job;
  await fsp.mkdir(job.stage);
  job.progress.update(1, 4);
  await zeroRange(target.imagePath, target.offset, target.size);
  await testHook('read-sources', (name, data) => ctx.progress.event(name, data));
  const { mk, watch } = await mke2fsShimmed(job, listed.list, true);
  // A mke2fs that walks its -d directory some other way than the shim answers fails
  // (ENOTSUP) or reads less: either way the tree is staged and mke2fs runs again. A full
  // disk would only fail again: that error stands.
  let failure: unknown;
  await mk.catch((err: unknown) => {
    failure = err;
  });
  // A source that changed while mke2fs read it is the error (no retry that would read it again).
  await listed.log?.check({ readable: failure !== undefined });
  if (/No space left on device|Disk quota exceeded/i.test(String((failure as Error | undefined)?.message))) throw failure;
  let virtualLoaded = (await shimLoaded(job.shimReport)) !== null;
  const v = failure === undefined && virtualLoaded ? await shimVirtualReport(job.shimReport) : null;
  // A mke2fs whose stat calls the shim does not see (e.g. one linked against glibc < 2.33,
  // which calls __lxstat64) reads the host's owners and times: checked in the image.
  const complete = v !== null && v.total === listed.entries - 1 && v.seen === v.total;
  const wrong = complete ? await unfakedInode(target.imagePath, target.offset, ctx.epoch) : undefined;
  const shimmed = complete && wrong === undefined;
  if (!shimmed) {
    if (wrong !== undefined) {
      virtualLoaded = false;
      ctx.progress.event('warning', { message: `${where}: mke2fs read the host's owner or times of inode ${wrong} past the shim; staging the tree and normalising owners and times with debugfs (slower)` });
    } else {
      ctx.progress.event('warning', { message: virtualTreeWarning(job, failure, v, listed.entries) });
    }
    watch?.invalidate();
  }
  const removal = removeTree(listed.dir).catch(() => undefined);
  if (ctx.background) ctx.background(removal);
  else await removal;
  return { shimmed, virtualLoaded };
}

/** The fallback with a staged tree: mke2fs -d under the shim when it loads, else plain. */
async function mke2fsStaged(job: Ext4Job, virtualLoaded: boolean): Promise<{ shimmed: boolean; groups: LinkGroups }> {
  const { target, ctx, where, tree } = job;
  const useShim = virtualLoaded && (await shimAvailable());
  await fsp.rm(job.stage, { recursive: true, force: true });
  const links = linkGroupCollector();
  const log = new SourceLog();
  await stageTree(tree, job.stage, {
    onEntry: (e) => {
      links.add(e);
      log.add(e);
    },
  });
  const groups = links.groups;
  job.staged = true;
  job.progress.update(1, 4);
  await zeroRange(target.imagePath, target.offset, target.size);
  if (!useShim) {
    await testHook('read-sources', (name, data) => ctx.progress.event(name, data));
    const mk = run('mke2fs', job.args, job.env, where);
    ctx.toolStarted?.();
    await log.around(mk);
    return { shimmed: false, groups };
  }
  const list = path.join(job.work, 'shim-list');
  await fsp.rm(job.shimReport, { force: true });
  writeShimList(tree, list, groups);
  await testHook('read-sources', (name, data) => ctx.progress.event(name, data));
  await log.around((await mke2fsShimmed(job, list, false)).mk);
  if ((await shimLoaded(job.shimReport)) === null) {
    ctx.progress.event('warning', { message: `${where}: the mke2fs shim (${shimPath()}) did not load; normalising owners and times with debugfs (slower)` });
    return { shimmed: false, groups };
  }
  const wrong = await unfakedInode(target.imagePath, target.offset, ctx.epoch);
  if (wrong !== undefined) {
    ctx.progress.event('warning', { message: `${where}: mke2fs read the host's owner or times of inode ${wrong} past the shim; normalising owners and times with debugfs (slower)` });
    return { shimmed: false, groups };
  }
  return { shimmed: true, groups };
}

const EXT4_LABEL: LabelRule = { name: 'ext4', maxBytes: 16 };

export const ext4Driver: MeasuringDriver<Ext4Spec> = {
  type: 'ext4',
  capabilities: { root: true, files: true, symlinks: true, writable: true, growsAtFirstBoot: true, firmwareReadable: false },
  probe: { span: SB_OFFSET + SB_SIZE, matches: isExt4 },
  reader: async () => (await import('../inspect/readers/ext4.ts')).open,
  check: {
    tool: 'e2fsck',
    title: 'e2fsck -fn',
    input: 'offset',
    args: (file) => ['-fn', file],
    verdict: (r) => ({ ok: r.ok, summary: r.out.split('\n').find((l) => /files? \(.*\), .*blocks/.test(l))?.trim() }),
  },
  label: EXT4_LABEL,
  reservedDirs: ['/lost+found'],
  spec: {
    properties: {
      label: schemaOf.label('at most 16 bytes'),
      uuid: schemaOf.uuid,
      features: { type: 'array', items: { type: 'string', pattern: '^\\^?[a-z0-9_]+$' }, description: 'mke2fs -O features, e.g. "^metadata_csum"' },
      extraSpace: { ...schemaOf.size, description: 'free space to leave for size "auto"' },
    },
    parse(o, where) {
      const features =
        o.features === undefined
          ? undefined
          : arr(o.features, `${where}.features`).map((f, i) =>
              str(f, `${where}.features[${i}]`, { pattern: /^\^?[a-z0-9_]+$/, what: 'an mke2fs feature name such as "metadata_csum" or "^has_journal"' }),
            );
      return {
        type: 'ext4',
        label: label(o.label, `${where}.label`, EXT4_LABEL),
        uuid: uuid(o.uuid, `${where}.uuid`),
        ...(features ? { features } : {}),
        ...(o.extraSpace !== undefined ? { extraSpace: parseSize(o.extraSpace, `${where}.extraSpace`) } : {}),
      };
    },
  },
  tools: () => ['debugfs', 'mke2fs'],

  validate(spec, tree, where) {
    validateSpec(spec, where);
    validateTree(tree, where);
  },

  async minimumSize(spec, tree, ctx) {
    const { content, features } = await measure(spec, tree, ctx.tmpDir);
    return ext4MinimumBytes(content, features, spec.extraSpace ?? 0);
  },

  async write(spec, tree, target, ctx) {
    const job = await planExt4(spec, tree, target, ctx);
    try {
      if (await populateAvailable(job.features)) return await writeWithHelper(job);
      if (staleHelper) ctx.progress.event('warning', { message: `${job.where}: ${staleHelper}` });
      checkFallbackPaths(job.content, job.where);
      if (job.listed && !(await virtualTreeAvailable())) {
        // Listed for the helper, which is not used after all: the fallback stages the tree.
        await removeTree(job.listed.dir).catch(() => undefined);
        job.listed = undefined;
      }
      // Whether the shim loaded in the virtual-tree run (when there was one).
      let shimmed = false;
      let virtualLoaded = true;
      if (job.listed) ({ shimmed, virtualLoaded } = await mke2fsVirtual(job, job.listed));
      // The hard-link groups (for a staged tree's shim list and the debugfs fallback).
      let groups: LinkGroups | undefined;
      if (!shimmed) ({ shimmed, groups } = await mke2fsStaged(job, virtualLoaded));
      job.progress.update(2, 4);
      // Without the shim, mke2fs copied the host owners, times and (for hard-linked
      // files) modes: debugfs rewrites them to what the shim would have reported.
      if (!shimmed) await normaliseWithDebugfs(target.imagePath, target.offset, job.stage, tree, groups!, ctx.epoch, job.env, job.work, job.where);
      return await finishExt4(job, 'mke2fs -d', { shim: shimmed, tree: job.staged ? 'staged' : 'virtual', mke2fs: job.version.join('.') });
    } finally {
      // The staged tree (or the empty root) is not needed any more: remove it while the image is packaged.
      const removal = (job.staged ? removeStaged(job.stage) : fsp.rm(job.stage, { recursive: true, force: true })).catch(() => undefined);
      if (ctx.background) ctx.background(removal);
      else await removal;
    }
  },
};

export type { FsContext, FsTarget };
