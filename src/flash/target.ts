/**
 * What `imgsmith flash` may write to, decided before a byte is written.
 *
 * A regular file (or a path that does not exist yet) is always allowed: it is
 * how images are copied and how the tests run. A block device is inspected
 * through sysfs and /proc (no root needed to look), and refused when
 *  - it, one of its partitions or a device built on it (dm, md, LVM holders)
 *    is mounted: the message names the mount point, and says "root" or "/boot"
 *    when it carries the running system;
 *  - it or one of its partitions is active swap;
 *  - it is smaller than the image;
 *  - it is a partition rather than a whole disk, or a disk that is neither
 *    removable nor on USB/MMC (an internal disk) — unless `force`.
 * Loop devices count as removable: they are files, and the mounted/root checks
 * still apply to them.
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
}

/** Files under /proc and /sys this module reads; tests point them elsewhere. */
export interface SystemFiles {
  mountinfo: string;
  swaps: string;
  sysBlock: string;
}

const SYSTEM: SystemFiles = { mountinfo: '/proc/self/mountinfo', swaps: '/proc/swaps', sysBlock: '/sys/dev/block' };

const readText = (p: string): string | undefined => {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
};

const devNumber = (rdev: number): string => `${Math.floor(rdev / 256) & 0xfff}:${(rdev & 0xff) | ((Math.floor(rdev / 1048576) & 0xfff) << 8)}`;

/** The major:minor numbers of a disk, its partitions and the devices stacked on any of them. */
function familyOf(sysDir: string): Map<string, string> {
  const out = new Map<string, string>(); // "maj:min" -> kernel name
  const visit = (dir: string, depth: number): void => {
    const dev = readText(path.join(dir, 'dev'))?.trim();
    if (dev) out.set(dev, path.basename(dir));
    if (depth > 4) return;
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      // Partitions are subdirectories that have a "partition" file.
      if (fs.existsSync(path.join(dir, n, 'partition'))) visit(path.join(dir, n), depth + 1);
    }
    let holders: string[] = [];
    try {
      holders = fs.readdirSync(path.join(dir, 'holders'));
    } catch {
      /* none */
    }
    for (const h of holders) visit(fs.realpathSync(path.join(dir, 'holders', h)), depth + 1);
  };
  visit(sysDir, 0);
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

/** Active swap devices as "maj:min". */
function swaps(swapsFile: string): Set<string> {
  const out = new Set<string>();
  for (const line of (readText(swapsFile) ?? '').split('\n').slice(1)) {
    const dev = line.split(/\s+/)[0];
    if (!dev) continue;
    try {
      const st = fs.statSync(dev.replace(/\\040/g, ' '));
      if (st.isBlockDevice()) out.add(devNumber(st.rdev));
    } catch {
      /* a swap file, or gone */
    }
  }
  return out;
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
  if (!st || st.isFile()) {
    const dir = path.dirname(path.resolve(target));
    if (!fs.existsSync(dir)) throw buildError(`cannot write ${target}: the directory ${dir} does not exist`);
    return { path: target, kind: 'file' };
  }
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

  const family = familyOf(sysDir);
  const mounted = mounts(sys.mountinfo);
  for (const [dev, kname] of family) {
    const mps = mounted.get(dev);
    if (!mps) continue;
    const system = mps.find((m) => m === '/' || m === '/boot' || m.startsWith('/boot/') || m === '/usr');
    const what = kname === name ? target : `/dev/${kname}`;
    if (system) throw buildError(`refusing to flash ${target}: ${what} holds the running system (${system === '/' ? 'root, /' : system} is mounted from it)`);
    throw buildError(`refusing to flash ${target}: ${what} is mounted at ${mps[0]}; unmount it first (e.g. \`umount ${mps[0]}\`)`);
  }
  const swapping = swaps(sys.swaps);
  for (const [dev, kname] of family) {
    if (swapping.has(dev)) throw buildError(`refusing to flash ${target}: /dev/${kname} is in use as swap (swapoff it first)`);
  }
  if (size < check.imageSize) {
    throw buildError(`refusing to flash ${target}: it holds ${size} bytes, the image needs ${check.imageSize}`);
  }
  if (!check.force) {
    if (isPartition) throw buildError(`refusing to flash ${target}: it is a partition, not a whole disk (flash the disk, or pass --force)`);
    if (!removable) throw buildError(`refusing to flash ${target}: it is not a removable disk (USB, SD/MMC or loop); pass --force if you mean it`);
  }
  return { path: target, kind: 'block', size, disk: name, ...(model ? { model } : {}), removable };
}
