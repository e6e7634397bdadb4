/* Tests for sched, driven by a settable clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "collector/sched.h"

/* A clock whose wall time is mono + OFF (ms). */
#define OFF 1700000000000LL
#define WALL(m) ((int64_t)(m) + OFF)

static void
test_phases_spread_evenly(void **state)
{
	unsigned buckets[10] = {0};
	char name[32];
	int i;

	(void)state;
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "vm%02d.kvm%d.example.com", i % 60,
		    i / 60);
		buckets[sched_phase(name, 300) / 30000]++;
	}
	for (i = 0; i < 10; i++) {
		/* 20 expected per bucket; a clustered hash would fail */
		assert_in_range(buckets[i], 8, 34);
	}
	/* stable: the same name always gets the same phase */
	assert_int_equal(sched_phase("a.example.com", 300),
	    sched_phase("a.example.com", 300));
	assert_true(sched_phase("a", 300) < 300000);
}

static void
test_first_slot_is_on_grid_and_survives_restart(void **state)
{
	struct sched *a = sched_new(64, 2, 900);
	struct sched *b = sched_new(64, 2, 900);
	uint64_t phase = sched_phase("host1", 300);
	int ia, ib;

	(void)state;
	/* two "processes" with different monotonic bases, same wall time */
	ia = sched_add(a, "host1", NULL, 300, NULL, 5000, OFF + 123456);
	ib = sched_add(b, "host1", NULL, 300, NULL, 999000, OFF + 123456);
	assert_int_equal(
	    (sched_next_due(a, ia) - 5000 + OFF + 123456) % 300000, phase);
	assert_int_equal(
	    (sched_next_due(b, ib) - 999000 + OFF + 123456) % 300000, phase);
	assert_true(sched_next_due(a, ia) - 5000 < 300000);
	sched_free(a);
	sched_free(b);
}

static void
test_absolute_schedule_no_drift(void **state)
{
	struct sched *s = sched_new(64, 2, 900);
	struct sched_start st;
	uint64_t now = 0, first = 0;
	int id, n;

	(void)state;
	id = sched_add(s, "h", NULL, 60, NULL, now, WALL(now));
	for (n = 0; n < 50; n++) {
		now += (uint64_t)sched_timeout(s, now);
		assert_int_equal(sched_pop(s, now, WALL(now), &st), id);
		if (n == 0)
			first = st.due;
		/* slot n is exactly n intervals after the first */
		assert_int_equal(st.due, first + (uint64_t)n * 60000);
		/* snapped to the interval grid */
		assert_int_equal(st.ts % 60, 0);
		assert_int_equal(sched_pop(s, now, WALL(now), &st), -1);
		/* polls of varying length never shift later slots */
		now += 1000 + (uint64_t)(n * 7919) % 20000;
		sched_done(s, id, SCHED_OK, now);
	}
	sched_free(s);
}

static void
test_never_twice_at_once(void **state)
{
	struct sched *s = sched_new(64, 2, 900);
	struct sched_start st;
	struct sched_stats ss;
	uint64_t now = 0;
	int id;

	(void)state;
	id = sched_add(s, "slow", NULL, 10, NULL, now, WALL(now));
	now += (uint64_t)sched_timeout(s, now);
	assert_int_equal(sched_pop(s, now, WALL(now), &st), id);
	/* the poll overruns three slots */
	now += 35000;
	assert_int_equal(sched_pop(s, now, WALL(now), &st), -1);
	assert_int_equal(sched_timeout(s, now), -1);
	sched_done(s, id, SCHED_OK, now);
	sched_stats(s, &ss);
	assert_int_equal(ss.skipped, 3);
	/* back on its grid, in the future */
	assert_true(sched_next_due(s, id) > now);
	assert_int_equal(
	    (sched_next_due(s, id) + OFF) % 10000, sched_phase("slow", 10));
	sched_free(s);
}

