/**
 * The JSON image spec: loading and validation. Every error names the JSON path
 * (e.g. `partitions[1].filesystem.label`) and what was expected, and is a usage
 * error (exit code 2). The result is the normalised ImageSpec of spec-types.ts.
 */
import path from 'node:path';
import { usageError } from './errors.ts';
import { parseSectorSize, parseSize, MiB } from './units.ts';
import { NotRegularFileError, readRegularText } from './input-file.ts';
import { parseOutputSpec } from './outputs/registry.ts';
import { drivers, driverFor, FS_TYPES, fsCan, typesThatCan, type FilesystemType } from './fs/index.ts';
import type { PartitionOf } from './fs/types.ts';
import { generators, GENERATORS, isGlob, type ContentGenerator } from './content/resolve.ts';
import { schemaErrorMessage, specValidator } from './spec-schema.ts';
import { JsoncError, parseJsonc, type Parsed } from './jsonc.ts';
import { locateError, setSpecSource, type SpecSource } from './spec-location.ts';
import { checkSlotKeys, checkSlots, parseSlot } from './slots.ts';
import { arr, bool, describe, hint, obj, oneOf, relPath, sizeSpec, sourceRoot, str, u32, uuid, type Json } from './spec-check.ts';
import { extendedDosType } from './ptable/parttypes.ts';
import { gptPlacement } from './ptable/validate.ts';
import type { ContentItem, ExtendedPartitionSpec, FilesystemSpec, ImageSpec, OutputSpec, PartitionSpec, RegionSpec, TableSpec, TarOutputSpec } from './spec-types.ts';


/** Every key some filesystem takes (for the first check, before the type is known). */
const ALL_FS_KEYS = ['type', ...new Set(FS_TYPES.flatMap((t) => Object.keys(drivers[t].spec.properties)))];

/** A partition's filesystem: the driver named by "type" checks its keys and values. */
function filesystem(v: Json, where: string, partition: PartitionOf): FilesystemSpec {
  const base = obj(v, where, ALL_FS_KEYS, ['type']);
  const type = oneOf(base.type, `${where}.type`, FS_TYPES);
  const { spec } = drivers[type];
  const o = obj(v, where, ['type', ...Object.keys(spec.properties)], spec.required);
  return spec.parse(o, where, partition);
}

function absTarget(v: Json, where: string, dflt: string): string {
  if (v === undefined) return dflt;
  const p = str(v, where);
  if (!p.startsWith('/') || p.split('/').includes('..')) {
    throw usageError(`${where}: "${p}" must be an absolute path in the filesystem, e.g. "/boot"`);
  }
  return p;
}

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
    const g: ContentGenerator = generators[generator];
    if (g.fixedTarget && o.target !== undefined) throw usageError(`${where}.target: ${g.fixedTarget}`);
    const options = o.options === undefined ? {} : obj(o.options, `${where}.options`, Object.keys(g.options));
    g.check?.(options, `${where}.options`);
    return { kind: 'generate', generator, target: absTarget(o.target, `${where}.target`, g.target.default), options };
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
    if (driverFor(fs).reservedDirs?.includes(t)) throw usageError(`${w}: "${t}" is reserved by ${fs.type} (a directory it creates itself); choose another path`);
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
  const keys = ['name', 'type', 'start', 'size', 'bootable', 'attributes', 'guid', 'filesystem', 'contents', 'slot'];
  const o = obj(v, where, keys, ['name', 'type']);
  if (o.slot !== undefined) checkSlotKeys(o, where);
  else obj(v, where, keys, ['size', 'filesystem']);
  const slot = o.slot === undefined ? undefined : parseSlot(o.slot, `${where}.slot`);
  const name = str(o.name, `${where}.name`);
  const type = typeof o.type === 'number' ? `0x${o.type.toString(16)}` : str(o.type, `${where}.type`);
  const attributes = o.attributes === undefined ? [] : arr(o.attributes, `${where}.attributes`).map((a, i) => {
    const w = `${where}.attributes[${i}]`;
    if (typeof a === 'number') {
      if (!Number.isInteger(a) || a < 48 || a > 63) throw usageError(`${w}: attribute bit numbers must be 48-63, got ${a}`);
      return a;
    }
    return oneOf(a, w, ['required', 'no-block-io', 'legacy-bios-bootable', 'grow-file-system'] as const);
  });
  if (tableType === 'dos' && attributes.length > 0) throw usageError(`${where}.attributes: only GPT partitions have attributes`);
  if (tableType === 'dos' && o.guid !== undefined) throw usageError(`${where}.guid: only GPT partitions have GUIDs`);
  const fs: FilesystemSpec = slot ? { type: 'raw', source: null } : filesystem(o.filesystem, `${where}.filesystem`, { type, table: tableType });
  const contents = o.contents === undefined ? [] : arr(o.contents, `${where}.contents`).map((c, i) => contentItem(c, `${where}.contents[${i}]`));
  checkTargets(contents, fs, `${where}.contents`);
  return {
    name,
    type,
    ...(o.start !== undefined ? { start: parseSectorSize(o.start, `${where}.start`) } : {}),
    size: slot && o.size === undefined ? 'auto' : sizeSpec(o.size, `${where}.size`),
    bootable: bool(o.bootable, `${where}.bootable`, false),
    attributes,
    ...(o.guid !== undefined ? { guid: uuid(o.guid, `${where}.guid`)! } : {}),
    filesystem: fs,
    contents,
    ...(slot ? { slot } : {}),
  };
}

