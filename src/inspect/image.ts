/**
 * Opening an image for reading: a raw `.img`, a zstd-compressed image (recognised by its
 * magic bytes, whatever its name; decompressed into a sparse temporary file under
 * $TMPDIR, see zstd.ts) or a block device. Never writes to the source.
 *
 *   const img = await openImage('out/x.img.zst');
 *   try { ... read img.path ... } finally { await img.close(); }
 *
 * or `withImage(source, fn)`. Temporary directories are registered with lifetime.ts, so
 * an interrupted command removes them too.
 */
import fs, { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildError, usageError, internalError } from '../errors.ts';
import { makeTempDir, removeTempDir } from '../lifetime.ts';
import { copySparse, readFull, writeNonZero } from '../sparse.ts';
import type { OpenedImage } from './types.ts';
import { decompressSparse } from './zstd.ts';

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** Size of a block device from sysfs (no ioctl in Node). */
function blockDeviceSize(st: fs.Stats, source: string): number {
  const major = Math.floor(st.rdev / 256) & 0xfff;
  const minor = (st.rdev & 0xff) | ((Math.floor(st.rdev / 0x100000) & 0xfff) << 8);
  try {
    return Number(fs.readFileSync(`/sys/dev/block/${major}:${minor}/size`, 'utf8').trim()) * 512;
  } catch (e) {
    throw buildError(`${source}: cannot read the size of the block device: ${(e as Error).message}`, e);
  }
}

async function readMagic(file: string): Promise<Buffer> {
  const fh = await fsp.open(file, 'r');
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await fh.read(b, 0, 4, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export async function openImage(source: string): Promise<OpenedImage> {
  let st: fs.Stats;
  try {
    st = await fsp.stat(source);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usageError(code === 'ENOENT' ? `${source}: no such image file` : `${source}: cannot open: ${(e as Error).message}`);
  }
  let tmp: string | undefined;
  let closed = false;
  const base = {
    source,
    async tmpDir() {
      if (closed) throw internalError('image already closed');
      tmp ??= await makeTempDir(os.tmpdir(), 'imgsmith-inspect-');
      return tmp;
    },
    async close() {
      closed = true;
      if (tmp) await removeTempDir(tmp);
      tmp = undefined;
    },
  };
  if (st.isBlockDevice()) {
    return { ...base, path: source, size: blockDeviceSize(st, source), kind: 'block-device' };
  }
  if (st.isDirectory()) throw usageError(`${source} is a directory, not an image`);
  if (!st.isFile()) throw usageError(`${source} is not a regular file or block device`);
  let magic: Buffer;
  try {
    magic = await readMagic(source);
  } catch (e) {
    throw usageError(`${source}: cannot read: ${(e as Error).message}`);
  }
  if (!magic.equals(ZSTD_MAGIC)) {
    if (/\.zst$/.test(source)) throw usageError(`${source}: not zstd data (no zstd magic number)`);
    return { ...base, path: source, size: st.size, kind: 'file' };
  }
  const img: OpenedImage = { ...base, path: '', size: 0, kind: 'zstd' };
  try {
    const dir = await img.tmpDir();
    const raw = path.join(dir, path.basename(source).replace(/\.zst$/, '') || 'image.img');
    img.decompressor = await decompressSparse(source, raw, source);
    img.path = raw;
    img.size = (await fsp.stat(raw)).size;
  } catch (e) {
    await img.close();
    throw e;
  }
  return img;
}

/** Opens `source`, runs fn, always closes. */
export async function withImage<T>(source: string, fn: (img: OpenedImage) => Promise<T>): Promise<T> {
  const img = await openImage(source);
  try {
    return await fn(img);
  } finally {
    await img.close();
  }
}

/** Reads exactly `length` bytes at `offset` (zeros past the end of the image). */
export async function readAt(file: string | fsp.FileHandle, offset: number, length: number): Promise<Buffer> {
  const fh = typeof file === 'string' ? await fsp.open(file, 'r') : file;
  try {
    const b = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await fh.read(b, done, length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return b;
  } finally {
    if (typeof file === 'string') await fh.close();
  }
}

/**
 * Copies bytes [offset, offset + size) of `image` (a file or a block device) into a new
 * sparse `file` of exactly `size` bytes (holes stay holes; a device's zero blocks become
 * holes), for tools that cannot read at an offset (fsck.fat, btrfs-progs).
 */
export async function copyPartition(image: string, offset: number, size: number, file: string): Promise<void> {
  if ((await fsp.stat(image)).isBlockDevice()) {
    // A device has no extents to follow (and stat() says 0 bytes): read it, skip the zeros.
    const src = await fsp.open(image, 'r');
    const dst = await fsp.open(file, 'w');
    try {
      const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
      for (let pos = 0; pos < size; pos += buf.length) {
        const len = Math.min(buf.length, size - pos);
        if ((await readFull(src.fd, buf, len, offset + pos)) < len) throw buildError(`${image} ends before byte ${offset + pos + len}`);
        await writeNonZero(dst, buf.subarray(0, len), pos);
      }
      await dst.truncate(size);
    } finally {
      await dst.close();
      await src.close();
    }
    return;
  }
  await copySparse(image, file, 0, { srcOffset: offset, length: size });
  // copySparse leaves a trailing hole short: the tools expect the partition's full size.
  await fsp.truncate(file, size);
}
