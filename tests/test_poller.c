/*
 * Tests for the poller: the loop glue between scheduler, sources, ingest
 * and catalog, driven on a real uv loop through a table of test sources
 * defined only here (the poller takes the table as a parameter).
 *
 * Three sources: "inline" ends its poll before poll() returns (like the
 * node source), "later" ends it from a uv_timer (like the munin-node
 * client or a thread-pool job), and "sub" is a later one with the suffix
 * "/sub" whose result is a sub-state (like IPMI).  Intervals are 1 s;
 * asserts on time are lower bounds only (a poll may be late, never
 * early), and alarm() bounds a hang.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "catalog/catalog.h"
#include "collector/conf.h"
#include "collector/ingest.h"
#include "collector/poller.h"
#include "lib/log.h"
#include "plugins/source.h"

#define HANG_S 120   /* the whole test binary, only to bound a hang */
#define MAX_POLLS 16 /* poll times kept per host */

/* What the test sources saw of one config host (all its targets). */
struct host_stat {
	char name[64];
	unsigned polls;
	unsigned in_flight;
	unsigned max_in_flight;
	unsigned cancels;
	uint64_t at[MAX_POLLS]; /* uv_now of each poll's start */
};

static struct {
	struct host_stat h[8];
	size_t n;
	unsigned inits, closes;
	uint64_t delay_ms;     /* how long a "later" poll takes */
	const char *guests[4]; /* host "hv" reports these guests running */
} T;

static struct host_stat *
stat_of(const char *name)
{
	size_t i;

	for (i = 0; i < T.n; i++)
		if (strcmp(T.h[i].name, name) == 0)
			return &T.h[i];
	assert_true(T.n < sizeof(T.h) / sizeof(T.h[0]));
	snprintf(T.h[T.n].name, sizeof(T.h[T.n].name), "%s", name);
	return &T.h[T.n++];
}

/* A test target: the loop, the poll's caller and, for "later", a timer. */
struct ttarget {
	const struct source *src;
	uv_loop_t *loop;
	uv_timer_t timer;
	char host[64];
	source_done_cb cb;
	void *arg;
	bool running;
};

static void
poll_begins(struct ttarget *tt)
{
	struct host_stat *hs = stat_of(tt->host);

	if (hs->polls < MAX_POLLS)
		hs->at[hs->polls] = uv_now(tt->loop);
	hs->polls++;
	hs->in_flight++;
	if (hs->in_flight > hs->max_in_flight)
		hs->max_in_flight = hs->in_flight;
	tt->running = true;
}

/* Ends tt's poll: one service named after the source, or a failure. */
static void
poll_ends(struct ttarget *tt, enum source_status st, const char *error)
{
	struct host_stat *hs = stat_of(tt->host);
	struct source_result res = {0};
	struct service *s;
	struct field *f;

	tt->running = false;
	hs->in_flight--;
	res.status = st;
	snprintf(res.error, sizeof(res.error), "%s", error);
	if (st == SOURCE_OK) {
		s = batch_service(&res.batch, tt->src->name, true);
		assert_non_null(s);
		s->has_config = true;
		attrs_set(&s->graph, "graph_title", tt->src->name);
		f = service_field(s, "polls", true);
		assert_non_null(f);
		attrs_set(&f->attrs, "label", "polls");
		f->has_value = true;
		f->value = hs->polls;
		snprintf(res.summary, sizeof(res.summary), "1 test value");
		/* a hypervisor's report, as the vm probe makes it */
		for (size_t i = 0; strcmp(tt->host, "hv") == 0 && i < 4 &&
				   T.guests[i] != NULL;
		     i++) {
			s = batch_service(&res.batch, "vm_state", true);
			s->has_config = true;
			f = service_field(s, T.guests[i], true);
			attrs_set(&f->attrs, "label", T.guests[i]);
			f->has_value = true;
			f->value = 1;
		}
	}
	tt->cb(tt->arg, &res);
	batch_cleanup(&res.batch);
}

static void *
t_init(const struct source *src, uv_loop_t *loop, const char *host)
{
	struct ttarget *tt = calloc(1, sizeof(*tt));

	assert_non_null(tt);
	tt->src = src;
	tt->loop = loop;
	snprintf(tt->host, sizeof(tt->host), "%s", host);
	uv_timer_init(loop, &tt->timer);
	tt->timer.data = tt;
	T.inits++;
	return tt;
}

