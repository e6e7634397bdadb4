/*
 * notify: durable pages over libcurl's multi interface on the libuv loop
 * (see notify.h for the contract).
 *
 * The notifier is the glue between its parts and owns them all: the
 * settings and contacts (here, with their secrets), the queue of items
 * and its spool (page_queue), the open problems and their reminders
 * (reminders), one curl multi handle on the loop (curl_loop) and the
 * transfers (transport).  A scheduler timer ("tick") expires old items,
 * sends due reminders, picks due items into pages (notify_pick_batch),
 * starts one transfer per page and sleeps until the next item is due, the
 * next reminder, or housekeeping; after every pass of curl's the finished
 * transfers are collected and their items dropped or retried.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/secret.h"
#include "alerts/curl_loop.h"
#include "alerts/notify.h"
#include "alerts/notify_fmt.h"
#include "alerts/page_queue.h"
#include "alerts/reminders.h"
#include "alerts/transport.h"

#define NOTIFY_MAX_BATCH 50  /* items in one page */
#define NOTIFY_MAX_FLIGHT 16 /* pages in flight at once */
#define NOTIFY_MAX_SMTP                                                        \
	4			  /* of which e-mails: one SMTP server, and    \
				     servers limit connections per client */
#define NOTIFY_HOUSEKEEP_MS 60000 /* longest tick sleep, ms */
#define NOTIFY_LOG_MS 60000	  /* one failure complaint per minute */
/* after a failed save of the open problems, ms until the next attempt */
#define NOTIFY_SAVE_RETRY_MS 10000

struct contact {
	char *name;
	char *webhook;	   /* URL or NULL */
	char *token;	   /* bearer token or NULL */
	char *email;	   /* address or NULL */
	unsigned sev;	   /* NOTIFY_SEV_* mask */
	unsigned renotify; /* seconds; 0: never */
	bool recovery;
};

/* SMTP and retry settings, replaced whole by notifier_set_conf. */
struct settings {
	struct contact *contacts;
	size_t ncontacts;
	char *smtp_url;
	char *smtp_from;
	char *smtp_user;
	char *smtp_password;
	bool smtp_starttls;
	unsigned expiry;	  /* seconds */
	unsigned window;	  /* seconds */
	unsigned retry_min;	  /* seconds */
	unsigned retry_max;	  /* seconds */
	unsigned connect_timeout; /* seconds */
};

/* One page in flight: its items and its transfer. */
struct page {
	struct qitem **items; /* borrowed from the queue, marked busy */
	size_t nitems;
	struct transfer *t;
	struct page *next;
};

struct notifier {
	uv_loop_t *loop;
	char *dir;
	struct settings set;
	struct curl_loop *cl;
	uv_timer_t tick; /* our scheduler */
	bool stopped;
	struct page_queue q;
	struct reminders rem;
	struct page *pages;
	unsigned in_flight;
	unsigned smtp_in_flight;
	uint64_t delivered, npages, failed, expired, dropped;
	struct ratelimit fail_rl;
	uint64_t save_retry_ms;	 /* uv_now() of the next save of the open
				    problems after a failed one */
	bool spool_open;	 /* page_queue_load worked */
	uint64_t spool_retry_ms; /* uv_now() of the next try to open it */
	char spool_error[512];	 /* why the last page could not be spooled
				    (or the spool opened); "" when fine */
};

static void schedule(struct notifier *n);

/* ---- settings ------------------------------------------------------ */

static void
settings_cleanup(struct settings *s)
{
	size_t i;

	for (i = 0; i < s->ncontacts; i++) {
		free(s->contacts[i].name);
		free(s->contacts[i].webhook);
		secret_free(s->contacts[i].token);
		free(s->contacts[i].email);
	}
	free(s->contacts);
	free(s->smtp_url);
	free(s->smtp_from);
	free(s->smtp_user);
	secret_free(s->smtp_password);
	memset(s, 0, sizeof(*s));
}

/*
 * The first line of a secret file (lib/secret.h: group and others must
 * have no access).  0 / -1 (logged).
 */
