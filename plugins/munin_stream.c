/*
 * munin_stream: the child process behind an ssh:// or cmd:// munin-node
 * address (see the header for the contract).
 *
 * An mstream owns a process handle, the parent's ends of three pipes
 * (the child's stdin, stdout and stderr) and one timer, which serves in
 * turn for the grace between the child's exit and "gone", the grace
 * between mstream_close and the SIGKILL, and the drain deadline after
 * it.  The report waits for the stdin and stdout handles to close (so it
 * never runs inside mstream_close), then for the child to be reaped and
 * stderr to reach EOF, or for the drain deadline; the struct is freed
 * when its last handle closed, and the process handle closes only once
 * the child was reaped (libuv reaps only the children of open handles).
 *
 * Overlap with plugins/host_cmd.c (the probes' commands): the same spawn
 * in a session of its own and the same group kill, kept apart on
 * purpose: host_cmd collects a bounded output and ends at a deadline of
 * its own; this one is a conversation whose deadlines are the munin
 * client's (connect, idle, whole poll).
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "plugins/munin_stream.h"

enum phase { PH_NONE, PH_GONE, PH_GRACE, PH_DRAIN };

struct mstream {
	uv_loop_t *loop;
	uv_process_t proc;
	uv_pipe_t in;  /* the child's stdin; data: the caller's */
	uv_pipe_t out; /* the child's stdout; data: the caller's */
	uv_pipe_t err;
	uv_timer_t timer;
	enum phase phase;
	mstream_gone_cb gone;
	void *gone_arg;
	mstream_closed_cb closed;
	void *closed_arg;
	int pid;
	int handles; /* open handles; freed at 0 once reported */
	int io_open; /* of in and out */
	bool exited, err_eof, err_closed, closing, drained, in_closed;
	bool reported, proc_closing;
	struct mstream_end end;
	char ebuf[MSTREAM_STDERR_MAX + 1]; /* stderr's first bytes, NUL */
	size_t elen;
	char scratch[4096]; /* stderr read buffer, bytes */
};

/* ---- argv --------------------------------------------------------- */

/*
 * Appends the words of s to argv, split at blanks with the shell's
 * quoting ('...', "...", backslash), without any expansion.
 */
static int
split_words(const char *words, struct strlist *argv, char *err, size_t errlen)
{
	const char *s = words;
	char *word = malloc(strlen(words) + 1);
	size_t n;
	char q;

	if (word == NULL)
		goto oom;
	while (*s != '\0') {
		s += strspn(s, " \t\n");
		if (*s == '\0')
			break;
		n = 0;
		while (*s != '\0' && strchr(" \t\n", *s) == NULL) {
			if (*s == '\\' && s[1] != '\0') {
				word[n++] = s[1];
				s += 2;
				continue;
			}
			if (*s != '\'' && *s != '"') {
				word[n++] = *s++;
				continue;
			}
			q = *s++;
			while (*s != '\0' && *s != q) {
				if (q == '"' && *s == '\\' &&
				    strchr("\"\\$`", s[1]) != NULL &&
				    s[1] != '\0')
					s++;
				word[n++] = *s++;
			}
			if (*s != q) {
				snprintf(err, errlen,
				    "unterminated %c in \"%s\"", q, words);
				free(word);
				return -1;
			}
			s++;
		}
		word[n] = '\0';
		if (strlist_add(argv, word) == -1)
			goto oom;
	}
	free(word);
	return 0;
oom:
	free(word);
	snprintf(err, errlen, "out of memory");
	return -1;
}

/*
 * Whether Perl's exec would hand the one string cmd to /bin/sh -c (doio.c
 * do_exec3): a leading ". " or "exec ", a leading NAME= (VAR=val), or a
 * shell metacharacter anywhere.
 */
static bool
perl_wants_shell(const char *cmd)
{
	const char *s = cmd + strspn(cmd, " \t\n");

	if ((s[0] == '.' && isspace((unsigned char)s[1])) ||
	    (strncmp(s, "exec", 4) == 0 && isspace((unsigned char)s[4])))
		return true;
	while (isalnum((unsigned char)*s) || *s == '_')
		s++;
	if (*s == '=')
		return true;
	return strpbrk(cmd, "$&*(){}[]'\";\\|?<>~`\n") != NULL;
}

