/* Tests for compare: the hosts= list, and the scale a graph draws. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <math.h>

#include "catalog/catalog.h"
#include "web/compare.h"

static void
test_parse_hosts(void **state)
{
	char names[COMPARE_MAX_HOSTS][ROUTE_NAME_MAX + 1], err[160], list[2000];
	size_t n = 99, i;

	(void)state;
	assert_int_equal(compare_parse_hosts("", names, &n, err, 160), 0);
	assert_int_equal(n, 0);
	assert_int_equal(compare_parse_hosts(
			     "a.example,b,,a.example,c_1", names, &n, err, 160),
	    0);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "a.example");
	assert_string_equal(names[1], "b");
	assert_string_equal(names[2], "c_1");
	assert_int_equal(
	    compare_parse_hosts("a,../etc", names, &n, err, 160), -1);
	assert_non_null(strstr(err, "host names"));
	assert_int_equal(compare_parse_hosts("a,b c", names, &n, err, 160), -1);
	assert_int_equal(compare_parse_hosts("a,/b", names, &n, err, 160), -1);
	list[0] = '\0';
	for (i = 0; i <= COMPARE_MAX_HOSTS; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "h%zu,", i);
	assert_int_equal(compare_parse_hosts(list, names, &n, err, 160), -1);
	assert_non_null(strstr(err, "at most"));
}

/* A service of fields (name, draw or NULL, negative or NULL, graph). */
static struct catalog *
svc(const char *const (*f)[4], size_t n)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h = catalog_host(cat, "h", "g", NULL);
	struct batch b = {0};
	struct service *s = batch_service(&b, "t", true);
	struct field *fd;
	size_t i;

	s->has_config = true;
	attrs_set(&s->graph, "graph_title", "t");
	for (i = 0; i < n; i++) {
		fd = service_field(s, f[i][0], true);
		attrs_set(&fd->attrs, "label", f[i][0]);
		if (f[i][1] != NULL)
			attrs_set(&fd->attrs, "draw", f[i][1]);
		if (f[i][2] != NULL)
			attrs_set(&fd->attrs, "negative", f[i][2]);
		if (f[i][3] != NULL)
			attrs_set(&fd->attrs, "graph", f[i][3]);
		fd->has_value = true;
		fd->value = 1;
	}
	catalog_update(cat, h, 1000, &b);
	batch_cleanup(&b);
	return cat;
}

static void
test_scale(void **state)
{
	static const char *const f[][4] = {
	    {"a", "AREA", NULL, NULL},
	    {"b", "STACK", NULL, NULL},
	    {"in", NULL, NULL, "no"},
	    {"out", NULL, "in", NULL},
	};
	struct catalog *cat = svc(f, 4);
	const struct cat_service *cs =
	    cat_host_service(catalog_find(cat, "h"), "t");
	double a[3] = {1, 2, NAN}, b[3] = {4, 1, 7}, in[3] = {50, 60, 70},
	       out[3] = {3, 2, 1};
	struct api_series s[4] = {
	    {.field = "a", .start = 0, .step = 300, .rows = 3, .values = a},
	    {.field = "b", .start = 0, .step = 300, .rows = 3, .values = b},
	    {.field = "in", .start = 0, .step = 300, .rows = 3, .values = in},
	    {.field = "out", .start = 0, .step = 300, .rows = 3, .values = out},
	};
	double lo = INFINITY, hi = -INFINITY, lower, upper;

	(void)state;
	assert_non_null(cs);
	/* b stacks on a (5, 3, and 7 over an unknown a); "in" says graph
	 * no, but "out" names it its negative: munin draws it below zero */
	assert_true(compare_scale(cs, s, 4, &lo, &hi));
	assert_true(hi == 7);
	assert_true(lo == -70);
	/* a second host widens it */
	out[0] = 10;
	in[2] = 100;
	assert_true(compare_scale(cs, s, 4, &lo, &hi));
	assert_true(lo == -100 && hi == 10);
	compare_limits(true, lo, hi, &lower, &upper);
	assert_true(fabs(lower + 105) < 1e-9 && fabs(upper - 10.5) < 1e-9);
	/* "graph no" alone: left out */
	in[0] = in[1] = in[2] = NAN;
	attrs_set(&((struct cat_service *)cs)->svc.fields[3].attrs, "negative",
	    "nothing");
	in[0] = 1e9;
	lo = INFINITY;
	hi = -INFINITY;
	assert_true(compare_scale(cs, s, 4, &lo, &hi));
	assert_true(hi == 10 && lo == 1);
	/* zero is always in; nothing known: 0..1 */
	compare_limits(true, 3, 5, &lower, &upper);
	assert_true(lower == 0 && fabs(upper - 5.25) < 1e-9);
	compare_limits(false, INFINITY, -INFINITY, &lower, &upper);
	assert_true(lower == 0 && upper == 1);
	compare_limits(true, 0, 0, &lower, &upper);
	assert_true(lower == 0 && upper == 1);
	a[0] = a[1] = b[0] = b[1] = b[2] = out[0] = out[1] = out[2] = NAN;
	lo = INFINITY;
	hi = -INFINITY;
	assert_false(compare_scale(cs, s, 4, &lo, &hi));
	catalog_free(cat);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_hosts),
	    cmocka_unit_test(test_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