static int
read_secret(const char *what, const char *path, char **out)
{
	unsigned mode;

	switch (secret_read(path, 0, 4095, out, &mode)) {
	case SECRET_OK:
		return 0;
	case SECRET_OPEN:
		log_warn("notify: %s: cannot open %s", what, path);
		break;
	case SECRET_NOT_REGULAR:
		log_warnx("notify: %s: %s is not a regular file", what, path);
		break;
	case SECRET_MODE:
		log_warnx("notify: %s: %s is readable by group or others "
			  "(mode %04o); refusing it: chmod 600 %s",
		    what, path, mode, path);
		break;
	case SECRET_READ:
		log_warn("notify: %s: reading %s", what, path);
		break;
	case SECRET_EMPTY:
	case SECRET_TOO_LONG:
		log_warnx("notify: %s: %s is empty", what, path);
		break;
	}
	return -1;
}

static int
set_dup(char **dst, const char *v)
{
	free(*dst);
	*dst = v != NULL ? strdup(v) : NULL;
	return v != NULL && *dst == NULL ? -1 : 0;
}

/* Builds settings from nc and the page contacts of cs (those with a
 * webhook or an e-mail address); conf has already checked every value.
 * Token and password files are read now. */
static int
settings_load(struct settings *s, const struct notify_conf *nc,
    const struct contact_set *cs)
{
	const struct contact_def *d;
	struct contact *ct;
	char what[300];
	size_t i;

	memset(s, 0, sizeof(*s));
	s->expiry = nc->expiry;
	s->window = nc->group_window;
	s->retry_min = nc->retry_min;
	s->retry_max = nc->retry_max;
	s->connect_timeout = nc->connect_timeout;
	s->smtp_starttls = nc->smtp_starttls;
	if (set_dup(&s->smtp_url, nc->smtp_url) == -1 ||
	    set_dup(&s->smtp_from, nc->smtp_from) == -1 ||
	    set_dup(&s->smtp_user, nc->smtp_user) == -1)
		goto fail;
	if (nc->smtp_password_file != NULL &&
	    read_secret("smtp_password_file", nc->smtp_password_file,
		&s->smtp_password) == -1)
		goto fail;
	s->contacts = calloc(cs->n + 1, sizeof(*s->contacts));
	if (s->contacts == NULL)
		goto fail;
	for (i = 0; i < cs->n; i++) {
		d = &cs->v[i];
		if (!(d->set &
			((1u << CK_WEBHOOK) | (1u << CK_WEBHOOK_TOKEN_FILE) |
			    (1u << CK_EMAIL) | (1u << CK_SEVERITIES) |
			    (1u << CK_RENOTIFY) | (1u << CK_RECOVERY))))
			continue; /* Munin's keys only: not ours */
		ct = &s->contacts[s->ncontacts++];
		ct->sev = d->severities;
		ct->renotify = d->renotify;
		ct->recovery = d->recovery;
		if (set_dup(&ct->name, d->name) == -1 ||
		    set_dup(&ct->webhook, d->webhook) == -1 ||
		    set_dup(&ct->email, d->email) == -1)
			goto fail;
		if (d->webhook_token_file != NULL) {
			snprintf(what, sizeof(what),
			    "contact %s webhook_token_file", ct->name);
			if (read_secret(
				what, d->webhook_token_file, &ct->token) == -1)
				goto fail;
		}
	}
	return 0;
fail:
	settings_cleanup(s);
	return -1;
}

static const struct contact *
contact_find(const struct notifier *n, const char *name)
{
	size_t i;

	for (i = 0; i < n->set.ncontacts; i++)
		if (strcmp(n->set.contacts[i].name, name) == 0)
			return &n->set.contacts[i];
	return NULL;
}

/* The outcome rc (0, or -1 with errno) of a page written to the open
 * spool, for notifier_stats. */
static void
spooled(struct notifier *n, int rc)
{
	if (!n->spool_open)
		return; /* open_spool reports */
	if (rc == 0)
		n->spool_error[0] = '\0';
	else if (errno != ENOMEM)
		snprintf(n->spool_error, sizeof(n->spool_error),
		    "cannot write pages to %.400s: %s", n->dir,
		    strerror(errno));
}

