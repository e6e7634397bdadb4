/*
 * catalog: what drover knows now about every host, service and field.
 *
 * Hosts are created from the config and stay until a reload drops them
 * from the config: a host that is down stays listed as down, with its
 * error and the time it was last seen.  Each service keeps its latest
 * config (graph metadata, field attributes) and last values.  The web
 * pages, the JSON API and alerts read from here.  Loop thread only.
 */
#ifndef DROVER_CATALOG_H
#define DROVER_CATALOG_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "lib/range.h"
#include "plugins/sample.h"
#include "rrd/rrd_schema.h"

enum host_state {
	HOST_PENDING, /* never polled yet */
	HOST_UP,      /* last poll succeeded (maybe partly) */
	HOST_DOWN,    /* last poll failed */
};

const char *host_state_str(enum host_state s);

/*
 * What the catalog knows of one field beyond its attributes and value:
 * the attributes parsed (when the service's config last changed) and the
 * alert engine's verdict.  64 bytes on x86-64, one per field: the RRD
 * data source the attributes make is derived when a sample is queued
 * (cat_field_ds), and the alerting rules, which most fields lack, are
 * held apart only when set.
 */
struct cat_field {
	struct field_spec spec; /* points into the field's attrs; spec.rules
				   is the catalog's own copy when the field
				   has rules */
	time_t since;		/* epoch s the engine's hard state (alert)
				   began; 0: not known */
	double prev;		/* the last known value before the current one
				   (a trend from two polls; not saved in the
				   state file) */
	enum field_state alert; /* the engine's hard state, when has_alert */
	bool has_alert;		/* the alert engine judged it since its
				   config last arrived */
	bool valued;		/* the field's value came from a poll and was
				   not "U" */
	bool has_prev;		/* prev holds a value */
};

struct cat_service {
	struct service svc;	  /* config and last values */
	struct cat_field *fields; /* fields[i] is about svc.fields[i] */
	struct service_spec spec; /* points into svc.graph */
	time_t last_update;	  /* sample time of the last values (epoch s) */
	time_t prev_update;	  /* and of the values before (cat_field prev;
				     0: none), for a rate */
	bool restored;		  /* read from the state file and not updated
				     by a poll since the start */
};

/* Bytes kept of a poll's error text (longer ones are cut). */
#define CAT_ERROR_MAX 255

/* The host's BMC, when it has one: read apart from its munin-node. */
struct cat_bmc {
	bool configured;
	enum host_state state;
	time_t last_ok;	   /* epoch s of the last good read, or 0 */
	time_t last_poll;  /* epoch s of the last read attempt, or 0 */
	char *last_error;  /* heap, at most CAT_ERROR_MAX bytes; NULL when
			      the last read was clean (cat_error_str) */
	unsigned failures; /* consecutive failed reads */
	uint64_t poll_ms;  /* duration of the last read */
	unsigned sensors;  /* values in the last read */
};

/* How a host's physical host was found. */
enum cat_phys_from {
	PHYS_OWN,     /* none: the host is its own */
	PHYS_CONFIG,  /* the "physical" key */
	PHYS_LEARNED, /* a hypervisor reports it as a running guest */
};

/* "own", "config", "learned". */
const char *cat_phys_from_str(enum cat_phys_from f);

struct cat_host {
	char *name;
	uint64_t seq;	/* creation order, from 1: the catalog's hosts are in
			   ascending seq (catalog_seek) */
	char *group;	/* ';'-joined group chain */
	char *physical; /* physical host name (own name if none) */
	enum cat_phys_from physical_from;
	char *hypervisor;  /* the host reporting this one as its running
			      guest; NULL when none does */
	char *guest_field; /* this host's field in the hypervisor's vm_* or
			      xen_* graphs, with hypervisor */
	enum host_state state;
	time_t state_since; /* epoch s of the poll result that put it in
			       state (this run's first when unchanged
			       since a restart), or 0 */
	time_t last_ok;	    /* epoch s of the last successful poll, or 0 */
	time_t first_ok;    /* epoch s of the first successful poll (kept
			       in the state file), 0: unknown */
	time_t last_poll;   /* epoch s of the last poll attempt, or 0 */
	char *last_error;   /* heap, at most CAT_ERROR_MAX bytes; NULL when
			       the last poll was clean (cat_error_str) */
	unsigned failures;  /* consecutive failed polls */
	unsigned interval;  /* s between polls of the target that decides
			       its state; 0: not known (never stale) */
	bool bmc_only;	    /* no munin-node: the host is its BMC, read by
			       the ipmi source */
	uint64_t poll_ms;   /* duration of the last poll */
	uint64_t queue_ms;  /* queue delay of the last poll */
	unsigned values;    /* values received in the last poll */
	struct cat_bmc bmc;
	bool restored; /* read from the state file and not polled since the
			  start: its state is the last one saved */
	bool unpolled; /* "update no": drawn from its existing files (and,
			  for an aggregate, other hosts' files), never
			  polled, never stale; state stays HOST_PENDING */
	bool peer;     /* another collector of the cluster polls it
			  (collector/shard.h): never polled here, never a
			  problem here; state stays HOST_PENDING */
	struct cat_service *services;
	size_t nservices;
	size_t cap;
	struct name_index index; /* services by name */
};

