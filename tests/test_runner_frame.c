/* Tests for runner_frame: frames taken whole out of what reads hand
 * over, however the reads cut them, and a length beyond max refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "agent/runner_frame.h"

/* A frame of type 7, id, payload n bytes of c, into out; its size. */
static size_t
frame(char *out, uint64_t id, size_t n, char c)
{
	struct frame_hdr h = {7, (uint32_t)n, id};

	memcpy(out, &h, sizeof(h));
	memset(out + sizeof(h), c, n);
	return sizeof(h) + n;
}

static void
test_split_reads(void **state)
{
	struct frame_rx x = {.max = 100};
	struct frame_hdr h;
	const char *pl;
	char buf[512];
	size_t n = 0, i;

	(void)state;
	n += frame(buf, 1, 100, 'a');
	n += frame(buf + n, 2, 0, 0);
	n += frame(buf + n, 3, 5, 'c');
	/* one byte per read: nothing until a frame is whole */
	for (i = 0; i < sizeof(struct frame_hdr) + 99; i++) {
		assert_int_equal(frame_rx_put(&x, buf + i, 1), 0);
		assert_int_equal(frame_rx_next(&x, &h, &pl), 0);
	}
	/* the read that ends the first frame brings all the rest */
	assert_int_equal(frame_rx_put(&x, buf + i, n - i), 0);
	assert_int_equal(frame_rx_next(&x, &h, &pl), 1);
	assert_int_equal(h.id, 1);
	assert_int_equal(h.len, 100);
	assert_int_equal(pl[0], 'a');
	assert_int_equal(pl[99], 'a');
	frame_rx_drop(&x, &h);
	assert_int_equal(frame_rx_next(&x, &h, &pl), 1);
	assert_int_equal(h.id, 2);
	assert_int_equal(h.len, 0);
	frame_rx_drop(&x, &h);
	assert_int_equal(frame_rx_next(&x, &h, &pl), 1);
	assert_int_equal(h.id, 3);
	assert_memory_equal(pl, "ccccc", 5);
	frame_rx_drop(&x, &h);
	assert_int_equal(frame_rx_next(&x, &h, &pl), 0);
	assert_int_equal(x.len, 0);
	frame_rx_cleanup(&x);
}

/* A frame of max bytes left one byte short, then a read that ends it
 * and carries a whole chunk more: accepted (the bound counts the one
 * partial frame a read may leave, plus one chunk). */
static void
test_max_frame_then_chunk(void **state)
{
	static char buf[2 * FRAME_CHUNK + 4096];
	struct frame_rx x = {.max = 1000};
	struct frame_hdr h;
	const char *pl;
	size_t a, n;

	(void)state;
	a = frame(buf, 1, 1000, 'a');
	n = a;
	while (n + sizeof(struct frame_hdr) + 1000 < a - 1 + FRAME_CHUNK)
		n += frame(buf + n, 2, 1000, 'b');
	assert_int_equal(frame_rx_put(&x, buf, a - 1), 0);
	assert_int_equal(frame_rx_put(&x, buf + a - 1, n - (a - 1)), 0);
	while (frame_rx_next(&x, &h, &pl) == 1)
		frame_rx_drop(&x, &h);
	assert_int_equal(x.len, 0);
	frame_rx_cleanup(&x);
}

static void
test_too_long(void **state)
{
	struct frame_rx x = {.max = 10};
	struct frame_hdr h;
	const char *pl;
	char buf[64];

	(void)state;
	frame(buf, 1, 11, 'x');
	assert_int_equal(frame_rx_put(&x, buf, sizeof(struct frame_hdr)), 0);
	assert_int_equal(frame_rx_next(&x, &h, &pl), -1);
	frame_rx_cleanup(&x);
	/* more buffered than one partial frame and a chunk can explain */
	x.max = 10;
	{
		static char big[FRAME_CHUNK + 64];

		assert_int_equal(frame_rx_put(&x, big, sizeof(big)), -1);
	}
	frame_rx_cleanup(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split_reads),
	    cmocka_unit_test(test_max_frame_then_chunk),
	    cmocka_unit_test(test_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
