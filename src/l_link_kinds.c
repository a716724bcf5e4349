/* l_link_kinds.c - link_add's options of bridge (VLAN settings), dummy, wireguard (l_wg.c), vlan, macvlan, ipvlan, vxlan,
 * vrf, bond and the tunnels, and
 * their readback in links(). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_ether.h>

#include "link_kinds.h"
#include "lnetns.h"

/* what every kind takes (link_add's own options) */
#define COMMON "mtu", "address", "up", "wait", "master", "alias", "group", "ns"

struct kind_opts {
	const char *kind;
	const char *article;
	const char *const known[20];	/* COMMON and the kind's own, NULL-terminated */
};

static const struct kind_opts kinds[] = {
	{ "veth", "a", { COMMON, "peer", "peer_ns", NULL } },
	{ "bridge", "a", { COMMON, "vlan_filtering", "default_pvid", "vlan_protocol", NULL } },
	{ "dummy", "a", { COMMON, NULL } },
	{ "vlan", "a", { COMMON, "link", "id", "protocol", NULL } },
	{ "macvlan", "a", { COMMON, "link", "mode", NULL } },
	{ "ipvlan", "an", { COMMON, "link", "mode", NULL } },
	{ "vxlan", "a", { COMMON, "id", "remote", "group", "local", "dev", "port", "learning", "ttl", NULL } },
	{ "vrf", "a", { COMMON, "table", NULL } },
	{ "bond", "a", { COMMON, "mode", "miimon", "xmit_hash_policy", NULL } },
	{ "gre", "a", { COMMON, "local", "remote", "ttl", "key", "dev", NULL } },
	{ "gretap", "a", { COMMON, "local", "remote", "ttl", "key", "dev", NULL } },
	{ "ip6gre", "an", { COMMON, "local", "remote", "ttl", "key", "dev", NULL } },
	{ "ipip", "an", { COMMON, "local", "remote", "ttl", "dev", NULL } },
	{ "sit", "a", { COMMON, "local", "remote", "ttl", "dev", NULL } },
	{ "ip6tnl", "an", { COMMON, "local", "remote", "ttl", "dev", NULL } },
	/* no address: a wireguard has none (ARPHRD_NONE) */
	{ "wireguard", "a", { "mtu", "up", "wait", "master", "alias", "group", "private_key", "listen_port", "fwmark",
			      "peers", NULL } },
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static int listed(const char *const *known, const char *k)
{
	for (; *known; known++)
		if (!strcmp(*known, k))
			return 1;
	return 0;
}

/* a key of another kind is refused naming this one; then the rest as check_opts does */
static void check_kind_keys(lua_State *L, int arg, const struct kind_opts *ko)
{
	size_t i;

	check_table(L, arg, "options");
	lua_pushnil(L);
	while (lua_next(L, arg)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING || listed(ko->known, lua_tostring(L, -1)))
			continue;
		for (i = 0; i < NKINDS; i++)
			if (listed(kinds[i].known, lua_tostring(L, -1)))
				raise_input(L, lua_tostring(L, -1), "option '%s' is not an option of %s %s",
					    lua_tostring(L, -1), ko->article, ko->kind);
	}
	check_opts(L, arg, ko->known);
}

/* a word of t, by name; def when absent */
static int opt_word(lua_State *L, int arg, const char *key, const struct kind_word *t, int def)
{
	const char *s = opt_string(L, arg, key), *list;
	luaL_Buffer b;
	int v, i;

	if (!s)
		return def;
	if ((v = kind_word_value(t, s)) >= 0)
		return v;
	luaL_buffinit(L, &b);
	for (i = 0; t[i].name; i++) {
		luaL_addstring(&b, i ? ", " : "");
		luaL_addstring(&b, t[i].name);
	}
	luaL_pushresult(&b);
	list = lua_tostring(L, -1);	/* stays on the stack */
	return raise_input(L, key, "option '%s' '%s' is not one of %s", key, printable(L, s), list);
}

