#!/usr/bin/env bash
# A faithful shell re-implementation of how NixOS builds its aarch64 SD image
# (Hydra's nixos.sd_image), used as the benchmark baseline. It follows, step by step:
#
#   nixos/lib/make-ext4-fs.nix                      (the root filesystem derivation,
#                                                    with compressImage = true as sd-image.nix passes)
#   nixos/modules/installer/sd-card/sd-image.nix    (the disk image derivation)
#   nixos/modules/installer/sd-card/sd-image-aarch64.nix
#                                                   (populateFirmwareCommands, config.txt,
#                                                    populateRootCommands)
#   nixos/modules/system/boot/loader/generic-extlinux-compatible/extlinux-conf-builder.sh
#                                                   (run as populateCmd -g 20 -t 5)
#
# Differences, all forced by running outside Nix:
#   * Store paths live under --store-root (<store-root>/nix/store/...), not /nix/store;
#     store paths are mapped to host paths where they are read. Symlinks inside the
#     store keep their /nix/store targets, as in Nix.
#   * The two derivations run back to back in one work directory ($out/build plays
#     $NIX_BUILD_TOP). Nix's registration of each derivation's output (NAR
#     serialisation + hash of the output file) is approximated by hashing the
#     output file once with sha256sum (phases register-rootfs, register-image).
#   * extlinux-conf-builder's "-g 20" lists older generations from
#     /nix/var/nix/profiles, which does not exist in the build sandbox either: skipped.
#   * raspberrypifw / u-boot / armstubs come from one --firmware directory that holds
#     the files under the names populateFirmwareCommands gives them.
#
# Usage: nixos-sd-image.sh --store-root DIR --closure-info DIR --toplevel /nix/store/... \
#                          --firmware DIR --out DIR [--cores N]
# Output: DIR/sd-image/nixos-sd-image-<nixos-version>-aarch64-linux.img.zst
# Timing: prints "PHASE <name> <seconds>" per phase and "PHASE total <seconds>" to stdout;
# tool output goes to DIR/build.log. The work directory DIR/build is left for the caller
# to delete (Nix deletes its sandbox after the build, outside the build's time).
set -euo pipefail

store_root= closure_info= toplevel= firmware_src= out= cores=$(nproc)
while [ $# -gt 0 ]; do
  case "$1" in
    --store-root) store_root=$(realpath "$2"); shift 2 ;;
    --closure-info) closure_info=$(realpath "$2"); shift 2 ;;
    --toplevel) toplevel=$2; shift 2 ;;
    --firmware) firmware_src=$(realpath "$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --cores) cores=$2; shift 2 ;;
    *) echo "nixos-sd-image.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$store_root" ] || [ -z "$closure_info" ] || [ -z "$toplevel" ] || [ -z "$firmware_src" ] || [ -z "$out" ]; then
  echo "usage: nixos-sd-image.sh --store-root DIR --closure-info DIR --toplevel /nix/store/... --firmware DIR --out DIR [--cores N]" >&2
  exit 2
