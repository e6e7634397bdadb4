/*
 * fuzz_router: the dashboard's URL space (web/router.h), over a path as
 * the web server sees it: percent-decoded by route_unescape (the server's
 * unescape callback), then routed.  Properties: the decoded length is
 * the string's (no NUL inside: a "%00" path becomes "");
 * every name a route carries passes route_name_ok (so never "..", "/" or
 * a control character reaches a lookup), and the graph period is one of
 * the four.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "web/router.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

/* The promise itself, checked apart from route_name_ok. */
static void
check_name(const char *s)
{
	size_t i;

	fuzz_assert(strstr(s, "..") == NULL, "\"..\" in a routed name");
	for (i = 0; s[i] != '\0'; i++)
		fuzz_assert(
		    s[i] != '/' && (unsigned char)s[i] >= 0x20 && s[i] != 0x7f,
		    "\"/\" or a control character in a routed name");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fuzz_str(data, size);
	struct route r;
	size_t n = route_unescape(path);

	fuzz_assert(n == strlen(path), "a NUL inside a decoded path");
	router_parse(path, &r);
	check_name(r.host);
	check_name(r.service);
	if (r.host[0] != '\0')
		fuzz_assert(route_name_ok(r.host, strlen(r.host)),
		    "a host name route_name_ok refuses");
	if (r.service[0] != '\0')
		fuzz_assert(route_name_ok(r.service, strlen(r.service)),
		    "a service name route_name_ok refuses");
	if (r.kind == R_GRAPH)
		fuzz_assert(r.period != GRAPH_CUSTOM, "a custom graph period");
	route_name_ok(path, strlen(path));
	free(path);
	return 0;
}
