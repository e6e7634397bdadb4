/*
 * parse: config values every room reads the same way; see parse.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "lib/parse.h"

bool
parse_uint(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long n;
	char *end;

	if (!isdigit((unsigned char)v[0]))
		return false;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < lo || n > hi)
		return false;
	*out = (unsigned)n;
	return true;
}

bool
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
parse_mac(const char *v, size_t len, uint8_t out[6])
{
	uint8_t m[6];
	int hi, lo;
	size_t i;

	if (len != 17)
		return false;
	for (i = 0; i < 6; i++) {
		hi = hex_digit(v[i * 3]);
		lo = hex_digit(v[i * 3 + 1]);
		if (hi < 0 || lo < 0)
			return false;
		if (i < 5 && v[i * 3 + 2] != ':' && v[i * 3 + 2] != '-')
			return false;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	for (i = 0; i < 6; i++)
		out[i] = m[i];
	return true;
}
