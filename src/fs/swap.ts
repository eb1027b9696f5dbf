/**
 * Linux swap space (version 1, "SWAPSPACE2"), written in-process: only the first page
 * is written, the rest of the partition stays a hole. The header is byte-identical to
 * the first page `mkswap -p 4096 -U <uuid> -L <label>` (util-linux 2.38) writes for the
 * same size:
 *
 *   0x000  bootbits     1024 zero bytes (mkswap wipes them too)
 *   0x400  version      u32 LE = 1
 *   0x404  last_page    u32 LE = size / 4096 - 1
 *   0x408  nr_badpages  u32 LE = 0
 *   0x40c  sws_uuid     16 bytes
 *   0x41c  sws_volume   label, 16 bytes, NUL-terminated and NUL-padded
 *   0xff6  magic        "SWAPSPACE2"
 *
 * The page size is the spec's `pageSize` (default 4096, what aarch64/x86_64 kernels with 4 KiB
 * pages expect): a 16K/64K-page kernel (the Raspberry Pi 5's kernel_2712.img) needs the
 * header at the end of its first 16/64 KiB page and rejects a 4096-byte one. The bytes are
 * those of `mkswap -p <pageSize>`.
 * Without spec.uuid the UUID is derived from the partition offset and label (like ext4's
 * default), so builds stay reproducible.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { doesNotFit, inputError, usageError } from '../errors.ts';
import { formatSize } from '../units.ts';
import { label, oneOf, schemaOf, uuid } from '../spec-check.ts';
import type { MeasuringDriver } from './types.ts';
import { UUID_RE, uuidFromHash } from '../uuid.ts';
import { decodeSwapHeader, encodeSwapHeader, swapPageSize } from '../codec/swap-header.ts';
import { readAt } from '../inspect/image.ts';
import type { FsInfo } from '../inspect/types.ts';
import type { LabelRule } from '../labels.ts';

export const SWAP_PAGE = 4096;
/** The page sizes a swap header can be written for (4 KiB, 16 KiB, 64 KiB kernels). */
export const SWAP_PAGE_SIZES = [4096, 16384, 65536] as const;
/** mkswap refuses fewer than 10 pages. */
export const SWAP_MIN_PAGES = 10;
/** The label field has 16 bytes, but mkswap and swaplabel (util-linux 2.38) keep at most 15
 *  and NUL-terminate; we refuse longer labels instead of truncating them. */
export const SWAP_LABEL_MAX = 15;

/** The UUID used when the spec gives none: a v4-shaped hash of the offset and label. */
export function defaultSwapUuid(offset: number, label = ''): string {
  return uuidFromHash(createHash('sha256').update(`imgsmith swap ${offset} ${label}`).digest());
}

/**
 * The first page of a swap area of `size` bytes. `pageSize` must be the kernel's page size
 * (4096 on most systems; 16384 for e.g. the Raspberry Pi 5's default kernel, whose swap
 * header then sits at the end of the first 16 KiB page); the driver uses the spec's pageSize.
 */
export function swapHeader(size: number, uuid: string, label?: string, pageSize = SWAP_PAGE): Buffer {
  if (!(SWAP_PAGE_SIZES as readonly number[]).includes(pageSize)) throw usageError(`swap page size ${pageSize} is not 4096, 16384 or 65536`);
  const pages = Math.floor(size / pageSize);
  if (pages < SWAP_MIN_PAGES) {
    throw doesNotFit(`swap space of ${formatSize(size)} is too small: at least ${SWAP_MIN_PAGES} pages of ${pageSize} bytes are needed`);
  }
  if (pages - 1 > 0xffffffff) throw doesNotFit(`swap space of ${formatSize(size)} is too large for a swap header`);
  if (!UUID_RE.test(uuid)) throw usageError(`swap UUID "${uuid}" is not a UUID`);
  if (label !== undefined && Buffer.byteLength(label, 'utf8') > SWAP_LABEL_MAX) throw usageError(`swap label "${label}" is longer than ${SWAP_LABEL_MAX} bytes`);
  const page = encodeSwapHeader({ pageSize, lastPage: pages - 1, badPages: 0, uuid, label: label ?? '' });
  return page;
}

const SWAP_LABEL: LabelRule = { name: 'swap', maxBytes: SWAP_LABEL_MAX };

