/**
 * The read-side commands for src/cli.ts: inspect, ls, cat, extract, diff. Each prints
 * human text, or one JSON document with --json. Errors go through the caller's error
 * reporting (src/errors.ts mapping).
 */
import type { Argv, CommandModule } from 'yargs';
import { diffImages, renderDiff } from './diff.ts';
import { catFile, inspectImage, lsImage, renderInspect, renderLs, entryJson } from './commands.ts';
import { extractPath } from './extract.ts';
import { printable } from '../text.ts';
import { jsonText } from '../json-output.ts';
import { show } from '../content/tree.ts';

export interface CommandContext {
  /** Reports an error (one line, JSON event with --json); sets the exit code. */
  fail(err: unknown, json: boolean, exitCode?: number): void;
  setExit(code: number): void;
  /** Installs SIGINT/SIGTERM/SIGHUP handling (temporary files removed); returns the uninstaller. */
  onSignals(json: boolean): () => void;
}

/** Rendered text: names are escaped where they are formatted (src/text.ts); any control
 *  left (in a message or a tool's words) is escaped here, newlines and tabs kept. */
const out = (s: string) => process.stdout.write(printable(s, { backslash: false, keep: '\n\t' }));
const json1 = (v: object) => process.stdout.write(jsonText(v));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Cmd = CommandModule<any, any>;
const h = <T>(fn: (a: T) => Promise<void>): Cmd['handler'] => fn as unknown as Cmd['handler'];

export function inspectCommands(ctx: CommandContext): Cmd[] {
  const run = async (json: boolean, fn: () => Promise<void>, errorExit?: number) => {
    const off = ctx.onSignals(json);
    try {
      await fn();
    } catch (err) {
      ctx.fail(err, json, errorExit);
    } finally {
      off();
    }
  };
  const jsonOpt = (y: Argv) => y.option('json', { type: 'boolean', default: false, describe: 'Print one JSON document instead of text.' });

  const inspect: Cmd = {
    command: 'inspect <image>',
    describe: 'Show the partition table and the filesystems of an image (.img, .img.zst or a block device).',
    builder: (y: Argv) => jsonOpt(y.positional('image', { type: 'string', demandOption: true })),
    handler: h((a: { image: string; json: boolean }) => run(a.json, async () => {
      const r = await inspectImage(a.image);
      if (a.json) json1(r);
      else out(renderInspect(r));
    })),
  };

  const ls: Cmd = {
    command: 'ls <target> [path]',
    describe: 'List a directory in a partition (IMAGE:PARTITION, PARTITION a number, GPT name or label), or the partitions of IMAGE.',
    builder: (y: Argv) =>
      jsonOpt(
        y
          .positional('target', { type: 'string', demandOption: true, describe: 'IMAGE or IMAGE:PARTITION' })
          .positional('path', { type: 'string', describe: 'Path inside the filesystem (default /).' })
          .option('l', { type: 'boolean', default: false, describe: 'Long listing: type, mode, owner, size, mtime, symlink targets.' })
          .option('R', { type: 'boolean', default: false, describe: 'Recursive.' }),
      ),
    handler: h((a: { target: string; path?: string; l: boolean; R: boolean; json: boolean }) => run(a.json, async () => {
      const r = await lsImage(a.target, a.path, { recursive: a.R });
      // Paths in the shown form, as entryJson writes them (a byte string is not JSON text).
      if (a.json) json1({ ...r, ...(r.path !== undefined ? { path: show(r.path) } : {}), ...(r.entries ? { entries: r.entries.map(entryJson) } : {}) });
      else out(renderLs(r, { long: a.l, recursive: a.R }));
    })),
  };

  const cat: Cmd = {
    command: 'cat <target> <path>',
    describe: 'Write a file from a partition (IMAGE:PARTITION) to stdout.',
    builder: (y: Argv) =>
      jsonOpt(y.positional('target', { type: 'string', demandOption: true }).positional('path', { type: 'string', demandOption: true })),
    handler: h((a: { target: string; path: string; json: boolean }) => run(a.json, () => catFile(a.target, a.path, process.stdout, a.json))),
  };

  const extract: Cmd = {
    command: 'extract <target> <path> <dest>',
    describe: 'Copy a file or directory tree out of a partition (IMAGE:PARTITION) to DEST (modes and mtimes kept).',
    builder: (y: Argv) =>
      jsonOpt(
        y
          .positional('target', { type: 'string', demandOption: true })
          .positional('path', { type: 'string', demandOption: true })
          .positional('dest', { type: 'string', demandOption: true }),
      ),
    handler: h((a: { target: string; path: string; dest: string; json: boolean }) => run(a.json, async () => {
      const r = await extractPath(a.target, a.path, a.dest);
      if (a.json) json1(r);
      else {
        out(`${r.dest}: ${r.files} files (${r.bytes} bytes), ${r.dirs} directories, ${r.symlinks} symlinks\n`);
        for (const s of r.skipped) out(`skipped (not a file, directory or symlink): ${s}\n`);
      }
    })),
  };

  const diff: Cmd = {
    command: 'diff <a> <b>',
    describe: 'Explain how two images differ: table, filesystem fields (UUID, label, hash seed, times), files added/removed/changed. Exit 0 identical, 1 different, 2 error.',
    builder: (y: Argv) =>
      jsonOpt(y.positional('a', { type: 'string', demandOption: true }).positional('b', { type: 'string', demandOption: true })),
    handler: h((a: { a: string; b: string; json: boolean }) => run(a.json, async () => {
      const r = await diffImages(a.a, a.b);
      if (a.json) json1(r);
      else out(renderDiff(r));
      ctx.setExit(r.identical ? 0 : 1);
    }, 2)),
  };

  return [inspect, ls, cat, extract, diff];
}
