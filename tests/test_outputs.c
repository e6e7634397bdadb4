/*
 * Tests for outputs, the loop glue between the alert engine and its
 * outputs: a change reaches Nagios's command file, the Munin contact
 * commands and the notifier's spool; a first state goes to Nagios only
 * and never pages; changes of one service in one loop turn are one
 * result; after outputs_stop events are ignored; outputs_stats reports
 * the notifier's and the Nagios writer's own counters.
 *
 * The Nagios command file is a regular file (made here, as Nagios would), the
 * contact command a "cat >>" into the test's directory, the webhook a closed
 * port held back by a long group window, so nothing leaves the machine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <uv.h>

#include "alerts/outputs.h"
#include "catalog/catalog.h"
#include "collector/conf.h"

#define WAIT_MS 5000 /* longest wait for a contact command, ms */

struct fx {
	char dir[64];
	char spool[96]; /* the pages' spool, under dir */
	uv_loop_t loop;
	struct conf *conf;
	struct catalog *cat;
	struct outputs *o;
};

/* web1's only service, "load", as the catalog holds it. */
static struct cat_service *
load_service(struct fx *f)
{
	return &catalog_find(f->cat, "web1")->services[0];
}

/*
 * The one place the outputs are set up: a config with a Nagios command
 * file, a contact command and a webhook contact, parsed as the daemon
 * parses munin.conf, and a catalog holding web1's "load" service with its
 * field in hard state CRITICAL.  Hosts name no "contacts" list.
 */
