/**
 * A private, self-contained Nix for the tests (test/nix.test.ts, test/nix-module.test.ts):
 * store, state, log, config and cache under one directory (`--store local?store=DIR/store
 * &state=...`: no chroot, no root, never /nix or the user's Nix setup) and an empty
 * environment besides PATH.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { REPO } from './cli.ts';

export interface PrivateNix {
  dir: string;
  env: Record<string, string>;
  /** The --store arguments. */
  store: string[];
  /** nix-instantiate --readonly-mode --eval --strict --json of an expression (cwd: the repository). */
  eval(expr: string): Promise<{ exitCode: number; value: unknown; stderr: string }>;
}

export async function privateNix(dir: string): Promise<PrivateNix> {
  await fsp.mkdir(path.join(dir, 'conf'), { recursive: true });
  await fsp.mkdir(path.join(dir, 'tmp'), { recursive: true });
  // No build users (builds run as the caller), no sandbox (host tools), no substituters (offline).
  await fsp.writeFile(path.join(dir, 'conf/nix.conf'), 'sandbox = false\nbuild-users-group =\nsubstituters =\n');
  const env = {
    PATH: process.env.PATH!,
    HOME: path.join(dir, 'home'),
    TMPDIR: path.join(dir, 'tmp'),
    NIX_CONF_DIR: path.join(dir, 'conf'),
    NIX_STATE_DIR: path.join(dir, 'state'),
    NIX_LOG_DIR: path.join(dir, 'log'),
    XDG_CACHE_HOME: path.join(dir, 'cache'),
    XDG_CONFIG_HOME: path.join(dir, 'config'),
  };
  const store = ['--store', `local?store=${dir}/store&state=${dir}/state&log=${dir}/log`];
  return {
    dir,
    env,
    store,
    async eval(expr) {
      const r = await execa('nix-instantiate', [...store, '--readonly-mode', '--eval', '--strict', '--json', '-E', expr], { cwd: REPO, env, extendEnv: false, reject: false });
      return { exitCode: r.exitCode ?? -1, value: r.exitCode === 0 ? JSON.parse(String(r.stdout)) : undefined, stderr: String(r.stderr) };
    },
  };
}
