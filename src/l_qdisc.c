/* l_qdisc.c - the binding of qdiscs: qdisc_replace/add/change/del, qdisc_batch, qdiscs. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "l_qdisc.h"

/* ---- where: parent and handle, as tc parses them ------------------------ */

/* tc's get_tc_classid: "root", "X:Y", "X:", ":Y" (hex) */
static int parse_classid(const char *s, uint32_t *h)
{
	unsigned long maj = 0, min = 0;
	char *p;

	if (!strcmp(s, "root")) {
		*h = TC_H_ROOT;
		return 0;
	}
	if (!strchr(s, ':') || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return -1;
	if (s[0] != ':') {
		maj = strtoul(s, &p, 16);
		if (p == s || *p != ':' || maj >= (1 << 16))
			return -1;
		s = p;
	}
	s++;
	if (*s) {
		if (*s == '-' || *s == '+' || *s == ' ')
			return -1;
		min = strtoul(s, &p, 16);
		if (*p || min >= (1 << 16))
			return -1;
	}
	*h = (uint32_t)(maj << 16 | min);
	return 0;
}

/* tc's get_qdisc_handle: "X:" (hex major, 1..ffff) */
static int parse_handle(const char *s, uint32_t *h)
{
	unsigned long maj;
	char *p;

	if (!(s[0] >= '0' && s[0] <= '9') && !(s[0] >= 'a' && s[0] <= 'f') && !(s[0] >= 'A' && s[0] <= 'F'))
		return -1;
	maj = strtoul(s, &p, 16);
	if (maj == 0 || maj >= (1 << 16) || (*p != ':' && *p) || (*p == ':' && p[1]))
		return -1;
	*h = (uint32_t)(maj << 16);
	return 0;
}

static void check_where(lua_State *L, int arg, struct qdisc_req *r)
{
	static const char *const keys[] = { "parent", "handle", NULL };
	const char *s;

	r->parent = TC_H_ROOT;
	r->handle = 0;
	check_opts(L, arg, keys);
	if ((s = opt_string(L, arg, "parent")) && parse_classid(s, &r->parent))
		raise_input(L, "parent", "parent '%s' is not \"root\" or a class id like \"1:1\"",
			    printable(L, s));
	if ((s = opt_string(L, arg, "handle")) && parse_handle(s, &r->handle))
		raise_input(L, "handle", "handle '%s' is not a qdisc handle like \"1:\"", printable(L, s));
}

/* kind, params and where at arg, arg + 1, arg + 2 into r */
void check_qdisc(lua_State *L, int arg, struct qdisc_req *r)
{
	const char *kind = check_str(L, arg, "kind");

	if (!strcmp(kind, "netem"))
		r->kind = QDISC_NETEM;
	else if (!strcmp(kind, "tbf"))
		r->kind = QDISC_TBF;
	else
		raise_value(L, "kind", kind, "is not one of netem, tbf");
	if (!lua_isnoneornil(L, arg + 1))
		check_table(L, arg + 1, "params");
	if (r->kind == QDISC_NETEM)
		qopt_netem(L, arg + 1, &r->o.netem);
	else
		qopt_tbf(L, arg + 1, &r->o.tbf);
	if (!lua_isnoneornil(L, arg + 2))
		check_table(L, arg + 2, "where");
	check_where(L, arg + 2, r);
}

static uint32_t check_parent(lua_State *L, int arg)
{
	uint32_t parent = TC_H_ROOT;
	const char *s;

	if (lua_isnoneornil(L, arg))
		return parent;
	s = check_str(L, arg, "parent");
	if (parse_classid(s, &parent))
		raise_value(L, "parent", s, "is not \"root\" or a class id like \"1:1\"");
	return parent;
}

/* ---- one request --------------------------------------------------------- */

static int modify(lua_State *L, int op, const char *name)
{
	struct ns *ns = check_ns(L, 1);
	const char *dev = check_ifname(L, 2, "interface name");
	struct qdisc_req *r = lua_newuserdatauv(L, sizeof(*r), 0);	/* freed by the GC */
	struct err e = ERR_INIT;
	int ret;

	memset(r, 0, sizeof(*r));
	lua_insert(L, 1);	/* the arguments where the checks expect them, shifted by one */
	r->op = op;
	check_qdisc(L, 4, r);
	/* the options first: a bad one is refused whatever the device */
	if ((ret = link_index(ns, dev, &e)) < 0)
		return raise_core(L, name, dev, ns_label(ns), ret, &e);
	r->ifindex = ret;
	if ((ret = qdisc_check(r, &e)) == -EINVAL)
		return raise_input(L, NULL, "%s on %s", e.text, dev);
	if (ret < 0 || (ret = qdisc_do(ns, r, &e)) < 0)
		return raise_core(L, name, dev, ns_label(ns), ret, &e);
	return 0;
}

static int m_qdisc_replace(lua_State *L) { return modify(L, QDISC_REPLACE, "qdisc_replace"); }
static int m_qdisc_add(lua_State *L) { return modify(L, QDISC_ADD, "qdisc_add"); }
static int m_qdisc_change(lua_State *L) { return modify(L, QDISC_CHANGE, "qdisc_change"); }

static int m_qdisc_del(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *dev = check_ifname(L, 2, "interface name");
	struct qdisc_req r = { .op = QDISC_DEL, .kind = QDISC_NONE };
	struct err e = ERR_INIT;
	int ret;

	r.parent = check_parent(L, 3);
	if ((ret = link_index(ns, dev, &e)) < 0)
		return raise_core(L, "qdisc_del", dev, ns_label(ns), ret, &e);
	r.ifindex = ret;
	if ((ret = qdisc_do(ns, &r, &e)) < 0)
		return raise_core(L, "qdisc_del", dev, ns_label(ns), ret, &e);
	return 0;
}

/* ---- a batch ----------------------------------------------------------- */

/* ops[i] at idx into r; devices by d */
static void batch_op(lua_State *L, int idx, struct qdisc_req *r, struct devs *d, struct ns *ns,
		     lua_Integer i)
{
	static const char *const ops[] = { "replace", "add", "change", "del", NULL };
	const char *op, *dev;
	int base = lua_gettop(L) + 1, k;

	if (lua_type(L, idx) != LUA_TTABLE)
		raise_input(L, NULL, "ops[%I] must be a table, not %s", i, luaL_typename(L, idx));
	for (k = 1; k <= 5; k++)
		lua_rawgeti(L, idx, k);	/* op, dev, kind, params, where at base.. */
	op = lua_tostring(L, base);
	for (k = 0; op && ops[k] && strcmp(ops[k], op); k++)
		;
	if (!op || !ops[k])
		raise_input(L, NULL, "ops[%I][1] must be one of replace, add, change, del, not '%s'", i,
			    luaL_tolstring(L, base, NULL));
	r->op = k;
	dev = check_ifname(L, base + 1, "interface name");
	if (r->op == QDISC_DEL) {
		r->kind = QDISC_NONE;
		r->parent = check_parent(L, base + 2);
	} else {
		check_qdisc(L, base + 2, r);
	}
	for (k = 0; k < (int)d->n && strcmp(d->v[k].name, dev); k++)
		;
	if (k == (int)d->n)
		raise_core(L, "qdisc_batch", dev, ns_label(ns), -ENODEV, NULL);
	r->ifindex = d->v[k].index;
	lua_settop(L, base - 1);
}

/* the device of op i, for messages: ops[i][2] */
static const char *op_dev(lua_State *L, int arg, long i)
{
	lua_rawgeti(L, arg, (lua_Integer)i + 1);
	lua_rawgeti(L, -1, 2);
	return lua_tostring(L, -1) ? lua_tostring(L, -1) : "?";
}

static int m_qdisc_batch(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct devs d = { 0 };
	struct err e = ERR_INIT;
	struct qdisc_req *v;
	struct link_info *all;
	lua_Integer n, i;
	long failed;
	int ret;

	check_table(L, 2, "ops");
	lua_settop(L, 2);
	n = (lua_Integer)lua_rawlen(L, 2);
	v = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof(*v), 0);	/* index 3, freed by the GC */
	memset(v, 0, (size_t)(n ? n : 1) * sizeof(*v));
	devs_load(L, ns, &d, "qdisc_batch");
	/* the devices in the Lua heap, so that a bad op raising leaks nothing */
	all = lua_newuserdatauv(L, (d.n ? d.n : 1) * sizeof(*all), 0);
	if (d.n)
		memcpy(all, d.v, d.n * sizeof(*all));
	free(d.v);
	d.v = all;
	for (i = 0; i < n; i++) {
		lua_rawgeti(L, 2, i + 1);
		batch_op(L, lua_gettop(L), &v[i], &d, ns, i + 1);
		lua_pop(L, 1);
		if (v[i].op != QDISC_DEL && (ret = qdisc_check(&v[i], &e)) < 0) {
			if (ret == -EINVAL)
				return raise_input(L, NULL, "ops[%I] on %s: %s", i + 1, op_dev(L, 2, (long)i), e.text);
			return raise_core(L, "qdisc_batch", op_dev(L, 2, (long)i), ns_label(ns), ret, &e);
		}
	}
	if (n && (ret = qdisc_batch(ns, v, (size_t)n, &failed, &e)) < 0)
		return raise_core(L, "qdisc_batch", failed >= 0 ? op_dev(L, 2, failed) : "qdiscs",
				  ns_label(ns), ret, &e);
	return 0;
}

