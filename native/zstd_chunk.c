/*
 * zstdChunk(srcFd, offset, length, dstFd, level, callback): compresses `length` bytes of
 * srcFd at `offset` into one zstd frame written to dstFd (from its start), on a libuv
 * worker thread; callback(err, frameBytes). For src/outputs/chunked.ts.
 *
 * The frame is the one `zstd -<level> --single-thread --stream-size=<length> -c` writes
 * for the same bytes on stdin: the same libzstd (libzstd.so.1, loaded with dlopen and
 * RTLD_DEEPBIND so that it never calls the ZSTD_ functions Node 22.15+/24 export, see z_load; so
 * no -dev package is needed to build), the same parameters (level, content size and
 * checksum flags, the pledged size) and the same streaming calls (128 KiB of input per
 * ZSTD_compressStream2 call with ZSTD_e_continue, then ZSTD_e_end with no input). test/chunked.test.ts compares the
 * two. Without libzstd.so.1, callback gets an error with code "ENOZSTD" and the caller
 * uses the zstd CLI.
 *
 * Decoding (src/inspect/zstd.ts), synchronous and bounded by the output buffer, so that the
 * caller can feed small slices and yield to its event loop (signals) in between:
 *   zstdDecoder() -> handle (a ZSTD_DCtx, freed with the handle); throws code "ENOZSTD"
 *   zstdDecode(handle, input, inStart, inEnd, output) -> [consumed, produced, hint]
 *       one ZSTD_decompressStream call; hint 0: a frame ended (its XXH64 checksum, when it
 *       has one, matched: libzstd checks it by default). Throws code "EZSTD" with libzstd's
 *       error name (e.g. "Restored data doesn't match checksum").
 *   zstdDecoderReset(handle) -> undefined: forget a partly decoded frame.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <node_api.h>

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The few libzstd declarations used (zstd.h, stable API; values are part of the ABI). */
typedef struct ZSTD_CCtx_s ZSTD_CCtx;
typedef struct ZSTD_DCtx_s ZSTD_DCtx;
typedef struct { const void *src; size_t size; size_t pos; } ZSTD_inBuffer;
typedef struct { void *dst; size_t size; size_t pos; } ZSTD_outBuffer;
enum { ZSTD_c_compressionLevel = 100, ZSTD_c_contentSizeFlag = 200, ZSTD_c_checksumFlag = 201 };
enum { ZSTD_e_continue = 0, ZSTD_e_flush = 1, ZSTD_e_end = 2 };

static struct {
  ZSTD_CCtx *(*createCCtx)(void);
  size_t (*freeCCtx)(ZSTD_CCtx *);
  size_t (*setParameter)(ZSTD_CCtx *, int, int);
  size_t (*setPledgedSrcSize)(ZSTD_CCtx *, unsigned long long);
  size_t (*compressStream2)(ZSTD_CCtx *, ZSTD_outBuffer *, ZSTD_inBuffer *, int);
  unsigned (*isError)(size_t);
  const char *(*getErrorName)(size_t);
  size_t (*cStreamOutSize)(void);
  ZSTD_DCtx *(*createDCtx)(void);
  size_t (*freeDCtx)(ZSTD_DCtx *);
  size_t (*resetDCtx)(ZSTD_DCtx *, int);
  size_t (*decompressStream)(ZSTD_DCtx *, ZSTD_outBuffer *, ZSTD_inBuffer *);
} Z;
static int z_loaded; /* 1 ok, -1 unavailable */
static pthread_once_t z_once = PTHREAD_ONCE_INIT;

