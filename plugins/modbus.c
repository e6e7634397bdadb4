/*
 * modbus: settings and keys, the worker job (connect, read, decode) and
 * its deadline, the source's table entry.
 *
 * A job lives until both its worker has returned (after_work) and its
 * deadline timer is closed; the target that started it may be gone by
 * then.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <modbus.h>

#include "lib/log.h"
#include "lib/parse.h"
#include "plugins/bank.h"
#include "plugins/modbus.h"
#include "plugins/modbus_map.h"

/* libmodbus's response timeouts, all requests together (and the wait for
 * a serial line), as a share of the deadline: each request may take what
 * the earlier ones left, and libmodbus gives up first, so the deadline
 * only fires on a hang. */
#define RESPONSE_SHARE_PCT 75
#define RESPONSE_MIN_MS 100 /* the least a request is given */
#define BYTE_TIMEOUT_MAX_MS 500
/* Longest wait for a serial line another unit's read holds, as a share of
 * the deadline; polled every LINE_POLL_MS. */
#define LINE_WAIT_PCT 40
#define LINE_POLL_MS 20

struct modbus_settings {
	char device[300]; /* as written: tcp://HOST:PORT, rtu:DEV:BAUD... */
	bool has_device;
	bool rtu;
	char host[256];		/* TCP: host name or address */
	unsigned port;		/* TCP port */
	char path[256];		/* RTU: the serial device */
	unsigned baud;		/* RTU: bits per second */
	unsigned data_bits;	/* RTU: 5-8 */
	char parity;		/* RTU: 'N', 'E', 'O' */
	unsigned stop_bits;	/* RTU: 1-2 */
	const char *devs[2];	/* for the devices hook: path, NULL */
	unsigned unit;		/* slave id, 0-255 (TCP) / 1-247 (RTU) */
	char map_name[32];	/* modbus_map; "" none */
	struct modbus_map user; /* modbus_register lines */
	struct modbus_map map;	/* effective: map_name's, then user's */
	char name[128];		/* modbus_name; "" : HOST_UNIT */
	unsigned timeout;	/* seconds; 0: default */
	unsigned nominal;	/* V */
	enum bank_chemistry chemistry;
};

struct mb_job {
	uv_work_t work;
	uv_timer_t deadline;
	struct mb *mb;	/* whose read this is; NULL after mb_free */
	bool delivered; /* the poll has ended (result or deadline) */
	bool worker_done;
	bool timer_closed;
	uint64_t t0; /* uv_now at start, ms */
	/* input: copies */
	struct modbus_settings s;
	char bank[160];	 /* the service name */
	char title[256]; /* its graph_title */
	unsigned timeout_ms;
	struct modbus_read reads[MODBUS_MAP_MAX];
	size_t nreads;
	/* output */
	enum source_status status;
	char error[512];
	struct batch batch;
	size_t nvalues;
};

struct mb {
	uv_loop_t *loop;
	char *host;
	struct mb_job *job;  /* the read this poll waits for, or NULL */
	struct mb_job *busy; /* a job whose worker has not returned */
	source_done_cb cb;
	void *arg;
};

static const struct modbus_settings *
settings_of(const struct source_host *h)
{
	return h->settings;
}

unsigned
modbus_timeout(const struct source_host *h)
{
	const struct modbus_settings *s = settings_of(h);

	if (s != NULL && s->timeout)
		return s->timeout;
	return h->interval < MODBUS_DEFAULT_TIMEOUT ? h->interval
						    : MODBUS_DEFAULT_TIMEOUT;
}

/* ---- the read (worker thread; touches only its job) --------------- */

static const char *
exception_str(int code)
{
	switch (code) {
	case MODBUS_EXCEPTION_ILLEGAL_FUNCTION:
		return "illegal function";
	case MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS:
		return "illegal data address";
	case MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE:
		return "illegal data value";
	case MODBUS_EXCEPTION_SLAVE_OR_SERVER_FAILURE:
		return "server device failure";
	case MODBUS_EXCEPTION_ACKNOWLEDGE:
		return "acknowledge (busy with a long command)";
	case MODBUS_EXCEPTION_SLAVE_OR_SERVER_BUSY:
		return "server device busy";
	case MODBUS_EXCEPTION_MEMORY_PARITY:
		return "memory parity error";
	case MODBUS_EXCEPTION_GATEWAY_PATH:
		return "gateway path unavailable";
	case MODBUS_EXCEPTION_GATEWAY_TARGET:
		return "gateway target device failed to respond";
	}
	return "unknown exception";
}

