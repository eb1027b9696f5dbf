/**
 * The published JSON Schema (schema/imgsmith-spec.schema.json): up to date with the drivers
 * and generators it is assembled from, accepted by ajv as a schema, accepting every recipe
 * in images/, and rejecting what the spec checks reject, with the friendly messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { PRECOMPILED_VALIDATOR, precompiledValidator, SCHEMA_FILE, schemaErrorMessage, SPEC_AJV_OPTIONS, specSchema, specSchemaHash, specSchemaText, specValidator } from '../src/spec-schema.ts';
import { validateSpec } from '../src/spec.ts';
import { drivers, FS_TYPES } from '../src/fs/index.ts';
import { UsageError } from '../src/errors.ts';
import { compiledIsFresh } from './helpers/cli-batch.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const Ajv = createRequire(import.meta.url)('ajv') as typeof import('ajv').default;

async function committed(): Promise<Record<string, unknown>> {
  return JSON.parse(await fsp.readFile(path.join(repo, SCHEMA_FILE), 'utf8')) as Record<string, unknown>;
}

test('the committed schema is what `npm run schema` writes from the drivers and generators', async () => {
  const text = await fsp.readFile(path.join(repo, SCHEMA_FILE), 'utf8');
  assert.equal(text, specSchemaText(), `${SCHEMA_FILE} is stale: run npm run schema and commit it`);
});

test('every filesystem driver has its part of the schema, with its own keys', async () => {
  const fs = ((await committed()).definitions as Record<string, { allOf: { if: unknown; then: { properties: Record<string, unknown> } }[] }>).filesystem!;
  assert.equal(fs.allOf.length, FS_TYPES.length);
  for (const [i, t] of FS_TYPES.entries()) {
    assert.deepEqual(Object.keys(fs.allOf[i]!.then.properties), ['type', ...Object.keys(drivers[t].spec.properties)]);
  }
});

const base = (fs: unknown, extra: Record<string, unknown> = {}) => ({
  name: 'x',
  table: { type: 'dos' },
  partitions: [{ name: 'root', type: 'linux', size: 'auto', filesystem: fs, ...extra }],
});

test('the committed schema (compiled by a fresh ajv) accepts every recipe and rejects broken ones', async () => {
  const check = new Ajv({ allowUnionTypes: true, strict: true }).compile(await committed());
  for (const f of (await fsp.readdir(path.join(repo, 'images'))).filter((n) => n.endsWith('.json'))) {
    const json = JSON.parse(await fsp.readFile(path.join(repo, 'images', f), 'utf8')) as unknown;
    assert.ok(check(json), `${f}: ${JSON.stringify(check.errors)}`);
  }
  assert.ok(check({ $schema: `../${SCHEMA_FILE}`, ...base({ type: 'ext4', label: 'root' }) }));
  const bad: unknown[] = [
    base({ type: 'ext4', volumeId: 1 }), // a vfat key on ext4
    base({ type: 'xfs' }),
    base({ type: 'btrfs' }, { contents: [{ generate: 'extlinux', options: { timeot: 5 } }] }),
    base({ type: 'ext4' }, { contents: [{ generate: 'closure', target: '/x' }] }),
    base({ type: 'raw', source: { from: 'usb', path: 'x' } }),
    { ...base({ type: 'vfat' }), output: { zstdLevel: 20 } },
  ];
  for (const b of bad) assert.equal(check(b), false, JSON.stringify(b));
});

test('specs the schema rejects get the friendly message (JSON path, "did you mean")', () => {
  const msg = (json: unknown) => {
    try {
      validateSpec(json, repo);
    } catch (e) {
      assert.ok(e instanceof UsageError, String(e));
      return e.message;
    }
    assert.fail('accepted');
  };
  assert.match(msg(base({ type: 'ext4', lable: 'x' })), /^spec\.partitions\[0\]\.filesystem: unknown key "lable" \(did you mean "label"\?\)/);
  assert.match(msg(base({ type: 'ext4', volumeId: 1 })), /^spec\.partitions\[0\]\.filesystem: unknown key "volumeId"; expected one of: type, label, uuid, features, extraSpace$/);
  assert.match(msg(base({ type: 'btrfs' }, { contents: [{ generate: 'extlinux', options: { timeot: 5 } }] })), /contents\[0\]\.options: unknown key "timeot" \(did you mean "timeout"\?\)/);
  // extlinux's fdt: a path inside the toplevel's dtbs.
  const fdt = (v: unknown) => msg(base({ type: 'ext4' }, { contents: [{ generate: 'extlinux', options: { fdt: v } }] }));
  assert.match(fdt('../x.dtb'), /contents\[0\]\.options\.fdt: "\.\.\/x\.dtb" must be a plain path inside dtbs/);
  assert.match(fdt('a//x.dtb'), /contents\[0\]\.options\.fdt: "a\/\/x\.dtb" must be a plain path inside dtbs/);
  assert.match(fdt('/x.dtb'), /contents\[0\]\.options\.fdt/);
  assert.match(fdt('x y.dtb'), /contents\[0\]\.options\.fdt/);
  assert.doesNotThrow(() => validateSpec(base({ type: 'ext4' }, { contents: [{ generate: 'extlinux', options: { fdt: 'allwinner/sun50i-a64-pine64.dtb' } }] }), repo));
});

test("ajv's own errors are worded with the JSON path too", () => {
  const check = specValidator();
  assert.equal(check(base({ type: 'ext4', lable: 'x' })), false);
  assert.equal(schemaErrorMessage(check.errors![0]!), 'spec.partitions[0].filesystem: unknown key "lable" (did you mean "label"?); expected one of: type, label, uuid, features, extraSpace');
  assert.equal(check({ ...base({ type: 'vfat' }), output: { zstdLevel: 20 } }), false);
  assert.match(schemaErrorMessage(check.errors![0]!), /^spec\.output\.zstdLevel: must be <= 19 \(schema\/imgsmith-spec\.schema\.json: #\/properties\/output\/properties\/zstdLevel\/maximum\)$/);
});

/** Specs the schema accepts and rejects, for comparing validators: every recipe and the broken variants above. */
async function corpus(): Promise<unknown[]> {
  const specs: unknown[] = [];
  for (const f of (await fsp.readdir(path.join(repo, 'images'))).filter((n) => n.endsWith('.json'))) specs.push(JSON.parse(await fsp.readFile(path.join(repo, 'images', f), 'utf8')));
  specs.push(
    base({ type: 'ext4', lable: 'x' }), base({ type: 'ext4', volumeId: 1 }), base({ type: 'xfs' }),
    base({ type: 'btrfs' }, { contents: [{ generate: 'extlinux', options: { timeot: 5 } }] }),
    base({ type: 'ext4' }, { contents: [{ generate: 'closure', target: '/x' }] }),
    base({ type: 'raw', source: { from: 'usb', path: 'x' } }),
    { ...base({ type: 'vfat' }), output: { zstdLevel: 20 } }, { ...base({ type: 'vfat' }), size: '64MB' },
    { name: 1, partitions: 'x' }, [], null, 'spec',
  );
  return specs;
}

