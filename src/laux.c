/* laux.c - the binding's shared parts: error values, the call dispatcher and its hook, argument and option checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lnetns.h"
#include "userns.h"

/* ---- error values ---------------------------------------------------- */

static void set_field(lua_State *L, const char *key, const char *value)
{
	if (value && value[0]) {
		lua_pushstring(L, value);
		lua_setfield(L, -2, key);
	}
}

/* push a new error value: code from err (< 0), text never NULL */
static void push_error(lua_State *L, const char *op, const char *obj, const char *part,
		       const char *where, int err, const char *text, const char *arg)
{
	const char *name = strerrorname_np(-err);

	lua_createtable(L, 0, 8);
	set_field(L, "op", op);
	set_field(L, "object", obj);
	set_field(L, "part", part);
	set_field(L, "ns", where);
	set_field(L, "arg", arg);
	lua_pushinteger(L, -err);
	lua_setfield(L, -2, "errno");
	lua_pushstring(L, name ? name : "?");
	lua_setfield(L, -2, "code");
	lua_pushstring(L, text);
	lua_setfield(L, -2, "text");
	luaL_setmetatable(L, ERR_MT);
}

int raise_core(lua_State *L, const char *op, const char *obj, const char *where, int ret,
	       const struct err *e)
{
	/* the context is trusted only when it tells the same failure */
	int same = e && e->code == ret;
	const char *text = same ? e->text : "";

	/* refused for want of a capability: say which, and the ways to have it */
	if (ret == -EPERM && !userns_capable())
		text = lua_pushfstring(L, "%s%sthis process lacks CAP_SYS_ADMIN or CAP_NET_ADMIN in its user namespace: "
				       "run it as root, or call netns.unshare_user() first", text, text[0] ? "; " : "");
	push_error(L, op, obj, same ? e->part : NULL, where, ret, text, NULL);
	return lua_error(L);
}

/* the function's own name: upvalue 1 of every registered function, so a
 * bad argument is named even when called through pcall or an alias */
static const char *fn_name(lua_State *L)
{
	const char *fn = lua_tostring(L, lua_upvalueindex(1));

	return fn ? fn : "?";
}

int raise_input(lua_State *L, const char *arg, const char *fmt, ...)
{
	const char *text;
	va_list ap;

	va_start(ap, fmt);
	text = lua_pushvfstring(L, fmt, ap);
	va_end(ap);
	push_error(L, fn_name(L), NULL, NULL, NULL, -EINVAL, text, arg);
	return lua_error(L);
}

const char *printable(lua_State *L, const char *s)
{
	return printable_len(L, s, strlen(s));
}