/* Why a request failed (errno err), into j->error, with the status. */
static void
read_failed(
    struct mb_job *j, const struct modbus_read *r, int err, unsigned per_ms)
{
	char what[96], sys[128];
	int code = err - MODBUS_ENOBASE;

	snprintf(what, sizeof(what), "%s registers 0x%04X-0x%04X",
	    modbus_table_str(r->table), r->addr, r->addr + r->count - 1);
	j->status = SOURCE_FAILED;
	if (err == ETIMEDOUT && per_ms == 0) {
		j->status = SOURCE_TIMEOUT;
		snprintf(j->error, sizeof(j->error),
		    "modbus %s unit %u: out of time before the read of %s "
		    "(the device answers slowly: raise modbus_timeout?)",
		    j->s.device, j->s.unit, what);
	} else if (err == ETIMEDOUT) {
		j->status = SOURCE_TIMEOUT;
		snprintf(j->error, sizeof(j->error),
		    "modbus %s unit %u: no reply within %.1f s to a read of "
		    "%s (wrong modbus_unit, or the device is off?)",
		    j->s.device, j->s.unit, (double)per_ms / 1000, what);
	} else if (code >= 1 && code <= MODBUS_EXCEPTION_GATEWAY_TARGET)
		snprintf(j->error, sizeof(j->error),
		    "modbus %s unit %u: %s: exception %d (%s)%s", j->s.device,
		    j->s.unit, what, code, exception_str(code),
		    code == MODBUS_EXCEPTION_GATEWAY_TARGET ||
			    code == MODBUS_EXCEPTION_GATEWAY_PATH
			? "; is modbus_unit right?"
		    : code == MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS ||
			    code == MODBUS_EXCEPTION_ILLEGAL_FUNCTION
			? "; does the register map fit the device?"
			: "");
	else if (err == EMBBADSLAVE)
		snprintf(j->error, sizeof(j->error),
		    "modbus %s unit %u: %s: the reply came from another unit",
		    j->s.device, j->s.unit, what);
	else if (err >= MODBUS_ENOBASE)
		snprintf(j->error, sizeof(j->error),
		    "modbus %s unit %u: %s: bad reply (libmodbus error %d)",
		    j->s.device, j->s.unit, what, code);
	else
		snprintf(j->error, sizeof(j->error),
		    "modbus %s unit %u: %s: %s", j->s.device, j->s.unit, what,
		    strerror_r(err, sys, sizeof(sys)));
}

/*
 * Takes the serial line at path for this read: several units on one bus
 * (RS-485) are several hosts, and two masters talking at once garble
 * both.  An exclusive flock(2) on the device serialises reads across
 * targets (and with other drover processes) without shared state; it is
 * held until the returned descriptor is closed.  Waits up to wait_ms;
 * the fd, or -1 with errno (EBUSY: still held by another read).
 */
static int
lock_line(const char *path, unsigned wait_ms, unsigned *waited_ms)
{
	struct timespec pause = {0, LINE_POLL_MS * 1000000L};
	uint64_t t0 = uv_hrtime();
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC), err;

	if (fd == -1)
		return -1;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		*waited_ms = (unsigned)((uv_hrtime() - t0) / 1000000);
		if (errno != EWOULDBLOCK || *waited_ms >= wait_ms) {
			err = errno == EWOULDBLOCK ? EBUSY : errno;
			close(fd);
			errno = err;
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	*waited_ms = (unsigned)((uv_hrtime() - t0) / 1000000);
	return fd;
}

