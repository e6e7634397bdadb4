/*
 * Tests for the web server: a real libmicrohttpd on 127.0.0.1:0 driven by
 * drover's libuv loop in a thread, queried with libcurl.  The catalog is
 * filled before the loop starts, and RRD files are written by the real
 * writer, so pages, JSON and the data API see real data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <poll.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <uv.h>

#include "catalog/catalog.h"
#include "collector/conf.h"
#include "collector/ingest.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "rrd/rrd_writer.h"
#include "web/http.h"
#include "web/metrics.h"
#include "rrd/render.h"

struct fixture {
	char dir[64];
	uv_loop_t loop;
	uv_async_t stop;
	pthread_t thread;
	struct catalog *cat;
	struct conf *conf;
	struct web *web;
	struct renderer *render;
	struct rrd_writer *writer; /* the RRD files' writer, kept for /health */
	uint64_t polls_done;	   /* what the fake scheduler reports */
	char cache[96];
	unsigned port;
	time_t now;
	/* on_loop(): a call the test thread runs on the loop thread */
	uv_async_t call;
	void (*call_fn)(struct fixture *, void *);
	void *call_arg;
	bool called;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

/* The web's poll counters, as main reads them from the scheduler: here
 * from the fixture, set by the test thread. */
static void
fake_poll_stats(void *arg, struct web_poll_stats *out)
{
	struct fixture *f = arg;

	memset(out, 0, sizeof(*out));
	out->done = __atomic_load_n(&f->polls_done, __ATOMIC_SEQ_CST);
	out->late = 2;
}

struct reply {
	long status;
	char *body;
	size_t len;
	char ctype[128];
	char etag[128];	  /* the ETag header, "" without */
	char lastmod[64]; /* Last-Modified */
	char cache[64];	  /* Cache-Control */
};

static size_t
on_data(char *p, size_t sz, size_t n, void *arg)
{
	struct reply *r = arg;
	char *nb = realloc(r->body, r->len + sz * n + 1);

	if (nb == NULL)
		return 0;
	r->body = nb;
	memcpy(r->body + r->len, p, sz * n);
	r->len += sz * n;
	r->body[r->len] = '\0';
	return sz * n;
}

static struct reply get_h(struct fixture *f, const char *method,
    const char *path, const char *header, char *etag, size_t etaglen);

static struct reply
get(struct fixture *f, const char *method, const char *path)
{
	return get_h(f, method, path, NULL, NULL, 0);
}

/* GET with an extra request header; the ETag answer goes to etag. */
static struct reply
get_h(struct fixture *f, const char *method, const char *path,
    const char *header, char *etag, size_t etaglen)
{
	struct reply r = {0};
	struct curl_slist *hdrs = NULL;
	struct curl_header *h = NULL;
	char url[70000];
	char *ct = NULL;
	CURL *c = curl_easy_init();

	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", f->port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	if (header != NULL) {
		hdrs = curl_slist_append(hdrs, header);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	}
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	if (etag != NULL &&
	    curl_easy_header(c, "ETag", 0, CURLH_HEADER, -1, &h) == CURLHE_OK)
		snprintf(etag, etaglen, "%s", h->value);
	if (curl_easy_header(c, "ETag", 0, CURLH_HEADER, -1, &h) == CURLHE_OK)
		snprintf(r.etag, sizeof(r.etag), "%s", h->value);
	if (curl_easy_header(c, "Last-Modified", 0, CURLH_HEADER, -1, &h) ==
	    CURLHE_OK)
		snprintf(r.lastmod, sizeof(r.lastmod), "%s", h->value);
	if (curl_easy_header(c, "Cache-Control", 0, CURLH_HEADER, -1, &h) ==
	    CURLHE_OK)
		snprintf(r.cache, sizeof(r.cache), "%s", h->value);
	curl_slist_free_all(hdrs);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	snprintf(r.ctype, sizeof(r.ctype), "%s", ct != NULL ? ct : "");
	curl_easy_cleanup(c);
	if (r.body == NULL)
		r.body = strdup("");
	return r;
}

static void *
loop_main(void *arg)
{
	struct fixture *f = arg;

	uv_run(&f->loop, UV_RUN_DEFAULT);
	return NULL;
}

static void
on_stop(uv_async_t *a)
{
	struct fixture *f = a->data;

	web_stop(f->web);
	renderer_stop(f->render);
	uv_close((uv_handle_t *)a, NULL);
	uv_close((uv_handle_t *)&f->call, NULL);
}

