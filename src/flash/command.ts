/**
 * `imgsmith flash IMAGE DEVICE`: the source (source.ts: a compressed image,
 * recognised by its magic bytes, is decompressed into a sparse temporary file
 * first, so only its data is written twice, never its holes), the checks
 * (target.ts), the confirmation, then the write and read-back (write.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { buildError, usageError } from '../errors.ts';
import { errOut } from '../lifetime.ts';
import { printable } from '../text.ts';
import { parseBmap, type ParsedBmap } from '../outputs/bmap.ts';
import type { Progress, PhaseHandle } from '../progress.ts';
import { formatBytes } from '../progress-reporters.ts';
import { openFlashSource, type FlashSource } from './source.ts';
import { checkTarget, type FlashTarget } from './target.ts';
import { flashImage, type FlashResult } from './write.ts';
import { bmapBeside } from './readback.ts';

export { bmapBeside };

/**
 * The tools `imgsmith flash` runs: blockdev --flushbufs on a block device (./readback.ts),
 * zstd for a .zst (../inspect/zstd.ts; in-process without it), xz, bzip2 and lz4 for their
 * formats (./source.ts; gzip is decoded by node:zlib). The blocks are written and read back
 * in-process (no dd, no bmaptool). nix/package.nix puts them on imgsmith's PATH
 * (test/runtime-tools.test.ts).
 */
export const FLASH_TOOLS = ['blockdev', 'zstd', 'xz', 'bzip2', 'lz4'] as const;

export interface FlashCommandOptions {
  image: string;
  device: string;
  bmap?: string;
  verify: boolean;
  force: boolean;
  yes: boolean;
  /** Print the decompression's bytes in / bytes out (a terminal, not --json). */
  chatty?: boolean;
  progress: Progress;
  /** Answers the confirmation question (default: stdin when it is a terminal). */
  confirm?: (question: string) => Promise<boolean>;
}

async function askTerminal(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

function describeTarget(t: FlashTarget): string {
  const size = t.size !== undefined ? formatBytes(t.size) : '';
  // The model comes from the device (sysfs vendor/model): shown escaped (src/text.ts).
  return `${printable(t.path)}${t.model ? ` (${printable(t.model)}${size ? `, ${size}` : ''})` : size ? ` (${size})` : ''}`;
}

function readBmapFile(bmapPath: string): ParsedBmap {
  try {
    return parseBmap(fs.readFileSync(bmapPath, 'utf8'), bmapPath);
  } catch (err) {
    throw err instanceof Error && /bmap/.test(err.message) ? err : buildError(`cannot read ${bmapPath}: ${(err as Error).message}`, err);
  }
}

/** The question asked before writing a block device: the image's and the disk's sizes in binary units ("40.0 MiB"). */
export function flashQuestion(image: string, size: number, target: FlashTarget): string {
  return `Write ${printable(image)} (${formatBytes(size)}) to ${describeTarget(target)}? Everything on it is lost. [y/N] `;
}

async function confirmWrite(opts: FlashCommandOptions, src: FlashSource, target: FlashTarget): Promise<void> {
  const question = flashQuestion(opts.image, src.size, target);
  const ok = await (opts.confirm ?? askTerminal)(question);
  if (!ok) {
    throw usageError(
      process.stdin.isTTY || opts.confirm
        ? `not confirmed: nothing was written to ${target.path}`
        : `refusing to write ${target.path} without confirmation: pass --yes (no terminal to ask on)`,
    );
  }
}

/** Opens the image, decompressing it with progress (a bar on a terminal, nothing with --json). */
async function openSource(opts: FlashCommandOptions): Promise<FlashSource> {
  let phase: PhaseHandle | undefined;
  let out = 0;
  const src = await openFlashSource(opts.image, {
    force: opts.force,
    onProgress: (done, total, bytesOut) => {
      phase ??= opts.progress.phase('decompress', total || undefined, 'bytes', { label: `decompress ${printable(opts.image)}` });
      phase.update(done, total || undefined);
      out = bytesOut;
    },
  }).finally(() => phase?.end({ bytesOut: out }));
  if (src.format !== 'raw' && opts.chatty) errOut.write(`imgsmith: ${printable(opts.image)}: ${src.format}, ${formatBytes(src.bytesIn ?? 0)} in, ${formatBytes(src.size)} out\n`);
  return src;
}

export async function flashCommand(opts: FlashCommandOptions): Promise<FlashResult> {
  if (!fs.existsSync(opts.image)) throw usageError(`the image ${opts.image} does not exist`);
  if (!fs.statSync(opts.image).isFile()) throw usageError(`the image ${opts.image} is not a regular file (a directory or a device cannot be flashed from)`);
  const bmapPath = opts.bmap ?? bmapBeside(opts.image);
  if (opts.bmap !== undefined && !fs.existsSync(opts.bmap)) throw usageError(`the bmap ${opts.bmap} does not exist`);
  const bmap = bmapPath !== undefined ? readBmapFile(bmapPath) : undefined;
  if (path.resolve(opts.image) === path.resolve(opts.device)) throw usageError('the image and the target are the same file');

  const src = await openSource(opts);
  try {
    const target = checkTarget(opts.device, { imageSize: src.size, force: opts.force, source: opts.image });
    if (target.kind === 'block' && !opts.yes) await confirmWrite(opts, src, target);
    let phase: PhaseHandle | undefined;
    let phaseName = '';
    const r = await flashImage(src.path, target, {
      ...(bmap ? { bmap, bmapPath: bmapPath! } : {}),
      verify: opts.verify,
      onProgress: (p, done, total) => {
        const name = p === 'write' ? `write ${target.path}` : `verify ${target.path}`;
        if (name !== phaseName) {
          phase?.end();
          phase = opts.progress.phase(p === 'write' ? 'flash-write' : 'flash-verify', total, 'bytes', { label: name });
          phaseName = name;
        }
        phase!.update(done, total);
      },
    });
    phase?.end();
    if (bmapPath && !bmap) errOut.write(`imgsmith: note: ${printable(bmapPath)} was not used\n`);
    return { ...r, format: src.format };
  } finally {
    await src.close();
  }
}
