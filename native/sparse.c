/*
 * imgsmith_native: sparse-file primitives for src/sparse.ts (Node-API, plain C).
 *
 *   seekData(fd, offset)  -> next data offset >= offset, or -1 at ENXIO (no data after offset)
 *   seekHole(fd, offset)  -> next hole offset >= offset (EOF counts as a hole), or -1 at ENXIO
 *   copyFileRange(fdIn, offIn, fdOut, offOut, len) -> bytes copied (< len only at EOF of fdIn)
 *       copy_file_range(2) in a loop; falls back to pread/pwrite on EXDEV/ENOSYS/EINVAL/
 *       EOPNOTSUPP (e.g. across filesystems or on old kernels).
 *   punchHole(fd, offset, len) -> undefined
 *       fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE); throws on EOPNOTSUPP.
 *   extents(fd, offset, len) -> [start0, end0, start1, end1, ...]
 *       The file's extents overlapping [offset, offset + len) by FIEMAP (without
 *       FIEMAP_FLAG_SYNC): written, unwritten (fallocated) and delayed-allocation ones,
 *       i.e. what `bmaptool create` maps. Throws (EOPNOTSUPP, ENOTTY...) where FIEMAP
 *       is not supported.
 *
 *   zstdChunk(srcFd, offset, length, dstFd, level, cb) -> undefined; cb(err, frameBytes)
 *       one zstd frame of a range of a file, on a worker thread (native/zstd_chunk.c).
 *   zstdDecoder() / zstdDecode(h, in, start, end, out) / zstdDecoderReset(h): streaming
 *       zstd decoding through libzstd, one bounded call at a time (native/zstd_chunk.c).
 *   scanDir(path, follow) -> one directory's sorted names with their stat fields and
 *       symlink targets (native/scandir.c), for the tree walk.
 *
 * All other calls are synchronous; offsets and lengths are 64-bit (JS numbers up to 2^53).
 * Errors are thrown as Error objects with `code` ("EBADF", ...), `errno` and `syscall`.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/falloc.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#endif

napi_value ZstdChunk(napi_env env, napi_callback_info info);
napi_value ZstdDecoder(napi_env env, napi_callback_info info);
napi_value ZstdDecode(napi_env env, napi_callback_info info);
napi_value ZstdDecoderReset(napi_env env, napi_callback_info info);
napi_value ScanDir(napi_env env, napi_callback_info info);

#define CHECK_NAPI(call)                                              \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "imgsmith_native: N-API call failed"); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static const char *errno_code(int err) {
  switch (err) {
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ENXIO: return "ENXIO";
    case EIO: return "EIO";
    case ENOSPC: return "ENOSPC";
    case EFBIG: return "EFBIG";
    case EOVERFLOW: return "EOVERFLOW";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EISDIR: return "EISDIR";
    case ESPIPE: return "ESPIPE";
    case EXDEV: return "EXDEV";
    case ENOSYS: return "ENOSYS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EROFS: return "EROFS";
    case EDQUOT: return "EDQUOT";
    case EINTR: return "EINTR";
    case ETXTBSY: return "ETXTBSY";
    case ENODEV: return "ENODEV";
    case ENOTTY: return "ENOTTY";
    case ENOMEM: return "ENOMEM";
    default: return "EUNKNOWN";
  }
}

/* Throws an Error like Node's own: "<code>: <strerror>, <syscall>" with code/errno/syscall. */
static void throw_errno(napi_env env, int err, const char *syscall) {
  char msg[256];
  const char *code = errno_code(err);
  snprintf(msg, sizeof msg, "%s: %s, %s", code, strerror(err), syscall);
  napi_value jcode, jmsg, error, jerrno, jsys;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &jcode) != napi_ok ||
      napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &jmsg) != napi_ok ||
      napi_create_error(env, jcode, jmsg, &error) != napi_ok) {
    napi_throw_error(env, code, msg);
    return;
  }
  if (napi_create_int32(env, -err, &jerrno) == napi_ok)
    napi_set_named_property(env, error, "errno", jerrno);
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &jsys) == napi_ok)
    napi_set_named_property(env, error, "syscall", jsys);
  napi_throw(env, error);
}

/* Reads `argc` arguments; each must be a number. Returns 0 and throws on failure. */
static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv,
                    const char *fname) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "imgsmith_native: cannot read arguments");
    return 0;
  }
  if (argc < want) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s: expected %zu arguments, got %zu", fname, want, argc);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return 0;
  }
  for (size_t i = 0; i < want; i++) {
    napi_valuetype t;
    if (napi_typeof(env, argv[i], &t) != napi_ok || t != napi_number) {
      char msg[128];
      snprintf(msg, sizeof msg, "%s: argument %zu must be a number", fname, i + 1);
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
      return 0;
    }
  }
  return 1;
}

