/*
 * http: the embedded web server (libmicrohttpd) on drover's libuv loop.
 *
 * MHD runs without a thread of its own: its epoll fd sits under a
 * uv_poll and its timeout under a uv_timer, so every request is handled
 * on the loop thread that owns the catalog.  Slow work (RRD fetches,
 * graph renders) runs off the loop while the connection is suspended.
 * Only GET and HEAD; connection, per-IP and memory limits and timeouts
 * are set, with a deadline for each whole request head and room kept for
 * new connections by closing the slowest (see http.c).
 */
#ifndef DROVER_HTTP_H
#define DROVER_HTTP_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "catalog/catalog.h"

/* What the web server reads of the config.  The strings are not copied:
 * they must outlive the web or the next web_set_settings(). */
struct web_settings {
	const char *listen_addr;      /* an IPv4 or IPv6 address */
	unsigned listen_port;	      /* 0: any free port */
	const char *dbdir;	      /* RRD files, Munin's layout */
	const char *rrdcached_socket; /* NULL: no rrdcached */
	unsigned interval;	      /* seconds, the global poll interval */
	int listen_fd; /* > 0: web_listen()'s socket, which web_new adopts
			  (and closes) instead of binding itself */
	size_t graph_keep_bytes; /* graph images kept in memory for cache
				    hits (web/graph_cache.h); 0: 32 MiB */
	bool metrics_only;	 /* serve /metrics alone, 404 for the rest (the
				    metrics_listen port) */
};

/* The scheduler's poll counters since start, as /health shows them. */
struct web_poll_stats {
	uint64_t done;	    /* polls ended */
	uint64_t failed;    /* of those, failed (not timed out) */
	uint64_t timed_out; /* of those, cut by a deadline */
	uint64_t late;	    /* started more than 1 s after due */
	uint64_t deferred;  /* held back by a bound at least once */
};

/* Fills out with the poll counters now; arg is web_stats.polls_arg. */
typedef void web_poll_stats_fn(void *arg, struct web_poll_stats *out);

struct rrd_writer;
struct outputs;
struct remote_write_stats;

/*
 * Where /health and /alerts read the collector's counters: each from its
 * one owner, through the owner's stats function, when the page is asked
 * for.  The web keeps no copy.  The poll counters come through a
 * callback because their owner (the scheduler, inside the poller) sits
 * in collector/, above web/.  (The graph renderer's counters come from
 * the renderer given to web_new.)  Every member may be NULL: those
 * counters read 0.  Nothing here is owned; each must outlive the web.
 */
struct web_stats {
	web_poll_stats_fn *polls;  /* the scheduler's, through the poller */
	void *polls_arg;	   /* passed to polls */
	struct rrd_writer *writer; /* rrd_writer_stats(): RRD writes */
	struct outputs *outputs;   /* outputs_stats(): pages, Nagios lines */
	/* remote write's counters (web/metrics.h); NULL: it is off */
	void (*remote_write)(void *arg, struct remote_write_stats *out);
	void *remote_write_arg;
	/* rrdcached_proc_stats(): drover's own rrdcached; NULL: none */
	struct rrdcached_proc *rrdcached;
};

struct web;
struct rrdcached_proc;
struct renderer;
struct alerts;

/*
 * A listening socket on s->listen_addr:s->listen_port (non-blocking,
 * close-on-exec, never fd 0-2), for s->listen_fd: a port below 1024
 * takes root or CAP_NET_BIND_SERVICE, so the daemon opens it before it
 * drops privileges.  The fd, or -1 (logged).
 */
int web_listen(const struct web_settings *s);
/*
 * Starts listening on s->listen_addr:s->listen_port (port 0: any free
 * port; the chosen one is logged and returned by web_port()), or on
 * s->listen_fd when it is set.  s and
 * stats (may be NULL: every counter reads 0) are copied; cat, render
 * (may be NULL: no graphs) and alerts (may be NULL) are read, not owned.
 * NULL on failure (logged).
 */
struct web *web_new(uv_loop_t *loop, const struct web_settings *s,
    struct catalog *cat, struct renderer *render, struct alerts *alerts,
    const struct web_stats *stats);
struct peers;
/* The other collectors of a sharded cluster (web/peers.h; NULL: none),
 * read, not owned: the overview and /api/v1/hosts show their hosts, and
 * requests about a host one of them polls are redirected there.  peers
 * must outlive the web. */
void web_set_peers(struct web *w, const struct peers *peers);
/* The dbdir, rrdcached and interval to use from now on (after a reload);
 * the listen address stays. */
void web_set_settings(struct web *w, const struct web_settings *s);
unsigned web_port(const struct web *w);
/* Stops accepting, closes the handles; frees once the loop has run. */
void web_stop(struct web *w);

#endif
