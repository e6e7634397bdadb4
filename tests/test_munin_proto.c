/*
 * Tests for munin_proto: replies captured from a real munin-node 2.0.73
 * (tests/fixtures/munin/{config,fetch}_NAME.txt, recorded by
 * tests/lib/record_munin_sessions.sh) and hand-written error answers
 * (hand_NAME.txt).  Every buffer handed to a parser is malloc'd to exactly
 * its length, so ASan catches any over-read; the prefix test puts each
 * buffer right before an inaccessible page, so that an over-read faults in
 * any build.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <math.h>
#include <unistd.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "plugins/munin_proto.h"
#include "tests/batch_guard.h"

#define MUNIN_FIXTURES FIXTURES "/munin"

/* The whole fixture in an exactly sized heap buffer; *len its size. */
static char *
load(const char *name, size_t *len)
{
	char path[512];
	FILE *fp;
	char *buf;
	long sz;

	snprintf(path, sizeof(path), "%s/%s", MUNIN_FIXTURES, name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	sz = ftell(fp);
	assert_true(sz >= 0);
	rewind(fp);
	buf = malloc(sz > 0 ? (size_t)sz : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)sz, fp), (size_t)sz);
	fclose(fp);
	*len = (size_t)sz;
	return buf;
}

/* A single-line reply as a C string, without its line end. */
static char *
load_line(const char *name)
{
	size_t len;
	char *buf = load(name, &len), *s;

	s = malloc(len + 1);
	assert_non_null(s);
	memcpy(s, buf, len);
	s[strcspn(s, "\n")] = '\0';
	s[len] = '\0';
	free(buf);
	return s;
}

static bool
near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(a) + fabs(b) + 1);
}

static enum mproto_status
parse_fixture(const char *name, const char *plugin, struct batch *b,
    struct mproto_stats *st)
{
	enum mproto_status s;
	size_t len;
	char *buf = load(name, &len);

	if (strncmp(name, "config", 6) == 0 ||
	    strncmp(name, "hand_config", 11) == 0)
		s = mproto_parse_config(buf, len, plugin, b, st);
	else
		s = mproto_parse_fetch(buf, len, plugin, b, st);
	free(buf);
	return s;
}

/* The value of "NAME.value V" in the fixture text, read independently. */
static double
fixture_value(const char *fixture, const char *field)
{
	char key[128], *text, *p;
	size_t len;
	double v;

	text = load(fixture, &len);
	p = realloc(text, len + 1);
	assert_non_null(p);
	p[len] = '\0';
	snprintf(key, sizeof(key), "%s.value ", field);
	text = strstr(p, key);
	assert_non_null(text);
	v = strtod(text + strlen(key), NULL);
	free(p);
	return v;
}

/* ---- single-line replies ---------------------------------------------- */

static void
test_banner(void **state)
{
	char name[64], small[4];
	char *line = load_line("banner.txt");

	(void)state;
	assert_int_equal(mproto_parse_banner(line, name, sizeof(name)), 0);
	assert_string_equal(name, "fixture.test");
	assert_int_equal(mproto_parse_banner(line, small, sizeof(small)), -1);
	assert_int_equal(mproto_parse_banner(
			     "# munin node at host.x \r", name, sizeof(name)),
	    0);
	assert_string_equal(name, "host.x");
	assert_int_equal(
	    mproto_parse_banner("# munin node at ", name, sizeof(name)), -1);
	assert_int_equal(
	    mproto_parse_banner("# munin node on x", name, sizeof(name)), -1);
	assert_int_equal(mproto_parse_banner("", name, sizeof(name)), -1);
	free(line);
}

static void
test_cap(void **state)
{
	char *line = load_line("cap.txt");

	(void)state;
	assert_int_equal(mproto_parse_cap(line),
	    MPROTO_CAP_MULTIGRAPH | MPROTO_CAP_DIRTYCONFIG);
	assert_int_equal(
	    mproto_parse_cap("cap multigraph spool\r"), MPROTO_CAP_MULTIGRAPH);
	assert_int_equal(
	    mproto_parse_cap("cap  dirtyconfig"), MPROTO_CAP_DIRTYCONFIG);
	assert_int_equal(mproto_parse_cap("cap"), 0);
	assert_int_equal(mproto_parse_cap("cap multigraphs dirty"), 0);
	assert_int_equal(mproto_parse_cap("capmultigraph"), 0);
	assert_int_equal(
	    mproto_parse_cap("# Unknown command. Try cap, list"), 0);
	free(line);
}

