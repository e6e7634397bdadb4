/*
 * rw_bench: what remote write adds to the collector's CPU, in process,
 * side by side in one run.  HOSTS guests of 5 typical Munin services (21
 * fields: GAUGEs and DERIVEs, some with thresholds) are polled ROUNDS
 * times three ways, each measured as the whole process's CPU (every
 * thread: the RRD queue's, the remote-write queue's writer, curl):
 *
 *   build   building the batches only (what the munin-node client does;
 *           subtracted from the others)
 *   ingest  build + ingest_batch (overrides, catalog, alert engine;
 *           without an RRD writer, which with no rrdcached there writes
 *           real files: the baseline leaves the RRD queue out, so the
 *           ratio errs against remote write)
 *   rw      build + ingest_batch with remote write as its sink: encoding,
 *           snappy, the on-disk queue (segments in STATE_DIR) and the
 *           HTTP requests to URL (a real receiver), the loop run after
 *           each round until the queue is empty
 *
 * and, for scale, /metrics rendered once per round over the same
 * catalog.  Prints "NAME cpu_ms samples" lines (totals over the rounds).
 *
 *   rw_bench HOSTS ROUNDS URL STATE_DIR      (bench/remote_write.sh)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <uv.h>

#include "alerts/alerts.h"
#include "catalog/catalog.h"
#include "collector/conf.h"
#include "collector/ingest.h"
#include "collector/remote_write.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "rrd/rrd_writer.h"
#include "web/metrics.h"

#define T0 1796000000 /* epoch s of the first round */

struct sdef {
	const char *name;
	const char *fields[9];
	const char *type; /* of every field; NULL: GAUGE */
	const char *warning;
};

static const struct sdef services[] = {
    {"load", {"load", NULL}, NULL, "10"},
    {"cpu",
	{"system", "user", "nice", "idle", "iowait", "irq", "softirq", "steal",
	    NULL},
	"DERIVE", NULL},
    {"memory",
	{"apps", "page_tables", "swap_cache", "slab", "cached", "free", "swap",
	    NULL},
	NULL, NULL},
    {"if_eth0", {"down", "up", NULL}, "DERIVE", NULL},
    {"df", {"_dev_vda1", "_dev_vda2", "_dev_vdb1", NULL}, NULL, "92"},
};
#define NSERVICES (sizeof(services) / sizeof(services[0]))

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
build_batch(struct batch *b, size_t host, size_t round)
{
	struct service *s;
	struct field *f;
	size_t i, j;

	for (i = 0; i < NSERVICES; i++) {
		s = batch_service(b, services[i].name, true);
		s->has_config = true;
		attrs_set(&s->graph, "graph_title", services[i].name);
		for (j = 0; services[i].fields[j] != NULL; j++) {
			f = service_field(s, services[i].fields[j], true);
			attrs_set(&f->attrs, "label", services[i].fields[j]);
			if (services[i].type != NULL)
				attrs_set(&f->attrs, "type", services[i].type);
			if (services[i].warning != NULL)
				attrs_set(
				    &f->attrs, "warning", services[i].warning);
			f->has_value = true;
			f->value =
			    services[i].type != NULL
				? 1e9 + (double)(host * 1000 + round * 37)
				: 0.37 * (double)(host + i + j + round);
		}
	}
}

struct sink {
	struct remote_write *rw;
	size_t samples;
};

static void
rw_sink(void *arg, const struct cat_host *h, time_t ts, const struct batch *b)
{
	struct sink *s = arg;

	(void)ts;
	remote_write_batch(s->rw, h, b);
}

/* Runs the loop until rw's queue is empty (sent or refused). */
static void
drain(uv_loop_t *loop, struct remote_write *rw)
{
	struct remote_write_stats st;

	for (;;) {
		remote_write_stats(rw, &st);
		if (st.queued == 0)
			return;
		uv_run(loop, UV_RUN_ONCE);
	}
}

