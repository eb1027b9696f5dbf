/**
 * `generate: rpi-direct`: the FAT partition of a Raspberry Pi booted directly by its
 * firmware (no U-Boot), as Raspberry Pi OS, pi-gen, Nerves and meta-raspberrypi lay it out:
 *
 *   kernel8.img          the toplevel's kernel (Pi 3, Pi 4, and Pi 5 unless kernel_2712.img)
 *   initramfs8           the toplevel's initrd (`initramfs initramfs8 followkernel`)
 *   kernel_2712.img      options.kernel2712: a 16 KiB-page kernel for the Pi 5 (optional;
 *   initramfs_2712       options.initrd2712 its initrd, default initramfs8)
 *   bcm27*.dtb, bcm283*.dtb
 *                        every Broadcom Pi device tree of the toplevel's dtbs/, flattened
 *   overlays/            dtbs/overlays of the toplevel, else overlays/ of the firmware dir
 *   bootcode.bin, start*.elf, fixup*.dat
 *                        Pi 3 (bootcode.bin, start.elf, fixup.dat, + _cd/_x/_db variants)
 *                        and Pi 4 (start4.elf, fixup4.dat, + cd/x/db variants) firmware from
 *                        --firmware; the Pi 5 has its firmware in EEPROM and needs none
 *   config.txt           [pi3] / [pi4] / [pi5] sections (kernel=, initramfs ... followkernel,
 *                        options.boardConfig lines) and [all] (arm_64bit=1, enable_uart=1,
 *                        upstream_kernel=1 when the dtbs have mainline names, extraConfig)
 *   cmdline.txt          one line: init=<toplevel>/init root=PARTUUID=<id> rootfstype=<fs>
 *                        rootwait <kernel-params> <extraKernelParams>
 *
 * The PARTUUID is the one the image gets: "<DOS label id>-<2-digit partition number>" or
 * the GPT partition GUID (explicit or derived from the table seed and the partition name).
 *
 * A targeted board whose device tree the toplevel lacks is a warning (the card still boots
 * the other boards); with --strict it is an error. Missing kernel, initrd or firmware
 * blobs of a targeted board are errors.
 */
