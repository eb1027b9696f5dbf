/**
 * Block maps for bmaptool (bmap-tools), format version 2.0 with SHA-256.
 *
 * The file is byte-for-byte what `bmaptool create` (bmap-tools 3.x) writes for
 * the same mapped ranges: the same comments, padding and human-readable sizes,
 * so the two can be compared directly. Format details (from BmapCreate.py):
 *  - BlockSize 4096; BlocksCount = ceil(ImageSize / 4096); the last block may be
 *    partial and its range checksum then covers only the bytes up to EOF.
 *  - Each <Range chksum="sha256 of the bytes"> is "first-last" (block numbers,
 *    inclusive) or "first" for one block.
 *  - BmapFileChecksum is the SHA-256 of the whole file with the checksum's own
 *    value written as 64 ASCII "0"s; bmaptool verifies it the same way.
 * The ranges are the image's blocks that are not all zeros (see scan.ts; bmaptool create
 * would also map allocated zero blocks, which depend on the host filesystem); package.ts hashes them in the same pass as everything else.
 */
import { createHash, type Hash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { buildError, internalError } from '../errors.ts';
import path from 'node:path';
import type { Range } from '../sparse.ts';
import { bool } from '../spec-check.ts';
import { settingsOf, type Output } from './types.ts';
import type { BmapInfo } from './pass.ts';

export type { BmapInfo } from './pass.ts';

export const BMAP_BLOCK_SIZE = 4096;
const BMAP_VERSION = '2.0';
const CHECKSUM_TYPE = 'sha256';
const CHECKSUM_LEN = 64;

/** An inclusive range of block numbers, with the SHA-256 of its bytes. */
export interface BmapRange {
  first: number;
  last: number;
  sha256: string;
}

/** Python's "%.1f" (round-half-even on the exact binary value) for the sizes bmaptool prints. */
function pyFixed1(x: number): string {
  // An exact tie at the second decimal (x*10 = n + 0.5) is possible only when
  // x*4 is an odd integer; JavaScript's toFixed rounds ties up, Python to even.
  const x10 = x * 10;
  if (Number.isInteger(x * 4) && !Number.isInteger(x * 2) && Number.isInteger(x10 - 0.5)) {
    const lo = x10 - 0.5;
    const n = lo % 2 === 0 ? lo : lo + 1;
    return (n / 10).toFixed(1);
  }
  return x.toFixed(1);
}

/** bmaptools.BmapHelpers.human_size. */
export function humanSize(size: number): string {
  if (size === 1) return '1 byte';
  if (size < 512) return `${Math.trunc(size)} bytes`;
  let s = size;
  for (const unit of ['KiB', 'MiB', 'GiB', 'TiB']) {
    s /= 1024;
    if (s < 1024) return `${pyFixed1(s)} ${unit}`;
  }
  return `${pyFixed1(s)} EiB`;
}

/** Byte ranges -> sorted, merged inclusive block ranges covering them. */
export function toBlockRanges(ranges: readonly Range[], imageSize: number, blockSize = BMAP_BLOCK_SIZE): { first: number; last: number }[] {
  const sorted = ranges
    .map((r) => ({ start: Math.max(0, r.start), end: Math.min(imageSize, r.end) }))
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.start - b.start);
  const out: { first: number; last: number }[] = [];
  for (const r of sorted) {
    const first = Math.floor(r.start / blockSize);
    const last = Math.floor((r.end - 1) / blockSize);
    const prev = out[out.length - 1];
    if (prev && first <= prev.last + 1) prev.last = Math.max(prev.last, last);
    else out.push({ first, last });
  }
  return out;
}

/** Overwrites text at `pos` (like a seek + write in bmaptool), keeping the length. */
function overwrite(text: string, pos: number, value: string): string {
  return text.slice(0, pos) + value + text.slice(pos + value.length);
}

/**
 * The bmap XML for an image of `imageSize` bytes with the given mapped block
 * ranges (checksums already computed). Pure; deterministic.
 */