static void
contact_enqueue(
    struct notifier *n, const struct contact *ct, const struct notify_item *it)
{
	uint64_t now = uv_now(n->loop), window = (uint64_t)n->set.window * 1000;

	if (ct->webhook != NULL)
		spooled(n, page_queue_add(
			       &n->q, ct->name, CH_WEBHOOK, it, now, window));
	if (ct->email != NULL)
		spooled(n,
		    page_queue_add(&n->q, ct->name, CH_EMAIL, it, now, window));
}

/* ---- reminders' view of the contacts -------------------------------- */

static bool
reminder_every(void *arg, const char *contact, unsigned *every_s)
{
	const struct contact *ct = contact_find(arg, contact);

	if (ct == NULL)
		return false;
	*every_s = ct->renotify;
	return true;
}

static void
reminder_send(void *arg, const char *contact, const struct notify_item *it)
{
	const struct contact *ct = contact_find(arg, contact);

	if (ct != NULL)
		contact_enqueue(arg, ct, it);
}

static const struct reminders_ops reminder_ops = {
    .every = reminder_every,
    .send = reminder_send,
};

/* ---- pages ---------------------------------------------------------- */

static void
page_free(struct page *p)
{
	transfer_free(p->t);
	free(p->items);
	free(p);
}

static void
page_unlink(struct notifier *n, struct page *p)
{
	struct page **pp;

	for (pp = &n->pages; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	n->in_flight--;
	if (p->items[0]->channel == CH_EMAIL)
		n->smtp_in_flight--;
}

/* A transfer ended: accepted (ok) or not (why says how). */
static void
page_done(struct notifier *n, struct page *p, bool ok, const char *why)
{
	uint64_t now = uv_now(n->loop);
	time_t wall = time(NULL);
	struct qitem *q;
	unsigned sup, delay;
	size_t i;

	page_unlink(n, p);
	if (ok) {
		log_info("notify: %s %s: page with %zu item(s) for %s "
			 "delivered",
		    page_channel_str(p->items[0]->channel),
		    p->items[0]->contact, p->nitems, p->items[0]->it.host);
		n->npages++;
		n->delivered += p->nitems;
		for (i = 0; i < p->nitems; i++)
			page_queue_drop(&n->q, p->items[i]);
		page_free(p);
		return;
	}
	n->failed++;
	q = p->items[0];
	delay =
	    notify_backoff(q->failures + 1, n->set.retry_min, n->set.retry_max);
	log_debug("notify: %s %s: attempt %u for %s failed: %s; next in %u s",
	    page_channel_str(q->channel), q->contact, q->failures + 1,
	    q->it.host, why, delay);
	if (ratelimit_allow(&n->fail_rl, now, NOTIFY_LOG_MS, &sup))
		log_warnx("notify: %s %s: delivery for %s failed (%s); "
			  "retrying in %u s%s",
		    page_channel_str(q->channel), q->contact, q->it.host, why,
		    delay, sup ? " (similar messages suppressed)" : "");
	for (i = 0; i < p->nitems; i++) {
		q = p->items[i];
		q->busy = false;
		q->waiting = false;
		q->failures++;
		if (page_queue_expire(&n->q, q, wall, n->set.expiry)) {
			n->expired++;
			continue;
		}
		q->due_ms = now + (uint64_t)notify_backoff(q->failures,
				      n->set.retry_min, n->set.retry_max) *
				      1000;
	}
	page_free(p);
}

/* After each pass of curl's: the pages whose transfers ended. */
static void
transfers_ended(void *arg)
{
	struct notifier *n = arg;
	struct page *p;
	char why[CURL_ERROR_SIZE + 64];
	CURLcode result;
	CURL *easy;
	bool ok;

	while (curl_loop_next_done(n->cl, &easy, &result)) {
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&p);
		ok = transfer_accepted(p->t, result, why, sizeof(why));
		page_done(n, p, ok, why);
	}
	schedule(n);
}

/* Starts one page over the items at idx.  0, or -1 when it cannot be
 * sent at all (its items are then dropped, logged). */
