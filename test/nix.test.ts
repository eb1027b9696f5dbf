/**
 * The Nix expressions (nix/, flake.nix), with Debian's nix-bin (scripts/test-tools.sh) and
 * no nixpkgs: every .nix file parses; release.nix's board x configuration mapping, mkImage
 * (make-image.nix with its evaluation-time checks), package.nix and the flake's outputs
 * are evaluated with stubs for the nixpkgs functions they call; and the proof: mkImage's
 * builder script (nix/image-script.nix) runs inside a real `nix-build` (raw derivation,
 * sandbox off, host tools on PATH; nix/tests/in-nix-build.nix) on the Pi recipe and the
 * test closure, and the image is byte-identical to the CLI's build outside Nix.
 *
 * Nix never touches /nix or the user's Nix setup here: every nix command runs with a store,
 * state, log, config and cache under a temporary directory (`--store local?store=DIR/store
 * &state=...`: a store whose store directory is DIR/store, so builds need no chroot and no
 * root) and an empty environment besides PATH; evaluations use --readonly-mode.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fsp, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { REPO, listFiles, runCli } from './helpers/cli.ts';
import { makeClosure, makeTmpDir, removeTree, type ClosureFixture } from './helpers/closure-fixture.ts';
import { makeFirmware, pseudoRandom } from './helpers/firmware-fixture.ts';
import { which } from '../action/tools.ts';
import { privateNix, type PrivateNix } from './helpers/nix-eval.ts';

const hasNix = which('nix-instantiate', process.env.PATH!) !== undefined && which('nix-build', process.env.PATH!) !== undefined;
const noNix = hasNix ? false : 'nix-instantiate/nix-build not installed (scripts/test-tools.sh installs Debian nix-bin)';

let tmp: string;
let nixDir: string;
let nix: PrivateNix;

before(async () => {
  tmp = await makeTmpDir('imgsmith-nix-');
  nixDir = path.join(tmp, 'nix');
  nix = await privateNix(nixDir);
});

after(async () => {
  if (tmp) await removeTree(tmp);
});

const nixEval = (expr: string) => nix.eval(expr);

async function nixFiles(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await fsp.readdir(d, { withFileTypes: true })) {
      if (['node_modules', '.git', 'build', 'lib', 'out', '.cache'].includes(e.name)) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.nix')) out.push(path.relative(REPO, p));
    }
  };
  await walk(REPO);
  return out.sort();
}

/** Stubs of the nixpkgs functions the expressions call (enough to evaluate, no building). */
const STUB_PKGS = `
  stubPkgs = {
    closureInfo = { rootPaths }: "/closure-info-of-" + builtins.baseNameOf (builtins.head rootPaths);
    runCommand = name: env: script: { type = "runCommand"; inherit name script; specJson = env.specJson; };
    callPackage = f: args: "imgsmith-package";
    stdenv.hostPlatform.system = "x86_64-linux";
  };`;

test('every .nix file passes nix-instantiate --parse', { skip: noNix }, async () => {
  const files = await nixFiles();
  for (const f of ['flake.nix', 'nix/package.nix', 'nix/npm-lock.nix', 'nix/make-image.nix', 'nix/image-script.nix', 'nix/release.nix', 'nix/rpi-firmware.nix', 'nix/tests/in-nix-build.nix', 'nix/module.nix', 'nix/spec-nixos.nix', 'test/nix/nixos-options.nix']) {
    assert.ok(files.includes(f), `${f} exists`);
  }
  const { env, store } = nix;
  for (const f of files) {
    const r = await execa('nix-instantiate', [...store, '--parse', f], { cwd: REPO, env, extendEnv: false, reject: false });
    assert.equal(r.exitCode, 0, `${f}: ${r.stderr}`);
  }
});

