/*
 * notify: durable pages over libcurl's multi interface on the libuv loop
 * (see notify.h for the contract).
 *
 * The queue is an array of items in arrival order, each backed by one
 * spool file.  A scheduler timer ("tick") picks due items into pages
 * (notify_pick_batch), starts one curl easy handle per page and sleeps
 * until the next item is due, the next reminder, or housekeeping.  curl
 * tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION -> uv_poll)
 * and when to call it back (CURLMOPT_TIMERFUNCTION -> uv_timer); finished
 * transfers are collected after every curl_multi_socket_action.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "lib/log.h"
#include "lib/secret.h"
#include "alerts/notify.h"
#include "alerts/notify_fmt.h"
#include "alerts/spool.h"

#define NOTIFY_SUFFIX ".page"
#define NOTIFY_PROBLEMS "open-problems.json"
#define NOTIFY_MAX_BATCH 50  /* items in one page */
#define NOTIFY_MAX_FLIGHT 16 /* pages in flight at once */
#define NOTIFY_MAX_SMTP                                                        \
	4			  /* of which e-mails: one SMTP server, and    \
				     servers limit connections per client */
#define NOTIFY_HOUSEKEEP_MS 60000 /* longest tick sleep, ms */
#define NOTIFY_TRANSFER_S 30L	  /* whole-transfer timeout, seconds */
#define NOTIFY_LOG_MS 60000	  /* one failure complaint per minute */

enum channel { CH_WEBHOOK, CH_EMAIL };
static const char *const channel_names[] = {"webhook", "email"};

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

/* One queued item: a spool file and its in-memory copy. */
struct qitem {
	char *file; /* spool name; NULL when it could not be written */
	char *contact;
	enum channel channel;
	time_t created;	 /* epoch s it was queued (expiry counts from it) */
	uint64_t due_ms; /* loop time of the next attempt */
	unsigned failures;
	bool busy;    /* in a page in flight */
	bool waiting; /* never attempted */
	struct notify_item it;
};

/* An open problem of one contact, re-announced every renotify s. */
struct problem {
	char *contact;
	time_t last;	/* epoch s of the last page about it */
	unsigned count; /* reminders sent */
	struct notify_item it;
};

/* One transfer. */
struct page {
	struct notifier *n;
	CURL *easy;
	struct qitem **items; /* borrowed from the queue, marked busy */
	size_t nitems;
	char *body;
	size_t len, off; /* body bytes, bytes handed to curl (SMTP) */
	struct curl_slist *headers;
	struct curl_slist *rcpt;
	char err[CURL_ERROR_SIZE];
	struct page *next;
};

/* A socket curl asked us to watch. */
struct sock {
	struct notifier *n;
	uv_poll_t poll;
	curl_socket_t fd;
	struct sock *prev, *next;
};

struct notifier {
	uv_loop_t *loop;
	char *dir;
	struct settings set;
	CURLM *multi;
	uv_timer_t curl_timer; /* curl's own timeout */
	uv_timer_t tick;       /* our scheduler */
	int open_handles;      /* timers + polls not yet closed */
	bool stopped;
	bool freeing;
	struct qitem **q;
	size_t nq, qcap;
	struct problem *probs;
	size_t nprobs, pcap;
	struct page *pages;
	struct sock *socks;
	unsigned in_flight;
	unsigned smtp_in_flight;
	bool probs_dirty; /* open problems changed; saved on the next tick */
	unsigned seq;	  /* spool name uniquifier */
	uint64_t delivered, npages, failed, expired, dropped;
	struct ratelimit fail_rl;
};

static void schedule(struct notifier *n);
static void check_done(struct notifier *n);

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

/* ---- queue and spool ----------------------------------------------- */

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
queue_append(struct notifier *n, struct qitem *q)
{
	struct qitem **nv;

	if (n->nq == n->qcap) {
		nv = realloc(n->q, (n->qcap ? n->qcap * 2 : 16) * sizeof(*nv));
		if (nv == NULL)
			return -1;
		n->q = nv;
		n->qcap = n->qcap ? n->qcap * 2 : 16;
	}
	n->q[n->nq++] = q;
	return 0;
}

