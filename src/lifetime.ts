/**
 * Process lifetime: what imgsmith does when it is interrupted, loses its parent or dies,
 * so that nothing is published afterwards and nothing is left behind.
 *
 * bin/imgsmith.js (the "wrapper", the PID the user started) runs the CLI in a child Node
 * (the "worker") with a bounded heap. The wrapper passes the worker (env IMGSMITH_WORKER=1):
 *  - fd 3: the user's stderr. The worker writes its own messages and progress there; its
 *    fd 2 is a pipe the wrapper filters (V8's out-of-memory trace becomes one line).
 *  - fd 4: a control socket. The worker reports every temporary directory it creates or
 *    removes ("+ <dir>" / "- <dir>") so the wrapper can remove them if the worker dies;
 *    end-of-file on it means the wrapper is gone.
 *
 * Temporary directories are registered here and carry an owner file (pid, process start
 * time, boot id, host name), so a later build can tell a stale directory (its owner is gone)
 * from a live one (a concurrent build) and remove only the stale ones.
 *
 * On SIGINT/SIGTERM/SIGHUP, and when the parent disappears, the worker kills all its
 * descendant processes (mke2fs, zstd, qemu ...), removes its temporary directories and
 * exits (128 + signal number). Signals that arrive while outputs are being renamed into
 * place are held until the renames are done.
 */
import { readdirSync, readFileSync, writeSync, promises as fsp } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tty from 'node:tty';
import { startTool } from './tools/run.ts';
import { envFlag, envValue, setEnv } from './settings.ts';
import { signalExitCode } from './errors.ts';
import { removeTree, removeTreeSync } from './rmtree.ts';

/** Name prefix of the temporary directories inside the output directory. */
export const TMP_PREFIX = '.imgsmith-tmp-';
/** The owner file inside every temporary directory imgsmith creates. */
export const OWNER_FILE = '.imgsmith-owner';

export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

// ---------------------------------------------------------------------------------------
// /proc

interface ProcStat {
  state: string;
  ppid: number;
  /** Start time after boot in clock ticks (field 22): with the pid, it names a process. */
  start: string;
}

function procStat(pid: number | 'self'): ProcStat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // f[0] is field 3
    return { state: f[0]!, ppid: Number(f[1]), start: f[19]! };
  } catch {
    return undefined;
  }
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------
// Owners of temporary directories

export interface Owner {
  pid: number;
  start: string;
  boot: string;
  host: string;
}

export function selfOwner(): Owner {
  return { pid: process.pid, start: procStat('self')?.start ?? '', boot: bootId(), host: os.hostname() };
}

/** Whether the process that wrote `o` may still be running (true when it cannot be told: another host). */
export function ownerAlive(o: Owner): boolean {
  if (o.host !== os.hostname()) return true;
  if (o.boot !== bootId()) return false;
  const st = procStat(o.pid);
  return st !== undefined && st.start === o.start && st.state !== 'Z' && st.state !== 'X';
}

export async function readOwner(dir: string): Promise<Owner | undefined> {
  try {
    const o = JSON.parse(await fsp.readFile(path.join(dir, OWNER_FILE), 'utf8')) as Partial<Owner>;
    if (typeof o.pid === 'number' && typeof o.start === 'string' && typeof o.boot === 'string' && typeof o.host === 'string') {
      return o as Owner;
    }
  } catch {
    // unreadable: not provably stale
  }
  return undefined;
}

/**
 * Removes `.imgsmith-tmp-*` directories in `outDir` left by builds that were killed: only
 * those whose owner file names a process that is gone. Directories without a readable
 * owner file (older imgsmith versions, or a build that is just starting) and directories of
 * running builds are left alone. Returns the removed directories.
 */
