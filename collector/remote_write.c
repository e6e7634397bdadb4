/*
 * remote_write: batching, the queue, sending and backoff; see
 * remote_write.h.
 *
 * One request in flight at a time keeps the engine's view in time order
 * (remote-write receivers want each series' samples in order) and is
 * enough: a request carries up to batch_samples samples, so a backlog
 * after an outage drains at one round trip per batch_samples samples.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "alerts/curl_loop.h"
#include "collector/remote_write.h"
#include "collector/rw_encode.h"
#include "collector/rw_queue.h"
#include "lib/buf.h"
#include "lib/log.h"

#define FLUSH_MS                                                               \
	5000		     /* an open request waits at most this long        \
				(Prometheus's batch_send_deadline) */
#define BACKOFF_MIN_MS 500   /* first retry */
#define BACKOFF_MAX_MS 30000 /* longest wait between retries */
#define RESP_KEEP 256	     /* bytes of a refusal's body kept for the log */

struct remote_write {
	uv_loop_t *loop;
	char *url;
	unsigned timeout_s;
	size_t batch_samples;
	struct rw_queue *q;
	struct curl_loop *cl;
	struct curl_slist *headers;

	struct buf req;	    /* the open WriteRequest */
	struct buf scratch; /* label text for rw_encode_batch */
	char *z;	    /* snappy's output, kept between requests */
	size_t zcap;	    /* bytes at z */
	size_t req_samples; /* samples in req */
	uv_timer_t flush;   /* seals req FLUSH_MS after its first sample */
	bool flush_armed;

	CURL *easy;	    /* the request in flight, or NULL */
	struct rw_item cur; /* its body (held in q) */
	struct buf resp;    /* the start of its answer */
	char err[CURL_ERROR_SIZE];
	uv_timer_t retry;    /* the backoff */
	bool waiting;	     /* retry is running */
	unsigned attempts;   /* failed tries of cur in a row */
	uint64_t rng;	     /* xorshift state for the jitter */
	struct ratelimit rl; /* complaints about the engine */
	bool failing;	     /* the last try failed (for "sending again") */

	uint64_t sent, failed, retries;
	bool closing;
	int open_handles; /* timers not yet closed after free */
};

static void kick(struct remote_write *rw);

static uint64_t
now_ms(const struct remote_write *rw)
{
	return uv_now(rw->loop);
}

/* Moves the open request into the queue. */
static void
seal(struct remote_write *rw)
{
	char *body;
	size_t len;

	if (rw->flush_armed) {
		uv_timer_stop(&rw->flush);
		rw->flush_armed = false;
	}
	if (rw->req_samples == 0)
		return;
	if (rw->req.oom || rw_compress(rw->req.p, rw->req.len, &rw->z,
			       &rw->zcap, &body, &len) == -1) {
		log_warnx("remote_write: out of memory: %zu samples dropped",
		    rw->req_samples);
		rw->failed += rw->req_samples;
	} else {
		rw_queue_push(rw->q, body, len, rw->req_samples);
	}
	/* kept, not freed: the next request is as large */
	rw->req.len = 0;
	rw->req.oom = false;
	rw->req_samples = 0;
	kick(rw);
}

static void
flush_due(uv_timer_t *t)
{
	struct remote_write *rw = t->data;

	rw->flush_armed = false;
	seal(rw);
}

static size_t
resp_body(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t len = size * n;

	if (b->len < RESP_KEEP)
		buf_putn(
		    b, p, len < RESP_KEEP - b->len ? len : RESP_KEEP - b->len);
	return len;
}

static void
retry_due(uv_timer_t *t)
{
	struct remote_write *rw = t->data;

	rw->waiting = false;
	kick(rw);
}

/* Waits before trying cur again: 0.5 s doubling to 30 s, each wait
 * between half and all of its step so many drovers do not beat in
 * time against one engine. */