/* The bank service from the replies, into j->batch.  -1 on ENOMEM. */
static int
build_batch(struct mb_job *j)
{
	struct service *svc;
	struct field *f;
	const struct modbus_reg *r;
	char label[96];
	double v;
	size_t i;

	svc = batch_service(&j->batch, j->bank, true);
	if (svc == NULL)
		return -1;
	svc->has_config = true;
	for (i = 0; i < j->s.map.n; i++) {
		r = &j->s.map.regs[i];
		f = service_field(svc, r->name, true);
		if (f == NULL)
			return -1;
		if (r->label[0] != '\0')
			snprintf(label, sizeof(label), "%s%s%s%s", r->label,
			    r->unit[0] != '\0' ? " (" : "", r->unit,
			    r->unit[0] != '\0' ? ")" : "");
		else
			snprintf(label, sizeof(label), "%s%s%s%s", r->name,
			    r->unit[0] != '\0' ? " (" : "", r->unit,
			    r->unit[0] != '\0' ? ")" : "");
		if (attrs_set(&f->attrs, "label", label) == -1 ||
		    attrs_set(&f->attrs, "type", "GAUGE") == -1 ||
		    (r->info[0] != '\0' &&
			attrs_set(&f->attrs, "info", r->info) == -1))
			return -1;
		if (modbus_reg_value(r, j->reads, j->nreads, &v)) {
			f->has_value = true;
			f->value = v;
			j->nvalues++;
		}
	}
	return bank_service_defaults(
	    svc, j->title, j->s.nominal, j->s.chemistry);
}

/*
 * Sets ctx's response timeout to what is left of budget_ms since t0 (ns,
 * uv_hrtime) and its byte timeout to at most BYTE_TIMEOUT_MAX_MS, the
 * response timeout into *ms.  -1 when less than RESPONSE_MIN_MS is left
 * (or libmodbus refuses).
 */
static int
set_timeouts(modbus_t *ctx, uint64_t t0, unsigned budget_ms, unsigned *ms)
{
	uint64_t used = (uv_hrtime() - t0) / 1000000;
	unsigned left, byte_ms;

	if (used + RESPONSE_MIN_MS > budget_ms)
		return -1;
	left = budget_ms - (unsigned)used;
	byte_ms =
	    left / 2 < BYTE_TIMEOUT_MAX_MS ? left / 2 : BYTE_TIMEOUT_MAX_MS;
	*ms = left;
	if (modbus_set_response_timeout(
		ctx, left / 1000, (left % 1000) * 1000) == -1 ||
	    modbus_set_byte_timeout(
		ctx, byte_ms / 1000, (byte_ms % 1000) * 1000) == -1)
		return -1;
	return 0;
}

/*
 * Connects, reads every planned request in turn and builds the batch
 * (also after a failure, from what was read).  A timeout ends the read:
 * the device is not answering; an exception only fails its request.
 */
