/**
 * The JSON image spec: loading and validation. Every error names the JSON path
 * (e.g. `partitions[1].filesystem.label`) and what was expected, and is a usage
 * error (exit code 2). The result is the normalised ImageSpec of spec-types.ts.
 */
import path from 'node:path';
import { usageError } from './errors.ts';
import { parseSize, MiB } from './units.ts';
import { NotRegularFileError, readRegularText } from './input-file.ts';
import { labelProblem, type LabelledFs } from './labels.ts';
import { TEMPLATE_KEYS, unknownPlaceholders } from './outputs/naming.ts';
import { RPI_DIRECT_OPTION_KEYS, rpiDirectOptions } from './content/rpi-direct.ts';
import type {
  ContentItem,
  FilesystemSpec,
  ImageSpec,
  OutputSpec,
  PartitionSpec,
  SizeSpec,
  SourceRoot,
  TableSpec,
  TarOutputSpec,
} from './spec-types.ts';

type Json = unknown;
type Obj = Record<string, Json>;

/** Edit distance, for "did you mean" hints on unknown keys and values. */
function distance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

function hint(word: string, choices: readonly string[]): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of choices) {
    const dd = distance(word.toLowerCase(), c.toLowerCase());
    if (dd < bestD) {
      bestD = dd;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

function describe(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function obj(v: Json, where: string, allowed: readonly string[], required: readonly string[] = []): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw usageError(`${where}: expected an object, got ${describe(v)}`);
  }
  const o = v as Obj;
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      throw usageError(`${where}: unknown key "${k}"${hint(k, allowed)}; expected one of: ${allowed.join(', ')}`);
    }
  }
  for (const k of required) {
    if (o[k] === undefined) throw usageError(`${where}: missing required key "${k}"`);
  }
  return o;
}

function str(v: Json, where: string, opts: { pattern?: RegExp; what?: string; nonEmpty?: boolean } = {}): string {
  if (typeof v !== 'string') throw usageError(`${where}: expected a string, got ${describe(v)}`);
  if ((opts.nonEmpty ?? true) && v.length === 0) throw usageError(`${where}: must not be empty`);
  if (opts.pattern && !opts.pattern.test(v)) {
    throw usageError(`${where}: "${v}" is not ${opts.what ?? `a match for ${opts.pattern}`}`);
  }
  return v;
}

function bool(v: Json, where: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw usageError(`${where}: expected true or false, got ${describe(v)}`);
  return v;
}

function oneOf<T extends string | number>(v: Json, where: string, choices: readonly T[]): T {
  if (!choices.includes(v as T)) {
    const h = typeof v === 'string' ? hint(v, choices.map(String)) : '';
    throw usageError(`${where}: expected one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${describe(v)}${h}`);
  }
  return v as T;
}

function arr(v: Json, where: string): Json[] {
  if (!Array.isArray(v)) throw usageError(`${where}: expected an array, got ${describe(v)}`);
  return v;
}

/** A 32-bit id given as a number or a hex string ("0x2178694e"). */
function u32(v: Json, where: string): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^0x[0-9a-fA-F]{1,8}$/.test(v)) n = parseInt(v.slice(2), 16);
  else if (typeof v === 'string' && /^[0-9a-fA-F]{8}$/.test(v)) n = parseInt(v, 16);
  else throw usageError(`${where}: expected a 32-bit id such as "0x2178694e", got ${describe(v)}`);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw usageError(`${where}: ${v} does not fit in 32 bits`);
  }
  return n;
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function uuid(v: Json, where: string): string | undefined {
  if (v === undefined) return undefined;
  return str(v, where, { pattern: UUID_RE, what: 'a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)' }).toLowerCase();
}

function sizeSpec(v: Json, where: string): SizeSpec {
  if (v === 'auto' || v === 'fill') return v;
  const n = parseSize(v, where);
  if (n === 0) throw usageError(`${where}: a partition size must be greater than 0`);
  return n;
}

/** A filesystem label: checked against what the filesystem can store (never truncated or case-changed). */
function label(v: Json, where: string, fs: LabelledFs): string | undefined {
  if (v === undefined) return undefined;
  const l = str(v, where, { nonEmpty: false });
  const problem = labelProblem(fs, l);
  if (problem) throw usageError(`${where}: ${problem}`);
  return l;
}

const FS_TYPES = ['vfat', 'ext4', 'btrfs', 'swap', 'raw'] as const;

