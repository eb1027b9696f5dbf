# Test only: the NixOS options nix/module.nix sets, declared with their NixOS types (a small
# subset of nixos/modules), so the module can be evaluated with the real module system
# (lib.evalModules from a copy of nixpkgs' lib/) without nixpkgs. See test/nix-module.test.ts.
{ lib, ... }:
let
  inherit (lib) mkOption types;
  listOfStr = mkOption { type = types.listOf types.str; default = [ ]; };
  attrs = mkOption { type = types.attrsOf types.anything; default = { }; };
in
{
  options = {
    # nixos/modules/tasks/filesystems.nix
    fileSystems = mkOption {
      type = types.attrsOf (types.submodule ({ name, ... }: {
        options = {
          mountPoint = mkOption { type = types.str; default = name; };
          device = mkOption { type = types.nullOr types.str; default = null; };
          label = mkOption { type = types.nullOr types.str; default = null; };
          fsType = mkOption { type = types.str; default = "auto"; };
          options = mkOption { type = types.nonEmptyListOf types.str; default = [ "defaults" ]; };
        };
      }));
      default = { };
    };
    # nixos/modules/config/swap.nix
    swapDevices = mkOption {
      type = types.listOf (types.submodule {
        options = {
          device = mkOption { type = types.str; };
          label = mkOption { type = types.nullOr types.str; default = null; };
          size = mkOption { type = types.nullOr types.int; default = null; };
        };
      });
      default = [ ];
    };
    boot.loader.grub.enable = mkOption { type = types.bool; default = true; };
    boot.loader.generic-extlinux-compatible.enable = mkOption { type = types.bool; default = false; };
    boot.loader.systemd-boot.enable = mkOption { type = types.bool; default = false; };
    boot.loader.efi.canTouchEfiVariables = mkOption { type = types.bool; default = false; };
    # nixos/modules/system/activation/top-level.nix
    system.build = mkOption {
      type = types.submoduleWith { modules = [ { freeformType = with types; lazyAttrsOf (uniq unspecified); } ]; };
      default = { };
    };
    # Set by nix/release.nix's configurations.
    system.stateVersion = mkOption { type = types.str; };
    services.openssh.enable = mkOption { type = types.bool; default = false; };
    # nixos/modules/services/system/nix-daemon.nix
    nix.package = mkOption { type = types.package; };
    # nixos/modules/misc/assertions.nix
    assertions = mkOption {
      type = types.listOf (types.submodule { options = { assertion = mkOption { type = types.bool; }; message = mkOption { type = types.str; }; }; });
      default = [ ];
    };
    warnings = mkOption { type = types.listOf types.str; default = [ ]; };
    # nixos/lib/systemd-lib.nix (the unit options the module uses)
    systemd.services = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          description = mkOption { type = types.str; default = ""; };
          wantedBy = listOfStr; requiredBy = listOfStr; after = listOfStr; before = listOfStr;
          wants = listOfStr; requires = listOfStr; conflicts = listOfStr;
          path = mkOption { type = types.listOf (types.either types.package types.str); default = [ ]; };
          unitConfig = attrs;
          serviceConfig = attrs;
          script = mkOption { type = types.lines; default = ""; };
        };
      });
      default = { };
    };
  };
}
