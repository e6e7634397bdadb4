/*
 * host_net: the network probes, standing in for Munin's core plugins
 * if_ and if_err_ (wildcard: one service per interface), netstat and
 * fw_conntrack (munin 2.0.73, /usr/share/munin/plugins), with their
 * service, field and attribute names byte for byte.
 *
 * The parsers below are pure functions over one file's contents (buf need
 * not be NUL-terminated and is never read past len); the service builders
 * add one service to a batch with has_config set and the values the
 * plugin's fetch prints.  Parsers return -1 (errno EINVAL) on input they
 * do not understand, leaving their output empty; builders return -1 only
 * on allocation failure (errno ENOMEM).
 */
#ifndef DROVER_HOST_NET_H
#define DROVER_HOST_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/host.h"
#include "plugins/sample.h"

/* ---- /proc/net/dev: if_ and if_err_ ------------------------------------ */

#define HOST_NET_IFNAME_MAX 64 /* bytes with the NUL; Linux allows 15 */
#define HOST_NET_DEV_COLS 16   /* numbers after "NAME:" since 2.2 */

/* Columns of a /proc/net/dev line, counted from 0. */
enum host_net_dev_col {
	NET_RX_BYTES = 0,
	NET_RX_ERRS = 2,
	NET_RX_DROP = 3, /* rx_dropped + rx_missed_errors */
	NET_TX_BYTES = 8,
	NET_TX_ERRS = 10,
	NET_TX_DROP = 11,
	NET_TX_COLLS = 13,
};

struct host_net_dev {
	char name[HOST_NET_IFNAME_MAX]; /* as the kernel spells it */
	uint64_t col[HOST_NET_DEV_COLS];
};

struct host_net_devs {
	struct host_net_dev *v;
	size_t n;
	size_t cap;
};

/*
 * /proc/net/dev: every line with a ':' is an interface, its name the text
 * before the colon (leading blanks dropped), then 16 decimal counters
 * (the colon may touch the first, as 2.4 and 2.6 kernels print large
 * ones).  Header lines have no colon.  A line with an empty or too long
 * name, fewer than 16 numbers or an overflow makes the whole file not
 * understood.  Appends to out (clean it with host_net_devs_cleanup).
 * 0 / -1 (EINVAL, or ENOMEM).
 */
int host_net_parse_dev(const char *buf, size_t len, struct host_net_devs *out);
void host_net_devs_cleanup(struct host_net_devs *d);

/*
 * True for an interface munin-node-configure would link for if_ and
 * if_err_: the plugins' "suggest" prints every /proc/net/dev name except
 * lo, greN (one digit), sitN and NAME.VLAN ([a-z0-9]+.[0-9]+), and
 * munin-node-configure keeps only names of [-A-Za-z0-9_.:].
 */
bool host_net_suggested(const char *name);

/*
 * The speed in Mb/s in a /sys/class/net/IF/speed file's contents, when
 * the if_ plugin would use it: a decimal number above 0 (the kernel
 * writes -1 for an unknown speed).  False otherwise.
 */
bool host_net_parse_speed(const char *buf, size_t len, int64_t *mbps);

/*
 * "if_" + the interface (sanitised as Munin's master names services,
 * "br-lan" -> "if_br_lan") for d: down/up bytes as DERIVE, shown as bits.
 * mbps > 0 sets up.max, down.max and the speed in up.info; otherwise
 * up.info says the speed is unknown, as the plugin running as root does.
 */
int host_net_if_add(
    struct batch *b, const struct host_net_dev *d, int64_t mbps);

/*
 * "if_err_" + the interface for d: errors, drops and collisions as
 * COUNTER.  rx_dropped, when not NULL, is the value of
 * /sys/class/net/IF/statistics/rx_dropped, which the plugin prints in
 * preference to /proc/net/dev's drop column (that one adds
 * rx_missed_errors).
 */
int host_net_if_err_add(
    struct batch *b, const struct host_net_dev *d, const uint64_t *rx_dropped);

/* ---- /proc/net/snmp: netstat ------------------------------------------- */

/*
 * /proc/net/snmp -> the multigraph sections "netstat" (active, passive,
 * failed, resets as DERIVE; established as GAUGE) and
 * "netstat_established", with the numbers `netstat -s` prints for them:
 * Tcp ActiveOpens, PassiveOpens, AttemptFails, EstabResets, CurrEstab.
 * The first two "Tcp:" lines are the header and the values; they must
 * have as many columns, each value a decimal integer.  A column missing
 * from the header gives its field the value U.  0 / -1 (EINVAL: no Tcp
 * lines or malformed, ENOMEM).
 */
int host_net_parse_snmp(const char *buf, size_t len, struct batch *b);

/* ---- /proc/net/nf_conntrack: fw_conntrack ------------------------------ */

/* The plugin's counters: entries per state, UDP, assured, NATed, all. */
struct host_net_conntrack {
	uint64_t established, fin_wait, time_wait, syn_sent;
	uint64_t udp, assured, natted, total;
};

/*
 * One line of /proc/net/nf_conntrack or ip_conntrack (without its '\n')
 * counted as the plugin counts it: every line is one entry; "udp "
 * anywhere makes it UDP, "ASSURED" anywhere assured; the word after
 * "tcp N N " its TCP state; NATed when the original tuple's source
 * differs from the reply tuple's destination or its destination from the
 * reply's source.  Never fails: a line it does not recognise is counted
 * in total only.
 */
void host_net_conntrack_line(
    const char *line, size_t len, struct host_net_conntrack *c);

/* Every line of buf, as host_net_conntrack_line. */
void host_net_parse_conntrack(
    const char *buf, size_t len, struct host_net_conntrack *c);

/*
 * "fw_conntrack" with c's counts.  max (len bytes; NULL: none) is the
 * contents of the first readable nf_conntrack_max file: when it is not
 * empty or "0", total.warning and total.critical are 80% and 90% of its
 * number, printed as Perl prints numbers.
 */
int host_net_conntrack_add(struct batch *b, const struct host_net_conntrack *c,
    const char *max, size_t maxlen);

#endif
