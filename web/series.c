/*
 * series: rrd_fetch_r into an api_series.  librrd's rows cover
 * (start, end] after it aligned both to the archive's step: row i is the
 * time start + (i + 1) * step.
 */
#include "config.h"

#include <rrd.h>
#include <stdlib.h>
#include <string.h>

#include "web/series.h"

void
series_fetch(struct api_series *s, const char *path, const char *cf,
    time_t start, time_t end, unsigned long step, unsigned long max_rows)
{
	unsigned long ds_cnt = 0, rows, i;
	char **ds_names = NULL;
	rrd_value_t *data = NULL;

	if (step == 0)
		step = 1; /* librrd: the finest archive over the range */
	rrd_clear_error();
	if (rrd_fetch_r(path, cf, &start, &end, &step, &ds_cnt, &ds_names,
		&data) != 0) {
		s->error = strdup(rrd_get_error());
		return;
	}
	rows = step > 0 ? (unsigned long)(end - start) / step : 0;
	if (rows > max_rows)
		rows = max_rows;
	s->values = calloc(rows + 1, sizeof(double));
	if (s->values != NULL && ds_cnt > 0) {
		for (i = 0; i < rows; i++)
			s->values[i] = data[i * ds_cnt];
		s->rows = rows;
	}
	s->start = start;
	s->step = step;
	for (i = 0; i < ds_cnt; i++)
		rrd_freemem(ds_names[i]);
	rrd_freemem(ds_names);
	rrd_freemem(data);
}
