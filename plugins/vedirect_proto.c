/*
 * vedirect_proto: the VE.Direct text protocol's block machine and the
 * meaning of its labels (see vedirect_proto.h).
 *
 * The road not taken: splitting the stream into lines first.  The
 * checksum byte may be any byte, "\r", "\n" and ":" included, and hex
 * messages may cut a line in two, so only a byte machine that knows it is
 * at the checksum reads the stream right.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/vedirect_proto.h"

enum {
	S_UNSYNC,   /* out of step: looking for "\nChecksum\t" + a byte */
	S_IDLE,	    /* between fields: "\r" next */
	S_CR,	    /* after "\r": "\n" next */
	S_LABEL,    /* reading a label up to "\t" */
	S_VALUE,    /* reading a value up to "\r" */
	S_CHECKSUM, /* the checksum byte next */
	S_HEX,	    /* skipping a hex message up to "\n" */
};

static const char sync_pat[] = "\nChecksum\t";
#define SYNC_LEN (sizeof(sync_pat) - 1)

void
vedirect_parser_init(struct vedirect_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->state = S_UNSYNC;
}

/* Out of step after byte c; counts the block as garbage. */
static enum vedirect_event
garbage(struct vedirect_parser *p, unsigned char c, const char *why)
{
	p->state = S_UNSYNC;
	p->sync = c == '\n' ? 1 : 0;
	p->sum = 0;
	p->len = 0;
	p->frame.n = 0;
	p->why = why;
	p->garbage++;
	return VEDIRECT_GARBAGE;
}

/* One byte out of step. */
static void
unsync_byte(struct vedirect_parser *p, unsigned char c)
{
	if (p->sync == SYNC_LEN) { /* c is the checksum byte: in step now */
		p->state = S_IDLE;
		p->sum = 0;
		p->sync = 0;
		p->frame.n = 0;
		return;
	}
	if (c == (unsigned char)sync_pat[p->sync])
		p->sync++;
	else
		p->sync = c == '\n' ? 1 : 0;
}

static bool
is_text(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

/* One byte in step; VEDIRECT_MORE unless it ended a block. */
static enum vedirect_event
step(struct vedirect_parser *p, unsigned char c)
{
	struct vedirect_field *f = &p->frame.f[p->frame.n];

	if (p->state == S_HEX) {
		if (c == '\n') {
			p->state = p->hex_return;
			p->hex++;
		} else if (++p->hexlen > VEDIRECT_HEX_MAX)
			return garbage(p, c, "overlong hex message");
		return VEDIRECT_MORE;
	}
	if (c == ':' && p->state != S_CHECKSUM) {
		p->hex_return = p->state;
		p->state = S_HEX;
		p->hexlen = 0;
		return VEDIRECT_MORE;
	}
	p->sum = (p->sum + c) & 0xff;
	switch (p->state) {
	case S_IDLE:
		if (c != '\r')
			return garbage(p, c, "no \"\\r\\n\" before a field");
		p->state = S_CR;
		break;
	case S_CR:
		if (c != '\n')
			return garbage(p, c, "\"\\r\" without \"\\n\"");
		if (p->frame.n == VEDIRECT_FIELDS_MAX)
			return garbage(p, c, "too many fields in a block");
		p->state = S_LABEL;
		p->len = 0;
		break;
	case S_LABEL:
		if (c == '\t') {
			if (p->len == 0)
				return garbage(p, c, "empty label");
			f->label[p->len] = '\0';
			p->len = 0;
			p->state = strcmp(f->label, "Checksum") == 0
				       ? S_CHECKSUM
				       : S_VALUE;
			break;
		}
		if (!is_text(c) || c == ' ')
			return garbage(p, c, "control byte in a label");
		if (p->len == VEDIRECT_LABEL_MAX)
			return garbage(p, c, "overlong label");
		f->label[p->len++] = (char)c;
		break;
	case S_VALUE:
		if (c == '\r') {
			f->value[p->len] = '\0';
			p->frame.n++;
			p->state = S_CR;
			break;
		}
		if (!is_text(c))
			return garbage(p, c, "control byte in a value");
		if (p->len == VEDIRECT_VALUE_MAX)
			return garbage(p, c, "overlong value");
		f->value[p->len++] = (char)c;
		break;
	case S_CHECKSUM:
		p->state = S_IDLE;
		if (p->sum != 0) {
			p->sum = 0;
			p->bad_checksums++;
			return VEDIRECT_BAD_CHECKSUM;
		}
		p->frames++;
		return VEDIRECT_FRAME;
	}
	return VEDIRECT_MORE;
}

size_t
vedirect_feed(struct vedirect_parser *p, const unsigned char *buf, size_t len,
    enum vedirect_event *ev)
{
	size_t i;

	*ev = VEDIRECT_MORE;
	for (i = 0; i < len; i++) {
		if (p->state == S_UNSYNC) {
			unsync_byte(p, buf[i]);
			continue;
		}
		/* a block handed out before: the next byte starts anew */
		if (p->state == S_IDLE && p->sum == 0)
			p->frame.n = 0;
		*ev = step(p, buf[i]);
		if (*ev != VEDIRECT_MORE)
			return i + 1;
	}
	return len;
}

const char *
vedirect_get(const struct vedirect_frame *fr, const char *label)
{
	size_t i;

	/* later fields win: a merged frame lists the newest last */
	for (i = fr->n; i-- > 0;)
		if (strcmp(fr->f[i].label, label) == 0)
			return fr->f[i].value;
	return NULL;
}

/* ---- what the labels mean -------------------------------------------- */

static const struct code_name {
	long code;
	const char *name;
} cs_names[] =
    {
	{0, "off"},
	{1, "low power"},
	{2, "fault"},
	{3, "bulk"},
	{4, "absorption"},
	{5, "float"},
	{6, "storage"},
	{7, "equalize (manual)"},
	{9, "inverting"},
	{11, "power supply"},
	{245, "starting up"},
	{246, "repeated absorption"},
	{247, "auto equalize / recondition"},
	{248, "BatterySafe"},
	{252, "external control"},
},
  err_names[] = {
      {0, "no error"},
      {2, "battery voltage too high"},
      {17, "charger temperature too high"},
      {18, "charger over current"},
      {19, "charger current reversed"},
      {20, "bulk time limit exceeded"},
      {21, "current sensor issue"},
      {26, "terminals overheated"},
      {28, "converter issue"},
      {33, "input voltage too high (solar panel)"},
      {34, "input current too high (solar panel)"},
      {38, "input shutdown (excessive battery voltage)"},
      {39, "input shutdown (current flow during off mode)"},
      {65, "lost communication with one of the devices"},
      {66, "synchronised charging device configuration issue"},
      {67, "BMS connection lost"},
      {68, "network misconfigured"},
      {116, "factory calibration data lost"},
      {117, "invalid or incompatible firmware"},
      {119, "user settings invalid"},
};

static const char *
code_str(const struct code_name *v, size_t n, long code)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].code == code)
			return v[i].name;
	return "unknown code";
}

