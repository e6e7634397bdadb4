/*
 * bmc: worker job, deadline and SDR cache directory for one BMC.
 *
 * A job lives until both its worker has returned (after_work) and its
 * deadline timer is closed; the bmc that started it may be gone by then.
 *
 * Every bmc_sel_interval() a read is a full one: it also takes
 * the discrete sensors and the SEL (counted against the state the bmc
 * keeps between full reads; the job works on its own copy).  Regular
 * reads repeat the last full read's services (ipmi_discrete, ipmi_sel):
 * their RRDs have Munin's 300 s step and 600 s heartbeat, so a value
 * only every ten intervals would graph as nothing at all.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/parse.h"
#include "lib/secret.h"
#include "plugins/bmc.h"

/* The library's session timeout as a share of the deadline: it gives up
 * first, so the deadline only fires when something else hangs. */
#define SESSION_SHARE_PCT 75
#define RETRANSMIT_MIN_MS 100 /* retransmission timeout bounds */
#define RETRANSMIT_MAX_MS 1000

struct bmc_job {
	uv_work_t work;
	uv_timer_t deadline;
	struct bmc *bmc; /* whose session this is; NULL after bmc_free */
	bool delivered;	 /* the poll has ended (result or deadline) */
	struct ipmi_conn conn;
	char *address, *user, *password; /* owned copies for the worker */
	char cachedir[4096];
	uint64_t t0;		   /* uv_now at start */
	bool full;		   /* also discrete sensors and the SEL */
	unsigned full_ms;	   /* the full-read interval, ms */
	struct ipmi_sel_state sel; /* the worker's copy; in and out */
	bool worker_done;
	bool timer_closed;
	/* worker output */
	int rc;
	enum ipmi_err code;
	char error[512];
	struct batch batch;
};

/* How a read ended. */
enum bmc_status { BMC_OK, BMC_FAILED, BMC_TIMEOUT, BMC_CANCELLED };

struct bmc {
	uv_loop_t *loop;
	char *host;
	struct bmc_job *job;  /* the read this poll waits for, or NULL */
	struct bmc_job *busy; /* a job whose worker has not returned */
	source_done_cb cb;
	void *arg;
	bool freeing;
	struct ipmi_sel_state sel; /* what the last full read saw */
	bool had_full;		   /* a full read has succeeded */
	uint64_t next_full;	   /* uv_now ms the next full read is due */
	struct batch slow;	   /* the last full read's slow services */
	struct attrs states;	   /* "service.field" -> last state seen */
};

/* The services only a full read produces. */
static const char *const slow_services[] = {"ipmi_discrete", "ipmi_sel"};
#define NSLOW (sizeof(slow_services) / sizeof(slow_services[0]))

/* Set on the loop thread before the first job is queued. */
static bool initialised;

