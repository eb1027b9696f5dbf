/**
 * /boot/extlinux/extlinux.conf and /boot/nixos/* as NixOS's
 * generic-extlinux-compatible builder (extlinux-conf-builder.sh) makes them with
 * `-c <toplevel> -d <target>` (the way sd-image.nix populates the root partition):
 *
 *  - the kernel, initrd and dtbs the toplevel points to are copied to
 *    <target>/nixos/<cleanName>, where cleanName is the resolved store path without
 *    "/nix/store/" and with every "/" turned into "-", e.g.
 *    /nix/store/<hash>-linux-6.1.21/Image -> <hash>-linux-6.1.21-Image;
 *  - extlinux.conf has the builder's exact text, with one "nixos-default" entry.
 *
 * Here the copies are host-backed tree entries, so staging hard-links them.
 *
 * The toplevel may be in a store directory other than /nix/store (test closures):
 * its symlinks (kernel -> /nix/store/...-linux/Image) are then resolved inside that
 * directory, and names and paths in extlinux.conf still use /nix/store.
 */
import { promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { buildError } from '../errors.ts';
import type { FileTree } from './tree.ts';

const NIX_STORE = '/nix/store';

export interface ExtlinuxOptions {
  /** The boot directory in the filesystem (default /boot). */
  target?: string;
  /** TIMEOUT in deciseconds, written as is (default 50, NixOS's boot.loader.timeout = 5 s). */
  timeout?: number;
  /** Kernel parameters appended after the toplevel's kernel-params (default none). */
  extraKernelParams?: string[];
  /** The init= path (default <toplevel>/init, with the toplevel under /nix/store). */
  init?: string;
}

/** The extlinux options of a spec content item's `options` (validated by spec.ts). */
export function extlinuxOptionsOf(o: Record<string, unknown>): ExtlinuxOptions {
  return {
    ...(typeof o.timeout === 'number' ? { timeout: o.timeout } : {}),
    ...(Array.isArray(o.extraKernelParams) ? { extraKernelParams: o.extraKernelParams.map(String) } : {}),
    ...(typeof o.init === 'string' ? { init: o.init } : {}),
  };
}

/** Whether `p` exists in `tree`, following symlinks inside the tree (absolute or relative). */
export function treeHasPath(tree: FileTree, p: string): boolean {
  let todo = p.split('/').filter(Boolean);
  let done = '/';
  let hops = 0;
  while (todo.length) {
    const c = todo.shift()!;
    if (c === '.') continue;
    if (c === '..') {
      done = path.posix.dirname(done);
      continue;
    }
    const next = path.posix.join(done, c);
    const e = tree.get(next);
    if (!e) return false;
    if (e.kind === 'symlink') {
      if (++hops > 40) return false;
      if (e.target.startsWith('/')) done = '/';
      todo = [...e.target.split('/').filter(Boolean), ...todo];
    } else {
      done = next;
    }
  }
  return true;
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await fsp.lstat(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw buildError(`cannot read ${p}: ${(err as Error).message}`);
  }
}

/**
 * Resolves every symlink in `p` (like `readlink -m`), mapping absolute targets under
 * /nix/store to the host store directory `storeDir`. The result need not exist.
 */
export async function resolveInStore(p: string, storeDir: string): Promise<string> {
  const mapTarget = (t: string) =>
    storeDir !== NIX_STORE && (t === NIX_STORE || t.startsWith(`${NIX_STORE}/`)) ? storeDir + t.slice(NIX_STORE.length) : t;
  let todo = path.resolve(p).split('/').filter(Boolean);
  let done = '/';
  let hops = 0;
  while (todo.length) {
    const c = todo.shift()!;
    if (c === '.') continue;
    if (c === '..') {
      done = path.dirname(done);
      continue;
    }
    const next = path.join(done, c);
    const st = await lstatOrUndefined(next);
    if (st?.isSymbolicLink()) {
      if (++hops > 40) throw buildError(`${p}: too many levels of symbolic links`);
      const t = await fsp.readlink(next);
      const mapped = mapTarget(t);
      if (path.isAbsolute(mapped)) done = '/';
      todo = [...mapped.split('/').filter(Boolean), ...todo];
    } else {
      done = next;
    }
  }
  return done;
}

/** The builder's cleanName for a resolved host path: relative to the store, "/" -> "-". */
function cleanName(resolved: string, storeDir: string): string {
  const logical = resolved.startsWith(`${storeDir}/`) ? NIX_STORE + resolved.slice(storeDir.length) : resolved;
  return logical.replace(/^\/nix\/store\//, '').replaceAll('/', '-');
}

/** Adds a host file or directory (symlinks inside kept as symlinks, like `cp -r`). */
async function addCopy(tree: FileTree, host: string, target: string): Promise<void> {
  const st = await fsp.lstat(host);
  if (st.isDirectory()) {
    tree.add(target, { kind: 'dir', mode: st.mode & 0o7777 });
    const names = (await fsp.readdir(host)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const n of names) await addCopy(tree, path.join(host, n), path.posix.join(target, n));
  } else if (st.isFile()) {
    tree.add(target, { kind: 'file', mode: st.mode & 0o7777, size: st.size, source: host });
  } else if (st.isSymbolicLink()) {
    tree.add(target, { kind: 'symlink', target: await fsp.readlink(host) });
  } else {
    throw buildError(`${host} is not a regular file, directory or symlink`);
  }
}

/** The extlinux.conf text the builder writes for one default entry. */
export function extlinuxConf(e: { timeout: number; kernel: string; initrd: string; init: string; params: string; fdtdir?: string }): string {
  const lines = [
    '# Generated file, all changes will be lost on nixos-rebuild!',
    '',
    '# Change this to e.g. nixos-42 to temporarily boot to an older configuration.',
    'DEFAULT nixos-default',
    '',
    'MENU TITLE ------------------------------------------------------------',
    `TIMEOUT ${e.timeout}`,
    '',
    'LABEL nixos-default',
    '  MENU LABEL NixOS - Default',
    `  LINUX ${e.kernel}`,
    `  INITRD ${e.initrd}`,
    `  APPEND init=${e.init} ${e.params}`,
  ];
  if (e.fdtdir !== undefined) lines.push(`  FDTDIR ${e.fdtdir}`);
  return lines.join('\n') + '\n';
}

/**
 * Adds <target>/extlinux/extlinux.conf and <target>/nixos/{kernel,initrd,dtbs} for
 * the NixOS system `toplevel` (a store path, or a symlink to one such as ./result).
 */
export async function addExtlinuxToTree(tree: FileTree, toplevel: string, options: ExtlinuxOptions = {}): Promise<void> {
  const target = options.target ?? '/boot';
  const timeout = options.timeout ?? 50;
  let top: string;
  try {
    top = await fsp.realpath(toplevel);
  } catch {
    throw buildError(`the NixOS system ${toplevel} does not exist (--toplevel)`);
  }
  if (!(await fsp.stat(top)).isDirectory()) throw buildError(`the NixOS system ${toplevel} is not a directory (--toplevel)`);
  const storeDir = path.dirname(top);
  const logicalTop = `${NIX_STORE}/${path.basename(top)}`;

  const need = async (name: string): Promise<{ host: string; st: Stats }> => {
    const host = await resolveInStore(path.join(top, name), storeDir);
    const st = await fsp.stat(host).catch(() => undefined);
    if (!st?.isFile()) {
      throw buildError(`the NixOS system ${toplevel} has no ${name}: ${path.join(top, name)}${host !== path.join(top, name) ? ` (-> ${host})` : ''} is not a file`);
    }
    return { host, st };
  };
  const kernel = await need('kernel');
  const initrd = await need('initrd');
  if (options.init === undefined) await need('init');
  let params = '';
  const paramsFile = path.join(top, 'kernel-params');
  try {
    params = (await fsp.readFile(await resolveInStore(paramsFile, storeDir), 'utf8')).replace(/\n+$/, '');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw buildError(`cannot read ${paramsFile}: ${(err as Error).message}`);
    // The builder's `$(cat kernel-params)` gives "" when the file is missing.
  }

  const nixosDir = path.posix.join(target, 'nixos');
  tree.ensureDir(nixosDir);
  tree.ensureDir(path.posix.join(target, 'extlinux'));
  const place = (src: { host: string; st: Stats }): string => {
    const name = cleanName(src.host, storeDir);
    tree.add(path.posix.join(nixosDir, name), { kind: 'file', mode: src.st.mode & 0o7777, size: src.st.size, source: src.host });
    return `../nixos/${name}`;
  };
  const kernelRel = place(kernel);
  const initrdRel = place(initrd);

  let fdtdir: string | undefined;
  const dtbs = await resolveInStore(path.join(top, 'dtbs'), storeDir);
  const dst = await fsp.stat(dtbs).catch(() => undefined);
  if (dst?.isDirectory()) {
    const name = cleanName(dtbs, storeDir);
    await addCopy(tree, dtbs, path.posix.join(nixosDir, name));
    fdtdir = `../nixos/${name}`;
  }

  const extra = options.extraKernelParams ?? [];
  if (extra.length > 0) params = [params, ...extra].filter((x) => x !== '').join(' ');
  const init = options.init ?? `${logicalTop}/init`;
  const conf = extlinuxConf({ timeout, kernel: kernelRel, initrd: initrdRel, init, params, ...(fdtdir ? { fdtdir } : {}) });
  tree.add(path.posix.join(target, 'extlinux', 'extlinux.conf'), { kind: 'data', mode: 0o644, data: Buffer.from(conf) });
}
