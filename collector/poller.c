/*
 * poller: starts the polls the scheduler releases and finishes them.
 *
 * A target is one thing polled for a config host by one source of the
 * table (plugins/source.h): a munin-node, the built-in node source, a
 * BMC.  Its name is the host's plus the source's suffix, so a host with
 * a BMC has a second target "HOST/ipmi" on the same physical host: the
 * BMC counts toward that host's budget and has its own interval.  The
 * first source of the table that wants a name gets it.  Targets are
 * never freed while a poll runs: removal marks them and the poll's end
 * frees them.  A host of another collector's shard (collector/shard.h)
 * has no target: its catalog host is marked peer.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "collector/guest_map.h"
#include "collector/poller.h"
#include "collector/sched.h"
#include "collector/shard.h"
#include "lib/log.h"

#define MAX_BACKOFF 900		  /* seconds between polls of a dead host */
#define FAIL_LOG_INTERVAL 3600000 /* ms between repeats of one failure */

struct target {
	struct poller *p;
	char *name; /* scheduler name: HOST + the source's suffix */
	char *host; /* the config and catalog host */
	const struct source *src;
	void *state;		    /* the source's, from its init */
	const struct conf_host *hc; /* in p->conf; refreshed on apply */
	bool host_state; /* the result is the host's own up/down state */
	int id;		 /* sched id */
	bool running;
	bool removed;
	struct sched_start start; /* the running poll */
	struct ratelimit fail_rl;
};

struct poller {
	uv_loop_t *loop;
	struct catalog *cat;
	struct ingest *in;
	struct rrd_writer *writer; /* read for drover's own metrics only */
	const struct source *const *sources;
	size_t nsources;
	const struct conf *conf;
	const struct host_cmd_runner *runner; /* probe commands; or NULL */
	struct sched *sched;
	uv_timer_t timer;      /* next due slot */
	uv_timer_t self_timer; /* drover's own metrics, once per interval */
	struct target **t;
	size_t nt, tcap;
	bool stopping;
	bool kicking;		 /* inside kick(): no re-entry */
	struct sched_stats last; /* counters at the previous self sample */
	time_t self_ts;		 /* epoch s of the previous self sample */
	struct rrd_writer_stats wlast; /* the same for the RRD writer */
	struct batch durations;	  /* poll duration per target, this cycle */
	struct guest_map *guests; /* hypervisors' reports; kept on reload */
	struct attrs_pool *pool;  /* the sources' configs, shared between
				     targets (struct source_host) */
};

static int64_t
wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void kick(struct poller *p);

static void
target_free(struct target *t)
{
	if (t->state != NULL)
		t->src->close(t->state);
	free(t->name);
	free(t->host);
	free(t);
}

static void
record_duration(struct poller *p, const char *name, uint64_t ms)
{
	struct service *s =
	    batch_service(&p->durations, "drover_poll_duration", true);
	struct field *f;
	char fname[256];

	if (s == NULL)
		return;
	sanitise_fieldname(name, fname, sizeof(fname));
	f = service_field(s, fname, true);
	if (f == NULL)
		return;
	attrs_set(&f->attrs, "label", name);
	f->has_value = true;
	f->value = (double)ms / 1000;
}

/*
 * Where hc's polls count (its budget): its hand-set physical, else the
 * budget of the hypervisor reporting it as a running guest, else its own.
 * *hyp and *field are the reporting hypervisor and hc's field there
 * (NULL when none reports it), set even for a hand-set physical so the
 * dashboard shows what the hypervisor sees.
 */
static const char *
host_physical(const struct poller *p, const struct conf *c,
    const struct conf_host *hc, enum cat_phys_from *from, const char **hyp,
    const char **field)
{
	struct guest_ident id = {hc->name, hc->vm_name, hc->address};
	const struct conf_host *hh = NULL;

	*field = NULL;
	*hyp = guest_map_match(p->guests, &id, field);
	if (*hyp != NULL)
		hh = conf_host_find(c, *hyp);
	if (hh == NULL)
		*hyp = *field = NULL;
	if (hc->physical != NULL) {
		*from = PHYS_CONFIG;
		return hc->physical;
	}
	if (hh == NULL) {
		*from = PHYS_OWN;
		return hc->name;
	}
	*from = PHYS_LEARNED;
	return hh->physical != NULL ? hh->physical : hh->name;
}

