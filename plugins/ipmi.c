/*
 * ipmi: sensor mapping (pure) and the libipmimonitoring read (blocking).
 *
 * libipmimonitoring gives each reading's value, units, state and bitmask
 * but not the thresholds; those come from the SDR cache file the library
 * just wrote, read with libfreeipmi's SDR parser.  They are the SDR's
 * thresholds (the BMC's defaults); a threshold changed at run time with
 * Set Sensor Thresholds still shows in the bitmask, which decides the
 * state, but not in the warning/critical bands.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ipmi_monitoring.h>
#include <ipmi_monitoring_bitmasks.h>
#include <freeipmi/sdr/ipmi-sdr.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plugins/ipmi.h"

#define IPMI_MAX_SENSORS 1024	    /* a BMC with more is cut off here */
#define IPMI_MAX_SEL 65536	    /* record ids are 16 bits */
#define IPMI_SDR_CACHE_FMT "sdr-%H" /* one file per BMC in its own dir */

/* ---- pure half ------------------------------------------------------ */

const char *
ipmi_state_str(enum ipmi_state s)
{
	static const char *const names[] = {
	    "OK", "WARNING", "CRITICAL", "UNKNOWN"};

	return (unsigned)s < 4 ? names[s] : "UNKNOWN";
}

enum ipmi_state
ipmi_threshold_state(unsigned bitmask)
{
	if (bitmask & (IPMI_TH_LC | IPMI_TH_LNR | IPMI_TH_UC | IPMI_TH_UNR))
		return IPMI_STATE_CRITICAL;
	if (bitmask & (IPMI_TH_LNC | IPMI_TH_UNC))
		return IPMI_STATE_WARNING;
	return IPMI_STATE_OK;
}

/* Graph metadata per service; units in the vertical label. */
static const struct svc_kind {
	const char *service;
	int units; /* -1: discrete; -2: any other unit */
	const char *title;
	const char *vlabel;
	const char *unit; /* appended to labels */
} kinds[] = {
    {"ipmi_volts", IPMI_UNITS_VOLTS, "IPMI voltages", "Volts", "V"},
    {"ipmi_temp", IPMI_UNITS_CELSIUS, "IPMI temperatures", "degrees Celsius",
	"C"},
    {"ipmi_temp", IPMI_UNITS_FAHRENHEIT, "IPMI temperatures",
	"degrees Fahrenheit", "F"},
    {"ipmi_fans", IPMI_UNITS_RPM, "IPMI fans", "RPM", "RPM"},
    {"ipmi_power", IPMI_UNITS_WATTS, "IPMI power", "Watts", "W"},
    {"ipmi_current", IPMI_UNITS_AMPS, "IPMI current", "Amperes", "A"},
    {"ipmi_percent", IPMI_UNITS_PERCENT, "IPMI percentages", "%", "%"},
    {"ipmi_discrete", -1, "IPMI discrete sensors", "asserted event bits", NULL},
    {"ipmi_other", -2, "IPMI other sensors", "value", NULL},
};

static const struct svc_kind *
kind_of(const struct ipmi_sensor *s)
{
	size_t i;

	if (!s->threshold)
		return &kinds[7];
	for (i = 0; i < 7; i++)
		if (kinds[i].units == s->units)
			return &kinds[i];
	return &kinds[8];
}

const char *
ipmi_service_name(const struct ipmi_sensor *s)
{
	return kind_of(s)->service;
}

char *
ipmi_field_name(const char *sensor_name, char *out, size_t outlen)
{
	char buf[256];

	if (isdigit((unsigned char)sensor_name[0])) {
		snprintf(buf, sizeof(buf), "_%s", sensor_name);
		return sanitise_fieldname(buf, out, outlen);
	}
	return sanitise_fieldname(sensor_name, out, outlen);
}

/* Six significant digits: enough for any SDR's 8-bit resolution, and
 * free of conversion noise (11.500000001 -> "11.5"). */
static void
fmt_num(double v, char *out, size_t outlen)
{
	snprintf(out, outlen, "%.6g", v);
}

bool
ipmi_range(
    bool has_lo, double lo, bool has_hi, double hi, char *out, size_t outlen)
{
	char a[32] = "", b[32] = "";

	if (!has_lo && !has_hi)
		return false;
	if (has_lo)
		fmt_num(lo, a, sizeof(a));
	if (has_hi)
		fmt_num(hi, b, sizeof(b));
	snprintf(out, outlen, "%s:%s", a, b);
	return true;
}

