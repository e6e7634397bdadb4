/*
 * Tests for host_refresh over probes of the test's own, which run real
 * commands through host_cmd as the lvm and xen probes do: one that
 * finishes (echo), one whose `sleep 30` times out at the roots'
 * command_timeout_ms, one whose refresh cannot start, one without a
 * refresh; every probe at once and only one (only=index), done from the
 * loop and never from within start, cancel while running (no done, the
 * probes' refresh_cancel, the child killed), the blocking run, and
 * host_roots_dup.
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
#include <unistd.h>
#include <cmocka.h>

#include "plugins/host_cmd.h"
#include "plugins/host_refresh.h"

/* A test probe's state: its last result and what happened to it. */
struct tstate {
	const struct host_cmd_runner *runner;
	struct host_cmd *cmd; /* running; NULL: none */
	host_refresh_cb done;
	void *arg;
	int refreshes, ends, cancels, collects;
	enum host_cmd_status last;
	char out[64];
};

static void
on_cmd(const struct host_cmd_result *res, void *arg)
{
	struct tstate *t = arg;

	t->cmd = NULL;
	t->ends++;
	t->last = res->status;
	snprintf(t->out, sizeof(t->out), "%s", res->out);
	t->done(t->arg);
}

/* The refresh of a probe that runs argv, the pattern of a real one. */
static int
refresh_argv(uv_loop_t *loop, const struct host_roots *r, void **state,
    host_refresh_cb done, void *arg, const char *const argv[])
{
	struct tstate *t = *state;

	if (t == NULL) {
		t = calloc(1, sizeof(*t));
		if (t == NULL)
			return -1;
		*state = t;
	}
	assert_null(t->cmd); /* at most one refresh per state */
	t->runner = r->runner;
	t->done = done;
	t->arg = arg;
	t->refreshes++;
	t->cmd = host_cmd_run(
	    r->runner, loop, argv, r->command_timeout_ms, 0, on_cmd, t);
	return t->cmd != NULL ? 0 : -1;
}

static int
refresh_echo(uv_loop_t *loop, const struct host_roots *r, void **state,
    host_refresh_cb done, void *arg)
{
	static const char *const argv[] = {"/bin/sh", "-c", "echo 42", NULL};

	return refresh_argv(loop, r, state, done, arg, argv);
}

static int
refresh_sleep(uv_loop_t *loop, const struct host_roots *r, void **state,
    host_refresh_cb done, void *arg)
{
	static const char *const argv[] = {"sleep", "30", NULL};

	return refresh_argv(loop, r, state, done, arg, argv);
}

static int
refresh_fails(uv_loop_t *loop, const struct host_roots *r, void **state,
    host_refresh_cb done, void *arg)
{
	(void)loop;
	(void)r;
	(void)state;
	(void)done;
	(void)arg;
	return -1;
}

static void
tstate_cancel(void *state)
{
	struct tstate *t = state;

	t->cancels++;
	if (t->cmd != NULL)
		host_cmd_withdraw(t->runner, t->cmd);
	t->cmd = NULL;
}

static void
tstate_free(void *state)
{
	struct tstate *t = state;

	if (t->cmd != NULL)
		host_cmd_withdraw(t->runner, t->cmd);
	free(t);
}

static int
collect_none(const struct host_roots *r, void **state, struct batch *b)
{
	struct tstate *t = *state;

	(void)r;
	(void)b;
	if (t != NULL)
		t->collects++;
	return 0;
}

static const struct host_probe probe_echo = {.name = "t_echo",
    .collect = collect_none,
    .state_free = tstate_free,
    .refresh = refresh_echo,
    .refresh_cancel = tstate_cancel};
static const struct host_probe probe_sleep = {.name = "t_sleep",
    .collect = collect_none,
    .state_free = tstate_free,
    .refresh = refresh_sleep,
    .refresh_cancel = tstate_cancel};
