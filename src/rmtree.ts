/**
 * Removing big temporary trees (a staged root of a million files, with read-only
 * directories as Nix store paths have them) without holding them in memory:
 * `find -type d -exec chmod u+rwx` (directories only: staged files are hard links to the
 * inputs) + `rm -rf` when those tools run, else a depth-first synchronous walk, which also
 * removes small trees (most temporary directories: it gives a larger one to find and rm after
 * SMALL_TREE entries) without starting any process.
 * (fs.promises.rm keeps every pending operation of the tree in memory at once, and
 * neither it nor rmSync can empty a read-only directory without root.)
 */
import { chmodSync, lstatSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { runTool } from './tools/run.ts';

/** Entries the synchronous walk removes before it hands a tree to find and rm: starting those
 *  costs more (two processes forked from a large one) than walking a small tree. */
const SMALL_TREE = 4096;

/** Removes `dir` and everything in it (names as bytes); a missing `dir` is fine. */
export async function removeTree(dir: string): Promise<void> {
  try {
    // Most temporary directories are small: removed in-process, without starting any process.
    if (removeTreeSync(dir, SMALL_TREE)) return;
  } catch {
    // a directory it cannot read or change: find and rm decide
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

/** The synchronous walk (also used while the process is exiting). It stops after removing `budget`
 *  entries (false: the rest of the tree is still there) or when the tree is gone (true). */
export function removeTreeSync(dir: string, budget = Infinity): boolean {
  const slash = Buffer.from('/');
  let left = budget;
  const remove = (d: Buffer): boolean => {
    try {
      chmodSync(d, 0o700);
    } catch {
      // not ours to change: try anyway
    }
    for (const e of readdirSync(d, { withFileTypes: true, encoding: 'buffer' })) {
      if (--left < 0) return false;
      const p = Buffer.concat([d, slash, e.name as unknown as Buffer]);
      if (e.isDirectory()) {
        if (!remove(p)) return false;
      } else unlinkSync(p);
    }
    rmdirSync(d);
    return true;
  };
  try {
    const st = lstatSync(dir);
    if (!st.isDirectory()) {
      unlinkSync(dir);
      return true;
    }
    return remove(Buffer.from(dir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return true;
  }
}
