/*
 * cmd_runner: the privileged runner of probe commands and its client
 * (cmd_runner.h).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "agent/cmd_runner.h"
#include "agent/runner_frame.h"
#include "lib/log.h"

enum { FRAME_START = 1, FRAME_CANCEL, FRAME_DONE };

/* A START's payload: this head, then argc NUL-terminated arguments. */
struct start_head {
	uint32_t timeout_ms;
	uint32_t max_out;
	uint32_t argc;
};
#define START_MAX                                                              \
	(sizeof(struct start_head) +                                           \
	    (HOST_ARGV_MAX - 1) * (CMD_RUNNER_ARG_MAX + 1))

/* A DONE's payload: this head, err_len bytes of stderr (its NUL
 * included), stdout, a NUL. */
struct done_head {
	int32_t status;
	int32_t exit_status;
	int32_t term_signal;
	int32_t spawn_error;
	double elapsed_ms;
	uint32_t err_len;
	uint32_t pad;
};
#define DONE_MAX                                                               \
	(sizeof(struct done_head) + HOST_CMD_STDERR_MAX + 1 +                  \
	    CMD_RUNNER_OUT_MAX + 1)

/* The vectors a runner may run: v[i] NULL-terminated, strings owned. */
struct allow {
	char *(*v)[HOST_ARGV_MAX];
	size_t n;
};

