/*
 * rrd_writer: a thread that owns every RRD write.  See rrd_writer.h.
 *
 * Queue: a value is packed on submit, straight from the caller's
 * arguments, into one compact record (qrec: the value, its times, the
 * data source with only the bytes it uses, the path inline), about 130
 * bytes (bench/README.md, "Scale").  Records are laid one after another
 * into blocks of QBLOCK_BYTES, a FIFO of blocks: submitters append to the
 * last, the writer thread reads from the first and frees it once read to
 * its end (one spare is kept), so the queue costs one malloc per some 500
 * values instead of one per value, and no pointer ring of queue_max
 * slots.  The writer reads a record outside the mutex: submitters only
 * ever write past a block's used bytes, and only the writer frees or
 * rewinds a block.
 * The writer thread unpacks a record into a struct wval on its stack.
 * The bound stays a count of values; a full queue refuses the new value
 * (counted as dropped) and never blocks the loop.
 *
 * Locking: mu guards the queue, the sequence numbers and the stats; the
 * writer thread holds it only to pop a value and to bump counters, never
 * across I/O.  The per-file table and every rrdcached call belong to the
 * writer thread alone.  Updates go over the writer's own connection in
 * BATCH requests (rrdc_batch.h): a value is checked and stamped as it is
 * popped (create, tune, stale, handover), its update line kept in pend
 * with the file's last set as if written, and what one drain brings (up
 * to BATCH_MAX) is sent at once; a refused line is counted then and its
 * file read again before its next update.  A value counts as done (for
 * rrd_writer_flush) once its batch is answered.  File flushes use librrd
 * 1.7.2's process-wide rrdc_* client (no rrd_client_* instances, no
 * rrdc_flushall), so a daemon flush is a request the thread serves by
 * flushing each file it knows.  librrd's error text is thread-local, so
 * it is read in the thread that made the call.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <rrd.h>
#include <rrd_client.h>

#include "lib/hash.h"
#include "lib/log.h"
#include "rrd/rrd_files.h"
#include "rrd/rrd_writer.h"
#include "rrd/rrdc_addr.h"
#include "rrd/rrdc_batch.h"

/* One complaint per kind of failure per minute. */
#define ERR_LOG_INTERVAL_MS 60000
/* Values dropped as older than their files: one line per ten minutes. */
#define STALE_LOG_INTERVAL_MS 600000

enum werr {
	WERR_MKDIR,
	WERR_CREATE,
	WERR_INFO,
	WERR_TUNE,
	WERR_UPDATE,
	WERR_DAEMON,
	WERR_OWNER,
	WERR_NR
};

static const char *const werr_names[WERR_NR] = {
    [WERR_MKDIR] = "mkdir",
    [WERR_CREATE] = "create",
    [WERR_INFO] = "info",
    [WERR_TUNE] = "tune",
    [WERR_UPDATE] = "update",
    [WERR_DAEMON] = "rrdcached",
    [WERR_OWNER] = "chown",
};

/* Bytes of one queue block's records; a longer record gets a block of
 * its own size. */
#define QBLOCK_BYTES 65536

/* One queued value, packed (see the top): data holds min and max (no
 * NULs), then nrra (steps, rows) pairs, then the path with its NUL. */
struct qrec {
	time_t ts;
	time_t read_at;
	double value;
	unsigned step;
	uint16_t pathlen;
	uint8_t type, size, nrra, minlen, maxlen;
	bool unknown;
	char data[];
};

/* Records of the queue, back to back, each at a multiple of QREC_ALIGN. */
struct qblock {
	struct qblock *next; /* the block after this one in the FIFO */
	size_t size;	     /* bytes of data */
	size_t used;	     /* bytes filled, under mu */
	_Alignas(struct qrec) char data[];
};

#define QREC_ALIGN _Alignof(struct qrec)

/* n rounded up to a record's alignment. */
static size_t
qalign(size_t n)
{
	return (n + QREC_ALIGN - 1) & ~(QREC_ALIGN - 1);
}

/*
 * What the writer knows of one file: one allocation of 32 bytes plus the
 * path, one per RRD file (10 000 guests make half a million).  The DS
 * limits the file has are kept as a hash of their text: a change of the
 * configured ones (a different hash) tunes the file.  Two different
 * configurations of one file hashing alike (FNV-1a, 64 bits) would skip
 * that tune; only the node that sends both is affected, and it could as
 * well send the limits it wants.
 */

/* A hash of ds's min and max ("U" or decimal numbers, no ':'). */
static uint64_t
limits_hash(const struct rrd_ds *ds)
{
	return hash_str(hash_str(hash_str(HASH_INIT, ds->min), ":"), ds->max);
}

/* One value as the writer thread works on it, unpacked from its qrec. */
struct wval {
	const char *path; /* points into the qrec */
	struct rrd_ds ds;
	time_t ts;	/* epoch seconds of the value */
	time_t read_at; /* epoch seconds it was read; 0: unknown (= ts) */
	double value;	/* ignored when unknown */
	bool unknown;	/* write "U" */
};

/* updates resent after a lost connection: more than rrdcached 1.7.2
 * keeps in its journal's stdio buffer (4 KiB, 40 bytes a line at least) */
#define RESEND_MAX 256
#define RESEND_NAME 288 /* longer names are not kept for a resend */

struct resend {
	char name[RESEND_NAME]; /* as sent to the daemon */
	char val[64];		/* "ts:value" */
};

/* updates sent to rrdcached in one BATCH at most: 1000 lines of some
 * 100 bytes, a round trip per 100 KB */
