/*
 * Tests for host_vm: the qemu command line, cgroup and /proc parsers, and
 * the vm probe on tests/fixtures/vm (alpha: a cgroup v2 machine scope and
 * a tap by ifname; beta: cgroup v1, no -name, a JSON netdev by fd; a
 * process whose comm looks like qemu but has no command line; others),
 * guests that disappear and come back, malformed cgroup files, and the
 * guests kept while the state is full.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "plugins/host.h"
#include "plugins/host_probes.h"
#include "plugins/host_vm.h"
#include "tests/batch_guard.h"

#define TREE FIXTURES "/vm"
#define L(s) s, strlen(s) /* a literal and its length */

/* argv (NULL-terminated) as a /proc/PID/cmdline into buf; its length. */
static size_t
cmdline(char *buf, size_t max, const char *const *argv)
{
	size_t n = 0, k;

	for (; *argv != NULL; argv++) {
		k = strlen(*argv) + 1;
		assert_true(n + k <= max);
		memcpy(buf + n, *argv, k);
		n += k;
	}
	return n;
}

static int
parse(const char *const *argv, struct vm_cmdline *c)
{
	char buf[4096];
	size_t n = cmdline(buf, sizeof(buf), argv);
	struct guard g;
	int rc;

	/* ends at a PROT_NONE page: a read past len faults */
	guard_init(&g, n);
	rc = vm_cmdline_parse(guard_copy(&g, buf, n, ""), n, c);
	guard_cleanup(&g);
	return rc;
}

static void
test_cmdline_names(void **state)
{
	struct vm_cmdline c;

	(void)state;
	assert_int_equal(
	    parse((const char *const[]){"qemu-system-x86_64", "-name",
		      "guest=web1,debug-threads=on", NULL},
		&c),
	    0);
	assert_string_equal(c.name, "web1");
	/* ",," is a comma inside a value */
	assert_int_equal(parse((const char *const[]){"/usr/bin/qemu-kvm",
				   "-name", "guest=a,,b", NULL},
			     &c),
	    0);
	assert_string_equal(c.name, "a,b");
	/* the implied key: -name NAME,process=... */
	assert_int_equal(parse((const char *const[]){"kvm", "--name",
				   "x,,,,y,process=qemu:x", NULL},
			     &c),
	    0);
	assert_string_equal(c.name, "x,,y");
	/* no -name, or one with no value at the end */
	assert_int_equal(parse((const char *const[]){"qemu-system-aarch64",
				   "-m", "64", NULL},
			     &c),
	    0);
	assert_string_equal(c.name, "");
	assert_int_equal(
	    parse((const char *const[]){"qemu-system-i386", "-name", NULL}, &c),
	    0);
	assert_string_equal(c.name, "");
	assert_int_equal(parse((const char *const[]){"qemu-system-i386",
				   "-name", "debug-threads=on", NULL},
			     &c),
	    0);
	assert_string_equal(c.name, "");
	assert_false(c.xen);
	/* Xen's: dom0's disk backend (xen-qemu-dom0-disk-backend.service)
	 * and a domain's device model, as libxl starts them */
	assert_int_equal(parse((const char *const[]){"/usr/lib/xen-4.17/bin/"
						     "qemu-system-i386",
				   "-xen-domid", "0", "-xen-attach", "-name",
				   "dom0", "-nographic", "-M", "xenpv", NULL},
			     &c),
	    0);
	assert_true(c.xen);
	assert_string_equal(c.name, "dom0");
	assert_int_equal(
	    parse((const char *const[]){"qemu-system-i386", "--xen-domid", "7",
		      "-name", "win10", "-machine", "xenfv", NULL},
		&c),
	    0);
	assert_true(c.xen);
	/* not a qemu */
	assert_int_equal(parse((const char *const[]){"/bin/bash", "-c",
				   "qemu-system-x86_64 -name guest=x", NULL},
			     &c),
	    -1);
	assert_int_equal(
	    parse((const char *const[]){"qemu-system-", NULL}, &c), -1);
	assert_int_equal(vm_cmdline_parse(L(""), &c), -1);
}

