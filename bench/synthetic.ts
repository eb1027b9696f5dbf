/**
 * Synthetic closures of many small files for the scale benchmark (sizes tiny, 300k,
 * 1m, 2m: the number of entries), generated fast and deterministically:
 *
 *   <cache>/closure-<size>/
 *     root/nix/store/<hash>-<name>   a few thousand store paths of ~200 entries each
 *     closure-info/                  store-paths, registration, total-nar-size (/nix/store paths)
 *     firmware/                      placeholder Raspberry Pi firmware (test/helpers/firmware-fixture.ts)
 *     meta.json                      paths and statistics (a BenchClosure, see closure.ts)
 *
 * Each package store path holds a random tree (seeded by its index): ~76% regular
 * files (sizes 0..32 KiB, mostly under 1 KiB; text and binary), ~12% directories up to
 * 7 deep, ~9% symlinks (relative to a sibling, or absolute into a referenced store
 * path, some longer than 60 bytes), ~3% hard links (half to a file of the same path,
 * half to a data file of an earlier path, like `nix-store --optimise`), plus one script
 * per reference in bin/ (`#!/nix/store/<ref>/bin/sh`). A kernel path (Image, dtbs,
 * modules), an initrd path and a NixOS-shaped toplevel make it buildable with
 * images/rpi-aarch64.json. Store layout as in Nix: files 0444 (0555 executable),
 * directories 0555, every mtime 1.
 *
 * The registration is computed while the files are written: each store path's NAR
 * serialisation is produced from the in-memory tree (never read back from disk) and
 * hashed; its references are the paths its scripts and symlinks embed (what Nix's
 * scanner finds: the check below verifies it). Time spent hashing is recorded
 * (meta.json narSeconds). A sample of paths (every path for `tiny`) is then checked
 * against src/content/closure.ts (closureFromStorePaths, which hashes the files on disk and scans
 * for references like Nix).
 *
 * Writes use sync fs calls (open with the final mode, write, futimes, close), about
 * 4 syscalls per file: 1M entries take on the order of a minute or two.
 *
 * CLI: node --import tsx bench/synthetic.ts --size tiny|300k|1m|2m [--force]
 */
import { createHash, type Hash } from 'node:crypto';
import {
  chmodSync, closeSync, existsSync, futimesSync, linkSync, lutimesSync, mkdirSync, openSync, promises as fsp, symlinkSync, utimesSync, writeSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closureFromStorePaths } from '../src/content/closure.ts';
import { narInfo } from '../src/content/nix-store.ts';
import { makeFirmware, pseudoRandom } from '../test/helpers/firmware-fixture.ts';
import { cacheRoot, removeTree, type BenchClosure } from './closure.ts';
import { nixBase32 } from '../src/content/nix-store.ts';

export const SYNTHETIC_SIZES = ['tiny', '300k', '1m', '2m'] as const;
export type SyntheticSize = (typeof SYNTHETIC_SIZES)[number];

/** Target entries (files + directories + symlinks, hard links counted as names) and
 *  number of package store paths. */
const SHAPES: Record<SyntheticSize, { entries: number; paths: number }> = {
  tiny: { entries: 3_000, paths: 15 },
  '300k': { entries: 300_000, paths: 1_500 },
  '1m': { entries: 1_000_000, paths: 5_000 },
  '2m': { entries: 2_000_000, paths: 10_000 },
};

const GENERATOR_VERSION = 1;
const STORE = '/nix/store';
const NIXOS_VERSION = '24.11.20250101.0000000';
const KERNEL_PARAMS = 'console=ttyS0,115200n8 console=ttyAMA0,115200n8 console=tty0 loglevel=7';

export function isSyntheticSize(s: string): s is SyntheticSize {
  return (SYNTHETIC_SIZES as readonly string[]).includes(s);
}

function log(msg: string): void {
  process.stderr.write(`[synthetic] ${msg}\n`);
}

// ---------------------------------------------------------------------------
// Deterministic randomness

