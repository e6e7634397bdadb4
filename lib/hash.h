/*
 * hash: FNV-1a, 64 bit, over NUL-terminated strings.  Stable across runs,
 * builds and machines (schedule phases and cache names depend on that);
 * not for anything an attacker must not collide.
 */
#ifndef DROVER_HASH_H
#define DROVER_HASH_H

#include <stdint.h>

#define HASH_INIT 14695981039346656037ULL /* FNV-1a offset basis */

/* Continues hash h over s; start with HASH_INIT. */
uint64_t hash_str(uint64_t h, const char *s);

#endif
