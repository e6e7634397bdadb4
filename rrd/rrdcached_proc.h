/*
 * rrdcached_proc: an rrdcached of drover's own, started and supervised
 * on the event loop.
 *
 * What it offers: rrdcached_proc_new() starts the Debian rrdcached
 * (`rrdcached`, looked up in PATH) as a child of the loop, as the user the
 * process runs as now (so after privdrop_drop()), in the foreground (-g),
 * listening on a unix socket in its own directory (dir/rrdcached.sock,
 * mode 0600), for the files under base_dir only (-b, -B), with its
 * journal in dir/journal (-j) and -w/-z/-f as given; at its stop it
 * writes what it holds (-F).  rrdcached_proc_addr() is the address to
 * give the RRD writer and the renderer.
 *
 * Supervision: a daemon that exits is logged with its exit status or
 * signal and started again after a backoff (1 s, doubling to 60 s; back
 * to 1 s once it ran a minute); a missing binary is logged once at start
 * (rrdcached_proc_new() fails with ENOENT and drover writes directly).
 * What was left by a crashed run -- a socket, a pid file, even a daemon
 * still running from it (its pid file names a live rrdcached) -- is
 * cleared before the start: the directory is drover's own, under its
 * locked state_dir.
 *
 * Durability: rrdcached 1.7.2 writes its journal through stdio and
 * fflushes it only when the buffer fills or the journal rotates (every
 * -f); a kill -9 loses that buffer (a few KiB).  The restarted
 * callback tells the RRD writer, which resends its last updates to cover
 * it (rrd_writer_daemon_restarted()).
 *
 * The handles do not keep the loop alive while it runs (the loop ends
 * when drover's own handles close); rrdcached_proc_stop() sends SIGTERM,
 * SIGKILL after stop_ms, and holds the loop until the daemon is reaped.
 * Loop thread only.
 */
#ifndef DROVER_RRDCACHED_PROC_H
#define DROVER_RRDCACHED_PROC_H

#include <stdbool.h>
#include <time.h>

#include <uv.h>

struct rrdcached_proc;

struct rrdcached_proc_opts {
	const char *command;  /* the binary, "rrdcached" (PATH) */
	const char *dir;      /* its socket, pid file and journal/; made
				 0700 when missing */
	const char *base_dir; /* the RRD files (-b, -B): resolved here */
	unsigned write_s;     /* -w: seconds a file's values are held */
	unsigned jitter_s;    /* -z: random extra delay per file, s */
	unsigned flush_s;     /* -f: seconds between scans for old values
				 (and journal rotations) */
	unsigned stop_ms;     /* SIGTERM to SIGKILL at the stop, ms */
	/* called on the loop at each start after the first, right after
	 * the spawn (before the new daemon answers); NULL: none */
	void (*restarted)(void *arg);
	void *arg;
};

struct rrdcached_proc_stats {
	bool running;	   /* a daemon is up now */
	int pid;	   /* its pid, 0 when none */
	unsigned restarts; /* starts after the first */
	int last_status;   /* the last exit's status, -1 when none */
	int last_signal;   /* the signal that ended it, 0 when none */
	time_t last_exit;  /* epoch seconds of the last exit, 0 when none */
};

/*
 * Clears what a crashed run left and starts the daemon.  NULL with errno
 * set when it cannot start (ENOENT: no binary, ENAMETOOLONG: the socket
 * path is longer than a unix socket takes); logged.
 */
struct rrdcached_proc *rrdcached_proc_new(
    uv_loop_t *loop, const struct rrdcached_proc_opts *o);

/* "unix:DIR/rrdcached.sock"; p's. */
const char *rrdcached_proc_addr(const struct rrdcached_proc *p);

/*
 * Blocks until the daemon accepts connections, for at most ms: 0, or -1
 * (it did not come up; the writer retries).  For the start-up only.
 */
int rrdcached_proc_wait(struct rrdcached_proc *p, unsigned ms);

void rrdcached_proc_stats(
    const struct rrdcached_proc *p, struct rrdcached_proc_stats *out);

/*
 * Ends supervision: SIGTERM to the daemon (it writes its cache, -F),
 * SIGKILL after stop_ms.  The loop runs until it is reaped.
 */
void rrdcached_proc_stop(struct rrdcached_proc *p);

/* Frees p, once the loop ran after rrdcached_proc_stop().  NULL ok. */
void rrdcached_proc_free(struct rrdcached_proc *p);

#endif