export function renderBmap(imageSize: number, ranges: readonly BmapRange[], blockSize = BMAP_BLOCK_SIZE): { xml: string; info: BmapInfo } {
  if (imageSize <= 0) throw buildError('cannot create a bmap for an empty image');
  const blocksCount = Math.ceil(imageSize / blockSize);
  const imageHuman = humanSize(imageSize);
  let mapped = 0;
  for (const r of ranges) mapped += r.last - r.first + 1;

  let xml =
    '<?xml version="1.0" ?>\n' +
    '<!-- This file contains the block map for an image file, which is basically\n' +
    '     a list of useful (mapped) block numbers in the image file. In other words,\n' +
    '     it lists only those blocks which contain data (boot sector, partition\n' +
    '     table, file-system metadata, files, directories, extents, etc). These\n' +
    '     blocks have to be copied to the target device. The other blocks do not\n' +
    '     contain any useful data and do not have to be copied to the target\n' +
    '     device.\n' +
    '\n' +
    '     The block map an optimization which allows to copy or flash the image to\n' +
    '     the image quicker than copying of flashing the entire image. This is\n' +
    '     because with bmap less data is copied: <MappedBlocksCount> blocks instead\n' +
    '     of <BlocksCount> blocks.\n' +
    '\n' +
    '     Besides the machine-readable data, this file contains useful commentaries\n' +
    '     which contain human-readable information like image size, percentage of\n' +
    '     mapped data, etc.\n' +
    '\n' +
    "     The 'version' attribute is the block map file format version in the\n" +
    "     'major.minor' format. The version major number is increased whenever an\n" +
    '     incompatible block map format change is made. The minor number changes\n' +
    '     in case of minor backward-compatible changes. -->\n' +
    '\n' +
    `<bmap version="${BMAP_VERSION}">\n` +
    `    <!-- Image size in bytes: ${imageHuman} -->\n` +
    `    <ImageSize> ${imageSize} </ImageSize>\n` +
    '\n' +
    '    <!-- Size of a block in bytes -->\n' +
    `    <BlockSize> ${blockSize} </BlockSize>\n` +
    '\n' +
    '    <!-- Count of blocks in the image file -->\n' +
    `    <BlocksCount> ${blocksCount} </BlocksCount>\n` +
    '\n' +
    '    <!-- Count of mapped blocks: ';
  const countPos1 = xml.length;
  xml += `${' '.repeat(imageHuman.length)} or ${' '.repeat('100.0%'.length)}   -->\n`;
  xml += '    <MappedBlocksCount> ';
  const countPos2 = xml.length;
  xml += `${' '.repeat(String(blocksCount).length)} </MappedBlocksCount>\n\n`;
  xml += '    <!-- Type of checksum used in this file -->\n';
  xml += `    <ChecksumType> ${CHECKSUM_TYPE} </ChecksumType>\n\n`;
  xml += '    <!-- The checksum of this bmap file. When it is calculated, the value of\n';
  xml += '         the checksum has be zero (all ASCII "0" symbols).  -->\n';
  xml += '    <BmapFileChecksum> ';
  const checksumPos = xml.length;
  xml += '0'.repeat(CHECKSUM_LEN) + ' </BmapFileChecksum>\n\n';
  xml += '    <!-- The block map which consists of elements which may either be a\n';
  xml += "         range of blocks or a single block. The 'chksum' attribute\n";
  xml += '         (if present) is the checksum of this blocks range. -->\n';
  xml += '    <BlockMap>\n';
  for (const r of ranges) {
    const span = r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`;
    xml += `        <Range chksum="${r.sha256}"> ${span} </Range>\n`;
  }
  xml += '    </BlockMap>\n';
  xml += '</bmap>\n';

  const mappedHuman = humanSize(mapped * blockSize);
  const percent = pyFixed1((mapped * 100.0) / blocksCount);
  xml = overwrite(xml, countPos1, `${mappedHuman} or ${percent}%`);
  xml = overwrite(xml, countPos2, String(mapped));
  const bmapFileChecksum = createHash('sha256').update(xml, 'utf8').digest('hex');
  xml = overwrite(xml, checksumPos, bmapFileChecksum);
  return { xml, info: { imageSize, blockSize, blocksCount, mappedBlocksCount: mapped, bmapFileChecksum } };
}

/**
 * The mapped block ranges of an image and the SHA-256 of each, from the
 * image's bytes fed once, in order and contiguously: `add(pos, bytes, mapped)`.
 * Consecutive mapped bytes form one range; an unmapped byte ends it. Mapped
 * runs start on a block boundary and end on one or at the end of the image.
 */
export class BmapRanges {
  private readonly done: BmapRange[] = [];
  private cur: { first: number; end: number; hash: Hash } | undefined;

  constructor(private readonly blockSize = BMAP_BLOCK_SIZE) {}

  add(pos: number, bytes: Uint8Array, mapped: boolean): void {
    if (!mapped) {
      this.close();
      return;
    }
    if (this.cur?.end !== pos) {
      this.close();
      if (pos % this.blockSize !== 0) throw new RangeError(`bmap: a mapped range starts at ${pos}, inside a block`);
      this.cur = { first: pos / this.blockSize, end: pos, hash: createHash('sha256') };
    }
    this.cur.hash.update(bytes);
    this.cur.end += bytes.length;
  }

  /** The ranges, once every byte was added. */
  finish(): BmapRange[] {
    this.close();
    return this.done;
  }

  private close(): void {
    if (!this.cur) return;
    const { first, end, hash } = this.cur;
    this.done.push({ first, last: Math.ceil(end / this.blockSize) - 1, sha256: hash.digest('hex') });
    this.cur = undefined;
  }
}

/** Writes the bmap (see renderBmap) to `bmapPath`; returns its details and the file's SHA-256. */
export async function writeBmap(bmapPath: string, imageSize: number, ranges: readonly BmapRange[]): Promise<BmapInfo & { sha256: string }> {
  const { xml, info } = renderBmap(imageSize, ranges);
  try {
    await writeFile(bmapPath, xml);
  } catch (err) {
    throw buildError(`cannot write ${bmapPath}: ${(err as Error).message}`, err);
  }
  return { ...info, sha256: createHash('sha256').update(xml, 'utf8').digest('hex') };
}

/** A parsed bmap file (what `readBmap` returns). */
export interface ParsedBmap extends BmapInfo {
  version: string;
  checksumType: 'sha256' | 'sha1';
  ranges: BmapRange[];
}

/**
 * Parses bmap XML as bmaptool writes it (format 1.2 to 2.x: sha256 or sha1 range
 * checksums) and checks its own BmapFileChecksum when it has one. Errors name
 * `where` (the file) and what is wrong.
 */
export function parseBmap(xml: string, where: string): ParsedBmap {
  const bad = (what: string) => buildError(`${where} is not a valid bmap file: ${what}`);
  const count = (text: string, what: string): number => {
    const n = /^\s*([0-9]{1,16})\s*$/.exec(text)?.[1];
    if (n === undefined || !Number.isSafeInteger(Number(n))) throw bad(`${what} holds "${text.trim().slice(0, 40)}", not a whole number`);
    return Number(n);
  };
  // Elements are looked for outside comments (bmaptool's comments name the elements).
  const body = xml.replace(/<!--[\s\S]*?-->/g, '');
  const version = /<bmap\s+version="([0-9]+\.[0-9]+)"/.exec(xml)?.[1];
  if (!version) throw bad('no <bmap version="..."> element');
  if (Number(version.split('.')[0]) > 2) throw bad(`format version ${version} is newer than this tool reads (2.x)`);
  const num = (tag: string): number => {
    const all = [...body.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))];
    if (all.length === 0) throw bad(`no <${tag}>`);
    if (all.length > 1) throw bad(`more than one <${tag}>`);
    return count(all[0]![1]!, `<${tag}>`);
  };
  const imageSize = num('ImageSize');
  const blockSize = num('BlockSize');
  const blocksCount = num('BlocksCount');
  const mappedBlocksCount = num('MappedBlocksCount');
  if (imageSize <= 0) throw bad('ImageSize is 0');
  if (blockSize <= 0 || blockSize % 512 !== 0) throw bad(`BlockSize ${blockSize} is not a positive multiple of 512`);
  if (blocksCount !== Math.ceil(imageSize / blockSize)) throw bad(`BlocksCount ${blocksCount} does not match ImageSize ${imageSize} / BlockSize ${blockSize}`);
  const typeText = /<ChecksumType>([^<]*)<\/ChecksumType>/.exec(body)?.[1]?.trim() ?? 'sha1';
  if (typeText !== 'sha256' && typeText !== 'sha1') throw bad(`unsupported ChecksumType "${typeText.slice(0, 20)}" (sha256 or sha1)`);
  const checksumType = typeText;
  const hexLen = checksumType === 'sha256' ? 64 : 40;
  const fileSum = /<BmapFileChecksum>\s*([0-9a-f]+)\s*<\/BmapFileChecksum>/.exec(xml);
  let bmapFileChecksum = '';
  if (fileSum) {
    bmapFileChecksum = fileSum[1]!;
    const at = fileSum.index + fileSum[0].indexOf(bmapFileChecksum);
    const zeroed = xml.slice(0, at) + '0'.repeat(bmapFileChecksum.length) + xml.slice(at + bmapFileChecksum.length);
    const actual = createHash(checksumType).update(zeroed, 'utf8').digest('hex');
    if (actual !== bmapFileChecksum) throw bad(`its BmapFileChecksum ${bmapFileChecksum} does not match its contents (${actual}): the file was changed or truncated`);
  }
  const ranges: BmapRange[] = [];
  let mapped = 0;
  // Every <Range> element, each parsed strictly: one that does not parse is an error, never skipped.
  for (const el of body.matchAll(/<Range\b([^>]*)>([^<]*)<\/Range>|<Range\b[^>]*\/>/g)) {
    const text = el[2]?.trim() ?? '';
    const span = /^([0-9]+)(?:\s*-\s*([0-9]+))?$/.exec(text);
    if (!span) throw bad(`a <Range> holds "${text.slice(0, 40)}", not a block number or "first-last"`);
    const first = count(span[1]!, 'a <Range>');
    const last = span[2] !== undefined ? count(span[2], 'a <Range>') : first;
    const sum = /^\s*(?:chksum|sha1|sha256)="([^"]*)"\s*$/.exec(el[1] ?? '')?.[1];
    // bmaptool copies a range without a checksum unchecked; imgsmith never writes or calls verified a byte it cannot check.
    if (sum === undefined) throw bad(`range ${text} has no chksum attribute: imgsmith does not flash or verify unchecked ranges`);
    if (!new RegExp(`^[0-9a-f]{${hexLen}}$`).test(sum)) throw bad(`range ${text} has a checksum that is not ${hexLen} hex digits (${checksumType})`);
    const prev = ranges[ranges.length - 1];
    if (last < first || last >= blocksCount || (prev && first <= prev.last)) throw bad(`range ${first}-${last} is out of order or outside the image's ${blocksCount} blocks (past its end)`);
    ranges.push({ first, last, sha256: sum });
    mapped += last - first + 1;
  }
  const opened = body.match(/<Range\b/g)?.length ?? 0;
  if (opened !== ranges.length) throw bad(`${opened - ranges.length} of its <Range> elements are malformed`);
  if (mapped !== mappedBlocksCount) throw bad(`its ranges map ${mapped} blocks, MappedBlocksCount says ${mappedBlocksCount}`);
  return { version, checksumType, imageSize, blockSize, blocksCount, mappedBlocksCount, bmapFileChecksum, ranges };
}

