/*
 * unpolled: "update no" hosts in the catalog.  See unpolled.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/unpolled.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "rrd/graph_special.h"

void
unpolled_read_datafile(const char *dbdir, struct munin_datafile *df)
{
	char path[4096], err[256], *buf = NULL;
	size_t len = 0;

	if (dbdir == NULL || snprintf(path, sizeof(path), "%s/datafile",
				 dbdir) >= (int)sizeof(path))
		return;
	if (file_read(AT_FDCWD, path, MUNIN_DATAFILE_MAX, 0, &buf, &len) ==
	    -1) {
		if (errno != ENOENT)
			log_warn("unpolled: cannot read %s", path);
		return;
	}
	if (munin_datafile_parse(buf, len, df, err, sizeof(err)) == -1) {
		log_warnx(
		    "unpolled: %s: %s; its configs are not used", path, err);
		munin_datafile_cleanup(df);
	} else
		log_debug("unpolled: %s: Munin %s, %zu hosts", path,
		    df->version, df->n);
	free(buf);
}

/* Appends a copy of every service of src to b.  0 / -1. */
static int
copy_services(struct batch *b, const struct service *v, size_t n)
{
	struct service copy;
	size_t i;

	for (i = 0; i < n; i++) {
		if (service_copy(&copy, &v[i]) == -1)
			return -1;
		if (batch_take(b, &copy) == -1) {
			service_cleanup(&copy);
			return -1;
		}
	}
	return 0;
}

/* The services of one unpolled host, as unpolled.h says. */
static void
apply_host(struct catalog *cat, struct cat_host *h, const struct conf_host *hc,
    const struct munin_datafile *df)
{
	const struct mdf_host *dh;
	const struct cat_service *old;
	struct batch b = {0}, one;
	size_t i, j;
	time_t ts;

	for (i = 0; i < h->nservices; i++)
		if (copy_services(&b, &h->services[i].svc, 1) == -1)
			goto fail;
	dh = h->nservices == 0 && df != NULL
		 ? munin_datafile_host(df, hc->group, hc->name)
		 : NULL;
	if (dh != NULL && copy_services(&b, dh->b.services, dh->b.n) == -1)
		goto fail;
	for (i = 0; i < hc->overrides.n; i++)
		if (munin_config_key(&b, hc->overrides.v[i].key,
			hc->overrides.v[i].value) == -1 &&
		    errno != EINVAL)
			goto fail;
	for (i = 0; i < b.n; i++) {
		b.services[i].has_config = true;
		for (j = 0; j < b.services[i].nfields; j++) {
			b.services[i].fields[j].has_value = false;
			b.services[i].fields[j].unknown = false;
		}
		old = cat_host_service(h, b.services[i].name);
		ts = old != NULL ? old->last_update : 0;
		one = (struct batch){.services = &b.services[i], .n = 1};
		catalog_update(cat, h, ts, &one);
	}
	/* old values would be judged as if current: none is */
	for (i = 0; i < h->nservices; i++)
		for (j = 0; j < h->services[i].svc.nfields; j++) {
			h->services[i].svc.fields[j].has_value = false;
			h->services[i].fields[j].valued = false;
			h->services[i].fields[j].has_alert = false;
		}
	batch_cleanup(&b);
	return;
fail:
	log_warnx("unpolled: %s: out of memory", hc->name);
	batch_cleanup(&b);
}

/* A polled host's services made of config lines only: those that name
 * other fields (graph_refs()); the node's own services are the poll's. */
static void
apply_virtual(
    struct catalog *cat, struct cat_host *h, const struct conf_host *hc)
{
	struct batch b = {0}, one;
	struct strlist refs = {0};
	const struct cat_service *old;
	size_t i;

	for (i = 0; i < hc->overrides.n; i++)
		if (munin_config_key(&b, hc->overrides.v[i].key,
			hc->overrides.v[i].value) == -1 &&
		    errno != EINVAL)
			goto out;
	for (i = 0; i < b.n; i++) {
		strlist_cleanup(&refs);
		if (graph_refs(&b.services[i], &refs) == -1)
			goto out;
		if (refs.n == 0)
			continue;
		old = cat_host_service(h, b.services[i].name);
		one = (struct batch){.services = &b.services[i], .n = 1};
		catalog_update(
		    cat, h, old != NULL ? old->last_update : 0, &one);
	}
out:
	strlist_cleanup(&refs);
	batch_cleanup(&b);
}

void
unpolled_apply(
    struct catalog *cat, const struct conf *c, const struct munin_datafile *df)
{
	const struct conf_host *hc;
	struct cat_host *h;
	size_t i;

	for (i = 0; i < c->nhosts; i++) {
		hc = &c->hosts[i];
		/* a host the poller placed keeps its physical host (learned
		 * ones too: a reload must not undo them) */
		h = catalog_find(cat, hc->name);
		if (h == NULL)
			h = catalog_host(
			    cat, hc->name, hc->group, hc->physical);
		h->unpolled = !hc->update;
		if (h->unpolled) {
			h->restored = false; /* it has no poll state to
						restore */
			apply_host(cat, h, hc, df);
		} else
			apply_virtual(cat, h, hc);
	}
}
