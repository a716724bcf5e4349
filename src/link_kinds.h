/* link_kinds.h - the link kinds besides veth (bridge, dummy, vlan, macvlan, ipvlan, vxlan, vrf,
 * bond, the tunnels gre, gretap, ipip, sit, ip6gre, ip6tnl): their IFLA_INFO_DATA, encoded for RTM_NEWLINK and decoded from a dump. */
#ifndef NETLAB_LINK_KINDS_H
#define NETLAB_LINK_KINDS_H

#include <stdint.h>
#include <libmnl/libmnl.h>

#include "parse.h"

/* A kind's settings: what link_add sends and what link_decode reads back.
 * Fields that do not belong to the kind stay at their LINK_KIND_INIT value. */
struct link_kind {
	unsigned vlan_id;	/* vlan: 1..4094 */
	unsigned vlan_proto;	/* vlan, bridge: ETH_P_8021Q or ETH_P_8021AD, 0: the kernel's default */
	int vlan_filtering;	/* bridge: 0 or 1, -1 absent */
	int default_pvid;	/* bridge: 0 (none) .. 4094, -1 absent */
	int mode;		/* macvlan (MACVLAN_MODE_*), ipvlan, bond (the kernel's numbers); -1 */
	int has_vni;		/* vxlan: vni is set */
	uint32_t vni;
	struct prefix remote;	/* vxlan: family 0 when absent */
	struct prefix group;
	struct prefix local;
	int dev;		/* vxlan: the underlay's ifindex, 0: none */
	unsigned port;		/* vxlan: UDP destination port, 0: absent */
	int learning;		/* vxlan: -1 absent */
	int ttl;		/* vxlan: -1 absent */
	uint32_t table;		/* vrf */
	int miimon;		/* bond: ms, -1 absent */
	int xmit;		/* bond: BOND_XMIT_POLICY_*, -1 absent */
	int has_key;		/* gre, gretap, ip6gre: key is set (GRE_KEY in iflags and oflags) */
	uint32_t key;		/* sent as both ikey and okey */
};
/* The tunnels (gre, gretap, ipip, sit, ip6gre, ip6tnl) use remote, local, dev (the underlay)
 * and ttl (0: inherit) above, and key. */

#define LINK_KIND_INIT { .vlan_filtering = -1, .default_pvid = -1, .mode = -1, .learning = -1, .ttl = -1, .miimon = -1, .xmit = -1 }

/* A name and the kernel's number for it (a mode, a policy); tables end with a NULL name. */
struct kind_word {
	const char *name;
	int value;
};
extern const struct kind_word macvlan_modes[], ipvlan_modes[], bond_modes[], bond_xmit_policies[];
/* the name of value in t, NULL when t has none; the value of name, -1 when none */
const char *kind_word_name(const struct kind_word *t, int value);
int kind_word_value(const struct kind_word *t, const char *name);

/* Is kind a tunnel (gre, gretap, ipip, sit, ip6gre, ip6tnl)? Its outer family (AF_INET or
 * AF_INET6), 0 when not; does it take a key (the GRE ones)? */
int link_kind_tunnel(const char *kind);
int link_kind_gre(const char *kind);
/* Is kind one of those this file knows (not veth)? */
int link_kind_known(const char *kind);
/* The kernel module that provides kind (e.g. "8021q" for vlan), or kind itself. */
const char *link_kind_module(const char *kind);
/* IFLA_INFO_DATA of kind into nlh (inside IFLA_LINKINFO, after IFLA_INFO_KIND); nothing for a dummy,
 * nor for a bridge without VLAN settings. */
void link_kind_put(struct nlmsghdr *nlh, const char *kind, const struct link_kind *k);
/* IFLA_INFO_DATA (nest) of a device of kind into *k (which starts as LINK_KIND_INIT). */
void link_kind_decode(const struct nlattr *data, const char *kind, struct link_kind *k);

#endif
