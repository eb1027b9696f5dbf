/** Runs the real CLI (bin/imgsmith.js) in a child process. */
import { execa } from 'execa';
import { promises as fsp, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTool } from '../../src/tools/run.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(REPO, 'bin/imgsmith.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const r = await execa(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? REPO,
    env: { ...opts.env },
    reject: false,
    timeout: 300_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Every file under `dir` (relative paths), for "nothing left behind" checks. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    let ents;
    try {
      ents = await fsp.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of ents) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  await walk(dir);
  return out.sort();
}

/** Fills the new directory `dir` with symlinks to the commands of the directories `from` (in that order,
 *  the first of each name; unreadable ones skipped) that `keep` accepts: a PATH without some tools. */
export async function linkCommands(dir: string, from: string[], keep: (name: string) => boolean): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  const seen = new Set<string>();
  for (const d of from) {
    for (const name of await fsp.readdir(d).catch(() => [] as string[])) {
      if (seen.has(name) || !keep(name)) continue;
      seen.add(name);
      symlinkSync(path.join(d, name), path.join(dir, name)); // thousands of links: no promise per link
    }
  }
  return dir;
}

/**
 * Fills the new directory `dir` with a wrapper for each of `tools` (as found on the current PATH) that
 * appends the tool's name to `log` and runs it: with `dir` first on PATH, runs() counts the runs of
 * those tools since the log was last removed.
 */
export async function countingWrappers(dir: string, tools: string[], log: string): Promise<{ runs(): Promise<number> }> {
  await fsp.mkdir(dir, { recursive: true });
  for (const tool of tools) {
    const real = findTool(tool);
    if (!real) throw new Error(`countingWrappers: ${tool} is not on PATH`);
    await fsp.writeFile(path.join(dir, tool), `#!/bin/sh\necho ${tool} >> '${log}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
  }
  return { runs: async () => (await fsp.readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).length };
}
