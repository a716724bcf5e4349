/* l_link.c - the binding of links (veth, bridge): add, set, delete, list; the device-name resolver. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnetns.h"

/* ---- the devices of a namespace, by index and by name ------------------ */

void devs_load(lua_State *L, struct ns *ns, struct devs *d, const char *op)
{
	struct err e = ERR_INIT;
	int ret = link_list(ns, &d->v, &d->n, &e);

	if (ret < 0) {
		free(d->v);
		raise_core(L, op, "links", ns_label(ns), ret, &e);
	}
}

int devs_index(lua_State *L, struct devs *d, const char *dev, const char *op, const struct ns *ns)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].name, dev))
			return d->v[i].index;
	free(d->v);
	d->v = NULL;
	return raise_core(L, op, dev, ns_label(ns), -ENODEV, NULL);
}

void devs_set_name(lua_State *L, const struct devs *d, int index, const char *key)
{
	size_t i;

	for (i = 0; i < d->n && d->v[i].index != index; i++)
		;
	if (i < d->n)
		lua_pushstring(L, d->v[i].name);
	else
		lua_pushinteger(L, index);	/* a device we could not name */
	lua_setfield(L, -2, key);
}

/* ---- link_add, link_set, link_del -------------------------------------- */

static const char *const link_add_opts[] = { "peer", "peer_ns", "ns", "mtu", "address",
					      "up", "wait", "master", "alias", "group", NULL };

static const char *opt_alias(lua_State *L, int arg)
{
	const char *alias = opt_string(L, arg, "alias");

	if (alias && strlen(alias) > 255)
		raise_input(L, "alias", "option 'alias' is longer than 255 bytes");
	return alias;
}

/* ns:link_add(name, kind, opts) -> ifindex [, peer's ifindex]; the kinds besides veth and
 * bridge take their options in l_link_kinds.c */
static int m_link_add(lua_State *L)
{
	struct ns *ns = check_ns(L, 1), tmp, tmp_home, *peer_ns;
	const char *name = check_ifname(L, 2, "interface name");
	const char *kind = check_str(L, 3, "kind");
	struct link_add_req r = { .name = name, .peer_fd = -1, .k = LINK_KIND_INIT };
	struct err e = ERR_INIT;
	unsigned char mac[6];
	int veth, ret;

	lua_settop(L, 5);	/* options at a fixed index, what the kind keeps alive at 5, scratch above */
	if (strcmp(kind, "veth") && strcmp(kind, "bridge") && !link_kind_known(kind))
		return raise_value(L, "kind", kind,
				   "is not one of veth, bridge, dummy, vlan, macvlan, ipvlan, vxlan, vrf, bond, "
				   "gre, gretap, ipip, sit, ip6gre, ip6tnl, wireguard");
	veth = !strcmp(kind, "veth");
	r.kind = kind;	/* alive in the stack */
	if (link_kind_known(kind))
		link_kind_opts(L, 4, 5, kind, &r);
	else
		check_opts(L, 4, link_add_opts);
	r.peer = opt_ifname(L, 4, "peer");
	r.mtu = (unsigned)opt_int(L, 4, "mtu", 68, 65535, 0);
	opt_mac(L, 4, "address", mac, &r.address);
	if (veth && !r.peer)
		return raise_input(L, "peer", "a veth needs option 'peer' (the other end's name)");
	if (!veth && r.peer)
		return raise_input(L, "peer", "option 'peer' is for veth, not %s", kind);
	r.up = opt_bool(L, 4, "up") == 1;
	r.wait = opt_bool(L, 4, "wait") != 0;	/* default: up means ready */
	r.master = opt_ifname(L, 4, "master");
	r.alias = opt_alias(L, 4);
	/* a vxlan's group = "ADDR" is its multicast group (l_link_kinds.c) */
	if (strcmp(kind, "vxlan") || get_opt(L, 4, "group") != LUA_TSTRING)
		r.group = (unsigned)opt_int(L, 4, "group", 0, 0xffffffffLL, 0);
	lua_settop(L, 5);
	/* last: a namespace given by name is opened here and must be closed */
	peer_ns = opt_ns(L, 4, "peer_ns", &tmp, "link_add", name, ns);
	if (peer_ns && !veth) {
		ns_close(&tmp);
		return raise_input(L, "peer_ns", "option 'peer_ns' is for veth only");
	}
	if (peer_ns)
		r.peer_fd = peer_ns->fd;
	/* ns = NS: born there; the kind's socket (a vxlan's) stays in this one */
	r.target = opt_ns(L, 4, "ns", &tmp_home, "link_add", name, ns);
	if (r.target && veth) {
		ns_close(&tmp);
		ns_close(&tmp_home);
		return raise_input(L, "ns", "option 'ns' is not for veth (its peer_ns places the far end)");
	}
	ret = link_add(ns, &r, &e);
	if (ret < 0)
		lua_pushstring(L, ns_label(r.target ? r.target : ns));
	ns_close(&tmp);
	ns_close(&tmp_home);
	if (ret < 0)
		return raise_core(L, "link_add", name, lua_tostring(L, -1), ret, &e);
	/* the new ifindexes (for a veth, the peer's is in the peer's namespace) */
	if (r.index <= 0)
		return 0;
	lua_pushinteger(L, r.index);
	if (!veth || r.peer_index <= 0)
		return 1;
	lua_pushinteger(L, r.peer_index);
	return 2;
}