static void
on_call(uv_async_t *a)
{
	struct fixture *f = a->data;

	f->call_fn(f, f->call_arg);
	pthread_mutex_lock(&f->mu);
	f->called = true;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

/* Runs fn(f, arg) on the loop thread (which owns the catalog and the
 * renderer) and waits for it. */
static void
on_loop(struct fixture *f, void (*fn)(struct fixture *, void *), void *arg)
{
	pthread_mutex_lock(&f->mu);
	f->call_fn = fn;
	f->call_arg = arg;
	f->called = false;
	uv_async_send(&f->call);
	while (!f->called)
		pthread_cond_wait(&f->cv, &f->mu);
	pthread_mutex_unlock(&f->mu);
}

static void
add_field(struct batch *b, const char *svc, const char *name, const char *label,
    double v, const char *warning)
{
	struct service *s = batch_service(b, svc, true);
	struct field *fl = service_field(s, name, true);

	s->has_config = true;
	attrs_set(&s->graph, "graph_title", svc);
	attrs_set(&s->graph, "graph_category", "system");
	attrs_set(&fl->attrs, "label", label);
	if (warning != NULL)
		attrs_set(&fl->attrs, "warning", warning);
	fl->has_value = true;
	fl->value = v;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct rrd_writer *w = rrd_writer_new(NULL, 1000);
	struct ingest *in;
	struct cat_host *h;
	struct batch b = {0};
	int i;

	strcpy(f->dir, "/tmp/drover-http-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	/* the newest sample: strictly before this second, so graphs rendered
	 * now are newer than their data even on a 300 s boundary second */
	f->now = (time(NULL) - 1) / 300 * 300;
	f->cat = catalog_new();
	f->conf = conf_new();
	free(f->conf->dbdir);
	f->conf->dbdir = strdup(f->dir);
	free(f->conf->listen_addr);
	f->conf->listen_addr = strdup("127.0.0.1");
	f->conf->listen_port = 0;
	in = ingest_new(f->cat, w);
	ingest_set_conf(in, f->conf);
	h = catalog_host(f->cat, "web1.example.com", "example.com", "kvm1");
	/* a day of load values, 2.0 rising to 2.0 + 0.01 * i */
	for (i = 288; i >= 0; i--) {
		add_field(
		    &b, "load", "load", "load", 2.0 + 0.01 * (288 - i), "5");
		add_field(
		    &b, "evil", "x", "<script>alert(1)</script>", 1, NULL);
		ingest_batch(in, h, NULL, f->now - i * 300, &b);
		batch_cleanup(&b);
	}
	/* polled for days: its pages show Munin's day graphs (a younger
	 * host leads with its last hour: test_pages) */
	catalog_poll_result(h, true, NULL, f->now - 2 * 86400, 120, 0, 2);
	catalog_poll_result(h, true, NULL, f->now, 120, 0, 2);
	h = catalog_host(f->cat, "down.example.com", "example.com", NULL);
	catalog_poll_result(
	    h, false, "connect: connection refused", f->now, 5, 0, 0);
	h = catalog_host(f->cat, "hot.example.com", "example.com", NULL);
	add_field(&b, "load", "load", "load", 9, "5");
	add_field(&b, "apt", "pending", "pending", 3, NULL);
	attrs_set(&batch_service(&b, "apt", false)->graph, "graph", "no");
	catalog_update(f->cat, h, f->now, &b);
	batch_cleanup(&b);
	catalog_poll_result(h, true, NULL, f->now - 2 * 86400, 5, 0, 1);
	catalog_poll_result(h, true, NULL, f->now, 5, 0, 1);
	assert_int_equal(rrd_writer_flush(w), 0);
	f->writer = w;
	ingest_free(in);
	uv_loop_init(&f->loop);
	snprintf(f->cache, sizeof(f->cache), "%s/graphs", f->dir);
	assert_int_equal(mkdir(f->cache, 0700), 0);
	{
		struct renderer_opts o = {0};

		o.cache_dir = f->cache;
		o.cache_max_bytes = 1 << 24;
		o.timeout_ms = 20000;
		o.mode = RENDER_THREAD;
		f->render = renderer_new(&f->loop, &o);
		assert_non_null(f->render);
	}
	{
		struct web_settings ws = {0};

		ws.listen_addr = f->conf->listen_addr;
		ws.listen_port = f->conf->listen_port;
		ws.dbdir = f->conf->dbdir;
		ws.rrdcached_socket = f->conf->rrdcached_socket;
		ws.interval = f->conf->interval;
		struct web_stats st = {0};

		st.polls = fake_poll_stats;
		st.polls_arg = f;
		st.writer = f->writer;
		f->web = web_new(&f->loop, &ws, f->cat, f->render, NULL, &st);
	}
	assert_non_null(f->web);
	f->port = web_port(f->web);
	assert_true(f->port > 0);
	uv_async_init(&f->loop, &f->stop, on_stop);
	f->stop.data = f;
	uv_async_init(&f->loop, &f->call, on_call);
	f->call.data = f;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	pthread_create(&f->thread, NULL, loop_main, f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	uv_async_send(&f->stop);
	pthread_join(f->thread, NULL);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	renderer_free(f->render);
	rrd_writer_free(f->writer);
	catalog_free(f->cat);
	conf_free(f->conf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
test_pages(void **state)
{
	struct fixture *f = *state;
	char etag[128] = "", hdr[200];
	struct reply r;

	r = get(f, "GET", "/");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.ctype, "text/html"));
	assert_non_null(strstr(r.body, "web1.example.com"));
	/* a down host stays listed, as DOWN, with its error */
	assert_non_null(strstr(r.body, "<li class=\"host st-DOWN\" "
				       "data-q=\"down.example.com"));
	assert_non_null(strstr(r.body, "connect: connection refused"));
	assert_non_null(strstr(r.body, "<li class=\"host st-WARNING\" "
				       "data-q=\"hot.example."));
	free(r.body);
	/* ?q= reaches the overview: what does not match is hidden */
	r = get(f, "GET", "/?q=HOT");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "<li class=\"host st-WARNING\" "
				       "data-q=\"hot.example."));
	assert_non_null(strstr(r.body, "<li class=\"host st-DOWN\" hidden "
				       "data-q=\"down.example.com"));
	assert_non_null(strstr(r.body, "value=\"HOT\""));
	free(r.body);
	r = get(f, "GET", "/web1.example.com/");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "src=\"/web1.example.com/load-day.png"));
	free(r.body);
	r = get(f, "GET", "/health");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "connect: connection refused"));
	free(r.body);
	r = get(f, "GET", "/drover.css");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.ctype, "text/css"));
	free(r.body);
	/* the script every page loads, from the binary, revalidated by its
	 * ETag; an unknown root file is no asset */
	r = get_h(f, "GET", "/drover.js", NULL, etag, sizeof(etag));
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.ctype, "text/javascript"));
	assert_non_null(strstr(r.body, "\"use strict\""));
	assert_true(etag[0] == '"');
	free(r.body);
	snprintf(hdr, sizeof(hdr), "If-None-Match: %s", etag);
	r = get_h(f, "GET", "/drover.js", hdr, NULL, 0);
	assert_int_equal(r.status, 304);
	assert_int_equal(r.len, 0);
	free(r.body);
	r = get(f, "GET", "/drover.jsx");
	assert_int_equal(r.status, 404);
	free(r.body);
	r = get(f, "HEAD", "/");
	assert_int_equal(r.status, 200);
	free(r.body);
}

