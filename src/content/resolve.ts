/**
 * Turns a partition's content items (spec) into a FileTree: copies from the
 * firmware / spec / toplevel directories, generated files (config.txt, extlinux, rpi-direct,
 * the Nix closure, a profile as the FHS tree), literal text files and symlinks.
 *
 * Staging semantics (the same whatever filesystem the inputs, TMPDIR or -o are on):
 *  - a copied symlink is a symlink in the image with the same target bytes, dangling or
 *    not (`/dev/null`, `/nix/store/...`), unless the item says `"dereference": true`
 *    (then symlinks are followed like `cp -rL`; on FAT, which cannot store symlinks,
 *    that is the default); a symlinked directory stays a symlink;
 *  - the path named by a copy item is itself copied as what it is: a symlink stays a
 *    symlink (its parent components are followed as usual);
 *  - hard links inside the input stay hard links; regular files, directories, modes
 *    (setuid/setgid/sticky too) and empty files are reproduced exactly;
 *  - FIFOs, sockets and device nodes are an error.
 */
import { readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { DataError, ImgsmithError, inputError, usageError } from '../errors.ts';
import type { ContentItem, CopyItem, GenerateItem, SourceRoot } from '../spec-types.ts';
import { arr, describe, str, type JsonSchema, type Obj } from '../spec-check.ts';
import { FileTree, fromUtf8, readHostLink, resolveLinks, show, statHost } from './tree.ts';
import { rpiConfigTxt } from './rpi.ts';
import { addExtlinuxToTree, extlinuxOptionsOf } from './extlinux.ts';
import { addClosureToTree, type ClosureInfo } from './closure.ts';
import { addRpiDirectToTree, RPI_DIRECT_OPTIONS, rpiDirectOptions, type DiskContext } from './rpi-direct.ts';

export interface ContentInputs {
  /** Absolute directories for `from` roots. */
  roots: Partial<Record<SourceRoot, string>>;
  /** The closure, read once per build (needed by `generate: closure`). */
  closure?: () => Promise<ClosureInfo>;
  /** Maps a store path to where it is on the build machine (`--store-root`). */
  storeHost?: (storePath: string) => string;
  /** The table and partitions (rpi-direct: the root's PARTUUID for cmdline.txt). */
  disk?: DiskContext;
  /** Receives warnings (a targeted board the image cannot boot). */
  warn?: (message: string) => void;
  /** --strict: such warnings are errors. */
  strict?: boolean;
}

export interface ResolveOptions {
  /** The filesystem cannot store symlinks (FAT): copies follow them unless told otherwise. */
  noSymlinks?: boolean;
  /** The index of the partition in inputs.disk (for generators that need to know it). */
  partition?: number;
}

const ROOT_OPTION: Record<SourceRoot, string> = { firmware: '--firmware', toplevel: '--toplevel', spec: 'the spec file' };

function rootOf(inputs: ContentInputs, from: SourceRoot, where: string): string {
  const dir = inputs.roots[from];
  if (!dir) throw usageError(`${where}: the spec copies from "${from}" but no ${ROOT_OPTION[from]} was given`);
  return dir;
}

export const isGlob = (s: string) => /[*?[]/.test(s);

/** Converts a shell-style glob of one path component to a RegExp (over byte strings). */
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

/** Maps an absolute symlink target (a byte string) to where it is on the build machine. */
type LinkMap = (target: string) => string;

/**
 * With --store-root, the symlinks of a named input path point into the store as the image
 * sees it (toplevel/kernel -> /nix/store/...-linux/Image, toplevel/sw -> /nix/store/...-env):
 * resolves them like `readlink -m`, reading store paths under the store root (as the
 * extlinux generator does). Without a map, returns `host` (the OS follows the links).
 */
function resolveStoreLinks(host: string, map: LinkMap | undefined): string {
  if (!map) return host;
  const link = (q: string) => {
    const st = statHost(q);
    if (!st) return null;
    return st.isSymbolicLink() ? map(readHostLink(q)) : undefined;
  };
  return resolveLinks(host, link)!;
}

/** The LinkMap for --store-root (the closure's store paths read under the root), or undefined. */
async function storeLinkMap(inputs: ContentInputs): Promise<LinkMap | undefined> {
  if (!inputs.storeHost || inputs.storeHost('/x') === '/x') return undefined;
  const storeDir = inputs.closure ? (await inputs.closure()).storeDir : '/nix/store';
  const root = fromUtf8(inputs.storeHost('/')).replace(/\/+$/, '');
  const dir = fromUtf8(storeDir);
  return (t) => (t === dir || t.startsWith(`${dir}/`) ? root + t : t);
}

/** Adds one host path (a file, directory or symlink) at `target`. */
function addHost(tree: FileTree, hostIn: string, target: string, follow: boolean, map?: LinkMap): void {
  const host = follow ? resolveStoreLinks(hostIn, map) : hostIn;
  if (!statHost(host)) throw inputError(`${show(host)} does not exist`);
  tree.addHost(target, host, follow);
}

function addCopy(tree: FileTree, item: CopyItem, inputs: ContentInputs, where: string, opts: ResolveOptions, map?: LinkMap): void {
  const root = fromUtf8(rootOf(inputs, item.from, where));
  const follow = item.dereference ?? opts.noSymlinks === true;
  const rel = fromUtf8(item.path);
  const dir = path.posix.dirname(rel);
  const base = path.posix.basename(rel);
  const target = fromUtf8(item.target);
  if (isGlob(dir)) throw usageError(`${where}.path: only the last path component may contain * ? [ (got "${item.path}")`);
  if (isGlob(base)) {
    const hostDir = path.posix.join(root, dir);
    let names: string[];
    try {
      names = readdirSync(Buffer.from(hostDir, 'latin1'), { encoding: 'buffer' }).map((b) => b.toString('latin1'));
    } catch {
      names = [];
    }
    const re = globRegExp(base);
    const matches = names.filter((n) => re.test(n)).sort();
    if (matches.length === 0) {
      if (item.optional) return;
      throw inputError(`${where}: nothing in ${show(hostDir)} matches "${item.path.split('/').pop()}" (from ${item.from})`);
    }
    for (const m of matches) addHost(tree, path.posix.join(hostDir, m), path.posix.join(target, m), follow, map);
    return;
  }
  const named = path.posix.join(root, rel);
  const host = follow ? resolveStoreLinks(named, map) : named;
  const lst = statHost(host);
  if (!lst) {
    if (item.optional) return;
    throw inputError(`${where}: ${show(named)}${host !== named ? ` (-> ${show(host)})` : ''} does not exist (from ${item.from})`);
  }
  const isDir = lst.isDirectory() || (lst.isSymbolicLink() && follow && statHost(host, true)?.isDirectory() === true);
  if (isDir) {
    addHost(tree, host, target, follow);
    return;
  }
  // A single file or symlink: the target is its path, or a directory when it ends in "/" or is "/".
  const t = target.endsWith('/') ? path.posix.join(target, base) : target;
  addHost(tree, host, t, follow);
}

/** `generate: profile`: the top-level entries of a profile (a buildEnv, or toplevel/sw)
 *  laid into `target` as the FHS tree; the profile path itself is followed. */
function addProfile(tree: FileTree, item: { target: string; options: Record<string, unknown> }, inputs: ContentInputs, where: string, map?: LinkMap): void {
  const p = item.options.path as string;
  let host: string;
  if (p.startsWith('/')) {
    host = fromUtf8(inputs.storeHost ? inputs.storeHost(p) : p);
  } else {
    const top = rootOf(inputs, 'toplevel', `${where}.options.path`);
    if (path.posix.normalize(p).split('/').includes('..')) throw usageError(`${where}.options.path: "${p}" must stay inside the toplevel`);
    host = fromUtf8(path.posix.join(top, p));
  }
  const named = host;
  host = resolveStoreLinks(host, map);
  const shown = `${show(named)}${host !== named ? ` (-> ${show(host)})` : ''}`;
  const st = statHost(host, true);
  if (!st) throw inputError(`${where}: the profile ${shown} does not exist`);
  if (!st.isDirectory()) throw inputError(`${where}: the profile ${shown} is not a directory (a profile is a buildEnv or toplevel/sw)`);
  // Follow the profile's own symlink, keep everything inside as it is.
  const real = realHost(host);
  const target = fromUtf8(item.target);
  for (const name of readdirSync(Buffer.from(real, 'latin1'), { encoding: 'buffer' }).map((b) => b.toString('latin1')).sort()) {
    addHost(tree, path.posix.join(real, name), path.posix.join(target, name), false);
  }
}

function realHost(host: string): string {
  return realpathSync(Buffer.from(host, 'latin1'), { encoding: 'buffer' }).toString('latin1');
}

// ---------------------------------------------------------------------------------------
// Content generators: { "generate": NAME, "target": ..., "options": {...} }

export interface GeneratorContext {
  inputs: ContentInputs;
  /** The item in the spec, for messages ("spec.partitions[1].contents[0]"). */
  where: string;
  /** --store-root: maps store symlink targets to the build machine (see storeLinkMap). */
  map?: LinkMap;
  /** The index of the partition in inputs.disk. */
  partition?: number;
}

/**
 * A content generator: one entry in `generators` below (its code may live in its own file,
 * as extlinux.ts and rpi.ts do). spec.ts takes the generator names, their options and
 * default targets from here, and so does the published JSON Schema.
 */
export interface ContentGenerator {
  /** The options it takes, as JSON Schema properties (the allowed keys; the published schema). */
  options: Record<string, JsonSchema>;
  /** What "target" means for it, and its default. */
  target: { default: string; description: string };
  /** The target is fixed: a "target" in the spec is an error with this explanation. */
  fixedTarget?: string;
  /** Checks the options when the spec is read; usage errors name `where` (".options.x"). */
  check?(options: Obj, where: string): void;
  /** Adds what it generates to the partition's tree. */
  add(tree: FileTree, item: GenerateItem, ctx: GeneratorContext): Promise<void>;
  /** Whether it follows symlinks into the store (--store-root maps them; see storeLinkMap). */
  followsStoreLinks?: boolean;
  /** The inputs it reads (the build asks for their options before any work). */
  reads?: SourceRoot[];
}

/** Checks the extlinux generator's options (see src/content/extlinux.ts). */
function checkExtlinuxOptions(o: Obj, where: string): void {
  if (o.timeout !== undefined && (typeof o.timeout !== 'number' || !Number.isInteger(o.timeout) || o.timeout < 0)) {
    throw usageError(`${where}.timeout: expected a whole number of deciseconds >= 0, got ${describe(o.timeout)}`);
  }
  if (o.extraKernelParams !== undefined) {
    arr(o.extraKernelParams, `${where}.extraKernelParams`).forEach((p, i) =>
      // eslint-disable-next-line no-control-regex
      str(p, `${where}.extraKernelParams[${i}]`, { pattern: /^[^\0-\x1f\x7f]+$/, what: 'a kernel parameter without control characters or newlines' }),
    );
  }
  if (o.init !== undefined) {
    str(o.init, `${where}.init`, { pattern: /^\/[^\s]*$/, what: 'an absolute path without spaces, e.g. "/nix/store/...-nixos-system-.../init"' });
    if ((o.init as string).split('/').includes('..')) throw usageError(`${where}.init: "${o.init}" must not contain ".."`);
  }
  if (o.fdt !== undefined) {
    str(o.fdt, `${where}.fdt`, { pattern: /^[^/\s][^\s]*$/, what: 'a device tree file in the toplevel\'s dtbs, e.g. "sun8i-h3-orangepi-pc.dtb"' });
    if ((o.fdt as string).split('/').some((c) => c === '..' || c === '.' || c === '')) throw usageError(`${where}.fdt: "${o.fdt}" must be a plain path inside dtbs (no "..", ".", or empty components)`);
  }
}

/** The generators. Adding one is an entry here (and its code, in its own file if it is long). */
export const generators = {
  'rpi-config.txt': {
    options: { extraConfig: { type: 'string', description: 'appended to the config.txt NixOS writes' } },
    target: { default: '/config.txt', description: 'the file' },
    async add(tree, item, { where }) {
      const extra = item.options.extraConfig;
      if (extra !== undefined && typeof extra !== 'string') throw usageError(`${where}.options.extraConfig: expected a string`);
      tree.add(fromUtf8(item.target), { kind: 'data', mode: 0o644, data: Buffer.from(rpiConfigTxt({ extraConfig: extra })) });
    },
  },
  extlinux: {
    options: {
      timeout: { type: 'integer', minimum: 0, description: 'deciseconds (default 50)' },
      extraKernelParams: { type: 'array', items: { type: 'string', minLength: 1 }, description: "appended after the toplevel's kernel-params" },
      init: { type: 'string', pattern: '^/\\S*$', description: 'default <toplevel>/init' },
      fdt: { type: 'string', pattern: '^[^/\\s]\\S*$', description: "one device tree in the toplevel's dtbs: FDT instead of FDTDIR (NixOS's hardware.deviceTree.name)" },
    },
    target: { default: '/boot', description: 'the boot directory (kernels in nixos/, extlinux/extlinux.conf)' },
    reads: ['toplevel'],
    check: checkExtlinuxOptions,
    async add(tree, item, { inputs, where }) {
      const timeout = item.options.timeout;
      if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0)) {
        throw usageError(`${where}.options.timeout: expected a whole number of deciseconds`);
      }
      const toplevel = rootOf(inputs, 'toplevel', where);
      const closure = inputs.closure ? await inputs.closure() : undefined;
      await addExtlinuxToTree(tree, toplevel, {
        ...extlinuxOptionsOf(item.options),
        target: item.target,
        ...(closure ? { storeDir: closure.storeDir, storeHost: closure.hostPath, closurePaths: closure.storePaths } : inputs.storeHost ? { storeHost: inputs.storeHost } : {}),
      });
    },
  },
  closure: {
    options: {},
    target: { default: '/', description: 'unused: the closure goes to its store directory and /nix-path-registration' },
    fixedTarget: 'the closure always goes to its store directory (e.g. /nix/store) and /nix-path-registration; remove "target"',
    async add(tree, _item, { inputs, where }) {
      if (!inputs.closure) throw usageError(`${where}: the spec includes a Nix closure but no --closure was given`);
      addClosureToTree(tree, await inputs.closure());
    },
  },
  profile: {
    options: { path: { type: 'string', minLength: 1, description: 'a store path, or a path relative to the toplevel such as "sw"' } },
    target: { default: '/', description: 'where the top-level entries of the profile go' },
    followsStoreLinks: true,
    check(o, where) {
      if (o.path === undefined) throw usageError(`${where}.path: a profile needs "path": a store path (e.g. "/nix/store/...-env") or a path relative to the toplevel (e.g. "sw")`);
      str(o.path, `${where}.path`);
    },
    async add(tree, item, { inputs, where, map }) {
      addProfile(tree, item, inputs, where, map);
    },
  },
  'rpi-direct': {
    options: RPI_DIRECT_OPTIONS,
    target: { default: '/', description: 'unused: the files go to the root of the FAT partition' },
    fixedTarget: 'the Raspberry Pi firmware reads config.txt, cmdline.txt and the kernel from the root of the FAT partition; remove "target"',
    reads: ['toplevel'],
    check(o, where) {
      rpiDirectOptions(o, where);
    },
    async add(tree, item, { inputs, where, partition }) {
      const toplevel = rootOf(inputs, 'toplevel', where);
      if (!inputs.disk || partition === undefined) throw usageError(`${where}: rpi-direct needs the image's partition table`);
      const closure = inputs.closure ? await inputs.closure() : undefined;
      await addRpiDirectToTree(tree, rpiDirectOptions(item.options, `${where}.options`), {
        toplevel,
        ...(inputs.roots.firmware ? { firmware: inputs.roots.firmware } : {}),
        storeDir: closure?.storeDir ?? '/nix/store',
        storeHost: closure?.hostPath ?? inputs.storeHost ?? ((p: string) => p),
        ...(closure ? { closurePaths: closure.storePaths } : {}),
        disk: inputs.disk,
        partition,
        warn: inputs.warn ?? (() => {}),
        strict: inputs.strict === true,
      }, where);
    },
  },
} satisfies Record<string, ContentGenerator>;

