/* fuzz_qdisc.h - what fuzz_qdisc and fuzz_tc_units share: the binding's qdisc code in a real
 * lua_State (one per input), the two scheduler clocks a kernel reports, and the round trip
 * request -> dump record -> qdiscs() table that both end with. */
#ifndef NETLAB_FUZZ_QDISC_H
#define NETLAB_FUZZ_QDISC_H

#include <errno.h>
#include <math.h>
#include <linux/rtnetlink.h>

#include "fuzz.h"
#include "l_qdisc.h"

/* /proc/net/psched as psched_load reads it: every kernel since 2.6.31
 * (000003e8 00000040 000f4240 3b9aca00: ticks of 64 ns) and one whose clock
 * says 1 GHz, which tc takes as a tick per nanosecond */
static const struct psched fuzz_psched[2] = {
	{ .tick_in_usec = 15.625, .clock_factor = 1.0 },
	{ .tick_in_usec = 1000.0, .clock_factor = 1000.0 },
};

/* a C function called as the binding calls its own: upvalue 1 is the name
 * its messages give, the arguments already on the stack; 1 when it returned */
static inline int fuzz_lua_call(lua_State *L, lua_CFunction fn, const char *name, int nargs)
{
	lua_pushstring(L, name);
	lua_pushcclosure(L, fn, 1);
	lua_insert(L, -nargs - 1);
	return lua_pcall(L, nargs, 1, 0) == LUA_OK;
}

/* after a refusal: an error value, EINVAL, with a message that prints */
static inline void fuzz_lua_check_error(lua_State *L)
{
	const char *msg;

	FUZZ_CHECK(lua_type(L, -1) == LUA_TTABLE, "error is a %s: %s", luaL_typename(L, -1),
		   lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "");
	lua_getfield(L, -1, "code");
	FUZZ_CHECK(lua_isstring(L, -1) && !strcmp(lua_tostring(L, -1), "EINVAL"), "code %s",
		   luaL_tolstring(L, -1, NULL));
	lua_pop(L, 1);
	msg = luaL_tolstring(L, -1, NULL);
	FUZZ_CHECK(!strncmp(msg, "netns: ", 7), "message '%s'", msg);
	lua_pop(L, 2);
}

/* every number in the table on top (and its tables) is finite, as a
 * script and the JSON of a lab description need it */
static inline void fuzz_lua_check_numbers(lua_State *L, int depth)
{
	FUZZ_CHECK(depth < 4, "tables %d deep", depth);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		FUZZ_CHECK(lua_type(L, -2) == LUA_TSTRING, "a key of type %s", luaL_typename(L, -2));
		if (lua_type(L, -1) == LUA_TNUMBER && !lua_isinteger(L, -1))
			FUZZ_CHECK(isfinite(lua_tonumber(L, -1)), "%s = %g", lua_tostring(L, -2),
				   lua_tonumber(L, -1));
		else if (lua_type(L, -1) == LUA_TTABLE)
			fuzz_lua_check_numbers(L, depth + 1);
		lua_pop(L, 1);
	}
}

/* ---- qdiscs(): one record as a table --------------------------------------- */

struct fuzz_push {
	const struct qdisc_info *q;
	const struct psched *p;
};

static int fuzz_f_push(lua_State *L)
{
	const struct fuzz_push *a = lua_touserdata(L, 1);
	struct devs d = { NULL, 0 };	/* no device known: the index, as for a vanished one */

	push_qdisc(L, a->q, &d, a->p);
	return 1;
}

/* q as qdiscs() shows it: the table pushed (1), or nothing (0: a Lua error
 * other than memory is a broken property) */
static inline void fuzz_push_qdisc(lua_State *L, const struct qdisc_info *q, const struct psched *p)
{
	struct fuzz_push a = { q, p };
	const char *h;

	lua_pushlightuserdata(L, &a);
	FUZZ_CHECK(fuzz_lua_call(L, fuzz_f_push, "qdiscs", 1), "qdiscs raised: %s",
		   luaL_tolstring(L, -1, NULL));
	fuzz_lua_check_numbers(L, 0);
	lua_getfield(L, -1, "kind");
	FUZZ_CHECK(lua_type(L, -1) == LUA_TSTRING && !strcmp(lua_tostring(L, -1), q->kind), "kind");
	lua_pop(L, 1);
	lua_getfield(L, -1, "handle");
	h = lua_tostring(L, -1);
	FUZZ_CHECK(h && strlen(h) >= 2 && h[strlen(h) - 1] == ':', "handle '%s'", h ? h : "nil");
	lua_pop(L, 1);
	lua_getfield(L, -1, "options");
	FUZZ_CHECK(lua_type(L, -1) == LUA_TTABLE, "options");
	lua_pop(L, 1);
}

