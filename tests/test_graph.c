/*
 * Tests for graph: the rrd_graph vector against munin-graph's own.
 *
 * The golden files tests/fixtures/graph/NAME.day.argv are munin-graph
 * 2.0.73's --debug command lines for NAME.conf (recorded by
 * tests/test_graph_munin_compat.sh with GOLDEN_UPDATE=1), with the
 * picture file as "-", --lazy dropped and times as TIME; the same
 * normalisation is applied to graph_build()'s vector here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plugins/munin_proto.h"
#include "rrd/graph.h"

/* An epoch on a 300 s boundary; files "updated" 600 s before. */
#define NOW 1795497900
#define LAST (NOW - 600)

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "r");
	char *buf;

	assert_non_null(fp);
	buf = calloc(1, 1 << 20);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 20) - 1, fp);
	fclose(fp);
	return buf;
}

/* Parses a "config" reply into b; returns the service called name. */
static struct service *
load_text(struct batch *b, const char *text, const char *name)
{
	struct service *svc;

	mproto_parse_config(text, strlen(text), name, b, NULL);
	svc = batch_service(b, name, false);
	assert_non_null(svc);
	return svc;
}

static struct service *
load_fixture(struct batch *b, const char *name)
{
	struct service *svc;
	char path[512];
	size_t len;
	char *text;

	snprintf(path, sizeof(path), "%s/graph/%s.conf", FIXTURES, name);
	text = slurp(path, &len);
	svc = load_text(b, text, name);
	free(text);
	return svc;
}

/* Builds with the golden run's parameters; returns graph_build()'s rc. */
static int
build(struct strlist *out, const struct service *svc, enum graph_period per,
    time_t last, char *err)
{
	static time_t lasts[64];
	struct graph_params p = {
	    .dbdir = "DBDIR",
	    .group_path = "grp",
	    .host = "host.test",
	    .period = per,
	    .now = NOW,
	    .field_last = lasts,
	    .format = GRAPH_PNG,
	    .watermark = "Munin 2.0.73",
	};
	size_t i;

	for (i = 0; i < 64; i++)
		lasts[i] = last;
	if (per == GRAPH_CUSTOM) {
		p.start = NOW - 3600;
		p.end = NOW;
	} else
		graph_period_range(per, NOW, &p.start, &p.end);
	return graph_build(out, svc, &p, err, 256);
}

static void
check_golden(const char *name)
{
	struct batch b = {0};
	struct strlist out = {0};
	char path[512], err[256], *golden, *line, *save;
	size_t len, i;
	bool skip = false;

	assert_int_equal(
	    build(&out, load_fixture(&b, name), GRAPH_DAY, LAST, err), 0);
	snprintf(path, sizeof(path), "%s/graph/%s.day.argv", FIXTURES, name);
	golden = slurp(path, &len);
	assert_string_equal(out.v[0], "graph");
	line = strtok_r(golden, "\n", &save);
	for (i = 1; i < out.n; i++) {
		char norm[8192];

		snprintf(norm, sizeof(norm), "%s", out.v[i]);
		if (skip)
			snprintf(norm, sizeof(norm), "TIME");
		else if (strncmp(norm, "VRULE:", 6) == 0)
			snprintf(norm, sizeof(norm), "VRULE:TIME#999999");
		else if (strncmp(norm, "COMMENT:Last update", 19) == 0)
			snprintf(
			    norm, sizeof(norm), "COMMENT:Last update TIME");
		skip = strcmp(out.v[i], "--start") == 0 ||
		       strcmp(out.v[i], "--end") == 0;
		assert_non_null(line);
		if (strcmp(line, norm) != 0)
			fail_msg(
			    "%s: argument %zu: munin \"%s\", drover \"%s\"",
			    name, i, line, norm);
		line = strtok_r(NULL, "\n", &save);
	}
	assert_null(line);
	free(golden);
	strlist_cleanup(&out);
	batch_cleanup(&b);
}

static void
test_golden_cpu_stacked_areas(void **state)
{
	(void)state;
	check_golden("cpu");
}

