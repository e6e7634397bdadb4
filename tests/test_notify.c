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
	unsigned i;

	(void)state;
	for (i = 0; i < 8; i++)
		assert_int_equal(notify_backoff(i + 1, 10, 600), want[i]);
	assert_int_equal(notify_backoff(1000, 10, 600), 600);
	assert_int_equal(notify_backoff(1, 1, 1), 1);
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
	/* a new kvm1 webhook item joins the open window */
	assert_int_equal(
	    notify_group_due(v, 5, "ops", 0, "kvm1", 10500, 10000), 10000);
	/* a new host opens its own window */
	assert_int_equal(
	    notify_group_due(v, 5, "ops", 0, "kvm3", 10500, 10000), 20500);
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
	/* the group window was still open: nothing was sent */
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_subject_and_sentence),
	    cmocka_unit_test(test_webhook_body),
	    cmocka_unit_test(test_email),
	    cmocka_unit_test(test_classify_and_severities),
	    cmocka_unit_test(test_backoff_schedule),
	    cmocka_unit_test(test_grouping),
	    cmocka_unit_test(test_item_json_roundtrip),
	    cmocka_unit_test(test_spool_roundtrip),
	    cmocka_unit_test(test_notifier_resumes_and_skips_garbage),
	    cmocka_unit_test(test_expired_item_dropped),
	    cmocka_unit_test(test_token_file_mode),
	};

	return cmocka_run_group_tests(tests, make_tmp, rm_tmp);
}
