/*
 * Tests for host_cmd: real commands through /bin/sh on a private loop:
 * output, environment and stdin, a non-zero exit, a signal, a timeout
 * (the process group gone, a grandchild and one ignoring SIGTERM too),
 * the stdout bound at and past max_out, stderr's kept head, a program
 * that cannot start (reported from the loop, not from within start),
 * cancel (no report, the child reaped), and host_cmd_run's dispatch.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#include <cmocka.h>

#include "plugins/host_cmd.h"

/* What the callback saw. */
struct seen {
	int calls;
	enum host_cmd_status status;
	int exit_status, term_signal, spawn_error;
	char out[8192];
	size_t out_len;
	char err[HOST_CMD_STDERR_MAX + 16];
	size_t err_len;
	double elapsed_ms;
};

static void
on_done(const struct host_cmd_result *r, void *arg)
{
	struct seen *s = arg;

	s->calls++;
	s->status = r->status;
	s->exit_status = r->exit_status;
	s->term_signal = r->term_signal;
	s->spawn_error = r->spawn_error;
	s->out_len = r->out_len;
	assert_int_equal(r->out[r->out_len], '\0');
	memcpy(s->out, r->out,
	    r->out_len < sizeof(s->out) - 1 ? r->out_len + 1 : sizeof(s->out));
	s->out[sizeof(s->out) - 1] = '\0';
	s->err_len = strlen(r->err);
	assert_true(s->err_len <= HOST_CMD_STDERR_MAX);
	memcpy(s->err, r->err, s->err_len + 1);
	s->elapsed_ms = r->elapsed_ms;
}

