/* qdisc.c - RTM_NEWQDISC / RTM_DELQDISC for netem and tbf, encoded as tc 6.1 encodes them, one at a time or batched. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "netem_dist.h"
#include "qdisc.h"

const char *qdisc_kind_name(int kind)
{
	return kind == QDISC_NETEM ? "netem" : kind == QDISC_TBF ? "tbf" : "";
}

void netem_opts_init(struct netem_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->limit = 1000;
}

/* TCA_OPTIONS as tc opens it: no NLA_F_NESTED (libmnl's nest would set it) */
static struct nlattr *options_start(struct nlmsghdr *nlh, const void *head, size_t len)
{
	struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);

	mnl_attr_put(nlh, TCA_OPTIONS, len, head);
	return a;
}

static void options_end(struct nlmsghdr *nlh, struct nlattr *a)
{
	a->nla_len = (uint16_t)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)a);
}

/* the options no qdisc would take together: tc's own refusals */
static int netem_check(const struct netem_opts *o, int no_delay, struct err *e)
{
	int no_jitter = !o->jitter.set || (o->jitter.over32 ? 0 : !o->jitter.us) || !o->jitter.ns;

	if (o->reorder.probability && no_delay)
		return err_set(e, -EINVAL, "option 'reorder' needs a 'delay' (reordering sends the rest late)");
	if (!o->reorder.probability && o->gap)
		return err_set(e, -EINVAL, "option 'gap' needs 'reorder'");
	if (o->ecn && !o->loss && o->loss_model == NETEM_LOSS_UNSPEC)
		return err_set(e, -EINVAL, "option 'ecn' needs 'loss' or 'loss_model'");
	if (o->dist && (no_delay || no_jitter))
		return err_set(e, -EINVAL, "option 'distribution' needs a 'delay' and a 'jitter'");
	return 0;
}

static void netem_loss_model(struct nlmsghdr *nlh, const struct netem_opts *o)
{
	struct nlattr *nest;

	if (o->loss_model == NETEM_LOSS_UNSPEC)
		return;
	nest = mnl_attr_nest_start(nlh, TCA_NETEM_LOSS);	/* tc sets NLA_F_NESTED here */
	if (o->loss_model == NETEM_LOSS_GI)
		mnl_attr_put(nlh, NETEM_LOSS_GI, sizeof(o->gi), &o->gi);
	else
		mnl_attr_put(nlh, NETEM_LOSS_GE, sizeof(o->ge), &o->ge);
	mnl_attr_nest_end(nlh, nest);
}

static void netem_rate(struct nlmsghdr *nlh, const struct netem_opts *o)
{
	struct tc_netem_rate rate = {
		.packet_overhead = o->packet_overhead,
		.cell_size = o->cell_size,
		.cell_overhead = o->cell_overhead,
	};

	if (!o->rate_set)
		return;
	if (o->rate >= (1ULL << 32)) {
		mnl_attr_put(nlh, TCA_NETEM_RATE64, sizeof(o->rate), &o->rate);
		rate.rate = ~0U;
	} else {
		rate.rate = (uint32_t)o->rate;
	}
	mnl_attr_put(nlh, TCA_NETEM_RATE, sizeof(rate), &rate);
}

static int netem_put(struct nlmsghdr *nlh, const struct netem_opts *o, const struct psched *p,
		     struct err *e)
{
	struct tc_netem_qopt q = {
		.limit = o->limit, .loss = o->loss, .gap = o->gap, .duplicate = o->duplicate,
	};
	/* a time whose ticks overflow 32 bits goes as nanoseconds, both do */
	int wide = (o->delay.set && (o->delay.over32 || psched_too_big(p, o->delay.us))) ||
		   (o->jitter.set && (o->jitter.over32 || psched_too_big(p, o->jitter.us)));
	struct nlattr *opts;
	int ecn = 1, ret;

