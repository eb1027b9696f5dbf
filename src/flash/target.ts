/**
 * What `imgsmith flash` may write to, decided before a byte is written.
 *
 * In-use is judged by the backing store, not by the name: the "shared storage" of a
 * target is the device, its partitions, the devices stacked on any of them (dm, md, LVM
 * holders), every loop device over the same backing file or device (compared by
 * device/inode, from /sys/block/loopN/loop/backing_file), the device behind a loop target,
 * and so on transitively. The target is refused when any of it
 *  - is mounted: the message names the device, how it relates to the target, and the
 *    mount point, and says "root" or "/boot" when it carries the running system;
 *  - is active swap (a device, or the target file being a swap file);
 *  - has a device-mapper/md device built on it;
 *  - is the image being flashed (the same file, a hard link, a loop device over it).
 * A regular file (or a path that does not exist yet) is otherwise allowed: it is how
 * images are copied and how the tests run; a file behind a loop device in use is refused
 * like the device. A block device is also refused when it is smaller than the image, and,
 * unless `force`, when it is a partition rather than a whole disk or a disk that is
 * neither removable nor on USB/MMC (an internal disk). Loop devices count as removable.
 * Everything is read through sysfs and /proc (no root needed to look); `SystemFiles`
 * points those reads elsewhere for tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildError } from '../errors.ts';

export interface FlashTarget {
  path: string;
  kind: 'file' | 'block';
  /** Bytes the target can hold (a file: unlimited, reported as undefined). */
  size?: number;
  /** Kernel name of the disk (sdb, mmcblk0, loop3) for a block device. */
  disk?: string;
  /** "Vendor Model", when sysfs has it. */
  model?: string;
  removable?: boolean;
}

export interface TargetCheck {
  /** The image's size in bytes. */
  imageSize: number;
  /** Skip the partition / internal-disk refusals (never the mounted, swap or size ones). */
  force?: boolean;
  /** The image file being flashed: the target must not be it, nor a loop device over it. */
  source?: string;
}

/** Files under /proc and /sys this module reads; tests point them elsewhere. */
export interface SystemFiles {
  mountinfo: string;
  swaps: string;
  /** maj:min -> device directory links. */
  sysBlock: string;
  /** One directory per disk (loop devices included): /sys/block. */
  sysBlockList: string;
}

const SYSTEM: SystemFiles = { mountinfo: '/proc/self/mountinfo', swaps: '/proc/swaps', sysBlock: '/sys/dev/block', sysBlockList: '/sys/block' };

const readText = (p: string): string | undefined => {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
};

const devNumber = (rdev: number): string => `${Math.floor(rdev / 256) & 0xfff}:${(rdev & 0xff) | ((Math.floor(rdev / 1048576) & 0xfff) << 8)}`;

/** A device in the storage a target shares: its kernel name and how it relates to the target. */
interface Related {
  name: string;
  /** "" for the target itself, else e.g. "a partition of it", "built on it". */
  via: string;
  holder: boolean;
}

/** The major:minor numbers of a disk, its partitions and the devices stacked on any of them. */
function familyOf(sysDir: string, via: string, out: Map<string, Related>): void {
  const visit = (dir: string, depth: number, rel: string, holder: boolean): void => {
    const dev = readText(path.join(dir, 'dev'))?.trim();
    if (dev && !out.has(dev)) out.set(dev, { name: path.basename(dir), via: rel, holder });
    if (depth > 4) return;
    for (const n of listDir(dir)) {
      // Partitions are subdirectories that have a "partition" file.
      if (fs.existsSync(path.join(dir, n, 'partition'))) visit(path.join(dir, n), depth + 1, rel || 'a partition of it', holder);
    }
    for (const h of listDir(path.join(dir, 'holders'))) {
      let real: string;
      try {
        real = fs.realpathSync(path.join(dir, 'holders', h));
      } catch {
        continue;
      }
      visit(real, depth + 1, 'built on it (device-mapper/md)', true);
    }
  };
  visit(sysDir, 0, via, false);
}

const listDir = (dir: string): string[] => {
  try {
    return fs.readdirSync(dir).slice(0, 4096);
  } catch {
    return [];
  }
};

