/* l_probe.c - the binding of the built-in probes: ping and connect (TCP or a unix socket), answering true or false and a reason; and netns.stat. */
#define _GNU_SOURCE
#include "lnetns.h"
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "probe.h"

static const char *const ping_opts[] = { "count", "timeout", NULL };
static const char *const connect_opts[] = { "timeout", NULL };

/* a probe's answer is a result, not a failure: true, ms or false, reason */
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

static void check_addr(lua_State *L, int arg, struct prefix *dst)
{
	const char *s = check_str(L, arg, "address"), *why;

	if ((why = parse_addr(s, dst)))
		raise_value(L, "address", s, why);
}

static int m_ping(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct err e = ERR_INIT;
	struct probe_result r;
	struct prefix dst;
	double timeout;
	int count, ret;

	lua_settop(L, 3);
	check_addr(L, 2, &dst);
	check_opts(L, 3, ping_opts);
	/* 2 s by default: a first ARP request lost while a new link settles is
	 * sent again after 1 s */
	timeout = opt_seconds(L, 3, "timeout", 2.0);
	/* by default one echo every 250 ms of the timeout: a reply lost while a
	 * link or a neighbour entry settles does not decide the answer */
	count = (int)opt_int(L, 3, "count", 1, 64,
			     timeout >= 16 ? 64 : timeout <= 0.25 ? 1 : (lua_Integer)(timeout / 0.25 + 0.999));
	if ((ret = probe_ping(ns, &dst, count, timeout, &r, &e)) < 0)
		return raise_core(L, "ping", lua_tostring(L, 2), ns_label(ns), ret, &e);
	return push_probe(L, &r);
}

static int m_connect(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct err e = ERR_INIT;
	struct probe_result r;
	struct prefix dst;
	lua_Integer port;
	int isint = 0, ret;

	lua_settop(L, 4);
	/* a path: a unix socket (an abstract one with "@") */
	if (lua_type(L, 2) == LUA_TSTRING && (lua_tostring(L, 2)[0] == '/' || lua_tostring(L, 2)[0] == '@') &&
	    (lua_isnil(L, 3) || lua_istable(L, 3))) {
		const char *path = lua_tostring(L, 2);

		check_opts(L, 3, connect_opts);
		if ((ret = probe_unix(ns, path, opt_seconds(L, 3, "timeout", 2.0), &r, &e)) < 0)
			return raise_core(L, "connect", path, ns_label(ns), ret, &e);
		return push_probe(L, &r);
	}
	check_addr(L, 2, &dst);
	port = lua_tointegerx(L, 3, &isint);
	if (!isint || port < 1 || port > 65535)
		return raise_input(L, "port", "port '%s' is not an integer in 1..65535",
				   luaL_tolstring(L, 3, NULL));
	check_opts(L, 4, connect_opts);
	ret = probe_connect(ns, &dst, (unsigned)port, opt_seconds(L, 4, "timeout", 2.0), &r, &e);
	if (ret < 0)
		return raise_core(L, "connect", lua_tostring(L, 2), ns_label(ns), ret, &e);
	return push_probe(L, &r);
}

/* netns.stat(path) -> "file" | "dir" | "socket" | "fifo" | "link" | "device", or nil, reason:
 * what is at path (a symbolic link is not followed), for a service's readiness */
static int l_stat(lua_State *L)
{
	const char *path = check_str(L, 1, "path");
	struct stat st;

	if (lstat(path, &st) < 0) {
		lua_pushnil(L);
		lua_pushstring(L, strerror(errno));
		return 2;
	}
	lua_pushstring(L, S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "dir" : S_ISSOCK(st.st_mode) ? "socket"
			: S_ISFIFO(st.st_mode) ? "fifo" : S_ISLNK(st.st_mode) ? "link" : "device");
	return 1;
}

void open_probe_funcs(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "stat", l_stat },
		{ NULL, NULL }
	};

	register_funcs(L, funcs);
}

void open_probe_methods(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "ping", m_ping },
		{ "connect", m_connect },
		{ NULL, NULL }
	};

	register_funcs(L, methods);
}
