/* link_kinds.c - IFLA_INFO_DATA of bridge (its VLAN settings), dummy, wireguard (none), vlan, macvlan, ipvlan, vxlan, vrf,
 * bond devices and the
 * tunnels (gre, gretap, ipip, sit, ip6gre, ip6tnl). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>

#include "link_kinds.h"

const struct kind_word macvlan_modes[] = {
	{ "private", MACVLAN_MODE_PRIVATE }, { "vepa", MACVLAN_MODE_VEPA },
	{ "bridge", MACVLAN_MODE_BRIDGE }, { "passthru", MACVLAN_MODE_PASSTHRU },
	{ "source", MACVLAN_MODE_SOURCE }, { NULL, 0 },
};

const struct kind_word ipvlan_modes[] = {
	{ "l2", IPVLAN_MODE_L2 }, { "l3", IPVLAN_MODE_L3 }, { "l3s", IPVLAN_MODE_L3S }, { NULL, 0 },
};

/* the kernel's BOND_MODE_* and BOND_XMIT_POLICY_* (include/net/bonding.h, not uapi) */
const struct kind_word bond_modes[] = {
	{ "balance-rr", 0 }, { "active-backup", 1 }, { "balance-xor", 2 }, { "broadcast", 3 },
	{ "802.3ad", 4 }, { "balance-tlb", 5 }, { "balance-alb", 6 }, { NULL, 0 },
};

const struct kind_word bond_xmit_policies[] = {
	{ "layer2", 0 }, { "layer3+4", 1 }, { "layer2+3", 2 }, { "encap2+3", 3 },
	{ "encap3+4", 4 }, { NULL, 0 },
};

const char *kind_word_name(const struct kind_word *t, int value)
{
	for (; t->name; t++)
		if (t->value == value)
			return t->name;
	return NULL;
}

int kind_word_value(const struct kind_word *t, const char *name)
{
	for (; t->name; t++)
		if (!strcmp(t->name, name))
			return t->value;
	return -1;
}

static const char *const modules[][2] = {
	{ "bridge", "bridge" }, { "dummy", "dummy" }, { "vlan", "8021q" }, { "macvlan", "macvlan" },
	{ "ipvlan", "ipvlan" }, { "vxlan", "vxlan" }, { "vrf", "vrf" }, { "bond", "bonding" },
	{ "gre", "ip_gre" }, { "gretap", "ip_gre" }, { "ipip", "ipip" }, { "sit", "sit" },
	{ "ip6gre", "ip6_gre" }, { "ip6tnl", "ip6_tunnel" }, { "wireguard", "wireguard" },
};

#define NKINDS (sizeof(modules) / sizeof(modules[0]))

int link_kind_known(const char *kind)
{
	size_t i;

	for (i = 0; i < NKINDS; i++)
		if (!strcmp(modules[i][0], kind))
			return 1;
	return 0;
}

int link_kind_tunnel(const char *kind)
{
	if (!strcmp(kind, "gre") || !strcmp(kind, "gretap") || !strcmp(kind, "ipip") || !strcmp(kind, "sit"))
		return AF_INET;
	if (!strcmp(kind, "ip6gre") || !strcmp(kind, "ip6tnl"))
		return AF_INET6;
	return 0;
}

int link_kind_gre(const char *kind)
{
	return !strcmp(kind, "gre") || !strcmp(kind, "gretap") || !strcmp(kind, "ip6gre");
}

const char *link_kind_module(const char *kind)
{
	size_t i;

	for (i = 0; i < NKINDS; i++)
		if (!strcmp(modules[i][0], kind))
			return modules[i][1];
	return kind;
}

/* an address as IFLA_VXLAN_<v4> or <v6> */
static void put_addr(struct nlmsghdr *nlh, int v4, int v6, const struct prefix *p)
{
	if (p->family == AF_INET)
		mnl_attr_put(nlh, (uint16_t)v4, 4, p->addr);
	else if (p->family == AF_INET6)
		mnl_attr_put(nlh, (uint16_t)v6, 16, p->addr);
}

