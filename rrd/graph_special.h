/*
 * graph_special: Munin 2.0.73's expand_specials() (GraphOld.pm), the step
 * munin-graph takes before it draws a service: what turns graph_order
 * aliases ("a=host1:plugin.field"), FIELD.sum and FIELD.stack into plain
 * fields that each read one RRD file, possibly another host's.  This is
 * what an aggregate graph of munin.conf (a virtual host with "update no"
 * whose services are all config lines) is made of; graph_build() calls it
 * for every service, and a service without specials comes out unchanged.
 *
 * Pure: the references are resolved by the caller.  graph_refs() lists
 * the references a service's config makes (the text after "=" of an
 * alias or a .stack entry, each .sum entry); the caller looks each one up
 * (catalog/cat_ref.h does it in the catalog, as Munin's
 * munin_get_node_partialpath() does in its config tree: "host:plugin.field"
 * in the virtual host's group, "group;host:plugin.field" from the top,
 * "plugin.field" on the same host) and hands graph_build() a table of
 * graph_source, one per reference, with the file's path and the
 * referenced field's type, draw and label.
 *
 * What it does as expand_specials() does (names, order, the values it
 * sets):
 *   - "-name" in graph_order: name gets "graph no".
 *   - "a=REF": a reads REF's file; draw, type and info come from REF's
 *     field unless a sets them; label is "a" unless set.
 *   - "x.stack n1=REF1 n2=REF2": x is not drawn; n1 (draw x.draw or
 *     LINE1) and n2.. (STACK) are fields labelled n1, n2, with cdef
 *     "n,UN,0,n,IF" (then ",x.cdef" with x renamed n when x has a cdef,
 *     else onlynullcdef).
 *   - "x.sum REF1 REF2 ..": x is not drawn; z<K>_0, z<K>_1.. (K: x's place
 *     in the field order, from 1) read the files, each "graph no" with
 *     cdef "z,UN,0,z,IF"; the last adds the others (ADDNAN), takes x's
 *     cdef (x replaced by that sum), draw, colour, label, graph and
 *     negative, and x's "realname" names it (a negative that is a .sum
 *     draws the last z, as munin-graph does).
 *   - the expanded names go in front of the field order, duplicates
 *     dropped by name; a reference that does not resolve leaves its
 *     field out (munin-graph logs and skips it).
 * The resolved fields carry their file in the attribute "filename" (a
 * "filename" from the config is dropped: only resolved paths are read).
 */
#ifndef DROVER_GRAPH_SPECIAL_H
#define DROVER_GRAPH_SPECIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lib/strlist.h"
#include "plugins/sample.h"

/* One reference of a service's config, as the caller resolved it. */
struct graph_source {
	const char *ref;   /* as graph_refs() lists it */
	const char *path;  /* the referenced field's RRD file; NULL: none */
	enum ds_type type; /* the referenced field's type */
	const char *draw;  /* its draw, or NULL */
	const char *label; /* its label, or NULL */
	const char *info;  /* its info, or NULL */
	time_t last;	   /* epoch s of the file's last update; 0: unknown */
};

/*
 * Appends to refs every distinct reference svc's config makes (graph_order
 * aliases, .stack and .sum entries), trimmed, in config order.  0 / -1
 * (ENOMEM).
 */
int graph_refs(const struct service *svc, struct strlist *refs);

/*
 * Splits a reference into the location Munin looks it up at
 * (munin_get_node_partialpath): "g1;g2;host:svc.sub.field" gives g1, g2,
 * host, svc, sub, field; "svc.field" gives svc, field; a lone name gives
 * itself.  0, or -1 (EINVAL: malformed, or ENOMEM).
 */
int graph_ref_loc(const char *ref, struct strlist *loc);

/* A service as munin-graph draws it after expand_specials(). */
struct graph_plan {
	struct service svc;   /* the service with the special fields added */
	struct strlist order; /* "NAME" or "NAME=REF", in drawing order */
	time_t *last;	      /* per svc.fields: its file's last update */
	bool special;	      /* a .sum or .stack was expanded (munin-graph
				 then ends one resolution step earlier) */
};

/*
 * Makes pl from svc: field_last (indexed like svc->fields, may be NULL)
 * gives the own files' last updates, src[0..nsrc) the references.
 * pl->last is NULL when field_last is NULL and no reference resolved.
 * 0 / -1 (ENOMEM); clean pl with graph_plan_cleanup() either way.
 */
int graph_plan_make(struct graph_plan *pl, const struct service *svc,
    const time_t *field_last, const struct graph_source *src, size_t nsrc);
void graph_plan_cleanup(struct graph_plan *pl);

#endif
