/* Tests for nagios: command lines, sanitising, truncation to one atomic
 * write, and the queue against a FIFO with and without a reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/log.h"
#include "alerts/nagios.h"

static void
test_service_line(void **state)
{
	char buf[NAGIOS_LINE_MAX + 1];
	size_t n;

	(void)state;
	n = nagios_format_service(buf, 1700000000, "kvm1", "ipmi_volts",
	    NAGIOS_CRITICAL, "12V rail 10.90 V (critical below 11.00)",
	    "'12V'=10.9;11.5:;11:;;");
	assert_string_equal(buf,
	    "[1700000000] PROCESS_SERVICE_CHECK_RESULT;kvm1;ipmi_volts;2;"
	    "12V rail 10.90 V (critical below 11.00)|'12V'=10.9;11.5:;11:;;\n");
	assert_int_equal(n, strlen(buf));
	n = nagios_format_service(
	    buf, 5, "h", "load", NAGIOS_OK, "load 0.10", NULL);
	assert_string_equal(
	    buf, "[5] PROCESS_SERVICE_CHECK_RESULT;h;load;0;load 0.10\n");
	nagios_format_service(buf, 5, "h", "load", NAGIOS_OK, "x", "  ");
	assert_string_equal(
	    buf, "[5] PROCESS_SERVICE_CHECK_RESULT;h;load;0;x\n");
}

static void
test_host_line(void **state)
{
	char buf[NAGIOS_LINE_MAX + 1];

	(void)state;
	nagios_format_host(
	    buf, 7, "kvm1", NAGIOS_HOST_DOWN, "munin-node: connection refused");
	assert_string_equal(buf, "[7] PROCESS_HOST_CHECK_RESULT;kvm1;1;"
				 "munin-node: connection refused\n");
}

static void
test_sanitising(void **state)
{
	char buf[NAGIOS_LINE_MAX + 1];

	(void)state;
	nagios_format_service(buf, 1, "a;b\nc", "s|v;c", NAGIOS_WARNING,
	    "x;y|z\nw\tv", "a=1;2;3\nb=2|c=3");
	assert_string_equal(buf, "[1] PROCESS_SERVICE_CHECK_RESULT;a_b_c;s_v_c;"
				 "1;x,y/z w v|a=1;2;3 b=2 c=3\n");
	/* exactly one newline, at the end */
	assert_ptr_equal(strchr(buf, '\n'), buf + strlen(buf) - 1);
}

