/*
 * fuzz: what the fuzz targets (tests/fuzz/fuzz_*.c) share.  Each target
 * defines LLVMFuzzerTestOneInput (and LLVMFuzzerInitialize) and is linked
 * either with libFuzzer (clang, "make fuzz") or with replay.c (gcc, "make
 * check": every seed and every saved crash is replayed as a regression
 * test).  A target aborts on a broken property, so both drivers report it.
 */
#ifndef DROVER_FUZZ_H
#define DROVER_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Up to FUZZ_PARTS NUL-terminated strings cut from one input. */
#define FUZZ_PARTS 16
struct fuzz_parts {
	char *buf; /* one copy of the input; v[] point into it */
	const char *v[FUZZ_PARTS];
	size_t n;
};

/* A malloc'd NUL-terminated copy of data (never NULL: aborts). */
char *fuzz_str(const uint8_t *data, size_t size);
/* Cuts data at its NUL bytes into p (the last part keeps the rest); parts
 * past the input's end are "".  Free with fuzz_parts_free. */
void fuzz_split(struct fuzz_parts *p, const uint8_t *data, size_t size);
void fuzz_parts_free(struct fuzz_parts *p);
/* Sends the project's log to /dev/null: loaders complain about every bad
 * input, and the fuzzer's own output is what matters. */
void fuzz_quiet(void);
/* A private directory on tmpfs (/dev/shm when there is one), made once and
 * removed with its files at exit; for loaders that read files. */
const char *fuzz_tmpdir(void);
/* Writes size bytes of data to dir/name (aborts on failure). */
void fuzz_write(
    const char *dir, const char *name, const uint8_t *data, size_t size);
/* Removes every file in dir (not dir itself). */
void fuzz_empty_dir(const char *dir);
/* Aborts with msg when !ok: a broken property is a crash. */
void fuzz_assert(int ok, const char *msg);

#endif
