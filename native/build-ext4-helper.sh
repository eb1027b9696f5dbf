#!/bin/sh
# Builds build/Release/imgsmith-ext4-populate (native/ext4_populate.c), the helper that
# writes a tree into the empty ext4 filesystem mke2fs made, linked dynamically against
# e2fsprogs' libext2fs (LGPL) and libcom_err. Needs their headers (Debian: libext2fs-dev;
# Nix: e2fsprogs.dev). Separate from node-gyp's build so that a missing header fails only
# this step: without the helper, ext4 falls back to mke2fs -d.
set -eu
cd "$(dirname "$0")/.."
mkdir -p build/Release
CC="${CC:-cc}"
FLAGS="$(pkg-config --cflags --libs ext2fs com_err 2>/dev/null || echo '-lext2fs -lcom_err')"
out=build/Release/imgsmith-ext4-populate
# shellcheck disable=SC2086
$CC -std=gnu11 -O2 -Wall -Wextra ${CFLAGS:-} -o "$out.tmp" native/ext4_populate.c ${LDFLAGS:-} $FLAGS
mv -f "$out.tmp" "$out"
