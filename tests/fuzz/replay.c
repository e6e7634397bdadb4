/*
 * replay: a fuzz target's main() without libFuzzer.  Runs the target once
 * over every file named on the command line and every file in every
 * directory named there (seed corpora, saved crashes), so that the normal
 * gcc build replays them as regression tests; with no arguments, the
 * target's checked-in seeds (FUZZ_CORPUS_DIR/FUZZ_NAME, set by
 * Makefile.am), as "make check" runs it.  A broken property aborts.
 * Exit 0 after at least one input, 1 when no input was found.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/fileio.h"
#include "tests/fuzz/fuzz.h"

/* Inputs larger than this are not ours (the seeds are small). */
#define REPLAY_MAX (16 * 1024 * 1024)

static unsigned runs;

static void
run_file(const char *path)
{
	char *buf = NULL;
	size_t len = 0;

	if (file_read(AT_FDCWD, path, REPLAY_MAX, 0, &buf, &len) == -1) {
		perror(path);
		exit(2);
	}
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	free(buf);
	runs++;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void
run_dir(const char *dir)
{
	struct dirent **v;
	char path[4096];
	struct stat sb;
	int i, n = scandir(dir, &v, NULL, by_name);

	if (n == -1) {
		perror(dir);
		exit(2);
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, v[i]->d_name);
		if (v[i]->d_name[0] != '.' && stat(path, &sb) == 0 &&
		    S_ISREG(sb.st_mode))
			run_file(path);
		free(v[i]);
	}
	free(v);
}

int
main(int argc, char **argv)
{
	struct stat sb;
	int i;

	LLVMFuzzerInitialize(&argc, &argv);
	if (argc == 1)
		run_dir(FUZZ_CORPUS_DIR "/" FUZZ_NAME);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &sb) == -1) {
			perror(argv[i]);
			return 2;
		}
		if (S_ISDIR(sb.st_mode))
			run_dir(argv[i]);
		else
			run_file(argv[i]);
	}
	printf("%s: %u inputs\n", argv[0], runs);
	return runs > 0 ? 0 : 1;
}