static void
test_service_page_stats_and_escaping(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	r = get(f, "GET", "/web1.example.com/load/");
	assert_int_equal(r.status, 200);
	/* min/avg/max over the day come from the RRD: 2.0 .. 4.88 */
	assert_non_null(strstr(r.body, "<td class=num>4.88</td>"));
	assert_non_null(strstr(r.body, "-week.png"));
	free(r.body);
	r = get(f, "GET", "/web1.example.com/evil/");
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "<script>alert"));
	assert_non_null(
	    strstr(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	free(r.body);
}

static void
test_json_api(void **state)
{
	struct fixture *f = *state;
	json_error_t err;
	json_t *j, *rows;
	struct reply r;
	char path[256];
	size_t i, known = 0;

	r = get(f, "GET", "/api/v1/hosts");
	assert_int_equal(r.status, 200);
	j = json_loads(r.body, 0, &err);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "hosts")), 3);
	json_decref(j);
	free(r.body);
	r = get(f, "GET", "/api/v1/hosts/hot.example.com/load");
	j = json_loads(r.body, 0, &err);
	assert_non_null(j);
	assert_string_equal(
	    json_string_value(json_object_get(j, "state")), "WARNING");
	assert_true(json_real_value(json_object_get(
			json_array_get(json_object_get(j, "fields"), 0),
			"value")) == 9.0);
	json_decref(j);
	free(r.body);
	snprintf(path, sizeof(path),
	    "/api/v1/hosts/web1.example.com/load/data?start=%ld&end=%ld&cf=MAX",
	    (long)f->now - 3600, (long)f->now);
	r = get(f, "GET", path);
	assert_int_equal(r.status, 200);
	j = json_loads(r.body, 0, &err);
	assert_non_null(j);
	rows = json_object_get(
	    json_object_get(json_object_get(j, "fields"), "load"), "rows");
	assert_true(json_array_size(rows) >= 10);
	for (i = 0; i < json_array_size(rows); i++)
		if (json_is_real(json_array_get(json_array_get(rows, i), 1)))
			known++;
	assert_true(known >= 10);
	json_decref(j);
	free(r.body);
}

static struct fixture *
f_of(void **state)
{
	return *state;
}

