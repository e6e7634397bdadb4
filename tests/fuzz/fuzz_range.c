/*
 * fuzz_range: warning/critical texts (lib/range.h) and the config value
 * readers (lib/parse.h).  The input is cut at NUL bytes: the first part
 * is read as a Munin and as a Nagios range, the second as a value.
 * Properties: a value a range does not alert on has a margin >= 0, the
 * state of a known value is never UNKNOWN, and field_state_str and
 * field_state_parse agree.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "lib/parse.h"
#include "lib/range.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static void
check_range(const struct range *r, double v)
{
	if (!range_alerts(r, v) && !isnan(v))
		fuzz_assert(
		    range_margin(r, v) >= 0 || isnan(range_margin(r, v)),
		    "no alert but a negative margin");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts p;
	struct range r;
	enum field_state fs;
	double v;
	char *end;
	unsigned u;
	bool b;

	fuzz_split(&p, data, size);
	/* the engine judges finite values only (munin_proto) */
	v = strtod(p.v[1], &end);
	if (!isfinite(v))
		v = 0;
	range_parse_munin(p.v[0], &r);
	check_range(&r, v);
	if (range_parse_nagios(p.v[0], &r))
		check_range(&r, v);
	fuzz_assert(range_state(true, v, p.v[0], p.v[2]) != FS_UNKNOWN,
	    "a known value judged UNKNOWN");
	range_state(false, v, p.v[0], NULL);
	if (field_state_parse(p.v[0], &fs))
		fuzz_assert(field_state_parse(field_state_str(fs), &fs),
		    "field_state_str unreadable");
	if (parse_uint(p.v[1], 1, 99999, &u))
		fuzz_assert(u >= 1 && u <= 99999, "parse_uint out of bounds");
	parse_bool(p.v[1], &b);
	fuzz_parts_free(&p);
	return 0;
}
