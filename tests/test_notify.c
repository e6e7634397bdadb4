/* Tests for notify_fmt (payloads, subjects, decisions), spool, and the
 * notifier's spool recovery. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <jansson.h>
#include <uv.h>

#include "collector/conf.h"
#include "lib/log.h"
#include "alerts/notify.h"
#include "alerts/notify_fmt.h"
#include "alerts/page_queue.h"
#include "alerts/spool.h"

static struct alert_event
volts_event(enum field_state st, enum field_state prev, double v)
{
	struct alert_event ev = {
	    .host = "kvm1",
	    .service = "ipmi_volts",
	    .field = "v12",
	    .label = "12V rail",
	    .unit = "V",
	    .state = st,
	    .prev = prev,
	    .has_value = true,
	    .value = v,
	    .warning = "11.8:12.6",
	    .critical = "11.5:12.8",
	    .since = 1700000000,
	    .when = 1700000000,
	    .key = "kvm1/ipmi_volts/v12/CRITICAL/1700000000",
	};
	return ev;
}

static void
test_subject_and_sentence(void **state)
{
	struct alert_event ev = volts_event(FS_CRITICAL, FS_WARNING, 10.9);
	struct notify_item it, it2, it3;
	const struct notify_item *v[3] = {&it, &it2, &it3};
	char buf[256];

	(void)state;
	assert_int_equal(notify_item_from_event(&it, &ev), 0);
	notify_subject(v, 1, buf, sizeof(buf));
	assert_string_equal(buf, "CRITICAL kvm1 12V rail 10.90 V");
	/* no text from the engine: one is made */
	assert_string_equal(it.text,
	    "kvm1 ipmi_volts 12V rail is CRITICAL at 10.90 V (warning "
	    "11.8:12.6, critical 11.5:12.8), was WARNING");
	ev = volts_event(FS_WARNING, FS_OK, 11.7);
	ev.label = "5V\nrail";
	ev.key = "k2";
	assert_int_equal(notify_item_from_event(&it2, &ev), 0);
	notify_subject(v + 1, 1, buf, sizeof(buf));
	assert_string_equal(buf, "WARNING kvm1 5V rail 11.70 V");
	ev = volts_event(FS_OK, FS_CRITICAL, 12.0);
	ev.key = "k3";
	ev.text = "kvm1 3V3 is OK again";
	assert_int_equal(notify_item_from_event(&it3, &ev), 0);
	assert_string_equal(it3.text, "kvm1 3V3 is OK again");
	notify_subject(v, 2, buf, sizeof(buf));
	assert_string_equal(buf, "CRITICAL kvm1 2 problems");
	notify_subject(v, 3, buf, sizeof(buf));
	assert_string_equal(buf, "CRITICAL kvm1 2 problems, 1 recovered");
	notify_subject(v + 2, 1, buf, sizeof(buf));
	assert_string_equal(buf, "OK kvm1 12V rail 12.00 V");
	/* host down, and an event without a key gets a stable one */
	memset(&ev, 0, sizeof(ev));
	ev.host = "kvm2";
	ev.host_down = true;
	ev.state = FS_CRITICAL;
	ev.since = 5;
	notify_item_cleanup(&it2);
	assert_int_equal(notify_item_from_event(&it2, &ev), 0);
	notify_subject(v + 1, 1, buf, sizeof(buf));
	assert_string_equal(buf, "CRITICAL kvm2 host down");
	assert_string_equal(it2.text, "kvm2 is down (CRITICAL)");
	assert_non_null(it2.key);
	snprintf(buf, sizeof(buf), "%s", it2.key);
	notify_item_cleanup(&it2);
	assert_int_equal(notify_item_from_event(&it2, &ev), 0);
	assert_string_equal(buf, it2.key);
	notify_item_cleanup(&it);
	notify_item_cleanup(&it2);
	notify_item_cleanup(&it3);
}

