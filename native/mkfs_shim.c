/*
 * imgsmith_mkfs_shim: an LD_PRELOAD library that makes `mkfs.btrfs --rootdir` (btrfs-progs
 * 6.x) and `mke2fs -d` (e2fsprogs 1.47) reproducible without root, the way
 * fakeroot/faketime fake what a program sees. src/fs/shim.ts writes the list and
 * src/fs/btrfs.ts and src/fs/ext4.ts run the mkfs tool with LD_PRELOAD pointing here and:
 *
 *   IMGSMITH_SHIM_ROOT    absolute, canonical path of the staged root directory
 *   IMGSMITH_SHIM_LIST    file of NUL-terminated records "<octal mode> <ino> <nlink> <path>"
 *                         (path relative to root, the root itself is ""), one per tree entry
 *   IMGSMITH_SHIM_EPOCH   seconds since the epoch for every timestamp
 *   IMGSMITH_SHIM_SEED    any string; seeds the UUIDs and random numbers mkfs generates
 *   IMGSMITH_SHIM_REPORT  optional: a file the shim writes at exit ("faked <n>\n", the number
 *                         of stat calls it changed, then "served <s> of <t>\n": how many of
 *                         the LIST's t entries it faked a stat for at least once), so the
 *                         caller knows it was loaded and that the tool saw every entry
 *                         through it (src/fs/btrfs.ts refuses the image when s < t)
 *   IMGSMITH_SHIM_IMAGE   optional: the path of the image file mkfs writes; its writes are
 *                         combined and its reads cached (see "The image" below;
 *                         IMGSMITH_SHIM_CACHE=0 turns that off).
 *   IMGSMITH_SHIM_WRITELOG optional (needs IMGSMITH_SHIM_IMAGE): a file descriptor (a pipe
 *                         the caller reads). Every write to the image (pwrite, write, pwritev,
 *                         writev, fallocate, ftruncate) is reported on the pipe AFTER it
 *                         reached the file, as records of two little-endian uint64 (offset,
 *                         length), buffered (a record may arrive late, never early; the pipe
 *                         is made non-blocking so a slow reader never stalls mkfs); at exit a
 *                         last record (~0, ~0) says the log is complete. The caller uses it
 *                         to compress the parts of the image mkfs is done with while mkfs
 *                         still runs (src/outputs/chunked.ts).
 *   IMGSMITH_SHIM_NFTW=0  leave nftw() walks to glibc (only to test that the caller notices
 *                         the entries the shim did not serve; see "nftw" below).
 *   IMGSMITH_SHIM_VIRTUAL=1 the virtual tree (mke2fs only, see "The virtual tree" below):
 *                         LIST is then in the second format and ROOT an empty directory;
 *                         the tree exists only in the list, nothing is staged on disk.
 *
 * What it changes:
 *   lstat/stat (and the 64-bit variants) of a path under ROOT: uid/gid 0,
 *       atime/mtime/ctime = EPOCH (nanoseconds 0), the permission bits from LIST (hard-linked
 *       host files keep their host mode otherwise), and st_ino/st_nlink from LIST: entries
 *       that are hard links of each other share one number (the tree index of the group's
 *       first entry) and st_nlink is the size of the group (1 for a lone file). Both mkfs
 *       tools detect hard links by (st_dev, st_ino) when st_nlink > 1; mkfs.btrfs 6.2 also
 *       uses st_ino + 256 as the btrfs inode number and st_nlink as the inode's link count,
 *       so host inode numbers and the host's extra links (source + staged name) would leak
 *       into the image otherwise (6.10+ numbers inodes in walk order instead). Directories keep their real st_nlink.
 *   nftw/nftw64 of a path under ROOT (btrfs-progs 6.10+ walks --rootdir with nftw, whose
 *       stat calls glibc makes internally, out of LD_PRELOAD's reach): served by the shim
 *       with the faked stat above, names in byte order (see "nftw" at the end).
 *   scandir without a comparison function: sorted by byte order (mkfs.btrfs would use the
 *       host directory order, which depends on the host filesystem's hash seed).
 *   llistxattr of a path under ROOT: no attributes (host SELinux labels, ACLs and user
 *       attributes of hard-linked files would otherwise be copied into the image).
 *   ioctl(FS_IOC_GETFLAGS / FS_IOC_FSGETXATTR): no inode flags, no project (mke2fs 1.47.3+
 *       copies the host `chattr` flags of every source file into the image).
 *   time(): EPOCH (the root directory and subvolume times).
 *   uuid_generate(): a sequence derived from SEED (device, chunk-tree and subvolume UUIDs).
 *   jrand48(): a sequence derived from SEED instead of /dev/urandom.
 * Names and symlink targets are never touched (they may be any bytes).
 * Without IMGSMITH_SHIM_ROOT everything passes through unchanged.
 */
/* node-gyp defines _FILE_OFFSET_BITS=64, which renames lstat to lstat64 in the headers;
 * we must define the plain names (what mkfs.btrfs imports) as well as the 64 ones. */
#undef _FILE_OFFSET_BITS
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

struct record {
  const char *path; /* relative to root, "" for the root */
  unsigned mode;
  uint64_t ino;
  uint64_t nlink;
  int seen; /* served (stat faked) at least once: counted in `served` */
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int active;
static char root[PATH_MAX];
static size_t root_len;
static time_t epoch;
static uint64_t seed;
static struct record *records;
static size_t nrecords;
static char *list_buf;
static const char *report_file;
static unsigned long faked; /* stat results changed (for IMGSMITH_SHIM_REPORT) */
static unsigned long served; /* distinct LIST records whose stat was faked (ditto) */
static int serve_nftw = 1;   /* IMGSMITH_SHIM_NFTW=0: leave nftw to glibc (tests of the served check) */

static int (*real_lstat)(const char *, struct stat *);
static int (*real_stat)(const char *, struct stat *);
static int (*real_lstat64)(const char *, struct stat64 *);
static int (*real_stat64)(const char *, struct stat64 *);
typedef int (*filter_fn)(const struct dirent *);
typedef int (*compar_fn)(const struct dirent **, const struct dirent **);
typedef int (*filter64_fn)(const struct dirent64 *);
typedef int (*compar64_fn)(const struct dirent64 **, const struct dirent64 **);
static int (*real_scandir)(const char *, struct dirent ***, filter_fn, compar_fn);
static ssize_t (*real_llistxattr)(const char *, char *, size_t);
static int (*real_scandir64)(const char *, struct dirent64 ***, filter64_fn, compar64_fn);
static long (*real_jrand48)(unsigned short[3]);

static uint64_t fnv1a(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ULL;
  }
  return h;
}

static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static int cmp_records(const void *a, const void *b) {
  return strcmp(((const struct record *)a)->path, ((const struct record *)b)->path);
}

static void die(const char *what) {
  fprintf(stderr, "imgsmith mkfs shim: %s\n", what);
  _exit(127);
}

/* Reads IMGSMITH_SHIM_LIST into list_buf (NUL-terminated); returns its length. */
static size_t read_list(const char *file) {
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("cannot open IMGSMITH_SHIM_LIST");
  struct stat st;
  if (fstat(fd, &st) < 0) die("cannot stat IMGSMITH_SHIM_LIST");
  list_buf = malloc((size_t)st.st_size + 1);
  if (!list_buf) die("out of memory for IMGSMITH_SHIM_LIST");
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t n = read(fd, list_buf + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("cannot read IMGSMITH_SHIM_LIST");
    got += (size_t)n;
  }
  close(fd);
  list_buf[got] = 0;
  return got;
}

static void load_list(const char *file) {
  size_t got = read_list(file);
  size_t n = 0;
  for (size_t i = 0; i < got; i++) n += list_buf[i] == 0;
  records = calloc(n ? n : 1, sizeof *records);
  if (!records) die("out of memory");
  char *p = list_buf, *end = list_buf + got;
  while (p < end) {
    char *rec = p;
    p += strlen(p) + 1;
    /* "<mode> <ino> <nlink> <path>": the path is everything after the third space. */
    char *f[3];
    char *q = rec;
    for (int k = 0; k < 3; k++) {
      char *sp = strchr(q, ' ');
      if (!sp) die("malformed IMGSMITH_SHIM_LIST record");
      *sp = 0;
      f[k] = q;
      q = sp + 1;
    }
    records[nrecords].mode = (unsigned)strtoul(f[0], NULL, 8);
    records[nrecords].ino = strtoull(f[1], NULL, 10);
    records[nrecords].nlink = strtoull(f[2], NULL, 10);
    records[nrecords].path = q;
    if (records[nrecords].nlink == 0) die("malformed IMGSMITH_SHIM_LIST record (nlink 0)");
    nrecords++;
  }
  qsort(records, nrecords, sizeof *records, cmp_records);
}

static void ensure_init(void);

/* ---- The image: block cache, write combining and the write log ----
 *
 * IMGSMITH_SHIM_IMAGE names the image file (recognised by device and inode on any fd).
 * mke2fs (libext2fs's unix I/O manager, which caches only 8 blocks) writes the image one
 * 4 KiB block per pwrite64 and reads the same metadata blocks back hundreds of thousands
 * of times: about a million system calls for a 2 GiB root, a third of its time. The shim
 * keeps, for the image only:
 *   - a pending run of consecutive block-aligned writes (up to WB_MAX bytes), written
 *     with one pwrite64 when the next write is not its continuation, before any read,
 *     sync, size change, other write or close of the image, at fork and at exit;
 *   - a cache of CACHE_SLOTS blocks read from the image (direct-mapped by block number),
 *     kept equal to the file: every write to the image updates the cached blocks it
 *     touches, and a size change or unaligned/vectored write drops them.
 * So the file's bytes are exactly what mke2fs wrote, in the same order per block; only
 * the number of system calls changes. IMGSMITH_SHIM_CACHE=0 turns both off.
 *
 * IMGSMITH_SHIM_WRITELOG (a file descriptor): every write to the image is reported on it
 * AFTER it reached the file (a pending run when it is written), see the header. */

