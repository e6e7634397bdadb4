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
#include "collector/conf.h"

struct web;
struct renderer;
struct alerts;

/*
 * Starts listening on c->listen_addr:c->listen_port (port 0: any free
 * port; the chosen one is logged and returned by web_port()).  cat and
 * render (may be NULL: no graphs) are read, not owned.  NULL on failure
 * (logged).
 */
struct web *web_new(uv_loop_t *loop, const struct conf *c, struct catalog *cat,
    struct renderer *render, struct alerts *alerts);
/* The config to resolve dbdir and the interval against (after a reload). */
void web_set_conf(struct web *w, const struct conf *c);
unsigned web_port(const struct web *w);
/* Stops accepting, closes the handles; frees once the loop has run. */
void web_stop(struct web *w);

#endif
