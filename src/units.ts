import { usageError } from './errors.ts';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;
export const PiB = 1024 * TiB;
export const EiB = 1024 * PiB;
export const SECTOR = 512;

/** Binary units, as sfdisk and systemd read them: K and KiB are both 1024 bytes. */
const UNITS: Record<string, number> = {
  '': 1, B: 1,
  K: KiB, KIB: KiB,
  M: MiB, MIB: MiB,
  G: GiB, GIB: GiB,
  T: TiB, TIB: TiB,
  P: PiB, PIB: PiB,
  E: EiB, EIB: EiB,
  S: SECTOR, // sectors, as sfdisk understands them
};

/**
 * The grammar of a size string, exactly (the JSON Schema uses it as its pattern): digits with an
 * optional fraction, an optional space, an optional unit: B, K/KiB, M/MiB, G/GiB, T/TiB, P/PiB,
 * E/EiB (powers of 1024, any case) or s (512-byte sectors). No unit: bytes.
 */
export const SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)? ?([KkMmGgTtPpEe]([Ii][Bb])?|[Bb]|[Ss])?$';
const SIZE_RE = new RegExp(SIZE_PATTERN);
const DECIMAL_RE = /^([0-9]+(?:\.[0-9]+)?) ?([KkMmGgTtPpEe])[Bb]$/;

const EXAMPLES = 'use e.g. 1048576 (bytes), "30MiB", "8M", "1GiB", "2048s"';

function parseSizeString(value: string, where: string): number {
  if (/^\s*-/.test(value)) throw usageError(`${where}: a size cannot be negative, got "${value}"`);
  const dec = DECIMAL_RE.exec(value);
  if (dec) {
    const [, num, u] = dec;
    const binary = Number(num) * UNITS[u!.toUpperCase()]!;
    const decimal = Number(num) * 1000 ** ('KMGTPE'.indexOf(u!.toUpperCase()) + 1);
    throw usageError(
      `${where}: "${value}": decimal units are ambiguous here: write "${num}${u!.toUpperCase()}iB" (${binary} bytes) or ${decimal}` +
        ' (imgsmith reads K, M, G, T as powers of 1024, like sfdisk and systemd)',
    );
  }
  if (!SIZE_RE.test(value)) throw usageError(`${where}: "${value}" is not a size (${EXAMPLES})`);
  const m = /^([0-9.]+) ?([A-Za-z]*)$/.exec(value)!;
  const bytes = Number(m[1]) * UNITS[m[2]!.toUpperCase()]!;
  if (bytes > Number.MAX_SAFE_INTEGER) throw usageError(`${where}: "${value}" is too large`);
  if (!Number.isSafeInteger(bytes)) throw usageError(`${where}: "${value}" is not a whole number of bytes (${bytes})`);
  return bytes;
}

/**
 * Parses a byte size: a non-negative integer number of bytes, or a string such as "30MiB",
 * "8M", "1.5GiB", "4096" (bytes), "2048s" (512-byte sectors). Decimal units ("64MB") are
 * refused with both readings. `where` names the place (e.g. a JSON path) for the error message.
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
    throw usageError(`${where}: expected a size such as "30MiB" or a number of bytes, got ${JSON.stringify(value)}`);
  }
  return parseSizeString(value, where);
}

/** How a size was written, for messages: 64 (bytes), "64" (bytes), "1.25K" (1280 bytes). */
export function sizeAsWritten(value: unknown, bytes: number): string {
  if (typeof value === 'number') return `${value} (bytes)`;
  return /^[0-9]+$/.test(String(value)) ? `"${value}" (bytes)` : `${JSON.stringify(value)} (${bytes} bytes)`;
}

/** parseSize for a size on the disk (a partition's start or size, the disk size): a whole number of 512-byte sectors. */
export function parseSectorSize(value: unknown, where: string): number {
  const bytes = parseSize(value, where);
  if (bytes % SECTOR !== 0) throw usageError(`${where}: ${sizeAsWritten(value, bytes)} is not a multiple of ${SECTOR} (the sector size)`);
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