/* Removes q from the queue and the spool and frees it. */
static void
queue_drop(struct notifier *n, struct qitem *q)
{
	size_t i;

	for (i = 0; i < n->nq; i++) {
		if (n->q[i] == q) {
			memmove(&n->q[i], &n->q[i + 1],
			    (n->nq - i - 1) * sizeof(n->q[0]));
			n->nq--;
			break;
		}
	}
	if (q->file != NULL && spool_remove(n->dir, q->file) == -1)
		log_warn("notify: spool %s/%s: cannot remove", n->dir, q->file);
	qitem_free(q);
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

static void
load_one(const char *name, const char *buf, size_t len, void *arg)
{
	struct notifier *n = arg;
	struct qitem *q = qitem_decode(buf, len);

	if (q == NULL) {
		log_warnx("notify: spool %s/%s: not a page (torn or foreign "
			  "file); skipped and renamed to %s.bad",
		    n->dir, name, name);
		if (spool_quarantine(n->dir, name) == -1)
			log_warn("notify: spool %s/%s: rename", n->dir, name);
		return;
	}
	q->file = strdup(name);
	q->due_ms = uv_now(n->loop);
	q->waiting = true;
	if (q->file == NULL || queue_append(n, q) == -1) {
		log_warnx("notify: spool %s/%s: out of memory", n->dir, name);
		qitem_free(q);
	}
}

/* Queues it for (contact, channel): spool first, then memory.  A page
 * that cannot be spooled is still tried (logged): better late and not
 * durable than never. */
static void
enqueue(struct notifier *n, const char *contact, enum channel ch,
    const struct notify_item *it)
{
	struct notify_slot *slots = NULL;
	struct qitem *q = calloc(1, sizeof(*q));
	uint64_t now = uv_now(n->loop);
	char name[96], *body = NULL;
	size_t i;

	if (q == NULL)
		goto oom;
	q->contact = strdup(contact);
	if (q->contact == NULL || notify_item_copy(&q->it, it) == -1)
		goto oom;
	q->channel = ch;
	q->created = time(NULL);
	q->waiting = true;
	slots = calloc(n->nq + 1, sizeof(*slots));
	if (slots == NULL)
		goto oom;
	for (i = 0; i < n->nq; i++) {
		slots[i].contact = n->q[i]->contact;
		slots[i].channel = (int)n->q[i]->channel;
		slots[i].host = n->q[i]->it.host;
		slots[i].due_ms = n->q[i]->due_ms;
		slots[i].busy = n->q[i]->busy;
		slots[i].waiting = n->q[i]->waiting;
	}
	q->due_ms = notify_group_due(slots, n->nq, contact, (int)ch, it->host,
	    now, (uint64_t)n->set.window * 1000);
	free(slots);
	snprintf(name, sizeof(name), "%012lld-%08d-%06u" NOTIFY_SUFFIX,
	    (long long)q->created, (int)getpid(), n->seq++ % 1000000);
	body = qitem_encode(q);
	if (body == NULL)
		goto oom;
	if (spool_put(n->dir, name, body, strlen(body)) == -1)
		log_warn("notify: spool %s/%s: cannot write; the page for %s "
			 "is not durable",
		    n->dir, name, contact);
	else {
		q->file = strdup(name);
		if (q->file == NULL)
			goto oom;
	}
	free(body);
	body = NULL;
	/* on failure the spool file stays: the next start sends it */
	if (queue_append(n, q) == -1)
		goto oom;
	return;
oom:
	log_warnx("notify: out of memory; page for %s lost", contact);
	free(body);
	qitem_free(q);
}

/* ---- open problems (renotify) --------------------------------------- */

static bool
same_field(const struct notify_item *a, const struct notify_item *b)
{
	return strcmp(a->host, b->host) == 0 &&
	       strcmp(a->service ? a->service : "",
		   b->service ? b->service : "") == 0 &&
	       strcmp(a->field ? a->field : "", b->field ? b->field : "") ==
		   0 &&
	       a->host_down == b->host_down;
}

static void
problems_save(struct notifier *n)
{
	json_t *a = json_array(), *o;
	char *s = NULL;
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < n->nprobs; i++) {
		o = json_object();
		if (o == NULL)
			goto free_json;
		json_object_set_new(
		    o, "contact", json_string(n->probs[i].contact));
		json_object_set_new(
		    o, "last", json_integer((json_int_t)n->probs[i].last));
		json_object_set_new(
		    o, "count", json_integer(n->probs[i].count));
		json_object_set_new(
		    o, "item", notify_item_json(&n->probs[i].it));
		json_array_append_new(a, o);
	}
	s = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(17));
	if (s == NULL || spool_put(n->dir, NOTIFY_PROBLEMS, s, strlen(s)) == -1)
		log_warn("notify: %s/%s: cannot save open problems", n->dir,
		    NOTIFY_PROBLEMS);
