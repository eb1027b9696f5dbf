/**
 * `npm run example`: generates a small NixOS-shaped closure and placeholder
 * firmware under .cache/example (deterministically), then builds
 * images/rpi-aarch64.json from them into out/example.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeClosure } from '../test/helpers/closure-fixture.ts';
import { makeFirmware } from '../test/helpers/firmware-fixture.ts';
import { main } from '../src/cli.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = path.join(repo, '.cache/example');
await fsp.rm(work, { recursive: true, force: true });
const fx = await makeClosure(work, { seed: 'imgsmith-example' });
const firmware = await makeFirmware(path.join(work, 'firmware'));
const out = process.env.IMGSMITH_OUT ?? path.join(repo, 'out/example');
process.stderr.write(`example closure: ${fx.closureInfoDir} (${fx.storePaths.length} store paths)\n`);
process.exitCode = await main([
  'build', path.join(repo, 'images/rpi-aarch64.json'),
  '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', firmware,
  '-o', out, '--keep-raw',
]);