/*
 * After a hypervisor's report changed: every host whose budget is now
 * another moves there for its next polls (sched_set_physical: a poll
 * running now finishes under the old one), logged once per move, and the
 * catalog learns its physical host.
 */
static void
apply_physicals(struct poller *p)
{
	const struct conf_host *hc;
	enum cat_phys_from from;
	const char *phys, *hyp, *field;
	struct cat_host *h;
	size_t i, j;

	for (i = 0; i < p->conf->nhosts; i++) {
		hc = &p->conf->hosts[i];
		h = catalog_find(p->cat, hc->name);
		if (h == NULL)
			continue;
		phys = host_physical(p, p->conf, hc, &from, &hyp, &field);
		if (h->physical == NULL || strcmp(h->physical, phys) != 0) {
			if (from == PHYS_LEARNED &&
			    h->physical_from == PHYS_OWN)
				log_info("poll: guest %s joins hypervisor %s's "
					 "budget (was its own)",
				    hc->name, hyp);
			else if (from == PHYS_LEARNED)
				log_info("poll: guest %s joins hypervisor %s's "
					 "budget (was %s)",
				    hc->name, hyp,
				    h->physical != NULL ? h->physical
							: hc->name);
			else
				log_info("poll: guest %s leaves hypervisor "
					 "%s's budget for %s",
				    hc->name,
				    h->physical != NULL ? h->physical : "?",
				    from == PHYS_OWN ? "its own" : phys);
			for (j = 0; j < p->nt; j++)
				if (strcmp(p->t[j]->host, hc->name) == 0)
					sched_set_physical(
					    p->sched, p->t[j]->id, phys);
		}
		catalog_set_physical(h, phys, from, hyp, field);
	}
}

/* Whether b carries a hypervisor's report of its guests. */
static bool
reports_guests(struct batch *b)
{
	return batch_service(b, "vm_state", false) != NULL ||
	       batch_service(b, "xen_state", false) != NULL;
}

/* The end of a poll (the sources' done callback): ingest, catalog,
 * scheduler, logs. */
static void
poll_end(void *arg, struct source_result *res)
{
	struct target *t = arg;
	struct poller *p = t->p;
	struct cat_host *h;
	struct batch *b = &res->batch;
	const char *error = res->error;
	uint64_t poll_ms = res->duration_ms;
	enum sched_result r = res->status == SOURCE_OK	      ? SCHED_OK
			      : res->status == SOURCE_TIMEOUT ? SCHED_TIMED_OUT
							      : SCHED_FAILED;
	bool sub = t->src->substate;
	unsigned suppressed = 0;
	size_t values = batch_values(b);
	unsigned failures;
	bool was_down;

	t->running = false;
	h = catalog_find(p->cat, t->host);
	if (h != NULL && !t->removed) {
		was_down =
		    sub ? h->bmc.state == HOST_DOWN : h->state == HOST_DOWN;
		/* the result below resets the count */
		failures = sub ? h->bmc.failures : h->failures;
		/* a hypervisor's report of its guests: from a clean poll, or
		 * one whose failures spared the report */
		if (!sub && r == SCHED_OK && !p->stopping &&
		    (error == NULL || error[0] == '\0' || reports_guests(b)) &&
		    guest_map_learn(p->guests, t->host, b))
			apply_physicals(p);
		if (b->n > 0)
			ingest_batch(p->in, h, t->hc, t->start.ts, b);
		if (sub)
			catalog_bmc_result(h, r == SCHED_OK, error, t->start.ts,
			    poll_ms, (unsigned)values);
		/* a poll cut short by shutdown says nothing about the host */
		if (t->host_state && !p->stopping)
			ingest_poll_result(p->in, h, r == SCHED_OK, error,
			    t->start.ts, poll_ms, t->start.delay_ms,
			    (unsigned)values);
		if (r != SCHED_OK && p->stopping)
			log_debug("poll: %s: %s at shutdown", t->name, error);
		else if (r != SCHED_OK) {
			if (ratelimit_allow(&t->fail_rl, uv_now(p->loop),
				FAIL_LOG_INTERVAL, &suppressed))
				log_warnx("poll: %s: %s%s%s", t->name, error,
				    values > 0 ? "; values received before "
						 "kept"
					       : "",
				    suppressed > 0 ? "; same failure repeated"
						     " since last message"
						   : "");
			else
				log_debug("poll: %s: %s", t->name, error);
		} else if (was_down) {
			log_info("poll: %s: back up after %u failed polls",
			    t->name, failures);
			memset(&t->fail_rl, 0, sizeof(t->fail_rl));
		} else if (error != NULL && error[0] != '\0')
			log_debug("poll: %s: %s", t->name, error);
		if (r == SCHED_OK && res->summary[0] != '\0')
			log_debug("poll: %s: %s in %llu ms (queued "
				  "%llu ms)",
			    t->name, res->summary, (unsigned long long)poll_ms,
			    (unsigned long long)t->start.delay_ms);
		record_duration(p, t->name, poll_ms);
	}
	batch_cleanup(b);
	sched_done(p->sched, t->id, r, uv_now(p->loop));
	/* a removed target's poll frees a slot too: polls held back by
	 * max_concurrency wait for this kick, not for a timer */
	if (t->removed)
		target_free(t);
	kick(p);
}