import { readdirSync, readFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { inputError, usageError } from '../errors.ts';
import { deriveGuid } from '../ptable/guid.ts';
import { partitionNumber } from '../ptable/numbering.ts';
import { fsCan, typesThatCan } from '../fs/index.ts';
import { describe, type JsonSchema } from '../spec-check.ts';
import type { PartitionSpec, TableSpec } from '../spec-types.ts';
import { resolveInStore } from './extlinux.ts';
import { fromUtf8, statHost, type FileTree } from './tree.ts';
import { slotContents } from '../slots.ts';

export const PI_BOARDS = ['pi3', 'pi4', 'pi5'] as const;
export type PiBoard = (typeof PI_BOARDS)[number];

export const PI_BOARD_NAMES: Record<PiBoard, string> = { pi3: 'Raspberry Pi 3', pi4: 'Raspberry Pi 4', pi5: 'Raspberry Pi 5' };

/**
 * The device tree each board's firmware loads by default (for the Model B of the family,
 * the board the checks stand for): the Raspberry Pi (downstream) name, and the mainline
 * name the firmware prefers with `upstream_kernel=1`.
 */
export const PI_BOARD_DTB: Record<PiBoard, { downstream: string; upstream: string }> = {
  pi3: { downstream: 'bcm2710-rpi-3-b.dtb', upstream: 'bcm2837-rpi-3-b.dtb' },
  pi4: { downstream: 'bcm2711-rpi-4-b.dtb', upstream: 'bcm2711-rpi-4-b.dtb' },
  pi5: { downstream: 'bcm2712-rpi-5-b.dtb', upstream: 'bcm2712-rpi-5-b.dtb' },
};

/** Firmware files per board: the ones the firmware cannot boot without, and optional variants. */
export const PI_FIRMWARE: Record<PiBoard, { required: string[]; optional: RegExp }> = {
  pi3: { required: ['bootcode.bin', 'start.elf', 'fixup.dat'], optional: /^(start_(cd|x|db)\.elf|fixup_(cd|x|db)\.dat)$/ },
  pi4: { required: ['start4.elf', 'fixup4.dat'], optional: /^(start4(cd|x|db)\.elf|fixup4(cd|x|db)\.dat)$/ },
  pi5: { required: [], optional: /^$/ },
};

/** Device trees copied from the toplevel's dtbs: the Broadcom SoCs of every Raspberry Pi. */
const PI_DTB_RE = /^bcm(27\d\d|283\d)[-_].*\.dtb$/;

export interface RpiDirectOptions {
  boards: PiBoard[];
  kernel2712?: string;
  initrd2712?: string;
  extraConfig?: string;
  boardConfig: Partial<Record<PiBoard, string>>;
  extraKernelParams: string[];
  init?: string;
  rootPartition?: string;
  overlays: boolean;
}

const configLines = (what: string): JsonSchema => ({ type: 'string', description: `config.txt lines ${what} (no "[...]" section headers)` });

/** The options, as JSON Schema properties: the allowed keys and the published schema (the generators registry in resolve.ts). */
export const RPI_DIRECT_OPTIONS: Record<string, JsonSchema> = {
  boards: { type: 'array', items: { enum: [...PI_BOARDS] }, minItems: 1, uniqueItems: true, description: 'the boards the card targets (default all: pi3, pi4, pi5)' },
  kernel2712: { type: 'string', minLength: 1, description: 'a 16 KiB-page kernel for the Pi 5 (kernel_2712.img), relative to the toplevel or a store path' },
  initrd2712: { type: 'string', minLength: 1, description: 'its initrd (initramfs_2712; default initramfs8)' },
  extraConfig: configLines('appended to the [all] section'),
  boardConfig: {
    type: 'object',
    properties: Object.fromEntries(PI_BOARDS.map((b) => [b, configLines(`for the [${b}] section, e.g. "dtoverlay=..."`)])),
    additionalProperties: false,
  },
  extraKernelParams: { type: 'array', items: { type: 'string', minLength: 1 }, description: "appended to cmdline.txt after the toplevel's kernel-params" },
  init: { type: 'string', pattern: '^/\\S*$', description: 'default <toplevel>/init' },
  rootPartition: { type: 'string', minLength: 1, description: 'the partition cmdline.txt names as root=PARTUUID= (default: the one with the closure)' },
  overlays: { type: 'boolean', description: 'copy overlays/ (default true)' },
};
const OPTION_KEYS = Object.keys(RPI_DIRECT_OPTIONS);
// eslint-disable-next-line no-control-regex
const PARAM_RE = /^[^\0-\x20\x7f]+$/;

/** Validates and normalises a spec item's options (usage errors name the JSON path). */
export function rpiDirectOptions(o: Record<string, unknown>, where: string): RpiDirectOptions {
  for (const k of Object.keys(o)) {
    if (!OPTION_KEYS.includes(k)) throw usageError(`${where}: unknown key "${k}"; expected one of: ${OPTION_KEYS.join(', ')}`);
  }
  let boards: PiBoard[] = [...PI_BOARDS];
  if (o.boards !== undefined) {
    if (!Array.isArray(o.boards) || o.boards.length === 0) throw usageError(`${where}.boards: expected a non-empty array of ${PI_BOARDS.map((b) => `"${b}"`).join(', ')}, got ${describe(o.boards)}`);
    boards = o.boards.map((b, i) => {
      if (!(PI_BOARDS as readonly unknown[]).includes(b)) throw usageError(`${where}.boards[${i}]: expected one of ${PI_BOARDS.map((x) => `"${x}"`).join(', ')}, got ${describe(b)}`);
      return b as PiBoard;
    });
    if (new Set(boards).size !== boards.length) throw usageError(`${where}.boards: a board is listed twice`);
    boards = PI_BOARDS.filter((b) => boards.includes(b));
  }
  const pathOpt = (k: string): string | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '' || v.split('/').includes('..')) {
      throw usageError(`${where}.${k}: expected a path relative to the toplevel or a store path (no ".."), got ${describe(v)}`);
    }
    return v;
  };
  const kernel2712 = pathOpt('kernel2712');
  const initrd2712 = pathOpt('initrd2712');
  if (initrd2712 !== undefined && kernel2712 === undefined) throw usageError(`${where}.initrd2712: only with "kernel2712" (the Pi 5 otherwise boots kernel8.img with initramfs8)`);
  if (kernel2712 !== undefined && !boards.includes('pi5')) throw usageError(`${where}.kernel2712: the Pi 5 is not among options.boards`);
  const text = (v: unknown, w: string): string => {
    if (typeof v !== 'string') throw usageError(`${w}: expected a string of config.txt lines, got ${describe(v)}`);
    // eslint-disable-next-line no-control-regex
    if (/[\0-\x08\x0b-\x1f\x7f]/.test(v.replaceAll('\r\n', '\n'))) throw usageError(`${w}: config.txt lines must not contain control characters`);
    if (/^\s*\[/m.test(v)) throw usageError(`${w}: must not open a section ("[...]"); use boardConfig for [pi3]/[pi4]/[pi5] lines`);
    return v;
  };
  const boardConfig: Partial<Record<PiBoard, string>> = {};
  if (o.boardConfig !== undefined) {
    if (typeof o.boardConfig !== 'object' || o.boardConfig === null || Array.isArray(o.boardConfig)) throw usageError(`${where}.boardConfig: expected an object such as { "pi4": "dtoverlay=..." }, got ${describe(o.boardConfig)}`);
    for (const [k, v] of Object.entries(o.boardConfig)) {
      if (!(PI_BOARDS as readonly string[]).includes(k)) throw usageError(`${where}.boardConfig: unknown board "${k}"; expected one of: ${PI_BOARDS.join(', ')}`);
      if (!boards.includes(k as PiBoard)) throw usageError(`${where}.boardConfig.${k}: the board is not among options.boards`);
      boardConfig[k as PiBoard] = text(v, `${where}.boardConfig.${k}`);
    }
  }
  const extraKernelParams: string[] = [];
  if (o.extraKernelParams !== undefined) {
    if (!Array.isArray(o.extraKernelParams)) throw usageError(`${where}.extraKernelParams: expected an array of strings, got ${describe(o.extraKernelParams)}`);
    o.extraKernelParams.forEach((p, i) => {
      if (typeof p !== 'string' || !PARAM_RE.test(p)) throw usageError(`${where}.extraKernelParams[${i}]: expected one kernel parameter without spaces or control characters, got ${describe(p)}`);
      extraKernelParams.push(p);
    });
  }
  if (o.init !== undefined && (typeof o.init !== 'string' || !/^\/\S*$/.test(o.init) || o.init.split('/').includes('..'))) {
    throw usageError(`${where}.init: expected an absolute path without spaces or "..", got ${describe(o.init)}`);
  }
  if (o.rootPartition !== undefined && (typeof o.rootPartition !== 'string' || o.rootPartition === '')) throw usageError(`${where}.rootPartition: expected a partition name, got ${describe(o.rootPartition)}`);
  if (o.overlays !== undefined && typeof o.overlays !== 'boolean') throw usageError(`${where}.overlays: expected true or false, got ${describe(o.overlays)}`);
  return {
    boards,
    ...(kernel2712 !== undefined ? { kernel2712 } : {}),
    ...(initrd2712 !== undefined ? { initrd2712 } : {}),
    ...(o.extraConfig !== undefined ? { extraConfig: text(o.extraConfig, `${where}.extraConfig`) } : {}),
    boardConfig,
    extraKernelParams,
    ...(typeof o.init === 'string' ? { init: o.init } : {}),
    ...(typeof o.rootPartition === 'string' ? { rootPartition: o.rootPartition } : {}),
    overlays: o.overlays !== false,
  };
}

