/**
 * The supported toolchain, declared and enforced.
 *
 * A build probes the versions of the external tools its spec needs once, before any work (no
 * output directory, temporary directory or image written yet): each tool is found on PATH, run
 * with its version option, and its version checked against the range imgsmith is tested with:
 *
 *   - e2fsprogs   1.46.2 or later (tested up to 1.47.x)   mke2fs, debugfs, dumpe2fs, ...
 *   - btrfs-progs 6.2 or later (tested up to 6.14)        mkfs.btrfs, btrfs; 5.x is refused
 *   - squashfs-tools 4.5 or later (tested up to 4.6)      mksquashfs, unsquashfs
 *   - Node        20 or later (tested: 20, 22, 24)        process.versions.node
 *
 * Older than the range, or output that cannot be parsed: a ToolVersionError (exit 1, one line
 * naming the tool, where it is, what it printed or its version, and the range). Newer than the
 * newest tested major.minor: the build goes on with a `warning` event (its own checks catch a
 * tool that misbehaves). The versions go into the manifest's `tools` and a `toolchain` event.
 */
import { ToolMissingError, ToolVersionError } from './errors.ts';
import { findTool, runTool, toolFailure } from './tools/run.ts';
import { toolInfo, type VersionProbe } from './tools/table.ts';

/** A version as numbers: [1, 47, 0]. */
export type Version = number[];

/** One supported range: a tool family, its minimum and the newest major.minor it is tested with. */
export interface ToolRange {
  /** What users install, e.g. "btrfs-progs". */
  family: string;
  min: Version;
  /** The newest tested major.minor (or major): newer versions get a warning. */
  tested: Version;
  /** Why versions below `min` are refused (added to the error). */
  why?: string;
}

export const E2FSPROGS: ToolRange = { family: 'e2fsprogs', min: [1, 46, 2], tested: [1, 47] };
export const BTRFS_PROGS: ToolRange = {
  family: 'btrfs-progs',
  min: [6, 2],
  tested: [6, 14],
  why: "btrfs-progs 5.x reserves the inode numbers imgsmith's images use, so its images fail btrfs check",
};
export const SQUASHFS_TOOLS: ToolRange = {
  family: 'squashfs-tools',
  min: [4, 5],
  tested: [4, 6],
  why: 'older mksquashfs lacks -all-time, -mkfs-time and the reproducible fragment order',
};
export const NODE: ToolRange = { family: 'Node.js', min: [20], tested: [24] };
/** Node's tested major versions (LTS lines). */
export const NODE_TESTED = [20, 22, 24];

/** The ranges the table's version probes name (src/tools/table.ts). */
const RANGES: Record<NonNullable<VersionProbe['range']>, ToolRange> = { e2fsprogs: E2FSPROGS, 'btrfs-progs': BTRFS_PROGS, 'squashfs-tools': SQUASHFS_TOOLS };
const GENERIC: VersionProbe = { args: ['--version'], pattern: /\bv?(\d+\.\d+(?:\.\d+)*)/ };

export function parseVersion(text: string): Version {
  return text.split('.').map((p) => Number.parseInt(p, 10));
}

