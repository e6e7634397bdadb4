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

#include <rrd.h>

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
	/* a multigraph child's dots become dashes; a service whose first
	 * field has no value still names its others' files by itself */
	f = mkfield(&b, "diskstats_latency.vda", "avgwait");
	attrs_set(&f->attrs, "type", "ABSOLUTE");
	f->has_value = true;
	mkfield(&b, "mem", "free");
	f = mkfield(&b, "mem", "used");
	f->has_value = true;
	/* a name that cannot be a file is not stored */
	f = mkfield(&b, "mem", "a/b");
	f->has_value = true;
	ingest_batch(in, h, NULL, 1700000300, &b);
	assert_int_equal(rrd_writer_flush(w), 0);
	rrd_writer_stats(w, &ws);
	assert_int_equal(ws.errors, 0);
	assert_int_equal(ws.creates, 5);
	snprintf(path, sizeof(path),
	    "%s/A/example.com/"
	    "web1.example.com-diskstats_latency-vda-avgwait-a.rrd",
	    dir);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path),
	    "%s/A/example.com/web1.example.com-mem-used-g.rrd", dir);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path),
	    "%s/A/example.com/web1.example.com-odd-stamped-g.rrd", dir);
	assert_int_equal(stat(path, &st), 0);
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

/* The step of the RRD file at path (rrdtool info), 0 when unreadable. */
static unsigned long
file_step(const char *path)
{
	rrd_info_t *info = rrd_info_r((char *)path), *i;
	unsigned long step = 0;

	for (i = info; i != NULL; i = i->next)
		if (strcmp(i->key, "step") == 0)
			step = i->value.u_cnt;
	rrd_info_free(info);
	return step;
}

/* The step the catalog made service svc's first field's file with. */
static unsigned
cat_step(const struct cat_host *h, const char *svc)
{
	const struct cat_service *cs = cat_host_service(h, svc);
	struct rrd_ds ds;

	assert_non_null(cs);
	cat_field_ds(cs, 0, &ds);
	return ds.step;
}

/* A poll of services "load" and "own" (own says graph_data_size normal)
 * at ts into h of hc. */
static void
layout_poll(struct ingest *in, struct cat_host *h, const struct conf_host *hc,
    time_t ts)
{
	struct batch b = {0};
	struct field *f = mkfield(&b, "load", "load");

	f->has_value = true;
	f->value = 0.5;
	f = mkfield(&b, "own", "x");
	attrs_set(&batch_service(&b, "own", false)->graph, "graph_data_size",
	    "normal");
	f->has_value = true;
	f->value = 1;
	f = mkfield(&b, "over", "x");
	f->has_value = true;
	f->value = 2;
	ingest_batch(in, h, hc, ts, &b);
	batch_cleanup(&b);
}

/* The local node polled more often than every 300 s gets files with a
 * step of its interval (Munin's update_rate with a custom size); a
 * service's or the operator's own size, another host or an interval
 * that does not divide 300 s keep Munin's 300 s. */