test('the precompiled validator (npm run build: lib/spec-validator.cjs) is made from this schema and answers as ajv does', { skip: !compiledIsFresh() && 'lib/ is older than src/ (npm run build)' }, async () => {
  const file = path.join(repo, 'lib', PRECOMPILED_VALIDATOR);
  assert.equal(precompiledValidator(file, 'f'.repeat(64)), undefined, 'a validator made from another schema is not used');
  const pre = precompiledValidator(file, specSchemaHash());
  assert.ok(pre, `${file} was not made from this schema (npm run build)`);
  const fresh = new Ajv(SPEC_AJV_OPTIONS).compile(specSchema());
  for (const spec of await corpus()) {
    assert.equal(pre(spec), fresh(spec), JSON.stringify(spec));
    assert.deepEqual(pre.errors ?? null, fresh.errors ?? null, JSON.stringify(spec));
  }
});

test('lib/cli.js and lib/cli.bundle.js validate specs with the precompiled validator', { skip: !compiledIsFresh() && 'lib/ is older than src/ (npm run build)' }, async () => {
  for (const entry of ['lib/cli.js', 'lib/cli.bundle.js']) {
    const script = `const m = await import(${JSON.stringify(path.join(repo, entry))}); const code = await m.main(['build', 'no-such-spec.json', '-o', 'out']); console.log(code, m.specValidatorSource() ?? 'none');`;
    const spec = path.join(os.tmpdir(), `imgsmith-schema-${process.pid}.json`);
    await fsp.writeFile(spec, JSON.stringify(base({ type: 'ext4', lable: 'x' })));
    try {
      const r = await execa(process.execPath, ['--input-type=module', '-e', script.replace('no-such-spec.json', spec)], { cwd: os.tmpdir(), reject: false });
      assert.equal(r.stdout.trim(), '2 precompiled', `${entry}: ${r.stdout} ${r.stderr}`);
      assert.match(r.stderr, /unknown key "lable" \(did you mean "label"\?\)/, entry);
    } finally {
      await fsp.rm(spec, { force: true });
    }
  }
});
