/** UUIDs: the one pattern, and deterministic UUIDs made from a hash. */

/** A UUID written as 8-4-4-4-12 hex digits (any case, no braces). */
export const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * A v4-shaped UUID (version 4, RFC 4122 variant; lower case) from the first 16 bytes of
 * `digest` (e.g. a SHA-256): how imgsmith derives every UUID and GUID a spec does not give,
 * so builds stay reproducible. Changing it changes every such image: don't.
 */
export function uuidFromHash(digest: Uint8Array): string {
  const d = Buffer.from(digest.subarray(0, 16));
  d[6] = (d[6]! & 0x0f) | 0x40;
  d[8] = (d[8]! & 0x3f) | 0x80;
  return uuidString(d);
}

/** 16 bytes as a UUID string (lower case, 8-4-4-4-12), as blkid shows a filesystem UUID. */
export function uuidString(b: Uint8Array): string {
  const h = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