/* ---- qdiscs ------------------------------------------------------------ */

static void set_num(lua_State *L, const char *key, double v)
{
	/* the range first: a double beyond int64_t's is undefined as one */
	if (v < 9e18 && v > -9e18 && v == (double)(int64_t)v)
		lua_pushinteger(L, (lua_Integer)v);	/* 10000000, not 10000000.0 */
	else
		lua_pushnumber(L, v);
	lua_setfield(L, -2, key);
}

static void set_int(lua_State *L, const char *key, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, key);
}

/* a scaled percentage as a number of percent, when not 0 */
static void set_pct(lua_State *L, const char *key, uint32_t v)
{
	if (v)
		set_num(L, key, 100.0 * v / UINT32_MAX);
}

/* tc's print_tc_classid */
static const char *classid(char *buf, size_t len, uint32_t h)
{
	if (h == TC_H_ROOT)
		snprintf(buf, len, "root");
	else if (h == TC_H_UNSPEC)
		snprintf(buf, len, "none");
	else if (TC_H_MAJ(h) == 0)
		snprintf(buf, len, ":%x", TC_H_MIN(h));
	else if (TC_H_MIN(h) == 0)
		snprintf(buf, len, "%x:", TC_H_MAJ(h) >> 16);
	else
		snprintf(buf, len, "%x:%x", TC_H_MAJ(h) >> 16, TC_H_MIN(h));
	return buf;
}

