/*
 * page_queue: queued page items and their spool files (see page_queue.h).
 *
 * The queue is an array of pointers in arrival order: items are few (a
 * page's worth per contact), so finding and removing one is a linear
 * scan.  The burst windows are a small array scanned the same way.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/log.h"
#include "alerts/page_queue.h"
#include "alerts/spool.h"

#define PAGE_QUEUE_SUFFIX ".page"

static const char *const channel_names[] = {"webhook", "email"};

const char *
page_channel_str(enum page_channel ch)
{
	return channel_names[ch];
}

void
page_queue_init(struct page_queue *pq, const char *dir)
{
	memset(pq, 0, sizeof(*pq));
	pq->dir = dir;
}

static void
qitem_free(struct qitem *q)
{
	if (q == NULL)
		return;
	free(q->file);
	free(q->contact);
	notify_item_cleanup(&q->it);
	free(q);
}

static int
queue_append(struct page_queue *pq, struct qitem *q)
{
	struct qitem **nv;

	if (pq->n == pq->cap) {
		nv = realloc(pq->v, (pq->cap ? pq->cap * 2 : 16) * sizeof(*nv));
		if (nv == NULL)
			return -1;
		pq->v = nv;
		pq->cap = pq->cap ? pq->cap * 2 : 16;
	}
	pq->v[pq->n++] = q;
	return 0;
}

void
page_queue_drop(struct page_queue *pq, struct qitem *q)
{
	size_t i;

	for (i = 0; i < pq->n; i++) {
		if (pq->v[i] == q) {
			memmove(&pq->v[i], &pq->v[i + 1],
			    (pq->n - i - 1) * sizeof(pq->v[0]));
			pq->n--;
			break;
		}
	}
	if (q->file != NULL && spool_remove(pq->dir, q->file) == -1)
		log_warn(
		    "notify: spool %s/%s: cannot remove", pq->dir, q->file);
	qitem_free(q);
}

bool
page_queue_expire(
    struct page_queue *pq, struct qitem *q, time_t wall, unsigned expiry)
{
	if (q->created + (time_t)expiry > wall)
		return false;
	log_warnx("notify: %s %s: page \"%s\" expired after %u attempts; "
		  "dropped",
	    channel_names[q->channel], q->contact, q->it.key, q->failures);
	page_queue_drop(pq, q);
	return true;
}

static char *
qitem_encode(const struct qitem *q)
{
	json_t *o = json_object(), *it = notify_item_json(&q->it);
	char *s = NULL;

	if (o != NULL && it != NULL) {
		json_object_set_new(o, "v", json_integer(1));
		json_object_set_new(o, "contact", json_string(q->contact));
		json_object_set_new(
		    o, "channel", json_string(channel_names[q->channel]));
		json_object_set_new(
		    o, "created", json_integer((json_int_t)q->created));
		json_object_set(o, "item", it);
		s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
	}
	json_decref(it);
	json_decref(o);
	return s;
}

/* A spool file back into an item; NULL when it is not one of ours. */
static struct qitem *
qitem_decode(const char *buf, size_t len)
{
	json_t *o = json_loadb(buf, len, 0, NULL);
	const json_t *v;
	struct qitem *q = NULL;

	if (!json_is_object(o) ||
	    json_integer_value(json_object_get(o, "v")) != 1)
		goto free_json;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		goto free_json;
	v = json_object_get(o, "channel");
	if (!json_is_string(v))
		goto bad;
	if (strcmp(json_string_value(v), "webhook") == 0)
		q->channel = CH_WEBHOOK;
	else if (strcmp(json_string_value(v), "email") == 0)
		q->channel = CH_EMAIL;
	else
		goto bad;
	v = json_object_get(o, "contact");
	if (!json_is_string(v))
		goto bad;
	q->contact = strdup(json_string_value(v));
	if (q->contact == NULL)
		goto bad;
	v = json_object_get(o, "created");
	if (!json_is_integer(v))
		goto bad;
	q->created = (time_t)json_integer_value(v);
	if (notify_item_from_json(&q->it, json_object_get(o, "item")) == -1)
		goto bad;
	goto free_json;
bad:
	qitem_free(q);
	q = NULL;
free_json:
	json_decref(o);
	return q;
}

struct load_ctx {
	struct page_queue *pq;
	uint64_t now_ms;
};

static void
load_one(const char *name, const char *buf, size_t len, void *arg)
{
	struct load_ctx *lc = arg;
	struct page_queue *pq = lc->pq;
	struct qitem *q = qitem_decode(buf, len);

	if (q == NULL) {
		log_warnx("notify: spool %s/%s: not a page (torn or foreign "
			  "file); skipped and renamed to %s.bad",
		    pq->dir, name, name);
		if (spool_quarantine(pq->dir, name) == -1)
			log_warn("notify: spool %s/%s: rename", pq->dir, name);
		return;
	}
	q->file = strdup(name);
	q->due_ms = lc->now_ms;
	q->waiting = true;
	if (q->file == NULL || queue_append(pq, q) == -1) {
		log_warnx("notify: spool %s/%s: out of memory", pq->dir, name);
		qitem_free(q);
	}
}

int
page_queue_load(struct page_queue *pq, uint64_t now_ms)
{
	struct load_ctx lc = {pq, now_ms};

	if (spool_init(pq->dir) == -1)
		return -1;
	return spool_scan(pq->dir, PAGE_QUEUE_SUFFIX, load_one, &lc) == -1 ? -1
									   : 0;
}

