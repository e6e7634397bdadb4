/*
 * host_cmd: one probe command on the loop (see the header for the
 * contract).
 *
 * A job owns a process handle, two pipes (stdout, stderr) and one timer,
 * which serves in turn for the deferred report of a spawn failure, the
 * timeout and the SIGKILL grace.  It reports (done) when the command was
 * reaped and both pipes closed, or at once when it decides to kill it
 * (the timeout, too much output): from then on, as after a cancel, the
 * job is "abandoned": its pipes are closed, its process group got SIGTERM
 * and gets SIGKILL HOST_CMD_KILL_GRACE_MS later (or as soon as the leader
 * is reaped: what is left of the group would only hold on), and the job
 * frees itself when the leader is reaped, or after the grace when it was
 * reaped before (a grandchild holding the pipes).
 *
 * Overlap with plugins/exec.c (the Munin plugin runner): the same
 * uv_spawn, pipe and timer pattern, kept apart on purpose: exec's job
 * reports only once the plugin is reaped (munin-node's semantics, with
 * its identity, environment and stderr logging), this one reports at the
 * timeout, so a probe's refresh never outlasts probe_command_timeout.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "lib/buf.h"
#include "plugins/host.h"
#include "plugins/host_cmd.h"

enum timer_phase { PH_NONE, PH_REPORT, PH_TIMEOUT, PH_GRACE };

struct host_cmd {
	uv_loop_t *loop;
	uv_process_t proc;
	uv_pipe_t out, err;
	uv_timer_t timer;
	enum timer_phase phase;
	host_cmd_cb done;
	void *arg;
	struct buf obuf; /* stdout, at most omax bytes */
	size_t omax;
	char ebuf[HOST_CMD_STDERR_MAX + 1]; /* stderr's first bytes, NUL */
	size_t elen;
	pid_t pgid; /* the command's process group; 0: none */
	bool spawned, exited, out_eof, err_eof;
	bool abandoned; /* reported or cancelled: killing, then freeing */
	bool proc_init; /* uv_spawn was called on proc */
	bool pipes_closed, closing;
	int64_t exit_status;
	int term_signal;
	int spawn_error;
	uint64_t start_ms;   /* loop time at host_cmd_start */
	int handles;	     /* open handles; freed when 0 */
	char scratch[16384]; /* read buffer shared by both pipes, bytes */
};

const char *
host_cmd_status_str(enum host_cmd_status s)
{
	switch (s) {
	case HOST_CMD_OK:
		return "ok";
	case HOST_CMD_TIMED_OUT:
		return "timed out";
	case HOST_CMD_BAD_EXIT:
		return "bad exit";
	case HOST_CMD_SPAWN_FAILED:
		return "spawn failed";
	case HOST_CMD_TOO_LARGE:
		return "output too large";
	case HOST_CMD_REFUSED:
		return "refused";
	}
	return "?";
}

static void
on_close(uv_handle_t *h)
{
	struct host_cmd *c = h->data;

	if (--c->handles > 0)
		return;
	buf_free(&c->obuf);
	free(c);
}

static void
close_pipes(struct host_cmd *c)
{
	if (c->pipes_closed)
		return;
	c->pipes_closed = true;
	c->out_eof = c->err_eof = true;
	uv_close((uv_handle_t *)&c->out, on_close);
	uv_close((uv_handle_t *)&c->err, on_close);
}

/* Closes what is left; the job is freed once every handle closed. */
static void
release(struct host_cmd *c)
{
	if (c->closing)
		return;
	c->closing = true;
	close_pipes(c);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, on_close);
	if (c->proc_init)
		uv_close((uv_handle_t *)&c->proc, on_close);
}

static void
report(struct host_cmd *c, enum host_cmd_status st)
{
	struct host_cmd_result r = {0};

	r.status = st;
	r.exit_status = (int)c->exit_status;
	r.term_signal = c->term_signal;
	r.spawn_error = c->spawn_error;
	r.out = c->obuf.p != NULL ? c->obuf.p : "";
	r.out_len = c->obuf.len;
	c->ebuf[c->elen] = '\0';
	r.err = c->ebuf;
	r.elapsed_ms = (double)(uv_now(c->loop) - c->start_ms);
	c->done(&r, c->arg);
}