/** mulberry32: a small fast PRNG; returns uint32. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const POOL_SIZE = 8 * 2 ** 20;
const WORDS = ['lib', 'data', 'core', 'util', 'test', 'conf', 'main', 'index', 'module', 'common', 'types', 'locale', 'doc', 'man', 'icon', 'theme', 'plugin', 'font', 'site', 'gnu'];
const EXTS = ['', '.py', '.pyc', '.h', '.so', '.txt', '.json', '.mo', '.gz', '.html', '.pm', '.el', '.svg', '.conf'];

/** 8 MiB of content to slice files from: runs of lowercase words and runs of random
 *  bytes. Neither can hold 32 consecutive nix-base32 characters in practice (words are
 *  at most 10 letters; random bytes are base32 with p = 1/8), so the only store path
 *  hashes in the store are the ones embedded on purpose. */
function contentPool(): Buffer {
  const r = prng(0x5eed);
  const buf = Buffer.alloc(POOL_SIZE);
  let i = 0;
  while (i < buf.length) {
    const run = Math.min(buf.length - i, 256 + (r() % 8192));
    if (r() % 10 < 3) {
      for (let k = 0; k < run; k++) buf[i + k] = r() & 0xff;
      i += run;
    } else {
      const end = i + run;
      while (i < end) {
        const len = 1 + (r() % 10);
        for (let k = 0; k < len && i < end; k++) buf[i++] = 0x61 + (r() % 26);
        if (i < end) buf[i++] = r() % 12 === 0 ? 0x0a : 0x20;
      }
    }
  }
  return buf;
}

function fileSize(r: () => number): number {
  const x = r() % 100;
  if (x < 12) return r() % 64;
  if (x < 75) return 64 + (r() % 960);
  if (x < 97) return 1024 + (r() % 3072);
  return 4096 + (r() % 28672);
}

// ---------------------------------------------------------------------------
// In-memory trees

interface FileNode {
  kind: 'file';
  data: Buffer;
  exec: boolean;
  /** Host path once written (for hard links to it). */
  host?: string;
}
interface DirNode {
  kind: 'dir';
  children: Map<string, Node>;
  depth: number;
}
interface SymlinkNode {
  kind: 'symlink';
  target: string;
}
/** A hard link to a file node (of this path or an earlier one). */
interface LinkNode {
  kind: 'link';
  to: FileNode;
}
type Node = FileNode | DirNode | SymlinkNode | LinkNode;

const dir = (depth: number): DirNode => ({ kind: 'dir', children: new Map(), depth });

interface PathRec {
  name: string;
  storePath: string;
  root: Node;
  refs: Set<string>;
}

function storePathOf(size: SyntheticSize, name: string): string {
  return `${STORE}/${nixBase32(createHash('sha256').update(`synthetic:${size}:${name}`).digest().subarray(0, 20))}-${name}`;
}

interface Stats {
  files: number;
  dirs: number;
  symlinks: number;
  hardLinks: number;
  bytes: number;
}