/** The extended partition's entry (`"type": "extended"`, 0x05 or 0x0f), or undefined for any other partition. */
function extendedPartition(v: Json, where: string, tableType: TableSpec['type'], at: number): ExtendedPartitionSpec | undefined {
  const raw = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, Json>).type : undefined;
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const dosType = extendedDosType(raw);
  if (dosType === undefined || (tableType === 'gpt' && typeof raw === 'string' && raw.trim().toLowerCase() !== 'extended')) return undefined;
  if (typeof dosType === 'string') throw usageError(`${where}.type: ${dosType}`);
  if (tableType === 'gpt') throw usageError(`${where}.type: an extended partition exists only in a DOS table; a GPT holds up to 128 partitions without one`);
  const o = obj(v, where, ['name', 'type', 'start', 'size', 'filesystem', 'contents', 'bootable', 'attributes', 'guid'], ['name', 'type', 'size']);
  for (const k of ['filesystem', 'contents', 'bootable', 'attributes', 'guid'] as const) {
    if (o[k] !== undefined) throw usageError(`${where}.${k}: an extended partition holds the logical partitions that follow it, not a filesystem or contents: remove "${k}"`);
  }
  const size = sizeSpec(o.size, `${where}.size`);
  if (size === 'auto') throw usageError(`${where}.size: an extended partition needs an explicit size or "fill"`);
  return {
    name: str(o.name, `${where}.name`),
    dosType,
    ...(o.start !== undefined ? { start: parseSectorSize(o.start, `${where}.start`) } : {}),
    size,
    at,
  };
}

/** The DOS table's extended partition, taken out of the partition list (checked: one at most, among the first four). */
function splitExtended(parts: Json[], tbl: TableSpec): { rest: Json[]; extended?: ExtendedPartitionSpec } {
  let extended: ExtendedPartitionSpec | undefined;
  const rest: Json[] = [];
  parts.forEach((p, i) => {
    const e = extendedPartition(p, `spec.partitions[${i}]`, tbl.type, i);
    if (!e) return void rest.push(p);
    if (extended) throw usageError(`spec.partitions[${i}].type: a second extended partition (spec.partitions[${extended.at}] is one); a DOS table holds one`);
    if (i >= 4) throw usageError(`spec.partitions[${i}].type: the extended partition must be one of the first four (primary) partitions; the partitions after it are its logical partitions`);
    extended = e;
  });
  if (!extended && tbl.type === 'dos' && parts.length > 4) {
    throw usageError(
      `spec.partitions: ${parts.length} partitions do not fit in a DOS (MBR) table, which holds at most 4 primary partitions; ` +
      'add a partition with "type": "extended" (the partitions after it become logical partitions) or use "table": { "type": "gpt" }',
    );
  }
  return extended ? { rest, extended } : { rest };
}

