/*
 * imgsmith-ext4-populate: writes a file tree into an empty ext4 filesystem that mke2fs
 * just made (no -d), with libext2fs (e2fsprogs' own library, linked dynamically), from
 * the list src/fs/shim.ts's VirtualListWriter writes while the tree is measured.
 *
 *   imgsmith-ext4-populate IMAGE OFFSET LIST EPOCH [SIZES]
 *
 * IMAGE: the image file; OFFSET: the filesystem's byte offset in it; LIST: records
 *   "<kind><src><mode octal> <ino> <parent index>\0<name>\0<payload>\0"
 * in the tree walk's order (depth first, children in byte order, the root first with
 * parent -1 and an empty name). kind: d directory, f regular file, l symlink. src: e =
 * payload is the host source (file) or host directory (directory); i = the parent's host
 * directory + "/" + name; n = none (payload: a symlink's target). ino: the fake inode
 * number (hard links share one: the tree index of the group's first entry).
 * EPOCH: seconds, every inode's atime/mtime/ctime/crtime (0 ns).
 * IMGSMITH_SHIM_WRITELOG=<fd>: every write to IMAGE is reported there after it reached
 * the file, as two little-endian uint64 (offset, length), then (~0, ~0) at the end (the
 * format of native/mkfs_shim.c). The first record covers the whole filesystem (mke2fs
 * wrote it before this program ran).
 *
 * What the image gets: owner 0:0, EPOCH for all four times, the list's modes, one inode
 * per hard-link group (link count = its names), directory entries in the list's order
 * (lost+found first in the root, as mke2fs -d has it), symlink targets as raw bytes
 * (fast below 60 bytes, else one block), no host flags, no xattrs. Each file's blocks are
 * allocated contiguously where the free space allows and its data written with large
 * pwrites straight to the image; the filesystem's metadata goes through an io_manager
 * of our own that keeps the blocks it reads or writes in memory (up to 48 MiB: then the
 * dirty ones are written and all dropped) and writes the dirty ones sorted and combined
 * into large pwrites. Blocks of a file that are all
 * zeros are holes in the file (no block allocated), as mke2fs -d leaves them.
 *
 * SIZES (optional): each record's size when the tree was walked, one little-endian uint64
 * per record; a file whose size differs now (or that grows or shrinks while it is copied,
 * or is gone) is bad input, named in the one-line message.
 *
 * Output on success (stdout): "entries <n> inodes <m>" (n: list records written, the
 * root included). Exit status: 0 ok, 3 the filesystem is full (inodes or blocks),
 * 2 bad input (a source that cannot be read, changed size, a malformed list), 1 any other
 * error; a message on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <et/com_err.h>
#include <ext2fs/ext2_fs.h>
#include <ext2fs/ext2fs.h>
#include <ext2fs/ext3_extents.h>

#define EXIT_NOSPACE 3
#define EXIT_INPUT 2

static const char *image_path;
static uint64_t part_offset;

static void die(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("imgsmith-ext4-populate: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(code);
}

static int nospace(errcode_t e) {
  return e == EXT2_ET_BLOCK_ALLOC_FAIL || e == EXT2_ET_INODE_ALLOC_FAIL || e == EXT2_ET_DIR_NO_SPACE || e == ENOSPC ||
         e == EXT2_ET_TOOSMALL || e == EXT2_ET_RES_GDT_BLOCKS;
}

static void check(errcode_t e, const char *what, const char *path) {
  if (!e) return;
  die(nospace(e) ? EXIT_NOSPACE : 1, "%s%s%s: %s%s", what, path ? " " : "", path ? path : "", error_message(e),
      nospace(e) ? " (no space left in the filesystem)" : "");
}

/* ---- The write log ---- */

static int log_fd = -1;
static uint64_t log_buf[2 * 512];
static int log_n;
static uint64_t log_since_flush;

static void log_flush(void) {
  if (log_fd < 0 || log_n == 0) return;
  const char *p = (const char *)log_buf;
  size_t left = (size_t)log_n * 16;
  while (left) {
    ssize_t w = write(log_fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) { /* the reader went away: stop logging (the caller then trusts nothing early) */
      log_fd = -1;
      break;
    }
    p += w;
    left -= (size_t)w;
  }
  log_n = 0;
  log_since_flush = 0;
}

/* Records a write of [off, off+len) of the image (absolute offsets), combining it with
 * the previous record when it continues it. */
static void log_write(uint64_t off, uint64_t len) {
  if (log_fd < 0 || len == 0) return;
  if (log_n > 0 && log_buf[2 * (log_n - 1)] + log_buf[2 * (log_n - 1) + 1] == off && log_buf[2 * (log_n - 1) + 1] < (1u << 20)) {
    log_buf[2 * (log_n - 1) + 1] += len;
  } else {
    if (log_n == 512) log_flush();
    log_buf[2 * log_n] = off;
    log_buf[2 * log_n + 1] = len;
    log_n++;
  }
  log_since_flush += len;
  if (log_since_flush >= (4u << 20)) log_flush();
}

static void full_pwrite(int fd, const void *buf, size_t len, uint64_t off) {
  const char *p = buf;
  uint64_t o = off;
  while (len) {
    ssize_t w = pwrite(fd, p, len, (off_t)o);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) die(1, "writing %s at %llu: %s", image_path, (unsigned long long)o, w < 0 ? strerror(errno) : "short write");
    p += w;
    len -= (size_t)w;
    o += (uint64_t)w;
  }
  log_write(off, o - off);
}

/* File data: consecutive writes (small files allocated one after the other) are combined
 * into one pwrite of up to DATA_BUF bytes. */
#define DATA_BUF (1u << 20)
static char *data_buf;
static size_t data_len;
static uint64_t data_off;

static void data_flush(int fd) {
  if (data_len) full_pwrite(fd, data_buf, data_len, data_off);
  data_len = 0;
}

static void data_write(int fd, const char *buf, size_t len, uint64_t off) {
  if (data_len && (off != data_off + data_len || data_len + len > DATA_BUF)) data_flush(fd);
  if (len >= DATA_BUF) {
    full_pwrite(fd, buf, len, off);
    return;
  }
  if (!data_len) data_off = off;
  memcpy(data_buf + data_len, buf, len);
  data_len += len;
}

static void full_pread(int fd, void *buf, size_t len, uint64_t off) {
  char *p = buf;
  while (len) {
    ssize_t r = pread(fd, p, len, (off_t)off);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) die(1, "reading %s at %llu: %s", image_path, (unsigned long long)off, strerror(errno));
    if (r == 0) { /* beyond the end of the file: zeros */
      memset(p, 0, len);
      return;
    }
    p += r;
    len -= (size_t)r;
    off += (uint64_t)r;
  }
}