static void
test_webhook_body(void **state)
{
	struct alert_event ev = volts_event(FS_CRITICAL, FS_WARNING, 10.9);
	struct notify_item a, b;
	const struct notify_item *v[2] = {&a, &b};
	json_t *j, *items;
	char *s;

	(void)state;
	assert_int_equal(notify_item_from_event(&a, &ev), 0);
	ev = volts_event(FS_WARNING, FS_OK, 4.5);
	ev.field = "v5";
	ev.label = "5V rail";
	ev.warning = NULL;
	ev.key = "kvm1/v5";
	assert_int_equal(notify_item_from_event(&b, &ev), 0);

	s = notify_webhook_body(v, 1);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_string_equal(
	    json_string_value(json_object_get(j, "host")), "kvm1");
	assert_string_equal(
	    json_string_value(json_object_get(j, "service")), "ipmi_volts");
	assert_string_equal(
	    json_string_value(json_object_get(j, "field")), "v12");
	assert_string_equal(
	    json_string_value(json_object_get(j, "label")), "12V rail");
	assert_string_equal(
	    json_string_value(json_object_get(j, "state")), "CRITICAL");
	assert_string_equal(
	    json_string_value(json_object_get(j, "previous_state")), "WARNING");
	assert_true(json_real_value(json_object_get(j, "value")) == 10.9);
	assert_string_equal(json_string_value(json_object_get(j, "unit")), "V");
	assert_string_equal(
	    json_string_value(json_object_get(j, "critical")), "11.5:12.8");
	assert_int_equal(
	    json_integer_value(json_object_get(j, "since")), 1700000000);
	assert_string_equal(json_string_value(json_object_get(j, "dedupe_key")),
	    "kvm1/ipmi_volts/v12/CRITICAL/1700000000");
	assert_string_equal(json_string_value(json_object_get(j, "summary")),
	    "CRITICAL kvm1 12V rail 10.90 V");
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);
	free(s);

	s = notify_webhook_body(v, 2);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "count")), 2);
	assert_string_equal(
	    json_string_value(json_object_get(j, "state")), "CRITICAL");
	assert_null(json_object_get(j, "field"));
	assert_memory_equal(
	    json_string_value(json_object_get(j, "dedupe_key")), "group-", 6);
	items = json_object_get(j, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(items, 1), "dedupe_key")),
	    "kvm1/v5");
	assert_true(
	    json_is_null(json_object_get(json_array_get(items, 1), "warning")));
	json_decref(j);
	free(s);
	notify_item_cleanup(&a);
	notify_item_cleanup(&b);
}

static void
test_email(void **state)
{
	struct alert_event ev = volts_event(FS_CRITICAL, FS_WARNING, 10.9);
	struct notify_item a;
	const struct notify_item *v[1] = {&a};
	char *m, idk[128];

	(void)state;
	ev.text = "12V rail is low\r\nInjected: header";
	assert_int_equal(notify_item_from_event(&a, &ev), 0);
	m = notify_email(
	    v, 1, "drover@example.org", "ops@example.org", 1700000000);
	assert_non_null(m);
	assert_non_null(strstr(m, "From: drover <drover@example.org>\r\n"));
	assert_non_null(strstr(m, "To: <ops@example.org>\r\n"));
	assert_non_null(strstr(m, "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"));
	assert_non_null(
	    strstr(m, "Subject: CRITICAL kvm1 12V rail 10.90 V\r\n"));
	assert_non_null(strstr(m, "Message-ID: <drover.kvm1_ipmi_volts_v12_"
				  "CRITICAL_1700000000@example.org>\r\n"));
	assert_non_null(strstr(m, "MIME-Version: 1.0\r\n"));
	assert_non_null(
	    strstr(m, "Content-Type: text/plain; charset=utf-8\r\n"));
	assert_non_null(
	    strstr(m, "X-Drover-Dedupe-Key: "
		      "kvm1/ipmi_volts/v12/CRITICAL/1700000000\r\n"));
	/* the body cannot add headers or bare LFs */
	assert_non_null(
	    strstr(m, "\r\n\r\n12V rail is low  Injected: header\r\n"));
	assert_null(strstr(m, "\r\nInjected"));
	free(m);
	/* a key from a spool file cannot add headers either (Message-ID
	 * and X-Drover-Dedupe-Key alike) */
	free(a.key);
	a.key =
	    strdup("kvm1/v12\r\nBcc: evil@example.org\n\x1b[2J\x7f\xc3\xa9");
	m = notify_email(
	    v, 1, "drover@example.org", "ops@example.org", 1700000000);
	assert_non_null(m);
	/* the webhook's X-Drover-Dedupe-Key header is this too */
	assert_string_equal(notify_page_key(v, 1, idk, sizeof(idk)),
	    "kvm1/v12__Bcc:_evil@example.org__[2J___");
	assert_null(strstr(m, "\r\nBcc"));
	assert_null(strstr(m, "\nBcc"));
	assert_non_null(
	    strstr(m, "X-Drover-Dedupe-Key: "
		      "kvm1/v12__Bcc:_evil@example.org__[2J___\r\n"));
	assert_non_null(strstr(m, "Message-ID: <drover.kvm1_v12__Bcc__evil_"
				  "example.org___2J___@example.org>\r\n"));
	free(m);
	notify_item_cleanup(&a);
}

