/*
 * graph_argv: prints graph_build()'s argument vector, one per line, for
 * the munin-graph comparison test (tests/test_graph_munin_compat.sh) and
 * for refreshing the golden files of tests/test_graph.c.
 *
 * usage: graph_argv CONFIG SERVICE DBDIR GROUP_PATH HOST PERIOD NOW
 *        [CHILD_CONFIG...]
 *        graph_argv --conf MUNIN_CONF HOST SERVICE PERIOD NOW
 * CONFIG is a "config PLUGIN" reply (the section of a multigraph service
 * when SERVICE has a dot; each CHILD_CONFIG the section of the service
 * called as its file without ".conf", SERVICE.something, for
 * sub_name_len); PERIOD day|week|month|year or
 * START,END (custom); NOW epoch seconds.  Each field's last update is read
 * from its RRD file (rrd_last_r) when the file exists, as munin-graph
 * does.
 *
 * The second form draws a service the way the daemon finds it: the
 * munin.conf is loaded by drover's conf, the polled hosts' configs come
 * from dbdir/datafile (as if drover had polled them), the "update no"
 * hosts' services from collector/unpolled (the datafile, then their
 * munin.conf lines: aggregates), and the references of an aggregate are
 * resolved in that catalog (catalog/cat_ref.h), each file's last update
 * read with rrd_last_r.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rrd.h>

#include "catalog/cat_ref.h"
#include "catalog/munin_datafile.h"
#include "collector/conf.h"
#include "collector/unpolled.h"
#include "plugins/munin_proto.h"
#include "rrd/graph.h"
#include "rrd/rrd_schema.h"

static time_t
file_last(const char *path)
{
	time_t t = rrd_last_r(path);

	rrd_clear_error();
	return t > 0 ? t : 0;
}

/* The --conf form.  0 / 1. */
static int
from_conf(char **argv)
{
	struct conf_errors errs = {0};
	struct munin_datafile df = {0};
	struct catalog *cat = NULL;
	struct conf *c;
	struct cat_refs refs = {0};
	struct strlist out = {0};
	struct graph_params p = {0};
	const struct mdf_host *dh;
	const struct cat_service *cs;
	struct cat_host *h;
	char err[256], path[4096];
	time_t *last = NULL;
	size_t i;
	int rc = 1;

	c = conf_load(argv[0], &errs);
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	conf_errors_cleanup(&errs);
	if (c == NULL)
		return 1;
	cat = catalog_new();
	if (cat == NULL)
		goto out;
	unpolled_read_datafile(c->dbdir, &df);
	for (i = 0; i < c->nhosts; i++) {
		h = catalog_host(
		    cat, c->hosts[i].name, c->hosts[i].group, NULL);
		dh = munin_datafile_host(
		    &df, c->hosts[i].group, c->hosts[i].name);
		if (h != NULL && c->hosts[i].update && dh != NULL)
			catalog_update(cat, h, 0, &dh->b);
	}
	unpolled_apply(cat, c, &df);
	h = catalog_find(cat, argv[1]);
	cs = h != NULL ? cat_host_service(h, argv[2]) : NULL;
	if (cs == NULL) {
		fprintf(stderr, "no service %s of %s\n", argv[2], argv[1]);
		goto out;
	}
	if (cat_refs_resolve(&refs, cat, h, cs, c->dbdir) == -1)
		goto out;
	for (i = 0; i < refs.n; i++)
		if (refs.v[i].path != NULL)
			refs.v[i].last = file_last(refs.v[i].path);
	p.dbdir = c->dbdir;
	p.group_path = h->group;
	p.host = h->name;
	p.now = strtoll(argv[4], NULL, 10);
	if (graph_period_parse(argv[3], &p.period)) {
		graph_period_range(p.period, p.now, &p.start, &p.end);
	} else {
		p.period = GRAPH_CUSTOM;
		p.start = strtoll(argv[3], NULL, 10);
		p.end = strtoll(
		    strchr(argv[3], ',') ? strchr(argv[3], ',') + 1 : "0", NULL,
		    10);
	}
	p.format = GRAPH_PNG;
	p.watermark = "Munin 2.0.73";
	last = calloc(cs->svc.nfields + 1, sizeof(*last));
	if (last == NULL)
		goto out;
	for (i = 0; i < cs->svc.nfields; i++)
		if (rrd_path(path, sizeof(path), p.dbdir, p.group_path, p.host,
			cs->svc.name, cs->svc.fields[i].name,
			field_type(&cs->svc.fields[i])) == 0)
			last[i] = file_last(path);
	p.field_last = last;
	p.sources = refs.v;
	p.nsources = refs.n;
	if (graph_build(&out, &cs->svc, &p, err, sizeof(err)) == -1) {
		fprintf(stderr, "graph_build: %s\n", err);
		goto out;
	}
	for (i = 0; i < out.n; i++)
		printf("%s\n", out.v[i]);
	rc = 0;
out:
	free(last);
	strlist_cleanup(&out);
	cat_refs_cleanup(&refs);
	munin_datafile_cleanup(&df);
	catalog_free(cat);
	conf_free(c);
	return rc;
}

