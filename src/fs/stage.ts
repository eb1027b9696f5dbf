import { promises as fsp, constants as fsc } from 'node:fs';
import path from 'node:path';
import type { FileTree } from '../content/tree.ts';

export interface StageStats {
  hardlinked: number;
  copied: number;
  written: number;
  dirs: number;
  symlinks: number;
}

/**
 * Materialises `tree` under the (empty or missing) host directory `dir` so that a
 * mkfs tool can read it (mke2fs -d, mkfs.btrfs --rootdir). Host files are
 * hard-linked, never copied, unless linking is impossible (another filesystem,
 * no permission) or `opts.copy` asks for copies, in which case they are cloned/copied. Directory modes are
 * applied last so read-only directories (Nix store paths are 0555) can be filled.
 */
export async function stageTree(tree: FileTree, dir: string, opts: { copy?: boolean } = {}): Promise<StageStats> {
  const stats: StageStats = { hardlinked: 0, copied: 0, written: 0, dirs: 0, symlinks: 0 };
  await fsp.mkdir(dir, { recursive: true });
  const dirModes: [string, number][] = [];
  let linkWorks = opts.copy !== true;
  for (const [p, e] of tree.entries()) {
    const host = p === '/' ? dir : path.join(dir, p);
    switch (e.kind) {
      case 'dir':
        if (p !== '/') await fsp.mkdir(host);
        dirModes.push([host, e.mode]);
        stats.dirs++;
        break;
      case 'file':
        if (linkWorks) {
          try {
            await fsp.link(e.source, host);
            stats.hardlinked++;
            break;
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EACCES' && code !== 'EMLINK') throw err;
            linkWorks = false;
          }
        }
        await fsp.copyFile(e.source, host, fsc.COPYFILE_FICLONE);
        await fsp.chmod(host, e.mode);
        stats.copied++;
        break;
      case 'data':
        await fsp.writeFile(host, e.data, { mode: e.mode });
        await fsp.chmod(host, e.mode);
        stats.written++;
        break;
      case 'symlink':
        await fsp.symlink(e.target, host);
        stats.symlinks++;
        break;
    }
  }
  // Children before parents, so a read-only parent does not block anything.
  for (let i = dirModes.length - 1; i >= 0; i--) {
    const [host, mode] = dirModes[i]!;
    await fsp.chmod(host, mode);
  }
  return stats;
}

/** Removes a staged tree, including read-only directories. */
export async function removeStaged(dir: string): Promise<void> {
  const makeWritable = async (d: string): Promise<void> => {
    let ents;
    try {
      await fsp.chmod(d, 0o755);
      ents = await fsp.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of ents) if (e.isDirectory()) await makeWritable(path.join(d, e.name));
  };
  await makeWritable(dir);
  await fsp.rm(dir, { recursive: true, force: true });
}
