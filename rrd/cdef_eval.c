/*
 * cdef_eval: rrdtool RPN over numbers; see cdef_eval.h.  One pass over
 * the tokens with a fixed stack; each operator is a row of a table (its
 * name, how many values it pops) and a case of one switch, as
 * rrd_rpncalc.c does it.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rrd/cdef_eval.h"

#define STACK_MAX 64
#define TOKEN_MAX 64

enum op {
	OP_ADD,
	OP_SUB,
	OP_MUL,
	OP_DIV,
	OP_MOD,
	OP_ADDNAN,
	OP_UN,
	OP_ISINF,
	OP_IF,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_EQ,
	OP_NE,
	OP_MIN,
	OP_MAX,
	OP_MINNAN,
	OP_MAXNAN,
	OP_LIMIT,
	OP_AVG,
	OP_UNKN,
	OP_INF,
	OP_NEGINF,
	OP_DUP,
	OP_POP,
	OP_EXC,
	OP_ABS,
	OP_FLOOR,
	OP_CEIL,
	OP_SQRT,
	OP_SIN,
	OP_COS,
	OP_LOG,
	OP_EXP,
	OP_ATAN,
	OP_ATAN2,
	OP_DEG2RAD,
	OP_RAD2DEG
};

static const struct {
	const char *name;
	enum op op;
	unsigned pops; /* values it needs on the stack (AVG: 1 + count) */
} ops[] = {
    {"+", OP_ADD, 2},
    {"-", OP_SUB, 2},
    {"*", OP_MUL, 2},
    {"/", OP_DIV, 2},
    {"%", OP_MOD, 2},
    {"ADDNAN", OP_ADDNAN, 2},
    {"UN", OP_UN, 1},
    {"ISINF", OP_ISINF, 1},
    {"IF", OP_IF, 3},
    {"LT", OP_LT, 2},
    {"LE", OP_LE, 2},
    {"GT", OP_GT, 2},
    {"GE", OP_GE, 2},
    {"EQ", OP_EQ, 2},
    {"NE", OP_NE, 2},
    {"MIN", OP_MIN, 2},
    {"MAX", OP_MAX, 2},
    {"MINNAN", OP_MINNAN, 2},
    {"MAXNAN", OP_MAXNAN, 2},
    {"LIMIT", OP_LIMIT, 3},
    {"AVG", OP_AVG, 1},
    {"UNKN", OP_UNKN, 0},
    {"INF", OP_INF, 0},
    {"NEGINF", OP_NEGINF, 0},
    {"DUP", OP_DUP, 1},
    {"POP", OP_POP, 1},
    {"EXC", OP_EXC, 2},
    {"ABS", OP_ABS, 1},
    {"FLOOR", OP_FLOOR, 1},
    {"CEIL", OP_CEIL, 1},
    {"SQRT", OP_SQRT, 1},
    {"SIN", OP_SIN, 1},
    {"COS", OP_COS, 1},
    {"LOG", OP_LOG, 1},
    {"EXP", OP_EXP, 1},
    {"ATAN", OP_ATAN, 1},
    {"ATAN2", OP_ATAN2, 2},
    {"DEG2RAD", OP_DEG2RAD, 1},
    {"RAD2DEG", OP_RAD2DEG, 1},
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

/* rrdtool's comparisons: unknown when either side is. */
static double
cmp(double a, double b, enum op op)
{
	if (isnan(a) || isnan(b))
		return NAN;
	switch (op) {
	case OP_LT:
		return a < b;
	case OP_LE:
		return a <= b;
	case OP_GT:
		return a > b;
	case OP_GE:
		return a >= b;
	case OP_EQ:
		return a == b;
	default:
		return a != b;
	}
}

/* Applies op to the stack s of depth *n (enough values checked). */
static int
apply(enum op op, double *s, size_t *n)
{
	double a, b, c;
	size_t k, i, got;

	switch (op) {
	case OP_UNKN:
	case OP_INF:
	case OP_NEGINF:
		if (*n >= STACK_MAX)
			return -1;
		s[(*n)++] = op == OP_UNKN  ? NAN
			    : op == OP_INF ? INFINITY
					   : -INFINITY;
		return 0;
	case OP_DUP:
		if (*n >= STACK_MAX)
			return -1;
		s[*n] = s[*n - 1];
		(*n)++;
		return 0;
	case OP_POP:
		(*n)--;
		return 0;
	case OP_EXC:
		a = s[*n - 1];
		s[*n - 1] = s[*n - 2];
		s[*n - 2] = a;
		return 0;
	case OP_AVG: /* v1..vk,k,AVG: the mean of the known ones */
		a = s[--(*n)];
		if (isnan(a) || a < 1 || a != floor(a) || (size_t)a > *n)
			return -1;
		k = (size_t)a;
		b = 0;
		got = 0;
		for (i = *n - k; i < *n; i++)
			if (!isnan(s[i])) {
				b += s[i];
				got++;
			}
		*n -= k;
		s[(*n)++] = got > 0 ? b / (double)got : NAN;
		return 0;
	default:
		break;
	}
	a = s[*n - 1]; /* the top; unary operators work on it */
	switch (op) {
	case OP_UN:
		s[*n - 1] = isnan(a);
		return 0;
	case OP_ISINF:
		s[*n - 1] = isinf(a) ? 1 : 0;
		return 0;
	case OP_ABS:
		s[*n - 1] = fabs(a);
		return 0;
	case OP_FLOOR:
		s[*n - 1] = floor(a);
		return 0;
	case OP_CEIL:
		s[*n - 1] = ceil(a);
		return 0;
	case OP_SQRT:
		s[*n - 1] = sqrt(a);
		return 0;
	case OP_SIN:
		s[*n - 1] = sin(a);
		return 0;
	case OP_COS:
		s[*n - 1] = cos(a);
		return 0;
	case OP_LOG:
		s[*n - 1] = log(a);
		return 0;
	case OP_EXP:
		s[*n - 1] = exp(a);
		return 0;
	case OP_ATAN:
		s[*n - 1] = atan(a);
		return 0;
	case OP_DEG2RAD:
		s[*n - 1] = a * M_PI / 180.0;
		return 0;
	case OP_RAD2DEG:
		s[*n - 1] = a * 180.0 / M_PI;
		return 0;
	case OP_IF:    /* A,B,C,IF: B when A is known and not 0, else C */
	case OP_LIMIT: /* A,lo,hi,LIMIT: A inside [lo, hi], else unknown */
		c = s[*n - 1];
		b = s[*n - 2];
		a = s[*n - 3];
		*n -= 2;
		if (op == OP_IF)
			s[*n - 1] = !isnan(a) && a != 0 ? b : c;
		else
			s[*n - 1] =
			    isnan(b) || isnan(c) || a < b || a > c ? NAN : a;
		return 0;
	default:
		break;
	}
	b = s[*n - 1]; /* binary: A,B,op */
	a = s[*n - 2];
	(*n)--;
	switch (op) {
	case OP_ADD:
		a = a + b;
		break;
	case OP_SUB:
		a = a - b;
		break;
	case OP_MUL:
		a = a * b;
		break;
	case OP_DIV:
		a = a / b;
		break;
	case OP_MOD:
		a = fmod(a, b);
		break;
	case OP_ADDNAN:
		a = isnan(a) ? b : isnan(b) ? a : a + b;
		break;
	case OP_MIN:
		a = isnan(a) || isnan(b) ? NAN : a < b ? a : b;
		break;
	case OP_MAX:
		a = isnan(a) || isnan(b) ? NAN : a > b ? a : b;
		break;
	case OP_MINNAN:
		a = isnan(a) ? b : isnan(b) ? a : a < b ? a : b;
		break;
	case OP_MAXNAN:
		a = isnan(a) ? b : isnan(b) ? a : a > b ? a : b;
		break;
	case OP_ATAN2:
		a = atan2(a, b);
		break;
	default:
		a = cmp(a, b, op);
		break;
	}
	s[*n - 1] = a;
	return 0;
}

int
cdef_eval(const char *rpn, cdef_lookup_fn lookup, void *arg, double *out)
{
	double s[STACK_MAX], v;
	char tok[TOKEN_MAX], *end;
	const char *p = rpn, *comma;
	size_t n = 0, len, i;

	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len == 0 || len >= sizeof(tok))
			goto bad;
		memcpy(tok, p, len);
		tok[len] = '\0';
		for (i = 0; i < NOPS; i++)
			if (strcmp(tok, ops[i].name) == 0)
				break;
		if (i < NOPS) {
			if (n < ops[i].pops || apply(ops[i].op, s, &n) == -1)
				goto bad;
		} else {
			v = strtod(tok, &end); /* names ("inf") are no number */
			if (strchr("0123456789.-+", tok[0]) == NULL ||
			    *end != '\0' || end == tok) {
				if (!lookup(arg, tok, &v))
					goto bad;
			}
			if (n >= STACK_MAX)
				goto bad;
			s[n++] = v;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	if (n != 1)
		goto bad;
	*out = s[0];
	return 0;
bad:
	errno = EINVAL;
	return -1;
}