function filesystem(v: Json, where: string): FilesystemSpec {
  const base = obj(v, where, ['type', 'label', 'uuid', 'volumeId', 'fatType', 'features', 'extraSpace', 'source', 'pageSize'], ['type']);
  const type = oneOf(base.type, `${where}.type`, FS_TYPES);
  switch (type) {
    case 'vfat': {
      const o = obj(v, where, ['type', 'label', 'volumeId', 'fatType']);
      const fatType = o.fatType === undefined ? 'auto' : oneOf(o.fatType, `${where}.fatType`, ['auto', 16, 32] as const);
      return {
        type,
        label: label(o.label, `${where}.label`, 'vfat'),
        volumeId: o.volumeId === undefined ? 0x12345678 : u32(o.volumeId, `${where}.volumeId`),
        fatType,
      };
    }
    case 'ext4': {
      const o = obj(v, where, ['type', 'label', 'uuid', 'features', 'extraSpace']);
      const features =
        o.features === undefined
          ? undefined
          : arr(o.features, `${where}.features`).map((f, i) =>
              str(f, `${where}.features[${i}]`, { pattern: /^\^?[a-z0-9_]+$/, what: 'an mke2fs feature name such as "metadata_csum" or "^has_journal"' }),
            );
      return {
        type,
        label: label(o.label, `${where}.label`, 'ext4'),
        uuid: uuid(o.uuid, `${where}.uuid`),
        ...(features ? { features } : {}),
        ...(o.extraSpace !== undefined ? { extraSpace: parseSize(o.extraSpace, `${where}.extraSpace`) } : {}),
      };
    }
    case 'btrfs': {
      const o = obj(v, where, ['type', 'label', 'uuid', 'extraSpace']);
      return {
        type,
        label: label(o.label, `${where}.label`, 'btrfs'),
        uuid: uuid(o.uuid, `${where}.uuid`),
        ...(o.extraSpace !== undefined ? { extraSpace: parseSize(o.extraSpace, `${where}.extraSpace`) } : {}),
      };
    }
    case 'swap': {
      const o = obj(v, where, ['type', 'label', 'uuid', 'pageSize']);
      const pageSize = o.pageSize === undefined ? undefined : oneOf(o.pageSize, `${where}.pageSize`, [4096, 16384, 65536] as const);
      return { type, label: label(o.label, `${where}.label`, 'swap'), uuid: uuid(o.uuid, `${where}.uuid`), ...(pageSize ? { pageSize } : {}) };
    }
    case 'raw': {
      const o = obj(v, where, ['type', 'source']);
      if (o.source === undefined || o.source === null) return { type, source: null };
      const s = obj(o.source, `${where}.source`, ['from', 'path'], ['from', 'path']);
      return {
        type,
        source: { from: sourceRoot(s.from, `${where}.source.from`), path: relPath(s.path, `${where}.source.path`) },
      };
    }
  }
}

const SOURCE_ROOTS = ['firmware', 'spec', 'toplevel'] as const;

function sourceRoot(v: Json, where: string): SourceRoot {
  return oneOf(v, where, SOURCE_ROOTS);
}

function relPath(v: Json, where: string, allowEscape = false): string {
  const p = str(v, where);
  if (p.startsWith('/') || (!allowEscape && path.posix.normalize(p).split('/').includes('..'))) {
    throw usageError(
      `${where}: "${p}" must be a relative path inside its source (no leading "/", and no ".." that leaves it` +
        `${allowEscape ? '' : '; set "allowEscape": true on the item to read outside on purpose'})`,
    );
  }
  return p;
}

function absTarget(v: Json, where: string, dflt: string): string {
  if (v === undefined) return dflt;
  const p = str(v, where);
  if (!p.startsWith('/') || p.split('/').includes('..')) {
    throw usageError(`${where}: "${p}" must be an absolute path in the filesystem, e.g. "/boot"`);
  }
  return p;
}

const GENERATORS = ['rpi-config.txt', 'extlinux', 'closure', 'profile', 'rpi-direct'] as const;

