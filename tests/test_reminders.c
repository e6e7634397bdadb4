/* Tests for reminders: the due-time rules (absolute, no burst after
 * downtime), reminder keys, forgetting, and open-problems.json (a failed
 * save stays dirty, is logged once and is retried). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alerts/reminders.h"
#include "lib/log.h"
#include "tests/log_capture.h"

/* The contacts: "ops" every 60 s, "quiet" never, any other is gone. */
static bool
fake_every(void *arg, const char *contact, unsigned *every_s)
{
	(void)arg;
	if (strcmp(contact, "ops") == 0)
		*every_s = 60;
	else if (strcmp(contact, "quiet") == 0)
		*every_s = 0;
	else
		return false;
	return true;
}

/* The reminders sent: "CONTACT KEY WHEN;" each. */
static char sent[1024];

static void
fake_send(void *arg, const char *contact, const struct notify_item *it)
{
	size_t len = strlen(sent);

	(void)arg;
	assert_true(it->renotify);
	snprintf(sent + len, sizeof(sent) - len, "%s %s %lld;", contact,
	    it->key, (long long)it->when);
}

static const struct reminders_ops ops = {fake_every, fake_send};

static void
problem(struct notify_item *it, const char *field)
{
	memset(it, 0, sizeof(*it));
	it->host = "kvm1";
	it->service = "ipmi_volts";
	it->field = (char *)field;
	it->state = FS_CRITICAL;
	it->key = (char *)"K";
}

static void
test_schedule_is_absolute_without_bursts(void **state)
{
	struct reminders r;
	struct notify_item it;

	(void)state;
	reminders_init(&r, "/nonexistent", &ops, NULL);
	problem(&it, "v12");
	assert_true(reminders_update(&r, "ops", &it, &it, 1000));
	assert_true(r.dirty);
	assert_int_equal(reminders_next(&r), 1060);
	sent[0] = '\0';
	reminders_send_due(&r, 1059);
	assert_string_equal(sent, "");
	/* due: the next one counts from the due time, not from now */
	reminders_send_due(&r, 1065);
	assert_string_equal(sent, "ops K:r1 1065;");
	assert_int_equal(reminders_next(&r), 1120);
	/* downtime skipped several: one reminder, the next 60 s later */
	sent[0] = '\0';
	reminders_send_due(&r, 1500);
	assert_string_equal(sent, "ops K:r2 1500;");
	assert_int_equal(reminders_next(&r), 1560);
	/* a new page about the same field restarts the count */
	assert_true(reminders_update(&r, "ops", &it, &it, 1600));
	assert_int_equal(r.n, 1);
	sent[0] = '\0';
	reminders_send_due(&r, 1660);
	assert_string_equal(sent, "ops K:r1 1660;");
	reminders_cleanup(&r);
}

static void
test_forget_quiet_and_gone(void **state)
{
	struct reminders r;
	struct notify_item a, b, c;

	(void)state;
	reminders_init(&r, "/nonexistent", &ops, NULL);
	problem(&a, "v12");
	problem(&b, "v5");
	problem(&c, "v3");
	assert_true(reminders_update(&r, "ops", &a, &a, 1000));
	assert_true(reminders_update(&r, "quiet", &b, &b, 1000));
	assert_true(reminders_update(&r, "gone", &c, &c, 1000));
	assert_int_equal(r.n, 3);
	/* back to OK: forgotten once */
	assert_true(reminders_update(&r, "ops", &a, NULL, 1010));
	assert_false(reminders_update(&r, "ops", &a, NULL, 1010));
	/* renotify 0 is never due; a gone contact's problem is dropped */
	assert_int_equal(reminders_next(&r), 0);
	sent[0] = '\0';
	r.dirty = false;
	reminders_send_due(&r, 99999);
	assert_string_equal(sent, "");
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0].contact, "quiet");
	assert_true(r.dirty);
	reminders_cleanup(&r);
}

