/* Tests for cmd_runner: a real runner process per test, forked with an
 * allowlist, asked through its struct host_cmd_runner on a real loop:
 * allowed vectors run (output, stderr head, exit code, timeout, output
 * bound), anything else is refused and logged, cancel and close kill
 * what runs, and a runner that died fails every pending and later job
 * promptly, from the loop. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/cmd_runner.h"
#include "lib/log.h"
#include "tests/log_capture.h"

/* A guard against a hang, never a measure: no test waits this long. */
#define GUARD_MS 20000

static char dir[] = "/tmp/drover-cmdr.XXXXXX";
static char pidfile[sizeof(dir) + 16], pidfile2[sizeof(dir) + 16];
/* sh -c: writes $$ to pidfile (pidfile2), sleeps */
static char sleeper[sizeof(pidfile) + 64], sleeper2[sizeof(pidfile) + 64];
static char logpath[sizeof(dir) + 16];

/* What one job ended with. */
struct answer {
	int calls;
	enum host_cmd_status status;
	int exit_status, term_signal, spawn_error;
	char out[4096];
	size_t out_len;
	char err[HOST_CMD_STDERR_MAX + 1];
	double elapsed_ms;
};

struct fixture {
	uv_loop_t loop;
	struct cmd_runner *r;
	const struct host_cmd_runner *hr;
	uv_timer_t guard;
	bool in_start; /* a done from within start is a bug */
	FILE *cap;
};

static const char *allowed[][HOST_ARGV_MAX] = {
    {"/bin/echo", "hi", NULL},
    {"/bin/sleep", "30", NULL},
    {"/bin/sh", "-c", "echo oops >&2; exit 3", NULL},
    {"/bin/sh", "-c", "head -c 100000 /dev/zero", NULL},
    {"/bin/sh", "-c", sleeper, NULL},
    {"/bin/sh", "-c", sleeper2, NULL},
    {"/nonexistent/cmd", NULL},
};
#define NALLOWED (sizeof(allowed) / sizeof(allowed[0]))

static void
on_done(const struct host_cmd_result *res, void *arg)
{
	struct answer *a = arg;

	a->calls++;
	a->status = res->status;
	a->exit_status = res->exit_status;
	a->term_signal = res->term_signal;
	a->spawn_error = res->spawn_error;
	a->out_len = res->out_len;
	snprintf(a->out, sizeof(a->out), "%.*s", (int)res->out_len, res->out);
	assert_int_equal(res->out[res->out_len], '\0');
	snprintf(a->err, sizeof(a->err), "%s", res->err);
	a->elapsed_ms = res->elapsed_ms;
}

static void
on_guard(uv_timer_t *t)
{
	(void)t;
	fail_msg("a job never ended");
}

static int
setup_group(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
	snprintf(
	    sleeper, sizeof(sleeper), "echo $$ >%s; exec sleep 30", pidfile);
	snprintf(pidfile2, sizeof(pidfile2), "%s/pid2", dir);
	snprintf(
	    sleeper2, sizeof(sleeper2), "echo $$ >%s; exec sleep 30", pidfile2);
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	return 0;
}

static int
teardown_group(void **state)
{
	(void)state;
	unlink(pidfile);
	unlink(pidfile2);
	unlink(logpath);
	rmdir(dir);
	return 0;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	unlink(pidfile);
	unlink(pidfile2);
	f->cap = fopen(logpath, "w+");
	assert_non_null(f->cap);
	fclose(f->cap);
	/* O_APPEND: the runner writes to the same file */
	f->cap = fopen(logpath, "a+");
	assert_non_null(f->cap);
	log_set_stream(f->cap);
	assert_int_equal(uv_loop_init(&f->loop), 0);
	f->r = cmd_runner_fork(allowed, NALLOWED);
	assert_non_null(f->r);
	assert_int_equal(cmd_runner_attach(f->r, &f->loop), 0);
	f->hr = cmd_runner_host(f->r);
	uv_timer_init(&f->loop, &f->guard);
	uv_timer_start(&f->guard, on_guard, GUARD_MS, 0);
	uv_unref((uv_handle_t *)&f->guard);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	cmd_runner_close(f->r);
	uv_close((uv_handle_t *)&f->guard, NULL);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	log_set_stream(NULL);
	fclose(f->cap);
	free(f);
	return 0;
}