function contentItem(v: Json, where: string): ContentItem {
  const o = obj(v, where, ['from', 'path', 'target', 'optional', 'dereference', 'allowEscape', 'generate', 'options', 'text', 'mode', 'symlink']);
  if (o.from !== undefined) {
    obj(v, where, ['from', 'path', 'target', 'optional', 'dereference', 'allowEscape'], ['path']);
    const allowEscape = bool(o.allowEscape, `${where}.allowEscape`, false);
    const dereference = o.dereference === undefined ? undefined : bool(o.dereference, `${where}.dereference`, false);
    return {
      kind: 'copy',
      from: sourceRoot(o.from, `${where}.from`),
      path: relPath(o.path, `${where}.path`, allowEscape),
      target: absTarget(o.target, `${where}.target`, '/'),
      optional: bool(o.optional, `${where}.optional`, false),
      ...(dereference !== undefined ? { dereference } : {}),
    };
  }
  if (o.symlink !== undefined) {
    obj(v, where, ['symlink', 'target'], ['target']);
    const t = str(o.symlink, `${where}.symlink`, { nonEmpty: false });
    if (t === '') throw usageError(`${where}.symlink: the link target must not be empty`);
    if (t.includes('\0')) throw usageError(`${where}.symlink: the link target must not contain a NUL byte`);
    const target = absTarget(o.target, `${where}.target`, '/');
    if (target.replace(/\/+$/, '') === '') throw usageError(`${where}.target: a symlink cannot be the root directory`);
    return { kind: 'symlink', linkTarget: t, target };
  }
  if (o.generate !== undefined) {
    obj(v, where, ['generate', 'target', 'options']);
    const generator = oneOf(o.generate, `${where}.generate`, GENERATORS);
    if (generator === 'closure' && o.target !== undefined) {
      throw usageError(`${where}.target: the closure always goes to its store directory (e.g. /nix/store) and /nix-path-registration; remove "target"`);
    }
    const dflt = generator === 'rpi-config.txt' ? '/config.txt' : generator === 'extlinux' ? '/boot' : '/';
    const options = o.options === undefined ? {} : obj(o.options, `${where}.options`, generatorOptions[generator]);
    if (generator === 'profile') {
      if (options.path === undefined) throw usageError(`${where}.options.path: a profile needs "path": a store path (e.g. "/nix/store/...-env") or a path relative to the toplevel (e.g. "sw")`);
      str(options.path, `${where}.options.path`);
    }
    if (generator === 'extlinux') extlinuxOptions(options, `${where}.options`);
    if (generator === 'rpi-direct') {
      rpiDirectOptions(options, `${where}.options`);
      if (o.target !== undefined && absTarget(o.target, `${where}.target`, '/').replace(/\/+$/, '') !== '') {
        throw usageError(`${where}.target: the Raspberry Pi firmware reads config.txt, cmdline.txt and the kernel from the root of the FAT partition; remove "target"`);
      }
    }
    return { kind: 'generate', generator, target: absTarget(o.target, `${where}.target`, dflt), options };
  }
  if (o.text !== undefined) {
    obj(v, where, ['text', 'target', 'mode'], ['target']);
    let mode = 0o644;
    if (o.mode !== undefined) {
      const m = str(o.mode, `${where}.mode`, { pattern: /^0?[0-7]{3,4}$/, what: 'an octal mode such as "0644"' });
      mode = parseInt(m, 8);
    }
    return { kind: 'text', text: str(o.text, `${where}.text`, { nonEmpty: false }), target: absTarget(o.target, `${where}.target`, '/'), mode };
  }
  throw usageError(`${where}: a content item needs one of "from" (copy files), "generate", "text" or "symlink"`);
}

const generatorOptions: Record<(typeof GENERATORS)[number], string[]> = {
  'rpi-config.txt': ['extraConfig'],
  extlinux: ['timeout', 'extraKernelParams', 'init'],
  closure: [],
  profile: ['path'],
  'rpi-direct': [...RPI_DIRECT_OPTION_KEYS],
};

/** Checks the extlinux generator's options (see src/content/extlinux.ts). */
function extlinuxOptions(o: Obj, where: string): void {
  if (o.timeout !== undefined && (typeof o.timeout !== 'number' || !Number.isInteger(o.timeout) || o.timeout < 0)) {
    throw usageError(`${where}.timeout: expected a whole number of deciseconds >= 0, got ${describe(o.timeout)}`);
  }
  if (o.extraKernelParams !== undefined) {
    arr(o.extraKernelParams, `${where}.extraKernelParams`).forEach((p, i) =>
      str(p, `${where}.extraKernelParams[${i}]`, { pattern: /^[^\0-\x1f\x7f]+$/, what: 'a kernel parameter without control characters or newlines' }),
    );
  }
  if (o.init !== undefined) {
    str(o.init, `${where}.init`, { pattern: /^\/[^\s]*$/, what: 'an absolute path without spaces, e.g. "/nix/store/...-nixos-system-.../init"' });
    if ((o.init as string).split('/').includes('..')) throw usageError(`${where}.init: "${o.init}" must not contain ".."`);
  }
}

