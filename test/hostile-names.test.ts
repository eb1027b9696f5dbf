/**
 * Hostile names: images whose FAT long names, ext4 directory entries, labels and GPT
 * partition names spell path escapes ("../../outside", "a/b", ".."), symlink tricks
 * ("link" -> a directory outside, then "link/passwd") and terminal escapes (ESC, BEL,
 * newline, C1 CSI, invalid UTF-8). The images are made with the real tools (mkfs.fat +
 * mmd/mcopy, mke2fs -d, sgdisk -c) and their directory entries patched byte for byte;
 * every case runs the CLI and checks the result with the host's own view (readdir of the
 * test's directory before and after, exact bytes of names). The real CLI (bin/imgsmith.js)
 * runs the cases about the process (SIGTERM, pipes closed early) and one case of each other
 * command (inspect, verify, diff, cat's error line); the rest run through the CLI's main() in
 * one process serving them one at a time (helpers/cli-batch.ts startBatchServer), stdout and
 * stderr kept byte for byte.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs, { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { CLI, REPO } from './helpers/cli.ts';
import { startBatchServer, type BatchServer } from './helpers/cli-batch.ts';
import { printable, printableBytes, safeJson } from '../src/text.ts';
import { badFatName, badName } from '../src/inspect/names.ts';

const MiB = 1024 * 1024;
let root: string;
/** The hostile image: 1 FAT (GPT name "boot"), 2 ext4 (GPT name with ESC/BEL). */
let img: string;
/** The same layout without hostile names (verify must pass its names check). */
let clean: string;
/** One btrfs partition with a label and a file name holding terminal escapes. */
let btrfsImg: string;
const VICTIM = () => path.join(root, 'victim');

const ESC_GPT_NAME = '\x1b]0;owned\x07';
const FAT_LABEL = 'A\x1b[2JB\x07';
const EXT4_LABEL = '\x1b[31mred';
const BTRFS_LABEL = '\x1b]2;bt\x07';
const CTRL_NAME = Buffer.from('\x1b]0;pwned\x07', 'latin1');
const NL_NAME = Buffer.from('line1\nline2', 'latin1');
const C1_NAME = Buffer.from([0x63, 0xc2, 0x9b, 0x33, 0x31, 0x6d, 0xff]); // "c" CSI "31m" and a stray 0xff

interface Run {
  exitCode: number;
  stdout: Buffer;
  stderr: Buffer;
}

let server: BatchServer;

/** `imgsmith ARGS` through the serving process, or (`real`) through bin/imgsmith.js. */
async function cli(args: string[], opts: { real?: boolean } = {}): Promise<Run> {
  if (!opts.real) {
    const r = await server.run(args);
    assert.ok(r, `${args.join(' ')} did not finish (it hung: killed after 120 s, or the serving process died)`);
    return { exitCode: r.exitCode, stdout: Buffer.from(r.stdout, 'latin1'), stderr: Buffer.from(r.stderr, 'latin1') };
  }
  const r = await execa(process.execPath, [CLI, ...args], { cwd: REPO, reject: false, encoding: 'buffer', timeout: 300_000 });
  return { exitCode: r.exitCode ?? -1, stdout: Buffer.from(r.stdout), stderr: Buffer.from(r.stderr) };
}

/** No byte a terminal would act on: C0 controls but newline (and tab), DEL, ESC, C1 (raw or UTF-8 encoded). */
function assertTerminalSafe(b: Buffer, what: string): void {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    const bad = (c < 0x20 && c !== 0x0a && c !== 0x09) || c === 0x7f || c === 0x9b || (c === 0xc2 && b[i + 1]! >= 0x80 && b[i + 1]! <= 0x9f);
    assert.ok(!bad, `${what}: raw byte 0x${c.toString(16)} at ${i}: ${JSON.stringify(b.toString('latin1').slice(Math.max(0, i - 20), i + 20))}`);
  }
}

