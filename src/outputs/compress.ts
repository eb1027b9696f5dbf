/**
 * Image compression with the `zstd` command-line tool, like nixpkgs'
 * sd-image.nix (`zstd -T$NIX_BUILD_CORES --rm $img`, i.e. the default level 3).
 *
 * zstd reads the image file itself and writes the compressed frame to its
 * stdout, which is written to the output file and hashed as it arrives, so the
 * .img.zst is never read back. The bytes are those of `zstd -T0 -<level> img`:
 *  - the multi-threaded output of the zstd CLI (1.5.4) is the same for any thread
 *    count (-T1, -T2, -T0 ...; only --single-thread differs), so -T0 keeps it
 *    byte-identical across machines;
 *  - zstd must read a file, not a pipe: from a file it knows the size (the frame
 *    header records it) and ends the frame with the last data block. From stdin,
 *    even with --stream-size=N, it learns about the end only from an empty read,
 *    and when N is a multiple of its job size (disk images usually are) the frame
 *    ends with an extra empty block: 3 bytes longer, different bytes.
 *  - `-c` (stdout) and `-o file` write the same bytes.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readdir, readFile, readlink, realpath, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { toolFailed, usageError } from '../errors.ts';
import type { Output } from './types.ts';

/** nixpkgs' sd-image.nix runs `zstd` without a level, i.e. level 3. */
export const DEFAULT_ZSTD_LEVEL = 3;
/** zstd levels 1..19, and 20..22 with --ultra. */
export const MAX_ZSTD_LEVEL = 22;

/** How much of zstd's stderr is kept for the error message. */
const STDERR_KEEP = 4096;
/** Buffered output between zstd's stdout and the file (keeps zstd from waiting on each write). */
const OUT_BUFFER = 1024 * 1024;

/** The zstd command line that compresses `input` to stdout. */
export function zstdArgs(input: string, level: number): string[] {
  if (!Number.isInteger(level) || level < 1 || level > MAX_ZSTD_LEVEL) {
    throw usageError(`zstd level ${level} is invalid: use an integer from 1 to ${MAX_ZSTD_LEVEL}`);
  }
  const args = ['-T0', `-${level}`, '-q', '--no-progress', '-f', '-c'];
  if (level > 19) args.unshift('--ultra');
  // "--" so that a file name starting with "-" is not taken as an option.
  args.push('--', input);
  return args;
}

/**
 * The read position of `pid`'s open file descriptor for `file`, from
 * /proc/PID/fdinfo (Linux). Returns undefined when it cannot be found.
 */
async function readPosition(pid: number, file: string, fdHint: { fd?: string }): Promise<number | undefined> {
  const dir = `/proc/${pid}/fd`;
  try {
    if (fdHint.fd === undefined) {
      for (const fd of await readdir(dir)) {
        let target: string;
        try {
          target = await readlink(`${dir}/${fd}`);
        } catch {
          continue;
        }
        if (target === file) {
          fdHint.fd = fd;
          break;
        }
      }
      if (fdHint.fd === undefined) return undefined;
    }
    const info = await readFile(`/proc/${pid}/fdinfo/${fdHint.fd}`, 'utf8');
    const m = /^pos:\s*(\d+)/m.exec(info);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface ZstdRun {
  /** Settles once zstd exited and the output is complete: its size and SHA-256. On failure
   *  the output file is removed and the error is a build error naming the problem. */
  result: Promise<{ size: number; sha256: string }>;
  /** How far zstd has read the input (bytes), or undefined when that cannot be seen. */
  position(): Promise<number | undefined>;
  /** Stops zstd (when the build failed elsewhere); `result` then rejects. */
  abort(): void;
}

/** Starts `zstd -T0 -<level> -c input`, writing its stdout to `output` (created or replaced). */
export function startZstd(input: string, output: string, level: number): ZstdRun {
  const args = zstdArgs(input, level);
  const child = spawn('zstd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    if (stderr.length < STDERR_KEEP) stderr += s;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });

  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  const written = pipeline(child.stdout, tap, createWriteStream(output, { highWaterMark: OUT_BUFFER }));
  written.catch(() => undefined); // reported through `result`
  let aborted = false;

  const result = (async () => {
    const [exit, write] = await Promise.all([exited, written.then(() => undefined, (err: Error) => err)]);
    let problem: string | undefined;
    if (exit.error?.code === 'ENOENT') problem = 'zstd was not found: install it (Debian package "zstd")';
    else if (exit.error) problem = `cannot run zstd: ${exit.error.message}`;
    else if (aborted) problem = 'zstd was stopped';
    else if (write) problem = `cannot write ${output}: ${write.message}`;
    else if (exit.code !== 0) {
      // The first line says it all (zstd 1.5.4 may print more after it).
      const first = stderr.trim().split('\n')[0]?.trim();
      problem = first || (exit.signal ? `zstd was killed by ${exit.signal}` : `zstd exited with status ${exit.code}`);
    }
    if (problem !== undefined) {
      await rm(output, { force: true });
      throw toolFailed('zstd', `zstd failed to compress ${input}: ${problem}`, exit.error ?? write);
    }
    return { size, sha256: hash.digest('hex') };
  })();
  result.catch(() => undefined); // the caller awaits it; do not report it as unhandled meanwhile

  const hint: { fd?: string } = {};
  let inputReal: Promise<string | undefined> | undefined;
  return {
    result,
    async position() {
      if (child.pid === undefined || child.exitCode !== null) return undefined;
      inputReal ??= realpath(input).catch(() => undefined);
      const real = await inputReal;
      return real === undefined ? undefined : readPosition(child.pid, real, hint);
    },
    abort() {
      aborted = true;
      child.kill('SIGTERM');
    },
  };
}

/** The zstd output (`<name>.img.zst`, from the single pass over the image; the Hydra product). */
export const zstdOutput: Output = {
  name: 'zstd',
  enabled: (plan) => plan.compress,
  tools: () => ['zstd'],
  pass: (plan, tmp) => ({ zstd: { out: path.join(tmp, `${plan.base}.img.zst`), level: plan.spec.output.zstdLevel } }),
  async make({ pass, rel, base, outDir, spec, tmp }) {
    if (!pass.compressed) throw new Error('internal error: the zstd output without a compressed image');
    const file = rel(`${base}.img.zst`);
    const tmpPath = path.join(tmp, `${base}.img.zst`);
    return {
      output: 'zstd',
      files: [[tmpPath, file]],
      checksums: [[tmpPath, file, pass.compressed.sha256]],
      manifest: { image: { compressed: { file, ...pass.compressed, compressor: 'zstd', level: spec.output.zstdLevel } } },
      hydra: [['sd-image', file]],
      listed: [path.join(outDir, file)],
      paths: { compressedPath: path.join(outDir, file) },
    };
  },
};