/** A package path of about `entries` entries referencing `refs` (earlier paths). */
function packagePath(index: number, name: string, storePath: string, entries: number, refs: string[], pool: Buffer, shared: FileNode[]): PathRec {
  const r = prng(0x9e3779b1 ^ index);
  const root = dir(0);
  const dirs: DirNode[] = [root];
  const files: FileNode[] = [];
  let n = 1;
  let counter = 0;
  const slice = (size: number) => {
    const off = r() % (pool.length - size);
    return pool.subarray(off, off + size);
  };
  const add = (parent: DirNode, base: string, node: Node) => {
    parent.children.set(`${base}${counter++}${node.kind === 'dir' ? '' : EXTS[r() % EXTS.length]}`, node);
    n++;
  };
  const bin = dir(1);
  root.children.set('bin', bin);
  const lib = dir(1);
  root.children.set('lib', lib);
  const share = dir(1);
  root.children.set('share', share);
  n += 3;
  dirs.push(lib, share);
  // One script per reference, so the registration's references are exactly `refs`.
  for (const ref of refs) {
    const data = Buffer.concat([Buffer.from(`#!${ref}/bin/sh\n`), slice(fileSize(r))]);
    bin.children.set(`run-${path.posix.basename(ref).slice(33)}-${counter++}`, { kind: 'file', data, exec: true });
    n++;
  }
  const main: FileNode = { kind: 'file', data: slice(4096 + (r() % 16384)), exec: true };
  bin.children.set(name.replace(/-[^-]*$/, ''), main);
  files.push(main);
  n++;
  while (n < entries) {
    const x = r() % 100;
    const parent = r() % 2 === 0 ? dirs[dirs.length - 1]! : dirs[r() % dirs.length]!;
    const word = WORDS[r() % WORDS.length]!;
    if (x < 12 && parent.depth < 7) {
      const d = dir(parent.depth + 1);
      add(parent, word, d);
      dirs.push(d);
    } else if (x < 21) {
      let target: string;
      if (refs.length && r() % 10 < 4) {
        // Absolute, into a referenced path (often > 60 bytes: a slow symlink in ext4).
        target = `${refs[r() % refs.length]}/lib/${word}${r() % 1000}.so`;
      } else {
        const sib = [...parent.children.keys()];
        target = sib.length ? sib[r() % sib.length]! : `../${word}`;
      }
      add(parent, word, { kind: 'symlink', target });
    } else if (x < 24 && files.length) {
      const to = shared.length && r() % 2 === 0 ? shared[r() % shared.length]! : files[r() % files.length]!;
      add(parent, word, { kind: 'link', to });
    } else {
      const f: FileNode = { kind: 'file', data: slice(fileSize(r)), exec: r() % 10 === 0 };
      add(parent, word, f);
      files.push(f);
    }
  }
  // Data files of this path may be hard-linked from later paths (they embed no store path).
  const plain = files.filter((f) => f !== main);
  if (plain.length) {
    shared.push(plain[0]!);
    if (shared.length > 64) shared.shift();
  }
  return { name, storePath, root, refs: new Set(refs) };
}

// ---------------------------------------------------------------------------
// Writing (sync, few syscalls) and NAR hashing (from memory)

class Writer {
  readonly stats: Stats = { files: 0, dirs: 0, symlinks: 0, hardLinks: 0, bytes: 0 };
  private links: [string, FileNode][] = [];
  private dirsPost: string[] = [];

  /** Writes `node` at host path `p`; hard links and directory modes/mtimes wait for finish(). */
  write(node: Node, p: string): void {
    switch (node.kind) {
      case 'dir': {
        mkdirSync(p, 0o755);
        this.stats.dirs++;
        for (const [name, child] of node.children) this.write(child, `${p}/${name}`);
        this.dirsPost.push(p);
        return;
      }
      case 'file': {
        const fd = openSync(p, 'wx', node.exec ? 0o555 : 0o444);
        try {
          if (node.data.length) writeSync(fd, node.data);
          futimesSync(fd, 1, 1);
        } finally {
          closeSync(fd);
        }
        node.host = p;
        this.stats.files++;
        this.stats.bytes += node.data.length;
        return;
      }
      case 'symlink':
        symlinkSync(node.target, p);
        lutimesSync(p, 1, 1);
        this.stats.symlinks++;
        return;
      case 'link':
        this.links.push([p, node.to]);
        this.stats.hardLinks++;
        return;
    }
  }

  /** Hard links (their targets exist now), then directories read-only with mtime 1 (children first). */
  finish(): void {
    for (const [p, to] of this.links) linkSync(to.host!, p);
    for (const d of this.dirsPost) {
      chmodSync(d, 0o555);
      utimesSync(d, 1, 1);
    }
    this.links = [];
    this.dirsPost = [];
  }
}

/** NAR serialisation (nix-store --dump) into a sha256, through a 1 MiB buffer. */
class NarHasher {
  private buf = Buffer.alloc(1 << 20);
  private pos = 0;
  private h: Hash = createHash('sha256');
  size = 0;

