/*
 * fuzz_state: the alert state files a restart reads, from tmpfs: the
 * input is written as alerts.json (alerts/alerts.c, read by alerts_new)
 * and as open-problems.json (alerts/reminders.c, reminders_load).  Both
 * must take any text, torn or foreign, without crashing or leaking;
 * properties beyond that are the sanitizers'.  Loaded reminders are
 * saved back (reminders_flush) so their encoding runs over what was read.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>

#include "alerts/alerts.h"
#include "alerts/reminders.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static bool
every(void *arg, const char *contact, unsigned *every_s)
{
	*every_s = 60;
	return true;
}

static void
on_send(void *arg, const char *contact, const struct notify_item *it)
{
	fuzz_assert(it->host != NULL && it->key != NULL,
	    "a reminder without host or key");
}

static const struct reminders_ops ops = {every, on_send};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_tmpdir();
	char path[PATH_MAX];
	struct alerts *a;
	struct reminders r;

	fuzz_empty_dir(dir);
	fuzz_write(dir, "alerts.json", data, size);
	snprintf(path, sizeof(path), "%s/alerts.json", dir);
	a = alerts_new(path);
	fuzz_assert(a != NULL, "alerts_new");
	alerts_free(a);

	fuzz_write(dir, "open-problems.json", data, size);
	reminders_init(&r, dir, &ops, NULL);
	reminders_load(&r);
	reminders_next(&r);
	reminders_send_due(&r, (time_t)1 << 40);
	reminders_flush(&r);
	reminders_cleanup(&r);
	return 0;
}
