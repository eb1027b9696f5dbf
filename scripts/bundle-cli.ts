/**
 * Bundles the CLI (src/cli.ts and what it imports from src/ and node_modules) into one file,
 * lib/cli.bundle.js, which bin/imgsmith.js loads instead of lib/cli.js: one module to read and
 * compile instead of ~300 (execa alone is ~100 files), which is most of a short command's
 * start-up. `npm run build` (and so `prepare`, npm pack, npm ci) writes it after tsc.
 *
 * What stays outside the bundle, loaded from node_modules as lib/cli.js would:
 *  - js-fatfs: its Emscripten glue loads fatfs.wasm from beside itself (import.meta.url);
 *  - zstd-codec: required at run time through createRequire (src/inspect/zstd-engines.ts);
 *  - the native addon and helpers (build/Release): `new URL('../x', import.meta.url)` in src/
 *    is re-pointed from lib/ (relocateUrls, as for the Action's dist/).
 * yargs' platform shim locates its locales (and the package.json it reads its parser settings
 * from) from its own import.meta.url: re-pointed at the installed yargs (import.meta.resolve),
 * so messages are translated exactly as before. string-width (yargs lays out the help text of a
 * command before running it) builds Unicode regexps and an Intl.Segmenter when loaded (~35 ms):
 * printable ASCII is measured without it (one column a character), anything else loads it.
 *
 *   node --import tsx scripts/bundle-cli.ts [OUT]   writes OUT (default lib/cli.bundle.js)
 *   bundleCli(out)                                  the same (test/cli-bundle.test.ts compares)
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { relocateUrls, ROOT } from './bundle-action.ts';
import { writeSpecValidator } from './spec-validator.ts';

export const BUNDLE = path.join(ROOT, 'lib/cli.bundle.js');
const EXTERNAL = ['js-fatfs', 'zstd-codec'];

/** yargs' platform shim: its own file's URL from the installed yargs, not from the bundle. */
function yargsShimUrl(): Plugin {
  return {
    name: 'yargs-shim-url',
    setup(b) {
      b.onLoad({ filter: /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, async (args) => {
        const text = await fsp.readFile(args.path, 'utf8');
        const from = 'const __dirname = fileURLToPath(import.meta.url);';
        if (!text.includes(from)) throw new Error(`bundle-cli: ${args.path} changed: review yargsShimUrl`);
        const url = "new URL('./lib/platform-shims/esm.mjs', import.meta.resolve('yargs'))";
        return { contents: text.replace(from, `const __dirname = fileURLToPath(${url});`), loader: 'js' };
      });
    },
  };
}

/** `import stringWidth from 'string-width'` becomes a function that loads the module on its first call. */
function lazyStringWidth(): Plugin {
  return {
    name: 'lazy-string-width',
    setup(b) {
      b.onResolve({ filter: /^string-width$/ }, (args) =>
        args.kind === 'require-call' ? undefined : { path: path.relative(ROOT, path.dirname(args.importer)), namespace: 'lazy-string-width' });
      b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
        contents: [
          'let m;',
          // Printable ASCII is one column per character whatever the options: the common case, without the module.
          "export default function stringWidth(s, o) { return typeof s === 'string' && /^[\\x20-\\x7e]*$/.test(s) ? s.length : (m ??= require('string-width')).default(s, o); }",
        ].join('\n'),
        resolveDir: path.join(ROOT, args.path),
        loader: 'js',
      }));
    },
  };
}

/** Writes the bundle to `outfile` (laid out as if it were lib/cli.bundle.js). */
export async function bundleCli(outfile: string = BUNDLE): Promise<void> {
  await fsp.mkdir(path.dirname(outfile), { recursive: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(ROOT, 'src/cli.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    // CommonJS dependencies (tar-stream, ajv ...) require() Node's built-in modules.
    banner: { js: "import { createRequire as __imgsmithCreateRequire } from 'node:module';\nconst require = __imgsmithCreateRequire(import.meta.url);" },
    plugins: [relocateUrls(path.dirname(BUNDLE)), yargsShimUrl(), lazyStringWidth()],
    logLevel: 'warning',
    legalComments: 'eof',
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundleCli(process.argv[2] ? path.resolve(process.argv[2]) : BUNDLE);
  // The spec schema's precompiled validator beside it (scripts/spec-validator.ts), loaded by the bundle and lib/spec-schema.js.
  if (!process.argv[2]) await writeSpecValidator();
}
