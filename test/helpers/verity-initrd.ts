/**
 * The boot fixture's dm-verity root (test/helpers/boot-fixture.ts, option `verity`): what stage 1
 * needs to open a root filesystem through dm-verity and mount it read-only.
 *
 *   kernel modules  dm-mod, dm-bufio, dm-verity (Debian 6.1 builds device-mapper as modules and
 *                   without CONFIG_DM_INIT, so `dm-mod.create=` cannot work) and erofs, loaded
 *                   when the command line has roothash=;
 *   initrd          /bin/veritysetup (Debian cryptsetup-bin) with the ELF interpreter in /lib and
 *                   the shared libraries it needs (the DT_NEEDED closure) in /lib/<multiarch>/.
 *
 * The kernel command line follows systemd's convention, so the same image boots with a systemd
 * initrd (systemd-veritysetup-generator, systemd-gpt-auto-generator):
 *   roothash=<hex>                      the root hash: its presence turns verity on;
 *   systemd.verity_root_data=<device>   the data partition; default: the partition whose PARTUUID
 *                                       is the first 128 bits of the root hash (as systemd, per the
 *                                       Discoverable Partitions Specification);
 *   systemd.verity_root_hash=<device>   the hash partition; default: PARTUUID = the last 128 bits;
 *   root=/dev/mapper/root               the verified device (the default when roothash= is given).
 * <device> is PARTUUID=…, PARTLABEL=…, LABEL=…, UUID=…, /dev/disk/by-partuuid/…,
 * /dev/disk/by-partlabel/… or /dev/…. `veritysetup open` reads the rest (salt, block sizes,
 * data blocks, algorithm) from the hash partition's verity superblock.
 *
 * After mounting /dev/mapper/root read-only, stage 1 reads every regular file of the root (so a
 * changed byte anywhere in the files' data makes dm-verity return EIO and the boot fail with
 * `IMGSMITH-BOOT-FAIL stage 1: cannot read <file> from the verified root: <error>`) before it
 * switches to it.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { CpioEntry } from './nix-fixture.ts';
import { elfClosure } from './first-boot-tools.ts';

/** Debian bookworm packages: veritysetup and the libraries it links. */
export const VERITY_PACKAGES = [
  'cryptsetup-bin', 'libcryptsetup12', 'libpopt0', 'libblkid1', 'libc6', 'libuuid1', 'libdevmapper1.02.1',
  'libssl3', 'libargon2-1', 'libjson-c5', 'libselinux1', 'libudev1', 'libpcre2-8-0',
];

/** Kernel modules stage 1 loads (their dependencies come along). */
export const VERITY_MODULES = ['dm_verity', 'erofs'];

/** The kernel package's members the modules are in (next to boot-fixture.ts's KERNEL_PATTERNS). */
export const VERITY_KERNEL_PATTERNS = ['./lib/modules/*/kernel/drivers/md/*', './lib/modules/*/kernel/drivers/dax/*'];

/** The device-mapper name of the verified root. */
export const VERITY_DEVICE = '/dev/mapper/root';

async function findIn(trees: string[], rels: string[]): Promise<string | undefined> {
  for (const t of trees) {
    for (const rel of rels) {
      const f = path.join(t, rel);
      if ((await fsp.stat(f).catch(() => undefined))?.isFile()) return f;
    }
  }
  return undefined;
}

/** The initrd entries: /bin/veritysetup, /lib/<ld.so>, /lib/<multiarch>/*.so, /run. `trees`: the
 *  extracted VERITY_PACKAGES. */
export async function verityInitrdEntries(trees: string[], multiarch: string): Promise<CpioEntry[]> {
  const bin = await findIn(trees, ['usr/sbin/veritysetup', 'sbin/veritysetup']);
  if (!bin) throw new Error('boot fixture: veritysetup is in none of the VERITY_PACKAGES');
  const { libs, needed, ld } = await elfClosure([bin], trees, 'verity packages', 'VERITY_PACKAGES');
  const out: CpioEntry[] = [
    { kind: 'dir', path: 'run', mode: 0o755 },
    { kind: 'dir', path: `lib/${multiarch}`, mode: 0o755 },
    { kind: 'file', path: 'bin/veritysetup', mode: 0o755, data: await fsp.readFile(bin) },
    { kind: 'file', path: `lib/${ld}`, mode: 0o755, data: await fsp.readFile(libs.get(ld)!) },
  ];
  for (const so of [...needed].sort()) {
    if (so !== ld) out.push({ kind: 'file', path: `lib/${multiarch}/${so}`, mode: 0o644, data: await fsp.readFile(libs.get(so)!) });
  }
  return out;
}

/** Shell functions of stage 1 (after fail() and load()): verity_part, gpt_partuuid, open_verity (run
 *  after the command line is read: loads `modules`, VERITY_MODULES and their dependencies in load
 *  order, sets root= and opens /dev/mapper/root) and verity_read_root (after the mount). */
