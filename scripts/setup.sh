#!/bin/sh
# Sets up a checkout on Debian 12 or Ubuntu 24.04: installs the Debian packages that building
# images needs (with sudo when not root) and runs `npm ci` (which also builds the optional native
# addon and the ext4 populate helper, and compiles lib/). Node.js 20.15+, 22 or 24 must already
# be installed (see the README, "Installing").
#
#   scripts/setup.sh [--with-boot-test] [--with-bench] [--with-tests] [--list]
#
#   --with-boot-test  also what `imgsmith boot-test` runs (QEMU, its firmware, mtools)
#   --with-bench      also what `npm run bench` runs (genimage and the NixOS script's tools)
#   --with-tests      also what the test suite checks results with, and --with-boot-test
#                     (the suite boots QEMU); `npm test` adds Debian's nix-bin itself
#   --list            print the Debian packages the options select, one a line, and stop
#
# The lists are plain, one variable per group: test/install.test.ts checks that the README
# lists exactly these.
set -eu
cd "$(dirname "$0")/.."

# Building images (build, inspect, ls, cat, extract, diff, verify, flash) and compiling the
# native addon (python3, make, g++) and the ext4 populate helper (libext2fs-dev, pkg-config).
PACKAGES="e2fsprogs btrfs-progs erofs-utils squashfs-tools dosfstools zstd fdisk gdisk util-linux xz-utils bzip2 lz4
  python3 make g++ libext2fs-dev pkg-config"
# imgsmith boot-test.
BOOT_TEST_PACKAGES="qemu-system-arm qemu-system-x86 qemu-utils ovmf u-boot-qemu ipxe-qemu mtools"
# npm run bench: genimage and the shell re-implementation of NixOS's sd-image (bench/).
BENCH_PACKAGES="genimage mtools fakeroot faketime time cpio"
# The test suite's independent checks and fixtures (and BOOT_TEST_PACKAGES).
TESTS_PACKAGES="mtools bmap-tools openssl cpio fakeroot faketime ca-certificates cryptsetup-bin android-sdk-libsparse-utils"

usage() {
  echo "usage: scripts/setup.sh [--with-boot-test] [--with-bench] [--with-tests] [--list]" >&2
  exit 2
}
selected="$PACKAGES"
list=""
for arg in "$@"; do
  case "$arg" in
    --with-boot-test) selected="$selected $BOOT_TEST_PACKAGES" ;;
    --with-bench) selected="$selected $BENCH_PACKAGES" ;;
    --with-tests) selected="$selected $BOOT_TEST_PACKAGES $TESTS_PACKAGES" ;;
    --list) list=1 ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: error: unknown option $arg" >&2; usage ;;
  esac
done
# shellcheck disable=SC2086
selected="$(printf '%s\n' $selected | sort -u)"
if [ -n "$list" ]; then
  echo "$selected"
  exit 0
fi

# Debian 12's own nodejs is Node 18, older than package.json's engines: say so before installing
# (a newer Node than those tested is src/toolchain.ts's to warn about).
if ! command -v node >/dev/null 2>&1; then
  echo "setup.sh: error: node is not installed: imgsmith needs Node.js 20.15+, 22 or 24 (see the README, \"Installing\")" >&2
  exit 1
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 15) ? 0 : 1)'; then
  echo "setup.sh: error: node $(node --version) is too old: imgsmith needs Node.js 20.15 or later (20, 22 or 24: see the README, \"Installing\")" >&2
  exit 1
fi

# shellcheck disable=SC2086
./scripts/apt-install.sh $selected
npm ci --no-audit --no-fund
