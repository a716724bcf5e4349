/* l_private.c - the binding of a node's own directories: netns.private_root, private_make, private_remove, ns:private, ns:file. */
#define _GNU_SOURCE
#include <limits.h>
#include <string.h>

#include "lnetns.h"
#include "private.h"

/* netns.private_root() -> "/proc/PID/fd/N": the hidden area of an isolated
 * process (netns.unshare_user, the interpreter), or nil */
static int l_private_root(lua_State *L)
{
	const char *root = private_root();

	if (root)
		lua_pushstring(L, root);
	else
		lua_pushnil(L);
	return 1;
}

static const char *check_dir(lua_State *L, int arg, const char *what)
{
	const char *dir = check_str(L, arg, what);

	if (dir[0] != '/')
		raise_value(L, what, dir, "is not an absolute path");
	return dir;
}

/* netns.private_make([dir]) -> the directory made for a lab's nodes: dir,
 * or a fresh one under /run/netlab (root) or /tmp */
static int l_private_make(lua_State *L)
{
	const char *dir = lua_isnoneornil(L, 1) ? NULL : check_dir(L, 1, "directory");
	struct err e = ERR_INIT;
	char out[PATH_MAX];
	int ret;

	if ((ret = private_make(dir, out, sizeof(out), &e)) < 0)
		return raise_core(L, "private_make", dir ? dir : "directory", NULL, ret, &e);
	lua_pushstring(L, out);
	return 1;
}

/* netns.private_remove(dir): dir and all it holds (what private_make made) */
static int l_private_remove(lua_State *L)
{
	const char *dir = check_dir(L, 1, "directory");
	struct err e = ERR_INIT;
	int ret;

	if ((ret = private_remove(dir, &e)) < 0)
		return raise_core(L, "private_remove", dir, NULL, ret, &e);
	return 0;
}

/* ns:private(dir, name): ns's commands get the node directory dir (its
 * run/, tmp/, var-tmp/ over /run, /tmp, /var/tmp) and name as hostname */
static int m_private(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *dir = check_dir(L, 2, "node directory");
	const char *name = check_nsname(L, 3, "node name");
	struct err e = ERR_INIT;
	int ret;

	if (ns->kind == NS_HOST)
		return raise_input(L, NULL, "the host namespace has no directories of its own: its commands see the machine's");
	if ((ret = private_set(ns, dir, name, &e)) < 0)
		return raise_core(L, "private", dir, ns_label(ns), ret, &e);
	return 0;
}

/* ns:file(path, content [, mode]): a file only ns's commands see */
static int m_file(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *path = check_str(L, 2, "path"), *why, *data;
	lua_Integer mode = -1;
	struct err e = ERR_INIT;
	size_t len;
	int ret;

	if ((why = private_path_check(path)))
		return raise_value(L, "path", path, why);
	if (lua_type(L, 3) != LUA_TSTRING)
		return raise_input(L, "content", "content must be a string, not %s", luaL_typename(L, 3));
	data = lua_tolstring(L, 3, &len);
	if (!lua_isnoneornil(L, 4) && (!lua_isinteger(L, 4) || (mode = lua_tointeger(L, 4)) < 0 || mode > 07777))
		return raise_input(L, "mode", "mode must be an integer in 0..4095 (0..07777), not %s",
				   luaL_tolstring(L, 4, NULL));
	if (ns->priv < 0)
		return raise_input(L, NULL, "%s has no directories of its own: ns:private(dir, name) gives it some",
				   ns_label(ns));
	if ((ret = private_file(ns, path, data, len, (int)mode, &e)) < 0)
		return raise_core(L, "file", path, ns_label(ns), ret, &e);
	return 0;
}

void open_private_funcs(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "private_root", l_private_root },
		{ "private_make", l_private_make },
		{ "private_remove", l_private_remove },
		{ NULL, NULL }
	};

	register_funcs(L, funcs);
}

void open_private_methods(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "private", m_private },
		{ "file", m_file },
		{ NULL, NULL }
	};

	register_funcs(L, methods);
}