/* ---- The io_manager: blocks in memory (up to CACHE_LIMIT_BYTES), dirty ones written at flush ---- */

struct cblock {
  unsigned long long blk;
  int used, dirty;
  char *data;
};

struct cache {
  int fd;
  struct cblock *slots;
  size_t cap, count;
};

static struct struct_io_manager cached_io_manager;

static size_t hash_blk(unsigned long long b, size_t cap) {
  return (size_t)((b * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

static struct cblock *cache_find(struct cache *c, unsigned long long blk) {
  if (!c->cap) return NULL;
  for (size_t i = hash_blk(blk, c->cap);; i = (i + 1) & (c->cap - 1)) {
    if (!c->slots[i].used) return NULL;
    if (c->slots[i].blk == blk) return &c->slots[i];
  }
}

static void cache_flush(struct cache *c, int bs);

/* The cache's bound: when it holds this many bytes of blocks, the dirty ones are written
 * (sorted, combined) and all are dropped, so the helper's memory stays flat whatever the
 * tree's size (a 300k-entry tree has ~150 MB of inode tables and directories); the hot
 * blocks are read again once. */
#define CACHE_LIMIT_BYTES (48u << 20)

static struct cblock *cache_insert(struct cache *c, unsigned long long blk, int bs) {
  if (c->count >= CACHE_LIMIT_BYTES / (unsigned)bs) {
    cache_flush(c, bs);
    for (size_t i = 0; i < c->cap; i++) {
      if (!c->slots[i].used) continue;
      free(c->slots[i].data);
      c->slots[i].used = 0;
      c->slots[i].data = NULL;
    }
    c->count = 0;
  }
  if ((c->count + 1) * 2 > c->cap) {
    struct cblock *old = c->slots;
    size_t oc = c->cap;
    c->cap = oc ? oc * 2 : 4096;
    c->slots = calloc(c->cap, sizeof *c->slots);
    if (!c->slots) die(1, "out of memory");
    for (size_t i = 0; i < oc; i++) {
      if (!old[i].used) continue;
      size_t j = hash_blk(old[i].blk, c->cap);
      while (c->slots[j].used) j = (j + 1) & (c->cap - 1);
      c->slots[j] = old[i];
    }
    free(old);
  }
  size_t j = hash_blk(blk, c->cap);
  while (c->slots[j].used) j = (j + 1) & (c->cap - 1);
  struct cblock *b = &c->slots[j];
  b->used = 1;
  b->dirty = 0;
  b->blk = blk;
  b->data = malloc((size_t)bs);
  if (!b->data) die(1, "out of memory");
  c->count++;
  return b;
}

static int cmp_blockp(const void *a, const void *b) {
  unsigned long long x = (*(struct cblock *const *)a)->blk, y = (*(struct cblock *const *)b)->blk;
  return x < y ? -1 : x > y;
}

/* Writes every dirty block, in block order, runs of consecutive blocks in one pwrite. */
static void cache_flush(struct cache *c, int bs) {
  size_t n = 0;
  for (size_t i = 0; i < c->cap; i++) n += c->slots[i].used && c->slots[i].dirty;
  if (!n) return;
  struct cblock **v = malloc(n * sizeof *v);
  if (!v) die(1, "out of memory");
  n = 0;
  for (size_t i = 0; i < c->cap; i++)
    if (c->slots[i].used && c->slots[i].dirty) v[n++] = &c->slots[i];
  qsort(v, n, sizeof *v, cmp_blockp);
  size_t maxrun = 256;
  char *buf = malloc(maxrun * (size_t)bs);
  if (!buf) die(1, "out of memory");
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && j - i < maxrun && v[j]->blk == v[i]->blk + (j - i)) {
      memcpy(buf + (j - i) * (size_t)bs, v[j]->data, (size_t)bs);
      v[j]->dirty = 0;
      j++;
    }
    full_pwrite(c->fd, buf, (j - i) * (size_t)bs, part_offset + v[i]->blk * (uint64_t)bs);
    i = j;
  }
  free(buf);
  free(v);
}

static void cache_drop(struct cache *c) {
  for (size_t i = 0; i < c->cap; i++)
    if (c->slots[i].used) free(c->slots[i].data);
  free(c->slots);
  c->slots = NULL;
  c->cap = c->count = 0;
}

static errcode_t cio_open(const char *name, int flags, io_channel *channel) {
  (void)flags;
  io_channel io = calloc(1, sizeof *io);
  struct cache *c = calloc(1, sizeof *c);
  if (!io || !c) return EXT2_ET_NO_MEMORY;
  c->fd = open(name, O_RDWR | O_CLOEXEC);
  if (c->fd < 0) {
    errcode_t e = errno;
    free(io);
    free(c);
    return e;
  }
  io->magic = EXT2_ET_MAGIC_IO_CHANNEL;
  io->manager = &cached_io_manager;
  io->name = strdup(name);
  io->block_size = 1024;
  io->refcount = 1;
  io->private_data = c;
  *channel = io;
  return 0;
}

static errcode_t cio_close(io_channel io) {
  if (--io->refcount > 0) return 0;
  struct cache *c = io->private_data;
  cache_flush(c, io->block_size);
  cache_drop(c);
  close(c->fd);
  free(c);
  free(io->name);
  free(io);
  return 0;
}

static errcode_t cio_set_blksize(io_channel io, int bs) {
  struct cache *c = io->private_data;
  if (io->block_size != bs) {
    cache_flush(c, io->block_size);
    cache_drop(c);
    io->block_size = bs;
  }
  return 0;
}

/* A transfer of a byte count (count < 0) or not block-sized: straight to the file, with
 * every cached block it overlaps written first (reads) or updated (writes). */
static void bytes_io(io_channel io, uint64_t off, size_t len, void *rbuf, const void *wbuf) {
  struct cache *c = io->private_data;
  int bs = io->block_size;
  unsigned long long first = off / (uint64_t)bs, last = (off + len - 1) / (uint64_t)bs;
  for (unsigned long long b = first; b <= last && c->count; b++) {
    struct cblock *cb = cache_find(c, b);
    if (!cb) continue;
    uint64_t bo = b * (uint64_t)bs;
    uint64_t s = off > bo ? off : bo, e = off + len < bo + (uint64_t)bs ? off + len : bo + (uint64_t)bs;
    if (wbuf) memcpy(cb->data + (s - bo), (const char *)wbuf + (s - off), (size_t)(e - s));
    else if (cb->dirty) {
      full_pwrite(c->fd, cb->data, (size_t)bs, part_offset + bo);
      cb->dirty = 0;
    }
  }
  if (wbuf) full_pwrite(c->fd, wbuf, len, part_offset + off);
  else full_pread(c->fd, rbuf, len, part_offset + off);
}

static errcode_t cio_read_blk64(io_channel io, unsigned long long blk, int count, void *data) {
  struct cache *c = io->private_data;
  int bs = io->block_size;
  if (count < 0) {
    bytes_io(io, blk * (uint64_t)bs, (size_t)-count, data, NULL);
    return 0;
  }
  for (int i = 0; i < count; i++) {
    struct cblock *cb = cache_find(c, blk + (unsigned)i);
    if (!cb) {
      cb = cache_insert(c, blk + (unsigned)i, bs);
      full_pread(c->fd, cb->data, (size_t)bs, part_offset + (blk + (unsigned)i) * (uint64_t)bs);
    }
    memcpy((char *)data + (size_t)i * (size_t)bs, cb->data, (size_t)bs);
  }
  return 0;
}

static errcode_t cio_write_blk64(io_channel io, unsigned long long blk, int count, const void *data) {
  struct cache *c = io->private_data;
  int bs = io->block_size;
  if (count < 0) {
    bytes_io(io, blk * (uint64_t)bs, (size_t)-count, NULL, data);
    return 0;
  }
  for (int i = 0; i < count; i++) {
    struct cblock *cb = cache_find(c, blk + (unsigned)i);
    if (!cb) cb = cache_insert(c, blk + (unsigned)i, bs);
    memcpy(cb->data, (const char *)data + (size_t)i * (size_t)bs, (size_t)bs);
    cb->dirty = 1;
  }
  return 0;
}

static errcode_t cio_read_blk(io_channel io, unsigned long blk, int count, void *data) {
  return cio_read_blk64(io, blk, count, data);
}

static errcode_t cio_write_blk(io_channel io, unsigned long blk, int count, const void *data) {
  return cio_write_blk64(io, blk, count, data);
}

static errcode_t cio_write_byte(io_channel io, unsigned long offset, int count, const void *data) {
  bytes_io(io, offset, (size_t)count, NULL, data);
  return 0;
}

static errcode_t cio_flush(io_channel io) {
  cache_flush(io->private_data, io->block_size);
  return 0;
}

static errcode_t cio_set_option(io_channel io, const char *option, const char *arg) {
  (void)io;
  (void)option;
  (void)arg;
  return EXT2_ET_INVALID_ARGUMENT;
}

/* ---- The list ---- */

struct rec {
  char kind, src;
  unsigned mode;
  long fake;   /* fake inode number (tree index of the hard-link group's first entry) */
  long parent; /* index, -1 for the root */
  const char *name, *payload;
  size_t name_len, payload_len;
  long first_child, next_sibling;
  ext2_ino_t ino;
  char *host; /* directories: the resolved host directory (or NULL) */
  /* directories: block count and first block of their entries */
  blk64_t dir_blocks;
};

static struct rec *recs;
static long nrecs;
/* The size of every record's file when the tree was walked (the SIZES file: one
 * little-endian uint64 per record), or NULL when not given. */
static uint64_t *expected_sizes;
static unsigned *group_links; /* by fake ino: names of the inode */
static ext2_ino_t *group_ino;  /* by fake ino: the inode number given */

static void parse_list(const char *file) {
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die(EXIT_INPUT, "cannot open the list %s: %s", file, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) < 0) die(1, "fstat %s: %s", file, strerror(errno));
  char *buf = malloc((size_t)st.st_size + 1);
  if (!buf) die(1, "out of memory");
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) die(1, "reading the list %s: %s", file, r < 0 ? strerror(errno) : "short read");
    got += (size_t)r;
  }
  close(fd);
  buf[got] = 0;
  size_t cap = 1024;
  recs = malloc(cap * sizeof *recs);
  char *p = buf, *end = buf + got;
  long *last_child = NULL;
  size_t lc_cap = 0;
  while (p < end) {
    if ((size_t)nrecs == cap) {
      cap *= 2;
      recs = realloc(recs, cap * sizeof *recs);
      if (!recs) die(1, "out of memory");
    }
    struct rec *r = &recs[nrecs];
    memset(r, 0, sizeof *r);
    char *hdr = p, *nul = memchr(p, 0, (size_t)(end - p));
    if (!nul) die(EXIT_INPUT, "malformed list record %ld", nrecs);
    r->kind = hdr[0];
    r->src = hdr[1];
    char *q;
    r->mode = (unsigned)strtoul(hdr + 2, &q, 8);
    r->fake = strtol(q, &q, 10);
    r->parent = strtol(q, &q, 10);
    if (q != nul || !strchr("dfl", r->kind) || !strchr("ein", r->src) || r->fake < 0 || r->fake > nrecs || r->parent >= nrecs ||
        (nrecs > 0 && r->parent < 0) || (nrecs == 0 && (r->parent != -1 || r->kind != 'd')))
      die(EXIT_INPUT, "malformed list record %ld", nrecs);
    p = nul + 1;
    r->name = p;
    nul = memchr(p, 0, (size_t)(end - p));
    if (!nul) die(EXIT_INPUT, "malformed list record %ld", nrecs);
    r->name_len = (size_t)(nul - p);
    p = nul + 1;
    r->payload = p;
    nul = memchr(p, 0, (size_t)(end - p));
    if (!nul) die(EXIT_INPUT, "malformed list record %ld", nrecs);
    r->payload_len = (size_t)(nul - p);
    p = nul + 1;
    r->first_child = r->next_sibling = -1;
    if (r->name_len > EXT2_NAME_LEN) die(EXIT_INPUT, "a name longer than %d bytes in record %ld", EXT2_NAME_LEN, nrecs);
    if ((size_t)nrecs >= lc_cap) {
      lc_cap = lc_cap ? lc_cap * 2 : 1024;
      last_child = realloc(last_child, lc_cap * sizeof *last_child);
      if (!last_child) die(1, "out of memory");
    }
    last_child[nrecs] = -1;
    if (r->parent >= 0) {
      struct rec *par = &recs[r->parent];
      if (par->kind != 'd') die(EXIT_INPUT, "record %ld's parent is not a directory", nrecs);
      if (last_child[r->parent] < 0) par->first_child = nrecs;
      else recs[last_child[r->parent]].next_sibling = nrecs;
      last_child[r->parent] = nrecs;
    }
    nrecs++;
  }
  free(last_child);
  if (nrecs == 0) die(EXIT_INPUT, "the list is empty");
  group_links = calloc((size_t)nrecs, sizeof *group_links);
  group_ino = calloc((size_t)nrecs, sizeof *group_ino);
  if (!group_links || !group_ino) die(1, "out of memory");
  for (long i = 0; i < nrecs; i++)
    if (recs[i].kind == 'f') group_links[recs[i].fake]++;
}