/* A spool file may say since = INT64_MAX, which no calendar shows: the
 * body says the number instead of formatting uninitialised memory. */
static void
test_email_undatable_since(void **state)
{
	struct alert_event ev = volts_event(FS_CRITICAL, FS_WARNING, 10.9);
	struct notify_item a;
	const struct notify_item *v[1] = {&a};
	char *m;

	(void)state;
	assert_int_equal(notify_item_from_event(&a, &ev), 0);
	a.since = (time_t)INT64_MAX;
	m = notify_email(
	    v, 1, "drover@example.org", "ops@example.org", (time_t)INT64_MAX);
	assert_non_null(m);
	assert_non_null(strstr(m, "since @9223372036854775807, key "));
	assert_non_null(strstr(m, "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"));
	free(m);
	notify_item_cleanup(&a);
}

static void
test_classify_and_severities(void **state)
{
	struct alert_event ev = volts_event(FS_WARNING, FS_OK, 11.7);
	unsigned crit = contact_severities_parse("critical");

	(void)state;
	assert_int_equal(contact_severities_parse("warning,critical,unknown"),
	    CONTACT_SEV_ALL);
	assert_int_equal(contact_severities_parse("warning,"), 0);
	assert_int_equal(
	    notify_classify(&ev, CONTACT_SEV_ALL, true), NK_PROBLEM);
	assert_int_equal(notify_classify(&ev, crit, true), NK_NONE);
	ev.state = FS_OK;
	ev.prev = FS_WARNING;
	assert_int_equal(
	    notify_classify(&ev, CONTACT_SEV_ALL, true), NK_RECOVERY);
	assert_int_equal(notify_classify(&ev, CONTACT_SEV_ALL, false), NK_NONE);
	/* no recovery for a state the contact never heard about */
	assert_int_equal(notify_classify(&ev, crit, true), NK_NONE);
	ev.prev = FS_OK;
	assert_int_equal(notify_classify(&ev, CONTACT_SEV_ALL, true), NK_NONE);
}

static void
test_backoff_schedule(void **state)
{
	static const unsigned want[] = {10, 20, 40, 80, 160, 320, 600, 600};
	static const unsigned quick[] = {
	    2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600};
	struct conf *c = conf_new();
	unsigned i, sum = 0;

	(void)state;
	for (i = 0; i < 8; i++)
		assert_int_equal(notify_backoff(i + 1, 10, 600), want[i]);
	assert_int_equal(notify_backoff(1000, 10, 600), 600);
	assert_int_equal(notify_backoff(1, 1, 1), 1);
	/* the defaults: quick first retries, then backing off to the cap */
	for (i = 0; i < 11; i++)
		assert_int_equal(notify_backoff(i + 1, c->notify.retry_min,
				     c->notify.retry_max),
		    quick[i]);
	/* a receiver failing its first three attempts has the page 14 s
	 * after the first one (was 70 s with 10 s doubling) */
	for (i = 1; i <= 3; i++)
		sum +=
		    notify_backoff(i, c->notify.retry_min, c->notify.retry_max);
	assert_int_equal(sum, 14);
	conf_free(c);
}

