/*
 * nut: worker job, deadline, settings and table entry of the NUT source.
 *
 * A job lives until both its worker has returned (after_work) and its
 * deadline timer is closed; the target that started it may be gone by
 * then.  The job owns copies of everything its worker reads.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/parse.h"
#include "lib/secret.h"
#include "plugins/nut.h"

/* The library's timeouts as shares of the deadline: they give up
 * first, so the deadline only fires when something else hangs. */
#define CONNECT_SHARE_PCT 40
#define READ_SHARE_PCT 40
#define WORK_SHARE_PCT 90 /* the worker stops between lines after this */
#define CONNECT_MIN_MS 100

/* What one read of all a host's UPSes needs (the job's own copies). */
struct nut_plan {
	struct nut_ups *ups;
	size_t nups;
	char *user, *password;
	unsigned deadline_ms;
};

/* What it gave. */
struct nut_out {
	struct batch batch;
	struct attrs status; /* UPS name -> ups.status ("" when none) */
	size_t nok;	     /* UPSes read */
	size_t nvars;	     /* variables upsd listed for them */
	bool timeout;	     /* a failure was a timeout */
	char error[512];
};

struct nut_job {
	uv_work_t work;
	uv_timer_t deadline;
	struct nut_target *target; /* NULL after the target is freed */
	bool delivered;		   /* the poll has ended (result or deadline) */
	bool worker_done;
	bool timer_closed;
	uint64_t t0; /* uv_now at start */
	struct nut_plan plan;
	struct nut_out out;
};

struct nut_target {
	uv_loop_t *loop;
	char *host;
	struct nut_job *job;  /* the read this poll waits for, or NULL */
	struct nut_job *busy; /* a job whose worker has not returned */
	source_done_cb cb;
	void *arg;
	struct attrs status; /* UPS name -> last ups.status seen */
};

/* ---- the read (any thread) ------------------------------------------ */

static void
plan_cleanup(struct nut_plan *p)
{
	size_t i;

	for (i = 0; i < p->nups; i++) {
		free(p->ups[i].name);
		free(p->ups[i].host);
	}
	free(p->ups);
	free(p->user);
	secret_free(p->password);
	memset(p, 0, sizeof(*p));
}

static char *
dup_or_null(const char *s, bool *fail)
{
	char *p;

	if (s == NULL)
		return NULL;
	p = strdup(s);
	if (p == NULL)
		*fail = true;
	return p;
}

