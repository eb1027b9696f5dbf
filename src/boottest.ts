/**
 * Boots a disk image under QEMU (TCG, no KVM) and waits for the booted system to print
 * `IMGSMITH-BOOT-OK <marker>` on a serial console. Used by `imgsmith boot-test` and the
 * boot tests (test/boot.test.ts, with the fixture of test/helpers/boot-fixture.ts).
 *
 * Machines:
 *  - raspi3b: the Raspberry Pi 3 chain as far as QEMU can go. QEMU cannot run the
 *    VideoCore firmware, so we do its job: read config.txt from the first FAT partition
 *    holding one, check the Pi 3 firmware files are there (bootcode.bin, start.elf,
 *    fixup.dat), pick the `kernel=` that applies to a Pi 3 ([pi3] or [all] sections,
 *    default kernel8.img with arm_64bit=1, else kernel7.img), extract it and start it with
 *    `qemu-system-aarch64 -M raspi3b -m 1G -kernel <it>`, the image as the SD card. With
 *    NixOS-style images that is U-Boot, whose distro boot must find extlinux.conf.
 *    Both UARTs are captured: uart0 (PL011, Linux ttyAMA0) and uart1 (mini UART, Linux
 *    ttyS1; U-Boot's console).
 *  - virt: `qemu-system-aarch64 -M virt -cpu cortex-a53` with U-Boot qemu_arm64 (Debian
 *    u-boot-qemu) as the firmware, the image as a virtio-blk (MMIO) disk; PL011 console.
 *  - x86_64-efi: `qemu-system-x86_64 -M q35` with OVMF (pflash; a private copy of the
 *    variable store), the image as a virtio-blk-pci disk; COM1 console.
 *
 * The image is never written: QEMU gets a qcow2 overlay backed by it (for raspi3b sized to
 * the next power of two, which QEMU's SD card model requires). QEMU is always killed by
 * the timeout. Nothing is printed; serial lines go to `opts.log`.
 */
import { execa, type ResultPromise } from 'execa';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inputError, ToolFailedError, ToolMissingError, usageError } from './errors.ts';
import { makeTempDir, removeTempDir } from './lifetime.ts';

export const BOOT_MACHINES = ['raspi3b', 'virt', 'x86_64-efi'] as const;
export type BootMachine = (typeof BOOT_MACHINES)[number];

/** The line a booted system prints when it is happy: `IMGSMITH-BOOT-OK <marker>`. */
export const BOOT_OK = 'IMGSMITH-BOOT-OK';
/** Printed by the boot fixture when one of its checks fails: `IMGSMITH-BOOT-FAIL <reason>`. */
export const BOOT_FAIL = 'IMGSMITH-BOOT-FAIL';
/** Where the expected marker is looked for in an image: this file in a /nix/store path of an
 *  ext4 partition (the fixture's toplevel), or at the root of a FAT partition. */
export const MARKER_FILE = 'imgsmith-boot-marker';

export const DEFAULT_TIMEOUT_SEC: Record<BootMachine, number> = { raspi3b: 420, virt: 240, 'x86_64-efi': 300 };

/** Firmware files used by the machines (Debian packages u-boot-qemu and ovmf). */
export const UBOOT_QEMU_ARM64 = '/usr/lib/u-boot/qemu_arm64/u-boot.bin';
const OVMF_PAIRS: [code: string, vars: string][] = [
  ['/usr/share/OVMF/OVMF_CODE.fd', '/usr/share/OVMF/OVMF_VARS.fd'],
  ['/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_VARS_4M.fd'],
  ['/usr/share/edk2/ovmf/OVMF_CODE.fd', '/usr/share/edk2/ovmf/OVMF_VARS.fd'],
];

const SERIAL_TAIL_LINES = 50;
const MARKER_RE = /^[A-Za-z0-9_-]+$/;

export interface BootTestOptions {
  machine: BootMachine;
  /** The marker to wait for; default: read from the image (see MARKER_FILE). */
  marker?: string;
  /** Hard limit in seconds after which QEMU is killed; default DEFAULT_TIMEOUT_SEC[machine]. */
  timeoutSec?: number;
  /** Receives every serial line (raspi3b: prefixed "uart0| " / "uart1| ") and a few status lines ("imgsmith: ..."). */
  log?: (line: string) => void;
  /** If given, the raw serial logs are copied here (serial0.log, serial1.log). */
  keepLogsDir?: string;
}

