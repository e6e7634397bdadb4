/*
 * host_power: the machine's power supplies from sysfs
 * (SYS/class/power_supply/NAME/, the kernel's power_supply class), as two
 * probes of plugins/host_probes.c:
 *
 *   - "bank_" (wildcard): one service bank_NAME per supply of type
 *     Battery or UPS, in the bank schema every battery source follows
 *     (voltage, current, power, soc, temperature, runtime, charger_state,
 *     online, health, and the kernel's charge_* and energy_* amounts);
 *   - "power_supply_online" (plain): one field per other supply (Mains,
 *     USB, USB-C, Wireless...) that has an online attribute, 1 while it
 *     is present.
 *
 * Units: the kernel's µV, µA, µW, µAh, µWh and tenths of °C become V, A,
 * W, Ah, Wh and °C.
 *
 * The sign of current and power (net: positive = charging, negative =
 * discharging).  The kernel's ABI document (Documentation/ABI/testing/
 * sysfs-class-power, current_now) says negative values are used for
 * discharging, but many drivers (ACPI's battery driver, most laptop
 * batteries, several fuel gauges) print the magnitude whatever the
 * direction.  So the status attribute decides where it has a direction:
 * Discharging gives -|current_now|, Charging +|current_now|; any other
 * status (Full, Not charging, Unknown) or none keeps the kernel's own sign.
 * power_now follows the same rule.  A supply with power_now and
 * voltage_now but no current_now (ACPI batteries that count energy) gets
 * current = power / voltage; one with current_now and voltage_now but no
 * power_now gets power = voltage x current (the field's info says so).
 *
 * The pure half below is functions over attribute contents (buf need not
 * be NUL-terminated and is never read past len); the probes only read
 * the files and call it.
 */
#ifndef DROVER_HOST_POWER_H
#define DROVER_HOST_POWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/host.h"
#include "plugins/sample.h"

#define HOST_POWER_NAME_MAX 256 /* bytes with the NUL (NAME_MAX + 1) */
#define HOST_POWER_TEXT_MAX 64	/* model, manufacturer... kept (bytes) */

/* The kernel's POWER_SUPPLY_STATUS_* numbers (include/linux/
 * power_supply.h), which charger_state shows. */
enum host_power_status {
	PSU_STATUS_UNKNOWN = 0,
	PSU_STATUS_CHARGING = 1,
	PSU_STATUS_DISCHARGING = 2,
	PSU_STATUS_NOT_CHARGING = 3,
	PSU_STATUS_FULL = 4,
};

/* The kernel's POWER_SUPPLY_HEALTH_* numbers, which health shows. */
enum host_power_health {
	PSU_HEALTH_UNKNOWN = 0,
	PSU_HEALTH_GOOD,
	PSU_HEALTH_OVERHEAT,
	PSU_HEALTH_DEAD,
	PSU_HEALTH_OVERVOLTAGE,
	PSU_HEALTH_UNSPEC_FAILURE,
	PSU_HEALTH_COLD,
	PSU_HEALTH_WATCHDOG_TIMER_EXPIRE,
	PSU_HEALTH_SAFETY_TIMER_EXPIRE,
	PSU_HEALTH_OVERCURRENT,
	PSU_HEALTH_CALIBRATION_REQUIRED,
	PSU_HEALTH_WARM,
	PSU_HEALTH_COOL,
	PSU_HEALTH_HOT,
	PSU_HEALTH_NO_BATTERY,
	PSU_HEALTH_N
};

/* What a supply is, from its type attribute. */
enum host_power_kind {
	PSU_KIND_OTHER = 0, /* Mains, USB*, Wireless, BrickID, Unknown... */
	PSU_KIND_BATTERY,
	PSU_KIND_UPS,
};

/* One attribute's reading.  Not present: the file is missing or reading
 * it failed (EINVAL, ENODATA, EIO: the driver has no value now).
 * Malformed: it was read but is not what the kernel prints. */
struct host_power_value {
	bool present;
	bool malformed;
	int64_t v; /* the kernel's units; numbers only */
};

/* The attributes a probe reads, in struct host_power_supply's order. */
enum host_power_attr {
	PSU_VOLTAGE_NOW,	/* µV */
	PSU_VOLTAGE_MIN_DESIGN, /* µV */
	PSU_VOLTAGE_MAX_DESIGN, /* µV */
	PSU_CURRENT_NOW,	/* µA, signed */
	PSU_POWER_NOW,		/* µW, signed */
	PSU_CAPACITY,		/* % */
	PSU_TEMP,		/* tenths of °C, signed */
	PSU_TIME_TO_EMPTY_NOW,	/* s */
	PSU_CHARGE_NOW,		/* µAh */
	PSU_CHARGE_FULL,
	PSU_CHARGE_FULL_DESIGN,
	PSU_ENERGY_NOW, /* µWh */
	PSU_ENERGY_FULL,
	PSU_ENERGY_FULL_DESIGN,
	PSU_ONLINE, /* 0 offline, 1 online (fixed), 2 online programmable */
	PSU_STATUS, /* text: enum host_power_status */
	PSU_HEALTH, /* text: enum host_power_health */
	PSU_NUMBERS = PSU_STATUS /* the attributes before it are numbers */
};
#define PSU_NATTRS (PSU_HEALTH + 1)