static void opt_addr(lua_State *L, int arg, const char *key, struct prefix *p)
{
	const char *s = opt_string(L, arg, key), *why;

	memset(p, 0, sizeof(*p));
	if (s && (why = parse_addr(s, p)))
		raise_input(L, key, "option '%s': '%s' %s", key, printable(L, s), why);
}

static const struct kind_word vlan_protos[] = {
	{ "802.1q", ETH_P_8021Q }, { "802.1ad", ETH_P_8021AD }, { NULL, 0 },
};

/* a bridge's VLAN settings: vlan_filtering (boolean), default_pvid (0: none, 1..4094),
 * vlan_protocol; nothing set, a plain bridge */
static void bridge_opts(lua_State *L, int arg, struct link_kind *k)
{
	k->vlan_filtering = opt_bool(L, arg, "vlan_filtering");
	k->default_pvid = (int)opt_int(L, arg, "default_pvid", 0, 4094, -1);
	k->vlan_proto = (unsigned)opt_word(L, arg, "vlan_protocol", vlan_protos, 0);
}

static void vlan_opts(lua_State *L, int arg, struct link_kind *k)
{
	if (get_opt(L, arg, "id") == LUA_TNIL)
		raise_input(L, "id", "a vlan needs option 'id' (1..4094)");
	lua_pop(L, 1);
	k->vlan_id = (unsigned)opt_int(L, arg, "id", 1, 4094, 0);
	k->vlan_proto = (unsigned)opt_word(L, arg, "protocol", vlan_protos, ETH_P_8021Q);
}

static void vxlan_opts(lua_State *L, int arg, struct link_add_req *r)
{
	struct link_kind *k = &r->k;

	if (get_opt(L, arg, "id") == LUA_TNIL)
		raise_input(L, "id", "a vxlan needs option 'id' (its VNI, 0..16777215)");
	lua_pop(L, 1);
	k->vni = (uint32_t)opt_int(L, arg, "id", 0, 0xffffff, 0);
	k->has_vni = 1;
	opt_addr(L, arg, "remote", &k->remote);
	/* group = "ADDR" is the multicast group, group = N still the device group (link_add's) */
	if (get_opt(L, arg, "group") == LUA_TSTRING)
		opt_addr(L, arg, "group", &k->group);
	lua_pop(L, 1);
	opt_addr(L, arg, "local", &k->local);
	if (k->remote.family && k->group.family)
		raise_input(L, "group", "a vxlan takes option 'remote' or option 'group', not both");
	r->dev = opt_ifname(L, arg, "dev");
	k->port = (unsigned)opt_int(L, arg, "port", 1, 65535, 4789);
	k->learning = opt_bool(L, arg, "learning");
	k->ttl = (int)opt_int(L, arg, "ttl", 0, 255, -1);
}

/* an endpoint of a tunnel of kind: an address of its outer family */
static void tunnel_addr(lua_State *L, int arg, const char *kind, const char *key, struct prefix *p)
{
	int family = link_kind_tunnel(kind);

	opt_addr(L, arg, key, p);
	if (p->family && p->family != family)
		raise_input(L, key, "option '%s': '%s' is not an %s address (the outer family of %s)", key,
			    printable(L, opt_string(L, arg, key)), family == AF_INET ? "IPv4" : "IPv6", kind);
}