free_json:
	free(s);
	json_decref(a);
}

static void
problems_load(struct notifier *n)
{
	char path[PATH_MAX];
	json_error_t err;
	json_t *a, *o;
	struct problem *p;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", n->dir, NOTIFY_PROBLEMS);
	if (access(path, F_OK) == -1)
		return;
	a = json_load_file(path, 0, &err);
	if (!json_is_array(a)) {
		log_warnx("notify: %s: unreadable (%s); reminders of open "
			  "problems start afresh",
		    path, err.text);
		json_decref(a);
		return;
	}
	n->probs = calloc(json_array_size(a) + 1, sizeof(*n->probs));
	if (n->probs == NULL)
		goto free_json;
	n->pcap = json_array_size(a) + 1;
	json_array_foreach(a, i, o)
	{
		p = &n->probs[n->nprobs];
		if (!json_is_string(json_object_get(o, "contact")) ||
		    notify_item_from_json(&p->it, json_object_get(o, "item")) ==
			-1)
			continue;
		p->contact =
		    strdup(json_string_value(json_object_get(o, "contact")));
		if (p->contact == NULL) {
			notify_item_cleanup(&p->it);
			continue;
		}
		p->last =
		    (time_t)json_integer_value(json_object_get(o, "last"));
		p->count =
		    (unsigned)json_integer_value(json_object_get(o, "count"));
		n->nprobs++;
	}
free_json:
	json_decref(a);
}

static void
problem_free_at(struct notifier *n, size_t i)
{
	free(n->probs[i].contact);
	notify_item_cleanup(&n->probs[i].it);
	memmove(&n->probs[i], &n->probs[i + 1],
	    (n->nprobs - i - 1) * sizeof(n->probs[0]));
	n->nprobs--;
}

/* Records (or, with it == NULL, forgets) contact's problem on the field
 * of key.  Returns true when anything changed. */
static bool
problem_update(struct notifier *n, const char *contact,
    const struct notify_item *key, const struct notify_item *it, time_t now)
{
	struct problem *nv;
	size_t i;

	for (i = 0; i < n->nprobs; i++)
		if (strcmp(n->probs[i].contact, contact) == 0 &&
		    same_field(&n->probs[i].it, key))
			break;
	if (it == NULL) {
		if (i == n->nprobs)
			return false;
		problem_free_at(n, i);
		return true;
	}
	if (i == n->nprobs) {
		if (n->nprobs == n->pcap) {
			nv = realloc(n->probs,
			    (n->pcap ? n->pcap * 2 : 8) * sizeof(*nv));
			if (nv == NULL)
				return false;
			n->probs = nv;
			n->pcap = n->pcap ? n->pcap * 2 : 8;
		}
		memset(&n->probs[i], 0, sizeof(n->probs[i]));
		n->probs[i].contact = strdup(contact);
		if (n->probs[i].contact == NULL)
			return false;
		n->nprobs++;
	} else
		notify_item_cleanup(&n->probs[i].it);
	if (notify_item_copy(&n->probs[i].it, it) == -1) {
		free(n->probs[i].contact);
		n->nprobs--;
		return true;
	}
	n->probs[i].last = now;
	n->probs[i].count = 0;
	return true;
}