static void
test_backoff_and_recovery(void **state)
{
	struct sched *s = sched_new(64, 2, 40);
	struct sched_start st;
	uint64_t now = 0, due;
	uint64_t gaps[6];
	int id, i;

	(void)state;
	id = sched_add(s, "down", NULL, 10, NULL, now, WALL(now));
	now += (uint64_t)sched_timeout(s, now);
	for (i = 0; i < 6; i++) {
		due = sched_next_due(s, id);
		now = due;
		assert_int_equal(sched_pop(s, now, WALL(now), &st), id);
		now += 100;
		sched_done(s, id, SCHED_FAILED, now);
		gaps[i] = sched_next_due(s, id) - due;
	}
	/* 1, 2, 4 slots, then capped at 40 s = 4 slots */
	assert_int_equal(gaps[0], 10000);
	assert_int_equal(gaps[1], 20000);
	assert_int_equal(gaps[2], 40000);
	assert_int_equal(gaps[3], 40000);
	assert_int_equal(gaps[5], 40000);
	assert_int_equal(sched_failures(s, id), 6);
	/* it recovers: the very next slot is used again */
	now = sched_next_due(s, id);
	assert_int_equal(sched_pop(s, now, WALL(now), &st), id);
	due = st.due;
	sched_done(s, id, SCHED_OK, now + 100);
	assert_int_equal(sched_failures(s, id), 0);
	assert_int_equal(sched_next_due(s, id), due + 10000);
	sched_free(s);
}

/*
 * 18 guests on 2 physical hosts plus the 2 hypervisors, each poll taking
 * 2-4 s, physical_concurrency 2: no physical host ever runs more than 2,
 * every target is polled in every interval, and the held-back polls are
 * counted with their delay.
 */
static void
test_cluster_bounds(void **state)
{
	struct sched *s = sched_new(64, 2, 900);
	struct sched_start st;
	struct sched_phys_stats ps;
	struct sched_stats ss;
	uint64_t now = 0, end_at[20] = {0};
	unsigned polls[20] = {0};
	char name[32];
	int i, id, running = 0;
	size_t p;

	(void)state;
	for (i = 0; i < 20; i++) {
		if (i < 2)
			snprintf(name, sizeof(name), "kvm%d", i);
		else
			snprintf(name, sizeof(name), "vm%02d", i);
		assert_int_equal(
		    sched_add(s, name, i < 2 ? name : (i % 2 ? "kvm1" : "kvm0"),
			30, NULL, now, WALL(now)),
		    i);
	}
	/* ten 2-4 s polls per physical host in a 30 s interval contend */
	while (now < 30 * 60000) {
		int64_t to = sched_timeout(s, now);
		uint64_t next = to < 0 ? UINT64_MAX : now + (uint64_t)to;

		for (i = 0; i < 20; i++)
			if (end_at[i] != 0 && end_at[i] < next)
				next = end_at[i];
		now = next;
		for (i = 0; i < 20; i++) {
			if (end_at[i] != 0 && end_at[i] <= now) {
				sched_done(s, i, SCHED_OK, now);
				end_at[i] = 0;
				running--;
			}
		}
		while ((id = sched_pop(s, now, WALL(now), &st)) != -1) {
			assert_int_equal(end_at[id], 0);
			end_at[id] = now + 2000 + (uint64_t)id * 100;
			polls[id]++;
			running++;
		}
		for (p = 0; sched_phys(s, p, &ps); p++)
			assert_true(ps.in_flight <= 2);
	}
	for (p = 0; sched_phys(s, p, &ps); p++)
		assert_true(ps.max_in_flight <= 2);
	for (i = 0; i < 20; i++)
		assert_in_range(polls[i], 59, 61);
	sched_stats(s, &ss);
	assert_int_equal(ss.skipped, 0);
	/* the bound really held polls back */
	assert_true(ss.deferred > 0);
	assert_int_equal(running, 0 + (int)ss.in_flight);
	sched_free(s);
}

static void
test_global_bound_and_delay(void **state)
{
	struct sched *s = sched_new(1, 5, 900);
	struct sched_start st, st2;
	struct sched_stats ss;
	uint64_t now = 0;
	int a, b;

	(void)state;
	a = sched_add(s, "a", NULL, 10, NULL, now, WALL(now));
	b = sched_add(s, "b", NULL, 10, NULL, now, WALL(now));
	assert_true(a >= 0 && b >= 0);
	/* run until both have been due */
	now += 10000;
	assert_true(sched_pop(s, now, WALL(now), &st) >= 0);
	assert_int_equal(sched_pop(s, now, WALL(now), &st2), -1);
	now += 2500;
	sched_done(s, st.id, SCHED_OK, now);
	assert_true(sched_pop(s, now, WALL(now), &st2) >= 0);
	assert_int_not_equal(st.id, st2.id);
	assert_int_equal(st2.delay_ms, now - st2.due);
	sched_stats(s, &ss);
	assert_int_equal(ss.deferred, 1);
	assert_int_equal(ss.delay_ms_max, st2.delay_ms);
	sched_free(s);
}

