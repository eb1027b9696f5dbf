/** Small helpers shared by the on-disk codecs. */

/** A NUL-terminated (or NUL-padded) UTF-8 field. */
export function cstr(b: Buffer): string {
  const nul = b.indexOf(0);
  return (nul >= 0 ? b.subarray(0, nul) : b).toString('utf8');
}

/** The names of the set bits of `v` (bit i: names[i], else FEATURE_i). */
export function bitNames(v: number, names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < 32; i++) if (v & (1 << i)) out.push(names[i] ?? `FEATURE_${i}`);
  return out;
}
