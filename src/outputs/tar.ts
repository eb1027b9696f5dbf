/**
 * A deterministic tar writer (tar-stream 3 for the ustar entries), streamed with
 * constant memory: file contents are read from disk chunk by chunk and written to
 * the output (or through `zstd -T0 -<level>`) with backpressure.
 *
 * The archive depends only on the entries and the epoch:
 *  - entries in the order given, which must be sorted by path bytes with parents
 *    before children (checked: an unsorted source is a bug, not a user error);
 *  - uid/gid 0, empty user/group names, mtime = epoch, the exact mode bits
 *    (setuid/setgid/sticky included), devmajor/devminor 0;
 *  - symlinks with their exact target bytes; entries with the same `linkKey` are
 *    written once, the later ones as hard links to the first path;
 *  - POSIX ustar headers, plus a PAX extended header ("x") only when ustar cannot
 *    hold an entry: a name or link target with a byte >= 0x80 or too long for
 *    ustar's name/prefix fields, or a size of 8 GiB or more. The PAX header is
 *    written here (tar-stream would UTF-8-encode the JS string, mangling bytes
 *    that are not UTF-8) with the raw bytes in `path`/`linkpath`, as GNU tar
 *    --format=posix writes them (no `hdrcharset` record: GNU tar 1.34 warns about
 *    it). The ustar header after it holds an ASCII stand-in name.
 *
 * Paths are byte strings: every char of `path`, `target` and `source` is one byte
 * (Buffer.from(s, 'latin1') gives the raw bytes), so names that are not UTF-8 are
 * kept exactly.
 */
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { createHash } from 'node:crypto';
import { sha256File } from './checksum.ts';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { checkResult, outcomeOf, startTool, toolFailure } from '../tools/run.ts';
import { pack as tarPack, type Header, type Pack } from 'tar-stream';
import { buildError, ImgsmithError, ToolMissingError, usageError } from '../errors.ts';

export interface TarSourceEntry {
  /** Absolute tree path ("/" is the root); a byte string (one char per byte). */
  path: string;
  kind: 'dir' | 'file' | 'symlink';
  /** Permission bits including setuid/setgid/sticky (0o7777); ignored for symlinks. */
  mode: number;
  /** File size in bytes (files). */
  size?: number;
  /** Host path of the file's contents (files without `data`); a byte string. */
  source?: string;
  /** The file's contents, for generated files. */
  data?: Buffer;
  /** Symlink target; a byte string. */
  target?: string;
  /** Files with the same value are hard links of each other (e.g. "dev:ino"). */
  linkKey?: string;
}

export interface TarOutput {
  /** The file to write (replaced if it exists). */
  path: string;
  /** Compress with `zstd -T0 -<level>` (the output is then a .tar.zst). */
  compress?: { level: number };
}

export interface TarOptions {
  /** Archive name of the tree's root "/": "./" (default) gives "./", "./etc/"...;
   *  "" leaves the root out and names the others "etc/"... */
  root?: './' | '';
  /** Called with the number of content bytes written so far. */
  onProgress?: (bytes: number) => void;
}

export interface TarResult {
  /** Size of the written file (compressed when compressed). */
  size: number;
  /** SHA-256 (hex) of the written file. */
  sha256: string;
  entries: number;
  /** Uncompressed archive size. */
  tarSize: number;
}

const BLOCK = 512;
/** Largest size the 11 octal digits of a ustar header can hold (8 GiB - 1). */
const USTAR_MAX_SIZE = 0o77777777777;
const USTAR_MAX_MTIME = 0o77777777777;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

type TarHeader = Partial<Header> & Pick<Header, 'name'>;

const latin1 = (s: string) => Buffer.from(s, 'latin1');
const isAscii = (b: Buffer) => b.every((c) => c < 0x80);

/**
 * Whether a name fits ustar's name (100 bytes) + prefix (155 bytes) fields the
 * way tar-stream splits it (moving leading components into the prefix until the
 * rest fits). Names are ASCII here.
 */
