/**
 * The command line's conventions, through the real CLI (bin/imgsmith.js): --version/-V,
 * -h on every command (with examples and described positionals, exit codes in the top
 * level's), "did you mean" for mistyped commands and options, --partition (with a real shell
 * glob) and its conflict with IMAGE:PARTITION, the partition listing's header, plurals, the
 * build's closing line and final JSON event (checked against the files on disk), flash's
 * decompression progress on a terminal, and boot-test opening a .img.zst (up to the point
 * where QEMU would start: the image has no boot marker).
 * Each behaviour that depends on the process runs the real binary; the other command lines run
 * through main() in one batch process (see batchRuns).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { runCli, listFiles, CLI, REPO, type CliResult } from './helpers/cli.ts';
import { batched as runBatched } from './helpers/batched.ts';
import { closest, editDistance } from '../src/cli/usage.ts';
import { doneLine, plural } from '../src/progress-reporters.ts';
import { flashQuestion } from '../src/flash/command.ts';
import { skipHelpCache } from '../src/cli.ts';
import yargs from 'yargs';

const COMMANDS = ['build', 'boot-test', 'inspect', 'ls', 'cat', 'extract', 'diff', 'verify', 'flash'];

let tmp: string;
let out: string;
let zst: string;
let events: { event: string; files?: string[]; durationMs?: number }[];
/** Results of the command lines run through main() in one process (see `batchRuns`), by name. */
const batched = new Map<string, CliResult>();

/**
 * The command lines whose checks are about what the CLI makes of its arguments (help texts,
 * messages, exit codes, listings): run in one process through main() (test/helpers/cli-batch.ts)
 * once the image is built. Each behaviour of the process itself keeps a real-CLI run in its test
 * (--version from another directory, -h, a mistyped command and option, the shell glob, the
 * terminal, boot-test's temporary files).
 */
function batchRuns(): Record<string, string[]> {
  return {
    '-V': ['-V'],
    '--help': ['--help'],
    ...Object.fromEntries(COMMANDS.map((c) => [`${c} -h`, [c, '-h']])),
    'build --help': ['build', '--help'],
    'no command': [],
    '--jsno': ['ls', zst, '--jsno'],
    '--partiton': ['cat', zst, '/x', '--partiton', '1'],
    '--verison': ['--verison'],
    'extra': ['ls', zst, '/', 'extra'],
    'extract missing': ['extract', zst],
    'ls colon': ['ls', '-l', `${zst}:2`, '/etc'],
    'cat -p BOOT': ['cat', zst, '-p', 'BOOT', '/boot.txt'],
    'extract --partition root': ['extract', zst, '/etc/motd', path.join(tmp, 'motd-copy'), '--partition', 'root'],
    'literal glob': ['ls', `${out}/*.img.zst:2`, '/etc'],
    'same partition twice': ['ls', `${zst}:2`, '-p', '2', '/'],
    'two partitions': ['ls', `${zst}:1`, '--partition', '2', '/'],
    '-p empty': ['cat', zst, '-p', '', '/x'],
    'no partition': ['cat', zst, '/boot.txt'],
    'ls header': ['ls', zst],
    'extract plurals': ['extract', `${zst}:root`, '/etc', path.join(tmp, 'etc-copy')],
  };
}

/** The batched result named `name`, its final newlines stripped as runCli (execa) strips them. */
function ran(name: string): CliResult {
  const r = batched.get(name);
  assert.ok(r, `no batched run named ${name}`);
  const strip = (t: string) => t.replace(/\r?\n$/, '');
  return { exitCode: r.exitCode, stdout: strip(r.stdout), stderr: strip(r.stderr) };
}

/** A small image without a closure: a FAT and an ext4 partition, and a rootfs tarball. */
const SPEC = {
  name: 'clitest',
  system: 'aarch64-linux',
  table: { type: 'dos', labelId: '0x7a7a7a7a' },
  partitions: [
    { name: 'boot', type: '0x0b', size: '8MiB', filesystem: { type: 'vfat', label: 'BOOT' }, contents: [{ text: 'boot\n', target: '/boot.txt' }] },
    { name: 'root', type: 'linux', size: 'auto', filesystem: { type: 'ext4', label: 'root' }, contents: [{ text: 'hello\n', target: '/etc/motd' }] },
  ],
  output: { name: '{name}', tar: 'rootfs' },
};