/* Reads SIZES: exactly one little-endian uint64 per record. */
static void parse_sizes(const char *file) {
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die(EXIT_INPUT, "cannot open the sizes %s: %s", file, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) < 0) die(1, "fstat %s: %s", file, strerror(errno));
  if ((uint64_t)st.st_size != (uint64_t)nrecs * 8) die(EXIT_INPUT, "the sizes %s do not match the list (%lld bytes for %ld records)", file, (long long)st.st_size, nrecs);
  expected_sizes = malloc((size_t)nrecs * 8 + 1);
  if (!expected_sizes) die(1, "out of memory");
  size_t got = 0, want = (size_t)nrecs * 8;
  while (got < want) {
    ssize_t r = read(fd, (char *)expected_sizes + got, want - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) die(1, "reading the sizes %s: %s", file, r < 0 ? strerror(errno) : "short read");
    got += (size_t)r;
  }
  close(fd);
  for (long i = 0; i < nrecs; i++) {
    const unsigned char *b = (const unsigned char *)&expected_sizes[i];
    uint64_t v = 0;
    for (int k = 7; k >= 0; k--) v = (v << 8) | b[k];
    expected_sizes[i] = v;
  }
}

/* The host path of record i (a file's source or a directory's host directory), malloc'd,
 * or NULL when it has none. */
