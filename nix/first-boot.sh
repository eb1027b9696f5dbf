# imgsmith first boot (POSIX sh; runs under bash, dash or busybox ash).
#
#   sh first-boot.sh [grow] [register]      (no argument: both)
#
# grow: when the partition holding / is the last one on its disk and the disk is larger
#   than the partition's end (the image was written to a bigger card or disk), moves the
#   backup GPT header to the new end (GPT), grows the partition to the end of the disk with
#   sfdisk (keeping its start, type, GUID, name and attributes), tells the kernel (partx -u,
#   BLKPG) and grows the mounted filesystem online (ext2/3/4: resize2fs; btrfs: btrfs
#   filesystem resize max /). Then prints one line:
#     imgsmith-grown: <partition bytes> <filesystem bytes>    or    imgsmith-grown: unchanged
#   It does nothing (unchanged) when / is not a partition, not the last one, the disk has no
#   room after it, the filesystem cannot grow online, or everything already is grown: safe to
#   run on every boot.
# register: when /nix-path-registration exists, loads it into the Nix database
#   (nix-store --load-db), marks the system as NixOS (/etc/NIXOS), sets the system profile
#   to /run/current-system and removes the file. Without nix-store on PATH it only says so.
#
# Needs: sfdisk, partx (util-linux), resize2fs and dumpe2fs (e2fsprogs) or btrfs
# (btrfs-progs), and cat, grep, sed, readlink, basename, dirname, cut, tail.
# Environment (for tests): IMGSMITH_FIRST_BOOT_ROOT (a directory standing for / for
# register), IMGSMITH_SYSTEM (the system to set the profile to; default: /run/current-system).

say() { echo "imgsmith-first-boot: $*"; }

unchanged() {
  say "$*"
  echo "imgsmith-grown: unchanged"
}

# The size in bytes of the mounted filesystem $2 (type $1) on device $3; empty if unknown.
fs_bytes() {
  case "$1" in
    ext2|ext3|ext4)
      dumpe2fs -h "$3" 2>/dev/null | sed -n -e 's/^Block count: *\([0-9]*\)$/c \1/p' -e 's/^Block size: *\([0-9]*\)$/s \1/p' | {
        c=; s=
        while read -r k v; do
          case "$k" in c) c=$v ;; s) s=$v ;; esac
        done
        [ -n "$c" ] && [ -n "$s" ] && echo $((c * s))
      } ;;
    btrfs)
      # "devid    1 size 1073741824 used ... path /dev/vda3": the device's share of the filesystem.
      btrfs filesystem show --raw "$2" 2>/dev/null | sed -n 's/^[[:space:]]*devid[[:space:]]*[0-9]*[[:space:]]*size[[:space:]]*\([0-9]*\)[[:space:]].*/\1/p' | head -n 1 ;;
  esac
}

grow_fs() {
  case "$1" in
    ext2|ext3|ext4) resize2fs "$3" ;;
    btrfs) btrfs filesystem resize max "$2" ;;
  esac
}

grow() {
  line=$(grep '^[^ ]* / ' /proc/mounts | tail -n 1)
  [ -n "$line" ] || { unchanged "/ is not in /proc/mounts"; return 0; }
  dev=$(echo "$line" | cut -d ' ' -f 1)
  fstype=$(echo "$line" | cut -d ' ' -f 3)
  case "$fstype" in
    ext2|ext3|ext4|btrfs) ;;
    *) unchanged "the root filesystem ($fstype on $dev) cannot be grown online"; return 0 ;;
  esac
  dev=$(readlink -f "$dev")
  name=$(basename "$dev")
  sys=/sys/class/block/$name
  [ -e "$sys/partition" ] || { unchanged "$dev is not a partition"; return 0; }
  nr=$(cat "$sys/partition")
  disk=$(basename "$(dirname "$(readlink -f "$sys")")")
  start=$(cat "$sys/start")
  for p in /sys/class/block/"$disk"/"$disk"*; do
    [ -e "$p/start" ] || continue
    if [ "$(cat "$p/start")" -gt "$start" ]; then
      unchanged "$dev (partition $nr of /dev/$disk) is not the last partition"
      return 0
    fi
  done
  # Sizes in 512-byte units, as sysfs gives them.
  total=$(cat "/sys/class/block/$disk/size")
  size=$(cat "$sys/size")
  label=$(sfdisk -d "/dev/$disk" 2>/dev/null | sed -n 's/^label: *//p')
  room=$total
  # GPT: the backup entries and header take the last 33 sectors.
  [ "$label" = gpt ] && room=$((total - 33))
  grew=
  if [ $((room - start - size)) -ge 4096 ]; then
    say "growing partition $nr of /dev/$disk ($label) from $((size * 512)) bytes to the end of the disk ($((total * 512)) bytes)"
    if [ "$label" = gpt ]; then
      sfdisk --no-reread --relocate gpt-bak-std "/dev/$disk" || { say "sfdisk --relocate gpt-bak-std /dev/$disk failed"; return 1; }
    fi
    echo ', +' | sfdisk --no-reread --no-tell-kernel -N "$nr" "/dev/$disk" || { say "sfdisk -N $nr /dev/$disk failed"; return 1; }
    partx -u --nr "$nr" "/dev/$disk" || { say "partx -u --nr $nr /dev/$disk failed"; return 1; }
    new=$(cat "$sys/size")
    [ "$new" -gt "$size" ] || { say "the kernel still sees $((new * 512)) bytes for $dev"; return 1; }
    size=$new
    grew=1
  fi
  before=$(fs_bytes "$fstype" / "$dev")
  [ -n "$before" ] || { say "cannot read the size of the $fstype filesystem on $dev"; return 1; }
  if [ "$before" -lt $((size * 512)) ]; then
    grow_fs "$fstype" / "$dev" || { say "growing the $fstype filesystem on $dev failed"; return 1; }
  fi
  after=$(fs_bytes "$fstype" / "$dev")
  if [ -n "$grew" ] || [ "$after" -gt "$before" ]; then
    say "$dev: partition $((size * 512)) bytes, $fstype filesystem $before -> $after bytes"
    echo "imgsmith-grown: $((size * 512)) $after"
  else
    unchanged "$dev ($fstype) already fills /dev/$disk"
  fi
}

register() {
  r=${IMGSMITH_FIRST_BOOT_ROOT:-}
  reg=$r/nix-path-registration
  [ -e "$reg" ] || { say "no $reg: the store is registered already"; return 0; }
  if ! command -v nix-store >/dev/null 2>&1; then
    say "nix-store is not on PATH: $reg left for a later boot"
    return 0
  fi
  system=${IMGSMITH_SYSTEM:-$(readlink -f /run/current-system)}
  nix-store --load-db < "$reg" || { say "nix-store --load-db < $reg failed"; return 1; }
  mkdir -p "$r/etc" && touch "$r/etc/NIXOS" || return 1
  mkdir -p "$r/nix/var/nix/profiles" || return 1
  nix-env -p "$r/nix/var/nix/profiles/system" --set "$system" || { say "nix-env --set $system failed"; return 1; }
  rm -f "$reg" || return 1
  say "registered the store paths of $reg, set the system profile to $system"
}

status=0
[ $# -gt 0 ] || set -- grow register
for step in "$@"; do
  case "$step" in
    grow) grow || status=1 ;;
    register) register || status=1 ;;
    *) say "unknown step $step (use grow, register)"; status=2 ;;
  esac
done
exit $status
