/*
 * page_queue: the durable queue of page items, in arrival order.
 *
 * Each item is one state change for one (contact, channel) and is backed
 * by one spool file (spool.h) named "CREATED-PID-SEQ.page", holding
 * {"v": 1, "contact", "channel", "created", "item": notify_item_json}.
 * An item is written to the spool before it is queued in memory and
 * removed from both only by page_queue_drop.  page_queue_load resumes the
 * items a previous run left behind and quarantines files that are not
 * items (spool_quarantine).  The scheduler (notify.c) reads and sets the
 * items' fields directly.
 *
 * Bursts: the first item of a (contact, channel, host) is due at once and
 * opens that key's burst window of window_ms; items arriving inside it
 * are due at its end and go out there as one page; after it, the next
 * item is again due at once.  The windows live in memory only (a restart
 * forgets them: at worst one more page goes out at once).  Calls block on the
 * spool's small fsync'd writes; loop thread only.
 */
#ifndef DROVER_PAGE_QUEUE_H
#define DROVER_PAGE_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "alerts/notify_fmt.h"

enum page_channel { CH_WEBHOOK, CH_EMAIL };

/* "webhook", "email". */
const char *page_channel_str(enum page_channel ch);

/* One queued item: a spool file and its in-memory copy. */
struct qitem {
	char *file; /* spool name; NULL when it could not be written */
	char *contact;
	enum page_channel channel;
	time_t created;	 /* epoch s it was queued (expiry counts from it) */
	uint64_t due_ms; /* loop time of the next attempt */
	unsigned failures;
	bool busy;    /* in a page in flight */
	bool waiting; /* never attempted */
	struct notify_item it;
};

/* The open burst window of one (contact, channel, host). */
struct page_burst {
	char *contact;
	enum page_channel channel;
	char *host;
	uint64_t until_ms; /* loop time the window closes */
};

/* Embedded in its owner: page_queue_init / page_queue_cleanup. */
struct page_queue {
	const char *dir; /* the spool directory; the owner's */
	struct qitem **v;
	size_t n, cap;
	unsigned seq; /* spool name uniquifier */
	/* open burst windows, unordered; closed ones are pruned by
	 * page_queue_add, so there are as many as keys paged within the
	 * last window */
	struct page_burst *bursts;
	size_t nbursts, capbursts;
};

/* An empty queue spooling in dir, which must outlive pq. */
void page_queue_init(struct page_queue *pq, const char *dir);
/* Creates the spool directory (mode 0700) and queues the items found in
 * it, due at now_ms.  0, or -1 (errno) when the directory cannot be
 * created or read. */
int page_queue_load(struct page_queue *pq, uint64_t now_ms);
/*
 * Queues it for (contact, ch), created now: spool first, then memory.  It
 * is due with a waiting item of the same (contact, ch, host) if one is
 * queued, else at the end of that key's burst window if one is open,
 * else at now_ms, and then (window_ms > 0) opens a window of window_ms
 * (notify_group_due; see "Bursts" above).  An item that
 * cannot be spooled is still queued (logged): better late and not
 * durable than never.  On ENOMEM the item is lost (logged).  0 when the
 * item is spooled, else -1 with errno (why the spool write failed, or
 * ENOMEM).
 */
int page_queue_add(struct page_queue *pq, const char *contact,
    enum page_channel ch, const struct notify_item *it, uint64_t now_ms,
    uint64_t window_ms);
/*
 * The items as notify_fmt's batching sees them (pq->n entries, at least
 * one allocated); with email_held every e-mail counts as busy.  Free
 * with free(); NULL on ENOMEM.
 */
struct notify_slot *page_queue_slots(
    const struct page_queue *pq, bool email_held);
/* Removes q from the queue and the spool and frees it. */
void page_queue_drop(struct page_queue *pq, struct qitem *q);
/* Whether q was queued expiry s or longer before wall; if so it is
 * dropped (logged). */
bool page_queue_expire(
    struct page_queue *pq, struct qitem *q, time_t wall, unsigned expiry);
/* Frees the items in memory; their spool files stay. */
void page_queue_cleanup(struct page_queue *pq);

#endif
