/* nft_txn.h - one nf_tables transaction (NAT rules, blackholes): messages batched and sent at once, a failure naming the part it was about. */
#ifndef NETLAB_NFT_TXN_H
#define NETLAB_NFT_TXN_H

#include <libmnl/libmnl.h>
#include "err.h"
#include "nl.h"

#define NFT_TXN_LIMIT 8192	/* the batch's size: libmnl wants a buffer twice that */

struct nft_txn {
	struct nl *nl;
	int family;			/* NFPROTO_INET, NFPROTO_NETDEV ... of every message */
	struct mnl_nlmsg_batch *b;
	char what[NL_BATCH_MAX][64];	/* message position -> the part it is about ("" none) */
	int n;
	int err;			/* the first failure while building */
	char buf[2 * NFT_TXN_LIMIT];
};

/* start the batch (its begin message); 0 or -ENOMEM */
int nft_txn_begin(struct nft_txn *t, struct nl *nl, int family);
/* the header of the next message, about the part `what`; NULL (t->err set) when the batch is full */
struct nlmsghdr *nft_txn_put(struct nft_txn *t, int type, int flags, const char *what);
/* the message put is complete */
void nft_txn_next(struct nft_txn *t);
/* a table message (NFT_MSG_NEWTABLE with NLM_F_CREATE, or NFT_MSG_DELTABLE) for table `name` */
void nft_txn_table(struct nft_txn *t, int type, int flags, const char *name);
/* close the batch and send it: 0, or -errno with the part that failed named in e */
int nft_txn_commit(struct nft_txn *t, struct err *e);

#endif