static void
test_list(void **state)
{
	struct strlist l = {0}, m = {0};
	char *line = load_line("list.txt");
	size_t i;

	(void)state;
	assert_int_equal(mproto_parse_list(line, &l), 0);
	assert_int_equal(l.n, 10);
	assert_true(strlist_contains(&l, "if_lo"));
	assert_true(strlist_contains(&l, "diskstats"));
	assert_false(strlist_contains(&l, "nosuchplugin"));
	/* the same set in another order (munin-node lists in hash order) */
	for (i = l.n; i > 0; i--)
		assert_int_equal(strlist_add(&m, l.v[i - 1]), 0);
	assert_true(strlist_equal(&l, &m));
	strlist_cleanup(&m);
	assert_int_equal(mproto_parse_list("cpu if_eth0.1  cpu load\r", &m), 0);
	assert_int_equal(m.n, 3); /* raw names, duplicate dropped */
	assert_string_equal(m.v[1], "if_eth0.1");
	assert_false(strlist_equal(&l, &m));
	strlist_cleanup(&m);
	assert_int_equal(mproto_parse_list("", &m), 0);
	assert_int_equal(m.n, 0);
	assert_int_equal(mproto_parse_list("# Unknown command", &m), -1);
	assert_int_equal(m.n, 0);
	strlist_cleanup(&l);
	free(line);
}

static void
test_list_long_name_skipped(void **state)
{
	struct strlist l = {0};
	char line[600];

	(void)state;
	memset(line, 'x', sizeof(line));
	memcpy(line, "cpu ", 4);
	memcpy(line + sizeof(line) - 5, " df", 4);
	assert_int_equal(mproto_parse_list(line, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "cpu");
	assert_string_equal(l.v[1], "df");
	strlist_cleanup(&l);
}

/* mproto_list_same agrees with parsing the line and comparing in order. */
static void
test_list_same(void **state)
{
	static const char *const lines[] = {"cpu if_eth0.1  cpu load\r",
	    "cpu if_eth0.1 load", "cpu  if_eth0.1\tload cpu load", "cpu load",
	    "cpu if_eth0.1 load df", "load cpu if_eth0.1", "cpu if_eth0 load",
	    "cpu if_eth0.1 loa", "cpu if_eth0.12 load", "",
	    "# cpu if_eth0.1 load", "cp if_eth0.1 load"};
	struct strlist l = {0}, m = {0};
	size_t i, j;
	bool same;

	(void)state;
	assert_int_equal(mproto_parse_list("cpu if_eth0.1 load", &l), 0);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		same = mproto_parse_list(lines[i], &m) == 0 && m.n == l.n;
		for (j = 0; same && j < l.n; j++)
			same = strcmp(m.v[j], l.v[j]) == 0;
		assert_int_equal(mproto_list_same(lines[i], &l), same);
		/* the first three are the list of "cpu if_eth0.1 load" */
		assert_int_equal(same, i < 3);
		strlist_cleanup(&m);
	}
	/* a name too long to keep is skipped by both */
	{
		char line[600];

		memset(line, 'x', sizeof(line));
		memcpy(line, "cpu ", 4);
		memcpy(line + sizeof(line) - 16, " if_eth0.1 load", 16);
		assert_true(mproto_list_same(line, &l));
	}
	strlist_cleanup(&l);
	assert_false(mproto_list_same("cpu", &l));
	assert_true(mproto_list_same("", &l));
}

static void
test_is_end(void **state)
{
	(void)state;
	assert_true(mproto_is_end("."));
	assert_true(mproto_is_end(".\n"));
	assert_true(mproto_is_end(".\r\n"));
	assert_true(mproto_is_end(".\r"));
	assert_false(mproto_is_end(".\n\n"));
	assert_false(mproto_is_end(".\r\r"));
	assert_false(mproto_is_end(""));
	assert_false(mproto_is_end(".."));
	assert_false(mproto_is_end(" ."));
	assert_false(mproto_is_end(".value 1"));
}

static void
test_status_str(void **state)
{
	(void)state;
	assert_string_equal(mproto_status_str(MPROTO_OK), "ok");
	assert_string_equal(mproto_status_str(MPROTO_TIMED_OUT), "timed out");
	assert_string_equal(mproto_status_str(MPROTO_NOMEM), "out of memory");
	assert_string_equal(
	    mproto_status_str((enum mproto_status)99), "invalid status");
}

/* ---- every fixture, and every prefix of it ------------------------------ */

static const struct {
	const char *file;
	enum mproto_status status;
} expected[] = {
    {"config_cpu.txt", MPROTO_OK},
    {"config_df.txt", MPROTO_OK},
    {"config_dirty.txt", MPROTO_OK},
    {"config_diskstats.txt", MPROTO_OK},
    {"config_failing.txt", MPROTO_OK},
    {"config_if_lo.txt", MPROTO_OK},
    {"config_load.txt", MPROTO_OK},
    {"config_memory.txt", MPROTO_OK},
    {"config_nosuchplugin.txt", MPROTO_UNKNOWN_SERVICE},
    {"config_odd.txt", MPROTO_OK},
    {"config_slow.txt", MPROTO_OK},
    {"fetch_cpu.txt", MPROTO_OK},
    {"fetch_df.txt", MPROTO_OK},
    {"fetch_dirty.txt", MPROTO_OK},
    {"fetch_diskstats.txt", MPROTO_OK},
    {"fetch_failing.txt", MPROTO_BAD_EXIT},
    {"fetch_if_lo.txt", MPROTO_OK},
    {"fetch_load.txt", MPROTO_OK},
    {"fetch_memory.txt", MPROTO_OK},
    {"fetch_nosuchplugin.txt", MPROTO_UNKNOWN_SERVICE},
    {"fetch_odd.txt", MPROTO_OK},
    {"fetch_slow.txt", MPROTO_TIMED_OUT},
    {"hand_config_bad_exit.txt", MPROTO_BAD_EXIT},
    {"hand_config_nested.txt", MPROTO_OK},
    {"hand_config_timed_out.txt", MPROTO_TIMED_OUT},
    {"hand_fetch_crlf.txt", MPROTO_OK},
    {"hand_fetch_empty.txt", MPROTO_EMPTY},
    {"hand_fetch_garbage.txt", MPROTO_OK},
    {"hand_fetch_nested.txt", MPROTO_OK},
    {"hand_fetch_overlong.txt", MPROTO_OK},
    {"hand_fetch_timeout_partial.txt", MPROTO_TIMED_OUT},
};