static void
test_bad_requests(void **state)
{
	static const struct {
		const char *method, *path;
		long status;
	} cases[] = {
	    {"GET", "/nosuch.example.com/", 404},
	    {"GET", "/web1.example.com/nosuch/", 404},
	    {"GET", "/web1.example.com/load-minute.png", 404},
	    {"GET", "/../../etc/passwd", 404},
	    {"GET", "/%2e%2e/%2e%2e/etc/passwd", 404},
	    {"GET", "/web1.example.com%00/", 400},
	    {"GET", "/health%00.png", 400},
	    {"GET", "/%00", 400},
	    {"GET", "/web1.example.com/load/?start=1%00&end=5", 400},
	    {"GET", "/web1.example.com/%2500/", 404},
	    {"GET", "/web1.example.com/..%2f..%2fetc/", 404},
	    {"GET", "/api/v1/hosts/nosuch", 404},
	    {"GET", "/web1.example.com/load/?start=10&end=5", 400},
	    {"GET", "/web1.example.com/load/?start=abc&end=5", 400},
	    {"GET", "/web1.example.com/load/?end=5", 400},
	    {"GET", "/web1.example.com/load/?start=-6q", 400},
	    {"GET", "/web1.example.com/load/?start=-1h&end=-2h", 400},
	    {"GET", "/web1.example.com/load-day.png?start=-6hours", 400},
	    {"GET", "/web1.example.com/load-day.png?lower=0", 400},
	    {"GET", "/web1.example.com/load-day.png?lower=5&upper=1", 400},
	    {"GET", "/web1.example.com/load-day.png?lower=0&upper=inf", 400},
	    {"GET", "/api/v1/hosts/web1.example.com/load/data?start=x", 400},
	    {"GET", "/compare/load?hosts=../etc", 400},
	    {"GET", "/api/v1/hosts/web1.example.com/load/data?cf=LAST", 400},
	    {"GET", "/api/v1/hosts/web1.example.com/load/data?step=0", 400},
	    {"POST", "/", 405},
	    {"DELETE", "/api/v1/hosts", 405},
	};
	struct reply r;
	char *longpath;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = get(f_of(state), cases[i].method, cases[i].path);
		if (r.status != cases[i].status)
			fail_msg("%s %s: %ld, want %ld", cases[i].method,
			    cases[i].path, r.status, cases[i].status);
		free(r.body);
	}
	/* an overlong URL is refused by the connection memory limit */
	longpath = malloc(66000);
	longpath[0] = '/';
	memset(longpath + 1, 'a', 65990);
	longpath[65991] = '\0';
	r = get(f_of(state), "GET", longpath);
	assert_true(r.status == 414 || r.status == 431 || r.status == 404);
	free(r.body);
	free(longpath);
	/* and the server is still up */
	r = get(f_of(state), "GET", "/");
	assert_int_equal(r.status, 200);
	free(r.body);
}

/* The number in attribute attr="N" after s, or -1. */
static long
attr_num(const char *s, const char *attr)
{
	const char *p = s != NULL ? strstr(s, attr) : NULL;

	return p != NULL ? strtol(p + strlen(attr), NULL, 10) : -1;
}

/* start=-1h is the last hour whenever it is asked for; a bad value
 * gets a 400 that says what is accepted. */
static void
test_relative_ranges(void **state)
{
	struct fixture *f = *state;
	json_error_t err;
	struct reply r;
	json_t *j;
	long s, e, iv = (long)f->conf->interval, now = (long)time(NULL);
	char etag1[128] = "", etag2[128] = "";

	r = get(f, "GET", "/web1.example.com/load/?start=-1h");
	assert_int_equal(r.status, 200);
	s = attr_num(r.body, "data-start=\"");
	e = attr_num(r.body, "data-end=\"");
	/* now, down to the last whole interval */
	assert_true(iv > 1 && e % iv == 0);
	assert_true(e <= time(NULL) && e > now - iv);
	assert_int_equal(e - s, 3600);
	/* the image keeps the range relative; the page shows dates */
	assert_non_null(strstr(r.body, "load-day.png?start=-1h\""));
	assert_non_null(strstr(r.body, "<time datetime=\""));
	assert_non_null(strstr(r.body, "href=\"?start=-1h\" "
				       "aria-current=true"));
	assert_non_null(strstr(r.body, "/compare/load?start=-1h"));
	free(r.body);
	r = get(f, "GET", "/web1.example.com/load-day.png?start=-2h&end=-1h");
	assert_int_equal(r.status, 200);
	assert_memory_equal(r.body, "\x89PNG\r\n\x1a\n", 8);
	free(r.body);
	/* within an interval the same relative URL is the same image (one
	 * cache entry), seconds apart; a boundary may pass once between */
	r = get_h(f, "GET", "/web1.example.com/load-day.png?start=-3h", NULL,
	    etag1, sizeof(etag1));
	assert_int_equal(r.status, 200);
	free(r.body);
	usleep(1100000); /* a second later: another "now" */
	r = get_h(f, "GET", "/web1.example.com/load-day.png?start=-3h", NULL,
	    etag2, sizeof(etag2));
	free(r.body);
	if (strcmp(etag1, etag2) != 0) {
		r = get_h(f, "GET", "/web1.example.com/load-day.png?start=-3h",
		    NULL, etag1, sizeof(etag1));
		free(r.body);
	}
	assert_string_equal(etag1, etag2);
	r = get(f, "GET",
	    "/web1.example.com/load-day.png?start=-1d&lower=0&"
	    "upper=20");
	assert_int_equal(r.status, 200);
	assert_memory_equal(r.body, "\x89PNG\r\n\x1a\n", 8);
	free(r.body);
	r = get(f, "GET",
	    "/api/v1/hosts/web1.example.com/load/data?start=-1h&cf=MAX");
	assert_int_equal(r.status, 200);
	j = json_loads(r.body, 0, &err);
	assert_non_null(j);
	assert_true(json_array_size(json_object_get(
			json_object_get(json_object_get(j, "fields"), "load"),
			"rows")) >= 10);
	json_decref(j);
	free(r.body);
	r = get(f, "GET", "/web1.example.com/load/?start=-6q");
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "-90m, -6h, -1d"));
	free(r.body);
	r = get(f, "GET",
	    "/api/v1/hosts/web1.example.com/load/data?start=-1h"
	    "&end=-2h");
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "start must be before end"));
	free(r.body);
	r = get(f, "GET", "/web1.example.com/load-day.png?lower=1&upper=0");
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "lower below upper"));
	free(r.body);
}

