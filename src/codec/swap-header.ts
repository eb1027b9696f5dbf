/**
 * The Linux swap header (version 1), decode and encode side by side. It fills the first
 * page (4, 16 or 64 KiB, the kernel's page size):
 *
 *   0x000  bootbits     1024 zero bytes
 *   0x400  version      u32 LE = 1
 *   0x404  last_page    u32 LE = size / page - 1
 *   0x408  nr_badpages  u32 LE
 *   0x40c  sws_uuid     16 bytes
 *   0x41c  sws_volume   label, 16 bytes, NUL-terminated and NUL-padded
 *   page-10 magic       "SWAPSPACE2" ("SWAP-SPACE": the old version 0)
 */
import { cstr } from './bytes.ts';
import { uuidString } from '../uuid.ts';

export const SWAP_MAGIC = 'SWAPSPACE2';
const OLD_MAGIC = 'SWAP-SPACE';
/** The page sizes a header is found at, in the order they are tried. */
export const SWAP_PROBE_PAGES = [4096, 8192, 16384, 65536] as const;
export const SWAP_LABEL_BYTES = 16;
const H = { version: 0x400, lastPage: 0x404, badPages: 0x408, uuid: 0x40c, label: 0x41c } as const;

export interface SwapHeader {
  pageSize: number;
  version: number;
  lastPage: number;
  badPages: number;
  uuid: string;
  label: string;
}

/** The page size whose end holds a swap signature in `head` (the partition's first bytes). */
export function swapPageSize(head: Buffer, magics: readonly string[] = [SWAP_MAGIC, OLD_MAGIC]): number | undefined {
  for (const page of SWAP_PROBE_PAGES) {
    if (page <= head.length && magics.includes(head.toString('latin1', page - 10, page))) return page;
  }
  return undefined;
}

/** Decodes a version-1 header from the partition's first bytes; an error message when there is none. */
export function decodeSwapHeader(head: Buffer): SwapHeader | string {
  const pageSize = swapPageSize(head, [SWAP_MAGIC]);
  if (pageSize === undefined) return `no ${SWAP_MAGIC} signature at the end of a 4, 8, 16 or 64 KiB page`;
  return {
    pageSize,
    version: head.readUInt32LE(H.version),
    lastPage: head.readUInt32LE(H.lastPage),
    badPages: head.readUInt32LE(H.badPages),
    uuid: uuidString(head.subarray(H.uuid, H.uuid + 16)),
    label: cstr(head.subarray(H.label, H.label + SWAP_LABEL_BYTES)),
  };
}

/** Encodes the first page (the caller checked the values: see src/fs/swap.ts). */
export function encodeSwapHeader(h: Omit<SwapHeader, 'version'>): Buffer {
  const page = Buffer.alloc(h.pageSize);
  page.writeUInt32LE(1, H.version);
  page.writeUInt32LE(h.lastPage, H.lastPage);
  page.writeUInt32LE(h.badPages, H.badPages);
  Buffer.from(h.uuid.replaceAll('-', ''), 'hex').copy(page, H.uuid);
  Buffer.from(h.label, 'utf8').copy(page, H.label, 0, SWAP_LABEL_BYTES - 1);
  page.write(SWAP_MAGIC, h.pageSize - SWAP_MAGIC.length, 'latin1');
  return page;
}