static void
run_read(struct mb_job *j)
{
	modbus_t *ctx = NULL;
	char portstr[16], sys[128];
	unsigned per_ms = 0, budget_ms, waited = 0;
	uint64_t t0 = uv_hrtime();
	struct modbus_read *r;
	size_t i;
	int rc, err, line = -1;

	j->status = SOURCE_OK;
	if (j->s.rtu) {
		line = lock_line(
		    j->s.path, j->timeout_ms * LINE_WAIT_PCT / 100, &waited);
		if (line == -1 && errno == EBUSY) {
			j->status = SOURCE_TIMEOUT;
			snprintf(j->error, sizeof(j->error),
			    "modbus %s unit %u: the serial line stayed busy "
			    "(another unit's read) for %.1f s",
			    j->s.device, j->s.unit, (double)waited / 1000);
			return;
		}
		if (line == -1) {
			j->status = SOURCE_FAILED;
			snprintf(j->error, sizeof(j->error),
			    "modbus %s: cannot open the serial port: %s",
			    j->s.device, strerror_r(errno, sys, sizeof(sys)));
			return;
		}
	}
	if (j->s.rtu)
		ctx = modbus_new_rtu(j->s.path, (int)j->s.baud, j->s.parity,
		    (int)j->s.data_bits, (int)j->s.stop_bits);
	else {
		snprintf(portstr, sizeof(portstr), "%u", j->s.port);
		ctx = modbus_new_tcp_pi(j->s.host, portstr);
	}
	if (ctx == NULL) {
		j->status = SOURCE_FAILED;
		snprintf(j->error, sizeof(j->error), "modbus %s: %s",
		    j->s.device, strerror_r(errno, sys, sizeof(sys)));
		goto out;
	}
	budget_ms = j->timeout_ms * RESPONSE_SHARE_PCT / 100;
	if (modbus_set_slave(ctx, (int)j->s.unit) == -1 ||
	    set_timeouts(ctx, t0, budget_ms, &per_ms) == -1) {
		j->status = SOURCE_FAILED;
		snprintf(j->error, sizeof(j->error),
		    "modbus %s: unit %u or timeouts refused by libmodbus",
		    j->s.device, j->s.unit);
		goto out;
	}
	/* the TCP connect is bounded by the response timeout too */
	if (modbus_connect(ctx) == -1) {
		err = errno;
		j->status = err == ETIMEDOUT ? SOURCE_TIMEOUT : SOURCE_FAILED;
		snprintf(j->error, sizeof(j->error), "modbus %s: cannot %s: %s",
		    j->s.device, j->s.rtu ? "open the serial port" : "connect",
		    strerror_r(err, sys, sizeof(sys)));
		goto out;
	}
	for (i = 0; i < j->nreads; i++) {
		r = &j->reads[i];
		/* each request may take what the earlier ones left */
		if (set_timeouts(ctx, t0, budget_ms, &per_ms) == -1) {
			if (j->status == SOURCE_OK)
				read_failed(j, r, ETIMEDOUT, 0);
			break;
		}
		rc = r->table == MODBUS_INPUT
			 ? modbus_read_input_registers(
			       ctx, r->addr, r->count, r->words)
			 : modbus_read_registers(
			       ctx, r->addr, r->count, r->words);
		if (rc == r->count) {
			r->done = true;
			continue;
		}
		err = rc == -1 ? errno : EMBBADDATA;
		/* the first failure is the one worth telling */
		if (j->status == SOURCE_OK)
			read_failed(j, r, err, per_ms);
		if (err == ETIMEDOUT)
			break;
		if (j->s.rtu)
			(void)modbus_flush(ctx);
	}
	modbus_close(ctx);
	if (build_batch(j) == -1 && j->status == SOURCE_OK) {
		j->status = SOURCE_FAILED;
		snprintf(j->error, sizeof(j->error), "modbus: out of memory");
	}
out:
	if (ctx != NULL)
		modbus_free(ctx);
	if (line != -1)
		close(line);
}

/* ---- the job on the loop ------------------------------------------ */

static void
job_free(struct mb_job *j)
{
	batch_cleanup(&j->batch);
	free(j);
}

static void
maybe_free_job(struct mb_job *j)
{
	if (j->worker_done && j->timer_closed)
		job_free(j);
}

static void
on_timer_closed(uv_handle_t *h)
{
	struct mb_job *j = h->data;

	j->timer_closed = true;
	maybe_free_job(j);
}

/* Hands the result to the caller and detaches the job from m. */
static void
deliver(
    struct mb *m, struct mb_job *j, enum source_status st, const char *error)
{
	struct source_result res = {0};
	source_done_cb cb = m->cb;
	void *arg = m->arg;

	m->job = NULL;
	j->delivered = true;
	uv_timer_stop(&j->deadline);
	res.status = st;
	uv_update_time(m->loop);
	res.duration_ms = uv_now(m->loop) - j->t0;
	if (error[0] != '\0')
		snprintf(res.error, sizeof(res.error), "%s", error);
	/* a running worker still owns its batch */
	if (j->worker_done) {
		res.batch = j->batch;
		memset(&j->batch, 0, sizeof(j->batch));
	}
	if (st == SOURCE_OK)
		snprintf(res.summary, sizeof(res.summary),
		    "%zu registers in %zu requests", j->nvalues, j->nreads);
	cb(arg, &res);
	batch_cleanup(&res.batch);
}

static void
work_read(uv_work_t *w)
{
	run_read(w->data);
}

