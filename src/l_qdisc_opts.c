/* l_qdisc_opts.c - netem and tbf parameters from Lua, in tc's units, checked value by value before any request is built. */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "l_qdisc.h"
#include "netem_dist.h"

/* the value at the top of the stack, as a message shows it */
static const char *shown(lua_State *L)
{
	return lua_type(L, -1) == LUA_TSTRING ? printable(L, lua_tostring(L, -1))
					      : luaL_tolstring(L, -1, NULL);
}

static void bad(lua_State *L, const char *key, const char *why)
{
	const char *v = shown(L);

	raise_input(L, key, "option '%s' '%s' %s", key, v, why);
}

/* push t[key] when it is a string or a number (others refused); 0 when absent */
static int value(lua_State *L, int t, const char *key)
{
	int type = get_opt(L, t, key);

	if (type == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	if (type == LUA_TSTRING) {
		int idx = lua_gettop(L);

		no_nul(L, idx, key, lua_pushfstring(L, "option '%s'", key));
		lua_settop(L, idx);
	}
	else if (type != LUA_TNUMBER)
		raise_input(L, key, "option '%s' must be a string or a number, not %s", key,
			    luaL_typename(L, -1));
	return 1;
}

/* a number given in netlab's own unit: finite, >= 0 */
static double plain(lua_State *L, const char *key)
{
	double v = lua_tonumber(L, -1);

	if (isnan(v) || isinf(v))
		bad(L, key, "is not a finite number");
	if (v < 0)
		bad(L, key, "is negative");
	return v;
}

int qopt_time(lua_State *L, int t, const char *key, struct netem_time *out)
{
	const char *why;
	double us, ns;

	if (!value(L, t, key))
		return 0;
	if (lua_type(L, -1) == LUA_TSTRING) {
		/* tc's get_time reads a bare number as microseconds, get_time64 as
		 * nanoseconds: one reading for both fields, tc 6.1's; "ns" units,
		 * which only the 64-bit parser knows, are taken as later tc takes them */
		if (!(why = units_time_us(lua_tostring(L, -1), &us)))
			ns = us * 1e3;
		else if (!units_time_ns(lua_tostring(L, -1), &ns))
			us = ns / 1e3;
		else
			bad(L, key, why);
	} else {
		us = rint(plain(L, key) * 1e6);	/* seconds, to the nearest microsecond */
		ns = us * 1e3;
	}
	if (ns >= 9.2e18)
		bad(L, key, "is too large");
	out->set = 1;
	out->over32 = us >= 4294967296.0;
	out->us = out->over32 ? 0 : (uint32_t)us;
	out->ns = (int64_t)ns;
	lua_pop(L, 1);
	return 1;
}

int qopt_rate(lua_State *L, int t, const char *key, uint64_t *out)
{
	const char *why;
	double bytes;

	if (!value(L, t, key))
		return 0;
	if (lua_type(L, -1) == LUA_TSTRING) {
		if (strchr(lua_tostring(L, -1), '%'))
			bad(L, key, "is a share of the device's speed, which netlab does not read: give a rate");
		if ((why = units_rate(lua_tostring(L, -1), &bytes)))
			bad(L, key, why);
	} else {
		bytes = plain(L, key) / 8;	/* bits per second */
	}
	if (bytes >= 18446744073709551615.0)
		bad(L, key, "is too large");
	*out = (uint64_t)bytes;
	if (!*out)
		bad(L, key, "is less than one byte per second");
	lua_pop(L, 1);
	return 1;
}

int qopt_size(lua_State *L, int t, const char *key, uint32_t max, uint32_t *out)
{
	const char *why;
	double bytes;

	if (!value(L, t, key))
		return 0;
	if (lua_type(L, -1) == LUA_TSTRING) {
		if ((why = units_size(lua_tostring(L, -1), &bytes)))
			bad(L, key, why);
	} else {
		bytes = plain(L, key);
	}
	if (bytes != floor(bytes))
		bad(L, key, "is not a whole number of bytes");
	if (bytes > max)
		bad(L, key, lua_pushfstring(L, "is more than %I", (lua_Integer)max));
	*out = (uint32_t)bytes;
	lua_pop(L, 1);
	return 1;
}

/* a fraction 0..1 from "1.5%" or a number of percent */
int qopt_fraction(lua_State *L, int t, const char *key, double *out)
{
	const char *why;
	double v;

	if (!value(L, t, key))
		return 0;
	if (lua_type(L, -1) == LUA_TSTRING) {
		if ((why = units_percent(lua_tostring(L, -1), &v)))
			bad(L, key, why);
	} else {
		v = plain(L, key) / 100.;
		if (v > 1.0)
			bad(L, key, "is over 100%");
	}
	*out = v;
	lua_pop(L, 1);
	return 1;
}

int qopt_percent(lua_State *L, int t, const char *key, uint32_t *out)
{
	double v;

	if (!qopt_fraction(L, t, key, &v))
		return 0;
	*out = units_percent_u32(v);
	return 1;
}

/* ---- netem ---------------------------------------------------------------- */

static void gemodel(lua_State *L, int t, struct netem_opts *o)
{
	static const char *const keys[] = { "model", "p", "r", "h", "k", NULL };
	double p;

	check_opts(L, t, keys);
	if (!qopt_fraction(L, t, "p", &p))
		raise_input(L, "p", "loss_model gemodel needs 'p'");
	o->ge.p = units_percent_u32(p);
	o->ge.r = units_percent_u32(1. - p);
	o->ge.h = 0;
	o->ge.k1 = 0;
	qopt_percent(L, t, "r", &o->ge.r);
	/* tc takes 1-h (loss in the bad state); the kernel wants h */
	if (qopt_percent(L, t, "h", &o->ge.h))
		o->ge.h = UINT32_MAX - o->ge.h;
	qopt_percent(L, t, "k", &o->ge.k1);
	o->loss_model = NETEM_LOSS_GE;
}

static void state_model(lua_State *L, int t, struct netem_opts *o)
{
	static const char *const keys[] = { "model", "p13", "p31", "p32", "p23", "p14", NULL };
	double p13;

	check_opts(L, t, keys);
	if (!qopt_fraction(L, t, "p13", &p13))
		raise_input(L, "p13", "loss_model state needs 'p13'");
	o->gi.p13 = units_percent_u32(p13);
	o->gi.p31 = units_percent_u32(1. - p13);
	o->gi.p32 = 0;
	o->gi.p23 = units_percent_u32(1.);
	o->gi.p14 = 0;
	qopt_percent(L, t, "p31", &o->gi.p31);
	qopt_percent(L, t, "p32", &o->gi.p32);
	qopt_percent(L, t, "p23", &o->gi.p23);
	qopt_percent(L, t, "p14", &o->gi.p14);
	o->loss_model = NETEM_LOSS_GI;
}

static void loss_model(lua_State *L, int t, struct netem_opts *o)
{
	int top = lua_gettop(L), m;
	const char *model;

	if (get_opt(L, t, "loss_model") == LUA_TNIL) {
		lua_settop(L, top);
		return;
	}
	check_table(L, top + 1, "option 'loss_model'");
	model = opt_string(L, top + 1, "model");
	if (!model || (strcmp(model, "gemodel") && strcmp(model, "state")))
		raise_input(L, "model", "option 'loss_model' needs model = \"gemodel\" or \"state\", not '%s'",
			    model ? printable(L, model) : "nil");
	m = top + 1;
	if (!strcmp(model, "gemodel"))
		gemodel(L, m, o);
	else
		state_model(L, m, o);
	lua_settop(L, top);
}

static void slot(lua_State *L, int t, struct netem_opts *o)
{
	static const char *const keys[] = { "min", "max", "packets", "bytes", NULL };
	int top = lua_gettop(L), s = top + 1;
	struct netem_time min = { 0 }, max = { 0 };
	uint32_t bytes = 0;

	if (get_opt(L, t, "slot") == LUA_TNIL) {
		lua_settop(L, top);
		return;
	}
	check_table(L, s, "option 'slot'");
	check_opts(L, s, keys);
	if (!qopt_time(L, s, "min", &min))
		raise_input(L, "min", "option 'slot' needs 'min' (a time)");
	if (!qopt_time(L, s, "max", &max))
		max = min;
	if (max.ns < min.ns)
		raise_input(L, "max", "option 'slot': 'max' is less than 'min'");
	o->slot.min_delay = min.ns;
	o->slot.max_delay = max.ns;
	o->slot.max_packets = (int32_t)opt_int(L, s, "packets", 0, INT32_MAX, 0);
	qopt_size(L, s, "bytes", INT32_MAX, &bytes);
	o->slot.max_bytes = (int32_t)bytes;
	o->slot_set = 1;
	lua_settop(L, top);
}

/* option `dep` given without `key`, which it belongs to */
static void needs(lua_State *L, int t, const char *dep, int has, const char *key)
{
	int given = get_opt(L, t, dep) != LUA_TNIL;

	lua_pop(L, 1);
	if (given && !has)
		raise_input(L, dep, "option '%s' needs '%s'", dep, key);
}

static void netem_rate(lua_State *L, int t, struct netem_opts *o)
{
	o->rate_set = qopt_rate(L, t, "rate", &o->rate);
	needs(L, t, "packet_overhead", o->rate_set, "rate");
	needs(L, t, "cell_size", o->rate_set, "rate");
	needs(L, t, "cell_overhead", o->rate_set, "rate");
	o->packet_overhead = (int32_t)opt_int(L, t, "packet_overhead", INT32_MIN, INT32_MAX, 0);
	o->cell_size = (uint32_t)opt_int(L, t, "cell_size", 0, UINT32_MAX, 0);
	o->cell_overhead = (int32_t)opt_int(L, t, "cell_overhead", INT32_MIN, INT32_MAX, 0);
}

static void netem_seed(lua_State *L, int t, struct netem_opts *o)
{
	int type = get_opt(L, t, "seed");
	const char *s;
	char *end;

	if (type == LUA_TNUMBER && lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 0) {
		o->seed = (uint64_t)lua_tointeger(L, -1);
	} else if (type == LUA_TSTRING && (s = lua_tostring(L, -1))[0] >= '0' && s[0] <= '9') {
		o->seed = strtoull(s, &end, 10);
		if (*end || (o->seed == UINT64_MAX && strcmp(s, "18446744073709551615")))
			bad(L, "seed", "is not an integer in 0..18446744073709551615");
	} else if (type != LUA_TNIL) {
		bad(L, "seed", "is not an integer in 0..18446744073709551615");
	}
	o->seed_set = type != LUA_TNIL;
	lua_pop(L, 1);
}

static const char *const netem_keys[] = {
	"limit", "delay", "jitter", "correlation", "distribution", "loss", "loss_correlation",
	"loss_model", "ecn", "duplicate", "duplicate_correlation", "corrupt", "corrupt_correlation",
	"reorder", "reorder_correlation", "gap", "rate", "packet_overhead", "cell_size",
	"cell_overhead", "slot", "seed", NULL
};

static void netem_dist_opt(lua_State *L, int t, struct netem_opts *o)
{
	const char *d = opt_string(L, t, "distribution");

	if (d && !(o->dist = netem_dist(d)))
		raise_input(L, "distribution",
			    "option 'distribution' '%s' is not one of normal, pareto, paretonormal",
			    printable(L, d));
}

void qopt_netem(lua_State *L, int t, struct netem_opts *o)
{
	netem_opts_init(o);
	check_opts(L, t, netem_keys);
	qopt_size(L, t, "limit", UINT32_MAX, &o->limit);
	qopt_time(L, t, "delay", &o->delay);
	qopt_time(L, t, "jitter", &o->jitter);
	needs(L, t, "jitter", o->delay.set, "delay");
	o->delay_corr_set = qopt_percent(L, t, "correlation", &o->corr.delay_corr);
	needs(L, t, "correlation", o->jitter.set, "jitter");
	netem_dist_opt(L, t, o);
	qopt_percent(L, t, "loss", &o->loss);
	o->loss_corr_set = qopt_percent(L, t, "loss_correlation", &o->corr.loss_corr);
	needs(L, t, "loss_correlation", get_opt(L, t, "loss") != LUA_TNIL, "loss");
	lua_pop(L, 1);
	loss_model(L, t, o);
	if (get_opt(L, t, "loss") != LUA_TNIL && o->loss_model)
		raise_input(L, "loss_model", "options 'loss' and 'loss_model' are one loss each: give one");
	lua_pop(L, 1);
	o->ecn = opt_bool(L, t, "ecn") == 1;
	qopt_percent(L, t, "duplicate", &o->duplicate);
	o->dup_corr_set = qopt_percent(L, t, "duplicate_correlation", &o->corr.dup_corr);
	o->reorder_set = qopt_percent(L, t, "reorder", &o->reorder.probability);
	o->reorder_corr_set = qopt_percent(L, t, "reorder_correlation", &o->reorder.correlation);
	o->corrupt_set = qopt_percent(L, t, "corrupt", &o->corrupt.probability);
	o->corrupt_corr_set = qopt_percent(L, t, "corrupt_correlation", &o->corrupt.correlation);
	needs(L, t, "duplicate_correlation", get_opt(L, t, "duplicate") != LUA_TNIL, "duplicate");
	lua_pop(L, 1);
	needs(L, t, "reorder_correlation", o->reorder_set, "reorder");
	needs(L, t, "corrupt_correlation", o->corrupt_set, "corrupt");
	o->gap = (uint32_t)opt_int(L, t, "gap", 0, UINT32_MAX, 0);
	netem_rate(L, t, o);
	slot(L, t, o);
	netem_seed(L, t, o);
}

/* ---- tbf ------------------------------------------------------------------ */

static const char *const tbf_keys[] = {
	"rate", "burst", "latency", "limit", "peakrate", "mtu", "minburst", "mpu", "overhead", NULL
};

void qopt_tbf(lua_State *L, int t, struct tbf_opts *o)
{
	struct netem_time lat = { 0 };
	int has_min;

	memset(o, 0, sizeof(*o));
	check_opts(L, t, tbf_keys);
	qopt_rate(L, t, "rate", &o->rate);
	if (qopt_size(L, t, "burst", UINT32_MAX, &o->burst) && !o->burst)
		raise_input(L, "burst", "option 'burst' must be more than 0");
	if (qopt_time(L, t, "latency", &lat)) {
		if (lat.over32)
			raise_input(L, "latency", "option 'latency' is too large");
		o->latency_set = 1;
		o->latency_us = lat.us;
	}
	if (qopt_size(L, t, "limit", UINT32_MAX, &o->limit) && !o->limit)
		raise_input(L, "limit", "option 'limit' must be more than 0");
	qopt_rate(L, t, "peakrate", &o->peakrate);
	has_min = get_opt(L, t, "minburst") != LUA_TNIL;
	lua_pop(L, 1);
	if (qopt_size(L, t, "mtu", 1 << 24, &o->mtu) && has_min)
		raise_input(L, "minburst", "options 'mtu' and 'minburst' are the same: give one");
	if (has_min)
		qopt_size(L, t, "minburst", 1 << 24, &o->mtu);
	qopt_size(L, t, "mpu", 65535, &o->mpu);
	o->overhead = (uint16_t)opt_int(L, t, "overhead", 0, 65535, 0);
}