static void
allow_cleanup(struct allow *a)
{
	size_t i, j;

	for (i = 0; i < a->n; i++)
		for (j = 0; a->v[i][j] != NULL; j++)
			free(a->v[i][j]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

/* Copies the usable vectors of argv[0..n) into a.  0 / -1 (ENOMEM). */
static int
allow_init(struct allow *a, const char *argv[][HOST_ARGV_MAX], size_t n)
{
	size_t i, j;

	a->n = 0;
	a->v = calloc(n > 0 ? n : 1, sizeof(*a->v));
	if (a->v == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		for (j = 0; j < HOST_ARGV_MAX && argv[i][j] != NULL; j++)
			if (strlen(argv[i][j]) > CMD_RUNNER_ARG_MAX)
				break;
		if (j == 0 || j == HOST_ARGV_MAX || argv[i][j] != NULL) {
			log_warnx("cmd_runner: command %zu (%s): empty, "
				  "unterminated or too long; left out",
			    i, argv[i][0] != NULL ? argv[i][0] : "");
			continue;
		}
		for (j = 0; argv[i][j] != NULL; j++) {
			a->v[a->n][j] = strdup(argv[i][j]);
			if (a->v[a->n][j] == NULL) {
				a->n++;
				allow_cleanup(a);
				return -1;
			}
		}
		a->n++;
	}
	return 0;
}

/* Whether argv (argc arguments) is one of a's vectors, exactly. */
static bool
allow_has(const struct allow *a, const char *const argv[], size_t argc)
{
	size_t i, j;

	for (i = 0; i < a->n; i++) {
		for (j = 0; j < argc && a->v[i][j] != NULL; j++)
			if (strcmp(a->v[i][j], argv[j]) != 0)
				break;
		if (j == argc && a->v[i][j] == NULL)
			return true;
	}
	return false;
}

/* argv joined with spaces into out (cut to len), for log lines. */
static const char *
argv_join(const char *const argv[], size_t argc, char *out, size_t len)
{
	size_t i, off = 0;
	int k;

	out[0] = '\0';
	for (i = 0; i < argc && off < len; i++) {
		k = snprintf(
		    out + off, len - off, "%s%s", i > 0 ? " " : "", argv[i]);
		if (k < 0)
			break;
		off += (size_t)k;
	}
	return out;
}

/* A caller's bounds made sane: 0 asks for the defaults. */
static unsigned
bound_timeout(unsigned ms)
{
	if (ms == 0)
		return HOST_COMMAND_TIMEOUT_MS;
	return ms < CMD_RUNNER_TIMEOUT_MAX ? ms : CMD_RUNNER_TIMEOUT_MAX;
}

static size_t
bound_out(size_t n)
{
	if (n == 0)
		return HOST_CMD_OUT_MAX;
	return n < CMD_RUNNER_OUT_MAX ? n : CMD_RUNNER_OUT_MAX;
}

/* ---- the runner (child) ------------------------------------------------ */

struct child;

struct cjob {
	struct child *c;
	uint64_t id;
	struct host_cmd *hc;
	struct cjob *prev, *next;
};

struct child {
	const struct allow *allow;
	uv_pipe_t pipe;
	struct frame_rx rx;
	struct cjob *jobs;
	bool closing;
};

static void
cjob_unlink(struct cjob *j)
{
	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		j->c->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
}

static void
child_reply(struct child *c, uint64_t id, const struct host_cmd_result *r)
{
	struct done_head h = {0};
	const char *err = r->err != NULL ? r->err : "";
	size_t elen = strnlen(err, HOST_CMD_STDERR_MAX);
	uv_buf_t parts[5];

	if (c->closing)
		return;
	h.status = (int32_t)r->status;
	h.exit_status = r->exit_status;
	h.term_signal = r->term_signal;
	h.spawn_error = r->spawn_error;
	h.elapsed_ms = r->elapsed_ms;
	h.err_len = (uint32_t)elen + 1;
	parts[0] = uv_buf_init((char *)&h, sizeof(h));
	parts[1] = uv_buf_init((char *)err, (unsigned)elen);
	parts[2] = uv_buf_init("", 1);
	parts[3] = uv_buf_init(
	    (char *)(r->out != NULL ? r->out : ""), (unsigned)r->out_len);
	parts[4] = uv_buf_init("", 1);
	if (frame_send((uv_stream_t *)&c->pipe, FRAME_DONE, id, parts, 5) == -1)
		log_warn("cmd_runner: reply lost");
}

static void
child_fail(struct child *c, uint64_t id, enum host_cmd_status st, int error)
{
	struct host_cmd_result r = {0};

	r.status = st;
	r.spawn_error = error;
	r.out = "";
	r.err = "";
	child_reply(c, id, &r);
}

static void
on_cmd_done(const struct host_cmd_result *r, void *arg)
{
	struct cjob *j = arg;
	struct child *c = j->c;

	child_reply(c, j->id, r);
	cjob_unlink(j);
	free(j);
}

/* Runs START's payload pl[0, len) when it is an allowed vector. */
static void
child_start(struct child *c, uint64_t id, const char *pl, size_t len)
{
	const char *argv[HOST_ARGV_MAX], *p, *end = pl + len, *nul;
	struct start_head h;
	struct cjob *j;
	char line[512];
	size_t i;

	if (len < sizeof(h))
		goto malformed;
	memcpy(&h, pl, sizeof(h));
	if (h.argc == 0 || h.argc >= HOST_ARGV_MAX)
		goto malformed;
	p = pl + sizeof(h);
	for (i = 0; i < h.argc; i++) {
		nul = memchr(p, '\0', (size_t)(end - p));
		if (nul == NULL || (size_t)(nul - p) > CMD_RUNNER_ARG_MAX)
			goto malformed;
		argv[i] = p;
		p = nul + 1;
	}
	if (p != end)
		goto malformed;
	argv[h.argc] = NULL;
	if (!allow_has(c->allow, argv, h.argc)) {
		log_warnx("cmd_runner: refused \"%s\": not one of the %zu "
			  "commands allowed at start-up",
		    argv_join(argv, h.argc, line, sizeof(line)), c->allow->n);
		child_fail(c, id, HOST_CMD_REFUSED, 0);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		child_fail(c, id, HOST_CMD_SPAWN_FAILED, UV_ENOMEM);
		return;
	}
	j->c = c;
	j->id = id;
	j->next = c->jobs;
	if (c->jobs != NULL)
		c->jobs->prev = j;
	c->jobs = j;
	j->hc = host_cmd_start(c->pipe.loop, argv, bound_timeout(h.timeout_ms),
	    bound_out(h.max_out), on_cmd_done, j);
	if (j->hc == NULL) {
		cjob_unlink(j);
		free(j);
		child_fail(c, id, HOST_CMD_SPAWN_FAILED, UV_ENOMEM);
	}
	return;

malformed:
	log_warnx("cmd_runner: refused a malformed request");
	child_fail(c, id, HOST_CMD_REFUSED, 0);
}

static void
child_cancel(struct child *c, uint64_t id)
{
	struct cjob *j;

	for (j = c->jobs; j != NULL; j = j->next)
		if (j->id == id) {
			host_cmd_cancel(j->hc);
			cjob_unlink(j);
			free(j);
			return;
		}
}

/* The daemon is gone: kill what runs; the loop ends once it is reaped. */
static void
child_eof(struct child *c)
{
	struct cjob *j;

	if (c->closing)
		return;
	c->closing = true;
	uv_read_stop((uv_stream_t *)&c->pipe);
	while ((j = c->jobs) != NULL) {
		host_cmd_cancel(j->hc);
		cjob_unlink(j);
		free(j);
	}
	uv_close((uv_handle_t *)&c->pipe, NULL);
}

static void
child_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct child *c = s->data;
	struct frame_hdr h;
	const char *pl;
	int k;

	if (n < 0) {
		child_eof(c);
		return;
	}
	if (frame_rx_put(&c->rx, buf->base, (size_t)n) == -1) {
		log_warnx("cmd_runner: bad frame from the daemon");
		child_eof(c);
		return;
	}
	while (!c->closing && (k = frame_rx_next(&c->rx, &h, &pl)) == 1) {
		if (h.type == FRAME_START)
			child_start(c, h.id, pl, h.len);
		else if (h.type == FRAME_CANCEL)
			child_cancel(c, h.id);
		frame_rx_drop(&c->rx, &h);
	}
	if (!c->closing && k == -1) {
		log_warnx("cmd_runner: bad frame from the daemon");
		child_eof(c);
	}
}

/*
 * What the runner inherited: the sockets it closes (another runner's
 * daemon end, which would otherwise see its EOF only when this one
 * exits; syslog's, reopened on the next message), all but its own; the
 * rest it marks close-on-exec, so that no command sees any.  Closing
 * everything would take libuv's own descriptors too, which a process
 * that had a loop before the fork (the tests) re-creates in the child.
 */
static void
close_inherited(int keep)
{
	int fds[256];
	size_t i, n = 0;
	struct dirent *e;
	struct stat st;
	DIR *d;

	closelog();
	d = opendir("/proc/self/fd");
	while (d != NULL && (e = readdir(d)) != NULL && n < 256)
		if (e->d_name[0] != '.' && atoi(e->d_name) > 2 &&
		    atoi(e->d_name) != keep && atoi(e->d_name) != dirfd(d))
			fds[n++] = atoi(e->d_name);
	if (d != NULL)
		closedir(d);
	for (i = 0; i < n; i++)
		if (fstat(fds[i], &st) == 0 && S_ISSOCK(st.st_mode))
			close(fds[i]);
	if (keep > 3)
		(void)close_range(3, (unsigned)keep - 1, CLOSE_RANGE_CLOEXEC);
	(void)close_range((unsigned)keep + 1, ~0u, CLOSE_RANGE_CLOEXEC);
}

static void __attribute__((noreturn))
child_main(const struct allow *allow, int fd)
{
	struct child c = {0};
	uv_loop_t loop;

	close_inherited(fd);
	/* the daemon's signals are the daemon's (a terminal's ^C, systemd's
	 * SIGTERM to the unit): the runner ends with its socket.  Commands
	 * get the default dispositions back from uv_spawn. */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	c.allow = allow;
	c.rx.max = START_MAX;
	if (uv_loop_init(&loop) != 0)
		_exit(1);
	uv_pipe_init(&loop, &c.pipe, 0);
	c.pipe.data = &c;
	if (uv_pipe_open(&c.pipe, fd) != 0 ||
	    uv_read_start((uv_stream_t *)&c.pipe, frame_alloc, child_read) != 0)
		_exit(1);
	log_debug("cmd_runner: running, %zu commands allowed", allow->n);
	uv_run(&loop, UV_RUN_DEFAULT);
	(void)uv_loop_close(&loop);
	frame_rx_cleanup(&c.rx);
	_exit(0);
}

/* ---- the daemon's side ------------------------------------------------- */

struct cmd_job {
	struct cmd_runner *r;
	uint64_t id;
	host_cmd_cb done;
	void *arg;
	uint64_t start_ms; /* loop time */
	bool refused;	   /* never sent: answer REFUSED */
	bool due;	   /* answered by the running kick */
	struct cmd_job *prev, *next;
};

struct cmd_runner {
	struct host_cmd_runner hr; /* ctx: this */
	int fd;
	pid_t pid;
	uv_loop_t *loop;
	uv_pipe_t pipe;
	uv_timer_t kick; /* answers what the runner will not */
	bool attached, dead, closing;
	struct frame_rx rx;
	uint64_t next_id;
	struct cmd_job *jobs;
};

static void
job_unlink(struct cmd_job *j)
{
	struct cmd_runner *r = j->r;

	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		r->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
}

/* Answers the jobs refused here and, once the runner is gone, all:
 * jobs started from these callbacks wait for the next kick. */
static void
on_kick(uv_timer_t *t)
{
	struct cmd_runner *r = t->data;
	struct host_cmd_result res = {0};
	struct cmd_job *j;

	for (j = r->jobs; j != NULL; j = j->next)
		j->due = r->dead || j->refused;
	for (;;) {
		for (j = r->jobs; j != NULL && !j->due; j = j->next)
			;
		if (j == NULL || r->closing)
			break;
		job_unlink(j);
		memset(&res, 0, sizeof(res));
		res.status =
		    j->refused ? HOST_CMD_REFUSED : HOST_CMD_SPAWN_FAILED;
		res.spawn_error = j->refused ? 0 : UV_ECONNRESET;
		res.out = "";
		res.err = "";
		res.elapsed_ms = (double)(uv_now(r->loop) - j->start_ms);
		j->done(&res, j->arg);
		free(j);
	}
}

static void
runner_dead(struct cmd_runner *r, const char *why)
{
	if (r->dead)
		return;
	r->dead = true;
	log_warnx("cmd_runner: the command runner %s; probe commands now "
		  "fail",
	    why);
	if (r->pid > 0 && waitpid(r->pid, NULL, WNOHANG) == r->pid)
		r->pid = -1;
	uv_read_stop((uv_stream_t *)&r->pipe);
	uv_timer_start(&r->kick, on_kick, 0, 0);
}

static void
runner_done(struct cmd_runner *r, uint64_t id, const char *pl, size_t len)
{
	struct host_cmd_result res = {0};
	struct done_head h;
	struct cmd_job *j;
	size_t off;

	for (j = r->jobs; j != NULL && j->id != id; j = j->next)
		;
	if (j == NULL) /* cancelled */
		return;
	if (len < sizeof(h) + 2) {
		runner_dead(r, "sent a bad frame");
		return;
	}
	memcpy(&h, pl, sizeof(h));
	off = sizeof(h) + h.err_len;
	if (h.err_len == 0 || h.err_len > HOST_CMD_STDERR_MAX + 1 ||
	    off + 1 > len || pl[off - 1] != '\0' || pl[len - 1] != '\0' ||
	    h.status < HOST_CMD_OK || h.status > HOST_CMD_REFUSED) {
		runner_dead(r, "sent a bad frame");
		return;
	}
	res.status = (enum host_cmd_status)h.status;
	res.exit_status = h.exit_status;
	res.term_signal = h.term_signal;
	res.spawn_error = h.spawn_error;
	res.elapsed_ms = h.elapsed_ms;
	res.err = pl + sizeof(h);
	res.out = pl + off;
	res.out_len = len - off - 1;
	job_unlink(j);
	j->done(&res, j->arg);
	free(j);
}

static void
runner_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct cmd_runner *r = s->data;
	struct frame_hdr h;
	const char *pl;
	int k = 0;

	if (r->closing)
		return;
	if (n < 0) {
		runner_dead(r, "exited");
		return;
	}
	if (frame_rx_put(&r->rx, buf->base, (size_t)n) == -1) {
		runner_dead(r, "sent a bad frame");
		return;
	}
	while (!r->dead && !r->closing &&
	       (k = frame_rx_next(&r->rx, &h, &pl)) == 1) {
		if (h.type == FRAME_DONE)
			runner_done(r, h.id, pl, h.len);
		frame_rx_drop(&r->rx, &h);
	}
	if (!r->dead && !r->closing && k == -1)
		runner_dead(r, "sent a bad frame");
}