static int get_fd(napi_env env, napi_value v, int *fd, const char *fname) {
  int32_t x;
  if (napi_get_value_int32(env, v, &x) != napi_ok || x < 0) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s: invalid file descriptor", fname);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
    return 0;
  }
  *fd = x;
  return 1;
}

static int get_off(napi_env env, napi_value v, int64_t *off, const char *fname) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0) || d > 9007199254740991.0 ||
      d != (double)(int64_t)d) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s: offsets and lengths must be whole numbers >= 0", fname);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
    return 0;
  }
  *off = (int64_t)d;
  return 1;
}

static napi_value make_i64(napi_env env, int64_t v) {
  napi_value r;
  CHECK_NAPI(napi_create_int64(env, v, &r));
  return r;
}

static napi_value do_seek(napi_env env, napi_callback_info info, int whence, const char *fname) {
  napi_value argv[2];
  int fd;
  int64_t off;
  if (!get_args(env, info, 2, argv, fname) || !get_fd(env, argv[0], &fd, fname) ||
      !get_off(env, argv[1], &off, fname))
    return NULL;
  off_t r;
  do {
    r = lseek(fd, (off_t)off, whence);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    if (errno == ENXIO) return make_i64(env, -1);
    throw_errno(env, errno, "lseek");
    return NULL;
  }
  return make_i64(env, (int64_t)r);
}

static napi_value SeekData(napi_env env, napi_callback_info info) {
  return do_seek(env, info, SEEK_DATA, "seekData");
}

static napi_value SeekHole(napi_env env, napi_callback_info info) {
  return do_seek(env, info, SEEK_HOLE, "seekHole");
}

#define FALLBACK_BUF (1 << 20)

