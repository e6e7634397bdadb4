/*
 * node_exec: Munin exec plugins as a kind of plugin (node_exec.h).
 */
#include <stdlib.h>
#include <string.h>

#include "agent/node_exec.h"
#include "lib/buf.h"
#include "lib/log.h"

enum plugin_state { PLUGIN_PENDING, PLUGIN_READY, PLUGIN_DROPPED };

struct exec_plugin {
	char *name;
	enum plugin_state st;
	bool multigraph;
};

struct node_exec {
	struct runner *r;
	struct exec_plugin *v;
	size_t n;
	size_t next;	/* the next plugin to discover */
	size_t running; /* discovery runs in flight */
	struct discovery *runs;
};

/* One start-up config run. */
struct discovery {
	struct node_exec *x;
	size_t i;
	struct runner_job *job;
	struct discovery *next;
};

/* An answer still to come. */
struct exec_pending {
	struct node_pending base; /* first: node_plugins' handle */
	struct node_exec *x;
	struct runner_job *job;
	node_answer_fn fn;
	void *arg;
	char name[];
};

static struct exec_plugin *
plugin_find(struct node_exec *x, const char *name)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (strcmp(x->v[i].name, name) == 0)
			return &x->v[i];
	return NULL;
}

/* out = the plugin's lines, split at runs of CR and LF, empty ones
 * dropped, each ending in '\n'. */
static void
split_lines(const char *s, size_t len, struct buf *out)
{
	size_t i = 0, start;

	while (i < len) {
		while (i < len && (s[i] == '\r' || s[i] == '\n'))
			i++;
		start = i;
		while (i < len && s[i] != '\r' && s[i] != '\n')
			i++;
		if (i > start) {
			buf_putn(out, s + start, i - start);
			buf_putc(out, '\n');
		}
	}
}

/* Whether the text has a line starting "multigraph ". */
static bool
has_multigraph(const char *s, size_t len)
{
	static const char word[] = "multigraph ";
	size_t i;

	for (i = 0; i + sizeof(word) - 1 <= len; i++)
		if ((i == 0 || s[i - 1] == '\n' || s[i - 1] == '\r') &&
		    memcmp(s + i, word, sizeof(word) - 1) == 0)
			return true;
	return false;
}

static void discover_next(struct node_exec *x);

