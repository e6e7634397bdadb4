/*
 * node_plugins: the registry of plugin kinds (node_plugins.h).  A few
 * kinds at most, so lookups walk the array.
 */
#include <stdlib.h>

#include "agent/node_plugins.h"

#define KINDS_MAX 4 /* probes and exec plugins, with room to spare */

struct kind_entry {
	const struct node_kind *kind;
	void *ctx;
};

struct node_plugins {
	struct kind_entry v[KINDS_MAX];
	size_t n;
};

struct node_plugins *
node_plugins_new(void)
{
	return calloc(1, sizeof(struct node_plugins));
}

int
node_plugins_add(
    struct node_plugins *np, const struct node_kind *kind, void *ctx)
{
	if (np->n == KINDS_MAX) {
		kind->free(ctx);
		return -1;
	}
	np->v[np->n].kind = kind;
	np->v[np->n].ctx = ctx;
	np->n++;
	return 0;
}

/* What list's skip sees: the kinds before the one listing. */
struct skip_ctx {
	struct node_plugins *np;
	size_t before;
};

static bool
served_before(void *arg, const char *name)
{
	struct skip_ctx *s = arg;
	size_t i;

	for (i = 0; i < s->before; i++)
		if (s->np->v[i].kind->has(s->np->v[i].ctx, name))
			return true;
	return false;
}

void
node_plugins_list(
    struct node_plugins *np, bool multigraph, uint64_t now_ms, struct buf *out)
{
	struct skip_ctx s = {np, 0};
	struct buf names = {0};
	size_t i;

	for (i = 0; i < np->n; i++) {
		s.before = i;
		np->v[i].kind->list(np->v[i].ctx, multigraph, now_ms,
		    served_before, &s, &names);
	}
	if (names.len > 0)
		buf_putn(out, names.p, names.len);
	buf_free(&names);
}

/* The entry serving name, or NULL. */
static struct kind_entry *
serving(struct node_plugins *np, const char *name)
{
	size_t i;

	for (i = 0; i < np->n; i++)
		if (np->v[i].kind->has(np->v[i].ctx, name))
			return &np->v[i];
	return NULL;
}

struct node_pending *
node_plugins_ask(struct node_plugins *np, const struct node_ask *q,
    node_answer_fn fn, void *arg)
{
	struct kind_entry *e = serving(np, q->name);

	if (e == NULL) {
		fn(arg, NODE_ANSWER_UNKNOWN, NULL, 0);
		return NULL;
	}
	return e->kind->ask(e->ctx, q, fn, arg);
}

void
node_plugins_cancel(struct node_pending *p)
{
	if (p != NULL && p->kind->cancel != NULL)
		p->kind->cancel(p->ctx, p);
}

void
node_plugins_free(struct node_plugins *np)
{
	size_t i;

	if (np == NULL)
		return;
	for (i = 0; i < np->n; i++)
		np->v[i].kind->free(np->v[i].ctx);
	free(np);
}
