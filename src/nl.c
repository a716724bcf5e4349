/* nl.c - the netlink conversation every kernel object file shares. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "nl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

int nl_open(struct nl *nl, int proto)
{
	int one = 1, e;

	nl->sock = mnl_socket_open2(proto, SOCK_CLOEXEC);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = errno;
		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return -e;
	}
	/* best effort: without them errors just carry less text */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned)time(NULL);
	nl->pid = (int)getpid();
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

struct nlmsghdr *nl_put(void *buf, int type, int flags, size_t hdrlen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	if (hdrlen)
		mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

/* An error the kernel reports, as -errno. Its errno values are 1..4095
 * (MAX_ERRNO); anything else is no errno, and would overflow where it is
 * negated (-INT_MIN) on its way to the caller's error value. */
static int kernel_error(int v)
{
	if (v >= -4095 && v <= -1)
		return v;
	if (v >= 1 && v <= 4095)
		return -v;
	return -EPROTO;
}

int nl_ack_decode(const struct nlmsghdr *nlh, struct err *e)
{
	const struct nlmsgerr *ack = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t off = sizeof(*ack), room;
	int code;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ack)))
		return err_set(e, -EBADMSG, NULL);
	if (ack->error == 0)
		return 0;
	code = kernel_error(ack->error);
	/* uncapped, the request comes back whole before the TLVs: its length
	 * is the message's word, to be checked against what is there (a wild
	 * one would send the attribute walk gigabytes away) */
	room = mnl_nlmsg_get_payload_len(nlh) - sizeof(*ack);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (ack->msg.nlmsg_len < sizeof(struct nlmsghdr) ||
		    ack->msg.nlmsg_len - sizeof(struct nlmsghdr) > room)
			return err_set(e, code, NULL);
		off += ack->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		mnl_attr_for_each(a, nlh, off)
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				return err_set(e, code, "%s", mnl_attr_get_str(a));
	return err_set(e, code, NULL);
}

int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct err *e)
{
	/* twice MNL_SOCKET_DUMP_SIZE of newer libmnl: one message of a bridge port's dump with
	 * all 4094 VLANs (RTEXT_FILTER_BRVLAN, one entry each) is over 32 KB */
	char buf[65536];
	const struct nlmsghdr *m;
	int ret = 0, done = 0, stopped = 0, len;
	ssize_t n;

	err_clear(e);	/* what an earlier request of this call said is not about this one */
	if (!nl->sock)
		return err_set(e, -EBADF, NULL);
	nlh->nlmsg_seq = ++nl->seq;
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return err_set(e, -errno, NULL);
	/* read until the ACK or NLMSG_DONE; keep reading after a callback
	 * failure so the socket holds no stale answer for the next request */
	while (!done) {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return err_set(e, -errno, NULL);
		len = (int)n;
		for (m = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != nl->seq || m->nlmsg_pid != nl->portid)
				continue;	/* a stale answer */
			if (m->nlmsg_type == NLMSG_ERROR) {
				int code = nl_ack_decode(m, ret ? NULL : e);
				if (!ret)
					ret = code;
				done = 1;
				break;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				const int *code = mnl_nlmsg_get_payload(m);
				if (!ret && m->nlmsg_len >= mnl_nlmsg_size(sizeof(int)) && *code < 0)
					ret = kernel_error(*code);
				/* the dump raced a change: the caller retries */
				if (!ret && (m->nlmsg_flags & NLM_F_DUMP_INTR))
					ret = -EINTR;
				done = 1;
				break;
			}
			if (m->nlmsg_type < NLMSG_MIN_TYPE || !cb || stopped || ret)
				continue;
			errno = 0;
			switch (cb(m, data)) {
			case MNL_CB_ERROR:
				ret = errno ? -errno : -EPROTO;
				break;
			case MNL_CB_STOP:
				stopped = 1;
				break;
			}
		}
	}
	/* a failure the kernel explained is recorded already; this keeps its text */
	return ret < 0 ? err_set(e, ret, NULL) : 0;
}

int nl_talk_batch(struct nl *nl, const void *buf, size_t len, int *failed, struct err *e)
{
	char rbuf[32768];
	const struct nlmsghdr *m;
	unsigned seq[NL_BATCH_MAX];
	char want[NL_BATCH_MAX], wait[NL_BATCH_MAX];
	struct pollfd pfd;
	int n = 0, i, pending = 0, ret = 0, rest = (int)len;
	ssize_t got;

	*failed = -1;
	err_clear(e);
	if (!nl->sock)
		return err_set(e, -EBADF, NULL);
	for (m = buf; mnl_nlmsg_ok(m, rest); m = mnl_nlmsg_next(m, &rest)) {
		if (n == NL_BATCH_MAX)
			return err_set(e, -E2BIG, NULL);
		seq[n] = m->nlmsg_seq;
		want[n] = wait[n] = (m->nlmsg_flags & NLM_F_ACK) != 0;
		pending += wait[n];
		n++;
	}
	if (mnl_socket_sendto(nl->sock, buf, len) < 0)
		return err_set(e, -errno, NULL);
	pfd.fd = mnl_socket_get_fd(nl->sock);
	pfd.events = POLLIN;
	while (pending) {
		/* nfnetlink answers the whole batch before sendmsg returns; after
		 * a failure it may have dropped the acks still missing (a batch
		 * refused as a whole): take what is queued, wait for nothing */
		if (ret && poll(&pfd, 1, 0) <= 0)
			break;
		got = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
		if (got < 0) {
			if (!ret)
				ret = -errno;
			break;
		}
		rest = (int)got;
		for (m = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(m, rest);
		     m = mnl_nlmsg_next(m, &rest)) {
			int code;

			if (m->nlmsg_type != NLMSG_ERROR || m->nlmsg_pid != nl->portid)
				continue;
			for (i = 0; i < n && seq[i] != m->nlmsg_seq; i++)
				;
			if (i == n)
				continue;	/* a stale answer */
			if (wait[i]) {
				wait[i] = 0;
				pending--;
			}
			/* the kernel answers in batch order: keep the first failure */
			if (ret)
				continue;
			if ((code = nl_ack_decode(m, e)) < 0) {
				ret = code;
				/* a message that wanted no ack (the batch's begin or
				 * end) failed: the batch as a whole was refused and
				 * nothing more will come */
				if (want[i])
					*failed = i;
				else
					pending = 0;
			}
		}
	}
	if (!ret && pending)
		ret = -EPROTO;
	return ret < 0 ? err_set(e, ret, NULL) : 0;
}

int nl_vec_push(struct nl_vec *a, const void *item)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		void *v = realloc(a->v, cap * a->size);

		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	memcpy((char *)a->v + a->n * a->size, item, a->size);
	a->n++;
	return 0;
}

int nl_dump(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct nl_vec *a,
	    void **v, size_t *n, struct err *e)
{
	int tries = 0, ret;

	do {
		a->n = 0;	/* what an interrupted dump gave is not to be trusted */
		ret = nl_talk(nl, nlh, cb, data, e);
	} while (ret == -EINTR && ++tries < 10);
	if (ret < 0) {
		free(a->v);
		a->v = NULL;
		a->n = 0;
	}
	*v = a->v;
	*n = a->n;
	return ret;
}
