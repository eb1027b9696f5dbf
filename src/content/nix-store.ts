/**
 * Nix store formats: nix-base32, store path syntax, the NAR serialisation
 * (`nix-store --dump`) with its hash and reference scan, and the registration format
 * (`nix-store --load-db`, closureInfo's `registration`).
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, type Stats } from 'node:fs';
import path from 'node:path';
import { ImgsmithError, inputError } from '../errors.ts';
import { show as showPath } from './tree.ts';

/** The store directory inside images. */
export const IMAGE_STORE_DIR = '/nix/store';

export interface RegistrationEntry {
  /** The store path as listed (on the host, under `storeDir`). */
  path: string;
  /** As given, e.g. "sha256:1b8m..." (52 nix-base32 characters). */
  narHash: string;
  narSize: number;
  /** A store path or "" (closureInfo always writes ""). */
  deriver: string;
  references: string[];
}

// ---------------------------------------------------------------------------
// Nix base32 and store path syntax

/** Nix's base32 alphabet (no e, o, u, t). */
export const NIX_BASE32_ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz';

/** Encodes bytes in Nix's base32 (as in `nix-hash --to-base32`, store path hashes). */
export function nixBase32(bytes: Uint8Array): string {
  const len = Math.ceil((bytes.length * 8) / 5);
  let s = '';
  for (let n = len - 1; n >= 0; n--) {
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    const c = (bytes[i]! >> j) | (i + 1 < bytes.length ? bytes[i + 1]! << (8 - j) : 0);
    s += NIX_BASE32_ALPHABET[c & 0x1f];
  }
  return s;
}

const B32 = `[${NIX_BASE32_ALPHABET}]`;
const STORE_BASENAME_RE = new RegExp(`^${B32}{32}-[A-Za-z0-9+\\-_?=][A-Za-z0-9+\\-._?=]*$`);
const NAR_HASH_RES: RegExp[] = [
  new RegExp(`^sha256:${B32}{52}$`),
  /^sha256:[0-9a-f]{64}$/,
  /^sha256:[A-Za-z0-9+/]{43}=$/,
  /^sha256-[A-Za-z0-9+/]{43}=$/,
];

/** True for "<32 nix-base32 chars>-<name>" with a valid Nix store path name. */
export function isStoreBasename(name: string): boolean {
  return name.length <= 32 + 1 + 211 && STORE_BASENAME_RE.test(name);
}

export function isNarHash(s: string): boolean {
  return NAR_HASH_RES.some((re) => re.test(s));
}

// ---------------------------------------------------------------------------
// NAR serialisation (nix-store --dump) and hashing

const enc = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s) : s);

function narStr(s: string | Buffer): Buffer {
  const b = enc(s);
  const pad = (8 - (b.length % 8)) % 8;
  const out = Buffer.alloc(8 + b.length + pad);
  out.writeBigUInt64LE(BigInt(b.length), 0);
  b.copy(out, 8);
  return out;
}

/** Strings in the byte order of their UTF-8 (Nix's order). */
export const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
/** Byte strings (latin1) compare in byte order as plain strings. */
const byCodes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const hp = (s: string) => Buffer.from(s, 'latin1');

/**
 * Streams the NAR serialisation of `p` (a file, directory or symlink) to `sink`,
 * exactly as `nix-store --dump` writes it: directory entries in byte order,
 * "executable" for files with the owner's x bit. Other file types are an error.
 * `p` is a path; names inside are handled as bytes (non-UTF-8 names are kept).
 */
export async function dumpNar(p: string, sink: (chunk: Buffer) => void): Promise<void> {
  sink(narStr('nix-archive-1'));
  await new Promise((r) => setImmediate(r));
  try {
    dumpNode(Buffer.from(p).toString('latin1'), sink);
  } catch (err) {
    if (err instanceof ImgsmithError) throw err;
    throw inputError(`cannot read ${p}: ${(err as Error).message}`, err);
  }
}

