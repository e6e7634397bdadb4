/*
 * modbus_map: which registers a Modbus device is read for, and what they
 * mean.  Pure: no I/O, no libmodbus.
 *
 * A map is a list of registers, each a field of the bank service: its
 * name, table (input or holding registers), protocol address (0-based,
 * as on the wire: 0x3100, not the 3xxxx "reference number"), type, scale
 * and unit.  Maps come built in (modbus_map_builtin: "epever") or from
 * the config, one `modbus_register` line per field (modbus_reg_parse).
 *
 * The map is read in few requests (modbus_map_plan): registers of one
 * table whose addresses touch or overlap share a request of at most
 * MODBUS_READ_MAX registers.  Gaps are never bridged: a device may
 * refuse an address it does not define (exception 2) and fail the lot.
 */
#ifndef DROVER_MODBUS_MAP_H
#define DROVER_MODBUS_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Registers per read request: the protocol's limit for function 3/4. */
#define MODBUS_READ_MAX 125
/* Fields in one map. */
#define MODBUS_MAP_MAX 64

enum modbus_table {
	MODBUS_HOLDING, /* function 03, read holding registers */
	MODBUS_INPUT,	/* function 04, read input registers */
};

/*
 * How registers make a number.  The 32-bit types take two registers:
 * u32 and s32 put the high word at the lower address (the Modbus
 * convention, big-endian throughout); u32le and s32le the low word
 * (EPEver's "L register, then H register").  Bytes within a register are
 * always big-endian, as the protocol has them.
 */
enum modbus_type {
	MODBUS_U16,
	MODBUS_S16,
	MODBUS_U32,
	MODBUS_S32,
	MODBUS_U32LE,
	MODBUS_S32LE,
};

struct modbus_reg {
	char name[32]; /* field name (Munin's field-name rule) */
	enum modbus_table table;
	uint16_t addr; /* protocol address of the first register */
	enum modbus_type type;
	double scale;	/* value = raw x scale */
	char unit[16];	/* "V", "A", "%"; "" for none */
	unsigned shift; /* a bit field of a u16: raw >> shift ... */
	unsigned bits;	/* ... & (2^bits - 1); 0: the whole register */
	char label[64]; /* "" : NAME (UNIT) */
	char info[256]; /* the field's info attribute; "" : none */
};

struct modbus_map {
	struct modbus_reg regs[MODBUS_MAP_MAX];
	size_t n;
};

/* One read request and, once done, its reply. */
struct modbus_read {
	enum modbus_table table;
	uint16_t addr;	/* first register */
	uint16_t count; /* registers, 1..MODBUS_READ_MAX */
	bool done;	/* words hold the device's reply */
	uint16_t words[MODBUS_READ_MAX];
};

/* Registers a type takes: 1 or 2. */
unsigned modbus_type_words(enum modbus_type t);
/* "u16", "s32le", ...; the names modbus_reg_parse takes. */
const char *modbus_type_str(enum modbus_type t);
/* "input", "holding". */
const char *modbus_table_str(enum modbus_table t);

/* The built-in map called name into *out: 0, or -1 when there is none. */
int modbus_map_builtin(const char *name, struct modbus_map *out);
/* The names of the built-in maps, comma-separated ("epever"). */
const char *modbus_map_builtins(void);

/*
 * Parses a register spec "NAME ADDR TYPE SCALE [UNIT] [input|holding]"
 * (the value of a modbus_register line): ADDR decimal or 0x hex, TYPE one
 * of u16 s16 u32 s32 u32le s32le, SCALE a finite non-zero number (0.01,
 * 1e-2), UNIT a word without spaces ("-" for none), the table holding by
 * default.  0, or -1 with a message naming the bad part in err.
 */
int modbus_reg_parse(
    const char *spec, struct modbus_reg *out, char *err, size_t errlen);
/* The spec modbus_reg_parse reads back as r, into buf. */
char *modbus_reg_format(const struct modbus_reg *r, char *buf, size_t len);

/*
 * Adds r to m, replacing a register of the same name (so a config line
 * overrides a built-in field).  0, or -1 with err set when m is full.
 */
int modbus_map_add(
    struct modbus_map *m, const struct modbus_reg *r, char *err, size_t len);

/*
 * The requests that read m: into reads (room for max), sorted by table
 * and address, each register inside one request.  Returns how many (at
 * most m->n; never more than max).
 */
size_t modbus_map_plan(
    const struct modbus_map *m, struct modbus_read *reads, size_t max);

/*
 * r's value from the replies in reads (n of them), scaled.  False when
 * no done request holds all of r's registers.
 */
bool modbus_reg_value(const struct modbus_reg *r,
    const struct modbus_read *reads, size_t n, double *out);

/* The raw number of a type from its words (w[0] at the lower address). */
double modbus_decode(enum modbus_type t, const uint16_t *w);

#endif
