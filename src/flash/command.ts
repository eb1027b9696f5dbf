/**
 * `imgsmith flash IMAGE DEVICE`: the checks (target.ts), the confirmation, then
 * the write and read-back (write.ts). A `.img.zst` is decompressed into a
 * sparse temporary file first (inspect/image.ts), so only its data is written
 * twice, never its holes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { buildError, usageError } from '../errors.ts';
import { errOut } from '../lifetime.ts';
import { printable } from '../text.ts';
import { parseBmap, type ParsedBmap } from '../outputs/bmap.ts';
import type { Progress, PhaseHandle } from '../progress.ts';
import { openImage } from '../inspect/image.ts';
import { checkTarget, type FlashTarget } from './target.ts';
import { flashImage, type FlashResult } from './write.ts';

/**
 * The tools `imgsmith flash` runs: blockdev --flushbufs on a block device (./write.ts) and
 * zstd for a .img.zst (../inspect/zstd.ts; fzstd in-process without it). The blocks are
 * written and read back in-process (no dd, no bmaptool). nix/package.nix puts them on
 * imgsmith's PATH (test/runtime-tools.test.ts).
 */
export const FLASH_TOOLS = ['blockdev', 'zstd'] as const;

export interface FlashCommandOptions {
  image: string;
  device: string;
  bmap?: string;
  verify: boolean;
  force: boolean;
  yes: boolean;
  progress: Progress;
  /** Answers the confirmation question (default: stdin when it is a terminal). */
  confirm?: (question: string) => Promise<boolean>;
}

/** NAME.bmap or NAME.img.bmap beside NAME.img[.zst], as imgsmith and bmaptool name them. */
export function bmapBeside(image: string): string | undefined {
  const base = image.replace(/\.zst$/, '');
  const candidates = [base.replace(/\.img$/, '') + '.bmap', `${base}.bmap`];
  return candidates.find((c) => c !== image && fs.existsSync(c));
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
  const gib = t.size !== undefined ? ` ${(t.size / 1024 ** 3).toFixed(1)} GiB` : '';
  // The model comes from the device (sysfs vendor/model): shown escaped (src/text.ts).
  return `${printable(t.path)}${t.model ? ` (${printable(t.model)},${gib})` : gib ? ` (${gib.trim()})` : ''}`;
}

export async function flashCommand(opts: FlashCommandOptions): Promise<FlashResult> {
  if (!fs.existsSync(opts.image)) throw usageError(`the image ${opts.image} does not exist`);
  const bmapPath = opts.bmap ?? bmapBeside(opts.image);
  if (opts.bmap !== undefined && !fs.existsSync(opts.bmap)) throw usageError(`the bmap ${opts.bmap} does not exist`);
  let bmap: ParsedBmap | undefined;
  if (bmapPath !== undefined) {
    try {
      bmap = parseBmap(fs.readFileSync(bmapPath, 'utf8'), bmapPath);
    } catch (err) {
      throw err instanceof Error && /bmap/.test(err.message) ? err : buildError(`cannot read ${bmapPath}: ${(err as Error).message}`, err);
    }
  }
  if (path.resolve(opts.image) === path.resolve(opts.device)) throw usageError('the image and the target are the same file');

  const img = await openImage(opts.image);
  try {
    const target = checkTarget(opts.device, { imageSize: img.size, force: opts.force });
    if (target.kind === 'block' && !opts.yes) {
      const question = `Write ${opts.image} (${(img.size / 1024 ** 3).toFixed(2)} GiB) to ${describeTarget(target)}? Everything on it is lost. [y/N] `;
      const ok = await (opts.confirm ?? askTerminal)(question);
      if (!ok) {
        throw usageError(
          process.stdin.isTTY || opts.confirm
            ? `not confirmed: nothing was written to ${target.path}`
            : `refusing to write ${target.path} without confirmation: pass --yes (no terminal to ask on)`,
        );
      }
    }
    let phase: PhaseHandle | undefined;
    let phaseName = '';
    const r = await flashImage(img.path, target, {
      ...(bmap ? { bmap } : {}),
      verify: opts.verify,
      onProgress: (p, done, total) => {
        const name = p === 'write' ? `write ${target.path}` : `verify ${target.path}`;
        if (name !== phaseName) {
          phase?.end();
          phase = opts.progress.phase(name, total, 'bytes');
          phaseName = name;
        }
        phase!.update(done, total);
      },
    });
    phase?.end();
    if (bmapPath && !bmap) errOut.write(`imgsmith: note: ${printable(bmapPath)} was not used\n`);
    return r;
  } finally {
    await img.close();
  }
}
