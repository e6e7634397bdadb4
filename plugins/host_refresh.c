/*
 * host_refresh: the refresh step of the probes over a probe table
 * (host_refresh.h).
 *
 * One handle per call: a slot for each refresh started, counted down by
 * the probes' own done callbacks; the last one calls the caller's done
 * and frees the handle.  A probe calls its done from the loop and never
 * from within refresh, so the caller's done never runs within
 * host_refresh_start either.  No timer of its own: a probe's commands
 * carry probe_command_timeout (plugins/host_cmd), which bounds a refresh.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "plugins/host_refresh.h"

struct refresh_slot {
	struct host_refresh *h;
	const struct host_probe *p;
	void *const *state; /* the probe's slot in the caller's states */
	bool running;
};

struct host_refresh {
	host_refresh_cb done;
	void *arg;
	size_t running; /* slots whose refresh has not ended */
	size_t n;
	struct refresh_slot slots[];
};

static void
on_probe_done(void *arg)
{
	struct refresh_slot *s = arg;
	struct host_refresh *h = s->h;

	s->running = false;
	if (--h->running > 0)
		return;
	h->done(h->arg);
	free(h);
}

/* *failed: how many refreshes could not start. */
static struct host_refresh *
start(uv_loop_t *loop, const struct host_probe *const *probes, size_t nprobes,
    const struct host_roots *r, void **states, size_t only,
    host_refresh_cb done, void *arg, size_t *failed)
{
	struct host_refresh *h;
	size_t i, n = 0, lo = 0, hi = nprobes;

	*failed = 0;
	if (only != HOST_REFRESH_ALL) {
		if (only >= nprobes)
			return NULL;
		lo = only;
		hi = only + 1;
	}
	for (i = lo; i < hi; i++)
		if (probes[i]->refresh != NULL)
			n++;
	if (n == 0)
		return NULL;
	h = calloc(1, sizeof(*h) + n * sizeof(h->slots[0]));
	if (h == NULL) {
		log_warn("host: refresh");
		*failed = n;
		return NULL;
	}
	h->done = done;
	h->arg = arg;
	/* counted up front: a probe never calls done within refresh, but
	 * the count must not reach 0 before the last one started */
	for (i = lo; i < hi; i++) {
		struct refresh_slot *s;

		if (probes[i]->refresh == NULL)
			continue;
		s = &h->slots[h->n++];
		s->h = h;
		s->p = probes[i];
		s->state = &states[i];
		s->running = true;
		h->running++;
		if (probes[i]->refresh(loop, r, &states[i], on_probe_done, s) ==
		    -1) {
			s->running = false;
			h->running--;
			(*failed)++;
		}
	}
	if (h->running == 0) {
		free(h);
		return NULL;
	}
	return h;
}

struct host_refresh *
host_refresh_start_probes(uv_loop_t *loop,
    const struct host_probe *const *probes, size_t nprobes,
    const struct host_roots *r, void **states, size_t only,
    host_refresh_cb done, void *arg)
{
	size_t failed;

	return start(
	    loop, probes, nprobes, r, states, only, done, arg, &failed);
}

struct host_refresh *
host_refresh_start(uv_loop_t *loop, const struct host_roots *r, void **states,
    size_t only, host_refresh_cb done, void *arg)
{
	return host_refresh_start_probes(
	    loop, host_probes, host_nprobes, r, states, only, done, arg);
}

void
host_refresh_cancel(struct host_refresh *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->slots[i].running)
			h->slots[i].p->refresh_cancel(*h->slots[i].state);
	free(h);
}

static void
on_run_done(void *arg)
{
	bool *ended = arg;

	*ended = true;
}

int
host_refresh_run_probes(const struct host_probe *const *probes, size_t nprobes,
    const struct host_roots *r, void **states, size_t only)
{
	uv_loop_t loop;
	struct host_refresh *h;
	bool ended = false;
	size_t failed;
	int rc;

	rc = uv_loop_init(&loop);
	if (rc != 0) {
		log_warnx("host: refresh: %s", uv_strerror(rc));
		return -1;
	}
	h = start(&loop, probes, nprobes, r, states, only, on_run_done, &ended,
	    &failed);
	/* on past the refreshes' end: until the commands they killed are
	 * reaped and every handle is closed */
	uv_run(&loop, UV_RUN_DEFAULT);
	if (h != NULL && !ended) {
		/* a probe left the loop without calling done */
		log_warnx("host: refresh: a probe did not end its refresh");
		host_refresh_cancel(h);
		uv_run(&loop, UV_RUN_DEFAULT);
		failed++;
	}
	rc = uv_loop_close(&loop);
	if (rc != 0)
		log_warnx("host: refresh: loop: %s", uv_strerror(rc));
	return failed > 0 || rc != 0 ? -1 : 0;
}

int
host_refresh_run(const struct host_roots *r, void **states, size_t only)
{
	return host_refresh_run_probes(
	    host_probes, host_nprobes, r, states, only);
}

/* ---- roots ------------------------------------------------------------ */

/* *dst = a copy of src (NULL stays NULL); false on ENOMEM. */
static bool
dup_str(const char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return true;
	*dst = strdup(src);
	return *dst != NULL;
}

int
host_roots_dup(struct host_roots *out, const struct host_roots *r)
{
	bool ok = true;

	*out = (struct host_roots){
	    .command_timeout_ms = r->command_timeout_ms,
	    .pcap_snaplen = r->pcap_snaplen,
	    .pcap_promisc = r->pcap_promisc,
	    .pcap_ignore_outgoing = r->pcap_ignore_outgoing,
	    .runner = r->runner,
	};
	ok &= dup_str(&out->proc, r->proc);
	ok &= dup_str(&out->sys, r->sys);
	ok &= dup_str(&out->utmp, r->utmp);
	ok &= dup_str(&out->cgroup, r->cgroup);
	ok &= dup_str(&out->lvs_command, r->lvs_command);
	ok &= dup_str(&out->lvm_archive_dir, r->lvm_archive_dir);
	ok &= dup_str(&out->lvm_backup_dir, r->lvm_backup_dir);
	ok &= dup_str(&out->xl_command, r->xl_command);
	ok &= dup_str(&out->xentop_command, r->xentop_command);
	ok &= dup_str(&out->pcap_interfaces, r->pcap_interfaces);
	ok &= dup_str(&out->pcap_filter, r->pcap_filter);
	ok &= dup_str(&out->pcap_names, r->pcap_names);
	if (!ok) {
		host_roots_cleanup(out);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
host_roots_cleanup(struct host_roots *r)
{
	free((char *)r->proc);
	free((char *)r->sys);
	free((char *)r->utmp);
	free((char *)r->cgroup);
	free((char *)r->lvs_command);
	free((char *)r->lvm_archive_dir);
	free((char *)r->lvm_backup_dir);
	free((char *)r->xl_command);
	free((char *)r->xentop_command);
	free((char *)r->pcap_interfaces);
	free((char *)r->pcap_filter);
	free((char *)r->pcap_names);
	*r = (struct host_roots){0};
}