static const struct host_probe probe_fails = {.name = "t_fails",
    .collect = collect_none,
    .state_free = tstate_free,
    .refresh = refresh_fails,
    .refresh_cancel = tstate_cancel};
static const struct host_probe probe_plain = {
    .name = "t_plain", .collect = collect_none};

enum { P_ECHO, P_PLAIN, P_SLEEP, P_FAILS, NPROBES };
static const struct host_probe *const probes[NPROBES] = {
    [P_ECHO] = &probe_echo,
    [P_PLAIN] = &probe_plain,
    [P_SLEEP] = &probe_sleep,
    [P_FAILS] = &probe_fails,
};

static const struct host_roots roots = {
    .proc = "/proc", .sys = "/sys", .command_timeout_ms = 200};

static void
states_free(void **states)
{
	size_t i;

	for (i = 0; i < NPROBES; i++)
		if (states[i] != NULL && probes[i]->state_free != NULL)
			probes[i]->state_free(states[i]);
}

static void
on_done(void *arg)
{
	int *calls = arg;

	(*calls)++;
}

static struct tstate *
ts(void **states, size_t i)
{
	return states[i];
}

static void
test_all(void **state)
{
	void *states[NPROBES] = {0};
	uv_loop_t loop;
	struct host_refresh *h;
	int calls = 0;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	h = host_refresh_start_probes(&loop, probes, NPROBES, &roots, states,
	    HOST_REFRESH_ALL, on_done, &calls);
	assert_non_null(h);
	assert_int_equal(calls, 0); /* not from within start */
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(calls, 1);
	assert_int_equal(ts(states, P_ECHO)->ends, 1);
	assert_int_equal(ts(states, P_ECHO)->last, HOST_CMD_OK);
	assert_string_equal(ts(states, P_ECHO)->out, "42\n");
	assert_int_equal(ts(states, P_SLEEP)->ends, 1);
	assert_int_equal(ts(states, P_SLEEP)->last, HOST_CMD_TIMED_OUT);
	assert_null(states[P_PLAIN]);
	assert_null(states[P_FAILS]);
	/* a second round on the same states */
	h = host_refresh_start_probes(&loop, probes, NPROBES, &roots, states,
	    HOST_REFRESH_ALL, on_done, &calls);
	assert_non_null(h);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(calls, 2);
	assert_int_equal(ts(states, P_ECHO)->refreshes, 2);
	assert_int_equal(ts(states, P_SLEEP)->ends, 2);
	states_free(states);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void
test_only(void **state)
{
	void *states[NPROBES] = {0};
	uv_loop_t loop;
	int calls = 0;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_non_null(host_refresh_start_probes(
	    &loop, probes, NPROBES, &roots, states, P_ECHO, on_done, &calls));
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(calls, 1);
	assert_string_equal(ts(states, P_ECHO)->out, "42\n");
	assert_null(states[P_SLEEP]);
	/* nothing to start: NULL, and no done */
	assert_null(host_refresh_start_probes(
	    &loop, probes, NPROBES, &roots, states, P_PLAIN, on_done, &calls));
	assert_null(host_refresh_start_probes(
	    &loop, probes, NPROBES, &roots, states, P_FAILS, on_done, &calls));
	assert_null(host_refresh_start_probes(
	    &loop, probes, NPROBES, &roots, states, NPROBES, on_done, &calls));
	assert_null(host_refresh_start_probes(&loop, probes + P_PLAIN, 1,
	    &roots, states + P_PLAIN, HOST_REFRESH_ALL, on_done, &calls));
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(calls, 1);
	states_free(states);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* Cancel while the sleep runs: no done, each probe's refresh_cancel, the
 * command withdrawn (killed: the loop empties long before sleep 30). */
static void
test_cancel(void **state)
{
	void *states[NPROBES] = {0};
	struct host_roots r = roots;
	uv_loop_t loop;
	struct host_refresh *h;
	int calls = 0;

	(void)state;
	r.command_timeout_ms = 30000;
	assert_int_equal(uv_loop_init(&loop), 0);
	h = host_refresh_start_probes(&loop, probes, NPROBES, &r, states,
	    HOST_REFRESH_ALL, on_done, &calls);
	assert_non_null(h);
	/* let echo end; sleep runs on */
	while (ts(states, P_ECHO)->ends == 0)
		uv_run(&loop, UV_RUN_ONCE);
	assert_int_equal(calls, 0);
	host_refresh_cancel(h);
	assert_int_equal(ts(states, P_ECHO)->cancels, 0); /* had ended */
	assert_int_equal(ts(states, P_SLEEP)->cancels, 1);
	assert_null(ts(states, P_SLEEP)->cmd);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(calls, 0);
	assert_int_equal(ts(states, P_SLEEP)->ends, 0);
	states_free(states);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* The blocking run: what ran is in the states; -1 when a probe's refresh
 * could not start, 0 when nothing has a refresh. */
static void
test_run(void **state)
{
	void *states[NPROBES] = {0};

	(void)state;
	assert_int_equal(host_refresh_run_probes(
			     probes, NPROBES, &roots, states, HOST_REFRESH_ALL),
	    -1);
	assert_string_equal(ts(states, P_ECHO)->out, "42\n");
	assert_int_equal(ts(states, P_SLEEP)->last, HOST_CMD_TIMED_OUT);
	assert_int_equal(
	    host_refresh_run_probes(probes, NPROBES, &roots, states, P_ECHO),
	    0);
	assert_int_equal(ts(states, P_ECHO)->ends, 2);
	assert_int_equal(ts(states, P_SLEEP)->ends, 1);
	assert_int_equal(
	    host_refresh_run_probes(probes, NPROBES, &roots, states, P_PLAIN),
	    0);
	states_free(states);
}

/* A runner in roots carries the probes' commands. */
struct counting {
	int starts;
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
	(void)ctx;
	host_cmd_cancel(c);
}

static void
test_runner(void **state)
{
	void *states[NPROBES] = {0};
	struct counting k = {0};
	const struct host_cmd_runner runner = {
	    .start = counting_start, .cancel = counting_cancel, .ctx = &k};
	struct host_roots r = roots;

	(void)state;
	r.runner = &runner;
	assert_int_equal(
	    host_refresh_run_probes(probes, NPROBES, &r, states, P_ECHO), 0);
	assert_int_equal(k.starts, 1);
	assert_string_equal(ts(states, P_ECHO)->out, "42\n");
	states_free(states);
}

static void
test_roots_dup(void **state)
{
	const struct host_cmd_runner runner = {0};
	struct host_roots r = {.proc = "/p",
	    .sys = "/s",
	    .cgroup = "/c",
	    .lvs_command = "/sbin/lvs",
	    .lvm_archive_dir = "/a",
	    .lvm_backup_dir = "/b",
	    .xl_command = "xl",
	    .xentop_command = "xentop",
	    .command_timeout_ms = 1234,
	    .runner = &runner};
	struct host_roots d;

	(void)state;
	assert_int_equal(host_roots_dup(&d, &r), 0);
	assert_string_equal(d.proc, "/p");
	assert_true(d.proc != r.proc);
	assert_string_equal(d.sys, "/s");
	assert_null(d.utmp);
	assert_string_equal(d.cgroup, "/c");
	assert_string_equal(d.lvs_command, "/sbin/lvs");
	assert_string_equal(d.lvm_archive_dir, "/a");
	assert_string_equal(d.lvm_backup_dir, "/b");
	assert_string_equal(d.xl_command, "xl");
	assert_string_equal(d.xentop_command, "xentop");
	assert_int_equal(d.command_timeout_ms, 1234);
	assert_ptr_equal(d.runner, &runner);
	host_roots_cleanup(&d);
	assert_null(d.proc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all),
	    cmocka_unit_test(test_only),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_run),
	    cmocka_unit_test(test_runner),
	    cmocka_unit_test(test_roots_dup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
