/*
 * modbus_map: built-in register maps, the register spec parser, request
 * planning and decoding.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/modbus_map.h"

/*
 * EPEver Tracer A/B series (also LS-B, VS-B, iTracer, eTracer), from the
 * vendor's "LS-B, VS-B, Tracer-B, Tracer-A, iTracer, eTracer Series
 * Controller Communication Protocol" (EPEVER Corporation, "A/B series
 * Modbus protocol", V2.3 of June 2015 and V2.5/V2.6): Modbus RTU, unit 1,
 * 115200 8N1 by default.  Input registers (function 04), "Real-time
 * datum": 0x3100 PV array voltage (V), 0x3101 PV array current (A),
 * 0x3102-0x3103 PV array power (W, 32-bit, L register first), 0x3104
 * battery voltage (V), 0x3105 battery charging current (A), 0x310C load
 * voltage (V), 0x310D load current (A), 0x3110 battery temperature
 * (degrees C, signed), 0x311A battery SOC (%); "Real-time status": 0x3201
 * charging equipment status, D3-D2 the charging status (00 no charging,
 * 01 float, 02 boost, 03 equalisation); "Statistical parameters":
 * 0x331B-0x331C battery current (A, signed 32-bit, L first; positive
 * charging, negative discharging).  Every V, A, W and degree value is
 * x100 on the wire ("times 100"); SOC is x1.
 */
static const struct modbus_reg epever[] = {
    {"pv_voltage", MODBUS_INPUT, 0x3100, MODBUS_U16, 0.01, "V", 0, 0,
	"PV voltage", "Solar array input voltage (EPEver 0x3100)"},
    {"pv_current", MODBUS_INPUT, 0x3101, MODBUS_U16, 0.01, "A", 0, 0,
	"PV current", "Solar array input current (EPEver 0x3101)"},
    {"pv_power", MODBUS_INPUT, 0x3102, MODBUS_U32LE, 0.01, "W", 0, 0,
	"PV power", "Solar array input power (EPEver 0x3102-0x3103)"},
    {"voltage", MODBUS_INPUT, 0x3104, MODBUS_U16, 0.01, "V", 0, 0,
	"Battery voltage", "Battery voltage (EPEver 0x3104)"},
    {"charge_current", MODBUS_INPUT, 0x3105, MODBUS_U16, 0.01, "A", 0, 0,
	"Charge current",
	"Current the controller charges the battery with (EPEver 0x3105)"},
    {"load_voltage", MODBUS_INPUT, 0x310C, MODBUS_U16, 0.01, "V", 0, 0,
	"Load voltage", "Load output voltage (EPEver 0x310C)"},
    {"load_current", MODBUS_INPUT, 0x310D, MODBUS_U16, 0.01, "A", 0, 0,
	"Load current", "Load output current (EPEver 0x310D)"},
    {"temperature", MODBUS_INPUT, 0x3110, MODBUS_S16, 0.01, "C", 0, 0,
	"Battery temperature", "Battery temperature (EPEver 0x3110)"},
    {"soc", MODBUS_INPUT, 0x311A, MODBUS_U16, 1, "%", 0, 0, "State of charge",
	"Battery state of charge (EPEver 0x311A)"},
    {"charger_state", MODBUS_INPUT, 0x3201, MODBUS_U16, 1, "", 2, 2,
	"Charger state",
	"EPEver charging status (0x3201 bits D3-D2): 0 not charging, "
	"1 float, 2 boost, 3 equalisation"},
    {"current", MODBUS_INPUT, 0x331B, MODBUS_S32LE, 0.01, "A", 0, 0,
	"Net current",
	"Battery current, positive charging, negative discharging "
	"(EPEver 0x331B-0x331C)"},
};

static const struct {
	const char *name;
	const struct modbus_reg *regs;
	size_t n;
} builtins[] = {
    {"epever", epever, sizeof(epever) / sizeof(epever[0])},
};

static const char *const type_names[] = {
    [MODBUS_U16] = "u16",
    [MODBUS_S16] = "s16",
    [MODBUS_U32] = "u32",
    [MODBUS_S32] = "s32",
    [MODBUS_U32LE] = "u32le",
    [MODBUS_S32LE] = "s32le",
};
#define NTYPES (sizeof(type_names) / sizeof(type_names[0]))

unsigned
modbus_type_words(enum modbus_type t)
{
	return t == MODBUS_U16 || t == MODBUS_S16 ? 1 : 2;
}

const char *
modbus_type_str(enum modbus_type t)
{
	return (size_t)t < NTYPES ? type_names[t] : "?";
}

const char *
modbus_table_str(enum modbus_table t)
{
	return t == MODBUS_INPUT ? "input" : "holding";
}