test('release.nix maps boards x configurations to NixOS systems importing the module, keyed <job>.<system> (stubs for NixOS, hydraJob and firmware)', { skip: noNix }, async () => {
  const r = await nixEval(`
    let
      ${STUB_PKGS}
      jobs = import ./nix/release.nix {
        pkgs = stubPkgs // { marker = "build-pkgs"; };
        pkgsFor = system: stubPkgs // { callPackage = f: args: "imgsmith-package-" + system; };
        hydraJob = x: { hydraJob = x; };
        nixosSystem = { system, modules }: {
          config.system.build.image = {
            inherit system;
            module = builtins.baseNameOf (toString (builtins.elemAt modules 0));
            image = let i = (builtins.elemAt modules 1).imgsmith.image; in {
              inherit (i) enable firmware;
              spec = builtins.baseNameOf (toString i.spec);
              buildPackages = i.buildPackages.marker;
            };
            ssh = (builtins.elemAt modules 2).services.openssh.enable or false;
            handWritten = builtins.any (m: builtins.isAttrs m && (m ? fileSystems || m ? swapDevices || m ? boot)) modules;
          };
        };
        rpiFirmware = "rpi-firmware";
      };
    in jobs`);
  assert.equal(r.exitCode, 0, r.stderr);
  type Image = { system: string; module: string; image: { enable: boolean; firmware: string | null; spec: string; buildPackages: string }; ssh: boolean; handWritten: boolean };
  const jobs = r.value as Record<string, Record<string, { hydraJob: Image | string }>>;
  assert.deepEqual(Object.keys(jobs).sort(), ['arm-drive-minimal', 'arm-drive-ssh', 'imgsmith', 'rpi-minimal', 'rpi-ssh', 'rpi4-usb-ssd-minimal', 'rpi4-usb-ssd-ssh']);
  assert.deepEqual(jobs.imgsmith, { 'x86_64-linux': { hydraJob: 'imgsmith-package' }, 'aarch64-linux': { hydraJob: 'imgsmith-package-aarch64-linux' } });
  const specs: Record<string, string> = { rpi: 'rpi-aarch64.json', 'rpi4-usb-ssd': 'rpi4-usb-ssd.json', 'arm-drive': 'arm-drive.json' };
  for (const [board, spec] of Object.entries(specs)) {
    const json = JSON.parse(readFileSync(path.join(REPO, 'images', spec), 'utf8'));
    const usesFirmware = JSON.stringify(json.partitions).includes('"from":"firmware"');
    for (const config of ['minimal', 'ssh']) {
      const job = jobs[`${board}-${config}`]!;
      assert.deepEqual(Object.keys(job), [json.system], `${board}-${config} is keyed by its system`);
      assert.deepEqual(job[json.system]!.hydraJob, {
        system: 'aarch64-linux',
        module: 'module.nix',
        image: { enable: true, firmware: usesFirmware ? 'rpi-firmware' : null, spec, buildPackages: 'build-pkgs' },
        ssh: config === 'ssh',
        handWritten: false,
      });
    }
  }
});

