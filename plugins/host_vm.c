/*
 * host_vm: the qemu guests of this machine (plugins/host_vm.h): the
 * command line, cgroup and /proc parsers, the guests seen, the services.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/parse.h"
#include "plugins/host_disk.h"
#include "plugins/host_vm.h"

#define SMALL_MAX 4096 /* bytes read of a /proc or cgroup file */
#define NET_DEV_MAX (256 * 1024)
#define CGROUP_DEFAULT "/sys/fs/cgroup"

/* ---- small helpers ----------------------------------------------------- */

static bool
span_eq(const char *p, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(p, s, n) == 0;
}

static bool
span_prefix(const char *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	return n >= k && memcmp(p, s, k) == 0;
}

/* Copies p[0, n) into out (size outlen), truncating. */
static void
span_copy(const char *p, size_t n, char *out, size_t outlen)
{
	if (outlen == 0)
		return;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/*
 * root/rel into buf (size max, NUL-terminated; a longer file is cut
 * silently: the parsers read the head).  0 / -1 with errno.
 */
static int
read_small(
    const char *root, const char *rel, char *buf, size_t max, size_t *lenp)
{
	char path[PATH_MAX];
	size_t len = 0;
	ssize_t r;
	int fd, n, saved;

	n = snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	while (len + 1 < max) {
		r = read(fd, buf + len, max - 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return 0;
}

/* The basename of argv[0] names a qemu. */
static bool
is_qemu_binary(const char *p, size_t n)
{
	const char *slash = memrchr(p, '/', n);

	if (slash != NULL) {
		n -= (size_t)(slash + 1 - p);
		p = slash + 1;
	}
	return (span_prefix(p, n, "qemu-system-") && n > 12) ||
	       span_eq(p, n, "qemu-kvm") || span_eq(p, n, "kvm");
}

bool
vm_comm_is_qemu(const char *buf, size_t len)
{
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	return (span_prefix(buf, len, "qemu-system-") && len > 12) ||
	       span_eq(buf, len, "qemu-kvm") ||
	       (span_prefix(buf, len, "qemu:") && len > 5) ||
	       span_eq(buf, len, "kvm");
}

/* ---- qemu options ------------------------------------------------------ */

/* The end of the element at opts[i]: the first ',' not part of ",,". */
static size_t
elem_end(const char *opts, size_t len, size_t i)
{
	while (i < len) {
		if (opts[i] == ',') {
			if (i + 1 < len && opts[i + 1] == ',') {
				i += 2;
				continue;
			}
			return i;
		}
		i++;
	}
	return len;
}

/* p[0, n) with ",," made ',' into out (size outlen, truncated). */
static void
unescape(const char *p, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	if (outlen == 0)
		return;
	for (i = 0; i < n && o + 1 < outlen; i++) {
		out[o++] = p[i];
		if (p[i] == ',' && i + 1 < n && p[i + 1] == ',')
			i++;
	}
	out[o] = '\0';
}

bool
vm_opt_get(const char *opts, size_t len, const char *key, const char *first_key,
    char *out, size_t outlen)
{
	const char *e, *eq;
	size_t i = 0, end;
	bool first = true;

	while (i <= len) {
		end = elem_end(opts, len, i);
		e = opts + i;
		eq = memchr(e, '=', end - i);
		if (eq == NULL && first && first_key != NULL &&
		    strcmp(key, first_key) == 0 && end > i) {
			unescape(e, end - i, out, outlen);
			return true;
		}
		if (eq != NULL && span_eq(e, (size_t)(eq - e), key)) {
			unescape(
			    eq + 1, (size_t)(opts + end - eq - 1), out, outlen);
			return true;
		}
		first = false;
		i = end + 1;
	}
	return false;
}

/*
 * The string or number value of "key" in a JSON object text (libvirt's
 * -netdev {"type":"tap","fd":"35",...}); no nesting is looked into.
 */
static bool
json_get(const char *p, size_t len, const char *key, char *out, size_t outlen)
{
	char pat[64];
	const char *q, *end = p + len, *v;
	size_t k;

	k = (size_t)snprintf(pat, sizeof(pat), "\"%s\"", key);
	if (k >= sizeof(pat))
		return false;
	for (q = p; (size_t)(end - q) >= k; q++) {
		if (memcmp(q, pat, k) != 0)
			continue;
		q += k;
		while (q < end && (*q == ' ' || *q == ':'))
			q++;
		if (q < end && *q == '"') {
			v = ++q;
			while (q < end && *q != '"')
				q++;
		} else {
			v = q;
			while (q < end && *q != ',' && *q != '}' && *q != ' ')
				q++;
		}
		span_copy(v, (size_t)(q - v), out, outlen);
		return true;
	}
	return false;
}

static int
parse_fd(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || v > INT_MAX || (*end != '\0' && *end != ':'))
		return -1;
	return (int)v;
}

/* A -netdev/-nic/-net value: a tap with ifname or fd into out. */
static void
netdev_add(const char *v, size_t n, struct vm_cmdline *out)
{
	char type[16] = "", ifname[VM_IFNAME_MAX] = "", fd[32] = "";
	struct vm_tap *t;

	if (out->ntaps == VM_TAPS_MAX)
		return;
	if (n > 0 && v[0] == '{') {
		if (!json_get(v, n, "type", type, sizeof(type)))
			return;
		json_get(v, n, "ifname", ifname, sizeof(ifname));
		if (!json_get(v, n, "fd", fd, sizeof(fd)))
			json_get(v, n, "fds", fd, sizeof(fd));
	} else {
		span_copy(v, elem_end(v, n, 0), type, sizeof(type));
		vm_opt_get(v, n, "ifname", NULL, ifname, sizeof(ifname));
		if (!vm_opt_get(v, n, "fd", NULL, fd, sizeof(fd)))
			vm_opt_get(v, n, "fds", NULL, fd, sizeof(fd));
	}
	if (strcmp(type, "tap") != 0)
		return;
	t = &out->taps[out->ntaps];
	snprintf(t->ifname, sizeof(t->ifname), "%s", ifname);
	t->fd = ifname[0] == '\0' ? parse_fd(fd) : -1;
	if (t->ifname[0] != '\0' || t->fd >= 0)
		out->ntaps++;
}

/* The MAC text m into out's MACs, once. */
static void
mac_add(const char *m, struct vm_cmdline *out)
{
	uint8_t mac[VM_MAC_LEN];
	size_t i;

	if (!parse_mac(m, strlen(m), mac))
		return;
	for (i = 0; i < out->nmacs; i++)
		if (memcmp(out->macs[i], mac, VM_MAC_LEN) == 0)
			return;
	if (out->nmacs == VM_MACS_MAX)
		return;
	memcpy(out->macs[out->nmacs++], mac, VM_MAC_LEN);
}

/*
 * A -device, -nic or -net value (opt names which): its NIC's MAC.
 * -device and -nic say mac=, -net nic says macaddr=.
 */
static void
nic_mac_add(const char *opt, size_t optn, const char *v, size_t n,
    struct vm_cmdline *out)
{
	char type[16] = "", mac[32];

	if (span_eq(opt, optn, "-net")) {
		span_copy(v, elem_end(v, n, 0), type, sizeof(type));
		if (strcmp(type, "nic") == 0 &&
		    vm_opt_get(v, n, "macaddr", NULL, mac, sizeof(mac)))
			mac_add(mac, out);
		return;
	}
	if (n > 0 && v[0] == '{') {
		if (json_get(v, n, "mac", mac, sizeof(mac)))
			mac_add(mac, out);
	} else if (vm_opt_get(v, n, "mac", NULL, mac, sizeof(mac)))
		mac_add(mac, out);
}

static unsigned
parse_count(const char *s)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65536)
		return 0;
	return (unsigned)v;
}

