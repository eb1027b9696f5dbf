/** `imgsmith flash IMAGE DEVICE`: src/flash/command.ts with progress on a terminal. */
import type { Argv } from 'yargs';
import { errOut } from '../lifetime.ts';
import { silentProgress } from '../progress.ts';
import { formatBytes, plural, ttyProgress } from '../progress-reporters.ts';
import { jsonText } from '../json-output.ts';
import { guarded, handler, terminalLine, type CliContext, type Cmd } from './context.ts';

function builder(y: Argv) {
  return y
    .positional('image', { type: 'string', demandOption: true, describe: 'The image to write: raw, gzip/xz/bzip2/zstd/lz4-compressed (decompressed in a stream), or an Android sparse image (.simg).' })
    .positional('device', { type: 'string', demandOption: true, describe: 'The target: a whole removable disk (/dev/sdX, /dev/mmcblkN) or a regular file.' })
    .option('bmap', { type: 'string', describe: 'The block map (default: NAME.bmap or NAME.img.bmap beside the image, when there is one).' })
    .option('verify', { type: 'boolean', default: true, describe: 'Read the written blocks back and check them (--no-verify skips it).' })
    .option('force', { type: 'boolean', default: false, describe: 'Allow a partition, a non-removable disk, or a source that does not look like a disk image (never a mounted or in-use target, swap, or one too small).' })
    .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Do not ask before writing a block device.' })
    .option('json', { type: 'boolean', default: false, describe: 'Print one JSON document with the result.' })
    .example('$0 flash out/nixos-sd-image.img.zst /dev/sdb', 'Write the image to an SD card (asks first), then read it back')
    .example('$0 flash image.img.xz disk.img --json', 'Write to a file, the result as JSON');
}

type FlashArgs = { image: string; device: string; bmap?: string; verify: boolean; force: boolean; yes: boolean; json: boolean };

export function flashCommand(ctx: CliContext): Cmd {
  return {
    command: 'flash <image> <device>',
    describe: 'Write an image (.img, or compressed: .gz .xz .bz2 .zst .lz4, or an Android sparse .simg, recognised by content) to a disk or file: only the mapped blocks (from the .bmap beside it, or the image\'s data extents), then read them back and check them.',
    builder,
    handler: handler((a: FlashArgs) =>
      guarded(ctx, { json: a.json, aborted: 'flashing stopped; the target is incomplete' }, async () => {
        const { flashCommand: flash } = await import('../flash/command.ts');
        const r = await flash({
          image: a.image,
          device: a.device,
          ...(a.bmap !== undefined ? { bmap: a.bmap } : {}),
          verify: a.verify,
          force: a.force,
          yes: a.yes,
          progress: !a.json && errOut.isTTY ? ttyProgress(errOut) : silentProgress,
          chatty: !a.json && Boolean(errOut.isTTY),
        });
        if (a.json) process.stdout.write(jsonText(r, 2));
        else process.stdout.write(`${terminalLine(r.target)}: wrote ${formatBytes(r.written)} (${plural(r.written, 'byte')}) in ${plural(r.ranges, 'range')} (map: ${r.map})${r.verified ? ', verified' : ''} in ${r.seconds.toFixed(1)} s\n`);
      }),
    ),
  };
}