const char *
vedirect_cs_str(long cs)
{
	return code_str(cs_names, sizeof(cs_names) / sizeof(cs_names[0]), cs);
}

const char *
vedirect_err_str(long err)
{
	return code_str(
	    err_names, sizeof(err_names) / sizeof(err_names[0]), err);
}

unsigned
vedirect_nominal_guess(double volts)
{
	if (volts < 18)
		return 12;
	if (volts < 36)
		return 24;
	return 48;
}

/* The decimal integer label carries in fr; false when absent or not a
 * number (a BMV's "---" for no temperature sensor). */
static bool
get_long(const struct vedirect_frame *fr, const char *label, long *out)
{
	const char *v = vedirect_get(fr, label);
	char *end;

	if (v == NULL || v[0] == '\0')
		return false;
	errno = 0;
	*out = strtol(v, &end, 10);
	return errno == 0 && *end == '\0';
}

/* The bank schema's fields, in this order; units in labels. */
enum {
	F_VOLTAGE,
	F_CURRENT,
	F_CHARGE,
	F_DISCHARGE,
	F_POWER,
	F_SOC,
	F_TEMP,
	F_PV_VOLTAGE,
	F_PV_CURRENT,
	F_PV_POWER,
	F_LOAD,
	F_CS,
	F_ERR,
	F_COUNT
};

static const struct bank_field {
	const char *name;
	const char *label;
	const char *info;
} bank_fields[F_COUNT] = {
    {"voltage", "battery voltage (V)", "VE.Direct V: main battery voltage"},
    {"current", "net current (A)",
	"VE.Direct I: battery current, positive when charging"},
    {"charge_current", "charge current (A)", "the positive part of I"},
    {"discharge_current", "discharge current (A)",
	"the negative part of I, as a positive number"},
    {"power", "power (W)", "VE.Direct P: instantaneous power"},
    {"soc", "state of charge (%)", "VE.Direct SOC"},
    {"temperature", "battery temperature (°C)", "VE.Direct T"},
    {"pv_voltage", "solar voltage (V)", "VE.Direct VPV: panel voltage"},
    {"pv_current", "solar current (A)", "VE.Direct PPV / VPV"},
    {"pv_power", "solar power (W)", "VE.Direct PPV: panel power"},
    {"load_current", "load current (A)", "VE.Direct IL: load output current"},
    {"charger_state", "charger state",
	"VE.Direct CS: 0 off, 1 low power, 2 fault, 3 bulk, 4 absorption, "
	"5 float, 6 storage, 7 equalize, 9 inverting, 11 power supply, "
	"245 starting up, 246 repeated absorption, 247 auto equalize, "
	"248 BatterySafe, 252 external control"},
    {"error", "charger error code",
	"VE.Direct ERR: 0 no error; any other code is a WARNING named in "
	"extinfo"},
};