static void
test_golden_if_negative_cdef(void **state)
{
	(void)state;
	check_golden("if_lo");
}

static void
test_golden_df_warning_lines(void **state)
{
	(void)state;
	check_golden("df");
}

static void
test_golden_derive_per_minute_cdef_total(void **state)
{
	(void)state;
	check_golden("requests");
}

static void
test_golden_load_single_gauge(void **state)
{
	(void)state;
	check_golden("load");
}

static bool
has(const struct strlist *l, const char *s)
{
	return strlist_contains(l, s);
}

static void
test_args_whitelist_accepts(void **state)
{
	static const char *const ok[] = {
	    "--base 1000 -l 0",
	    "--base 1024 --lower-limit 0 --upper-limit 100 --rigid",
	    "-r --lower-limit 0 --upper-limit 200",
	    "--logarithmic --units=si",
	    "--units-exponent 0 -X 3 -X3 -L 5",
	    "--alt-autoscale --alt-autoscale-max -J -M -Y -N",
	    "--lower-limit=-5.5 -u1e3 -o",
	    "--y-grid 10:2",
	    "  \"--base\"   '1024'  ",
	    /* ntp_, ps_, psu_ put their vlabel here */
	    "--base 1000 --vertical-label seconds --lower-limit 0",
	    "-v 'two words' --vertical-label=x",
	};
	struct strlist out = {0};
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (graph_args_parse(ok[i], &out, err, sizeof(err)) != 0)
			fail_msg("refused \"%s\": %s", ok[i], err);
	}
	/* tokens pass as written, quotes removed */
	strlist_cleanup(&out);
	assert_int_equal(
	    graph_args_parse("  \"--base\"   '1024'  ", &out, err, 256), 0);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[0], "--base");
	assert_string_equal(out.v[1], "1024");
	strlist_cleanup(&out);
}

static void
test_args_whitelist_rejects(void **state)
{
	static const struct {
		const char *args, *reason;
	} bad[] = {
	    {"--base 1000 --title evil", "--title"},
	    {"--imgformat PNG", "--imgformat"},
	    {"-l 0 DEF:x=/etc/passwd:42:AVERAGE", "DEF:x"},
	    {"--daemon unix:/tmp/s", "--daemon"},
	    {"--lower-limit", "needs a value"},
	    {"--lower-limit abc", "bad value"},
	    {"--lower-limit inf", "bad value"},
	    {"--base 1023", "bad value"},
	    {"--units=binary", "bad value"},
	    {"-r5", "takes no value"},
	    {"--rigid=yes", "takes no value"},
	    {"--lower 0", "--lower"}, /* getopt abbreviations are refused */
	    {"--base '1000", "unbalanced quote"},
	    {"-X 1.5", "bad value"},
	    {"--font DEFAULT:8:", "--font"},
	    {"--lazy", "--lazy"},
	};
	struct strlist out = {0};
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		errno = 0;
		if (graph_args_parse(bad[i].args, &out, err, sizeof(err)) != -1)
			fail_msg("accepted \"%s\"", bad[i].args);
		assert_int_equal(errno, EINVAL);
		if (strstr(err, bad[i].reason) == NULL)
			fail_msg("\"%s\": reason \"%s\" lacks \"%s\"",
			    bad[i].args, err, bad[i].reason);
		assert_int_equal(out.n, 0); /* nothing left behind */
	}
	strlist_cleanup(&out);
}

static void
test_build_refuses_bad_graph_args(void **state)
{
	struct batch b = {0};
	struct strlist out = {0};
	char err[256];

	(void)state;
	assert_int_equal(build(&out,
			     load_text(&b,
				 "graph_title T\ngraph_args --base 1000 "
				 "--watermark x\na.label a\n",
				 "t"),
			     GRAPH_DAY, LAST, err),
	    -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "--watermark"));
	strlist_cleanup(&out);
	batch_cleanup(&b);
}

