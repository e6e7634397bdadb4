/*
 * fileio: whole-file reads with size and type checks; atomic replacement
 * (a temporary file, fsync, rename, fsync of the directory).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fileio.h"

int
file_read(int dfd, const char *path, size_t max, int nofollow, char **out,
    size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t r;
	int fd, ret = -1, saved;

	fd = openat(
	    dfd, path, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto close_fd;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto close_fd;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		goto close_fd;
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto close_fd;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
	ret = 0;
close_fd:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return ret;
}

int
file_mkdirs(const char *path, mode_t mode)
{
	char buf[4096], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, mode) == -1 && errno != EEXIST ? -1 : 0;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, buf, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int
file_atomic_open(struct file_atomic *fa, const char *path, const char *tmp)
{
	int n;

	fa->fd = -1;
	n = tmp != NULL ? snprintf(fa->tmp, sizeof(fa->tmp), "%s", tmp)
			: snprintf(fa->tmp, sizeof(fa->tmp), "%s.tmp", path);
	if (n >= (int)sizeof(fa->tmp) ||
	    snprintf(fa->path, sizeof(fa->path), "%s", path) >=
		(int)sizeof(fa->path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fa->fd = open(fa->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	return fa->fd == -1 ? -1 : 0;
}

void
file_atomic_abort(struct file_atomic *fa)
{
	int saved = errno;

	if (fa->fd != -1) {
		close(fa->fd);
		fa->fd = -1;
		unlink(fa->tmp);
	}
	errno = saved;
}

int
file_atomic_write(struct file_atomic *fa, const void *buf, size_t len)
{
	if (fa->fd == -1) {
		errno = EBADF;
		return -1;
	}
	if (write_all(fa->fd, buf, len) == -1) {
		file_atomic_abort(fa);
		return -1;
	}
	return 0;
}

int
file_atomic_commit(struct file_atomic *fa)
{
	char dir[4096];
	int fd = fa->fd, dfd, saved;

	if (fd == -1) {
		errno = EBADF;
		return -1;
	}
	if (fsync(fd) == -1) {
		file_atomic_abort(fa);
		return -1;
	}
	fa->fd = -1;
	if (close(fd) == -1 || rename(fa->tmp, fa->path) == -1) {
		saved = errno;
		unlink(fa->tmp);
		errno = saved;
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", fa->path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1)
		return -1;
	saved = fsync(dfd);
	close(dfd);
	return saved;
}

int
file_write_atomic(
    const char *path, const char *tmp, const void *buf, size_t len)
{
	struct file_atomic fa;

	if (file_atomic_open(&fa, path, tmp) == -1 ||
	    file_atomic_write(&fa, buf, len) == -1)
		return -1;
	return file_atomic_commit(&fa);
}
