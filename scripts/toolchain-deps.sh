#!/bin/sh
# Test-only: what scripts/toolchains.sh needs to fetch and build the compatibility suite's
# toolchains (compilers and -dev packages for e2fsprogs and btrfs-progs from Debian's source
# packages; dpkg-source; the archive keyring its private apt lists are checked with).
# The toolchains themselves are never installed on the system. Not needed to build images.
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PACKAGES="gcc make pkg-config patch dpkg-dev debian-archive-keyring ca-certificates
  uuid-dev libblkid-dev zlib1g-dev libzstd-dev liblzo2-dev autoconf automake
  util-linux e2fsprogs btrfs-progs"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi
