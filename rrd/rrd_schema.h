/*
 * rrd_schema: Munin 2.0.73's RRD file layout, as pure functions.
 *
 * File names and rrd_create arguments are those of Munin::Master::
 * UpdateWorker (_get_rrd_file_name, _create_rrd_file), so that drover and
 * munin-update can take turns on one dbdir.  Nothing here touches a file.
 */
#ifndef DROVER_RRD_SCHEMA_H
#define DROVER_RRD_SCHEMA_H

#include <stddef.h>
#include <time.h>

#include "plugins/sample.h"

/* Munin names the single data source of every file "42". */
#define RRD_DS_NAME "42"
/* Step of every 'normal' and 'huge' file, seconds (Munin hard-codes it). */
#define RRD_STEP_MUNIN 300

/* Munin's graph_data_size. */
enum rrd_size {
	RRD_SIZE_NORMAL, /* 12 RRAs: 5 min, 30 min, 2 h, 1 d */
	RRD_SIZE_HUGE,	 /* 3 RRAs of 5 min for 400 days */
	RRD_SIZE_CUSTOM	 /* 'custom ...': the resolutions in rrd_ds.rra */
};

/* The most resolutions a 'custom' graph_data_size may list. */
#define RRD_CUSTOM_MAX 8

struct rrd_ds {
	enum ds_type type;
	char min[32];	    /* "U" or a decimal number, as the field's "min" */
	char max[32];	    /* "U" or a decimal number, as the field's "max" */
	unsigned step;	    /* seconds per PDP; heartbeat is 2 * step */
	enum rrd_size size; /* which RRAs the file gets */
	unsigned nrra;	    /* RRD_SIZE_CUSTOM: resolutions in rra */
	struct {
		unsigned steps; /* PDPs per row */
		unsigned rows;	/* rows, Munin's extra 10 % included */
	} rra[RRD_CUSTOM_MAX];
};

/*
 * Fills ds from a field's Munin attributes.  min/max NULL or "" mean "U";
 * anything else must be a plain decimal number (no ':' can reach the DS
 * definition).  graph_data_size NULL means "normal".  The step is 300 s
 * whatever the plugin's update_rate: Munin 2.0.73 overrides update_rate
 * with 300 for 'normal' and 'huge' and uses it only for 'custom'.
 * Returns 0, or -1 with errno EINVAL (bad min/max/size) or ENOTSUP
 * ('custom ...', which needs rrd_ds_init_rate()).
 */
int rrd_ds_init(struct rrd_ds *ds, enum ds_type type, const char *min,
    const char *max, const char *graph_data_size);

/*
 * rrd_ds_init() with the update_rate Munin looks up beside
 * graph_data_size (field, service, global; NULL: 300 s), as
 * UpdateWorker::_create_rrd_file and parse_custom_resolution use it:
 * for 'custom' the step is update_rate and each comma-separated
 * resolution becomes an AVERAGE, MIN and MAX RRA with 10 % more rows
 * (at least one more).  The first is the full resolution, "N" rows or
 * a duration ("1d"); the others are "STEPS ROWS" or "DURATION for
 * DURATION" ("5m for 2d": PDPs of update_rate per 5 minutes, for two
 * days).  Durations and update_rate are digits with an optional unit s,
 * m, h, d, w, t (31 d) or y (365 d), update_rate also with " aligned".
 * Returns 0, or -1 with errno EINVAL: a malformed or zero update_rate or
 * resolution, more than RRD_CUSTOM_MAX of them, a resolution finer than
 * the step, or more than 10 million rows in one.
 */
int rrd_ds_init_rate(struct rrd_ds *ds, enum ds_type type, const char *min,
    const char *max, const char *graph_data_size, const char *update_rate);

/* The most arguments rrd_create_args() produces (DS plus the RRAs). */
#define RRD_CREATE_ARGV_MAX (1 + 3 * RRD_CUSTOM_MAX)

/* Arguments for rrd_create_r(path, step, start, argc, argv). */
struct rrd_create_args {
	unsigned long step; /* seconds */
	time_t start;	    /* epoch seconds: first_ts - step, as Munin */
	int argc;
	const char *argv[RRD_CREATE_ARGV_MAX]; /* point into ds_def,
						  rra_def or .rodata */
	char ds_def[128];		       /* "DS:42:TYPE:HB:MIN:MAX" */
	char rra_def[3 * RRD_CUSTOM_MAX][48];  /* a custom size's RRAs */
};

/*
 * Builds the arguments Munin passes to RRDs::create for ds, for a file
 * whose first value is at first_ts (epoch seconds).  out is
 * self-contained and needs no cleanup.  Returns 0, or -1 with errno
 * EINVAL when ds is malformed.
 */
int rrd_create_args(
    struct rrd_create_args *out, const struct rrd_ds *ds, time_t first_ts);

/*
 * Munin's group for a host section named without ';'
 * (Config::_extract_group_name_from_definition): "foo.example.com" ->
 * "example.com", "foo" -> "foo".  Writes into out.  Returns 0, or -1 with
 * errno ENAMETOOLONG.
 */
int rrd_host_group(char *out, size_t outlen, const char *host);

/*
 * The file of one field: "dbdir/GROUP_PATH/HOST-SERVICE-FIELD-t.rrd".
 * group_path is the host's group chain joined with '/'; ';' and ':' in
 * it and in host become '/' as in Munin.  Dots in service (multigraph
 * children) become '-'; t is the first letter of the type, lower case.
 * Names arrive from the network, so every directory component must be
 * non-empty and neither "." nor ".."; host, service and field must not
 * contain '/'.  dbdir is trusted.  Returns 0, or -1 with errno EINVAL
 * (refused name) or ENAMETOOLONG (does not fit in outlen).
 */
int rrd_path(char *out, size_t outlen, const char *dbdir,
    const char *group_path, const char *host, const char *service,
    const char *field, enum ds_type type);

#endif
