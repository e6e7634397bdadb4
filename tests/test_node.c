/*
 * Tests for node: the cpu, load and memory parsers on /proc files captured
 * from a 6.x kernel (tests/fixtures/proc), hand-made 2.6.18 and 2.4 ones,
 * and malformed input; every buffer is malloc'd to its exact size so that
 * ASan sees a read past len, and the prefix test puts each buffer right
 * before an inaccessible page, so that a read past len faults in any build.
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "lib/log.h"
#include "plugins/host.h"
#include "plugins/node.h"
#include "tests/batch_guard.h"
#include "tests/fixture.h"

/* s's field name holds value (exactly: every value here is an integer or
 * a short decimal the parser must reproduce). */
static void
check_value(const struct service *s, const char *name, double want)
{
	const struct field *f;
	size_t i;

	for (i = 0; i < s->nfields; i++)
		if (strcmp(s->fields[i].name, name) == 0)
			break;
	if (i == s->nfields)
		fail_msg("%s: no field %s", s->name, name);
	f = &s->fields[i];
	assert_true(f->has_value);
	assert_false(f->unknown);
	if (fabs(f->value - want) > 1e-9 * fmax(1.0, fabs(want)))
		fail_msg(
		    "%s.%s = %.17g, want %.17g", s->name, name, f->value, want);
}

static void
check_attr(const struct service *s, const char *field, const char *key,
    const char *want)
{
	struct service *ms = (struct service *)s;
	const struct field *f;
	const char *got;

	if (field == NULL) {
		got = attrs_get(&s->graph, key);
	} else {
		f = service_field(ms, field, false);
		if (f == NULL)
			fail_msg("%s: no field %s", s->name, field);
		got = attrs_get(&f->attrs, key);
	}
	if (got == NULL)
		fail_msg("%s: %s.%s missing", s->name, field ? field : "", key);
	assert_string_equal(got, want);
}

/* The field names of s, space-separated, in order. */
static const char *
field_names(const struct service *s)
{
	static char out[512];
	size_t i;

	out[0] = '\0';
	for (i = 0; i < s->nfields; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, s->fields[i].name);
	}
	return out;
}

/* Parses fixture rel with parse into b; returns the service name. */
static struct service *
parse_fixture(const char *rel,
    int (*parse)(const char *, size_t, struct batch *), struct batch *b,
    const char *name)
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

static void
test_stat_current_kernel(void **state)
{
	struct batch b = {0};
	struct service *s;

	(void)state;
	/* "cpu  4711 0 4920 213651 518 0 164 0 0 0", cpu0 and cpu1 */
	s = parse_fixture("proc/stat", node_parse_stat, &b, "cpu");
	assert_string_equal(field_names(s),
	    "system user nice idle iowait irq softirq steal guest");
	check_attr(s, NULL, "graph_title", "CPU usage");
	check_attr(
	    s, NULL, "graph_order", "system user nice idle iowait irq softirq");
	check_attr(s, NULL, "graph_args",
	    "--base 1000 -r --lower-limit 0 --upper-limit 200");
	check_attr(s, NULL, "graph_vlabel", "%");
	check_attr(s, NULL, "graph_scale", "no");
	check_attr(s, NULL, "graph_category", "system");
	check_attr(s, NULL, "graph_period", "second");
	check_attr(
	    s, NULL, "graph_info", "This graph shows how CPU time is spent.");
	assert_int_equal(s->graph.n, 8);
	check_attr(s, "system", "draw", "AREA");
	check_attr(s, "user", "draw", "STACK");
	check_attr(s, "user", "label", "user");
	check_attr(s, "user", "min", "0");
	check_attr(s, "user", "type", "DERIVE");
	check_attr(s, "softirq", "info",
	    "CPU time spent handling \"batched\" interrupts");
	assert_int_equal(s->fields[0].attrs.n, 5);
	assert_null(attrs_get(&s->fields[0].attrs, "cdef"));
	check_value(s, "user", 4711);
	check_value(s, "nice", 0);
	check_value(s, "system", 4920);
	check_value(s, "idle", 213651);
	check_value(s, "iowait", 518);
	check_value(s, "softirq", 164);
	check_value(s, "guest", 0);
	batch_cleanup(&b);
}