/* -smp [cpus=]N[,sockets=S,dies=D,cores=C,threads=T] */
static unsigned
smp_count(const char *v, size_t n)
{
	static const char *const topo[] = {
	    "sockets", "dies", "clusters", "cores", "threads"};
	char val[32];
	unsigned c, prod = 1;
	bool any = false;
	size_t i;

	if (vm_opt_get(v, n, "cpus", "cpus", val, sizeof(val)) &&
	    (c = parse_count(val)) > 0)
		return c;
	for (i = 0; i < sizeof(topo) / sizeof(topo[0]); i++)
		if (vm_opt_get(v, n, topo[i], NULL, val, sizeof(val)) &&
		    (c = parse_count(val)) > 0) {
			prod *= c;
			any = true;
		}
	return any && prod <= 65536 ? prod : 0;
}

int
vm_cmdline_parse(const char *buf, size_t len, struct vm_cmdline *out)
{
	const char *arg, *opt = NULL, *nul;
	size_t i = 0, n, optn = 0;
	bool first = true;

	memset(out, 0, sizeof(*out));
	while (i < len) {
		arg = buf + i;
		nul = memchr(arg, '\0', len - i);
		n = nul != NULL ? (size_t)(nul - arg) : len - i;
		i += n + 1;
		if (first) {
			if (!is_qemu_binary(arg, n)) {
				errno = EINVAL;
				return -1;
			}
			first = false;
			continue;
		}
		if (opt != NULL) {
			if (span_eq(opt, optn, "-name"))
				vm_opt_get(arg, n, "guest", "guest", out->name,
				    sizeof(out->name));
			else if (span_eq(opt, optn, "-smp"))
				out->smp = smp_count(arg, n);
			else if (span_eq(opt, optn, "-device"))
				nic_mac_add(opt, optn, arg, n, out);
			else {
				netdev_add(arg, n, out);
				if (!span_eq(opt, optn, "-netdev"))
					nic_mac_add(opt, optn, arg, n, out);
			}
			opt = NULL;
			continue;
		}
		if (n > 2 && arg[0] == '-' && arg[1] == '-') {
			arg++;
			n--;
		}
		if (span_eq(arg, n, "-xen-domid"))
			out->xen = true;
		if (span_eq(arg, n, "-name") || span_eq(arg, n, "-smp") ||
		    span_eq(arg, n, "-netdev") || span_eq(arg, n, "-nic") ||
		    span_eq(arg, n, "-net") || span_eq(arg, n, "-device")) {
			opt = arg;
			optn = n;
		}
	}
	if (first) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* ---- cgroups ----------------------------------------------------------- */

/* The comma-separated list p[0, n) holds word. */
static bool
list_has(const char *p, size_t n, const char *word)
{
	size_t i = 0, end;

	while (i < n) {
		const char *c = memchr(p + i, ',', n - i);

		end = c != NULL ? (size_t)(c - p) : n;
		if (span_eq(p + i, end - i, word))
			return true;
		i = end + 1;
	}
	return false;
}

int
vm_cgroup_parse(const char *buf, size_t len, struct vm_cgroups *out)
{
	const char *p = buf, *end = buf + len, *line, *c1, *c2;
	size_t n;

	memset(out, 0, sizeof(*out));
	while (host_line_next(&p, end, &line, &n)) {
		if (n == 0)
			continue;
		c1 = memchr(line, ':', n);
		c2 = c1 != NULL
			 ? memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - line))
			 : NULL;
		if (c1 == NULL || c2 == NULL || c1 == line ||
		    c2 + 1 == line + n || c2[1] != '/') {
			errno = EINVAL;
			return -1;
		}
		const char *path = c2 + 1;
		size_t pn = n - (size_t)(path - line);

		if (span_eq(line, (size_t)(c1 - line), "0") && c2 == c1 + 1)
			span_copy(path, pn, out->v2, sizeof(out->v2));
		else if (list_has(c1 + 1, (size_t)(c2 - c1 - 1), "cpuacct")) {
			span_copy(path, pn, out->cpuacct, sizeof(out->cpuacct));
			span_copy(c1 + 1, (size_t)(c2 - c1 - 1),
			    out->cpuacct_dir, sizeof(out->cpuacct_dir));
		} else if (list_has(c1 + 1, (size_t)(c2 - c1 - 1), "memory"))
			span_copy(path, pn, out->memory, sizeof(out->memory));
	}
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* p[0, n) with systemd's \xNN undone into out (size outlen). */
static void
unit_unescape(const char *p, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;
	int hi, lo;

	if (outlen == 0)
		return;
	for (i = 0; i < n && o + 1 < outlen; i++) {
		if (p[i] == '\\' && i + 3 < n && p[i + 1] == 'x' &&
		    (hi = hexval(p[i + 2])) >= 0 &&
		    (lo = hexval(p[i + 3])) >= 0 && (hi || lo)) {
			out[o++] = (char)(hi * 16 + lo);
			i += 3;
		} else
			out[o++] = p[i];
	}
	out[o] = '\0';
}