static void
test_build_refuses_bad_cdef_and_printf(void **state)
{
	struct batch b = {0}, b2 = {0}, b3 = {0};
	struct strlist out = {0};
	char err[256];

	(void)state;
	assert_int_equal(
	    build(&out, load_text(&b, "a.label a\na.cdef a,8,*:LINE1:x\n", "t"),
		GRAPH_DAY, LAST, err),
	    -1);
	assert_non_null(strstr(err, "cdef"));
	strlist_cleanup(&out);
	assert_int_equal(
	    build(&out, load_text(&b2, "graph_printf %s%n\na.label a\n", "t"),
		GRAPH_DAY, LAST, err),
	    -1);
	assert_non_null(strstr(err, "graph_printf"));
	strlist_cleanup(&out);
	/* every field "graph no": nothing to draw */
	assert_int_equal(
	    build(&out, load_text(&b3, "a.label a\na.graph no\n", "t"),
		GRAPH_DAY, LAST, err),
	    -1);
	assert_non_null(strstr(err, "no field"));
	strlist_cleanup(&out);
	batch_cleanup(&b);
	batch_cleanup(&b2);
	batch_cleanup(&b3);
}

static void
test_build_sanitises_values(void **state)
{
	struct batch b = {0};
	struct strlist out = {0};
	char err[256];

	(void)state;
	/* a colour that is not hex falls back to the palette; a label's
	 * colons are escaped; a warning that is not a number draws no rule */
	assert_int_equal(build(&out,
			     load_text(&b,
				 "graph_title T\na.label x:y\\z\n"
				 "a.colour 00ff00:evil\na.warning ~:1e3\n"
				 "b.label b\nb.colour COLOUR30\n"
				 "b.warning 5:not\n",
				 "t"),
			     GRAPH_DAY, LAST, err),
	    0);
	assert_true(has(&out, "LINE1:ga#00CC00:x\\:y\\\\z "));
	assert_true(has(&out, "LINE1:gb#0066B3:b     ")); /* 30 % 29 */
	assert_true(has(&out, "HRULE:1e3#00CC00:dashes"));
	assert_true(has(&out, "HRULE:5#0066B3:dashes"));
	assert_false(has(&out, "HRULE:~#00CC00:dashes"));
	strlist_cleanup(&out);
	batch_cleanup(&b);
}

/* The index of s in l, or -1. */
static long
idx(const struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return (long)i;
	return -1;
}

static void
test_build_graph_no_draws_nothing(void **state)
{
	static const char *const no[] = {
	    "no", "No", "false", "off", "0", "disable", "disabled"};
	struct batch b = {0};
	struct strlist out = {0};
	char text[256], err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(text, sizeof(text),
		    "graph_title Pending packages\ngraph %s\n"
		    "pending.label pending\n",
		    no[i]);
		errno = 0;
		assert_int_equal(build(&out, load_text(&b, text, "apt"),
				     GRAPH_DAY, LAST, err),
		    -1);
		assert_int_equal(errno, ENOENT);
		assert_non_null(strstr(err, "graph no"));
		assert_false(graph_drawn(batch_service(&b, "apt", false)));
		strlist_cleanup(&out);
		batch_cleanup(&b);
	}
	/* yes, on-demand (drawn on request, as drover always does) */
	assert_int_equal(
	    build(&out,
		load_text(
		    &b, "graph_title T\ngraph on-demand\na.label a\n", "t"),
		GRAPH_DAY, LAST, err),
	    0);
	assert_true(graph_drawn(batch_service(&b, "t", false)));
	strlist_cleanup(&out);
	batch_cleanup(&b);
}

/* The compare page's common scale: after graph_args, which it
 * overrides (rrdtool takes the last), and refused when not a range. */
