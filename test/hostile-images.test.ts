/**
 * Hostile images (test/helpers/hostile-corpus.ts): every image command (inspect, ls -R,
 * cat, extract, diff, verify) runs against each corpus image, through the real CLI on the
 * first image made from each good image (5 images: every command on every reader family) and
 * through the CLI's main() in one process serving all the others, one run at a time
 * (helpers/cli-batch.ts startBatchServer). Each run must end cleanly: exit 0 only where the image is fine for that command, else exit 1
 * or 2 with exactly one `imgsmith: error:` line naming the problem (verify: exit 1 with its
 * report), no stack frames, nothing written outside the extract target, no temporary
 * files left, no hang (a 60 s limit per command, only to catch hangs) and a bounded
 * maximum RSS (/usr/bin/time). Where the corpus says a command must fail, the message is
 * checked; where it says the image is fine, the output is.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { CLI, REPO, listFiles } from './helpers/cli.ts';
import { CASE_BASES, CASE_COUNT, CASE_NAMES, makeCorpus, type Command, type HostileCase } from './helpers/hostile-corpus.ts';
import { killGroupAfter, startBatchServer, type BatchServer } from './helpers/cli-batch.ts';

const MAX_RSS_KB = 400 * 1024;
const HANG_MS = 60_000;

let tmp: string;
let corpus: Promise<HostileCase[]>;
/** The process running the commands through main() (all images but the real-CLI ones). */
let server: BatchServer;
let serverClosed: ReturnType<BatchServer['close']> | undefined;
const closeServer = () => (serverClosed ??= server.close());

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-hostile-images-'));
  await fsp.mkdir(path.join(tmp, 'corpus'));
  await fsp.mkdir(path.join(tmp, 'tmpdir'));
  server = startBatchServer({ tmpdir: path.join(tmp, 'tmpdir'), rssFile: path.join(tmp, 'server-rss'), hangMs: HANG_MS });
  corpus = makeCorpus(path.join(tmp, 'corpus'));
  await corpus;
});

after(async () => {
  await closeServer();
  await fsp.rm(tmp, { recursive: true, force: true });
});

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
  rssKb: number;
  timedOut: boolean;
}

/** Entries imgsmith left in the runs' TMPDIR (tsx's compile cache, when it runs src/, is not ours). */
async function leftInTmp(tmpdir: string): Promise<string[]> {
  return (await fsp.readdir(tmpdir)).filter((f) => !f.startsWith('tsx-')).sort();
}

/** The CLI under /usr/bin/time (max RSS), in its own process group (killed on a hang), TMPDIR ours. */
async function run(args: string[], dir: string): Promise<Run> {
  const rss = path.join(dir, 'rss');
  const tmpdir = path.join(tmp, 'tmpdir');
  await fsp.mkdir(tmpdir, { recursive: true });
  const sub = execa('/usr/bin/time', ['-f', '%M', '-o', rss, process.execPath, CLI, ...args], {
    cwd: REPO, env: { TMPDIR: tmpdir }, extendEnv: true, reject: false, detached: true, encoding: 'latin1', stripFinalNewline: false,
  });
  const { r, timedOut } = await killGroupAfter(sub, HANG_MS);
  const rssKb = Number((await fsp.readFile(rss, 'utf8').catch(() => '')).trim().split('\n').pop());
  assert.deepEqual(await leftInTmp(tmpdir), [], `temporary files left by ${args.join(' ')}`);
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), rssKb, timedOut };
}

/** Exit codes that mean "worked" for each command (diff: 1 = the images differ, no error). */
const OK_CODES: Record<Command, number[]> = { inspect: [0], ls: [0], cat: [0], extract: [0], diff: [0, 1], verify: [0] };

