/* lnetns.c - the Lua 5.4 binding of the netns core: the only C file that knows Lua. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include <lua.h>
#include <lauxlib.h>

#include "addr.h"
#include "link.h"
#include "ns.h"
#include "parse.h"
#include "proc.h"

#ifndef NETLAB_VERSION
#define NETLAB_VERSION "0.0.0"
#endif

#define NS_MT "netns.ns"

/* ---- errors ---------------------------------------------------------- */

static const char *ns_label(const struct ns *ns)
{
	return ns && ns->name[0] ? ns->name : "host";
}

/* netns: <op> <object> in <ns>: <strerror> (<ERRNO>)[: <kernel text>] */
static int kernel_error(lua_State *L, const char *op, const char *obj,
			const struct ns *ns, int err)
{
	const char *ename = strerrorname_np(-err);
	const char *text = ns ? ns->rt.err : "";

	lua_pushfstring(L, "netns: %s %s in %s: %s (%s)%s%s", op, obj,
			ns_label(ns), strerror(-err), ename ? ename : "?",
			text[0] ? ": " : "", text);
	return lua_error(L);
}

/* Every function carries its own name as upvalue 1, so a bad argument is
 * named even when the function is called through pcall or a local alias. */
static int bad_arg(lua_State *L, const char *msg)
{
	const char *fn = lua_tostring(L, lua_upvalueindex(1));

	return luaL_error(L, "netns: %s: %s", fn ? fn : "?", msg);
}

static int arg_error(lua_State *L, int arg, const char *what,
		     const char *value, const char *why)
{
	(void)arg;
	return bad_arg(L, lua_pushfstring(L, "%s '%s' %s", what, value, why));
}

/* ---- argument helpers ------------------------------------------------ */

static const char *check_str(lua_State *L, int arg, const char *what)
{
	if (lua_type(L, arg) != LUA_TSTRING)
		bad_arg(L, lua_pushfstring(L, "%s must be a string, not %s", what,
					   luaL_typename(L, arg)));
	return lua_tostring(L, arg);
}

static void check_table(lua_State *L, int arg, const char *what)
{
	if (lua_type(L, arg) != LUA_TTABLE)
		bad_arg(L, lua_pushfstring(L, "%s must be a table, not %s", what,
					   luaL_typename(L, arg)));
}

static const char *check_name(lua_State *L, int arg, const char *what)
{
	const char *s = check_str(L, arg, what), *why;

	if ((why = parse_name(s)))
		arg_error(L, arg, what, s, why);
	return s;
}

/* Refuse option keys the function does not know: a typo must not be ignored. */
static void check_opts(lua_State *L, int arg, const char *const *known)
{
	int i;

	if (lua_isnoneornil(L, arg))
		return;
	check_table(L, arg, "options");
	lua_pushnil(L);
	while (lua_next(L, arg)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) == LUA_TSTRING) {
			const char *k = lua_tostring(L, -1);
			for (i = 0; known[i]; i++)
				if (!strcmp(k, known[i]))
					break;
			if (known[i])
				continue;
			bad_arg(L, lua_pushfstring(L, "unknown option '%s'", k));
		}
		bad_arg(L, "option keys must be strings");
	}
}

/* Push opts[key] (nil when opts is absent) and return its type. */
static int get_opt(lua_State *L, int arg, const char *key)
{
	if (lua_isnoneornil(L, arg)) {
		lua_pushnil(L);
		return LUA_TNIL;
	}
	return lua_getfield(L, arg, key);
}

static const char *opt_string(lua_State *L, int arg, const char *key)
{
	int t = get_opt(L, arg, key);
	const char *s = NULL;

	if (t == LUA_TSTRING)
		s = lua_tostring(L, -1);
	else if (t != LUA_TNIL)
		bad_arg(L, lua_pushfstring(L, "option '%s' must be a string, not %s",
						     key, luaL_typename(L, -1)));
	lua_pop(L, 1);	/* the string stays alive in the options table */
	return s;
}

