/*
 * rrdc_addr: rrdcached address kinds and relative file names.  See
 * rrdc_addr.h.  The forms accepted are the ones librrd 1.7.2's
 * rrdc_connect() parses (rrd_client.c): "unix:" or a leading '/' is a
 * socket; "[addr]:port", "[addr]", a bare IPv6 address (two or more
 * colons, no port) or "host[:port]" is TCP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrd/rrdc_addr.h"

#define FORMS "unix:/PATH, /PATH, HOST:PORT, [IPV6]:PORT or HOST (port 42217)"

/* A port number 1..65535, all digits. */
static bool
port_ok(const char *p)
{
	char *end;
	long v;

	if (*p < '0' || *p > '9')
		return false;
	v = strtol(p, &end, 10);
	return *end == '\0' && v >= 1 && v <= 65535;
}

/* A host name or IPv4 address: letters, digits, '.', '-', '_'. */
static bool
host_ok(const char *h, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (strchr(
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789.-_",
			h[i]) == NULL ||
		    h[i] == '\0')
			return false;
	return true;
}

/* The inside of an IPv6 address: hex digits, ':', '.', '%' zone. */
static bool
v6_ok(const char *h, size_t n)
{
	size_t i;

	if (n < 2)
		return false;
	for (i = 0; i < n; i++)
		if (strchr("0123456789abcdefABCDEF:.%", h[i]) == NULL ||
		    h[i] == '\0')
			return false;
	return true;
}

enum rrdc_kind
rrdc_addr_kind(const char *addr, char *err, size_t errlen)
{
	const char *colon, *close;

	if (addr == NULL || addr[0] == '\0') {
		snprintf(err, errlen, "an empty address; use " FORMS);
		return RRDC_BAD;
	}
	if (strncmp(addr, "unix:", 5) == 0 || addr[0] == '/') {
		const char *p = addr[0] == '/' ? addr : addr + 5;

		if (p[0] != '/') {
			snprintf(err, errlen,
			    "a unix socket needs an absolute path "
			    "(unix:/PATH)");
			return RRDC_BAD;
		}
		return RRDC_UNIX;
	}
	if (addr[0] == '[') {
		close = strchr(addr, ']');
		if (close == NULL ||
		    !v6_ok(addr + 1, (size_t)(close - addr - 1))) {
			snprintf(err, errlen,
			    "\"%.100s\" is not [IPV6] or [IPV6]:PORT", addr);
			return RRDC_BAD;
		}
		if (close[1] == '\0')
			return RRDC_TCP;
		if (close[1] != ':' || !port_ok(close + 2)) {
			snprintf(err, errlen,
			    "\"%.100s\": the port must be a number from 1 to "
			    "65535",
			    addr);
			return RRDC_BAD;
		}
		return RRDC_TCP;
	}
	colon = strchr(addr, ':');
	if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		/* a bare IPv6 address, as librrd reads it: no port */
		if (!v6_ok(addr, strlen(addr))) {
			snprintf(err, errlen,
			    "\"%.100s\" is not an address; use " FORMS, addr);
			return RRDC_BAD;
		}
		return RRDC_TCP;
	}
	if (strchr(addr, '/') != NULL) {
		snprintf(err, errlen,
		    "\"%.100s\" looks like a relative path; a unix socket "
		    "needs an absolute one (unix:/PATH)",
		    addr);
		return RRDC_BAD;
	}
	if (!host_ok(
		addr, colon != NULL ? (size_t)(colon - addr) : strlen(addr))) {
		snprintf(err, errlen,
		    "\"%.100s\" is not an address; use " FORMS, addr);
		return RRDC_BAD;
	}
	if (colon != NULL && !port_ok(colon + 1)) {
		snprintf(err, errlen,
		    "\"%.100s\": the port must be a number from 1 to 65535",
		    addr);
		return RRDC_BAD;
	}
	return RRDC_TCP;
}

bool
rrdc_addr_is_tcp(const char *addr)
{
	char err[8];

	return addr != NULL &&
	       rrdc_addr_kind(addr, err, sizeof(err)) == RRDC_TCP;
}

const char *
rrdc_relpath(const char *base, const char *path)
{
	size_t n;

	if (base == NULL || path == NULL || base[0] != '/')
		return NULL;
	n = strlen(base);
	while (n > 1 && base[n - 1] == '/')
		n--;
	if (n == 1) /* base "/" */
		return path[0] == '/' && path[1] != '\0' ? path + 1 : NULL;
	if (strncmp(path, base, n) != 0 || path[n] != '/')
		return NULL;
	path += n;
	while (*path == '/')
		path++;
	return *path != '\0' ? path : NULL;
}