static void
test_cmdline_smp_taps(void **state)
{
	struct vm_cmdline c;

	(void)state;
	assert_int_equal(
	    parse((const char *const[]){"qemu-system-x86_64", "-smp", "4",
		      "-netdev", "tap,id=n0,ifname=tap0,script=no", "-nic",
		      "tap,ifname=tap1", "-net", "tap,fd=7", "-netdev",
		      "user,id=u0", "-netdev",
		      "{\"type\":\"tap\",\"fd\":\"35\",\"id\":\"h0\"}",
		      "-netdev", "{\"type\": \"tap\", \"ifname\": \"vnet9\"}",
		      "-netdev", "bridge,id=b0,br=br0", NULL},
		&c),
	    0);
	assert_int_equal(c.smp, 4);
	assert_int_equal(c.ntaps, 5);
	assert_string_equal(c.taps[0].ifname, "tap0");
	assert_int_equal(c.taps[0].fd, -1);
	assert_string_equal(c.taps[1].ifname, "tap1");
	assert_string_equal(c.taps[2].ifname, "");
	assert_int_equal(c.taps[2].fd, 7);
	assert_int_equal(c.taps[3].fd, 35);
	assert_string_equal(c.taps[4].ifname, "vnet9");
	assert_int_equal(parse((const char *const[]){"qemu-kvm", "-smp",
				   "cpus=3,sockets=1", NULL},
			     &c),
	    0);
	assert_int_equal(c.smp, 3);
	assert_int_equal(parse((const char *const[]){"qemu-kvm", "-smp",
				   "sockets=2,cores=4,threads=2", NULL},
			     &c),
	    0);
	assert_int_equal(c.smp, 16);
	assert_int_equal(parse((const char *const[]){"qemu-kvm", "-smp", "lots",
				   "-netdev", "tap,fd=x", NULL},
			     &c),
	    0);
	assert_int_equal(c.smp, 0);
	assert_int_equal(c.ntaps, 0);
}

static void
assert_mac(const uint8_t *m, uint8_t last4, uint8_t last5)
{
	const uint8_t want[VM_MAC_LEN] = {0x52, 0x54, 0x00, 0x10, last4, last5};

	assert_memory_equal(m, want, VM_MAC_LEN);
}

/* The NICs' MACs: libvirt's -device (key=value, older; JSON, newer),
 * -nic, -net nic's macaddr=, e1000 and rtl8139; bad, repeated, absent. */
static void
test_cmdline_macs(void **state)
{
	struct vm_cmdline c;

	(void)state;
	/* libvirt 6-ish: -netdev tap,fd=N + -device virtio-net-pci,... */
	assert_int_equal(
	    parse((const char *const[]){"/usr/bin/qemu-system-x86_64", "-name",
		      "guest=web1,debug-threads=on", "-netdev",
		      "tap,fd=33,id=hostnet0,vhost=on,vhostfd=35", "-device",
		      "virtio-net-pci,netdev=hostnet0,id=net0,"
		      "mac=52:54:00:10:00:01,bus=pci.0,addr=0x3",
		      "-device", "virtio-balloon-pci,id=balloon0", NULL},
		&c),
	    0);
	assert_int_equal(c.nmacs, 1);
	assert_mac(c.macs[0], 0x00, 0x01);
	assert_int_equal(c.ntaps, 1);
	/* libvirt 8+: JSON -device; a second NIC, e1000 */
	assert_int_equal(
	    parse((const char *const[]){"qemu-system-x86_64", "-device",
		      "{\"driver\":\"virtio-net-pci\",\"netdev\":"
		      "\"hostnet0\",\"id\":\"net0\",\"mac\":"
		      "\"52:54:00:10:ab:CD\",\"bus\":\"pci.1\"}",
		      "-device",
		      "{\"driver\":\"e1000\",\"mac\":\"52:54:00:10:00:02\"}",
		      NULL},
		&c),
	    0);
	assert_int_equal(c.nmacs, 2);
	assert_mac(c.macs[0], 0xab, 0xcd);
	assert_mac(c.macs[1], 0x00, 0x02);
	/* hand-written: -nic with mac=, -net nic,macaddr=, rtl8139, '-' */
	assert_int_equal(
	    parse((const char *const[]){"qemu-system-x86_64", "-nic",
		      "tap,ifname=tap0,model=virtio,mac=52:54:00:10:00:03",
		      "-net", "nic,model=e1000,macaddr=52:54:00:10:00:04",
		      "-net", "tap,ifname=tap1", "--device",
		      "rtl8139,netdev=n2,mac=52-54-00-10-00-05", NULL},
		&c),
	    0);
	assert_int_equal(c.nmacs, 3);
	assert_mac(c.macs[0], 0x00, 0x03);
	assert_mac(c.macs[1], 0x00, 0x04);
	assert_mac(c.macs[2], 0x00, 0x05);
	assert_int_equal(c.ntaps, 2);
	/* no mac= (qemu's default, not derived); a bad one; a repeat;
	 * -net tap's macaddr is no NIC's; -netdev has no MAC */
	assert_int_equal(
	    parse((const char *const[]){"qemu-system-x86_64", "-device",
		      "virtio-net-pci,netdev=n0", "-device",
		      "e1000,mac=52:54:00:10:00", "-device",
		      "e1000,mac=52:54:00:10:00:0g", "-device",
		      "e1000,mac=52:54:00:10:00:06,,x", "-device",
		      "e1000,mac=52:54:00:10:00:07", "-device",
		      "e1000,mac=52:54:00:10:00:07", "-net",
		      "tap,macaddr=52:54:00:10:00:08", "-netdev",
		      "tap,ifname=t,mac=52:54:00:10:00:09", "-device", NULL},
		&c),
	    0);
	assert_int_equal(c.nmacs, 1);
	assert_mac(c.macs[0], 0x00, 0x07);
}