static struct host_cmd *
runner_start(void *ctx, uv_loop_t *loop, const char *const argv[],
    unsigned timeout_ms, size_t max_out, host_cmd_cb done, void *arg)
{
	struct cmd_runner *r = ctx;
	uv_buf_t parts[1 + HOST_ARGV_MAX];
	struct start_head h = {0};
	struct cmd_job *j;
	size_t i;

	if (loop != r->loop)
		fatalx("cmd_runner: a job on a loop the runner is not on");
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return NULL;
	j->r = r;
	j->id = ++r->next_id;
	j->done = done;
	j->arg = arg;
	j->start_ms = uv_now(loop);
	j->next = r->jobs;
	if (r->jobs != NULL)
		r->jobs->prev = j;
	r->jobs = j;
	for (i = 0; i < HOST_ARGV_MAX && argv[i] != NULL; i++) {
		if (strlen(argv[i]) > CMD_RUNNER_ARG_MAX)
			break;
		parts[1 + i] =
		    uv_buf_init((char *)argv[i], (unsigned)strlen(argv[i]) + 1);
	}
	if (i == 0 || i == HOST_ARGV_MAX || argv[i] != NULL) {
		log_warnx("cmd_runner: %s: not sent (no, too many or too "
			  "long arguments)",
		    argv[0] != NULL ? argv[0] : "(empty)");
		j->refused = true;
		uv_timer_start(&r->kick, on_kick, 0, 0);
		return (struct host_cmd *)j;
	}
	h.argc = (uint32_t)i;
	h.timeout_ms = bound_timeout(timeout_ms);
	h.max_out = (uint32_t)bound_out(max_out);
	parts[0] = uv_buf_init((char *)&h, sizeof(h));
	if (!r->dead && frame_send((uv_stream_t *)&r->pipe, FRAME_START, j->id,
			    parts, 1 + i) == -1)
		runner_dead(r, "cannot be written to");
	if (r->dead)
		uv_timer_start(&r->kick, on_kick, 0, 0);
	/* the interface's opaque job is ours: only runner_cancel reads it */
	return (struct host_cmd *)j;
}

