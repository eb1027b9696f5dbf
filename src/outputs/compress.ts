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
import { open, readdir, readFile, readlink, realpath, rm, type FileHandle } from 'node:fs/promises';
import { buildError, usageError } from '../errors.ts';

/** nixpkgs' sd-image.nix runs `zstd` without a level, i.e. level 3. */
export const DEFAULT_ZSTD_LEVEL = 3;
/** zstd levels 1..19, and 20..22 with --ultra. */
export const MAX_ZSTD_LEVEL = 22;

/** How much of zstd's stderr is kept for the error message. */
const STDERR_KEEP = 4096;

/** The zstd command line that compresses `input` to stdout, or to `output`. */
export function zstdArgs(input: string, level: number, output?: string): string[] {
  if (!Number.isInteger(level) || level < 1 || level > MAX_ZSTD_LEVEL) {
    throw usageError(`zstd level ${level} is invalid: use an integer from 1 to ${MAX_ZSTD_LEVEL}`);
  }
  const args = ['-T0', `-${level}`, '-q', '--no-progress', '-f', ...(output === undefined ? ['-c'] : ['-o', output])];
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

/** Read size when following the output file. */
const FOLLOW_CHUNK = 1024 * 1024;
/** How long to wait before looking again when zstd has not written more yet. */
const FOLLOW_WAIT_MS = 10;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `zstd -T0 -<level> input -o output` (output created or replaced). zstd
 * writes the file itself; its bytes are hashed by following the file as it
 * grows (they are in the page cache, just written), which costs one read, not a
 * pipe between zstd and us plus a write.
 */
export function startZstd(input: string, output: string, level: number): ZstdRun {
  const args = zstdArgs(input, level, output);
  const child = spawn('zstd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    if (stderr.length < STDERR_KEEP) stderr += s;
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  void exited.then(() => (done = true));
  let aborted = false;

  /** Hashes the output from its start while zstd writes it; finishes once zstd exited and the end was read. */
  const follow = async (): Promise<{ size: number; sha256: string }> => {
    const hash = createHash('sha256');
    let size = 0;
    let fh: FileHandle | undefined;
    const buf = Buffer.allocUnsafe(FOLLOW_CHUNK);
    try {
      for (;;) {
        if (!fh) {
          try {
            fh = await open(output, 'r');
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || done) throw err;
            await sleep(FOLLOW_WAIT_MS);
            continue;
          }
        }
        const wasDone = done;
        const { bytesRead } = await fh.read(buf, 0, buf.length, size);
        if (bytesRead > 0) {
          hash.update(buf.subarray(0, bytesRead));
          size += bytesRead;
        } else if (wasDone) {
          // zstd had exited before this read found nothing more: that was the end.
          return { size, sha256: hash.digest('hex') };
        } else {
          await sleep(FOLLOW_WAIT_MS);
        }
      }
    } finally {
      await fh?.close();
    }
  };
  const followed = follow();
  followed.catch(() => undefined); // reported through `result`

  const result = (async () => {
    const exit = await exited;
    let problem: string | undefined;
    if (exit.error?.code === 'ENOENT') problem = 'zstd was not found: install it (Debian package "zstd")';
    else if (exit.error) problem = `cannot run zstd: ${exit.error.message}`;
    else if (aborted) problem = 'zstd was stopped';
    else if (exit.code !== 0) {
      // The first line says it all (zstd 1.5.4 may print more after it).
      const first = stderr.trim().split('\n')[0]?.trim();
      const aboutOutput = first?.startsWith(`zstd: ${output}: `) ? first.slice(`zstd: ${output}: `.length) : undefined;
      problem = aboutOutput !== undefined ? `cannot write ${output}: ${aboutOutput}` : first || (exit.signal ? `zstd was killed by ${exit.signal}` : `zstd exited with status ${exit.code}`);
    }
    const read = await followed.then(
      (r) => r,
      (err: Error) => err,
    );
    if (problem === undefined && read instanceof Error) problem = `cannot read back ${output}: ${read.message}`;
    if (problem !== undefined) {
      await rm(output, { force: true });
      throw buildError(`zstd failed to compress ${input}: ${problem}`, exit.error ?? (read instanceof Error ? read : undefined));
    }
    return read as { size: number; sha256: string };
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
