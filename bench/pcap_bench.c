/*
 * pcap_bench: drover's capture path on one interface, as the pcap source
 * (plugins/host_pcap, to come) runs it, for bench/pcap.sh to set against
 * tcpdump: a libpcap handle (pcap_create; snaplen, promiscuous, immediate
 * mode; the BPF filter compiled and set), a capture thread that waits on
 * the handle's selectable fd and pcap_dispatch'es into a pcap_count
 * (plugins/pcap_count.h) under a mutex, and a second thread that once a
 * second, as the loop would, takes the interval and pcap_stats under the
 * mutex and turns them into services (pcap_interval_services).
 *
 *   pcap_bench [-s SNAPLEN] [-B KIB] [-I] [-n] IF [FILTER]
 *
 * SNAPLEN defaults to libpcap's and tcpdump's 262144, KIB (the kernel ring,
 * pcap_set_buffer_size) to libpcap's 2 MiB; -I leaves immediate mode off
 * (tcpdump -w's way: the kernel wakes the reader once a ring block is
 * full); -n counts nothing (the callback returns at once), to tell the
 * capture's cost from the counting's.
 *
 * Prints "ready" on stderr once capturing, runs until SIGINT or SIGTERM,
 * then prints on stdout
 *
 *   received R dropped D ifdropped I frames F dhcp H user U sys S
 *
 * with pcap_stats' counters, the frames counted (and the DHCP messages
 * among them) and this process's CPU seconds (getrusage).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "plugins/pcap_count.h"
#include "plugins/sample.h"

struct capture {
	pcap_t *h;
	const char *ifname;
	pthread_mutex_t lock;
	struct pcap_count *count; /* under lock */
	struct pcap_interval *iv; /* the taker's */
	atomic_bool stop;
	bool nocount;
	uint64_t frames, dhcp;	      /* over the taken intervals */
	struct pcap_capture_stats st; /* the last taken */
};

static void
on_frame(u_char *arg, const struct pcap_pkthdr *ph, const u_char *bytes)
{
	struct capture *c = (struct capture *)arg;

	if (c->count == NULL)
		return;
	pcap_count_frame(c->count,
	    (uint64_t)ph->ts.tv_sec * 1000000 + (uint64_t)ph->ts.tv_usec, bytes,
	    ph->caplen, ph->len, false);
}

static void *
capture_thread(void *arg)
{
	struct capture *c = arg;
	struct pollfd pfd = {
	    .fd = pcap_get_selectable_fd(c->h), .events = POLLIN};

	while (!atomic_load(&c->stop)) {
		int n;

		/* a bounded wait, so that stop is seen */
		if (poll(&pfd, 1, 100) == -1 && errno != EINTR)
			break;
		pthread_mutex_lock(&c->lock);
		n = pcap_dispatch(c->h, -1, on_frame, (u_char *)c);
		pthread_mutex_unlock(&c->lock);
		if (n == PCAP_ERROR) {
			fprintf(stderr, "pcap_bench: %s\n", pcap_geterr(c->h));
			break;
		}
	}
	return NULL;
}

/* One interval: what the loop does once per interval. */
static int
take(struct capture *c, double seconds)
{
	struct pcap_stat ps;
	struct batch b = {0};
	int r;

	pthread_mutex_lock(&c->lock);
	if (c->nocount)
		memset(c->iv, 0, sizeof(*c->iv));
	else
		pcap_count_take(c->count, c->iv);
	if (pcap_stats(c->h, &ps) == 0) {
		c->st.has = true;
		c->st.received = ps.ps_recv;
		c->st.dropped = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	}
	pthread_mutex_unlock(&c->lock);
	c->frames += c->iv->frames;
	for (unsigned t = 0; t < PCAP_DHCP_TYPES; t++)
		c->dhcp += c->iv->dhcp[t];
	c->dhcp += c->iv->dhcp_other;
	r = pcap_interval_services(
	    c->iv, c->ifname, seconds, &c->st, NULL, 0, &b);
	batch_cleanup(&b);
	return r;
}

