/* filter.h - a blackhole: every frame a device sends or receives dropped by nf_tables, its carrier untouched, in netlab's own table "netdev netlab-bh". */
#ifndef NETLAB_FILTER_H
#define NETLAB_FILTER_H

#include <stddef.h>
#include "ns.h"
#include "parse.h"

/*
 * A device's blackhole is a base chain of the netdev family bound to it, per
 * direction, with policy drop and no rules: "in-DEV" at the ingress hook
 * (every frame it receives, before the stack sees it: IPv4, IPv6, ARP and any
 * other ethertype), "out-DEV" at the egress hook (every frame it sends,
 * before it reaches the wire; Linux 5.16+, CONFIG_NETFILTER_EGRESS, which
 * Debian's kernels have). Priority -1000, before a chain anyone else would
 * hook there. The chains live in the table "netdev netlab-bh" of the
 * namespace, made with the first and deleted with the last; other tables are
 * never touched. Each call is one nf_tables transaction.
 */
#define BH_TABLE "netlab-bh"
#define BH_PRIORITY (-1000)

enum { BH_INGRESS = 1, BH_EGRESS = 2, BH_BOTH = 3 };

struct bh_info {
	char dev[IFNAME_MAX + 1];
	int hooks;			/* BH_INGRESS | BH_EGRESS */
};

/* Drop what dev (a device of ns) receives and/or sends (hooks). What is
 * dropped already stays as it is: no error, nothing sent. -ENODEV when there
 * is no such device; on a kernel failure e's part names the chain. */
int bh_add(struct ns *ns, const char *dev, int hooks, struct err *e);

/* Stop dropping there; the table goes with its last chain. What is not
 * dropped is no error (nothing is sent); the device may be gone. */
int bh_del(struct ns *ns, const char *dev, int hooks, struct err *e);

/* The devices with a blackhole, by the chains of the table; *v is malloc'd
 * (free it; NULL when there is none). *others (when not NULL) counts the
 * chains of the table that are not netlab's. */
int bh_list(struct ns *ns, struct bh_info **v, size_t *n, size_t *others, struct err *e);

#endif
