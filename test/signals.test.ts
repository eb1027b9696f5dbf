/**
 * Signals, process lifetime and resource exhaustion, through the real CLI
 * (bin/imgsmith.js: the wrapper and its worker) with real processes and signals:
 * interrupted builds publish nothing and leave nothing behind, a killed wrapper takes its
 * worker and tools with it, stale temp dirs of dead builds are removed (live ones kept),
 * inputs that would block are refused, and resource exhaustion is one clear line.
 *
 * Builds are held at a known point with IMGSMITH_TEST_HOOK (src/lifetime.ts: a real
 * `sleep` child tool runs there), so signals land mid-build deterministically; a few
 * cases also signal a real build at its first --json event. The up-front checks of --label and
 * SOURCE_DATE_EPOCH, the refusal to replace a directory and which stale temp dirs a build removes
 * (about the build's checks, not the process) run
 * through the CLI's main() in one serving process (helpers/cli-batch.ts startBatchServer).
 * The closure, firmware and boot-test's image are the shared recipe cache's (read only).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fsp, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { ClosureFixture } from './helpers/closure-fixture.ts';
import { cachedRecipe, recipeFixture } from './helpers/recipe-cache.ts';
import { CLI, REPO, runCli, listFiles, type CliResult } from './helpers/cli.ts';
import { startBatchServer, type BatchServer } from './helpers/cli-batch.ts';
import { describeError, buildError, InterruptedError, toolFailed, ToolFailedError } from '../src/errors.ts';

const RECIPE = path.join(REPO, 'images/rpi-aarch64.json');
let tmp: string;
let fx: ClosureFixture;
let firmware: string;
let base: string; // the output base name
let server: BatchServer;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-signals-'));
  ({ fx, firmware } = await recipeFixture());
  await fsp.mkdir(path.join(tmp, 'server-tmp'));
  server = startBatchServer({ tmpdir: path.join(tmp, 'server-tmp'), rssFile: path.join(tmp, 'server-rss'), hangMs: 300_000 });
  const version = (await fsp.readFile(path.join(fx.toplevel, 'nixos-version'), 'utf8')).trim();
  base = `nixos-sd-image-${version}-aarch64-linux`;
});

after(async () => {
  await server?.close();
  await fsp.rm(tmp, { recursive: true, force: true });
});

/** `imgsmith ARGS` through the serving process (`env` set for this run). */
async function served(args: string[], env?: Record<string, string>): Promise<CliResult> {
  const r = await server.run(args, env);
  assert.ok(r, `${args.join(' ')} did not finish (it hung, or the serving process died)`);
  return r;
}

let n = 0;
const newOut = () => path.join(tmp, `out-${n++}`);
const buildArgs = (out: string, extra: string[] = [], spec = RECIPE) => [
  'build', spec, '--closure', fx.closureInfoDir, '--store-root', fx.storeRoot, '--toplevel', fx.toplevel, '--firmware', firmware, '-o', out, ...extra,
];

// ---------------------------------------------------------------------------------------
// Processes

function procState(pid: number): { state: string; ppid: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0]!, ppid: Number(f[1]) };
  } catch {
    return undefined;
  }
}
/** Running (not gone, not a zombie). */
const running = (pid: number) => {
  const st = procState(pid);
  return st !== undefined && st.state !== 'Z' && st.state !== 'X';
};
const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 100 ms until it holds; false if it still does not after `limitMs`. */
async function eventually(cond: () => boolean | Promise<boolean>, limitMs = 20_000): Promise<boolean> {
  for (let waited = 0; waited < limitMs; waited += 100) {
    if (await cond()) return true;
    await sleepMs(100);
  }
  return cond();
}

