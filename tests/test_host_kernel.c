/*
 * Tests for host_kernel: the swap, vmstat, forks, interrupts, irqstats,
 * entropy and uptime parsers on /proc files captured from a 6.x kernel
 * (tests/fixtures/proc), hand-made 2.4, 2.6.18, arm64, powerpc and 8-CPU
 * x86 ones, edge cases of the irqstats plugin's Perl parsing, and
 * malformed input.  Buffers are malloc'd to their exact size so that ASan
 * sees a read past len; the prefix test puts each right before an
 * inaccessible page, so that such a read faults in any build.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/log.h"
#include "plugins/host.h"
#include "plugins/host_kernel.h"
#include "tests/batch_guard.h"
#include "tests/fixture.h"

typedef int (*parse_fn)(const char *, size_t, struct batch *);

/* text in a buffer of exactly its length, parsed. */
static int
parse_exact(parse_fn parse, const char *text, struct batch *b)
{
	size_t n = strlen(text);
	char *buf = malloc(n > 0 ? n : 1);
	int rc;

	assert_non_null(buf);
	memcpy(buf, text, n);
	rc = parse(buf, n, b);
	free(buf);
	return rc;
}

static struct service *
parse_fixture(
    const char *rel, parse_fn parse, struct batch *b, const char *name)
{
	struct service *s;
	size_t len;
	char *buf;

	buf = fixture_read(rel, &len);
	assert_int_equal(parse(buf, len, b), 0);
	free(buf);
	s = batch_service(b, name, false);
	assert_non_null(s);
	assert_true(s->has_config);
	return s;
}

static const struct field *
get_field(const struct service *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nfields; i++)
		if (strcmp(s->fields[i].name, name) == 0)
			return &s->fields[i];
	fail_msg("%s: no field %s", s->name, name);
	return NULL;
}

/* s's field name holds exactly want. */
static void
check_value(const struct service *s, const char *name, double want)
{
	const struct field *f = get_field(s, name);

	assert_true(f->has_value);
	assert_false(f->unknown);
	if (f->value != want)
		fail_msg(
		    "%s.%s = %.17g, want %.17g", s->name, name, f->value, want);
}

/* Attribute key of field (NULL: of the graph) is want (NULL: absent). */
static void
check_attr(const struct service *s, const char *field, const char *key,
    const char *want)
{
	const char *got = field == NULL
			      ? attrs_get(&s->graph, key)
			      : attrs_get(&get_field(s, field)->attrs, key);

	if (want == NULL) {
		if (got != NULL)
			fail_msg("%s: %s.%s is \"%s\", want none", s->name,
			    field ? field : "", key, got);
		return;
	}
	if (got == NULL)
		fail_msg("%s: %s.%s missing", s->name, field ? field : "", key);
	assert_string_equal(got, want);
}

