/**
 * The .img.zst decoders (src/inspect/zstd.ts, zstd-engines.ts) against hostile input: each
 * decoder (the zstd CLI, in-process libzstd through the addon, and without it Node's zstd on
 * Node >= 22.15 or zstd-codec on Node 20: run this file under each Node to cover both) checks
 * frame checksums and names the corrupt frame; the frame walker bounds what headers claim;
 * every image command fails cleanly on a corrupt file (through the CLI's main(), one serving
 * process per decoder: helpers/cli-batch.ts); a zero bomb stops at once on SIGTERM and when the
 * wrapper process is SIGKILLed (the real CLI), leaving nothing in $TMPDIR.
 *
 * The test image (MBR: FAT + ext4) is made with sfdisk, mkfs.fat, mcopy and mke2fs -d, and
 * compressed the way imgsmith does (one `zstd --stream-size` frame with its XXH64 checksum per
 * 16 MiB slice); expected bytes come from `zstd -dc`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import zlib from 'node:zlib';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { CLI, listFiles, type CliResult } from './helpers/cli.ts';
import { startBatchServer } from './helpers/cli-batch.ts';
import { decompressSparse, zstdFrames, type FrameInfo } from '../src/inspect/zstd.ts';
import { nativeAvailable } from '../src/sparse.ts';

const MiB = 1024 * 1024;
const SLICE = 16 * MiB;
let tmp: string;
let img: string; // the raw image
let zst: string; // its .img.zst
let frames: FrameInfo[];

/** The in-process decoder without the addon: Node's zstd (Node >= 22.15), else zstd-codec. */
const NO_ADDON = 'createZstdDecompress' in zlib ? 'node-zlib' : 'zstd-codec';
/** The decoders: IMGSMITH_* settings and the name decompressSparse / inspect --json report. */
const DECODERS: { label: string; env: Record<string, string>; name: string }[] = [
  { label: 'zstd CLI', env: { IMGSMITH_ZSTD: 'cli' }, name: 'zstd-cli' },
  { label: 'in-process (addon)', env: { IMGSMITH_ZSTD: 'js' }, name: nativeAvailable() ? 'libzstd' : 'zstd-codec' },
  { label: `in-process, IMGSMITH_NO_NATIVE=1 (${NO_ADDON})`, env: { IMGSMITH_ZSTD: 'js', IMGSMITH_NO_NATIVE: '1' }, name: NO_ADDON },
];

async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Compresses `raw` as imgsmith does: one checksummed frame per 16 MiB slice. */
async function compressFrames(raw: string, out: string): Promise<void> {
  const size = (await fsp.stat(raw)).size;
  await fsp.writeFile(out, '');
  for (let off = 0; off < size; off += SLICE) {
    const n = Math.min(SLICE, size - off);
    const script = `tail -c +$((${off} + 1)) "$1" | head -c ${n} | zstd -q -3 --single-thread --stream-size=${n} -c >> "$2"`;
    await execa('sh', ['-c', script, 'sh', raw, out]);
  }
}

/** A 40 MiB MBR image: partition 1 FAT (config.txt), partition 2 ext4 (/etc/hostname, random data). */
async function makeImage(dir: string): Promise<string> {
  const raw = path.join(dir, 'disk.img');
  await execa('truncate', ['-s', '40M', raw]);
  await execa('sfdisk', ['-q', raw], { input: 'label: dos\nstart=2048, size=16384, type=c\nstart=18432, type=83\n' });
  const fat = path.join(dir, 'p1');
  await execa('truncate', ['-s', '8M', fat]);
  await execa('mkfs.fat', ['-n', 'FIRMWARE', fat]);
  await fsp.writeFile(path.join(dir, 'config.txt'), 'arm_64bit=1\n');
  await execa('mcopy', ['-i', fat, path.join(dir, 'config.txt'), '::config.txt']);
  const root = path.join(dir, 'root');
  await fsp.mkdir(path.join(root, 'etc'), { recursive: true });
  await fsp.writeFile(path.join(root, 'etc/hostname'), 'zstd-test\n');
  await execa('sh', ['-c', 'head -c 6000000 /dev/urandom > "$1"', 'sh', path.join(root, 'data.bin')]);
  const ext = path.join(dir, 'p2');
  await execa('truncate', ['-s', `${40 * MiB - 18432 * 512}`, ext]);
  await execa('mke2fs', ['-q', '-F', '-t', 'ext4', '-L', 'root', '-d', root, ext]);
  await execa('dd', [`if=${fat}`, `of=${raw}`, 'bs=512', 'seek=2048', 'conv=notrunc,sparse', 'status=none']);
  await execa('dd', [`if=${ext}`, `of=${raw}`, 'bs=512', 'seek=18432', 'conv=notrunc,sparse', 'status=none']);
  return raw;
}

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-zstd-test-'));
  img = await makeImage(tmp);
  zst = path.join(tmp, 'disk.img.zst');
  await compressFrames(img, zst);
  frames = [];
  for await (const f of zstdFrames(zst)) frames.push(f);
  assert.equal(frames.length, 3);
});

