/*
 * fileio: whole-file reads with size and type checks.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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