static void
test_grouping(void **state)
{
	struct notify_slot v[5] = {
	    {"ops", 0, "kvm1", 10000, false, true},
	    {"ops", 1, "kvm1", 10000, false, true}, /* other channel */
	    {"ops", 0, "kvm2", 12000, false, true}, /* other host */
	    {"ops", 0, "kvm1", 5000, true, false},  /* in flight */
	    {"ops", 0, "kvm1", 8000, false, false}, /* a retry */
	};
	size_t idx[5];

	(void)state;
	/* a new kvm1 webhook item joins the waiting one */
	assert_int_equal(
	    notify_group_due(v, 5, "ops", 0, "kvm1", 10500, 0), 10000);
	assert_int_equal(
	    notify_group_due(v, 5, "ops", 0, "kvm1", 10500, 15000), 10000);
	/* a new host goes out at once, or at its burst window's end */
	assert_int_equal(
	    notify_group_due(v, 5, "ops", 0, "kvm3", 10500, 0), 10500);
	assert_int_equal(
	    notify_group_due(v, 5, "ops", 0, "kvm3", 10500, 15500), 15500);
	/* a window that closed is no window */
	assert_int_equal(
	    notify_group_due(v, 5, "ops", 0, "kvm3", 10500, 10500), 10500);
	assert_int_equal(
	    notify_group_due(v, 5, "dev", 0, "kvm1", 10500, 0), 10500);
	/* nothing due before the window closes, but the retry */
	assert_int_equal(notify_pick_batch(v, 5, 9999, 50, idx), 1);
	assert_int_equal(idx[0], 4);
	/* at the window's end: both webhook items of kvm1 in one page */
	assert_int_equal(notify_pick_batch(v, 5, 10000, 50, idx), 2);
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[1], 4);
	assert_int_equal(notify_pick_batch(v, 5, 10000, 1, idx), 1);
	v[0].busy = v[4].busy = true;
	assert_int_equal(notify_pick_batch(v, 5, 10000, 50, idx), 1);
	assert_int_equal(idx[0], 1);
	v[1].busy = true;
	assert_int_equal(notify_pick_batch(v, 5, 11000, 50, idx), 0);
}

static void
test_item_json_roundtrip(void **state)
{
	struct alert_event ev = volts_event(FS_UNKNOWN, FS_OK, 0);
	struct notify_item a, b;
	json_t *j;

	(void)state;
	ev.has_value = false;
	ev.service = NULL;
	assert_int_equal(notify_item_from_event(&a, &ev), 0);
	j = notify_item_json(&a);
	assert_int_equal(notify_item_from_json(&b, j), 0);
	assert_string_equal(b.host, "kvm1");
	assert_null(b.service);
	assert_int_equal(b.state, FS_UNKNOWN);
	assert_false(b.has_value);
	assert_string_equal(b.key, a.key);
	json_object_del(j, "dedupe_key");
	notify_item_cleanup(&b);
	assert_int_equal(notify_item_from_json(&b, j), -1);
	json_decref(j);
	notify_item_cleanup(&a);
}

static char tmpdir[64];

static int
make_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_notify.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
rm_tmp(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * A receiver that must never be contacted: a socket on 127.0.0.1 with a
 * port the kernel picked (so it is free on any machine and nobody else
 * can take it while the test runs) that listens but never accepts.  A
 * connection would wait in its backlog, where silent() sees it.
 */
struct silent {
	int fd;
	int port;
};

static void
silent_open(struct silent *s)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->fd >= 0);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, 16), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &alen), 0);
	s->port = ntohs(a.sin_port);
}

/* Closes s; true when nothing ever connected to it. */
static bool
silent_close(struct silent *s)
{
	struct pollfd p = {.fd = s->fd, .events = POLLIN};
	int r = poll(&p, 1, 0);

	close(s->fd);
	return r == 0;
}

static void
count_cb(const char *name, const char *buf, size_t len, void *arg)
{
	char *seen = arg;

	strcat(seen, name);
	strcat(seen, "=");
	strncat(seen, buf, len);
	strcat(seen, ";");
}

