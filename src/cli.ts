/**
 * The command line: `imgsmith build` and `imgsmith boot-test`.
 * Exit codes: 0 ok, 1 build failed, 2 usage or spec error.
 */
import yargs from 'yargs';
import { describeError, shortenLong, signalExitCode, UsageError, type DescribeContext } from './errors.ts';
import { parseSize } from './units.ts';
import { buildImage } from './build.ts';
import { BOOT_MACHINES, MACHINES, PI_BOOT_MODES } from './boot/machines.ts';
import { silentProgress, type Progress } from './progress.ts';
import { jsonProgress, ttyProgress, warningsOnlyProgress } from './progress-reporters.ts';
import { cleanupSync, errOut, initProcess, onInterrupt } from './lifetime.ts';
import { inspectCommands } from './inspect/cli.ts';
import { printable, safeJson } from './text.ts';
import { envFlag } from './settings.ts';

/** A line for the terminal: controls escaped, the rest as it is (names in it are escaped already). */
const terminalLine = (s: string) => printable(s, { backslash: false });

/**
 * stdout closed by its reader (`imgsmith cat ... | head`): stop quietly, as coreutils do
 * when SIGPIPE ends them: no message, temporary files removed, exit 141 (128 + SIGPIPE).
 */
function onStdoutError(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE') return onStrayError(err);
  cleanupSync();
  process.exit(141);
}

/** A command-line problem found by yargs (exit 2, printed as it is). */
class UsageFailure extends UsageError {}

/** Prints the one line for `err` (and a JSON error event with --json); returns the exit code. */
function reportError(err: unknown, json: boolean, ctx: DescribeContext = {}): number {
  const d = err instanceof UsageFailure ? { message: shortenLong(err.message.replace(/\s*\n\s*/g, ' ')), exitCode: 2 } : describeError(err, ctx);
  const line = 'interrupted' in d && d.interrupted ? d.message : `imgsmith: error: ${d.message}`;
  if (json) process.stdout.write(safeJson({ event: 'error', exitCode: d.exitCode, message: d.message }) + '\n');
  errOut.write(`${terminalLine(line)}\n`);
  if (!(err instanceof UsageFailure) && err instanceof Error && envFlag('IMGSMITH_DEBUG')) {
    errOut.write(`${err.stack}\n`);
  }
  return d.exitCode;
}

/** SIGINT/SIGTERM/SIGHUP: kill child tools, remove temp dirs, one line, exit 128+n. */
function onSignals(json: boolean, what: (published: boolean) => string): () => void {
  return onInterrupt(
    (sig, published) => `imgsmith: interrupted by ${sig}; ${what(published)}`,
    json ? (sig, message) => process.stdout.write(JSON.stringify({ event: 'error', exitCode: signalExitCode(sig), signal: sig, message }) + '\n') : undefined,
  );
}

/** Errors outside main's control flow (an event handler, a stray promise): one line too, never a stack trace. */
function onStrayError(err: unknown): void {
  cleanupSync();
  const d = describeError(err);
  errOut.write(`${terminalLine(`imgsmith: error: ${d.message}`)}\n`);
  if (err instanceof Error && envFlag('IMGSMITH_DEBUG')) errOut.write(`${err.stack}\n`);
  process.exit(d.exitCode);
}

