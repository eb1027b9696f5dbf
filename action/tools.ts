/**
 * The host tools `imgsmith build` runs, and installing the missing ones on a
 * Debian/Ubuntu runner: the build tools of src/tools/table.ts (the build-time part of
 * scripts/setup.sh's list, and what nix/package.nix puts on imgsmith's PATH) but those on
 * every system (coreutils, findutils). FAT is written in-process, the partition tables by
 * imgsmith itself; the other packages of setup.sh are for checking and boot-testing images.
 */
import { readFileSync } from 'node:fs';
import { findTool } from '../src/tools/run.ts';
import { TOOLS } from '../src/tools/table.ts';

/** command -> Debian package, from the tool table. */
export const REQUIRED_TOOLS: readonly (readonly [command: string, pkg: string])[] = Object.entries(TOOLS)
  .filter(([, t]) => t.needs.includes('build') && !t.base)
  .map(([command, t]) => [command, t.debian] as const);

/** The executable `command` in the directories of `pathEnv`, or undefined (src/tools/run.ts's findTool). */
export function which(command: string, pathEnv: string): string | undefined {
  return findTool(command, pathEnv);
}

/** The required commands not found in `pathEnv`, with their packages. */
export function missingTools(pathEnv: string): { commands: string[]; packages: string[] } {
  const missing = REQUIRED_TOOLS.filter(([c]) => which(c, pathEnv) === undefined);
  return { commands: missing.map(([c]) => c), packages: [...new Set(missing.map(([, p]) => p))] };
}

/** Whether an os-release file describes Debian, Ubuntu or a derivative (ID / ID_LIKE). */
export function isDebianLike(osRelease: string): boolean {
  const ids: string[] = [];
  for (const line of osRelease.split('\n')) {
    const m = /^(ID|ID_LIKE)=(.*)$/.exec(line.trim());
    if (m) ids.push(...m[2]!.replace(/^["']|["']$/g, '').split(/\s+/));
  }
  return ids.some((id) => id === 'debian' || id === 'ubuntu');
}

export function readOsRelease(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export interface InstallPlan {
  /** Commands to run, in order (argv). */
  commands: string[][];
}

/**
 * The apt-get commands that install `packages`: `apt-get update`, then `apt-get install`
 * without recommends, through `sudo -n` when not root. `apt` replaces the apt-get binary
 * (a test hook, IMGSMITH_ACTION_APT); then no sudo is used.
 */
export function installPlan(packages: string[], opts: { root: boolean; sudo?: string; apt?: string }): InstallPlan | { error: string } {
  const apt = opts.apt ?? 'apt-get';
  let pre: string[] = [];
  if (!opts.apt && !opts.root) {
    if (!opts.sudo) return { error: 'not running as root and sudo is not available' };
    pre = [opts.sudo, '-n'];
  }
  return {
    commands: [
      [...pre, apt, 'update', '-q'],
      [...pre, 'env', 'DEBIAN_FRONTEND=noninteractive', apt, 'install', '-y', '-q', '--no-install-recommends', ...packages],
    ],
  };
}
