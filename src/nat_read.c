/* nat_read.c - the rules of netlab's nf_tables table read back from the kernel, decoded into what made them. */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "nat.h"

/* what register 1 holds while a rule is decoded */
enum { L_NONE, L_NFPROTO, L_L4PROTO, L_IIF, L_OIF, L_SADDR, L_DPORT };

struct decode {
	struct nat_rule *r;
	int loaded;
	unsigned loadlen;
	int plen;			/* from a bitwise mask, -1: none */
	unsigned char imm1[16], imm2[2];
	uint32_t imm1len;
	int has_imm2;
	int done;			/* the nat statement came: nothing may follow */
};

static uint32_t eu32(const struct nftnl_expr *e, uint16_t attr)
{
	return nftnl_expr_is_set(e, attr) ? nftnl_expr_get_u32(e, attr) : 0;
}

/* the number of leading one bits of a contiguous mask, -1 if it is not one */
static int mask_len(const unsigned char *m, unsigned len)
{
	unsigned i;
	int n = 0, b, ended = 0;

	for (i = 0; i < len; i++)
		for (b = 7; b >= 0; b--) {
			if (m[i] & (1 << b)) {
				if (ended)
					return -1;
				n++;
			} else {
				ended = 1;
			}
		}
	return n;
}

static int decode_cmp(struct decode *d, const struct nftnl_expr *e)
{
	struct nat_rule *r = d->r;
	const unsigned char *v;
	uint32_t len = 0;

	if (eu32(e, NFTNL_EXPR_CMP_SREG) != NFT_REG_1 || eu32(e, NFTNL_EXPR_CMP_OP) != NFT_CMP_EQ)
		return -1;
	if (!(v = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len)))
		return -1;
	switch (d->loaded) {
	case L_NFPROTO:
		if (len != 1 || r->family)
			return -1;
		r->family = v[0] == NFPROTO_IPV4 ? AF_INET : v[0] == NFPROTO_IPV6 ? AF_INET6 : 0;
		if (!r->family)
			return -1;
		break;
	case L_L4PROTO:
		if (len != 1 || (v[0] != IPPROTO_TCP && v[0] != IPPROTO_UDP) || r->proto)
			return -1;
		r->proto = v[0];
		break;
	case L_IIF:
	case L_OIF: {
		char *name = d->loaded == L_IIF ? r->iif : r->oif;
		/* exactly the zero-padded name: a shorter match is a wildcard */
		if (len != NAT_IFNAME_LEN || v[IFNAME_MAX] || !v[0] || name[0])
			return -1;
		memcpy(name, v, NAT_IFNAME_LEN);
		break;
	}
	case L_SADDR:
		if (len != d->loadlen || r->src.len)
			return -1;
		memcpy(r->src.addr, v, len);
		r->src.len = d->plen >= 0 ? d->plen : (int)len * 8;
		break;
	case L_DPORT:
		if (len != 2 || r->dport)
			return -1;
		r->dport = (unsigned)v[0] << 8 | v[1];
		break;
	default:
		return -1;
	}
	d->loaded = L_NONE;
	return 0;
}

static int decode_meta(struct decode *d, const struct nftnl_expr *e)
{
	if (nftnl_expr_is_set(e, NFTNL_EXPR_META_SREG) || eu32(e, NFTNL_EXPR_META_DREG) != NFT_REG_1)
		return -1;
	switch (eu32(e, NFTNL_EXPR_META_KEY)) {
	case NFT_META_NFPROTO: d->loaded = L_NFPROTO; break;
	case NFT_META_L4PROTO: d->loaded = L_L4PROTO; break;
	case NFT_META_IIFNAME: d->loaded = L_IIF; break;
	case NFT_META_OIFNAME: d->loaded = L_OIF; break;
	default: return -1;
	}
	return 0;
}

static int decode_payload(struct decode *d, const struct nftnl_expr *e)
{
	const struct nat_rule *r = d->r;
	uint32_t base = eu32(e, NFTNL_EXPR_PAYLOAD_BASE), off = eu32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
	uint32_t len = eu32(e, NFTNL_EXPR_PAYLOAD_LEN);

	if (nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_SREG) || eu32(e, NFTNL_EXPR_PAYLOAD_DREG) != NFT_REG_1)
		return -1;
	/* nft also loads only the bytes a byte-aligned prefix needs */
	if (base == NFT_PAYLOAD_NETWORK_HEADER && r->family == AF_INET &&
	    off == 12 && len >= 1 && len <= 4)
		d->loaded = L_SADDR;
	else if (base == NFT_PAYLOAD_NETWORK_HEADER && r->family == AF_INET6 &&
		 off == 8 && len >= 1 && len <= 16)
		d->loaded = L_SADDR;
	else if (base == NFT_PAYLOAD_TRANSPORT_HEADER && r->proto && off == 2 && len == 2)
		d->loaded = L_DPORT;
	else
		return -1;
	d->loadlen = len;
	d->plen = -1;
	return 0;
}

