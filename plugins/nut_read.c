/*
 * nut_read: an upsd session through libupsclient, and LIST VAR replies
 * into the bank schema.
 *
 * The session uses the library's connect with a timeout and its
 * line-level send and read with explicit timeouts (its LIST helpers read
 * with a fixed five seconds), and parses the reply lines itself: that
 * keeps the parser pure and tested on captured lines.  A login is the
 * only way upsd checks a password (USERNAME and PASSWORD alone are taken
 * on trust until a command needs them), so with a user drover sends
 * LOGIN, which upsd allows to users with "upsmon" rights and counts as a
 * secondary's login until the session ends, moments later.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/time.h>
/* upsclient.h uses uint16_t without including stdint.h */
#include <upsclient.h>
#include <uv.h>

#include "plugins/nut_read.h"

/* The longest reply line drover takes, bytes (upsd values are at most
 * 256 bytes, names 64). */
#define LINE_MAX_BYTES 1024
/* Variables taken per UPS: a real UPS lists some 100. */
#define VARS_MAX 1000

/* ---- the pure part: reply lines ------------------------------------ */

/* Copies the next word of *p (unquoted, or "quoted" with \ escapes) into
 * out; advances *p.  false when there is none or a quote is unclosed. */
static bool
next_word(const char **p, char *out, size_t outlen)
{
	const char *s = *p;
	size_t n = 0;
	bool quoted;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return false;
	quoted = *s == '"';
	if (quoted)
		s++;
	for (; *s != '\0'; s++) {
		if (quoted && *s == '"')
			break;
		if (!quoted && (*s == ' ' || *s == '\t'))
			break;
		if (quoted && *s == '\\' && s[1] != '\0')
			s++;
		if (n + 1 < outlen)
			out[n++] = *s;
	}
	if (quoted) {
		if (*s != '"')
			return false;
		s++;
	}
	if (outlen > 0)
		out[n] = '\0';
	*p = s;
	return true;
}

enum nut_line
nut_parse_line(const char *line, const char *ups, char *name, size_t namelen,
    char *value, size_t valuelen)
{
	char w[4][LINE_MAX_BYTES];
	const char *p = line;
	size_t n = 0;
	bool rest;

	if (namelen > 0)
		name[0] = '\0';
	if (valuelen > 0)
		value[0] = '\0';
	while (n < 4 && next_word(&p, w[n], sizeof(w[n])))
		n++;
	while (*p == ' ' || *p == '\t')
		p++;
	rest = *p != '\0';
	if (n >= 2 && strcmp(w[0], "ERR") == 0) {
		snprintf(name, namelen, "%s", w[1]);
		return NUT_LINE_ERR;
	}
	if (rest)
		return NUT_LINE_BAD;
	if (n == 4 && strcmp(w[0], "VAR") == 0 && strcmp(w[1], ups) == 0) {
		snprintf(name, namelen, "%s", w[2]);
		snprintf(value, valuelen, "%s", w[3]);
		return NUT_LINE_VAR;
	}
	if (n == 4 && strcmp(w[1], "LIST") == 0 && strcmp(w[2], "VAR") == 0 &&
	    strcmp(w[3], ups) == 0) {
		if (strcmp(w[0], "BEGIN") == 0)
			return NUT_LINE_BEGIN;
		if (strcmp(w[0], "END") == 0)
			return NUT_LINE_END;
	}
	return NUT_LINE_BAD;
}

/* ---- the pure part: variables into services ------------------------ */

/* A number variable's value; false when absent or not a number. */
static bool
num_var(const struct attrs *vars, const char *name, double *out)
{
	const char *v = attrs_get(vars, name);
	char *end;

	if (v == NULL || *v == '\0')
		return false;
	errno = 0;
	*out = strtod(v, &end);
	while (*end == ' ')
		end++;
	return errno == 0 && *end == '\0';
}

/* No graph_vlabel: the fields have different units, each in its label
 * (an alert shows the vlabel as the value's unit). */
static int
graph(struct service *s, const char *title, const char *info)
{
	s->has_config = true;
	if (attrs_set(&s->graph, "graph_title", title) == -1 ||
	    attrs_set(&s->graph, "graph_category", "power") == -1 ||
	    attrs_set(&s->graph, "graph_args", "--base 1000") == -1 ||
	    attrs_set(&s->graph, "graph_info", info) == -1)
		return -1;
	return 0;
}

