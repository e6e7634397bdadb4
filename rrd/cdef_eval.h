/*
 * cdef_eval: a field's cdef (rrdtool RPN) evaluated over single numbers,
 * so that the dashboard's field table shows what the graph shows: the
 * current value, and each row of a fetched series, after the field's
 * cdef.  Pure: no I/O, no state.
 *
 * The operators are rrdtool 1.7's that need no time series: + - * / %,
 * ADDNAN, UN, ISINF, IF, LT LE GT GE EQ NE, MIN MAX MINNAN MAXNAN, LIMIT,
 * AVG, UNKN INF NEGINF, DUP POP EXC, ABS FLOOR CEIL SQRT SIN COS LOG EXP
 * ATAN ATAN2 DEG2RAD RAD2DEG, with rrdtool's treatment of unknowns (an
 * unknown A takes IF's else branch; a comparison with an unknown is
 * unknown; LIMIT outside the bounds is unknown).  Operators that look at
 * time or at earlier rows (PREV, COUNT, TIME, NOW, TREND, ...) are
 * refused: the caller shows no number rather than a wrong one.
 */
#ifndef DROVER_CDEF_EVAL_H
#define DROVER_CDEF_EVAL_H

#include <stdbool.h>

/* The value of the field called name (NaN when unknown); false when
 * there is no such field. */
typedef bool (*cdef_lookup_fn)(void *arg, const char *name, double *out);

/*
 * Evaluates rpn (comma-separated, as graph_cdef_ok() accepts it); names
 * that are no operator are looked up.  Returns 0 with the result in *out
 * (NaN for unknown), or -1 (EINVAL) for an unknown name or operator, a
 * stack underflow, more than one value left, or a stack deeper than 64.
 */
int cdef_eval(const char *rpn, cdef_lookup_fn lookup, void *arg, double *out);

#endif
