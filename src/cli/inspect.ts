/** `imgsmith inspect IMAGE`: the partition table and the filesystems. */
import type { Argv } from 'yargs';
import { guarded, handler, json1, jsonOpt, out, type CliContext, type Cmd } from './context.ts';

function builder(y: Argv) {
  return jsonOpt(y.positional('image', { type: 'string', demandOption: true, describe: 'The .img, .img.zst or block device to read (never written).' }))
    .example('$0 inspect out/nixos-sd-image.img.zst', 'Show the table, the partitions and their filesystems')
    .example('$0 inspect /dev/sdb --json', 'The same for a flashed card, as JSON');
}

export function inspectCommand(ctx: CliContext): Cmd {
  return {
    command: 'inspect <image>',
    describe: 'Show the partition table and the filesystems of an image (.img, .img.zst or a block device).',
    builder,
    handler: handler((a: { image: string; json: boolean }) =>
      guarded(ctx, { json: a.json, aborted: 'temporary files removed' }, async () => {
        const { inspectImage, renderInspect } = await import('../inspect/commands.ts');
        const r = await inspectImage(a.image);
        if (a.json) json1(r);
        else out(renderInspect(r));
      }),
    ),
  };
}
