/*
 * ingest_bench: the loop's cost of one poll's batch, from ingest_batch()
 * through overrides, catalog, alert engine and the RRD queue, for a
 * cluster of guests that each send a few typical Munin services.
 *
 * usage: ingest_bench HOSTS ROUNDS [QUEUE]
 * Builds a config of HOSTS guests (each with one munin.conf override),
 * then polls every guest ROUNDS + 1 times: the first round (catalog and
 * alert entries created) is not measured, the others go through
 * bench_ingest(); after each round alerts_tick() runs through
 * bench_tick().  Batches are built the way the munin-node client builds
 * them (its cached config replayed, then values) in bench_replay() and
 * handed back in bench_done(), measured apart.  The RRD writer talks to an
 * rrdcached that is not there and a queue of QUEUE values (default 64:
 * most are refused as the queue is full; a QUEUE above the values sent
 * queues every one), so submitting costs what it costs.  No file is
 * written: dbdir is under /proc, where the writer's mkdir fails at once,
 * so its work per value is the same in every run (a dbdir that could be
 * made would keep the files of one run for the next to find).
 *
 * Meant to run under `valgrind --tool=callgrind
 * --toggle-collect=bench_ingest --toggle-collect=bench_tick ...`
 * (bench/ingest.sh): instruction counts are deterministic on a shared
 * machine, wall-clock times are not.  Prints what it did.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/alerts.h"
#include "catalog/catalog.h"
#include "collector/conf.h"
#include "collector/ingest.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "rrd/rrd_writer.h"

#define T0 1700000000 /* epoch s of the first round */

/* One service as a munin-node plugin configures it. */
struct fdef {
	const char *name;
	const char *attrs[16]; /* key, value, ..., NULL */
};

struct sdef {
	const char *name;
	const char *graph[14];
	struct fdef fields[9];
};

static const struct sdef services[] = {
    {"load",
	{"graph_title", "Load average", "graph_args", "--base 1000 -l 0",
	    "graph_vlabel", "load", "graph_scale", "no", "graph_category",
	    "system", NULL},
	{{"load", {"label", "load", "warning", "10", "critical", "120", NULL}},
	    {NULL, {NULL}}}},
    {"cpu",
	{"graph_title", "CPU usage", "graph_order",
	    "system user nice idle iowait irq softirq steal", "graph_args",
	    "--base 1000 -r --lower-limit 0 --upper-limit 200", "graph_vlabel",
	    "%", "graph_scale", "no", "graph_category", "system", NULL},
	{{"system",
	     {"label", "system", "draw", "AREA", "min", "0", "type", "DERIVE",
		 "info", "CPU time spent by the kernel", NULL}},
	    {"user",
		{"label", "user", "draw", "STACK", "min", "0", "type", "DERIVE",
		    "info", "CPU time spent by normal programs", NULL}},
	    {"nice", {"label", "nice", "draw", "STACK", "min", "0", "type",
			 "DERIVE", NULL}},
	    {"idle", {"label", "idle", "draw", "STACK", "min", "0", "type",
			 "DERIVE", NULL}},
	    {"iowait", {"label", "iowait", "draw", "STACK", "min", "0", "type",
			   "DERIVE", NULL}},
	    {"irq", {"label", "irq", "draw", "STACK", "min", "0", "type",
			"DERIVE", NULL}},
	    {"softirq", {"label", "softirq", "draw", "STACK", "min", "0",
			    "type", "DERIVE", NULL}},
	    {"steal", {"label", "steal", "draw", "STACK", "min", "0", "type",
			  "DERIVE", NULL}},
	    {NULL, {NULL}}}},
    {"memory",
	{"graph_title", "Memory usage", "graph_args",
	    "--base 1024 -l 0 --upper-limit 8264478720", "graph_vlabel",
	    "Bytes", "graph_category", "system", NULL},
	{{"apps", {"label", "apps", "draw", "AREA", NULL}},
	    {"page_tables", {"label", "page_tables", "draw", "STACK", NULL}},
	    {"swap_cache", {"label", "swap_cache", "draw", "STACK", NULL}},
	    {"slab", {"label", "slab_cache", "draw", "STACK", NULL}},
	    {"cached", {"label", "cache", "draw", "STACK", NULL}},
	    {"free", {"label", "unused", "draw", "STACK", NULL}},
	    {"swap", {"label", "swap", "draw", "STACK", "warning", "1000000000",
			 NULL}},
	    {NULL, {NULL}}}},
    {"if_eth0",
	{"graph_title", "eth0 traffic", "graph_order", "down up", "graph_args",
	    "--base 1000", "graph_vlabel",
	    "bits in (-) / out (+) per ${graph_period}", "graph_category",
	    "network", NULL},
	{{"down", {"label", "received", "type", "DERIVE", "graph", "no", "cdef",
		      "down,8,*", "max", "1000000000", "min", "0", NULL}},
	    {"up",
		{"label", "bps", "type", "DERIVE", "negative", "down", "cdef",
		    "up,8,*", "max", "1000000000", "min", "0", NULL}},
	    {NULL, {NULL}}}},
    {"df",
	{"graph_title", "Disk usage in percent", "graph_args",
	    "--upper-limit 100 -l 0", "graph_vlabel", "%", "graph_scale", "no",
	    "graph_category", "disk", NULL},
	{{"_dev_vda1", {"label", "/", "warning", "92", "critical", "98", NULL}},
	    {"_dev_vda2",
		{"label", "/var", "warning", "92", "critical", "98", NULL}},
	    {"_dev_vdb1",
		{"label", "/srv", "warning", "92", "critical", "98", NULL}},
	    {NULL, {NULL}}}},
};