static char *host_path(long i) {
  struct rec *r = &recs[i];
  if (r->src == 'e') return strndup(r->payload, r->payload_len);
  if (r->src == 'i' && r->parent >= 0 && recs[r->parent].host) {
    const char *ph = recs[r->parent].host;
    size_t pl = strlen(ph);
    char *s = malloc(pl + 1 + r->name_len + 1);
    if (!s) die(1, "out of memory");
    memcpy(s, ph, pl);
    s[pl] = '/';
    memcpy(s + pl + 1, r->name, r->name_len);
    s[pl + 1 + r->name_len] = 0;
    return s;
  }
  return NULL;
}

/* ---- Writing ---- */

static ext2_filsys fs;
static int img_fd;
static unsigned bs;
static blk64_t goal;
static ext2_ino_t ino_cursor;
static uint32_t epoch_lo, epoch_extra;
static char *inode_buf; /* one on-disk inode (EXT2_INODE_SIZE) */
static int has_csum, has_filetype;

#define MAX_INLINE_EXTENTS 4
#define MAX_EXTENT_LEN 32768

struct extent {
  blk64_t lblk, pblk, len;
};

static ext2_ino_t new_inode(int dir) {
  ext2_ino_t max = fs->super->s_inodes_count;
  while (ino_cursor <= max && ext2fs_test_inode_bitmap2(fs->inode_map, ino_cursor)) ino_cursor++;
  if (ino_cursor > max) check(EXT2_ET_INODE_ALLOC_FAIL, "allocating an inode", NULL);
  ext2_ino_t ino = ino_cursor++;
  ext2fs_inode_alloc_stats2(fs, ino, +1, dir);
  return ino;
}

/* A fresh inode in inode_buf: owner 0:0, all times EPOCH, no flags. */
static struct ext2_inode_large *fresh_inode(unsigned mode, unsigned links) {
  memset(inode_buf, 0, EXT2_INODE_SIZE(fs->super));
  struct ext2_inode_large *in = (struct ext2_inode_large *)inode_buf;
  in->i_mode = (__u16)mode;
  in->i_links_count = (__u16)links;
  in->i_atime = in->i_mtime = in->i_ctime = epoch_lo;
  if (EXT2_INODE_SIZE(fs->super) > EXT2_GOOD_OLD_INODE_SIZE) {
    in->i_extra_isize = sizeof(struct ext2_inode_large) - EXT2_GOOD_OLD_INODE_SIZE;
    if (in->i_extra_isize > fs->super->s_want_extra_isize && fs->super->s_want_extra_isize >= 24) in->i_extra_isize = fs->super->s_want_extra_isize;
    in->i_crtime = epoch_lo;
    in->i_atime_extra = in->i_mtime_extra = in->i_ctime_extra = in->i_crtime_extra = epoch_extra;
  }
  return in;
}

/* Owner 0:0, EPOCH times, `mode` and `links` on an inode mke2fs made (root, lost+found). */
static struct ext2_inode_large *existing_inode(ext2_ino_t ino, unsigned mode, unsigned links) {
  check(ext2fs_read_inode_full(fs, ino, (struct ext2_inode *)inode_buf, EXT2_INODE_SIZE(fs->super)), "reading inode", NULL);
  struct ext2_inode_large *in = (struct ext2_inode_large *)inode_buf;
  in->i_mode = (__u16)((in->i_mode & 0170000) | (mode & 07777));
  in->i_links_count = (__u16)links;
  in->i_uid = in->i_gid = 0;
  in->osd2.linux2.l_i_uid_high = in->osd2.linux2.l_i_gid_high = 0;
  in->i_atime = in->i_mtime = in->i_ctime = epoch_lo;
  if (EXT2_INODE_SIZE(fs->super) > EXT2_GOOD_OLD_INODE_SIZE && in->i_extra_isize >= 24) {
    in->i_crtime = epoch_lo;
    in->i_atime_extra = in->i_mtime_extra = in->i_ctime_extra = in->i_crtime_extra = epoch_extra;
  }
  in->i_flags &= EXT4_EXTENTS_FL | EXT4_INLINE_DATA_FL;
  return in;
}

static void write_inode(ext2_ino_t ino) {
  check(ext2fs_write_inode_full(fs, ino, (struct ext2_inode *)inode_buf, EXT2_INODE_SIZE(fs->super)), "writing inode", NULL);
}

