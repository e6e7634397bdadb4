/*
 * hash: FNV-1a.
 */
#include "config.h"

#include "lib/hash.h"

#define FNV_PRIME 1099511628211ULL

uint64_t
hash_str(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * FNV_PRIME;
	return h;
}