/* Two hosts' load on one page: the same range and scale in every
 * image's URL, the WARNING host's figure marked. */
static void
test_compare_page(void **state)
{
	struct fixture *f = *state;
	struct reply r;
	const char *p, *q;
	char first[200], other[200];
	size_t n = 0;

	r = get(f, "GET",
	    "/compare/load?hosts=web1.example.com,"
	    "hot.example.com&start=-6h");
	assert_int_equal(r.status, 200);
	for (p = strstr(r.body, "load-day.png?"); p != NULL;
	     p = strstr(p + 1, "load-day.png?")) {
		q = strchr(p, '"');
		assert_non_null(q);
		snprintf(n == 0 ? first : other, sizeof(first), "%.*s",
		    (int)(q - p), p);
		if (n > 0)
			assert_string_equal(first, other);
		n++;
	}
	assert_int_equal(n, 2);
	assert_non_null(strstr(first, "start=-6h&amp;lower=0&amp;upper="));
	assert_non_null(strstr(r.body, "<figure class=\"graph st-WARNING\""));
	assert_non_null(strstr(r.body, "name=hosts value=\"web1.example.com\""
				       " checked"));
	free(r.body);
	/* no hosts=: every host with the service; repeated hosts= too */
	r = get(f, "GET", "/compare/load");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "/web1.example.com/load-day.png?start="
				       "-1d&amp;lower="));
	free(r.body);
	r = get(f, "GET", "/compare/load?hosts=hot.example.com&hosts=nosuch");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "nosuch: no such host"));
	assert_null(strstr(r.body, "/web1.example.com/load-day.png"));
	free(r.body);
}

static void
test_graphs_cache_and_304(void **state)
{
	struct fixture *f = *state;
	char etag[128] = "", hdr[200], path[200];
	struct reply r;

	r = get_h(f, "GET", "/web1.example.com/load-day.png", NULL, etag,
	    sizeof(etag));
	assert_int_equal(r.status, 200);
	assert_string_equal(r.ctype, "image/png");
	assert_true(r.len > 1000);
	assert_memory_equal(r.body, "\x89PNG\r\n\x1a\n", 8);
	assert_true(etag[0] == '"');
	free(r.body);
	/* the same graph again: 304 with the ETag, a cache hit otherwise */
	snprintf(hdr, sizeof(hdr), "If-None-Match: %s", etag);
	r = get_h(f, "GET", "/web1.example.com/load-day.png", hdr, NULL, 0);
	assert_int_equal(r.status, 304);
	free(r.body);
	r = get(f, "GET", "/web1.example.com/load-day.png");
	assert_int_equal(r.status, 200);
	free(r.body);
	r = get(f, "GET", "/health");
	assert_non_null(strstr(r.body, "<th>cache hits</th><td class=num>2 "));
	free(r.body);
	r = get(f, "GET", "/web1.example.com/load-week.svg");
	assert_int_equal(r.status, 200);
	assert_string_equal(r.ctype, "image/svg+xml");
	assert_non_null(strstr(r.body, "<svg"));
	free(r.body);
	snprintf(path, sizeof(path),
	    "/web1.example.com/load-day.png?start=%ld&end=%ld&width=600&"
	    "height=300",
	    (long)f->now - 7200, (long)f->now);
	r = get(f, "GET", path);
	assert_int_equal(r.status, 200);
	free(r.body);
	r = get(f, "GET", "/web1.example.com/load-day.png?width=20");
	assert_int_equal(r.status, 400);
	free(r.body);
	/* "graph no": munin-graph draws none, its host page lists none */
	r = get(f, "GET", "/hot.example.com/apt-day.png");
	assert_int_equal(r.status, 404);
	free(r.body);
	r = get(f, "GET", "/hot.example.com/");
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "apt-day.png"));
	assert_non_null(strstr(r.body, "load-day.png"));
	free(r.body);
	r = get(f, "GET", "/web1.example.com/load-day.png?height=99999");
	assert_int_equal(r.status, 400);
	free(r.body);
}

/* /health and /alerts read each counter from its owner when asked: a
 * change shows on the next request, not an interval later. */