static void
contact_enqueue(
    struct notifier *n, const struct contact *ct, const struct notify_item *it)
{
	if (ct->webhook != NULL)
		enqueue(n, ct->name, CH_WEBHOOK, it);
	if (ct->email != NULL)
		enqueue(n, ct->name, CH_EMAIL, it);
}

/* Sends the reminders that are due; returns the epoch s of the next one
 * (0: none). */
static time_t
renotify(struct notifier *n, time_t now)
{
	const struct contact *ct;
	struct notify_item r;
	struct problem *p;
	char key[600], *okey;
	time_t next = 0, due;
	bool changed = false;
	size_t i = 0;

	while (i < n->nprobs) {
		p = &n->probs[i];
		ct = contact_find(n, p->contact);
		if (ct == NULL) {
			problem_free_at(n, i);
			changed = true;
			continue;
		}
		i++;
		if (ct->renotify == 0)
			continue;
		due = p->last + (time_t)ct->renotify;
		if (due <= now) {
			p->count++;
			/* absolute schedule, but never a burst after downtime
			 */
			p->last = due + (time_t)ct->renotify > now ? due : now;
			due = p->last + (time_t)ct->renotify;
			if (notify_item_copy(&r, &p->it) == 0) {
				snprintf(key, sizeof(key), "%s:r%u", p->it.key,
				    p->count);
				okey = r.key;
				r.key = key;
				r.renotify = true;
				r.when = now;
				contact_enqueue(n, ct, &r);
				r.key = okey;
				notify_item_cleanup(&r);
			}
			changed = true;
		}
		if (next == 0 || due < next)
			next = due;
	}
	if (changed)
		n->probs_dirty = true;
	return next;
}

/* ---- curl glue ------------------------------------------------------ */

/* One libuv handle of n finished closing; the last one frees n when
 * notifier_free() asked for it. */
static void
handle_released(struct notifier *n)
{
	if (--n->open_handles == 0 && n->freeing) {
		free(n->dir);
		free(n->q);
		free(n->probs);
		free(n);
	}
}

static void
handle_closed(uv_handle_t *h)
{
	handle_released(h->data);
}

static void
sock_closed(uv_handle_t *h)
{
	struct sock *sk = h->data;
	struct notifier *n = sk->n;

	free(sk);
	handle_released(n);
}

static void
sock_close(struct notifier *n, struct sock *sk)
{
	if (sk->prev != NULL)
		sk->prev->next = sk->next;
	else
		n->socks = sk->next;
	if (sk->next != NULL)
		sk->next->prev = sk->prev;
	uv_poll_stop(&sk->poll);
	uv_close((uv_handle_t *)&sk->poll, sock_closed);
}

static void
poll_cb(uv_poll_t *h, int status, int events)
{
	struct sock *sk = h->data;
	struct notifier *n = sk->n;
	curl_socket_t fd = sk->fd;
	int flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	/* sk may be closed by curl's socket callback in here */
	curl_multi_socket_action(n->multi, fd, flags, &running);
	check_done(n);
}

static int
socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct notifier *n = userp;
	struct sock *sk = socketp;
	int events = 0;

	if (what == CURL_POLL_REMOVE) {
		if (sk != NULL) {
			curl_multi_assign(n->multi, s, NULL);
			sock_close(n, sk);
		}
		return 0;
	}
	if (sk == NULL) {
		sk = calloc(1, sizeof(*sk));
		if (sk == NULL)
			return -1;
		if (uv_poll_init_socket(n->loop, &sk->poll, s) != 0) {
			free(sk);
			return -1;
		}
		sk->n = n;
		sk->fd = s;
		sk->poll.data = sk;
		sk->next = n->socks;
		if (n->socks != NULL)
			n->socks->prev = sk;
		n->socks = sk;
		n->open_handles++;
		curl_multi_assign(n->multi, s, sk);
	}
	if (what & CURL_POLL_IN)
		events |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		events |= UV_WRITABLE;
	uv_poll_start(&sk->poll, events, poll_cb);
	return 0;
}