static void
test_saved_and_loaded(void **state)
{
	char dir[] = "/tmp/test_reminders.XXXXXX", cmd[128];
	struct reminders r, r2;
	struct notify_item it;

	(void)state;
	assert_non_null(mkdtemp(dir));
	reminders_init(&r, dir, &ops, NULL);
	problem(&it, "v12");
	assert_true(reminders_update(&r, "ops", &it, &it, 1000));
	reminders_send_due(&r, 1060);
	reminders_flush(&r);
	assert_false(r.dirty);
	reminders_init(&r2, dir, &ops, NULL);
	reminders_load(&r2);
	assert_int_equal(r2.n, 1);
	assert_string_equal(r2.v[0].contact, "ops");
	assert_int_equal(r2.v[0].last, 1060);
	assert_int_equal(r2.v[0].count, 1);
	assert_string_equal(r2.v[0].it.field, "v12");
	assert_int_equal(reminders_next(&r2), 1120);
	reminders_cleanup(&r);
	reminders_cleanup(&r2);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* open-problems.json may say any "last" (found by tests/fuzz/fuzz_state):
 * one at the end of time is never due, where last + every used to
 * overflow, wrap into the past and send a reminder at once. */
static void
test_loaded_last_at_end_of_time(void **state)
{
	char dir[] = "/tmp/test_reminders.XXXXXX", path[128], cmd[128];
	struct reminders r;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/open-problems.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[{\"contact\":\"ops\",\"last\":9223372036854775807,"
	      "\"count\":1,\"item\":{\"host\":\"kvm1\",\"state\":"
	      "\"CRITICAL\",\"previous_state\":\"OK\",\"dedupe_key\":"
	      "\"K\"}}]",
	    f);
	assert_int_equal(fclose(f), 0);
	reminders_init(&r, dir, &ops, NULL);
	reminders_load(&r);
	assert_int_equal(r.n, 1);
	sent[0] = '\0';
	reminders_send_due(&r, 2000);
	assert_string_equal(sent, "");
	assert_int_equal(r.v[0].count, 1);
	reminders_cleanup(&r);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_failed_save_stays_dirty_and_is_retried(void **state)
{
	char dir[] = "/tmp/test_reminders.XXXXXX", tmp[96], cmd[128], log[4096];
	struct reminders r, r2;
	struct notify_item it;
	FILE *cap = tmpfile();

	(void)state;
	assert_non_null(cap);
	assert_non_null(mkdtemp(dir));
	/* the spool's temporary name is a directory: every write fails,
	 * whoever runs the test (root ignores modes) */
	snprintf(tmp, sizeof(tmp), "%s/.tmp-open-problems.json", dir);
	assert_int_equal(mkdir(tmp, 0700), 0);
	log_set_stream(cap);
	reminders_init(&r, dir, &ops, NULL);
	problem(&it, "v12");
	assert_true(reminders_update(&r, "ops", &it, &it, 1000));
	assert_int_equal(reminders_flush(&r), -1);
	assert_true(r.dirty);
	assert_non_null(strstr(r.save_error, "open-problems.json"));
	assert_non_null(strstr(r.save_error, "Is a directory"));
	assert_int_equal(reminders_flush(&r), -1);
	assert_true(r.dirty);
	logged(cap, log, sizeof(log));
	assert_int_equal(count(log, "cannot save open problems"), 1);
	/* the cause goes away: the next flush saves */
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(reminders_flush(&r), 0);
	assert_false(r.dirty);
	assert_string_equal(r.save_error, "");
	logged(cap, log, sizeof(log));
	assert_int_equal(count(log, "cannot save open problems"), 1);
	assert_int_equal(count(log, "open problems saved again"), 1);
	log_set_stream(NULL);
	fclose(cap);
	reminders_init(&r2, dir, &ops, NULL);
	reminders_load(&r2);
	assert_int_equal(r2.n, 1);
	assert_string_equal(r2.v[0].it.field, "v12");
	reminders_cleanup(&r);
	reminders_cleanup(&r2);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_schedule_is_absolute_without_bursts),
	    cmocka_unit_test(test_forget_quiet_and_gone),
	    cmocka_unit_test(test_saved_and_loaded),
	    cmocka_unit_test(test_loaded_last_at_end_of_time),
	    cmocka_unit_test(test_failed_save_stays_dirty_and_is_retried),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
