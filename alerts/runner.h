/*
 * runner: shell commands run for the loop, each fed one text on stdin
 * (Munin's contact commands; see contacts.h).
 *
 * A command runs as /bin/sh -c CMD with stdin a pipe carrying its text
 * (closed after it: EOF), stdout closed (/dev/null, as munin-limits does)
 * and stderr inherited.  At most max_running commands run at once; more
 * wait in a queue of queue_max, the oldest dropped first when it is full.
 * A command still running after timeout_ms is killed (SIGKILL).  A
 * non-zero exit, a signal, a timeout or a failed spawn is logged under
 * the caller's subsystem name, at most one message a minute.
 * Loop thread only.
 */
#ifndef DROVER_RUNNER_H
#define DROVER_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct runner_stats {
	uint64_t started; /* commands run */
	uint64_t failed;  /* non-zero exit, signal, or spawn failure */
	uint64_t killed;  /* timed out */
	uint64_t dropped; /* commands lost: queue full */
	size_t running;
	size_t queued;
};

struct runner;

/*
 * subsys (copied) starts every log message, e.g. "contacts"; max_running
 * 0 counts as 1; timeout_ms 0: no timeout.  NULL on allocation failure.
 */
struct runner *runner_new(uv_loop_t *loop, const char *subsys,
    unsigned max_running, uint64_t timeout_ms, size_t queue_max);
/* Kills running commands and frees r once their handles are closed (run
 * the loop); queued commands are dropped.  Their exits are not logged. */
void runner_free(struct runner *r);
/*
 * Queues cmd for /bin/sh -c with text on its stdin; name (whose command,
 * for the log) is shown in messages.  Takes ownership of the three heap
 * strings.  Nothing starts before runner_pump().
 */
void runner_add(struct runner *r, char *name, char *cmd, char *text);
/* Starts queued commands while fewer than max_running run. */
void runner_pump(struct runner *r);
void runner_stats(const struct runner *r, struct runner_stats *st);

#endif