static void
back_off(struct remote_write *rw, const char *why)
{
	uint64_t step = BACKOFF_MIN_MS, wait;
	unsigned suppressed = 0, i;

	for (i = 1; i < rw->attempts && step < BACKOFF_MAX_MS; i++)
		step *= 2;
	if (step > BACKOFF_MAX_MS)
		step = BACKOFF_MAX_MS;
	rw->rng ^= rw->rng << 13;
	rw->rng ^= rw->rng >> 7;
	rw->rng ^= rw->rng << 17;
	wait = step / 2 + rw->rng % (step / 2 + 1);
	if (ratelimit_allow(&rw->rl, now_ms(rw), 60000, &suppressed))
		log_warnx("remote_write: %s: %s; retrying (%zu samples "
			  "waiting; %u similar messages suppressed)",
		    rw->url, why, rw->cur.samples, suppressed);
	rw->failing = true;
	rw->retries++;
	rw->waiting = true;
	uv_timer_start(&rw->retry, retry_due, wait, 0);
}

/* The end of the request in flight: result and HTTP status code. */
static void
request_done(struct remote_write *rw, CURLcode res, long code)
{
	char why[CURL_ERROR_SIZE + 64];

	if (res == CURLE_OK && code >= 200 && code < 300) {
		rw->sent += rw->cur.samples;
		rw->attempts = 0;
		if (rw->failing)
			log_info("remote_write: %s: sending again", rw->url);
		rw->failing = false;
		rw_queue_release(rw->q, true);
		return;
	}
	if (res == CURLE_OK && code != 429 && code < 500) {
		buf_putc(&rw->resp, '\0');
		log_warnx("remote_write: %s: HTTP %ld: %s: %zu samples "
			  "dropped",
		    rw->url, code, rw->resp.p != NULL ? rw->resp.p : "",
		    rw->cur.samples);
		rw->failed += rw->cur.samples;
		rw->attempts = 0;
		rw_queue_release(rw->q, true);
		return;
	}
	if (res != CURLE_OK)
		snprintf(why, sizeof(why), "%s",
		    rw->err[0] != '\0' ? rw->err : curl_easy_strerror(res));
	else
		snprintf(why, sizeof(why), "HTTP %ld", code);
	rw->attempts++;
	rw_queue_release(rw->q, false);
	back_off(rw, why);
}

static void
transfers_ended(void *arg)
{
	struct remote_write *rw = arg;
	CURLcode res;
	long code = 0;
	CURL *e;

	while (curl_loop_next_done(rw->cl, &e, &res)) {
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_cleanup(e);
		rw->easy = NULL;
		request_done(rw, res, code);
		buf_free(&rw->resp);
	}
	kick(rw);
}

/* Sends the oldest queued request when none is in flight. */
static void
kick(struct remote_write *rw)
{
	CURL *e;

	if (rw->easy != NULL || rw->waiting || rw->closing)
		return;
	if (!rw_queue_hold(rw->q, &rw->cur))
		return;
	e = curl_easy_init();
	if (e == NULL)
		goto fail;
	rw->err[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, rw->url);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, rw->cur.data);
	curl_easy_setopt(
	    e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rw->cur.len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, rw->headers);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)rw->timeout_s);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, rw->err);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, resp_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &rw->resp);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	if (curl_loop_add(rw->cl, e) == -1) {
		curl_easy_cleanup(e);
		goto fail;
	}
	rw->easy = e;
	return;
fail:
	rw->attempts++;
	rw_queue_release(rw->q, false);
	back_off(rw, "cannot start a request");
}

