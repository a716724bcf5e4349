/* l_filter.c - the binding of blackholes: a device that drops every frame it sends or receives, its carrier up (filter.c). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "lnetns.h"

/* the direction at arg: "ingress", "egress", or nil for both */
static int check_hook(lua_State *L, int arg)
{
	const char *s;

	if (lua_isnoneornil(L, arg))
		return BH_BOTH;
	if (lua_type(L, arg) != LUA_TSTRING)
		return raise_input(L, "hook", "the direction must be \"ingress\" or \"egress\" (nil: both), not %s",
				   luaL_typename(L, arg));
	s = no_nul(L, arg, "hook", "the direction");
	if (!strcmp(s, "ingress"))
		return BH_INGRESS;
	if (!strcmp(s, "egress"))
		return BH_EGRESS;
	return raise_input(L, "hook", "the direction '%s' is not \"ingress\" or \"egress\" (nil: both)",
			   printable(L, s));
}

/* ns:blackhole_add(dev [, "ingress" | "egress"]) and ns:blackhole_del(...), told apart by
 * the name each is registered under (upvalue 1) */
static int m_blackhole(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *op = lua_tostring(L, lua_upvalueindex(1));
	const char *dev = check_ifname(L, 2, "interface name");
	int hooks = check_hook(L, 3), ret;
	struct err e = ERR_INIT;

	ret = !strcmp(op, "blackhole_add") ? bh_add(ns, dev, hooks, &e) : bh_del(ns, dev, hooks, &e);
	if (ret < 0)
		return raise_core(L, op, dev, ns_label(ns), ret, &e);
	return 0;
}

/* ns:blackholes() --> { { dev = "eth0", ingress = true, egress = true }, ... }, by name */
static int m_blackholes(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct err e = ERR_INIT;
	struct bh_info *v;
	size_t n, i, j;
	int ret;

	if ((ret = bh_list(ns, &v, &n, NULL, &e)) < 0)
		return raise_core(L, "blackholes", "table netdev " BH_TABLE, ns_label(ns), ret, &e);
	for (i = 1; i < n; i++) {	/* a handful: insertion sort */
		struct bh_info x = v[i];

		for (j = i; j > 0 && strcmp(v[j - 1].dev, x.dev) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		lua_createtable(L, 0, 3);
		lua_pushstring(L, v[i].dev);
		lua_setfield(L, -2, "dev");
		lua_pushboolean(L, (v[i].hooks & BH_INGRESS) != 0);
		lua_setfield(L, -2, "ingress");
		lua_pushboolean(L, (v[i].hooks & BH_EGRESS) != 0);
		lua_setfield(L, -2, "egress");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(v);
	return 1;
}

void open_filter_methods(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "blackhole_add", m_blackhole },
		{ "blackhole_del", m_blackhole },
		{ "blackholes", m_blackholes },
		{ NULL, NULL }
	};

	register_funcs(L, methods);
}