static void
test_stat_older_kernels(void **state)
{
	struct batch b = {0};
	struct service *s;

	(void)state;
	/* 2.6.18: steal but no guest column */
	s = parse_fixture("proc-2.6.18/stat", node_parse_stat, &b, "cpu");
	assert_string_equal(
	    field_names(s), "system user nice idle iowait irq softirq steal");
	check_value(s, "steal", 0);
	check_value(s, "idle", 22625563);
	batch_cleanup(&b);

	/* 2.4: four columns, one CPU */
	memset(&b, 0, sizeof(b));
	s = parse_fixture("proc-2.4/stat", node_parse_stat, &b, "cpu");
	assert_string_equal(field_names(s), "system user nice idle");
	check_attr(s, NULL, "graph_order", "system user nice idle");
	check_attr(s, NULL, "graph_args",
	    "--base 1000 -r --lower-limit 0 --upper-limit 100");
	check_value(s, "user", 1279636);
	check_value(s, "nice", 2);
	check_value(s, "system", 166357);
	batch_cleanup(&b);
}

static void
test_loadavg(void **state)
{
	struct batch b = {0};
	struct service *s;

	(void)state;
	/* "0.16 0.18 0.09 1/83 7926": the plugin shows the 5-minute one */
	s = parse_fixture("proc/loadavg", node_parse_loadavg, &b, "load");
	assert_string_equal(field_names(s), "load");
	check_value(s, "load", 0.18);
	check_attr(s, NULL, "graph_title", "Load average");
	check_attr(s, NULL, "graph_args", "--base 1000 -l 0");
	check_attr(s, NULL, "graph_vlabel", "load");
	check_attr(s, NULL, "graph_scale", "no");
	check_attr(s, NULL, "graph_category", "system");
	check_attr(s, "load", "label", "load");
	check_attr(s, "load", "info", "5 minute load average");
	assert_null(attrs_get(&s->fields[0].attrs, "warning"));
	batch_cleanup(&b);
}

static void
test_meminfo_current_kernel(void **state)
{
	struct batch b = {0};
	struct service *s;

	(void)state;
	s = parse_fixture("proc/meminfo", node_parse_meminfo, &b, "memory");
	assert_string_equal(field_names(s),
	    "apps buffers swap cached free shmem slab swap_cache page_tables "
	    "per_cpu vmalloc_used committed mapped active inactive");
	check_attr(s, NULL, "graph_args",
	    "--base 1024 -l 0 --upper-limit 25276026880");
	check_attr(s, NULL, "graph_order",
	    "apps page_tables per_cpu swap_cache slab shmem cached buffers "
	    "free swap");
	check_attr(s, NULL, "graph_vlabel", "Bytes");
	check_attr(s, "free", "label", "unused");
	check_attr(s, "cached", "label", "cache");
	check_attr(s, "slab", "label", "slab_cache");
	check_attr(s, "slab", "info",
	    "Memory used by the kernel (major users  are caches like inode, "
	    "dentry, etc).");
	check_attr(s, "per_cpu", "colour", "COLOUR20");
	check_attr(s, "vmalloc_used", "draw", "LINE2");
	/* MemTotal - MemFree - Buffers - Cached - Slab - PageTables - Percpu
	 * - SwapCached, kB to bytes */
	check_value(s, "apps",
	    (24683620.0 - 24317412 - 1540 - 220744 - 84216 - 1356 - 712 - 0) *
		1024);
	check_value(s, "free", 24317412.0 * 1024);
	check_value(s, "buffers", 1540.0 * 1024);
	check_value(s, "cached", (220744.0 - 8952) * 1024); /* - Shmem */
	check_value(s, "swap", 0);
	check_value(s, "shmem", 8952.0 * 1024);
	check_value(s, "committed", 53744.0 * 1024);
	check_value(s, "vmalloc_used", 14124.0 * 1024);
	check_value(s, "inactive", 126220.0 * 1024);
	batch_cleanup(&b);
}

