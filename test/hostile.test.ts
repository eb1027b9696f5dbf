/**
 * Hostile input: every case runs `imgsmith build` and checks that it fails cleanly: exit 1
 * or 2, exactly one `imgsmith: error:` line on stderr, no stack trace, and nothing left in
 * the output directory (no .imgsmith-tmp-*, no partial outputs). The cases about the process
 * (a FIFO spec, another user, another PATH, two builds at once, a full filesystem) and one
 * case of each exit code run the real CLI (bin/imgsmith.js); the others run through the CLI's
 * main() in one process serving them one at a time (helpers/cli-batch.ts startBatchServer).
 * Specs are tiny (FAT-only, swap-only, or a small ext4 with a 5-path closure).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { makeClosure, type ClosureFixture } from './helpers/closure-fixture.ts';
import { CLI, REPO, linkCommands, listFiles, type CliResult } from './helpers/cli.ts';
import { nodeForNobody } from './helpers/node-toolchains.ts';
import { killGroupAfter, startBatchServer, type BatchServer } from './helpers/cli-batch.ts';
import { sha256Tool } from './helpers/hash-tool.ts';

let tmp: string;
let fx: ClosureFixture;
let n = 0;
let fifoCase: Promise<{ r: CliResult; out: string }> | undefined;
let server: BatchServer;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-hostile-'));
  await fsp.chmod(tmp, 0o755);
  await fsp.mkdir(path.join(tmp, 'tmpdir'));
  server = startBatchServer({ tmpdir: path.join(tmp, 'tmpdir'), rssFile: path.join(tmp, 'server-rss'), hangMs: 60_000 });
  fx = await makeClosure(path.join(tmp, 'cl'), { paths: 1, filesPerPath: 1 });
  // The FIFO case (up to 10 s when it hangs) runs while the other cases do.
  fifoCase = (async () => {
    const c = await writeCase(specOf());
    const fifo = path.join(c.dir, 'fifo.json');
    await execa('mkfifo', [fifo]);
    return { r: await run(['build', fifo, '-o', c.out], { timeout: 10_000 }), out: c.out };
  })();
});

after(async () => {
  await server.close();
  await fsp.rm(tmp, { recursive: true, force: true });
});

type Json = Record<string, unknown>;

const fatPart = (over: Json = {}): Json => ({
  name: 'boot',
  type: '0x0b',
  size: '8MiB',
  filesystem: { type: 'vfat', label: 'BOOT' },
  contents: [{ text: 'hello\n', target: '/hello.txt' }],
  ...over,
});
const swapPart = (over: Json = {}): Json => ({ name: 'swap', type: 'swap', size: '1MiB', filesystem: { type: 'swap' }, ...over });
const ext4Part = (contents: Json[], over: Json = {}): Json => ({
  name: 'root',
  type: 'linux',
  size: 'auto',
  filesystem: { type: 'ext4', label: 'root' },
  contents,
  ...over,
});
const specOf = (over: Json = {}): Json => ({
  name: 'hostile',
  table: { type: 'dos', labelId: '0x2178694e' },
  partitions: [fatPart()],
  output: { compress: 'none', bmap: false },
  ...over,
});

/** Writes a spec (object or raw text) into a fresh case directory; returns its path and an output dir. */
async function writeCase(spec: Json | string): Promise<{ dir: string; spec: string; out: string }> {
  const dir = path.join(tmp, `case-${++n}`);
  await fsp.mkdir(dir, { recursive: true });
  const file = path.join(dir, 'spec.json');
  await fsp.writeFile(file, typeof spec === 'string' ? spec : JSON.stringify(spec, null, 2));
  return { dir, spec: file, out: path.join(dir, 'out') };
}

interface RunOpts {
  env?: Record<string, string>;
  asNobody?: boolean;
  timeout?: number;
  /** The real CLI even without env/asNobody/timeout (the process is what the case is about). */
  real?: boolean;
}

/** `imgsmith ARGS`: through the serving process, or the real CLI when the case needs its own process. */
async function run(args: string[], opts: RunOpts = {}): Promise<CliResult> {
  if (opts.real || opts.env || opts.asNobody || opts.timeout !== undefined) return runReal(args, opts);
  const r = await server.run(args);
  assert.ok(r, `${args.join(' ')} did not finish (it hung: killed after 60 s, or the serving process died)`);
  return r;
}

