/** Runs the real CLI (bin/imgsmith.js) in a child process. */
import { execa } from 'execa';
import { promises as fsp } from 'node:fs';
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
  const r = await execa('node', [CLI, ...args], {
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

/** Copies a byte range of a file into a new file (to check one partition with fsck tools). */
export async function extractRange(src: string, offset: number, size: number, dst: string): Promise<void> {
  const inp = await fsp.open(src, 'r');
  const out = await fsp.open(dst, 'w');
  try {
    await out.truncate(size);
    const buf = Buffer.alloc(4 * 1024 * 1024);
    for (let done = 0; done < size; ) {
      const n = Math.min(buf.length, size - done);
      const { bytesRead } = await inp.read(buf, 0, n, offset + done);
      if (bytesRead === 0) break;
      if (buf.subarray(0, bytesRead).some((b) => b !== 0)) await out.write(buf, 0, bytesRead, done);
      done += bytesRead;
    }
  } finally {
    await inp.close();
    await out.close();
  }
}