static void
test_meminfo_older_kernels(void **state)
{
	struct batch b = {0};
	struct service *s;

	(void)state;
	/* 2.6.18: no Shmem, no Percpu, swap in use */
	s = parse_fixture(
	    "proc-2.6.18/meminfo", node_parse_meminfo, &b, "memory");
	assert_string_equal(field_names(s),
	    "apps buffers swap cached free slab swap_cache page_tables "
	    "vmalloc_used committed mapped active inactive");
	check_attr(s, NULL, "graph_order",
	    "apps page_tables swap_cache slab cached buffers free swap");
	check_value(s, "apps",
	    (4046496.0 - 2517388 - 201556 - 1010488 - 127028 - 6648) * 1024);
	check_value(s, "cached", 1010488.0 * 1024);
	check_value(s, "swap", (2096472.0 - 2095960) * 1024);
	batch_cleanup(&b);

	/* 2.4 rmap: Inactive is the sum of Inact_*; no Slab, no PageTables */
	memset(&b, 0, sizeof(b));
	s = parse_fixture("proc-2.4/meminfo", node_parse_meminfo, &b, "memory");
	assert_string_equal(field_names(s),
	    "apps buffers swap cached free swap_cache committed active "
	    "inactive inact_dirty inact_laundry inact_clean");
	check_attr(
	    s, NULL, "graph_order", "apps swap_cache cached buffers free swap");
	check_value(s, "inactive", (309584.0 + 16976 + 12200) * 1024);
	check_value(
	    s, "apps", (1031016.0 - 13548 - 98064 - 692320 - 2244) * 1024);
	check_value(s, "swap_cache", 2244.0 * 1024);
	batch_cleanup(&b);
}

/* Parses the n bytes of text from an exact-size heap copy. */
static int
parse_exact(int (*parse)(const char *, size_t, struct batch *),
    const char *text, size_t n, struct batch *b)
{
	char *buf;
	int rc;

	buf = malloc(n > 0 ? n : 1);
	assert_non_null(buf);
	memcpy(buf, text, n);
	rc = parse(buf, n, b);
	free(buf);
	return rc;
}

static void
test_malformed_rejected(void **state)
{
	static const struct {
		int (*parse)(const char *, size_t, struct batch *);
		const char *text;
	} bad[] = {
	    {node_parse_stat, ""},
	    {node_parse_stat, "intr 1 2 3\n"},
	    {node_parse_stat, "cpu  1 2 3\ncpu0 1 2 3 4\n"},
	    {node_parse_stat, "cpu 1 2 x 4\n"},
	    {node_parse_stat, "cpu0 1 2 3 4\n"},
	    {node_parse_stat, "cpu  99999999999999999999 0 0 0\n"},
	    {node_parse_loadavg, ""},
	    {node_parse_loadavg, "0.16"},
	    {node_parse_loadavg, "0.16 "},
	    {node_parse_loadavg, "0.16\n0.18 0.09\n"},
	    {node_parse_loadavg, "0.16 abc 0.09"},
	    {node_parse_loadavg, "0.16 1.2.3 0.09"},
	    {node_parse_loadavg, "0.16 -1 0.09"},
	    {node_parse_loadavg, "0.16 123456789012345678901234567890123 0"},
	    {node_parse_meminfo, ""},
	    {node_parse_meminfo, "MemFree: 12 kB\n"},
	    {node_parse_meminfo, "MemTotal: 12\n"},
	    {node_parse_meminfo, "MemTotal: 12 MB\n"},
	    {node_parse_meminfo, "MemTotal:99999999999999999 kB\n"},
	};
	struct batch b = {0};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_exact(bad[i].parse, bad[i].text, strlen(bad[i].text),
			&b) != -1)
			fail_msg("accepted \"%s\"", bad[i].text);
		assert_int_equal(b.n, 0);
	}
}

static void
test_edge_cases_accepted(void **state)
{
	struct batch b = {0};
	struct service *s;

	(void)state;
	/* no trailing newline; \w+ keys only, any-case "kb" */
	assert_int_equal(parse_exact(node_parse_meminfo,
			     "Active(anon): 5 kB\nMemTotal:\t10 KB", 34, &b),
	    0);
	s = batch_service(&b, "memory", false);
	assert_non_null(s);
	check_value(s, "apps", 10.0 * 1024);
	assert_null(service_field(s, "active", false));
	batch_cleanup(&b);

	memset(&b, 0, sizeof(b));
	assert_int_equal(parse_exact(node_parse_loadavg, "1.5 12 3", 8, &b), 0);
	check_value(batch_service(&b, "load", false), "load", 12);
	batch_cleanup(&b);
}

/*
 * Every prefix of every fixture, ending at an inaccessible page: no read
 * past len (that faults), and the contract of node.h holds for whatever
 * the cut leaves: -1 leaves b empty; 0 adds exactly the parser's service,
 * configured, with a value in every field.  The end of the buffer ends the
 * last line: the same bytes with a newline after them parse the same.
 */
