/*
 * metrics_bench: the cost of GET /metrics (web/metrics.h metrics_write)
 * over a simulated catalog, beside two baselines over the same catalog:
 * the floor, appending the very lines /metrics made to an empty growing
 * buffer one line at a time (what any writer of that text pays), and the
 * overview page (page_overview), the dashboard's own render of every
 * host.  Prints "NAME wall_ms cpu_ms bytes samples" lines, the mean per
 * render, then "stream" with the longest single slice's CPU ms (what GET
 * /metrics runs on the loop at once, 64 KiB like web/http.c) in wall_ms'
 * place.
 *
 *   metrics_bench HOSTS SERVICES FIELDS [ROUNDS]   (default 20)
 *   metrics_bench HOSTS SERVICES FIELDS 1 MODE
 *
 * With MODE (none, whole, stream) one render only, for heaptrack: none
 * builds the catalog alone (the baseline), whole the text in one buffer
 * (as /metrics did before it streamed), stream slice by slice into one
 * reused buffer (as /metrics does now).  MODE http serves the catalog
 * with the real web server (web/http.h) on a libuv loop and scrapes it
 * ROUNDS times with libcurl from a thread, while a 1 ms timer on the
 * loop records the longest gap between its ticks (the loop's longest
 * stall); prints "http scrape_ms bytes gap_ms", the mean scrape.
 *
 * Fields alternate GAUGE (fractional values) and DERIVE (large integer
 * counters); every service's first field has a warning range, so it has
 * an alert state sample too; every twentieth host is down.
 * bench/metrics.sh runs it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <uv.h>

#include "catalog/catalog.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "web/http.h"
#include "web/metrics.h"
#include "web/pages.h"

#define SLICE (64u << 10) /* web/http.c's WEB_METRICS_SLICE */

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
	char name[64], hv[64], svc[64], fld[64];
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
			attrs_set(&s->graph, "graph_title", svc);
			for (k = 0; k < fields; k++) {
				struct field *f;

				snprintf(fld, sizeof(fld), "field_%02d", k);
				f = service_field(s, fld, true);
				attrs_set(&f->attrs, "label", fld);
				if (k % 2 == 1)
					attrs_set(&f->attrs, "type", "DERIVE");
				if (k == 0)
					attrs_set(&f->attrs, "warning", "100");
				f->has_value = true;
				f->value = k % 2 ? 123456789.0 * (i + 1) + j
						 : 0.37 * (i + j + k + 1);
			}
		}
		catalog_update(cat, h, 1796296200, &b);
		batch_cleanup(&b);
		catalog_poll_result(h, i % 20 != 7,
		    i % 20 == 7 ? "refused" : NULL, 1796296200, 5, 0, 1);
	}
	return cat;
}

static size_t
samples(const char *t)
{
	size_t n = 0;

	for (; *t != '\0'; t = strchr(t, '\n') + 1)
		if (*t != '#')
			n++;
	return n;
}

/* Streams the text of cat once, slice by slice into b; *longest gets
 * the longest slice's CPU ms (the loop's own time, not the machine's
 * other load).  Returns the bytes made. */
static size_t
stream_once(const struct catalog *cat, struct buf *b, double *longest)
{
	struct metrics_stream *ms = metrics_stream_new(cat, NULL, 1796296300);
	size_t total = 0;
	bool more = true;
	double t;

	if (ms == NULL)
		exit(1);
	while (more) {
		b->len = 0;
		t = now(CLOCK_THREAD_CPUTIME_ID);
		more = metrics_stream_next(ms, b, SLICE);
		t = (now(CLOCK_THREAD_CPUTIME_ID) - t) * 1e3;
		if (b->oom)
			exit(1);
		if (t > *longest)
			*longest = t;
		total += b->len;
	}
	metrics_stream_free(ms);
	return total;
}

/* "stream longest_ms cpu_ms bytes samples": the longest slice's CPU ms
 * in the wall's place. */
static void
stream_rounds(const struct catalog *cat, int rounds, size_t n)
{
	struct buf b = {0};
	double c0 = now(CLOCK_PROCESS_CPUTIME_ID), longest = 0;
	size_t len = 0;
	int i;

	for (i = 0; i < rounds; i++)
		len = stream_once(cat, &b, &longest);
	printf("stream %.3f %.3f %zu %zu\n", longest,
	    (now(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e3 / rounds, len, n);
	buf_free(&b);
}

/* The http mode's state: the loop's, and the client thread's. */
struct scrape {
	uv_loop_t loop;
	uv_timer_t probe;
	uv_async_t done;
	struct web *web;
	unsigned port;
	int rounds;
	double last_tick, gap; /* ms */
	double scrape_ms;      /* the client's, summed */
	size_t bytes;	       /* of the last scrape */
};

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	(void)p;
	*(size_t *)arg += sz * n;
	return sz * n;
}

static void *
client(void *arg)
{
	struct scrape *sc = arg;
	char url[64];
	int i;

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", sc->port);
	for (i = 0; i < sc->rounds; i++) {
		CURL *c = curl_easy_init();
		double t = now(CLOCK_MONOTONIC);

		sc->bytes = 0;
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &sc->bytes);
		if (curl_easy_perform(c) != CURLE_OK)
			exit(1);
		sc->scrape_ms += (now(CLOCK_MONOTONIC) - t) * 1e3;
		curl_easy_cleanup(c);
	}
	uv_async_send(&sc->done);
	return NULL;
}

