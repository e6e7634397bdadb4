/*
 * rrd_writer: the thread that creates and updates RRD files.
 *
 * The event loop hands over one value per job and never waits: the queue
 * is bounded and a full queue drops the job (counted).  A queued value is
 * kept packed in one allocation of about 130 bytes (the job itself is
 * freed on submit).  The writer thread
 * creates missing files with Munin's schema (rrd_schema.h), updates them
 * with numeric timestamps, either directly (rrd_update_r) or through
 * rrdcached, and records what went wrong in thread-safe stats.  Errors are
 * logged rate-limited per kind (a full disk is one message a minute, not
 * one per value).
 *
 * Timestamps: a file never gets two updates with one timestamp.  A job
 * whose ts is not later than the file's last update but whose value was
 * read after it is written at its read time (clipped inside its step):
 * the hand-over from munin-update, which stamps a value with the moment
 * it was fetched, to drover, which stamps it with the start of its
 * interval, so the first value drover reads after Munin's last run is
 * kept rather than lost (a drover restarted inside one interval gets
 * the same).  A job read no later than the file's last update (another
 * writer is still at work on the file) is dropped and counted as stale,
 * as munin-update does ("Ignore values that is not in monotonic
 * increasing timestamp"), and logged: the first one at once, later ones
 * in one line every ten minutes for all files, never silently.
 *
 * Ownership: a file or directory the writer makes gets the owner and
 * group of the directory it is made in, as far as the process may give
 * them (root: both; another user: a group it is a member of), so a
 * drover running as root in Munin's dbdir leaves munin:munin files that
 * munin-update can take over again.  A file the process may not write is
 * logged with its owner and the user drover runs as.
 */
#ifndef DROVER_RRD_WRITER_H
#define DROVER_RRD_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "rrd/rrd_schema.h"

struct rrd_writer;

/* One value for one file: rrd_job_new() makes it one heap allocation,
 * path included (one is made and freed per value stored). */
struct rrd_job {
	char *path;	  /* from rrd_path(); absolute with rrdcached; just
			     past the job when rrd_job_new() made it */
	struct rrd_ds ds; /* used to create the file and to tune min/max */
	time_t ts;	  /* epoch seconds of the value */
	time_t read_at;	  /* epoch seconds it was read; 0: unknown (= ts) */
	double value;	  /* ignored when unknown */
	bool unknown;	  /* write "U" */
};

/* A job with a copy of path (read_at 0), or NULL (errno ENOMEM). */
struct rrd_job *rrd_job_new(const char *path, const struct rrd_ds *ds,
    time_t ts, double value, bool unknown);
/* Frees job; NULL is fine. */
void rrd_job_free(struct rrd_job *job);

struct rrd_writer_stats {
	uint64_t updates;	   /* values written */
	uint64_t creates;	   /* files created */
	uint64_t tunes;		   /* files whose min/max were tuned */
	uint64_t errors;	   /* failed creates, updates, tunes, daemon
				      flushes (one per file) */
	uint64_t dropped;	   /* jobs refused because the queue was full */
	uint64_t stale;		   /* jobs not later than the file's last */
	uint64_t handovers;	   /* jobs written at their read time (above) */
	size_t queue_len;	   /* jobs waiting now */
	size_t queue_max;	   /* the bound given to rrd_writer_new() */
	size_t queue_bytes;	   /* heap bytes of the values waiting now */
	size_t queue_bytes_max;	   /* the most queue_bytes has been */
	char last_error[256];	   /* "" when none */
	time_t last_error_time;	   /* epoch seconds, 0 when none */
	uint64_t latency_total_us; /* sum over creates and updates, us */
	uint64_t latency_max_us;   /* slowest single create or update, us */
};

struct rrd_writer_opts {
	/* "unix:/path", "/path" or a TCP address ("host:port",
	 * "[v6]:port": rrdc_addr.h) of an rrdcached to send updates
	 * through, or NULL to write files directly; files are always
	 * created directly */
	const char *rrdcached;
	/* TCP only: the daemon's -b directory, absolute; every file name
	 * is sent relative to it, and a job whose path is not inside it
	 * fails (counted).  Ignored for a unix socket. */
	const char *base_dir;
	size_t queue_max; /* >= 1: the bound on jobs waiting */
};

/*
 * Starts a writer thread.  librrd 1.7.2 offers only one process-wide
 * rrdcached client, so at most one writer per process may use a daemon.
 * Returns NULL with errno set on failure (EINVAL: queue_max 0, or a TCP
 * address without an absolute base_dir).
 */
struct rrd_writer *rrd_writer_new_opts(const struct rrd_writer_opts *o);
/* rrd_writer_new_opts() without a base_dir (no TCP daemon). */
struct rrd_writer *rrd_writer_new(const char *rrdcached, size_t queue_max);
/*
 * Connects librrd's process-wide rrdcached client to rrdcached now, on
 * the calling thread and before any writer starts, so that a socket only
 * root may open stays open once the daemon has dropped root; the writer
 * reuses the connection (a reconnect, after rrdcached restarts, is made
 * as the user).  0, or -1 when rrdcached does not answer (the writer
 * retries).
 */
int rrd_writer_connect(const char *rrdcached);

/*
 * Queues job's value; takes ownership of job in every case (it is freed
 * before the call returns).  Never blocks on I/O (only on the queue
 * mutex).  Returns 0, or -1 with errno EAGAIN when the queue is full, or
 * ENOMEM (both freed and counted as dropped), or EINVAL for a NULL job
 * (rrd_job_new() out of memory).  Any thread.
 */
int rrd_writer_submit(struct rrd_writer *w, struct rrd_job *job);

/*
 * Blocks until every job queued before the call is written, then (with
 * rrdcached) asks the daemon to write its cache to disk, file by file,
 * for at most RRD_DAEMON_FLUSH_MAX_MS: at 10,000 guests (half a million
 * files) flushing every one takes minutes, longer than systemd waits for
 * a stop; the daemon keeps the rest (its journal, its -F) and the count
 * left is logged.  For shutdown and tests; never from the event loop.
 * Returns 0, or -1 when the daemon flush failed for some file (each one
 * counted).
 */
#define RRD_DAEMON_FLUSH_MAX_MS 20000u
/*
 * With rrdcached, an update whose connection is lost (the daemon died or
 * is restarting) is retried for up to this many ms, once per outage:
 * then the next values fail at once (counted) until the daemon answers.
 * On the new connection the writer first resends its last 256 updates:
 * rrdcached 1.7.2's journal loses its stdio buffer to a kill -9, and the
 * daemon refuses those it holds already (not later than the last).
 */
#define RRD_DAEMON_RETRY_MS 10000u

/*
 * The daemon was started again (its supervisor knows; librrd's client
 * reconnects inside a failed send without telling): the writer resends
 * its last updates before the next one.  Any thread.
 */
void rrd_writer_daemon_restarted(struct rrd_writer *w);
int rrd_writer_flush(struct rrd_writer *w);

/* Copies the current counters into out.  Any thread. */
void rrd_writer_stats(struct rrd_writer *w, struct rrd_writer_stats *out);

/* Writes what is queued, stops and joins the thread, frees w.  NULL ok. */
void rrd_writer_free(struct rrd_writer *w);

#endif
