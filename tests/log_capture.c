/*
 * log_capture: reading back what a test logged; see log_capture.h.
 */
#include <string.h>

#include "tests/log_capture.h"

void
logged(FILE *cap, char *buf, size_t size)
{
	size_t n;

	fflush(cap);
	rewind(cap);
	n = fread(buf, 1, size - 1, cap);
	buf[n] = '\0';
}

unsigned
count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}