/** Compares a and b on their first `n` parts (all when n is undefined); missing parts are 0. */
export function compareVersions(a: Version, b: Version, n?: number): number {
  const len = n ?? Math.max(a.length, b.length);
  for (let i = 0; i < len; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const show = (v: Version) => v.join('.');

/** Where `name` is on PATH (absolute), or undefined (src/tools/run.ts's findTool). */
export async function findOnPath(name: string, envPath = process.env.PATH ?? ''): Promise<string | undefined> {
  return findTool(name, envPath);
}

/** One probed tool. */
export interface ProbedTool {
  name: string;
  /** Where it was found. */
  path: string;
  version: string;
  /** Set when the version is newer than the newest tested: the build goes on with this warning. */
  warning?: string;
}

/**
 * Checks `version` (what `tool` at `where` printed, already parsed) against `range`: a
 * ToolVersionError below the minimum, a warning text above the newest tested, else undefined.
 */
export function checkRange(range: ToolRange, tool: string, where: string, version: string): string | undefined {
  const v = parseVersion(version);
  if (compareVersions(v, range.min) < 0) {
    throw new ToolVersionError(
      tool,
      `${range.family} ${version} is not supported (${tool} at ${where}): imgsmith needs ${range.family} ${show(range.min)} or later${range.why ? ` (${range.why})` : ''}`,
    );
  }
  if (compareVersions(v, range.tested, range.tested.length) > 0) {
    return `${range.family} ${version} (${tool} at ${where}) is newer than the newest tested (${show(range.tested)}.x); its images are still checked as usual`;
  }
  return undefined;
}

/** Probes already made in this process, keyed by name, PATH and LD_LIBRARY_PATH: each tool is
 *  run for its version once (the build's probe, then the drivers' version checks reuse it). */
const probed = new Map<string, Promise<ProbedTool>>();

/** Runs one tool's version probe (once per process): its version, checked against its range. */
export function probeTool(name: string, envPath?: string): Promise<ProbedTool> {
  const key = `${name}\0${envPath ?? process.env.PATH ?? ''}\0${process.env.LD_LIBRARY_PATH ?? ''}`;
  let p = probed.get(key);
  if (!p) {
    p = probeToolOnce(name, envPath);
    p.catch(() => probed.delete(key));
    probed.set(key, p);
  }
  return p;
}

async function probeToolOnce(name: string, envPath?: string): Promise<ProbedTool> {
  const probe = toolInfo(name)?.version ?? GENERIC;
  const range = probe.range ? RANGES[probe.range] : undefined;
  const where = findTool(name, envPath);
  if (!where) {
    const missing = toolFailure(name, { code: 'ENOENT' });
    throw new ToolMissingError(name, `${missing.message}; it is needed to build this image`);
  }
  const r = await runTool(where, probe.args, { all: true, timeout: 30_000, okCodes: probe.okCodes ?? [], what: `cannot get the version of ${name} (${where} ${probe.args.join(' ')})` });
  const output = r.all ?? '';
  const m = probe.pattern.exec(output);
  if (!m?.[1]) {
    const printed = output.trim().split('\n').slice(0, 2).join(' / ').slice(0, 200);
    throw new ToolVersionError(name, `cannot parse the version of ${name} (${where} ${probe.args.join(' ')}) from what it printed: ${JSON.stringify(printed)}`);
  }
  const version = m[1];
  const warning = range ? checkRange(range, name, where, version) : undefined;
  return { name, path: where, version, ...(warning ? { warning } : {}) };
}

/** Checks the Node.js running imgsmith: a ToolVersionError below 20, a warning for an untested major. */
export function checkNode(version = process.versions.node, where = process.execPath): string | undefined {
  if (!/^\d+\.\d+\.\d+/.test(version)) throw new ToolVersionError('node', `cannot parse the version of Node.js (${where}): ${JSON.stringify(version)}`);
  const warning = checkRange(NODE, 'node', where, version);
  if (warning) return warning;
  const major = parseVersion(version)[0]!;
  if (!NODE_TESTED.includes(major)) return `Node.js ${version} (${where}) is not a tested release line (${NODE_TESTED.join(', ')}); its images are still checked as usual`;
  return undefined;
}

/** The toolchain probe's result. */
export interface Toolchain {
  /** Versions keyed by tool name, plus "node": the manifest's `tools`. */
  versions: Record<string, string>;
  tools: ProbedTool[];
  warnings: string[];
}

/**
 * Probes the tools a build needs (in parallel) and the Node.js running it, once, before any
 * work: throws the first ToolMissingError/ToolVersionError/ToolFailedError in name order.
 */
export async function probeToolchain(names: readonly string[], envPath?: string): Promise<Toolchain> {
  const unique = [...new Set(names)].sort();
  const settled = await Promise.allSettled(unique.map((n) => probeTool(n, envPath)));
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  const tools = settled.map((s) => (s as PromiseFulfilledResult<ProbedTool>).value);
  const versions: Record<string, string> = {};
  const warnings: string[] = [];
  for (const t of tools) {
    versions[t.name] = t.version;
    if (t.warning) warnings.push(t.warning);
  }
  const nodeWarning = checkNode();
  if (nodeWarning) warnings.push(nodeWarning);
  versions.node = process.versions.node;
  return { versions, tools, warnings };
}

/** Versions of several tools keyed by name (no Node.js entry); range-checked like a build's probe. */
export async function toolVersions(names: readonly string[]): Promise<Record<string, string>> {
  const { versions } = await probeToolchain(names);
  delete versions.node;
  return versions;
}