static void
on_discovered(void *arg, const struct runner_reply *rep)
{
	struct discovery *d = arg, **pp;
	struct node_exec *x = d->x;
	struct exec_plugin *p = &x->v[d->i];

	for (pp = &x->runs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	if (rep->status == EXEC_TIMED_OUT) {
		log_warnx("node: plugin %s: config timed out; dropped, as "
			  "munin-node drops it",
		    p->name);
		p->st = PLUGIN_DROPPED;
	} else if (rep->status == EXEC_OK && rep->len == 0) {
		log_warnx("node: plugin %s: config printed nothing; dropped, "
			  "as munin-node drops it",
		    p->name);
		p->st = PLUGIN_DROPPED;
	} else {
		if (rep->status != EXEC_OK)
			log_warnx("node: plugin %s: config: %s", p->name,
			    exec_status_str(rep->status));
		p->st = PLUGIN_READY;
		p->multigraph = rep->status == EXEC_OK &&
				has_multigraph(rep->out, rep->len);
	}
	free(d);
	x->running--;
	discover_next(x);
}

static void
discover_next(struct node_exec *x)
{
	struct discovery *d;

	while (x->running < NODE_EXEC_DISCOVER_MAX && x->next < x->n) {
		d = calloc(1, sizeof(*d));
		if (d == NULL) {
			log_warnx("node: out of memory");
			return;
		}
		d->x = x;
		d->i = x->next++;
		d->job = runner_ask(
		    x->r, x->v[d->i].name, true, false, "", on_discovered, d);
		if (d->job == NULL) {
			log_warnx(
			    "node: plugin %s: cannot be run", x->v[d->i].name);
			x->v[d->i].st = PLUGIN_DROPPED;
			free(d);
			continue;
		}
		d->next = x->runs;
		x->runs = d;
		x->running++;
	}
}

void
node_exec_discover(void *ctx, uv_loop_t *loop)
{
	(void)loop;
	discover_next(ctx);
}

void *
node_exec_new(struct runner *r, const struct strlist *names)
{
	struct node_exec *x = calloc(1, sizeof(*x));
	size_t i;

	if (x == NULL)
		return NULL;
	x->r = r;
	x->v = calloc(names->n > 0 ? names->n : 1, sizeof(*x->v));
	if (x->v == NULL) {
		free(x);
		return NULL;
	}
	for (i = 0; i < names->n; i++) {
		x->v[i].name = strdup(names->v[i]);
		if (x->v[i].name == NULL)
			break;
		x->n++;
	}
	return x;
}

static void
exec_list(void *ctx, bool multigraph, uint64_t now_ms,
    bool (*skip)(void *arg, const char *name), void *skip_arg, struct buf *out)
{
	struct node_exec *x = ctx;
	size_t i;

	(void)now_ms;
	for (i = 0; i < x->n; i++) {
		if (x->v[i].st != PLUGIN_READY ||
		    (x->v[i].multigraph && !multigraph) ||
		    skip(skip_arg, x->v[i].name))
			continue;
		if (out->len > 0)
			buf_putc(out, ' ');
		buf_puts(out, x->v[i].name);
	}
}

static bool
exec_has(void *ctx, const char *name)
{
	struct exec_plugin *p = plugin_find(ctx, name);

	return p != NULL && p->st != PLUGIN_DROPPED;
}

static void
on_answer(void *arg, const struct runner_reply *rep)
{
	struct exec_pending *ep = arg;
	struct buf out = {0};

	switch (rep->status) {
	case EXEC_OK:
		split_lines(rep->out, rep->len, &out);
		if (out.oom) {
			log_warnx("node: %s: out of memory", ep->name);
			ep->fn(ep->arg, NODE_ANSWER_BAD_EXIT, NULL, 0);
		} else
			ep->fn(ep->arg, NODE_ANSWER_OK,
			    out.p != NULL ? out.p : "", out.len);
		break;
	case EXEC_TIMED_OUT:
		log_warnx("node: plugin %s timed out", ep->name);
		ep->fn(ep->arg, NODE_ANSWER_TIMED_OUT, NULL, 0);
		break;
	default:
		log_warnx("node: plugin %s: %s", ep->name,
		    exec_status_str(rep->status));
		ep->fn(ep->arg, NODE_ANSWER_BAD_EXIT, NULL, 0);
		break;
	}
	buf_free(&out);
	free(ep);
}

static struct node_pending *
exec_ask(void *ctx, const struct node_ask *q, node_answer_fn fn, void *arg)
{
	struct node_exec *x = ctx;
	struct exec_pending *ep;
	size_t n = strlen(q->name);

	if (!exec_has(x, q->name)) {
		fn(arg, NODE_ANSWER_UNKNOWN, NULL, 0);
		return NULL;
	}
	ep = calloc(1, sizeof(*ep) + n + 1);
	if (ep == NULL) {
		fn(arg, NODE_ANSWER_BAD_EXIT, NULL, 0);
		return NULL;
	}
	ep->base.kind = &node_exec_kind;
	ep->base.ctx = x;
	ep->x = x;
	ep->fn = fn;
	ep->arg = arg;
	memcpy(ep->name, q->name, n + 1);
	ep->job = runner_ask(x->r, q->name, q->config, q->dirtyconfig,
	    q->peer != NULL ? q->peer : "", on_answer, ep);
	if (ep->job == NULL) {
		free(ep);
		fn(arg, NODE_ANSWER_BAD_EXIT, NULL, 0);
		return NULL;
	}
	return &ep->base;
}

static void
exec_cancel_pending(void *ctx, struct node_pending *p)
{
	struct exec_pending *ep = (struct exec_pending *)p;

	(void)ctx;
	runner_cancel(ep->job);
	free(ep);
}

static void
exec_free(void *ctx)
{
	struct node_exec *x = ctx;
	struct discovery *d;
	size_t i;

	while ((d = x->runs) != NULL) {
		x->runs = d->next;
		runner_cancel(d->job);
		free(d);
	}
	for (i = 0; i < x->n; i++)
		free(x->v[i].name);
	free(x->v);
	free(x);
}

const struct node_kind node_exec_kind = {
    .name = "exec",
    .list = exec_list,
    .has = exec_has,
    .ask = exec_ask,
    .cancel = exec_cancel_pending,
    .free = exec_free,
};
