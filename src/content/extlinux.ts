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
 * The store may be somewhere else on the build machine (`--store-root DIR`): the
 * toplevel's symlinks (kernel -> /nix/store/...-linux/Image) are then resolved inside
 * DIR, and names and paths in extlinux.conf use the store paths themselves.
 */
import { lstatSync, promises as fsp, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import { inputError } from '../errors.ts';
import { fromUtf8, resolveLinks, type FileTree } from './tree.ts';

const NIX_STORE = '/nix/store';

export interface ExtlinuxOptions {
  /** The boot directory in the filesystem (default /boot). */
  target?: string;
  /** TIMEOUT in deciseconds, written as is (default 50, NixOS's boot.loader.timeout = 5 s). */
  timeout?: number;
  /** The closure's store directory (default: /nix/store). */
  storeDir?: string;
  /** Where a store path is on the build machine (--store-root); default: where it says. */
  storeHost?: (storePath: string) => string;
  /** The closure's store paths: the toplevel must be one of them (init= points into it). */
  closurePaths?: string[];
  /** Kernel parameters appended after the toplevel's kernel-params (default none). */
  extraKernelParams?: string[];
  /** The init= path (default <toplevel>/init, with the toplevel under /nix/store). */
  init?: string;
  /** One device tree in the toplevel's dtbs ("sun8i-h3-orangepi-pc.dtb", "allwinner/x.dtb"):
   *  `FDT <dtbs>/<fdt>` instead of `FDTDIR <dtbs>`, as the builder's -n (NixOS's
   *  hardware.deviceTree.name). Default: FDTDIR, U-Boot picks by its $fdtfile. */
  fdt?: string;
}

/** The extlinux options of a spec content item's `options` (validated by spec.ts). */
export function extlinuxOptionsOf(o: Record<string, unknown>): ExtlinuxOptions {
  return {
    ...(typeof o.timeout === 'number' ? { timeout: o.timeout } : {}),
    ...(Array.isArray(o.extraKernelParams) ? { extraKernelParams: o.extraKernelParams.map(String) } : {}),
    ...(typeof o.init === 'string' ? { init: o.init } : {}),
    ...(typeof o.fdt === 'string' ? { fdt: o.fdt } : {}),
  };
}

/** Whether `p` exists in `tree`, following symlinks inside the tree (absolute or relative). */
export function treeHasPath(tree: FileTree, p: string): boolean {
  const link = (q: string) => {
    const e = tree.lookup(q);
    return e === undefined ? null : e.kind === 'symlink' ? e.target : undefined;
  };
  return resolveLinks(p, link, { mustExist: true }) !== null;
}

/**
 * Resolves every symlink in the host path `p` (like `readlink -m`), mapping absolute
 * targets to the build machine with `toHost` (store paths under --store-root). The
 * result need not exist.
 */
export function resolveInStore(p: string, toHost: (t: string) => string): string {
  const link = (q: string) => {
    let st;
    try {
      st = lstatSync(q);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw inputError(`cannot read ${q}: ${(err as Error).message}`);
    }
    if (!st.isSymbolicLink()) return undefined;
    const t = readlinkSync(q);
    return path.isAbsolute(t) ? toHost(t) : t;
  };
  return resolveLinks(path.resolve(p), link)!;
}

/** The builder's cleanName for a resolved store path: without the store dir, "/" -> "-". */
function cleanName(logical: string, storeDir: string): string {
  return (logical.startsWith(`${storeDir}/`) ? logical.slice(storeDir.length + 1) : logical).replaceAll('/', '-');
}

/** The extlinux.conf text the builder writes for one default entry. */
export function extlinuxConf(e: { timeout: number; kernel: string; initrd: string; init: string; params: string; fdtdir?: string; fdt?: string }): string {
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
  if (e.fdtdir !== undefined) lines.push(e.fdt !== undefined ? `  FDT ${e.fdtdir}/${e.fdt}` : `  FDTDIR ${e.fdtdir}`);
  return lines.join('\n') + '\n';
}

/**
 * Adds <target>/extlinux/extlinux.conf and <target>/nixos/{kernel,initrd,dtbs} for
 * the NixOS system `toplevel` (a store path, or a symlink to one such as ./result).
 */
export async function addExtlinuxToTree(tree: FileTree, toplevel: string, options: ExtlinuxOptions = {}): Promise<void> {
  const target = options.target ?? '/boot';
  const timeout = options.timeout ?? 50;
  const storeDir = options.storeDir ?? NIX_STORE;
  const toHost = options.storeHost ?? ((p: string) => p);
  const hostRoot = toHost('/');
  // Host path -> store path (strip --store-root).
  const toLogical = (h: string) => (hostRoot !== '/' && h.startsWith(hostRoot) ? '/' + h.slice(hostRoot.length) : h);
  const mapTarget = (t: string) => (t === storeDir || t.startsWith(`${storeDir}/`) ? toHost(t) : t);
  // --toplevel is a store path (read under --store-root) or a host path (e.g. ./result).
  const given = toplevel.startsWith(`${storeDir}/`) && hostRoot !== '/' ? toHost(toplevel) : toplevel;
  const top = resolveInStore(path.resolve(given), mapTarget);
  const tst = await fsp.stat(top).catch(() => undefined);
  if (!tst) throw inputError(`the NixOS system ${toplevel} does not exist (--toplevel)`);
  if (!tst.isDirectory()) throw inputError(`the NixOS system ${toplevel} is not a directory (--toplevel)`);
  const logicalTop = toLogical(top);
  if (options.closurePaths && !options.closurePaths.includes(logicalTop)) {
    throw inputError(
      `the NixOS system ${toplevel}${logicalTop !== toplevel ? ` (${logicalTop})` : ''} is not in the closure (--closure), so extlinux.conf's init= would point at a path missing from the image; give the closure of this system (closureInfo { rootPaths = [ toplevel ]; })`,
    );
  }

  const need = async (name: string): Promise<{ host: string; st: Stats }> => {
    const host = resolveInStore(path.join(top, name), mapTarget);
    const st = await fsp.stat(host).catch(() => undefined);
    if (!st?.isFile()) {
      throw inputError(`the NixOS system ${toplevel} has no ${name}: ${path.join(top, name)}${host !== path.join(top, name) ? ` (-> ${host})` : ''} is not a file`);
    }
    return { host, st };
  };
  const kernel = await need('kernel');
  const initrd = await need('initrd');
  if (options.init === undefined) await need('init');
  let params = '';
  const paramsFile = path.join(top, 'kernel-params');
  try {
    params = (await fsp.readFile(resolveInStore(paramsFile, mapTarget), 'utf8')).replace(/\n+$/, '');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw inputError(`cannot read ${paramsFile}: ${(err as Error).message}`);
    // The builder's `$(cat kernel-params)` gives "" when the file is missing.
  }

  const bt = fromUtf8(target);
  const nixosDir = path.posix.join(bt, 'nixos');
  tree.ensureDir(nixosDir);
  tree.ensureDir(path.posix.join(bt, 'extlinux'));
  const place = (src: { host: string; st: Stats }): string => {
    const name = cleanName(toLogical(src.host), storeDir);
    tree.add(path.posix.join(nixosDir, fromUtf8(name)), {
      kind: 'file',
      mode: src.st.mode & 0o7777,
      size: src.st.size,
      source: fromUtf8(src.host),
      ...(src.st.nlink > 1 ? { linkKey: `${src.st.dev}:${src.st.ino}` } : {}),
    });
    return `../nixos/${name}`;
  };
  const kernelRel = place(kernel);
  const initrdRel = place(initrd);

  const fdtdir = await placeDtbs(tree, { top, toplevel, nixosDir, storeDir, fdt: options.fdt, mapTarget, toLogical });
  const extra = options.extraKernelParams ?? [];
  if (extra.length > 0) params = [params, ...extra].filter((x) => x !== '').join(' ');
  const init = options.init ?? `${logicalTop}/init`;
  const conf = extlinuxConf({ timeout, kernel: kernelRel, initrd: initrdRel, init, params, ...(fdtdir ? { fdtdir } : {}), ...(options.fdt !== undefined ? { fdt: options.fdt } : {}) });
  tree.add(path.posix.join(bt, 'extlinux', 'extlinux.conf'), { kind: 'data', mode: 0o644, data: Buffer.from(conf) });
}

/**
 * Copies the toplevel's dtbs (when it has them) to <nixosDir>/<cleanName> and returns the
 * FDTDIR path; with `fdt`, that file must be in them (the builder's -n bails out without dtbs).
 */
async function placeDtbs(
  tree: FileTree,
  c: { top: string; toplevel: string; nixosDir: string; storeDir: string; fdt: string | undefined; mapTarget: (t: string) => string; toLogical: (h: string) => string },
): Promise<string | undefined> {
  const dtbs = resolveInStore(path.join(c.top, 'dtbs'), c.mapTarget);
  const dst = await fsp.stat(dtbs).catch(() => undefined);
  if (!dst?.isDirectory()) {
    if (c.fdt !== undefined) throw inputError(`the extlinux option fdt names ${c.fdt}, but the NixOS system ${c.toplevel} has no dtbs directory`);
    return undefined;
  }
  if (c.fdt !== undefined) {
    const file = resolveInStore(path.join(dtbs, c.fdt), c.mapTarget);
    if (!(await fsp.stat(file).catch(() => undefined))?.isFile()) {
      throw inputError(`the extlinux option fdt names ${c.fdt}, which is not a file in ${c.toLogical(dtbs)} (the dtbs of the NixOS system ${c.toplevel})`);
    }
  }
  const name = cleanName(c.toLogical(dtbs), c.storeDir);
  // A copy of the directory: symlinks inside kept as symlinks, like `cp -r`.
  tree.addHostDir(path.posix.join(c.nixosDir, fromUtf8(name)), fromUtf8(dtbs), dst.mode & 0o7777);
  return `../nixos/${name}`;
}