const char *printable_len(lua_State *L, const char *s, size_t len)
{
	const char *end = s + len;
	luaL_Buffer b;

	luaL_buffinit(L, &b);
	for (; s < end; s++) {
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

int raise_value(lua_State *L, const char *what, const char *value, const char *why)
{
	return raise_input(L, what, "%s '%s' %s", what, printable(L, value), why);
}

int raise_plain(lua_State *L, int err, const char *text)
{
	push_error(L, NULL, NULL, NULL, NULL, err, text, NULL);
	return lua_error(L);
}

static const char *field(lua_State *L, int t, const char *key)
{
	const char *s;

	lua_getfield(L, t, key);
	s = lua_tostring(L, -1);	/* stays referenced by the table */
	lua_pop(L, 1);
	return s;
}

/* before s after, when s is there */
static void add(luaL_Buffer *b, const char *s, const char *before, const char *after)
{
	if (!s)
		return;
	luaL_addstring(b, before);
	luaL_addstring(b, s);
	luaL_addstring(b, after);
}

/*
 * netns: <op> <object>[ (<part>)] in <ns>: <strerror> (<CODE>)[: <text>]
 * for a failure about an object; netns: <op>: <text> for bad input;
 * netns: <text> for the rest.
 */
static int error_tostring(lua_State *L)
{
	const char *op, *obj, *part, *where, *code, *text;
	luaL_Buffer b;
	int err;

	luaL_checktype(L, 1, LUA_TTABLE);
	op = field(L, 1, "op");
	obj = field(L, 1, "object");
	part = field(L, 1, "part");
	where = field(L, 1, "ns");
	code = field(L, 1, "code");
	text = field(L, 1, "text");
	lua_getfield(L, 1, "errno");
	err = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	luaL_buffinit(L, &b);
	luaL_addstring(&b, "netns: ");
	if (obj) {
		add(&b, op ? op : "?", "", " ");
		add(&b, obj, "", "");
		add(&b, part, " (", ")");
		add(&b, where, " in ", "");
		add(&b, strerror(err), ": ", "");
		add(&b, code ? code : "?", " (", ")");
		add(&b, text && text[0] ? text : NULL, ": ", "");
	} else {
		add(&b, op, "", ": ");
		add(&b, text ? text : "?", "", "");
	}
	luaL_pushresult(&b);
	return 1;
}

void open_errors(lua_State *L)
{
	if (luaL_newmetatable(L, ERR_MT)) {
		lua_pushcfunction(L, error_tostring);
		lua_setfield(L, -2, "__tostring");
	}
	lua_pop(L, 1);
}

/* ---- dispatch and the hook ------------------------------------------- */

static const char hook_key = 'h';	/* the registry key of netns.hook's function */

/* upvalues: the name, the luaL_Reg entry of the function */
static int dispatch(lua_State *L)
{
	const luaL_Reg *r = lua_touserdata(L, lua_upvalueindex(2));
	int n = lua_gettop(L), i;

	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &hook_key) == LUA_TFUNCTION) {
		lua_pushvalue(L, lua_upvalueindex(1));
		for (i = 1; i <= n; i++)
			lua_pushvalue(L, i);
		lua_call(L, n + 1, 0);
	} else {
		lua_pop(L, 1);
	}
	return r->func(L);
}

void register_funcs(lua_State *L, const luaL_Reg *fns)
{
	for (; fns->name; fns++) {
		lua_pushstring(L, fns->name);
		lua_pushlightuserdata(L, (void *)fns);
		lua_pushcclosure(L, dispatch, 2);
		lua_setfield(L, -2, fns->name);
	}
}

/* netns.hook([fn]) -> the previous hook: fn(name, ...) runs before every
 * call of a netns function or method, with its arguments as given */
int l_hook(lua_State *L)
{
	if (!lua_isnoneornil(L, 1) && lua_type(L, 1) != LUA_TFUNCTION)
		return raise_input(L, "hook", "hook must be a function or nil, not %s",
				   luaL_typename(L, 1));
	lua_settop(L, 1);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &hook_key);
	lua_pushvalue(L, 1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &hook_key);
	return 1;
}

/* ---- arguments ------------------------------------------------------- */

const char *no_nul(lua_State *L, int idx, const char *arg, const char *what)
{
	size_t len;
	const char *s = lua_tolstring(L, idx, &len);

	/* C would read "a\0b" as "a": a different name, address or program */
	if (s && strlen(s) != len)
		raise_input(L, arg, "%s '%s' contains a NUL byte", what, printable_len(L, s, len));
	return s;
}

const char *check_str(lua_State *L, int arg, const char *what)
{
	if (lua_isnone(L, arg))
		raise_input(L, what, "%s is required", what);
	if (lua_type(L, arg) != LUA_TSTRING)
		raise_input(L, what, "%s must be a string, not %s", what, luaL_typename(L, arg));
	return no_nul(L, arg, what, what);
}

void check_table(lua_State *L, int arg, const char *what)
{
	if (lua_type(L, arg) != LUA_TTABLE)
		raise_input(L, what, "%s must be a table, not %s", what, luaL_typename(L, arg));
}

const char *check_ifname(lua_State *L, int arg, const char *what)
{
	const char *s = check_str(L, arg, what), *why;

	if ((why = parse_ifname(s)))
		raise_value(L, what, s, why);
	return s;
}

const char *check_nsname(lua_State *L, int arg, const char *what)
{
	const char *s = check_str(L, arg, what), *why;

	if ((why = parse_nsname(s)))
		raise_value(L, what, s, why);
	return s;
}

