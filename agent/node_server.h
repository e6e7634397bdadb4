/*
 * node_server: the TCP side of "drover node": munin-node's port on the
 * loop (libuv), one node_proto session per connection, answers from
 * node_plugins.
 *
 * Every connection is bounded, so that no client delays another:
 *   - a client node_allow does not permit is closed before the banner;
 *   - at most max_conns at once: one more is closed at once;
 *   - a line longer than NODE_LINE_MAX bytes drops the connection;
 *   - no line for timeout_s seconds drops it;
 *   - answers the client does not read pile up in its write queue up
 *     to NODE_QUEUE_MAX bytes (beyond what the kernel holds): then it
 *     is dropped.
 * Each of these is logged (rate-limited where a flood could repeat it).
 * A request waits for its answer before the next line is read
 * (munin-node answers in order too).
 */
#ifndef DROVER_NODE_SERVER_H
#define DROVER_NODE_SERVER_H

#include <uv.h>

#include "agent/node_allow.h"
#include "agent/node_plugins.h"

#define NODE_CONNS_MAX 256	 /* default connection cap */
#define NODE_LINE_MAX 4096	 /* bytes of one command line, with '\n' */
#define NODE_QUEUE_MAX (1 << 20) /* unread answer bytes per connection */

struct node_server_conf {
	const char *addr;		/* an IP address to listen on */
	unsigned port;			/* 0: any free port */
	const struct node_allow *allow; /* who may connect (copied) */
	unsigned timeout_s;		/* idle seconds between lines */
	const char *host;		/* our node name (copied) */
	unsigned max_conns;		/* 0: NODE_CONNS_MAX */
};

struct node_server;

/*
 * Binds and listens (as root, before the privilege drop, for a low
 * port); np stays the caller's and must outlive the server.  NULL when
 * the address cannot be bound (logged).
 */
struct node_server *node_server_new(uv_loop_t *loop,
    const struct node_server_conf *conf, struct node_plugins *np);
/* The port it listens on. */
unsigned node_server_port(const struct node_server *s);
/* Closes the listener and every connection; once the loop has run dry,
 * node_server_free. */
void node_server_stop(struct node_server *s);
void node_server_free(struct node_server *s);

#endif