/* More NICs than VM_MACS_MAX: the first kept. */
static void
test_cmdline_macs_cut(void **state)
{
	const char *argv[2 + 2 * (VM_MACS_MAX + 4) + 1];
	char macs[VM_MACS_MAX + 4][64];
	struct vm_cmdline c;
	size_t i, k = 0;

	(void)state;
	argv[k++] = "qemu-system-x86_64";
	for (i = 0; i < VM_MACS_MAX + 4; i++) {
		snprintf(macs[i], sizeof(macs[i]),
		    "virtio-net-pci,mac=52:54:00:10:00:%02zx", i);
		argv[k++] = "-device";
		argv[k++] = macs[i];
	}
	argv[k] = NULL;
	assert_int_equal(parse(argv, &c), 0);
	assert_int_equal(c.nmacs, VM_MACS_MAX);
	for (i = 0; i < VM_MACS_MAX; i++)
		assert_mac(c.macs[i], 0x00, (uint8_t)i);
}

/* A command line far longer than VM_CMDLINE_MAX, and more taps and a
 * longer name than fit: parsed within bounds, cut. */
static void
test_cmdline_huge(void **state)
{
	size_t n = 0, len = 4 * VM_CMDLINE_MAX, i;
	char *buf = malloc(len), name[400];
	struct vm_cmdline c;

	(void)state;
	assert_non_null(buf);
	memset(name, 'n', sizeof(name));
	memcpy(name, "guest=", 6);
	name[sizeof(name) - 1] = '\0';
	n += (size_t)sprintf(
	    buf + n, "qemu-system-x86_64%c-name%c%s%c", 0, 0, name, 0);
	for (i = 0; n + 64 < len; i++)
		n += (size_t)sprintf(
		    buf + n, "-netdev%ctap,ifname=t%zu%c", 0, i, 0);
	assert_int_equal(vm_cmdline_parse(buf, n, &c), 0);
	assert_int_equal(strlen(c.name), VM_NAME_MAX - 1);
	assert_int_equal(c.ntaps, VM_TAPS_MAX);
	assert_string_equal(c.taps[VM_TAPS_MAX - 1].ifname, "t7");
	/* cut in the middle of an argument */
	assert_int_equal(vm_cmdline_parse(buf, 34, &c), 0);
	assert_string_equal(c.name, "nnn");
	free(buf);
}

