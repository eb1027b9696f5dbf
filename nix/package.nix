# imgsmith for nixpkgs: pkgs.callPackage ./nix/package.nix { }
#
# The npm dependencies come from package-lock.json through importNpmLock (nixpkgs >=
# 24.05): one fetchurl per package, checked against the lock file's sha512 "integrity", so
# there is no npmDepsHash to keep up to date. (The lock file has no "resolved" URLs:
# ./npm-lock.nix puts the registry's back.) Passing npmDepsHash uses buildNpmPackage's
# classic fetchNpmDeps instead (nixpkgs without importNpmLock); that hash can only be
# computed with nixpkgs' prefetch-npm-deps: see the README, "Building many images".
{
  lib,
  buildNpmPackage,
  nodejs_24,
  python3,
  makeWrapper,
  pkg-config,
  e2fsprogs,
  btrfs-progs,
  erofs-utils,
  squashfsTools,
  zstd,
  util-linux,
  coreutils,
  findutils,
  gptfdisk,
  dosfstools,
  xz,
  bzip2,
  lz4,
  importNpmLock ? null,
  npmDepsHash ? null,
}:
let
  root = ../.;
  # The sources npm, tsc and scripts/bundle-cli.ts need: no node_modules, build outputs, images or caches.
  src = builtins.path {
    name = "imgsmith-src";
    path = root;
    filter =
      p: type:
      let
        rel = builtins.substring (builtins.stringLength (toString root) + 1) 4096 (toString p);
        top = builtins.head (builtins.split "/" rel);
      in
      builtins.elem top [ "package.json" "package-lock.json" "tsconfig.json" "tsconfig.build.json" "binding.gyp" "bin" "src" "native" "scripts" "README.md" ];
  };
  # What build, inspect/ls/cat/extract/diff, verify and flash run (FAT and the partition
  # tables are written and read in-process): the commands' tool lists (BUILD_TOOLS, the
  # filesystems' tools(), INSPECT_TOOLS, VERIFY_TOOLS, FLASH_TOOLS), checked by
  # test/runtime-tools.test.ts. boot-test's QEMU, mtools and firmware are left to the user.
  runtimeTools = [ e2fsprogs btrfs-progs erofs-utils squashfsTools zstd util-linux coreutils findutils gptfdisk dosfstools xz bzip2 lz4 ];
  depsArgs =
    if npmDepsHash != null then
      { inherit npmDepsHash; }
    else if importNpmLock != null then
      {
        npmDeps = importNpmLock {
          npmRoot = src;
          packageLock = import ./npm-lock.nix (lib.importJSON ../package-lock.json);
        };
        npmConfigHook = importNpmLock.npmConfigHook;
      }
    else
      throw "imgsmith (nix/package.nix): this nixpkgs has no importNpmLock (added in 24.05); pass npmDepsHash (see the README, \"Building many images\")";
in
buildNpmPackage (depsArgs // {
  pname = "imgsmith";
  version = (lib.importJSON ../package.json).version;
  inherit src;
  nodejs = nodejs_24; # Node 24 LTS (nixpkgs >= 25.05); package.json engines
  nativeBuildInputs = [ python3 makeWrapper pkg-config ];
  # libext2fs and libcom_err (headers, and the libraries the ext4 populate helper links to).
  buildInputs = [ e2fsprogs.dev ];
  # `npm run build` (tsc into lib/); then the native addon (SEEK_DATA/SEEK_HOLE,
  # copy_file_range and the mkfs LD_PRELOAD shim), which `npm ci --ignore-scripts` skipped,
  # and the ext4 populate helper (here a failure fails the package).
  npmBuildScript = "build";
  postBuild = ''
    npm run build:native
    npm run build:ext4-helper
  '';
  # npm pack (npmInstallHook) takes package.json's `files`: bin/, lib/ (compiled above),
  # native/; not build/ (what node-gyp and the helper built).
  postInstall = ''
    dir=$out/lib/node_modules/imgsmith
    mkdir -p "$dir/build"
    cp -R build/Release "$dir/build/Release"
    wrapProgram $out/bin/imgsmith --prefix PATH : ${lib.makeBinPath runtimeTools}
  '';
  passthru = { inherit runtimeTools; };
  meta = {
    description = "Reproducible, rootless disk-image builder for Raspberry Pi and embedded Linux (NixOS-style SD images)";
    license = lib.licenses.mit;
    mainProgram = "imgsmith";
    platforms = lib.platforms.linux;
  };
})
