/**
 * The JSON Schemas (draft-07) of imgsmith's machine-readable output: the --json events of
 * `build` and the --json documents of inspect, ls, cat, extract, diff, verify, flash and
 * boot-test (files under schema/, see OUTPUT_SCHEMAS in src/json-output.ts, written by
 * `npm run schema`). test/json-output.test.ts validates the real output of each command with
 * ajv. Every document and event has "version"; every command's --json failure is the
 * "error" event; times are ISO 8601 UTC strings.
 */
import { JSON_VERSION, OUTPUT_SCHEMAS } from './json-output.ts';
import { PHASES } from './progress.ts';
import type { JsonSchema } from './spec-check.ts';
import { drivers, FS_TYPES } from './fs/index.ts';

/** The filesystem types inspect can recognise: the drivers with a probe. */
const PROBED_TYPES = FS_TYPES.filter((t) => drivers[t].probe !== null);

const int = { type: 'integer', minimum: 0 };
const str = { type: 'string' };
const bool = { type: 'boolean' };
const strings = { type: 'array', items: str };
const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
/** An ISO 8601 UTC time, as every JSON output writes times. */
export const ISO_TIME = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?Z$' };
const version = { const: JSON_VERSION, description: 'the version of the output format (src/json-output.ts)' };

/** An object with exactly these keys (those in `required` always there). */
function obj(properties: Record<string, JsonSchema>, required: readonly string[] = Object.keys(properties), open = false): JsonSchema {
  return { type: 'object', properties, required: [...required], additionalProperties: open };
}

const error = obj(
  { version, event: { const: 'error' }, exitCode: int, message: str, signal: str },
  ['version', 'event', 'exitCode', 'message'],
);

const gptHeader = obj({
  myLba: int, alternateLba: int, firstUsableLba: int, lastUsableLba: int, entriesLba: int, entryCount: int, entrySize: int, headerCrcOk: bool, entriesCrcOk: bool,
});

const partition = obj(
  {
    index: int, start: int, size: int, startLba: int, sizeLba: int, typeCode: str, typeName: str, bootable: bool, extended: bool,
    name: str, guid: str, attributesHex: str, attributes: str,
  },
  ['index', 'start', 'size', 'startLba', 'sizeLba', 'typeCode', 'typeName', 'bootable'],
);

const table = obj(
  {
    type: { enum: ['dos', 'gpt'] }, diskId: str, sectorSize: { const: 512 }, diskSize: int, partitions: { type: 'array', items: partition },
    ebrs: { type: 'array', items: int },
    gpt: obj({ primary: gptHeader, backup: gptHeader, hybridMbr: bool }, ['primary', 'hybridMbr']), warnings: strings,
  },
  ['type', 'diskId', 'sectorSize', 'diskSize', 'partitions', 'warnings'],
);

const fsInfo = obj(
  {
    type: { enum: PROBED_TYPES }, variant: str, label: str, uuid: str, size: int,
    blockSize: int, used: int, free: int, inodes: int, inodesFree: int, features: strings,
    // Flat strings; the times among them (ext4's mkfsTime, writeTime, mountTime, lastCheck) are ISO 8601.
    extra: { type: 'object', patternProperties: { '(Time|Check)$': ISO_TIME }, additionalProperties: str },
  },
  ['type', 'variant', 'label', 'uuid', 'size', 'extra'],
);

const summary = obj({ partition, fsType: { enum: PROBED_TYPES }, fs: fsInfo }, ['partition']);

const entry = obj(
  {
    path: str, name: str, type: { enum: ['file', 'dir', 'symlink', 'other'] }, mode: { type: 'string', pattern: '^[0-7]{4}$' },
    uid: int, gid: int, size: int, mtime: ISO_TIME, target: str, ino: int,
  },
  ['path', 'name', 'type', 'mode', 'uid', 'gid', 'size', 'mtime'],
);

/** A field that differs: times (mtime, ...Time) as ISO 8601 on both sides. */
const fieldDiff = {
  ...obj({ field: str, a: {}, b: {} }),
  if: { properties: { field: { type: 'string', pattern: '(^mtime|Time|Check)$' } } },
  then: { properties: { a: ISO_TIME, b: ISO_TIME } },
};

/** Bootloader regions: the manifest's (hashed in the image), else the unpartitioned data found (src/inspect/regions.ts). */
const regions = obj(
  {
    source: { enum: ['manifest', 'scan'] }, manifest: str, note: str,
    regions: { type: 'array', items: obj({ name: str, offset: int, size: int, sha256, recorded: sha256, matches: bool }, ['name', 'offset', 'size']) },
  },
  ['source', 'regions'],
);

const regionDiff = obj({ name: str, offset: int, size: int, a: { anyOf: [sha256, { type: 'null' }] }, b: { anyOf: [sha256, { type: 'null' }] } });

const partitionDiff = obj(
  {
    index: int, fsType: str, label: str, filesystem: { type: 'array', items: fieldDiff }, added: strings, removed: strings,
    changed: { type: 'array', items: obj({ path: str, fields: { type: 'array', items: fieldDiff } }) }, note: str,
  },
  ['index', 'filesystem', 'added', 'removed', 'changed'],
);