/* A target falling due while max_concurrency polls run waits for
 * sched_done, not for a 0 ms timer: one re-armed itself forever inside
 * libuv's timer phase and starved the running polls. */
static void
test_due_at_global_bound_arms_no_timer(void **state)
{
	struct sched *s = sched_new(1, 5, 900);
	struct sched_start st;
	uint64_t now = 0;
	int a, c;

	(void)state;
	a = sched_add(s, "a", NULL, 10, NULL, now, WALL(now));
	now += (uint64_t)sched_timeout(s, now);
	assert_int_equal(sched_pop(s, now, WALL(now), &st), a);
	c = sched_add(s, "c", NULL, 10, NULL, now, WALL(now));
	now += 10000; /* c is due, a still runs */
	assert_int_equal(sched_pop(s, now, WALL(now), &st), -1);
	assert_int_equal(sched_timeout(s, now), -1);
	sched_done(s, a, SCHED_OK, now);
	assert_int_equal(sched_pop(s, now, WALL(now), &st), c);
	sched_free(s);
}

/* Pops every poll allowed at now into ids (at most n); returns how many. */
static int
drain(struct sched *s, uint64_t now, int *ids, int n)
{
	struct sched_start st;
	int k = 0, id;

	while ((id = sched_pop(s, now, WALL(now), &st)) != -1) {
		assert_true(k < n);
		ids[k++] = id;
	}
	return k;
}

/* The waiting targets in the order they must start: oldest due first. */
static void
sort_by_due(const struct sched *s, int *ids, int n)
{
	int i, j, t;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && sched_next_due(s, ids[j - 1]) >
					 sched_next_due(s, ids[j]);
		     j--) {
			t = ids[j];
			ids[j] = ids[j - 1];
			ids[j - 1] = t;
		}
}

/* The earliest slot after now among ids, UINT64_MAX when none. */
static uint64_t
next_slot(const struct sched *s, const int *ids, int n, uint64_t now)
{
	uint64_t best = UINT64_MAX, d;
	int i;

	for (i = 0; i < n; i++) {
		d = sched_next_due(s, ids[i]);
		if (d > now && d < best)
			best = d;
	}
	return best;
}

/* sched_timeout at now wakes exactly for want (UINT64_MAX: never). */
static void
assert_wakes_at(const struct sched *s, uint64_t now, uint64_t want)
{
	int64_t to = sched_timeout(s, now);

	assert_int_not_equal(to, 0);
	if (want == UINT64_MAX)
		assert_int_equal(to, -1);
	else
		assert_int_equal(now + (uint64_t)to, want);
}

/*
 * Six targets, max_concurrency 2: the two due first take both slots and
 * hang for three intervals while the other four fall due.  Nothing more
 * starts, and the scheduler never answers "due now": it wakes only for a
 * slot still to come (the poller re-armed a 0 ms timer from its own
 * callback on "due now", and libuv ran it forever without I/O).  As the
 * hung polls time out, the four waiting start oldest due first, each
 * once, with their queue delay, before either hung one (backing off)
 * runs again.
 */