static void *
interval_thread(void *arg)
{
	struct capture *c = arg;
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load(&c->stop)) {
		next.tv_sec++;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
			   NULL) == EINTR)
			;
		if (take(c, 1.0) == -1)
			break;
	}
	return NULL;
}

static double
tv(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

int
main(int argc, char *argv[])
{
	char err[PCAP_ERRBUF_SIZE];
	struct capture c = {0};
	struct bpf_program prog;
	struct pcap_stat ps;
	struct rusage ru;
	pthread_t cap, ivt;
	int snaplen = 262144, immediate = 1, kib = 0, opt;
	const char *filter;
	sigset_t set;
	int sig;

	while ((opt = getopt(argc, argv, "s:B:In")) != -1) {
		if (opt == 's')
			snaplen = atoi(optarg);
		else if (opt == 'B')
			kib = atoi(optarg);
		else if (opt == 'n')
			c.nocount = true;
		else if (opt == 'I')
			immediate = 0;
		else
			return 2;
	}
	if (optind >= argc) {
		fprintf(stderr,
		    "usage: pcap_bench [-s SNAPLEN] [-B KIB] [-I] [-n] IF "
		    "[FILTER]\n");
		return 2;
	}
	c.ifname = argv[optind];
	filter = optind + 1 < argc ? argv[optind + 1] : "";
	c.h = pcap_create(c.ifname, err);
	if (c.h == NULL) {
		fprintf(stderr, "pcap_bench: %s\n", err);
		return 1;
	}
	if (pcap_set_snaplen(c.h, snaplen) != 0 ||
	    pcap_set_promisc(c.h, 1) != 0 ||
	    pcap_set_immediate_mode(c.h, immediate) != 0 ||
	    pcap_set_timeout(c.h, 100) != 0 ||
	    (kib > 0 && pcap_set_buffer_size(c.h, kib * 1024) != 0) ||
	    pcap_activate(c.h) < 0 || pcap_setnonblock(c.h, 1, err) != 0 ||
	    pcap_compile(c.h, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
	    pcap_setfilter(c.h, &prog) != 0) {
		fprintf(
		    stderr, "pcap_bench: %s: %s\n", c.ifname, pcap_geterr(c.h));
		return 1;
	}
	pcap_freecode(&prog);
	c.count = c.nocount ? NULL : pcap_count_new(NULL);
	c.iv = malloc(sizeof(*c.iv));
	if ((c.count == NULL && !c.nocount) || c.iv == NULL ||
	    pthread_mutex_init(&c.lock, NULL) != 0)
		return 1;
	/* SIGINT and SIGTERM blocked in every thread: the main one waits for
	 * them */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&cap, NULL, capture_thread, &c) != 0 ||
	    pthread_create(&ivt, NULL, interval_thread, &c) != 0)
		return 1;
	fprintf(stderr, "ready\n");
	while (sigwait(&set, &sig) != 0)
		;
	atomic_store(&c.stop, true);
	pthread_join(cap, NULL);
	pthread_join(ivt, NULL);
	/* what the last partial interval held */
	take(&c, 1.0);
	if (pcap_stats(c.h, &ps) != 0)
		memset(&ps, 0, sizeof(ps));
	getrusage(RUSAGE_SELF, &ru);
	printf("received %u dropped %u ifdropped %u frames %llu dhcp %llu "
	       "user %.3f sys %.3f\n",
	    ps.ps_recv, ps.ps_drop, ps.ps_ifdrop, (unsigned long long)c.frames,
	    (unsigned long long)c.dhcp, tv(ru.ru_utime), tv(ru.ru_stime));
	pcap_count_free(c.count);
	free(c.iv);
	pthread_mutex_destroy(&c.lock);
	pcap_close(c.h);
	return 0;
}
