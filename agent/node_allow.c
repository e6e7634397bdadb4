/*
 * node_allow: networks and their match (node_allow.h).  Lists are a
 * handful of entries: a linear scan per connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "agent/node_allow.h"

static void
clear_host_bits(struct node_cidr *c)
{
	unsigned len = c->family == AF_INET ? 4 : 16, i;

	for (i = 0; i < len; i++) {
		if (c->bits >= (i + 1) * 8)
			continue;
		if (c->bits <= i * 8)
			c->addr[i] = 0;
		else
			c->addr[i] &=
			    (uint8_t)(0xff << (8 - (c->bits - i * 8)));
	}
}

bool
node_cidr_parse(const char *text, struct node_cidr *out)
{
	char host[INET6_ADDRSTRLEN + 1], *end;
	const char *slash = strchr(text, '/');
	size_t hl = slash != NULL ? (size_t)(slash - text) : strlen(text);
	unsigned long bits;
	unsigned max;

	if (hl == 0 || hl >= sizeof(host))
		return false;
	memcpy(host, text, hl);
	host[hl] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, host, out->addr) == 1)
		out->family = AF_INET6;
	else
		return false;
	max = out->family == AF_INET ? 32 : 128;
	out->bits = max;
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9')
			return false;
		errno = 0;
		bits = strtoul(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || bits > max)
			return false;
		out->bits = (unsigned)bits;
	}
	clear_host_bits(out);
	return true;
}

static int
push(struct node_allow *a, const struct node_cidr *c)
{
	struct node_cidr *nv;
	size_t cap;

	if (a->n == a->cap) {
		cap = a->cap ? a->cap * 2 : 4;
		nv = realloc(a->v, cap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		a->v = nv;
		a->cap = cap;
	}
	a->v[a->n++] = *c;
	return 0;
}

int
node_allow_add(struct node_allow *a, const char *text)
{
	struct node_cidr c;

	if (!node_cidr_parse(text, &c)) {
		errno = EINVAL;
		return -1;
	}
	return push(a, &c);
}

int
node_allow_loopback(struct node_allow *a)
{
	return node_allow_add(a, "127.0.0.0/8") == -1 ||
		       node_allow_add(a, "::1/128") == -1
		   ? -1
		   : 0;
}

int
node_allow_copy(struct node_allow *dst, const struct node_allow *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < src->n; i++)
		if (push(dst, &src->v[i]) == -1) {
			node_allow_cleanup(dst);
			return -1;
		}
	return 0;
}

/* Whether the first bits of a and b agree. */
static bool
prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	uint8_t mask;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

bool
node_allow_permits(const struct node_allow *a, const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	const uint8_t *addr;
	int family;
	size_t i;

	if (sa->sa_family == AF_INET) {
		family = AF_INET;
		addr = (const uint8_t *)&((const struct sockaddr_in *)sa)
			   ->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		family = AF_INET6;
		addr = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (memcmp(addr, mapped, sizeof(mapped)) == 0) {
			family = AF_INET;
			addr += 12;
		}
	} else
		return false;
	for (i = 0; i < a->n; i++)
		if (a->v[i].family == family &&
		    prefix_equal(a->v[i].addr, addr, a->v[i].bits))
			return true;
	return false;
}

void
node_allow_print(const struct node_allow *a, FILE *out)
{
	char text[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (inet_ntop(a->v[i].family, a->v[i].addr, text,
			sizeof(text)) == NULL)
			continue;
		fprintf(out, "node_allow %s/%u\n", text, a->v[i].bits);
	}
}

void
node_allow_cleanup(struct node_allow *a)
{
	free(a->v);
	memset(a, 0, sizeof(*a));
}
