# An example Hydra jobset: every board x configuration is one job, the image of a NixOS
# system that imports imgsmith's NixOS module (nix/module.nix): the module builds the image
# from the board's spec (system.build.image, laid out as sd-image: Hydra offers
# $out/sd-image/*.img.zst for download) and derives fileSystems, swapDevices and the boot
# loader from the same spec, so nothing here repeats its labels.
#
# Jobs are keyed as Hydra jobsets usually are, <job>.<system> (the target's system), each
# wrapped in lib.hydraJob: rpi-minimal.aarch64-linux, arm-drive-ssh.aarch64-linux, ...,
# imgsmith.x86_64-linux and imgsmith.aarch64-linux.
#
#   Hydra jobset: Nix expression `nix/release.nix` in input `imgsmith` (this repository,
#   type git), input `nixpkgs` (git, e.g. https://github.com/NixOS/nixpkgs nixos-25.05).
#   Locally:      nix-build nix/release.nix -A rpi-minimal.aarch64-linux -I nixpkgs=channel:nixos-25.05
#
# What runs where: the NixOS systems, U-Boot and the Pi firmware are aarch64-linux
# derivations (built on aarch64 builders, or substituted from cache.nixos.org); the image
# jobs run imgsmith on `buildSystem` (x86_64-linux by default; aarch64-linux works as
# well). imgsmith only reads the aarch64 closure: no binfmt/QEMU emulation anywhere.
#
# Every argument can be replaced, e.g. to add boards or evaluate the mapping without
# nixpkgs (test/nix.test.ts passes stubs for nixosSystem, hydraJob and the firmware;
# test/nix-module.test.ts evaluates the jobs with the real module system).
{
  nixpkgs ? <nixpkgs>,
  buildSystem ? "x86_64-linux",
  pkgs ? import nixpkgs { system = buildSystem; },
  pkgsFor ? system: import nixpkgs { inherit system; },
  hydraJob ? (import (nixpkgs + "/lib")).hydraJob,
  # The evaluated NixOS configuration (its `config` is used).
  nixosSystem ? { system, modules }: import (nixpkgs + "/nixos/lib/eval-config.nix") { inherit system modules; },
  rpiFirmware ? import ./rpi-firmware.nix { pkgs = pkgsFor "aarch64-linux"; },
  # The systems the imgsmith package job is built for.
  systems ? [ "x86_64-linux" "aarch64-linux" ],
}:
let
  # The boards: an image spec, the target system and its firmware directory (or null).
  boards = {
    rpi = { spec = ../images/rpi-aarch64.json; system = "aarch64-linux"; firmware = rpiFirmware; };
    rpi4-usb-ssd = { spec = ../images/rpi4-usb-ssd.json; system = "aarch64-linux"; firmware = rpiFirmware; };
    arm-drive = { spec = ../images/arm-drive.json; system = "aarch64-linux"; firmware = null; };
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
  image = board: configName:
    (nixosSystem {
      inherit (board) system;
      modules = [
        ./module.nix
        {
          imgsmith.image = {
            enable = true;
            inherit (board) spec firmware;
            # imgsmith runs on the build machine.
            buildPackages = pkgs;
          };
        }
        configurations.${configName}
      ];
    }).config.system.build.image;
  job = boardName: configName: {
    name = "${boardName}-${configName}";
    value.${boards.${boardName}.system} = hydraJob (image boards.${boardName} configName);
  };
in
builtins.listToAttrs (
  builtins.concatMap (b: map (job b) (builtins.attrNames configurations)) (builtins.attrNames boards)
)
// {
  imgsmith = builtins.listToAttrs (map (system: {
    name = system;
    value = hydraJob ((if system == buildSystem then pkgs else pkgsFor system).callPackage ./package.nix { });
  }) systems);
}