export async function removeStaleTempDirs(outDir: string): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fsp.readdir(outDir);
  } catch {
    return removed;
  }
  for (const n of names.filter((x) => x.startsWith(TMP_PREFIX)).sort()) {
    const dir = path.join(outDir, n);
    const owner = await readOwner(dir);
    if (!owner || ownerAlive(owner)) continue;
    await removeTree(dir).catch(() => undefined);
    removed.push(dir);
  }
  return removed;
}

// ---------------------------------------------------------------------------------------
// Temporary directories of this process

const tempDirs = new Set<string>();

/** Creates `<parent>/<prefix><pid>-XXXXXX` with an owner file, registered for removal on interruption. */
export async function makeTempDir(parent: string, prefix: string): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(parent, `${prefix}${process.pid}-`));
  tempDirs.add(dir);
  control(`+ ${dir}`);
  try {
    await fsp.writeFile(path.join(dir, OWNER_FILE), JSON.stringify(selfOwner()) + '\n');
  } catch (err) {
    await removeTempDir(dir);
    throw err;
  }
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  await removeTree(dir).catch(() => undefined);
  tempDirs.delete(dir);
  control(`- ${dir}`);
}

/** Kills every descendant process, then removes the temporary directories (synchronously). */
export function cleanupSync(): void {
  killDescendantsSync();
  for (const d of tempDirs) {
    try {
      removeTreeSync(d);
    } catch {
      // best effort
    }
    control(`- ${d}`);
  }
  tempDirs.clear();
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const st = procStat(Number(e));
    if (!st) continue;
    const list = children.get(st.ppid) ?? [];
    list.push(Number(e));
    children.set(st.ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** SIGKILLs all descendants (child tools and theirs) and waits briefly until they are dead,
 *  so none of them writes into a directory that is removed next. */
export function killDescendantsSync(): void {
  const pids = descendants(process.pid);
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const alive = (p: number) => {
    const st = procStat(p);
    return st !== undefined && st.state !== 'Z' && st.state !== 'X';
  };
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 200 && pids.some(alive); i++) Atomics.wait(nap, 0, 0, 10);
}

// ---------------------------------------------------------------------------------------
// Worker setup: the user's stderr, the control socket, the parent watch

/** Where the CLI writes messages and terminal progress: the user's stderr. */
export interface ErrSink {
  write(s: string): void;
  isTTY: boolean;
  columns?: number;
}

const stderrSink: ErrSink = {
  write: (s) => void process.stderr.write(s),
  get isTTY() {
    return process.stderr.isTTY === true;
  },
  get columns() {
    return process.stderr.columns;
  },
};
export let errOut: ErrSink = stderrSink;

let controlFd: number | undefined;
let worker = false;
let initialPpid = 0;

function control(line: string): void {
  if (controlFd === undefined) return;
  try {
    writeSync(controlFd, line + '\n');
  } catch {
    // the wrapper is gone; the parent watch handles that
  }
}

/** Whether the wrapper that started this worker is gone (always false outside a worker). */
export function parentGone(): boolean {
  return worker && process.ppid !== initialPpid;
}

function abandon(): never {
  cleanupSync();
  try {
    errOut.write(`imgsmith: the imgsmith process (pid ${initialPpid}) is gone; stopped, nothing was published\n`);
  } catch {
    // nobody listens
  }
  process.exit(1);
}

const ignoreSigxfsz = (): void => {};

/**
 * Called at CLI start (by every main(): a process may run several). In a worker started by bin/imgsmith.js: messages go to fd 3,
 * temp dirs are reported on fd 4, and the worker stops when the wrapper disappears. Always:
 * SIGXFSZ is caught, so exceeding `ulimit -f` is an EFBIG error rather than a silent death
 * (child tools get the default action and die with SIGXFSZ, which is reported).
 */
export function initProcess(): void {
  if (!process.listeners('SIGXFSZ').includes(ignoreSigxfsz)) process.on('SIGXFSZ', ignoreSigxfsz);
  if (!envFlag('IMGSMITH_WORKER') || worker) return;
  setEnv('IMGSMITH_WORKER', undefined);
  worker = true;
  initialPpid = process.ppid;
  if (tty.isatty(3)) {
    const s = new tty.WriteStream(3);
    errOut = { write: (x) => void s.write(x), isTTY: true, get columns() { return s.columns; } };
  } else {
    errOut = {
      write: (x) => {
        try {
          writeSync(3, x);
        } catch {
          // stderr closed
        }
      },
      isTTY: false,
    };
  }
  controlFd = 4;
  try {
    const sock = new net.Socket({ fd: 4, readable: true, writable: false });
    sock.on('end', abandon).on('close', abandon).on('error', () => {});
    sock.resume();
    sock.unref();
  } catch {
    controlFd = undefined;
  }
  setInterval(() => {
    if (parentGone()) abandon();
  }, 250).unref();
}

// ---------------------------------------------------------------------------------------
// Signals

let publishing = false;
let pending: InterruptSignal | undefined;
let interruptMessage: (sig: InterruptSignal, published: boolean) => string = (sig) => `imgsmith: interrupted by ${sig}`;
let onInterruptJson: ((sig: InterruptSignal, message: string) => void) | undefined;

function interrupt(sig: InterruptSignal, published = false): never {
  cleanupSync();
  const msg = interruptMessage(sig, published);
  onInterruptJson?.(sig, msg);
  errOut.write(`${msg}\n`);
  process.exit(signalExitCode(sig));
}

const handler = (sig: NodeJS.Signals) => {
  if (publishing) pending ??= sig as InterruptSignal;
  else interrupt(sig as InterruptSignal);
};

/**
 * Until the returned function is called, SIGINT/SIGTERM/SIGHUP kill the descendants,
 * remove the temporary directories, print `message(sig)` and exit 128+n.
 */
export function onInterrupt(
  message: (sig: InterruptSignal, published: boolean) => string,
  json?: (sig: InterruptSignal, message: string) => void,
): () => void {
  interruptMessage = message;
  onInterruptJson = json;
  for (const s of INTERRUPT_SIGNALS) process.on(s, handler);
  return () => {
    for (const s of INTERRUPT_SIGNALS) process.off(s, handler);
  };
}

/**
 * Runs the renames that publish a build: first makes sure the build was not abandoned
 * (the parent is gone); signals that arrive meanwhile are handled once `fn` is done.
 */
export async function whilePublishing<T>(fn: () => Promise<T>): Promise<T> {
  if (parentGone()) abandon();
  publishing = true;
  let done = false;
  try {
    const r = await fn();
    done = true;
    return r;
  } finally {
    publishing = false;
    if (pending) interrupt(pending, done);
  }
}

// ---------------------------------------------------------------------------------------
// Test hooks (IMGSMITH_TEST_HOOK), used by test/signals.test.ts (and hostile-build) to hold a build at a known
// point with a real child process running, or to exhaust the V8 heap:
//   hold:<point>[:<seconds>]  run `sleep <seconds>` (default 3600) as a child tool at <point>
//   oom:<point>               allocate until V8 runs out of heap at <point>
// Points: "build" (temp dir created, before reading contents), "publish" (before renaming),
// "read-sources" (the tree walked, before the ext4 helper, mke2fs -d or mkfs.btrfs reads the
// host files: test/hostile-build.test.ts changes one there).

export async function testHook(point: string, event: (name: string, data: Record<string, unknown>) => void): Promise<void> {
  const spec = envValue('IMGSMITH_TEST_HOOK');
  if (!spec) return;
  const [what, at, secs] = spec.split(':');
  if (at !== point) return;
  if (what === 'hold') {
    const child = startTool('sleep', [secs ?? '3600'], { check: false });
    event('test-hold', { point, pid: child.pid });
    await child;
  } else if (what === 'oom') {
    const keep: number[][] = [];
    for (;;) keep.push(new Array<number>(1 << 16).fill(keep.length));
  }
}
