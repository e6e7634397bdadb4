/*
 * test_rrd_files: the writer's per-file table -- one entry per path,
 * directories shared, whole paths given back, every entry iterated once
 * across the table's growth.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rrd/rrd_files.h"

static void
test_one_entry_per_path(void **state)
{
	struct rrd_files *t = rrd_files_new();
	struct rrd_file *a, *b, *c, *d;
	char buf[PATH_MAX];

	(void)state;
	assert_non_null(t);
	a = rrd_files_get(t, "/var/lib/munin/grp/db1-load-load-g.rrd");
	assert_non_null(a);
	assert_false(a->known);
	assert_int_equal(a->last, 0);
	a->last = 1000;
	a->known = true;
	b = rrd_files_get(t, "/var/lib/munin/grp/db1-load-load-g.rrd");
	assert_ptr_equal(a, b);
	assert_int_equal(b->last, 1000);
	/* the same name in another directory is another file */
	c = rrd_files_get(t, "/var/lib/munin/other/db1-load-load-g.rrd");
	assert_ptr_not_equal(a, c);
	assert_false(c->known);
	/* a directory's files share it */
	d = rrd_files_get(t, "/var/lib/munin/grp/db2-load-load-g.rrd");
	assert_ptr_equal(a->dir, d->dir);
	assert_ptr_not_equal(a->dir, c->dir);
	assert_string_equal(d->name, "db2-load-load-g.rrd");
	assert_int_equal(rrd_files_path(c, buf, sizeof(buf)),
	    strlen("/var/lib/munin/other/db1-load-load-g.rrd"));
	assert_string_equal(buf, "/var/lib/munin/other/db1-load-load-g.rrd");
	/* a name without a directory, and one directly under "/" */
	a = rrd_files_get(t, "x.rrd");
	assert_int_equal(rrd_files_path(a, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "x.rrd");
	a = rrd_files_get(t, "/x.rrd");
	assert_int_equal(rrd_files_path(a, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "/x.rrd");
	assert_ptr_not_equal(a, rrd_files_get(t, "x.rrd"));
	assert_int_equal(rrd_files_count(t), 5);
	/* a buffer too small says so and holds "" */
	errno = 0;
	assert_int_equal(rrd_files_path(a, buf, 6), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_string_equal(buf, "");
	rrd_files_free(t);
}

/* Enough files and directories for both tables to grow many times. */
#define NDIRS 300
#define NPER 40

static void
test_growth_keeps_every_entry(void **state)
{
	static unsigned char seen[NDIRS * NPER];
	struct rrd_files *t = rrd_files_new();
	struct rrd_file *f;
	char path[128], buf[PATH_MAX];
	unsigned i, j, d, k, n = 0;

	(void)state;
	for (i = 0; i < NDIRS; i++)
		for (j = 0; j < NPER; j++) {
			snprintf(path, sizeof(path), "/db/g%u/h%u-cpu-%u-d.rrd",
			    i, i, j);
			f = rrd_files_get(t, path);
			assert_non_null(f);
			f->last = (time_t)(i * NPER + j + 1);
		}
	assert_int_equal(rrd_files_count(t), NDIRS * NPER);
	for (i = 0; i < NDIRS; i++)
		for (j = 0; j < NPER; j++) {
			snprintf(path, sizeof(path), "/db/g%u/h%u-cpu-%u-d.rrd",
			    i, i, j);
			f = rrd_files_get(t, path);
			assert_int_equal(f->last, i * NPER + j + 1);
		}
	assert_int_equal(rrd_files_count(t), NDIRS * NPER);
	memset(seen, 0, sizeof(seen));
	for (f = rrd_files_next(t, NULL); f != NULL; f = rrd_files_next(t, f)) {
		assert_true(rrd_files_path(f, buf, sizeof(buf)) > 0);
		assert_int_equal(
		    sscanf(buf, "/db/g%u/h%*u-cpu-%u-d.rrd", &d, &k), 2);
		assert_int_equal(f->last, d * NPER + k + 1);
		assert_int_equal(seen[d * NPER + k], 0);
		seen[d * NPER + k] = 1;
		n++;
	}
	assert_int_equal(n, NDIRS * NPER);
	rrd_files_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_entry_per_path),
	    cmocka_unit_test(test_growth_keeps_every_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