size_t
vm_scope_find(const char *path, char *out, size_t outlen)
{
	const char *c = path, *slash, *q;
	char unit[VM_NAME_MAX * 4];
	size_t n;

	while (*c != '\0') {
		while (*c == '/')
			c++;
		slash = strchr(c, '/');
		n = slash != NULL ? (size_t)(slash - c) : strlen(c);
		if (n > 14 && span_prefix(c, n, "machine-") &&
		    memcmp(c + n - 6, ".scope", 6) == 0) {
			unit_unescape(c + 8, n - 14, unit, sizeof(unit));
			q = unit;
			/* libvirt: qemu-ID-NAME */
			if (strncmp(q, "qemu-", 5) == 0) {
				const char *d = q + 5;

				while (*d >= '0' && *d <= '9')
					d++;
				if (d > q + 5 && *d == '-' && d[1] != '\0')
					q = d + 1;
			}
			snprintf(out, outlen, "%s", q);
			return (size_t)(c + n - path);
		}
		c += n;
	}
	return 0;
}

/* The number after "key " on a line of buf. */
static bool
keyed_u64(const char *buf, size_t len, const char *key, uint64_t *out)
{
	const char *p = buf, *end = buf + len, *line, *q;
	size_t n, k = strlen(key);

	while (host_line_next(&p, end, &line, &n)) {
		if (n <= k || memcmp(line, key, k) != 0 ||
		    (line[k] != ' ' && line[k] != '\t' && line[k] != ':'))
			continue;
		q = line + k + 1;
		while (q < line + n && (*q == ' ' || *q == '\t'))
			q++;
		if (host_parse_u64(&q, line + n, out) &&
		    (q == line + n || *q == ' '))
			return true;
		return false;
	}
	return false;
}

