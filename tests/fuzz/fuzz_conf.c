/*
 * fuzz_conf: a munin.conf (collector/conf.h) as conf_load reads it, minus
 * the files: conf_parse_buf, conf_finish and the normaliser behind
 * "drover config".  The input is one file; includedir is only recorded
 * here (conf_load walks it), so nothing is read from disk.  An accepted
 * config is printed (to memory).  Properties are the sanitizers' (no
 * overflow, leak or undefined behaviour on any text).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "collector/conf.h"
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
	struct conf_errors errs = {0};
	struct conf *c = conf_new();
	char *out = NULL;
	size_t outlen = 0;
	FILE *f;

	fuzz_assert(c != NULL, "conf_new");
	if (conf_parse_buf(c, "fuzz.conf", (const char *)data, size, &errs) ==
		0 &&
	    conf_finish(c, &errs) == 0) {
		f = open_memstream(&out, &outlen);
		fuzz_assert(f != NULL, "open_memstream");
		conf_print(c, f);
		fclose(f);
	}
	conf_free(c);
	conf_errors_cleanup(&errs);
	free(out);
	return 0;
}
