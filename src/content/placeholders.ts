/**
 * Values known only once other partitions are written, in generated files and text items
 * (a kernel command line in extlinux.conf or cmdline.txt):
 *
 *   {rootHash:NAME}    the root hash of the dm-verity partition NAME (hex)
 *   {verityUuid:NAME}  the UUID in its superblock
 *   {partuuid:NAME}    partition NAME's PARTUUID (in a GPT, a verity data or hash partition's
 *                      comes from the root hash)
 *
 * When the contents are resolved, each is replaced by a filler of the value's length (so the
 * files' sizes, and the filesystems measured from them, are final) and recorded; the build
 * writes the partitions that provide the values first, then overwrites the fillers in place
 * (`fillPlaceholders`) before it writes the partitions holding them. A value known before
 * the build (the PARTUUID of any other partition) is put in at once. Which filesystem
 * provides what is its driver's (`provides`, `guidsFor`).
 */
import { usageError } from '../errors.ts';
import { driverFor } from '../fs/index.ts';
import type { FsReport } from '../fs/types.ts';
import { partitionPath } from '../spec-location.ts';
import { specIndexOf } from '../ptable/numbering.ts';
import type { ImageSpec } from '../spec-types.ts';
import { partUuidOf } from './rpi-direct.ts';
import { show, type FileTree } from './tree.ts';

const PLACEHOLDER = /\{(rootHash|verityUuid|partuuid):([^{}\s]*)\}/g;

interface Patch {
  /** The file's bytes (the tree entry's own Buffer: overwritten in place). */
  buf: Buffer;
  at: number;
  length: number;
  key: string;
  /** The partition whose report has the value. */
  producer: string;
  /** partuuid: the partition whose GUID it is. */
  of?: string;
}

/** The placeholders found: per partition, what to fill in and whose writes it waits for. */
export interface LateValues {
  patches: Patch[][];
  /** Per partition (spec order): the partitions (names) that must be written before it. */
  waitsFor: Set<string>[];
}

type Resolved = { text: string } | { length: number; producer: string; of?: string };

/** What `{key:name}` becomes: its text now, or a later value of `length` bytes from `producer`. */
function resolveOne(spec: ImageSpec, key: string, name: string, where: string, lateGuids: Map<string, string>): Resolved {
  const i = spec.partitions.findIndex((p) => p.name === name);
  if (key === 'partuuid') {
    if (i < 0) throw usageError(`${where} uses {partuuid:${name}}, but no partition is named "${name}" (partitions: ${spec.partitions.map((p) => p.name).join(', ')})`);
    const producer = lateGuids.get(name);
    return producer === undefined ? { text: partUuidOf(spec, i) } : { length: 36, producer, of: name };
  }
  const length = i < 0 ? undefined : driverFor(spec.partitions[i]!.filesystem).provides?.(spec.partitions[i]!.filesystem as never)?.[key];
  if (length === undefined) {
    const providers = spec.partitions.filter((p) => driverFor(p.filesystem).provides?.(p.filesystem as never)?.[key] !== undefined).map((p) => `"${p.name}"`);
    throw usageError(`${where} uses {${key}:${name}}, but no partition named "${name}" has a ${key} (${providers.length ? `partitions that do: ${providers.join(', ')}` : 'no partition has one: add a "verity" partition'})`);
  }
  return { length, producer: name };
}

/** The partitions whose GPT GUID a filesystem decides when it is written (and the spec gives none): name -> that filesystem's partition. */
function lateGuidsOf(spec: ImageSpec): Map<string, string> {
  const out = new Map<string, string>();
  if (spec.table.type !== 'gpt') return out;
  for (const p of spec.partitions) {
    for (const n of driverFor(p.filesystem).guidsFor?.(p.filesystem as never, p.name) ?? []) {
      if (spec.partitions.find((q) => q.name === n)?.guid === undefined) out.set(n, p.name);
    }
  }
  return out;
}

