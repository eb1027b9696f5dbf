/**
 * Spec files people write: JSONC (comments, trailing commas) as the README shows them;
 * problems located as FILE:LINE:COLUMN: JSON.PATH: message, for syntax errors, validation
 * errors and problems found while building; sizes in binary units with the schema's pattern
 * and the parser agreeing; the shipped recipes' "$schema" and the Pi 4 ESP label.
 * (A JSONC spec built end to end, with every --json output checked: test/json-output.test.ts.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fsp } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { runCli, listFiles, REPO } from './helpers/cli.ts';
import { JsoncError, MAX_DEPTH, parseJsonc } from '../src/jsonc.ts';
import { parseSize, SIZE_PATTERN } from '../src/units.ts';
import { loadSpec } from '../src/spec.ts';
import { SCHEMA_FILE } from '../src/spec-schema.ts';
import { UsageError } from '../src/errors.ts';

const Ajv = createRequire(import.meta.url)('ajv') as typeof import('ajv').default;
let tmp: string;
before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-specfile-'));
});
after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

const jsoncError = (text: string): JsoncError => {
  try {
    parseJsonc(text, 'spec');
  } catch (e) {
    assert.ok(e instanceof JsoncError, String(e));
    return e;
  }
  assert.fail(`accepted: ${text}`);
};

test('JSONC: comments of both kinds, trailing commas, "//" inside strings kept; positions of every value', () => {
  const text = '{\n  // a comment\n  "a": "http://x/*y*/", /* b */ "b": [1, 2,],\n  "c": { "d": true, },\n}\n';
  const { value, positions } = parseJsonc(text, 'spec');
  assert.deepEqual(value, JSON.parse('{ "a": "http://x/*y*/", "b": [1, 2], "c": { "d": true } }'));
  assert.deepEqual(positions.get('spec.a'), { line: 3, column: 8 });
  assert.deepEqual(positions.get('spec.b[1]'), { line: 3, column: 42 });
  assert.deepEqual(positions.get('spec.c.d'), { line: 4, column: 15 });
  // Plain JSON parses as JSON.parse does.
  const plain = { x: [1.5e3, -2, null, 'é\u2028\\"'], y: {} };
  assert.deepEqual(parseJsonc(JSON.stringify(plain, null, 2), 'spec').value, plain);
});

test('JSONC: what it refuses, with line, column and path', () => {
  assert.equal(jsoncError('{ "a": 1,\n  "a": 2 }').message, '2:3: spec.a: the key "a" is given twice in this object');
  assert.equal(jsoncError('{ "a": 1 /* open').message, '1:10: spec: a /* comment is not closed with */');
  assert.equal(jsoncError('{ a: 1 }').message, '1:3: spec: expected a key in double quotes or "}", found "a"');
  assert.equal(jsoncError('{ "a": [1 2] }').message, '1:11: spec.a: expected "," or "]" after an array element, found "2"');
  assert.equal(jsoncError('{ "a": \'x\' }').message, '1:8: spec.a: expected a value (a string in double quotes, a number, an object, an array, true, false or null), found "\'x\'"');
  assert.equal(jsoncError('{} {}').message, '1:4: spec: unexpected "{" after the end of the document');
  assert.match(jsoncError('['.repeat(MAX_DEPTH + 1)).message, new RegExp(`nested deeper than ${MAX_DEPTH} levels`));
  assert.match(jsoncError('{ "a": "x\ty" }').message, /^1:8: spec\.a: a string has a control character/);
});

