/*
 * The pcap probe without a live interface (tests/test_pcap_live.sh has
 * one): off without pcap_interfaces, the BPF check config runs, and on an
 * interface that does not exist its services, a capture thread that logs
 * once and retries, a restart when the keys change, and state_free
 * joining the threads; the names of MACs, from pcap_name and from the
 * qemu guests of tests/fixtures/vm (as test_host_vm reads them), reaching
 * the traffic services.
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

#define TREE FIXTURES "/vm"

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

/* A field of service svc in b, which must be there. */
static const struct field *
field_of(const struct batch *b, const char *svc, const char *name)
{
	struct service *s = batch_service((struct batch *)b, svc, false);
	struct field *f;

	if (s == NULL)
		fail_msg("no service %s", svc);
	f = service_field(s, name, false);
	if (f == NULL)
		fail_msg("no field %s.%s", svc, name);
	return f;
}

static void
check_field(
    const struct batch *b, const char *name, const char *label, double tx)
{
	const struct field *f = field_of(b, "pcap_traffic_br0", name);

	assert_string_equal(attrs_get(&f->attrs, "label"), label);
	assert_false(f->unknown);
	if (f->value != tx)
		fail_msg("%s = %g, want %g", name, f->value, tx);
}

/* pcap_name's names first, then the fixture's guests (alpha by -name,
 * beta by its machine scope, its MAC in libvirt's JSON -device), then
 * mac_...; a stopped guest keeps naming its MAC, a running one's wins. */
static void
test_names(void **state)
{
	const struct host_roots r = {
	    .proc = TREE "/proc", .sys = TREE "/sys", .cgroup = TREE "/cgroup"};
	const uint8_t macs[][PCAP_MAC_LEN] = {
	    {0x02, 0, 0, 0, 0, 0x09},	     /* pcap_name router */
	    {0x02, 0, 0, 0, 0, 0x0a},	     /* nobody's */
	    {0x52, 0x54, 0, 0xaa, 0, 0x01},  /* alpha */
	    {0x52, 0x54, 0, 0xbb, 0, 0x02}}; /* beta */
	struct pcap_interval *iv = calloc(1, sizeof(*iv));
	struct host_pcap_names names = {0};
	struct vm_seen seen = {0};
	struct batch b = {0};
	size_t i;

	(void)state;
	assert_non_null(iv);
	for (i = 0; i < 4; i++) {
		memcpy(iv->mac[i].mac, macs[i], PCAP_MAC_LEN);
		iv->mac[i].tx_bytes = 100 * (i + 1);
		iv->mac[i].tx_frames = i + 1;
	}
	iv->nmac = 4;
	assert_int_equal(vm_scan(&r, &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(host_pcap_names_build(&names,
			     "02:00:00:00:00:09 router\n"
			     "52:54:00:bb:00:02 beta-conf\n",
			     &seen),
	    0);
	assert_int_equal(names.n, 3);
	assert_int_equal(
	    pcap_interval_services(iv, "br0", 10, NULL, names.v, names.n, &b),
	    0);
	check_field(&b, "router_tx", "router 02:00:00:00:00:09", 10);
	check_field(&b, "mac_02000000000a_tx", "02:00:00:00:00:0a", 20);
	check_field(&b, "alpha_tx", "alpha 52:54:00:aa:00:01", 30);
	/* config's name over the guest's */
	check_field(&b, "beta_conf_tx", "beta-conf 52:54:00:bb:00:02", 40);
	assert_string_equal(
	    attrs_get(
		&field_of(&b, "pcap_packets_br0", "alpha_rx")->attrs, "label"),
	    "alpha 52:54:00:aa:00:01");
	batch_cleanup(&b);
	memset(&b, 0, sizeof(b));

	/* no config: beta by its guest; both stopped now (an empty /proc),
	 * still named */
	{
		const struct host_roots gone = {.proc = TREE "/nonexistent"};

		assert_int_equal(vm_scan(&gone, &seen), 0);
	}
	assert_int_equal(seen.n, 2);
	assert_false(seen.v[0].running);
	assert_int_equal(host_pcap_names_build(&names, NULL, &seen), 0);
	assert_int_equal(names.n, 2);
	assert_int_equal(
	    pcap_interval_services(iv, "br0", 10, NULL, names.v, names.n, &b),
	    0);
	check_field(&b, "beta_tx", "beta 52:54:00:bb:00:02", 40);
	check_field(&b, "mac_020000000009_tx", "02:00:00:00:00:09", 10);
	batch_cleanup(&b);
	memset(&b, 0, sizeof(b));

	/* a running guest's name over a stopped one's: a new "gamma" with
	 * alpha's MAC */
	{
		struct vm_guest g = {.name = "gamma",
		    .field = "gamma",
		    .running = true,
		    .nmacs = 1};

		memcpy(g.macs[0], macs[2], PCAP_MAC_LEN);
		assert_int_equal(vm_seen_merge(&seen, &g, 1), 0);
	}
	assert_int_equal(host_pcap_names_build(&names, "", &seen), 0);
	assert_int_equal(
	    pcap_interval_services(iv, "br0", 10, NULL, names.v, names.n, &b),
	    0);
	check_field(&b, "gamma_tx", "gamma 52:54:00:aa:00:01", 30);
	batch_cleanup(&b);

	/* nothing to name: empty */
	assert_int_equal(host_pcap_names_build(&names, NULL, NULL), 0);
	assert_int_equal(names.n, 0);
	host_pcap_names_cleanup(&names);
	vm_seen_cleanup(&seen);
	free(iv);
}

/* A collect on the fixture's /proc: the scan runs beside the capture
 * (nothing to name yet without frames, nothing logged as failing). */
static void
test_collect_scans(void **state)
{
	const struct host_roots r = {.proc = TREE "/proc",
	    .sys = TREE "/sys",
	    .cgroup = TREE "/cgroup",
	    .pcap_interfaces = "drvnoif3",
	    .pcap_names = "02:00:00:00:00:09 router\n"};
	struct batch b = {0};
	void *st = NULL;

	(void)state;
	assert_int_equal(probe_pcap.collect(&r, &st, &b), 0);
	assert_int_equal(probe_pcap.collect(&r, &st, &b), 0);
	assert_non_null(batch_service(&b, "pcap_dhcp_drvnoif3", false));
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
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_collect_scans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