static void
test_spool_roundtrip(void **state)
{
	char dir[128], path[256], seen[512] = "";
	FILE *f;
	struct stat st;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/a/b/spool", tmpdir);
	assert_int_equal(spool_init(dir), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(spool_put(dir, "2.page", "two", 3), 0);
	assert_int_equal(spool_put(dir, "1.page", "one", 3), 0);
	assert_int_equal(spool_put(dir, "1.page", "uno", 3), 0);
	assert_int_equal(spool_put(dir, "x.other", "no", 2), 0);
	assert_int_equal(spool_put(dir, "../evil", "no", 2), -1);
	/* a write a crash interrupted */
	snprintf(path, sizeof(path), "%s/.tmp-3.page", dir);
	f = fopen(path, "w");
	fputs("half", f);
	fclose(f);
	assert_int_equal(spool_scan(dir, ".page", count_cb, seen), 2);
	assert_string_equal(seen, "1.page=uno;2.page=two;");
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(spool_remove(dir, "1.page"), 0);
	assert_int_equal(spool_remove(dir, "1.page"), 0);
	seen[0] = '\0';
	assert_int_equal(spool_scan(dir, ".page", count_cb, seen), 1);
	assert_string_equal(seen, "2.page=two;");
}

/* A notifier over a spool holding one good and one torn page resumes
 * the good one and skips the torn one with a log line. */
static void
test_notifier_resumes_and_skips_garbage(void **state)
{
	struct conf_errors errs = {0};
	struct alert_event ev = volts_event(FS_CRITICAL, FS_OK, 10.9);
	struct notifier_stats st;
	struct notifier *n;
	struct conf *c = conf_new();
	char dir[128], logbuf[4096] = "", path[300], conf_text[256];
	struct silent rx;
	uv_loop_t loop;
	FILE *logf, *f;

	(void)state;
	silent_open(&rx);
	snprintf(conf_text, sizeof(conf_text),
	    "notify_group_window 3600\n"
	    "contact.ops.webhook http://127.0.0.1:%d/never\n",
	    rx.port);
	snprintf(dir, sizeof(dir), "%s/spool2", tmpdir);
	c->local_node = false;
	assert_int_equal(
	    conf_parse_buf(c, "t.conf", conf_text, strlen(conf_text), &errs),
	    0);
	assert_int_equal(conf_finish(c, &errs), 0);
	uv_loop_init(&loop);
	n = notifier_new(&loop, &c->notify, &c->contacts, dir);
	assert_non_null(n);
	notifier_event(n, &ev);
	notifier_stats(n, &st);
	assert_int_equal(st.queued, 1);
	assert_int_equal(st.open_problems, 1);
	assert_true(st.oldest > 0);
	notifier_free(n);
	uv_run(&loop, UV_RUN_DEFAULT);

	snprintf(path, sizeof(path), "%s/000000000001-1-1.page", dir);
	f = fopen(path, "w");
	fputs("{\"v\":1,\"contact\":\"ops\",\"chan", f);
	fclose(f);
	logf = fmemopen(logbuf, sizeof(logbuf), "w");
	log_set_stream(logf);
	n = notifier_new(&loop, &c->notify, &c->contacts, dir);
	fflush(logf);
	log_set_stream(NULL);
	fclose(logf);
	assert_non_null(n);
	notifier_stats(n, &st);
	assert_int_equal(st.queued, 1);
	assert_int_equal(st.open_problems, 1);
	assert_non_null(strstr(logbuf, "000000000001-1-1.page: not a page"));
	snprintf(path, sizeof(path), "%s/000000000001-1-1.page.bad", dir);
	assert_int_equal(access(path, F_OK), 0);
	notifier_free(n);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	conf_free(c);
	/* the notifier was freed before its loop ran: nothing was sent */
	assert_true(silent_close(&rx));
}

/* A spooled item older than notify_expiry is dropped with a log line,
 * not sent. */
static void
test_expired_item_dropped(void **state)
{
	static const char old[] =
	    "{\"v\":1,\"contact\":\"ops\",\"channel\":\"webhook\","
	    "\"created\":1,\"item\":{\"host\":\"kvm1\",\"state\":"
	    "\"CRITICAL\",\"previous_state\":\"OK\",\"dedupe_key\":"
	    "\"old-1\"}}";
	struct conf_errors errs = {0};
	struct notifier_stats st;
	struct notifier *n;
	struct conf *c = conf_new();
	char dir[128], logbuf[4096] = "", path[300], conf_text[256];
	struct silent rx;
	uv_loop_t loop;
	FILE *logf;
	int i;

	(void)state;
	silent_open(&rx);
	snprintf(conf_text, sizeof(conf_text),
	    "contact.ops.webhook http://127.0.0.1:%d/never\n", rx.port);
	snprintf(dir, sizeof(dir), "%s/spool4", tmpdir);
	c->local_node = false;
	assert_int_equal(
	    conf_parse_buf(c, "t.conf", conf_text, strlen(conf_text), &errs),
	    0);
	assert_int_equal(spool_init(dir), 0);
	assert_int_equal(spool_put(dir, "old.page", old, strlen(old)), 0);
	uv_loop_init(&loop);
	n = notifier_new(&loop, &c->notify, &c->contacts, dir);
	assert_non_null(n);
	notifier_stats(n, &st);
	assert_int_equal(st.queued, 1);
	assert_int_equal(st.oldest, 1);
	logf = fmemopen(logbuf, sizeof(logbuf), "w");
	log_set_stream(logf);
	for (i = 0; i < 100 && st.expired == 0; i++) {
		uv_run(&loop, UV_RUN_ONCE);
		notifier_stats(n, &st);
	}
	fflush(logf);
	log_set_stream(NULL);
	fclose(logf);
	notifier_stats(n, &st);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.in_flight, 0);
	assert_non_null(strstr(logbuf, "page \"old-1\" expired"));
	snprintf(path, sizeof(path), "%s/old.page", dir);
	assert_int_equal(access(path, F_OK), -1);
	notifier_free(n);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	conf_free(c);
	/* dropped, not sent */
	assert_true(silent_close(&rx));
}

