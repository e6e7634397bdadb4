/* Tests for rw_queue: oldest first, a failed send stays first, the bound
 * drops the oldest (never the one being sent) and counts its samples,
 * a restart finds what was queued in the same order (and new pushes
 * after it), a broken segment is skipped and counted, and a memory-only
 * queue works alike. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <stdio.h>
#include <dirent.h>
#include <unistd.h>

#include "collector/rw_queue.h"
#include "lib/log.h"

/* A body of len bytes, each the byte tag. */
static char *
body(char tag, size_t len)
{
	char *p = malloc(len);

	assert_non_null(p);
	memset(p, tag, len);
	return p;
}

static void
push(struct rw_queue *q, char tag, size_t len, size_t samples)
{
	assert_int_equal(rw_queue_push(q, body(tag, len), len, samples), 0);
}

/* Holds the head, checks it is tag (len bytes, samples), removes it. */
static void
expect_pop(struct rw_queue *q, char tag, size_t len, size_t samples)
{
	struct rw_item it;

	assert_true(rw_queue_hold(q, &it));
	assert_int_equal(it.len, len);
	assert_int_equal(it.samples, samples);
	assert_int_equal(it.data[0], tag);
	assert_int_equal(it.data[len - 1], tag);
	rw_queue_release(q, true);
}

static size_t
files_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/drover-rwq.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_order_and_retry(void **state)
{
	struct rw_queue *q = rw_queue_new(dir, 1 << 20);
	struct rw_queue_stats st;
	struct rw_item it;

	(void)state;
	assert_non_null(q);
	assert_false(rw_queue_hold(q, &it));
	push(q, 'a', 10, 1);
	push(q, 'b', 20, 2);
	push(q, 'c', 30, 3);
	rw_queue_stats(q, &st);
	assert_int_equal(st.items, 3);
	assert_int_equal(st.bytes, 60);
	assert_int_equal(st.samples, 6);
	/* a failed send: the same body stays first */
	assert_true(rw_queue_hold(q, &it));
	assert_int_equal(it.data[0], 'a');
	rw_queue_release(q, false);
	expect_pop(q, 'a', 10, 1);
	expect_pop(q, 'b', 20, 2);
	expect_pop(q, 'c', 30, 3);
	assert_false(rw_queue_hold(q, &it));
	rw_queue_stats(q, &st);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.dropped_samples, 0);
	rw_queue_free(q);
	/* sent bodies leave no segment behind */
	assert_int_equal(files_in(dir), 0);
}

static void
test_bound_drops_oldest(void **state)
{
	struct rw_queue *q = rw_queue_new(dir, 1000);
	struct rw_queue_stats st;
	struct rw_item it;
	char tag;

	(void)state;
	assert_non_null(q);
	for (tag = 'a'; tag <= 'j'; tag++)
		push(q, tag, 300, 10);
	/* 1000 bytes hold three: h, i, j; a..g dropped */
	rw_queue_stats(q, &st);
	assert_int_equal(st.items, 3);
	assert_int_equal(st.bytes, 900);
	assert_int_equal(st.dropped_samples, 70);
	/* the one being sent is never dropped: the next oldest goes */
	assert_true(rw_queue_hold(q, &it));
	assert_int_equal(it.data[0], 'h');
	push(q, 'k', 300, 10);
	rw_queue_release(q, false);
	expect_pop(q, 'h', 300, 10);
	expect_pop(q, 'j', 300, 10);
	expect_pop(q, 'k', 300, 10);
	/* a body larger than the bound is dropped alone */
	push(q, 'z', 2000, 5);
	rw_queue_stats(q, &st);
	assert_int_equal(st.items, 0);
	assert_int_equal(st.dropped_samples, 85);
	rw_queue_free(q);
	assert_int_equal(files_in(dir), 0);
}

static void
test_survives_restart(void **state)
{
	struct rw_queue *q = rw_queue_new(dir, 1 << 20);
	struct rw_queue_stats st;
	struct rw_item it;
	char path[128];
	FILE *f;

	(void)state;
	assert_non_null(q);
	push(q, 'a', 100, 1);
	push(q, 'b', 200, 2);
	push(q, 'c', 300, 3);
	expect_pop(q, 'a', 100, 1);
	/* one held at exit stays queued */
	assert_true(rw_queue_hold(q, &it));
	rw_queue_free(q);
	assert_int_equal(files_in(dir), 2);
	/* a broken segment and a cut write among them */
	snprintf(path, sizeof(path), "%s/00000000000000ff.rw", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("garbage", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/0000000000000100.rw.tmp", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);

	log_set_stream(fopen("/dev/null", "w"));
	q = rw_queue_new(dir, 1 << 20);
	log_set_stream(NULL);
	assert_non_null(q);
	rw_queue_stats(q, &st);
	assert_int_equal(st.items, 2);
	assert_int_equal(st.samples, 5);
	assert_int_equal(st.disk_errors, 1);
	push(q, 'd', 50, 4); /* after what was there */
	rw_queue_free(q);

	q = rw_queue_new(dir, 1 << 20);
	assert_non_null(q);
	expect_pop(q, 'b', 200, 2);
	expect_pop(q, 'c', 300, 3);
	expect_pop(q, 'd', 50, 4);
	assert_false(rw_queue_hold(q, &it));
	rw_queue_free(q);
	assert_int_equal(files_in(dir), 0);
}

static void
test_bound_at_restart(void **state)
{
	struct rw_queue *q = rw_queue_new(dir, 1 << 20);
	struct rw_queue_stats st;

	(void)state;
	assert_non_null(q);
	push(q, 'a', 400, 1);
	push(q, 'b', 400, 2);
	push(q, 'c', 400, 3);
	rw_queue_free(q);
	/* a smaller bound keeps the newest */
	q = rw_queue_new(dir, 900);
	assert_non_null(q);
	rw_queue_stats(q, &st);
	assert_int_equal(st.items, 2);
	assert_int_equal(st.dropped_samples, 1);
	expect_pop(q, 'b', 400, 2);
	expect_pop(q, 'c', 400, 3);
	rw_queue_free(q);
	assert_int_equal(files_in(dir), 0);
}

static void
test_memory_only(void **state)
{
	struct rw_queue *q = rw_queue_new(NULL, 500);
	struct rw_queue_stats st;

	(void)state;
	assert_non_null(q);
	push(q, 'a', 200, 1);
	push(q, 'b', 200, 1);
	push(q, 'c', 200, 1);
	expect_pop(q, 'b', 200, 1);
	expect_pop(q, 'c', 200, 1);
	rw_queue_stats(q, &st);
	assert_int_equal(st.dropped_samples, 1);
	assert_int_equal(st.disk_errors, 0);
	rw_queue_free(q);
}

static void
test_unwritable_dir(void **state)
{
	struct rw_queue *q;

	(void)state;
	log_set_stream(fopen("/dev/null", "w"));
	q = rw_queue_new("/proc/self/no/such", 1000);
	log_set_stream(NULL);
	assert_null(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_order_and_retry, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_bound_drops_oldest, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_survives_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_bound_at_restart, setup, teardown),
	    cmocka_unit_test(test_memory_only),
	    cmocka_unit_test(test_unwritable_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