static void
on_closed(uv_handle_t *h)
{
	free(h->data);
}

static void
t_close(void *state)
{
	struct ttarget *tt = state;

	assert_false(tt->running);
	T.closes++;
	uv_close((uv_handle_t *)&tt->timer, on_closed);
}

static void
t_cancel(void *state)
{
	struct ttarget *tt = state;

	stat_of(tt->host)->cancels++;
	if (!tt->running)
		return;
	uv_timer_stop(&tt->timer);
	poll_ends(tt, SOURCE_FAILED, "cancelled");
}

/* inline: hosts at address "inline"; those named fail* always fail */
extern const struct source src_inline;

static bool
inline_wanted(const struct source_host *h)
{
	return h->address != NULL && strcmp(h->address, "inline") == 0;
}

static void *
inline_init(uv_loop_t *loop, const char *host)
{
	return t_init(&src_inline, loop, host);
}

static void
inline_poll(
    void *state, const struct source_host *h, source_done_cb cb, void *arg)
{
	struct ttarget *tt = state;

	tt->cb = cb;
	tt->arg = arg;
	poll_begins(tt);
	if (strncmp(h->name, "fail", 4) == 0)
		poll_ends(tt, SOURCE_FAILED, "test failure");
	else
		poll_ends(tt, SOURCE_OK, "");
}

const struct source src_inline = {
    .name = "inline",
    .suffix = "",
    .wanted = inline_wanted,
    .init = inline_init,
    .poll = inline_poll,
    .cancel = t_cancel,
    .close = t_close,
};

/* later: hosts at address "later", done T.delay_ms after the start */
extern const struct source src_later;
/* sub: a "/sub" target of every host named two*, done like later */
extern const struct source src_sub;

static bool
later_wanted(const struct source_host *h)
{
	return h->address != NULL && strcmp(h->address, "later") == 0;
}

static bool
sub_wanted(const struct source_host *h)
{
	return strncmp(h->name, "two", 3) == 0;
}

static void *
later_init(uv_loop_t *loop, const char *host)
{
	return t_init(&src_later, loop, host);
}

static void *
sub_init(uv_loop_t *loop, const char *host)
{
	return t_init(&src_sub, loop, host);
}

static void
on_later(uv_timer_t *timer)
{
	poll_ends(timer->data, SOURCE_OK, "");
}

static void
later_poll(
    void *state, const struct source_host *h, source_done_cb cb, void *arg)
{
	struct ttarget *tt = state;

	(void)h;
	tt->cb = cb;
	tt->arg = arg;
	poll_begins(tt);
	uv_timer_start(&tt->timer, on_later, T.delay_ms, 0);
}

const struct source src_later = {
    .name = "later",
    .suffix = "",
    .wanted = later_wanted,
    .init = later_init,
    .poll = later_poll,
    .cancel = t_cancel,
    .close = t_close,
};

const struct source src_sub = {
    .name = "sub",
    .suffix = "/sub",
    .substate = true,
    .wanted = sub_wanted,
    .init = sub_init,
    .poll = later_poll,
    .cancel = t_cancel,
    .close = t_close,
};

/* The sub-state source first: the poller still orders host-state ones
 * before it. */
static const struct source *const test_sources[] = {
    &src_sub,
    &src_inline,
    &src_later,
};
#define NTEST (sizeof(test_sources) / sizeof(test_sources[0]))

/* ---- harness -------------------------------------------------------- */

struct rig {
	uv_loop_t loop;
	struct catalog *cat;
	struct ingest *in;
	struct poller *p;
	struct conf *conf;
};

static struct conf *
make_conf(const char *text)
{
	struct conf_errors errs = {0};
	struct conf *c = conf_new();
	size_t i;

	assert_non_null(c);
	conf_parse_buf(c, "t.conf", text, strlen(text), &errs);
	conf_finish(c, &errs);
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	assert_int_equal(errs.n, 0);
	conf_errors_cleanup(&errs);
	return c;
}

static void
rig_start(struct rig *r, const char *text)
{
	memset(&T, 0, sizeof(T));
	T.delay_ms = 50;
	assert_int_equal(uv_loop_init(&r->loop), 0);
	r->cat = catalog_new();
	r->in = ingest_new(r->cat, NULL);
	r->p = poller_new(&r->loop, r->cat, r->in, NULL, test_sources, NTEST);
	assert_non_null(r->p);
	r->conf = make_conf(text);
	assert_int_equal(poller_apply(r->p, r->conf), 0);
}