static void
test_opt_get(void **state)
{
	char v[16];
	const char *o = "a,,,b=c,,d,e=,f=g";

	(void)state;
	assert_true(vm_opt_get(o, strlen(o), "x", "x", v, sizeof(v)));
	assert_string_equal(v, "a,");
	assert_true(vm_opt_get(o, strlen(o), "b", NULL, v, sizeof(v)));
	assert_string_equal(v, "c,d");
	assert_true(vm_opt_get(o, strlen(o), "e", NULL, v, sizeof(v)));
	assert_string_equal(v, "");
	assert_true(vm_opt_get(o, strlen(o), "f", NULL, v, sizeof(v)));
	assert_string_equal(v, "g");
	assert_false(vm_opt_get(o, strlen(o), "a", NULL, v, sizeof(v)));
	assert_false(vm_opt_get(L(""), "x", "x", v, sizeof(v)));
	assert_true(vm_opt_get(L("k=0123456789abcdefXYZ"), "k", NULL, v, 8));
	assert_string_equal(v, "0123456");
}

static void
test_comms(void **state)
{
	(void)state;
	assert_true(vm_comm_is_qemu("qemu-system-x86\n", 16));
	assert_true(vm_comm_is_qemu("qemu-kvm", 8));
	assert_true(vm_comm_is_qemu("qemu:web1\n", 10));
	assert_false(vm_comm_is_qemu("qemu-img\n", 9));
	assert_false(vm_comm_is_qemu("qemu-system-\n", 13));
	assert_false(vm_comm_is_qemu("", 0));
	assert_true(vm_comm_is_vcpu("CPU 0/KVM\n", 10));
	assert_true(vm_comm_is_vcpu("CPU 12/TCG", 10));
	assert_false(vm_comm_is_vcpu("CPU /KVM", 8));
	assert_false(vm_comm_is_vcpu("CPU 1/", 6));
	assert_false(vm_comm_is_vcpu("call_rcu", 8));
}

static void
test_cgroups(void **state)
{
	const char *v1 = "12:cpu,cpuacct:/machine.slice/"
			 "machine-qemu\\x2d4\\x2dweb\\x2d1.scope/vcpu1\n"
			 "4:memory:/machine.slice/m.scope\n1:name=systemd:/\n"
			 "0::/user.slice\n";
	struct vm_cgroups cg;
	char name[VM_NAME_MAX];
	struct guard g;
	size_t n;

	(void)state;
	assert_int_equal(vm_cgroup_parse(v1, strlen(v1), &cg), 0);
	assert_string_equal(cg.v2, "/user.slice");
	assert_string_equal(cg.cpuacct_dir, "cpu,cpuacct");
	assert_string_equal(cg.memory, "/machine.slice/m.scope");
	n = vm_scope_find(cg.cpuacct, name, sizeof(name));
	assert_int_equal(n, strlen(cg.cpuacct) - strlen("/vcpu1"));
	assert_string_equal(name, "web-1");
	assert_int_equal(vm_scope_find("/machine.slice/machine-db.scope", name,
			     sizeof(name)),
	    31);
	assert_string_equal(name, "db");
	assert_int_equal(
	    vm_scope_find("/user.slice/session-2.scope", name, sizeof(name)),
	    0);
	assert_int_equal(vm_scope_find("/", name, sizeof(name)), 0);
	assert_int_equal(
	    vm_scope_find("/machine-.scope", name, sizeof(name)), 0);
	/* malformed */
	assert_int_equal(vm_cgroup_parse(L("garbage\n"), &cg), -1);
	assert_int_equal(vm_cgroup_parse(L("0::relative\n"), &cg), -1);
	assert_int_equal(vm_cgroup_parse(L(":x:/\n"), &cg), -1);
	/* an empty path at the very end: not read past */
	guard_init(&g, 16);
	assert_int_equal(
	    vm_cgroup_parse(guard_copy(&g, L("1:name=systemd:"), ""), 15, &cg),
	    -1);
	guard_cleanup(&g);
	assert_int_equal(vm_cgroup_parse(L(""), &cg), 0);
	assert_string_equal(cg.v2, "");
}