static enum ipmi_state
sensor_state(const struct ipmi_sensor *s)
{
	if (!s->has_value)
		return IPMI_STATE_UNKNOWN;
	if (s->threshold)
		return ipmi_threshold_state(s->bitmask);
	switch (s->lib_state) {
	case 0:
		return IPMI_STATE_OK;
	case 1:
		return IPMI_STATE_WARNING;
	case 2:
		return IPMI_STATE_CRITICAL;
	default:
		return IPMI_STATE_UNKNOWN;
	}
}

int
ipmi_add_sensor(struct batch *b, const struct ipmi_sensor *s)
{
	const struct svc_kind *k = kind_of(s);
	struct service *svc;
	struct field *f;
	char fname[256], label[300], range[80];
	size_t n;

	svc = batch_service(b, k->service, true);
	if (svc == NULL)
		return -1;
	if (!svc->has_config) {
		svc->has_config = true;
		if (attrs_set(&svc->graph, "graph_title", k->title) == -1 ||
		    attrs_set(&svc->graph, "graph_vlabel", k->vlabel) == -1 ||
		    attrs_set(&svc->graph, "graph_category", "sensors") == -1 ||
		    attrs_set(&svc->graph, "graph_args", "--base 1000") == -1)
			return -1;
	}
	ipmi_field_name(
	    s->name[0] != '\0' ? s->name : "sensor", fname, sizeof(fname));
	if (service_field(svc, fname, false) != NULL) {
		/* a second sensor of the same sanitised name */
		n = strlen(fname);
		snprintf(fname + n, sizeof(fname) - n, "_%u", s->record_id);
	}
	f = service_field(svc, fname, true);
	if (f == NULL)
		return -1;
	if (k->unit != NULL)
		snprintf(label, sizeof(label), "%s (%s)", s->name, k->unit);
	else
		snprintf(label, sizeof(label), "%s", s->name);
	if (attrs_set(&f->attrs, "label", label) == -1 ||
	    attrs_set(&f->attrs, "type", "GAUGE") == -1 ||
	    attrs_set(&f->attrs, "state", ipmi_state_str(sensor_state(s))) ==
		-1)
		return -1;
	if (s->threshold) {
		if (ipmi_range(s->has_th[TH_LNC], s->th[TH_LNC],
			s->has_th[TH_UNC], s->th[TH_UNC], range,
			sizeof(range)) &&
		    attrs_set(&f->attrs, "warning", range) == -1)
			return -1;
		/* critical: LC/UC, else the non-recoverable bound */
		if (ipmi_range(s->has_th[TH_LC] || s->has_th[TH_LNR],
			s->has_th[TH_LC] ? s->th[TH_LC] : s->th[TH_LNR],
			s->has_th[TH_UC] || s->has_th[TH_UNR],
			s->has_th[TH_UC] ? s->th[TH_UC] : s->th[TH_UNR], range,
			sizeof(range)) &&
		    attrs_set(&f->attrs, "critical", range) == -1)
			return -1;
	}
	f->has_value = true;
	f->unknown = !s->has_value;
	f->value = s->has_value ? s->value : 0;
	return 0;
}

bool
ipmi_sel_count_new(const struct ipmi_sel_state *prev, const unsigned *ids,
    size_t n, struct ipmi_sel_state *next, unsigned *new_out)
{
	struct ipmi_sel_state now = {true, (unsigned)n, 0};
	unsigned fresh = 0;
	size_t i;
	bool had = prev->valid;

	for (i = 0; i < n; i++)
		if (ids[i] > now.max_id)
			now.max_id = ids[i];
	if (had && (now.count < prev->count || now.max_id < prev->max_id))
		fresh = now.count; /* cleared: all present are new */
	else if (had)
		for (i = 0; i < n; i++)
			if (ids[i] > prev->max_id)
				fresh++;
	*next = now;
	*new_out = fresh;
	return had;
}

static int
sel_field(struct service *svc, const char *name, const char *label, bool known,
    unsigned v)
{
	struct field *f = service_field(svc, name, true);

	if (f == NULL || attrs_set(&f->attrs, "label", label) == -1 ||
	    attrs_set(&f->attrs, "type", "GAUGE") == -1 ||
	    attrs_set(&f->attrs, "min", "0") == -1)
		return -1;
	f->has_value = true;
	f->unknown = !known;
	f->value = known ? v : 0;
	return 0;
}