static void
on_probe(uv_timer_t *t)
{
	struct scrape *sc = t->data;
	double n = now(CLOCK_MONOTONIC) * 1e3;

	if (sc->last_tick > 0 && n - sc->last_tick > sc->gap)
		sc->gap = n - sc->last_tick;
	sc->last_tick = n;
}

static void
on_scraped(uv_async_t *a)
{
	struct scrape *sc = a->data;

	web_stop(sc->web);
	uv_close((uv_handle_t *)&sc->probe, NULL);
	uv_close((uv_handle_t *)a, NULL);
}

static int
http_mode(struct catalog *cat, int rounds)
{
	struct web_settings ws = {0};
	struct web_stats st = {0};
	struct scrape sc = {0};
	pthread_t th;

	log_init(false, LOG_LVL_WARN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	uv_loop_init(&sc.loop);
	ws.listen_addr = "127.0.0.1";
	ws.dbdir = "/nonexistent";
	ws.interval = 300;
	ws.metrics_only = true;
	sc.web = web_new(&sc.loop, &ws, cat, NULL, NULL, &st);
	if (sc.web == NULL)
		return 1;
	sc.port = web_port(sc.web);
	sc.rounds = rounds;
	uv_timer_init(&sc.loop, &sc.probe);
	sc.probe.data = &sc;
	uv_timer_start(&sc.probe, on_probe, 1, 1);
	uv_async_init(&sc.loop, &sc.done, on_scraped);
	sc.done.data = &sc;
	pthread_create(&th, NULL, client, &sc);
	uv_run(&sc.loop, UV_RUN_DEFAULT);
	pthread_join(th, NULL);
	uv_loop_close(&sc.loop);
	printf("http %.3f %zu %.3f\n", sc.scrape_ms / rounds, sc.bytes, sc.gap);
	catalog_free(cat);
	curl_global_cleanup();
	return 0;
}

/* One render of mode (none, whole, stream), for heaptrack. */
static int
one_mode(struct catalog *cat, const char *mode)
{
	struct buf b = {0};
	double longest = 0, t = now(CLOCK_THREAD_CPUTIME_ID);
	size_t len = 0;

	if (strcmp(mode, "whole") == 0) {
		metrics_write(&b, cat, NULL, 1796296300);
		len = b.len;
		longest = (now(CLOCK_THREAD_CPUTIME_ID) - t) * 1e3;
	} else if (strcmp(mode, "stream") == 0)
		len = stream_once(cat, &b, &longest);
	else if (strcmp(mode, "none") != 0)
		return 2;
	printf("%s: %zu bytes, longest step %.3f ms\n", mode, len, longest);
	buf_free(&b);
	catalog_free(cat);
	return b.oom ? 1 : 0;
}

int
main(int argc, char *argv[])
{
	struct catalog *cat;
	int rounds, i, k;
	size_t len = 0, n = 0;
	char *text = NULL;

	if (argc < 4) {
		fprintf(stderr,
		    "usage: metrics_bench HOSTS SERVICES FIELDS [ROUNDS]\n");
		return 2;
	}
	rounds = argc > 4 ? atoi(argv[4]) : 20;
	if (rounds < 1)
		rounds = 1;
	cat = cluster(atoi(argv[1]), atoi(argv[2]), atoi(argv[3]));
	if (argc > 5 && strcmp(argv[5], "http") == 0)
		return http_mode(cat, rounds);
	if (argc > 5)
		return one_mode(cat, argv[5]);
	for (k = 0; k < 3; k++) {
		static const char *const names[] = {
		    "metrics", "floor", "overview"};
		double w0 = now(CLOCK_MONOTONIC);
		double c0 = now(CLOCK_PROCESS_CPUTIME_ID);

		for (i = 0; i < rounds; i++) {
			struct buf b = {0};
			char *out;
			const char *p, *e;

			switch (k) {
			case 0:
				metrics_write(&b, cat, NULL, 1796296300);
				out = buf_take(&b, &len);
				if (out == NULL)
					return 1;
				free(text);
				text = out;
				break;
			case 1:
				for (p = text; *p != '\0'; p = e + 1) {
					e = strchr(p, '\n');
					buf_putn(&b, p, (size_t)(e - p + 1));
				}
				out = buf_take(&b, &len);
				if (out == NULL)
					return 1;
				free(out);
				break;
			default:
				out =
				    page_overview(cat, NULL, 1796296300, &len);
				if (out == NULL)
					return 1;
				free(out);
			}
		}
		if (k == 0)
			n = samples(text);
		printf("%s %.3f %.3f %zu %zu\n", names[k],
		    (now(CLOCK_MONOTONIC) - w0) * 1e3 / rounds,
		    (now(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e3 / rounds, len,
		    n);
	}
	stream_rounds(cat, rounds, n);
	free(text);
	catalog_free(cat);
	return 0;
}
