{
  description = "imgsmith: reproducible, rootless disk images (Raspberry Pi, NixOS SD images, embedded Linux)";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";

  outputs =
    { self, nixpkgs }:
    let
      # The machines imgsmith runs on; either builds images for any target.
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAllSystems (pkgs: rec {
        imgsmith = pkgs.callPackage ./nix/package.nix { };
        default = imgsmith;
      });

      # mkImage { pkgs, spec, toplevel, firmware ? null, ... }: `pkgs` is the package set of
      # the machine that runs imgsmith (see nix/make-image.nix for the other arguments).
      lib.mkImage =
        { pkgs, ... }@args:
        import ./nix/make-image.nix {
          inherit pkgs;
          imgsmith = self.packages.${pkgs.stdenv.hostPlatform.system}.imgsmith;
        } (builtins.removeAttrs args [ "pkgs" ]);

      # The Raspberry Pi firmware directory for images/rpi-aarch64.json (aarch64 package set).
      lib.rpiFirmware = pkgs: import ./nix/rpi-firmware.nix { inherit pkgs; };

      # The NixOS module: imgsmith.image.{enable,spec,firmware,...} builds the system's image into
      # system.build.image (and system.build.sdImage) and derives fileSystems, swapDevices and the
      # boot loader from the spec; first boot grows the root and registers the store (nix/module.nix).
      nixosModules.default = ./nix/module.nix;
      nixosModules.imgsmith = ./nix/module.nix;

      # Hydra: the jobs of nix/release.nix, keyed <job>.<system>.
      hydraJobs = import ./nix/release.nix { inherit nixpkgs; };

      # nix flake check: the package builds, and the module evaluates for a recipe of each boot
      # loader (the image derivation is instantiated, not built: that needs the aarch64 system).
      checks = forAllSystems (pkgs:
        let
          system = pkgs.stdenv.hostPlatform.system;
          evalFor = spec: targetSystem: extra: (nixpkgs.lib.nixosSystem {
            system = targetSystem;
            modules = [
              self.nixosModules.default
              ({ imgsmith.image = { enable = true; inherit spec; buildPackages = pkgs; } // extra; system.stateVersion = "25.05"; })
            ];
          }).config;
          moduleCheck = name: spec: targetSystem: extra: expectRoot:
            let c = evalFor spec targetSystem extra; in
            assert c.fileSystems."/".device == expectRoot;
            pkgs.runCommand "imgsmith-module-${name}" { } ''
              echo ${builtins.unsafeDiscardStringContext c.system.build.image.drvPath} > $out
            '';
        in
        {
          imgsmith = self.packages.${system}.imgsmith;
          module-arm-drive = moduleCheck "arm-drive" ./images/arm-drive.json "aarch64-linux" { } "/dev/disk/by-label/NIXOS_ROOT";
          module-uefi = moduleCheck "uefi" ./images/uefi-x86_64.json "x86_64-linux" { firmware = pkgs.emptyDirectory; } "/dev/disk/by-label/NIXOS_ROOT";
        });
    };
}