function checkRun(cmd: Command, r: Run, c: HostileCase): void {
  const ctx = `${c.name}: ${cmd}: exit ${r.exitCode}\nstderr:\n${r.stderr.slice(0, 2000)}`;
  assert.ok(!r.timedOut, `hung (killed after ${HANG_MS / 1000} s): ${ctx}`);
  assert.ok(Number.isFinite(r.rssKb) && r.rssKb > 0 && r.rssKb < MAX_RSS_KB, `max RSS ${r.rssKb} kB: ${ctx}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `no stack frames: ${ctx}`);
  assert.doesNotMatch(r.stderr, /node::|Assertion|FATAL|RangeError|TypeError/, `no crash: ${ctx}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('imgsmith: warning') && !l.startsWith('warning:'));
  const errors = lines.filter((l) => l.startsWith('imgsmith: error: '));
  assert.equal(lines.length, errors.length, `nothing on stderr but the error line: ${ctx}`);
  const worked = OK_CODES[cmd].includes(r.exitCode) && errors.length === 0;
  const mustFail = c.mustFail[cmd];
  const mustPass = c.mustPass?.[cmd];
  if (worked) {
    assert.ok(!mustFail, `${cmd} must fail on ${c.name} (${mustFail}), but it worked: ${ctx}\nstdout:\n${r.stdout.slice(0, 1000)}`);
    if (mustPass) assert.match(r.stdout, mustPass, ctx);
    return;
  }
  assert.ok(!mustPass, `${cmd} must work on ${c.name}: ${ctx}`);
  if (cmd === 'verify' && errors.length === 0) {
    // verify's own report of failed checks.
    assert.equal(r.exitCode, 1, ctx);
    assert.match(r.stdout, /NOT verified/, ctx);
    return;
  }
  assert.ok(cmd === 'diff' ? r.exitCode === 2 : r.exitCode === 1 || r.exitCode === 2, `exit 1 or 2 (diff: 2): ${ctx}`);
  assert.equal(errors.length, 1, `exactly one error line: ${ctx}`);
  if (mustFail) assert.match(errors[0]!, mustFail, ctx);
}

/**
 * The real CLI (bin/imgsmith.js, one process per run) runs all six commands on the first image
 * made from each good image (GPT, DOS, btrfs, erofs, squashfs: each command on each reader
 * family): the process contract end to end. The other images run their six commands through
 * main() in the serving process (helpers/cli-batch.ts): the same checks of exit codes, messages,
 * output and files, with the RSS bound on that process's peak so far (and at its end, tools
 * included: the last test) and the temporary files checked after each image.
 */
const REAL_CLI = new Set(CASE_NAMES.filter((name, i) => CASE_NAMES.findIndex((m) => CASE_BASES[m] === CASE_BASES[name]) === i));

function commands(c: HostileCase, dir: string): [Command, string[]][] {
  const target = `${c.image}:${c.part}`;
  return [
    ['inspect', ['inspect', c.image]],
    ['ls', ['ls', '-R', target, '/']],
    ['cat', ['cat', target, c.catPath]],
    ['extract', ['extract', target, '/', path.join(dir, 'out', 'x')]],
    ['diff', ['diff', c.image, c.good]],
    ['verify', ['verify', c.image]],
  ];
}

/** extract writes only its target (or nothing, when it failed). */
async function checkExtractOut(dir: string, exitCode: number): Promise<void> {
  const out = await listFiles(path.join(dir, 'out'));
  if (exitCode === 0) assert.ok(out.every((f) => f.startsWith('x/')), `extract wrote outside its target: ${out.join(', ')}`);
  else assert.deepEqual(out, [], 'a failed extract leaves nothing');
}

type SubTests = { test: (name: string, fn: () => Promise<void>) => Promise<void> };

async function runCaseCli(c: HostileCase, dir: string, t: SubTests): Promise<void> {
  for (const [cmd, args] of commands(c, dir)) {
    await t.test(cmd, async () => {
      const sub = path.join(dir, cmd);
      await fsp.mkdir(sub, { recursive: true });
      const before = await listFiles(path.dirname(c.image));
      const r = await run(args, sub);
      checkRun(cmd, r, c);
      // Nothing written beside the images, and extract writes only its target (or nothing).
      assert.deepEqual(await listFiles(path.dirname(c.image)), before, `${cmd} wrote beside the image`);
      if (cmd === 'extract') await checkExtractOut(dir, r.exitCode);
    });
  }
}