static void
test_global_cap_all_hung(void **state)
{
	struct sched *s = sched_new(2, 5, 900);
	struct sched_stats ss;
	char name[8];
	uint64_t now = 0;
	int all[6], got[2], *hung = all, *wait = all + 2, i, k;

	(void)state;
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		all[i] = sched_add(s, name, NULL, 10, NULL, now, WALL(now));
		assert_int_equal(all[i], i);
	}
	sort_by_due(s, all, 6);
	assert_true(sched_next_due(s, all[1]) < sched_next_due(s, all[2]));
	now = sched_next_due(s, all[1]); /* the first two are due */
	assert_int_equal(drain(s, now, got, 2), 2);
	assert_int_equal(got[0], hung[0]);
	assert_int_equal(got[1], hung[1]);
	for (k = 0; k < 30; k++) {
		assert_wakes_at(s, now, next_slot(s, wait, 4, now));
		now += 1000;
		assert_int_equal(drain(s, now, got, 2), 0);
	}
	/* all four are due now: nothing to wake for but a poll's end */
	assert_wakes_at(s, now, UINT64_MAX);
	/* the idle timeouts end the hung polls one by one */
	sched_done(s, hung[0], SCHED_TIMED_OUT, now);
	assert_int_equal(drain(s, now, got, 2), 1);
	assert_int_equal(got[0], wait[0]);
	assert_int_not_equal(sched_timeout(s, now), 0);
	now += 500;
	sched_done(s, hung[1], SCHED_TIMED_OUT, now);
	assert_int_equal(drain(s, now, got, 2), 1);
	assert_int_equal(got[0], wait[1]);
	assert_int_not_equal(sched_timeout(s, now), 0);
	/* the hung ones back off into the future, behind the waiting */
	assert_true(sched_next_due(s, hung[0]) > now);
	assert_true(sched_next_due(s, hung[1]) > now);
	now += 200;
	sched_done(s, wait[0], SCHED_OK, now);
	sched_done(s, wait[1], SCHED_OK, now);
	assert_int_equal(drain(s, now, got, 2), 2);
	assert_int_equal(got[0], wait[2]);
	assert_int_equal(got[1], wait[3]);
	assert_int_not_equal(sched_timeout(s, now), 0);
	sched_stats(s, &ss);
	assert_int_equal(ss.started, 6);
	assert_int_equal(ss.timed_out, 2);
	assert_int_equal(ss.deferred, 4);
	assert_true(ss.delay_ms_max >= 20000);
	sched_free(s);
}

/*
 * The same on one physical host: physical_concurrency 2, the two guests
 * of hv due first take its slots and hang for three intervals while its
 * three others fall due.  No guest of hv starts, the scheduler never
 * answers "due now", a target on another physical host keeps every slot,
 * and hv's guests start oldest due first as its slots free.
 */
static void
test_physical_cap_all_hung(void **state)
{
	struct sched *s = sched_new(64, 2, 900);
	struct sched_start st;
	char name[8];
	uint64_t now = 0, other_end = 0, next_due, want;
	int g[5], *hung = g, *wait = g + 2, other, id, i, k, nh = 0;
	unsigned polls = 0;

	(void)state;
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		g[i] = sched_add(s, name, "hv", 10, NULL, now, WALL(now));
		assert_int_equal(g[i], i);
	}
	other = sched_add(s, "other", NULL, 10, NULL, now, WALL(now));
	sort_by_due(s, g, 5);
	assert_true(sched_next_due(s, g[1]) < sched_next_due(s, g[2]));
	now = sched_next_due(s, g[1]);
	next_due = sched_next_due(s, other);
	for (k = 0; k <= 60; k++) {
		if (other_end != 0 && other_end <= now) {
			sched_done(s, other, SCHED_OK, now);
			other_end = 0;
			next_due = sched_next_due(s, other);
		}
		while ((id = sched_pop(s, now, WALL(now), &st)) != -1) {
			if (k == 0 && id != other) {
				assert_true(nh < 2);
				assert_int_equal(id, hung[nh++]);
				continue;
			}
			/* only the other physical host's target may start,
			 * in its next slot (this loop steps by 500 ms) */
			assert_int_equal(id, other);
			assert_int_equal(st.due, next_due);
			if (polls > 0)
				assert_true(st.delay_ms < 500);
			other_end = now + 100;
			polls++;
		}
		assert_int_equal(nh, 2);
		want = next_slot(s, wait, 3, now);
		if (other_end == 0 && next_due < want)
			want = next_due;
		assert_wakes_at(s, now, want);
		now += 500;
	}
	/* 30 s: three or four slots */
	assert_in_range(polls, 3, 4);
	if (other_end != 0)
		sched_done(s, other, SCHED_OK, now);
	sched_remove(s, other);
	sched_done(s, hung[1], SCHED_TIMED_OUT, now);
	assert_int_equal(sched_pop(s, now, WALL(now), &st), wait[0]);
	assert_int_equal(sched_pop(s, now, WALL(now), &st), -1);
	assert_int_not_equal(sched_timeout(s, now), 0);
	sched_done(s, hung[0], SCHED_TIMED_OUT, now);
	assert_int_equal(sched_pop(s, now, WALL(now), &st), wait[1]);
	sched_done(s, wait[0], SCHED_OK, now);
	assert_int_equal(sched_pop(s, now, WALL(now), &st), wait[2]);
	assert_int_equal(sched_pop(s, now, WALL(now), &st), -1);
	assert_int_not_equal(sched_timeout(s, now), 0);
	sched_free(s);
}

