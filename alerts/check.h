/*
 * check: `drover check`, a Nagios/Icinga active check plugin answered from
 * a running daemon's JSON API (GET /api/v1/hosts/HOST/SERVICE).
 *
 *   drover check [--url URL] [--field F] [--max-age S] [--timeout S]
 *                HOST SERVICE
 *
 * Prints one line per the plugin guidelines,
 *   DROVER CRITICAL - kvm1 ipmi_volts: 12V rail 10.90 V (critical below
 *   11.00) | 'v12'=10.9;11.5:;11:;;
 * and exits 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.  UNKNOWN, with the
 * reason, when the daemon cannot be reached, the host/service/field is
 * unknown (HTTP 404), or the service's last_update is older than --max-age
 * (default 600 s, two default intervals).  Values the daemon restored
 * from its state file and has not polled since say so, with their age.
 * In a sharded cluster any collector may be asked: one that does not
 * poll HOST redirects (307) to the peer that does, which answers; when
 * that peer cannot be reached the answer is UNKNOWN with the reason.
 *
 * Everything but check_main() is pure, for tests.  Blocking (libcurl easy):
 * a command-line tool only, never called from the daemon's loop.
 */
#ifndef DROVER_CHECK_H
#define DROVER_CHECK_H

#include <stddef.h>
#include <time.h>

/* Plugin exit codes. */
enum check_code {
	CHECK_OK = 0,
	CHECK_WARNING = 1,
	CHECK_CRITICAL = 2,
	CHECK_UNKNOWN = 3
};

struct check_opts {
	const char *url; /* daemon base URL, default http://127.0.0.1:4948 */
	const char *host;
	const char *service;
	const char *field; /* NULL: every field of the service */
	long max_age;	   /* seconds; older data is UNKNOWN */
	long timeout;	   /* seconds for the whole HTTP request */
};

/* "OK", "WARNING", "CRITICAL", "UNKNOWN". */
const char *check_code_str(int code);

/*
 * Munin's warning/critical text (lib/range.h semantics) as a Nagios
 * range for perfdata: "11.5:" -> "11.5:", ":5" and a bare "5" -> "~:5",
 * "1:2" -> "1:2", ":" (no bounds) -> "", text Munin reads as 0:0 ->
 * "0:0".  Returns 0, or -1 when out is too small.
 */
int check_range_nagios(const char *munin, char *out, size_t len);

/* The guidelines' unit of measurement for a graph_vlabel ("%", "s",
 * "ms", "us", "B", "KB", "MB", "TB", "c"), or "" when it is none of them. */
const char *check_uom(const char *vlabel);

/*
 * The plugin's output line ('\n' ended) for body, the JSON of GET
 * /api/v1/hosts/HOST/SERVICE, as seen at now (epoch s).  Returns the exit
 * code; out is always filled (truncated to len).
 */
int check_format(const char *body, size_t blen, const struct check_opts *o,
    time_t now, char *out, size_t len);

/*
 * Parses `drover check` arguments (argv[0] is "check"), fetches and prints
 * the result.  Returns the exit code (usage errors are UNKNOWN).
 */
int check_main(int argc, char **argv);

#endif
