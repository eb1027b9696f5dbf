/**
 * `npm run boot-image`: builds a bootable Raspberry Pi image (images/rpi-aarch64.json
 * with the aarch64 boot fixture of test/helpers/boot-fixture.ts: real Debian kernel,
 * U-Boot and Pi firmware) into $IMGSMITH_OUT (default out/boot), and prints the image
 * path and the marker its system prints when it has booted. Boot it with
 *   imgsmith boot-test <image> --machine raspi3b   (or virt)
 * Downloads are cached in $IMGSMITH_CACHE (default <repo>/.cache).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { buildImage } from '../src/build.ts';
import { makeBootFixture, repoRoot } from '../test/helpers/boot-fixture.ts';

async function main(): Promise<void> {
  const outDir = path.resolve(process.env.IMGSMITH_OUT || path.join(repoRoot(), 'out', 'boot'));
  const fixtureDir = path.join(outDir, 'fixture');
  await fsp.rm(fixtureDir, { recursive: true, force: true });
  const fixture = await makeBootFixture({
    arch: 'aarch64',
    workDir: fixtureDir,
    rootLabel: 'NIXOS_SD',
    log: (m) => process.stderr.write(`${m}\n`),
  });
  const r = await buildImage({
    specPath: path.join(repoRoot(), 'images', 'rpi-aarch64.json'),
    closure: fixture.closureInfoDir,
    storeRoot: fixture.storeRoot,
    toplevel: fixture.toplevel,
    firmware: fixture.firmwareDir,
    outDir,
    compress: false,
  });
  if (!r.imagePath) throw new Error('buildImage produced no raw image');
  process.stdout.write(`image: ${r.imagePath}\nmarker: ${fixture.marker}\n`);
  process.stderr.write(`boot it with: imgsmith boot-test ${r.imagePath} --machine raspi3b   (or --machine virt)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`boot-image: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