/* a prefix mask on the source address just loaded */
static int decode_bitwise(struct decode *d, const struct nftnl_expr *e)
{
	const unsigned char *v, *x;
	uint32_t len = 0, xlen = 0, i;

	if (d->loaded != L_SADDR || d->plen >= 0 ||
	    eu32(e, NFTNL_EXPR_BITWISE_SREG) != NFT_REG_1 ||
	    eu32(e, NFTNL_EXPR_BITWISE_DREG) != NFT_REG_1 ||
	    eu32(e, NFTNL_EXPR_BITWISE_OP) != NFT_BITWISE_BOOL ||
	    eu32(e, NFTNL_EXPR_BITWISE_LEN) != d->loadlen)
		return -1;
	v = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &len);
	x = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_XOR, &xlen);
	if (!v || !x || len != d->loadlen || xlen != len)
		return -1;
	for (i = 0; i < xlen; i++)
		if (x[i])
			return -1;
	return (d->plen = mask_len(v, len)) < 0 ? -1 : 0;
}

/* the new address (register 1) and port (register 2) of a nat statement */
static int decode_immediate(struct decode *d, const struct nftnl_expr *e)
{
	uint32_t reg = eu32(e, NFTNL_EXPR_IMM_DREG), len = 0;
	const unsigned char *v;

	if (nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT) ||
	    !(v = nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &len)))
		return -1;
	if (reg == NFT_REG_1 && !d->imm1len && (len == 4 || len == 16)) {
		memcpy(d->imm1, v, len);
		d->imm1len = len;
	} else if (reg == NFT_REG_2 && !d->has_imm2 && len == 2) {
		memcpy(d->imm2, v, 2);
		d->has_imm2 = 1;
	} else {
		return -1;
	}
	return 0;
}

static int decode_masq(struct decode *d, const struct nftnl_expr *e)
{
	if (eu32(e, NFTNL_EXPR_MASQ_FLAGS) ||
	    nftnl_expr_is_set(e, NFTNL_EXPR_MASQ_REG_PROTO_MIN) || d->imm1len)
		return -1;
	d->r->kind = NAT_MASQUERADE;
	d->done = 1;
	return 0;
}

static int decode_nat(struct decode *d, const struct nftnl_expr *e)
{
	struct nat_rule *r = d->r;
	uint32_t type = eu32(e, NFTNL_EXPR_NAT_TYPE), fam = eu32(e, NFTNL_EXPR_NAT_FAMILY);
	int has_pmin = nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_PROTO_MIN);

	if (eu32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN) != NFT_REG_1 ||
	    (nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_ADDR_MAX) &&
	     eu32(e, NFTNL_EXPR_NAT_REG_ADDR_MAX) != NFT_REG_1) ||
	    has_pmin != d->has_imm2 ||
	    (has_pmin && eu32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN) != NFT_REG_2) ||
	    (nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_PROTO_MAX) &&
	     eu32(e, NFTNL_EXPR_NAT_REG_PROTO_MAX) != NFT_REG_2))
		return -1;
	if (fam == NFPROTO_IPV4 && d->imm1len == 4)
		r->to.family = AF_INET;
	else if (fam == NFPROTO_IPV6 && d->imm1len == 16)
		r->to.family = AF_INET6;
	else
		return -1;
	memcpy(r->to.addr, d->imm1, d->imm1len);
	r->to.len = (int)d->imm1len * 8;
	if (d->has_imm2)
		r->to_port = (unsigned)d->imm2[0] << 8 | d->imm2[1];
	if (type == NFT_NAT_SNAT)
		r->kind = NAT_SNAT;
	else if (type == NFT_NAT_DNAT)
		r->kind = NAT_DNAT;
	else
		return -1;
	d->done = 1;
	return 0;
}

/* the expressions netlab writes, each with its decoder */
static const struct {
	const char *name;
	int (*decode)(struct decode *d, const struct nftnl_expr *e);
} decoders[] = {
	{ "meta", decode_meta }, { "payload", decode_payload }, { "bitwise", decode_bitwise },
	{ "cmp", decode_cmp }, { "immediate", decode_immediate }, { "masq", decode_masq },
	{ "nat", decode_nat },
};
#define N_DECODERS (sizeof(decoders) / sizeof(decoders[0]))

/* one expression of a rule, in order; -1 for anything netlab does not write */
static int decode_expr(struct nftnl_expr *e, void *data)
{
	struct decode *d = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	size_t i;

	if (!name || d->done)
		return -1;	/* nothing may follow the nat statement */
	for (i = 0; i < N_DECODERS; i++)
		if (!strcmp(name, decoders[i].name))
			return decoders[i].decode(d, e);
	return -1;
}