static void
test_current_kernel(void **state)
{
	struct batch b = {0};
	struct service *s;
	size_t vlen;
	char *v;

	(void)state;
	v = fixture_read("proc/vmstat", &vlen);
	assert_int_equal(host_kernel_parse_swap(v, vlen, NULL, 0, &b), 0);
	free(v);
	s = batch_service(&b, "swap", false);
	assert_non_null(s);
	check_value(s, "swap_in", 0);
	check_value(s, "swap_out", 0);
	check_attr(s, "swap_in", "graph", "no");
	check_attr(s, "swap_out", "negative", "swap_in");
	check_attr(s, NULL, "graph_vlabel",
	    "pages per ${graph_period} in (-) / out (+)");

	s = parse_fixture("proc/stat", host_kernel_parse_vmstat, &b, "vmstat");
	check_value(s, "wait", 1);
	check_value(s, "sleep", 0);
	check_attr(s, "sleep", "label", "I/O sleep");
	s = parse_fixture("proc/stat", host_kernel_parse_forks, &b, "forks");
	check_value(s, "forks", 7926);
	check_attr(s, NULL, "graph_args", "--base 1000 -l 0");
	s = parse_fixture(
	    "proc/stat", host_kernel_parse_interrupts, &b, "interrupts");
	check_value(s, "intr", 183549);
	check_value(s, "ctx", 325687);

	s = parse_fixture(
	    "proc/interrupts", host_kernel_parse_irqstats, &b, "irqstats");
	check_value(s, "i24", 1);
	check_value(s, "i36", 647531);
	check_value(s, "iLOC", 2444081.0 + 2524274.0);
	check_value(s, "iERR", 0);
	/* the plugin keeps the kernel's blanks inside the last field */
	check_attr(s, "i36", "label", "1-edge      virtio1-req.0");
	check_attr(s, "i36", "info",
	    "Interrupt 36, for device(s): 1-edge      virtio1-req.0");
	check_attr(s, "iLOC", "info",
	    "Interrupt LOC, for device(s): Local timer interrupts");
	check_attr(s, "iERR", "label", "ERR");
	check_attr(s, "iERR", "info", NULL);
	check_attr(s, "iERR", "type", "DERIVE");
	check_attr(s, "iERR", "min", "0");
	assert_non_null(
	    strstr(attrs_get(&s->graph, "graph_order"), "i24 i25 i26 i28 "));

	s = parse_fixture("proc/sys/kernel/random/entropy_avail",
	    host_kernel_parse_entropy, &b, "entropy");
	check_value(s, "entropy", 256);
	check_attr(s, "entropy", "type", NULL);
	s = parse_fixture(
	    "proc/uptime", host_kernel_parse_uptime, &b, "uptime");
	check_value(s, "uptime", 0.12);
	check_attr(s, "uptime", "draw", "AREA");
	assert_int_equal(b.n, 7);
	batch_cleanup(&b);
}

static void
test_older_kernels(void **state)
{
	struct batch b = {0};
	struct service *s;
	size_t slen;
	char *st;

	(void)state;
	/* 2.4: no /proc/vmstat, swap from /proc/stat, no procs_* lines */
	st = fixture_read("proc-2.4/stat", &slen);
	assert_int_equal(host_kernel_parse_swap(NULL, 0, st, slen, &b), 0);
	s = batch_service(&b, "swap", false);
	check_value(s, "swap_in", 1);
	check_value(s, "swap_out", 0);
	assert_int_equal(host_kernel_parse_vmstat(st, slen, &b), 0);
	assert_null(batch_service(&b, "vmstat", false));
	free(st);
	s = parse_fixture(
	    "proc-2.4/interrupts", host_kernel_parse_irqstats, &b, "irqstats");
	check_attr(
	    s, NULL, "graph_order", "i0 i1 i2 i8 i10 i12 i14 i15 iNMI iERR");
	check_attr(s, "i12", "label", "PS/2 Mouse");
	check_value(s, "i0", 100318862);
	/* no description: the plugin's own NMI text */
	check_attr(s, "iNMI", "label", "NMI");
	check_attr(s, "iNMI", "info",
	    "Nonmaskable interrupt. Either 0 or quite high. If it's normaly "
	    "0 then just one NMI will often mark some hardware failure.");
	s = parse_fixture(
	    "proc-2.4/uptime", host_kernel_parse_uptime, &b, "uptime");
	check_value(s, "uptime", 13.36);
	batch_cleanup(&b);

	memset(&b, 0, sizeof(b));
	s = parse_fixture("proc-2.6.18/interrupts", host_kernel_parse_irqstats,
	    &b, "irqstats");
	check_value(s, "i50", 185632.0 + 32587120.0);
	check_attr(s, "i50", "label", "ehci_hcd:usb1, uhci_hcd:usb2");
	/* over 47 bytes: the IRQ, the info keeps the whole text */
	check_attr(s, "i169", "label", "169");
	check_attr(s, "i169", "info",
	    "Interrupt 169, for device(s): "
	    "megaraid_sas_controller_0000:04:00.0_primary_port");
	check_value(s, "iLOC", 329441203.0 + 329441175 + 329441107 + 329441050);
	check_attr(s, "iLOC", "info",
	    "Local (pr. CPU core) APIC timer interrupt.  Until 2.6.21 normaly "
	    "250 or 1000 pr second. On modern 'tickless' kernels it more or "
	    "less reflects how busy the machine is.");
	s = parse_fixture(
	    "proc-2.6.18/uptime", host_kernel_parse_uptime, &b, "uptime");
	check_value(s, "uptime", 1);
	batch_cleanup(&b);
}