static void
test_prefixes_stay_in_bounds(void **state)
{
	static const struct {
		const char *rel;
		int (*parse)(const char *, size_t, struct batch *);
		const char *service;
	} files[] = {
	    {"proc/stat", node_parse_stat, "cpu"},
	    {"proc/loadavg", node_parse_loadavg, "load"},
	    {"proc/meminfo", node_parse_meminfo, "memory"},
	    {"proc-2.6.18/stat", node_parse_stat, "cpu"},
	    {"proc-2.6.18/meminfo", node_parse_meminfo, "memory"},
	    {"proc-2.4/meminfo", node_parse_meminfo, "memory"},
	};
	struct batch b, bnl;
	struct guard g;
	size_t i, j, n, len, accepted;
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
			if (rc == 0) {
				accepted++;
				assert_int_equal(b.n, 1);
				assert_string_equal(
				    b.services[0].name, files[i].service);
				assert_true(b.services[0].has_config);
				assert_true(b.services[0].nfields > 0);
				for (j = 0; j < b.services[0].nfields; j++)
					assert_true(
					    b.services[0].fields[j].has_value);
			}
			if (rc != rcnl || !same_batch(&b, &bnl))
				fail_msg("%s[0..%zu): %d, with a newline "
					 "after it %d or other values",
				    files[i].rel, n, rc, rcnl);
			batch_cleanup(&b);
			batch_cleanup(&bnl);
		}
		/* the whole file, at least, is understood */
		if (accepted == 0)
			fail_msg("%s: no prefix accepted", files[i].rel);
		memset(&b, 0, sizeof(b));
		assert_int_equal(
		    files[i].parse(guard_copy(&g, text, len, ""), len, &b), 0);
		batch_cleanup(&b);
		guard_cleanup(&g);
		free(text);
	}
}

/* Every probe over the /proc at dir (and no /sys). */
static int
collect(const char *dir, struct batch *b)
{
	struct host_roots r = {.proc = dir, .sys = "/nonexistent"};
	void **states = calloc(host_nprobes, sizeof(*states));
	int rc;

	assert_non_null(states);
	rc = host_collect(&r, states, b);
	host_states_free(states);
	free(states);
	return rc;
}

static void
test_collect_fixture_dirs(void **state)
{
	struct batch b = {0};
	char *msgs = NULL;
	size_t msglen = 0;
	FILE *log;

	(void)state;
	assert_int_equal(collect(FIXTURES "/proc", &b), 0);
	assert_non_null(batch_service(&b, "cpu", false));
	assert_non_null(batch_service(&b, "load", false));
	assert_non_null(batch_service(&b, "memory", false));
	check_value(batch_service(&b, "cpu", false), "user", 4711);
	batch_cleanup(&b);

	/* proc-2.4 has no loadavg: skipped with a warning, not an error */
	log = open_memstream(&msgs, &msglen);
	assert_non_null(log);
	log_set_stream(log);
	memset(&b, 0, sizeof(b));
	assert_int_equal(collect(FIXTURES "/proc-2.4", &b), 0);
	log_set_stream(NULL);
	fclose(log);
	assert_non_null(batch_service(&b, "cpu", false));
	assert_non_null(batch_service(&b, "memory", false));
	assert_null(batch_service(&b, "load", false));
	assert_non_null(strstr(msgs, "node: "));
	assert_non_null(strstr(msgs, "proc-2.4/loadavg"));
	free(msgs);
	batch_cleanup(&b);
}

