/*
 * host_power: the bank_ and power_supply_online probes over
 * SYS/class/power_supply (see host_power.h for the fields, units and the
 * sign rule).
 *
 * Choices:
 *  - Every Battery and UPS supply is a bank, whatever its scope: a
 *    wireless mouse's battery (scope Device) is one too, and its soc
 *    thresholds say when it needs charging.
 *  - Mains, USB and the other kinds are not banks.  They appear twice:
 *    as one field each in power_supply_online, and folded into every
 *    bank's online field (1 when one of the system's supplies is
 *    online: the charger is present), which the bank schema and the
 *    power view read.  Their voltage and current are not shown.
 *  - Reading an attribute that fails (missing, EINVAL, ENODATA, EIO, a
 *    permission) is a missing field, silently: drivers refuse some
 *    attributes in some states, on every read.  A value that was read but
 *    is not what the kernel prints is the value U, logged at most once an
 *    hour per probe.
 *  - soc is capacity; without it, charge_now / charge_full, else
 *    energy_now / energy_full (the info says which).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "plugins/host_power.h"
#include "plugins/host_probes.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define ATTR_MAX 128 /* bytes read of one attribute; sysfs prints < 64 */
#define LOG_EVERY_MS (3600 * 1000) /* malformed values: one line an hour */

static const char *const attr_names[PSU_NATTRS] = {
    [PSU_VOLTAGE_NOW] = "voltage_now",
    [PSU_VOLTAGE_MIN_DESIGN] = "voltage_min_design",
    [PSU_VOLTAGE_MAX_DESIGN] = "voltage_max_design",
    [PSU_CURRENT_NOW] = "current_now",
    [PSU_POWER_NOW] = "power_now",
    [PSU_CAPACITY] = "capacity",
    [PSU_TEMP] = "temp",
    [PSU_TIME_TO_EMPTY_NOW] = "time_to_empty_now",
    [PSU_CHARGE_NOW] = "charge_now",
    [PSU_CHARGE_FULL] = "charge_full",
    [PSU_CHARGE_FULL_DESIGN] = "charge_full_design",
    [PSU_ENERGY_NOW] = "energy_now",
    [PSU_ENERGY_FULL] = "energy_full",
    [PSU_ENERGY_FULL_DESIGN] = "energy_full_design",
    [PSU_ONLINE] = "online",
    [PSU_STATUS] = "status",
    [PSU_HEALTH] = "health",
};

/* The texts the kernel prints (drivers/power/supply/power_supply_sysfs.c),
 * by enum value. */
static const char *const status_text[] = {
    "Unknown", "Charging", "Discharging", "Not charging", "Full"};
static const char *const health_text[PSU_HEALTH_N] = {
    "Unknown",
    "Good",
    "Overheat",
    "Dead",
    "Over voltage",
    "Unspecified failure",
    "Cold",
    "Watchdog timer expire",
    "Safety timer expire",
    "Over current",
    "Calibration required",
    "Warm",
    "Cool",
    "Hot",
    "No battery",
};

const char *
host_power_attr_name(enum host_power_attr a)
{
	return (unsigned)a < PSU_NATTRS ? attr_names[a] : "?";
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* [buf, buf+len) without one trailing newline and trailing blanks. */
static size_t
trimmed(const char *buf, size_t len)
{
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	while (len > 0 && is_blank(buf[len - 1]))
		len--;
	return len;
}

bool
host_power_parse_int(const char *buf, size_t len, int64_t *out)
{
	const char *p = buf, *end = buf + trimmed(buf, len);
	bool neg = false;
	uint64_t v;

	while (p < end && is_blank(*p))
		p++;
	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	if (!host_parse_u64(&p, end, &v) || p != end ||
	    v > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/* The index of [buf, len) (trimmed) in names[n], or -1. */
static int
text_index(const char *buf, size_t len, const char *const *names, size_t n)
{
	size_t i;

	len = trimmed(buf, len);
	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], buf, len) == 0)
			return (int)i;
	return -1;
}

bool
host_power_parse_status(
    const char *buf, size_t len, enum host_power_status *out)
{
	int i = text_index(buf, len, status_text, NELEM(status_text));

	if (i < 0)
		return false;
	*out = (enum host_power_status)i;
	return true;
}

bool
host_power_parse_health(
    const char *buf, size_t len, enum host_power_health *out)
{
	int i = text_index(buf, len, health_text, NELEM(health_text));

	if (i < 0)
		return false;
	*out = (enum host_power_health)i;
	return true;
}

/* A text attribute into out (HOST_POWER_TEXT_MAX): trimmed, control
 * characters and bytes past the room dropped. */
static void
set_text(char *out, const char *buf, size_t len)
{
	size_t i, o = 0;

	len = trimmed(buf, len);
	for (i = 0; i < len && o + 1 < HOST_POWER_TEXT_MAX; i++)
		if ((unsigned char)buf[i] >= 0x20 && buf[i] != 0x7f)
			out[o++] = buf[i];
	out[o] = '\0';
}

void
host_power_supply_set(
    struct host_power_supply *s, const char *attr, const char *buf, size_t len)
{
	struct host_power_value *a;
	enum host_power_status st;
	enum host_power_health h;
	int i;

	if (strcmp(attr, "type") == 0) {
		set_text(s->type, buf, len);
		s->kind = strcmp(s->type, "Battery") == 0 ? PSU_KIND_BATTERY
			  : strcmp(s->type, "UPS") == 0	  ? PSU_KIND_UPS
							  : PSU_KIND_OTHER;
		return;
	}
	if (strcmp(attr, "scope") == 0) {
		s->device_scope = text_index(buf, len,
				      (const char *const[]){"Device"}, 1) == 0;
		return;
	}
	if (strcmp(attr, "model_name") == 0) {
		set_text(s->model, buf, len);
		return;
	}
	if (strcmp(attr, "manufacturer") == 0) {
		set_text(s->manufacturer, buf, len);
		return;
	}
	if (strcmp(attr, "technology") == 0) {
		set_text(s->technology, buf, len);
		return;
	}
	for (i = 0; i < PSU_NATTRS; i++)
		if (strcmp(attr, attr_names[i]) == 0)
			break;
	if (i == PSU_NATTRS)
		return;
	a = &s->a[i];
	a->present = true;
	a->malformed = false;
	a->v = 0;
	if (i < PSU_NUMBERS)
		a->malformed = !host_power_parse_int(buf, len, &a->v);
	else if (i == PSU_STATUS) {
		a->malformed = !host_power_parse_status(buf, len, &st);
		a->v = a->malformed ? 0 : st;
	} else {
		a->malformed = !host_power_parse_health(buf, len, &h);
		a->v = a->malformed ? 0 : h;
	}
}

/* Attribute i of s is there and understood. */
static bool
good(const struct host_power_supply *s, enum host_power_attr i)
{
	return s->a[i].present && !s->a[i].malformed;
}

/* Attribute i in SI units (scale: the kernel's unit in SI). */
static double
si(const struct host_power_supply *s, enum host_power_attr i, double scale)
{
	return (double)s->a[i].v * scale;
}

/* The sign rule: x (the kernel's signed value) by s's status. */
static double
signed_by_status(const struct host_power_supply *s, double x)
{
	if (good(s, PSU_STATUS)) {
		if (s->a[PSU_STATUS].v == PSU_STATUS_DISCHARGING)
			return -fabs(x);
		if (s->a[PSU_STATUS].v == PSU_STATUS_CHARGING)
			return fabs(x);
	}
	return x;
}

bool
host_power_current(
    const struct host_power_supply *s, double *amps, bool *derived)
{
	double v;

	*derived = false;
	if (good(s, PSU_CURRENT_NOW)) {
		*amps = signed_by_status(s, si(s, PSU_CURRENT_NOW, 1e-6));
		return true;
	}
	if (s->a[PSU_CURRENT_NOW].present || !good(s, PSU_POWER_NOW) ||
	    !good(s, PSU_VOLTAGE_NOW))
		return false;
	v = si(s, PSU_VOLTAGE_NOW, 1e-6);
	if (v <= 0)
		return false;
	*amps = signed_by_status(s, si(s, PSU_POWER_NOW, 1e-6)) / v;
	*derived = true;
	return true;
}

bool
host_power_power(
    const struct host_power_supply *s, double *watts, bool *derived)
{
	*derived = false;
	if (good(s, PSU_POWER_NOW)) {
		*watts = signed_by_status(s, si(s, PSU_POWER_NOW, 1e-6));
		return true;
	}
	if (s->a[PSU_POWER_NOW].present || !good(s, PSU_CURRENT_NOW) ||
	    !good(s, PSU_VOLTAGE_NOW))
		return false;
	*watts = si(s, PSU_VOLTAGE_NOW, 1e-6) *
		 signed_by_status(s, si(s, PSU_CURRENT_NOW, 1e-6));
	*derived = true;
	return true;
}

/* v volts as a Munin lower bound ("3.24:"), to the millivolt. */
static void
lower_bound(char *out, size_t n, double v)
{
	char num[48];
	size_t len;

	snprintf(num, sizeof(num), "%.3f", v);
	len = strlen(num);
	while (len > 0 && num[len - 1] == '0')
		num[--len] = '\0';
	if (len > 0 && num[len - 1] == '.')
		num[--len] = '\0';
	snprintf(out, n, "%s:", num);
}

bool
host_power_voltage_thresholds(
    const struct host_power_supply *s, char *warn, char *crit, size_t n)
{
	double lo, hi;

	if (!good(s, PSU_VOLTAGE_MIN_DESIGN) ||
	    !good(s, PSU_VOLTAGE_MAX_DESIGN))
		return false;
	lo = si(s, PSU_VOLTAGE_MIN_DESIGN, 1e-6);
	hi = si(s, PSU_VOLTAGE_MAX_DESIGN, 1e-6);
	if (!(lo > 0 && lo < hi))
		return false;
	lower_bound(crit, n, lo + (hi - lo) * 0.10);
	lower_bound(warn, n, lo + (hi - lo) * 0.20);
	return true;
}

void
host_power_mains(
    const struct host_power_supply *v, size_t n, struct host_power_mains *m)
{
	size_t i, len;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < n; i++) {
		if (v[i].kind != PSU_KIND_OTHER || v[i].device_scope ||
		    !good(&v[i], PSU_ONLINE))
			continue;
		if (v[i].a[PSU_ONLINE].v != 0)
			m->online = true;
		len = strlen(m->names);
		snprintf(m->names + len, sizeof(m->names) - len, "%s%s",
		    m->n > 0 ? ", " : "", v[i].name);
		m->n++;
	}
}

/* ---- services ----------------------------------------------------------- */

/* Field name of s: value v in SI units, U when bad; 0 / -1. */
static int
field(struct service *s, const char *name, const char *const kv[][2], size_t n,
    double v, bool bad)
{
	return host_field_add(s, name, kv, n, v, bad) == NULL ? -1 : 0;
}

/* A numeric attribute as a field when present: scale to SI. */
static int
attr_field(struct service *sv, const struct host_power_supply *s,
    enum host_power_attr i, const char *name, const char *const kv[][2],
    size_t n, double scale)
{
	if (!s->a[i].present)
		return 0;
	return field(sv, name, kv, n, si(s, i, scale), s->a[i].malformed);
}

/* The health field's state attribute: the kernel's verdict. */
static const char *
health_state(enum host_power_health h)
{
	switch (h) {
	case PSU_HEALTH_GOOD:
		return "OK";
	case PSU_HEALTH_WARM:
	case PSU_HEALTH_COOL:
	case PSU_HEALTH_CALIBRATION_REQUIRED:
		return "WARNING";
	case PSU_HEALTH_UNKNOWN:
	case PSU_HEALTH_N:
		return NULL;
	default:
		return "CRITICAL";
	}
}

/* The soc: capacity, else a ratio of now to full; false when none.
 * *from names what it came from; *bad when capacity is malformed. */
static bool
soc(const struct host_power_supply *s, double *pct, const char **from,
    bool *bad)
{
	static const struct {
		enum host_power_attr now, full;
		const char *text;
	} ratios[] = {
	    {PSU_CHARGE_NOW, PSU_CHARGE_FULL, "charge_now / charge_full"},
	    {PSU_ENERGY_NOW, PSU_ENERGY_FULL, "energy_now / energy_full"},
	};
	size_t i;

	*bad = false;
	*from = "capacity";
	if (s->a[PSU_CAPACITY].present) {
		*bad = s->a[PSU_CAPACITY].malformed;
		*pct = (double)s->a[PSU_CAPACITY].v;
		return true;
	}
	for (i = 0; i < NELEM(ratios); i++)
		if (good(s, ratios[i].now) && good(s, ratios[i].full) &&
		    s->a[ratios[i].full].v > 0) {
			*pct = 100.0 * (double)s->a[ratios[i].now].v /
			       (double)s->a[ratios[i].full].v;
			*from = ratios[i].text;
			return true;
		}
	return false;
}

/* graph_title and graph_info of bank s into title and info. */
static void
bank_texts(const struct host_power_supply *s, char *title, size_t tn,
    char *info, size_t in)
{
	char who[3 * HOST_POWER_TEXT_MAX + 8] = "";
	size_t len;

	snprintf(title, tn, "%s %s",
	    s->kind == PSU_KIND_UPS ? "UPS" : "Battery", s->name);
	if (s->manufacturer[0] != '\0' || s->model[0] != '\0') {
		snprintf(who, sizeof(who), " (%s%s%s)", s->manufacturer,
		    s->manufacturer[0] != '\0' && s->model[0] != '\0' ? " "
								      : "",
		    s->model);
	}
	snprintf(info, in,
	    "The %s supply %s%s of /sys/class/power_supply, as the kernel "
	    "reports it.",
	    s->type, s->name, who);
	if (s->technology[0] != '\0') {
		len = strlen(info);
		snprintf(
		    info + len, in - len, " Technology %s.", s->technology);
	}
}

int
host_power_bank_add(struct batch *b, const struct host_power_supply *s,
    const struct host_power_mains *mains)
{
	char raw[HOST_POWER_NAME_MAX + 8], name[sizeof(raw)];
	char title[HOST_POWER_NAME_MAX + 16], info[HOST_POWER_NAME_MAX + 400];
	char vinfo[160], warn[32], crit[32],
	    onlineinfo[HOST_POWER_NAME_MAX + 96];
	char socinfo[96];
	const char *from;
	struct service *sv;
	double x;
	bool derived, bad;
	size_t nvt = 2;

	snprintf(raw, sizeof(raw), "bank_%s", s->name);
	sanitise_plugin_name(raw, name, sizeof(name));
	if (batch_service(b, name, false) != NULL) {
		errno = EEXIST;
		return -1;
	}
	bank_texts(s, title, sizeof(title), info, sizeof(info));
	const char *const graph[][2] = {
	    {"graph_title", title},
	    {"graph_category", "power"},
	    {"graph_args", "--base 1000"},
	    {"graph_vlabel", "V, A, W, %, °C"},
	    {"graph_info", info},
	};
	sv = host_service_add(b, name, graph, NELEM(graph));
	if (sv == NULL)
		return -1;

	if (host_power_voltage_thresholds(s, warn, crit, sizeof(warn))) {
		snprintf(vinfo, sizeof(vinfo),
		    "Voltage in V (voltage_now); the design range is %.3f to "
		    "%.3f V, thresholds 10 and 20 %% of it above the cut-off.",
		    si(s, PSU_VOLTAGE_MIN_DESIGN, 1e-6),
		    si(s, PSU_VOLTAGE_MAX_DESIGN, 1e-6));
		nvt = 0;
	} else if (good(s, PSU_VOLTAGE_MIN_DESIGN))
		snprintf(vinfo, sizeof(vinfo),
		    "Voltage in V (voltage_now); the design voltage is %.3f V.",
		    si(s, PSU_VOLTAGE_MIN_DESIGN, 1e-6));
	else
		snprintf(vinfo, sizeof(vinfo), "Voltage in V (voltage_now).");
	const char *const voltage[][2] = {
	    {"label", "voltage"},
	    {"type", "GAUGE"},
	    {"min", "0"},
	    {"info", vinfo},
	    {"warning", warn},
	    {"critical", crit},
	};
	if (attr_field(sv, s, PSU_VOLTAGE_NOW, "voltage", voltage,
		NELEM(voltage) - nvt, 1e-6) == -1)
		return -1;

	static const char *const current[][2] = {
	    {"label", "current"},
	    {"type", "GAUGE"},
	    {"info", "Net current in A: positive charging, negative "
		     "discharging (current_now, signed by status)."},
	};
	static const char *const current_d[][2] = {
	    {"label", "current"},
	    {"type", "GAUGE"},
	    {"info", "Net current in A: positive charging, negative "
		     "discharging (power_now / voltage_now, signed by "
		     "status)."},
	};
	if (host_power_current(s, &x, &derived)) {
		if (field(sv, "current", derived ? current_d : current,
			NELEM(current), x, false) == -1)
			return -1;
	} else if (s->a[PSU_CURRENT_NOW].present &&
		   field(sv, "current", current, NELEM(current), 0, true) == -1)
		return -1;

	static const char *const power[][2] = {
	    {"label", "power"},
	    {"type", "GAUGE"},
	    {"info", "Net power in W: positive charging, negative "
		     "discharging (power_now, signed by status)."},
	};
	static const char *const power_d[][2] = {
	    {"label", "power"},
	    {"type", "GAUGE"},
	    {"info", "Net power in W: positive charging, negative "
		     "discharging (voltage_now x current_now, signed by "
		     "status)."},
	};
	if (host_power_power(s, &x, &derived)) {
		if (field(sv, "power", derived ? power_d : power, NELEM(power),
			x, false) == -1)
			return -1;
	} else if (s->a[PSU_POWER_NOW].present &&
		   field(sv, "power", power, NELEM(power), 0, true) == -1)
		return -1;

	if (soc(s, &x, &from, &bad)) {
		snprintf(socinfo, sizeof(socinfo),
		    "State of charge in %% (%s).", from);
		const char *const soca[][2] = {
		    {"label", "state of charge"},
		    {"type", "GAUGE"},
		    {"min", "0"},
		    {"max", "100"},
		    {"info", socinfo},
		    {"warning", "30:"},
		    {"critical", "15:"},
		};
		if (field(sv, "soc", soca, NELEM(soca), x, bad) == -1)
			return -1;
	}

	static const char *const temp[][2] = {
	    {"label", "temperature"},
	    {"type", "GAUGE"},
	    {"info", "Temperature in °C (temp)."},
	};
	if (attr_field(
		sv, s, PSU_TEMP, "temperature", temp, NELEM(temp), 0.1) == -1)
		return -1;

	static const char *const runtime[][2] = {
	    {"label", "runtime"},
	    {"type", "GAUGE"},
	    {"min", "0"},
	    {"info", "Time to empty in s as the device estimates it "
		     "(time_to_empty_now)."},
	};
	if (attr_field(sv, s, PSU_TIME_TO_EMPTY_NOW, "runtime", runtime,
		NELEM(runtime), 1) == -1)
		return -1;

	static const char *const state[][2] = {
	    {"label", "charger state"},
	    {"type", "GAUGE"},
	    {"min", "0"},
	    {"max", "4"},
	    {"info", "The kernel's status: 0 unknown, 1 charging, 2 "
		     "discharging, 3 not charging, 4 full."},
	};
	if (attr_field(sv, s, PSU_STATUS, "charger_state", state, NELEM(state),
		1) == -1)
		return -1;

	if (s->a[PSU_ONLINE].present) {
		static const char *const own[][2] = {
		    {"label", "online"},
		    {"type", "GAUGE"},
		    {"min", "0"},
		    {"max", "1"},
		    {"info", "1 while the supply's input is present (its "
			     "online attribute)."},
		};
		if (field(sv, "online", own, NELEM(own),
			s->a[PSU_ONLINE].v != 0,
			s->a[PSU_ONLINE].malformed) == -1)
			return -1;
	} else if (mains != NULL && mains->n > 0) {
		snprintf(onlineinfo, sizeof(onlineinfo),
		    "1 while a charger is present: %s%s is online.",
		    mains->n > 1 ? "one of " : "", mains->names);
		const char *const sys[][2] = {
		    {"label", "online"},
		    {"type", "GAUGE"},
		    {"min", "0"},
		    {"max", "1"},
		    {"info", onlineinfo},
		};
		if (field(sv, "online", sys, NELEM(sys), mains->online,
			false) == -1)
			return -1;
	}

	if (s->a[PSU_HEALTH].present) {
		const char *hs = s->a[PSU_HEALTH].malformed
				     ? NULL
				     : health_state(s->a[PSU_HEALTH].v);
		const char *const health[][2] = {
		    {"label", "health"},
		    {"type", "GAUGE"},
		    {"min", "0"},
		    {"info", "The kernel's health: 0 unknown, 1 good, 2 "
			     "overheat, 3 dead, 4 over voltage, 5 unspecified "
			     "failure, 6 cold, 7 watchdog timer expire, 8 "
			     "safety timer expire, 9 over current, 10 "
			     "calibration required, 11 warm, 12 cool, 13 hot, "
			     "14 no battery."},
		    {"state", hs},
		};
		if (field(sv, "health", health,
			NELEM(health) - (hs == NULL ? 1 : 0),
			(double)s->a[PSU_HEALTH].v,
			s->a[PSU_HEALTH].malformed) == -1)
			return -1;
	}

	static const struct {
		enum host_power_attr a;
		const char *label, *info;
	} amounts[] = {
	    {PSU_CHARGE_NOW, "charge", "Charge in Ah (charge_now)."},
	    {PSU_CHARGE_FULL, "charge when full",
		"Charge when full in Ah (charge_full)."},
	    {PSU_CHARGE_FULL_DESIGN, "charge when full, design",
		"Design charge when full in Ah (charge_full_design)."},
	    {PSU_ENERGY_NOW, "energy", "Energy in Wh (energy_now)."},
	    {PSU_ENERGY_FULL, "energy when full",
		"Energy when full in Wh (energy_full)."},
	    {PSU_ENERGY_FULL_DESIGN, "energy when full, design",
		"Design energy when full in Wh (energy_full_design)."},
	};
	size_t i;

	for (i = 0; i < NELEM(amounts); i++) {
		const char *const kv[][2] = {
		    {"label", amounts[i].label},
		    {"type", "GAUGE"},
		    {"min", "0"},
		    {"info", amounts[i].info},
		};
		if (attr_field(sv, s, amounts[i].a,
			host_power_attr_name(amounts[i].a), kv, NELEM(kv),
			1e-6) == -1)
			return -1;
	}
	return 0;
}

