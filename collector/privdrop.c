/*
 * privdrop: becoming the configured user after start-up.  See privdrop.h.
 *
 * No libcap (not a dependency): a root process that calls setresuid()
 * to another user loses every capability in the kernel's own rules
 * (without PR_SET_KEEPCAPS), and capset(2) through syscall() clears what
 * a non-root process was handed.  glibc's setresuid() applies to every
 * thread, but capset() only to the caller, so the drop comes before any
 * thread starts (main calls it before the RRD writer, the renderer and
 * libuv's pool exist).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector/privdrop.h"
#include "lib/fileio.h"
#include "lib/log.h"

/* Open file descriptors nftw may use. */
#define WALK_FDS 32

int
privdrop_plan(const char *user, const char *group, const char *conf_file,
    struct privdrop *p)
{
	const struct passwd *pw;
	const struct group *gr;
	const char *name = user != NULL ? user : PRIVDROP_DEFAULT_USER;

	memset(p, 0, sizeof(*p));
	p->root = geteuid() == 0;
	snprintf(p->user, sizeof(p->user), "%s", name);
	if (!p->root) {
		/* messages name whom the process is */
		pw = getpwuid(geteuid());
		if (pw != NULL)
			snprintf(p->user, sizeof(p->user), "%s", pw->pw_name);
		else
			snprintf(p->user, sizeof(p->user), "uid %u",
			    (unsigned)geteuid());
		return 0;
	}
	pw = getpwnam(name);
	if (pw == NULL && user != NULL) {
		log_warnx("drover: user \"%s\" does not exist", name);
		return -1;
	}
	if (pw == NULL) {
		log_warnx("drover: WARNING: no user \"%s\" on this system: "
			  "running as root with every capability, and so do "
			  "contact commands (create the account, e.g. "
			  "\"useradd --system --home-dir /var/lib/drover "
			  "--shell /usr/sbin/nologin %s\", or set \"user\" in "
			  "%s)",
		    name, name, conf_file);
		snprintf(p->user, sizeof(p->user), "root");
		return 0;
	}
	if (pw->pw_uid == 0) {
		log_info(
		    "drover: user %s is root: not dropping privileges", name);
		return 0;
	}
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	if (group != NULL) {
		gr = getgrnam(group);
		if (gr == NULL) {
			log_warnx("drover: group \"%s\" does not exist", group);
			return -1;
		}
		p->gid = gr->gr_gid;
	} else {
		gr = getgrgid(p->gid);
	}
	if (gr != NULL)
		snprintf(p->group, sizeof(p->group), "%s", gr->gr_name);
	else
		snprintf(p->group, sizeof(p->group), "%u", (unsigned)p->gid);
	p->drop = true;
	return 0;
}

/* nftw has no argument for its callback: the owner being given, set
 * only during privdrop_own_dir (start-up, one thread). */
static uid_t walk_uid;
static gid_t walk_gid;

static int
give_root_owned(
    const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	if (st->st_uid == 0 && lchown(path, walk_uid, walk_gid) == -1) {
		log_warn("drover: cannot give %s to uid %u", path,
		    (unsigned)walk_uid);
		return -1;
	}
	return 0;
}

int
privdrop_own_dir(const struct privdrop *p, const char *dir, mode_t mode)
{
	struct stat st;

	if (file_mkdirs(dir, mode) == -1)
		return -1;
	if (!p->drop)
		return 0;
	if (lstat(dir, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if (st.st_uid != 0)
		return 0; /* the user's (done), or another's: not ours */
	walk_uid = p->uid;
	walk_gid = p->gid;
	return nftw(dir, give_root_owned, WALK_FDS, FTW_PHYS) == 0 ? 0 : -1;
}

int
privdrop_device(const struct privdrop *p, const char *path)
{
	struct stat st;

	if (!p->drop)
		return 0;
	if (stat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISCHR(st.st_mode) ||
	    (st.st_gid == p->gid && (st.st_mode & 0060) == 0060))
		return 0;
	if (chown(path, (uid_t)-1, p->gid) == -1 ||
	    chmod(path, (st.st_mode & 07777) | 0060) == -1)
		return -1;
	log_info("drover: %s now belongs to group %s (mode %04o) for the "
		 "sources that read it; a udev rule makes that last",
	    path, p->group, (unsigned)((st.st_mode & 07777) | 0060));
	return 0;
}

/* This thread's permitted set (low word: CAP_NET_RAW is 13), or all
 * ones when capget fails. */
static uint64_t
caps_permitted(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];

	memset(data, 0xff, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) == -1)
		return UINT64_MAX;
	return (data[0].effective | data[0].permitted) |
	       (uint64_t)(data[1].effective | data[1].permitted) << 32;
}

/*
 * Leaves this thread only the capabilities of keep (a mask of the low
 * 32), permitted and effective, of those it holds; 0 / -1.  Nothing is
 * called when there is nothing to take: a unit's
 * SystemCallFilter=~@privileged refuses capset, and a process started
 * without capabilities needs none of it.
 */
static int
limit_caps(uint32_t keep)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	uint64_t have = caps_permitted();

	keep &= (uint32_t)have;
	if (have == keep)
		return 0;
	/* EINVAL: a kernel without ambient capabilities (before 4.3) */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		return -1;
	memset(data, 0, sizeof(data));
	data[0].permitted = data[0].effective = keep;
	if (syscall(SYS_capset, &hdr, data) == -1)
		return -1;
	if (caps_permitted() != keep) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int
