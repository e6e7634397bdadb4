/*
 * privdrop: "drover run" gives up root once what needs root is open.
 *
 * Started as root, the daemon opens the privileged things first (the
 * listen socket, even below port 1024; the rrdcached connection; the
 * device nodes a configured source reads, given to the daemon's group;
 * its state, RRD and graph directories, made and given to the user),
 * then becomes the configured "user" (default "drover") and "group",
 * with that user's supplementary groups and no capabilities, before any
 * thread starts.  Every child (contact commands through /bin/sh) runs
 * as that user.  Not started as root, the user stays; capabilities it
 * was given (systemd's AmbientCapabilities=CAP_NET_BIND_SERVICE for a
 * low port) are dropped all the same.  No source needs a capability
 * today, so none is kept: munin-node and IPMI over LAN are sockets,
 * /proc is world-readable and "ipmi local" needs only its device node.
 * The one exception is packet capture (plugins/host_pcap.h): with
 * net_raw set (pcap_interfaces names interfaces) CAP_NET_RAW alone stays,
 * permitted and effective, neither inheritable nor ambient, so children
 * do not get it.  It stays rather than handles being opened before the
 * drop because the capture threads reopen an interface that disappears
 * and returns (a guest's tap, a re-created bridge), and open after a
 * reload ("drover run" re-creates its node source's state then): one
 * path for open and reopen, which needs the capability either way.
 *
 * The bounding set is left alone: a contact command's setuid helper
 * (the MTA's sendmail) still works; the systemd unit narrows it.
 */
#ifndef DROVER_PRIVDROP_H
#define DROVER_PRIVDROP_H

#include <stdbool.h>
#include <sys/types.h>

/* The account "run" becomes when the config names none and it exists
 * (made by "make install" or the package). */
#define PRIVDROP_DEFAULT_USER "drover"

/* Whom to become; plain data, filled by privdrop_plan. */
struct privdrop {
	bool root;	/* started as root (euid 0) */
	bool drop;	/* root, and a user other than root to become */
	uid_t uid;	/* the user's; valid when drop */
	gid_t gid;	/* the group's (the user's own unless "group") */
	char user[64];	/* names, for messages */
	char group[64]; /* "" when not drop */
	bool net_raw;	/* keep CAP_NET_RAW (set by the caller) */
};

/*
 * Decides whom "run" becomes: user (NULL: the default, when that account
 * exists; else root stays, with a loud warning naming conf_file) and
 * group (NULL: the user's primary group).  An explicit user or group
 * that does not exist (any more: the config checked it) is -1, logged.
 */
int privdrop_plan(const char *user, const char *group, const char *conf_file,
    struct privdrop *p);
/*
 * Makes dir (and its parents, 0755) with mode for the last component,
 * and when p drops gives it to p's user and group, with everything in
 * it that root owns (left by a run as root): another user's files (a
 * Munin dbdir) are never taken.  0, or -1 (errno set).
 */
int privdrop_own_dir(const struct privdrop *p, const char *dir, mode_t mode);
/*
 * A device node a source opens on each read: gives path to p's group
 * with group read and write (logged; a udev rule makes it last).  0 also
 * when there is no such node or nothing to do; -1 (errno set).
 */
int privdrop_device(const struct privdrop *p, const char *path);
/*
 * Becomes p's user and group (with the user's supplementary groups) when
 * p drops, then clears every capability (effective, permitted,
 * inheritable, ambient) either way but CAP_NET_RAW with p->net_raw (when
 * the process had it), and checks that root cannot be regained.  Call
 * before any thread starts (threads inherit what it leaves).  0, or -1
 * (logged).
 */
int privdrop_drop(const struct privdrop *p);
/* Whether the process may write in dir now (after the drop: as the
 * user). */
bool privdrop_writable(const char *dir);
/*
 * Logs a loud warning when the process, as whom it runs now, may not
 * write dir or (with rrds, for a dbdir) the first RRD file found in its
 * groups: who owns it, whom drover runs as, and the way out that leaves
 * another user's files (Munin's, kept by munin) theirs.  key names the
 * setting.  Returns whether all was writable.
 */
bool privdrop_check_dir(const char *key, const char *dir, bool rrds);
/*
 * The owner a lock file (fd) drover made in dir gets: the directory's
 * owner when another user than root owns it (a Munin dbdir: munin), else
 * p's user when p drops (so a start as that user locks it too).  As root
 * only; 0, or -1 (errno set).
 */
int privdrop_lock_owner(const struct privdrop *p, int fd, const char *dir);

#endif
