/** Small helpers shared by the on-disk codecs. */

/** 16 bytes as a UUID string (lower case, 8-4-4-4-12). */
export function uuidString(b: Uint8Array): string {
  const h = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** A NUL-terminated (or NUL-padded) UTF-8 field. */
export function cstr(b: Buffer): string {
  const nul = b.indexOf(0);
  return (nul >= 0 ? b.subarray(0, nul) : b).toString('utf8');
}

/** Superblock times as every JSON output writes times (0, never, is 1970-01-01T00:00:00Z). */
export { jsonTime as isoTime } from '../json-output.ts';

/** The names of the set bits of `v` (bit i: names[i], else FEATURE_i). */
export function bitNames(v: number, names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < 32; i++) if (v & (1 << i)) out.push(names[i] ?? `FEATURE_${i}`);
  return out;
}