/* Token files readable by others are refused. */
static void
test_token_file_mode(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c = conf_new();
	char text[512], tok[128], dir[128], logbuf[1024] = "", want[512];
	struct silent rx;
	uv_loop_t loop;
	struct notifier *n;
	FILE *f, *devnull, *logf;

	(void)state;
	silent_open(&rx);
	snprintf(tok, sizeof(tok), "%s/token", tmpdir);
	snprintf(dir, sizeof(dir), "%s/spool3", tmpdir);
	f = fopen(tok, "w");
	fputs("s3cret\n", f);
	fclose(f);
	chmod(tok, 0644);
	snprintf(text, sizeof(text),
	    "contact.ops.webhook http://127.0.0.1:%d/\n"
	    "contact.ops.webhook_token_file %s\n",
	    rx.port, tok);
	c->local_node = false;
	assert_int_equal(
	    conf_parse_buf(c, "t.conf", text, strlen(text), &errs), 0);
	uv_loop_init(&loop);
	/* "drover config" refuses it as "drover run" does, in one line */
	logf = fmemopen(logbuf, sizeof(logbuf), "w");
	setvbuf(logf, NULL, _IONBF, 0);
	log_set_stream(logf);
	assert_int_equal(notify_check_secrets(&c->notify, &c->contacts), -1);
	snprintf(want, sizeof(want),
	    "warning: notify: contact ops webhook_token_file: %s is "
	    "readable by group or others (mode 0644); refusing it: chmod "
	    "600 %s\n",
	    tok, tok);
	assert_non_null(strstr(logbuf, want));
	assert_int_equal(strchr(logbuf, '\n') - logbuf + 1, strlen(logbuf));
	fclose(logf);
	logf = fmemopen(logbuf, sizeof(logbuf), "w");
	setvbuf(logf, NULL, _IONBF, 0);
	log_set_stream(logf);
	assert_null(notifier_new(&loop, &c->notify, &c->contacts, dir));
	assert_non_null(strstr(logbuf, want));
	assert_int_equal(strchr(logbuf, '\n') - logbuf + 1, strlen(logbuf));
	log_set_stream(NULL);
	fclose(logf);
	chmod(tok, 0600);
	assert_int_equal(notify_check_secrets(&c->notify, &c->contacts), 0);
	n = notifier_new(&loop, &c->notify, &c->contacts, dir);
	devnull = fopen("/dev/null", "w");
	log_set_stream(devnull);
	assert_non_null(n);
	/* a reload that would weaken the token is refused as a whole */
	chmod(tok, 0640);
	assert_int_equal(notifier_set_conf(n, &c->notify, &c->contacts), -1);
	log_set_stream(NULL);
	fclose(devnull);
	chmod(tok, 0400);
	assert_int_equal(notifier_set_conf(n, &c->notify, &c->contacts), 0);
	notifier_free(n);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	conf_free(c);
	/* no event: nothing to send */
	assert_true(silent_close(&rx));
}