static const char *opt_name(lua_State *L, int arg, const char *key)
{
	const char *s = opt_string(L, arg, key), *why;

	if (s && (why = parse_name(s)))
		bad_arg(L, lua_pushfstring(L, "option '%s': name '%s' %s", key, s, why));
	return s;
}

/* an integer option in [lo, hi]; def when absent */
static lua_Integer opt_int(lua_State *L, int arg, const char *key,
			   lua_Integer lo, lua_Integer hi, lua_Integer def)
{
	int t = get_opt(L, arg, key), isint = 0;
	lua_Integer v = def;

	if (t != LUA_TNIL) {
		v = lua_tointegerx(L, -1, &isint);
		if (!isint || v < lo || v > hi)
			bad_arg(L, lua_pushfstring(L,
				"option '%s' must be an integer in %I..%I, not '%s'",
				key, lo, hi, luaL_tolstring(L, -1, NULL)));
	}
	lua_pop(L, 1);
	return v;
}

/* -1 absent, 0 false, 1 true */
static int opt_bool(lua_State *L, int arg, const char *key)
{
	int t = get_opt(L, arg, key), v = -1;

	if (t == LUA_TBOOLEAN)
		v = lua_toboolean(L, -1);
	else if (t != LUA_TNIL)
		bad_arg(L, lua_pushfstring(L, "option '%s' must be a boolean, not %s",
						     key, luaL_typename(L, -1)));
	lua_pop(L, 1);
	return v;
}

static void opt_mac(lua_State *L, int arg, const char *key, unsigned char mac[6],
		    const unsigned char **out)
{
	const char *s = opt_string(L, arg, key), *why;

	*out = NULL;
	if (!s)
		return;
	if ((why = parse_mac(s, mac)))
		bad_arg(L, lua_pushfstring(L, "option '%s': '%s' %s", key, s, why));
	*out = mac;
}

static const char *format_mac(const unsigned char *a, int len, char *buf, size_t size)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < len && off + 3 < size; i++)
		off += (size_t)snprintf(buf + off, size - off, i ? ":%02x" : "%02x", a[i]);
	return buf;
}

/* ---- handles --------------------------------------------------------- */

static struct ns *new_handle(lua_State *L)
{
	struct ns *ns = lua_newuserdatauv(L, sizeof(*ns), 0);

	/* closed until the namespace is really open: an error can leak nothing */
	ns_init(ns);
	luaL_setmetatable(L, NS_MT);
	return ns;
}

static struct ns *check_ns(lua_State *L, int arg)
{
	struct ns *ns = luaL_checkudata(L, arg, NS_MT);

	if (ns->fd < 0)
		luaL_error(L, "netns: the namespace handle is closed");
	return ns;
}

/* an option naming a namespace: a handle, or the name of one in /run/netns
 * (opened into *tmp, which the caller closes) */
static struct ns *opt_ns(lua_State *L, int arg, const char *key, struct ns *tmp,
			 const char *op, const char *obj, struct ns *self)
{
	int t = get_opt(L, arg, key), ret;
	struct ns *target = NULL;

	ns_init(tmp);
	if (t == LUA_TUSERDATA && luaL_testudata(L, -1, NS_MT)) {
		target = lua_touserdata(L, -1);
		if (target->fd < 0)
			bad_arg(L, lua_pushfstring(L, "option '%s' is a closed namespace handle", key));
	} else if (t == LUA_TSTRING) {
		const char *name = lua_tostring(L, -1), *why;
		if ((why = parse_name(name)))
			bad_arg(L, lua_pushfstring(L, "option '%s': namespace name '%s' %s",
							     key, name, why));
		if ((ret = ns_open(tmp, name)) < 0) {
			self->rt.err[0] = '\0';
			lua_pushfstring(L, "%s (namespace %s)", obj, name);
			kernel_error(L, op, lua_tostring(L, -1), self, ret);
		}
		target = tmp;
	} else if (t != LUA_TNIL) {
		bad_arg(L, lua_pushfstring(L, "option '%s' must be a namespace handle or name, not %s",
						     key, luaL_typename(L, -1)));
	}
	lua_pop(L, 1);
	return target;
}

