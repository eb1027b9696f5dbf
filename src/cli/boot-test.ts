/** `imgsmith boot-test IMAGE --machine M`: src/boottest.ts (QEMU), never writing the image. */
import type { Argv } from 'yargs';
import { BOOT_MACHINES, MACHINES, PI_BOOT_MODES, type BootMachine, type PiBootMode } from '../boot/machines.ts';
import { errOut } from '../lifetime.ts';
import { jsonText } from '../json-output.ts';
import { guarded, handler, terminalLine, type CliContext, type Cmd } from './context.ts';

function builder(y: Argv) {
  return y
    .positional('image', { type: 'string', demandOption: true, describe: 'The .img or .img.zst to boot (never modified; a .img.zst is decompressed to a temporary file).' })
    .option('machine', {
      choices: BOOT_MACHINES,
      demandOption: true,
      describe: `${BOOT_MACHINES.map((m) => `${m}: ${MACHINES[m].help}`).join('; ')}.`,
    })
    .option('marker', { type: 'string', describe: 'The expected marker (default: read from the image: a file imgsmith-boot-marker in a /nix/store path or at the root of a FAT partition; an error when there is none).' })
    .option('pi-boot', {
      choices: PI_BOOT_MODES,
      default: 'auto' as const,
      describe: 'raspi3b: direct = emulate the firmware booting Linux itself (kernel=, initramfs, device tree, cmdline.txt); u-boot = kernel= is U-Boot; auto = direct when kernel= is a Linux kernel.',
    })
    .option('timeout', { type: 'number', describe: `Seconds before QEMU is killed and the test fails (default: ${BOOT_MACHINES.map((m) => `${m} ${MACHINES[m].timeoutSec}`).join(', ')}).` })
    .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON.' })
    .example(`$0 boot-test out/nixos-sd-image.img.zst --machine ${BOOT_MACHINES[0]}`, 'Boot the image and wait for its marker on the serial console')
    .example(`$0 boot-test disk.img --machine ${BOOT_MACHINES[0]} --marker my-marker --timeout 600`, 'Wait for a given marker, at most 10 minutes');
}

type BootArgs = { image: string; machine: BootMachine; marker?: string; 'pi-boot': PiBootMode; timeout?: number; json: boolean };

export function bootTestCommand(ctx: CliContext): Cmd {
  return {
    command: 'boot-test <image>',
    describe: 'Boot an image under QEMU and check that it reaches the IMGSMITH-BOOT-OK marker on the serial console.',
    builder,
    handler: handler((a: BootArgs) =>
      guarded(ctx, { json: a.json, aborted: 'boot test aborted, QEMU stopped' }, async () => {
        const { bootTest } = await import('../boottest.ts');
        const r = await bootTest(a.image, {
          machine: a.machine,
          ...(a.marker !== undefined ? { marker: a.marker } : {}),
          ...(a.timeout !== undefined ? { timeoutSec: a.timeout } : {}),
          piBoot: a['pi-boot'],
          log: a.json ? () => {} : (line: string) => errOut.write(`${line}\n`),
        });
        if (a.json) process.stdout.write(jsonText({ event: 'result', ...r }));
        else if (r.ok) process.stdout.write(`IMGSMITH-BOOT-OK ${terminalLine(r.marker)} (${r.seconds.toFixed(1)} s)\n`);
        // The guest's serial output is the image's words: escaped like names (src/text.ts).
        else errOut.write(`boot test failed; last serial lines:\n${r.serialTail.map(terminalLine).join('\n')}\n`);
        return r.ok ? 0 : 1;
      }),
    ),
  };
}
