/* filter.c - blackholes: netdev base chains with policy drop at a device's ingress and egress, in netlab's own table "netdev netlab-bh". */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>

#include "filter.h"
#include "nft_txn.h"
#include "link.h"


/* a direction's chain: its name's prefix, its hook, how a failure names it */
static const struct {
	int hook;
	const char *prefix;
	unsigned hooknum;
} dirs[] = {
	{ BH_INGRESS, "in-", NF_NETDEV_INGRESS },
	{ BH_EGRESS, "out-", NF_NETDEV_EGRESS },
};
#define NDIRS (sizeof(dirs) / sizeof(dirs[0]))

/* ---- reading the table's chains -------------------------------------- */

/* one chain of the table: netlab's (hook set, dev its device) or another's (hook 0) */
struct chain_rec {
	char dev[IFNAME_MAX + 1];
	int hook;
};

struct attrs {
	const char *table, *name;
};

static int on_attr(const struct nlattr *a, void *data)
{
	struct attrs *t = data;
	int type = mnl_attr_get_type(a);

	if ((type == NFTA_CHAIN_TABLE || type == NFTA_CHAIN_NAME) &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
		if (type == NFTA_CHAIN_TABLE)
			t->table = mnl_attr_get_str(a);
		else
			t->name = mnl_attr_get_str(a);
	}
	return MNL_CB_OK;
}

/* what a chain of this name is: a direction of netlab's for a device, or not */
static void classify(const char *name, struct chain_rec *r)
{
	size_t i, n;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < NDIRS; i++) {
		n = strlen(dirs[i].prefix);
		if (!strncmp(name, dirs[i].prefix, n) && !parse_ifname(name + n)) {
			snprintf(r->dev, sizeof(r->dev), "%s", name + n);
			r->hook = dirs[i].hook;
			return;
		}
	}
}

static int on_chain(const struct nlmsghdr *nlh, void *data)
{
	struct nl_vec *a = data;
	struct attrs t = { NULL, NULL };
	struct chain_rec r;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWCHAIN ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct nfgenmsg))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), on_attr, &t);
	if (!t.table || !t.name || strcmp(t.table, BH_TABLE))
		return MNL_CB_OK;
	classify(t.name, &r);
	return nl_vec_push(a, &r) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

/* every chain of the table (none when there is no table) */
static int chains(struct nl *nl, struct chain_rec **v, size_t *n, struct err *e)
{
	char buf[256];
	struct nl_vec a = { .size = sizeof(struct chain_rec) };
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_NETDEV,
						     NLM_F_DUMP, 0);

	return nl_dump(nl, nlh, on_chain, &a, &a, (void **)v, n, e);
}

int bh_list(struct ns *ns, struct bh_info **out, size_t *n, size_t *others, struct err *e)
{
	struct chain_rec *c = NULL;
	struct bh_info *v = NULL;
	size_t nc = 0, i, k, m = 0;
	struct nl *nl;
	int ret;

	*out = NULL;
	*n = 0;
	if (others)
		*others = 0;
	if ((ret = ns_nf(ns, &nl, e)) < 0 || (ret = chains(nl, &c, &nc, e)) < 0)
		return ret;
	if (nc && !(v = calloc(nc, sizeof(*v)))) {
		free(c);
		return err_set(e, -ENOMEM, NULL);
	}
	for (i = 0; i < nc; i++) {
		if (!c[i].hook) {
			if (others)
				(*others)++;
			continue;
		}
		for (k = 0; k < m && strcmp(v[k].dev, c[i].dev); k++)
			;
		if (k == m)
			snprintf(v[m++].dev, sizeof(v->dev), "%s", c[i].dev);
		v[k].hooks |= c[i].hook;
	}
	free(c);
	if (!m) {
		free(v);
		v = NULL;
	}
	*out = v;
	*n = m;
	return 0;
}