static void
test_every_fixture_listed(void **state)
{
	struct dirent *de;
	DIR *d;
	size_t i, seen = 0;

	(void)state;
	d = opendir(MUNIN_FIXTURES);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "config_", 7) != 0 &&
		    strncmp(de->d_name, "fetch_", 6) != 0 &&
		    strncmp(de->d_name, "hand_", 5) != 0)
			continue;
		for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
			if (strcmp(expected[i].file, de->d_name) == 0)
				break;
		if (i == sizeof(expected) / sizeof(expected[0]))
			fail_msg(
			    "fixture %s has no expected status", de->d_name);
		seen++;
	}
	closedir(d);
	assert_int_equal(seen, sizeof(expected) / sizeof(expected[0]));
}

static void
test_every_fixture_status(void **state)
{
	struct mproto_stats st;
	struct batch b;
	enum mproto_status s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		memset(&b, 0, sizeof(b));
		memset(&st, 0, sizeof(st));
		s = parse_fixture(expected[i].file, "plugin", &b, &st);
		if (s != expected[i].status)
			fail_msg("%s: %s, expected %s", expected[i].file,
			    mproto_status_str(s),
			    mproto_status_str(expected[i].status));
		/* real captures are clean */
		if (strncmp(expected[i].file, "hand_", 5) != 0)
			assert_int_equal(st.bad_lines, 0);
		batch_cleanup(&b);
	}
}

static enum mproto_status
parse_part(bool config, const char *buf, size_t len, struct batch *b,
    struct mproto_stats *st)
{
	memset(b, 0, sizeof(*b));
	memset(st, 0, sizeof(*st));
	if (config)
		return mproto_parse_config(buf, len, "p", b, st);
	return mproto_parse_fetch(buf, len, "p", b, st);
}

/*
 * Every prefix of every fixture, ending at an inaccessible page: no read
 * past len (that faults), and the header's framing holds for whatever the
 * cut leaves: the end of the buffer ends the last line, and the final "."
 * line is optional, so the prefix parses exactly as the same bytes with
 * "\n." (or "." after a line end) and a newline after them: same status,
 * line counts, services, attributes and values.  The whole reply has its
 * expected status.
 */
static void
test_every_prefix(void **state)
{
	struct mproto_stats st, st2;
	struct batch b, b2;
	struct guard g;
	enum mproto_status s, s2;
	size_t i, len, n;
	const char *tail;
	char *buf;
	bool config;

	(void)state;
	for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		buf = load(expected[i].file, &len);
		config = strstr(expected[i].file, "config") != NULL;
		guard_init(&g, len + 3);
		for (n = 0; n <= len; n++) {
			tail = n == 0 || buf[n - 1] == '\n' ? ".\n" : "\n.\n";
			s = parse_part(
			    config, guard_copy(&g, buf, n, ""), n, &b, &st);
			s2 = parse_part(config, guard_copy(&g, buf, n, tail),
			    n + strlen(tail), &b2, &st2);
			if (s != s2 || st.lines != st2.lines ||
			    st.bad_lines != st2.bad_lines ||
			    !same_batch(&b, &b2))
				fail_msg("%s[0..%zu): %s, %u lines, %u bad; "
					 "with the end line: %s, %u, %u or "
					 "other values",
				    expected[i].file, n, mproto_status_str(s),
				    st.lines, st.bad_lines,
				    mproto_status_str(s2), st2.lines,
				    st2.bad_lines);
			if (n == len && s != expected[i].status)
				fail_msg("%s: %s, expected %s",
				    expected[i].file, mproto_status_str(s),
				    mproto_status_str(expected[i].status));
			batch_cleanup(&b);
			batch_cleanup(&b2);
		}
		guard_cleanup(&g);
		free(buf);
	}
}