int
mstream_argv(const struct source_address *a, const char *ssh_command,
    const char *ssh_options, struct strlist *argv, char *err, size_t errlen)
{
	char port[16];
	const char *word;
	char *copy, *save = NULL;

	if (a->transport == SOURCE_CMD) {
		if (perl_wants_shell(a->command)) {
			if (strlist_add(argv, "/bin/sh") == -1 ||
			    strlist_add(argv, "-c") == -1 ||
			    strlist_add(argv, a->command) == -1)
				goto oom;
			return 0;
		}
		copy = strdup(a->command);
		if (copy == NULL)
			goto oom;
		for (word = strtok_r(copy, " \t\n", &save); word != NULL;
		     word = strtok_r(NULL, " \t\n", &save))
			if (strlist_add(argv, word) == -1) {
				free(copy);
				goto oom;
			}
		free(copy);
		if (argv->n == 0) {
			snprintf(err, errlen, "no program to run");
			return -1;
		}
		return 0;
	}
	if (a->transport != SOURCE_SSH) {
		snprintf(err, errlen, "not an ssh:// or cmd:// address");
		return -1;
	}
	if (split_words(ssh_command != NULL ? ssh_command : SOURCE_SSH_COMMAND,
		argv, err, errlen) == -1)
		return -1;
	if (argv->n == 0) {
		snprintf(err, errlen, "ssh_command is empty");
		return -1;
	}
	if (strlist_add(argv, "-o") == -1 ||
	    strlist_add(argv, "BatchMode=yes") == -1)
		goto oom;
	if (split_words(ssh_options != NULL ? ssh_options : SOURCE_SSH_OPTIONS,
		argv, err, errlen) == -1)
		return -1;
	if (a->port != 0) {
		snprintf(port, sizeof(port), "%u", a->port);
		if (strlist_add(argv, "-p") == -1 ||
		    strlist_add(argv, port) == -1)
			goto oom;
	}
	if (a->user[0] != '\0' &&
	    (strlist_add(argv, "-l") == -1 || strlist_add(argv, a->user) == -1))
		goto oom;
	if (strlist_add(argv, a->host) == -1)
		goto oom;
	if (a->command[0] != '\0' && strlist_add(argv, a->command) == -1)
		goto oom;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* ---- the child ---------------------------------------------------- */

static struct mstream *
of_in(uv_handle_t *h)
{
	return (struct mstream *)((char *)h - offsetof(struct mstream, in));
}

static struct mstream *
of_out(uv_handle_t *h)
{
	return (struct mstream *)((char *)h - offsetof(struct mstream, out));
}

static void
maybe_free(struct mstream *s)
{
	if (s->reported && s->handles == 0)
		free(s);
}

static void
on_handle_closed(uv_handle_t *h)
{
	struct mstream *s = h->data; /* proc, err and timer */

	s->handles--;
	maybe_free(s);
}

static void try_report(struct mstream *s);

static void
io_closed(struct mstream *s)
{
	s->io_open--;
	s->handles--;
	try_report(s);
	maybe_free(s);
}

static void
on_in_closed(uv_handle_t *h)
{
	io_closed(of_in(h));
}

static void
on_out_closed(uv_handle_t *h)
{
	io_closed(of_out(h));
}

static void
close_err(struct mstream *s)
{
	if (s->err_closed)
		return;
	s->err_closed = true;
	s->err_eof = true;
	uv_close((uv_handle_t *)&s->err, on_handle_closed);
}

/* Closes the process handle once the child was reaped and is not needed. */
static void
close_proc(struct mstream *s)
{
	if (!s->exited || !s->closing || s->proc_closing)
		return;
	s->proc_closing = true;
	uv_close((uv_handle_t *)&s->proc, on_handle_closed);
}

/* stderr's first line worth showing, into end->line. */
static void
first_line(struct mstream *s)
{
	static const char notice[] = "Warning: Permanently added";
	const char *p = s->ebuf, *nl;
	size_t n, i, o = 0;

	s->ebuf[s->elen] = '\0';
	for (; *p != '\0'; p = nl + (*nl != '\0')) {
		nl = p + strcspn(p, "\n");
		n = (size_t)(nl - p);
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		if (n == 0 || strncmp(p, notice, sizeof(notice) - 1) == 0)
			continue;
		for (i = 0; i < n && o + 1 < sizeof(s->end.line); i++)
			s->end.line[o++] =
			    p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
		break;
	}
	s->end.line[o] = '\0';
}

static void
try_report(struct mstream *s)
{
	if (s->reported || !s->closing || s->io_open > 0)
		return;
	if (!(s->exited && s->err_eof) && !s->drained)
		return;
	s->reported = true;
	s->end.exited = s->exited;
	first_line(s);
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->timer, on_handle_closed);
	close_err(s);
	close_proc(s);
	s->closed(s->closed_arg, &s->end);
	/* maybe_free follows from the handles' close callbacks */
}