/* Stops the poller, drains the loop, frees everything: every target's
 * state must have been closed and every handle released. */
static void
rig_stop(struct rig *r)
{
	poller_stop(r->p);
	uv_run(&r->loop, UV_RUN_DEFAULT);
	poller_free(r->p);
	uv_run(&r->loop, UV_RUN_DEFAULT);
	assert_int_equal(T.closes, T.inits);
	assert_int_equal(uv_loop_close(&r->loop), 0);
	ingest_free(r->in);
	catalog_free(r->cat);
	conf_free(r->conf);
}

typedef bool (*pred_fn)(struct rig *r);

struct waiter {
	struct rig *r;
	pred_fn pred;
	bool met;
};

static void
on_check(uv_timer_t *t)
{
	struct waiter *w = t->data;

	if (w->pred(w->r)) {
		w->met = true;
		uv_stop(t->loop);
	}
}

/* Runs the loop until pred holds (checked every 5 ms). */
static void
run_until(struct rig *r, pred_fn pred)
{
	struct waiter w = {r, pred, false};
	uv_timer_t check;

	uv_timer_init(&r->loop, &check);
	check.data = &w;
	uv_timer_start(&check, on_check, 5, 5);
	while (!w.met)
		uv_run(&r->loop, UV_RUN_DEFAULT);
	uv_timer_stop(&check);
	uv_close((uv_handle_t *)&check, NULL);
	uv_run(&r->loop, UV_RUN_NOWAIT);
}

static const struct cat_service *
service_of(struct rig *r, const char *host, const char *svc)
{
	struct cat_host *h = catalog_find(r->cat, host);

	return h != NULL ? cat_host_service(h, svc) : NULL;
}

/* ---- tests ---------------------------------------------------------- */

static bool
both_polled_twice(struct rig *r)
{
	(void)r;
	return stat_of("a")->polls >= 2 && stat_of("b")->polls >= 2;
}

static void
test_polls_reach_ingest_and_catalog(void **state)
{
	struct rig r;
	struct cat_host *h;
	const struct cat_service *cs;

	(void)state;
	rig_start(&r, "interval 1\nlocal_node no\n"
		      "[a]\n address inline\n"
		      "[b]\n address later\n");
	run_until(&r, both_polled_twice);
	/* one poll at a time per target, each a whole interval apart */
	assert_int_equal(stat_of("a")->max_in_flight, 1);
	assert_true(stat_of("a")->at[1] - stat_of("a")->at[0] >= 500);
	assert_true(stat_of("b")->at[1] - stat_of("b")->at[0] >= 500);
	h = catalog_find(r.cat, "a");
	assert_non_null(h);
	assert_int_equal(h->state, HOST_UP);
	assert_false(h->bmc.configured);
	cs = service_of(&r, "a", "inline");
	assert_non_null(cs);
	assert_int_equal(cs->svc.nfields, 1);
	assert_true(cs->svc.fields[0].value >= 1);
	h = catalog_find(r.cat, "b");
	assert_int_equal(h->state, HOST_UP);
	assert_non_null(service_of(&r, "b", "later"));
	/* no source of the table is used for what it does not want */
	assert_null(service_of(&r, "a", "later"));
	rig_stop(&r);
}

static bool
failed_three_times(struct rig *r)
{
	struct cat_host *h = catalog_find(r->cat, "fail1");

	return h != NULL && h->failures >= 3;
}

static void
test_failing_target_is_down_and_backs_off(void **state)
{
	struct rig r;
	struct cat_host *h;
	struct host_stat *hs;
	struct sched_stats ss;

	(void)state;
	rig_start(&r, "interval 1\nlocal_node no\n[fail1]\n address inline\n");
	run_until(&r, failed_three_times);
	h = catalog_find(r.cat, "fail1");
	assert_int_equal(h->state, HOST_DOWN);
	assert_string_equal(h->last_error, "test failure");
	hs = stat_of("fail1");
	assert_int_equal(hs->polls, 3);
	/* after the second failure one slot is skipped: the third poll is
	 * due two intervals after the second */
	assert_true(hs->at[2] - hs->at[1] >= 1500);
	/* the scheduler's own counters, as /health reads them */
	poller_stats(r.p, &ss);
	assert_int_equal(ss.done, 3);
	assert_int_equal(ss.failed, 3);
	assert_int_equal(ss.timed_out, 0);
	rig_stop(&r);
}