export interface BootTestResult {
  ok: boolean;
  marker: string;
  machine: BootMachine;
  /** Wall-clock seconds from starting QEMU to the marker (or to the end). */
  seconds: number;
  /** The last serial lines (50), ANSI escapes removed. */
  serialTail: string[];
  /** Why it failed ('' when ok). */
  reason: string;
  /** The QEMU command line that was run. */
  command: string[];
}

export function isBootMachine(value: string): value is BootMachine {
  return (BOOT_MACHINES as readonly string[]).includes(value);
}

/** Validates a --machine value (usage error, exit 2, for anything else). */
export function parseBootMachine(value: unknown): BootMachine {
  if (typeof value === 'string' && isBootMachine(value)) return value;
  throw usageError(`--machine: unknown machine ${JSON.stringify(value)} (expected one of: ${BOOT_MACHINES.join(', ')})`);
}

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
  const r = await execa('sfdisk', ['-J', image], { reject: false });
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
  const r = await execa('blkid', ['-p', '-O', String(part.offset), '-S', String(part.size), '-o', 'value', '-s', 'TYPE', image], { reject: false });
  return r.exitCode === 0 ? r.stdout.trim() : '';
}

/** mtools image spec for a partition: `file@@offset`. `image` must not contain "@@". */
const mtoolsImage = (image: string, part: ImagePartition) => `${image}@@${part.offset}`;

async function fatRead(image: string, part: ImagePartition, file: string): Promise<Buffer | undefined> {
  const r = await execa('mtype', ['-i', mtoolsImage(image, part), `::${file}`], { reject: false, encoding: 'buffer', env: { MTOOLS_SKIP_CHECK: '1' } });
  return r.exitCode === 0 ? Buffer.from(r.stdout) : undefined;
}