/* The inode's extents, when they all sit in i_block (depth 0); -1 otherwise. */
static int inline_extents(struct ext2_inode_large *in, struct extent *out) {
  struct ext3_extent_header *h = (struct ext3_extent_header *)in->i_block;
  if (!(in->i_flags & EXT4_EXTENTS_FL)) return -1;
  if (h->eh_magic == 0 && h->eh_entries == 0) return 0;
  if (h->eh_magic != EXT3_EXT_MAGIC || h->eh_depth != 0 || h->eh_entries > MAX_INLINE_EXTENTS) return -1;
  struct ext3_extent *e = (struct ext3_extent *)(h + 1);
  for (int i = 0; i < h->eh_entries; i++) {
    out[i].lblk = e[i].ee_block;
    out[i].len = e[i].ee_len;
    out[i].pblk = ((blk64_t)e[i].ee_start_hi << 32) | e[i].ee_start;
    if (out[i].len > MAX_EXTENT_LEN) return -1; /* uninitialized */
  }
  return h->eh_entries;
}

static void set_inline_extents(struct ext2_inode_large *in, const struct extent *x, int n) {
  memset(in->i_block, 0, sizeof in->i_block);
  struct ext3_extent_header *h = (struct ext3_extent_header *)in->i_block;
  h->eh_magic = EXT3_EXT_MAGIC;
  h->eh_entries = (__u16)n;
  h->eh_max = MAX_INLINE_EXTENTS;
  h->eh_depth = 0;
  struct ext3_extent *e = (struct ext3_extent *)(h + 1);
  for (int i = 0; i < n; i++) {
    e[i].ee_block = (__u32)x[i].lblk;
    e[i].ee_len = (__u16)x[i].len;
    e[i].ee_start_hi = (__u16)(x[i].pblk >> 32);
    e[i].ee_start = (__u32)x[i].pblk;
  }
  in->i_flags |= EXT4_EXTENTS_FL;
}

/* Maps logical blocks [lblk, lblk+count) of the inode in inode_buf (written to disk
 * already when it may need an extent tree) to new blocks, contiguous from `goal` where
 * possible; the physical ranges go to *out (malloc'd), their number is returned. */
static int map_blocks(ext2_ino_t ino, blk64_t lblk, blk64_t count, struct extent **out) {
  struct ext2_inode_large *in = (struct ext2_inode_large *)inode_buf;
  struct extent x[MAX_INLINE_EXTENTS + 1];
  int n = inline_extents(in, x);
  blk64_t goal0 = goal;
  size_t gcap = 8;
  struct extent *got = malloc(gcap * sizeof *got);
  int ng = 0;
  if (!got) die(1, "out of memory");
  blk64_t done = 0;
  while (n >= 0 && done < count) {
    blk64_t pblk, plen;
    errcode_t e = ext2fs_new_range(fs, 0, goal, count - done, NULL, &pblk, &plen);
    check(e, "allocating blocks", NULL);
    if (plen > MAX_EXTENT_LEN) plen = MAX_EXTENT_LEN;
    ext2fs_block_alloc_stats_range(fs, pblk, (unsigned)plen, +1);
    goal = pblk + plen;
    struct extent *last = n > 0 ? &x[n - 1] : NULL;
    if (last && last->lblk + last->len == lblk + done && last->pblk + last->len == pblk && last->len + plen <= MAX_EXTENT_LEN) last->len += plen;
    else if (n == MAX_INLINE_EXTENTS) {
      /* Needs an extent tree: give these back and let libext2fs build one. */
      ext2fs_block_alloc_stats_range(fs, pblk, (unsigned)plen, -1);
      for (int i = 0; i < ng; i++) ext2fs_block_alloc_stats_range(fs, got[i].pblk, (unsigned)got[i].len, -1);
      n = -1;
      break;
    } else x[n++] = (struct extent){lblk + done, pblk, plen};
    if ((size_t)ng == gcap && !(got = realloc(got, (gcap *= 2) * sizeof *got))) die(1, "out of memory");
    got[ng++] = (struct extent){lblk + done, pblk, plen};
    done += plen;
  }
  if (n >= 0) {
    set_inline_extents(in, x, n);
    check(ext2fs_iblk_add_blocks(fs, (struct ext2_inode *)in, count), "counting blocks", NULL);
    /* The new ranges, merged. */
    *out = malloc((size_t)(ng ? ng : 1) * sizeof **out);
    if (!*out) die(1, "out of memory");
    int m = 0;
    for (int i = 0; i < ng; i++) {
      if (m && (*out)[m - 1].pblk + (*out)[m - 1].len == got[i].pblk) (*out)[m - 1].len += got[i].len;
      else (*out)[m++] = got[i];
    }
    free(got);
    return m;
  }
  free(got);
  /* An extent tree: ext2fs_fallocate (initialized extents, no zeroing: the blocks are zeros). */
  write_inode(ino);
  goal = goal0;
  blk64_t g = goal;
  check(ext2fs_fallocate(fs, EXT2_FALLOCATE_FORCE_INIT, ino, (struct ext2_inode *)in, g, lblk, count), "allocating blocks", NULL);
  ext2_extent_handle_t h;
  check(ext2fs_extent_open2(fs, ino, (struct ext2_inode *)in, &h), "reading extents", NULL);
  struct ext2fs_extent ex;
  size_t cap = 16;
  int m = 0;
  *out = malloc(cap * sizeof **out);
  errcode_t e = ext2fs_extent_get(h, EXT2_EXTENT_ROOT, &ex);
  while (!e) {
    if ((ex.e_flags & EXT2_EXTENT_FLAGS_LEAF) && ex.e_lblk + ex.e_len > lblk && ex.e_lblk < lblk + count) {
      blk64_t s = ex.e_lblk < lblk ? lblk : ex.e_lblk;
      blk64_t t = ex.e_lblk + ex.e_len > lblk + count ? lblk + count : ex.e_lblk + ex.e_len;
      if ((size_t)m == cap) *out = realloc(*out, (cap *= 2) * sizeof **out);
      (*out)[m++] = (struct extent){s, ex.e_pblk + (s - ex.e_lblk), t - s};
      if (ex.e_pblk + ex.e_len > goal) goal = ex.e_pblk + ex.e_len;
    }
    e = ext2fs_extent_get(h, EXT2_EXTENT_NEXT_LEAF, &ex);
  }
  ext2fs_extent_free(h);
  if (e != EXT2_ET_EXTENT_NO_NEXT) check(e, "reading extents", NULL);
  /* fallocate and the extent handle updated inode_buf in place (i_block, i_blocks); the
   * caller writes it. */
  return m;
}

static int all_zero(const char *p, size_t n) {
  const uint64_t *q = (const uint64_t *)p;
  for (size_t i = 0; i < n / 8; i++)
    if (q[i]) return 0;
  return 1;
}