static void
test_build_fixed_limits(void **state)
{
	struct batch b = {0};
	struct strlist out = {0};
	struct graph_params p = {
	    .dbdir = "DBDIR",
	    .group_path = "grp",
	    .host = "h",
	    .period = GRAPH_CUSTOM,
	    .start = NOW - 3600,
	    .end = NOW,
	    .now = NOW,
	    .limits = true,
	    .lower = -2.5,
	    .upper = 1e6,
	};
	const struct service *svc = load_text(&b,
	    "graph_title T\ngraph_args --upper-limit 10 -l 0\na.label a\n",
	    "t");
	char err[256] = "";
	long i, ga;

	(void)state;
	if (graph_build(&out, svc, &p, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	ga = idx(&out, "10");
	i = idx(&out, "--lower-limit");
	assert_true(ga > 0 && i > ga);
	assert_string_equal(out.v[i + 1], "-2.5");
	assert_string_equal(out.v[i + 2], "--upper-limit");
	assert_string_equal(out.v[i + 3], "1000000");
	assert_string_equal(out.v[i + 4], "--rigid");
	strlist_cleanup(&out);
	p.limits = false;
	assert_int_equal(graph_build(&out, svc, &p, err, sizeof(err)), 0);
	assert_int_equal(idx(&out, "--rigid"), -1);
	strlist_cleanup(&out);
	p.limits = true;
	p.upper = p.lower;
	assert_int_equal(graph_build(&out, svc, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "limits"));
	strlist_cleanup(&out);
	p.upper = NAN;
	assert_int_equal(graph_build(&out, svc, &p, err, sizeof(err)), -1);
	strlist_cleanup(&out);
	batch_cleanup(&b);
}

static void
test_build_graph_level_line_and_warning(void **state)
{
	struct batch b = {0};
	struct strlist out = {0};
	char err[256];
	long h1, h2, a;

	(void)state;
	/* munin_get climbs from field to service: one HRULE per drawn
	 * field, in its colour unless the line names one; a field's own
	 * line or warning wins */
	assert_int_equal(
	    build(&out,
		load_text(&b,
		    "graph_title T\nline 50::limit: here\nwarning 10:80\n"
		    "a.label a\na.colour 112233\n"
		    "b.label b\nb.line 7:ff0000\n"
		    "c.label c\nc.graph no\n",
		    "t"),
		GRAPH_DAY, LAST, err),
	    0);
	h1 = idx(&out, "HRULE:50#112233:limit\\: here");
	assert_true(h1 >= 0);
	assert_string_equal(out.v[h1 + 1], "COMMENT: \\j");
	h2 = idx(&out, "HRULE:7#ff0000");
	assert_true(h2 >= 0);
	assert_false(has(&out, "HRULE:10#112233:dashes"));
	assert_false(has(&out, "HRULE:50#0066B3:limit\\: here"));
	/* no rule for c, which is not drawn */
	assert_false(has(&out, "HRULE:50#FF8000:limit\\: here"));
	strlist_cleanup(&out);
	batch_cleanup(&b);
	/* a warning for the whole graph, no line */
	assert_int_equal(build(&out,
			     load_text(&b,
				 "graph_title T\nwarning 10:80\na.label a\n"
				 "b.label b\nb.warning 90\n",
				 "t"),
			     GRAPH_DAY, LAST, err),
	    0);
	assert_true(has(&out, "HRULE:10#00CC00:dashes"));
	assert_true(has(&out, "HRULE:80#00CC00:dashes"));
	assert_true(has(&out, "HRULE:90#0066B3:dashes"));
	assert_false(has(&out, "HRULE:80#0066B3:dashes"));
	a = idx(&out, "HRULE:90#0066B3:dashes");
	assert_true(a >= 0 && a < idx(&out, "DEF:ga=DBDIR/grp/"
					    "host.test-t-a-g.rrd:42:AVERAGE"));
	strlist_cleanup(&out);
	batch_cleanup(&b);
}

static void
test_build_trend_future_args_after(void **state)
{
	struct batch b = {0};
	struct strlist out = {0};
	char err[256];
	time_t start, end;

	(void)state;
	/* with a cdef over graph_period minute the trend reads the
	 * field's real CDEF (Munin's "ccdefup" would make rrdtool refuse) */
	assert_int_equal(
	    build(&out,
		load_text(&b,
		    "graph_title T\ngraph_period minute\ngraph_future 12\n"
		    "graph_args_after --rigid\n"
		    "up.label bps\nup.type DERIVE\nup.cdef up,8,*\n"
		    "up.trend yes\nup.predict 86400,12\n"
		    "idle.label idle\nidle.graph no\nidle.trend yes\n",
		    "t"),
		GRAPH_DAY, LAST, err),
	    0);
	assert_true(has(&out, "CDEF:ccdefcdefup=gcdefcdefup"));
	assert_true(has(&out, "CDEF:tup=ccdefcdefup,3600,TRENDNAN"));
	assert_true(has(&out, "LINE1:tup#00CC0066:bps trend\\l"));
	assert_true(has(&out, "CDEF:pup=86400,-2,3600,ccdefcdefup,PREDICT"));
	assert_true(has(&out, "LINE1:pup#00CC0066:bps prediction\\l"));
	/* an undrawn field's trend is in Munin's single colour */
	assert_true(has(&out, "LINE1:tidle#00aa00:idle trend\\l"));
	/* args after the elements, before the trailer; --end 12 x 300 s on */
	assert_true(idx(&out, "LINE1:gcdefcdefup#00CC00:bps ") >= 0);
	assert_true(
	    idx(&out, "--rigid") > idx(&out, "LINE1:gcdefcdefup#00CC00:bps "));
	assert_true(
	    idx(&out, "--rigid") < idx(&out, "CDEF:tup=ccdefcdefup,3600,"
					     "TRENDNAN"));
	graph_period_range(GRAPH_DAY, NOW, &start, &end);
	assert_true(idx(&out, "--end") >= 0);
	assert_int_equal(atoll(out.v[idx(&out, "--end") + 1]), end + 3600);
	strlist_cleanup(&out);
	batch_cleanup(&b);
	/* graph_args_after has graph_args' whitelist */
	assert_int_equal(build(&out,
			     load_text(&b,
				 "graph_title T\na.label a\n"
				 "graph_args_after --imgformat SVG\n",
				 "t"),
			     GRAPH_DAY, LAST, err),
	    -1);
	assert_non_null(strstr(err, "graph_args_after"));
	strlist_cleanup(&out);
	batch_cleanup(&b);
}

static void
test_build_base_1024_widens_format(void **state)
{
	struct batch b = {0};
	struct strlist out = {0};
	char err[256];

	(void)state;
	/* Munin matches /--base\s+1024/: 1012.56 needs seven places */
	assert_int_equal(
	    build(&out,
		load_text(
		    &b, "graph_args --base   1024 -l 0\na.label a\n", "t"),
		GRAPH_DAY, LAST, err),
	    0);
	assert_true(has(&out, "GPRINT:ga:AVERAGE:%7.2lf%s"));
	assert_true(has(&out, "GPRINT:ca:LAST:%7.2lf%s"));
	strlist_cleanup(&out);
	batch_cleanup(&b);
}

static void
test_build_stale_field_shows_no_current(void **state)
{
	struct batch b = {0};
	struct strlist out = {0};
	char err[256];

	(void)state;
	assert_int_equal(
	    build(&out, load_fixture(&b, "load"), GRAPH_DAY, NOW - 901, err),
	    0);
	assert_true(has(&out, "CDEF:cload=gload,POP,UNKN"));
	strlist_cleanup(&out);
	batch_cleanup(&b);
}

static void
test_build_custom_range_svg_size(void **state)
{
	struct batch b = {0};
	struct strlist out = {0};
	struct graph_params p = {
	    .dbdir = "/db",
	    .group_path = "g",
	    .host = "h",
	    .period = GRAPH_CUSTOM,
	    .start = NOW - 3600,
	    .end = NOW,
	    .now = NOW,
	    .width = 800,
	    .height = 300,
	    .format = GRAPH_SVG,
	    .daemon = "unix:/run/rrdcached.sock",
	};
	char err[256], start[32], end[32];
	size_t i;

	(void)state;
	setenv("TZ", "UTC", 1);
	assert_int_equal(
	    graph_build(&out, load_fixture(&b, "load"), &p, err, sizeof(err)),
	    0);
	snprintf(start, sizeof(start), "%lld", (long long)(NOW - 3600));
	snprintf(end, sizeof(end), "%lld", (long long)NOW);
	for (i = 0; i + 1 < out.n; i++) {
		if (strcmp(out.v[i], "--start") == 0)
			assert_string_equal(out.v[i + 1], start);
		if (strcmp(out.v[i], "--end") == 0)
			assert_string_equal(out.v[i + 1], end);
		if (strcmp(out.v[i], "--width") == 0)
			assert_string_equal(out.v[i + 1], "800");
		if (strcmp(out.v[i], "--imgformat") == 0)
			assert_string_equal(out.v[i + 1], "SVG");
		if (strcmp(out.v[i], "--daemon") == 0)
			assert_string_equal(
			    out.v[i + 1], "unix:/run/rrdcached.sock");
	}
	assert_true(has(&out, "--daemon"));
	assert_true(has(&out, "Load average - from Tue Nov 24 04:25:00 2026 "
			      "to Tue Nov 24 05:25:00 2026"));
	/* without last-update facts: no VRULE, no "Last update" */
	for (i = 0; i < out.n; i++) {
		assert_true(strncmp(out.v[i], "VRULE:", 6) != 0);
		assert_true(strncmp(out.v[i], "COMMENT:Last", 12) != 0);
	}
	assert_false(has(&out, "-W"));
	strlist_cleanup(&out);
	batch_cleanup(&b);
}

static void
test_period_range(void **state)
{
	time_t s, e;
	enum graph_period per;

	(void)state;
	assert_int_equal(graph_period_range(GRAPH_DAY, NOW + 299, &s, &e), 0);
	assert_int_equal(e, NOW);
	assert_int_equal(s, NOW + 299 - 2000 * 60);
	assert_int_equal(graph_period_range(GRAPH_YEAR, NOW, &s, &e), 0);
	assert_int_equal(e % 86400, 0);
	/* the last hour, up to now */
	assert_int_equal(graph_period_range(GRAPH_HOUR, NOW + 59, &s, &e), 0);
	assert_int_equal(e, NOW + 59);
	assert_int_equal(s, NOW + 59 - 3600);
	assert_true(graph_period_parse("hour", &per));
	assert_int_equal(per, GRAPH_HOUR);
	assert_int_equal(graph_period_range(GRAPH_CUSTOM, NOW, &s, &e), -1);
	assert_true(graph_period_parse("week", &per));
	assert_int_equal(per, GRAPH_WEEK);
	assert_false(graph_period_parse("custom", &per));
	assert_false(graph_period_parse("../day", &per));
}

/* An aggregate's service as munin.conf lines make it ("SVC.KEY VALUE"). */
static struct service *
load_lines(struct batch *b, const char *name, const char *const *kv)
{
	struct service *svc = batch_service(b, name, true);
	struct field *f;
	const char *dot;
	char fname[64];

	assert_non_null(svc);
	svc->has_config = true;
	for (; kv[0] != NULL; kv += 2) {
		dot = strchr(kv[0], '.');
		if (dot == NULL) {
			assert_int_equal(
			    attrs_set(&svc->graph, kv[0], kv[1]), 0);
			continue;
		}
		snprintf(
		    fname, sizeof(fname), "%.*s", (int)(dot - kv[0]), kv[0]);
		f = service_field(svc, fname, true);
		assert_non_null(f);
		assert_int_equal(attrs_set(&f->attrs, dot + 1, kv[1]), 0);
	}
	return svc;
}

static bool
has_prefix(const struct strlist *l, const char *p)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strncmp(l->v[i], p, strlen(p)) == 0)
			return true;
	return false;
}

