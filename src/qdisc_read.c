/* qdisc_read.c - the qdisc dump (RTM_GETQDISC) and its decoder: kind, handles, statistics, netem and tbf options. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/gen_stats.h>
#include <linux/rtnetlink.h>

#include "qdisc.h"

/* copy a fixed-size struct out of an attribute that holds at least that much */
static int take(const struct nlattr *a, void *dst, size_t len)
{
	if (mnl_attr_get_payload_len(a) < len)
		return 0;
	memcpy(dst, mnl_attr_get_payload(a), len);
	return 1;
}

static void netem_loss(const struct nlattr *nest, struct qdisc_info *q)
{
	const struct nlattr *a;

	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0)
		return;
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == NETEM_LOSS_GI && take(a, &q->netem.gi, sizeof(q->netem.gi)))
			q->netem.loss_model = NETEM_LOSS_GI;
		else if (mnl_attr_get_type(a) == NETEM_LOSS_GE && take(a, &q->netem.ge, sizeof(q->netem.ge)))
			q->netem.loss_model = NETEM_LOSS_GE;
	}
}

static void netem_attr(const struct nlattr *a, struct qdisc_info *q)
{
	switch (mnl_attr_get_type(a)) {
	case TCA_NETEM_CORR:
		q->netem.corr_set = take(a, &q->netem.corr, sizeof(q->netem.corr));
		break;
	case TCA_NETEM_REORDER:
		q->netem.reorder_set = take(a, &q->netem.reorder, sizeof(q->netem.reorder));
		break;
	case TCA_NETEM_CORRUPT:
		q->netem.corrupt_set = take(a, &q->netem.corrupt, sizeof(q->netem.corrupt));
		break;
	case TCA_NETEM_RATE:
		q->netem.rate_set = take(a, &q->netem.rate, sizeof(q->netem.rate));
		break;
	case TCA_NETEM_RATE64:
		take(a, &q->netem.rate64, sizeof(q->netem.rate64));
		break;
	case TCA_NETEM_ECN:
		q->netem.ecn_set = take(a, &q->netem.ecn, sizeof(q->netem.ecn));
		break;
	case TCA_NETEM_LATENCY64:
		q->netem.lat64_set = take(a, &q->netem.lat64, sizeof(q->netem.lat64));
		break;
	case TCA_NETEM_JITTER64:
		q->netem.jit64_set = take(a, &q->netem.jit64, sizeof(q->netem.jit64));
		break;
	case TCA_NETEM_SLOT:
		q->netem.slot_set = take(a, &q->netem.slot, sizeof(q->netem.slot));
		break;
	case NETLAB_TCA_NETEM_PRNG_SEED:
		q->netem.seed_set = take(a, &q->netem.seed, sizeof(q->netem.seed));
		break;
	case TCA_NETEM_LOSS:
		netem_loss(a, q);
		break;
	}
}

/* netem's TCA_OPTIONS: a struct tc_netem_qopt, then attributes */
static void netem_options(const struct nlattr *opts, struct qdisc_info *q)
{
	size_t len = mnl_attr_get_payload_len(opts), off = sizeof(struct tc_netem_qopt);
	const char *p = mnl_attr_get_payload(opts);

	if (len < off)
		return;
	memcpy(&q->netem.qopt, p, off);
	q->has_netem = 1;
	while (len - off >= sizeof(struct nlattr)) {
		const struct nlattr *a = (const struct nlattr *)(p + off);

		if (a->nla_len < sizeof(struct nlattr) || a->nla_len > len - off)
			break;
		netem_attr(a, q);
		off += MNL_ALIGN(a->nla_len);
		if (off > len)
			break;
	}
}

static void tbf_options(const struct nlattr *opts, struct qdisc_info *q)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, opts) {
		switch (mnl_attr_get_type(a)) {
		case TCA_TBF_PARMS:
			q->has_tbf = take(a, &q->tbf.qopt, sizeof(q->tbf.qopt));
			break;
		case TCA_TBF_RATE64:
			take(a, &q->tbf.rate64, sizeof(q->tbf.rate64));
			break;
		case TCA_TBF_PRATE64:
			take(a, &q->tbf.prate64, sizeof(q->tbf.prate64));
			break;
		}
	}
}

static void stats2(const struct nlattr *nest, struct qdisc_info *q)
{
	const struct nlattr *a;
	struct gnet_stats_queue qs;
	struct gnet_stats_basic b;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == TCA_STATS_BASIC && take(a, &b, sizeof(b))) {
			q->bytes = b.bytes;
			q->packets = b.packets;
		} else if (mnl_attr_get_type(a) == TCA_STATS_QUEUE && take(a, &qs, sizeof(qs))) {
			q->qlen = qs.qlen;
			q->backlog = qs.backlog;
			q->drops = qs.drops;
			q->requeues = qs.requeues;
			q->overlimits = qs.overlimits;
		}
	}
}

int qdisc_decode(const struct nlmsghdr *nlh, struct qdisc_info *q)
{
	const struct tcmsg *t = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *opts = NULL;

	if (nlh->nlmsg_type != RTM_NEWQDISC || mnl_nlmsg_get_payload_len(nlh) < sizeof(*t))
		return -1;
	memset(q, 0, sizeof(*q));
	q->ifindex = t->tcm_ifindex;
	q->handle = t->tcm_handle;
	q->parent = t->tcm_parent;
	mnl_attr_for_each(a, nlh, sizeof(*t)) {
		switch (mnl_attr_get_type(a)) {
		case TCA_KIND:
			if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
				snprintf(q->kind, sizeof(q->kind), "%.*s",
					 (int)strnlen(mnl_attr_get_str(a), mnl_attr_get_payload_len(a)),
					 mnl_attr_get_str(a));
			break;
		case TCA_OPTIONS:
			opts = a;
			break;
		case TCA_STATS2:
			if (mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
				stats2(a, q);
			break;
		}
	}
	/* the options are read by kind, which may come after them */
	if (opts && !strcmp(q->kind, "netem"))
		netem_options(opts, q);
	else if (opts && !strcmp(q->kind, "tbf") && mnl_attr_validate(opts, MNL_TYPE_NESTED) == 0)
		tbf_options(opts, q);
	return 0;
}

static int on_qdisc(const struct nlmsghdr *nlh, void *data)
{
	struct nl_vec *a = data;
	struct qdisc_info q;

	if (qdisc_decode(nlh, &q) < 0)
		return MNL_CB_OK;
	return nl_vec_push(a, &q) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int qdisc_list(struct ns *ns, int ifindex, struct qdisc_info **v, size_t *n, struct err *e)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct nl_vec a = { .size = sizeof(struct qdisc_info) };
	struct tcmsg *t;
	struct nl *nl;
	size_t i, k;
	int ret;

	*v = NULL;
	*n = 0;
	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	nlh = nl_put(buf, RTM_GETQDISC, NLM_F_DUMP, sizeof(struct tcmsg));
	t = mnl_nlmsg_get_payload(nlh);
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	if ((ret = nl_dump(nl, nlh, on_qdisc, &a, &a, (void **)v, n, e)) < 0 || !ifindex)
		return ret;
	/* an older kernel dumps every device whatever the request says */
	for (i = k = 0; i < *n; i++)
		if ((*v)[i].ifindex == ifindex)
			(*v)[k++] = (*v)[i];
	*n = k;
	return 0;
}