static void
start_poll(struct poller *p, struct target *t)
{
	struct source_host sh;

	conf_host_source(p->conf, t->hc, t->src, &sh);
	sh.roots.runner = p->runner;
	sh.pool = p->pool;
	t->running = true;
	t->src->poll(t->state, &sh, poll_end, t);
}

static void
on_timer(uv_timer_t *timer)
{
	kick(timer->data);
}

/*
 * Starts every poll that may start now and re-arms the timer.  Polls held
 * back by a bound start from the kick at the end of a poll (poll_end);
 * the timer only wakes for a slot falling due.  The timer is never armed
 * for 0 ms: libuv 1.44 reruns a 0 ms timer restarted from its own callback
 * in the same pass, so one due slot the scheduler could not start would
 * spin without I/O: no poll would end and SIGTERM would never be seen.
 */
static void
kick(struct poller *p)
{
	struct sched_start st;
	struct target *t;
	int64_t to;
	int id;

	if (p->kicking || p->stopping)
		return;
	p->kicking = true;
	uv_update_time(p->loop);
	while (
	    (id = sched_pop(p->sched, uv_now(p->loop), wall_ms(), &st)) != -1) {
		t = st.udata;
		t->start = st;
		start_poll(p, t);
	}
	p->kicking = false;
	to = sched_timeout(p->sched, uv_now(p->loop));
	if (to >= 0)
		uv_timer_start(
		    &p->timer, on_timer, to > 0 ? (uint64_t)to : 1, 0);
	else
		uv_timer_stop(&p->timer);
}

static void
set_gauge(struct service *s, const char *name, const char *label, double v)
{
	struct field *f = service_field(s, name, true);

	if (f == NULL)
		return;
	attrs_set(&f->attrs, "label", label);
	attrs_set(&f->attrs, "min", "0");
	f->has_value = true;
	f->value = v;
}

/* The RRD writer's side of drover's own metrics: per interval and now. */
static void
self_rrd(struct poller *p, struct batch *b)
{
	struct rrd_writer_stats ws;
	struct service *s;

	rrd_writer_stats(p->writer, &ws);
	s = batch_service(b, "drover_rrd", true);
	if (s == NULL)
		return;
	s->has_config = true;
	attrs_set(&s->graph, "graph_title", "drover RRD writes per interval");
	attrs_set(&s->graph, "graph_vlabel", "updates");
	attrs_set(&s->graph, "graph_category", "drover");
	set_gauge(
	    s, "updates", "updates", (double)(ws.updates - p->wlast.updates));
	set_gauge(s, "errors", "errors", (double)(ws.errors - p->wlast.errors));
	set_gauge(s, "dropped", "dropped (queue full)",
	    (double)(ws.dropped - p->wlast.dropped));
	set_gauge(s, "stale", "dropped (file newer)",
	    (double)(ws.stale - p->wlast.stale));
	set_gauge(s, "queue", "waiting now", (double)ws.queue_len);
	set_gauge(s, "latency_max", "slowest write (s)",
	    (double)ws.latency_max_us / 1e6);
	p->wlast = ws;
}

