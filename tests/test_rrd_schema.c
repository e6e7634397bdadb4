/* Tests for rrd_schema: Munin's file names and create arguments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rrd/rrd_schema.h"

static void
test_path_plain_host_group_derived(void **state)
{
	char g[64], p[256];

	(void)state;
	/* [alpha.example.com] lives in group example.com */
	assert_int_equal(rrd_host_group(g, sizeof(g), "alpha.example.com"), 0);
	assert_string_equal(g, "example.com");
	assert_int_equal(rrd_path(p, sizeof(p), "/var/lib/munin", g,
			     "alpha.example.com", "cpu", "user", DS_DERIVE),
	    0);
	assert_string_equal(
	    p, "/var/lib/munin/example.com/alpha.example.com-cpu-user-d.rrd");
	/* [localhost] is its own group */
	assert_int_equal(rrd_host_group(g, sizeof(g), "localhost"), 0);
	assert_string_equal(g, "localhost");
	assert_int_equal(rrd_path(p, sizeof(p), "/db/", g, "localhost", "load",
			     "load", DS_GAUGE),
	    0);
	assert_string_equal(p, "/db/localhost/localhost-load-load-g.rrd");
	assert_int_equal(rrd_host_group(g, 4, "a.example.com"), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

static void
test_path_nested_groups(void **state)
{
	char p[256];

	(void)state;
	/* [dc1;web;alpha.test] */
	assert_int_equal(rrd_path(p, sizeof(p), "/db", "dc1/web", "alpha.test",
			     "if_eth0", "up", DS_DERIVE),
	    0);
	assert_string_equal(p, "/db/dc1/web/alpha.test-if_eth0-up-d.rrd");
	/* Munin's own ';' and ':' separators map to '/' too */
	assert_int_equal(rrd_path(p, sizeof(p), "/db", "dc1;web", "alpha.test",
			     "load", "load", DS_GAUGE),
	    0);
	assert_string_equal(p, "/db/dc1/web/alpha.test-load-load-g.rrd");
}

static void
test_path_multigraph_service(void **state)
{
	char p[256];

	(void)state;
	assert_int_equal(rrd_path(p, sizeof(p), "/db", "grp1", "alpha.test",
			     "diskstats_latency.vda", "avgwait", DS_GAUGE),
	    0);
	assert_string_equal(
	    p, "/db/grp1/alpha.test-diskstats_latency-vda-avgwait-g.rrd");
}

static void
test_path_type_letters(void **state)
{
	static const struct {
		enum ds_type t;
		const char *want;
	} cases[] = {
	    {DS_GAUGE, "/d/g/h-s-f-g.rrd"},
	    {DS_DERIVE, "/d/g/h-s-f-d.rrd"},
	    {DS_COUNTER, "/d/g/h-s-f-c.rrd"},
	    {DS_ABSOLUTE, "/d/g/h-s-f-a.rrd"},
	};
	char p[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(rrd_path(p, sizeof(p), "/d", "g", "h", "s",
				     "f", cases[i].t),
		    0);
		assert_string_equal(p, cases[i].want);
	}
}

static void
test_path_traversal_refused(void **state)
{
	static const char *const bad_groups[] = {
	    "..",
	    ".",
	    "",
	    "a/../b",
	    "a//b",
	    "/abs",
	    "a/",
	    "a;..",
	    "..:x",
	};
	static const char *const bad_hosts[] = {
	    "",
	    "..",
	    "a/b",
	    "x;..",
	    "x:",
	    ".",
	};
	char p[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_groups) / sizeof(bad_groups[0]); i++) {
		errno = 0;
		assert_int_equal(rrd_path(p, sizeof(p), "/db", bad_groups[i],
				     "h", "s", "f", DS_GAUGE),
		    -1);
		assert_int_equal(errno, EINVAL);
	}
	for (i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++) {
		errno = 0;
		assert_int_equal(rrd_path(p, sizeof(p), "/db", "g",
				     bad_hosts[i], "s", "f", DS_GAUGE),
		    -1);
		assert_int_equal(errno, EINVAL);
	}
	assert_int_equal(
	    rrd_path(p, sizeof(p), "/db", "g", "h", "../s", "f", DS_GAUGE), -1);
	assert_int_equal(
	    rrd_path(p, sizeof(p), "/db", "g", "h", "", "f", DS_GAUGE), -1);
	assert_int_equal(
	    rrd_path(p, sizeof(p), "/db", "g", "h", "s", "a/b", DS_GAUGE), -1);
	assert_int_equal(
	    rrd_path(p, sizeof(p), "/db", "g", "h", "s", "", DS_GAUGE), -1);
	assert_int_equal(
	    rrd_path(p, sizeof(p), "", "g", "h", "s", "f", DS_GAUGE), -1);
	assert_int_equal(errno, EINVAL);
	/* ".." inside a file name component cannot climb: allowed */
	assert_int_equal(
	    rrd_path(p, sizeof(p), "/db", "g", "h", "s..x", "f", DS_GAUGE), 0);
	assert_string_equal(p, "/db/g/h-s--x-f-g.rrd");
}

