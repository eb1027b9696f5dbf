/**
 * Generates small fake but well-formed Nix closures for tests:
 *
 *   <dir>/nix/store/<32-char nix-base32 hash>-<name>   store paths (read-only, like Nix)
 *   <dir>/closure-info/{store-paths,registration,total-nar-size}   like nixpkgs closureInfo
 *   <dir>/store-paths.txt                               the same paths as a plain list
 *
 * Everything is derived from `seed`: names, hashes, contents. Two calls with the same
 * seed in different directories give the same store path basenames and contents (the
 * store directory differs; symlinks and text refer to /nix/store/..., as in a real
 * store). `order: 'reverse'` creates paths, files and hard links in the opposite
 * order, so host inode numbers and directory order differ (for determinism tests).
 * Files get ordinary current mtimes; the image builder must normalise them.
 *
 * The closure contains:
 *  - bash-5.2-p15: bin/sh (referenced by the scripts of the other paths);
 *  - linux-6.1.21: Image, dtbs/broadcom/bcm2837-rpi-3-b.dtb (+ rpi-4, overlays), modules;
 *  - initrd-linux-6.1.21: initrd;
 *  - pkg-<i>-1.0 for i < opts.paths: an executable script, regular files in subdirs,
 *    an empty file and an empty directory, a short and a long (> 60 bytes) symlink,
 *    a hard link inside the path, and share/doc/LICENSE hard-linked across all pkgs
 *    (like `nix-store --optimise`); pkg-i references pkg-(i-1), pkg-0 references itself;
 *  - nixos-system-nixos-23.11.20240101.abcdef (the toplevel): init, kernel, initrd and
 *    dtbs symlinks into linux/initrd, kernel-params, nixos-version, system, sw.
 *
 * The registration has real NAR hashes and sizes (nix-store --dump format, see
 * src/content/nix-store.ts) and the references the generator embedded (sorted), so it is what
 * `nix-store --dump-db`/closureInfo would print for this store.
 */
import { createHash } from 'node:crypto';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { narInfo, nixBase32 } from '../../src/content/nix-store.ts';
import { removeStaged } from '../../src/fs/stage.ts';

export interface ClosureOptions {
  /** Number of pkg-<i> store paths (default 3). */
  paths?: number;
  /** Regular files per pkg path, besides the fixed ones (default 4). */
  filesPerPath?: number;
  /** Everything is derived from this (default "imgsmith"). */
  seed?: string;
  /** Creation order of paths, files and links (default forward). */
  order?: 'forward' | 'reverse';
  /** Size of the kernel Image in bytes (default 48 KiB). */
  kernelSize?: number;
}

export interface ClosureFixture {
  /** <dir>: the store root (--store-root): store path /nix/store/X is at <dir>/nix/store/X. */
  storeRoot: string;
  /** <dir>/nix/store */
  storeDir: string;
  /** <dir>/closure-info */
  closureInfoDir: string;
  /** <dir>/store-paths.txt: the store paths (/nix/store/...) as a plain list. */
  storePathsFile: string;
  /** The toplevel store path (host path). */
  toplevel: string;
  /** All store paths (host paths), sorted. */
  storePaths: string[];
  /** Host store paths by short name: bash, linux, initrd, toplevel, pkg-0, pkg-1, ... */
  byName: Record<string, string>;
  /** Registration entries as written (/nix/store paths). closure-info lists /nix/store
   *  paths too: build with --store-root <storeRoot>. */
  registration: { path: string; narHash: string; narSize: number; references: string[] }[];
}

const LOGICAL_STORE = '/nix/store';

/** A deterministic byte stream from a seed (xorshift128 seeded by sha256; fast). */
function bytes(seed: string, n: number): Buffer {
  const h = createHash('sha256').update(seed).digest();
  let a = h.readUInt32LE(0) | 1;
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  const out = Buffer.alloc(n + 3);
  for (let off = 0; off < n; off += 4) {
    const t = a ^ (a << 11);
    a = b;
    b = c;
    c = d;
    d = (d ^ (d >>> 19) ^ t ^ (t >>> 8)) >>> 0;
    out.writeUInt32LE(d, off);
  }
  return out.subarray(0, n);
}