/* 0 when the rule is one netlab writes; r describes it */
static int decode_rule(struct nftnl_rule *nr, struct nat_rule *r)
{
	struct decode d = { .r = r, .plen = -1 };

	if (nftnl_expr_foreach(nr, decode_expr, &d) < 0 || !d.done || !r->family ||
	    d.loaded != L_NONE)
		return -1;
	switch (r->kind) {
	case NAT_MASQUERADE:
	case NAT_SNAT:
		if (r->proto || r->dport || r->iif[0] || (r->kind == NAT_SNAT &&
		    r->to.family != r->family) || r->to_port)
			return -1;
		r->src.family = r->family;	/* no address match: any source */
		break;
	case NAT_DNAT:
		if (!r->proto || !r->dport || r->src.len || r->oif[0] ||
		    r->to.family != r->family)
			return -1;
		break;
	}
	return 0;
}

struct list_ctx {
	struct nl_vec a;
	const char *table;	/* only its rules: the kernel filters, but says so by name */
};

/* ---- what libnftnl is given --------------------------------------------- */

/*
 * libnftnl trusts the kernel: it reads the nfgenmsg whatever the length,
 * takes strings as NUL-terminated, and when an attribute it knows has the
 * wrong size it calls exit() ("nf_tables kernel ABI is broken"), which
 * would end netlab. So a rule is looked over here first, with libmnl
 * alone, and libnftnl reads only a rule of the expressions netlab writes
 * whose every attribute has the size theirs have.
 */
enum { RULE_BAD, RULE_OURS, RULE_FOREIGN };

struct rule_head {
	int family;			/* the nfgenmsg's */
	const char *table, *chain;	/* in the message, NUL-terminated; NULL: absent */
	uint64_t handle;
};

/* the value nests of netlab's expressions: a mask, a xor, what cmp compares, an immediate */
static int is_value_nest(const char *expr, unsigned type)
{
	if (!strcmp(expr, "bitwise"))
		return type == NFTA_BITWISE_MASK || type == NFTA_BITWISE_XOR || type == NFTA_BITWISE_DATA;
	if (!strcmp(expr, "cmp"))
		return type == NFTA_CMP_DATA;
	if (!strcmp(expr, "immediate"))
		return type == NFTA_IMMEDIATE_DATA;
	return 0;
}

/* one element of the expression list: RULE_OURS when it is one of netlab's
 * expressions, its attributes u32s (exactly 4 bytes: libmnl's check, which
 * libnftnl makes, refuses more as well as less) or value nests that hold
 * values only (no verdict: netlab writes none) */
static int check_expr(const struct nlattr *elem)
{
	const struct nlattr *a, *v, *name = NULL, *data = NULL;
	const char *s;
	size_t i;

	if (mnl_attr_get_type(elem) != NFTA_LIST_ELEM || mnl_attr_validate(elem, MNL_TYPE_NESTED) < 0)
		return RULE_FOREIGN;
	mnl_attr_for_each_nested(a, elem) {
		if (mnl_attr_get_type(a) == NFTA_EXPR_NAME)
			name = a;
		else if (mnl_attr_get_type(a) == NFTA_EXPR_DATA)
			data = a;
		else
			return RULE_FOREIGN;
		if (mnl_attr_validate(a, a == name ? MNL_TYPE_NUL_STRING : MNL_TYPE_NESTED) < 0)
			return RULE_FOREIGN;
	}
	if (!name)
		return RULE_FOREIGN;
	s = mnl_attr_get_str(name);
	for (i = 0; i < N_DECODERS && strcmp(s, decoders[i].name); i++)
		;
	if (i == N_DECODERS)
		return RULE_FOREIGN;
	if (data)
		mnl_attr_for_each_nested(a, data) {
			if (!is_value_nest(s, mnl_attr_get_type(a))) {
				if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
					return RULE_FOREIGN;
				continue;
			}
			if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
				return RULE_FOREIGN;
			mnl_attr_for_each_nested(v, a)
				if (mnl_attr_get_type(v) != NFTA_DATA_VALUE)
					return RULE_FOREIGN;
		}
	return RULE_OURS;
}

/* RULE_BAD when the table, the chain or the handle cannot be read;
 * RULE_OURS when libnftnl may read the rest; RULE_FOREIGN otherwise */
