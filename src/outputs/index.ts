/** Output packaging: compression, bmap, checksums, manifest, Hydra products. */
export { packageImage, type PackageOptions, type PackageResult } from './package.ts';
export { startZstd, zstdArgs, DEFAULT_ZSTD_LEVEL, MAX_ZSTD_LEVEL, type ZstdRun } from './compress.ts';
export { writeBmap, renderBmap, toBlockRanges, humanSize, BmapRanges, BMAP_BLOCK_SIZE, type BmapInfo, type BmapRange } from './bmap.ts';
export { scanImage, SCAN_BLOCK, SCAN_CHUNK, type Segment, type ScanOptions } from './scan.ts';
export { writeSha256File, sha256sumLine } from './checksum.ts';
export {
  writeManifest,
  manifestJson,
  stableJson,
  toolVersion,
  toolVersions,
  type Manifest,
  type ManifestBmap,
  type ManifestCompressed,
  type ManifestFile,
  type ManifestFilesystem,
  type ManifestPartition,
  type ManifestTable,
} from './manifest.ts';
export { writeHydraProducts, hydraProductLine, type HydraProductsOptions } from './hydra.ts';
