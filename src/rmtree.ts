/**
 * Removing big temporary trees (a staged root of a million files, with read-only
 * directories as Nix store paths have them) without holding them in memory:
 * `find -type d -exec chmod u+rwx` (directories only: staged files are hard links to the
 * inputs) + `rm -rf` when those tools run, else a depth-first synchronous walk, which also
 * removes small trees (most temporary directories) without starting any process.
 * (fs.promises.rm keeps every pending operation of the tree in memory at once, and
 * neither it nor rmSync can empty a read-only directory without root.)
 */
import { chmodSync, lstatSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { runTool } from './tools/run.ts';

/** Trees of at most this many entries are removed in-process: starting find and rm costs more
 *  (two processes forked from a large one) than the walk. */
const SMALL_TREE = 4096;

/** Whether `dir` holds at most SMALL_TREE entries (false when it cannot be read: find and rm decide). */
function isSmallTree(dir: string): boolean {
  let left = SMALL_TREE;
  const slash = Buffer.from('/');
  const walk = (d: Buffer): boolean => {
    for (const e of readdirSync(d, { withFileTypes: true, encoding: 'buffer' })) {
      if (--left < 0) return false;
      if (e.isDirectory() && !walk(Buffer.concat([d, slash, e.name as unknown as Buffer]))) return false;
    }
    return true;
  };
  try {
    return !lstatSync(dir).isDirectory() || walk(Buffer.from(dir));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Removes `dir` and everything in it (names as bytes); a missing `dir` is fine. */
export async function removeTree(dir: string): Promise<void> {
  if (isSmallTree(dir)) {
    removeTreeSync(dir);
    return;
  }
  try {
    // Directories only: staged files are hard links to the inputs, whose modes are not ours.
    await runTool('find', [path.resolve(dir), '-type', 'd', '!', '-perm', '-u=rwx', '-exec', 'chmod', 'u+rwx', '{}', '+'], { stdout: 'ignore', stderr: 'ignore', check: false });
    await runTool('rm', ['-rf', '--', dir], { stdout: 'ignore', stderr: 'ignore' });
    return;
  } catch {
    // no rm here: walk
  }
  removeTreeSync(dir);
}

/** The synchronous walk (also used while the process is exiting). */
export function removeTreeSync(dir: string): void {
  const slash = Buffer.from('/');
  const remove = (d: Buffer): void => {
    try {
      chmodSync(d, 0o700);
    } catch {
      // not ours to change: try anyway
    }
    for (const e of readdirSync(d, { withFileTypes: true, encoding: 'buffer' })) {
      const p = Buffer.concat([d, slash, e.name as unknown as Buffer]);
      if (e.isDirectory()) remove(p);
      else unlinkSync(p);
    }
    rmdirSync(d);
  };
  try {
    const st = lstatSync(dir);
    if (!st.isDirectory()) {
      unlinkSync(dir);
      return;
    }
    remove(Buffer.from(dir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