  private flush(): void {
    if (this.pos) this.h.update(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }
  private raw(b: Buffer): void {
    if (b.length > this.buf.length - this.pos) {
      this.flush();
      if (b.length > this.buf.length) {
        this.h.update(b);
        this.size += b.length;
        return;
      }
    }
    b.copy(this.buf, this.pos);
    this.pos += b.length;
    this.size += b.length;
  }
  private u64(n: number): void {
    if (this.buf.length - this.pos < 8) this.flush();
    this.buf.writeBigUInt64LE(BigInt(n), this.pos);
    this.pos += 8;
    this.size += 8;
  }
  private pad(n: number): void {
    const p = (8 - (n % 8)) % 8;
    if (p) this.raw(Buffer.alloc(p));
  }
  private str(s: string | Buffer): void {
    const b = typeof s === 'string' ? Buffer.from(s) : s;
    this.u64(b.length);
    this.raw(b);
    this.pad(b.length);
  }
  private node(n: Node): void {
    this.str('(');
    this.str('type');
    const file = n.kind === 'link' ? n.to : n;
    if (file.kind === 'file') {
      this.str('regular');
      if (file.exec) {
        this.str('executable');
        this.str('');
      }
      this.str('contents');
      this.str(file.data);
    } else if (file.kind === 'symlink') {
      this.str('symlink');
      this.str('target');
      this.str(file.target);
    } else if (file.kind === 'dir') {
      this.str('directory');
      // Names are ASCII: code unit order is byte order.
      for (const name of [...file.children.keys()].sort()) {
        this.str('entry');
        this.str('(');
        this.str('name');
        this.str(name);
        this.str('node');
        this.node(file.children.get(name)!);
        this.str(')');
      }
    }
    this.str(')');
  }
  digest(root: Node): { hash: string; size: number } {
    this.str('nix-archive-1');
    this.node(root);
    this.flush();
    return { hash: `sha256:${nixBase32(this.h.digest())}`, size: this.size };
  }
}

function fileNode(data: Buffer | string, exec = false): FileNode {
  return { kind: 'file', data: typeof data === 'string' ? Buffer.from(data) : data, exec };
}

function tree(entries: Record<string, Node | Record<string, unknown>>, depth = 0): DirNode {
  const d = dir(depth);
  for (const [k, v] of Object.entries(entries)) {
    d.children.set(k, 'kind' in v && typeof v.kind === 'string' ? (v as Node) : tree(v as Record<string, Node>, depth + 1));
  }
  return d;
}

// ---------------------------------------------------------------------------

async function generate(size: SyntheticSize, out: string, key: string): Promise<void> {
  const t0 = performance.now();
  const shape = SHAPES[size];
  const storeRoot = path.join(out, 'root');
  const storeDir = path.join(storeRoot, 'nix', 'store');
  await fsp.mkdir(storeDir, { recursive: true });
  const host = (sp: string) => storeRoot + sp;
  const pool = contentPool();
  const writer = new Writer();
  let narMs = 0;
  const reg: { storePath: string; hash: string; size: number; refs: string[] }[] = [];
  const emit = (rec: PathRec) => {
    writer.write(rec.root, host(rec.storePath));
    writer.finish();
    const t = performance.now();
    const nar = new NarHasher().digest(rec.root);
    narMs += performance.now() - t;
    reg.push({ storePath: rec.storePath, hash: nar.hash, size: nar.size, refs: [...rec.refs].sort() });
  };

  // Kernel, initrd: what extlinux copies to /boot.
  const linuxPath = storePathOf(size, 'linux-6.1.0');
  emit({
    name: 'linux-6.1.0',
    storePath: linuxPath,
    refs: new Set(),
    root: tree({
      Image: fileNode(pseudoRandom(`${size}/Image`, 512 * 1024)),
      'System.map': fileNode(pool.subarray(0, 100_000)),
      dtbs: { broadcom: Object.fromEntries(['bcm2711-rpi-4-b', 'bcm2711-rpi-400', 'bcm2837-rpi-3-b', 'bcm2837-rpi-3-b-plus'].map((d) => [`${d}.dtb`, fileNode(pseudoRandom(`${size}/${d}`, 40_000))])) },
      lib: { modules: { '6.1.0': { 'modules.dep': fileNode('kernel/fs/ext4/ext4.ko:\n'), kernel: { fs: { ext4: { 'ext4.ko': fileNode(pseudoRandom(`${size}/ext4.ko`, 100_000)) } } } } } },
    }),
  });
  const initrdPath = storePathOf(size, 'initrd-linux-6.1.0');
  emit({ name: 'initrd-linux-6.1.0', storePath: initrdPath, refs: new Set(), root: tree({ initrd: fileNode(pseudoRandom(`${size}/initrd`, 256 * 1024)) }) });

  // Packages: each references up to 4 earlier ones.
  const perPath = Math.max(20, Math.round((shape.entries - 40) / shape.paths));
  const pkgPaths: string[] = [];
  const shared: FileNode[] = [];
  const r = prng(42);
  let lastLog = performance.now();
  for (let i = 0; i < shape.paths; i++) {
    const name = `${WORDS[i % WORDS.length]}${i}-1.${i % 10}`;
    const sp = storePathOf(size, name);
    const refs = new Set<string>();
    const k = i === 0 ? 0 : r() % 5;
    for (let j = 0; j < k; j++) refs.add(pkgPaths[r() % pkgPaths.length]!);
    emit(packagePath(i, name, sp, perPath, [...refs].sort(), pool, shared));
    pkgPaths.push(sp);
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      const done = writer.stats.files + writer.stats.dirs + writer.stats.symlinks + writer.stats.hardLinks;
      log(`${i + 1}/${shape.paths} store paths, ${done.toLocaleString('en-US')} entries, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
  }

  // The toplevel: what `generate: extlinux` reads (kernel, initrd, dtbs, init, kernel-params, nixos-version).
  const shell = pkgPaths[0]!;
  const topName = `nixos-system-nixos-${NIXOS_VERSION}`;
  const topPath = storePathOf(size, topName);
  emit({
    name: topName,
    storePath: topPath,
    refs: new Set([linuxPath, initrdPath, shell, pkgPaths[1] ?? shell]),
    root: tree({
      init: fileNode(`#!${shell}/bin/sh\n# stage-2 init (benchmark stand-in)\n`, true),
      kernel: { kind: 'symlink', target: `${linuxPath}/Image` },
      'kernel-modules': { kind: 'symlink', target: `${linuxPath}/lib/modules` },
      dtbs: { kind: 'symlink', target: `${linuxPath}/dtbs` },
      initrd: { kind: 'symlink', target: `${initrdPath}/initrd` },
      sw: { kind: 'symlink', target: pkgPaths[1] ?? shell },
      'kernel-params': fileNode(KERNEL_PARAMS),
      'nixos-version': fileNode(NIXOS_VERSION),
      system: fileNode('aarch64-linux'),
    }),
  });
  chmodSync(storeDir, 0o775);
  for (const d of [storeDir, path.dirname(storeDir), storeRoot]) utimesSync(d, 1, 1);
  const writeSeconds = (performance.now() - t0 - narMs) / 1000;

  reg.sort((a, b) => (a.storePath < b.storePath ? -1 : a.storePath > b.storePath ? 1 : 0));
  const ci = path.join(out, 'closure-info');
  await fsp.mkdir(ci);
  const regText = reg.map((e) => [e.storePath, e.hash, String(e.size), '', String(e.refs.length), ...e.refs].map((l) => `${l}\n`).join('')).join('');
  const narTotal = reg.reduce((s, e) => s + e.size, 0);
  await fsp.writeFile(path.join(ci, 'store-paths'), reg.map((e) => `${e.storePath}\n`).join(''));
  await fsp.writeFile(path.join(ci, 'registration'), regText);
  await fsp.writeFile(path.join(ci, 'total-nar-size'), `${narTotal}\n`);
  const firmware = await makeFirmware(path.join(out, 'firmware'));

  // Check the registration against src/content/closure.ts, which reads the files back from disk
  // (NAR hash + size, references by scanning like Nix): every path for tiny, a sample otherwise.
  const t1 = performance.now();
  const sample = size === 'tiny' ? reg.map((e) => e.storePath) : [reg[0]!, reg[Math.floor(reg.length / 2)]!, reg[reg.length - 1]!].map((e) => e.storePath).concat(topPath);
  if (size === 'tiny') {
    const computed = await closureFromStorePaths(sample, { storeRoot });
    if (!computed.registration.equals(Buffer.from(regText))) throw new Error('the generated registration differs from the one src/content/closure.ts computes from the files');
  } else {
    const hashes = new Set(reg.map((e) => path.posix.basename(e.storePath).slice(0, 32)));
    for (const sp of sample) {
      const want = reg.find((e) => e.storePath === sp)!;
      const got = await narInfo(host(sp), hashes);
      const refs = [...got.references].sort();
      const wantRefs = want.refs.map((p) => path.posix.basename(p).slice(0, 32)).sort();
      if (got.narHash !== want.hash || got.narSize !== want.size || refs.join() !== wantRefs.join()) {
        throw new Error(`${sp}: generated NAR hash/size/references differ from src/content/nix-store.ts's narInfo`);
      }
    }
  }
  log(`registration checked against src/content/closure.ts (${sample.length} paths) in ${((performance.now() - t1) / 1000).toFixed(1)} s`);

  const s = writer.stats;
  const meta: BenchClosure = {
    size,
    dir: out,
    storeRoot,
    closureInfo: ci,
    closureInfoHost: path.join(out, 'closure-info-host'),
    toplevelStorePath: topPath,
    toplevel: host(topPath),
    firmware,
    paths: reg.length,
    files: s.files + s.hardLinks,
    dirs: s.dirs,
    symlinks: s.symlinks,
    hardLinks: s.hardLinks,
    bytes: s.bytes,
    narSize: narTotal,
    key,
    synthetic: true,
    generation: { writeSeconds, narSeconds: narMs / 1000, totalSeconds: (performance.now() - t0) / 1000 },
  };
  await fsp.writeFile(path.join(out, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  log(
    `generated ${reg.length} store paths: ${(s.files + s.hardLinks + s.dirs + s.symlinks).toLocaleString('en-US')} entries ` +
      `(${s.files} files, ${s.hardLinks} hard links, ${s.dirs} dirs, ${s.symlinks} symlinks), ${(s.bytes / 2 ** 20).toFixed(0)} MiB; ` +
      `writing ${writeSeconds.toFixed(1)} s, NAR hashing (from memory) ${(narMs / 1000).toFixed(1)} s`,
  );
}

/** The synthetic closure of `size`, generated (into the cache) if missing or stale. */
export async function ensureSyntheticClosure(size: SyntheticSize, opts: { force?: boolean } = {}): Promise<BenchClosure> {
  const key = createHash('sha256').update(JSON.stringify({ v: GENERATOR_VERSION, size, shape: SHAPES[size] })).digest('hex').slice(0, 16);
  const out = path.join(cacheRoot(), `closure-${size}`);
  const metaFile = path.join(out, 'meta.json');
  if (!opts.force && existsSync(metaFile)) {
    const meta = JSON.parse(await fsp.readFile(metaFile, 'utf8')) as BenchClosure;
    if (meta.key === key) return meta;
    log(`generator changed (${meta.key} -> ${key}); regenerating`);
  }
  const tmp = `${out}.tmp`;
  await removeTree(tmp);
  log(`generating the ${size} closure (${SHAPES[size].entries.toLocaleString('en-US')} entries, ${SHAPES[size].paths} store paths) in ${tmp}`);
  await generate(size, tmp, key);
  await removeTree(out);
  await fsp.rename(tmp, out);
  const meta = JSON.parse((await fsp.readFile(path.join(out, 'meta.json'), 'utf8')).replaceAll(tmp, out)) as BenchClosure;
  await fsp.writeFile(path.join(out, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  return meta;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const i = args.indexOf('--size');
  const size = i >= 0 ? args[i + 1] : undefined;
  if (!size || !isSyntheticSize(size)) {
    process.stderr.write(`usage: synthetic.ts --size ${SYNTHETIC_SIZES.join('|')} [--force]\n`);
    process.exit(2);
  }
  const meta = await ensureSyntheticClosure(size, { force: args.includes('--force') });
  process.stdout.write(JSON.stringify(meta, null, 2) + '\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`synthetic: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