static bool
two_done(struct rig *r)
{
	struct cat_host *h = catalog_find(r->cat, "two");
	struct cat_host *bare = catalog_find(r->cat, "twobare");

	return h != NULL && h->bmc.configured && h->state == HOST_UP &&
	       stat_of("two")->polls >= 4 && bare != NULL &&
	       bare->state == HOST_UP;
}

static void
test_host_and_sub_target_share_physical_budget(void **state)
{
	struct rig r;
	struct cat_host *h;

	(void)state;
	/* "two" has a later target and a two/sub one, "twobare" only the
	 * sub one; both polls of "two" take 300 ms, and one may run at a
	 * time on its physical host */
	rig_start(&r, "interval 1\nlocal_node no\nphysical_concurrency 1\n"
		      "[two]\n address later\n"
		      "[twobare]\n address none\n");
	T.delay_ms = 300;
	run_until(&r, two_done);
	assert_int_equal(stat_of("two")->max_in_flight, 1);
	h = catalog_find(r.cat, "two");
	assert_non_null(service_of(&r, "two", "later"));
	assert_non_null(service_of(&r, "two", "sub"));
	assert_int_equal(h->bmc.state, HOST_UP);
	assert_int_equal(h->bmc.sensors, 1);
	/* a sub-state with no host-state source is the host's own state */
	h = catalog_find(r.cat, "twobare");
	assert_true(h->bmc.configured);
	assert_int_equal(h->state, HOST_UP);
	assert_non_null(service_of(&r, "twobare", "sub"));
	rig_stop(&r);
}

static bool
gone_running(struct rig *r)
{
	(void)r;
	return stat_of("gone")->in_flight == 1;
}

static bool
gone_ended(struct rig *r)
{
	(void)r;
	return stat_of("gone")->in_flight == 0 && T.closes == 1;
}

static void
test_removing_a_running_target_is_safe(void **state)
{
	struct rig r;
	struct conf *next;

	(void)state;
	rig_start(&r, "interval 1\nlocal_node no\n"
		      "[gone]\n address later\n"
		      "[stay]\n address inline\n");
	T.delay_ms = 200;
	run_until(&r, gone_running);
	/* the old config goes at once: nothing may read it any more */
	next =
	    make_conf("interval 1\nlocal_node no\n[stay]\n address inline\n");
	assert_int_equal(poller_apply(r.p, next), 0);
	conf_free(r.conf);
	r.conf = next;
	assert_null(catalog_find(r.cat, "gone"));
	/* the poll ends later; its target is freed then, nothing ingested */
	run_until(&r, gone_ended);
	assert_null(catalog_find(r.cat, "gone"));
	assert_int_equal(stat_of("gone")->polls, 1);
	rig_stop(&r);
}

static unsigned stay_mark; /* polls of "stay" when "gone" was removed */

static bool
stay_polled_again(struct rig *r)
{
	(void)r;
	return stat_of("stay")->polls >= stay_mark + 2 && T.closes == 1;
}

/*
 * max_concurrency 1: "gone" holds the only slot for 1.5 s, longer than
 * the interval, so "stay" falls due and waits; a reload removes "gone"
 * meanwhile.  The end of its poll frees the slot and must start "stay":
 * no timer wakes for a slot already due, so without that kick "stay"
 * would wait for good.
 */
static void
test_removed_target_end_frees_its_slot(void **state)
{
	static const char *const keep = "interval 1\nlocal_node no\n"
					"max_concurrency 1\n"
					"[stay]\n address inline\n";
	struct rig r;
	struct conf *next;

	(void)state;
	rig_start(&r, "interval 1\nlocal_node no\nmax_concurrency 1\n"
		      "[gone]\n address later\n"
		      "[stay]\n address inline\n");
	T.delay_ms = 1500;
	run_until(&r, gone_running);
	stay_mark = stat_of("stay")->polls;
	next = make_conf(keep);
	assert_int_equal(poller_apply(r.p, next), 0);
	conf_free(r.conf);
	r.conf = next;
	run_until(&r, stay_polled_again);
	assert_int_equal(stat_of("gone")->polls, 1);
	assert_int_equal(stat_of("stay")->max_in_flight, 1);
	rig_stop(&r);
}

