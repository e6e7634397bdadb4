/*
 * host_vm: the "vm" probe, the qemu guests running on this machine found
 * without libvirt: every process whose comm is qemu-system-*, qemu-kvm or
 * qemu:NAME (libvirt's process=) and whose argv[0] is a qemu binary.
 *
 * One multigraph plugin "vm" with a service per metric and a field per
 * guest, as Munin's contrib libvirt-cputime, libvirt-mem, libvirt-blkstat
 * and libvirt-ifstat graph every domain in one graph: a hypervisor's
 * question is which guest takes the CPU, the memory, the disk, the
 * network, and one graph per metric answers it; a service per guest
 * would make services come and go with guests.
 *   vm_cpu     CPU time of the guest, DERIVE in percent of one CPU
 *              (cgroup v2 cpu.stat usage_usec of the guest's cgroup, else
 *              v1 cpuacct.usage, else utime+stime of /proc/PID/stat);
 *   vm_memory  bytes (memory.current, else memory.stat anon+file, else
 *              v1 memory.usage_in_bytes, else the RSS of /proc/PID/statm);
 *   vm_disk    bytes read/written per second (io.stat rbytes/wbytes, else
 *              /proc/PID/io read_bytes/write_bytes), NAME_read and
 *              NAME_write (the read one graphed below the axis);
 *   vm_net     bytes the guest received/sent per second on its taps,
 *              NAME_rx and NAME_tx: the tap's tx is what the guest
 *              receives.  SYS/class/net/IF/statistics, else the line of
 *              /proc/PID/net/dev (qemu inside a network namespace);
 *   vm_vcpus   virtual CPUs (-smp, else the "CPU n/KVM" threads, else 1);
 *   vm_state   1 running, 0 stopped.
 * Field names are the guest's name through Munin's clean_fieldname.
 *
 * Which tap is a guest's: "-netdev tap,...,ifname=X" (also -nic, -net);
 * for "fd=N" (libvirt opens the tap itself, naming it vnetN) the "iff:"
 * line of /proc/PID/fdinfo/N.  Not mapped: taps qemu reaches through a
 * helper (bridge helper, vhost-user, -netdev bridge), macvtap given by
 * fd whose fdinfo has no iff line, and user-mode networking (no tap).
 *
 * Not guests of this probe: the qemu processes Xen's toolstack runs
 * (-xen-domid: a domain's device model, named after the domain, or dom0's
 * disk backend, "-name dom0"), whose CPU and memory are not the domain's;
 * the xen probe (plugins/host_xen.h) shows Xen's domains.
 *
 * A guest's MACs (for the pcap probe's names, not graphed here): the
 * mac= of every -device (virtio-net-pci, e1000, rtl8139...; libvirt's
 * JSON -device {"driver":...,"mac":"..."} too) and -nic, and the macaddr=
 * of -net nic; a repeated MAC is kept once.  A NIC given no MAC gets
 * qemu's default (52:54:00:12:34:56 and up), which is not derived here:
 * such a guest's traffic stays under its MAC.
 *
 * Guest name: -name guest=NAME or -name NAME (",," is a comma), else
 * the machine scope of /proc/PID/cgroup (libvirt's
 * machine-qemu\x2d1\x2dNAME.scope, systemd-machined's
 * machine-NAME.scope), else "pid" and the PID.
 *
 * Guests seen stay in the probe's state: a guest that stopped keeps its
 * fields with U values and vm_state 0 for the life of the process, so
 * fields neither vanish nor reorder when guests come and go (kept sorted
 * by field name; at most VM_GUESTS_MAX, stopped ones dropped first).
 */
#ifndef DROVER_HOST_VM_H
#define DROVER_HOST_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/host.h"
#include "plugins/sample.h"

#define VM_NAME_MAX 128	 /* bytes of a guest's name with the NUL */
#define VM_IFNAME_MAX 16 /* IFNAMSIZ */
#define VM_TAPS_MAX 8	 /* taps looked at per guest */
#define VM_MACS_MAX 8	 /* NIC MACs kept per guest */
#define VM_MAC_LEN 6
#define VM_CMDLINE_MAX 65536 /* bytes of /proc/PID/cmdline read */
#define VM_GUESTS_MAX 256    /* guests kept in the state */
#define VM_CGPATH_MAX 512    /* bytes of a cgroup path with the NUL */

struct vm_tap {
	char ifname[VM_IFNAME_MAX]; /* "" when given by fd */
	int fd;			    /* fd=N, or -1 */
};

/* What a qemu command line says. */
struct vm_cmdline {
	char name[VM_NAME_MAX]; /* -name's guest, "" without one */
	unsigned smp;		/* -smp's CPU count, 0 without one */
	struct vm_tap taps[VM_TAPS_MAX];
	size_t ntaps;
	bool xen; /* -xen-domid: a Xen device model or backend */
	uint8_t macs[VM_MACS_MAX][VM_MAC_LEN]; /* its NICs' mac= */
	size_t nmacs;
};

/* comm (a /proc/PID/comm, trailing newline allowed) names a qemu. */
bool vm_comm_is_qemu(const char *buf, size_t len);

/*
 * A /proc/PID/cmdline: NUL-separated arguments, the last NUL optional.
 * Fills out; 0, or -1 (EINVAL) when argv[0] is not a qemu binary
 * (qemu-system-*, qemu-kvm, kvm).  Longer names and more taps or MACs
 * than fit are cut; a mac= that is no MAC is left out.
 */
