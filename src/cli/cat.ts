/** `imgsmith cat IMAGE:PARTITION PATH`: a file from a partition to stdout. */
import type { Argv } from 'yargs';
import { guarded, handler, jsonOpt, type CliContext, type Cmd } from './context.ts';
import { partitionOpt, targetOf } from './partition.ts';

function builder(y: Argv) {
  return jsonOpt(
    partitionOpt(
      y
        .positional('target', { type: 'string', demandOption: true, describe: 'IMAGE:PARTITION (PARTITION a number, GPT name or label), or IMAGE with --partition.' })
        .positional('path', { type: 'string', demandOption: true, describe: 'The file inside the filesystem, e.g. /config.txt.' }),
    ),
    'Print one JSON document: the file\'s path, size, SHA-256 and base64 contents.',
  )
    .example('$0 cat out/nixos-sd-image.img.zst:1 /config.txt', 'Print config.txt from the first partition')
    .example('$0 cat out/*.img.zst -p FIRMWARE /cmdline.txt', 'The same by label, with a glob for the image');
}

export function catCommand(ctx: CliContext): Cmd {
  return {
    command: 'cat <target> <path>',
    describe: 'Write a file from a partition (IMAGE:PARTITION or IMAGE --partition N) to stdout.',
    builder,
    handler: handler((a: { target: string; path: string; partition?: string; json: boolean }) =>
      guarded(ctx, { json: a.json, aborted: 'temporary files removed' }, async () => {
        const { catFile } = await import('../inspect/commands.ts');
        await catFile(targetOf(a), a.path, process.stdout, a.json);
      }),
    ),
  };
}