/** Runs `args` under a pseudo-terminal (script(1)): stdout and stderr are a TTY, both in the output. */
async function onTerminal(args: string[], cwd: string) {
  const cmd = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
  const r = await execa('script', ['-qefc', cmd, '/dev/null'], { cwd, reject: false, env: { COLUMNS: '200' } });
  return { exitCode: r.exitCode, text: String(r.stdout).replace(/\r/g, '\n') };
}

/** The error line of a failed run: exactly one, the imgsmith error format. */
function oneErrorLine(r: { exitCode: number; stderr: string }, exitCode: number): string {
  assert.equal(r.exitCode, exitCode, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one error line, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^imgsmith: error: /);
  return lines[0]!;
}

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-cliconv-'));
  await fsp.writeFile(path.join(tmp, 'spec.json'), JSON.stringify(SPEC));
  out = path.join(tmp, 'out');
  const r = await runCli(['build', path.join(tmp, 'spec.json'), '-o', out, '--json'], { env: { SOURCE_DATE_EPOCH: '1' } });
  assert.equal(r.exitCode, 0, r.stderr);
  events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  zst = path.join(out, 'clitest.img.zst');
  const runs = Object.entries(batchRuns());
  const results = await runBatched(tmp, runs.map(([, args]) => args));
  runs.forEach(([name], i) => batched.set(name, results[i]!));
});

after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

test('--version and -V print package.json\'s version from any directory, exit 0', async () => {
  const { version } = JSON.parse(await fsp.readFile(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = flag === '--version' ? await runCli([flag], { cwd: tmp }) : ran(flag);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout.trim(), version, flag);
    assert.equal(r.stderr, '');
  }
});

test('-h and --help: the commands, examples and the exit codes, exit 0', async () => {
  for (const flag of ['-h', '--help']) {
    const r = flag === '-h' ? await runCli([flag]) : ran(flag);
    assert.equal(r.exitCode, 0, r.stderr);
    for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`imgsmith ${c} `), c);
    assert.match(r.stdout, /Examples:\n\s+imgsmith build /);
    assert.match(r.stdout, /Exit codes:/);
    for (const code of ['0', '1', '2', '130', '143', '141']) assert.match(r.stdout, new RegExp(`(^|\\s|, )${code}\\b`, 'm'), `exit code ${code}`);
  }
});

test('every command\'s -h exits 0, shows an example and describes every positional', async () => {
  for (const c of COMMANDS) {
    const r = ran(`${c} -h`);
    assert.equal(r.exitCode, 0, `${c} -h: ${r.stderr}`);
    assert.equal(r.stderr, '', c);
    assert.match(r.stdout, new RegExp(`Examples:\\n\\s+imgsmith ${c} \\S`), `${c}: an example`);
    const positionals = /Positionals:\n([\s\S]*?)\n\n/.exec(r.stdout)?.[1] ?? '';
    const names = [...positionals.matchAll(/^ {2}(\w+) +(.*)$/gm)];
    assert.ok(names.length > 0, `${c}: positionals listed`);
    // A described positional has words before its type tag ("[string] [required]").
    for (const [, name, rest] of names) assert.match(rest!, /^[A-Z][^[]{10,}/, `${c}: ${name} is described`);
  }
  const build = ran('build --help');
  assert.doesNotMatch(build.stdout + build.stderr, /non-option arguments/);
});

test('the yargs in use has the per-command help cache that skipHelpCache turns off (src/cli.ts)', () => {
  const y = yargs([]);
  const usage = () => (y as unknown as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void } } }).getInternalMethods().getUsageInstance();
  const before = usage().cacheHelpMessage;
  assert.equal(skipHelpCache(y), true, 'yargs no longer has usage.cacheHelpMessage: review skipHelpCache');
  assert.notEqual(usage().cacheHelpMessage, before);
  assert.equal(skipHelpCache({} as never), false, 'anything else is left alone');
});