static void
test_cpu(void **state)
{
	struct mproto_stats st = {0};
	struct batch b = {0};
	struct service *s;
	struct field *f;
	const char *names[] = {"system", "user", "nice", "idle", "iowait",
	    "irq", "softirq", "steal", "guest"};
	size_t i;

	(void)state;
	assert_int_equal(
	    parse_fixture("config_cpu.txt", "cpu", &b, &st), MPROTO_OK);
	assert_int_equal(b.n, 1);
	s = batch_service(&b, "cpu", false);
	assert_non_null(s);
	assert_true(s->has_config);
	assert_string_equal(attrs_get(&s->graph, "graph_title"), "CPU usage");
	assert_string_equal(attrs_get(&s->graph, "graph_order"),
	    "system user nice idle iowait irq softirq");
	assert_string_equal(attrs_get(&s->graph, "graph_args"),
	    "--base 1000 -r --lower-limit 0 --upper-limit 200");
	assert_int_equal(s->nfields, 9);
	for (i = 0; i < 9; i++) {
		f = service_field(s, names[i], false);
		assert_non_null(f);
		assert_int_equal(field_type(f), DS_DERIVE);
		assert_string_equal(attrs_get(&f->attrs, "min"), "0");
		assert_false(f->has_value);
	}
	f = service_field(s, "user", false);
	assert_string_equal(attrs_get(&f->attrs, "draw"), "STACK");
	assert_string_equal(attrs_get(&f->attrs, "info"),
	    "CPU time spent by normal programs and daemons");
	assert_string_equal(
	    attrs_get(&service_field(s, "softirq", false)->attrs, "info"),
	    "CPU time spent handling \"batched\" interrupts");

	/* fetch into the same batch: config and values meet */
	assert_int_equal(
	    parse_fixture("fetch_cpu.txt", "cpu", &b, &st), MPROTO_OK);
	assert_int_equal(b.n, 1);
	assert_int_equal(batch_values(&b), 9);
	f = service_field(&b.services[0], "user", false);
	assert_true(f->has_value);
	assert_false(f->unknown);
	assert_int_equal(f->when, 0);
	assert_true(near(f->value, fixture_value("fetch_cpu.txt", "user")));
	assert_true(f->value > 0);
	assert_int_equal(st.bad_lines, 0);
	assert_int_equal(st.lines, 53 + 9); /* without the "." lines */
	batch_cleanup(&b);
}

static void
test_load(void **state)
{
	struct batch b = {0};
	struct service *s;
	struct field *f;

	(void)state;
	assert_int_equal(
	    parse_fixture("config_load.txt", "load", &b, NULL), MPROTO_OK);
	assert_int_equal(
	    parse_fixture("fetch_load.txt", "load", &b, NULL), MPROTO_OK);
	s = batch_service(&b, "load", false);
	assert_non_null(s);
	assert_string_equal(attrs_get(&s->graph, "graph_category"), "system");
	f = service_field(s, "load", false);
	assert_non_null(f);
	assert_string_equal(attrs_get(&f->attrs, "label"), "load");
	assert_true(f->has_value);
	assert_false(f->unknown);
	assert_true(f->value >= 0);
	assert_true(near(f->value, fixture_value("fetch_load.txt", "load")));
	batch_cleanup(&b);
}

static void
test_diskstats_multigraph(void **state)
{
	struct mproto_stats st = {0};
	struct batch b = {0};
	struct service *s;
	size_t i, children = 0, values;

	(void)state;
	assert_int_equal(
	    parse_fixture("config_diskstats.txt", "diskstats", &b, &st),
	    MPROTO_OK);
	/* a pure multigraph plugin: no service of its own */
	assert_null(batch_service(&b, "diskstats", false));
	s = batch_service(&b, "diskstats_latency", false);
	assert_non_null(s);
	assert_string_equal(
	    attrs_get(&s->graph, "graph_title"), "Disk latency per device");
	assert_non_null(batch_service(&b, "diskstats_iops", false));
	for (i = 0; i < b.n; i++) {
		s = &b.services[i];
		assert_true(s->has_config);
		assert_int_equal(strncmp(s->name, "diskstats_", 10), 0);
		assert_non_null(attrs_get(&s->graph, "graph_title"));
		if (strchr(s->name, '.') != NULL)
			children++;
	}
	assert_true(children >= 4); /* diskstats_latency.vda and friends */
	assert_non_null(strchr(b.services[b.n - 1].name, '.'));

	assert_int_equal(
	    parse_fixture("fetch_diskstats.txt", "diskstats", &b, &st),
	    MPROTO_OK);
	assert_null(batch_service(&b, "diskstats", false));
	values = batch_values(&b);
	assert_true(values >= 8);
	for (i = 0; i < b.n; i++)
		assert_true(b.services[i].has_config); /* no new services */
	assert_int_equal(st.bad_lines, 0);
	batch_cleanup(&b);
}