static void
on_timer(uv_timer_t *t)
{
	struct mstream *s = t->data;

	switch (s->phase) {
	case PH_GONE:
		s->phase = PH_NONE;
		if (!s->closing && s->gone != NULL)
			s->gone(s->gone_arg);
		break;
	case PH_GRACE:
		/* it did not end at its stdin's EOF */
		kill(-s->pid, SIGKILL);
		s->phase = PH_DRAIN;
		uv_timer_start(&s->timer, on_timer, MSTREAM_DRAIN_MS, 0);
		break;
	case PH_DRAIN:
		s->phase = PH_NONE;
		s->drained = true;
		if (!s->exited)
			kill(-s->pid, SIGKILL);
		try_report(s);
		break;
	case PH_NONE:
		break;
	}
}

static void
on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
	struct mstream *s = p->data;

	s->exited = true;
	s->end.exit_status = status;
	s->end.term_signal = sig;
	if (!s->closing) {
		s->end.by_itself = true;
		s->phase = PH_GONE;
		uv_timer_start(&s->timer, on_timer, MSTREAM_GONE_MS, 0);
		return;
	}
	/* whatever of the group outlived its leader */
	kill(-s->pid, SIGKILL);
	close_proc(s);
	try_report(s);
}

static void
on_err_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct mstream *s = h->data;

	(void)hint;
	*b = uv_buf_init(s->scratch, sizeof(s->scratch));
}

static void
on_err_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct mstream *s = st->data;
	size_t room, take;

	if (n == 0)
		return;
	if (n < 0) {
		close_err(s);
		try_report(s);
		return;
	}
	room = MSTREAM_STDERR_MAX - s->elen;
	take = (size_t)n < room ? (size_t)n : room;
	memcpy(s->ebuf + s->elen, b->base, take);
	s->elen += take;
}

/*
 * Marks every descriptor above 2 close-on-exec, so the child gets only
 * its stdin, stdout and stderr: libuv opens its own so, but a library's
 * (libcurl's wakeup socketpair) or one drover inherited from its parent
 * would otherwise reach ssh and whatever it runs.  Only the flag
 * changes: nothing in drover passes a descriptor across exec but the
 * stdio that uv_spawn dup2()s, which clears the flag.
 */
static void
cloexec_all(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fd, flags;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		fd = atoi(e->d_name);
		if (fd <= 2 || fd == dirfd(d))
			continue;
		flags = fcntl(fd, F_GETFD);
		if (flags != -1 && !(flags & FD_CLOEXEC))
			fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
	}
	closedir(d);
}

static void
on_spawn_failed_closed(uv_handle_t *h)
{
	free(h->data);
}