static struct host_cmd *
start(struct fixture *f, const char *const argv[], unsigned timeout_ms,
    size_t max_out, struct answer *a)
{
	struct host_cmd *c;

	f->in_start = true;
	c = f->hr->start(
	    f->hr->ctx, &f->loop, argv, timeout_ms, max_out, on_done, a);
	f->in_start = false;
	assert_int_equal(a->calls, 0); /* never within start */
	return c;
}

/* Ends run_for's uv_run: with the stop flag set the loop does not go
 * on to block in poll for the next timer (the guard's), as a ONCE run
 * whose timers did the work would. */
static void
on_tick(uv_timer_t *t)
{
	uv_stop(t->loop);
}

/* Runs the loop for about ms. */
static void
run_for(struct fixture *f, unsigned ms)
{
	uv_timer_t t;

	uv_timer_init(&f->loop, &t);
	uv_timer_start(&t, on_tick, ms, 0);
	while (uv_is_active((uv_handle_t *)&t))
		uv_run(&f->loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&f->loop, UV_RUN_NOWAIT);
}

/* Runs the loop until a has its answer, in short steps. */
static void
wait_answer(struct fixture *f, struct answer *a)
{
	while (a->calls == 0)
		run_for(f, 10);
	assert_int_equal(a->calls, 1);
}

/* The pid a sleeper wrote to path, once it did. */
static pid_t
pid_in(struct fixture *f, const char *path)
{
	FILE *fp;
	long pid = 0;

	for (;;) {
		fp = fopen(path, "r");
		if (fp != NULL) {
			if (fscanf(fp, "%ld", &pid) != 1)
				pid = 0;
			fclose(fp);
		}
		if (pid > 0)
			return (pid_t)pid;
		run_for(f, 20);
	}
}

static pid_t
sleeper_pid(struct fixture *f)
{
	return pid_in(f, pidfile);
}

static bool
alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno != ESRCH;
}

static void
test_allowed_runs(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"/bin/echo", "hi", NULL};
	struct answer a = {0};

	start(f, argv, 5000, 1024, &a);
	wait_answer(f, &a);
	assert_int_equal(a.status, HOST_CMD_OK);
	assert_int_equal(a.exit_status, 0);
	assert_int_equal(a.term_signal, 0);
	assert_string_equal(a.out, "hi\n");
	assert_int_equal(a.out_len, 3);
	assert_string_equal(a.err, "");
	assert_true(a.elapsed_ms >= 0);
}

static void
test_exit_and_stderr(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"/bin/sh", "-c", "echo oops >&2; exit 3", NULL};
	struct answer a = {0};

	start(f, argv, 5000, 1024, &a);
	wait_answer(f, &a);
	assert_int_equal(a.status, HOST_CMD_BAD_EXIT);
	assert_int_equal(a.exit_status, 3);
	assert_string_equal(a.err, "oops\n");
	assert_int_equal(a.out_len, 0);
}

static void
test_output_bound(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {
	    "/bin/sh", "-c", "head -c 100000 /dev/zero", NULL};
	struct answer a = {0};

	start(f, argv, 5000, 1000, &a);
	wait_answer(f, &a);
	assert_int_equal(a.status, HOST_CMD_TOO_LARGE);
	assert_int_equal(a.out_len, 1000);
}

static void
test_spawn_failed(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"/nonexistent/cmd", NULL};
	struct answer a = {0};

	start(f, argv, 5000, 1024, &a);
	wait_answer(f, &a);
	assert_int_equal(a.status, HOST_CMD_SPAWN_FAILED);
	assert_int_equal(a.spawn_error, UV_ENOENT);
}