/* ns:link_del_group(group): every device of that group goes, in one request */
static int m_link_del_group(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct err e = ERR_INIT;
	int isint = 0, ret;
	lua_Integer g = lua_tointegerx(L, 2, &isint);

	if (!isint || g < 1 || g > 0xffffffffLL)
		return raise_input(L, "group", "group must be an integer in 1..4294967295, not '%s'",
				   luaL_tolstring(L, 2, NULL));
	if ((ret = link_del_group(ns, (unsigned)g, &e)) < 0)
		return raise_core(L, "link_del_group", lua_pushfstring(L, "group %I", g),
				  ns_label(ns), ret, &e);
	return 0;
}

static const char *const link_set_opts[] = { "up", "wait", "mtu", "address", "master", "ns", "name",
					      "alias", "addrgenmode", "vlan_filtering", NULL };

/* iproute2's words for IN6_ADDR_GEN_MODE_*, in that order */
static const char *const addrgenmodes[] = { "eui64", "none", "stable_secret", "random", NULL };

static int opt_addrgenmode(lua_State *L, int arg)
{
	const char *mode = opt_string(L, arg, "addrgenmode");
	int i;

	if (!mode)
		return -1;
	for (i = 0; addrgenmodes[i] && strcmp(addrgenmodes[i], mode); i++)
		;
	if (!addrgenmodes[i])
		raise_input(L, "addrgenmode",
			    "option 'addrgenmode' '%s' is not one of eui64, none, stable_secret, random",
			    printable(L, mode));
	return i;
}

/* master = NAME (enslave) or false (release) */
static void opt_master(lua_State *L, int arg, struct link_set_req *r)
{
	int t = get_opt(L, arg, "master");

	if (t == LUA_TBOOLEAN && !lua_toboolean(L, -1))
		r->nomaster = 1;
	else if (t != LUA_TNIL && t != LUA_TSTRING)
		raise_input(L, "master", "option 'master' must be a bridge's, bond's or vrf's name or false, not '%s'",
			    luaL_tolstring(L, -1, NULL));
	lua_pop(L, 1);
	if (t == LUA_TSTRING)
		r->master = opt_ifname(L, arg, "master");
}

static int m_link_set(lua_State *L)
{
	struct ns *ns = check_ns(L, 1), tmp;
	const char *name = check_ifname(L, 2, "interface name");
	struct link_set_req r = LINK_SET_INIT;
	struct err e = ERR_INIT;
	unsigned char mac[6];
	int ret;

	lua_settop(L, 3);	/* options at a fixed index, scratch values above */
	check_table(L, 3, "options");
	check_opts(L, 3, link_set_opts);
	r.up = opt_bool(L, 3, "up");
	r.wait = opt_bool(L, 3, "wait") != 0;
	r.mtu = (unsigned)opt_int(L, 3, "mtu", 68, 65535, 0);
	opt_mac(L, 3, "address", mac, &r.address);
	r.newname = opt_ifname(L, 3, "name");
	r.alias = opt_alias(L, 3);
	r.addrgenmode = opt_addrgenmode(L, 3);
	r.vlan_filtering = opt_bool(L, 3, "vlan_filtering");	/* a bridge's */
	opt_master(L, 3, &r);
	r.target = opt_ns(L, 3, "ns", &tmp, "link_set", name, ns);
	ret = link_set(ns, name, &r, &e);
	ns_close(&tmp);
	if (ret < 0)
		return raise_core(L, "link_set", name, ns_label(ns), ret, &e);
	return 0;
}

