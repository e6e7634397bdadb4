/*
 * strlist: growable list of owned strings.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strlist.h"

int
strlist_add(struct strlist *l, const char *s)
{
	char **nv;
	char *copy;
	size_t ncap;

	if (l->n == l->cap) {
		ncap = l->cap ? l->cap * 2 : 16;
		if (ncap > SIZE_MAX / sizeof(*l->v)) {
			errno = ENOMEM;
			return -1;
		}
		nv = realloc(l->v, ncap * sizeof(*l->v));
		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	copy = strdup(s);
	if (copy == NULL)
		return -1;
	l->v[l->n++] = copy;
	return 0;
}

bool
strlist_contains(const struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

bool
strlist_equal(const struct strlist *a, const struct strlist *b)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!strlist_contains(b, a->v[i]))
			return false;
	for (i = 0; i < b->n; i++)
		if (!strlist_contains(a, b->v[i]))
			return false;
	return true;
}

void
strlist_cleanup(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