static void
test_special_refs_and_locations(void **state)
{
	static const char *const kv[] = {"graph_order",
	    "a=host1:load.load  -b=g;host2:load.load c", "t.sum",
	    "host1:if_lo.up x=host2:if_lo.up", "s.stack",
	    "one=host1:load.load two=host2:load.load", "c.label", "c", NULL};
	struct batch b = {0};
	struct strlist refs = {0}, loc = {0};

	(void)state;
	assert_int_equal(graph_refs(load_lines(&b, "agg", kv), &refs), 0);
	assert_int_equal(refs.n, 5);
	assert_string_equal(refs.v[0], "host1:load.load");
	assert_string_equal(refs.v[1], "g;host2:load.load");
	assert_string_equal(refs.v[2], "host1:if_lo.up");
	assert_string_equal(refs.v[3], "host2:if_lo.up");
	assert_string_equal(refs.v[4], "host2:load.load");
	/* munin_get_node_partialpath's split */
	assert_int_equal(graph_ref_loc("a;b;h.x:fake.sub.f", &loc), 0);
	assert_int_equal(loc.n, 6);
	assert_string_equal(loc.v[2], "h.x");
	assert_string_equal(loc.v[4], "sub");
	strlist_cleanup(&loc);
	assert_int_equal(graph_ref_loc(" load.load ", &loc), 0);
	assert_int_equal(loc.n, 2);
	strlist_cleanup(&loc);
	assert_int_equal(graph_ref_loc("load", &loc), 0);
	assert_int_equal(loc.n, 1);
	strlist_cleanup(&loc);
	assert_int_equal(graph_ref_loc("", &loc), -1);
	assert_int_equal(graph_ref_loc("a b:c.d", &loc), -1);
	strlist_cleanup(&loc);
	strlist_cleanup(&refs);
	batch_cleanup(&b);
}