static bool
slow_running(struct rig *r)
{
	(void)r;
	return stat_of("slow")->in_flight == 1;
}

static void
test_stop_cancels_running_polls(void **state)
{
	struct rig r;
	struct cat_host *h;

	(void)state;
	rig_start(&r, "interval 1\nlocal_node no\n[slow]\n address later\n");
	T.delay_ms = 3600 * 1000; /* ends only when cancelled */
	run_until(&r, slow_running);
	/* rig_stop's loop drains only if the poll was cancelled */
	poller_stop(r.p);
	uv_run(&r.loop, UV_RUN_DEFAULT);
	assert_int_equal(stat_of("slow")->cancels, 1);
	assert_int_equal(stat_of("slow")->in_flight, 0);
	/* a poll cut short by shutdown says nothing about the host */
	h = catalog_find(r.cat, "slow");
	assert_int_equal(h->state, HOST_PENDING);
	poller_free(r.p);
	uv_run(&r.loop, UV_RUN_DEFAULT);
	assert_int_equal(T.closes, T.inits);
	assert_int_equal(uv_loop_close(&r.loop), 0);
	ingest_free(r.in);
	catalog_free(r.cat);
	conf_free(r.conf);
}

static bool
web1_learned(struct rig *r)
{
	struct cat_host *h = catalog_find(r->cat, "web1");

	return h != NULL && h->physical_from == PHYS_LEARNED;
}

static bool
web1_own(struct rig *r)
{
	struct cat_host *h = catalog_find(r->cat, "web1");

	return h != NULL && h->physical_from == PHYS_OWN;
}

/* A guest the hypervisor "hv" reports joins its budget; a hand-set one
 * never moves; a reload keeps what was learned; a guest no longer
 * reported gets its own budget back. */
static void
test_learned_physical(void **state)
{
	static const char text[] =
	    "interval 1\nlocal_node no\n"
	    "[hv]\n address inline\n"
	    "[web1.example.net]\n address inline\n"
	    "[web1]\n address inline\n"
	    "[pinned]\n address inline\n physical rack\n";
	struct conf *c2;
	struct rig r;
	struct cat_host *h;

	(void)state;
	rig_start(&r, text);
	T.guests[0] = "web1";
	T.guests[1] = "pinned";
	run_until(&r, web1_learned);
	h = catalog_find(r.cat, "web1");
	assert_string_equal(h->physical, "hv");
	assert_string_equal(h->hypervisor, "hv");
	assert_string_equal(h->guest_field, "web1");
	/* and web1.example.net, by its short name */
	h = catalog_find(r.cat, "web1.example.net");
	assert_string_equal(h->physical, "hv");
	h = catalog_find(r.cat, "pinned");
	assert_string_equal(h->physical, "rack");
	assert_int_equal(h->physical_from, PHYS_CONFIG);
	assert_string_equal(h->hypervisor, "hv"); /* shown, not moved */
	h = catalog_find(r.cat, "hv");
	assert_int_equal(h->physical_from, PHYS_OWN);
	/* a reload: learned at once, before hv's next poll */
	c2 = make_conf(text);
	assert_int_equal(poller_apply(r.p, c2), 0);
	conf_free(r.conf);
	r.conf = c2;
	h = catalog_find(r.cat, "web1");
	assert_int_equal(h->physical_from, PHYS_LEARNED);
	assert_string_equal(h->physical, "hv");
	/* no longer reported: its own again */
	T.guests[0] = NULL;
	run_until(&r, web1_own);
	h = catalog_find(r.cat, "web1");
	assert_string_equal(h->physical, "web1");
	assert_null(h->hypervisor);
	rig_stop(&r);
}

static bool
a_polled_twice(struct rig *r)
{
	(void)r;
	return stat_of("a")->polls >= 2;
}

/*
 * A host to update with no address (Munin: "No address!" at update time):
 * down in the catalog with exactly Munin's reason from the config apply
 * on, never polled, and a reload of the same config counts no new
 * failure; the host beside it is polled.
 */
