/*
 * log_capture: reading back what a test logged through log_set_stream().
 */
#ifndef DROVER_TESTS_LOG_CAPTURE_H
#define DROVER_TESTS_LOG_CAPTURE_H

#include <stddef.h>
#include <stdio.h>

/* The lines logged since log_set_stream(cap), into buf (NUL-ended). */
void logged(FILE *cap, char *buf, size_t size);
/* How often needle stands in hay. */
unsigned count(const char *hay, const char *needle);

#endif