int
vm_cpu_stat_parse(const char *buf, size_t len, uint64_t *usec)
{
	if (!keyed_u64(buf, len, "usage_usec", usec)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
vm_memory_stat_parse(const char *buf, size_t len, uint64_t *bytes)
{
	uint64_t anon, file;

	if (!keyed_u64(buf, len, "anon", &anon) ||
	    !keyed_u64(buf, len, "file", &file) || anon > UINT64_MAX - file) {
		errno = EINVAL;
		return -1;
	}
	*bytes = anon + file;
	return 0;
}

int
vm_io_stat_parse(
    const char *buf, size_t len, uint64_t *rbytes, uint64_t *wbytes)
{
	const char *p = buf, *end = buf + len, *line, *q, *le;
	uint64_t v, r = 0, w = 0;
	size_t n;

	while (host_line_next(&p, end, &line, &n)) {
		if (n == 0)
			continue;
		le = line + n;
		q = memchr(line, ' ', n);
		if (q == NULL || memchr(line, ':', (size_t)(q - line)) == NULL)
			goto bad;
		while (q < le) {
			while (q < le && *q == ' ')
				q++;
			const char *k = q, *eq;

			while (q < le && *q != ' ')
				q++;
			eq = memchr(k, '=', (size_t)(q - k));
			if (eq == NULL)
				goto bad;
			const char *vp = eq + 1;

			if (!host_parse_u64(&vp, q, &v) || vp != q)
				goto bad;
			if (span_eq(k, (size_t)(eq - k), "rbytes"))
				r += v;
			else if (span_eq(k, (size_t)(eq - k), "wbytes"))
				w += v;
		}
	}
	*rbytes = r;
	*wbytes = w;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* ---- /proc/PID --------------------------------------------------------- */

int
vm_proc_stat_parse(const char *buf, size_t len, uint64_t *ticks)
{
	const char *rp = memrchr(buf, ')', len), *p, *end = buf + len;
	uint64_t v, ut = 0, st = 0;
	int field;

	if (rp == NULL)
		goto bad;
	/* after ") ": state is field 3, utime 14, stime 15 */
	p = rp + 1;
	for (field = 3; field <= 15; field++) {
		if (p >= end || *p != ' ')
			goto bad;
		p++;
		if (field == 3) {
			while (p < end && *p != ' ')
				p++;
			continue;
		}
		if (p < end && *p == '-') /* signed fields (ppid of 0...) */
			p++;
		if (!host_parse_u64(&p, end, &v))
			goto bad;
		if (field == 14)
			ut = v;
		if (field == 15)
			st = v;
	}
	if (ut > UINT64_MAX - st)
		goto bad;
	*ticks = ut + st;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int
vm_statm_parse(const char *buf, size_t len, uint64_t *pages)
{
	const char *p = buf, *end = buf + len;
	uint64_t size;

	if (!host_parse_u64(&p, end, &size) || p >= end || *p != ' ')
		goto bad;
	p++;
	if (!host_parse_u64(&p, end, pages))
		goto bad;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int
vm_proc_io_parse(
    const char *buf, size_t len, uint64_t *rbytes, uint64_t *wbytes)
{
	if (!keyed_u64(buf, len, "read_bytes", rbytes) ||
	    !keyed_u64(buf, len, "write_bytes", wbytes)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

bool
vm_fdinfo_iff(const char *buf, size_t len, char *out, size_t outlen)
{
	const char *p = buf, *end = buf + len, *line, *q;
	size_t n;

	while (host_line_next(&p, end, &line, &n)) {
		if (!span_prefix(line, n, "iff:"))
			continue;
		for (q = line + 4; q < line + n && (*q == ' ' || *q == '\t');
		     q++)
			;
		if (q == line + n || (size_t)(line + n - q) >= VM_IFNAME_MAX)
			return false;
		span_copy(q, (size_t)(line + n - q), out, outlen);
		return true;
	}
	return false;
}

int
vm_net_dev_find(
    const char *buf, size_t len, const char *ifname, uint64_t *rx, uint64_t *tx)
{
	const char *p = buf, *end = buf + len, *line, *q, *le, *colon;
	uint64_t v[9];
	size_t n;
	int i;

	while (host_line_next(&p, end, &line, &n)) {
		le = line + n;
		colon = memchr(line, ':', n);
		if (colon == NULL)
			continue;
		for (q = line; q < colon && *q == ' '; q++)
			;
		if (!span_eq(q, (size_t)(colon - q), ifname))
			continue;
		q = colon + 1;
		for (i = 0; i < 9; i++) {
			while (q < le && *q == ' ')
				q++;
			if (!host_parse_u64(&q, le, &v[i]))
				goto bad;
		}
		*rx = v[0];
		*tx = v[8];
		return 0;
	}
bad:
	errno = EINVAL;
	return -1;
}

bool
vm_comm_is_vcpu(const char *buf, size_t len)
{
	const char *p = buf + 4, *end;

	if (len > 0 && buf[len - 1] == '\n')
		len--;
	end = buf + len;
	if (!span_prefix(buf, len, "CPU "))
		return false;
	if (p >= end || *p < '0' || *p > '9')
		return false;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p + 1 < end && *p == '/';
}

/* ---- one guest --------------------------------------------------------- */

static const char *
cgroup_root(const struct host_roots *r)
{
	return r->cgroup != NULL ? r->cgroup : CGROUP_DEFAULT;
}

/* The cgroup v2 file of scope (below the root, or "unified" of a hybrid
 * host) into buf.  0 / -1. */
static int
read_v2(const struct host_roots *r, const char *scope, const char *file,
    char *buf, size_t *len)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "%s/%s", scope, file);
	if (read_small(cgroup_root(r), rel, buf, SMALL_MAX, len) == 0)
		return 0;
	snprintf(rel, sizeof(rel), "unified/%s/%s", scope, file);
	return read_small(cgroup_root(r), rel, buf, SMALL_MAX, len);
}

/* The v1 file of hierarchy dir; scope as in v2. */
static int
read_v1(const struct host_roots *r, const char *dir, const char *scope,
    const char *file, char *buf, size_t *len)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "%s/%s/%s", dir, scope, file);
	return read_small(cgroup_root(r), rel, buf, SMALL_MAX, len);
}

/* The v1 path's machine scope into out (size VM_CGPATH_MAX); false
 * when there is none. */
static bool
v1_scope(const char *path, char *out)
{
	char name[VM_NAME_MAX];
	size_t n = vm_scope_find(path, name, sizeof(name));

	span_copy(path, n, out, VM_CGPATH_MAX);
	return n > 0;
}

static void
read_cgroup_counters(const struct host_roots *r, const char *v2,
    const struct vm_cgroups *cg, struct vm_guest *g)
{
	char buf[SMALL_MAX], scope[VM_CGPATH_MAX];
	uint64_t a, b;
	size_t len;

	if (v2[0] != '\0') {
		if (read_v2(r, v2, "cpu.stat", buf, &len) == 0 &&
		    vm_cpu_stat_parse(buf, len, &a) == 0) {
			g->cpu_cs = a / 10000;
			g->has_cpu = true;
		}
		if (read_v2(r, v2, "memory.current", buf, &len) == 0) {
			const char *p = buf;

			if (host_parse_u64(&p, buf + len, &a)) {
				g->mem = a;
				g->has_mem = true;
			}
		}
		if (!g->has_mem &&
		    read_v2(r, v2, "memory.stat", buf, &len) == 0 &&
		    vm_memory_stat_parse(buf, len, &a) == 0) {
			g->mem = a;
			g->has_mem = true;
		}
		if (read_v2(r, v2, "io.stat", buf, &len) == 0 &&
		    vm_io_stat_parse(buf, len, &a, &b) == 0) {
			g->rbytes = a;
			g->wbytes = b;
			g->has_disk = true;
		}
	}
	if (!g->has_cpu && v1_scope(cg->cpuacct, scope)) {
		const char *dir =
		    cg->cpuacct_dir[0] != '\0' ? cg->cpuacct_dir : "cpuacct";
		const char *p = buf;

		if ((read_v1(r, dir, scope, "cpuacct.usage", buf, &len) == 0 ||
			read_v1(r, "cpuacct", scope, "cpuacct.usage", buf,
			    &len) == 0) &&
		    host_parse_u64(&p, buf + len, &a)) {
			g->cpu_cs = a / 10000000;
			g->has_cpu = true;
		}
	}
	if (!g->has_mem && v1_scope(cg->memory, scope)) {
		const char *p = buf;

		if (read_v1(r, "memory", scope, "memory.usage_in_bytes", buf,
			&len) == 0 &&
		    host_parse_u64(&p, buf + len, &a)) {
			g->mem = a;
			g->has_mem = true;
		}
	}
}

static void
read_proc_counters(
    const struct host_roots *r, long pid, long clk_tck, struct vm_guest *g)
{
	char rel[64], buf[SMALL_MAX];
	uint64_t a, b;
	size_t len;
	long page;

	if (!g->has_cpu) {
		snprintf(rel, sizeof(rel), "%ld/stat", pid);
		if (read_small(r->proc, rel, buf, sizeof(buf), &len) == 0 &&
		    vm_proc_stat_parse(buf, len, &a) == 0 && clk_tck > 0) {
			g->cpu_cs =
			    a / (uint64_t)clk_tck * 100 +
			    a % (uint64_t)clk_tck * 100 / (uint64_t)clk_tck;
			g->has_cpu = true;
		}
	}
	if (!g->has_mem) {
		page = sysconf(_SC_PAGESIZE);
		snprintf(rel, sizeof(rel), "%ld/statm", pid);
		if (read_small(r->proc, rel, buf, sizeof(buf), &len) == 0 &&
		    vm_statm_parse(buf, len, &a) == 0 && page > 0 &&
		    a <= UINT64_MAX / (uint64_t)page) {
			g->mem = a * (uint64_t)page;
			g->has_mem = true;
		}
	}
	if (!g->has_disk) {
		snprintf(rel, sizeof(rel), "%ld/io", pid);
		if (read_small(r->proc, rel, buf, sizeof(buf), &len) == 0 &&
		    vm_proc_io_parse(buf, len, &a, &b) == 0) {
			g->rbytes = a;
			g->wbytes = b;
			g->has_disk = true;
		}
	}
}

/* The counters of tap ifname into *rx, *tx (the tap's).  0 / -1. */
static int
read_tap(const struct host_roots *r, long pid, const char *ifname,
    char **netdev, size_t *netdev_len, uint64_t *rx, uint64_t *tx)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "class/net/%s/statistics/rx_bytes", ifname);
	if (host_read_u64(r->sys, rel, rx) == 0) {
		snprintf(rel, sizeof(rel), "class/net/%s/statistics/tx_bytes",
		    ifname);
		if (host_read_u64(r->sys, rel, tx) == 0)
			return 0;
	}
	/* not in our namespace: qemu's own view of its network */
	if (*netdev == NULL) {
		snprintf(rel, sizeof(rel), "%ld/net/dev", pid);
		*netdev = malloc(NET_DEV_MAX);
		if (*netdev == NULL)
			return -1;
		if (read_small(
			r->proc, rel, *netdev, NET_DEV_MAX, netdev_len) == -1)
			*netdev_len = 0;
	}
	return vm_net_dev_find(*netdev, *netdev_len, ifname, rx, tx);
}

static void
read_net(const struct host_roots *r, long pid, const struct vm_cmdline *c,
    struct vm_guest *g)
{
	char rel[64], buf[SMALL_MAX], ifname[VM_IFNAME_MAX], *netdev = NULL;
	size_t i, len, netdev_len = 0;
	uint64_t rx, tx;

	for (i = 0; i < c->ntaps; i++) {
		snprintf(ifname, sizeof(ifname), "%s", c->taps[i].ifname);
		if (ifname[0] == '\0') {
			snprintf(rel, sizeof(rel), "%ld/fdinfo/%d", pid,
			    c->taps[i].fd);
			if (read_small(r->proc, rel, buf, sizeof(buf), &len) ==
				-1 ||
			    !vm_fdinfo_iff(buf, len, ifname, sizeof(ifname)))
				continue;
		}
		if (read_tap(r, pid, ifname, &netdev, &netdev_len, &rx, &tx) ==
		    -1)
			continue;
		/* the tap sends what the guest receives */
		g->net_rx += tx;
		g->net_tx += rx;
		g->has_net = true;
	}
	free(netdev);
}

static unsigned
count_vcpus(const struct host_roots *r, long pid)
{
	char rel[96], buf[64];
	struct dirent *de;
	unsigned n = 0;
	size_t len;
	DIR *d;

	snprintf(rel, sizeof(rel), "%s/%ld/task", r->proc, pid);
	d = opendir(rel);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(
		    rel, sizeof(rel), "%ld/task/%.20s/comm", pid, de->d_name);
		if (read_small(r->proc, rel, buf, sizeof(buf), &len) == 0 &&
		    vm_comm_is_vcpu(buf, len))
			n++;
	}
	closedir(d);
	return n;
}

