#!/usr/bin/env node
// Runs the CLI: the JavaScript that `npm run build` (run by npm ci/install, and by npm pack
// through `prepare`) compiles into lib/. An installed package has lib/ and no src/: always
// lib/. In a checkout, lib/ when it is up to date with src/ (faster start, ~35 MB less
// memory), else the TypeScript in src/ through tsx's loader (a dev dependency). From lib/,
// the single-file bundle lib/cli.bundle.js (scripts/bundle-cli.ts) when present, else
// lib/cli.js: one module to compile instead of ~300 halves a short command's start-up, and
// Node 22.1+ keeps V8's code cache of it in the user's cache directory (enableCompileCache).
//
// Memory: V8 grows its heap lazily up to a large default limit, so on a big closure
// (65k files) the process reached 566 MB RSS while its live heap stayed far below
// 128 MB. The CLI therefore runs with a bounded old space (IMGSMITH_MAX_HEAP_MB,
// default 128), which kept peak RSS at 215 MB on that closure whatever the image size,
// and a 4 MB young generation semi-space (V8's default of 16 MB added ~40 MB of RSS and
// made no measurable difference in speed on the 74k- and 300k-entry benchmark closures).
//
// This process (the "wrapper", the PID the user started) re-runs Node with that limit
// (the "worker", src/cli.ts) and stays small. See src/lifetime.ts for the worker's side.
//  - The worker runs in its own session; SIGINT/SIGTERM/SIGHUP are forwarded (SIGTSTP and
//    SIGCONT too, as SIGSTOP/SIGCONT to its process group); the worker kills its tools, removes its temp
//    dirs, prints one line and exits 128+n, and so does the wrapper.
//  - The worker's fd 2 is a pipe read here: V8's fatal out-of-memory report (GC log and
//    native stack) is replaced by one line saying what to change (exit 1). Its own
//    messages and progress go straight to our stderr (its fd 3).
//  - The worker reports its temporary directories on fd 4; if it dies (OOM, SIGKILL, a
//    crash) the wrapper removes those it still owns. If the wrapper dies, the worker sees
//    end-of-file on fd 4 (and its parent pid change) and stops without publishing.
//
// The subprocesses here (the worker, and find/rm for the temp dirs a dead worker left) are the
// only ones not run through src/tools/run.ts: this file is plain JavaScript that must work
// before (and without) TypeScript loading, and it re-executes node itself. For the same reason
// it reads its environment variables (IMGSMITH_MAX_HEAP_MB, IMGSMITH_DEBUG, IMGSMITH_NO_COMPILED,
// and sets IMGSMITH_WORKER) directly; they are declared in src/settings.ts (test/tools.test.ts).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';

const heapFlag = /--max-old-space-size/;
const json = process.argv.includes('--json');

/** Removes a temporary tree that may hold read-only directories (staged Nix store paths):
 *  directories made writable (never files: they are hard links to the inputs), then rm -rf. */
function removeTree(d) {
  spawnSync('find', [path.resolve(d), '-type', 'd', '!', '-perm', '-u=rwx', '-exec', 'chmod', 'u+rwx', '{}', '+'], { stdio: 'ignore' });
  spawnSync('rm', ['-rf', '--', d], { stdio: 'ignore' });
}

/** Prints one imgsmith line (and a JSON error event with --json) and exits. Controls in the
 *  line (from an error message) are written \xNN, as src/text.ts printable() does. */
function fail(exitCode, line) {
  if (json) process.stdout.write(JSON.stringify({ version: 1 /* JSON_VERSION, src/json-output.ts */, event: 'error', exitCode, message: line.replace(/^imgsmith: (error: )?/, '') }) + '\n');
  // eslint-disable-next-line no-control-regex
  process.stderr.write(`${line.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}\n`);
  process.exit(exitCode);
}

/** One line for an error of Node itself (spawning the worker, loading the CLI); see src/errors.ts for the rest. */
function startupError(err) {
  const code = err && err.code;
  if (code === 'EMFILE') {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    return `too many open files: raise \`ulimit -n\`${m ? ` (now ${m[1]})` : ''} and run again`;
  }
  if (code === 'ENFILE') return 'the system-wide limit of open files is reached: close other programs or raise fs.file-max, and run again';
  if (code === 'ENOMEM' || code === 'EAGAIN') return `cannot start imgsmith (${code}): out of memory or processes; free some and run again`;
  return `cannot start imgsmith: ${String((err && err.message) || err).split('\n')[0]}`;
}

