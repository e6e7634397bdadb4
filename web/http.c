/*
 * http: libmicrohttpd glue, dispatch, and the off-loop jobs of requests.
 *
 * A request that needs RRD data builds its job (file names from the
 * catalog, never from the URL) on the loop, suspends its connection and
 * runs the job on libuv's thread pool; the job's completion (back on the
 * loop) builds the answer, again from the catalog, and resumes the
 * connection.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <microhttpd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alerts/outputs.h"
#include "catalog/cat_ref.h"
#include "web/api.h"
#include "web/compare.h"
#include "web/page_compare.h"
#include "web/field_value.h"
#include "web/assets.h"
#include "web/graph_cache.h"
#include "web/http.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "web/pages.h"
#include "web/peers.h"
#include "web/html.h"
#include "web/metrics.h"
#include "web/router.h"
#include "web/series.h"
#include "web/time_arg.h"
#include "rrd/graph.h"
#include "rrd/render.h"
#include "rrd/rrd_schema.h"
#include "rrd/rrd_writer.h"
#include "rrd/rrdcached_proc.h"

#define WEB_MAX_CONNS 256   /* connections at once */
#define WEB_MAX_PER_IP 64   /* connections at once from one address */
#define WEB_CONN_TIMEOUT 30 /* seconds of silence before closing */
/* Bytes per connection (request head, URL, response head).  MHD 0.9.75
 * clears the whole pool for every request on a kept-alive connection:
 * 64 KiB of memset made a fifth of a cached graph's cost (perf, bench/
 * README.md); a browser's head is 1-2 KiB, nginx allows 8 KiB lines. */
#define WEB_MEM_LIMIT 16384
#define DATA_MAX_ROWS 100000 /* rows per field the data API returns */
/* Graph images kept in memory for answers without a render request
 * (web/graph_cache.h), bytes; web_settings.graph_keep_bytes overrides. */
#define WEB_GRAPH_KEEP (32u << 20)
/*
 * Slow clients (slowloris).  MHD's timeout above is one of silence, which
 * every trickled byte resets, so a client sending a header byte now and
 * then holds its slot for ever, and a few hundred of them hold them all.
 * Two rules of our own bound that:
 *  - WEB_HEAD_TIMEOUT: the whole request head (from the connection's
 *    start, or the end of its previous request on a kept-alive one, to
 *    the blank line) must arrive within this; trickling does not extend
 *    it.  A browser sends its head in one packet; an idle kept-alive
 *    connection is closed after this too, and the browser opens another.
 *  - WEB_RESERVE: a new connection that leaves fewer than this many of
 *    the WEB_MAX_CONNS slots free closes the connection that has waited
 *    longest for its head, so slow clients make room for new ones (whose
 *    head is usually there at once) instead of MHD ceasing to accept.
 *    Connections whose request is being answered are never closed so.
 * Not config keys: they bound an attack, not a workload.
 */
#define WEB_HEAD_TIMEOUT 10000 /* ms for a whole request head */
#define WEB_RESERVE 32	       /* slots kept free for new connections */
#define WEB_SLOW_LOG_MS 60000  /* ms between complaints about slow clients */

/* One TCP connection, from MHD's "started" to its "closed". */
struct web_conn {
	TAILQ_ENTRY(web_conn) entry; /* in web.waiting while waiting */
	int fd;			     /* MHD's socket, shut down to close */
	uint64_t since;		     /* loop ms: the wait for a head began */
	bool waiting;		     /* for a request head */
	bool shut;		     /* by us; MHD closes it on its next run */
};

TAILQ_HEAD(web_conn_list, web_conn);

struct web {
	uv_loop_t *loop;
	struct MHD_Daemon *d;
	uv_poll_t poll;
	uv_timer_t timer;
	uv_idle_t idle;	  /* runs MHD once a loop turn while a stream goes */
	unsigned streams; /* /metrics bodies being streamed */
	struct catalog *cat;
	struct renderer *render;
	struct graph_cache *graphs; /* kept images, NULL without render */
	struct alerts *alerts;
	const struct peers *peers; /* the other collectors; or NULL */
	struct web_stats stats;	   /* where the counters are read */
	struct web_settings set;   /* strings belong to the caller */
	unsigned port;
	unsigned jobs; /* requests suspended on a job */
	bool stopping; /* web_stop() waits for the jobs */
	int closing;   /* handles still closing */
	/* connections waiting for a request head, the longest first */
	struct web_conn_list waiting;
	unsigned nconns;	/* connections MHD holds */
	unsigned nshut;		/* of those, shut down by us, not closed yet */
	uint64_t slow_timeouts; /* closed: head not in WEB_HEAD_TIMEOUT */
	uint64_t slow_evicted;	/* closed: to make room (WEB_RESERVE) */
	uint64_t slow_logged;	/* of both, counted in a log line */
	struct ratelimit slow_rl; /* for that line */
};

/* One request, from its first handler call to MHD's "completed". */
struct req {
	struct web *w;
	struct MHD_Connection *conn;
	struct route route;
	char *url; /* the path asked for, as MHD decoded it */
	bool suspended;
	bool dispatched;	 /* dispatch() ran */
	bool ready;		 /* the answer below is set */
	bool zoom;		 /* a service page for range */
	struct time_range range; /* start=/end= as asked, resolved */
	bool limits;		 /* a graph on a fixed scale: */
	double lower, upper;	 /* lower= and upper= */
	int status;
	char *body;
	size_t len;
	const char *ctype;
	/* a graph: the cached image, opened in the render callback */
	int fd;
	uint64_t fsize;
	char etag[48];
	time_t lastmod;
	unsigned max_age; /* seconds until new data is expected */
	/* to keep the image (graph_cache) once drawn: keep is false for a
	 * request whose answer depends on more than its keep_key */
	bool keep;
	char keep_key[600];
	uint64_t gen; /* catalog_generation() when the config was read */
	time_t stamp; /* the newest data the image shows */
	/* a data job */
	uv_work_t work;
	char cf[8];
	time_t start, end;
	unsigned long step;
	size_t n;
	char **paths;
	struct api_series *series;
	struct compare *cmp; /* a compare page's job */
};

static void arm(struct web *w);

static void
req_free(struct req *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->paths != NULL ? r->paths[i] : NULL);
		if (r->series != NULL) {
			free(r->series[i].field);
			free(r->series[i].values);
			free(r->series[i].error);
		}
	}
	free(r->paths);
	free(r->series);
	compare_free(r->cmp);
	free(r->url);
	free(r->body);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