static void
test_refused(void **state)
{
	struct fixture *f = *state;
	static const char *const other[][4] = {
	    {"/bin/echo", "bye", NULL},	    /* another argument */
	    {"/bin/echo", NULL},	    /* a prefix */
	    {"/bin/echo", "hi", "x", NULL}, /* longer */
	    {"echo", "hi", NULL},	    /* another path */
	    {"/bin/echo", "hi ", NULL},	    /* a space more */
	    {"/bin/sh", "-c", "id", NULL},  /* a shell's other script */
	};
	struct answer a[6] = {{0}};
	char log[8192];
	size_t i;

	for (i = 0; i < 6; i++)
		start(f, other[i], 5000, 1024, &a[i]);
	for (i = 0; i < 6; i++) {
		wait_answer(f, &a[i]);
		assert_int_equal(a[i].status, HOST_CMD_REFUSED);
		assert_int_equal(a[i].out_len, 0);
	}
	logged(f->cap, log, sizeof(log));
	assert_non_null(strstr(log, "cmd_runner: refused \"/bin/echo bye\""));
	assert_non_null(strstr(log, "cmd_runner: refused \"/bin/sh -c id\""));
	assert_int_equal(count(log, "cmd_runner: refused"), 6);
}

/* Vectors the frame cannot carry are refused here, from the loop too. */
static void
test_refused_unsendable(void **state)
{
	struct fixture *f = *state;
	const char *many[HOST_ARGV_MAX + 1];
	const char *empty[] = {NULL};
	struct answer a = {0}, b = {0};
	size_t i;

	for (i = 0; i < HOST_ARGV_MAX; i++)
		many[i] = "x";
	many[HOST_ARGV_MAX] = NULL;
	start(f, many, 5000, 1024, &a);
	start(f, empty, 5000, 1024, &b);
	wait_answer(f, &a);
	wait_answer(f, &b);
	assert_int_equal(a.status, HOST_CMD_REFUSED);
	assert_int_equal(b.status, HOST_CMD_REFUSED);
}

static void
test_timeout(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"/bin/sleep", "30", NULL};
	struct answer a = {0};

	start(f, argv, 200, 1024, &a);
	wait_answer(f, &a);
	assert_int_equal(a.status, HOST_CMD_TIMED_OUT);
}

static void
test_cancel(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"/bin/sh", "-c", sleeper, NULL};
	const char *echo[] = {"/bin/echo", "hi", NULL};
	struct answer a = {0}, b = {0};
	struct host_cmd *c;
	pid_t pid;

	c = start(f, argv, 60000, 1024, &a);
	assert_non_null(c);
	pid = sleeper_pid(f);
	f->hr->cancel(f->hr->ctx, c);
	while (alive(pid))
		run_for(f, 20);
	assert_int_equal(a.calls, 0);
	/* the runner goes on serving */
	start(f, echo, 5000, 1024, &b);
	wait_answer(f, &b);
	assert_int_equal(b.status, HOST_CMD_OK);
	assert_int_equal(a.calls, 0);
}

/* Closing the socket: the runner kills and reaps what runs, exits, and
 * close reaps it; the job's done is never called. */
static void
test_close_kills(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"/bin/sh", "-c", sleeper, NULL};
	struct answer a = {0};
	pid_t pid, rpid = cmd_runner_pid(f->r);

	start(f, argv, 60000, 1024, &a);
	pid = sleeper_pid(f);
	cmd_runner_close(f->r);
	f->r = NULL;
	uv_close((uv_handle_t *)&f->guard, NULL);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_false(alive(pid));
	assert_false(alive(rpid));
	assert_int_equal(a.calls, 0);
	/* teardown's close of the guard and the runner: already done */
	uv_timer_init(&f->loop, &f->guard);
}

/* A runner that died answers every pending job, and every later one,
 * with a failure from the loop, long before the commands would end. */
