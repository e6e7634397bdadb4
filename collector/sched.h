/*
 * sched: when each target is polled, and how many polls may run at once.
 *
 * Pure logic over an explicit clock so tests can set time: the loop glue
 * (poller) asks sched_pop() what may start now, reports sched_done() when
 * a poll ends, and arms one timer for sched_timeout().
 *
 * - Every target has a fixed phase inside its interval, derived from a
 *   hash of its name, so polls spread evenly and stay put across restarts:
 *   a target is due at wall-clock times k*interval + phase.
 * - Schedules are absolute: the next slot is the next grid point, never
 *   "now + interval", so nothing drifts.
 * - Bounds: at most max_concurrency polls in flight, at most
 *   physical_concurrency per physical host; a target never runs twice at
 *   once.  A poll a bound holds back starts as soon as a slot frees, oldest
 *   due first, and its queue delay is recorded.
 * - Failures back off by skipping whole slots (1, 2, 4, ... intervals, at
 *   most max_backoff); a success puts the target back on every slot.
 *
 * Times: "mono" is a monotonic millisecond clock (uv_now); "wall" is epoch
 * milliseconds, used only to place the phase and to stamp samples.
 */
#ifndef DROVER_SCHED_H
#define DROVER_SCHED_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct sched;

/* Poll delays above this count as late (milliseconds). */
#define SCHED_LATE_MS 1000

struct sched_start {
	int id;		   /* target id from sched_add() */
	void *udata;	   /* as given to sched_add() */
	uint64_t due;	   /* mono ms the slot was due */
	uint64_t delay_ms; /* how long a bound held it back */
	time_t ts;	   /* sample timestamp (epoch s), see sched.c */
};

enum sched_result { SCHED_OK, SCHED_FAILED, SCHED_TIMED_OUT };

/* Counters since sched_new(); read with sched_stats(). */
struct sched_stats {
	uint64_t started;
	uint64_t done;
	uint64_t failed;
	uint64_t timed_out;
	uint64_t late;	   /* started more than SCHED_LATE_MS after due */
	uint64_t deferred; /* held back by a bound at least once */
	uint64_t skipped;  /* slots missed because a poll overran */
	uint64_t delay_ms_total;
	uint64_t delay_ms_max;
	unsigned in_flight;
};

struct sched *sched_new(unsigned max_concurrency, unsigned physical_concurrency,
    unsigned max_backoff_s);
void sched_free(struct sched *s);
/* Changes the bounds (config reload); running polls are not touched. */
void sched_set_limits(struct sched *s, unsigned max_concurrency,
    unsigned physical_concurrency, unsigned max_backoff_s);

/*
 * Adds a target.  physical names its physical host (NULL: its own);
 * interval in seconds.  Its first slot is the first grid point at or after
 * wall_ms.  Returns the target id (>= 0) or -1.
 */
int sched_add(struct sched *s, const char *name, const char *physical,
    unsigned interval_s, void *udata, uint64_t mono, int64_t wall_ms);
/* The id of the target called name, or -1. */
int sched_find(const struct sched *s, const char *name);
/* Changes a target's physical host, interval and udata (reload). */
int sched_update(struct sched *s, int id, const char *physical,
    unsigned interval_s, void *udata, uint64_t mono, int64_t wall_ms);
/*
 * Changes a target's physical host for its next polls (a guest that
 * migrated): a poll running now keeps counting against the budget it
 * started under until it ends.  sched_update, by contrast, moves a
 * running poll along (a reload says where the target always was).
 * 0 / -1.
 */
int sched_set_physical(struct sched *s, int id, const char *physical);
/* Removes a target; a running one is removed when its poll ends. */
void sched_remove(struct sched *s, int id);

/*
 * The next poll allowed to start at mono (0), or -1 when none may start.
 * Call repeatedly until -1.  The target is then running until
 * sched_done().
 */
int sched_pop(
    struct sched *s, uint64_t mono, int64_t wall_ms, struct sched_start *out);
/* A poll of target id ended at mono with result. */
void sched_done(
    struct sched *s, int id, enum sched_result result, uint64_t mono);
/* Milliseconds from mono until something is due (0 = now), -1 = never.
 * Targets already due that a bound holds back are left out: they wait for
 * sched_done().  So once sched_pop() has returned -1 at mono, this is
 * never 0: a caller arming a timer for it never spins. */
int64_t sched_timeout(const struct sched *s, uint64_t mono);
void sched_stats(const struct sched *s, struct sched_stats *out);

/* Per physical host: polls in flight now and the queue delay seen. */
struct sched_phys_stats {
	const char *name;
	unsigned in_flight;
	unsigned max_in_flight; /* the most ever in flight at once */
	uint64_t delay_ms_total;
	uint64_t deferred;
};
/* Fills out with the i-th physical host; false past the end. */
bool sched_phys(const struct sched *s, size_t i, struct sched_phys_stats *out);

/* The phase of a target inside its interval (ms), from its name. */
uint64_t sched_phase(const char *name, unsigned interval_s);
/* The target's number of consecutive failures. */
unsigned sched_failures(const struct sched *s, int id);
/* Mono ms of the target's next slot. */
uint64_t sched_next_due(const struct sched *s, int id);

#endif