static void put_vxlan(struct nlmsghdr *nlh, const struct link_kind *k)
{
	mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, k->vni);
	put_addr(nlh, IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, &k->remote);
	put_addr(nlh, IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, &k->group);
	put_addr(nlh, IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6, &k->local);
	if (k->dev)
		mnl_attr_put_u32(nlh, IFLA_VXLAN_LINK, (uint32_t)k->dev);
	/* as ip's default "dstport 4789", not the kernel's 8472 */
	mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons((uint16_t)(k->port ? k->port : 4789)));
	if (k->learning >= 0)
		mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, (uint8_t)k->learning);
	if (k->ttl >= 0)
		mnl_attr_put_u8(nlh, IFLA_VXLAN_TTL, (uint8_t)k->ttl);
}

static void put_bond(struct nlmsghdr *nlh, const struct link_kind *k)
{
	if (k->mode >= 0)
		mnl_attr_put_u8(nlh, IFLA_BOND_MODE, (uint8_t)k->mode);
	if (k->miimon >= 0)
		mnl_attr_put_u32(nlh, IFLA_BOND_MIIMON, (uint32_t)k->miimon);
	if (k->xmit >= 0)
		mnl_attr_put_u8(nlh, IFLA_BOND_XMIT_HASH_POLICY, (uint8_t)k->xmit);
}

/* a tunnel's endpoints, underlay, ttl and (GRE) key, as ip link add ... type KIND sends them:
 * the GRE kinds in IFLA_GRE_*, ipip, sit and ip6tnl in IFLA_IPTUN_* */
static void put_tunnel(struct nlmsghdr *nlh, const char *kind, const struct link_kind *k)
{
	int gre = link_kind_gre(kind);

	put_addr(nlh, gre ? IFLA_GRE_LOCAL : IFLA_IPTUN_LOCAL, gre ? IFLA_GRE_LOCAL : IFLA_IPTUN_LOCAL, &k->local);
	put_addr(nlh, gre ? IFLA_GRE_REMOTE : IFLA_IPTUN_REMOTE, gre ? IFLA_GRE_REMOTE : IFLA_IPTUN_REMOTE, &k->remote);
	if (k->dev)
		mnl_attr_put_u32(nlh, gre ? IFLA_GRE_LINK : IFLA_IPTUN_LINK, (uint32_t)k->dev);
	if (k->ttl >= 0)
		mnl_attr_put_u8(nlh, gre ? IFLA_GRE_TTL : IFLA_IPTUN_TTL, (uint8_t)k->ttl);
	if (gre && k->has_key) {
		mnl_attr_put_u16(nlh, IFLA_GRE_IFLAGS, GRE_KEY);
		mnl_attr_put_u16(nlh, IFLA_GRE_OFLAGS, GRE_KEY);
		mnl_attr_put_u32(nlh, IFLA_GRE_IKEY, htonl(k->key));
		mnl_attr_put_u32(nlh, IFLA_GRE_OKEY, htonl(k->key));
	}
}

/* a bridge's VLAN settings (the kernel applies them in its own order: filtering, protocol,
 * default PVID) */
static void put_bridge(struct nlmsghdr *nlh, const struct link_kind *k)
{
	if (k->vlan_filtering >= 0)
		mnl_attr_put_u8(nlh, IFLA_BR_VLAN_FILTERING, (uint8_t)k->vlan_filtering);
	if (k->vlan_proto)
		mnl_attr_put_u16(nlh, IFLA_BR_VLAN_PROTOCOL, htons((uint16_t)k->vlan_proto));
	if (k->default_pvid >= 0)
		mnl_attr_put_u16(nlh, IFLA_BR_VLAN_DEFAULT_PVID, (uint16_t)k->default_pvid);
}

