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

/* Munin's graph_data_size; 'custom ...' is not supported. */
enum rrd_size {
	RRD_SIZE_NORMAL, /* 12 RRAs: 5 min, 30 min, 2 h, 1 d */
	RRD_SIZE_HUGE	 /* 3 RRAs of 5 min for 400 days */
};

struct rrd_ds {
	enum ds_type type;
	char min[32];	    /* "U" or a decimal number, as the field's "min" */
	char max[32];	    /* "U" or a decimal number, as the field's "max" */
	unsigned step;	    /* seconds per PDP; heartbeat is 2 * step */
	enum rrd_size size; /* which RRAs the file gets */
};

/*
 * Fills ds from a field's Munin attributes.  min/max NULL or "" mean "U";
 * anything else must be a plain decimal number (no ':' can reach the DS
 * definition).  graph_data_size NULL means "normal".  The step is 300 s
 * whatever the plugin's update_rate: Munin 2.0.73 overrides update_rate
 * with 300 for 'normal' and 'huge' and uses it only for 'custom'.
 * Returns 0, or -1 with errno EINVAL (bad min/max/size) or ENOTSUP
 * ('custom ...').
 */
int rrd_ds_init(struct rrd_ds *ds, enum ds_type type, const char *min,
    const char *max, const char *graph_data_size);

/* The most arguments rrd_create_args() produces (DS plus 12 RRAs). */
#define RRD_CREATE_ARGV_MAX 13

/* Arguments for rrd_create_r(path, step, start, argc, argv). */
struct rrd_create_args {
	unsigned long step; /* seconds */
	time_t start;	    /* epoch seconds: first_ts - step, as Munin */
	int argc;
	const char
	    *argv[RRD_CREATE_ARGV_MAX]; /* point into ds_def or .rodata */
	char ds_def[128];		/* "DS:42:TYPE:HB:MIN:MAX" */
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