/* The file name of attribute a ("voltage_now"). */
const char *host_power_attr_name(enum host_power_attr a);

/* One supply as read from its directory. */
struct host_power_supply {
	char name[HOST_POWER_NAME_MAX]; /* the directory's name */
	enum host_power_kind kind;
	char type[HOST_POWER_TEXT_MAX];	       /* as the kernel spells it; "" */
	bool device_scope;		       /* scope "Device": powers a
						  peripheral, not the system */
	struct host_power_value a[PSU_NATTRS]; /* by enum host_power_attr */
	char model[HOST_POWER_TEXT_MAX];       /* model_name; "" */
	char manufacturer[HOST_POWER_TEXT_MAX]; /* "" */
	char technology[HOST_POWER_TEXT_MAX];	/* "Li-ion"...; "" */
};

/* A decimal integer as sysfs prints one: optional blanks, an optional
 * '-', digits, optional blanks and one trailing newline.  False on
 * anything else or overflow. */
bool host_power_parse_int(const char *buf, size_t len, int64_t *out);

/* The status and health texts (a trailing newline allowed); false when
 * the text is none the kernel prints. */
bool host_power_parse_status(
    const char *buf, size_t len, enum host_power_status *out);
bool host_power_parse_health(
    const char *buf, size_t len, enum host_power_health *out);

/*
 * Records the contents of the supply's file called attr ("type",
 * "voltage_now", "model_name"...) in s: numbers, status and health in
 * s->a (malformed when not understood), type, scope and the texts
 * (control characters dropped, cut at HOST_POWER_TEXT_MAX - 1 bytes).
 * Attributes it does not use are ignored.  Never fails.
 */
void host_power_supply_set(
    struct host_power_supply *s, const char *attr, const char *buf, size_t len);

/*
 * The net current in A and power in W of s by the sign rule above (the
 * header's comment), each false when unknown; *derived says that value
 * was computed from the other two.
 */
bool host_power_current(
    const struct host_power_supply *s, double *amps, bool *derived);
bool host_power_power(
    const struct host_power_supply *s, double *watts, bool *derived);

/*
 * The voltage thresholds of s as Munin ranges ("3.24:"), into warn and
 * crit (each at least 32 bytes): only when s has both voltage_min_design
 * and voltage_max_design and 0 < min < max, as then min is the cut-off
 * (the empty battery).  ACPI's battery driver reports the design
 * (nominal) voltage as voltage_min_design with no max: a threshold there
 * would fire on a healthy battery, so such a supply gets none (the soc
 * thresholds cover it).  Critical 10 % of the design span above the
 * cut-off, warning 20 %.  False when s has no such range.
 */
bool host_power_voltage_thresholds(
    const struct host_power_supply *s, char *warn, char *crit, size_t n);

/* What the system's other supplies say for the banks' online field. */
struct host_power_mains {
	size_t n;    /* supplies of kind other, not device scope, online
			present and well formed */
	bool online; /* one of them is online */
	char names[HOST_POWER_NAME_MAX]; /* their names, ", "-separated
					    (cut when long) */
};

/* mains from the n supplies of v. */
void host_power_mains(
    const struct host_power_supply *v, size_t n, struct host_power_mains *m);

/*
 * bank_NAME (sanitised as Munin's plugin names) for the Battery or UPS
 * s into b: graph_category power, every field s has a value for, the
 * soc thresholds (warning 30:, critical 15:) and the voltage thresholds
 * above.  online is the supply's own online attribute when it has one,
 * else mains's verdict when mains->n > 0, else absent.  A malformed
 * attribute gives its field the value U.  0; -1 on allocation failure
 * (ENOMEM) or when b has a service of that name already (EEXIST: two
 * names that sanitise alike; b is then unchanged).
 */
int host_power_bank_add(struct batch *b, const struct host_power_supply *s,
    const struct host_power_mains *mains);

/*
 * power_supply_online into b: a field per supply of v of kind other that
 * has an online attribute (its sanitised name; label the name, info the
 * type), 1 while online, U when malformed.  Nothing when there is none.
 * 0 / -1 (ENOMEM).
 */
int host_power_online_add(
    struct batch *b, const struct host_power_supply *v, size_t n);

/* ---- reading ----------------------------------------------------------- */

#define HOST_POWER_MAX 64 /* supplies read; more are ignored (logged) */

/*
 * Reads every supply below SYS/class/power_supply into v (room for
 * HOST_POWER_MAX), sorted by name, into *n; a name with a control
 * character (none the kernel makes) is skipped.  A missing class directory
 * is no supply.  Each attribute is read with one bounded read of a
 * regular file opened non-blocking (a FIFO or directory in its place is
 * a failed read, never a hang).  0; -1 with errno when the directory is
 * there but cannot be listed.
 */
int host_power_read(const char *sys, struct host_power_supply *v, size_t *n);

#endif