static void tunnel_opts(lua_State *L, int arg, const struct kind_opts *ko, struct link_add_req *r)
{
	struct link_kind *k = &r->k;
	const char *kind = ko->kind;
	int has;

	if (get_opt(L, arg, "remote") == LUA_TNIL)
		raise_input(L, "remote", "%s %s needs option 'remote' (the far end's %s address)", ko->article, kind,
			    link_kind_tunnel(kind) == AF_INET ? "IPv4" : "IPv6");
	lua_pop(L, 1);
	tunnel_addr(L, arg, kind, "remote", &k->remote);
	tunnel_addr(L, arg, kind, "local", &k->local);
	k->ttl = (int)opt_int(L, arg, "ttl", 0, 255, -1);
	if (link_kind_gre(kind)) {	/* only they list it: check_kind_keys refused it elsewhere */
		has = get_opt(L, arg, "key") != LUA_TNIL;
		lua_pop(L, 1);
		if (has) {
			k->key = (uint32_t)opt_int(L, arg, "key", 0, 0xffffffffLL, 0);
			k->has_key = 1;
		}
	}
	r->dev = opt_ifname(L, arg, "dev");
}

void link_kind_opts(lua_State *L, int arg, int keep, const char *kind, struct link_add_req *r)
{
	size_t i;
	struct link_kind *k = &r->k;

	for (i = 0; i < NKINDS && strcmp(kinds[i].kind, kind); i++)
		;
	if (i == NKINDS)
		return;
	if (lua_isnoneornil(L, arg)) {	/* no options: the required ones are missing */
		lua_newtable(L);
		lua_replace(L, arg);
	}
	check_kind_keys(L, arg, &kinds[i]);
	if (!strcmp(kind, "bridge"))
		bridge_opts(L, arg, k);
	if (!strcmp(kind, "veth") || !strcmp(kind, "bridge") || !strcmp(kind, "dummy"))
		return;
	if (!strcmp(kind, "wireguard")) {
		wg_link_opts(L, arg, keep, r);
		return;
	}
	if (!strcmp(kind, "vlan") || !strcmp(kind, "macvlan") || !strcmp(kind, "ipvlan")) {
		if (!(r->link = opt_ifname(L, arg, "link")))
			raise_input(L, "link", "%s %s needs option 'link' (the parent device's name)",
				    kinds[i].article, kind);
	}
	if (!strcmp(kind, "vlan"))
		vlan_opts(L, arg, k);
	else if (!strcmp(kind, "macvlan"))
		k->mode = opt_word(L, arg, "mode", macvlan_modes, kind_word_value(macvlan_modes, "bridge"));
	else if (!strcmp(kind, "ipvlan"))
		k->mode = opt_word(L, arg, "mode", ipvlan_modes, kind_word_value(ipvlan_modes, "l3"));
	else if (!strcmp(kind, "vxlan"))
		vxlan_opts(L, arg, r);
	else if (!strcmp(kind, "vrf")) {
		if (get_opt(L, arg, "table") == LUA_TNIL)
			raise_input(L, "table", "a vrf needs option 'table' (1..4294967295)");
		lua_pop(L, 1);
		k->table = (uint32_t)opt_int(L, arg, "table", 1, 0xffffffffLL, 0);
	} else if (!strcmp(kind, "bond")) {
		k->mode = opt_word(L, arg, "mode", bond_modes, -1);
		k->miimon = (int)opt_int(L, arg, "miimon", 0, 0x7fffffff, -1);
		k->xmit = opt_word(L, arg, "xmit_hash_policy", bond_xmit_policies, -1);
	} else if (link_kind_tunnel(kind)) {
		tunnel_opts(L, arg, &kinds[i], r);
	}
}

/* ---- readback ---------------------------------------------------------- */

static void set_str(lua_State *L, const char *key, const char *v)
{
	if (v) {
		lua_pushstring(L, v);
		lua_setfield(L, -2, key);
	}
}

static void set_int(lua_State *L, const char *key, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, key);
}

static void set_addr(lua_State *L, const char *key, const struct prefix *p)
{
	char buf[64];

	if (p->family)
		set_str(L, key, format_addr(p->family, p->addr, buf, sizeof(buf)));
}