/* p from h's settings; 0 / -1 (ENOMEM). */
static int
plan_init(struct nut_plan *p, const struct source_host *h)
{
	const struct nut_settings *ns = h->settings;
	bool fail = false;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->deadline_ms = nut_timeout(h) * 1000;
	p->ups = calloc(ns->nups > 0 ? ns->nups : 1, sizeof(*p->ups));
	if (p->ups == NULL)
		return -1;
	p->nups = ns->nups;
	for (i = 0; i < ns->nups; i++) {
		p->ups[i].name = dup_or_null(ns->ups[i].name, &fail);
		p->ups[i].host = dup_or_null(ns->ups[i].host, &fail);
		p->ups[i].port = ns->ups[i].port;
	}
	p->user = dup_or_null(ns->user, &fail);
	p->password = dup_or_null(ns->password, &fail);
	if (fail) {
		plan_cleanup(p);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* Reads every UPS of p into o, each failure noted in o->error (the
 * first one's message, and how many more). */
static void
read_all(const struct nut_plan *p, struct nut_out *o)
{
	struct nut_conn c = {0};
	struct attrs vars;
	enum nut_err code;
	char err[512], where[400];
	const char *st;
	size_t i, nfail = 0;
	uint64_t t0 = uv_hrtime();

	c.user = p->user;
	c.password = p->password;
	c.connect_ms = p->deadline_ms * CONNECT_SHARE_PCT / 100;
	if (c.connect_ms < CONNECT_MIN_MS)
		c.connect_ms = CONNECT_MIN_MS;
	c.read_s = p->deadline_ms * READ_SHARE_PCT / 100 / 1000;
	if (c.read_s < 1)
		c.read_s = 1;
	c.until_ns =
	    t0 + (uint64_t)p->deadline_ms * WORK_SHARE_PCT / 100 * 1000000;
	for (i = 0; i < p->nups; i++) {
		memset(&vars, 0, sizeof(vars));
		c.ups = p->ups[i].name;
		c.host = p->ups[i].host;
		c.port = p->ups[i].port;
		code = NUT_E_NOMEM;
		snprintf(
		    where, sizeof(where), "%s@%s:%u", c.ups, c.host, c.port);
		if (nut_read_ups(&c, &vars, &code, err, sizeof(err)) == -1 ||
		    nut_vars_batch(c.ups, where, &vars, &o->batch) == -1) {
			if (err[0] == '\0')
				snprintf(err, sizeof(err), "%s: out of memory",
				    where);
			if (nfail++ == 0)
				snprintf(o->error, sizeof(o->error), "%s", err);
			if (code == NUT_E_TIMEOUT)
				o->timeout = true;
		} else {
			o->nok++;
			o->nvars += vars.n;
			st = attrs_get(&vars, "ups.status");
			/* memory shortage only loses a log line */
			(void)attrs_set(
			    &o->status, c.ups, st != NULL ? st : "");
		}
		attrs_cleanup(&vars);
	}
	if (nfail > 1) {
		i = strlen(o->error);
		snprintf(o->error + i, sizeof(o->error) - i,
		    " (and %zu more UPS failed)", nfail - 1);
	}
}

/* ---- the target (loop thread) --------------------------------------- */

static void
job_free(struct nut_job *j)
{
	plan_cleanup(&j->plan);
	batch_cleanup(&j->out.batch);
	attrs_cleanup(&j->out.status);
	free(j);
}

static void
on_timer_closed(uv_handle_t *h)
{
	struct nut_job *j = h->data;

	j->timer_closed = true;
	if (j->worker_done)
		job_free(j);
}

/* Logs each UPS whose ups.status changed since t's previous read (and a
 * first one that is not plain OL). */
static void
log_status_changes(struct nut_target *t, const struct attrs *now)
{
	const char *before;
	size_t i;

	for (i = 0; i < now->n; i++) {
		before = attrs_get(&t->status, now->v[i].key);
		if (before == NULL ? strcmp(now->v[i].value, "OL") != 0
				   : strcmp(before, now->v[i].value) != 0)
			log_info("nut: %s: UPS %s status \"%s\" -> \"%s\"",
			    t->host, now->v[i].key,
			    before != NULL ? before : "new", now->v[i].value);
		(void)attrs_set(&t->status, now->v[i].key, now->v[i].value);
	}
}

/* Hands the result to the caller and detaches the job from t. */
static void
deliver(struct nut_target *t, struct nut_job *j, enum source_status st,
    const char *error)
{
	struct source_result res = {0};
	source_done_cb cb = t->cb;
	void *arg = t->arg;

	t->job = NULL;
	j->delivered = true;
	uv_timer_stop(&j->deadline);
	res.status = st;
	uv_update_time(t->loop);
	res.duration_ms = uv_now(t->loop) - j->t0;
	if (error[0] != '\0')
		snprintf(res.error, sizeof(res.error), "%s after %.1f s", error,
		    (double)res.duration_ms / 1000);
	if (j->worker_done) { /* not the deadline: the values are there */
		res.batch = j->out.batch;
		memset(&j->out.batch, 0, sizeof(j->out.batch));
		log_status_changes(t, &j->out.status);
	}
	if (st == SOURCE_OK)
		snprintf(res.summary, sizeof(res.summary),
		    "%zu UPS, %zu variables", j->out.nok, j->out.nvars);
	cb(arg, &res);
	batch_cleanup(&res.batch);
}

static void
work_read(uv_work_t *w)
{
	struct nut_job *j = w->data;

	read_all(&j->plan, &j->out);
}

static void
after_read(uv_work_t *w, int status)
{
	struct nut_job *j = w->data;
	struct nut_target *t = j->target;

	j->worker_done = true;
	if (status == UV_ECANCELED)
		snprintf(j->out.error, sizeof(j->out.error), "cancelled");
	if (t != NULL)
		t->busy = NULL;
	if (t != NULL && !j->delivered)
		deliver(t, j,
		    j->out.error[0] == '\0' ? SOURCE_OK
		    : j->out.timeout	    ? SOURCE_TIMEOUT
					    : SOURCE_FAILED,
		    j->out.error);
	else
		log_debug("nut: %s: a late read ended (%s); result dropped",
		    t != NULL ? t->host : "(removed host)",
		    j->out.error[0] == '\0' ? "ok" : j->out.error);
	uv_close((uv_handle_t *)&j->deadline, on_timer_closed);
}

static void
on_deadline(uv_timer_t *tm)
{
	struct nut_job *j = tm->data;
	struct nut_target *t = j->target;
	char msg[512];

	if (t == NULL || j->delivered)
		return;
	snprintf(msg, sizeof(msg),
	    "upsd %s:%u: no result by the deadline (%u s); read abandoned",
	    j->plan.ups[0].host, j->plan.ups[0].port,
	    j->plan.deadline_ms / 1000);
	deliver(t, j, SOURCE_TIMEOUT, msg);
}

static void
fail_now(source_done_cb cb, void *arg, int err)
{
	struct source_result res = {0};

	res.status = SOURCE_FAILED;
	if (err == EBUSY)
		snprintf(res.error, sizeof(res.error),
		    "previous upsd read still running (a read abandoned at "
		    "its deadline has not returned)");
	else
		snprintf(res.error, sizeof(res.error),
		    "cannot start the upsd read: %s", strerror(err));
	cb(arg, &res);
}

static int
start_read(struct nut_target *t, const struct source_host *h, source_done_cb cb,
    void *arg)
{
	struct nut_job *j;

	if (t->job != NULL || t->busy != NULL) {
		errno = EBUSY;
		return -1;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return -1;
	if (plan_init(&j->plan, h) == -1) {
		free(j);
		errno = ENOMEM;
		return -1;
	}
	j->target = t;
	j->work.data = j;
	uv_update_time(t->loop);
	j->t0 = uv_now(t->loop);
	uv_timer_init(t->loop, &j->deadline);
	j->deadline.data = j;
	if (uv_queue_work(t->loop, &j->work, work_read, after_read) != 0) {
		j->worker_done = true;
		uv_close((uv_handle_t *)&j->deadline, on_timer_closed);
		errno = EAGAIN;
		return -1;
	}
	uv_timer_start(&j->deadline, on_deadline, j->plan.deadline_ms, 0);
	t->cb = cb;
	t->arg = arg;
	t->job = j;
	t->busy = j;
	return 0;
}

static void *
src_init(uv_loop_t *loop, const char *host)
{
	struct nut_target *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->loop = loop;
	t->host = strdup(host);
	if (t->host == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

static void
src_poll(void *state, const struct source_host *h, source_done_cb cb, void *arg)
{
	if (start_read(state, h, cb, arg) == -1)
		fail_now(cb, arg, errno);
}

static void
src_cancel(void *state)
{
	struct nut_target *t = state;
	struct nut_job *j = t->job;

	if (j == NULL)
		return;
	/* not yet started: the pool drops it (after_read: ECANCELED) */
	uv_cancel((uv_req_t *)&j->work);
	if (t->job == j)
		deliver(t, j, SOURCE_FAILED, "cancelled");
}

static void
src_close(void *state)
{
	struct nut_target *t = state;

	if (t == NULL)
		return;
	if (t->job != NULL)
		src_cancel(t);
	/* an abandoned job must not reach back into t */
	if (t->busy != NULL)
		t->busy->target = NULL;
	attrs_cleanup(&t->status);
	free(t->host);
	free(t);
}

/* "drover poll HOST": every UPS on this thread. */
static int
poll_once(const struct source_host *h, struct batch *b, char *line, size_t len)
{
	struct nut_plan p;
	struct nut_out o = {0};
	uint64_t t0 = uv_hrtime();
	int rc;

	if (plan_init(&p, h) == -1) {
		snprintf(line, len, "# %s/nut: failed: out of memory", h->name);
		return 1;
	}
	read_all(&p, &o);
	*b = o.batch;
	memset(&o.batch, 0, sizeof(o.batch));
	if (o.error[0] != '\0')
		snprintf(line, len, "# %s/nut: failed: %s; %.3f ms", h->name,
		    o.error, (double)(uv_hrtime() - t0) / 1e6);
	else
		snprintf(line, len,
		    "# %s/nut: ok; %zu UPS, %zu variables, %.3f ms", h->name,
		    o.nok, o.nvars, (double)(uv_hrtime() - t0) / 1e6);
	rc = o.error[0] != '\0';
	attrs_cleanup(&o.status);
	plan_cleanup(&p);
	return rc;
}

/* ---- settings and keys ---------------------------------------------- */

unsigned
nut_interval(const struct source_host *h)
{
	const struct nut_settings *ns = h->settings;

	return ns != NULL && ns->interval ? ns->interval : h->interval;
}

unsigned
nut_timeout(const struct source_host *h)
{
	const struct nut_settings *ns = h->settings;
	unsigned iv = nut_interval(h);

	if (ns != NULL && ns->timeout)
		return ns->timeout;
	return iv < NUT_DEFAULT_TIMEOUT ? iv : NUT_DEFAULT_TIMEOUT;
}

static bool
wanted(const struct source_host *h)
{
	const struct nut_settings *ns = h->settings;

	return ns != NULL && ns->nups > 0;
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("nut: strdup");
	return p;
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static void *
settings_new(void)
{
	return calloc(1, sizeof(struct nut_settings));
}

static void
settings_free(void *p)
{
	struct nut_settings *ns = p;
	size_t i;

	if (ns == NULL)
		return;
	for (i = 0; i < ns->nups; i++) {
		free(ns->ups[i].name);
		free(ns->ups[i].host);
	}
	free(ns->ups);
	free(ns->user);
	free(ns->password_file);
	secret_free(ns->password);
	free(ns);
}

/* A name upsd can take unquoted: printable, no blank, quote or @. */
static bool
plain_name(const char *s, size_t len, size_t max)
{
	size_t i;

	if (len == 0 || len > max)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '"' || s[i] == '\\' ||
		    s[i] == '@')
			return false;
	return true;
}

/* nut UPS[@HOST[:PORT]]: one more UPS (HOST default localhost). */
static int
key_nut(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct nut_settings *ns = p;
	const char *at = strchr(val, '@');
	size_t nlen = at != NULL ? (size_t)(at - val) : strlen(val);
	struct nut_ups *v;
	char addr[256];
	unsigned port = NUT_DEFAULT_PORT;

	(void)key;
	if (!plain_name(val, nlen, 64)) {
		snprintf(err, len,
		    "nut takes UPS@HOST[:PORT] (UPS: upsd's name for it, "
		    "as upsc -l lists it)");
		return -1;
	}
	if (at != NULL && strstr(at, "://") != NULL) {
		snprintf(err, len, "nut takes UPS@HOST[:PORT], no URL");
		return -1;
	}
	if (at == NULL)
		snprintf(addr, sizeof(addr), "localhost");
	else if (source_parse_address(
		     at + 1, addr, sizeof(addr), &port, err, len) == -1)
		return -1;
	v = realloc(ns->ups, (ns->nups + 1) * sizeof(*v));
	if (v == NULL)
		fatal("nut: realloc");
	ns->ups = v;
	v[ns->nups].name = strndup(val, nlen);
	if (v[ns->nups].name == NULL)
		fatal("nut: strndup");
	v[ns->nups].host = xstrdup(addr);
	v[ns->nups].port = port;
	ns->nups++;
	return 0;
}

static int
key_user(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct nut_settings *ns = p;

	(void)key;
	if (!plain_name(val, strlen(val), NUT_USER_MAX)) {
		snprintf(err, len,
		    "nut_user must be 1-%d printable bytes without blanks, "
		    "quotes or @",
		    NUT_USER_MAX);
		return -1;
	}
	set_str(&ns->user, val);
	return 0;
}

/* The password is the first line of a file only its owner can read. */
static int
key_password_file(
    void *p, const char *key, const char *path, char *err, size_t len)
{
	struct nut_settings *ns = p;
	char *pw = NULL;
	unsigned mode;

	(void)key;
	switch (secret_read(path, 1, NUT_PASSWORD_MAX, &pw, &mode)) {
	case SECRET_OK:
		break;
	case SECRET_EMPTY:
		snprintf(
		    err, len, "nut_password_file %s: empty password", path);
		return -1;
	case SECRET_OPEN:
	case SECRET_READ:
		snprintf(err, len, "nut_password_file %s: %s", path,
		    strerror(errno));
		return -1;
	case SECRET_NOT_REGULAR:
		snprintf(
		    err, len, "nut_password_file %s: not a regular file", path);
		return -1;
	case SECRET_MODE:
		snprintf(err, len,
		    "nut_password_file %s is accessible by group or others "
		    "(mode %04o); refusing it (chmod 600 %s)",
		    path, mode, path);
		return -1;
	case SECRET_TOO_LONG:
		snprintf(err, len,
		    "nut_password_file %s: password longer than %d bytes", path,
		    NUT_PASSWORD_MAX);
		return -1;
	}
	secret_free(ns->password);
	ns->password = pw;
	set_str(&ns->password_file, path);
	return 0;
}

/* nut_interval and nut_timeout */
static int
key_seconds(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct nut_settings *ns = p;

	if (!parse_uint(
		val, 1, 86400, key[4] == 'i' ? &ns->interval : &ns->timeout)) {
		snprintf(err, len, "%s must be 1-86400 seconds", key);
		return -1;
	}
	return 0;
}

static void
settings_check(void *p, source_err_cb err, void *arg)
{
	struct nut_settings *ns = p;
	char a[200], b[200], msg[512];
	size_t i, k;

	if (ns->nups == 0 && (ns->user != NULL || ns->password_file != NULL ||
				 ns->interval || ns->timeout))
		err(arg, "nut_* keys without a nut UPS@HOST line");
	if (ns->user != NULL && ns->password == NULL)
		err(arg, "nut_user needs nut_password_file (upsd checks the "
			 "password at LOGIN)");
	if (ns->user == NULL && ns->password != NULL)
		err(arg, "nut_password_file without nut_user");
	for (i = 0; i < ns->nups; i++)
		for (k = 0; k < i; k++) {
			sanitise_plugin_name(ns->ups[i].name, a, sizeof(a));
			sanitise_plugin_name(ns->ups[k].name, b, sizeof(b));
			if (strcmp(a, b) != 0)
				continue;
			snprintf(msg, sizeof(msg),
			    "nut %s@%s and %s@%s would both be bank_%s; a "
			    "host's UPSes need distinct names",
			    ns->ups[k].name, ns->ups[k].host, ns->ups[i].name,
			    ns->ups[i].host, a);
			err(arg, msg);
		}
}

static void
settings_print(const struct source_host *h, FILE *out)
{
	const struct nut_settings *ns = h->settings;
	size_t i;

	if (ns == NULL || !wanted(h))
		return;
	for (i = 0; i < ns->nups; i++)
		fprintf(out,
		    strchr(ns->ups[i].host, ':') ? "    nut %s@[%s]:%u\n"
						 : "    nut %s@%s:%u\n",
		    ns->ups[i].name, ns->ups[i].host, ns->ups[i].port);
	if (ns->user != NULL)
		fprintf(out, "    nut_user %s\n", ns->user);
	if (ns->password_file != NULL)
		fprintf(out, "    nut_password_file %s\n", ns->password_file);
	fprintf(out, "    nut_interval %u\n", nut_interval(h));
	fprintf(out, "    nut_timeout %u\n", nut_timeout(h));
}

/* Sorted by key. */
static const struct source_key keys[] = {
    {"nut", key_nut},
    {"nut_interval", key_seconds},
    {"nut_password_file", key_password_file},
    {"nut_timeout", key_seconds},
    {"nut_user", key_user},
};

const struct source source_nut = {
    .name = "nut",
    .suffix = "/nut",
    .substate = true,
    .keys = keys,
    .nkeys = sizeof(keys) / sizeof(keys[0]),
    .settings_new = settings_new,
    .settings_free = settings_free,
    .settings_check = settings_check,
    .settings_print = settings_print,
    .wanted = wanted,
    .interval = nut_interval,
    .init = src_init,
    .poll = src_poll,
    .cancel = src_cancel,
    .close = src_close,
    .poll_once = poll_once,
};