function table(v: Json, where: string, name: string): TableSpec {
  const base = obj(v, where, ['type', 'labelId', 'diskGuid', 'seed', 'hybridMbr', 'entryArrayOffset', 'entries', 'firstUsable'], ['type']);
  const type = oneOf(base.type, `${where}.type`, ['dos', 'gpt'] as const);
  if (type === 'dos') {
    const o = obj(v, where, ['type', 'labelId']);
    return { type, labelId: o.labelId === undefined ? 0 : u32(o.labelId, `${where}.labelId`) };
  }
  const o = obj(v, where, ['type', 'diskGuid', 'seed', 'hybridMbr', 'entryArrayOffset', 'entries', 'firstUsable']);
  if (o.entries !== undefined && (typeof o.entries !== 'number' || !Number.isSafeInteger(o.entries))) {
    throw usageError(`${where}.entries: expected a whole number of partition entries (default 128), got ${describe(o.entries)}`);
  }
  const placement = {
    ...(o.entryArrayOffset !== undefined ? { entryArrayOffset: parseSectorSize(o.entryArrayOffset, `${where}.entryArrayOffset`) } : {}),
    ...(o.entries !== undefined ? { entries: o.entries as number } : {}),
    ...(o.firstUsable !== undefined ? { firstUsable: parseSectorSize(o.firstUsable, `${where}.firstUsable`) } : {}),
  };
  gptPlacement(placement); // its own checks, before the schema's wording
  return {
    type,
    ...placement,
    ...(o.diskGuid !== undefined ? { diskGuid: uuid(o.diskGuid, `${where}.diskGuid`)! } : {}),
    seed: o.seed === undefined ? name : str(o.seed, `${where}.seed`),
    ...(o.hybridMbr !== undefined
      ? { hybridMbr: arr(o.hybridMbr, `${where}.hybridMbr`).map((h, i) => str(h, `${where}.hybridMbr[${i}]`)) }
      : {}),
  };
}

/** The keys of one bootloader region (spec.regions[i]). */
export const REGION_KEYS = ['name', 'offset', 'file', 'from', 'maxSize'] as const;

/** spec.regions: blobs at fixed byte offsets outside the partitions (src/regions.ts places them). */
function regions(v: Json): RegionSpec[] {
  if (v === undefined) return [];
  const seen = new Map<string, number>();
  return arr(v, 'spec.regions').map((r, i) => {
    const where = `spec.regions[${i}]`;
    const o = obj(r, where, REGION_KEYS, ['name', 'offset', 'file']);
    const name = str(o.name, `${where}.name`, { pattern: /^[A-Za-z0-9._+-]+$/, what: 'a name made of letters, digits and . _ + -' });
    const prev = seen.get(name);
    if (prev !== undefined) throw usageError(`${where}.name: "${name}" is already the name of spec.regions[${prev}]`);
    seen.set(name, i);
    const file = relPath(o.file, `${where}.file`);
    if (isGlob(path.posix.basename(file))) throw usageError(`${where}.file: "${file}" is a glob; a region is one file, name it exactly`);
    return {
      name,
      offset: parseSize(o.offset, `${where}.offset`),
      from: o.from === undefined ? 'firmware' : sourceRoot(o.from, `${where}.from`),
      file,
      ...(o.maxSize !== undefined ? { maxSize: parseSize(o.maxSize, `${where}.maxSize`) } : {}),
    };
  });
}

/** Only the last partition can be "fill" (and the extended one: to the end of the disk); "fill"
 *  needs the target disk size, unless it fills an extended partition of a given size. */
function checkFill(partitions: PartitionSpec[], extended: ExtendedPartitionSpec | undefined, diskSize: number | undefined, at: (i: number) => number): void {
  const fillIdx = partitions.findIndex((p) => p.size === 'fill');
  if (fillIdx >= 0 && fillIdx !== partitions.length - 1) {
    throw usageError(`spec.partitions[${at(fillIdx)}].size: only the last partition can be "fill"`);
  }
  if (diskSize !== undefined) return;
  if (extended?.size === 'fill') {
    throw usageError(`spec.partitions[${extended.at}].size: "fill" needs a target disk size in spec.size (e.g. "32GiB")`);
  }
  if (fillIdx >= 0 && !(extended && fillIdx >= extended.at)) {
    throw usageError(`spec.partitions[${at(fillIdx)}].size: "fill" needs a target disk size in spec.size (e.g. "32GiB")`);
  }
}

/** The drivers' checks and defaults that need the whole disk (verity: its data partition, the derived salt);
 *  `at` maps an index of `partitions` to the spec's (a DOS extended partition is not in the list). */