/** The disk the generator writes for: where the root is and what its PARTUUID will be. */
export interface DiskContext {
  table: TableSpec;
  partitions: PartitionSpec[];
}

/** The root partition's PARTUUID as blkid (and the kernel's root=PARTUUID=) sees it. */
export function partUuidOf(disk: DiskContext, index: number): string {
  const p = disk.partitions[index]!;
  if (disk.table.type === 'dos') return `${disk.table.labelId.toString(16).padStart(8, '0')}-${partitionNumber(disk.table, index).toString(16).padStart(2, '0')}`;
  return (p.guid ?? deriveGuid('partition-guid', [disk.table.seed, p.name])).toLowerCase();
}

/** The root's PARTUUID in cmdline.txt: as a {partuuid:NAME} placeholder (src/content/placeholders.ts
 *  puts in the same value at once, or, for a dm-verity data partition in a GPT, the GUID derived from
 *  the root hash once it is known), or the value itself for a name a placeholder cannot hold. */
function rootPartUuid(disk: DiskContext, index: number): string {
  const name = disk.partitions[index]!.name;
  return /^[^{}\s]+$/.test(name) ? `{partuuid:${name}}` : partUuidOf(disk, index);
}

/** The root partition: options.rootPartition, else the one that holds the closure. */
function rootPartition(disk: DiskContext, name: string | undefined, where: string): number {
  if (name !== undefined) {
    const i = disk.partitions.findIndex((p) => p.name === name);
    if (i < 0) throw usageError(`${where}.options.rootPartition: no partition is named "${name}" (partitions: ${disk.partitions.map((p) => p.name).join(', ')})`);
    return i;
  }
  const i = disk.partitions.findIndex((p) => p.contents.some((c) => c.kind === 'generate' && c.generator === 'closure'));
  if (i < 0) throw usageError(`${where}: rpi-direct needs the root partition for cmdline.txt's root=PARTUUID=; no partition holds { "generate": "closure" }: name it in options.rootPartition`);
  return i;
}

