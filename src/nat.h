/* nat.h - NAT and port forwarding in netlab's own nf_tables table ("inet netlab"); other tables are never touched. */
#ifndef NETLAB_NAT_H
#define NETLAB_NAT_H

#include <stddef.h>
#include <stdint.h>
#include "ns.h"
#include "parse.h"

#define NAT_TABLE "netlab"	/* the default table, family inet: one for IPv4 and IPv6 */
#define NAT_TABLE_MAX 128	/* a table name's length, at most */
#define NAT_IFNAME_LEN (IFNAME_MAX + 1)	/* an exact name match compares all 16 bytes */

enum nat_kind { NAT_MASQUERADE, NAT_SNAT, NAT_DNAT, NAT_OTHER };
/* the base chains, named after their hooks */
enum nat_hook { NAT_POSTROUTING, NAT_PREROUTING, NAT_OUTPUT, NAT_HOOKS };

struct nat_rule {
	int kind;
	int family;			/* AF_INET or AF_INET6: the packets it applies to */
	struct prefix src;		/* masquerade, snat: source prefix; len 0 = any */
	struct prefix to;		/* snat, dnat: the new address */
	int proto;			/* dnat: IPPROTO_TCP or IPPROTO_UDP */
	unsigned dport;			/* dnat: the destination port matched */
	unsigned to_port;		/* dnat: the new port, 0 keeps it */
	char oif[NAT_IFNAME_LEN];	/* masquerade, snat: "" = any interface */
	char iif[NAT_IFNAME_LEN];	/* dnat: "" = any interface */
	/* filled in by nat_list */
	char chain[64];			/* the chain it sits in */
	uint64_t handle;
};

/* The chain a hook's rules go to ("postrouting", ...). */
const char *nat_chain_name(int hook);

/* NULL when s is a table name netlab writes (letters, digits, '_', '-',
 * '.', 1..NAT_TABLE_MAX bytes, not starting with '-'), else why not. A lab
 * keeps its rules in a table of its own ("netlab-LAB"): two labs, or a lab
 * and someone else's rules, never share one. */
const char *nat_check_table(const char *s);

/* A NAT target: "addr", "addr:port", "[v6addr]:port", "[v6addr]" or a bare
 * IPv6 address. *port is 0 when none is given. NULL when valid, else why not. */
const char *nat_parse_to(const char *s, struct prefix *a, unsigned *port);

/* Forwarding through ns needs net.ipv4.ip_forward=1 (IPv6:
 * net.ipv6.conf.all.forwarding=1) there; nothing here changes sysctls. */

/* Add r to table (kind masquerade, snat or dnat; src.len beyond the prefix is
 * masked off) in one nf_tables transaction that also creates the table and
 * the base chains it needs when they are missing. A dnat without iif also
 * goes into the output chain, so connections made in the namespace itself
 * are forwarded too. Returns 0 or -errno; on a kernel failure e's part
 * names what failed ("chain prerouting", ...), or is empty when the
 * transaction was refused as a whole. (nat.c) */
int nat_add(struct ns *ns, const char *table, const struct nat_rule *r, struct err *e);

/* Delete the table with everything in it; no error when it is absent. (nat.c) */
int nat_flush(struct ns *ns, const char *table, struct err *e);

/* The rules of the table, read back from the kernel; *rules is
 * malloc'd (free it). A dnat's copy in the output chain is not listed
 * twice. Rules netlab would not have written come as NAT_OTHER. (nat_read.c) */
int nat_list(struct ns *ns, const char *table, struct nat_rule **rules, size_t *n, struct err *e);

/* One record of a rule dump (NFT_MSG_NEWRULE): 1 when it is a rule of the
 * inet table called table, decoded into *r (NAT_OTHER, with only chain and
 * handle, when netlab would not have written it); 0 when it is not one;
 * -ENOMEM. The framing is the caller's (nlmsg_len fits what was received);
 * the rest may be anything. What nat_list uses; also the fuzz target's way
 * in (fuzz/). (nat_read.c) */
int nat_rule_decode(const struct nlmsghdr *nlh, const char *table, struct nat_rule *r);

#endif
