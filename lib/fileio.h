/*
 * fileio: reading a small regular file whole.
 */
#ifndef DROVER_FILEIO_H
#define DROVER_FILEIO_H

#include <stddef.h>

/*
 * Reads the regular file path (relative to directory fd dfd, or AT_FDCWD)
 * into a new NUL-terminated buffer (free()).  Refuses non-regular files
 * (EINVAL), files over max bytes (EFBIG) and, with nofollow, symbolic
 * links.  Returns 0, or -1 with errno.
 */
int file_read(int dfd, const char *path, size_t max, int nofollow, char **out,
    size_t *len);

#endif