/** Printable deterministic text (no long base32 runs that could look like a store hash). */
function text(seed: string, n: number): string {
  const b = bytes(seed, n);
  const alphabet = Buffer.from('ETOU etou.,:;-_');
  for (let i = 0; i < n; i++) b[i] = i % 16 === 15 ? 0x0a : alphabet[b[i]! % 15]!;
  return b.toString('latin1');
}

function storeHash(seed: string, name: string): string {
  return nixBase32(createHash('sha256').update(`${seed}:${name}`).digest().subarray(0, 20));
}

type Node =
  | { kind: 'file'; data: Buffer | string; exec?: boolean }
  | { kind: 'dir' }
  | { kind: 'symlink'; target: string }
  /** A hard link to another file of the fixture, given as [pathName, relPath]. */
  | { kind: 'link'; to: [string, string] };

interface PathSpec {
  key: string;
  base: string;
  /** Relative path ('' = the store path itself) -> node, in creation order. */
  nodes: [string, Node][];
  refs: string[];
}

/** Makes a fake Nix store and closureInfo under `dir` (created if missing). */
export async function makeClosure(dir: string, opts: ClosureOptions = {}): Promise<ClosureFixture> {
  const nPkgs = opts.paths ?? 3;
  const nFiles = opts.filesPerPath ?? 4;
  const seed = opts.seed ?? 'imgsmith';
  const reverse = opts.order === 'reverse';
  const storeDir = path.join(dir, 'nix', 'store');
  await fsp.mkdir(storeDir, { recursive: true });

  const names: Record<string, string> = {
    bash: 'bash-5.2-p15',
    linux: 'linux-6.1.21',
    initrd: 'initrd-linux-6.1.21',
    toplevel: 'nixos-system-nixos-23.11.20240101.abcdef',
  };
  for (let i = 0; i < nPkgs; i++) names[`pkg-${i}`] = `pkg-${i}-1.0`;
  const base: Record<string, string> = {};
  for (const [k, n] of Object.entries(names)) base[k] = `${storeHash(seed, n)}-${n}`;
  const logical = (k: string) => `${LOGICAL_STORE}/${base[k]}`;

  const specs: PathSpec[] = [];
  specs.push({
    key: 'bash',
    base: base.bash!,
    refs: ['bash'],
    nodes: [
      ['', { kind: 'dir' }],
      ['bin', { kind: 'dir' }],
      ['bin/sh', { kind: 'file', data: Buffer.concat([Buffer.from('\x7fELF fake shell\n'), bytes(`${seed}/sh`, 3000)]), exec: true }],
      ['bin/bash', { kind: 'link', to: ['bash', 'bin/sh'] }],
      ['share', { kind: 'dir' }],
      ['share/info', { kind: 'dir' }],
      ['share/info/bash.info', { kind: 'file', data: `${text(`${seed}/info`, 900)}\nsee ${logical('bash')}/bin/sh\n` }],
    ],
  });
  specs.push({
    key: 'linux',
    base: base.linux!,
    refs: [],
    nodes: [
      ['', { kind: 'dir' }],
      ['Image', { kind: 'file', data: bytes(`${seed}/Image`, opts.kernelSize ?? 48 * 1024) }],
      ['System.map', { kind: 'file', data: text(`${seed}/map`, 2000) }],
      ['dtbs', { kind: 'dir' }],
      ['dtbs/broadcom', { kind: 'dir' }],
      ['dtbs/broadcom/bcm2837-rpi-3-b.dtb', { kind: 'file', data: bytes(`${seed}/dtb3`, 2345) }],
      ['dtbs/broadcom/bcm2711-rpi-4-b.dtb', { kind: 'file', data: bytes(`${seed}/dtb4`, 3456) }],
      ['dtbs/overlays', { kind: 'dir' }],
      ['dtbs/overlays/README', { kind: 'file', data: 'overlays\n' }],
      ['lib', { kind: 'dir' }],
      ['lib/modules', { kind: 'dir' }],
      ['lib/modules/6.1.21', { kind: 'dir' }],
      ['lib/modules/6.1.21/modules.dep', { kind: 'file', data: '' }],
    ],
  });
  specs.push({
    key: 'initrd',
    base: base.initrd!,
    refs: [],
    nodes: [
      ['', { kind: 'dir' }],
      ['initrd', { kind: 'file', data: bytes(`${seed}/initrd`, 20000) }],
    ],
  });
  for (let i = 0; i < nPkgs; i++) {
    const k = `pkg-${i}`;
    const nodes: [string, Node][] = [
      ['', { kind: 'dir' }],
      ['bin', { kind: 'dir' }],
      [`bin/${k}`, { kind: 'file', data: `#!${logical('bash')}/bin/sh\necho ${k}\n${i === 0 ? `cat ${logical(k)}/share/doc/LICENSE\n` : ''}`, exec: true }],
      ['lib', { kind: 'dir' }],
      ['lib/libpkg.so.1', { kind: 'file', data: bytes(`${seed}/${k}/lib`, 5000 + 997 * i) }],
      ['lib/libpkg.so', { kind: 'symlink', target: 'libpkg.so.1' }],
      ['lib/libpkg-compat.so.1', { kind: 'link', to: [k, 'lib/libpkg.so.1'] }],
      ['share', { kind: 'dir' }],
      ['share/doc', { kind: 'dir' }],
      ['share/doc/LICENSE', { kind: 'file', data: 'MIT License\n' }],
      ['share/empty', { kind: 'file', data: '' }],
      ['share/emptydir', { kind: 'dir' }],
      ['share/long-link', { kind: 'symlink', target: `${logical('bash')}/share/info/bash.info` }],
      ['data', { kind: 'dir' }],
      ['data/deep', { kind: 'dir' }],
      ['data/deep/er', { kind: 'dir' }],
    ];
    for (let f = 0; f < nFiles; f++) {
      const dirName = f % 2 === 0 ? 'data' : 'data/deep/er';
      nodes.push([`${dirName}/file-${f}.txt`, { kind: 'file', data: text(`${seed}/${k}/${f}`, 100 + ((f * 1237 + i * 311) % 9000)) }]);
    }
    const refs = ['bash'];
    if (i === 0) refs.push(k);
    if (i > 0) {
      nodes.push(['lib/deps.txt', { kind: 'file', data: `${logical(`pkg-${i - 1}`)}\n` }]);
      refs.push(`pkg-${i - 1}`);
    }
    specs.push({ key: k, base: base[k]!, refs, nodes });
  }
  const lastPkg = nPkgs > 0 ? `pkg-${nPkgs - 1}` : 'bash';
  specs.push({
    key: 'toplevel',
    base: base.toplevel!,
    refs: ['bash', 'initrd', 'linux', ...(nPkgs > 0 ? [lastPkg] : [])],
    nodes: [
      ['', { kind: 'dir' }],
      ['init', { kind: 'file', data: `#!${logical('bash')}/bin/sh\nexec ${logical(lastPkg)}/bin/${lastPkg}\n`, exec: true }],
      ['kernel', { kind: 'symlink', target: `${logical('linux')}/Image` }],
      ['initrd', { kind: 'symlink', target: `${logical('initrd')}/initrd` }],
      ['dtbs', { kind: 'symlink', target: `${logical('linux')}/dtbs` }],
      ['kernel-params', { kind: 'file', data: 'console=ttyS0,115200n8 console=ttyAMA0,115200n8 console=tty0 loglevel=4' }],
      ['nixos-version', { kind: 'file', data: '23.11.20240101.abcdef' }],
      ['system', { kind: 'file', data: 'aarch64-linux' }],
      ['sw', { kind: 'symlink', target: logical(lastPkg) }],
    ],
  });
  // Every pkg's LICENSE is one inode (nix-store --optimise): the first created one
  // is the original, the others are links to it.
  const pkgKeys = specs.filter((s) => s.key.startsWith('pkg-')).map((s) => s.key);
  const licenseOwner = reverse ? pkgKeys[pkgKeys.length - 1] : pkgKeys[0];
  for (const s of specs) {
    if (!s.key.startsWith('pkg-') || s.key === licenseOwner) continue;
    const e = s.nodes.find(([p]) => p === 'share/doc/LICENSE')!;
    e[1] = { kind: 'link', to: [licenseOwner!, 'share/doc/LICENSE'] };
  }

  // Create: directories first (in order), then files, links, symlinks; read-only last.
  const ordered = reverse ? [...specs].reverse() : specs;
  const hostOf = (k: string, rel: string) => path.join(storeDir, base[k]!, rel);
  const roDirs: string[] = [];
  for (const s of ordered) {
    const nodes = reverse ? [...s.nodes.filter(([, n]) => n.kind === 'dir')].concat(s.nodes.filter(([, n]) => n.kind !== 'dir').reverse()) : s.nodes;
    for (const [rel, n] of nodes) {
      if (n.kind === 'dir') {
        await fsp.mkdir(hostOf(s.key, rel), { recursive: true });
        roDirs.push(hostOf(s.key, rel));
      }
    }
  }
  const pending: [string, string, Node][] = [];
  for (const s of ordered) {
    const nodes = reverse ? [...s.nodes].reverse() : s.nodes;
    for (const [rel, n] of nodes) if (n.kind !== 'dir') pending.push([s.key, rel, n]);
  }
  // Links need their target: create files first. Batches keep the order within a
  // directory mostly as listed while not waiting for each file system call.
  const inBatches = async (items: [string, string, Node][], fn: (k: string, rel: string, n: Node) => Promise<void>) => {
    for (let i = 0; i < items.length; i += 32) await Promise.all(items.slice(i, i + 32).map(([k, rel, n]) => fn(k, rel, n)));
  };
  await inBatches(pending, async (k, rel, n) => {
    if (n.kind === 'file') {
      await fsp.writeFile(hostOf(k, rel), n.data);
      await fsp.chmod(hostOf(k, rel), n.exec ? 0o555 : 0o444);
    } else if (n.kind === 'symlink') {
      await fsp.symlink(n.target, hostOf(k, rel));
    }
  });
  await inBatches(pending, async (k, rel, n) => {
    if (n.kind === 'link') await fsp.link(hostOf(n.to[0], n.to[1]), hostOf(k, rel));
  });
  for (const d of roDirs.reverse()) await fsp.chmod(d, 0o555);

  // closureInfo.
  const byName: Record<string, string> = {};
  for (const k of Object.keys(base)) byName[k] = path.join(storeDir, base[k]!);
  const storePaths = Object.values(byName).sort();
  const toLogical = (h: string) => LOGICAL_STORE + h.slice(storeDir.length);
  const registration: ClosureFixture['registration'] = [];
  const sortedSpecs = [...specs].sort((a, b) => (byName[a.key]! < byName[b.key]! ? -1 : 1));
  const infos = await Promise.all(sortedSpecs.map((s) => narInfo(byName[s.key]!)));
  sortedSpecs.forEach((s, i) => {
    const info = infos[i]!;
    registration.push({ path: toLogical(byName[s.key]!), narHash: info.narHash, narSize: info.narSize, references: s.refs.map((r) => toLogical(byName[r]!)).sort() });
  });
  const closureInfoDir = path.join(dir, 'closure-info');
  await fsp.mkdir(closureInfoDir, { recursive: true });
  const reg = registration.flatMap((e) => [e.path, e.narHash, String(e.narSize), '', String(e.references.length), ...e.references]);
  await fsp.writeFile(path.join(closureInfoDir, 'registration'), reg.join('\n') + '\n');
  await fsp.writeFile(path.join(closureInfoDir, 'store-paths'), storePaths.map(toLogical).join('\n') + '\n');
  await fsp.writeFile(path.join(closureInfoDir, 'total-nar-size'), `${registration.reduce((n, e) => n + e.narSize, 0)}\n`);
  const storePathsFile = path.join(dir, 'store-paths.txt');
  await fsp.writeFile(storePathsFile, storePaths.map(toLogical).join('\n') + '\n');
  return { storeRoot: dir, storeDir, closureInfoDir, storePathsFile, toplevel: byName.toplevel!, storePaths, byName, registration };
}

/** Removes a directory tree that may contain read-only directories (a fake store). */
export const removeTree = removeStaged;

/**
 * A new empty temporary directory, on tmpfs (/dev/shm) when there is one: creating
 * thousands of files is much faster there, and fixture, staging and images share one
 * filesystem so staging can hard-link. Remove it with removeTree().
 */
export async function makeTmpDir(prefix = 'imgsmith-test-'): Promise<string> {
  for (const parent of ['/dev/shm', os.tmpdir()]) {
    try {
      await fsp.access(parent, fsConstants.W_OK);
      return await fsp.mkdtemp(path.join(parent, prefix));
    } catch {
      // try the next one
    }
  }
  throw new Error('no writable temporary directory');
}
