/*
 * check: `drover check`; see check.h.  The daemon has already decided each
 * field's state; this module only words it for Nagios.
 */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <jansson.h>

#include "alerts/check.h"
#include "lib/buf.h"
#include "lib/range.h"

#define DEFAULT_URL "http://127.0.0.1:4948"
#define DEFAULT_MAX_AGE 600 /* s: two default 300 s intervals */
#define DEFAULT_TIMEOUT 5   /* s: well inside Nagios's 60 s plugin limit */
#define BODY_MAX (4 << 20)  /* largest API answer read, bytes */

const char *
check_code_str(int code)
{
	static const char *const names[] = {
	    "OK", "WARNING", "CRITICAL", "UNKNOWN"};

	return code >= 0 && code <= 3 ? names[code] : "UNKNOWN";
}

static int
code_of(const char *state)
{
	int i;

	for (i = 0; state != NULL && i < 3; i++)
		if (strcmp(state, check_code_str(i)) == 0)
			return i;
	return CHECK_UNKNOWN;
}

/* A number as Nagios perfdata wants it: plain decimal, no exponent,
 * no trailing zeros. */
static void
fmt_num(char *out, size_t len, double v)
{
	char *p;

	snprintf(out, len, "%.6f", v);
	if (strchr(out, '.') == NULL)
		return;
	p = out + strlen(out) - 1;
	while (*p == '0')
		*p-- = '\0';
	if (*p == '.')
		*p = '\0';
	if (strcmp(out, "-0") == 0)
		strcpy(out, "0");
}