int
main(int argc, char **argv)
{
	struct batch b = {0};
	struct strlist out = {0};
	struct graph_params p = {0};
	struct service *svc;
	char buf[65536], err[256], path[4096];
	time_t *last = NULL;
	size_t len, i;
	FILE *fp;
	int rc = 1;

	if (argc == 7 && strcmp(argv[1], "--conf") == 0)
		return from_conf(argv + 2);
	if (argc < 8) {
		fprintf(stderr, "usage: graph_argv CONFIG SERVICE DBDIR "
				"GROUP_PATH HOST PERIOD NOW\n");
		return 2;
	}
	fp = fopen(argv[1], "r");
	if (fp == NULL) {
		perror(argv[1]);
		return 1;
	}
	len = snprintf(buf, sizeof(buf), "multigraph %s\n", argv[2]);
	len += fread(buf + len, 1, sizeof(buf) - len, fp);
	fclose(fp);
	mproto_parse_config(buf, len, argv[2], &b, NULL);
	svc = batch_service(&b, argv[2], false);
	if (svc == NULL) {
		fprintf(stderr, "no service %s\n", argv[2]);
		goto out;
	}
	p.dbdir = argv[3];
	p.group_path = argv[4];
	p.host = argv[5];
	p.now = strtoll(argv[7], NULL, 10);
	if (graph_period_parse(argv[6], &p.period)) {
		graph_period_range(p.period, p.now, &p.start, &p.end);
	} else {
		p.period = GRAPH_CUSTOM;
		p.start = strtoll(argv[6], NULL, 10);
		p.end = strtoll(
		    strchr(argv[6], ',') ? strchr(argv[6], ',') + 1 : "0", NULL,
		    10);
	}
	p.format = GRAPH_PNG;
	p.watermark = "Munin 2.0.73";
	last = calloc(svc->nfields + 1, sizeof(*last));
	if (last == NULL)
		goto out;
	for (i = 0; i < svc->nfields; i++)
		if (rrd_path(path, sizeof(path), p.dbdir, p.group_path, p.host,
			svc->name, svc->fields[i].name,
			field_type(&svc->fields[i])) == 0)
			last[i] = rrd_last_r(path) > 0 ? rrd_last_r(path) : 0;
	rrd_clear_error();
	p.field_last = last;
	for (i = 8; i < (size_t)argc; i++) {
		struct batch cb = {0};
		char name[256];
		const char *base = strrchr(argv[i], '/');
		size_t n;

		base = base != NULL ? base + 1 : argv[i];
		snprintf(name, sizeof(name), "%.*s",
		    (int)(strlen(base) > 5 ? strlen(base) - 5 : 0), base);
		fp = fopen(argv[i], "r");
		if (fp == NULL) {
			perror(argv[i]);
			goto out;
		}
		len = snprintf(buf, sizeof(buf), "multigraph %s\n", name);
		len += fread(buf + len, 1, sizeof(buf) - len, fp);
		fclose(fp);
		mproto_parse_config(buf, len, name, &cb, NULL);
		if (batch_service(&cb, name, false) != NULL) {
			n = graph_sub_name_len(
			    svc, batch_service(&cb, name, false));
			if (n > p.sub_name_len)
				p.sub_name_len = n;
		}
		batch_cleanup(&cb);
	}
	if (graph_build(&out, svc, &p, err, sizeof(err)) == -1) {
		fprintf(stderr, "graph_build: %s\n", err);
		goto out;
	}
	for (i = 0; i < out.n; i++)
		printf("%s\n", out.v[i]);
	rc = 0;
out:
	free(last);
	strlist_cleanup(&out);
	batch_cleanup(&b);
	return rc;
}
