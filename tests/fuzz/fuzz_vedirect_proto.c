/*
 * fuzz_vedirect_proto: the VE.Direct block machine (plugins/vedirect_proto.h)
 * over any bytes.  Properties: every call consumes at least one byte, a
 * good block has at most VEDIRECT_FIELDS_MAX fields of NUL-terminated,
 * bounded text, the counters add up, feeding the input whole and one byte
 * at a time gives the same events, and every good block maps onto the
 * bank schema.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "plugins/vedirect_proto.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

#define MAX_EVENTS 4096

/* Feeds data in pieces of step bytes; the events into ev (count *n). */
static void
run(struct vedirect_parser *p, const uint8_t *data, size_t size, size_t step,
    unsigned char *ev, size_t *n)
{
	struct service s;
	enum vedirect_event e;
	size_t off = 0, piece, used, i;

	*n = 0;
	vedirect_parser_init(p);
	while (off < size) {
		piece = size - off < step ? size - off : step;
		used = vedirect_feed(p, data + off, piece, &e);
		fuzz_assert(used > 0 && used <= piece, "consumed nothing");
		off += used;
		if (e == VEDIRECT_MORE)
			continue;
		if (*n < MAX_EVENTS)
			ev[(*n)++] = (unsigned char)e;
		if (e != VEDIRECT_FRAME)
			continue;
		fuzz_assert(p->frame.n <= VEDIRECT_FIELDS_MAX, "too many");
		for (i = 0; i < p->frame.n; i++)
			fuzz_assert(memchr(p->frame.f[i].label, '\0',
					VEDIRECT_LABEL_MAX + 1) != NULL &&
					memchr(p->frame.f[i].value, '\0',
					    VEDIRECT_VALUE_MAX + 1) != NULL,
			    "unterminated text");
		fuzz_assert(
		    vedirect_bank(&p->frame, "fuzz", "fuzz", 12, true, &s) == 0,
		    "bank mapping failed");
		service_cleanup(&s);
	}
	fuzz_assert(p->frames + p->bad_checksums + p->garbage >=
			(unsigned long)(*n < MAX_EVENTS ? *n : MAX_EVENTS),
	    "counters do not add up");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char a[MAX_EVENTS], b[MAX_EVENTS];
	struct vedirect_parser *p = malloc(sizeof(*p));
	size_t na, nb;

	if (p == NULL)
		return 0;
	run(p, data, size, size ? size : 1, a, &na);
	run(p, data, size, 1, b, &nb);
	fuzz_assert(na == nb && memcmp(a, b, na) == 0,
	    "split input parsed differently");
	free(p);
	return 0;
}