static void push_loss_model(lua_State *L, const struct qdisc_info *q)
{
	if (q->netem.loss_model == NETEM_LOSS_GE) {
		lua_createtable(L, 0, 5);
		lua_pushliteral(L, "gemodel");
		lua_setfield(L, -2, "model");
		set_num(L, "p", 100.0 * q->netem.ge.p / UINT32_MAX);
		set_num(L, "r", 100.0 * q->netem.ge.r / UINT32_MAX);
		set_num(L, "h", 100.0 * (UINT32_MAX - q->netem.ge.h) / UINT32_MAX);
		set_num(L, "k", 100.0 * q->netem.ge.k1 / UINT32_MAX);
	} else {
		lua_createtable(L, 0, 6);
		lua_pushliteral(L, "state");
		lua_setfield(L, -2, "model");
		set_num(L, "p13", 100.0 * q->netem.gi.p13 / UINT32_MAX);
		set_num(L, "p31", 100.0 * q->netem.gi.p31 / UINT32_MAX);
		set_num(L, "p32", 100.0 * q->netem.gi.p32 / UINT32_MAX);
		set_num(L, "p23", 100.0 * q->netem.gi.p23 / UINT32_MAX);
		set_num(L, "p14", 100.0 * q->netem.gi.p14 / UINT32_MAX);
	}
	lua_setfield(L, -2, "loss_model");
}