/** Paths the closure generator owns: a file there would replace the store or the registration. */
const CLOSURE_PATHS = ['/nix', '/nix/store', '/nix-path-registration'];

/**
 * Targets that cannot work, found before anything is read: a text file at "/", over the
 * closure's /nix, /nix/store or /nix-path-registration, at ext4's reserved /lost+found,
 * or over a directory another text file needs.
 */
function checkTargets(items: ContentItem[], fs: FilesystemSpec, where: string): void {
  const hasClosure = items.some((c) => c.kind === 'generate' && c.generator === 'closure');
  const norm = (t: string) => `/${t.split('/').filter((c) => c !== '' && c !== '.').join('/')}`;
  const files = new Map<string, number>();
  items.forEach((c, j) => {
    if (c.kind !== 'text') return;
    const w = `${where}[${j}].target`;
    const t = norm(c.target);
    if (t === '/' || c.target.endsWith('/')) throw usageError(`${w}: "${c.target}" is a directory; a text item needs a file path such as "/etc/motd"`);
    if (hasClosure && (CLOSURE_PATHS.includes(t) || t.startsWith('/nix/store/'))) {
      throw usageError(`${w}: "${c.target}" is where the Nix closure goes (/nix/store, /nix-path-registration) in this filesystem; choose another path`);
    }
    if (fs.type === 'ext4' && t === '/lost+found') throw usageError(`${w}: "/lost+found" is reserved by ext4 (a directory mke2fs creates); choose another path`);
    files.set(t, j);
  });
  for (const [t, j] of files) {
    for (let d = t.slice(0, t.lastIndexOf('/')); d !== ''; d = d.slice(0, d.lastIndexOf('/'))) {
      const k = files.get(d);
      if (k !== undefined) throw usageError(`${where}[${k}].target: "${d}" is a file here, but ${where}[${j}] needs it to be a directory (for "${t}")`);
    }
  }
}

function partition(v: Json, where: string, tableType: TableSpec['type']): PartitionSpec {
  const o = obj(
    v,
    where,
    ['name', 'type', 'start', 'size', 'bootable', 'attributes', 'guid', 'filesystem', 'contents'],
    ['name', 'type', 'size', 'filesystem'],
  );
  const name = str(o.name, `${where}.name`);
  const type = typeof o.type === 'number' ? `0x${o.type.toString(16)}` : str(o.type, `${where}.type`);
  const attributes = o.attributes === undefined ? [] : arr(o.attributes, `${where}.attributes`).map((a, i) => {
    const w = `${where}.attributes[${i}]`;
    if (typeof a === 'number') {
      if (!Number.isInteger(a) || a < 48 || a > 63) throw usageError(`${w}: attribute bit numbers must be 48-63, got ${a}`);
      return a;
    }
    return oneOf(a, w, ['required', 'no-block-io', 'legacy-bios-bootable'] as const);
  });
  if (tableType === 'dos' && attributes.length > 0) throw usageError(`${where}.attributes: only GPT partitions have attributes`);
  if (tableType === 'dos' && o.guid !== undefined) throw usageError(`${where}.guid: only GPT partitions have GUIDs`);
  const fs = filesystem(o.filesystem, `${where}.filesystem`);
  const contents = o.contents === undefined ? [] : arr(o.contents, `${where}.contents`).map((c, i) => contentItem(c, `${where}.contents[${i}]`));
  checkTargets(contents, fs, `${where}.contents`);
  return {
    name,
    type,
    ...(o.start !== undefined ? { start: parseSize(o.start, `${where}.start`) } : {}),
    size: sizeSpec(o.size, `${where}.size`),
    bootable: bool(o.bootable, `${where}.bootable`, false),
    attributes,
    ...(o.guid !== undefined ? { guid: uuid(o.guid, `${where}.guid`)! } : {}),
    filesystem: fs,
    contents,
  };
}

