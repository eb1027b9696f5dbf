/**
 * The tar writer's (tar.ts) entry source: a FileTree, walked as the filesystem writers
 * walk it (src/content/tree.ts walkTree): byte-string paths in byte order, parents first.
 */
import { walkTree, type FileTree } from '../content/tree.ts';
import type { TarSourceEntry } from './tar.ts';

/**
 * The tree's entries (src/content/tree.ts walkTree: byte-string paths, host directories
 * read as the walk reaches them). Entries sharing a host inode (linkKey) become hard
 * links, as they do in the ext4 and btrfs images.
 */
export async function* fileTreeTarEntries(tree: FileTree): AsyncGenerator<TarSourceEntry> {
  for (const e of walkTree(tree)) {
    switch (e.kind) {
      case 'dir':
        yield { path: e.path, kind: 'dir', mode: e.mode };
        break;
      case 'file':
        yield { path: e.path, kind: 'file', mode: e.mode, size: e.size, source: e.source, ...(e.linkKey ? { linkKey: e.linkKey } : {}) };
        break;
      case 'data':
        yield { path: e.path, kind: 'file', mode: e.mode, size: e.data.length, data: e.data };
        break;
      case 'symlink':
        yield { path: e.path, kind: 'symlink', mode: 0o777, target: e.target };
        break;
    }
  }
}
