/** Runs the real CLI (bin/imgsmith.js) in a child process. */
import { execa } from 'execa';
import { promises as fsp, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
