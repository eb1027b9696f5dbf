/**
 * Boots a disk image under QEMU (TCG, no KVM) and waits for the booted system to print
 * `IMGSMITH-BOOT-OK <marker>` on a serial console. Used by `imgsmith boot-test` and the
 * boot tests (test/boot.test.ts, with the fixture of test/helpers/boot-fixture.ts).
 *
 * This file is the orchestration: check the options, decompress a .img.zst into a sparse
 * temporary file (src/inspect/image.ts, as the read-side commands do), find the marker, make the qcow2
 * overlay (the image is never written), start QEMU, watch the consoles, stop QEMU. The
 * machines and their QEMU command lines are in src/boot/machines.ts, reading the image in
 * src/boot/image.ts, the serial-console watcher in src/boot/serial.ts. QEMU is always
 * killed by the timeout. Nothing is printed; serial lines go to `opts.log`.
 */
import type { ResultPromise } from 'execa';
import { runTool, startTool } from './tools/run.ts';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { usageError } from './errors.ts';
import { MARKER_FILE, MARKER_RE, readImageMarker, safeImageLink, withTmp } from './boot/image.ts';
import { MACHINES, PI_BOOT_MODES, parseBootMachine, type BootMachine, type PiBootMode } from './boot/machines.ts';
import { BOOT_OK, SerialWatcher } from './boot/serial.ts';
import { openImage, readAt } from './inspect/image.ts';

export { BOOT_MACHINES, DEFAULT_TIMEOUT_SEC, PI_BOOT_MODES, UBOOT_QEMU_ARM64, isBootMachine, parseBootMachine, type BootMachine, type PiBootMode } from './boot/machines.ts';
export { BOOT_FAIL, BOOT_OK } from './boot/serial.ts';
export { MARKER_FILE, probeFsType, raspi3Kernel, raspiBootFiles, readImageMarker, readPartitions, type ImagePartition, type RaspiBootFiles } from './boot/image.ts';

/**
 * The tools `imgsmith boot-test` runs: QEMU (the machines' emulators, ./boot/machines.ts,
 * and qemu-img for the overlay) and the readers of ./boot/image.ts (sfdisk, blkid, mtools,
 * debugfs). Optional: nix/package.nix leaves them (and the U-Boot/OVMF firmware the
 * machines need) to the user, see the README and test/runtime-tools.test.ts.
 */
export const BOOT_TEST_TOOLS = ['qemu-img', 'qemu-system-aarch64', 'qemu-system-arm', 'qemu-system-x86_64', 'sfdisk', 'blkid', 'mtype', 'mdir', 'debugfs'] as const;

