/*
 * host_pcap: the capture threads and the pcap probe (plugins/host_pcap.h).
 *
 * Why a thread per interface rather than the handle's selectable fd on
 * the loop: a probe's collect is all the loop gives a probe (no watcher
 * of its own), and a busy bridge's 100,000 frames a second would be
 * counted on the thread that also answers masters and writes RRDs.  The
 * thread polls its handle (non-blocking) and the probe's stop pipe, so
 * state_free ends it at once, and holds the interface's lock only while
 * one pcap_dispatch batch is counted (at most DISPATCH_MAX frames).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/parse.h"
#include "plugins/host_pcap.h"
#include "plugins/host_probes.h"
#include "plugins/pcap_count.h"

#define BACKOFF_MIN_MS 1000u  /* first wait before a reopen */
#define BACKOFF_MAX_MS 30000u /* the longest */
/* ms a handle must stay open (or count a frame) to reset the backoff */
#define HEALTHY_MS 30000u
/* ms between pcap_stats reads and interface checks of an idle thread */
#define TICK_MS 1000
/* frames counted per pcap_dispatch, so the lock is held briefly */
#define DISPATCH_MAX 512
/* bytes of the kernel ring: 4 MiB holds ~4000 full snaplen-1024 frames,
 * 40 ms at 100,000 frames/s, against libpcap's 2 MiB default */
#define BUFFER_BYTES (4 * 1024 * 1024)
/* pcap_set_timeout, ms: how long a ring block may wait before the thread
 * sees it.  Not immediate mode: that makes libpcap use TPACKET_V2, which
 * wakes the reader for every frame (bench/pcap.sh: 14 times tcpdump's
 * CPU and drops at 100k frames/s; without it 0.8 times and none).  The
 * latency is the kernel's timestamps', not the thread's wake-up. */
#define TIMEOUT_MS 100

struct pcap_probe;

/* One interface.  lock guards count and stats; the rest is the
 * thread's (name, pp: read-only after start). */
struct cap_if {
	struct pcap_probe *pp;
	char name[IF_NAMESIZE];
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	struct pcap_count *count;
	struct pcap_capture_stats stats;
	/* the thread's */
	pcap_t *h;
	int fd;		  /* h's selectable fd */
	unsigned ifindex; /* at open: a re-created interface has another */
	uint8_t mac[PCAP_MAC_LEN];
	bool has_mac;
	bool counted; /* a frame since the open */
};