/* Appends field k with value v (or unknown); NULL on ENOMEM. */
static struct field *
add_field(struct service *s, int k, bool fresh, double v)
{
	struct field *f = service_field(s, bank_fields[k].name, true);

	if (f == NULL || attrs_set(&f->attrs, "label", bank_fields[k].label) ||
	    attrs_set(&f->attrs, "type", "GAUGE") ||
	    attrs_set(&f->attrs, "info", bank_fields[k].info))
		return NULL;
	f->has_value = true;
	f->unknown = !fresh;
	f->value = fresh ? v : 0;
	return f;
}

int
vedirect_bank(const struct vedirect_frame *fr, const char *id,
    const char *title, unsigned nominal, bool fresh, struct service *s)
{
	struct field *f;
	char name[256], buf[256];
	const char *pid, *ser, *fw;
	long v, i, vpv, ppv, soc, p, t, il, cs, err;
	bool has_v, has_i, has_vpv, has_ppv;
	double scale = (nominal ? nominal : 12) / 12.0;

	memset(s, 0, sizeof(*s));
	snprintf(name, sizeof(name), "bank_%s", id);
	s->name = strdup(name);
	if (s->name == NULL)
		return -1;
	s->has_config = true;
	if (attrs_set(&s->graph, "graph_title", title) ||
	    attrs_set(&s->graph, "graph_category", "power") ||
	    attrs_set(&s->graph, "graph_vlabel", "V, A, W, %") ||
	    attrs_set(&s->graph, "graph_args", "--base 1000"))
		goto fail;
	pid = vedirect_get(fr, "PID");
	ser = vedirect_get(fr, "SER#");
	fw = vedirect_get(fr, "FW");
	if (pid != NULL || ser != NULL) {
		snprintf(buf, sizeof(buf),
		    "Victron VE.Direct device, product id %s, serial %s, "
		    "firmware %s",
		    pid ? pid : "?", ser ? ser : "?", fw ? fw : "?");
		if (attrs_set(&s->graph, "graph_info", buf))
			goto fail;
	}
	has_v = get_long(fr, "V", &v);
	has_i = get_long(fr, "I", &i);
	has_vpv = get_long(fr, "VPV", &vpv);
	has_ppv = get_long(fr, "PPV", &ppv);
	if (has_v) {
		f = add_field(s, F_VOLTAGE, fresh, v / 1000.0);
		if (f == NULL)
			goto fail;
		snprintf(buf, sizeof(buf), "%.1f:", 12.0 * scale);
		if (attrs_set(&f->attrs, "warning", buf))
			goto fail;
		snprintf(buf, sizeof(buf), "%.1f:", 11.5 * scale);
		if (attrs_set(&f->attrs, "critical", buf))
			goto fail;
	}
	if (has_i &&
	    (add_field(s, F_CURRENT, fresh, i / 1000.0) == NULL ||
		add_field(s, F_CHARGE, fresh, i > 0 ? i / 1000.0 : 0) == NULL ||
		add_field(s, F_DISCHARGE, fresh, i < 0 ? -i / 1000.0 : 0) ==
		    NULL))
		goto fail;
	if (get_long(fr, "P", &p) && add_field(s, F_POWER, fresh, p) == NULL)
		goto fail;
	if (get_long(fr, "SOC", &soc)) {
		f = add_field(s, F_SOC, fresh, soc / 10.0);
		if (f == NULL || attrs_set(&f->attrs, "min", "0") ||
		    attrs_set(&f->attrs, "max", "100") ||
		    attrs_set(&f->attrs, "warning", "30:") ||
		    attrs_set(&f->attrs, "critical", "15:"))
			goto fail;
	}
	if (get_long(fr, "T", &t) && add_field(s, F_TEMP, fresh, t) == NULL)
		goto fail;
	if (has_vpv && add_field(s, F_PV_VOLTAGE, fresh, vpv / 1000.0) == NULL)
		goto fail;
	if (has_vpv && has_ppv &&
	    add_field(s, F_PV_CURRENT, fresh,
		vpv > 0 ? ppv / (vpv / 1000.0) : 0) == NULL)
		goto fail;
	if (has_ppv && add_field(s, F_PV_POWER, fresh, ppv) == NULL)
		goto fail;
	if (get_long(fr, "IL", &il) &&
	    add_field(s, F_LOAD, fresh, il / 1000.0) == NULL)
		goto fail;
	if (get_long(fr, "CS", &cs)) {
		f = add_field(s, F_CS, fresh, cs);
		if (f == NULL || attrs_set(&f->attrs, "graph", "no") ||
		    (fresh &&
			attrs_set(&f->attrs, "extinfo", vedirect_cs_str(cs))))
			goto fail;
	}
	if (get_long(fr, "ERR", &err)) {
		f = add_field(s, F_ERR, fresh, err);
		if (f == NULL || attrs_set(&f->attrs, "graph", "no"))
			goto fail;
		if (fresh &&
		    attrs_set(&f->attrs, "state", err != 0 ? "WARNING" : "OK"))
			goto fail;
		snprintf(buf, sizeof(buf), "ERR %ld: %s", err,
		    vedirect_err_str(err));
		if (fresh && err != 0 && attrs_set(&f->attrs, "extinfo", buf))
			goto fail;
	}
	return 0;
fail:
	service_cleanup(s);
	return -1;
}