int
main(int argc, char **argv)
{
	struct conf_errors errs = {0};
	struct buf text = {0};
	struct conf *c = conf_new();
	struct catalog *cat = catalog_new();
	struct alerts *a = alerts_new(NULL);
	struct remote_write_settings rs = {0};
	struct remote_write_stats st;
	struct sink sink = {0};
	struct ingest *in;
	struct cat_host **hosts;
	const struct conf_host **hcs;
	uv_loop_t *loop = uv_default_loop();
	size_t nhosts, rounds, i, r, values = 0;
	double t, build = 0, ing = 0, rw = 0, met = 0;
	char name[64];
	struct batch b;
	int mode;

	if (argc != 5 || (nhosts = strtoul(argv[1], NULL, 10)) == 0 ||
	    (rounds = strtoul(argv[2], NULL, 10)) == 0) {
		fprintf(stderr, "usage: rw_bench HOSTS ROUNDS URL STATE_DIR\n");
		return 2;
	}
	log_init(false, LOG_LVL_WARN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	buf_printf(&text, "dbdir /nonexistent\n");
	for (i = 0; i < nhosts; i++)
		buf_printf(&text,
		    "[guest%zu.example.com]\n    address 127.0.0.1\n"
		    "    physical hv%zu\n    load.load.warning 5\n",
		    i, i / 25);
	if (conf_parse_buf(c, "bench.conf", text.p, text.len, &errs) != 0 ||
	    conf_finish(c, &errs) != 0) {
		fprintf(stderr, "rw_bench: bad generated config\n");
		return 1;
	}
	buf_free(&text);
	in = ingest_new(cat, NULL);
	ingest_set_conf(in, c);
	alerts_set_defaults(a,
	    &(struct alerts_defaults){.attempts = 2, .interval = c->interval});
	ingest_set_alerts(in, a);
	rs.url = argv[3];
	rs.queue_dir = strcmp(argv[4], "-") != 0 ? argv[4] : NULL;
	rs.queue_bytes = 256u << 20;
	rs.batch_samples = 5000;
	rs.timeout_s = 30;
	sink.rw = remote_write_new(loop, &rs);
	if (sink.rw == NULL)
		return 1;
	hosts = calloc(nhosts, sizeof(*hosts));
	hcs = calloc(nhosts, sizeof(*hcs));
	for (i = 0; i < c->nhosts; i++)
		catalog_host(cat, c->hosts[i].name, c->hosts[i].group,
		    c->hosts[i].physical);
	for (i = 0; i < nhosts; i++) {
		snprintf(name, sizeof(name), "guest%zu.example.com", i);
		hcs[i] = conf_host_find(c, name);
		hosts[i] = catalog_find(cat, name);
	}
	/* round 0 warms the catalog and the alert engine; then, per round,
	 * the three modes one after the other, so drift hits them alike */
	for (r = 0; r <= rounds; r++) {
		for (mode = 0; mode < 3; mode++) {
			ingest_set_sink(in, mode == 2 ? rw_sink : NULL, &sink);
			t = cpu_ms();
			for (i = 0; i < nhosts; i++) {
				memset(&b, 0, sizeof(b));
				build_batch(&b, i, r * 3 + (size_t)mode);
				if (mode > 0 || r == 0)
					ingest_batch(in, hosts[i], hcs[i],
					    T0 + (time_t)(r * 3 + mode) * 300,
					    &b);
				if (mode == 2 && r > 0)
					values += batch_values(&b);
				batch_cleanup(&b);
			}
			if (mode == 2)
				drain(loop, sink.rw);
			t = cpu_ms() - t;
			if (r == 0)
				continue;
			if (mode == 0)
				build += t;
			else if (mode == 1)
				ing += t;
			else
				rw += t;
		}
		if (r > 0) {
			struct buf m = {0};

			t = cpu_ms();
			metrics_write(&m, cat, NULL, T0 + (time_t)r * 900);
			met += cpu_ms() - t;
			buf_free(&m);
		}
	}
	remote_write_stats(sink.rw, &st);
	printf("build %.3f %zu\n", build, values);
	printf("ingest %.3f %zu\n", ing - build, values);
	printf("remote_write %.3f %zu\n", rw - ing, values);
	printf("metrics %.3f %zu\n", met, values);
	printf("sent %llu failed %llu dropped %llu\n",
	    (unsigned long long)st.sent, (unsigned long long)st.failed,
	    (unsigned long long)st.dropped);
	ingest_set_sink(in, NULL, NULL);
	remote_write_free(sink.rw);
	uv_run(loop, UV_RUN_DEFAULT);
	ingest_free(in);
	alerts_free(a);
	catalog_free(cat);
	conf_free(c);
	free(hosts);
	free(hcs);
	return st.failed == 0 && st.dropped == 0 ? 0 : 1;
}