int
ipmi_add_sel(struct batch *b, bool ok, unsigned entries, bool has_new,
    unsigned new_entries)
{
	struct service *svc = batch_service(b, "ipmi_sel", true);

	if (svc == NULL)
		return -1;
	if (!svc->has_config) {
		svc->has_config = true;
		if (attrs_set(&svc->graph, "graph_title",
			"IPMI system event log") == -1 ||
		    attrs_set(&svc->graph, "graph_vlabel", "records") == -1 ||
		    attrs_set(&svc->graph, "graph_category", "sensors") == -1 ||
		    attrs_set(&svc->graph, "graph_args", "--base 1000 -l 0") ==
			-1 ||
		    attrs_set(&svc->graph, "graph_info",
			"Records in the BMC's System Event Log, and those "
			"added since the previous SEL read.") == -1)
			return -1;
	}
	if (sel_field(svc, "entries", "SEL records", ok, entries) == -1 ||
	    sel_field(svc, "new", "new SEL records", ok && has_new,
		new_entries) == -1)
		return -1;
	return 0;
}

size_t
ipmi_sensor_count(const struct batch *b)
{
	size_t i, j, n = 0;

	for (i = 0; i < b->n; i++) {
		if (strcmp(b->services[i].name, "ipmi_sel") == 0)
			continue;
		for (j = 0; j < b->services[i].nfields; j++)
			if (b->services[i].fields[j].has_value)
				n++;
	}
	return n;
}

bool
ipmi_privilege_parse(const char *s, enum ipmi_privilege *out)
{
	static const char *const names[] = {"user", "operator", "admin"};
	int i;

	for (i = 0; i < 3; i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*out = (enum ipmi_privilege)i;
			return true;
		}
	}
	return false;
}

const char *
ipmi_privilege_str(enum ipmi_privilege p)
{
	static const char *const names[] = {"user", "operator", "admin"};

	return (unsigned)p < 3 ? names[p] : "user";
}

/* FreeIPMI's -W names (ipmi-sensors(8)) and their library flags. */
static const struct {
	const char *name;
	unsigned v15, v20, inband;
} workarounds[] = {
    {"assumeio", 0, 0,
	IPMI_MONITORING_WORKAROUND_FLAGS_INBAND_ASSUME_IO_BASE_ADDRESS},
    {"authcap",
	IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_1_5_AUTHENTICATION_CAPABILITIES,
	IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_AUTHENTICATION_CAPABILITIES,
	0},
    {"endianseq",
	IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_1_5_BIG_ENDIAN_SEQUENCE_NUMBER,
	0, 0},
    {"forcepermsg",
	IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_1_5_FORCE_PERMSG_AUTHENTICATION,
	0, 0},
    {"idzero",
	IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_1_5_ACCEPT_SESSION_ID_ZERO,
	0, 0},
    {"integritycheckvalue", 0,
	IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_NON_EMPTY_INTEGRITY_CHECK_VALUE,
	0},
    {"intel20", 0,
	IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_INTEL_2_0_SESSION,
	0},
    {"noauthcodecheck",
	IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_1_5_NO_AUTH_CODE_CHECK,
	0, 0},
    {"nochecksumcheck",
	IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_1_5_NO_CHECKSUM_CHECK,
	IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_NO_CHECKSUM_CHECK,
	0},
    {"opensesspriv", 0,
	IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_OPEN_SESSION_PRIVILEGE,
	0},
    {"spinpoll", 0, 0, IPMI_MONITORING_WORKAROUND_FLAGS_INBAND_SPIN_POLL},
    {"sun20", 0,
	IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_SUN_2_0_SESSION,
	0},
    {"supermicro20", 0,
	IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_SUPERMICRO_2_0_SESSION,
	0},
    {"unexpectedauth",
	IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_1_5_CHECK_UNEXPECTED_AUTHCODE,
	0, 0},
};

