/**
 * Reading a disk image for the boot test, never writing it: its partition table (sfdisk),
 * filesystem types (blkid), files on FAT (mtools) and ext4 (debugfs) partitions, the boot
 * marker it carries and the Raspberry Pi 3 boot files named by config.txt.
 */
import { runTool } from '../tools/run.ts';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inputError, usageError } from '../errors.ts';
import { makeTempDir, removeTempDir } from '../lifetime.ts';
import { MARKER_CHARS } from './serial.ts';

/** Where the expected marker is looked for in an image: this file in a /nix/store path of an
 *  ext4 partition (the fixture's toplevel), or at the root of a FAT partition. */
export const MARKER_FILE = 'imgsmith-boot-marker';
/** What a marker may be made of. */
export const MARKER_RE = new RegExp(`^${MARKER_CHARS}+$`);

// ---------------------------------------------------------------------------------------
// Reading the image (never writing it)

export interface ImagePartition {
  index: number;
  /** Byte offset and size. */
  offset: number;
  size: number;
  /** DOS type ("b", "83") or GPT type GUID. */
  type: string;
  bootable: boolean;
}

export async function readPartitions(image: string, displayName = image): Promise<{ label: string; partitions: ImagePartition[] }> {
  const r = await runTool('sfdisk', ['-J', image], { check: false });
  if (r.exitCode !== 0) throw inputError(`${displayName}: no partition table found (sfdisk: ${r.stderr.trim()})`);
  const pt = (JSON.parse(r.stdout) as {
    partitiontable: { label: string; sectorsize?: number; partitions?: { node: string; start: number; size: number; type: string; bootable?: boolean; attrs?: string }[] };
  }).partitiontable;
  const ss = pt.sectorsize ?? 512;
  const partitions = (pt.partitions ?? []).map((p) => ({
    index: Number(/(\d+)$/.exec(p.node)?.[1] ?? 0),
    offset: p.start * ss,
    size: p.size * ss,
    type: p.type,
    bootable: p.bootable === true || /LegacyBIOSBootable/.test(p.attrs ?? ''),
  }));
  return { label: pt.label, partitions };
}

/** The filesystem type blkid sees in a partition ('' if none). */
export async function probeFsType(image: string, part: ImagePartition): Promise<string> {
  const r = await runTool('blkid', ['-p', '-O', String(part.offset), '-S', String(part.size), '-o', 'value', '-s', 'TYPE', image], { check: false });
  return r.exitCode === 0 ? r.stdout.trim() : '';
}

/** mtools image spec for a partition: `file@@offset`. `image` must not contain "@@". */
const mtoolsImage = (image: string, part: ImagePartition) => `${image}@@${part.offset}`;

export async function fatRead(image: string, part: ImagePartition, file: string): Promise<Buffer | undefined> {
  const r = await runTool('mtype', ['-i', mtoolsImage(image, part), `::${file}`], { check: false, encoding: 'buffer', env: { MTOOLS_SKIP_CHECK: '1' } });
  return r.exitCode === 0 ? Buffer.from(r.stdout) : undefined;
}

/** The names at the root of a FAT partition, or with `recursive` every path on it ("overlays/x.dtbo",
 *  directories too); without a leading or trailing "/". */