/** Exit `code`, exactly one `imgsmith: error:` line (terminal-safe), no stack frames. */
function assertOneError(r: Run, re: RegExp, code = 1): string {
  const err = r.stderr.toString('utf8');
  assert.equal(r.exitCode, code, `exit code (stderr: ${err})`);
  const lines = err.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line on stderr: ${JSON.stringify(err)}`);
  assert.match(lines[0]!, /^imgsmith: error: /);
  assert.doesNotMatch(err, /^\s+at /m);
  assertTerminalSafe(r.stderr, 'stderr');
  assert.match(lines[0]!, re);
  return lines[0]!;
}

/** Every path under `dir` (recursive, names as latin1 so any byte shows), sorted. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: Buffer, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true, encoding: 'buffer' })) {
      const name = (e.name as unknown as Buffer).toString('latin1');
      out.push(`${rel}/${name}${e.isDirectory() ? '/' : e.isSymbolicLink() ? '@' : ''}`);
      if (e.isDirectory()) walk(Buffer.concat([d, Buffer.from('/'), e.name as unknown as Buffer]), `${rel}/${name}`);
    }
  };
  walk(Buffer.from(dir), '');
  return out.sort();
}

// ---------------------------------------------------------------------------------------
// Fixtures

/** Rewrites the one-entry VFAT long name `from` (<= 13 chars) to `to` (<= 13 UTF-16 units). */
function patchLfn(fat: Buffer, from: string, to: string): void {
  const units = (s: string) => [...Buffer.from(s, 'utf16le')].length / 2;
  assert.ok(from.length <= 13 && units(to) <= 13);
  const slots = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];
  let found = 0;
  for (let o = 0; o + 32 <= fat.length; o += 32) {
    if (fat[o + 11] !== 0x0f || fat[o] !== 0x41) continue;
    const name = slots.map((s) => fat.readUInt16LE(o + s)).filter((c) => c !== 0 && c !== 0xffff).map((c) => String.fromCharCode(c)).join('');
    if (name !== from) continue;
    const u = Buffer.from(to, 'utf16le');
    slots.forEach((s, i) => fat.writeUInt16LE(i * 2 < u.length ? u.readUInt16LE(i * 2) : i * 2 === u.length ? 0 : 0xffff, o + s));
    found++;
  }
  assert.equal(found, 1, `long name ${from} found once`);
}

/** Sets the FAT volume label (root directory entry and boot sector) to 11 raw bytes. */
function patchFatLabel(fat: Buffer, from: string, to: string): void {
  const want = Buffer.from(from.padEnd(11), 'latin1');
  const raw = Buffer.from(to.padEnd(11), 'latin1');
  let found = 0;
  for (let o = 0; o + 32 <= fat.length; o += 32) {
    if (fat[o + 11] === 0x08 && fat.subarray(o, o + 11).equals(want)) { raw.copy(fat, o); found++; }
  }
  assert.equal(found, 1, 'volume label entry found once');
  const bs = fat.indexOf(want); // the boot sector's copy (offset 43 or 71)
  if (bs >= 0 && bs < 512) raw.copy(fat, bs);
}

/** Rewrites the ext4 directory entry named `from` to `to` (same length), found by its
 *  name_len and file_type bytes before the name at a 4-byte aligned entry. */
function patchDirent(ext: Buffer, from: string, to: string | Buffer): void {
  const t = typeof to === 'string' ? Buffer.from(to, 'latin1') : to;
  assert.equal(t.length, from.length);
  let found = 0;
  for (let i = ext.indexOf(from); i >= 0; i = ext.indexOf(from, i + 1)) {
    if ((i - 8) % 4 === 0 && ext[i - 2] === from.length && ext[i - 1]! >= 1 && ext[i - 1]! <= 7) { t.copy(ext, i); found++; }
  }
  assert.equal(found, 1, `directory entry ${from} found once`);
}

async function makeFat(file: string, hostile: boolean): Promise<void> {
  await execa('mkfs.fat', ['-C', '-n', 'BOOT', file, String(8 * 1024)]);
  const env = { MTOOLS_SKIP_CHECK: '1' };
  const src = path.join(root, 'fat-src');
  await fsp.mkdir(src, { recursive: true });
  await fsp.writeFile(path.join(src, 'pwn'), 'pwned\n');
  await execa('mmd', ['-i', file, '::c1', '::c2', '::c3', '::c4', '::c3/dotdotdir01'], { env });
  for (const [dir, name] of [['c1', 'outsidename01'], ['c2', 'slashname'], ['c4', 'ctrlname01']]) {
    await execa('mcopy', ['-i', file, path.join(src, 'pwn'), `::${dir}/${name}`], { env });
  }
  await execa('mcopy', ['-i', file, path.join(src, 'pwn'), '::c3/dotdotdir01/inner'], { env });
  if (!hostile) return;
  const fat = await fsp.readFile(file);
  patchLfn(fat, 'outsidename01', '../../outside');
  patchLfn(fat, 'slashname', 'a/b');
  patchLfn(fat, 'dotdotdir01', '..');
  patchLfn(fat, 'ctrlname01', '\x1b]0;x\x07\ny');
  patchFatLabel(fat, 'BOOT', FAT_LABEL);
  await fsp.writeFile(file, fat);
}

async function makeExt4(file: string, hostile: boolean): Promise<void> {
  const s = path.join(root, `ext4-src-${hostile ? 'h' : 'c'}`);
  const mk = (p: string) => fsp.mkdir(path.join(s, p), { recursive: true });
  await Promise.all(['e1', 'e2/ESCAPEDIR001', 'e3', 'e4', 'e5', 'many'].map(mk));
  await fsp.writeFile(path.join(s, 'e1/ESCAPEFILE01'), 'pwned\n');
  await fsp.writeFile(path.join(s, 'e2/ESCAPEDIR001/inner'), 'pwned\n');
  await fsp.writeFile(path.join(s, 'e3/SUBSLASH'), 'pwned\n');
  await fsp.symlink(VICTIM(), path.join(s, 'e4/link'));
  await fsp.writeFile(path.join(s, 'e4/LINKPASSWD'), 'root::0:0::/:/bin/sh\n');
  if (hostile) for (const n of [CTRL_NAME, NL_NAME, C1_NAME]) await fsp.writeFile(Buffer.concat([Buffer.from(`${s}/e5/`), n]), n);
  // A big file (cat | head) and a big directory (ls -lR | head): more than a pipe holds.
  await fsp.writeFile(path.join(s, 'big.bin'), Buffer.alloc(2 * MiB, 0x61));
  for (let i = 0; i < 1200; i++) await fsp.writeFile(path.join(s, 'many', `file-with-a-longish-name-${String(i).padStart(5, '0')}`), '');
  await execa('mke2fs', ['-q', '-F', '-t', 'ext4', '-O', '^metadata_csum,^has_journal', '-N', '2048', '-E', 'root_owner=0:0', '-L', hostile ? EXT4_LABEL : 'root', '-d', s, file, '12M']);
  if (!hostile) return;
  const ext = await fsp.readFile(file);
  patchDirent(ext, 'ESCAPEFILE01', '../../escape');
  patchDirent(ext, 'ESCAPEDIR001', '../../escdir');
  patchDirent(ext, 'SUBSLASH', 'sub/name');
  patchDirent(ext, 'LINKPASSWD', 'link/passw');
  await fsp.writeFile(file, ext);
}

async function makeImage(file: string, hostile: boolean): Promise<void> {
  const fat = `${file}.fat`;
  const ext = `${file}.ext4`;
  await makeFat(fat, hostile);
  await makeExt4(ext, hostile);
  await fsp.writeFile(file, '');
  await fsp.truncate(file, 24 * MiB);
  await execa('sgdisk', ['-n', '1:2048:+8M', '-t', '1:0700', '-c', '1:boot', '-n', '2:0:+12M', '-t', '2:8300', '-c', `2:${hostile ? ESC_GPT_NAME : 'root'}`, file]);
  const fh = await fsp.open(file, 'r+');
  try {
    await fh.write(await fsp.readFile(fat), 0, 8 * MiB, 2048 * 512);
    await fh.write(await fsp.readFile(ext), 0, 12 * MiB, (2048 + 16384) * 512);
  } finally {
    await fh.close();
  }
  await fsp.rm(fat);
  await fsp.rm(ext);
}

/** A GPT image with one btrfs partition (label with ESC, a file named with ESC/BEL) made by mkfs.btrfs --rootdir. */
async function makeBtrfsImage(file: string): Promise<void> {
  const src = path.join(root, 'btrfs-src');
  await fsp.mkdir(path.join(src, 'd'), { recursive: true });
  await fsp.writeFile(Buffer.concat([Buffer.from(`${src}/d/`), CTRL_NAME]), 'btrfs\n');
  const part = `${file}.part`;
  await fsp.writeFile(part, '');
  await fsp.truncate(part, 128 * MiB);
  await execa('mkfs.btrfs', ['-q', '-L', BTRFS_LABEL, '-r', src, part]);
  await fsp.writeFile(file, '');
  await fsp.truncate(file, 130 * MiB);
  await execa('sgdisk', ['-n', '1:2048:+128M', '-t', '1:8300', '-c', '1:data', file]);
  await execa('dd', [`if=${part}`, `of=${file}`, 'bs=1M', 'seek=1', 'conv=notrunc,sparse', 'status=none']);
  await fsp.rm(part);
}

before(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-names-'));
  await fsp.mkdir(VICTIM());
  img = path.join(root, 'hostile.img');
  clean = path.join(root, 'clean.img');
  btrfsImg = path.join(root, 'btrfs.img');
  await makeImage(img, true);
  await makeImage(clean, false);
  await makeBtrfsImage(btrfsImg);
  // The trees the images were made from (2400 files) are not needed any more: each extract case lists the root twice.
  await Promise.all(['fat-src', 'ext4-src-h', 'ext4-src-c', 'btrfs-src'].map((d) => fsp.rm(path.join(root, d), { recursive: true, force: true })));
  await fsp.mkdir(path.join(root, 'tmpdir'));
  // The server's RSS file exists before any case lists the root (it appears whenever the server writes it).
  await fsp.writeFile(path.join(root, 'server-rss'), '');
  server = startBatchServer({ tmpdir: path.join(root, 'tmpdir'), rssFile: path.join(root, 'server-rss'), hangMs: 120_000 });
});

after(async () => {
  await server?.close();
  await fsp.rm(root, { recursive: true, force: true });
});

let caseNo = 0;
/** Runs `extract` into a fresh directory two levels below the test root and checks that
 *  nothing appeared anywhere under the root but (on success) DEST itself. */
async function extractCase(target: string, p: string): Promise<{ r: Run; dest: string; made: string[] }> {
  const work = path.join(root, `x${++caseNo}`, 'a', 'b');
  await fsp.mkdir(work, { recursive: true });
  const dest = path.join(work, 'dest');
  const beforeList = new Set(listing(root));
  const r = await cli(['extract', target, p, dest]);
  const rel = `/${path.relative(root, dest)}`;
  const made = listing(root).filter((x) => !beforeList.has(x));
  assert.deepEqual(made.filter((x) => x !== `${rel}/` && x !== rel && !x.startsWith(`${rel}/`)), [], 'nothing but DEST was created');
  assert.deepEqual(listing(path.dirname(dest)).filter((x) => x.includes('.imgsmith-extract-')), [], 'no temporary tree left');
  assert.deepEqual(listing(VICTIM()), [], 'nothing written through the symlink');
  return { r, dest, made };
}

// ---------------------------------------------------------------------------------------
// extract

const refused = async (target: string, p: string, re: RegExp) => {
  const { r, dest } = await extractCase(target, p);
  assertOneError(r, re);
  assert.ok(!fs.existsSync(dest), 'DEST not created');
};

test('extract FAT: a long name "../../outside" is refused, nothing is written outside', () =>
  refused(`${img}:1`, '/c1', /refusing to extract "\.\.\/\.\.\/outside" in \/c1: the name contains "\/"/));

test('extract FAT: a long name "a/b" is refused', () => refused(`${img}:1`, '/c2', /refusing to extract "a\/b" in \/c2/));

test('extract FAT: a directory named ".." is refused', () => refused(`${img}:1`, '/c3', /refusing to extract "\.\." in \/c3: the name is "\.\."/));

test('extract FAT: the whole filesystem with hostile names is refused, nothing left behind', () => refused(`${img}:1`, '/', /refusing to extract/));

test('extract ext4: an entry "../../escape" is refused', () => refused(`${img}:2`, '/e1', /refusing to extract "\.\.\/\.\.\/escape" in \/e1/));

test('extract ext4: a directory "../../escdir" is refused, its file is not written', () =>
  refused(`${img}:2`, '/e2', /refusing to extract "\.\.\/\.\.\/escdir" in \/e2/));

test('extract ext4: an entry "sub/name" is refused', () => refused(`${img}:2`, '/e3', /refusing to extract "sub\/name" in \/e3/));

test('extract ext4: "link" -> a directory outside, then "link/passw": nothing is written through the link', async () => {
  await refused(`${img}:2`, '/e4', /refusing to extract "link\/passw" in \/e4/);
  assert.equal(fs.existsSync(path.join(VICTIM(), 'passw')), false);
});

test('extract ext4: the whole filesystem is refused at its first hostile entry', () => refused(`${img}:2`, '/', /refusing to extract/));

test('extract ext4: names with controls and invalid UTF-8 are written byte for byte; the summary is terminal-safe', async () => {
  const { r, dest } = await extractCase(`${img}:2`, '/e5');
  assert.equal(r.exitCode, 0, r.stderr.toString());
  const names = (fs.readdirSync(dest, { encoding: 'buffer' }) as Buffer[]).map((b) => b.toString('hex')).sort();
  assert.deepEqual(names, [CTRL_NAME, NL_NAME, C1_NAME].map((b) => b.toString('hex')).sort());
  for (const n of [CTRL_NAME, C1_NAME]) assert.deepEqual(fs.readFileSync(Buffer.concat([Buffer.from(`${dest}/`), n])), n);
  assertTerminalSafe(r.stdout, 'extract stdout');
});

test('extract FAT: a single file with ESC, BEL and newline in its name goes into DEST/ under its exact name', async () => {
  const work = path.join(root, `x${++caseNo}`);
  await fsp.mkdir(work);
  const r = await cli(['extract', `${img}:1`, '/c4/\\x1b]0;x\\x07\\x0ay', work]);
  assert.equal(r.exitCode, 0, r.stderr.toString());
  assertTerminalSafe(r.stdout, 'extract stdout');
  assert.match(r.stdout.toString(), /\\x1b\]0;x\\x07\\x0ay: 1 file /);
  assert.deepEqual(fs.readdirSync(work, { encoding: 'latin1' }), ['\x1b]0;x\x07\ny']);
});

test('extract killed by SIGTERM while writing leaves no .imgsmith-extract-* and no DEST', async () => {
  const work = path.join(root, `x${++caseNo}`);
  await fsp.mkdir(work);
  const dest = path.join(work, 'dest');
  const child = execa(process.execPath, [CLI, 'extract', `${clean}:2`, '/', dest], { cwd: REPO, env: { IMGSMITH_TEST_HOOK: 'hold:extract' }, reject: false, timeout: 120_000 });
  // Held after the first file is written: the partial tree is on disk.
  let tmp: string | undefined;
  for (let i = 0; i < 600 && !tmp; i++) {
    await new Promise((res) => setTimeout(res, 100));
    const t = fs.readdirSync(work).find((n) => n.startsWith('.imgsmith-extract-'));
    if (t && listing(path.join(work, t)).some((x) => /\/tree\/.*[^/]$/.test(x))) tmp = t;
  }
  assert.ok(tmp, 'the extraction reached its first file');
  child.kill('SIGTERM');
  const r = await child;
  assert.equal(r.exitCode, 143, String(r.stderr));
  assert.match(String(r.stderr), /interrupted by SIGTERM/);
  assert.deepEqual(fs.readdirSync(work), []);
});

// ---------------------------------------------------------------------------------------
// verify

test('verify fails on the FAT and ext4 names a filesystem must not hold, naming partition and path', async () => {
  const r = await cli(['verify', img], { real: true });
  assert.equal(r.exitCode, 1);
  assertTerminalSafe(r.stdout, 'verify stdout');
  const out = r.stdout.toString();
  const fat = out.split('\n').find((l) => /^FAIL\s+names\s+partition 1 "boot" \(vfat\)/.test(l));
  assert.ok(fat, out);
  for (const re of [/\/c1\/\.\.\/\.\.\/outside \(the name contains "\/"\)/, /\/c2\/a\/b/, /\/c3\/\.\. \(the name is "\.\."\)/, /\/c4\/\\x1b\]0;x\\x07\\x0ay \(the name contains the control byte 0x1b, which FAT forbids\)/]) {
    assert.match(fat!, re);
  }
  const ext = out.split('\n').find((l) => /^FAIL\s+names\s+partition 2 "\\x1b\]0;owned\\x07" \(ext4\)/.test(l));
  assert.ok(ext, out);
  for (const re of [/\/e1\/\.\.\/\.\.\/escape/, /\/e2\/\.\.\/\.\.\/escdir /, /\/e3\/sub\/name/, /\/e4\/link\/passw/]) assert.match(ext!, re);
  assert.doesNotMatch(ext!, /\/e5\//, 'control bytes are legal in ext4 names');
});

test('verify --json: the names checks are in the report, FAT failing', async () => {
  const r = await cli(['verify', img, '--json']);
  assert.equal(r.exitCode, 1);
  const doc = JSON.parse(r.stdout.toString()) as { checks: { check: string; where: string; ok: boolean; detail: string }[] };
  const names = doc.checks.filter((c) => c.check === 'names');
  assert.deepEqual(names.map((c) => c.ok), [false, false]);
  assert.match(names[1]!.where, /^partition 2 "\\x1b\]0;owned\\x07" \(ext4\)$/);
});

test('verify of the same layout without hostile names passes the names checks', async () => {
  const r = await cli(['verify', clean, '--json']);
  const doc = JSON.parse(r.stdout.toString()) as { ok: boolean; checks: { check: string; ok: boolean; detail: string }[] };
  const names = doc.checks.filter((c) => c.check === 'names');
  assert.equal(names.length, 2);
  for (const c of names) assert.ok(c.ok, c.detail);
  assert.match(names[1]!.detail, /^\d+ names checked$/);
});

// ---------------------------------------------------------------------------------------
// What reaches the terminal

test('inspect: GPT name, FAT label and ext4 label are shown escaped, nothing raw', async () => {
  const r = await cli(['inspect', img], { real: true });
  assert.equal(r.exitCode, 0, r.stderr.toString());
  assertTerminalSafe(r.stdout, 'inspect stdout');
  const out = r.stdout.toString();
  assert.match(out, /name "\\x1b\]0;owned\\x07"/);
  assert.match(out, /label "A\\x1b\[2JB\\x07"/);
  assert.match(out, /label "\\x1b\[31mred"/);
});

test('inspect --json keeps the raw strings (JSON-escaped), with no raw control bytes', async () => {
  const r = await cli(['inspect', img, '--json']);
  assert.equal(r.exitCode, 0);
  assertTerminalSafe(r.stdout, 'inspect --json');
  const doc = JSON.parse(r.stdout.toString()) as { table: { partitions: { name: string }[] }; partitions: { fs: { label: string } }[] };
  assert.equal(doc.table.partitions[1]!.name, ESC_GPT_NAME);
  assert.equal(doc.partitions[0]!.fs.label, FAT_LABEL);
  assert.equal(doc.partitions[1]!.fs.label, EXT4_LABEL);
});

test('ls IMAGE (partition list) and ls -lR of both filesystems are terminal-safe', async () => {
  for (const args of [['ls', img], ['ls', '-l', '-R', `${img}:1`], ['ls', '-l', '-R', `${img}:2`, '/e5'], ['ls', '-R', `${img}:2`]]) {
    const r = await cli(args);
    assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`);
    assertTerminalSafe(r.stdout, args.join(' '));
  }
  const fat = (await cli(['ls', '-R', `${img}:1`])).stdout.toString();
  assert.match(fat, /^\/c1:\n\.\.\/\.\.\/outside$/m);
  assert.match(fat, /^\\x1b\]0;x\\x07\\x0ay$/m);
  const e5 = (await cli(['ls', `${img}:2`, '/e5'])).stdout.toString().split('\n').filter(Boolean).sort();
  assert.deepEqual(e5, ['\\x1b]0;pwned\\x07', 'c\\xc2\\x9b31m\\xff', 'line1\\x0aline2'].sort());
});