static void
test_other_architectures(void **state)
{
	struct batch b = {0};
	struct service *s;

	(void)state;
	s = parse_fixture("proc-arm64/interrupts", host_kernel_parse_irqstats,
	    &b, "irqstats");
	/* the hwirq: dropped when it is the IRQ, else appended */
	check_attr(s, "i3", "label", "sbsa-gwdt");
	check_attr(s, "i11", "label", "arch_timer [27]");
	check_attr(s, "i18", "label", "nvme0q0 [16384]");
	check_attr(s, "iIPI3", "label", "CPU stop (for crash dump) interrupts");
	check_attr(s, "iErr", "label", "Err");
	batch_cleanup(&b);

	memset(&b, 0, sizeof(b));
	s = parse_fixture(
	    "proc-ppc/interrupts", host_kernel_parse_irqstats, &b, "irqstats");
	check_attr(s, "i16", "label", "mac-io");
	check_attr(s, "i47", "label", "ohci_hcd:usb1");
	check_attr(s, "i251", "label", "ipi call function");
	/* one column on a two-CPU box */
	check_value(s, "iBAD", 3);
	batch_cleanup(&b);

	memset(&b, 0, sizeof(b));
	s = parse_fixture("proc-x86-smp/interrupts", host_kernel_parse_irqstats,
	    &b, "irqstats");
	assert_int_equal(s->nfields, 37);
	/* 47 bytes are shown, 48 are not */
	check_attr(s, "i34", "label",
	    "2097154-edge      megasas0-msix1-twenty-nine-ch");
	check_attr(s, "i35", "label", "35");
	check_value(s, "iMCP", 97 * 8);
	check_attr(s, "i16", "label", "16-fasteoi   ehci_hcd:usb1, i801_smbus");
	check_attr(s, "i33", "label", "33");
	check_attr(s, "iPIW", "label", "Posted-interrupt wakeup event");
	batch_cleanup(&b);
}

/* The plugin's Perl, line by line. */
static void
test_irqstats_edge_cases(void **state)
{
	static const struct {
		const char *text, *field, *label, *info;
		double count;
	} cases[] = {
	    /* a label of "0" is false in Perl: the IRQ, no info */
	    {"CPU0 CPU1\n 7: 1 2 chip 0\n", "i7", "7", NULL, 3},
	    /* no type or label: one count is taken for each */
	    {"CPU0 CPU1\n 7: 1 2\n", "i7", "7", NULL, 1},
	    /* a numbered line's last field is the rest of the line, less
	     * the trailing blanks Munin's master strips */
	    {"CPU0\n 9: 5 chip a  b  \n", "i9", "a  b",
		"Interrupt 9, for device(s): a  b", 5},
	    /* named: the words after the counts, joined by one blank */
	    {"CPU0 CPU1\nXYZ: 1 2 some   odd\tthing\n", "iXYZ",
		"some odd\tthing",
		"Interrupt XYZ, for device(s): some odd\tthing", 3},
	    {"CPU0\nnmi_x: 4\n", "inmi_x", "nmi_x",
		"Nonmaskable interrupt. "
		"Either 0 or quite high. If it's normaly 0 then just one NMI "
		"will often mark some hardware failure.",
		4},
	    /* counts count their leading digits, as Perl numifies */
	    {"CPU0 CPU1\n 3: 12ab x7 chip dev\n", "i3", "dev",
		"Interrupt 3, for device(s): dev", 12},
	    /* Edge and Level go, as in the plugin */
	    {"CPU0\n 4: 1 chip Edge   dev\n", "i4", "dev",
		"Interrupt 4, for device(s): dev", 1},
	    {"CPU0\n 5: 1 chip 05 dev\n", "i5", "dev [05]",
		"Interrupt 5, for device(s): dev [05]", 1},
	    {"CPU0\n 6: 1 XMPIC 2 Level dev\n", "i6", "dev",
		"Interrupt 6, for device(s): dev", 1},
	    /* field names cleaned as Munin's master does */
	    {"CPU0\nA-B: 1 x\n", "iA_B", "x", "Interrupt A-B, for device(s): x",
		1},
	    /* no header line after all: its words are the CPUs, so the
	     * next line ends before the limit, its label is the empty
	     * field the newline leaves, and "chip" counts 0 */
	    {" 0: 1 2 chip dev\n 1: 3 4 5 chip dev\n", "i1", "1", NULL,
		3 + 4 + 5},
	};
	struct batch b;
	struct service *s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&b, 0, sizeof(b));
		if (parse_exact(
			host_kernel_parse_irqstats, cases[i].text, &b) != 0)
			fail_msg("rejected \"%s\"", cases[i].text);
		s = batch_service(&b, "irqstats", false);
		assert_non_null(s);
		check_attr(s, cases[i].field, "label", cases[i].label);
		check_attr(s, cases[i].field, "info", cases[i].info);
		check_value(s, cases[i].field, cases[i].count);
		batch_cleanup(&b);
	}

	/* a header and nothing else: no service */
	memset(&b, 0, sizeof(b));
	assert_int_equal(
	    parse_exact(host_kernel_parse_irqstats, "  CPU0  CPU1\n", &b), 0);
	assert_int_equal(b.n, 0);
}