struct pcap_probe {
	/* the configuration, copied: a change restarts the capture */
	char *interfaces, *filter, *sys;
	unsigned snaplen;
	bool promisc, ignore_outgoing;
	int stop[2]; /* pipe; readable when the threads are to end */
	struct cap_if *ifs;
	size_t nifs;
	struct pcap_interval *iv; /* collect's copy */
	uint64_t last_ms;	  /* the last take, CLOCK_MONOTONIC */
	struct vm_seen guests;	  /* the qemu guests seen, for names */
	struct host_pcap_names names;
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool
host_pcap_filter_ok(const char *filter, char *err, size_t len)
{
	struct bpf_program prog;
	pcap_t *h = pcap_open_dead(DLT_EN10MB, (int)PCAP_SNAPLEN_DEFAULT);
	bool ok;

	if (h == NULL) {
		snprintf(err, len, "out of memory");
		return false;
	}
	ok = pcap_compile(h, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) == 0;
	if (ok)
		pcap_freecode(&prog);
	else
		snprintf(err, len, "%s", pcap_geterr(h));
	pcap_close(h);
	return ok;
}

/* ---- the capture thread ------------------------------------------------ */

/* Waits ms for the stop pipe: whether the thread is to end. */
static bool
wait_stop(const struct pcap_probe *pp, unsigned ms)
{
	struct pollfd p = {.fd = pp->stop[0], .events = POLLIN};

	return poll(&p, 1, (int)ms) > 0;
}

/* The interface's MAC from SYS/class/net/IF/address, or has_mac false. */
static void
read_mac(struct cap_if *ci)
{
	char rel[64], *buf;
	uint8_t *m = ci->mac;
	size_t len;

	ci->has_mac = false;
	snprintf(rel, sizeof(rel), "class/net/%s/address", ci->name);
	if (host_read(ci->pp->sys, rel, 64, &buf, &len) == -1)
		return;
	ci->has_mac = sscanf(buf, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx", &m[0],
			  &m[1], &m[2], &m[3], &m[4], &m[5]) == 6;
	free(buf);
}

static void
set_stats(struct cap_if *ci, const struct pcap_capture_stats *st)
{
	pthread_mutex_lock(&ci->lock);
	ci->stats = *st;
	pthread_mutex_unlock(&ci->lock);
}

static void
close_handle(struct cap_if *ci)
{
	static const struct pcap_capture_stats none = {0};

	if (ci->h == NULL)
		return;
	pcap_close(ci->h);
	ci->h = NULL;
	ci->fd = -1;
	set_stats(ci, &none);
}

/* Opens ci's handle: 0, or -1 with the reason in err (PCAP_ERRBUF_SIZE). */
static int
cap_open(struct cap_if *ci, char *err)
{
	const struct pcap_probe *pp = ci->pp;
	struct bpf_program prog;
	const char *detail;
	pcap_t *h;
	int rc;

	err[0] = '\0';
	h = pcap_create(ci->name, err);
	if (h == NULL)
		return -1;
	if (pcap_set_snaplen(h, (int)pp->snaplen) != 0 ||
	    pcap_set_promisc(h, pp->promisc) != 0 ||
	    pcap_set_timeout(h, TIMEOUT_MS) != 0 ||
	    pcap_set_immediate_mode(h, 0) != 0 ||
	    pcap_set_buffer_size(h, BUFFER_BYTES) != 0) {
		snprintf(err, PCAP_ERRBUF_SIZE, "cannot set capture options");
		goto close_h;
	}
	rc = pcap_activate(h);
	if (rc < 0) {
		/* pcap_geterr may repeat the status, or be empty */
		detail = pcap_geterr(h);
		if (detail[0] == '\0' ||
		    strcmp(detail, pcap_statustostr(rc)) == 0)
			snprintf(
			    err, PCAP_ERRBUF_SIZE, "%s", pcap_statustostr(rc));
		else
			snprintf(err, PCAP_ERRBUF_SIZE, "%s (%s)",
			    pcap_statustostr(rc), detail);
		goto close_h;
	}
	if (pcap_datalink(h) != DLT_EN10MB) {
		snprintf(err, PCAP_ERRBUF_SIZE,
		    "not an Ethernet interface (link type %s)",
		    pcap_datalink_val_to_name(pcap_datalink(h)));
		goto close_h;
	}
	if (pp->filter != NULL) {
		if (pcap_compile(
			h, &prog, pp->filter, 1, PCAP_NETMASK_UNKNOWN) == -1) {
			snprintf(err, PCAP_ERRBUF_SIZE, "pcap_filter: %s",
			    pcap_geterr(h));
			goto close_h;
		}
		rc = pcap_setfilter(h, &prog);
		pcap_freecode(&prog);
		if (rc == -1) {
			snprintf(err, PCAP_ERRBUF_SIZE, "pcap_filter: %s",
			    pcap_geterr(h));
			goto close_h;
		}
	}
	if (pcap_setnonblock(h, 1, err) == -1)
		goto close_h;
	ci->fd = pcap_get_selectable_fd(h);
	if (ci->fd == -1) {
		snprintf(err, PCAP_ERRBUF_SIZE, "no selectable descriptor");
		goto close_h;
	}
	ci->ifindex = if_nametoindex(ci->name);
	read_mac(ci);
	ci->h = h;
	ci->counted = false;
	return 0;

close_h:
	pcap_close(h);
	return -1;
}

/* pcap_dispatch's callback: one frame into the count (lock held). */
static void
on_frame(u_char *user, const struct pcap_pkthdr *hd, const u_char *bytes)
{
	struct cap_if *ci = (struct cap_if *)(void *)user;
	bool out;
	uint64_t ts;

	out = ci->has_mac && hd->caplen >= 2 * PCAP_MAC_LEN &&
	      memcmp(bytes + PCAP_MAC_LEN, ci->mac, PCAP_MAC_LEN) == 0;
	ts = (uint64_t)hd->ts.tv_sec * 1000000 + (uint64_t)hd->ts.tv_usec;
	pcap_count_frame(ci->count, ts, bytes, hd->caplen, hd->len, out);
	ci->counted = true;
}

static void
read_stats(struct cap_if *ci)
{
	struct pcap_stat ps;
	struct pcap_capture_stats st = {0};

	if (pcap_stats(ci->h, &ps) == 0) {
		st.has = true;
		st.received = ps.ps_recv;
		st.dropped = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	}
	set_stats(ci, &st);
}

/*
 * Counts frames from the open handle until it fails (-1, reason in err)
 * or the stop pipe says to end (0).
 */
static int
cap_run(struct cap_if *ci, char *err)
{
	struct pollfd p[2];
	uint64_t last_tick = 0, now;
	int n;

	for (;;) {
		p[0] = (struct pollfd){.fd = ci->fd, .events = POLLIN};
		p[1] = (struct pollfd){.fd = ci->pp->stop[0], .events = POLLIN};
		if (poll(p, 2, TICK_MS) == -1 && errno != EINTR) {
			snprintf(
			    err, PCAP_ERRBUF_SIZE, "poll: %s", strerror(errno));
			return -1;
		}
		if (p[1].revents != 0)
			return 0;
		pthread_mutex_lock(&ci->lock);
		n = pcap_dispatch(ci->h, DISPATCH_MAX, on_frame, (void *)ci);
		pthread_mutex_unlock(&ci->lock);
		if (n < 0) {
			snprintf(
			    err, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(ci->h));
			return -1;
		}
		now = mono_ms();
		if (now - last_tick < TICK_MS)
			continue;
		last_tick = now;
		read_stats(ci);
		/* deleted and made again: the old handle sees nothing more,
		 * whatever libpcap noticed */
		if (n == 0 && if_nametoindex(ci->name) != ci->ifindex) {
			snprintf(
			    err, PCAP_ERRBUF_SIZE, "the interface disappeared");
			return -1;
		}
	}
}

static void *
cap_thread(void *arg)
{
	struct cap_if *ci = arg;
	unsigned backoff = BACKOFF_MIN_MS;
	char err[PCAP_ERRBUF_SIZE];
	bool lost = false, first = true;
	uint64_t opened;

	for (;;) {
		if (cap_open(ci, err) == -1) {
			if (!lost)
				log_warnx("pcap: %s: cannot capture: %s; "
					  "retrying",
				    ci->name, err);
			lost = true;
			first = false;
		} else {
			if (lost || first)
				log_info("pcap: %s: capturing%s (snaplen %u%s, "
					 "filter %s)",
				    ci->name, lost ? " again" : "",
				    ci->pp->snaplen,
				    ci->pp->promisc ? ", promiscuous" : "",
				    ci->pp->filter != NULL ? ci->pp->filter
							   : "none");
			lost = first = false;
			opened = mono_ms();
			if (cap_run(ci, err) == 0)
				break;
			log_warnx("pcap: %s: capture lost: %s; reopening",
			    ci->name, err);
			lost = true;
			if (ci->counted || mono_ms() - opened >= HEALTHY_MS)
				backoff = BACKOFF_MIN_MS;
			close_handle(ci);
		}
		if (wait_stop(ci->pp, backoff))
			break;
		backoff =
		    backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
	close_handle(ci);
	return NULL;
}

/* ---- names ------------------------------------------------------------- */

void
host_pcap_names_cleanup(struct host_pcap_names *names)
{
	free(names->v);
	free(names->text);
	*names = (struct host_pcap_names){0};
}

/* The line after p's (its end when it is the last). */
static const char *
next_line(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl != NULL ? nl + 1 : p + strlen(p);
}

/* mac is named in out already. */
static bool
names_has(const struct host_pcap_names *out, const uint8_t *mac)
{
	size_t i;

	for (i = 0; i < out->n; i++)
		if (memcmp(out->v[i].mac, mac, PCAP_MAC_LEN) == 0)
			return true;
	return false;
}

static void
names_add(struct host_pcap_names *out, const uint8_t *mac, const char *name,
    size_t len)
{
	if (names_has(out, mac))
		return;
	memcpy(out->v[out->n].mac, mac, PCAP_MAC_LEN);
	snprintf(out->text[out->n], PCAP_NAME_MAX, "%.*s", (int)len, name);
	out->v[out->n].name = out->text[out->n];
	out->n++;
}

int
host_pcap_names_build(struct host_pcap_names *out, const char *conf_names,
    const struct vm_seen *seen)
{
	const char *p, *sp;
	size_t max = 0, i, j, n;
	uint8_t mac[PCAP_MAC_LEN];
	int pass;

	host_pcap_names_cleanup(out);
	for (p = conf_names; p != NULL && *p != '\0'; p = next_line(p))
		max++;
	for (i = 0; seen != NULL && i < seen->n; i++)
		max += seen->v[i].nmacs;
	if (max == 0)
		return 0;
	out->v = calloc(max, sizeof(*out->v));
	out->text = calloc(max, sizeof(*out->text));
	if (out->v == NULL || out->text == NULL) {
		host_pcap_names_cleanup(out);
		return -1;
	}
	for (p = conf_names; p != NULL && *p != '\0'; p = next_line(p)) {
		n = strcspn(p, "\n");
		sp = memchr(p, ' ', n);
		if (sp != NULL && parse_mac(p, (size_t)(sp - p), mac))
			names_add(out, mac, sp + 1, n - (size_t)(sp + 1 - p));
	}
	for (pass = 0; pass < 2; pass++)
		for (i = 0; seen != NULL && i < seen->n; i++) {
			if (seen->v[i].running != (pass == 0))
				continue;
			for (j = 0; j < seen->v[i].nmacs; j++)
				names_add(out, seen->v[i].macs[j],
				    seen->v[i].name, strlen(seen->v[i].name));
		}
	pcap_mac_names_sort(out->v, out->n);
	return 0;
}

/* ---- the probe --------------------------------------------------------- */

static bool
str_same(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

static const char *
filter_of(const struct host_roots *r)
{
	return r->pcap_filter != NULL && r->pcap_filter[0] != '\0'
		   ? r->pcap_filter
		   : NULL;
}

static unsigned
snaplen_of(const struct host_roots *r)
{
	return r->pcap_snaplen != 0 ? r->pcap_snaplen : PCAP_SNAPLEN_DEFAULT;
}

static bool
same_conf(const struct pcap_probe *pp, const struct host_roots *r)
{
	return str_same(pp->interfaces, r->pcap_interfaces) &&
	       str_same(pp->filter, filter_of(r)) &&
	       str_same(pp->sys, r->sys) && pp->snaplen == snaplen_of(r) &&
	       pp->promisc == r->pcap_promisc &&
	       pp->ignore_outgoing == r->pcap_ignore_outgoing;
}

#define BLANKS " \t,"

static bool
any_interface(const char *s)
{
	return s != NULL && s[strspn(s, BLANKS)] != '\0';
}

static void
probe_free(void *state)
{
	struct pcap_probe *pp = state;
	size_t i;

	if (pp == NULL)
		return;
	if (pp->stop[1] != -1 && write(pp->stop[1], "x", 1) == -1)
		log_warn("pcap: cannot stop the capture threads");
	for (i = 0; i < pp->nifs; i++) {
		if (pp->ifs[i].started)
			pthread_join(pp->ifs[i].thread, NULL);
		pthread_mutex_destroy(&pp->ifs[i].lock);
		pcap_count_free(pp->ifs[i].count);
	}
	if (pp->stop[0] != -1)
		close(pp->stop[0]);
	if (pp->stop[1] != -1)
		close(pp->stop[1]);
	free(pp->ifs);
	free(pp->iv);
	vm_seen_cleanup(&pp->guests);
	host_pcap_names_cleanup(&pp->names);
	free(pp->interfaces);
	free(pp->filter);
	free(pp->sys);
	free(pp);
}

/* The interfaces of r->pcap_interfaces into pp->ifs (counters made,
 * threads not started).  0 / -1 (ENOMEM). */
static int
add_interfaces(struct pcap_probe *pp, const struct host_roots *r)
{
	const struct pcap_count_opts opts = {
	    .ignore_outgoing = r->pcap_ignore_outgoing};
	const char *p = r->pcap_interfaces;
	struct cap_if *ci;
	size_t n, i;

	pp->ifs = calloc(PCAP_INTERFACES_MAX, sizeof(*pp->ifs));
	if (pp->ifs == NULL)
		return -1;
	for (;;) {
		p += strspn(p, BLANKS);
		n = strcspn(p, BLANKS);
		if (n == 0)
			break;
		if (n >= IF_NAMESIZE || pp->nifs == PCAP_INTERFACES_MAX) {
			log_warnx("pcap: %.*s: not an interface name, or too "
				  "many interfaces: left out",
			    (int)n, p);
			p += n;
			continue;
		}
		ci = &pp->ifs[pp->nifs];
		memcpy(ci->name, p, n);
		ci->name[n] = '\0';
		p += n;
		for (i = 0; i < pp->nifs; i++)
			if (strcmp(pp->ifs[i].name, ci->name) == 0)
				break;
		if (i < pp->nifs)
			continue; /* named twice */
		ci->pp = pp;
		ci->fd = -1;
		ci->count = pcap_count_new(&opts);
		if (ci->count == NULL)
			return -1;
		pthread_mutex_init(&ci->lock, NULL);
		pp->nifs++;
	}
	return 0;
}

/* The capture of r's interfaces, its threads started; NULL (logged). */
static struct pcap_probe *
probe_new(const struct host_roots *r)
{
	struct pcap_probe *pp = calloc(1, sizeof(*pp));
	sigset_t all, old;
	size_t i;
	int rc;

	if (pp == NULL)
		goto fail;
	pp->stop[0] = pp->stop[1] = -1;
	pp->interfaces = strdup(r->pcap_interfaces);
	pp->filter = filter_of(r) != NULL ? strdup(filter_of(r)) : NULL;
	pp->sys = strdup(r->sys != NULL ? r->sys : "/sys");
	pp->snaplen = snaplen_of(r);
	pp->promisc = r->pcap_promisc;
	pp->ignore_outgoing = r->pcap_ignore_outgoing;
	pp->iv = malloc(sizeof(*pp->iv));
	if (pp->interfaces == NULL || pp->sys == NULL || pp->iv == NULL ||
	    (filter_of(r) != NULL && pp->filter == NULL) ||
	    add_interfaces(pp, r) == -1)
		goto fail;
	if (pipe2(pp->stop, O_CLOEXEC) == -1)
		goto fail;
	pp->last_ms = mono_ms();
	/* the loop's signals are the loop's: the threads take none */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < pp->nifs; i++) {
		rc = pthread_create(
		    &pp->ifs[i].thread, NULL, cap_thread, &pp->ifs[i]);
		if (rc != 0) {
			errno = rc;
			log_warn(
			    "pcap: %s: no capture thread", pp->ifs[i].name);
			continue;
		}
		pp->ifs[i].started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return pp;

fail:
	log_warn("pcap");
	probe_free(pp);
	return NULL;
}

static int
collect_pcap(const struct host_roots *r, void **state, struct batch *b)
{
	struct pcap_probe *pp = *state;
	struct pcap_capture_stats st;
	struct cap_if *ci;
	uint64_t now;
	double seconds;
	size_t i;
	int rc = 0;

	if (pp != NULL && !same_conf(pp, r)) {
		log_info("pcap: the configuration changed: capture restarted");
		probe_free(pp);
		*state = pp = NULL;
	}
	if (!any_interface(r->pcap_interfaces))
		return 0;
	if (pp == NULL) {
		pp = probe_new(r);
		if (pp == NULL)
			return -1;
		*state = pp;
	}
	now = mono_ms();
	seconds = (double)(now - pp->last_ms) / 1000.0;
	pp->last_ms = now;
	/* without names (a failed scan or ENOMEM) fields are mac_...: the
	 * counts still go out */
	if (r->proc != NULL && vm_scan(r, &pp->guests) == -1)
		log_warnx(
		    "pcap: the qemu guests not read: names may be missing");
	if (host_pcap_names_build(&pp->names, r->pcap_names, &pp->guests) == -1)
		log_warn("pcap: names");
	for (i = 0; i < pp->nifs; i++) {
		ci = &pp->ifs[i];
		pthread_mutex_lock(&ci->lock);
		pcap_count_take(ci->count, pp->iv);
		st = ci->stats;
		pthread_mutex_unlock(&ci->lock);
		if (pcap_interval_services(pp->iv, ci->name, seconds, &st,
			pp->names.v, pp->names.n, b) == -1) {
			log_warn("pcap: %s", ci->name);
			rc = -1;
		}
	}
	return rc;
}

const struct host_probe probe_pcap = {
    .name = "pcap",
    .multigraph = true,
    .collect = collect_pcap,
    .state_free = probe_free,
};