int
modbus_map_builtin(const char *name, struct modbus_map *out)
{
	size_t i, j;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		if (strcmp(builtins[i].name, name) != 0)
			continue;
		memset(out, 0, sizeof(*out));
		for (j = 0; j < builtins[i].n; j++)
			out->regs[j] = builtins[i].regs[j];
		out->n = builtins[i].n;
		return 0;
	}
	return -1;
}

const char *
modbus_map_builtins(void)
{
	return "epever";
}

/* Munin's field-name rule, checked rather than rewritten: a name in the
 * config is the name the operator will look for. */
static bool
valid_name(const char *s)
{
	size_t i;

	if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (i = 1; s[i] != '\0'; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

static bool
parse_addr(const char *s, unsigned long *out)
{
	char *end;

	if (s[0] == '\0' || s[0] == '-' || s[0] == '+' ||
	    isspace((unsigned char)s[0]))
		return false;
	errno = 0;
	*out = strtoul(s, &end, 0);
	/* strtoul's base 0 reads a leading 0 as octal: refuse "010" */
	if (s[0] == '0' && s[1] != '\0' && s[1] != 'x' && s[1] != 'X')
		return false;
	return errno == 0 && *end == '\0' && *out <= 0xFFFF;
}

int
modbus_reg_parse(
    const char *spec, struct modbus_reg *out, char *err, size_t errlen)
{
	char copy[512], *w[7], *save = NULL, *tok, *end;
	size_t n = 0, i;
	unsigned long addr;
	double scale;

	if (strlen(spec) >= sizeof(copy)) {
		snprintf(err, errlen, "modbus_register: line too long");
		return -1;
	}
	memcpy(copy, spec, strlen(spec) + 1);
	for (tok = strtok_r(copy, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (n == 7)
			break;
		w[n++] = tok;
	}
	if (n < 4 || n > 6) {
		snprintf(err, errlen,
		    "modbus_register takes NAME ADDR TYPE SCALE [UNIT] "
		    "[input|holding] (e.g. \"voltage 0x3104 u16 0.01 V "
		    "input\")");
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (!valid_name(w[0]) || strlen(w[0]) >= sizeof(out->name)) {
		snprintf(err, errlen,
		    "modbus_register: bad name \"%s\" (letters, digits and "
		    "_, not starting with a digit, at most %zu bytes)",
		    w[0], sizeof(out->name) - 1);
		return -1;
	}
	snprintf(out->name, sizeof(out->name), "%s", w[0]);
	if (!parse_addr(w[1], &addr)) {
		snprintf(err, errlen,
		    "modbus_register %s: bad address \"%s\" (0-65535, "
		    "decimal or 0x hex; the protocol address, 0-based)",
		    w[0], w[1]);
		return -1;
	}
	for (i = 0; i < NTYPES; i++)
		if (strcmp(w[2], type_names[i]) == 0)
			break;
	if (i == NTYPES) {
		snprintf(err, errlen,
		    "modbus_register %s: unknown type \"%s\" (u16 s16 u32 "
		    "s32 u32le s32le; the le types have the low word first)",
		    w[0], w[2]);
		return -1;
	}
	out->type = (enum modbus_type)i;
	if (addr + modbus_type_words(out->type) - 1 > 0xFFFF) {
		snprintf(err, errlen,
		    "modbus_register %s: %s at %lu runs past register 65535",
		    w[0], w[2], addr);
		return -1;
	}
	out->addr = (uint16_t)addr;
	errno = 0;
	scale = strtod(w[3], &end);
	if (errno != 0 || *end != '\0' || end == w[3] || !isfinite(scale) ||
	    scale == 0) {
		snprintf(err, errlen,
		    "modbus_register %s: bad scale \"%s\" (a non-zero "
		    "number the raw value is multiplied by, e.g. 0.01)",
		    w[0], w[3]);
		return -1;
	}
	out->scale = scale;
	i = 4;
	if (n > i && strcmp(w[i], "input") != 0 &&
	    strcmp(w[i], "holding") != 0) {
		if (strlen(w[i]) >= sizeof(out->unit)) {
			snprintf(err, errlen,
			    "modbus_register %s: unit \"%s\" longer than %zu "
			    "bytes",
			    w[0], w[i], sizeof(out->unit) - 1);
			return -1;
		}
		if (strcmp(w[i], "-") != 0)
			snprintf(out->unit, sizeof(out->unit), "%s", w[i]);
		i++;
	}
	out->table = MODBUS_HOLDING;
	if (n > i) {
		if (strcmp(w[i], "input") == 0)
			out->table = MODBUS_INPUT;
		else if (strcmp(w[i], "holding") != 0) {
			snprintf(err, errlen,
			    "modbus_register %s: \"%s\" is not input or "
			    "holding",
			    w[0], w[i]);
			return -1;
		}
		i++;
	}
	if (i != n) {
		snprintf(err, errlen,
		    "modbus_register %s: unexpected \"%s\" after the "
		    "register table",
		    w[0], w[i]);
		return -1;
	}
	return 0;
}

char *
modbus_reg_format(const struct modbus_reg *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s 0x%04X %s %.10g %s %s", r->name, r->addr,
	    modbus_type_str(r->type), r->scale,
	    r->unit[0] != '\0' ? r->unit : "-", modbus_table_str(r->table));
	return buf;
}

int
modbus_map_add(
    struct modbus_map *m, const struct modbus_reg *r, char *err, size_t len)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->regs[i].name, r->name) == 0) {
			m->regs[i] = *r;
			return 0;
		}
	if (m->n == MODBUS_MAP_MAX) {
		snprintf(
		    err, len, "more than %d modbus registers", MODBUS_MAP_MAX);
		return -1;
	}
	m->regs[m->n++] = *r;
	return 0;
}