static void
test_uptime_rounding(void **state)
{
	static const struct {
		const char *text;
		double days;
	} cases[] = {
	    {"0.00 0.00\n", 0},
	    {"431.99 1.00\n", 0},
	    {"432.00 1.00\n", 0.01}, /* 0.005 as a double is above it */
	    {"86399.99\n", 1},
	    {"863999 5\n", 10},
	    {"1234567\n", 14.29},
	};
	struct batch b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&b, 0, sizeof(b));
		assert_int_equal(
		    parse_exact(host_kernel_parse_uptime, cases[i].text, &b),
		    0);
		check_value(batch_service(&b, "uptime", false), "uptime",
		    cases[i].days);
		batch_cleanup(&b);
	}
}

/* Lines missing from /proc/stat: fields without values, or no service. */
static void
test_missing_lines(void **state)
{
	struct batch b = {0};
	struct service *s;

	(void)state;
	assert_int_equal(
	    parse_exact(host_kernel_parse_interrupts, "intr 5 1 2\n", &b), 0);
	s = batch_service(&b, "interrupts", false);
	assert_non_null(s);
	check_value(s, "intr", 5);
	assert_false(get_field(s, "ctx")->has_value);
	check_attr(s, "ctx", "label", "context switches");
	assert_int_equal(
	    parse_exact(host_kernel_parse_forks, "cpu 1 2 3 4\n", &b), 0);
	assert_null(batch_service(&b, "forks", false));
	/* the first word must be the key, as for awk's $1 == "intr" */
	assert_int_equal(
	    parse_exact(host_kernel_parse_vmstat, "xprocs_running 3\n", &b), 0);
	assert_null(batch_service(&b, "vmstat", false));
	batch_cleanup(&b);

	memset(&b, 0, sizeof(b));
	assert_int_equal(
	    host_kernel_parse_swap("pgpgin 1\npswpout 7\n", 20, NULL, 0, &b),
	    0);
	s = batch_service(&b, "swap", false);
	assert_false(get_field(s, "swap_in")->has_value);
	check_value(s, "swap_out", 7);
	batch_cleanup(&b);
}