static void
test_cgroup_files(void **state)
{
	uint64_t a, b;

	(void)state;
	assert_int_equal(
	    vm_cpu_stat_parse(L("user_usec 5\nusage_usec 42\n"), &a), 0);
	assert_int_equal(a, 42);
	assert_int_equal(vm_cpu_stat_parse(L("usage_usec x\n"), &a), -1);
	assert_int_equal(vm_cpu_stat_parse(L("usage_usecs 1\n"), &a), -1);
	assert_int_equal(
	    vm_cpu_stat_parse(L("usage_usec 99999999999999999999999\n"), &a),
	    -1);
	assert_int_equal(vm_cpu_stat_parse(L(""), &a), -1);
	assert_int_equal(
	    vm_memory_stat_parse(L("anon 3\nfile 4\nfile_dirty 9\n"), &a), 0);
	assert_int_equal(a, 7);
	assert_int_equal(vm_memory_stat_parse(L("anon 3\n"), &a), -1);
	assert_int_equal(vm_io_stat_parse(L("8:0 rbytes=1 wbytes=2 rios=3\n"
					    "8:16 rbytes=10 wbytes=20\n"),
			     &a, &b),
	    0);
	assert_int_equal(a, 11);
	assert_int_equal(b, 22);
	assert_int_equal(vm_io_stat_parse(L(""), &a, &b), 0);
	assert_int_equal(a, 0);
	assert_int_equal(vm_io_stat_parse(L("8:0 rbytes=x\n"), &a, &b), -1);
	assert_int_equal(vm_io_stat_parse(L("rbytes=1\n"), &a, &b), -1);
	assert_int_equal(vm_io_stat_parse(L("8:0 rbytes\n"), &a, &b), -1);
}

static void
test_proc_files(void **state)
{
	const char *st = "77 (qemu) x) S 1 77 77 0 -1 0 0 0 0 0 250 50 0 0\n";
	const char *dev = "Inter-|\n face |bytes\n  lo: 1 2 3 4 5 6 7 8 9 "
			  "10 11 12 13 14 15 16\nvnet0:100 1 0 0 0 0 0 0 "
			  "200 2 0 0 0 0 0 0\n";
	char ifn[VM_IFNAME_MAX];
	uint64_t a, b;

	(void)state;
	assert_int_equal(vm_proc_stat_parse(st, strlen(st), &a), 0);
	assert_int_equal(a, 300);
	assert_int_equal(vm_proc_stat_parse(st, 30, &a), -1);
	assert_int_equal(vm_proc_stat_parse(L("1 (x S"), &a), -1);
	assert_int_equal(vm_statm_parse(L("300 25 2 1 0 3 0\n"), &a), 0);
	assert_int_equal(a, 25);
	assert_int_equal(vm_statm_parse(L("300\n"), &a), -1);
	assert_int_equal(
	    vm_proc_io_parse(L("read_bytes: 5\nwrite_bytes: 6\n"), &a, &b), 0);
	assert_int_equal(a + b, 11);
	assert_int_equal(vm_proc_io_parse(L("read_bytes: 5\n"), &a, &b), -1);
	assert_true(vm_fdinfo_iff(L("pos:\t0\niff:\tvnet7\n"), ifn, 16));
	assert_string_equal(ifn, "vnet7");
	assert_false(vm_fdinfo_iff(L("pos:\t0\n"), ifn, 16));
	assert_false(vm_fdinfo_iff(L("iff:\t0123456789abcdefgh\n"), ifn, 16));
	assert_int_equal(vm_net_dev_find(dev, strlen(dev), "vnet0", &a, &b), 0);
	assert_int_equal(a, 100);
	assert_int_equal(b, 200);
	assert_int_equal(vm_net_dev_find(dev, strlen(dev), "vnet", &a, &b), -1);
	assert_int_equal(vm_net_dev_find(L("x: 1 2\n"), "x", &a, &b), -1);
}

/* ---- the probe on fixture trees ---------------------------------------- */

static const struct field *
field(const struct batch *b, const char *svc, const char *name)
{
	struct service *s = batch_service((struct batch *)b, svc, false);
	const struct field *f;

	if (s == NULL)
		fail_msg("no service %s", svc);
	f = service_field(s, name, false);
	if (f == NULL)
		fail_msg("%s: no field %s", svc, name);
	assert_true(f->has_value);
	return f;
}