struct catalog;

/*
 * A host's or BMC's error text is a heap string sized to fit, NULL when
 * clean (a 1000-host catalog had two 256-byte arrays a host).
 * cat_error_set replaces *dst with the first CAT_ERROR_MAX bytes of s,
 * or NULL when s is NULL or "" (kept as it was when out of memory);
 * cat_error_str gives "" for NULL.
 */
void cat_error_set(char **dst, const char *s);
const char *cat_error_str(const char *e);

/*
 * drover's own metrics (the drover_* services) are host CATALOG_SELF in
 * group CATALOG_SELF_GROUP, so none can be a munin.conf host or share its
 * files: Munin host names (and drover's) hold no '_', and the group's
 * directory, dbdir/.drover, is one Munin neither makes nor reads (a
 * section's group is the name before its ';', which Munin reads as a
 * domain when a dot comes first, or a host's domain, which starts with a
 * dot only for a name holding "..").
 */
#define CATALOG_SELF "_drover"
#define CATALOG_SELF_GROUP ".drover"

struct catalog *catalog_new(void);
void catalog_free(struct catalog *cat);
/* The host called name, created (with group and physical) when missing;
 * group and physical are updated when given. */
struct cat_host *catalog_host(struct catalog *cat, const char *name,
    const char *group, const char *physical);
struct cat_host *catalog_find(const struct catalog *cat, const char *name);
/* Sets h's physical host (NULL: its own), how it was found, and the
 * hypervisor reporting it as a guest with its field there (both NULL:
 * none does). */
void catalog_set_physical(struct cat_host *h, const char *physical,
    enum cat_phys_from from, const char *hypervisor, const char *guest_field);
/* Records how h is polled: every interval s, by its BMC alone when
 * bmc_only (the poller, when it adds or updates the target that decides
 * h's state). */
void catalog_set_target(struct cat_host *h, unsigned interval, bool bmc_only);
/* Drops hosts whose name is not in keep[0..n) (after a config reload). */
void catalog_retain(struct catalog *cat, const char *const *keep, size_t n);
size_t catalog_count(const struct catalog *cat);
/*
 * The index of the first host whose seq is above seq (catalog_count()
 * when none), O(log hosts).  Hosts are only appended (catalog_host) or
 * dropped with the survivors' order kept (catalog_retain), so a reader
 * that walks the catalog across loop turns (a save, a /metrics scrape)
 * resumes after the last host it read with catalog_seek(h->seq): a host
 * dropped meanwhile is skipped, one added meanwhile comes at the end,
 * none is read twice.  seq 0 seeks to the first host.
 */
size_t catalog_seek(const struct catalog *cat, uint64_t seq);
/*
 * A number that changes whenever a host is added, dropped or moved to
 * another group, or any service's config (graph metadata, fields, their
 * attributes) changes or a service appears, and never on values alone:
 * a reader that sees the number it saw before may trust what it derived
 * from the configs then (the web's kept graphs, web/graph_cache.h).
 */
uint64_t catalog_generation(const struct catalog *cat);
struct cat_host *catalog_at(const struct catalog *cat, size_t i);
/*
 * Merges a poll's batch into the host: each service's config replaces the
 * old one when the batch carries config, values replace old values.  A
 * service's fields are parsed (cat_field) only when its config differs
 * from the one the catalog holds; a replaced config forgets the alert
 * engine's verdicts, which the engine gives again as it judges the batch.
 */
void catalog_update(
    struct catalog *cat, struct cat_host *h, time_t ts, const struct batch *b);
/* Records the end of a poll: ok, or down with error. */
void catalog_poll_result(struct cat_host *h, bool ok, const char *error,
    time_t when, uint64_t poll_ms, uint64_t queue_ms, unsigned values);
/* Records the end of a BMC read of h (sets bmc.configured). */
void catalog_bmc_result(struct cat_host *h, bool ok, const char *error,
    time_t when, uint64_t poll_ms, unsigned sensors);
/* The "state" attribute of field of service of h (OK, WARNING, ...), or
 * NULL when the field has none. */
const char *catalog_field_state(
    const struct cat_host *h, const char *service, const char *field);
/* The service called name of host h, or NULL. */
const struct cat_service *cat_host_service(
    const struct cat_host *h, const char *name);

/*
 * The index of the field called name in cs: hint when the field there has
 * that name (a batch that carried config lists the fields in the order the
 * catalog holds them), else found by name; -1 when cs has no such field.
 */
long cat_service_field_index(
    const struct cat_service *cs, size_t hint, const char *name);
/*
 * The RRD data source of field i of cs (how its file is made and tuned):
 * from its type, min and max and the service's graph_data_size and
 * update_rate; Munin's defaults for the whole when those do not read.
 * Derived on each call (well under a microsecond for 'normal'): it is
 * needed only as a sample is queued for the writer.
 */
