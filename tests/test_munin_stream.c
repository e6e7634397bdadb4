/*
 * Tests for munin_stream: the child's argv as Munin builds its command
 * line, and real children on a loop: a conversation over the pipes,
 * stderr's first line, an exit by itself, a hung child killed with its
 * group and reaped, a program that does not exist.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <cmocka.h>

#include "plugins/munin_stream.h"
#include "plugins/source.h"
#include "lib/log.h"

/* argv of address joined by '|' into out. */
static void
argv_of(const char *address, const char *cmd, const char *opts, char *out,
    size_t len)
{
	struct source_address a;
	struct strlist v = {0};
	char err[256];
	size_t i, o = 0;

	assert_int_equal(
	    source_address_parse(address, &a, err, sizeof(err)), 0);
	if (mstream_argv(&a, cmd, opts, &v, err, sizeof(err)) == -1) {
		snprintf(out, len, "error: %s", err);
		strlist_cleanup(&v);
		return;
	}
	out[0] = '\0';
	for (i = 0; i < v.n; i++)
		o += (size_t)snprintf(
		    out + o, len - o, "%s%s", i ? "|" : "", v.v[i]);
	strlist_cleanup(&v);
}

static void
test_argv(void **state)
{
	char out[1024];

	(void)state;
	/* Munin's defaults; BatchMode first; -p and -l only when given */
	argv_of(
	    "ssh://bastion/usr/bin/nc node 4949", NULL, NULL, out, sizeof(out));
	assert_string_equal(out,
	    "ssh|-o|BatchMode=yes|-o|ChallengeResponseAuthentication=no|-o|"
	    "StrictHostKeyChecking=no|bastion|/usr/bin/nc node 4949");
	argv_of("ssh://munin@[::1]:2222/usr/bin/socat - TCP:localhost:4949",
	    "/usr/bin/ssh -q",
	    "-i '/etc/my keys/id' -o \"ProxyJump a b\" \\\"x", out,
	    sizeof(out));
	assert_string_equal(out,
	    "/usr/bin/ssh|-q|-o|BatchMode=yes|-i|/etc/my keys/id|-o|"
	    "ProxyJump a b|\"x|-p|2222|-l|munin|::1|"
	    "/usr/bin/socat - TCP:localhost:4949");
	/* no path: no remote command (a forced command on the node) */
	argv_of("ssh://node1", "ssh", "", out, sizeof(out));
	assert_string_equal(out, "ssh|-o|BatchMode=yes|node1");
	argv_of("ssh://node1", "ssh", "-o 'unterminated", out, sizeof(out));
	assert_non_null(strstr(out, "error: unterminated '"));
	argv_of("ssh://node1", " ", NULL, out, sizeof(out));
	assert_string_equal(out, "error: ssh_command is empty");
	/* cmd://: split at blanks as Perl's exec does, without a shell */
	argv_of("cmd:///usr/bin/socat  - TCP:127.0.0.1:4949", NULL, NULL, out,
	    sizeof(out));
	assert_string_equal(out, "/usr/bin/socat|-|TCP:127.0.0.1:4949");
	/* with a shell metacharacter, or NAME= first, through /bin/sh -c */
	argv_of("cmd:///usr/bin/nc node 4949 2>/dev/null", NULL, NULL, out,
	    sizeof(out));
	assert_string_equal(
	    out, "/bin/sh|-c|/usr/bin/nc node 4949 2>/dev/null");
	argv_of("cmd:///bin/sh -c 'exec nc node 4949'", NULL, NULL, out,
	    sizeof(out));
	assert_string_equal(out, "/bin/sh|-c|/bin/sh -c 'exec nc node 4949'");
	argv_of(
	    "cmd:// LC_ALL=C /usr/bin/nc x 1", NULL, NULL, out, sizeof(out));
	assert_string_equal(out, "/bin/sh|-c|LC_ALL=C /usr/bin/nc x 1");
}

/* One child's life, as the munin client lives it. */
struct run {
	uv_loop_t loop;
	struct mstream *s;
	char out[4096];
	size_t outlen;
	bool eof, gone, closed;
	struct mstream_end end;
	uv_timer_t timer;
};

static void
on_closed(void *arg, const struct mstream_end *end)
{
	struct run *r = arg;

	r->closed = true;
	r->end = *end;
}

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct run *r = h->data;

	(void)hint;
	*b = uv_buf_init(r->out + r->outlen, sizeof(r->out) - 1 - r->outlen);
}

static void
on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct run *r = st->data;

	(void)b;
	if (n < 0) {
		r->eof = true;
		uv_read_stop(st);
		return;
	}
	r->outlen += (size_t)n;
	r->out[r->outlen] = '\0';
}

static void
on_gone(void *arg)
{
	struct run *r = arg;

	r->gone = true;
	mstream_close(r->s, true, on_closed, r);
}

