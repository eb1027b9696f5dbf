#!/bin/sh
# Installs what imgsmith needs on Debian 12 (the filesystem, partitioning,
# compression and QEMU tools) and the npm dependencies (which also builds the
# optional native addon). Uses sudo when not run as root.
set -eu
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PACKAGES="e2fsprogs dosfstools mtools zstd fdisk gdisk btrfs-progs bmap-tools util-linux
  fakeroot faketime time xz-utils cpio ca-certificates genimage
  qemu-system-arm qemu-system-x86 qemu-utils ovmf u-boot-qemu ipxe-qemu
  python3 make g++ libext2fs-dev pkg-config"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi
npm ci --no-audit --no-fund
