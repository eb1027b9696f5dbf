/**
 * Bundles the GitHub Action (action/main.ts and everything it imports from src/ and
 * node_modules) into dist/index.mjs with esbuild, and copies js-fatfs's fatfs.wasm beside
 * it (js-fatfs loads it from `new URL('fatfs.wasm', import.meta.url)`, i.e. next to the
 * bundle). The native addon (build/Release) is not bundled: relative `new URL(...,
 * import.meta.url)` references in src/ are re-pointed from the bundle's place (a
 * build/Release next to dist/, as next to src/; absent in an action checkout, where the
 * JavaScript fallbacks run).
 *
 *   npm run build:action            writes dist/
 *   bundleAction(dir)               writes the same files into dir (test/action.test.ts
 *                                   compares them with the committed dist/: stale = failure)
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The files bundleAction writes, relative to its output directory. */
export const DIST_FILES = ['index.mjs', 'fatfs.wasm'];

/** Rewrites `new URL('../x', import.meta.url)` in src/ so it names the same file from distDir (dist/, or lib/ for scripts/bundle-cli.ts). */
export function relocateUrls(distDir: string): Plugin {
  return {
    name: 'relocate-import-meta-urls',
    setup(b) {
      b.onLoad({ filter: /[\\/](src|action)[\\/].*\.ts$/ }, async (args) => {
        const text = await fsp.readFile(args.path, 'utf8');
        const contents = text.replace(/new URL\((['"])(\.\.?\/[^'"]+)\1,\s*import\.meta\.url\)/g, (_m, _q, rel: string) => {
          const target = path.resolve(path.dirname(args.path), rel);
          let fromDist = path.relative(distDir, target).split(path.sep).join('/');
          if (!fromDist.startsWith('.')) fromDist = `./${fromDist}`;
          return `new URL(${JSON.stringify(fromDist)}, import.meta.url)`;
        });
        return { contents, loader: 'ts' };
      });
    },
  };
}

/** Writes the bundle into `outDir` (laid out as if it were <repo>/dist). */
export async function bundleAction(outDir: string): Promise<void> {
  await fsp.mkdir(outDir, { recursive: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(ROOT, 'action/main.ts')],
    outfile: path.join(outDir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // CommonJS dependencies (tar-stream ...) require() Node's built-in modules.
    banner: { js: "import { createRequire as __imgsmithCreateRequire } from 'node:module';\nconst require = __imgsmithCreateRequire(import.meta.url);" },
    plugins: [relocateUrls(path.join(ROOT, 'dist'))],
    logLevel: 'warning',
    legalComments: 'eof',
  });
  await fsp.copyFile(path.join(ROOT, 'node_modules/js-fatfs/dist/fatfs.wasm'), path.join(outDir, 'fatfs.wasm'));
  await fsp.chmod(path.join(outDir, 'fatfs.wasm'), 0o644);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundleAction(path.join(ROOT, 'dist'));
  for (const f of DIST_FILES) {
    const st = await fsp.stat(path.join(ROOT, 'dist', f));
    process.stdout.write(`dist/${f} ${st.size} bytes\n`);
  }
}
