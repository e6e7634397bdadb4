/*
 * plugin_runner: the privileged plugin runner of "drover node" and its
 * client (plugin_runner.h).
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/plugin_runner.h"
#include "agent/runner_frame.h"
#include "lib/log.h"
#include "plugins/plugin_conf.h"
#include "plugins/plugin_dir.h"

enum { FRAME_RUN = 1, FRAME_CANCEL, FRAME_DONE };

/* A RUN's payload: two flags, the name and the master's address, each
 * NUL-terminated. */
#define RUN_MAX (2 + 256 + 64)
#define DONE_HEAD (3 * sizeof(int32_t))

/* ---- the runner (child) ------------------------------------------------ */

struct child;

struct cjob {
	struct child *c;
	uint64_t id;
	struct exec_job *ej;
	struct plugin_settings s;
	struct exec_creds creds;
	bool have_creds;
	struct cjob *next;
};

struct child {
	const struct runner_conf *conf;
	const struct strlist *names;
	struct plugin_conf pc;
	const char *defgroup;
	uv_pipe_t pipe;
	uv_signal_t sig[3];
	struct frame_rx rx;
	struct cjob *jobs;
	bool closing;
};

static void child_maybe_end(struct child *c);

static void
child_reply(struct child *c, uint64_t id, const struct exec_result *r)
{
	int32_t head[3] = {(int32_t)r->status, r->exit_status, r->term_signal};
	uv_buf_t parts[2];

	if (c->closing)
		return;
	parts[0] = uv_buf_init((char *)head, sizeof(head));
	parts[1] = uv_buf_init((char *)r->out, (unsigned)r->out_len);
	if (frame_send((uv_stream_t *)&c->pipe, FRAME_DONE, id, parts, 2) == -1)
		log_warn("runner: reply lost");
}

static void
cjob_free(struct cjob *j)
{
	struct cjob **pp;

	for (pp = &j->c->jobs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	plugin_settings_cleanup(&j->s);
	if (j->have_creds)
		exec_creds_cleanup(&j->creds);
	free(j);
}

static void
on_exec_done(const struct exec_result *r, void *arg)
{
	struct cjob *j = arg;
	struct child *c = j->c;

	child_reply(c, j->id, r);
	cjob_free(j);
	child_maybe_end(c);
}

/* Answers id at once with status (no plugin ran). */
static void
child_fail(struct child *c, uint64_t id, enum exec_status st)
{
	struct exec_result r = {0};

	r.status = st;
	r.out = "";
	child_reply(c, id, &r);
}

static void
child_run(struct child *c, uint64_t id, const char *pl, size_t len)
{
	const char *name, *ip, *end = pl + len;
	struct exec_opts o = {0};
	struct cjob *j;
	char err[256];

	if (len < 4 || pl[len - 1] != '\0') {
		child_fail(c, id, EXEC_SPAWN_FAILED);
		return;
	}
	name = pl + 2;
	ip = name + strlen(name) + 1;
	if (ip >= end || !strlist_contains(c->names, name)) {
		log_warnx("runner: no plugin %s", ip >= end ? "?" : name);
		child_fail(c, id, EXEC_SPAWN_FAILED);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		child_fail(c, id, EXEC_SPAWN_FAILED);
		return;
	}
	j->c = c;
	j->id = id;
	j->next = c->jobs;
	c->jobs = j;
	if (plugin_conf_resolve(&c->pc, name, &j->s) == -1) {
		child_fail(c, id, EXEC_SPAWN_FAILED);
		cjob_free(j);
		return;
	}
	/* as munin-node: a plugin whose user or group does not exist fails */
	if (exec_creds_resolve(&j->s, "nobody", c->defgroup, &j->creds, err,
		sizeof(err)) == -1) {
		log_warnx("runner: %s: %s", name, err);
		child_fail(c, id, EXEC_BAD_EXIT);
		cjob_free(j);
		return;
	}
	j->have_creds = true;
	o.servicedir = c->conf->plugin_dir;
	o.plugin = name;
	o.arg = pl[0] ? "config" : NULL;
	o.settings = &j->s;
	o.creds = &j->creds;
	o.default_timeout = c->conf->default_timeout;
	o.max_output = c->conf->max_output;
	o.cap_dirtyconfig = pl[1] != 0;
	o.master_ip = ip;
	o.fqdn = c->conf->fqdn;
	o.plugstate = c->conf->plugstate;
	j->ej = exec_start(c->pipe.loop, &o, on_exec_done, j);
	if (j->ej == NULL) {
		child_fail(c, id, EXEC_SPAWN_FAILED);
		cjob_free(j);
	}
}

static void
child_cancel(struct child *c, uint64_t id)
{
	struct cjob *j;

	for (j = c->jobs; j != NULL; j = j->next)
		if (j->id == id) {
			exec_cancel(j->ej);
			return;
		}
}

static void
child_close_handles(struct child *c)
{
	size_t i;

	if (!uv_is_closing((uv_handle_t *)&c->pipe))
		uv_close((uv_handle_t *)&c->pipe, NULL);
	for (i = 0; i < 3; i++)
		if (!uv_is_closing((uv_handle_t *)&c->sig[i]))
			uv_close((uv_handle_t *)&c->sig[i], NULL);
}

/* Once the daemon is gone and every plugin reaped, the loop may end. */
static void
child_maybe_end(struct child *c)
{
	if (c->closing && c->jobs == NULL)
		child_close_handles(c);
}

static void
child_eof(struct child *c)
{
	struct cjob *j;

	if (c->closing)
		return;
	c->closing = true;
	uv_read_stop((uv_stream_t *)&c->pipe);
	for (j = c->jobs; j != NULL; j = j->next)
		exec_cancel(j->ej);
	child_maybe_end(c);
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
		log_warnx("runner: bad frame from the daemon");
		child_eof(c);
		return;
	}
	while ((k = frame_rx_next(&c->rx, &h, &pl)) == 1) {
		if (h.type == FRAME_RUN)
			child_run(c, h.id, pl, h.len);
		else if (h.type == FRAME_CANCEL)
			child_cancel(c, h.id);
		frame_rx_drop(&c->rx, &h);
	}
	if (k == -1) {
		log_warnx("runner: bad frame from the daemon");
		child_eof(c);
	}
}

