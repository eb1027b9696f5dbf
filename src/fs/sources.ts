/**
 * Sources that change while a mkfs tool reads them. The tree walk records every host
 * file's size; what the tool wrote must be that file. The populate helper checks it
 * itself (its SIZES file, see native/ext4_populate.c); for the tools that read a staged
 * or virtual tree (mke2fs -d, mkfs.btrfs --rootdir), `SourceLog` records the walk and
 * checks every source again after the tool ran (or failed): a source that is gone or has
 * another size is ONE error naming it (exit 1), never a retry or a build without it.
 */
import { accessSync, constants as fsc, statSync } from 'node:fs';
import { inputError, type InputError } from '../errors.ts';
import { hostPath, show, type WalkEntry } from '../content/tree.ts';

/** The message for a source whose size is not the walk's any more (`now` undefined: it is gone). */
export function changedSource(source: string, was: number, now: number | undefined): InputError {
  return now === undefined
    ? inputError(`${show(source)} disappeared while it was being read; run the build again when the inputs do not change`)
    : inputError(`${show(source)} changed while it was being read (${was} bytes when the tree was read, ${now} now); run the build again when the inputs do not change`);
}

function canRead(source: string): boolean {
  try {
    accessSync(hostPath(source), fsc.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** The host files a walk saw and their sizes, checked again after a tool read them. */
export class SourceLog {
  private readonly sources: string[] = [];
  private sizes = new Float64Array(1024);

  /** Feeds one walk entry (files with a host source are recorded). */
  readonly add = (e: WalkEntry): void => {
    if (e.kind !== 'file') return;
    const n = this.sources.length;
    if (n === this.sizes.length) {
      const grown = new Float64Array(n * 2);
      grown.set(this.sizes);
      this.sizes = grown;
    }
    this.sources.push(e.source);
    this.sizes[n] = e.size;
  };

  /** Awaits a tool reading the recorded sources, then checks them (also when it failed: a
   *  changed source explains the failure better than the tool). */
  async around<T>(work: Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await work;
    } catch (err) {
      await this.check({ readable: true });
      throw err;
    }
    await this.check();
    return result;
  }

  /** Throws the error for the first recorded source that is gone or has another size (with
   *  `readable`, also one this user may not read: after a tool failed, that explains it). */
  async check(opts: { readable?: boolean } = {}): Promise<void> {
    for (let i = 0; i < this.sources.length; i++) {
      const source = this.sources[i]!;
      let now: number | undefined;
      try {
        now = statSync(hostPath(source)).size;
      } catch {
        now = undefined;
      }
      if (now !== this.sizes[i]) throw changedSource(source, this.sizes[i]!, now);
      if (opts.readable && !canRead(source)) throw inputError(`cannot read ${show(source)}: permission denied`);
      if (i % 8192 === 8191) await new Promise((r) => setImmediate(r));
    }
  }
}