/** The swap header's facts (`imgsmith inspect`): swap has no reader, it holds no files. */
export async function swapInfo(file: string, offset: number, size: number): Promise<FsInfo> {
  const h = decodeSwapHeader(await readAt(file, offset, Math.min(size, 65536)));
  if (typeof h === 'string') throw inputError(`not a swap partition: ${h}`);
  return {
    type: 'swap',
    variant: 'swap',
    label: h.label,
    uuid: h.uuid,
    size: (h.lastPage + 1) * h.pageSize,
    blockSize: h.pageSize,
    features: [],
    extra: { version: String(h.version), badPages: String(h.badPages) },
  };
}

export interface SwapSpec {
  type: 'swap';
  label?: string;
  uuid?: string;
  /** The page size of the kernel that uses it: 4096 (default), 16384 (e.g. the Raspberry Pi 5's
   *  kernel_2712.img) or 65536. The header sits at the end of the first page. */
  pageSize?: (typeof SWAP_PAGE_SIZES)[number];
}

/** Adds this filesystem's spec to the image spec (spec-types.ts sits below the drivers). */
type ThisSpec = SwapSpec;
declare module '../spec-types.ts' {
  interface FilesystemSpecs {
    swap: ThisSpec;
  }
  interface ProbedFilesystems {
    swap: true;
  }
}

export const swapDriver: MeasuringDriver<SwapSpec> = {
  type: 'swap',
  capabilities: { root: false, files: false, symlinks: false, writable: true, growsAtFirstBoot: false, firmwareReadable: false },
  probe: { span: 65536, matches: (head) => swapPageSize(head) !== undefined, info: swapInfo },
  reader: null,
  check: { signature: 'swap signature present' },
  label: SWAP_LABEL,
  spec: {
    properties: {
      label: schemaOf.label('at most 15 bytes'),
      uuid: schemaOf.uuid,
      pageSize: { enum: [...SWAP_PAGE_SIZES], description: "the kernel's page size (default 4096; 16384 for a 16K-page kernel such as the Raspberry Pi 5's kernel_2712.img)" },
    },
    parse(o, where) {
      const pageSize = o.pageSize === undefined ? undefined : oneOf(o.pageSize, `${where}.pageSize`, SWAP_PAGE_SIZES);
      return { type: 'swap', label: label(o.label, `${where}.label`, SWAP_LABEL), uuid: uuid(o.uuid, `${where}.uuid`), ...(pageSize ? { pageSize } : {}) };
    },
  },
  tools: () => [],

  validate(spec, tree, where) {
    if (spec.label !== undefined) {
      const n = Buffer.byteLength(spec.label, 'utf8');
      if (n > SWAP_LABEL_MAX) {
        throw usageError(`${where}: swap label "${spec.label}" is ${n} bytes long; at most ${SWAP_LABEL_MAX} are allowed`);
      }
      if (spec.label.includes('\0')) throw usageError(`${where}: swap label must not contain NUL characters`);
    }
    if (spec.uuid !== undefined && !UUID_RE.test(spec.uuid)) {
      throw usageError(`${where}: "${spec.uuid}" is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`);
    }
    const extra = tree.entries().filter(([p]) => p !== '/');
    if (extra.length > 0) {
      throw usageError(`${where}: a swap partition has no contents (found ${extra[0]![0]})`);
    }
  },

  /** mkswap's minimum: 10 pages (40 KiB with 4 KiB pages). Size "auto" gets this, rounded up by the planner. */
  async minimumSize(spec) {
    return SWAP_MIN_PAGES * (spec.pageSize ?? SWAP_PAGE);
  },

  async write(spec, _tree, target) {
    const uuid = (spec.uuid ?? defaultSwapUuid(target.offset, spec.label)).toLowerCase();
    const pageSize = spec.pageSize ?? SWAP_PAGE;
    const page = swapHeader(target.size, uuid, spec.label, pageSize);
    const fh = await fsp.open(target.imagePath, 'r+');
    try {
      // The whole first page, zeros included (bootbits must be zero); nothing else.
      await fh.write(page, 0, page.length, target.offset);
    } finally {
      await fh.close();
    }
    const pages = Math.floor(target.size / pageSize);
    return {
      type: 'swap',
      ...(spec.label !== undefined ? { label: spec.label } : {}),
      uuid,
      stats: { pageSize, pages, usableBytes: (pages - 1) * pageSize },
    };
  },
};
