# The nixpkgs-free core of mkImage (make-image.nix): checks the arguments while Nix
# evaluates, and returns the derivation's name, the spec to build and the builder script.
# make-image.nix runs the script with pkgs.runCommand; tests/in-nix-build.nix (the tests)
# with a raw `derivation`, so the same script is proven inside a real nix-build.
#
# Output: $out/sd-image/<name>.img.zst (+ .sha256, .bmap), $out/manifest.json and
# $out/nix-support/{hydra-build-products,system}, as nixpkgs' sd-image.nix lays them out:
# the spec is built with "output.directory" set to "sd-image".
{
  # The JSON image spec, a path (e.g. ./images/rpi-aarch64.json), or the spec as an attribute
  # set. A path's directory is copied with it, for { "from": "spec" } items.
  spec,
  # The directory for { "from": "spec" } items when `spec` is an attribute set (default: none).
  specDir ? null,
  # The NixOS system (config.system.build.toplevel), or any store path the spec names.
  toplevel,
  # A closureInfo directory (store-paths + registration), e.g. pkgs.closureInfo { rootPaths = [ toplevel ]; }.
  closureInfo,
  # The directory of boot files for { "from": "firmware" } items; required when the spec has such items.
  firmware ? null,
  # Loader blobs from packages, as sdImage.postBuildCommands users `dd` them, e.g.
  #   [ { name = "spl"; file = "${pkgs.ubootOrangePiPc}/u-boot-sunxi-with-spl.bin"; } ]
  # Each entry gives the file of the spec's region of that name (its offset and maxSize stay), or,
  # with `offset` (and `maxSize`), adds a region. The file is copied beside the spec and read as
  # { "from": "spec" }, so the firmware directory is not needed for it.
  regions ? [ ],
  # The imgsmith command, e.g. "${imgsmith}/bin/imgsmith".
  imgsmith,
  # Where the store paths are, when not at their own path (imgsmith --store-root).
  storeRoot ? null,
  # The {label} of the output name (default: the toplevel's nixos-version).
  label ? null,
  # The timestamp of every file: 1 (1970-01-01 00:00:01) as NixOS's sd-image, whatever the
  # builder's SOURCE_DATE_EPOCH (stdenv sets 315532800).
  sourceDateEpoch ? 1,
  # false: the raw .img instead of .img.zst.
  compress ? true,
}:
let
  specIsAttrs = builtins.isAttrs spec;
  json = if specIsAttrs then spec else builtins.fromJSON (builtins.readFile spec);
  specName = if specIsAttrs then "${json.name or "spec"}.json" else baseNameOf (toString spec);
  dir = if specDir != null then specDir else if specIsAttrs then null else dirOf spec;
  # The `regions` argument merged into the spec's "regions".
  specRegions = json.regions or [ ];
  specRegionNames = map (r: r.name or null) specRegions;
  givenNames = map (r: r.name or null) regions;
  # Where a region's file is put beside the spec.
  regionFile = r: "region-${r.name}-${baseNameOf (toString r.file)}";
  regionSource = r: if builtins.isPath r.file then "${r.file}" else toString r.file;
  asSpecRegion = r: removeAttrs r [ "file" ] // { from = "spec"; file = regionFile r; };
  regionProblem = r:
    if !(builtins.isAttrs r && builtins.isString (r.name or null) && r ? file) then
      "every entry of `regions` needs a name (a string) and a file, got ${builtins.toJSON (builtins.attrNames (if builtins.isAttrs r then r else { }))}"
    else if builtins.length (builtins.filter (n: n == r.name) givenNames) > 1 then
      "`regions` names the region \"${r.name}\" twice"
    else if !(builtins.elem r.name specRegionNames) && !(r ? offset) then
      "`regions` gives a file for the region \"${r.name}\", but ${specName} has no region of that name (it has: ${builtins.concatStringsSep ", " (builtins.filter builtins.isString specRegionNames)}); give its offset (and maxSize) to add one"
    else
      null;
  problems = builtins.filter (p: p != null) (map regionProblem regions);
  merged =
    map (s: let m = builtins.filter (r: r.name == (s.name or null)) regions; in if m == [ ] then s else s // asSpecRegion (builtins.head m)) specRegions
    ++ map asSpecRegion (builtins.filter (r: !(builtins.elem r.name specRegionNames)) regions);
  json' = if regions == [ ] then json else json // { regions = merged; };
  # The first region still read from the firmware directory ("from" defaults to "firmware").
  firmwareRegion = builtins.filter (r: (r.from or "firmware") == "firmware") (json'.regions or [ ]);
  # Whether any item anywhere in the partitions reads from the firmware directory
  # (copies, and raw partitions' "source").
  usesFirmware =
    v:
    if builtins.isAttrs v then
      (v.from or null) == "firmware" || builtins.any usesFirmware (builtins.attrValues v)
    else if builtins.isList v then
      builtins.any usesFirmware v
    else
      false;
  quote = s: "'" + builtins.replaceStrings [ "'" ] [ "'\\''" ] (toString s) + "'";
  opt = flag: v: if v == null then "" else " ${flag} ${quote v}";
in
if !(builtins.isAttrs json && json ? partitions && json ? name) then
  throw "mkImage: ${specName} is not an imgsmith image spec (no \"name\" or \"partitions\")"
else if problems != [ ] then
  throw "mkImage: ${builtins.head problems}"
else if usesFirmware json.partitions && firmware == null then
  throw "mkImage: the spec ${specName} copies files from the firmware ({ \"from\": \"firmware\" } items) but no `firmware` argument was given; pass firmware = a directory of the boot files it names (for the Raspberry Pi see nix/rpi-firmware.nix)"
else if firmwareRegion != [ ] && firmware == null then
  let r = builtins.head firmwareRegion; in
  throw "mkImage: the spec ${specName} reads its region \"${r.name or "?"}\" (${r.file or "?"}) from the firmware directory but no `firmware` argument was given; pass firmware, or the file from a package: regions = [ { name = \"${r.name or "?"}\"; file = \"\${<the loader's package>}/${baseNameOf (r.file or "?")}\"; } ]"
else if !(builtins.isInt sourceDateEpoch) || sourceDateEpoch < 0 then
  throw "mkImage: sourceDateEpoch must be a whole number of seconds, got ${builtins.toJSON sourceDateEpoch}"
else
  {
    name = "${json.name}-image";
    inherit specName;
    specJson = builtins.toJSON (json' // { output = (json.output or { }) // { directory = "sd-image"; }; });
    script = ''
      set -eu
      # The spec's directory (for "from": "spec" files), with the spec laid out as sd-image.
      mkdir "$TMPDIR/spec"
    '' + (if dir == null then "" else ''
      cp -R ${dir}/. "$TMPDIR/spec/"
      chmod -R u+w "$TMPDIR/spec"
    '') + ''
      printf '%s\n' "$specJson" > "$TMPDIR/spec/"${quote specName}
    '' + builtins.concatStringsSep "" (map (r: ''
      cp ${quote (regionSource r)} "$TMPDIR/spec/"${quote (regionFile r)}
    '') regions) + ''
      export SOURCE_DATE_EPOCH=${toString sourceDateEpoch}
      ${imgsmith} build "$TMPDIR/spec/"${quote specName} \
        --closure ${quote closureInfo} --toplevel ${quote toplevel}${opt "--firmware" firmware}${opt "--store-root" storeRoot}${opt "--label" label}${if compress then "" else " --no-compress"} \
        -o "$out"
    '';
  }
