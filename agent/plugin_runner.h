/*
 * plugin_runner: the one part of "drover node" that keeps root, so that
 * the part that talks to the network does not.
 *
 * munin-node runs whole as root and sets each plugin's user and groups
 * from plugin-conf.d ("user root" where a plugin needs it, "nobody"
 * otherwise).  drover node drops its privileges after start-up; before
 * that it forks this runner, which keeps the identity it was started
 * with, loads plugin-conf.d, and runs plugins (plugins/exec) on its own
 * loop at the unprivileged side's request.  The two speak over a
 * socketpair in agent/runner_frame's frames (type, length, request id):
 *   RUN     plugin name, "config" or fetch, dirtyconfig, master address
 *   CANCEL  the client went away: kill the plugin
 *   DONE    status, exit code, signal, the plugin's stdout (bounded)
 * The runner takes only plugin names it found in the plugin directory at
 * start-up and nothing else (no paths, no commands, no settings), so the
 * unprivileged side cannot make it run anything the operator did not
 * install.  It ends when the socket closes (the daemon exited or died):
 * running plugins are killed, it waits for them and exits.  The probes'
 * commands (lvs, xl) have a runner of their own, agent/cmd_runner.
 */
#ifndef DROVER_PLUGIN_RUNNER_H
#define DROVER_PLUGIN_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "lib/strlist.h"
#include "plugins/exec.h"

struct runner_conf {
	const char *plugin_dir;	     /* the plugins ("servicedir") */
	const char *plugin_conf_dir; /* plugin-conf.d; NULL: none */
	const char *plugstate;	     /* MUNIN_PLUGSTATE's parent */
	const char *fqdn;	     /* FQDN: our node name */
	unsigned default_timeout;    /* seconds; 0: EXEC_DEFAULT_TIMEOUT */
	size_t max_output;	     /* bytes; 0: EXEC_OUTPUT_MAX */
};

struct runner;

/*
 * Lists the plugins (into names, sorted), loads plugin-conf.d (its errors
 * are logged with file and line) and forks the runner.  Call before the
 * caller's loop exists and before it drops privileges.  In the parent,
 * returns the handle (attach it to a loop); the child never returns.
 * NULL: the fork failed (logged), or the directory cannot be read
 * (logged) or holds no plugin: names is then empty and no runner is
 * needed.
 */
struct runner *runner_fork(const struct runner_conf *c, struct strlist *names);

/* Opens the runner's end on loop.  0, or -1 (logged). */
int runner_attach(struct runner *r, uv_loop_t *loop);

/* The answer to one run; valid during the callback only. */
struct runner_reply {
	enum exec_status status;
	int exit_status;
	int term_signal;
	const char *out; /* len bytes of stdout */
	size_t len;
};

typedef void (*runner_done_fn)(void *arg, const struct runner_reply *rep);

struct runner_job;

/*
 * Asks the runner to run plugin (a name it listed) with "config" (config)
 * or as a fetch.  fn runs exactly once on the loop, never from within
 * runner_ask, unless the job is cancelled first; a runner that is gone
 * answers EXEC_SPAWN_FAILED.  NULL on allocation failure (fn never runs).
 */
struct runner_job *runner_ask(struct runner *r, const char *plugin, bool config,
    bool dirtyconfig, const char *master_ip, runner_done_fn fn, void *arg);
/* Withdraws j: fn is not called; the plugin is killed. */
void runner_cancel(struct runner_job *j);

/* Closes the socket (the runner then exits) and frees r once its handle
 * closed: run the loop after it.  Pending jobs are withdrawn. */
void runner_close(struct runner *r);

#endif