bool
ipmi_workarounds_parse(const char *list, unsigned protocol, unsigned *flags,
    char *bad, size_t badlen)
{
	const char *p = list, *end;
	size_t i, n;
	bool found;

	*flags = 0;
	while (*p != '\0') {
		while (*p == ',' || *p == ' ')
			p++;
		if (*p == '\0')
			break;
		end = p + strcspn(p, ", ");
		n = (size_t)(end - p);
		found = false;
		for (i = 0; i < sizeof(workarounds) / sizeof(workarounds[0]);
		     i++) {
			if (strlen(workarounds[i].name) != n ||
			    strncmp(workarounds[i].name, p, n) != 0)
				continue;
			*flags |= protocol == 15 ? workarounds[i].v15
						 : workarounds[i].v20;
			*flags |= workarounds[i].inband;
			found = true;
		}
		if (!found) {
			snprintf(bad, badlen, "%.*s", (int)n, p);
			return false;
		}
		p = end;
	}
	return true;
}

const char *
ipmi_err_str(enum ipmi_err e)
{
	static const char *const names[] = {
	    "ok",
	    "timed out (no answer from the BMC)",
	    "user name not accepted by the BMC",
	    "password not accepted by the BMC",
	    "privilege level refused by the BMC",
	    "address does not resolve",
	    "BMC busy",
	    "SDR cache directory unusable",
	    "no in-band IPMI driver (/dev/ipmi0)",
	    "IPMI error",
	};

	return (unsigned)e <= IPMI_E_OTHER ? names[e] : "IPMI error";
}

/* ---- blocking half ---------------------------------------------------- */

int
ipmi_global_init(char *err, size_t errlen)
{
	int errnum = 0;

	if (ipmi_monitoring_init(0, &errnum) == -1) {
		snprintf(err, errlen,
		    "ipmi: cannot initialise "
		    "libipmimonitoring: %s",
		    ipmi_monitoring_ctx_strerror(errnum));
		return -1;
	}
	return 0;
}

static enum ipmi_err
map_errnum(int errnum)
{
	switch (errnum) {
	case IPMI_MONITORING_ERR_CONNECTION_TIMEOUT:
	case IPMI_MONITORING_ERR_SESSION_TIMEOUT:
	case IPMI_MONITORING_ERR_PASSWORD_VERIFICATION_TIMEOUT:
		return IPMI_E_TIMEOUT;
	case IPMI_MONITORING_ERR_USERNAME_INVALID:
		return IPMI_E_USERNAME;
	case IPMI_MONITORING_ERR_PASSWORD_INVALID:
	case IPMI_MONITORING_ERR_K_G_INVALID:
		return IPMI_E_PASSWORD;
	case IPMI_MONITORING_ERR_PRIVILEGE_LEVEL_INSUFFICIENT:
	case IPMI_MONITORING_ERR_PRIVILEGEL_LEVEL_CANNOT_BE_OBTAINED:
		return IPMI_E_PRIVILEGE;
	case IPMI_MONITORING_ERR_HOSTNAME_INVALID:
		return IPMI_E_HOSTNAME;
	case IPMI_MONITORING_ERR_BMC_BUSY:
		return IPMI_E_BUSY;
	case IPMI_MONITORING_ERR_SDR_CACHE_PERMISSION:
	case IPMI_MONITORING_ERR_SDR_CACHE_FILESYSTEM:
		return IPMI_E_SDR_CACHE;
	default:
		return IPMI_E_OTHER;
	}
}

/* A read error worth one retry with a fresh SDR cache. */
static bool
maybe_stale_cache(enum ipmi_err e)
{
	return e == IPMI_E_OTHER;
}

