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

#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "addr.h"
#include "link.h"
#include "nat.h"
#include "neigh.h"
#include "ns.h"
#include "parse.h"
#include "probe.h"
#include "proc.h"
#include "route.h"
#include "sysctl.h"

#ifndef NETLAB_VERSION
#define NETLAB_VERSION "0.0.0"
#endif

#define NS_MT "netns.ns"
#define PROC_MT "netns.proc"

/* ---- errors ---------------------------------------------------------- */

static const char *ns_label(const struct ns *ns)
{
	return ns && ns->name[0] ? ns->name : "host";
}

/* netns: <op> <object> in <ns>: <strerror> (<ERRNO>)[: <kernel text>] */
static int raise_kernel(lua_State *L, const char *op, const char *obj,
			const struct ns *ns, int err, const char *text)
{
	const char *ename = strerrorname_np(-err);

	lua_pushfstring(L, "netns: %s %s in %s: %s (%s)%s%s", op, obj,
			ns_label(ns), strerror(-err), ename ? ename : "?",
			text[0] ? ": " : "", text);
	return lua_error(L);
}

/* a failure of an rtnetlink conversation (or a syscall: text is then "") */
static int kernel_error(lua_State *L, const char *op, const char *obj,
			const struct ns *ns, int err)
{
	return raise_kernel(L, op, obj, ns, err, ns ? ns->rt.err : "");
}

/* Every function carries its own name as upvalue 1, so a bad argument is
 * named even when the function is called through pcall or a local alias. */
static int bad_arg(lua_State *L, const char *msg)
{
	const char *fn = lua_tostring(L, lua_upvalueindex(1));

	return luaL_error(L, "netns: %s: %s", fn ? fn : "?", msg);
}

/* value as it can be printed on one line: control bytes become \xNN */
static const char *printable(lua_State *L, const char *s)
{
	luaL_Buffer b;

	luaL_buffinit(L, &b);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f) {
			char esc[5];
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			luaL_addstring(&b, esc);
		} else {
			luaL_addchar(&b, (char)c);
		}
	}
	luaL_pushresult(&b);
	return lua_tostring(L, -1);
}

static int arg_error(lua_State *L, int arg, const char *what,
		     const char *value, const char *why)
{
	(void)arg;
	return bad_arg(L, lua_pushfstring(L, "%s '%s' %s", what, printable(L, value), why));
}

/* ---- argument helpers ------------------------------------------------ */

static const char *check_str(lua_State *L, int arg, const char *what)
{
	if (lua_isnone(L, arg))
		bad_arg(L, lua_pushfstring(L, "%s is required", what));
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
		{
			const char *type = luaL_typename(L, -1);
			bad_arg(L, lua_pushfstring(L, "option keys must be strings, not %s '%s'",
						   type, luaL_tolstring(L, -1, NULL)));
		}
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
		bad_arg(L, lua_pushfstring(L, "option '%s': name '%s' %s", key, printable(L, s), why));
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
							     key, printable(L, name), why));
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

static const char *const add_opts[] = { "lo_up", "sysctl", NULL };

/* netns.add(name [, { lo_up = true, sysctl = { [key] = value, ... } }]):
 * what the options ask is done inside the new namespace while it is being
 * made (no switching in again), and a failure leaves nothing */