/*
 * drover's own metrics, once per interval, stored like any host's: polls
 * done/late/failed/timed out in the cycle, each target's poll duration
 * and each physical host's queue delay.
 */
static void
on_self_timer(uv_timer_t *timer)
{
	struct poller *p = timer->data;
	struct sched_stats now;
	struct sched_phys_stats ps;
	struct batch b = {0};
	struct service *s;
	struct cat_host *h;
	char fname[256];
	/* the tick is due on a second boundary: the nearest second, so a
	 * timer that fires a little early (the loop's clock is monotonic,
	 * the boundary wall time) is not the second before */
	time_t ts = (time_t)((wall_ms() + 500) / 1000);
	size_t i;

	/* one sample per second at most (two in one second: the second would
	 * be dropped as stale); the next tick carries these counts */
	if (ts <= p->self_ts)
		return;
	p->self_ts = ts;
	sched_stats(p->sched, &now);
	s = batch_service(&b, "drover_polls", true);
	if (s == NULL)
		goto out;
	s->has_config = true;
	attrs_set(&s->graph, "graph_title", "drover polls per interval");
	attrs_set(&s->graph, "graph_vlabel", "polls");
	attrs_set(&s->graph, "graph_category", "drover");
	set_gauge(s, "done", "done", (double)(now.done - p->last.done));
	set_gauge(s, "late", "late", (double)(now.late - p->last.late));
	set_gauge(s, "failed", "failed", (double)(now.failed - p->last.failed));
	set_gauge(s, "timed_out", "timed out",
	    (double)(now.timed_out - p->last.timed_out));
	set_gauge(s, "deferred", "held back by a bound",
	    (double)(now.deferred - p->last.deferred));
	s = batch_service(&b, "drover_queue_delay", true);
	if (s == NULL)
		goto out;
	s->has_config = true;
	attrs_set(
	    &s->graph, "graph_title", "drover queue delay per physical host");
	attrs_set(&s->graph, "graph_vlabel", "seconds (total per interval)");
	attrs_set(&s->graph, "graph_category", "drover");
	for (i = 0; sched_phys(p->sched, i, &ps); i++) {
		sanitise_fieldname(ps.name, fname, sizeof(fname));
		set_gauge(s, fname, ps.name, (double)ps.delay_ms_total / 1000);
	}
	/* durations of the polls that ended this cycle (none: no service) */
	s = p->durations.n > 0 ? &p->durations.services[0] : NULL;
	if (s != NULL && s->nfields > 0) {
		s->has_config = true;
		attrs_set(&s->graph, "graph_title",
		    "drover poll duration per target");
		attrs_set(&s->graph, "graph_vlabel", "seconds");
		attrs_set(&s->graph, "graph_category", "drover");
		s = batch_service(&b, "drover_poll_duration", true);
		if (s != NULL) {
			free(s->name);
			*s = p->durations.services[0];
			free(p->durations.services);
			memset(&p->durations, 0, sizeof(p->durations));
		}
	}
	if (p->writer != NULL)
		self_rrd(p, &b);
	h = catalog_host(p->cat, CATALOG_SELF, CATALOG_SELF_GROUP, NULL);
	ts -= ts % p->conf->interval;
	ingest_batch(p->in, h, NULL, ts, &b);
	catalog_poll_result(
	    h, true, NULL, ts, 0, 0, (unsigned)batch_values(&b));
	p->last = now;
out:
	batch_cleanup(&b);
}

void
poller_stats(const struct poller *p, struct sched_stats *out)
{
	sched_stats(p->sched, out);
}

void
poller_set_cmd_runner(struct poller *p, const struct host_cmd_runner *runner)
{
	p->runner = runner;
}