static void
test_if_lo(void **state)
{
	struct batch b = {0};
	struct service *s;
	struct field *down, *up;

	(void)state;
	assert_int_equal(
	    parse_fixture("config_if_lo.txt", "if_lo", &b, NULL), MPROTO_OK);
	assert_int_equal(
	    parse_fixture("fetch_if_lo.txt", "if_lo", &b, NULL), MPROTO_OK);
	assert_int_equal(b.n, 1);
	s = &b.services[0];
	assert_string_equal(s->name, "if_lo");
	assert_string_equal(attrs_get(&s->graph, "graph_order"), "down up");
	assert_string_equal(attrs_get(&s->graph, "graph_vlabel"),
	    "bits in (-) / out (+) per ${graph_period}");
	down = service_field(s, "down", false);
	up = service_field(s, "up", false);
	assert_non_null(down);
	assert_non_null(up);
	assert_string_equal(attrs_get(&up->attrs, "negative"), "down");
	assert_string_equal(attrs_get(&down->attrs, "cdef"), "down,8,*");
	assert_string_equal(attrs_get(&down->attrs, "graph"), "no");
	assert_int_equal(field_type(down), DS_DERIVE);
	assert_true(down->has_value && up->has_value);
	batch_cleanup(&b);
}

static void
test_memory_and_df(void **state)
{
	struct batch b = {0};
	size_t i;

	(void)state;
	assert_int_equal(
	    parse_fixture("config_memory.txt", "memory", &b, NULL), MPROTO_OK);
	assert_int_equal(
	    parse_fixture("fetch_memory.txt", "memory", &b, NULL), MPROTO_OK);
	assert_int_equal(
	    parse_fixture("config_df.txt", "df", &b, NULL), MPROTO_OK);
	assert_int_equal(
	    parse_fixture("fetch_df.txt", "df", &b, NULL), MPROTO_OK);
	assert_int_equal(b.n, 2);
	for (i = 0; i < b.n; i++) {
		assert_true(b.services[i].has_config);
		assert_true(b.services[i].nfields > 0);
		/* every fetched field was configured, with a label */
		assert_non_null(
		    attrs_get(&b.services[i].fields[0].attrs, "label"));
	}
	assert_non_null(service_field(&b.services[0], "apps", false));
	batch_cleanup(&b);
}

static void
test_dirtyconfig(void **state)
{
	struct mproto_stats st = {0};
	struct batch b = {0};
	struct service *s;
	struct field *a, *bf;

	(void)state;
	assert_int_equal(
	    parse_fixture("config_dirty.txt", "dirty", &b, &st), MPROTO_OK);
	s = batch_service(&b, "dirty", false);
	assert_non_null(s);
	/* Munin keeps the first of two graph_title lines */
	assert_string_equal(
	    attrs_get(&s->graph, "graph_title"), "Dirty config");
	a = service_field(s, "a", false);
	bf = service_field(s, "b", false);
	assert_true(a->has_value && !a->unknown);
	assert_true(near(a->value, 42));
	assert_int_equal(a->when, 0);
	assert_true(bf->has_value && !bf->unknown);
	assert_true(near(bf->value, 3.5));
	assert_int_equal(bf->when, 1700000000);
	assert_string_equal(attrs_get(&bf->attrs, "draw"), "LINE2");
	assert_int_equal(st.bad_lines, 0);
	batch_cleanup(&b);
}

static void
test_unknown_epoch_extinfo(void **state)
{
	struct batch b = {0};
	struct service *s;
	struct field *f;

	(void)state;
	assert_int_equal(
	    parse_fixture("fetch_odd.txt", "odd", &b, NULL), MPROTO_OK);
	s = batch_service(&b, "odd", false);
	assert_non_null(s);
	assert_false(s->has_config);
	f = service_field(s, "unk", false);
	assert_true(f->has_value && f->unknown);
	f = service_field(s, "stamped", false);
	assert_true(f->has_value && !f->unknown);
	assert_int_equal(f->when, 1700000300);
	assert_true(near(f->value, 12.25));
	f = service_field(s, "neg", false);
	assert_true(near(f->value, -1500));
	assert_string_equal(
	    attrs_get(&f->attrs, "extinfo"), "Something odd happened");
	batch_cleanup(&b);
}

/* ---- error answers ------------------------------------------------------ */

static void
test_error_answers(void **state)
{
	struct mproto_stats st = {0};
	struct batch b = {0};

	(void)state;
	assert_int_equal(
	    parse_fixture("fetch_nosuchplugin.txt", "nosuchplugin", &b, &st),
	    MPROTO_UNKNOWN_SERVICE);
	assert_int_equal(parse_fixture("fetch_failing.txt", "failing", &b, &st),
	    MPROTO_BAD_EXIT);
	assert_int_equal(
	    parse_fixture("fetch_slow.txt", "slow", &b, &st), MPROTO_TIMED_OUT);
	assert_int_equal(
	    parse_fixture("hand_config_timed_out.txt", "slow", &b, &st),
	    MPROTO_TIMED_OUT);
	assert_int_equal(
	    parse_fixture("hand_config_bad_exit.txt", "x", &b, &st),
	    MPROTO_BAD_EXIT);
	assert_int_equal(
	    parse_fixture("hand_fetch_empty.txt", "diskstats", &b, &st),
	    MPROTO_EMPTY);
	assert_int_equal(b.n, 0);
	assert_int_equal(st.lines, 5);
	assert_int_equal(st.bad_lines, 0);
	assert_int_equal(
	    mproto_parse_fetch("", 0, "x", &b, NULL), MPROTO_EMPTY);
	assert_int_equal(
	    mproto_parse_fetch("# just a comment\n", 17, "x", &b, NULL),
	    MPROTO_EMPTY);
	batch_cleanup(&b);
}