static void
test_runner_killed(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"/bin/sh", "-c", sleeper, NULL};
	const char *argv2[] = {"/bin/sh", "-c", sleeper2, NULL};
	const char *echo[] = {"/bin/echo", "hi", NULL};
	struct answer a = {0}, b = {0}, c = {0};
	char log[8192];
	pid_t pid, pid2;

	start(f, argv, 60000, 1024, &a);
	start(f, argv2, 60000, 1024, &b);
	pid = sleeper_pid(f);
	pid2 = pid_in(f, pidfile2);
	assert_int_equal(kill(cmd_runner_pid(f->r), SIGKILL), 0);
	wait_answer(f, &a);
	wait_answer(f, &b);
	assert_int_equal(a.status, HOST_CMD_SPAWN_FAILED);
	assert_int_equal(a.spawn_error, UV_ECONNRESET);
	assert_int_equal(b.status, HOST_CMD_SPAWN_FAILED);
	/* the command still runs: the answer did not wait for it */
	assert_true(alive(pid));
	start(f, echo, 5000, 1024, &c);
	wait_answer(f, &c);
	assert_int_equal(c.status, HOST_CMD_SPAWN_FAILED);
	logged(f->cap, log, sizeof(log));
	assert_non_null(strstr(log, "cmd_runner: the command runner exited"));
	/* the orphans of a killed runner: ours to end */
	kill(pid, SIGKILL);
	kill(pid2, SIGKILL);
}

/* A done that starts the next job (as a refresh's chain does) and one
 * that cancels a sibling both work from the runner's callbacks. */
static struct fixture *chain_f;
static struct answer chain_second;
static struct host_cmd *chain_victim;
static struct answer chain_victim_a;

static void
on_chain_done(const struct host_cmd_result *res, void *arg)
{
	const char *echo[] = {"/bin/echo", "hi", NULL};

	on_done(res, arg);
	chain_f->hr->cancel(chain_f->hr->ctx, chain_victim);
	chain_f->hr->start(chain_f->hr->ctx, &chain_f->loop, echo, 5000, 1024,
	    on_done, &chain_second);
	assert_int_equal(chain_second.calls, 0);
}

static void
test_chain(void **state)
{
	struct fixture *f = *state;
	const char *echo[] = {"/bin/echo", "hi", NULL};
	const char *slow[] = {"/bin/sleep", "30", NULL};
	struct answer first = {0};

	chain_f = f;
	memset(&chain_second, 0, sizeof(chain_second));
	memset(&chain_victim_a, 0, sizeof(chain_victim_a));
	chain_victim = start(f, slow, 60000, 1024, &chain_victim_a);
	f->in_start = true;
	f->hr->start(
	    f->hr->ctx, &f->loop, echo, 5000, 1024, on_chain_done, &first);
	f->in_start = false;
	wait_answer(f, &first);
	wait_answer(f, &chain_second);
	assert_int_equal(chain_second.status, HOST_CMD_OK);
	assert_int_equal(chain_victim_a.calls, 0);
}

/* The allowlist the daemons build: what the probes declare. */
static void
test_probe_commands(void **state)
{
	const char *out[CMD_RUNNER_MAX][HOST_ARGV_MAX];
	struct host_roots r = {.proc = "/proc", .sys = "/sys"};
	size_t i, j, n;

	(void)state;
	memset(out, 0, sizeof(out));
	n = cmd_runner_probe_commands(&r, out, CMD_RUNNER_MAX);
	assert_true(n <= CMD_RUNNER_MAX);
	for (i = 0; i < n; i++) {
		assert_non_null(out[i][0]);
		for (j = 0; j < HOST_ARGV_MAX && out[i][j] != NULL; j++)
			;
		assert_true(j < HOST_ARGV_MAX);
	}
	/* no probe without commands forks a runner */
	if (n == 0)
		assert_null(cmd_runner_for_probes(&r));
}

static void
test_fork_nothing(void **state)
{
	const char *none[1][HOST_ARGV_MAX] = {{NULL}};

	(void)state;
	assert_null(cmd_runner_fork(none, 0));
	log_set_stream(fopen("/dev/null", "w"));
	assert_null(cmd_runner_fork(none, 1)); /* only an empty vector */
	log_set_stream(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_allowed_runs, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_exit_and_stderr, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_output_bound, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_spawn_failed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_refused_unsendable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_close_kills, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_runner_killed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
	    cmocka_unit_test(test_probe_commands),
	    cmocka_unit_test(test_fork_nothing),
	};

	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