	if (!wide) {
		q.latency = o->delay.set ? psched_ticks(p, o->delay.us) : 0;
		q.jitter = o->jitter.set ? psched_ticks(p, o->jitter.us) : 0;
	}
	if ((ret = netem_check(o, wide ? !o->delay.ns : !q.latency, e)) < 0)
		return ret;
	if (o->reorder.probability && !q.gap)
		q.gap = 1;	/* tc's default: every other packet goes first */
	opts = options_start(nlh, &q, sizeof(q));
	if (wide && o->delay.set)
		mnl_attr_put(nlh, TCA_NETEM_LATENCY64, sizeof(o->delay.ns), &o->delay.ns);
	if (wide && o->jitter.set)
		mnl_attr_put(nlh, TCA_NETEM_JITTER64, sizeof(o->jitter.ns), &o->jitter.ns);
	if (o->delay_corr_set || o->loss_corr_set || o->dup_corr_set || o->reorder_corr_set ||
	    o->corrupt_corr_set)
		mnl_attr_put(nlh, TCA_NETEM_CORR, sizeof(o->corr), &o->corr);
	if (o->reorder_set)
		mnl_attr_put(nlh, TCA_NETEM_REORDER, sizeof(o->reorder), &o->reorder);
	if (o->ecn)
		mnl_attr_put(nlh, TCA_NETEM_ECN, sizeof(ecn), &ecn);
	if (o->corrupt_set)
		mnl_attr_put(nlh, TCA_NETEM_CORRUPT, sizeof(o->corrupt), &o->corrupt);
	if (o->slot_set)
		mnl_attr_put(nlh, TCA_NETEM_SLOT, sizeof(o->slot), &o->slot);
	netem_loss_model(nlh, o);
	netem_rate(nlh, o);
	if (o->seed_set)
		mnl_attr_put(nlh, NETLAB_TCA_NETEM_PRNG_SEED, sizeof(o->seed), &o->seed);
	if (o->dist)
		mnl_attr_put(nlh, TCA_NETEM_DELAY_DIST, NETEM_DIST_LEN * sizeof(int16_t), o->dist);
	options_end(nlh, opts);
	return 0;
}

/* tc_calc_rtable: the time to send (i + 1) << cell_log bytes, for 256 sizes */
static void rate_table(const struct psched *p, struct tc_ratespec *r, uint32_t *tab, uint32_t mtu)
{
	int cell_log = 0, i;

	if (!mtu)
		mtu = 2047;
	while ((mtu >> cell_log) > 255)
		cell_log++;
	for (i = 0; i < 256; i++) {
		uint32_t sz = (uint32_t)(i + 1) << cell_log;

		if (sz < r->mpu)
			sz = r->mpu;
		tab[i] = psched_xmittime(p, r->rate, sz);
	}
	r->cell_align = -1;
	r->cell_log = (unsigned char)cell_log;
	r->linklayer = TC_LINKLAYER_ETHERNET;
}

/* the time to send size bytes at rate must fit tc's 32-bit microseconds and ticks */
static int xmit_fits(const struct psched *p, uint64_t rate, uint32_t size)
{
	double us = 1000000 * ((double)size / (double)rate);

	return us < 4294967296.0 && !psched_too_big(p, (uint32_t)us);
}

static uint64_t rate32(uint64_t rate)
{
	return rate >= (1ULL << 32) ? ~0U : rate;
}

/* the largest packet size a rate table holds: 256 cells */
static uint32_t table_top(const struct tbf_opts *o)
{
	uint32_t mtu = o->mtu ? o->mtu : 2047, top;
	int cell_log = 0;

	while ((mtu >> cell_log) > 255)
		cell_log++;
	top = (uint32_t)256 << cell_log;
	return top > o->mpu ? top : o->mpu;
}

static int tbf_check(const struct tbf_opts *o, const struct psched *p, struct err *e)
{
	if (!o->rate)
		return err_set(e, -EINVAL, "tbf needs a 'rate'");
	if (!o->burst)
		return err_set(e, -EINVAL, "tbf needs a 'burst'");
	if (o->peakrate && !o->mtu)
		return err_set(e, -EINVAL, "option 'peakrate' needs an 'mtu'");
	if (!o->limit && !o->latency_set)
		return err_set(e, -EINVAL, "tbf needs a 'latency' or a 'limit'");
	if (o->limit && o->latency_set)
		return err_set(e, -EINVAL, "tbf takes a 'latency' or a 'limit', not both");
	/* the burst, and the largest size of the rate tables */
	if (!xmit_fits(p, rate32(o->rate), o->burst) || !xmit_fits(p, rate32(o->rate), table_top(o)))
		return err_set(e, -EINVAL, "option 'burst': sending it at that 'rate' takes too long");
	if (o->peakrate && (!xmit_fits(p, rate32(o->peakrate), o->mtu) ||
			    !xmit_fits(p, rate32(o->peakrate), table_top(o))))
		return err_set(e, -EINVAL, "option 'mtu': sending it at that 'peakrate' takes too long");
	return 0;
}