/** What a file or device is, for comparing storage: "ino:dev:ino" for a file, "blk:maj:min" for a device. */
function storageKey(p: string): string | undefined {
  try {
    const st = fs.statSync(p);
    if (st.isBlockDevice()) return `blk:${devNumber(st.rdev)}`;
    return `ino:${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

interface Loop {
  name: string;
  dev: string;
  sysDir: string;
  /** storageKey of its backing file or device. */
  backing?: string;
  backingFile: string;
}

/** The attached loop devices and what backs each (/sys/block/loopN/loop/backing_file). */
function loopDevices(sys: SystemFiles): Loop[] {
  const out: Loop[] = [];
  for (const name of listDir(sys.sysBlockList)) {
    if (!/^loop\d+$/.test(name)) continue;
    const sysDir = path.join(sys.sysBlockList, name);
    const file = readText(path.join(sysDir, 'loop', 'backing_file'))?.replace(/\n$/, '');
    const dev = readText(path.join(sysDir, 'dev'))?.trim();
    if (!file || !dev) continue;
    // A backing file deleted since shows as "PATH (deleted)": nothing on disk matches it any more.
    const backing = file.endsWith(' (deleted)') ? undefined : storageKey(file);
    out.push({ name, dev, sysDir, backingFile: file, ...(backing ? { backing } : {}) });
  }
  return out;
}

/**
 * Every device whose data is the target's (or part of it): the target's family, loop
 * devices over the same file or over a device of the family, the device behind a loop,
 * and their families in turn. `keys` starts with the target's storage keys.
 */
function sharedStorage(startDirs: string[], keys: Set<string>, sys: SystemFiles): Map<string, Related> {
  const out = new Map<string, Related>();
  const loops = loopDevices(sys);
  const seen = new Set<string>();
  const pending = startDirs.map((d) => ({ dir: d, via: '' }));
  const overUs = (l: Loop) => l.backing !== undefined && (keys.has(l.backing) || (l.backing.startsWith('blk:') && out.has(l.backing.slice(4))));
  const addLoopsOverUs = () => {
    for (const l of loops) {
      if (overUs(l) && !seen.has(l.sysDir)) pending.push({ dir: l.sysDir, via: `a loop device over the same storage (${l.backingFile})` });
    }
  };
  addLoopsOverUs();
  while (pending.length > 0 && seen.size < 4096) {
    const { dir, via } = pending.pop()!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    familyOf(dir, via, out);
    for (const l of loops) {
      const mine = out.get(l.dev);
      if (mine && l.backing) {
        keys.add(l.backing);
        if (l.backing.startsWith('blk:')) pending.push({ dir: path.join(sys.sysBlock, l.backing.slice(4)), via: `the device behind ${l.name}` });
      }
    }
    addLoopsOverUs();
  }
  return out;
}

/** Mount points per "maj:min", from mountinfo. */
function mounts(mountinfo: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of (readText(mountinfo) ?? '').split('\n')) {
    const f = line.split(' ');
    if (f.length < 5) continue;
    const mp = f[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    out.set(f[2]!, [...(out.get(f[2]!) ?? []), mp]);
  }
  return out;
}

/** Active swap areas: "blk:maj:min" for devices, "ino:dev:ino" for swap files. */
function swaps(swapsFile: string): Set<string> {
  const out = new Set<string>();
  for (const line of (readText(swapsFile) ?? '').split('\n').slice(1)) {
    const dev = line.split(/\s+/)[0];
    const key = dev ? storageKey(dev.replace(/\\040/g, ' ')) : undefined;
    if (key) out.add(key);
  }
  return out;
}

/** Refuses when any device sharing the target's storage is mounted, swap, or has a device built on it. */
function refuseInUse(target: string, shared: Map<string, Related>, keys: Set<string>, sys: SystemFiles): void {
  const what = (r: Related) => (r.via ? `/dev/${r.name} (${r.via})` : target);
  const mounted = mounts(sys.mountinfo);
  for (const [dev, r] of shared) {
    const mps = mounted.get(dev);
    if (!mps) continue;
    const system = mps.find((m) => m === '/' || m === '/boot' || m.startsWith('/boot/') || m === '/usr');
    if (system) throw buildError(`refusing to flash ${target}: ${what(r)} holds the running system (${system === '/' ? 'root, /' : system} is mounted from it)`);
    throw buildError(`refusing to flash ${target}: ${what(r)} is mounted at ${mps[0]}; unmount it first (e.g. \`umount ${mps[0]}\`)`);
  }
  const swapping = swaps(sys.swaps);
  for (const [dev, r] of shared) {
    if (swapping.has(`blk:${dev}`)) throw buildError(`refusing to flash ${target}: ${what(r)} is in use as swap (swapoff it first)`);
  }
  for (const k of keys) if (k.startsWith('ino:') && swapping.has(k)) throw buildError(`refusing to flash ${target}: it is an active swap file (swapoff it first)`);
  for (const r of shared.values()) {
    if (r.holder) throw buildError(`refusing to flash ${target}: /dev/${r.name} is ${r.via}; stop it first (e.g. \`dmsetup remove\`, \`mdadm --stop\`, \`vgchange -an\`)`);
  }
}