/* Control characters of a name (from a command line) made '?'. */
static void
name_tidy(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

int
vm_guest_read(
    const struct host_roots *r, long pid, long clk_tck, struct vm_guest *g)
{
	char rel[64], *buf = NULL, scope[VM_CGPATH_MAX], sname[VM_NAME_MAX];
	char cgbuf[SMALL_MAX];
	struct vm_cmdline c;
	struct vm_cgroups cg;
	size_t len, n;
	int rc = -1;

	memset(g, 0, sizeof(*g));
	memset(&cg, 0, sizeof(cg));
	scope[0] = sname[0] = '\0';
	buf = malloc(VM_CMDLINE_MAX);
	if (buf == NULL)
		return -1;
	snprintf(rel, sizeof(rel), "%ld/cmdline", pid);
	if (read_small(r->proc, rel, buf, VM_CMDLINE_MAX, &len) == -1 ||
	    vm_cmdline_parse(buf, len, &c) == -1 || c.xen)
		goto out; /* gone, a kernel thread, no qemu, or Xen's */
	snprintf(rel, sizeof(rel), "%ld/cgroup", pid);
	if (read_small(r->proc, rel, cgbuf, sizeof(cgbuf), &len) == 0 &&
	    vm_cgroup_parse(cgbuf, len, &cg) == 0) {
		n = vm_scope_find(cg.v2, sname, sizeof(sname));
		span_copy(cg.v2, n, scope, sizeof(scope));
		if (sname[0] == '\0')
			vm_scope_find(cg.cpuacct, sname, sizeof(sname));
	}
	memcpy(g->macs, c.macs, sizeof(g->macs));
	g->nmacs = c.nmacs;
	if (c.name[0] != '\0')
		snprintf(g->name, sizeof(g->name), "%s", c.name);
	else if (sname[0] != '\0')
		snprintf(g->name, sizeof(g->name), "%s", sname);
	else
		snprintf(g->name, sizeof(g->name), "pid%ld", pid);
	name_tidy(g->name);
	disk_clean_fieldname(g->name, g->field, sizeof(g->field));
	g->pid = pid;
	g->running = true;
	read_cgroup_counters(r, scope, &cg, g);
	read_proc_counters(r, pid, clk_tck, g);
	read_net(r, pid, &c, g);
	g->vcpus = c.smp;
	if (g->vcpus == 0)
		g->vcpus = count_vcpus(r, pid);
	if (g->vcpus == 0)
		g->vcpus = 1; /* qemu's default */
	rc = 0;
out:
	free(buf);
	return rc;
}

/* ---- the guests seen --------------------------------------------------- */

static int
guest_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vm_guest *)a)->field,
	    ((const struct vm_guest *)b)->field);
}

