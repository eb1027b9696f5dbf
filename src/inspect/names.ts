/**
 * The policy for entry names read from an image (byte strings, see src/content/tree.ts).
 * The readers return names as the filesystem holds them; the commands that act on them
 * ask here:
 *  - no filesystem may hold an empty name, "." or ".." as an entry, a name with "/" or a
 *    NUL byte, or one longer than 255 bytes (`badName`): `extract` refuses such an entry
 *    and `verify` fails on it;
 *  - FAT long names must not hold controls (< 0x20) or any of " * : < > ? \ | either
 *    (`badFatName`, for verify);
 *  - a symlink target must be 1 to 4095 bytes without NUL (`badLinkTarget`).
 * Control bytes and invalid UTF-8 are legal in ext4 and btrfs names (and on the host):
 * they are extracted byte for byte and only ever printed escaped (src/text.ts).
 */

/** Bytes in a name (NAME_MAX on Linux, ext4 and btrfs). */
export const NAME_MAX = 255;
/** Bytes in a symlink target (PATH_MAX - 1). */
export const TARGET_MAX = 4095;

/** Why no filesystem may hold `name` (a byte string) as an entry; undefined when it may. */
export function badName(name: string): string | undefined {
  if (name === '') return 'the name is empty';
  if (name === '.' || name === '..') return `the name is "${name}"`;
  if (name.includes('/')) return 'the name contains "/"';
  if (name.includes('\0')) return 'the name contains a NUL byte';
  if (name.length > NAME_MAX) return `the name is ${name.length} bytes long (at most ${NAME_MAX})`;
  return undefined;
}

// eslint-disable-next-line no-control-regex
const FAT_FORBIDDEN = /[\x00-\x1f"*:<>?\\|\x7f]/;

/** badName, plus what a FAT long name must not contain (the name is UTF-8 bytes here). */
export function badFatName(name: string): string | undefined {
  const why = badName(name);
  if (why) return why;
  const m = FAT_FORBIDDEN.exec(name);
  if (m) return `the name contains ${m[0] < ' ' || m[0] === '\x7f' ? `the control byte 0x${m[0].charCodeAt(0).toString(16).padStart(2, '0')}` : `"${m[0]}"`}, which FAT forbids`;
  return undefined;
}

/** Why `target` (a byte string) cannot be a symlink's target; undefined when it can. */
export function badLinkTarget(target: string | undefined): string | undefined {
  if (target === undefined || target === '') return 'its target is empty';
  if (target.includes('\0')) return 'its target contains a NUL byte';
  if (target.length > TARGET_MAX) return `its target is ${target.length} bytes long (at most ${TARGET_MAX})`;
  return undefined;
}
