# Test-only (test/nix.test.ts), no nixpkgs: builds an image inside a real nix-build with
# mkImage's builder script (../image-script.nix) in a raw derivation. The sandbox is off
# and the host's tools come in through PATH (node, mke2fs, zstd ...); imgsmith is this
# checkout's bin/imgsmith.js, and the closure is the test fixture read with --store-root.
{
  spec,
  closureInfo,
  storeRoot,
  toplevel,
  firmware ? null,
  # mkImage's regions (loader files from package paths).
  regions ? [ ],
  repo,
  hostPath,
  system ? builtins.currentSystem,
}:
let
  core = import ../image-script.nix {
    inherit spec closureInfo storeRoot toplevel firmware regions;
    imgsmith = "node ${repo}/bin/imgsmith.js";
  };
in
derivation {
  inherit system;
  inherit (core) name specJson;
  builder = "/bin/sh";
  args = [ "-c" core.script ];
  PATH = hostPath;
}