/* A reply's bound on fields and services: lines that would create one
 * more are dropped and counted, lines for kept fields still count. */
static void
test_limits(void **state)
{
	const char *cfg = "graph_title t\n"
			  "a.label A\nb.label B\nc.label C\n"
			  "multigraph t.child\nx.label X\n"
			  "multigraph t.other\ny.label Y\n";
	const char *fetch = "a.value 1\nb.value 2\nnew.value 3\n"
			    "multigraph t.child\nx.value 4\n";
	struct mproto_limits lim = {3};
	struct mproto_stats st = {0};
	struct batch b = {0};
	struct service *s;

	(void)state;
	/* the service and two fields fit; c and both children do not */
	assert_int_equal(
	    mproto_parse(cfg, strlen(cfg), true, "t", &b, &lim, &st),
	    MPROTO_OK);
	assert_int_equal(b.n, 1);
	s = &b.services[0];
	assert_int_equal(s->nfields, 2);
	assert_null(service_field(s, "c", false));
	assert_int_equal(st.dropped, 5);
	assert_int_equal(st.bad_lines, 0);
	/* a fetch into that batch: what b holds counts against the bound */
	memset(&st, 0, sizeof(st));
	assert_int_equal(
	    mproto_parse(fetch, strlen(fetch), false, "t", &b, &lim, &st),
	    MPROTO_OK);
	assert_int_equal(b.n, 1);
	assert_true(near(service_field(s, "b", false)->value, 2));
	assert_null(service_field(s, "new", false));
	assert_int_equal(st.dropped, 3);
	/* no bound: everything */
	batch_cleanup(&b);
	memset(&st, 0, sizeof(st));
	assert_int_equal(
	    mproto_parse(cfg, strlen(cfg), true, "t", &b, NULL, &st),
	    MPROTO_OK);
	assert_int_equal(b.n, 3);
	assert_int_equal(st.dropped, 0);
	batch_cleanup(&b);
}

/* Attributes past MPROTO_MAX_ATTRS are bad lines; known ones still set. */
static void
test_attr_bound(void **state)
{
	struct mproto_stats st = {0};
	struct batch b = {0};
	struct buf text;
	struct field *f;
	int i;

	(void)state;
	memset(&text, 0, sizeof(text));
	for (i = 0; i < MPROTO_MAX_ATTRS + 10; i++)
		buf_printf(&text, "f.a%d v\ngraph_k%d v\n", i, i);
	buf_printf(&text, "f.a0 again\n");
	assert_int_equal(
	    mproto_parse_config(text.p, text.len, "p", &b, &st), MPROTO_OK);
	assert_int_equal(b.services[0].graph.n, MPROTO_MAX_ATTRS);
	f = service_field(&b.services[0], "f", false);
	assert_int_equal(f->attrs.n, MPROTO_MAX_ATTRS + 2); /* + label */
	assert_string_equal(attrs_get(&f->attrs, "a0"), "again");
	assert_int_equal(st.bad_lines, 20);
	buf_free(&text);
	batch_cleanup(&b);
}

/* Fed line by line, in any cut, the parser builds what one call does. */
static void
test_streaming_equal(void **state)
{
	struct mproto_parser p;
	struct batch whole = {0}, fed = {0};
	const char *text, *nl;
	char *buf;
	size_t len;

	(void)state;
	buf = load("config_diskstats.txt", &len);
	text = buf;
	assert_int_equal(
	    mproto_parse_config(buf, len, "diskstats", &whole, NULL),
	    MPROTO_OK);
	mproto_parser_init(&p, true, "diskstats", &fed, NULL);
	while ((nl = memchr(text, '\n', len - (size_t)(text - buf))) != NULL) {
		if (!mproto_parser_line(&p, text, (size_t)(nl - text)))
			break;
		text = nl + 1;
	}
	assert_int_equal(mproto_parser_end(&p, NULL), MPROTO_OK);
	assert_int_equal(fed.n, whole.n);
	for (len = 0; len < whole.n; len++)
		assert_true(service_config_equal(
		    &fed.services[len], &whole.services[len]));
	free(buf);
	batch_cleanup(&whole);
	batch_cleanup(&fed);
}

static void
test_timeout_keeps_values(void **state)
{
	struct mproto_stats st = {0};
	struct batch b = {0};
	struct service *s;

	(void)state;
	assert_int_equal(
	    parse_fixture("hand_fetch_timeout_partial.txt", "t", &b, &st),
	    MPROTO_TIMED_OUT);
	s = batch_service(&b, "t", false);
	assert_non_null(s);
	assert_int_equal(s->nfields, 2);
	assert_true(near(service_field(s, "b", false)->value, 2));
	assert_null(service_field(s, "c", false));
	assert_int_equal(st.lines, 3);
	batch_cleanup(&b);
}

