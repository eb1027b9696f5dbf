/** `imgsmith diff A B`: how two images differ (exit 0 identical, 1 different, 2 error). */
import type { Argv } from 'yargs';
import { guarded, handler, json1, jsonOpt, out, type CliContext, type Cmd } from './context.ts';

function builder(y: Argv) {
  return jsonOpt(
    y
      .positional('a', { type: 'string', demandOption: true, describe: 'The first image (.img, .img.zst or block device).' })
      .positional('b', { type: 'string', demandOption: true, describe: 'The second image, compared with the first.' }),
  )
    .example('$0 diff build1/x.img.zst build2/x.img.zst', 'Why two builds of the same spec differ (exit 0 when identical)')
    .example('$0 diff old.img new.img --json', 'The differences as JSON');
}

export function diffCommand(ctx: CliContext): Cmd {
  return {
    command: 'diff <a> <b>',
    describe: 'Explain how two images differ: table, filesystem fields (UUID, label, hash seed, times), files added/removed/changed. Exit 0 identical, 1 different, 2 error.',
    builder,
    handler: handler((a: { a: string; b: string; json: boolean }) =>
      guarded(ctx, { json: a.json, aborted: 'temporary files removed', errorExit: 2 }, async () => {
        const { diffImages, renderDiff } = await import('../inspect/diff.ts');
        const r = await diffImages(a.a, a.b);
        if (a.json) json1(r);
        else out(renderDiff(r));
        return r.identical ? 0 : 1;
      }),
    ),
  };
}
