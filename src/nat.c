/* nat.c - masquerade, snat and dnat rules in netlab's own table, one nf_tables transaction per call. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>

#include "nat.h"
#include "nft_txn.h"


/* NF_IP_PRI_NAT_SRC / NF_IP_PRI_NAT_DST: what nft calls srcnat and dstnat */
static const struct {
	const char *name;
	unsigned hooknum;
	int prio;
} hooks[NAT_HOOKS] = {
	[NAT_POSTROUTING] = { "postrouting", NF_INET_POST_ROUTING, 100 },
	[NAT_PREROUTING] = { "prerouting", NF_INET_PRE_ROUTING, -100 },
	[NAT_OUTPUT] = { "output", NF_INET_LOCAL_OUT, -100 },
};

const char *nat_chain_name(int hook)
{
	return hook >= 0 && hook < NAT_HOOKS ? hooks[hook].name : "?";
}

const char *nat_check_table(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0)
		return "is empty";
	if (n > NAT_TABLE_MAX)
		return "is longer than 128 bytes";
	if (s[0] == '-')
		return "starts with '-'";
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_-.", s[i]))
			return "has a character other than letters, digits, '_', '-' and '.'";
	return NULL;
}

/* ---- parsing a target ----------------------------------------------- */

static int parse_port(const char *s, unsigned *port)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)s[0]) || strlen(s) > 5)
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v < 1 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

const char *nat_parse_to(const char *s, struct prefix *a, unsigned *port)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon = strchr(s, ':'), *close;
	size_t n;

	*port = 0;
	if (s[0] == '[') {
		close = strchr(s, ']');
		n = close ? (size_t)(close - s - 1) : 0;
		if (!close || n == 0 || n >= sizeof(host))
			return "is not an address, address:port or [IPv6 address]:port";
		memcpy(host, s + 1, n);
		host[n] = '\0';
		if (parse_addr(host, a) || a->family != AF_INET6)
			return "has no IPv6 address inside [ ]";
		if (close[1] == '\0')
			return NULL;
		if (close[1] != ':' || parse_port(close + 2, port))
			return "has a port that is not an integer in 1..65535";
		return NULL;
	}
	/* one colon: IPv4 address and port; more: a bare IPv6 address */
	if (colon && !strchr(colon + 1, ':')) {
		n = (size_t)(colon - s);
		if (n == 0 || n >= sizeof(host))
			return "is not an address, address:port or [IPv6 address]:port";
		memcpy(host, s, n);
		host[n] = '\0';
		if (parse_addr(host, a) || a->family != AF_INET)
			return "is not an address, address:port or [IPv6 address]:port";
		if (parse_port(colon + 1, port))
			return "has a port that is not an integer in 1..65535";
		return NULL;
	}
	if (parse_addr(s, a))
		return "is not an address, address:port or [IPv6 address]:port";
	return NULL;
}

/* ---- building expressions: each returns 0 or -ENOMEM ------------------ */

static int add(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return -ENOMEM;
	nftnl_rule_add_expr(r, e);	/* the rule owns it now */
	return 0;
}

static int add_meta(struct nftnl_rule *r, unsigned key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	return add(r, e);
}

static int add_payload(struct nftnl_rule *r, unsigned base, unsigned off, unsigned len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	}
	return add(r, e);
}

static int add_cmp_eq(struct nftnl_rule *r, const void *data, unsigned len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	return add(r, e);
}

/* reg 1 = (reg 1 & mask) ^ 0: how nft matches a prefix */
static int add_mask(struct nftnl_rule *r, const void *mask, unsigned len)
{
	static const unsigned char zero[16];
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
	return add(r, e);
}

static int add_imm(struct nftnl_rule *r, unsigned reg, const void *data, unsigned len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
		nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
	}
	return add(r, e);
}

/* meta KEY == data */
static int add_meta_eq(struct nftnl_rule *r, unsigned key, const void *data, unsigned len)
{
	int ret = add_meta(r, key);

	return ret ? ret : add_cmp_eq(r, data, len);
}

