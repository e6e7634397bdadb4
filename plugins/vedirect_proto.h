/*
 * vedirect_proto: Victron's VE.Direct text protocol as pure functions.
 *
 * A device sends, about once a second, a block of fields, each
 * "\r\nLABEL\tVALUE", ending with "\r\nChecksum\t" and one byte chosen so
 * that every byte of the block, from its first "\r\n" through that byte,
 * sums to 0 modulo 256.  Hex-protocol messages (":" up to "\n") may come
 * anywhere but inside the checksum byte; they are skipped and not summed.
 * The parser is a byte machine, so a block split across reads (down to one
 * byte each) parses as one.  Until it has seen a block's end it is out of
 * step (a port just opened, after garbage): it waits for "\nChecksum\t"
 * and the byte after it, so the next block starts clean.  An overlong
 * label or value, a control byte, or too many fields drops the block and
 * puts the parser out of step; a bad checksum drops the block only.
 *
 * The second half maps a block's labels onto the bank schema's service
 * (vedirect_bank): units converted to SI, the charger state and error
 * code named.
 */
#ifndef DROVER_VEDIRECT_PROTO_H
#define DROVER_VEDIRECT_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "plugins/sample.h"

#define VEDIRECT_LABEL_MAX 16  /* bytes; the protocol's longest is 9 */
#define VEDIRECT_VALUE_MAX 64  /* bytes; the protocol's longest is 33 */
#define VEDIRECT_FIELDS_MAX 40 /* fields per block; devices send <= 22 */
#define VEDIRECT_HEX_MAX 512   /* bytes of one hex message */

struct vedirect_field {
	char label[VEDIRECT_LABEL_MAX + 1];
	char value[VEDIRECT_VALUE_MAX + 1];
};

/* One verified block, without its Checksum field. */
struct vedirect_frame {
	struct vedirect_field f[VEDIRECT_FIELDS_MAX];
	size_t n;
};

enum vedirect_event {
	VEDIRECT_MORE,	       /* everything consumed, no block ended */
	VEDIRECT_FRAME,	       /* a good block is in p->frame */
	VEDIRECT_BAD_CHECKSUM, /* a block was dropped: its sum was wrong */
	VEDIRECT_GARBAGE,      /* a block was dropped: p->why says why */
};

/* The parser's state; embedded, no resources (init again to reset). */
struct vedirect_parser {
	int state;	 /* where in a block (vedirect_proto.c) */
	int hex_return;	 /* the state a hex message interrupted */
	unsigned sum;	 /* the block's bytes so far, mod 256 */
	size_t sync;	 /* out of step: bytes of "\nChecksum\t" matched */
	size_t len;	 /* bytes in the label or value being read */
	size_t hexlen;	 /* bytes of the hex message being skipped */
	const char *why; /* after VEDIRECT_GARBAGE: a static reason */
	struct vedirect_frame frame; /* being built; whole after FRAME */
	/* counts since init */
	unsigned long frames, bad_checksums, garbage, hex;
};

void vedirect_parser_init(struct vedirect_parser *p);

/*
 * Feeds up to len bytes of buf.  Returns how many it consumed: all of
 * them with *ev VEDIRECT_MORE, or up to the byte that ended a block with
 * another event (then p->frame, or p->why, is valid until the next call;
 * call again with the rest).
 */
size_t vedirect_feed(struct vedirect_parser *p, const unsigned char *buf,
    size_t len, enum vedirect_event *ev);

/* The value of label in fr, or NULL. */
const char *vedirect_get(const struct vedirect_frame *fr, const char *label);

/* The meaning of a charger state (CS) or error (ERR) code; never NULL. */
const char *vedirect_cs_str(long cs);
const char *vedirect_err_str(long err);

/* A bank's nominal voltage (12, 24 or 48) guessed from a reading in V. */
unsigned vedirect_nominal_guess(double volts);

/*
 * Fills s (zeroed or cleaned; the caller owns it after) with the bank
 * schema's service for fr: name "bank_" + id, graph attributes, and the
 * fields fr's labels give (voltage, current, charge_current,
 * discharge_current, power, soc, temperature, pv_voltage, pv_current,
 * pv_power, load_current, charger_state, error), voltage thresholds for
 * nominal volts (12 V lead-acid scaled), soc thresholds.  With fresh
 * false the fields carry no values (unknown) and no state.  0 / -1 on
 * allocation failure.
 */
int vedirect_bank(const struct vedirect_frame *fr, const char *id,
    const char *title, unsigned nominal, bool fresh, struct service *s);

#endif
