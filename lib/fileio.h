/*
 * fileio: reading a small regular file whole; writing one atomically,
 * whole or piece by piece; making directories.
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

/*
 * The same, written piece by piece (a text too big to hold at once):
 * file_atomic_open creates the temporary file (tmp, or "PATH.tmp" when
 * NULL; mode 0600), file_atomic_write appends to it, file_atomic_commit
 * fsyncs it, renames it over path and fsyncs the directory, and
 * file_atomic_abort closes and removes it.  A failed write or commit
 * removes the temporary file itself; path is untouched until the rename.
 * All blocking; 0, or -1 with errno.
 */
struct file_atomic {
	int fd; /* the temporary file's; -1: none open */
	char path[4096];
	char tmp[4096];
};

int file_atomic_open(struct file_atomic *fa, const char *path, const char *tmp);
int file_atomic_write(struct file_atomic *fa, const void *buf, size_t len);
int file_atomic_commit(struct file_atomic *fa);
void file_atomic_abort(struct file_atomic *fa);

/* mkdir -p: missing parents get mode 0755, the last component mode.
 * An existing directory is fine.  0, or -1 with errno. */
int file_mkdirs(const char *path, mode_t mode);

#endif
