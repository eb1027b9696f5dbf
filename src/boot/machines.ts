/**
 * The QEMU machines `imgsmith boot-test` can boot an image on: one entry per machine with
 * its default timeout, its help text and how to turn an image (as a qcow2 overlay) into a
 * QEMU command line and the serial consoles to watch. The CLI takes the machine list, the
 * help and the defaults from here.
 *
 *  - raspi3b: the Raspberry Pi 3 chain as far as QEMU can go. QEMU cannot run the
 *    VideoCore firmware, so we do its job: read config.txt from the first FAT partition
 *    holding one, check the Pi 3 firmware files are there (bootcode.bin, start.elf,
 *    fixup.dat), pick the `kernel=` that applies to a Pi 3 ([pi3] or [all] sections,
 *    default kernel8.img with arm_64bit=1, else kernel7.img), extract it and start it with
 *    `qemu-system-aarch64 -M raspi3b -m 1G -kernel <it>`, the image as the SD card. With
 *    NixOS-style images that is U-Boot, whose distro boot must find extlinux.conf. When
 *    kernel= is a Linux kernel (or --pi-boot direct), the firmware's direct boot is emulated
 *    too (src/boot/direct-pi.ts): the initramfs, device tree and cmdline.txt it would load
 *    become -initrd, -dtb and -append.
 *    Both UARTs are captured: uart0 (PL011, Linux ttyAMA0) and uart1 (mini UART, Linux
 *    ttyS1; U-Boot's console). QEMU's SD card model needs a power-of-two size, so the
 *    overlay is sized to the next one.
 *  - virt: `qemu-system-aarch64 -M virt -cpu cortex-a53` with U-Boot qemu_arm64 (Debian
 *    u-boot-qemu) as the firmware, the image as a virtio-blk (MMIO) disk; PL011 console.
 *  - x86_64-efi: `qemu-system-x86_64 -M q35` with OVMF (pflash; a private copy of the
 *    variable store), the image as a virtio-blk-pci disk; COM1 console.
 *  - orangepi-pc: `qemu-system-arm -M orangepi-pc` (an Allwinner H3), the image as the SD
 *    card; QEMU's boot ROM emulation copies the SPL at 8 KiB of the card into SRAM and runs it
 *    (U-Boot SPL, then U-Boot, whose distro boot finds extlinux.conf). QEMU does not check
 *    what it runs, so we do what the real ROM does first: an eGON.BT0 header with a valid
 *    checksum at 8 KiB (src/codec/egon.ts), else an input error before QEMU starts. UART0
 *    console. Like raspi3b's, the SD card must have a power-of-two size: the overlay is.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { inputError, ToolMissingError, usageError } from '../errors.ts';
import { fatList, fatRead, raspiBootFiles, type RaspiBootFiles } from './image.ts';
import { directPiQemuArgs, isLinuxArm64Kernel } from './direct-pi.ts';
import type { SerialConsole } from './serial.ts';
import { readAt } from '../inspect/image.ts';
import { checkEgon, EGON_MAX_LENGTH, EGON_MAGIC } from '../codec/egon.ts';

export const BOOT_MACHINES = ['raspi3b', 'virt', 'x86_64-efi', 'orangepi-pc'] as const;
export type BootMachine = (typeof BOOT_MACHINES)[number];

/** Firmware files used by the machines (Debian packages u-boot-qemu and ovmf). */
export const UBOOT_QEMU_ARM64 = '/usr/lib/u-boot/qemu_arm64/u-boot.bin';
const OVMF_PAIRS: [code: string, vars: string][] = [
  ['/usr/share/OVMF/OVMF_CODE.fd', '/usr/share/OVMF/OVMF_VARS.fd'],
  ['/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_VARS_4M.fd'],
  ['/usr/share/edk2/ovmf/OVMF_CODE.fd', '/usr/share/edk2/ovmf/OVMF_VARS.fd'],
];

/** raspi3b: how the firmware boots. "direct": it loads kernel=, initramfs, the device tree and
 *  cmdline.txt itself (src/boot/direct-pi.ts); "u-boot": kernel= is U-Boot; "auto": direct when
 *  kernel= is a Linux arm64 kernel. */
export const PI_BOOT_MODES = ['auto', 'direct', 'u-boot'] as const;
export type PiBootMode = (typeof PI_BOOT_MODES)[number];

/** What a machine needs to build its QEMU command. */
export interface MachineInput {
  /** The image (a safe symlink to it: no "@@" or "?" in the name), read only. */
  image: string;
  /** The image as the user named it, for messages. */
  displayName: string;
  /** The qcow2 overlay backed by the image: the disk QEMU gets. */
  overlay: string;
  /** A private temporary directory. */
  tmp: string;
  log: (line: string) => void;
  /** raspi3b: direct boot or U-Boot (default "auto"). */
  piBoot?: PiBootMode;
}

