/* Tests for rrdc_addr: rrdcached address kinds and relative file names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rrd/rrdc_addr.h"

static void
test_kinds(void **state)
{
	static const struct {
		const char *addr;
		enum rrdc_kind kind;
	} cases[] = {
	    {"unix:/run/rrdcached.sock", RRDC_UNIX},
	    {"/run/rrdcached.sock", RRDC_UNIX},
	    {"127.0.0.1:42217", RRDC_TCP},
	    {"rrd.example.com", RRDC_TCP},
	    {"rrd-1.example.com:1", RRDC_TCP},
	    {"[::1]:42217", RRDC_TCP},
	    {"[::1]", RRDC_TCP},
	    {"fe80::1", RRDC_TCP},
	    {"", RRDC_BAD},
	    {"unix:", RRDC_BAD},
	    {"unix:run/x.sock", RRDC_BAD},
	    {"run/x.sock", RRDC_BAD},
	    {"127.0.0.1:", RRDC_BAD},
	    {"127.0.0.1:0", RRDC_BAD},
	    {"127.0.0.1:65536", RRDC_BAD},
	    {"127.0.0.1:42x", RRDC_BAD},
	    {"[::1", RRDC_BAD},
	    {"[::1]42217", RRDC_BAD},
	    {"[host]:1", RRDC_BAD},
	    {"a b", RRDC_BAD},
	};
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		if (rrdc_addr_kind(cases[i].addr, err, sizeof(err)) !=
		    cases[i].kind)
			fail_msg("%s: want kind %d", cases[i].addr,
			    (int)cases[i].kind);
		if (cases[i].kind == RRDC_BAD && err[0] == '\0')
			fail_msg("%s: no reason given", cases[i].addr);
		assert_int_equal(
		    rrdc_addr_is_tcp(cases[i].addr), cases[i].kind == RRDC_TCP);
	}
	assert_false(rrdc_addr_is_tcp(NULL));
}

static void
test_relpath(void **state)
{
	(void)state;
	assert_string_equal(
	    rrdc_relpath("/var/lib/munin", "/var/lib/munin/g/h-l-l-g.rrd"),
	    "g/h-l-l-g.rrd");
	assert_string_equal(
	    rrdc_relpath("/var/lib/munin//", "/var/lib/munin/g/x.rrd"),
	    "g/x.rrd");
	assert_string_equal(rrdc_relpath("/", "/a.rrd"), "a.rrd");
	/* a sibling with the same prefix is not inside */
	assert_null(rrdc_relpath("/var/lib/munin", "/var/lib/munin2/x.rrd"));
	assert_null(rrdc_relpath("/var/lib/munin", "/var/lib/munin"));
	assert_null(rrdc_relpath("/var/lib/munin", "/srv/x.rrd"));
	assert_null(rrdc_relpath("var/lib", "var/lib/x.rrd"));
	assert_null(rrdc_relpath(NULL, "/x.rrd"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_relpath),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