int
host_power_online_add(
    struct batch *b, const struct host_power_supply *v, size_t n)
{
	char fname[HOST_POWER_NAME_MAX], info[HOST_POWER_TEXT_MAX + 96];
	struct service *sv = NULL;
	size_t i;

	static const char *const graph[][2] = {
	    {"graph_title", "Power supplies online"},
	    {"graph_category", "power"},
	    {"graph_args", "--base 1000 -l 0 -u 1"},
	    {"graph_vlabel", "online"},
	    {"graph_info", "The mains adapters, USB ports and other "
			   "non-battery supplies of /sys/class/power_supply: "
			   "1 while present (online)."},
	};
	for (i = 0; i < n; i++) {
		if (v[i].kind != PSU_KIND_OTHER || !v[i].a[PSU_ONLINE].present)
			continue;
		if (sv == NULL) {
			sv = host_service_add(
			    b, "power_supply_online", graph, NELEM(graph));
			if (sv == NULL)
				return -1;
		}
		sanitise_fieldname(v[i].name, fname, sizeof(fname));
		if (service_field(sv, fname, false) != NULL)
			continue; /* two names that sanitise alike */
		snprintf(info, sizeof(info), "Supply %s of type %s%s.",
		    v[i].name, v[i].type[0] != '\0' ? v[i].type : "unknown",
		    v[i].device_scope ? " (powers a device)" : "");
		const char *const kv[][2] = {
		    {"label", v[i].name},
		    {"type", "GAUGE"},
		    {"min", "0"},
		    {"max", "1"},
		    {"info", info},
		};
		if (field(sv, fname, kv, NELEM(kv), v[i].a[PSU_ONLINE].v != 0,
			v[i].a[PSU_ONLINE].malformed) == -1)
			return -1;
	}
	return 0;
}

