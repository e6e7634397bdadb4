/*
 * Tests for rrdcached_proc: a real rrdcached (the Debian binary) started,
 * supervised and stopped on a real libuv loop, in a mkdtemp directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <uv.h>

#include "rrd/rrdcached_proc.h"

static char tmpdir[64];

static int
setup(void **state)
{
	(void)state;
	if (system("command -v rrdcached >/dev/null 2>&1") != 0)
		fail_msg("rrdcached not found: install the Debian package "
			 "rrdcached (the README's test command does)");
	strcpy(tmpdir, "/tmp/test_rrdcached_proc.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct rrdcached_proc *
start(uv_loop_t *loop, char *dir, size_t len, char *db, size_t dblen)
{
	struct rrdcached_proc_opts o = {0};
	struct rrdcached_proc *p;

	snprintf(dir, len, "%s/rrdcached", tmpdir);
	snprintf(db, dblen, "%s/db", tmpdir);
	assert_int_equal(mkdir(db, 0755), 0);
	o.command = "rrdcached";
	o.dir = dir;
	o.base_dir = db;
	o.write_s = 3600;
	o.jitter_s = 60;
	o.flush_s = 7200;
	o.stop_ms = 3000;
	p = rrdcached_proc_new(loop, &o);
	assert_non_null(p);
	assert_int_equal(rrdcached_proc_wait(p, 10000), 0);
	return p;
}

/*
 * The stop's SIGKILL bound counts from the SIGTERM, not from the loop's
 * last turn: drover stops the daemon after the writer's drain, which
 * blocks the loop's thread for as long as it takes (20 s at 10,000
 * guests), and a bound taken from the loop's stale clock had passed
 * before the daemon began to write its cache, so it was killed at once
 * and lost its journal's stdio tail.
 */
static void
test_stop_after_a_blocked_loop(void **state)
{
	struct rrdcached_proc_stats st;
	struct rrdcached_proc *p;
	char dir[128], db[128];
	uv_loop_t loop;
	struct timespec busy = {3, 500000000};

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	p = start(&loop, dir, sizeof(dir), db, sizeof(db));
	rrdcached_proc_stats(p, &st);
	assert_true(st.running);
	assert_true(st.pid > 0);
	/* the loop has turned once; then its thread is busy elsewhere for
	 * longer than the bound (3 s): an empty daemon exits on SIGTERM in
	 * milliseconds, well inside a bound that counts from the SIGTERM */
	uv_run(&loop, UV_RUN_NOWAIT);
	nanosleep(&busy, NULL);
	rrdcached_proc_stop(p);
	uv_run(&loop, UV_RUN_DEFAULT);
	rrdcached_proc_stats(p, &st);
	assert_false(st.running);
	/* it ended on its SIGTERM, having written what it held */
	assert_int_equal(st.last_signal, 0);
	assert_int_equal(st.last_status, 0);
	rrdcached_proc_free(p);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_stop_after_a_blocked_loop, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
