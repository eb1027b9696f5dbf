/**
 * The tools nix/first-boot.sh runs (sfdisk, partx, resize2fs, dumpe2fs, btrfs), from Debian
 * bookworm packages, as one store path of the boot fixture (test/helpers/boot-fixture.ts):
 *   <h>-imgsmith-first-boot-tools
 *     libexec/<tool>   the Debian binaries (dynamically linked)
 *     lib/             the ELF interpreter and every shared library they need (the NEEDED
 *                      closure, read with readelf; an error names a library no package has)
 *     bin/<tool>       `#!<busybox>/bin/sh` wrappers running libexec/<tool> through lib/'s
 *                      ELF interpreter with --library-path lib (the root has no /lib)
 * The fixture's stage 2 puts bin/ on PATH and runs the toplevel's copy of nix/first-boot.sh.
 */
import { execa } from 'execa';
import { promises as fsp } from 'node:fs';
import path from 'node:path';

/** The tools and where they are in the extracted packages. */
const TOOLS: Record<string, string> = {
  sfdisk: 'sbin/sfdisk',
  partx: 'usr/bin/partx',
  resize2fs: 'sbin/resize2fs',
  dumpe2fs: 'sbin/dumpe2fs',
  btrfs: 'bin/btrfs',
};

/** The packages of the tools and of the libraries they link (Debian bookworm names). */
export const FIRST_BOOT_PACKAGES = [
  'fdisk', 'util-linux', 'e2fsprogs', 'btrfs-progs',
  'libc6', 'libfdisk1', 'libblkid1', 'libuuid1', 'libsmartcols1', 'libtinfo6', 'libreadline8',
  'libext2fs2', 'libcom-err2', 'liblzo2-2', 'libzstd1', 'zlib1g', 'libudev1',
];

export interface FirstBootToolsInput {
  /** Extracted package trees (one directory per package). */
  trees: string[];
  /** The busybox store path (/nix/store/...) for the wrappers' #!. */
  busyboxStore: string;
  /** Writes the store path's content into the directory it is given. */
  addStorePath: (name: string, build: (dir: string) => Promise<void>) => Promise<{ host: string; store: string }>;
}

async function readelf(args: string[], file: string): Promise<string> {
  return (await execa('readelf', ['-W', ...args, file])).stdout;
}

/** soname -> file, over the library directories of the trees (symlinks resolved in the tree). */
async function libraryIndex(trees: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const t of trees) {
    for (const d of ['lib', 'usr/lib'].flatMap((l) => [path.join(t, l), path.join(t, l, 'aarch64-linux-gnu'), path.join(t, l, 'x86_64-linux-gnu')])) {
      let names: string[];
      try {
        names = await fsp.readdir(d);
      } catch {
        continue;
      }
      for (const n of names) {
        if (!/\.so(\.|$)/.test(n) || out.has(n)) continue;
        const real = path.join(d, n);
        let target = real;
        for (let i = 0; i < 10; i++) {
          const st = await fsp.lstat(target).catch(() => undefined);
          if (!st?.isSymbolicLink()) break;
          const l = await fsp.readlink(target);
          target = l.startsWith('/') ? path.join(t, l) : path.join(path.dirname(target), l);
        }
        if ((await fsp.stat(target).catch(() => undefined))?.isFile()) out.set(n, target);
      }
    }
  }
  return out;
}

/** The ELF interpreter and every shared library `bins` need (the DT_NEEDED closure, read with
 *  readelf) in the extracted package `trees`: sonames -> files, and the interpreter's soname.
 *  `packages` names the trees, `list` the constant listing them, in the error about a library none has. */
export async function elfClosure(bins: string[], trees: string[], packages: string, list: string): Promise<{ libs: Map<string, string>; needed: Set<string>; ld: string }> {
  const libs = await libraryIndex(trees);
  const interp = /Requesting program interpreter: ([^\]]+)\]/.exec(await readelf(['-l'], bins[0]!))?.[1];
  if (!interp) throw new Error(`boot fixture: ${path.basename(bins[0]!)} has no ELF interpreter`);
  const ld = path.basename(interp);
  if (!libs.has(ld)) throw new Error(`boot fixture: the ELF interpreter ${interp} is in none of the ${packages}`);
  const needed = new Set<string>([ld]);
  const queue = [...bins];
  while (queue.length) {
    const f = queue.shift()!;
    for (const m of (await readelf(['-d'], f)).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)) {
      const so = m[1]!;
      if (needed.has(so)) continue;
      const lib = libs.get(so);
      if (!lib) throw new Error(`boot fixture: ${path.basename(f)} needs ${so}, which none of the ${packages} has (add its package to ${list})`);
      needed.add(so);
      queue.push(lib);
    }
  }
  return { libs, needed, ld };
}

/** Builds the tools store path; returns it. */
export async function makeFirstBootTools(input: FirstBootToolsInput): Promise<{ host: string; store: string }> {
  const bins = new Map<string, string>();
  for (const [tool, rel] of Object.entries(TOOLS)) {
    let file: string | undefined;
    for (const t of input.trees) {
      const f = path.join(t, rel);
      if ((await fsp.stat(f).catch(() => undefined))?.isFile()) file = f;
    }
    if (!file) throw new Error(`boot fixture: ${tool} (${rel}) is in none of the first-boot packages`);
    bins.set(tool, file);
  }
  const { libs, needed, ld } = await elfClosure([...bins.values()], input.trees, 'first-boot packages', 'FIRST_BOOT_PACKAGES');
  return input.addStorePath('imgsmith-first-boot-tools', async (d) => {
    for (const sub of ['bin', 'lib', 'libexec']) await fsp.mkdir(path.join(d, sub));
    for (const so of [...needed].sort()) {
      await fsp.copyFile(libs.get(so)!, path.join(d, 'lib', so));
      await fsp.chmod(path.join(d, 'lib', so), 0o555);
    }
    for (const [tool, file] of bins) {
      await fsp.copyFile(file, path.join(d, 'libexec', tool));
      await fsp.chmod(path.join(d, 'libexec', tool), 0o555);
      const wrapper =
        `#!${input.busyboxStore}/bin/sh\n` +
        `d=\${0%/bin/*}\n` +
        `exec "$d/lib/${ld}" --library-path "$d/lib" --argv0 ${tool} "$d/libexec/${tool}" "$@"\n`;
      await fsp.writeFile(path.join(d, 'bin', tool), wrapper, { mode: 0o555 });
    }
  });
}