privdrop_drop(const struct privdrop *p)
{
	uint32_t keep;

	if (p->root && !p->drop)
		return 0; /* root stays root (warned, or "user root") */
	if (p->drop) {
		if (initgroups(p->user, p->gid) == -1) {
			log_warn(
			    "drover: cannot set the groups of %s", p->user);
			return -1;
		}
		/* with PR_SET_KEEPCAPS the permitted set survives
		 * setresuid, for limit_caps to keep CAP_NET_RAW of it */
		if (p->net_raw && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1) {
			log_warn("drover: cannot keep CAP_NET_RAW");
			return -1;
		}
		if (setresgid(p->gid, p->gid, p->gid) == -1 ||
		    setresuid(p->uid, p->uid, p->uid) == -1) {
			log_warn(
			    "drover: cannot become %s:%s", p->user, p->group);
			return -1;
		}
		if (p->net_raw && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1) {
			log_warn("drover: PR_SET_KEEPCAPS");
			return -1;
		}
		/* the way back must be shut */
		if (setuid(0) != -1 || getuid() != p->uid ||
		    geteuid() != p->uid || getegid() != p->gid) {
			log_warnx("drover: still able to regain root after "
				  "becoming %s",
			    p->user);
			return -1;
		}
	}
	keep = p->net_raw ? (uint32_t)1 << CAP_NET_RAW : 0;
	if (limit_caps(keep) == -1) {
		log_warn("drover: cannot drop capabilities");
		return -1;
	}
	if (p->net_raw && (caps_permitted() & keep) == 0)
		log_warnx("drover: pcap_interfaces is set but the process has "
			  "no CAP_NET_RAW: capture will fail (start as root, "
			  "or give the unit AmbientCapabilities=CAP_NET_RAW)");
	if (p->drop)
		log_info("drover: running as %s:%s (uid %u, gid %u), %s",
		    p->user, p->group, (unsigned)p->uid, (unsigned)p->gid,
		    caps_permitted() != 0 ? "only CAP_NET_RAW (pcap)"
					  : "no capabilities");
	return 0;
}

bool
privdrop_writable(const char *dir)
{
	return access(dir, W_OK | X_OK) == 0;
}

/* "NAME:GROUP" of uid and gid (numbers when unknown). */
static void
owner_name(char *out, size_t len, uid_t uid, gid_t gid)
{
	const struct passwd *pw = getpwuid(uid);
	const struct group *gr = getgrgid(gid);
	char u[64], g[64];

	if (pw != NULL)
		snprintf(u, sizeof(u), "%s", pw->pw_name);
	else
		snprintf(u, sizeof(u), "%u", (unsigned)uid);
	if (gr != NULL)
		snprintf(g, sizeof(g), "%s", gr->gr_name);
	else
		snprintf(g, sizeof(g), "%u", (unsigned)gid);
	snprintf(out, len, "%s:%s", u, g);
}

/* The first *.rrd in dir or one level of directories below (Munin's
 * dbdir/GROUP/HOST-...rrd), into out; false when none. */
static bool
first_rrd(const char *dir, char *out, size_t len, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char sub[4096];
	size_t n;
	bool found = false;

	if (d == NULL)
		return false;
	while (!found && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		n = strlen(e->d_name);
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		if (n > 4 && strcmp(e->d_name + n - 4, ".rrd") == 0) {
			snprintf(out, len, "%s", sub);
			found = true;
		} else if (depth > 0 && e->d_type == DT_DIR)
			found = first_rrd(sub, out, len, depth - 1);
	}
	closedir(d);
	return found;
}

bool
privdrop_check_dir(const char *key, const char *dir, bool rrds)
{
	char file[4096], owner[140], self[140], user[64];
	const char *what = dir;
	struct stat st;

	if (access(dir, W_OK | X_OK) == 0) {
		if (!rrds || !first_rrd(dir, file, sizeof(file), 2) ||
		    access(file, W_OK) == 0)
			return true;
		what = file;
	}
	if (stat(what, &st) == -1)
		return false; /* missing: what needs it says so */
	owner_name(owner, sizeof(owner), st.st_uid, st.st_gid);
	owner_name(self, sizeof(self), geteuid(), getegid());
	snprintf(user, sizeof(user), "%.*s", (int)strcspn(owner, ":"), owner);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		log_warnx("drover: WARNING: %s %s: %s belongs to %s and is not "
			  "writable by %s, so %s: run drover as %s (\"user "
			  "%s\" as root, or User=%s in the systemd unit), so "
			  "that the files stay theirs",
		    key, dir, what, owner, self,
		    rrds ? "no RRD file there is updated or made"
			 : "nothing is saved there",
		    user, user, user);
	else
		log_warnx("drover: WARNING: %s %s: %s (%s) is not writable by "
			  "%s; give it to %s or set \"user\" to its owner",
		    key, dir, what, owner, self, self);
	return false;
}

int
privdrop_lock_owner(const struct privdrop *p, int fd, const char *dir)
{
	struct stat st;

	if (!p->root || stat(dir, &st) == -1)
		return 0;
	if (st.st_uid != 0)
		return fchown(fd, st.st_uid, st.st_gid);
	if (p->drop)
		return fchown(fd, p->uid, p->gid);
	return 0;
}