static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pread64)(int, void *, size_t, off64_t);
static ssize_t (*real_pread)(int, void *, size_t, off_t);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev64)(int, const struct iovec *, int, off64_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static int (*real_fallocate)(int, int, off_t, off_t);
static int (*real_fallocate64)(int, int, off64_t, off64_t);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off64_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_close)(int);

#define LOG_BATCH 512
#define FD_CACHE 4096
#define BS 4096
#define CACHE_SLOTS 1024     /* 4 MiB of blocks: the blocks mke2fs reads back are few (bitmaps, directories) */
#define CACHE_READ_MAX 65536 /* reads up to this size are cached */
#define WB_MAX (1024 * 1024) /* at most the write log's "data" record size (chunked.ts BULK) */

static int have_image;
static const char *image_path;
static dev_t img_dev;
static ino_t img_ino;
static int caching;
static pthread_mutex_t img_lock = PTHREAD_MUTEX_INITIALIZER;
/* Per fd: 0 unknown, 1 the image, 2 something else. Reset when the fd is closed. */
static unsigned char fd_kind[FD_CACHE];

static int log_fd = -1;
/* Records not yet written to the pipe: [sent, len) bytes of log_buf. The pipe is
 * non-blocking, so a reader that is busy for a while (the caller's event loop) never
 * stalls mkfs: records pile up here (16 bytes each) and go out with a later write. */
static char *log_buf;
static size_t log_len, log_cap, log_sent;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* The pending run of writes: wb_len bytes for offset wb_off, to be written to wb_fd. */
static char *wb;
static uint64_t wb_off;
static size_t wb_len;
static int wb_fd = -1;
/* The block cache: slot s holds block cache_blk[s] when cache_ok[s]. */
static uint64_t *cache_blk;
static unsigned char *cache_ok;
static char *cache_data;
static unsigned long cache_hits, cache_misses, wb_flushes;

/* Writes what the pipe takes now; with `all`, blocks until everything is written. */
static void log_flush_locked(int all) {
  if (all) {
    int fl = fcntl(log_fd, F_GETFL);
    if (fl >= 0) fcntl(log_fd, F_SETFL, fl & ~O_NONBLOCK);
  }
  while (log_sent < log_len) {
    ssize_t w = real_write(log_fd, log_buf + log_sent, log_len - log_sent);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN && !all) break;
      die("cannot write the write log");
    }
    log_sent += (size_t)w;
  }
  if (log_sent == log_len) log_sent = log_len = 0;
  else if (log_sent > log_cap / 2) {
    memmove(log_buf, log_buf + log_sent, log_len - log_sent);
    log_len -= log_sent;
    log_sent = 0;
  }
}

static void log_append_locked(uint64_t off, uint64_t len) {
  if (log_len + 16 > log_cap) {
    size_t cap = log_cap ? log_cap * 2 : LOG_BATCH * 16;
    char *nb = realloc(log_buf, cap);
    if (!nb) die("out of memory for the write log");
    log_buf = nb;
    log_cap = cap;
  }
  memcpy(log_buf + log_len, &off, 8);
  memcpy(log_buf + log_len + 8, &len, 8);
  log_len += 16;
}

/* Records go out every LOG_BATCH records or LOG_BYTES of writes, whichever comes first
 * (combined writes make few, large records). */
#define LOG_BYTES (4 * 1024 * 1024)
static uint64_t log_bytes;

static void log_write(uint64_t off, uint64_t len) {
  if (len == 0 || log_fd < 0) return;
  pthread_mutex_lock(&log_lock);
  log_append_locked(off, len);
  log_bytes += len;
  if (log_len - log_sent >= LOG_BATCH * 16 || log_bytes >= LOG_BYTES) {
    log_flush_locked(0);
    log_bytes = 0;
  }
  pthread_mutex_unlock(&log_lock);
}

static int is_image(int fd) {
  if (!have_image || fd < 0 || fd == log_fd) return 0;
  if (fd < FD_CACHE && fd_kind[fd]) return fd_kind[fd] == 1;
  struct stat st;
  int yes = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == img_dev && st.st_ino == img_ino;
  if (fd < FD_CACHE) fd_kind[fd] = yes ? 1 : 2;
  return yes;
}


/* An fd just opened by path: not the image when the path is not the image's (saves an
 * fstat per source file mke2fs opens); otherwise found out on first use. */
static void opened(int fd, const char *path) {
  if (!have_image || fd < 0 || fd >= FD_CACHE) return;
  fd_kind[fd] = strcmp(path, image_path) == 0 ? 0 : 2;
}

static void die_io(const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "cannot %s the image %s: %s", what, image_path ? image_path : "", strerror(err));
  die(msg);
}

/* Writes the pending run (img_lock held). A failure cannot be reported to the write
 * that was already acknowledged: mkfs stops with the reason (and the caller sees no
 * report, so the result is never used). */