/*
 * Why RTLD_DEEPBIND: Node 22.15+ and 24 link their own zstd into the node binary and export
 * its ZSTD_* symbols. libzstd.so.1 calls its own exported functions through the PLT (it is not
 * linked with -Bsymbolic), so with a plain dlopen those calls bind to the first definition in
 * the global scope: the node binary's (LD_DEBUG=bindings shows "binding file libzstd.so.1 to
 * node: normal symbol `ZSTD_CCtx_setParameter'"). Two zstd versions then share one ZSTD_CCtx
 * whose layout they disagree on ("Block-level external sequence producer returned an error
 * code"), or, with the same version, the frames would come from Node's zstd rather than the
 * system's. RTLD_DEEPBIND puts libzstd's own symbols ahead of the global scope for the
 * references of libzstd (and its dependencies), so every ZSTD_ call stays in libzstd.so.1
 * whichever Node runs us.
 *
 * DEEPBIND only applies to relocations done by this dlopen. If libzstd.so.1 was already in
 * the process (loaded by something else, its references bound then) and the global scope has a
 * ZSTD_ definition other than libzstd's own, its calls may already go to Node's: report the
 * library as unusable so that the caller uses the zstd CLI (same bytes, another process).
 * Without RTLD_DEEPBIND (not glibc) the same check applies to every load.
 */
#ifndef RTLD_DEEPBIND
#define RTLD_DEEPBIND 0
#define Z_NO_DEEPBIND 1
#endif
static char z_why[160]; /* why libzstd cannot be used (z_loaded == -1) */

static void z_load(void) {
  void *pre = dlopen("libzstd.so.1", RTLD_NOW | RTLD_NOLOAD);
  void *h = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (!h) {
    if (pre) dlclose(pre);
    z_loaded = -1;
    snprintf(z_why, sizeof z_why, "libzstd.so.1 cannot be loaded");
    return;
  }
#ifdef Z_NO_DEEPBIND
  int bound_before = 1;
#else
  int bound_before = pre != NULL;
#endif
  if (pre) dlclose(pre);
  if (bound_before) {
    void *own = dlsym(h, "ZSTD_compressStream2");
    void *global = dlsym(RTLD_DEFAULT, "ZSTD_compressStream2");
    if (own && global && own != global) {
      z_loaded = -1;
      snprintf(z_why, sizeof z_why,
               "libzstd.so.1 cannot be used: this process has another zstd (e.g. Node's own) that "
               "its calls may bind to");
      return;
    }
  }
#define SYM(field, name)                               \
  *(void **)(&Z.field) = dlsym(h, name);               \
  if (!Z.field) {                                      \
    z_loaded = -1;                                     \
    snprintf(z_why, sizeof z_why, "libzstd.so.1 has no %s", name); \
    return;                                            \
  }
  SYM(createCCtx, "ZSTD_createCCtx");
  SYM(freeCCtx, "ZSTD_freeCCtx");
  SYM(setParameter, "ZSTD_CCtx_setParameter");
  SYM(setPledgedSrcSize, "ZSTD_CCtx_setPledgedSrcSize");
  SYM(compressStream2, "ZSTD_compressStream2");
  SYM(isError, "ZSTD_isError");
  SYM(getErrorName, "ZSTD_getErrorName");
  SYM(cStreamOutSize, "ZSTD_CStreamOutSize");
  SYM(createDCtx, "ZSTD_createDCtx");
  SYM(freeDCtx, "ZSTD_freeDCtx");
  SYM(resetDCtx, "ZSTD_DCtx_reset");
  SYM(decompressStream, "ZSTD_decompressStream");
#undef SYM
  z_loaded = 1;
}

#define IN_STEP (128 * 1024)

typedef struct {
  int src, dst, level;
  int64_t offset, length;
  int64_t written;
  int err;          /* errno, or -1: zstd error (message in msg), -2: libzstd missing */
  char msg[128];
  napi_async_work work;
  napi_ref callback;
} job_t;

static int write_all(int fd, const char *p, size_t n, int64_t *pos) {
  while (n > 0) {
    ssize_t w = pwrite(fd, p, n, *pos);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += w;
    n -= (size_t)w;
    *pos += w;
  }
  return 0;
}

