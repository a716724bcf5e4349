/* l_bridge_vlan.c - the binding of a VLAN-aware bridge's VLANs: bridge_vlan_add, bridge_vlan_del, bridge_vlans. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <linux/if_bridge.h>

#include "bridge_vlan.h"
#include "lnetns.h"

/* the vid at idx: an integer in 1..4094, else raised naming it (what: "vid" or "vids[3]") */
static uint16_t check_vid(lua_State *L, int idx, const char *what)
{
	int isint = 0;
	lua_Integer v = lua_type(L, idx) == LUA_TNUMBER ? lua_tointegerx(L, idx, &isint) : 0;

	if (!isint || v < 1 || v > BRIDGE_VID_MAX)
		raise_input(L, "vids", "%s must be an integer in 1..%d (a VLAN id), not '%s'", what,
			    BRIDGE_VID_MAX, luaL_tolstring(L, idx, NULL));
	return (uint16_t)v;
}

static int cmp_vid(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* vids at arg: one vid or a list of them, into v (BRIDGE_VID_MAX entries), sorted, each once;
 * returns how many */
static size_t check_vids(lua_State *L, int arg, uint16_t *v)
{
	size_t n = 0, i, out;
	lua_Integer len;
	char what[32];

	if (lua_type(L, arg) == LUA_TNUMBER) {
		v[0] = check_vid(L, arg, "vid");
		return 1;
	}
	if (lua_type(L, arg) != LUA_TTABLE)
		return (size_t)raise_input(L, "vids", "vids must be a VLAN id (1..%d) or a list of them, not %s",
					   BRIDGE_VID_MAX, luaL_typename(L, arg));
	len = luaL_len(L, arg);
	if (len < 1)
		return (size_t)raise_input(L, "vids", "vids is an empty list");
	if (len > BRIDGE_VID_MAX)
		return (size_t)raise_input(L, "vids", "vids holds %I entries, more than the %d VLAN ids",
					   len, BRIDGE_VID_MAX);
	for (i = 1; i <= (size_t)len; i++) {
		lua_geti(L, arg, (lua_Integer)i);
		snprintf(what, sizeof(what), "vids[%zu]", i);
		v[n++] = check_vid(L, -1, what);
		lua_pop(L, 1);
	}
	qsort(v, n, sizeof(*v), cmp_vid);
	for (i = 1, out = 1; i < n; i++)
		if (v[i] != v[out - 1])
			v[out++] = v[i];
	return out;
}

static int vlan_change(lua_State *L, int add)
{
	static const char *const opts[] = { "pvid", "untagged", NULL };
	struct ns *ns = check_ns(L, 1);
	const char *dev = check_ifname(L, 2, "dev");
	struct bridge_vlan_req r = { 0 };
	struct err e = ERR_INIT;
	uint16_t *v;
	int ret;

	lua_settop(L, 4);
	v = lua_newuserdatauv(L, BRIDGE_VID_MAX * sizeof(*v), 0);	/* freed with the stack */
	r.vids = v;
	r.n = check_vids(L, 3, v);
	if (add) {
		check_opts(L, 4, opts);
		r.pvid = opt_bool(L, 4, "pvid") == 1;
		r.untagged = opt_bool(L, 4, "untagged") == 1;
		/* a port has one PVID */
		if (r.pvid && r.n > 1)
			return raise_input(L, "pvid", "option 'pvid' goes with one vid, not %d", (int)r.n);
	} else if (!lua_isnoneornil(L, 4)) {
		return raise_input(L, NULL, "bridge_vlan_del takes no options (dev, vids)");
	}
	ret = add ? bridge_vlan_add(ns, dev, &r, &e) : bridge_vlan_del(ns, dev, &r, &e);
	if (ret < 0)
		return raise_core(L, add ? "bridge_vlan_add" : "bridge_vlan_del", dev, ns_label(ns), ret, &e);
	return 0;
}

/* ns:bridge_vlan_add(dev, vids [, { pvid =, untagged = }]) */
static int m_bridge_vlan_add(lua_State *L)
{
	return vlan_change(L, 1);
}

/* ns:bridge_vlan_del(dev, vids) */
static int m_bridge_vlan_del(lua_State *L)
{
	return vlan_change(L, 0);
}

/* ns:bridge_vlans([dev]) -> { { ifname =, vlans = { { vlan =, pvid = true, untagged = true }, ... } }, ... }:
 * what `bridge -j vlan show [dev DEV]` lists, one entry per vid (no vlanEnd ranges); a device
 * without VLANs is not listed */
static int m_bridge_vlans(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *dev = lua_isnoneornil(L, 2) ? NULL : check_ifname(L, 2, "dev");
	struct err e = ERR_INIT;
	struct bridge_vlan *v;
	size_t n, i;
	int ret = bridge_vlan_list(ns, &v, &n, &e), ndev = 0, nvlan = 0, last = 0;

	if (ret < 0)
		return raise_core(L, "bridge_vlans", dev ? dev : "vlans", ns_label(ns), ret, &e);
	lua_newtable(L);
	for (i = 0; i < n; i++) {
		if (dev && strcmp(dev, v[i].name))
			continue;
		if (v[i].index != last) {	/* the records of a device come together */
			if (ndev)
				lua_pop(L, 2);	/* the last device's entry and its vlans */
			last = v[i].index;
			lua_createtable(L, 0, 2);
			lua_pushstring(L, v[i].name);
			lua_setfield(L, -2, "ifname");
			lua_pushvalue(L, -1);
			lua_rawseti(L, -3, ++ndev);
			lua_newtable(L);
			lua_pushvalue(L, -1);
			lua_setfield(L, -3, "vlans");
			nvlan = 0;
		}
		lua_createtable(L, 0, 3);
		lua_pushinteger(L, v[i].vid);
		lua_setfield(L, -2, "vlan");
		if (v[i].flags & BRIDGE_VLAN_INFO_PVID) {
			lua_pushboolean(L, 1);
			lua_setfield(L, -2, "pvid");
		}
		if (v[i].flags & BRIDGE_VLAN_INFO_UNTAGGED) {
			lua_pushboolean(L, 1);
			lua_setfield(L, -2, "untagged");
		}
		lua_rawseti(L, -2, ++nvlan);
	}
	if (ndev)
		lua_pop(L, 2);
	free(v);
	return 1;
}

void open_bridge_vlan_methods(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "bridge_vlan_add", m_bridge_vlan_add },
		{ "bridge_vlan_del", m_bridge_vlan_del },
		{ "bridge_vlans", m_bridge_vlans },
		{ NULL, NULL }
	};

	register_funcs(L, methods);
}
