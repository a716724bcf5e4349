/* l_ns.c - the binding of namespaces and sysctls, the module's own functions, and luaopen_netns. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include "lnetns.h"
#include "sysctl.h"
#include "userns.h"

struct ns *new_handle(lua_State *L)
{
	struct ns *ns = lua_newuserdatauv(L, sizeof(*ns), 0);

	/* closed until the namespace is really open: an error can leak nothing */
	ns_init(ns);
	luaL_setmetatable(L, NS_MT);
	return ns;
}

/* ---- netns.add ------------------------------------------------------- */

/* what netns.add does inside the new namespace while it is being made */
struct inside {
	int lo_up;
	size_t n;		/* sysctls */
	const char **keys, **paths, **values;
};

static int add_inside(struct ns *ns, void *arg, struct err *e)
{
	const struct inside *in = arg;
	struct link_set_req up = LINK_SET_INIT;
	size_t i;
	int ret;

	for (i = 0; i < in->n; i++)
		if ((ret = sysctl_set_here(in->paths[i], in->values[i], e)) < 0)
			return err_part(e, "sysctl %s", in->keys[i]);
	up.up = 1;
	up.wait = 0;	/* lo has its carrier from the start: ready as it opens */
	if (in->lo_up && (ret = link_set(ns, "lo", &up, e)) < 0)
		return err_part(e, "lo up");
	return 0;
}

/* an array of n pointers that lives as long as the value pushed */
static const char **new_array(lua_State *L, size_t n)
{
	return lua_newuserdatauv(L, (n ? n : 1) * sizeof(const char *), 0);
}

/* option sysctl = { [key] = value }: keys checked, paths made; strings and
 * paths stay alive in a table left on the stack until the call returns */
static void opt_sysctl(lua_State *L, int arg, struct inside *in)
{
	int tab, keep, i = 0;
	const char *why;
	char *path;

	if (get_opt(L, arg, "sysctl") == LUA_TNIL)
		return;
	tab = lua_gettop(L);
	if (lua_type(L, tab) != LUA_TTABLE)
		raise_input(L, "sysctl", "option 'sysctl' must be a table of key = value, not %s",
			    luaL_typename(L, tab));
	for (lua_pushnil(L); lua_next(L, tab); lua_pop(L, 1))
		in->n++;
	lua_createtable(L, (int)(2 * in->n), 0);
	keep = lua_gettop(L);
	in->keys = new_array(L, in->n);
	in->values = new_array(L, in->n);
	in->paths = new_array(L, in->n);
	for (lua_pushnil(L); lua_next(L, tab); lua_pop(L, 1)) {
		if (lua_type(L, -2) != LUA_TSTRING)
			raise_input(L, "sysctl", "option 'sysctl': keys must be strings, not %s",
				    luaL_typename(L, -2));
		in->keys[i] = no_nul(L, -2, "sysctl", "sysctl key");	/* alive in the options table */
		if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
			raise_input(L, "sysctl", "sysctl value for '%s' must be a string or number, not %s",
				    in->keys[i], luaL_typename(L, -1));
		in->values[i] = no_nul(L, -1, "sysctl", "sysctl value");	/* a number becomes a string here ... */
		lua_pushvalue(L, -1);
		lua_rawseti(L, keep, 2 * i + 1);	/* ... kept alive here */
		path = lua_newuserdatauv(L, 512, 0);
		lua_rawseti(L, keep, 2 * i + 2);
		if ((why = sysctl_path(in->keys[i], path, 512)))
			raise_input(L, "sysctl", "option 'sysctl': sysctl key '%s' %s",
				    printable(L, in->keys[i]), why);
		in->paths[i++] = path;
	}
}

static const char *const add_opts[] = { "lo_up", "sysctl", NULL };

/* netns.add(name [, { lo_up = true, sysctl = { [key] = value, ... } }]):
 * what the options ask is done inside the new namespace while it is being
 * made (no switching in again), and a failure leaves nothing */
