/*
 * fuzz: helpers of the fuzz targets (see fuzz.h).
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "tests/fuzz/fuzz.h"

char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

void
fuzz_split(struct fuzz_parts *p, const uint8_t *data, size_t size)
{
	size_t i, start = 0;

	p->buf = fuzz_str(data, size);
	p->n = 0;
	for (i = 0; i < size && p->n + 1 < FUZZ_PARTS; i++)
		if (p->buf[i] == '\0') {
			p->v[p->n++] = p->buf + start;
			start = i + 1;
		}
	p->v[p->n++] = p->buf + start;
	for (i = p->n; i < FUZZ_PARTS; i++)
		p->v[i] = "";
}

void
fuzz_parts_free(struct fuzz_parts *p)
{
	free(p->buf);
	p->buf = NULL;
}

void
fuzz_quiet(void)
{
	static FILE *null;

	if (null == NULL)
		null = fopen("/dev/null", "w");
	if (null != NULL)
		log_set_stream(null);
}

static char tmpdir[PATH_MAX];

void
fuzz_empty_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
}

static void
remove_tmpdir(void)
{
	fuzz_empty_dir(tmpdir);
	rmdir(tmpdir);
}

const char *
fuzz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (tmpdir[0] != '\0')
		return tmpdir;
	if (access("/dev/shm", W_OK) == 0)
		base = "/dev/shm";
	else if (base == NULL)
		base = "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/drover-fuzz.XXXXXX", base);
	if (mkdtemp(tmpdir) == NULL) {
		perror(tmpdir);
		abort();
	}
	atexit(remove_tmpdir);
	return tmpdir;
}

void
fuzz_write(const char *dir, const char *name, const uint8_t *data, size_t size)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1 || (size > 0 && write(fd, data, size) != (ssize_t)size)) {
		perror(path);
		abort();
	}
	close(fd);
}

void
fuzz_assert(int ok, const char *msg)
{
	if (!ok) {
		fprintf(stderr, "fuzz: property broken: %s\n", msg);
		abort();
	}
}