static void
curl_timer_cb(uv_timer_t *t)
{
	struct notifier *n = t->data;
	int running;

	curl_multi_socket_action(n->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(n);
}

static int
timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct notifier *n = userp;

	if (timeout_ms < 0)
		uv_timer_stop(&n->curl_timer);
	else
		uv_timer_start(
		    &n->curl_timer, curl_timer_cb, (uint64_t)timeout_ms, 0);
	return 0;
}

static size_t
read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct page *p = arg;
	size_t k = size * nmemb;

	if (k > p->len - p->off)
		k = p->len - p->off;
	memcpy(buf, p->body + p->off, k);
	p->off += k;
	return k;
}

static size_t
discard_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	return size * nmemb;
}

static void
page_free(struct page *p)
{
	if (p->easy != NULL)
		curl_easy_cleanup(p->easy);
	curl_slist_free_all(p->headers);
	curl_slist_free_all(p->rcpt);
	free(p->items);
	free(p->body);
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
		    channel_names[p->items[0]->channel], p->items[0]->contact,
		    p->nitems, p->items[0]->it.host);
		n->npages++;
		n->delivered += p->nitems;
		for (i = 0; i < p->nitems; i++)
			queue_drop(n, p->items[i]);
		page_free(p);
		return;
	}
	n->failed++;
	q = p->items[0];
	delay =
	    notify_backoff(q->failures + 1, n->set.retry_min, n->set.retry_max);
	log_debug("notify: %s %s: attempt %u for %s failed: %s",
	    channel_names[q->channel], q->contact, q->failures + 1, q->it.host,
	    why);
	if (ratelimit_allow(&n->fail_rl, now, NOTIFY_LOG_MS, &sup))
		log_warnx("notify: %s %s: delivery for %s failed (%s); "
			  "retrying in %u s%s",
		    channel_names[q->channel], q->contact, q->it.host, why,
		    delay, sup ? " (similar messages suppressed)" : "");
	for (i = 0; i < p->nitems; i++) {
		q = p->items[i];
		q->busy = false;
		q->waiting = false;
		q->failures++;
		if (q->created + (time_t)n->set.expiry <= wall) {
			log_warnx("notify: %s %s: page \"%s\" expired after "
				  "%u attempts; dropped",
			    channel_names[q->channel], q->contact, q->it.key,
			    q->failures);
			n->expired++;
			queue_drop(n, q);
			continue;
		}
		q->due_ms = now + (uint64_t)notify_backoff(q->failures,
				      n->set.retry_min, n->set.retry_max) *
				      1000;
	}
	page_free(p);
}