async function runReal(args: string[], opts: RunOpts): Promise<CliResult> {
  const cmd = opts.asNobody ? 'setpriv' : process.execPath;
  const pre = opts.asNobody ? ['--reuid=nobody', '--regid=nogroup', '--clear-groups', nodeForNobody(tmp)] : [];
  // Its own process group, so a timeout kills the CLI's child node process too.
  const sub = execa(cmd, [...pre, CLI, ...args], { cwd: REPO, env: { ...opts.env }, reject: false, detached: true });
  const { r } = await killGroupAfter(sub, opts.timeout ?? 60_000);
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** The clean-failure contract. `re` must match the error message; `code` the exit code when given. */
async function assertCleanFailure(r: CliResult, out: string, re: RegExp, code?: 1 | 2): Promise<void> {
  const ctx = `exit ${r.exitCode}\nstderr:\n${r.stderr}`;
  assert.ok(r.exitCode === 1 || r.exitCode === 2, `exit 1 or 2, got ${ctx}`);
  if (code !== undefined) assert.equal(r.exitCode, code, ctx);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  const errors = lines.filter((l) => l.startsWith('imgsmith: error: '));
  assert.equal(errors.length, 1, `exactly one error line: ${ctx}`);
  assert.equal(lines.filter((l) => !l.startsWith('warning:') && !l.startsWith('imgsmith: warning')).length, 1, `nothing else on stderr: ${ctx}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `no stack frames: ${ctx}`);
  assert.match(errors[0]!, re, ctx);
  assert.deepEqual(await listFiles(out), [], `nothing left in ${out}`);
}

/** Runs `build` on a spec and expects a clean failure. */
async function expectFailure(spec: Json | string, re: RegExp, opts: { args?: string[]; code?: 1 | 2; real?: boolean } = {}): Promise<void> {
  const c = await writeCase(spec);
  const r = await run(['build', c.spec, '-o', c.out, ...(opts.args ?? [])], { real: opts.real ?? false });
  await assertCleanFailure(r, c.out, re, opts.code);
}

const closureArgs = () => ['--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel];
const closureSpec = (contents: Json[] = [{ generate: 'closure' }, { generate: 'extlinux' }]): Json =>
  specOf({ partitions: [ext4Part(contents)] });

/** A closureInfo directory with a modified copy of the fixture's files. */
async function closureVariant(edit: { storePaths?: (s: string) => string; registration?: (s: string) => string }): Promise<string> {
  const dir = path.join(tmp, `ci-${++n}`);
  await fsp.mkdir(dir);
  const sp = await fsp.readFile(path.join(fx.closureInfoDir, 'store-paths'), 'utf8');
  const reg = await fsp.readFile(path.join(fx.closureInfoDir, 'registration'), 'utf8');
  await fsp.writeFile(path.join(dir, 'store-paths'), edit.storePaths ? edit.storePaths(sp) : sp);
  await fsp.writeFile(path.join(dir, 'registration'), edit.registration ? edit.registration(reg) : reg);
  return dir;
}

/** The commands the environment cases remove from PATH (one or a few at a time). */
const REMOVABLE = ['mke2fs', 'mkfs.ext4', 'mkfs.ext2', 'mkfs.ext3', 'zstd', 'mkfs.btrfs'];

/** A fresh directory with symlinks to the commands of the current PATH that `keep` accepts. */
const pathLinks = (keep: (name: string) => boolean) => linkCommands(path.join(tmp, `path-${++n}`), (process.env.PATH ?? '').split(':'), keep);

/** Every command but the removable ones, linked once for all the cases (~1600 symlinks). */
let allButRemovable: Promise<string> | undefined;

/** A PATH with every command of the current PATH except `without` (a subset of REMOVABLE): a small
 *  directory of the removable commands kept, then the shared one of all the others. */
async function pathWithout(without: string[]): Promise<string> {
  assert.ok(without.every((t) => REMOVABLE.includes(t)), `${without.join(', ')} are among REMOVABLE`);
  allButRemovable ??= pathLinks((name) => !REMOVABLE.includes(name));
  const kept = await pathLinks((name) => REMOVABLE.includes(name) && !without.includes(name));
  return `${kept}:${await allButRemovable}`;
}

// ---------------------------------------------------------------------------
// The spec file itself.

// The real CLI for one usage error (exit 2) and one build error (exit 1): the worker's exit code and line through the wrapper.
test('spec: not JSON', () => expectFailure('{ "name": "x", ', /spec\.json:1:16: spec: expected a key in double quotes or "}", found the end of the file$/, { code: 2, real: true }));
test('spec: truncated in the middle of a string', () => expectFailure('{ "name": "hos', /spec\.json:1:11: spec\.name: a string is not closed/, { code: 2 }));
test('spec: a typo in a key gets a hint', () =>
  expectFailure(specOf({ partitions: [fatPart({ filesystem: { type: 'vfat', lable: 'BOOT' } })] }), /unknown key "lable" \(did you mean "label"\?\)/, { code: 2 }));
test('spec: wrong types', () => expectFailure(specOf({ partitions: [fatPart({ bootable: 'yes' })] }), /partitions\[0\]\.bootable: expected true or false/, { code: 2 }));
test('spec: partitions is not an array', () => expectFailure(specOf({ partitions: { boot: {} } }), /spec\.partitions: expected an array/, { code: 2 }));
test('spec: an unknown placeholder in output.name', () =>
  expectFailure(specOf({ output: { name: 'x-{lable}' } }), /output\.name: unknown placeholder "\{lable\}" \(did you mean "label"\?\)/, { code: 2 }));
test('spec: output.directory escaping the output directory', () =>
  expectFailure(specOf({ output: { directory: '../elsewhere' } }), /output\.directory: "\.\.\/elsewhere" must be a relative directory/, { code: 2 }));
test('spec: the spec path is a directory', async () => {
  const c = await writeCase(specOf());
  const r = await run(['build', c.dir, '-o', c.out]);
  await assertCleanFailure(r, c.out, /spec .* is a directory: give the path of a JSON file/, 2);
});
test('spec: the spec file does not exist', async () => {
  const c = await writeCase(specOf());
  const r = await run(['build', path.join(c.dir, 'missing.json'), '-o', c.out]);
  await assertCleanFailure(r, c.out, /cannot read spec .*no such file/, 2);
});
test('spec: a FIFO as the spec does not hang', async () => {
  const { r, out } = await fifoCase!;
  await assertCleanFailure(r, out, /spec/);
});

// ---------------------------------------------------------------------------
// Sizes and placement.

test('size: negative', () => expectFailure(specOf({ partitions: [fatPart({ size: '-8MiB' })] }), /size: a size cannot be negative/, { code: 2 }));
test('size: zero', () => expectFailure(specOf({ partitions: [fatPart({ size: 0 })] }), /size: a partition size must be greater than 0/, { code: 2 }));
test('size: fractional bytes', () => expectFailure(specOf({ partitions: [fatPart({ size: 8388608.5 })] }), /size: expected a whole number of bytes/, { code: 2 }));
test('size: 1EiB', () => expectFailure(specOf({ partitions: [fatPart({ size: '1EiB' })] }), /size: "1EiB" is too large/, { code: 2 }));
test('size: not a multiple of 512 bytes', () => expectFailure(specOf({ partitions: [fatPart({ size: 8 * 1048576 + 100 })] }), /size: 8388708 \(bytes\) is not a multiple of 512/, { code: 2 }));
test('size: --size 20TiB with a DOS table', () => expectFailure(specOf(), /more than a DOS \(MBR\) table can address/, { args: ['--size', '20TiB'], code: 2 }));
test('size: --size 20TiB with a GPT', () =>
  expectFailure(specOf({ table: { type: 'gpt' } }), /is 20 TiB .*more than imgsmith builds \(at most 16 TiB/, { args: ['--size', '20TiB'], code: 2 }));
test('size: FAT32 forced on 32 MiB says why', () =>
  expectFailure(
    specOf({ partitions: [fatPart({ size: '32MiB', filesystem: { type: 'vfat', fatType: 32 } })] }),
    /partition is 32 MiB .* but FAT32 needs at least 65525 clusters, i\.e\. at least 33 MiB/,
    { code: 2 },
  ));
test('placement: an unaligned start', () => expectFailure(specOf({ partitions: [fatPart({ start: '1000KiB' })] }), /spec\.partitions\[0\]\.start: .* is not aligned to 1 MiB/, { code: 2 }));
test('placement: overlapping partitions', () =>
  expectFailure(specOf({ partitions: [fatPart({ start: '1MiB' }), swapPart({ start: '4MiB' })] }), /overlap/, { code: 2 }));
test('placement: a partition outside the target disk', () =>
  expectFailure(specOf({ size: '4MiB', partitions: [fatPart({ start: '8MiB' })] }), /the partitions need a disk of .* but the target size is 4 MiB/));
test('placement: 5 partitions in a DOS table', () =>
  expectFailure(specOf({ partitions: [1, 2, 3, 4, 5].map((i) => swapPart({ name: `s${i}` })) }), /5 partitions do not fit in a DOS \(MBR\) table/, { code: 2 }));
test('placement: 129 partitions in a GPT', () =>
  expectFailure(
    specOf({ table: { type: 'gpt' }, partitions: Array.from({ length: 129 }, (_, i) => swapPart({ name: `s${i}` })) }),
    /129 partitions do not fit in a GPT, which holds at most 128/,
    { code: 2 },
  ));

// ---------------------------------------------------------------------------
// Labels, UUIDs, ids, names.

test('label: FAT label longer than 11 bytes', () =>
  expectFailure(specOf({ partitions: [fatPart({ filesystem: { type: 'vfat', label: 'FIRMWARE-TOO-LONG' } })] }), /FAT label "FIRMWARE-TOO-LONG" is 17 bytes long; FAT labels hold at most 11 bytes/, { code: 2 }));
test('label: FAT label with a character FAT forbids', () =>
  expectFailure(specOf({ partitions: [fatPart({ filesystem: { type: 'vfat', label: 'BO*OT' } })] }), /FAT label "BO\*OT" contains "\*"/, { code: 2 }));
test('label: ext4 label of 17 bytes', () =>
  expectFailure(specOf({ partitions: [ext4Part([], { filesystem: { type: 'ext4', label: 'NIXOS_SD_ROOT_FS1' } })] }), /ext4 label .* 17 bytes long; ext4 labels hold at most 16 bytes/, { code: 2 }));
test('label: swap label of 16 bytes', () =>
  expectFailure(specOf({ partitions: [swapPart({ filesystem: { type: 'swap', label: 'swap-label-16byt' } })] }), /swap label .* 16 bytes long; swap labels hold at most 15 bytes/, { code: 2 }));
test('uuid: a malformed swap UUID', () =>
  expectFailure(specOf({ partitions: [swapPart({ filesystem: { type: 'swap', uuid: 'not-a-uuid' } })] }), /filesystem\.uuid: "not-a-uuid" is not a UUID/, { code: 2 }));
test('uuid: a malformed GPT disk GUID', () =>
  expectFailure(specOf({ table: { type: 'gpt', diskGuid: '1234' } }), /table\.diskGuid: "1234" is not a UUID/, { code: 2 }));
test('volume id: not 32-bit hex', () =>
  expectFailure(specOf({ partitions: [fatPart({ filesystem: { type: 'vfat', volumeId: '0xZZ' } })] }), /volumeId: expected a 32-bit id/, { code: 2 }));
test('name: a GPT partition name longer than 36 UTF-16 units', () =>
  expectFailure(specOf({ table: { type: 'gpt' }, partitions: [fatPart({ name: 'n'.repeat(37) })] }), /37 UTF-16 code units long \(at most 36\)/, { code: 2 }));
test('name: --label that makes a hidden output file', () =>
  expectFailure(specOf({ output: { name: '{label}', compress: 'none', bmap: false } }), /starts with "\." .*change "output\.name" or --label/, { args: ['--label', '.hidden'], code: 2 }));
test('name: --label too long for a file name', () =>
  expectFailure(specOf({ output: { name: 'img-{label}', compress: 'none', bmap: false } }), /--label is too long: .* the limit is 255/, { args: ['--label', 'x'.repeat(300)], code: 2 }));

// ---------------------------------------------------------------------------
// Contents.

test('contents: a text item at /', () =>
  expectFailure(specOf({ partitions: [fatPart({ contents: [{ text: 'x', target: '/' }] })] }), /contents\[0\]\.target: "\/" is a directory; a text item needs a file path/, { code: 2 }));
test('contents: a text item over the closure\'s /nix', () =>
  expectFailure(closureSpec([{ generate: 'closure' }, { text: 'x', target: '/nix' }]), /partitions\[0\]\.contents\[1\]\.target: "\/nix" is where the Nix closure goes/, { args: closureArgs(), code: 2 }));
test('contents: a text item at /lost+found on ext4', () =>
  expectFailure(specOf({ partitions: [ext4Part([{ text: 'x', target: '/lost+found' }])] }), /contents\[0\]\.target: "\/lost\+found" is reserved by ext4/, { code: 2 }));
test('contents: a text file where another item needs a directory', () =>
  expectFailure(
    specOf({ partitions: [fatPart({ contents: [{ text: 'x', target: '/a' }, { text: 'y', target: '/a/b' }] })] }),
    /contents\[0\]\.target: "\/a" is a file here, but .*contents\[1\] needs it to be a directory/,
    { code: 2 },
  ));
test('contents: a copied file that cannot be read (chmod 000)', async () => {
  const asRoot = process.getuid?.() === 0;
  const c = await writeCase(specOf({ partitions: [fatPart({ contents: [{ from: 'spec', path: 'secret.bin', target: '/secret.bin' }] })] }));
  const secret = path.join(c.dir, 'secret.bin');
  await fsp.writeFile(secret, 'secret');
  await fsp.chmod(secret, 0o000);
  if (asRoot) {
    // root reads anything: run as nobody, with an output directory nobody may write.
    await fsp.chmod(c.dir, 0o777);
    await fsp.mkdir(c.out);
    await fsp.chown(c.out, 65534, 65534);
  }
  const r = await run(['build', c.spec, '-o', c.out], { asNobody: asRoot });
  await assertCleanFailure(r, c.out, /secret\.bin.*(EACCES|permission denied)/i, 1);
});
test('contents: a symlink loop', async () => {
  const c = await writeCase(specOf({ partitions: [fatPart({ contents: [{ from: 'spec', path: 'loop', target: '/loop' }] })] }));
  await fsp.symlink('loop', path.join(c.dir, 'loop'));
  const r = await run(['build', c.spec, '-o', c.out]);
  await assertCleanFailure(r, c.out, /loop/, 1);
});
test('contents: from: firmware without --firmware', () => expectFailure(specOf({ partitions: [fatPart({ contents: [{ from: 'firmware', path: 'x' }] })] }), /give --firmware DIR/, { code: 2 }));

// ---------------------------------------------------------------------------
// The closure and the toplevel.

test('closure: a corrupt registration', async () => {
  const ci = await closureVariant({ registration: () => 'this is not a registration\n\x00\x01' });
  const c = await writeCase(closureSpec());
  const r = await run(['build', c.spec, '-o', c.out, '--closure', ci, '--toplevel', fx.toplevel], { real: true });
  await assertCleanFailure(r, c.out, /registration/, 1);
});
test('closure: a truncated registration', async () => {
  const ci = await closureVariant({ registration: (s) => s.slice(0, Math.floor(s.length / 2)) });
  const c = await writeCase(closureSpec());
  const r = await run(['build', c.spec, '-o', c.out, '--closure', ci, '--toplevel', fx.toplevel]);
  await assertCleanFailure(r, c.out, /registration/, 1);
});
test('closure: a store path that is missing', async () => {
  const ci = await closureVariant({ storePaths: (s) => `${s}${path.join(fx.storeDir, '00000000000000000000000000000000-missing')}\n` });
  const c = await writeCase(closureSpec());
  const r = await run(['build', c.spec, '-o', c.out, '--closure', ci, '--toplevel', fx.toplevel]);
  await assertCleanFailure(r, c.out, /missing/, 1);
});
test('closure: a relative store path', async () => {
  const ci = await closureVariant({ storePaths: (s) => `${s}relative/abc-foo\n` });
  const c = await writeCase(closureSpec());
  const r = await run(['build', c.spec, '-o', c.out, '--closure', ci, '--toplevel', fx.toplevel]);
  await assertCleanFailure(r, c.out, /relative\/abc-foo/, 1);
});
test('closure: a --toplevel that is not in the closure', async () => {
  // Another system (same shape, other store paths), reached through a ./result-style symlink.
  const other = await makeClosure(path.join(tmp, 'other'), { paths: 0, filesPerPath: 1, seed: 'other' });
  const result = path.join(tmp, 'result');
  await fsp.symlink(other.toplevel, result);
  const c = await writeCase(closureSpec());
  const r = await run(['build', c.spec, '-o', c.out, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', result]);
  await assertCleanFailure(r, c.out, /the NixOS system .*result \(.*-nixos-system-.*\) is not in the closure/, 1);
});
test('closure: an options.init missing from the filesystem', () =>
  expectFailure(closureSpec([{ generate: 'closure' }, { generate: 'extlinux', options: { init: '/nix/store/nope/init' } }]), /options\.init: \/nix\/store\/nope\/init does not exist in this filesystem/, {
    args: closureArgs(),
    code: 1,
  }));
test('closure: --closure missing', () => expectFailure(closureSpec(), /give --closure DIR/, { args: ['--toplevel', fx.toplevel], code: 2 }));

// ---------------------------------------------------------------------------
// The environment.

test('environment: the output directory is a file', async () => {
  const c = await writeCase(specOf());
  await fsp.writeFile(c.out, 'not a directory');
  const r = await run(['build', c.spec, '-o', c.out]);
  assert.ok(r.exitCode === 1 || r.exitCode === 2, r.stderr);
  assert.match(r.stderr, /^imgsmith: error: cannot write to output directory .*: (EEXIST|ENOTDIR)/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.equal(await fsp.readFile(c.out, 'utf8'), 'not a directory', 'the file is untouched');
});
for (const [tool, spec] of [
  ['mke2fs', () => specOf({ partitions: [ext4Part([{ text: 'x', target: '/x' }])] })],
  ['zstd', () => specOf({ output: { compress: 'zstd', bmap: false } })],
  ['mkfs.btrfs', () => specOf({ partitions: [ext4Part([{ text: 'x', target: '/x' }], { filesystem: { type: 'btrfs', label: 'root' } })] })],
] as const) {
  test(`environment: ${tool} is not installed`, async () => {
    const c = await writeCase(spec());
    const p = await pathWithout([tool, 'mkfs.ext4', 'mkfs.ext2', 'mkfs.ext3'].filter((t) => tool === 'mke2fs' || t === tool));
    const r = await run(['build', c.spec, '-o', c.out], { env: { PATH: p } });
    await assertCleanFailure(r, c.out, new RegExp(tool.replace('.', '\\.')), 1);
  });
}
test('environment: two builds into the same output directory at once', async () => {
  const c = await writeCase(specOf({ output: { compress: 'zstd', bmap: true } }));
  const [a, b] = await Promise.all([run(['build', c.spec, '-o', c.out], { real: true }), run(['build', c.spec, '-o', c.out], { real: true })]);
  for (const r of [a, b]) {
    if (r.exitCode !== 0) {
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^imgsmith: error: /);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
    }
  }
  assert.ok(a.exitCode === 0 || b.exitCode === 0, `at least one succeeds:\n${a.stderr}\n${b.stderr}`);
  const files = await listFiles(c.out);
  assert.deepEqual(files, [
    'hostile.bmap',
    'hostile.img.zst',
    'hostile.img.zst.sha256',
    'manifest.json',
    'nix-support/hydra-build-products',
    'nix-support/system',
  ]);
  await execa('sha256sum', ['-c', 'hostile.img.zst.sha256'], { cwd: c.out });
  const manifest = JSON.parse(await fsp.readFile(path.join(c.out, 'manifest.json'), 'utf8')) as { image: { size: number; sha256?: string; compressed: { sha256: string } } };
  assert.equal(await sha256Tool(path.join(c.out, 'hostile.img.zst')), manifest.image.compressed.sha256, 'the manifest describes the published image');
  assert.equal(manifest.image.sha256, undefined, 'no raw image hash when only the .img.zst is published');
  const raw = await execa('sh', ['-c', 'zstd -dc hostile.img.zst | wc -c'], { cwd: c.out });
  assert.equal(Number(raw.stdout.trim()), manifest.image.size);
  assert.equal((await fsp.readFile(path.join(c.out, 'nix-support/hydra-build-products'), 'utf8')).split('\n').filter(Boolean).length, 1);
});

test('environment: -o fills up while mke2fs writes (ENOSPC through the shim\'s combined writes)', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('not root: cannot mount a small tmpfs');
  const c = await writeCase(specOf({ partitions: [ext4Part([{ from: 'spec', path: 'big.bin', target: '/big.bin' }])] }));
  // 24 MiB of incompressible data into a 12 MiB filesystem: mke2fs runs out of space mid-way.
  await fsp.writeFile(path.join(c.dir, 'big.bin'), (await import('node:crypto')).randomBytes(24 * 1024 * 1024));
  const mnt = path.join(c.dir, 'small');
  await fsp.mkdir(mnt);
  const m = await execa('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', mnt], { reject: false });
  if (m.exitCode !== 0) return t.skip(`mount -t tmpfs failed: ${(m.stderr || m.stdout).trim()}`);
  try {
    const out = path.join(mnt, 'out');
    const r = await run(['build', c.spec, '-o', out], { real: true });
    await assertCleanFailure(r, out, /no space left on device while writing in .*small.*free some space or use another -o/i, 1);
    assert.deepEqual(await fsp.readdir(mnt), ['out'], 'no temporary files left on the full filesystem');
  } finally {
    await execa('umount', [mnt], { reject: false });
  }
});
