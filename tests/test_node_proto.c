/* Tests for the agent's pure parts: the munin-node protocol machine
 * (node_proto; the answer texts are the real munin-node 2.0.73's, as
 * tests/test_agent_interop.sh checks against it), the allow lists
 * (node_allow) and the probe kind's reuse of readings (node_probes, on
 * the /proc fixture). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/node_allow.h"
#include "agent/node_plugins.h"
#include "agent/node_probes.h"
#include "agent/node_proto.h"
#include "plugins/host.h"
#include "plugins/host_cmd.h"

#define UNKNOWN_CMD                                                            \
	"# Unknown command. Try cap, list, nodes, config, fetch, version or "  \
	"quit\n"

struct fixture {
	struct node_proto p;
	struct buf out;
	struct node_request req;
	bool last_multigraph; /* what list was called with */
	int lists;
};

static void
fake_list(void *arg, bool multigraph, struct buf *out)
{
	struct fixture *f = arg;

	f->lists++;
	f->last_multigraph = multigraph;
	buf_puts(out, multigraph ? "cpu load diskstats" : "cpu load");
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	node_proto_init(&f->p, "Node.Example", fake_list, f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	buf_free(&f->out);
	free(f);
	return 0;
}

/* line in; expects step and returns the answer text (valid until the
 * next call) */
static const char *
line(struct fixture *f, const char *text, enum node_step want)
{
	buf_free(&f->out);
	assert_int_equal(
	    node_proto_line(&f->p, text, strlen(text), &f->out, &f->req), want);
	return f->out.p != NULL ? f->out.p : "";
}

static void
test_banner_version_nodes(void **state)
{
	struct fixture *f = *state;

	node_proto_banner(&f->p, &f->out);
	assert_string_equal(f->out.p, "# munin node at Node.Example\n");
	assert_string_equal(line(f, "version", NODE_STEP_ANSWERED),
	    "munins node on Node.Example version: 2.0.73\n");
	/* munin-node keeps node names in lower case */
	assert_string_equal(
	    line(f, "nodes", NODE_STEP_ANSWERED), "node.example\n.\n");
	assert_string_equal(line(f, "VERSION\r", NODE_STEP_ANSWERED),
	    "munins node on Node.Example version: 2.0.73\n");
}

static void
test_cap_negotiation(void **state)
{
	struct fixture *f = *state;

	assert_false(f->p.multigraph);
	assert_false(f->p.dirtyconfig);
	assert_string_equal(
	    line(f, "cap multigraph dirtyconfig\r", NODE_STEP_ANSWERED),
	    "cap multigraph dirtyconfig\n");
	assert_true(f->p.multigraph);
	assert_true(f->p.dirtyconfig);
	/* a new cap replaces what the master announced */
	assert_string_equal(line(f, "cap multigraph", NODE_STEP_ANSWERED),
	    "cap multigraph dirtyconfig\n");
	assert_true(f->p.multigraph);
	assert_false(f->p.dirtyconfig);
	/* words only, not parts of words */
	line(f, "cap multigraphs dirty", NODE_STEP_ANSWERED);
	assert_false(f->p.multigraph);
	assert_false(f->p.dirtyconfig);
	assert_string_equal(
	    line(f, "cap", NODE_STEP_ANSWERED), "cap multigraph dirtyconfig\n");
}

static void
test_list(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(line(f, "list", NODE_STEP_ANSWERED), "cpu load\n");
	assert_false(f->last_multigraph);
	line(f, "cap multigraph", NODE_STEP_ANSWERED);
	assert_string_equal(
	    line(f, "list", NODE_STEP_ANSWERED), "cpu load diskstats\n");
	assert_true(f->last_multigraph);
	/* our node, in any case */
	assert_string_equal(line(f, "list node.example", NODE_STEP_ANSWERED),
	    "cpu load diskstats\n");
	assert_string_equal(line(f, "LIST Node.Example\r", NODE_STEP_ANSWERED),
	    "cpu load diskstats\n");
	/* another node: an empty line, as munin-node answers */
	f->lists = 0;
	assert_string_equal(
	    line(f, "list other.example", NODE_STEP_ANSWERED), "\n");
	assert_string_equal(line(f, "listfoo", NODE_STEP_ANSWERED), "\n");
	assert_int_equal(f->lists, 0);
}

static void
test_config_fetch_ask(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(line(f, "fetch load", NODE_STEP_ASK), "");
	assert_false(f->req.config);
	assert_string_equal(f->req.name, "load");
	line(f, "config cpu\r", NODE_STEP_ASK);
	assert_true(f->req.config);
	assert_string_equal(f->req.name, "cpu");
	/* words after the name are ignored, as munin-node does */
	line(f, "Fetch if_eth0 extra", NODE_STEP_ASK);
	assert_false(f->req.config);
	assert_string_equal(f->req.name, "if_eth0");
}

static void
test_unknown_service(void **state)
{
	struct fixture *f = *state;
	char longname[600];

	assert_string_equal(
	    line(f, "fetch", NODE_STEP_ANSWERED), "# Unknown service\n.\n");
	assert_string_equal(
	    line(f, "config", NODE_STEP_ANSWERED), "# Unknown service\n.\n");
	/* two spaces: an empty name to munin-node's "fetch\s?(\S*)" */
	assert_string_equal(line(f, "fetch  load", NODE_STEP_ANSWERED),
	    "# Unknown service\n.\n");
	/* a name no plugin can have */
	memset(longname, 'a', sizeof(longname));
	memcpy(longname, "fetch ", 6);
	longname[sizeof(longname) - 1] = '\0';
	assert_string_equal(
	    line(f, longname, NODE_STEP_ANSWERED), "# Unknown service\n.\n");
	buf_free(&f->out);
	node_proto_answer(&f->out, NODE_ANSWER_UNKNOWN, NULL, 0);
	assert_string_equal(f->out.p, "# Unknown service\n.\n");
}

static void
test_answers(void **state)
{
	struct fixture *f = *state;

	node_proto_answer(&f->out, NODE_ANSWER_OK, "a.value 1\n", 10);
	assert_string_equal(f->out.p, "a.value 1\n.\n");
	buf_free(&f->out);
	node_proto_answer(&f->out, NODE_ANSWER_OK, "", 0);
	assert_string_equal(f->out.p, ".\n");
	buf_free(&f->out);
	node_proto_answer(&f->out, NODE_ANSWER_TIMED_OUT, NULL, 0);
	assert_string_equal(f->out.p, "# Timed out\n.\n");
	buf_free(&f->out);
	node_proto_answer(&f->out, NODE_ANSWER_BAD_EXIT, NULL, 0);
	assert_string_equal(f->out.p, "# Bad exit\n.\n");
}

static void
test_unknown_command_and_quit(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(line(f, "bogus", NODE_STEP_ANSWERED), UNKNOWN_CMD);
	assert_string_equal(line(f, "", NODE_STEP_ANSWERED), UNKNOWN_CMD);
	assert_string_equal(
	    line(f, "starttls", NODE_STEP_ANSWERED), UNKNOWN_CMD);
	assert_string_equal(line(f, " list", NODE_STEP_ANSWERED), UNKNOWN_CMD);
	line(f, "quit", NODE_STEP_QUIT);
	line(f, "QUIT\r", NODE_STEP_QUIT);
	line(f, ".", NODE_STEP_QUIT);
}

/* A line of any bytes is answered (no NUL termination needed). */
static void
test_overlong_and_binary_lines(void **state)
{
	struct fixture *f = *state;
	static char big[100000];

	memset(big, 'x', sizeof(big));
	buf_free(&f->out);
	assert_int_equal(
	    node_proto_line(&f->p, big, sizeof(big), &f->out, &f->req),
	    NODE_STEP_ANSWERED);
	assert_string_equal(f->out.p, UNKNOWN_CMD);
	memcpy(big, "fetch ", 6);
	buf_free(&f->out);
	assert_int_equal(
	    node_proto_line(&f->p, big, sizeof(big), &f->out, &f->req),
	    NODE_STEP_ANSWERED);
	assert_string_equal(f->out.p, "# Unknown service\n.\n");
	buf_free(&f->out);
	assert_int_equal(node_proto_line(&f->p, "fet\0ch", 6, &f->out, &f->req),
	    NODE_STEP_ANSWERED);
	assert_string_equal(f->out.p, UNKNOWN_CMD);
}

/* ---- node_allow ---------------------------------------------------- */

static bool
permits(const struct node_allow *a, const char *ip)
{
	struct sockaddr_in6 s6 = {0};
	struct sockaddr_in s4 = {0};

	if (inet_pton(AF_INET, ip, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		return node_allow_permits(a, (struct sockaddr *)&s4);
	}
	assert_int_equal(inet_pton(AF_INET6, ip, &s6.sin6_addr), 1);
	s6.sin6_family = AF_INET6;
	return node_allow_permits(a, (struct sockaddr *)&s6);
}

static void
test_allow(void **state)
{
	struct node_allow a = {0};
	struct node_cidr c;

	(void)state;
	assert_false(permits(&a, "127.0.0.1")); /* empty: nobody */
	assert_int_equal(node_allow_loopback(&a), 0);
	assert_true(permits(&a, "127.0.0.1"));
	assert_true(permits(&a, "127.255.0.9"));
	assert_true(permits(&a, "::1"));
	assert_true(permits(&a, "::ffff:127.0.0.1")); /* dual-stack */
	assert_false(permits(&a, "128.0.0.1"));
	assert_false(permits(&a, "::2"));
	assert_false(permits(&a, "10.0.0.1"));
	assert_int_equal(node_allow_add(&a, "10.1.2.3/12"), 0); /* cleared */
	assert_true(permits(&a, "10.15.255.255"));
	assert_false(permits(&a, "10.16.0.0"));
	assert_int_equal(node_allow_add(&a, "2001:db8::/33"), 0);
	assert_true(permits(&a, "2001:db8:7fff::1"));
	assert_false(permits(&a, "2001:db8:8000::1"));
	assert_int_equal(node_allow_add(&a, "192.0.2.7"), 0);
	assert_true(permits(&a, "192.0.2.7"));
	assert_false(permits(&a, "192.0.2.8"));
	assert_int_equal(node_allow_add(&a, "0.0.0.0/0"), 0);
	assert_true(permits(&a, "203.0.113.1"));
	node_allow_cleanup(&a);
	assert_false(node_cidr_parse("10.0.0.0/33", &c));
	assert_false(node_cidr_parse("10.0.0.0/", &c));
	assert_false(node_cidr_parse("10.0.0.0/-1", &c));
	assert_false(node_cidr_parse("10.0.0.0/8x", &c));
	assert_false(node_cidr_parse("::1/129", &c));
	assert_false(node_cidr_parse("localhost", &c));
	assert_false(node_cidr_parse("^127\\.0\\.0\\.1$", &c));
	assert_false(node_cidr_parse("", &c));
	assert_true(node_cidr_parse("::/0", &c));
}

/* ---- node_probes on the /proc fixture ------------------------------ */

struct answer {
	enum node_answer a;
	char text[8192];
	int calls;
};

static void
on_answer(void *arg, enum node_answer a, const char *text, size_t len)
{
	struct answer *an = arg;

	an->a = a;
	an->calls++;
	an->text[0] = '\0';
	if (text != NULL) {
		assert_true(len < sizeof(an->text));
		memcpy(an->text, text, len);
		an->text[len] = '\0';
	}
}

static struct node_plugins *
probes_on_fixture(void)
{
	struct node_plugins *np = node_plugins_new();
	struct host_roots r = {
	    .proc = FIXTURES "/proc", .sys = FIXTURES "/sys"};
	void *ctx = node_probes_new(&r);

	assert_non_null(np);
	assert_non_null(ctx);
	assert_int_equal(node_plugins_add(np, &node_probes_kind, ctx), 0);
	return np;
}

static void
test_probes_answers(void **state)
{
	struct node_plugins *np = probes_on_fixture();
	struct node_ask q = {.name = "load", .now_ms = 1000};
	struct buf list = {0};
	struct answer an = {0};

	(void)state;
	node_plugins_list(np, true, 1000, &list);
	assert_non_null(strstr(list.p, "cpu load memory"));
	buf_free(&list);
	assert_null(node_plugins_ask(np, &q, on_answer, &an));
	assert_int_equal(an.calls, 1);
	assert_int_equal(an.a, NODE_ANSWER_OK);
	assert_string_equal(an.text, "load.value 0.18\n");
	q.config = true;
	node_plugins_ask(np, &q, on_answer, &an);
	assert_non_null(strstr(an.text, "graph_title Load average\n"));
	assert_non_null(strstr(an.text, "load.label load\n"));
	assert_null(strstr(an.text, ".value"));
	q.dirtyconfig = true; /* config carries the values */
	node_plugins_ask(np, &q, on_answer, &an);
	assert_non_null(strstr(an.text, "load.label load\n"));
	assert_non_null(strstr(an.text, "\nload.value 0.18\n"));
	q.name = "nosuch";
	node_plugins_ask(np, &q, on_answer, &an);
	assert_int_equal(an.a, NODE_ANSWER_UNKNOWN);
	assert_int_equal(an.calls, 4);
	/* integers as the plugins print them */
	q.name = "cpu";
	q.config = false;
	node_plugins_ask(np, &q, on_answer, &an);
	assert_int_equal(an.a, NODE_ANSWER_OK);
	assert_non_null(strstr(an.text, "user.value "));
	assert_null(strstr(an.text, ".000"));
	assert_null(strstr(an.text, "e+"));
	node_plugins_free(np);
}

static void
test_probes_reading_reused(void **state)
{
	char dir[] = "/tmp/drover-node-proto.XXXXXX", path[256];
	struct node_ask q = {.name = "load"};
	struct node_plugins *np;
	struct answer an = {0};
	struct host_roots r = {0};
	void *ctx;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/loadavg", dir);
	fp = fopen(path, "w");
	fputs("0.16 0.50 0.09 1/83 7926\n", fp);
	fclose(fp);
	np = node_plugins_new();
	r.proc = r.sys = dir;
	ctx = node_probes_new(&r);
	node_plugins_add(np, &node_probes_kind, ctx);
	q.now_ms = 5000;
	node_plugins_ask(np, &q, on_answer, &an);
	assert_string_equal(an.text, "load.value 0.5\n");
	fp = fopen(path, "w");
	fputs("0.16 0.75 0.09 1/83 7926\n", fp);
	fclose(fp);
	/* within NODE_PROBE_FRESH_MS: the same reading */
	q.now_ms = 5000 + NODE_PROBE_FRESH_MS - 1;
	node_plugins_ask(np, &q, on_answer, &an);
	assert_string_equal(an.text, "load.value 0.5\n");
	q.now_ms = 5000 + NODE_PROBE_FRESH_MS;
	node_plugins_ask(np, &q, on_answer, &an);
	assert_string_equal(an.text, "load.value 0.75\n");
	/* a missing file: no service, unknown, no crash */
	unlink(path);
	q.now_ms += NODE_PROBE_FRESH_MS;
	node_plugins_ask(np, &q, on_answer, &an);
	assert_int_equal(an.a, NODE_ANSWER_UNKNOWN);
	node_plugins_free(np);
	rmdir(dir);
}

/* ---- node_probes with a probe that refreshes ------------------------ */

/* t_cmd: its refresh runs `sh -c SCRIPT` (SCRIPT in roots' lvs_command)
 * through host_cmd as the lvm and xen probes do; collect shows the last
 * output as "v" and how many refreshes ran as "runs". */
struct tcmd {
	const struct host_cmd_runner *runner;
	struct host_cmd *cmd;
	host_refresh_cb done;
	void *arg;
	int refreshes, cancels;
	bool have;
	double v;
};

static void
tcmd_on_cmd(const struct host_cmd_result *res, void *arg)
{
	struct tcmd *t = arg;

	t->cmd = NULL;
	t->have = res->status == HOST_CMD_OK;
	t->v = atof(res->out);
	t->done(t->arg);
}

static int
tcmd_refresh(uv_loop_t *loop, const struct host_roots *r, void **state,
    host_refresh_cb done, void *arg)
{
	const char *argv[] = {"/bin/sh", "-c", r->lvs_command, NULL};
	struct tcmd *t = *state;

	if (t == NULL) {
		t = calloc(1, sizeof(*t));
		assert_non_null(t);
		*state = t;
	}
	assert_null(t->cmd);
	t->runner = r->runner;
	t->done = done;
	t->arg = arg;
	t->refreshes++;
	t->cmd = host_cmd_run(
	    r->runner, loop, argv, r->command_timeout_ms, 0, tcmd_on_cmd, t);
	return t->cmd != NULL ? 0 : -1;
}

static void
tcmd_cancel(void *state)
{
	struct tcmd *t = state;

	t->cancels++;
	if (t->cmd != NULL)
		host_cmd_withdraw(t->runner, t->cmd);
	t->cmd = NULL;
}

static void
tcmd_free(void *state)
{
	tcmd_cancel(state);
	free(state);
}

static int
tcmd_collect(const struct host_roots *r, void **state, struct batch *b)
{
	static const char *const graph[][2] = {{"graph_title", "t"}};
	static const char *const label[][2] = {{"label", "v"}};
	struct tcmd *t = *state;
	struct service *s;

	(void)r;
	if (t == NULL || !t->have)
		return 0; /* nothing before the first refresh */
	s = host_service_add(b, "t_cmd", graph, 1);
	if (s == NULL ||
	    host_field_add(s, "v", label, 1, t->v, false) == NULL ||
	    host_field_add(s, "runs", label, 1, t->refreshes, false) == NULL)
		return -1;
	return 0;
}

static const struct host_probe probe_tcmd = {.name = "t_cmd",
    .collect = tcmd_collect,
    .state_free = tcmd_free,
    .refresh = tcmd_refresh,
    .refresh_cancel = tcmd_cancel};
static const struct host_probe *const tcmd_probes[] = {&probe_tcmd};

static void
write_value(const char *path, int v)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fprintf(fp, "%d\n", v);
	fclose(fp);
}

/* Lets the last refresh grow older than NODE_PROBE_FRESH_MS. */
static void
age(uv_loop_t *loop)
{
	usleep((NODE_PROBE_FRESH_MS + 50) * 1000);
	uv_update_time(loop);
}

/*
 * A start-up refresh in the background (the first list knows the probe
 * once it ended), a fresh refresh answered at once, a stale one answered
 * when a new refresh ends, shared by two masters, a cancelled answer
 * withdrawn while the other still comes, list never waiting, and the
 * context freed with a refresh running (no answer, the command killed).
 */
static void
test_probes_refresh(void **state)
{
	char dir[] = "/tmp/drover-node-proto.XXXXXX", path[256], script[300];
	struct host_roots r = {.command_timeout_ms = 5000};
	struct answer a1 = {0}, a2 = {0};
	struct node_ask q = {.name = "t_cmd"};
	struct node_pending *p1, *p2;
	struct node_plugins *np;
	struct buf list = {0};
	uv_loop_t loop;
	void *ctx;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/value", dir);
	snprintf(script, sizeof(script), "cat %s", path);
	write_value(path, 1);
	r.proc = r.sys = dir;
	r.lvs_command = script;
	assert_int_equal(uv_loop_init(&loop), 0);
	np = node_plugins_new();
	ctx = node_probes_new_probes(&r, tcmd_probes, 1);
	assert_non_null(ctx);
	assert_int_equal(node_plugins_add(np, &node_probes_kind, ctx), 0);
	script[0] = 'X'; /* the context has its own copy */

	assert_int_equal(node_probes_start(ctx, &loop), 0);
	/* list does not wait: nothing yet */
	node_plugins_list(np, true, uv_now(&loop), &list);
	assert_null(strstr(list.p != NULL ? list.p : "", "t_cmd"));
	buf_free(&list);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_update_time(&loop);
	/* the start-up refresh has ended: list knows the probe */
	node_plugins_list(np, true, uv_now(&loop), &list);
	assert_string_equal(list.p, "t_cmd");
	buf_free(&list);
	age(&loop);

	/* stale: answered when a new refresh ends, one for both masters */
	write_value(path, 2);
	q.now_ms = uv_now(&loop);
	p1 = node_plugins_ask(np, &q, on_answer, &a1);
	p2 = node_plugins_ask(np, &q, on_answer, &a2);
	assert_non_null(p1);
	assert_non_null(p2);
	assert_int_equal(a1.calls + a2.calls, 0);
	/* list meanwhile: at once, from the last result */
	node_plugins_list(np, true, q.now_ms, &list);
	assert_string_equal(list.p, "t_cmd");
	buf_free(&list);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(a1.calls, 1);
	assert_int_equal(a2.calls, 1);
	assert_int_equal(a1.a, NODE_ANSWER_OK);
	assert_string_equal(a1.text, "v.value 2\nruns.value 2\n");
	assert_string_equal(a2.text, a1.text);

	/* fresh: at once, no new refresh */
	uv_update_time(&loop);
	q.now_ms = uv_now(&loop);
	q.config = true;
	assert_null(node_plugins_ask(np, &q, on_answer, &a1));
	assert_int_equal(a1.calls, 2);
	assert_non_null(strstr(a1.text, "graph_title t\nv.label v\n"));
	q.config = false;

	/* a cancelled answer is withdrawn, the other still comes */
	age(&loop);
	write_value(path, 3);
	q.now_ms = uv_now(&loop);
	p1 = node_plugins_ask(np, &q, on_answer, &a1);
	p2 = node_plugins_ask(np, &q, on_answer, &a2);
	assert_non_null(p1);
	assert_non_null(p2);
	node_plugins_cancel(p1);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(a1.calls, 2);
	assert_int_equal(a2.calls, 2);
	assert_string_equal(a2.text, "v.value 3\nruns.value 3\n");

	/* freed with a refresh running: no answer, the command killed (the
	 * loop empties long before sleep 30) */
	age(&loop);
	snprintf(script, sizeof(script), "exec sleep 30");
	node_plugins_free(np);
	np = node_plugins_new();
	r.lvs_command = script;
	ctx = node_probes_new_probes(&r, tcmd_probes, 1);
	assert_int_equal(node_plugins_add(np, &node_probes_kind, ctx), 0);
	assert_int_equal(node_probes_start(ctx, &loop), 0);
	q.now_ms = uv_now(&loop);
	p1 = node_plugins_ask(np, &q, on_answer, &a1);
	assert_non_null(p1);
	node_plugins_free(np);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(a1.calls, 2);
	assert_int_equal(uv_loop_close(&loop), 0);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_banner_version_nodes, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_cap_negotiation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_config_fetch_ask, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_unknown_service, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_answers, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_unknown_command_and_quit, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_overlong_and_binary_lines, setup, teardown),
	    cmocka_unit_test(test_allow),
	    cmocka_unit_test(test_probes_answers),
	    cmocka_unit_test(test_probes_reading_reused),
	    cmocka_unit_test(test_probes_refresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