async function fatList(image: string, part: ImagePartition): Promise<string[]> {
  const r = await execa('mdir', ['-b', '-i', mtoolsImage(image, part), '::'], { reject: false, env: { MTOOLS_SKIP_CHECK: '1' } });
  if (r.exitCode !== 0) return [];
  return r.stdout.split('\n').map((l) => l.trim().replace(/^::\//, '')).filter(Boolean);
}

async function ext4Run(image: string, part: ImagePartition, request: string): Promise<string | undefined> {
  const r = await execa('debugfs', ['-R', request, `${image}?offset=${part.offset}`], { reject: false, stderr: 'ignore' });
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

// ---------------------------------------------------------------------------------------

/** A private temporary directory, removed afterwards, and also when imgsmith is interrupted
 *  (src/lifetime.ts kills QEMU and removes it). */
async function withTmp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await makeTempDir(os.tmpdir(), 'imgsmith-boot-');
  try {
    return await fn(dir);
  } finally {
    await removeTempDir(dir);
  }
}

/** A symlink to the image with a plain name, so "?offset=" and "@@" syntaxes are safe. */
async function safeImageLink(image: string, tmp: string): Promise<string> {
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

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const p of paths) {
    try {
      await fsp.access(p);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

async function need(file: string, pkg: string): Promise<void> {
  try {
    await fsp.access(file);
  } catch {
    throw new ToolMissingError(pkg, `${file} is missing (install the Debian package ${pkg})`);
  }
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?=]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>c]/g;
const clean = (s: string) => s.replace(ANSI, '').replace(/\r/g, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');

interface Stream {
  file: string;
  prefix: string;
  offset: number;
  partial: string;
  /** When `partial` last changed (ms). */
  partialSince: number;
}

/** Firmware prompts that mean nothing bootable was found (U-Boot, the UEFI shell). */
const PROMPTS: [RegExp, string][] = [
  [/^=>\s*$/, 'U-Boot gave up and stopped at its "=>" prompt (no extlinux.conf/boot script found on a bootable partition?)'],
  [/^Shell>\s*$/, 'OVMF dropped to the UEFI shell (no \\EFI\\BOOT\\BOOTX64.EFI on an ESP?)'],
];
const PROMPT_GRACE_MS = 3000;

/** Boots `image` on `opts.machine` and waits for `IMGSMITH-BOOT-OK <marker>`. */
export async function bootTest(image: string, opts: BootTestOptions): Promise<BootTestResult> {
  const machine = parseBootMachine(opts.machine);
  const timeoutSec = opts.timeoutSec ?? DEFAULT_TIMEOUT_SEC[machine];
  if (!(typeof timeoutSec === 'number' && Number.isFinite(timeoutSec) && timeoutSec > 0)) {
    throw usageError(`--timeout: expected a positive number of seconds, got ${String(opts.timeoutSec)}`);
  }
  if (opts.marker !== undefined && !MARKER_RE.test(opts.marker)) {
    throw usageError(`--marker: expected letters, digits, "_" or "-", got ${JSON.stringify(opts.marker)}`);
  }
  const log = opts.log ?? (() => {});

  return withTmp(async (tmp) => {
    const img = await safeImageLink(image, tmp);
    const marker = opts.marker ?? (await readImageMarker(image));
    if (!marker) {
      throw usageError(`${image}: no boot marker found (no ${MARKER_FILE} in a /nix/store path or on a FAT partition); pass --marker`);
    }
    const imageSize = (await fsp.stat(img)).size;

    // The overlay QEMU writes to; the image itself is only ever read.
    const overlay = path.join(tmp, 'overlay.qcow2');
    const overlaySize = machine === 'raspi3b' ? nextPow2(imageSize) : imageSize;
    const qi = await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', path.resolve(image), '-F', 'raw', overlay, String(overlaySize)], {
      reject: false,
    });
    if (qi.exitCode !== 0) throw new ToolFailedError('qemu-img', `qemu-img create failed: ${qi.stderr || qi.message}`);

    const serial = [path.join(tmp, 'serial0.log'), path.join(tmp, 'serial1.log')];
    const common = ['-accel', 'tcg', '-no-reboot', '-display', 'none', '-monitor', 'none', '-parallel', 'none'];
    let cmd: string[];
    let streams: Stream[];
    if (machine === 'raspi3b') {
      const boot = await raspiBootFiles(img, image);
      log(`imgsmith: raspi3b: config.txt on partition ${boot.partition.index}; a Pi 3 loads kernel=${boot.kernel}`);
      const kernelFile = path.join(tmp, 'pi-kernel.bin');
      const data = await fatRead(img, boot.partition, boot.kernel);
      if (!data) throw inputError(`${image}: cannot read ${boot.kernel} from partition ${boot.partition.index}`);
      await fsp.writeFile(kernelFile, data);
      cmd = [
        'qemu-system-aarch64', '-M', 'raspi3b', '-m', '1G', ...common,
        '-kernel', kernelFile,
        '-drive', `if=sd,format=qcow2,file=${overlay}`,
        '-chardev', `file,id=uart0,path=${serial[0]}`, '-serial', 'chardev:uart0',
        '-chardev', `file,id=uart1,path=${serial[1]}`, '-serial', 'chardev:uart1',
      ];
      streams = [
        { file: serial[0]!, prefix: 'uart0| ', offset: 0, partial: '', partialSince: 0 },
        { file: serial[1]!, prefix: 'uart1| ', offset: 0, partial: '', partialSince: 0 },
      ];
    } else if (machine === 'virt') {
      await need(UBOOT_QEMU_ARM64, 'u-boot-qemu');
      cmd = [
        'qemu-system-aarch64', '-M', 'virt', '-cpu', 'cortex-a53', '-smp', '2', '-m', '1G', ...common, '-nic', 'none',
        '-bios', UBOOT_QEMU_ARM64,
        '-drive', `if=none,file=${overlay},format=qcow2,id=disk0`, '-device', 'virtio-blk-device,drive=disk0',
        '-chardev', `file,id=ser0,path=${serial[0]}`, '-serial', 'chardev:ser0',
      ];
      streams = [{ file: serial[0]!, prefix: '', offset: 0, partial: '', partialSince: 0 }];
    } else {
      let pair: [string, string] | undefined;
      for (const p of OVMF_PAIRS) {
        if ((await firstExisting([p[0]])) && (await firstExisting([p[1]]))) {
          pair = p;
          break;
        }
      }
      if (!pair) throw new ToolMissingError('ovmf', 'OVMF firmware (OVMF_CODE.fd + OVMF_VARS.fd) not found: install the Debian package ovmf');
      const vars = path.join(tmp, 'OVMF_VARS.fd');
      await fsp.copyFile(pair[1], vars);
      cmd = [
        'qemu-system-x86_64', '-M', 'q35', '-m', '1G', ...common, '-nic', 'none',
        '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${pair[0]}`,
        '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
        '-drive', `if=none,file=${overlay},format=qcow2,id=disk0`, '-device', 'virtio-blk-pci,drive=disk0',
        '-chardev', `file,id=ser0,path=${serial[0]}`, '-serial', 'chardev:ser0',
      ];
      streams = [{ file: serial[0]!, prefix: '', offset: 0, partial: '', partialSince: 0 }];
    }
    log(`imgsmith: ${cmd.join(' ')}`);

    const tail: string[] = [];
    let verdict: { ok: boolean; reason: string } | undefined;
    const okRe = new RegExp(`${BOOT_OK}\\s+(\\S+)`);
    const onLine = (line: string, prefix: string) => {
      tail.push(prefix + line);
      if (tail.length > SERIAL_TAIL_LINES) tail.shift();
      log(prefix + line);
      if (verdict) return;
      const ok = okRe.exec(line);
      if (ok) {
        verdict =
          ok[1] === marker
            ? { ok: true, reason: '' }
            : { ok: false, reason: `the booted system printed marker ${ok[1]}, expected ${marker} (a different image?)` };
        return;
      }
      const fi = line.indexOf(BOOT_FAIL);
      if (fi >= 0) verdict = { ok: false, reason: `the booted system reported: ${line.slice(fi)}` };
    };
    const poll = async (final: boolean) => {
      for (const s of streams) {
        let fh;
        try {
          fh = await fsp.open(s.file, 'r');
        } catch {
          continue;
        }
        try {
          const { size } = await fh.stat();
          if (size > s.offset) {
            const buf = Buffer.alloc(size - s.offset);
            const { bytesRead } = await fh.read(buf, 0, buf.length, s.offset);
            s.offset += bytesRead;
            const text = s.partial + buf.subarray(0, bytesRead).toString('latin1');
            const lines = text.split('\n');
            const partial = lines.pop() ?? '';
            if (partial !== s.partial) s.partialSince = Date.now();
            s.partial = partial;
            for (const l of lines) onLine(clean(l), s.prefix);
          }
        } finally {
          await fh.close();
        }
        if (final && s.partial) {
          onLine(clean(s.partial), s.prefix);
          s.partial = '';
        }
        if (!verdict && s.partial && Date.now() - s.partialSince >= PROMPT_GRACE_MS) {
          const cur = clean(s.partial);
          for (const [re, why] of PROMPTS) {
            if (re.test(cur)) {
              onLine(cur, s.prefix);
              s.partial = '';
              verdict = { ok: false, reason: why };
            }
          }
        }
      }
    };

    const start = Date.now();
    let child: ResultPromise | undefined;
    let exited: { code: number | undefined; signal: string | undefined; stderr: string } | undefined;
    let endTime: number | undefined;
    try {
      child = execa(cmd[0]!, cmd.slice(1), { reject: false, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', all: true, cleanup: true });
      child.then(
        (r) => {
          exited = { code: r.exitCode, signal: r.signal, stderr: String(r.all ?? '') };
        },
        (e: unknown) => {
          exited = { code: undefined, signal: undefined, stderr: String(e) };
        },
      );
      const deadline = start + timeoutSec * 1000;
      for (;;) {
        await new Promise((r) => setTimeout(r, 250));
        await poll(false);
        if (verdict) {
          endTime = Date.now();
          break;
        }
        if (exited) {
          await poll(true);
          endTime = Date.now();
          if (!verdict) {
            const err = exited.stderr.trim().split('\n').slice(-5).join(' / ');
            verdict = {
              ok: false,
              reason: `QEMU exited (${exited.code !== undefined ? `code ${exited.code}` : `signal ${exited.signal}`}) before ${BOOT_OK} ${marker} appeared${err ? `: ${err}` : ''}`,
            };
          }
          break;
        }
        if (Date.now() >= deadline) {
          endTime = Date.now();
          verdict = { ok: false, reason: `timed out after ${timeoutSec} s without ${BOOT_OK} ${marker} on the serial console` };
          break;
        }
      }
    } finally {
      if (child && !exited) {
        child.kill('SIGKILL');
        await child.catch(() => {});
      }
      await poll(true).catch(() => {});
      if (opts.keepLogsDir) {
        await fsp.mkdir(opts.keepLogsDir, { recursive: true });
        for (const s of serial) await fsp.copyFile(s, path.join(opts.keepLogsDir, path.basename(s))).catch(() => {});
      }
    }
    const seconds = Math.round(((endTime ?? Date.now()) - start) / 100) / 10;
    const v = verdict ?? { ok: false, reason: 'no result' };
    log(`imgsmith: ${v.ok ? `${BOOT_OK} ${marker} after ${seconds} s` : `boot test failed after ${seconds} s: ${v.reason}`}`);
    return { ok: v.ok, marker, machine, seconds, serialTail: [...tail], reason: v.reason, command: cmd };
  });
}
