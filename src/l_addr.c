/* l_addr.c - the binding of what lives on a device: addresses, routes and neighbours. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include "addr.h"
#include "link.h"
#include "lnetns.h"
#include "neigh.h"
#include "route.h"
#include "rtprot.h"

static const char *scope_name(int scope)
{
	switch (scope) {
	case RT_SCOPE_UNIVERSE: return "global";
	case RT_SCOPE_SITE: return "site";
	case RT_SCOPE_LINK: return "link";
	case RT_SCOPE_HOST: return "host";
	case RT_SCOPE_NOWHERE: return "nowhere";
	}
	return "unknown";
}

static void set_str(lua_State *L, const char *key, const char *value)
{
	lua_pushstring(L, value);
	lua_setfield(L, -2, key);
}

static void set_int(lua_State *L, const char *key, lua_Integer value)
{
	lua_pushinteger(L, value);
	lua_setfield(L, -2, key);
}

/* the devices of ns, and the index of the optional device argument at arg
 * (0 when absent) */
static int load_devs(lua_State *L, struct ns *ns, int arg, struct devs *d, const char *op,
		     const char **dev)
{
	*dev = lua_isnoneornil(L, arg) ? NULL : check_ifname(L, arg, "interface name");
	devs_load(L, ns, d, op);
	return *dev ? devs_index(L, d, *dev, op, ns) : 0;
}

/* ---- addresses -------------------------------------------------------- */

static const char *const addr_add_opts[] = { "nodad", NULL };

/* addr_add and addr_del, told apart by their name (upvalue 1) */
static int m_addr(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *op = lua_tostring(L, lua_upvalueindex(1));
	const char *dev = check_ifname(L, 2, "interface name");
	int add = !strcmp(op, "addr_add"), flags = 0, ret;
	struct err e = ERR_INIT;
	struct prefix p;

	lua_settop(L, 4);	/* options at a fixed index, scratch values above */
	check_prefix(L, 3, &p);
	if (add) {
		check_opts(L, 4, addr_add_opts);
		if (opt_bool(L, 4, "nodad") == 1)
			flags |= ADDR_NODAD;
	}
	ret = add ? addr_add(ns, dev, &p, flags, &e) : addr_del(ns, dev, &p, &e);
	if (ret < 0)
		return raise_core(L, op, lua_pushfstring(L, "%s on %s", lua_tostring(L, 3), dev),
				  ns_label(ns), ret, &e);
	return 0;
}

