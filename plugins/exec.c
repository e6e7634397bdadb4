/*
 * exec: one Munin plugin run as munin-node runs it, on the loop (see the
 * header for the mapping to munin-node and what differs).
 *
 * A job owns a process handle, two pipes (the plugin's stdout and
 * stderr: real pipes, as munin-node's, not socket pairs) and one timer,
 * which serves in turn for the timeout, the SIGKILL grace and the
 * deferred report.  It ends when the plugin was reaped and both pipes
 * closed, or, once the plugin is being killed, as soon as it was reaped.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "plugins/exec.h"

extern char **environ;

/* util-linux's setpriv: sets several supplementary groups (uv_spawn
 * clears them, and can set only the primary one). */
#define EXEC_SETPRIV "/usr/bin/setpriv"
#define EXEC_PLUGSTATE "/var/lib/munin-node/plugin-state"
#define EXEC_SERVICEDIR "/etc/munin/plugins"

const char *const exec_munin_defaults[] = {
    "MUNIN_BASH=/bin/bash",
    "MUNIN_BINDIR=/usr/bin",
    "MUNIN_CGIDIR=/usr/lib/munin/cgi",
    "MUNIN_CGITMPDIR=",
    "MUNIN_CONFDIR=/etc/munin",
    "MUNIN_DBDIR=/var/lib/munin",
    "MUNIN_DOCDIR=/usr/doc",
    "MUNIN_GOODSH=/bin/sh",
    "MUNIN_GROUP=munin",
    "MUNIN_HASSETR=1",
    "MUNIN_HOSTNAME=localhost.localdomain",
    "MUNIN_HTMLDIR=/var/cache/munin/www",
    "MUNIN_LIBDIR=/usr/share/munin",
    "MUNIN_LOGDIR=/var/log/munin",
    "MUNIN_MANDIR=/usr/share/man",
    "MUNIN_MKTEMP=mktemp -p /tmp/ MKTEMP     = ",
    "MUNIN_OSTYPE=linux",
    "MUNIN_PERL=/usr/bin/perl",
    "MUNIN_PERLLIB=/usr/share/perl5",
    "MUNIN_PLUGINUSER=nobody",
    "MUNIN_PLUGSTATE=/var/lib/munin-node/plugin-state",
    "MUNIN_PREFIX=/usr",
    "MUNIN_PYTHON=/usr/bin/env python3",
    "MUNIN_RUBY=/usr/bin/env ruby",
    "MUNIN_SBINDIR=/usr/sbin",
    "MUNIN_SPOOLDIR=/var/lib/munin-async",
    "MUNIN_STATEDIR=/var/run/munin",
    "MUNIN_USER=munin",
    "MUNIN_VERSION=2.0.73",
    NULL,
};

const char *
exec_status_str(enum exec_status s)
{
	switch (s) {
	case EXEC_OK:
		return "ok";
	case EXEC_TIMED_OUT:
		return "timed out";
	case EXEC_BAD_EXIT:
		return "bad exit";
	case EXEC_SPAWN_FAILED:
		return "spawn failed";
	case EXEC_TOO_LARGE:
		return "output too large";
	case EXEC_CANCELLED:
		return "cancelled";
	}
	return "?";
}

/* ---- credentials ------------------------------------------------------ */

/* Munin's _get_xid: a number names an existing id, else a name. */
static bool
lookup_uid(const char *u, uid_t *uid, char **name)
{
	struct passwd *pw;
	char *end;
	unsigned long n;

	errno = 0;
	if (*u >= '0' && *u <= '9') {
		n = strtoul(u, &end, 10);
		if (*end != '\0' || n > (uid_t)-2)
			return false;
		pw = getpwuid((uid_t)n);
	} else
		pw = getpwnam(u);
	if (pw == NULL)
		return false;
	*uid = pw->pw_uid;
	*name = strdup(pw->pw_name);
	return true;
}