static void
runner_cancel(void *ctx, struct host_cmd *c)
{
	struct cmd_runner *r = ctx;
	struct cmd_job *j = (struct cmd_job *)c;

	job_unlink(j);
	if (!r->dead && !j->refused)
		(void)frame_send(
		    (uv_stream_t *)&r->pipe, FRAME_CANCEL, j->id, NULL, 0);
	free(j);
}

struct cmd_runner *
cmd_runner_fork(const char *argv[][HOST_ARGV_MAX], size_t n)
{
	struct allow allow = {0};
	struct cmd_runner *r = NULL;
	int sv[2];
	pid_t pid;

	if (n == 0)
		return NULL;
	if (allow_init(&allow, argv, n) == -1) {
		log_warn("cmd_runner");
		return NULL;
	}
	if (allow.n == 0)
		goto fail;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		log_warn("cmd_runner");
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("cmd_runner: socketpair");
		goto fail;
	}
	fflush(NULL);
	pid = fork();
	if (pid == -1) {
		log_warn("cmd_runner: fork");
		close(sv[0]);
		close(sv[1]);
		goto fail;
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(&allow, sv[1]);
	}
	close(sv[1]);
	log_info("cmd_runner: process %ld keeps uid %ld to run %zu allowed "
		 "commands",
	    (long)pid, (long)geteuid(), allow.n);
	allow_cleanup(&allow);
	r->hr.start = runner_start;
	r->hr.cancel = runner_cancel;
	r->hr.ctx = r;
	r->fd = sv[0];
	r->pid = pid;
	r->rx.max = DONE_MAX;
	return r;