/** The manifest's image.bmap: its file name, or the file name with its details (see writeBmap's BmapInfo). */
export interface ManifestBmap {
  file: string;
  sha256: string;
  blockSize: number;
  blocksCount: number;
  mappedBlocksCount: number;
}

export type BmapTypes = {
  spec: { bmap: boolean };
  options: { bmap?: boolean };
  settings: { bmap: boolean };
  manifest: { image: { bmap?: ManifestBmap | string } };
  paths: { bmapPath?: string };
};

/** The bmap output (`<name>.bmap`, from the single pass over the image). */
export const bmapOutput: Output<BmapTypes> = {
  name: 'bmap',
  spec: { properties: { bmap: { type: 'boolean' } }, parse: (o, where) => ({ bmap: bool(o.bmap, `${where}.bmap`, true) }) },
  flags: {
    bmap: {
      name: 'bmap',
      type: 'boolean',
      describe: "Write a bmaptool block map (.bmap) beside the image (default: the spec's output.bmap). --no-bmap writes none.",
      action: { description: 'Write a bmaptool block map (.bmap) beside the image.', default: 'true' },
    },
  },
  settings: (spec, options) => ({ bmap: options.bmap ?? spec.bmap }),
  manifestKeys: ['bmap', 'blockSize', 'blocksCount', 'mappedBlocksCount'],
  enabled: (plan) => settingsOf(plan, bmapOutput).bmap,
  pass: (plan, tmp) => ({ bmap: path.join(tmp, `${plan.base}.bmap`) }),
  async make({ pass, rel, base, outDir, tmp }) {
    if (!pass.bmap) throw internalError('the bmap output without a bmap');
    const file = rel(`${base}.bmap`);
    const { sha256, blockSize, blocksCount, mappedBlocksCount } = pass.bmap;
    return {
      output: 'bmap',
      files: [[path.join(tmp, `${base}.bmap`), file]],
      manifest: { image: { bmap: { file, sha256, blockSize, blocksCount, mappedBlocksCount } } },
      listed: [path.join(outDir, file)],
      paths: { bmapPath: path.join(outDir, file) },
    };
  },
};
