/**
 * The output registry (src/outputs/index.ts): an output is one file plus one registry line.
 * A throwaway output defined here (`<name>.img.sha1`, the SHA-1 of the raw image) is added
 * through the public registration path, with its own spec key, flag, settings, manifest
 * fragment and file, and a build uses it without any other file knowing it. The built-in
 * outputs' flags and spec keys reach --help, the published schema and action.yml; outputs/
 * has no import cycle.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fsp, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { outputs, registerOutput } from '../src/outputs/index.ts';
import { outputFlagList } from '../src/outputs/registry.ts';
import { keyOrder } from '../src/outputs/manifest.ts';
import { settingsOf, type Output } from '../src/outputs/types.ts';
import { buildImage, type BuildOptions } from '../src/build.ts';
import { usageError, UsageError } from '../src/errors.ts';
import { REPO, runCli } from './helpers/cli.ts';

type Sha1Types = {
  spec: { sha1: boolean };
  options: { sha1?: boolean };
  settings: { sha1: boolean };
  manifest: { sha1?: { file: string; sha1: string } };
  paths: { sha1Path?: string };
};

/** The throwaway output: `<base>.img.sha1` in `sha1sum` format, when output.sha1 or --sha1 says so. */
const sha1Output: Output<Sha1Types> = {
  name: 'sha1',
  spec: {
    properties: { sha1: { type: 'boolean' } },
    parse: (o, where) => {
      if (o.sha1 !== undefined && typeof o.sha1 !== 'boolean') throw usageError(`${where}.sha1: expected true or false`);
      return { sha1: o.sha1 === true };
    },
  },
  flags: { sha1: { name: 'sha1', type: 'boolean', describe: "Write the image's SHA-1 (default: the spec's output.sha1)." } },
  settings: (spec, options) => ({ sha1: options.sha1 ?? spec.sha1 }),
  manifestKeys: ['sha1'],
  enabled: (plan) => settingsOf(plan, sha1Output).sha1,
  async make({ image, tmp, rel, outDir }) {
    const sha1 = createHash('sha1').update(await fsp.readFile(image.path)).digest('hex');
    const file = rel(`${image.name}.sha1`);
    const tmpPath = path.join(tmp, `${image.name}.sha1`);
    await fsp.writeFile(tmpPath, `${sha1}  ${image.name}\n`);
    return { output: 'sha1', files: [[tmpPath, file]], manifest: { sha1: { file, sha1 } }, listed: [path.join(outDir, file)], paths: { sha1Path: path.join(outDir, file) } };
  },
};
// Registered before any spec is loaded (the schema is compiled once per process).
registerOutput(sha1Output);

let tmp: string;
before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-registry-'));
});
after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

const specJson = (output: Record<string, unknown>) => ({
  name: 'reg',
  table: { type: 'dos', labelId: '0x2178694e' },
  partitions: [{ name: 'boot', type: '0x0b', size: '8MiB', filesystem: { type: 'vfat', label: 'BOOT' }, contents: [{ text: 'hello\n', target: '/hello.txt' }] }],
  output: { compress: 'none', bmap: false, ...output },
});

async function build(name: string, output: Record<string, unknown>, options: Record<string, unknown> = {}) {
  const dir = path.join(tmp, name);
  await fsp.mkdir(dir);
  const specPath = path.join(dir, 'spec.json');
  await fsp.writeFile(specPath, JSON.stringify(specJson(output)));
  const out = path.join(dir, 'out');
  const r = await buildImage({ specPath, outDir: out, ...options } as BuildOptions);
  return { out, r, files: readdirSync(out).sort() };
}

test('a throwaway output registered from a test: its spec key, file, checksum-free manifest fragment and result path', async () => {
  const { out, r, files } = await build('on', { sha1: true });
  assert.deepEqual(files, ['manifest.json', 'nix-support', 'reg.img', 'reg.img.sha1', 'reg.img.sha256']);
  // sha1sum, run in the output directory, checks the file the output wrote.
  const check = await execa('sha1sum', ['-c', 'reg.img.sha1'], { cwd: out });
  assert.equal(check.stdout.trim(), 'reg.img: OK');
  const sha1 = (await execa('sha1sum', [path.join(out, 'reg.img')])).stdout.split(' ')[0];
  const manifest = JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.sha1, { file: 'reg.img.sha1', sha1 });
  // Its key takes the place its manifestKeys give it: after the outputs' keys, before "bootable" ... (ranked, not alphabetical).
  assert.ok(keyOrder().indexOf('sha1') > keyOrder().indexOf('mappedBlocksCount') && keyOrder().indexOf('sha1') < keyOrder().indexOf('bootable'));
  assert.deepEqual(Object.keys(manifest), ['imgsmith', 'spec', 'image', 'table', 'partitions', 'inputs', 'tools', 'sha1']);
  assert.ok(r.files.includes(path.join(out, 'reg.img.sha1')), 'imgsmith build lists the file');
  assert.equal((r as unknown as { sha1Path: string }).sha1Path, path.join(out, 'reg.img.sha1'));
});

