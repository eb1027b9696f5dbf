/**
 * Turns a partition's content items (spec) into a FileTree: copies from the
 * firmware / spec / toplevel directories, generated files (config.txt,
 * extlinux, the Nix closure) and literal text files.
 */
import { promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { buildError, usageError } from '../errors.ts';
import type { ContentItem, CopyItem, SourceRoot } from '../spec-types.ts';
import { FileTree } from './tree.ts';
import { rpiConfigTxt } from './rpi.ts';
import { addExtlinuxToTree, extlinuxOptionsOf } from './extlinux.ts';
import { addClosureToTree, type ClosureInfo } from '../closure.ts';

export interface ContentInputs {
  /** Absolute directories for `from` roots. */
  roots: Partial<Record<SourceRoot, string>>;
  /** The closure, read once per build (needed by `generate: closure`). */
  closure?: () => Promise<ClosureInfo>;
}

const ROOT_OPTION: Record<SourceRoot, string> = { firmware: '--firmware', toplevel: '--toplevel', spec: 'the spec file' };

function rootOf(inputs: ContentInputs, from: SourceRoot, where: string): string {
  const dir = inputs.roots[from];
  if (!dir) throw usageError(`${where}: the spec copies from "${from}" but no ${ROOT_OPTION[from]} was given`);
  return dir;
}

const isGlob = (s: string) => /[*?[]/.test(s);

/** Converts a shell-style glob of one path component to a RegExp. */
function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        let cls = glob.slice(i + 1, close);
        if (cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function statFollow(p: string): Promise<Stats | undefined> {
  try {
    return await fsp.stat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw buildError(`cannot read ${p}: ${(err as Error).message}`);
  }
}

/** Adds a host file or directory (symlinks followed, like `cp -rL`) at `target`. */
async function addHost(tree: FileTree, host: string, target: string, st: Stats): Promise<number> {
  if (st.isDirectory()) {
    tree.ensureDir(target, st.mode & 0o7777);
    let n = 0;
    const names = (await fsp.readdir(host)).sort();
    for (const name of names) {
      const child = path.join(host, name);
      const cst = await statFollow(child);
      if (!cst) throw buildError(`${child} is a dangling symlink`);
      n += await addHost(tree, child, path.posix.join(target, name), cst);
    }
    return n;
  }
  if (!st.isFile()) throw buildError(`${host} is neither a regular file nor a directory`);
  tree.add(target, { kind: 'file', mode: st.mode & 0o7777, size: st.size, source: host });
  return 1;
}

async function addCopy(tree: FileTree, item: CopyItem, inputs: ContentInputs, where: string): Promise<void> {
  const root = rootOf(inputs, item.from, where);
  const dir = path.dirname(item.path);
  const base = path.basename(item.path);
  if (isGlob(dir)) throw usageError(`${where}.path: only the last path component may contain * ? [ (got "${item.path}")`);
  if (isGlob(base)) {
    const hostDir = path.join(root, dir);
    let names: string[];
    try {
      names = await fsp.readdir(hostDir);
    } catch {
      names = [];
    }
    const re = globRegExp(base);
    const matches = names.filter((n) => re.test(n)).sort();
    if (matches.length === 0) {
      if (item.optional) return;
      throw buildError(`${where}: nothing in ${hostDir} matches "${base}" (from ${item.from})`);
    }
    for (const m of matches) {
      const host = path.join(hostDir, m);
      const st = await statFollow(host);
      if (!st) throw buildError(`${host} is a dangling symlink`);
      await addHost(tree, host, path.posix.join(item.target, m), st);
    }
    return;
  }
  const host = path.join(root, item.path);
  const st = await statFollow(host);
  if (!st) {
    if (item.optional) return;
    throw buildError(`${where}: ${host} does not exist (from ${item.from})`);
  }
  if (st.isDirectory()) {
    await addHost(tree, host, item.target, st);
    return;
  }
  // A single file: the target is its path, or a directory when it ends in "/" or is "/".
  const target = item.target.endsWith('/') ? path.posix.join(item.target, base) : item.target;
  await addHost(tree, host, target, st);
}

/** Builds the tree of one partition. `where` names the partition for messages. */
export async function resolveContents(items: ContentItem[], inputs: ContentInputs, where: string): Promise<FileTree> {
  const tree = new FileTree();
  tree.ensureDir('/');
  for (const [i, item] of items.entries()) {
    const w = `${where}.contents[${i}]`;
    try {
      switch (item.kind) {
        case 'copy':
          await addCopy(tree, item, inputs, w);
          break;
        case 'text':
          tree.add(item.target, { kind: 'data', mode: item.mode, data: Buffer.from(item.text) });
          break;
        case 'generate':
          switch (item.generator) {
            case 'rpi-config.txt': {
              const extra = item.options.extraConfig;
              if (extra !== undefined && typeof extra !== 'string') {
                throw usageError(`${w}.options.extraConfig: expected a string`);
              }
              tree.add(item.target, { kind: 'data', mode: 0o644, data: Buffer.from(rpiConfigTxt({ extraConfig: extra })) });
              break;
            }
            case 'extlinux': {
              const timeout = item.options.timeout;
              if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0)) {
                throw usageError(`${w}.options.timeout: expected a whole number of deciseconds`);
              }
              const toplevel = rootOf(inputs, 'toplevel', w);
              await addExtlinuxToTree(tree, toplevel, { ...extlinuxOptionsOf(item.options), target: item.target });
              break;
            }
            case 'closure': {
              if (!inputs.closure) throw usageError(`${w}: the spec includes a Nix closure but no --closure was given`);
              await addClosureToTree(tree, await inputs.closure());
              break;
            }
          }
          break;
      }
    } catch (err) {
      // Tree conflicts (a file over a directory) are spec problems; name the item.
      if (err instanceof Error && !(err as { kind?: string }).kind) {
        throw buildError(`${w}: ${err.message}`, err);
      }
      throw err;
    }
  }
  return tree;
}
