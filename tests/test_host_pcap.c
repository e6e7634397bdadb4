/*
 * The pcap probe without a live interface (tests/test_pcap_live.sh has
 * one): off without pcap_interfaces, the BPF check config runs, and on an
 * interface that does not exist its services, a capture thread that logs
 * once and retries, a restart when the keys change, and state_free
 * joining the threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/log.h"
#include "plugins/host_pcap.h"
#include "plugins/host_probes.h"
#include "plugins/sample.h"
#include "tests/log_capture.h"

static void
test_off_without_interfaces(void **state)
{
	const struct host_roots r = {.proc = "/proc", .sys = "/sys"};
	struct batch b = {0};
	void *st = NULL;

	(void)state;
	assert_int_equal(probe_pcap.collect(&r, &st, &b), 0);
	assert_null(st);
	assert_int_equal(b.n, 0);
	batch_cleanup(&b);
}

static void
test_filter_check(void **state)
{
	char err[256] = "";

	(void)state;
	assert_true(host_pcap_filter_ok(
	    "udp port 67 or udp port 68", err, sizeof(err)));
	assert_false(host_pcap_filter_ok("udp portt 67", err, sizeof(err)));
	assert_non_null(strstr(err, "syntax error"));
}

/* The log so far: read through a FILE of its own, as the capture
 * threads write to the other. */
static void
read_log(const char *path, char *buf, size_t size)
{
	FILE *fp = fopen(path, "r");
	size_t n = 0;

	if (fp != NULL) {
		n = fread(buf, 1, size - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
}

/* Waits until the log holds needle (at most ~5 s). */
static bool
wait_logged(const char *path, const char *needle, char *log, size_t size)
{
	int i;

	for (i = 0; i < 50; i++) {
		read_log(path, log, size);
		if (strstr(log, needle) != NULL)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

static void
test_missing_interface(void **state)
{
	struct host_roots r = {.proc = "/proc",
	    .sys = "/sys",
	    .pcap_interfaces = " drvnoif0 drvnoif0\t",
	    .pcap_ignore_outgoing = true};
	struct batch b = {0};
	struct service *s;
	struct field *f;
	char log[4096], path[] = "/tmp/test_host_pcap.XXXXXX";
	void *st = NULL;
	int fd = mkstemp(path);
	FILE *cap = fd != -1 ? fdopen(fd, "a") : NULL;

	(void)state;
	assert_non_null(cap);
	setvbuf(cap, NULL, _IONBF, 0);
	log_set_stream(cap);
	assert_int_equal(probe_pcap.collect(&r, &st, &b), 0);
	assert_non_null(st);
	/* named twice, captured once */
	assert_non_null(batch_service(&b, "pcap_dhcp_drvnoif0", false));
	s = batch_service(&b, "pcap_capture_drvnoif0", false);
	assert_non_null(s);
	f = service_field(s, "received", false);
	assert_non_null(f);
	assert_true(f->unknown);
	assert_int_equal(b.n, 4); /* no MAC yet: no traffic services */
	assert_true(wait_logged(
	    path, "pcap: drvnoif0: cannot capture", log, sizeof(log)));
	/* the retry after 1 s fails again, unlogged */
	sleep(2);
	read_log(path, log, sizeof(log));
	assert_int_equal(count(log, "pcap: drvnoif0: cannot capture"), 1);
	batch_cleanup(&b);

	/* another interface: the capture restarts on it */
	r.pcap_interfaces = "drvnoif1";
	assert_int_equal(probe_pcap.collect(&r, &st, &b), 0);
	assert_null(batch_service(&b, "pcap_dhcp_drvnoif0", false));
	assert_non_null(batch_service(&b, "pcap_dhcp_drvnoif1", false));
	assert_true(wait_logged(
	    path, "pcap: drvnoif1: cannot capture", log, sizeof(log)));
	assert_non_null(strstr(log, "capture restarted"));
	batch_cleanup(&b);

	/* pcap_interfaces emptied: stopped, nothing shown */
	r.pcap_interfaces = NULL;
	assert_int_equal(probe_pcap.collect(&r, &st, &b), 0);
	assert_null(st);
	assert_int_equal(b.n, 0);
	batch_cleanup(&b);
	log_set_stream(NULL);
	fclose(cap);
	unlink(path);
}

static void
test_state_free_joins(void **state)
{
	const struct host_roots r = {
	    .proc = "/proc", .sys = "/sys", .pcap_interfaces = "drvnoif2"};
	struct batch b = {0};
	void *st = NULL;

	(void)state;
	assert_int_equal(probe_pcap.collect(&r, &st, &b), 0);
	assert_non_null(st);
	/* a thread waiting out its backoff ends at once (ASan/LSan see a
	 * thread or handle left over) */
	probe_pcap.state_free(st);
	batch_cleanup(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_off_without_interfaces),
	    cmocka_unit_test(test_filter_check),
	    cmocka_unit_test(test_missing_interface),
	    cmocka_unit_test(test_state_free_joins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