test('mkImage: the sd-image layout, SOURCE_DATE_EPOCH 1, and a clear throw when the spec needs firmware and none is given', { skip: noNix }, async () => {
  const mk = (args: string) => `
    let ${STUB_PKGS}
        mkImage = import ./nix/make-image.nix { pkgs = stubPkgs; imgsmith = "/imgsmith-pkg"; };
    in mkImage { ${args} }`;
  const ok = await nixEval(mk(`spec = ./images/rpi-aarch64.json; toplevel = "/nix/store/aaaa-nixos-system"; firmware = "/fw";`));
  assert.equal(ok.exitCode, 0, ok.stderr);
  const d = ok.value as { name: string; script: string; specJson: string };
  assert.equal(d.name, 'rpi-aarch64-image');
  const spec = JSON.parse(readFileSync(path.join(REPO, 'images/rpi-aarch64.json'), 'utf8'));
  assert.deepEqual(JSON.parse(d.specJson), { ...spec, output: { ...spec.output, directory: 'sd-image' } });
  assert.match(d.script, /^export SOURCE_DATE_EPOCH=1$/m);
  assert.match(d.script, /\/imgsmith-pkg\/bin\/imgsmith build "\$TMPDIR\/spec\/"'rpi-aarch64\.json' \\\n\s+--closure '\/closure-info-of-aaaa-nixos-system' --toplevel '\/nix\/store\/aaaa-nixos-system' --firmware '\/fw' \\\n\s+-o "\$out"/);
  assert.match(d.script, /cp -R \/[^ ]*-images\/\. "\$TMPDIR\/spec\/"/, 'the spec directory is copied into the store');

  const noFw = await nixEval(mk(`spec = ./images/rpi-aarch64.json; toplevel = "/nix/store/aaaa-nixos-system";`));
  assert.notEqual(noFw.exitCode, 0);
  assert.match(noFw.stderr, /mkImage: the spec rpi-aarch64\.json copies files from the firmware \(\{ "from": "firmware" \} items\) but no `firmware` argument was given/);
  // A spec without firmware items needs none.
  const arm = await nixEval(mk(`spec = ./images/arm-drive.json; toplevel = "/nix/store/aaaa-nixos-system";`));
  assert.equal(arm.exitCode, 0, arm.stderr);
  assert.doesNotMatch((arm.value as { script: string }).script, /--firmware/);
  const notSpec = await nixEval(mk(`spec = ./package.json; toplevel = "/nix/store/aaaa-nixos-system";`));
  assert.match(notSpec.stderr, /mkImage: package\.json is not an imgsmith image spec/);
});

test('mkImage regions: a loader file from a package path fills the spec\'s region (copied beside the spec, no firmware needed); new regions; clear throws', { skip: noNix }, async () => {
  const mk = (args: string) => `
    let ${STUB_PKGS}
        mkImage = import ./nix/make-image.nix { pkgs = stubPkgs; imgsmith = "/imgsmith-pkg"; };
    in mkImage { spec = ./images/allwinner-h3.json; toplevel = "/nix/store/aaaa-nixos-system"; ${args} }`;
  const UBOOT = '/nix/store/22222222222222222222222222222222-u-boot-orangepi-pc/u-boot-sunxi-with-spl.bin';
  const spec = JSON.parse(readFileSync(path.join(REPO, 'images/allwinner-h3.json'), 'utf8'));
  const specSpl = spec.regions.find((r: { name: string }) => r.name === 'spl');
  assert.ok(specSpl && (specSpl.from ?? 'firmware') === 'firmware', 'the recipe reads its SPL from the firmware directory');

  const noFw = await nixEval(mk(''));
  assert.notEqual(noFw.exitCode, 0);
  assert.match(noFw.stderr, /mkImage: the spec allwinner-h3\.json reads its region "spl" \(u-boot-sunxi-with-spl\.bin\) from the firmware directory but no `firmware` argument was given; pass firmware, or the file from a package: regions = \[ \{ name = "spl"; file = "\$\{<the loader's package>\}\/u-boot-sunxi-with-spl\.bin"; \} \]/);

  const ok = await nixEval(mk(`regions = [ { name = "spl"; file = "${UBOOT}"; } ];`));
  assert.equal(ok.exitCode, 0, ok.stderr);
  const d = ok.value as { script: string; specJson: string };
  const json = JSON.parse(d.specJson);
  assert.deepEqual(json.regions, [{ ...specSpl, from: 'spec', file: 'region-spl-u-boot-sunxi-with-spl.bin' }]);
  assert.deepEqual({ ...json, regions: spec.regions }, { ...spec, output: { ...spec.output, directory: 'sd-image' } }, 'nothing else changes');
  assert.ok(d.script.includes(`cp '${UBOOT}' "$TMPDIR/spec/"'region-spl-u-boot-sunxi-with-spl.bin'\n`), d.script);
  assert.ok(d.script.indexOf("cp '/nix/store/2222") > d.script.indexOf('printf'), 'copied after the spec directory');
  assert.doesNotMatch(d.script, /--firmware/);

  // offset/maxSize given for a spec region win; a region the spec lacks is added (it needs an offset).
  const more = await nixEval(mk(`regions = [ { name = "spl"; file = "${UBOOT}"; maxSize = "512KiB"; } { name = "env"; file = "/nix/store/3333-env/env.bin"; offset = "4MiB"; } ];`));
  assert.equal(more.exitCode, 0, more.stderr);
  assert.deepEqual(JSON.parse((more.value as { specJson: string }).specJson).regions, [
    { ...specSpl, maxSize: '512KiB', from: 'spec', file: 'region-spl-u-boot-sunxi-with-spl.bin' },
    { name: 'env', offset: '4MiB', from: 'spec', file: 'region-env-env.bin' },
  ]);

  const bad: [string, RegExp][] = [
    [`regions = [ { name = "boot0"; file = "${UBOOT}"; } ];`, /mkImage: `regions` gives a file for the region "boot0", but allwinner-h3\.json has no region of that name \(it has: spl\); give its offset \(and maxSize\) to add one/],
    [`regions = [ { name = "spl"; file = "${UBOOT}"; } { name = "spl"; file = "${UBOOT}"; } ];`, /mkImage: `regions` names the region "spl" twice/],
    [`regions = [ { name = "spl"; } ];`, /mkImage: every entry of `regions` needs a name \(a string\) and a file, got \["name"\]/],
  ];
  for (const [args, msg] of bad) {
    const r = await nixEval(mk(args));
    assert.notEqual(r.exitCode, 0, args);
    assert.match(r.stderr, msg);
  }
});

