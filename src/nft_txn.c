/* nft_txn.c - one nf_tables transaction (NAT rules, blackholes): messages batched and sent at once, a failure naming the part it was about. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libnftnl/common.h>
#include <libnftnl/table.h>

#include "nft_txn.h"

int nft_txn_begin(struct nft_txn *t, struct nl *nl, int family)
{
	t->nl = nl;
	t->family = family;
	t->n = t->err = 0;
	t->what[0][0] = '\0';	/* the batch's begin */
	if (!(t->b = mnl_nlmsg_batch_start(t->buf, NFT_TXN_LIMIT)))
		return -ENOMEM;
	nftnl_batch_begin(mnl_nlmsg_batch_current(t->b), ++nl->seq);
	nft_txn_next(t);
	return 0;
}

struct nlmsghdr *nft_txn_put(struct nft_txn *t, int type, int flags, const char *what)
{
	if (t->n >= NL_BATCH_MAX - 1) {
		t->err = -E2BIG;
		return NULL;
	}
	snprintf(t->what[t->n], sizeof(t->what[0]), "%s", what);
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(t->b), (uint16_t)type, (uint16_t)t->family,
				     (uint16_t)(flags | NLM_F_ACK), ++t->nl->seq);
}

void nft_txn_next(struct nft_txn *t)
{
	t->n++;
	if (!mnl_nlmsg_batch_next(t->b) && !t->err)
		t->err = -EMSGSIZE;
}

void nft_txn_table(struct nft_txn *t, int type, int flags, const char *name)
{
	struct nftnl_table *tb = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	char what[64];

	if (!tb) {
		t->err = -ENOMEM;
		return;
	}
	nftnl_table_set_str(tb, NFTNL_TABLE_NAME, name);
	snprintf(what, sizeof(what), "table %s %s", t->family == NFPROTO_NETDEV ? "netdev" : "inet", name);
	if ((nlh = nft_txn_put(t, type, flags, what))) {
		nftnl_table_nlmsg_build_payload(nlh, tb);
		nft_txn_next(t);
	}
	nftnl_table_free(tb);
}

int nft_txn_commit(struct nft_txn *t, struct err *e)
{
	int at, ret;

	nftnl_batch_end(mnl_nlmsg_batch_current(t->b), ++t->nl->seq);
	t->what[t->n][0] = '\0';
	nft_txn_next(t);
	if (t->err) {
		ret = err_set(e, t->err, NULL);
	} else {
		ret = nl_talk_batch(t->nl, mnl_nlmsg_batch_head(t->b), mnl_nlmsg_batch_size(t->b), &at, e);
		if (ret < 0 && at >= 0 && at < t->n && t->what[at][0])
			err_part(e, "%s", t->what[at]);
	}
	mnl_nlmsg_batch_stop(t->b);
	return ret;
}