/* ---- reading ------------------------------------------------------------ */

/* Attribute name of the supply directory dfd into buf (ATTR_MAX); its
 * length, or -1 when it cannot be read (as a missing one). */
static ssize_t
read_attr(int dfd, const char *name, char *buf)
{
	struct stat st;
	ssize_t r;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	do
		r = read(fd, buf, ATTR_MAX);
	while (r == -1 && errno == EINTR);
	close(fd);
	return r;
}

/* The other files a supply's directory holds that set reads. */
static const char *const text_attrs[] = {
    "type", "scope", "model_name", "manufacturer", "technology"};

/* Supply name, below the class directory cfd, into s. */
static void
read_supply(int cfd, const char *name, struct host_power_supply *s)
{
	char buf[ATTR_MAX];
	ssize_t len;
	size_t i;
	int dfd;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	dfd = openat(cfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1)
		return;
	for (i = 0; i < NELEM(text_attrs); i++)
		if ((len = read_attr(dfd, text_attrs[i], buf)) >= 0)
			host_power_supply_set(
			    s, text_attrs[i], buf, (size_t)len);
	for (i = 0; i < PSU_NATTRS; i++)
		if ((len = read_attr(dfd, attr_names[i], buf)) >= 0)
			host_power_supply_set(
			    s, attr_names[i], buf, (size_t)len);
	close(dfd);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct host_power_supply *)a)->name,
	    ((const struct host_power_supply *)b)->name);
}

/* No control characters: a name goes into titles and labels, which are
 * lines of the Munin protocol.  The kernel's names never have any. */
static bool
printable(const char *name)
{
	for (; *name != '\0'; name++)
		if ((unsigned char)*name < 0x20 || *name == 0x7f)
			return false;
	return true;
}

