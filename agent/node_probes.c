/*
 * node_probes: the C probes as a node_plugins kind (node_probes.h).
 *
 * Why readings are reused for NODE_PROBE_FRESH_MS: a master's session
 * is "list", then "config" and "fetch" of each plugin, within
 * milliseconds; reading /proc again for each would triple the cost and
 * give nothing new (the kernel's counters move in jiffies, the master
 * samples every few minutes), and a probe that computes rates from its
 * previous reading (diskstats) would divide by an interval of a few
 * milliseconds.  A second is short against any master's interval, so a
 * fetch never serves data older than the master could notice, and
 * masters polling at the same moment share a reading.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agent/node_probes.h"
#include "lib/log.h"
#include "lib/strlist.h"
#include "plugins/host.h"
#include "plugins/host_refresh.h"

struct node_probes;

/* A config or fetch waiting for its probe's refresh. */
struct waiter {
	struct node_pending pending; /* first: node_plugins' handle */
	struct waiter *next, **prevp;
	char *name; /* the plugin asked for */
	bool config, dirtyconfig;
	node_answer_fn fn;
	void *arg;
};

/* One probe's last reading. */
struct probe_slot {
	struct node_probes *np;
	size_t i;	  /* index in np->probes */
	struct batch b;	  /* what the last reading added */
	uint64_t read_ms; /* when, on the loop's clock */
	bool read;	  /* b holds a reading */
	bool failed;	  /* the probe returned -1 on it */
	/* probes with a refresh (host_probe.refresh) */
	struct host_refresh *refresh; /* running; NULL: none */
	uint64_t refreshed_ms;	      /* when the last one ended */
	bool refreshed;		      /* one has ended */
	struct waiter *waiters;	      /* answers the running one holds */
};

struct node_probes {
	const struct host_probe *const *probes; /* host_probes; tests' own */
	size_t nprobes;
	struct host_roots roots;  /* owned copies of the strings */
	uv_loop_t *loop;	  /* NULL until node_probes_start */
	void **states;		  /* np->nprobes, the probes' own, kept for
				     the process's life */
	struct probe_slot *slots; /* np->nprobes, in table order */
	struct strlist exclude;	  /* names left to exec plugins */
};

void *
node_probes_new_probes(const struct host_roots *r,
    const struct host_probe *const *probes, size_t nprobes)
{
	struct node_probes *np = calloc(1, sizeof(*np));
	size_t i, n = nprobes > 0 ? nprobes : 1;

	if (np == NULL)
		return NULL;
	np->probes = probes;
	np->nprobes = nprobes;
	if (host_roots_dup(&np->roots, r) == -1) {
		free(np);
		return NULL;
	}
	if (np->roots.command_timeout_ms == 0)
		np->roots.command_timeout_ms = HOST_COMMAND_TIMEOUT_MS;
	np->slots = calloc(n, sizeof(*np->slots));
	np->states = calloc(n, sizeof(*np->states));
	if (np->roots.proc == NULL || np->roots.sys == NULL ||
	    np->slots == NULL || np->states == NULL) {
		host_roots_cleanup(&np->roots);
		free(np->slots);
		free(np->states);
		free(np);
		return NULL;
	}
	for (i = 0; i < np->nprobes; i++) {
		np->slots[i].np = np;
		np->slots[i].i = i;
	}
	return np;
}

void *
node_probes_new(const struct host_roots *r)
{
	return node_probes_new_probes(r, host_probes, host_nprobes);
}

/* The index of the probe serving plugin name (host_probe_find's rule),
 * or nprobes. */
static size_t
probe_find(const struct node_probes *np, const char *name)
{
	const struct host_probe *p;
	size_t i, n;

	for (i = 0; i < np->nprobes; i++) {
		p = np->probes[i];
		n = strlen(p->name);
		if (p->wildcard
			? strncmp(name, p->name, n) == 0 && name[n] != '\0'
			: strcmp(name, p->name) == 0)
			break;
	}
	return i;
}

static void
waiter_unlink(struct waiter *w)
{
	*w->prevp = w->next;
	if (w->next != NULL)
		w->next->prevp = w->prevp;
}

static void
waiter_free(struct waiter *w)
{
	free(w->name);
	free(w);
}

static void
probes_free(void *ctx)
{
	struct node_probes *np = ctx;
	struct probe_slot *s;
	size_t i;

	strlist_cleanup(&np->exclude);

	for (i = 0; i < np->nprobes; i++) {
		s = &np->slots[i];
		if (s->refresh != NULL)
			host_refresh_cancel(s->refresh);
		while (s->waiters != NULL) {
			struct waiter *w = s->waiters;

			waiter_unlink(w);
			waiter_free(w);
		}
		batch_cleanup(&s->b);
		if (np->states[i] != NULL && np->probes[i]->state_free != NULL)
			np->probes[i]->state_free(np->states[i]);
	}
	free(np->slots);
	free(np->states);
	host_roots_cleanup(&np->roots);
	free(np);
}

