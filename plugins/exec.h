/*
 * exec: running one Munin plugin as munin-node 2.0.73 does, on a libuv
 * loop, never blocking it: spawned with uv_spawn, its output read through
 * pipes, its timeout a loop timer, its end one callback.
 *
 * How it maps to munin-node (Munin::Node::Service, Munin::Node::OS,
 * Munin::Node::Server):
 *   - command line: SERVICEDIR/PLUGIN [ARG] ("config", or none for a
 *     fetch); a "command" setting replaces it, each "%c" word standing for
 *     that command line;
 *   - identity: when this process is root, the plugin runs as the
 *     resolved user (default "nobody") with the resolved groups (default
 *     "munin"): real and effective ids, the listed groups as supplementary
 *     groups; a group that resolves to root, or the user root, is left as
 *     this process has it (munin-node does not set id 0).  Not root: the
 *     plugin runs as this process, whatever the settings say;
 *   - a new session and process group (munin-node's setsid), stdin
 *     /dev/null;
 *   - environment: this process's, then Munin's build defaults (MUNIN_*,
 *     the Debian values, exec_munin_defaults), MUNIN_DEBUG, FQDN,
 *     MUNIN_MASTER_IP, MUNIN_CAP_MULTIGRAPH=1 (munin-node sets it whatever
 *     the master said), LC_ALL=C, LANG=C, PYTHONIOENCODING=utf8:replace,
 *     PATH=/usr/sbin:/usr/bin:/sbin:/bin, MUNIN_CAP_DIRTYCONFIG=1 when the
 *     master negotiated it, MUNIN_PLUGSTATE=PLUGSTATE/USER (the resolved
 *     user, even when not root), MUNIN_STATEFILE=
 *     MUNIN_PLUGSTATE/PLUGIN-MASTER_IP, then the env.* settings, which
 *     override all of these;
 *   - PLUGSTATE/USER is made (mode 0755, owned by the user) when missing;
 *   - timeout: the plugin's, else the caller's default (munin-node's
 *     "timeout" key, 60 s when unset).  At the timeout the whole process
 *     group gets SIGTERM and, EXEC_KILL_GRACE_MS later (or at once when
 *     the plugin itself has exited), SIGKILL; the status is
 *     EXEC_TIMED_OUT, whose answer is "# Timed out".  Like munin-node,
 *     the timeout covers the plugin and whatever holds its stdout or
 *     stderr open: a plugin that exits leaving a child writing to them is
 *     finished only when the pipes close, or at the timeout;
 *   - exit: a non-zero status or a signal is EXEC_BAD_EXIT, whose answer
 *     is "# Bad exit" alone: munin-node drops the output then;
 *   - stderr: lines not starting with "# " are logged with the plugin's
 *     name (munin-node: "Error output from PLUGIN:"), at most
 *     EXEC_STDERR_MAX bytes of them; the rest is read and dropped.
 * Beyond munin-node: stdout is bounded (max_output, default 1 MiB); a
 * plugin that writes more is killed as at a timeout, and the status is
 * EXEC_TOO_LARGE (the first max_output bytes are kept).  A plugin that
 * cannot be started is EXEC_SPAWN_FAILED with the reason (munin-node's
 * child prints "# ERROR: Failed to exec." and exits 42: "# Bad exit").
 *
 * Not reproduced: munin-node's timeout signal is SIGHUP, here SIGTERM;
 * munin-node sets umask 0002, here the plugin inherits this process's
 * umask; munin-node's plugin inherits the client socket as stdin, here
 * /dev/null; the "paranoia" permission checks; munin-node's warning line
 * ("# Warning: Root privileges are required ...") printed into a plugin's
 * output when not root: here it is logged.  The output is handed back as
 * bytes: munin-node splits it at runs of CR and LF (dropping empty lines),
 * which is the caller's job.  A "command" naming a program without a "/"
 * is looked up in this process's PATH, not the plugin's.
 */
#ifndef DROVER_EXEC_H
#define DROVER_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <uv.h>

#include "plugins/plugin_conf.h"

/* Delay between SIGTERM and SIGKILL to a timed-out plugin, ms
 * (munin-node waits 2 s between SIGHUP and SIGKILL). */
#define EXEC_KILL_GRACE_MS 2000u
/* Plugin stdout kept by default, bytes. */
#define EXEC_OUTPUT_MAX (1u << 20)
/* Plugin stderr kept for the log, bytes. */
#define EXEC_STDERR_MAX (16u << 10)
/* munin-node's plugin timeout when its config sets none, seconds. */
#define EXEC_DEFAULT_TIMEOUT 60u