static char *copy_buf;
#define COPY_BUF (4u << 20)

/* Copies `size` bytes of fd into inode `ino` (in inode_buf): runs of blocks that are not
 * all zeros get blocks (map_blocks) and are written; all-zero blocks stay holes, as
 * `mke2fs -d` leaves them (so the file uses no more blocks than mke2fs -d gives it, and
 * a content-sized filesystem keeps the free space the kernel wants for new entries). */
static void copy_data(ext2_ino_t ino, int fd, const char *path, uint64_t size) {
  uint64_t pos = 0;
  while (pos < size) {
    size_t want = COPY_BUF;
    if (want > size - pos) want = (size_t)(size - pos);
    size_t got = 0;
    while (got < want) {
      ssize_t r = read(fd, copy_buf + got, want - got);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) die(EXIT_INPUT, "reading %s: %s", path, strerror(errno));
      if (r == 0) die(EXIT_INPUT, "%s changed while it was being read (it shrank to %llu bytes)", path, (unsigned long long)(pos + got));
      got += (size_t)r;
    }
    size_t blocks = (got + bs - 1) / bs;
    if (got % bs) memset(copy_buf + got, 0, bs - got % bs);
    blk64_t lbase = pos / bs; /* COPY_BUF is a multiple of the block size */
    for (size_t b = 0; b < blocks;) {
      if (all_zero(copy_buf + b * bs, bs)) {
        b++;
        continue;
      }
      size_t e = b + 1;
      while (e < blocks && !all_zero(copy_buf + e * bs, bs)) e++;
      struct extent *x = NULL;
      int n = map_blocks(ino, lbase + b, e - b, &x);
      for (int k = 0; k < n; k++) {
        data_write(img_fd, copy_buf + (x[k].lblk - lbase) * bs, x[k].len * (size_t)bs, part_offset + x[k].pblk * (uint64_t)bs);
      }
      free(x);
      b = e;
    }
    pos += got;
  }
}

static uint64_t entries_written;
static uint64_t inodes_made;

static void write_file(long i) {
  struct rec *r = &recs[i];
  char *src = host_path(i);
  if (!src) die(EXIT_INPUT, "record %ld: a file without a source", i);
  /* O_NONBLOCK: a source that became a FIFO fails below instead of blocking here. */
  int fd = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0 && errno == ENOENT) die(EXIT_INPUT, "%s disappeared while it was being read", src);
  if (fd < 0 && (errno == EACCES || errno == EPERM)) die(EXIT_INPUT, "cannot read %s: permission denied", src);
  if (fd < 0) die(EXIT_INPUT, "cannot open %s: %s", src, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) < 0) die(EXIT_INPUT, "fstat %s: %s", src, strerror(errno));
  if (!S_ISREG(st.st_mode)) die(EXIT_INPUT, "%s is not a regular file", src);
  uint64_t size = (uint64_t)st.st_size;
  if (expected_sizes && size != expected_sizes[i])
    die(EXIT_INPUT, "%s changed while it was being read (%llu bytes when the tree was read, %llu now)", src,
        (unsigned long long)expected_sizes[i], (unsigned long long)size);
  ext2_ino_t ino = new_inode(0);
  struct ext2_inode_large *in = fresh_inode(LINUX_S_IFREG | (r->mode & 07777), group_links[r->fake]);
  set_inline_extents(in, NULL, 0);
  check(ext2fs_inode_size_set(fs, (struct ext2_inode *)in, size), "setting the size of", src);
  if (size) copy_data(ino, fd, src, size);
  /* A file that grew after the fstat: its end was not copied. */
  char extra;
  ssize_t more;
  while ((more = read(fd, &extra, 1)) < 0 && errno == EINTR) {
  }
  if (more > 0) die(EXIT_INPUT, "%s changed while it was being read (it grew past %llu bytes)", src, (unsigned long long)size);
  write_inode(ino);
  close(fd);
  free(src);
  r->ino = ino;
  group_ino[r->fake] = ino;
  inodes_made++;
}

static void write_symlink(long i) {
  struct rec *r = &recs[i];
  size_t len = r->payload_len;
  if (len == 0 || len >= bs) die(EXIT_INPUT, "record %ld: a symlink target of %zu bytes", i, len);
  ext2_ino_t ino = new_inode(0);
  struct ext2_inode_large *in = fresh_inode(LINUX_S_IFLNK | 0777, 1);
  check(ext2fs_inode_size_set(fs, (struct ext2_inode *)in, len), "setting a symlink's size", NULL);
  if (len < sizeof in->i_block) {
    memcpy(in->i_block, r->payload, len); /* a fast symlink */
  } else {
    set_inline_extents(in, NULL, 0);
    struct extent *x = NULL;
    int n = map_blocks(ino, 0, 1, &x);
    if (n != 1) die(1, "a symlink block mapped to %d extents", n);
    char *blk = calloc(1, bs);
    memcpy(blk, r->payload, len);
    check(io_channel_write_blk64(fs->io, x[0].pblk, 1, blk), "writing a symlink", NULL);
    free(blk);
    free(x);
  }
  write_inode(ino);
  r->ino = ino;
  inodes_made++;
}

static int is_lost_found(long i) {
  return recs[i].parent == 0 && recs[i].kind == 'd' && recs[i].name_len == 10 && !memcmp(recs[i].name, "lost+found", 10);
}

/* Directory blocks for dir i's entries: ".", "..", (lost+found), then its children, packed
 * in order (a new block when the next entry does not fit), as dirBlocks() in ext4.ts. */
static blk64_t dir_block_count(long i) {
  unsigned cap = bs - (has_csum ? (unsigned)sizeof(struct ext2_dir_entry_tail) : 0);
  blk64_t blocks = 1;
  unsigned used = 24;
  if (i == 0) used += 20; /* lost+found */
  for (long c = recs[i].first_child; c >= 0; c = recs[c].next_sibling) {
    if (i == 0 && is_lost_found(c)) continue;
    unsigned rec = (8 + (unsigned)recs[c].name_len + 3) & ~3u;
    if (used + rec > cap) {
      blocks++;
      used = 0;
    }
    used += rec;
  }
  return blocks;
}

static unsigned subdirs(long i) {
  unsigned n = 0;
  for (long c = recs[i].first_child; c >= 0; c = recs[c].next_sibling) n += recs[c].kind == 'd';
  return n;
}