void link_kind_put(struct nlmsghdr *nlh, const char *kind, const struct link_kind *k)
{
	struct nlattr *data;
	int bridge = !strcmp(kind, "bridge");

	/* a plain bridge gets no IFLA_INFO_DATA at all, as before it had options; a wireguard is
	 * configured over generic netlink (wg.c), not here */
	if (!strcmp(kind, "dummy") || !strcmp(kind, "wireguard") ||
	    (bridge && k->vlan_filtering < 0 && !k->vlan_proto && k->default_pvid < 0))
		return;
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	if (bridge) {
		put_bridge(nlh, k);
	} else if (!strcmp(kind, "vlan")) {
		mnl_attr_put_u16(nlh, IFLA_VLAN_ID, (uint16_t)k->vlan_id);
		if (k->vlan_proto)
			mnl_attr_put_u16(nlh, IFLA_VLAN_PROTOCOL, htons((uint16_t)k->vlan_proto));
	} else if (!strcmp(kind, "macvlan")) {
		if (k->mode >= 0)
			mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, (uint32_t)k->mode);
	} else if (!strcmp(kind, "ipvlan")) {
		if (k->mode >= 0)
			mnl_attr_put_u16(nlh, IFLA_IPVLAN_MODE, (uint16_t)k->mode);
	} else if (!strcmp(kind, "vxlan")) {
		put_vxlan(nlh, k);
	} else if (!strcmp(kind, "vrf")) {
		mnl_attr_put_u32(nlh, IFLA_VRF_TABLE, k->table);
	} else if (!strcmp(kind, "bond")) {
		put_bond(nlh, k);
	} else if (link_kind_tunnel(kind)) {
		put_tunnel(nlh, kind, k);
	}
	mnl_attr_nest_end(nlh, data);
}

/* an attribute of exactly len bytes */
static int has_len(const struct nlattr *a, size_t len)
{
	return mnl_attr_get_payload_len(a) == len;
}

/* IFLA_VXLAN_GROUP(6): a multicast address is the group, any other the remote */
static void get_addr(const struct nlattr *a, int family, struct prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->len = family == AF_INET ? 32 : 128;
	memcpy(p->addr, mnl_attr_get_payload(a), family == AF_INET ? 4 : 16);
}

static void get_group(const struct nlattr *a, int family, struct link_kind *k)
{
	struct prefix p;
	int multicast;

	get_addr(a, family, &p);
	multicast = family == AF_INET ? (p.addr[0] & 0xf0) == 0xe0 : p.addr[0] == 0xff;
	if (family == AF_INET ? !memcmp(p.addr, "\0\0\0\0", 4) : !memcmp(p.addr, &in6addr_any, 16))
		return;	/* none: the kernel reports 0.0.0.0 */
	if (multicast)
		k->group = p;
	else
		k->remote = p;
}

static void decode_vxlan(const struct nlattr *a, struct link_kind *k)
{
	switch (mnl_attr_get_type(a)) {
	case IFLA_VXLAN_ID:
		if (has_len(a, 4)) {
			k->vni = mnl_attr_get_u32(a);
			k->has_vni = 1;
		}
		break;
	case IFLA_VXLAN_GROUP:
		if (has_len(a, 4))
			get_group(a, AF_INET, k);
		break;
	case IFLA_VXLAN_GROUP6:
		if (has_len(a, 16))
			get_group(a, AF_INET6, k);
		break;
	case IFLA_VXLAN_LOCAL:
		if (has_len(a, 4) && memcmp(mnl_attr_get_payload(a), "\0\0\0\0", 4))
			get_addr(a, AF_INET, &k->local);
		break;
	case IFLA_VXLAN_LOCAL6:
		if (has_len(a, 16) && memcmp(mnl_attr_get_payload(a), &in6addr_any, 16))
			get_addr(a, AF_INET6, &k->local);
		break;
	case IFLA_VXLAN_LINK:
		if (has_len(a, 4))
			k->dev = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_VXLAN_PORT:
		if (has_len(a, 2))
			k->port = ntohs(mnl_attr_get_u16(a));
		break;
	case IFLA_VXLAN_LEARNING:
		if (has_len(a, 1))
			k->learning = mnl_attr_get_u8(a);
		break;
	case IFLA_VXLAN_TTL:
		if (has_len(a, 1))
			k->ttl = mnl_attr_get_u8(a);
		break;
	}
}