export function ustarNameFits(name: string): boolean {
  let rest = name;
  let prefix = '';
  while (rest.length > 100) {
    const i = rest.indexOf('/');
    if (i === -1) return false;
    prefix += prefix ? '/' + rest.slice(0, i) : rest.slice(0, i);
    rest = rest.slice(i + 1);
  }
  return rest.length <= 100 && prefix.length <= 155;
}

/** One PAX record "<len> <key>=<value>\n", the length counting itself. */
function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'latin1'), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len), 'latin1'), body]);
}

function octal(buf: Buffer, off: number, width: number, value: number): void {
  // width - 1 digits and a NUL, as tar-stream and GNU tar write them.
  buf.write(value.toString(8).padStart(width - 1, '0') + '\0', off, width, 'latin1');
}

/** A ustar header block of type "x" (PAX extended header for the next entry). */
function paxHeaderBlock(size: number, epoch: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write('PaxHeader', 0, 100, 'latin1');
  octal(h, 100, 8, 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, epoch);
  h.fill(0x20, 148, 156); // checksum field counts as spaces
  h[156] = 0x78; // 'x'
  h.write('ustar\0', 257, 6, 'latin1');
  h.write('00', 263, 2, 'latin1');
  octal(h, 329, 8, 0);
  octal(h, 337, 8, 0);
  let sum = 0;
  for (const c of h) sum += c;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return h;
}

/** An ASCII name that fits ustar, standing in for one held by a PAX record. */
function standIn(name: string, isDir: boolean): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  const full = isDir && !ascii.endsWith('/') ? ascii + '/' : ascii;
  if (ustarNameFits(full)) return ascii;
  const base = ascii.replace(/\/$/, '').split('/').pop() || '_';
  return base.slice(-(isDir ? 99 : 100));
}

interface HeaderPlan {
  /** Raw bytes (a PAX header + records + padding) to write before the entry, if any. */
  pax?: Buffer;
  name: string;
  linkname?: string;
}

/** Decides whether an entry needs a PAX header and builds it. */
export function planHeader(name: string, isDir: boolean, linkname: string | undefined, size: number, epoch: number): HeaderPlan {
  const nameBytes = latin1(name);
  const fullName = isDir && !name.endsWith('/') ? name + '/' : name;
  const nameOk = isAscii(nameBytes) && ustarNameFits(fullName);
  const linkBytes = linkname === undefined ? undefined : latin1(linkname);
  const linkOk = linkBytes === undefined || (isAscii(linkBytes) && linkBytes.length <= 100);
  const sizeOk = size <= USTAR_MAX_SIZE;
  if (nameOk && linkOk && sizeOk) return { name, ...(linkname !== undefined ? { linkname } : {}) };
  const records: Buffer[] = [];
  if (!linkOk) records.push(paxRecord('linkpath', linkBytes!));
  if (!nameOk) records.push(paxRecord('path', latin1(fullName)));
  if (!sizeOk) records.push(paxRecord('size', Buffer.from(String(size))));
  const body = Buffer.concat(records);
  const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
  const pax = Buffer.concat([paxHeaderBlock(body.length, epoch), body, Buffer.alloc(pad)]);
  return {
    pax,
    name: nameOk ? name : standIn(name, isDir),
    ...(linkname !== undefined ? { linkname: linkOk ? linkname : linkname.replace(/[^\x20-\x7e]/g, '_').slice(0, 100) } : {}),
  };
}

/** Sort key of a tree path: components joined by NUL, compared as bytes (parents first). */
const sortKey = (p: string) => latin1(p === '/' ? '' : p.replaceAll('/', '\0'));

function archiveName(p: string, root: './' | ''): string | undefined {
  if (p === '/') return root === '' ? undefined : root;
  return root + p.slice(1);
}