test('the README\'s spec examples parse as written (JSONC blocks)', async () => {
  const md = await fsp.readFile(path.join(REPO, 'README.md'), 'utf8');
  const blocks = [...md.matchAll(/```jsonc?\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(blocks.length >= 2, 'the README has its spec examples');
  for (const b of blocks) assert.doesNotThrow(() => parseJsonc(b, 'spec'), b.slice(0, 200));
  const spec = parseJsonc(blocks.find((b) => b.includes('"partitions"'))!, 'spec').value as { partitions: unknown[] };
  assert.equal(spec.partitions.length, 1);
});

const SPEC_LINES = [
  '{',
  '  // one FAT partition',
  '  "name": "located",',
  '  "table": { "type": "dos" },',
  '  "partitions": [',
  '    { "name": "fw", "type": "0x0b", "size": SIZE, "filesystem": { "type": "vfat" } },',
  '  ],',
  '}',
];

async function failing(text: string): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(tmp, 'case-'));
  await fsp.writeFile(path.join(dir, 'spec.jsonc'), text);
  const r = await runCli(['build', 'spec.jsonc', '-o', 'out'], { cwd: dir });
  assert.equal(r.exitCode, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.deepEqual(await listFiles(path.join(dir, 'out')), [], 'nothing left in -o');
  return lines[0]!;
}

test('CLI: a syntax error is FILE:LINE:COLUMN: JSON.PATH: message', async () => {
  const text = SPEC_LINES.join('\n').replace('SIZE', '"8MiB"').replace('"name": "located",', '"name": "located"');
  assert.equal(await failing(text), 'imgsmith: error: spec.jsonc:4:3: spec: expected "," or "}" after the value of "name", found "\\"table\\""');
});

test('CLI: a validation error is located at the offending value', async () => {
  const text = SPEC_LINES.join('\n').replace('SIZE', '"8MiB"').replace('"vfat" }', '"vfat", "lable": "X" }');
  assert.equal(await failing(text), 'imgsmith: error: spec.jsonc:6:94: spec.partitions[0].filesystem: unknown key "lable" (did you mean "label"?); expected one of: type, label, volumeId, fatType, uuid, features, extraSpace, pageSize, source, compression, data, hashAlgorithm, dataBlockSize, hashBlockSize, salt, blockSize');
  const size = SPEC_LINES.join('\n').replace('SIZE', '"64MB"');
  assert.equal(await failing(size), 'imgsmith: error: spec.jsonc:6:45: spec.partitions[0].size: "64MB": decimal units are ambiguous here: write "64MiB" (67108864 bytes) or 64000000 (imgsmith reads K, M, G, T as powers of 1024, like sfdisk and systemd)');
  const bare = SPEC_LINES.join('\n').replace('SIZE', '64');
  assert.equal(await failing(bare), 'imgsmith: error: spec.jsonc:6:45: spec.partitions[0].size: 64 (bytes) is not a multiple of 512 (the sector size)');
});

test('CLI: a problem found while building (layout, partition table) is located the same way', async () => {
  const start = SPEC_LINES.join('\n').replace('SIZE', '"8MiB"').replace('"size": "8MiB"', '"start": "1536K", "size": "8MiB"');
  assert.equal(await failing(start), 'imgsmith: error: spec.jsonc:6:46: spec.partitions[0].start: 1.50 MiB (1572864 bytes) is not aligned to 1 MiB (1048576 bytes)');
  const type = SPEC_LINES.join('\n').replace('SIZE', '"8MiB"').replace('"0x0b"', '"fat33"');
  assert.match(await failing(type), /^imgsmith: error: spec\.jsonc:6:5: spec\.partitions\[0\]: unknown DOS partition type "fat33"/);
});

test('CLI: a spec with comments builds; a warning about the spec is located too', async () => {
  const dir = await fsp.mkdtemp(path.join(tmp, 'ok-'));
  await fsp.writeFile(path.join(dir, 'spec.jsonc'), SPEC_LINES.join('\n').replace('SIZE', '"8MiB"').replace('"vfat" }', '"vfat", "label": "boot", }'));
  const r = await runCli(['build', 'spec.jsonc', '-o', 'out', '--no-compress'], { cwd: dir });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stderr, 'imgsmith: warning: spec.jsonc:6:94: spec.partitions[0].filesystem.label: lowercase labels might not work properly on some systems (kept as given)');
  assert.ok((await listFiles(path.join(dir, 'out'))).includes('located.img'));
});

test('sizes: binary units; the schema pattern and the parser accept and refuse the same strings', () => {
  const check = new Ajv({ strict: true }).compile({ type: 'string', pattern: SIZE_PATTERN });
  const accepted: [string, number][] = [
    ['0', 0], ['4096', 4096], ['512B', 512], ['1K', 1024], ['1KiB', 1024], ['30MiB', 30 * 2 ** 20], ['8M', 8 * 2 ** 20], ['8 MiB', 8 * 2 ** 20],
    ['1.5GiB', 1.5 * 2 ** 30], ['1g', 2 ** 30], ['2T', 2 * 2 ** 40], ['1TiB', 2 ** 40], ['1P', 2 ** 50], ['2048s', 2048 * 512], ['4S', 2048], ['1kib', 1024],
  ];
  for (const [s, bytes] of accepted) {
    assert.equal(parseSize(s, 'x'), bytes, s);
    assert.ok(check(s), `schema refuses ${s}`);
  }
  const refused = ['', ' 8MiB', '8MiB ', '8  MiB', '-8MiB', '8XiB', '8Mi', '8MB', '1GB', '1kb', '1.5TB', '0x10', '1e6', '.5M', '5.M', 'MiB', '8MiBs', '8 M B'];
  for (const s of refused) {
    assert.throws(() => parseSize(s, 'x'), UsageError, s);
    assert.equal(check(s), false, `schema accepts ${s}`);
  }
  assert.throws(() => parseSize('1GB', 'spec.size'), { message: 'spec.size: "1GB": decimal units are ambiguous here: write "1GiB" (1073741824 bytes) or 1000000000 (imgsmith reads K, M, G, T as powers of 1024, like sfdisk and systemd)' });
  assert.throws(() => parseSize('8Q', 'spec.size'), { message: 'spec.size: "8Q" is not a size (use e.g. 1048576 (bytes), "30MiB", "8M", "1GiB", "2048s")' });
  // Well-formed, but not whole bytes: the schema cannot do arithmetic, the parser says why.
  assert.throws(() => parseSize('0.3K', 'x'), { message: 'x: "0.3K" is not a whole number of bytes (307.2)' });
});

test('shipped recipes: "$schema" naming the schema file, sizes in binary units, the Pi 4 ESP labelled "boot"', async () => {
  const files = (await fsp.readdir(path.join(REPO, 'images'))).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 6);
  for (const f of files) {
    const file = path.join(REPO, 'images', f);
    const json = JSON.parse(await fsp.readFile(file, 'utf8')) as { $schema?: string; partitions: { size: unknown; slot?: unknown }[] };
    assert.equal(typeof json.$schema, 'string', `${f} has "$schema"`);
    assert.equal(path.resolve(path.dirname(file), json.$schema!), path.join(REPO, SCHEMA_FILE), f);
    assert.ok(existsSync(path.resolve(path.dirname(file), json.$schema!)));
    const spec = await loadSpec(file);
    // Every size is "auto", "fill" or N MiB/GiB, and parses to N powers of 1024, as before.
    for (const [i, p] of json.partitions.entries()) {
      if (p.slot && p.size === undefined) continue; // an A/B slot takes its origin's size
      const m = /^(\d+)(MiB|GiB)$/.exec(String(p.size));
      assert.ok(m || p.size === 'auto' || p.size === 'fill', `${f}: size ${String(p.size)}`);
      if (m) assert.equal(spec.partitions[i]!.size, Number(m[1]) * (m[2] === 'MiB' ? 2 ** 20 : 2 ** 30), `${f} partitions[${i}]`);
    }
  }
  const ssd = await loadSpec(path.join(REPO, 'images/rpi4-usb-ssd.json'));
  const esp = ssd.partitions.find((p) => p.filesystem.type === 'vfat')!;
  assert.equal((esp.filesystem as { label?: string }).label, 'boot');
  assert.equal(esp.size, 500 * 2 ** 20);
});
