/*
 * assets: lookup in the table web/embed.sh generates.  A handful of
 * entries: a linear search is the whole index.
 */
#include "config.h"

#include <string.h>

#include "web/assets.h"

const struct asset *
asset_find(const char *name)
{
	const struct asset *a;

	for (a = assets_table(); a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}
