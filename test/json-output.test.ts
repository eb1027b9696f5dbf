/**
 * Machine-readable output as a contract: the REAL --json output of build, inspect, ls, cat,
 * extract, diff, verify, flash and boot-test (through bin/imgsmith.js) validated with ajv
 * against the committed schemas under schema/; every document and event carries "version";
 * phase ids are the stable PHASES and a phase's total at its start is its done at its end;
 * times are ISO 8601. The image is built from a JSONC spec (comments, trailing commas).
 * The successful reads after the first inspect and ls run through main() in one batch process
 * (runBatched): the documents are main()'s either way.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { ValidateFunction } from 'ajv';
import { runCli, REPO, type CliResult } from './helpers/cli.ts';
import { batched as runBatch } from './helpers/batched.ts';
import { JSON_VERSION, OUTPUT_SCHEMAS } from '../src/json-output.ts';
import { outputSchemas } from '../src/output-schemas.ts';
import { PHASES } from '../src/progress.ts';

const Ajv = createRequire(import.meta.url)('ajv') as typeof import('ajv').default;
type Doc = Record<string, unknown>;

/** A spec with both comment styles and trailing commas, and all three filesystems that write in phases. */
const SPEC = `{
  // comments, as in the README
  "$schema": "${path.join(REPO, 'schema/imgsmith-spec.schema.json')}",
  "name": "contract",
  "table": { "type": "gpt", "seed": "contract", },
  "partitions": [
    { "name": "esp", "type": "esp", "size": "8M", "filesystem": { "type": "vfat", "label": "ESP" },
      "contents": [ { "text": "hello\\n", "target": "/hello.txt" } ] },
    /* the root */
    { "name": "root", "type": "linux", "size": "auto", "filesystem": { "type": "ext4", "label": "root" },
      "contents": [ { "text": "TEXT", "target": "/etc/motd" } ] },
    { "name": "data", "type": "linux", "size": "auto", "filesystem": { "type": "btrfs", "label": "data" },
      "contents": [ { "text": "d\\n", "target": "/d" } ], },
  ],
}
`;

let tmp: string;
let events: Doc[];
const imgs: string[] = [];
const validators = new Map<string, ValidateFunction>();

async function validator(cmd: keyof typeof OUTPUT_SCHEMAS): Promise<ValidateFunction> {
  if (!validators.has(cmd)) {
    const schema = JSON.parse(await fsp.readFile(path.join(REPO, OUTPUT_SCHEMAS[cmd]), 'utf8')) as object;
    validators.set(cmd, new Ajv({ allowUnionTypes: true, strict: true }).compile(schema));
  }
  return validators.get(cmd)!;
}

async function assertValid(cmd: keyof typeof OUTPUT_SCHEMAS, doc: unknown): Promise<void> {
  const v = await validator(cmd);
  assert.ok(v(doc), `${cmd}: ${JSON.stringify(v.errors)}\n${JSON.stringify(doc).slice(0, 2000)}`);
  assert.equal((doc as Doc).version, JSON_VERSION);
}

/** Results of the command lines before() ran through main() in one process, by their JSON. */
const batched = new Map<string, CliResult>();

/**
 * The successful reads whose documents are what main() prints: run in one batch process
 * (test/helpers/cli-batch.ts, TZ=UTC as for runCli). inspect, ls -l, the error documents and
 * the builds stay real-CLI runs (bin/imgsmith.js).
 */
async function runBatched(): Promise<void> {
  const zst = path.join(tmp, 'a/out/contract.img.zst');
  const target = path.join(tmp, 'target.img');
  await execa('truncate', ['-s', '400M', target]);
  const runs = [
    ['ls', imgs[0]!], ['ls', `${imgs[0]}:3`, '/', '-l', '-R'], ['cat', `${imgs[0]}:1`, '/hello.txt'], ['extract', `${imgs[0]}:2`, '/etc', path.join(tmp, 'x')],
    ['diff', imgs[0]!, imgs[0]!], ['diff', imgs[0]!, imgs[1]!], ['verify', zst], ['flash', zst, target, '--yes'],
  ].map((args) => [...args, '--json']);
  process.env.TZ = 'UTC';
  const results = await runBatch(tmp, runs);
  runs.forEach((args, i) => batched.set(JSON.stringify(args), results[i]!));
}