static void
check_value(
    const struct batch *b, const char *svc, const char *name, double want)
{
	const struct field *f = field(b, svc, name);

	assert_false(f->unknown);
	if (f->value != want)
		fail_msg(
		    "%s.%s = %.17g, want %.17g", svc, name, f->value, want);
}

static void
check_unknown(const struct batch *b, const char *svc, const char *name)
{
	assert_true(field(b, svc, name)->unknown);
}

static int
collect(const char *proc, const char *sys, const char *cg, void **st,
    struct batch *b)
{
	struct host_roots r = {.proc = proc, .sys = sys, .cgroup = cg};

	batch_cleanup(b);
	memset(b, 0, sizeof(*b));
	return probe_vm.collect(&r, st, b);
}

static void
test_fixture(void **state)
{
	struct batch b = {0};
	void *st = NULL;
	struct service *s;

	(void)state;
	assert_ptr_equal(host_probe_find("vm"), &probe_vm);
	assert_true(probe_vm.multigraph);
	assert_int_equal(
	    collect(TREE "/proc", TREE "/sys", TREE "/cgroup", &st, &b), 0);
	assert_int_equal(b.n, 6);
	s = batch_service(&b, "vm_cpu", false);
	assert_non_null(s);
	assert_string_equal(
	    attrs_get(&s->graph, "graph_category"), "virtualization");
	/* alpha, beta, sorted; not Xen's qemus (dom0's disk backend, 500,
	 * and domain win10's device model, 600) */
	assert_int_equal(s->nfields, 2);
	assert_string_equal(s->fields[0].name, "alpha");
	assert_string_equal(s->fields[1].name, "beta");
	assert_string_equal(attrs_get(&s->fields[0].attrs, "type"), "DERIVE");
	/* alpha: cgroup v2 (usage_usec / 10000) */
	check_value(&b, "vm_cpu", "alpha", 12345);
	check_value(&b, "vm_memory", "alpha", 536870912);
	check_value(&b, "vm_disk", "alpha_read", 1010);
	check_value(&b, "vm_disk", "alpha_write", 2020);
	/* the tap's tx is the guest's rx; sysfs over /proc/PID/net/dev */
	check_value(&b, "vm_net", "alpha_rx", 7000);
	check_value(&b, "vm_net", "alpha_tx", 5000);
	check_value(&b, "vm_vcpus", "alpha", 2);
	check_value(&b, "vm_state", "alpha", 1);
	/* beta: named by its scope; cgroup v1 (ns / 1e7); /proc/PID/io;
	 * its tap from fdinfo; vCPUs from threads */
	check_value(&b, "vm_cpu", "beta", 9876);
	check_value(&b, "vm_memory", "beta", 268435456);
	check_value(&b, "vm_disk", "beta_read", 4096);
	check_value(&b, "vm_disk", "beta_write", 8192);
	check_value(&b, "vm_net", "beta_rx", 400);
	check_value(&b, "vm_net", "beta_tx", 300);
	check_value(&b, "vm_vcpus", "beta", 3);
	/* the MACs reach the state (for the pcap probe's names) */
	{
		const struct vm_seen *seen = st;
		const uint8_t a[VM_MAC_LEN] = {0x52, 0x54, 0, 0xaa, 0, 1};
		const uint8_t be[VM_MAC_LEN] = {0x52, 0x54, 0, 0xbb, 0, 2};

		assert_int_equal(seen->n, 2);
		assert_int_equal(seen->v[0].nmacs, 1);
		assert_memory_equal(seen->v[0].macs[0], a, VM_MAC_LEN);
		assert_int_equal(seen->v[1].nmacs, 1);
		assert_memory_equal(seen->v[1].macs[0], be, VM_MAC_LEN);
	}
	s = batch_service(&b, "vm_net", false);
	assert_string_equal(
	    attrs_get(&service_field(s, "beta_tx", false)->attrs, "negative"),
	    "beta_rx");
	assert_string_equal(
	    attrs_get(&service_field(s, "beta_rx", false)->attrs, "graph"),
	    "no");
	/* no cgroup tree: /proc for all (utime+stime ticks, RSS pages) */
	assert_int_equal(
	    collect(TREE "/proc", TREE "/sys", TREE "/nonexistent", &st, &b),
	    0);
	check_value(&b, "vm_cpu", "alpha",
	    (4000 + 1000) * 100 / (double)sysconf(_SC_CLK_TCK));
	check_value(
	    &b, "vm_memory", "alpha", 25000.0 * (double)sysconf(_SC_PAGESIZE));
	check_value(&b, "vm_disk", "alpha_read", 111);
	/* no sysfs: the tap's line in qemu's /proc/PID/net/dev */
	assert_int_equal(
	    collect(TREE "/proc", TREE "/nonexistent", TREE "/cgroup", &st, &b),
	    0);
	check_value(&b, "vm_net", "alpha_rx", 99);
	check_unknown(&b, "vm_net", "beta_rx");
	batch_cleanup(&b);
	probe_vm.state_free(st);
}

