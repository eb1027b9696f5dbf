# mkImage: a flashable disk image from an imgsmith spec and a NixOS system, laid out as
# nixpkgs' sd-image: $out/sd-image/*.img.zst (+ .sha256, .bmap), $out/manifest.json,
# $out/nix-support/hydra-build-products and nix-support/system (Hydra shows the image as
# a download).
#
#   mkImage = import ./nix/make-image.nix { inherit pkgs; };
#   mkImage { spec = ./images/rpi-aarch64.json; toplevel = nixos.config.system.build.toplevel; firmware = rpiFirmware; }
#   mkImage { spec = ./images/allwinner-h3.json; toplevel = ...;
#             regions = [ { name = "spl"; file = "${pkgs.ubootOrangePiPc}/u-boot-sunxi-with-spl.bin"; } ]; }
#
# `pkgs` is the package set of the machine that runs imgsmith (x86_64-linux or
# aarch64-linux, either for any image): imgsmith only reads the target's closure, it
# never runs it, so an aarch64 image builds on an x86_64 builder without emulation.
# The toplevel and firmware are built (or substituted) for the target's system.
{
  pkgs,
  imgsmith ? pkgs.callPackage ./package.nix { },
}:
{
  # A spec file, or a spec as an attribute set (then specDir: the directory for "from": "spec" items).
  spec,
  specDir ? null,
  toplevel,
  firmware ? null,
  # Loader blobs from packages: [ { name = "spl"; file = "${pkgs.ubootOrangePiPc}/u-boot-sunxi-with-spl.bin"; } ]
  # (the file of the spec's region of that name; with offset and maxSize, a new region). See image-script.nix.
  regions ? [ ],
  # Default: the closure of the toplevel, as sd-image.nix does.
  closureInfo ? pkgs.closureInfo { rootPaths = [ toplevel ]; },
  label ? null,
  sourceDateEpoch ? 1,
  compress ? true,
  name ? null,
}:
let
  core = import ./image-script.nix {
    inherit spec specDir toplevel firmware regions closureInfo label sourceDateEpoch compress;
    imgsmith = "${imgsmith}/bin/imgsmith";
  };
in
pkgs.runCommand (if name == null then core.name else name) {
  inherit (core) specJson;
  passthru = { inherit spec toplevel firmware regions closureInfo; };
  meta.description = "Disk image built by imgsmith from ${core.specName}";
} core.script
