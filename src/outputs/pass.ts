/**
 * The single pass over the finished image (package.ts): what an output may ask of it
 * (`Output.pass`) and what it gives back. The shared types live here, below both the
 * outputs (types.ts) and the pass itself, so that neither imports the other.
 */

/** What outputs ask of the pass; the build merges every active output's needs. */
export interface PassNeeds {
  /** Write the image's bmap (bmaptool format) to this path. */
  bmap?: string;
  /** Compress the image with zstd into `out`, one frame per chunk (chunked.ts). */
  zstd?: { out: string; level: number };
  /** Compute the raw image's SHA-256 (hashed over every byte, holes too). */
  sha256?: boolean;
  /** Write the image as an Android sparse image (../codec/android-sparse.ts) to this path:
   *  the blocks the bmap would not map are DONT_CARE, the others FILL or RAW. */
  simg?: string;
}

/** A bmap's details (bmap.ts renderBmap). */
export interface BmapInfo {
  imageSize: number;
  blockSize: number;
  blocksCount: number;
  mappedBlocksCount: number;
  /** The BmapFileChecksum value. */
  bmapFileChecksum: string;
}

export interface PassResult {
  /** The image's size and SHA-256 (hex; only when asked for, see PassNeeds.sha256). */
  size: number;
  sha256?: string;
  /** The bmap's details and the SHA-256 of the bmap file. */
  bmap?: BmapInfo & { sha256: string };
  /** Size and SHA-256 of the .zst. */
  compressed?: { size: number; sha256: string };
  /** The Android sparse image's size, SHA-256, blocks and chunks. */
  simg?: { size: number; sha256: string; blocks: number; chunks: number };
  /** How the .zst's frames were made (for progress events only: it depends on timing). */
  zstdFrames?: { frames: number; early: number; redone: number; zero: number };
}