/* A new reading of probe i at now_ms. */
static struct probe_slot *
read_now(struct node_probes *np, size_t i, uint64_t now_ms)
{
	struct probe_slot *s = &np->slots[i];

	batch_cleanup(&s->b);
	memset(&s->b, 0, sizeof(s->b));
	s->failed =
	    np->probes[i]->collect(&np->roots, &np->states[i], &s->b) == -1;
	s->read = true;
	s->read_ms = now_ms;
	return s;
}

/* Probe i's reading at now_ms: the kept one while fresh, else a new one
 * (of a refreshing probe: from its last refresh). */
static struct probe_slot *
reading(struct node_probes *np, size_t i, uint64_t now_ms)
{
	struct probe_slot *s = &np->slots[i];

	if (s->read && now_ms - s->read_ms < NODE_PROBE_FRESH_MS)
		return s;
	return read_now(np, i, now_ms);
}

static void answer(struct node_probes *np, struct probe_slot *s,
    const char *name, bool config, bool dirtyconfig, node_answer_fn fn,
    void *arg);

/* A refresh has ended: a new reading, then every answer it held, in the
 * order they were asked. */
static void
on_refreshed(void *arg)
{
	struct probe_slot *s = arg;
	struct node_probes *np = s->np;
	uint64_t now = uv_now(np->loop);
	struct waiter *w, **tail;

	s->refresh = NULL;
	s->refreshed = true;
	s->refreshed_ms = now;
	read_now(np, s->i, now);
	while (s->waiters != NULL) {
		/* oldest first: the list is newest first */
		for (tail = &s->waiters; (*tail)->next != NULL;
		     tail = &(*tail)->next)
			;
		w = *tail;
		waiter_unlink(w);
		answer(
		    np, s, w->name, w->config, w->dirtyconfig, w->fn, w->arg);
		waiter_free(w);
	}
}

/* Starts probe i's refresh unless one runs; false when none could. */
static bool
refresh_start(struct node_probes *np, size_t i)
{
	struct probe_slot *s = &np->slots[i];

	if (s->refresh != NULL)
		return true;
	if (np->loop == NULL)
		return false;
	s->refresh = host_refresh_start_probes(np->loop, np->probes,
	    np->nprobes, &np->roots, np->states, i, on_refreshed, s);
	return s->refresh != NULL;
}

int
node_probes_start(void *ctx, uv_loop_t *loop)
{
	struct node_probes *np = ctx;
	size_t i;

	np->loop = loop;
	for (i = 0; i < np->nprobes; i++)
		if (np->probes[i]->refresh != NULL)
			(void)refresh_start(np, i); /* a failure is logged */
	return 0;
}

static void
add_name(struct buf *out, const char *name)
{
	if (out->len > 0)
		buf_putc(out, ' ');
	buf_puts(out, name);
}

static void
probes_list(void *ctx, bool multigraph, uint64_t now_ms,
    bool (*skip)(void *arg, const char *name), void *skip_arg, struct buf *out)
{
	struct node_probes *np = ctx;
	const struct host_probe *p;
	struct probe_slot *s;
	size_t i, j;

	for (i = 0; i < np->nprobes; i++) {
		p = np->probes[i];
		/* as munin-node hides multigraph plugins from a master that
		 * did not announce it: it could not read them */
		if (p->multigraph && !multigraph)
			continue;
		s = reading(np, i, now_ms);
		if (p->multigraph) {
			if (s->b.n > 0 &&
			    !strlist_contains(&np->exclude, p->name) &&
			    !skip(skip_arg, p->name))
				add_name(out, p->name);
			continue;
		}
		for (j = 0; j < s->b.n; j++)
			if (!strlist_contains(
				&np->exclude, s->b.services[j].name) &&
			    !skip(skip_arg, s->b.services[j].name))
				add_name(out, s->b.services[j].name);
	}
}

static bool
probes_has(void *ctx, const char *name)
{
	struct node_probes *np = ctx;

	return !strlist_contains(&np->exclude, name) &&
	       probe_find(np, name) < np->nprobes;
}

int
node_probes_exclude(void *ctx, const char *name)
{
	struct node_probes *np = ctx;

	return strlist_add(&np->exclude, name);
}

void
node_probes_values(const struct service *s, struct buf *out)
{
	const struct field *f;
	size_t i;

	for (i = 0; i < s->nfields; i++) {
		f = &s->fields[i];
		if (!f->has_value)
			continue;
		buf_printf(out, "%s.value ", f->name);
		if (f->when != 0)
			buf_printf(out, "%lld:", (long long)f->when);
		if (f->unknown || !isfinite(f->value))
			buf_puts(out, "U\n");
		else if (f->value == floor(f->value) && fabs(f->value) < 1e15)
			buf_printf(out, "%.0f\n", f->value);
		else
			buf_printf(out, "%.15g\n", f->value);
	}
}