export interface BootTestOptions {
  machine: BootMachine;
  /** The marker to wait for; default: read from the image (see MARKER_FILE). */
  marker?: string;
  /** Hard limit in seconds after which QEMU is killed; default: the machine's (src/boot/machines.ts). */
  timeoutSec?: number;
  /** Receives every serial line (raspi3b: prefixed "uart0| " / "uart1| ") and a few status lines ("imgsmith: ..."). */
  log?: (line: string) => void;
  /** If given, the raw serial logs are copied here (serial0.log, serial1.log). */
  keepLogsDir?: string;
  /** raspi3b: how the firmware boots. "direct": it loads kernel=, initramfs, the device tree
   *  and cmdline.txt itself (src/boot/direct-pi.ts); "u-boot": kernel= is U-Boot; "auto"
   *  (default): direct when kernel= is a Linux arm64 kernel. */
  piBoot?: PiBootMode;
  /** Write what the booted system changes back into `image` (qemu-img commit of the overlay
   *  after QEMU has powered off or been stopped), e.g. to boot the same disk twice. Default:
   *  the image is never written. */
  writeBack?: boolean;
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

/** Boots `image` on `opts.machine` and waits for `IMGSMITH-BOOT-OK <marker>`. */
export async function bootTest(image: string, opts: BootTestOptions): Promise<BootTestResult> {
  const machine = parseBootMachine(opts.machine);
  const m = MACHINES[machine];
  const timeoutSec = opts.timeoutSec ?? m.timeoutSec;
  if (!(typeof timeoutSec === 'number' && Number.isFinite(timeoutSec) && timeoutSec > 0)) {
    throw usageError(`--timeout: expected a positive number of seconds, got ${String(opts.timeoutSec)}`);
  }
  if (opts.marker !== undefined && !MARKER_RE.test(opts.marker)) {
    throw usageError(`--marker: expected letters, digits, "_" or "-", got ${JSON.stringify(opts.marker)}`);
  }
  if (opts.piBoot !== undefined && !(PI_BOOT_MODES as readonly string[]).includes(opts.piBoot)) {
    throw usageError(`--pi-boot: expected one of ${PI_BOOT_MODES.join(', ')}, got ${JSON.stringify(opts.piBoot)}`);
  }
  const log = opts.log ?? (() => {});

  const raw = await rawImage(image);
  try {
    if (opts.writeBack && raw.path !== image) throw usageError(`${image} is zstd-compressed: writing the booted system's changes back needs the raw image`);
    return await bootRaw(image, raw.path, opts, { machine, timeoutSec, log });
  } catch (err) {
    // Messages about the decompressed copy name the .img.zst.
    if (err instanceof Error && raw.path !== image) err.message = err.message.split(raw.path).join(image);
    throw err;
  } finally {
    await raw.close();
  }
}

/**
 * The image to boot as a raw file: a .img.zst (zstd data, whatever its name) decompressed into a
 * sparse temporary file as the read-side commands do (src/inspect/image.ts); any other file as it is.
 */
async function rawImage(image: string): Promise<{ path: string; close(): Promise<void> }> {
  const head = await readAt(image, 0, 4).catch(() => Buffer.alloc(0));
  if (head.length < 4 || head.readUInt32LE(0) !== 0xfd2fb528) return { path: image, close: async () => undefined };
  return openImage(image);
}

/** bootTest on the raw image `rawPath` (`image` the name the user gave). */
async function bootRaw(image: string, rawPath: string, opts: BootTestOptions, c: { machine: BootMachine; timeoutSec: number; log: (line: string) => void }): Promise<BootTestResult> {
  const { machine, timeoutSec, log } = c;
  const m = MACHINES[machine];
  return withTmp(async (tmp) => {
    const img = await safeImageLink(rawPath, tmp);
    const marker = opts.marker ?? (await readImageMarker(rawPath));
    if (!marker) {
      throw usageError(`${image}: no boot marker found (no ${MARKER_FILE} in a /nix/store path or on a FAT partition); pass --marker`);
    }
    const overlay = await makeOverlay(rawPath, tmp, m.overlaySize((await fsp.stat(img)).size));
    const { command, consoles } = await m.qemu({ image: img, displayName: image, overlay, tmp, log, ...(opts.piBoot ? { piBoot: opts.piBoot } : {}) });
    log(`imgsmith: ${command.join(' ')}`);
    const watcher = new SerialWatcher(consoles, marker, log);
    const start = Date.now();
    let endTime: number | undefined;
    try {
      endTime = await runUntilVerdict(command, watcher, marker, timeoutSec, start, opts.writeBack ? 20_000 : 0);
      if (opts.writeBack) {
        await runTool('qemu-img', ['commit', '-q', overlay], { what: 'writing the boot back' });
      }
    } finally {
      watcher.close();
      if (opts.keepLogsDir) {
        await fsp.mkdir(opts.keepLogsDir, { recursive: true });
        for (const s of [path.join(tmp, 'serial0.log'), path.join(tmp, 'serial1.log')]) {
          await fsp.copyFile(s, path.join(opts.keepLogsDir, path.basename(s))).catch(() => {});
        }
      }
    }
    const seconds = Math.round(((endTime ?? Date.now()) - start) / 100) / 10;
    const v = watcher.verdict ?? { ok: false, reason: 'no result' };
    log(`imgsmith: ${v.ok ? `${BOOT_OK} ${marker} after ${seconds} s` : `boot test failed after ${seconds} s: ${v.reason}`}`);
    return { ok: v.ok, marker, machine, seconds, serialTail: [...watcher.tail], reason: v.reason, command };
  });
}

/** The qcow2 overlay QEMU writes to, backed by the image (which is only ever read). */
async function makeOverlay(image: string, tmp: string, size: number): Promise<string> {
  const overlay = path.join(tmp, 'overlay.qcow2');
  await runTool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', path.resolve(image), '-F', 'raw', overlay, String(size)], { what: `${image}: the QEMU overlay` });
  return overlay;
}

/**
 * Runs QEMU until the watcher has a verdict, QEMU exits or the timeout passes (QEMU is then
 * killed, after up to `graceMs` for it to power off by itself once the verdict is in); sets
 * the watcher's verdict in every case and returns when it was reached.
 */
async function runUntilVerdict(command: string[], watcher: SerialWatcher, marker: string, timeoutSec: number, start: number, graceMs: number): Promise<number> {
  let child: ResultPromise | undefined;
  let exited: { code: number | undefined; signal: string | undefined; stderr: string } | undefined;
  try {
    child = startTool(command[0]!, command.slice(1), { stdout: 'pipe', stderr: 'pipe', all: true, cleanup: true }) as ResultPromise;
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
      await watcher.poll(false);
      if (watcher.verdict) {
        const at = Date.now();
        while (graceMs > 0 && !exited && Date.now() - at < graceMs) await new Promise((r) => setTimeout(r, 100));
        return at;
      }
      if (exited) {
        await watcher.poll(true);
        const end = Date.now();
        if (!watcher.verdict) {
          const err = exited.stderr.trim().split('\n').slice(-5).join(' / ');
          watcher.verdict = {
            ok: false,
            reason: `QEMU exited (${exited.code !== undefined ? `code ${exited.code}` : `signal ${exited.signal}`}) before ${BOOT_OK} ${marker} appeared${err ? `: ${err}` : ''}`,
          };
        }
        return end;
      }
      if (Date.now() >= deadline) {
        watcher.verdict = { ok: false, reason: `timed out after ${timeoutSec} s without ${BOOT_OK} ${marker} on the serial console` };
        return Date.now();
      }
    }
  } finally {
    if (child && !exited) {
      child.kill('SIGKILL');
      await child.catch(() => {});
    }
    await watcher.poll(true).catch(() => {});
  }
}