after(async () => {
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

let n = 0;
/** A copy of the .img.zst with the byte at `at` inverted. */
async function flipped(at: number): Promise<string> {
  const b = await fsp.readFile(zst);
  b[at] = b[at]! ^ 0xff;
  const out = path.join(tmp, `bad-${++n}.img.zst`);
  await fsp.writeFile(out, b);
  return out;
}

/** A new .zst file holding `b`. */
async function zstFile(b: Buffer): Promise<string> {
  const out = path.join(tmp, `made-${++n}.img.zst`);
  await fsp.writeFile(out, b);
  return out;
}

/** decompressSparse with each decoder must fail with an error matching `re`, leaving `dst` for the caller. */
async function expectDecodeError(file: string, re: RegExp): Promise<void> {
  for (const d of DECODERS) {
    const dst = path.join(tmp, `out-${++n}`);
    await withEnv(d.env, () => assert.rejects(decompressSparse(file, dst), (err: Error) => {
      assert.match(err.message, re, `${d.label}: ${err.message}`);
      assert.equal(err.message.split('\n').length, 1, `${d.label}: one line`);
      return true;
    }));
    await fsp.rm(dst, { force: true });
  }
}

test('valid multi-frame file: every decoder gives the bytes of zstd -dc, sparse', async () => {
  const want = path.join(tmp, 'want.img');
  await execa('sh', ['-c', 'zstd -dc -q -- "$1" > "$2"', 'sh', zst, want]);
  await execa('cmp', [want, img]);
  for (const d of DECODERS) {
    const out = path.join(tmp, `ok-${++n}.img`);
    const used = await withEnv(d.env, () => decompressSparse(zst, out));
    assert.equal(used, d.name, d.label);
    await execa('cmp', [want, out]); // independent: cmp against zstd's output
    const st = await fsp.stat(out);
    assert.equal(st.size, 40 * MiB);
    assert.ok(st.blocks * 512 < st.size / 2, `${d.label}: sparse (${st.blocks * 512} bytes allocated)`);
    await fsp.rm(out);
  }
});

test('a flipped byte inside the compressed data of a frame: an error naming that frame, each decoder', async () => {
  const f = frames[1]!; // the ext4 data: a big frame
  assert.ok(f.length > 100_000);
  const bad = await flipped(f.offset + Math.floor(f.length / 2));
  await expectDecodeError(bad, new RegExp(`bad-\\d+\\.img\\.zst: cannot decompress: the zstd frame at byte ${f.offset} is corrupt: `));
});

test('a flipped byte in the content checksum of the last frame: an error naming it, each decoder', async () => {
  const f = frames[2]!;
  const bad = await flipped(f.offset + f.length - 2);
  await expectDecodeError(bad, new RegExp(`the zstd frame at byte ${f.offset} is corrupt: .*(checksum|corrupt data)`, 'i'));
});

test('the zstd CLI itself rejects the corrupt file (an independent check of the test data)', async () => {
  const f = frames[1]!;
  const bad = await flipped(f.offset + Math.floor(f.length / 2));
  const r = await execa('zstd', ['-t', '-q', bad], { reject: false });
  assert.notEqual(r.exitCode, 0);
});

test('a truncated file: one clear error, each decoder', async () => {
  const b = await fsp.readFile(zst);
  await expectDecodeError(await zstFile(b.subarray(0, b.length - 1000)), /cannot decompress: the file is truncated/);
  await expectDecodeError(await zstFile(b.subarray(0, 2)), /cannot decompress: the file is truncated/);
});

test('frames that do not declare their content size (zstd fed from a pipe): same bytes, and a corrupt one named, each decoder', async () => {
  const raw = path.join(tmp, 'piped.bin');
  const file = path.join(tmp, 'piped.zst');
  await execa('sh', ['-c', 'head -c 3000000 /dev/urandom > "$1"; (head -c 1000000 "$1" | zstd -q -c; tail -c +1000001 "$1" | zstd -q -c) > "$2"', 'sh', raw, file]);
  const fs2: FrameInfo[] = [];
  for await (const f of zstdFrames(file)) fs2.push(f);
  assert.deepEqual(fs2.map((f) => f.contentSize), [undefined, undefined], 'no content sizes in the headers');
  for (const d of DECODERS) {
    const out = path.join(tmp, `piped-${++n}`);
    await withEnv(d.env, () => decompressSparse(file, out));
    await execa('cmp', [raw, out]);
  }
  const b = await fsp.readFile(file);
  const at = fs2[1]!.offset + 5000;
  b[at] = b[at]! ^ 0xff;
  await expectDecodeError(await zstFile(b), new RegExp(`the zstd frame at byte ${fs2[1]!.offset} is corrupt`));
});

/** A frame header (no checksum, 8-byte content size) claiming `size` bytes, with one raw block of 1 byte. */
function frameClaiming(size: bigint): Buffer {
  const b = Buffer.alloc(4 + 2 + 8 + 3 + 1);
  b.writeUInt32LE(0xfd2fb528, 0);
  b[4] = 0xc0; // 8-byte content size, no single segment, no checksum
  b[5] = 0x38; // window 128 KiB
  b.writeBigUInt64LE(size, 6);
  const v = (1 << 3) | 1; // raw block, 1 byte, last
  b.writeUIntLE(v, 14, 3);
  return b;
}

test('a frame header claiming 2^64-1 bytes of content: one clear error, each decoder', async () => {
  const file = await zstFile(frameClaiming(0xffffffffffffffffn));
  await expectDecodeError(file, /invalid zstd data \(the frame at byte 0 claims 18446744073709551615 bytes of content, more than/);
});

test('a block header claiming more than 128 KiB: one clear error, each decoder', async () => {
  const b = frameClaiming(1n << 20n);
  b.writeUIntLE(((200 * 1024) << 3) | 1, 14, 3);
  await expectDecodeError(await zstFile(Buffer.concat([b, Buffer.alloc(200 * 1024)])), /a block at byte 14 claims 204800 bytes, more than the 131072/);
});

test('a skippable frame claiming 4 GiB: one clear error, each decoder', async () => {
  const skip = Buffer.alloc(16);
  skip.writeUInt32LE(0x184d2a50, 0);
  skip.writeUInt32LE(0xffffffff, 4);
  const file = await zstFile(Buffer.concat([await fsp.readFile(zst), skip]));
  await expectDecodeError(file, new RegExp(`the skippable frame at byte ${(await fsp.stat(zst)).size} claims 4294967295 bytes, past the end of the file`));
});

/** Exactly one `imgsmith: error:` line naming `re`, no stack, exit 1 or 2. */
function assertOneError(r: CliResult, re: RegExp, what: string): void {
  const ctx = `${what}: exit ${r.exitCode}\nstderr:\n${r.stderr}`;
  assert.ok(r.exitCode === 1 || r.exitCode === 2, ctx);
  const lines = r.stderr.split('\n').filter((l) => l !== '' && !/^(imgsmith: )?warning/.test(l));
  assert.equal(lines.length, 1, ctx);
  assert.match(lines[0]!, /^imgsmith: error: /, ctx);
  assert.match(lines[0]!, re, ctx);
  assert.doesNotMatch(r.stderr, /^\s+at /m, ctx);
}

test('every image command on a corrupt .img.zst: one error line naming the frame, nothing left in $TMPDIR', { timeout: 600_000 }, async () => {
  const f = frames[1]!;
  const bad = await flipped(f.offset + 1000);
  const tmpdir = path.join(tmp, 'cmd-tmp');
  const dest = path.join(tmp, 'cmd-dest');
  await fsp.mkdir(tmpdir);
  const commands = [
    ['inspect', bad],
    ['ls', `${bad}:2`, '/'],
    ['cat', `${bad}:2`, '/etc/hostname'],
    ['extract', `${bad}:2`, '/etc', dest],
    ['diff', zst, bad],
    ['verify', bad],
  ];
  const re = new RegExp(`frame at byte ${f.offset} is corrupt`);
  const servers = Object.fromEntries(['cli', 'js'].map((z) => [z, startBatchServer({ tmpdir, rssFile: path.join(tmp, `rss-${z}`), hangMs: 300_000, env: { IMGSMITH_ZSTD: z } })]));
  const run = async (z: string, args: string[]) => {
    const r = await servers[z]!.run(args);
    assert.ok(r, `${z} ${args.join(' ')} did not finish (it hung, or the serving process died)`);
    return r;
  };
  for (const env of [{ IMGSMITH_ZSTD: 'cli' }, { IMGSMITH_ZSTD: 'js' }]) {
    for (const args of commands) {
      const r = await run(env.IMGSMITH_ZSTD, args);
      const what = `${env.IMGSMITH_ZSTD} ${args[0]}`;
      if (args[0] === 'verify') {
        // verify reports its checks; a failed decompress check is its one error line.
        assert.equal(r.exitCode, 1, `${what}: ${r.stderr}\n${r.stdout}`);
        assert.match(r.stdout + r.stderr, re, what);
        assert.doesNotMatch(r.stderr, /^\s+at /m, what);
      } else {
        assertOneError(r, re, what);
      }
      assert.deepEqual((await fsp.readdir(tmpdir)).filter((x) => x.startsWith('imgsmith')), [], `${what}: nothing left in TMPDIR`);
      assert.deepEqual(await listFiles(dest), [], `${what}: nothing extracted`);
    }
  }
  // The same commands work on the intact file (the corruption is what fails them).
  const ok = await run('js', ['cat', `${zst}:2`, '/etc/hostname']);
  assert.equal(ok.exitCode, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), 'zstd-test');
  for (const s of Object.values(servers)) assert.equal((await s.close()).failure, undefined);
});

/** One frame of `gib` GiB of zeros as RLE blocks (no checksum): 512 KiB per 16 GiB. */
function zeroBomb(gib: number): Buffer {
  const size = BigInt(gib) << 30n;
  const blocks = Number(size / 131072n);
  const b = Buffer.alloc(14 + blocks * 4);
  b.writeUInt32LE(0xfd2fb528, 0);
  b[4] = 0xc0;
  b[5] = 0x38;
  b.writeBigUInt64LE(size, 6);
  for (let i = 0; i < blocks; i++) b.writeUIntLE((131072 << 3) | (1 << 1) | (i === blocks - 1 ? 1 : 0), 14 + i * 4, 3);
  return b;
}

/** Starts `imgsmith inspect bomb` in the background; resolves once its temp dir exists in `tmpdir`. */
async function startBomb(tmpdir: string, env: Record<string, string>) {
  const bomb = path.join(tmp, 'bomb.img.zst');
  await fsp.writeFile(bomb, zeroBomb(256));
  const child = spawn(process.execPath, [CLI, 'inspect', bomb], { env: { ...process.env, ...env, TMPDIR: tmpdir }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const ours = async () => (await fsp.readdir(tmpdir)).filter((x) => x.startsWith('imgsmith-inspect-'));
  // Decoding has started once the output file exists in the temp dir (after the frame walk).
  const decoding = async () => {
    const [dir] = await ours();
    return dir !== undefined && (await fsp.readdir(path.join(tmpdir, dir)).catch(() => [] as string[])).includes('bomb.img');
  };
  for (let i = 0; i < 1200 && !(await decoding()); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(await decoding(), `the decode started: ${stderr}`);
  await new Promise((r) => setTimeout(r, 500)); // well into the 256 GiB
  return { child, exited, ours, stderr: () => stderr };
}

const alive = async (pid: number) => {
  try {
    const st = await fsp.readFile(`/proc/${pid}/stat`, 'latin1');
    return !/^\S+ \(.*\) [ZX] /.test(st);
  } catch {
    return false;
  }
};

for (const env of [{ IMGSMITH_ZSTD: 'js' }, { IMGSMITH_ZSTD: 'js', IMGSMITH_NO_NATIVE: '1' }] as Record<string, string>[]) {
  const label = env.IMGSMITH_NO_NATIVE ? NO_ADDON : 'in-process';
  test(`SIGTERM during a 256 GiB zero-bomb decode (${label}): exits within 10 s, nothing left in $TMPDIR`, { timeout: 300_000 }, async () => {
    const tmpdir = await fsp.mkdtemp(path.join(tmp, 'term-'));
    const b = await startBomb(tmpdir, env);
    b.child.kill('SIGTERM');
    const t0 = Date.now();
    const timer = setTimeout(() => b.child.kill('SIGKILL'), 10_000);
    const { code } = await b.exited;
    clearTimeout(timer);
    assert.ok(Date.now() - t0 < 10_000, `stopped in ${Date.now() - t0} ms`);
    assert.equal(code, 143, b.stderr());
    assert.match(b.stderr(), /interrupted by SIGTERM/);
    assert.deepEqual(await b.ours(), []);
  });
}

test('SIGKILL of the wrapper during a zero-bomb decode: the worker is gone within 10 s, $TMPDIR clean', { timeout: 300_000 }, async () => {
  const tmpdir = await fsp.mkdtemp(path.join(tmp, 'kill-'));
  const b = await startBomb(tmpdir, { IMGSMITH_ZSTD: 'js' });
  const kids = (await fsp.readFile(`/proc/${b.child.pid}/task/${b.child.pid}/children`, 'latin1')).trim().split(/\s+/).map(Number);
  assert.equal(kids.length, 1, 'one worker');
  const worker = kids[0]!;
  b.child.kill('SIGKILL');
  await b.exited;
  const t0 = Date.now();
  while ((await alive(worker)) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 100));
  const stillAlive = await alive(worker);
  if (stillAlive) process.kill(worker, 'SIGKILL');
  assert.ok(!stillAlive, `worker ${worker} still running 10 s after its wrapper was killed`);
  assert.deepEqual(await b.ours(), []);
});
