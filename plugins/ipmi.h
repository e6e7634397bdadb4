/*
 * ipmi: BMC sensors through FreeIPMI's libipmimonitoring, as Munin graphs.
 *
 * Two halves.  The pure half (no library types, unit-tested) turns one
 * sensor reading into a field of a Munin-style service: ipmi_volts,
 * ipmi_temp, ipmi_fans, ipmi_power, ipmi_current, ipmi_percent,
 * ipmi_other (threshold sensors by unit) and ipmi_discrete; decides the
 * sensor's state from the threshold bitmask (never from FreeIPMI's
 * interpreted state alone, which calls a rail below lower-non-critical
 * "Nominal"); and writes the BMC's thresholds as the field's default
 * warning/critical in Munin's "min:max" syntax.  The state travels as the
 * field attribute "state" (OK, WARNING, CRITICAL, UNKNOWN).
 *
 * The SEL becomes the service ipmi_sel: "entries" (records in the SEL
 * now) and "new" (records added since the previous SEL read), both
 * GAUGE.  "new" is a gauge, not a DERIVE counter, because what an
 * operator asks is "did this BMC log anything since I last looked":
 * a count per read graphs as visible spikes and takes a plain
 * "ipmi_sel.new.warning :0" alert, where a per-second rate of a few
 * events an hour graphs as noise near zero and a SEL clear would make
 * the counter go backwards.
 *
 * The blocking half, ipmi_read(), opens one session to one BMC (or the
 * in-band driver), reads every sensor and the thresholds from the SDR
 * cache, and closes it; a full read also opens a second session for the
 * SEL.  It blocks for up to the session timeout, so it
 * runs on a worker thread; it touches only its arguments (one library
 * context per call).  ipmi_global_init() must have run once before.
 */
#ifndef DROVER_IPMI_H
#define DROVER_IPMI_H

#include <stdbool.h>
#include <stddef.h>

#include "plugins/sample.h"

enum ipmi_state {
	IPMI_STATE_OK,
	IPMI_STATE_WARNING,
	IPMI_STATE_CRITICAL,
	IPMI_STATE_UNKNOWN,
};

const char *ipmi_state_str(enum ipmi_state s);

/*
 * Bits of a threshold sensor's bitmask, as libipmimonitoring reports them
 * (its UPPER constants are misnamed "AT_OR_BELOW"; they mean at or above).
 */
#define IPMI_TH_LNC 0x01 /* at or below lower non-critical */
#define IPMI_TH_LC 0x02	 /* at or below lower critical */
#define IPMI_TH_LNR 0x04 /* at or below lower non-recoverable */
#define IPMI_TH_UNC 0x08 /* at or above upper non-critical */
#define IPMI_TH_UC 0x10	 /* at or above upper critical */
#define IPMI_TH_UNR 0x20 /* at or above upper non-recoverable */

/* LNC/UNC -> WARNING; LC/UC/LNR/UNR -> CRITICAL; none -> OK. */
enum ipmi_state ipmi_threshold_state(unsigned bitmask);

/* Sensor units, the library's codes (IPMI_MONITORING_SENSOR_UNITS_*). */
enum ipmi_units {
	IPMI_UNITS_NONE = 0,
	IPMI_UNITS_CELSIUS = 1,
	IPMI_UNITS_FAHRENHEIT = 2,
	IPMI_UNITS_VOLTS = 3,
	IPMI_UNITS_AMPS = 4,
	IPMI_UNITS_RPM = 5,
	IPMI_UNITS_WATTS = 6,
	IPMI_UNITS_PERCENT = 7,
};

/* Which threshold of struct ipmi_sensor.th is which. */
enum ipmi_th { TH_LNR, TH_LC, TH_LNC, TH_UNC, TH_UC, TH_UNR, TH_COUNT };

/* One sensor reading, library-independent (the pure half's input). */
struct ipmi_sensor {
	unsigned record_id;    /* SDR record id: stable while the SDR is */
	const char *name;      /* the BMC's sensor name ("12V", "CPU Temp") */
	int units;	       /* enum ipmi_units, or another library code */
	bool threshold;	       /* a threshold sensor (else discrete) */
	bool has_value;	       /* false: no reading (sensor absent/disabled) */
	double value;	       /* in units */
	unsigned bitmask;      /* threshold: IPMI_TH_*; discrete: event bits */
	int lib_state;	       /* discrete: FreeIPMI's state (0 nominal, 1
				  warning, 2 critical, else unknown) */
	double th[TH_COUNT];   /* thresholds, in units */
	bool has_th[TH_COUNT]; /* which of th the SDR provides */
};

/* The service a sensor belongs to ("ipmi_volts", ..., "ipmi_discrete"). */
const char *ipmi_service_name(const struct ipmi_sensor *s);
/*
 * The field name of a sensor name: Munin's rules (sanitise_fieldname),
 * with a leading digit kept behind '_' ("12V" -> "_12V", not "_2V").
 * Depends only on the name, so it is stable across reads.
 */
