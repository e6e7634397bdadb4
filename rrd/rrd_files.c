/*
 * rrd_files: the writer's per-file table.  See rrd_files.h.
 *
 * A path splits after its last '/' into a directory (kept once, in its
 * own small table) and a name (kept in the entry).  An entry's hash is
 * FNV-1a continued from its directory's hash over its name, which is
 * FNV-1a over the whole path, so the table regrows without rebuilding
 * paths.  The road not taken: a path relative to dbdir would save the
 * same bytes but ties the table to a base the writer is not always given
 * (absolute names reach it from tests and from rrdcached's -b logic).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "rrd/rrd_files.h"

/* Bytes of one entry block; an entry never spans two. */
#define FBLOCK_BYTES 65536

struct rrd_fdir {
	struct rrd_fdir *next; /* bucket chain */
	uint64_t hash;	       /* hash_str over path */
	size_t len;	       /* strlen(path) */
	char path[];	       /* "" or ending in '/' */
};

struct fblock {
	struct fblock *next;
	size_t used, size; /* bytes of data */
	char data[];
};

struct rrd_files {
	struct rrd_file **files; /* nbuckets chains (a power of two) */
	size_t nbuckets, nfiles;
	struct rrd_fdir **dirs; /* ndbuckets chains (a power of two) */
	size_t ndbuckets, ndirs;
	struct fblock *blocks; /* newest first */
};

struct rrd_files *
rrd_files_new(void)
{
	struct rrd_files *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->nbuckets = 64;
	t->ndbuckets = 8;
	t->files = calloc(t->nbuckets, sizeof(*t->files));
	t->dirs = calloc(t->ndbuckets, sizeof(*t->dirs));
	if (t->files == NULL || t->dirs == NULL) {
		rrd_files_free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void
rrd_files_free(struct rrd_files *t)
{
	struct fblock *b, *bn;
	struct rrd_fdir *d, *dn;
	size_t i;

	if (t == NULL)
		return;
	for (b = t->blocks; b != NULL; b = bn) {
		bn = b->next;
		free(b);
	}
	for (i = 0; i < t->ndbuckets && t->dirs != NULL; i++)
		for (d = t->dirs[i]; d != NULL; d = dn) {
			dn = d->next;
			free(d);
		}
	free(t->dirs);
	free(t->files);
	free(t);
}

/* n zeroed bytes, 8-aligned, from the blocks; NULL when out of memory. */
static void *
block_alloc(struct rrd_files *t, size_t n)
{
	struct fblock *b = t->blocks;
	size_t size;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (b == NULL || b->size - b->used < n) {
		size = n > FBLOCK_BYTES ? n : FBLOCK_BYTES;
		b = calloc(1, sizeof(*b) + size);
		if (b == NULL)
			return NULL;
		b->size = size;
		b->next = t->blocks;
		t->blocks = b;
	}
	p = b->data + b->used;
	b->used += n;
	return p;
}

/* The tables double; without the memory they stay (slower, correct). */
static void
files_grow(struct rrd_files *t)
{
	struct rrd_file **nb, *f, *next;
	size_t n = t->nbuckets * 2, i, b;

	nb = calloc(n, sizeof(*nb));
	if (nb == NULL)
		return;
	for (i = 0; i < t->nbuckets; i++)
		for (f = t->files[i]; f != NULL; f = next) {
			next = f->next;
			b = hash_str(f->dir->hash, f->name) & (n - 1);
			f->next = nb[b];
			nb[b] = f;
		}
	free(t->files);
	t->files = nb;
	t->nbuckets = n;
}

static void
dirs_grow(struct rrd_files *t)
{
	struct rrd_fdir **nb, *d, *next;
	size_t n = t->ndbuckets * 2, i, b;

	nb = calloc(n, sizeof(*nb));
	if (nb == NULL)
		return;
	for (i = 0; i < t->ndbuckets; i++)
		for (d = t->dirs[i]; d != NULL; d = next) {
			next = d->next;
			b = d->hash & (n - 1);
			d->next = nb[b];
			nb[b] = d;
		}
	free(t->dirs);
	t->dirs = nb;
	t->ndbuckets = n;
}

/* The directory path[0..len) ("" or ending in '/'), hashed h, added
 * when missing; NULL when out of memory. */
static struct rrd_fdir *
dir_get(struct rrd_files *t, const char *path, size_t len, uint64_t h)
{
	size_t b = h & (t->ndbuckets - 1);
	struct rrd_fdir *d;

	for (d = t->dirs[b]; d != NULL; d = d->next)
		if (d->hash == h && d->len == len &&
		    memcmp(d->path, path, len) == 0)
			return d;
	d = malloc(sizeof(*d) + len + 1);
	if (d == NULL)
		return NULL;
	d->hash = h;
	d->len = len;
	memcpy(d->path, path, len);
	d->path[len] = '\0';
	d->next = t->dirs[b];
	t->dirs[b] = d;
	if (++t->ndirs > t->ndbuckets)
		dirs_grow(t);
	return d;
}

/* FNV-1a over s[0..n), continued from h (lib/hash's, bounded). */
static uint64_t
hash_bytes(uint64_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

struct rrd_file *
rrd_files_get(struct rrd_files *t, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash != NULL ? slash + 1 : path;
	size_t dlen = (size_t)(name - path), nlen;
	uint64_t dh = hash_bytes(HASH_INIT, path, dlen), h;
	struct rrd_fdir *d = NULL;
	struct rrd_file *f;
	size_t b;

	h = hash_str(dh, name);
	b = h & (t->nbuckets - 1);
	for (f = t->files[b]; f != NULL; f = f->next)
		if (f->dir->hash == dh && f->dir->len == dlen &&
		    strcmp(f->name, name) == 0 &&
		    memcmp(f->dir->path, path, dlen) == 0)
			return f;
	d = dir_get(t, path, dlen, dh);
	if (d == NULL)
		return NULL;
	nlen = strlen(name) + 1;
	f = block_alloc(t, sizeof(*f) + nlen);
	if (f == NULL)
		return NULL;
	f->dir = d;
	memcpy(f->name, name, nlen);
	f->next = t->files[b];
	t->files[b] = f;
	if (++t->nfiles > t->nbuckets)
		files_grow(t);
	return f;
}

size_t
rrd_files_count(const struct rrd_files *t)
{
	return t->nfiles;
}

struct rrd_file *
rrd_files_next(const struct rrd_files *t, const struct rrd_file *f)
{
	size_t b = 0;

	if (f != NULL) {
		if (f->next != NULL)
			return f->next;
		b = (hash_str(f->dir->hash, f->name) & (t->nbuckets - 1)) + 1;
	}
	for (; b < t->nbuckets; b++)
		if (t->files[b] != NULL)
			return t->files[b];
	return NULL;
}

int
rrd_files_path(const struct rrd_file *f, char *buf, size_t size)
{
	size_t nlen = strlen(f->name);

	if (size == 0 || f->dir->len + nlen >= size) {
		if (size > 0)
			buf[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, f->dir->path, f->dir->len);
	memcpy(buf + f->dir->len, f->name, nlen + 1);
	return (int)(f->dir->len + nlen);
}
