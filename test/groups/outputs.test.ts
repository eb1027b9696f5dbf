/**
 * The outputs: packaging pass, tarballs, zstd frames and decoders, Android sparse.
 * npm test runs these files in one process (README: "Two commands").
 */
import '../outputs.test.ts';
import '../tar.test.ts';
import '../chunked.test.ts';
import '../zstd-decoder.test.ts';
import '../android-sparse.test.ts';