static void push_netem(lua_State *L, const struct qdisc_info *q, const struct psched *p)
{
	const struct tc_netem_qopt *o = &q->netem.qopt;
	double delay = q->netem.lat64_set ? q->netem.lat64 / 1e9 : psched_usec(p, o->latency) / 1e6;
	double jitter = q->netem.jit64_set ? q->netem.jit64 / 1e9 : psched_usec(p, o->jitter) / 1e6;

	set_int(L, "limit", o->limit);
	if (delay)
		set_num(L, "delay", delay);
	if (jitter)
		set_num(L, "jitter", jitter);
	if (jitter)
		set_pct(L, "correlation", q->netem.corr.delay_corr);
	set_pct(L, "loss", o->loss);
	if (o->loss)
		set_pct(L, "loss_correlation", q->netem.corr.loss_corr);
	if (q->netem.loss_model)
		push_loss_model(L, q);
	set_pct(L, "duplicate", o->duplicate);
	if (o->duplicate)
		set_pct(L, "duplicate_correlation", q->netem.corr.dup_corr);
	set_pct(L, "reorder", q->netem.reorder.probability);
	set_pct(L, "reorder_correlation", q->netem.reorder.correlation);
	set_pct(L, "corrupt", q->netem.corrupt.probability);
	set_pct(L, "corrupt_correlation", q->netem.corrupt.correlation);
	if (o->gap)
		set_int(L, "gap", o->gap);
	if (q->netem.ecn_set && q->netem.ecn) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "ecn");
	}
	if (q->netem.rate_set && q->netem.rate.rate) {
		uint64_t rate = q->netem.rate64 ? q->netem.rate64 : q->netem.rate.rate;

		set_num(L, "rate", (double)rate * 8);
		if (q->netem.rate.packet_overhead)
			set_int(L, "packet_overhead", q->netem.rate.packet_overhead);
		if (q->netem.rate.cell_size)
			set_int(L, "cell_size", q->netem.rate.cell_size);
		if (q->netem.rate.cell_overhead)
			set_int(L, "cell_overhead", q->netem.rate.cell_overhead);
	}
	if (q->netem.slot_set) {
		lua_createtable(L, 0, 4);
		set_num(L, "min", q->netem.slot.min_delay / 1e9);
		set_num(L, "max", q->netem.slot.max_delay / 1e9);
		if (q->netem.slot.max_packets)
			set_int(L, "packets", q->netem.slot.max_packets);
		if (q->netem.slot.max_bytes)
			set_int(L, "bytes", q->netem.slot.max_bytes);
		lua_setfield(L, -2, "slot");
	}
	if (q->netem.seed_set)
		set_int(L, "seed", (lua_Integer)q->netem.seed);
}

static void push_tbf(lua_State *L, const struct qdisc_info *q, const struct psched *p)
{
	const struct tc_tbf_qopt *o = &q->tbf.qopt;
	uint64_t rate = q->tbf.rate64 ? q->tbf.rate64 : o->rate.rate;
	uint64_t prate = q->tbf.prate64 ? q->tbf.prate64 : o->peakrate.rate;
	double lat, lat2;

	set_num(L, "rate", (double)rate * 8);
	set_int(L, "burst", psched_xmitsize(p, rate, o->buffer));
	if (prate) {
		set_num(L, "peakrate", (double)prate * 8);
		set_int(L, "mtu", psched_xmitsize(p, prate, o->mtu));
	}
	set_int(L, "limit", o->limit);
	/* as tc shows it: the time the limit's bytes take, less the bucket's */
	lat = 1e6 * (o->limit / (double)rate) - psched_usec(p, o->buffer);
	if (prate) {
		lat2 = 1e6 * (o->limit / (double)prate) - psched_usec(p, o->mtu);
		if (lat2 > lat)
			lat = lat2;
	}
	/* none at a rate of 0 (a record no tc makes): infinite, not a number */
	if (lat >= 0 && lat < 1e18)
		set_num(L, "latency", floor(lat) / 1e6);
	if (o->rate.mpu)
		set_int(L, "mpu", o->rate.mpu);
	if (o->rate.overhead)
		set_int(L, "overhead", o->rate.overhead);
}