/* The cache file the library wrote into dir, into out. */
static int
find_cache_file(const char *dir, char *out, size_t outlen)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int ret = -1;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "sdr-", 4) == 0) {
			snprintf(out, outlen, "%s/%s", dir, de->d_name);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

/* Fills each threshold sensor's th[] from the SDR cache; best effort. */
static void
read_thresholds(const char *dir, struct ipmi_sensor *v, size_t n)
{
	uint8_t rec[IPMI_SDR_MAX_RECORD_LENGTH];
	uint8_t readable[TH_COUNT];
	double *th[TH_COUNT];
	char path[4096];
	ipmi_sdr_ctx_t sdr = NULL;
	size_t i, j;
	int len;

	if (dir == NULL || find_cache_file(dir, path, sizeof(path)) == -1)
		return;
	sdr = ipmi_sdr_ctx_create();
	if (sdr == NULL)
		return;
	if (ipmi_sdr_cache_open(sdr, NULL, path) == -1)
		goto destroy;
	for (i = 0; i < n; i++) {
		if (!v[i].threshold || ipmi_sdr_cache_search_record_id(
					   sdr, (uint16_t)v[i].record_id) == -1)
			continue;
		len = ipmi_sdr_cache_record_read(sdr, rec, sizeof(rec));
		if (len <= 0)
			continue;
		/* the record holds bytes for all six; only readable ones
		 * are thresholds */
		if (ipmi_sdr_parse_threshold_readable(sdr, rec, (unsigned)len,
			&readable[TH_LNC], &readable[TH_LC], &readable[TH_LNR],
			&readable[TH_UNC], &readable[TH_UC],
			&readable[TH_UNR]) == -1)
			continue;
		memset(th, 0, sizeof(th));
		if (ipmi_sdr_parse_thresholds(sdr, rec, (unsigned)len,
			&th[TH_LNC], &th[TH_LC], &th[TH_LNR], &th[TH_UNC],
			&th[TH_UC], &th[TH_UNR]) == -1)
			continue;
		for (j = 0; j < TH_COUNT; j++) {
			if (th[j] != NULL && readable[j]) {
				v[i].th[j] = *th[j];
				v[i].has_th[j] = true;
			}
			free(th[j]);
		}
	}
	ipmi_sdr_cache_close(sdr);
destroy:
	ipmi_sdr_ctx_destroy(sdr);
}

static const char *
conn_name(const struct ipmi_conn *c, char *buf, size_t len)
{
	if (c->address == NULL)
		return "local BMC (in-band)";
	snprintf(buf, len, "BMC %s:%u", c->address, c->port ? c->port : 623);
	return buf;
}

/* The library's session config for c; host gets "ADDRESS[:PORT]". */
static void
fill_cfg(const struct ipmi_conn *c, struct ipmi_monitoring_ipmi_config *cfg,
    char *host, size_t hostlen)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->driver_type = -1;
	cfg->protocol_version = c->protocol == 15
				    ? IPMI_MONITORING_PROTOCOL_VERSION_1_5
				    : IPMI_MONITORING_PROTOCOL_VERSION_2_0;
	cfg->username = (char *)c->user;
	cfg->password = (char *)c->password;
	cfg->privilege_level = c->privilege == IPMI_PRIV_ADMIN
				   ? IPMI_MONITORING_PRIVILEGE_LEVEL_ADMIN
			       : c->privilege == IPMI_PRIV_OPERATOR
				   ? IPMI_MONITORING_PRIVILEGE_LEVEL_OPERATOR
				   : IPMI_MONITORING_PRIVILEGE_LEVEL_USER;
	cfg->authentication_type = -1;
	cfg->cipher_suite_id = c->cipher_suite;
	cfg->session_timeout_len = (int)c->session_timeout_ms;
	cfg->retransmission_timeout_len = (int)c->retransmit_ms;
	cfg->workaround_flags = c->workarounds;
	if (c->address != NULL) {
		if (c->port != 0 && c->port != 623)
			snprintf(host, hostlen, "%s:%u", c->address, c->port);
		else
			snprintf(host, hostlen, "%s", c->address);
	}
}

/*
 * A libipmimonitoring context with the connection's SDR cache set; NULL
 * with *errnum and msg filled.  One per read: contexts are not shared
 * between threads.
 */
