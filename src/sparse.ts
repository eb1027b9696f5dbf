/**
 * Sparse-file I/O. Uses the native addon (native/, SEEK_DATA/SEEK_HOLE,
 * copy_file_range, fallocate) when it is built, and a JavaScript fallback
 * otherwise. Interface owned here; the native part lives in native/.
 */

/** A half-open byte range [start, end). */
export interface Range {
  start: number;
  end: number;
}

// The implementation is filled in by the sparse I/O work (see native/). Signatures:
//   dataRanges(path): Promise<Range[]>  - the file's data ranges (holes skipped), sorted, merged.
//   copySparse(src, dst, dstOffset, opts?): Promise<{bytesCopied: number}> - copies src into dst at
//       dstOffset without writing holes (holes stay holes in dst; dst must already be large enough).
//   nativeAvailable(): boolean