static void
test_collect_bad_file_fails(void **state)
{
	char dir[] = "/tmp/test_node.XXXXXX", path[64];
	struct batch b = {0};
	FILE *fp, *log;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/loadavg", dir);
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
	assert_null(batch_service(&b, "load", false));
	batch_cleanup(&b); /* the other probes' services */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* What a poll of the node source ended with. */
struct polled {
	int calls;
	enum source_status status;
	double cpu_user;
};

static void
on_polled(void *arg, struct source_result *res)
{
	struct polled *p = arg;
	const struct service *s = batch_service(&res->batch, "cpu", false);
	size_t i;

	p->calls++;
	p->status = res->status;
	for (i = 0; s != NULL && i < s->nfields; i++)
		if (strcmp(s->fields[i].name, "user") == 0)
			p->cpu_user = s->fields[i].value;
}

/*
 * The node source's poll on a loop: exactly one callback with every
 * probe's values, also when probes refresh first (their commands here
 * cannot start: the refresh ends from the loop and the collect follows);
 * a cancel after the end changes nothing; poll_once reads the same.
 */
static void
test_source_poll(void **state)
{
	const struct source_host h = {.name = "h",
	    .local = true,
	    .roots = {.proc = FIXTURES "/proc",
		.sys = "/nonexistent",
		.lvs_command = "/nonexistent/lvs",
		.xl_command = "/nonexistent/xl",
		.xentop_command = "/nonexistent/xentop",
		.command_timeout_ms = 2000}};
	struct polled p = {0};
	struct batch b = {0};
	char line[256];
	uv_loop_t loop;
	void *nt;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	nt = source_node.init(&loop, "h");
	assert_non_null(nt);
	source_node.poll(nt, &h, on_polled, &p);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.status, SOURCE_OK);
	assert_true(p.cpu_user == 4711);
	source_node.cancel(nt);
	assert_int_equal(p.calls, 1);
	/* a second poll on the same state */
	source_node.poll(nt, &h, on_polled, &p);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(p.calls, 2);
	source_node.close(nt);
	assert_int_equal(uv_loop_close(&loop), 0);

	assert_int_equal(source_node.poll_once(&h, &b, line, sizeof(line)), 0);
	assert_non_null(batch_service(&b, "cpu", false));
	assert_non_null(strstr(line, "# h: built-in node source"));
	batch_cleanup(&b);
}

/* What a poll of the node source ended with, and when (loop ms). */
struct polled_at {
	uv_loop_t *loop;
	int calls;
	enum source_status status;
	uint64_t end_ms;
};

static void
on_polled_at(void *arg, struct source_result *res)
{
	struct polled_at *p = arg;

	p->calls++;
	p->status = res->status;
	uv_update_time(p->loop);
	p->end_ms = uv_now(p->loop);
}

/*
 * A probe command that outlives the host's poll timeout (an lvs stuck on
 * a dead PV) does not hold the poll past that timeout, although
 * probe_command_timeout is longer: the poll ends by h->timeout with the
 * other probes' values.
 */
static void
test_source_poll_ends_by_its_timeout(void **state)
{
	char dir[] = "/tmp/test_node.XXXXXX", lvs[64];
	struct source_host h = {.name = "h",
	    .local = true,
	    .timeout = 1,
	    .roots = {.proc = FIXTURES "/proc",
		.sys = "/nonexistent",
		.lvm_archive_dir = "/nonexistent",
		.lvm_backup_dir = "/nonexistent",
		.xl_command = "/nonexistent/xl",
		.xentop_command = "/nonexistent/xentop",
		.command_timeout_ms = 20000}};
	struct polled_at p = {0};
	uv_loop_t loop;
	uint64_t t0;
	FILE *fp, *log;
	void *nt;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(lvs, sizeof(lvs), "%s/lvs", dir);
	fp = fopen(lvs, "w");
	assert_non_null(fp);
	fputs("#!/bin/sh\nexec sleep 20\n", fp);
	fclose(fp);
	assert_int_equal(chmod(lvs, 0755), 0);
	h.roots.lvs_command = lvs;
	log = tmpfile();
	assert_non_null(log);
	log_set_stream(log);
	assert_int_equal(uv_loop_init(&loop), 0);
	p.loop = &loop;
	nt = source_node.init(&loop, "h");
	assert_non_null(nt);
	uv_update_time(&loop);
	t0 = uv_now(&loop);
	source_node.poll(nt, &h, on_polled_at, &p);
	uv_run(&loop, UV_RUN_DEFAULT);
	log_set_stream(NULL);
	fclose(log);
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.status, SOURCE_OK);
	assert_true(p.end_ms - t0 <= 1000);
	source_node.close(nt);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_int_equal(unlink(lvs), 0);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * A cancel while the probes' commands run (the poller stopping) ends the
 * poll at once, failed, exactly once; the killed command is reaped and
 * the target closes cleanly.
 */
