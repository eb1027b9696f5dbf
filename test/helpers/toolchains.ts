/**
 * The compatibility suite's toolchains (scripts/toolchains.sh NAME puts them in the cache):
 * where one is, and the environment that runs imgsmith with it (DIR/bin first on PATH,
 * DIR/lib on LD_LIBRARY_PATH, DIR/bin/node for the Node toolchains).
 *
 * A toolchain that is not in the cache: the tests that need it skip with the command that
 * makes it, except in CI (env CI set), where .ci/run has made every toolchain and a missing
 * one is a failure.
 */
import { existsSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import os from 'node:os';
import path from 'node:path';
import { REPO } from './cli.ts';

export const TOOLCHAIN_NAMES = ['e2fsprogs-bullseye', 'btrfs-progs-bullseye', 'e2fsprogs-sid', 'btrfs-progs-trixie', 'erofs-utils-trixie', 'squashfs-tools-trixie', 'node-22', 'node-24'] as const;
export type ToolchainName = (typeof TOOLCHAIN_NAMES)[number];

export const toolchainCache = (): string => process.env.IMGSMITH_TOOLCHAIN_CACHE || path.join(os.homedir(), '.cache/imgsmith/toolchains');

export interface Toolchain {
  name: ToolchainName;
  dir: string;
  /** The stamp: what it was made from (e.g. "debian sid e2fsprogs 1.47.4-1 ..."). */
  stamp: string;
  bin: string;
  lib: string;
  /** DIR/bin/node when the toolchain is a Node. */
  node?: string;
}

/** The toolchain from the cache, or why it cannot be used (not made yet). */
export function findToolchain(name: ToolchainName): Toolchain | { missing: string } {
  const dir = path.join(toolchainCache(), name);
  const stampFile = path.join(dir, '.stamp');
  if (!existsSync(stampFile)) {
    return { missing: `toolchain ${name} is not in ${toolchainCache()}: run ${path.join(REPO, 'scripts/toolchains.sh')} ${name}` };
  }
  const node = path.join(dir, 'bin/node');
  return {
    name,
    dir,
    stamp: readFileSync(stampFile, 'utf8').trim(),
    bin: path.join(dir, 'bin'),
    lib: path.join(dir, 'lib'),
    ...(existsSync(node) ? { node } : {}),
  };
}

/** `env` with the toolchain first on PATH and its libraries on LD_LIBRARY_PATH. */
export function toolchainEnv(tc: Toolchain | undefined, env: Record<string, string>): Record<string, string> {
  if (!tc) return env;
  return {
    ...env,
    PATH: `${tc.bin}:${env.PATH ?? process.env.PATH ?? '/usr/bin:/bin'}`,
    LD_LIBRARY_PATH: env.LD_LIBRARY_PATH ? `${tc.lib}:${env.LD_LIBRARY_PATH}` : tc.lib,
  };
}

/** In CI a missing toolchain fails; elsewhere the test skips with this reason. */
export const inCI = (): boolean => !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/**
 * The toolchain at `dir` (hard links, else a copy), for builds by another user: the cache is
 * under the home directory, which other users often cannot enter (/root is 0700).
 */
export async function reachableCopy(tc: Toolchain, dir: string): Promise<Toolchain> {
  const linked = await execa('cp', ['-al', tc.dir, dir], { reject: false });
  if (linked.exitCode !== 0) await execa('cp', ['-a', tc.dir, dir]);
  const node = path.join(dir, 'bin/node');
  return { ...tc, dir, bin: path.join(dir, 'bin'), lib: path.join(dir, 'lib'), ...(tc.node ? { node } : {}) };
}