static enum MHD_Result
send_body(struct MHD_Connection *c, int status, const char *ctype, char *body,
    size_t len, bool cacheable)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp =
	    MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", ctype);
	MHD_add_response_header(
	    resp, "Cache-Control", cacheable ? "max-age=3600" : "no-cache");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* A static file (web/assets.h): the binary's own bytes, revalidated by
 * its ETag (a new build, a new tag), 304 when the browser has them. */
static enum MHD_Result
send_asset(struct MHD_Connection *c, const struct asset *a)
{
	const char *inm = MHD_lookup_connection_value(
	    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	bool fresh = inm != NULL && strcmp(inm, a->etag) == 0;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(fresh ? 0 : a->len,
	    fresh ? NULL : (void *)(uintptr_t)a->data, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", a->ctype);
	MHD_add_response_header(resp, "ETag", a->etag);
	MHD_add_response_header(resp, "Cache-Control", "max-age=3600");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(
	    c, fresh ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
send_error(struct MHD_Connection *c, int status, const char *reason, bool json)
{
	size_t len = 0;
	char *body =
	    json ? api_error(reason, &len) : page_error(status, reason, &len);

	if (body == NULL)
		return MHD_NO;
	return send_body(c, status,
	    json ? "application/json" : "text/html; charset=utf-8", body, len,
	    false);
}

/* An optional integer query argument in [lo, hi]; false if malformed. */
static bool
arg_long(struct MHD_Connection *c, const char *name, long lo, long hi,
    long *out, bool *given)
{
	const char *v =
	    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
	char *end;
	long n;

	*given = v != NULL;
	if (v == NULL)
		return true;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return false;
	*out = n;
	return true;
}

/*
 * The optional lower= and upper= of a graph (a fixed y scale, both or
 * neither, finite numbers, lower below upper) into r; false if bad.
 */
static bool
arg_limits(struct MHD_Connection *c, struct req *r)
{
	const char *lo =
	    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lower");
	const char *hi =
	    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "upper");
	char *e1 = NULL, *e2 = NULL;

	if (lo == NULL && hi == NULL)
		return true;
	if (lo == NULL || hi == NULL || lo[0] == '\0' || hi[0] == '\0')
		return false;
	r->lower = strtod(lo, &e1);
	r->upper = strtod(hi, &e2);
	if (*e1 != '\0' || *e2 != '\0' || !isfinite(r->lower) ||
	    !isfinite(r->upper) || r->lower >= r->upper ||
	    fabs(r->lower) > 1e300 || fabs(r->upper) > 1e300)
		return false;
	r->limits = true;
	return true;
}

/* ---- data jobs (off the loop) ------------------------------------ */

static void
data_work(uv_work_t *wk)
{
	struct req *r = wk->data;
	size_t k;

	for (k = 0; k < r->n; k++)
		series_fetch(&r->series[k], r->paths[k], r->cf, r->start,
		    r->end, r->step, DATA_MAX_ROWS);
}

static void really_stop(struct web *w);
static void on_timer(uv_timer_t *t);

static void
resume(struct req *r)
{
	struct web *w = r->w;

	r->ready = true;
	MHD_resume_connection(r->conn);
	r->suspended = false;
	w->jobs--;
	if (w->stopping && w->jobs == 0)
		really_stop(w);
	else /* let MHD see the resumed connection now */
		uv_timer_start(&w->timer, on_timer, 0, 0);
}

/* Min, avg and max of field f's series s[f] in the graph's units
 * (web/field_value.h: graph_period's factor, the cdef). */
static void
field_stats(const struct cat_service *cs, const struct api_series *s, size_t ns,
    size_t f, struct field_stats *st)
{
	double sum = 0, v;
	size_t i, n = 0;

	st->min = st->max = st->avg = NAN;
	for (i = 0; i < s[f].rows; i++) {
		v = field_value_row(cs, s, ns, f, i);
		if (isnan(v))
			continue;
		if (n == 0 || v < st->min)
			st->min = v;
		if (n == 0 || v > st->max)
			st->max = v;
		sum += v;
		n++;
	}
	if (n > 0)
		st->avg = sum / (double)n;
}

static void
data_done(uv_work_t *wk, int status)
{
	struct req *r = wk->data;
	struct cat_host *h = catalog_find(r->w->cat, r->route.host);
	const struct cat_service *cs;
	struct field_stats *st;
	size_t i;

	(void)status;
	cs = h != NULL ? cat_host_service(h, r->route.service) : NULL;
	if (cs == NULL) {
		r->status = MHD_HTTP_NOT_FOUND;
		r->ctype = "application/json";
		r->body = api_error("no such host or service", &r->len);
		resume(r);
		return;
	}
	r->status = MHD_HTTP_OK;
	if (r->route.kind == R_API_DATA) {
		r->ctype = "application/json";
		r->body = api_data(h, cs, r->cf, r->series, r->n, &r->len);
	} else {
		st = calloc(cs->svc.nfields + 1, sizeof(*st));
		for (i = 0; st != NULL && i < cs->svc.nfields; i++) {
			st[i].min = st[i].avg = st[i].max = NAN;
			if (i < r->n && r->series[i].error == NULL)
				field_stats(cs, r->series, r->n, i, &st[i]);
		}
		r->ctype = "text/html; charset=utf-8";
		r->body = page_service(
		    h, cs, st, r->zoom ? &r->range : NULL, time(NULL), &r->len);
		free(st);
	}
	if (r->body == NULL)
		r->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	resume(r);
}

/* Queues a fetch of every field of the service; the page or the JSON is
 * built when it completes. */
static enum MHD_Result
start_data(
    struct req *r, const struct cat_host *h, const struct cat_service *cs)
{
	char path[4096];
	const struct field *f, *pf;
	struct cat_refs refs;
	struct graph_plan plan;
	const char *other;
	size_t i;

	r->paths = calloc(cs->svc.nfields + 1, sizeof(*r->paths));
	r->series = calloc(cs->svc.nfields + 1, sizeof(*r->series));
	if (r->paths == NULL || r->series == NULL)
		return MHD_NO;
	/* an aggregate's alias reads another host's file, as its graph */
	if (cat_refs_resolve(&refs, r->w->cat, h, cs, r->w->set.dbdir) == -1) {
		cat_refs_cleanup(&refs);
		return MHD_NO;
	}
	if (graph_plan_make(&plan, &cs->svc, NULL, refs.v, refs.n) == -1) {
		graph_plan_cleanup(&plan);
		cat_refs_cleanup(&refs);
		return MHD_NO;
	}
	for (i = 0; i < cs->svc.nfields; i++) {
		f = &cs->svc.fields[i];
		r->series[i].field = strdup(f->name);
		pf = service_field(&plan.svc, f->name, false);
		other = pf != NULL ? attrs_get(&pf->attrs, "filename") : NULL;
		if (other != NULL)
			r->paths[i] = strdup(other);
		else if (rrd_path(path, sizeof(path), r->w->set.dbdir, h->group,
			     h->name, cs->svc.name, f->name,
			     field_type(f)) == 0)
			r->paths[i] = strdup(path);
		else
			r->paths[i] = strdup("/nonexistent");
		r->n++;
	}
	graph_plan_cleanup(&plan);
	cat_refs_cleanup(&refs);
	r->work.data = r;
	if (uv_queue_work(r->w->loop, &r->work, data_work, data_done) != 0)
		return send_error(r->conn, 500, "cannot queue the fetch", true);
	MHD_suspend_connection(r->conn);
	r->suspended = true;
	r->w->jobs++;
	return MHD_YES;
}

/* ---- compare pages (web/compare.h) ------------------------------- */

/* Joins every hosts= argument (a list or one name each) with commas. */
static enum MHD_Result
collect_hosts(
    void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct buf *b = cls;

	(void)kind;
	if (strcmp(key, "hosts") == 0 && value != NULL) {
		if (b->len > 0)
			buf_putc(b, ',');
		buf_puts(b, value);
	}
	return MHD_YES;
}

static void
compare_work(uv_work_t *wk)
{
	struct req *r = wk->data;

	compare_fetch(r->cmp);
}

static void
compare_done(uv_work_t *wk, int status)
{
	struct req *r = wk->data;

	(void)status;
	r->ctype = "text/html; charset=utf-8";
	r->body = page_compare(r->w->cat, r->cmp, time(NULL), &r->len);
	r->status =
	    r->body != NULL ? MHD_HTTP_OK : MHD_HTTP_INTERNAL_SERVER_ERROR;
	resume(r);
}

/* The compare page of r->range (the last day when not given): the
 * picked hosts' files read off the loop, the page built after. */
static enum MHD_Result
start_compare(struct req *r, bool ranged, time_t now)
{
	char names[COMPARE_MAX_HOSTS][ROUTE_NAME_MAX + 1], err[160];
	struct buf hb = {0};
	size_t n = 0;
	int rc;

	if (!ranged)
		time_range_parse("-1d", NULL, now, &r->range, err, sizeof(err));
	MHD_get_connection_values(
	    r->conn, MHD_GET_ARGUMENT_KIND, collect_hosts, &hb);
	if (hb.oom) {
		buf_free(&hb);
		return send_error(r->conn, 500, "out of memory", false);
	}
	rc = compare_parse_hosts(
	    hb.p != NULL ? hb.p : "", names, &n, err, sizeof(err));
	buf_free(&hb);
	if (rc == -1)
		return send_error(r->conn, 400, err, false);
	r->cmp = compare_new(
	    r->w->cat, r->w->set.dbdir, r->route.service, names, n, &r->range);
	if (r->cmp == NULL)
		return send_error(r->conn, 500, "out of memory", false);
	r->work.data = r;
	if (uv_queue_work(r->w->loop, &r->work, compare_work, compare_done) !=
	    0)
		return send_error(
		    r->conn, 500, "cannot queue the fetch", false);
	MHD_suspend_connection(r->conn);
	r->suspended = true;
	r->w->jobs++;
	return MHD_YES;
}

/* ---- graphs -------------------------------------------------------- */

static uint64_t
fnv(uint64_t h, const char *s)
{
	return hash_str(h, s) ^ 0xff; /* separate consecutive strings */
}

/* A hash of everything in the service's config that shapes its graph
 * (a source's "state" changes colours nowhere in the image, so it is left
 * out). */
static uint64_t
config_hash(const struct service *svc)
{
	uint64_t h = HASH_INIT;
	size_t i, j;

	for (i = 0; i < svc->graph.n; i++)
		h = fnv(fnv(h, svc->graph.v[i].key), svc->graph.v[i].value);
	for (i = 0; i < svc->nfields; i++) {
		h = fnv(h, svc->fields[i].name);
		for (j = 0; j < svc->fields[i].attrs.n; j++) {
			const struct attr *a = &svc->fields[i].attrs.v[j];

			if (strcmp(a->key, "state") == 0)
				continue;
			h = fnv(fnv(h, a->key), a->value);
		}
	}
	return h;
}

/* The ETag of the image of key (the renderer's) with data of stamp. */
static void
graph_etag(char *out, size_t len, uint64_t ch, const char *key, time_t stamp)
{
	snprintf(out, len, "\"%016llx-%lx\"", (unsigned long long)fnv(ch, key),
	    (long)stamp);
}

/* The renderer's key: the kept image's (keep_key) and the config's hash. */
static void
render_key(char *out, size_t len, const char *keep_key, uint64_t ch)
{
	snprintf(out, len, "%s|%016llx", keep_key, (unsigned long long)ch);
}

/* Seconds of Cache-Control: until the next sample is expected (an
 * interval after the last), or a tenth of one when it is late. */
static unsigned
graph_max_age(time_t stamp, unsigned interval, time_t now)
{
	return stamp + (time_t)interval > now
		   ? (unsigned)(stamp + (time_t)interval - now)
		   : interval / 10 + 1;
}

/* Keeps r's rendered image (r->fd, r->fsize bytes) for later requests;
 * an image that cannot be read or kept is simply not. */
static void
keep_image(struct req *r)
{
	struct gc_meta m = {.gen = r->gen,
	    .stamp = r->stamp,
	    .rendered = r->lastmod,
	    .etag = r->etag,
	    .ctype = r->ctype};
	size_t got = 0, len = (size_t)r->fsize;
	unsigned char *buf = malloc(len + 1);
	ssize_t n;

	while (buf != NULL && got < len) {
		n = pread(r->fd, buf + got, len - got, (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (buf != NULL && got == len)
		(void)graph_cache_put(r->w->graphs, r->keep_key, &m, buf, len);
	free(buf);
}

/*
 * Answers r from its kept image when that is still exact, inside the
 * request callback: true when it did (*ret is MHD's verdict).  Exact:
 * the same data stamp, and the same configs (the catalog generation it
 * was checked at, or else its ETag recomputed from the service's config
 * now, which a changed config changes).  A stale image is dropped.
 */
static bool
answer_kept(struct req *r, const struct cat_service *cs, time_t now,
    enum MHD_Result *ret)
{
	struct web *w = r->w;
	struct gc_entry *e = graph_cache_find(w->graphs, r->keep_key);
	const struct gc_meta *m;
	struct MHD_Response *resp;
	uint64_t gen = catalog_generation(w->cat);
	char key[1400], etag[48];
	const char *inm;
	bool nm;

	if (e == NULL)
		return false;
	m = gc_entry_meta(e);
	if (m->stamp != cs->last_update) {
		graph_cache_drop(w->graphs, e);
		return false;
	}
	if (m->gen != gen) {
		uint64_t ch = config_hash(&cs->svc);

		render_key(key, sizeof(key), r->keep_key, ch);
		graph_etag(etag, sizeof(etag), ch, key, cs->last_update);
		if (strcmp(etag, m->etag) != 0) {
			graph_cache_drop(w->graphs, e);
			return false;
		}
		gc_entry_set_gen(e, gen);
	}
	inm = MHD_lookup_connection_value(
	    r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	nm = inm != NULL && strcmp(inm, m->etag) == 0;
	resp = graph_cache_answer(w->graphs, e, now,
	    graph_max_age(m->stamp, w->set.interval, now), nm);
	if (resp == NULL)
		return false;
	*ret = MHD_queue_response(
	    r->conn, nm ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, resp);
	return true;
}

/* The query arguments a graph's answer depends on: any other makes a
 * request whose image is not kept (an argument added later must be put
 * in keep_key before it may be kept). */
static const char *const graph_args[] = {
    "width", "height", "start", "end", "lower", "upper"};

static bool
graph_args_known(struct MHD_Connection *c)
{
	int n = MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, NULL, NULL);
	size_t i;

	for (i = 0; i < sizeof(graph_args) / sizeof(graph_args[0]); i++)
		if (MHD_lookup_connection_value(
			c, MHD_GET_ARGUMENT_KIND, graph_args[i]) != NULL)
			n--;
	return n == 0;
}

static void
graph_done(void *arg, const struct render_result *res)
{
	struct req *r = arg;
	struct stat st;

	if (res->error != NULL) {
		r->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		r->ctype = "text/plain; charset=utf-8";
		if (asprintf(&r->body, "cannot draw the graph: %s\n",
			res->error) == -1)
			r->body = NULL;
		else
			r->len = strlen(r->body);
		resume(r);
		return;
	}
	/* the renderer's descriptor: the image even if the file is gone */
	r->fd = fcntl(res->fd, F_DUPFD_CLOEXEC, 0);
	if (r->fd == -1 || fstat(r->fd, &st) == -1) {
		log_warn("web: cannot open rendered %s", res->path);
		r->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		resume(r);
		return;
	}
	r->fsize = (uint64_t)st.st_size;
	r->lastmod = res->rendered;
	r->status = MHD_HTTP_OK;
	/* a render begun in the second of its data is redone by the next
	 * request (render.h), so only a later one is kept */
	if (r->keep && r->w->graphs != NULL && res->rendered > r->stamp)
		keep_image(r);
	resume(r);
}

static enum MHD_Result
start_graph(struct req *r, const struct cat_host *h,
    const struct cat_service *cs, bool custom, time_t start, time_t end)
{
	struct MHD_Connection *c = r->conn;
	struct graph_params gp = {0};
	struct strlist argv = {0};
	struct cat_refs refs;
	time_t now = time(NULL), *last = NULL, stamp = cs->last_update;
	long width = 0, height = 0;
	unsigned interval = r->w->set.interval;
	char err[256], key[1400];
	enum MHD_Result ret;
	uint64_t ch;
	bool gw, gh;
	size_t i;

	if (r->w->render == NULL)
		return send_error(c, 503, "graphs are not available", false);
	if (!arg_long(c, "width", 100, 4000, &width, &gw) ||
	    !arg_long(c, "height", 50, 2000, &height, &gh))
		return send_error(c, 400,
		    "width must be 100-4000 and height 50-2000 pixels", false);
	/* everything of the request the image depends on; the range of a
	 * named period moves with now, but its image, as the renderer's,
	 * is reused until new data arrives */
	snprintf(r->keep_key, sizeof(r->keep_key),
	    "%s|%s|%s|%ld|%ld|%ld|%ld|%s|%.17g|%.17g", h->name, cs->svc.name,
	    graph_period_str(custom ? GRAPH_CUSTOM : r->route.period),
	    custom ? (long)start : 0L, custom ? (long)end : 0L, width, height,
	    r->route.svg ? "svg" : "png", r->limits ? r->lower : 0.0,
	    r->limits ? r->upper : 0.0);
	r->keep = r->w->graphs != NULL && graph_args_known(c);
	if (r->keep && answer_kept(r, cs, now, &ret))
		return ret;
	r->gen = catalog_generation(r->w->cat);
	gp.dbdir = r->w->set.dbdir;
	gp.group_path = h->group; /* rrd_path turns ';' into '/' */
	gp.host = h->name;
	gp.period = custom ? GRAPH_CUSTOM : r->route.period;
	gp.now = now;
	if (custom) {
		gp.start = start;
		gp.end = end;
	} else
		graph_period_range(gp.period, now, &gp.start, &gp.end);
	last = calloc(cs->svc.nfields + 1, sizeof(*last));
	for (i = 0; last != NULL && i < cs->svc.nfields; i++)
		last[i] = cs->last_update;
	gp.field_last = last;
	gp.width = (unsigned)width;
	gp.height = (unsigned)height;
	gp.format = r->route.svg ? GRAPH_SVG : GRAPH_PNG;
	gp.daemon = r->w->set.rrdcached_socket;
	gp.limits = r->limits;
	gp.lower = r->lower;
	gp.upper = r->upper;
	/* an aggregate's fields read other hosts' files (catalog/cat_ref.h);
	 * its image is as new as the newest of them */
	if (cat_refs_resolve(&refs, r->w->cat, h, cs, r->w->set.dbdir) == -1) {
		cat_refs_cleanup(&refs);
		free(last);
		return send_error(c, 500, "out of memory", false);
	}
	gp.sources = refs.v;
	gp.nsources = refs.n;
	for (i = 0; i < refs.n; i++)
		if (refs.v[i].last > stamp)
			stamp = refs.v[i].last;
	/* an aggregate's image is as new as other services' data: not kept
	 * (answer_kept() knows only the service's own stamp) */
	if (refs.n > 0)
		r->keep = false;
	for (i = 0; i < h->nservices; i++) /* multigraph children */
		if (graph_sub_name_len(&cs->svc, &h->services[i].svc) >
		    gp.sub_name_len)
			gp.sub_name_len =
			    graph_sub_name_len(&cs->svc, &h->services[i].svc);
	if (graph_build(&argv, &cs->svc, &gp, err, sizeof(err)) == -1) {
		bool graph_no = errno == ENOENT;

		cat_refs_cleanup(&refs);
		free(last);
		strlist_cleanup(&argv);
		if (graph_no) /* "graph no": Munin draws none either */
			return send_error(c, 404, err, false);
		log_warnx(
		    "web: %s/%s: cannot draw: %s", h->name, cs->svc.name, err);
		return send_error(c, 500, err, false);
	}
	cat_refs_cleanup(&refs);
	free(last);
	ch = config_hash(&cs->svc);
	render_key(key, sizeof(key), r->keep_key, ch);
	graph_etag(r->etag, sizeof(r->etag), ch, key, stamp);
	r->stamp = stamp;
	r->max_age = graph_max_age(stamp, interval, now);
	r->ctype = r->route.svg ? "image/svg+xml" : "image/png";
	if (renderer_get(r->w->render, key, &argv, stamp, graph_done, r) ==
	    -1) {
		strlist_cleanup(&argv);
		return send_error(
		    c, 503, "the renderer is not taking requests", false);
	}
	MHD_suspend_connection(c);
	r->suspended = true;
	r->w->jobs++;
	return MHD_YES;
}

static enum MHD_Result
send_graph(struct req *r)
{
	struct MHD_Connection *c = r->conn;
	const char *inm = MHD_lookup_connection_value(
	    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char lm[64], cc[32];
	struct tm tm;
	unsigned status = MHD_HTTP_OK;

	gmtime_r(&r->lastmod, &tm);
	strftime(lm, sizeof(lm), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(cc, sizeof(cc), "max-age=%u", r->max_age);
	if (inm != NULL && strcmp(inm, r->etag) == 0) {
		resp = MHD_create_response_from_buffer(
		    0, NULL, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_NOT_MODIFIED;
	} else {
		/* MHD sends the file with sendfile and closes it */
		resp = MHD_create_response_from_fd(r->fsize, r->fd);
		if (resp != NULL)
			r->fd = -1;
	}
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", r->ctype);
	MHD_add_response_header(resp, "ETag", r->etag);
	MHD_add_response_header(resp, "Last-Modified", lm);
	MHD_add_response_header(resp, "Cache-Control", cc);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ---- connections and slow clients ------------------------------- */

/* The connection's record, NULL when there is none (out of memory). */
static struct web_conn *
conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

/* wc starts waiting for a request head now (the last in line). */
static void
wait_begin(struct web *w, struct web_conn *wc)
{
	if (wc == NULL || wc->waiting || wc->shut)
		return;
	wc->since = uv_now(w->loop);
	wc->waiting = true;
	TAILQ_INSERT_TAIL(&w->waiting, wc, entry);
}

static void
wait_end(struct web *w, struct web_conn *wc)
{
	if (wc == NULL || !wc->waiting)
		return;
	TAILQ_REMOVE(&w->waiting, wc, entry);
	wc->waiting = false;
}

/*
 * Closes a waiting connection.  MHD 0.9.75 has no call that closes a
 * connection outside its request handler, which it calls only once the
 * head is complete; so its socket is shut down: MHD sees the end of the
 * stream on its next run and closes and frees the connection itself (the
 * fd stays MHD's, and open until its "closed" notification).
 */
static void
conn_shut(struct web *w, struct web_conn *wc)
{
	wait_end(w, wc);
	shutdown(wc->fd, SHUT_RDWR);
	wc->shut = true;
	w->nshut++;
}

/* Closes the connections whose head is overdue at now (loop ms). */
static void
sweep_slow(struct web *w, uint64_t now)
{
	struct web_conn *wc;

	while ((wc = TAILQ_FIRST(&w->waiting)) != NULL &&
	       now - wc->since >= WEB_HEAD_TIMEOUT) {
		conn_shut(w, wc);
		w->slow_timeouts++;
	}
}

/* Keeps WEB_RESERVE slots free by closing the connections that have
 * waited longest for a head, never newest (just started). */
static void
make_room(struct web *w, const struct web_conn *newest)
{
	struct web_conn *wc;

	while (w->nconns - w->nshut > WEB_MAX_CONNS - WEB_RESERVE &&
	       (wc = TAILQ_FIRST(&w->waiting)) != NULL && wc != newest) {
		conn_shut(w, wc);
		w->slow_evicted++;
	}
}

/* One line when slow clients were closed, then at most one a minute. */
static void
log_slow(struct web *w)
{
	uint64_t total = w->slow_timeouts + w->slow_evicted;

	if (total == w->slow_logged ||
	    !ratelimit_allow(
		&w->slow_rl, uv_now(w->loop), WEB_SLOW_LOG_MS, NULL))
		return;
	log_warnx("web: slow clients: %llu connections closed so far (%llu "
		  "sent no request head in %d s, %llu closed to make room "
		  "for new ones; %llu since the last report)",
	    (unsigned long long)total, (unsigned long long)w->slow_timeouts,
	    WEB_HEAD_TIMEOUT / 1000, (unsigned long long)w->slow_evicted,
	    (unsigned long long)(total - w->slow_logged));
	w->slow_logged = total;
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct web *w = cls;
	struct web_conn *wc = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		w->nconns++;
		ci = MHD_get_connection_info(
		    c, MHD_CONNECTION_INFO_CONNECTION_FD);
		wc = ci != NULL ? calloc(1, sizeof(*wc)) : NULL;
		if (wc != NULL) { /* else untracked: only MHD's limits */
			wc->fd = ci->connect_fd;
			wait_begin(w, wc);
		}
		*socket_context = wc;
		make_room(w, wc);
		return;
	}
	w->nconns--;
	if (wc == NULL)
		return;
	wait_end(w, wc);
	if (wc->shut)
		w->nshut--;
	free(wc);
	*socket_context = NULL;
}

/* ---- dispatch ------------------------------------------------------ */

/* The delivery counters from their owners, now (zero without outputs). */
static void
deliveries(const struct web *w, struct outputs_stats *os)
{
	memset(os, 0, sizeof(*os));
	if (w->stats.outputs != NULL)
		outputs_stats(w->stats.outputs, os);
}

static enum MHD_Result
add_query_arg(
    void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct buf *b = cls;

	(void)kind;
	buf_puts(
	    b, b->len > 0 && memchr(b->p, '?', b->len) != NULL ? "&" : "?");
	html_escape_url(b, key);
	if (value != NULL) {
		buf_puts(b, "=");
		html_escape_url(b, value);
	}
	return MHD_YES;
}

/*
 * A request about h, a host another collector polls (h->peer): a 307 to
 * the same path and query there, when a peer says it polls h; else 503
 * (the owner cannot be reached: drover check answers UNKNOWN with the
 * reason).  The path's names passed router_parse, so they need no
 * escaping.
 */
static enum MHD_Result
send_to_owner(struct req *r, const struct cat_host *h, bool json)
{
	struct MHD_Response *resp;
	struct peer_info pi;
	struct buf b = {0};
	enum MHD_Result ret;
	size_t k = 0;
	char *loc;

	if (peers_host(r->w->peers, h->name, &k) == NULL)
		return send_error(r->conn, 503,
		    "polled by a peer collector that does not answer now",
		    json);
	peers_info(r->w->peers, k, &pi);
	buf_puts(&b, pi.url);
	buf_puts(&b, r->url);
	MHD_get_connection_values(
	    r->conn, MHD_GET_ARGUMENT_KIND, add_query_arg, &b);
	loc = buf_take(&b, NULL);
	if (loc == NULL)
		return send_error(r->conn, 500, "out of memory", json);
	resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		free(loc);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Location", loc);
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	free(loc);
	ret = MHD_queue_response(r->conn, 307, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * GET /metrics, streamed (web/metrics.h): MHD asks for the body as the
 * socket takes it, and each slice of hosts is made only when the one
 * before has gone, so a scrape holds WEB_METRICS_SLICE bytes of text,
 * not the whole (about 100 bytes a sample), and stalls the loop a slice
 * at a time.  The catalog outlives the response: the daemon frees it
 * after stopping the web (MHD_stop_daemon ends every response).
 */
#define WEB_METRICS_SLICE (64u << 10) /* bytes of text made at once */

struct metrics_body {
	struct web *w;
	struct metrics_stream *ms;
	struct buf slice; /* text made and not all sent */
	size_t off;	  /* bytes of slice sent */
	bool more;	  /* the stream has text after slice */
};

/* MHD_ContentReaderCallback */
static ssize_t
metrics_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct metrics_body *mb = cls;
	size_t n;

	(void)pos;
	if (mb->off == mb->slice.len) {
		if (!mb->more)
			return MHD_CONTENT_READER_END_OF_STREAM;
		mb->slice.len = 0;
		mb->off = 0;
		/* never 0 bytes: MHD would wait for a socket event */
		do
			mb->more = metrics_stream_next(
			    mb->ms, &mb->slice, WEB_METRICS_SLICE);
		while (mb->more && mb->slice.len == 0);
		if (mb->slice.oom) {
			log_warnx("web: /metrics: out of memory; scrape cut");
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		if (mb->slice.len == 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
	}
	n = mb->slice.len - mb->off;
	if (n > max)
		n = max;
	memcpy(out, mb->slice.p + mb->off, n);
	mb->off += n;
	return (ssize_t)n;
}

/* MHD_ContentReaderFreeCallback */
static void
metrics_body_free(void *cls)
{
	struct metrics_body *mb = cls;

	if (mb->w != NULL)
		mb->w->streams--;
	metrics_stream_free(mb->ms);
	buf_free(&mb->slice);
	free(mb);
}

/* A 200 streaming ms (takes ownership; NULL: out of memory, a 500). */
static enum MHD_Result
send_metrics(struct web *w, struct MHD_Connection *c, struct metrics_stream *ms)
{
	struct metrics_body *mb = NULL;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (ms != NULL)
		mb = calloc(1, sizeof(*mb));
	if (mb == NULL) {
		metrics_stream_free(ms);
		return send_error(c, 500, "out of memory", false);
	}
	mb->ms = ms;
	mb->more = true;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
	    WEB_METRICS_SLICE, metrics_read, mb, metrics_body_free);
	if (resp == NULL) {
		metrics_body_free(mb);
		return MHD_NO;
	}
	mb->w = w;
	w->streams++;
	MHD_add_response_header(resp, "Content-Type", METRICS_CONTENT_TYPE);
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(c, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
dispatch(struct req *r)
{
	struct web *w = r->w;
	struct MHD_Connection *c = r->conn;
	struct cat_host *h = NULL;
	const struct cat_service *cs = NULL;
	const char *cf;
	long start = 0, end = 0, step = 0;
	bool gs, gstep;
	char terr[160];
	time_t now = time(NULL);
	struct outputs_stats os;
	bool json =
	    (r->route.kind >= R_API_HOSTS && r->route.kind <= R_API_DATA) ||
	    r->route.kind == R_API_ALERTS || r->route.kind == R_API_POWER;
	size_t len = 0;
	char *body;

	if (r->route.kind == R_NOT_FOUND ||
	    (w->set.metrics_only && r->route.kind != R_METRICS))
		return send_error(c, 404, "no such page", false);
	if (r->route.kind == R_BAD_REQUEST)
		return send_error(c, 400, "%00 in the URL", false);
	if (r->route.kind == R_ASSET) /* its name is no service's */
		return send_asset(c, asset_find(r->route.service));
	if (r->route.host[0] != '\0') {
		h = catalog_find(w->cat, r->route.host);
		if (h == NULL)
			return send_error(c, 404, "no such host", json);
		/* its pages, graphs and API live where it is polled */
		if (h->peer)
			return send_to_owner(r, h, json);
	}
	if (h != NULL && r->route.service[0] != '\0') {
		cs = cat_host_service(h, r->route.service);
		/* a host that is down says why (Munin's "No address!" for
		 * one never polled), which drover check passes on */
		if (cs == NULL && h->state == HOST_DOWN &&
		    h->last_error != NULL) {
			char why[320];

			snprintf(why, sizeof(why),
			    "host down (%s), no such service", h->last_error);
			return send_error(c, 404, why, json);
		}
		if (cs == NULL)
			return send_error(c, 404, "no such service", json);
	}
	/* a range relative to now ends at the last whole interval: its data
	 * changes no sooner, and its image is one cache entry that long */
	switch (time_range_parse(
	    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "start"),
	    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "end"),
	    w->set.interval > 1 ? now - now % (time_t)w->set.interval : now,
	    &r->range, terr, sizeof(terr))) {
	case -1:
		return send_error(c, 400, terr, json);
	case 1:
		gs = true;
		start = (long)r->range.start;
		end = (long)r->range.end;
		break;
	default:
		gs = false;
	}
	if (!arg_long(c, "step", 1, 86400 * 366, &step, &gstep))
		return send_error(
		    c, 400, "step must be seconds, 1 to 31622400", json);
	if (!arg_limits(c, r))
		return send_error(c, 400,
		    "give both lower= and upper=, numbers with lower below "
		    "upper",
		    json);
	switch (r->route.kind) {
	case R_OVERVIEW:
		body = page_overview_cluster(w->cat, w->peers,
		    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q"),
		    now, &len);
		break;
	case R_HOST:
		body = page_host(w->cat, h, now, &len);
		break;
	case R_HEALTH: {
		struct web_poll_stats ps = {0};
		struct rrd_writer_stats ws = {0};
		struct renderer_stats rs;
		struct alerts_stats as;
		struct remote_write_stats rws;
		struct rrdcached_proc_stats rcs;

		if (w->stats.rrdcached != NULL)
			rrdcached_proc_stats(w->stats.rrdcached, &rcs);
		if (w->stats.polls != NULL)
			w->stats.polls(w->stats.polls_arg, &ps);
		if (w->stats.writer != NULL)
			rrd_writer_stats(w->stats.writer, &ws);
		if (w->render != NULL)
			renderer_stats(w->render, &rs);
		if (w->graphs != NULL) { /* kept images are cache hits too */
			struct graph_cache_stats kept;

			graph_cache_stats(w->graphs, &kept);
			rs.requests += kept.hits;
			rs.hits += kept.hits;
		}
		if (w->alerts != NULL)
			alerts_stats(w->alerts, &as);
		deliveries(w, &os);
		if (w->stats.remote_write != NULL)
			w->stats.remote_write(w->stats.remote_write_arg, &rws);
		body = page_health(w->cat, &ps, &ws,
		    w->render != NULL ? &rs : NULL,
		    w->alerts != NULL ? &as : NULL, &os,
		    w->stats.remote_write != NULL ? &rws : NULL,
		    w->stats.rrdcached != NULL ? &rcs : NULL, now, &len);
		break;
	}
	case R_METRICS: {
		struct web_poll_stats ps = {0};
		struct rrd_writer_stats ws = {0};
		struct remote_write_stats rws;
		struct metrics_self self = {&ps, NULL, NULL};

		if (w->stats.polls != NULL)
			w->stats.polls(w->stats.polls_arg, &ps);
		if (w->stats.writer != NULL) {
			rrd_writer_stats(w->stats.writer, &ws);
			self.writer = &ws;
		}
		if (w->stats.remote_write != NULL) {
			w->stats.remote_write(w->stats.remote_write_arg, &rws);
			self.remote_write = &rws;
		}
		return send_metrics(
		    w, c, metrics_stream_new(w->cat, &self, now));
	}
	case R_API_HOSTS:
		body = api_hosts(w->cat, w->peers,
		    MHD_lookup_connection_value(
			c, MHD_GET_ARGUMENT_KIND, "local") != NULL,
		    now, &len);
		break;
	case R_ALERTS:
		deliveries(w, &os);
		body = page_alerts(w->cat, w->alerts, &os, now, &len);
		break;
	case R_API_ALERTS:
		deliveries(w, &os);
		body = api_alerts(w->cat, w->alerts, &os, &len);
		break;
	case R_API_POWER:
		body = api_power(w->cat, &len);
		break;
	case R_API_HOST:
		body = api_host(h, now, &len);
		break;
	case R_API_SERVICE:
		body = api_service(h, cs, now, &len);
		break;
	case R_API_DATA:
		cf =
		    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cf");
		if (cf == NULL)
			cf = "AVERAGE";
		if (strcmp(cf, "AVERAGE") != 0 && strcmp(cf, "MIN") != 0 &&
		    strcmp(cf, "MAX") != 0)
			return send_error(
			    c, 400, "cf must be AVERAGE, MIN or MAX", true);
		snprintf(r->cf, sizeof(r->cf), "%s", cf);
		r->start = gs ? start : now - 86400;
		r->end = gs ? end : now;
		r->step = gstep ? (unsigned long)step : 300;
		return start_data(r, h, cs);
	case R_SERVICE:
		/* the table's min/avg/max cover the zoomed range or a day */
		snprintf(r->cf, sizeof(r->cf), "AVERAGE");
		r->zoom = gs;
		r->start = gs ? start : now - 86400;
		r->end = gs ? end : now;
		r->step = 300;
		return start_data(r, h, cs);
	case R_GRAPH:
		return start_graph(r, h, cs, gs, start, end);
	case R_COMPARE:
		return start_compare(r, gs, now);
	default:
		return send_error(c, 404, "no such page", false);
	}
	if (body == NULL)
		return send_error(c, 500, "out of memory", json);
	return send_body(c, 200,
	    json ? "application/json" : "text/html; charset=utf-8", body, len,
	    false);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct web *w = cls;
	struct req *r = *con_cls;
	enum MHD_Result ret;

	(void)version;
	(void)upload;
	if (r == NULL) {
		wait_end(w, conn_of(c)); /* the head is complete */
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
			struct MHD_Response *resp =
			    MHD_create_response_from_buffer(
				0, NULL, MHD_RESPMEM_PERSISTENT);

			MHD_add_response_header(resp, "Allow", "GET, HEAD");
			ret = MHD_queue_response(c, 405, resp);
			MHD_destroy_response(resp);
			return ret;
		}
		if (*upload_size != 0)
			return MHD_NO;
		r = calloc(1, sizeof(*r));
		if (r == NULL)
			return MHD_NO;
		r->w = w;
		r->conn = c;
		r->fd = -1;
		*con_cls = r;
		router_parse(url, &r->route);
		r->url = strdup(url);
		if (r->url == NULL)
			return MHD_NO;
		/* answered from the next call: MHD 0.9.75 closes a
		 * connection whose response is queued from the first, so
		 * keep-alive would never happen */
		return MHD_YES;
	}
	if (!r->dispatched) {
		r->dispatched = true;
		return dispatch(r);
	}
	if (!r->ready)
		return MHD_YES;
	if (r->fd >= 0 && r->status == MHD_HTTP_OK)
		return send_graph(r);
	if (r->body == NULL)
		return send_error(
		    c, r->status ? r->status : 500, "internal error", false);
	ret = send_body(c, r->status, r->ctype, r->body, r->len, false);
	r->body = NULL;
	return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct web *w = cls;
	struct req *r = *con_cls;

	if (r != NULL)
		req_free(r);
	*con_cls = NULL;
	/* kept alive: the wait for the next head begins */
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		wait_begin(w, conn_of(c));
}

/* Percent-decoding that never cuts a path at "%00" (route_unescape). */
static size_t
mhd_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return route_unescape(s);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("web: %s", msg);
}

/* ---- libuv glue ---------------------------------------------------- */

/* Closes overdue heads first, so that this run of MHD sees them shut. */
static void
run_mhd(struct web *w)
{
	if (w->d == NULL)
		return;
	sweep_slow(w, uv_now(w->loop));
	MHD_run(w->d);
	log_slow(w);
	arm(w);
}

static void
on_poll(uv_poll_t *p, int status, int events)
{
	(void)status;
	(void)events;
	run_mhd(p->data);
}

static void
on_timer(uv_timer_t *t)
{
	run_mhd(t->data);
}

static void
on_idle(uv_idle_t *i)
{
	run_mhd(i->data);
}

/*
 * Re-arms the timer from MHD's own timeout (resume() alone arms 0), or for
 * the first head deadline if that comes sooner.  Never 0 ms here: MHD
 * answers 0 while connections wait in its epoll ready list, and libuv 1.44
 * reruns a 0 ms timer restarted from its own callback (on_timer, then
 * run_mhd) in the same pass, so a client keeping MHD busy would starve
 * every other handle of the loop.  But while a /metrics body streams, MHD
 * sends one chunk (a connection's memory pool, some 10 KiB) per run and
 * answers 0 until the socket is full: a 1 ms floor made a 10 MB scrape
 * take a second, so then MHD runs from an idle handle, once a loop turn
 * with the loop's other I/O polled between turns.
 */
static void
arm(struct web *w)
{
	MHD_UNSIGNED_LONG_LONG to;
	const struct web_conn *wc = TAILQ_FIRST(&w->waiting);
	uint64_t now = uv_now(w->loop), due;

	if (w->d == NULL)
		return;
	if (MHD_get_timeout(w->d, &to) != MHD_YES)
		to = 1000;
	if (wc != NULL) {
		due = wc->since + WEB_HEAD_TIMEOUT;
		if (due <= now)
			to = 0;
		else if (due - now < to)
			to = due - now;
	}
	if (to == 0 && w->streams > 0) {
		uv_idle_start(&w->idle, on_idle);
		uv_timer_stop(&w->timer);
		return;
	}
	uv_idle_stop(&w->idle);
	uv_timer_start(&w->timer, on_timer, to > 0 ? to : 1, 0);
}

/* s's address in *ss (port included); 0, or -1 (logged) when it is not
 * an IP address. */
static int
listen_sockaddr(
    const struct web_settings *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *sa6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sa4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s->listen_addr, &sa4->sin_addr) == 1) {
		sa4->sin_family = AF_INET;
		sa4->sin_port = htons((uint16_t)s->listen_port);
		*len = sizeof(*sa4);
		return 0;
	}
	if (inet_pton(AF_INET6, s->listen_addr, &sa6->sin6_addr) == 1) {
		sa6->sin6_family = AF_INET6;
		sa6->sin6_port = htons((uint16_t)s->listen_port);
		*len = sizeof(*sa6);
		return 0;
	}
	log_warnx(
	    "web: listen address %s is not an IP address", s->listen_addr);
	return -1;
}

/* As MHD binds: SO_REUSEADDR, IPv6 only on an IPv6 address. */
int
web_listen(const struct web_settings *s)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = -1, low, on = 1;

	if (listen_sockaddr(s, &ss, &len) == -1)
		return -1;
	fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		goto fail;
	/* fd 0 would read as "no socket" in web_settings */
	if (fd < 3) {
		low = fd;
		fd = fcntl(low, F_DUPFD_CLOEXEC, 3);
		close(low);
		if (fd == -1)
			goto fail;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    (ss.ss_family == AF_INET6 &&
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) ==
		    -1) ||
	    bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, SOMAXCONN) == -1)
		goto fail;
	return fd;
fail:
	log_warn(
	    "web: cannot listen on %s port %u", s->listen_addr, s->listen_port);
	if (fd != -1)
		close(fd);
	return -1;
}

struct web *
web_new(uv_loop_t *loop, const struct web_settings *c, struct catalog *cat,
    struct renderer *render, struct alerts *alerts,
    const struct web_stats *stats)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
	struct web *w;
	int fd;

	if (listen_sockaddr(c, &ss, &sslen) == -1) {
		if (c->listen_fd > 0)
			close(c->listen_fd);
		return NULL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		if (c->listen_fd > 0)
			close(c->listen_fd);
		return NULL;
	}
	w->loop = loop;
	TAILQ_INIT(&w->waiting);
	w->cat = cat;
	w->render = render;
	w->alerts = alerts;
	if (stats != NULL)
		w->stats = *stats;
	w->set = *c;
	w->set.listen_fd = 0;
	if (render != NULL) {
		w->graphs = graph_cache_new(
		    c->graph_keep_bytes ? c->graph_keep_bytes : WEB_GRAPH_KEEP);
		if (w->graphs == NULL) {
			if (c->listen_fd > 0)
				close(c->listen_fd);
			free(w);
			return NULL;
		}
	}
	/* MHD never binds: the socket is always one of web_listen() */
	fd = c->listen_fd > 0 ? c->listen_fd : web_listen(c);
	if (fd == -1) {
		graph_cache_free(w->graphs);
		free(w);
		return NULL;
	}
	w->d = MHD_start_daemon(flags, (uint16_t)c->listen_port, NULL, NULL,
	    on_request, w, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_MAX_CONNS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)WEB_MAX_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)WEB_CONN_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WEB_MEM_LIMIT,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, w,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, w,
	    MHD_OPTION_UNESCAPE_CALLBACK, mhd_unescape, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, w, MHD_OPTION_END);
	if (w->d == NULL) {
		log_warn("web: cannot listen on %s port %u", c->listen_addr,
		    c->listen_port);
		close(fd);
		graph_cache_free(w->graphs);
		free(w);
		return NULL;
	}
	info = MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_BIND_PORT);
	w->port = info != NULL ? info->port : c->listen_port;
	info = MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_EPOLL_FD);
	uv_poll_init(loop, &w->poll, info->epoll_fd);
	uv_timer_init(loop, &w->timer);
	uv_idle_init(loop, &w->idle);
	w->poll.data = w;
	w->timer.data = w;
	w->idle.data = w;
	uv_poll_start(&w->poll, UV_READABLE, on_poll);
	arm(w);
	log_info(c->metrics_only ? "web: metrics on http://%s%s%s:%u/metrics"
				 : "web: dashboard on http://%s%s%s:%u/",
	    ss.ss_family == AF_INET6 ? "[" : "", c->listen_addr,
	    ss.ss_family == AF_INET6 ? "]" : "", w->port);
	return w;
}

void
web_set_peers(struct web *w, const struct peers *peers)
{
	w->peers = peers;
}

void
web_set_settings(struct web *w, const struct web_settings *s)
{
	w->set = *s;
	/* kept images name files under the old dbdir */
	if (w->graphs != NULL)
		graph_cache_clear(w->graphs);
}

unsigned
web_port(const struct web *w)
{
	return w->port;
}

static void
on_closed(uv_handle_t *h)
{
	struct web *w = h->data;

	if (--w->closing == 0)
		free(w);
}

/* MHD must not stop under a suspended connection: after the last job. */
static void
really_stop(struct web *w)
{
	MHD_stop_daemon(w->d);
	w->d = NULL;
	graph_cache_free(w->graphs); /* no connection sends one now */
	w->graphs = NULL;
	w->closing = 3;
	uv_close((uv_handle_t *)&w->poll, on_closed);
	uv_close((uv_handle_t *)&w->timer, on_closed);
	uv_close((uv_handle_t *)&w->idle, on_closed);
}

void
web_stop(struct web *w)
{
	if (w == NULL || w->stopping)
		return;
	w->stopping = true;
	uv_poll_stop(&w->poll);
	if (w->jobs == 0)
		really_stop(w);
}