static void on_timer(uv_timer_t *t);

/* Stops caring about the command: closes the pipes, SIGTERMs its group
 * and SIGKILLs it after the grace; the job frees itself once the leader
 * is reaped (or after the grace when it already was). */
static void
abandon(struct host_cmd *c)
{
	if (c->abandoned)
		return;
	c->abandoned = true;
	if (!c->spawned) {
		/* only the deferred report is pending: it frees the job */
		return;
	}
	close_pipes(c);
	if (c->pgid > 0)
		kill(-c->pgid, SIGTERM);
	c->phase = PH_GRACE;
	uv_timer_start(&c->timer, on_timer, HOST_CMD_KILL_GRACE_MS, 0);
}

/* Both pipes at EOF and the leader reaped: the normal end. */
static void
maybe_finish(struct host_cmd *c)
{
	if (c->abandoned || !c->exited || !c->out_eof || !c->err_eof)
		return;
	c->abandoned = true;
	report(c, c->exit_status != 0 || c->term_signal != 0 ? HOST_CMD_BAD_EXIT
							     : HOST_CMD_OK);
	release(c);
}

static void
on_timer(uv_timer_t *t)
{
	struct host_cmd *c = t->data;

	switch (c->phase) {
	case PH_REPORT:
		/* a spawn failure, reported from the loop; not after a
		 * cancel */
		if (!c->abandoned) {
			c->abandoned = true;
			report(c, HOST_CMD_SPAWN_FAILED);
		}
		release(c);
		break;
	case PH_TIMEOUT:
		abandon(c);
		report(c, HOST_CMD_TIMED_OUT);
		break;
	case PH_GRACE:
		if (c->pgid > 0)
			kill(-c->pgid, SIGKILL);
		if (c->exited)
			release(c);
		break;
	case PH_NONE:
		break;
	}
}

static void
on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
	struct host_cmd *c = p->data;

	c->exited = true;
	c->exit_status = status;
	c->term_signal = sig;
	if (c->abandoned) {
		/* whatever of the group survived the SIGTERM */
		kill(-c->pgid, SIGKILL);
		release(c);
		return;
	}
	maybe_finish(c);
}

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct host_cmd *c = h->data;

	/* on_read copies the bytes out at once */
	(void)hint;
	b->base = c->scratch;
	b->len = sizeof(c->scratch);
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct host_cmd *c = s->data;
	size_t room, take;

	if (n == 0)
		return;
	if (n < 0) {
		uv_read_stop(s);
		if (s == (uv_stream_t *)&c->out)
			c->out_eof = true;
		else
			c->err_eof = true;
		maybe_finish(c);
		return;
	}
	if (s == (uv_stream_t *)&c->out) {
		room = c->omax - c->obuf.len;
		take = (size_t)n < room ? (size_t)n : room;
		buf_putn(&c->obuf, b->base, take);
		if ((size_t)n > room || c->obuf.oom) {
			/* the first omax bytes stay for the report */
			uv_read_stop(s);
			abandon(c);
			report(c, HOST_CMD_TOO_LARGE);
		}
		return;
	}
	room = HOST_CMD_STDERR_MAX - c->elen;
	take = (size_t)n < room ? (size_t)n : room;
	memcpy(c->ebuf + c->elen, b->base, take);
	c->elen += take;
}

/* argv copied into one allocation: the pointers, then the strings. */
static char **
argv_copy(const char *const argv[])
{
	size_t n, i, bytes = 0;
	char **v, *p;

	for (n = 0; argv[n] != NULL; n++)
		bytes += strlen(argv[n]) + 1;
	v = malloc((n + 1) * sizeof(*v) + bytes);
	if (v == NULL)
		return NULL;
	p = (char *)(v + n + 1);
	for (i = 0; i < n; i++) {
		v[i] = p;
		p = stpcpy(p, argv[i]) + 1;
	}
	v[n] = NULL;
	return v;
}

/*
 * timeout_ms 0 is HOST_COMMAND_TIMEOUT_MS, max_out 0 HOST_CMD_OUT_MAX.
 * An empty argv is a spawn failure (UV_EINVAL).
 */
