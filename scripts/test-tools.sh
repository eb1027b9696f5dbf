#!/bin/sh
# Test-only tools (not needed to build images): Debian's nix-bin, for test/tar.test.ts
# (nix-store loads a binary tarball's .reginfo into a scratch store under a temporary
# directory with `nix-store --store local?root=DIR`, never /nix) and test/nix.test.ts
# (nix-instantiate parses and evaluates nix/, nix-build builds an image in a private
# store under a temporary directory).
# A Nix that is already installed (nix-store in PATH) is left alone.
set -eu
if command -v nix-store >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends nix-bin