static int
page_start(struct notifier *n, const size_t *idx, size_t k)
{
	const struct contact *ct;
	const struct notify_item **v = NULL;
	struct page *p = NULL;
	struct qitem *q0 = n->q.v[idx[0]];
	struct transport_smtp smtp;
	size_t i;

	ct = contact_find(n, q0->contact);
	if (ct == NULL || (q0->channel == CH_WEBHOOK && ct->webhook == NULL) ||
	    (q0->channel == CH_EMAIL &&
		(ct->email == NULL || n->set.smtp_url == NULL))) {
		log_warnx("notify: %s %s: contact or channel no longer "
			  "configured; %zu queued item(s) dropped",
		    page_channel_str(q0->channel), q0->contact, k);
		return -1;
	}
	p = calloc(1, sizeof(*p));
	v = calloc(k, sizeof(*v));
	if (p == NULL || v == NULL)
		goto fail;
	p->items = calloc(k, sizeof(*p->items));
	if (p->items == NULL)
		goto fail;
	for (i = 0; i < k; i++) {
		p->items[i] = n->q.v[idx[i]];
		v[i] = &p->items[i]->it;
	}
	p->nitems = k;
	if (q0->channel == CH_WEBHOOK)
		p->t = transfer_webhook(
		    v, k, ct->webhook, ct->token, n->set.connect_timeout);
	else {
		smtp.url = n->set.smtp_url;
		smtp.from = n->set.smtp_from;
		smtp.user = n->set.smtp_user;
		smtp.password = n->set.smtp_password;
		smtp.starttls = n->set.smtp_starttls;
		p->t = transfer_email(v, k, &smtp, ct->email, q0->created,
		    n->set.connect_timeout);
	}
	if (p->t == NULL)
		goto fail;
	curl_easy_setopt(transfer_easy(p->t), CURLOPT_PRIVATE, p);
	if (curl_loop_add(n->cl, transfer_easy(p->t)) == -1)
		goto fail;
	for (i = 0; i < k; i++) {
		p->items[i]->busy = true;
		p->items[i]->waiting = false;
	}
	p->next = n->pages;
	n->pages = p;
	n->in_flight++;
	if (q0->channel == CH_EMAIL)
		n->smtp_in_flight++;
	free(v);
	return 0;
fail:
	/* out of memory: leave the items queued for the next tick */
	log_warnx("notify: %s %s: cannot start a transfer",
	    page_channel_str(q0->channel), q0->contact);
	free(v);
	if (p != NULL)
		page_free(p);
	for (i = 0; i < k; i++)
		n->q.v[idx[i]]->due_ms =
		    uv_now(n->loop) + (uint64_t)n->set.retry_min * 1000;
	return 0;
}

/* ---- scheduler ------------------------------------------------------ */

/* Drops items past their expiry that are not in flight. */
static void
expire(struct notifier *n, time_t wall)
{
	struct qitem *q;
	size_t i = 0;

	while (i < n->q.n) {
		q = n->q.v[i];
		if (!q->busy &&
		    page_queue_expire(&n->q, q, wall, n->set.expiry)) {
			n->expired++;
			continue;
		}
		i++;
	}
}

/*
 * Creates the spool and resumes the items found there.  When it cannot
 * (a read-only state_dir) pages go out from memory, and the spool is
 * tried again NOTIFY_SAVE_RETRY_MS later; logged when that starts and
 * when it ends.
 */
static void
open_spool(struct notifier *n)
{
	uint64_t now = uv_now(n->loop);
	char msg[sizeof(n->spool_error)];

	if (page_queue_load(&n->q, now) == 0) {
		if (n->spool_error[0] != '\0')
			log_info("notify: spool %s opened", n->dir);
		n->spool_open = true;
		n->spool_error[0] = '\0';
		return;
	}
	snprintf(msg, sizeof(msg), "cannot open the spool %.400s: %s", n->dir,
	    strerror(errno));
	if (strcmp(msg, n->spool_error) != 0)
		log_warnx("notify: %s; pages are sent but not kept across a "
			  "restart until it opens",
		    msg);
	memcpy(n->spool_error, msg, sizeof(msg));
	n->spool_retry_ms = now + NOTIFY_SAVE_RETRY_MS;
}

