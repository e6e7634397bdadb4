/*
 * secret: the first line of a file only its owner may read; see secret.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/secret.h"

enum secret_err
secret_read(
    const char *path, int nofollow, size_t max, char **out, unsigned *mode)
{
	enum secret_err ret = SECRET_OK;
	struct stat st;
	char buf[4096];
	ssize_t n;
	int fd, saved;

	*out = NULL;
	*mode = 0;
	if (max >= sizeof(buf))
		max = sizeof(buf) - 1;
	fd = open(path, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	if (fd == -1)
		return SECRET_OPEN;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return SECRET_NOT_REGULAR;
	}
	*mode = (unsigned)(st.st_mode & 07777);
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		close(fd);
		return SECRET_MODE;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	saved = errno;
	close(fd);
	if (n < 0) {
		errno = saved;
		return SECRET_READ;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0')
		ret = SECRET_EMPTY;
	else if (strlen(buf) > max)
		ret = SECRET_TOO_LONG;
	else if ((*out = strdup(buf)) == NULL) {
		ret = SECRET_READ;
		saved = ENOMEM;
	}
	explicit_bzero(buf, sizeof(buf));
	if (ret == SECRET_READ)
		errno = saved;
	return ret;
}

void
secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