/** A regular file's NAR node body (type, executable flag, contents, padding). */
function dumpFile(p: string, st: Stats, sink: (chunk: Buffer) => void): void {
  const parts = [narStr('type'), narStr('regular')];
  if (st.mode & 0o100) parts.push(narStr('executable'), narStr(''));
  parts.push(narStr('contents'));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(st.size), 0);
  parts.push(len);
  sink(Buffer.concat(parts));
  let n = 0;
  if (st.size <= 1 << 20) {
    const data = readFileSync(hp(p));
    n = data.length;
    sink(data);
  } else {
    const fd = openSync(hp(p), 'r');
    try {
      for (;;) {
        const buf = Buffer.allocUnsafe(1 << 20);
        const got = readSync(fd, buf, 0, buf.length, null);
        if (got === 0) break;
        n += got;
        sink(buf.subarray(0, got));
      }
    } finally {
      closeSync(fd);
    }
  }
  if (n !== st.size) throw inputError(`${showBytes(p)} changed size while it was being read`);
  const pad = (8 - (n % 8)) % 8;
  if (pad) sink(Buffer.alloc(pad));
}

/** Synchronous (much faster than promises for many small files); the caller yields
 *  between store paths. Large files are read in 1 MiB pieces. Directories are walked
 *  with an explicit stack (any depth, constant call stack). */
function dumpNode(root: string, sink: (chunk: Buffer) => void, rootStat?: Stats): void {
  const open: { p: string; names: string[]; i: number }[] = [];
  /** Writes the node at `p`; a directory's entries (and its closing) follow from the loop. */
  const node = (p: string, st: Stats): void => {
    sink(narStr('('));
    if (st.isSymbolicLink()) {
      sink(Buffer.concat([narStr('type'), narStr('symlink'), narStr('target'), narStr(readlinkSync(hp(p), { encoding: 'buffer' }))]));
    } else if (st.isFile()) {
      dumpFile(p, st, sink);
    } else if (st.isDirectory()) {
      sink(Buffer.concat([narStr('type'), narStr('directory')]));
      open.push({ p, names: readdirSync(hp(p), { encoding: 'buffer' }).map((b) => b.toString('latin1')).sort(byCodes), i: 0 });
      return;
    } else {
      throw inputError(`${showBytes(p)} is not a regular file, directory or symlink (a Nix store path cannot contain it)`);
    }
    sink(narStr(')'));
  };
  node(root, rootStat ?? lstatSync(hp(root)));
  while (open.length) {
    const dir = open[open.length - 1]!;
    if (dir.i === dir.names.length) {
      open.pop();
      sink(narStr(')')); // the directory node
      if (open.length) sink(narStr(')')); // the parent's entry holding it
      continue;
    }
    const name = dir.names[dir.i++]!;
    sink(Buffer.concat([narStr('entry'), narStr('('), narStr('name'), narStr(hp(name)), narStr('node')]));
    const depth = open.length;
    node(`${dir.p}/${name}`, lstatSync(hp(`${dir.p}/${name}`)));
    if (open.length === depth) sink(narStr(')')); // not a directory: its entry ends here
  }
}

const showBytes = (p: string) => showPath(p);

/**
 * Finds which of `hashParts` (32-char nix-base32 store path hashes) occur in a byte
 * stream, like Nix's reference scanner. Feed chunks with `update`.
 */
export class RefScanner {
  readonly found = new Set<string>();
  private tail = Buffer.alloc(0);
  private static readonly isB32 = (() => {
    const t = new Uint8Array(256);
    for (const c of NIX_BASE32_ALPHABET) t[c.charCodeAt(0)] = 1;
    return t;
  })();
  constructor(private readonly hashParts: Set<string>) {}

  update(chunk: Buffer): void {
    if (this.hashParts.size === 0) return;
    const buf = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
    const isB32 = RefScanner.isB32;
    const L = 32;
    let i = 0;
    while (i + L <= buf.length) {
      let j = L - 1;
      while (j >= 0 && isB32[buf[i + j]!]) j--;
      if (j < 0) {
        const s = buf.toString('latin1', i, i + L);
        if (this.hashParts.has(s)) this.found.add(s);
        i++;
      } else {
        i += j + 1;
      }
    }
    this.tail = Buffer.from(buf.subarray(Math.max(0, buf.length - (L - 1))));
  }
}