export interface MachineRun {
  command: string[];
  /** The serial consoles QEMU writes, in the order they are read. */
  consoles: SerialConsole[];
}

export interface Machine {
  /** Seconds before QEMU is killed, unless --timeout says otherwise. */
  timeoutSec: number;
  /** One line for `imgsmith boot-test --help`. */
  help: string;
  /** The size of the overlay for an image of `imageSize` bytes. */
  overlaySize(imageSize: number): number;
  qemu(input: MachineInput): Promise<MachineRun>;
}

/** The options every machine runs with; `accel` is the TCG setting (raspi3b wants one thread). */
const common = (accel = 'tcg') => ['-accel', accel, '-no-reboot', '-display', 'none', '-monitor', 'none', '-parallel', 'none'];

async function exists(p: string): Promise<boolean> {
  return fsp.access(p).then(() => true, () => false);
}

async function need(file: string, pkg: string): Promise<void> {
  if (!(await exists(file))) throw new ToolMissingError(pkg, `${file} is missing (install the Debian package ${pkg})`);
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Unix socket paths longer than this do not fit in sockaddr_un (108 bytes with the NUL). */
const MAX_SOCKET_PATH = 107;

/**
 * A serial console: QEMU writes what the guest prints to tmp/NAME.log (its chardev's logfile, written
 * whether or not anyone is connected) and takes typed input on tmp/NAME.sock (src/boot/serial.ts
 * types there to skip firmware waits). Without room for the socket path: the log file only.
 */
function serialConsole(tmp: string, id: string, name: string, prefix: string): { args: string[]; console: SerialConsole } {
  const file = path.join(tmp, `${name}.log`);
  const input = path.join(tmp, `${name}.sock`);
  if (Buffer.byteLength(input) > MAX_SOCKET_PATH) {
    return { args: ['-chardev', `file,id=${id},path=${file}`, '-serial', `chardev:${id}`], console: { file, prefix } };
  }
  return { args: ['-chardev', `socket,id=${id},path=${input},server=on,wait=off,logfile=${file}`, '-serial', `chardev:${id}`], console: { file, prefix, input } };
}

/** One console on QEMU's first serial port, logged to tmp/serial0.log. */
function serial0(tmp: string): { args: string[]; consoles: SerialConsole[] } {
  const c = serialConsole(tmp, 'ser0', 'serial0', '');
  return { args: c.args, consoles: [c.console] };
}

/** raspi3b without U-Boot: what the firmware loads itself (-initrd, -dtb, -append), logged. */
async function directBoot(image: string, displayName: string, boot: RaspiBootFiles, tmp: string, log: (line: string) => void): Promise<string[]> {
  const d = await directPiQemuArgs({
    configTxt: boot.configTxt,
    files: await fatList(image, boot.partition, true),
    read: (name) => fatRead(image, boot.partition, name),
    tmp,
    where: `${displayName}: partition ${boot.partition.index}`,
  });
  log(`imgsmith: raspi3b: direct boot (no U-Boot): kernel ${d.files.kernel}, initramfs ${d.files.initramfs ?? '-'}, device tree ${d.files.dtb ?? '-'}, ${d.files.cmdline}: ${d.cmdline}`);
  return d.args;
}

/** Where the Allwinner boot ROM reads the SPL on an SD card. */
export const SUNXI_SPL_OFFSET = 8 * 1024;

/** orangepi-pc: the SPL the H3 boot ROM would run from 8 KiB of the card (checked as the ROM does). */
async function sunxiSpl(image: string, displayName: string): Promise<number> {
  const h = checkEgon(await readAt(image, SUNXI_SPL_OFFSET, EGON_MAX_LENGTH));
  if (typeof h === 'string') {
    throw inputError(
      `${displayName}: no bootable Allwinner SPL at 8 KiB (${h}): the H3 boot ROM would run nothing; write u-boot-sunxi-with-spl.bin there (a spec's "regions")`,
    );
  }
  return h.length;
}

export const MACHINES: Record<BootMachine, Machine> = {
  raspi3b: {
    timeoutSec: 420,
    help: "config.txt's [pi3] kernel= on QEMU raspi3b (U-Boot, or Linux booted directly, see --pi-boot)",
    overlaySize: nextPow2,
    async qemu({ image, displayName, overlay, tmp, log, piBoot = 'auto' }) {
      const boot = await raspiBootFiles(image, displayName);
      log(`imgsmith: raspi3b: config.txt on partition ${boot.partition.index}; a Pi 3 loads kernel=${boot.kernel}`);
      const kernelFile = path.join(tmp, 'pi-kernel.bin');
      const data = await fatRead(image, boot.partition, boot.kernel);
      if (!data) throw inputError(`${displayName}: cannot read ${boot.kernel} from partition ${boot.partition.index}`);
      await fsp.writeFile(kernelFile, data);
      const direct = piBoot === 'direct' || (piBoot === 'auto' && isLinuxArm64Kernel(data)) ? await directBoot(image, displayName, boot, tmp, log) : [];
      const uart0 = serialConsole(tmp, 'uart0', 'serial0', 'uart0| ');
      const uart1 = serialConsole(tmp, 'uart1', 'serial1', 'uart1| ');
      return {
        command: [
          // One TCG thread for the four cores: while U-Boot runs, the three secondary cores spin on
          // WFE, which with a thread per core keeps three host threads busy and starves the boot
          // core (measured: a third of the CPU and 0.6x the time of the default).
          'qemu-system-aarch64', '-M', 'raspi3b', '-m', '1G', ...common('tcg,thread=single'),
          '-kernel', kernelFile, ...direct,
          '-drive', `if=sd,format=qcow2,file=${overlay}`,
          ...uart0.args, ...uart1.args,
        ],
        consoles: [uart0.console, uart1.console],
      };
    },
  },
  virt: {
    timeoutSec: 240,
    help: 'U-Boot qemu_arm64 on a virtio disk',
    overlaySize: (n) => n,
    async qemu({ overlay, tmp }) {
      await need(UBOOT_QEMU_ARM64, 'u-boot-qemu');
      const s = serial0(tmp);
      return {
        // One core: under TCG a second one only adds its bring-up and cross-CPU work to the boot (~15% of its CPU).
        command: [
          'qemu-system-aarch64', '-M', 'virt', '-cpu', 'cortex-a53', '-smp', '1', '-m', '1G', ...common(), '-nic', 'none',
          '-bios', UBOOT_QEMU_ARM64,
          '-drive', `if=none,file=${overlay},format=qcow2,id=disk0`, '-device', 'virtio-blk-device,drive=disk0',
          ...s.args,
        ],
        consoles: s.consoles,
      };
    },
  },
  'x86_64-efi': {
    timeoutSec: 300,
    help: 'OVMF',
    overlaySize: (n) => n,
    async qemu({ overlay, tmp }) {
      let pair: [string, string] | undefined;
      for (const p of OVMF_PAIRS) {
        if ((await exists(p[0])) && (await exists(p[1]))) {
          pair = p;
          break;
        }
      }
      if (!pair) throw new ToolMissingError('ovmf', 'OVMF firmware (OVMF_CODE.fd + OVMF_VARS.fd) not found: install the Debian package ovmf');
      const vars = path.join(tmp, 'OVMF_VARS.fd');
      await fsp.copyFile(pair[1], vars);
      const s = serial0(tmp);
      return {
        command: [
          'qemu-system-x86_64', '-M', 'q35', '-m', '1G', ...common(), '-nic', 'none',
          '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${pair[0]}`,
          '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
          '-drive', `if=none,file=${overlay},format=qcow2,id=disk0`, '-device', 'virtio-blk-pci,drive=disk0',
          ...s.args,
        ],
        consoles: s.consoles,
      };
    },
  },
  'orangepi-pc': {
    timeoutSec: 420,
    help: `the SPL at 8 KiB (${EGON_MAGIC}) on QEMU orangepi-pc (Allwinner H3): U-Boot SPL, U-Boot, extlinux`,
    overlaySize: nextPow2,
    async qemu({ image, displayName, overlay, tmp, log }) {
      const length = await sunxiSpl(image, displayName);
      log(`imgsmith: orangepi-pc: the boot ROM runs the ${length}-byte SPL at 8 KiB (${EGON_MAGIC}, checksum correct)`);
      const s = serial0(tmp);
      return {
        command: ['qemu-system-arm', '-M', 'orangepi-pc', ...common(), '-nic', 'none', '-drive', `if=sd,format=qcow2,file=${overlay}`, ...s.args],
        consoles: s.consoles,
      };
    },
  },
};

export const DEFAULT_TIMEOUT_SEC = Object.fromEntries(BOOT_MACHINES.map((m) => [m, MACHINES[m].timeoutSec])) as Record<BootMachine, number>;

export function isBootMachine(value: string): value is BootMachine {
  return (BOOT_MACHINES as readonly string[]).includes(value);
}

/** Validates a --machine value (usage error, exit 2, for anything else). */
export function parseBootMachine(value: unknown): BootMachine {
  if (typeof value === 'string' && isBootMachine(value)) return value;
  throw usageError(`--machine: unknown machine ${JSON.stringify(value)} (expected one of: ${BOOT_MACHINES.join(', ')})`);
}
