/*
 * fake_cluster: a whole simulated cluster of munin-nodes in one process,
 * for bench/scale.sh.
 *
 * usage: fake_cluster -p PHYS -g GUESTS -o HOSTS_FILE -s STATS_FILE
 *            [-P PORT] [-b OCTET] [-n PLUGINS] [-f FIELDS] [-v LVS]
 *            [-d DELAY_MS] [-l LOAD] [-i INTERVAL]
 *
 * PHYS physical hosts and GUESTS guests spread over them round robin;
 * every node listens on its own loopback address 127.B.X.Y, port PORT
 * (default 4949), B from OCTET (default 10) up.  Each node answers the
 * munin-node protocol (banner, cap, list, config, fetch, quit) with
 * PLUGINS plugins (default 15) of FIELDS GAUGE fields (default 3); a
 * physical host also has "lvs", one DERIVE field per logical volume (LVS,
 * default 60).
 *
 * Load model: a config or fetch (where a real munin-node forks a plugin)
 * is answered DELAY_MS (default 40) * (1 + LOAD * (N - 1)) ms after it
 * arrives, N the sessions open on that node's physical host at that moment
 * (its own included; LOAD default 0.5): a hypervisor's guests answer
 * slower when more of them are polled at once.  cap, list and quit are
 * answered at once.
 *
 * HOSTS_FILE gets one line per node, "NAME ADDRESS PHYSICAL", once every
 * node listens (written to a temporary name and renamed).  STATS_FILE is
 * rewritten on SIGUSR1 and on SIGTERM/SIGINT (then the process exits 0)
 * with "key value" lines: the process's own CPU from getrusage, sessions,
 * commands, bytes sent, the most sessions open at once on one physical
 * host and over all, and, with -i INTERVAL, late polls: a node's session
 * that opened more than INTERVAL + 1 s after its previous one.
 *
 * One thread, epoll, no allocation per command beyond growing a
 * connection's output buffer.  Exits 1 with a message on a setup error.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RBUF 1024

struct node {
	char name[32];
	uint32_t addr; /* host order */
	int phys;      /* index of its physical host (a physical: itself) */
	int lfd;
	uint64_t last_start; /* mono ms of its last session's start, 0: none */
	uint64_t sessions;
};

struct phys {
	unsigned active;
	unsigned peak;
};

struct conn {
	int fd;
	int node;
	char rbuf[RBUF];
	size_t rlen;
	char *out; /* unsent answer */
	size_t olen, ocap, osent;
	uint64_t due; /* mono ms the pending command is answered; 0: none */
	char cmd[RBUF];
	struct conn *next, *prev;
};

struct cluster {
	struct node *nodes;
	int nnodes, nphys;
	struct phys *phys;
	int plugins, fields, lvs;
	unsigned delay_ms;
	double load;
	unsigned interval;
	int ep;
	struct conn *conns;
	unsigned open_now, open_peak;
	uint64_t sessions, commands, bytes_out, late, max_gap_ms;
	const char *stats_file;
};

/* epoll data: a listener is its node index, a connection its pointer with
 * the low bit set (malloc'd pointers are even). */
#define IS_CONN(u) ((u)&1)

static volatile sig_atomic_t want_stats, want_exit;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_stats = 1;
	else
		want_exit = 1;
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fake_cluster: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
out_add(struct conn *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(c->out + c->olen, c->ocap - c->olen, fmt, ap);
		va_end(ap);
		if (n < 0)
			die("vsnprintf failed");
		if ((size_t)n < c->ocap - c->olen)
			break;
		c->ocap = c->ocap * 2 + (size_t)n + 64;
		if ((c->out = realloc(c->out, c->ocap)) == NULL)
			die("out of memory");
	}
	c->olen += (size_t)n;
}