export interface NarInfo {
  /** "sha256:<52 nix-base32 chars>" */
  narHash: string;
  narSize: number;
  /** Store path hash parts (from `scanFor`) that occur in the NAR. */
  references: Set<string>;
}

/** The NAR hash and size of a path (as `nix-store --dump p | sha256`), optionally
 *  scanning for references to the given store path hash parts. */
export async function narInfo(p: string, scanFor: Set<string> = new Set()): Promise<NarInfo> {
  const h = createHash('sha256');
  const scanner = new RefScanner(scanFor);
  let size = 0;
  await dumpNar(p, (chunk) => {
    h.update(chunk);
    scanner.update(chunk);
    size += chunk.length;
  });
  return { narHash: `sha256:${nixBase32(h.digest())}`, narSize: size, references: scanner.found };
}

// ---------------------------------------------------------------------------
// Registration

/** Serialises registration entries in `nix-store --load-db` format (closureInfo's
 *  output), mapping every store path from `fromDir` to `toDir`. */
export function formatRegistration(entries: RegistrationEntry[], fromDir: string, toDir = IMAGE_STORE_DIR): Buffer {
  const map = (p: string) => (p === '' ? '' : toDir + p.slice(fromDir.length));
  const lines: string[] = [];
  for (const e of entries) {
    lines.push(map(e.path), e.narHash, String(e.narSize), map(e.deriver), String(e.references.length), ...e.references.map(map));
  }
  return Buffer.from(lines.length ? lines.join('\n') + '\n' : '');
}

/** A value quoted for a message, cut at 120 characters. */
export const show = (s: string) => `'${s.length > 120 ? s.slice(0, 120) + '...' : s}'`;

/**
 * Parses a registration strictly. `file` names it in errors; `storeDir` is the
 * directory every path must be in.
 */
export function parseRegistration(text: string, file: string, storeDir: string): RegistrationEntry[] {
  if (text === '') return [];
  if (!text.endsWith('\n')) {
    throw inputError(`${file}: the last line does not end with a newline (nix-store --load-db would fail with "missing input")`);
  }
  const lines = text.slice(0, -1).split('\n');
  const entries: RegistrationEntry[] = [];
  let i = 0;
  const next = (what: string): string => {
    if (i >= lines.length) {
      throw inputError(`${file} line ${i + 1}: unexpected end of file: expected ${what}`);
    }
    return lines[i++]!;
  };
  const fail = (what: string, got: string): never => {
    throw inputError(`${file} line ${i}: expected ${what}, got ${show(got)}`);
  };
  const isStorePath = (s: string) => path.posix.dirname(s) === storeDir && isStoreBasename(path.posix.basename(s));
  const inStore = `a store path in ${storeDir}`;
  while (i < lines.length) {
    const p = next(inStore);
    if (!isStorePath(p)) fail(inStore, p);
    const hash = next('a NAR hash (sha256:<52 nix-base32 characters>)');
    if (!isNarHash(hash)) fail('a NAR hash (sha256:<52 nix-base32 characters>)', hash);
    const sizeLine = next('a NAR size (a number)');
    if (!/^(0|[1-9][0-9]*)$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) fail('a NAR size (a number)', sizeLine);
    const deriver = next('a deriver (a store path, or an empty line)');
    if (deriver !== '' && !isStorePath(deriver)) fail(`a deriver (${inStore}, or an empty line)`, deriver);
    const countLine = next('the number of references');
    if (!/^(0|[1-9][0-9]*)$/.test(countLine) || Number(countLine) > 1e6) fail('the number of references (a number)', countLine);
    const references: string[] = [];
    for (let k = Number(countLine); k > 0; k--) {
      const r = next(`a reference (${inStore})`);
      if (!isStorePath(r)) fail(`a reference (${inStore})`, r);
      references.push(r);
    }
    entries.push({ path: p, narHash: hash, narSize: Number(sizeLine), deriver, references });
  }
  return entries;
}