static int tbf_put(struct nlmsghdr *nlh, const struct tbf_opts *o, const struct psched *p,
		   struct err *e)
{
	struct tc_tbf_qopt q = { .limit = o->limit };
	uint32_t rtab[256], ptab[256];
	struct nlattr *opts;
	int ret;

	if ((ret = tbf_check(o, p, e)) < 0)
		return ret;
	q.rate.rate = o->rate >= (1ULL << 32) ? ~0U : (uint32_t)o->rate;
	q.peakrate.rate = o->peakrate >= (1ULL << 32) ? ~0U : (uint32_t)o->peakrate;
	if (!q.limit) {
		/* what the bucket and the latency hold, as tc works it out */
		double lim = o->rate * (double)o->latency_us / 1000000 + o->burst;

		if (o->peakrate) {
			double lim2 = o->peakrate * (double)o->latency_us / 1000000 + o->mtu;
			if (lim2 < lim)
				lim = lim2;
		}
		q.limit = lim >= 4294967295.0 ? ~0U : (uint32_t)lim;
	}
	q.rate.mpu = o->mpu;
	q.rate.overhead = o->overhead;
	rate_table(p, &q.rate, rtab, o->mtu);
	q.buffer = psched_xmittime(p, q.rate.rate, o->burst);
	if (q.peakrate.rate) {
		q.peakrate.mpu = o->mpu;
		q.peakrate.overhead = o->overhead;
		rate_table(p, &q.peakrate, ptab, o->mtu);
		q.mtu = psched_xmittime(p, q.peakrate.rate, o->mtu);
	}
	opts = options_start(nlh, NULL, 0);
	mnl_attr_put(nlh, TCA_TBF_PARMS, sizeof(q), &q);
	mnl_attr_put(nlh, TCA_TBF_BURST, sizeof(o->burst), &o->burst);
	if (o->rate >= (1ULL << 32))
		mnl_attr_put(nlh, TCA_TBF_RATE64, sizeof(o->rate), &o->rate);
	mnl_attr_put(nlh, TCA_TBF_RTAB, sizeof(rtab), rtab);
	if (q.peakrate.rate) {
		if (o->peakrate >= (1ULL << 32))
			mnl_attr_put(nlh, TCA_TBF_PRATE64, sizeof(o->peakrate), &o->peakrate);
		mnl_attr_put(nlh, TCA_TBF_PBURST, sizeof(o->mtu), &o->mtu);
		mnl_attr_put(nlh, TCA_TBF_PTAB, sizeof(ptab), ptab);
	}
	options_end(nlh, opts);
	return 0;
}

int qdisc_put(void *buf, const struct qdisc_req *r, const struct psched *p, struct err *e)
{
	static const int flags[] = {
		[QDISC_REPLACE] = NLM_F_CREATE | NLM_F_REPLACE,
		[QDISC_ADD] = NLM_F_CREATE | NLM_F_EXCL,
		[QDISC_CHANGE] = 0,
		[QDISC_DEL] = 0,
	};
	struct nlmsghdr *nlh;
	struct tcmsg *t;
	int ret = 0;

	memset(buf, 0, QDISC_MSG_MAX);
	nlh = nl_put(buf, r->op == QDISC_DEL ? RTM_DELQDISC : RTM_NEWQDISC, flags[r->op],
		     sizeof(struct tcmsg));
	t = mnl_nlmsg_get_payload(nlh);
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = r->ifindex;
	t->tcm_handle = r->handle;
	t->tcm_parent = r->parent;
	if (r->kind != QDISC_NONE)
		mnl_attr_put_strz(nlh, TCA_KIND, qdisc_kind_name(r->kind));
	if (r->kind == QDISC_NETEM)
		ret = netem_put(nlh, &r->o.netem, p, e);
	else if (r->kind == QDISC_TBF)
		ret = tbf_put(nlh, &r->o.tbf, p, e);
	return ret < 0 ? ret : (int)nlh->nlmsg_len;
}