/* ns:link_wait(name [, timeout]): once the device (and a veth's peer) can
 * transmit; for the bulk builder that brought many up with wait = false */
static int m_link_wait(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *name = check_ifname(L, 2, "interface name");
	double timeout = lua_isnoneornil(L, 3) ? LINK_WAIT_TIMEOUT : check_seconds(L, 3, "timeout", 1);
	struct err e = ERR_INIT;
	int ret;

	if ((ret = link_wait(ns, name, timeout, &e)) < 0)
		return raise_core(L, "link_wait", name, ns_label(ns), ret, &e);
	return 0;
}

static int m_link_del(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *name = check_ifname(L, 2, "interface name");
	struct err e = ERR_INIT;
	int ret;

	if ((ret = link_del(ns, name, &e)) < 0)
		return raise_core(L, "link_del", name, ns_label(ns), ret, &e);
	return 0;
}

/* ---- links, link ------------------------------------------------------- */

static void push_link(lua_State *L, const struct link_info *l, const struct devs *all)
{
	char buf[3 * sizeof(l->address) + 1];

	lua_createtable(L, 0, 10);
	lua_pushinteger(L, l->index);
	lua_setfield(L, -2, "index");
	lua_pushstring(L, l->name);
	lua_setfield(L, -2, "name");
	if (l->kind[0]) {
		lua_pushstring(L, l->kind);
		lua_setfield(L, -2, "kind");
	}
	lua_pushboolean(L, l->up);
	lua_setfield(L, -2, "up");
	lua_pushboolean(L, l->lower_up);
	lua_setfield(L, -2, "carrier");
	lua_pushstring(L, link_operstate_name(l->operstate));
	lua_setfield(L, -2, "operstate");
	if (l->qdisc[0]) {
		lua_pushstring(L, l->qdisc);
		lua_setfield(L, -2, "qdisc");
	}
	lua_pushinteger(L, l->mtu);
	lua_setfield(L, -2, "mtu");
	if (l->addrlen) {
		lua_pushstring(L, format_mac(l->address, l->addrlen, buf, sizeof(buf)));
		lua_setfield(L, -2, "address");
	}
	if (l->alias[0]) {
		lua_pushstring(L, l->alias);
		lua_setfield(L, -2, "alias");
	}
	if (l->master)
		devs_set_name(L, all, l->master, "master");
	push_link_kind(L, l, all);
}

static int m_links(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct devs d;
	size_t i;

	devs_load(L, ns, &d, "links");
	lua_createtable(L, (int)d.n, 0);
	for (i = 0; i < d.n; i++) {
		push_link(L, &d.v[i], &d);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(d.v);
	return 1;
}

static int m_link(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *name = check_ifname(L, 2, "interface name");
	struct devs d = { 0 };
	struct err e = ERR_INIT;
	struct link_info l;
	int ret = link_get(ns, name, &l, &e);

	if (ret == -ENODEV) {
		lua_pushnil(L);
		return 1;
	}
	if (ret < 0)
		return raise_core(L, "link", name, ns_label(ns), ret, &e);
	/* the master's (a parent's, an underlay's) name needs the other devices */
	if (l.master || (l.link && link_kind_known(l.kind)) || l.k.dev)
		devs_load(L, ns, &d, "link");
	push_link(L, &l, &d);
	free(d.v);
	return 1;
}

void open_link_methods(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "link_add", m_link_add },
		{ "link_set", m_link_set },
		{ "link_wait", m_link_wait },
		{ "link_del", m_link_del },
		{ "link_del_group", m_link_del_group },
		{ "links", m_links },
		{ "link", m_link },
		{ NULL, NULL }
	};

	register_funcs(L, methods);
}