static void wb_flush_locked(void) {
  if (wb_len == 0) return;
  size_t done = 0;
  while (done < wb_len) {
    ssize_t w = real_pwrite64(wb_fd, wb + done, wb_len - done, (off64_t)(wb_off + done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) die_io("write", w < 0 ? errno : EIO);
    done += (size_t)w;
  }
  log_write(wb_off, wb_len);
  wb_len = 0;
  wb_flushes++;
}

static void wb_flush(void) {
  if (!caching) return;
  pthread_mutex_lock(&img_lock);
  wb_flush_locked();
  pthread_mutex_unlock(&img_lock);
}

static size_t slot_of(uint64_t blk) { return (size_t)((blk * 0x9e3779b97f4a7c15ULL) >> 51) & (CACHE_SLOTS - 1); }

/* Copies what a write put into [off, off+n) into the cached blocks it touches. */
static void cache_update_locked(uint64_t off, const char *buf, size_t n) {
  if (!cache_ok || n == 0) return;
  for (uint64_t b = off / BS; b * BS < off + n; b++) {
    size_t s = slot_of(b);
    if (!cache_ok[s] || cache_blk[s] != b) continue;
    uint64_t from = b * BS > off ? b * BS : off;
    uint64_t to = (b + 1) * BS < off + n ? (b + 1) * BS : off + n;
    memcpy(cache_data + s * BS + (from - b * BS), buf + (from - off), (size_t)(to - from));
  }
}

static void cache_drop_all_locked(void) {
  if (cache_ok) memset(cache_ok, 0, CACHE_SLOTS);
}

static int pending_overlaps(uint64_t off, size_t n) { return wb_len && off < wb_off + wb_len && wb_off < off + n; }

static ssize_t img_pwrite(int fd, const void *buf, size_t n, uint64_t off) {
  pthread_mutex_lock(&img_lock);
  ssize_t r;
  if (off % BS == 0 && n % BS == 0 && n > 0 && n <= WB_MAX) {
    cache_update_locked(off, buf, n);
    if (wb_len && (wb_fd != fd || off != wb_off + wb_len || wb_len + n > WB_MAX)) wb_flush_locked();
    if (wb_len == 0) {
      wb_off = off;
      wb_fd = fd;
    }
    memcpy(wb + wb_len, buf, n);
    wb_len += n;
    r = (ssize_t)n;
  } else {
    wb_flush_locked();
    r = real_pwrite64(fd, buf, n, (off64_t)off);
    if (r > 0) {
      cache_update_locked(off, buf, (size_t)r);
      log_write(off, (uint64_t)r);
    }
  }
  pthread_mutex_unlock(&img_lock);
  return r;
}

static ssize_t img_pread(int fd, void *buf, size_t n, uint64_t off) {
  pthread_mutex_lock(&img_lock);
  if (pending_overlaps(off, n)) wb_flush_locked();
  ssize_t r;
  if (off % BS == 0 && n % BS == 0 && n > 0 && n <= CACHE_READ_MAX) {
    int all = 1;
    for (uint64_t b = off / BS; all && b * BS < off + n; b++) {
      size_t s = slot_of(b);
      all = cache_ok[s] && cache_blk[s] == b;
    }
    if (all) {
      for (uint64_t b = off / BS; b * BS < off + n; b++) memcpy((char *)buf + (b * BS - off), cache_data + slot_of(b) * BS, BS);
      cache_hits++;
      pthread_mutex_unlock(&img_lock);
      return (ssize_t)n;
    }
    cache_misses++;
    r = real_pread64(fd, buf, n, (off64_t)off);
    for (uint64_t b = off / BS; r > 0 && (b + 1) * BS <= off + (uint64_t)r; b++) {
      size_t s = slot_of(b);
      memcpy(cache_data + s * BS, (char *)buf + (b * BS - off), BS);
      cache_blk[s] = b;
      cache_ok[s] = 1;
    }
  } else {
    r = real_pread64(fd, buf, n, (off64_t)off);
  }
  pthread_mutex_unlock(&img_lock);
  return r;
}

static void init_image(void) {
  real_pwrite64 = (ssize_t (*)(int, const void *, size_t, off64_t))dlsym(RTLD_NEXT, "pwrite64");
  real_pwrite = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
  real_pread64 = (ssize_t (*)(int, void *, size_t, off64_t))dlsym(RTLD_NEXT, "pread64");
  real_pread = (ssize_t (*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread");
  real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
  real_read = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
  real_pwritev = (ssize_t (*)(int, const struct iovec *, int, off_t))dlsym(RTLD_NEXT, "pwritev");
  real_pwritev64 = (ssize_t (*)(int, const struct iovec *, int, off64_t))dlsym(RTLD_NEXT, "pwritev64");
  real_writev = (ssize_t (*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
  real_fallocate = (int (*)(int, int, off_t, off_t))dlsym(RTLD_NEXT, "fallocate");
  real_fallocate64 = (int (*)(int, int, off64_t, off64_t))dlsym(RTLD_NEXT, "fallocate64");
  real_ftruncate = (int (*)(int, off_t))dlsym(RTLD_NEXT, "ftruncate");
  real_ftruncate64 = (int (*)(int, off64_t))dlsym(RTLD_NEXT, "ftruncate64");
  real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  if (!real_close) real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
  const char *file = getenv("IMGSMITH_SHIM_IMAGE");
  const char *fdv = getenv("IMGSMITH_SHIM_WRITELOG");
  if (!file || !*file) {
    if (fdv && *fdv) die("IMGSMITH_SHIM_WRITELOG needs IMGSMITH_SHIM_IMAGE");
    return;
  }
  if (!real_write || !real_pwrite64 || !real_pread64 || !real_close || !real_read) die("cannot find the libc I/O functions to wrap");
  /* Not stat(): that is ours, and init must not re-enter itself. */
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) die("cannot open IMGSMITH_SHIM_IMAGE");
  real_close(fd);
  img_dev = st.st_dev;
  img_ino = st.st_ino;
  image_path = file;
  have_image = 1;
  const char *c = getenv("IMGSMITH_SHIM_CACHE");
  if (!c || strcmp(c, "0") != 0) {
    wb = malloc(WB_MAX);
    cache_blk = calloc(CACHE_SLOTS, sizeof *cache_blk);
    cache_ok = calloc(CACHE_SLOTS, 1);
    cache_data = malloc((size_t)CACHE_SLOTS * BS); /* pages become resident as they are used */
    if (!wb || !cache_blk || !cache_ok || !cache_data) die("out of memory for the image cache");
    caching = 1;
  }
  if (fdv && *fdv) {
    log_fd = atoi(fdv);
    int fl = fcntl(log_fd, F_GETFL);
    if (fl < 0 || fcntl(log_fd, F_SETFL, fl | O_NONBLOCK) < 0) die("IMGSMITH_SHIM_WRITELOG is not an open file descriptor");
  }
}

/* fork(): the child must never write the parent's pending run (it would land after the
 * parent's later writes); the parent writes it first. */
static void atfork_prepare(void) { wb_flush(); }
static void atfork_child(void) {
  wb_len = 0;
  caching = 0;
}

/* At exit: the pending run, then the rest of the log and its end record. Called by the
 * shim's one destructor (below), before the report, so a report means all is written. */
static void end_image(void) {
  wb_flush();
  if (log_fd < 0) return;
  pthread_mutex_lock(&log_lock);
  log_append_locked(~(uint64_t)0, ~(uint64_t)0);
  log_flush_locked(1);
  pthread_mutex_unlock(&log_lock);
}

EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off) {
  ensure_init();
  if (caching && off >= 0 && is_image(fd)) return img_pwrite(fd, buf, n, (uint64_t)off);
  ssize_t r = real_pwrite64(fd, buf, n, off);
  if (r > 0 && is_image(fd)) log_write((uint64_t)off, (uint64_t)r);
  return r;
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
  ensure_init();
  if (caching && off >= 0 && is_image(fd)) return img_pwrite(fd, buf, n, (uint64_t)off);
  ssize_t r = real_pwrite(fd, buf, n, off);
  if (r > 0 && is_image(fd)) log_write((uint64_t)off, (uint64_t)r);
  return r;
}

EXPORT ssize_t pread64(int fd, void *buf, size_t n, off64_t off) {
  ensure_init();
  if (caching && off >= 0 && is_image(fd)) return img_pread(fd, buf, n, (uint64_t)off);
  return real_pread64(fd, buf, n, off);
}

EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off) {
  ensure_init();
  if (caching && off >= 0 && is_image(fd)) return img_pread(fd, buf, n, (uint64_t)off);
  return real_pread(fd, buf, n, off);
}

EXPORT ssize_t read(int fd, void *buf, size_t n) {
  ensure_init();
  if (!real_read) real_read = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
  if (caching && is_image(fd)) wb_flush();
  return real_read(fd, buf, n);
}

/* The image changed in [off, off+len) other than by a combined write (writes at the file
 * position, vectored writes, fallocate, ftruncate): the cached blocks are dropped and the
 * change is logged. */
static void image_changed(uint64_t off, uint64_t len) {
  if (caching) {
    pthread_mutex_lock(&img_lock);
    cache_drop_all_locked();
    pthread_mutex_unlock(&img_lock);
  }
  log_write(off, len);
}

/* A write at the file position `off` (-1: unknown, so "from 0 to the end") returned r. */
static void positioned_write_done(off_t off, ssize_t r) {
  if (r > 0) image_changed(off >= 0 ? (uint64_t)off : 0, off >= 0 ? (uint64_t)r : ~(uint64_t)0);
}

EXPORT ssize_t write(int fd, const void *buf, size_t n) {
  ensure_init();
  if (!real_write) return errno = ENOSYS, -1;
  if (!is_image(fd)) return real_write(fd, buf, n);
  wb_flush();
  off_t off = lseek(fd, 0, SEEK_CUR);
  ssize_t r = real_write(fd, buf, n);
  positioned_write_done(off, r);
  return r;
}

EXPORT ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off) {
  ensure_init();
  if (!is_image(fd)) return real_pwritev(fd, iov, n, off);
  wb_flush();
  ssize_t r = real_pwritev(fd, iov, n, off);
  if (r > 0) image_changed((uint64_t)off, (uint64_t)r);
  return r;
}

EXPORT ssize_t pwritev64(int fd, const struct iovec *iov, int n, off64_t off) {
  ensure_init();
  if (!is_image(fd)) return real_pwritev64(fd, iov, n, off);
  wb_flush();
  ssize_t r = real_pwritev64(fd, iov, n, off);
  if (r > 0) image_changed((uint64_t)off, (uint64_t)r);
  return r;
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int n) {
  ensure_init();
  if (!is_image(fd)) return real_writev(fd, iov, n);
  wb_flush();
  off_t off = lseek(fd, 0, SEEK_CUR);
  ssize_t r = real_writev(fd, iov, n);
  positioned_write_done(off, r);
  return r;
}

EXPORT int fallocate(int fd, int mode, off_t off, off_t len) {
  ensure_init();
  int img = is_image(fd);
  if (img) wb_flush();
  int r = real_fallocate(fd, mode, off, len);
  if (r == 0 && img) image_changed((uint64_t)off, (uint64_t)len);
  return r;
}

EXPORT int fallocate64(int fd, int mode, off64_t off, off64_t len) {
  ensure_init();
  int img = is_image(fd);
  if (img) wb_flush();
  int r = real_fallocate64(fd, mode, off, len);
  if (r == 0 && img) image_changed((uint64_t)off, (uint64_t)len);
  return r;
}

/* A size change may zero or drop data anywhere past the new end: report "everything from
 * there on" as written. */
EXPORT int ftruncate(int fd, off_t len) {
  ensure_init();
  int img = is_image(fd);
  if (img) wb_flush();
  int r = real_ftruncate(fd, len);
  if (r == 0 && img) image_changed((uint64_t)len, ~(uint64_t)0 - (uint64_t)len - 1);
  return r;
}

EXPORT int ftruncate64(int fd, off64_t len) {
  ensure_init();
  int img = is_image(fd);
  if (img) wb_flush();
  int r = real_ftruncate64(fd, len);
  if (r == 0 && img) image_changed((uint64_t)len, ~(uint64_t)0 - (uint64_t)len - 1);
  return r;
}

EXPORT int fsync(int fd) {
  ensure_init();
  if (caching && is_image(fd)) wb_flush();
  return real_fsync(fd);
}

EXPORT int fdatasync(int fd) {
  ensure_init();
  if (caching && is_image(fd)) wb_flush();
  return real_fdatasync(fd);
}

/* No ensure_init() here: init itself closes files (load_list), and pthread_once must not
 * be re-entered. The image is configured by then or not at all. */
EXPORT int close(int fd) {
  if (!real_close) real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
  if (fd == log_fd && log_fd >= 0) {
    /* mkfs closing our pipe (e.g. a close-all loop): keep it open for the log. */
    return 0;
  }
  if (caching && fd >= 0 && fd == wb_fd) wb_flush();
  if (fd >= 0 && fd < FD_CACHE) fd_kind[fd] = 0;
  return real_close(fd);
}

/* ---- The virtual tree (IMGSMITH_SHIM_VIRTUAL=1) ----
 *
 * For mke2fs -d: instead of a staged copy of the tree (hard links of every file, which
 * costs about as much as cp -al plus rm -rf, and copies across filesystems), ROOT is an
 * empty directory and the tree exists only in LIST. mke2fs 1.47 walks its -d directory
 * with chdir(name) / scandir(".") / lstat(name) / open(name) / readlink(name) /
 * llistxattr(name) / chdir(".."); the shim answers those calls from the list, with a
 * virtual current directory, and opens each file at its host source. What mke2fs sees
 * is exactly what it saw of the staged tree under the first format (same names, order,
 * stat results, contents and link targets), so the image bytes are the same.
 *
 * LIST (second format): one record per tree entry, in the tree walk's order (depth first,
 * each directory's children in byte order, the root first), each
 *   "<kind><src><mode octal> <ino> <parent index>\0<name>\0<payload>\0"
 * kind: d directory, f regular file, l symlink. src: e = payload is the host source
 * (files) or host directory (directories); i = inherited: the parent directory's host
 * directory + "/" + name; n = none (a directory with no host directory, or a symlink,
 * whose payload is its target). The root has parent index -1 and an empty name.
 * ino is the fake inode number (hard links share one); st_nlink of a file is the number
 * of file records with its ino.
 *
 * Anything mke2fs does inside ROOT that the list cannot answer (opendir, opening a
 * directory, a path through a symlink, writing) fails with ENOTSUP rather than seeing
 * the empty directory, and the report says how many entries mke2fs looked at, so the
 * caller can tell a complete walk from a partial one. */

struct vnode {
  const char *name;
  const char *payload;
  uint32_t parent;
  uint32_t first_child; /* index into vchild */
  uint32_t nchild;
  uint32_t ino;
  uint32_t nlink; /* files: names of the inode; directories: 2 + subdirectories */
  uint32_t payload_len;
  uint16_t mode;
  char kind;
  char src;
};

static int vactive;
static struct vnode *vn;
static size_t nvn;
static uint32_t *vchild;
static long vcwd = -1; /* the virtual current directory, or -1 outside the tree */
static dev_t vdev;
static unsigned char *vseen;
static unsigned long nseen;

#define V_OUT (-1L) /* not in the tree: the real call */
#define V_ERR (-2L) /* in the tree, but an error (errno set) */

static int (*real_chdir)(const char *);
static int (*real_fchdir)(int);
static char *(*real_getcwd)(char *, size_t);
static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static ssize_t (*real_readlink)(const char *, char *, size_t);
static ssize_t (*real_lgetxattr)(const char *, const char *, void *, size_t);
static ssize_t (*real_getxattr)(const char *, const char *, void *, size_t);
static ssize_t (*real_listxattr)(const char *, char *, size_t);
static DIR *(*real_opendir)(const char *);
static int (*real_access)(const char *, int);

static void load_vlist(const char *file) {
  size_t got = read_list(file);
  size_t nul = 0;
  for (size_t i = 0; i < got; i++) nul += list_buf[i] == 0;
  size_t cap = nul / 3 + 1;
  vn = calloc(cap, sizeof *vn);
  if (!vn) die("out of memory for the virtual tree");
  char *p = list_buf, *end = list_buf + got;
  while (p < end) {
    char *hdr = p;
    p += strlen(p) + 1;
    if (p >= end) die("malformed IMGSMITH_SHIM_LIST record (no name)");
    char *name = p;
    p += strlen(p) + 1;
    if (p > end) die("malformed IMGSMITH_SHIM_LIST record (no payload)");
    char *payload = p;
    size_t plen = strlen(p);
    p += plen + 1;
    if (p > end + 1) die("malformed IMGSMITH_SHIM_LIST record (payload)");
    struct vnode *v = &vn[nvn];
    v->kind = hdr[0];
    v->src = hdr[0] ? hdr[1] : 0;
    if ((v->kind != 'd' && v->kind != 'f' && v->kind != 'l') || (v->src != 'e' && v->src != 'i' && v->src != 'n'))
      die("malformed IMGSMITH_SHIM_LIST record (kind)");
    char *q;
    v->mode = (uint16_t)strtoul(hdr + 2, &q, 8);
    v->ino = (uint32_t)strtoul(q, &q, 10);
    long parent = strtol(q, &q, 10);
    if (*q) die("malformed IMGSMITH_SHIM_LIST record (header)");
    if (nvn == 0 ? parent != -1 || v->kind != 'd' : parent < 0 || (size_t)parent >= nvn || vn[parent].kind != 'd')
      die("malformed IMGSMITH_SHIM_LIST record (parent)");
    if (v->ino >= cap) die("malformed IMGSMITH_SHIM_LIST record (ino)");
    v->parent = nvn == 0 ? 0 : (uint32_t)parent;
    v->name = name;
    v->payload = payload;
    v->payload_len = (uint32_t)plen;
    if (v->src == 'i' && (nvn == 0 || vn[parent].src == 'n')) die("malformed IMGSMITH_SHIM_LIST record (inherited source without a parent source)");
    nvn++;
  }
  if (nvn == 0) die("IMGSMITH_SHIM_LIST is empty");
  /* Children, in list order (which is byte order within a directory). */
  vchild = calloc(nvn, sizeof *vchild);
  uint32_t *count = calloc(nvn, sizeof *count);
  uint32_t *links = calloc(nvn, sizeof *links);
  vseen = calloc(nvn, 1);
  if (!vchild || !count || !links || !vseen) die("out of memory for the virtual tree");
  for (size_t i = 1; i < nvn; i++) {
    count[vn[i].parent]++;
    if (vn[i].kind == 'd') vn[vn[i].parent].nlink++;
    if (vn[i].kind == 'f') links[vn[i].ino]++;
  }
  uint32_t at = 0;
  for (size_t i = 0; i < nvn; i++) {
    vn[i].first_child = at;
    at += count[i];
    count[i] = 0;
  }
  for (size_t i = 1; i < nvn; i++) {
    struct vnode *par = &vn[vn[i].parent];
    vchild[par->first_child + par->nchild++] = (uint32_t)i;
  }
  for (size_t i = 0; i < nvn; i++) {
    if (vn[i].kind == 'd') vn[i].nlink += 2;
    else if (vn[i].kind == 'f') vn[i].nlink = links[vn[i].ino];
    else vn[i].nlink = 1;
  }
  free(count);
  free(links);
}

/* The child `name` (n bytes) of directory d, by binary search (children are in byte order). */
static long vchild_lookup(uint32_t d, const char *name, size_t n) {
  size_t lo = 0, hi = vn[d].nchild;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    const char *c = vn[vchild[vn[d].first_child + mid]].name;
    int r = strncmp(c, name, n);
    if (r == 0) r = c[n] == 0 ? 0 : 1;
    if (r == 0) return vchild[vn[d].first_child + mid];
    if (r < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

/* Where a walk left the tree upwards: the rest of the path after that "..". */
static const char *vout_rest;

/* Walks the components of `p` from node `cur`. Returns the node, V_OUT when a ".."
 * leaves the tree (vout_rest = what follows), or V_ERR with errno set. */
static long vwalk(long cur, const char *p) {
  vout_rest = NULL;
  while (*p) {
    while (*p == '/') p++;
    if (!*p) break;
    const char *e = strchr(p, '/');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n == 1 && p[0] == '.') {
      /* stays */
    } else if (n == 2 && p[0] == '.' && p[1] == '.') {
      if (cur == 0) {
        vout_rest = p + n;
        return V_OUT;
      }
      cur = vn[cur].parent;
    } else {
      if (vn[cur].kind != 'd') {
        errno = vn[cur].kind == 'l' ? ENOTSUP : ENOTDIR;
        return V_ERR;
      }
      long c = vchild_lookup((uint32_t)cur, p, n);
      if (c < 0) {
        errno = ENOENT;
        return V_ERR;
      }
      cur = c;
    }
    p += n;
  }
  return cur;
}

static long vresolve(const char *path) {
  if (!vactive || !path) return V_OUT;
  if (path[0] == '/') {
    if (strncmp(path, root, root_len) != 0 || (path[root_len] != 0 && path[root_len] != '/')) return V_OUT;
    return vwalk(0, path + root_len);
  }
  if (vcwd >= 0) return vwalk(vcwd, path);
  /* Outside the tree: a relative path may still lead into it (mke2fs -d with a relative
   * directory); resolved against the real cwd, lexically. */
  char abs[PATH_MAX * 2];
  if (!real_getcwd(abs, sizeof abs)) return V_OUT;
  size_t n = strlen(abs);
  if (n + 1 + strlen(path) + 1 > sizeof abs) return V_OUT;
  abs[n] = '/';
  strcpy(abs + n + 1, path);
  char norm[PATH_MAX * 2];
  size_t m = 0;
  for (const char *p = abs; *p;) {
    while (*p == '/') p++;
    if (!*p) break;
    const char *e = strchr(p, '/');
    size_t k = e ? (size_t)(e - p) : strlen(p);
    if (k == 1 && p[0] == '.') {
    } else if (k == 2 && p[0] == '.' && p[1] == '.') {
      while (m > 0 && norm[m - 1] != '/') m--;
      if (m > 0) m--;
    } else {
      norm[m++] = '/';
      memcpy(norm + m, p, k);
      m += k;
    }
    p += k;
  }
  if (m == 0) norm[m++] = '/';
  norm[m] = 0;
  if (strncmp(norm, root, root_len) != 0 || (norm[root_len] != 0 && norm[root_len] != '/')) return V_OUT;
  return vwalk(0, norm + root_len);
}

/* The real path for a call that left the tree (V_OUT) from a relative path. */
static const char *vreal(const char *path, char *buf, size_t size) {
  if (path[0] == '/' || vcwd < 0) return path;
  /* The real cwd is ROOT; the walk left it through ROOT's "..". */
  const char *rest = vout_rest ? vout_rest : "";
  if ((size_t)snprintf(buf, size, "%s/..%s", root, rest) >= size) return path;
  return buf;
}

/* The host path of a node's source (files and directories with a host directory). */
static int vsource(long i, char *buf, size_t size) {
  if (vn[i].src == 'e') {
    if (vn[i].payload_len + 1 > size) return errno = ENAMETOOLONG, -1;
    memcpy(buf, vn[i].payload, vn[i].payload_len + 1);
    return 0;
  }
  if (vn[i].src != 'i') return errno = ENOTSUP, -1;
  if (vsource(vn[i].parent, buf, size) < 0) return -1;
  size_t n = strlen(buf), m = strlen(vn[i].name);
  int slash = n == 0 || buf[n - 1] != '/';
  if (n + slash + m + 1 > size) return errno = ENAMETOOLONG, -1;
  if (slash) buf[n++] = '/';
  memcpy(buf + n, vn[i].name, m + 1);
  return 0;
}

/* The tree path of a node ("" for the root), for getcwd. */
static int vpath(long i, char *buf, size_t size) {
  if (i == 0) {
    if (size < 1) return -1;
    buf[0] = 0;
    return 0;
  }
  if (vpath(vn[i].parent, buf, size) < 0) return -1;
  size_t n = strlen(buf), m = strlen(vn[i].name);
  if (n + 1 + m + 1 > size) return -1;
  buf[n++] = '/';
  memcpy(buf + n, vn[i].name, m + 1);
  return 0;
}

static void vmark(long i) {
  if (i > 0 && !vseen[i]) {
    vseen[i] = 1;
    __atomic_add_fetch(&nseen, 1, __ATOMIC_RELAXED);
  }
}

/* Fills a struct stat or stat64 (same field names) for node i; `follow` for stat(). */
#define VSTAT(i, st, follow, realstat)                                                          \
  do {                                                                                          \
    long i_ = (i);                                                                              \
    for (int hops_ = 0; (follow) && vn[i_].kind == 'l'; hops_++) {                              \
      /* stat() of a symlink: its target, resolved in the tree (absolute = the image's /). */   \
      char t_[PATH_MAX * 2];                                                                    \
      if (hops_ >= 40) return errno = ELOOP, -1;                                                \
      if (vn[i_].payload[0] == '/') {                                                           \
        if ((size_t)snprintf(t_, sizeof t_, "%s%s", root, vn[i_].payload) >= sizeof t_)         \
          return errno = ENAMETOOLONG, -1;                                                      \
        i_ = vwalk(0, t_ + root_len);                                                           \
      } else {                                                                                  \
        i_ = vwalk(vn[i_].parent, vn[i_].payload);                                              \
      }                                                                                         \
      if (i_ == V_OUT) return errno = ENOTSUP, -1;                                              \
      if (i_ == V_ERR) return -1;                                                               \
    }                                                                                           \
    struct vnode *v_ = &vn[i_];                                                                 \
    memset((st), 0, sizeof *(st));                                                              \
    if (v_->kind == 'f') {                                                                      \
      char src_[PATH_MAX * 2];                                                                  \
      if (vsource(i_, src_, sizeof src_) < 0) return -1;                                        \
      if (realstat(src_, (st)) < 0) return -1;                                                  \
      if (!S_ISREG((st)->st_mode)) return errno = ENOTSUP, -1;                                  \
    } else if (v_->kind == 'd') {                                                               \
      (st)->st_mode = S_IFDIR;                                                                  \
      (st)->st_size = 4096;                                                                     \
      (st)->st_blocks = 8;                                                                      \
    } else {                                                                                    \
      (st)->st_mode = S_IFLNK;                                                                  \
      (st)->st_size = v_->payload_len;                                                          \
    }                                                                                           \
    (st)->st_blksize = 4096;                                                                    \
    (st)->st_dev = vdev;                                                                        \
    (st)->st_ino = v_->ino;                                                                     \
    (st)->st_nlink = v_->nlink;                                                                 \
    (st)->st_mode = ((st)->st_mode & S_IFMT) | (v_->kind == 'l' ? 0777 : (v_->mode & 07777));   \
    (st)->st_uid = 0;                                                                           \
    (st)->st_gid = 0;                                                                           \
    (st)->st_atim.tv_sec = (st)->st_mtim.tv_sec = (st)->st_ctim.tv_sec = epoch;                 \
    (st)->st_atim.tv_nsec = (st)->st_mtim.tv_nsec = (st)->st_ctim.tv_nsec = 0;                  \
    vmark(i);                                                                                   \
    __atomic_add_fetch(&faked, 1, __ATOMIC_RELAXED);                                            \
    return 0;                                                                                   \
  } while (0)

static int vstat_file(const char *src, struct stat *st) { return real_stat(src, st); }
static int vstat64_file(const char *src, struct stat64 *st) { return real_stat64(src, st); }

static int vstat(long i, struct stat *st, int follow) { VSTAT(i, st, follow, vstat_file); }
static int vstat64(long i, struct stat64 *st, int follow) { VSTAT(i, st, follow, vstat64_file); }

/* The real open of a node's source; directories, symlinks and writing: ENOTSUP/EROFS. */
static int vopen(long i, int flags, mode_t mode) {
  if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC))) return errno = EROFS, -1;
  if (vn[i].kind != 'f') return errno = ENOTSUP, -1;
  char src[PATH_MAX * 2];
  if (vsource(i, src, sizeof src) < 0) return -1;
  return real_open64(src, flags, mode);
}

