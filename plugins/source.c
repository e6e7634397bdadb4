/*
 * source: key lookup and the value parsers sources and the config share.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* drover's TCP forms: "munin://host:port", "[v6]:port", "host". */
static int
parse_tcp(const char *val, struct source_address *a, char *err, size_t errlen)
{
	const char *p = val;
	const char *end;
	size_t n;

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
	if (n == 0 || n >= sizeof(a->host)) {
		snprintf(err, errlen, "invalid address");
		return -1;
	}
	memcpy(a->host, p, n);
	a->host[n] = '\0';
	if (*end == ':' && !parse_uint(end + 1, 1, 65535, &a->port)) {
		snprintf(err, errlen, "invalid port in address");
		return -1;
	}
	return 0;
}

/* Copies n bytes of s into out (size len) with a NUL: -1 when too long. */
static int
copy_part(char *out, size_t len, const char *s, size_t n)
{
	if (n >= len)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/*
 * The authority of an ssh:// URL, [user[:password]@]host[:port], the n
 * bytes at p, into a.  As URI.pm: the userinfo ends at the last '@', an
 * empty port (and none) is ssh's default.
 */
static int
parse_authority(
    const char *p, size_t n, struct source_address *a, char *err, size_t errlen)
{
	const char *end = p + n, *at = NULL, *q, *colon, *hend;

	for (q = p; q < end; q++)
		if (*q == '@')
			at = q;
	if (at != NULL) {
		colon = memchr(p, ':', (size_t)(at - p));
		if (copy_part(a->user, sizeof(a->user), p,
			(size_t)((colon != NULL ? colon : at) - p)) == -1) {
			snprintf(err, errlen, "ssh user too long");
			return -1;
		}
		p = at + 1;
	}
	if (p < end && *p == '[') {
		hend = memchr(p, ']', (size_t)(end - p));
		if (hend == NULL) {
			snprintf(err, errlen, "unterminated IPv6 address");
			return -1;
		}
		q = p + 1;
		colon = hend + 1;
		if (colon < end && *colon != ':') {
			snprintf(err, errlen, "invalid address");
			return -1;
		}
	} else {
		q = p;
		hend = memchr(p, ':', (size_t)(end - p));
		if (hend == NULL)
			hend = end;
		colon = hend;
	}
	if (hend == q ||
	    copy_part(a->host, sizeof(a->host), q, (size_t)(hend - q)) == -1) {
		snprintf(err, errlen, "ssh address without a valid host");
		return -1;
	}
	/* it would be read as an option of ssh */
	if (a->host[0] == '-') {
		snprintf(err, errlen, "ssh host may not start with '-'");
		return -1;
	}
	if (colon < end && colon + 1 < end) {
		char port[8];

		if (copy_part(port, sizeof(port), colon + 1,
			(size_t)(end - colon - 1)) == -1 ||
		    !parse_uint(port, 1, 65535, &a->port)) {
			snprintf(err, errlen, "invalid port in address");
			return -1;
		}
	}
	return 0;
}

int
source_address_parse(
    const char *val, struct source_address *a, char *err, size_t errlen)
{
	const char *url, *params, *p, *auth_end, *path_end;
	size_t urllen, pathlen, plen;
	int n;

	memset(a, 0, sizeof(*a));
	if (!source_address_is_command(val)) {
		a->transport = SOURCE_TCP;
		return parse_tcp(val, a, err, errlen);
	}
	a->transport =
	    tolower((unsigned char)val[0]) == 's' ? SOURCE_SSH : SOURCE_CMD;
	url = val;
	urllen = strcspn(url, " \t");
	params = url + urllen;
	params += strspn(params, " \t");
	plen = strlen(params);
	while (plen > 0 && isspace((unsigned char)params[plen - 1]))
		plen--;
	p = url + 6;
	auth_end = p + strcspn(p, "/?#");
	if (auth_end > url + urllen)
		auth_end = url + urllen;
	path_end = auth_end + strcspn(auth_end, "?#");
	if (path_end > url + urllen)
		path_end = url + urllen;
	pathlen = (size_t)(path_end - auth_end);
	/* cmd:// ignores the user and host (Munin: "local commands should
	 * ignore the username, url and host") */
	if (a->transport == SOURCE_SSH &&
	    parse_authority(p, (size_t)(auth_end - p), a, err, errlen) == -1)
		return -1;
	/* ssh: a path "/" is no command (Munin's remote_cmd) */
	if (a->transport == SOURCE_SSH && pathlen == 1)
		pathlen = 0;
	n = snprintf(a->command, sizeof(a->command), "%.*s%s%.*s", (int)pathlen,
	    auth_end, pathlen > 0 && plen > 0 ? " " : "", (int)plen, params);
	if (n < 0 || (size_t)n >= sizeof(a->command)) {
		snprintf(err, errlen, "command in address longer than %d bytes",
		    SOURCE_COMMAND_MAX - 1);
		return -1;
	}
	if (a->transport == SOURCE_CMD && a->command[0] == '\0') {
		snprintf(err, errlen, "cmd address without a program");
		return -1;
	}
	return 0;
}

int
source_parse_address(const char *val, char *addr, size_t addrlen,
    unsigned *port, char *err, size_t errlen)
{
	struct source_address a;

	if (source_address_is_command(val)) {
		snprintf(err, errlen, "only a TCP address is possible here");
		return -1;
	}
	if (source_address_parse(val, &a, err, errlen) == -1)
		return -1;
	if (strlen(a.host) >= addrlen) {
		snprintf(err, errlen, "invalid address");
		return -1;
	}
	memcpy(addr, a.host, strlen(a.host) + 1);
	if (a.port != 0)
		*port = a.port;
	return 0;
}

bool
source_address_is_command(const char *val)
{
	return strncasecmp(val, "ssh://", 6) == 0 ||
	       strncasecmp(val, "cmd://", 6) == 0;
}
