/*
 * node_plugins: what serves plugin NAME for "drover node".
 *
 * A registry of kinds, each a const vtable over its own context: the C
 * probes (agent/node_probes) today; Munin exec plugins are one more kind
 * (list, has, ask, cancel) added after it, which the server need not
 * know.  Kinds are asked in the order they were added: the first whose
 * has() claims a name serves it (a C probe before an exec plugin of the
 * same name), and list shows each name once.
 *
 * An answer is asynchronous: ask calls fn exactly once, either before it
 * returns (the C probes read /proc on the loop: NULL is returned) or
 * later on the loop (an exec plugin: a pending handle is returned, which
 * node_plugins_cancel withdraws without a call, when the connection goes
 * away first).  Everything runs on the loop's thread.
 */
#ifndef DROVER_NODE_PLUGINS_H
#define DROVER_NODE_PLUGINS_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/node_proto.h"
#include "lib/buf.h"

/* The answer to one request: a = NODE_ANSWER_OK with text[0, len) the
 * plugin's whole lines, or a comment answer (text NULL). */
typedef void (*node_answer_fn)(
    void *arg, enum node_answer a, const char *text, size_t len);

/* A request as the kinds see it. */
struct node_ask {
	const char *name;
	bool config;	  /* config, else fetch */
	bool multigraph;  /* the master announced multigraph */
	bool dirtyconfig; /* ... dirtyconfig: config carries values */
	uint64_t now_ms;  /* the loop's monotonic clock */
	const char *peer; /* the master's address (MUNIN_MASTER_IP) */
};

/* An answer still to come: the first member of a kind's own struct,
 * set by its ask, so that a cancel finds its way back. */
struct node_pending {
	const struct node_kind *kind;
	void *ctx;
};

struct node_kind {
	const char *name; /* "probe", for messages */
	/* Appends each name it serves to out, each preceded by a ' ' unless
	 * out is empty; skip(name) true: leave it out (an earlier kind's). */
	void (*list)(void *ctx, bool multigraph, uint64_t now_ms,
	    bool (*skip)(void *arg, const char *name), void *skip_arg,
	    struct buf *out);
	/* Whether it serves name (it may still answer "unknown"). */
	bool (*has)(void *ctx, const char *name);
	struct node_pending *(*ask)(
	    void *ctx, const struct node_ask *q, node_answer_fn fn, void *arg);
	/* withdraws p (no call of its fn); NULL for a kind whose ask
	 * always answers at once */
	void (*cancel)(void *ctx, struct node_pending *p);
	void (*free)(void *ctx);
};

struct node_plugins;

struct node_plugins *node_plugins_new(void);
/* Adds a kind; takes ownership of ctx (freed with kind->free).  0, or -1
 * on allocation failure (ctx is then freed). */
int node_plugins_add(
    struct node_plugins *np, const struct node_kind *kind, void *ctx);
/* The names, space-separated, into out. */
void node_plugins_list(
    struct node_plugins *np, bool multigraph, uint64_t now_ms, struct buf *out);
/* Asks the kind serving q->name; fn(UNKNOWN) at once when none does.
 * Returns NULL once fn was called, else a handle for node_plugins_cancel
 * (valid until fn is called). */
struct node_pending *node_plugins_ask(struct node_plugins *np,
    const struct node_ask *q, node_answer_fn fn, void *arg);
void node_plugins_cancel(struct node_pending *p);
void node_plugins_free(struct node_plugins *np);

#endif