test('package.nix (stub buildNpmPackage) and flake.nix outputs (stub nixpkgs) evaluate', { skip: noNix }, async () => {
  const r = await nixEval(`
    let
      ${STUB_PKGS}
      lib = {
        fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        importJSON = f: builtins.fromJSON (builtins.readFile f);
        makeBinPath = ps: builtins.concatStringsSep ":" (map (p: "\${p}/bin") ps);
        licenses.mit = "mit";
        platforms.linux = [ "x86_64-linux" ];
      };
      # package.nix's arguments (every runtime tool package it takes), shared by both evaluations.
      pkgArgs = {
        inherit lib;
        buildNpmPackage = a: a;
        nodejs_24 = "/node24"; python3 = "/python3"; makeWrapper = "/makeWrapper"; pkg-config = "/pkg-config";
        e2fsprogs = { outPath = "/e2fsprogs"; dev = "/e2fsprogs-dev"; }; btrfs-progs = "/btrfs-progs"; erofs-utils = "/erofs-utils"; squashfsTools = "/squashfsTools";
        zstd = "/zstd"; util-linux = "/util-linux";
        coreutils = "/coreutils"; findutils = "/findutils"; gptfdisk = "/gptfdisk"; dosfstools = "/dosfstools"; xz = "/xz"; bzip2 = "/bzip2"; lz4 = "/lz4";
      };
      pkg = import ./nix/package.nix (pkgArgs // {
        importNpmLock = {
          __functor = self: args: { npmRoot = builtins.baseNameOf args.npmRoot; resolvedYargs = args.packageLock.packages."node_modules/yargs".resolved; };
          npmConfigHook = "importNpmLock-hook";
        };
      });
      withHash = import ./nix/package.nix (pkgArgs // { npmDepsHash = "sha256-BBBB"; });
      stubNixpkgs = {
        lib.genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);
        legacyPackages = { x86_64-linux = stubPkgs; aarch64-linux = stubPkgs; };
      };
      flake = import ./flake.nix;
      self = flake.outputs { inherit self; nixpkgs = stubNixpkgs; };
    in {
      inherit (pkg) pname version npmBuildScript postBuild postInstall npmDeps npmConfigHook;
      hasHash = pkg ? npmDepsHash;
      withHash = { inherit (withHash) npmDepsHash; hasDeps = withHash ? npmDeps; };
      nodejs = pkg.nodejs;
      packages = builtins.attrNames self.packages;
      imgsmith = self.packages.aarch64-linux.imgsmith;
      image = self.lib.mkImage { pkgs = stubPkgs; spec = ./images/arm-drive.json; toplevel = "/nix/store/bbbb-sys"; };
      nixosModules = builtins.mapAttrs (n: m: builtins.baseNameOf (toString m)) self.nixosModules;
      checks = builtins.mapAttrs (n: c: builtins.attrNames c) self.checks;
      hydraJobs = builtins.attrNames self.hydraJobs;
    }`);
  assert.equal(r.exitCode, 0, r.stderr);
  const v = r.value as Record<string, unknown> & { image: { name: string; script: string } };
  const pkgJson = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  assert.equal(v.pname, 'imgsmith');
  assert.equal(v.version, pkgJson.version);
  assert.equal(v.nodejs, '/node24');
  assert.equal(v.npmBuildScript, 'build');
  // The npm dependencies: importNpmLock on the lock file with its registry URLs filled in, no hash;
  // or fetchNpmDeps when an npmDepsHash is passed.
  assert.match((v.npmDeps as { npmRoot: string }).npmRoot, /^[0-9a-z]{32}-imgsmith-src$/);
  assert.deepEqual(v.npmDeps, { npmRoot: (v.npmDeps as { npmRoot: string }).npmRoot, resolvedYargs: `https://registry.npmjs.org/yargs/-/yargs-${JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')).packages['node_modules/yargs'].version}.tgz` });
  assert.equal(v.npmConfigHook, 'importNpmLock-hook');
  assert.equal(v.hasHash, false);
  assert.deepEqual(v.withHash, { npmDepsHash: 'sha256-BBBB', hasDeps: false });
  assert.match(String(v.postBuild), /npm run build:native/);
  for (const t of ['e2fsprogs', 'btrfs-progs', 'erofs-utils', 'squashfsTools', 'zstd', 'util-linux', 'gptfdisk', 'dosfstools', 'xz', 'bzip2', 'lz4']) assert.ok(String(v.postInstall).includes(`/${t}/bin`), `${t} on imgsmith's PATH`);
  assert.ok(pkgJson.scripts['build:native'] && pkgJson.scripts.build);
  assert.deepEqual(v.packages, ['aarch64-linux', 'x86_64-linux']);
  assert.equal(v.imgsmith, 'imgsmith-package');
  assert.equal(v.image.name, 'arm-drive-image');
  assert.match(v.image.script, /imgsmith-package\/bin\/imgsmith build/);
  assert.deepEqual(v.nixosModules, { default: 'module.nix', imgsmith: 'module.nix' });
  assert.deepEqual(v.checks, { 'aarch64-linux': ['imgsmith', 'module-arm-drive', 'module-uefi'], 'x86_64-linux': ['imgsmith', 'module-arm-drive', 'module-uefi'] });
  assert.deepEqual(v.hydraJobs, ['arm-drive-minimal', 'arm-drive-ssh', 'imgsmith', 'rpi-minimal', 'rpi-ssh', 'rpi4-usb-ssd-minimal', 'rpi4-usb-ssd-ssh']);
});

