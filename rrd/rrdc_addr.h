/*
 * rrdc_addr: what kind of rrdcached address a config names, and the file
 * names to send to it.
 *
 * librrd 1.7.2 speaks to rrdcached in two ways.  Over a unix socket
 * ("unix:/path" or "/path") it sends absolute file names, the same the
 * process opens itself.  Over TCP ("host", "host:port", "[v6]" or
 * "[v6]:port"; librrd's default port is 42217) it refuses absolute names
 * ("absolute path names not allowed when talking to a remote daemon")
 * and the daemon resolves relative ones against its base directory (-b;
 * -B keeps it inside).  So with TCP drover sends each file's name
 * relative to that base (rrdcached_base_dir, by default dbdir); rrdcached
 * must run with "-b" that directory and "-B", on a machine that sees the
 * same files (drover creates them itself and reads them to draw).
 * Pure functions, any thread.
 */
#ifndef DROVER_RRDC_ADDR_H
#define DROVER_RRDC_ADDR_H

#include <stdbool.h>
#include <stddef.h>

enum rrdc_kind {
	RRDC_BAD,  /* not an address librrd can use */
	RRDC_UNIX, /* "unix:/path" or "/path" */
	RRDC_TCP   /* "host[:port]", "[v6][:port]", "v6" */
};

/*
 * The kind of addr; for RRDC_BAD, why, in err (one line naming the forms
 * that work).
 */
enum rrdc_kind rrdc_addr_kind(const char *addr, char *err, size_t errlen);

/* Whether addr is a TCP address (rrdc_addr_kind() == RRDC_TCP). */
bool rrdc_addr_is_tcp(const char *addr);

/*
 * path relative to base ("/var/lib/munin" and "/var/lib/munin/a/b.rrd"
 * give "a/b.rrd"; trailing slashes of base do not matter): a pointer into
 * path, or NULL when path is not inside base or base is not absolute.
 */
const char *rrdc_relpath(const char *base, const char *path);

#endif