fail:
	free(r);
	allow_cleanup(&allow);
	return NULL;
}

size_t
cmd_runner_probe_commands(
    const struct host_roots *r, const char *out[][HOST_ARGV_MAX], size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < host_nprobes && n < max; i++)
		if (host_probes[i]->commands != NULL)
			n += host_probes[i]->commands(r, out + n, max - n);
	return n;
}

bool
cmd_runner_same_commands(const struct host_roots *a, const struct host_roots *b)
{
	const char *va[CMD_RUNNER_MAX][HOST_ARGV_MAX];
	const char *vb[CMD_RUNNER_MAX][HOST_ARGV_MAX];
	size_t na, nb, i, j;

	memset(va, 0, sizeof(va));
	memset(vb, 0, sizeof(vb));
	na = cmd_runner_probe_commands(a, va, CMD_RUNNER_MAX);
	nb = cmd_runner_probe_commands(b, vb, CMD_RUNNER_MAX);
	if (na != nb)
		return false;
	for (i = 0; i < na; i++) {
		for (j = 0; j < HOST_ARGV_MAX && va[i][j] != NULL &&
			    vb[i][j] != NULL && strcmp(va[i][j], vb[i][j]) == 0;
		     j++)
			;
		if (j == HOST_ARGV_MAX || va[i][j] != NULL || vb[i][j] != NULL)
			return false;
	}
	return true;
}