test('a mistyped command gets "did you mean", one line, exit 2', async () => {
  const line = oneErrorLine(await runCli(['bulid', 'spec.json']), 2);
  assert.match(line, /unknown command "bulid": did you mean build\?/);
  const noCommand = oneErrorLine(ran('no command'), 2);
  assert.match(noCommand, /name a command: build, boot-test, .*; see imgsmith --help$/);
});

test('a mistyped option gets "did you mean --OPTION?", one line, exit 2, nothing written', async () => {
  const o = path.join(tmp, 'not-built');
  const line = oneErrorLine(await runCli(['build', path.join(tmp, 'spec.json'), '-o', o, '--clousre', 'x']), 2);
  assert.equal(line, 'imgsmith: error: unknown option --clousre (did you mean --closure?); see imgsmith build --help');
  assert.deepEqual(await listFiles(o), []);
  assert.match(oneErrorLine(ran('--jsno'), 2), /unknown option --jsno \(did you mean --json\?\)/);
  assert.match(oneErrorLine(ran('--partiton'), 2), /did you mean --partition\?/);
  assert.match(oneErrorLine(ran('--verison'), 2), /unknown option --verison \(did you mean --version\?\); see imgsmith --help$/);
  assert.match(oneErrorLine(ran('extra'), 2), /unexpected argument "extra" \(.*a glob must match one image\)/);
  assert.match(oneErrorLine(ran('extract missing'), 2), /extract: missing PATH and DEST \(usage: imgsmith extract <target> <path> <dest>\)/);
});