void check_prefix(lua_State *L, int arg, struct prefix *p)
{
	const char *s = check_str(L, arg, "address"), *why;

	if ((why = parse_prefix(s, p)))
		raise_value(L, "address", s, why);
}

struct ns *check_ns(lua_State *L, int arg)
{
	struct ns *ns = luaL_checkudata(L, arg, NS_MT);

	if (ns->fd < 0)
		raise_plain(L, -EBADF, "the namespace handle is closed");
	return ns;
}

/* the one parser of durations: the value at idx, called what in messages */
static double to_seconds(lua_State *L, int idx, const char *arg, const char *what, int zero_ok)
{
	int ok = 0;
	double v = lua_tonumberx(L, idx, &ok);

	if (!ok || isnan(v) || (zero_ok ? v < 0 : v <= 0))
		raise_input(L, arg, "%s must be a number of seconds %s, not '%s'", what,
			    zero_ok ? ">= 0" : "> 0", luaL_tolstring(L, idx, NULL));
	if (v > SECONDS_MAX)
		raise_input(L, arg, "%s '%s' is more than 24 days", what, luaL_tolstring(L, idx, NULL));
	return v;
}

double check_seconds(lua_State *L, int arg, const char *what, int zero_ok)
{
	return to_seconds(L, arg, what, what, zero_ok);
}

int check_family(lua_State *L, int arg, const char *what)
{
	const char *f;

	if (lua_isnoneornil(L, arg))
		return 0;
	f = check_str(L, arg, what);
	if (!strcmp(f, "inet") || !strcmp(f, "ipv4") || !strcmp(f, "4"))
		return AF_INET;
	if (!strcmp(f, "inet6") || !strcmp(f, "ipv6") || !strcmp(f, "6"))
		return AF_INET6;
	return raise_value(L, what, f, "is not inet or inet6");
}

const char *family_name(int family)
{
	return family == AF_INET ? "inet" : "inet6";
}

/* ---- options --------------------------------------------------------- */

/* Edit distance of a and b (insertions, deletions, substitutions, and two
 * neighbours swapped: "dealy" is one step from "delay"), as check.lua
 * counts it; at most 64 bytes of b considered */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), rows[3][65], i, j, v;
	size_t *two = rows[0], *one = rows[1], *row = rows[2], *t;

	if (lb > 64)
		lb = 64;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		t = two, two = one, one = row, row = t;
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			v = one[j - 1] + (a[i - 1] != b[j - 1]);
			if (one[j] + 1 < v)
				v = one[j] + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && two[j - 2] + 1 < v)
				v = two[j - 2] + 1;
			row[j] = v;
		}
	}
	return row[lb];
}

/* the known option nearest to k, when near enough to be a typo (as the
 * lab's check.lua decides: at most a third of k's length, at least 1) */
static const char *nearest(const char *k, const char *const *known)
{
	size_t len = strlen(k), limit = len / 3 > 1 ? len / 3 : 1, best_d = 0, d;
	const char *best = NULL;
	int i;

	if (len > 64)
		return NULL;
	for (i = 0; known[i]; i++) {
		d = distance(k, known[i]);
		if (d <= limit && (!best || d < best_d || (d == best_d && strcmp(known[i], best) < 0))) {
			best = known[i];
			best_d = d;
		}
	}
	return best;
}

void check_opts(lua_State *L, int arg, const char *const *known)
{
	const char *k;
	int i;

	if (lua_isnoneornil(L, arg))
		return;
	check_table(L, arg, "options");
	lua_pushnil(L);
	while (lua_next(L, arg)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING) {
			const char *type = luaL_typename(L, -1);	/* before tolstring pushes */
			raise_input(L, NULL, "option keys must be strings, not %s '%s'", type,
				    luaL_tolstring(L, -1, NULL));
		}
		k = lua_tostring(L, -1);
		for (i = 0; known[i] && strcmp(k, known[i]); i++)
			;
		if (!known[i]) {
			const char *near = nearest(k, known);

			if (near)
				raise_input(L, k, "unknown option '%s' (did you mean '%s'?)", printable(L, k), near);
			raise_input(L, k, "unknown option '%s'", printable(L, k));
		}
	}
}