test('its flag overrides its spec key (either way); without either it makes nothing', async () => {
  assert.ok(!(await build('flag-off', { sha1: true }, { sha1: false })).files.includes('reg.img.sha1'));
  assert.ok((await build('flag-on', {}, { sha1: true })).files.includes('reg.img.sha1'));
  const none = await build('default', {});
  assert.ok(!none.files.includes('reg.img.sha1'));
  assert.equal(JSON.parse(await fsp.readFile(path.join(none.out, 'manifest.json'), 'utf8')).sha1, undefined);
});

test('its spec key is checked by its parser and named among the allowed keys', async () => {
  await assert.rejects(build('bad-value', { sha1: 'yes' }), (err: Error) => err instanceof UsageError && /spec\.output\.sha1: expected true or false/.test(err.message));
  await assert.rejects(build('bad-key', { sha2: true }), (err: Error) => err instanceof UsageError && /spec\.output: unknown key "sha2".*\bsha1\b/.test(err.message));
});

test('every output flag is in `imgsmith build --help`, every output spec key in the published schema', async () => {
  const help = await runCli(['build', '--help']);
  assert.equal(help.exitCode, 0, help.stderr);
  const builtIn = outputs.filter((o) => o !== sha1Output);
  const flags = builtIn.flatMap((o) => Object.values(o.flags ?? {}));
  assert.deepEqual(flags.map((f) => f.name).sort(), ['bmap', 'compress', 'keep-raw', 'simg']);
  for (const f of flags) {
    assert.match(help.stdout, new RegExp(`--${f.name}\\b`), `--${f.name} in --help`);
    assert.ok(help.stdout.replace(/\s+/g, ' ').includes(f.describe.slice(0, 40)), `--${f.name}'s description in --help`);
  }
  const schema = JSON.parse(readFileSync(path.join(REPO, 'schema/imgsmith-spec.schema.json'), 'utf8'));
  const keys = Object.keys(schema.properties.output.properties);
  const own = builtIn.flatMap((o) => Object.keys(o.spec?.properties ?? {}));
  assert.deepEqual(own, ['compress', 'zstdLevel', 'bmap', 'simg', 'partitions', 'tar']);
  assert.deepEqual(keys, ['name', 'directory', ...own]);
});

test('action.yml declares the core inputs and exactly the output flags that are Action inputs, with their descriptions and defaults', () => {
  const yml = readFileSync(path.join(REPO, 'action.yml'), 'utf8');
  const block = /^inputs:\n((?: {2}.*\n)+)/m.exec(yml)![1]!;
  const inputs = new Map<string, { description?: string; default?: string }>();
  let current: { description?: string; default?: string } = {};
  for (const line of block.split('\n')) {
    const name = /^ {2}([a-z-]+):$/.exec(line);
    if (name) inputs.set(name[1]!, (current = {}));
    const kv = /^ {4}(description|default): (.*)$/.exec(line);
    if (kv) current[kv[1] as 'description' | 'default'] = kv[2]!.replace(/^'(.*)'$/, '$1');
  }
  const actionFlags = outputFlagList().filter(([, f]) => f.action);
  assert.deepEqual(actionFlags.map(([, f]) => f.name), ['compress', 'bmap']);
  for (const [, f] of actionFlags) {
    assert.deepEqual(inputs.get(f.name), { description: f.action!.description, ...(f.action!.default !== undefined ? { default: f.action!.default } : {}) }, `input ${f.name}`);
  }
  const core = ['spec', 'closure', 'toplevel', 'firmware', 'store-root', 'output-dir'];
  assert.deepEqual([...inputs.keys()].sort(), [...core, ...actionFlags.map(([, f]) => f.name)].sort());
});

test("manifest key order: the built-in outputs' keys give the order manifest.json always had", () => {
  assert.deepEqual(keyOrder().filter((k) => k !== 'sha1'), [
    // regions and offset: only in a manifest of a spec with bootloader regions (spec.regions).
    'imgsmith', 'spec', 'image', 'table', 'partitions', 'regions', 'inputs', 'tools',
    'index', 'name', 'version', 'type', 'offset', 'file', 'path', 'dir', 'start', 'size', 'sha256',
    'compressor', 'level', 'compressed', 'bmap', 'blockSize', 'blocksCount', 'mappedBlocksCount', 'simg', 'artifacts',
    'bootable', 'guid', 'partuuid', 'label', 'uuid', 'filesystem', 'stats',
  ]);
});

test('src/outputs/ has no import cycle (type-only imports included)', () => {
  const dir = path.join(REPO, 'src/outputs');
  const deps = new Map<string, string[]>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const text = readFileSync(path.join(dir, f), 'utf8');
    deps.set(f, [...text.matchAll(/(?:from|import\()\s*'\.\/([^'/]+\.ts)'/g)].map((m) => m[1]!));
  }
  const state = new Map<string, 'open' | 'done'>();
  const visit = (f: string, trail: string[]): void => {
    if (state.get(f) === 'done') return;
    assert.notEqual(state.get(f), 'open', `import cycle: ${[...trail, f].join(' -> ')}`);
    state.set(f, 'open');
    for (const d of deps.get(f) ?? []) visit(d, [...trail, f]);
    state.set(f, 'done');
  };
  for (const f of deps.keys()) visit(f, []);
  assert.ok(deps.size > 10 && deps.get('types.ts')!.length > 0);
});
