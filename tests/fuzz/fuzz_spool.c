/*
 * fuzz_spool: a page spool file as a restart finds it (alerts/page_queue.h
 * over alerts/spool.h): the input is written to an empty spool directory
 * on tmpfs and loaded by page_queue_load, which must either queue one
 * item or quarantine the file.  Properties: exactly one of the two
 * happens, and a queued item has the members the notifier relies on
 * (host, key, contact).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "alerts/page_queue.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_tmpdir();
	char bad[PATH_MAX];
	struct page_queue pq;
	size_t i;

	fuzz_empty_dir(dir);
	fuzz_write(dir, "1-1-1.page", data, size);
	page_queue_init(&pq, dir);
	fuzz_assert(page_queue_load(&pq, 0) == 0, "page_queue_load failed");
	snprintf(bad, sizeof(bad), "%s/1-1-1.page.bad", dir);
	fuzz_assert(pq.n + (access(bad, F_OK) == 0) == 1,
	    "a spool file neither queued nor quarantined");
	for (i = 0; i < pq.n; i++)
		fuzz_assert(pq.v[i]->it.host != NULL &&
				pq.v[i]->it.key != NULL &&
				pq.v[i]->contact != NULL,
		    "a queued item without host, key or contact");
	page_queue_cleanup(&pq);
	return 0;
}
