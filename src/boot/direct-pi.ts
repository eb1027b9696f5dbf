/**
 * What the Raspberry Pi firmware does with config.txt when it boots Linux directly (no
 * U-Boot), for one board: which kernel, initramfs, device tree and command line file it
 * loads. Used by `imgsmith boot-test --machine raspi3b` to emulate the firmware's direct
 * boot under QEMU (QEMU cannot run the VideoCore firmware), and by the tests to check that
 * every targeted board's config.txt sections resolve to files on the card.
 *
 * Modelled after https://www.raspberrypi.com/documentation/computers/config_txt.html:
 *  - Sections: settings before any filter and in [all] apply to every board; [pi3], [pi4],
 *    [pi5] apply to that family (the Model B stands for it; [pi400], [cm4], [pi3+] ... are
 *    other models and do not apply); [none] and filters we do not model (EDID, HDMI, gpio,
 *    tryboot, board-type) do not apply. A filter line replaces the previous one.
 *  - kernel= (default: Pi 5 kernel_2712.img if present, else kernel8.img; Pi 3/4 kernel8.img
 *    with arm_64bit=1, else kernel7.img / kernel7l.img).
 *  - `initramfs FILE [followkernel|ADDRESS]`, or auto_initramfs=1 (kernelX.img -> initramfsX).
 *  - device_tree= (empty: no device tree); default the board's dtb, its mainline name first
 *    with upstream_kernel=1.
 *  - cmdline= (default cmdline.txt); os_prefix= is put before kernel, initramfs, device tree
 *    and cmdline file names.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { inputError } from '../errors.ts';
import { PI_BOARD_DTB, type PiBoard } from '../content/rpi-direct.ts';

export interface PiBootPlan {
  board: PiBoard;
  kernel: string;
  /** The initramfs file, when one applies. */
  initramfs?: string;
  /** Candidate device trees, the first existing one is used ([] = device_tree= empty). */
  dtbCandidates: string[];
  cmdline: string;
  upstreamKernel: boolean;
  arm64: boolean;
}

function applies(filter: string, board: PiBoard): boolean {
  const f = filter.trim().toLowerCase();
  return f === 'all' || f === board;
}

/**
 * The settings of config.txt that apply to `board`. `exists` tells whether a file is on
 * the FAT partition (for the Pi 5's default kernel_2712.img / kernel8.img choice).
 */
export function piBootPlan(configTxt: string, board: PiBoard, exists: (name: string) => boolean = () => false): PiBootPlan {
  let on = true;
  const kv = new Map<string, string>();
  let initramfs: string | undefined;
  for (const raw of configTxt.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const sec = /^\[(.*)\]$/.exec(line);
    if (sec) {
      on = applies(sec[1]!, board);
      continue;
    }
    if (!on) continue;
    const ir = /^initramfs\s+(\S+)(?:\s+\S+)?$/.exec(line);
    if (ir) {
      initramfs = ir[1]!;
      continue;
    }
    const m = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (m) kv.set(m[1]!.toLowerCase(), m[2]!.trim());
  }
  const num = (k: string) => kv.has(k) && kv.get(k) !== '0';
  const prefix = kv.get('os_prefix') ?? '';
  const upstreamKernel = num('upstream_kernel');
  const arm64 = board === 'pi5' || num('arm_64bit');
  let kernel = kv.get('kernel');
  if (kernel === undefined) {
    if (board === 'pi5') kernel = exists(`${prefix}kernel_2712.img`) ? 'kernel_2712.img' : 'kernel8.img';
    else kernel = arm64 ? 'kernel8.img' : board === 'pi4' ? 'kernel7l.img' : 'kernel7.img';
  }
  if (initramfs === undefined && num('auto_initramfs')) {
    const k = /^kernel(.*)\.img$/.exec(kernel);
    if (k) initramfs = `initramfs${k[1]}`;
  }
  let dtbCandidates: string[];
  const dt = kv.get('device_tree');
  if (dt !== undefined) dtbCandidates = dt === '' ? [] : [prefix + dt];
  else {
    const d = PI_BOARD_DTB[board];
    dtbCandidates = [...new Set(upstreamKernel ? [d.upstream, d.downstream] : [d.downstream])].map((n) => prefix + n);
  }
  return {
    board,
    kernel: prefix + kernel,
    ...(initramfs !== undefined ? { initramfs: prefix + initramfs } : {}),
    dtbCandidates,
    cmdline: prefix + (kv.get('cmdline') || 'cmdline.txt'),
    upstreamKernel,
    arm64,
  };
}