struct mstream *
mstream_spawn(uv_loop_t *loop, const struct strlist *argv, mstream_gone_cb gone,
    void *arg, char *err, size_t errlen)
{
	struct mstream *s;
	uv_process_options_t po = {0};
	uv_stdio_container_t stdio[3];
	uv_file ifd[2] = {-1, -1}, ofd[2] = {-1, -1}, efd[2] = {-1, -1};
	char **args = NULL;
	size_t i;
	int rc;

	if (argv->n == 0) {
		snprintf(err, errlen, "nothing to run");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	args = calloc(argv->n + 1, sizeof(*args));
	if (s == NULL || args == NULL)
		goto oom;
	for (i = 0; i < argv->n; i++)
		args[i] = argv->v[i];
	s->loop = loop;
	s->gone = gone;
	s->gone_arg = arg;
	/* the parent's ends non-blocking, the child's as a program expects */
	rc = uv_pipe(ifd, 0, UV_NONBLOCK_PIPE);
	if (rc == 0)
		rc = uv_pipe(ofd, UV_NONBLOCK_PIPE, 0);
	if (rc == 0)
		rc = uv_pipe(efd, UV_NONBLOCK_PIPE, 0);
	if (rc != 0) {
		snprintf(err, errlen, "pipe: %s", uv_strerror(rc));
		goto fail;
	}
	stdio[0].flags = UV_INHERIT_FD;
	stdio[0].data.fd = ifd[0];
	stdio[1].flags = UV_INHERIT_FD;
	stdio[1].data.fd = ofd[1];
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = efd[1];
	po.exit_cb = on_exit_cb;
	po.file = args[0];
	po.args = args;
	po.stdio = stdio;
	po.stdio_count = 3;
	po.flags = UV_PROCESS_DETACHED; /* setsid: its own group, no tty */
	s->proc.data = s;
	cloexec_all();
	rc = uv_spawn(loop, &s->proc, &po);
	close(ifd[0]);
	close(ofd[1]);
	close(efd[1]);
	ifd[0] = ofd[1] = efd[1] = -1;
	if (rc != 0) {
		snprintf(
		    err, errlen, "cannot run %s: %s", args[0], uv_strerror(rc));
		close(ifd[1]);
		close(ofd[0]);
		close(efd[0]);
		free(args);
		/* the handle is initialised even when the spawn failed */
		uv_close((uv_handle_t *)&s->proc, on_spawn_failed_closed);
		return NULL;
	}
	free(args);
	s->pid = s->proc.pid;
	s->handles = 5;
	s->io_open = 2;
	uv_timer_init(loop, &s->timer);
	s->timer.data = s;
	uv_pipe_init(loop, &s->in, 0);
	uv_pipe_init(loop, &s->out, 0);
	uv_pipe_init(loop, &s->err, 0);
	s->err.data = s;
	/* on failure the caller's first write or read fails */
	if (uv_pipe_open(&s->in, ifd[1]) != 0)
		close(ifd[1]);
	if (uv_pipe_open(&s->out, ofd[0]) != 0)
		close(ofd[0]);
	if (uv_pipe_open(&s->err, efd[0]) != 0 ||
	    uv_read_start((uv_stream_t *)&s->err, on_err_alloc, on_err_read) !=
		0) {
		close(efd[0]);
		close_err(s);
	}
	return s;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	for (i = 0; i < 2; i++) {
		if (ifd[i] >= 0)
			close(ifd[i]);
		if (ofd[i] >= 0)
			close(ofd[i]);
		if (efd[i] >= 0)
			close(efd[i]);
	}
	free(args);
	free(s);
	return NULL;
}

uv_stream_t *
mstream_writer(struct mstream *s)
{
	return (uv_stream_t *)&s->in;
}

uv_stream_t *
mstream_reader(struct mstream *s)
{
	return (uv_stream_t *)&s->out;
}

int
mstream_pid(const struct mstream *s)
{
	return s->pid;
}

void
mstream_end_input(struct mstream *s)
{
	if (s->in_closed)
		return;
	s->in_closed = true;
	uv_close((uv_handle_t *)&s->in, on_in_closed);
}

void
mstream_close(
    struct mstream *s, bool ended, mstream_closed_cb closed, void *arg)
{
	s->closing = true;
	s->closed = closed;
	s->closed_arg = arg;
	uv_timer_stop(&s->timer);
	uv_read_stop((uv_stream_t *)&s->out);
	mstream_end_input(s);
	uv_close((uv_handle_t *)&s->out, on_out_closed);
	if (s->exited || !ended) {
		/* a grandchild may still hold the pipes */
		kill(-s->pid, SIGKILL);
		close_proc(s);
		s->phase = PH_DRAIN;
		uv_timer_start(&s->timer, on_timer, MSTREAM_DRAIN_MS, 0);
		return;
	}
	/* a moment to end by itself at its stdin's EOF (ssh whose remote
	 * command just ended, socat), so its own exit status is known */
	s->phase = PH_GRACE;
	uv_timer_start(&s->timer, on_timer, MSTREAM_KILL_GRACE_MS, 0);
}