static void
test_crlf(void **state)
{
	struct mproto_stats st = {0};
	struct batch b = {0};
	struct service *s;

	(void)state;
	assert_int_equal(
	    parse_fixture("hand_fetch_crlf.txt", "load", &b, &st), MPROTO_OK);
	s = &b.services[0];
	assert_int_equal(s->nfields, 3);
	assert_true(near(service_field(s, "load", false)->value, 0.25));
	assert_true(near(service_field(s, "other", false)->value, 7));
	assert_true(near(service_field(s, "extra", false)->value, 3));
	assert_int_equal(st.lines, 3); /* ".\r" ends the reply */
	assert_int_equal(st.bad_lines, 0);
	batch_cleanup(&b);
}

static void
test_garbage(void **state)
{
	struct mproto_stats st = {0};
	struct batch b = {0};
	struct service *s;
	struct field *f;
	const char *unknown[] = {
	    "word", "nan", "inf", "huge", "tail", "colon", "badepoch"};
	size_t i;

	(void)state;
	assert_int_equal(
	    parse_fixture("hand_fetch_garbage.txt", "g", &b, &st), MPROTO_OK);
	assert_int_equal(st.lines, 19);
	assert_int_equal(st.bad_lines, 13);
	assert_int_equal(b.n, 1);
	s = &b.services[0];
	assert_true(near(service_field(s, "good", false)->value, 1));
	assert_true(near(service_field(s, "last", false)->value, 2));
	assert_true(near(service_field(s, "hex", false)->value, 16));
	f = service_field(s, "_2bad_name", false);
	assert_non_null(f);
	assert_true(near(f->value, 4));
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		f = service_field(s, unknown[i], false);
		assert_non_null(f);
		assert_true(f->has_value && f->unknown);
	}
	assert_null(service_field(s, "novalue", false));
	assert_null(service_field(s, "label", false));
	batch_cleanup(&b);
}

static void
test_overlong_line(void **state)
{
	struct mproto_stats st = {0};
	struct batch b = {0};
	struct service *s;

	(void)state;
	assert_int_equal(
	    parse_fixture("hand_fetch_overlong.txt", "o", &b, &st), MPROTO_OK);
	assert_int_equal(st.lines, 3);
	assert_int_equal(st.bad_lines, 1);
	s = &b.services[0];
	assert_int_equal(s->nfields, 2);
	assert_true(near(service_field(s, "after", false)->value, 2));
	batch_cleanup(&b);
}

static void
test_nested_multigraph(void **state)
{
	struct mproto_stats st = {0};
	struct batch b = {0};
	struct service *s;
	struct field *f;

	(void)state;
	assert_int_equal(
	    parse_fixture("hand_config_nested.txt", "nested.x", &b, &st),
	    MPROTO_OK);
	assert_int_equal(st.lines, 14);
	assert_int_equal(st.bad_lines, 1); /* net..bad, which ends parsing */
	assert_int_equal(b.n, 4);
	assert_string_equal(b.services[0].name, "nested_x");
	assert_string_equal(b.services[1].name, "net");
	assert_string_equal(b.services[2].name, "net.eth0");
	assert_string_equal(b.services[3].name, "net.eth0.vlan-10:a");
	s = &b.services[3];
	assert_true(s->has_config);
	assert_string_equal(attrs_get(&s->graph, "graph_title"), "VLAN");
	/* the empty "empty.info" line created nothing */
	assert_int_equal(s->nfields, 1);
	f = service_field(s, "nolabel", false);
	assert_string_equal(
	    attrs_get(&f->attrs, "label"), "No .label provided");
	assert_non_null(strstr(attrs_get(&f->attrs, "extinfo"), "nolabel"));
	assert_int_equal(
	    field_type(service_field(&b.services[2], "rx", false)), DS_DERIVE);

	memset(&st, 0, sizeof(st));
	assert_int_equal(
	    parse_fixture("hand_fetch_nested.txt", "nested.x", &b, &st),
	    MPROTO_OK);
	assert_int_equal(st.lines, 8);
	assert_int_equal(st.bad_lines, 1);
	assert_int_equal(b.n, 4);
	assert_true(near(service_field(&b.services[0], "r", false)->value, 1));
	f = service_field(&b.services[2], "rx", false);
	assert_int_equal(f->when, 1700000000);
	assert_true(near(f->value, 20));
	assert_true(service_field(&b.services[3], "nolabel", false)->unknown);
	assert_int_equal(batch_values(&b), 4);
	batch_cleanup(&b);
}

/* ---- small inline cases ------------------------------------------------- */

/* Parse the C string s as a config reply from an exactly sized copy. */
static enum mproto_status
config_str(const char *s, struct batch *b, struct mproto_stats *st)
{
	size_t len = strlen(s);
	char *buf = malloc(len > 0 ? len : 1);
	enum mproto_status r;

	assert_non_null(buf);
	memcpy(buf, s, len);
	r = mproto_parse_config(buf, len, "p", b, st);
	free(buf);
	return r;
}

