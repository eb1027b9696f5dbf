/**
 * nix/module.nix (nixosModules.default) evaluated with the real NixOS module system:
 * lib.evalModules from a copy of nixpkgs' lib/ ($IMGSMITH_NIXPKGS_LIB, else ../shared/nixpkgs-lib
 * beside the checkout; the tests skip visibly without it), the NixOS options the module sets
 * declared with their types in test/nix/nixos-options.nix, and stubs for the few packages it
 * names (nothing is built). Checked: for every shipped recipe the derived fileSystems,
 * swapDevices and boot loader; the first-boot services; system.build.image / sdImage; that an
 * explicit setting wins; and the evaluation-time errors (a root first boot cannot grow, a
 * fileSystems entry of the user's naming another device).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './helpers/cli.ts';
import { makeTmpDir, removeTree } from './helpers/closure-fixture.ts';
import { privateNix, type PrivateNix } from './helpers/nix-eval.ts';
import { which } from '../action/tools.ts';

const LIB = path.resolve(process.env.IMGSMITH_NIXPKGS_LIB || path.resolve(REPO, '../shared/nixpkgs-lib'));
const hasNix = which('nix-instantiate', process.env.PATH!) !== undefined;
const SKIP = !hasNix
  ? 'nix-instantiate not installed (scripts/test-tools.sh installs Debian nix-bin)'
  : !existsSync(path.join(LIB, 'lib', 'default.nix'))
    ? `no copy of nixpkgs' lib/ at ${LIB} (set IMGSMITH_NIXPKGS_LIB to a directory holding lib/)`
    : false;

let tmp: string;
let nix: PrivateNix;
before(async () => {
  tmp = await makeTmpDir('imgsmith-nix-module-');
  nix = await privateNix(path.join(tmp, 'nix'));
});
after(async () => {
  if (tmp) await removeTree(tmp);
});

const TOPLEVEL = '/nix/store/00000000000000000000000000000000-nixos-system-test';

/** Evaluates the module with `user` (a Nix module expression) and returns a summary of the config. */
const STUBS = () => `
      lib = import ${JSON.stringify(path.join(LIB, 'lib'))};
      drv = name: { type = "derivation"; inherit name; outPath = "/nix/store/11111111111111111111111111111111-\${name}"; };
      stubPkgs = {
        closureInfo = { rootPaths }: "/closure-info";
        runCommand = name: env: script: { type = "runCommand"; inherit name script; specJson = env.specJson; };
        callPackage = f: args: drv "imgsmith";
        runtimeShell = "/run-time-shell";
        stdenv.hostPlatform.system = "x86_64-linux";
      } // lib.genAttrs [ "util-linux" "e2fsprogs" "btrfs-progs" "gnugrep" "gnused" "coreutils" ] drv;
      pkgs = stubPkgs // { buildPackages = stubPkgs; };
      base = { _module.args.pkgs = pkgs; nix.package = drv "nix"; system.build.toplevel = "${TOPLEVEL}"; };`;

async function evalModule(user: string): Promise<Summary> {
  const r = await nix.eval(`
    let
      ${STUBS()}
      c = (lib.evalModules {
        modules = [
          ./nix/module.nix
          ./test/nix/nixos-options.nix
          base
          (${user})
        ];
      }).config;
    in {
      fileSystems = lib.mapAttrs (n: v: { inherit (v) device fsType options; }) c.fileSystems;
      swapDevices = map (s: s.device) c.swapDevices;
      loader = {
        grub = c.boot.loader.grub.enable;
        extlinux = c.boot.loader.generic-extlinux-compatible.enable;
        systemdBoot = c.boot.loader.systemd-boot.enable;
      };
      failed = map (a: a.message) (lib.filter (a: !a.assertion) c.assertions);
      services = lib.mapAttrs (n: v: { inherit (v) wantedBy before after unitConfig serviceConfig; path = map (p: p.name) v.path; }) c.systemd.services;
      image = if c.imgsmith.image.enable then { inherit (c.system.build.image) name script specJson; sdImage = c.system.build.sdImage.name; } else null;
    }`);
  assert.equal(r.exitCode, 0, r.stderr);
  return r.value as Summary;
}

interface Summary {
  fileSystems: Record<string, { device: string; fsType: string; options: string[] }>;
  swapDevices: string[];
  loader: { grub: boolean; extlinux: boolean; systemdBoot: boolean };
  failed: string[];
  services: Record<string, { wantedBy: string[]; before: string[]; after: string[]; unitConfig: Record<string, unknown>; serviceConfig: Record<string, string>; path: string[] }>;
  image: { name: string; script: string; specJson: string; sdImage: string } | null;
}