/*
 * A mixed cluster for six hours under both caps: 24 targets on 4
 * physical hosts, max_concurrency 3, physical_concurrency 2; every sixth
 * poll hangs for 25 s and times out, every sixth fails at once, the rest
 * take 0.2-0.9 s.  Whenever the scheduler has been drained, it never
 * answers "due now", never "nothing to wake for" with nothing running
 * (which would stall the loop), the caps hold, and every target keeps
 * being polled: a healthy one in nearly every slot (it loses a few
 * while hung polls hold a cap), a hung one after its backoff.
 */
static void
test_mixed_cluster_never_due_now(void **state)
{
	struct sched *s = sched_new(3, 2, 300);
	struct sched_start st;
	struct sched_stats ss;
	struct sched_phys_stats ps;
	uint64_t now = 0, next, end_at[24] = {0};
	unsigned polls[24] = {0}, running = 0;
	char name[16], phys[8];
	int64_t to;
	int i, id;
	size_t p;

	(void)state;
	for (i = 0; i < 24; i++) {
		snprintf(name, sizeof(name), "vm%02d", i);
		snprintf(phys, sizeof(phys), "hv%d", i % 4);
		assert_int_equal(
		    sched_add(s, name, phys, 10, NULL, now, WALL(now)), i);
	}
	while (now < 6 * 3600000) {
		while ((id = sched_pop(s, now, WALL(now), &st)) != -1) {
			assert_int_equal(end_at[id], 0);
			end_at[id] =
			    now + (id % 6 == 0	    ? 25000
				      : id % 6 == 1 ? 1
						    : 200 + (uint64_t)id * 30);
			polls[id]++;
			running++;
		}
		assert_true(running <= 3);
		for (p = 0; sched_phys(s, p, &ps); p++)
			assert_true(ps.in_flight <= 2);
		to = sched_timeout(s, now);
		assert_int_not_equal(to, 0);
		assert_true(to > 0 || running > 0);
		next = to < 0 ? UINT64_MAX : now + (uint64_t)to;
		for (i = 0; i < 24; i++)
			if (end_at[i] != 0 && end_at[i] < next)
				next = end_at[i];
		assert_true(next != UINT64_MAX);
		now = next;
		for (i = 0; i < 24; i++) {
			if (end_at[i] == 0 || end_at[i] > now)
				continue;
			sched_done(s, i,
			    i % 6 == 0	 ? SCHED_TIMED_OUT
			    : i % 6 == 1 ? SCHED_FAILED
					 : SCHED_OK,
			    now);
			end_at[i] = 0;
			running--;
		}
	}
	/* 2160 slots in six hours; the backoff caps at 300 s = 30 slots */
	for (i = 0; i < 24; i++) {
		if (i % 6 == 0 || i % 6 == 1)
			assert_in_range(polls[i], 2160 / 31, 2160 / 29 + 5);
		else
			assert_in_range(polls[i], 2000, 2161);
	}
	sched_stats(s, &ss);
	assert_true(ss.deferred > 0);
	sched_free(s);
}