function resolveFilesystems(table: TableSpec, partitions: PartitionSpec[], at: (i: number) => number): void {
  partitions.forEach((p, i) => {
    const d = driverFor(p.filesystem);
    if (d.resolve) p.filesystem = d.resolve(p.filesystem, { table, partitions, index: i, can: (t, w) => fsCan(t as FilesystemType, w), typesThatCan }, `spec.partitions[${at(i)}].filesystem`);
  });
}

/**
 * Validates a parsed JSON spec. `specDir` resolves `from: "spec"` contents. The published
 * JSON Schema (src/spec-schema.ts, checked with ajv) decides what is well-formed; the checks
 * below give the messages (JSON path, "did you mean") and check what a schema cannot.
 */

export function validateSpec(json: Json, specDir: string): ImageSpec {
  const schema = specValidator();
  if (!schema(json)) {
    checkSpec(json, specDir); // names the problem the friendly way (it throws for anything the schema rejects)
    throw usageError(schemaErrorMessage(schema.errors![0]!));
  }
  return checkSpec(json, specDir);
}

function checkSpec(json: Json, specDir: string): ImageSpec {
  const o = obj(json, 'spec', ['$schema', 'description', 'name', 'system', 'table', 'alignment', 'size', 'partitions', 'regions', 'output'], [
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
  if (tbl.type === 'gpt' && parts.length > 128) {
    throw usageError(`spec.partitions: ${parts.length} partitions do not fit in a GPT, which holds at most 128`);
  }
  const { rest, extended } = splitExtended(parts, tbl);
  if (extended && tbl.type === 'dos') tbl.extended = extended;
  const at = (i: number) => (extended && i >= extended.at ? i + 1 : i);
  if (extended && rest.length === extended.at) throw usageError(`spec.partitions[${extended.at}]: the extended partition holds no logical partition (list them after it)`);
  const partitions = rest.map((p, i) => partition(p, `spec.partitions[${at(i)}]`, tbl.type));
  const seen = new Map<string, number>(extended ? [[extended.name, extended.at]] : []);
  partitions.forEach((p, i) => {
    const prev = seen.get(p.name);
    if (prev !== undefined) {
      throw usageError(`spec.partitions[${at(i)}].name: "${p.name}" is already the name of spec.partitions[${prev}]`);
    }
    seen.set(p.name, at(i));
  });
  checkSlots(partitions, at);
  resolveFilesystems(tbl, partitions, at);
  const diskSize = o.size === undefined ? undefined : parseSectorSize(o.size, 'spec.size');
  checkFill(partitions, extended, diskSize, at);
  return {
    name,
    system: o.system === undefined ? 'aarch64-linux' : str(o.system, 'spec.system', { pattern: /^[a-z0-9_]+-[a-z0-9_]+$/, what: 'a Nix system such as "aarch64-linux"' }),
    table: tbl,
    alignment,
    ...(diskSize !== undefined ? { diskSize } : {}),
    partitions,
    regions: regions(o.regions),
    output: parseOutputSpec(o.output, 'spec.output', { name, partitions }),
    specDir,
  };
}

/**
 * Reads and validates a spec file (JSONC: JSON with comments and trailing commas). Problems are
 * usage errors located as FILE:LINE:COLUMN: JSON.PATH (src/spec-location.ts).
 */
export async function loadSpec(file: string): Promise<ImageSpec> {
  let text: string;
  try {
    text = await readRegularText(file); // never blocks on a FIFO or device
  } catch (err) {
    if (err instanceof NotRegularFileError) throw usageError(`spec ${file} is ${err.kind}: give the path of a JSON file`);
    const code = (err as NodeJS.ErrnoException).code;
    throw usageError(`cannot read spec ${file}: ${code === 'ENOENT' ? 'no such file' : String(err)}`);
  }
  let parsed: Parsed;
  try {
    parsed = parseJsonc(text, 'spec');
  } catch (err) {
    if (err instanceof JsoncError) throw usageError(`${file}:${err.message}`);
    throw err;
  }
  const source: SpecSource = { file, positions: parsed.positions };
  try {
    const spec = validateSpec(parsed.value, path.dirname(path.resolve(file)));
    setSpecSource(spec, source);
    return spec;
  } catch (err) {
    throw locateError(err, source, true);
  }
}