static void
test_health_reads_the_owners(void **state)
{
	struct fixture *f = *state;
	struct rrd_writer_stats ws;
	json_t *j, *d;
	struct reply r;
	char want[128];

	__atomic_store_n(&f->polls_done, 7, __ATOMIC_SEQ_CST);
	r = get(f, "GET", "/health");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "<th>polls done</th><td class=num>7<"));
	assert_non_null(strstr(r.body, "<th>late</th><td class=num>2<"));
	rrd_writer_stats(f->writer, &ws);
	assert_true(ws.updates > 0);
	snprintf(want, sizeof(want), "<th>RRD updates</th><td class=num>%llu<",
	    (unsigned long long)ws.updates);
	assert_non_null(strstr(r.body, want));
	assert_non_null(strstr(r.body, "<th>RRD queue</th><td class=num>0<"));
	free(r.body);
	__atomic_store_n(&f->polls_done, 8, __ATOMIC_SEQ_CST);
	r = get(f, "GET", "/health");
	assert_non_null(strstr(r.body, "<th>polls done</th><td class=num>8<"));
	free(r.body);
	/* no outputs given: every delivery counter reads 0, all present */
	r = get(f, "GET", "/alerts");
	assert_int_equal(r.status, 200);
	assert_non_null(
	    strstr(r.body, "<th>pages waiting</th><td class=num>0</td>"));
	free(r.body);
	r = get(f, "GET", "/api/v1/alerts");
	assert_int_equal(r.status, 200);
	j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	d = json_object_get(j, "deliveries");
	assert_int_equal(json_object_size(d), 8);
	assert_int_equal(
	    json_integer_value(json_object_get(d, "pages_queued")), 0);
	assert_non_null(json_object_get(d, "nagios_dropped"));
	json_decref(j);
	free(r.body);
	r = get(f, "GET", "/api/v1/power");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"banks\":["));
	assert_non_null(strstr(r.body, "\"rails\":["));
	free(r.body);
}

/* A TCP connection from src (127.0.0.x) that sends a request head
 * without its end, as a slowloris does; the socket. */
static int
slow_client(struct fixture *f, const char *src)
{
	static const char head[] = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: a";
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET, src, &sa.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	sa.sin_port = htons((uint16_t)f->port);
	assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr), 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(
	    send(fd, head, sizeof(head) - 1, 0), (ssize_t)sizeof(head) - 1);
	return fd;
}