static void
test_local_node_layout(void **state)
{
	char dir[] = "/tmp/drover-ingest-XXXXXX", path[512];
	struct catalog *cat = catalog_new();
	struct rrd_writer *w = rrd_writer_new(NULL, 100);
	struct ingest *in = ingest_new(cat, w);
	struct conf *c = conf_new();
	struct conf_host me = {0}, other = {0};
	struct rrd_writer_stats ws;
	struct cat_host *h;

	(void)state;
	assert_non_null(mkdtemp(dir));
	free(c->dbdir);
	c->dbdir = strdup(dir);
	c->interval = 60;
	ingest_set_conf(in, c);
	me.local = true;
	attrs_set(&me.overrides, "over.graph_data_size", "huge");
	h = catalog_host(cat, "me", "me", NULL);
	layout_poll(in, h, &me, 1700000040);
	layout_poll(in, h, &me, 1700000100);
	assert_int_equal(rrd_writer_flush(w), 0);
	rrd_writer_stats(w, &ws);
	assert_int_equal(ws.errors, 0);
	snprintf(path, sizeof(path), "%s/me/me-load-load-g.rrd", dir);
	assert_int_equal(file_step(path), 60);
	assert_int_equal(cat_step(h, "load"), 60);
	assert_string_equal(
	    attrs_get(&cat_host_service(h, "load")->svc.graph, "update_rate"),
	    "60");
	snprintf(path, sizeof(path), "%s/me/me-own-x-g.rrd", dir);
	assert_int_equal(file_step(path), 300);
	snprintf(path, sizeof(path), "%s/me/me-over-x-g.rrd", dir);
	assert_int_equal(file_step(path), 300);
	/* a munin-node host at the same interval: Munin's layout */
	h = catalog_host(cat, "web", "web", NULL);
	layout_poll(in, h, &other, 1700000040);
	assert_int_equal(cat_step(h, "load"), 300);
	/* the local node at an interval that does not divide 300 s */
	c->interval = 70;
	h = catalog_host(cat, "me2", "me2", NULL);
	layout_poll(in, h, &me, 1700000040);
	assert_int_equal(cat_step(h, "load"), 300);
	c->interval = 300;
	h = catalog_host(cat, "me3", "me3", NULL);
	layout_poll(in, h, &me, 1700000100);
	assert_int_equal(cat_step(h, "load"), 300);
	assert_int_equal(rrd_writer_flush(w), 0);
	attrs_cleanup(&me.overrides);
	ingest_free(in);
	rrd_writer_free(w);
	catalog_free(cat);
	conf_free(c);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/* One poll of "sensors": field "v" (value v) with a Munin warning of 5
 * and, when st is not NULL, the source's own verdict st. */
static void
sensor_poll(struct ingest *in, struct cat_host *h, const struct conf_host *hc,
    time_t ts, double v, const char *st, bool config)
{
	struct batch b = {0};
	struct service *s = batch_service(&b, "sensors", true);
	struct field *f = service_field(s, "v", true);

	s->has_config = config;
	if (config) {
		attrs_set(&f->attrs, "label", "volts");
		attrs_set(&f->attrs, "warning", "5");
	}
	if (st != NULL)
		attrs_set(&f->attrs, "state", st);
	f->has_value = true;
	f->value = v;
	ingest_batch(in, h, hc, ts, &b);
	batch_cleanup(&b);
}

static enum field_state
sensor_state(const struct cat_host *h, bool *judged)
{
	const struct cat_service *cs = cat_host_service(h, "sensors");

	*judged = cs->fields[0].has_alert;
	assert_null(attrs_get(&cs->svc.fields[0].attrs, "alert_state"));
	return cat_field_state(cs, 0);
}

/* The alert engine judges by the typed view of the merged config and
 * leaves its verdict in the catalog's field record. */
static void
test_alerts_judge_typed_config(void **state)
{
	struct catalog *cat = catalog_new();
	struct ingest *in = ingest_new(cat, NULL);
	struct alerts *a = alerts_new(NULL);
	struct conf *c = conf_new();
	struct conf_host hc = {0};
	struct alerts_defaults ad;
	struct cat_host *h;
	bool judged;

	(void)state;
	ad.attempts = c->alert_attempts;
	ad.interval = c->interval;
	alerts_set_defaults(a, &ad);
	ingest_set_alerts(in, a);
	h = catalog_host(cat, "hv1", "g", NULL);
	/* Munin's warning, two attempts (the global default) */
	sensor_poll(in, h, &hc, 300, 10, NULL, true);
	assert_int_equal(sensor_state(h, &judged), FS_OK);
	assert_true(judged);
	sensor_poll(in, h, &hc, 600, 10, NULL, true);
	assert_int_equal(sensor_state(h, &judged), FS_WARNING);
	/* a source's verdict wins over the ranges */
	sensor_poll(in, h, &hc, 900, 10, "OK", true);
	sensor_poll(in, h, &hc, 1200, 10, "OK", true);
	assert_int_equal(sensor_state(h, &judged), FS_OK);
	/* ... and is read from a values-only batch's own attributes */
	sensor_poll(in, h, &hc, 1500, 1, "CRITICAL", false);
	sensor_poll(in, h, &hc, 1800, 1, "CRITICAL", false);
	assert_int_equal(sensor_state(h, &judged), FS_CRITICAL);
	assert_true(judged);
	/* the operator's thresholds overrule the source's verdict */
	attrs_set(&hc.overrides, "sensors.v.warning", "20");
	sensor_poll(in, h, &hc, 2100, 10, "CRITICAL", true);
	sensor_poll(in, h, &hc, 2400, 10, "CRITICAL", true);
	assert_int_equal(sensor_state(h, &judged), FS_OK);
	/* the rule follows a config change: a per-field attempt count */
	attrs_set(&hc.overrides, "sensors.v.alert_attempts", "1");
	sensor_poll(in, h, &hc, 2700, 30, NULL, true);
	assert_int_equal(sensor_state(h, &judged), FS_WARNING);
	attrs_cleanup(&hc.overrides);
	ingest_free(in);
	alerts_free(a);
	catalog_free(cat);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_overrides_longest_service_wins),
	    cmocka_unit_test(test_batch_reaches_catalog_and_rrd),
	    cmocka_unit_test(test_alerts_judge_typed_config),
	    cmocka_unit_test(test_local_node_layout),
	};

	log_init(false, LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