/** Replaces the placeholders in the generated files of partition `i` (fillers for later values). */
function replaceIn(spec: ImageSpec, tree: FileTree, i: number, lateGuids: Map<string, string>, patches: Patch[], waits: Set<string>): void {
  for (const [file, e] of tree.explicitEntries()) {
    if (e.kind !== 'data' || !e.data.includes('{')) continue;
    const text = e.data.toString('latin1');
    let out = '';
    let last = 0;
    const mine: Omit<Patch, 'buf'>[] = [];
    for (const m of text.matchAll(PLACEHOLDER)) {
      const r = resolveOne(spec, m[1]!, m[2]!, `${partitionPath(specIndexOf(spec.table, i))}: ${show(file)}`, lateGuids);
      out += text.slice(last, m.index);
      if ('text' in r) out += r.text;
      else {
        mine.push({ at: out.length, length: r.length, key: m[1]!, producer: r.producer, ...(r.of !== undefined ? { of: r.of } : {}) });
        waits.add(r.producer);
        out += '0'.repeat(r.length);
      }
      last = m.index! + m[0].length;
    }
    if (last === 0) continue;
    e.data = Buffer.from(out + text.slice(last), 'latin1');
    for (const p of mine) patches.push({ ...p, buf: e.data });
  }
}

/** Finds and replaces every placeholder in the partitions' trees (see above); errors name the partition and file. */
export function preparePlaceholders(spec: ImageSpec, trees: FileTree[]): LateValues {
  const lateGuids = lateGuidsOf(spec);
  const patches: Patch[][] = trees.map(() => []);
  const waitsFor = spec.partitions.map((p) => new Set(driverFor(p.filesystem).after?.(p.filesystem as never) ?? []));
  trees.forEach((tree, i) => {
    const before = waitsFor[i]!.size;
    replaceIn(spec, tree, i, lateGuids, patches[i]!, waitsFor[i]!);
    if (waitsFor[i]!.size > before && driverFor(spec.partitions[i]!.filesystem).prepare) {
      throw usageError(`${partitionPath(specIndexOf(spec.table, i))}: ${spec.partitions[i]!.filesystem.type} is built before the layout, so its files cannot hold {rootHash:...}-style values known only after other partitions are written (nor a root hash of itself); put them in another partition`);
    }
  });
  checkOrder(spec, waitsFor);
  return { patches, waitsFor };
}

/** A partition that waits for itself, directly or not, is an error naming the chain. */
function checkOrder(spec: ImageSpec, waitsFor: Set<string>[]): void {
  const index = new Map(spec.partitions.map((p, i) => [p.name, i]));
  const state = new Map<number, 'open' | 'done'>();
  const visit = (i: number, chain: string[]): void => {
    if (state.get(i) === 'done') return;
    const name = spec.partitions[i]!.name;
    if (state.get(i) === 'open') {
      const from = chain.indexOf(name);
      throw usageError(`${partitionPath(specIndexOf(spec.table, i))}: partitions wait for each other: ${[...chain.slice(from), name].map((n) => `"${n}"`).join(' needs ')} (a {rootHash:...} value inside the data it protects?)`);
    }
    state.set(i, 'open');
    for (const n of waitsFor[i]!) if (index.has(n)) visit(index.get(n)!, [...chain, name]);
    state.set(i, 'done');
  };
  spec.partitions.forEach((_, i) => visit(i, []));
}

/** Puts the values into partition `i`'s files, from the written partitions' reports (by name). */
export function fillPlaceholders(late: LateValues, i: number, reports: Map<string, FsReport>): void {
  for (const p of late.patches[i]!) {
    const r = reports.get(p.producer);
    const value = p.of !== undefined ? r?.partitionGuids?.[p.of]?.toLowerCase() : r?.values?.[p.key];
    if (value === undefined || value.length !== p.length) throw usageError(`partition "${p.producer}" gave no ${p.of !== undefined ? `PARTUUID for "${p.of}"` : p.key} of ${p.length} characters`);
    p.buf.write(value, p.at, p.length, 'latin1');
  }
}
