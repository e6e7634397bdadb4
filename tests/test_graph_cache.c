/*
 * Tests for the web's kept graph images: lookup, replacement, the cap
 * and its LRU eviction, refusal of an image too large to keep, and the
 * answers built as real libmicrohttpd response objects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "web/graph_cache.h"

#define CAP (64u << 10)
#define IMG 4000 /* bytes per test image, well under CAP / 8 */

static int
put(struct graph_cache *gc, const char *key, int fill, time_t stamp)
{
	unsigned char buf[IMG];
	struct gc_meta m = {.gen = 1,
	    .stamp = stamp,
	    .rendered = stamp + 1,
	    .etag = "\"abc-1\"",
	    .ctype = "image/png"};

	memset(buf, fill, sizeof(buf));
	return graph_cache_put(gc, key, &m, buf, sizeof(buf));
}

static void
test_find_replace_drop(void **state)
{
	struct graph_cache *gc = graph_cache_new(CAP);
	struct graph_cache_stats st;
	struct gc_entry *e;

	(void)state;
	assert_null(graph_cache_find(gc, "a"));
	assert_int_equal(put(gc, "a", 1, 100), 0);
	e = graph_cache_find(gc, "a");
	assert_non_null(e);
	assert_int_equal(gc_entry_meta(e)->stamp, 100);
	assert_int_equal(gc_entry_meta(e)->rendered, 101);
	assert_string_equal(gc_entry_meta(e)->etag, "\"abc-1\"");
	assert_null(graph_cache_find(gc, "b"));
	/* the same key again replaces, and is charged once */
	assert_int_equal(put(gc, "a", 2, 200), 0);
	graph_cache_stats(gc, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(gc_entry_meta(graph_cache_find(gc, "a"))->stamp, 200);
	gc_entry_set_gen(graph_cache_find(gc, "a"), 7);
	assert_int_equal(gc_entry_meta(graph_cache_find(gc, "a"))->gen, 7);
	graph_cache_drop(gc, graph_cache_find(gc, "a"));
	assert_null(graph_cache_find(gc, "a"));
	graph_cache_stats(gc, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.dropped, 1);
	graph_cache_free(gc);
}

/* Under the cap whatever is put; the least recently used goes first. */
static void
test_cap_evicts_lru(void **state)
{
	struct graph_cache *gc = graph_cache_new(CAP);
	struct graph_cache_stats st;
	char key[32];
	int i;

	(void)state;
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(put(gc, key, i, 100), 0);
		/* k0 is asked for all along: it stays */
		assert_non_null(graph_cache_find(gc, "k0"));
		graph_cache_stats(gc, &st);
		assert_true(st.bytes <= CAP);
	}
	graph_cache_stats(gc, &st);
	assert_true(st.evictions > 0);
	assert_true(
	    st.entries >= CAP / (IMG + 2048) && st.entries <= CAP / IMG);
	assert_int_equal(st.kept, 100);
	assert_non_null(graph_cache_find(gc, "k0"));
	assert_non_null(graph_cache_find(gc, "k99"));
	assert_null(graph_cache_find(gc, "k1")); /* the oldest others */
	assert_null(graph_cache_find(gc, "k50"));
	graph_cache_free(gc);
}

static void
test_too_large_not_kept(void **state)
{
	struct graph_cache *gc = graph_cache_new(CAP);
	struct gc_meta m = {.etag = "\"x\"", .ctype = "image/png"};
	size_t len = CAP / 8;
	unsigned char *big = calloc(1, len);

	(void)state;
	errno = 0;
	assert_int_equal(graph_cache_put(gc, "big", &m, big, len), -1);
	assert_int_equal(errno, EFBIG);
	assert_null(graph_cache_find(gc, "big"));
	free(big);
	graph_cache_free(gc);
}

/* Answers: built once per second and max-age, a 304 apart, with the
 * entry's exact headers. */
static void
test_answers(void **state)
{
	struct graph_cache *gc = graph_cache_new(CAP);
	struct MHD_Response *ok, *nm, *ok2;
	struct graph_cache_stats st;
	struct gc_entry *e;

	(void)state;
	assert_int_equal(put(gc, "a", 1, 100), 0);
	e = graph_cache_find(gc, "a");
	ok = graph_cache_answer(gc, e, 1000, 60, false);
	nm = graph_cache_answer(gc, e, 1000, 60, true);
	assert_non_null(ok);
	assert_non_null(nm);
	assert_ptr_not_equal(ok, nm);
	assert_ptr_equal(graph_cache_answer(gc, e, 1000, 60, false), ok);
	assert_string_equal(MHD_get_response_header(ok, "ETag"), "\"abc-1\"");
	assert_string_equal(MHD_get_response_header(nm, "ETag"), "\"abc-1\"");
	/* rendered at 101 s after the epoch */
	assert_string_equal(MHD_get_response_header(ok, "Last-Modified"),
	    "Thu, 01 Jan 1970 00:01:41 GMT");
	assert_string_equal(MHD_get_response_header(nm, "Last-Modified"),
	    "Thu, 01 Jan 1970 00:01:41 GMT");
	assert_string_equal(
	    MHD_get_response_header(ok, "Cache-Control"), "max-age=60");
	assert_string_equal(
	    MHD_get_response_header(ok, "Content-Type"), "image/png");
	/* a second later: max-age counts down in a new answer */
	ok2 = graph_cache_answer(gc, e, 1001, 59, false);
	assert_non_null(ok2);
	assert_string_equal(
	    MHD_get_response_header(ok2, "Cache-Control"), "max-age=59");
	graph_cache_stats(gc, &st);
	assert_int_equal(st.hits, 4);
	graph_cache_free(gc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find_replace_drop),
	    cmocka_unit_test(test_cap_evicts_lru),
	    cmocka_unit_test(test_too_large_not_kept),
	    cmocka_unit_test(test_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