static void
test_bad_multigraph_names(void **state)
{
	const char *bad[] = {
	    ".a", "a.", "a..b", "a/b", "multigraph", "a b", "a\xc3\xa9"};
	char line[600];
	struct mproto_stats st;
	struct batch b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&b, 0, sizeof(b));
		memset(&st, 0, sizeof(st));
		snprintf(line, sizeof(line),
		    "x.label x\nmultigraph %s\ny.label y\n", bad[i]);
		assert_int_equal(config_str(line, &b, &st), MPROTO_OK);
		assert_int_equal(st.lines, 2);
		assert_int_equal(st.bad_lines, 1);
		assert_int_equal(b.n, 1);
		assert_string_equal(b.services[0].name, "p");
		batch_cleanup(&b);
	}
	/* a name longer than MPROTO_MAX_NAME */
	memset(&b, 0, sizeof(b));
	memset(&st, 0, sizeof(st));
	memset(line, 'n', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "multigraph ", 11);
	assert_int_equal(config_str(line, &b, &st), MPROTO_EMPTY);
	assert_int_equal(st.bad_lines, 1);
	assert_int_equal(b.n, 0);
}

static void
test_config_line_rules(void **state)
{
	struct mproto_stats st = {0};
	struct batch b = {0};
	struct service *s;
	struct field *f;
	char line[400];

	(void)state;
	assert_int_equal(config_str("graph_title First\n"
				    "graph_title Second\n"
				    "1graph x\n"
				    "graph_info   padded value   \n"
				    "f.label one\n"
				    "f.label two\n"
				    "eth0-rx.label rx\n"
				    "f.sub.attr dotted\n"
				    "f.info\n"
				    "graph_only\n"
				    "f. x\n"
				    ".label x\n"
				    "g.value 1700000000:U\n"
				    "h.value 1 2\n",
			     &b, &st),
	    MPROTO_OK);
	s = batch_service(&b, "p", false);
	assert_non_null(s);
	assert_string_equal(attrs_get(&s->graph, "graph_title"), "First");
	assert_string_equal(attrs_get(&s->graph, "_graph"), "x");
	assert_string_equal(attrs_get(&s->graph, "graph_info"), "padded value");
	f = service_field(s, "f", false);
	assert_string_equal(attrs_get(&f->attrs, "label"), "two");
	assert_string_equal(attrs_get(&f->attrs, "sub.attr"), "dotted");
	assert_null(attrs_get(&f->attrs, "info"));
	assert_non_null(service_field(s, "eth0_rx", false));
	f = service_field(s, "g", false);
	assert_true(f->has_value && f->unknown);
	assert_int_equal(f->when, 1700000000);
	assert_true(service_field(s, "h", false)->unknown);
	assert_int_equal(st.lines, 14);
	assert_int_equal(st.bad_lines, 4); /* graph_only, "f. x", .label, h */
	batch_cleanup(&b);

	/* a field name longer than MPROTO_MAX_NAME is a bad line */
	memset(&st, 0, sizeof(st));
	memset(line, 'f', sizeof(line));
	snprintf(line + 300, sizeof(line) - 300, ".label x\n");
	assert_int_equal(config_str(line, &b, &st), MPROTO_EMPTY);
	assert_int_equal(st.bad_lines, 1);
	batch_cleanup(&b);
}

static void
test_no_trailing_newline(void **state)
{
	static const char text[] = "a.value 1\nb.value 25";
	struct batch b = {0};
	char *buf = malloc(sizeof(text) - 1);

	(void)state;
	assert_non_null(buf);
	memcpy(buf, text, sizeof(text) - 1);
	/* stop inside the last line's number: "b.value 2" */
	assert_int_equal(
	    mproto_parse_fetch(buf, sizeof(text) - 2, "p", &b, NULL),
	    MPROTO_OK);
	assert_true(near(service_field(&b.services[0], "b", false)->value, 2));
	free(buf);
	batch_cleanup(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_banner),
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_list),
	    cmocka_unit_test(test_list_long_name_skipped),
	    cmocka_unit_test(test_list_same),
	    cmocka_unit_test(test_is_end),
	    cmocka_unit_test(test_status_str),
	    cmocka_unit_test(test_every_fixture_listed),
	    cmocka_unit_test(test_every_fixture_status),
	    cmocka_unit_test(test_every_prefix),
	    cmocka_unit_test(test_cpu),
	    cmocka_unit_test(test_load),
	    cmocka_unit_test(test_diskstats_multigraph),
	    cmocka_unit_test(test_if_lo),
	    cmocka_unit_test(test_memory_and_df),
	    cmocka_unit_test(test_dirtyconfig),
	    cmocka_unit_test(test_unknown_epoch_extinfo),
	    cmocka_unit_test(test_error_answers),
	    cmocka_unit_test(test_timeout_keeps_values),
	    cmocka_unit_test(test_crlf),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_overlong_line),
	    cmocka_unit_test(test_nested_multigraph),
	    cmocka_unit_test(test_bad_multigraph_names),
	    cmocka_unit_test(test_config_line_rules),
	    cmocka_unit_test(test_no_trailing_newline),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_attr_bound),
	    cmocka_unit_test(test_streaming_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
