/*
 * test/btrfs.test.ts: prints every nftw() callback (type, level, base, mode, path and, with
 * retmode & 1, the cwd) so that glibc's nftw and the mkfs shim's can be compared.
 *   nftw-probe <dir> <flags> <retmode>
 * retmode & 2: return FTW_SKIP_SUBTREE for "skipme", FTW_SKIP_SIBLINGS for "sib";
 * retmode & 4: stop at "stop" (FTW_STOP with FTW_ACTIONRETVAL semantics, else 42).
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>
static int retmode;
static int cb(const char *p, const struct stat *st, int type, struct FTW *f) {
  char cwd[PATH_MAX] = "";
  if (retmode & 1) { if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "?"); }
  printf("%d %d %d %o %s %s\n", type, f->level, f->base, (unsigned)(type == FTW_NS ? 0 : st->st_mode), p, cwd);
  const char *b = p + f->base;
  if (retmode & 2) {
    if (!strcmp(b, "skipme")) return FTW_SKIP_SUBTREE;
    if (!strcmp(b, "sib")) return FTW_SKIP_SIBLINGS;
  }
  if ((retmode & 4) && !strcmp(b, "stop")) return (retmode & 2) ? FTW_STOP : 42;
  return 0;
}
int main(int argc, char **argv) {
  int flags = atoi(argv[2]);
  retmode = atoi(argv[3]);
  int r = nftw(argv[1], cb, 8, flags);
  printf("ret %d\n", r);
  return 0;
}
