/**
 * Every inode of a filesystem image as its own tools report it, for "owner 0:0, the epoch,
 * no host flags" checks:
 *   - ext4: a walk from / with `debugfs -R 'ls -p <ino>'` (one debugfs run per directory
 *     level), then `stat <ino>` of every inode reached (one run);
 *   - btrfs: every INODE_ITEM of the FS tree in `btrfs inspect-internal dump-tree -t fs`.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export interface InodeFacts {
  ino: number;
  /** A name it was reached by (latin1; ext4: the path from /, btrfs: the base name). */
  name: string;
  /** Every base name it has (latin1): hard links have several. */
  names: string[];
  mode: number;
  uid: number;
  gid: number;
  /** Inode flags as the filesystem stores them (ext4 i_flags, btrfs inode flags). */
  flags: number;
  /** Seconds and nanoseconds of each time the inode has (atime, ctime, mtime, crtime/otime). */
  times: Record<string, { sec: number; nsec: number }>;
}

/** Runs debugfs with a command file (its commands echoed as "debugfs: CMD" before their output). */
async function debugfsBatch(part: string, commands: string[], debugfs = 'debugfs'): Promise<Map<string, string>> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'imgsmith-debugfs-'));
  try {
    const file = path.join(dir, 'cmds');
    await fsp.writeFile(file, commands.join('\n') + '\n');
    const r = await execa(debugfs, ['-f', file, part], { encoding: 'buffer', maxBuffer: 256 << 20, env: { LC_ALL: 'C' } });
    const out = new Map<string, string>();
    let cur: string | undefined;
    let buf: string[] = [];
    for (const line of Buffer.from(r.stdout).toString('latin1').split('\n')) {
      const m = /^debugfs: (.*)$/.exec(line);
      if (m) {
        if (cur !== undefined) out.set(cur, buf.join('\n'));
        cur = m[1]!;
        buf = [];
      } else buf.push(line);
    }
    if (cur !== undefined) out.set(cur, buf.join('\n'));
    return out;
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

const EXT4_TIME = /^\s*(ctime|atime|mtime|crtime):\s+0x([0-9a-f]+)(?::([0-9a-f]+))?/gm;

/** Every inode reachable from / of an ext4 image (file or partition), with debugfs. */
export async function ext4Inodes(part: string, debugfs = 'debugfs'): Promise<InodeFacts[]> {
  const names = new Map<number, string>([[2, '/']]);
  const modes = new Map<number, number>([[2, 0o040000]]); // file type and mode from ls -p
  const allNames = new Map<number, string[]>([[2, ['/']]]);
  const isDir = new Set<number>([2]);
  let level = [2];
  while (level.length > 0) {
    const outs = await debugfsBatch(part, level.map((i) => `ls -p <${i}>`), debugfs);
    const next: number[] = [];
    for (const dirIno of level) {
      const text = outs.get(`ls -p <${dirIno}>`) ?? '';
      for (const line of text.split('\n')) {
        // /INO/MODE/UID/GID/NAME/SIZE/ (the name may hold any byte but / and NUL)
        const m = /^\/(\d+)\/([0-7]+)\/\d+\/\d+\/(.*)\/\d*\/$/.exec(line);
        if (!m) continue;
        const ino = Number(m[1]);
        const name = m[3]!;
        if (name === '.' || name === '..' || ino === 0) continue;
        if (names.has(ino)) {
          allNames.get(ino)!.push(name); // a hard link's other name
          continue;
        }
        allNames.set(ino, [name]);
        modes.set(ino, parseInt(m[2]!, 8));
        names.set(ino, `${names.get(dirIno) === '/' ? '' : names.get(dirIno)}/${name}`);
        if ((parseInt(m[2]!, 8) & 0o170000) === 0o040000) {
          isDir.add(ino);
          next.push(ino);
        }
      }
    }
    level = next;
  }
  const inos = [...names.keys()].sort((a, b) => a - b);
  const stats = await debugfsBatch(part, inos.map((i) => `stat <${i}>`), debugfs);
  return inos.map((ino) => {
    const s = stats.get(`stat <${ino}>`) ?? '';
    const mode = /Mode:\s+(?:\\)?([0-7]+)/.exec(s);
    const user = /User:\s+(\d+)\s+Group:\s+(\d+)/.exec(s);
    const flags = /Flags:\s+0x([0-9a-f]+)/.exec(s);
    if (!mode || !user || !flags) throw new Error(`debugfs stat <${ino}> (${names.get(ino)}): cannot parse: ${s.slice(0, 400)}`);
    const times: InodeFacts['times'] = {};
    for (const t of s.matchAll(EXT4_TIME)) {
      const extra = t[3] ? parseInt(t[3], 16) : 0;
      // The extra field: 2 epoch bits, then the nanoseconds << 2.
      times[t[1]!] = { sec: parseInt(t[2]!, 16) + (extra & 3) * 2 ** 32, nsec: extra >>> 2 };
    }
    // stat's Mode has the permission bits only: the type comes from ls -p.
    return { ino, name: names.get(ino)!, names: allNames.get(ino)!, mode: (modes.get(ino)! & 0o170000) | parseInt(mode[1]!, 8), uid: Number(user[1]), gid: Number(user[2]), flags: parseInt(flags[1]!, 16), times };
  });
}

/** ext4 inode flags that come from the filesystem's own layout, not from the host (extents, inline data, htree). */
export const EXT4_LAYOUT_FLAGS = 0x80000 | 0x10000000 | 0x1000;

/** Every INODE_ITEM of a btrfs image's FS tree (btrfs inspect-internal dump-tree -t fs). */
export async function btrfsInodes(part: string, btrfs = 'btrfs'): Promise<InodeFacts[]> {
  const r = await execa(btrfs, ['inspect-internal', 'dump-tree', '-t', 'fs', part], { encoding: 'buffer', maxBuffer: 256 << 20, env: { LC_ALL: 'C' } });
  const out: InodeFacts[] = [];
  const names = new Map<number, string[]>();
  let cur: InodeFacts | undefined;
  let refIno: number | undefined;
  for (const line of Buffer.from(r.stdout).toString('latin1').split('\n')) {
    const key = /^\s*item \d+ key \((\d+) (\w+) (\d+)\)/.exec(line);
    if (key) {
      cur = undefined;
      refIno = undefined;
      if (key[2] === 'INODE_ITEM') {
        cur = { ino: Number(key[1]), name: '', names: [], mode: -1, uid: -1, gid: -1, flags: -1, times: {} };
        out.push(cur);
      } else if (key[2] === 'INODE_REF') refIno = Number(key[1]);
      continue;
    }
    if (refIno !== undefined) {
      const n = /^\s+index \d+ namelen \d+ name: (.*)$/.exec(line);
      if (n) names.set(refIno, [...(names.get(refIno) ?? []), n[1]!]);
      continue;
    }
    if (!cur) continue;
    const m = /\bmode (\d+) links \d+ uid (\d+) gid (\d+)/.exec(line);
    if (m) {
      cur.mode = parseInt(m[1]!, 8);
      cur.uid = Number(m[2]);
      cur.gid = Number(m[3]);
    }
    const f = /\bflags 0x([0-9a-f]+)/.exec(line);
    if (f && /sequence/.test(line)) cur.flags = parseInt(f[1]!, 16);
    const t = /^\s*(atime|ctime|mtime|otime) (\d+)\.(\d+)/.exec(line);
    if (t) cur.times[t[1]!] = { sec: Number(t[2]), nsec: Number(t[3]) };
  }
  for (const i of out) {
    i.names = names.get(i.ino) ?? [];
    i.name = i.names[0] ?? `<${i.ino}>`;
  }
  return out;
}

/** The problems of one inode list against "owner 0:0, every time `epoch`, no flags but `allowed`"; [] when none. */
export function inodeProblems(
  inodes: InodeFacts[],
  epoch: number,
  opts: { allowedFlags?: number; times: string[]; optionalTimes?: Record<string, number[]> },
): string[] {
  const problems: string[] = [];
  for (const i of inodes) {
    const where = `inode ${i.ino} (${i.name})`;
    if (i.uid !== 0 || i.gid !== 0) problems.push(`${where}: owner ${i.uid}:${i.gid}`);
    if ((i.flags & ~(opts.allowedFlags ?? 0)) !== 0) problems.push(`${where}: flags 0x${i.flags.toString(16)}`);
    for (const name of opts.times) {
      const t = i.times[name];
      if (!t) problems.push(`${where}: no ${name}`);
      else if (t.sec !== epoch || t.nsec !== 0) problems.push(`${where}: ${name} ${t.sec}.${t.nsec}`);
    }
    for (const [name, ok] of Object.entries(opts.optionalTimes ?? {})) {
      const t = i.times[name];
      if (t && !(t.nsec === 0 && (t.sec === epoch || ok.includes(t.sec)))) problems.push(`${where}: ${name} ${t.sec}.${t.nsec}`);
    }
  }
  return problems;
}
