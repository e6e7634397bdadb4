/*
 * Tests for munin_datafile: Munin's dbdir/datafile as the real
 * munin-update 2.0.73 wrote it (tests/fixtures/munin_datafile/datafile:
 * a munin-node with load, cpu and a multigraph plugin "fake" whose title
 * holds a '#' and whose info ends in a backslash, host grp1;sub;alpha.test),
 * and the key grammar shared with munin.conf's service lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "catalog/munin_datafile.h"

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "r");
	char *buf;

	assert_non_null(fp);
	buf = calloc(1, 1 << 20);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 20) - 1, fp);
	fclose(fp);
	return buf;
}

static const char *
fattr(
    const struct batch *b, const char *svc, const char *field, const char *key)
{
	struct service *s = batch_service((struct batch *)b, svc, false);
	struct field *f;

	assert_non_null(s);
	if (field == NULL)
		return attrs_get(&s->graph, key);
	f = service_field(s, field, false);
	assert_non_null(f);
	return attrs_get(&f->attrs, key);
}

static void
test_real_datafile(void **state)
{
	struct munin_datafile df = {0};
	const struct mdf_host *h;
	char err[256], *buf;
	size_t len, i, j;

	(void)state;
	buf = slurp(FIXTURES "/munin_datafile/datafile", &len);
	assert_int_equal(
	    munin_datafile_parse(buf, len, &df, err, sizeof(err)), 0);
	assert_string_equal(df.version, "2.0.73");
	assert_int_equal(df.n, 1);
	assert_int_equal(df.skipped, 0);
	assert_null(munin_datafile_host(&df, "grp1", "alpha.test"));
	h = munin_datafile_host(&df, "grp1;sub", "alpha.test");
	assert_non_null(h);
	assert_int_equal(h->b.n, 4); /* load, cpu, fake, fake.sub */
	assert_string_equal(
	    fattr(&h->b, "load", NULL, "graph_title"), "Load average");
	assert_string_equal(fattr(&h->b, "load", "load", "label"), "load");
	assert_string_equal(fattr(&h->b, "cpu", "user", "type"), "DERIVE");
	assert_string_equal(fattr(&h->b, "cpu", "user", "draw"), "STACK");
	/* values as munin-update printed them: raw */
	assert_string_equal(
	    fattr(&h->b, "fake", NULL, "graph_title"), "Fake #1 (hash)");
	assert_string_equal(
	    fattr(&h->b, "fake", NULL, "graph_info"), "ends in a backslash \\");
	assert_string_equal(fattr(&h->b, "fake", "cnt", "type"), "COUNTER");
	/* "graph" on a field is the field's */
	assert_string_equal(fattr(&h->b, "fake", "abs", "graph"), "no");
	assert_null(fattr(&h->b, "fake", NULL, "graph"));
	/* a multigraph child: its dotted name */
	assert_string_equal(
	    fattr(&h->b, "fake.sub", NULL, "graph_title"), "Fake sub");
	assert_string_equal(fattr(&h->b, "fake.sub", "lat", "min"), "-5");
	for (i = 0; i < h->b.n; i++) {
		assert_true(h->b.services[i].has_config);
		for (j = 0; j < h->b.services[i].nfields; j++)
			assert_false(h->b.services[i].fields[j].has_value);
	}
	munin_datafile_cleanup(&df);
	free(buf);
}

static void
test_refuses_and_skips(void **state)
{
	static const char bad[] = "grp;h:load.graph_title x\n";
	static const char odd[] = "version 2.0.73\n"
				  "garbage\n"
				  "nohost:load.graph_title x\n"
				  "g;h:load.graph_title\n"
				  "g;h:nodot value\n"
				  "g;h:load.load.label \\#1 load\r\n"
				  "g;h:load.graph_title Load\n";
	struct munin_datafile df = {0};
	const struct mdf_host *h;
	char err[256];

	(void)state;
	assert_int_equal(
	    munin_datafile_parse(bad, strlen(bad), &df, err, sizeof(err)), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "version"));
	assert_int_equal(df.n, 0);
	assert_int_equal(
	    munin_datafile_parse("", 0, &df, err, sizeof(err)), -1);
	assert_int_equal(
	    munin_datafile_parse(odd, strlen(odd), &df, err, sizeof(err)), 0);
	assert_int_equal(df.skipped, 4);
	h = munin_datafile_host(&df, NULL, "h");
	assert_non_null(h);
	assert_string_equal(fattr(&h->b, "load", "load", "label"), "#1 load");
	assert_string_equal(fattr(&h->b, "load", NULL, "graph_title"), "Load");
	munin_datafile_cleanup(&df);
}

static void
test_config_key_grammar(void **state)
{
	struct batch b = {0};

	(void)state;
	assert_int_equal(munin_config_key(&b, "agg.graph", "no"), 0);
	assert_int_equal(munin_config_key(&b, "agg.t.graph", "no"), 0);
	assert_int_equal(munin_config_key(&b, "agg.t.sum", "h1:a.b h2:a.b"), 0);
	assert_int_equal(munin_config_key(&b, "agg.update_rate", "60"), 0);
	assert_int_equal(munin_config_key(&b, "m.sub.graph_title", "Sub"), 0);
	assert_int_equal(munin_config_key(&b, "m.sub.f.label", "f"), 0);
	assert_string_equal(fattr(&b, "agg", NULL, "graph"), "no");
	assert_string_equal(fattr(&b, "agg", "t", "graph"), "no");
	assert_string_equal(fattr(&b, "agg", "t", "sum"), "h1:a.b h2:a.b");
	assert_string_equal(fattr(&b, "agg", NULL, "update_rate"), "60");
	assert_string_equal(fattr(&b, "m.sub", NULL, "graph_title"), "Sub");
	assert_string_equal(fattr(&b, "m.sub", "f", "label"), "f");
	assert_true(batch_service(&b, "agg", false)->has_config);
	assert_int_equal(munin_config_key(&b, "nodot", "x"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(munin_config_key(&b, "a..x", "x"), -1);
	assert_int_equal(munin_config_key(&b, "a.", "x"), -1);
	batch_cleanup(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real_datafile),
	    cmocka_unit_test(test_refuses_and_skips),
	    cmocka_unit_test(test_config_key_grammar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