struct poller *
poller_new(uv_loop_t *loop, struct catalog *cat, struct ingest *in,
    struct rrd_writer *writer, const struct source *const *sources, size_t n)
{
	struct poller *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->loop = loop;
	p->cat = cat;
	p->in = in;
	p->writer = writer;
	p->sources = sources;
	p->nsources = n;
	p->sched = sched_new(64, 2, MAX_BACKOFF);
	p->guests = guest_map_new();
	p->pool = attrs_pool_new();
	if (p->sched == NULL || p->guests == NULL || p->pool == NULL) {
		sched_free(p->sched);
		guest_map_free(p->guests);
		attrs_pool_free(p->pool);
		free(p);
		return NULL;
	}
	uv_timer_init(loop, &p->timer);
	uv_timer_init(loop, &p->self_timer);
	p->timer.data = p;
	p->self_timer.data = p;
	return p;
}

/* The i-th source in polling order: host-state ones, then sub-states. */
static const struct source *
source_at(const struct poller *p, size_t i)
{
	size_t j, k = 0;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (j = 0; j < p->nsources; j++)
			if (p->sources[j]->substate == (pass == 1) && k++ == i)
				return p->sources[j];
	return NULL;
}

static bool
source_wants(
    const struct conf *c, const struct conf_host *hc, const struct source *src)
{
	struct source_host sh;

	conf_host_source(c, hc, src, &sh);
	return src->wanted(&sh);
}

/* Whether the target name belongs to src under c: hc polls it with src
 * and no source before src claims the same name. */
static bool
owns_name(const struct poller *p, const struct conf *c,
    const struct conf_host *hc, const char *name, const struct source *src)
{
	const struct source *s;
	size_t i, hl = strlen(hc->name);

	/* a host of another collector's shard is polled there */
	if (!hc->update || !shard_owns(c, hc))
		return false;
	for (i = 0; (s = source_at(p, i)) != NULL; i++) {
		if (strncmp(name, hc->name, hl) != 0 ||
		    strcmp(name + hl, s->suffix) != 0 ||
		    !source_wants(c, hc, s))
			continue;
		return s == src;
	}
	return false;
}

/* Whether a host-state source polls hc (else a sub-state is its own). */
static bool
has_host_state(
    const struct poller *p, const struct conf *c, const struct conf_host *hc)
{
	const struct source *s;
	size_t i;

	for (i = 0; (s = source_at(p, i)) != NULL; i++)
		if (!s->substate && source_wants(c, hc, s))
			return true;
	return false;
}

static struct target *
find_target(struct poller *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nt; i++)
		if (strcmp(p->t[i]->name, name) == 0)
			return p->t[i];
	return NULL;
}