export async function fatList(image: string, part: ImagePartition, recursive = false): Promise<string[]> {
  const r = await runTool('mdir', [...(recursive ? ['-/'] : []), '-b', '-i', mtoolsImage(image, part), '::'], { check: false, env: { MTOOLS_SKIP_CHECK: '1' } });
  if (r.exitCode !== 0) return [];
  return r.stdout.split('\n').map((l) => l.trim().replace(/^::\//, '').replace(/\/$/, '')).filter(Boolean);
}

async function ext4Run(image: string, part: ImagePartition, request: string): Promise<string | undefined> {
  const r = await runTool('debugfs', ['-R', request, `${image}?offset=${part.offset}`], { check: false, stderr: 'ignore' });
  return r.exitCode === 0 ? r.stdout : undefined;
}

/** Reads the boot marker stored in the image (MARKER_FILE in a /nix/store/*-nixos-system-* directory of an
 *  ext2/3/4 partition, or at the root of a FAT partition; btrfs is not read), or undefined.
 *  Throws if there are several different ones. */
export async function readImageMarker(imageIn: string): Promise<string | undefined> {
  return withTmp(async (tmp) => {
    const image = await safeImageLink(imageIn, tmp);
    const { partitions } = await readPartitions(image, imageIn);
    const found = new Set<string>();
    for (const part of partitions) {
      const fs = await probeFsType(image, part);
      if (fs === 'ext4' || fs === 'ext3' || fs === 'ext2') {
        const ls = await ext4Run(image, part, 'ls -p /nix/store');
        if (!ls) continue;
        const names = ls
          .split('\n')
          .map((l) => l.split('/'))
          .filter((f) => f.length >= 6 && f[2]!.startsWith('04'))
          .map((f) => f[5]!)
          // Only NixOS system toplevels (…-nixos-system-<name>-<version>) carry the marker.
          .filter((n) => /^[0-9a-z]{32}-nixos-system-/.test(n))
          .sort();
        for (const n of names) {
          const out = await ext4Run(image, part, `cat /nix/store/${n}/${MARKER_FILE}`);
          const m = out?.trim();
          if (m && MARKER_RE.test(m)) found.add(m);
        }
      } else if (fs === 'vfat') {
        const m = (await fatRead(image, part, MARKER_FILE))?.toString().trim();
        if (m && MARKER_RE.test(m)) found.add(m);
      }
    }
    if (found.size > 1) {
      throw usageError(`${imageIn} holds several boot markers (${[...found].join(', ')}); pass --marker`);
    }
    return [...found][0];
  });
}

export interface RaspiBootFiles {
  /** The FAT partition the firmware would boot from. */
  partition: ImagePartition;
  configTxt: string;
  /** The kernel= file a Raspberry Pi 3 would load. */
  kernel: string;
  files: string[];
}

/**
 * The `kernel=` a Raspberry Pi 3 Model B uses: settings in [pi3] and [all] sections (and
 * before any section) apply, others ([pi4], [pi02], [cm4], [none], ...) do not. Without a
 * kernel= it is kernel8.img when arm_64bit=1 applies, else kernel7.img.
 */
export function raspi3Kernel(configTxt: string): string {
  let applies = true;
  let kernel: string | undefined;
  let arm64 = false;
  for (const raw of configTxt.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const sec = /^\[(.*)\]$/.exec(line);
    if (sec) {
      const f = sec[1]!.trim().toLowerCase();
      applies = f === 'all' || f === 'pi3';
      continue;
    }
    if (!applies) continue;
    const kv = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) continue;
    if (kv[1] === 'kernel') kernel = kv[2]!.trim();
    if (kv[1] === 'arm_64bit') arm64 = kv[2]!.trim() !== '0';
  }
  return kernel ?? (arm64 ? 'kernel8.img' : 'kernel7.img');
}

/** Finds config.txt and the Pi 3 boot files in the image (the first FAT partition with config.txt). */
export async function raspiBootFiles(image: string, displayName = image): Promise<RaspiBootFiles> {
  const { partitions } = await readPartitions(image, displayName);
  for (const part of partitions) {
    if ((await probeFsType(image, part)) !== 'vfat') continue;
    const cfg = await fatRead(image, part, 'config.txt');
    if (!cfg) continue;
    const files = await fatList(image, part);
    const configTxt = cfg.toString();
    const kernel = raspi3Kernel(configTxt);
    const lower = new Set(files.map((f) => f.toLowerCase()));
    const missing = ['bootcode.bin', 'start.elf', 'fixup.dat', kernel].filter((f) => !lower.has(f.toLowerCase()));
    if (missing.length) {
      throw inputError(
        `${displayName}: partition ${part.index} has config.txt but lacks what a Raspberry Pi 3 boots from: ${missing.join(', ')}`,
      );
    }
    return { partition: part, configTxt, kernel, files };
  }
  throw inputError(`${displayName}: no FAT partition with config.txt (a Raspberry Pi cannot boot it)`);
}


/** A private temporary directory, removed afterwards, and also when imgsmith is interrupted
 *  (src/lifetime.ts kills QEMU and removes it). */
export async function withTmp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await makeTempDir(os.tmpdir(), 'imgsmith-boot-');
  try {
    return await fn(dir);
  } finally {
    await removeTempDir(dir);
  }
}

/** A symlink to the image with a plain name, so "?offset=" and "@@" syntaxes are safe. */
export async function safeImageLink(image: string, tmp: string): Promise<string> {
  const abs = path.resolve(image);
  let st;
  try {
    st = await fsp.stat(abs);
  } catch {
    throw inputError(`${image}: no such image file`);
  }
  if (!st.isFile()) throw inputError(`${image}: not a regular file`);
  const fh = await fsp.open(abs, 'r');
  try {
    const head = Buffer.alloc(4);
    await fh.read(head, 0, 4, 0);
    if (head.readUInt32LE(0) === 0xfd2fb528) throw usageError(`${image} is zstd-compressed; boot-test needs the raw image (unzstd it first)`);
  } finally {
    await fh.close();
  }
  const link = path.join(tmp, 'image.raw');
  await fsp.symlink(abs, link);
  return link;
}
