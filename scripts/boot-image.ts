/**
 * `npm run boot-image`: builds a bootable Raspberry Pi image with the aarch64 boot fixture of
 * test/helpers/boot-fixture.ts (real Debian kernel, U-Boot and Pi firmware), or with an
 * armv7l-linux recipe (allwinner-h3) an Allwinner H3 image with the armhf fixture, into $IMGSMITH_OUT
 * (default out/boot), and prints the image path and the marker its system prints when it has
 * booted. The recipe is $IMGSMITH_RECIPE: a spec file, or the name of one in images/
 * ("rpi-direct-aarch64" or "rpi-direct-aarch64.json"); default images/rpi-aarch64.json
 * (U-Boot + extlinux). Boot it with
 *   imgsmith boot-test <image> --machine raspi3b   (or virt for the U-Boot recipe)
 * IMGSMITH_FIRST_BOOT=1 puts nix/first-boot.sh (and the tools it runs) into the system: the
 * booted fixture grows its root to the end of the disk (write the image to a larger disk, or
 * `truncate -s +1G` it) and prints `imgsmith-grown: ...` before the marker.
 * Downloads are cached in $IMGSMITH_CACHE (default <repo>/.cache).
 */
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { FixtureArch } from '../test/helpers/boot-fixture.ts';
import { warningsOnlyProgress } from '../src/progress-reporters.ts';
import { buildWithFixture, fixtureNeeds, makeBootFixture, repoRoot } from '../test/helpers/boot-fixture.ts';

/** The spec file named by $IMGSMITH_RECIPE. */
function recipePath(value: string | undefined): string {
  if (!value) return path.join(repoRoot(), 'images', 'rpi-aarch64.json');
  if (existsSync(value)) return path.resolve(value);
  if (!value.includes('/')) {
    const named = path.join(repoRoot(), 'images', value.endsWith('.json') ? value : `${value}.json`);
    if (existsSync(named)) return named;
  }
  throw new Error(`IMGSMITH_RECIPE=${value}: no such spec file (give a path, or a name from images/, e.g. rpi-direct-aarch64)`);
}

/** The fixture and the boot-test machine for a spec's system (armv7l-linux: the Allwinner recipes). */
const BY_SYSTEM: Record<string, { arch: FixtureArch; machine: string }> = {
  'aarch64-linux': { arch: 'aarch64', machine: 'raspi3b' },
  'armv7l-linux': { arch: 'armhf', machine: 'orangepi-pc' },
};

async function main(): Promise<void> {
  const outDir = path.resolve(process.env.IMGSMITH_OUT || path.join(repoRoot(), 'out', 'boot'));
  const specPath = recipePath(process.env.IMGSMITH_RECIPE);
  const needs = await fixtureNeeds(specPath);
  // U-Boot + extlinux: the fixture's kernel-params name the root by label. Direct boot:
  // cmdline.txt names it (root=PARTUUID=); dm-verity: the initrd opens the root named by roothash=.
  const { direct, verity } = needs;
  const rootLabel = direct ? undefined : needs.rootLabel;
  const fixtureDir = path.join(outDir, 'fixture');
  await fsp.rm(fixtureDir, { recursive: true, force: true });
  const target = BY_SYSTEM[needs.system ?? 'aarch64-linux'];
  if (!target) throw new Error(`${specPath}: system ${needs.system} has no boot fixture here (aarch64-linux, armv7l-linux)`);
  const fixture = await makeBootFixture({
    arch: target.arch,
    workDir: fixtureDir,
    firstBoot: process.env.IMGSMITH_FIRST_BOOT === '1',
    verity,
    ...(rootLabel ? { rootLabel } : {}),
    log: (m) => process.stderr.write(`${m}\n`),
    rootOnly: needs.rootOnly,
  });
  const r = await buildWithFixture(specPath, fixture, { outDir, progress: warningsOnlyProgress(process.stderr) });
  if (!r.imagePath) throw new Error('buildImage produced no raw image');
  process.stdout.write(`image: ${r.imagePath}\nmarker: ${fixture.marker}\n`);
  const alt = direct || target.arch !== 'aarch64' ? '' : '   (or --machine virt)';
  const how = verity ? `--machine virt --marker ${fixture.marker}` : `--machine ${target.machine}${alt}`;
  process.stderr.write(`boot it with: imgsmith boot-test ${r.imagePath} ${how}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`boot-image: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
