/*
 * bank: the battery-bank schema's names and default thresholds.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "plugins/bank.h"

bool
bank_chemistry_parse(const char *s, enum bank_chemistry *out)
{
	if (strcmp(s, "lead-acid") == 0 || strcmp(s, "agm") == 0 ||
	    strcmp(s, "gel") == 0 || strcmp(s, "flooded") == 0)
		*out = BANK_LEAD_ACID;
	else if (strcmp(s, "lifepo4") == 0)
		*out = BANK_LIFEPO4;
	else
		return false;
	return true;
}

const char *
bank_chemistry_str(enum bank_chemistry c)
{
	return c == BANK_LIFEPO4 ? "lifepo4" : "lead-acid";
}

bool
bank_nominal_valid(unsigned v)
{
	return v == 12 || v == 24 || v == 36 || v == 48;
}

void
bank_voltage_limits(
    unsigned nominal, enum bank_chemistry c, double *warning, double *critical)
{
	double k = (double)nominal / 12;

	*warning = (c == BANK_LIFEPO4 ? 12.8 : 12.0) * k;
	*critical = (c == BANK_LIFEPO4 ? 12.0 : 11.5) * k;
}

char *
bank_service_name(const char *id, char *out, size_t len)
{
	char clean[256];

	sanitise_plugin_name(id, clean, sizeof(clean));
	snprintf(out, len, "bank_%s", clean);
	return out;
}

/* "LOW:" into f's key (a Munin range: below LOW is out). */
static int
set_below(struct service *s, const char *field, const char *key, double low)
{
	struct field *f = service_field(s, field, false);
	char v[64];

	if (f == NULL)
		return 0;
	snprintf(v, sizeof(v), "%.4g:", low);
	return attrs_set(&f->attrs, key, v);
}

int
bank_service_defaults(struct service *s, const char *title, unsigned nominal,
    enum bank_chemistry c)
{
	double w, cr;

	bank_voltage_limits(nominal, c, &w, &cr);
	if (attrs_set(&s->graph, "graph_title", title) == -1 ||
	    attrs_set(&s->graph, "graph_category", "power") == -1 ||
	    attrs_set(&s->graph, "graph_args", "--base 1000") == -1 ||
	    set_below(s, "voltage", "warning", w) == -1 ||
	    set_below(s, "voltage", "critical", cr) == -1 ||
	    set_below(s, "soc", "warning", BANK_SOC_WARNING) == -1 ||
	    set_below(s, "soc", "critical", BANK_SOC_CRITICAL) == -1)
		return -1;
	return 0;
}