fi
case "$toplevel" in /nix/store/*) ;; *) echo "--toplevel must be a /nix/store path" >&2; exit 2 ;; esac

mkdir -p "$out"
out=$(realpath "$out")
export NIX_BUILD_CORES=$cores
export NIX_BUILD_TOP=$out/build
# The Nix sandbox's environment.
export TZ=UTC LC_ALL=C
mkdir -p "$NIX_BUILD_TOP"
exec 3>&1 >"$out/build.log" 2>&1

# Host path of a store path (or of a path inside one).
S() { printf '%s%s' "$store_root" "$1"; }
# readlink -f for store paths: follows symlinks whose targets are in /nix/store.
store_readlink_f() {
  local p=$1 t i
  for i in $(seq 40); do
    if [ -L "$(S "$p")" ]; then
      t=$(readlink "$(S "$p")")
      case "$t" in /*) p=$t ;; *) p=$(dirname "$p")/$t ;; esac
    else
      printf '%s' "$p"
      return
    fi
  done
  echo "too many symlinks: $1" >&2
  return 1
}

now() { date +%s.%N; }
t_start=$(now)
t_phase=$t_start
phase() {
  local t
  t=$(now)
  awk -v n="$1" -v a="$t_phase" -v b="$t" 'BEGIN { printf "PHASE %s %.3f\n", n, b - a }' >&3
  t_phase=$t
}

nixos_label=$(cat "$(S "$toplevel")/nixos-version")
system=aarch64-linux
image_base=nixos-sd-image-$nixos_label-$system

###########################################################################
# Derivation 1: make-ext4-fs.nix (compressImage = true, volumeLabel = NIXOS_SD)
cd "$NIX_BUILD_TOP"
rootfs_out=$NIX_BUILD_TOP/ext4-fs.img.zst   # plays the derivation's $out
img=temp.img                                  # compressImage: img=temp.img
volumeLabel=NIXOS_SD
uuid=44444444-4444-4444-8888-888888888888

# populateImageCommands = sdImage.populateRootCommands:
#   mkdir -p ./files/boot
#   ${populateCmd} -c ${toplevel} -d ./files/boot
(
  mkdir -p ./files
  mkdir -p ./files/boot
  # extlinux-conf-builder.sh -g 20 -t 5 -c $toplevel -d ./files/boot
  target=./files/boot
  timeout=$((5 * 10))
  menu=1
  mkdir -p $target/nixos
  mkdir -p $target/extlinux
  cleanName() { echo "$1" | sed 's|^/nix/store/||' | sed 's|/|-|g'; }
  copyToKernelsDir() {
    local src dst dstTmp
    src=$(store_readlink_f "$1")
    dst="$target/nixos/$(cleanName "$src")"
    if ! test -e "$dst"; then
      dstTmp=$dst.tmp.$$
      cp -r "$(S "$src")" "$dstTmp"
      mv "$dstTmp" "$dst"
    fi
    result=$dst
  }
  addEntry() {
    local path tag kernel initrd dtbs dtbDir nixosLabel extraParams
    path=$(store_readlink_f "$1")
    tag=$2
    if ! test -e "$(S "$(store_readlink_f "$path/kernel")")" -a -e "$(S "$(store_readlink_f "$path/initrd")")"; then return; fi
    copyToKernelsDir "$path/kernel"; kernel=$result
    copyToKernelsDir "$path/initrd"; initrd=$result
    dtbDir=$(store_readlink_f "$path/dtbs")
    if [ -e "$(S "$dtbDir")" ]; then copyToKernelsDir "$dtbDir"; dtbs=$result; fi
    nixosLabel="$(cat "$(S "$path")/nixos-version")"
    extraParams="$(cat "$(S "$path")/kernel-params")"
    echo
    echo "LABEL nixos-$tag"
    if [ "$tag" = "default" ]; then
      echo "  MENU LABEL NixOS - Default"
    else
      echo "  MENU LABEL NixOS - Configuration $tag ($nixosLabel)"
    fi
    echo "  LINUX ../nixos/$(basename "$kernel")"
    echo "  INITRD ../nixos/$(basename "$initrd")"
    echo "  APPEND init=$path/init $extraParams"
    if [ -d "$(S "$dtbDir")" ]; then echo "  FDTDIR ../nixos/$(basename "$dtbs")"; fi
  }
  tmpFile="$target/extlinux/extlinux.conf.tmp.$$"
  cat > "$tmpFile" <<EOF
# Generated file, all changes will be lost on nixos-rebuild!

# Change this to e.g. nixos-42 to temporarily boot to an older configuration.
DEFAULT nixos-default

TIMEOUT $timeout
EOF
  [ "$menu" == "1" ] && echo "MENU TITLE ------------------------------------------------------------" >> "$tmpFile"
  addEntry "$toplevel" default >> "$tmpFile"
  mv -f "$tmpFile" $target/extlinux/extlinux.conf
)
phase populate-files

echo "Preparing store paths for image..."
mkdir -p ./rootImage/nix/store
sed "s|^|$store_root|" "$closure_info/store-paths" | xargs -I % cp -a --reflink=auto % -t ./rootImage/nix/store/
(
  GLOBIGNORE=".:.."
  shopt -u dotglob
  for f in ./files/*; do
    cp -a --reflink=auto -t ./rootImage/ "$f"
  done
)
# Also include a manifest of the closures in a format suitable for nix-store --load-db
cp "$closure_info/registration" ./rootImage/nix-path-registration
phase copy-store

# Make a crude approximation of the size of the target image.
numInodes=$(find ./rootImage | wc -l)
numDataBlocks=$(du -s -c -B 4096 --apparent-size ./rootImage | tail -1 | awk '{ print int($1 * 1.20) }')
bytes=$((2 * 4096 * numInodes + 4096 * numDataBlocks))
echo "Creating an EXT4 image of $bytes bytes (numInodes=$numInodes, numDataBlocks=$numDataBlocks)"
mebibyte=$(( 1024 * 1024 ))
if (( bytes % mebibyte )); then
  bytes=$(( ( bytes / mebibyte + 1) * mebibyte ))
fi
phase estimate

truncate -s $bytes $img
faketime -f "1970-01-01 00:00:01" fakeroot mkfs.ext4 -L $volumeLabel -U $uuid -d ./rootImage $img
phase mkfs

export EXT2FS_NO_MTAB_OK=yes
if ! fsck.ext4 -n -f $img; then
  echo "--- Fsck failed for EXT4 image of $bytes bytes (numInodes=$numInodes, numDataBlocks=$numDataBlocks) ---"
  exit 1
fi
phase fsck

# shrink to fit
resize2fs -M $img
# Add 16 MebiByte to the current_size (2^20: nixpkgs writes 2**20, a gawk-only spelling)
new_size=$(dumpe2fs -h $img | awk -F: \
  '/Block count/{count=$2} /Block size/{size=$2} END{print (count*size+16*2^20)/size}')
resize2fs $img $new_size
phase resize

echo "Compressing image"
zstd -T$NIX_BUILD_CORES -v --no-progress ./$img -o "$rootfs_out"
phase compress-rootfs
sha256sum "$rootfs_out"
phase register-rootfs

###########################################################################
# Derivation 2: sd-image.nix
mkdir -p "$out/nix-support" "$out/sd-image"
img=$out/sd-image/$image_base.img
echo "$system" > "$out/nix-support/system"
echo "file sd-image $img.zst" >> "$out/nix-support/hydra-build-products"

root_fs=./root-fs.img
echo "Decompressing rootfs image"
zstd -d --no-progress "$rootfs_out" -o $root_fs
phase decompress-rootfs

# Gap in front of the first partition, in MiB
gap=8
firmwareSize=30
firmwarePartitionID=0x2178694e
firmwarePartitionName=FIRMWARE

# Create the image file sized to fit /boot/firmware and /, plus slack for the gap.
rootSizeBlocks=$(du -B 512 --apparent-size $root_fs | awk '{ print $1 }')
firmwareSizeBlocks=$((firmwareSize * 1024 * 1024 / 512))
imageSize=$((rootSizeBlocks * 512 + firmwareSizeBlocks * 512 + gap * 1024 * 1024))
truncate -s $imageSize "$img"

# type=b is 'W95 FAT32', type=83 is 'Linux'.
# The "bootable" partition is where u-boot will look file for the bootloader
# information (dtbs, extlinux.conf file).
sfdisk --no-reread --no-tell-kernel "$img" <<EOF
    label: dos
    label-id: $firmwarePartitionID

    start=${gap}M, size=$firmwareSizeBlocks, type=b
    start=$((gap + firmwareSize))M, type=83, bootable
EOF
phase partition

# Copy the rootfs into the SD image
eval "$(partx "$img" -o START,SECTORS --nr 2 --pairs)"
dd conv=notrunc if=$root_fs of="$img" seek=$START count=$SECTORS
phase dd-root

# Create a FAT32 /boot/firmware partition of suitable size into firmware_part.img
eval "$(partx "$img" -o START,SECTORS --nr 1 --pairs)"
truncate -s $((SECTORS * 512)) firmware_part.img
mkfs.vfat --invariant -i $firmwarePartitionID -n $firmwarePartitionName firmware_part.img

# Populate the files intended for /boot/firmware
mkdir firmware
# sd-image-aarch64.nix populateFirmwareCommands:
(cd "$firmware_src" && cp bootcode.bin fixup*.dat start*.elf "$NIX_BUILD_TOP/firmware/")
cat > firmware/config.txt <<'EOF'
[pi3]
kernel=u-boot-rpi3.bin

[pi02]
kernel=u-boot-rpi3.bin

[pi4]
kernel=u-boot-rpi4.bin
enable_gic=1
armstub=armstub8-gic.bin

# Otherwise the resolution will be weird in most cases, compared to
# what the pi3 firmware does by default.
disable_overscan=1

# Supported in newer board revisions
arm_boost=1

[cm4]
# Enable host mode on the 2711 built-in XHCI USB controller.
# This line should be removed if the legacy DWC2 controller is required
# (e.g. for USB device mode) or if USB support is not required.
otg_mode=1

[all]
# Boot in 64-bit mode.
arm_64bit=1

# U-Boot needs this to work, regardless of whether UART is actually used or not.
# Look in arch/arm/mach-bcm283x/Kconfig in the U-Boot tree to see if this is still
# a requirement in the future.
enable_uart=1

# Prevent the firmware from smashing the framebuffer setup done by the mainline kernel
# when attempting to show low-voltage or overtemperature warnings.
avoid_warnings=1
EOF
cp "$firmware_src/u-boot-rpi3.bin" firmware/u-boot-rpi3.bin
cp "$firmware_src/u-boot-rpi4.bin" firmware/u-boot-rpi4.bin
cp "$firmware_src/armstub8-gic.bin" firmware/armstub8-gic.bin
cp "$firmware_src/bcm2711-rpi-4-b.dtb" firmware/
cp "$firmware_src/bcm2711-rpi-400.dtb" firmware/
cp "$firmware_src/bcm2711-rpi-cm4.dtb" firmware/
cp "$firmware_src/bcm2711-rpi-cm4s.dtb" firmware/

find firmware -exec touch --date=2000-01-01 {} +
# Copy the populated /boot/firmware into the SD image
cd firmware
# Force a fixed order in mcopy for better determinism, and avoid file globbing
for d in $(find . -type d -mindepth 1 | sort); do
  faketime "2000-01-01 00:00:00" mmd -i ../firmware_part.img "::/$d"
done
for f in $(find . -type f | sort); do
  mcopy -pvm -i ../firmware_part.img "$f" "::/$f"
done
cd ..

# Verify the FAT partition before copying it.
fsck.vfat -vn firmware_part.img
dd conv=notrunc if=firmware_part.img of="$img" seek=$START count=$SECTORS
phase firmware

zstd -T$NIX_BUILD_CORES --rm "$img"
phase compress
sha256sum "$img.zst"
phase register-image

t_end=$(now)
awk -v a="$t_start" -v b="$t_end" 'BEGIN { printf "PHASE total %.3f\n", b - a }' >&3
printf 'OUTPUT %s\n' "$img.zst" >&3