interface Run {
  pid: number;
  stderr: () => string;
  /** The --json events seen so far. */
  events: Record<string, unknown>[];
  /** Resolves with the first event matching `pred` (rejects if the process ends first). */
  event: (pred: (e: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill: (sig: NodeJS.Signals) => void;
}

/** Starts bin/imgsmith.js (the wrapper) with `args`; stdout is parsed as --json events. */
function start(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  const events: Record<string, unknown>[] = [];
  const waiters: { pred: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }[] = [];
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (let i; (i = out.indexOf('\n')) >= 0; out = out.slice(i + 1)) {
      let e: Record<string, unknown>;
      try {
        e = JSON.parse(out.slice(0, i));
      } catch {
        continue;
      }
      events.push(e);
      for (const w of waiters.filter((x) => x.pred(e))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    pid: child.pid!,
    stderr: () => err,
    events,
    event: (pred) =>
      new Promise((resolve, reject) => {
        const seen = events.find(pred);
        if (seen) return resolve(seen);
        waiters.push({ pred, resolve });
        void exit.then(() => reject(new Error(`imgsmith exited before the expected event; stderr:\n${err}`)));
      }),
    exit,
    kill: (sig) => child.kill(sig),
  };
}

/** The one stderr line of a failed run. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `exactly one line on stderr, got:\n${stderr}`);
  return lines[0]!;
}

// ---------------------------------------------------------------------------------------
// Interruption

const SIGNALS: [NodeJS.Signals, number][] = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
];

for (const [sig, code] of SIGNALS) {
  test(`${sig} during a build: exit ${code}, one line, its tool killed, nothing left in out/`, async () => {
    const out = newOut();
    const run = start(buildArgs(out, ['--json']), { IMGSMITH_TEST_HOOK: 'hold:build' });
    const hold = await run.event((e) => e.event === 'test-hold');
    const tool = hold.pid as number;
    assert.ok(running(tool), 'the held tool runs');
    const names = await fsp.readdir(out);
    assert.equal(names.length, 1, `one temp dir while building: ${names.join(', ')}`);
    assert.match(names[0]!, /^\.imgsmith-tmp-/);
    run.kill(sig);
    const r = await run.exit;
    assert.deepEqual(r, { code, signal: null });
    assert.equal(oneLine(run.stderr()), `imgsmith: interrupted by ${sig}; nothing was published`);
    assert.deepEqual(await fsp.readdir(out), [], 'nothing in out/, not even the temp dir');
    assert.ok(!running(tool), 'the tool it ran was killed');
    assert.deepEqual(run.events.at(-1), { version: 1, event: 'error', exitCode: code, signal: sig, message: `imgsmith: interrupted by ${sig}; nothing was published` });
  });
}

test('SIGTERM at the first progress event of a real build: exit 143, nothing in out/', async () => {
  const out = newOut();
  const run = start(buildArgs(out, ['--json']));
  await run.event((e) => e.event === 'phase-start');
  run.kill('SIGTERM');
  const r = await run.exit;
  assert.equal(r.code, 143, run.stderr());
  assert.equal(oneLine(run.stderr()), 'imgsmith: interrupted by SIGTERM; nothing was published');
  assert.deepEqual(await fsp.readdir(out), []);
});

test('SIGKILL of the wrapper: the worker and its tool stop, nothing is published', async () => {
  const out = newOut();
  // Held for 3 s right before publishing; without a parent watch the worker would then publish.
  const run = start(buildArgs(out, ['--json']), { IMGSMITH_TEST_HOOK: 'hold:publish:3' });
  const hold = await run.event((e) => e.event === 'test-hold');
  const tool = hold.pid as number;
  const worker = procState(tool)!.ppid;
  assert.equal(procState(worker)?.ppid, run.pid, 'the tool runs under the worker, a child of the wrapper');
  run.kill('SIGKILL');
  await run.exit;
  assert.ok(await eventually(() => !running(worker) && !running(tool)), 'the worker and its tool are gone');
  // The worker is gone, so nothing can appear any more; the hold would have ended by now.
  await sleepMs(3500);
  assert.deepEqual(await fsp.readdir(out), [], 'nothing published, temp dir removed');
});

test('SIGKILL of the wrapper at the first progress event of a real build: nothing is published', async () => {
  const out = newOut();
  const run = start(buildArgs(out, ['--json']));
  await run.event((e) => e.event === 'phase-start');
  const worker = (await fsp.readdir('/proc')).map(Number).find((p) => procState(p)?.ppid === run.pid);
  run.kill('SIGKILL');
  await run.exit;
  if (worker !== undefined) assert.ok(await eventually(() => !running(worker)), 'the worker is gone');
  await sleepMs(1000);
  assert.deepEqual(await fsp.readdir(out), [], 'nothing published, temp dir removed');
});

// ---------------------------------------------------------------------------------------
// Stale temporary directories

function ownerOf(pid: number | 'self'): { pid: number; start: string; boot: string; host: string } {
  const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return {
    pid: pid === 'self' ? process.pid : pid,
    start: f[19]!,
    boot: readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim(),
    host: os.hostname(),
  };
}

test('a build removes temp dirs of dead builds and keeps those of live ones', async () => {
  const out = newOut();
  await fsp.mkdir(out);
  const me = ownerOf('self');
  const dirs: Record<string, object | undefined> = {
    '.imgsmith-tmp-live': me, // this test process: alive
    '.imgsmith-tmp-reused-pid': { ...me, start: String(Number(me.start) + 1) }, // same pid, other process: dead
    '.imgsmith-tmp-gone-pid': { ...me, pid: 4194304 + 7 }, // beyond pid_max: dead
    '.imgsmith-tmp-old-boot': { ...me, boot: '00000000-0000-0000-0000-000000000000' }, // before a reboot: dead
    '.imgsmith-tmp-other-host': { ...me, pid: 4194304 + 7, host: `not-${os.hostname()}` }, // unknown: kept
    '.imgsmith-tmp-no-owner': undefined, // unknown: kept
  };
  for (const [d, owner] of Object.entries(dirs)) {
    await fsp.mkdir(path.join(out, d));
    await fsp.writeFile(path.join(out, d, 'partial.img'), 'x');
    if (owner) await fsp.writeFile(path.join(out, d, '.imgsmith-owner'), JSON.stringify(owner));
  }
  // Through the serving process: which dirs are removed is the build's decision, not the process's
  // (the real CLI's removal of a killed build's dir: the test after the next).
  const r = await served(buildArgs(out));
  assert.equal(r.exitCode, 0, r.stderr);
  const left = (await fsp.readdir(out)).filter((x) => x.startsWith('.imgsmith-tmp-')).sort();
  assert.deepEqual(left, ['.imgsmith-tmp-live', '.imgsmith-tmp-no-owner', '.imgsmith-tmp-other-host']);
  assert.equal(await fsp.readFile(path.join(out, '.imgsmith-tmp-live', 'partial.img'), 'utf8'), 'x', 'the live one untouched');
});

test('SIGKILL of the worker (as by the OOM killer): the wrapper kills its tool, removes its temp dir, exit 1', async () => {
  const out = newOut();
  const run = start(buildArgs(out, ['--json']), { IMGSMITH_TEST_HOOK: 'hold:build' });
  const hold = await run.event((e) => e.event === 'test-hold');
  const tool = hold.pid as number;
  process.kill(procState(tool)!.ppid, 'SIGKILL');
  const r = await run.exit;
  assert.equal(r.code, 1, run.stderr());
  assert.match(oneLine(run.stderr()), /^imgsmith: error: the imgsmith worker process \(pid \d+\) was killed by SIGKILL \(out of memory\? see `dmesg`\); nothing was published$/);
  // The wrapper sends SIGKILL to the group and exits; the tool's end follows within moments (under load, not always before).
  assert.ok(await eventually(() => !running(tool), 5_000), 'the orphaned tool was killed');
  assert.deepEqual(await fsp.readdir(out), []);
});

/** The output directory of the last test's finished build (the next one builds over it). */
let builtOut: string | undefined;
/** What a build of the recipe publishes. */
const OUTPUTS = () => [`${base}.bmap`, `${base}.img.zst`, `${base}.img.zst.sha256`, 'manifest.json', 'nix-support/hydra-build-products', 'nix-support/system'].sort();

test('a build killed with SIGKILL leaves a temp dir that the next build removes', async () => {
  const out = newOut();
  const run = start(buildArgs(out, ['--json']), { IMGSMITH_TEST_HOOK: 'hold:build' });
  const hold = await run.event((e) => e.event === 'test-hold');
  const worker = procState(hold.pid as number)!.ppid;
  // Kill everything so that nobody cleans up: the worker is stopped first so it cannot react.
  process.kill(worker, 'SIGSTOP');
  process.kill(run.pid, 'SIGKILL');
  process.kill(hold.pid as number, 'SIGKILL');
  process.kill(worker, 'SIGKILL');
  await run.exit;
  assert.ok(await eventually(() => !running(worker)));
  const stale = (await fsp.readdir(out)).filter((x) => x.startsWith('.imgsmith-tmp-'));
  assert.equal(stale.length, 1, 'the killed build left its temp dir');
  const r = await runCli(buildArgs(out, ['--json']));
  assert.equal(r.exitCode, 0, r.stderr);
  assert.ok(r.stdout.includes(`removed ${path.join(out, stale[0]!)}`), 'a warning event names the removed dir');
  assert.deepEqual((await fsp.readdir(out)).filter((x) => x.startsWith('.')), []);
  builtOut = out;
});

test('two concurrent builds into the same output directory both succeed', async () => {
  // A previous build's outputs (nix-support/ included) are replaced: those of the test above
  // (a finished build, nothing else left), or of a build made here when it did not run.
  let out = builtOut;
  builtOut = undefined;
  if (!out) {
    out = newOut();
    assert.equal((await runCli(buildArgs(out))).exitCode, 0);
  }
  assert.deepEqual(await listFiles(out), OUTPUTS(), 'a finished build is there');
  const [a, b] = await Promise.all([runCli(buildArgs(out)), runCli(buildArgs(out))]);
  assert.equal(a.exitCode, 0, a.stderr);
  assert.equal(b.exitCode, 0, b.stderr);
  assert.deepEqual(await listFiles(out), OUTPUTS());
  await execa('sha256sum', ['-c', `${base}.img.zst.sha256`], { cwd: out });
  await execa('zstd', ['-tq', `${base}.img.zst`], { cwd: out });
});

// ---------------------------------------------------------------------------------------
// Inputs that would block

async function fifo(p: string): Promise<string> {
  await execa('mkfifo', [p]);
  return p;
}

test('a FIFO as the spec is refused at once (exit 2)', async () => {
  const out = newOut();
  const spec = await fifo(path.join(tmp, `spec-fifo-${n++}.json`));
  const r = await execa(process.execPath, [CLI, ...buildArgs(out, [], spec)], { reject: false, timeout: 60_000, cwd: REPO });
  assert.equal(r.timedOut, false, 'did not hang');
  assert.equal(r.exitCode, 2, r.stderr);
  assert.match(oneLine(r.stderr), /^imgsmith: error: spec .*spec-fifo-\d+\.json is a FIFO \(named pipe\)/);
  assert.deepEqual(await listFiles(out), []);
});

test('a FIFO as store-paths, registration or --closure is refused at once (exit 1)', async () => {
  for (const which of ['store-paths', 'registration', 'closure']) {
    const ci = path.join(tmp, `ci-${n++}`);
    await fsp.cp(fx.closureInfoDir, ci, { recursive: true });
    let closure = ci;
    if (which === 'closure') {
      closure = await fifo(path.join(tmp, `closure-fifo-${n++}`));
    } else {
      await fsp.rm(path.join(ci, which));
      await fifo(path.join(ci, which));
    }
    const out = newOut();
    const args = buildArgs(out);
    args[args.indexOf('--closure') + 1] = closure;
    const r = await execa(process.execPath, [CLI, ...args], { reject: false, timeout: 60_000, cwd: REPO });
    assert.equal(r.timedOut, false, `${which}: did not hang`);
    assert.equal(r.exitCode, 1, r.stderr);
    const line = oneLine(r.stderr);
    assert.match(line, which === 'closure' ? /closure-fifo-\d+ is neither a directory nor a file/ : new RegExp(`${which} is a FIFO \\(named pipe\\)`));
    assert.deepEqual(await listFiles(out), []);
  }
});

// ---------------------------------------------------------------------------------------
// Resource exhaustion

test('V8 heap exhaustion: one line naming IMGSMITH_MAX_HEAP_MB, exit 1, temp dir removed', async () => {
  const out = newOut();
  const r = await runCli(buildArgs(out), { env: { IMGSMITH_TEST_HOOK: 'oom:build', IMGSMITH_MAX_HEAP_MB: '64' } });
  assert.equal(r.exitCode, 1, r.stderr);
  assert.equal(
    oneLine(r.stderr),
    'imgsmith: error: out of memory: the JavaScript heap limit is 64 MB; set IMGSMITH_MAX_HEAP_MB=256 (or more) and run again',
  );
  assert.deepEqual(await fsp.readdir(out), [], 'the worker died, the wrapper removed its temp dir');
});

test('IMGSMITH_MAX_HEAP_MB must be a whole number >= 64 (exit 2)', async () => {
  for (const v of ['abc', '12.5', '32', '-1']) {
    const out = newOut();
    const r = await runCli(buildArgs(out), { env: { IMGSMITH_MAX_HEAP_MB: v } });
    assert.equal(r.exitCode, 2, `${v}: ${r.stderr}`);
    assert.match(oneLine(r.stderr), new RegExp(`^imgsmith: error: IMGSMITH_MAX_HEAP_MB must be a whole number of megabytes .*got "${v.replace('.', '\\.')}"`));
    assert.deepEqual(await listFiles(out), []);
  }
});

test('`ulimit -f` too small for the image: EFBIG, one line, exit 1, nothing left', async () => {
  const out = newOut();
  // 20000 blocks (512 or 1024 bytes, by shell) is below the ~46 MiB image.
  const r = await execa('sh', ['-c', 'ulimit -f 20000; exec "$0" "$@"', process.execPath, CLI, ...buildArgs(out)], {
    reject: false,
    cwd: REPO,
    timeout: 120_000,
  });
  assert.equal(r.exitCode, 1, r.stderr);
  assert.match(
    oneLine(r.stderr),
    new RegExp(`^imgsmith: error: file size limit exceeded while writing ${out}/${base}\\.img \\(46\\.0 MiB\\): \`ulimit -f\` allows \\d+\\.\\d MiB; raise it`),
  );
  assert.deepEqual(await fsp.readdir(out), []);
});

test('error mapping: a tool killed by a signal, ENOSPC, EMFILE (real errors)', async () => {
  // A tool killed by SIGKILL, wrapped as the filesystem drivers do.
  const killed = await execa('sh', ['-c', 'kill -KILL $$']).catch((e: unknown) => e);
  assert.deepEqual(describeError(buildError('partition 2 ("root"): mke2fs failed: killed', killed)), {
    message: 'sh was killed by SIGKILL (out of memory? see `dmesg`)',
    exitCode: 1,
  });
  // A tool ended by SIGTERM is an interruption: an InterruptedError, exit 128 + 15.
  const term = await execa('sh', ['-c', 'kill -TERM $$']).catch((e: unknown) => e);
  const interrupted = toolFailed('mke2fs', 'partition 2 ("root"): mke2fs failed', term);
  assert.ok(interrupted instanceof InterruptedError);
  assert.equal(interrupted.exitCode, 143);
  assert.deepEqual(describeError(interrupted, { interruptedNote: '; nothing was published' }), {
    message: 'imgsmith: interrupted by SIGTERM; nothing was published',
    exitCode: 143,
    interrupted: 'SIGTERM',
  });
  assert.ok(toolFailed('mke2fs', 'killed', killed) instanceof ToolFailedError);
  const hup = await execa('sh', ['-c', 'kill -HUP $$']).catch((e: unknown) => e);
  assert.deepEqual(describeError(hup, { interruptedNote: '; nothing was published' }), {
    message: 'imgsmith: interrupted by SIGHUP; nothing was published',
    exitCode: 129,
    interrupted: 'SIGHUP',
  });
  // ENOSPC: /dev/full.
  let enospc: unknown;
  try {
    writeFileSync('/dev/full', 'x');
  } catch (e) {
    enospc = e;
  }
  assert.match(describeError(enospc, { outDir: tmp }).message, new RegExp(`^no space left on device while writing in ${tmp} \\(\\d.* free there\\): free some space or use another -o$`));
  // EMFILE: a child Node with `ulimit -n` 64 opening files until it fails.
  const r = await execa(
    'sh',
    ['-c', `ulimit -n 64; exec "$0" -e "const fs=require('fs');try{for(;;)fs.openSync('/dev/null','r')}catch(e){process.stdout.write(JSON.stringify({code:e.code,syscall:e.syscall,message:e.message}))}"`, process.execPath],
    { reject: false },
  );
  const emfile = Object.assign(new Error(JSON.parse(r.stdout).message), JSON.parse(r.stdout));
  assert.match(describeError(emfile).message, /^too many open files: raise `ulimit -n` \(now \d+\) and run again$/);
});

// ---------------------------------------------------------------------------------------
// Up-front checks

test('SOURCE_DATE_EPOCH beyond 2^32-1 is refused (exit 2); 2^32-1 builds', async () => {
  const out = newOut();
  const r = await served(buildArgs(out), { SOURCE_DATE_EPOCH: '99999999999999' });
  assert.equal(r.exitCode, 2, r.stderr);
  assert.match(oneLine(r.stderr), /^imgsmith: error: SOURCE_DATE_EPOCH=99999999999999 is too large: .*4294967295 \(2106-02-07 06:28:15 UTC\)/);
  assert.deepEqual(await listFiles(out), []);
  const ok = await served(buildArgs(out, ['--no-compress']), { SOURCE_DATE_EPOCH: '4294967295' });
  assert.equal(ok.exitCode, 0, ok.stderr);
});

test('--label with a control character or too long is refused before building (exit 2)', async () => {
  for (const [label, re] of [
    ['1.0\nrm', /^imgsmith: error: --label contains a control character \("\\n" at position 3\)/],
    ['x'.repeat(300), /^imgsmith: error: --label is too long: the output file name .* would be \d+ bytes, the limit is 255; use a label at most 211 bytes long/],
  ] as const) {
    const out = newOut();
    const r = await served(buildArgs(out, ['--label', label]));
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(oneLine(r.stderr), re);
    assert.deepEqual(await listFiles(out), []);
  }
  const out = newOut();
  const r = await served(buildArgs(out, ['--label', 'x'.repeat(211), '--no-compress']));
  assert.equal(r.exitCode, 0, `the longest label fits: ${r.stderr}`);
});

// ---------------------------------------------------------------------------------------
// Publishing never deletes what imgsmith did not make

test('a directory at an output name is refused and left intact; nothing is published', async () => {
  for (const [name, file] of [
    [`${base}.img.zst`, 'precious.txt'],
    ['nix-support', 'my-notes'],
  ] as const) {
    const out = newOut();
    await fsp.mkdir(path.join(out, name), { recursive: true });
    await fsp.writeFile(path.join(out, name, file), 'user data');
    const r = await served(buildArgs(out));
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(oneLine(r.stderr), new RegExp(`^imgsmith: error: ${out}/${name.replaceAll('.', '\\.')} exists and is a directory.*move it away or use another -o`));
    assert.deepEqual(await listFiles(out), [`${name}/${file}`], 'the directory is intact and nothing else appeared');
  }
});

// ---------------------------------------------------------------------------------------
// boot-test

test('SIGTERM during boot-test: exit 143, QEMU killed, its temp dir removed', async () => {
  const { img } = await cachedRecipe('rpi-aarch64.json');
  const run = start(['boot-test', img, '--machine', 'virt', '--marker', 'nope', '--timeout', '600']);
  let dir: string | undefined;
  assert.ok(
    await eventually(() => {
      const m = /-drive if=none,file=(\/\S+)\/overlay\.qcow2/.exec(run.stderr());
      dir = m?.[1];
      return dir !== undefined;
    }, 60_000),
    `boot-test started QEMU; stderr:\n${run.stderr()}`,
  );
  const qemu = async () =>
    (await fsp.readdir('/proc'))
      .filter((p) => /^\d+$/.test(p))
      .map(Number)
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'latin1').includes(`${dir}/overlay.qcow2`);
        } catch {
          return false;
        }
      });
  let pids: number[] = [];
  assert.ok(await eventually(async () => (pids = await qemu()).length > 0), 'QEMU runs');
  run.kill('SIGTERM');
  const r = await run.exit;
  assert.equal(r.code, 143, run.stderr());
  const lines = run.stderr().trim().split('\n');
  assert.equal(lines.at(-1), 'imgsmith: interrupted by SIGTERM; boot test aborted, QEMU stopped');
  assert.ok(!lines.some((l) => /error|at .*\.ts/.test(l)), `no error or stack:\n${run.stderr()}`);
  for (const p of pids) assert.ok(!running(p), 'QEMU was killed');
  await assert.rejects(fsp.stat(dir!), 'the /tmp/imgsmith-boot-* dir is gone');
});
