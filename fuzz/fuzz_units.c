/* fuzz_units.c - durations as the binding takes them (laux.c): check_seconds and opt_seconds
 * through a real lua_State, with the value as a Lua string, float or integer. An accepted value is
 * a finite number of seconds, > 0 (>= 0 where zero is allowed), at most SECONDS_MAX; a refused one
 * is an error value (code EINVAL) whose message prints. The same input also goes through
 * printable and no_nul, which quote hostile values in messages. */
#include <math.h>

#include "fuzz.h"
#include "lnetns.h"

static lua_State *L;

/* (value, zero_ok) -> seconds, as a netns function would take it */
static int f_seconds(lua_State *L)
{
	int zero_ok = lua_toboolean(L, 2);

	lua_pushnumber(L, check_seconds(L, 1, "timeout", zero_ok));
	return 1;
}

/* (opts) -> opts.timeout in seconds, 5 when absent */
static int f_opt_seconds(lua_State *L)
{
	lua_pushnumber(L, opt_seconds(L, 1, "timeout", 5));
	return 1;
}

/* (s) -> no_nul(s) and printable(s) */
static int f_text(lua_State *L)
{
	const char *s = no_nul(L, 1, "name", "name");

	FUZZ_CHECK(s && strlen(s) == lua_rawlen(L, 1), "no_nul let a NUL through");
	printable(L, s);
	return 1;
}

static void push_fn(lua_CFunction fn, const char *name)
{
	lua_pushstring(L, name);	/* upvalue 1: the name messages give */
	lua_pushcclosure(L, fn, 1);
}

/* after a refusal: an error value, EINVAL, and a message that prints */
static void check_error(void)
{
	const char *msg;

	FUZZ_CHECK(lua_type(L, -1) == LUA_TTABLE, "error is a %s", luaL_typename(L, -1));
	lua_getfield(L, -1, "code");
	FUZZ_CHECK(lua_isstring(L, -1) && !strcmp(lua_tostring(L, -1), "EINVAL"), "code %s",
		   luaL_tolstring(L, -1, NULL));
	lua_pop(L, 1);
	msg = luaL_tolstring(L, -1, NULL);
	FUZZ_CHECK(!strncmp(msg, "netns: ", 7), "message '%s'", msg);
	lua_pop(L, 1);
}

static void check_seconds_ok(double v, int zero_ok)
{
	FUZZ_CHECK(isfinite(v), "accepted %g", v);
	FUZZ_CHECK(zero_ok ? v >= 0 : v > 0, "accepted %g (zero_ok %d)", v, zero_ok);
	FUZZ_CHECK(v <= SECONDS_MAX, "accepted %g", v);
}

/* the input's value: the bytes as a string, or the first 8 as a float or an integer */
static void push_value(uint8_t how, const uint8_t *d, size_t n)
{
	lua_Number f;
	lua_Integer i;

	if (how % 3 == 0 || n < 8) {
		lua_pushlstring(L, (const char *)d, n);
	} else if (how % 3 == 1) {
		memcpy(&f, d, sizeof(f));
		lua_pushnumber(L, f);
	} else {
		memcpy(&i, d, sizeof(i));
		lua_pushinteger(L, i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int zero_ok;

	if (size < 1)
		return 0;
	/* a state of its own for each input: a crash replays from the input
	 * alone, and what a run allocates is freed by its end (else libFuzzer
	 * takes Lua's lazy collection for leaks and checks after every run) */
	if (!(L = luaL_newstate()))
		abort();
	open_errors(L);
	zero_ok = data[0] & 0x80;

	push_fn(f_seconds, "sleep");
	push_value(data[0], data + 1, size - 1);
	lua_pushboolean(L, zero_ok);
	if (lua_pcall(L, 2, 1, 0) == LUA_OK)
		check_seconds_ok(lua_tonumber(L, -1), zero_ok);
	else
		check_error();
	lua_settop(L, 0);

	push_fn(f_opt_seconds, "ping");
	lua_createtable(L, 0, 1);
	push_value(data[0], data + 1, size - 1);
	lua_setfield(L, -2, "timeout");
	if (lua_pcall(L, 1, 1, 0) == LUA_OK)
		check_seconds_ok(lua_tonumber(L, -1), 0);
	else
		check_error();
	lua_settop(L, 0);

	push_fn(f_text, "add");
	lua_pushlstring(L, (const char *)data + 1, size - 1);
	if (lua_pcall(L, 1, 1, 0) == LUA_OK) {
		size_t len, i;
		const char *p = lua_tolstring(L, -1, &len);
		for (i = 0; i < len; i++)
			FUZZ_CHECK((unsigned char)p[i] >= 0x20 && p[i] != 0x7f, "printable gave byte 0x%02x",
				   (unsigned char)p[i]);
	} else {
		check_error();
		FUZZ_CHECK(memchr(data + 1, 0, size - 1), "no_nul refused a string without a NUL");
	}
	lua_close(L);
	return 0;
}