/* The server has closed fd (EOF or reset), waiting up to wait_ms. */
static bool
closed_by_server(int fd, int wait_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char c;

	if (poll(&p, 1, wait_ms) != 1)
		return false;
	return recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

/*
 * Slow clients from several addresses filling the server: a new
 * connection (here a plain GET) is still answered, and the connections
 * closed to make room are those that have waited longest for their head
 * (a prefix of the order they came in; the head deadline closes in that
 * order too, so this holds however slowly the test runs).  That the
 * room is made at once, not by the deadline, tests/test_slowloris.sh
 * shows: there the attack outnumbers the slots.
 */
static void
test_slow_clients_make_room(void **state)
{
	struct fixture *f = *state;
	enum { N = 240, ADDRS = 8, ROOM = 16 }; /* ROOM: N - (256 - 32) */
	int fds[N], i, nclosed = 0;
	char src[16];
	struct reply r;

	for (i = 0; i < N; i++) {
		snprintf(src, sizeof(src), "127.0.0.%d", 2 + i % ADDRS);
		fds[i] = slow_client(f, src);
	}
	r = get(f, "GET", "/");
	assert_int_equal(r.status, 200);
	free(r.body);
	/* the bounds only stop a hang */
	assert_true(closed_by_server(fds[0], 10000));
	assert_true(closed_by_server(fds[ROOM - 1], 10000));
	for (i = 0; i < N; i++) {
		if (!closed_by_server(fds[i], 0))
			break;
		nclosed++;
	}
	for (; i < N; i++)
		assert_false(closed_by_server(fds[i], 0));
	assert_true(nclosed >= ROOM);
	for (i = 0; i < N; i++)
		close(fds[i]);
}

static void
add_host(struct fixture *f, void *arg)
{
	(void)arg;
	catalog_host(f->cat, "new.example.com", "example.com", NULL);
}

static void
read_render_stats(struct fixture *f, void *arg)
{
	renderer_stats(f->render, arg);
}

static uint64_t
renders(struct fixture *f)
{
	struct renderer_stats rs;

	on_loop(f, read_render_stats, &rs);
	return rs.renders;
}

/* Requests the renderer was asked (kept graphs never ask it). */
static uint64_t
render_requests(struct fixture *f)
{
	struct renderer_stats rs;

	on_loop(f, read_render_stats, &rs);
	return rs.requests;
}

/* GET path (with If-None-Match: inm unless NULL) on one connection of
 * its own; a 200 must be a PNG. */
static struct reply
graph(struct fixture *f, const char *path, const char *inm)
{
	char hdr[200];
	struct reply r;

	snprintf(hdr, sizeof(hdr), "If-None-Match: %s", inm ? inm : "");
	r = get_h(f, "GET", path, inm != NULL ? hdr : NULL, NULL, 0);
	if (r.status == 200) {
		assert_true(r.len > 1000);
		assert_memory_equal(r.body, "\x89PNG\r\n\x1a\n", 8);
	}
	return r;
}

/*
 * A kept graph answers without the renderer, with the same bytes, ETag
 * and Last-Modified as the render it keeps, a 304 for its ETag (and a
 * 200 for any other), Cache-Control counting down to the next sample;
 * another catalog generation (a host added) whose configs leave the
 * graph's alone keeps it too.
 */
static void
test_kept_graph_exact(void **state)
{
	struct fixture *f = *state;
	const char *path = "/web1.example.com/load-month.png";
	struct reply first, r;
	uint64_t n0, q0;
	time_t lm;
	struct tm tm = {0};

	first = graph(f, path, NULL);
	assert_int_equal(first.status, 200);
	assert_true(first.etag[0] == '"');
	/* Last-Modified: the moment the render began, an exact second */
	assert_non_null(
	    strptime(first.lastmod, "%a, %d %b %Y %H:%M:%S GMT", &tm));
	lm = timegm(&tm);
	assert_true(lm > f->now && lm <= time(NULL));
	assert_non_null(strstr(first.cache, "max-age="));
	n0 = renders(f);
	q0 = render_requests(f);
	for (int i = 0; i < 3; i++) {
		r = graph(f, path, NULL);
		assert_int_equal(r.status, 200);
		assert_string_equal(r.etag, first.etag);
		assert_string_equal(r.lastmod, first.lastmod);
		assert_int_equal(r.len, first.len);
		assert_memory_equal(r.body, first.body, first.len);
		free(r.body);
	}
	r = graph(f, path, first.etag);
	assert_int_equal(r.status, 304);
	assert_int_equal(r.len, 0);
	assert_string_equal(r.etag, first.etag);
	assert_string_equal(r.lastmod, first.lastmod);
	free(r.body);
	r = graph(f, path, "\"0000000000000000-0\"");
	assert_int_equal(r.status, 200);
	assert_memory_equal(r.body, first.body, first.len);
	free(r.body);
	/* HEAD: the headers of the kept image, no body */
	r = get(f, "HEAD", path);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.etag, first.etag);
	assert_int_equal(r.len, 0);
	free(r.body);
	on_loop(f, add_host, NULL);
	r = graph(f, path, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.etag, first.etag);
	assert_memory_equal(r.body, first.body, first.len);
	free(r.body);
	/* none of those was drawn again, nor asked of the renderer */
	assert_int_equal(renders(f), n0);
	assert_int_equal(render_requests(f), q0);
	/* a request with an argument the key does not hold is not kept,
	 * but answered */
	r = graph(f, "/web1.example.com/load-month.png?x=1", NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
	free(first.body);
}

/* A new sample of web1's load, 50 at f->now + 300 (in the RRD too). */
static void
new_sample(struct fixture *f, void *arg)
{
	struct ingest *in = ingest_new(f->cat, f->writer);
	struct batch b = {0};

	(void)arg;
	ingest_set_conf(in, f->conf);
	add_field(&b, "load", "load", "load", 50, "5");
	ingest_batch(in, catalog_find(f->cat, "web1.example.com"), NULL,
	    f->now + 300, &b);
	batch_cleanup(&b);
	assert_int_equal(rrd_writer_flush(f->writer), 0);
	ingest_free(in);
}

/* A graph showing the future: a new sample changes its ETag, its bytes
 * (drawn again) and what a 304 answers.  Runs last: the sample is in
 * the future. */
static void
test_kept_graph_new_sample(void **state)
{
	struct fixture *f = *state;
	struct reply first, r, again;
	char path[200];
	uint64_t n0;

	snprintf(path, sizeof(path),
	    "/web1.example.com/load-day.png?start=%ld&end=%ld",
	    (long)f->now - 3600, (long)f->now + 900);
	first = graph(f, path, NULL);
	assert_int_equal(first.status, 200);
	n0 = renders(f);
	r = graph(f, path, first.etag);
	assert_int_equal(r.status, 304);
	free(r.body);
	on_loop(f, new_sample, NULL);
	r = graph(f, path, first.etag);
	assert_int_equal(r.status, 200);
	assert_string_not_equal(r.etag, first.etag);
	assert_true(
	    r.len != first.len || memcmp(r.body, first.body, first.len) != 0);
	assert_int_equal(renders(f), n0 + 1);
	/* the new ETag is the one a 304 answers now (the image is not kept:
	 * its data is newer than its render, render.h) */
	again = graph(f, path, r.etag);
	assert_int_equal(again.status, 304);
	assert_string_equal(again.etag, r.etag);
	free(again.body);
	free(r.body);
	free(first.body);
}

/* web1's load retitled, its data stamp unchanged. */
static void
new_title(struct fixture *f, void *arg)
{
	struct cat_host *h = catalog_find(f->cat, "web1.example.com");
	const struct cat_service *cs = cat_host_service(h, "load");
	struct batch b = {0};

	(void)arg;
	add_field(&b, "load", "load", "load", 2, "5");
	attrs_set(&batch_service(&b, "load", false)->graph, "graph_title",
	    "load, retitled");
	catalog_update(f->cat, h, cs->last_update, &b);
	batch_cleanup(&b);
}

/* A config change (same data) gives a new ETag and an image drawn again. */
static void
test_kept_graph_new_config(void **state)
{
	struct fixture *f = *state;
	const char *path = "/web1.example.com/load-year.png";
	struct reply first, r;
	uint64_t n0;

	first = graph(f, path, NULL);
	assert_int_equal(first.status, 200);
	n0 = renders(f);
	r = graph(f, path, NULL);
	assert_string_equal(r.etag, first.etag);
	free(r.body);
	assert_int_equal(renders(f), n0);
	on_loop(f, new_title, NULL);
	r = graph(f, path, first.etag);
	assert_int_equal(r.status, 200);
	assert_string_not_equal(r.etag, first.etag);
	assert_true(
	    r.len != first.len || memcmp(r.body, first.body, first.len) != 0);
	assert_int_equal(renders(f), n0 + 1);
	free(r.body);
	free(first.body);
}

#define BULK 600 /* hosts x 10 fields: about ten of /metrics' slices */

static void
add_bulk(struct fixture *f, void *arg)
{
	char name[64], fld[16];
	int i, k;

	(void)arg;
	for (i = 0; i < BULK; i++) {
		struct batch b = {0};
		struct cat_host *h;

		snprintf(name, sizeof(name), "bulk%03d.example.com", i);
		h = catalog_host(f->cat, name, "bulk", "kvm9");
		for (k = 0; k < 10; k++) {
			snprintf(fld, sizeof(fld), "f%d", k);
			add_field(&b, k < 5 ? "cpu" : "disk", fld, fld,
			    i * 10 + k + 0.5, k == 0 ? "5" : NULL);
		}
		catalog_update(f->cat, h, f->now, &b);
		batch_cleanup(&b);
		catalog_poll_result(h, true, NULL, f->now, 7, 0, 10);
	}
}

/* The hosts before add_bulk stay. */
static void
drop_bulk(struct fixture *f, void *arg)
{
	const char *keep[16];
	size_t i, n = 0;

	(void)arg;
	for (i = 0; i < catalog_count(f->cat) && n < 16; i++)
		if (strncmp(catalog_at(f->cat, i)->name, "bulk", 4) != 0)
			keep[n++] = catalog_at(f->cat, i)->name;
	catalog_retain(f->cat, keep, n);
}

/* The whole text as metrics_write makes it, on the loop. */
static void
render_whole(struct fixture *f, void *arg)
{
	struct buf *b = arg;

	metrics_write(b, f->cat, NULL, time(NULL));
}

/* GET /metrics of a catalog many slices long is streamed (chunked, as
 * its length is not known up front) and is the text metrics_write makes
 * of the same catalog, slice boundaries and end included. */
static void
test_metrics_streamed(void **state)
{
	struct fixture *f = *state;
	struct buf whole = {0};
	struct reply r;
	const char *cut, *wcut;

	on_loop(f, add_bulk, NULL);
	r = get(f, "GET", "/metrics");
	on_loop(f, render_whole, &whole);
	on_loop(f, drop_bulk, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(
	    r.ctype, "text/plain; version=0.0.4; charset=utf-8");
	assert_false(whole.oom);
	assert_true(r.len > 8 * (64u << 10));
	assert_int_equal(r.body[r.len - 1], '\n');
	assert_non_null(strstr(r.body, "\ndrover_hosts "));
	assert_non_null(strstr(r.body,
	    "\ndrover_field_value{host=\"bulk599.example.com\",group=\"bulk\","
	    "physical=\"kvm9\",plugin=\"disk\",field=\"f9\"} 5999.5 "));
	/* the field families, most of the text, byte for byte (the host
	 * families hold staleness, of the second each was made) */
	cut = strstr(r.body, "# HELP drover_host_up ");
	buf_putc(&whole, '\0');
	wcut = strstr(whole.p, "# HELP drover_host_up ");
	assert_non_null(cut);
	assert_non_null(wcut);
	assert_int_equal(cut - r.body, wcut - whole.p);
	assert_memory_equal(r.body, whole.p, (size_t)(cut - r.body));
	buf_free(&whole);
	free(r.body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pages),
	    cmocka_unit_test(test_service_page_stats_and_escaping),
	    cmocka_unit_test(test_json_api),
	    cmocka_unit_test(test_bad_requests),
	    cmocka_unit_test(test_graphs_cache_and_304),
	    cmocka_unit_test(test_relative_ranges),
	    cmocka_unit_test(test_compare_page),
	    cmocka_unit_test(test_health_reads_the_owners),
	    cmocka_unit_test(test_slow_clients_make_room),
	    cmocka_unit_test(test_kept_graph_exact),
	    cmocka_unit_test(test_kept_graph_new_config),
	    cmocka_unit_test(test_kept_graph_new_sample),
	    cmocka_unit_test(test_metrics_streamed),
	};

	log_init(false, LOG_LVL_WARN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, setup, teardown);
}
