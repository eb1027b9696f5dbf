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
else if usesFirmware json.partitions && firmware == null then
  throw "mkImage: the spec ${specName} copies files from the firmware ({ \"from\": \"firmware\" } items) but no `firmware` argument was given; pass firmware = a directory of the boot files it names (for the Raspberry Pi see nix/rpi-firmware.nix)"
else if !(builtins.isInt sourceDateEpoch) || sourceDateEpoch < 0 then
  throw "mkImage: sourceDateEpoch must be a whole number of seconds, got ${builtins.toJSON sourceDateEpoch}"
else
  {
    name = "${json.name}-image";
    inherit specName;
    specJson = builtins.toJSON (json // { output = (json.output or { }) // { directory = "sd-image"; }; });
    script = ''
      set -eu
      # The spec's directory (for "from": "spec" files), with the spec laid out as sd-image.
      mkdir "$TMPDIR/spec"
    '' + (if dir == null then "" else ''
      cp -R ${dir}/. "$TMPDIR/spec/"
      chmod -R u+w "$TMPDIR/spec"
    '') + ''
      printf '%s\n' "$specJson" > "$TMPDIR/spec/"${quote specName}
      export SOURCE_DATE_EPOCH=${toString sourceDateEpoch}
      ${imgsmith} build "$TMPDIR/spec/"${quote specName} \
        --closure ${quote closureInfo} --toplevel ${quote toplevel}${opt "--firmware" firmware}${opt "--store-root" storeRoot}${opt "--label" label}${if compress then "" else " --no-compress"} \
        -o "$out"
    '';
  }