/** Runs `imgsmith ARGS --json` (or takes its batched run) and returns its one document, after checking it against the command's schema. */
async function jsonDoc(cmd: keyof typeof OUTPUT_SCHEMAS, args: string[], code = 0): Promise<Doc> {
  const argv = [cmd, ...args, '--json'];
  const r = batched.get(JSON.stringify(argv)) ?? (await runCli(argv, { env: { TZ: 'UTC' } }));
  assert.equal(r.exitCode, code, r.stderr);
  const doc = JSON.parse(r.stdout) as Doc;
  await assertValid(cmd, doc);
  return doc;
}

async function build(dir: string, text: string, epoch: string): Promise<Doc[]> {
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(path.join(dir, 'spec.jsonc'), SPEC.replace('TEXT', text));
  const r = await runCli(['build', path.join(dir, 'spec.jsonc'), '-o', path.join(dir, 'out'), '--keep-raw', '--json'], { env: { SOURCE_DATE_EPOCH: epoch } });
  assert.equal(r.exitCode, 0, r.stderr);
  imgs.push(path.join(dir, 'out/contract.img'));
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Doc);
}

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-json-'));
  events = await build(path.join(tmp, 'a'), 'x\\n', '1');
  await build(path.join(tmp, 'b'), 'changed\\n', '86400');
  await runBatched();
});
after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

test('the committed output schemas are what `npm run schema` writes', async () => {
  for (const [file, schema] of Object.entries(outputSchemas())) {
    assert.equal(await fsp.readFile(path.join(REPO, file), 'utf8'), JSON.stringify(schema, null, 2) + '\n', `${file} is stale: run npm run schema`);
  }
  assert.deepEqual(Object.keys(outputSchemas()).sort(), Object.values(OUTPUT_SCHEMAS).sort());
  // The supervisor (plain JS, bin/imgsmith.js) writes its error event with the same version.
  const bin = await fsp.readFile(path.join(REPO, 'bin/imgsmith.js'), 'utf8');
  assert.equal(/version: (\d+) \/\* JSON_VERSION/.exec(bin)?.[1], String(JSON_VERSION));
});

test('build --json (a spec with comments and trailing commas): every event valid, versioned, phases with stable ids whose totals add up', async () => {
  for (const e of events) await assertValid('build', e);
  assert.deepEqual(events.slice(-2).map((e) => e.event), ['result', 'done']);
  const starts = events.filter((e) => e.event === 'phase-start');
  assert.deepEqual([...new Set(starts.map((e) => e.phase))].sort(), ['btrfs', 'btrfs-copy', 'compress', 'contents', 'ext4', 'measure', 'vfat-copy', 'write-partition']);
  for (const e of starts) assert.ok((PHASES as readonly unknown[]).includes(e.phase));
  assert.deepEqual(starts.filter((e) => e.phase === 'write-partition').map((e) => [e.partition, e.label]).sort(), [['data', 'write:data'], ['esp', 'write:esp'], ['root', 'write:root']]);
  for (const s of starts) {
    const end = events.find((e) => e.event === 'phase-end' && e.seq === s.seq);
    assert.ok(end, `phase ${String(s.seq)} (${String(s.phase)}) ends`);
    assert.equal(end.phase, s.phase);
    if (s.total !== undefined) assert.equal(end.done, s.total, `${String(s.label)}: started with total ${String(s.total)}, ended with done ${String(end.done)}`);
  }
  assert.equal(new Set(starts.map((e) => e.seq)).size, starts.length, 'seq is unique per phase');
});

