/** GUID helpers for GPT: parsing, on-disk (mixed-endian) encoding, deterministic derivation. */
import { createHash } from 'node:crypto';
import { UUID_RE, uuidFromHash } from '../uuid.ts';

/** True for a GUID written as 8-4-4-4-12 hex digits (any case, no braces). */
export function isGuid(s: string): boolean {
  return UUID_RE.test(s);
}

/** The canonical (upper-case) form of a GUID string; the caller checks isGuid first. */
export function canonicalGuid(s: string): string {
  return s.toUpperCase();
}

/**
 * The 16 bytes of a GUID as stored in GPT structures: the first three fields
 * (32, 16, 16 bits) little-endian, the last 8 bytes in string order.
 */
export function guidToBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, '');
  const be = Buffer.from(hex, 'hex'); // string (big-endian) order
  const out = Buffer.alloc(16);
  out[0] = be[3]!; out[1] = be[2]!; out[2] = be[1]!; out[3] = be[0]!;
  out[4] = be[5]!; out[5] = be[4]!;
  out[6] = be[7]!; out[7] = be[6]!;
  be.copy(out, 8, 8, 16);
  return out;
}

/** Inverse of guidToBytes (upper case). */
export function bytesToGuid(b: Uint8Array): string {
  const be = Buffer.from([
    b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!,
    ...b.subarray(8, 16),
  ]);
  const h = be.toString('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Deterministic GUID derivation (like systemd-repart --seed, but simpler):
 *
 *   digest = SHA-256( UTF-8( "imgsmith:gpt:" + purpose + ":v1" ) || 0x00 ||
 *                     UTF-8(part[0]) || 0x00 || UTF-8(part[1]) || 0x00 || ... )
 *
 * The first 16 bytes of the digest, read in RFC 4122 string order, get the
 * version-4 bits (byte 6 = 0x4X) and the RFC 4122 variant bits (byte 8 = 10XXXXXX).
 * Used with purpose "disk-guid", parts [seed] for the disk GUID, and purpose
 * "partition-guid", parts [seed, partition name] for partition GUIDs.
 * Changing this changes every image built without explicit GUIDs: don't.
 */
export function deriveGuid(purpose: string, parts: string[]): string {
  const h = createHash('sha256');
  h.update(`imgsmith:gpt:${purpose}:v1`, 'utf8');
  for (const p of parts) {
    h.update(Buffer.from([0]));
    h.update(p, 'utf8');
  }
  return uuidFromHash(h.digest()).toUpperCase();
}
