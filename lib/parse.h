/*
 * parse: config values every room reads the same way.
 */
#ifndef DROVER_PARSE_H
#define DROVER_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A decimal number in [lo, hi]; false if v is not one. */
bool parse_uint(const char *v, unsigned lo, unsigned hi, unsigned *out);
/* yes/no, true/false, on/off, 1/0 (any case); false if v is none of them. */
bool parse_bool(const char *v, bool *out);
/* An Ethernet MAC, six hex pairs separated by ':' or '-' ("52:54:00:ab:cd:ef",
 * as qemu's mac= takes it), the len bytes at v; false if it is not one. */
bool parse_mac(const char *v, size_t len, uint8_t out[6]);

#endif