export type GeneratorName = keyof typeof generators;
/** Adds the generators' names to the image spec (spec-types.ts sits below this module). */
type Names = GeneratorName;
declare module '../spec-types.ts' {
  interface ContentGenerators extends Record<Names, true> {}
}
export const GENERATORS = Object.keys(generators) as GeneratorName[];

/** Builds the tree of one partition. `where` names the partition for messages. */
export async function resolveContents(items: ContentItem[], inputs: ContentInputs, where: string, opts: ResolveOptions = {}): Promise<FileTree> {
  const tree = new FileTree();
  tree.ensureDir('/');
  // --store-root: symlinks into the store that a copy follows or a profile path names are
  // read under the root. The store directory is the closure's (default /nix/store).
  const follows = items.some((i) => (i.kind === 'copy' && (i.dereference ?? opts.noSymlinks === true)) || (i.kind === 'generate' && (generators[i.generator] as ContentGenerator).followsStoreLinks === true));
  const map = follows ? await storeLinkMap(inputs) : undefined;
  for (const [i, item] of items.entries()) {
    const w = `${where}.contents[${i}]`;
    try {
      switch (item.kind) {
        case 'copy':
          addCopy(tree, item, inputs, w, opts, map);
          break;
        case 'text':
          tree.add(fromUtf8(item.target), { kind: 'data', mode: item.mode, data: Buffer.from(item.text) });
          break;
        case 'symlink':
          tree.add(fromUtf8(item.target), { kind: 'symlink', target: fromUtf8(item.linkTarget) });
          break;
        case 'generate':
          await (generators[item.generator] as ContentGenerator).add(tree, item, { inputs, where: w, ...(map ? { map } : {}), ...(opts.partition !== undefined ? { partition: opts.partition } : {}) });
          break;
      }
    } catch (err) {
      // Tree conflicts (a file over a directory) are spec problems; name the item.
      if (err instanceof DataError || (err instanceof Error && !(err instanceof ImgsmithError))) {
        throw inputError(`${w}: ${err.message}`, err);
      }
      throw err;
    }
  }
  return tree;
}
