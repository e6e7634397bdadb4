/*
 * http: the embedded web server (libmicrohttpd) on drover's libuv loop.
 *
 * MHD runs without a thread of its own: its epoll fd sits under a
 * uv_poll and its timeout under a uv_timer, so every request is handled
 * on the loop thread that owns the catalog.  Slow work (RRD fetches,
 * graph renders) runs off the loop while the connection is suspended.
 * Only GET and HEAD; connection, per-IP and memory limits and timeouts
 * are set.
 */
#ifndef DROVER_HTTP_H
#define DROVER_HTTP_H

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
};

struct web;
struct renderer;
struct alerts;

/*
 * Starts listening on s->listen_addr:s->listen_port (port 0: any free
 * port; the chosen one is logged and returned by web_port()).  s is
 * copied; cat and render (may be NULL: no graphs) are read, not owned.
 * NULL on failure (logged).
 */
struct web *web_new(uv_loop_t *loop, const struct web_settings *s,
    struct catalog *cat, struct renderer *render, struct alerts *alerts);
/* The dbdir, rrdcached and interval to use from now on (after a reload);
 * the listen address stays. */
void web_set_settings(struct web *w, const struct web_settings *s);
unsigned web_port(const struct web *w);
/* Stops accepting, closes the handles; frees once the loop has run. */
void web_stop(struct web *w);

#endif