int get_opt(lua_State *L, int arg, const char *key)
{
	if (lua_isnoneornil(L, arg)) {
		lua_pushnil(L);
		return LUA_TNIL;
	}
	return lua_getfield(L, arg, key);
}

const char *opt_string(lua_State *L, int arg, const char *key)
{
	int top = lua_gettop(L), t = get_opt(L, arg, key);
	const char *s = NULL;

	if (t == LUA_TSTRING)
		s = no_nul(L, top + 1, key, lua_pushfstring(L, "option '%s'", key));
	else if (t != LUA_TNIL)
		raise_input(L, key, "option '%s' must be a string, not %s", key, luaL_typename(L, -1));
	lua_settop(L, top);	/* the string stays alive in the options table */
	return s;
}

const char *opt_ifname(lua_State *L, int arg, const char *key)
{
	const char *s = opt_string(L, arg, key), *why;

	if (s && (why = parse_ifname(s)))
		raise_input(L, key, "option '%s': name '%s' %s", key, printable(L, s), why);
	return s;
}

lua_Integer opt_int(lua_State *L, int arg, const char *key, lua_Integer lo, lua_Integer hi,
		    lua_Integer def)
{
	int t = get_opt(L, arg, key), isint = 0;
	lua_Integer v = def;

	if (t != LUA_TNIL) {
		v = lua_tointegerx(L, -1, &isint);
		if (!isint || v < lo || v > hi)
			raise_input(L, key, "option '%s' must be an integer in %I..%I, not '%s'",
				    key, lo, hi, luaL_tolstring(L, -1, NULL));
	}
	lua_pop(L, 1);
	return v;
}

int opt_bool(lua_State *L, int arg, const char *key)
{
	int t = get_opt(L, arg, key), v = -1;

	if (t == LUA_TBOOLEAN)
		v = lua_toboolean(L, -1);
	else if (t != LUA_TNIL)
		raise_input(L, key, "option '%s' must be a boolean, not %s", key, luaL_typename(L, -1));
	lua_pop(L, 1);
	return v;
}

double opt_seconds(lua_State *L, int arg, const char *key, double def)
{
	int top = lua_gettop(L);
	double v = def;

	if (get_opt(L, arg, key) != LUA_TNIL)
		v = to_seconds(L, top + 1, key, lua_pushfstring(L, "option '%s'", key), 0);
	lua_settop(L, top);
	return v;
}

void opt_mac(lua_State *L, int arg, const char *key, unsigned char mac[6],
	     const unsigned char **out)
{
	const char *s = opt_string(L, arg, key), *why;

	*out = NULL;
	if (!s)
		return;
	if ((why = parse_mac(s, mac)))
		raise_input(L, key, "option '%s': '%s' %s", key, s, why);
	*out = mac;
}

struct ns *opt_ns(lua_State *L, int arg, const char *key, struct ns *tmp, const char *op,
		  const char *obj, const struct ns *self)
{
	int t = get_opt(L, arg, key), ret;
	struct ns *target = NULL;
	struct err e = ERR_INIT;

	ns_init(tmp);
	if (t == LUA_TUSERDATA && luaL_testudata(L, -1, NS_MT)) {
		target = lua_touserdata(L, -1);
		if (target->fd < 0)
			raise_input(L, key, "option '%s' is a closed namespace handle", key);
	} else if (t == LUA_TSTRING) {
		const char *name = no_nul(L, -1, key, "namespace name"), *why;
		if ((why = parse_nsname(name)))
			raise_input(L, key, "option '%s': namespace name '%s' %s", key,
				    printable(L, name), why);
		if ((ret = ns_open(tmp, name, &e)) < 0)
			raise_core(L, op, lua_pushfstring(L, "%s (namespace %s)", obj, name),
				   ns_label(self), ret, &e);
		target = tmp;
	} else if (t != LUA_TNIL) {
		raise_input(L, key, "option '%s' must be a namespace handle or name, not %s", key,
			    luaL_typename(L, -1));
	}
	lua_pop(L, 1);
	return target;
}
