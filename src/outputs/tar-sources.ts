/**
 * Entry sources for the tar writer (tar.ts): today's FileTree, and host
 * directories walked with their names as bytes.
 *
 * Both yield TarSourceEntry values sorted by path bytes, parents first, with
 * byte-string paths (one char per byte).
 */
import { promises as fsp } from 'node:fs';
import { buildError } from '../errors.ts';
import { walkTree, type FileTree } from '../content/tree.ts';
import type { TarSourceEntry } from './tar.ts';

/** A JS (UTF-16) string as a byte string: its UTF-8 bytes, one char each. */
export const toByteString = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
const hostPath = (byteString: string): Buffer => Buffer.from(byteString, 'latin1');
const show = (byteString: string): string => hostPath(byteString).toString('utf8');

/** "dev:ino" of a host file with more than one link (so hard links stay hard links), else undefined. */
async function linkKeyOf(source: Buffer, st?: { nlink: bigint; dev: bigint; ino: bigint }): Promise<string | undefined> {
  const s = st ?? (await fsp.stat(source, { bigint: true }).catch((err: Error) => {
    throw buildError(`cannot read ${source.toString('utf8')}: ${err.message}`, err);
  }));
  return s.nlink > 1n ? `${s.dev}:${s.ino}` : undefined;
}

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

/**
 * Walks the host path `host` (a byte string; a directory, file or symlink) and
 * yields it as `treePath` with everything below it, names kept as bytes, each
 * directory's entries in byte order. Modes are the host's permission bits.
 */
export async function* hostTarEntries(host: string, treePath: string): AsyncGenerator<TarSourceEntry> {
  const st = await fsp.lstat(hostPath(host), { bigint: true }).catch((err: Error) => {
    throw buildError(`cannot read ${show(host)}: ${err.message}`, err);
  });
  const mode = Number(st.mode & 0o7777n);
  if (st.isDirectory()) {
    yield { path: treePath, kind: 'dir', mode };
    const names = (await fsp.readdir(hostPath(host), { encoding: 'buffer' })).sort(Buffer.compare);
    for (const name of names) {
      const n = name.toString('latin1');
      yield* hostTarEntries(`${host}/${n}`, treePath === '/' ? `/${n}` : `${treePath}/${n}`);
    }
  } else if (st.isSymbolicLink()) {
    const target = (await fsp.readlink(hostPath(host), { encoding: 'buffer' })).toString('latin1');
    yield { path: treePath, kind: 'symlink', mode: 0o777, target };
  } else if (st.isFile()) {
    const linkKey = await linkKeyOf(hostPath(host), st);
    yield { path: treePath, kind: 'file', mode, size: Number(st.size), source: host, ...(linkKey ? { linkKey } : {}) };
  } else {
    throw buildError(`${show(host)} is not a regular file, directory or symlink: it cannot go into the tarball`);
  }
}