static int check_rule(const struct nlmsghdr *nlh, struct rule_head *h)
{
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *e;
	int kind = RULE_OURS;

	memset(h, 0, sizeof(*h));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nfg))
		return RULE_BAD;
	h->family = nfg->nfgen_family;
	mnl_attr_for_each(a, nlh, sizeof(*nfg)) {
		switch (mnl_attr_get_type(a)) {
		case NFTA_RULE_TABLE:
		case NFTA_RULE_CHAIN:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				return RULE_BAD;
			*(mnl_attr_get_type(a) == NFTA_RULE_TABLE ? &h->table : &h->chain) = mnl_attr_get_str(a);
			break;
		case NFTA_RULE_HANDLE:
			if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
				return RULE_BAD;
			h->handle = be64toh(mnl_attr_get_u64(a));
			break;
		case NFTA_RULE_POSITION:
			if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
				kind = RULE_FOREIGN;
			break;
		case NFTA_RULE_ID:
		case NFTA_RULE_POSITION_ID:
		case NFTA_RULE_CHAIN_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				kind = RULE_FOREIGN;
			break;
		case NFTA_RULE_EXPRESSIONS:
			if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
				kind = RULE_FOREIGN;
			else
				mnl_attr_for_each_nested(e, a)
					if (check_expr(e) != RULE_OURS)
						kind = RULE_FOREIGN;
			break;
		case NFTA_RULE_COMPAT:	/* iptables-nft's: never netlab's */
			kind = RULE_FOREIGN;
			break;
		}
	}
	return kind;
}

int nat_rule_decode(const struct nlmsghdr *nlh, const char *table, struct nat_rule *r)
{
	struct nftnl_rule *nr;
	struct rule_head h;
	int kind;

	if (NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWRULE)
		return 0;
	kind = check_rule(nlh, &h);
	if (kind == RULE_BAD || h.family != NFPROTO_INET || !h.table || strcmp(h.table, table) ||
	    !h.chain)
		return 0;
	memset(r, 0, sizeof(*r));
	r->kind = NAT_OTHER;
	if (kind == RULE_OURS) {
		if (!(nr = nftnl_rule_alloc()))
			return -ENOMEM;
		if (nftnl_rule_nlmsg_parse(nlh, nr) < 0) {
			nftnl_rule_free(nr);
			return 0;	/* nothing we could read */
		}
		if (decode_rule(nr, r) < 0) {
			memset(r, 0, sizeof(*r));
			r->kind = NAT_OTHER;
		}
		nftnl_rule_free(nr);
	}
	snprintf(r->chain, sizeof(r->chain), "%s", h.chain);
	r->handle = h.handle;
	return 1;
}

static int on_rule(const struct nlmsghdr *nlh, void *data)
{
	struct list_ctx *c = data;
	struct nat_rule r;
	int ret = nat_rule_decode(nlh, c->table, &r);

	if (ret < 0 || (ret > 0 && nl_vec_push(&c->a, &r) < 0)) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/* the output chain's copy of a prerouting dnat rule */
static int is_copy(const struct nat_rule *o, const struct nat_rule *v, size_t n)
{
	size_t i;

	if (o->kind != NAT_DNAT || strcmp(o->chain, nat_chain_name(NAT_OUTPUT)))
		return 0;
	for (i = 0; i < n; i++)
		if (v[i].kind == NAT_DNAT && !strcmp(v[i].chain, nat_chain_name(NAT_PREROUTING)) &&
		    !v[i].iif[0] && v[i].family == o->family && v[i].proto == o->proto &&
		    v[i].dport == o->dport && v[i].to_port == o->to_port &&
		    !memcmp(v[i].to.addr, o->to.addr, sizeof(o->to.addr)))
			return 1;
	return 0;
}

int nat_list(struct ns *ns, const char *table, struct nat_rule **rules, size_t *n, struct err *e)
{
	char buf[512];
	struct list_ctx c = { .a = { .size = sizeof(struct nat_rule) }, .table = table };
	struct nat_rule *v;
	struct nftnl_rule *filter;
	struct nlmsghdr *nlh;
	struct nl *nl;
	size_t i, k, all;
	int ret;

	*rules = NULL;
	*n = 0;
	if (nat_check_table(table))
		return err_set(e, -EINVAL, "not a table name netlab writes");
	if ((ret = ns_nf(ns, &nl, e)) < 0)
		return ret;
	if (!(filter = nftnl_rule_alloc()))
		return err_set(e, -ENOMEM, NULL);
	/* the kernel dumps only the rules of the table named here */
	nftnl_rule_set_str(filter, NFTNL_RULE_TABLE, table);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP, 0);
	nftnl_rule_nlmsg_build_payload(nlh, filter);
	nftnl_rule_free(filter);
	if ((ret = nl_dump(nl, nlh, on_rule, &c, &c.a, (void **)&v, &all, e)) < 0)
		return ret;
	/* compacting in place keeps every prerouting rule somewhere in
	 * v[0..k) or v[i..n), which is all is_copy looks at */
	for (i = k = 0; i < all; i++)
		if (!is_copy(&v[i], v, all))
			v[k++] = v[i];
	*rules = v;
	*n = k;
	return 0;
}