static void
test_source_cancel_during_refresh(void **state)
{
	char dir[] = "/tmp/test_node.XXXXXX", lvs[64];
	struct source_host h = {.name = "h",
	    .local = true,
	    .roots = {.proc = FIXTURES "/proc",
		.sys = "/nonexistent",
		.lvm_archive_dir = "/nonexistent",
		.lvm_backup_dir = "/nonexistent",
		.xl_command = "/nonexistent/xl",
		.xentop_command = "/nonexistent/xentop",
		.command_timeout_ms = 20000}};
	struct polled_at p = {0};
	uv_loop_t loop;
	uint64_t t0;
	FILE *fp, *log;
	void *nt;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(lvs, sizeof(lvs), "%s/lvs", dir);
	fp = fopen(lvs, "w");
	assert_non_null(fp);
	fputs("#!/bin/sh\nexec sleep 20\n", fp);
	fclose(fp);
	assert_int_equal(chmod(lvs, 0755), 0);
	h.roots.lvs_command = lvs;
	log = tmpfile();
	assert_non_null(log);
	log_set_stream(log);
	assert_int_equal(uv_loop_init(&loop), 0);
	p.loop = &loop;
	nt = source_node.init(&loop, "h");
	assert_non_null(nt);
	uv_update_time(&loop);
	t0 = uv_now(&loop);
	source_node.poll(nt, &h, on_polled_at, &p);
	assert_int_equal(p.calls, 0); /* waiting for lvs */
	source_node.cancel(nt);
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.status, SOURCE_FAILED);
	source_node.cancel(nt); /* nothing runs: nothing happens */
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(p.calls, 1);
	uv_update_time(&loop);
	/* SIGTERM ended the sleep: no wait for its 20 s */
	assert_true(uv_now(&loop) - t0 < 10000);
	source_node.close(nt);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	log_set_stream(NULL);
	fclose(log);
	assert_int_equal(unlink(lvs), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* A poll's callback that starts the next poll of the same target. */
struct repoll {
	void *nt;
	const struct source_host *h;
	int calls;
	enum source_status status[2];
	double cpu_user[2];
};

static void
on_repolled(void *arg, struct source_result *res)
{
	struct repoll *rp = arg;
	const struct service *s = batch_service(&res->batch, "cpu", false);
	size_t i;

	if (rp->calls < 2) {
		rp->status[rp->calls] = res->status;
		for (i = 0; s != NULL && i < s->nfields; i++)
			if (strcmp(s->fields[i].name, "user") == 0)
				rp->cpu_user[rp->calls] = s->fields[i].value;
	}
	if (++rp->calls == 1)
		source_node.poll(rp->nt, rp->h, on_repolled, rp);
}

/* The next poll started from within a poll's callback (after a refresh)
 * keeps its own roots: both end with every probe's values. */
static void
test_source_poll_from_callback(void **state)
{
	const struct source_host h = {.name = "h",
	    .local = true,
	    .roots = {.proc = FIXTURES "/proc",
		.sys = "/nonexistent",
		.lvs_command = "/nonexistent/lvs",
		.xl_command = "/nonexistent/xl",
		.xentop_command = "/nonexistent/xentop",
		.command_timeout_ms = 2000}};
	struct repoll rp = {.h = &h};
	uv_loop_t loop;
	FILE *log;

	(void)state;
	log = tmpfile();
	assert_non_null(log);
	log_set_stream(log);
	assert_int_equal(uv_loop_init(&loop), 0);
	rp.nt = source_node.init(&loop, "h");
	assert_non_null(rp.nt);
	source_node.poll(rp.nt, &h, on_repolled, &rp);
	uv_run(&loop, UV_RUN_DEFAULT);
	log_set_stream(NULL);
	fclose(log);
	assert_int_equal(rp.calls, 2);
	assert_int_equal(rp.status[0], SOURCE_OK);
	assert_int_equal(rp.status[1], SOURCE_OK);
	assert_true(rp.cpu_user[1] == 4711);
	source_node.close(rp.nt);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stat_current_kernel),
	    cmocka_unit_test(test_stat_older_kernels),
	    cmocka_unit_test(test_loadavg),
	    cmocka_unit_test(test_meminfo_current_kernel),
	    cmocka_unit_test(test_meminfo_older_kernels),
	    cmocka_unit_test(test_malformed_rejected),
	    cmocka_unit_test(test_edge_cases_accepted),
	    cmocka_unit_test(test_prefixes_stay_in_bounds),
	    cmocka_unit_test(test_collect_fixture_dirs),
	    cmocka_unit_test(test_collect_bad_file_fails),
	    cmocka_unit_test(test_source_poll),
	    cmocka_unit_test(test_source_poll_ends_by_its_timeout),
	    cmocka_unit_test(test_source_poll_from_callback),
	    cmocka_unit_test(test_source_cancel_during_refresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