int vm_cmdline_parse(const char *buf, size_t len, struct vm_cmdline *out);

/*
 * The value of key in a qemu option string (a,b=c,d=e; ",," is a comma
 * in a value); first_key names the key of a leading value without '='
 * ("guest" for -name), or NULL.  Into out (size outlen, truncated).
 * True when found.
 */
bool vm_opt_get(const char *opts, size_t len, const char *key,
    const char *first_key, char *out, size_t outlen);

/* The cgroups of a /proc/PID/cgroup. */
struct vm_cgroups {
	char v2[VM_CGPATH_MAX];	     /* the "0::" path, "" without one */
	char cpuacct[VM_CGPATH_MAX]; /* v1 paths, "" without one */
	char cpuacct_dir[64];	     /* its hierarchy's controllers */
	char memory[VM_CGPATH_MAX];
};

/* 0, or -1 (EINVAL) on a line that is not "ID:CONTROLLERS:PATH". */
int vm_cgroup_parse(const char *buf, size_t len, struct vm_cgroups *out);

/*
 * The machine scope in cgroup path: the first component
 * "machine-qemu\x2d1\x2dNAME.scope" (libvirt) or "machine-NAME.scope"
 * (systemd-machined); its NAME (systemd's \xNN escapes undone) into out
 * (size outlen, truncated).  Returns the length of path up to the end of
 * that component (the guest's cgroup, taking in libvirt's vcpuN and
 * emulator below it), 0 when there is none: a qemu outside a machine
 * scope shares its cgroup with others, so its counters are not its own.
 */
size_t vm_scope_find(const char *path, char *out, size_t outlen);

/* cgroup v2 cpu.stat: usage_usec.  0 / -1 (EINVAL: missing). */
int vm_cpu_stat_parse(const char *buf, size_t len, uint64_t *usec);
/* cgroup v2 io.stat: rbytes and wbytes summed over devices (none: 0). */
int vm_io_stat_parse(
    const char *buf, size_t len, uint64_t *rbytes, uint64_t *wbytes);
/* cgroup v2 memory.stat: anon + file.  0 / -1 (EINVAL: missing). */
int vm_memory_stat_parse(const char *buf, size_t len, uint64_t *bytes);
/* /proc/PID/stat: utime + stime, clock ticks (the comm may hold spaces
 * and parentheses).  0 / -1 (EINVAL). */
int vm_proc_stat_parse(const char *buf, size_t len, uint64_t *ticks);
/* /proc/PID/statm: resident pages (the second number).  0 / -1. */
int vm_statm_parse(const char *buf, size_t len, uint64_t *pages);
/* /proc/PID/io: read_bytes and write_bytes.  0 / -1 (EINVAL). */
int vm_proc_io_parse(
    const char *buf, size_t len, uint64_t *rbytes, uint64_t *wbytes);
/* /proc/PID/fdinfo/N of a tun fd: its "iff:" interface.  True if any. */
bool vm_fdinfo_iff(const char *buf, size_t len, char *out, size_t outlen);
/* The rx and tx bytes of ifname in a /proc/net/dev.  0 / -1 (EINVAL:
 * not there or not understood). */
int vm_net_dev_find(const char *buf, size_t len, const char *ifname,
    uint64_t *rx, uint64_t *tx);
/* A thread comm "CPU n/KVM" (or /TCG, /HVF...): a vCPU thread. */
bool vm_comm_is_vcpu(const char *buf, size_t len);

/* One guest's reading. */
struct vm_guest {
	char name[VM_NAME_MAX];	 /* as found */
	char field[VM_NAME_MAX]; /* clean_fieldname(name), the key */
	long pid;
	bool running;
	bool has_cpu, has_mem, has_disk, has_net;
	uint64_t cpu_cs;	 /* CPU time, 1/100 s */
	uint64_t mem;		 /* bytes */
	uint64_t rbytes, wbytes; /* disk, bytes */
	uint64_t net_rx, net_tx; /* bytes the guest received / sent */
	unsigned vcpus;
	uint8_t macs[VM_MACS_MAX][VM_MAC_LEN]; /* the command line's */
	size_t nmacs;
};

/* The guests seen so far (the probe's state). */
struct vm_seen {
	struct vm_guest *v; /* sorted by field */
	size_t n;
	bool full_said; /* "too many guests" logged */
};

/*
 * Merges the guests now[n] running now into seen: each is replaced or
 * added (a new name while full first drops a stopped guest, else is left
 * out, logged), every other seen guest is marked stopped.  0 / -1
 * (ENOMEM, seen unchanged).
 */
int vm_seen_merge(struct vm_seen *seen, const struct vm_guest *now, size_t n);
void vm_seen_cleanup(struct vm_seen *seen);

/* The services of the guests seen into b (nothing without a guest).
 * 0 / -1 (ENOMEM). */
int vm_services(const struct vm_seen *seen, struct batch *b);

/*
 * Reads the guest of process pid below r (proc, sys, cgroup roots) into
 * g, g->name left "" when not a qemu.  0; -1 when the process is gone, is
 * no qemu or is Xen's (nothing to show).  clk_tck is the /proc/PID/stat
 * tick.
 */
int vm_guest_read(
    const struct host_roots *r, long pid, long clk_tck, struct vm_guest *g);

/* Every guest below r into seen (the probe's collect without a batch). */
int vm_scan(const struct host_roots *r, struct vm_seen *seen);

extern const struct host_probe probe_vm;

#endif
