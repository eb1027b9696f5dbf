/**
 * yargs' usage failures rewritten as one clear line: a mistyped command or option gets a
 * "did you mean" (an edit distance over the known names), a missing positional names the
 * command's usage and its --help.
 */

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name closest to `word` when it is close enough (at most a third of its letters wrong, at least 1). */
export function closest(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const k of known) {
    const dist = editDistance(word.toLowerCase(), k.toLowerCase());
    if (dist < bestD || (dist === bestD && best !== undefined && k < best)) [best, bestD] = [k, dist];
  }
  return best;
}

/** `-x` or `--name` as typed on the command line. */
const dash = (o: string) => (o.length === 1 ? `-${o}` : `--${o}`);

export interface UsageInfo {
  /** The command given (first word), if any. */
  command?: string;
  /** Every command name. */
  commands: readonly string[];
  /** Each command's yargs form ("build <spec>"), by name. */
  forms?: Readonly<Record<string, string>>;
  /** The options (and aliases) of the command yargs was parsing, or the top level's. */
  options: readonly string[];
  /** The command line as given. */
  argv: readonly string[];
}

/** Whether `w` (from "Unknown argument: w") was typed as an option (--w, --w=..., --no-w, -w) rather than as an extra argument. */
function typedAsOption(w: string, argv: readonly string[]): boolean {
  return argv.some((a) => a === `--${w}` || a.startsWith(`--${w}=`) || a === `--no-${w}` || (w.length === 1 && /^-[^-]/.test(a) && a.includes(w)));
}

/** "unknown option --clousre (did you mean --closure?)", or the extra arguments. */
function unknownWords(words: string[], info: UsageInfo, help: string): string {
  const opts = info.options.filter((o) => o.length === 1 || !/[A-Z]/.test(o));
  const hints = words.map((w) => {
    if (!typedAsOption(w, info.argv)) return `"${w}"`;
    // A single letter is close to every other one: no guess for it.
    const guess = w.length > 1 ? closest(w, opts.filter((o) => o.length > 1)) : undefined;
    return `${dash(w)}${guess ? ` (did you mean ${dash(guess)}?)` : ''}`;
  });
  if (hints.every((h) => h.startsWith('-'))) return `unknown option${hints.length === 1 ? '' : 's'} ${hints.join(', ')}; ${help}`;
  return `unexpected argument${hints.length === 1 ? '' : 's'} ${hints.join(', ')} (quote a name with spaces; a glob must match one image); ${help}`;
}

/** One line for a yargs failure message. */
export function usageMessage(msg: string, info: UsageInfo): string {
  const help = `see imgsmith ${info.command && info.commands.includes(info.command) ? `${info.command} ` : ''}--help`;
  const unknownCmd = /^Did you mean (.+)\?$/.exec(msg);
  if (unknownCmd) return `unknown command "${info.command ?? ''}": did you mean ${unknownCmd[1]}? (commands: ${info.commands.join(', ')})`;
  if (info.command === undefined) {
    // No command, but options: a mistyped --version or --help is the likelier mistake.
    const typed = info.argv.filter((a) => a.startsWith('-') && a !== '--').map((a) => a.replace(/^--?/, '').split('=')[0]!);
    const strange = typed.filter((t) => !info.options.includes(t) && t.length > 1 && closest(t, info.options) !== undefined);
    if (strange.length) return unknownWords(strange, info, help);
  }
  const unknown = /^Unknown arguments?: (.+)$/.exec(msg);
  if (unknown) {
    const words = unknown[1]!.split(', ');
    if (info.command !== undefined && !info.commands.includes(info.command) && words[0] === info.command) {
      const guess = closest(info.command, info.commands);
      return `unknown command "${info.command}"${guess ? `: did you mean ${guess}?` : ''} (commands: ${info.commands.join(', ')})`;
    }
    return unknownWords(words, info, help);
  }
  const few = /^Not enough non-option arguments: got (\d+), need at least (\d+)$/.exec(msg);
  if (few) {
    const form = info.command !== undefined ? info.forms?.[info.command] : undefined;
    const missing = (form?.match(/<[^>]+>/g) ?? []).slice(Number(few[1])).map((p) => p.slice(1, -1).toUpperCase());
    const what = missing.length ? missing.join(' and ') : `${Number(few[2]) - Number(few[1])} more arguments`;
    return `${info.command ?? 'imgsmith'}: missing ${what} (usage: imgsmith ${form ?? '<command>'}); ${help}`;
  }
  const many = /^Too many non-option arguments: got (\d+), maximum of (\d+)$/.exec(msg);
  if (many) return `${info.command ?? 'imgsmith'}: too many arguments (got ${many[1]}, at most ${many[2]}; quote a name with spaces, and give --partition N instead of a glob that matches several images); ${help}`;
  return `${msg.replace(/\s*\n\s*/g, ' ')}; ${help}`;
}