export interface RpiDirectInputs {
  toplevel: string;
  firmware?: string;
  storeDir: string;
  storeHost: (storePath: string) => string;
  closurePaths?: string[];
  disk: DiskContext;
  /** Index of the partition the files go to. */
  partition: number;
  warn: (message: string) => void;
  strict: boolean;
}

interface HostFile {
  host: string;
  st: Stats;
}

/** The config.txt the generator writes (exported for tests). */
export function rpiDirectConfigTxt(c: {
  boards: PiBoard[];
  kernel: Record<PiBoard, string>;
  initramfs: Record<PiBoard, string>;
  upstreamKernel: boolean;
  boardConfig: Partial<Record<PiBoard, string>>;
  extraConfig?: string;
}): string {
  const block = (s: string | undefined) => (s === undefined || s === '' ? [] : s.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n'));
  const lines = ['# Generated by imgsmith (rpi-direct): the Raspberry Pi firmware boots Linux directly, without U-Boot.', '# Each [piN] section names the kernel and initramfs of that board; [all] applies to every board.', ''];
  for (const b of c.boards) {
    lines.push(`[${b}]`, `kernel=${c.kernel[b]}`, `initramfs ${c.initramfs[b]} followkernel`, ...block(c.boardConfig[b]), '');
  }
  lines.push('[all]', 'arm_64bit=1', '# The serial console (ttyS0 / ttyAMA0 on the GPIO header).', 'enable_uart=1', 'avoid_warnings=1');
  if (c.upstreamKernel) lines.push('# The device trees have mainline names (bcm2837-rpi-3-b.dtb ...): let the firmware prefer them.', 'upstream_kernel=1');
  const extra = block(c.extraConfig);
  if (extra.length) lines.push('', ...extra);
  return lines.join('\n') + '\n';
}

/** The firmware partition can be read by the firmware, the root can be a root, the table has an id. */
function checkPartitions(inp: RpiDirectInputs, opts: RpiDirectOptions, where: string): number {
  const part = inp.disk.partitions[inp.partition]!;
  if (!fsCan(part.filesystem.type, 'firmwareReadable')) {
    throw usageError(`${where}: the Raspberry Pi firmware reads its boot files from a FAT partition; partition "${part.name}" is ${part.filesystem.type}`);
  }
  const rootIdx = rootPartition(inp.disk, opts.rootPartition, where);
  const root = slotContents(inp.disk.partitions, rootIdx);
  if (!fsCan(root.filesystem.type, 'root')) {
    throw usageError(`${where}: the root partition "${root.name}" is ${root.filesystem.type}; rpi-direct boots a ${typesThatCan('root').join(' or ')} root`);
  }
  if (inp.disk.table.type === 'dos' && inp.disk.table.labelId === 0) {
    throw usageError(`${where}: root=PARTUUID= needs a disk id: set spec.table.labelId (e.g. "0x2178694e"); 0 means "none"`);
  }
  return rootIdx;
}

/** The toplevel on the host, with its symlinks resolved in the store (as the extlinux generator does). */
interface Toplevel {
  /** Its host path, and its path in the image's store. */
  top: string;
  logicalTop: string;
  /** Maps a store path (a symlink's target) to the host. */
  mapTarget: (t: string) => string;
  /** A file of the toplevel (relative name) or of the store (absolute): missing is an input error. */
  file(name: string, what: string): HostFile;
}

function resolveToplevel(inp: RpiDirectInputs, where: string): Toplevel {
  const { storeDir, storeHost: toHost } = inp;
  const hostRoot = toHost('/');
  const toLogical = (h: string) => (hostRoot !== '/' && h.startsWith(hostRoot) ? '/' + h.slice(hostRoot.length) : h);
  const mapTarget = (t: string) => (t === storeDir || t.startsWith(`${storeDir}/`) ? toHost(t) : t);
  const given = inp.toplevel.startsWith(`${storeDir}/`) && hostRoot !== '/' ? toHost(inp.toplevel) : inp.toplevel;
  const top = resolveInStore(path.resolve(given), mapTarget);
  const tst = statHost(fromUtf8(top), true);
  if (!tst?.isDirectory()) throw inputError(`the NixOS system ${inp.toplevel} is not a directory (--toplevel)`);
  const logicalTop = toLogical(top);
  if (inp.closurePaths && !inp.closurePaths.includes(logicalTop)) {
    throw inputError(`the NixOS system ${inp.toplevel} (${logicalTop}) is not in the closure (--closure), so cmdline.txt's init= would point at a path missing from the image; give the closure of this system`);
  }
  const file = (name: string, what: string): HostFile => {
    const named = path.isAbsolute(name) ? (name.startsWith(`${storeDir}/`) ? toHost(name) : name) : path.join(top, name);
    const host = resolveInStore(named, mapTarget);
    const st = statHost(fromUtf8(host), true);
    if (!st?.isFile()) {
      throw inputError(`${where}: ${what} ${named}${host !== named ? ` (-> ${host})` : ''} is missing (not a file)`);
    }
    return { host, st };
  };
  return { top, logicalTop, mapTarget, file };
}

/** The firmware blobs of the targeted boards (names in --firmware DIR). */
function firmwareFiles(opts: RpiDirectOptions, inp: RpiDirectInputs, where: string): Set<string> {
  const fwNames = new Set<string>();
  const needFw = opts.boards.filter((b) => PI_FIRMWARE[b].required.length > 0);
  if (needFw.length === 0) return fwNames;
  if (!inp.firmware) {
    throw usageError(`${where}: the ${needFw.map((b) => PI_BOARD_NAMES[b]).join(' and ')} firmware (${needFw.flatMap((b) => PI_FIRMWARE[b].required).join(', ')}) comes from --firmware DIR; give it, or target only the Pi 5 (options.boards)`);
  }
  const present = readdirSync(inp.firmware).sort();
  for (const b of needFw) {
    for (const f of PI_FIRMWARE[b].required) {
      if (!statHost(fromUtf8(path.join(inp.firmware, f)), true)?.isFile()) {
        throw inputError(`${where}: the firmware directory ${inp.firmware} has no ${f}, which the ${PI_BOARD_NAMES[b]} firmware needs (options.boards targets "${b}")`);
      }
      fwNames.add(f);
    }
    for (const f of present) if (PI_FIRMWARE[b].optional.test(f) && statHost(fromUtf8(path.join(inp.firmware, f)), true)?.isFile()) fwNames.add(f);
  }
  return fwNames;
}

/** Device trees: every Pi dtb of the toplevel's dtbs/, flattened; overlays/ (else the firmware's). */
function deviceTrees(t: Toplevel, inp: RpiDirectInputs, where: string): { dtbs: Map<string, HostFile>; overlays?: string } {
  const dtbs = new Map<string, HostFile>();
  let overlays: string | undefined;
  const dtbDir = resolveInStore(path.join(t.top, 'dtbs'), t.mapTarget);
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const host = path.join(dir, name);
      const st = statHost(fromUtf8(host), true);
      if (!st) continue;
      if (st.isDirectory()) {
        if (rel === '' && name === 'overlays') overlays = host;
        else walk(host, rel ? `${rel}/${name}` : name);
      } else if (st.isFile() && PI_DTB_RE.test(name)) {
        const prev = dtbs.get(name);
        if (prev) throw inputError(`${where}: the toplevel's dtbs hold ${name} twice (${prev.host} and ${host}); the firmware reads one ${name} from the FAT root`);
        dtbs.set(name, { host, st });
      }
    }
  };
  if (statHost(fromUtf8(dtbDir), true)?.isDirectory()) walk(dtbDir, '');
  if (!overlays && inp.firmware && statHost(fromUtf8(path.join(inp.firmware, 'overlays')), true)?.isDirectory()) overlays = path.join(inp.firmware, 'overlays');
  return overlays ? { dtbs, overlays } : { dtbs };
}

