/*
 * batch_guard: helpers the parser tests share; see batch_guard.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "tests/batch_guard.h"

void
guard_init(struct guard *g, size_t maxlen)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	g->room = (maxlen / page + 1) * page;
	g->size = g->room + page;
	g->map = mmap(NULL, g->size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(g->map != MAP_FAILED);
	assert_int_equal(mprotect(g->map + g->room, page, PROT_NONE), 0);
}

/* text (n bytes) followed by the string tail, ending at the guard page. */
const char *
guard_copy(struct guard *g, const char *text, size_t n, const char *tail)
{
	size_t tn = strlen(tail);
	char *p;

	assert_true(n + tn <= g->room);
	p = g->map + g->room - n - tn;
	memcpy(p, text, n);
	memcpy(p + n, tail, tn);
	return p;
}

void
guard_cleanup(struct guard *g)
{
	munmap(g->map, g->size);
}

/* a and b hold the same services, attributes, fields and values, in the
 * same order. */
bool
same_batch(const struct batch *a, const struct batch *b)
{
	const struct service *sa, *sb;
	const struct field *fa, *fb;
	size_t i, j;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		sa = &a->services[i];
		sb = &b->services[i];
		if (strcmp(sa->name, sb->name) != 0 ||
		    sa->has_config != sb->has_config ||
		    !attrs_equal(&sa->graph, &sb->graph) ||
		    sa->nfields != sb->nfields)
			return false;
		for (j = 0; j < sa->nfields; j++) {
			fa = &sa->fields[j];
			fb = &sb->fields[j];
			if (strcmp(fa->name, fb->name) != 0 ||
			    !attrs_equal(&fa->attrs, &fb->attrs) ||
			    fa->has_value != fb->has_value ||
			    fa->unknown != fb->unknown ||
			    fa->when != fb->when ||
			    !(fa->value == fb->value ||
				(isnan(fa->value) && isnan(fb->value))))
				return false;
		}
	}
	return true;
}