/* Adds (or updates) the target name of src for hc.  0 / -1. */
static int
apply_target(struct poller *p, const struct conf *c, const struct conf_host *hc,
    const char *name, const struct source *src, const char *phys, uint64_t now)
{
	struct target *t, **nv;
	struct source_host sh;
	struct cat_host *h;
	unsigned interval;
	bool host_state = !src->substate || !has_host_state(p, c, hc);

	conf_host_source(c, hc, src, &sh);
	interval = src->interval != NULL ? src->interval(&sh) : sh.interval;
	/* the target deciding the host's state says how old is stale */
	h = host_state ? catalog_find(p->cat, hc->name) : NULL;
	if (h != NULL)
		catalog_set_target(h, interval, src->substate);
	t = find_target(p, name);
	if (t != NULL) {
		t->hc = hc;
		t->host_state = host_state;
		sched_update(
		    p->sched, t->id, phys, interval, t, now, wall_ms());
		return 0;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -1;
	t->p = p;
	t->hc = hc;
	t->src = src;
	t->host_state = host_state;
	t->name = strdup(name);
	t->host = strdup(hc->name);
	t->state = src->init(p->loop, hc->name);
	if (t->name == NULL || t->host == NULL || t->state == NULL) {
		target_free(t);
		return -1;
	}
	t->id = sched_add(p->sched, name, phys, interval, t, now, wall_ms());
	if (t->id == -1) {
		target_free(t);
		return -1;
	}
	if (p->nt == p->tcap) {
		nv = realloc(p->t, (p->tcap ? p->tcap * 2 : 16) * sizeof(*nv));
		if (nv == NULL) {
			sched_remove(p->sched, t->id);
			target_free(t);
			return -1;
		}
		p->t = nv;
		p->tcap = p->tcap ? p->tcap * 2 : 16;
	}
	p->t[p->nt++] = t;
	log_debug("poll: %s: every %u s at phase %.1f s on %s", name, interval,
	    (double)sched_phase(name, interval) / 1000, phys);
	return 0;
}

int
poller_apply(struct poller *p, const struct conf *c)
{
	const struct conf_host *hc;
	const struct source *src;
	struct target *t;
	struct cat_host *h;
	enum cat_phys_from from;
	const char **keep, *phys, *hyp, *field, *hname, *why;
	char name[512];
	uint64_t now;
	size_t i, j, w, nkeep = 0;

	keep = calloc(c->nhosts + 1, sizeof(*keep));
	if (keep == NULL)
		return -1;
	p->conf = c;
	ingest_set_conf(p->in, c);
	sched_set_limits(
	    p->sched, c->max_concurrency, c->physical_concurrency, MAX_BACKOFF);
	uv_update_time(p->loop);
	now = uv_now(p->loop);
	/* drop targets no longer configured (or no longer polled) */
	for (i = w = 0; i < p->nt; i++) {
		t = p->t[i];
		hc = conf_host_find(c, t->host);
		if (hc != NULL && owns_name(p, c, hc, t->name, t->src)) {
			p->t[w++] = t;
			continue;
		}
		sched_remove(p->sched, t->id);
		if (t->running) {
			t->removed = true;
			t->hc = NULL;
		} else
			target_free(t);
	}
	p->nt = w;
	/* reports of hypervisors no longer configured end; the others'
	 * stay, so learned mappings survive a reload */
	for (i = 0; (hname = guest_map_hypervisor(p->guests, i)) != NULL;)
		if (conf_host_find(c, hname) == NULL)
			guest_map_forget(p->guests, hname);
		else
			i++;
	for (i = 0; i < c->nhosts; i++) {
		hc = &c->hosts[i];
		keep[nkeep++] = hc->name;
		phys = host_physical(p, c, hc, &from, &hyp, &field);
		h = catalog_host(p->cat, hc->name, hc->group, phys);
		catalog_set_physical(h, phys, from, hyp, field);
		h->peer = !shard_owns(c, hc);
		/* down with Munin's reason, once, until the config changes
		 * (a state restored from before a restart is not kept); a
		 * peer's host is its owner's to judge */
		why = h->peer ? NULL : conf_host_unpolled_reason(c, hc);
		if (why != NULL &&
		    (h->state != HOST_DOWN || h->restored ||
			strcmp(cat_error_str(h->last_error), why) != 0))
			catalog_poll_result(
			    h, false, why, (time_t)(wall_ms() / 1000), 0, 0, 0);
		for (j = 0; (src = source_at(p, j)) != NULL; j++) {
			if (snprintf(name, sizeof(name), "%s%s", hc->name,
				src->suffix) >= (int)sizeof(name))
				continue;
			if (owns_name(p, c, hc, name, src) &&
			    apply_target(p, c, hc, name, src, phys, now) == -1)
				goto fail;
		}
	}
	keep[nkeep++] = CATALOG_SELF;
	catalog_retain(p->cat, keep, nkeep);
	free(keep);
	uv_timer_start(&p->self_timer, on_self_timer,
	    (uint64_t)c->interval * 1000 -
		(uint64_t)(wall_ms() % ((int64_t)c->interval * 1000)),
	    (uint64_t)c->interval * 1000);
	kick(p);
	return 0;
fail:
	free(keep);
	return -1;
}

void
poller_stop(struct poller *p)
{
	size_t i;

	p->stopping = true;
	uv_timer_stop(&p->timer);
	uv_timer_stop(&p->self_timer);
	for (i = 0; i < p->nt; i++)
		if (p->t[i]->running)
			p->t[i]->src->cancel(p->t[i]->state);
	uv_close((uv_handle_t *)&p->timer, NULL);
	uv_close((uv_handle_t *)&p->self_timer, NULL);
}

void
poller_free(struct poller *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nt; i++)
		target_free(p->t[i]);
	free(p->t);
	batch_cleanup(&p->durations);
	sched_free(p->sched);
	guest_map_free(p->guests);
	attrs_pool_free(p->pool);
	free(p);
}