function heapLimitMb() {
  const raw = process.env.IMGSMITH_MAX_HEAP_MB;
  if (raw === undefined || raw === '') return 128;
  if (!/^\d+$/.test(raw) || Number(raw) < 64 || Number(raw) > 1048576) {
    fail(2, `imgsmith: error: IMGSMITH_MAX_HEAP_MB must be a whole number of megabytes from 64 to 1048576 (e.g. 512), got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/** The worker's environment: ours, marked as the worker's, without NODE_EXTRA_CA_CERTS. Node 20
 *  reads and parses that certificate file when it starts, before any JavaScript (Debian's
 *  ca-certificates bundle: ~60 ms of CPU, more than the worker's own start), and Node 22+ reads
 *  it at the first TLS connection. The worker and the tools it runs make no TLS connection. */
function workerEnv() {
  const env = { ...process.env, IMGSMITH_WORKER: '1' };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

const supervising = !process.execArgv.some((a) => heapFlag.test(a)) && !heapFlag.test(process.env.NODE_OPTIONS ?? '');
if (supervising) {
  const mb = heapLimitMb();
  const child = spawn(process.execPath, [`--max-old-space-size=${mb}`, "--max-semi-space-size=4", ...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'pipe', 2, 'pipe'],
    env: workerEnv(),
    // Its own session and process group: terminal signals reach only us (we forward them, so
    // the worker stops its tools in order rather than racing them), and if the worker dies we
    // can still kill the tools it leaves behind (the group outlives its leader).
    detached: true,
  });
  if (!child.stdio || !child.stdio[4]) {
    child.on('error', (err) => fail(1, `imgsmith: error: ${startupError(err)}`));
  } else {
    supervise(child, mb);
  }
}

/** Signals a process group (the worker's: it and the tools it started). */
function killGroup(child, sig) {
  try {
    process.kill(-child.pid, sig);
  } catch {
    // no process left in the group
  }
}

/** Job control: Ctrl-Z stops the worker and its tools with us, fg/bg continues them. */
function forwardJobControl(child) {
  process.on('SIGTSTP', () => {
    killGroup(child, 'SIGSTOP');
    process.kill(process.pid, 'SIGSTOP');
  });
  process.on('SIGCONT', () => killGroup(child, 'SIGCONT'));
}

/** Calls onLine for every complete line read from `stream` (utf8); returns a function giving the unfinished rest. */
function readLines(stream, onLine) {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (d) => {
    partial += d;
    for (let i; (i = partial.indexOf('\n')) >= 0; partial = partial.slice(i + 1)) onLine(partial.slice(0, i));
  });
  stream.on('error', () => {});
  return () => partial;
}

/** The temporary directories the worker reports on fd 4 ("+ dir" / "- dir"). */
function trackTempDirs(stream) {
  const tempDirs = new Set();
  readLines(stream, (line) => {
    if (line.startsWith('+ ')) tempDirs.add(line.slice(2));
    else if (line.startsWith('- ')) tempDirs.delete(line.slice(2));
  });
  return tempDirs;
}

/** Removes the reported temporary directories that the (now dead) worker `pid` still owns. */
function removeTempDirs(tempDirs, pid) {
  for (const d of tempDirs) {
    try {
      const owner = JSON.parse(readFileSync(path.join(d, '.imgsmith-owner'), 'utf8'));
      if (owner.pid === pid) removeTree(d);
    } catch {
      // gone already, or not ours
    }
  }
}

/**
 * The worker's stderr passed through, except V8's fatal error report (kept in `fatal`, shown
 * with IMGSMITH_DEBUG). Blank lines are held until we know whether a report follows.
 */
function filterStderr(stream, debug) {
  const state = { fatal: [], held: [] };
  const isReportStart = (l) => /^<--- Last few GCs --->|^<--- JS stacktrace --->|^FATAL ERROR:|^#\s*Fatal (error|javascript OOM)/.test(l);
  const onLine = (l) => {
    if (state.fatal.length || (!debug && isReportStart(l))) {
      state.fatal.push(l);
      if (debug) process.stderr.write(`${l}\n`);
      return;
    }
    if (l.trim() === '') return void state.held.push(l);
    for (const h of state.held) process.stderr.write(`${h}\n`);
    state.held = [];
    process.stderr.write(`${l}\n`);
  };
  const rest = readLines(stream, onLine);
  /** At the end: the unfinished line, and the held blank lines unless a report followed. */
  state.flush = () => {
    if (rest()) onLine(rest());
    if (!state.fatal.length) for (const h of state.held) process.stderr.write(`${h}\n`);
  };
  return state;
}

/** SIGINT/SIGTERM/SIGHUP forwarded to the worker (a second one kills it); returns the first received. */
function forwardSignals(child) {
  let received;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      // A second signal while the worker is still cleaning up: stop it hard.
      const again = received !== undefined;
      received ??= sig;
      try {
        child.kill(again ? 'SIGKILL' : sig);
      } catch {
        // already gone
      }
    });
  }
  return () => received;
}

/** Exits as the worker did, with one line for a death it could not report itself. */
function exitAsWorker(child, mb, { code, signal }, fatal, received) {
  const command = process.argv.slice(2).find((a) => !a.startsWith('-'));
  const debug = !!process.env.IMGSMITH_DEBUG;
  const report = fatal.join('\n');
  if (/heap out of memory|Reached heap limit|Ineffective mark-compacts near heap limit/i.test(report)) {
    fail(1, `imgsmith: error: out of memory: the JavaScript heap limit is ${mb} MB; set IMGSMITH_MAX_HEAP_MB=${mb * 4} (or more) and run again`);
  }
  if (fatal.length && !debug) {
    const first = fatal.find((l) => /FATAL ERROR|Fatal/.test(l)) ?? fatal[0];
    fail(1, `imgsmith: error: internal error, Node.js stopped: ${first.replace(/^#\s*/, '').trim()} (run with IMGSMITH_DEBUG=1 for details)`);
  }
  if (signal && received) {
    fail(128 + os.constants.signals[received], `imgsmith: interrupted by ${received}${command === 'build' ? '; nothing was published' : ''}`);
  }
  if (signal) {
    fail(1, `imgsmith: error: the imgsmith worker process (pid ${child.pid}) was killed by ${signal}${signal === 'SIGKILL' ? ' (out of memory? see `dmesg`)' : ''}${command === 'build' ? '; nothing was published' : ''}`);
  }
  process.exit(code ?? 1);
}

function supervise(child, mb) {
  forwardJobControl(child);
  const tempDirs = trackTempDirs(child.stdio[4]);
  const stderr = filterStderr(child.stdio[2], !!process.env.IMGSMITH_DEBUG);
  const received = forwardSignals(child);
  let exit;
  let finished = false;
  const finish = () => {
    if (finished || !exit) return;
    finished = true;
    stderr.flush();
    if (exit.signal) killGroup(child, 'SIGKILL'); // tools of a worker that died without cleaning up
    removeTempDirs(tempDirs, child.pid);
    exitAsWorker(child, mb, exit, stderr.fatal, received());
  };
  child.on('error', (err) => fail(1, `imgsmith: error: ${startupError(err)}`));
  child.on('exit', (code, signal) => {
    exit = { code, signal };
    // Wait for the rest of its stderr (the end of an OOM report), but not for tools it left running.
    setTimeout(finish, 2000);
  });
  child.on('close', finish);
}

/** lib/ was compiled (lib/.stamp written after tsc) after every file in src/ last changed,
 *  or there is no src/ (the installed package). */
function compiledIsFresh() {
  const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  if (!existsSync(path.join(root, 'src'))) return true;
  if (process.env.IMGSMITH_NO_COMPILED === '1') return false;
  let stamp;
  try {
    stamp = statSync(path.join(root, 'lib', '.stamp')).mtimeMs;
  } catch {
    return false;
  }
  const newest = (dir) => {
    let t = statSync(dir).mtimeMs;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }
    return t;
  };
  try {
    return newest(path.join(root, 'src')) <= stamp;
  } catch {
    return false;
  }
}

/** V8's code cache for what the worker compiles (Node 22.1+, else nothing), kept under the
 *  user's cache directory (never in the package); nothing happens when it cannot be made. */
function enableCompileCache() {
  if (typeof module.enableCompileCache !== 'function') return;
  const xdg = process.env.XDG_CACHE_HOME;
  try {
    const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
    module.enableCompileCache(path.join(base, 'imgsmith', 'compile-cache'));
  } catch {
    // no home directory, or an unwritable one: run without the cache
  }
}

if (!supervising) {
  let main;
  try {
    if (compiledIsFresh()) {
      enableCompileCache();
      const bundle = new URL('../lib/cli.bundle.js', import.meta.url);
      ({ main } = await import(existsSync(bundle) ? bundle.href : '../lib/cli.js'));
    } else {
      const { register } = await import('tsx/esm/api').catch((err) => {
        if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
        fail(1, 'imgsmith: error: lib/ is missing or older than src/, and tsx (a dev dependency) is not installed: run `npm ci` (or `npm run build`)');
      });
      register();
      ({ main } = await import('../src/cli.ts'));
    }
  } catch (err) {
    if (process.env.IMGSMITH_DEBUG) throw err;
    fail(1, `imgsmith: error: ${startupError(err)}`);
  }
  process.exitCode = await main(process.argv.slice(2));
}
