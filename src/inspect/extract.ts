/**
 * `imgsmith extract IMAGE:PARTITION PATH DEST`: copies a file, symlink or directory tree
 * out of a filesystem, treating every name and target in the image as hostile data:
 *  - every entry is written under a fresh temporary directory `.imgsmith-extract-<pid>-*`
 *    beside DEST (registered in src/lifetime.ts: removed on error, on SIGINT/SIGTERM/SIGHUP
 *    and by bin/imgsmith.js if this process dies), then renamed to DEST at the end;
 *  - an entry whose name no filesystem may hold (src/inspect/names.ts: empty, ".", "..",
 *    "/", NUL, > 255 bytes) or whose parent is not a directory extracted just before it
 *    (e.g. "link/passwd" below a symlink "link") stops the extraction with one error naming
 *    its path (escaped); nothing is left behind;
 *  - files are created with O_CREAT|O_EXCL|O_NOFOLLOW, their mode and times set through
 *    the open descriptor; symlinks are created as symlinks and never written through;
 *    every directory's realpath is checked to be the path built for it (under the
 *    temporary directory) before anything is created in it.
 * Modes and mtimes are kept; owners are not (rootless); device nodes, FIFOs and sockets
 * are skipped and listed.
 */
import fs, { constants as fsc, promises as fsp } from 'node:fs';
import path from 'node:path';
import { inputError, usageError } from '../errors.ts';
import { makeTempDir, removeTempDir, testHook } from '../lifetime.ts';
import { hostPath, show } from '../content/tree.ts';
import { normPath, walkFs, withPartitionFs } from './commands.ts';
import { badLinkTarget, badName } from './names.ts';
import type { FsEntry, FsReader } from './types.ts';
import type { TargetArg } from './address.ts';

/** Name prefix of extract's temporary directories (beside DEST). */
export const EXTRACT_PREFIX = '.imgsmith-extract-';

export interface ExtractResult {
  image: string;
  partition: number;
  path: string;
  dest: string;
  files: number;
  dirs: number;
  symlinks: number;
  skipped: string[];
  bytes: number;
}

const SLASH = Buffer.from('/');
const CREATE = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW;
/** Files whose bytes are read in one reader call (readFilesTo: one debugfs run for ext4); each holds a descriptor until then. */
const FILE_BATCH = 256;

/** Writes entries of one extraction below `root` (a directory this process just created). */
class TreeWriter {
  /** Image path of every directory created so far -> its host path. */
  private readonly dirs = new Map<string, Buffer>();
  private readonly dirMeta: [Buffer, number, number][] = [];
  /** Files created and open, their bytes not written yet (at most FILE_BATCH). */
  private pending: { e: FsEntry; fd: number }[] = [];

  constructor(private readonly r: FsReader, private readonly where: string, private readonly res: ExtractResult) {}

  private refuse(e: FsEntry, why: string): Error {
    const slash = e.path.lastIndexOf('/', e.path.length - e.name.length - 1);
    const dir = e.path.endsWith(e.name) && slash >= 0 ? e.path.slice(0, slash) || '/' : undefined;
    const what = dir === undefined ? show(e.path) : `"${show(e.name)}" in ${show(dir)}`;
    return inputError(`${this.where}: refusing to extract ${what}: ${why}; nothing was extracted`);
  }

  /** The host path for `e` below its parent directory, checked against the name policy. */
  private hostPathOf(e: FsEntry): Buffer {
    const why = badName(e.name);
    if (why) throw this.refuse(e, why);
    const parent = e.path.slice(0, e.path.length - e.name.length - 1) || '/';
    if (!e.path.endsWith(`/${e.name}`)) throw this.refuse(e, 'its path does not end in its name');
    const dir = this.dirs.get(parent);
    if (!dir) throw this.refuse(e, `its parent ${show(parent)} is not a directory extracted here (a symlink or a file?)`);
    return Buffer.concat([dir, SLASH, hostPath(e.name)]);
  }

  /** Creates the top entry at `to` (its name is the caller's). */
  async top(e: FsEntry, to: Buffer): Promise<void> {
    await this.create(e, to);
  }

  /** Creates an entry found below the top. */
  async entry(e: FsEntry): Promise<void> {
    await this.create(e, this.hostPathOf(e));
  }