EXPORT int chdir(const char *path) {
  ensure_init();
  long i = vresolve(path);
  if (i == V_ERR) return -1;
  if (i >= 0) {
    if (vn[i].kind != 'd') return errno = vn[i].kind == 'l' ? ENOTSUP : ENOTDIR, -1;
    if (vcwd < 0 && real_chdir(root) < 0) return -1;
    vcwd = i;
    return 0;
  }
  char buf[PATH_MAX * 2];
  const char *real = vreal(path, buf, sizeof buf);
  int r = real_chdir(real);
  if (r == 0) vcwd = -1;
  return r;
}

EXPORT int fchdir(int fd) {
  ensure_init();
  int r = real_fchdir(fd);
  if (r == 0) vcwd = -1;
  return r;
}

EXPORT char *getcwd(char *buf, size_t size) {
  ensure_init();
  if (vcwd < 0) return real_getcwd(buf, size);
  char rel[PATH_MAX * 2];
  if (vpath(vcwd, rel, sizeof rel) < 0) return errno = ENAMETOOLONG, (char *)NULL;
  size_t need = root_len + strlen(rel) + 1;
  if (!buf) {
    buf = malloc(size > need ? size : need);
    if (!buf) return errno = ENOMEM, (char *)NULL;
  } else if (size < need) {
    return errno = ERANGE, (char *)NULL;
  }
  memcpy(buf, root, root_len);
  memcpy(buf + root_len, rel, strlen(rel) + 1);
  return buf;
}