struct notify_slot *
page_queue_slots(const struct page_queue *pq, bool email_held)
{
	struct notify_slot *slots = calloc(pq->n + 1, sizeof(*slots));
	const struct qitem *q;
	size_t i;

	if (slots == NULL)
		return NULL;
	for (i = 0; i < pq->n; i++) {
		q = pq->v[i];
		slots[i].contact = q->contact;
		slots[i].channel = (int)q->channel;
		slots[i].host = q->it.host;
		slots[i].due_ms = q->due_ms;
		slots[i].busy =
		    q->busy || (q->channel == CH_EMAIL && email_held);
		slots[i].waiting = q->waiting;
	}
	return slots;
}

/* Forgets the burst windows closed at now_ms. */
static void
bursts_prune(struct page_queue *pq, uint64_t now_ms)
{
	size_t i = 0;

	while (i < pq->nbursts) {
		if (pq->bursts[i].until_ms > now_ms) {
			i++;
			continue;
		}
		free(pq->bursts[i].contact);
		free(pq->bursts[i].host);
		pq->bursts[i] = pq->bursts[--pq->nbursts];
	}
}

/* The open burst window of (contact, ch, host), or NULL. */
static struct page_burst *
burst_find(struct page_queue *pq, const char *contact, enum page_channel ch,
    const char *host)
{
	size_t i;

	for (i = 0; i < pq->nbursts; i++)
		if (pq->bursts[i].channel == ch &&
		    strcmp(pq->bursts[i].contact, contact) == 0 &&
		    strcmp(pq->bursts[i].host, host) == 0)
			return &pq->bursts[i];
	return NULL;
}

/* Opens a burst window for (contact, ch, host) until until_ms.  Out of
 * memory it stays closed: the next item goes out at once too, which is
 * harmless. */
static void
burst_open(struct page_queue *pq, const char *contact, enum page_channel ch,
    const char *host, uint64_t until_ms)
{
	struct page_burst *nb, *b;

	if (pq->nbursts == pq->capbursts) {
		nb = realloc(pq->bursts,
		    (pq->capbursts ? pq->capbursts * 2 : 8) * sizeof(*nb));
		if (nb == NULL)
			return;
		pq->bursts = nb;
		pq->capbursts = pq->capbursts ? pq->capbursts * 2 : 8;
	}
	b = &pq->bursts[pq->nbursts];
	b->contact = strdup(contact);
	b->host = strdup(host);
	b->channel = ch;
	b->until_ms = until_ms;
	if (b->contact == NULL || b->host == NULL) {
		free(b->contact);
		free(b->host);
		return;
	}
	pq->nbursts++;
}

int
page_queue_add(struct page_queue *pq, const char *contact, enum page_channel ch,
    const struct notify_item *it, uint64_t now_ms, uint64_t window_ms)
{
	struct notify_slot *slots = NULL;
	struct qitem *q = calloc(1, sizeof(*q));
	const struct page_burst *b;
	char name[96], *body = NULL;
	int ret = 0;

	if (q == NULL)
		goto oom;
	q->contact = strdup(contact);
	if (q->contact == NULL || notify_item_copy(&q->it, it) == -1)
		goto oom;
	q->channel = ch;
	q->created = time(NULL);
	q->waiting = true;
	slots = page_queue_slots(pq, false);
	if (slots == NULL)
		goto oom;
	bursts_prune(pq, now_ms);
	b = burst_find(pq, contact, ch, it->host);
	q->due_ms = notify_group_due(slots, pq->n, contact, (int)ch, it->host,
	    now_ms, b != NULL ? b->until_ms : 0);
	free(slots);
	if (b == NULL && q->due_ms == now_ms && window_ms > 0)
		burst_open(pq, contact, ch, it->host, now_ms + window_ms);
	snprintf(name, sizeof(name), "%012lld-%08d-%06u" PAGE_QUEUE_SUFFIX,
	    (long long)q->created, (int)getpid(), pq->seq++ % 1000000);
	body = qitem_encode(q);
	if (body == NULL)
		goto oom;
	if (spool_put(pq->dir, name, body, strlen(body)) == -1) {
		ret = errno;
		log_warn("notify: spool %s/%s: cannot write; the page for %s "
			 "is not durable",
		    pq->dir, name, contact);
	} else {
		q->file = strdup(name);
		if (q->file == NULL)
			goto oom;
	}
	free(body);
	body = NULL;
	/* on failure the spool file stays: the next start sends it */
	if (queue_append(pq, q) == -1)
		goto oom;
	errno = ret;
	return ret != 0 ? -1 : 0;
oom:
	log_warnx("notify: out of memory; page for %s lost", contact);
	free(body);
	qitem_free(q);
	errno = ENOMEM;
	return -1;
}

void
page_queue_cleanup(struct page_queue *pq)
{
	size_t i;

	for (i = 0; i < pq->n; i++)
		qitem_free(pq->v[i]);
	free(pq->v);
	for (i = 0; i < pq->nbursts; i++) {
		free(pq->bursts[i].contact);
		free(pq->bursts[i].host);
	}
	free(pq->bursts);
	memset(pq, 0, sizeof(*pq));
}