#define BATCH_MAX 1000

/* One update waiting for the next batch (writer thread only). */
struct pend {
	struct rrd_file *f;
	size_t name_off; /* in the writer's pnames: the name as sent to the
			    daemon (the path, or inside its base over TCP) */
	char val[64];	 /* "ts:value" */
	bool failed;	 /* the daemon refused it, for err */
	char err[200];	 /* the daemon's reason */
};

struct rrd_writer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;   /* a value was queued or stop was set */
	pthread_cond_t done;   /* done_seq advanced */
	struct qblock *qfirst; /* the writer reads here; NULL: no block */
	struct qblock *qlast;  /* submitters append here */
	struct qblock *qspare; /* an empty block kept for reuse, or NULL */
	size_t qread;	       /* offset of qfirst's next record */
	size_t qmax, qlen;     /* the bound, values queued */
	size_t qbytes;	       /* bytes of the records queued */
	uint64_t queued_seq;   /* values accepted so far */
	uint64_t done_seq;     /* values finished so far */
	bool stop;
	bool flush_req;	    /* rrd_writer_flush() wants a daemon flush */
	uint64_t flush_gen; /* daemon flushes served */
	int flush_rc;	    /* result of the last one, 0 / -1 */
	struct rrd_writer_stats st;
	struct ratelimit rl[WERR_NR];
	struct ratelimit stale_rl; /* writer thread only */
	bool handover_logged;	   /* writer thread only */

	char *daemon; /* rrdcached address, or NULL */
	char *base;   /* TCP daemon: its -b directory (names relative to it);
			 NULL for a unix socket (absolute names) */
	uint64_t flush_max_us; /* the bound on one daemon flush, us */
	/* writer thread only: the last RESEND_MAX updates sent to the
	 * daemon, oldest at rs_head, resent after a lost connection */
	struct resend *resend;
	size_t rs_head, rs_len;
	bool lost; /* the connection was lost since the last resend */
	atomic_bool restarted; /* rrd_writer_daemon_restarted() was called */
	bool down; /* the daemon did not answer for RRD_DAEMON_RETRY_MS:
		      fail at once until it answers again */
	/* writer thread only: the batch connection and the updates waiting
	 * for it (BATCH_MAX each), in the order processed */
	struct rrdc_batch *bc;
	struct pend *pend;
	struct rrdc_line *lines;
	size_t npend;
	/* the pending updates' names, back to back: a value's record may
	 * be released before its batch is sent */
	char *pnames;
	size_t pnames_len, pnames_cap;
	uint64_t held; /* values processed, done once the batch is sent */

	struct rrd_files *files; /* writer thread only */
};

/* Bytes the record of a value takes (without malloc's own overhead). */
static size_t
qrec_size(const struct rrd_ds *ds, size_t pathlen)
{
	return sizeof(struct qrec) + strnlen(ds->min, sizeof(ds->min)) +
	       strnlen(ds->max, sizeof(ds->max)) +
	       (ds->nrra <= RRD_CUSTOM_MAX ? ds->nrra : 0) *
		   sizeof(ds->rra[0]) +
	       pathlen + 1;
}

/* The value packed into r, which has qrec_size() bytes; pathlen is
 * strlen(path), at most UINT16_MAX. */
static void
qrec_pack(struct qrec *r, const char *path, size_t pathlen,
    const struct rrd_ds *ds, time_t ts, time_t read_at, double value,
    bool unknown)
{
	size_t rra;
	char *p;

	r->ts = ts;
	r->read_at = read_at;
	r->value = value;
	r->step = ds->step;
	r->pathlen = (uint16_t)pathlen;
	r->type = (uint8_t)ds->type;
	r->size = (uint8_t)ds->size;
	r->nrra = (uint8_t)(ds->nrra <= RRD_CUSTOM_MAX ? ds->nrra : 0);
	r->minlen = (uint8_t)strnlen(ds->min, sizeof(ds->min));
	r->maxlen = (uint8_t)strnlen(ds->max, sizeof(ds->max));
	r->unknown = unknown;
	p = r->data;
	memcpy(p, ds->min, r->minlen);
	p += r->minlen;
	memcpy(p, ds->max, r->maxlen);
	p += r->maxlen;
	rra = r->nrra * sizeof(ds->rra[0]);
	memcpy(p, ds->rra, rra);
	p += rra;
	memcpy(p, path, pathlen + 1);
}

/* Bytes r takes, as qrec_size() counted them. */
static size_t
qrec_size_of(const struct qrec *r)
{
	return sizeof(*r) + r->minlen + r->maxlen +
	       r->nrra * sizeof(((struct rrd_ds *)0)->rra[0]) + r->pathlen + 1;
}

