/*
 * graph_argv: prints graph_build()'s argument vector, one per line, for
 * the munin-graph comparison test (tests/test_graph_munin_compat.sh) and
 * for refreshing the golden files of tests/test_graph.c.
 *
 * usage: graph_argv CONFIG SERVICE DBDIR GROUP_PATH HOST PERIOD NOW
 *        [CHILD_CONFIG...]
 * CONFIG is a "config PLUGIN" reply (the section of a multigraph service
 * when SERVICE has a dot; each CHILD_CONFIG the section of the service
 * called as its file without ".conf", SERVICE.something, for
 * sub_name_len); PERIOD day|week|month|year or
 * START,END (custom); NOW epoch seconds.  Each field's last update is read
 * from its RRD file (rrd_last_r) when the file exists, as munin-graph
 * does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rrd.h>

#include "plugins/munin_proto.h"
#include "rrd/graph.h"
#include "rrd/rrd_schema.h"

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
