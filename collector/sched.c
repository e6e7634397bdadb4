/*
 * sched: phase-spread, absolute, bounded scheduling of polls.
 *
 * Targets live in an array indexed by id; physical hosts in another.
 * sched_pop() and sched_timeout() scan all targets: O(targets) per call,
 * which is nothing next to a network poll for the few thousand targets a
 * drover serves.  A heap keyed by due time would make them O(log n) at the
 * price of keeping held-back targets in a second structure; not worth it
 * yet.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/log.h"
#include "collector/sched.h"

enum tstate { T_FREE, T_IDLE, T_READY, T_RUNNING };

struct target {
	char *name;
	int phys;	   /* index into sched.phys */
	int run_phys;	   /* the budget the running poll counts against */
	unsigned interval; /* seconds */
	void *udata;
	enum tstate state;
	bool removed;	  /* free it when the running poll ends */
	bool held;	  /* a bound held it back this slot */
	uint64_t due;	  /* mono ms of the pending slot */
	int64_t wall_off; /* wall ms - mono ms when placed */
	unsigned fails;	  /* consecutive failed polls */
	time_t last_ts;	  /* last sample timestamp handed out */
};

struct phys {
	char *name;
	unsigned in_flight;
	unsigned max_in_flight;
	uint64_t delay_ms_total;
	uint64_t deferred;
};

struct sched {
	struct target *t;
	size_t nt, tcap;
	struct phys *p;
	size_t np, pcap;
	unsigned max_conc;
	unsigned phys_conc;
	unsigned max_backoff; /* seconds */
	struct sched_stats st;
};

/* FNV-1a, 64 bit: stable across runs and builds, spreads short names. */
static uint64_t
hash_name(const char *s)
{
	uint64_t h = hash_str(HASH_INIT, s);

	/* fold the high bits in: short names differ mostly in low bits */
	return h ^ (h >> 29);
}

uint64_t
sched_phase(const char *name, unsigned interval_s)
{
	return hash_name(name) % ((uint64_t)interval_s * 1000);
}

struct sched *
sched_new(unsigned max_concurrency, unsigned physical_concurrency,
    unsigned max_backoff_s)
{
	struct sched *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	sched_set_limits(
	    s, max_concurrency, physical_concurrency, max_backoff_s);
	return s;
}

void
sched_set_limits(struct sched *s, unsigned max_concurrency,
    unsigned physical_concurrency, unsigned max_backoff_s)
{
	s->max_conc = max_concurrency ? max_concurrency : 1;
	s->phys_conc = physical_concurrency ? physical_concurrency : 1;
	s->max_backoff = max_backoff_s;
}

void
sched_free(struct sched *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nt; i++)
		free(s->t[i].name);
	for (i = 0; i < s->np; i++)
		free(s->p[i].name);
	free(s->t);
	free(s->p);
	free(s);
}

static int
phys_get(struct sched *s, const char *name)
{
	struct phys *np;
	size_t i;

	for (i = 0; i < s->np; i++)
		if (strcmp(s->p[i].name, name) == 0)
			return (int)i;
	if (s->np == s->pcap) {
		np = realloc(s->p, (s->pcap ? s->pcap * 2 : 16) * sizeof(*np));
		if (np == NULL)
			return -1;
		s->p = np;
		s->pcap = s->pcap ? s->pcap * 2 : 16;
	}
	memset(&s->p[s->np], 0, sizeof(s->p[0]));
	s->p[s->np].name = strdup(name);
	if (s->p[s->np].name == NULL)
		return -1;
	return (int)s->np++;
}

/* Puts t on the first slot of its grid at or after wall_ms. */
static void
place(struct target *t, uint64_t mono, int64_t wall_ms)
{
	int64_t ims = (int64_t)t->interval * 1000;
	int64_t phase = (int64_t)sched_phase(t->name, t->interval);
	int64_t k, slot;

	k = (wall_ms - phase + ims - 1) / ims;
	slot = k * ims + phase;
	t->wall_off = wall_ms - (int64_t)mono;
	t->due = mono + (uint64_t)(slot - wall_ms);
}

