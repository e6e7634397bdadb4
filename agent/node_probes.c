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

/* One probe's last reading. */
struct probe_slot {
	void *state;	  /* the probe's own, kept for the process's life */
	struct batch b;	  /* what the last reading added */
	uint64_t read_ms; /* when, on the loop's clock */
	bool read;	  /* b holds a reading */
	bool failed;	  /* the probe returned -1 on it */
};

struct node_probes {
	char *proc, *sys, *utmp;  /* utmp NULL: the system's */
	char *cgroup;		  /* NULL: the default */
	struct probe_slot *slots; /* host_nprobes, in table order */
	struct strlist exclude;	  /* names left to exec plugins */
};

void *
node_probes_new(const struct host_roots *r)
{
	struct node_probes *np = calloc(1, sizeof(*np));

	if (np == NULL)
		return NULL;
	np->proc = strdup(r->proc);
	np->sys = strdup(r->sys);
	np->utmp = r->utmp != NULL ? strdup(r->utmp) : NULL;
	np->cgroup = r->cgroup != NULL ? strdup(r->cgroup) : NULL;
	np->slots =
	    calloc(host_nprobes > 0 ? host_nprobes : 1, sizeof(*np->slots));
	if (np->proc == NULL || np->sys == NULL || np->slots == NULL ||
	    (r->utmp != NULL && np->utmp == NULL) ||
	    (r->cgroup != NULL && np->cgroup == NULL)) {
		free(np->cgroup);
		free(np->utmp);
		free(np->proc);
		free(np->sys);
		free(np->slots);
		free(np);
		return NULL;
	}
	return np;
}

static void
probes_free(void *ctx)
{
	struct node_probes *np = ctx;
	struct probe_slot *s;
	size_t i;

	strlist_cleanup(&np->exclude);

	for (i = 0; i < host_nprobes; i++) {
		s = &np->slots[i];
		batch_cleanup(&s->b);
		if (s->state != NULL && host_probes[i]->state_free != NULL)
			host_probes[i]->state_free(s->state);
	}
	free(np->slots);
	free(np->proc);
	free(np->sys);
	free(np->utmp);
	free(np->cgroup);
	free(np);
}

/* Probe i's reading at now_ms: the kept one while fresh, else a new. */
static struct probe_slot *
reading(struct node_probes *np, size_t i, uint64_t now_ms)
{
	struct host_roots r = {.proc = np->proc,
	    .sys = np->sys,
	    .utmp = np->utmp,
	    .cgroup = np->cgroup};
	struct probe_slot *s = &np->slots[i];

	if (s->read && now_ms - s->read_ms < NODE_PROBE_FRESH_MS)
		return s;
	batch_cleanup(&s->b);
	memset(&s->b, 0, sizeof(s->b));
	s->failed = host_probes[i]->collect(&r, &s->state, &s->b) == -1;
	s->read = true;
	s->read_ms = now_ms;
	return s;
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

	for (i = 0; i < host_nprobes; i++) {
		p = host_probes[i];
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
	       host_probe_find(name) != NULL;
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

static struct node_pending *
probes_ask(void *ctx, const struct node_ask *q, node_answer_fn fn, void *arg)
{
	struct node_probes *np = ctx;
	const struct host_probe *p = host_probe_find(q->name);
	const struct service *svc = NULL;
	struct probe_slot *s;
	struct buf out = {0};
	size_t i;

	for (i = 0; p != NULL && host_probes[i] != p; i++)
		;
	if (p == NULL) {
		fn(arg, NODE_ANSWER_UNKNOWN, NULL, 0);
		return NULL;
	}
	s = reading(np, i, q->now_ms);
	if (p->multigraph) {
		for (i = 0; i < s->b.n; i++) {
			buf_printf(
			    &out, "multigraph %s\n", s->b.services[i].name);
			service_text(&s->b.services[i], q, &out);
		}
	} else {
		svc = batch_service(&s->b, q->name, false);
		if (svc != NULL)
			service_text(svc, q, &out);
	}
	if (out.oom) {
		log_warnx("node: %s: out of memory", q->name);
		fn(arg, NODE_ANSWER_BAD_EXIT, NULL, 0);
	} else if (out.len == 0 && (p->multigraph || svc == NULL))
		/* as munin-node answers a plugin that failed, or one
		 * that is not there (if_eth9) */
		fn(arg, s->failed ? NODE_ANSWER_BAD_EXIT : NODE_ANSWER_UNKNOWN,
		    NULL, 0);
	else
		fn(arg, NODE_ANSWER_OK, out.p != NULL ? out.p : "", out.len);
	buf_free(&out);
	return NULL;
}

const struct node_kind node_probes_kind = {
    .name = "probe",
    .list = probes_list,
    .has = probes_has,
    .ask = probes_ask,
    .cancel = NULL,
    .free = probes_free,
};
