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
    };
}
