/** `imgsmith ls IMAGE[:PARTITION] [PATH]`: a directory in a partition, or the partitions of IMAGE. */
import type { Argv } from 'yargs';
import { guarded, handler, json1, jsonOpt, out, type CliContext, type Cmd } from './context.ts';
import { partitionOpt, targetOf } from './partition.ts';

function builder(y: Argv) {
  return jsonOpt(
    partitionOpt(
      y
        .positional('target', { type: 'string', demandOption: true, describe: 'IMAGE (lists its partitions) or IMAGE:PARTITION (PARTITION a number, GPT name or label).' })
        .positional('path', { type: 'string', describe: 'Path inside the filesystem (default /).' }),
    )
      .option('l', { type: 'boolean', default: false, describe: 'Long listing: type, mode, owner, size, mtime, symlink targets.' })
      .option('R', { type: 'boolean', default: false, describe: 'Recursive.' }),
  )
    .example('$0 ls out/nixos-sd-image.img.zst', 'List the partitions (number, name, filesystem, label, size)')
    .example('$0 ls out/*.img.zst -p 2 -l /boot', 'A long listing of /boot in partition 2 (a glob needs --partition)');
}

type LsArgs = { target: string; path?: string; partition?: string; l: boolean; R: boolean; json: boolean };

export function lsCommand(ctx: CliContext): Cmd {
  return {
    command: 'ls <target> [path]',
    describe: 'List a directory in a partition (IMAGE:PARTITION or IMAGE --partition N), or the partitions of IMAGE.',
    builder,
    handler: handler((a: LsArgs) =>
      guarded(ctx, { json: a.json, aborted: 'temporary files removed' }, async () => {
        const [{ entryJson, lsImage, renderLs }, { show }] = await Promise.all([import('../inspect/commands.ts'), import('../content/tree.ts')]);
        const r = await lsImage(targetOf(a), a.path, { recursive: a.R });
        // Paths in the shown form, as entryJson writes them (a byte string is not JSON text).
        if (a.json) json1({ ...r, ...(r.path !== undefined ? { path: show(r.path) } : {}), ...(r.entries ? { entries: r.entries.map(entryJson) } : {}) });
        else out(renderLs(r, { long: a.l, recursive: a.R }));
      }),
    ),
  };
}