void cat_field_ds(const struct cat_service *cs, size_t i, struct rrd_ds *ds);
/* Records the alert engine's hard state st for field i of cs. */
void cat_field_set_alert(struct cat_service *cs, size_t i, enum field_state st);
/* Records when (epoch s) that hard state of field i began. */
void cat_field_set_since(struct cat_service *cs, size_t i, time_t since);
/*
 * Field i's state now: the alert engine's hard state first; then a
 * source's own verdict (attribute "state", as the IPMI source sets from
 * the BMC's threshold bits) wins; otherwise the last value against its
 * Munin warning/critical ranges.
 */
enum field_state cat_field_state(const struct cat_service *cs, size_t i);
/* The worst field state of a service, and of a host (DOWN hosts are
 * CRITICAL, hosts never polled yet UNKNOWN, unpolled ones their
 * services', a peer's OK); *problems (may be NULL) counts fields not
 * OK. */
enum field_state cat_service_state(
    const struct cat_service *cs, unsigned *problems);
enum field_state cat_host_state(const struct cat_host *h, unsigned *problems);

/*
 * A host is stale when it is polled (not "update no"), up, and its last
 * good poll is more than CAT_STALE_INTERVALS of its intervals old at now
 * (epoch s): its values stopped coming without a poll failing (a stuck
 * scheduler, polls held back by a bound, a state restored from long
 * ago).  A host whose interval is not known is never stale.
 */
#define CAT_STALE_INTERVALS 3
bool cat_host_stale(const struct cat_host *h, time_t now);

/* One current problem: a field (or a host) not OK. */
struct cat_problem {
	const struct cat_host *h;
	const struct cat_service *cs; /* NULL: the host itself is down */
	const struct field *f;	      /* NULL with cs */
	enum field_state st;
};

/* Every current problem, worst first (free() the array); *n = count. */
struct cat_problem *catalog_problems(struct catalog *cat, size_t *n);

/*
 * The state file (catalog_file.c): the catalog kept across a restart, so
 * graphs, problems and checks answer before the first poll.  It holds
 * what the catalog holds now and nothing more (no history): hosts with
 * their poll and BMC state, services with their merged config, last
 * values and times, fields with the alert engine's verdict.  A restored
 * host and service is marked restored until its next poll; its times
 * stay the saved ones, so every reader sees the age.
 */

#define CATALOG_FILE_MAX (256u << 20) /* largest state file read, bytes */

/*
 * A state file's text made in slices across loop turns, so that a save
 * holds one slice at a time rather than the whole text (about 155 bytes
 * a field) and stalls the loop one slice at a time.  Plain cursor data:
 * a host is written whole, as it is when its slice is made; hosts are
 * resumed by seq (catalog_seek), so hosts a reload drops before their
 * slice are left out and hosts added meanwhile come at the end.
 */
struct catalog_dumper {
	time_t saved;	/* the epoch written into the text */
	uint64_t after; /* seq of the last host written; 0: none yet */
	bool begun;	/* the head is written */
	bool ended;	/* the tail is written: the text is whole */
};

struct buf;

void catalog_dumper_init(struct catalog_dumper *d, time_t saved);
/*
 * Appends the next slice of the text of cat to out: the head first, then
 * whole hosts until the slice holds at least bytes (so at least one host;
 * SIZE_MAX: all of them), then the tail.  Returns true while more text
 * follows; false once the tail is written (the text is whole), or on
 * allocation failure, with out->oom set.  Loop thread; about 1 us per
 * field (bench/catalog.sh).
 */
bool catalog_dump_next(struct catalog_dumper *d, const struct catalog *cat,
    struct buf *out, size_t bytes);
/*
 * The catalog as a state file's text in one piece (free()), *len its
 * length; saved is the epoch written into it.  NULL on allocation
 * failure.  The daemon saves in slices (collector/catalog_save.h).
 */
char *catalog_dump(const struct catalog *cat, time_t saved, size_t *len);
/*
 * Adds the hosts of the state file text buf[0..len) to cat, each host and
 * service marked restored; hosts cat already holds are left as they are.
 * Pure over its input.  A text that is not a whole, well-formed state
 * file adds nothing and returns -1 with the reason in err (errlen bytes);
 * else 0, with *saved (may be NULL) the epoch the file was written.
 */
int catalog_load(struct catalog *cat, const char *buf, size_t len,
    time_t *saved, char *err, size_t errlen);
/*
 * Writes buf[0..len) to path atomically: path.tmp, fsync, rename, fsync
 * of the directory; the .tmp is removed when a step fails.  Blocking and
 * touches nothing else, so it may run as a thread-pool job.  0 / -1
 * (errno set).
 */
int catalog_write(const char *path, const char *buf, size_t len);
/*
 * Restores cat from the state file path (as catalog_load; a file in the
 * dump's layout is read a host, a line, at a time), logging what it
 * restored; a missing file is a first start, a corrupt or unreadable one
 * is logged and ignored.  Returns the number of hosts restored.
 */
size_t catalog_restore(struct catalog *cat, const char *path, time_t now);

#endif
