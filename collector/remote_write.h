/*
 * remote_write: every polled value sent to a Prometheus remote-write
 * receiver (Prometheus, VictoriaMetrics, Mimir, Thanos) as the same
 * series GET /metrics shows (collector/rw_encode.h).
 *
 * ingest hands each batch over (remote_write_batch); samples gather into
 * one WriteRequest until batch_samples of them or 5 s have passed,
 * then the request, snappy-compressed, joins the bounded on-disk queue
 * (collector/rw_queue.h) and the queue is sent oldest first, one
 * request at a time, with libcurl's multi interface on the loop
 * (alerts/curl_loop.h).  Polling never waits for the engine: a slow or
 * absent engine only makes the queue longer.
 *
 * Answers, as Prometheus treats them: 2xx sent; 429, 5xx and transport
 * errors (refused, timed out) retried with exponential backoff from
 * 0.5 s to 30 s with jitter, the request kept first so order holds; any
 * other status (a 400 for a bad sample) drops the request, logged, its
 * samples counted failed -- retrying a request the engine refuses would
 * block every later one.  Loop thread only.
 */
#ifndef DROVER_REMOTE_WRITE_H
#define DROVER_REMOTE_WRITE_H

#include <stdint.h>

#include <uv.h>

#include "catalog/catalog.h"
#include "plugins/sample.h"
#include "web/metrics.h" /* struct remote_write_stats */

struct remote_write_settings {
	const char *url;       /* http(s)://.../api/v1/write */
	const char *queue_dir; /* segments; NULL: memory only */
	uint64_t queue_bytes;  /* the queue's bound */
	size_t batch_samples;  /* samples per request at most */
	unsigned timeout_s;    /* per request */
};

/* Starts on loop (s is copied).  NULL (logged) on failure. */
struct remote_write *remote_write_new(
    uv_loop_t *loop, const struct remote_write_settings *s);
/* The samples of batch b of host h, after the catalog took it. */
void remote_write_batch(
    struct remote_write *rw, const struct cat_host *h, const struct batch *b);
void remote_write_stats(
    const struct remote_write *rw, struct remote_write_stats *out);
/* Stops sending (at shutdown, so the loop can end): the open request is
 * queued, one in flight is aborted and stays queued.  Batches that come
 * after are still queued, for the next run. */
void remote_write_stop(struct remote_write *rw);
/* Stops (remote_write_stop) and frees rw once its handles have closed
 * (the caller runs the loop afterwards).  What was not sent stays on
 * disk for the next run (waiting for the queue's writes to end). */
void remote_write_free(struct remote_write *rw);

#endif
