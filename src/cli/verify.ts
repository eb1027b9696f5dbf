/** `imgsmith verify IMAGE`: src/inspect/verify.ts, one line per check, a tally last. */
import type { Argv } from 'yargs';
import { plural } from '../progress-reporters.ts';
import { jsonText } from '../json-output.ts';
import { guarded, handler, jsonOpt, terminalLine, type CliContext, type Cmd } from './context.ts';

function builder(y: Argv) {
  return jsonOpt(
    y
      .positional('image', { type: 'string', demandOption: true, describe: 'The .img, .img.zst, or a disk (or file) an image was flashed to (with --manifest; it may be larger than the image).' })
      .option('manifest', { type: 'string', describe: 'The manifest.json of the build (default: the manifest.json beside the image, when it names the image).' }),
    'Print one JSON document with every check.',
  )
    .example('$0 verify out/nixos-sd-image.img.zst', 'Check the table, the filesystems and the checksums of the manifest beside it')
    .example('$0 verify /dev/sdb --manifest out/manifest.json', 'Check a card the image was flashed to');
}

type VerifyArgs = { image: string; manifest?: string; json: boolean };

/** "PASS     fsck.fat          partition 1: clean" (or SKIPPED with its reason). */
function checkLine(c: { status: string; check: string; where: string; detail: string }): string {
  return c.status === 'SKIPPED' ? `SKIPPED  ${c.check.padEnd(17)} ${c.where} (${c.detail})` : `${c.status.padEnd(7)}  ${c.check.padEnd(17)} ${c.where}: ${c.detail}`;
}

export function verifyCommand(ctx: CliContext): Cmd {
  return {
    command: 'verify <image>',
    describe: 'Check an image: its partition table (sfdisk/sgdisk), every filesystem (fsck.fat, e2fsck, btrfs check) and, with a manifest, the SHA-256 of the image and the .zst and every bmap checksum. Exit 0 only when all hold.',
    builder,
    handler: handler((a: VerifyArgs) =>
      guarded(ctx, { json: a.json, aborted: 'verification aborted' }, async () => {
        const { verifyImage } = await import('../inspect/verify.ts');
        const r = await verifyImage(a.image, {
          ...(a.manifest !== undefined ? { manifest: a.manifest } : {}),
          ...(a.json ? {} : { onCheck: (c) => process.stdout.write(`${terminalLine(checkLine(c))}\n`) }),
        });
        if (a.json) process.stdout.write(jsonText(r, 2));
        else {
          const tally = `${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`;
          process.stdout.write(r.ok ? `verified: ${plural(r.passed, 'check')} passed (${tally})\n` : `NOT verified: ${r.failed} of ${plural(r.checks.length, 'check')} failed (${tally})\n`);
        }
        return r.ok ? 0 : 1;
      }),
    ),
  };
}
