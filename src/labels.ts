/**
 * Filesystem labels: what each filesystem can store. A label that does not fit
 * is an error naming the limit; labels are never truncated or case-changed
 * (a FAT label "boot" is written as "boot", as `mkfs.vfat -n boot` does, so
 * /dev/disk/by-label/boot exists).
 */

/** Characters mkfs.fat 4.2 refuses in a label (besides control characters). */
export const FAT_LABEL_FORBIDDEN = '*?.,;:/\\|+=<>[]"';

/** Byte limits: FAT BS_VolLab 11, ext4 s_volume_name 16, btrfs 255 (+NUL), swap 15 (+NUL, as mkswap). */
export const LABEL_MAX_BYTES = { vfat: 11, ext4: 16, btrfs: 255, swap: 15 } as const;

export type LabelledFs = keyof typeof LABEL_MAX_BYTES;

const FS_NAME: Record<LabelledFs, string> = { vfat: 'FAT', ext4: 'ext4', btrfs: 'btrfs', swap: 'swap' };

/** Why `label` cannot be stored as a label of `fs`, or null when it can. */
export function labelProblem(fs: LabelledFs, label: string): string | null {
  const name = FS_NAME[fs];
  const max = LABEL_MAX_BYTES[fs];
  const n = Buffer.byteLength(label, 'utf8');
  if (n === 0) return `the ${name} label is empty; leave "label" out for no label`;
  if (n > max) return `the ${name} label "${label}" is ${n} bytes long; ${name} labels hold at most ${max} bytes`;
  for (const ch of label) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c === 0x7f) return `the ${name} label ${JSON.stringify(label)} contains a control character`;
    if (fs === 'vfat') {
      if (c > 0x7e) return `the FAT label "${label}" contains the non-ASCII character "${ch}"; FAT labels are ASCII`;
      if (FAT_LABEL_FORBIDDEN.includes(ch)) {
        return `the FAT label "${label}" contains "${ch}"; FAT labels cannot contain any of ${FAT_LABEL_FORBIDDEN} or control characters`;
      }
    }
  }
  if (fs === 'vfat' && label.startsWith(' ')) return `the FAT label "${label}" starts with a space`;
  return null;
}
