/* Tests for remote_write against a real HTTP server (libmicrohttpd on
 * 127.0.0.1, its own thread) that answers from a script: the headers
 * of the protocol, a body snappy can read, 503 and 429 retried with the
 * same body, a 400 dropped (its samples counted failed, the next
 * request sent), and a 204 counted sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <stdio.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <curl/curl.h>
#include <microhttpd.h>
#include <snappy-c.h>
#include <uv.h>

#include "catalog/catalog.h"
#include "collector/remote_write.h"
#include "lib/buf.h"
#include "lib/log.h"

#define MAXREQ 8

/* The server's side: what it answers and what it saw (under mu). */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static const unsigned script[] = {503, 429, 400, 204};
static size_t nreq;
static char *bodies[MAXREQ]; /* uncompressed */
static size_t body_len[MAXREQ];
static bool headers_ok[MAXREQ];

static bool
header_is(struct MHD_Connection *c, const char *name, const char *want)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);

	return v != NULL && strcmp(v, want) == 0;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct buf *b = *con_cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	unsigned status = 500;
	size_t n = 0;
	char *plain;

	(void)cls;
	(void)version;
	if (b == NULL) {
		b = calloc(1, sizeof(*b));
		*con_cls = b;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		buf_putn(b, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&mu);
	if (nreq < MAXREQ && strcmp(method, "POST") == 0 &&
	    strcmp(url, "/api/v1/write") == 0) {
		headers_ok[nreq] =
		    header_is(c, "Content-Encoding", "snappy") &&
		    header_is(c, "Content-Type", "application/x-protobuf") &&
		    header_is(c, "X-Prometheus-Remote-Write-Version", "0.1.0");
		if (b->len > 0 &&
		    snappy_uncompressed_length(b->p, b->len, &n) == SNAPPY_OK &&
		    (plain = malloc(n)) != NULL) {
			if (snappy_uncompress(b->p, b->len, plain, &n) ==
			    SNAPPY_OK) {
				bodies[nreq] = plain;
				body_len[nreq] = n;
			} else {
				free(plain);
			}
		}
		status = nreq < sizeof(script) / sizeof(script[0])
			     ? script[nreq]
			     : 204;
		nreq++;
	}
	pthread_mutex_unlock(&mu);
	r = MHD_create_response_from_buffer(status == 400 ? 12 : 0,
	    (void *)"bad sample\n\n", MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct buf *b = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (b != NULL) {
		buf_free(b);
		free(b);
	}
	*con_cls = NULL;
}

/* The loop's side. */
struct run {
	struct remote_write *rw;
	uv_timer_t check;
	unsigned ticks;
};

static void
on_check(uv_timer_t *t)
{
	struct run *r = t->data;
	struct remote_write_stats st;

	remote_write_stats(r->rw, &st);
	/* a bound on a hang, not a timing: the retries take about 2 s */
	if ((st.sent + st.failed == 6 && st.queued == 0) || ++r->ticks > 600) {
		uv_timer_stop(t);
		uv_close((uv_handle_t *)t, NULL);
	}
}

static void
feed(struct remote_write *rw, struct catalog *cat, struct cat_host *h,
    time_t ts, double v)
{
	struct batch b = {0};
	struct service *s = batch_service(&b, "load", true);
	const char *names[] = {"a", "b", "c"};
	struct field *f;
	size_t i;

	s->has_config = true;
	for (i = 0; i < 3; i++) {
		f = service_field(s, names[i], true);
		attrs_set(&f->attrs, "label", names[i]);
		f->has_value = true;
		f->value = v + (double)i;
	}
	catalog_update(cat, h, ts, &b);
	remote_write_batch(rw, h, &b);
	batch_cleanup(&b);
}

static void
test_answers(void **state)
{
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *di;
	struct remote_write_settings s = {0};
	struct remote_write_stats st;
	struct catalog *cat = catalog_new();
	struct cat_host *h = catalog_host(cat, "web1", "grp", NULL);
	uv_loop_t loop;
	struct run r = {0};
	char url[64];
	size_t i;
	FILE *devnull = fopen("/dev/null", "w");
	struct sockaddr_in sin;

	(void)state;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
	    handler, NULL, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin, MHD_OPTION_END);
	assert_non_null(d);
	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/api/v1/write",
	    (unsigned)di->port);
	uv_loop_init(&loop);
	s.url = url;
	s.queue_bytes = 1 << 20;
	s.batch_samples = 3; /* a request per batch */
	s.timeout_s = 10;
	log_set_stream(devnull);
	r.rw = remote_write_new(&loop, &s);
	assert_non_null(r.rw);
	feed(r.rw, cat, h, 1000, 1);  /* answered 503, 429, then 400 */
	feed(r.rw, cat, h, 1002, 10); /* answered 204 */
	uv_timer_init(&loop, &r.check);
	r.check.data = &r;
	uv_timer_start(&r.check, on_check, 50, 50);
	uv_run(&loop, UV_RUN_DEFAULT);
	log_set_stream(NULL);
	remote_write_stats(r.rw, &st);
	assert_int_equal(st.failed, 3);
	assert_int_equal(st.sent, 3);
	assert_int_equal(st.retries, 2);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.dropped, 0);
	remote_write_free(r.rw);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	MHD_stop_daemon(d);

	assert_int_equal(nreq, 4);
	for (i = 0; i < nreq; i++) {
		assert_true(headers_ok[i]);
		assert_non_null(bodies[i]);
	}
	/* the retries carried the refused request, unchanged */
	assert_int_equal(body_len[1], body_len[0]);
	assert_memory_equal(bodies[1], bodies[0], body_len[0]);
	assert_memory_equal(bodies[2], bodies[0], body_len[0]);
	/* the next request is the next batch */
	assert_true(body_len[3] != body_len[0] ||
		    memcmp(bodies[3], bodies[0], body_len[0]) != 0);
	for (i = 0; i < nreq; i++)
		free(bodies[i]);
	catalog_free(cat);
	fclose(devnull);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_answers),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
