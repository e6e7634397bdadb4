/*
 * runner: bounded shell commands on the loop; see runner.h.  Each job
 * owns three libuv handles (process, stdin pipe, timer) and is freed when
 * the last one is closed; the queue is a ring of queue_max slots.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/runner.h"
#include "lib/log.h"

struct pending {
	char *name; /* whose command, for the log */
	char *cmd;  /* for /bin/sh -c */
	char *text; /* all of its stdin */
};

struct job {
	struct runner *r;
	struct job *next;
	struct pending p;
	uv_process_t proc;
	uv_pipe_t in;
	uv_timer_t timer;
	uv_write_t wr;
	int open;	/* handles not closed yet */
	bool timed_out; /* we killed it */
};

struct runner {
	uv_loop_t *loop;
	char *subsys; /* starts every log message */
	unsigned max_running;
	uint64_t timeout_ms;
	struct pending *q; /* ring of qmax slots */
	size_t qmax, head, nq;
	struct job *jobs;
	bool freeing;
	struct ratelimit rl; /* complaints about failing commands */
	struct runner_stats st;
};

static void
pending_cleanup(struct pending *p)
{
	free(p->name);
	free(p->cmd);
	free(p->text);
	memset(p, 0, sizeof(*p));
}

struct runner *
runner_new(uv_loop_t *loop, const char *subsys, unsigned max_running,
    uint64_t timeout_ms, size_t queue_max)
{
	struct runner *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->loop = loop;
	r->max_running = max_running > 0 ? max_running : 1;
	r->timeout_ms = timeout_ms;
	r->qmax = queue_max > 0 ? queue_max : 1;
	r->subsys = strdup(subsys);
	r->q = calloc(r->qmax, sizeof(*r->q));
	if (r->subsys == NULL || r->q == NULL) {
		free(r->subsys);
		free(r->q);
		free(r);
		return NULL;
	}
	return r;
}

static void
maybe_free(struct runner *r)
{
	if (!r->freeing || r->jobs != NULL)
		return;
	while (r->nq > 0) {
		pending_cleanup(&r->q[r->head]);
		r->head = (r->head + 1) % r->qmax;
		r->nq--;
	}
	free(r->q);
	free(r->subsys);
	free(r);
}

void
runner_free(struct runner *r)
{
	struct job *j;

	if (r == NULL)
		return;
	r->freeing = true;
	for (j = r->jobs; j != NULL; j = j->next)
		uv_process_kill(&j->proc, SIGKILL);
	maybe_free(r);
}

void
runner_stats(const struct runner *r, struct runner_stats *st)
{
	const struct job *j;

	*st = r->st;
	st->running = 0;
	for (j = r->jobs; j != NULL; j = j->next)
		st->running++;
	st->queued = r->nq;
}

static void
on_job_closed(uv_handle_t *h)
{
	struct job *j = h->data, **pp;
	struct runner *r = j->r;

	if (--j->open > 0)
		return;
	for (pp = &r->jobs; *pp != j; pp = &(*pp)->next)
		;
	*pp = j->next;
	pending_cleanup(&j->p);
	free(j);
	if (r->freeing)
		maybe_free(r);
	else
		runner_pump(r);
}

static void
close_if_open(uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, on_job_closed);
}