struct remote_write *
remote_write_new(uv_loop_t *loop, const struct remote_write_settings *s)
{
	struct remote_write *rw = calloc(1, sizeof(*rw));
	struct curl_slist *h = NULL, *n;
	static const char *const hdrs[] = {"Content-Encoding: snappy",
	    "Content-Type: application/x-protobuf",
	    "X-Prometheus-Remote-Write-Version: 0.1.0",
	    "User-Agent: drover/" PACKAGE_VERSION};
	size_t i;

	if (rw == NULL)
		return NULL;
	rw->loop = loop;
	rw->timeout_s = s->timeout_s != 0 ? s->timeout_s : 30;
	rw->batch_samples = s->batch_samples != 0 ? s->batch_samples : 5000;
	rw->rng = uv_hrtime() | 1;
	rw->url = strdup(s->url);
	if (rw->url == NULL)
		goto fail;
	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		n = curl_slist_append(h, hdrs[i]);
		if (n == NULL)
			goto fail;
		h = n;
	}
	rw->headers = h;
	h = NULL;
	rw->q = rw_queue_new(s->queue_dir, s->queue_bytes);
	if (rw->q == NULL)
		goto fail;
	rw->cl = curl_loop_new(loop, transfers_ended, rw);
	if (rw->cl == NULL)
		goto fail;
	uv_timer_init(loop, &rw->flush);
	uv_timer_init(loop, &rw->retry);
	rw->flush.data = rw;
	rw->retry.data = rw;
	kick(rw);
	return rw;
fail:
	log_warnx("remote_write: %s: cannot start", s->url);
	curl_slist_free_all(h);
	curl_slist_free_all(rw->headers);
	rw_queue_free(rw->q);
	free(rw->url);
	free(rw);
	return NULL;
}

void
remote_write_batch(
    struct remote_write *rw, const struct cat_host *h, const struct batch *b)
{
	size_t n;

	n = rw_encode_batch(&rw->req, &rw->scratch, h, b);
	rw->req_samples += n;
	if (rw->req_samples >= rw->batch_samples)
		seal(rw);
	else if (rw->req_samples > 0 && !rw->flush_armed && !rw->closing) {
		/* while closing, remote_write_free seals what is left: one
		 * segment for the cancelled polls, and no timer to wait for */
		uv_timer_start(&rw->flush, flush_due, FLUSH_MS, 0);
		rw->flush_armed = true;
	}
}

void
remote_write_stats(
    const struct remote_write *rw, struct remote_write_stats *out)
{
	struct rw_queue_stats qs;

	rw_queue_stats(rw->q, &qs);
	out->sent = rw->sent;
	out->failed = rw->failed;
	out->dropped = qs.dropped_samples;
	out->retries = rw->retries;
	out->queued = qs.samples + rw->req_samples;
	out->queued_bytes = qs.bytes;
	out->disk_errors = qs.disk_errors;
}

static void
timer_closed(uv_handle_t *t)
{
	struct remote_write *rw = t->data;

	if (--rw->open_handles == 0)
		free(rw);
}

void
remote_write_stop(struct remote_write *rw)
{
	if (rw->closing)
		return;
	rw->closing = true;
	seal(rw);
	if (rw->easy != NULL) {
		curl_loop_remove(rw->cl, rw->easy);
		curl_easy_cleanup(rw->easy);
		rw->easy = NULL;
		rw_queue_release(rw->q, false);
	}
	uv_timer_stop(&rw->retry);
	rw->waiting = false;
	curl_loop_stop(rw->cl);
}

void
remote_write_free(struct remote_write *rw)
{
	if (rw == NULL)
		return;
	remote_write_stop(rw);
	seal(rw);
	curl_loop_free(rw->cl);
	rw_queue_free(rw->q);
	curl_slist_free_all(rw->headers);
	buf_free(&rw->req);
	buf_free(&rw->scratch);
	buf_free(&rw->resp);
	free(rw->z);
	free(rw->url);
	uv_timer_stop(&rw->flush);
	uv_timer_stop(&rw->retry);
	rw->open_handles = 2;
	uv_close((uv_handle_t *)&rw->flush, timer_closed);
	uv_close((uv_handle_t *)&rw->retry, timer_closed);
}