const fs = (device: string, fsType: string, options = ['defaults']) => ({ device: `/dev/disk/by-label/${device}`, fsType, options });
const EXTLINUX = { grub: false, extlinux: true, systemdBoot: false };
const NO_LOADER = { grub: false, extlinux: false, systemdBoot: false };
const FIRMWARE_OPTS = ['nofail', 'noauto'];

/** What each shipped recipe means for NixOS (written out by hand from images/*.json). */
const EXPECTED: Record<string, Pick<Summary, 'fileSystems' | 'swapDevices' | 'loader'>> = {
  'rpi-aarch64.json': { fileSystems: { '/': fs('NIXOS_SD', 'ext4'), '/boot/firmware': fs('FIRMWARE', 'vfat', FIRMWARE_OPTS) }, swapDevices: [], loader: EXTLINUX },
  'rpi-direct-aarch64.json': { fileSystems: { '/': fs('NIXOS_SD', 'ext4'), '/boot/firmware': fs('FIRMWARE', 'vfat', FIRMWARE_OPTS) }, swapDevices: [], loader: NO_LOADER },
  'rpi4-usb-ssd.json': { fileSystems: { '/': fs('root', 'btrfs'), '/boot': fs('boot', 'vfat') }, swapDevices: ['/dev/disk/by-label/swap'], loader: EXTLINUX },
  'arm-drive.json': { fileSystems: { '/': fs('NIXOS_ROOT', 'ext4'), '/boot': fs('boot', 'ext4') }, swapDevices: ['/dev/disk/by-label/swap'], loader: EXTLINUX },
  // The loaders (idbloader.img, u-boot.itb) are regions outside the partitions: nothing to mount.
  'rock64.json': { fileSystems: { '/': fs('NIXOS_SD', 'ext4') }, swapDevices: [], loader: EXTLINUX },
  'uefi-x86_64.json': { fileSystems: { '/': fs('NIXOS_ROOT', 'ext4'), '/boot': fs('ESP', 'vfat') }, swapDevices: [], loader: { grub: false, extlinux: false, systemdBoot: true } },
  // Allwinner: the loader is a region outside the partitions; one ext4 root with extlinux.
  'allwinner-h3.json': { fileSystems: { '/': fs('NIXOS_SD', 'ext4') }, swapDevices: [], loader: EXTLINUX },
  'allwinner-h3-gpt.json': { fileSystems: { '/': fs('NIXOS_SD', 'ext4') }, swapDevices: [], loader: EXTLINUX },
  // Not NixOS (busybox init, extlinux.conf as a text item): no boot loader is derived.
  'embedded-fhs.json': { fileSystems: { '/': fs('EMBEDDED_ROOT', 'ext4'), '/boot/firmware': fs('BOOT', 'vfat', FIRMWARE_OPTS) }, swapDevices: [], loader: { grub: true, extlinux: false, systemdBoot: false } },
};

/** Recipes the module refuses (each an evaluation error that says why): build them with the CLI or mkImage. */
const UNSUPPORTED: Record<string, RegExp> = {
  'ab-slots.json': /^imgsmith\.image: ab-slots\.json has A\/B slot partitions \("system-b"\): which slot is \/ is decided at boot/,
  'appliance-verity.json': /^imgsmith\.image: the root partition "root" of appliance-verity\.json is protected by dm-verity \(partition "root-verity"\): the module does not set up an initrd that opens it/,
};

const enable = (spec: string, more = '') => `{ imgsmith.image = { enable = true; spec = ${spec}; firmware = "/firmware"; ${more} }; }`;