/* A GAUGE field name with label, info, min and max (NULL: unset). */
static struct field *
gauge(struct service *s, const char *name, const char *label, const char *info,
    const char *min, const char *max)
{
	struct field *f = service_field(s, name, true);

	if (f == NULL || attrs_set(&f->attrs, "label", label) == -1 ||
	    attrs_set(&f->attrs, "type", "GAUGE") == -1 ||
	    attrs_set(&f->attrs, "info", info) == -1 ||
	    (min != NULL && attrs_set(&f->attrs, "min", min) == -1) ||
	    (max != NULL && attrs_set(&f->attrs, "max", max) == -1))
		return NULL;
	f->has_value = true;
	return f;
}

/* A field for the number variable var, when upsd gave it: 0, -1. */
static int
num_field(struct service *s, const struct attrs *vars, const char *var,
    const char *name, const char *label, const char *min, const char *max,
    struct field **out)
{
	struct field *f;
	char info[160];
	double v;

	if (out != NULL)
		*out = NULL;
	if (attrs_get(vars, var) == NULL)
		return 0;
	snprintf(info, sizeof(info), "upsd's %s", var);
	f = gauge(s, name, label, info, min, max);
	if (f == NULL)
		return -1;
	f->unknown = !num_var(vars, var, &v);
	f->value = f->unknown ? 0 : v;
	if (out != NULL)
		*out = f;
	return 0;
}