/* Runs sh -c script to its end on a fresh loop. */
static void
run_sh(const char *script, unsigned timeout_ms, size_t max_out, struct seen *s)
{
	const char *argv[] = {"/bin/sh", "-c", script, NULL};
	uv_loop_t loop;
	struct host_cmd *c;

	memset(s, 0, sizeof(*s));
	assert_int_equal(uv_loop_init(&loop), 0);
	c = host_cmd_start(&loop, argv, timeout_ms, max_out, on_done, s);
	assert_non_null(c);
	assert_int_equal(s->calls, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(s->calls, 1);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void
test_ok(void **state)
{
	struct seen s;

	(void)state;
	run_sh("printf 'hello\\nworld\\n'; printf oops >&2", 5000, 0, &s);
	assert_int_equal(s.status, HOST_CMD_OK);
	assert_int_equal(s.exit_status, 0);
	assert_int_equal(s.term_signal, 0);
	assert_int_equal(s.out_len, 12);
	assert_string_equal(s.out, "hello\nworld\n");
	assert_string_equal(s.err, "oops");
	assert_string_equal(host_cmd_status_str(s.status), "ok");
}

/* The environment is exactly the three variables, stdin /dev/null, and
 * the command leads a process group of its own. */
static void
test_env_stdin_group(void **state)
{
	struct seen s;
	char want[128];

	(void)state;
	setenv("DROVER_TEST_LEAK", "1", 1);
	run_sh("echo \"$LC_ALL|$LANG|$PATH|${DROVER_TEST_LEAK-unset}|"
	       "${HOME-unset}\"; readlink /proc/self/fd/0; "
	       "cut -d' ' -f5 /proc/$$/stat; echo $$",
	    5000, 0, &s);
	unsetenv("DROVER_TEST_LEAK");
	assert_int_equal(s.status, HOST_CMD_OK);
	/* the group's id is the command's own pid */
	{
		char *nl1 = strchr(s.out, '\n');
		char *nl2, *nl3;

		assert_non_null(nl1);
		nl2 = strchr(nl1 + 1, '\n');
		assert_non_null(nl2);
		nl3 = strchr(nl2 + 1, '\n');
		assert_non_null(nl3);
		snprintf(
		    want, sizeof(want), "%.*s", (int)(nl3 - nl2 - 1), nl2 + 1);
		assert_true(atoi(want) != getpgrp());
		assert_int_equal(atoi(want), atoi(nl3 + 1));
		*nl2 = '\0';
	}
	assert_string_equal(s.out, "C|C|/usr/sbin:/usr/bin:/sbin:/bin|unset|"
				   "unset\n/dev/null");
}

static void
test_bad_exit(void **state)
{
	struct seen s;

	(void)state;
	run_sh("echo partial; exit 3", 5000, 0, &s);
	assert_int_equal(s.status, HOST_CMD_BAD_EXIT);
	assert_int_equal(s.exit_status, 3);
	assert_int_equal(s.term_signal, 0);
	assert_string_equal(s.out, "partial\n");
}

static void
test_signal(void **state)
{
	struct seen s;

	(void)state;
	run_sh("kill -USR1 $$; sleep 5", 5000, 0, &s);
	assert_int_equal(s.status, HOST_CMD_BAD_EXIT);
	assert_int_equal(s.term_signal, SIGUSR1);
}

/* The leader exits at once; a child keeps stdout open and writes later:
 * the command has ended only when the pipes closed. */
static void
test_waits_for_pipes(void **state)
{
	struct seen s;

	(void)state;
	run_sh("(sleep 0.3; echo late) & echo early", 5000, 0, &s);
	assert_int_equal(s.status, HOST_CMD_OK);
	assert_string_equal(s.out, "early\nlate\n");
}

/* pid is gone: no such process, or a zombie nobody reaped yet (a
 * grandchild's parent here is whatever init the machine has). */
static bool
pid_dead(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *fp;
	size_t n;

	if (kill(pid, 0) == -1 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fp = fopen(path, "r");
	if (fp == NULL)
		return true;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/* pid dies within 3 s. */
static bool
dies(pid_t pid)
{
	int i;

	for (i = 0; i < 300; i++) {
		if (pid_dead(pid))
			return true;
		usleep(10000);
	}
	return false;
}

static pid_t
read_pid(const char *path)
{
	FILE *fp = fopen(path, "r");
	long pid = 0;

	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%ld", &pid), 1);
	fclose(fp);
	assert_true(pid > 1);
	return (pid_t)pid;
}

/* A timed-out command: TIMED_OUT at the timeout, not at the command's
 * end; its whole group, a grandchild too, gone once the loop has let the
 * job go.  ignore_term: the group ignores SIGTERM and falls to the
 * SIGKILL HOST_CMD_KILL_GRACE_MS later, after the report. */
static void
timeout_case(bool ignore_term)
{
	char dir[] = "/tmp/test_host_cmd.XXXXXX";
	char script[512], leader[64], grand[64];
	struct seen s;

	assert_non_null(mkdtemp(dir));
	snprintf(leader, sizeof(leader), "%s/leader", dir);
	snprintf(grand, sizeof(grand), "%s/grand", dir);
	snprintf(script, sizeof(script),
	    "%s echo $$ > %s.tmp; mv %s.tmp %s; "
	    "sleep 30 & echo $! > %s.tmp; mv %s.tmp %s; wait",
	    ignore_term ? "trap '' TERM;" : "", leader, leader, leader, grand,
	    grand, grand);
	run_sh(script, 200, 0, &s);
	assert_int_equal(s.status, HOST_CMD_TIMED_OUT);
	assert_string_equal(host_cmd_status_str(s.status), "timed out");
	/* reported at the timeout, long before sleep 30 or the grace */
	assert_true(s.elapsed_ms >= 200);
	assert_true(s.elapsed_ms < HOST_CMD_KILL_GRACE_MS);
	assert_true(dies(read_pid(leader)));
	assert_true(dies(read_pid(grand)));
	unlink(leader);
	unlink(grand);
	rmdir(dir);
}

static void
test_timeout(void **state)
{
	(void)state;
	timeout_case(false);
}

static void
test_timeout_term_ignored(void **state)
{
	(void)state;
	timeout_case(true);
}

static void
test_too_large(void **state)
{
	struct seen s;

	(void)state;
	/* exactly max_out is fine */
	run_sh("head -c 1000 /dev/zero | tr '\\0' x", 5000, 1000, &s);
	assert_int_equal(s.status, HOST_CMD_OK);
	assert_int_equal(s.out_len, 1000);
	/* one byte more is not; the first max_out bytes are kept */
	run_sh("head -c 1001 /dev/zero | tr '\\0' x", 5000, 1000, &s);
	assert_int_equal(s.status, HOST_CMD_TOO_LARGE);
	assert_int_equal(s.out_len, 1000);
	assert_int_equal(strspn(s.out, "x"), 1000);
	/* a command that would never stop writing is killed */
	run_sh("yes", 5000, 4096, &s);
	assert_int_equal(s.status, HOST_CMD_TOO_LARGE);
	assert_int_equal(s.out_len, 4096);
	assert_true(s.elapsed_ms < 5000);
}

/* stderr's first HOST_CMD_STDERR_MAX bytes, the rest read and dropped
 * (the command is not blocked on a full pipe). */
static void
test_stderr_head(void **state)
{
	struct seen s;

	(void)state;
	run_sh(
	    "head -c 200000 /dev/zero | tr '\\0' e >&2; echo ok", 5000, 0, &s);
	assert_int_equal(s.status, HOST_CMD_OK);
	assert_string_equal(s.out, "ok\n");
	assert_int_equal(s.err_len, HOST_CMD_STDERR_MAX);
	assert_int_equal(s.err[0], 'e');
	assert_int_equal(strspn(s.err, "e"), HOST_CMD_STDERR_MAX);
}

static void
spawn_fails(const char *prog)
{
	const char *argv[] = {prog, "x", NULL};
	uv_loop_t loop;
	struct seen s = {0};

	assert_int_equal(uv_loop_init(&loop), 0);
	assert_non_null(host_cmd_start(&loop, argv, 5000, 0, on_done, &s));
	/* not from within start */
	assert_int_equal(s.calls, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.status, HOST_CMD_SPAWN_FAILED);
	assert_int_equal(s.spawn_error, UV_ENOENT);
	assert_int_equal(s.out_len, 0);
	assert_string_equal(s.err, "");
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void
test_spawn_failed(void **state)
{
	(void)state;
	spawn_fails("/nonexistent/drover-test-program");
	/* looked up in PATH, and not found there */
	spawn_fails("drover-test-no-such-program");
}

/* Cancel: no report, the child killed and reaped, the job freed (the
 * loop has nothing left; ASan checks the free). */
static void
test_cancel(void **state)
{
	char dir[] = "/tmp/test_host_cmd.XXXXXX";
	char script[256], pidf[64];
	const char *argv[] = {"/bin/sh", "-c", script, NULL};
	uv_loop_t loop;
	struct host_cmd *c;
	struct seen s = {0};
	pid_t pid;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(pidf, sizeof(pidf), "%s/pid", dir);
	snprintf(script, sizeof(script),
	    "echo $$ > %s.tmp; mv %s.tmp %s; exec sleep 30", pidf, pidf, pidf);
	assert_int_equal(uv_loop_init(&loop), 0);
	c = host_cmd_start(&loop, argv, 30000, 0, on_done, &s);
	assert_non_null(c);
	for (i = 0; i < 500 && access(pidf, F_OK) != 0; i++) {
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(10000);
	}
	pid = read_pid(pidf);
	assert_false(pid_dead(pid));
	host_cmd_cancel(c);
	assert_int_equal(s.calls, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(s.calls, 0);
	/* reaped by the loop: no zombie either */
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(uv_loop_close(&loop), 0);
	unlink(pidf);
	rmdir(dir);
}

/* Cancel before a spawn failure was reported: no report either. */
static void
test_cancel_spawn_failed(void **state)
{
	const char *argv[] = {"/nonexistent/drover-test-program", NULL};
	uv_loop_t loop;
	struct seen s = {0};
	struct host_cmd *c;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	c = host_cmd_start(&loop, argv, 5000, 0, on_done, &s);
	assert_non_null(c);
	host_cmd_cancel(c);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(s.calls, 0);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* A runner that counts and runs here. */
struct counting {
	int starts, cancels;
};

static struct host_cmd *
counting_start(void *ctx, uv_loop_t *loop, const char *const argv[],
    unsigned timeout_ms, size_t max_out, host_cmd_cb done, void *arg)
{
	struct counting *k = ctx;

	k->starts++;
	return host_cmd_start(loop, argv, timeout_ms, max_out, done, arg);
}

static void
counting_cancel(void *ctx, struct host_cmd *c)
{
	struct counting *k = ctx;

	k->cancels++;
	host_cmd_cancel(c);
}

static void
test_run_dispatch(void **state)
{
	const char *argv[] = {"/bin/sh", "-c", "echo hi", NULL};
	const char *slow[] = {"/bin/sh", "-c", "exec sleep 30", NULL};
	struct counting k = {0};
	const struct host_cmd_runner runner = {
	    .start = counting_start, .cancel = counting_cancel, .ctx = &k};
	uv_loop_t loop;
	struct seen s = {0}, t = {0};
	struct host_cmd *c;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_non_null(
	    host_cmd_run(&runner, &loop, argv, 5000, 0, on_done, &s));
	assert_int_equal(k.starts, 1);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(s.calls, 1);
	assert_string_equal(s.out, "hi\n");
	c = host_cmd_run(&runner, &loop, slow, 30000, 0, on_done, &t);
	assert_non_null(c);
	host_cmd_withdraw(&runner, c);
	assert_int_equal(k.cancels, 1);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(t.calls, 0);
	/* no runner: here */
	memset(&s, 0, sizeof(s));
	assert_non_null(host_cmd_run(NULL, &loop, argv, 5000, 0, on_done, &s));
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(s.calls, 1);
	assert_int_equal(k.starts, 2);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ok),
	    cmocka_unit_test(test_env_stdin_group),
	    cmocka_unit_test(test_bad_exit),
	    cmocka_unit_test(test_signal),
	    cmocka_unit_test(test_waits_for_pipes),
	    cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_timeout_term_ignored),
	    cmocka_unit_test(test_too_large),
	    cmocka_unit_test(test_stderr_head),
	    cmocka_unit_test(test_spawn_failed),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_cancel_spawn_failed),
	    cmocka_unit_test(test_run_dispatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