static int l_add(lua_State *L)
{
	const char *name = check_nsname(L, 1, "namespace name");
	struct inside in = { 0 };
	struct err e = ERR_INIT;
	struct ns *ns;
	int ret;

	lua_settop(L, 2);
	check_opts(L, 2, add_opts);
	in.lo_up = opt_bool(L, 2, "lo_up") == 1;
	opt_sysctl(L, 2, &in);
	ns = new_handle(L);
	if ((ret = ns_add(ns, name, add_inside, &in, &e)) < 0)
		return raise_core(L, "add", name, "host", ret, &e);
	return 1;
}

/* ---- opening, listing, deleting --------------------------------------- */

static int l_open(lua_State *L)
{
	const char *name = check_nsname(L, 1, "namespace name");
	struct ns *ns = new_handle(L);
	struct err e = ERR_INIT;
	int ret;

	if ((ret = ns_open(ns, name, &e)) < 0)
		return raise_core(L, "open", name, "host", ret, &e);
	return 1;
}

static int l_open_path(lua_State *L)
{
	const char *path = check_str(L, 1, "namespace path");
	struct err e = ERR_INIT;
	struct ns *ns;
	int ret;

	if (path[0] != '/')
		return raise_value(L, "namespace path", path, "is not an absolute path");
	ns = new_handle(L);
	if ((ret = ns_open_path(ns, path, &e)) < 0)
		return raise_core(L, "open_path", path, "host", ret, &e);
	return 1;
}

static int l_host(lua_State *L)
{
	struct ns *ns = new_handle(L);
	struct err e = ERR_INIT;
	int ret;

	if ((ret = ns_host(ns, &e)) < 0)
		return raise_core(L, "open", "host", "host", ret, &e);
	return 1;
}

static int l_list(lua_State *L)
{
	struct err e = ERR_INIT;
	char **names;
	size_t n, i;
	int ret;

	if ((ret = ns_list(&names, &n, &e)) < 0)
		return raise_core(L, "list", NETNS_RUN_DIR, "host", ret, &e);
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
	const char *name = check_nsname(L, 1, "namespace name");
	struct err e = ERR_INIT;
	int ret;

	if ((ret = ns_delete(name, &e)) < 0)
		return raise_core(L, "delete", name, "host", ret, &e);
	return 0;
}

static int m_delete(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct err e = ERR_INIT;
	int ret;

	if (ns->kind == NS_HOST)
		return raise_input(L, NULL, "the host namespace cannot be deleted");
	if (ns->kind == NS_PATH)
		return raise_input(L, NULL, "a namespace opened by path has no name under " NETNS_RUN_DIR);
	if ((ret = ns_delete(ns->name, &e)) < 0)
		return raise_core(L, "delete", ns->name, "host", ret, &e);
	ns_close(ns);
	return 0;
}

static int m_close(lua_State *L)
{
	ns_close(luaL_checkudata(L, 1, NS_MT));
	return 0;
}

static int m_tostring(lua_State *L)
{
	struct ns *ns = luaL_checkudata(L, 1, NS_MT);

	if (ns->fd < 0)
		lua_pushliteral(L, "netns.ns (closed)");
	else
		lua_pushfstring(L, "netns.ns (%s)", ns_label(ns));
	return 1;
}

/* ---- properties: ns.name, ns.id, ns.path ------------------------------ */

static int p_name(lua_State *L)
{
	struct ns *ns = lua_touserdata(L, 1);

	if (ns->kind == NS_NAMED)
		lua_pushstring(L, ns->name);
	else
		lua_pushnil(L);
	return 1;
}

/* the namespace's inode: what `ls -i /run/netns/NAME` and `readlink
 * /proc/PID/ns/net` show, the same for every handle */
static int p_id(lua_State *L)
{
	struct ns *ns = lua_touserdata(L, 1);
	struct stat st;

	if (ns->fd < 0 || fstat(ns->fd, &st) < 0)
		lua_pushnil(L);
	else
		lua_pushinteger(L, (lua_Integer)st.st_ino);
	return 1;
}

