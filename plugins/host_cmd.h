/*
 * host_cmd: one command a probe runs off the loop (lvs, xentop, xl, du),
 * never blocking it.
 *
 * Run from this process (host_cmd_start): spawned with uv_spawn, argv as
 * given (argv[0] without a '/' looked up in PATH), in a process group of
 * its own, stdin /dev/null, environment LC_ALL=C LANG=C and
 * PATH=/usr/sbin:/usr/bin:/sbin:/bin; stdout kept up to max_out bytes
 * (more is HOST_CMD_TOO_LARGE: it is killed); stderr's first
 * HOST_CMD_STDERR_MAX bytes kept for the caller's log line, the rest read
 * and dropped; at timeout_ms (a loop timer) its process group gets
 * SIGTERM and HOST_CMD_KILL_GRACE_MS later SIGKILL.  It has ended when it
 * was reaped and its pipes closed, or at the timeout.
 *
 * A daemon that drops root runs probe commands through a runner it forked
 * before (agent/cmd_runner), which keeps root and runs only the argv
 * vectors it was given at start-up: struct host_cmd_runner is how the
 * probes reach it without knowing it (host_roots.runner; NULL: here).
 */
#ifndef DROVER_HOST_CMD_H
#define DROVER_HOST_CMD_H

#include <stddef.h>
#include <uv.h>

#define HOST_CMD_KILL_GRACE_MS 1000u /* SIGTERM to SIGKILL */
#define HOST_CMD_STDERR_MAX 1024u    /* stderr bytes kept */
#define HOST_CMD_OUT_MAX (4u << 20)  /* a default for max_out */

enum host_cmd_status {
	HOST_CMD_OK,	       /* exited 0 */
	HOST_CMD_TIMED_OUT,    /* killed at the timeout */
	HOST_CMD_BAD_EXIT,     /* non-zero exit or a signal */
	HOST_CMD_SPAWN_FAILED, /* not started (spawn_error) */
	HOST_CMD_TOO_LARGE,    /* killed for writing more than max_out */
	HOST_CMD_REFUSED,      /* a runner would not run this argv */
};

/* "ok", "timed out", "bad exit", ... for log lines. */
const char *host_cmd_status_str(enum host_cmd_status s);

/* The end of a run; valid only during the callback. */
struct host_cmd_result {
	enum host_cmd_status status;
	int exit_status;   /* when it exited */
	int term_signal;   /* the signal that ended it, or 0 */
	int spawn_error;   /* HOST_CMD_SPAWN_FAILED: a libuv error */
	const char *out;   /* out_len bytes of stdout, NUL after them */
	size_t out_len;	   /* (the first max_out for TOO_LARGE) */
	const char *err;   /* stderr's first bytes, NUL-terminated ("") */
	double elapsed_ms; /* start to end, loop time */
};

struct host_cmd;
typedef void (*host_cmd_cb)(const struct host_cmd_result *res, void *arg);

/*
 * Starts argv (NULL-terminated, copied); done(res, arg) exactly once,
 * from the loop, never from within host_cmd_start or host_cmd_cancel.
 * The job frees itself after done returns.  Returns the job, or NULL only
 * on allocation failure (errno; done is then never called): a command
 * that cannot start still calls done (HOST_CMD_SPAWN_FAILED).
 */
struct host_cmd *host_cmd_start(uv_loop_t *loop, const char *const argv[],
    unsigned timeout_ms, size_t max_out, host_cmd_cb done, void *arg);
/* Kills the command's process group; done is not called; the job frees
 * itself once its child is reaped.  Not after done was called. */
void host_cmd_cancel(struct host_cmd *c);

/* Where probe commands run (host_roots.runner): start and cancel with
 * host_cmd_start's contract; ctx is the runner's. */
struct host_cmd_runner {
	struct host_cmd *(*start)(void *ctx, uv_loop_t *loop,
	    const char *const argv[], unsigned timeout_ms, size_t max_out,
	    host_cmd_cb done, void *arg);
	void (*cancel)(void *ctx, struct host_cmd *c);
	void *ctx;
};

/* Runs argv through runner (NULL: host_cmd_start here). */
struct host_cmd *host_cmd_run(const struct host_cmd_runner *runner,
    uv_loop_t *loop, const char *const argv[], unsigned timeout_ms,
    size_t max_out, host_cmd_cb done, void *arg);
/* Cancels a job started by host_cmd_run with the same runner. */
void host_cmd_withdraw(
    const struct host_cmd_runner *runner, struct host_cmd *c);

#endif
