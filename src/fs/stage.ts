import {
  chmodSync,
  copyFileSync,
  constants as fsc,
  linkSync,
  lstatSync,
  mkdirSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { removeTree } from '../rmtree.ts';
import { walkTree, hostPath, show, type FileTree, type WalkEntry } from '../content/tree.ts';
import { buildError, ImgsmithError, inputError } from '../errors.ts';
import { changedSource } from './sources.ts';

/** Linux's PATH_MAX: the longest host path (with its NUL) a system call takes. */
export const HOST_PATH_MAX = 4096;

/** The host path to link or copy for a file entry: a file entry's source may be a symlink
 *  (a copy that follows symlinks), and link(2) would stage the symlink itself. */
function regularSource(source: string): Buffer {
  const p = hostPath(source);
  return lstatSync(p).isSymbolicLink() ? realpathSync(p, { encoding: 'buffer' }) : p;
}

export interface StageStats {
  hardlinked: number;
  copied: number;
  written: number;
  dirs: number;
  symlinks: number;
  /** Tree entries that are extra links of an inode already staged. */
  links: number;
}

/**
 * Materialises `tree` under the (empty or missing) host directory `dir` so that a
 * mkfs tool can read it (mke2fs -d, mkfs.btrfs --rootdir), in one streaming walk.
 *
 * Host files are hard-linked, never copied, unless linking is impossible (another
 * filesystem, no permission) or `opts.copy` asks for copies; then they are cloned or
 * copied, and entries that share a host inode are linked to the first copy, so the
 * staged tree has the same inodes and links either way. Symlinks are created with
 * their exact target bytes (never followed), generated files are written, and
 * directory modes are applied when the walk leaves them (read-only directories, as Nix
 * store paths are, can then be filled). `onEntry` sees every walk entry (for callers
 * that measure or list the tree in the same pass). `treeModes`: a file whose mode in the
 * tree differs from its host file's (`hostMode`) is copied, not linked, so a tool that
 * takes modes from the staged tree (mksquashfs) sees the tree's.
 */
export async function stageTree(
  tree: FileTree,
  dir: string,
  opts: { copy?: boolean; onEntry?: (e: WalkEntry) => void; treeModes?: boolean } = {},
): Promise<StageStats> {
  const stats: StageStats = { hardlinked: 0, copied: 0, written: 0, dirs: 0, symlinks: 0, links: 0 };
  const root = Buffer.from(path.resolve(dir));
  mkdirSync(root, { recursive: true });
  let linkWorks = opts.copy !== true;
  // linkKey -> staged path of the first entry of that inode.
  const firstCopy = new Map<string, Buffer>();
  const staged = (p: string) => (p === '/' ? root : Buffer.concat([root, hostPath(p)]));
  let n = 0;
  for (const e of walkTree(tree, { dirEnds: true })) {
    opts.onEntry?.(e);
    const host = staged(e.path);
    if (host.length >= HOST_PATH_MAX) {
      throw inputError(
        `${show(e.path)} would be staged as a host path of ${host.length} bytes, more than Linux allows (${HOST_PATH_MAX - 1}): this filesystem is staged on the host (btrfs, ext4's mke2fs -d fallback), so its paths plus the output directory's must be shorter; make the tree shallower or use ext4 with the populate helper`,
      );
    }
    try {
      switch (e.kind) {
        case 'dir':
          if (e.path !== '/') mkdirSync(host, { mode: 0o700 });
          stats.dirs++;
          break;
        case 'end':
          chmodSync(host, e.mode);
          break;
        case 'file': {
          if (linkWorks && !(opts.treeModes && e.hostMode !== undefined)) {
            try {
              linkSync(regularSource(e.source), host);
              // Linking may stop working later (the next input is on another filesystem):
              // further names of this inode must then link to this one, not copy it again.
              if (e.linkKey !== undefined && !firstCopy.has(e.linkKey)) firstCopy.set(e.linkKey, host);
              stats.hardlinked++;
              break;
            } catch (err) {
              const code = (err as NodeJS.ErrnoException).code;
              if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EACCES' && code !== 'EMLINK') throw err;
              linkWorks = false;
            }
          }
          const first = e.linkKey !== undefined ? firstCopy.get(e.linkKey) : undefined;
          if (first) {
            linkSync(first, host);
            stats.links++;
            break;
          }
          copyFileSync(regularSource(e.source), host, fsc.COPYFILE_FICLONE);
          chmodSync(host, e.mode);
          if (e.linkKey !== undefined) firstCopy.set(e.linkKey, host);
          stats.copied++;
          break;
        }
        case 'data':
          writeFileSync(host, e.data, { mode: e.mode });
          chmodSync(host, e.mode);
          stats.written++;
          break;
        case 'symlink':
          symlinkSync(hostPath(e.target), host);
          stats.symlinks++;
          break;
      }
    } catch (err) {
      if (err instanceof ImgsmithError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (e.kind === 'file' && code === 'ENOENT') throw changedSource(e.source, e.size, undefined);
      if (e.kind === 'file' && (code === 'EACCES' || code === 'EPERM')) throw inputError(`cannot read ${show(e.source)}: permission denied`);
      const what = e.kind === 'file' ? `${show(e.source)} to ${show(e.path)}` : show(e.path);
      throw buildError(`staging ${what} failed: ${code ?? (err as Error).message}`, err);
    }
    // Let timers (progress, signal handling) run now and then.
    if (++n % 4096 === 0) await new Promise((r) => setImmediate(r));
  }
  return stats;
}

/** Removes a staged tree, including read-only directories (see src/rmtree.ts). */
export async function removeStaged(dir: string): Promise<void> {
  await removeTree(dir);
}
