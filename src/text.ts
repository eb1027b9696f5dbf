/**
 * Text that reaches a terminal. Names, labels, partition names and paths come from images
 * and must never act as terminal commands (colours, window titles, cursor moves, forged
 * lines), so everything printed goes through `printable()` (Unicode text: GPT names,
 * labels, messages) or `printableBytes()` (byte strings: file names, paths, symlink
 * targets, see src/content/tree.ts). Both write:
 *  - C0 controls (newline and tab too), DEL and C1 controls (U+0080-U+009F) as `\xNN`;
 *  - a backslash as `\\` (so an escape is never ambiguous), unless `backslash: false`;
 *  - lone UTF-16 surrogates and the bidirectional controls (U+061C, U+200E/F,
 *    U+202A-U+202E, U+2066-U+2069, which reorder what follows them) as `\u{XXXX}`;
 *  - for byte strings, bytes that are not valid UTF-8 as `\xNN`.
 * Other printable Unicode is kept. A byte string's escaped form can be given back to the
 * read commands (`\xNN` is that byte, `\\` a backslash; see normPath in src/inspect/commands.ts).
 */

export interface PrintableOptions {
  /** Escape `\` as `\\` (default true). False for text that already holds escaped names
   *  (an error message): only controls are escaped then. */
  backslash?: boolean;
  /** Characters kept as they are (e.g. "\n\t" for whole rendered output). */
  keep?: string;
}

const hex2 = (n: number) => `\\x${n.toString(16).padStart(2, '0')}`;

/** Bidirectional formatting characters (they reorder the text after them on screen). */
const isBidi = (cp: number) => cp === 0x061c || cp === 0x200e || cp === 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
const isControl = (cp: number) => cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);

// eslint-disable-next-line no-control-regex
const PLAIN = /^[\x20-\x5b\x5d-\x7e]*$/;

/** Unicode text as it may be printed (see above). */
export function printable(s: string, opts: PrintableOptions = {}): string {
  if (PLAIN.test(s)) return s;
  const backslash = opts.backslash ?? true;
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (isControl(cp)) out += opts.keep?.includes(ch) ? ch : hex2(cp);
    else if (ch === '\\') out += backslash ? '\\\\' : ch;
    else if (isBidi(cp) || (cp >= 0xd800 && cp <= 0xdfff)) out += `\\u{${cp.toString(16)}}`;
    else out += ch;
  }
  return out;
}

/** The length of the valid UTF-8 sequence at b[i] and its code point, or undefined. */
function utf8At(b: Buffer, i: number): { len: number; cp: number } | undefined {
  const c = b[i]!;
  const len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (!len || i + len > b.length) return undefined;
  let cp = c & (len === 2 ? 0x1f : len === 3 ? 0x0f : 0x07);
  for (let k = 1; k < len; k++) {
    const x = b[i + k]!;
    if ((x & 0xc0) !== 0x80) return undefined;
    cp = (cp << 6) | (x & 0x3f);
  }
  const min = len === 2 ? 0x80 : len === 3 ? 0x800 : 0x10000;
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
  return { len, cp };
}

/** A byte string (latin1: one char per byte) or Buffer as it may be printed: UTF-8 where
 *  valid, other bytes, controls and bidirectional controls as `\xNN` (see above). */
export function printableBytes(s: string | Buffer): string {
  if (typeof s === 'string' && PLAIN.test(s)) return s;
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  let out = '';
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      out += c < 0x20 || c === 0x7f ? hex2(c) : c === 0x5c ? '\\\\' : String.fromCharCode(c);
      i++;
      continue;
    }
    const u = utf8At(b, i);
    if (!u) {
      out += hex2(c);
      i++;
      continue;
    }
    if (isControl(u.cp) || isBidi(u.cp)) for (let k = 0; k < u.len; k++) out += hex2(b[i + k]!);
    else out += String.fromCodePoint(u.cp);
    i += u.len;
  }
  return out;
}

/**
 * JSON for stdout: JSON.stringify escapes C0 controls but writes DEL, C1 controls
 * (U+009B is CSI to some terminals), U+2028/U+2029 and bidirectional controls raw;
 * these become \uXXXX here (the same JSON value).
 */
export function safeJson(v: unknown, indent?: number): string {
  return JSON.stringify(v, null, indent).replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
