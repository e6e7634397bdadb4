/* Tests for router: every route, and every way to escape the catalog. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "web/router.h"

static struct route
parse(const char *p)
{
	struct route r;

	router_parse(p, &r);
	return r;
}

static void
test_routes(void **state)
{
	struct route r;

	(void)state;
	assert_int_equal(parse("/").kind, R_OVERVIEW);
	assert_int_equal(parse("/health").kind, R_HEALTH);
	r = parse("/kvm1.example.net/");
	assert_int_equal(r.kind, R_HOST);
	assert_string_equal(r.host, "kvm1.example.net");
	r = parse("/kvm1.example.net/if_eth0/");
	assert_int_equal(r.kind, R_SERVICE);
	assert_string_equal(r.service, "if_eth0");
	r = parse("/h/diskstats_latency.vda-week.svg");
	assert_int_equal(r.kind, R_GRAPH);
	assert_string_equal(r.service, "diskstats_latency.vda");
	assert_int_equal(r.period, GRAPH_WEEK);
	assert_true(r.svg);
	r = parse("/h/cpu-day.png");
	assert_int_equal(r.kind, R_GRAPH);
	assert_false(r.svg);
	/* a plugin name may hold dashes; the last one splits the period */
	r = parse("/h/my-plugin-year.png");
	assert_string_equal(r.service, "my-plugin");
	assert_int_equal(r.period, GRAPH_YEAR);
	/* drover's last hour, a young host's first look */
	r = parse("/h/load-hour.png");
	assert_int_equal(r.kind, R_GRAPH);
	assert_int_equal(r.period, GRAPH_HOUR);
	assert_int_equal(parse("/api/v1/hosts").kind, R_API_HOSTS);
	r = parse("/api/v1/hosts/h");
	assert_int_equal(r.kind, R_API_HOST);
	r = parse("/api/v1/hosts/h/load");
	assert_int_equal(r.kind, R_API_SERVICE);
	assert_string_equal(r.service, "load");
	assert_int_equal(parse("/api/v1/hosts/h/load/data").kind, R_API_DATA);
	assert_int_equal(parse("/alerts").kind, R_ALERTS);
	assert_int_equal(parse("/api/v1/alerts").kind, R_API_ALERTS);
	assert_int_equal(parse("/api/v1/power").kind, R_API_POWER);
	assert_int_equal(parse("/api/v1/power/").kind, R_NOT_FOUND);
	/* Prometheus's path; a host called "metrics" keeps its pages */
	assert_int_equal(parse("/metrics").kind, R_METRICS);
	assert_int_equal(parse("/metrics/").kind, R_HOST);
	assert_int_equal(parse("/metrics/load/").kind, R_SERVICE);
	/* a host called "power" keeps its pages */
	assert_int_equal(parse("/power/").kind, R_HOST);
	/* one service of several hosts; a host called "compare" keeps its
	 * pages, and its graphs */
	r = parse("/compare/if_eth0");
	assert_int_equal(r.kind, R_COMPARE);
	assert_string_equal(r.service, "if_eth0");
	assert_string_equal(r.host, "");
	assert_int_equal(parse("/compare/").kind, R_HOST);
	r = parse("/compare/if_eth0/");
	assert_int_equal(r.kind, R_SERVICE);
	assert_string_equal(r.host, "compare");
	r = parse("/compare/load-day.png");
	assert_int_equal(r.kind, R_GRAPH);
	assert_string_equal(r.host, "compare");
	assert_int_equal(parse("/compare/..").kind, R_NOT_FOUND);
	assert_int_equal(parse("/compare/a/b").kind, R_NOT_FOUND);
	assert_int_equal(parse("/compare").kind, R_NOT_FOUND);
}

static void
test_rejects(void **state)
{
	static const char *const bad[] = {
	    "x",
	    "/..",
	    "/../",
	    "/../etc/passwd",
	    "/h/../",
	    "/h/..-day.png",
	    "/h/a..b/",
	    "/.hidden/",
	    "/h/cpu-minute.png",
	    "/h/cpu-day.gif",
	    "/h/-day.png",
	    "/h//",
	    "//",
	    "/h/cpu",
	    "/h/s/x/",
	    "/a/b/c/d/e/f/g",
	    "/h%2e%2e/",
	    "/h\x01/",
	    "/api/v1/hosts/",
	    "/api/v1/hosts/h/load/data/x",
	    "/api/v2/hosts",
	    "/h/cpu/day",
	};
	char longname[400];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i]).kind != R_NOT_FOUND)
			fail_msg("\"%s\" was routed", bad[i]);
	longname[0] = '/';
	memset(longname + 1, 'a', 300);
	strcpy(longname + 301, "/");
	assert_int_equal(parse(longname).kind, R_NOT_FOUND);
}

/* "%00" never cuts a path short: the path becomes "", a 400. */
static void
test_unescape(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"/a%2Fb%2e%41/", "/a/b.A/"},
	    {"/%zz/%4/%", "/%zz/%4/%"},
	    {"/a+b%20c", "/a+b c"},
	    {"/health%00x", ""},
	    {"/web1.example.com%00/", ""},
	    {"%00", ""},
	    {"/x/%2500", "/x/%00"},
	    {"/%ff%01", "/\xff\x01"},
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		assert_int_equal(route_unescape(buf), strlen(cases[i].out));
		assert_string_equal(buf, cases[i].out);
	}
	snprintf(buf, sizeof(buf), "/health%%00x");
	route_unescape(buf);
	assert_int_equal(parse(buf).kind, R_BAD_REQUEST);
	assert_int_equal(parse("/x/%00").kind, R_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_routes),
	    cmocka_unit_test(test_rejects),
	    cmocka_unit_test(test_unescape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