test('ls --json and cat --json: names and paths in the shown (escaped) form, no raw control bytes', async () => {
  const ls = await cli(['ls', `${img}:2`, '/e5', '--json']);
  assert.equal(ls.exitCode, 0, ls.stderr.toString());
  assertTerminalSafe(ls.stdout, 'ls --json');
  const doc = JSON.parse(ls.stdout.toString()) as { path: string; entries: { name: string; path: string }[] };
  assert.equal(doc.path, '/e5');
  assert.deepEqual(doc.entries.map((e) => e.name).sort(), ['\\x1b]0;pwned\\x07', 'c\\xc2\\x9b31m\\xff', 'line1\\x0aline2'].sort());
  const cat = await cli(['cat', `${img}:2`, '/e5/line1\\x0aline2', '--json']);
  assert.equal(cat.exitCode, 0, cat.stderr.toString());
  assertTerminalSafe(cat.stdout, 'cat --json');
  const c = JSON.parse(cat.stdout.toString()) as { path: string; base64: string };
  assert.equal(c.path, '/e5/line1\\x0aline2');
  assert.deepEqual(Buffer.from(c.base64, 'base64'), NL_NAME);
});

test('an escaped name shown by ls can be given back to cat (\\xNN is that byte)', async () => {
  const r = await cli(['cat', `${img}:2`, '/e5/c\\xc2\\x9b31m\\xff']);
  assert.equal(r.exitCode, 0, r.stderr.toString());
  assert.deepEqual(r.stdout, C1_NAME);
});