static void
test_malformed_rejected(void **state)
{
	static const struct {
		parse_fn parse;
		const char *text;
	} bad[] = {
	    {host_kernel_parse_forks, "processes abc\n"},
	    {host_kernel_parse_forks, "processes\n"},
	    {host_kernel_parse_forks, "processes -3\n"},
	    {host_kernel_parse_forks, "processes 99999999999999999999999\n"},
	    {host_kernel_parse_interrupts, "intr 1\nctxt 2x\n"},
	    {host_kernel_parse_vmstat, "procs_running 1.5\n"},
	    {host_kernel_parse_irqstats, ""},
	    {host_kernel_parse_irqstats, "\n 0: 1 chip dev\n"},
	    {host_kernel_parse_irqstats,
		"CPU0\n 0: 99999999999999999999999 chip dev\n"},
	    {host_kernel_parse_irqstats,
		"CPU0 CPU1\n 0: 18446744073709551615 1 chip dev\n"},
	    {host_kernel_parse_entropy, ""},
	    {host_kernel_parse_entropy, "abc\n"},
	    {host_kernel_parse_entropy, "-1\n"},
	    {host_kernel_parse_entropy, "12 34\n"},
	    {host_kernel_parse_uptime, ""},
	    {host_kernel_parse_uptime, "abc 1\n"},
	    {host_kernel_parse_uptime, "-5.00 1\n"},
	    {host_kernel_parse_uptime, "1.2.3 1\n"},
	    {host_kernel_parse_uptime, "12. 1\n"},
	    {host_kernel_parse_uptime, ".5 1\n"},
	    {host_kernel_parse_uptime, "1e9 1\n"},
	    {host_kernel_parse_uptime, "123456789012345678901234567890123\n"},
	};
	struct batch b;
	size_t i, n;
	char *buf;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&b, 0, sizeof(b));
		if (parse_exact(bad[i].parse, bad[i].text, &b) != -1)
			fail_msg("accepted \"%s\"", bad[i].text);
		assert_int_equal(b.n, 0);
	}
	/* swap: either file */
	memset(&b, 0, sizeof(b));
	assert_int_equal(
	    host_kernel_parse_swap("pswpin x\n", 9, NULL, 0, &b), -1);
	assert_int_equal(
	    host_kernel_parse_swap(NULL, 0, "swap 1\n", 7, &b), -1);
	assert_int_equal(b.n, 0);
	/* NUL and binary bytes in a file are not a crash */
	n = 64;
	buf = malloc(n);
	assert_non_null(buf);
	for (i = 0; i < n; i++)
		buf[i] = (char)(i * 37);
	host_kernel_parse_irqstats(buf, n, &b);
	host_kernel_parse_forks(buf, n, &b);
	host_kernel_parse_uptime(buf, n, &b);
	free(buf);
	batch_cleanup(&b);
}

/* One fixture and its parser, for the prefix test; swap's files go
 * through wrappers. */
static int
swap_vmstat(const char *buf, size_t len, struct batch *b)
{
	return host_kernel_parse_swap(buf, len, NULL, 0, b);
}

static int
swap_stat(const char *buf, size_t len, struct batch *b)
{
	return host_kernel_parse_swap(NULL, 0, buf, len, b);
}

/*
 * Every prefix of every fixture, ending at an inaccessible page: no read
 * past len (that faults), and the contract of host_kernel.h holds for
 * whatever the cut leaves: -1 leaves b empty; 0 adds at most the parser's
 * service, configured.  The end of the buffer ends the last line: the
 * same bytes with a newline after them parse the same.
 */
