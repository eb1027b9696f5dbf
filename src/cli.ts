/**
 * The command line: `main` sets up the process and yargs, and registers the commands, one
 * module each in src/cli/ (build, boot-test, inspect, ls, cat, extract, diff, verify, flash;
 * what they share is src/cli/context.ts, the usage-error lines src/cli/usage.ts).
 * Exit codes: see EXIT_CODES.
 */
import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { describeError } from './errors.ts';
import { cleanupSync, errOut, initProcess } from './lifetime.ts';
import { envFlag } from './settings.ts';
import { reportError, terminalLine, UsageFailure, type CliContext, type Cmd } from './cli/context.ts';
import { usageMessage } from './cli/usage.ts';
import { buildCommand } from './cli/build.ts';
import { bootTestCommand } from './cli/boot-test.ts';
import { inspectCommand } from './cli/inspect.ts';
import { lsCommand } from './cli/ls.ts';
import { catCommand } from './cli/cat.ts';
import { extractCommand } from './cli/extract.ts';
import { diffCommand } from './cli/diff.ts';
import { verifyCommand } from './cli/verify.ts';
import { flashCommand } from './cli/flash.ts';

/** Where the spec validator came from (the tests ask lib/cli.bundle.js: src/spec-schema.ts). */
export { specValidatorSource } from './spec-schema.ts';

/** The commands, in the order --help lists them. */
const COMMANDS: readonly ((ctx: CliContext) => Cmd)[] = [
  buildCommand, bootTestCommand, inspectCommand, lsCommand, catCommand, extractCommand, diffCommand, verifyCommand, flashCommand,
];

/** What the exit codes mean (src/errors.ts, src/lifetime.ts, bin/imgsmith.js), for the top-level --help. */
export const EXIT_CODES = [
  'Exit codes:',
  '  0    success (diff: the images are identical)',
  '  1    failure: a build, boot test, check or tool failed, an input is missing or bad (diff: the images differ)',
  '  2    usage or spec error (diff: any error)',
  '  129, 130, 143  interrupted by SIGHUP, SIGINT (Ctrl-C), SIGTERM (128 + the signal number); temporary files removed',
  '  141  stdout closed early by its reader (EPIPE, e.g. `imgsmith cat ... | head`)',
].join('\n');

/** imgsmith's version (package.json, found from this file: works from any directory). */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/**
 * stdout closed by its reader (`imgsmith cat ... | head`): stop quietly, as coreutils do
 * when SIGPIPE ends them: no message, temporary files removed, exit 141 (128 + SIGPIPE).
 */
function onStdoutError(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE') return onStrayError(err);
  cleanupSync();
  process.exit(141);
}

/** Errors outside main's control flow (an event handler, a stray promise): one line too, never a stack trace. */
function onStrayError(err: unknown): void {
  cleanupSync();
  const d = describeError(err);
  errOut.write(`${terminalLine(`imgsmith: error: ${d.message}`)}\n`);
  if (err instanceof Error && envFlag('IMGSMITH_DEBUG')) errOut.write(`${err.stack}\n`);
  process.exit(d.exitCode);
}

function installProcessHandlers(): void {
  initProcess();
  if (process.listenerCount('uncaughtException') === 0) process.on('uncaughtException', onStrayError);
  if (process.listenerCount('unhandledRejection') === 0) process.on('unhandledRejection', onStrayError);
  if (!process.stdout.listeners('error').includes(onStdoutError)) process.stdout.on('error', onStdoutError);
}

/** `cmd` with a builder that also notes the options it declares (for "did you mean --closure?"). */
function noteOptions(cmd: Cmd, seen: { options: string[] }): Cmd {
  const build = cmd.builder as (y: Argv) => Argv;
  return {
    ...cmd,
    builder: (y: Argv) => {
      const r = build(y);
      const o = (r as unknown as { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> } }).getOptions();
      seen.options = [...Object.keys(o.key), ...Object.values(o.alias).flat()];
      return r;
    },
  };
}

/**
 * yargs renders the whole help text of a command each time that command's handler starts
 * (usage's cacheHelpMessage, kept so that a showHelp() after the handler's first await still
 * shows that command's help): 40-70 ms of CPU per command line, more than the start of a short
 * command. imgsmith never shows help once a handler runs (--help is answered before, and .fail
 * throws), so the cache is never read: the method becomes a no-op. A yargs without it (an internal
 * of yargs 17 and 18) is left alone; test/cli-conventions.test.ts checks that the bundled one has it.
 */
export function skipHelpCache(y: Argv): boolean {
  const internal = (y as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: unknown } } }).getInternalMethods?.();
  const usage = internal?.getUsageInstance?.();
  if (!usage || typeof usage.cacheHelpMessage !== 'function') return false;
  usage.cacheHelpMessage = () => {};
  return true;
}

function makeParser(argv: string[], ctx: CliContext): Argv {
  const cmds = COMMANDS.map((c) => c(ctx));
  const names = cmds.map((c) => String(c.command).split(' ')[0]!);
  const forms = Object.fromEntries(cmds.map((c, i) => [names[i]!, String(c.command)]));
  const seen = { options: ['help', 'h', 'version', 'V'] };
  let y = yargs(argv)
    .scriptName('imgsmith')
    .usage('$0 <command> [options]\n\nBuilds reproducible, flashable disk images from a JSON image spec and a Nix closure, and reads, checks and writes them.');
  for (const c of cmds) y = y.command(noteOptions(c, seen));
  skipHelpCache(y);
  return y
    .demandCommand(1, `name a command: ${names.join(', ')}`)
    .recommendCommands()
    .strict()
    .help()
    .alias('h', 'help')
    .version(version())
    .alias('V', 'version')
    .example('$0 build images/rpi-aarch64.json --closure ./closure --toplevel ./system --firmware ./firmware -o out', 'Build an image')
    .example('$0 ls out/*.img.zst --partition 2 /', 'List the root of partition 2 of the built image')
    .epilogue(`${EXIT_CODES}\n\nEvery command has its own --help, with examples.`)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      const command = argv.find((a) => names.includes(a)) ?? argv.find((a) => !a.startsWith('-'));
      throw err ?? new UsageFailure(usageMessage(msg, { ...(command !== undefined ? { command } : {}), commands: names, forms, options: seen.options, argv }));
    });
}

export async function main(argv: string[]): Promise<number> {
  installProcessHandlers();
  let exitCode = 0;
  const ctx: CliContext = { setExit: (code) => void (exitCode = code) };
  try {
    await makeParser(argv, ctx).parseAsync();
  } catch (err) {
    return reportError(err, argv.includes('--json'));
  }
  return exitCode;
}