test('diff of the hostile and the clean image is terminal-safe and names the changes escaped', async () => {
  const r = await cli(['diff', clean, img], { real: true });
  assert.equal(r.exitCode, 1, r.stderr.toString());
  assertTerminalSafe(r.stdout, 'diff stdout');
  const out = r.stdout.toString();
  assert.match(out, /partition 2 name: root -> \\x1b\]0;owned\\x07/);
  assert.match(out, /added \/e5\/\\x1b\]0;pwned\\x07/);
  assert.match(out, /filesystem label: BOOT -> A\\x1b\[2JB\\x07/);
});

test('error lines: a partition spec or path with controls is escaped in the one error line', async () => {
  assertOneError(await cli(['cat', `${img}:2`, '/e5/\x1b[2Jnope']), /no such file or directory: \/e5\/\\x1b\[2Jnope/, 2);
  const r = await cli(['ls', `${img}:\x1b[31mnone`]);
  assertOneError(r, /has no partition/, 2);
  assert.match(r.stderr.toString(), /^imgsmith: error: .* has no partition "\\x1b\[31mnone"; its partitions: 1 \(name "boot", label "A\\x1b\[2JB\\x07", vfat\), 2 \(name "\\x1b\]0;owned\\x07"/);
});

test('error lines: a message holding a raw name (FAT "is not a directory") is escaped where the line is printed', async () => {
  assertOneError(await cli(['cat', `${img}:1`, '/c4/\\x1b]0;x\\x07\\x0ay/more'], { real: true }), /: \/c4\/\\x1b\]0;x\\x07 \/ y is not a directory$/, 2);
});

test('cat to a pipe closed early (| head -c 10): no message, exit 141', async () => {
  const r = await execa('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${CLI}" cat "${img}:2" /big.bin | head -c 10`], { reject: false, encoding: 'buffer' });
  assert.deepEqual(Buffer.from(r.stdout), Buffer.alloc(10, 0x61));
  assert.equal(Buffer.from(r.stderr).toString(), '');
  assert.equal(r.exitCode, 141);
});

test('ls -lR to a pipe closed early (| head -n 1): no message', async () => {
  const r = await execa('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${CLI}" ls -l -R "${img}:2" /many | head -n 1`], { reject: false });
  assert.equal(r.stdout, '/many:');
  assert.equal(r.stderr, '');
  assert.equal(r.exitCode, 141);
});

test('btrfs: label and a name with ESC/BEL shown escaped by inspect and ls; extract writes the exact name; verify names ok', async () => {
  const ins = await cli(['inspect', btrfsImg]);
  assert.equal(ins.exitCode, 0, ins.stderr.toString());
  assertTerminalSafe(ins.stdout, 'inspect btrfs');
  assert.match(ins.stdout.toString(), /label "\\x1b\]2;bt\\x07"/);
  const ls = await cli(['ls', '-l', '-R', `${btrfsImg}:1`]);
  assert.equal(ls.exitCode, 0, ls.stderr.toString());
  assertTerminalSafe(ls.stdout, 'ls btrfs');
  assert.match(ls.stdout.toString(), / \\x1b\]0;pwned\\x07$/m);
  const { r, dest } = await extractCase(`${btrfsImg}:1`, '/d');
  assert.equal(r.exitCode, 0, r.stderr.toString());
  assert.deepEqual(fs.readdirSync(dest, { encoding: 'buffer' }), [CTRL_NAME]);
  const v = JSON.parse((await cli(['verify', btrfsImg, '--json'])).stdout.toString()) as { checks: { check: string; ok: boolean; where: string }[] };
  assert.deepEqual(v.checks.filter((c) => c.check === 'names').map((c) => [c.where, c.ok]), [['partition 1 "data" (btrfs)', true]]);
});

// ---------------------------------------------------------------------------------------
// The functions themselves

test('printable / printableBytes: controls, DEL, C1, backslash, bidi and invalid UTF-8 escaped; Unicode kept', () => {
  assert.equal(printable('a\x1b[31m\x07\n\t\x7f\x9b\\ é 日本 \u202e\ud800'), 'a\\x1b[31m\\x07\\x0a\\x09\\x7f\\x9b\\\\ é 日本 \\u{202e}\\u{d800}');
  assert.equal(printable('a\\x1b\x1b\n', { backslash: false, keep: '\n' }), 'a\\x1b\\x1b\n');
  assert.equal(printableBytes(Buffer.from('caf\xc3\xa9 \xff\xc2\x9b \xe2\x80\xae \xc0\xaf \\', 'latin1')), 'café \\xff\\xc2\\x9b \\xe2\\x80\\xae \\xc0\\xaf \\\\');
  assert.equal(printableBytes('plain/ascii'), 'plain/ascii');
  assert.equal(safeJson({ s: '\x1b\x9b\u2028' }), '{"s":"\\u001b\\u009b\\u2028"}');
});

test('badName / badFatName: the name policy', () => {
  for (const n of ['', '.', '..', 'a/b', 'a\0b', 'x'.repeat(256)]) assert.ok(badName(n), JSON.stringify(n));
  for (const n of ['...', 'x'.repeat(255), '\x1bname', 'caf\xe9', '.hidden']) assert.equal(badName(n), undefined, JSON.stringify(n));
  for (const n of ['a:b', 'a\x1bb', 'a?b', 'a\\b']) assert.ok(badFatName(n), JSON.stringify(n));
  assert.equal(badFatName('README.txt'), undefined);
});