static void
test_truncation(void **state)
{
	char buf[NAGIOS_LINE_MAX + 1], text[6000], perf[6000], host[5000];
	size_t n, i, off;

	(void)state;
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	/* perfdata of whole items "fNNN=1;2;3 " */
	for (i = 0, off = 0; off + 16 < sizeof(perf); i++)
		off += (size_t)snprintf(
		    perf + off, sizeof(perf) - off, "f%04zu=1;2;3 ", i);

	/* long perfdata alone: cut at an item boundary, line <= 4096 */
	n = nagios_format_service(buf, 1, "h", "s", NAGIOS_OK, "short", perf);
	assert_true(n <= NAGIOS_LINE_MAX);
	assert_int_equal(buf[n - 1], '\n');
	assert_true(strstr(buf, "|f0000=1;2;3 f0001=") != NULL);
	assert_memory_equal(buf + n - 7, "=1;2;3\n", 7);
	assert_true(n > NAGIOS_LINE_MAX - 20); /* it used the room */

	/* long text: perfdata goes first, then the text is cut */
	n = nagios_format_service(buf, 1, "h", "s", NAGIOS_OK, text, perf);
	assert_int_equal(n, NAGIOS_LINE_MAX);
	assert_null(strchr(buf, '|'));
	assert_int_equal(buf[n - 1], '\n');
	assert_int_equal(buf[n - 2], 'x');

	/* never inside a UTF-8 sequence: "é" is 2 bytes */
	for (i = 0; i + 2 < sizeof(text); i += 2)
		memcpy(text + i, "\xc3\xa9", 2);
	text[i] = '\0';
	n = nagios_format_service(buf, 1, "h", "ss", NAGIOS_OK, text, NULL);
	assert_true(n <= NAGIOS_LINE_MAX);
	assert_int_equal((unsigned char)buf[n - 2], 0xa9);

	/* a name that cannot fit is refused, not cut */
	memset(host, 'h', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	assert_int_equal(
	    nagios_format_service(buf, 1, host, "s", 0, "t", NULL), 0);
	assert_int_equal(nagios_format_host(buf, 1, host, 0, "t"), 0);
}

/* ---- the writer against a FIFO -------------------------------------- */

/* Bounds a hang only, never a speed (bench/nagios_fifo.sh measures). */
#define DEADLINE_MS 60000 /* ms, one wait */
#define DEADLINE_S 300	  /* s, the whole program (SIGALRM) */

static char dir[64];
static char fifo[128];

static int
setup_fifo(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_nagios.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/nagios.cmd", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	return 0;
}

static int
teardown_fifo(void **state)
{
	(void)state;
	unlink(fifo);
	rmdir(dir);
	return 0;
}

/* Runs the loop until nothing is pending; fails after max_ms. */
static void
run_until_empty(uv_loop_t *loop, struct nagios_out *n, int max_ms)
{
	struct nagios_stats st;
	uint64_t end = uv_now(loop) + (uint64_t)max_ms;

	do {
		uv_run(loop, UV_RUN_ONCE);
		nagios_stats(n, &st);
	} while (st.pending > 0 && uv_now(loop) < end);
	assert_int_equal(st.pending, 0);
}

/* A call that blocks (open or write on a FIFO) ends the program as a
 * failure rather than hanging make check. */
static void
on_alarm(int sig)
{
	static const char msg[] = "test_nagios: deadline passed: a call "
				  "blocked\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static void
test_fifo_queue_then_flush(void **state)
{
	uv_loop_t loop;
	struct nagios_out *n;
	struct nagios_stats st;
	char buf[65536];
	ssize_t got;
	int rfd, i;

	(void)state;
	uv_loop_init(&loop);
	n = nagios_new(&loop, fifo, 3);
	/* no reader: ENXIO, queued without blocking (a blocking open would
	 * hang here until the deadline); the oldest of 5 go */
	for (i = 0; i < 5; i++)
		assert_int_equal(
		    nagios_result(n, "h", "s", i % 4, "t", NULL), 0);
	nagios_stats(n, &st);
	assert_int_equal(st.pending, 3);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.queued, 5);

	/* a reader appears (as Nagios does: O_RDWR, never EOF) */
	rfd = open(fifo, O_RDWR | O_NONBLOCK);
	assert_true(rfd >= 0);
	run_until_empty(&loop, n, DEADLINE_MS);
	nagios_stats(n, &st);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.written, 3);
	got = read(rfd, buf, sizeof(buf) - 1);
	assert_true(got > 0);
	buf[got] = '\0';
	/* the three newest, whole, in order */
	assert_non_null(strstr(buf, ";h;s;2;t\n"));
	assert_non_null(strstr(buf, ";h;s;3;t\n"));
	assert_non_null(strstr(buf, ";h;s;0;t\n"));
	assert_null(strstr(buf, ";h;s;1;t\n"));
	assert_true(strstr(buf, ";h;s;2;t\n") < strstr(buf, ";h;s;0;t\n"));

	/* with the reader present a line goes out at once */
	assert_int_equal(nagios_host_result(n, "h", 1, "down"), 0);
	nagios_stats(n, &st);
	assert_int_equal(st.written, 4);
	got = read(rfd, buf, sizeof(buf) - 1);
	assert_true(got > 0);
	buf[got] = '\0';
	assert_non_null(strstr(buf, "] PROCESS_HOST_CHECK_RESULT;h;1;down\n"));
	close(rfd);
	nagios_free(n);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void
test_fifo_full_never_blocks(void **state)
{
	uv_loop_t loop;
	struct nagios_out *n;
	struct nagios_stats st;
	char text[3000], buf[NAGIOS_LINE_MAX + 1];
	size_t off = 0, len = 0;
	ssize_t got;
	int rfd, i;
	uint64_t end;

	(void)state;
	uv_loop_init(&loop);
	memset(text, 'y', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	rfd = open(fifo, O_RDWR | O_NONBLOCK); /* a reader that never reads */
	assert_true(rfd >= 0);
	n = nagios_new(&loop, fifo, 1000);
	/* 300 kB into a 64 kB pipe: a blocking write would hang here until
	 * the deadline; the rest waits in the queue */
	for (i = 0; i < 100; i++)
		nagios_result(n, "h", "s", 0, text, NULL);
	nagios_stats(n, &st);
	assert_true(st.written > 0 && st.written < 100);
	assert_int_equal(st.pending, 100 - st.written);
	/* drain: every line read back is whole; a lost line fails at the
	 * deadline instead of hanging */
	end = uv_now(&loop) + DEADLINE_MS;
	for (i = 0; i < 100;) {
		uv_update_time(&loop);
		assert_true(uv_now(&loop) < end);
		got = read(rfd, buf + len, sizeof(buf) - 1 - len);
		if (got <= 0) {
			uv_run(&loop, UV_RUN_NOWAIT);
			usleep(10000);
			continue;
		}
		len += (size_t)got;
		buf[len] = '\0';
		while (strchr(buf, '\n') != NULL) {
			off = (size_t)(strchr(buf, '\n') - buf) + 1;
			assert_non_null(strstr(buf, ";h;s;0;yyy"));
			assert_int_equal(buf[off - 2], 'y');
			memmove(buf, buf + off, len - off);
			len -= off;
			buf[len] = '\0';
			i++;
		}
	}
	nagios_stats(n, &st);
	assert_int_equal(st.written, 100);
	assert_int_equal(st.dropped, 0);
	close(rfd);
	nagios_free(n);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void
test_regular_file(void **state)
{
	uv_loop_t loop;
	struct nagios_out *n;
	char path[160], buf[512];
	FILE *f;
	size_t got;

	(void)state;
	uv_loop_init(&loop);
	snprintf(path, sizeof(path), "%s/cmd.log", dir);
	/* a missing file is not created: it waits for Nagios */
	n = nagios_new(&loop, path, 10);
	nagios_result(n, "h", "s", 1, "one", NULL);
	assert_int_equal(access(path, F_OK), -1);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	run_until_empty(&loop, n, DEADLINE_MS);
	nagios_result(n, "h", "s", 0, "two", "a=1");
	f = fopen(path, "r");
	got = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[got] = '\0';
	assert_non_null(strstr(buf, ";h;s;1;one\n["));
	assert_non_null(strstr(buf, ";h;s;0;two|a=1\n"));
	unlink(path);
	nagios_free(n);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_service_line),
	    cmocka_unit_test(test_host_line),
	    cmocka_unit_test(test_sanitising),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test_setup_teardown(
		test_fifo_queue_then_flush, setup_fifo, teardown_fifo),
	    cmocka_unit_test_setup_teardown(
		test_fifo_full_never_blocks, setup_fifo, teardown_fifo),
	    cmocka_unit_test_setup_teardown(
		test_regular_file, setup_fifo, teardown_fifo),
	};

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm(DEADLINE_S);
	log_set_stream(fopen("/dev/null", "w"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