function table(v: Json, where: string, name: string): TableSpec {
  const base = obj(v, where, ['type', 'labelId', 'diskGuid', 'seed', 'hybridMbr'], ['type']);
  const type = oneOf(base.type, `${where}.type`, ['dos', 'gpt'] as const);
  if (type === 'dos') {
    const o = obj(v, where, ['type', 'labelId']);
    return { type, labelId: o.labelId === undefined ? 0 : u32(o.labelId, `${where}.labelId`) };
  }
  const o = obj(v, where, ['type', 'diskGuid', 'seed', 'hybridMbr']);
  return {
    type,
    ...(o.diskGuid !== undefined ? { diskGuid: uuid(o.diskGuid, `${where}.diskGuid`)! } : {}),
    seed: o.seed === undefined ? name : str(o.seed, `${where}.seed`),
    ...(o.hybridMbr !== undefined
      ? { hybridMbr: arr(o.hybridMbr, `${where}.hybridMbr`).map((h, i) => str(h, `${where}.hybridMbr[${i}]`)) }
      : {}),
  };
}

/** output.tar: "rootfs", "nix-binary-tarball" or { "type": "rootfs", "partition": NAME }. */
function tarOutput(v: Json, where: string, partitions: PartitionSpec[]): TarOutputSpec {
  const TYPES = ['rootfs', 'nix-binary-tarball'] as const;
  const o = typeof v === 'string' ? { type: v } : obj(v, where, ['type', 'partition'], ['type']);
  const type = oneOf(o.type, typeof v === 'string' ? where : `${where}.type`, TYPES);
  if (type === 'nix-binary-tarball') {
    if (o.partition !== undefined) throw usageError(`${where}.partition: only a "rootfs" tarball takes a partition`);
    return { type };
  }
  const withFiles = (p: PartitionSpec) => p.filesystem.type === 'ext4' || p.filesystem.type === 'btrfs' || p.filesystem.type === 'vfat';
  if (o.partition !== undefined) {
    const name = str(o.partition, `${where}.partition`);
    const p = partitions.find((q) => q.name === name);
    if (!p) throw usageError(`${where}.partition: no partition is named "${name}"${hint(name, partitions.map((q) => q.name))}`);
    if (!withFiles(p)) throw usageError(`${where}.partition: "${name}" is a ${p.filesystem.type} partition without files: name an ext4, btrfs or vfat partition`);
    return { type, partition: name };
  }
  const withClosure = partitions.find((p) => p.contents.some((c) => c.kind === 'generate' && c.generator === 'closure'));
  const lastLinux = [...partitions].reverse().find((p) => p.filesystem.type === 'ext4' || p.filesystem.type === 'btrfs');
  const root = withClosure ?? lastLinux;
  if (!root || !withFiles(root)) {
    throw usageError(`${where}: "rootfs" found no root partition (one with { "generate": "closure" } or an ext4/btrfs one): name one with { "type": "rootfs", "partition": "..." }`);
  }
  return { type, partition: root.name };
}

function output(v: Json, where: string, name: string, partitions: PartitionSpec[]): OutputSpec {
  const o = v === undefined ? {} : obj(v, where, ['name', 'directory', 'compress', 'zstdLevel', 'bmap', 'tar']);
  let level = 3;
  if (o.zstdLevel !== undefined) {
    if (typeof o.zstdLevel !== 'number' || !Number.isInteger(o.zstdLevel) || o.zstdLevel < 1 || o.zstdLevel > 19) {
      throw usageError(`${where}.zstdLevel: expected a whole number from 1 to 19, got ${describe(o.zstdLevel)}`);
    }
    level = o.zstdLevel;
  }
  const fileName = o.name === undefined ? name : str(o.name, `${where}.name`, { pattern: /^[^/\0]+$/, what: 'a file name without "/"' });
  const unknown = unknownPlaceholders(fileName);
  if (unknown.length > 0) {
    throw usageError(
      `${where}.name: unknown placeholder "{${unknown[0]}}"${hint(unknown[0]!, TEMPLATE_KEYS)}; the placeholders are ${TEMPLATE_KEYS.map((k) => `{${k}}`).join(', ')}`,
    );
  }
  let directory: string | undefined;
  if (o.directory !== undefined) {
    directory = str(o.directory, `${where}.directory`);
    for (const c of directory.split('/')) {
      if (!/^[A-Za-z0-9_+-][A-Za-z0-9._+-]*$/.test(c)) {
        throw usageError(
          `${where}.directory: "${directory}" must be a relative directory such as "sd-image" made of letters, digits and . _ + - (no leading "/" or ".", no empty, "." or ".." components)`,
        );
      }
    }
    if (directory.split('/')[0] === 'nix-support') throw usageError(`${where}.directory: "nix-support" is where the Hydra products go; choose another directory`);
  }
  return {
    name: fileName,
    ...(directory !== undefined ? { directory } : {}),
    compress: o.compress === undefined ? 'zstd' : oneOf(o.compress, `${where}.compress`, ['zstd', 'none'] as const),
    zstdLevel: level,
    bmap: bool(o.bmap, `${where}.bmap`, true),
    ...(o.tar !== undefined ? { tar: tarOutput(o.tar, `${where}.tar`, partitions) } : {}),
  };
}