#define NSERVICES (sizeof(services) / sizeof(services[0]))

/* A value that moves every round; one guest in 50 runs hot. */
static double
value_of(size_t host, size_t svc, size_t field, size_t round)
{
	double base = (double)((host * 7 + svc * 13 + field * 17) % 50);

	if (host % 50 == 0 && (svc == 0 || svc == 4))
		base += 100; /* load 100+ (WARNING), disk 100+ (CRITICAL) */
	return base + (double)(round % 3);
}

/* A guest's plugins' config, as the munin client caches it. */
static void
build_config(struct batch *b)
{
	const struct sdef *sd;
	struct service *s;
	struct field *f;
	size_t i, j, k;

	for (i = 0; i < NSERVICES; i++) {
		sd = &services[i];
		s = batch_service(b, sd->name, true);
		s->has_config = true;
		for (k = 0; sd->graph[k] != NULL; k += 2)
			attrs_set(&s->graph, sd->graph[k], sd->graph[k + 1]);
		for (j = 0; sd->fields[j].name != NULL; j++) {
			f = service_field(s, sd->fields[j].name, true);
			for (k = 0; sd->fields[j].attrs[k] != NULL; k += 2)
				attrs_set(&f->attrs, sd->fields[j].attrs[k],
				    sd->fields[j].attrs[k + 1]);
		}
	}
}

/*
 * One poll's batch as the munin client makes it from its cache: the
 * cached config replayed (service_copy), then each value line's field
 * looked up by name.  Measured in bench_replay().
 */
static void
replay(struct batch *b, const struct batch *cache, size_t host, size_t round)
{
	const struct sdef *sd;
	struct service *s, copy;
	struct field *f;
	size_t i, j;

	for (i = 0; i < cache->n; i++) {
		if (service_copy(&copy, &cache->services[i]) == -1 ||
		    batch_take(b, &copy) == -1)
			abort();
		s = &b->services[b->n - 1];
		sd = &services[i];
		for (j = 0; sd->fields[j].name != NULL; j++) {
			f = service_field(s, sd->fields[j].name, false);
			f->has_value = true;
			f->value = value_of(host, i, j, round);
		}
	}
}

static __attribute__((noinline)) void
bench_replay(
    struct batch *b, const struct batch *cache, size_t host, size_t round)
{
	replay(b, cache, host, round);
}

/* The batch handed back after ingest.  Measured (bench_done). */
static __attribute__((noinline)) void
bench_done(struct batch *b)
{
	batch_cleanup(b);
}

/* The measured functions: callgrind counts only what runs inside. */
static __attribute__((noinline)) void
bench_ingest(struct ingest *in, struct cat_host *h, const struct conf_host *hc,
    time_t ts, struct batch *b)
{
	ingest_batch(in, h, hc, ts, b);
}

