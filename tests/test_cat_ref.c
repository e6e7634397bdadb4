/*
 * Tests for cat_ref: aggregate references found in the catalog as
 * munin-graph finds them in its config tree (the referring service's
 * groups first, then up to the top), and the graph sources they make.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "catalog/cat_ref.h"
#include "catalog/munin_datafile.h"

/* h's services from "SVC.[FIELD.]ATTR VALUE" lines, at time ts. */
static struct cat_host *
add_host(struct catalog *cat, const char *group, const char *name, time_t ts,
    const char *const *kv)
{
	struct cat_host *h = catalog_host(cat, name, group, NULL);
	struct batch b = {0};

	assert_non_null(h);
	for (; kv[0] != NULL; kv += 2)
		assert_int_equal(munin_config_key(&b, kv[0], kv[1]), 0);
	catalog_update(cat, h, ts, &b);
	batch_cleanup(&b);
	return h;
}

static const char *const real[] = {"load.graph_title", "Load",
    "load.load.label", "load", "if_lo.up.label", "bps", "if_lo.up.type",
    "DERIVE", "if_lo.up.draw", "LINE2", NULL};
static const char *const agg[] = {"x.graph_order", "a=host1:load.load", NULL};

static struct catalog *
sample(void)
{
	struct catalog *cat = catalog_new();

	assert_non_null(cat);
	add_host(cat, "g", "host1", 1000, real);
	add_host(cat, "g", "host2", 2000, real);
	add_host(cat, "other", "host3", 3000, real);
	add_host(cat, "a;b", "deep", 4000, real);
	add_host(cat, "g", "agg", 0, agg);
	add_host(cat, "a;b", "agg2", 0, agg);
	add_host(cat, "a", "agg3", 0, agg);
	return cat;
}

static const char *
found(const struct catalog *cat, const char *from, const char *ref)
{
	const struct cat_host *h = catalog_find(cat, from), *t;
	const struct cat_service *cs = NULL;
	size_t fi = 99;

	assert_non_null(h);
	t = cat_ref_find(cat, h, "x", ref, &cs, &fi);
	if (t == NULL)
		return NULL;
	assert_non_null(cs);
	assert_true(fi < cs->svc.nfields);
	return t->name;
}

static void
test_find_like_partialpath(void **state)
{
	struct catalog *cat = sample();

	(void)state;
	/* a host of the virtual host's group */
	assert_string_equal(found(cat, "agg", "host1:load.load"), "host1");
	/* group;host from the top */
	assert_string_equal(found(cat, "agg", "g;host2:load.load"), "host2");
	assert_string_equal(found(cat, "agg", "other;host3:if_lo.up"), "host3");
	/* a host of another group is not found by its name alone */
	assert_null(found(cat, "agg", "host3:load.load"));
	/* nested groups: from the same group, and from an enclosing one */
	assert_string_equal(found(cat, "agg2", "deep:load.load"), "deep");
	assert_string_equal(found(cat, "agg3", "b;deep:load.load"), "deep");
	assert_string_equal(found(cat, "agg", "a;b;deep:load.load"), "deep");
	/* plugin.field: the referring host's own */
	assert_string_equal(found(cat, "host1", "load.load"), "host1");
	assert_null(found(cat, "agg", "load.load"));
	/* no such service or field */
	assert_null(found(cat, "agg", "host1:nosuch.load"));
	assert_null(found(cat, "agg", "host1:load.nosuch"));
	assert_null(found(cat, "agg", "bad ref"));
	catalog_free(cat);
}

static void
test_resolve_sources(void **state)
{
	static const char *const kv[] = {"t.graph_order",
	    "a=host1:if_lo.up b=g;host2:load.load c=nohost:load.load", NULL};
	struct catalog *cat = sample();
	struct cat_host *h = add_host(cat, "g", "agg", 0, kv);
	struct cat_refs r;

	(void)state;
	assert_int_equal(
	    cat_refs_resolve(&r, cat, h, cat_host_service(h, "t"), "/db"), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.v[0].ref, "host1:if_lo.up");
	assert_string_equal(r.v[0].path, "/db/g/host1-if_lo-up-d.rrd");
	assert_int_equal(r.v[0].type, DS_DERIVE);
	assert_string_equal(r.v[0].draw, "LINE2");
	assert_string_equal(r.v[0].label, "bps");
	assert_int_equal(r.v[0].last, 1000);
	assert_string_equal(r.v[1].path, "/db/g/host2-load-load-g.rrd");
	assert_int_equal(r.v[1].type, DS_GAUGE);
	assert_int_equal(r.v[1].last, 2000);
	assert_string_equal(r.v[2].ref, "nohost:load.load");
	assert_null(r.v[2].path);
	cat_refs_cleanup(&r);
	/* a service without references: nothing to resolve */
	assert_int_equal(
	    cat_refs_resolve(&r, cat, catalog_find(cat, "host1"),
		cat_host_service(catalog_find(cat, "host1"), "load"), "/db"),
	    0);
	assert_int_equal(r.n, 0);
	cat_refs_cleanup(&r);
	catalog_free(cat);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find_like_partialpath),
	    cmocka_unit_test(test_resolve_sources),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