int qdisc_check(const struct qdisc_req *r, struct err *e)
{
	struct psched p;
	char *buf;
	int ret;

	if ((ret = psched_load(&p)) < 0)
		return err_set(e, ret, "cannot read /proc/net/psched");
	if (!(buf = malloc(QDISC_MSG_MAX)))
		return err_set(e, -ENOMEM, NULL);
	ret = qdisc_put(buf, r, &p, e);
	free(buf);
	return ret < 0 ? ret : 0;
}

/* ENOENT for a new qdisc of a kind the kernel does not know: its module is missing */
static int module_missing(const struct qdisc_req *r, int ret, struct err *e)
{
	if (ret == -ENOENT && r->kind != QDISC_NONE && r->op != QDISC_DEL &&
	    strstr(e->text, "kind is unknown"))
		err_set(e, ret, "the kernel has no %s (load the kernel module sch_%s)",
			qdisc_kind_name(r->kind), qdisc_kind_name(r->kind));
	return ret;
}

int qdisc_do(struct ns *ns, const struct qdisc_req *r, struct err *e)
{
	struct psched p;
	struct nl *nl;
	char *buf;
	int ret;

	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	if ((ret = psched_load(&p)) < 0)
		return err_set(e, ret, "cannot read /proc/net/psched");
	if (!(buf = malloc(QDISC_MSG_MAX)))
		return err_set(e, -ENOMEM, NULL);
	if ((ret = qdisc_put(buf, r, &p, e)) > 0)
		ret = module_missing(r, nl_talk(nl, (struct nlmsghdr *)buf, NULL, NULL, e), e);
	free(buf);
	return ret;
}

/* what one sendmsg carries at most: well under the socket's send buffer */
#define BATCH_BYTES (128 * 1024)

/* send v[from..to) built into buf; the first failure's position in *failed */
static int send_chunk(struct nl *nl, char *buf, size_t len, const struct qdisc_req *v, size_t from,
		      long *failed, struct err *e)
{
	int at, ret = nl_talk_batch(nl, buf, len, &at, e);

	if (ret < 0 && at >= 0) {
		*failed = (long)from + at;
		module_missing(&v[from + (size_t)at], ret, e);
	}
	return ret;
}

/* number the built requests and send them, a chunk per sendmsg */
static int send_all(struct nl *nl, char *buf, const size_t *lens, const struct qdisc_req *v,
		    size_t n, long *failed, struct err *e)
{
	size_t i, from = 0, start = 0, off = 0;
	int ret;

	for (i = 0; i <= n; i++) {
		if (i == n || (i > from && (i - from == NL_BATCH_MAX || off + lens[i] - start > BATCH_BYTES))) {
			if (i > from && (ret = send_chunk(nl, buf + start, off - start, v, from, failed, e)) < 0)
				return ret;
			start = off;
			from = i;
		}
		if (i < n) {
			((struct nlmsghdr *)(buf + off))->nlmsg_seq = ++nl->seq;
			off += lens[i];
		}
	}
	return 0;
}

int qdisc_batch(struct ns *ns, const struct qdisc_req *v, size_t n, long *failed, struct err *e)
{
	struct psched p;
	struct nl *nl;
	char *buf = NULL;
	size_t i, len = 0, *lens = NULL;
	int ret;

	*failed = -1;
	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	if ((ret = psched_load(&p)) < 0)
		return err_set(e, ret, "cannot read /proc/net/psched");
	/* every request is built (and so checked) before anything is sent */
	buf = malloc((n + 1) * (size_t)QDISC_MSG_MAX);
	lens = calloc(n + 1, sizeof(*lens));
	if (!buf || !lens) {
		ret = err_set(e, -ENOMEM, NULL);
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(buf + len);

		if ((ret = qdisc_put(nlh, &v[i], &p, e)) < 0) {
			*failed = (long)i;
			goto out;
		}
		nlh->nlmsg_flags |= NLM_F_ACK;
		lens[i] = (size_t)ret;
		len += (size_t)ret;
	}
	ret = send_all(nl, buf, lens, v, n, failed, e);
out:
	free(buf);
	free(lens);
	return ret;
}