struct cmd_runner *
cmd_runner_for_probes(const struct host_roots *r)
{
	const char *argv[CMD_RUNNER_MAX][HOST_ARGV_MAX];
	size_t n;

	memset(argv, 0, sizeof(argv));
	n = cmd_runner_probe_commands(r, argv, CMD_RUNNER_MAX);
	return n > 0 ? cmd_runner_fork(argv, n) : NULL;
}

int
cmd_runner_attach(struct cmd_runner *r, uv_loop_t *loop)
{
	r->loop = loop;
	uv_pipe_init(loop, &r->pipe, 0);
	uv_timer_init(loop, &r->kick);
	r->pipe.data = r->kick.data = r;
	r->attached = true;
	if (uv_pipe_open(&r->pipe, r->fd) != 0 ||
	    uv_read_start((uv_stream_t *)&r->pipe, frame_alloc, runner_read) !=
		0) {
		runner_dead(r, "cannot be reached");
		return -1;
	}
	return 0;
}

const struct host_cmd_runner *
cmd_runner_host(struct cmd_runner *r)
{
	return &r->hr;
}

pid_t
cmd_runner_pid(const struct cmd_runner *r)
{
	return r->pid;
}

static void
reap(pid_t pid)
{
	/* it exits once its commands are reaped (at most their kill
	 * grace after their SIGTERM) */
	while (pid > 0 && waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
}

static void
on_pipe_closed(uv_handle_t *h)
{
	struct cmd_runner *r = h->data;

	reap(r->pid);
	frame_rx_cleanup(&r->rx);
	free(r);
}

void
cmd_runner_close(struct cmd_runner *r)
{
	struct cmd_job *j;

	if (r == NULL)
		return;
	r->closing = true;
	while ((j = r->jobs) != NULL) {
		job_unlink(j);
		free(j);
	}
	if (!r->attached) {
		close(r->fd);
		reap(r->pid);
		free(r);
		return;
	}
	uv_read_stop((uv_stream_t *)&r->pipe);
	uv_close((uv_handle_t *)&r->kick, NULL);
	uv_close((uv_handle_t *)&r->pipe, on_pipe_closed);
}