static void
on_timer(uv_timer_t *t)
{
	struct run *r = t->data;

	if (!r->gone)
		mstream_close(r->s, false, on_closed, r);
	uv_close((uv_handle_t *)t, NULL);
}

static void
on_written(uv_write_t *w, int status)
{
	assert_int_equal(status, 0);
	free(w);
}

/* Runs argv; with close_after_ms, closes it then unless it went first. */
static int
run(struct run *r, const char *const *argv, const char *input,
    uint64_t close_after_ms)
{
	struct strlist v = {0};
	char err[256];
	size_t i;

	memset(r, 0, sizeof(*r));
	assert_int_equal(uv_loop_init(&r->loop), 0);
	for (i = 0; argv[i] != NULL; i++)
		assert_int_equal(strlist_add(&v, argv[i]), 0);
	r->s = mstream_spawn(&r->loop, &v, on_gone, r, err, sizeof(err));
	strlist_cleanup(&v);
	if (r->s == NULL) {
		snprintf(r->out, sizeof(r->out), "%s", err);
		uv_run(&r->loop, UV_RUN_DEFAULT);
		assert_int_equal(uv_loop_close(&r->loop), 0);
		return -1;
	}
	mstream_reader(r->s)->data = r;
	mstream_writer(r->s)->data = r;
	uv_read_start(mstream_reader(r->s), on_alloc, on_read);
	if (input != NULL) {
		uv_write_t *w = malloc(sizeof(*w));
		uv_buf_t b = uv_buf_init((char *)input, strlen(input));

		assert_non_null(w);
		uv_write(w, mstream_writer(r->s), &b, 1, on_written);
	}
	if (close_after_ms > 0) {
		uv_timer_init(&r->loop, &r->timer);
		r->timer.data = r;
		uv_timer_start(&r->timer, on_timer, close_after_ms, 0);
	}
	uv_run(&r->loop, UV_RUN_DEFAULT);
	/* every handle closed: the child was reaped */
	assert_int_equal(uv_loop_close(&r->loop), 0);
	assert_true(r->closed);
	return 0;
}

static void
test_conversation(void **state)
{
	/* reads a line, answers it, complains on stderr, exits 3 */
	const char *const argv[] = {"/bin/sh", "-c",
	    "read l; echo \"got $l\"; echo 'Warning: Permanently added x' >&2;"
	    " echo 'it went wrong' >&2; echo second >&2; exit 3",
	    NULL};
	struct run r;

	(void)state;
	assert_int_equal(run(&r, argv, "hello\n", 0), 0);
	assert_string_equal(r.out, "got hello\n");
	assert_true(r.eof);
	assert_true(r.gone);
	assert_true(r.end.exited);
	assert_true(r.end.by_itself);
	assert_int_equal(r.end.exit_status, 3);
	assert_int_equal(r.end.term_signal, 0);
	assert_string_equal(r.end.line, "it went wrong");
}

/* Whether pid is gone or a zombie (killed, its reaper not there yet). */
static bool
dead(int pid)
{
	char path[64], st[512] = "";
	FILE *f;

	if (kill(pid, 0) == -1 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return true;
	if (fgets(st, sizeof(st), f) == NULL)
		st[0] = '\0';
	fclose(f);
	return strstr(st, ") Z ") != NULL;
}

static void
test_hung_child_killed_with_group(void **state)
{
	/* the leader and a grandchild both hang; the grandchild's pid is
	 * the first line */
	const char *const argv[] = {
	    "/bin/sh", "-c", "sleep 300 & echo $!; sleep 300", NULL};
	struct run r;
	long grandchild;
	int pid, i;

	(void)state;
	assert_int_equal(run(&r, argv, NULL, 300), 0);
	grandchild = strtol(r.out, NULL, 10);
	assert_true(grandchild > 1);
	assert_false(r.gone);
	assert_true(r.end.exited);
	assert_false(r.end.by_itself);
	assert_int_equal(r.end.term_signal, SIGKILL);
	assert_string_equal(r.end.line, "");
	/* the grandchild got the group's SIGKILL (its reaper is init) */
	pid = (int)grandchild;
	for (i = 0; i < 200 && !dead(pid); i++)
		usleep(10000);
	assert_true(dead(pid));
}

static void
test_missing_program(void **state)
{
	const char *const argv[] = {"/nonexistent/ssh", "x", NULL};
	struct run r;

	(void)state;
	assert_int_equal(run(&r, argv, NULL, 0), -1);
	assert_non_null(strstr(r.out, "cannot run /nonexistent/ssh: "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_argv),
	    cmocka_unit_test(test_conversation),
	    cmocka_unit_test(test_hung_child_killed_with_group),
	    cmocka_unit_test(test_missing_program),
	};

	log_init(false, LOG_LVL_WARN);
	signal(SIGPIPE, SIG_IGN); /* as drover: a write to a dead child */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