void
node_probes_config(const struct service *s, struct buf *out)
{
	const struct field *f;
	size_t i, j;

	for (i = 0; i < s->graph.n; i++)
		buf_printf(
		    out, "%s %s\n", s->graph.v[i].key, s->graph.v[i].value);
	for (i = 0; i < s->nfields; i++) {
		f = &s->fields[i];
		for (j = 0; j < f->attrs.n; j++)
			buf_printf(out, "%s.%s %s\n", f->name,
			    f->attrs.v[j].key, f->attrs.v[j].value);
	}
}

static void
service_text(const struct service *s, const struct node_ask *q, struct buf *out)
{
	if (q->config)
		node_probes_config(s, out);
	if (!q->config || q->dirtyconfig)
		node_probes_values(s, out);
}

/* The answer of s's reading to a config or fetch of name. */
static void
answer(struct node_probes *np, struct probe_slot *s, const char *name,
    bool config, bool dirtyconfig, node_answer_fn fn, void *arg)
{
	const struct host_probe *p = np->probes[s->i];
	const struct service *svc = NULL;
	const struct node_ask q = {
	    .name = name, .config = config, .dirtyconfig = dirtyconfig};
	struct buf out = {0};
	size_t i;

	if (p->multigraph) {
		for (i = 0; i < s->b.n; i++) {
			buf_printf(
			    &out, "multigraph %s\n", s->b.services[i].name);
			service_text(&s->b.services[i], &q, &out);
		}
	} else {
		svc = batch_service(&s->b, name, false);
		if (svc != NULL)
			service_text(svc, &q, &out);
	}
	if (out.oom) {
		log_warnx("node: %s: out of memory", name);
		fn(arg, NODE_ANSWER_BAD_EXIT, NULL, 0);
	} else if (out.len == 0 && (p->multigraph || svc == NULL))
		/* as munin-node answers a plugin that failed, or one
		 * that is not there (if_eth9) */
		fn(arg, s->failed ? NODE_ANSWER_BAD_EXIT : NODE_ANSWER_UNKNOWN,
		    NULL, 0);
	else
		fn(arg, NODE_ANSWER_OK, out.p != NULL ? out.p : "", out.len);
	buf_free(&out);
}

/*
 * A probe with a refresh whose last one is older than NODE_PROBE_FRESH_MS
 * answers when a new one has ended (one refresh for every master asking
 * meanwhile); every other answer is at once.
 */
static struct node_pending *
probes_ask(void *ctx, const struct node_ask *q, node_answer_fn fn, void *arg)
{
	struct node_probes *np = ctx;
	size_t i = probe_find(np, q->name);
	const struct host_probe *p = i < np->nprobes ? np->probes[i] : NULL;
	struct probe_slot *s;
	struct waiter *w;

	if (p == NULL) {
		fn(arg, NODE_ANSWER_UNKNOWN, NULL, 0);
		return NULL;
	}
	s = &np->slots[i];
	if (p->refresh != NULL &&
	    (!s->refreshed ||
		q->now_ms - s->refreshed_ms >= NODE_PROBE_FRESH_MS)) {
		w = calloc(1, sizeof(*w));
		if (w != NULL)
			w->name = strdup(q->name);
		if (w == NULL || w->name == NULL) {
			free(w);
			log_warnx("node: %s: out of memory", q->name);
			fn(arg, NODE_ANSWER_BAD_EXIT, NULL, 0);
			return NULL;
		}
		if (refresh_start(np, i)) {
			w->pending.kind = &node_probes_kind;
			w->pending.ctx = np;
			w->config = q->config;
			w->dirtyconfig = q->dirtyconfig;
			w->fn = fn;
			w->arg = arg;
			w->next = s->waiters;
			if (w->next != NULL)
				w->next->prevp = &w->next;
			w->prevp = &s->waiters;
			s->waiters = w;
			return &w->pending;
		}
		/* no loop, or it could not start: the last result */
		waiter_free(w);
	}
	s = reading(np, i, q->now_ms);
	answer(np, s, q->name, q->config, q->dirtyconfig, fn, arg);
	return NULL;
}

/* The connection went away: its answer is withdrawn; the refresh runs on
 * (its result serves the next ask). */
static void
probes_cancel(void *ctx, struct node_pending *p)
{
	struct waiter *w = (struct waiter *)p;

	(void)ctx;
	waiter_unlink(w);
	waiter_free(w);
}

const struct node_kind node_probes_kind = {
    .name = "probe",
    .list = probes_list,
    .has = probes_has,
    .ask = probes_ask,
    .cancel = probes_cancel,
    .free = probes_free,
};