/* A register span [lo, hi] of one table. */
struct span {
	enum modbus_table table;
	unsigned lo, hi;
};

static int
span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

size_t
modbus_map_plan(
    const struct modbus_map *m, struct modbus_read *reads, size_t max)
{
	struct span s[MODBUS_MAP_MAX];
	size_t i, n = 0;
	struct modbus_read *cur = NULL;
	unsigned hi;

	for (i = 0; i < m->n && i < MODBUS_MAP_MAX; i++) {
		s[i].table = m->regs[i].table;
		s[i].lo = m->regs[i].addr;
		s[i].hi = s[i].lo + modbus_type_words(m->regs[i].type) - 1;
	}
	qsort(s, i, sizeof(s[0]), span_cmp);
	for (size_t k = 0; k < i; k++) {
		hi = cur != NULL ? (unsigned)cur->addr + cur->count - 1 : 0;
		/* joins the request when it touches it and still fits */
		if (cur != NULL && cur->table == s[k].table &&
		    s[k].lo <= hi + 1 &&
		    (s[k].hi <= hi ||
			s[k].hi - cur->addr + 1 <= MODBUS_READ_MAX)) {
			if (s[k].hi > hi)
				cur->count =
				    (uint16_t)(s[k].hi - cur->addr + 1);
			continue;
		}
		/* a register straddling a full request starts its own */
		if (n == max)
			break;
		cur = &reads[n++];
		memset(cur, 0, sizeof(*cur));
		cur->table = s[k].table;
		cur->addr = (uint16_t)s[k].lo;
		cur->count = (uint16_t)(s[k].hi - s[k].lo + 1);
	}
	return n;
}

/*
 * raw x scale.  A scale of 1/k (0.01) divides by k instead: division is
 * correctly rounded, so 1262 x 0.01 reads 12.62 exactly as written, not
 * 12.620000000000001.
 */
static double
scaled(double raw, double scale)
{
	double inv = 1 / scale;

	if (fabs(scale) < 1 && fabs(inv - round(inv)) < 1e-9 * fabs(inv))
		return raw / round(inv);
	return raw * scale;
}

double
modbus_decode(enum modbus_type t, const uint16_t *w)
{
	switch (t) {
	case MODBUS_U16:
		return w[0];
	case MODBUS_S16:
		return (int16_t)w[0];
	case MODBUS_U32:
		return ((uint32_t)w[0] << 16) | w[1];
	case MODBUS_S32:
		return (int32_t)(((uint32_t)w[0] << 16) | w[1]);
	case MODBUS_U32LE:
		return ((uint32_t)w[1] << 16) | w[0];
	case MODBUS_S32LE:
		return (int32_t)(((uint32_t)w[1] << 16) | w[0]);
	}
	return NAN;
}

bool
modbus_reg_value(const struct modbus_reg *r, const struct modbus_read *reads,
    size_t n, double *out)
{
	unsigned words = modbus_type_words(r->type);
	const uint16_t *w;
	uint16_t bits;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!reads[i].done || reads[i].table != r->table ||
		    r->addr < reads[i].addr ||
		    (unsigned)r->addr + words >
			(unsigned)reads[i].addr + reads[i].count)
			continue;
		w = &reads[i].words[r->addr - reads[i].addr];
		if (r->bits > 0 && words == 1) {
			bits = (uint16_t)((w[0] >> r->shift) &
					  ((1u << r->bits) - 1));
			*out = scaled(bits, r->scale);
		} else
			*out = scaled(modbus_decode(r->type, w), r->scale);
		return true;
	}
	return false;
}
