/*
 * fixture: the unit tests' captured input files (tests/fixtures/, the
 * FIXTURES directory TEST_CFLAGS names).
 */
#ifndef DROVER_TESTS_FIXTURE_H
#define DROVER_TESTS_FIXTURE_H

#include <stddef.h>

/* The bytes of FIXTURES/rel in a buffer of exactly their length (no NUL
 * after them, so a parser reading past the end is caught by ASan; an
 * empty file gives a 1-byte buffer and *len 0); the file must exist (the
 * test fails otherwise).  free(). */
char *fixture_read(const char *rel, size_t *len);

#endif
