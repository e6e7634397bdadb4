/*
 * shard: ownership of hosts among collectors; see shard.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "collector/shard.h"
#include "lib/hash.h"

#define SHARD_MAX 1024 /* collectors in one cluster, at most */

uint64_t
shard_hash(const char *key)
{
	return hash_str(HASH_INIT, key);
}

unsigned
shard_of(const char *key, unsigned n)
{
	return n > 1 ? (unsigned)(shard_hash(key) % n) + 1 : 1;
}

const char *
shard_key(const struct conf_host *h)
{
	return h->physical != NULL ? h->physical : h->name;
}

bool
shard_enabled(const struct conf *c)
{
	return c->shard_count > 1 || c->shard_physical.n > 0;
}

bool
shard_owns(const struct conf *c, const struct conf_host *h)
{
	if (h->local || !shard_enabled(c))
		return true;
	if (c->shard_physical.n > 0)
		return strlist_contains(&c->shard_physical, shard_key(h));
	return shard_of(shard_key(h), c->shard_count) == c->shard_index;
}

bool
shard_parse(const char *s, unsigned *i, unsigned *n)
{
	char *end;
	unsigned long a, b;

	if (s[0] < '0' || s[0] > '9')
		return false;
	a = strtoul(s, &end, 10);
	if (*end != '/' || end[1] < '0' || end[1] > '9')
		return false;
	b = strtoul(end + 1, &end, 10);
	if (*end != '\0' || a < 1 || b < 1 || a > b || b > SHARD_MAX)
		return false;
	*i = (unsigned)a;
	*n = (unsigned)b;
	return true;
}

void
shard_print(const struct conf *c, FILE *out)
{
	const struct conf_host *h;
	char num[16];
	size_t i;

	if (c->shard_physical.n > 0)
		fprintf(out, "# shard: the physical hosts of shard_physical\n");
	else
		fprintf(out, "# shard %u/%u\n",
		    c->shard_count > 1 ? c->shard_index : 1,
		    c->shard_count > 1 ? c->shard_count : 1);
	fprintf(out, "# host key fnv1a64 shard owner\n");
	for (i = 0; i < c->nhosts; i++) {
		h = &c->hosts[i];
		/* a shard number only where the hash decides */
		if (c->shard_physical.n > 0 || h->local)
			snprintf(num, sizeof(num), "-");
		else
			snprintf(num, sizeof(num), "%u",
			    shard_of(shard_key(h), c->shard_count));
		fprintf(out, "%s %s %016" PRIx64 " %s %s\n", h->name,
		    shard_key(h), shard_hash(shard_key(h)), num,
		    shard_owns(c, h) ? "self" : "peer");
	}
}