/** npm's cache index (~/.npm/_cacache/index-v5): tarball URL -> integrity, as npm fetched them. */
async function npmCacheIntegrity(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const root = path.join(process.env.npm_config_cache || path.join(process.env.HOME ?? '/root', '.npm'), '_cacache/index-v5');
  for (const rel of await listFiles(root)) {
    for (const line of (await fsp.readFile(path.join(root, rel), 'utf8')).split('\n')) {
      const m = /^[0-9a-f]+\t(.*)$/.exec(line);
      if (!m) continue;
      try {
        const j = JSON.parse(m[1]!) as { key: string; integrity?: string };
        const url = j.key.replace(/^make-fetch-happen:request-cache:/, '');
        if (url.endsWith('.tgz') && j.integrity) out.set(url, j.integrity);
      } catch {
        // a truncated line
      }
    }
  }
  return out;
}

test('npm-lock.nix gives every package-lock.json entry the registry tarball URL npm fetched it from', { skip: noNix }, async (t) => {
  const r = await nixEval(`builtins.mapAttrs (k: v: { resolved = v.resolved or null; integrity = v.integrity or null; }) (import ./nix/npm-lock.nix (builtins.fromJSON (builtins.readFile ./package-lock.json))).packages`);
  assert.equal(r.exitCode, 0, r.stderr);
  const pkgs = r.value as Record<string, { resolved: string | null; integrity: string | null }>;
  const lock = JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; integrity?: string; name?: string }> };
  assert.deepEqual(Object.keys(pkgs).sort(), Object.keys(lock.packages).sort());
  for (const [key, p] of Object.entries(pkgs)) {
    if (key === '') continue;
    assert.ok(p.integrity?.startsWith('sha512-'), `${key}: integrity`);
    // An alias ("string-width-cjs": "npm:string-width@...") is fetched under its real name.
    const name = lock.packages[key]!.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    assert.equal(p.resolved, `https://registry.npmjs.org/${name}/-/${name.replace(/^@[^/]+\//, '')}-${lock.packages[key]!.version}.tgz`, key);
  }
  // Independent check: npm's own cache records which URL gave which bytes.
  const cache = await npmCacheIntegrity();
  const installed = Object.keys(pkgs).filter((k) => k !== '' && (() => { try { return statSync(path.join(REPO, k, 'package.json')).isFile(); } catch { return false; } })());
  const seen = installed.filter((k) => cache.has(pkgs[k]!.resolved!));
  if (seen.length === 0) {
    t.diagnostic('npm cache has none of the installed packages: URLs checked by form only');
    return;
  }
  for (const k of seen) assert.equal(cache.get(pkgs[k]!.resolved!), pkgs[k]!.integrity, `${k}: npm fetched ${pkgs[k]!.resolved} with another integrity`);
  t.diagnostic(`${seen.length} of ${installed.length} installed packages found in npm's cache under the computed URL with the lock's integrity`);
  assert.ok(seen.length >= installed.length / 2, `only ${seen.length} of ${installed.length} installed packages found in npm's cache under the computed URL`);
});