static unsigned dir_links(long i) {
  unsigned n = 2 + subdirs(i);
  if (i == 0) {
    /* lost+found is a subdirectory of the root whether or not the tree lists it. */
    int listed = 0;
    for (long c = recs[0].first_child; c >= 0; c = recs[c].next_sibling) listed |= is_lost_found(c);
    if (!listed) n++;
  }
  if (n >= EXT2_LINK_MAX) n = ext2fs_has_feature_dir_nlink(fs->super) ? 1 : n;
  return n;
}

/* The blocks of each directory (logical order), kept for writing the entries at the end. */
struct dirmap {
  struct extent *x;
  int n;
};
static struct dirmap *dirmaps;

static void write_dir(long i) {
  struct rec *r = &recs[i];
  recs[i].host = host_path(i);
  ext2_ino_t ino;
  blk64_t have = 0;
  blk64_t need = dir_block_count(i);
  unsigned links = dir_links(i);
  if (links >= EXT2_LINK_MAX && !ext2fs_has_feature_dir_nlink(fs->super))
    die(EXIT_INPUT, "a directory with %u subdirectories (ext4 without dir_nlink allows %d)", links - 2, EXT2_LINK_MAX - 2);
  struct ext2_inode_large *in;
  if (i == 0 || is_lost_found(i)) {
    ino = i == 0 ? EXT2_ROOT_INO : EXT2_GOOD_OLD_FIRST_INO;
    if (i != 0 && ino != 11) die(1, "lost+found is not inode 11");
    in = existing_inode(ino, r->mode, links);
    have = EXT2_I_SIZE(in) / bs;
  } else {
    ino = new_inode(1);
    in = fresh_inode(LINUX_S_IFDIR | (r->mode & 07777), links);
    set_inline_extents(in, NULL, 0);
    inodes_made++;
  }
  r->ino = ino;
  struct dirmap *dm = &dirmaps[i];
  /* The blocks it has (root: 1, lost+found: 4), then new ones. */
  blk64_t total = need > have ? need : have;
  dm->x = malloc((size_t)(total ? total : 1) * sizeof *dm->x);
  dm->n = 0;
  for (blk64_t b = 0; b < have && b < need; b++) {
    blk64_t p = 0;
    check(ext2fs_bmap2(fs, ino, (struct ext2_inode *)in, NULL, 0, b, NULL, &p), "mapping a directory block", NULL);
    if (!p) die(1, "directory inode %u has a hole at block %llu", ino, (unsigned long long)b);
    dm->x[dm->n++] = (struct extent){b, p, 1};
  }
  if (need > have) {
    struct extent *x = NULL;
    int n = map_blocks(ino, have, need - have, &x);
    for (int k = 0; k < n; k++)
      for (blk64_t b = 0; b < x[k].len; b++) dm->x[dm->n++] = (struct extent){x[k].lblk + b, x[k].pblk + b, 1};
    free(x);
    check(ext2fs_inode_size_set(fs, (struct ext2_inode *)in, need * bs), "setting a directory's size", NULL);
  }
  write_inode(ino);
}

static void add_entry(char *blk, unsigned *used, unsigned cap, ext2_ino_t ino, const char *name, unsigned len, int ft,
                      struct ext2_dir_entry **prev) {
  struct ext2_dir_entry *d = (struct ext2_dir_entry *)(blk + *used);
  unsigned rec = (8 + len + 3) & ~3u;
  d->inode = ino;
  ext2fs_dirent_set_name_len(d, (int)len);
  ext2fs_dirent_set_file_type(d, has_filetype ? ft : 0);
  memcpy(d->name, name, len);
  ext2fs_set_rec_len(fs, rec, d);
  (void)cap;
  *used += rec;
  *prev = d;
}

static void finish_block(char *blk, unsigned used, unsigned cap, struct ext2_dir_entry *prev, blk64_t pblk, ext2_ino_t dir) {
  if (prev) {
    unsigned start = (unsigned)((char *)prev - blk);
    ext2fs_set_rec_len(fs, cap - start, prev);
  } else {
    struct ext2_dir_entry *d = (struct ext2_dir_entry *)blk;
    d->inode = 0;
    d->name_len = 0;
    ext2fs_set_rec_len(fs, cap, d);
  }
  (void)used;
  if (has_csum) ext2fs_initialize_dirent_tail(fs, EXT2_DIRENT_TAIL(blk, bs));
  check(ext2fs_write_dir_block4(fs, pblk, blk, 0, dir), "writing a directory block", NULL);
}

static int ftype(long c) {
  return recs[c].kind == 'd' ? EXT2_FT_DIR : recs[c].kind == 'l' ? EXT2_FT_SYMLINK : EXT2_FT_REG_FILE;
}

static void write_dir_entries(long i) {
  struct dirmap *dm = &dirmaps[i];
  unsigned cap = bs - (has_csum ? (unsigned)sizeof(struct ext2_dir_entry_tail) : 0);
  char *blk = calloc(1, bs);
  int bi = 0;
  unsigned used = 0;
  struct ext2_dir_entry *prev = NULL;
  ext2_ino_t self = recs[i].ino, parent = i == 0 ? EXT2_ROOT_INO : recs[recs[i].parent].ino;
  add_entry(blk, &used, cap, self, ".", 1, EXT2_FT_DIR, &prev);
  add_entry(blk, &used, cap, parent, "..", 2, EXT2_FT_DIR, &prev);
  if (i == 0) add_entry(blk, &used, cap, EXT2_GOOD_OLD_FIRST_INO, "lost+found", 10, EXT2_FT_DIR, &prev);
  for (long c = recs[i].first_child; c >= 0; c = recs[c].next_sibling) {
    if (i == 0 && is_lost_found(c)) {
      entries_written++; /* inode 11, listed first */
      continue;
    }
    unsigned rec = (8 + (unsigned)recs[c].name_len + 3) & ~3u;
    if (used + rec > cap) {
      finish_block(blk, used, cap, prev, dm->x[bi].pblk, self);
      bi++;
      if (bi >= dm->n) die(1, "directory blocks miscounted");
      memset(blk, 0, bs);
      used = 0;
      prev = NULL;
    }
    ext2_ino_t ino = recs[c].kind == 'f' ? group_ino[recs[c].fake] : recs[c].ino;
    if (!ino) die(1, "record %ld has no inode", c);
    add_entry(blk, &used, cap, ino, recs[c].name, (unsigned)recs[c].name_len, ftype(c), &prev);
    entries_written++;
  }
  finish_block(blk, used, cap, prev, dm->x[bi].pblk, self);
  if (bi + 1 != dm->n) die(1, "directory blocks miscounted");
  free(blk);
  free(dm->x);
}