static void
open_outputs(struct fx *f)
{
	struct conf_errors errs = {0};
	struct batch b = {0};
	struct service *s;
	struct field *fl;
	struct outputs_conf oc;
	struct cat_host *h;
	char text[1024];
	FILE *fp;

	/* Nagios makes its command file; the writer never creates it */
	snprintf(text, sizeof(text), "%s/nagios.cmd", f->dir);
	fp = fopen(text, "w");
	assert_non_null(fp);
	fclose(fp);
	snprintf(text, sizeof(text),
	    "state_dir %s\n"
	    "notify_group_window 3600\n"
	    "nagios_command_file %s/nagios.cmd\n"
	    "contact.ops.webhook http://127.0.0.1:9/never\n"
	    "contact.log.command cat >> %s/contact.out\n"
	    "contact.log.text ${var:host} ${var:worst}\n",
	    f->dir, f->dir, f->dir);
	f->conf = conf_new();
	assert_non_null(f->conf);
	f->conf->local_node = false;
	assert_int_equal(
	    conf_parse_buf(f->conf, "t.conf", text, strlen(text), &errs), 0);
	assert_int_equal(conf_finish(f->conf, &errs), 0);

	f->cat = catalog_new();
	assert_non_null(f->cat);
	h = catalog_host(f->cat, "web1", "example.com", NULL);
	s = batch_service(&b, "load", true);
	s->has_config = true;
	attrs_set(&s->graph, "graph_title", "Load average");
	fl = service_field(s, "load", true);
	attrs_set(&fl->attrs, "label", "load");
	attrs_set(&fl->attrs, "critical", "2.5"); /* Munin's: a bare max */
	fl->has_value = true;
	fl->value = 3.0;
	catalog_update(f->cat, h, 1000, &b);
	batch_cleanup(&b);
	cat_field_set_alert(load_service(f), 0, FS_CRITICAL);

	snprintf(f->spool, sizeof(f->spool), "%s/spool", f->dir);
	memset(&oc, 0, sizeof(oc));
	oc.nagios_command_file = f->conf->nagios_command_file;
	oc.spool_dir = f->spool;
	oc.notify = &f->conf->notify;
	oc.contacts = &f->conf->contacts;
	f->o = outputs_new(&f->loop, &oc, f->cat);
	assert_non_null(f->o);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_outputs.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(uv_loop_init(&f->loop), 0);
	open_outputs(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	outputs_stop(f->o);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	outputs_free(f->o);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	catalog_free(f->cat);
	conf_free(f->conf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* The file name in the test's directory, whole ("" when missing). */
static char *
slurp(const struct fx *f, const char *name)
{
	static char buf[8192];
	char path[160];
	FILE *fp;
	size_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fp = fopen(path, "r");
	if (fp == NULL)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static size_t
lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* Runs the loop (never blocking on the notifier's long timers) until
 * name holds n lines or WAIT_MS pass; then a few more turns, so that a
 * line too many would show. */
static void
run_until_lines(struct fx *f, const char *name, size_t n)
{
	int i;

	for (i = 0; i < WAIT_MS / 10 && lines(slurp(f, name)) < n; i++) {
		uv_run(&f->loop, UV_RUN_NOWAIT);
		usleep(10000);
	}
	for (i = 0; i < 20; i++) {
		uv_run(&f->loop, UV_RUN_NOWAIT);
		usleep(5000);
	}
}

static struct alert_event
load_event(enum field_state st, enum field_state prev, bool initial)
{
	struct alert_event ev = {
	    .host = "web1",
	    .service = "load",
	    .field = "load",
	    .label = "load",
	    .unit = "",
	    .state = st,
	    .prev = prev,
	    .has_value = true,
	    .value = 3.0,
	    .critical = "2.5",
	    .initial = initial,
	};

	/* now: a problem that began long ago would be reminded at once */
	ev.since = ev.when = time(NULL);
	return ev;
}

static void
test_change_reaches_every_output(void **state)
{
	struct fx *f = *state;
	struct alert_event ev = load_event(FS_CRITICAL, FS_OK, false);
	struct outputs_stats st;

	outputs_event(f->o, &ev);
	/* the page is spooled at once; Nagios and contacts wait for the
	 * end of the loop turn */
	outputs_stats(f->o, &st);
	assert_int_equal(st.pages.queued, 1);
	assert_int_equal(st.nagios.written, 0);
	run_until_lines(f, "contact.out", 1);
	assert_non_null(strstr(slurp(f, "nagios.cmd"),
	    "] PROCESS_SERVICE_CHECK_RESULT;web1;load;2;web1 load:"));
	assert_int_equal(lines(slurp(f, "nagios.cmd")), 1);
	assert_string_equal(slurp(f, "contact.out"), "web1 CRITICAL\n");
	outputs_stats(f->o, &st);
	assert_int_equal(st.nagios.written, 1);
	assert_int_equal(st.nagios.pending, 0);
	assert_int_equal(st.nagios.dropped, 0);
	assert_int_equal(st.pages.queued, 1);
	assert_int_equal(st.pages.delivered, 0);
	assert_true(st.pages.oldest > 0);
}

static void
test_initial_state_never_pages(void **state)
{
	struct fx *f = *state;
	struct alert_event ev = load_event(FS_CRITICAL, FS_UNKNOWN, true);
	struct outputs_stats st;

	outputs_event(f->o, &ev);
	run_until_lines(f, "nagios.cmd", 1);
	/* Nagios learns the state; no contact runs, nothing is paged */
	assert_int_equal(lines(slurp(f, "nagios.cmd")), 1);
	assert_string_equal(slurp(f, "contact.out"), "");
	outputs_stats(f->o, &st);
	assert_int_equal(st.pages.queued, 0);
	assert_int_equal(st.pages.open_problems, 0);
	/* a real change later does page */
	ev = load_event(FS_OK, FS_CRITICAL, false);
	cat_field_set_alert(load_service(f), 0, FS_OK);
	outputs_event(f->o, &ev);
	run_until_lines(f, "contact.out", 1);
	assert_string_equal(slurp(f, "contact.out"), "web1 OK\n");
	assert_non_null(strstr(slurp(f, "nagios.cmd"), ";web1;load;0;"));
	outputs_stats(f->o, &st);
	assert_int_equal(st.nagios.written, 2);
}

/* A first state and a change of the same service in one turn go out as
 * one result, and the change wins: the contact hears of it. */
static void
test_one_result_per_service_per_turn(void **state)
{
	struct fx *f = *state;
	struct alert_event ev = load_event(FS_CRITICAL, FS_UNKNOWN, true);
	struct outputs_stats st;

	outputs_event(f->o, &ev);
	ev = load_event(FS_CRITICAL, FS_OK, false);
	outputs_event(f->o, &ev);
	outputs_event(f->o, &ev);
	run_until_lines(f, "contact.out", 1);
	assert_int_equal(lines(slurp(f, "nagios.cmd")), 1);
	assert_string_equal(slurp(f, "contact.out"), "web1 CRITICAL\n");
	outputs_stats(f->o, &st);
	assert_int_equal(st.nagios.written, 1);
}

/* A host event goes to Nagios as a host result at once, and pages. */
static void
test_host_down(void **state)
{
	struct fx *f = *state;
	struct alert_event ev = {
	    .host = "web1",
	    .state = FS_CRITICAL,
	    .prev = FS_OK,
	    .host_down = true,
	    .text = "web1 is down: connection refused",
	};
	struct outputs_stats st;

	ev.since = ev.when = time(NULL);
	outputs_event(f->o, &ev);
	assert_non_null(strstr(slurp(f, "nagios.cmd"),
	    "] PROCESS_HOST_CHECK_RESULT;web1;1;web1 is down: connection "
	    "refused\n"));
	outputs_stats(f->o, &st);
	assert_int_equal(st.nagios.written, 1);
	assert_int_equal(st.pages.queued, 1);
	run_until_lines(f, "contact.out", 0);
	assert_string_equal(slurp(f, "contact.out"), "");
}

static void
test_stop_ignores_later_events(void **state)
{
	struct fx *f = *state;
	struct alert_event ev = load_event(FS_CRITICAL, FS_OK, false);
	struct outputs_stats st;

	outputs_stop(f->o);
	outputs_event(f->o, &ev);
	ev.service = NULL;
	ev.host_down = true;
	outputs_event(f->o, &ev);
	outputs_refresh(f->o);
	run_until_lines(f, "nagios.cmd", 0);
	assert_string_equal(slurp(f, "nagios.cmd"), "");
	assert_string_equal(slurp(f, "contact.out"), "");
	/* stopped: the owners are gone, every counter reads 0 */
	outputs_stats(f->o, &st);
	assert_int_equal(st.pages.queued, 0);
	assert_int_equal(st.nagios.written, 0);
}

/* The freshness refresh re-sends every service with alert rules. */
static void
test_refresh_resends_states(void **state)
{
	struct fx *f = *state;
	struct outputs_stats st;

	outputs_refresh(f->o);
	outputs_refresh(f->o);
	assert_int_equal(lines(slurp(f, "nagios.cmd")), 2);
	assert_non_null(strstr(slurp(f, "nagios.cmd"), ";web1;load;2;"));
	outputs_stats(f->o, &st);
	assert_int_equal(st.nagios.written, 2);
	assert_int_equal(st.pages.queued, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_change_reaches_every_output, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_initial_state_never_pages, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_one_result_per_service_per_turn, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_host_down, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_stop_ignores_later_events, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_refresh_resends_states, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