/** One run in the serving process, as a Run (its RSS: the process's peak so far). */
async function served(args: string[]): Promise<Run> {
  const r = await server.run(args);
  assert.ok(r, `${args.join(' ')} did not finish (it hung: killed after ${HANG_MS / 1000} s, or the serving process died)`);
  assert.deepEqual(await leftInTmp(path.join(tmp, 'tmpdir')), [], `temporary files left by ${args.join(' ')}`);
  return { ...r, rssKb: r.maxRssKb, timedOut: false };
}

async function runCaseBatch(c: HostileCase, dir: string, t: SubTests): Promise<void> {
  const before = await listFiles(path.dirname(c.image));
  for (const [cmd, args] of commands(c, dir)) {
    await t.test(cmd, async () => {
      const r = await served(args);
      checkRun(cmd, r, c);
      if (cmd === 'extract') await checkExtractOut(dir, r.exitCode);
    });
  }
  assert.deepEqual(await listFiles(path.dirname(c.image)), before, 'the commands wrote beside the image');
}

async function runCase(c: HostileCase, t: SubTests): Promise<void> {
  const dir = path.join(tmp, 'runs', c.name);
  await fsp.mkdir(path.join(dir, 'out'), { recursive: true });
  await (REAL_CLI.has(c.name) ? runCaseCli(c, dir, t) : runCaseBatch(c, dir, t));
}

test('the corpus has at least 40 hostile images', () => {
  assert.ok(CASE_COUNT >= 40, `${CASE_COUNT} cases`);
});

// One test per image (the corpus is built once, in before()); its names are known up front.
for (const name of CASE_NAMES) {
  test(`hostile image ${name}`, { timeout: 10 * 60_000 }, async (t) => {
    const c = (await corpus).find((x) => x.name === name)!;
    await runCase(c, t);
  });
}

test('the good images are read correctly (the corpus starts from sound images)', async (t) => {
  const cs = await corpus;
  const good = cs.find((c) => c.name === 'fat-lfn-broken')!.good;
  await t.test('ls -R of the FAT partition', async () => {
    const r = await served(['ls', '-R', `${good}:1`, '/']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, '/:\nLong name.txt\ndir\nhello.bin\n\n/dir:\na.txt\nsub\n\n/dir/sub:\nf.txt\n');
  });
  await t.test('ls -R of the ext4 partition', async () => {
    const r = await served(['ls', '-R', `${good}:2`, '/']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^\/:\nLong name\.txt\ndir\nhello\.bin\nlost\+found\n\n\/dir:\na\.txt\nsub\n/);
  });
  await t.test('verify', async () => {
    const r = await served(['verify', good]);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  });
  const sq = cs.find((c) => c.name === 'squashfs-dir-loop')!.good;
  await t.test('ls -R, cat and verify of the squashfs image', async () => {
    const ls = await served(['ls', '-R', `${sq}:1`, '/']);
    assert.equal(ls.exitCode, 0, ls.stderr);
    assert.equal(ls.stdout, '/:\nLong name.txt\ndir\nhello.bin\n\n/dir:\na.txt\nsub\n\n/dir/sub:\nf.txt\n');
    const cat = await served(['cat', `${sq}:1`, '/dir/sub/f.txt']);
    assert.equal(cat.stdout, 'f\n', cat.stderr);
    const v = await served(['verify', sq]);
    assert.equal(v.exitCode, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /unsquashfs -lls: 7 entries listed/);
  });
});

test('the serving process ended cleanly, its maximum RSS (the tools it ran included) within the bound', async () => {
  const end = await closeServer();
  assert.equal(end.timedOut, false, 'no run hung');
  assert.equal(end.failure, undefined);
  assert.ok(Number.isFinite(end.rssKb) && end.rssKb > 0 && end.rssKb < MAX_RSS_KB, `max RSS ${end.rssKb} kB`);
});
