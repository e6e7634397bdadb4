/*
 * nut_read: one UPS's variables from upsd (Network UPS Tools), and what
 * they mean as samples.
 *
 * nut_read_ups() is the blocking part: one session with upsd through
 * NUT's client library (libupsclient): connect with a timeout, log in
 * when a user is given (USERNAME, PASSWORD, LOGIN), one LIST VAR, every
 * read bounded by a timeout, then LOGOUT.  Any thread; it touches nothing
 * but its arguments.
 *
 * The rest is pure: a LIST VAR reply line into a variable, and a UPS's
 * variables into the bank schema's services (docs/architecture.md):
 * bank_UPS (graph_category power: voltage, soc, runtime, current,
 * temperature, online) and ups_UPS (input and output voltage, load, real
 * power, and the ups.status flags as 0/1 fields, OB/LB/RB/OVER/FSD with
 * a verdict in their "state" attribute).
 */
#ifndef DROVER_NUT_READ_H
#define DROVER_NUT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/sample.h"

/* upsd's default TCP port. */
#define NUT_DEFAULT_PORT 3493
/* The longest user name and password sent to upsd, bytes. */
#define NUT_USER_MAX 64
#define NUT_PASSWORD_MAX 255

/* One UPS as the config names it: UPS@HOST[:PORT]. */
struct nut_ups {
	char *name; /* upsd's name for it */
	char *host; /* upsd's address */
	unsigned port;
};

/* What one session needs: the UPS, credentials and the time it has. */
struct nut_conn {
	const char *ups;
	const char *host;
	unsigned port;
	const char *user;     /* NULL: no login */
	const char *password; /* with user */
	unsigned connect_ms;  /* the connect's timeout, ms */
	unsigned read_s;      /* each line's timeout, s (libupsclient's unit) */
	uint64_t until_ns;    /* uv_hrtime() after which to give up; 0: none */
};

/* How a LIST VAR reply line reads. */
enum nut_line {
	NUT_LINE_BEGIN, /* BEGIN LIST VAR ups */
	NUT_LINE_VAR,	/* VAR ups name "value" */
	NUT_LINE_END,	/* END LIST VAR ups */
	NUT_LINE_ERR,	/* ERR CODE ...: the code in name */
	NUT_LINE_BAD,	/* anything else, or for another UPS */
};

/*
 * Parses line (no line end) of a LIST VAR reply for ups.  For a VAR line
 * the variable's name and unquoted value go to name and value (each
 * NUL-terminated, truncated to its size); for ERR the error code goes to
 * name.  Pure.
 */
enum nut_line nut_parse_line(const char *line, const char *ups, char *name,
    size_t namelen, char *value, size_t valuelen);

/* Why a session failed. */
enum nut_err {
	NUT_E_CONNECT, /* no connection to upsd */
	NUT_E_TIMEOUT, /* upsd stopped answering (a read timed out) */
	NUT_E_LOGIN,   /* upsd refused the login */
	NUT_E_UPS,     /* upsd refused the UPS (unknown, stale data) */
	NUT_E_PROTO,   /* a reply drover does not understand */
	NUT_E_NOMEM,
};

/*
 * One session for c->ups: its variables into vars (name -> value, in
 * upsd's order).  0, or -1 with *code and a message in err naming upsd
 * and the UPS.  Blocks at most about connect_ms + (lines x read_s), and
 * stops between lines once until_ns has passed.
 */
int nut_read_ups(const struct nut_conn *c, struct attrs *vars,
    enum nut_err *code, char *err, size_t errlen);

/*
 * Appends ups's services made from its variables vars to b (see the
 * top): bank_UPS and ups_UPS (names sanitised as Munin plugin names),
 * each only when a variable of it is there.  Numbers that do not parse
 * are unknown values.  Voltage thresholds: critical below
 * battery.voltage.low when upsd gives it, else 11.5 V; warning below
 * 12.0 V (raised to critical + 0.5 V if that is not above critical);
 * each default scaled by battery.voltage.nominal / 12 when upsd gives
 * the nominal voltage.  soc: warning below 30 %, critical below 15 %.
 * 0, or -1 on allocation failure.  Pure.
 */
int nut_vars_batch(const char *ups, const char *where, const struct attrs *vars,
    struct batch *b);

#endif