/* The command-line contract with src/fs/ext4.ts (POPULATE_PROTOCOL there): bump both when
 * the arguments or the output change, so that a helper left from an older build is not run. */
#define POPULATE_PROTOCOL 2

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--protocol") == 0) {
    printf("imgsmith-ext4-populate protocol %d\n", POPULATE_PROTOCOL);
    return 0;
  }
  if (argc != 5 && argc != 6) {
    fprintf(stderr, "usage: %s IMAGE OFFSET LIST EPOCH [SIZES]\n", argv[0]);
    return 2;
  }
  image_path = argv[1];
  part_offset = strtoull(argv[2], NULL, 10);
  long long epoch = strtoll(argv[4], NULL, 10);
  epoch_lo = (uint32_t)epoch;
  epoch_extra = (uint32_t)(((epoch - (long long)(int32_t)epoch_lo) >> 32) & 3);
  /* A reader that goes away makes write() fail (EPIPE), which ends the log, not the program. */
  signal(SIGPIPE, SIG_IGN);
  const char *lf = getenv("IMGSMITH_SHIM_WRITELOG");
  if (lf && *lf) log_fd = atoi(lf);
  initialize_ext2_error_table();

  parse_list(argv[3]);
  if (argc == 6) parse_sizes(argv[5]);

  cached_io_manager = (struct struct_io_manager){
      .magic = EXT2_ET_MAGIC_IO_MANAGER,
      .name = "imgsmith cached I/O",
      .open = cio_open,
      .close = cio_close,
      .set_blksize = cio_set_blksize,
      .read_blk = cio_read_blk,
      .write_blk = cio_write_blk,
      .flush = cio_flush,
      .write_byte = cio_write_byte,
      .set_option = cio_set_option,
      .read_blk64 = cio_read_blk64,
      .write_blk64 = cio_write_blk64,
  };
  check(ext2fs_open2(image_path, NULL, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0, &cached_io_manager, &fs), "opening the filesystem in", image_path);
  bs = fs->blocksize;
  /* Write the backup superblocks and group descriptors too (ext2fs_open2 leaves them). */
  fs->flags &= ~EXT2_FLAG_MASTER_SB_ONLY;
  img_fd = open(image_path, O_RDWR | O_CLOEXEC);
  if (img_fd < 0) die(1, "cannot open %s: %s", image_path, strerror(errno));
  /* mke2fs wrote the whole filesystem's range before this program ran. */
  log_write(part_offset, ext2fs_blocks_count(fs->super) * (uint64_t)bs);
  log_flush();
  check(ext2fs_read_bitmaps(fs), "reading the bitmaps of", image_path);
  if (!ext2fs_has_feature_extents(fs->super)) die(1, "the filesystem has no extent feature");
  has_csum = ext2fs_has_feature_metadata_csum(fs->super);
  has_filetype = ext2fs_has_feature_filetype(fs->super);
  inode_buf = calloc(1, EXT2_INODE_SIZE(fs->super));
  copy_buf = aligned_alloc(4096, COPY_BUF + 4096);
  data_buf = aligned_alloc(4096, DATA_BUF);
  if (!data_buf) die(1, "out of memory");
  dirmaps = calloc((size_t)nrecs, sizeof *dirmaps);
  if (!inode_buf || !copy_buf || !dirmaps) die(1, "out of memory");
  ino_cursor = EXT2_FIRST_INO(fs->super);
  goal = 0;

  for (long i = 0; i < nrecs; i++) {
    struct rec *r = &recs[i];
    if (i > 0 && recs[r->parent].kind != 'd') die(EXIT_INPUT, "record %ld's parent is not a directory", i);
    switch (r->kind) {
      case 'd':
        write_dir(i);
        break;
      case 'f':
        if (group_ino[r->fake]) r->ino = group_ino[r->fake];
        else {
          if (r->fake != i) die(EXIT_INPUT, "record %ld: a hard link before its group's first entry", i);
          write_file(i);
        }
        break;
      case 'l':
        write_symlink(i);
        break;
    }
  }
  {
    /* lost+found when the tree does not list it: owner, times and flags as for the rest. */
    int listed = 0;
    for (long c = recs[0].first_child; c >= 0; c = recs[c].next_sibling) {
      if (recs[c].parent == 0 && recs[c].name_len == 10 && !memcmp(recs[c].name, "lost+found", 10) && recs[c].kind != 'd')
        die(EXIT_INPUT, "/lost+found must be a directory");
      listed |= is_lost_found(c);
    }
    if (!listed) {
      check(ext2fs_read_inode_full(fs, EXT2_GOOD_OLD_FIRST_INO, (struct ext2_inode *)inode_buf, EXT2_INODE_SIZE(fs->super)), "reading lost+found", NULL);
      struct ext2_inode_large *in = (struct ext2_inode_large *)inode_buf;
      existing_inode(EXT2_GOOD_OLD_FIRST_INO, in->i_mode & 07777, in->i_links_count);
      write_inode(EXT2_GOOD_OLD_FIRST_INO);
    }
  }
  for (long i = 0; i < nrecs; i++)
    if (recs[i].kind == 'd') write_dir_entries(i);
  entries_written++; /* the root */
  /* The partition was zeroed before mke2fs: the inode tables are zeros (what mke2fs
   * -E assume_storage_prezeroed=1 records, here on every e2fsprogs version). */
  for (dgrp_t g = 0; g < fs->group_desc_count; g++) {
    ext2fs_bg_flags_set(fs, g, EXT2_BG_INODE_ZEROED);
    ext2fs_group_desc_csum_set(fs, g);
  }
  /* The lifetime write counter: 0, whatever mke2fs (of any version) wrote. */
  fs->super->s_kbytes_written = 0;
  ext2fs_mark_super_dirty(fs);
  ext2fs_mark_bb_dirty(fs);
  ext2fs_mark_ib_dirty(fs);
  data_flush(img_fd);
  check(ext2fs_close_free(&fs), "writing the filesystem's metadata to", image_path);
  if (close(img_fd) < 0) die(1, "closing %s: %s", image_path, strerror(errno));
  if (log_fd >= 0) {
    log_flush();
    uint64_t end[2] = {~0ull, ~0ull};
    if (write(log_fd, end, sizeof end) != (ssize_t)sizeof end) log_fd = -1;
  }
  printf("entries %llu inodes %llu\n", (unsigned long long)entries_written, (unsigned long long)inodes_made);
  return 0;
}
