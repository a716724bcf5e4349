/* nat.h - NAT and port forwarding in netlab's own nf_tables table ("inet netlab"); other tables are never touched. */
#ifndef NETLAB_NAT_H
#define NETLAB_NAT_H

#include <stddef.h>
#include <stdint.h>
#include "ns.h"
#include "parse.h"

#define NAT_TABLE "netlab"	/* family inet: one table for IPv4 and IPv6 */

enum nat_kind { NAT_MASQUERADE, NAT_SNAT, NAT_DNAT, NAT_OTHER };
/* the base chains, named after their hooks */
enum nat_hook { NAT_POSTROUTING, NAT_PREROUTING, NAT_OUTPUT, NAT_HOOKS };

struct nat_rule {
	int kind;
	int family;			/* AF_INET or AF_INET6: the packets it applies to */
	struct inaddr src;		/* masquerade, snat: source prefix; len 0 = any */
	struct inaddr to;		/* snat, dnat: the new address */
	int proto;			/* dnat: IPPROTO_TCP or IPPROTO_UDP */
	unsigned dport;			/* dnat: the destination port matched */
	unsigned to_port;		/* dnat: the new port, 0 keeps it */
	char oif[NAME_MAX_LEN + 1];	/* masquerade, snat: "" = any interface */
	char iif[NAME_MAX_LEN + 1];	/* dnat: "" = any interface */
	/* filled in by nat_list */
	char chain[64];			/* the chain it sits in */
	uint64_t handle;
};

/* The chain a hook's rules go to ("postrouting", ...). */
const char *nat_chain_name(int hook);

/* A NAT target: "addr", "addr:port", "[v6addr]:port", "[v6addr]" or a bare
 * IPv6 address. *port is 0 when none is given. NULL when valid, else why not. */
const char *nat_parse_to(const char *s, struct inaddr *a, unsigned *port);

/* Forwarding through ns needs net.ipv4.ip_forward=1 (IPv6:
 * net.ipv6.conf.all.forwarding=1) there; nothing here changes sysctls. */

/* Add r (kind masquerade, snat or dnat; src.len beyond the prefix is
 * masked off) in one nf_tables transaction that also creates the table and
 * the base chains it needs when they are missing. A dnat without iif also
 * goes into the output chain, so connections made in the namespace itself
 * are forwarded too. Returns 0 or -errno; on a kernel failure *failed names
 * the part that failed ("chain prerouting", ...) or is NULL when the
 * transaction was refused as a whole, and ns->nf.err holds the kernel's text. */
int nat_add(struct ns *ns, const struct nat_rule *r, const char **failed);

/* Delete netlab's table with everything in it; no error when it is absent. */
int nat_flush(struct ns *ns, const char **failed);

/* The rules of netlab's table, read back from the kernel; *rules is
 * malloc'd (free it). A dnat's copy in the output chain is not listed
 * twice. Rules netlab would not have written come as NAT_OTHER. */
int nat_list(struct ns *ns, struct nat_rule **rules, size_t *n);

#endif