static void
test_address_less_host_is_down_never_polled(void **state)
{
	struct rig r;
	struct cat_host *h;

	(void)state;
	rig_start(&r, "interval 1\nlocal_node no\n[a]\n address inline\n"
		      "[nowhere]\n port 24950\n[virtual]\n update no\n");
	h = catalog_find(r.cat, "nowhere");
	assert_non_null(h);
	assert_int_equal(h->state, HOST_DOWN);
	assert_string_equal(h->last_error, CONF_NO_ADDRESS);
	assert_int_equal(h->failures, 1);
	assert_int_equal(h->last_ok, 0);
	/* "update no" is another case: not down for want of an address */
	h = catalog_find(r.cat, "virtual");
	assert_non_null(h);
	assert_int_not_equal(h->state, HOST_DOWN);
	run_until(&r, a_polled_twice);
	assert_int_equal(catalog_find(r.cat, "a")->state, HOST_UP);
	assert_int_equal(stat_of("nowhere")->polls, 0);
	assert_int_equal(poller_apply(r.p, r.conf), 0);
	h = catalog_find(r.cat, "nowhere");
	assert_int_equal(h->state, HOST_DOWN);
	assert_int_equal(h->failures, 1);
	rig_stop(&r);
}

static bool
kvm1_guest_polled_twice(struct rig *r)
{
	(void)r;
	return stat_of("kvm1")->polls >= 2 && stat_of("g1")->polls >= 2;
}

static bool
kvm2_polled_twice(struct rig *r)
{
	(void)r;
	return stat_of("kvm2")->polls >= 2 && stat_of("g2")->polls >= 2;
}

#define SHARD_HOSTS                                                            \
	"interval 1\nlocal_node no\n"                                          \
	"[kvm1]\n address inline\n[g1]\n address inline\n physical kvm1\n"     \
	"[kvm2]\n address inline\n[g2]\n address inline\n physical kvm2\n"     \
	"[db1]\n port 24950\n"

/*
 * shard 1/3 polls kvm1 and its guest (FNV-1a 64 of "kvm1" is 1 mod 3,
 * tests/test_shard.c) and never kvm2's (shard 3); those are peer hosts,
 * pending, not down, even one without an address.  A reload as shard
 * 3/3 swaps them over.
 */
static void
test_shard_polls_only_its_own(void **state)
{
	struct rig r;
	struct cat_host *h;
	struct conf *c3;
	unsigned kvm1_polls;

	(void)state;
	rig_start(&r, "shard 1/3\n" SHARD_HOSTS);
	run_until(&r, kvm1_guest_polled_twice);
	assert_int_equal(stat_of("kvm2")->polls, 0);
	assert_int_equal(stat_of("g2")->polls, 0);
	assert_false(catalog_find(r.cat, "kvm1")->peer);
	assert_int_equal(catalog_find(r.cat, "g1")->state, HOST_UP);
	h = catalog_find(r.cat, "g2");
	assert_true(h->peer);
	assert_int_equal(h->state, HOST_PENDING);
	h = catalog_find(r.cat, "db1"); /* no address, but not ours */
	assert_true(h->peer);
	assert_int_equal(h->state, HOST_PENDING);
	assert_int_equal(cat_host_state(h, NULL), FS_OK);
	c3 = make_conf("shard 3/3\n" SHARD_HOSTS);
	assert_int_equal(poller_apply(r.p, c3), 0);
	conf_free(r.conf);
	r.conf = c3;
	kvm1_polls = stat_of("kvm1")->polls; /* counted at a poll's start */
	run_until(&r, kvm2_polled_twice);
	assert_int_equal(stat_of("kvm1")->polls, kvm1_polls);
	assert_true(catalog_find(r.cat, "kvm1")->peer);
	assert_false(catalog_find(r.cat, "g2")->peer);
	assert_int_equal(catalog_find(r.cat, "db1")->state, HOST_DOWN);
	rig_stop(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_learned_physical),
	    cmocka_unit_test(test_polls_reach_ingest_and_catalog),
	    cmocka_unit_test(test_failing_target_is_down_and_backs_off),
	    cmocka_unit_test(test_host_and_sub_target_share_physical_budget),
	    cmocka_unit_test(test_removing_a_running_target_is_safe),
	    cmocka_unit_test(test_removed_target_end_frees_its_slot),
	    cmocka_unit_test(test_stop_cancels_running_polls),
	    cmocka_unit_test(test_address_less_host_is_down_never_polled),
	    cmocka_unit_test(test_shard_polls_only_its_own),
	};

	alarm(HANG_S);
	log_init(false, LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
