/** `imgsmith build SPEC -o DIR`: src/build.ts with progress, then one closing line. */
import path from 'node:path';
import type { Argv } from 'yargs';
import { parseSize } from '../units.ts';
import { outputFlags, outputOptions } from '../outputs/registry.ts';
import type { BuildOptions, BuildResult } from '../build.ts';
import { errOut } from '../lifetime.ts';
import type { Progress } from '../progress.ts';
import { doneLine, jsonProgress, ttyProgress, warningsOnlyProgress } from '../progress-reporters.ts';
import { jsonText } from '../json-output.ts';
import { guarded, handler, type CliContext, type Cmd } from './context.ts';

function builder(y: Argv) {
  const base = y
    .positional('spec', { type: 'string', demandOption: true, describe: 'Path to the JSON image spec (see images/ for examples).' })
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
    .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Output directory (created if missing).' });
  // The flags that choose the published files (--no-compress, --keep-raw, ...): from the outputs registry.
  return base
    .options(outputFlags())
    .option('size', { type: 'string', describe: 'Target disk size, e.g. 16GiB (overrides the spec\'s "size"; a "fill" partition grows to it).' })
    .option('label', { type: 'string', describe: 'The {label} in the output file name (default: the toplevel\'s nixos-version, else the spec name).' })
    .option('strict', {
      type: 'boolean',
      default: false,
      describe: 'Make content warnings errors (rpi-direct: a targeted Raspberry Pi board whose device tree the toplevel lacks).',
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print machine-readable JSON events (one per line) on stdout instead of progress; the last is {"event":"done",...}.' })
    .example('$0 build images/rpi-aarch64.json --closure ./closure --toplevel ./system --firmware ./firmware -o out', 'Build a Raspberry Pi SD image into out/')
    .example('$0 build spec.json -o out --no-compress --size 8GiB', 'A raw 8 GiB .img of a spec without a Nix closure');
}

type BuildArgs = {
  spec: string; closure?: string; 'store-root'?: string; toplevel?: string; firmware?: string; out: string;
  size?: string; label?: string; strict: boolean; json: boolean;
};

/** The command line as src/build.ts's options. */
function buildOptions(a: BuildArgs, progress: Progress): BuildOptions {
  return {
    specPath: a.spec,
    ...(a.closure !== undefined ? { closure: a.closure } : {}),
    ...(a['store-root'] !== undefined ? { storeRoot: a['store-root'] } : {}),
    ...(a.toplevel !== undefined ? { toplevel: a.toplevel } : {}),
    ...(a.firmware !== undefined ? { firmware: a.firmware } : {}),
    outDir: a.out,
    ...outputOptions(a),
    ...(a.label !== undefined ? { label: a.label } : {}),
    ...(a.size !== undefined ? { diskSize: parseSize(a.size, '--size') } : {}),
    ...(a.strict ? { strict: true } : {}),
    progress,
  };
}

/** Every file the build published that it lists: the images, the bmap, the tarball, the manifest (last). */
export function publishedFiles(r: Pick<BuildResult, 'files' | 'tarPath'>): string[] {
  const files = [...r.files];
  if (r.tarPath !== undefined && !files.includes(r.tarPath)) {
    const m = files.findIndex((f) => path.basename(f) === 'manifest.json');
    files.splice(m < 0 ? files.length : m, 0, r.tarPath);
  }
  return files;
}

/** The result: JSON events, or the files on stdout (for scripts) and the closing line on a terminal. */
function report(a: BuildArgs, r: BuildResult, progress: Progress, ms: number): void {
  const files = publishedFiles(r);
  if (a.json) {
    process.stdout.write(jsonText({ event: 'result', ok: true, files: r.files, image: r.manifest.image }));
    progress.event('done', { ok: true, durationMs: Math.round(ms), files });
    return;
  }
  // On a terminal the closing line says it all; a pipe gets the files, one a line.
  if (!(process.stdout.isTTY && errOut.isTTY)) for (const f of r.files) process.stdout.write(`${f}\n`);
  if (errOut.isTTY) errOut.write(`${doneLine(files, ms)}\n`);
}

export function buildCommand(ctx: CliContext): Cmd {
  return {
    command: 'build <spec>',
    describe: 'Build a disk image from an image spec (e.g. images/rpi-aarch64.json).',
    builder,
    handler: handler((a: BuildArgs) =>
      guarded(ctx, {
        json: a.json,
        aborted: (published) => (published ? 'the outputs had been published' : 'nothing was published'),
        describe: { outDir: a.out },
      }, async () => {
        const start = performance.now();
        const progress: Progress = a.json ? jsonProgress(process.stdout) : errOut.isTTY ? ttyProgress(errOut) : warningsOnlyProgress(errOut);
        const { buildImage } = await import('../build.ts');
        const r = await buildImage(buildOptions(a, progress));
        report(a, r, progress, performance.now() - start);
      }),
    ),
  };
}
