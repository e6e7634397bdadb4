/*
 * dirlock: a record lock on DIR/.drover.lock; see dirlock.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/dirlock.h"

/* The pid written in the lock file; 0 when it holds none. */
static pid_t
pid_in_file(int fd)
{
	char buf[32];
	ssize_t n;
	long v;
	char *end;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || v <= 0 ||
	    (*end != '\n' && *end != '\0'))
		return 0;
	return (pid_t)v;
}

/* Who holds the lock that refused ours: the kernel's answer, else the
 * file's. */
static pid_t
holder_of(int fd, short type)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET};

	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK &&
	    fl.l_pid > 0)
		return fl.l_pid;
	return pid_in_file(fd);
}

int
dirlock_take(struct dirlock *l, const char *dir)
{
	struct flock fl = {.l_whence = SEEK_SET};
	char pid[32];
	int fd, saved, len;
	ssize_t n;

	l->fd = -1;
	l->shared = false;
	l->holder = 0;
	if (snprintf(l->path, sizeof(l->path), "%s/" DIRLOCK_NAME, dir) >=
	    (int)sizeof(l->path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd == -1 && (errno == EROFS || errno == EACCES)) {
		/* a read-only directory: share an existing lock file */
		saved = errno;
		fd = open(l->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd == -1 && errno == ENOENT)
			errno = saved; /* none there: say why none was made */
		l->shared = true;
	}
	if (fd == -1)
		return -1;
	fl.l_type = l->shared ? F_RDLCK : F_WRLCK;
	if (fcntl(fd, F_SETLK, &fl) == -1) {
		saved = errno == EACCES ? EAGAIN : errno;
		if (saved == EAGAIN)
			l->holder = holder_of(fd, fl.l_type);
		close(fd);
		errno = saved;
		return -1;
	}
	if (!l->shared) {
		len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
		/* for humans only: the lock is what counts, so a failed
		 * write changes nothing */
		n = ftruncate(fd, 0) == 0 ? pwrite(fd, pid, (size_t)len, 0) : 0;
		(void)n;
	}
	l->fd = fd;
	return 0;
}

void
dirlock_release(struct dirlock *l)
{
	if (l->fd == -1)
		return;
	close(l->fd);
	l->fd = -1;
}