void push_qdisc(lua_State *L, const struct qdisc_info *q, const struct devs *d,
		const struct psched *p)
{
	char buf[32];

	lua_createtable(L, 0, 8);
	devs_set_name(L, d, q->ifindex, "dev");
	lua_pushstring(L, q->kind);
	lua_setfield(L, -2, "kind");
	/* a qdisc's handle is its major number, as tc shows it: "8001:", "0:" */
	lua_pushfstring(L, "%s:", (snprintf(buf, sizeof(buf), "%x", TC_H_MAJ(q->handle) >> 16), buf));
	lua_setfield(L, -2, "handle");
	lua_pushstring(L, classid(buf, sizeof(buf), q->parent));
	lua_setfield(L, -2, "parent");
	if (q->parent == TC_H_ROOT) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "root");
	}
	lua_newtable(L);
	if (q->has_netem)
		push_netem(L, q, p);
	else if (q->has_tbf)
		push_tbf(L, q, p);
	lua_setfield(L, -2, "options");
	lua_createtable(L, 0, 7);
	set_int(L, "bytes", (lua_Integer)q->bytes);
	set_int(L, "packets", q->packets);
	set_int(L, "drops", q->drops);
	set_int(L, "overlimits", q->overlimits);
	set_int(L, "requeues", q->requeues);
	set_int(L, "backlog", q->backlog);
	set_int(L, "qlen", q->qlen);
	lua_setfield(L, -2, "stats");
}

static int m_qdiscs(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *dev = lua_isnoneornil(L, 2) ? NULL : check_ifname(L, 2, "interface name");
	struct qdisc_info *v = NULL;
	struct err e = ERR_INIT;
	struct psched p;
	struct devs d;
	int index = 0, ret;
	size_t i, n = 0;

	if ((ret = psched_load(&p)) < 0)
		return raise_core(L, "qdiscs", "/proc/net/psched", ns_label(ns), ret, NULL);
	devs_load(L, ns, &d, "qdiscs");
	if (dev)
		index = devs_index(L, &d, dev, "qdiscs", ns);
	if ((ret = qdisc_list(ns, index, &v, &n, &e)) < 0) {
		free(d.v);
		return raise_core(L, "qdiscs", dev ? dev : "qdiscs", ns_label(ns), ret, &e);
	}
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		push_qdisc(L, &v[i], &d, &p);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(v);
	free(d.v);
	return 1;
}

/* netns.qdisc_check(kind, params [, where]): true when qdisc_replace would
 * take them; the same error otherwise. Nothing is sent: what the lab uses to
 * refuse a bad value before it makes the link it is for. */
static int l_qdisc_check(lua_State *L)
{
	struct qdisc_req *r;
	struct err e = ERR_INIT;
	int ret;

	lua_settop(L, 3);
	r = lua_newuserdatauv(L, sizeof(*r), 0);	/* freed by the GC */
	memset(r, 0, sizeof(*r));
	r->op = QDISC_REPLACE;
	check_qdisc(L, 1, r);
	if ((ret = qdisc_check(r, &e)) == -EINVAL)
		return raise_input(L, NULL, "%s", e.text);
	if (ret < 0)
		return raise_core(L, "qdisc_check", lua_tostring(L, 1), NULL, ret, &e);
	lua_pushboolean(L, 1);
	return 1;
}

/* netns.rate(value): a rate as tc writes it ("10mbit", "1.5gbit", "100kbps")
 * in bits per second, parsed as the qdisc calls parse it; a number is
 * bits per second already. What the lab sizes a token bucket's burst by. */
static int l_rate(lua_State *L)
{
	const char *s, *why;
	double bytes;

	if (lua_type(L, 1) == LUA_TNUMBER) {
		double v = lua_tonumber(L, 1);
		if (!(v >= 1 && v < 1e19))
			return raise_value(L, "rate", luaL_tolstring(L, 1, NULL), "is not a rate of 1 bit/s or more");
		lua_pushnumber(L, v);
		return 1;
	}
	s = no_nul(L, 1, "rate", "rate");
	if ((why = units_rate(s, &bytes)))
		return raise_value(L, "rate", s, why);
	lua_pushnumber(L, bytes * 8);
	return 1;
}

void open_qdisc_funcs(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "qdisc_check", l_qdisc_check },
		{ "rate", l_rate },
		{ NULL, NULL }
	};

	register_funcs(L, funcs);
}

void open_qdisc_methods(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "qdisc_replace", m_qdisc_replace },
		{ "qdisc_add", m_qdisc_add },
		{ "qdisc_change", m_qdisc_change },
		{ "qdisc_del", m_qdisc_del },
		{ "qdisc_batch", m_qdisc_batch },
		{ "qdiscs", m_qdiscs },
		{ NULL, NULL }
	};

	register_funcs(L, methods);
}
