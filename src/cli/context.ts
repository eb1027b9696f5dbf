/**
 * What every command module under src/cli/ shares: reporting an error as the one
 * `imgsmith: error: ...` line (and a JSON error event with --json), the interrupt handling
 * (src/lifetime.ts), the exit code, and writing escaped text or JSON to stdout.
 */
import type { Argv, CommandModule } from 'yargs';
import { describeError, shortenLong, signalExitCode, UsageError, type DescribeContext } from '../errors.ts';
import { errOut, onInterrupt } from '../lifetime.ts';
import { printable } from '../text.ts';
import { jsonText } from '../json-output.ts';
import { envFlag } from '../settings.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Cmd = CommandModule<any, any>;

/** A yargs handler typed by the module's own arguments. */
export const handler = <T>(fn: (a: T) => Promise<void>): Cmd['handler'] => fn as unknown as Cmd['handler'];

/** A line for the terminal: controls escaped, the rest as it is (names in it are escaped already). */
export const terminalLine = (s: string) => printable(s, { backslash: false });

/** Rendered text: names are escaped where they are formatted (src/text.ts); any control
 *  left (in a message or a tool's words) is escaped here, newlines and tabs kept. */
export const out = (s: string) => process.stdout.write(printable(s, { backslash: false, keep: '\n\t' }));

/** One JSON document (or event) on its own line. */
export const json1 = (v: object) => process.stdout.write(jsonText(v));

/** The --json option of the read-side commands. */
export const jsonOpt = (y: Argv, describe = 'Print one JSON document instead of text.') => y.option('json', { type: 'boolean', default: false, describe });

/** A command-line problem found by yargs (exit 2, printed as it is). */
export class UsageFailure extends UsageError {}

/** Prints the one line for `err` (and a JSON error event with --json); returns the exit code. */
export function reportError(err: unknown, json: boolean, ctx: DescribeContext = {}): number {
  const d = err instanceof UsageFailure ? { message: shortenLong(err.message.replace(/\s*\n\s*/g, ' ')), exitCode: 2 } : describeError(err, ctx);
  const line = 'interrupted' in d && d.interrupted ? d.message : `imgsmith: error: ${d.message}`;
  if (json) process.stdout.write(jsonText({ event: 'error', exitCode: d.exitCode, message: d.message }));
  errOut.write(`${terminalLine(line)}\n`);
  if (!(err instanceof UsageFailure) && err instanceof Error && envFlag('IMGSMITH_DEBUG')) {
    errOut.write(`${err.stack}\n`);
  }
  return d.exitCode;
}

/** SIGINT/SIGTERM/SIGHUP: kill child tools, remove temp dirs, one line, exit 128+n. */
export function onSignals(json: boolean, what: (published: boolean) => string): () => void {
  return onInterrupt(
    (sig, published) => `imgsmith: interrupted by ${sig}; ${what(published)}`,
    json ? (sig, message) => process.stdout.write(jsonText({ event: 'error', exitCode: signalExitCode(sig), signal: sig, message })) : undefined,
  );
}

/** What a command module gets from src/cli.ts. */
export interface CliContext {
  /** Sets the process's exit code (the last call wins). */
  setExit(code: number): void;
}

export interface GuardOptions {
  json: boolean;
  /** After "imgsmith: interrupted by SIGxxx; ": what happened to the work. */
  aborted: string | ((published: boolean) => string);
  /** For the error line (output directory, ...). */
  describe?: DescribeContext;
  /** The exit code of an error that would exit 1 (diff: 2, as 1 means "different"). */
  errorExit?: number;
}

/**
 * Runs a command's work with interrupt handling; its result (default 0) is the exit code,
 * an error is reported as the one line (src/errors.ts decides the code).
 */
export async function guarded(ctx: CliContext, o: GuardOptions, fn: () => Promise<number | void>): Promise<void> {
  const what = typeof o.aborted === 'string' ? () => o.aborted as string : o.aborted;
  const off = onSignals(o.json, what);
  try {
    ctx.setExit((await fn()) ?? 0);
  } catch (err) {
    const code = reportError(err, o.json, { interruptedNote: `; ${what(false)}`, ...o.describe });
    ctx.setExit(o.errorExit !== undefined && code === 1 ? o.errorExit : code);
  } finally {
    off();
  }
}