/* meta nfproto ipv4|ipv6: the first match of every rule in an inet table */
static int add_nfproto(struct nftnl_rule *r, int family)
{
	unsigned char p = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

	return add_meta_eq(r, NFT_META_NFPROTO, &p, 1);
}

static int add_ifname(struct nftnl_rule *r, unsigned key, const char *name)
{
	char buf[NAT_IFNAME_LEN] = { 0 };

	memcpy(buf, name, strnlen(name, IFNAME_MAX));
	return add_meta_eq(r, key, buf, sizeof(buf));
}

/* tcp|udp dport PORT */
static int add_dport(struct nftnl_rule *r, int proto, unsigned port)
{
	unsigned char p = (unsigned char)proto;
	uint16_t be = htons((uint16_t)port);
	int ret = add_meta_eq(r, NFT_META_L4PROTO, &p, 1);

	if (!ret)
		ret = add_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	return ret ? ret : add_cmp_eq(r, &be, sizeof(be));
}

/* ip saddr NET/LEN, ip6 saddr NET/LEN; nothing for /0 */
static int add_saddr(struct nftnl_rule *r, const struct prefix *p)
{
	unsigned char mask[16] = { 0 }, net[16];
	unsigned alen = p->family == AF_INET ? 4 : 16, i;
	int ret;

	if (p->len == 0)
		return 0;
	for (i = 0; i < alen; i++) {
		int bits = p->len - (int)i * 8;
		mask[i] = bits >= 8 ? 0xff : bits > 0 ? (unsigned char)(0xff << (8 - bits)) : 0;
		net[i] = p->addr[i] & mask[i];
	}
	if ((ret = add_payload(r, NFT_PAYLOAD_NETWORK_HEADER,
			       p->family == AF_INET ? 12 : 8, alen)))
		return ret;
	if (p->len < (int)alen * 8 && (ret = add_mask(r, mask, alen)))
		return ret;
	return add_cmp_eq(r, net, alen);
}

static int add_nat(struct nftnl_rule *r, const struct nat_rule *nr)
{
	struct nftnl_expr *e;
	unsigned alen = nr->to.family == AF_INET ? 4 : 16;
	uint16_t port = htons((uint16_t)nr->to_port);
	int ret;

	if ((ret = add_imm(r, NFT_REG_1, nr->to.addr, alen)))
		return ret;
	if (nr->to_port && (ret = add_imm(r, NFT_REG_2, &port, sizeof(port))))
		return ret;
	if ((e = nftnl_expr_alloc("nat"))) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE,
				   nr->kind == NAT_SNAT ? NFT_NAT_SNAT : NFT_NAT_DNAT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY,
				   nr->to.family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
		if (nr->to_port) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
			/* what nft sets whenever a port is given */
			nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
		}
	}
	return add(r, e);
}

/* the expressions of nr, for the chain of hook (in output there is no iif) */
static struct nftnl_rule *rule_new(const char *table, const struct nat_rule *nr, int hook)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	int err;

	if (!r)
		return NULL;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, hooks[hook].name);
	err = add_nfproto(r, nr->family);
	switch (nr->kind) {
	case NAT_MASQUERADE:
	case NAT_SNAT:
		if (!err)
			err = add_saddr(r, &nr->src);
		if (!err && nr->oif[0])
			err = add_ifname(r, NFT_META_OIFNAME, nr->oif);
		if (!err)
			err = nr->kind == NAT_SNAT ? add_nat(r, nr) : add(r, nftnl_expr_alloc("masq"));
		break;
	case NAT_DNAT:
		if (!err && nr->iif[0] && hook == NAT_PREROUTING)
			err = add_ifname(r, NFT_META_IIFNAME, nr->iif);
		if (!err)
			err = add_dport(r, nr->proto, nr->dport);
		if (!err)
			err = add_nat(r, nr);
		break;
	}
	if (err) {
		nftnl_rule_free(r);
		return NULL;
	}
	return r;
}

/* ---- the transaction (nft_txn.c) -------------------------------------- */