static void
test_no_guests(void **state)
{
	struct batch b = {0};
	void *st = NULL;

	(void)state;
	assert_int_equal(
	    collect(TREE "/sys", TREE "/sys", TREE "/cgroup", &st, &b), 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(
	    collect(TREE "/nonexistent", TREE "/sys", TREE "/cgroup", &st, &b),
	    0);
	assert_int_equal(b.n, 0);
	batch_cleanup(&b);
	probe_vm.state_free(st);
}

static void
run(const char *fmt, const char *arg)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg);
	assert_int_equal(system(cmd), 0);
}

static void
write_file(const char *dir, const char *rel, const char *text)
{
	char path[1024];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* A guest that goes away stays, stopped; one that comes back runs again;
 * malformed cgroup files fall back to /proc. */
static void
test_guests_come_and_go(void **state)
{
	char dir[] = "/tmp/test_host_vm.XXXXXX", proc[512], sys[512], cg[512];
	struct batch b = {0};
	void *st = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	run("cp -a " TREE "/. %s/", dir);
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	snprintf(cg, sizeof(cg), "%s/cgroup", dir);
	assert_int_equal(collect(proc, sys, cg, &st, &b), 0);
	check_value(&b, "vm_state", "beta", 1);

	run("mv %s/proc/200 %s/proc/200.gone", dir);
	assert_int_equal(collect(proc, sys, cg, &st, &b), 0);
	check_value(&b, "vm_state", "alpha", 1);
	check_value(&b, "vm_state", "beta", 0);
	check_unknown(&b, "vm_cpu", "beta");
	check_unknown(&b, "vm_memory", "beta");
	check_unknown(&b, "vm_disk", "beta_write");
	check_unknown(&b, "vm_net", "beta_tx");
	check_unknown(&b, "vm_vcpus", "beta");
	check_value(&b, "vm_cpu", "alpha", 12345);

	/* all gone: both stay, stopped */
	run("mv %s/proc/100 %s/proc/100.gone", dir);
	assert_int_equal(collect(proc, sys, cg, &st, &b), 0);
	assert_int_equal(b.n, 6);
	check_value(&b, "vm_state", "alpha", 0);
	check_value(&b, "vm_state", "beta", 0);

	/* back, with malformed cgroup files: /proc's figures */
	run("mv %s/proc/100.gone %s/proc/100", dir);
	run("mv %s/proc/200.gone %s/proc/200", dir);
	write_file(cg,
	    "machine.slice/machine-qemu\\x2d1\\x2dalpha.scope/cpu.stat",
	    "usage_usec lots\n");
	write_file(cg,
	    "machine.slice/machine-qemu\\x2d1\\x2dalpha.scope/io.stat",
	    "8:0 rbytes=\n");
	write_file(cg,
	    "machine.slice/machine-qemu\\x2d1\\x2dalpha.scope/memory.current",
	    "\n");
	write_file(cg,
	    "cpu,cpuacct/machine.slice/machine-qemu\\x2d2\\x2dbeta.scope/"
	    "cpuacct.usage",
	    "-5\n");
	assert_int_equal(collect(proc, sys, cg, &st, &b), 0);
	check_value(&b, "vm_state", "alpha", 1);
	check_value(&b, "vm_state", "beta", 1);
	/* memory.stat anon+file */
	check_value(&b, "vm_memory", "alpha", 500000000);
	check_value(&b, "vm_disk", "alpha_read", 111);
	check_value(&b, "vm_cpu", "alpha",
	    (4000 + 1000) * 100 / (double)sysconf(_SC_CLK_TCK));
	check_value(&b, "vm_cpu", "beta",
	    (700 + 300) * 100 / (double)sysconf(_SC_CLK_TCK));

	/* a command line of 1 MiB: the first VM_CMDLINE_MAX bytes read */
	run("{ printf 'qemu-system-x86_64\\0-name\\0alpha\\0'; "
	    "head -c 1048576 /dev/zero; } >%s/proc/100/cmdline",
	    dir);
	assert_int_equal(collect(proc, sys, cg, &st, &b), 0);
	check_value(&b, "vm_state", "alpha", 1);
	assert_int_equal(batch_service(&b, "vm_state", false)->nfields, 2);

	/* a malformed /proc/PID/cgroup and stat: still shown, figures U */
	write_file(proc, "100/cgroup", "nonsense\n");
	write_file(proc, "100/stat", "100 (qemu");
	assert_int_equal(collect(proc, sys, cg, &st, &b), 0);
	check_value(&b, "vm_state", "alpha", 1);
	check_unknown(&b, "vm_cpu", "alpha");

	batch_cleanup(&b);
	probe_vm.state_free(st);
	run("rm -rf %s", dir);
}

static struct vm_guest
guest(const char *name, bool running)
{
	struct vm_guest g;

	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "%s", name);
	snprintf(g.field, sizeof(g.field), "%s", name);
	g.running = running;
	return g;
}

