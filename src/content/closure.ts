/**
 * Nix closures: reading a closureInfo directory (nixpkgs `closureInfo`, as used by
 * sd-image.nix / make-ext4-fs.nix) or a plain list of store paths, and adding the
 * closure to a FileTree as /nix/store/<basename>/... plus /nix-path-registration.
 *
 * A closureInfo directory holds:
 *  - `store-paths`: one absolute store path per line;
 *  - `registration`: the input of `nix-store --load-db` (what NixOS's stage 2 runs on
 *    /nix-path-registration at first boot). For every path, one line each:
 *      <store path>
 *      <NAR hash>          sha256:<52 nix-base32 chars> (closureInfo's form; Nix also
 *                          accepts base16/base64 digests and SRI "sha256-<base64>")
 *      <NAR size>          decimal bytes
 *      <deriver>           a store path, or empty
 *      <n>                 number of references
 *      <reference> x n     store paths
 *    and the file ends with a newline (Nix fails with "missing input" otherwise).
 *
 * The store directory is the parent of the listed paths (all must share one) and is
 * kept in the image: a closure of a Nix built with storeDir = /tmp/nix/store goes to
 * /tmp/nix/store in the image, and the registration is copied unchanged (store paths
 * embed their store directory in their contents, so they cannot be moved). Where the
 * paths are on the build machine is a separate question: `storeRoot` (`--store-root`,
 * like Nix's `--store local?root=DIR`) reads store path P from DIR + P.
 *
 * A plain list of store paths has no registration, so one is computed here the way
 * Nix does it: the NAR serialisation of each path is hashed (sha256) and scanned for
 * the hash parts of the other listed paths to find its references. The list must be
 * a complete closure (a reference to an unlisted path cannot be detected).
 */
import { promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { inputError } from '../errors.ts';
import { type FileTree, statHost } from './tree.ts';
import { NotRegularFileError, readRegularText } from '../input-file.ts';
import { byBytes, IMAGE_STORE_DIR, formatRegistration, isStoreBasename, narInfo, parseRegistration, show, type RegistrationEntry } from './nix-store.ts';

export { IMAGE_STORE_DIR, type RegistrationEntry } from './nix-store.ts';

export interface ClosureInfo {
  /** The store directory: the parent of every store path (e.g. /nix/store), in the image too. */
  storeDir: string;
  /** Store paths as listed, in the order listed. */
  storePaths: string[];
  /** The registration for the image (`nix-store --load-db` format): closureInfo's file
   *  byte for byte, or the one computed for a plain list. */
  registration: Buffer;
  /** Parsed registration. */
  registrationEntries: RegistrationEntry[];
  /** Where a store path is on the build machine (storeRoot + path, or the path itself). */
  hostPath: (storePath: string) => string;
  /** `--store-root`, if given. */
  storeRoot?: string;
}

/** Where store path `p` is read from on the build machine. */
export function storeHostPath(storeRoot: string | undefined): (p: string) => string {
  if (storeRoot === undefined) return (p) => p;
  const root = storeRoot.replace(/\/+$/, '');
  return (p) => (p.startsWith('/') ? root + p : p);
}

// ---------------------------------------------------------------------------
// Reading closures

async function statOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await fsp.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw inputError(`cannot read ${p}: ${(err as Error).message}`);
  }
}

