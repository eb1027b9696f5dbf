/**
 * Comparing directory trees for the tarball tests: a snapshot of a host tree
 * (names as bytes, types, permission bits, contents, symlink targets, inodes) and
 * a diff of two snapshots; hard-link groups; the inode numbers of an ext4
 * partition's entries from debugfs (`ls -p`), which `debugfs rdump` does not keep.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

export interface SnapNode {
  type: 'dir' | 'file' | 'symlink' | 'other';
  /** Permission bits incl. setuid/setgid/sticky (not for symlinks). */
  mode: number;
  /** Seconds (not for symlinks). */
  mtime: number;
  size: number;
  sha256?: string;
  /** Symlink target, as a byte string (latin1). */
  target?: string;
  ino: bigint;
  nlink: bigint;
}

/** Paths relative to the root as byte strings (latin1, "" is the root) -> node. */
export type Snapshot = Map<string, SnapNode>;

const B = (s: string) => Buffer.from(s, 'latin1');
/** A byte-string path shown readably in messages (non-ASCII bytes as \xNN). */
export const showBytes = (s: string) => s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

export async function snapshot(root: string, opts: { skip?: string[] } = {}): Promise<Snapshot> {
  const out: Snapshot = new Map();
  const skip = new Set(opts.skip ?? []);
  const walk = async (rel: string): Promise<void> => {
    const host = rel === '' ? B(root) : Buffer.concat([B(root), B('/'), B(rel)]);
    const st = await fsp.lstat(host, { bigint: true });
    const node: SnapNode = { type: 'other', mode: Number(st.mode & 0o7777n), mtime: Number(st.mtimeMs / 1000n), size: Number(st.size), ino: st.ino, nlink: st.nlink };
    if (st.isDirectory()) {
      node.type = 'dir';
      node.size = 0; // directory sizes depend on the filesystem
    }
    else if (st.isFile()) {
      node.type = 'file';
      node.sha256 = createHash('sha256').update(await fsp.readFile(host)).digest('hex');
    } else if (st.isSymbolicLink()) {
      node.type = 'symlink';
      node.target = (await fsp.readlink(host, { encoding: 'buffer' })).toString('latin1');
      node.mode = 0;
      node.mtime = 0;
    }
    out.set(rel, node);
    if (node.type === 'dir') {
      const names = (await fsp.readdir(host, { encoding: 'buffer' })).map((n) => n.toString('latin1')).sort();
      for (const n of names) {
        const child = rel === '' ? n : `${rel}/${n}`;
        if (!skip.has(child)) await walk(child);
      }
    }
  };
  await walk('');
  return out;
}

/** Differences between two snapshots (empty when equal). Inodes are not compared; see linkGroups. */
export function diffSnapshots(a: Snapshot, b: Snapshot, opts: { mtime?: boolean; nameA?: string; nameB?: string } = {}): string[] {
  const na = opts.nameA ?? 'a';
  const nb = opts.nameB ?? 'b';
  const diffs: string[] = [];
  for (const [p, x] of a) {
    const y = b.get(p);
    const show = showBytes(p) || '/';
    if (!y) {
      diffs.push(`${show}: only in ${na}`);
      continue;
    }
    const keys: (keyof SnapNode)[] = ['type', 'mode', 'size', 'sha256', 'target', ...(opts.mtime === false ? [] : (['mtime'] as const))];
    for (const k of keys) {
      if (x[k] !== y[k]) diffs.push(`${show}: ${k} ${String(x[k])} in ${na}, ${String(y[k])} in ${nb}`);
    }
  }
  for (const p of b.keys()) if (!a.has(p)) diffs.push(`${showBytes(p)}: only in ${nb}`);
  return diffs;
}

/** Groups of paths sharing an inode (hard links), each sorted, sorted by first path. */
export function linkGroups(inodes: Iterable<[string, bigint]>): string[][] {
  const by = new Map<bigint, string[]>();
  for (const [p, ino] of inodes) by.set(ino, [...(by.get(ino) ?? []), p]);
  return [...by.values()]
    .filter((g) => g.length > 1)
    .map((g) => g.sort())
    .sort((x, y) => (x[0]! < y[0]! ? -1 : 1));
}

/** Regular files of a snapshot with their inode numbers. */
export const fileInodes = (s: Snapshot): [string, bigint][] => [...s].filter(([, n]) => n.type === 'file').map(([p, n]) => [p, n.ino]);

/**
 * Inode number and mode of every entry of the ext4 filesystem at `offset` of
 * `image` in the directories `dirs` (byte-string paths relative to the root; ""
 * is the root, listed as its "." entry), read with one `debugfs -f` run of
 * `ls -p` per directory. (`debugfs rdump` keeps neither hard links nor the
 * setuid/setgid/sticky bits.)
 */
export async function ext4Listing(image: string, offset: number, dirs: string[], work: string): Promise<Map<string, { ino: bigint; mode: number }>> {
  const cmds = Buffer.concat(dirs.map((d) => Buffer.concat([B('ls -p "/'), B(d), B('"\n')])));
  const cmdFile = path.join(work, 'ls.debugfs');
  await fsp.writeFile(cmdFile, cmds);
  const r = await execa('debugfs', ['-f', cmdFile, `${image}?offset=${offset}`], { encoding: 'latin1', env: { LC_ALL: 'C' } });
  const out = new Map<string, { ino: bigint; mode: number }>();
  let dir: string | undefined;
  for (const line of String(r.stdout).split('\n')) {
    const cmd = /^debugfs: ls -p "\/(.*)"$/.exec(line);
    if (cmd) {
      dir = cmd[1]!;
      continue;
    }
    // /ino/mode/uid/gid/name/size/ with the mode in octal
    const m = /^\/(\d+)\/(\d+)\/\d+\/\d+\/(.*)\/(\d*)\/$/.exec(line);
    if (!m || dir === undefined) continue;
    const name = m[3]!;
    if (name === '..' || (name === '.' && dir !== '')) continue;
    out.set(name === '.' ? '' : dir === '' ? name : `${dir}/${name}`, { ino: BigInt(m[1]!), mode: parseInt(m[2]!, 8) });
  }
  return out;
}