/** Passes bytes through, hashing and counting them. */
class Counting extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  constructor() {
    super({ highWaterMark: 1 << 20 });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

/**
 * Writes `entries` as a tar archive to `out.path` (through zstd when
 * `out.compress`), every entry's mtime being `epoch`. Returns the output's size
 * and SHA-256.
 */
/** One entry's header (its PAX header, when it needs one, pushed first) and its contents. */
interface PlannedEntry {
  header: TarHeader;
  /** The contents: a buffer (generated files), a host path (a byte string), or none. */
  body: Buffer | string | undefined;
  /** Content bytes this entry adds (progress). */
  bytes: number;
}

/**
 * Plans entry `e` named `name` in the archive: directories, symlinks, hard links (a file whose
 * linkKey was seen before links to the first name; `firstOf` remembers them) and files.
 */
function planEntry(pack: Pack, e: TarSourceEntry, name: string, epoch: number, firstOf: Map<string, string>): PlannedEntry {
  const perm = e.mode & 0o7777;
  const plan = (isDir: boolean, linkname: string | undefined, size: number): HeaderPlan => {
    const h = planHeader(name, isDir, linkname, size, epoch);
    if (h.pax) pack.push(h.pax);
    return h;
  };
  if (e.kind === 'dir') {
    const h = plan(true, undefined, 0);
    return { header: { name: h.name, type: 'directory', mode: S_IFDIR | perm, size: 0 }, body: undefined, bytes: 0 };
  }
  if (e.kind === 'symlink') {
    if (e.target === undefined || e.target === '') throw buildError(`the symlink ${latin1(e.path).toString('utf8')} has no target`);
    const h = plan(false, e.target, 0);
    return { header: { name: h.name, type: 'symlink', mode: S_IFLNK | 0o777, linkname: h.linkname!, size: 0 }, body: undefined, bytes: 0 };
  }
  const first = e.linkKey === undefined ? undefined : firstOf.get(e.linkKey);
  if (first !== undefined) {
    const h = plan(false, first, 0);
    return { header: { name: h.name, type: 'link', mode: S_IFREG | perm, linkname: h.linkname!, size: 0 }, body: undefined, bytes: 0 };
  }
  if (e.linkKey !== undefined) firstOf.set(e.linkKey, name);
  const size = e.data ? e.data.length : (e.size ?? 0);
  const h = plan(false, undefined, size);
  const body = e.data ?? (size > 0 ? e.source : undefined);
  if (!e.data && size > 0 && e.source === undefined) throw buildError(`internal error: ${latin1(e.path).toString('utf8')} has neither data nor a source`);
  return { header: { name: h.name, type: 'file', mode: S_IFREG | perm, size }, body, bytes: size };
}

/** Writes every entry (in byte order of their paths, checked) into `pack`; returns the entry count. */
async function packEntries(pack: Pack, entries: AsyncIterable<TarSourceEntry>, epoch: number, opts: TarOptions): Promise<number> {
  const root = opts.root ?? './';
  const mtime = new Date(epoch * 1000);
  const firstOf = new Map<string, string>();
  let count = 0;
  let contentBytes = 0;
  let prevKey: Buffer | undefined;
  let prevPath = '';
  for await (const e of entries) {
    const key = sortKey(e.path);
    if (prevKey && Buffer.compare(prevKey, key) >= 0) {
      throw buildError(`internal error: tar entries out of order: ${JSON.stringify(latin1(e.path).toString('utf8'))} after ${JSON.stringify(latin1(prevPath).toString('utf8'))}`);
    }
    prevKey = key;
    prevPath = e.path;
    const name = archiveName(e.path, root);
    if (name === undefined) continue;
    const { header, body, bytes } = planEntry(pack, e, name, epoch, firstOf);
    contentBytes += bytes;
    Object.assign(header, { uid: 0, gid: 0, uname: '', gname: '', mtime });
    await writeEntry(pack, header, body);
    count++;
    opts.onProgress?.(contentBytes);
  }
  return count;
}

/** A failed write: everything stopped, the partial file removed, and the error as imgsmith reports it. */
async function tarFailure(err: unknown, pack: Pack, child: ReturnType<typeof spawnZstd> | undefined, piped: Promise<void>, file: string): Promise<never> {
  pack.destroy();
  child?.stdin?.destroy();
  await piped.catch(() => undefined);
  const zstd = child ? await child : undefined;
  await fsp.rm(file, { force: true });
  if (err instanceof ImgsmithError) throw err;
  if (zstd?.failed) {
    const e = toolFailure('zstd', outcomeOf(zstd), `compressing ${file}`);
    throw e instanceof ToolMissingError ? new ToolMissingError('zstd', `${e.message}, or use --no-compress`) : e;
  }
  throw buildError(`cannot write ${file}: ${(err as Error).message}`, err);
}

export async function writeTar(entries: AsyncIterable<TarSourceEntry>, out: TarOutput, epoch: number, opts: TarOptions = {}): Promise<TarResult> {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > USTAR_MAX_MTIME) throw usageError(`the build epoch ${epoch} cannot be stored in a tar header`);
  const level = out.compress?.level;
  if (level !== undefined && (!Number.isInteger(level) || level < 1 || level > 19)) {
    throw usageError(`zstd level ${level} is invalid: use an integer from 1 to 19`);
  }
  const pack = tarPack();
  // The sink: the file itself, or zstd writing the file.
  let child: ReturnType<typeof spawnZstd> | undefined;
  let sink: NodeJS.WritableStream;
  if (level !== undefined) {
    child = spawnZstd(level, out.path);
    child.catch(() => undefined); // awaited below
    sink = child.stdin!;
  } else {
    sink = createWriteStream(out.path, { highWaterMark: 1 << 20 });
  }
  const counting = new Counting();
  const piped = pipeline(pack, counting, sink);
  piped.catch(() => undefined); // awaited below
  let count: number;
  try {
    count = await packEntries(pack, entries, epoch, opts);
    pack.finalize();
    await piped;
    if (child) checkResult('zstd', await child, { what: `compressing ${out.path}` });
  } catch (err) {
    return tarFailure(err, pack, child, piped, out.path);
  }
  const size = (await fsp.stat(out.path)).size;
  const sha256 = child ? await sha256File(out.path) : counting.hash.digest('hex');
  return { size, sha256, entries: count, tarSize: counting.bytes };
}

