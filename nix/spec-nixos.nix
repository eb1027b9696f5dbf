# What an imgsmith spec means for the NixOS system in it (used by module.nix; no nixpkgs):
# the mount points and devices of its filesystems, its swap, its boot loader and whether
# first boot can grow its root. `json` is the parsed spec, `mountPoints` maps partition names
# to a mount point (null: not mounted) over the defaults below, `specName` names it in messages.
#
# Defaults: the partition that receives the closure ({ "generate": "closure" }) is /; the one
# with extlinux.conf at its top ({ "generate": "extlinux", "target": "/" }) or an ESP is
# /boot; another FAT partition (the Raspberry Pi firmware) is /boot/firmware, mounted on
# demand as sd-image.nix does (nofail, noauto); other partitions are not mounted unless
# mountPoints names them. Devices: /dev/disk/by-label/<label> when the filesystem has a label,
# else /dev/disk/by-uuid/<uuid or FAT volume id>, else /dev/disk/by-partlabel/<name> (GPT).
{
  json,
  mountPoints ? { },
  specName ? "the spec",
}:
let
  parts = json.partitions or [ ];
  isGpt = (json.table.type or "dos") == "gpt";
  items = p: p.contents or [ ];
  fsOf = p: p.filesystem or { };
  fsType = p: (fsOf p).type or "none";
  has = pred: p: builtins.any pred (items p);
  isRoot = has (c: (c.generate or null) == "closure");
  isEsp = p: builtins.elem (toString (p.type or "")) [ "esp" "ef00" "efi" "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" "c12a7328-f81f-11d2-ba4b-00a0c93ec93b" ];
  extlinuxAtTop = has (c: (c.generate or null) == "extlinux" && builtins.elem (c.target or "/") [ "/" "" ]);
  anyItem = pred: builtins.any (has pred) parts;

  upper = s: builtins.replaceStrings [ "a" "b" "c" "d" "e" "f" ] [ "A" "B" "C" "D" "E" "F" ] s;
  # FAT volume id 0x2178694e -> the UUID blkid reports, 2178-694E.
  fatUuid = id:
    let h = upper (builtins.substring 2 8 id);
    in "${builtins.substring 0 4 h}-${builtins.substring 4 4 h}";
  uuidOf = p:
    let f = fsOf p; in
    if f ? uuid then f.uuid
    else if f ? volumeId then fatUuid (toString f.volumeId)
    else null;
  # Every name the partition goes by in /dev/disk and fstab (the first is the one used).
  devicesOf = p:
    let
      f = fsOf p;
      u = uuidOf p;
    in
    (if f ? label then [ "/dev/disk/by-label/${f.label}" ] else [ ])
    ++ (if u != null then [ "/dev/disk/by-uuid/${u}" ] else [ ])
    ++ (if isGpt then [ "/dev/disk/by-partlabel/${p.name}" ] else [ ])
    ++ (if f ? label then [ "LABEL=${f.label}" ] else [ ])
    ++ (if u != null then [ "UUID=${u}" ] else [ ]);

  defaultMount = p:
    if isRoot p then "/"
    else if extlinuxAtTop p || isEsp p then "/boot"
    else if fsType p == "vfat" then "/boot/firmware"
    else null;
  mountOf = p: if mountPoints ? ${p.name} then mountPoints.${p.name} else defaultMount p;
  mounted = builtins.filter (p: mountOf p != null && !(builtins.elem (fsType p) [ "swap" "raw" "none" ])) parts;
  firmwareOnly = p: mountOf p == "/boot/firmware" && !(mountPoints ? ${p.name});

  rootParts = builtins.filter isRoot parts;
  root = if rootParts == [ ] then null else builtins.head rootParts;
  lastPart = if parts == [ ] then null else builtins.elemAt parts (builtins.length parts - 1);
in
rec {
  fileSystems = builtins.listToAttrs (map (p: {
    name = mountOf p;
    value = {
      device = builtins.head (devicesOf p);
      fsType = fsType p;
      # The partition, for messages, and every other name of its device.
      partition = p.name;
      aliases = devicesOf p;
    } // (if firmwareOnly p then { options = [ "nofail" "noauto" ]; } else { });
  }) mounted);

  swapDevices = map (p: { device = builtins.head (devicesOf p); }) (builtins.filter (p: fsType p == "swap") parts);

  # "extlinux" (U-Boot), "rpi-direct" (the Pi firmware boots the kernel), "systemd-boot" (UEFI) or null.
  bootLoader =
    if anyItem (c: (c.generate or null) == "extlinux") then "extlinux"
    else if anyItem (c: (c.generate or null) == "rpi-direct") then "rpi-direct"
    else if builtins.any (p: isEsp p && has (c: (c.from or null) == "firmware") p) parts then "systemd-boot"
    else null;

  # Two partitions at one mount point (e.g. two FAT partitions, both /boot/firmware by default).
  mountClashes =
    let mps = map mountOf mounted; in
    map (mp: "partitions ${builtins.concatStringsSep " and " (map (p: "\"${p.name}\"") (builtins.filter (p: mountOf p == mp) mounted))} of ${specName} would all be mounted at ${mp}; give all but one another mount point with imgsmith.image.mountPoints")
      (builtins.filter (mp: builtins.length (builtins.filter (x: x == mp) mps) > 1) (builtins.attrNames (builtins.listToAttrs (map (mp: { name = mp; value = null; }) mps))));

  # What the module cannot turn into a NixOS configuration (each an evaluation error):
  # a root behind dm-verity (the initrd would have to open it) and A/B slots (which slot is /
  # is decided at boot, not in fileSystems).
  unsupported =
    let
      verityOver = builtins.filter (p: fsType p == "verity" && root != null && ((fsOf p).data or null) == root.name) parts;
      slots = builtins.filter (p: p ? slot) parts;
    in
    (if verityOver != [ ] then [ "the root partition \"${root.name}\" of ${specName} is protected by dm-verity (partition \"${(builtins.head verityOver).name}\"): the module does not set up an initrd that opens it; build this spec with imgsmith build or mkImage instead" ] else [ ])
    ++ (if slots != [ ] then [ "${specName} has A/B slot partitions (${builtins.concatStringsSep ", " (map (p: "\"${p.name}\"") slots)}): which slot is / is decided at boot, which fileSystems cannot express; build this spec with imgsmith build or mkImage instead" ] else [ ]);

  rootPartition = if root == null then null else root.name;
  # Why first boot cannot grow the root (null: it can).
  growProblem =
    if root == null then "${specName} has no root partition (no { \"generate\": \"closure\" } item)"
    else if lastPart.name != root.name then
      "the root partition \"${root.name}\" of ${specName} is not the last one (\"${lastPart.name}\" follows it), so first boot cannot grow it to the end of the disk"
    else if !(builtins.elem (fsType root) [ "ext4" "btrfs" ]) then
      "the root filesystem of ${specName} is ${fsType root}, which cannot be grown online (ext4 and btrfs can)"
    else null;
}