static mode_t open_mode(int flags, va_list ap) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

#define VOPEN_BODY(realcall)                                                                    \
  long i = vresolve(path);                                                                      \
  if (i == V_ERR) return -1;                                                                    \
  if (i >= 0) {                                                                                 \
    int vfd_ = vopen(i, flags, mode);                                                           \
    if (vfd_ >= 0 && vfd_ < FD_CACHE) fd_kind[vfd_] = 2;                                        \
    return vfd_;                                                                                \
  }                                                                                             \
  char buf_[PATH_MAX * 2];                                                                      \
  const char *real_ = vreal(path, buf_, sizeof buf_);                                           \
  int fd_ = realcall;                                                                           \
  opened(fd_, real_);                                                                           \
  return fd_

EXPORT int open(const char *path, int flags, ...) {
  ensure_init();
  va_list ap;
  va_start(ap, flags);
  mode_t mode = open_mode(flags, ap);
  va_end(ap);
  VOPEN_BODY(real_open(real_, flags, mode));
}

EXPORT int open64(const char *path, int flags, ...) {
  ensure_init();
  va_list ap;
  va_start(ap, flags);
  mode_t mode = open_mode(flags, ap);
  va_end(ap);
  VOPEN_BODY(real_open64(real_, flags, mode));
}

/* The _FORTIFY_SOURCE entry points (libext2fs calls these). */
EXPORT int __open_2(const char *path, int flags) {
  ensure_init();
  mode_t mode = 0;
  VOPEN_BODY(real_open(real_, flags));
}

EXPORT int __open64_2(const char *path, int flags) {
  ensure_init();
  mode_t mode = 0;
  VOPEN_BODY(real_open64(real_, flags));
}

EXPORT int openat(int dirfd, const char *path, int flags, ...) {
  ensure_init();
  va_list ap;
  va_start(ap, flags);
  mode_t mode = open_mode(flags, ap);
  va_end(ap);
  if (dirfd != AT_FDCWD && path[0] != '/') return real_openat(dirfd, path, flags, mode);
  VOPEN_BODY(real_openat(AT_FDCWD, real_, flags, mode));
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...) {
  ensure_init();
  va_list ap;
  va_start(ap, flags);
  mode_t mode = open_mode(flags, ap);
  va_end(ap);
  if (dirfd != AT_FDCWD && path[0] != '/') return real_openat64(dirfd, path, flags, mode);
  VOPEN_BODY(real_openat64(AT_FDCWD, real_, flags, mode));
}

EXPORT ssize_t readlink(const char *path, char *out, size_t size) {
  ensure_init();
  long i = vresolve(path);
  if (i == V_ERR) return -1;
  if (i >= 0) {
    if (vn[i].kind != 'l') return errno = EINVAL, -1;
    size_t n = vn[i].payload_len < size ? vn[i].payload_len : size;
    memcpy(out, vn[i].payload, n);
    return (ssize_t)n;
  }
  char buf[PATH_MAX * 2];
  return real_readlink(vreal(path, buf, sizeof buf), out, size);
}

EXPORT ssize_t lgetxattr(const char *path, const char *name, void *value, size_t size) {
  ensure_init();
  long i = vresolve(path);
  if (i == V_ERR) return -1;
  if (i >= 0) return errno = ENODATA, -1;
  char buf[PATH_MAX * 2];
  return real_lgetxattr(vreal(path, buf, sizeof buf), name, value, size);
}

EXPORT ssize_t getxattr(const char *path, const char *name, void *value, size_t size) {
  ensure_init();
  long i = vresolve(path);
  if (i == V_ERR) return -1;
  if (i >= 0) return errno = ENODATA, -1;
  char buf[PATH_MAX * 2];
  return real_getxattr(vreal(path, buf, sizeof buf), name, value, size);
}