/* Saves the open problems when they changed; after a failed save the
 * next attempt waits NOTIFY_SAVE_RETRY_MS (the problems stay in memory
 * and dirty meanwhile). */
static void
flush_problems(struct notifier *n)
{
	uint64_t now = uv_now(n->loop);

	if (!n->rem.dirty || now < n->save_retry_ms)
		return;
	if (reminders_flush(&n->rem) == -1)
		n->save_retry_ms = now + NOTIFY_SAVE_RETRY_MS;
}

static void
tick_cb(uv_timer_t *t)
{
	struct notifier *n = t->data;
	struct notify_slot *slots;
	size_t *idx, k, i;
	uint64_t now = uv_now(n->loop);
	time_t wall = time(NULL);

	if (!n->spool_open && now >= n->spool_retry_ms)
		open_spool(n);
	expire(n, wall);
	reminders_send_due(&n->rem, wall);
	while (n->in_flight < NOTIFY_MAX_FLIGHT && n->q.n > 0) {
		slots = page_queue_slots(
		    &n->q, n->smtp_in_flight >= NOTIFY_MAX_SMTP);
		idx = calloc(n->q.n, sizeof(*idx));
		if (slots == NULL || idx == NULL) {
			free(slots);
			free(idx);
			break;
		}
		k = notify_pick_batch(
		    slots, n->q.n, now, NOTIFY_MAX_BATCH, idx);
		free(slots);
		if (k > 0 && page_start(n, idx, k) == -1) {
			struct qitem **drop = calloc(k, sizeof(*drop));

			for (i = 0; drop != NULL && i < k; i++)
				drop[i] = n->q.v[idx[i]];
			for (i = 0; drop != NULL && i < k; i++) {
				n->dropped++;
				page_queue_drop(&n->q, drop[i]);
			}
			free(drop);
		}
		free(idx);
		if (k == 0)
			break;
	}
	flush_problems(n);
	schedule(n);
}

/* Sleeps the tick until the earliest idle item or reminder is due. */
static void
schedule(struct notifier *n)
{
	uint64_t now = uv_now(n->loop), wake = now + NOTIFY_HOUSEKEEP_MS;
	time_t wall = time(NULL), due;
	const struct qitem *q;
	size_t i;

	if (n->stopped)
		return;
	for (i = 0; i < n->q.n; i++) {
		q = n->q.v[i];
		/* an e-mail held back by NOTIFY_MAX_SMTP waits for
		 * transfers_ended, not for the clock */
		if (q->busy || (q->channel == CH_EMAIL &&
				   n->smtp_in_flight >= NOTIFY_MAX_SMTP))
			continue;
		if (q->due_ms < wake)
			wake = q->due_ms;
	}
	due = reminders_next(&n->rem);
	if (due != 0 && due <= wall)
		wake = now;
	else if (due != 0 && now + (uint64_t)(due - wall) * 1000 < wake)
		wake = now + (uint64_t)(due - wall) * 1000;
	if (n->in_flight >= NOTIFY_MAX_FLIGHT && wake < now + 1000)
		wake = now + 1000; /* transfers_ended reschedules sooner */
	if (!n->spool_open && n->spool_retry_ms < wake)
		wake = n->spool_retry_ms;
	if (n->rem.dirty && n->save_retry_ms <= now)
		wake = now;
	else if (n->rem.dirty && n->save_retry_ms < wake)
		wake = n->save_retry_ms;
	/* never 0: libuv 1.44 reruns a 0 ms timer restarted from its own
	 * callback in the same pass, which would spin without I/O */
	uv_timer_start(&n->tick, tick_cb, wake > now ? wake - now : 1, 0);
}

/* ---- public --------------------------------------------------------- */

