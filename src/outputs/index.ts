/** Output packaging: compression, bmap, checksums, manifest, Hydra products. */
export { zstdCli, compressorFor, DEFAULT_ZSTD_LEVEL, MAX_ZSTD_LEVEL, type Compressor, type CompressOptions } from './compress.ts';
export { writeBmap, renderBmap, toBlockRanges, humanSize, BMAP_BLOCK_SIZE, type BmapInfo, type BmapRange, type WriteBmapOptions } from './bmap.ts';
export { sha256File, writeSha256File, sha256sumLine, hashRange } from './checksum.ts';
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