  private async create(e: FsEntry, to: Buffer): Promise<void> {
    try {
      if (e.type === 'dir') await this.mkdir(e, to);
      else if (e.type === 'symlink') await this.symlink(e, to);
      else if (e.type === 'file') await this.file(e, to);
      else this.res.skipped.push(show(e.path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw this.refuse(e, 'its name appears twice in its directory');
      throw err;
    }
  }

  private async mkdir(e: FsEntry, to: Buffer): Promise<void> {
    await fsp.mkdir(to, { mode: 0o700 });
    // Built only from checked names below a directory made here, it must resolve to itself.
    if (!fs.realpathSync.native(to, { encoding: 'buffer' }).equals(to)) throw this.refuse(e, 'it resolves outside the target');
    this.dirs.set(e.path, to);
    this.dirMeta.push([to, e.mode, e.mtime]);
    this.res.dirs++;
  }

  private async symlink(e: FsEntry, to: Buffer): Promise<void> {
    const why = badLinkTarget(e.target);
    if (why) throw this.refuse(e, why);
    await fsp.symlink(hostPath(e.target!), to);
    await fsp.lutimes(to, e.mtime, e.mtime);
    this.res.symlinks++;
  }

  /** Creates the file now; its bytes follow in a batch (flush), or now from a reader without readFilesTo. */
  private async file(e: FsEntry, to: Buffer): Promise<void> {
    const fd = fs.openSync(to, CREATE, 0o600);
    this.pending.push({ e, fd });
    if (!this.r.readFilesTo || this.pending.length >= FILE_BATCH) await this.flush();
  }

  /** Writes the bytes of the files created since the last flush (one reader call for all where it can), then their modes and times. */
  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      if (this.r.readFilesTo) await this.r.readFilesTo(batch.map((f) => f.e), batch.map((f) => f.fd));
      for (const { e, fd } of batch) {
        if (!this.r.readFilesTo) await this.r.readFileTo(e.path, fd);
        const size = fs.fstatSync(fd).size;
        if (size !== e.size) throw inputError(`${this.where}: ${show(e.path)}: read ${size} bytes but the file is ${e.size} bytes`);
        fs.fchmodSync(fd, e.mode);
        fs.futimesSync(fd, e.mtime, e.mtime);
        this.res.files++;
        this.res.bytes += e.size;
        if (this.res.files === 1) await testHook('extract', () => undefined);
      }
    } finally {
      for (const { fd } of batch) fs.closeSync(fd);
    }
  }

  /** Closes the files still waiting for their bytes (after an error: the temporary tree goes). */
  abandon(): void {
    for (const { fd } of this.pending) fs.closeSync(fd);
    this.pending = [];
  }

  /** Directory modes and times last, children first (a read-only directory would refuse its children). */
  async finish(): Promise<void> {
    for (const [d, m, t] of this.dirMeta.reverse()) {
      await fsp.chmod(d, m);
      await fsp.utimes(d, t, t);
    }
  }

  /** Registers the top directory's image path (entries below it are created in it). */
  topDir(imagePath: string, to: Buffer): void {
    if (!this.dirs.has(imagePath)) this.dirs.set(imagePath, to);
  }
}

/** Where DEST is: the final path (as bytes) and the directory the temporary tree goes in. */
async function resolveDest(destIn: string, top: FsEntry): Promise<{ dest: string; destBytes: Buffer; parentDir: string }> {
  let dest = path.resolve(destIn);
  // DEST as bytes: a name taken from the filesystem (not UTF-8, maybe) keeps its bytes.
  let destBytes = Buffer.from(dest);
  let parentDir = path.dirname(dest);
  const existing = await fsp.lstat(dest).catch(() => undefined);
  if (existing) {
    if (!existing.isDirectory() || top.type === 'dir') {
      throw usageError(`${destIn} already exists; extract ${top.type === 'dir' ? 'a directory' : 'into a directory or'} to a new path`);
    }
    const name = top.name || 'root';
    const why = badName(name);
    if (why) throw inputError(`refusing to extract ${show(top.path)} into ${destIn}: ${why}`);
    parentDir = dest;
    destBytes = Buffer.concat([Buffer.from(dest + '/'), hostPath(name)]);
    dest = path.join(dest, show(name));
    if (await fsp.lstat(destBytes).catch(() => undefined)) throw usageError(`${dest} already exists`);
  }
  if (!(await fsp.stat(parentDir).catch(() => undefined))?.isDirectory()) throw usageError(`${parentDir} is not a directory`);
  return { dest, destBytes, parentDir };
}

/** Moves the finished tree to DEST without replacing anything there. */
async function publish(from: Buffer, top: FsEntry, destBytes: Buffer, dest: string): Promise<void> {
  if (top.type !== 'dir') {
    // link(2) never replaces (and links a symlink itself); the temporary name goes with the tree.
    await fsp.link(from, destBytes).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'EEXIST' ? usageError(`${dest} already exists`) : err;
    });
    return;
  }
  // rename(2) would replace an empty directory: check just before.
  if (await fsp.lstat(destBytes).catch(() => undefined)) throw usageError(`${dest} already exists`);
  await fsp.rename(from, destBytes);
}

/**
 * Copies PATH (a file, a symlink or a directory tree) out of the filesystem to DEST.
 * DEST must not exist, unless it is a directory and PATH is a file or symlink (then it
 * goes inside).
 */
export async function extractPath(target: TargetArg, p: string, destIn: string): Promise<ExtractResult> {
  return withPartitionFs(target, true, async ({ img, part, fs: r }) => {
    const src = normPath(p);
    const top = await r!.stat(src);
    const { dest, destBytes, parentDir } = await resolveDest(destIn, top);
    const where = `${img.source}:${part!.partition.index}`;
    const res: ExtractResult = { image: img.source, partition: part!.partition.index, path: show(src), dest, files: 0, dirs: 0, symlinks: 0, skipped: [], bytes: 0 };
    const tmp = await makeTempDir(parentDir, EXTRACT_PREFIX);
    try {
      const root = Buffer.concat([fs.realpathSync.native(tmp, { encoding: 'buffer' }), Buffer.from('/tree')]);
      const w = new TreeWriter(r!, where, res);
      try {
        await w.top(top, root);
        if (top.type === 'dir') {
          w.topDir(src, root);
          for await (const e of walkFs(r!, src)) await w.entry(e);
        }
        await w.flush();
      } finally {
        w.abandon();
      }
      if (top.type === 'dir') await w.finish();
      await publish(root, top, destBytes, dest);
    } finally {
      await removeTempDir(tmp);
    }
    return res;
  });
}