/* "add chain": a chain that exists with the same hook is left as it is */
static void txn_chain(struct nft_txn *t, const char *table, int hook)
{
	static const char *const what[NAT_HOOKS] = {
		"chain postrouting", "chain prerouting", "chain output",
	};
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c) {
		t->err = -ENOMEM;
		return;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, hooks[hook].name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "nat");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hooks[hook].hooknum);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, hooks[hook].prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	if ((nlh = nft_txn_put(t, NFT_MSG_NEWCHAIN, NLM_F_CREATE, what[hook]))) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		nft_txn_next(t);
	}
	nftnl_chain_free(c);
}

static void txn_rule(struct nft_txn *t, const char *table, const struct nat_rule *nr, int hook)
{
	static const char *const what[NAT_HOOKS] = {
		"rule in chain postrouting", "rule in chain prerouting", "rule in chain output",
	};
	struct nftnl_rule *r = rule_new(table, nr, hook);
	struct nlmsghdr *nlh;

	if (!r) {
		t->err = -ENOMEM;
		return;
	}
	if ((nlh = nft_txn_put(t, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, what[hook]))) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nft_txn_next(t);
	}
	nftnl_rule_free(r);
}


/* ---- operations ------------------------------------------------------- */

/* what the binding checked already, checked again: the core is used from C too */
static int check_rule(const struct nat_rule *r)
{
	int fam = r->family;

	if (fam != AF_INET && fam != AF_INET6)
		return -EINVAL;
	switch (r->kind) {
	case NAT_SNAT:
		if (r->to.family != fam)
			return -EINVAL;
		/* fall through */
	case NAT_MASQUERADE:
		if (r->src.family != fam || r->src.len < 0 ||
		    r->src.len > (fam == AF_INET ? 32 : 128))
			return -EINVAL;
		break;
	case NAT_DNAT:
		if (r->to.family != fam || r->dport < 1 || r->dport > 65535 ||
		    r->to_port > 65535 ||
		    (r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (parse_ifname(r->oif[0] ? r->oif : "x") || parse_ifname(r->iif[0] ? r->iif : "x"))
		return -EINVAL;
	return 0;
}

int nat_add(struct ns *ns, const char *table, const struct nat_rule *r, struct err *e)
{
	struct nft_txn t;
	struct nl *nl;
	int ret;

	if ((ret = check_rule(r)) < 0)
		return err_set(e, ret, "not a rule netlab makes");
	if (nat_check_table(table))
		return err_set(e, -EINVAL, "not a table name netlab writes");
	if ((ret = ns_nf(ns, &nl, e)) < 0)
		return ret;
	if ((ret = nft_txn_begin(&t, nl, NFPROTO_INET)) < 0)
		return err_set(e, ret, NULL);
	nft_txn_table(&t, NFT_MSG_NEWTABLE, NLM_F_CREATE, table);
	if (r->kind == NAT_DNAT) {
		txn_chain(&t, table, NAT_PREROUTING);
		txn_rule(&t, table, r, NAT_PREROUTING);
		/* traffic the namespace makes itself never passes prerouting;
		 * an input interface never matches there */
		if (!r->iif[0]) {
			txn_chain(&t, table, NAT_OUTPUT);
			txn_rule(&t, table, r, NAT_OUTPUT);
		}
	} else {
		txn_chain(&t, table, NAT_POSTROUTING);
		txn_rule(&t, table, r, NAT_POSTROUTING);
	}
	return nft_txn_commit(&t, e);
}

int nat_flush(struct ns *ns, const char *table, struct err *e)
{
	struct nft_txn t;
	struct nl *nl;
	int ret;

	if (nat_check_table(table))
		return err_set(e, -EINVAL, "not a table name netlab writes");
	if ((ret = ns_nf(ns, &nl, e)) < 0)
		return ret;
	/* "add" then "delete" in one transaction: gone either way, and an
	 * absent table is no error */
	if ((ret = nft_txn_begin(&t, nl, NFPROTO_INET)) < 0)
		return err_set(e, ret, NULL);
	nft_txn_table(&t, NFT_MSG_NEWTABLE, NLM_F_CREATE, table);
	nft_txn_table(&t, NFT_MSG_DELTABLE, 0, table);
	return nft_txn_commit(&t, e);
}
