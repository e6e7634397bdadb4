/*
 * cmd_runner: the privileged runner of probe commands (lvs, xl, xentop,
 * du over /etc/lvm/archive) for a daemon that drops root, and its client,
 * a struct host_cmd_runner (plugins/host_cmd.h) for host_roots.runner.
 *
 * Both daemons ("drover run", "drover node") give up root after start-up
 * (collector/privdrop), but lvm's and xen's probes run commands only root
 * may run.  Before the drop and before any thread starts, a daemon
 * collects the argv vectors its probes declare (host_probe.commands) and
 * forks this runner, which keeps the identity it was started with and
 * runs those vectors and nothing else: a request must match one of them
 * in every argument, exactly; anything else is answered HOST_CMD_REFUSED
 * and logged.  It runs them on its own loop through host_cmd_start, with
 * the caller's timeout and output bound (capped at CMD_RUNNER_TIMEOUT_MAX
 * and CMD_RUNNER_OUT_MAX), and answers status, exit code, signal, stdout,
 * stderr's head and elapsed time.  The two speak over a socketpair in
 * agent/runner_frame's frames:
 *   START   timeout, max_out, argc, the arguments (each NUL-terminated)
 *   CANCEL  kill it; no answer
 *   DONE    status, exit, signal, spawn error, elapsed, stderr, stdout
 * The unprivileged side sends argument strings only: no path it chose,
 * no shell, no environment; what runs is what the probes named from the
 * config at start-up.  The runner ends when its socket closes (the daemon
 * exited or died): it kills what runs, reaps it and exits.  A runner that
 * died answers every pending and later job with HOST_CMD_SPAWN_FAILED
 * (spawn_error UV_ECONNRESET), from the loop.
 *
 * Why a process of its own and not a frame type in agent/plugin_runner:
 * "drover run" has no plugin runner, and "drover node" forks that one
 * only when its plugin directory holds plugins; the two allowlists
 * (plugin names found on disk; argv vectors of the probes) and the two
 * executors (plugins/exec with plugin-conf.d's users; plugins/host_cmd)
 * share nothing but the framing, which both take from agent/runner_frame.
 * One more small process under "drover node" buys one responsibility per
 * file and no coupling of the probes' commands to the plugin directory.
 */
#ifndef DROVER_CMD_RUNNER_H
#define DROVER_CMD_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <uv.h>

#include "plugins/host.h"
#include "plugins/host_cmd.h"

#define CMD_RUNNER_MAX 64			 /* commands allowed */
#define CMD_RUNNER_ARG_MAX 4096u		 /* bytes of one argument */
#define CMD_RUNNER_TIMEOUT_MAX (10u * 60 * 1000) /* ms a command may run */
#define CMD_RUNNER_OUT_MAX (16u << 20)		 /* stdout bytes kept */

struct cmd_runner;

/*
 * Forks a runner allowed to run argv[0..n) (each NULL-terminated, copied;
 * an empty vector, or one with an argument beyond CMD_RUNNER_ARG_MAX, is
 * left out, logged).  Call as the identity the commands need, before the
 * caller drops it and before any thread starts.  The runner closes the
 * sockets it inherited but its own and marks every other descriptor
 * close-on-exec, so no command sees one.  In the parent, returns the
 * handle (attach it to a loop); the child never returns.  NULL: n is 0,
 * or out of memory or the fork failed (logged).
 */
struct cmd_runner *cmd_runner_fork(const char *argv[][HOST_ARGV_MAX], size_t n);

/*
 * For a daemon that drops root: the commands of every probe for r
 * (host_probe.commands) and, when there are any, a runner forked for
 * them (cmd_runner_fork).  NULL: no probe runs a command, or the fork
 * failed (logged: the probes then run theirs as the daemon's user).
 */
struct cmd_runner *cmd_runner_for_probes(const struct host_roots *r);

/* The commands of every probe for r into out (at most max); how many. */
size_t cmd_runner_probe_commands(
    const struct host_roots *r, const char *out[][HOST_ARGV_MAX], size_t max);

/* Whether the probes name the same commands for a as for b (a reload
 * that changes them needs a new runner: a restart). */
bool cmd_runner_same_commands(
    const struct host_roots *a, const struct host_roots *b);

/* Opens the daemon's end on loop, the only loop jobs may use.  0, or -1
 * (logged: every job then fails). */
int cmd_runner_attach(struct cmd_runner *r, uv_loop_t *loop);

/* What host_roots.runner points at: start and cancel with
 * host_cmd_start's contract, through r.  Valid while r is. */
const struct host_cmd_runner *cmd_runner_host(struct cmd_runner *r);

/* The runner's process (tests). */
pid_t cmd_runner_pid(const struct cmd_runner *r);

/* Closes the socket (the runner kills what runs, reaps it and exits) and
 * frees r once its handles closed: run the loop after it.  Pending jobs
 * are withdrawn (done is not called).  NULL: nothing. */
void cmd_runner_close(struct cmd_runner *r);

#endif
