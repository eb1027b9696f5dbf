/**
 * `imgsmith verify`'s dm-verity check. For every partition holding a verity superblock: its
 * data partition's hash tree is recomputed (../fs/verity-tree.ts) and compared with the tree
 * stored after the superblock, and the root hash with the one it should be:
 *  - with a manifest: the data partition it names and its `verity.rootHash`;
 *  - without one: the root hash of the stored tree, vouched for only by the GPT partition
 *    UUIDs when they are the ones systemd derives from it (Discoverable Partitions
 *    Specification); the data partition is the one whose UUID is the root hash's first 128
 *    bits, else the one of the paired DPS type, else the partition before it.
 * A changed data block is a failed check naming the data partition and the block.
 */
import fsp from 'node:fs/promises';
import { computeTree, MAX_TREE_BYTES, treeLayout, type TreeLayout, type VerityAlgorithm } from '../fs/verity-tree.ts';
import { dpsUuids, unusable } from '../fs/verity.ts';
import { decodeVeritySuperblock, VERITY_SB_SIZE, type VeritySuperblock } from '../codec/verity-superblock.ts';
import { DPS_VERITY_DATA } from '../ptable/parttypes.ts';
import { createHash } from 'node:crypto';
import { readAt } from './image.ts';
import type { CheckResult, OpenedImage, Partition } from './types.ts';

/** A verity partition as the manifest describes it. */
interface ManifestVerity {
  index: number;
  name: string;
  verity: { rootHash: string; data: string };
}

const named = (p: Partition) => `partition ${p.index}${p.name ? ` "${p.name}"` : ''}`;
const result = (where: string, ok: boolean, detail: string): CheckResult => ({ check: 'verity', where, status: ok ? 'ok' : 'FAIL', ok, detail });

/** The manifest's verity partitions (none when it has none or cannot be read). */
async function manifestVerity(file: string | undefined): Promise<ManifestVerity[]> {
  if (file === undefined) return [];
  try {
    const doc = JSON.parse(await fsp.readFile(file, 'utf8')) as { partitions?: ManifestVerity[] };
    return (doc.partitions ?? []).filter((p) => typeof p.verity?.rootHash === 'string' && typeof p.verity.data === 'string');
  } catch {
    return [];
  }
}

/** The data partition of hash partition `p` without a manifest (see above), and how it was found. */
function guessData(p: Partition, parts: Partition[], rootStored: Buffer): { data?: Partition; how: string } {
  const others = parts.filter((q) => q !== p);
  const ids = dpsUuids(rootStored);
  const byUuid = others.find((q) => q.guid?.toLowerCase() === ids.data);
  if (byUuid) return { data: byUuid, how: 'its UUID is the root hash\'s first 128 bits' };
  const pair = DPS_VERITY_DATA.get(p.typeCode.toUpperCase());
  const byType = pair ? others.filter((q) => q.typeCode.toUpperCase() === pair) : [];
  if (byType.length === 1) return { data: byType[0]!, how: 'its type is the DPS data type of the verity partition' };
  const before = [...others].filter((q) => q.start < p.start).sort((a, b) => b.start - a.start)[0];
  return before ? { data: before, how: 'the partition before it' } : { how: 'none found' };
}

/** Where the stored and the recomputed tree differ: the first data block whose hash differs (level 0,
 *  stored last), else the first hash block of the upper levels that does. */
function firstDifference(stored: Buffer, want: Buffer, lay: TreeLayout, sb: VeritySuperblock, data: Partition, p: Partition): string {
  const diff = (from: number, to: number) => {
    for (let at = from; at < to; at++) if (stored[at] !== want[at]) return at;
    return -1;
  };
  const l0 = (lay.levels[0]!.start - 1) * sb.hashBlockSize;
  const at = diff(l0, want.length);
  if (at >= 0) {
    const k = Math.floor((at - l0) / sb.hashBlockSize) * lay.perBlock + Math.floor((at % sb.hashBlockSize) / lay.slot);
    return `${named(data)}: data block ${k} (bytes ${k * sb.dataBlockSize}-${(k + 1) * sb.dataBlockSize - 1} of the partition) does not match its hash in ${named(p)}`;
  }
  return `${named(p)}: hash block ${Math.floor(diff(0, l0) / sb.hashBlockSize) + 1} differs from the tree recomputed from ${named(data)}`;
}

