/**
 * Debian packages for the test fixtures (test/helpers/boot-fixture.ts) and the benchmark's
 * closures (bench/closure.ts): a private apt setup (its own lists, cache and sources.list
 * under a cache directory; no root, the host's apt state untouched), package stanzas and
 * checksums. Downloading and caching policies stay with the callers.
 */
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';

export const DEBIAN_SUITE = 'bookworm';

export interface PrivateApt {
  dir: string;
  debArch: string;
  /** apt-get / apt-cache options that point everything at `dir`. */
  args: string[];
}

/** A private apt for Debian bookworm (main, non-free-firmware) packages of `debArch` under `dir`. */
export async function privateApt(dir: string, debArch: string): Promise<PrivateApt> {
  await fsp.mkdir(path.join(dir, 'lists', 'partial'), { recursive: true });
  await fsp.mkdir(path.join(dir, 'cache', 'archives', 'partial'), { recursive: true });
  const mirror = process.env.IMGSMITH_DEBIAN_MIRROR || 'http://deb.debian.org/debian';
  const sources = path.join(dir, 'sources.list');
  await fsp.writeFile(sources, `deb [arch=${debArch} signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} ${DEBIAN_SUITE} main non-free-firmware\n`);
  const status = path.join(dir, 'status');
  await fsp.writeFile(status, '');
  return {
    dir,
    debArch,
    args: [
      `-oAPT::Architecture=${debArch}`,
      `-oAPT::Architectures=${debArch}`,
      `-oDir::State::Lists=${path.join(dir, 'lists')}`,
      `-oDir::State::status=${status}`,
      `-oDir::Cache=${path.join(dir, 'cache')}`,
      `-oDir::Etc::SourceList=${sources}`,
      '-oDir::Etc::SourceParts=/nonexistent',
      '-oDir::Etc::Preferences=/dev/null',
      '-oDir::Etc::PreferencesParts=/nonexistent',
      '-oAcquire::Languages=none',
      '-oAPT::Sandbox::User=root',
      '-oDebug::NoLocking=1',
    ],
  };
}

/** Whether the private apt has package lists already. */
export async function hasLists(apt: PrivateApt): Promise<boolean> {
  return (await fsp.readdir(path.join(apt.dir, 'lists'))).some((f) => f.includes('_Packages'));
}

/** apt-get update; an error (network?) when an index could not be fetched (apt-get exits 0 then too). */
export async function aptUpdate(apt: PrivateApt, log?: (m: string) => void): Promise<void> {
  log?.(`apt-get update (${apt.debArch}, ${DEBIAN_SUITE})`);
  const r = await execa('apt-get', [...apt.args, '-q', 'update'], { reject: false, all: true });
  if (r.exitCode !== 0 || /^(E|Err):/m.test(r.all ?? '')) {
    throw new Error(`cannot fetch the Debian ${DEBIAN_SUITE} ${apt.debArch} package index (network?):\n${r.all}`);
  }
}

/** The fields of one control stanza (continuation lines joined with "\n"). */
export function parseStanza(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last = '';
  for (const line of text.split('\n')) {
    if (line === '') break;
    if (/^\s/.test(line)) {
      if (last) out[last] += '\n' + line.trim();
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
    if (m) {
      last = m[1]!;
      out[last] = m[2]!;
    }
  }
  return out;
}

/** Package names from a Depends-style field (alternatives flattened, versions and arch qualifiers dropped). */
export function depNames(field: string | undefined): string[] {
  if (!field) return [];
  return field
    .split(/[,|]/)
    .map((s) => s.trim().split(/[\s(:]/)[0]!)
    .filter(Boolean);
}

/** The stanzas of the candidate versions of `pkgs` (one apt-cache call); an error naming those that are missing. */
export async function aptShow(apt: PrivateApt, pkgs: string[]): Promise<Map<string, Record<string, string>>> {
  const r = await execa('apt-cache', [...apt.args, 'show', '--no-all-versions', ...pkgs], { reject: false });
  const out = new Map<string, Record<string, string>>();
  for (const stanza of r.stdout.split(/\n\n+/)) {
    const c = parseStanza(stanza);
    if (c.Package && !out.has(c.Package)) out.set(c.Package, c);
  }
  const missing = pkgs.filter((p) => !out.has(p));
  if (missing.length) throw new Error(`not in Debian ${DEBIAN_SUITE} for ${apt.debArch}: ${missing.join(', ')} ${r.stderr.trim()}`);
  return out;
}

export async function sha256File(p: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(p, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}