int
check_range_nagios(const char *munin, char *out, size_t len)
{
	struct range r;
	char lo[64], hi[64];
	int n;

	range_parse_munin(munin, &r);
	fmt_num(lo, sizeof(lo), r.min);
	fmt_num(hi, sizeof(hi), r.max);
	if (r.has_min && r.has_max && r.min > r.max)
		/* Munin alerts on every value; Nagios: alert inside -inf:inf */
		n = snprintf(out, len, "@~:");
	else if (r.has_min && r.has_max)
		n = snprintf(out, len, "%s:%s", lo, hi);
	else if (r.has_min)
		n = snprintf(out, len, "%s:", lo);
	else if (r.has_max)
		n = snprintf(out, len, "~:%s", hi); /* bare "5" is not 0:5 */
	else
		n = snprintf(out, len, "%s", "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

const char *
check_uom(const char *vlabel)
{
	static const struct {
		const char *vlabel;
		const char *uom;
	} map[] = {
	    {"%", "%"},
	    {"B", "B"},
	    {"KB", "KB"},
	    {"MB", "MB"},
	    {"TB", "TB"},
	    {"bytes", "B"},
	    {"c", "c"},
	    {"ms", "ms"},
	    {"percent", "%"},
	    {"s", "s"},
	    {"sec", "s"},
	    {"seconds", "s"},
	    {"us", "us"},
	};
	size_t i;

	if (vlabel == NULL)
		return "";
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(vlabel, map[i].vlabel) == 0)
			return map[i].uom;
	return "";
}

static int unknown(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
unknown(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	b->len = 0;
	b->p[0] = '\0';
	buf_puts(b, "DROVER UNKNOWN - ");
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
	/* room for the newline, even when cut */
	if (b->len + 1 >= b->cap)
		b->len = b->cap - 2;
	b->p[b->len++] = '\n';
	b->p[b->len] = '\0';
	return CHECK_UNKNOWN;
}

static const char *
cfg_str(json_t *field, const char *key)
{
	return json_string_value(
	    json_object_get(json_object_get(field, "config"), key));
}

/* The unit shown after a value in the text: a short vlabel that is not
 * just the label again, else none. */
static const char *
text_unit(const char *vlabel, const char *label)
{
	if (vlabel == NULL || strlen(vlabel) > 12 || strpbrk(vlabel, " $") ||
	    strcasecmp(vlabel, label) == 0)
		return "";
	return vlabel;
}

/* A value for people: two decimals as munin-limits prints them, unless
 * that would hide it (0.0001) or pad it (24354054144.00). */
static void
fmt_text(char *out, size_t len, double v)
{
	if (fabs(v) >= 1e5 && v == floor(v))
		snprintf(out, len, "%.0f", v);
	else if (fabs(v * 100 - round(v * 100)) < 1e-9)
		snprintf(out, len, "%.2f", v);
	else
		fmt_num(out, len, v);
}

/* Raw DERIVE and COUNTER values are counters: Nagios's "c". */
static bool
is_counter(json_t *f)
{
	const char *t = cfg_str(f, "type");

	return t != NULL &&
	       (strcmp(t, "DERIVE") == 0 || strcmp(t, "COUNTER") == 0);
}

/* " (critical below 11.00)": which bound of the Munin range v crosses. */
static void
why(struct buf *b, const char *level, const char *rtext, double v)
{
	struct range r;
	char num[64];

	if (rtext == NULL)
		return;
	range_parse_munin(rtext, &r);
	if (!range_alerts(&r, v))
		return;
	if (r.has_min && v < r.min) {
		fmt_text(num, sizeof(num), r.min);
		buf_printf(b, " (%s below %s)", level, num);
	} else if (r.has_max && v > r.max) {
		fmt_text(num, sizeof(num), r.max);
		buf_printf(b, " (%s above %s)", level, num);
	}
}

/* "LABEL VALUE UNIT (why)" for one field. */
static void
field_text(struct buf *b, json_t *f, const char *vlabel)
{
	const char *label = cfg_str(f, "label"), *unit;
	const char *state = json_string_value(json_object_get(f, "state"));
	json_t *v = json_object_get(f, "value");
	double d = json_number_value(v);
	char num[64];

	if (label == NULL)
		label = json_string_value(json_object_get(f, "name"));
	if (label == NULL)
		label = "?";
	if (!json_is_number(v)) {
		buf_printf(b, "%s unknown", label);
		return;
	}
	unit = is_counter(f) ? "" : text_unit(vlabel, label);
	fmt_text(num, sizeof(num), d);
	buf_printf(b, "%s %s%s%s", label, num, *unit ? " " : "", unit);
	if (code_of(state) == CHECK_CRITICAL)
		why(b, "critical", cfg_str(f, "critical"), d);
	else if (code_of(state) == CHECK_WARNING)
		why(b, "warning", cfg_str(f, "warning"), d);
}

/* "'name'=value[UOM];warn;crit;min;max" for one field. */
static void
field_perf(struct buf *b, json_t *f, const char *uom)
{
	const char *name = json_string_value(json_object_get(f, "name"));
	const char *keys[] = {"warning", "critical"};
	const char *mm[] = {"min", "max"};
	json_t *v = json_object_get(f, "value");
	char num[64], rng[160];
	struct range r;
	size_t i;

	if (name == NULL || strchr(name, '\'') || strchr(name, '='))
		return;
	if (json_is_number(v))
		fmt_num(num, sizeof(num), json_number_value(v));
	else
		strcpy(num, "U");
	if (is_counter(f))
		uom = "c";
	buf_printf(b, "%s'%s'=%s%s", b->p[b->len - 1] == '|' ? "" : " ", name,
	    num, json_is_number(v) ? uom : "");
	for (i = 0; i < 2; i++) {
		rng[0] = '\0';
		if (cfg_str(f, keys[i]) != NULL)
			check_range_nagios(
			    cfg_str(f, keys[i]), rng, sizeof(rng));
		buf_printf(b, ";%s", rng);
	}
	for (i = 0; i < 2; i++) {
		/* min/max only when numeric; Munin writes "U" for none */
		rng[0] = '\0';
		if (cfg_str(f, mm[i]) != NULL &&
		    strspn(cfg_str(f, mm[i]), "-+0123456789.") ==
			strlen(cfg_str(f, mm[i])) &&
		    *cfg_str(f, mm[i]) != '\0') {
			range_parse_munin(cfg_str(f, mm[i]), &r);
			fmt_num(rng, sizeof(rng), r.max);
		}
		buf_printf(b, ";%s", rng);
	}
	/* the guidelines allow dropping trailing empty fields */
	while (b->len > 0 && b->p[b->len - 1] == ';')
		b->p[--b->len] = '\0';
}

int
check_format(const char *body, size_t blen, const struct check_opts *o,
    time_t now, char *out, size_t len)
{
	struct buf b;
	json_t *j, *fields, *f, *pick[256];
	const char *vlabel, *uom, *name;
	json_error_t err;
	json_int_t last;
	size_t i, n = 0, shown = 0;
	int code, fc;

	if (len < 32) {
		if (len > 0)
			out[0] = '\0';
		return CHECK_UNKNOWN;
	}
	buf_init_fixed(&b, out, len); /* the line is cut, never overflows */
	j = json_loadb(body, blen, 0, &err);
	fields = json_object_get(j, "fields");
	if (j == NULL || !json_is_array(fields)) {
		json_decref(j);
		return unknown(&b, "%s %s: bad answer from drover: %s", o->host,
		    o->service, j == NULL ? err.text : "no fields");
	}
	last = json_integer_value(json_object_get(j, "last_update"));
	if (last <= 0) {
		json_decref(j);
		return unknown(&b, "%s %s: no data yet", o->host, o->service);
	}
	if (o->max_age > 0 && now - (time_t)last > o->max_age) {
		json_decref(j);
		return unknown(&b,
		    "%s %s: data is %lld s old (more than %ld s)", o->host,
		    o->service, (long long)(now - (time_t)last), o->max_age);
	}
	json_array_foreach(fields, i, f)
	{
		name = json_string_value(json_object_get(f, "name"));
		if (o->field != NULL &&
		    (name == NULL || strcmp(name, o->field) != 0))
			continue;
		if (n < sizeof(pick) / sizeof(pick[0]))
			pick[n++] = f;
	}
	if (n == 0) {
		json_decref(j);
		if (o->field != NULL)
			return unknown(&b, "%s %s: no field \"%s\"", o->host,
			    o->service, o->field);
		return unknown(&b, "%s %s: no fields", o->host, o->service);
	}
	/* the daemon has ranked the fields (catalog.c); with --field, that
	 * field's own state */
	code = code_of(json_string_value(
	    json_object_get(o->field != NULL ? pick[0] : j, "state")));
	vlabel = json_string_value(
	    json_object_get(json_object_get(j, "config"), "graph_vlabel"));
	uom = check_uom(vlabel);
	buf_printf(&b, "DROVER %s - %s %s: ", check_code_str(code), o->host,
	    o->service);
	/* the fields in the deciding state; for OK, every field */
	for (i = 0; i < n; i++) {
		fc = code_of(
		    json_string_value(json_object_get(pick[i], "state")));
		if (code != CHECK_OK && fc != code)
			continue;
		if (shown++ > 0)
			buf_printf(&b, ", ");
		field_text(&b, pick[i], vlabel);
	}
	/* within --max-age, yet not polled since the daemon restarted */
	if (json_is_true(json_object_get(j, "restored")))
		buf_printf(&b, " (saved before a drover restart, %lld s old)",
		    (long long)(now > (time_t)last ? now - (time_t)last : 0));
	/* keep the text to one line, Nagios's 4 KB output limit in view */
	for (i = 0; i < b.len; i++)
		if (b.p[i] == '|' || b.p[i] == '\n' || b.p[i] == '\r')
			b.p[i] = b.p[i] == '|' ? '/' : ' ';
	buf_printf(&b, " |");
	for (i = 0; i < n; i++)
		field_perf(&b, pick[i], uom);
	if (b.len > 0 && b.p[b.len - 1] == '|')
		b.len -= 2;
	if (b.len + 1 >= b.cap)
		b.len = b.cap - 2;
	b.p[b.len++] = '\n';
	b.p[b.len] = '\0';
	json_decref(j);
	return code;
}

/* ---- the command --------------------------------------------------- */

/* Appends the answer to a struct buf, at most BODY_MAX bytes. */
static size_t
on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;

	if (b->len + n > BODY_MAX)
		return 0;
	buf_putn(b, p, n);
	return b->oom ? 0 : n;
}

/* The API's {"error": "..."} text, or dflt; points into a static. */
static const char *
api_error(const struct buf *b, const char *dflt)
{
	static char msg[128];
	json_t *j;
	const char *e;

	j = json_loadb(b->p != NULL ? b->p : "", b->len, 0, NULL);
	e = json_string_value(json_object_get(j, "error"));
	snprintf(msg, sizeof(msg), "%s", e != NULL ? e : dflt);
	json_decref(j);
	return msg;
}

static int
usage(void)
{
	printf("DROVER UNKNOWN - usage: drover check [--url URL] [--field F] "
	       "[--max-age SECONDS] [--timeout SECONDS] HOST SERVICE\n");
	return CHECK_UNKNOWN;
}

static bool
parse_secs(const char *s, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > 31536000)
		return false;
	*out = v;
	return true;
}

