/*
 * bank: the battery-bank schema's shared rules (docs: README "Battery
 * banks"): the service name bank_ID, the chemistries and the default
 * thresholds every battery source puts on its voltage and soc fields.
 * Pure.
 */
#ifndef DROVER_BANK_H
#define DROVER_BANK_H

#include <stdbool.h>
#include <stddef.h>

#include "plugins/sample.h"

enum bank_chemistry {
	BANK_LEAD_ACID, /* flooded, AGM, gel: the default */
	BANK_LIFEPO4,
};

/* Default nominal bank voltage, V. */
#define BANK_NOMINAL_DEFAULT 12
/* Default soc thresholds, %: warning below, critical below. */
#define BANK_SOC_WARNING 30
#define BANK_SOC_CRITICAL 15

/* "lead-acid" (also "agm", "gel", "flooded"), "lifepo4"; false if none. */
bool bank_chemistry_parse(const char *s, enum bank_chemistry *out);
const char *bank_chemistry_str(enum bank_chemistry c);
/* Whether v is a nominal bank voltage we know (12, 24, 36, 48). */
bool bank_nominal_valid(unsigned v);

/*
 * Voltage thresholds of a bank, V: warning and critical below.  Lead-acid
 * 12.0 / 11.5 per 12 V (2.0 / 1.92 V a cell), LiFePO4 12.8 / 12.0 per
 * 12 V (3.2 / 3.0 V a cell), scaled by nominal / 12.
 */
void bank_voltage_limits(
    unsigned nominal, enum bank_chemistry c, double *warning, double *critical);

/* "bank_" + id under Munin's plugin-name rule, into out; returns out. */
char *bank_service_name(const char *id, char *out, size_t len);

/*
 * Puts the schema's graph attributes on s (graph_category power, a
 * graph_title naming the bank, vlabel) and the default warning and
 * critical on its voltage and soc fields when present.  0 / -1 (ENOMEM).
 */
int bank_service_defaults(struct service *s, const char *title,
    unsigned nominal, enum bank_chemistry c);

#endif
