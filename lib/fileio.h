/*
 * fileio: reading a small regular file whole; writing one atomically;
 * making directories.
 */
#ifndef DROVER_FILEIO_H
#define DROVER_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Reads the regular file path (relative to directory fd dfd, or AT_FDCWD)
 * into a new NUL-terminated buffer (free()).  Refuses non-regular files
 * (EINVAL), files over max bytes (EFBIG) and, with nofollow, symbolic
 * links.  Returns 0, or -1 with errno.
 */
int file_read(int dfd, const char *path, size_t max, int nofollow, char **out,
    size_t *len);

/*
 * Replaces path with len bytes of buf durably: write tmp (mode 0600;
 * NULL: "PATH.tmp"), fsync, rename over path, fsync path's directory
 * (rename is atomic on local file systems; the directory fsync makes the
 * rename itself survive a crash).  On failure tmp is removed and path is
 * untouched.  0, or -1 with errno.
 */
int file_write_atomic(
    const char *path, const char *tmp, const void *buf, size_t len);

/* mkdir -p: missing parents get mode 0755, the last component mode.
 * An existing directory is fine.  0, or -1 with errno. */
int file_mkdirs(const char *path, mode_t mode);

#endif