/* The daemon's signals are the daemon's: the runner ends with its socket.
 * (Handled, not ignored, so that plugins get the default dispositions.) */
static void
child_signal(uv_signal_t *s, int signum)
{
	(void)s;
	(void)signum;
}

static void
child_main(const struct runner_conf *conf, const struct strlist *names,
    struct plugin_conf *pc, int fd)
{
	static const int sigs[3] = {SIGTERM, SIGINT, SIGHUP};
	struct child c = {0};
	uv_loop_t loop;
	size_t i;

	c.conf = conf;
	c.names = names;
	c.pc = *pc;
	c.rx.max = RUN_MAX;
	/* munin-node's default group is "munin"; a machine without Munin
	 * has Debian's "nogroup" */
	c.defgroup = getgrnam("munin") != NULL ? "munin" : "nogroup";
	if (uv_loop_init(&loop) != 0)
		_exit(1);
	uv_pipe_init(&loop, &c.pipe, 0);
	c.pipe.data = &c;
	if (uv_pipe_open(&c.pipe, fd) != 0)
		_exit(1);
	for (i = 0; i < 3; i++) {
		uv_signal_init(&loop, &c.sig[i]);
		uv_signal_start(&c.sig[i], child_signal, sigs[i]);
	}
	uv_read_start((uv_stream_t *)&c.pipe, frame_alloc, child_read);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	frame_rx_cleanup(&c.rx);
	plugin_conf_cleanup(&c.pc);
	_exit(0);
}

/* ---- the daemon's side ------------------------------------------------- */

struct runner_job {
	struct runner *r;
	uint64_t id;
	runner_done_fn fn;
	void *arg;
	struct runner_job *prev, *next;
};

struct runner {
	int fd;
	pid_t pid;
	uv_pipe_t pipe;
	uv_timer_t flush; /* answers jobs once the runner is gone */
	bool attached;
	bool dead;
	struct frame_rx rx;
	uint64_t next_id;
	struct runner_job *jobs;
};

static void
job_unlink(struct runner_job *j)
{
	struct runner *r = j->r;

	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		r->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
}

static void
on_flush(uv_timer_t *t)
{
	struct runner *r = t->data;
	struct runner_reply rep = {0};
	struct runner_job *j;

	rep.status = EXEC_SPAWN_FAILED;
	rep.out = "";
	while ((j = r->jobs) != NULL) {
		job_unlink(j);
		j->fn(j->arg, &rep);
		free(j);
	}
}

static void
runner_dead(struct runner *r, const char *why)
{
	if (r->dead)
		return;
	r->dead = true;
	log_warnx("node: the plugin runner %s; exec plugins now fail", why);
	if (waitpid(r->pid, NULL, WNOHANG) == r->pid)
		r->pid = -1;
	uv_read_stop((uv_stream_t *)&r->pipe);
	uv_timer_start(&r->flush, on_flush, 0, 0);
}

static void
runner_done(struct runner *r, uint64_t id, const char *pl, size_t len)
{
	struct runner_reply rep = {0};
	struct runner_job *j;
	int32_t head[3];

	for (j = r->jobs; j != NULL && j->id != id; j = j->next)
		;
	if (j == NULL) /* cancelled */
		return;
	if (len < DONE_HEAD) {
		runner_dead(r, "sent a bad frame");
		return;
	}
	memcpy(head, pl, sizeof(head));
	rep.status = (enum exec_status)head[0];
	rep.exit_status = head[1];
	rep.term_signal = head[2];
	rep.out = pl + DONE_HEAD;
	rep.len = len - DONE_HEAD;
	job_unlink(j);
	j->fn(j->arg, &rep);
	free(j);
}