static void push_vxlan(lua_State *L, const struct link_kind *k, const struct devs *all)
{
	if (k->has_vni)
		set_int(L, "id", k->vni);
	set_addr(L, "remote", &k->remote);
	set_addr(L, "group", &k->group);
	set_addr(L, "local", &k->local);
	if (k->dev)
		devs_set_name(L, all, k->dev, "dev");
	if (k->port)
		set_int(L, "port", k->port);
	if (k->learning >= 0) {
		lua_pushboolean(L, k->learning);
		lua_setfield(L, -2, "learning");
	}
	if (k->ttl >= 0)
		set_int(L, "ttl", k->ttl);
}

/* a tunnel's { local, remote, ttl, key, dev }; dev only when in this namespace */
static void push_tunnel(lua_State *L, const struct link_info *l, const struct devs *all)
{
	const struct link_kind *k = &l->k;

	set_addr(L, "local", &k->local);
	set_addr(L, "remote", &k->remote);
	if (k->ttl >= 0)
		set_int(L, "ttl", k->ttl);
	if (k->has_key)
		set_int(L, "key", k->key);
	if (k->dev > 0 && l->link_nsid < 0)
		devs_set_name(L, all, k->dev, "dev");
}

/* t[l.kind] = { the kind's settings }, t on top; nothing for a kind without any. A tunnel's
 * (gre, gretap, ipip, sit, ip6gre, ip6tnl) go in t.tunnel, whatever its kind. */
void push_link_kind(lua_State *L, const struct link_info *l, const struct devs *all)
{
	const struct link_kind *k = &l->k;
	const char *kind = l->kind;

	if (!link_kind_known(kind) || !strcmp(kind, "dummy") || !strcmp(kind, "wireguard"))
		return;
	if (!strcmp(kind, "bridge") && l->k.vlan_filtering < 0)
		return;	/* a bridge the kernel said nothing of (no IFLA_INFO_DATA) */
	lua_createtable(L, 0, 4);
	if (!strcmp(kind, "bridge")) {
		lua_pushboolean(L, k->vlan_filtering);
		lua_setfield(L, -2, "vlan_filtering");
		if (k->default_pvid >= 0)	/* the kernel reports these when it can filter */
			set_int(L, "default_pvid", k->default_pvid);
		if (k->vlan_proto)
			set_str(L, "vlan_protocol", k->vlan_proto == ETH_P_8021AD ? "802.1ad" : "802.1q");
	} else if (!strcmp(kind, "vlan")) {
		set_int(L, "id", k->vlan_id);
		set_str(L, "protocol", k->vlan_proto == ETH_P_8021AD ? "802.1ad" : "802.1q");
	} else if (!strcmp(kind, "macvlan")) {
		set_str(L, "mode", kind_word_name(macvlan_modes, k->mode));
	} else if (!strcmp(kind, "ipvlan")) {
		set_str(L, "mode", kind_word_name(ipvlan_modes, k->mode));
	} else if (!strcmp(kind, "vxlan")) {
		push_vxlan(L, k, all);
	} else if (!strcmp(kind, "vrf")) {
		set_int(L, "table", k->table);
	} else if (!strcmp(kind, "bond")) {
		set_str(L, "mode", kind_word_name(bond_modes, k->mode));
		if (k->miimon >= 0)
			set_int(L, "miimon", k->miimon);
		set_str(L, "xmit_hash_policy", kind_word_name(bond_xmit_policies, k->xmit));
	} else if (link_kind_tunnel(kind)) {
		push_tunnel(L, l, all);
	}
	/* the parent of a vlan, macvlan, ipvlan, when it is in this namespace (a device moved
	 * away from its parent has IFLA_LINK_NETNSID, and an index of another namespace) */
	if (l->link && l->link_nsid < 0 && (!strcmp(kind, "vlan") || !strcmp(kind, "macvlan") || !strcmp(kind, "ipvlan")))
		devs_set_name(L, all, l->link, "link");
	lua_setfield(L, -2, link_kind_tunnel(kind) ? "tunnel" : kind);
}