static bool
lookup_gid(const char *g, gid_t *gid)
{
	struct group *gr;
	char *end;
	unsigned long n;

	if (*g >= '0' && *g <= '9') {
		n = strtoul(g, &end, 10);
		if (*end != '\0' || n > (gid_t)-2)
			return false;
		gr = getgrgid((gid_t)n);
	} else
		gr = getgrnam(g);
	if (gr == NULL)
		return false;
	*gid = gr->gr_gid;
	return true;
}

int
exec_creds_resolve(const struct plugin_settings *s, const char *def_user,
    const char *def_group, struct exec_creds *out, char *err, size_t errsize)
{
	const char *user = s != NULL && s->user != NULL ? s->user : def_user;
	const struct strlist *gl = s != NULL ? &s->groups : NULL;
	size_t i, n = gl != NULL ? gl->n : 0, len;
	char *g = NULL;
	bool optional;

	memset(out, 0, sizeof(*out));
	if (!lookup_uid(user, &out->uid, &out->user)) {
		snprintf(err, errsize, "user \"%s\" does not exist", user);
		errno = ENOENT;
		return -1;
	}
	if (out->user == NULL)
		goto oom;
	out->groups = calloc(n + 1, sizeof(*out->groups));
	if (out->groups == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		len = strlen(gl->v[i]);
		optional =
		    len > 2 && gl->v[i][0] == '(' && gl->v[i][len - 1] == ')';
		g = optional ? strndup(gl->v[i] + 1, len - 2)
			     : strdup(gl->v[i]);
		if (g == NULL)
			goto oom;
		if (!lookup_gid(g, &out->groups[out->ngroups])) {
			if (!optional) {
				snprintf(err, errsize,
				    "group \"%s\" does not exist", g);
				free(g);
				exec_creds_cleanup(out);
				errno = ENOENT;
				return -1;
			}
		} else
			out->ngroups++;
		free(g);
		g = NULL;
	}
	if (out->ngroups == 0) {
		if (!lookup_gid(def_group, &out->groups[0])) {
			snprintf(err, errsize, "group \"%s\" does not exist",
			    def_group);
			exec_creds_cleanup(out);
			errno = ENOENT;
			return -1;
		}
		out->ngroups = 1;
	}
	out->gid = out->groups[0];
	out->change = getuid() == 0;
	return 0;
oom:
	exec_creds_cleanup(out);
	snprintf(err, errsize, "out of memory");
	errno = ENOMEM;
	return -1;
}

void
exec_creds_cleanup(struct exec_creds *c)
{
	free(c->groups);
	free(c->user);
	memset(c, 0, sizeof(*c));
}

/* ---- the job ----------------------------------------------------------- */

enum timer_phase { PH_NONE, PH_TIMEOUT, PH_GRACE, PH_REPORT };

struct exec_job {
	uv_loop_t *loop;
	uv_process_t proc;
	uv_pipe_t out, err;
	uv_timer_t timer;
	enum timer_phase phase;
	char *plugin;
	exec_done_cb done;
	void *arg;
	struct buf obuf; /* stdout, at most omax bytes */
	size_t omax;
	struct buf ebuf; /* stderr, at most EXEC_STDERR_MAX bytes */
	size_t edropped; /* stderr bytes beyond that */
	pid_t pgid;	 /* the plugin's process group; 0: none */
	bool spawned, exited, out_eof, err_eof, reported;
	bool killing; /* SIGTERM sent: ends when reaped */
	enum exec_status kill_reason;
	int64_t exit_status;
	int term_signal;
	int spawn_error;
	uint64_t start_ms;   /* loop time at exec_start */
	int handles;	     /* open handles; freed when 0 */
	char scratch[16384]; /* read buffer, bytes */
};

/* A growing NULL-terminated vector of strings. */
struct vec {
	char **v;
	size_t n, cap;
	bool oom;
};