static void
test_special_plan_sum_stack_alias(void **state)
{
	static const char *const kv[] = {"graph_order", "up total s", "up.sum",
	    "host1:if_lo.up host2:if_lo.up", "up.label", "bps", "up.cdef",
	    "up,8,*", "total.label", "total", "s.stack",
	    "one=host1:load.load two=host2:load.load", "s.draw", "AREA", NULL};
	const struct graph_source src[] = {
	    {.ref = "host1:if_lo.up",
		.path = "/db/g/host1-if_lo-up-d.rrd",
		.type = DS_DERIVE,
		.last = 100},
	    {.ref = "host2:if_lo.up",
		.path = "/db/g/host2-if_lo-up-d.rrd",
		.type = DS_DERIVE,
		.last = 200},
	    {.ref = "host1:load.load", .path = "/db/g/host1-load-load-g.rrd"},
	    {.ref = "host2:load.load", .path = NULL}, /* not found */
	};
	struct graph_plan pl;
	struct batch b = {0};
	const struct field *f;

	(void)state;
	assert_int_equal(
	    graph_plan_make(&pl, load_lines(&b, "agg", kv), NULL, src, 4), 0);
	assert_true(pl.special);
	/* the expanded names in front; two's reference is not found */
	assert_string_equal(pl.order.v[0], "z1_0=host1:if_lo.up");
	assert_string_equal(pl.order.v[1], "z1_1=host2:if_lo.up");
	assert_string_equal(pl.order.v[2], "one=host1:load.load");
	assert_string_equal(pl.order.v[3], "up");
	f = service_field(&pl.svc, "z1_1", false);
	assert_non_null(f);
	assert_string_equal(
	    attrs_get(&f->attrs, "cdef"), "z1_1,UN,0,z1_1,IF,z1_0,ADDNAN,8,*");
	assert_string_equal(
	    attrs_get(&f->attrs, "filename"), "/db/g/host2-if_lo-up-d.rrd");
	assert_string_equal(attrs_get(&f->attrs, "type"), "DERIVE");
	assert_string_equal(attrs_get(&f->attrs, "graph"), "yes");
	assert_int_equal(pl.last[f - pl.svc.fields], 200);
	f = service_field(&pl.svc, "up", false);
	assert_string_equal(attrs_get(&f->attrs, "process"), "0");
	assert_string_equal(attrs_get(&f->attrs, "realname"), "z1_1");
	f = service_field(&pl.svc, "one", false);
	assert_string_equal(attrs_get(&f->attrs, "draw"), "AREA");
	assert_string_equal(attrs_get(&f->attrs, "cdef"), "one,UN,0,one,IF");
	assert_string_equal(attrs_get(&f->attrs, "onlynullcdef"), "1");
	graph_plan_cleanup(&pl);
	batch_cleanup(&b);
}

