/*
 * source: key lookup and the value parsers sources and the config share.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/source.h"
#include "lib/parse.h"

const struct source_key *
source_key_find(const struct source *src, const char *key)
{
	size_t i;

	for (i = 0; i < src->nkeys; i++)
		if (strcmp(src->keys[i].key, key) == 0)
			return &src->keys[i];
	return NULL;
}

int
source_parse_address(const char *val, char *addr, size_t addrlen,
    unsigned *port, char *err, size_t errlen)
{
	const char *p = val;
	const char *end;
	size_t n;

	if (strncmp(p, "ssh://", 6) == 0 || strncmp(p, "cmd://", 6) == 0) {
		snprintf(err, errlen,
		    "only the munin-node TCP protocol is supported");
		return -1;
	}
	if (strncmp(p, "munin://", 8) == 0)
		p += 8;
	if (p[0] == '[') {
		end = strchr(p, ']');
		if (end == NULL) {
			snprintf(err, errlen, "unterminated IPv6 address");
			return -1;
		}
		n = (size_t)(end - p - 1);
		p++;
		end++;
	} else {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		n = (size_t)(end - p);
	}
	if (n == 0 || n >= addrlen) {
		snprintf(err, errlen, "invalid address");
		return -1;
	}
	memcpy(addr, p, n);
	addr[n] = '\0';
	if (*end == ':' && !parse_uint(end + 1, 1, 65535, port)) {
		snprintf(err, errlen, "invalid port in address");
		return -1;
	}
	return 0;
}
