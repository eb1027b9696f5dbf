/**
 * verify's `names` check: every FAT, ext4 and btrfs partition is walked with imgsmith's
 * readers, and an entry whose name the filesystem must not hold (src/inspect/names.ts:
 * empty, ".", "..", "/", NUL, > 255 bytes; for FAT also controls and " * : < > ? \ |)
 * or a symlink with an empty or NUL-holding target fails the check, naming the
 * partition and the paths (escaped). One check per such partition.
 */
import { show } from '../content/tree.ts';
import { printable } from '../text.ts';
import { walkFs } from './commands.ts';
import { badFatName, badLinkTarget, badName } from './names.ts';
import { detectFs } from './probe.ts';
import { drivers } from '../fs/index.ts';
import { openFs } from './readers/index.ts';
import { readPartitionTable } from './table.ts';
import type { CheckResult, FsReader, FsType, OpenedImage, Partition } from './types.ts';

/** Paths named in a failing check's detail (the count says how many there are). */
const SHOWN = 5;

async function badEntries(r: FsReader, type: FsType): Promise<{ count: number; bad: string[] }> {
  const check = type === 'vfat' ? badFatName : badName;
  let count = 0;
  const bad: string[] = [];
  for await (const e of walkFs(r, '/')) {
    count++;
    const why = check(e.name) ?? (e.type === 'symlink' ? badLinkTarget(e.target) : undefined);
    if (why) bad.push(`${show(e.path)} (${why})`);
  }
  return { count, bad };
}

async function checkPartition(img: OpenedImage, p: Partition, type: FsType): Promise<CheckResult> {
  const where = `partition ${p.index}${p.name ? ` "${printable(p.name)}"` : ''} (${type})`;
  try {
    const r = await openFs(img, p, type);
    try {
      const { count, bad } = await badEntries(r, type);
      if (!bad.length) return { check: 'names', where, status: 'ok', ok: true, detail: `${count} names checked` };
      const more = bad.length > SHOWN ? `; and ${bad.length - SHOWN} more` : '';
      return { check: 'names', where, status: 'FAIL', ok: false, detail: `${bad.length} entries with names a ${type} filesystem must not hold: ${bad.slice(0, SHOWN).join('; ')}${more}` };
    } finally {
      await r.close();
    }
  } catch (err) {
    return { check: 'names', where, status: 'FAIL', ok: false, detail: `cannot read its names: ${(err as Error).message}` };
  }
}

/** The names check of every FAT, ext4 and btrfs partition (none when the table cannot be read: the table check says so). */
export async function checkNames(img: OpenedImage): Promise<CheckResult[]> {
  let table;
  try {
    table = await readPartitionTable(img.path, img.size, img.source);
  } catch {
    return [];
  }
  const out: CheckResult[] = [];
  for (const p of table.partitions) {
    const type = await detectFs(img.path, p.start, p.size).catch(() => undefined);
    // Every filesystem imgsmith can read (its driver names a reader).
    if (type !== undefined && drivers[type].reader !== null) out.push(await checkPartition(img, p, type));
  }
  return out;
}