test('closest and editDistance: neighbours swapped count once, far words get no suggestion', () => {
  assert.equal(editDistance('clousre', 'closure'), 1);
  assert.equal(editDistance('bulid', 'build'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(closest('clousre', ['closure', 'compress', 'out']), 'closure');
  assert.equal(closest('zzz', ['closure', 'compress', 'out']), undefined);
});

test('--partition (-p): by number or label, after a real shell glob; the same as IMAGE:PARTITION', async () => {
  const colon = ran('ls colon');
  assert.equal(colon.exitCode, 0, colon.stderr);
  assert.match(colon.stdout, /motd$/m);
  const glob = await execa('bash', ['-c', `"${process.execPath}" "${CLI}" ls -l ${out}/*.img.zst --partition 2 /etc`], { reject: false });
  assert.equal(glob.exitCode, 0, glob.stderr);
  assert.equal(glob.stdout, colon.stdout.trimEnd());
  const cat = ran('cat -p BOOT');
  assert.equal(cat.exitCode, 0, cat.stderr);
  assert.equal(cat.stdout, 'boot');
  const dest = path.join(tmp, 'motd-copy');
  const ex = ran('extract --partition root');
  assert.equal(ex.exitCode, 0, ex.stderr);
  assert.equal(await fsp.readFile(dest, 'utf8'), 'hello\n');
  // The old way with a glob: the shell leaves out/*.img.zst:2 as it is; the error says what to do.
  const literal = oneErrorLine(ran('literal glob'), 2);
  assert.match(literal, /\*\.img\.zst: no such image file \(a shell glob followed by :PARTITION matches no file; give the partition apart: .*\/\*\.img\.zst --partition 2\)$/);
  const same = ran('same partition twice');
  assert.equal(same.exitCode, 0, same.stderr);
});

test('IMAGE:PARTITION and a different --partition: one error naming both, exit 2', async () => {
  const line = oneErrorLine(ran('two partitions'), 2);
  assert.match(line, /clitest\.img\.zst:1 names partition "1" but --partition says "2"; give only one of them$/);
  assert.match(oneErrorLine(ran('-p empty'), 2), /--partition: expected a partition number/);
  assert.match(oneErrorLine(ran('no partition'), 2), /name a partition: .*:PARTITION or --partition PARTITION/);
});

test('ls IMAGE: the partition listing has a column header', async () => {
  const r = ran('ls header');
  assert.equal(r.exitCode, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'PART\tNAME\tFSTYPE\tLABEL\tSIZE');
  assert.equal(lines[1], '1\t-\tvfat\tBOOT\t8.0 MiB', 'a DOS table has no partition names');
  assert.match(lines[2]!, /^2\t-\text4\troot\t\d/);
  assert.equal(lines.length, 3);
});

test('plurals: "1 file", "1 directory", "0 symlinks"; plural() and the closing line', async () => {
  const dest = path.join(tmp, 'etc-copy');
  const r = ran('extract plurals');
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stdout.trim(), `${dest}: 1 file (6 bytes), 1 directory, 0 symlinks`);
  assert.deepEqual([plural(0, 'file'), plural(1, 'file'), plural(2, 'directory', 'directories')], ['0 files', '1 file', '2 directories']);
  assert.equal(doneLine(['/w/out/a.img'], 1500, '/w'), 'imgsmith: built in 1.5 s: 1 file: out/a.img');
  assert.equal(doneLine(['/elsewhere/a', '/w/b'], 61_000, '/w'), 'imgsmith: built in 1m01s: 2 files: /elsewhere/a, b');
});

test('build --json: the last event is "done" with the total time and every published file, the tarball too', async () => {
  const done = events.at(-1)!;
  assert.equal(done.event, 'done');
  assert.equal(events.at(-2)!.event, 'result');
  assert.ok(typeof done.durationMs === 'number' && done.durationMs > 0);
  const onDisk = (await listFiles(out)).filter((f) => !f.endsWith('.sha256') && !f.startsWith('nix-support'));
  assert.deepEqual([...done.files!].map((f) => path.relative(out, f)).sort(), onDisk.sort());
  assert.ok(done.files!.some((f) => f.endsWith('.tar.zst')), 'the tarball is listed');
});

test('build on a terminal ends with one line: the total time and every published file', async () => {
  const r = await onTerminal(['build', path.join(tmp, 'spec.json'), '-o', 'tty-out'], tmp);
  assert.equal(r.exitCode, 0, r.text);
  const last = r.text.trim().split('\n').at(-1)!;
  assert.match(last, /^imgsmith: built in \d+\.\d s: 4 files: tty-out\/clitest\.img\.zst, tty-out\/clitest\.bmap, tty-out\/clitest\.tar\.zst, tty-out\/manifest\.json$/);
});

test('flash shows progress on a terminal while it decompresses; its question gives sizes in binary units', async () => {
  const r = await onTerminal(['flash', zst, path.join(tmp, 'card.img')], tmp);
  assert.equal(r.exitCode, 0, r.text);
  assert.match(r.text, /decompress .*clitest\.img\.zst: done in \d+\.\d s \(17\.0 MiB/);
  assert.match(r.text, /clitest\.img\.zst: zstd, \d+\.\d KiB in, 17\.0 MiB out/);
  const q = flashQuestion('x.img', 40 * 1024 * 1024, { path: '/dev/sdz', kind: 'block', size: 16 * 1024 ** 3, model: 'Card Reader' });
  assert.equal(q, 'Write x.img (40.0 MiB) to /dev/sdz (Card Reader, 16.00 GiB)? Everything on it is lost. [y/N] ');
});

test('boot-test reads a .img.zst (up to QEMU: this image has no boot marker)', async () => {
  const tmpdir = path.join(tmp, 'boot-tmp');
  await fsp.mkdir(tmpdir);
  const line = oneErrorLine(await runCli(['boot-test', zst, '--machine', 'virt'], { env: { TMPDIR: tmpdir } }), 2);
  assert.equal(line, `imgsmith: error: ${zst}: no boot marker found (no imgsmith-boot-marker in a /nix/store path or on a FAT partition); pass --marker`);
  assert.deepEqual(await fsp.readdir(tmpdir), [], 'the decompressed image and the other temporary files are removed');
});