test('every shipped recipe: fileSystems, swapDevices and the boot loader derived from the spec; first-boot services; system.build.image', { skip: SKIP, timeout: 120_000 }, async () => {
  const recipes = (await import('node:fs')).readdirSync(path.join(REPO, 'images')).filter((f) => f.endsWith('.json')).sort();
  assert.deepEqual(recipes, [...Object.keys(EXPECTED), ...Object.keys(UNSUPPORTED)].sort(), 'a recipe without an expectation here');
  for (const recipe of recipes) {
    const s = await evalModule(enable(`./images/${recipe}`));
    if (UNSUPPORTED[recipe]) {
      assert.match(s.failed[0] ?? '', UNSUPPORTED[recipe], recipe);
      continue;
    }
    assert.deepEqual({ fileSystems: s.fileSystems, swapDevices: s.swapDevices, loader: s.loader }, EXPECTED[recipe], recipe);
    assert.deepEqual(s.failed, [], recipe);
    // The root device is the label of the partition that receives the closure.
    const spec = JSON.parse(readFileSync(path.join(REPO, 'images', recipe), 'utf8'));
    const root = spec.partitions.find((p: { contents?: { generate?: string }[] }) => p.contents?.some((c) => c.generate === 'closure'));
    assert.equal(s.fileSystems['/']!.device, `/dev/disk/by-label/${root.filesystem.label}`, recipe);
    // The image: mkImage of the spec and the toplevel, under both names.
    assert.equal(s.image!.name, `${spec.name}-image`);
    assert.equal(s.image!.sdImage, s.image!.name);
    assert.deepEqual(JSON.parse(s.image!.specJson), { ...spec, output: { ...spec.output, directory: 'sd-image' } });
    assert.match(s.image!.script, new RegExp(`imgsmith build "\\$TMPDIR/spec/"'${recipe.replace('.', '\\.')}' \\\\\\n\\s+--closure '/closure-info' --toplevel '${TOPLEVEL}' --firmware '/firmware'`));
    // First boot: grow early (before local-fs), register when /nix-path-registration exists.
    const grow = s.services['imgsmith-grow-root']!;
    const reg = s.services['imgsmith-register-store']!;
    assert.match(grow.serviceConfig.ExecStart!, /^\/run-time-shell \/[^ ]+-first-boot\.sh grow$/);
    assert.deepEqual(grow.wantedBy, ['local-fs.target']);
    assert.ok(grow.before.includes('local-fs.target'));
    assert.deepEqual(grow.path, ['util-linux', 'e2fsprogs', 'btrfs-progs', 'gnugrep', 'gnused', 'coreutils']);
    assert.match(reg.serviceConfig.ExecStart!, /^\/run-time-shell \/[^ ]+-first-boot\.sh register$/);
    assert.equal(reg.unitConfig.ConditionPathExists, '/nix-path-registration');
    assert.ok(reg.before.includes('nix-daemon.service') && reg.after.includes('local-fs.target'));
    assert.deepEqual(reg.path, ['nix', 'coreutils']);
  }
});

test('an explicit setting wins over the derived one (mkDefault); the same partition by UUID is no collision', { skip: SKIP, timeout: 60_000 }, async () => {
  const s = await evalModule(`{ lib, ... }: lib.mkMerge [ (${enable('./images/arm-drive.json')}) {
    fileSystems."/".device = "/dev/disk/by-uuid/a11ce000-0000-4000-8000-000000000003";
    fileSystems."/".options = [ "noatime" ];
    fileSystems."/boot".fsType = "ext2";
    swapDevices = [ ];
    boot.loader.grub.enable = true;
    boot.loader.generic-extlinux-compatible.enable = false;
  } ]`);
  assert.deepEqual(s.fileSystems, {
    '/': { device: '/dev/disk/by-uuid/a11ce000-0000-4000-8000-000000000003', fsType: 'ext4', options: ['noatime'] },
    '/boot': { device: '/dev/disk/by-label/boot', fsType: 'ext2', options: ['defaults'] },
  });
  assert.deepEqual(s.swapDevices, []);
  assert.deepEqual(s.loader, { grub: true, extlinux: false, systemdBoot: false });
  assert.deepEqual(s.failed, []);
  // Turned off: nothing derived, no first-boot services.
  const off = await evalModule(enable('./images/arm-drive.json', 'deriveFileSystems = false; deriveBootLoader = false; growRoot = false; registerStore = false;'));
  assert.deepEqual([off.fileSystems, off.swapDevices, off.loader, off.services], [{}, [], { grub: true, extlinux: false, systemdBoot: false }, {}]);
  // Not enabled: the module sets nothing.
  const none = await evalModule('{ }');
  assert.deepEqual([none.fileSystems, none.services, none.image], [{}, {}, null]);
});