/* the hooks of dev dropped now, and how many chains the table has */
static int state(struct ns *ns, const char *dev, int *hooks, size_t *total, struct err *e)
{
	struct bh_info *v;
	size_t n, others, i;
	int ret = bh_list(ns, &v, &n, &others, e);

	if (ret < 0)
		return ret;
	*hooks = 0;
	*total = others;
	for (i = 0; i < n; i++) {
		if (!strcmp(v[i].dev, dev))
			*hooks = v[i].hooks;
		*total += (v[i].hooks & BH_INGRESS ? 1 : 0) + (v[i].hooks & BH_EGRESS ? 1 : 0);
	}
	free(v);
	return 0;
}

/* ---- the transaction (nft_txn.c) -------------------------------------- */

/* a direction's chain of dev: made (with its hook) or deleted (by name) */
static void txn_chain(struct nft_txn *t, int type, const char *dev, size_t d)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;
	char name[32], what[48];

	if (!c) {
		t->err = -ENOMEM;
		return;
	}
	snprintf(name, sizeof(name), "%s%s", dirs[d].prefix, dev);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, BH_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	if (type == NFT_MSG_NEWCHAIN) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, dirs[d].hooknum);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, BH_PRIORITY);
		nftnl_chain_set_str(c, NFTNL_CHAIN_DEV, dev);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_DROP);
	}
	snprintf(what, sizeof(what), "chain %s", name);
	if ((nlh = nft_txn_put(t, type, type == NFT_MSG_NEWCHAIN ? NLM_F_CREATE : 0, what))) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		nft_txn_next(t);
	}
	nftnl_chain_free(c);
}


/* ---- operations ------------------------------------------------------- */

static int check_args(const char *dev, int hooks, struct err *e)
{
	if (!dev || parse_ifname(dev))
		return err_set(e, -EINVAL, "not a device name");
	if (hooks < 1 || hooks > BH_BOTH)
		return err_set(e, -EINVAL, "no direction to drop");
	return 0;
}

int bh_add(struct ns *ns, const char *dev, int hooks, struct err *e)
{
	struct nft_txn t;
	struct nl *nl;
	size_t total, d;
	int ret, have;

	if ((ret = check_args(dev, hooks, e)) < 0)
		return ret;
	if ((ret = link_index(ns, dev, e)) < 0) {
		if (ret == -ENODEV)
			err_set(e, ret, "device %s not found in %s", dev, ns_label(ns));
		return ret;
	}
	if ((ret = ns_nf(ns, &nl, e)) < 0 || (ret = state(ns, dev, &have, &total, e)) < 0)
		return ret;
	if (!(hooks & ~have))
		return 0;
	if ((ret = nft_txn_begin(&t, nl, NFPROTO_NETDEV)) < 0)
		return err_set(e, ret, NULL);
	nft_txn_table(&t, NFT_MSG_NEWTABLE, NLM_F_CREATE, BH_TABLE);
	for (d = 0; d < NDIRS; d++)
		if (hooks & ~have & dirs[d].hook)
			txn_chain(&t, NFT_MSG_NEWCHAIN, dev, d);
	ret = nft_txn_commit(&t, e);
	/* a kernel without the egress hook (before 5.16, or built without it) */
	if (ret == -EOPNOTSUPP && strstr(e->part, "chain out-"))
		err_set(e, ret, "the kernel has no nftables egress hook (Linux 5.16+, CONFIG_NETFILTER_EGRESS)");
	return ret;
}

int bh_del(struct ns *ns, const char *dev, int hooks, struct err *e)
{
	struct nft_txn t;
	struct nl *nl;
	size_t total, gone = 0, d;
	int ret, have;

	if ((ret = check_args(dev, hooks, e)) < 0)
		return ret;
	if ((ret = ns_nf(ns, &nl, e)) < 0 || (ret = state(ns, dev, &have, &total, e)) < 0)
		return ret;
	if (!(hooks & have))
		return 0;
	if ((ret = nft_txn_begin(&t, nl, NFPROTO_NETDEV)) < 0)
		return err_set(e, ret, NULL);
	for (d = 0; d < NDIRS; d++) {
		if (hooks & have & dirs[d].hook) {
			txn_chain(&t, NFT_MSG_DELCHAIN, dev, d);
			gone++;
		}
	}
	if (gone == total)
		nft_txn_table(&t, NFT_MSG_DELTABLE, 0, BH_TABLE);
	return nft_txn_commit(&t, e);
}
