/**
 * Hydra build products, as nixpkgs' nixos/modules/installer/sd-card/sd-image.nix
 * writes them:
 *
 *   echo "${system}" > $out/nix-support/system
 *   echo "file sd-image $img.zst" >> $out/nix-support/hydra-build-products
 *
 * i.e. nix-support/system is (over)written with the system and a newline, and
 * one product line is appended to hydra-build-products. Appending keeps product
 * lines written by others; a line that is already there is not added again, so
 * running twice into the same directory gives the same file.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path, { join, resolve } from 'node:path';
import { buildError, ImgsmithError, internalError } from '../errors.ts';
import type { Output } from './types.ts';

export interface HydraProductsOptions {
  /** The image (or compressed image) to publish; made absolute. */
  imagePath: string;
  /** Nix system, e.g. "aarch64-linux". */
  system: string;
  /** Product subtype (default "sd-image", as in sd-image.nix). */
  subtype?: string;
  /** More products, e.g. { subtype: "binary-dist", path: ".../x.tar.zst" } (paths made absolute). */
  extra?: { subtype: string; path: string }[];
}

/**
 * Hydra's parser for hydra-build-products lines (NixOS/hydra
 * src/hydra-queue-runner/build-result.cc, POSIX extended regex, whole line):
 *
 *   ([a-zA-Z0-9_-]+)[[:space:]]+([a-zA-Z0-9_-]+)[[:space:]]+("[^"]+"|[^[:space:]<>"]+)([[:space:]]+([^[:space:]<>]+))?
 *
 * i.e. type, subtype, a path (double-quoted when it has spaces or < >) and an optional
 * default path. The path must be absolute; the product's name (the path's base name) is
 * shown only when it matches [a-zA-Z0-9.@:_+ -]* (else Hydra blanks it).
 */
export const HYDRA_PRODUCT_LINE = /^([a-zA-Z0-9_-]+)[ \t\v\f\r]+([a-zA-Z0-9_-]+)[ \t\v\f\r]+("[^"]+"|[^ \t\n\v\f\r<>"]+)([ \t\v\f\r]+([^ \t\n\v\f\r<>]+))?$/;
export const HYDRA_PRODUCT_NAME = /^[a-zA-Z0-9.@:_+ -]*$/;

/** A product line "file <subtype> <path>" that Hydra's parser accepts with its name (else a build error). */
export function hydraProductLine(subtype: string, path: string): string {
  if (!/^[a-zA-Z0-9_-]+$/.test(subtype)) throw buildError(`invalid Hydra product subtype "${subtype}"`);
  if (/["\n\r]/.test(path)) throw buildError(`cannot publish ${JSON.stringify(path)} as a Hydra product: the path contains a quote or a newline`);
  if (!path.startsWith('/')) throw buildError(`cannot publish ${JSON.stringify(path)} as a Hydra product: the path must be absolute`);
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (!HYDRA_PRODUCT_NAME.test(name)) {
    throw buildError(`cannot publish ${JSON.stringify(path)} as a Hydra product: Hydra accepts only file names of [a-zA-Z0-9.@:_+ -]`);
  }
  const p = /[\s<>]/.test(path) ? `"${path}"` : path;
  const line = `file ${subtype} ${p}`;
  if (!HYDRA_PRODUCT_LINE.test(line)) throw buildError(`cannot publish ${JSON.stringify(path)} as a Hydra product: Hydra's parser would not accept the line`);
  return `${line}\n`;
}

/** Writes OUTDIR/nix-support/system and appends to OUTDIR/nix-support/hydra-build-products. */
export async function writeHydraProducts(outDir: string, opts: HydraProductsOptions): Promise<{ productsPath: string; systemPath: string }> {
  if (!/^\S+$/.test(opts.system)) throw buildError(`invalid Nix system "${opts.system}"`);
  const dir = join(outDir, 'nix-support');
  const productsPath = join(dir, 'hydra-build-products');
  const systemPath = join(dir, 'system');
  const newLines = [hydraProductLine(opts.subtype ?? 'sd-image', resolve(opts.imagePath))];
  for (const x of opts.extra ?? []) newLines.push(hydraProductLine(x.subtype, resolve(x.path)));
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(systemPath, `${opts.system}\n`);
    let existing = '';
    try {
      existing = await readFile(productsPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const lines = existing.split('\n');
    const add = newLines.filter((line) => !lines.includes(line.slice(0, -1)));
    if (add.length) {
      const sep = existing === '' || existing.endsWith('\n') ? '' : '\n';
      await writeFile(productsPath, existing + sep + add.join(''));
    }
  } catch (err) {
    if (err instanceof ImgsmithError) throw err;
    throw buildError(`cannot write the Hydra build products in ${dir}: ${(err as Error).message}`, err);
  }
  return { productsPath, systemPath };
}

/** The Hydra products output: nix-support/{hydra-build-products,system} naming the products the other outputs offer. */
export const hydraOutput: Output = {
  name: 'hydra',
  enabled: () => true,
  async make({ made, tmp, outDir, spec }) {
    const products = made.flatMap((m) => m.hydra ?? []);
    const [first, ...rest] = products;
    if (!first) throw internalError('no Hydra product');
    await writeHydraProducts(tmp, {
      imagePath: path.join(outDir, first[1]),
      subtype: first[0],
      system: spec.system,
      ...(rest.length ? { extra: rest.map(([subtype, file]) => ({ subtype, path: path.join(outDir, file) })) } : {}),
    });
    return { output: 'hydra', files: [[path.join(tmp, 'nix-support'), 'nix-support']] };
  },
};