test('a fileSystems entry naming another device at a spec mount point is an evaluation error naming both', { skip: SKIP, timeout: 60_000 }, async () => {
  const s = await evalModule(`{ lib, ... }: lib.mkMerge [ (${enable('./images/rpi4-usb-ssd.json')}) { fileSystems."/boot".device = "/dev/sda1"; } ]`);
  assert.equal(s.failed.length, 1, s.failed.join('\n'));
  assert.match(s.failed[0]!, /fileSystems\."\/boot"\.device is \/dev\/sda1 in your configuration, but rpi4-usb-ssd\.json puts partition "boot" \(\/dev\/disk\/by-label\/boot\) at \/boot/);
  // Moving the spec's partition elsewhere resolves it.
  const moved = await evalModule(`{ lib, ... }: lib.mkMerge [ (${enable('./images/rpi4-usb-ssd.json', 'mountPoints.boot = "/boot/efi";')}) { fileSystems."/boot".device = "/dev/sda1"; } ]`);
  assert.deepEqual(moved.failed, []);
  assert.deepEqual(moved.fileSystems['/boot/efi'], fs('boot', 'vfat'));
  assert.equal(moved.fileSystems['/boot']!.device, '/dev/sda1');
  // Two partitions of the spec at one mount point.
  const spec = JSON.parse(readFileSync(path.join(REPO, 'images/rpi-aarch64.json'), 'utf8'));
  const twoFat = { ...spec, partitions: [spec.partitions[0], { ...spec.partitions[0], name: 'more', start: undefined, filesystem: { type: 'vfat', label: 'MORE' } }, spec.partitions[1]] };
  const clash = await evalModule(enable(`builtins.fromJSON ${JSON.stringify(JSON.stringify(twoFat))}`));
  assert.deepEqual(clash.failed, ['imgsmith.image: partitions "firmware" and "more" of imgsmith.image.spec would all be mounted at /boot/firmware; give all but one another mount point with imgsmith.image.mountPoints']);
  const resolved = await evalModule(enable(`builtins.fromJSON ${JSON.stringify(JSON.stringify(twoFat))}`, 'mountPoints.more = "/more";'));
  assert.deepEqual([resolved.failed, resolved.fileSystems['/more']], [[], fs('MORE', 'vfat')]);
});

test('a root first boot cannot grow (not last, vfat) is an evaluation error while growRoot is on', { skip: SKIP, timeout: 60_000 }, async () => {
  const spec = JSON.parse(readFileSync(path.join(REPO, 'images/arm-drive.json'), 'utf8'));
  const notLast = { ...spec, partitions: [spec.partitions[0], spec.partitions[2], spec.partitions[1]] };
  const nixSpec = (v: unknown) => `builtins.fromJSON ${JSON.stringify(JSON.stringify(v))}`;
  const a = await evalModule(enable(nixSpec(notLast)));
  assert.deepEqual(a.failed, ['imgsmith.image.growRoot: the root partition "root" of imgsmith.image.spec is not the last one ("swap" follows it), so first boot cannot grow it to the end of the disk; set imgsmith.image.growRoot = false or change the spec']);
  const vfatRoot = { ...spec, partitions: [spec.partitions[0], { ...spec.partitions[2], filesystem: { type: 'vfat', label: 'ROOT' } }] };
  const b = await evalModule(enable(nixSpec(vfatRoot)));
  assert.match(b.failed.join('\n'), /the root filesystem of imgsmith\.image\.spec is vfat, which cannot be grown online/);
  const c = await evalModule(enable(nixSpec(notLast), 'growRoot = false;'));
  assert.deepEqual(c.failed, []);
  assert.equal(c.services['imgsmith-grow-root'], undefined);
});

test('a spec given as an attribute set, with extraContents for the root partition', { skip: SKIP, timeout: 60_000 }, async () => {
  const spec = JSON.parse(readFileSync(path.join(REPO, 'images/arm-drive.json'), 'utf8'));
  const s = await evalModule(enable(`builtins.fromJSON ${JSON.stringify(JSON.stringify(spec))}`, 'extraContents = [ { text = "hello\\n"; target = "/etc/motd"; } ]; compress = false; label = "test";'));
  const got = JSON.parse(s.image!.specJson);
  assert.deepEqual(got.partitions[2].contents, [{ generate: 'closure' }, { text: 'hello\n', target: '/etc/motd' }]);
  assert.deepEqual(got.partitions.slice(0, 2), spec.partitions.slice(0, 2));
  assert.match(s.image!.script, /--label 'test' --no-compress/);
  assert.doesNotMatch(s.image!.script, /cp -R/, 'no spec directory to copy');
  // A firmware directory given as a path literal is copied into the store.
  const p = await evalModule(`{ imgsmith.image = { enable = true; spec = ./images/arm-drive.json; firmware = ./test/nix; }; }`);
  assert.match(p.image!.script, /--firmware '\/[^']*\/[0-9a-z]{32}-nix'/);
  assert.deepEqual(s.fileSystems['/'], fs('NIXOS_ROOT', 'ext4'));
});

