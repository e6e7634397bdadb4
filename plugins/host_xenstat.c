/*
 * host_xenstat: the xen probe's domains read through libxenstat
 * (plugins/host_xenstat.h), the library xentop itself prints from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstat.h>

#include "plugins/host_xenstat.h"

bool
xenstat_available(void)
{
	return true;
}

/* The domain d into x, as xentop would print it. */
static void
dom_read(xenstat_domain *d, struct xen_dom *x)
{
	xenstat_network *net;
	xenstat_vbd *vbd;
	unsigned i, ok = 0;
	const char *name = xenstat_domain_name(d);

	memset(x, 0, sizeof(*x));
	snprintf(x->name, sizeof(x->name), "%s", name != NULL ? name : "");
	x->domid = (int)xenstat_domain_id(d);
	x->present = x->known = true;
	x->running = !xenstat_domain_paused(d) && !xenstat_domain_shutdown(d) &&
		     !xenstat_domain_crashed(d) && !xenstat_domain_dying(d);
	x->cpu_cs = xenstat_domain_cpu_ns(d) / 10000000u;
	x->mem = xenstat_domain_cur_mem(d);
	x->vcpus = xenstat_domain_num_vcpus(d);
	x->nets = xenstat_domain_num_networks(d);
	for (i = 0; i < x->nets; i++) {
		net = xenstat_domain_network(d, i);
		if (net == NULL)
			continue;
		/* the backend's rx is what the domain sent */
		x->net_rx += xenstat_network_tbytes(net);
		x->net_tx += xenstat_network_rbytes(net);
	}
	x->has_net = true;
	x->vbds = xenstat_domain_num_vbds(d);
	for (i = 0; i < x->vbds; i++) {
		vbd = xenstat_domain_vbd(d, i);
		if (vbd == NULL || xenstat_vbd_error(vbd))
			continue;
		ok++;
		x->rd_req += xenstat_vbd_rd_reqs(vbd);
		x->wr_req += xenstat_vbd_wr_reqs(vbd);
		x->rd_sect += xenstat_vbd_rd_sects(vbd);
		x->wr_sect += xenstat_vbd_wr_sects(vbd);
	}
	/* as xentop: no VBD is nothing to read, all in error is unknown */
	x->has_disk = x->has_sect = x->vbds == 0 || ok > 0;
}

int
xenstat_read(struct xen_dom **out, size_t *n)
{
	xenstat_handle *h;
	xenstat_node *node = NULL;
	xenstat_domain *d;
	struct xen_dom *v = NULL;
	unsigned i, nd;
	size_t k = 0;
	int rc = -1;

	*out = NULL;
	*n = 0;
	h = xenstat_init();
	if (h == NULL) {
		errno = EIO;
		return -1;
	}
	node = xenstat_get_node(h, XENSTAT_ALL);
	if (node == NULL) {
		errno = EIO;
		goto out;
	}
	nd = xenstat_node_num_domains(node);
	if (nd > 0) {
		v = calloc(nd, sizeof(*v));
		if (v == NULL)
			goto out;
	}
	for (i = 0; i < nd; i++) {
		d = xenstat_node_domain_by_index(node, i);
		if (d != NULL)
			dom_read(d, &v[k++]);
	}
	*out = v;
	*n = k;
	v = NULL;
	rc = 0;
out:
	free(v);
	if (node != NULL)
		xenstat_free_node(node);
	xenstat_uninit(h);
	return rc;
}