static void execute(napi_env env, void *data) {
  (void)env;
  job_t *j = data;
  pthread_once(&z_once, z_load);
  if (z_loaded != 1) {
    j->err = -2;
    return;
  }
  ZSTD_CCtx *cctx = Z.createCCtx();
  size_t outCap = Z.cStreamOutSize();
  char *in = malloc(IN_STEP), *out = malloc(outCap);
  if (!cctx || !in || !out) {
    j->err = ENOMEM;
    goto done;
  }
  size_t r;
  if (Z.isError(r = Z.setParameter(cctx, ZSTD_c_compressionLevel, j->level)) ||
      Z.isError(r = Z.setParameter(cctx, ZSTD_c_contentSizeFlag, 1)) ||
      Z.isError(r = Z.setParameter(cctx, ZSTD_c_checksumFlag, 1)) ||
      Z.isError(r = Z.setPledgedSrcSize(cctx, (unsigned long long)j->length))) {
    j->err = -1;
    snprintf(j->msg, sizeof j->msg, "%s", Z.getErrorName(r));
    goto done;
  }
  int64_t done_in = 0, dpos = 0;
  for (;;) {
    size_t want = (size_t)(j->length - done_in < IN_STEP ? j->length - done_in : IN_STEP);
    size_t got = 0;
    while (got < want) {
      ssize_t n = pread(j->src, in + got, want - got, j->offset + done_in + (int64_t)got);
      if (n < 0) {
        if (errno == EINTR) continue;
        j->err = errno;
        goto done;
      }
      if (n == 0) {
        j->err = EIO; /* the file is shorter than the chunk */
        snprintf(j->msg, sizeof j->msg, "unexpected end of the image");
        goto done;
      }
      got += (size_t)n;
    }
    done_in += (int64_t)got;
    /* Like the CLI reading stdin: every byte with ZSTD_e_continue, then ZSTD_e_end with no
     * input (it learns about the end from an empty read), which ends the frame with an
     * empty last block when the size is a multiple of the block size. */
    int last = got == 0;
    ZSTD_inBuffer ib = {in, got, 0};
    int mode = last ? ZSTD_e_end : ZSTD_e_continue;
    for (;;) {
      ZSTD_outBuffer ob = {out, outCap, 0};
      size_t rem = Z.compressStream2(cctx, &ob, &ib, mode);
      if (Z.isError(rem)) {
        j->err = -1;
        snprintf(j->msg, sizeof j->msg, "%s", Z.getErrorName(rem));
        goto done;
      }
      if (ob.pos > 0) {
        int e = write_all(j->dst, out, ob.pos, &dpos);
        if (e) {
          j->err = e;
          goto done;
        }
      }
      if (last ? rem == 0 : ib.pos == ib.size) break;
    }
    if (last) break;
  }
  j->written = dpos;
done:
  if (cctx) Z.freeCCtx(cctx);
  free(in);
  free(out);
}

static void complete(napi_env env, napi_status status, void *data) {
  job_t *j = data;
  napi_value cb, undef, argv[2];
  napi_get_reference_value(env, j->callback, &cb);
  napi_get_undefined(env, &undef);
  if (status != napi_ok || j->err) {
    napi_value msg, code;
    char text[256];
    const char *c = j->err == -2 ? "ENOZSTD" : j->err == -1 ? "EZSTD" : "EIO";
    if (j->err == -2) snprintf(text, sizeof text, "%s", z_why[0] ? z_why : "libzstd.so.1 cannot be loaded");
    else if (j->err == -1) snprintf(text, sizeof text, "zstd: %s", j->msg);
    else snprintf(text, sizeof text, "%s%s%s", strerror(j->err), j->msg[0] ? ": " : "", j->msg);
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
    napi_create_string_utf8(env, c, NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, msg, &argv[0]);
    napi_get_undefined(env, &argv[1]);
  } else {
    napi_get_null(env, &argv[0]);
    napi_create_int64(env, j->written, &argv[1]);
  }
  napi_call_function(env, undef, cb, 2, argv, NULL);
  napi_delete_reference(env, j->callback);
  napi_delete_async_work(env, j->work);
  free(j);
}

