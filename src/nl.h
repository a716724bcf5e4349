/* nl.h - one netlink conversation: a socket and its sequence numbers; failures go to the caller's struct err. */
#ifndef NETLAB_NL_H
#define NETLAB_NL_H

#include <stddef.h>
#include <libmnl/libmnl.h>

#include "err.h"

struct nl {
	struct mnl_socket *sock;	/* NULL until opened */
	unsigned portid;
	unsigned seq;
	int pid;		/* the process that opened it: a forked child opens its own */
};

/* Open and bind a netlink socket of protocol proto in the calling thread's
 * network namespace. Returns 0 or -errno. */
int nl_open(struct nl *nl, int proto);
void nl_close(struct nl *nl);

/* Send one request (NLM_F_ACK is added) and wait for its answer. Every
 * data message of the answer (one reply or a whole dump) is passed to cb,
 * which may be NULL. Returns 0 or -errno, recorded in e with the kernel's
 * extended-ack text when it gave one. */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct err *e);

/* Most messages one nl_talk_batch call takes. */
#define NL_BATCH_MAX 64

/* Send a batch of messages already numbered (each with its own nlmsg_seq)
 * in one sendmsg, as nfnetlink transactions need, and collect the answer to
 * every message that asked for NLM_F_ACK. Returns 0 or the -errno of the
 * first message that failed (recorded in e with its extended-ack text);
 * *failed gets that message's position in buf (0 = the first), or -1 when
 * no message can be blamed. */
int nl_talk_batch(struct nl *nl, const void *buf, size_t len, int *failed, struct err *e);

/* A growing array of records of one size, filled by a dump. */
struct nl_vec {
	void *v;
	size_t n, cap, size;
};
/* Append a copy of item; -ENOMEM. */
int nl_vec_push(struct nl_vec *a, const void *item);

/* Send a dump request and collect its answer with cb, whose data holds a;
 * when the dump raced a change (NLM_F_DUMP_INTR) a is emptied and the dump
 * made again, a few times. Returns 0 with the records handed over to *v
 * (malloc'd, the caller's to free; NULL when there were none) and *n, or
 * -errno with *v NULL and *n 0. */
int nl_dump(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct nl_vec *a,
	    void **v, size_t *n, struct err *e);

/* The kernel's answer (NLMSG_ERROR) to a request that failed or was acked:
 * 0 for the ACK, -errno for a failure (its extack text copied into e). The
 * framing is the caller's (nlmsg_len fits what was received); the rest may
 * be anything. What nl_talk uses; also the fuzz target's way in (fuzz/). */
int nl_ack_decode(const struct nlmsghdr *nlh, struct err *e);

/* Put a request header of the given type and flags (NLM_F_REQUEST added)
 * into buf, with a zeroed family header of hdrlen bytes. */
struct nlmsghdr *nl_put(void *buf, int type, int flags, size_t hdrlen);

#endif