/** Whether the dtbs are mainline's; warns (or with --strict fails) for a board without its dtb. */
function checkBoardDtbs(opts: RpiDirectOptions, inp: RpiDirectInputs, dtbs: Map<string, HostFile>, where: string): boolean {
  const upstreamKernel = ![...dtbs.keys()].some((n) => n.startsWith('bcm2710-')) && [...dtbs.keys()].some((n) => n.startsWith('bcm2837-'));
  for (const b of opts.boards) {
    const d = PI_BOARD_DTB[b];
    const want = upstreamKernel ? [d.upstream, d.downstream] : [d.downstream];
    if (want.some((n) => dtbs.has(n))) continue;
    const msg = `${where}: the toplevel's dtbs have no ${[...new Set(want)].join(' or ')}, which the ${PI_BOARD_NAMES[b]} firmware loads: this card will not boot a ${PI_BOARD_NAMES[b]} (options.boards targets "${b}"${opts.boards.length > 1 ? '; the other boards are not affected' : ''})`;
    if (inp.strict) throw inputError(`${msg}; --strict makes this an error`);
    inp.warn(`warning: ${msg}`);
  }
  return upstreamKernel;
}

/** config.txt and cmdline.txt (root=PARTUUID= of the root partition, the toplevel's kernel-params). */
function addBootConfig(tree: FileTree, opts: RpiDirectOptions, inp: RpiDirectInputs, t: Toplevel, rootIdx: number, pi5: { kernel: boolean; initrd: boolean }, upstreamKernel: boolean): void {
  const kernelOf = (b: PiBoard) => (b === 'pi5' && pi5.kernel ? 'kernel_2712.img' : 'kernel8.img');
  const initrdOf = (b: PiBoard) => (b === 'pi5' && pi5.initrd ? 'initramfs_2712' : 'initramfs8');
  const config = rpiDirectConfigTxt({
    boards: opts.boards,
    kernel: { pi3: kernelOf('pi3'), pi4: kernelOf('pi4'), pi5: kernelOf('pi5') },
    initramfs: { pi3: initrdOf('pi3'), pi4: initrdOf('pi4'), pi5: initrdOf('pi5') },
    upstreamKernel,
    boardConfig: opts.boardConfig,
    ...(opts.extraConfig !== undefined ? { extraConfig: opts.extraConfig } : {}),
  });
  tree.add('/config.txt', { kind: 'data', mode: 0o644, data: Buffer.from(config) });

  let params = '';
  const pf = resolveInStore(path.join(t.top, 'kernel-params'), t.mapTarget);
  if (statHost(fromUtf8(pf), true)?.isFile()) params = readFileSync(pf, 'utf8').replace(/\s+/g, ' ').trim();
  const init = opts.init ?? `${t.logicalTop}/init`;
  const root = slotContents(inp.disk.partitions, rootIdx);
  const cmdline = [`init=${init}`, `root=PARTUUID=${rootPartUuid(inp.disk, rootIdx)}`, `rootfstype=${root.filesystem.type}`, 'rootwait', params, ...opts.extraKernelParams]
    .filter((x) => x !== '')
    .join(' ');
  tree.add('/cmdline.txt', { kind: 'data', mode: 0o644, data: Buffer.from(cmdline + '\n') });
}

