/**
 * Nix-store-shaped fixtures shared by the test fixtures (test/helpers/boot-fixture.ts) and
 * the benchmark's closures (bench/closure.ts): store path hashes and the initrd's cpio.
 * NAR hashing and nix-base32 are the product's (src/content/nix-store.ts).
 */
import { createHash } from 'node:crypto';
import { nixBase32 } from '../../src/content/nix-store.ts';

/** Nix's compressHash: XOR-folds a hash to `size` bytes (store path hashes are 20 bytes). */
function compressHash(hash: Uint8Array, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < hash.length; i++) out[i % size]! ^= hash[i]!;
  return out;
}

/** The hash part of a store path made from `fingerprint` as Nix makes it: sha256, folded to 20 bytes, nix-base32. */
export function storePathHash(fingerprint: string): string {
  return nixBase32(compressHash(createHash('sha256').update(fingerprint).digest(), 20));
}

// ---------------------------------------------------------------------------------------
// cpio (newc) writer for the initrd

export type CpioEntry =
  | { kind: 'dir'; path: string; mode: number }
  | { kind: 'file'; path: string; mode: number; data: Buffer }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; mode: number; major: number; minor: number };

/** A deterministic newc archive (mtime 0, uid/gid 0, sequential inode numbers). */
export function cpioNewc(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let off = 0;
  const push = (b: Buffer) => {
    parts.push(b);
    off += b.length;
  };
  const align4 = () => {
    const p = (4 - (off % 4)) % 4;
    if (p) push(Buffer.alloc(p));
  };
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const header = (ino: number, mode: number, nlink: number, size: number, rmaj: number, rmin: number, name: string) => {
    const nameBuf = Buffer.from(name + '\0');
    push(Buffer.from('070701' + [ino, mode, 0, 0, nlink, 0, size, 0, 0, rmaj, rmin, nameBuf.length, 0].map(hex).join('')));
    push(nameBuf);
    align4();
  };
  let ino = 1;
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    switch (e.kind) {
      case 'dir':
        header(ino++, 0o040000 | e.mode, 2, 0, 0, 0, name);
        break;
      case 'file':
        header(ino++, 0o100000 | e.mode, 1, e.data.length, 0, 0, name);
        push(e.data);
        align4();
        break;
      case 'symlink': {
        const t = Buffer.from(e.target);
        header(ino++, 0o120777, 1, t.length, 0, 0, name);
        push(t);
        align4();
        break;
      }
      case 'chardev':
        header(ino++, 0o020000 | e.mode, 1, 0, e.major, e.minor, name);
        break;
    }
  }
  header(0, 0, 1, 0, 0, 0, 'TRAILER!!!');
  // Pad to 512 bytes like cpio(1).
  const p = (512 - (off % 512)) % 512;
  if (p) push(Buffer.alloc(p));
  return Buffer.concat(parts);
}