EXPORT ssize_t listxattr(const char *path, char *list, size_t size) {
  ensure_init();
  long i = vresolve(path);
  if (i == V_ERR) return -1;
  if (i >= 0) return 0;
  char buf[PATH_MAX * 2];
  return real_listxattr(vreal(path, buf, sizeof buf), list, size);
}

EXPORT DIR *opendir(const char *path) {
  ensure_init();
  long i = vresolve(path);
  if (i == V_ERR) return NULL;
  if (i >= 0) return errno = ENOTSUP, (DIR *)NULL; /* mke2fs uses scandir; never the empty ROOT */
  char buf[PATH_MAX * 2];
  return real_opendir(vreal(path, buf, sizeof buf));
}

EXPORT int access(const char *path, int how) {
  ensure_init();
  long i = vresolve(path);
  if (i == V_ERR) return -1;
  if (i >= 0) return how & W_OK ? (errno = EROFS, -1) : 0;
  char buf[PATH_MAX * 2];
  return real_access(vreal(path, buf, sizeof buf), how);
}

/* scandir of a virtual directory: ".", ".." and the children, filtered and sorted like
 * glibc's (compar, or byte order when none is given, as for the staged tree). */
#define VSCANDIR(i, namelist, filter, compar, DIRENT, bytes)                                    \
  do {                                                                                          \
    struct vnode *d_ = &vn[i];                                                                  \
    if (d_->kind != 'd') return errno = ENOTDIR, -1;                                            \
    size_t total_ = d_->nchild + 2, n_ = 0;                                                     \
    struct DIRENT **list_ = malloc((total_ ? total_ : 1) * sizeof *list_);                      \
    if (!list_) return errno = ENOMEM, -1;                                                      \
    for (size_t k_ = 0; k_ < total_; k_++) {                                                    \
      const char *nm_;                                                                          \
      unsigned char type_;                                                                      \
      uint64_t ino_;                                                                            \
      if (k_ < 2) {                                                                             \
        nm_ = k_ == 0 ? "." : "..";                                                             \
        type_ = DT_DIR;                                                                         \
        ino_ = k_ == 0 ? d_->ino : vn[d_->parent].ino;                                          \
      } else {                                                                                  \
        struct vnode *c_ = &vn[vchild[d_->first_child + k_ - 2]];                               \
        nm_ = c_->name;                                                                         \
        type_ = c_->kind == 'd' ? DT_DIR : c_->kind == 'l' ? DT_LNK : DT_REG;                   \
        ino_ = c_->ino;                                                                         \
      }                                                                                         \
      size_t len_ = strlen(nm_);                                                                \
      size_t sz_ = offsetof(struct DIRENT, d_name) + len_ + 1;                                  \
      if (sz_ < sizeof(struct DIRENT)) sz_ = sizeof(struct DIRENT);                             \
      struct DIRENT *e_ = calloc(1, sz_);                                                       \
      if (!e_) {                                                                                \
        for (size_t f_ = 0; f_ < n_; f_++) free(list_[f_]);                                     \
        free(list_);                                                                            \
        return errno = ENOMEM, -1;                                                              \
      }                                                                                         \
      e_->d_ino = ino_;                                                                         \
      e_->d_off = (int64_t)(k_ + 1);                                                            \
      e_->d_reclen = (unsigned short)(sz_ > 65535 ? 65535 : sz_);                               \
      e_->d_type = type_;                                                                       \
      memcpy(e_->d_name, nm_, len_ + 1);                                                        \
      if (filter && !filter(e_)) {                                                              \
        free(e_);                                                                               \
        continue;                                                                               \
      }                                                                                         \
      list_[n_++] = e_;                                                                         \
    }                                                                                           \
    qsort(list_, n_, sizeof *list_, (int (*)(const void *, const void *))(compar ? compar : bytes)); \
    *(namelist) = list_;                                                                        \
    return (int)n_;                                                                             \
  } while (0)


static __thread int initializing;

static void init(void) {
  initializing = 1;
  real_chdir = (int (*)(const char *))dlsym(RTLD_NEXT, "chdir");
  real_fchdir = (int (*)(int))dlsym(RTLD_NEXT, "fchdir");
  real_getcwd = (char *(*)(char *, size_t))dlsym(RTLD_NEXT, "getcwd");
  real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
  real_open64 = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open64");
  real_openat = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
  real_openat64 = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat64");
  real_readlink = (ssize_t (*)(const char *, char *, size_t))dlsym(RTLD_NEXT, "readlink");
  real_lgetxattr = (ssize_t (*)(const char *, const char *, void *, size_t))dlsym(RTLD_NEXT, "lgetxattr");
  real_getxattr = (ssize_t (*)(const char *, const char *, void *, size_t))dlsym(RTLD_NEXT, "getxattr");
  real_listxattr = (ssize_t (*)(const char *, char *, size_t))dlsym(RTLD_NEXT, "listxattr");
  real_opendir = (DIR * (*)(const char *)) dlsym(RTLD_NEXT, "opendir");
  real_access = (int (*)(const char *, int))dlsym(RTLD_NEXT, "access");
  real_lstat = (int (*)(const char *, struct stat *))dlsym(RTLD_NEXT, "lstat");
  real_stat = (int (*)(const char *, struct stat *))dlsym(RTLD_NEXT, "stat");
  real_lstat64 = (int (*)(const char *, struct stat64 *))dlsym(RTLD_NEXT, "lstat64");
  real_stat64 = (int (*)(const char *, struct stat64 *))dlsym(RTLD_NEXT, "stat64");
  real_llistxattr = (ssize_t (*)(const char *, char *, size_t))dlsym(RTLD_NEXT, "llistxattr");
  real_scandir = (int (*)(const char *, struct dirent ***, filter_fn, compar_fn))dlsym(RTLD_NEXT, "scandir");
  real_scandir64 =
      (int (*)(const char *, struct dirent64 ***, filter64_fn, compar64_fn))dlsym(RTLD_NEXT, "scandir64");
  real_jrand48 = (long (*)(unsigned short[3]))dlsym(RTLD_NEXT, "jrand48");
  init_image();
  pthread_atfork(atfork_prepare, NULL, atfork_child);
  const char *r = getenv("IMGSMITH_SHIM_ROOT");
  if (!r || !*r) return;
  if (!real_lstat || !real_scandir) die("cannot find the libc functions to wrap");
  size_t len = strlen(r);
  if (len >= sizeof root || r[0] != '/') die("IMGSMITH_SHIM_ROOT must be an absolute path");
  memcpy(root, r, len + 1);
  while (len > 1 && root[len - 1] == '/') root[--len] = 0;
  root_len = len;
  const char *e = getenv("IMGSMITH_SHIM_EPOCH");
  epoch = e ? (time_t)strtoll(e, NULL, 10) : 0;
  const char *s = getenv("IMGSMITH_SHIM_SEED");
  seed = fnv1a(s ? s : "");
  const char *l = getenv("IMGSMITH_SHIM_LIST");
  const char *virt = getenv("IMGSMITH_SHIM_VIRTUAL");
  if (virt && strcmp(virt, "1") == 0) {
    if (!l || !*l) die("IMGSMITH_SHIM_VIRTUAL needs IMGSMITH_SHIM_LIST");
    if (!real_chdir || !real_getcwd || !real_open || !real_open64 || !real_openat || !real_openat64 || !real_readlink ||
        !real_opendir || !real_access || !real_stat || !real_stat64 || !real_lgetxattr || !real_getxattr || !real_listxattr)
      die("cannot find the libc functions to wrap for the virtual tree");
    struct stat rst;
    if (real_stat(root, &rst) != 0 || !S_ISDIR(rst.st_mode)) die("IMGSMITH_SHIM_ROOT is not a directory");
    vdev = rst.st_dev;
    load_vlist(l);
    vactive = 1;
  } else if (l && *l) {
    load_list(l);
  }
  const char *nf = getenv("IMGSMITH_SHIM_NFTW");
  if (nf && strcmp(nf, "0") == 0) serve_nftw = 0;
  const char *rep = getenv("IMGSMITH_SHIM_REPORT");
  if (rep && *rep) report_file = rep;
  active = 1;
  initializing = 0;
}

/* At exit: everything pending reaches the image and the log, then the report tells the
 * caller the shim was loaded and used (see IMGSMITH_SHIM_REPORT). The first process to
 * exit writes it (the tool, not a wrapper around it that also got LD_PRELOAD). */