/** Adds the direct-boot files to `tree` (the FAT partition's root). */
export async function addRpiDirectToTree(tree: FileTree, opts: RpiDirectOptions, inp: RpiDirectInputs, where: string): Promise<void> {
  const rootIdx = checkPartitions(inp, opts, where);
  const t = resolveToplevel(inp, where);
  const sys = `the NixOS system ${inp.toplevel}`;
  const kernel = t.file('kernel', `${sys} has no kernel:`);
  const initrd = t.file('initrd', `${sys} has no initrd:`);
  if (opts.init === undefined) t.file('init', `${sys} has no init:`);
  const kernel2712 = opts.kernel2712 !== undefined ? t.file(opts.kernel2712, 'options.kernel2712: the Pi 5 kernel') : undefined;
  const initrd2712 = opts.initrd2712 !== undefined ? t.file(opts.initrd2712, 'options.initrd2712: the Pi 5 initrd') : undefined;
  const fwNames = firmwareFiles(opts, inp, where);
  const { dtbs, overlays } = deviceTrees(t, inp, where);
  const upstreamKernel = checkBoardDtbs(opts, inp, dtbs, where);

  // The tree.
  const place = (name: string, src: HostFile) => {
    tree.add(fromUtf8(`/${name}`), { kind: 'file', mode: src.st.mode & 0o7777, size: src.st.size, source: fromUtf8(src.host) });
  };
  place('kernel8.img', kernel);
  place('initramfs8', initrd);
  if (kernel2712) place('kernel_2712.img', kernel2712);
  if (initrd2712) place('initramfs_2712', initrd2712);
  for (const [name, f] of dtbs) place(name, f);
  for (const f of fwNames) {
    const host = path.join(inp.firmware!, f);
    place(f, { host, st: statHost(fromUtf8(host), true)! });
  }
  if (overlays && opts.overlays) tree.addHost(fromUtf8('/overlays'), fromUtf8(overlays), true);
  addBootConfig(tree, opts, inp, t, rootIdx, { kernel: !!kernel2712, initrd: !!initrd2712 }, upstreamKernel);
}
