# An example Hydra jobset: every board x configuration is one job, an imgsmith image
# (mkImage, laid out as sd-image: Hydra offers $out/sd-image/*.img.zst for download).
#
#   Hydra jobset: Nix expression `nix/release.nix` in input `imgsmith` (this repository,
#   type git), input `nixpkgs` (git, e.g. https://github.com/NixOS/nixpkgs nixos-25.05).
#   Locally:      nix-build nix/release.nix -A rpi-minimal -I nixpkgs=channel:nixos-25.05
#
# What runs where: the NixOS systems, U-Boot and the Pi firmware are aarch64-linux
# derivations (built on aarch64 builders, or substituted from cache.nixos.org); the image
# jobs run imgsmith on `buildSystem` (x86_64-linux by default; aarch64-linux works as
# well). imgsmith only reads the aarch64 closure: no binfmt/QEMU emulation anywhere.
#
# Every argument can be replaced, e.g. to add boards or evaluate the mapping without
# nixpkgs (test/nix.test.ts passes stubs for mkImage, nixosSystem and the firmware).
{
  nixpkgs ? <nixpkgs>,
  buildSystem ? "x86_64-linux",
  pkgs ? import nixpkgs { system = buildSystem; },
  mkImage ? import ./make-image.nix { inherit pkgs; },
  pkgsFor ? system: import nixpkgs { inherit system; },
  nixosSystem ? { system, modules }: (import (nixpkgs + "/nixos/lib/eval-config.nix") { inherit system modules; }).config.system.build.toplevel,
  rpiFirmware ? import ./rpi-firmware.nix { pkgs = pkgsFor "aarch64-linux"; },
}:
let
  extlinux = {
    boot.loader.grub.enable = false;
    boot.loader.generic-extlinux-compatible.enable = true;
  };
  # The boards: an image spec, the target system, its firmware directory (or null) and the
  # NixOS settings that match the spec's partitions (labels).
  boards = {
    rpi = {
      spec = ../images/rpi-aarch64.json;
      system = "aarch64-linux";
      firmware = rpiFirmware;
      module = extlinux // {
        fileSystems."/" = { device = "/dev/disk/by-label/NIXOS_SD"; fsType = "ext4"; };
      };
    };
    rpi4-usb-ssd = {
      spec = ../images/rpi4-usb-ssd.json;
      system = "aarch64-linux";
      firmware = rpiFirmware;
      module = extlinux // {
        fileSystems."/" = { device = "/dev/disk/by-label/root"; fsType = "btrfs"; };
        fileSystems."/boot/firmware" = { device = "/dev/disk/by-label/BOOT"; fsType = "vfat"; };
        swapDevices = [ { device = "/dev/disk/by-label/swap"; } ];
      };
    };
    arm-drive = {
      spec = ../images/arm-drive.json;
      system = "aarch64-linux";
      firmware = null;
      module = extlinux // {
        fileSystems."/" = { device = "/dev/disk/by-label/NIXOS_ROOT"; fsType = "ext4"; };
        fileSystems."/boot" = { device = "/dev/disk/by-label/boot"; fsType = "ext4"; };
        swapDevices = [ { device = "/dev/disk/by-label/swap"; } ];
      };
    };
  };
  # The configurations: NixOS modules, each built for every board.
  configurations = {
    minimal = {
      system.stateVersion = "25.05";
    };
    ssh = {
      system.stateVersion = "25.05";
      services.openssh.enable = true;
    };
  };
  job = boardName: configName:
    let
      board = boards.${boardName};
    in
    {
      name = "${boardName}-${configName}";
      value = mkImage {
        inherit (board) spec firmware;
        toplevel = nixosSystem {
          inherit (board) system;
          modules = [ board.module configurations.${configName} ];
        };
      };
    };
in
builtins.listToAttrs (
  builtins.concatMap (b: map (job b) (builtins.attrNames configurations)) (builtins.attrNames boards)
)
// {
  imgsmith = pkgs.callPackage ./package.nix { };
}
