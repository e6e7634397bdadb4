/*
 * munin_stream: a munin-node reached through a child process, Munin 2.0's
 * ssh:// and cmd:// transports.
 *
 * mstream_argv builds the child's argv from a parsed address (pure):
 *   ssh://  ssh_command -o BatchMode=yes ssh_options [-p PORT] [-l USER]
 *           HOST [REMOTE-COMMAND]
 *   cmd://  the program and its parameters split at blanks, or
 *           /bin/sh -c COMMAND when the command has a shell metacharacter
 * which is how Perl's exec, under Munin's open3, runs the one string
 * Munin builds.  ssh_command and ssh_options are split into words with
 * the shell's quotes and backslashes, never expanded; the remote command
 * is one word, which ssh hands to the remote account's shell as Munin's
 * joined words are.  BatchMode comes first, so no option of the operator
 * can make ssh prompt (ssh keeps the first value of an option).
 *
 * mstream_spawn starts it in a session of its own (no controlling
 * terminal, a process group to kill) with its stdin and stdout on pipes
 * the caller writes and reads as libuv streams (pipes, as Munin's open3,
 * so its stdin can be closed alone after "quit", mstream_end_input, and
 * socat or ssh end with the node), and its stderr on a pipe read here
 * (the first MSTREAM_STDERR_MAX bytes kept, the rest read and dropped so
 * the child never blocks on it).  When the child exits by itself the
 * caller hears of it (gone) a moment later, after the bytes it wrote had
 * time to arrive.  mstream_close ends it: EOF on its stdin and SIGKILL to
 * its process group, at once, or, when the caller read EOF on its stdout
 * (it is ending: an ssh whose remote command failed, a socat after
 * "quit"), only when it has not exited MSTREAM_KILL_GRACE_MS later (and
 * to what is left of the group when it has), so its own exit status is
 * known; then the report (exit status, stderr's first line) once the
 * child was reaped and stderr reached EOF, or MSTREAM_DRAIN_MS after the
 * kill at the latest.  The mstream frees itself when every handle
 * closed, reaping the child first, so nothing is left behind (no zombie,
 * no descriptor).  Loop thread only.
 */
#ifndef DROVER_MUNIN_STREAM_H
#define DROVER_MUNIN_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "lib/strlist.h"
#include "plugins/source.h"

#define MSTREAM_STDERR_MAX 2048	  /* bytes of the child's stderr kept */
#define MSTREAM_KILL_GRACE_MS 250 /* ms from stdin's EOF to SIGKILL */
#define MSTREAM_DRAIN_MS 1000	  /* ms from SIGKILL to the report at most */
#define MSTREAM_GONE_MS 200	  /* ms from the child's exit to gone */

/*
 * The argv of the child for a (SOURCE_SSH or SOURCE_CMD), into argv
 * (appended; the caller cleans it up).  ssh_command NULL: "ssh";
 * ssh_options NULL: Munin's default.  0, or -1 with a message in err
 * (an unterminated quote, out of memory).
 */
int mstream_argv(const struct source_address *a, const char *ssh_command,
    const char *ssh_options, struct strlist *argv, char *err, size_t errlen);

/* How the child ended, for the caller's error text. */
struct mstream_end {
	bool exited;	     /* reaped before the report */
	bool by_itself;	     /* it exited before mstream_close */
	int64_t exit_status; /* when exited */
	int term_signal;     /* when exited: the signal, 0: none */
	/* stderr's first line that is not ssh's "Warning: Permanently
	 * added" notice (printed for each new host under Munin's default
	 * StrictHostKeyChecking=no), printable ASCII; "": none */
	char line[256];
};

typedef void (*mstream_gone_cb)(void *arg);
typedef void (*mstream_closed_cb)(void *arg, const struct mstream_end *end);

struct mstream;

/*
 * Spawns argv (argv[0] looked up in PATH; the daemon's environment) and
 * returns the running child, or NULL with a message in err ("cannot run
 * ssh: no such file or directory").  gone(arg) runs at most once, when
 * the child exited by itself, never after mstream_close.
 */
struct mstream *mstream_spawn(uv_loop_t *loop, const struct strlist *argv,
    mstream_gone_cb gone, void *arg, char *err, size_t errlen);
/* The child's stdin (to write) and stdout (to read); their data
 * pointers are the caller's. */
uv_stream_t *mstream_writer(struct mstream *s);
uv_stream_t *mstream_reader(struct mstream *s);
/* The child's process id (its process group's too). */
int mstream_pid(const struct mstream *s);
/*
 * Closes the child's stdin once what was written went (Munin closes its
 * end after "quit": socat and ssh then end at once).
 */
void mstream_end_input(struct mstream *s);
/*
 * Ends the child (see the top); ended: the caller read EOF on its stdout.
 * closed(arg, end) runs exactly once, from a later callback on the loop,
 * never from within this call; s is not the caller's any more.
 */
void mstream_close(
    struct mstream *s, bool ended, mstream_closed_cb closed, void *arg);

#endif
