/*
 * bmc: worker job, deadline and SDR cache directory for one BMC.
 *
 * A job lives until both its worker has returned (after_work) and its
 * deadline timer is closed; the bmc that started it may be gone by then.
 *
 * Every conf_host_ipmi_sel_interval() a read is a full one: it also takes
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
#include <sys/stat.h>

#include "plugins/bmc.h"
#include "lib/log.h"

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

struct bmc {
	uv_loop_t *loop;
	char *host;
	struct bmc_job *job;  /* the read this poll waits for, or NULL */
	struct bmc_job *busy; /* a job whose worker has not returned */
	bmc_done_cb cb;
	void *arg;
	bool freeing;
	struct ipmi_sel_state sel; /* what the last full read saw */
	bool had_full;		   /* a full read has succeeded */
	uint64_t next_full;	   /* uv_now ms the next full read is due */
	struct batch slow;	   /* the last full read's slow services */
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
	if (j->password != NULL) {
		explicit_bzero(j->password, strlen(j->password));
		free(j->password);
	}
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

/* Hands the result to the caller and detaches the job from b. */
static void
deliver(struct bmc *b, struct bmc_job *j, enum bmc_status st, const char *error)
{
	struct bmc_result res = {0};
	bmc_done_cb cb = b->cb;
	void *arg = b->arg;

	b->job = NULL;
	j->delivered = true;
	uv_timer_stop(&j->deadline);
	res.status = st;
	res.code = st == BMC_OK ? IPMI_E_OK : j->code;
	uv_update_time(b->loop);
	res.duration_ms = uv_now(b->loop) - j->t0;
	if (error[0] != '\0')
		snprintf(res.error, sizeof(res.error), "%s after %.1f s", error,
		    (double)res.duration_ms / 1000);
	if (st == BMC_OK || st == BMC_FAILED) {
		res.batch = j->batch;
		memset(&j->batch, 0, sizeof(j->batch));
	}
	if (st == BMC_OK)
		note_read(b, j, &res.batch);
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
bmc_conn(const struct conf *c, const struct conf_host *hc,
    struct ipmi_conn *conn, char *cachedir, size_t cachelen)
{
	char dir[4096];
	unsigned deadline_ms = conf_host_ipmi_timeout(c, hc) * 1000;
	unsigned rt;

	memset(conn, 0, sizeof(*conn));
	conn->address = hc->ipmi_local ? NULL : hc->ipmi_address;
	conn->port = hc->ipmi_port;
	conn->user = hc->ipmi_user;
	conn->password = hc->ipmi_password;
	conn->protocol = hc->ipmi_protocol;
	conn->privilege = hc->ipmi_privilege;
	conn->cipher_suite = hc->ipmi_cipher_suite;
	conn->workarounds = hc->ipmi_workaround_flags;
	conn->session_timeout_ms = deadline_ms * SESSION_SHARE_PCT / 100;
	rt = conn->session_timeout_ms / 6;
	if (rt < RETRANSMIT_MIN_MS)
		rt = RETRANSMIT_MIN_MS;
	if (rt > RETRANSMIT_MAX_MS)
		rt = RETRANSMIT_MAX_MS;
	conn->retransmit_ms = rt;
	if (snprintf(dir, sizeof(dir), "%s/ipmi-sdr", c->dbdir) >=
		(int)sizeof(dir) ||
	    snprintf(cachedir, cachelen, "%s/%s", dir, hc->name) >=
		(int)cachelen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir(c->dbdir, 0755) == -1 && errno != EEXIST)
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

int
bmc_poll(struct bmc *b, const struct conf *c, const struct conf_host *hc,
    bmc_done_cb cb, void *arg)
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
	if (bmc_conn(c, hc, &j->conn, j->cachedir, sizeof(j->cachedir)) == -1) {
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
	j->full_ms = conf_host_ipmi_sel_interval(c, hc) * 1000;
	j->full =
	    j->full_ms > 0 &&
	    (!b->had_full ||
		j->t0 + conf_host_ipmi_interval(c, hc) * 500 >= b->next_full);
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
	uv_timer_start(&j->deadline, on_deadline,
	    (uint64_t)conf_host_ipmi_timeout(c, hc) * 1000, 0);
	b->cb = cb;
	b->arg = arg;
	b->job = j;
	b->busy = j;
	return 0;
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