napi_value ZstdChunk(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "zstdChunk(srcFd, offset, length, dstFd, level, callback)");
    return NULL;
  }
  job_t *j = calloc(1, sizeof *j);
  if (!j) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  int32_t src, dst, level;
  napi_get_value_int32(env, argv[0], &src);
  napi_get_value_int64(env, argv[1], &j->offset);
  napi_get_value_int64(env, argv[2], &j->length);
  napi_get_value_int32(env, argv[3], &dst);
  napi_get_value_int32(env, argv[4], &level);
  j->src = src;
  j->dst = dst;
  j->level = level;
  napi_create_reference(env, argv[5], 1, &j->callback);
  napi_value name;
  napi_create_string_utf8(env, "imgsmith.zstdChunk", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, j, &j->work);
  napi_queue_async_work(env, j->work);
  return NULL;
}

/* ---------------------------------------------------------------------------------- */
/* Decoding                                                                             */

static void dctx_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  if (data) Z.freeDCtx((ZSTD_DCtx *)data);
}

static napi_value throw_code(napi_env env, const char *code, const char *msg) {
  napi_throw_error(env, code, msg);
  return NULL;
}

static ZSTD_DCtx *get_dctx(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, NULL, "not a zstd decoder handle");
    return NULL;
  }
  return p;
}

napi_value ZstdDecoder(napi_env env, napi_callback_info info) {
  (void)info;
  pthread_once(&z_once, z_load);
  if (z_loaded != 1) return throw_code(env, "ENOZSTD", z_why[0] ? z_why : "libzstd.so.1 cannot be loaded");
  ZSTD_DCtx *d = Z.createDCtx();
  if (!d) return throw_code(env, "ENOMEM", "out of memory");
  napi_value ext;
  if (napi_create_external(env, d, dctx_finalize, NULL, &ext) != napi_ok) {
    Z.freeDCtx(d);
    return throw_code(env, NULL, "imgsmith_native: N-API call failed");
  }
  return ext;
}

napi_value ZstdDecoderReset(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  ZSTD_DCtx *d = argc < 1 ? NULL : get_dctx(env, argv[0]);
  if (!d) return NULL;
  Z.resetDCtx(d, 1 /* ZSTD_reset_session_only */);
  return NULL;
}

napi_value ZstdDecode(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) {
    napi_throw_type_error(env, NULL, "zstdDecode(handle, input, inStart, inEnd, output)");
    return NULL;
  }
  ZSTD_DCtx *d = get_dctx(env, argv[0]);
  if (!d) return NULL;
  void *in, *out;
  size_t inLen, outLen;
  int64_t start, end;
  if (napi_get_buffer_info(env, argv[1], &in, &inLen) != napi_ok || napi_get_buffer_info(env, argv[4], &out, &outLen) != napi_ok ||
      napi_get_value_int64(env, argv[2], &start) != napi_ok || napi_get_value_int64(env, argv[3], &end) != napi_ok ||
      start < 0 || end < start || (uint64_t)end > inLen) {
    napi_throw_type_error(env, NULL, "zstdDecode: bad arguments");
    return NULL;
  }
  ZSTD_inBuffer ib = {(const char *)in + start, (size_t)(end - start), 0};
  ZSTD_outBuffer ob = {out, outLen, 0};
  size_t r = Z.decompressStream(d, &ob, &ib);
  if (Z.isError(r)) return throw_code(env, "EZSTD", Z.getErrorName(r));
  napi_value res, v;
  napi_create_array_with_length(env, 3, &res);
  napi_create_int64(env, (int64_t)ib.pos, &v);
  napi_set_element(env, res, 0, v);
  napi_create_int64(env, (int64_t)ob.pos, &v);
  napi_set_element(env, res, 1, v);
  napi_create_int64(env, (int64_t)r, &v);
  napi_set_element(env, res, 2, v);
  return res;
}