static void
conn_close(struct cluster *cl, struct conn *c)
{
	cl->phys[cl->nodes[c->node].phys].active--;
	cl->open_now--;
	close(c->fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		cl->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	free(c->out);
	free(c);
}

/* Sends what is queued; 0 all sent, 1 the socket is full, -1 closed. */
static int
flush(struct cluster *cl, struct conn *c)
{
	struct epoll_event ev;
	ssize_t n;

	while (c->osent < c->olen) {
		n = send(
		    c->fd, c->out + c->osent, c->olen - c->osent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			ev.events = EPOLLIN | EPOLLOUT;
			ev.data.u64 = (uint64_t)(uintptr_t)c | 1;
			epoll_ctl(cl->ep, EPOLL_CTL_MOD, c->fd, &ev);
			return 1;
		}
		if (n < 0)
			return -1;
		c->osent += (size_t)n;
		cl->bytes_out += (uint64_t)n;
	}
	if (c->olen > 0) {
		c->olen = c->osent = 0;
		ev.events = EPOLLIN;
		ev.data.u64 = (uint64_t)(uintptr_t)c | 1;
		epoll_ctl(cl->ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
	return 0;
}

static int
plugin_index(const struct cluster *cl, const struct node *n, const char *p)
{
	int i;

	if (n->phys == n - cl->nodes && strcmp(p, "lvs") == 0)
		return cl->plugins;
	if (p[0] == 'p' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
	    p[2] <= '9' && p[3] == '\0') {
		i = (p[1] - '0') * 10 + (p[2] - '0');
		if (i < cl->plugins)
			return i;
	}
	return -1;
}

/* Appends the answer to one command line; 1: quit. */
static int
answer(struct cluster *cl, struct conn *c, char *line)
{
	const struct node *n = &cl->nodes[c->node];
	char *cmd, *arg, *save;
	int p, i;
	long t;

	cl->commands++;
	cmd = strtok_r(line, " \t\r", &save);
	arg = strtok_r(NULL, " \t\r", &save);
	if (cmd == NULL)
		return 0;
	if (strcmp(cmd, "quit") == 0)
		return 1;
	if (strcmp(cmd, "cap") == 0) {
		out_add(c, "cap multigraph dirtyconfig\n");
	} else if (strcmp(cmd, "list") == 0) {
		for (i = 0; i < cl->plugins; i++)
			out_add(c, "%sp%02d", i ? " " : "", i);
		out_add(c, "%s\n", n->phys == c->node ? " lvs" : "");
	} else if ((strcmp(cmd, "config") == 0 || strcmp(cmd, "fetch") == 0) &&
		   arg != NULL && (p = plugin_index(cl, n, arg)) >= 0) {
		t = (long)time(NULL);
		if (cmd[0] == 'c' && p == cl->plugins) {
			out_add(c, "graph_title Logical volumes\n"
				   "graph_category disk\n"
				   "graph_vlabel bytes per ${graph_period}\n");
			for (i = 0; i < cl->lvs; i++)
				out_add(c,
				    "lv%02d.label volume %d\nlv%02d.type "
				    "DERIVE\nlv%02d.min 0\n",
				    i, i, i, i);
		} else if (cmd[0] == 'c') {
			out_add(c,
			    "graph_title Plugin %s\ngraph_category test\n"
			    "graph_vlabel units\n",
			    arg);
			for (i = 0; i < cl->fields; i++)
				out_add(c, "f%d.label field %d\n", i, i);
		} else if (p == cl->plugins) {
			for (i = 0; i < cl->lvs; i++)
				out_add(c, "lv%02d.value %ld\n", i,
				    t * (i + 1) + c->node);
		} else {
			for (i = 0; i < cl->fields; i++)
				out_add(c, "f%d.value %ld.%d\n", i,
				    (t / 60 + c->node + p + i) % 1000, i);
		}
		out_add(c, ".\n");
	} else if (strcmp(cmd, "config") == 0 || strcmp(cmd, "fetch") == 0) {
		out_add(c, "# Unknown service\n.\n");
	} else {
		out_add(c, "# Unknown command. Try cap, list, nodes, config, "
			   "fetch, version or quit\n");
	}
	return 0;
}

/*
 * Takes the next complete line from the read buffer: a config or fetch
 * waits for its delay (c->due), anything else is answered now.  Returns
 * -1 when the connection is done (quit, error).
 */
static int
advance(struct cluster *cl, struct conn *c)
{
	char *nl;
	size_t len;
	unsigned active;

	while (c->due == 0 && c->olen == 0 &&
	       (nl = memchr(c->rbuf, '\n', c->rlen)) != NULL) {
		len = (size_t)(nl - c->rbuf);
		memcpy(c->cmd, c->rbuf, len);
		c->cmd[len] = '\0';
		memmove(c->rbuf, nl + 1, c->rlen - len - 1);
		c->rlen -= len + 1;
		if (strncmp(c->cmd, "config", 6) == 0 ||
		    strncmp(c->cmd, "fetch", 5) == 0) {
			active = cl->phys[cl->nodes[c->node].phys].active;
			c->due = now_ms() +
				 (uint64_t)(cl->delay_ms *
					    (1.0 + cl->load * (active - 1)));
			return 0;
		}
		if (answer(cl, c, c->cmd))
			return -1;
		if (flush(cl, c) < 0)
			return -1;
	}
	return 0;
}

static void
on_accept(struct cluster *cl, int ni)
{
	struct node *n = &cl->nodes[ni];
	struct epoll_event ev;
	struct conn *c;
	uint64_t now, gap;
	int fd;

	while ((fd = accept4(n->lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			die("out of memory");
		c->fd = fd;
		c->node = ni;
		c->next = cl->conns;
		if (cl->conns != NULL)
			cl->conns->prev = c;
		cl->conns = c;
		if (++cl->phys[n->phys].active > cl->phys[n->phys].peak)
			cl->phys[n->phys].peak = cl->phys[n->phys].active;
		if (++cl->open_now > cl->open_peak)
			cl->open_peak = cl->open_now;
		cl->sessions++;
		n->sessions++;
		now = now_ms();
		if (n->last_start != 0) {
			gap = now - n->last_start;
			if (gap > cl->max_gap_ms)
				cl->max_gap_ms = gap;
			if (cl->interval > 0 &&
			    gap > (uint64_t)cl->interval * 1000 + 1000)
				cl->late++;
		}
		n->last_start = now;
		ev.events = EPOLLIN;
		ev.data.u64 = (uint64_t)(uintptr_t)c | 1;
		if (epoll_ctl(cl->ep, EPOLL_CTL_ADD, fd, &ev) == -1)
			die("epoll_ctl: %s", strerror(errno));
		out_add(c, "# munin node at %s\n", n->name);
		if (flush(cl, c) < 0)
			conn_close(cl, c);
	}
	if (errno != EAGAIN && errno != EINTR)
		fprintf(stderr, "fake_cluster: accept: %s\n", strerror(errno));
}

static void
on_conn(struct cluster *cl, struct conn *c, uint32_t events)
{
	ssize_t n;

	if (events & EPOLLOUT) {
		if (flush(cl, c) < 0 || advance(cl, c) < 0) {
			conn_close(cl, c);
			return;
		}
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	if (c->rlen == sizeof(c->rbuf)) { /* a line longer than any command */
		conn_close(cl, c);
		return;
	}
	n = recv(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(cl, c);
		return;
	}
	c->rlen += (size_t)n;
	if (advance(cl, c) < 0)
		conn_close(cl, c);
}

/* Answers every command whose delay is over; returns the ms until the
 * next one is due (-1: none). */
static int
run_due(struct cluster *cl)
{
	struct conn *c, *next;
	uint64_t now = now_ms(), soonest = 0;

	for (c = cl->conns; c != NULL; c = next) {
		next = c->next;
		if (c->due == 0)
			continue;
		if (c->due <= now) {
			c->due = 0;
			if (answer(cl, c, c->cmd) || flush(cl, c) < 0 ||
			    advance(cl, c) < 0) {
				conn_close(cl, c);
				continue;
			}
		}
		if (c->due != 0 && (soonest == 0 || c->due < soonest))
			soonest = c->due;
	}
	if (soonest == 0)
		return -1;
	return soonest > now ? (int)(soonest - now) : 0;
}

static void
write_stats(const struct cluster *cl)
{
	struct rusage ru;
	char tmp[4096];
	unsigned peak = 0, at_peak = 0;
	FILE *f;
	int i;

	for (i = 0; i < cl->nphys; i++) {
		if (cl->phys[i].peak > peak) {
			peak = cl->phys[i].peak;
			at_peak = 0;
		}
		if (cl->phys[i].peak == peak)
			at_peak++;
	}
	getrusage(RUSAGE_SELF, &ru);
	snprintf(tmp, sizeof(tmp), "%s.tmp", cl->stats_file);
	if ((f = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "fake_cluster: %s: %s\n", tmp, strerror(errno));
		return;
	}
	fprintf(f,
	    "cpu_user_s %.3f\ncpu_sys_s %.3f\nmaxrss_kb %ld\nnodes %d\n"
	    "physical %d\nsessions %llu\ncommands %llu\nbytes_out %llu\n"
	    "open_now %u\nopen_peak %u\nphys_peak %u\nphys_at_peak %u\n"
	    "late %llu\nmax_gap_ms %llu\n",
	    (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
	    ru.ru_maxrss, cl->nnodes, cl->nphys,
	    (unsigned long long)cl->sessions, (unsigned long long)cl->commands,
	    (unsigned long long)cl->bytes_out, cl->open_now, cl->open_peak,
	    peak, at_peak, (unsigned long long)cl->late,
	    (unsigned long long)cl->max_gap_ms);
	if (fclose(f) != 0 || rename(tmp, cl->stats_file) != 0)
		fprintf(stderr, "fake_cluster: %s: %s\n", cl->stats_file,
		    strerror(errno));
}

static void
setup(struct cluster *cl, int guests, unsigned port, unsigned octet,
    const char *hosts_file)
{
	struct sockaddr_in sa;
	struct epoll_event ev;
	struct node *n;
	char tmp[4096], ip[INET_ADDRSTRLEN];
	FILE *f;
	int i, one = 1;

	cl->nnodes = cl->nphys + guests;
	cl->nodes = calloc((size_t)cl->nnodes, sizeof(*cl->nodes));
	cl->phys = calloc((size_t)cl->nphys, sizeof(*cl->phys));
	if (cl->nodes == NULL || cl->phys == NULL)
		die("out of memory");
	if ((cl->ep = epoll_create1(0)) == -1)
		die("epoll_create1: %s", strerror(errno));
	snprintf(tmp, sizeof(tmp), "%s.tmp", hosts_file);
	if ((f = fopen(tmp, "w")) == NULL)
		die("%s: %s", tmp, strerror(errno));
	for (i = 0; i < cl->nnodes; i++) {
		n = &cl->nodes[i];
		if (i < cl->nphys) {
			n->phys = i;
			snprintf(n->name, sizeof(n->name), "kvm%03d", i);
		} else {
			n->phys = (i - cl->nphys) % cl->nphys;
			snprintf(n->name, sizeof(n->name), "vm%03d-%02d",
			    n->phys, (i - cl->nphys) / cl->nphys);
		}
		n->addr = 127u << 24 |
			  (octet + (unsigned)i / (254 * 254)) << 16 |
			  ((unsigned)i / 254 % 254 + 1) << 8 |
			  ((unsigned)i % 254 + 1);
		if ((n->lfd = socket(
			 AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
			die("socket (node %d of %d; raise ulimit -n): %s", i,
			    cl->nnodes, strerror(errno));
		setsockopt(n->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)port);
		sa.sin_addr.s_addr = htonl(n->addr);
		inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
		if (bind(n->lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
			die("bind %s:%u: %s", ip, port, strerror(errno));
		if (listen(n->lfd, 64) == -1)
			die("listen %s:%u: %s", ip, port, strerror(errno));
		ev.events = EPOLLIN;
		ev.data.u64 = (uint64_t)i << 1;
		if (epoll_ctl(cl->ep, EPOLL_CTL_ADD, n->lfd, &ev) == -1)
			die("epoll_ctl: %s", strerror(errno));
		fprintf(f, "%s %s %s\n", n->name, ip, cl->nodes[n->phys].name);
	}
	if (fclose(f) != 0 || rename(tmp, hosts_file) != 0)
		die("%s: %s", hosts_file, strerror(errno));
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: fake_cluster -p PHYS -g GUESTS -o HOSTS_FILE -s "
	    "STATS_FILE [-P PORT] [-b OCTET] [-n PLUGINS] [-f FIELDS] [-v "
	    "LVS] [-d DELAY_MS] [-l LOAD] [-i INTERVAL]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct cluster cl = {
	    .plugins = 15, .fields = 3, .lvs = 60, .delay_ms = 40, .load = 0.5};
	struct epoll_event evs[256];
	struct sigaction sa;
	const char *hosts_file = NULL;
	unsigned port = 4949, octet = 10;
	int guests = -1, opt, i, n, timeout;

	while ((opt = getopt(argc, argv, "p:g:o:s:P:b:n:f:v:d:l:i:")) != -1) {
		switch (opt) {
		case 'p':
			cl.nphys = atoi(optarg);
			break;
		case 'g':
			guests = atoi(optarg);
			break;
		case 'o':
			hosts_file = optarg;
			break;
		case 's':
			cl.stats_file = optarg;
			break;
		case 'P':
			port = (unsigned)atoi(optarg);
			break;
		case 'b':
			octet = (unsigned)atoi(optarg);
			break;
		case 'n':
			cl.plugins = atoi(optarg);
			break;
		case 'f':
			cl.fields = atoi(optarg);
			break;
		case 'v':
			cl.lvs = atoi(optarg);
			break;
		case 'd':
			cl.delay_ms = (unsigned)atoi(optarg);
			break;
		case 'l':
			cl.load = atof(optarg);
			break;
		case 'i':
			cl.interval = (unsigned)atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (cl.nphys < 1 || guests < 0 || hosts_file == NULL ||
	    cl.stats_file == NULL || cl.plugins < 0 || cl.plugins > 100 ||
	    cl.fields < 0 || cl.lvs < 0 || cl.lvs > 100 || port < 1 ||
	    port > 65535 || octet < 1 ||
	    octet + (unsigned)(cl.nphys + guests) / (254 * 254) > 254 ||
	    cl.load < 0)
		usage();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setup(&cl, guests, port, octet, hosts_file);
	write_stats(&cl);
	while (!want_exit) {
		timeout = run_due(&cl);
		if (timeout < 0 || timeout > 1000)
			timeout = 1000;
		n = epoll_wait(cl.ep, evs, 256, timeout);
		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			if (IS_CONN(evs[i].data.u64))
				on_conn(&cl,
				    (struct conn *)(uintptr_t)(evs[i].data.u64 &
							       ~(uint64_t)1),
				    evs[i].events);
			else
				on_accept(&cl, (int)(evs[i].data.u64 >> 1));
		}
		if (want_stats) {
			want_stats = 0;
			write_stats(&cl);
		}
	}
	write_stats(&cl);
	return 0;
}