static void
test_prefixes_stay_in_bounds(void **state)
{
	static const struct {
		const char *rel;
		parse_fn parse;
		const char *service;
	} files[] = {
	    {"proc/vmstat", swap_vmstat, "swap"},
	    {"proc-2.6.18/vmstat", swap_vmstat, "swap"},
	    {"proc-2.4/stat", swap_stat, "swap"},
	    {"proc/stat", host_kernel_parse_vmstat, "vmstat"},
	    {"proc/stat", host_kernel_parse_forks, "forks"},
	    {"proc-2.4/stat", host_kernel_parse_interrupts, "interrupts"},
	    {"proc/interrupts", host_kernel_parse_irqstats, "irqstats"},
	    {"proc-2.4/interrupts", host_kernel_parse_irqstats, "irqstats"},
	    {"proc-2.6.18/interrupts", host_kernel_parse_irqstats, "irqstats"},
	    {"proc-arm64/interrupts", host_kernel_parse_irqstats, "irqstats"},
	    {"proc-ppc/interrupts", host_kernel_parse_irqstats, "irqstats"},
	    {"proc/sys/kernel/random/entropy_avail", host_kernel_parse_entropy,
		"entropy"},
	    {"proc/uptime", host_kernel_parse_uptime, "uptime"},
	};
	struct batch b, bnl;
	struct guard g;
	size_t i, n, len, accepted;
	int rc, rcnl;
	char *text;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		text = fixture_read(files[i].rel, &len);
		guard_init(&g, len + 1);
		accepted = 0;
		for (n = 0; n <= len; n++) {
			memset(&b, 0, sizeof(b));
			memset(&bnl, 0, sizeof(bnl));
			rc = files[i].parse(guard_copy(&g, text, n, ""), n, &b);
			rcnl = files[i].parse(
			    guard_copy(&g, text, n, "\n"), n + 1, &bnl);
			if (rc != -1 && rc != 0)
				fail_msg("%s[0..%zu): returned %d",
				    files[i].rel, n, rc);
			if (rc == -1 && b.n != 0)
				fail_msg("%s[0..%zu): -1 but %zu services",
				    files[i].rel, n, b.n);
			if (rc == 0 && b.n > 0) {
				accepted++;
				assert_int_equal(b.n, 1);
				assert_string_equal(
				    b.services[0].name, files[i].service);
				assert_true(b.services[0].has_config);
				assert_true(b.services[0].nfields > 0);
			}
			if (rc != rcnl || !same_batch(&b, &bnl))
				fail_msg("%s[0..%zu): %d, with a newline "
					 "after it %d or other values",
				    files[i].rel, n, rc, rcnl);
			batch_cleanup(&b);
			batch_cleanup(&bnl);
		}
		if (accepted == 0)
			fail_msg("%s: no prefix accepted", files[i].rel);
		guard_cleanup(&g);
		free(text);
	}
}

/* The probes through the table, over the /proc at dir. */
static int
collect(const char *dir, struct batch *b)
{
	static const char *const names[] = {"swap", "vmstat", "forks",
	    "interrupts", "irqstats", "entropy", "uptime"};
	struct host_roots r = {.proc = dir, .sys = "/nonexistent"};
	const struct host_probe *p;
	void *st = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		p = host_probe_find(names[i]);
		assert_non_null(p);
		if (p->collect(&r, &st, b) == -1)
			rc = -1;
		assert_null(st);
	}
	return rc;
}

static void
test_collect_fixture_dirs(void **state)
{
	struct batch b = {0};

	(void)state;
	assert_int_equal(collect(FIXTURES "/proc", &b), 0);
	assert_int_equal(b.n, 7);
	batch_cleanup(&b);

	/* 2.4: swap from stat, no vmstat */
	memset(&b, 0, sizeof(b));
	assert_int_equal(collect(FIXTURES "/proc-2.4", &b), 0);
	check_value(batch_service(&b, "swap", false), "swap_in", 1);
	assert_null(batch_service(&b, "vmstat", false));
	assert_non_null(batch_service(&b, "irqstats", false));
	assert_non_null(batch_service(&b, "entropy", false));
	batch_cleanup(&b);

	/* only /proc/interrupts: the rest are missing, not errors */
	memset(&b, 0, sizeof(b));
	assert_int_equal(collect(FIXTURES "/proc-arm64", &b), 0);
	assert_int_equal(b.n, 1);
	batch_cleanup(&b);
}

static void
test_collect_bad_file_fails(void **state)
{
	char dir[] = "/tmp/test_host_kernel.XXXXXX", path[64];
	struct batch b = {0};
	FILE *fp, *log;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/uptime", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("garbage\n", fp);
	fclose(fp);
	log = tmpfile();
	assert_non_null(log);
	log_set_stream(log);
	assert_int_equal(collect(dir, &b), -1);
	log_set_stream(NULL);
	fclose(log);
	assert_int_equal(b.n, 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_current_kernel),
	    cmocka_unit_test(test_older_kernels),
	    cmocka_unit_test(test_other_architectures),
	    cmocka_unit_test(test_irqstats_edge_cases),
	    cmocka_unit_test(test_uptime_rounding),
	    cmocka_unit_test(test_missing_lines),
	    cmocka_unit_test(test_malformed_rejected),
	    cmocka_unit_test(test_prefixes_stay_in_bounds),
	    cmocka_unit_test(test_collect_fixture_dirs),
	    cmocka_unit_test(test_collect_bad_file_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
