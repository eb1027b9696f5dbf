/**
 * A lock across the test processes (node --test runs test files in parallel processes) for the
 * caches they share under $IMGSMITH_CACHE or <repo>/.cache: a lock directory made with mkdir,
 * holding the owner's pid; a lock whose owner is gone is taken over.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether a lock directory's owner is gone (no such pid), or it has no pid after a minute. */
async function staleLock(lock: string): Promise<boolean> {
  const pid = Number(await fsp.readFile(path.join(lock, 'pid'), 'utf8').catch(() => ''));
  if (!pid) {
    const st = await fsp.stat(lock).catch(() => undefined);
    return st !== undefined && Date.now() - st.mtimeMs > 60_000;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Takes `lock`: true when this process holds it now, false when another one does. */
export async function tryLock(lock: string): Promise<boolean> {
  try {
    await fsp.mkdir(lock);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    if (!(await staleLock(lock))) return false;
    // Take the dead owner's lock over: only the one whose rename succeeds removes it.
    const dead = `${lock}.dead-${process.pid}-${randomBytes(4).toString('hex')}`;
    if (await fsp.rename(lock, dead).then(() => true, () => false)) await fsp.rm(dead, { recursive: true, force: true });
    return tryLock(lock);
  }
  await fsp.writeFile(path.join(lock, 'pid'), String(process.pid));
  return true;
}

export async function unlock(lock: string): Promise<void> {
  await fsp.rm(lock, { recursive: true, force: true });
}

/** Runs `fn` holding `lock` (waiting for other processes that hold it). */
export async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  await fsp.mkdir(path.dirname(lock), { recursive: true });
  while (!(await tryLock(lock))) await sleep(300);
  try {
    return await fn();
  } finally {
    await unlock(lock);
  }
}