export async function main(argv: string[]): Promise<number> {
  initProcess();
  if (process.listenerCount('uncaughtException') === 0) process.on('uncaughtException', onStrayError);
  if (process.listenerCount('unhandledRejection') === 0) process.on('unhandledRejection', onStrayError);
  if (!process.stdout.listeners('error').includes(onStdoutError)) process.stdout.on('error', onStdoutError);
  let exitCode = 0;
  const json = argv.includes('--json');
  const parser = yargs(argv)
    .scriptName('imgsmith')
    .usage('$0 <command> [options]\n\nBuilds reproducible, flashable disk images from a JSON image spec and a Nix closure.')
    .command(
      'build <spec>',
      'Build a disk image from an image spec (e.g. images/rpi-aarch64.json).',
      (y) =>
        y
          .positional('spec', { type: 'string', demandOption: true, describe: 'Path to the JSON image spec.' })
          .option('closure', {
            type: 'string',
            describe: 'closureInfo directory (nixpkgs closureInfo: store-paths and registration) for specs that include a Nix closure.',
          })
          .option('store-root', {
            type: 'string',
            describe: 'Where the closure\'s store paths are on this machine: store path P is read from DIR/P (like Nix\'s --store local?root=DIR). The image keeps the store paths as they are.',
          })
          .option('toplevel', {
            type: 'string',
            describe: 'The NixOS system (toplevel) store path: kernel, initrd, dtbs, init, kernel-params; used for extlinux.conf and the {label} of the file name.',
          })
          .option('firmware', { type: 'string', describe: 'Directory with boot firmware files (Raspberry Pi bootcode.bin, start*.elf, u-boot-rpi*.bin, ...).' })
          .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Output directory (created if missing).' })
          .option('compress', {
            type: 'boolean',
            describe: 'Compress the image with zstd (default: the spec\'s output.compress). --no-compress writes a raw .img.',
          })
          .option('keep-raw', { type: 'boolean', default: false, describe: 'With compression, also keep the raw .img.' })
          .option('size', { type: 'string', describe: 'Target disk size, e.g. 16GiB (overrides the spec\'s "size"; a "fill" partition grows to it).' })
          .option('label', { type: 'string', describe: 'The {label} in the output file name (default: the toplevel\'s nixos-version, else the spec name).' })
          .option('strict', {
            type: 'boolean',
            default: false,
            describe: 'Make content warnings errors (rpi-direct: a targeted Raspberry Pi board whose device tree the toplevel lacks).',
          })
          .option('json', { type: 'boolean', default: false, describe: 'Print machine-readable JSON events (one per line) on stdout instead of progress.' }),
      async (args) => {
        const progress: Progress = args.json ? jsonProgress(process.stdout) : errOut.isTTY ? ttyProgress(errOut) : warningsOnlyProgress(errOut);
        const off = onSignals(args.json, (published) => (published ? 'the outputs had been published' : 'nothing was published'));
        try {
          const r = await buildImage({
            specPath: args.spec,
            ...(args.closure !== undefined ? { closure: args.closure } : {}),
            ...(args['store-root'] !== undefined ? { storeRoot: args['store-root'] } : {}),
            ...(args.toplevel !== undefined ? { toplevel: args.toplevel } : {}),
            ...(args.firmware !== undefined ? { firmware: args.firmware } : {}),
            outDir: args.out,
            ...(args.compress !== undefined ? { compress: args.compress } : {}),
            keepRaw: args['keep-raw'],
            ...(args.label !== undefined ? { label: args.label } : {}),
            ...(args.size !== undefined ? { diskSize: parseSize(args.size, '--size') } : {}),
            ...(args.strict ? { strict: true } : {}),
            progress,
          });
          const files = r.files;
          if (args.json) {
            process.stdout.write(JSON.stringify({ event: 'result', ok: true, files, image: r.manifest.image }) + '\n');
          } else {
            for (const f of files) process.stdout.write(`${f}\n`);
          }
        } catch (err) {
          exitCode = reportError(err, args.json, { outDir: args.out, interruptedNote: '; nothing was published' });
        } finally {
          off();
        }
      },
    )
    .command(
      'boot-test <image>',
      'Boot an image under QEMU and check that it reaches the IMGSMITH-BOOT-OK marker on the serial console.',
      (y) =>
        y
          .positional('image', { type: 'string', demandOption: true, describe: 'The raw .img to boot (never modified).' })
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
          .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON.' }),
      async (args) => {
        const off = onSignals(args.json, () => 'boot test aborted, QEMU stopped');
        try {
          const { bootTest } = await import('./boottest.ts');
          const r = await bootTest(args.image, {
            machine: args.machine,
            ...(args.marker !== undefined ? { marker: args.marker } : {}),
            ...(args.timeout !== undefined ? { timeoutSec: args.timeout } : {}),
            piBoot: args['pi-boot'],
            log: args.json ? () => {} : (line: string) => errOut.write(`${line}\n`),
          });
          if (args.json) process.stdout.write(safeJson({ event: 'result', ...r }) + '\n');
          else if (r.ok) process.stdout.write(`IMGSMITH-BOOT-OK ${terminalLine(r.marker)} (${r.seconds.toFixed(1)} s)\n`);
          // The guest's serial output is the image's words: escaped like names (src/text.ts).
          else errOut.write(`boot test failed; last serial lines:\n${r.serialTail.map(terminalLine).join('\n')}\n`);
          exitCode = r.ok ? 0 : 1;
        } catch (err) {
          exitCode = reportError(err, args.json, { interruptedNote: '; boot test aborted, QEMU stopped' });
        } finally {
          off();
        }
      },
    )
    .command(inspectCommands({
      fail: (err, json, code) => { exitCode = reportError(err, json); if (code !== undefined) exitCode = code; },
      setExit: (code) => { exitCode = code; },
      onSignals: (json) => onSignals(json, () => 'temporary files removed'),
    }))
    .command(
      'verify <image>',
      'Check an image: its partition table (sfdisk/sgdisk), every filesystem (fsck.fat, e2fsck, btrfs check) and, with a manifest, the SHA-256 of the image and the .zst and every bmap checksum. Exit 0 only when all hold.',
      (y) =>
        y
          .positional('image', { type: 'string', demandOption: true, describe: 'The .img, .img.zst, or a disk (or file) an image was flashed to (with --manifest; it may be larger than the image).' })
          .option('manifest', { type: 'string', describe: 'The manifest.json of the build (default: the manifest.json beside the image, when it names the image).' })
          .option('json', { type: 'boolean', default: false, describe: 'Print one JSON document with every check.' }),
      async (args) => {
        const off = onSignals(args.json, () => 'verification aborted');
        try {
          const { verifyImage } = await import('./inspect/verify.ts');
          const r = await verifyImage(args.image, {
            ...(args.manifest !== undefined ? { manifest: args.manifest } : {}),
            ...(args.json ? {} : { onCheck: (c) => process.stdout.write(`${terminalLine(c.status === 'SKIPPED' ? `SKIPPED  ${c.check.padEnd(17)} ${c.where} (${c.detail})` : `${c.status.padEnd(7)}  ${c.check.padEnd(17)} ${c.where}: ${c.detail}`)}\n`) }),
          });
          if (args.json) process.stdout.write(safeJson(r, 2) + '\n');
          else {
            const tally = `${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`;
            process.stdout.write(r.ok ? `verified: ${r.passed} checks passed (${tally})\n` : `NOT verified: ${r.failed} of ${r.checks.length} checks failed (${tally})\n`);
          }
          exitCode = r.ok ? 0 : 1;
        } catch (err) {
          exitCode = reportError(err, args.json);
        } finally {
          off();
        }
      },
    )
    .command(
      'flash <image> <device>',
      'Write an image (.img, or compressed: .gz .xz .bz2 .zst .lz4, recognised by content) to a disk or file: only the mapped blocks (from the .bmap beside it, or the image\'s data extents), then read them back and check them.',
      (y) =>
        y
          .positional('image', { type: 'string', demandOption: true, describe: 'The image to write: raw, or gzip/xz/bzip2/zstd/lz4-compressed (decompressed in a stream).' })
          .positional('device', { type: 'string', demandOption: true, describe: 'The target: a whole removable disk (/dev/sdX, /dev/mmcblkN) or a regular file.' })
          .option('bmap', { type: 'string', describe: 'The block map (default: NAME.bmap or NAME.img.bmap beside the image, when there is one).' })
          .option('verify', { type: 'boolean', default: true, describe: 'Read the written blocks back and check them (--no-verify skips it).' })
          .option('force', { type: 'boolean', default: false, describe: 'Allow a partition, a non-removable disk, or a source that does not look like a disk image (never a mounted or in-use target, swap, or one too small).' })
          .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Do not ask before writing a block device.' })
          .option('json', { type: 'boolean', default: false, describe: 'Print one JSON document with the result.' }),
      async (args) => {
        const off = onSignals(args.json, () => 'flashing stopped; the target is incomplete');
        try {
          const { flashCommand } = await import('./flash/command.ts');
          const r = await flashCommand({
            image: args.image,
            device: args.device,
            ...(args.bmap !== undefined ? { bmap: args.bmap } : {}),
            verify: args.verify,
            force: args.force,
            yes: args.yes,
            progress: args.json ? silentProgress : errOut.isTTY ? ttyProgress(errOut) : silentProgress,
            chatty: !args.json && Boolean(errOut.isTTY),
          });
          if (args.json) process.stdout.write(safeJson(r, 2) + '\n');
          else process.stdout.write(`${terminalLine(r.target)}: wrote ${r.written} bytes in ${r.ranges} ranges (map: ${r.map})${r.verified ? ', verified' : ''} in ${r.seconds.toFixed(1)} s\n`);
        } catch (err) {
          exitCode = reportError(err, args.json);
        } finally {
          off();
        }
      },
    )
    .demandCommand(1, 'Name a command: build, boot-test, inspect, ls, cat, extract, diff, verify or flash.')
    .strict()
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new UsageFailure(msg);
    });
  try {
    await parser.parseAsync();
  } catch (err) {
    return reportError(err, json);
  }
  return exitCode;
}
