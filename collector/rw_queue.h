/*
 * rw_queue: the bounded, ordered queue of remote-write request bodies
 * waiting for the engine, kept on disk so that an outage of the engine
 * or a restart of drover loses none of them.
 *
 * Bodies are held in memory and each is also written to a segment file
 * DIR/<seq, 16 hex digits>.rw (a small header, then the body) by the
 * queue's own writer thread, so the loop never waits for the disk; the
 * thread performs writes and removals in the order they were asked for.
 * A body the engine took (or refused for good) is removed from both.
 * rw_queue_new reads the segments a previous run left, oldest first.
 *
 * Bounded by the bytes of its bodies: a push that would pass the bound
 * drops the oldest bodies first (never the one being sent), counting
 * their samples as dropped and logging it.  A segment that cannot be
 * written (full disk) leaves its body in memory only, counted as a disk
 * error.  Memory and disk hold the same bodies, so memory is bounded by
 * the same figure.  The struct is the loop thread's; the writer thread
 * touches only its own job list.
 */
#ifndef DROVER_RW_QUEUE_H
#define DROVER_RW_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rw_queue;

/* One queued request body. */
struct rw_item {
	char *data;	/* the body, as sent (snappy of a WriteRequest) */
	size_t len;	/* bytes of data */
	size_t samples; /* samples it carries */
	uint64_t seq;	/* its place in the order (and its file name) */
};

struct rw_queue_stats {
	size_t items;		  /* bodies queued */
	uint64_t bytes;		  /* their bytes */
	uint64_t samples;	  /* their samples */
	uint64_t dropped_samples; /* dropped because the bound was reached */
	uint64_t disk_errors;	  /* segments that could not be written or
				     read */
};

/*
 * A queue bounded at max_bytes, its segments in dir (made if missing;
 * NULL: memory only), holding what dir already has.  NULL (logged) when
 * dir cannot be made or read, or on ENOMEM.
 */
struct rw_queue *rw_queue_new(const char *dir, uint64_t max_bytes);
/*
 * Appends a body of len bytes and samples samples; takes ownership of
 * data (freed at once when it alone passes the bound).  0 / -1 ENOMEM
 * (data is freed, its samples counted dropped).
 */
int rw_queue_push(struct rw_queue *q, char *data, size_t len, size_t samples);
/* Copies the oldest body's item to *out and holds it until
 * rw_queue_release (the bound skips it; out->data stays valid until
 * then); false when empty.  One at a time. */
bool rw_queue_hold(struct rw_queue *q, struct rw_item *out);
/* Ends the hold: remove drops the body (sent, or refused for good),
 * else it stays first to be tried again. */
void rw_queue_release(struct rw_queue *q, bool remove);
void rw_queue_stats(const struct rw_queue *q, struct rw_queue_stats *out);
/* Waits for the writer thread to finish what it was asked, then frees
 * q: queued bodies stay on disk for the next run. */
void rw_queue_free(struct rw_queue *q);

#endif