/* Whether ups.status (space-separated flags) has flag. */
static bool
has_flag(const char *status, const char *flag)
{
	size_t n = strlen(flag);
	const char *p = status;

	while (p != NULL && *p != '\0') {
		while (*p == ' ')
			p++;
		if (strncmp(p, flag, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p = strchr(p, ' ');
	}
	return false;
}

/* The ups.status flags drover shows; state: the verdict when set (NULL:
 * informational). */
static const struct {
	const char *flag, *field, *label, *state;
} flags[] = {
    {"OL", "ol", "On line power (OL)", NULL},
    {"OB", "ob", "On battery (OB)", "WARNING"},
    {"LB", "lb", "Low battery (LB)", "CRITICAL"},
    {"RB", "rb", "Replace battery (RB)", "WARNING"},
    {"CHRG", "chrg", "Charging (CHRG)", NULL},
    {"DISCHRG", "dischrg", "Discharging (DISCHRG)", NULL},
    {"OVER", "over", "Overloaded (OVER)", "WARNING"},
    {"BYPASS", "bypass", "On bypass (BYPASS)", NULL},
    {"FSD", "fsd", "Forced shutdown (FSD)", "CRITICAL"},
};
#define NFLAGS (sizeof(flags) / sizeof(flags[0]))

static void
fmt(char *out, size_t len, double v)
{
	snprintf(out, len, "%.6g", v);
}

/* The voltage field's default thresholds (see nut_vars_batch). */
static int
voltage_thresholds(struct field *f, const struct attrs *vars)
{
	double nominal, low, scale = 1, warn, crit;
	char w[40], c[40];

	if (num_var(vars, "battery.voltage.nominal", &nominal) && nominal > 0)
		scale = nominal / 12;
	crit = 11.5 * scale;
	if (num_var(vars, "battery.voltage.low", &low) && low > 0)
		crit = low;
	warn = 12.0 * scale;
	if (warn <= crit)
		warn = crit + 0.5 * scale;
	fmt(w, sizeof(w), warn);
	fmt(c, sizeof(c), crit);
	strcat(w, ":");
	strcat(c, ":");
	if (attrs_set(&f->attrs, "warning", w) == -1 ||
	    attrs_set(&f->attrs, "critical", c) == -1)
		return -1;
	return 0;
}

static int
bank_service(struct service *s, const char *ups, const char *where,
    const struct attrs *vars, const char *status)
{
	struct field *f;
	char title[200], info[300];
	const char *mfr = attrs_get(vars, "device.mfr");
	const char *model = attrs_get(vars, "device.model");

	snprintf(title, sizeof(title), "Battery of UPS %s", ups);
	snprintf(info, sizeof(info),
	    "The battery of %s%s%s%s%s, as upsd reports it.", where,
	    mfr != NULL || model != NULL ? " (" : "", mfr != NULL ? mfr : "",
	    mfr != NULL && model != NULL ? " " : "",
	    model != NULL ? model : "");
	if (mfr != NULL || model != NULL)
		strncat(info, ")", sizeof(info) - strlen(info) - 1);
	if (graph(s, title, info) == -1)
		return -1;
	if (num_field(s, vars, "battery.voltage", "voltage",
		"Battery voltage (V)", "0", NULL, &f) == -1 ||
	    (f != NULL && voltage_thresholds(f, vars) == -1))
		return -1;
	if (num_field(s, vars, "battery.current", "current",
		"Battery current (A)", NULL, NULL, NULL) == -1)
		return -1;
	if (num_field(s, vars, "battery.charge", "soc", "State of charge (%)",
		"0", "100", &f) == -1 ||
	    (f != NULL && (attrs_set(&f->attrs, "warning", "30:") == -1 ||
			      attrs_set(&f->attrs, "critical", "15:") == -1)))
		return -1;
	if (num_field(s, vars, "battery.runtime", "runtime", "Runtime left (s)",
		"0", NULL, NULL) == -1 ||
	    num_field(s, vars, "battery.temperature", "temperature",
		"Battery temperature (°C)", NULL, NULL, NULL) == -1)
		return -1;
	if (status != NULL) {
		f = gauge(s, "online", "Mains present (OL)",
		    "1 while ups.status has OL (on line power), 0 without", "0",
		    "1");
		if (f == NULL)
			return -1;
		f->value = has_flag(status, "OL") ? 1 : 0;
	}
	return 0;
}

static int
ups_service(struct service *s, const char *ups, const char *where,
    const struct attrs *vars, const char *status)
{
	struct field *f;
	char title[200], info[300];
	size_t i;
	bool on;

	snprintf(title, sizeof(title), "UPS %s", ups);
	snprintf(info, sizeof(info), "%s as upsd reports it; ups.status: %s.",
	    where, status != NULL ? status : "not reported");
	if (graph(s, title, info) == -1)
		return -1;
	if (num_field(s, vars, "input.voltage", "input_voltage",
		"Input voltage (V)", "0", NULL, NULL) == -1 ||
	    num_field(s, vars, "output.voltage", "output_voltage",
		"Output voltage (V)", "0", NULL, NULL) == -1 ||
	    num_field(s, vars, "ups.load", "load", "Load (%)", "0", NULL,
		NULL) == -1 ||
	    num_field(s, vars, "ups.realpower", "realpower", "Real power (W)",
		"0", NULL, NULL) == -1)
		return -1;
	if (status == NULL)
		return 0;
	for (i = 0; i < NFLAGS; i++) {
		snprintf(info, sizeof(info),
		    "1 while ups.status has %s, else 0%s%s", flags[i].flag,
		    flags[i].state != NULL ? "; while 1 the UPS's state is "
					   : "",
		    flags[i].state != NULL ? flags[i].state : "");
		f = gauge(s, flags[i].field, flags[i].label, info, "0", "1");
		if (f == NULL)
			return -1;
		on = has_flag(status, flags[i].flag);
		f->value = on ? 1 : 0;
		if (flags[i].state != NULL &&
		    attrs_set(&f->attrs, "state", on ? flags[i].state : "OK") ==
			-1)
			return -1;
	}
	return 0;
}

/* Appends svc to b when it has fields (else frees it): 0, -1. */
static int
keep(struct batch *b, struct service *svc)
{
	if (svc->nfields == 0) {
		service_cleanup(svc);
		return 0;
	}
	if (batch_take(b, svc) == -1) {
		service_cleanup(svc);
		return errno == EEXIST ? 0 : -1;
	}
	return 0;
}

int
nut_vars_batch(const char *ups, const char *where, const struct attrs *vars,
    struct batch *b)
{
	struct service bank = {0}, u = {0};
	const char *status = attrs_get(vars, "ups.status");
	char id[200], name[220];

	sanitise_plugin_name(ups, id, sizeof(id));
	snprintf(name, sizeof(name), "bank_%s", id);
	bank.name = strdup(name);
	snprintf(name, sizeof(name), "ups_%s", id);
	u.name = strdup(name);
	if (bank.name == NULL || u.name == NULL)
		goto nomem;
	if (bank_service(&bank, ups, where, vars, status) == -1 ||
	    ups_service(&u, ups, where, vars, status) == -1)
		goto nomem;
	if (keep(b, &bank) == -1) {
		service_cleanup(&u);
		return -1;
	}
	return keep(b, &u);
nomem:
	service_cleanup(&bank);
	service_cleanup(&u);
	return -1;
}

/* ---- the session ---------------------------------------------------- */

static bool
late(const struct nut_conn *c)
{
	return c->until_ns != 0 && uv_hrtime() > c->until_ns;
}

/* Sends line (with its \n); 0, or -1 with err set. */
static int
send_line(UPSCONN_t *u, const struct nut_conn *c, const char *line,
    enum nut_err *code, char *err, size_t len)
{
	if (upscli_sendline_timeout(u, line, strlen(line), c->read_s) == 0)
		return 0;
	*code = NUT_E_CONNECT;
	snprintf(err, len, "upsd %s:%u: sending to upsd: %s", c->host, c->port,
	    upscli_strerror(u));
	return -1;
}

/* Reads a line into buf; 0, or -1 with err set. */
static int
read_line(UPSCONN_t *u, const struct nut_conn *c, char *buf, size_t buflen,
    enum nut_err *code, char *err, size_t len)
{
	if (late(c)) {
		*code = NUT_E_TIMEOUT;
		snprintf(err, len, "upsd %s:%u: out of time reading %s",
		    c->host, c->port, c->ups);
		return -1;
	}
	if (upscli_readline_timeout(u, buf, buflen, c->read_s) == 0)
		return 0;
	*code = upscli_upserror(u) == UPSCLI_ERR_SRVDISC ? NUT_E_TIMEOUT
							 : NUT_E_CONNECT;
	snprintf(err, len, "upsd %s:%u: no reply about %s within %u s (%s)",
	    c->host, c->port, c->ups, c->read_s, upscli_strerror(u));
	return -1;
}

/* What an ERR code means to someone reading drover's log. */
static const char *
err_hint(const char *code)
{
	if (strcmp(code, "UNKNOWN-UPS") == 0)
		return "upsd serves no UPS of that name; upsc -l HOST lists "
		       "those it does";
	if (strcmp(code, "ACCESS-DENIED") == 0)
		return "wrong password, or the user lacks \"upsmon secondary\" "
		       "in upsd.users";
	if (strcmp(code, "DATA-STALE") == 0)
		return "upsd has no fresh data from the UPS's driver";
	if (strcmp(code, "DRIVER-NOT-CONNECTED") == 0)
		return "upsd has no connection to the UPS's driver";
	if (strcmp(code, "INVALID-USERNAME") == 0 ||
	    strcmp(code, "INVALID-PASSWORD") == 0)
		return "upsd refused the credentials' form";
	return "upsd's error";
}

/* Sends cmd and expects "OK..." (a login step); 0, -1 with err set. */
static int
login_step(UPSCONN_t *u, const struct nut_conn *c, const char *cmd,
    const char *what, enum nut_err *code, char *err, size_t len)
{
	char line[LINE_MAX_BYTES], ecode[64];

	if (send_line(u, c, cmd, code, err, len) == -1 ||
	    read_line(u, c, line, sizeof(line), code, err, len) == -1)
		return -1;
	if (strncmp(line, "OK", 2) == 0)
		return 0;
	*code = NUT_E_LOGIN;
	if (nut_parse_line(line, c->ups, ecode, sizeof(ecode), NULL, 0) ==
	    NUT_LINE_ERR)
		snprintf(err, len,
		    "upsd %s:%u: %s: login as %s refused at %s: %s (%s)",
		    c->host, c->port, c->ups, c->user, what, ecode,
		    err_hint(ecode));
	else
		snprintf(err, len,
		    "upsd %s:%u: %s: login as %s: unexpected reply to %s",
		    c->host, c->port, c->ups, c->user, what);
	return -1;
}

/* Writes s "quoted" for upsd's parser into out; false when too long. */
static bool
quote(const char *s, char *out, size_t outlen)
{
	size_t n = 0;

	if (outlen < 3)
		return false;
	out[n++] = '"';
	for (; *s != '\0'; s++) {
		if (n + 4 > outlen)
			return false;
		if (*s == '"' || *s == '\\')
			out[n++] = '\\';
		out[n++] = *s;
	}
	out[n++] = '"';
	out[n] = '\0';
	return true;
}

static int
login(UPSCONN_t *u, const struct nut_conn *c, enum nut_err *code, char *err,
    size_t len)
{
	char cmd[2 * NUT_PASSWORD_MAX + 32], q[2 * NUT_PASSWORD_MAX + 4];

	if (!quote(c->user, q, sizeof(q)))
		goto toolong;
	snprintf(cmd, sizeof(cmd), "USERNAME %s\n", q);
	if (login_step(u, c, cmd, "USERNAME", code, err, len) == -1)
		return -1;
	if (!quote(c->password != NULL ? c->password : "", q, sizeof(q)))
		goto toolong;
	snprintf(cmd, sizeof(cmd), "PASSWORD %s\n", q);
	if (login_step(u, c, cmd, "PASSWORD", code, err, len) == -1)
		return -1;
	if (!quote(c->ups, q, sizeof(q)))
		goto toolong;
	snprintf(cmd, sizeof(cmd), "LOGIN %s\n", q);
	return login_step(u, c, cmd, "LOGIN", code, err, len);
toolong:
	*code = NUT_E_LOGIN;
	snprintf(err, len, "upsd %s:%u: %s: credentials too long", c->host,
	    c->port, c->ups);
	return -1;
}

static int
list_vars(UPSCONN_t *u, const struct nut_conn *c, struct attrs *vars,
    enum nut_err *code, char *err, size_t len)
{
	char line[LINE_MAX_BYTES], q[300], cmd[320], name[128], value[512];
	size_t n = 0;

	if (!quote(c->ups, q, sizeof(q))) {
		*code = NUT_E_UPS;
		snprintf(err, len, "upsd %s:%u: UPS name too long", c->host,
		    c->port);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "LIST VAR %s\n", q);
	if (send_line(u, c, cmd, code, err, len) == -1 ||
	    read_line(u, c, line, sizeof(line), code, err, len) == -1)
		return -1;
	switch (nut_parse_line(
	    line, c->ups, name, sizeof(name), value, sizeof(value))) {
	case NUT_LINE_BEGIN:
		break;
	case NUT_LINE_ERR:
		*code = NUT_E_UPS;
		snprintf(err, len, "upsd %s:%u: UPS %s: %s (%s)", c->host,
		    c->port, c->ups, name, err_hint(name));
		return -1;
	default:
		goto proto;
	}
	for (;;) {
		if (read_line(u, c, line, sizeof(line), code, err, len) == -1)
			return -1;
		switch (nut_parse_line(
		    line, c->ups, name, sizeof(name), value, sizeof(value))) {
		case NUT_LINE_VAR:
			if (++n > VARS_MAX)
				goto proto;
			if (attrs_set(vars, name, value) == -1) {
				*code = NUT_E_NOMEM;
				snprintf(err, len, "out of memory");
				return -1;
			}
			break;
		case NUT_LINE_END:
			return 0;
		default:
			goto proto;
		}
	}
proto:
	*code = NUT_E_PROTO;
	snprintf(err, len,
	    "upsd %s:%u: UPS %s: unexpected reply line \"%.80s\"", c->host,
	    c->port, c->ups, line);
	return -1;
}

int
nut_read_ups(const struct nut_conn *c, struct attrs *vars, enum nut_err *code,
    char *err, size_t errlen)
{
	UPSCONN_t u;
	struct timeval tv;
	int rc = -1;

	err[0] = '\0';
	tv.tv_sec = c->connect_ms / 1000;
	tv.tv_usec = (c->connect_ms % 1000) * 1000;
	if (upscli_tryconnect(&u, c->host, (uint16_t)c->port, 0, &tv) == -1) {
		*code = NUT_E_CONNECT;
		snprintf(err, errlen, "upsd %s:%u: cannot connect: %s", c->host,
		    c->port, upscli_strerror(&u));
		upscli_disconnect(&u);
		return -1;
	}
	if (c->user != NULL && login(&u, c, code, err, errlen) == -1)
		goto out;
	rc = list_vars(&u, c, vars, code, err, errlen);
out:
	upscli_disconnect(&u);
	return rc;
}
