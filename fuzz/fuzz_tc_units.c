/* fuzz_tc_units.c - tc's units and the qdisc parameters they make. Each line of the input (after
 * its first byte) goes, as an exact-size C string, through units_time_us, units_time_ns,
 * units_rate, units_size and units_percent (with units_percent_u32). Then the lines are read as
 * "key=value" into the params (and "where.KEY", "slot.KEY", "loss_model.KEY" into those tables)
 * of qdisc_replace: check_qdisc (qopt_netem or qopt_tbf: qopt_time, qopt_rate, qopt_size,
 * qopt_percent, the distribution's name to netem_dist, the seed, parse_classid and parse_handle),
 * and what it takes is built by qdisc_put and read back (fuzz_qdisc.h). A value "#N" is the Lua
 * number N, "?1" / "?0" a boolean, anything else a string. The first byte picks netem (bit 0
 * clear) or tbf, and the scheduler clock (bit 1).
 * What must hold: a value taken is finite and >= 0 (not -0), a time in nanoseconds is the one in
 * microseconds times 1000, a fraction is within 0..1 and scales within 0..UINT32_MAX; a refusal
 * says why; parameters are taken or refused as the binding refuses (EINVAL), and a request built
 * fits its buffer and reads back with what it was given. */
#include "fuzz_qdisc.h"

#define MAX_LINES 24

static lua_State *L;

static void check_value(const char *what, const char *s, const char *why, double v)
{
	if (why) {
		FUZZ_CHECK(why[0], "%s('%s') refused without a reason", what, s);
		return;
	}
	FUZZ_CHECK(isfinite(v) && v >= 0 && !signbit(v), "%s('%s') = %g", what, s, v);
}

static void units(const char *s)
{
	double us = -1, ns = -1, rate = -1, size = -1, frac = -1;
	const char *why_us = units_time_us(s, &us), *why_ns = units_time_ns(s, &ns), *why;
	uint32_t scaled;

	check_value("units_time_us", s, why_us, us);
	check_value("units_time_ns", s, why_ns, ns);
	/* the same units, and ns besides: what the one takes the other takes,
	 * the same time; a bare number is tc's microseconds in the one and its
	 * nanoseconds in the other (get_time, get_time64) */
	if (!why_us && us < 1e300) {
		char *end;

		FUZZ_CHECK(!why_ns, "'%s': %g us, but not ns: %s", s, us, why_ns);
		strtod(s, &end);
		if (*end)
			FUZZ_CHECK(fabs(ns - us * 1000) <= 1e-9 * ns, "'%s': %g us, %g ns", s, us, ns);
		else
			FUZZ_CHECK(ns == us, "bare '%s': %g us, %g ns", s, us, ns);
	}
	why = units_rate(s, &rate);
	check_value("units_rate", s, why, rate);
	why = units_size(s, &size);
	check_value("units_size", s, why, size);
	why = units_percent(s, &frac);
	check_value("units_percent", s, why, frac);
	if (!why) {
		FUZZ_CHECK(frac <= 1.0, "'%s' as %g", s, frac);
		scaled = units_percent_u32(frac);
		FUZZ_CHECK(frac < 1.0 || scaled == UINT32_MAX, "'%s' as %u", s, scaled);
		FUZZ_CHECK(frac > 0 || scaled == 0, "'%s' as %u", s, scaled);
	}
}

/* the Lua value a line's value stands for, pushed */
static void push_value(const char *v)
{
	if (v[0] == '#' && lua_stringtonumber(L, v + 1))
		return;
	if (v[0] == '?' && (v[1] == '0' || v[1] == '1') && !v[2])
		lua_pushboolean(L, v[1] == '1');
	else
		lua_pushstring(L, v);
}

/* "key=value", "where.key=value", "slot.key=value", "loss_model.key=value"
 * into the tables at params and where */
static void set(int params, int where, char *line)
{
	char *eq = strchr(line, '='), *dot;
	int t = params;

	if (!eq)
		return;
	*eq = '\0';
	if ((dot = strchr(line, '.'))) {
		*dot = '\0';
		if (!strcmp(line, "where")) {
			t = where;
		} else {
			/* a subtable of params, made when first named */
			if (lua_getfield(L, params, line) != LUA_TTABLE) {
				lua_pop(L, 1);
				lua_newtable(L);
				lua_pushvalue(L, -1);
				lua_setfield(L, params, line);
			}
			t = lua_gettop(L);
		}
		line = dot + 1;
	}
	push_value(eq + 1);
	lua_setfield(L, t, line);
	lua_settop(L, where);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *lines[MAX_LINES];
	const struct psched *p;
	struct qdisc_req *r;
	struct qdisc_info back;
	size_t off = 1, n = 0, i;

	if (size < 1)
		return 0;
	p = &fuzz_psched[(data[0] >> 1) & 1];
	while (off <= size && n < MAX_LINES) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (data + off)) : size - off;

		lines[n++] = fuzz_cstr(data + off, len);
		off += len + 1;
	}
	for (i = 0; i < n; i++)
		units(lines[i]);

	if (!(L = luaL_newstate()) || !(r = malloc(sizeof(*r))))
		abort();
	open_errors(L);
	lua_pushstring(L, data[0] & 1 ? "tbf" : "netem");
	lua_newtable(L);	/* 2: params */
	lua_newtable(L);	/* 3: where */
	for (i = 0; i < n; i++)
		set(2, 3, lines[i]);
	if (fuzz_check_qdisc(L, r))
		fuzz_put(L, r, p, &back);
	lua_close(L);
	free(r);
	for (i = 0; i < n; i++)
		free(lines[i]);
	return 0;
}