static void
vec_push(struct vec *a, char *s)
{
	char **n;
	size_t cap;

	if (s == NULL || a->oom) {
		a->oom = true;
		free(s);
		return;
	}
	if (a->n + 2 > a->cap) {
		cap = a->cap ? a->cap * 2 : 32;
		n = realloc(a->v, cap * sizeof(*n));
		if (n == NULL) {
			a->oom = true;
			free(s);
			return;
		}
		a->v = n;
		a->cap = cap;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void
vec_free(struct vec *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* Sets NAME=VALUE in env, replacing an earlier NAME. */
static void
env_set(struct vec *env, const char *name, const char *value)
{
	size_t i, nl = strlen(name);
	char *s;

	if (asprintf(&s, "%s=%s", name, value) < 0)
		s = NULL;
	if (s == NULL) {
		env->oom = true;
		return;
	}
	for (i = 0; i < env->n; i++)
		if (strncmp(env->v[i], name, nl) == 0 && env->v[i][nl] == '=') {
			free(env->v[i]);
			env->v[i] = s;
			return;
		}
	vec_push(env, s);
}

/* "NAME=VALUE" into env. */
static void
env_put(struct vec *env, const char *nv)
{
	const char *eq = strchr(nv, '=');
	char *name;

	name = strndup(nv, (size_t)(eq - nv));
	if (name == NULL) {
		env->oom = true;
		return;
	}
	env_set(env, name, eq + 1);
	free(name);
}

static void
build_env(struct vec *env, const struct exec_opts *o, const char *user)
{
	const struct plugin_settings *s = o->settings;
	const char *master = o->master_ip != NULL ? o->master_ip : "";
	char *state = NULL, *file = NULL;
	size_t i;

	for (i = 0; environ[i] != NULL; i++)
		if (strchr(environ[i], '=') != NULL)
			vec_push(env, strdup(environ[i]));
	for (i = 0; exec_munin_defaults[i] != NULL; i++)
		env_put(env, exec_munin_defaults[i]);
	env_set(env, "MUNIN_DEBUG", o->debug ? "1" : "0");
	env_set(env, "FQDN", o->fqdn != NULL ? o->fqdn : "");
	env_set(env, "MUNIN_MASTER_IP", master);
	env_set(env, "MUNIN_CAP_MULTIGRAPH", "1");
	env_set(env, "LC_ALL", "C");
	env_set(env, "LANG", "C");
	env_set(env, "PYTHONIOENCODING", "utf8:replace");
	env_set(env, "PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
	if (o->cap_dirtyconfig)
		env_set(env, "MUNIN_CAP_DIRTYCONFIG", "1");
	if (asprintf(&state, "%s/%s",
		o->plugstate != NULL ? o->plugstate : EXEC_PLUGSTATE,
		user) < 0 ||
	    asprintf(&file, "%s/%s-%s", state, o->plugin, master) < 0) {
		env->oom = true;
		free(state);
		return;
	}
	env_set(env, "MUNIN_PLUGSTATE", state);
	env_set(env, "MUNIN_STATEFILE", file);
	free(state);
	free(file);
	for (i = 0; s != NULL && i < s->nenv; i++) {
		if (s->env[i].name[0] == '\0' ||
		    strchr(s->env[i].name, '=') != NULL) {
			log_warnx("exec: %s: env.%s: not a variable name",
			    o->plugin, s->env[i].name);
			continue;
		}
		env_set(env, s->env[i].name, s->env[i].value);
	}
}

static void
build_argv(struct vec *argv, const struct exec_opts *o, const char *path)
{
	const struct plugin_settings *s = o->settings;
	const struct exec_creds *c = o->creds;
	size_t i;
	struct buf b = {0};

	if (c != NULL && c->change && c->gid != 0 && c->ngroups > 1) {
		vec_push(argv, strdup(EXEC_SETPRIV));
		if (c->uid != 0) {
			buf_printf(&b, "--reuid=%lu", (unsigned long)c->uid);
			vec_push(argv, buf_take(&b, NULL));
		}
		buf_printf(&b, "--regid=%lu", (unsigned long)c->gid);
		vec_push(argv, buf_take(&b, NULL));
		buf_puts(&b, "--groups=");
		for (i = 0; i < c->ngroups; i++)
			buf_printf(&b, "%s%lu", i ? "," : "",
			    (unsigned long)c->groups[i]);
		vec_push(argv, buf_take(&b, NULL));
		vec_push(argv, strdup("--"));
	}
	if (s != NULL && s->has_command && s->command.n > 0) {
		for (i = 0; i < s->command.n; i++)
			if (strcmp(s->command.v[i], "%c") == 0) {
				vec_push(argv, strdup(path));
				if (o->arg != NULL)
					vec_push(argv, strdup(o->arg));
			} else
				vec_push(argv, strdup(s->command.v[i]));
		return;
	}
	vec_push(argv, strdup(path));
	if (o->arg != NULL)
		vec_push(argv, strdup(o->arg));
}

/* munin-node's mkdir_subdir: PLUGSTATE/USER, owned by the plugin's user.
 * One mkdir on a local directory: done on the loop. */
static void
make_statedir(const struct exec_opts *o, const char *user)
{
	char *dir = NULL;

	if (asprintf(&dir, "%s/%s",
		o->plugstate != NULL ? o->plugstate : EXEC_PLUGSTATE, user) < 0)
		return;
	if (mkdir(dir, 0755) == 0) {
		if (o->creds != NULL && o->creds->change &&
		    chown(dir, o->creds->uid, 0) != 0)
			log_warn("exec: %s: chown %s", o->plugin, dir);
	} else if (errno != EEXIST)
		log_warn("exec: %s: mkdir %s", o->plugin, dir);
	free(dir);
}

static void
on_close(uv_handle_t *h)
{
	struct exec_job *j = h->data;

	if (--j->handles > 0)
		return;
	buf_free(&j->obuf);
	buf_free(&j->ebuf);
	free(j->plugin);
	free(j);
}

/* Logs the stderr lines that do not start with "# ", as munin-node. */
static void
log_stderr(struct exec_job *j)
{
	char *p, *nl, *end;
	bool header = false;

	if (j->ebuf.len == 0)
		return;
	p = j->ebuf.p;
	end = p + j->ebuf.len;
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (*p == '\0' || strncmp(p, "# ", 2) == 0)
			continue;
		if (!header)
			log_warnx("exec: %s: error output:", j->plugin);
		header = true;
		log_warnx("exec: %s: stderr: %s", j->plugin, p);
	}
	if (j->edropped > 0)
		log_warnx("exec: %s: %zu more bytes of error output dropped",
		    j->plugin, j->edropped);
}

static void
finish(struct exec_job *j)
{
	struct exec_result r = {0};

	if (j->reported)
		return;
	j->reported = true;
	uv_timer_stop(&j->timer);
	if (j->killing)
		r.status = j->kill_reason;
	else if (!j->spawned)
		r.status = EXEC_SPAWN_FAILED;
	else if (j->exit_status != 0 || j->term_signal != 0)
		r.status = EXEC_BAD_EXIT;
	else
		r.status = EXEC_OK;
	r.exit_status = (int)j->exit_status;
	r.term_signal = j->term_signal;
	r.spawn_error = j->spawn_error;
	r.out = j->obuf.p != NULL ? j->obuf.p : "";
	r.out_len = j->obuf.len;
	r.elapsed_ms = (double)(uv_now(j->loop) - j->start_ms);
	log_stderr(j);
	switch (r.status) {
	case EXEC_TIMED_OUT:
		log_warnx("exec: %s: timed out", j->plugin);
		break;
	case EXEC_BAD_EXIT:
		log_warnx("exec: %s: exited with status %d/%d", j->plugin,
		    r.exit_status, r.term_signal);
		break;
	case EXEC_TOO_LARGE:
		log_warnx("exec: %s: more than %zu bytes of output: killed",
		    j->plugin, j->omax);
		break;
	case EXEC_SPAWN_FAILED:
		log_warnx("exec: %s: cannot run: %s", j->plugin,
		    uv_strerror(j->spawn_error));
		break;
	default:
		break;
	}
	j->done(&r, j->arg);
	if (j->spawned)
		uv_close((uv_handle_t *)&j->proc, on_close);
	uv_close((uv_handle_t *)&j->out, on_close);
	uv_close((uv_handle_t *)&j->err, on_close);
	uv_close((uv_handle_t *)&j->timer, on_close);
}

static void
maybe_finish(struct exec_job *j)
{
	if (j->exited && j->out_eof && j->err_eof)
		finish(j);
}

static void on_timer(uv_timer_t *t);

/* Kill the process group, for reason; the job ends when the plugin is
 * reaped (at once, deferred, when it already was). */
static void
start_kill(struct exec_job *j, enum exec_status reason)
{
	j->kill_reason = reason;
	if (j->killing)
		return;
	j->killing = true;
	if (j->exited) {
		/* the leader is gone; what is left of its group may hold
		 * the pipes: no grace, and report from the loop */
		if (j->pgid > 0)
			kill(-j->pgid, SIGKILL);
		j->phase = PH_REPORT;
		uv_timer_start(&j->timer, on_timer, 0, 0);
		return;
	}
	if (j->pgid > 0)
		kill(-j->pgid, SIGTERM);
	j->phase = PH_GRACE;
	uv_timer_start(&j->timer, on_timer, EXEC_KILL_GRACE_MS, 0);
}

static void
on_timer(uv_timer_t *t)
{
	struct exec_job *j = t->data;

	switch (j->phase) {
	case PH_TIMEOUT:
		start_kill(j, EXEC_TIMED_OUT);
		break;
	case PH_GRACE:
		if (j->pgid > 0)
			kill(-j->pgid, SIGKILL);
		break;
	case PH_REPORT:
		finish(j);
		break;
	case PH_NONE:
		break;
	}
}

static void
on_child_exit(uv_process_t *p, int64_t status, int sig)
{
	struct exec_job *j = p->data;

	j->exited = true;
	j->exit_status = status;
	j->term_signal = sig;
	if (j->killing) {
		/* whatever of the group survived the SIGTERM */
		kill(-j->pgid, SIGKILL);
		finish(j);
		return;
	}
	maybe_finish(j);
}

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct exec_job *j = h->data;

	/* both pipes share it: on_read copies the bytes out at once */
	(void)hint;
	b->base = j->scratch;
	b->len = sizeof(j->scratch);
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct exec_job *j = s->data;
	size_t room, take;

	if (n < 0) {
		uv_read_stop(s);
		if (s == (uv_stream_t *)&j->out)
			j->out_eof = true;
		else
			j->err_eof = true;
		maybe_finish(j);
		return;
	}
	if (s == (uv_stream_t *)&j->out) {
		room = j->omax - j->obuf.len;
		take = (size_t)n < room ? (size_t)n : room;
		buf_putn(&j->obuf, b->base, take);
		if ((size_t)n > room) {
			uv_read_stop(s);
			j->out_eof = true;
			start_kill(j, EXEC_TOO_LARGE);
		}
		return;
	}
	room = EXEC_STDERR_MAX - j->ebuf.len;
	take = (size_t)n < room ? (size_t)n : room;
	buf_putn(&j->ebuf, b->base, take);
	j->edropped += (size_t)n - take;
}

struct exec_job *
exec_start(
    uv_loop_t *loop, const struct exec_opts *o, exec_done_cb done, void *arg)
{
	struct exec_job *j;
	struct vec argv = {0}, env = {0};
	uv_process_options_t po = {0};
	uv_stdio_container_t stdio[3];
	uv_file ofd[2] = {-1, -1}, efd[2] = {-1, -1};
	const char *user;
	char *path = NULL;
	unsigned timeout;
	int rc;

	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return NULL;
	j->loop = loop;
	j->done = done;
	j->arg = arg;
	j->omax = o->max_output ? o->max_output : EXEC_OUTPUT_MAX;
	j->start_ms = uv_now(loop);
	j->plugin = strdup(o->plugin);
	if (j->plugin == NULL) {
		free(j);
		return NULL;
	}
	uv_timer_init(loop, &j->timer);
	uv_pipe_init(loop, &j->out, 0);
	uv_pipe_init(loop, &j->err, 0);
	j->timer.data = j->out.data = j->err.data = j->proc.data = j;
	j->handles = 3;
	j->out_eof = j->err_eof = true; /* until the pipes are open */

	if (o->creds != NULL && o->creds->user != NULL)
		user = o->creds->user;
	else if (o->settings != NULL && o->settings->user != NULL)
		user = o->settings->user;
	else
		user = "nobody";
	if (asprintf(&path, "%s/%s",
		o->servicedir != NULL ? o->servicedir : EXEC_SERVICEDIR,
		o->plugin) < 0)
		path = NULL;
	build_argv(&argv, o, path != NULL ? path : "");
	build_env(&env, o, user);
	if (path == NULL || argv.oom || env.oom) {
		rc = UV_ENOMEM;
		goto failed;
	}
	if (o->creds == NULL || !o->creds->change) {
		if (o->settings != NULL &&
		    (o->settings->user != NULL || o->settings->has_group) &&
		    getuid() != 0)
			log_warnx("exec: %s: not root: running as this "
				  "process, not as the configured user/group",
			    o->plugin);
	}
	make_statedir(o, user);

	rc = uv_pipe(ofd, UV_NONBLOCK_PIPE, 0);
	if (rc == 0)
		rc = uv_pipe(efd, UV_NONBLOCK_PIPE, 0);
	if (rc != 0)
		goto failed;
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_INHERIT_FD;
	stdio[1].data.fd = ofd[1];
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = efd[1];
	po.exit_cb = on_child_exit;
	po.file = argv.v[0];
	po.args = argv.v;
	po.env = env.v;
	po.stdio = stdio;
	po.stdio_count = 3;
	po.flags = UV_PROCESS_DETACHED;
	if (o->creds != NULL && o->creds->change &&
	    strcmp(argv.v[0], EXEC_SETPRIV) != 0) {
		if (o->creds->uid != 0) {
			po.flags |= UV_PROCESS_SETUID;
			po.uid = o->creds->uid;
		}
		if (o->creds->gid != 0) {
			po.flags |= UV_PROCESS_SETGID;
			po.gid = o->creds->gid;
		}
	}
	rc = uv_spawn(loop, &j->proc, &po);
	j->handles++; /* initialised even when it failed */
	close(ofd[1]);
	close(efd[1]);
	ofd[1] = efd[1] = -1;
	if (rc != 0) {
		uv_close((uv_handle_t *)&j->proc, on_close);
		goto failed;
	}
	j->spawned = true;
	j->pgid = j->proc.pid;
	if (uv_pipe_open(&j->out, ofd[0]) == 0) {
		ofd[0] = -1;
		j->out_eof = false;
		uv_read_start((uv_stream_t *)&j->out, on_alloc, on_read);
	}
	if (uv_pipe_open(&j->err, efd[0]) == 0) {
		efd[0] = -1;
		j->err_eof = false;
		uv_read_start((uv_stream_t *)&j->err, on_alloc, on_read);
	}
	timeout = o->settings != NULL && o->settings->timeout != 0
		      ? o->settings->timeout
		      : (o->default_timeout ? o->default_timeout
					    : EXEC_DEFAULT_TIMEOUT);
	j->phase = PH_TIMEOUT;
	uv_timer_start(&j->timer, on_timer, (uint64_t)timeout * 1000, 0);
	goto out;
failed:
	j->spawn_error = rc;
	j->phase = PH_REPORT;
	uv_timer_start(&j->timer, on_timer, 0, 0);
out:
	if (ofd[0] >= 0)
		close(ofd[0]);
	if (efd[0] >= 0)
		close(efd[0]);
	if (ofd[1] >= 0)
		close(ofd[1]);
	if (efd[1] >= 0)
		close(efd[1]);
	free(path);
	vec_free(&argv);
	vec_free(&env);
	return j;
}

void
exec_cancel(struct exec_job *j)
{
	if (j->reported)
		return;
	if (!j->spawned) {
		j->killing = true;
		j->kill_reason = EXEC_CANCELLED;
		return;
	}
	start_kill(j, EXEC_CANCELLED);
}
