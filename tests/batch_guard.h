/*
 * batch_guard: helpers the parser tests share.  A guard is room for text
 * that ends where a PROT_NONE page begins, so a parser that reads past
 * the end of its buffer faults in any build, not only under ASan;
 * same_batch compares two parsed batches.  cmocka asserts inside.
 */
#ifndef DROVER_TESTS_BATCH_GUARD_H
#define DROVER_TESTS_BATCH_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "plugins/sample.h"

struct guard {
	char *map;
	size_t room; /* bytes before the guard page, a multiple of the page */
	size_t size; /* bytes mapped */
};

/* Room for at least maxlen bytes. */
void guard_init(struct guard *g, size_t maxlen);
/* text (n bytes) followed by the string tail, ending at the guard page. */
const char *guard_copy(
    struct guard *g, const char *text, size_t n, const char *tail);
void guard_cleanup(struct guard *g);
/* a and b hold the same services, attributes, fields and values, in the
 * same order. */
bool same_batch(const struct batch *a, const struct batch *b);

#endif
