# imgsmith's NixOS module (flake output nixosModules.default): builds the system's disk image
# from an imgsmith spec into system.build.image (and system.build.sdImage, the name
# sd-image.nix users know), and derives the NixOS side from the same spec, read while Nix
# evaluates, so the spec is the one source of truth:
#   - fileSystems and swapDevices (by label, else UUID, as the spec sets them; nix/spec-nixos.nix),
#   - the boot loader of the spec's boot generator: extlinux (U-Boot), none for the Pi
#     firmware's direct boot, systemd-boot for a UEFI ESP,
# each with mkDefault, so an explicit setting of yours wins. A fileSystems entry of yours at
# one of the spec's mount points must name the same partition (any of its labels/UUIDs), or
# evaluation fails naming both.
#
# First boot (nix/first-boot.sh, on by default): imgsmith-grow-root grows the root partition
# and filesystem to the end of the disk (every boot, a no-op once done); imgsmith-register-store
# loads /nix-path-registration into the Nix database, marks the system as NixOS and sets the
# system profile, then removes the file. Both log to the journal.
#
#   imports = [ imgsmith.nixosModules.default ];
#   imgsmith.image = { enable = true; spec = ./images/rpi-aarch64.json; firmware = imgsmith.lib.rpiFirmware pkgs; };
#   (an Allwinner board: spec = ./images/allwinner-h3.json;
#    regions = [ { name = "spl"; file = "${pkgs.ubootOrangePiPc}/u-boot-sunxi-with-spl.bin"; } ];)
#   nix build .#nixosConfigurations.pi.config.system.build.sdImage
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption mkIf mkDefault types;
  cfg = config.imgsmith.image;

  specIsPath = !(builtins.isAttrs cfg.spec);
  specName = if specIsPath then baseNameOf (toString cfg.spec) else "imgsmith.image.spec";
  json0 = if specIsPath then builtins.fromJSON (builtins.readFile cfg.spec) else cfg.spec;
  # The spec with extraContents added to the root partition.
  isRootPart = p: builtins.any (c: (c.generate or null) == "closure") (p.contents or [ ]);
  json =
    if cfg.extraContents == [ ] then json0
    else json0 // { partitions = map (p: if isRootPart p then p // { contents = (p.contents or [ ]) ++ cfg.extraContents; } else p) json0.partitions; };
  derived = import ./spec-nixos.nix { inherit json specName; inherit (cfg) mountPoints; };

  mkImage = import ./make-image.nix { pkgs = cfg.buildPackages; imgsmith = cfg.package; };
  image = mkImage ({
    spec = if specIsPath && cfg.extraContents == [ ] then cfg.spec else json;
    toplevel = config.system.build.toplevel;
    # A path literal is copied into the store (the builder sees only the store).
    firmware = if builtins.isPath cfg.firmware then "${cfg.firmware}" else cfg.firmware;
    regions = map (r: { inherit (r) name file; } // lib.filterAttrs (n: v: v != null) { inherit (r) offset maxSize; }) cfg.regions;
    inherit (cfg) compress label sourceDateEpoch;
  } // lib.optionalAttrs (specIsPath && cfg.extraContents != [ ]) { specDir = dirOf cfg.spec; }
    // lib.optionalAttrs (cfg.name != null) { inherit (cfg) name; });

  firstBoot = step: "${pkgs.runtimeShell} ${./first-boot.sh} ${step}";

  # Your fileSystems entries at the spec's mount points that name another device.
  collisions = lib.filter (x: x != null) (lib.mapAttrsToList (mp: fs:
    let mine = config.fileSystems.${mp}.device or null; in
    if mine == null || builtins.elem mine fs.aliases then null
    else "imgsmith.image: fileSystems.\"${mp}\".device is ${mine} in your configuration, but ${specName} puts partition \"${fs.partition}\" (${fs.device}) at ${mp}; remove your setting, name the same partition, or map the partition elsewhere with imgsmith.image.mountPoints.\"${fs.partition}\""
  ) derived.fileSystems);
in
{
  options.imgsmith.image = {
    enable = lib.mkEnableOption "building the system's disk image with imgsmith (system.build.image and system.build.sdImage)";
    spec = mkOption {
      type = types.either types.path (types.attrsOf types.anything);
      description = "The imgsmith image spec: a JSON file (its directory is available to { \"from\": \"spec\" } items) or the same as an attribute set.";
      example = lib.literalExpression "./images/rpi-aarch64.json";
    };
    firmware = mkOption {
      type = types.nullOr (types.either types.path types.package);
      default = null;
      description = "The directory of boot files for { \"from\": \"firmware\" } items (e.g. imgsmith.lib.rpiFirmware pkgs).";
    };
    regions = mkOption {
      type = types.listOf (types.submodule {
        options = {
          name = mkOption { type = types.str; description = "The spec's region (e.g. \"spl\"), or a new one's name."; };
          file = mkOption { type = types.path; description = "The loader file, e.g. \"\${pkgs.ubootOrangePiPc}/u-boot-sunxi-with-spl.bin\"."; };
          offset = mkOption { type = types.nullOr types.str; default = null; description = "A new region's byte offset (e.g. \"8KiB\"); default: the spec's."; };
          maxSize = mkOption { type = types.nullOr types.str; default = null; description = "A new region's maximum size; default: the spec's."; };
        };
      });
      default = [ ];
      example = lib.literalExpression ''[ { name = "spl"; file = "''${pkgs.ubootOrangePiPc}/u-boot-sunxi-with-spl.bin"; } ]'';
      description = "Loader blobs written outside the partitions, from packages (what sdImage.postBuildCommands users `dd` in): each gives the file of the spec's region of that name, or with offset adds a region. No firmware directory is needed for them.";
    };
    compress = mkOption { type = types.bool; default = true; description = "Write sd-image/<name>.img.zst (false: the raw .img)."; };
    label = mkOption { type = types.nullOr types.str; default = null; description = "The {label} of the output name (default: the system's nixos-version)."; };
    name = mkOption { type = types.nullOr types.str; default = null; description = "The derivation name (default: <spec name>-image)."; };
    sourceDateEpoch = mkOption { type = types.ints.unsigned; default = 1; description = "The timestamp of every file in the image."; };
    extraContents = mkOption {
      type = types.listOf (types.attrsOf types.anything);
      default = [ ];
      description = "More spec content items for the root partition (the one that receives the closure), e.g. { text = \"...\"; target = \"/etc/motd\"; }.";
    };
    mountPoints = mkOption {
      type = types.attrsOf (types.nullOr types.str);
      default = { };
      description = "Partition name -> mount point (null: do not mount it), over the defaults (root /, extlinux or ESP partition /boot, other FAT /boot/firmware).";
    };
    deriveFileSystems = mkOption { type = types.bool; default = true; description = "Set fileSystems and swapDevices from the spec (mkDefault)."; };
    deriveBootLoader = mkOption { type = types.bool; default = true; description = "Set the boot loader from the spec's boot generator (mkDefault)."; };
    growRoot = mkOption { type = types.bool; default = true; description = "On boot, grow the root partition (when it is the last) and its ext4/btrfs filesystem to the end of the disk."; };
    registerStore = mkOption { type = types.bool; default = true; description = "On first boot, load /nix-path-registration into the Nix database and set the system profile."; };
    buildPackages = mkOption {
      type = types.raw;
      default = pkgs.buildPackages;
      defaultText = lib.literalExpression "pkgs.buildPackages";
      description = "The package set imgsmith runs from (the build machine's).";
    };
    package = mkOption {
      type = types.package;
      default = cfg.buildPackages.callPackage ./package.nix { };
      defaultText = lib.literalExpression "imgsmith built with imgsmith.image.buildPackages";
      description = "The imgsmith package that builds the image.";
    };
  };

  config = mkIf cfg.enable (lib.mkMerge [
    {
      system.build.image = image;
      system.build.sdImage = image;
      assertions =
        map (m: { assertion = false; message = m; }) (map (m: "imgsmith.image: ${m}") derived.unsupported ++ collisions ++ lib.optionals cfg.deriveFileSystems (map (m: "imgsmith.image: ${m}") derived.mountClashes))
        ++ [{
          assertion = !cfg.growRoot || derived.growProblem == null;
          message = "imgsmith.image.growRoot: ${toString derived.growProblem}; set imgsmith.image.growRoot = false or change the spec";
        }];
    }
    (mkIf cfg.deriveFileSystems {
      fileSystems = lib.mapAttrs (mp: fs: {
        device = mkDefault fs.device;
        fsType = mkDefault fs.fsType;
      } // lib.optionalAttrs (fs ? options) { options = mkDefault fs.options; }) derived.fileSystems;
      swapDevices = mkDefault derived.swapDevices;
    })
    (mkIf (cfg.deriveBootLoader && derived.bootLoader != null) {
      boot.loader.grub.enable = mkDefault false;
      boot.loader.generic-extlinux-compatible.enable = mkDefault (derived.bootLoader == "extlinux");
      boot.loader.systemd-boot.enable = mkDefault (derived.bootLoader == "systemd-boot");
      boot.loader.efi.canTouchEfiVariables = mkDefault false;
    })
    (mkIf cfg.growRoot {
      systemd.services.imgsmith-grow-root = {
        description = "Grow the root partition and filesystem to the end of the disk (imgsmith first boot)";
        wantedBy = [ "local-fs.target" ];
        after = [ "local-fs-pre.target" "systemd-remount-fs.service" ];
        before = [ "local-fs.target" "shutdown.target" ];
        conflicts = [ "shutdown.target" ];
        path = with pkgs; [ util-linux e2fsprogs btrfs-progs gnugrep gnused coreutils ];
        unitConfig.DefaultDependencies = false;
        serviceConfig = { Type = "oneshot"; RemainAfterExit = true; ExecStart = firstBoot "grow"; };
      };
    })
    (mkIf cfg.registerStore {
      systemd.services.imgsmith-register-store = {
        description = "Register the image's Nix store paths and set the system profile (imgsmith first boot)";
        wantedBy = [ "sysinit.target" ];
        after = [ "local-fs.target" ];
        before = [ "sysinit.target" "nix-daemon.socket" "nix-daemon.service" "shutdown.target" ];
        conflicts = [ "shutdown.target" ];
        path = [ config.nix.package pkgs.coreutils ];
        unitConfig = { DefaultDependencies = false; ConditionPathExists = "/nix-path-registration"; };
        serviceConfig = { Type = "oneshot"; ExecStart = firstBoot "register"; };
      };
    })
  ]);
}