static void
test_path_too_long(void **state)
{
	char p[64], big[300];

	(void)state;
	/* "/db/g/h-s-f-g.rrd" is 17 characters plus the NUL */
	assert_int_equal(
	    rrd_path(p, 18, "/db", "g", "h", "s", "f", DS_GAUGE), 0);
	assert_string_equal(p, "/db/g/h-s-f-g.rrd");
	errno = 0;
	assert_int_equal(
	    rrd_path(p, 17, "/db", "g", "h", "s", "f", DS_GAUGE), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_string_equal(p, "");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	errno = 0;
	assert_int_equal(
	    rrd_path(p, sizeof(p), "/db", "g", "h", "s", big, DS_GAUGE), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(
	    rrd_path(p, sizeof(p), big, "g", "h", "s", "f", DS_GAUGE), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

/* Joins argv with spaces, as Munin's "RRDs::create @args" debug line. */
static void
join(char *out, size_t outlen, const struct rrd_create_args *a)
{
	int i;

	out[0] = '\0';
	for (i = 0; i < a->argc; i++) {
		if (i > 0)
			strncat(out, " ", outlen - strlen(out) - 1);
		strncat(out, a->argv[i], outlen - strlen(out) - 1);
	}
}

static void
test_create_args_golden(void **state)
{
	struct rrd_ds ds;
	struct rrd_create_args a;
	char s[1024];

	(void)state;
	/* munin-update 2.0.73 --debug, fw_packets.forwarded (min 0):
	 * RRDs::create FILE --start 1795496347 -s 300 DS:42:DERIVE:600:0:U
	 * RRA:AVERAGE:0.5:1:576 ... RRA:MAX:0.5:288:450 */
	assert_int_equal(rrd_ds_init(&ds, DS_DERIVE, "0", NULL, NULL), 0);
	assert_int_equal(rrd_create_args(&a, &ds, 1795496647), 0);
	assert_int_equal(a.step, 300);
	assert_int_equal(a.start, 1795496347);
	join(s, sizeof(s), &a);
	assert_string_equal(s,
	    "DS:42:DERIVE:600:0:U "
	    "RRA:AVERAGE:0.5:1:576 RRA:MIN:0.5:1:576 RRA:MAX:0.5:1:576 "
	    "RRA:AVERAGE:0.5:6:432 RRA:MIN:0.5:6:432 RRA:MAX:0.5:6:432 "
	    "RRA:AVERAGE:0.5:24:540 RRA:MIN:0.5:24:540 RRA:MAX:0.5:24:540 "
	    "RRA:AVERAGE:0.5:288:450 RRA:MIN:0.5:288:450 "
	    "RRA:MAX:0.5:288:450");

	assert_int_equal(rrd_ds_init(&ds, DS_GAUGE, "", "", "normal"), 0);
	assert_int_equal(rrd_create_args(&a, &ds, 1000), 0);
	assert_string_equal(a.argv[0], "DS:42:GAUGE:600:U:U");
	assert_int_equal(a.start, 700);

	assert_int_equal(rrd_ds_init(&ds, DS_COUNTER, "-1", "1e9", "huge"), 0);
	assert_int_equal(ds.step, 300);
	assert_int_equal(rrd_create_args(&a, &ds, 1000), 0);
	join(s, sizeof(s), &a);
	assert_string_equal(s,
	    "DS:42:COUNTER:600:-1:1e9 RRA:AVERAGE:0.5:1:115200 "
	    "RRA:MIN:0.5:1:115200 RRA:MAX:0.5:1:115200");

	assert_int_equal(rrd_ds_init(&ds, DS_ABSOLUTE, NULL, NULL, NULL), 0);
	assert_int_equal(rrd_create_args(&a, &ds, 1000), 0);
	assert_string_equal(a.argv[0], "DS:42:ABSOLUTE:600:U:U");
	assert_int_equal(a.argc, 13);
}

static void
test_ds_init_refuses(void **state)
{
	struct rrd_ds ds;

	(void)state;
	errno = 0;
	assert_int_equal(rrd_ds_init(&ds, DS_GAUGE, "0:U", NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(rrd_ds_init(&ds, DS_GAUGE, NULL, "ten", NULL), -1);
	assert_int_equal(rrd_ds_init(&ds, DS_GAUGE, "1-", NULL, NULL), -1);
	assert_int_equal(rrd_ds_init(&ds, DS_GAUGE, NULL, NULL, "big"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(
	    rrd_ds_init(&ds, DS_GAUGE, NULL, NULL, "custom 1d, 10m for 1w"),
	    -1);
	assert_int_equal(errno, ENOTSUP);
}

/* graph_data_size custom with update_rate, as munin-update 2.0.73's
 * _create_rrd_file and parse_custom_resolution make it (and
 * tests/test_rrd_munin_compat.sh compares with a real one). */
static void
test_custom_size(void **state)
{
	struct rrd_ds ds;
	struct rrd_create_args a;
	char s[1024];

	(void)state;
	/* the local node's layout at interval 60 (collector/ingest.c) */
	assert_int_equal(rrd_ds_init_rate(&ds, DS_DERIVE, "0", NULL,
			     "custom 2h, 5m for 2d, 30m for 9d, 2h for 45d, "
			     "1d for 450d",
			     "60"),
	    0);
	assert_int_equal(ds.size, RRD_SIZE_CUSTOM);
	assert_int_equal(ds.step, 60);
	assert_int_equal(rrd_create_args(&a, &ds, 1000020), 0);
	assert_int_equal(a.step, 60);
	assert_int_equal(a.start, 1000020 - 60);
	join(s, sizeof(s), &a);
	assert_string_equal(s,
	    "DS:42:DERIVE:120:0:U "
	    "RRA:AVERAGE:0.5:1:132 RRA:MIN:0.5:1:132 RRA:MAX:0.5:1:132 "
	    "RRA:AVERAGE:0.5:5:633 RRA:MIN:0.5:5:633 RRA:MAX:0.5:5:633 "
	    "RRA:AVERAGE:0.5:30:475 RRA:MIN:0.5:30:475 RRA:MAX:0.5:30:475 "
	    "RRA:AVERAGE:0.5:120:594 RRA:MIN:0.5:120:594 "
	    "RRA:MAX:0.5:120:594 "
	    "RRA:AVERAGE:0.5:1440:495 RRA:MIN:0.5:1440:495 "
	    "RRA:MAX:0.5:1440:495");
	/* the computer format, at Munin's default update_rate 300; units
	 * and " aligned" in update_rate */
	assert_int_equal(rrd_ds_init_rate(&ds, DS_GAUGE, NULL, NULL,
			     "custom 576, 6 432,24 540, 288 450", NULL),
	    0);
	assert_int_equal(ds.step, 300);
	assert_int_equal(rrd_create_args(&a, &ds, 1000), 0);
	join(s, sizeof(s), &a);
	assert_non_null(strstr(s, "RRA:AVERAGE:0.5:1:633 "));
	assert_non_null(strstr(s, "RRA:MAX:0.5:288:495"));
	assert_int_equal(a.argc, 13);
	assert_int_equal(rrd_ds_init_rate(&ds, DS_GAUGE, NULL, NULL,
			     "custom 1d", "1m aligned"),
	    0);
	assert_int_equal(ds.step, 60);
	assert_int_equal(ds.nrra, 1);
	assert_int_equal(ds.rra[0].rows, 1440 + 144);
	/* 5 rows get one more, not none */
	assert_int_equal(
	    rrd_ds_init_rate(&ds, DS_GAUGE, NULL, NULL, "custom 5", "60"), 0);
	assert_int_equal(ds.rra[0].rows, 6);
	/* normal and huge keep Munin's 300 s whatever update_rate says */
	assert_int_equal(
	    rrd_ds_init_rate(&ds, DS_GAUGE, NULL, NULL, "normal", "60"), 0);
	assert_int_equal(ds.step, 300);
	assert_int_equal(
	    rrd_ds_init_rate(&ds, DS_GAUGE, NULL, NULL, NULL, "10"), 0);
	assert_int_equal(ds.step, 300);
}

static void
test_custom_size_refuses(void **state)
{
	static const char *const bad[][2] = {
	    {"custom ", "60"},		     /* nothing */
	    {"custom 1d, 30s for 1d", "60"}, /* finer than the step */
	    {"custom 1d, 5x for 2d", "60"},  /* no such unit */
	    {"custom 1d, 5m to 2d", "60"},   /* neither form */
	    {"custom 1d,, 5m for 2d", "60"}, /* an empty one */
	    {"custom 1d", "0"},		     /* no step */
	    {"custom 1d", "fast"},	     /* no number */
	    {"custom 1d", "60 sharp"},	     /* only " aligned" */
	    {"custom 100y", "1"},	     /* too many rows */
	    {"custom 1, 1 1, 1 1, 1 1, 1 1, 1 1, 1 1, 1 1, 1 1", "60"},
	};
	struct rrd_ds ds;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if (rrd_ds_init_rate(&ds, DS_GAUGE, NULL, NULL, bad[i][0],
			bad[i][1]) != -1 ||
		    errno != EINVAL)
			fail_msg(
			    "\"%s\" at \"%s\" was taken", bad[i][0], bad[i][1]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_custom_size),
	    cmocka_unit_test(test_custom_size_refuses),
	    cmocka_unit_test(test_path_plain_host_group_derived),
	    cmocka_unit_test(test_path_nested_groups),
	    cmocka_unit_test(test_path_multigraph_service),
	    cmocka_unit_test(test_path_type_letters),
	    cmocka_unit_test(test_path_traversal_refused),
	    cmocka_unit_test(test_path_too_long),
	    cmocka_unit_test(test_create_args_golden),
	    cmocka_unit_test(test_ds_init_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