/* The value r holds, in v; v->path points into r. */
static void
qrec_unpack(const struct qrec *r, struct wval *v)
{
	const char *p = r->data;

	memset(v, 0, sizeof(*v));
	v->ts = r->ts;
	v->read_at = r->read_at;
	v->value = r->value;
	v->unknown = r->unknown;
	v->ds.type = (enum ds_type)r->type;
	v->ds.size = (enum rrd_size)r->size;
	v->ds.step = r->step;
	v->ds.nrra = r->nrra;
	memcpy(v->ds.min, p, r->minlen);
	p += r->minlen;
	memcpy(v->ds.max, p, r->maxlen);
	p += r->maxlen;
	memcpy(v->ds.rra, p, r->nrra * sizeof(v->ds.rra[0]));
	p += r->nrra * sizeof(v->ds.rra[0]);
	v->path = p;
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* "NAME:GROUP" (or the numbers) of uid and gid, for messages. */
static void
owner_str(char *out, size_t len, uid_t uid, gid_t gid)
{
	char pwbuf[1024], grbuf[1024], u[64], g[64];
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;

	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &pwp) == 0 &&
	    pwp != NULL)
		snprintf(u, sizeof(u), "%s", pwp->pw_name);
	else
		snprintf(u, sizeof(u), "%u", (unsigned)uid);
	if (getgrgid_r(gid, &gr, grbuf, sizeof(grbuf), &grp) == 0 &&
	    grp != NULL)
		snprintf(g, sizeof(g), "%s", grp->gr_name);
	else
		snprintf(g, sizeof(g), "%u", (unsigned)gid);
	snprintf(out, len, "%s:%s", u, g);
}

/*
 * Why this process may not write path, or (when path does not exist) in
 * its nearest existing directory, for the log: who owns it and whom
 * drover runs as, so that a Munin dbdir kept by munin says so.  "" when
 * it may, or the failure was another.
 */
static void
access_hint(char *out, size_t len, const char *path)
{
	char p[4096], owner[140], self[140], *slash;
	struct stat st;

	out[0] = '\0';
	snprintf(p, sizeof(p), "%s", path);
	while (stat(p, &st) == -1) {
		slash = strrchr(p, '/');
		if (slash == NULL || slash == p)
			return;
		*slash = '\0';
	}
	if (faccessat(AT_FDCWD, p, W_OK, AT_EACCESS) == 0 || errno != EACCES)
		return;
	owner_str(owner, sizeof(owner), st.st_uid, st.st_gid);
	owner_str(self, sizeof(self), geteuid(), getegid());
	snprintf(out, len,
	    " (%.300s belongs to %s, drover runs as %s: run drover as its "
	    "owner, \"user\" in the config or User= in the unit)",
	    p, owner, self);
}

/* Counts a failure, remembers its text, logs it unless rate-limited. */
static void
report(struct rrd_writer *w, enum werr kind, const char *path, const char *msg)
{
	unsigned suppressed = 0;
	bool allow;

	pthread_mutex_lock(&w->mu);
	w->st.errors++;
	snprintf(w->st.last_error, sizeof(w->st.last_error), "%s: %s: %s",
	    werr_names[kind], path, msg);
	w->st.last_error_time = time(NULL);
	allow = ratelimit_allow(
	    &w->rl[kind], now_us() / 1000, ERR_LOG_INTERVAL_MS, &suppressed);
	pthread_mutex_unlock(&w->mu);
	if (!allow)
		return;
	if (suppressed > 0)
		log_warnx("rrd: %s %s: %s (%u similar suppressed)",
		    werr_names[kind], path, msg, suppressed);
	else
		log_warnx("rrd: %s %s: %s", werr_names[kind], path, msg);
}

/* librrd's error, with who may not write what when that is the cause. */
static void
report_rrd(struct rrd_writer *w, enum werr kind, const char *path)
{
	const char *e = rrd_test_error() ? rrd_get_error() : "unknown error";
	char msg[1400], hint[800];

	access_hint(hint, sizeof(hint), path);
	snprintf(msg, sizeof(msg), "%s%s", e, hint);
	report(w, kind, path, msg);
	rrd_clear_error();
}

static void
count_latency(struct rrd_writer *w, uint64_t t0, uint64_t *counter)
{
	uint64_t dt = now_us() - t0;

	pthread_mutex_lock(&w->mu);
	(*counter)++;
	w->st.latency_total_us += dt;
	if (dt > w->st.latency_max_us)
		w->st.latency_max_us = dt;
	pthread_mutex_unlock(&w->mu);
}

static void
count(struct rrd_writer *w, uint64_t *counter)
{
	pthread_mutex_lock(&w->mu);
	(*counter)++;
	pthread_mutex_unlock(&w->mu);
}

/* ---- file operations (writer thread) ---------------------------------- */

/*
 * Gives path, just made, the owner and group of the directory holding
 * it, as far as this process may: root gives both, another user only
 * the group (when a member; else the file stays as made).  0, or -1
 * when root could not (errno set).
 */
static int
inherit_owner(const char *path)
{
	struct stat dir, st;
	char *parent, *p;
	uid_t uid;
	int rc = 0;

	parent = strdup(path);
	if (parent == NULL)
		return -1;
	p = strrchr(parent, '/');
	if (p == NULL)
		snprintf(parent, 2, ".");
	else if (p == parent)
		p[1] = '\0';
	else
		*p = '\0';
	if (stat(parent, &dir) == -1 || lstat(path, &st) == -1)
		goto out;
	uid = geteuid() == 0 ? dir.st_uid : (uid_t)-1;
	if ((uid == (uid_t)-1 || st.st_uid == uid) && st.st_gid == dir.st_gid)
		goto out;
	if (lchown(path, uid, dir.st_gid) == -1 && geteuid() == 0)
		rc = -1;
out:
	free(parent);
	return rc;
}

/* mkdir -p of the directory holding path, mode 0777 & ~umask as Munin;
 * each directory made gets its parent's owner (inherit_owner). */