static struct vm_guest *
seen_find(struct vm_seen *seen, const char *field)
{
	size_t i;

	for (i = 0; i < seen->n; i++)
		if (strcmp(seen->v[i].field, field) == 0)
			return &seen->v[i];
	return NULL;
}

int
vm_seen_merge(struct vm_seen *seen, const struct vm_guest *now, size_t n)
{
	struct vm_guest *v, *g;
	size_t i, j, cap = seen->n + n;

	if (cap > VM_GUESTS_MAX)
		cap = VM_GUESTS_MAX;
	if (cap > seen->n) {
		v = realloc(seen->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		seen->v = v;
	}
	for (i = 0; i < seen->n; i++) {
		g = &seen->v[i];
		g->running = g->has_cpu = g->has_mem = false;
		g->has_disk = g->has_net = false;
		g->vcpus = 0;
		g->pid = 0;
	}
	for (i = 0; i < n; i++) {
		g = seen_find(seen, now[i].field);
		if (g == NULL && seen->n == VM_GUESTS_MAX) {
			for (j = 0; j < seen->n && seen->v[j].running; j++)
				;
			if (j < seen->n) {
				memmove(&seen->v[j], &seen->v[j + 1],
				    (seen->n - j - 1) * sizeof(*seen->v));
				seen->n--;
			} else {
				if (!seen->full_said)
					log_warnx("vm: more than %d guests, "
						  "%s and others not shown",
					    VM_GUESTS_MAX, now[i].name);
				seen->full_said = true;
				continue;
			}
		}
		if (g == NULL)
			g = &seen->v[seen->n++];
		*g = now[i];
	}
	if (seen->n > 1) /* v is NULL while nothing was seen */
		qsort(seen->v, seen->n, sizeof(*seen->v), guest_cmp);
	return 0;
}

void
vm_seen_cleanup(struct vm_seen *seen)
{
	free(seen->v);
	seen->v = NULL;
	seen->n = 0;
}

/* ---- services ---------------------------------------------------------- */

static struct service *
graph_add(struct batch *b, const struct host_graph *g)
{
	return host_graph_add(b, "virtualization", g);
}

/* One field per guest: label, type, value (U when !has). */
static int
guest_field(struct service *s, const struct vm_guest *g, const char *suffix,
    const char *type, const char *extra_key, const char *extra_val, double v,
    bool has)
{
	char name[VM_NAME_MAX + 16];
	const char *const kv[][2] = {
	    {"label", g->name},
	    {"type", type},
	    {"min", "0"},
	    {extra_key, extra_val},
	};

	snprintf(name, sizeof(name), "%s%s", g->field, suffix);
	return host_field_add(
		   s, name, kv, extra_key != NULL ? 4 : 3, v, !has) == NULL
		   ? -1
		   : 0;
}

int
vm_services(const struct vm_seen *seen, struct batch *b)
{
	static const struct host_graph
	    cpu = {"vm_cpu", "Virtual machine CPU time", "%",
		"--base 1000 -l 0",
		"CPU time the qemu guests used, in percent of one CPU (vCPUs "
		"and qemu's own threads)."},
	    mem = {"vm_memory", "Virtual machine memory", "bytes",
		"--base 1024 -l 0",
		"Memory the qemu guests hold on the host (their cgroup's, "
		"else the qemu process's resident set)."},
	    disk = {"vm_disk", "Virtual machine disk I/O",
		"bytes read (-) / written (+) per ${graph_period}",
		"--base 1024",
		"Bytes the qemu guests read and wrote on the host."},
	    net = {"vm_net", "Virtual machine network traffic",
		"bytes received (-) / sent (+) per ${graph_period}",
		"--base 1000",
		"Bytes the qemu guests received and sent on their tap "
		"interfaces."},
	    vcpus = {"vm_vcpus", "Virtual machine vCPUs", "vCPUs",
		"--base 1000 -l 0", "Virtual CPUs of each running guest."},
	    state = {"vm_state", "Virtual machine state", "running",
		"--base 1000 -l 0 -u 1", "1: the guest runs, 0: stopped."};
	struct service *s[6];
	const struct vm_guest *g;
	char neg[VM_NAME_MAX + 16];
	size_t i;

	if (seen->n == 0)
		return 0;
	s[0] = graph_add(b, &cpu);
	s[1] = graph_add(b, &mem);
	s[2] = graph_add(b, &disk);
	s[3] = graph_add(b, &net);
	s[4] = graph_add(b, &vcpus);
	s[5] = graph_add(b, &state);
	for (i = 0; i < 6; i++)
		if (s[i] == NULL)
			return -1;
	for (i = 0; i < seen->n; i++) {
		g = &seen->v[i];
		if (guest_field(s[0], g, "", "DERIVE", NULL, NULL,
			(double)g->cpu_cs, g->has_cpu) == -1 ||
		    guest_field(s[1], g, "", "GAUGE", NULL, NULL,
			(double)g->mem, g->has_mem) == -1 ||
		    guest_field(s[2], g, "_read", "DERIVE", "graph", "no",
			(double)g->rbytes, g->has_disk) == -1)
			return -1;
		snprintf(neg, sizeof(neg), "%s_read", g->field);
		if (guest_field(s[2], g, "_write", "DERIVE", "negative", neg,
			(double)g->wbytes, g->has_disk) == -1 ||
		    guest_field(s[3], g, "_rx", "DERIVE", "graph", "no",
			(double)g->net_rx, g->has_net) == -1)
			return -1;
		snprintf(neg, sizeof(neg), "%s_rx", g->field);
		if (guest_field(s[3], g, "_tx", "DERIVE", "negative", neg,
			(double)g->net_tx, g->has_net) == -1 ||
		    guest_field(s[4], g, "", "GAUGE", NULL, NULL,
			(double)g->vcpus, g->running) == -1 ||
		    guest_field(s[5], g, "", "GAUGE", NULL, NULL,
			g->running ? 1 : 0, true) == -1)
			return -1;
	}
	return 0;
}

/* ---- the probe --------------------------------------------------------- */

static bool
is_pid(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* A field name no running guest of now[n] has yet. */
static void
field_unique(const struct vm_guest *now, size_t n, struct vm_guest *g)
{
	char f[VM_NAME_MAX];
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(now[i].field, g->field) == 0) {
			snprintf(f, sizeof(f), "%.100s_%ld", g->field, g->pid);
			snprintf(g->field, sizeof(g->field), "%s", f);
			return;
		}
}

int
vm_scan(const struct host_roots *r, struct vm_seen *seen)
{
	struct vm_guest *now = NULL, *v;
	size_t n = 0, cap = 0, len;
	char rel[64], comm[64];
	struct dirent *de;
	long clk_tck = sysconf(_SC_CLK_TCK), pid;
	int rc = 0;
	DIR *d;

	d = opendir(r->proc);
	if (d == NULL) {
		if (errno == ENOENT)
			return vm_seen_merge(seen, NULL, 0);
		log_warn("vm: %s", r->proc);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_pid(de->d_name) || strlen(de->d_name) > 18)
			continue;
		snprintf(rel, sizeof(rel), "%s/comm", de->d_name);
		if (read_small(r->proc, rel, comm, sizeof(comm), &len) == -1 ||
		    !vm_comm_is_qemu(comm, len))
			continue;
		if (n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			v = realloc(now, cap * sizeof(*now));
			if (v == NULL) {
				rc = -1;
				break;
			}
			now = v;
		}
		pid = strtol(de->d_name, NULL, 10);
		if (vm_guest_read(r, pid, clk_tck, &now[n]) == -1)
			continue; /* gone since, or not a qemu */
		field_unique(now, n, &now[n]);
		n++;
	}
	closedir(d);
	if (rc == 0)
		rc = vm_seen_merge(seen, now, n);
	if (rc == -1)
		log_warn("vm");
	free(now);
	return rc;
}

static int
collect_vm(const struct host_roots *r, void **state, struct batch *b)
{
	struct vm_seen *seen = *state;

	if (seen == NULL) {
		seen = calloc(1, sizeof(*seen));
		if (seen == NULL) {
			log_warn("vm");
			return -1;
		}
		*state = seen;
	}
	if (vm_scan(r, seen) == -1)
		return -1;
	if (vm_services(seen, b) == -1) {
		log_warn("vm");
		return -1;
	}
	return 0;
}

static void
vm_state_free(void *state)
{
	vm_seen_cleanup(state);
	free(state);
}

const struct host_probe probe_vm = {
    .name = "vm",
    .multigraph = true,
    .collect = collect_vm,
    .state_free = vm_state_free,
};
