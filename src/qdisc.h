/* qdisc.h - queueing disciplines (netem, tbf) as tc makes them: requests, batches, the dump. */
#ifndef NETLAB_QDISC_H
#define NETLAB_QDISC_H

#include <stdint.h>
#include <linux/pkt_sched.h>

#include "ns.h"
#include "units.h"

/* not in every distribution's headers yet */
#define NETLAB_TCA_NETEM_PRNG_SEED 14

/* A time as netem takes it: tc 6.1 sends microseconds as scheduler ticks
 * (32 bits); a time whose ticks do not fit goes as nanoseconds in
 * TCA_NETEM_LATENCY64 / JITTER64, as later tc sends every time. */
struct netem_time {
	int set;
	uint32_t us;		/* tc's get_time, truncated */
	int over32;		/* us did not fit 32 bits */
	int64_t ns;		/* tc's get_time64 */
};

struct netem_opts {
	uint32_t limit;		/* packets; tc's default is 1000 */
	struct netem_time delay, jitter;
	/* which correlations were given: tc sends TCA_NETEM_CORR when one of
	 * delay, loss, reorder or corrupt has one (netlab: duplicate's too) */
	int delay_corr_set, loss_corr_set, dup_corr_set, reorder_corr_set, corrupt_corr_set;
	struct tc_netem_corr corr;	/* scaled percentages */
	uint32_t loss, duplicate, gap;
	int loss_model;		/* NETEM_LOSS_UNSPEC, _GI (state), _GE (gemodel) */
	struct tc_netem_gimodel gi;
	struct tc_netem_gemodel ge;	/* h and k1 as the kernel wants them */
	int ecn;
	int reorder_set, corrupt_set;
	struct tc_netem_reorder reorder;
	struct tc_netem_corrupt corrupt;
	int rate_set;
	uint64_t rate;		/* bytes/s */
	int32_t packet_overhead, cell_overhead;
	uint32_t cell_size;
	int slot_set;
	struct tc_netem_slot slot;	/* min and max delay, packets, bytes */
	int seed_set;
	uint64_t seed;
	const int16_t *dist;	/* NETEM_DIST_LEN entries, or NULL */
};

struct tbf_opts {
	uint64_t rate, peakrate;	/* bytes/s; peakrate 0: none */
	uint32_t burst, mtu, mpu;	/* bytes */
	uint32_t limit;			/* bytes; 0: from latency */
	int latency_set;
	uint32_t latency_us;
	uint16_t overhead;
};

enum qdisc_op { QDISC_REPLACE, QDISC_ADD, QDISC_CHANGE, QDISC_DEL };
enum qdisc_kind { QDISC_NONE, QDISC_NETEM, QDISC_TBF };

struct qdisc_req {
	int op;			/* enum qdisc_op */
	int kind;		/* enum qdisc_kind; QDISC_NONE for a delete */
	int ifindex;
	uint32_t parent;	/* TC_H_ROOT, or a class "1:1" */
	uint32_t handle;	/* "1:" as 0x10000, 0: the kernel picks one */
	union {
		struct netem_opts netem;
		struct tbf_opts tbf;
	} o;
};

#define QDISC_MSG_MAX 12288	/* a netem request with its distribution fits */

const char *qdisc_kind_name(int kind);
/* netem's defaults, as tc starts from them */
void netem_opts_init(struct netem_opts *o);

/* Build the request tc would send into buf (QDISC_MSG_MAX bytes): the
 * message's length, or -EINVAL when the options do not go together (the
 * reason in e: "option 'gap' needs 'reorder'"). Nothing is sent. */
int qdisc_put(void *buf, const struct qdisc_req *r, const struct psched *p, struct err *e);

/* qdisc_put into a scratch buffer: 0, or what it refuses (-EINVAL, the reason in e). */
int qdisc_check(const struct qdisc_req *r, struct err *e);

/* One request. A kernel without the qdisc's module answers ENOENT: e's
 * text then names the module to load (sch_netem, sch_tbf). */
int qdisc_do(struct ns *ns, const struct qdisc_req *r, struct err *e);

/* Every request in as few sendmsg calls as the socket takes (NL_BATCH_MAX
 * messages, and a bound on bytes). All are built first: a request that
 * cannot be built sends nothing. The kernel goes on after a failure within
 * one sendmsg; the first failure is returned and *failed is its position
 * in v (-1 when none can be blamed), and no later sendmsg is made. */
int qdisc_batch(struct ns *ns, const struct qdisc_req *v, size_t n, long *failed, struct err *e);

/* What the dump says of one qdisc. */
struct qdisc_info {
	int ifindex;
	uint32_t handle, parent;
	char kind[32];
	uint64_t bytes;
	uint32_t packets, drops, overlimits, requeues, backlog, qlen;
	int has_netem, has_tbf;
	struct {
		struct tc_netem_qopt qopt;
		int corr_set, reorder_set, corrupt_set, rate_set, ecn_set, slot_set, seed_set;
		int lat64_set, jit64_set, loss_model;
		struct tc_netem_corr corr;
		struct tc_netem_reorder reorder;
		struct tc_netem_corrupt corrupt;
		struct tc_netem_rate rate;
		uint64_t rate64, seed;
		int64_t lat64, jit64;
		uint32_t ecn;
		struct tc_netem_gimodel gi;
		struct tc_netem_gemodel ge;
		struct tc_netem_slot slot;
	} netem;
	struct {
		struct tc_tbf_qopt qopt;
		uint64_t rate64, prate64;
	} tbf;
};

/* One record of a qdisc dump (RTM_NEWQDISC) into *out: 0, or -1 when it is
 * not one. Framing is the caller's; the rest may be anything (fuzz/). */
int qdisc_decode(const struct nlmsghdr *nlh, struct qdisc_info *out);
/* Every qdisc (of ifindex, or all when 0), as `tc qdisc show` lists them. */
int qdisc_list(struct ns *ns, int ifindex, struct qdisc_info **v, size_t *n, struct err *e);

#endif