static void complain(struct runner *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Failing commands are logged, at most one message a minute; each
 * counts as failed. */
static void
complain(struct runner *r, const char *fmt, ...)
{
	unsigned suppressed = 0;
	char msg[512];
	va_list ap;

	r->st.failed++;
	if (!ratelimit_allow(&r->rl, uv_now(r->loop), 60000, &suppressed))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (suppressed > 0)
		log_warnx(
		    "%s (%u similar messages suppressed)", msg, suppressed);
	else
		log_warnx("%s", msg);
}

/* Logs how a command failed, if it did. */
static void
exit_complaint(struct job *j, int64_t status, int sig)
{
	if (j->timed_out)
		complain(j->r, "%s: %s: command timed out, killed: %s",
		    j->r->subsys, j->p.name, j->p.cmd);
	else if (sig != 0)
		complain(j->r, "%s: %s: command killed by signal %d",
		    j->r->subsys, j->p.name, sig);
	else if (status != 0)
		complain(j->r, "%s: %s: command exited %lld: %s", j->r->subsys,
		    j->p.name, (long long)status, j->p.cmd);
}

static void
on_proc_exit(uv_process_t *p, int64_t status, int sig)
{
	struct job *j = p->data;

	/* killed by runner_free: shutting down, not a failure */
	if (!j->r->freeing)
		exit_complaint(j, status, sig);
	uv_timer_stop(&j->timer);
	close_if_open((uv_handle_t *)&j->in);
	close_if_open((uv_handle_t *)&j->timer);
	close_if_open((uv_handle_t *)&j->proc);
}

static void
on_timeout(uv_timer_t *t)
{
	struct job *j = t->data;

	j->r->st.killed++;
	j->timed_out = true;
	uv_process_kill(&j->proc, SIGKILL);
}

static void
on_written(uv_write_t *w, int status)
{
	struct job *j = w->data;

	/* EPIPE: the command did not read its stdin; its exit says more */
	(void)status;
	close_if_open((uv_handle_t *)&j->in); /* EOF for the command */
}

static void
start(struct runner *r, struct pending *p)
{
	struct job *j = calloc(1, sizeof(*j));
	uv_process_options_t o = {0};
	uv_stdio_container_t io[3];
	char *args[4];
	uv_buf_t buf;
	int rc;

	if (j == NULL) {
		complain(r, "%s: %s: out of memory", r->subsys, p->name);
		pending_cleanup(p);
		return;
	}
	j->r = r;
	j->p = *p;
	memset(p, 0, sizeof(*p));
	j->proc.data = j->in.data = j->timer.data = j->wr.data = j;
	uv_pipe_init(r->loop, &j->in, 0);
	uv_timer_init(r->loop, &j->timer);
	j->open = 2;
	j->next = r->jobs;
	r->jobs = j;
	args[0] = "sh";
	args[1] = "-c";
	args[2] = j->p.cmd;
	args[3] = NULL;
	io[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
	io[0].data.stream = (uv_stream_t *)&j->in;
	io[1].flags = UV_IGNORE; /* munin-limits closes STDOUT */
	io[2].flags = UV_INHERIT_FD;
	io[2].data.fd = 2;
	o.file = "/bin/sh";
	o.args = args;
	o.stdio = io;
	o.stdio_count = 3;
	o.exit_cb = on_proc_exit;
	rc = uv_spawn(r->loop, &j->proc, &o);
	if (rc != 0) {
		complain(r, "%s: %s: cannot run the command: %s", r->subsys,
		    j->p.name, uv_strerror(rc));
		close_if_open((uv_handle_t *)&j->in);
		close_if_open((uv_handle_t *)&j->timer);
		return;
	}
	j->open = 3;
	r->st.started++;
	if (r->timeout_ms > 0)
		uv_timer_start(&j->timer, on_timeout, r->timeout_ms, 0);
	buf = uv_buf_init(j->p.text, (unsigned)strlen(j->p.text));
	if (uv_write(&j->wr, (uv_stream_t *)&j->in, &buf, 1, on_written) != 0)
		close_if_open((uv_handle_t *)&j->in);
}

void
runner_pump(struct runner *r)
{
	struct runner_stats st;

	runner_stats(r, &st);
	while (r->nq > 0 && st.running < r->max_running) {
		start(r, &r->q[r->head]);
		r->head = (r->head + 1) % r->qmax;
		r->nq--;
		st.running++;
	}
}

void
runner_add(struct runner *r, char *name, char *cmd, char *text)
{
	struct pending *p;

	if (r->nq == r->qmax) {
		pending_cleanup(&r->q[r->head]);
		r->head = (r->head + 1) % r->qmax;
		r->nq--;
		r->st.dropped++;
	}
	p = &r->q[(r->head + r->nq) % r->qmax];
	p->name = name;
	p->cmd = cmd;
	p->text = text;
	r->nq++;
}