static int l_add(lua_State *L)
{
	const char *name = check_name(L, 1, "namespace name");
	struct ns *ns = new_handle(L);
	int ret = ns_add(ns, name);

	if (ret < 0)
		return kernel_error(L, "add", name, ns, ret);
	return 1;
}

static int l_open(lua_State *L)
{
	const char *name = check_name(L, 1, "namespace name");
	struct ns *ns = new_handle(L);
	int ret = ns_open(ns, name);

	if (ret < 0)
		return kernel_error(L, "open", name, NULL, ret);
	return 1;
}

static int l_host(lua_State *L)
{
	struct ns *ns = new_handle(L);
	int ret = ns_host(ns);

	if (ret < 0)
		return kernel_error(L, "open", "host", NULL, ret);
	return 1;
}

static int l_list(lua_State *L)
{
	char **names;
	size_t n, i;
	int ret = ns_list(&names, &n);

	if (ret < 0)
		return kernel_error(L, "list", NETNS_RUN_DIR, NULL, ret);
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		lua_pushstring(L, names[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	ns_list_free(names, n);
	return 1;
}

static int l_delete(lua_State *L)
{
	const char *name = check_name(L, 1, "namespace name");
	int ret = ns_delete(name);

	if (ret < 0)
		return kernel_error(L, "delete", name, NULL, ret);
	return 0;
}

static int m_delete(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	int ret;

	if (!ns->name[0])
		return luaL_error(L, "netns: delete: the host namespace cannot be deleted");
	if ((ret = ns_delete(ns->name)) < 0)
		return kernel_error(L, "delete", ns->name, NULL, ret);
	ns_close(ns);
	return 0;
}

static int m_close(lua_State *L)
{
	struct ns *ns = luaL_checkudata(L, 1, NS_MT);

	ns_close(ns);
	return 0;
}

static int m_tostring(lua_State *L)
{
	struct ns *ns = luaL_checkudata(L, 1, NS_MT);

	if (ns->fd < 0)
		lua_pushfstring(L, "netns.ns (closed)");
	else
		lua_pushfstring(L, "netns.ns (%s)", ns_label(ns));
	return 1;
}

static int m_index(lua_State *L)
{
	struct ns *ns = luaL_checkudata(L, 1, NS_MT);
	const char *k = lua_tostring(L, 2);

	if (k && !strcmp(k, "name")) {
		if (ns->name[0])
			lua_pushstring(L, ns->name);
		else
			lua_pushnil(L);
		return 1;
	}
	if (k && !strcmp(k, "path")) {
		if (ns->name[0])
			lua_pushfstring(L, NETNS_RUN_DIR "/%s", ns->name);
		else
			lua_pushnil(L);
		return 1;
	}
	lua_getmetatable(L, 1);
	lua_getfield(L, -1, "__methods");
	lua_pushvalue(L, 2);
	lua_rawget(L, -2);
	return 1;
}

/* ---- links ----------------------------------------------------------- */

static const char *const link_add_opts[] = { "peer", "peer_ns", "mtu", "address", NULL };

static int m_link_add(lua_State *L)
{
	struct ns *ns = check_ns(L, 1), tmp, *peer_ns;
	const char *name = check_name(L, 2, "interface name");
	static const char *const kinds[] = { "veth", "bridge", NULL };
	const char *kname = check_str(L, 3, "kind");
	int kind, ret;
	unsigned char mac[6];
	struct link_add_req r = { .name = name, .peer_fd = -1 };

	lua_settop(L, 4);	/* options at a fixed index, scratch values above */
	for (kind = 0; kinds[kind] && strcmp(kinds[kind], kname); kind++)
		;
	if (!kinds[kind])
		return arg_error(L, 3, "kind", kname, "is not one of veth, bridge");
	r.kind = kinds[kind];
	check_opts(L, 4, link_add_opts);
	r.peer = opt_name(L, 4, "peer");
	r.mtu = (unsigned)opt_int(L, 4, "mtu", 68, 65535, 0);
	opt_mac(L, 4, "address", mac, &r.address);
	if (kind == 0 && !r.peer)
		return bad_arg(L, "a veth needs option 'peer' (the other end's name)");
	if (kind != 0 && r.peer)
		return bad_arg(L, lua_pushfstring(L, "option 'peer' is for veth, not %s", kinds[kind]));
	peer_ns = opt_ns(L, 4, "peer_ns", &tmp, "link_add", name, ns);
	if (peer_ns && kind != 0) {
		ns_close(&tmp);
		return bad_arg(L, "option 'peer_ns' is for veth only");
	}
	if (peer_ns)
		r.peer_fd = peer_ns->fd;
	ret = link_add(ns, &r);
	ns_close(&tmp);
	if (ret < 0)
		return kernel_error(L, "link_add", name, ns, ret);
	return 0;
}

static const char *const link_set_opts[] = { "up", "mtu", "address", "master", "ns", "name", NULL };

static int m_link_set(lua_State *L)
{
	struct ns *ns = check_ns(L, 1), tmp, *target;
	const char *name = check_name(L, 2, "interface name"), *master = NULL;
	unsigned char mac[6];
	struct link_set_req r = { .up = -1, .master = -1, .ns_fd = -1 };
	int ret, t;

	lua_settop(L, 3);	/* options at a fixed index, scratch values above */
	check_table(L, 3, "options");
	check_opts(L, 3, link_set_opts);
	r.up = opt_bool(L, 3, "up");
	r.mtu = (unsigned)opt_int(L, 3, "mtu", 68, 65535, 0);
	opt_mac(L, 3, "address", mac, &r.address);
	r.newname = opt_name(L, 3, "name");
	t = get_opt(L, 3, "master");
	if (t == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
		r.master = 0;
	} else if (t == LUA_TSTRING) {
		const char *why;
		master = lua_tostring(L, -1);
		if ((why = parse_name(master)))
			bad_arg(L, lua_pushfstring(L, "option 'master': name '%s' %s", master, why));
	} else if (t != LUA_TNIL) {
		bad_arg(L, "option 'master' must be a device name or false");
	}
	lua_pop(L, 1);
	target = opt_ns(L, 3, "ns", &tmp, "link_set", name, ns);
	if (target)
		r.ns_fd = target->fd;
	if (master) {
		/* the master lives where the device ends up */
		struct ns *where = target ? target : ns;
		r.master = link_index(where, master);
		if (r.master < 0) {
			ret = r.master;
			ns_close(&tmp);
			lua_pushfstring(L, "%s (master %s)", name, master);
			return kernel_error(L, "link_set", lua_tostring(L, -1), where, ret);
		}
	}
	ret = link_set(ns, name, &r);
	ns_close(&tmp);
	if (ret < 0)
		return kernel_error(L, "link_set", name, ns, ret);
	return 0;
}

static int m_link_del(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *name = check_name(L, 2, "interface name");
	int ret = link_del(ns, name);

	if (ret < 0)
		return kernel_error(L, "link_del", name, ns, ret);
	return 0;
}

struct link_list {
	struct link_info *v;
	size_t n, cap;
};

static int collect_link(const struct link_info *l, void *arg)
{
	struct link_list *ll = arg;
	struct link_info *nv;

	if (ll->n == ll->cap) {
		size_t cap = ll->cap ? ll->cap * 2 : 16;
		if (!(nv = realloc(ll->v, cap * sizeof(*nv))))
			return -1;
		ll->v = nv;
		ll->cap = cap;
	}
	ll->v[ll->n++] = *l;
	return 0;
}

static void push_link(lua_State *L, const struct link_info *l, const struct link_list *all)
{
	char buf[3 * sizeof(l->address) + 1];
	size_t i;

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
	if (l->master) {
		for (i = 0; all && i < all->n; i++)
			if (all->v[i].index == l->master)
				break;
		if (all && i < all->n)
			lua_pushstring(L, all->v[i].name);
		else
			lua_pushinteger(L, l->master);	/* a master we could not name */
		lua_setfield(L, -2, "master");
	}
}

static int dump_links(lua_State *L, struct ns *ns, struct link_list *ll, const char *op)
{
	int ret;

	memset(ll, 0, sizeof(*ll));
	ret = link_dump(ns, collect_link, ll);
	if (ret < 0) {
		free(ll->v);
		return kernel_error(L, op, "links", ns, ret == -ECANCELED ? -ENOMEM : ret);
	}
	return 0;
}

static int m_links(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct link_list ll;
	size_t i;

	dump_links(L, ns, &ll, "links");
	lua_createtable(L, (int)ll.n, 0);
	for (i = 0; i < ll.n; i++) {
		push_link(L, &ll.v[i], &ll);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(ll.v);
	return 1;
}

static int m_link(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *name = check_name(L, 2, "interface name");
	struct link_info l;
	struct link_list ll = { 0 };
	int ret = link_get(ns, name, &l);

	if (ret == -ENODEV) {
		lua_pushnil(L);
		return 1;
	}
	if (ret < 0)
		return kernel_error(L, "link", name, ns, ret);
	/* the master's name needs the other devices */
	if (l.master)
		dump_links(L, ns, &ll, "link");
	push_link(L, &l, &ll);
	free(ll.v);
	return 1;
}

/* ---- addresses ------------------------------------------------------- */

static const char *const addr_add_opts[] = { "nodad", NULL };

static void check_prefix(lua_State *L, int arg, struct inaddr *p)
{
	const char *s = check_str(L, arg, "address"), *why;

	if ((why = parse_prefix(s, p)))
		arg_error(L, arg, "address", s, why);
}

static int m_addr_add(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *dev = check_name(L, 2, "interface name");
	struct inaddr p;
	int flags = 0, ret;

	lua_settop(L, 4);	/* options at a fixed index, scratch values above */
	check_prefix(L, 3, &p);
	check_opts(L, 4, addr_add_opts);
	if (opt_bool(L, 4, "nodad") == 1)
		flags |= ADDR_NODAD;
	ret = addr_add(ns, dev, &p, flags);
	if (ret < 0) {
		lua_pushfstring(L, "%s on %s", lua_tostring(L, 3), dev);
		return kernel_error(L, "addr_add", lua_tostring(L, -1), ns, ret);
	}
	return 0;
}

static int m_addr_del(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *dev = check_name(L, 2, "interface name");
	struct inaddr p;
	int ret;

	check_prefix(L, 3, &p);
	ret = addr_del(ns, dev, &p);
	if (ret < 0) {
		lua_pushfstring(L, "%s on %s", lua_tostring(L, 3), dev);
		return kernel_error(L, "addr_del", lua_tostring(L, -1), ns, ret);
	}
	return 0;
}

struct addr_list {
	struct addr_info *v;
	size_t n, cap;
};

static int collect_addr(const struct addr_info *a, void *arg)
{
	struct addr_list *al = arg;
	struct addr_info *nv;

	if (al->n == al->cap) {
		size_t cap = al->cap ? al->cap * 2 : 16;
		if (!(nv = realloc(al->v, cap * sizeof(*nv))))
			return -1;
		al->v = nv;
		al->cap = cap;
	}
	al->v[al->n++] = *a;
	return 0;
}

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

static int m_addrs(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *dev = lua_isnoneornil(L, 2) ? NULL : check_name(L, 2, "interface name");
	struct link_list ll;
	struct addr_list al = { 0 };
	char buf[INET6_ADDRSTRLEN];
	int index = 0, ret;
	size_t i, j;

	dump_links(L, ns, &ll, "addrs");
	if (dev) {
		for (i = 0; i < ll.n && strcmp(ll.v[i].name, dev); i++)
			;
		if (i == ll.n) {
			free(ll.v);
			return kernel_error(L, "addrs", dev, ns, -ENODEV);
		}
		index = ll.v[i].index;
	}
	ret = addr_dump(ns, 0, index, collect_addr, &al);
	if (ret < 0) {
		free(ll.v);
		free(al.v);
		return kernel_error(L, "addrs", dev ? dev : "addresses", ns,
				    ret == -ECANCELED ? -ENOMEM : ret);
	}
	lua_createtable(L, (int)al.n, 0);
	for (i = 0; i < al.n; i++) {
		const struct addr_info *a = &al.v[i];
		lua_createtable(L, 0, 5);
		for (j = 0; j < ll.n && ll.v[j].index != a->index; j++)
			;
		if (j < ll.n)
			lua_pushstring(L, ll.v[j].name);
		else
			lua_pushinteger(L, a->index);
		lua_setfield(L, -2, "dev");
		lua_pushstring(L, format_addr(a->family, a->addr, buf, sizeof(buf)));
		lua_setfield(L, -2, "address");
		lua_pushinteger(L, a->prefixlen);
		lua_setfield(L, -2, "prefix");
		lua_pushstring(L, a->family == AF_INET ? "inet" : "inet6");
		lua_setfield(L, -2, "family");
		lua_pushstring(L, scope_name(a->scope));
		lua_setfield(L, -2, "scope");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(ll.v);
	free(al.v);
	return 1;
}

/* ---- processes ------------------------------------------------------- */

static const char *const run_opts[] = { "timeout", "stdin", "env", NULL };

/* argv from a table of strings; the strings stay alive in that table */
static char **check_argv(lua_State *L, int arg)
{
	lua_Integer n, i;
	char **argv;

	check_table(L, arg, "argv");
	n = luaL_len(L, arg);
	if (n < 1)
		bad_arg(L, "argv must be a non-empty table of strings");
	argv = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof(char *), 0);
	for (i = 1; i <= n; i++) {
		if (lua_geti(L, arg, i) != LUA_TSTRING)
			bad_arg(L, lua_pushfstring(L, "argv[%I] must be a string, not %s",
							     i, luaL_typename(L, -1)));
		argv[i - 1] = (char *)lua_tostring(L, -1);
		lua_pop(L, 1);
	}
	argv[n] = NULL;
	if (!argv[0][0])
		bad_arg(L, "argv[1] is empty");
	return argv;
}

/* "NAME=value" strings from opts.env; they and the array stay on the stack */
static char **opt_env(lua_State *L, int arg)
{
	char **env;
	size_t n = 0, i = 0;
	int t = get_opt(L, arg, "env"), tab, keep;

	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return NULL;
	}
	if (t != LUA_TTABLE)
		bad_arg(L, "option 'env' must be a table of NAME = value");
	tab = lua_gettop(L);
	lua_pushnil(L);
	while (lua_next(L, tab)) {
		n++;
		lua_pop(L, 1);
	}
	lua_createtable(L, (int)n, 0);
	keep = lua_gettop(L);
	env = lua_newuserdatauv(L, (n + 1) * sizeof(char *), 0);
	lua_pushnil(L);
	while (lua_next(L, tab)) {
		const char *k, *v;
		if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
			bad_arg(L, "option 'env' must map string names to string values");
		k = lua_tostring(L, -2);
		v = lua_tostring(L, -1);
		if (!k[0] || strchr(k, '='))
			bad_arg(L, lua_pushfstring(L, "option 'env': bad variable name '%s'", k));
		env[i] = (char *)lua_pushfstring(L, "%s=%s", k, v);
		lua_rawseti(L, keep, (lua_Integer)++i);
		lua_pop(L, 1);
	}
	env[i] = NULL;
	return env;
}

static int m_run(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct run_req req = { 0 };
	struct run_result res;
	int ret;

	lua_settop(L, 3);	/* options at a fixed index, scratch values above */
	req.argv = check_argv(L, 2);
	check_opts(L, 3, run_opts);
	if (get_opt(L, 3, "timeout") != LUA_TNIL) {
		int ok = 0;
		req.timeout = lua_tonumberx(L, -1, &ok);
		if (!ok || !(req.timeout > 0))
			bad_arg(L, lua_pushfstring(L, "option 'timeout' must be a number of seconds > 0, not '%s'",
							   luaL_tolstring(L, -1, NULL)));
	}
	lua_pop(L, 1);
	req.in = opt_string(L, 3, "stdin");
	if (req.in) {
		lua_getfield(L, 3, "stdin");
		req.in = lua_tolstring(L, -1, &req.inlen);
		lua_pop(L, 1);
	}
	req.env = opt_env(L, 3);
	ret = proc_run(ns, &req, &res);
	if (ret < 0) {
		ns->rt.err[0] = '\0';
		return kernel_error(L, "run", req.argv[0], ns, ret);
	}
	lua_createtable(L, 0, 6);
	lua_pushinteger(L, res.status);
	lua_setfield(L, -2, "status");
	lua_pushboolean(L, res.status == 0 && !res.timed_out);
	lua_setfield(L, -2, "ok");
	lua_pushlstring(L, res.out, res.outlen);
	lua_setfield(L, -2, "stdout");
	lua_pushlstring(L, res.err, res.errlen);
	lua_setfield(L, -2, "stderr");
	if (res.signal) {
		lua_pushinteger(L, res.signal);
		lua_setfield(L, -2, "signal");
	}
	lua_pushboolean(L, res.timed_out);
	lua_setfield(L, -2, "timed_out");
	run_result_free(&res);
	return 1;
}

/* ---- module ---------------------------------------------------------- */

static const luaL_Reg ns_methods[] = {
	{ "delete", m_delete },
	{ "close", m_close },
	{ "link_add", m_link_add },
	{ "link_set", m_link_set },
	{ "link_del", m_link_del },
	{ "links", m_links },
	{ "link", m_link },
	{ "addr_add", m_addr_add },
	{ "addr_del", m_addr_del },
	{ "addrs", m_addrs },
	{ "run", m_run },
	{ NULL, NULL }
};

static const luaL_Reg ns_meta[] = {
	{ "__gc", m_close },
	{ "__close", m_close },
	{ "__tostring", m_tostring },
	{ "__index", m_index },
	{ NULL, NULL }
};

static const luaL_Reg funcs[] = {
	{ "add", l_add },
	{ "open", l_open },
	{ "host", l_host },
	{ "list", l_list },
	{ "delete", l_delete },
	{ NULL, NULL }
};

static void set_named_funcs(lua_State *L, const luaL_Reg *l)
{
	for (; l->name; l++) {
		lua_pushstring(L, l->name);
		lua_pushcclosure(L, l->func, 1);
		lua_setfield(L, -2, l->name);
	}
}

int luaopen_netns(lua_State *L)
{
	/* luaL_newmetatable leaves an existing metatable alone: safe to run twice */
	if (luaL_newmetatable(L, NS_MT)) {
		set_named_funcs(L, ns_meta);
		lua_newtable(L);
		set_named_funcs(L, ns_methods);
		lua_setfield(L, -2, "__methods");
		lua_pushliteral(L, NS_MT);
		lua_setfield(L, -2, "__name");
	}
	lua_pop(L, 1);
	lua_newtable(L);
	set_named_funcs(L, funcs);
	lua_pushliteral(L, NETLAB_VERSION);
	lua_setfield(L, -2, "version");
	return 1;
}