struct notifier *
notifier_new(uv_loop_t *loop, const struct notify_conf *nc,
    const struct contact_set *cs, const char *spool_dir)
{
	struct notifier *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->loop = loop;
	n->dir = strdup(spool_dir);
	page_queue_init(&n->q, n->dir);
	reminders_init(&n->rem, n->dir, &reminder_ops, n);
	if (n->dir == NULL || settings_load(&n->set, nc, cs) == -1)
		goto fail;
	open_spool(n);
	reminders_load(&n->rem);
	if (n->q.n > 0)
		log_info("notify: %zu queued page item(s) resumed from %s",
		    n->q.n, n->dir);
	n->cl = curl_loop_new(loop, transfers_ended, n);
	if (n->cl == NULL)
		goto fail;
	uv_timer_init(loop, &n->tick);
	n->tick.data = n;
	schedule(n);
	return n;
fail:
	settings_cleanup(&n->set);
	page_queue_cleanup(&n->q);
	reminders_cleanup(&n->rem);
	free(n->dir);
	free(n);
	return NULL;
}

int
notify_check_secrets(const struct notify_conf *nc, const struct contact_set *cs)
{
	struct settings s;

	if (settings_load(&s, nc, cs) == -1)
		return -1;
	settings_cleanup(&s);
	return 0;
}

int
notifier_set_conf(struct notifier *n, const struct notify_conf *nc,
    const struct contact_set *cs)
{
	struct settings s;

	if (settings_load(&s, nc, cs) == -1) {
		log_warnx("notify: new settings refused; keeping the old ones");
		return -1;
	}
	settings_cleanup(&n->set);
	n->set = s;
	schedule(n);
	return 0;
}

void
notifier_event(struct notifier *n, const struct alert_event *ev)
{
	const struct contact *ct;
	struct notify_item it;
	enum notify_kind kind;
	size_t i;

	if (notify_item_from_event(&it, ev) == -1) {
		log_warnx("notify: %s: out of memory; event lost", ev->host);
		return;
	}
	for (i = 0; i < n->set.ncontacts; i++) {
		ct = &n->set.contacts[i];
		kind = notify_classify(ev, ct->sev, ct->recovery);
		reminders_update(&n->rem, ct->name, &it,
		    kind == NK_PROBLEM ? &it : NULL,
		    ev->when ? ev->when : time(NULL));
		if (kind != NK_NONE)
			contact_enqueue(n, ct, &it);
	}
	notify_item_cleanup(&it);
	schedule(n);
}

void
notifier_stats(const struct notifier *n, struct notifier_stats *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	st->queued = n->q.n;
	st->in_flight = n->in_flight;
	st->delivered = n->delivered;
	st->pages = n->npages;
	st->failed = n->failed;
	st->expired = n->expired;
	st->dropped = n->dropped;
	st->open_problems = n->rem.n;
	snprintf(st->spool_error, sizeof(st->spool_error), "%s",
	    n->rem.save_error[0] != '\0' ? n->rem.save_error : n->spool_error);
	for (i = 0; i < n->q.n; i++)
		if (st->oldest == 0 || n->q.v[i]->created < st->oldest)
			st->oldest = n->q.v[i]->created;
}

void
notifier_stop(struct notifier *n)
{
	struct page *p;
	size_t i;

	if (n->stopped)
		return;
	n->stopped = true;
	reminders_flush(&n->rem);
	while ((p = n->pages) != NULL) {
		n->pages = p->next;
		curl_loop_remove(n->cl, transfer_easy(p->t));
		for (i = 0; i < p->nitems; i++)
			p->items[i]->busy = false;
		page_free(p);
	}
	n->in_flight = 0;
	n->smtp_in_flight = 0;
	uv_timer_stop(&n->tick);
	curl_loop_stop(n->cl);
}

static void
tick_closed(uv_handle_t *h)
{
	free(h->data);
}

void
notifier_free(struct notifier *n)
{
	if (n == NULL)
		return;
	notifier_stop(n);
	curl_loop_free(n->cl);
	n->cl = NULL;
	settings_cleanup(&n->set);
	page_queue_cleanup(&n->q);
	reminders_cleanup(&n->rem);
	free(n->dir);
	n->dir = NULL;
	uv_close((uv_handle_t *)&n->tick, tick_closed);
}
