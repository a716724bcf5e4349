/* l_nat.c - the binding of NAT: masquerade, snat and dnat rules in netlab's own nf_tables table, read back, flushed. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "lnetns.h"
#include "nat.h"

/* Rules live in netlab's own nf_tables table ("inet netlab") of the
 * namespace; other tables are never read, changed or flushed. Each call is
 * one transaction: it applies whole or not at all. Forwarding between
 * interfaces needs net.ipv4.ip_forward=1 (IPv6: net.ipv6.conf.all.forwarding=1)
 * in the namespace that forwards; these functions leave sysctls alone (see
 * ns:sysctl). */

static const char *const masq_opts[] = { "src", "oif", "table", NULL };
static const char *const snat_opts[] = { "src", "to", "oif", "table", NULL };
static const char *const dnat_opts[] = { "proto", "dport", "to", "iif", "table", NULL };
static const char *const table_opts[] = { "table", NULL };

/* opts.table: the table the rules go to (default "netlab") */
static const char *opt_table(lua_State *L, int arg)
{
	const char *t = opt_string(L, arg, "table"), *why;

	if (!t)
		return NAT_TABLE;
	if ((why = nat_check_table(t)))
		raise_input(L, "table", "option 'table': table name '%s' %s", printable(L, t), why);
	return t;
}

static const char *opt_src(lua_State *L, int arg, struct prefix *p)
{
	const char *s = opt_string(L, arg, "src"), *why;

	if (!s)
		raise_input(L, "src", "option 'src' (a source prefix) is required");
	if ((why = parse_prefix(s, p)))
		raise_input(L, "src", "option 'src': prefix '%s' %s", s, why);
	return s;
}

static void opt_iface(lua_State *L, int arg, const char *key, char *buf, size_t len)
{
	const char *s = opt_ifname(L, arg, key);

	if (s)
		snprintf(buf, len, "%s", s);
}

static int nat_apply(lua_State *L, struct ns *ns, const char *op, const char *obj,
		     const struct nat_rule *r)
{
	struct err e = ERR_INIT;
	int ret = nat_add(ns, opt_table(L, 2), r, &e);

	if (ret < 0)
		return raise_core(L, op, obj, ns_label(ns), ret, &e);
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
	opt_iface(L, 2, "oif", r.oif, sizeof(r.oif));
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
		return raise_input(L, "to", "option 'to' (the new source address) is required");
	if ((why = parse_addr(to, &r.to)))
		return raise_input(L, "to", "option 'to': address '%s' %s", to, why);
	if (r.to.family != r.family)
		return raise_input(L, NULL, "snat from '%s' to '%s' mixes IPv4 and IPv6", src, to);
	opt_iface(L, 2, "oif", r.oif, sizeof(r.oif));
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
		return raise_input(L, "proto", "option 'proto' (\"tcp\" or \"udp\") is required");
	if (!strcmp(proto, "tcp"))
		r.proto = IPPROTO_TCP;
	else if (!strcmp(proto, "udp"))
		r.proto = IPPROTO_UDP;
	else
		return raise_input(L, "proto", "option 'proto' '%s' is not tcp or udp", proto);
	if (get_opt(L, 2, "dport") == LUA_TNIL)
		return raise_input(L, "dport", "option 'dport' (the port to forward) is required");
	lua_pop(L, 1);
	r.dport = (unsigned)opt_int(L, 2, "dport", 1, 65535, 0);
	if (!(to = opt_string(L, 2, "to")))
		return raise_input(L, "to", "option 'to' (\"addr\", \"addr:port\" or \"[addr6]:port\") is required");
	if ((why = nat_parse_to(to, &r.to, &r.to_port)))
		return raise_input(L, "to", "option 'to': '%s' %s", to, why);
	r.family = r.to.family;
	opt_iface(L, 2, "iif", r.iif, sizeof(r.iif));
	return nat_apply(L, ns, "nat_dnat", lua_pushfstring(L, "%s/%d", proto, (int)r.dport), &r);
}

static void set_str(lua_State *L, const char *key, const char *value)
{
	lua_pushstring(L, value);
	lua_setfield(L, -2, key);
}

static void push_rule(lua_State *L, const struct nat_rule *r)
{
	static const char *const kinds[] = { "masquerade", "snat", "dnat", "other" };
	char buf[INET6_ADDRSTRLEN];

	lua_createtable(L, 0, 7);
	set_str(L, "kind", kinds[r->kind]);
	if (r->kind == NAT_OTHER) {
		set_str(L, "chain", r->chain);
		lua_pushinteger(L, (lua_Integer)r->handle);
		lua_setfield(L, -2, "handle");
		return;
	}
	set_str(L, "family", family_name(r->family));
	if (r->kind != NAT_DNAT) {
		lua_pushfstring(L, "%s/%d", format_addr(r->family, r->src.addr, buf, sizeof(buf)), r->src.len);
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
}

/* ns:nat_rules([{ table = }]) --> { { kind = "masquerade"|"snat"|"dnat"|"other", ... }, ... } */
static int m_nat_rules(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct err e = ERR_INIT;
	struct nat_rule *v;
	const char *table;
	size_t n, i;
	int ret;

	lua_settop(L, 2);
	check_opts(L, 2, table_opts);
	table = opt_table(L, 2);
	if ((ret = nat_list(ns, table, &v, &n, &e)) < 0)
		return raise_core(L, "nat_rules", lua_pushfstring(L, "table inet %s", table), ns_label(ns), ret, &e);
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		push_rule(L, &v[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(v);
	return 1;
}

/* ns:nat_flush([{ table = }]): the table goes, with every rule in it; no error when absent */
static int m_nat_flush(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct err e = ERR_INIT;
	const char *table;
	int ret;

	lua_settop(L, 2);
	check_opts(L, 2, table_opts);
	table = opt_table(L, 2);
	if ((ret = nat_flush(ns, table, &e)) < 0)
		return raise_core(L, "nat_flush", lua_pushfstring(L, "table inet %s", table), ns_label(ns), ret, &e);
	return 0;
}

void open_nat_methods(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "nat_masquerade", m_nat_masquerade },
		{ "nat_snat", m_nat_snat },
		{ "nat_dnat", m_nat_dnat },
		{ "nat_rules", m_nat_rules },
		{ "nat_flush", m_nat_flush },
		{ NULL, NULL }
	};

	register_funcs(L, methods);
}