/** A command's document, or the error event it prints instead. */
function document(title: string, properties: Record<string, JsonSchema>, required: readonly string[]): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title,
    oneOf: [obj({ version, ...properties }, ['version', ...required]), error],
  };
}

/** The build's events, one per line: each event's fields. */
function buildEvents(): JsonSchema {
  const phase = { enum: [...PHASES] };
  const seq = { type: 'integer', minimum: 1 };
  const common = { version, t: int };
  const events: Record<string, JsonSchema> = {
    'phase-start': obj({ ...common, event: {}, phase, seq, label: str, total: int, unit: { enum: ['bytes', 'items'] }, partition: str }, ['version', 'event', 'phase', 'seq', 'label', 't', 'unit']),
    progress: obj({ ...common, event: {}, phase, seq, done: int, total: int }, ['version', 'event', 'phase', 'seq', 't', 'done']),
    // Besides these, what the phase adds (entries, minSizes, type, inodesUsed ...).
    'phase-end': obj({ ...common, event: {}, phase, seq, durationMs: int, done: int, total: int }, ['version', 'event', 'phase', 'seq', 't', 'durationMs', 'done'], true),
    toolchain: obj({ ...common, event: {}, tools: { type: 'object', additionalProperties: obj({ version: str, path: str }) }, node: obj({ version: str, path: str }) }),
    warning: obj({ ...common, event: {}, message: str }),
    plan: obj({ ...common, event: {}, diskSize: int, partitions: { type: 'array', items: obj({ name: str, start: int, size: int }) } }),
    'zstd-frames': obj({ ...common, event: {}, frames: int, early: int, redone: int, zero: int }),
    result: obj({ version, event: {}, ok: { const: true }, files: strings, image: { type: 'object' } }),
    done: obj({ ...common, event: {}, ok: { const: true }, durationMs: int, files: strings }),
    error: error,
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'imgsmith build --json: one event per line',
    type: 'object',
    required: ['version', 'event'],
    properties: { version, event: { enum: Object.keys(events) } },
    allOf: Object.entries(events).map(([name, s]) => ({ if: { properties: { event: { const: name } } }, then: s })),
  };
}

/** Every output schema, by file (schema/...). */
export function outputSchemas(): Record<string, JsonSchema> {
  const image = obj({ source: str, size: int, kind: { enum: ['file', 'block-device', 'zstd'] }, decompressor: str }, ['source', 'size', 'kind']);
  const s = OUTPUT_SCHEMAS;
  return {
    [s.build]: buildEvents(),
    [s.inspect]: document('imgsmith inspect --json', { image, table, partitions: { type: 'array', items: summary }, regions, warnings: strings }, ['image', 'table', 'partitions', 'warnings']),
    [s.ls]: document('imgsmith ls --json', { image: str, partition: int, path: str, partitions: { type: 'array', items: summary }, entries: { type: 'array', items: entry } }, ['image']),
    [s.cat]: document('imgsmith cat --json', { image: str, partition: int, path: str, size: int, sha256, base64: str }, ['image', 'partition', 'path', 'size', 'sha256', 'base64']),
    [s.extract]: document('imgsmith extract --json', { image: str, partition: int, path: str, dest: str, files: int, dirs: int, symlinks: int, skipped: strings, bytes: int }, ['image', 'partition', 'path', 'dest', 'files', 'dirs', 'symlinks', 'skipped', 'bytes']),
    [s.diff]: document('imgsmith diff --json', { a: str, b: str, identical: bool, size: fieldDiff, table: { type: 'array', items: fieldDiff }, partitions: { type: 'array', items: partitionDiff }, regions: { type: 'array', items: regionDiff } }, ['a', 'b', 'identical', 'table', 'partitions']),
    [s.verify]: document(
      'imgsmith verify --json',
      { image: str, ok: bool, passed: int, failed: int, skipped: int, checks: { type: 'array', items: obj({ check: str, where: str, status: { enum: ['ok', 'FAIL', 'SKIPPED'] }, ok: bool, detail: str }) } },
      ['image', 'ok', 'passed', 'failed', 'skipped', 'checks'],
    ),
    [s.flash]: document(
      'imgsmith flash --json',
      { target: str, imageSize: int, written: int, ranges: int, map: { enum: ['bmap', 'extents'] }, verified: bool, seconds: { type: 'number', minimum: 0 }, format: { enum: ['raw', 'gzip', 'xz', 'bzip2', 'zstd', 'lz4', 'simg'] } },
      ['target', 'imageSize', 'written', 'ranges', 'map', 'verified', 'seconds'],
    ),
    [s['boot-test']]: document(
      'imgsmith boot-test --json',
      { event: { const: 'result' }, ok: bool, marker: str, machine: str, seconds: { type: 'number', minimum: 0 }, serialTail: strings, reason: str, command: strings },
      ['event', 'ok', 'marker', 'machine', 'seconds', 'serialTail', 'reason', 'command'],
    ),
  };
}
