/*
 * strlist: a growable list of heap strings (plugin names from a node's
 * "list" answer, and the like).
 *
 * Embedded in its owner and zero-initialised ({0} is an empty list); every
 * string is a heap copy owned by the list.
 */
#ifndef DROVER_STRLIST_H
#define DROVER_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

struct strlist {
	char **v; /* n strings, in insertion order */
	size_t n;
	size_t cap; /* allocated slots in v */
};

/* Append a copy of s.  Returns 0, or -1 (errno set) on allocation failure. */
int strlist_add(struct strlist *l, const char *s);
/* Whether s is in the list (linear scan). */
bool strlist_contains(const struct strlist *l, const char *s);
/*
 * Whether a and b hold the same strings, in any order (a node's "list"
 * answer comes in hash order).  Lists are compared as sets: O(n*m), meant
 * for lists of tens to a few hundred names.
 */
bool strlist_equal(const struct strlist *a, const struct strlist *b);
/* Free every string and the array; leaves an empty list. */
void strlist_cleanup(struct strlist *l);

#endif