/* a number no other namespace gets while the machine runs: what tells a
 * namespace from one made later that got its inode back */
static int p_cookie(lua_State *L)
{
	struct ns *ns = lua_touserdata(L, 1);
	unsigned long long c;

	if (ns->fd < 0 || ns_cookie(ns, &c, NULL) < 0)
		lua_pushnil(L);
	else
		lua_pushinteger(L, (lua_Integer)c);
	return 1;
}

static int p_path(lua_State *L)
{
	struct ns *ns = lua_touserdata(L, 1);

	if (ns->kind == NS_NAMED)
		lua_pushfstring(L, NETNS_RUN_DIR "/%s", ns->name);
	else
		lua_pushnil(L);
	return 1;
}

/* __index: a method from the methods table (upvalue 1), else a property
 * computed by the function of that name in upvalue 2 */
static int m_index(lua_State *L)
{
	luaL_checkudata(L, 1, NS_MT);
	lua_settop(L, 2);
	lua_pushvalue(L, 2);
	if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
		return 1;
	lua_pushvalue(L, 2);
	if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TFUNCTION)
		return 1;
	lua_pushvalue(L, 1);
	lua_call(L, 1, 1);
	return 1;
}

/* ---- sysctl ----------------------------------------------------------- */

static int m_sysctl(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *key = check_str(L, 2, "sysctl key"), *why;
	char path[512], buf[4096];
	struct err e = ERR_INIT;
	int ret;

	if ((why = sysctl_path(key, path, sizeof(path))))
		return raise_value(L, "sysctl key", key, why);
	if (lua_isnoneornil(L, 3)) {
		if ((ret = sysctl_get(ns, path, buf, sizeof(buf), &e)) < 0)
			return raise_core(L, "sysctl", key, ns_label(ns), ret, &e);
		lua_pushstring(L, buf);
		return 1;
	}
	if (lua_type(L, 3) != LUA_TSTRING && lua_type(L, 3) != LUA_TNUMBER)
		return raise_input(L, "value", "sysctl value for '%s' must be a string or number, not %s",
				   key, luaL_typename(L, 3));
	if ((ret = sysctl_set(ns, path, no_nul(L, 3, "value", "sysctl value"), &e)) < 0)
		return raise_core(L, "sysctl", key, ns_label(ns), ret, &e);
	return 0;
}

/* ---- addresses as the core parses them --------------------------------- */

/* netns.prefix("10.0.0.1/24") -> { address =, prefix =, family = } or
 * nil, reason: the parser every call uses, for checking a whole topology
 * before anything reaches the kernel */
static int l_prefix(lua_State *L)
{
	const char *s, *why;
	char buf[INET6_ADDRSTRLEN];
	struct prefix p;
	size_t len;

	if (lua_type(L, 1) != LUA_TSTRING)
		check_str(L, 1, "address");	/* raises: wrong type */
	s = lua_tolstring(L, 1, &len);
	why = strlen(s) != len ? "contains a NUL byte" : parse_prefix(s, &p);
	if (why) {
		const char *shown = printable_len(L, s, len);	/* pushed below the answer */
		lua_pushnil(L);
		lua_pushfstring(L, "address '%s' %s", shown, why);
		return 2;
	}
	lua_createtable(L, 0, 3);
	lua_pushstring(L, format_addr(p.family, p.addr, buf, sizeof(buf)));
	lua_setfield(L, -2, "address");
	lua_pushinteger(L, p.len);
	lua_setfield(L, -2, "prefix");
	lua_pushstring(L, family_name(p.family));
	lua_setfield(L, -2, "family");
	return 1;
}

/* netns.contains("10.0.0.0/24", "10.0.0.7") -> true: the address is in the
 * prefix (same family, the prefix's bits equal) */
