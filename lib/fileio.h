/*
 * fileio: reading a small regular file whole; making directories.
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

/* mkdir -p: missing parents get mode 0755, the last component mode.
 * An existing directory is fine.  0, or -1 with errno. */
int file_mkdirs(const char *path, mode_t mode);

#endif
