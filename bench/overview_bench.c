/*
 * overview_bench: the cost of the overview page (web/pages.h
 * page_overview: counts, problems, search text per host) over a
 * simulated catalog, beside the alerts page (page_alerts, which walks
 * every field of the same catalog for its problems) as the baseline:
 * the mean wall and CPU milliseconds per page and its size in bytes,
 * and how many of those bytes are the search's data-q, data-w and
 * data-words attributes.
 *
 *   overview_bench HOSTS SERVICES FIELDS [ROUNDS]   (default 20)
 *
 * Every fifth host is a guest of a hypervisor, every tenth has a
 * CRITICAL field, every twentieth is down.  Prints "PAGE wall_ms cpu_ms
 * bytes search_bytes" lines.  bench/overview.sh runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerts/outputs.h"
#include "catalog/catalog.h"
#include "web/pages.h"

static double
now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct catalog *
cluster(int hosts, int services, int fields)
{
	struct catalog *cat = catalog_new();
	char name[64], hv[64], svc[64], fld[64], label[64];
	int i, j, k;

	for (i = 0; i < hosts; i++) {
		struct batch b = {0};
		struct cat_host *h;

		snprintf(name, sizeof(name), "node%04d.example.net", i);
		snprintf(hv, sizeof(hv), "node%04d.example.net", i - i % 5);
		h = catalog_host(cat, name, i % 2 ? "web" : "db", NULL);
		if (i % 5 != 0)
			catalog_set_physical(h, hv, PHYS_LEARNED, hv, name);
		catalog_set_target(h, 300, false);
		for (j = 0; j < services; j++) {
			struct service *s;

			snprintf(svc, sizeof(svc), "plugin_%02d", j);
			s = batch_service(&b, svc, true);
			s->has_config = true;
			snprintf(label, sizeof(label), "Plugin number %d", j);
			attrs_set(&s->graph, "graph_title", label);
			for (k = 0; k < fields; k++) {
				struct field *f;

				snprintf(fld, sizeof(fld), "field_%02d", k);
				f = service_field(s, fld, true);
				snprintf(label, sizeof(label), "Field %d", k);
				attrs_set(&f->attrs, "label", label);
				if (k == 0 && j == 0 && i % 10 == 3)
					attrs_set(&f->attrs, "critical", "1");
				f->has_value = true;
				f->value = 2;
			}
		}
		catalog_update(cat, h, 1000, &b);
		batch_cleanup(&b);
		catalog_poll_result(h, i % 20 != 7,
		    i % 20 == 7 ? "refused" : NULL, 1000, 5, 0, 1);
	}
	return cat;
}

/* Bytes of html inside the search's attributes. */
static size_t
data_q_bytes(const char *html)
{
	static const char *const attrs[] = {
	    " data-q=\"", " data-w=\"", " data-words=\""};
	const char *p, *e;
	size_t n = 0, k;

	for (k = 0; k < 3; k++)
		for (p = html; (p = strstr(p, attrs[k])) != NULL; p = e) {
			p += strlen(attrs[k]);
			e = strchr(p, '"');
			if (e == NULL)
				break;
			n += (size_t)(e - p);
		}
	return n;
}

int
main(int argc, char *argv[])
{
	struct outputs_stats os = {0};
	struct catalog *cat;
	int rounds, i, k;
	size_t len = 0, dq = 0;

	if (argc < 4) {
		fprintf(stderr,
		    "usage: overview_bench HOSTS SERVICES FIELDS [ROUNDS]\n");
		return 2;
	}
	rounds = argc > 4 ? atoi(argv[4]) : 20;
	if (rounds < 1)
		rounds = 1;
	cat = cluster(atoi(argv[1]), atoi(argv[2]), atoi(argv[3]));
	for (k = 0; k < 3; k++) {
		static const char *const names[] = {
		    "alerts", "overview", "overview?q=web"};
		double w0 = now(CLOCK_MONOTONIC);
		double c0 = now(CLOCK_PROCESS_CPUTIME_ID);

		for (i = 0; i < rounds; i++) {
			char *html =
			    k == 0 ? page_alerts(cat, NULL, &os, 1100, &len)
				   : page_overview(cat, k == 2 ? "web" : NULL,
					 1100, &len);

			if (html == NULL)
				return 1;
			dq = data_q_bytes(html);
			free(html);
		}
		printf("%s %.3f %.3f %zu %zu\n", names[k],
		    (now(CLOCK_MONOTONIC) - w0) * 1e3 / rounds,
		    (now(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e3 / rounds, len,
		    dq);
	}
	catalog_free(cat);
	return 0;
}