/** Validates a parsed JSON spec. `specDir` resolves `from: "spec"` contents. */
export function validateSpec(json: Json, specDir: string): ImageSpec {
  const o = obj(json, 'spec', ['$schema', 'description', 'name', 'system', 'table', 'alignment', 'size', 'partitions', 'output'], [
    'name',
    'table',
    'partitions',
  ]);
  const name = str(o.name, 'spec.name', { pattern: /^[A-Za-z0-9._+-]+$/, what: 'a name made of letters, digits and . _ + -' });
  const tbl = table(o.table, 'spec.table', name);
  const alignment = o.alignment === undefined ? MiB : parseSize(o.alignment, 'spec.alignment');
  if (alignment < 512 || alignment % 512 !== 0) {
    throw usageError(`spec.alignment: must be a positive multiple of 512 bytes, got ${alignment}`);
  }
  const parts = arr(o.partitions, 'spec.partitions');
  if (parts.length === 0) throw usageError('spec.partitions: at least one partition is needed');
  const maxParts = tbl.type === 'dos' ? 4 : 128;
  if (parts.length > maxParts) {
    throw usageError(
      tbl.type === 'dos'
        ? `spec.partitions: ${parts.length} partitions do not fit in a DOS (MBR) table, which holds at most 4 primary partitions; use "table": { "type": "gpt" }`
        : `spec.partitions: ${parts.length} partitions do not fit in a GPT, which holds at most 128`,
    );
  }
  const partitions = parts.map((p, i) => partition(p, `spec.partitions[${i}]`, tbl.type));
  const seen = new Map<string, number>();
  partitions.forEach((p, i) => {
    const prev = seen.get(p.name);
    if (prev !== undefined) {
      throw usageError(`spec.partitions[${i}].name: "${p.name}" is already the name of spec.partitions[${prev}]`);
    }
    seen.set(p.name, i);
  });
  const fillIdx = partitions.findIndex((p) => p.size === 'fill');
  if (fillIdx >= 0 && fillIdx !== partitions.length - 1) {
    throw usageError(`spec.partitions[${fillIdx}].size: only the last partition can be "fill"`);
  }
  const diskSize = o.size === undefined ? undefined : parseSize(o.size, 'spec.size');
  if (fillIdx >= 0 && diskSize === undefined) {
    throw usageError(`spec.partitions[${fillIdx}].size: "fill" needs a target disk size in spec.size (e.g. "32GiB")`);
  }
  return {
    name,
    system: o.system === undefined ? 'aarch64-linux' : str(o.system, 'spec.system', { pattern: /^[a-z0-9_]+-[a-z0-9_]+$/, what: 'a Nix system such as "aarch64-linux"' }),
    table: tbl,
    alignment,
    ...(diskSize !== undefined ? { diskSize } : {}),
    partitions,
    output: output(o.output, 'spec.output', name, partitions),
    specDir,
  };
}

/** Reads and validates a spec file. Problems are usage errors naming the file. */
export async function loadSpec(file: string): Promise<ImageSpec> {
  let text: string;
  try {
    text = await readRegularText(file); // never blocks on a FIFO or device
  } catch (err) {
    if (err instanceof NotRegularFileError) throw usageError(`spec ${file} is ${err.kind}: give the path of a JSON file`);
    const code = (err as NodeJS.ErrnoException).code;
    throw usageError(`cannot read spec ${file}: ${code === 'ENOENT' ? 'no such file' : String(err)}`);
  }
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw usageError(`spec ${file} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return validateSpec(json, path.dirname(path.resolve(file)));
  } catch (err) {
    if (err instanceof Error) err.message = `${file}: ${err.message}`;
    throw err;
  }
}