/** `zstd -T0 -<level>` from stdin to `fd` (zstd 1.5's multi-threaded output is the same for any thread count). */
function spawnZstd(level: number, file: string) {
  return startTool('zstd', ['-T0', `-${level}`, '-q', '--no-progress', '-c'], { stdin: 'pipe', stdout: { file }, stderr: 'pipe' });
}

/** Writes one entry and its contents (a buffer or a host file, streamed), respecting backpressure. */
async function writeEntry(pack: Pack, header: TarHeader, body: Buffer | string | undefined): Promise<void> {
  const done = new Promise<void>((resolve, reject) => {
    const entry = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    if (body === undefined) {
      if (header.type === 'file') entry.end(undefined);
      return;
    }
    if (Buffer.isBuffer(body)) {
      entry.end(body);
      return;
    }
    void streamFile(body, header.size ?? 0, entry).catch((err: unknown) => {
      entry.destroy(err as Error);
      reject(err as Error);
    });
  });
  await done;
}

async function streamFile(source: string, size: number, entry: ReturnType<Pack['entry']>): Promise<void> {
  const host = latin1(source);
  let n = 0;
  try {
    for await (const chunk of createReadStream(host, { highWaterMark: 1 << 20 })) {
      const c = chunk as Buffer;
      n += c.length;
      if (n > size) break;
      if (!entry.write(c)) await once(entry as unknown as NodeJS.EventEmitter, 'drain');
    }
  } catch (err) {
    throw buildError(`cannot read ${host.toString('utf8')}: ${(err as Error).message}`, err);
  }
  if (n !== size) throw buildError(`${host.toString('utf8')} changed while it was being archived (expected ${size} bytes, read ${n > size ? 'more' : n})`);
  entry.end(undefined);
}