int
bmc_global_init(void)
{
	char err[256];

	if (initialised)
		return 0;
	if (ipmi_global_init(err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	initialised = true;
	return 0;
}

struct bmc *
bmc_new(uv_loop_t *loop, const char *host)
{
	struct bmc *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->loop = loop;
	b->host = strdup(host);
	if (b->host == NULL) {
		free(b);
		return NULL;
	}
	return b;
}

bool
bmc_busy(const struct bmc *b)
{
	return b->busy != NULL;
}

static void
job_free(struct bmc_job *j)
{
	free(j->address);
	free(j->user);
	secret_free(j->password);
	batch_cleanup(&j->batch);
	free(j);
}

static void
maybe_free_job(struct bmc_job *j)
{
	if (j->worker_done && j->timer_closed)
		job_free(j);
}

static void
on_timer_closed(uv_handle_t *h)
{
	struct bmc_job *j = h->data;

	j->timer_closed = true;
	maybe_free_job(j);
}

static void
bmc_release(struct bmc *b)
{
	batch_cleanup(&b->slow);
	attrs_cleanup(&b->states);
	free(b->host);
	free(b);
}

/* Appends a copy of src to dst, replacing one of the same name; 0 / -1. */
static int
batch_put_copy(struct batch *dst, const struct service *src)
{
	struct service *s = batch_service(dst, src->name, false);

	if (s != NULL)
		service_cleanup(s);
	else {
		s = batch_service(dst, src->name, true);
		if (s == NULL)
			return -1;
		free(s->name);
	}
	if (service_copy(s, src) == -1) {
		/* s is zeroed; keep dst well-formed by dropping it */
		*s = dst->services[--dst->n];
		return -1;
	}
	return 0;
}

/*
 * After a successful read: a full one refreshes b's SEL state and slow
 * services and sets the next full read one interval on (absolute, or from
 * now when reads fell behind); a regular one gets the slow services
 * added.  Memory shortage only loses the repeat.
 */
static void
note_read(struct bmc *b, struct bmc_job *j, struct batch *out)
{
	const struct service *s;
	size_t i;

	if (!j->full) {
		for (i = 0; i < b->slow.n; i++)
			(void)batch_put_copy(out, &b->slow.services[i]);
		return;
	}
	b->sel = j->sel;
	b->next_full =
	    b->had_full ? b->next_full + j->full_ms : j->t0 + j->full_ms;
	if (b->next_full <= j->t0)
		b->next_full = j->t0 + j->full_ms;
	b->had_full = true;
	batch_cleanup(&b->slow);
	for (i = 0; i < NSLOW; i++) {
		s = batch_service(out, slow_services[i], false);
		if (s != NULL)
			(void)batch_put_copy(&b->slow, s);
	}
}

/*
 * Logs each sensor of bt whose state changed since b's previous read (and
 * a first reading that is not OK): an operator watching the log sees a
 * sagging rail the moment drover does.
 */
static void
log_state_changes(struct bmc *b, const struct batch *bt)
{
	const struct service *s;
	const struct field *f;
	const char *now, *before, *label, *warn, *crit;
	char key[512];
	size_t i, j;

	for (i = 0; i < bt->n; i++) {
		s = &bt->services[i];
		for (j = 0; j < s->nfields; j++) {
			f = &s->fields[j];
			now = attrs_get(&f->attrs, "state");
			if (now == NULL)
				continue;
			snprintf(key, sizeof(key), "%s.%s", s->name, f->name);
			before = attrs_get(&b->states, key);
			if (before == NULL ? strcmp(now, "OK") != 0
					   : strcmp(before, now) != 0) {
				label = attrs_get(&f->attrs, "label");
				warn = attrs_get(&f->attrs, "warning");
				crit = attrs_get(&f->attrs, "critical");
				log_info(
				    "ipmi: %s: %s.%s \"%s\" = %.6g: %s -> %s "
				    "(warning %s, critical %s)",
				    b->host, s->name, f->name,
				    label != NULL ? label : f->name, f->value,
				    before != NULL ? before : "new", now,
				    warn != NULL ? warn : "none",
				    crit != NULL ? crit : "none");
			}
			/* memory shortage only repeats a message */
			(void)attrs_set(&b->states, key, now);
		}
	}
}

/* Hands the result to the caller and detaches the job from b. */
static void
deliver(struct bmc *b, struct bmc_job *j, enum bmc_status st, const char *error)
{
	struct source_result res = {0};
	source_done_cb cb = b->cb;
	void *arg = b->arg;

	b->job = NULL;
	j->delivered = true;
	uv_timer_stop(&j->deadline);
	res.status = st == BMC_OK	 ? SOURCE_OK
		     : st == BMC_TIMEOUT ? SOURCE_TIMEOUT
					 : SOURCE_FAILED;
	uv_update_time(b->loop);
	res.duration_ms = uv_now(b->loop) - j->t0;
	if (error[0] != '\0')
		snprintf(res.error, sizeof(res.error), "%s after %.1f s", error,
		    (double)res.duration_ms / 1000);
	if (st == BMC_OK || st == BMC_FAILED) {
		res.batch = j->batch;
		memset(&j->batch, 0, sizeof(j->batch));
	}
	if (st == BMC_OK) {
		note_read(b, j, &res.batch);
		snprintf(res.summary, sizeof(res.summary), "%zu sensors",
		    ipmi_sensor_count(&res.batch));
	}
	if (res.batch.n > 0)
		log_state_changes(b, &res.batch);
	cb(arg, &res);
	batch_cleanup(&res.batch);
}

static void
work_read(uv_work_t *w)
{
	struct bmc_job *j = w->data;

	j->rc = ipmi_read(&j->conn, j->full ? &j->sel : NULL, &j->batch,
	    &j->code, j->error, sizeof(j->error));
}

static void
after_read(uv_work_t *w, int status)
{
	struct bmc_job *j = w->data;
	struct bmc *b = j->bmc;

	j->worker_done = true;
	if (status == UV_ECANCELED) {
		j->rc = -1;
		j->code = IPMI_E_OTHER;
		snprintf(j->error, sizeof(j->error), "cancelled");
	}
	/* the session is gone: the BMC may be read again */
	if (b != NULL)
		b->busy = NULL;
	if (b != NULL && !j->delivered)
		deliver(b, j,
		    j->rc == 0			? BMC_OK
		    : j->code == IPMI_E_TIMEOUT ? BMC_TIMEOUT
						: BMC_FAILED,
		    j->rc == 0 ? "" : j->error);
	else
		log_debug("ipmi: %s: a late read ended (%s); result dropped",
		    b != NULL ? b->host : "(removed host)",
		    j->rc == 0 ? "ok" : j->error);
	uv_close((uv_handle_t *)&j->deadline, on_timer_closed);
}

static void
on_deadline(uv_timer_t *t)
{
	struct bmc_job *j = t->data;
	struct bmc *b = j->bmc;
	char msg[512];

	if (b == NULL || j->delivered)
		return;
	if (j->conn.address != NULL)
		snprintf(msg, sizeof(msg),
		    "BMC %s:%u: no result by the deadline; read abandoned",
		    j->conn.address, j->conn.port ? j->conn.port : 623);
	else
		snprintf(msg, sizeof(msg),
		    "local BMC (in-band): no result "
		    "by the deadline; read abandoned");
	j->code = IPMI_E_TIMEOUT;
	deliver(b, j, BMC_TIMEOUT, msg);
}

static int
mkdir_0700(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return -1;
	if (stat(path, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	/* FreeIPMI refuses a cache dir others can read */
	if ((st.st_mode & 077) != 0 && chmod(path, 0700) == -1)
		return -1;
	return 0;
}

int
bmc_conn(const struct source_host *h, struct ipmi_conn *conn, char *cachedir,
    size_t cachelen)
{
	const struct bmc_settings *bs = h->settings;
	char dir[4096];
	unsigned deadline_ms = bmc_timeout(h) * 1000;
	unsigned rt;

	memset(conn, 0, sizeof(*conn));
	conn->address = bs->local ? NULL : bs->address;
	conn->port = bs->port;
	conn->user = bs->user;
	conn->password = bs->password;
	conn->protocol = bs->protocol;
	conn->privilege = bs->privilege;
	conn->cipher_suite = bs->cipher_suite;
	conn->workarounds = bs->workaround_flags;
	conn->session_timeout_ms = deadline_ms * SESSION_SHARE_PCT / 100;
	rt = conn->session_timeout_ms / 6;
	if (rt < RETRANSMIT_MIN_MS)
		rt = RETRANSMIT_MIN_MS;
	if (rt > RETRANSMIT_MAX_MS)
		rt = RETRANSMIT_MAX_MS;
	conn->retransmit_ms = rt;
	if (snprintf(dir, sizeof(dir), "%s/ipmi-sdr", h->dbdir) >=
		(int)sizeof(dir) ||
	    snprintf(cachedir, cachelen, "%s/%s", dir, h->name) >=
		(int)cachelen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir(h->dbdir, 0755) == -1 && errno != EEXIST)
		return -1;
	if (mkdir_0700(dir) == -1 || mkdir_0700(cachedir) == -1)
		return -1;
	conn->sdr_cache_dir = cachedir;
	return 0;
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

/* A poll that could not start: cb at once, as the poll's result. */
static void
fail_now(source_done_cb cb, void *arg, int err)
{
	struct source_result res = {0};

	res.status = SOURCE_FAILED;
	if (err == EBUSY)
		snprintf(res.error, sizeof(res.error),
		    "previous BMC session still open (a read "
		    "abandoned at its deadline has not returned)");
	else
		snprintf(res.error, sizeof(res.error),
		    "cannot start the BMC read: %s", strerror(err));
	cb(arg, &res);
}

/* Starts the read; 0, or -1 (errno) when it cannot start. */
static int
start_read(
    struct bmc *b, const struct source_host *h, source_done_cb cb, void *arg)
{
	struct bmc_job *j;
	bool fail = false;

	if (b->job != NULL || b->busy != NULL) {
		errno = EBUSY;
		return -1;
	}
	if (bmc_global_init() == -1) {
		errno = ENOSYS;
		return -1;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return -1;
	if (bmc_conn(h, &j->conn, j->cachedir, sizeof(j->cachedir)) == -1) {
		free(j);
		return -1;
	}
	j->address = dup_or_null(j->conn.address, &fail);
	j->user = dup_or_null(j->conn.user, &fail);
	j->password = dup_or_null(j->conn.password, &fail);
	if (fail) {
		job_free(j);
		errno = ENOMEM;
		return -1;
	}
	j->conn.address = j->address;
	j->conn.user = j->user;
	j->conn.password = j->password;
	j->conn.sdr_cache_dir = j->cachedir;
	j->bmc = b;
	j->work.data = j;
	uv_update_time(b->loop);
	j->t0 = uv_now(b->loop);
	/* due within half a regular interval counts as due: reads start
	 * on a schedule, not to the millisecond */
	j->full_ms = bmc_sel_interval(h) * 1000;
	j->full =
	    j->full_ms > 0 &&
	    (!b->had_full || j->t0 + bmc_interval(h) * 500 >= b->next_full);
	j->sel = b->sel;
	if (j->full_ms == 0) /* turned off: stop repeating the old ones */
		batch_cleanup(&b->slow);
	uv_timer_init(b->loop, &j->deadline);
	j->deadline.data = j;
	if (uv_queue_work(b->loop, &j->work, work_read, after_read) != 0) {
		j->worker_done = true;
		uv_close((uv_handle_t *)&j->deadline, on_timer_closed);
		errno = EAGAIN;
		return -1;
	}
	uv_timer_start(
	    &j->deadline, on_deadline, (uint64_t)bmc_timeout(h) * 1000, 0);
	b->cb = cb;
	b->arg = arg;
	b->job = j;
	b->busy = j;
	return 0;
}

void
bmc_poll(
    struct bmc *b, const struct source_host *h, source_done_cb cb, void *arg)
{
	if (start_read(b, h, cb, arg) == -1)
		fail_now(cb, arg, errno);
}

void
bmc_cancel(struct bmc *b)
{
	struct bmc_job *j = b->job;

	if (j == NULL)
		return;
	/* not yet started: the pool drops it (after_read: ECANCELED) */
	uv_cancel((uv_req_t *)&j->work);
	if (b->job == j) {
		j->code = IPMI_E_OTHER;
		deliver(b, j, BMC_CANCELLED, "cancelled");
	}
}

void
bmc_free(struct bmc *b)
{
	if (b == NULL)
		return;
	if (b->job != NULL)
		bmc_cancel(b);
	/* an abandoned job must not reach back into b */
	if (b->busy != NULL)
		b->busy->bmc = NULL;
	bmc_release(b);
}

/* ---- the ipmi source: settings, keys, table entry ------------------ */

unsigned
bmc_interval(const struct source_host *h)
{
	const struct bmc_settings *bs = h->settings;

	return bs != NULL && bs->interval ? bs->interval : h->interval;
}

unsigned
bmc_sel_interval(const struct source_host *h)
{
	const struct bmc_settings *bs = h->settings;

	if (bs != NULL && bs->sel_interval_set)
		return bs->sel_interval;
	return BMC_SEL_FACTOR * bmc_interval(h);
}

unsigned
bmc_timeout(const struct source_host *h)
{
	const struct bmc_settings *bs = h->settings;
	unsigned iv = bmc_interval(h);

	if (bs != NULL && bs->timeout)
		return bs->timeout;
	return iv < BMC_DEFAULT_TIMEOUT ? iv : BMC_DEFAULT_TIMEOUT;
}

bool
bmc_wanted(const struct source_host *h)
{
	const struct bmc_settings *bs = h->settings;

	return bs != NULL && (bs->address != NULL || bs->local);
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("ipmi: strdup");
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
	struct bmc_settings *bs = calloc(1, sizeof(*bs));

	if (bs == NULL)
		return NULL;
	bs->port = 623;
	bs->protocol = 20;
	bs->cipher_suite = -1;
	return bs;
}

static void
settings_free(void *p)
{
	struct bmc_settings *bs = p;

	if (bs == NULL)
		return;
	free(bs->address);
	free(bs->user);
	free(bs->password_file);
	secret_free(bs->password);
	free(bs->workarounds);
	free(bs);
}

static int
key_local(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct bmc_settings *bs = p;

	(void)key;
	if (strcmp(val, "local") != 0) {
		snprintf(err, len,
		    "ipmi takes only \"local\" "
		    "(in-band); use ipmi_address "
		    "for a BMC on the network");
		return -1;
	}
	bs->local = true;
	return 0;
}

static int
key_address(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct bmc_settings *bs = p;
	char addr[256];

	(void)key;
	if (source_parse_address(
		val, addr, sizeof(addr), &bs->port, err, len) == -1)
		return -1;
	set_str(&bs->address, addr);
	return 0;
}

static int
key_user(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct bmc_settings *bs = p;

	(void)key;
	if (strlen(val) > 16) {
		snprintf(err, len, "ipmi_user is longer than 16 bytes");
		return -1;
	}
	set_str(&bs->user, val);
	return 0;
}

/*
 * Reads the BMC password from path: it must be a regular file that
 * neither group nor others can read (a password is a secret, and
 * FreeIPMI's own tools insist on the same).  The first line is the
 * password.
 */
static int
key_password_file(
    void *p, const char *key, const char *path, char *err, size_t len)
{
	struct bmc_settings *bs = p;
	char *pw = NULL;
	unsigned mode;

	(void)key;
	/* IPMI 2.0 passwords are at most 20 bytes */
	switch (secret_read(path, 1, 20, &pw, &mode)) {
	case SECRET_OK:
		break;
	case SECRET_EMPTY:
		pw = xstrdup("");
		break;
	case SECRET_OPEN:
	case SECRET_READ:
		snprintf(err, len, "ipmi_password_file %s: %s", path,
		    strerror(errno));
		return -1;
	case SECRET_NOT_REGULAR:
		snprintf(err, len, "ipmi_password_file %s: not a regular file",
		    path);
		return -1;
	case SECRET_MODE:
		snprintf(err, len,
		    "ipmi_password_file %s is accessible by group or others "
		    "(mode %04o); refusing it (chmod 600 %s)",
		    path, mode, path);
		return -1;
	case SECRET_TOO_LONG:
		snprintf(err, len,
		    "ipmi_password_file %s: password longer than 20 bytes",
		    path);
		return -1;
	}
	secret_free(bs->password);
	bs->password = pw;
	set_str(&bs->password_file, path);
	return 0;
}

static int
key_protocol(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct bmc_settings *bs = p;

	(void)key;
	if (strcmp(val, "2.0") == 0)
		bs->protocol = 20;
	else if (strcmp(val, "1.5") == 0)
		bs->protocol = 15;
	else {
		snprintf(err, len, "ipmi_protocol must be 2.0 or 1.5");
		return -1;
	}
	return 0;
}

static int
key_privilege(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct bmc_settings *bs = p;

	(void)key;
	if (!ipmi_privilege_parse(val, &bs->privilege)) {
		snprintf(
		    err, len, "ipmi_privilege must be user, operator or admin");
		return -1;
	}
	return 0;
}

static int
key_cipher_suite(
    void *p, const char *key, const char *val, char *err, size_t len)
{
	struct bmc_settings *bs = p;
	unsigned u;

	(void)key;
	if (!parse_uint(val, 0, 17, &u)) {
		snprintf(err, len, "ipmi_cipher_suite must be 0-17");
		return -1;
	}
	bs->cipher_suite = (int)u;
	return 0;
}

static int
key_workarounds(
    void *p, const char *key, const char *val, char *err, size_t len)
{
	struct bmc_settings *bs = p;
	char bad[64];
	unsigned u;

	(void)key;
	/* checked against the protocol in settings_check */
	if (!ipmi_workarounds_parse(val, 20, &u, bad, sizeof(bad))) {
		snprintf(err, len,
		    "ipmi_workarounds: unknown workaround \"%s\" "
		    "(FreeIPMI's names, e.g. opensesspriv)",
		    bad);
		return -1;
	}
	set_str(&bs->workarounds, val);
	return 0;
}

/* ipmi_interval and ipmi_timeout */
static int
key_seconds(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct bmc_settings *bs = p;

	if (!parse_uint(
		val, 1, 86400, key[5] == 'i' ? &bs->interval : &bs->timeout)) {
		snprintf(err, len, "%s must be 1-86400 seconds", key);
		return -1;
	}
	return 0;
}

static int
key_sel_interval(
    void *p, const char *key, const char *val, char *err, size_t len)
{
	struct bmc_settings *bs = p;

	(void)key;
	/* up to ten days: ten times the longest ipmi_interval */
	if (!parse_uint(val, 0, 864000, &bs->sel_interval)) {
		snprintf(err, len,
		    "ipmi_sel_interval must be 0 (off) or 1-864000 "
		    "seconds");
		return -1;
	}
	bs->sel_interval_set = true;
	return 0;
}

static void
settings_check(void *p, source_err_cb err, void *arg)
{
	struct bmc_settings *bs = p;
	char bad[256], msg[512];

	if (bs->address != NULL && bs->local)
		err(arg, "ipmi local and ipmi_address both set; choose one");
	if (bs->workarounds != NULL &&
	    !ipmi_workarounds_parse(bs->workarounds, bs->protocol,
		&bs->workaround_flags, bad, sizeof(bad))) {
		snprintf(
		    msg, sizeof(msg), "ipmi_workarounds: \"%s\" unknown", bad);
		err(arg, msg);
	}
}

static void
settings_print(const struct source_host *h, FILE *out)
{
	const struct bmc_settings *bs = h->settings;

	if (bs->local)
		fprintf(out, "    ipmi local\n");
	if (bs->address != NULL)
		fprintf(out,
		    strchr(bs->address, ':') ? "    ipmi_address [%s]:%u\n"
					     : "    ipmi_address %s:%u\n",
		    bs->address, bs->port);
	if (!bmc_wanted(h))
		return;
	if (bs->user != NULL)
		fprintf(out, "    ipmi_user %s\n", bs->user);
	if (bs->password_file != NULL)
		fprintf(out, "    ipmi_password_file %s\n", bs->password_file);
	fprintf(
	    out, "    ipmi_protocol %s\n", bs->protocol == 15 ? "1.5" : "2.0");
	fprintf(
	    out, "    ipmi_privilege %s\n", ipmi_privilege_str(bs->privilege));
	if (bs->cipher_suite >= 0)
		fprintf(out, "    ipmi_cipher_suite %d\n", bs->cipher_suite);
	if (bs->workarounds != NULL)
		fprintf(out, "    ipmi_workarounds %s\n", bs->workarounds);
	fprintf(out, "    ipmi_interval %u\n", bmc_interval(h));
	fprintf(out, "    ipmi_timeout %u\n", bmc_timeout(h));
	fprintf(out, "    ipmi_sel_interval %u\n", bmc_sel_interval(h));
}

static int
global_init(char *err, size_t len)
{
	if (bmc_global_init() == -1) {
		snprintf(
		    err, len, "cannot read BMCs without libipmimonitoring");
		return -1;
	}
	return 0;
}

static void *
src_init(uv_loop_t *loop, const char *host)
{
	return bmc_new(loop, host);
}

static void
src_poll(void *state, const struct source_host *h, source_done_cb cb, void *arg)
{
	bmc_poll(state, h, cb, arg);
}

static void
src_cancel(void *state)
{
	bmc_cancel(state);
}

static void
src_close(void *state)
{
	bmc_free(state);
}

/* A full read (discrete sensors and SEL, with no baseline for "new") on
 * this thread. */
static int
poll_once(const struct source_host *h, struct batch *b, char *line, size_t len)
{
	struct ipmi_sel_state sel = {0};
	struct ipmi_conn conn;
	enum ipmi_err code;
	char cachedir[4096], err[512];
	uint64_t t0;

	line[0] = '\0';
	if (bmc_global_init() == -1)
		return 1;
	t0 = uv_hrtime();
	if (bmc_conn(h, &conn, cachedir, sizeof(cachedir)) == -1) {
		snprintf(line, len,
		    "# %s/ipmi: failed: SDR cache directory %s/ipmi-sdr: %s",
		    h->name, h->dbdir, strerror(errno));
		return 1;
	}
	if (ipmi_read(&conn, &sel, b, &code, err, sizeof(err)) == -1) {
		snprintf(line, len, "# %s/ipmi: failed: %s; %.3f ms", h->name,
		    err, (double)(uv_hrtime() - t0) / 1e6);
		return 1;
	}
	snprintf(line, len, "# %s/ipmi: ok; %zu sensors, %.3f ms", h->name,
	    ipmi_sensor_count(b), (double)(uv_hrtime() - t0) / 1e6);
	return 0;
}

/*
 * "ipmi local": FreeIPMI's in-band driver opens the OpenIPMI device
 * (ipmi_devintf) on every read, under any of these names.  The KCS and
 * SSIF fallbacks need raw I/O (CAP_SYS_RAWIO), which drover never keeps.
 */
static const char *const *
bmc_devices(const struct source_host *h)
{
	static const char *const dev[] = {
	    "/dev/ipmi0", "/dev/ipmi/0", "/dev/ipmidev/0", NULL};
	const struct bmc_settings *bs = h->settings;

	return bs != NULL && bs->local ? dev : NULL;
}

/* Sorted by key. */
static const struct source_key keys[] = {
    {"ipmi", key_local},
    {"ipmi_address", key_address},
    {"ipmi_cipher_suite", key_cipher_suite},
    {"ipmi_interval", key_seconds},
    {"ipmi_password_file", key_password_file},
    {"ipmi_privilege", key_privilege},
    {"ipmi_protocol", key_protocol},
    {"ipmi_sel_interval", key_sel_interval},
    {"ipmi_timeout", key_seconds},
    {"ipmi_user", key_user},
    {"ipmi_workarounds", key_workarounds},
};

const struct source source_ipmi = {
    .name = "ipmi",
    .suffix = "/ipmi",
    .substate = true,
    .keys = keys,
    .nkeys = sizeof(keys) / sizeof(keys[0]),
    .settings_new = settings_new,
    .settings_free = settings_free,
    .settings_check = settings_check,
    .settings_print = settings_print,
    .wanted = bmc_wanted,
    .interval = bmc_interval,
    .global_init = global_init,
    .devices = bmc_devices,
    .init = src_init,
    .poll = src_poll,
    .cancel = src_cancel,
    .close = src_close,
    .poll_once = poll_once,
};
