/* Tests for ingest: munin.conf overrides, catalog and RRD fan-out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "collector/ingest.h"
#include "lib/log.h"

static struct field *
mkfield(struct batch *b, const char *svc, const char *name)
{
	struct service *s = batch_service(b, svc, true);

	s->has_config = true;
	return service_field(s, name, true);
}

static void
test_overrides_longest_service_wins(void **state)
{
	struct conf_host hc = {0};
	struct batch b = {0};
	struct field *f;

	(void)state;
	attrs_set(&hc.overrides, "load.load.warning", "5");
	attrs_set(&hc.overrides, "load.graph_title", "Load here");
	attrs_set(
	    &hc.overrides, "diskstats_latency.vda.avgwait.critical", "0:3");
	attrs_set(&hc.overrides, "nosuch.field.warning", "1");
	mkfield(&b, "load", "load");
	mkfield(&b, "diskstats_latency", "x");
	mkfield(&b, "diskstats_latency.vda", "avgwait");
	ingest_apply_overrides(&hc, &b);
	f = service_field(batch_service(&b, "load", false), "load", false);
	assert_string_equal(attrs_get(&f->attrs, "warning"), "5");
	assert_string_equal(attrs_get(&f->attrs, "threshold_source"), "config");
	assert_string_equal(
	    attrs_get(&batch_service(&b, "load", false)->graph, "graph_title"),
	    "Load here");
	f = service_field(batch_service(&b, "diskstats_latency.vda", false),
	    "avgwait", false);
	assert_string_equal(attrs_get(&f->attrs, "critical"), "0:3");
	/* nothing invented for services the node did not send */
	assert_null(batch_service(&b, "nosuch", false));
	assert_int_equal(b.n, 3);
	batch_cleanup(&b);
	attrs_cleanup(&hc.overrides);
}

static void
test_batch_reaches_catalog_and_rrd(void **state)
{
	char dir[] = "/tmp/drover-ingest-XXXXXX", path[512];
	struct catalog *cat = catalog_new();
	struct rrd_writer *w = rrd_writer_new(NULL, 100);
	struct ingest *in = ingest_new(cat, w);
	struct conf *c = conf_new();
	struct rrd_writer_stats ws;
	struct batch b = {0};
	struct cat_host *h;
	struct field *f;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	free(c->dbdir);
	c->dbdir = strdup(dir);
	ingest_set_conf(in, c);
	h = catalog_host(cat, "web1.example.com", "A;example.com", NULL);
	f = mkfield(&b, "if_eth0", "down");
	attrs_set(&f->attrs, "type", "DERIVE");
	attrs_set(&f->attrs, "min", "0");
	f->has_value = true;
	f->value = 1234;
	f = mkfield(&b, "if_eth0", "up");
	attrs_set(&f->attrs, "type", "DERIVE");
	f->has_value = true;
	f->unknown = true;
	f = mkfield(&b, "odd", "stamped");
	f->has_value = true;
	f->value = 1;
	f->when = 1700000100;
	mkfield(&b, "odd", "novalue");
	ingest_batch(in, h, NULL, 1700000300, &b);
	assert_int_equal(rrd_writer_flush(w), 0);
	rrd_writer_stats(w, &ws);
	assert_int_equal(ws.errors, 0);
	assert_int_equal(ws.creates, 3);
	snprintf(path, sizeof(path),
	    "%s/A/example.com/web1.example.com-if_eth0-down-d.rrd", dir);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path),
	    "%s/A/example.com/web1.example.com-odd-novalue-g.rrd", dir);
	assert_int_equal(stat(path, &st), -1);
	assert_non_null(cat_host_service(h, "if_eth0"));
	batch_cleanup(&b);
	ingest_free(in);
	rrd_writer_free(w);
	catalog_free(cat);
	conf_free(c);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_overrides_longest_service_wins),
	    cmocka_unit_test(test_batch_reaches_catalog_and_rrd),
	};

	log_init(false, LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