static ipmi_monitoring_ctx_t
open_ctx(const struct ipmi_conn *c, int *errnum, char *msg, size_t msglen)
{
	ipmi_monitoring_ctx_t ctx = ipmi_monitoring_ctx_create();

	if (ctx == NULL) {
		*errnum = IPMI_MONITORING_ERR_OUT_OF_MEMORY;
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	if (c->sdr_cache_dir != NULL &&
	    (ipmi_monitoring_ctx_sdr_cache_directory(ctx, c->sdr_cache_dir) ==
		    -1 ||
		ipmi_monitoring_ctx_sdr_cache_filenames(
		    ctx, IPMI_SDR_CACHE_FMT) == -1)) {
		*errnum = ipmi_monitoring_ctx_errnum(ctx);
		snprintf(msg, msglen, "%s", ipmi_monitoring_ctx_errormsg(ctx));
		ipmi_monitoring_ctx_destroy(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * One library call; *vp gets the readings (n of them) and *namesp their
 * names, both allocated to size (a large fixed buffer would go through
 * mmap/munmap on every read: TLB shootdowns across the pool's threads).
 * Returns the reading count or -1.
 */
static int
read_once(const struct ipmi_conn *c, unsigned flags, struct ipmi_sensor **vp,
    char ***namesp, size_t *n, int *errnum, char *msg, size_t msglen)
{
	struct ipmi_sensor *v;
	char **names;
	struct ipmi_monitoring_ipmi_config cfg;
	ipmi_monitoring_ctx_t ctx;
	char host[300];
	void *r;
	int i, cnt, rt, ret = -1;

	*n = 0;
	ctx = open_ctx(c, errnum, msg, msglen);
	if (ctx == NULL)
		return -1;
	fill_cfg(c, &cfg, host, sizeof(host));
	cnt = ipmi_monitoring_sensor_readings_by_record_id(ctx,
	    c->address != NULL ? host : NULL, &cfg,
	    flags |
		IPMI_MONITORING_SENSOR_READING_FLAGS_IGNORE_NON_INTERPRETABLE_SENSORS,
	    NULL, 0, NULL, NULL);
	if (cnt < 0)
		goto fail;
	if (cnt > IPMI_MAX_SENSORS)
		cnt = IPMI_MAX_SENSORS;
	v = calloc((size_t)cnt + 1, sizeof(*v));
	names = calloc((size_t)cnt + 1, sizeof(*names));
	*vp = v;
	*namesp = names;
	if (v == NULL || names == NULL) {
		*errnum = IPMI_MONITORING_ERR_OUT_OF_MEMORY;
		snprintf(msg, msglen, "out of memory");
		ret = -1;
		goto destroy;
	}
	for (i = 0; i < cnt; i++, ipmi_monitoring_sensor_iterator_next(ctx)) {
		struct ipmi_sensor *s = &v[*n];
		const char *name = ipmi_monitoring_sensor_read_sensor_name(ctx);

		memset(s, 0, sizeof(*s));
		names[*n] = strdup(name != NULL ? name : "");
		if (names[*n] == NULL)
			break;
		s->name = names[*n];
		s->record_id =
		    (unsigned)ipmi_monitoring_sensor_read_record_id(ctx);
		s->units = ipmi_monitoring_sensor_read_sensor_units(ctx);
		s->threshold =
		    ipmi_monitoring_sensor_read_sensor_bitmask_type(ctx) ==
		    IPMI_MONITORING_SENSOR_BITMASK_TYPE_THRESHOLD;
		s->bitmask =
		    (unsigned)ipmi_monitoring_sensor_read_sensor_bitmask(ctx);
		s->lib_state = ipmi_monitoring_sensor_read_sensor_state(ctx);
		rt = ipmi_monitoring_sensor_read_sensor_reading_type(ctx);
		r = ipmi_monitoring_sensor_read_sensor_reading(ctx);
		if (r != NULL) {
			s->has_value = true;
			if (rt == IPMI_MONITORING_SENSOR_READING_TYPE_DOUBLE)
				s->value = *(double *)r;
			else if (
			    rt ==
			    IPMI_MONITORING_SENSOR_READING_TYPE_UNSIGNED_INTEGER32)
				s->value = *(uint32_t *)r;
			else if (
			    rt ==
			    IPMI_MONITORING_SENSOR_READING_TYPE_UNSIGNED_INTEGER8_BOOL)
				s->value = *(uint8_t *)r;
			else
				s->has_value = false;
		}
		if (!s->threshold)
			s->value = s->bitmask; /* discrete: the event bits */
		(*n)++;
	}
	ret = cnt;
	goto destroy;
fail:
	*errnum = ipmi_monitoring_ctx_errnum(ctx);
	snprintf(msg, msglen, "%s", ipmi_monitoring_ctx_errormsg(ctx));
destroy:
	ipmi_monitoring_ctx_destroy(ctx);
	return ret;
}

/*
 * Reads the SEL's record ids into *idsp (allocated, n of them) in a
 * session of its own.  0 / -1 with *errnum and msg.
 */
static int
sel_read(const struct ipmi_conn *c, unsigned **idsp, size_t *n, int *errnum,
    char *msg, size_t msglen)
{
	struct ipmi_monitoring_ipmi_config cfg;
	ipmi_monitoring_ctx_t ctx;
	unsigned *ids = NULL;
	char host[300];
	int i, cnt, ret = -1;

	*idsp = NULL;
	*n = 0;
	ctx = open_ctx(c, errnum, msg, msglen);
	if (ctx == NULL)
		return -1;
	fill_cfg(c, &cfg, host, sizeof(host));
	cnt = ipmi_monitoring_sel_by_record_id(ctx,
	    c->address != NULL ? host : NULL, &cfg, 0, NULL, 0, NULL, NULL);
	if (cnt < 0)
		goto fail;
	if (cnt > IPMI_MAX_SEL)
		cnt = IPMI_MAX_SEL;
	ids = calloc((size_t)cnt + 1, sizeof(*ids));
	if (ids == NULL) {
		*errnum = IPMI_MONITORING_ERR_OUT_OF_MEMORY;
		snprintf(msg, msglen, "out of memory");
		goto destroy;
	}
	for (i = 0; i < cnt; i++) {
		ids[i] = (unsigned)ipmi_monitoring_sel_read_record_id(ctx);
		if (ipmi_monitoring_sel_iterator_next(ctx) != 1) {
			i++; /* the last record */
			break;
		}
	}
	*idsp = ids;
	*n = (size_t)i;
	ret = 0;
	goto destroy;
fail:
	*errnum = ipmi_monitoring_ctx_errnum(ctx);
	snprintf(msg, msglen, "%s", ipmi_monitoring_ctx_errormsg(ctx));
destroy:
	ipmi_monitoring_ctx_destroy(ctx);
	return ret;
}

int
ipmi_read(const struct ipmi_conn *conn, struct ipmi_sel_state *sel,
    struct batch *b, enum ipmi_err *code, char *err, size_t errlen)
{
	struct ipmi_sel_state next;
	unsigned *ids = NULL, fresh = 0;
	size_t nids = 0;
	bool has_new, sel_ok;
	struct ipmi_sensor *v = NULL;
	char **names = NULL, msg[256] = "", who[300];
	size_t n = 0, i;
	int errnum = 0, ret = -1;

	*code = IPMI_E_OK;
	if (read_once(conn, 0, &v, &names, &n, &errnum, msg, sizeof(msg)) ==
		-1 &&
	    maybe_stale_cache(map_errnum(errnum))) {
		/* maybe the SDR changed under a stale cache: re-read it */
		for (i = 0; names != NULL && i < n; i++)
			free(names[i]);
		free(names);
		free(v);
		v = NULL;
		names = NULL;
		n = 0;
		if (read_once(conn,
			IPMI_MONITORING_SENSOR_READING_FLAGS_REREAD_SDR_CACHE,
			&v, &names, &n, &errnum, msg, sizeof(msg)) != -1)
			errnum = 0;
	}
	if (errnum != 0) {
		*code = map_errnum(errnum);
		if (conn->address == NULL &&
		    errnum == IPMI_MONITORING_ERR_SYSTEM_ERROR)
			*code = IPMI_E_NO_DRIVER;
		snprintf(err, errlen, "%s: %s (%s)",
		    conn_name(conn, who, sizeof(who)), ipmi_err_str(*code),
		    msg);
		goto out;
	}
	read_thresholds(conn->sdr_cache_dir, v, n);
	for (i = 0; i < n; i++) {
		/* discrete sensors only on the slower cadence */
		if (!v[i].threshold && sel == NULL)
			continue;
		if (ipmi_add_sensor(b, &v[i]) == -1)
			goto nomem;
	}
	if (sel != NULL) {
		/* best effort: the sensors are read whatever the SEL does */
		sel_ok =
		    sel_read(conn, &ids, &nids, &errnum, msg, sizeof(msg)) == 0;
		has_new =
		    sel_ok && ipmi_sel_count_new(sel, ids, nids, &next, &fresh);
		if (sel_ok)
			*sel = next;
		if (ipmi_add_sel(b, sel_ok, (unsigned)nids, has_new, fresh) ==
		    -1)
			goto nomem;
	}
	ret = 0;
	goto out;
nomem:
	*code = IPMI_E_OTHER;
	snprintf(err, errlen, "ipmi: out of memory");
out:
	free(ids);
	for (i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
	free(v);
	return ret;
}