int
host_power_read(const char *sys, struct host_power_supply *v, size_t *n)
{
	char path[4096];
	struct dirent *de;
	DIR *d;
	int cfd, saved;

	*n = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/class/power_supply",
		sys) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	d = opendir(path);
	if (d == NULL)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	cfd = dirfd(d);
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL)
			break;
		if (de->d_name[0] == '.' || !printable(de->d_name))
			continue;
		if (*n == HOST_POWER_MAX) {
			log_warnx("bank_: %s: more than %d supplies, %s and "
				  "later ones ignored",
			    path, HOST_POWER_MAX, de->d_name);
			break;
		}
		read_supply(cfd, de->d_name, &v[*n]);
		(*n)++;
	}
	saved = errno;
	closedir(d);
	if (saved != 0) {
		errno = saved;
		return -1;
	}
	qsort(v, *n, sizeof(*v), by_name);
	return 0;
}

/* ---- probes ------------------------------------------------------------- */

/* A probe's state: when it last complained about a malformed value. */
struct power_state {
	struct ratelimit rl;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Logs the first malformed attribute of v[n] (rate-limited by *state,
 * made here). */
static void
complain(const char *who, const char *sys, void **state,
    const struct host_power_supply *v, size_t n)
{
	struct power_state *ps = *state;
	unsigned suppressed = 0;
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < PSU_NATTRS; j++) {
			if (!v[i].a[j].malformed)
				continue;
			if (ps == NULL) {
				ps = calloc(1, sizeof(*ps));
				if (ps == NULL)
					return;
				*state = ps;
			}
			if (ratelimit_allow(
				&ps->rl, now_ms(), LOG_EVERY_MS, &suppressed))
				log_warnx("%s: %s/class/power_supply/%s/%s: "
					  "not understood, shown as U (%u "
					  "similar messages suppressed)",
				    who, sys, v[i].name, attr_names[j],
				    suppressed);
			return;
		}
}

/* Every supply into a new array *vp (free()) and *n.  0; -1 with *vp
 * NULL on failure (logged): rc -1 for allocation failure, else 0 (a
 * class directory that cannot be listed is no supply). */
static int
supplies(const char *who, const char *sys, struct host_power_supply **vp,
    size_t *n, int *rc)
{
	struct host_power_supply *v = calloc(HOST_POWER_MAX, sizeof(*v));

	*vp = NULL;
	*rc = 0;
	if (v == NULL) {
		log_warn("%s", who);
		*rc = -1;
		return -1;
	}
	if (host_power_read(sys, v, n) == -1) {
		log_warn("%s: %s/class/power_supply", who, sys);
		free(v);
		return -1;
	}
	*vp = v;
	return 0;
}

static int
collect_bank(const struct host_roots *r, void **state, struct batch *b)
{
	struct host_power_supply *v;
	struct host_power_mains m;
	size_t i, n;
	int rc = 0;

	if (supplies("bank_", r->sys, &v, &n, &rc) == -1)
		return rc;
	host_power_mains(v, n, &m);
	for (i = 0; i < n && rc == 0; i++) {
		if (v[i].kind == PSU_KIND_OTHER)
			continue;
		if (host_power_bank_add(b, &v[i], &m) == 0)
			continue;
		if (errno == EEXIST) {
			log_warnx("bank_: supply %s is a second bank of that "
				  "name, skipped",
			    v[i].name);
			continue;
		}
		log_warn("bank_: %s", v[i].name);
		rc = -1;
	}
	complain("bank_", r->sys, state, v, n);
	free(v);
	return rc;
}

static int
collect_online(const struct host_roots *r, void **state, struct batch *b)
{
	struct host_power_supply *v;
	size_t n;
	int rc;

	(void)state;
	if (supplies("power_supply_online", r->sys, &v, &n, &rc) == -1)
		return rc;
	rc = host_power_online_add(b, v, n);
	if (rc == -1)
		log_warn("power_supply_online");
	free(v);
	return rc;
}

const struct host_probe probe_bank = {.name = "bank_",
    .wildcard = true,
    .collect = collect_bank,
    .state_free = free};
const struct host_probe probe_power_supply_online = {
    .name = "power_supply_online", .collect = collect_online};