__attribute__((destructor)) static void at_exit(void) {
  end_image();
  if (!active || !report_file) return;
  int fd = open(report_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return;
  char buf[128];
  int n = vactive ? snprintf(buf, sizeof buf, "faked %lu\nvirtual %lu of %lu\n", faked, nseen, (unsigned long)(nvn - 1))
                  : snprintf(buf, sizeof buf, "faked %lu\nserved %lu of %lu\n", faked, served, (unsigned long)nrecords);
  if (n > 0) {
    ssize_t w = write(fd, buf, (size_t)n); /* a short report reads as "not loaded" */
    (void)w;
  }
  close(fd);
}

/* Not from inside init (which opens and closes files through our wrappers). */
static void ensure_init(void) {
  if (!initializing) pthread_once(&once, init);
}

/* The path relative to root ("" for root itself), or NULL if `path` is not under root. */
static const char *relative(const char *path, char *buf, size_t bufsize) {
  const char *abs = path;
  if (path[0] != '/') {
    if (!getcwd(buf, bufsize)) return NULL;
    size_t n = strlen(buf);
    if (strcmp(path, ".") != 0) {
      if (n + 1 + strlen(path) + 1 > bufsize) return NULL;
      if (n > 1) buf[n++] = '/';
      strcpy(buf + n, path);
    }
    abs = buf;
  }
  if (strncmp(abs, root, root_len) != 0) return NULL;
  if (abs[root_len] == 0) return "";
  if (abs[root_len] != '/') return NULL;
  return abs + root_len + 1;
}

/* Applies the fake values to a struct stat or struct stat64 (same field names). */
#define FAKE(path, st)                                                                          \
  do {                                                                                          \
    char buf_[PATH_MAX * 2];                                                                    \
    const char *rel_ = relative(path, buf_, sizeof buf_);                                       \
    if (!rel_) break;                                                                           \
    (st)->st_uid = 0;                                                                           \
    (st)->st_gid = 0;                                                                           \
    (st)->st_atim.tv_sec = (st)->st_mtim.tv_sec = (st)->st_ctim.tv_sec = epoch;                 \
    (st)->st_atim.tv_nsec = (st)->st_mtim.tv_nsec = (st)->st_ctim.tv_nsec = 0;                  \
    struct record key_ = {rel_, 0, 0, 0, 0};                                                     \
    struct record *found_ =                                                                     \
        nrecords ? bsearch(&key_, records, nrecords, sizeof *records, cmp_records) : NULL;      \
    if (found_) {                                                                               \
      (st)->st_mode = ((st)->st_mode & S_IFMT) | (found_->mode & 07777);                        \
      (st)->st_ino = found_->ino;                                                               \
      if (!S_ISDIR((st)->st_mode)) (st)->st_nlink = found_->nlink;                              \
      if (!__atomic_exchange_n(&found_->seen, 1, __ATOMIC_RELAXED))                             \
        __atomic_add_fetch(&served, 1, __ATOMIC_RELAXED);                                       \
    } else if (!S_ISDIR((st)->st_mode)) {                                                       \
      (st)->st_nlink = 1; /* not in the list: never a hard link */                              \
    }                                                                                           \
    __atomic_add_fetch(&faked, 1, __ATOMIC_RELAXED);                                            \
  } while (0)

EXPORT int lstat(const char *path, struct stat *st) {
  ensure_init();
  if (vactive) {
    long i = vresolve(path);
    if (i == V_ERR) return -1;
    if (i >= 0) return vstat(i, st, 0);
    char buf[PATH_MAX * 2];
    path = vreal(path, buf, sizeof buf);
    return real_lstat(path, st);
  }
  int r = real_lstat ? real_lstat(path, st) : (errno = ENOSYS, -1);
  if (r == 0 && active) FAKE(path, st);
  return r;
}

EXPORT int stat(const char *path, struct stat *st) {
  ensure_init();
  if (vactive) {
    long i = vresolve(path);
    if (i == V_ERR) return -1;
    if (i >= 0) return vstat(i, st, 1);
    char buf[PATH_MAX * 2];
    path = vreal(path, buf, sizeof buf);
    return real_stat(path, st);
  }
  int r = real_stat ? real_stat(path, st) : (errno = ENOSYS, -1);
  if (r == 0 && active) FAKE(path, st);
  return r;
}

EXPORT int lstat64(const char *path, struct stat64 *st) {
  ensure_init();
  if (vactive) {
    long i = vresolve(path);
    if (i == V_ERR) return -1;
    if (i >= 0) return vstat64(i, st, 0);
    char buf[PATH_MAX * 2];
    path = vreal(path, buf, sizeof buf);
    return real_lstat64(path, st);
  }
  int r = real_lstat64 ? real_lstat64(path, st) : (errno = ENOSYS, -1);
  if (r == 0 && active) FAKE(path, st);
  return r;
}

EXPORT int stat64(const char *path, struct stat64 *st) {
  ensure_init();
  if (vactive) {
    long i = vresolve(path);
    if (i == V_ERR) return -1;
    if (i >= 0) return vstat64(i, st, 1);
    char buf[PATH_MAX * 2];
    path = vreal(path, buf, sizeof buf);
    return real_stat64(path, st);
  }
  int r = real_stat64 ? real_stat64(path, st) : (errno = ENOSYS, -1);
  if (r == 0 && active) FAKE(path, st);
  return r;
}

static int byte_order(const struct dirent **a, const struct dirent **b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

static int byte_order64(const struct dirent64 **a, const struct dirent64 **b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

EXPORT int scandir(const char *dir, struct dirent ***namelist, filter_fn filter, compar_fn compar) {
  ensure_init();
  if (!real_scandir) return errno = ENOSYS, -1;
  if (vactive) {
    long i = vresolve(dir);
    if (i == V_ERR) return -1;
    if (i >= 0) VSCANDIR(i, namelist, filter, compar, dirent, byte_order);
    char buf[PATH_MAX * 2];
    return real_scandir(vreal(dir, buf, sizeof buf), namelist, filter, compar);
  }
  return real_scandir(dir, namelist, filter, compar || !active ? compar : byte_order);
}

EXPORT int scandir64(const char *dir, struct dirent64 ***namelist, filter64_fn filter, compar64_fn compar) {
  ensure_init();
  if (!real_scandir64) return errno = ENOSYS, -1;
  if (vactive) {
    long i = vresolve(dir);
    if (i == V_ERR) return -1;
    if (i >= 0) VSCANDIR(i, namelist, filter, compar, dirent64, byte_order64);
    char buf[PATH_MAX * 2];
    return real_scandir64(vreal(dir, buf, sizeof buf), namelist, filter, compar);
  }
  return real_scandir64(dir, namelist, filter, compar || !active ? compar : byte_order64);
}

EXPORT ssize_t llistxattr(const char *path, char *list, size_t size) {
  ensure_init();
  if (vactive) {
    long i = vresolve(path);
    if (i == V_ERR) return -1;
    if (i >= 0) return 0;
    char buf[PATH_MAX * 2];
    return real_llistxattr(vreal(path, buf, sizeof buf), list, size);
  }
  if (active) {
    char buf[PATH_MAX * 2];
    if (relative(path, buf, sizeof buf)) return 0; /* no xattrs: host labels/ACLs stay out */
  }
  if (!real_llistxattr) return errno = ENOSYS, -1;
  return real_llistxattr(path, list, size);
}

EXPORT time_t time(time_t *t) {
  ensure_init();
  time_t now;
  if (active) {
    now = epoch;
  } else {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    now = ts.tv_sec;
  }
  if (t) *t = now;
  return now;
}

static uint64_t uuid_state;
static uint64_t rand_state;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

EXPORT void uuid_generate(unsigned char out[16]) {
  ensure_init();
  pthread_mutex_lock(&lock);
  if (!active) {
    /* Not ours to fake: random like libuuid. */
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, out, 16) != 16) die("cannot read /dev/urandom");
    close(fd);
  } else {
    if (uuid_state == 0) uuid_state = seed ^ 0x75756964ULL;
    uint64_t a = splitmix64(&uuid_state), b = splitmix64(&uuid_state);
    memcpy(out, &a, 8);
    memcpy(out + 8, &b, 8);
  }
  pthread_mutex_unlock(&lock);
  out[6] = (out[6] & 0x0f) | 0x40; /* version 4 */
  out[8] = (out[8] & 0x3f) | 0x80; /* RFC 4122 variant */
}

EXPORT long jrand48(unsigned short xsubi[3]) {
  ensure_init();
  if (!active && real_jrand48) return real_jrand48(xsubi);
  pthread_mutex_lock(&lock);
  if (rand_state == 0) rand_state = seed ^ 0x72616e64ULL;
  uint64_t v = splitmix64(&rand_state);
  pthread_mutex_unlock(&lock);
  return (long)(int32_t)(uint32_t)(v >> 32);
}

/* ---- nftw ----
 *
 * btrfs-progs 6.10+ fills the filesystem with nftw(rootdir, fn, n, FTW_PHYS). glibc's nftw
 * stats the entries inside libc, where LD_PRELOAD cannot reach, and visits each
 * directory in the host's readdir order: the image would get the host's owners, times
 * and inode numbers (btrfs-progs numbers inodes in visiting order and finds hard links
 * by st_dev/st_ino/st_nlink). So a walk of a path under ROOT is served here: every entry
 * is stat'ed through the faked lstat/stat above (counted in `served`), and the entries
 * of a directory are visited in byte order of their names. The callback sees what glibc
 * would pass: the path (the start as given, then "<dir>/<name>"), the struct stat,
 * the type flag (FTW_F, FTW_D, FTW_DP with FTW_DEPTH, FTW_SL with FTW_PHYS, FTW_SLN,
 * FTW_DNR, FTW_NS) and struct FTW (offset of the last name, depth from the start).
 * FTW_PHYS, FTW_MOUNT, FTW_DEPTH, FTW_CHDIR and FTW_ACTIONRETVAL are honoured. Walks of
 * other paths, and every walk in the virtual-tree mode, are glibc's. */

typedef int (*nftw_fn)(const char *, const struct stat *, int, struct FTW *);
typedef int (*nftw64_fn)(const char *, const struct stat64 *, int, struct FTW *);

struct walk {
  int is64;
  nftw_fn fn;
  nftw64_fn fn64;
  int flags;
  dev_t dev;      /* the start's device (FTW_MOUNT) */
  char *path;     /* the current path, NUL-terminated */
  size_t cap;
  int stopped;    /* the callback asked to stop (or an error): `result` is nftw's return */
  int result;
  int cwd;        /* FTW_CHDIR: the caller's working directory (paths are relative to it) */
};

union anystat {
  struct stat st;
  struct stat64 st64;
};

static int walk_stat(struct walk *w, int follow, union anystat *s) {
  if (w->is64) return follow ? stat64(w->path, &s->st64) : lstat64(w->path, &s->st64);
  return follow ? stat(w->path, &s->st) : lstat(w->path, &s->st);
}

static mode_t walk_mode(struct walk *w, const union anystat *s) { return w->is64 ? s->st64.st_mode : s->st.st_mode; }
static dev_t walk_dev(struct walk *w, const union anystat *s) { return w->is64 ? s->st64.st_dev : s->st.st_dev; }

/* Calls the callback; returns its value (the walk stops unless it is a "go on" value). */
static int walk_call(struct walk *w, size_t len, size_t base, int level, int type, const union anystat *s) {
  if (w->flags & FTW_CHDIR) {
    /* The callback runs in the directory that holds the entry. */
    int r = fchdir(w->cwd); /* a relative path is relative to the caller's directory */
    if (r == 0 && type == FTW_DP) {
      r = chdir(w->path); /* glibc: after its entries, inside the directory itself */
    } else if (r == 0 && base > 0) {
      char save = w->path[base];
      w->path[base] = 0;
      r = chdir(w->path);
      w->path[base] = save;
    }
    if (r < 0) {
      w->stopped = 1;
      w->result = -1;
      return -1;
    }
  }
  (void)len;
  struct FTW f = {(int)base, level};
  int r = w->is64 ? w->fn64(w->path, &s->st64, type, &f) : w->fn(w->path, &s->st, type, &f);
  if (w->flags & FTW_ACTIONRETVAL) {
    /* As glibc: any value but CONTINUE and the two SKIPs ends the walk and is returned. */
    if (r != FTW_CONTINUE && r != FTW_SKIP_SUBTREE && r != FTW_SKIP_SIBLINGS) {
      w->stopped = 1;
      w->result = r;
    }
  } else if (r != 0) {
    w->stopped = 1;
    w->result = r;
  }
  return r;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Visits w->path (length len, last name at base, depth level) and what is under it.
 * Returns FTW_SKIP_SIBLINGS when the callback said so (with FTW_ACTIONRETVAL), else 0;
 * w->stopped ends the walk. */
static int walk_node(struct walk *w, size_t len, size_t base, int level) {
  /* FTW_CHDIR: the callbacks moved the cwd; the path is relative to the caller's. */
  if (w->cwd >= 0 && fchdir(w->cwd) < 0) {
    w->stopped = 1;
    w->result = -1;
    return 0;
  }
  union anystat s;
  memset(&s, 0, sizeof s);
  int follow = !(w->flags & FTW_PHYS);
  int type;
  if (walk_stat(w, follow, &s) < 0) {
    int err = errno;
    union anystat l;
    if (follow && err == ENOENT && walk_stat(w, 0, &l) == 0 && S_ISLNK(walk_mode(w, &l))) {
      s = l;
      type = FTW_SLN;
    } else if (level == 0) {
      w->stopped = 1;
      w->result = -1;
      errno = err;
      return 0;
    } else {
      type = FTW_NS;
    }
  } else if (S_ISDIR(walk_mode(w, &s))) {
    type = FTW_D;
  } else if (S_ISLNK(walk_mode(w, &s))) {
    type = follow ? FTW_SLN : FTW_SL;
  } else {
    type = FTW_F;
  }
  if (level == 0) w->dev = walk_dev(w, &s);
  else if ((w->flags & FTW_MOUNT) && type != FTW_NS && walk_dev(w, &s) != w->dev) return 0;
  if (type != FTW_D) {
    int r = walk_call(w, len, base, level, type, &s);
    return (w->flags & FTW_ACTIONRETVAL) && r == FTW_SKIP_SIBLINGS ? FTW_SKIP_SIBLINGS : 0;
  }

  /* A directory: its names, sorted. */
  DIR *d = opendir(w->path);
  if (!d) {
    int r = walk_call(w, len, base, level, FTW_DNR, &s);
    return (w->flags & FTW_ACTIONRETVAL) && r == FTW_SKIP_SIBLINGS ? FTW_SKIP_SIBLINGS : 0;
  }
  char **names = NULL;
  size_t n = 0, ncap = 0;
  struct dirent *e;
  int fail = 0;
  errno = 0;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0))) continue;
    if (n == ncap) {
      size_t c = ncap ? ncap * 2 : 16;
      char **nn = realloc(names, c * sizeof *nn);
      if (!nn) {
        fail = ENOMEM;
        break;
      }
      names = nn;
      ncap = c;
    }
    if (!(names[n] = strdup(e->d_name))) {
      fail = ENOMEM;
      break;
    }
    n++;
  }
  if (!fail && errno) fail = errno;
  closedir(d);
  int ret = 0;
  if (fail) {
    w->stopped = 1;
    w->result = -1;
    errno = fail;
    goto out;
  }
  qsort(names, n, sizeof *names, cmp_names);

  if (!(w->flags & FTW_DEPTH)) {
    int r = walk_call(w, len, base, level, FTW_D, &s);
    if (w->stopped) goto out;
    if (w->flags & FTW_ACTIONRETVAL) {
      if (r == FTW_SKIP_SUBTREE) goto out;
      if (r == FTW_SKIP_SIBLINGS) {
        ret = FTW_SKIP_SIBLINGS;
        goto out;
      }
    }
  }
  for (size_t i = 0; i < n; i++) {
    size_t nl = strlen(names[i]);
    size_t sep = len > 0 && w->path[len - 1] == '/' ? 0 : 1;
    if (len + sep + nl + 1 > w->cap) {
      size_t c = (len + sep + nl + 1) * 2;
      char *np = realloc(w->path, c);
      if (!np) {
        w->stopped = 1;
        w->result = -1;
        errno = ENOMEM;
        goto out;
      }
      w->path = np;
      w->cap = c;
    }
    if (sep) w->path[len] = '/';
    memcpy(w->path + len + sep, names[i], nl + 1);
    int r = walk_node(w, len + sep + nl, len + sep, level + 1);
    w->path[len] = 0;
    if (w->stopped) goto out;
    if (r == FTW_SKIP_SIBLINGS) break;
  }
  if (w->flags & FTW_DEPTH) {
    int r = walk_call(w, len, base, level, FTW_DP, &s);
    if (!w->stopped && (w->flags & FTW_ACTIONRETVAL) && r == FTW_SKIP_SIBLINGS) ret = FTW_SKIP_SIBLINGS;
  }