static int m_addrs(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	char buf[INET6_ADDRSTRLEN];
	struct err e = ERR_INIT;
	struct addr_info *av = NULL;
	struct devs d;
	const char *dev;
	size_t an = 0, i;
	int index = load_devs(L, ns, 2, &d, "addrs", &dev), ret;

	if ((ret = addr_list(ns, 0, index, &av, &an, &e)) < 0) {
		free(d.v);
		return raise_core(L, "addrs", dev ? dev : "addresses", ns_label(ns), ret, &e);
	}
	lua_createtable(L, (int)an, 0);
	for (i = 0; i < an; i++) {
		const struct addr_info *a = &av[i];
		lua_createtable(L, 0, 5);
		devs_set_name(L, &d, a->index, "dev");
		set_str(L, "address", format_addr(a->family, a->addr, buf, sizeof(buf)));
		set_int(L, "prefix", a->prefixlen);
		set_str(L, "family", family_name(a->family));
		set_str(L, "scope", scope_name(a->scope));
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(d.v);
	free(av);
	return 1;
}

/* ---- routes ----------------------------------------------------------- */

static const char *const route_opts[] = { "dst", "via", "dev", "metric", "table", "family", "proto",
					   NULL };

/* opts.table: "main" or a number, not the kernel's local table */
static unsigned opt_table(lua_State *L, int arg)
{
	unsigned table = 0;

	if (get_opt(L, arg, "table") == LUA_TSTRING) {
		if (strcmp(no_nul(L, -1, "table", "option 'table'"), "main"))
			raise_input(L, "table", "option 'table' '%s' is not \"main\" or a number",
				    lua_tostring(L, -1));
	} else {
		table = (unsigned)opt_int(L, arg, "table", 1, 0xffffffffLL, 0);
		if (table == RT_TABLE_LOCAL)
			raise_input(L, "table", "option 'table': 255 is the kernel's local table");
	}
	lua_pop(L, 1);
	return table;
}

/* opts.proto: a protocol's name as iproute2 knows it ("bird", "ospf", ...:
 * rtprot.h) or its number 0..255; -1 when absent */
static int opt_proto(lua_State *L, int arg)
{
	int t = get_opt(L, arg, "proto"), id = -1;
	const char *s;

	if (t == LUA_TSTRING) {
		s = no_nul(L, -1, "proto", "option 'proto'");
		if ((id = rtprot_id(s)) < 0)
			raise_input(L, "proto", "option 'proto': '%s' is not a routing protocol's name "
				    "(iproute2's, or one of /etc/iproute2/rt_protos and rt_protos.d) "
				    "nor a number in 0..255", printable(L, s));
	} else if (t != LUA_TNIL) {
		id = (int)opt_int(L, arg, "proto", 0, 255, 0);
	}
	lua_pop(L, 1);
	return id;
}

/* the route a table of options describes; returns opts.dst */
static const char *check_route(lua_State *L, int arg, struct route_req *r, struct prefix *via,
			       int need_nexthop)
{
	const char *dst, *s, *why;
	int family;

	check_table(L, arg, "route");
	check_opts(L, arg, route_opts);
	memset(r, 0, sizeof(*r));
	if (!(dst = opt_string(L, arg, "dst")))
		raise_input(L, "dst", "option 'dst' is required (\"default\" or a prefix)");
	if ((why = parse_net(dst, &r->dst)))
		raise_input(L, "dst", "option 'dst': prefix '%s' %s", dst, why);
	if ((s = opt_string(L, arg, "via"))) {
		if ((why = parse_addr(s, via)))
			raise_input(L, "via", "option 'via': gateway '%s' %s", s, why);
		r->via = via;
	}
	r->dev = opt_ifname(L, arg, "dev");
	if (get_opt(L, arg, "metric") != LUA_TNIL) {
		r->metric = (unsigned)opt_int(L, arg, "metric", 0, 0xffffffffLL, 0);
		r->has_metric = 1;
	}
	lua_pop(L, 1);
	r->table = opt_table(L, arg);
	r->protocol = opt_proto(L, arg);
	get_opt(L, arg, "family");
	family = check_family(L, -1, "option 'family'");
	lua_pop(L, 1);
	/* the family comes from the prefix, the gateway or the option, and they agree */
	r->family = r->dst.family ? r->dst.family : r->via ? via->family : family ? family : AF_INET;
	if ((r->via && via->family != r->family) || (family && family != r->family))
		raise_input(L, NULL, "route to '%s' mixes IPv4 and IPv6", dst);
	if (!r->dst.family)
		r->dst.family = r->family;
	if (need_nexthop && !r->via && !r->dev)
		raise_input(L, NULL, "route to '%s' needs 'via' or 'dev'", dst);
	return dst;
}

/* route_add and route_del: the same table of options, told apart by the
 * name each is registered under (upvalue 1) */
static int m_route(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *op = lua_tostring(L, lua_upvalueindex(1)), *dst;
	int add = !strcmp(op, "route_add"), ret;
	struct err e = ERR_INIT;
	struct route_req r;
	struct prefix via;

	lua_settop(L, 2);
	dst = check_route(L, 2, &r, &via, add);
	if ((ret = add ? route_add(ns, &r, &e) : route_del(ns, &r, &e)) < 0)
		return raise_core(L, op, dst, ns_label(ns), ret, &e);
	return 0;
}

/* the name iproute2 shows, else the number as text (as `ip -j route` gives it) */
static const char *proto_name(int p, char *buf, size_t len)
{
	const char *name = rtprot_name((unsigned)p);

	if (name)
		return name;
	snprintf(buf, len, "%d", p);
	return buf;
}

static const char *rtype_name(int t)
{
	switch (t) {
	case RTN_BLACKHOLE: return "blackhole";
	case RTN_UNREACHABLE: return "unreachable";
	case RTN_PROHIBIT: return "prohibit";
	}
	return "unicast";
}

static void push_route(lua_State *L, const struct route_info *r, const struct devs *d)
{
	char buf[INET6_ADDRSTRLEN], pbuf[16];

	lua_createtable(L, 0, 10);
	if (r->dst_len == 0)
		lua_pushliteral(L, "default");
	else
		lua_pushfstring(L, "%s/%d", format_addr(r->family, r->dst, buf, sizeof(buf)), r->dst_len);
	lua_setfield(L, -2, "dst");
	if (r->has_via)
		set_str(L, "via", format_addr(r->family, r->via, buf, sizeof(buf)));
	if (r->oif)
		devs_set_name(L, d, r->oif, "dev");
	if (r->has_prefsrc)
		set_str(L, "src", format_addr(r->family, r->prefsrc, buf, sizeof(buf)));
	if (r->has_metric)
		set_int(L, "metric", r->metric);
	set_int(L, "table", r->table);
	set_str(L, "proto", proto_name(r->protocol, pbuf, sizeof(pbuf)));
	set_str(L, "scope", scope_name(r->scope));
	set_str(L, "type", rtype_name(r->type));
	set_str(L, "family", family_name(r->family));
}

static int m_routes(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	int family = check_family(L, 2, "family"), ret;
	struct err e = ERR_INIT;
	struct route_info *rv = NULL;
	struct devs d;
	size_t rn = 0, i;

	devs_load(L, ns, &d, "routes");
	if ((ret = route_list(ns, family, &rv, &rn, &e)) < 0) {
		free(d.v);
		return raise_core(L, "routes", "routes", ns_label(ns), ret, &e);
	}
	lua_createtable(L, (int)rn, 0);
	for (i = 0; i < rn; i++) {
		push_route(L, &rv[i], &d);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(d.v);
	free(rv);
	return 1;
}

/* ns:addr_wait(dev [, timeout]): once the device's IPv6 addresses are
 * answered for (a neighbour solicitation for one right after addr_add can
 * come before the kernel listens for it, and the asker retries only a
 * second later) */
static int m_addr_wait(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *dev = check_ifname(L, 2, "interface name");
	double timeout = lua_isnoneornil(L, 3) ? LINK_WAIT_TIMEOUT : check_seconds(L, 3, "timeout", 1);
	struct err e = ERR_INIT;
	int ret;

	if ((ret = addr_wait(ns, dev, timeout, &e)) < 0)
		return raise_core(L, "addr_wait", dev, ns_label(ns), ret, &e);
	return 0;
}

/* ---- neighbours --------------------------------------------------------- */

static const char *const neigh_add_opts[] = { "dst", "lladdr", "dev", NULL };
static const char *const neigh_del_opts[] = { "dst", "dev", NULL };

/* neigh_add and neigh_del, told apart by their name (upvalue 1) */
static int m_neigh(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *op = lua_tostring(L, lua_upvalueindex(1)), *dev, *s, *why;
	int add = !strcmp(op, "neigh_add"), ret;
	const unsigned char *ll = NULL;
	struct err e = ERR_INIT;
	unsigned char mac[6];
	struct prefix dst;

	lua_settop(L, 2);
	check_table(L, 2, "neighbour");
	check_opts(L, 2, add ? neigh_add_opts : neigh_del_opts);
	if (!(s = opt_string(L, 2, "dst")))
		return raise_input(L, "dst", "option 'dst' (an address) is required");
	if ((why = parse_addr(s, &dst)))
		return raise_input(L, "dst", "option 'dst': address '%s' %s", s, why);
	if (!(dev = opt_ifname(L, 2, "dev")))
		return raise_input(L, "dev", "option 'dev' (the device) is required");
	if (add) {
		opt_mac(L, 2, "lladdr", mac, &ll);
		if (!ll)
			return raise_input(L, "lladdr", "option 'lladdr' (a MAC address) is required");
	}
	ret = add ? neigh_add(ns, dev, &dst, ll, &e) : neigh_del(ns, dev, &dst, &e);
	if (ret < 0)
		return raise_core(L, op, lua_pushfstring(L, "%s on %s", s, dev), ns_label(ns), ret, &e);
	return 0;
}

static const char *const fdb_opts[] = { "dev", "dst", "lladdr", NULL };

/* fdb_append and fdb_del ({ dev =, dst =, lladdr = (default: all zero, the flooded frames) }),
 * told apart by their name (upvalue 1) */
static int m_fdb(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *op = lua_tostring(L, lua_upvalueindex(1)), *dev, *s, *why;
	const unsigned char *ll = NULL;
	static const unsigned char zero[6];
	struct err e = ERR_INIT;
	unsigned char mac[6];
	struct prefix dst;
	int ret;

	lua_settop(L, 2);
	check_table(L, 2, "forwarding entry");
	check_opts(L, 2, fdb_opts);
	if (!(dev = opt_ifname(L, 2, "dev")))
		return raise_input(L, "dev", "option 'dev' (the vxlan) is required");
	if (!(s = opt_string(L, 2, "dst")))
		return raise_input(L, "dst", "option 'dst' (the remote's address) is required");
	if ((why = parse_addr(s, &dst)))
		return raise_input(L, "dst", "option 'dst': address '%s' %s", s, why);
	opt_mac(L, 2, "lladdr", mac, &ll);
	ret = !strcmp(op, "fdb_append") ? fdb_append(ns, dev, ll ? ll : zero, &dst, &e)
					: fdb_del(ns, dev, ll ? ll : zero, &dst, &e);
	if (ret < 0)
		return raise_core(L, op, lua_pushfstring(L, "%s on %s", s, dev), ns_label(ns), ret, &e);
	return 0;
}

static void push_neigh(lua_State *L, const struct neigh_info *n, const struct devs *d)
{
	char buf[INET6_ADDRSTRLEN], mac[3 * 32 + 1], st[80];

	lua_createtable(L, 0, 6);
	set_str(L, "dst", format_addr(n->family, n->dst, buf, sizeof(buf)));
	if (n->lladdr_len)
		set_str(L, "lladdr", format_mac(n->lladdr, n->lladdr_len, mac, sizeof(mac)));
	devs_set_name(L, d, n->index, "dev");
	set_str(L, "state", neigh_state_name(n->state, st, sizeof(st)));
	set_str(L, "family", family_name(n->family));
	if (n->router) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "router");
	}
}

static int m_neighs(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct err e = ERR_INIT;
	struct neigh_info *nv = NULL;
	struct devs d;
	const char *dev;
	size_t nn = 0, i;
	int index = load_devs(L, ns, 2, &d, "neighs", &dev), ret;

	if ((ret = neigh_list(ns, index, &nv, &nn, &e)) < 0) {
		free(d.v);
		return raise_core(L, "neighs", dev ? dev : "neighbours", ns_label(ns), ret, &e);
	}
	lua_createtable(L, (int)nn, 0);
	for (i = 0; i < nn; i++) {
		push_neigh(L, &nv[i], &d);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(d.v);
	free(nv);
	return 1;
}

void open_addr_methods(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "addr_add", m_addr },
		{ "addr_del", m_addr },
		{ "addrs", m_addrs },
		{ "route_add", m_route },
		{ "route_del", m_route },
		{ "routes", m_routes },
		{ "addr_wait", m_addr_wait },
		{ "neigh_add", m_neigh },
		{ "neigh_del", m_neigh },
		{ "neighs", m_neighs },
		{ "fdb_append", m_fdb },
		{ "fdb_del", m_fdb },
		{ NULL, NULL }
	};

	register_funcs(L, methods);
}