async function readText(file: string): Promise<string> {
  try {
    return await readRegularText(file); // never blocks on a FIFO or device
  } catch (err) {
    if (err instanceof NotRegularFileError) throw inputError(`${file} is ${err.kind}: a closure's store-paths and registration must be regular files`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw inputError(`${file} does not exist (a closureInfo directory has store-paths and registration)`);
    throw inputError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Parses a list of store paths (one per line; a final newline is optional) and checks
 *  that they are absolute, well-formed, unique and in one store directory. */
function parseStorePathList(text: string, file: string): { storeDir: string; paths: string[] } {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  if (text === '') return { storeDir: IMAGE_STORE_DIR, paths: [] };
  let storeDir: string | undefined;
  const seen = new Set<string>();
  const paths: string[] = [];
  lines.forEach((line, k) => {
    const where = `${file} line ${k + 1}`;
    if (!line.startsWith('/')) throw inputError(`${where}: expected an absolute store path, got ${show(line)}`);
    const p = path.posix.normalize(line);
    const base = path.posix.basename(p);
    if (p !== line || !isStoreBasename(base)) {
      throw inputError(`${where}: ${show(line)} is not a store path (<store dir>/<32-character hash>-<name>)`);
    }
    const dir = path.posix.dirname(p);
    storeDir ??= dir;
    if (dir !== storeDir) {
      throw inputError(`${where}: ${line} is not in the same store directory as the first path (${storeDir})`);
    }
    if (seen.has(p)) throw inputError(`${where}: ${line} is listed twice`);
    seen.add(p);
    paths.push(p);
  });
  return { storeDir: storeDir ?? IMAGE_STORE_DIR, paths };
}

async function checkPathsExist(paths: string[], listFile: string, host: (p: string) => string = (p) => p): Promise<void> {
  const missing: string[] = [];
  for (const p of paths) if (!(await statOrUndefined(host(p)))) missing.push(p);
  if (missing.length) {
    const where = host(missing[0]!) === missing[0]
      ? '; if the store is elsewhere on this machine (e.g. copied out of a Nix store or a container), give its root with --store-root DIR'
      : ` (looked for ${host(missing[0]!)}: is --store-root right?)`;
    throw inputError(
      `${missing.length} of the ${paths.length} store ${paths.length === 1 ? 'path' : 'paths'} listed in ${listFile} ${missing.length === 1 ? 'does' : 'do'} not exist, the first is ${missing[0]}${where}`,
    );
  }
}

/**
 * Reads a closure: a closureInfo directory (store-paths + registration), or a file
 * listing store paths (the registration is then computed, see closureFromStorePaths).
 */
export async function readClosureInfo(dir: string, opts: { storeRoot?: string } = {}): Promise<ClosureInfo> {
  const host = storeHostPath(opts.storeRoot);
  const st = await statOrUndefined(dir);
  if (!st) throw inputError(`the closure ${dir} does not exist (expected a closureInfo directory or a file listing store paths)`);
  const real = await fsp.stat(dir).catch(() => undefined);
  if (real?.isFile()) {
    const { paths } = parseStorePathList(await readText(dir), dir);
    await checkPathsExist(paths, dir, host);
    return closureFromStorePaths(paths, opts);
  }
  if (!real?.isDirectory()) throw inputError(`the closure ${dir} is neither a directory nor a file`);
  const spFile = path.join(dir, 'store-paths');
  const regFile = path.join(dir, 'registration');
  const { storeDir, paths } = parseStorePathList(await readText(spFile), spFile);
  const entries = parseRegistration(await readText(regFile), regFile, storeDir);

  // The registration must describe exactly the listed paths, and be closed.
  const listed = new Set(paths);
  const registered = new Set<string>();
  for (const e of entries) {
    if (registered.has(e.path)) throw inputError(`${regFile}: ${e.path} is registered twice`);
    registered.add(e.path);
    if (!listed.has(e.path)) throw inputError(`${regFile}: ${e.path} is registered but not listed in ${spFile}`);
  }
  for (const p of paths) {
    if (!registered.has(p)) throw inputError(`${regFile}: ${p} (listed in ${spFile}) has no registration`);
  }
  for (const e of entries) {
    for (const r of e.references) {
      if (!listed.has(r)) throw inputError(`${regFile}: ${e.path} references ${r}, which is not in the closure (${spFile})`);
    }
  }
  await checkPathsExist(paths, spFile, host);
  const registration = await fsp.readFile(regFile);
  return {
    storeDir,
    storePaths: paths,
    registration,
    registrationEntries: entries,
    hostPath: host,
    ...(opts.storeRoot !== undefined ? { storeRoot: opts.storeRoot } : {}),
  };
}

/**
 * A closure from a complete list of store paths (e.g. `nix-store -qR`): computes the
 * registration like Nix (NAR hash and size; references = the listed paths whose hash
 * part occurs in the NAR; empty deriver, as closureInfo writes). Entries are in
 * store path order.
 */
export async function closureFromStorePaths(paths: string[], opts: { storeRoot?: string } = {}): Promise<ClosureInfo> {
  const host = storeHostPath(opts.storeRoot);
  const { storeDir, paths: checked } = parseStorePathList(paths.length ? paths.join('\n') + '\n' : '', 'the store path list');
  await checkPathsExist(checked, 'the store path list', host);
  const byHash = new Map<string, string>();
  for (const p of checked) byHash.set(path.posix.basename(p).slice(0, 32), p);
  const hashes = new Set(byHash.keys());
  const sorted = [...checked].sort(byBytes);
  // Hash several store paths at once (the reads overlap); results in store path order.
  const entries: RegistrationEntry[] = new Array(sorted.length);
  let next = 0;
  const worker = async () => {
    while (next < sorted.length) {
      const k = next++;
      const p = sorted[k]!;
      const info = await narInfo(host(p), hashes);
      const references = [...info.references].map((h) => byHash.get(h)!).sort(byBytes);
      entries[k] = { path: p, narHash: info.narHash, narSize: info.narSize, deriver: '', references };
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, sorted.length) }, worker));
  return {
    storeDir,
    storePaths: checked,
    registration: formatRegistration(entries, storeDir, storeDir),
    registrationEntries: entries,
    hostPath: host,
    ...(opts.storeRoot !== undefined ? { storeRoot: opts.storeRoot } : {}),
  };
}

// ---------------------------------------------------------------------------
// Into the image

/**
 * Adds every store path at its own path (store directory included: /nix/store/<name>)
 * as host-backed entries (a store path directory is a host directory of the tree, read
 * while the filesystem is written: symlinks, modes and hard links as they are) and
 * /nix-path-registration (mode 0644).
 */
export function addClosureToTree(tree: FileTree, info: ClosureInfo): { paths: number } {
  tree.ensureDir(info.storeDir);
  let n = 0;
  for (const p of info.storePaths) {
    const host = Buffer.from(info.hostPath(p)).toString('latin1');
    if (!statHost(host)) throw inputError(`the store path ${p} disappeared while the closure was being read`);
    tree.addHost(p, host);
    n++;
  }
  tree.add('/nix-path-registration', { kind: 'data', mode: 0o644, data: info.registration });
  return { paths: n };
}