/* ---- bursts through page_queue, on a clock the test sets ------------ */

struct burst_run {
	struct page_queue pq;
	char dir[128];
	struct notify_item it;
	char keys[8192];  /* delivered dedupe keys, in order, ' '-separated */
	size_t pages;	  /* pages delivered */
	size_t sizes[64]; /* items of each page */
	uint64_t at[64];  /* loop ms each page went out */
};

static void
burst_init(struct burst_run *b, const char *name)
{
	struct alert_event ev = volts_event(FS_WARNING, FS_OK, 11.3);

	memset(b, 0, sizeof(*b));
	snprintf(b->dir, sizeof(b->dir), "%s/%s", tmpdir, name);
	page_queue_init(&b->pq, b->dir);
	assert_int_equal(page_queue_load(&b->pq, 0), 0);
	assert_int_equal(notify_item_from_event(&b->it, &ev), 0);
}

static void
burst_cleanup(struct burst_run *b)
{
	/* every item was delivered: nothing left queued or spooled */
	assert_int_equal(b->pq.n, 0);
	char left[512] = "";

	assert_int_equal(spool_scan(b->dir, ".page", count_cb, left), 0);
	notify_item_cleanup(&b->it);
	page_queue_cleanup(&b->pq);
}

/* An event of host with key at now_ms, for contact "ops" by webhook. */
static void
burst_event(struct burst_run *b, const char *host, const char *key,
    uint64_t now_ms, uint64_t window_ms)
{
	char *h = b->it.host, *k = b->it.key;

	b->it.host = (char *)host;
	b->it.key = (char *)key;
	assert_int_equal(page_queue_add(&b->pq, "ops", CH_WEBHOOK, &b->it,
			     now_ms, window_ms),
	    0);
	b->it.host = h;
	b->it.key = k;
}

/* What the notifier's tick does at now_ms with a receiver that accepts
 * everything at once: every due page goes out and is dropped. */
static void
burst_tick(struct burst_run *b, uint64_t now_ms)
{
	struct notify_slot *slots;
	struct qitem *drop[50];
	size_t idx[50], k, i;

	for (;;) {
		slots = page_queue_slots(&b->pq, false);
		assert_non_null(slots);
		k = notify_pick_batch(slots, b->pq.n, now_ms, 50, idx);
		free(slots);
		if (k == 0)
			return;
		assert_true(b->pages < 64);
		b->sizes[b->pages] = k;
		b->at[b->pages++] = now_ms;
		for (i = 0; i < k; i++)
			drop[i] = b->pq.v[idx[i]];
		for (i = 0; i < k; i++) {
			strcat(b->keys, drop[i]->it.key);
			strcat(b->keys, " ");
			page_queue_drop(&b->pq, drop[i]);
		}
	}
}

/* The first event of a host goes out at once; what follows inside the
 * window waits for its end as one page; after it, at once again. */
