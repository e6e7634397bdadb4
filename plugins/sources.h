/*
 * sources: the table of every source drover has.
 *
 * Adding a source is one file in plugins/ (its struct source and its
 * keys table) and one row here.  The collector walks this table; it
 * names no source.
 */
#ifndef DROVER_SOURCES_H
#define DROVER_SOURCES_H

#include <stddef.h>

#include "plugins/source.h"

/* Sorted by name. */
extern const struct source *const sources[];
extern const size_t nsources;

#endif
