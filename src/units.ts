import { usageError } from './errors.ts';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;
export const PiB = 1024 * TiB;
export const EiB = 1024 * PiB;
export const SECTOR = 512;

const UNITS: Record<string, number> = {
  '': 1, B: 1,
  K: KiB, KB: 1000, KIB: KiB,
  M: MiB, MB: 1000 ** 2, MIB: MiB,
  G: GiB, GB: 1000 ** 3, GIB: GiB,
  T: TiB, TB: 1000 ** 4, TIB: TiB,
  P: PiB, PB: 1000 ** 5, PIB: PiB,
  E: EiB, EB: 1000 ** 6, EIB: EiB,
  S: SECTOR, // sectors, as sfdisk understands them
};

/**
 * Parses a byte size: a non-negative integer number of bytes, or a string such
 * as "30MiB", "8M", "1.5GiB", "4096", "2048s" (512-byte sectors).
 * `where` names the place (e.g. a JSON path) for the error message.
 */
export function parseSize(value: unknown, where: string): number {
  if (typeof value === 'number') {
    if (value < 0) throw usageError(`${where}: a size cannot be negative, got ${value}`);
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) throw usageError(`${where}: ${value} bytes is too large`);
    if (!Number.isSafeInteger(value)) {
      throw usageError(`${where}: expected a whole number of bytes >= 0, got ${value}`);
    }
    return value;
  }
  if (typeof value !== 'string') {
    throw usageError(`${where}: expected a size such as 30MiB or a number of bytes, got ${JSON.stringify(value)}`);
  }
  if (/^\s*-/.test(value)) throw usageError(`${where}: a size cannot be negative, got "${value}"`);
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = m ? UNITS[m[2]!.toUpperCase()] : undefined;
  if (!m || unit === undefined) {
    throw usageError(`${where}: "${value}" is not a size (use e.g. 512, "30MiB", "8M", "1GiB", "2048s")`);
  }
  const bytes = Number(m[1]) * unit;
  if (bytes > Number.MAX_SAFE_INTEGER) throw usageError(`${where}: "${value}" is too large`);
  if (!Number.isSafeInteger(bytes)) {
    throw usageError(`${where}: "${value}" is not a whole number of bytes`);
  }
  return bytes;
}

export function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

export function alignDown(n: number, align: number): number {
  return Math.floor(n / align) * align;
}

/** Human-readable size for messages: "30 MiB (31457280 bytes)". */
export function formatSize(bytes: number): string {
  const units: [number, string][] = [[TiB, 'TiB'], [GiB, 'GiB'], [MiB, 'MiB'], [KiB, 'KiB']];
  for (const [u, name] of units) {
    if (bytes >= u) {
      const v = bytes / u;
      const s = Number.isInteger(v) ? String(v) : v.toFixed(2);
      return `${s} ${name} (${bytes} bytes)`;
    }
  }
  return `${bytes} bytes`;
}
