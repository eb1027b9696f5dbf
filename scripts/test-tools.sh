#!/bin/sh
# Test-only tools (not needed to build images): nix-store from Debian's nix-bin,
# for test/tar.test.ts (it loads a binary tarball's .reginfo into a scratch store
# under a temporary directory with `nix-store --store local?root=DIR`, never /nix).
# A Nix that is already installed (nix-store in PATH) is left alone.
set -eu
if command -v nix-store >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends nix-bin
