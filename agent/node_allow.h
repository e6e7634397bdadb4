/*
 * node_allow: who may talk to "drover node": a list of networks
 * ("127.0.0.0/8", "::1", "2001:db8::/32"), checked on each connection
 * before the banner, as munin-node checks its allow / cidr_allow.
 *
 * Embedded in its owner, zero-initialised; an empty list permits nobody
 * (the config's default, loopback only, is node_allow_loopback).  An
 * IPv4 client on a dual-stack socket (::ffff:a.b.c.d) is matched as
 * a.b.c.d.
 */
#ifndef DROVER_NODE_ALLOW_H
#define DROVER_NODE_ALLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

struct node_cidr {
	int family;	  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network address, host bits cleared */
	unsigned bits;	  /* prefix length */
};

struct node_allow {
	struct node_cidr *v;
	size_t n, cap;
};

/* Parses "ADDR" or "ADDR/BITS" into *out; false when it is neither (a
 * host part with bits set, "10.1.2.3/8", is accepted and cleared). */
bool node_cidr_parse(const char *text, struct node_cidr *out);
/* Appends text's network.  0; -1 with errno EINVAL (not a network) or
 * ENOMEM. */
int node_allow_add(struct node_allow *a, const char *text);
/* 127.0.0.0/8 and ::1/128, munin-node's default.  0 / -1. */
int node_allow_loopback(struct node_allow *a);
/* Deep copy; 0 / -1 (ENOMEM). */
int node_allow_copy(struct node_allow *dst, const struct node_allow *src);
bool node_allow_permits(const struct node_allow *a, const struct sockaddr *sa);
/* Each network as "node_allow ADDR/BITS\n" into out. */
void node_allow_print(const struct node_allow *a, FILE *out);
void node_allow_cleanup(struct node_allow *a);

#endif
