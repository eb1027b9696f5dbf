#!/bin/sh
# Test-only: what scripts/toolchains.sh needs to fetch and build the compatibility suite's
# toolchains (compilers and -dev packages for e2fsprogs, btrfs-progs, erofs-utils and squashfs-tools from Debian's source
# packages; dpkg-source; the archive keyring its private apt lists are checked with).
# The toolchains themselves are never installed on the system. Not needed to build images.
set -eu
PACKAGES="gcc make pkg-config patch dpkg-dev debian-archive-keyring ca-certificates
  uuid-dev libblkid-dev zlib1g-dev libzstd-dev liblzo2-dev autoconf automake
  liblz4-dev liblzma-dev libtool util-linux e2fsprogs btrfs-progs"
# shellcheck disable=SC2086
"$(dirname "$0")/apt-install.sh" $PACKAGES
