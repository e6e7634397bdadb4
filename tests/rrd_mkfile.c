/*
 * rrd_mkfile: writes one value through rrd_writer, for the Munin
 * compatibility test.  Prints the file's path.
 *
 * usage: rrd_mkfile DBDIR GROUP_PATH HOST SERVICE FIELD TYPE MIN MAX TS VALUE
 * (MIN/MAX "" or "U" for unset, TS epoch seconds, VALUE a number or "U").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "rrd/rrd_schema.h"
#include "rrd/rrd_writer.h"

int
main(int argc, char **argv)
{
	struct rrd_writer *w = NULL;
	struct rrd_writer_stats st;
	struct rrd_ds ds;
	enum ds_type type;
	char path[4096];
	bool unknown;
	int rc = 1;

	if (argc != 11 && argc != 13) {
		fprintf(stderr, "usage: rrd_mkfile DBDIR GROUP_PATH HOST "
				"SERVICE FIELD TYPE MIN MAX TS VALUE "
				"[GRAPH_DATA_SIZE UPDATE_RATE]\n");
		return 2;
	}
	if (!ds_type_parse(argv[6], &type)) {
		fprintf(stderr, "rrd_mkfile: bad type %s\n", argv[6]);
		return 2;
	}
	if (rrd_path(path, sizeof(path), argv[1], argv[2], argv[3], argv[4],
		argv[5], type) == -1 ||
	    rrd_ds_init_rate(&ds, type, argv[7], argv[8],
		argc == 13 && argv[11][0] != '\0' ? argv[11] : NULL,
		argc == 13 && argv[12][0] != '\0' ? argv[12] : NULL) == -1) {
		perror("rrd_mkfile");
		return 2;
	}
	unknown = strcmp(argv[10], "U") == 0;
	w = rrd_writer_new(NULL, 4);
	if (w == NULL) {
		perror("rrd_mkfile");
		goto out;
	}
	if (rrd_writer_submit_value(w, path, &ds,
		(time_t)strtoll(argv[9], NULL, 10), 0,
		unknown ? 0 : strtod(argv[10], NULL), unknown) == -1 ||
	    rrd_writer_flush(w) == -1)
		goto out;
	rrd_writer_stats(w, &st);
	if (st.errors != 0) {
		fprintf(stderr, "rrd_mkfile: %s\n", st.last_error);
		goto out;
	}
	printf("%s\n", path);
	rc = 0;
out:
	rrd_writer_free(w);
	return rc;
}