static void
runner_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct runner *r = s->data;
	struct frame_hdr h;
	const char *pl;
	int k;

	if (n < 0) {
		runner_dead(r, "exited");
		return;
	}
	if (frame_rx_put(&r->rx, buf->base, (size_t)n) == -1) {
		runner_dead(r, "sent a bad frame");
		return;
	}
	while (!r->dead && (k = frame_rx_next(&r->rx, &h, &pl)) == 1) {
		if (h.type == FRAME_DONE)
			runner_done(r, h.id, pl, h.len);
		frame_rx_drop(&r->rx, &h);
	}
	if (!r->dead && k == -1)
		runner_dead(r, "sent a bad frame");
}

struct runner *
runner_fork(const struct runner_conf *c, struct strlist *names)
{
	struct plugin_ignore ig = {0};
	struct plugin_conf pc = {0};
	struct runner *r;
	int sv[2];
	pid_t pid;

	if (plugin_ignore_init(&ig, plugin_ignore_debian) == -1)
		return NULL;
	if (plugin_dir_list(c->plugin_dir, &ig, names) == -1 || names->n == 0) {
		plugin_ignore_cleanup(&ig);
		return NULL;
	}
	if (c->plugin_conf_dir != NULL &&
	    plugin_conf_load_dir(&pc, c->plugin_conf_dir, &ig) == -1)
		log_warn("node: %s", c->plugin_conf_dir);
	plugin_ignore_cleanup(&ig);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		goto fail;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("node: socketpair");
		goto fail;
	}
	fflush(NULL);
	pid = fork();
	if (pid == -1) {
		log_warn("node: fork");
		close(sv[0]);
		close(sv[1]);
		goto fail;
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(c, names, &pc, sv[1]);
	}
	close(sv[1]);
	plugin_conf_cleanup(&pc);
	r->fd = sv[0];
	r->pid = pid;
	r->rx.max =
	    DONE_HEAD + (c->max_output != 0 ? c->max_output : EXEC_OUTPUT_MAX);
	return r;

fail:
	free(r);
	plugin_conf_cleanup(&pc);
	return NULL;
}

int
runner_attach(struct runner *r, uv_loop_t *loop)
{
	uv_pipe_init(loop, &r->pipe, 0);
	uv_timer_init(loop, &r->flush);
	r->pipe.data = r->flush.data = r;
	r->attached = true;
	if (uv_pipe_open(&r->pipe, r->fd) != 0 ||
	    uv_read_start((uv_stream_t *)&r->pipe, frame_alloc, runner_read) !=
		0) {
		runner_dead(r, "cannot be reached");
		return -1;
	}
	return 0;
}

struct runner_job *
runner_ask(struct runner *r, const char *plugin, bool config, bool dirtyconfig,
    const char *master_ip, runner_done_fn fn, void *arg)
{
	char pl[RUN_MAX];
	struct runner_job *j;
	uv_buf_t part;
	size_t nl = strlen(plugin), il = strlen(master_ip);

	if (nl >= 256 || il >= 64) {
		errno = EINVAL;
		return NULL;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return NULL;
	j->r = r;
	j->id = ++r->next_id;
	j->fn = fn;
	j->arg = arg;
	j->next = r->jobs;
	if (r->jobs != NULL)
		r->jobs->prev = j;
	r->jobs = j;
	pl[0] = config;
	pl[1] = dirtyconfig;
	memcpy(pl + 2, plugin, nl + 1);
	memcpy(pl + 3 + nl, master_ip, il + 1);
	part = uv_buf_init(pl, (unsigned)(4 + nl + il));
	if (!r->dead && frame_send((uv_stream_t *)&r->pipe, FRAME_RUN, j->id,
			    &part, 1) == -1)
		runner_dead(r, "cannot be written to");
	if (r->dead)
		uv_timer_start(&r->flush, on_flush, 0, 0);
	return j;
}

void
runner_cancel(struct runner_job *j)
{
	struct runner *r = j->r;

	job_unlink(j);
	if (!r->dead)
		(void)frame_send(
		    (uv_stream_t *)&r->pipe, FRAME_CANCEL, j->id, NULL, 0);
	free(j);
}

static void
on_pipe_closed(uv_handle_t *h)
{
	struct runner *r = h->data;

	/* it exits once its plugins are reaped (at most their kill grace) */
	while (r->pid > 0 && waitpid(r->pid, NULL, 0) == -1 && errno == EINTR)
		;
	frame_rx_cleanup(&r->rx);
	free(r);
}

void
runner_close(struct runner *r)
{
	struct runner_job *j;

	if (r == NULL)
		return;
	while ((j = r->jobs) != NULL) {
		job_unlink(j);
		free(j);
	}
	if (!r->attached) {
		close(r->fd);
		while (waitpid(r->pid, NULL, 0) == -1 && errno == EINTR)
			;
		free(r);
		return;
	}
	uv_close((uv_handle_t *)&r->flush, NULL);
	uv_close((uv_handle_t *)&r->pipe, on_pipe_closed);
}