static void
test_timestamps_unique_and_late_unsnapped(void **state)
{
	struct sched *s = sched_new(64, 1, 900);
	struct sched_start st;
	uint64_t now = 0;
	int id;

	(void)state;
	id = sched_add(s, "t", NULL, 300, NULL, now, WALL(now));
	now += (uint64_t)sched_timeout(s, now);
	assert_int_equal(sched_pop(s, now, WALL(now), &st), id);
	assert_int_equal(st.ts % 300, 0);
	assert_true(WALL(now) / 1000 - st.ts < 300);
	sched_done(s, id, SCHED_OK, now + 10);
	/* a config reload re-places it inside the same interval */
	sched_update(s, id, NULL, 60, NULL, now + 20, WALL(now + 20));
	sched_update(s, id, NULL, 300, NULL, now + 30, WALL(now + 30));
	now += (uint64_t)sched_timeout(s, now);
	assert_int_equal(sched_pop(s, now, WALL(now), &st), id);
	sched_free(s);
}

static void
test_remove_running(void **state)
{
	struct sched *s = sched_new(64, 2, 900);
	struct sched_start st;
	uint64_t now = 0;
	int id;

	(void)state;
	id = sched_add(s, "gone", "p", 10, NULL, now, WALL(now));
	now += (uint64_t)sched_timeout(s, now);
	assert_int_equal(sched_pop(s, now, WALL(now), &st), id);
	sched_remove(s, id);
	assert_int_equal(sched_find(s, "gone"), -1);
	sched_done(s, id, SCHED_OK, now + 5);
	assert_int_equal(sched_timeout(s, now), -1);
	/* the slot is reused */
	assert_int_equal(
	    sched_add(s, "new", NULL, 10, NULL, now, WALL(now)), id);
	sched_free(s);
}

/* A guest that migrates: its running poll stays on the old budget, its
 * next polls count against the new one. */
static void
test_set_physical_running_stays(void **state)
{
	struct sched *s = sched_new(64, 1, 900);
	struct sched_start st;
	struct sched_phys_stats ps;
	uint64_t now = 0;
	int g, h, first, id;
	size_t i;
	unsigned kvm1 = 0, kvm2 = 0;

	(void)state;
	g = sched_add(s, "g", "kvm1", 10, NULL, now, WALL(now));
	h = sched_add(s, "h", "kvm1", 10, NULL, now, WALL(now));
	now = 10000; /* both due */
	first = sched_pop(s, now, WALL(now), &st);
	assert_true(first == g || first == h);
	assert_int_equal(sched_pop(s, now, WALL(now), &st), -1);
	/* the running one moves: the other still waits for kvm1 */
	assert_int_equal(sched_set_physical(s, first, "kvm2"), 0);
	assert_int_equal(sched_pop(s, now, WALL(now), &st), -1);
	sched_done(s, first, SCHED_OK, now + 100);
	id = sched_pop(s, now + 100, WALL(now + 100), &st);
	assert_int_equal(id, first == g ? h : g);
	/* the moved one's next slot starts beside it, on kvm2 */
	now = 20000;
	assert_int_equal(sched_pop(s, now, WALL(now), &st), first);
	for (i = 0; sched_phys(s, i, &ps); i++) {
		if (strcmp(ps.name, "kvm1") == 0)
			kvm1 = ps.in_flight;
		if (strcmp(ps.name, "kvm2") == 0)
			kvm2 = ps.in_flight;
	}
	assert_int_equal(kvm1, 1);
	assert_int_equal(kvm2, 1);
	sched_done(s, first, SCHED_OK, now + 10);
	sched_done(s, id, SCHED_OK, now + 10);
	for (i = 0; sched_phys(s, i, &ps); i++)
		assert_int_equal(ps.in_flight, 0);
	sched_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_phases_spread_evenly),
	    cmocka_unit_test(test_first_slot_is_on_grid_and_survives_restart),
	    cmocka_unit_test(test_absolute_schedule_no_drift),
	    cmocka_unit_test(test_never_twice_at_once),
	    cmocka_unit_test(test_backoff_and_recovery),
	    cmocka_unit_test(test_cluster_bounds),
	    cmocka_unit_test(test_global_bound_and_delay),
	    cmocka_unit_test(test_due_at_global_bound_arms_no_timer),
	    cmocka_unit_test(test_global_cap_all_hung),
	    cmocka_unit_test(test_physical_cap_all_hung),
	    cmocka_unit_test(test_mixed_cluster_never_due_now),
	    cmocka_unit_test(test_timestamps_unique_and_late_unsnapped),
	    cmocka_unit_test(test_remove_running),
	    cmocka_unit_test(test_set_physical_running_stays),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