static int l_contains(lua_State *L)
{
	struct prefix p, a;
	const char *s, *why;

	check_prefix(L, 1, &p);
	s = check_str(L, 2, "address");
	if ((why = parse_addr(s, &a)))
		return raise_value(L, "address", s, why);
	lua_pushboolean(L, prefix_contains(&p, &a));
	return 1;
}

/* ---- time ------------------------------------------------------------- */

/* seconds on the monotonic clock: for timing and deadlines in scripts */
/* netns.unshare_user(): this process into a user namespace of its own, where its user is root
 * with every capability, and a private network + mount namespace with its own /run/netns:
 * what an ordinary user's test suite needs before it makes namespaces. Once per process. */
static int l_unshare_user(lua_State *L)
{
	struct err e = ERR_INIT;
	int ret;

	if ((ret = userns_enter(&e)) < 0)
		return raise_core(L, "unshare_user", "user namespace", NULL, ret, &e);
	if ((ret = ns_isolate()) < 0)
		return raise_core(L, "unshare_user", "network and mount namespace", NULL, ret, NULL);
	return 0;
}

static int l_clock(lua_State *L)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
	return 1;
}

static int l_sleep(lua_State *L)
{
	double s = check_seconds(L, 1, "duration", 1);
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	/* an interrupting signal ends the sleep: the interpreter's hook then stops the script */
	nanosleep(&ts, NULL);
	return 0;
}

/* ---- the module -------------------------------------------------------- */

void open_ns_methods(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "delete", m_delete },
		{ "close", m_close },
		{ "sysctl", m_sysctl },
		{ NULL, NULL }
	};

	register_funcs(L, methods);
}

static void open_ns_meta(lua_State *L)
{
	static const luaL_Reg props[] = {
		{ "name", p_name }, { "id", p_id }, { "cookie", p_cookie }, { "path", p_path },
		{ NULL, NULL }
	};
	const luaL_Reg *p;

	/* luaL_newmetatable leaves an existing metatable alone: safe to run twice */
	if (luaL_newmetatable(L, NS_MT)) {
		lua_newtable(L);
		open_ns_methods(L);
		open_link_methods(L);
		open_addr_methods(L);
		open_proc_methods(L);
		open_probe_methods(L);
		open_nat_methods(L);
		open_qdisc_methods(L);
		open_bridge_vlan_methods(L);
		open_wg_methods(L);
		lua_newtable(L);
		for (p = props; p->name; p++) {
			lua_pushcfunction(L, p->func);
			lua_setfield(L, -2, p->name);
		}
		lua_pushcclosure(L, m_index, 2);
		lua_setfield(L, -2, "__index");
		lua_pushcfunction(L, m_close);
		lua_setfield(L, -2, "__gc");
		lua_pushcfunction(L, m_close);
		lua_setfield(L, -2, "__close");
		lua_pushcfunction(L, m_tostring);
		lua_setfield(L, -2, "__tostring");
	}
	lua_pop(L, 1);
}

int luaopen_netns(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "add", l_add },
		{ "open", l_open },
		{ "open_path", l_open_path },
		{ "host", l_host },
		{ "list", l_list },
		{ "delete", l_delete },
		{ "prefix", l_prefix },
		{ "contains", l_contains },
		{ "clock", l_clock },
		{ "sleep", l_sleep },
		{ "unshare_user", l_unshare_user },
		{ NULL, NULL }
	};

	open_errors(L);
	open_ns_meta(L);
	open_proc_meta(L);
	lua_newtable(L);
	register_funcs(L, funcs);
	open_proc_funcs(L);
	open_probe_funcs(L);
	open_qdisc_funcs(L);
	open_wg_funcs(L);
	/* not through the dispatcher, which calls the hook; named for messages */
	lua_pushliteral(L, "hook");
	lua_pushcclosure(L, l_hook, 1);
	lua_setfield(L, -2, "hook");
	lua_pushliteral(L, NETLAB_VERSION);
	lua_setfield(L, -2, "version");
	return 1;
}