/* pread/pwrite copy; returns bytes copied (short only at EOF of fd_in) or -1 with errno. */
static int64_t rw_copy(int fd_in, int64_t off_in, int fd_out, int64_t off_out, int64_t len,
                       const char **failed) {
  char *buf = malloc(FALLBACK_BUF);
  if (!buf) {
    errno = ENOMEM;
    *failed = "malloc";
    return -1;
  }
  int64_t done = 0;
  while (done < len) {
    size_t want = (len - done) > FALLBACK_BUF ? FALLBACK_BUF : (size_t)(len - done);
    ssize_t n = pread(fd_in, buf, want, (off_t)(off_in + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      *failed = "pread";
      free(buf);
      return -1;
    }
    if (n == 0) break; /* EOF */
    ssize_t w = 0;
    while (w < n) {
      ssize_t k = pwrite(fd_out, buf + w, (size_t)(n - w), (off_t)(off_out + done + w));
      if (k < 0) {
        if (errno == EINTR) continue;
        *failed = "pwrite";
        free(buf);
        return -1;
      }
      w += k;
    }
    done += n;
  }
  free(buf);
  return done;
}

static napi_value CopyFileRange(napi_env env, napi_callback_info info) {
  const char *fname = "copyFileRange";
  napi_value argv[5];
  int fd_in, fd_out;
  int64_t off_in, off_out, len;
  if (!get_args(env, info, 5, argv, fname) || !get_fd(env, argv[0], &fd_in, fname) ||
      !get_off(env, argv[1], &off_in, fname) || !get_fd(env, argv[2], &fd_out, fname) ||
      !get_off(env, argv[3], &off_out, fname) || !get_off(env, argv[4], &len, fname))
    return NULL;
  int64_t done = 0;
#ifdef __linux__
  while (done < len) {
    loff_t in = (loff_t)(off_in + done), out = (loff_t)(off_out + done);
    int64_t rest = len - done;
    /* The kernel caps a single call well below 2 GiB anyway; ask for at most 1 GiB. */
    size_t want = rest > (1 << 30) ? (size_t)(1 << 30) : (size_t)rest;
    ssize_t n = copy_file_range(fd_in, &in, fd_out, &out, want, 0);
    if (n < 0) {
      int err = errno;
      if (err == EINTR) continue;
      if (err == EXDEV || err == ENOSYS || err == EINVAL || err == EOPNOTSUPP) break;
      throw_errno(env, err, "copy_file_range");
      return NULL;
    }
    if (n == 0) return make_i64(env, done); /* EOF of fd_in */
    done += n;
  }
#endif
  if (done < len) {
    const char *failed = "pread";
    int64_t n = rw_copy(fd_in, off_in + done, fd_out, off_out + done, len - done, &failed);
    if (n < 0) {
      throw_errno(env, errno, failed);
      return NULL;
    }
    done += n;
  }
  return make_i64(env, done);
}

static napi_value PunchHole(napi_env env, napi_callback_info info) {
  const char *fname = "punchHole";
  napi_value argv[3];
  int fd;
  int64_t off, len;
  if (!get_args(env, info, 3, argv, fname) || !get_fd(env, argv[0], &fd, fname) ||
      !get_off(env, argv[1], &off, fname) || !get_off(env, argv[2], &len, fname))
    return NULL;
  if (len > 0) {
#ifdef __linux__
    int r;
    do {
      r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
      throw_errno(env, errno, "fallocate");
      return NULL;
    }
#else
    throw_errno(env, EOPNOTSUPP, "fallocate");
    return NULL;
#endif
  }
  napi_value undef;
  CHECK_NAPI(napi_get_undefined(env, &undef));
  return undef;
}

#define FIEMAP_BATCH 256

static napi_value Extents(napi_env env, napi_callback_info info) {
  const char *fname = "extents";
  napi_value argv[3];
  int fd;
  int64_t off, len;
  if (!get_args(env, info, 3, argv, fname) || !get_fd(env, argv[0], &fd, fname) ||
      !get_off(env, argv[1], &off, fname) || !get_off(env, argv[2], &len, fname))
    return NULL;
  napi_value out;
  CHECK_NAPI(napi_create_array(env, &out));
#ifdef __linux__
  size_t size = sizeof(struct fiemap) + FIEMAP_BATCH * sizeof(struct fiemap_extent);
  struct fiemap *fm = malloc(size);
  if (fm == NULL) {
    throw_errno(env, ENOMEM, "malloc");
    return NULL;
  }
  uint32_t n = 0;
  int64_t pos = off, end = off + len;
  int last = 0;
  while (!last && pos < end) {
    memset(fm, 0, size);
    fm->fm_start = (uint64_t)pos;
    fm->fm_length = (uint64_t)(end - pos);
    fm->fm_flags = 0;
    fm->fm_extent_count = FIEMAP_BATCH;
    int r;
    do {
      r = ioctl(fd, FS_IOC_FIEMAP, fm);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
      int err = errno;
      free(fm);
      throw_errno(env, err, "ioctl(FS_IOC_FIEMAP)");
      return NULL;
    }
    if (fm->fm_mapped_extents == 0) break;
    for (uint32_t i = 0; i < fm->fm_mapped_extents; i++) {
      const struct fiemap_extent *e = &fm->fm_extents[i];
      int64_t s = (int64_t)e->fe_logical, t = (int64_t)(e->fe_logical + e->fe_length);
      if (t > pos) pos = t;
      if (e->fe_flags & FIEMAP_EXTENT_LAST) last = 1;
      napi_value js, jt;
      if (napi_create_int64(env, s, &js) != napi_ok || napi_create_int64(env, t, &jt) != napi_ok ||
          napi_set_element(env, out, n++, js) != napi_ok || napi_set_element(env, out, n++, jt) != napi_ok) {
        free(fm);
        napi_throw_error(env, NULL, "imgsmith_native: N-API call failed");
        return NULL;
      }
    }
  }
  free(fm);
#else
  (void)fd;
  (void)off;
  (void)len;
  throw_errno(env, EOPNOTSUPP, "ioctl(FS_IOC_FIEMAP)");
  return NULL;
#endif
  return out;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"seekData", NULL, SeekData, NULL, NULL, NULL, napi_enumerable, NULL},
      {"seekHole", NULL, SeekHole, NULL, NULL, NULL, napi_enumerable, NULL},
      {"copyFileRange", NULL, CopyFileRange, NULL, NULL, NULL, napi_enumerable, NULL},
      {"punchHole", NULL, PunchHole, NULL, NULL, NULL, napi_enumerable, NULL},
      {"extents", NULL, Extents, NULL, NULL, NULL, napi_enumerable, NULL},
      {"zstdChunk", NULL, ZstdChunk, NULL, NULL, NULL, napi_enumerable, NULL},
      {"zstdDecoder", NULL, ZstdDecoder, NULL, NULL, NULL, napi_enumerable, NULL},
      {"zstdDecode", NULL, ZstdDecode, NULL, NULL, NULL, napi_enumerable, NULL},
      {"zstdDecoderReset", NULL, ZstdDecoderReset, NULL, NULL, NULL, napi_enumerable, NULL},
      {"scanDir", NULL, ScanDir, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) {
    napi_throw_error(env, NULL, "imgsmith_native: cannot define exports");
    return NULL;
  }
  return exports;
}
