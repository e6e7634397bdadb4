/*
 * render_bench: uncached day-graph latency of drover's renderer (render
 * thread, and forked renders) against the rrdtool graph CLI, for one
 * service drawn as munin-graph draws it.
 *
 * usage: render_bench CONFIG SERVICE WORKDIR ROUNDS
 * Creates Munin-schema RRD files for every field of CONFIG (a "config"
 * reply) with 2000 minutes of values under WORKDIR/db, then per round
 * renders the day graph once per method, interleaved so that the three
 * see the same machine load: drover through renderer_get() with a fresh
 * key (a cache miss, request to callback on the loop), and `rrdtool graph`
 * with the same arguments (fork+exec to exit).  Prints the median and mean
 * per method, in ms.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rrd.h>
#include <uv.h>

#include "lib/log.h"
#include "plugins/munin_proto.h"
#include "rrd/graph.h"
#include "rrd/render.h"
#include "rrd/rrd_schema.h"

enum { M_THREAD, M_FORK, M_CLI, M_NR };
static const char *const mname[M_NR] = {
    "drover render thread", "drover forked render", "rrdtool graph CLI"};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct wait {
	bool done, ok;
	char err[256];
};

static void
on_result(void *arg, const struct render_result *res)
{
	struct wait *w = arg;

	w->done = true;
	w->ok = res->path != NULL;
	snprintf(w->err, sizeof(w->err), "%s", res->error ? res->error : "");
}

static void
make_files(struct service *svc, const char *db, time_t now)
{
	struct rrd_create_args a;
	struct rrd_ds ds;
	char path[4096], vals[400][48];
	const char *argv[400];
	time_t first = now - 2000 * 60, t;
	size_t i;
	int n;

	for (i = 0; i < svc->nfields; i++) {
		struct field *f = &svc->fields[i];
		double v = 1000.0 * (double)(i + 1);

		if (rrd_path(path, sizeof(path), db, "grp", "host.test",
			svc->name, f->name, field_type(f)) == -1 ||
		    rrd_ds_init(&ds, field_type(f), attrs_get(&f->attrs, "min"),
			attrs_get(&f->attrs, "max"), NULL) == -1 ||
		    rrd_create_args(&a, &ds, first) == -1 ||
		    rrd_create_r(path, a.step, a.start, a.argc, a.argv) != 0) {
			fprintf(
			    stderr, "create %s: %s\n", path, rrd_get_error());
			exit(1);
		}
		n = 0;
		for (t = first; t <= now && n < 400; t += 300) {
			/* counters grow by a wavy rate; gauges wave */
			v += field_type(f) == DS_GAUGE
				 ? 0
				 : 300.0 * (5 + (double)((t / 300 + i) % 13));
			snprintf(vals[n], sizeof(vals[n]), "%lld:%.0f",
			    (long long)t,
			    field_type(f) == DS_GAUGE
				? 40 + (double)((t / 300 + 7 * i) % 50)
				: v);
			argv[n] = vals[n];
			n++;
		}
		if (rrd_update_r(path, NULL, n, argv) != 0) {
			fprintf(
			    stderr, "update %s: %s\n", path, rrd_get_error());
			exit(1);
		}
	}
}