int
check_main(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"url", required_argument, NULL, 'u'},
	    {"field", required_argument, NULL, 'f'},
	    {"max-age", required_argument, NULL, 'a'},
	    {"timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct check_opts o = {
	    DEFAULT_URL, NULL, NULL, NULL, DEFAULT_MAX_AGE, DEFAULT_TIMEOUT};
	struct buf body = {0};
	char out[4096], url[2048], errbuf[CURL_ERROR_SIZE] = "";
	char *eh = NULL, *es = NULL;
	CURL *c = NULL;
	CURLcode rc;
	long status = 0;
	size_t ul;
	int ch, code = CHECK_UNKNOWN;

	optind = 1;
	opterr = 0; /* one output line: the usage line says it all */
	while ((ch = getopt_long(argc, argv, "u:f:a:t:h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			o.url = optarg;
			break;
		case 'f':
			o.field = optarg;
			break;
		case 'a':
			if (!parse_secs(optarg, &o.max_age))
				return usage();
			break;
		case 't':
			if (!parse_secs(optarg, &o.timeout) || o.timeout == 0)
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (optind + 2 != argc)
		return usage();
	o.host = argv[optind];
	o.service = argv[optind + 1];
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		goto out;
	c = curl_easy_init();
	if (c == NULL)
		goto out_global;
	eh = curl_easy_escape(c, o.host, 0);
	es = curl_easy_escape(c, o.service, 0);
	if (eh == NULL || es == NULL)
		goto out_curl;
	ul = strlen(o.url);
	while (ul > 0 && o.url[ul - 1] == '/')
		ul--;
	snprintf(url, sizeof(url), "%.*s/api/v1/hosts/%s/%s", (int)ul, o.url,
	    eh, es);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, o.timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o.timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	/* a host another collector of a sharded cluster polls: the one
	 * asked redirects to it (web/http.c); a short chain, no loop */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 2L);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "drover-check/" PACKAGE_VERSION);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
		printf("DROVER UNKNOWN - cannot reach drover at %s: %s\n",
		    o.url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else if (status == 404)
		printf("DROVER UNKNOWN - %s %s: %s in drover\n", o.host,
		    o.service, api_error(&body, "no such host or service"));
	else if (status == 503)
		printf("DROVER UNKNOWN - %s %s: %s\n", o.host, o.service,
		    api_error(&body, "drover is not ready"));
	else if (status != 200)
		printf("DROVER UNKNOWN - %s %s: drover answered HTTP %ld\n",
		    o.host, o.service, status);
	else {
		code = check_format(body.p != NULL ? body.p : "", body.len, &o,
		    time(NULL), out, sizeof(out));
		fputs(out, stdout);
	}
out_curl:
	curl_free(eh);
	curl_free(es);
	curl_easy_cleanup(c);
out_global:
	curl_global_cleanup();
out:
	if (c == NULL || eh == NULL || es == NULL)
		printf("DROVER UNKNOWN - out of memory\n");
	buf_free(&body);
	return code;
}