export interface PiBootFiles {
  kernel: string;
  initramfs?: string;
  dtb?: string;
  cmdline: string;
}

/**
 * Resolves the plan against the files on the card: every file it names must exist
 * (`exists`, case-insensitive like FAT); returns the files, or the list of what is missing.
 */
export function resolvePiBoot(plan: PiBootPlan, exists: (name: string) => boolean): { files?: PiBootFiles; missing: string[] } {
  const missing: string[] = [];
  if (!exists(plan.kernel)) missing.push(`${plan.kernel} (kernel)`);
  if (plan.initramfs !== undefined && !exists(plan.initramfs)) missing.push(`${plan.initramfs} (initramfs)`);
  const dtb = plan.dtbCandidates.find(exists);
  if (plan.dtbCandidates.length > 0 && dtb === undefined) missing.push(`${plan.dtbCandidates.join(' or ')} (device tree)`);
  if (!exists(plan.cmdline)) missing.push(`${plan.cmdline} (kernel command line)`);
  if (missing.length) return { missing };
  return { files: { kernel: plan.kernel, ...(plan.initramfs ? { initramfs: plan.initramfs } : {}), ...(dtb ? { dtb } : {}), cmdline: plan.cmdline }, missing };
}

/** Whether `data` starts like a Linux arm64 kernel (the Image header's "ARM\x64" magic, or gzip). */
export function isLinuxArm64Kernel(data: Buffer): boolean {
  if (data.length >= 64 && data.readUInt32LE(56) === 0x644d5241) return true;
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

/** The kernel command line the firmware passes: the first line of the cmdline file. */
export function piCmdline(text: string): string {
  return (text.split(/\r?\n/)[0] ?? '').trim();
}

/**
 * The QEMU arguments for the firmware's direct boot of a Raspberry Pi 3 (raspi3b): `-initrd`,
 * `-dtb` and `-append` from config.txt's [pi3]/[all] settings and the cmdline file (the
 * kernel itself is passed by the caller). `files` lists every path on the FAT partition,
 * `read` reads one; the extracted files are written into `tmp`. Missing files are one error.
 */
export async function directPiQemuArgs(c: {
  configTxt: string;
  files: string[];
  read: (name: string) => Promise<Buffer | undefined>;
  tmp: string;
  where: string;
}): Promise<{ args: string[]; files: PiBootFiles; cmdline: string }> {
  const have = new Set(c.files.map((f) => f.replace(/^\/+/, '').toLowerCase()));
  const exists = (n: string) => have.has(n.replace(/^\/+/, '').toLowerCase());
  const plan = piBootPlan(c.configTxt, 'pi3', exists);
  const r = resolvePiBoot(plan, exists);
  if (!r.files) {
    throw inputError(`${c.where}: config.txt's [pi3]/[all] settings name files that are not on the partition: ${r.missing.join(', ')}`);
  }
  const out = async (name: string, as: string): Promise<string> => {
    const data = await c.read(name);
    if (!data) throw inputError(`${c.where}: cannot read ${name}`);
    const p = path.join(c.tmp, as);
    await fsp.writeFile(p, data);
    return p;
  };
  const args: string[] = [];
  if (r.files.initramfs) args.push('-initrd', await out(r.files.initramfs, 'pi-initramfs'));
  if (r.files.dtb) args.push('-dtb', await out(r.files.dtb, 'pi.dtb'));
  const cmdline = piCmdline((await c.read(r.files.cmdline))?.toString('utf8') ?? '');
  args.push('-append', cmdline);
  return { args, files: r.files, cmdline };
}
