/*
 * scanDir(path, follow) for src/content/tree.ts's walk: one directory's entries with
 * their metadata in one call, so a walk of a million-entry closure does not pay a Node
 * Stats object and a full-path lookup (lstat of an absolute path) per entry.
 *
 *   scanDir(path: Buffer, follow: boolean) ->
 *     { errno: number }                           the directory cannot be opened or read
 *     { names: Buffer, meta: Float64Array, targets: Buffer }
 *       names:   the entries' names, each followed by a NUL, in byte order (strcmp),
 *                "." and ".." left out;
 *       meta:    6 numbers per entry: st_mode, st_size, st_dev, st_ino, st_nlink, and 0,
 *                or -errno in the first number when fstatat failed for that entry, or
 *                -errno in the last when readlinkat failed (symlinks);
 *       targets: the target of every symlink entry (in name order), each followed by a NUL.
 *     fstatat(dirfd, name) without following symlinks, or following them with `follow`.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <node_api.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FAIL_NAPI()                                                   \
  do {                                                                \
    napi_throw_error(env, NULL, "imgsmith_native: N-API call failed"); \
    goto out;                                                         \
  } while (0)

struct growbuf {
  char *p;
  size_t len, cap;
};

static int grow(struct growbuf *b, size_t more) {
  if (b->len + more <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + more) cap *= 2;
  char *np = realloc(b->p, cap);
  if (!np) return -1;
  b->p = np;
  b->cap = cap;
  return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static napi_value errno_result(napi_env env, int err) {
  napi_value o, v;
  if (napi_create_object(env, &o) != napi_ok || napi_create_int32(env, err, &v) != napi_ok ||
      napi_set_named_property(env, o, "errno", v) != napi_ok) {
    napi_throw_error(env, NULL, "imgsmith_native: N-API call failed");
    return NULL;
  }
  return o;
}

napi_value ScanDir(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_value result = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, NULL, "scanDir(path: Buffer, follow: boolean)");
    return NULL;
  }
  bool isbuf = false, follow = false;
  void *pdata;
  size_t plen;
  if (napi_is_buffer(env, argv[0], &isbuf) != napi_ok || !isbuf || napi_get_buffer_info(env, argv[0], &pdata, &plen) != napi_ok ||
      napi_get_value_bool(env, argv[1], &follow) != napi_ok) {
    napi_throw_type_error(env, NULL, "scanDir(path: Buffer, follow: boolean)");
    return NULL;
  }
  char *path = malloc(plen + 1);
  char **names = NULL;
  size_t *offs = NULL; /* names' offsets in pool (the pool moves as it grows) */
  size_t n = 0, cap = 0;
  struct growbuf pool = {0}, targets = {0};
  double *meta = NULL;
  DIR *d = NULL;
  int dfd = -1;
  if (!path) return errno_result(env, ENOMEM);
  memcpy(path, pdata, plen);
  path[plen] = 0;
  dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    result = errno_result(env, errno);
    goto out;
  }
  int dfd2 = dup(dfd);
  if (dfd2 < 0 || !(d = fdopendir(dfd2))) {
    int err = errno;
    if (dfd2 >= 0) close(dfd2);
    result = errno_result(env, err);
    goto out;
  }
  /* Names into one pool. */
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(d);
    if (!e) {
      if (errno) {
        result = errno_result(env, errno);
        goto out;
      }
      break;
    }
    if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0))) continue;
    size_t l = strlen(e->d_name) + 1;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      size_t *no = realloc(offs, cap * sizeof *no);
      if (!no) {
        result = errno_result(env, ENOMEM);
        goto out;
      }
      offs = no;
    }
    if (grow(&pool, l) < 0) {
      result = errno_result(env, ENOMEM);
      goto out;
    }
    offs[n++] = pool.len;
    memcpy(pool.p + pool.len, e->d_name, l);
    pool.len += l;
  }
  names = malloc((n ? n : 1) * sizeof *names);
  meta = calloc((n ? n : 1) * 6, sizeof *meta);
  if (!names || !meta) {
    result = errno_result(env, ENOMEM);
    goto out;
  }
  for (size_t i = 0; i < n; i++) names[i] = pool.p + offs[i];
  qsort(names, n, sizeof *names, by_name);
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    double *m = meta + i * 6;
    if (fstatat(dfd, names[i], &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) != 0) {
      m[0] = -(double)errno;
      continue;
    }
    m[0] = (double)st.st_mode;
    m[1] = (double)st.st_size;
    m[2] = (double)st.st_dev;
    m[3] = (double)st.st_ino;
    m[4] = (double)st.st_nlink;
    if (S_ISLNK(st.st_mode)) {
      size_t want = (size_t)st.st_size + 1;
      for (;;) {
        if (grow(&targets, want + 1) < 0) {
          result = errno_result(env, ENOMEM);
          goto out;
        }
        ssize_t r = readlinkat(dfd, names[i], targets.p + targets.len, want);
        if (r < 0) {
          m[5] = -(double)errno;
          targets.p[targets.len++] = 0;
          break;
        }
        if ((size_t)r < want) {
          targets.len += (size_t)r;
          targets.p[targets.len++] = 0;
          break;
        }
        want *= 2; /* the link grew since fstatat */
      }
    }
  }
  {
    struct growbuf sorted = {0};
    if (grow(&sorted, pool.len + 1) < 0) {
      result = errno_result(env, ENOMEM);
      goto out;
    }
    for (size_t i = 0; i < n; i++) {
      size_t l = strlen(names[i]) + 1;
      memcpy(sorted.p + sorted.len, names[i], l);
      sorted.len += l;
    }
    napi_value o, jn, jt, ab, jm;
    void *abdata;
    napi_status s1 = napi_create_object(env, &o);
    napi_status s2 = napi_create_buffer_copy(env, sorted.len, sorted.p ? sorted.p : "", NULL, &jn);
    free(sorted.p);
    if (s1 != napi_ok || s2 != napi_ok) FAIL_NAPI();
    if (napi_create_buffer_copy(env, targets.len, targets.p ? targets.p : "", NULL, &jt) != napi_ok) FAIL_NAPI();
    if (napi_create_arraybuffer(env, n * 6 * sizeof(double), &abdata, &ab) != napi_ok) FAIL_NAPI();
    if (n) memcpy(abdata, meta, n * 6 * sizeof(double));
    if (napi_create_typedarray(env, napi_float64_array, n * 6, ab, 0, &jm) != napi_ok) FAIL_NAPI();
    if (napi_set_named_property(env, o, "names", jn) != napi_ok || napi_set_named_property(env, o, "meta", jm) != napi_ok ||
        napi_set_named_property(env, o, "targets", jt) != napi_ok)
      FAIL_NAPI();
    result = o;
  }
out:
  if (d) closedir(d);
  if (dfd >= 0) close(dfd);
  free(path);
  free(offs);
  free(names);
  free(meta);
  free(pool.p);
  free(targets.p);
  return result;
}