out:
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  return ret;
}

/* Whether a walk of `dir` is ours to serve (a path under ROOT, not the virtual tree). */
static int walk_is_ours(const char *dir) {
  if (!active || vactive || !serve_nftw || !dir || !*dir) return 0;
  char buf[PATH_MAX * 2];
  return relative(dir, buf, sizeof buf) != NULL;
}

static int walk_run(struct walk *w, const char *dir) {
  size_t len = strlen(dir);
  while (len > 1 && dir[len - 1] == '/') len--; /* as glibc: "dir/" is reported as "dir" */
  w->cap = len + 256;
  w->path = malloc(w->cap);
  if (!w->path) return errno = ENOMEM, -1;
  memcpy(w->path, dir, len);
  w->path[len] = 0;
  /* The last name's offset: after the last '/'. */
  size_t base = len;
  while (base > 0 && w->path[base - 1] != '/') base--;
  w->cwd = -1;
  if (w->flags & FTW_CHDIR) {
    w->cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (w->cwd < 0) {
      free(w->path);
      return -1;
    }
  }
  walk_node(w, len, base, 0);
  int err = errno;
  if (w->cwd >= 0) {
    if (fchdir(w->cwd) < 0 && !w->stopped) {
      w->stopped = 1;
      w->result = -1;
      err = errno;
    }
    close(w->cwd);
  }
  free(w->path);
  errno = err;
  return w->stopped ? w->result : 0;
}

EXPORT int nftw(const char *dir, nftw_fn fn, int nopenfd, int flags) {
  ensure_init();
  if (!walk_is_ours(dir)) {
    static int (*real_nftw)(const char *, nftw_fn, int, int);
    if (!real_nftw) real_nftw = (int (*)(const char *, nftw_fn, int, int))dlsym(RTLD_NEXT, "nftw");
    if (!real_nftw) return errno = ENOSYS, -1;
    return real_nftw(dir, fn, nopenfd, flags);
  }
  struct walk w = {0};
  w.fn = fn;
  w.flags = flags;
  return walk_run(&w, dir);
}

EXPORT int nftw64(const char *dir, nftw64_fn fn, int nopenfd, int flags) {
  ensure_init();
  if (!walk_is_ours(dir)) {
    static int (*real_nftw64)(const char *, nftw64_fn, int, int);
    if (!real_nftw64) real_nftw64 = (int (*)(const char *, nftw64_fn, int, int))dlsym(RTLD_NEXT, "nftw64");
    if (!real_nftw64) return errno = ENOSYS, -1;
    return real_nftw64(dir, fn, nopenfd, flags);
  }
  struct walk w = {0};
  w.is64 = 1;
  w.fn64 = fn;
  w.flags = flags;
  return walk_run(&w, dir);
}

/* ---- Inode flags ----
 * mke2fs -d from 1.47.3 on reads each source's inode flags (fgetflags: open, then
 * ioctl(FS_IOC_GETFLAGS)) and copies them into the image: host `chattr +d`, +A, +i...
 * would leak. While the shim is active every such query answers "no flags", and
 * FS_IOC_FSGETXATTR no xflags and project 0. */
static int (*real_ioctl)(int, unsigned long, ...);

EXPORT int ioctl(int fd, unsigned long req, ...) {
  va_list ap;
  va_start(ap, req);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  if (!real_ioctl) real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
  ensure_init();
  if (active && arg && (req == FS_IOC_GETFLAGS || req == FS_IOC32_GETFLAGS)) {
    *(int *)arg = 0;
    return 0;
  }
  if (active && arg && req == FS_IOC_FSGETXATTR) {
    memset(arg, 0, sizeof(struct fsxattr));
    return 0;
  }
  return real_ioctl(fd, req, arg);
}