char *ipmi_field_name(const char *sensor_name, char *out, size_t outlen);
/*
 * Adds s to b: its service (graph attributes set, has_config), a field
 * with label, value, "state" and, from the thresholds, "warning" and
 * "critical" ("11.50:12.50", "600:" when one side is missing).  Two
 * sensors whose names sanitise alike get "_<record id>" appended to the
 * later one, so names stay stable for a given SDR.  0 / -1 (ENOMEM).
 */
int ipmi_add_sensor(struct batch *b, const struct ipmi_sensor *s);
/* The range "lo:hi" from optional bounds into out; false if neither. */
bool ipmi_range(
    bool has_lo, double lo, bool has_hi, double hi, char *out, size_t outlen);

/* What the previous SEL read saw; the caller keeps it between reads. */
struct ipmi_sel_state {
	bool valid;	 /* false: no SEL read yet (no baseline) */
	unsigned count;	 /* records in the SEL then */
	unsigned max_id; /* highest record id then */
};

/*
 * Counts the records of ids[0..n) (the SEL's record ids now) that are new
 * since prev: those above prev->max_id, or all of them when the SEL was
 * cleared (fewer records, or a lower highest id, than before).  A clear
 * followed by more new records than were cleared counts only those above
 * the old highest id.  next receives the state to keep (it may be prev).
 * Returns false, *new_out 0, when prev has no baseline.
 */
bool ipmi_sel_count_new(const struct ipmi_sel_state *prev, const unsigned *ids,
    size_t n, struct ipmi_sel_state *next, unsigned *new_out);
/*
 * Adds the service ipmi_sel to b: field "entries" (entries records) and
 * "new" (new_entries, or unknown when !has_new).  With !ok (the SEL read
 * failed) both fields are unknown.  0 / -1 (ENOMEM).
 */
int ipmi_add_sel(struct batch *b, bool ok, unsigned entries, bool has_new,
    unsigned new_entries);

/* The sensor values in b: its values less the ipmi_sel fields. */
size_t ipmi_sensor_count(const struct batch *b);

enum ipmi_privilege { IPMI_PRIV_USER, IPMI_PRIV_OPERATOR, IPMI_PRIV_ADMIN };

/* "user" / "operator" / "admin" (any case); false if none. */
bool ipmi_privilege_parse(const char *s, enum ipmi_privilege *out);
const char *ipmi_privilege_str(enum ipmi_privilege p);
/*
 * FreeIPMI's workaround names, comma separated ("opensesspriv,authcap"),
 * into library flags for protocol (15 or 20; in-band ones always).  On
 * false, bad receives the first unknown name.
 */
bool ipmi_workarounds_parse(const char *list, unsigned protocol,
    unsigned *flags, char *bad, size_t badlen);

/* Why a read failed; ipmi_err_str() says it for logs and the catalog. */
enum ipmi_err {
	IPMI_E_OK,
	IPMI_E_TIMEOUT,	  /* no answer within the session timeout */
	IPMI_E_USERNAME,  /* the BMC does not know the user */
	IPMI_E_PASSWORD,  /* wrong password (or K_g) */
	IPMI_E_PRIVILEGE, /* privilege level refused or not obtainable */
	IPMI_E_HOSTNAME,  /* address does not resolve */
	IPMI_E_BUSY,	  /* BMC busy: back off */
	IPMI_E_SDR_CACHE, /* cache directory unusable */
	IPMI_E_NO_DRIVER, /* in-band: no IPMI driver / device */
	IPMI_E_OTHER,
};

const char *ipmi_err_str(enum ipmi_err e);

/* How to reach one BMC.  Strings are borrowed for the call. */
struct ipmi_conn {
	const char *address;  /* NULL: in-band (local BMC) */
	unsigned port;	      /* 0: 623 */
	const char *user;     /* NULL: anonymous */
	const char *password; /* NULL: empty */
	unsigned protocol;    /* 15 or 20 */
	enum ipmi_privilege privilege;
	int cipher_suite;	     /* -1: library default (3) */
	unsigned workarounds;	     /* library flags, ipmi_workarounds_parse */
	unsigned session_timeout_ms; /* set explicitly: the library's
					default is 21 s, documented 60 s */
	unsigned retransmit_ms;
	const char *sdr_cache_dir; /* an existing directory of mode 0700 */
};

/* Once per process, before any ipmi_read().  0 / -1 with err set. */
int ipmi_global_init(char *err, size_t errlen);
/*
 * Reads the BMC's threshold sensors into b (see ipmi_add_sensor).  With
 * sel non-NULL (a full read, on the slower cadence) also its discrete
 * sensors (ipmi_discrete) and its SEL (ipmi_sel, counted against *sel,
 * which is updated; a failed SEL read leaves *sel alone and both fields
 * unknown without failing the call).  Blocks for up to about
 * conn->session_timeout_ms, twice for a full read.  A stale SDR cache is
 * re-read once.  On -1, *code and err (a sentence naming the BMC) say
 * why; b may then hold nothing.  Thread-safe: one library context per
 * call; *sel belongs to the caller's job.
 */
int ipmi_read(const struct ipmi_conn *conn, struct ipmi_sel_state *sel,
    struct batch *b, enum ipmi_err *code, char *err, size_t errlen);

#endif