static void
test_special_build_reads_other_files(void **state)
{
	static const char *const kv[] = {"graph_title", "Sum", "graph_order",
	    "a=host1:load.load gone=nohost:load.load", "t.label", "total",
	    "t.sum", "host1:load.load g;host2:load.load", NULL};
	const struct graph_source src[] = {
	    {.ref = "host1:load.load",
		.path = "/db/g/host1-load-load-g.rrd",
		.last = LAST},
	    {.ref = "g;host2:load.load",
		.path = "/db/g/host2-load-load-g.rrd",
		.last = LAST},
	    {.ref = "nohost:load.load"},
	};
	struct graph_params p = {.dbdir = "/db",
	    .group_path = "g",
	    .host = "agg",
	    .period = GRAPH_DAY,
	    .now = NOW,
	    .format = GRAPH_PNG,
	    .sources = src,
	    .nsources = 3};
	struct batch b = {0};
	struct strlist out = {0};
	char err[256];

	(void)state;
	graph_period_range(GRAPH_DAY, NOW, &p.start, &p.end);
	assert_int_equal(
	    graph_build(&out, load_lines(&b, "sum", kv), &p, err, sizeof(err)),
	    0);
	assert_true(has(&out, "DEF:gz3_0=/db/g/host1-load-load-g.rrd:42:"
			      "AVERAGE"));
	assert_true(has(&out, "DEF:gz3_1=/db/g/host2-load-load-g.rrd:42:"
			      "AVERAGE"));
	assert_true(has(&out, "DEF:ga=/db/g/host1-load-load-g.rrd:42:AVERAGE"));
	assert_true(
	    has(&out, "CDEF:gcdefz3_1=gz3_1,UN,0,gz3_1,IF,gcdefz3_0,ADDNAN"));
	/* the unresolved alias is left out; nothing reads agg's own files */
	assert_false(has_prefix(&out, "DEF:ggone"));
	assert_false(has_prefix(&out, "DEF:gt="));
	/* a .sum ends one resolution step earlier, as munin-graph does */
	assert_string_equal(out.v[out.n - 2], "--end");
	assert_int_equal(strtoll(out.v[out.n - 1], NULL, 10), p.end - 300);
	strlist_cleanup(&out);
	batch_cleanup(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_cpu_stacked_areas),
	    cmocka_unit_test(test_golden_if_negative_cdef),
	    cmocka_unit_test(test_golden_df_warning_lines),
	    cmocka_unit_test(test_golden_derive_per_minute_cdef_total),
	    cmocka_unit_test(test_golden_load_single_gauge),
	    cmocka_unit_test(test_args_whitelist_accepts),
	    cmocka_unit_test(test_args_whitelist_rejects),
	    cmocka_unit_test(test_build_refuses_bad_graph_args),
	    cmocka_unit_test(test_build_refuses_bad_cdef_and_printf),
	    cmocka_unit_test(test_build_sanitises_values),
	    cmocka_unit_test(test_build_graph_no_draws_nothing),
	    cmocka_unit_test(test_build_graph_level_line_and_warning),
	    cmocka_unit_test(test_build_trend_future_args_after),
	    cmocka_unit_test(test_build_base_1024_widens_format),
	    cmocka_unit_test(test_build_stale_field_shows_no_current),
	    cmocka_unit_test(test_build_custom_range_svg_size),
	    cmocka_unit_test(test_period_range),
	    cmocka_unit_test(test_special_refs_and_locations),
	    cmocka_unit_test(test_special_plan_sum_stack_alias),
	    cmocka_unit_test(test_special_build_reads_other_files),
	    cmocka_unit_test(test_build_fixed_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
