/**
 * An in-memory description of a filesystem's contents: absolute POSIX paths
 * ("/boot/extlinux/extlinux.conf") mapped to entries. Parents are implicit
 * directories when not given. Filesystem writers consume this.
 */

export type TreeEntry =
  | { kind: 'dir'; mode: number }
  /** A regular file copied from the host (contents read at write time). */
  | { kind: 'file'; mode: number; size: number; source: string }
  /** A generated regular file. */
  | { kind: 'data'; mode: number; data: Buffer }
  | { kind: 'symlink'; target: string };

export class FileTree {
  private readonly map = new Map<string, TreeEntry>();

  /** Adds an entry; creates missing parent directories (mode 0755). Replaces a previous
   *  non-directory entry at the same path; adding a directory over a directory keeps it. */
  add(path: string, entry: TreeEntry): void {
    const p = normalizeTreePath(path);
    if (p === '/') {
      if (entry.kind !== 'dir') throw new Error('the root of a tree must be a directory');
      this.map.set('/', entry);
      return;
    }
    this.ensureDir(parentOf(p));
    const old = this.map.get(p);
    if (old && old.kind === 'dir' && entry.kind === 'dir') return;
    if (old && old.kind === 'dir') {
      throw new Error(`${p} is a directory and cannot be replaced by a ${entry.kind}`);
    }
    this.map.set(p, entry);
  }

  ensureDir(path: string, mode = 0o755): void {
    const p = normalizeTreePath(path);
    const e = this.map.get(p);
    if (e) {
      if (e.kind !== 'dir') throw new Error(`${p} is a ${e.kind}, not a directory`);
      return;
    }
    if (p !== '/') this.ensureDir(parentOf(p));
    this.map.set(p, { kind: 'dir', mode });
  }

  get(path: string): TreeEntry | undefined {
    return this.map.get(normalizeTreePath(path));
  }

  has(path: string): boolean {
    return this.map.has(normalizeTreePath(path));
  }

  get size(): number {
    return this.map.size;
  }

  /** All entries sorted by path bytes (parents before children), root included. */
  entries(): [string, TreeEntry][] {
    if (!this.map.has('/')) this.map.set('/', { kind: 'dir', mode: 0o755 });
    // Sort keys computed once: path components joined by NUL, compared as bytes.
    const keyed = [...this.map.entries()].map((e) => ({ e, k: Buffer.from(e[0].replaceAll('/', '\0')) }));
    keyed.sort((a, b) => Buffer.compare(a.k, b.k));
    return keyed.map((x) => x.e);
  }

  /** Total bytes of regular file contents. */
  contentBytes(): number {
    let n = 0;
    for (const e of this.map.values()) {
      if (e.kind === 'file') n += e.size;
      else if (e.kind === 'data') n += e.data.length;
    }
    return n;
  }
}

/** Compares paths component-wise by byte order so a directory sorts right before its children. */
export function comparePaths(a: string, b: string): number {
  const ka = Buffer.from(a.replaceAll('/', '\0'));
  const kb = Buffer.from(b.replaceAll('/', '\0'));
  return Buffer.compare(ka, kb);
}

export function normalizeTreePath(path: string): string {
  if (!path.startsWith('/')) throw new Error(`tree path must be absolute: ${path}`);
  const parts: string[] = [];
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') throw new Error(`tree path must not contain "..": ${path}`);
    parts.push(c);
  }
  return '/' + parts.join('/');
}

export function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}