static int
mkdir_parent(struct rrd_writer *w, const char *path)
{
	char *dir, *p, msg[512];
	bool last;
	int rc = -1;

	dir = strdup(path);
	if (dir == NULL)
		return -1;
	p = strrchr(dir, '/');
	if (p == NULL || p == dir) {
		rc = 0;
		goto out;
	}
	*p = '\0';
	for (p = dir + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		last = *p == '\0';
		*p = '\0';
		if (mkdir(dir, 0777) == 0) {
			if (inherit_owner(dir) == -1) {
				snprintf(
				    msg, sizeof(msg), "%s", strerror(errno));
				report(w, WERR_OWNER, dir, msg);
			}
		} else if (errno != EEXIST)
			goto out;
		if (last)
			break;
		*p = '/';
	}
	rc = 0;
out:
	free(dir);
	return rc;
}

/* Connects to rrdcached unless connected already (then cheap).  0 / -1. */
static int
client_ready(struct rrd_writer *w)
{
	return rrdc_connect(w->daemon) == 0 ? 0 : -1;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Keeps name's update val for a resend. */
static void
remember(struct rrd_writer *w, const char *name, const char *val)
{
	struct resend *r;
	size_t n = strlen(name);

	if (w->resend == NULL || n >= RESEND_NAME)
		return;
	if (w->rs_len == RESEND_MAX) {
		r = &w->resend[w->rs_head];
		w->rs_head = (w->rs_head + 1) % RESEND_MAX;
	} else
		r = &w->resend[(w->rs_head + w->rs_len++) % RESEND_MAX];
	memcpy(r->name, name, n + 1);
	snprintf(r->val, sizeof(r->val), "%s", val);
}

/*
 * After a lost connection, on the new one: the last updates again, in
 * their order, in one batch.  What the daemon holds already (its
 * journal, or the file) it refuses as not later than the last ("illegal
 * attempt to update"), so only what the lost journal buffer had is
 * taken; no refusal counts.  0, or -1 when the connection failed again.
 */
static int
resend_recent(struct rrd_writer *w)
{
	struct rrdc_line lines[RESEND_MAX];
	size_t i;

	for (i = 0; i < w->rs_len; i++) {
		const struct resend *r =
		    &w->resend[(w->rs_head + i) % RESEND_MAX];

		lines[i].name = r->name;
		lines[i].val = r->val;
	}
	if (rrdc_batch_update(w->bc, lines, w->rs_len, NULL, NULL) == -1)
		return -1;
	w->lost = false;
	return 0;
}

/* What a batch's answer says of one pending update. */
struct batch_ctx {
	struct rrd_writer *w;
	bool retry; /* the batch is sent again after a lost connection */
};

static void
batch_refused(void *arg, size_t i, const char *msg)
{
	struct batch_ctx *c = arg;
	struct pend *p = &c->w->pend[i];

	/* sent again: the daemon took it before the connection broke */
	if (c->retry && strstr(msg, "illegal attempt to update") != NULL)
		return;
	p->failed = true;
	snprintf(p->err, sizeof(p->err), "%s", msg);
}

/*
 * Sends the pending updates to the daemon in one BATCH and counts each
 * (written, or refused: reported, and the file read again before its
 * next update).  A lost connection (the daemon died or is restarting)
 * is retried, with waits from 50 ms doubling to 1 s, for up to
 * RRD_DAEMON_RETRY_MS; after that, until the daemon answers again, each
 * batch fails at once (a stop stays bounded), every value counted.  On
 * a new connection the resend ring goes first.
 */
static void
batch_send(struct rrd_writer *w)
{
	struct batch_ctx c = {.w = w};
	char hint[800];
	uint64_t t0, dt, deadline = 0, written = 0;
	unsigned wait = 50;
	bool ok = false;
	size_t i;
	int err = 0;

	if (w->npend == 0)
		return;
	for (i = 0; i < w->npend; i++) {
		w->lines[i].name = w->pnames + w->pend[i].name_off;
		w->lines[i].val = w->pend[i].val;
	}
	/* the supervisor restarted it: the old connection may even look
	 * alive until the first write */
	if (atomic_exchange(&w->restarted, false)) {
		w->lost = true;
		rrdc_batch_close(w->bc);
	}
	t0 = now_us();
	for (;;) {
		for (i = 0; i < w->npend; i++)
			w->pend[i].failed = false;
		if (rrdc_batch_connect(w->bc) == 0) {
			w->down = false;
			if ((!w->lost || resend_recent(w) == 0) &&
			    rrdc_batch_update(w->bc, w->lines, w->npend,
				batch_refused, &c) == 0) {
				ok = true;
				break;
			}
		}
		err = errno;
		w->lost = true;
		c.retry = true;
		if (w->down)
			break;
		if (deadline == 0)
			deadline = now_us() + RRD_DAEMON_RETRY_MS * 1000ull;
		if (now_us() >= deadline) {
			w->down = true;
			break;
		}
		sleep_ms(wait);
		wait = wait * 2 > 1000 ? 1000 : wait * 2;
	}
	dt = now_us() - t0;
	for (i = 0; i < w->npend; i++) {
		struct pend *p = &w->pend[i];
		char msg[sizeof(p->err) + sizeof(hint) + 300];
		char path[PATH_MAX];

		if (ok && !p->failed) {
			remember(w, w->lines[i].name, p->val);
			written++;
			continue;
		}
		p->f->known = false;
		/* the file's whole path for the report: the table keeps it
		 * apart (rrd_files.h); too long for PATH_MAX, its name as
		 * sent */
		if (rrd_files_path(p->f, path, sizeof(path)) == -1)
			snprintf(path, sizeof(path), "%s", w->lines[i].name);
		if (!ok) {
			snprintf(msg, sizeof(msg), "rrdcached %.200s: %s",
			    w->daemon, strerror(err));
			report(w, WERR_DAEMON, path, msg);
			continue;
		}
		access_hint(hint, sizeof(hint), path);
		snprintf(msg, sizeof(msg), "%s%s", p->err, hint);
		report(w, WERR_UPDATE, path, msg);
	}
	pthread_mutex_lock(&w->mu);
	w->st.updates += written;
	w->st.latency_total_us += dt;
	if (dt > w->st.latency_max_us)
		w->st.latency_max_us = dt;
	pthread_mutex_unlock(&w->mu);
	w->npend = 0;
	w->pnames_len = 0;
}
/*
 * The name of path to send rrdcached: the path itself over a unix socket,
 * relative to the daemon's base directory over TCP; NULL (reported as
 * kind, counted) when path is not inside that base.
 */
static const char *
daemon_path(struct rrd_writer *w, enum werr kind, const char *path)
{
	const char *rel;
	char msg[600];

	if (w->base == NULL)
		return path;
	rel = rrdc_relpath(w->base, path);
	if (rel == NULL) {
		snprintf(msg, sizeof(msg),
		    "not inside rrdcached_base_dir %.500s, so rrdcached (TCP) "
		    "cannot be told its name",
		    w->base);
		report(w, kind, path, msg);
	}
	return rel;
}

int
rrd_writer_connect(const char *rrdcached)
{
	return rrdc_connect(rrdcached) == 0 ? 0 : -1;
}

/* Same value, where "U" is NaN. */
static bool
limit_equal(const char *conf, double file)
{
	if (strcmp(conf, "U") == 0)
		return isnan(file);
	return !isnan(file) && strtod(conf, NULL) == file;
}

/* rrd_tune --minimum 42:MIN --maximum 42:MAX, as Munin's _ensure_tuning. */
static void
tune(struct rrd_writer *w, struct rrd_file *f, const char *path,
    const struct rrd_ds *ds)
{
	char prog[] = "tune", minf[] = "--minimum", maxf[] = "--maximum";
	char minv[40], maxv[40], *argv[6];

	snprintf(minv, sizeof(minv), RRD_DS_NAME ":%s", ds->min);
	snprintf(maxv, sizeof(maxv), RRD_DS_NAME ":%s", ds->max);
	argv[0] = prog;
	argv[1] = (char *)path; /* librrd's argv is not const */
	argv[2] = minf;
	argv[3] = minv;
	argv[4] = maxf;
	argv[5] = maxv;
	rrd_clear_error();
	if (rrd_tune(6, argv) != 0) {
		report_rrd(w, WERR_TUNE, path);
		return;
	}
	log_info("rrd: %s: tuned min %s max %s", path, ds->min, ds->max);
	f->limits = limits_hash(ds);
	count(w, &w->st.tunes);
}

/* Learns last_update and min/max of an existing file; tunes min/max. */
static int
adopt(struct rrd_writer *w, struct rrd_file *f, const char *path,
    const struct rrd_ds *ds)
{
	rrd_info_t *info, *i;
	double min = NAN, max = NAN;
	bool has_ds = false;

	if (w->daemon != NULL && client_ready(w) == 0) {
		const char *dp = daemon_path(w, WERR_DAEMON, path);

		if (dp == NULL)
			return -1;
		(void)rrdc_flush(dp); /* it may hold newer data */
	}
	rrd_clear_error();
	info = rrd_info_r(path);
	if (info == NULL) {
		report_rrd(w, WERR_INFO, path);
		return -1;
	}
	f->last = 0;
	f->ours = false;
	for (i = info; i != NULL; i = i->next) {
		if (strcmp(i->key, "last_update") == 0)
			f->last = (time_t)i->value.u_cnt;
		else if (strcmp(i->key, "ds[" RRD_DS_NAME "].min") == 0) {
			min = i->value.u_val;
			has_ds = true;
		} else if (strcmp(i->key, "ds[" RRD_DS_NAME "].max") == 0)
			max = i->value.u_val;
	}
	rrd_info_free(info);
	if (!has_ds) {
		report(w, WERR_INFO, path, "no data source \"42\"");
		return -1;
	}
	f->limits = limits_hash(ds);
	f->known = true;
	if (!limit_equal(ds->min, min) || !limit_equal(ds->max, max))
		tune(w, f, path, ds);
	return 0;
}

static int
create(struct rrd_writer *w, struct rrd_file *f, const struct wval *v)
{
	struct rrd_create_args a;
	char msg[1400], hint[800];
	uint64_t t0;
	int err;

	if (rrd_create_args(&a, &v->ds, v->ts) == -1) {
		report(w, WERR_CREATE, v->path, "invalid data source");
		return -1;
	}
	if (mkdir_parent(w, v->path) == -1) {
		err = errno;
		access_hint(hint, sizeof(hint), v->path);
		snprintf(msg, sizeof(msg), "%s%s", strerror(err), hint);
		report(w, WERR_MKDIR, v->path, msg);
		return -1;
	}
	t0 = now_us();
	rrd_clear_error();
	if (rrd_create_r(v->path, a.step, a.start, a.argc, a.argv) != 0) {
		report_rrd(w, WERR_CREATE, v->path);
		return -1;
	}
	count_latency(w, t0, &w->st.creates);
	if (inherit_owner(v->path) == -1) {
		snprintf(msg, sizeof(msg), "%s", strerror(errno));
		report(w, WERR_OWNER, v->path, msg);
	}
	f->last = a.start;
	f->ours = true;
	f->limits = limits_hash(&v->ds);
	f->known = true;
	return 0;
}

/* Appends name to the pending names.  0 / -1 (ENOMEM). */
static int
pnames_put(struct rrd_writer *w, const char *name)
{
	size_t n = strlen(name) + 1, cap;
	char *nv;

	if (w->pnames_len + n > w->pnames_cap) {
		cap = w->pnames_cap != 0 ? w->pnames_cap : 64 * 1024;
		while (cap < w->pnames_len + n)
			cap *= 2;
		nv = realloc(w->pnames, cap);
		if (nv == NULL)
			return -1;
		w->pnames = nv;
		w->pnames_cap = cap;
	}
	memcpy(w->pnames + w->pnames_len, name, n);
	w->pnames_len += n;
	return 0;
}

/*
 * Writes the value at ts (its own, or its read time: see process), or
 * with rrdcached queues it for the next batch (batch_send() counts it).
 */
static int
update(
    struct rrd_writer *w, struct rrd_file *f, const struct wval *v, time_t ts)
{
	char val[64];
	const char *argv[1] = {val};
	struct pend *p;
	const char *dp;
	uint64_t t0;

	if (v->unknown || !isfinite(v->value))
		snprintf(val, sizeof(val), "%lld:U", (long long)ts);
	else
		snprintf(
		    val, sizeof(val), "%lld:%.17g", (long long)ts, v->value);
	if (w->daemon != NULL) {
		dp = daemon_path(w, WERR_UPDATE, v->path);
		if (dp == NULL)
			return -1;
		if (pnames_put(w, dp) == -1) {
			report(w, WERR_DAEMON, v->path, strerror(ENOMEM));
			return -1;
		}
		p = &w->pend[w->npend++];
		p->f = f;
		p->name_off = w->pnames_len - strlen(dp) - 1;
		memcpy(p->val, val, sizeof(val));
		f->last = ts;
		f->ours = true;
		return 0;
	}
	t0 = now_us();
	rrd_clear_error();
	if (rrd_update_r(v->path, NULL, 1, argv) != 0) {
		report_rrd(w, WERR_UPDATE, v->path);
		return -1;
	}
	count_latency(w, t0, &w->st.updates);
	f->last = ts;
	f->ours = true;
	return 0;
}

/*
 * When v is not later than the file's last update (last): the time to
 * write it at instead, its read time, kept inside its step so that the
 * next value's stamp stays later; 0 when it was not read after last
 * either (the file is another writer's right now).
 */
static time_t
handover_ts(const struct wval *v, time_t last)
{
	time_t t = v->read_at;

	if (v->ds.step > 0 && t > v->ts + (time_t)v->ds.step - 1)
		t = v->ts + (time_t)v->ds.step - 1;
	return t > last ? t : 0;
}

/* A value no later than its file's last update: counted as stale and
 * logged, the first at once, the rest summed every ten minutes. */
static void
stale(struct rrd_writer *w, const struct rrd_file *f, const struct wval *v)
{
	unsigned suppressed = 0;

	count(w, &w->st.stale);
	/* a second value of drover's own in one second (a poll retried
	 * within its interval): nobody else's file, nothing to warn of */
	if (f->ours) {
		log_debug("rrd: %s: value of %lld dropped: this drover wrote "
			  "the file at %lld already",
		    v->path, (long long)v->ts, (long long)f->last);
		return;
	}
	if (!ratelimit_allow(&w->stale_rl, now_us() / 1000,
		STALE_LOG_INTERVAL_MS, &suppressed))
		return;
	if (suppressed == 0)
		log_warnx("rrd: %s: value of %lld dropped: the file was "
			  "updated at %lld, by another writer (munin-update "
			  "still running?) or an earlier drover; more such "
			  "drops count as stale (drover_rrd) and are summed "
			  "here",
		    v->path, (long long)v->ts, (long long)f->last);
	else
		log_warnx("rrd: %u more values dropped as not newer than "
			  "their files, the latest %s at %lld (file updated "
			  "at %lld)",
		    suppressed + 1, v->path, (long long)v->ts,
		    (long long)f->last);
}

static void
process(struct rrd_writer *w, const struct wval *v)
{
	struct rrd_file *f;
	struct stat sb;
	char msg[128];
	time_t ts;

	f = rrd_files_get(w->files, v->path);
	if (f == NULL) {
		report(w, WERR_UPDATE, v->path, "out of memory");
		return;
	}
	if (!f->known) {
		if (stat(v->path, &sb) == 0) {
			if (adopt(w, f, v->path, &v->ds) == -1)
				return;
		} else if (errno == ENOENT || errno == ENOTDIR) {
			if (create(w, f, v) == -1)
				return;
		} else {
			snprintf(msg, sizeof(msg), "%s", strerror(errno));
			report(w, WERR_UPDATE, v->path, msg);
			return;
		}
	} else if (f->limits != limits_hash(&v->ds))
		tune(w, f, v->path, &v->ds);
	ts = v->ts;
	if (ts <= f->last) {
		ts = handover_ts(v, f->last);
		if (ts == 0) {
			stale(w, f, v);
			return;
		}
		count(w, &w->st.handovers);
		if (!w->handover_logged)
			log_info(
			    "rrd: %s: last updated at %lld, after the start "
			    "of this value's interval (%lld; munin-update "
			    "stamps the fetch time): written at its read "
			    "time %lld; later ones count as handovers",
			    v->path, (long long)f->last, (long long)v->ts,
			    (long long)ts);
		w->handover_logged = true;
	}
	/* After a failed update the file is read again before the next. */
	if (update(w, f, v, ts) == -1)
		f->known = false;
}

/* Asks rrdcached to write every file this writer touched; every file
 * it could not is counted.  0 / -1. */
static int
flush_daemon(struct rrd_writer *w)
{
	struct rrd_file *f;
	char path[PATH_MAX];
	const char *dp;
	uint64_t t0;
	size_t flushed = 0, left = 0;
	int rc = 0;

	rrd_clear_error();
	if (client_ready(w) == -1) {
		report_rrd(w, WERR_DAEMON, w->daemon);
		return -1;
	}
	t0 = now_us();
	for (f = rrd_files_next(w->files, NULL); f != NULL;
	     f = rrd_files_next(w->files, f)) {
		if (!f->known)
			continue;
		if (now_us() - t0 >= w->flush_max_us) {
			left++;
			continue;
		}
		flushed++;
		if (rrd_files_path(f, path, sizeof(path)) == -1) {
			report(w, WERR_DAEMON, f->name, "path too long");
			rc = -1;
			continue;
		}
		dp = daemon_path(w, WERR_DAEMON, path);
		if (dp == NULL) {
			rc = -1;
			continue;
		}
		rrd_clear_error();
		if (rrdc_flush(dp) != 0) {
			report_rrd(w, WERR_DAEMON, path);
			rc = -1;
		}
	}
	pthread_mutex_lock(&w->mu);
	w->st.flush_left = left;
	pthread_mutex_unlock(&w->mu);
	if (left > 0)
		log_info(
		    "rrd: rrdcached flush stopped after %llu ms with %zu "
		    "of %zu files flushed, %zu left; rrdcached writes the "
		    "rest itself (its -w timeout, or its shutdown with -F)",
		    (unsigned long long)(w->flush_max_us / 1000), flushed,
		    flushed + left, left);
	return rc;
}

/*
 * After the record before qread is done with (under mu, writer thread):
 * a first block read to its end is freed (or kept as the spare), or
 * rewound when it is the last one too (the queue is empty).
 */
static void
queue_release(struct rrd_writer *w)
{
	struct qblock *b = w->qfirst;

	if (w->qread < b->used)
		return;
	w->qread = 0;
	if (b == w->qlast) {
		b->used = 0;
		return;
	}
	w->qfirst = b->next;
	if (w->qspare == NULL && b->size == QBLOCK_BYTES)
		w->qspare = b;
	else
		free(b);
}

/*
 * A block with room for need bytes appended to the queue (under mu);
 * NULL when out of memory.  An empty last block (rewound, so the writer
 * holds nothing of it) too small for need is dropped first.
 */
static struct qblock *
queue_grow(struct rrd_writer *w, size_t need)
{
	size_t size = need > QBLOCK_BYTES ? need : QBLOCK_BYTES;
	struct qblock *b;

	if (w->qlast != NULL && w->qlast->used == 0) {
		free(w->qlast);
		w->qfirst = w->qlast = NULL;
		w->qread = 0;
	}
	if (w->qspare != NULL && w->qspare->size >= size) {
		b = w->qspare;
		w->qspare = NULL;
	} else {
		b = malloc(sizeof(*b) + size);
		if (b == NULL)
			return NULL;
		b->size = size;
	}
	b->next = NULL;
	b->used = 0;
	if (w->qlast != NULL)
		w->qlast->next = b;
	else
		w->qfirst = b;
	w->qlast = b;
	return b;
}

static void
queue_free(struct rrd_writer *w)
{
	struct qblock *b, *next;

	for (b = w->qfirst; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(w->qspare);
}

static void *
writer_main(void *arg)
{
	struct rrd_writer *w = arg;
	struct wval v;
	struct qrec *rec;
	size_t bytes;
	bool more;
	int rc;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->qlen == 0 && !w->stop && !w->flush_req)
			pthread_cond_wait(&w->work, &w->mu);
		if (w->qlen == 0 && w->flush_req) {
			pthread_mutex_unlock(&w->mu);
			rc = flush_daemon(w);
			pthread_mutex_lock(&w->mu);
			w->flush_rc = rc;
			w->flush_req = false;
			w->flush_gen++;
			pthread_cond_broadcast(&w->done);
			continue;
		}
		if (w->qlen == 0)
			break; /* stopping and drained */
		rec = (struct qrec *)(w->qfirst->data + w->qread);
		bytes = qrec_size_of(rec);
		w->qread += qalign(bytes);
		w->qlen--;
		more = w->qlen > 0;
		pthread_mutex_unlock(&w->mu);
		qrec_unpack(rec, &v);
		process(w, &v);
		/* a batch holds what one drain brings, up to BATCH_MAX */
		if (!more || w->npend == BATCH_MAX)
			batch_send(w);
		pthread_mutex_lock(&w->mu);
		queue_release(w);
		w->qbytes -= bytes;
		w->held++;
		if (w->npend == 0) {
			w->done_seq += w->held;
			w->held = 0;
			pthread_cond_broadcast(&w->done);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* ---- public ------------------------------------------------------------ */

struct rrd_writer *
rrd_writer_new(const char *rrdcached, size_t queue_max)
{
	struct rrd_writer_opts o = {
	    .rrdcached = rrdcached, .queue_max = queue_max};

	return rrd_writer_new_opts(&o);
}

struct rrd_writer *
rrd_writer_new_opts(const struct rrd_writer_opts *o)
{
	const char *rrdcached = o->rrdcached, *base_dir = o->base_dir;
	size_t queue_max = o->queue_max;
	struct rrd_writer *w;
	sigset_t all, old;
	int err;

	if (queue_max == 0 || (rrdc_addr_is_tcp(rrdcached) &&
				  (base_dir == NULL || base_dir[0] != '/'))) {
		rrdc_batch_free(o->conn);
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		rrdc_batch_free(o->conn);
		errno = ENOMEM;
		return NULL;
	}
	w->bc = o->conn; /* ours now */
	if (rrdcached == NULL) {
		rrdc_batch_free(w->bc);
		w->bc = NULL;
	}
	w->qmax = queue_max;
	w->st.queue_max = queue_max;
	w->flush_max_us =
	    (uint64_t)(o->flush_max_ms != 0 ? o->flush_max_ms
					    : RRD_DAEMON_FLUSH_MAX_MS) *
	    1000;
	w->files = rrd_files_new();
	if (w->files == NULL)
		goto fail_alloc;
	if (rrdcached != NULL) {
		/* The writer thread connects on first use. */
		w->daemon = strdup(rrdcached);
		w->resend = calloc(RESEND_MAX, sizeof(*w->resend));
		w->pend = calloc(BATCH_MAX, sizeof(*w->pend));
		w->lines = calloc(BATCH_MAX, sizeof(*w->lines));
		if (w->daemon == NULL || w->resend == NULL || w->pend == NULL ||
		    w->lines == NULL)
			goto fail_alloc;
		if (w->bc == NULL)
			w->bc = rrdc_batch_new(rrdcached);
		if (w->bc == NULL)
			goto fail;
		if (rrdc_addr_is_tcp(rrdcached)) {
			w->base = strdup(base_dir);
			if (w->base == NULL)
				goto fail_alloc;
		}
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->done, NULL);
	/* Signals belong to the event loop, not to the writer. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&w->thread, NULL, writer_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		pthread_cond_destroy(&w->done);
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->mu);
		errno = err;
		goto fail;
	}
	return w;
fail_alloc:
	errno = ENOMEM;
fail:
	err = errno;
	rrdc_batch_free(w->bc);
	free(w->pend);
	free(w->pnames);
	free(w->lines);
	free(w->base);
	free(w->daemon);
	free(w->resend);
	rrd_files_free(w->files);
	free(w);
	errno = err;
	return NULL;
}

int
rrd_writer_submit_value(struct rrd_writer *w, const char *path,
    const struct rrd_ds *ds, time_t ts, time_t read_at, double value,
    bool unknown)
{
	size_t pathlen = strlen(path), bytes = 0, need = 0;
	struct qblock *b;
	int err;

	if (pathlen <= UINT16_MAX) {
		bytes = qrec_size(ds, pathlen);
		need = qalign(bytes);
	}
	pthread_mutex_lock(&w->mu);
	if (pathlen > UINT16_MAX) {
		err = EINVAL;
		goto drop;
	}
	if (w->qlen == w->qmax) {
		err = EAGAIN;
		goto drop;
	}
	b = w->qlast;
	if (b == NULL || b->size - b->used < need) {
		b = queue_grow(w, need);
		if (b == NULL) {
			err = ENOMEM;
			goto drop;
		}
	}
	qrec_pack((struct qrec *)(b->data + b->used), path, pathlen, ds, ts,
	    read_at, value, unknown);
	b->used += need;
	w->qlen++;
	w->qbytes += bytes;
	if (w->qbytes > w->st.queue_bytes_max)
		w->st.queue_bytes_max = w->qbytes;
	w->queued_seq++;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	return 0;
drop:
	w->st.dropped++;
	pthread_mutex_unlock(&w->mu);
	errno = err;
	return -1;
}

void
rrd_writer_drain(struct rrd_writer *w)
{
	uint64_t target;

	pthread_mutex_lock(&w->mu);
	target = w->queued_seq;
	while (w->done_seq < target)
		pthread_cond_wait(&w->done, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

int
rrd_writer_flush(struct rrd_writer *w)
{
	uint64_t target, gen;
	int rc = 0;

	pthread_mutex_lock(&w->mu);
	target = w->queued_seq;
	while (w->done_seq < target)
		pthread_cond_wait(&w->done, &w->mu);
	if (w->daemon != NULL) {
		gen = w->flush_gen;
		w->flush_req = true;
		pthread_cond_signal(&w->work);
		while (w->flush_gen == gen)
			pthread_cond_wait(&w->done, &w->mu);
		rc = w->flush_rc;
	}
	pthread_mutex_unlock(&w->mu);
	if (rc == -1)
		errno = EIO;
	return rc;
}

void
rrd_writer_daemon_restarted(struct rrd_writer *w)
{
	atomic_store(&w->restarted, true);
}

void
rrd_writer_stats(struct rrd_writer *w, struct rrd_writer_stats *out)
{
	pthread_mutex_lock(&w->mu);
	*out = w->st;
	out->queue_len = w->qlen;
	out->queue_bytes = w->qbytes;
	pthread_mutex_unlock(&w->mu);
}

void
rrd_writer_free(struct rrd_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	if (w->daemon != NULL)
		(void)rrdc_disconnect();
	pthread_cond_destroy(&w->done);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	rrd_files_free(w->files);
	queue_free(w);
	rrdc_batch_free(w->bc);
	free(w->pend);
	free(w->pnames);
	free(w->lines);
	free(w->base);
	free(w->daemon);
	free(w->resend);
	free(w);
}