static void
test_burst_first_at_once(void **state)
{
	struct burst_run b;

	(void)state;
	burst_init(&b, "burst1");
	burst_event(&b, "kvm1", "w", 1000, 5000);
	assert_int_equal(b.pq.v[0]->due_ms, 1000);
	burst_tick(&b, 1000);
	assert_int_equal(b.pages, 1);
	/* inside the window: the critical, then another field */
	burst_event(&b, "kvm1", "c", 3000, 5000);
	burst_event(&b, "kvm1", "t", 4000, 5000);
	/* another host and another channel are bursts of their own */
	burst_event(&b, "kvm2", "x", 4000, 5000);
	assert_int_equal(b.pq.v[0]->due_ms, 6000);
	assert_int_equal(b.pq.v[1]->due_ms, 6000);
	assert_int_equal(b.pq.v[2]->due_ms, 4000);
	burst_tick(&b, 4000);
	burst_tick(&b, 5999);
	assert_int_equal(b.pages, 2);
	burst_tick(&b, 6000);
	assert_int_equal(b.pages, 3);
	assert_int_equal(b.sizes[2], 2);
	/* the window closed: the recovery goes out at once, opening a new
	 * one; a sag right after it waits for that one's end */
	burst_event(&b, "kvm1", "ok", 6000, 5000);
	assert_int_equal(b.pq.v[0]->due_ms, 6000);
	burst_tick(&b, 6000);
	burst_event(&b, "kvm1", "w2", 7000, 5000);
	assert_int_equal(b.pq.v[0]->due_ms, 11000);
	burst_tick(&b, 11000);
	/* window 0: nothing ever waits */
	burst_event(&b, "kvm3", "z1", 12000, 0);
	burst_tick(&b, 12000);
	burst_event(&b, "kvm3", "z2", 12001, 0);
	assert_int_equal(b.pq.v[0]->due_ms, 12001);
	burst_tick(&b, 12001);
	assert_string_equal(b.keys, "w x c t ok w2 z1 z2 ");
	assert_int_equal(b.pages, 7);
	assert_int_equal(b.at[0], 1000);
	assert_int_equal(b.at[3], 6000);
	assert_int_equal(b.at[4], 11000);
	burst_cleanup(&b);
}

/* Storm control: 200 problems of one host are a few pages, whether they
 * come in one poll, in one window after a first, or spread over time. */
static void
test_burst_storm(void **state)
{
	struct burst_run b;
	char key[16];
	uint64_t t;
	size_t i, sum;

	(void)state;
	/* one poll: all at once, 50 items a page */
	burst_init(&b, "storm1");
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "a%zu", i);
		burst_event(&b, "kvm1", key, 1000, 5000);
	}
	burst_tick(&b, 1000);
	assert_int_equal(b.pages, 4);
	assert_int_equal(b.sizes[0], 50);
	burst_cleanup(&b);

	/* one first, then 199 inside its window: 1 + 4 pages */
	burst_init(&b, "storm2");
	burst_event(&b, "kvm1", "first", 1000, 5000);
	burst_tick(&b, 1000);
	for (i = 0; i < 199; i++) {
		snprintf(key, sizeof(key), "b%zu", i);
		burst_event(&b, "kvm1", key, 1001 + 20 * i, 5000);
		burst_tick(&b, 1001 + 20 * i);
	}
	assert_int_equal(b.pages, 1);
	burst_tick(&b, 6000);
	assert_int_equal(b.pages, 5);
	assert_int_equal(b.sizes[0], 1);
	assert_int_equal(b.sizes[4], 49);
	assert_int_equal(strncmp(b.keys, "first b0 b1 b2 ", 15), 0);
	burst_cleanup(&b);

	/* 200 over 20 s (one every 100 ms): at most 2 pages a window */
	burst_init(&b, "storm3");
	for (i = 0, t = 1000; i < 200; i++, t += 100) {
		snprintf(key, sizeof(key), "c%zu", i);
		burst_tick(&b, t);
		burst_event(&b, "kvm1", key, t, 5000);
		burst_tick(&b, t);
	}
	burst_tick(&b, t + 5000);
	assert_true(b.pages <= 2 * (20 / 5 + 1));
	for (i = 0, sum = 0; i < b.pages; i++)
		sum += b.sizes[i];
	assert_int_equal(sum, 200);
	burst_cleanup(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_subject_and_sentence),
	    cmocka_unit_test(test_webhook_body),
	    cmocka_unit_test(test_email),
	    cmocka_unit_test(test_email_undatable_since),
	    cmocka_unit_test(test_classify_and_severities),
	    cmocka_unit_test(test_backoff_schedule),
	    cmocka_unit_test(test_grouping),
	    cmocka_unit_test(test_burst_first_at_once),
	    cmocka_unit_test(test_burst_storm),
	    cmocka_unit_test(test_item_json_roundtrip),
	    cmocka_unit_test(test_spool_roundtrip),
	    cmocka_unit_test(test_notifier_resumes_and_skips_garbage),
	    cmocka_unit_test(test_expired_item_dropped),
	    cmocka_unit_test(test_token_file_mode),
	};

	return cmocka_run_group_tests(tests, make_tmp, rm_tmp);
}