static int l_add(lua_State *L)
{
	const char *name = check_name(L, 1, "namespace name");
	struct ns_add_opts o = { 0 };
	const char **paths = NULL, **values = NULL, **keys = NULL;
	struct ns *ns;
	int ret, failed = -1;

	lua_settop(L, 2);
	check_opts(L, 2, add_opts);
	o.lo_up = opt_bool(L, 2, "lo_up") == 1;
	if (get_opt(L, 2, "sysctl") != LUA_TNIL) {
		int tab = lua_gettop(L), keep;
		size_t n = 0, i = 0;
		if (lua_type(L, tab) != LUA_TTABLE)
			return bad_arg(L, lua_pushfstring(L, "option 'sysctl' must be a table of key = value, not %s",
							  luaL_typename(L, tab)));
		lua_pushnil(L);
		while (lua_next(L, tab)) {
			n++;
			lua_pop(L, 1);
		}
		/* values and paths stay alive in this table until the call returns */
		lua_createtable(L, (int)(2 * n), 0);
		keep = lua_gettop(L);
		paths = lua_newuserdatauv(L, (n ? n : 1) * sizeof(*paths), 0);
		values = lua_newuserdatauv(L, (n ? n : 1) * sizeof(*values), 0);
		keys = lua_newuserdatauv(L, (n ? n : 1) * sizeof(*keys), 0);
		lua_pushnil(L);
		while (lua_next(L, tab)) {
			const char *key, *why;
			char *path;
			if (lua_type(L, -2) != LUA_TSTRING)
				return bad_arg(L, lua_pushfstring(L, "option 'sysctl': keys must be strings, not %s",
								  luaL_typename(L, -2)));
			key = keys[i] = lua_tostring(L, -2);	/* alive in the options table */
			if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
				return bad_arg(L, lua_pushfstring(L, "sysctl value for '%s' must be a string or number, not %s",
								  key, luaL_typename(L, -1)));
			values[i] = lua_tostring(L, -1);	/* the stack's copy, kept below */
			lua_rawseti(L, keep, (lua_Integer)(2 * i + 1));
			path = lua_newuserdatauv(L, 512, 0);
			lua_rawseti(L, keep, (lua_Integer)(2 * i + 2));
			if ((why = sysctl_path(key, path, 512)))
				return bad_arg(L, lua_pushfstring(L, "option 'sysctl': sysctl key '%s' %s",
								  printable(L, key), why));
			paths[i++] = path;
		}
		o.sysctl_path = paths;
		o.sysctl_value = values;
		o.nsysctl = i;
	}
	ns = new_handle(L);
	ret = ns_add_ex(ns, name, &o, &failed);
	if (ret < 0) {
		if (failed >= 0) {
			lua_pushfstring(L, "%s (sysctl %s)", name, keys[failed]);
			return kernel_error(L, "add", lua_tostring(L, -1), ns, ret);
		}
		return kernel_error(L, "add", name, ns, ret);
	}
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

static int l_open_path(lua_State *L)
{
	const char *path = check_str(L, 1, "namespace path");
	struct ns *ns;
	int ret;

	if (path[0] != '/')
		return arg_error(L, 1, "namespace path", path, "is not an absolute path");
	ns = new_handle(L);
	if ((ret = ns_open_path(ns, path)) < 0)
		return kernel_error(L, "open", path, NULL, ret);
	return 1;
}

/* netns.prefix("10.0.0.1/24") -> { address =, prefix =, family = } or
 * nil, reason: the parser every call uses, for checking a whole topology
 * before anything reaches the kernel */
static int l_prefix(lua_State *L)
{
	const char *s = check_str(L, 1, "address"), *why;
	char buf[INET6_ADDRSTRLEN];
	struct inaddr p;

	if ((why = parse_prefix(s, &p))) {
		const char *shown = printable(L, s);	/* pushed below the answer */
		lua_pushnil(L);
		lua_pushfstring(L, "address '%s' %s", shown, why);
		return 2;
	}
	lua_createtable(L, 0, 3);
	lua_pushstring(L, format_addr(p.family, p.addr, buf, sizeof(buf)));
	lua_setfield(L, -2, "address");
	lua_pushinteger(L, p.len);
	lua_setfield(L, -2, "prefix");
	lua_pushstring(L, p.family == AF_INET ? "inet" : "inet6");
	lua_setfield(L, -2, "family");
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
	if (ns->by_path)
		return luaL_error(L, "netns: delete: a namespace opened by path has no name under " NETNS_RUN_DIR);
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
	if (k && !strcmp(k, "id")) {
		/* the namespace's inode: what `ls -i /run/netns/NAME` and
		 * `readlink /proc/PID/ns/net` show, the same for every handle */
		struct stat st;
		if (ns->fd < 0 || fstat(ns->fd, &st) < 0)
			lua_pushnil(L);
		else
			lua_pushinteger(L, (lua_Integer)st.st_ino);
		return 1;
	}
	if (k && !strcmp(k, "path")) {
		if (ns->name[0] && !ns->by_path)
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

static const char *const link_add_opts[] = { "peer", "peer_ns", "mtu", "address",
					      "up", "master", "alias", "group", NULL };

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
	r.up = opt_bool(L, 4, "up") == 1;
	r.master = opt_name(L, 4, "master");
	r.alias = opt_string(L, 4, "alias");
	if (r.alias && strlen(r.alias) > 255)
		return bad_arg(L, "option 'alias' is longer than 255 bytes");
	r.group = (unsigned)opt_int(L, 4, "group", 0, 0xffffffffLL, 0);
	/* last: a namespace given by name is opened here and must be closed */
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
	/* the new ifindexes, as the kernel echoed them (for a veth, the peer's
	 * is in the peer's namespace); nothing when the kernel does not echo */
	if (r.index <= 0)
		return 0;
	lua_pushinteger(L, r.index);
	if (kind != 0 || r.peer_index <= 0)
		return 1;
	lua_pushinteger(L, r.peer_index);
	return 2;
}

/* ns:link_del_group(group): every device of that group goes, in one request */
static int m_link_del_group(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	int isint = 0;
	lua_Integer g = lua_tointegerx(L, 2, &isint);
	char obj[32];
	int ret;

	if (!isint || g < 1 || g > 0xffffffffLL)
		return bad_arg(L, lua_pushfstring(L, "group must be an integer in 1..4294967295, not '%s'",
						  luaL_tolstring(L, 2, NULL)));
	snprintf(obj, sizeof(obj), "group %u", (unsigned)g);
	if ((ret = link_del_group(ns, (unsigned)g)) < 0)
		return kernel_error(L, "link_del_group", obj, ns, ret);
	return 0;
}

static const char *const link_set_opts[] = { "up", "mtu", "address", "master", "ns", "name", "alias",
					      "addrgenmode", NULL };

/* iproute2's words for IN6_ADDR_GEN_MODE_*, in that order */
static const char *const addrgenmodes[] = { "eui64", "none", "stable_secret", "random", NULL };

static int m_link_set(lua_State *L)
{
	struct ns *ns = check_ns(L, 1), tmp;
	const char *name = check_name(L, 2, "interface name");
	unsigned char mac[6];
	struct link_set_req r = { .up = -1 };
	const char *mode;
	int ret, t;

	lua_settop(L, 3);	/* options at a fixed index, scratch values above */
	check_table(L, 3, "options");
	check_opts(L, 3, link_set_opts);
	r.up = opt_bool(L, 3, "up");
	r.mtu = (unsigned)opt_int(L, 3, "mtu", 68, 65535, 0);
	opt_mac(L, 3, "address", mac, &r.address);
	r.newname = opt_name(L, 3, "name");
	r.alias = opt_string(L, 3, "alias");
	if (r.alias && strlen(r.alias) > 255)
		bad_arg(L, "option 'alias' is longer than 255 bytes");
	r.addrgenmode = -1;
	if ((mode = opt_string(L, 3, "addrgenmode"))) {
		for (r.addrgenmode = 0; addrgenmodes[r.addrgenmode] && strcmp(addrgenmodes[r.addrgenmode], mode);
		     r.addrgenmode++)
			;
		if (!addrgenmodes[r.addrgenmode])
			bad_arg(L, lua_pushfstring(L, "option 'addrgenmode' '%s' is not one of eui64, none, stable_secret, random",
						   printable(L, mode)));
	}
	t = get_opt(L, 3, "master");
	if (t == LUA_TBOOLEAN && !lua_toboolean(L, -1))
		r.nomaster = 1;
	else if (t != LUA_TNIL && t != LUA_TSTRING)
		bad_arg(L, lua_pushfstring(L, "option 'master' must be a bridge's name or false, not '%s'",
					   luaL_tolstring(L, -1, NULL)));
	lua_pop(L, 1);
	if (t == LUA_TSTRING)
		r.master = opt_name(L, 3, "master");
	r.target = opt_ns(L, 3, "ns", &tmp, "link_set", name, ns);
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

/* every device of a namespace, to name masters and devices by index */
struct link_list {
	struct link_info *v;
	size_t n;
};

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
	int ret = link_list(ns, &ll->v, &ll->n);

	if (ret < 0) {
		free(ll->v);
		return kernel_error(L, op, "links", ns, ret);
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
	struct addr_info *av = NULL;
	size_t an = 0;
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
	ret = addr_list(ns, 0, index, &av, &an);
	if (ret < 0) {
		free(ll.v);
		free(av);
		return kernel_error(L, "addrs", dev ? dev : "addresses", ns,
				    ret);
	}
	lua_createtable(L, (int)an, 0);
	for (i = 0; i < an; i++) {
		const struct addr_info *a = &av[i];
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
	free(av);
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
			bad_arg(L, lua_pushfstring(L, "option 'env': '%s' must map a string name to a string value",
						   luaL_tolstring(L, -2, NULL)));
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

/* ns:exec(argv [, { env = }]): this process becomes argv inside ns */
static int m_exec(lua_State *L)
{
	static const char *const exec_opts[] = { "env", NULL };
	struct ns *ns = check_ns(L, 1);
	char **argv, **env;
	int ret;

	lua_settop(L, 3);
	argv = check_argv(L, 2);
	check_opts(L, 3, exec_opts);
	env = opt_env(L, 3);
	fflush(NULL);
	ret = proc_exec(ns, argv, env);
	ns->rt.err[0] = '\0';
	return kernel_error(L, "exec", argv[0], ns, ret);
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

/* ---- routes ---------------------------------------------------------- */

static const char *const route_opts[] = { "dst", "via", "dev", "metric", "table", "family", NULL };

static int opt_family(lua_State *L, int arg)
{
	const char *f = opt_string(L, arg, "family");

	if (!f)
		return 0;
	if (!strcmp(f, "inet") || !strcmp(f, "ipv4") || !strcmp(f, "4"))
		return AF_INET;
	if (!strcmp(f, "inet6") || !strcmp(f, "ipv6") || !strcmp(f, "6"))
		return AF_INET6;
	return bad_arg(L, lua_pushfstring(L, "option 'family' '%s' is not inet or inet6", f));
}

static const char *family_name(int family)
{
	return family == AF_INET ? "inet" : "inet6";
}

/* the route a table of options describes; *dst_s gets opts.dst */
static void check_route(lua_State *L, int arg, struct route_req *r, struct inaddr *via,
			const char **dst_s, int need_nexthop)
{
	const char *s, *why;
	int family;

	check_table(L, arg, "route");
	check_opts(L, arg, route_opts);
	memset(r, 0, sizeof(*r));
	if (!(s = opt_string(L, arg, "dst")))
		bad_arg(L, "option 'dst' is required (\"default\" or a prefix)");
	if ((why = parse_net(s, &r->dst)))
		bad_arg(L, lua_pushfstring(L, "option 'dst': prefix '%s' %s", s, why));
	*dst_s = s;
	if ((s = opt_string(L, arg, "via"))) {
		if ((why = parse_addr(s, via)))
			bad_arg(L, lua_pushfstring(L, "option 'via': gateway '%s' %s", s, why));
		r->via = via;
	}
	r->dev = opt_name(L, arg, "dev");
	if (get_opt(L, arg, "metric") != LUA_TNIL) {
		r->metric = (unsigned)opt_int(L, arg, "metric", 0, 0xffffffffLL, 0);
		r->has_metric = 1;
	}
	lua_pop(L, 1);
	if (get_opt(L, arg, "table") == LUA_TSTRING) {
		if (strcmp(lua_tostring(L, -1), "main"))
			bad_arg(L, lua_pushfstring(L, "option 'table' '%s' is not \"main\" or a number",
						   lua_tostring(L, -1)));
	} else {
		r->table = (unsigned)opt_int(L, arg, "table", 1, 0xffffffffLL, 0);
		if (r->table == RT_TABLE_LOCAL)
			bad_arg(L, "option 'table': 255 is the kernel's local table");
	}
	lua_pop(L, 1);
	family = opt_family(L, arg);
	/* the family comes from the prefix, the gateway or the option, and they agree */
	r->family = r->dst.family ? r->dst.family : r->via ? via->family : family ? family : AF_INET;
	if ((r->via && via->family != r->family) || (family && family != r->family))
		bad_arg(L, lua_pushfstring(L, "route to '%s' mixes IPv4 and IPv6", *dst_s));
	if (!r->dst.family)
		r->dst.family = r->family;
	if (need_nexthop && !r->via && !r->dev)
		bad_arg(L, lua_pushfstring(L, "route to '%s' needs 'via' or 'dev'", *dst_s));
}

/* route_add and route_del: the same table of options, told apart by the
 * name each is registered under (upvalue 1) */
static int m_route(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *op = lua_tostring(L, lua_upvalueindex(1)), *dst;
	int add = !strcmp(op, "route_add"), ret;
	struct route_req r;
	struct inaddr via;

	lua_settop(L, 2);
	check_route(L, 2, &r, &via, &dst, add);
	if ((ret = add ? route_add(ns, &r) : route_del(ns, &r)) < 0)
		return kernel_error(L, op, dst, ns, ret);
	return 0;
}

static const char *link_name(const struct link_list *ll, int index)
{
	size_t i;

	for (i = 0; i < ll->n; i++)
		if (ll->v[i].index == index)
			return ll->v[i].name;
	return NULL;
}

static void set_dev(lua_State *L, const struct link_list *ll, int index)
{
	const char *name = link_name(ll, index);

	if (name)
		lua_pushstring(L, name);
	else
		lua_pushinteger(L, index);
	lua_setfield(L, -2, "dev");
}

static const char *proto_name(int p, char *buf, size_t len)
{
	switch (p) {
	case RTPROT_UNSPEC: return "unspec";
	case RTPROT_REDIRECT: return "redirect";
	case RTPROT_KERNEL: return "kernel";
	case RTPROT_BOOT: return "boot";
	case RTPROT_STATIC: return "static";
	case RTPROT_RA: return "ra";
	case RTPROT_DHCP: return "dhcp";
	}
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

static int check_family_arg(lua_State *L, int arg)
{
	const char *f;

	if (lua_isnoneornil(L, arg))
		return 0;
	f = check_str(L, arg, "family");
	if (!strcmp(f, "inet") || !strcmp(f, "ipv4") || !strcmp(f, "4"))
		return AF_INET;
	if (!strcmp(f, "inet6") || !strcmp(f, "ipv6") || !strcmp(f, "6"))
		return AF_INET6;
	return arg_error(L, arg, "family", f, "is not inet or inet6");
}

static int m_routes(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	int family = check_family_arg(L, 2), ret;
	struct link_list ll;
	struct route_info *rv = NULL;
	size_t rn = 0;
	char buf[INET6_ADDRSTRLEN], pbuf[16];
	size_t i;

	dump_links(L, ns, &ll, "routes");
	if ((ret = route_list(ns, family, &rv, &rn)) < 0) {
		free(ll.v);
		free(rv);
		return kernel_error(L, "routes", "routes", ns, ret);
	}
	lua_createtable(L, (int)rn, 0);
	for (i = 0; i < rn; i++) {
		const struct route_info *r = &rv[i];
		lua_createtable(L, 0, 10);
		if (r->dst_len == 0)
			lua_pushliteral(L, "default");
		else
			lua_pushfstring(L, "%s/%d", format_addr(r->family, r->dst, buf, sizeof(buf)),
					r->dst_len);
		lua_setfield(L, -2, "dst");
		if (r->has_via) {
			lua_pushstring(L, format_addr(r->family, r->via, buf, sizeof(buf)));
			lua_setfield(L, -2, "via");
		}
		if (r->oif)
			set_dev(L, &ll, r->oif);
		if (r->has_prefsrc) {
			lua_pushstring(L, format_addr(r->family, r->prefsrc, buf, sizeof(buf)));
			lua_setfield(L, -2, "src");
		}
		if (r->has_metric) {
			lua_pushinteger(L, r->metric);
			lua_setfield(L, -2, "metric");
		}
		lua_pushinteger(L, r->table);
		lua_setfield(L, -2, "table");
		lua_pushstring(L, proto_name(r->protocol, pbuf, sizeof(pbuf)));
		lua_setfield(L, -2, "proto");
		lua_pushstring(L, scope_name(r->scope));
		lua_setfield(L, -2, "scope");
		lua_pushstring(L, rtype_name(r->type));
		lua_setfield(L, -2, "type");
		lua_pushstring(L, family_name(r->family));
		lua_setfield(L, -2, "family");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(ll.v);
	free(rv);
	return 1;
}

/* ---- neighbours ------------------------------------------------------ */

static const char *const neigh_add_opts[] = { "dst", "lladdr", "dev", NULL };
static const char *const neigh_del_opts[] = { "dst", "dev", NULL };

static const char *check_neigh(lua_State *L, const char *const *known, struct inaddr *dst,
			       const char **dev)
{
	const char *s, *why;

	check_table(L, 2, "neighbour");
	check_opts(L, 2, known);
	if (!(s = opt_string(L, 2, "dst")))
		bad_arg(L, "option 'dst' (an address) is required");
	if ((why = parse_addr(s, dst)))
		bad_arg(L, lua_pushfstring(L, "option 'dst': address '%s' %s", s, why));
	if (!(*dev = opt_name(L, 2, "dev")))
		bad_arg(L, "option 'dev' (the device) is required");
	return s;
}

static int m_neigh_add(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct inaddr dst;
	const char *dev, *s;
	const unsigned char *ll;
	unsigned char mac[6];
	int ret;

	lua_settop(L, 2);
	s = check_neigh(L, neigh_add_opts, &dst, &dev);
	opt_mac(L, 2, "lladdr", mac, &ll);
	if (!ll)
		return bad_arg(L, "option 'lladdr' (a MAC address) is required");
	if ((ret = neigh_add(ns, dev, &dst, ll)) < 0) {
		lua_pushfstring(L, "%s on %s", s, dev);
		return kernel_error(L, "neigh_add", lua_tostring(L, -1), ns, ret);
	}
	return 0;
}

static int m_neigh_del(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct inaddr dst;
	const char *dev, *s;
	int ret;

	lua_settop(L, 2);
	s = check_neigh(L, neigh_del_opts, &dst, &dev);
	if ((ret = neigh_del(ns, dev, &dst)) < 0) {
		lua_pushfstring(L, "%s on %s", s, dev);
		return kernel_error(L, "neigh_del", lua_tostring(L, -1), ns, ret);
	}
	return 0;
}

static int m_neighs(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *dev = lua_isnoneornil(L, 2) ? NULL : check_name(L, 2, "interface name");
	struct link_list ll;
	struct neigh_info *nv = NULL;
	size_t nn = 0;
	char buf[INET6_ADDRSTRLEN], mac[3 * 32 + 1], st[80];
	int index = 0, ret;
	size_t i;

	dump_links(L, ns, &ll, "neighs");
	if (dev) {
		for (i = 0; i < ll.n && strcmp(ll.v[i].name, dev); i++)
			;
		if (i == ll.n) {
			free(ll.v);
			return kernel_error(L, "neighs", dev, ns, -ENODEV);
		}
		index = ll.v[i].index;
	}
	if ((ret = neigh_list(ns, index, &nv, &nn)) < 0) {
		free(ll.v);
		free(nv);
		return kernel_error(L, "neighs", dev ? dev : "neighbours", ns,
				    ret);
	}
	lua_createtable(L, (int)nn, 0);
	for (i = 0; i < nn; i++) {
		const struct neigh_info *n = &nv[i];
		lua_createtable(L, 0, 6);
		lua_pushstring(L, format_addr(n->family, n->dst, buf, sizeof(buf)));
		lua_setfield(L, -2, "dst");
		if (n->lladdr_len) {
			lua_pushstring(L, format_mac(n->lladdr, n->lladdr_len, mac, sizeof(mac)));
			lua_setfield(L, -2, "lladdr");
		}
		set_dev(L, &ll, n->index);
		lua_pushstring(L, neigh_state_name(n->state, st, sizeof(st)));
		lua_setfield(L, -2, "state");
		lua_pushstring(L, family_name(n->family));
		lua_setfield(L, -2, "family");
		if (n->router) {
			lua_pushboolean(L, 1);
			lua_setfield(L, -2, "router");
		}
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(ll.v);
	free(nv);
	return 1;
}

/* ---- sysctl ---------------------------------------------------------- */

static int m_sysctl(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *key = check_str(L, 2, "sysctl key"), *why, *value = NULL;
	char path[512], buf[4096];
	int ret;

	if ((why = sysctl_path(key, path, sizeof(path))))
		return arg_error(L, 2, "sysctl key", key, why);
	if (!lua_isnoneornil(L, 3)) {
		if (lua_type(L, 3) != LUA_TSTRING && lua_type(L, 3) != LUA_TNUMBER)
			return bad_arg(L, lua_pushfstring(L, "sysctl value for '%s' must be a string or number, not %s",
							  key, luaL_typename(L, 3)));
		value = lua_tostring(L, 3);
		ns->rt.err[0] = '\0';
		if ((ret = sysctl_set(ns, path, value)) < 0)
			return kernel_error(L, "sysctl", key, ns, ret);
		return 0;
	}
	ns->rt.err[0] = '\0';
	if ((ret = sysctl_get(ns, path, buf, sizeof(buf))) < 0)
		return kernel_error(L, "sysctl", key, ns, ret);
	lua_pushstring(L, buf);
	return 1;
}

/* ---- background processes -------------------------------------------- */

struct lproc {
	int pid;		/* -1 once reaped */
	int pidfd;
	int status, signal;	/* valid once reaped */
	int reaped;
};

static const char *const spawn_opts[] = { "env", "stdout", "stderr", "append", NULL };

static struct lproc *check_proc(lua_State *L)
{
	return luaL_checkudata(L, 1, PROC_MT);
}

static int m_spawn(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct spawn_req req = { 0 };
	struct lproc *p;
	int ret;

	lua_settop(L, 3);
	req.argv = check_argv(L, 2);
	check_opts(L, 3, spawn_opts);
	req.out = opt_string(L, 3, "stdout");
	req.err = opt_string(L, 3, "stderr");
	if (req.err && !strcmp(req.err, "stdout")) {
		req.err = NULL;
		req.err_to_out = 1;
	}
	req.append = opt_bool(L, 3, "append") == 1;
	req.env = opt_env(L, 3);
	p = lua_newuserdatauv(L, sizeof(*p), 0);
	p->pid = p->pidfd = -1;
	p->status = p->signal = 0;
	p->reaped = 1;
	luaL_setmetatable(L, PROC_MT);
	if ((ret = proc_spawn(ns, &req, &p->pid, &p->pidfd)) < 0)
		return kernel_error(L, "spawn", req.argv[0], ns, ret);
	p->reaped = 0;
	return 1;
}

static int reap(lua_State *L, struct lproc *p, double timeout)
{
	int ret;

	if (p->reaped)
		return 1;
	ret = proc_wait(p->pid, p->pidfd, timeout, &p->status, &p->signal);
	if (ret < 0)
		return luaL_error(L, "netns: wait %d: %s", p->pid, strerror(-ret));
	if (ret == 1) {
		p->reaped = 1;
		if (p->pidfd >= 0)
			close(p->pidfd);
		p->pidfd = -1;
	}
	return ret;
}

static int p_wait(lua_State *L)
{
	struct lproc *p = check_proc(L);
	double timeout = -1;

	if (!lua_isnoneornil(L, 2)) {
		int ok = 0;
		timeout = lua_tonumberx(L, 2, &ok);
		if (!ok || timeout < 0)
			return bad_arg(L, lua_pushfstring(L, "timeout must be a number of seconds >= 0, not '%s'",
							  luaL_tolstring(L, 2, NULL)));
	}
	if (p->pid < 0)
		return luaL_error(L, "netns: wait: the process was never started");
	if (!reap(L, p, timeout)) {
		lua_pushnil(L);
		lua_pushliteral(L, "timeout");
		return 2;
	}
	lua_pushinteger(L, p->status);
	if (p->signal) {
		lua_pushinteger(L, p->signal);
		return 2;
	}
	return 1;
}

static const struct { const char *name; int sig; } signames[] = {
	{ "TERM", SIGTERM }, { "KILL", SIGKILL }, { "INT", SIGINT }, { "HUP", SIGHUP },
	{ "QUIT", SIGQUIT }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
	{ "STOP", SIGSTOP }, { "CONT", SIGCONT }, { NULL, 0 },
};

static int p_kill(lua_State *L)
{
	struct lproc *p = check_proc(L);
	int sig = SIGTERM, i;

	if (lua_type(L, 2) == LUA_TNUMBER) {
		int isint = 0;
		sig = (int)lua_tointegerx(L, 2, &isint);
		if (!isint || sig < 0 || sig >= NSIG)
			return bad_arg(L, lua_pushfstring(L, "signal '%s' is not a signal number",
							  luaL_tolstring(L, 2, NULL)));
	} else if (!lua_isnoneornil(L, 2)) {
		const char *s = check_str(L, 2, "signal");
		const char *n = strncmp(s, "SIG", 3) ? s : s + 3;
		for (i = 0; signames[i].name && strcmp(signames[i].name, n); i++)
			;
		if (!signames[i].name)
			return arg_error(L, 2, "signal", s, "is not a known signal name");
		sig = signames[i].sig;
	}
	if (p->reaped || p->pid < 0 || reap(L, p, 0)) {
		lua_pushboolean(L, 0);
		return 1;
	}
	/* the whole group: what the command started goes too */
	if (kill(-p->pid, sig) < 0 && kill(p->pid, sig) < 0)
		return luaL_error(L, "netns: kill %d: %s", p->pid, strerror(errno));
	lua_pushboolean(L, 1);
	return 1;
}

static int p_running(lua_State *L)
{
	struct lproc *p = check_proc(L);

	lua_pushboolean(L, p->pid >= 0 && !reap(L, p, 0));
	return 1;
}

static int p_index(lua_State *L)
{
	struct lproc *p = check_proc(L);
	const char *k = lua_tostring(L, 2);

	if (k && !strcmp(k, "pid")) {
		lua_pushinteger(L, p->pid);
		return 1;
	}
	lua_getmetatable(L, 1);
	lua_getfield(L, -1, "__methods");
	lua_pushvalue(L, 2);
	lua_rawget(L, -2);
	return 1;
}

/* a handle that goes away takes its process with it: no orphan, no zombie */
static int p_gc(lua_State *L)
{
	struct lproc *p = check_proc(L);

	if (p->pid >= 0 && !p->reaped) {
		/* the status stays readable: wait() after close says how it ended */
		if (proc_wait(p->pid, p->pidfd, 0, &p->status, &p->signal) == 0) {
			kill(-p->pid, SIGKILL);
			kill(p->pid, SIGKILL);
			while (proc_wait(p->pid, p->pidfd, -1, &p->status, &p->signal) == -EINTR)
				;
		}
		p->reaped = 1;
	}
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
	return 0;
}

static int p_tostring(lua_State *L)
{
	struct lproc *p = check_proc(L);

	lua_pushfstring(L, "netns.proc (%d%s)", p->pid, p->reaped ? ", ended" : "");
	return 1;
}

/* ---- probes ---------------------------------------------------------- */

static const char *const ping_opts[] = { "count", "timeout", NULL };
static const char *const connect_opts[] = { "timeout", NULL };

static double opt_timeout(lua_State *L, int arg, double def)
{
	double v = def;
	int ok = 0;

	if (get_opt(L, arg, "timeout") != LUA_TNIL) {
		v = lua_tonumberx(L, -1, &ok);
		if (!ok || !(v > 0) || v > 86400)
			bad_arg(L, lua_pushfstring(L, "option 'timeout' must be a number of seconds > 0, not '%s'",
						   luaL_tolstring(L, -1, NULL)));
	}
	lua_pop(L, 1);
	return v;
}

static int push_probe(lua_State *L, const struct probe_result *r)
{
	if (r->ok) {
		lua_pushboolean(L, 1);
		lua_pushnumber(L, r->rtt_ms);
	} else {
		lua_pushboolean(L, 0);
		lua_pushstring(L, r->reason);
	}
	return 2;
}

static int m_ping(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *s = check_str(L, 2, "address"), *why;
	struct inaddr dst;
	struct probe_result r;
	double timeout;
	int count, ret;

	lua_settop(L, 3);
	if ((why = parse_addr(s, &dst)))
		return arg_error(L, 2, "address", s, why);
	check_opts(L, 3, ping_opts);
	/* 2 s by default: a first ARP request lost while a new link settles is
	 * sent again after 1 s */
	timeout = opt_timeout(L, 3, 2.0);
	/* by default one echo every 250 ms of the timeout: a reply lost while a
	 * link or a neighbour entry settles does not decide the answer */
	count = (int)opt_int(L, 3, "count", 1, 64,
			     timeout >= 16 ? 64 : timeout <= 0.25 ? 1 : (lua_Integer)(timeout / 0.25 + 0.999));
	if ((ret = probe_ping(ns, &dst, count, timeout, &r)) < 0) {
		ns->rt.err[0] = '\0';
		return kernel_error(L, "ping", s, ns, ret);
	}
	return push_probe(L, &r);
}

static int m_connect(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *s = check_str(L, 2, "address"), *why;
	struct inaddr dst;
	struct probe_result r;
	lua_Integer port;
	int isint = 0, ret;

	lua_settop(L, 4);
	if ((why = parse_addr(s, &dst)))
		return arg_error(L, 2, "address", s, why);
	port = lua_tointegerx(L, 3, &isint);
	if (!isint || port < 1 || port > 65535)
		return bad_arg(L, lua_pushfstring(L, "port '%s' is not an integer in 1..65535",
						  luaL_tolstring(L, 3, NULL)));
	check_opts(L, 4, connect_opts);
	if ((ret = probe_connect(ns, &dst, (unsigned)port, opt_timeout(L, 4, 2.0), &r)) < 0) {
		ns->rt.err[0] = '\0';
		return kernel_error(L, "connect", s, ns, ret);
	}
	return push_probe(L, &r);
}

/* ---- NAT ------------------------------------------------------------- */

/* Rules live in netlab's own nf_tables table ("inet netlab") of the
 * namespace; other tables are never read, changed or flushed. Each call is
 * one transaction: it applies whole or not at all. Forwarding between
 * interfaces needs net.ipv4.ip_forward=1 (IPv6: net.ipv6.conf.all.forwarding=1)
 * in the namespace that forwards; these functions leave sysctls alone (see
 * ns:sysctl). */

static const char *const masq_opts[] = { "src", "oif", NULL };
static const char *const snat_opts[] = { "src", "to", "oif", NULL };
static const char *const dnat_opts[] = { "proto", "dport", "to", "iif", NULL };

/* as kernel_error, with the netfilter socket's text and the part of the
 * transaction that failed */
static int nat_error(lua_State *L, const char *op, const char *obj, const char *part,
		     const struct ns *ns, int err)
{
	if (part)
		obj = lua_pushfstring(L, "%s (%s)", obj, part);
	return raise_kernel(L, op, obj, ns, err, ns->nf.err);
}

static const char *opt_src(lua_State *L, int arg, struct inaddr *p)
{
	const char *s = opt_string(L, arg, "src"), *why;

	if (!s)
		bad_arg(L, "option 'src' (a source prefix) is required");
	if ((why = parse_prefix(s, p)))
		bad_arg(L, lua_pushfstring(L, "option 'src': prefix '%s' %s", s, why));
	return s;
}

static void opt_ifname(lua_State *L, int arg, const char *key, char *buf, size_t len)
{
	const char *s = opt_name(L, arg, key);

	if (s)
		snprintf(buf, len, "%s", s);
}

static int nat_apply(lua_State *L, struct ns *ns, const char *op, const char *obj,
		     const struct nat_rule *r)
{
	const char *failed;
	int ret = nat_add(ns, r, &failed);

	if (ret < 0)
		return nat_error(L, op, obj, failed, ns, ret);
	return 0;
}

/* the options table of a NAT call, checked for unknown keys; r zeroed */
static void nat_begin(lua_State *L, const char *const *known, int kind, struct nat_rule *r)
{
	lua_settop(L, 2);
	check_table(L, 2, "options");
	check_opts(L, 2, known);
	memset(r, 0, sizeof(*r));
	r->kind = kind;
}

/* ns:nat_masquerade{ src = PREFIX [, oif = DEV] } */
static int m_nat_masquerade(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct nat_rule r;
	const char *src;

	nat_begin(L, masq_opts, NAT_MASQUERADE, &r);
	src = opt_src(L, 2, &r.src);
	r.family = r.src.family;
	opt_ifname(L, 2, "oif", r.oif, sizeof(r.oif));
	return nat_apply(L, ns, "nat_masquerade", src, &r);
}

/* ns:nat_snat{ src = PREFIX, to = ADDR [, oif = DEV] } */
static int m_nat_snat(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct nat_rule r;
	const char *src, *to, *why;

	nat_begin(L, snat_opts, NAT_SNAT, &r);
	src = opt_src(L, 2, &r.src);
	r.family = r.src.family;
	if (!(to = opt_string(L, 2, "to")))
		return bad_arg(L, "option 'to' (the new source address) is required");
	if ((why = parse_addr(to, &r.to)))
		return bad_arg(L, lua_pushfstring(L, "option 'to': address '%s' %s", to, why));
	if (r.to.family != r.family)
		return bad_arg(L, lua_pushfstring(L, "snat from '%s' to '%s' mixes IPv4 and IPv6",
						  src, to));
	opt_ifname(L, 2, "oif", r.oif, sizeof(r.oif));
	return nat_apply(L, ns, "nat_snat", src, &r);
}

/* ns:nat_dnat{ proto = "tcp"|"udp", dport = PORT, to = "addr[:port]" [, iif = DEV] } */
static int m_nat_dnat(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct nat_rule r;
	const char *proto, *to, *why;

	nat_begin(L, dnat_opts, NAT_DNAT, &r);
	if (!(proto = opt_string(L, 2, "proto")))
		return bad_arg(L, "option 'proto' (\"tcp\" or \"udp\") is required");
	if (!strcmp(proto, "tcp"))
		r.proto = IPPROTO_TCP;
	else if (!strcmp(proto, "udp"))
		r.proto = IPPROTO_UDP;
	else
		return bad_arg(L, lua_pushfstring(L, "option 'proto' '%s' is not tcp or udp", proto));
	if (get_opt(L, 2, "dport") == LUA_TNIL)
		return bad_arg(L, "option 'dport' (the port to forward) is required");
	lua_pop(L, 1);
	r.dport = (unsigned)opt_int(L, 2, "dport", 1, 65535, 0);
	if (!(to = opt_string(L, 2, "to")))
		return bad_arg(L, "option 'to' (\"addr\", \"addr:port\" or \"[addr6]:port\") is required");
	if ((why = nat_parse_to(to, &r.to, &r.to_port)))
		return bad_arg(L, lua_pushfstring(L, "option 'to': '%s' %s", to, why));
	r.family = r.to.family;
	opt_ifname(L, 2, "iif", r.iif, sizeof(r.iif));
	return nat_apply(L, ns, "nat_dnat", lua_pushfstring(L, "%s/%d", proto, (int)r.dport), &r);
}

static void set_str(lua_State *L, const char *key, const char *value)
{
	lua_pushstring(L, value);
	lua_setfield(L, -2, key);
}

/* ns:nat_rules() --> { { kind = "masquerade"|"snat"|"dnat"|"other", ... }, ... } */
static int m_nat_rules(lua_State *L)
{
	static const char *const kinds[] = { "masquerade", "snat", "dnat", "other" };
	struct ns *ns = check_ns(L, 1);
	struct nat_rule *v;
	char buf[INET6_ADDRSTRLEN];
	size_t n, i;
	int ret;

	if ((ret = nat_list(ns, &v, &n)) < 0)
		return nat_error(L, "nat_rules", "table inet " NAT_TABLE, NULL, ns, ret);
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		const struct nat_rule *r = &v[i];
		lua_createtable(L, 0, 7);
		set_str(L, "kind", kinds[r->kind]);
		if (r->kind == NAT_OTHER) {
			set_str(L, "chain", r->chain);
			lua_pushinteger(L, (lua_Integer)r->handle);
			lua_setfield(L, -2, "handle");
			lua_rawseti(L, -2, (lua_Integer)i + 1);
			continue;
		}
		set_str(L, "family", family_name(r->family));
		if (r->kind != NAT_DNAT) {
			lua_pushfstring(L, "%s/%d", format_addr(r->family, r->src.addr, buf, sizeof(buf)),
					r->src.len);
			lua_setfield(L, -2, "src");
		} else {
			set_str(L, "proto", r->proto == IPPROTO_TCP ? "tcp" : "udp");
			lua_pushinteger(L, r->dport);
			lua_setfield(L, -2, "dport");
		}
		if (r->kind != NAT_MASQUERADE) {
			format_addr(r->family, r->to.addr, buf, sizeof(buf));
			if (!r->to_port)
				lua_pushstring(L, buf);
			else if (r->family == AF_INET6)
				lua_pushfstring(L, "[%s]:%d", buf, (int)r->to_port);
			else
				lua_pushfstring(L, "%s:%d", buf, (int)r->to_port);
			lua_setfield(L, -2, "to");
		}
		if (r->oif[0])
			set_str(L, "oif", r->oif);
		if (r->iif[0])
			set_str(L, "iif", r->iif);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(v);
	return 1;
}

/* ns:nat_flush(): netlab's table goes, with every rule in it; no error when absent */
static int m_nat_flush(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *failed;
	int ret = nat_flush(ns, &failed);

	if (ret < 0)
		return nat_error(L, "nat_flush", "table inet " NAT_TABLE, failed, ns, ret);
	return 0;
}

/* ---- time ------------------------------------------------------------ */

/* seconds on the monotonic clock: for timing and deadlines in scripts */
static int l_clock(lua_State *L)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
	return 1;
}

static int l_sleep(lua_State *L)
{
	int ok = 0;
	double s = lua_tonumberx(L, 1, &ok);
	struct timespec ts;

	if (!ok || s < 0 || s > 86400)
		return bad_arg(L, lua_pushfstring(L, "seconds must be a number in 0..86400, not '%s'",
						  luaL_tolstring(L, 1, NULL)));
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	/* an interrupting signal ends the sleep: the interpreter's hook then stops the script */
	nanosleep(&ts, NULL);
	return 0;
}

/* ---- module ---------------------------------------------------------- */

static const luaL_Reg ns_methods[] = {
	{ "delete", m_delete },
	{ "close", m_close },
	{ "link_add", m_link_add },
	{ "link_set", m_link_set },
	{ "link_del", m_link_del },
	{ "link_del_group", m_link_del_group },
	{ "links", m_links },
	{ "link", m_link },
	{ "addr_add", m_addr_add },
	{ "addr_del", m_addr_del },
	{ "addrs", m_addrs },
	{ "run", m_run },
	{ "exec", m_exec },
	{ "route_add", m_route },
	{ "route_del", m_route },
	{ "routes", m_routes },
	{ "neigh_add", m_neigh_add },
	{ "neigh_del", m_neigh_del },
	{ "neighs", m_neighs },
	{ "sysctl", m_sysctl },
	{ "spawn", m_spawn },
	{ "ping", m_ping },
	{ "connect", m_connect },
	{ "nat_masquerade", m_nat_masquerade },
	{ "nat_snat", m_nat_snat },
	{ "nat_dnat", m_nat_dnat },
	{ "nat_rules", m_nat_rules },
	{ "nat_flush", m_nat_flush },
	{ NULL, NULL }
};

static const luaL_Reg proc_methods[] = {
	{ "wait", p_wait },
	{ "kill", p_kill },
	{ "running", p_running },
	{ NULL, NULL }
};

static const luaL_Reg proc_meta[] = {
	{ "__gc", p_gc },
	{ "__close", p_gc },
	{ "__tostring", p_tostring },
	{ "__index", p_index },
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
	{ "open_path", l_open_path },
	{ "prefix", l_prefix },
	{ "host", l_host },
	{ "list", l_list },
	{ "delete", l_delete },
	{ "clock", l_clock },
	{ "sleep", l_sleep },
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
	if (luaL_newmetatable(L, PROC_MT)) {
		set_named_funcs(L, proc_meta);
		lua_newtable(L);
		set_named_funcs(L, proc_methods);
		lua_setfield(L, -2, "__methods");
	}
	lua_pop(L, 1);
	lua_newtable(L);
	set_named_funcs(L, funcs);
	lua_pushliteral(L, NETLAB_VERSION);
	lua_setfield(L, -2, "version");
	return 1;
}
