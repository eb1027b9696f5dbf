/**
 * Filesystem labels: the checks every filesystem shares. What each filesystem can store is
 * its driver's `label` rule (src/fs/<type>.ts): its name in messages, its byte limit and its
 * own restrictions (FAT: ASCII, no *?.,;:/\|+=<>[]"). A label that does not fit is an error
 * naming the limit; labels are never truncated or case-changed (a FAT label "boot" is
 * written as "boot", as `mkfs.vfat -n boot` does, so /dev/disk/by-label/boot exists).
 */

/** What a filesystem's label can hold. */
export interface LabelRule {
  /** The filesystem's name in messages ("FAT", "ext4"). */
  readonly name: string;
  /** Bytes of UTF-8 the label field holds (without a terminating NUL). */
  readonly maxBytes: number;
  /** The filesystem's own restrictions, checked after the shared ones: why not, or null. */
  problem?(label: string): string | null;
}

/** Why `label` cannot be stored under `rule`, or null when it can. */
export function labelProblem(rule: LabelRule, label: string): string | null {
  const { name, maxBytes: max } = rule;
  const n = Buffer.byteLength(label, 'utf8');
  if (n === 0) return `the ${name} label is empty; leave "label" out for no label`;
  if (n > max) return `the ${name} label "${label}" is ${n} bytes long; ${name} labels hold at most ${max} bytes`;
  for (const ch of label) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c === 0x7f) return `the ${name} label ${JSON.stringify(label)} contains a control character`;
  }
  return rule.problem?.(label) ?? null;
}