struct host_cmd *
host_cmd_start(uv_loop_t *loop, const char *const argv[], unsigned timeout_ms,
    size_t max_out, host_cmd_cb done, void *arg)
{
	struct host_cmd *c;
	uv_process_options_t po = {0};
	uv_stdio_container_t stdio[3];
	uv_file ofd[2] = {-1, -1}, efd[2] = {-1, -1};
	char **args = NULL;
	/* the whole environment of a probe command (uv_spawn wants it
	 * writable) */
	char lc_all[] = "LC_ALL=C", lang[] = "LANG=C",
	     path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	char *env[] = {lc_all, lang, path, NULL};
	int rc;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->loop = loop;
	c->done = done;
	c->arg = arg;
	c->omax = max_out != 0 ? max_out : HOST_CMD_OUT_MAX;
	c->start_ms = uv_now(loop);
	if (argv != NULL && argv[0] != NULL) {
		args = argv_copy(argv);
		if (args == NULL) {
			free(c);
			errno = ENOMEM;
			return NULL;
		}
	}
	uv_timer_init(loop, &c->timer);
	uv_pipe_init(loop, &c->out, 0);
	uv_pipe_init(loop, &c->err, 0);
	c->timer.data = c->out.data = c->err.data = c->proc.data = c;
	c->handles = 3;
	c->out_eof = c->err_eof = true; /* until the pipes are open */
	if (args == NULL) {
		rc = UV_EINVAL;
		goto failed;
	}
	rc = uv_pipe(ofd, UV_NONBLOCK_PIPE, 0);
	if (rc == 0)
		rc = uv_pipe(efd, UV_NONBLOCK_PIPE, 0);
	if (rc != 0)
		goto failed;
	stdio[0].flags = UV_IGNORE; /* libuv opens /dev/null */
	stdio[1].flags = UV_INHERIT_FD;
	stdio[1].data.fd = ofd[1];
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = efd[1];
	po.exit_cb = on_exit_cb;
	po.file = args[0];
	po.args = args;
	po.env = env;
	po.stdio = stdio;
	po.stdio_count = 3;
	po.flags = UV_PROCESS_DETACHED; /* setsid: a group of its own */
	rc = uv_spawn(loop, &c->proc, &po);
	c->handles++; /* initialised even when it failed */
	c->proc_init = true;
	close(ofd[1]);
	close(efd[1]);
	ofd[1] = efd[1] = -1;
	if (rc != 0)
		goto failed;
	c->spawned = true;
	c->pgid = c->proc.pid;
	if (uv_pipe_open(&c->out, ofd[0]) == 0) {
		ofd[0] = -1;
		c->out_eof = false;
		uv_read_start((uv_stream_t *)&c->out, on_alloc, on_read);
	}
	if (uv_pipe_open(&c->err, efd[0]) == 0) {
		efd[0] = -1;
		c->err_eof = false;
		uv_read_start((uv_stream_t *)&c->err, on_alloc, on_read);
	}
	c->phase = PH_TIMEOUT;
	uv_timer_start(&c->timer, on_timer,
	    timeout_ms != 0 ? timeout_ms : HOST_COMMAND_TIMEOUT_MS, 0);
	goto out;
failed:
	c->spawn_error = rc;
	c->phase = PH_REPORT;
	uv_timer_start(&c->timer, on_timer, 0, 0);
out:
	if (ofd[0] >= 0)
		close(ofd[0]);
	if (efd[0] >= 0)
		close(efd[0]);
	if (ofd[1] >= 0)
		close(ofd[1]);
	if (efd[1] >= 0)
		close(efd[1]);
	free(args);
	return c;
}

void
host_cmd_cancel(struct host_cmd *c)
{
	abandon(c);
}

struct host_cmd *
host_cmd_run(const struct host_cmd_runner *runner, uv_loop_t *loop,
    const char *const argv[], unsigned timeout_ms, size_t max_out,
    host_cmd_cb done, void *arg)
{
	if (runner != NULL)
		return runner->start(
		    runner->ctx, loop, argv, timeout_ms, max_out, done, arg);
	return host_cmd_start(loop, argv, timeout_ms, max_out, done, arg);
}

void
host_cmd_withdraw(const struct host_cmd_runner *runner, struct host_cmd *c)
{
	if (runner != NULL)
		runner->cancel(runner->ctx, c);
	else
		host_cmd_cancel(c);
}
