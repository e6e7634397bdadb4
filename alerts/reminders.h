/*
 * reminders: each contact's open problems and the reminders due for them.
 *
 * An open problem is a (contact, host/service/field) the contact was
 * paged about and that has not returned to OK.  Every renotify seconds of
 * its contact a reminder goes out: a copy of the problem's item with
 * renotify set, "when" the time of the reminder and the dedupe key
 * "KEY:rN" for the Nth reminder.  The schedule is absolute in epoch
 * seconds (it survives restarts) but never bursts: after downtime that
 * skipped several reminders, one goes out and the next is renotify
 * seconds later.  A problem whose contact is gone is forgotten.
 *
 * The problems persist in DIR/open-problems.json (a JSON array of
 * {"contact", "last", "count", "item"}), written through the spool
 * (spool.h) by reminders_flush after a change, so a crash in between may
 * cost the reminders of that one problem, never its page.  The contacts
 * are the owner's: reminders asks them through reminders_ops.  Loop
 * thread only.
 */
#ifndef DROVER_REMINDERS_H
#define DROVER_REMINDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "alerts/notify_fmt.h"

/* What reminders asks of the owner's contacts; arg is reminders_init's. */
struct reminders_ops {
	/* Whether contact still exists; if so *every_s gets its renotify
	 * interval in seconds (0: never). */
	bool (*every)(void *arg, const char *contact, unsigned *every_s);
	/* Sends the reminder it (valid only during the call) to contact. */
	void (*send)(
	    void *arg, const char *contact, const struct notify_item *it);
};

/* An open problem of one contact, re-announced every renotify s. */
struct problem {
	char *contact;
	time_t last;	/* epoch s of the last page about it */
	unsigned count; /* reminders sent */
	struct notify_item it;
};

/* Embedded in its owner: reminders_init / reminders_cleanup. */
struct reminders {
	const char *dir; /* where open-problems.json lives; the owner's */
	const struct reminders_ops *ops;
	void *arg;
	struct problem *v;
	size_t n, cap;
	bool dirty;	      /* changed since the last save that worked */
	char save_error[512]; /* why the last save failed; "" when it worked */
};

/* No problems; dir, ops and arg must outlive r. */
void reminders_init(struct reminders *r, const char *dir,
    const struct reminders_ops *ops, void *arg);
/* Reads the problems a previous run saved; an unreadable file is logged
 * and the reminders start afresh. */
void reminders_load(struct reminders *r);
/* Saves the problems when they changed.  0, or -1 (errno; logged when
 * the failure is new or different, kept in r->save_error) with r still
 * dirty: the owner calls again later. */
int reminders_flush(struct reminders *r);
/*
 * Records contact's problem on the field of key as it (now: epoch s of
 * the page about it; its reminders count from there), or with it == NULL
 * forgets it.  Returns whether anything changed (and marks r dirty).
 */
bool reminders_update(struct reminders *r, const char *contact,
    const struct notify_item *key, const struct notify_item *it, time_t now);
/* Sends the reminders due at now (epoch s) through ops->send. */
void reminders_send_due(struct reminders *r, time_t now);
/* The epoch s the next reminder is due (possibly past); 0: none. */
time_t reminders_next(const struct reminders *r);
void reminders_cleanup(struct reminders *r);

#endif