static void decode_other(const struct nlattr *a, const char *kind, struct link_kind *k)
{
	int t = mnl_attr_get_type(a);

	if (!strcmp(kind, "bridge") && t == IFLA_BR_VLAN_FILTERING && has_len(a, 1))
		k->vlan_filtering = !!mnl_attr_get_u8(a);
	else if (!strcmp(kind, "bridge") && t == IFLA_BR_VLAN_DEFAULT_PVID && has_len(a, 2))
		k->default_pvid = mnl_attr_get_u16(a);
	else if (!strcmp(kind, "bridge") && t == IFLA_BR_VLAN_PROTOCOL && has_len(a, 2))
		k->vlan_proto = ntohs(mnl_attr_get_u16(a));
	else if (!strcmp(kind, "vlan") && t == IFLA_VLAN_ID && has_len(a, 2))
		k->vlan_id = mnl_attr_get_u16(a);
	else if (!strcmp(kind, "vlan") && t == IFLA_VLAN_PROTOCOL && has_len(a, 2))
		k->vlan_proto = ntohs(mnl_attr_get_u16(a));
	else if (!strcmp(kind, "macvlan") && t == IFLA_MACVLAN_MODE && has_len(a, 4))
		k->mode = (int)mnl_attr_get_u32(a);
	else if (!strcmp(kind, "ipvlan") && t == IFLA_IPVLAN_MODE && has_len(a, 2))
		k->mode = mnl_attr_get_u16(a);
	else if (!strcmp(kind, "vrf") && t == IFLA_VRF_TABLE && has_len(a, 4))
		k->table = mnl_attr_get_u32(a);
	else if (!strcmp(kind, "bond") && t == IFLA_BOND_MODE && has_len(a, 1))
		k->mode = mnl_attr_get_u8(a);
	else if (!strcmp(kind, "bond") && t == IFLA_BOND_MIIMON && has_len(a, 4))
		k->miimon = (int)(mnl_attr_get_u32(a) & 0x7fffffff);
	else if (!strcmp(kind, "bond") && t == IFLA_BOND_XMIT_HASH_POLICY && has_len(a, 1))
		k->xmit = mnl_attr_get_u8(a);
}

/* a tunnel endpoint of family (the kernel reports 0.0.0.0 or :: for none) */
static void get_endpoint(const struct nlattr *a, int family, struct prefix *p)
{
	size_t len = family == AF_INET ? 4 : 16;

	if (has_len(a, len) && memcmp(mnl_attr_get_payload(a), &in6addr_any, len))
		get_addr(a, family, p);
}

static void decode_tunnel(const struct nlattr *a, const char *kind, struct link_kind *k, uint16_t *iflags)
{
	int family = link_kind_tunnel(kind), t = mnl_attr_get_type(a);

	if (link_kind_gre(kind)) {
		if (t == IFLA_GRE_LOCAL)
			get_endpoint(a, family, &k->local);
		else if (t == IFLA_GRE_REMOTE)
			get_endpoint(a, family, &k->remote);
		else if (t == IFLA_GRE_LINK && has_len(a, 4))
			k->dev = (int)mnl_attr_get_u32(a);
		else if (t == IFLA_GRE_TTL && has_len(a, 1))
			k->ttl = mnl_attr_get_u8(a);
		else if (t == IFLA_GRE_IFLAGS && has_len(a, 2))
			*iflags = mnl_attr_get_u16(a);
		else if (t == IFLA_GRE_IKEY && has_len(a, 4))
			k->key = ntohl(mnl_attr_get_u32(a));
	} else {
		if (t == IFLA_IPTUN_LOCAL)
			get_endpoint(a, family, &k->local);
		else if (t == IFLA_IPTUN_REMOTE)
			get_endpoint(a, family, &k->remote);
		else if (t == IFLA_IPTUN_LINK && has_len(a, 4))
			k->dev = (int)mnl_attr_get_u32(a);
		else if (t == IFLA_IPTUN_TTL && has_len(a, 1))
			k->ttl = mnl_attr_get_u8(a);
	}
}

void link_kind_decode(const struct nlattr *data, const char *kind, struct link_kind *k)
{
	const struct nlattr *a;
	uint16_t iflags = 0;

	mnl_attr_for_each_nested(a, data) {
		if (link_kind_tunnel(kind))
			decode_tunnel(a, kind, k, &iflags);
		else if (!strcmp(kind, "vxlan"))
			decode_vxlan(a, k);
		else
			decode_other(a, kind, k);
	}
	/* the key only when the kernel uses it (IFLA_GRE_IKEY is there, 0, without) */
	k->has_key = link_kind_gre(kind) && (iflags & GRE_KEY);
	if (!k->has_key)
		k->key = 0;
}