int
sched_find(const struct sched *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nt; i++)
		if (s->t[i].state != T_FREE && !s->t[i].removed &&
		    strcmp(s->t[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
sched_add(struct sched *s, const char *name, const char *physical,
    unsigned interval_s, void *udata, uint64_t mono, int64_t wall_ms)
{
	struct target *t, *nt;
	size_t i;
	int p;

	if (interval_s == 0 || sched_find(s, name) != -1)
		return -1;
	p = phys_get(s, physical != NULL ? physical : name);
	if (p == -1)
		return -1;
	for (i = 0; i < s->nt; i++)
		if (s->t[i].state == T_FREE)
			break;
	if (i == s->nt) {
		if (s->nt == s->tcap) {
			nt = realloc(
			    s->t, (s->tcap ? s->tcap * 2 : 16) * sizeof(*nt));
			if (nt == NULL)
				return -1;
			s->t = nt;
			s->tcap = s->tcap ? s->tcap * 2 : 16;
		}
		s->nt++;
	}
	t = &s->t[i];
	memset(t, 0, sizeof(*t));
	t->name = strdup(name);
	if (t->name == NULL) {
		t->state = T_FREE;
		return -1;
	}
	t->phys = p;
	t->interval = interval_s;
	t->udata = udata;
	t->state = T_IDLE;
	place(t, mono, wall_ms);
	return (int)i;
}

int
sched_update(struct sched *s, int id, const char *physical, unsigned interval_s,
    void *udata, uint64_t mono, int64_t wall_ms)
{
	struct target *t = &s->t[id];
	int p;

	if (interval_s == 0)
		return -1;
	p = phys_get(s, physical != NULL ? physical : t->name);
	if (p == -1)
		return -1;
	if (t->state == T_RUNNING && p != t->run_phys) {
		/* move the running poll's budget along with it */
		s->p[t->run_phys].in_flight--;
		s->p[p].in_flight++;
		t->run_phys = p;
	}
	t->phys = p;
	t->udata = udata;
	if (interval_s != t->interval) {
		t->interval = interval_s;
		if (t->state != T_RUNNING) {
			t->state = T_IDLE;
			place(t, mono, wall_ms);
		}
	}
	return 0;
}

int
sched_set_physical(struct sched *s, int id, const char *physical)
{
	struct target *t = &s->t[id];
	int p = phys_get(s, physical != NULL ? physical : t->name);

	if (p == -1)
		return -1;
	t->phys = p;
	return 0;
}

static void
target_release(struct target *t)
{
	free(t->name);
	memset(t, 0, sizeof(*t));
	t->state = T_FREE;
}

void
sched_remove(struct sched *s, int id)
{
	struct target *t = &s->t[id];

	if (t->state == T_RUNNING)
		t->removed = true;
	else
		target_release(t);
}

int
sched_pop(
    struct sched *s, uint64_t mono, int64_t wall_ms, struct sched_start *out)
{
	struct target *t, *best = NULL;
	int64_t ims, slot_wall, k;
	size_t i;

	if (s->st.in_flight >= s->max_conc) {
		for (i = 0; i < s->nt; i++)
			if (s->t[i].state != T_FREE && !s->t[i].removed &&
			    s->t[i].state != T_RUNNING && s->t[i].due <= mono)
				s->t[i].held = true;
		return -1;
	}
	for (i = 0; i < s->nt; i++) {
		t = &s->t[i];
		if (t->state == T_IDLE && t->due <= mono)
			t->state = T_READY;
		if (t->state != T_READY)
			continue;
		if (s->p[t->phys].in_flight >= s->phys_conc) {
			t->held = true;
			continue;
		}
		if (best == NULL || t->due < best->due)
			best = t;
	}
	if (best == NULL)
		return -1;
	t = best;
	t->state = T_RUNNING;
	t->run_phys = t->phys;
	s->st.in_flight++;
	s->p[t->phys].in_flight++;
	if (s->p[t->phys].in_flight > s->p[t->phys].max_in_flight)
		s->p[t->phys].max_in_flight = s->p[t->phys].in_flight;
	out->id = (int)(t - s->t);
	out->udata = t->udata;
	out->due = t->due;
	out->delay_ms = mono - t->due;
	s->st.started++;
	if (out->delay_ms > SCHED_LATE_MS)
		s->st.late++;
	if (t->held) {
		s->st.deferred++;
		s->p[t->phys].deferred++;
		s->p[t->phys].delay_ms_total += out->delay_ms;
		s->st.delay_ms_total += out->delay_ms;
		if (out->delay_ms > s->st.delay_ms_max)
			s->st.delay_ms_max = out->delay_ms;
		t->held = false;
	}
	/*
	 * The sample timestamp: the start of the interval the slot lies in,
	 * so one poll per interval lands on one RRD step; a poll that only
	 * started after that interval ended keeps its real time.  Never the
	 * same or an earlier stamp than the last one of this target.
	 */
	ims = (int64_t)t->interval * 1000;
	slot_wall = (int64_t)t->due + t->wall_off;
	k = slot_wall >= 0 ? slot_wall / ims : 0;
	if (wall_ms < (k + 1) * ims)
		out->ts = (time_t)(k * ims / 1000);
	else
		out->ts = (time_t)(wall_ms / 1000);
	if (out->ts <= t->last_ts)
		out->ts = t->last_ts + 1;
	t->last_ts = out->ts;
	return out->id;
}

void
sched_done(struct sched *s, int id, enum sched_result result, uint64_t mono)
{
	struct target *t = &s->t[id];
	uint64_t ims = (uint64_t)t->interval * 1000, skip = 1, cap;

	if (t->state != T_RUNNING)
		return;
	s->st.in_flight--;
	s->p[t->run_phys].in_flight--;
	s->st.done++;
	if (result == SCHED_TIMED_OUT)
		s->st.timed_out++;
	if (result != SCHED_OK) {
		s->st.failed += result == SCHED_FAILED;
		t->fails++;
		/* skip 1, 2, 4, ... slots, at most max_backoff seconds */
		cap = s->max_backoff / t->interval;
		if (cap < 1)
			cap = 1;
		skip = t->fails >= 16 ? cap : (uint64_t)1 << (t->fails - 1);
		if (skip > cap)
			skip = cap;
	} else
		t->fails = 0;
	if (t->removed) {
		target_release(t);
		return;
	}
	t->state = T_IDLE;
	t->due += ims * skip;
	while (t->due <= mono) {
		t->due += ims;
		s->st.skipped++;
	}
}

int64_t
sched_timeout(const struct sched *s, uint64_t mono)
{
	bool full = s->st.in_flight >= s->max_conc;
	int64_t best = -1, d;
	size_t i;

	for (i = 0; i < s->nt; i++) {
		if (s->t[i].state != T_IDLE)
			continue;
		/*
		 * At max_concurrency a due target waits for a poll to end
		 * (sched_done, then the caller pops again), not for a timer:
		 * a 0 ms timer here re-armed itself forever inside libuv's
		 * timer phase and starved the polls it waited for.
		 */
		if (full && s->t[i].due <= mono)
			continue;
		d = s->t[i].due > mono ? (int64_t)(s->t[i].due - mono) : 0;
		if (best == -1 || d < best)
			best = d;
	}
	return best;
}

void
sched_stats(const struct sched *s, struct sched_stats *out)
{
	*out = s->st;
}

bool
sched_phys(const struct sched *s, size_t i, struct sched_phys_stats *out)
{
	if (i >= s->np)
		return false;
	out->name = s->p[i].name;
	out->in_flight = s->p[i].in_flight;
	out->max_in_flight = s->p[i].max_in_flight;
	out->delay_ms_total = s->p[i].delay_ms_total;
	out->deferred = s->p[i].deferred;
	return true;
}

unsigned
sched_failures(const struct sched *s, int id)
{
	return s->t[id].fails;
}

uint64_t
sched_next_due(const struct sched *s, int id)
{
	return s->t[id].due;
}