/* what qdisc_decode must make of any record it takes */
static inline void fuzz_check_info(const struct qdisc_info *q)
{
	FUZZ_CHECK(memchr(q->kind, 0, sizeof(q->kind)), "kind not terminated");
	FUZZ_CHECK(!q->has_netem || !strcmp(q->kind, "netem"), "netem options of a '%s'", q->kind);
	FUZZ_CHECK(!q->has_tbf || !strcmp(q->kind, "tbf"), "tbf options of a '%s'", q->kind);
	FUZZ_CHECK(q->netem.loss_model == NETEM_LOSS_UNSPEC || q->netem.loss_model == NETEM_LOSS_GI ||
		   q->netem.loss_model == NETEM_LOSS_GE, "loss model %d", q->netem.loss_model);
}

/* ---- qdisc_replace: the arguments into a request, and the request built ---- */

/* (kind, params, where, lightuserdata r) -> r filled */
static int fuzz_f_args(lua_State *L)
{
	struct qdisc_req *r = lua_touserdata(L, 4);

	lua_settop(L, 3);
	check_qdisc(L, 1, r);
	lua_pushboolean(L, 1);
	return 1;
}

/* check_qdisc on kind, params, where (the top three values, popped): 1 and
 * *r when taken, 0 when refused as the binding refuses (EINVAL) */
static inline int fuzz_check_qdisc(lua_State *L, struct qdisc_req *r)
{
	memset(r, 0, sizeof(*r));
	r->op = QDISC_REPLACE;
	r->ifindex = 1;
	lua_pushlightuserdata(L, r);
	if (!fuzz_lua_call(L, fuzz_f_args, "qdisc_replace", 4)) {
		fuzz_lua_check_error(L);
		return 0;
	}
	lua_pop(L, 1);
	return 1;
}

/* qdisc_put of r into a buffer of exactly QDISC_MSG_MAX bytes; when built,
 * the request read back as a dump record (the kernel echoes what it took)
 * into *q, and shown as qdiscs() shows it (left on the stack); the length,
 * or -EINVAL with a reason */
static inline int fuzz_put(lua_State *L, const struct qdisc_req *r, const struct psched *p,
			   struct qdisc_info *q)
{
	struct err e = ERR_INIT;
	char *buf = malloc(QDISC_MSG_MAX);
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	int len;

	if (!buf)
		abort();
	len = qdisc_put(buf, r, p, &e);
	if (len < 0) {
		FUZZ_CHECK(len == -EINVAL && e.text[0], "qdisc_put: %d '%s'", len, e.text);
		free(buf);
		return len;
	}
	FUZZ_CHECK(len > 0 && len <= QDISC_MSG_MAX && (uint32_t)len == nlh->nlmsg_len, "length %d", len);
	FUZZ_CHECK(qdisc_decode(nlh, q) == 0, "the request does not read back");
	fuzz_check_info(q);
	FUZZ_CHECK(!strcmp(q->kind, qdisc_kind_name(r->kind)), "kind '%s'", q->kind);
	FUZZ_CHECK(r->kind == QDISC_NETEM ? q->has_netem : q->has_tbf, "%s options not read back",
		   q->kind);
	FUZZ_CHECK(q->ifindex == r->ifindex && q->parent == r->parent && q->handle == r->handle,
		   "where");
	if (r->kind == QDISC_NETEM) {
		const struct netem_opts *o = &r->o.netem;

		FUZZ_CHECK(q->netem.qopt.limit == o->limit, "limit %u as %u", o->limit, q->netem.qopt.limit);
		FUZZ_CHECK(q->netem.qopt.loss == o->loss, "loss %u as %u", o->loss, q->netem.qopt.loss);
		/* tc's default gap with a reorder: every other packet */
		FUZZ_CHECK(q->netem.qopt.gap == (o->gap ? o->gap : o->reorder.probability ? 1 : 0),
			   "gap %u as %u", o->gap, q->netem.qopt.gap);
		FUZZ_CHECK(q->netem.loss_model == o->loss_model, "loss model %d as %d", o->loss_model,
			   q->netem.loss_model);
		FUZZ_CHECK(q->netem.seed_set == o->seed_set && (!o->seed_set || q->netem.seed == o->seed),
			   "seed");
		FUZZ_CHECK(q->netem.slot_set == o->slot_set, "slot");
	} else {
		const struct tbf_opts *o = &r->o.tbf;
		uint64_t rate = q->tbf.rate64 ? q->tbf.rate64 : q->tbf.qopt.rate.rate;

		FUZZ_CHECK(rate == o->rate, "rate %llu as %llu", (unsigned long long)o->rate,
			   (unsigned long long)rate);
		FUZZ_CHECK(!o->limit || q->tbf.qopt.limit == o->limit, "limit");
	}
	free(buf);
	fuzz_push_qdisc(L, q, p);
	return len;
}

#endif