static void
check_done(struct notifier *n)
{
	struct page *p;
	CURLMsg *m;
	long code = 0;
	char why[CURL_ERROR_SIZE + 64];
	bool ok;
	int left;

	while ((m = curl_multi_info_read(n->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(
		    m->easy_handle, CURLINFO_PRIVATE, (char **)&p);
		curl_easy_getinfo(
		    m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
		if (m->data.result != CURLE_OK) {
			snprintf(why, sizeof(why), "%s",
			    p->err[0] ? p->err
				      : curl_easy_strerror(m->data.result));
			ok = false;
		} else if (p->items[0]->channel == CH_WEBHOOK) {
			ok = code >= 200 && code < 300;
			snprintf(why, sizeof(why), "HTTP %ld", code);
		} else {
			ok = code == 250;
			snprintf(why, sizeof(why), "SMTP %ld", code);
		}
		curl_multi_remove_handle(n->multi, m->easy_handle);
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
	struct qitem *q0 = n->q[idx[0]];
	char hdr[1024], key[128], from[512];
	size_t i;

	ct = contact_find(n, q0->contact);
	if (ct == NULL || (q0->channel == CH_WEBHOOK && ct->webhook == NULL) ||
	    (q0->channel == CH_EMAIL &&
		(ct->email == NULL || n->set.smtp_url == NULL))) {
		log_warnx("notify: %s %s: contact or channel no longer "
			  "configured; %zu queued item(s) dropped",
		    channel_names[q0->channel], q0->contact, k);
		return -1;
	}
	p = calloc(1, sizeof(*p));
	v = calloc(k, sizeof(*v));
	if (p == NULL || v == NULL)
		goto fail;
	p->n = n;
	p->items = calloc(k, sizeof(*p->items));
	if (p->items == NULL)
		goto fail;
	for (i = 0; i < k; i++) {
		p->items[i] = n->q[idx[i]];
		v[i] = &p->items[i]->it;
	}
	p->nitems = k;
	notify_page_key(v, k, key, sizeof(key));
	p->easy = curl_easy_init();
	if (p->easy == NULL)
		goto fail;
	curl_easy_setopt(p->easy, CURLOPT_PRIVATE, p);
	curl_easy_setopt(p->easy, CURLOPT_ERRORBUFFER, p->err);
	curl_easy_setopt(p->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(p->easy, CURLOPT_TIMEOUT, NOTIFY_TRANSFER_S);
	curl_easy_setopt(
	    p->easy, CURLOPT_CONNECTTIMEOUT, (long)n->set.connect_timeout);
	curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, discard_cb);
	if (q0->channel == CH_WEBHOOK) {
		p->body = notify_webhook_body(v, k);
		if (p->body == NULL)
			goto fail;
		p->len = strlen(p->body);
		curl_easy_setopt(p->easy, CURLOPT_URL, ct->webhook);
		curl_easy_setopt(p->easy, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(p->easy, CURLOPT_POSTFIELDS, p->body);
		curl_easy_setopt(p->easy, CURLOPT_POSTFIELDSIZE, (long)p->len);
		curl_easy_setopt(p->easy, CURLOPT_USERAGENT, "drover/" VERSION);
		p->headers = curl_slist_append(
		    p->headers, "Content-Type: application/json");
		p->headers = curl_slist_append(p->headers, "Expect:");
		snprintf(hdr, sizeof(hdr), "X-Drover-Dedupe-Key: %s", key);
		p->headers = curl_slist_append(p->headers, hdr);
		if (ct->token != NULL) {
			snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s",
			    ct->token);
			p->headers = curl_slist_append(p->headers, hdr);
		}
		if (p->headers == NULL)
			goto fail;
		curl_easy_setopt(p->easy, CURLOPT_HTTPHEADER, p->headers);
	} else {
		p->body = notify_email(
		    v, k, n->set.smtp_from, ct->email, q0->created);
		if (p->body == NULL)
			goto fail;
		p->len = strlen(p->body);
		curl_easy_setopt(p->easy, CURLOPT_URL, n->set.smtp_url);
		curl_easy_setopt(p->easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
		snprintf(from, sizeof(from), "<%s>", n->set.smtp_from);
		curl_easy_setopt(p->easy, CURLOPT_MAIL_FROM, from);
		snprintf(hdr, sizeof(hdr), "<%s>", ct->email);
		p->rcpt = curl_slist_append(NULL, hdr);
		if (p->rcpt == NULL)
			goto fail;
		curl_easy_setopt(p->easy, CURLOPT_MAIL_RCPT, p->rcpt);
		curl_easy_setopt(p->easy, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(p->easy, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(p->easy, CURLOPT_READDATA, p);
		curl_easy_setopt(
		    p->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)p->len);
		if (n->set.smtp_starttls)
			curl_easy_setopt(
			    p->easy, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
		if (n->set.smtp_user != NULL) {
			curl_easy_setopt(
			    p->easy, CURLOPT_USERNAME, n->set.smtp_user);
			curl_easy_setopt(p->easy, CURLOPT_PASSWORD,
			    n->set.smtp_password ? n->set.smtp_password : "");
		}
	}
	if (curl_multi_add_handle(n->multi, p->easy) != CURLM_OK)
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
	    channel_names[q0->channel], q0->contact);
	free(v);
	if (p != NULL)
		page_free(p);
	for (i = 0; i < k; i++)
		n->q[idx[i]]->due_ms =
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

	while (i < n->nq) {
		q = n->q[i];
		if (!q->busy && q->created + (time_t)n->set.expiry <= wall) {
			log_warnx("notify: %s %s: page \"%s\" expired after "
				  "%u attempts; dropped",
			    channel_names[q->channel], q->contact, q->it.key,
			    q->failures);
			n->expired++;
			queue_drop(n, q);
			continue;
		}
		i++;
	}
}

static void
tick_cb(uv_timer_t *t)
{
	struct notifier *n = t->data;
	struct notify_slot *slots;
	size_t *idx, k, i;
	uint64_t now = uv_now(n->loop);
	time_t wall = time(NULL);

	expire(n, wall);
	renotify(n, wall);
	while (n->in_flight < NOTIFY_MAX_FLIGHT && n->nq > 0) {
		slots = calloc(n->nq, sizeof(*slots));
		idx = calloc(n->nq, sizeof(*idx));
		if (slots == NULL || idx == NULL) {
			free(slots);
			free(idx);
			break;
		}
		for (i = 0; i < n->nq; i++) {
			slots[i].contact = n->q[i]->contact;
			slots[i].channel = (int)n->q[i]->channel;
			slots[i].host = n->q[i]->it.host;
			slots[i].due_ms = n->q[i]->due_ms;
			slots[i].busy =
			    n->q[i]->busy ||
			    (n->q[i]->channel == CH_EMAIL &&
				n->smtp_in_flight >= NOTIFY_MAX_SMTP);
			slots[i].waiting = n->q[i]->waiting;
		}
		k = notify_pick_batch(slots, n->nq, now, NOTIFY_MAX_BATCH, idx);
		free(slots);
		if (k > 0 && page_start(n, idx, k) == -1) {
			struct qitem **drop = calloc(k, sizeof(*drop));

			for (i = 0; drop != NULL && i < k; i++)
				drop[i] = n->q[idx[i]];
			for (i = 0; drop != NULL && i < k; i++) {
				n->dropped++;
				queue_drop(n, drop[i]);
			}
			free(drop);
		}
		free(idx);
		if (k == 0)
			break;
	}
	if (n->probs_dirty) {
		problems_save(n);
		n->probs_dirty = false;
	}
	schedule(n);
}

/* Sleeps the tick until the earliest idle item or reminder is due. */
static void
schedule(struct notifier *n)
{
	uint64_t now = uv_now(n->loop), wake = now + NOTIFY_HOUSEKEEP_MS;
	time_t wall = time(NULL), due;
	const struct contact *ct;
	size_t i;

	if (n->stopped)
		return;
	for (i = 0; i < n->nq; i++) {
		/* an e-mail held back by NOTIFY_MAX_SMTP waits for
		 * check_done, not for the clock */
		if (n->q[i]->busy || (n->q[i]->channel == CH_EMAIL &&
					 n->smtp_in_flight >= NOTIFY_MAX_SMTP))
			continue;
		if (n->q[i]->due_ms < wake)
			wake = n->q[i]->due_ms;
	}
	for (i = 0; i < n->nprobs; i++) {
		ct = contact_find(n, n->probs[i].contact);
		if (ct == NULL || ct->renotify == 0)
			continue;
		due = n->probs[i].last + (time_t)ct->renotify;
		if (due <= wall)
			wake = now;
		else if (now + (uint64_t)(due - wall) * 1000 < wake)
			wake = now + (uint64_t)(due - wall) * 1000;
	}
	if (n->in_flight >= NOTIFY_MAX_FLIGHT && wake < now + 1000)
		wake = now + 1000; /* check_done reschedules sooner */
	if (n->probs_dirty)
		wake = now;
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
	if (n->dir == NULL || settings_load(&n->set, nc, cs) == -1)
		goto fail;
	if (spool_init(n->dir) == -1) {
		log_warn("notify: spool %s", n->dir);
		goto fail;
	}
	if (spool_scan(n->dir, NOTIFY_SUFFIX, load_one, n) == -1) {
		log_warn("notify: spool %s", n->dir);
		goto fail;
	}
	problems_load(n);
	if (n->nq > 0)
		log_info("notify: %zu queued page item(s) resumed from %s",
		    n->nq, n->dir);
	n->multi = curl_multi_init();
	if (n->multi == NULL)
		goto fail;
	curl_multi_setopt(n->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(n->multi, CURLMOPT_SOCKETDATA, n);
	curl_multi_setopt(n->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(n->multi, CURLMOPT_TIMERDATA, n);
	uv_timer_init(loop, &n->curl_timer);
	uv_timer_init(loop, &n->tick);
	n->curl_timer.data = n;
	n->tick.data = n;
	n->open_handles = 2;
	schedule(n);
	return n;
fail:
	settings_cleanup(&n->set);
	while (n->nq > 0)
		qitem_free(n->q[--n->nq]);
	free(n->q);
	free(n->dir);
	free(n);
	return NULL;
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
	bool changed = false;
	size_t i;

	if (notify_item_from_event(&it, ev) == -1) {
		log_warnx("notify: %s: out of memory; event lost", ev->host);
		return;
	}
	for (i = 0; i < n->set.ncontacts; i++) {
		ct = &n->set.contacts[i];
		kind = notify_classify(ev, ct->sev, ct->recovery);
		changed |= problem_update(n, ct->name, &it,
		    kind == NK_PROBLEM ? &it : NULL,
		    ev->when ? ev->when : time(NULL));
		if (kind != NK_NONE)
			contact_enqueue(n, ct, &it);
	}
	notify_item_cleanup(&it);
	if (changed)
		n->probs_dirty = true;
	schedule(n);
}

void
notifier_stats(const struct notifier *n, struct notifier_stats *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	st->queued = n->nq;
	st->in_flight = n->in_flight;
	st->delivered = n->delivered;
	st->pages = n->npages;
	st->failed = n->failed;
	st->expired = n->expired;
	st->dropped = n->dropped;
	st->open_problems = n->nprobs;
	for (i = 0; i < n->nq; i++)
		if (st->oldest == 0 || n->q[i]->created < st->oldest)
			st->oldest = n->q[i]->created;
}

void
notifier_stop(struct notifier *n)
{
	struct page *p;
	size_t i;

	if (n->stopped)
		return;
	n->stopped = true;
	if (n->probs_dirty) {
		problems_save(n);
		n->probs_dirty = false;
	}
	while ((p = n->pages) != NULL) {
		n->pages = p->next;
		curl_multi_remove_handle(n->multi, p->easy);
		for (i = 0; i < p->nitems; i++)
			p->items[i]->busy = false;
		page_free(p);
	}
	n->in_flight = 0;
	n->smtp_in_flight = 0;
	uv_timer_stop(&n->tick);
	uv_timer_stop(&n->curl_timer);
}

void
notifier_free(struct notifier *n)
{
	size_t i;

	if (n == NULL)
		return;
	notifier_stop(n);
	curl_multi_cleanup(n->multi);
	n->multi = NULL;
	while (n->socks != NULL)
		sock_close(n, n->socks);
	settings_cleanup(&n->set);
	for (i = 0; i < n->nq; i++)
		qitem_free(n->q[i]);
	n->nq = 0;
	while (n->nprobs > 0)
		problem_free_at(n, n->nprobs - 1);
	n->freeing = true;
	uv_close((uv_handle_t *)&n->curl_timer, handle_closed);
	uv_close((uv_handle_t *)&n->tick, handle_closed);
}