static void
after_read(uv_work_t *w, int status)
{
	struct mb_job *j = w->data;
	struct mb *m = j->mb;

	j->worker_done = true;
	if (status == UV_ECANCELED) {
		j->status = SOURCE_FAILED;
		snprintf(j->error, sizeof(j->error), "cancelled");
	}
	/* the connection is closed: the device may be read again */
	if (m != NULL)
		m->busy = NULL;
	if (m != NULL && !j->delivered)
		deliver(m, j, j->status, j->error);
	else
		log_debug("modbus: %s: a late read ended (%s); result dropped",
		    m != NULL ? m->host : "(removed host)",
		    j->error[0] != '\0' ? j->error : "ok");
	uv_close((uv_handle_t *)&j->deadline, on_timer_closed);
}

static void
on_deadline(uv_timer_t *t)
{
	struct mb_job *j = t->data;
	struct mb *m = j->mb;
	char msg[512];

	if (m == NULL || j->delivered)
		return;
	snprintf(msg, sizeof(msg),
	    "modbus %s unit %u: no result by the %.1f s deadline; read "
	    "abandoned",
	    j->s.device, j->s.unit, (double)j->timeout_ms / 1000);
	deliver(m, j, SOURCE_TIMEOUT, msg);
}

/* The bank id of h: modbus_name, or HOST_UNIT. */
static void
bank_id(const struct source_host *h, char *out, size_t len)
{
	const struct modbus_settings *s = settings_of(h);

	if (s->name[0] != '\0')
		snprintf(out, len, "%s", s->name);
	else
		snprintf(out, len, "%s_%u", h->name, s->unit);
}

/* A job for h, ready to run (not queued); NULL on ENOMEM. */
static struct mb_job *
job_new(const struct source_host *h)
{
	const struct modbus_settings *s = settings_of(h);
	struct mb_job *j = calloc(1, sizeof(*j));
	char id[128];

	if (j == NULL)
		return NULL;
	j->s = *s;
	j->s.devs[0] = NULL; /* points into s; not the job's */
	bank_id(h, id, sizeof(id));
	bank_service_name(id, j->bank, sizeof(j->bank));
	snprintf(j->title, sizeof(j->title), "Battery bank %s (Modbus unit %u)",
	    id, s->unit);
	j->timeout_ms = modbus_timeout(h) * 1000;
	j->nreads = modbus_map_plan(&s->map, j->reads, MODBUS_MAP_MAX);
	j->work.data = j;
	return j;
}