test('the schemas refuse what breaks the contract (no version, a free-text phase, an epoch time)', async () => {
  const start = events.find((e) => e.event === 'phase-start')!;
  const v = await validator('build');
  assert.equal(v({ ...start, version: undefined }), false);
  assert.equal(v({ ...start, phase: 'write:root' }), false);
  assert.equal(v({ ...start, event: 'something-new' }), false);
  const ls = await jsonDoc('ls', [`${imgs[0]}:2`, '/etc', '-l']);
  const entry = (ls.entries as Doc[])[0]!;
  assert.equal(entry.mtime, '1970-01-01T00:00:01Z');
  assert.equal((await validator('ls'))({ ...ls, entries: [{ ...entry, mtime: 1 }] }), false);
});

test('inspect, ls, cat, extract --json: valid documents; times ISO 8601', async () => {
  const ins = await jsonDoc('inspect', [imgs[0]!]);
  // (The case warning rpi4-usb-ssd's "boot"/"BOOT" ESP gave, before its label became "boot".)
  assert.deepEqual(ins.warnings, ['partition 1: GPT name "esp" and FAT12 label "ESP" differ only in case (/dev/disk/by-partlabel/esp vs /dev/disk/by-label/ESP)']);
  const ext4 = (ins.partitions as { fs: { type: string; extra: Record<string, string> } }[]).find((p) => p.fs.type === 'ext4')!;
  assert.match(ext4.fs.extra.mkfsTime!, /^1970-01-01T00:00:01Z$/);
  const ls = await jsonDoc('ls', [imgs[0]!]);
  assert.equal((ls.partitions as unknown[]).length, 3);
  await jsonDoc('ls', [`${imgs[0]}:3`, '/', '-l', '-R']);
  const cat = await jsonDoc('cat', [`${imgs[0]}:1`, '/hello.txt']);
  assert.equal(Buffer.from(String(cat.base64), 'base64').toString(), 'hello\n');
  const x = await jsonDoc('extract', [`${imgs[0]}:2`, '/etc', path.join(tmp, 'x')]);
  assert.equal(await fsp.readFile(path.join(tmp, 'x/motd'), 'utf8'), 'x\n');
  assert.equal(x.files, 1);
  await jsonDoc('inspect', [path.join(tmp, 'missing.img')], 2); // the error document
});

test('diff --json: valid; file mtimes and superblock times both ISO 8601', async () => {
  assert.equal((await jsonDoc('diff', [imgs[0]!, imgs[0]!])).identical, true);
  const d = await jsonDoc('diff', [imgs[0]!, imgs[1]!], 1); // 1: they differ, as diff(1)
  const parts = d.partitions as { changed: { path: string; fields: { field: string; a: unknown; b: unknown }[] }[]; filesystem: { field: string; a: unknown }[] }[];
  const fields = parts.flatMap((p) => p.changed.flatMap((c) => c.fields));
  assert.ok(fields.some((f) => f.field === 'mtime' && f.a === '1970-01-01T00:00:01Z' && f.b === '1970-01-02T00:00:00Z'), JSON.stringify(fields));
  assert.ok(parts.some((p) => p.filesystem.some((f) => f.field === 'mkfsTime' && f.a === '1970-01-01T00:00:01Z')), JSON.stringify(parts.map((p) => p.filesystem)));
});

test('verify, flash, boot-test --json: valid documents (boot-test: its error document; no QEMU here)', async () => {
  const v = await jsonDoc('verify', [path.join(tmp, 'a/out/contract.img.zst')]);
  assert.equal(v.ok, true);
  const target = path.join(tmp, 'target.img'); // made by runBatched (truncate -s 400M)
  const f = await jsonDoc('flash', [path.join(tmp, 'a/out/contract.img.zst'), target, '--yes']);
  assert.equal(f.verified, true);
  const bt = await jsonDoc('boot-test', [path.join(tmp, 'missing.img'), '--machine', 'x86_64-efi'], 1);
  assert.equal(bt.event, 'error');
});