int
main(int argc, char **argv)
{
	struct batch b = {0};
	struct service *svc;
	struct graph_params p = {0};
	struct renderer *r[2];
	struct renderer_opts o = {0};
	uv_loop_t loop;
	char buf[65536], db[4096], cache[4096], err[256], key[64];
	double *lat[M_NR], t0, sum, med[M_NR], mean[M_NR];
	time_t *last;
	int rounds, i, m, status;
	size_t len, k;
	FILE *fp;

	if (argc != 5) {
		fprintf(stderr,
		    "usage: render_bench CONFIG SERVICE WORKDIR ROUNDS\n");
		return 2;
	}
	rounds = atoi(argv[4]);
	fp = fopen(argv[1], "r");
	if (fp == NULL || rounds < 1) {
		perror(argv[1]);
		return 1;
	}
	len = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	mproto_parse_config(buf, len, argv[2], &b, NULL);
	svc = batch_service(&b, argv[2], false);
	if (svc == NULL)
		return 1;
	snprintf(db, sizeof(db), "%s/db", argv[3]);
	snprintf(cache, sizeof(cache), "%s/cache", argv[3]);
	mkdir(db, 0755);
	snprintf(buf, sizeof(buf), "%s/grp", db);
	mkdir(buf, 0755);
	mkdir(cache, 0755);
	p.now = time(NULL) / 300 * 300;
	make_files(svc, db, p.now);
	last = calloc(svc->nfields, sizeof(*last));
	for (k = 0; k < svc->nfields; k++)
		last[k] = p.now;
	p.dbdir = db;
	p.group_path = "grp";
	p.host = "host.test";
	p.period = GRAPH_DAY;
	p.field_last = last;
	p.format = GRAPH_PNG;
	p.watermark = "drover";
	graph_period_range(GRAPH_DAY, p.now, &p.start, &p.end);

	log_init(false, LOG_LVL_WARN);
	uv_loop_init(&loop);
	o.cache_dir = cache;
	o.cache_max_bytes = 64 << 20;
	o.mode = RENDER_THREAD;
	r[0] = renderer_new(&loop, &o);
	o.mode = RENDER_FORK;
	r[1] = renderer_new(&loop, &o);
	if (r[0] == NULL || r[1] == NULL)
		return 1;
	for (m = 0; m < M_NR; m++)
		lat[m] = calloc((size_t)rounds, sizeof(double));

	for (i = -1; i < rounds; i++) { /* round -1 warms caches, uncounted */
		for (m = 0; m < M_NR; m++) {
			struct strlist a = {0};

			if (graph_build(&a, svc, &p, err, sizeof(err)) == -1) {
				fprintf(stderr, "graph_build: %s\n", err);
				return 1;
			}
			t0 = now_ms();
			if (m == M_CLI) {
				pid_t pid;

				/* rrdtool graph FILE args... */
				struct strlist c = {0};

				snprintf(buf, sizeof(buf), "%s/cli.png", cache);
				strlist_add(&c, "rrdtool");
				strlist_add(&c, "graph");
				strlist_add(&c, buf);
				for (k = 2; k < a.n; k++)
					strlist_add(&c, a.v[k]);
				strlist_add(&c, "");
				free(c.v[--c.n]);
				c.v[c.n] = NULL; /* execvp's terminator */
				strlist_cleanup(&a);
				a = c;
				pid = fork();
				if (pid == 0) {
					if (freopen("/dev/null", "w", stdout) ==
					    NULL)
						_exit(127);
					execvp("rrdtool", a.v);
					_exit(127);
				}
				waitpid(pid, &status, 0);
				if (!WIFEXITED(status) ||
				    WEXITSTATUS(status) != 0) {
					fprintf(stderr, "rrdtool failed\n");
					return 1;
				}
				strlist_cleanup(&a);
			} else {
				struct wait w = {0};

				snprintf(key, sizeof(key), "k%d-%d", m, i);
				if (renderer_get(
					r[m], key, &a, 0, on_result, &w) == -1)
					return 1;
				while (!w.done)
					uv_run(&loop, UV_RUN_ONCE);
				if (!w.ok) {
					fprintf(stderr, "render: %s\n", w.err);
					return 1;
				}
			}
			if (i >= 0)
				lat[m][i] = now_ms() - t0;
		}
	}
	printf("%s: %zu fields, day graph 400x175 PNG, %d rounds\n", svc->name,
	    svc->nfields, rounds);
	for (m = 0; m < M_NR; m++) {
		sum = 0;
		for (i = 0; i < rounds; i++)
			sum += lat[m][i];
		qsort(lat[m], (size_t)rounds, sizeof(double), cmp_double);
		med[m] = lat[m][rounds / 2];
		mean[m] = sum / rounds;
	}
	for (m = 0; m < M_NR; m++)
		printf(
		    "%-22s median %7.1f ms  mean %7.1f ms  median/CLI %.2f\n",
		    mname[m], med[m], mean[m], med[m] / med[M_CLI]);
	for (m = 0; m < M_NR; m++)
		free(lat[m]);
	renderer_stop(r[0]);
	renderer_stop(r[1]);
	uv_run(&loop, UV_RUN_DEFAULT);
	renderer_free(r[0]);
	renderer_free(r[1]);
	uv_loop_close(&loop);
	free(last);
	batch_cleanup(&b);
	return 0;
}
