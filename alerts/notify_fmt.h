/*
 * notify_fmt: what a page says, as pure functions (no I/O, no clock).
 *
 * A page is one or more items (state changes of one host) for one contact
 * and one channel.  This module turns items into the webhook's JSON body,
 * an e-mail (RFC 5322 headers, text/plain UTF-8 body, CRLF line ends) and
 * its subject; encodes items for the spool and decodes them back; and
 * holds the small decisions notify.c makes: who wants an event, the retry
 * schedule and which queued items go out together.
 */
#ifndef DROVER_NOTIFY_FMT_H
#define DROVER_NOTIFY_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "alerts/alert_event.h"
#include "alerts/contact_set.h" /* CONTACT_SEV_* */
#include "lib/range.h"

/* One state change as a page carries it: an owning copy of an
 * alert_event (NULL strings stay NULL). */
struct notify_item {
	char *host;
	char *service;
	char *field;
	char *label;
	char *unit;
	enum field_state state;
	enum field_state prev;
	bool host_down;
	bool has_value;
	double value;
	char *warning;
	char *critical;
	time_t since; /* epoch s the state began */
	time_t when;  /* epoch s of the event */
	bool renotify;
	char *text; /* one human sentence */
	char *key;  /* dedupe key of this item */
};

/* Copies ev into it (fills text when ev has none, key when ev has
 * none).  0 / -1 (ENOMEM). */
int notify_item_from_event(
    struct notify_item *it, const struct alert_event *ev);
/* Deep copy.  0 / -1. */
int notify_item_copy(struct notify_item *dst, const struct notify_item *src);
void notify_item_cleanup(struct notify_item *it);

/* The item as a JSON object (webhook item and spool encoding); a new
 * reference, NULL on ENOMEM. */
json_t *notify_item_json(const struct notify_item *it);
/* Reads notify_item_json's output back.  0, or -1 when a required member
 * (host, state, previous_state, key) is missing or of the wrong type. */
int notify_item_from_json(struct notify_item *it, const json_t *o);

/* Severity rank for "worst": OK < WARNING < UNKNOWN < CRITICAL. */
int notify_state_rank(enum field_state s);
/* "OK" ... "UNKNOWN" back to the enum; -1 when s is none of them. */
int notify_state_parse(const char *s, enum field_state *out);

enum notify_kind {
	NK_NONE,     /* the contact does not want this event */
	NK_PROBLEM,  /* a state the contact's severities include */
	NK_RECOVERY, /* back to OK from a state the contact was paged for */
};
/* What an event is to a contact with severity mask sev that does (not)
 * want recoveries.  The engine sends no reminders: they are the
 * notifier's own (notify_item.renotify). */
enum notify_kind notify_classify(
    const struct alert_event *ev, unsigned sev, bool recovery);

/* Seconds to wait after the failures-th failed attempt (failures >= 1):
 * min_s doubling, capped at max_s (with the defaults 2, 4, 8 ... 512,
 * then 600). */
unsigned notify_backoff(unsigned failures, unsigned min_s, unsigned max_s);

/*
 * Batching.  A queued item seen through the fields batching needs.  Items
 * with equal (contact, channel, host) form one page when they are due
 * together; "waiting" means never attempted and not in flight.
 */
struct notify_slot {
	const char *contact;
	int channel; /* notify.c's channel number */
	const char *host;
	uint64_t due_ms; /* loop time of the next attempt */
	bool busy;	 /* part of a page in flight */
	bool waiting;	 /* never attempted */
};
/*
 * When a new item for (contact, channel, host) arriving at now_ms is due.
 * burst_until_ms is the end of that key's burst window (loop ms; 0 or
 * <= now_ms: no window open).  With a waiting item of the same key
 * already queued, the same time (it joins that page: items of one loop
 * pass go out together); else, inside the window, the window's end (the
 * rest of a burst goes out as one page); else now_ms (the first item of
 * a burst goes out at once, and the caller opens a window).
 */
uint64_t notify_group_due(const struct notify_slot *v, size_t n,
    const char *contact, int channel, const char *host, uint64_t now_ms,
    uint64_t burst_until_ms);
/* Picks the next page: the first idle item due at now_ms and every other
 * idle, due item of its key, at most max.  Writes their indexes to idx
 * and returns how many (0: nothing due). */
size_t notify_pick_batch(const struct notify_slot *v, size_t n, uint64_t now_ms,
    size_t max, size_t *idx);

/* The page's dedupe key: the item's key for one item (any byte outside
 * printable ASCII, space included, as '_': it goes into e-mail and HTTP
 * headers), else "group-" and a hash of the items' keys in order, into
 * buf. */
const char *notify_page_key(
    const struct notify_item *const *v, size_t n, char *buf, size_t len);
/* "CRITICAL kvm1 12V rail 10.90 V"; for several items "CRITICAL kvm1 3
 * problems" (worst state).  Control characters become spaces. */
void notify_subject(
    const struct notify_item *const *v, size_t n, char *buf, size_t len);
/* The webhook body (see notify.h for the schema); malloc'd NUL-terminated
 * JSON, NULL on ENOMEM. */
char *notify_webhook_body(const struct notify_item *const *v, size_t n);
/* The whole e-mail, headers and body, CRLF line ends, dated date (epoch
 * s, shown in UTC); malloc'd, NULL on ENOMEM. */
char *notify_email(const struct notify_item *const *v, size_t n,
    const char *from, const char *to, time_t date);

#endif