/* Munin's build-time defaults (MUNIN_LIBDIR ...), NAME=VALUE,
 * NULL-terminated: Debian's munin-node 2.0.73 values. */
extern const char *const exec_munin_defaults[];

enum exec_status {
	EXEC_OK,	   /* exited 0; out is its stdout */
	EXEC_TIMED_OUT,	   /* killed at its timeout: "# Timed out" */
	EXEC_BAD_EXIT,	   /* non-zero exit or signal: "# Bad exit" */
	EXEC_SPAWN_FAILED, /* not started (spawn_error says why) */
	EXEC_TOO_LARGE,	   /* killed for writing more than max_output */
	EXEC_CANCELLED,	   /* exec_cancel() */
};

const char *exec_status_str(enum exec_status s);

/* Who a plugin runs as: resolved by exec_creds_resolve. */
struct exec_creds {
	bool change; /* false: run as this process */
	uid_t uid;
	gid_t gid;     /* real and effective group */
	gid_t *groups; /* ngroups supplementary groups (gid first) */
	size_t ngroups;
	char *user; /* the resolved user's name (MUNIN_PLUGSTATE) */
};

/*
 * Resolves s's user and groups as munin-node does (names or numbers; an
 * unset user is def_user, munin-node's "nobody"; no groups is def_group,
 * "munin"; "(name)" is skipped when missing) into out (clean it with
 * exec_creds_cleanup).  change is set only when this process is root.
 * Blocking (the user and group databases): for start-up and reloads.
 * Returns 0, or -1 with a message in err (errsize bytes) when the user or
 * a required group does not exist, errno ENOENT (munin-node then fails
 * the plugin: "# Bad exit"), or ENOMEM.
 */
int exec_creds_resolve(const struct plugin_settings *s, const char *def_user,
    const char *def_group, struct exec_creds *out, char *err, size_t errsize);
void exec_creds_cleanup(struct exec_creds *c);

/* What to run, and munin-node's context for it.  Strings are copied by
 * exec_start; NULL pointers take the defaults in brackets. */
struct exec_opts {
	const char *servicedir; /* the plugin directory [/etc/munin/plugins] */
	const char *plugin;	/* the plugin's name (required) */
	const char *arg;	/* "config", or NULL for a fetch */
	const struct plugin_settings *settings; /* [none] */
	const struct exec_creds *creds;		/* [run as this process] */
	unsigned default_timeout; /* seconds [EXEC_DEFAULT_TIMEOUT] */
	size_t max_output;	  /* bytes [EXEC_OUTPUT_MAX] */
	bool cap_dirtyconfig;	  /* master negotiated dirtyconfig */
	const char *master_ip;	  /* [""] */
	const char *fqdn;	  /* FQDN [""] */
	const char *plugstate;	  /* [/var/lib/munin-node/plugin-state] */
	bool debug;		  /* MUNIN_DEBUG=1 [0] */
};

/* The end of a run; valid only during the callback. */
struct exec_result {
	enum exec_status status;
	int exit_status; /* exit code, when it exited */
	int term_signal; /* signal that ended it, or 0 */
	int spawn_error; /* EXEC_SPAWN_FAILED: a libuv error (uv_strerror) */
	const char *out; /* out_len bytes of stdout, NUL after them */
	size_t out_len;
	double elapsed_ms; /* from exec_start to the end, loop time */
};

struct exec_job;
typedef void (*exec_done_cb)(const struct exec_result *r, void *arg);

/*
 * Starts the plugin; done(r, arg) is called exactly once, always from the
 * loop and never from within exec_start or exec_cancel, after the plugin
 * has been reaped.  The job frees itself after done returns: the pointer
 * is invalid from then on.  Returns the job, or NULL only when it cannot
 * be allocated (errno; done is then never called).  A plugin that cannot
 * start still calls done (EXEC_SPAWN_FAILED).
 */
struct exec_job *exec_start(
    uv_loop_t *loop, const struct exec_opts *o, exec_done_cb done, void *arg);

/*
 * The client went away: kills the plugin's process group (as at a
 * timeout) and reports EXEC_CANCELLED through done, still exactly once.
 * Not after done was called.
 */
void exec_cancel(struct exec_job *j);

#endif