static __attribute__((noinline)) void
bench_tick(struct alerts *a, struct catalog *cat, time_t now)
{
	alerts_tick(a, cat, now);
}

int
main(int argc, char **argv)
{
	struct conf_errors errs = {0};
	struct buf text = {0};
	struct conf *c = conf_new();
	struct catalog *cat = catalog_new();
	struct rrd_writer *w;
	struct alerts *a = alerts_new(NULL);
	struct ingest *in;
	struct conf_host *hc;
	struct cat_host **hosts;
	const struct conf_host **hcs;
	char name[64];
	struct batch b, *cache;
	size_t nhosts, rounds, qmax = 64, i, r, values = 0;
	time_t ts;

	if ((argc != 3 && argc != 4) ||
	    (nhosts = strtoul(argv[1], NULL, 10)) == 0 ||
	    (rounds = strtoul(argv[2], NULL, 10)) == 0 ||
	    (argc == 4 && (qmax = strtoul(argv[3], NULL, 10)) == 0)) {
		fprintf(stderr, "usage: ingest_bench HOSTS ROUNDS [QUEUE]\n");
		return 2;
	}
	log_init(false, LOG_LVL_WARN);
	buf_printf(&text,
	    "dbdir /proc/drover-bench\n"
	    "rrdcached_socket unix:/nonexistent/rrdcached.sock\n");
	for (i = 0; i < nhosts; i++)
		buf_printf(&text,
		    "[guest%zu.example.com]\n"
		    "    address 127.0.0.1\n"
		    "    physical hv%zu\n"
		    "    load.load.warning 5\n",
		    i, i / 25);
	if (conf_parse_buf(c, "bench.conf", text.p, text.len, &errs) != 0 ||
	    conf_finish(c, &errs) != 0) {
		fprintf(stderr, "ingest_bench: bad generated config\n");
		return 1;
	}
	buf_free(&text);
	w = rrd_writer_new(c->rrdcached_socket, qmax);
	in = ingest_new(cat, w);
	ingest_set_conf(in, c);
	alerts_set_defaults(
	    a, &(struct alerts_defaults){
		   .attempts = c->alert_attempts, .interval = c->interval});
	ingest_set_alerts(in, a);
	hosts = calloc(nhosts, sizeof(*hosts));
	hcs = calloc(nhosts, sizeof(*hcs));
	cache = calloc(nhosts, sizeof(*cache));
	for (i = 0; i < c->nhosts; i++) {
		hc = &c->hosts[i];
		catalog_host(cat, hc->name, hc->group, hc->physical);
	}
	/* the catalog's array moves as it grows: look up once it is built */
	for (i = 0; i < nhosts; i++) {
		snprintf(name, sizeof(name), "guest%zu.example.com", i);
		hcs[i] = conf_host_find(c, name);
		hosts[i] = catalog_find(cat, name);
		if (hcs[i] == NULL || hosts[i] == NULL) {
			fprintf(stderr, "ingest_bench: %s missing\n", name);
			return 1;
		}
	}
	for (r = 0; r <= rounds; r++) {
		ts = T0 + (time_t)r * 300;
		for (i = 0; i < nhosts; i++) {
			memset(&b, 0, sizeof(b));
			if (r == 0) {
				/* the first poll reads config, which the
				 * client caches */
				build_config(&cache[i]);
				replay(&b, &cache[i], i, r);
				ingest_batch(in, hosts[i], hcs[i], ts, &b);
				batch_cleanup(&b);
				continue;
			}
			bench_replay(&b, &cache[i], i, r);
			values += batch_values(&b);
			bench_ingest(in, hosts[i], hcs[i], ts, &b);
			bench_done(&b);
		}
		if (r > 0)
			bench_tick(a, cat, ts + 299);
	}
	printf("ingest_bench: %zu hosts x %zu services, %zu measured rounds, "
	       "%zu batches, %zu values\n",
	    nhosts, NSERVICES, rounds, nhosts * rounds, values);
	ingest_free(in);
	rrd_writer_free(w);
	alerts_free(a);
	catalog_free(cat);
	conf_free(c);
	for (i = 0; i < nhosts; i++)
		batch_cleanup(&cache[i]);
	free(cache);
	free(hosts);
	free(hcs);
	conf_errors_cleanup(&errs);
	return 0;
}
