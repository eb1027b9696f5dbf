#!/bin/sh
# Installs what imgsmith needs on Debian 12 (the filesystem, partitioning,
# compression and QEMU tools) and the npm dependencies (which also builds the
# optional native addon). Uses sudo when not run as root.
set -eu
cd "$(dirname "$0")/.."
PACKAGES="e2fsprogs dosfstools mtools zstd fdisk gdisk btrfs-progs bmap-tools util-linux
  fakeroot faketime time xz-utils bzip2 lz4 cpio ca-certificates genimage
  qemu-system-arm qemu-system-x86 qemu-utils ovmf u-boot-qemu ipxe-qemu
  python3 make g++ libext2fs-dev pkg-config"
# shellcheck disable=SC2086
./scripts/apt-install.sh $PACKAGES
npm ci --no-audit --no-fund