/** One hash partition's check. */
async function checkOne(img: OpenedImage, p: Partition, parts: Partition[], manifest: ManifestVerity[]): Promise<CheckResult> {
  const sb = decodeVeritySuperblock(await readAt(img.path, p.start, Math.min(p.size, VERITY_SB_SIZE)));
  if (typeof sb === 'string') return result(named(p), false, sb);
  const why = unusable(sb);
  if (why) return result(named(p), false, `imgsmith cannot check it: ${why}`);
  const alg = sb.algorithm as VerityAlgorithm;
  const lay = treeLayout(sb.dataBlocks, sb.hashBlockSize, alg);
  const bytes = lay.totalBlocks * sb.hashBlockSize;
  if (bytes > p.size) return result(named(p), false, `its tree needs ${bytes} bytes, the partition has ${p.size}`);
  if (bytes - sb.hashBlockSize > MAX_TREE_BYTES) return result(named(p), false, `its superblock describes a tree of ${bytes} bytes (${sb.dataBlocks} data blocks), more than imgsmith checks (${MAX_TREE_BYTES})`);
  const stored = await readAt(img.path, p.start + sb.hashBlockSize, bytes - sb.hashBlockSize);
  const salt = Buffer.from(sb.salt, 'hex');
  const top = lay.levels[lay.levels.length - 1];
  const rootStored = top ? createHash(alg).update(salt).update(stored.subarray((top.start - 1) * sb.hashBlockSize, top.start * sb.hashBlockSize)).digest() : undefined;
  const m = manifest.find((e) => e.index === p.index);
  const pick = m ? { data: parts.find((q) => q.name === m.verity.data) ?? parts.find((q) => q.index === manifest.find((e) => e.name === m.verity.data)?.index), how: 'named by the manifest' } : rootStored ? guessData(p, parts, rootStored) : { how: 'none found' };
  const data = pick.data;
  if (!data) return result(named(p), false, `its data partition cannot be found (${m ? `the manifest names "${m.verity.data}"` : pick.how})`);
  const where = `${named(p)} (hash tree of ${named(data)}, ${pick.how})`;
  if (data.size < sb.dataBlocks * sb.dataBlockSize) return result(where, false, `${named(data)} holds ${data.size} bytes, the superblock covers ${sb.dataBlocks * sb.dataBlockSize}`);
  const tree = await computeTree(img.path, data.start, sb.dataBlocks, { algorithm: alg, dataBlockSize: sb.dataBlockSize, hashBlockSize: sb.hashBlockSize, salt });
  const root = tree.rootHash.toString('hex');
  if (!tree.hashes.equals(stored)) return result(where, false, firstDifference(stored, tree.hashes, lay, sb, data, p));
  if (m && m.verity.rootHash !== root) return result(where, false, `root hash ${root}, the manifest says ${m.verity.rootHash}`);
  const ids = dpsUuids(tree.rootHash);
  const dps = data.guid?.toLowerCase() === ids.data && p.guid?.toLowerCase() === ids.hash;
  const vouch = m ? 'equals the manifest\'s' : dps ? 'matches both partition UUIDs (DPS); no manifest' : 'taken from the stored tree: no manifest, and the partition UUIDs are not derived from it';
  return result(where, true, `${sb.dataBlocks} blocks of ${sb.dataBlockSize} bytes match (${alg}); root hash ${root} ${vouch}`);
}

/** The check of every partition that holds a dm-verity superblock (`isVerity` says which). */
export async function checkVerityPartitions(img: OpenedImage, parts: Partition[], isVerity: (p: Partition) => Promise<boolean>, manifestFile?: string): Promise<CheckResult[]> {
  const manifest = await manifestVerity(manifestFile);
  const out: CheckResult[] = [];
  for (const p of parts) if (await isVerity(p)) out.push(await checkOne(img, p, parts, manifest));
  return out;
}