/** The image being flashed lives in the target's storage (the same file, or the file behind the loop device). */
function refuseSelf(target: string, keys: Set<string>, source: string | undefined): void {
  const key = source !== undefined ? storageKey(source) : undefined;
  if (key && keys.has(key)) throw buildError(`refusing to flash ${target}: it is the image ${source} itself (or a loop device over it)`);
}

/** A regular-file target (or one to create): never the image itself, nor a file behind a loop device in use. */
function checkFileTarget(target: string, exists: boolean, check: TargetCheck, sys: SystemFiles): FlashTarget {
  const dir = path.dirname(path.resolve(target));
  if (!fs.existsSync(dir)) throw buildError(`cannot write ${target}: the directory ${dir} does not exist`);
  if (exists) {
    const keys = new Set([storageKey(target)!]);
    refuseSelf(target, keys, check.source);
    refuseInUse(target, sharedStorage([], keys, sys), keys, sys);
  }
  return { path: target, kind: 'file' };
}

/**
 * Checks that `target` may receive an image of `check.imageSize` bytes and
 * describes it; throws one clear error naming the reason otherwise.
 */
export function checkTarget(target: string, check: TargetCheck, sys: SystemFiles = SYSTEM): FlashTarget {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw buildError(`cannot use ${target}: ${(err as Error).message}`, err);
  }
  if (!st && /^\/dev(\/|$)/.test(path.dirname(path.resolve(target)))) {
    // A typo in a device name must not become a file on /dev (RAM) the size of the image.
    throw buildError(`cannot flash to ${target}: there is no such device`);
  }
  if (!st || st.isFile()) return checkFileTarget(target, st !== undefined, check, sys);
  if (!st.isBlockDevice()) throw buildError(`cannot flash to ${target}: it is neither a block device nor a regular file`);

  const number = devNumber(st.rdev);
  const sysDir = fs.realpathSync(path.join(sys.sysBlock, number));
  const isPartition = fs.existsSync(path.join(sysDir, 'partition'));
  const name = path.basename(sysDir);
  const size = Number(readText(path.join(sysDir, 'size'))?.trim() ?? '0') * 512;
  const removableFlag = readText(path.join(sysDir, 'removable'))?.trim() === '1';
  const devicePath = (() => {
    try {
      return fs.realpathSync(path.join(sysDir, 'device'));
    } catch {
      return '';
    }
  })();
  const removable = removableFlag || name.startsWith('loop') || /\/usb\d|\/mmc\d|\/mmc_host\//.test(devicePath);
  const vendor = readText(path.join(sysDir, 'device', 'vendor'))?.trim();
  const model = [vendor, readText(path.join(sysDir, 'device', 'model'))?.trim()].filter(Boolean).join(' ') || undefined;

  const keys = new Set([`blk:${number}`]);
  const shared = sharedStorage([sysDir], keys, sys);
  refuseSelf(target, keys, check.source);
  refuseInUse(target, shared, keys, sys);
  if (size < check.imageSize) {
    throw buildError(`refusing to flash ${target}: it holds ${size} bytes, the image needs ${check.imageSize}`);
  }
  if (!check.force) {
    if (isPartition) throw buildError(`refusing to flash ${target}: it is a partition, not a whole disk (flash the disk, or pass --force)`);
    if (!removable) throw buildError(`refusing to flash ${target}: it is not a removable disk (USB, SD/MMC or loop); pass --force if you mean it`);
  }
  return { path: target, kind: 'block', size, disk: name, ...(model ? { model } : {}), removable };
}
