/** `imgsmith extract IMAGE:PARTITION PATH DEST`: a file or tree copied out of a partition. */
import type { Argv } from 'yargs';
import { plural } from '../progress-reporters.ts';
import { guarded, handler, json1, jsonOpt, out, type CliContext, type Cmd } from './context.ts';
import { partitionOpt, targetOf } from './partition.ts';

function builder(y: Argv) {
  return jsonOpt(
    partitionOpt(
      y
        .positional('target', { type: 'string', demandOption: true, describe: 'IMAGE:PARTITION (PARTITION a number, GPT name or label), or IMAGE with --partition.' })
        .positional('path', { type: 'string', demandOption: true, describe: 'The file or directory inside the filesystem (/ for all of it).' })
        .positional('dest', { type: 'string', demandOption: true, describe: 'Where to put it: a new path, or an existing directory to put it in.' }),
    ),
  )
    .example('$0 extract out/nixos-sd-image.img.zst:2 /etc etc-copy', 'Copy /etc of partition 2 to ./etc-copy')
    .example('$0 extract out/*.img.zst -p FIRMWARE / firmware', 'Copy the whole firmware partition');
}

type ExtractArgs = { target: string; path: string; dest: string; partition?: string; json: boolean };

export function extractCommand(ctx: CliContext): Cmd {
  return {
    command: 'extract <target> <path> <dest>',
    describe: 'Copy a file or directory tree out of a partition (IMAGE:PARTITION or IMAGE --partition N) to DEST (modes and mtimes kept).',
    builder,
    handler: handler((a: ExtractArgs) =>
      guarded(ctx, { json: a.json, aborted: 'temporary files removed' }, async () => {
        const { extractPath } = await import('../inspect/extract.ts');
        const r = await extractPath(targetOf(a), a.path, a.dest);
        if (a.json) return void json1(r);
        out(`${r.dest}: ${plural(r.files, 'file')} (${plural(r.bytes, 'byte')}), ${plural(r.dirs, 'directory', 'directories')}, ${plural(r.symlinks, 'symlink')}\n`);
        for (const s of r.skipped) out(`skipped (not a file, directory or symlink): ${s}\n`);
      }),
    ),
  };
}
