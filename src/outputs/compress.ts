/**
 * Image compression. The default compressor drives the `zstd` command-line tool,
 * like nixpkgs' sd-image.nix (`zstd -T$NIX_BUILD_CORES --rm $img`, i.e. the
 * default level 3).
 *
 * Determinism (measured with zstd 1.5.4): the multi-threaded output of the zstd
 * CLI is the same for any thread count (-T1, -T2, -T0 ...; the CLI's default is
 * -T1, which is also multi-threaded mode), so `-T0` keeps the output
 * byte-identical across machines. Only `--single-thread` differs. zstd also
 * reads the input file itself (rather than a pipe): that is faster, and it
 * records the content size in the frame header exactly as `zstd img` does.
 */
import { readdir, readFile, readlink, realpath, rm, stat } from 'node:fs/promises';
import { execa, ExecaError } from 'execa';
import { buildError, usageError } from '../errors.ts';

export interface CompressOptions {
  level: number;
  /** Called while compressing with the input bytes read so far (throttled). */
  onProgress?: (bytesRead: number, total: number) => void;
}

export interface Compressor {
  /** Name as used in the spec and the manifest, e.g. "zstd". */
  name: string;
  /** File name extension including the dot, e.g. ".zst". */
  extension: string;
  compress(input: string, output: string, opts: CompressOptions): Promise<void>;
  /** The tool's version, e.g. "1.5.4". */
  version(): Promise<string>;
}

/** nixpkgs' sd-image.nix runs `zstd` without a level, i.e. level 3. */
export const DEFAULT_ZSTD_LEVEL = 3;
/** zstd levels 1..19, and 20..22 with --ultra. */
export const MAX_ZSTD_LEVEL = 22;

const PROGRESS_POLL_MS = 200;

function zstdArgs(input: string, output: string, level: number): string[] {
  if (!Number.isInteger(level) || level < 1 || level > MAX_ZSTD_LEVEL) {
    throw usageError(`zstd level ${level} is invalid: use an integer from 1 to ${MAX_ZSTD_LEVEL}`);
  }
  const args = ['-T0', `-${level}`, '-q', '--no-progress', '-f'];
  if (level > 19) args.unshift('--ultra');
  // "--" so that a file name starting with "-" is not taken as an option.
  args.push('-o', output, '--', input);
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

function describeFailure(tool: string, err: unknown): string {
  if (err instanceof ExecaError) {
    if (err.code === 'ENOENT') return `${tool} was not found: install it (Debian package "${tool}")`;
    // The first line says it all (zstd 1.5.4 may crash after reporting a missing
    // output directory and print a stack trace after it).
    const first = String(err.stderr ?? '').trim().split('\n')[0]?.trim() ?? '';
    return first !== '' ? first : err.shortMessage;
  }
  return err instanceof Error ? err.message : String(err);
}

export const zstdCli: Compressor = {
  name: 'zstd',
  extension: '.zst',

  async compress(input, output, opts) {
    const args = zstdArgs(input, output, opts.level);
    let total: number;
    let inputReal: string;
    try {
      total = (await stat(input)).size;
      inputReal = await realpath(input);
    } catch (err) {
      throw buildError(`cannot compress ${input}: ${(err as Error).message}`, err);
    }
    const child = execa('zstd', args, { stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' });
    let timer: NodeJS.Timeout | undefined;
    let last = -1;
    if (opts.onProgress && child.pid !== undefined) {
      const onProgress = opts.onProgress;
      const pid = child.pid;
      const hint: { fd?: string } = {};
      let polling = false;
      timer = setInterval(() => {
        if (polling) return;
        polling = true;
        void readPosition(pid, inputReal, hint).then((pos) => {
          polling = false;
          if (pos !== undefined && pos !== last && timer !== undefined) {
            last = pos;
            onProgress(Math.min(pos, total), total);
          }
        });
      }, PROGRESS_POLL_MS);
    }
    try {
      await child;
    } catch (err) {
      await rm(output, { force: true });
      throw buildError(`zstd failed to compress ${input}: ${describeFailure('zstd', err)}`, err);
    } finally {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    }
    if (last !== total) opts.onProgress?.(total, total);
  },

  async version() {
    let out: string;
    try {
      out = (await execa('zstd', ['--version'])).stdout;
    } catch (err) {
      throw buildError(`cannot run zstd --version: ${describeFailure('zstd', err)}`, err);
    }
    const m = /v(\d+\.\d+\.\d+)/.exec(out);
    if (!m?.[1]) throw buildError(`cannot parse the zstd version from: ${out.trim()}`);
    return m[1];
  },
};

/** The compressor for a spec's `output.compress` value, or undefined for "none". */
export function compressorFor(name: 'zstd' | 'none'): Compressor | undefined {
  return name === 'zstd' ? zstdCli : undefined;
}