export function stage1VerityFunctions(multiarch: string, modules: string[]): string {
  return `# dm-verity (test/helpers/verity-initrd.ts)
gpt_partuuid() {
  # The GPT unique partition GUID of /sys/class/block/<part> $1, read from its disk's table.
  disk=/dev/$(basename "$(dirname "$(readlink -f "$1")")")
  [ "$(dd if="$disk" bs=1 skip=512 count=8 2>/dev/null)" = "EFI PART" ] || return 0
  lba=$(dd if="$disk" bs=1 skip=584 count=4 2>/dev/null | hexdump -e '1/4 "%u"')
  esz=$(dd if="$disk" bs=1 skip=596 count=4 2>/dev/null | hexdump -e '1/4 "%u"')
  n=$(cat "$1/partition")
  dd if="$disk" bs=1 skip=$((lba * 512 + (n - 1) * esz + 16)) count=16 2>/dev/null |
    hexdump -e '1/4 "%08x-" 1/2 "%04x-" 1/2 "%04x-" 1/1 "%02x" 1/1 "%02x-" 6/1 "%02x"'
}
verity_part() {
  case "$1" in
    /dev/disk/by-partuuid/*) verity_part "PARTUUID=\${1#/dev/disk/by-partuuid/}" ;;
    /dev/disk/by-partlabel/*) verity_part "PARTLABEL=\${1#/dev/disk/by-partlabel/}" ;;
    PARTUUID=*)
      want=$(echo "\${1#PARTUUID=}" | tr A-F a-f)
      for p in /sys/class/block/*; do
        [ -e "$p/partition" ] && [ "$(gpt_partuuid "$p")" = "$want" ] && echo "/dev/\${p##*/}" && return 0
      done ;;
    PARTLABEL=*)
      for p in /sys/class/block/*; do
        [ -e "$p/partition" ] && grep -qx "PARTNAME=\${1#PARTLABEL=}" "$p/uevent" && echo "/dev/\${p##*/}" && return 0
      done ;;
    LABEL=*|UUID=*) findfs "$1" 2>/dev/null ;;
    /dev/*) [ -b "$1" ] && echo "$1" ;;
    *) fail "cannot handle the verity device $1" ;;
  esac
  return 0
}
open_verity() {
  roothash= vdata= vhash= verity=
  for x in $(cat /proc/cmdline); do
    case "$x" in
      roothash=*) roothash="\${x#roothash=}" ;;
      systemd.verity_root_data=*) vdata="\${x#systemd.verity_root_data=}" ;;
      systemd.verity_root_hash=*) vhash="\${x#systemd.verity_root_hash=}" ;;
    esac
  done
  [ -n "$roothash" ] || return 0
  load "dm-verity root" ${modules.join(' ')}
  echo "$roothash" | grep -qx '[0-9a-f]\\{64\\}' || fail "roothash=$roothash is not a SHA-256 root hash (64 hex digits)"
  [ -n "$root" ] || root=${VERITY_DEVICE}
  [ "$root" = ${VERITY_DEVICE} ] || fail "roothash= is given but root=$root is not ${VERITY_DEVICE}"
  uuid() { echo "$1" | sed 's/^\\(........\\)\\(....\\)\\(....\\)\\(....\\)\\(............\\)$/\\1-\\2-\\3-\\4-\\5/'; }
  [ -n "$vdata" ] || vdata="PARTUUID=$(uuid "$(echo "$roothash" | cut -c1-32)")"
  [ -n "$vhash" ] || vhash="PARTUUID=$(uuid "$(echo "$roothash" | cut -c33-64)")"
  data= hash= i=0
  while [ $i -lt 30 ]; do
    data=$(verity_part "$vdata")
    hash=$(verity_part "$vhash")
    [ -n "$data" ] && [ -n "$hash" ] && break
    i=$((i + 1))
    sleep 0.5
  done
  [ -n "$data" ] || fail "the verity data partition $vdata was not found; block devices: $(ls /sys/class/block | tr '\\n' ' ')"
  [ -n "$hash" ] || fail "the verity hash partition $vhash was not found; block devices: $(ls /sys/class/block | tr '\\n' ' ')"
  echo "imgsmith-fixture stage 1: dm-verity: data $data ($vdata), hash $hash ($vhash), root hash $roothash"
  mkdir -p /run/cryptsetup
  LD_LIBRARY_PATH=/lib/${multiarch} veritysetup open "$data" root "$hash" "$roothash" || fail "veritysetup open $data root $hash $roothash failed"
  [ -b ${VERITY_DEVICE} ] || fail "veritysetup made no ${VERITY_DEVICE}"
  verity=1
}
read_tree() {
  # Reads every directory and regular file under $1 (dm-verity checks each block read).
  local f e
  e=$(ls -A "$1" 2>&1 >/dev/null) || fail "cannot list \${1#/mnt-root}/ on the verified root: $e"
  for f in "$1"/* "$1"/.[!.]*; do
    case "$f" in "$1/*" | "$1/.[!.]*") [ -e "$f" ] || [ -L "$f" ] || continue ;; esac
    if [ -L "$f" ]; then
      continue
    elif [ -d "$f" ]; then
      read_tree "$f"
    elif [ -f "$f" ]; then
      e=$(cat "$f" 2>&1 >/dev/null) || fail "cannot read \${f#/mnt-root} from the verified root: $e"
      files=$((files + 1))
    else
      e=$(ls -ld "$f" 2>&1 >/dev/null) || fail "cannot read \${f#/mnt-root} from the verified root: $e"
    fi
  done
}
verity_read_root() {
  [ -n "$verity" ] || return 0
  grep -q "^${VERITY_DEVICE} /mnt-root [^ ]* ro[, ]" /proc/mounts || fail "the root is not mounted read-only from ${VERITY_DEVICE}: $(grep ' /mnt-root ' /proc/mounts)"
  files=0
  read_tree /mnt-root
  echo "imgsmith-fixture stage 1: read all $files files of the verified root"
}
`;
}
