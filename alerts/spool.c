/*
 * spool: durable small files (see spool.h).  The protocol is the classic
 * write-temp / fsync / rename / fsync-dir; rename(2) is atomic on every
 * local file system, and the directory fsync makes the rename (and
 * unlink) itself durable.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "lib/log.h"
#include "alerts/spool.h"

#define SPOOL_MAX_ENTRY (1u << 20) /* bytes; larger files are not ours */
#define SPOOL_TMP ".tmp-"

static int
fsync_dir(const char *dir)
{
	int fd, ret;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

int
spool_init(const char *dir)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0700) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

int
spool_put(const char *dir, const char *name, const void *buf, size_t len)
{
	char tmp[PATH_MAX], path[PATH_MAX];

	if (name[0] == '.' || strchr(name, '/') != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (snprintf(tmp, sizeof(tmp), "%s/" SPOOL_TMP "%s", dir, name) >=
		(int)sizeof(tmp) ||
	    snprintf(path, sizeof(path), "%s/%s", dir, name) >=
		(int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return file_write_atomic(path, tmp, buf, len);
}

int
spool_remove(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT)
		return -1;
	return fsync_dir(dir);
}

int
spool_quarantine(const char *dir, const char *name)
{
	char path[PATH_MAX], bad[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
		(int)sizeof(path) ||
	    snprintf(bad, sizeof(bad), "%s/%s.bad", dir, name) >=
		(int)sizeof(bad)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (rename(path, bad) == -1)
		return -1;
	return fsync_dir(dir);
}

int
spool_scan(const char *dir, const char *suffix, spool_cb cb, void *arg)
{
	struct dirent **names = NULL;
	size_t sl = strlen(suffix), nl, len;
	char *buf;
	int i, n, dfd, count = 0;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1)
		return -1;
	n = scandir(dir, &names, NULL, alphasort);
	if (n == -1) {
		close(dfd);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		nl = strlen(name);
		if (strncmp(name, SPOOL_TMP, strlen(SPOOL_TMP)) == 0) {
			log_info("spool: %s/%s: removing a write that a crash "
				 "interrupted",
			    dir, name);
			unlinkat(dfd, name, 0);
		} else if (name[0] != '.' && nl > sl &&
			   strcmp(name + nl - sl, suffix) == 0) {
			if (file_read(dfd, name, SPOOL_MAX_ENTRY, 1, &buf,
				&len) == -1)
				log_warn("spool: %s/%s: skipped", dir, name);
			else {
				cb(name, buf, len, arg);
				free(buf);
				count++;
			}
		}
		free(names[i]);
	}
	free(names);
	close(dfd);
	return count;
}