let fx: ClosureFixture;
let firmware: string;

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

/** nix/tests/in-nix-build.nix for `recipe` on the closure fixture (plus `extra` arguments) in the private
 *  store; returns the output path. */
async function inNixBuild(recipe: string, extra: string[]): Promise<string> {
  const { env, store } = nix;
  const r = await execa(
    'nix-build',
    [
      ...store, '--no-out-link', 'nix/tests/in-nix-build.nix',
      '--arg', 'spec', recipe,
      ...extra,
      '--argstr', 'closureInfo', fx.closureInfoDir,
      '--argstr', 'storeRoot', fx.storeRoot,
      '--argstr', 'toplevel', fx.toplevel,
      '--argstr', 'repo', REPO,
      '--argstr', 'hostPath', process.env.PATH!,
    ],
    { cwd: REPO, env, extendEnv: false, reject: false, timeout: 200_000 },
  );
  assert.equal(r.exitCode, 0, `nix-build failed:\n${r.stderr}`);
  return String(r.stdout).trim();
}

test('the Pi recipe built inside a real nix-build is byte-identical to the same build outside Nix', { skip: noNix, timeout: 240_000 }, async () => {
  fx = await makeClosure(path.join(tmp, 'fx'));
  firmware = await makeFirmware(path.join(tmp, 'firmware'));
  const recipe = path.join(REPO, 'images/rpi-aarch64.json');
  const outside = path.join(tmp, 'outside');
  const cli = await runCli(['build', recipe, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', firmware, '-o', outside]);
  assert.equal(cli.exitCode, 0, cli.stderr);

  const outPath = await inNixBuild(recipe, ['--argstr', 'firmware', firmware]);
  assert.ok(outPath.startsWith(path.join(nixDir, 'store') + '/') && outPath.endsWith('-rpi-aarch64-image'), `built into the private store: ${outPath}`);

  const name = (await fsp.readdir(outside)).find((f) => f.endsWith('.img.zst'))!;
  assert.ok(name, 'the CLI wrote an .img.zst');
  const inNix = path.join(outPath, 'sd-image', name);
  assert.equal(sha(inNix), sha(path.join(outside, name)), 'the image built in nix-build differs from the one built outside');
  assert.deepEqual((await fsp.readdir(path.join(outPath, 'sd-image'))).sort(), [name.replace(/\.img\.zst$/, '.bmap'), name, `${name}.sha256`].sort());
  assert.equal(readFileSync(path.join(outPath, 'nix-support/hydra-build-products'), 'utf8'), `file sd-image ${inNix}\n`);
  assert.equal(readFileSync(path.join(outPath, 'nix-support/system'), 'utf8').trim(), 'aarch64-linux');
  // manifest.json beside them, naming the same image.
  const m = JSON.parse(readFileSync(path.join(outPath, 'manifest.json'), 'utf8'));
  assert.equal(m.image.compressed.sha256, sha(inNix));
});

test('mkImage regions inside a real nix-build: the Allwinner recipe with its SPL from a store path is byte-identical to the CLI build with --firmware', { skip: noNix, timeout: 240_000 }, async () => {
  fx ??= await makeClosure(path.join(tmp, 'fx'));
  // A stand-in loader (the recipe does not look inside it): a file copied into the store by the path literal.
  const loaderDir = path.join(tmp, 'u-boot-orangepi-pc');
  await fsp.mkdir(loaderDir, { recursive: true });
  await fsp.writeFile(path.join(loaderDir, 'u-boot-sunxi-with-spl.bin'), pseudoRandom('imgsmith-test-sunxi-spl', 536_892));
  const recipe = path.join(REPO, 'images/allwinner-h3.json');
  const outside = path.join(tmp, 'outside-allwinner');
  const cli = await runCli(['build', recipe, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', loaderDir, '-o', outside]);
  assert.equal(cli.exitCode, 0, cli.stderr);

  const outPath = await inNixBuild(recipe, ['--arg', 'regions', `[ { name = "spl"; file = ${path.join(loaderDir, 'u-boot-sunxi-with-spl.bin')}; } ]`]);
  const name = (await fsp.readdir(outside)).find((f) => f.endsWith('.img.zst'))!;
  assert.equal(sha(path.join(outPath, 'sd-image', name)), sha(path.join(outside, name)), 'the image built in nix-build differs from the one built outside');
  // The manifest names the region's file as copied beside the spec, with the same bytes.
  const m = JSON.parse(readFileSync(path.join(outPath, 'manifest.json'), 'utf8'));
  const cliM = JSON.parse(readFileSync(path.join(outside, 'manifest.json'), 'utf8'));
  assert.equal(m.regions.length, 1);
  assert.deepEqual({ ...m.regions[0], file: undefined, from: undefined }, { ...cliM.regions[0], file: undefined, from: undefined });
  assert.deepEqual([m.regions[0].from, m.regions[0].file], ['spec', 'region-spl-u-boot-sunxi-with-spl.bin']);
  assert.equal(m.regions[0].sha256, sha(path.join(loaderDir, 'u-boot-sunxi-with-spl.bin')));
});