/* Full: a new guest takes a stopped one's place, else is left out. */
static void
test_seen_full(void **state)
{
	struct vm_guest *now = calloc(VM_GUESTS_MAX + 1, sizeof(*now)), extra;
	struct vm_seen seen = {0};
	char name[32];
	size_t i;

	(void)state;
	assert_non_null(now);
	for (i = 0; i < VM_GUESTS_MAX; i++) {
		snprintf(name, sizeof(name), "g%03zu", i);
		now[i] = guest(name, true);
	}
	assert_int_equal(vm_seen_merge(&seen, now, VM_GUESTS_MAX), 0);
	assert_int_equal(seen.n, VM_GUESTS_MAX);
	extra = guest("new", true);
	now[VM_GUESTS_MAX - 1] = extra;
	/* g255 stopped: "new" takes its place */
	assert_int_equal(vm_seen_merge(&seen, now, VM_GUESTS_MAX), 0);
	assert_int_equal(seen.n, VM_GUESTS_MAX);
	assert_string_equal(seen.v[VM_GUESTS_MAX - 1].field, "new");
	assert_true(seen.v[VM_GUESTS_MAX - 1].running);
	/* all running and one more: left out */
	now[VM_GUESTS_MAX] = guest("zzz", true);
	assert_int_equal(vm_seen_merge(&seen, now, VM_GUESTS_MAX + 1), 0);
	assert_int_equal(seen.n, VM_GUESTS_MAX);
	assert_string_equal(seen.v[0].field, "g000");
	assert_true(seen.v[0].running);
	assert_string_equal(seen.v[VM_GUESTS_MAX - 1].field, "new");
	vm_seen_cleanup(&seen);
	free(now);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cmdline_names),
	    cmocka_unit_test(test_cmdline_smp_taps),
	    cmocka_unit_test(test_cmdline_macs),
	    cmocka_unit_test(test_cmdline_macs_cut),
	    cmocka_unit_test(test_cmdline_huge),
	    cmocka_unit_test(test_opt_get),
	    cmocka_unit_test(test_comms),
	    cmocka_unit_test(test_cgroups),
	    cmocka_unit_test(test_cgroup_files),
	    cmocka_unit_test(test_proc_files),
	    cmocka_unit_test(test_fixture),
	    cmocka_unit_test(test_no_guests),
	    cmocka_unit_test(test_guests_come_and_go),
	    cmocka_unit_test(test_seen_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