test('imgsmith.image.regions: the loader from a package path, as sdImage.postBuildCommands users dd it; no firmware directory needed', { skip: SKIP, timeout: 60_000 }, async () => {
  const UBOOT = '/nix/store/22222222222222222222222222222222-u-boot-orangepi-pc/u-boot-sunxi-with-spl.bin';
  const spec = JSON.parse(readFileSync(path.join(REPO, 'images/allwinner-h3.json'), 'utf8'));
  const s = await evalModule(`{ imgsmith.image = { enable = true; spec = ./images/allwinner-h3.json; regions = [ { name = "spl"; file = "${UBOOT}"; } ]; }; }`);
  assert.deepEqual(s.failed, []);
  assert.deepEqual(JSON.parse(s.image!.specJson).regions, [{ ...spec.regions[0], from: 'spec', file: 'region-spl-u-boot-sunxi-with-spl.bin' }]);
  assert.ok(s.image!.script.includes(`cp '${UBOOT}' "$TMPDIR/spec/"'region-spl-u-boot-sunxi-with-spl.bin'`), s.image!.script);
  assert.doesNotMatch(s.image!.script, /--firmware/);
  assert.deepEqual(s.fileSystems['/'], fs('NIXOS_SD', 'ext4'));
  // A new region with its offset and maxSize; the option's type wants an absolute path.
  const add = await evalModule(`{ imgsmith.image = { enable = true; spec = ./images/allwinner-h3.json; firmware = "/firmware"; regions = [ { name = "env"; file = "/nix/store/33333333333333333333333333333333-env/env.bin"; offset = "512KiB"; maxSize = "64KiB"; } ]; }; }`);
  assert.deepEqual(JSON.parse(add.image!.specJson).regions, [spec.regions[0], { name: 'env', offset: '512KiB', maxSize: '64KiB', from: 'spec', file: 'region-env-env.bin' }]);
  assert.match(add.image!.script, /--firmware '\/firmware'/, 'the spec region still comes from the firmware directory');
  const r = await nix.eval(`let ${STUBS()} in (lib.evalModules { modules = [ ./nix/module.nix ./test/nix/nixos-options.nix base { imgsmith.image = { enable = true; spec = ./images/allwinner-h3.json; regions = [ { name = "spl"; file = "u-boot.bin"; } ]; }; } ]; }).config.system.build.image.script`);
  assert.notEqual(r.exitCode, 0);
  assert.match(r.stderr, /option `imgsmith\.image\.regions\."\[definition 1-entry 1\]"\.file' is not of type `absolute path'/);
});

test('release.nix with the real module system: every job is the image of its board\'s spec, built by imgsmith on the build machine', { skip: SKIP, timeout: 60_000 }, async () => {
  const r = await nix.eval(`
    let
      ${STUBS()}
      jobs = import ./nix/release.nix {
        pkgs = stubPkgs;
        pkgsFor = system: stubPkgs;
        hydraJob = lib.id;
        nixosSystem = { system, modules }: lib.evalModules { modules = modules ++ [ ./test/nix/nixos-options.nix base ]; };
        rpiFirmware = "/rpi-firmware";
      };
    in lib.mapAttrs (n: j: lib.mapAttrs (s: d: if n == "imgsmith" then d.name else { inherit (d) name specJson; firmware = lib.hasInfix "--firmware '/rpi-firmware'" d.script; }) j) jobs`);
  assert.equal(r.exitCode, 0, r.stderr);
  const jobs = r.value as Record<string, Record<string, { name: string; specJson: string; firmware: boolean } | string>>;
  const specs: Record<string, string> = { rpi: 'rpi-aarch64.json', 'rpi4-usb-ssd': 'rpi4-usb-ssd.json', 'arm-drive': 'arm-drive.json' };
  assert.deepEqual(jobs.imgsmith, { 'x86_64-linux': 'imgsmith', 'aarch64-linux': 'imgsmith' });
  for (const [board, file] of Object.entries(specs)) {
    const spec = JSON.parse(readFileSync(path.join(REPO, 'images', file), 'utf8'));
    for (const config of ['minimal', 'ssh']) {
      const j = jobs[`${board}-${config}`]!['aarch64-linux'] as { name: string; specJson: string; firmware: boolean };
      assert.equal(j.name, `${spec.name}-image`);
      assert.equal(JSON.parse(j.specJson).name, spec.name);
      assert.equal(j.firmware, board !== 'arm-drive', `${board}: --firmware`);
    }
  }
});
