/*
 * rrd_writer: the thread that creates and updates RRD files.
 *
 * The event loop hands over one value at a time and never waits: the
 * queue is bounded and a full queue drops the value (counted).  A value
 * is packed straight from the caller's arguments into a record of about
 * 130 bytes, laid with the others into 64 KiB blocks, so the queue makes
 * one allocation per some 500 values (rrd_writer_submit_value()).  The
 * writer thread
 * creates missing files with Munin's schema (rrd_schema.h), updates them
 * with numeric timestamps, either directly (rrd_update_r) or through
 * rrdcached (in BATCH requests of up to 1000 updates, what one drain of
 * the queue brings, over a connection of its own: rrdc_batch.h), and
 * records what went wrong in thread-safe stats.  Errors are
 * logged rate-limited per kind (a full disk is one message a minute, not
 * one per value).
 *
 * Timestamps: a file never gets two updates with one timestamp.  A value
 * whose ts is not later than the file's last update but whose value was
 * read after it is written at its read time (clipped inside its step):
 * the hand-over from munin-update, which stamps a value with the moment
 * it was fetched, to drover, which stamps it with the start of its
 * interval, so the first value drover reads after Munin's last run is
 * kept rather than lost (a drover restarted inside one interval gets
 * the same).  A value read no later than the file's last update (another
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
#include "rrd/rrdc_batch.h"

struct rrd_writer;

struct rrd_writer_stats {
	uint64_t updates;	/* values written */
	uint64_t creates;	/* files created */
	uint64_t tunes;		/* files whose min/max were tuned */
	uint64_t errors;	/* failed creates, updates, tunes, daemon
				   flushes (one per file) */
	uint64_t dropped;	/* values refused: queue full, no memory */
	uint64_t stale;		/* values not later than the file's last */
	uint64_t handovers;	/* values written at their read time (above) */
	size_t queue_len;	/* values waiting now */
	size_t queue_max;	/* the bound given to rrd_writer_new() */
	size_t queue_bytes;	/* bytes of the packed values waiting now (held
				   in 64 KiB blocks: one more block at most) */
	size_t queue_bytes_max; /* the most queue_bytes has been */
	size_t flush_left;	/* files the last daemon flush left to rrdcached
				   (its bound ran out) */
	char last_error[256];	/* "" when none */
	time_t last_error_time; /* epoch seconds, 0 when none */
	/* sum over creates and updates, us; a batch of updates to rrdcached
	 * counts once, as one update */
	uint64_t latency_total_us;
	uint64_t latency_max_us; /* slowest create, update or batch, us */
};

struct rrd_writer_opts {
	/* "unix:/path", "/path" or a TCP address ("host:port",
	 * "[v6]:port": rrdc_addr.h) of an rrdcached to send updates
	 * through, or NULL to write files directly; files are always
	 * created directly */
	const char *rrdcached;
	/* TCP only: the daemon's -b directory, absolute; every file name
	 * is sent relative to it, and a value whose path is not inside
	 * it fails (counted).  Ignored for a unix socket. */
	const char *base_dir;
	size_t queue_max; /* >= 1: the bound on values waiting */
	/* the bound on rrd_writer_flush()'s daemon flush, ms; 0:
	 * RRD_DAEMON_FLUSH_MAX_MS */
	unsigned flush_max_ms;
	/* a client for rrdcached made (and connected) before, on another
	 * thread: as root, before a privilege drop, for a socket only root
	 * may open; the writer takes ownership (also when it fails to
	 * start).  NULL: the writer connects on first use. */
	struct rrdc_batch *conn;
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
 * reuses the connection for its file flushes (a reconnect, after
 * rrdcached restarts, is made as the user).  Its updates take a
 * connection of their own: pass one made at the same time in
 * rrd_writer_opts.conn.  0, or -1 when rrdcached does not answer (the
 * writer retries).
 */
int rrd_writer_connect(const char *rrdcached);

/*
 * Queues one value for the file at path (from rrd_path(); absolute with
 * rrdcached): ds creates the file and tunes its min/max, ts is the
 * value's epoch seconds, read_at when it was read (epoch seconds; 0:
 * unknown, taken as ts), value is ignored when unknown ("U" is written).
 * Copies what it needs into one packed record; the caller keeps path and
 * ds.  Never blocks on I/O (only on the queue mutex).  Returns 0, or -1
 * with errno EAGAIN when the queue is full, ENOMEM, or EINVAL for a path
 * longer than 65535 bytes (each counted as dropped).  Any thread.
 */
int rrd_writer_submit_value(struct rrd_writer *w, const char *path,
    const struct rrd_ds *ds, time_t ts, time_t read_at, double value,
    bool unknown);

/*
 * Blocks until every value queued before the call is written, then (with
 * rrdcached) asks the daemon to write its cache to disk, file by file,
 * for at most flush_max_ms (default RRD_DAEMON_FLUSH_MAX_MS): at 10,000
 * guests (half a million files) flushing every one takes minutes, longer
 * than systemd waits for a stop; the daemon keeps the rest (its journal,
 * its -F), and how many it kept is logged and left in the stats
 * (flush_left), not counted as errors.  For shutdown and tests; never
 * from the event loop.  Returns 0, or -1 when the daemon flush failed
 * for some file (each one counted).
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

/*
 * Blocks until every job queued before the call is written (sent, with
 * rrdcached), without asking the daemon to write its cache: for a daemon
 * of drover's own that writes it at its own stop (rrdcached -F), faster
 * than a flush per file.  Never from the event loop.
 */
void rrd_writer_drain(struct rrd_writer *w);

/* Copies the current counters into out.  Any thread. */
void rrd_writer_stats(struct rrd_writer *w, struct rrd_writer_stats *out);

/* Writes what is queued, stops and joins the thread, frees w.  NULL ok. */
void rrd_writer_free(struct rrd_writer *w);

#endif