static struct mb *
mb_new(uv_loop_t *loop, const char *host)
{
	struct mb *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->loop = loop;
	m->host = strdup(host);
	if (m->host == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

static void
fail_now(source_done_cb cb, void *arg, const char *msg)
{
	struct source_result res = {0};

	res.status = SOURCE_FAILED;
	snprintf(res.error, sizeof(res.error), "%s", msg);
	cb(arg, &res);
}

static void
mb_poll(struct mb *m, const struct source_host *h, source_done_cb cb, void *arg)
{
	struct mb_job *j;

	if (m->job != NULL || m->busy != NULL) {
		fail_now(cb, arg,
		    "modbus: the previous read still holds the connection "
		    "(a read abandoned at its deadline has not returned)");
		return;
	}
	j = job_new(h);
	if (j == NULL) {
		fail_now(cb, arg, "modbus: out of memory");
		return;
	}
	j->mb = m;
	uv_update_time(m->loop);
	j->t0 = uv_now(m->loop);
	uv_timer_init(m->loop, &j->deadline);
	j->deadline.data = j;
	if (uv_queue_work(m->loop, &j->work, work_read, after_read) != 0) {
		j->worker_done = true;
		uv_close((uv_handle_t *)&j->deadline, on_timer_closed);
		fail_now(cb, arg, "modbus: cannot queue the read");
		return;
	}
	uv_timer_start(&j->deadline, on_deadline, j->timeout_ms, 0);
	m->cb = cb;
	m->arg = arg;
	m->job = j;
	m->busy = j;
}

static void
mb_cancel(struct mb *m)
{
	struct mb_job *j = m->job;

	if (j == NULL)
		return;
	/* not yet started: the pool drops it (after_read: ECANCELED) */
	uv_cancel((uv_req_t *)&j->work);
	if (m->job == j)
		deliver(m, j, SOURCE_FAILED, "cancelled");
}

static void
mb_free(struct mb *m)
{
	if (m == NULL)
		return;
	if (m->job != NULL)
		mb_cancel(m);
	/* an abandoned job must not reach back into m */
	if (m->busy != NULL)
		m->busy->mb = NULL;
	free(m->host);
	free(m);
}

/* ---- settings and keys -------------------------------------------- */

static void *
settings_new(void)
{
	struct modbus_settings *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->unit = 1;
	s->port = MODBUS_TCP_PORT;
	s->nominal = BANK_NOMINAL_DEFAULT;
	s->chemistry = BANK_LEAD_ACID;
	return s;
}

static void
settings_free(void *p)
{
	free(p);
}

/* "rtu:DEVICE:BAUD[:FRAME]", FRAME data bits, parity, stop bits: 8N1. */
static int
parse_rtu(struct modbus_settings *s, const char *v, char *err, size_t len)
{
	char copy[300], *baud, *frame, *end;
	unsigned long b;

	snprintf(copy, sizeof(copy), "%s", v + 4);
	baud = strchr(copy, ':');
	if (copy[0] != '/' || baud == NULL) {
		snprintf(err, len,
		    "modbus rtu takes rtu:DEVICE:BAUD[:FRAME] "
		    "(rtu:/dev/ttyUSB0:115200:8N1)");
		return -1;
	}
	*baud++ = '\0';
	frame = strchr(baud, ':');
	if (frame != NULL)
		*frame++ = '\0';
	errno = 0;
	b = strtoul(baud, &end, 10);
	if (baud[0] < '1' || baud[0] > '9' || *end != '\0' || errno != 0 ||
	    b < 50 || b > 4000000) {
		snprintf(err, len, "modbus rtu: bad baud rate \"%s\"", baud);
		return -1;
	}
	s->data_bits = 8;
	s->parity = 'N';
	s->stop_bits = 1;
	if (frame != NULL) {
		if (strlen(frame) != 3 || frame[0] < '5' || frame[0] > '8' ||
		    strchr("NEO", frame[1]) == NULL || frame[1] == '\0' ||
		    (frame[2] != '1' && frame[2] != '2')) {
			snprintf(err, len,
			    "modbus rtu: bad frame \"%s\" (data bits 5-8, "
			    "parity N, E or O, stop bits 1 or 2: 8N1)",
			    frame);
			return -1;
		}
		s->data_bits = (unsigned)(frame[0] - '0');
		s->parity = frame[1];
		s->stop_bits = (unsigned)(frame[2] - '0');
	}
	if (strlen(copy) >= sizeof(s->path)) {
		snprintf(err, len, "modbus rtu: device path too long");
		return -1;
	}
	snprintf(s->path, sizeof(s->path), "%s", copy);
	s->baud = (unsigned)b;
	s->rtu = true;
	return 0;
}

static int
key_device(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct modbus_settings *s = p;
	unsigned port = MODBUS_TCP_PORT;

	(void)key;
	if (strlen(val) >= sizeof(s->device)) {
		snprintf(err, len, "modbus: device too long");
		return -1;
	}
	if (strncmp(val, "rtu:", 4) == 0) {
		if (parse_rtu(s, val, err, len) == -1)
			return -1;
		s->devs[0] = s->path;
	} else if (strncmp(val, "tcp://", 6) == 0) {
		if (source_parse_address(val + 6, s->host, sizeof(s->host),
			&port, err, len) == -1)
			return -1;
		s->port = port;
		s->rtu = false;
		s->devs[0] = NULL;
	} else {
		snprintf(err, len,
		    "modbus takes tcp://HOST[:PORT] or "
		    "rtu:DEVICE:BAUD[:FRAME] (rtu:/dev/ttyUSB0:115200:8N1)");
		return -1;
	}
	snprintf(s->device, sizeof(s->device), "%s", val);
	s->has_device = true;
	return 0;
}

static int
key_unit(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct modbus_settings *s = p;

	(void)key;
	/* 0 is the broadcast address, which never answers a read */
	if (!parse_uint(val, 1, 255, &s->unit)) {
		snprintf(err, len, "modbus_unit must be 1-255 (the slave id)");
		return -1;
	}
	return 0;
}

static int
key_map(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct modbus_settings *s = p;
	struct modbus_map probe;

	(void)key;
	if (modbus_map_builtin(val, &probe) == -1) {
		snprintf(err, len,
		    "modbus_map: no built-in map \"%s\" (there are: %s; "
		    "others take modbus_register lines)",
		    val, modbus_map_builtins());
		return -1;
	}
	snprintf(s->map_name, sizeof(s->map_name), "%s", val);
	return 0;
}

static int
key_register(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct modbus_settings *s = p;
	struct modbus_reg r;
	size_t i;

	(void)key;
	if (modbus_reg_parse(val, &r, err, len) == -1)
		return -1;
	for (i = 0; i < s->user.n; i++)
		if (strcmp(s->user.regs[i].name, r.name) == 0) {
			snprintf(err, len,
			    "modbus_register %s: defined twice for this host",
			    r.name);
			return -1;
		}
	return modbus_map_add(&s->user, &r, err, len);
}

static int
key_name(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct modbus_settings *s = p;
	size_t i;

	(void)key;
	for (i = 0; val[i] != '\0'; i++)
		if (val[i] == ' ' || val[i] == '\t' || val[i] == '/')
			break;
	if (val[0] == '\0' || val[i] != '\0' || i >= sizeof(s->name)) {
		snprintf(err, len,
		    "modbus_name must be one word without '/' (at most %zu "
		    "bytes)",
		    sizeof(s->name) - 1);
		return -1;
	}
	snprintf(s->name, sizeof(s->name), "%s", val);
	return 0;
}

static int
key_timeout(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct modbus_settings *s = p;

	(void)key;
	if (!parse_uint(val, 1, 3600, &s->timeout)) {
		snprintf(err, len, "modbus_timeout must be 1-3600 seconds");
		return -1;
	}
	return 0;
}

static int
key_nominal(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct modbus_settings *s = p;
	unsigned v;

	(void)key;
	if (!parse_uint(val, 1, 1000, &v) || !bank_nominal_valid(v)) {
		snprintf(err, len, "bank_nominal must be 12, 24, 36 or 48 (V)");
		return -1;
	}
	s->nominal = v;
	return 0;
}

static int
key_chemistry(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct modbus_settings *s = p;

	(void)key;
	if (!bank_chemistry_parse(val, &s->chemistry)) {
		snprintf(err, len,
		    "bank_chemistry must be lead-acid (agm, gel, flooded) "
		    "or lifepo4");
		return -1;
	}
	return 0;
}

static bool
src_wanted(const struct source_host *h)
{
	const struct modbus_settings *s = settings_of(h);

	return s != NULL && s->has_device;
}

static void
settings_check(void *p, source_err_cb err, void *arg)
{
	struct modbus_settings *s = p;
	char msg[512];
	size_t i;

	memset(&s->map, 0, sizeof(s->map));
	if (s->map_name[0] != '\0')
		(void)modbus_map_builtin(s->map_name, &s->map);
	for (i = 0; i < s->user.n; i++)
		if (modbus_map_add(
			&s->map, &s->user.regs[i], msg, sizeof(msg)) == -1) {
			err(arg, msg);
			break;
		}
	if (!s->has_device) {
		/* bank_* alone may be meant for another source */
		if (s->map_name[0] != '\0' || s->user.n > 0 || s->unit != 1 ||
		    s->timeout != 0 || s->name[0] != '\0')
			err(arg, "modbus_* keys without a modbus device line "
				 "(modbus tcp://HOST:PORT or modbus "
				 "rtu:/dev/ttyUSB0:115200:8N1)");
		return;
	}
	if (s->map.n == 0)
		err(arg, "modbus: no registers to read (add modbus_map "
			 "epever or modbus_register lines)");
	if (s->rtu && s->unit > 247)
		err(arg, "modbus_unit must be 1-247 on a serial line");
}

static void
settings_print(const struct source_host *h, FILE *out)
{
	const struct modbus_settings *s = settings_of(h);
	char buf[256], id[128];
	size_t i;

	if (!src_wanted(h))
		return;
	if (s->rtu)
		fprintf(out, "    modbus rtu:%s:%u:%u%c%u\n", s->path, s->baud,
		    s->data_bits, s->parity, s->stop_bits);
	else
		fprintf(out,
		    strchr(s->host, ':') ? "    modbus tcp://[%s]:%u\n"
					 : "    modbus tcp://%s:%u\n",
		    s->host, s->port);
	fprintf(out, "    modbus_unit %u\n", s->unit);
	if (s->map_name[0] != '\0')
		fprintf(out, "    modbus_map %s\n", s->map_name);
	for (i = 0; i < s->user.n; i++)
		fprintf(out, "    modbus_register %s\n",
		    modbus_reg_format(&s->user.regs[i], buf, sizeof(buf)));
	bank_id(h, id, sizeof(id));
	fprintf(out, "    modbus_name %s\n", id);
	fprintf(out, "    modbus_timeout %u\n", modbus_timeout(h));
	fprintf(out, "    bank_nominal %u\n", s->nominal);
	fprintf(
	    out, "    bank_chemistry %s\n", bank_chemistry_str(s->chemistry));
}

static const char *const *
src_devices(const struct source_host *h)
{
	const struct modbus_settings *s = settings_of(h);

	return s != NULL && s->rtu ? s->devs : NULL;
}

static void *
src_init(uv_loop_t *loop, const char *host)
{
	return mb_new(loop, host);
}

static void
src_poll(void *state, const struct source_host *h, source_done_cb cb, void *arg)
{
	mb_poll(state, h, cb, arg);
}

static void
src_cancel(void *state)
{
	mb_cancel(state);
}

static void
src_close(void *state)
{
	mb_free(state);
}

/* One read on this thread (no deadline timer: libmodbus's timeouts
 * bound it). */
static int
poll_once(const struct source_host *h, struct batch *b, char *line, size_t len)
{
	struct mb_job *j;
	uint64_t t0 = uv_hrtime();
	int rc;

	j = job_new(h);
	if (j == NULL) {
		snprintf(
		    line, len, "# %s/modbus: failed: out of memory", h->name);
		return 1;
	}
	run_read(j);
	*b = j->batch;
	memset(&j->batch, 0, sizeof(j->batch));
	if (j->status == SOURCE_OK)
		snprintf(line, len,
		    "# %s/modbus: ok; %zu registers in %zu "
		    "requests, %.3f ms",
		    h->name, j->nvalues, j->nreads,
		    (double)(uv_hrtime() - t0) / 1e6);
	else
		snprintf(line, len, "# %s/modbus: failed: %s; %.3f ms", h->name,
		    j->error, (double)(uv_hrtime() - t0) / 1e6);
	rc = j->status == SOURCE_OK ? 0 : 1;
	job_free(j);
	return rc;
}

/* Sorted by key. */
static const struct source_key keys[] = {
    {"bank_chemistry", key_chemistry},
    {"bank_nominal", key_nominal},
    {"modbus", key_device},
    {"modbus_map", key_map},
    {"modbus_name", key_name},
    {"modbus_register", key_register},
    {"modbus_timeout", key_timeout},
    {"modbus_unit", key_unit},
};

const struct source source_modbus = {
    .name = "modbus",
    .suffix = "/modbus",
    .substate = false,
    .keys = keys,
    .nkeys = sizeof(keys) / sizeof(keys[0]),
    .settings_new = settings_new,
    .settings_free = settings_free,
    .settings_check = settings_check,
    .settings_print = settings_print,
    .wanted = src_wanted,
    .devices = src_devices,
    .init = src_init,
    .poll = src_poll,
    .cancel = src_cancel,
    .close = src_close,
    .poll_once = poll_once,
};
